"""Executors: how a contract's work is done (see :mod:`.base` for the protocol
and :mod:`.registry` for how names map to factories)."""

from __future__ import annotations

from teamspec.engine.executors.base import (
    ExecOutcome,
    Executor,
    ExecutorConfig,
    ExecutorFactory,
    Job,
    Usage,
)
from teamspec.engine.executors.registry import (
    available_executors,
    get_factory,
    register_executor,
    unregister_executor,
)

__all__ = [
    "ExecOutcome",
    "Executor",
    "ExecutorConfig",
    "ExecutorFactory",
    "Job",
    "Usage",
    "available_executors",
    "get_factory",
    "register_executor",
    "unregister_executor",
]
