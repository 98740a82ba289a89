"""The build report: ``.teamspec/report.json`` and ``.teamspec/report.md``.

``report.json`` follows ``teamspec/schemas/report.schema.json`` (JSON
Schema 2020-12); keys are written in a fixed order. Measured timing:

* ``wall_s``: from the start of the execution phase to the end of the last
  contract;
* ``sequential_s``: the sum of the contracts' durations (what one worker
  would have needed);
* ``savings`` = 1 - wall_s / sequential_s (null when nothing ran);
* ``critical_path_s``: the longest path of measured durations over
  implementation edges (``depends_on``), with ``critical_path`` its ids;
* ``lower_bound_s`` = max(critical_path_s, sequential_s / workers): no
  schedule of these durations on these workers can be shorter;
* ``efficiency`` = lower_bound_s / wall_s (1 means the scheduler lost nothing);
* ``theoretical_max_savings`` = 1 - lower_bound_s / sequential_s.

``predicted`` holds the plan's figures (effort hours), for comparison.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.engine.jsonenc import make_encoder
from teamspec.layout import REPORT_JSON, REPORT_MD
from teamspec.model import Plan

if TYPE_CHECKING:
    from teamspec.engine.results import ContractResult

REPORT_FORMAT = 1
#: report.md lists at most this many contracts (report.json has them all)
MD_MAX_ROWS = 200
CONFORMANCE_CHECKS: frozenset[str] = frozenset({
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_schema_conformance", "response_headers_conformance", "negative_data_rejection",
    "unsupported_method", "use_after_free", "ensure_resource_availability",
})


def _r(x: float | None, nd: int = 6) -> float | None:
    return None if x is None else round(float(x), nd)


def measured_timing(
    plan: Plan, results: Mapping[str, ContractResult], wall_s: float, workers: int
) -> dict[str, Any]:
    """The ``timing`` section (see the module docstring)."""
    dur = {cid: r.duration_s for cid, r in results.items()}
    seq = sum(dur.values())
    finish: dict[str, float] = {}
    best_pred: dict[str, str | None] = {}
    for c in plan.contracts:
        if c.id not in dur:
            continue
        pred = None
        start = 0.0
        for d in c.depends_on:
            if d in finish and finish[d] > start:
                start, pred = finish[d], d
        finish[c.id] = start + dur[c.id]
        best_pred[c.id] = pred
    cp = max(finish.values(), default=0.0)
    path: list[str] = []
    if finish:
        cur: str | None = max(finish, key=lambda k: (finish[k], -len(k)))
        while cur is not None:
            path.append(cur)
            cur = best_pred[cur]
        path.reverse()
    lb = max(cp, seq / workers) if workers else cp
    return {
        "wall_s": _r(wall_s),
        "sequential_s": _r(seq),
        "savings": _r(1 - wall_s / seq) if seq > 0 else None,
        "critical_path_s": _r(cp),
        "critical_path": path if seq > 0 else [],
        "lower_bound_s": _r(lb),
        "efficiency": _r(lb / wall_s) if wall_s > 0 and seq > 0 else None,
        "theoretical_max_savings": _r(1 - lb / seq) if seq > 0 else None,
    }


def predicted(plan: Plan) -> dict[str, Any]:
    seq = plan.sequential_hours
    return {
        "workers": plan.workers,
        "sequential_hours": _r(seq),
        "makespan_hours": _r(plan.predicted_makespan_hours),
        "lower_bound_hours": _r(plan.lower_bound_hours),
        "critical_path_hours": _r(plan.critical_path_hours),
        "critical_path": list(plan.critical_path),
        "barrier_makespan_hours": _r(plan.barrier_makespan_hours),
        "savings": _r(plan.predicted_savings),
        "theoretical_max_savings": _r(1 - plan.lower_bound_hours / seq) if seq > 0 else None,
    }


def build_report(plan: Plan, results: Mapping[str, ContractResult], **head: Any) -> dict[str, Any]:
    """The report as a dict (field order fixed): :func:`report_head` (whose
    keyword arguments ``head`` are) with the rows of ``results``."""
    return with_rows(report_head(plan, results, **head), results)


def with_rows(head: Mapping[str, Any], results: Mapping[str, ContractResult]) -> dict[str, Any]:
    """A report head (:func:`report_head`) with its ``contracts`` rows."""
    report = dict(head)
    report["contracts"] = [r.to_dict() for r in results.values()]
    return report


def report_head(
    plan: Plan,
    results: Mapping[str, ContractResult],
    *,
    started_at: str,
    finished_at: str,
    wall_s: float,
    workers: int,
    executor: str,
    interrupted: bool = False,
    stop_reason: str = "",
    budget_exceeded: bool = False,
    warnings: Sequence[str] = (),
    only: Sequence[str] = (),
    out_dir: Path | None = None,
) -> dict[str, Any]:
    """The report without its rows: ``contracts`` is an empty list, to be
    filled from ``results`` (:func:`with_rows`, or written straight from the
    results by :func:`write_report_of`)."""
    from teamspec import __version__
    from teamspec.engine.scores import overall_quality

    spec = plan.spec
    contracts: list[dict[str, Any]] = []
    counts = {s: 0 for s in ("succeeded", "failed", "error", "blocked", "up_to_date")}
    judged: list[tuple[float, float]] = []
    usage_cost = 0.0
    integration_findings: list[dict[str, Any]] = []
    verified: list[str] = []
    for r in results.values():  # one pass: a report may have many thousands of rows
        counts[r.status] += 1
        if r.quality is not None:
            judged.append((r.effort_hours, r.quality))
        if r.usage is not None:
            usage_cost += r.usage.cost_usd
        if r.findings:
            integration_findings += [f.to_dict() for f in r.findings
                                     if f.check in CONFORMANCE_CHECKS]
        if r.deliverables and any(c.get("check") == "conforms" for d in r.deliverables
                                  for c in d.get("checks", ())):
            verified.append(r.id)
    verified.sort()
    overall = overall_quality(judged) if judged or not results else None
    threshold = spec.constraints.quality_threshold
    cost = plan.planning_cost_usd + usage_cost
    failed = bool(counts["failed"] or counts["error"] or counts["blocked"])
    passed = overall is None or overall >= threshold
    if interrupted:
        status = "interrupted"
    elif failed or not passed or budget_exceeded:
        status = "failed"
    else:
        status = "succeeded"
    return {
        "report_format": REPORT_FORMAT,
        "spec": {"name": spec.name, "path": str(spec.path)},
        "teamspec_version": __version__,
        "started_at": started_at,
        "finished_at": finished_at,
        "status": status,
        "stop_reason": stop_reason,
        "executor": executor,
        "workers": workers,
        "out_dir": str(out_dir) if out_dir is not None else None,
        "only": list(only),
        "analysis": plan.analysis.to_dict(),
        "blueprint": {
            "id": plan.blueprint.id,
            "name": plan.blueprint.name,
            "score": round(plan.blueprint.score, 3),
            "reasons": list(plan.blueprint.reasons),
            "alternatives": [a.to_dict() for a in plan.blueprint.alternatives],
        },
        "counts": counts,
        "contracts": contracts,
        "timing": measured_timing(plan, results, wall_s, workers),
        "predicted": predicted(plan),
        "quality": {"overall": overall, "threshold": threshold, "passed": passed},
        "cost_usd": round(cost, 6),
        "planning_cost_usd": round(plan.planning_cost_usd, 6),
        "budget_usd": spec.constraints.budget_usd,
        "budget_exceeded": budget_exceeded,
        "integration": {"verified": verified, "findings": integration_findings},
        # the plan's warnings (e.g. Claude analysis fell back to the heuristic) first
        "warnings": list(dict.fromkeys([*plan.warnings, *warnings])),
    }


_REPORT_ENCODE = make_encoder(item_separator=", ", key_separator=": ")


def dumps_report(report: Mapping[str, Any]) -> str:
    """JSON text of a report: one top-level key per line and one contract per
    line (readable and diffable, and fast: the C encoder does the work)."""
    enc = _REPORT_ENCODE
    parts = []
    for key, value in report.items():
        if key == "contracts" and isinstance(value, list) and value:
            body = ",\n".join("    " + enc(c) for c in value)
            parts.append(f"  {enc(key)}: [\n{body}\n  ]")
        else:
            parts.append(f"  {enc(key)}: {enc(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def write_report(out_dir: Path, report: Mapping[str, Any]) -> None:
    """Write ``report.json`` and ``report.md`` atomically."""
    from teamspec.engine.state import atomic_write

    atomic_write(out_dir / REPORT_JSON, dumps_report(report).encode("utf-8"))
    atomic_write(out_dir / REPORT_MD, render_markdown(report).encode("utf-8"))


def dumps_report_of(head: Mapping[str, Any], results: Mapping[str, ContractResult]) -> str:
    """``dumps_report(with_rows(head, results))``, each row encoded straight
    from its result (:meth:`ContractResult.json_row`)."""
    return "".join(report_parts(head, results))


def report_parts(head: Mapping[str, Any], results: Mapping[str, ContractResult]) -> Iterator[str]:
    """The text of :func:`dumps_report_of` in pieces (a line per contract)."""
    enc = _REPORT_ENCODE
    sep = "{\n"
    for key, value in head.items():
        if key == "contracts" and results:
            yield f"{sep}  {enc(key)}: [\n"
            row_sep = "    "
            for r in results.values():
                yield row_sep + r.json_row(enc)
                row_sep = ",\n    "
            yield "\n  ]"
        else:
            yield f"{sep}  {enc(key)}: {enc(value)}"
        sep = ",\n"
    yield "\n}\n"


def _shown_in_markdown(i: int, r: ContractResult) -> bool:
    """Is row ``i`` used by :func:`render_markdown`: the first
    ``MD_MAX_ROWS``, and any row with findings, usage, deliverables or a
    failure's log?"""
    return (i < MD_MAX_ROWS or bool(r.findings or r.usage is not None or r.deliverables)
            or (r.status in ("failed", "error") and bool(r.log_tail)))


