"""teamspec: turn a committed YAML team spec into working software.

Use it as a library::

    import teamspec
    spec = teamspec.load_spec("specs/task-manager.yaml")   # raises SpecError
    plan = teamspec.plan(spec, workers=4)                  # a Plan value
    result = teamspec.build(spec)                          # a BuildResult value

Every function returns a value; problems are raised as
:class:`teamspec.errors.TeamspecError` subclasses carrying diagnostics.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_spec": ("teamspec.spec", "load_spec"),
    "plan": ("teamspec.planning", "make_plan"),
    "build": ("teamspec.engine.runner", "build"),
    "verify": ("teamspec.contracts.verify", "verify"),
    "TeamspecError": ("teamspec.errors", "TeamspecError"),
    "SpecError": ("teamspec.errors", "SpecError"),
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    """Import the public API lazily so ``teamspec --version`` starts fast."""
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'teamspec' has no attribute {name!r}") from None
    return getattr(import_module(module), attr)
