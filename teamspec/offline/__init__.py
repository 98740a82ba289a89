"""The offline executor's personas: deterministic jinja2 templates that
produce real, working artifacts for every persona of the catalog.

Use :func:`render_contract` (a pure function of the plan)::

    files = render_contract(plan, "task_api")   # {"backend/app.py": "...", ...}
"""

from __future__ import annotations

from teamspec.offline.render import render_contract, renderer_for

__all__ = ["render_contract", "renderer_for"]
