"""Jupyter widgets for plans and builds (ipywidgets, imported lazily).

- :class:`PlanExplorer` — a plan's DAG, predicted schedule and savings in
  tabs, a workers slider that re-plans and redraws, a contract picker with
  the contract's provider, dependencies, deliverables and interface.
- :class:`ReportView` — a finished build: Gantt chart, savings, quality
  table, findings and files per contract.
- :func:`build` — run a build from a notebook with a live progress bar,
  then show its :class:`ReportView`.

Each class keeps its widget tree in ``.widget`` and displays as that widget
(``PlanExplorer(...)`` as the last line of a cell shows it). The pictures
come from :mod:`teamspec.viz`, rendered to PNG into ``ipywidgets.Image``.

Re-planning is cheap: the explorer keeps the analysis and the design of the
first plan and only re-runs :func:`teamspec.planning.plan_design` with the
new worker count. Only the visible tab is redrawn at once; the others are
redrawn when they are selected. The schedule and savings tabs keep one
figure each (:class:`teamspec.viz.ScheduleCanvas`, :class:`teamspec.viz.SavingsCanvas`)
updated in place for each new plan: a slider move on 100 contracts costs
tens of milliseconds (``benchmarks/bench_widgets.py``).
"""

from __future__ import annotations

import asyncio
import html
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from teamspec.model import Contract, Plan, Spec

