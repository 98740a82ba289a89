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
come from :mod:`teamspec.viz`, rendered to PNG into ``ipywidgets.Image``;
the tables and summaries from :mod:`teamspec.nbtext`.

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
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.nbtext import (
    InterfaceSummary,
    contract_details_html,
    esc,
    interface_summary,
    plan_table_html,
    report_tables_html,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from teamspec.model import Plan, Spec

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

_DPI = 80.0


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
            f"<b>{esc(p.spec.name)}</b> · blueprint {esc(p.blueprint.id)} · "
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
            text += " · running: " + ", ".join(esc(c) for c in self.running)
        if kind == "build_finished":
            text += f" · build {esc(status or 'finished')}"
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
