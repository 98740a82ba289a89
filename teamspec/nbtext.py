"""The text of the notebook views: HTML tables of a plan, a contract and a
report, and a one-line summary of a contract's interface. Plain strings;
:mod:`teamspec.notebook` puts them into widgets."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from teamspec.errors import UsageError

if TYPE_CHECKING:
    from teamspec.model import Contract, Plan

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_GRAPHQL_BUILTINS = frozenset({"String", "Int", "Float", "Boolean", "ID"})

__all__ = [
    "InterfaceSummary",
    "contract_details_html",
    "esc",
    "interface_summary",
    "plan_table_html",
    "report_tables_html",
]



@dataclass(frozen=True)
class InterfaceSummary:
    """What a contract's interface offers: a headline and one item per
    operation (OpenAPI: ``GET /tasks (listTasks)``; GraphQL: root fields),
    type or message."""

    kind: str
    headline: str
    items: tuple[str, ...] = ()


def interface_summary(contract: Contract) -> InterfaceSummary:
    """Summarise ``contract.interface``: OpenAPI operations (method, path,
    operationId), GraphQL type count and root fields, JSON Schema
    properties, event message names."""
    iface = contract.interface
    if iface is None:
        return InterfaceSummary("none", "no interface document")
    doc = iface.document
    where = f" from {iface.source.name}" if iface.source is not None else f" ({iface.origin})"
    if iface.kind == "openapi":
        ops: list[str] = []
        paths = doc.get("paths") if isinstance(doc, Mapping) else None
        for path, item in (paths or {}).items():
            if not isinstance(item, Mapping):
                continue
            for method in HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, Mapping):
                    op_id = op.get("operationId")
                    ops.append(f"{method.upper()} {path}" + (f" ({op_id})" if op_id else ""))
        version = doc.get("openapi", doc.get("swagger", "?")) if isinstance(doc, Mapping) else "?"
        return InterfaceSummary(
            "openapi", f"OpenAPI {version}{where}: {len(ops)} operation{'s' * (len(ops) != 1)}",
            tuple(ops),
        )
    if iface.kind == "graphql":
        return _graphql_summary(str(doc), where)
    if iface.kind == "json_schema":
        props = doc.get("properties") if isinstance(doc, Mapping) else None
        title = doc.get("title", "JSON Schema") if isinstance(doc, Mapping) else "JSON Schema"
        items = tuple(str(k) for k in (props or {}))
        return InterfaceSummary(
            "json_schema", f"{title}{where}: {len(items)} propert{'ies' if len(items) != 1 else 'y'}",
            items,
        )
    names = tuple(str(k) for k in doc) if isinstance(doc, Mapping) else ()
    return InterfaceSummary(
        str(iface.kind), f"event schemas{where}: {len(names)} message type{'s' * (len(names) != 1)}",
        names,
    )


def _graphql_summary(sdl: str, where: str) -> InterfaceSummary:
    try:
        from graphql import GraphQLObjectType, build_schema

        schema = build_schema(sdl)
    except Exception as e:  # a broken SDL is reported by the quality gate
        return InterfaceSummary("graphql", f"GraphQL SDL{where}: does not parse ({e})")
    types = sorted(
        name for name in schema.type_map
        if not name.startswith("__") and name not in _GRAPHQL_BUILTINS
    )
    fields: list[str] = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type),
                       ("subscription", schema.subscription_type)):
        if isinstance(root, GraphQLObjectType):
            fields += [f"{kind} {name}" for name in root.fields]
    return InterfaceSummary(
        "graphql", f"GraphQL SDL{where}: {len(types)} type{'s' * (len(types) != 1)} "
        f"({', '.join(types[:12])}{', …' if len(types) > 12 else ''})",
        tuple(fields),
    )


def esc(value: Any) -> str:
    """``value`` as HTML text."""
    return html.escape(str(value), quote=True)


def _list(values: Iterable[Any]) -> str:
    items = [f"<code>{esc(v)}</code>" for v in values]
    return ", ".join(items) if items else "—"


_TABLE_STYLE = (
    "<style>.teamspec-table{border-collapse:collapse;font-size:12px}"
    ".teamspec-table th,.teamspec-table td{border:1px solid #ddd;padding:2px 6px;"
    "text-align:left;vertical-align:top}.teamspec-table th{background:#f3f3f3}</style>"
)


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'{_TABLE_STYLE}<table class="teamspec-table"><tr>{head}</tr>{body}</table>'


def plan_table_html(plan: Plan) -> str:
    """The plan's contracts as an HTML table: provider, dependencies,
    generation, priority, effort and the predicted start, finish and worker
    (the fields of ``teamspec plan --format json``)."""
    group = {cid: g for g, members in enumerate(plan.groups) for cid in members}
    critical = set(plan.critical_path)
    rows = []
    for c in plan.contracts:
        s = plan.schedule.get(c.id)
        rows.append((
            f"<b>{esc(c.id)}</b>" + (" ★" if c.id in critical else ""),
            esc(c.provider), esc(c.type), _list(c.depends_on), _list(c.uses),
            esc(group.get(c.id, "")), f"{plan.priorities.get(c.id, 0.0):g}",
            f"{c.effort_hours:g}",
            f"{s.start_h:g}" if s else "", f"{s.finish_h:g}" if s else "",
            esc(s.worker) if s else "",
        ))
    summary = (
        f"<p><b>{esc(plan.spec.name)}</b>: {len(plan.contracts)} contracts, "
        f"{len(plan.groups)} generations, {plan.workers} workers · sequential "
        f"{plan.sequential_hours:g} h · predicted {plan.predicted_makespan_hours:g} h · "
        f"lower bound {plan.lower_bound_hours:g} h · predicted savings "
        f"{plan.predicted_savings:.0%} · ★ critical path ({plan.critical_path_hours:g} h)</p>"
    )
    return summary + _table(
        ("contract", "provider", "type", "depends_on", "uses", "group", "priority",
         "effort_hours", "start_h", "finish_h", "worker"),
        rows,
    )


def contract_details_html(plan: Plan, contract_id: str) -> str:
    """One contract of ``plan`` as HTML: provider, consumers, dependencies,
    effort and predicted slot, deliverables with their acceptance criteria,
    and the interface summary."""
    try:
        c = plan.contract(contract_id)
    except KeyError:
        raise UsageError(
            f"unknown contract {contract_id!r}; the plan has: "
            + ", ".join(x.id for x in plan.contracts)
        ) from None
    try:
        persona = plan.persona(c.provider)
        provider = f"{esc(persona.name)} (<code>{esc(c.provider)}</code>)"
    except KeyError:
        provider = f"<code>{esc(c.provider)}</code>"
    slot = plan.schedule.get(c.id)
    when = (
        f"hours {slot.start_h:g}–{slot.finish_h:g} on worker {slot.worker}" if slot else "not scheduled"
    )
    parts = [
        f"<h4 style='margin:4px 0'>{esc(c.id)} — {esc(c.name)}</h4>",
        f"<p>{esc(c.description)}</p>" if c.description else "",
        "<ul>",
        f"<li><b>type</b>: {esc(c.type)}{' · mock' if c.mock else ''}</li>",
        f"<li><b>provider</b>: {provider}</li>",
        f"<li><b>consumers</b>: {_list(c.consumers)}</li>",
        f"<li><b>depends_on</b> (waits for): {_list(c.depends_on)}</li>",
        f"<li><b>uses</b> (interface only, no wait): {_list(c.uses)}</li>",
        f"<li><b>effort</b>: {c.effort_hours:g} h · predicted {when}"
        f"{' · on the critical path' if c.id in plan.critical_path else ''}</li>",
        "</ul>",
        "<b>deliverables</b>",
    ]
    if c.deliverables:
        parts.append("<ul>")
        for d in c.deliverables:
            accept = "".join(f"<li>{esc(a.describe())}</li>" for a in d.acceptance)
            parts.append(
                f"<li><b>{esc(d.name)}</b>"
                + (f": {esc(d.description)}" if d.description else "")
                + f"<br>artifacts: {_list(d.artifacts)}"
                + (f"<ul>{accept}</ul>" if accept else "")
                + "</li>"
            )
        parts.append("</ul>")
    else:
        parts.append("<p>—</p>")
    summary = interface_summary(c)
    parts.append(f"<b>interface</b>: {esc(summary.headline)}")
    if summary.items:
        parts.append("<ul>" + "".join(f"<li><code>{esc(i)}</code></li>" for i in summary.items) + "</ul>")
    return "".join(parts)


def _fmt(value: Any, digits: int = 2) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, (int, float)):
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    return esc(value)


def _file_name(entry: Any) -> str:
    if isinstance(entry, Mapping):
        return str(entry.get("path") or entry.get("file") or entry.get("name") or entry)
    return str(entry)


def report_tables_html(report: Mapping[str, Any]) -> dict[str, str]:
    """``{"summary", "quality", "findings", "files"}``: HTML for a report.

    Findings are the contracts' and the integration's findings, then every
    deliverable check that failed or could not run (``unverified`` free-text
    criteria are counted, not listed)."""
    from teamspec.viz import report_name

    contracts = [c for c in report.get("contracts") or () if isinstance(c, Mapping)]
    timing = report.get("timing") if isinstance(report.get("timing"), Mapping) else {}
    quality = report.get("quality") if isinstance(report.get("quality"), Mapping) else {}
    assert isinstance(timing, Mapping) and isinstance(quality, Mapping)
    counts: dict[str, int] = {}
    for c in contracts:
        counts[str(c.get("status", "?"))] = counts.get(str(c.get("status", "?")), 0) + 1
    passed = quality.get("passed")
    verdict = "passed" if passed else ("below the threshold" if passed is not None else "—")
    summary = (
        f"<p><b>{esc(report_name(report))}</b> · executor {esc(report.get('executor', '?'))}"
        f" · {esc(report.get('workers', '?'))} workers · {esc(report.get('started_at', ''))}<br>"
        f"{', '.join(f'{n} {esc(s)}' for s, n in sorted(counts.items())) or 'no contracts'}"
        f" · wall {_fmt(timing.get('wall_s'))} s · sequential {_fmt(timing.get('sequential_s'))} s"
        f" · savings {_pct(timing.get('savings'))} · efficiency {_fmt(timing.get('efficiency'))}<br>"
        f"quality {_fmt(quality.get('overall'))} (threshold {_fmt(quality.get('threshold'))}): "
        f"<b>{verdict}</b>"
        + (f" · cost ${_fmt(report.get('cost_usd'), 4)}" if report.get("cost_usd") else "")
        + "</p>"
    )
    quality_rows = [
        (
            f"<b>{esc(c.get('id', '?'))}</b>", esc(c.get("provider", "")),
            _status_html(str(c.get("status", "?"))), _fmt(c.get("attempts"), 0),
            _fmt(c.get("duration_s")), _fmt(c.get("fulfillment")), _fmt(c.get("checks")),
            _fmt(c.get("quality")), str(len(c.get("findings") or ())),
            str(len(c.get("files") or ())),
        )
        for c in contracts
    ]
    quality_html = _table(
        ("contract", "provider", "status", "attempts", "duration_s", "fulfillment", "checks",
         "quality", "findings", "files"),
        quality_rows,
    )
    finding_rows: list[Sequence[str]] = []
    for c in contracts:
        for f in c.get("findings") or ():
            if isinstance(f, Mapping):
                finding_rows.append(_finding_row(str(c.get("id", "?")), f))
    integration = report.get("integration")
    if isinstance(integration, Mapping):
        for f in integration.get("findings") or ():
            if isinstance(f, Mapping):
                finding_rows.append(_finding_row("(integration)", f))
    findings_html = (
        _table(("contract", "check", "severity", "operation", "message", "reproduce"), finding_rows)
        if finding_rows else "<p>No findings.</p>"
    )
    check_rows: list[Sequence[str]] = []
    unverified = 0
    for c in contracts:
        for d in c.get("deliverables") or ():
            if not isinstance(d, Mapping):
                continue
            for chk in d.get("checks") or ():
                if not isinstance(chk, Mapping):
                    continue
                state = str(chk.get("status", ""))
                if state == "unverified":
                    unverified += 1
                elif state in ("failed", "error"):
                    check_rows.append((
                        esc(c.get("id", "?")), esc(d.get("name", "")),
                        esc(chk.get("description") or chk.get("check", "")),
                        _status_html("failed" if state == "failed" else "error"),
                        esc(chk.get("message", "")),
                    ))
    if check_rows:
        findings_html += "<h4>Deliverable checks that did not pass</h4>" + _table(
            ("contract", "deliverable", "check", "status", "message"), check_rows
        )
    if unverified:
        findings_html += (
            f"<p>{unverified} free-text acceptance criteri{'a' if unverified != 1 else 'on'} "
            "unverified (judged only by the claude executor; never counted as passed).</p>"
        )
    file_parts = []
    for c in contracts:
        files = [_file_name(f) for f in c.get("files") or ()]
        items = "".join(f"<li><code>{esc(f)}</code></li>" for f in files)
        file_parts.append(
            f"<details><summary><b>{esc(c.get('id', '?'))}</b> — {len(files)} "
            f"file{'s' * (len(files) != 1)}</summary><ul>{items}</ul></details>"
        )
    files_html = "".join(file_parts) or "<p>No contracts.</p>"
    return {"summary": summary, "quality": quality_html, "findings": findings_html,
            "files": files_html}


def _pct(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.0%}"
    return "—"


def _status_html(status: str) -> str:
    from teamspec.viz import status_color

    return f"<span style='color:{status_color(status)};font-weight:bold'>{esc(status)}</span>"


def _finding_row(contract: str, f: Mapping[str, Any]) -> Sequence[str]:
    reproduce = f.get("curl") or f.get("request") or (
        f"{f.get('file')}:{f.get('line')}" if f.get("file") else ""
    )
    return (
        esc(contract), f"<code>{esc(f.get('check', '?'))}</code>",
        esc(f.get("severity", "error")), esc(f.get("operation") or ""),
        esc(f.get("message", "")), f"<code>{esc(reproduce)}</code>" if reproduce else "",
    )
