"""Contracts that hold: the quality gate, schema-derived values, mock servers
(Python and Node), the conformance engine and provider verification.

Modules, one concern each:

- :mod:`teamspec.contracts.openapi_util`: ``$ref`` resolution, operations,
  YAML line lookup.
- :mod:`teamspec.contracts.schemaconv`: OpenAPI schemas → JSON Schema
  2020-12 (shared by the Python and the Node mock) and validators.
- :mod:`teamspec.contracts.values`: deterministic values from a schema.
- :mod:`teamspec.contracts.gate`: the quality gate on an interface.
- :mod:`teamspec.contracts.mocktable`: the table both mock servers serve.
- :mod:`teamspec.contracts.mockserver`: the Python (asyncio) mock server.
- :mod:`teamspec.contracts.nodemock`: the generated Express 5 mock.
- :mod:`teamspec.contracts.artifacts`: every file under ``contracts/<id>/``.
- :mod:`teamspec.contracts.conformance`: checks against a live base URL.
- :mod:`teamspec.contracts.procs`: start and stop provider processes.
- :mod:`teamspec.contracts.verify`: verification of a live provider.

Heavy modules are imported by the functions that need them; importing this
package is cheap.
"""

from __future__ import annotations