__all__ = [
    "InterfaceSummary",
    "PlanExplorer",
    "ReportView",
    "build",
    "contract_details_html",
    "interface_summary",
    "plan_table_html",
    "report_tables_html",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_GRAPHQL_BUILTINS = frozenset({"String", "Int", "Float", "Boolean", "ID"})
_DPI = 80.0


# ------------------------------------------------------------------ text


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


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _list(values: Iterable[Any]) -> str:
    items = [f"<code>{_esc(v)}</code>" for v in values]
    return ", ".join(items) if items else "—"


_TABLE_STYLE = (
    "<style>.teamspec-table{border-collapse:collapse;font-size:12px}"
    ".teamspec-table th,.teamspec-table td{border:1px solid #ddd;padding:2px 6px;"
    "text-align:left;vertical-align:top}.teamspec-table th{background:#f3f3f3}</style>"
)


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
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
            f"<b>{_esc(c.id)}</b>" + (" ★" if c.id in critical else ""),
            _esc(c.provider), _esc(c.type), _list(c.depends_on), _list(c.uses),
            _esc(group.get(c.id, "")), f"{plan.priorities.get(c.id, 0.0):g}",
            f"{c.effort_hours:g}",
            f"{s.start_h:g}" if s else "", f"{s.finish_h:g}" if s else "",
            _esc(s.worker) if s else "",
        ))
    summary = (
        f"<p><b>{_esc(plan.spec.name)}</b>: {len(plan.contracts)} contracts, "
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
        provider = f"{_esc(persona.name)} (<code>{_esc(c.provider)}</code>)"
    except KeyError:
        provider = f"<code>{_esc(c.provider)}</code>"
    slot = plan.schedule.get(c.id)
    when = (
        f"hours {slot.start_h:g}–{slot.finish_h:g} on worker {slot.worker}" if slot else "not scheduled"
    )
    parts = [
        f"<h4 style='margin:4px 0'>{_esc(c.id)} — {_esc(c.name)}</h4>",
        f"<p>{_esc(c.description)}</p>" if c.description else "",
        "<ul>",
        f"<li><b>type</b>: {_esc(c.type)}{' · mock' if c.mock else ''}</li>",
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
            accept = "".join(f"<li>{_esc(a.describe())}</li>" for a in d.acceptance)
            parts.append(
                f"<li><b>{_esc(d.name)}</b>"
                + (f": {_esc(d.description)}" if d.description else "")
                + f"<br>artifacts: {_list(d.artifacts)}"
                + (f"<ul>{accept}</ul>" if accept else "")
                + "</li>"
            )
        parts.append("</ul>")
    else:
        parts.append("<p>—</p>")
    summary = interface_summary(c)
    parts.append(f"<b>interface</b>: {_esc(summary.headline)}")
    if summary.items:
        parts.append("<ul>" + "".join(f"<li><code>{_esc(i)}</code></li>" for i in summary.items) + "</ul>")
    return "".join(parts)


def _fmt(value: Any, digits: int = 2) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, (int, float)):
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    return _esc(value)


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
        f"<p><b>{_esc(report_name(report))}</b> · executor {_esc(report.get('executor', '?'))}"
        f" · {_esc(report.get('workers', '?'))} workers · {_esc(report.get('started_at', ''))}<br>"
        f"{', '.join(f'{n} {_esc(s)}' for s, n in sorted(counts.items())) or 'no contracts'}"
        f" · wall {_fmt(timing.get('wall_s'))} s · sequential {_fmt(timing.get('sequential_s'))} s"
        f" · savings {_pct(timing.get('savings'))} · efficiency {_fmt(timing.get('efficiency'))}<br>"
        f"quality {_fmt(quality.get('overall'))} (threshold {_fmt(quality.get('threshold'))}): "
        f"<b>{verdict}</b>"
        + (f" · cost ${_fmt(report.get('cost_usd'), 4)}" if report.get("cost_usd") else "")
        + "</p>"
    )
    quality_rows = [
        (
            f"<b>{_esc(c.get('id', '?'))}</b>", _esc(c.get("provider", "")),
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
                        _esc(c.get("id", "?")), _esc(d.get("name", "")),
                        _esc(chk.get("description") or chk.get("check", "")),
                        _status_html("failed" if state == "failed" else "error"),
                        _esc(chk.get("message", "")),
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
        items = "".join(f"<li><code>{_esc(f)}</code></li>" for f in files)
        file_parts.append(
            f"<details><summary><b>{_esc(c.get('id', '?'))}</b> — {len(files)} "
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

    return f"<span style='color:{status_color(status)};font-weight:bold'>{_esc(status)}</span>"


def _finding_row(contract: str, f: Mapping[str, Any]) -> Sequence[str]:
    reproduce = f.get("curl") or f.get("request") or (
        f"{f.get('file')}:{f.get('line')}" if f.get("file") else ""
    )
    return (
        _esc(contract), f"<code>{_esc(f.get('check', '?'))}</code>",
        _esc(f.get("severity", "error")), _esc(f.get("operation") or ""),
        _esc(f.get("message", "")), f"<code>{_esc(reproduce)}</code>" if reproduce else "",
    )


# ------------------------------------------------------------------ widgets


def _widgets() -> Any:
    try:
        import ipywidgets
    except ImportError:  # pragma: no cover - depends on the environment
        from teamspec.errors import ConfigurationError

        raise ConfigurationError(
            "teamspec.notebook needs ipywidgets and matplotlib: pip install 'teamspec[notebook]'"
        ) from None
    return ipywidgets


def _png(fig: Figure) -> bytes:
    from teamspec.viz import png_bytes

    return png_bytes(fig, dpi=_DPI)


def _image(widgets: Any) -> Any:
    return widgets.Image(format="png", layout=widgets.Layout(max_width="none"))


def _scroll(widgets: Any, child: Any) -> Any:
    return widgets.Box([child], layout=widgets.Layout(overflow="auto", width="100%"))


class PlanExplorer:
    """Explore a spec's plan: tabs for the DAG, the predicted schedule and
    the savings; a workers slider that re-plans and redraws; a contract
    picker showing provider, dependencies, deliverables and interface.

    ``spec`` is a spec path, a :class:`~teamspec.model.Spec` or an already
    made :class:`~teamspec.model.Plan`. Attributes: ``plan`` (the current
    plan), ``widget`` (the ``VBox``), ``workers`` (the slider), ``tabs``,
    ``images`` (``{"dag", "schedule", "savings"}`` Image widgets),
    ``summary`` and ``details`` (HTML widgets), ``picker`` (the Dropdown).
    """

    TABS = ("dag", "schedule", "savings")
    TITLES = ("DAG", "Predicted schedule", "Savings")

    def __init__(self, spec: str | Path | Spec | Plan, *, workers: int | None = None) -> None:
        from teamspec import viz
        from teamspec.model import Design, Plan
        from teamspec.planning import make_plan, plan_design

        w = _widgets()
        if isinstance(spec, Plan):
            plan = spec if workers is None or workers == spec.workers else None
            first = spec
        else:
            first = make_plan(spec, workers=workers)
            plan = first
        design = Design(team=first.team, contracts=first.contracts, blueprint=first.blueprint)
        analysis, base_spec = first.analysis, first.spec

        def replan(n: int) -> Plan:
            return plan_design(base_spec, analysis, design, workers=n)

        self._replan: Callable[[int], Plan] = replan
        self.plan: Plan = plan if plan is not None else replan(int(workers or first.workers))
        self._stale: set[str] = set()
        self._lock = threading.Lock()
        # the schedule and savings figures are kept and updated in place on
        # every slider move (a new figure per move is too slow for 100 contracts)
        self._schedule = viz.ScheduleCanvas(dpi=_DPI)
        self._savings = viz.SavingsCanvas(dpi=_DPI)

        n = len(self.plan.contracts)
        self.workers = w.IntSlider(
            value=self.plan.workers, min=1, max=max(2, self.plan.workers, min(n, 64)), step=1,
            description="workers", continuous_update=False,
        )
        self.summary = w.HTML()
        self.images: dict[str, Any] = {name: _image(w) for name in self.TABS}
        self.tabs = w.Tab(children=[_scroll(w, self.images[name]) for name in self.TABS])
        self.tabs.titles = self.TITLES
        self.picker = w.Dropdown(
            options=[(f"{c.id} — {c.provider}", c.id) for c in self.plan.contracts],
            value=self.plan.contracts[0].id if self.plan.contracts else None,
            description="contract",
            layout=w.Layout(width="max-content"),
        )
        self.details = w.HTML()
        self.widget = w.VBox([
            self.summary, self.workers, self.tabs,
            w.HTML("<b>Contract details</b>"), self.picker, self.details,
        ])
        self._draw_all()
        self._show_details()
        self.workers.observe(self._on_workers, names="value")
        self.tabs.observe(self._on_tab, names="selected_index")
        self.picker.observe(lambda _change: self._show_details(), names="value")

    # -- drawing
    def _picture(self, name: str) -> bytes:
        from teamspec import viz

        if name == "schedule":
            return self._schedule.png(self.plan)
        if name == "savings":
            return self._savings.png(self.plan)
        return _png(viz.dag_figure(self.plan))

    def _draw(self, name: str) -> None:
        self.images[name].value = self._picture(name)
        self._stale.discard(name)

    def _draw_all(self) -> None:
        self._update_summary()
        for name in self.TABS:
            self._draw(name)

    def _update_summary(self) -> None:
        p = self.plan
        self.summary.value = (
            f"<b>{_esc(p.spec.name)}</b> · blueprint {_esc(p.blueprint.id)} · "
            f"{len(p.contracts)} contracts · <b>{p.workers} worker{'s' * (p.workers != 1)}</b>: "
            f"predicted makespan "
            f"<b>{p.predicted_makespan_hours:g} h</b> (sequential {p.sequential_hours:g} h, "
            f"lower bound {p.lower_bound_hours:g} h, level by level "
            f"{p.barrier_makespan_hours:g} h) · predicted savings {p.predicted_savings:.0%}"
        )

    def _selected(self) -> str:
        index = self.tabs.selected_index
        return self.TABS[index] if isinstance(index, int) and 0 <= index < len(self.TABS) else "dag"

    def set_workers(self, workers: int) -> Plan:
        """Re-plan with ``workers`` and redraw (what the slider does).
        Redraws the visible tab now, the others when they are selected."""
        with self._lock:
            self.plan = self._replan(int(workers))
            self._update_summary()
            self._stale |= {"schedule", "savings"}  # the DAG does not depend on workers
            if self._selected() in self._stale:
                self._draw(self._selected())
        if self.workers.value != self.plan.workers:
            self.workers.value = self.plan.workers
        return self.plan

    def _on_workers(self, change: Mapping[str, Any]) -> None:
        if int(change["new"]) != self.plan.workers:
            self.set_workers(int(change["new"]))

    def _on_tab(self, _change: Mapping[str, Any]) -> None:
        with self._lock:
            if self._selected() in self._stale:
                self._draw(self._selected())

    def _show_details(self) -> None:
        cid = self.picker.value
        self.details.value = contract_details_html(self.plan, cid) if cid else "<p>No contracts.</p>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


class ReportView:
    """A finished build: a summary, then tabs for the Gantt chart, the
    savings (with the plan's prediction when ``plan`` is given), a quality
    table with its chart, the findings, and the files of each contract.

    ``out_dir`` is the build's output directory (or its report file, or the
    report mapping). Attributes: ``report``, ``widget``, ``tabs``,
    ``images`` (``{"gantt", "savings", "quality"}``) and ``html``
    (``{"summary", "quality", "findings", "files"}`` HTML widgets).
    """

    TITLES = ("Schedule", "Savings", "Quality", "Findings", "Files")

    def __init__(self, out_dir: str | Path | Mapping[str, Any], *, plan: Plan | None = None) -> None:
        from teamspec import viz

        w = _widgets()
        self.report: Mapping[str, Any] = (
            out_dir if isinstance(out_dir, Mapping) else viz.load_report(out_dir)
        )
        tables = report_tables_html(self.report)
        self.html: dict[str, Any] = {k: w.HTML(value=v) for k, v in tables.items()}
        self.images: dict[str, Any] = {
            "gantt": _image(w), "savings": _image(w), "quality": _image(w),
        }
        self.images["gantt"].value = _png(viz.gantt_figure(self.report))
        self.images["savings"].value = _png(viz.savings_figure(plan, self.report))
        self.images["quality"].value = _png(viz.quality_figure(self.report))
        self.tabs = w.Tab(children=[
            _scroll(w, self.images["gantt"]),
            _scroll(w, self.images["savings"]),
            w.VBox([self.html["quality"], _scroll(w, self.images["quality"])]),
            self.html["findings"],
            self.html["files"],
        ])
        self.tabs.titles = self.TITLES
        self.widget = w.VBox([self.html["summary"], self.tabs])

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


# ------------------------------------------------------------------ build


class _Progress:
    """The live progress widget: a bar over finished contracts and a line
    saying what runs. Fed :class:`teamspec.engine.events.BuildEvent` values
    (read duck-typed: ``kind``, ``contract``, ``status``, ``total``)."""

    def __init__(self, total: int) -> None:
        w = _widgets()
        self.bar = w.IntProgress(value=0, min=0, max=max(total, 1), description="building",
                                 bar_style="info")
        self.label = w.HTML(value=f"0/{total} contracts" if total else "starting…")
        self.widget = w.VBox([self.bar, self.label])
        self.total = total
        self.running: dict[str, None] = {}
        self.done: dict[str, str] = {}
        self.events = 0

    def __call__(self, event: Any) -> None:
        try:
            self._update(event)
        except Exception:  # a progress view must never break the build
            return

    def _update(self, event: Any) -> None:
        self.events += 1
        kind = str(getattr(event, "kind", ""))
        cid = getattr(event, "contract", None)
        status = getattr(event, "status", None)
        if kind == "build_started" and int(getattr(event, "total", 0) or 0) > 0:
            self.total = int(event.total)
            self.bar.max = self.total
        elif kind == "contract_started" and cid:
            self.running[str(cid)] = None
        elif kind == "contract_finished" and cid:
            self.running.pop(str(cid), None)
            self.done[str(cid)] = str(status or "done")
        elif kind == "build_finished":
            self.running.clear()
            self.bar.bar_style = "success" if status == "ok" else "danger"
        self.bar.value = min(len(self.done), self.bar.max)
        bad = sum(1 for s in self.done.values() if s in ("failed", "error", "blocked"))
        text = f"{len(self.done)}/{self.total} contracts"
        if bad:
            text += f" · <span style='color:#d62728'>{bad} failed or blocked</span>"
        if self.running:
            text += " · running: " + ", ".join(_esc(c) for c in self.running)
        if kind == "build_finished":
            text += f" · build {_esc(status or 'finished')}"
        self.label.value = text


def _display(obj: Any) -> None:
    from IPython.display import display

    display(obj)  # type: ignore[no-untyped-call]


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def build(
    spec: str | Path | Spec,
    *,
    show_report: bool = True,
    on_event: Callable[[Any], None] | None = None,
    **kwargs: Any,
) -> Any:
    """Run :func:`teamspec.engine.runner.build` from a notebook with a live
    progress widget (displayed at once), then display a :class:`ReportView`
    of the build when ``show_report``. Returns the ``BuildResult``.

    ``kwargs`` go to the engine's ``build`` (``out``, ``workers``,
    ``executor``, ``time_scale``...). A Jupyter kernel runs an asyncio loop
    in its main thread, so the engine runs in a worker thread here; the
    progress widget updates from there.
    """
    from teamspec.engine.runner import build as run_build
    from teamspec.model import Spec

    if isinstance(spec, Spec):
        loaded = spec
    else:
        from teamspec.spec import load_spec

        loaded = load_spec(spec)
    progress = _Progress(len(loaded.contracts))
    _display(progress.widget)

    def events(event: Any) -> None:
        progress(event)
        if on_event is not None:
            on_event(event)

    def run() -> Any:
        return run_build(loaded, on_event=events, **kwargs)

    if _in_event_loop():
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="teamspec-build") as pool:
            result = pool.submit(run).result()
    else:
        result = run()
    if show_report:
        out = _result_out_dir(result, loaded, kwargs.get("out"))
        if out is not None and out.is_dir():
            _display(ReportView(out).widget)
    return result


def _result_out_dir(result: Any, spec: Spec, out: Any) -> Path | None:
    for attr in ("out_dir", "out", "output_dir"):
        value = getattr(result, attr, None)
        if isinstance(value, (str, Path)):
            return Path(value)
    return spec.output_dir(out)