def write_report_of(out_dir: Path, head: Mapping[str, Any],
                    results: Mapping[str, ContractResult]) -> None:
    """``write_report(out_dir, with_rows(head, results))`` without making a
    dict per contract: report.json rows are encoded from the results, and
    report.md gets the rows it shows."""
    from teamspec.engine.state import atomic_write
    from teamspec.engine.workspace import utf8_chunks

    atomic_write(out_dir / REPORT_JSON, utf8_chunks(report_parts(head, results)))
    md = dict(head)
    md["contracts"] = [r.to_dict() for i, r in enumerate(results.values())
                       if _shown_in_markdown(i, r)]
    atomic_write(out_dir / REPORT_MD, render_markdown(md).encode("utf-8"))


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * float(x):.1f}%"


def _num(x: Any, unit: str = "") -> str:
    return "n/a" if x is None else f"{float(x):.2f}{unit}"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Mapping[str, Any]) -> str:
    """A readable Markdown summary of a report dict."""
    lines: list[str] = []
    spec = report.get("spec", {})
    lines.append(f"# Build report: {spec.get('name', '?')}")
    lines.append("")
    lines.append(f"- status: **{report.get('status', '?')}**"
                 + (f" ({report['stop_reason']})" if report.get("stop_reason") else ""))
    lines.append(f"- spec: `{spec.get('path', '?')}`; teamspec {report.get('teamspec_version', '?')}")
    lines.append(f"- started {report.get('started_at', '?')}, finished {report.get('finished_at', '?')}")
    lines.append(f"- executor: {report.get('executor', '?')}; workers: {report.get('workers', '?')}")
    bp = report.get("blueprint", {})
    if bp:
        alts = ", ".join(f"{a['id']} ({a['score']})" for a in bp.get("alternatives", []))
        lines.append(f"- blueprint: {bp.get('id')} (score {bp.get('score')})"
                     + (f"; runners-up: {alts}" if alts else ""))
    counts = report.get("counts", {})
    if counts:
        lines.append("- contracts: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    lines.append("")
    lines.append("## Contracts")
    lines.append("")
    lines.append("| contract | provider | status | attempts | duration | fulfillment | checks | quality | files | reason |")
    lines.append("|---|---|---|---:|---:|---:|---:|---:|---:|---|")
    all_contracts = report.get("contracts", [])
    # a report written by write_report_of holds only the rows shown here; the
    # counts say how many there are
    total = sum(counts.values()) if counts else len(all_contracts)
    for c in all_contracts[:MD_MAX_ROWS]:
        lines.append(
            f"| {_cell(c['id'])} | {_cell(c['provider'])} | {c['status']} | {c['attempts']} | "
            f"{_num(c['duration_s'], ' s')} | {_pct(c['fulfillment'])} | {_pct(c['checks'])} | "
            f"{_pct(c['quality'])} | {len(c['files'])} | {_cell(c.get('reason', ''))} |"
        )
    if total > MD_MAX_ROWS:
        lines.append("")
        lines.append(f"... and {total - MD_MAX_ROWS} more contracts "
                     "(all of them are in report.json).")
    t = report.get("timing", {})
    p = report.get("predicted", {})
    lines.append("")
    lines.append("## Timing")
    lines.append("")
    lines.append("| measure | measured | predicted by the plan |")
    lines.append("|---|---:|---:|")
    lines.append(f"| wall time | {_num(t.get('wall_s'), ' s')} | {_num(p.get('makespan_hours'), ' h')} |")
    lines.append(f"| sequential | {_num(t.get('sequential_s'), ' s')} | {_num(p.get('sequential_hours'), ' h')} |")
    lines.append(f"| critical path | {_num(t.get('critical_path_s'), ' s')} | {_num(p.get('critical_path_hours'), ' h')} |")
    lines.append(f"| lower bound | {_num(t.get('lower_bound_s'), ' s')} | {_num(p.get('lower_bound_hours'), ' h')} |")
    lines.append(f"| savings | {_pct(t.get('savings'))} | {_pct(p.get('savings'))} |")
    lines.append(f"| theoretical maximum savings | {_pct(t.get('theoretical_max_savings'))} | {_pct(p.get('theoretical_max_savings'))} |")
    lines.append(f"| efficiency (lower bound / wall) | {_pct(t.get('efficiency'))} | |")
    if t.get("critical_path"):
        lines.append("")
        lines.append("Measured critical path: " + " → ".join(t["critical_path"]))
    q = report.get("quality", {})
    lines.append("")
    lines.append("## Quality")
    lines.append("")
    verdict = "passed" if q.get("passed") else "below the threshold"
    lines.append(f"Overall quality {_pct(q.get('overall'))} (threshold {_pct(q.get('threshold'))}): {verdict}.")
    if report.get("cost_usd"):
        lines.append(f"Cost: ${report['cost_usd']:.4f}"
                     + (f" of a ${report['budget_usd']:.2f} budget" if report.get("budget_usd") else ""))
    used = [c for c in report.get("contracts", []) if c.get("usage")]
    if used:
        lines.append("")
        lines.append("## Model usage")
        lines.append("")
        lines.append("| contract | calls | input | output | cache write | cache read | cost |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for c in used:
            u = c["usage"]
            lines.append(f"| {_cell(c['id'])} | {u.get('calls', 0)} | {u['input_tokens']} | "
                         f"{u['output_tokens']} | {u.get('cache_write_tokens', 0)} | "
                         f"{u.get('cache_read_tokens', 0)} | ${u['cost_usd']:.4f} |")
    findings = [(c["id"], f) for c in report.get("contracts", []) for f in c.get("findings", [])]
    lines.append("")
    lines.append("## Findings")
    lines.append("")
    if not findings:
        lines.append("None.")
    for cid, f in findings:
        where = f" {f['operation']}" if f.get("operation") else ""
        loc = f" ({f['file']}:{f.get('line', 0)})" if f.get("file") else ""
        lines.append(f"- **{cid}** {f.get('severity', 'error')} `{f['check']}`{where}: {_cell(f['message'])}{loc}")
        if f.get("curl"):
            lines.append(f"  - reproduce: `{f['curl']}`")
    unverified = [(c["id"], ch) for c in report.get("contracts", []) for d in c.get("deliverables", [])
                  for ch in d.get("checks", []) if ch.get("status") != "passed"]
    if unverified:
        lines.append("")
        lines.append("## Acceptance not passed or not verified")
        lines.append("")
        for cid, ch in unverified:
            lines.append(f"- **{cid}** / {_cell(ch['deliverable'])}: {ch['status']}: "
                         f"{_cell(ch['description'])}" + (f" ({_cell(ch['message'])})" if ch.get("message") else ""))
    lines.append("")
    lines.append("## Files")
    lines.append("")
    any_files = False
    for c in all_contracts[:MD_MAX_ROWS]:
        if c.get("files"):
            any_files = True
            lines.append(f"- **{c['id']}**: " + ", ".join(f"`{x}`" for x in c["files"]))
    if not any_files:
        lines.append("None.")
    tails = [(c["id"], c.get("log"), c.get("log_tail", [])) for c in report.get("contracts", [])
             if c.get("status") in ("failed", "error") and c.get("log_tail")]
    if tails:
        lines.append("")
        lines.append("## Logs of failed contracts")
        for cid, log, tail in tails:
            lines.append("")
            lines.append(f"`{log}` (last lines) for **{cid}**:")
            lines.append("")
            lines.append("```")
            lines.extend(tail)
            lines.append("```")
    if report.get("warnings"):
        lines.append("")
        lines.append("## Warnings")
        lines.append("")
        lines.extend(f"- {_cell(w)}" for w in report["warnings"])
    return "\n".join(lines) + "\n"
