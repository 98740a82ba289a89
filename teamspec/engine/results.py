"""What a build produces: one :class:`ContractResult` per contract and the
:class:`BuildResult` (``teamspec.build`` returns it), plus the dry-run items.

Timestamps are kept as ``time.time()`` floats and formatted once, for the
report (:func:`_iso`: ISO 8601, milliseconds, ``Z``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from json.encoder import encode_basestring as _s
from pathlib import Path
from typing import Any, Literal

from teamspec.engine.executors.base import Usage
from teamspec.model import Finding

Status = Literal["succeeded", "failed", "error", "blocked", "up_to_date"]
STATUSES: tuple[str, ...] = ("succeeded", "failed", "error", "blocked", "up_to_date")


_ISO_SECONDS: dict[int, str] = {}  # whole seconds formatted lately


def _iso(ts: float) -> str:
    """``datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")``
    with ``Z``; the date and time of day are formatted once per second (a
    report has two timestamps per contract)."""
    frac, whole = math.modf(ts)
    us = round(frac * 1e6)  # as datetime.fromtimestamp: half to even
    sec = int(whole)
    if us >= 1_000_000:
        sec, us = sec + 1, us - 1_000_000
    elif us < 0:
        sec, us = sec - 1, us + 1_000_000
    text = _ISO_SECONDS.get(sec)
    if text is None:
        if len(_ISO_SECONDS) >= 256:
            _ISO_SECONDS.clear()
        text = _ISO_SECONDS[sec] = datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{us // 1000:03d}Z"


_Q = '"'
_frepr = float.__repr__


def _r6(x: float, enc: Callable[[Any], str]) -> str:
    """JSON text of ``round(x, 6)``, as :mod:`json` writes it."""
    x = round(x, 6)
    return _frepr(x) if type(x) is float else enc(x)




# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class ContractResult:
    """The outcome of one contract in one build (``to_dict()`` for the report)."""

    id: str
    provider: str
    status: Status
    reason: str = ""
    executor: str = ""
    started_ts: float | None = None  # wall clock (time.time()) when the first attempt began
    finished_ts: float | None = None
    start_s: float | None = None  # seconds since the execution phase began
    duration_s: float = 0.0
    attempts: int = 0
    files: tuple[str, ...] = ()
    fulfillment: float | None = None
    checks: float | None = None
    quality: float | None = 0.0  # None: not validated (simulate)
    findings: tuple[Finding, ...] = ()
    deliverables: tuple[Mapping[str, Any], ...] = ()
    usage: Usage | None = None
    effort_hours: float = 0.0
    log: str | None = None
    log_tail: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in ("succeeded", "up_to_date")

    @property
    def started_at(self) -> str | None:
        return None if self.started_ts is None else _iso(self.started_ts)

    @property
    def finished_at(self) -> str | None:
        return None if self.finished_ts is None else _iso(self.finished_ts)

    def to_dict(self) -> dict[str, Any]:
        # one call per contract in a report: locals, no empty comprehensions
        started, finished, start = self.started_ts, self.finished_ts, self.start_s
        fulfillment, checks, quality = self.fulfillment, self.checks, self.quality
        d: dict[str, Any] = {
            "id": self.id,
            "provider": self.provider,
            "status": self.status,
            "reason": self.reason,
            "executor": self.executor,
            "effort_hours": self.effort_hours,
            "started_at": None if started is None else _iso(started),
            "finished_at": None if finished is None else _iso(finished),
            "start_s": None if start is None else round(start, 6),
            "duration_s": round(self.duration_s, 6),
            "attempts": self.attempts,
            "files": list(self.files),
            "fulfillment": None if fulfillment is None else round(fulfillment, 6),
            "checks": None if checks is None else round(checks, 6),
            "quality": None if quality is None else round(quality, 6),
            "deliverables": [dict(x) for x in self.deliverables] if self.deliverables else [],
            "findings": [f.to_dict() for f in self.findings] if self.findings else [],
        }
        if self.usage is not None:
            d["usage"] = self.usage.to_dict()
        if self.log is not None:
            d["log"] = self.log
            d["log_tail"] = list(self.log_tail)
        return d

    def json_row(self, enc: Callable[[Any], str]) -> str:
        """``enc(self.to_dict())`` for an encoder with ``", "``/``": "``
        separators, written directly (a report holds one row per contract:
        no intermediate dict). Numbers are encoded as the json module does
        (``float.__repr__``); the rarely present parts through ``enc``."""
        started, finished, start = self.started_ts, self.finished_ts, self.start_s
        files, effort = self.files, self.effort_hours
        fulfillment, checks, quality = self.fulfillment, self.checks, self.quality
        dur = round(self.duration_s, 6)
        text = (
            f'{{"id": {_s(self.id)}, "provider": {_s(self.provider)}, '
            f'"status": "{self.status}", "reason": {_s(self.reason)}, '
            f'"executor": {_s(self.executor)}, '
            f'"effort_hours": {_frepr(effort) if type(effort) is float else enc(effort)}, '
            f'"started_at": {"null" if started is None else _Q + _iso(started) + _Q}, '
            f'"finished_at": {"null" if finished is None else _Q + _iso(finished) + _Q}, '
            f'"start_s": {"null" if start is None else _r6(start, enc)}, '
            f'"duration_s": {_frepr(dur) if type(dur) is float else enc(dur)}, '
            f'"attempts": {int(self.attempts)}, '
            f'"files": {enc(list(files)) if files else "[]"}, '
            f'"fulfillment": {"null" if fulfillment is None else _r6(fulfillment, enc)}, '
            f'"checks": {"null" if checks is None else _r6(checks, enc)}, '
            f'"quality": {"null" if quality is None else _r6(quality, enc)}, '
            f'"deliverables": {enc([dict(x) for x in self.deliverables]) if self.deliverables else "[]"}, '
            f'"findings": {enc([f.to_dict() for f in self.findings]) if self.findings else "[]"}'
        )
        if self.usage is not None:
            text += f', "usage": {enc(self.usage.to_dict())}'
        if self.log is not None:
            text += f', "log": {_s(self.log)}, "log_tail": {enc(list(self.log_tail))}'
        return text + "}"


_RESULT_DEFAULTS: dict[str, Any] = {
    f.name: f.default for f in dataclasses.fields(ContractResult)
    if f.default is not dataclasses.MISSING}


def _new_result(**kw: Any) -> ContractResult:
    """``ContractResult(**kw)`` without the frozen dataclass's
    ``object.__setattr__`` per field (one result per contract: it shows in
    the engine's per-contract overhead). Same object, same immutability."""
    obj = object.__new__(ContractResult)
    # one dict made at its full size (filling an empty one resizes it thrice)
    object.__setattr__(obj, "__dict__", {**_RESULT_DEFAULTS, **kw})
    return obj


@dataclass(frozen=True)
class DryRunItem:
    id: str
    action: Literal["run", "skip", "refuse", "maybe", "blocked"]
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "action": self.action, "reason": self.reason}


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build` returns."""

    out_dir: Path
    #: the report, or a function that makes it (on first use of ``report``)
    report_data: Mapping[str, Any] | Callable[[], Mapping[str, Any]]
    results: Mapping[str, ContractResult] = field(default_factory=dict)
    interrupted: bool = False
    dry_run: bool = False
    would_run: tuple[DryRunItem, ...] = ()
    budget_exceeded: bool = False
    quality_passed: bool = True
    warnings: tuple[str, ...] = ()
    #: the report without its rows (``contracts`` empty), when the build has it
    report_head: Mapping[str, Any] | None = None

    def section(self, key: str) -> Any:
        """A top-level section of the report other than ``contracts``,
        without making the report's rows."""
        head = self.report_head
        return (head if head is not None else self.report).get(key)

    @cached_property
    def report(self) -> Mapping[str, Any]:
        """The report as written to ``report.json`` (a build of many
        contracts writes it from its results; the dict is made when asked for)."""
        data = self.report_data
        return data() if callable(data) else data

    @property
    def exit_code(self) -> int:
        """0 success; 1 something failed, was blocked, quality below the
        threshold or the budget was exceeded; 130 interrupted."""
        if self.interrupted:
            return 130
        if self.dry_run:
            return 0
        if self.budget_exceeded or not self.quality_passed:
            return 1
        if any(not r.ok for r in self.results.values()):
            return 1
        return 0

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.results.values():
            out[r.status] += 1
        return out


__all__ = ["STATUSES", "BuildResult", "ContractResult", "DryRunItem", "Status"]
