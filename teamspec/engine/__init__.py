"""The build engine behind ``teamspec build``.

Stages, in order: *select* (decide per contract whether it is up to date,
from the incremental state) → *prepare* (write every contract's interface
and mocks) → *execute* (a list scheduler runs the executors) → *validate*
(deliverables and machine checks, scores) → *report* (``report.json`` and
``report.md``). The entry point is :func:`teamspec.engine.runner.build`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build"]


def __getattr__(name: str) -> Any:
    if name == "build":
        from teamspec.engine.runner import build

        return build
    raise AttributeError(f"module 'teamspec.engine' has no attribute {name!r}")
