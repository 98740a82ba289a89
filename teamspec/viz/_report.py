"""Reading a build's report.json for the pictures (timestamps, worker lanes)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.errors import Diagnostic, UsageError
from teamspec.layout import REPORT_JSON

if TYPE_CHECKING:
    pass


def load_report(out_dir_or_file: str | Path) -> dict[str, Any]:
    """Read a build report: ``OUT/.teamspec/report.json`` or that file itself.

    Raises :class:`UsageError` when the directory or the report is missing
    (the build has not run there yet) or the file is not a JSON object.
    """
    given = Path(out_dir_or_file)
    if given.is_dir():
        path = given / REPORT_JSON
        if not path.is_file():
            raise UsageError(
                f"{given}: no build report: expected {path}; run `teamspec build SPEC -o {given}` "
                "first, or pass the output directory of a finished build"
            )
    elif given.is_file():
        path = given
    else:
        raise UsageError(
            f"{given}: no such output directory; run `teamspec build SPEC -o {given}` first, "
            "or pass the output directory of a finished build"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: cannot read the build report: {e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        diag = Diagnostic(
            str(path), e.lineno, e.colno, "error",
            f"the build report is not valid JSON ({e.msg}); run `teamspec build` again to rewrite it",
        )
        raise UsageError(diag.message, [diag]) from None
    if not isinstance(data, dict):
        diag = Diagnostic(
            str(path), 1, 1, "error",
            f"expected a build report (a JSON object), found a JSON {type(data).__name__}; "
            "run `teamspec build` again to rewrite it",
        )
        raise UsageError(diag.message, [diag])
    return data


def _as_report(report: Mapping[str, Any] | str | Path) -> Mapping[str, Any]:
    if isinstance(report, (str, Path)):
        return load_report(report)
    return report


def report_name(report: Mapping[str, Any]) -> str:
    """The spec's name in a report (``spec`` is ``{name, path}``; older or
    hand-made reports may hold the name itself)."""
    spec = report.get("spec")
    if isinstance(spec, Mapping):
        return str(spec.get("name") or spec.get("path") or "build")
    return str(spec) if spec else "build"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    return None


def _timestamp(value: Any) -> float | None:
    """Seconds since the epoch from an ISO 8601 string or a number."""
    num = _number(value)
    if num is not None:
        return num
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class _Bar:
    id: str
    lane: int
    start: float
    finish: float
    color: str
    key: str  # legend entry (status or persona)


def report_workers(report: Mapping[str, Any]) -> dict[str, tuple[float, float, int]]:
    """``{contract: (start_s, finish_s, lane)}`` from a report.

    Times: a contract's ``start_s`` (seconds since execution began) plus its
    ``duration_s`` when every contract that ran has them; otherwise
    ``started_at`` / ``finished_at`` relative to the build's ``started_at``
    (else the earliest contract start).

    Lanes: a contract's ``worker`` field when every timed contract has one
    (reports do not record workers today); otherwise assigned greedily —
    contracts sorted by start time each take the lowest-numbered lane that is
    free at their start — which uses as few lanes as the measured overlap
    needs (never more than the build's worker count). Contracts with no start
    (blocked, never ran) are left out.
    """
    rows = [c for c in report.get("contracts") or () if isinstance(c, Mapping)]
    timed: list[tuple[str, float, float, Any]] = []
    relative = [c for c in rows if _number(c.get("start_s")) is not None]
    absolute = [c for c in rows if _timestamp(c.get("started_at")) is not None]
    if relative and len(relative) >= len(absolute):
        for c in relative:
            start = _number(c.get("start_s")) or 0.0
            timed.append((str(c.get("id", "?")), start,
                          start + max(_number(c.get("duration_s")) or 0.0, 0.0), c.get("worker")))
        origin = 0.0
    else:
        for c in absolute:
            start = _timestamp(c.get("started_at")) or 0.0
            finish = _timestamp(c.get("finished_at"))
            if finish is None:
                finish = start + (_number(c.get("duration_s")) or 0.0)
            timed.append((str(c.get("id", "?")), start, max(finish, start), c.get("worker")))
        if not timed:
            return {}
        began = _timestamp(report.get("started_at"))
        earliest = min(t[1] for t in timed)
        origin = began if began is not None and began <= earliest else earliest
    out: dict[str, tuple[float, float, int]] = {}
    if all(isinstance(w, int) and not isinstance(w, bool) and w >= 0 for *_, w in timed):
        for cid, s, f, w in timed:
            out[cid] = (s - origin, f - origin, int(w))
        return out
    free_at: list[float] = []
    eps = 1e-6
    for cid, s, f, _w in sorted(timed, key=lambda t: (t[1], t[2], t[0])):
        lane = next((i for i, t in enumerate(free_at) if t <= s + eps), None)
        if lane is None:
            lane = len(free_at)
            free_at.append(f)
        else:
            free_at[lane] = f
        out[cid] = (s - origin, f - origin, lane)
    return out
