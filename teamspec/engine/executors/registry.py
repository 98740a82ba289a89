"""Executor registry: name → factory.

Built-ins: ``offline``, ``command``, ``simulate`` and ``claude``
(``teamspec.claude.executor:make_executor``, needs the ``anthropic`` extra). Third
parties publish factories in the entry-point group ``teamspec.executors``::

    [project.entry-points."teamspec.executors"]
    ray = "teamspec_ray:make_executor"

Programs can also call :func:`register_executor`.
"""

from __future__ import annotations

from importlib import import_module
from typing import cast

from teamspec.engine.executors.base import ExecutorFactory
from teamspec.errors import ConfigurationError, UsageError

ENTRY_POINT_GROUP = "teamspec.executors"

_BUILTIN: dict[str, str] = {
    "offline": "teamspec.engine.executors.offline:make_executor",
    "command": "teamspec.engine.executors.command:make_executor",
    "simulate": "teamspec.engine.executors.simulate:make_executor",
    "claude": "teamspec.claude.executor:make_executor",
}
_REGISTERED: dict[str, ExecutorFactory] = {}


def register_executor(name: str, factory: ExecutorFactory) -> None:
    """Make ``factory`` available under ``name`` (wins over built-ins)."""
    _REGISTERED[name] = factory


def unregister_executor(name: str) -> None:
    _REGISTERED.pop(name, None)


def _load(ref: str, name: str) -> ExecutorFactory:
    module, _, attr = ref.partition(":")
    try:
        mod = import_module(module)
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            f"executor {name!r} is not available: module {exc.name!r} is not installed"
        ) from None
    return cast(ExecutorFactory, getattr(mod, attr))


def available_executors() -> list[str]:
    from importlib.metadata import entry_points

    names = set(_BUILTIN) | set(_REGISTERED)
    names |= {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(names)


def get_factory(name: str) -> ExecutorFactory:
    """The factory registered under ``name``.

    Raises :class:`UsageError` for an unknown name (listing the known ones)
    and :class:`ConfigurationError` when its module cannot be imported."""
    if name in _REGISTERED:
        return _REGISTERED[name]
    if name in _BUILTIN:
        return _load(_BUILTIN[name], name)
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return cast(ExecutorFactory, ep.load())
    raise UsageError(
        f"unknown executor {name!r}; expected one of: {', '.join(available_executors())}"
    )
