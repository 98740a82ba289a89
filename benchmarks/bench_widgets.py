"""How fast does the PlanExplorer's workers slider respond on 100 contracts?

Generates a spec of 100 hand-written contracts (a layered DAG: each contract
depends on up to two of the previous fifteen; every tenth is a REST
contract with a mock that later contracts ``use``), writes it to a temporary
directory, and measures in the same run:

- baseline A: ``make_plan(path)`` — load, validate, analyse, design, plan —
  what re-planning from the spec file would cost;
- the explorer's re-plan: ``plan_design`` with a new worker count, reusing
  the analysis and the design;
- per tab, a slider move as the user sees it (``set_workers`` with that tab
  visible: re-plan plus redraw of the visible tab; target: under 200 ms)
  beside its baseline, the explorer before it kept its figures: re-plan
  plus a new figure for that tab rendered to PNG at the widget's dpi, the
  Gantt chart drawn as it was then (:func:`old_gantt_png`: one ``Rectangle``
  and one clipped ``Text`` per bar, a matplotlib ``Legend``, y tick labels;
  the DAG and savings figures are drawn as they still are). Each pair is
  measured alternately for each worker count, so load from other processes
  hits both alike;
- the schedule tab against today's ``predicted_gantt_figure`` drawn anew
  per move (what updating one figure in place saves by itself).

Each figure is the median (and the maximum) over worker counts
1..--max-workers, several rounds; garbage is collected before each timed
call (outside the time).

    PYTHONPATH=. python benchmarks/bench_widgets.py [--contracts 100] [--rounds 2] [--max-workers 16]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from teamspec.model import Plan

PERSONAS = (
    "requirement_analyst", "solution_architect", "backend_developer", "frontend_developer",
    "database_specialist", "qa_engineer", "devops_engineer", "technical_writer",
)


def generate_spec(n: int, seed: int = 7) -> str:
    """A spec of ``n`` hand-written contracts in a layered DAG."""
    rng = random.Random(seed)
    lines = [
        "teamspec: 1",
        "name: bench-widgets",
        "requirement: |",
        "  Build a REST API and a web UI to manage tasks, projects and users.",
        "constraints:",
        "  max_workers: 4",
        "contracts:",
    ]
    rest: list[str] = []
    ids: list[str] = []
    for i in range(n):
        cid = f"c{i:03d}"
        is_rest = i % 10 == 0
        window = ids[-15:]
        deps = sorted(rng.sample(window, min(len(window), rng.randint(0, 2))))
        uses = sorted(u for u in rest[-3:] if u not in deps and rng.random() < 0.4)
        lines += [
            f"  - id: {cid}",
            f"    provider: {'backend_developer' if is_rest else PERSONAS[i % len(PERSONAS)]}",
            f"    type: {'rest_api' if is_rest else 'deliverable'}",
            f"    effort_hours: {rng.randint(1, 8)}",
        ]
        if is_rest:
            lines.append("    mock: true")
        if deps:
            lines.append(f"    depends_on: [{', '.join(deps)}]")
        if uses:
            lines.append(f"    uses: [{', '.join(uses)}]")
        ids.append(cid)
        if is_rest:
            rest.append(cid)
    return "\n".join(lines) + "\n"


def old_gantt_png(plan: Plan, dpi: float) -> bytes:
    """The predicted schedule as ``teamspec.viz`` drew it before the
    explorer's figures were updated in place (commit 1c268b4): a new figure,
    one artist per bar, label and legend entry, saved with ``savefig``."""
    from matplotlib.patches import Patch, Rectangle

    from teamspec.viz import _base, _dag, _gantt

    g = _gantt._plan_gantt(plan)
    width, height = _gantt._gantt_size(g.lanes, len(g.legend), bool(g.note))
    fig = _base._new_figure(width, height)
    rows, per_row = _dag._legend_shape(len(g.legend), width)
    bottom = rows * _base._LEGEND_ROW + 0.2 + 0.45
    left, right = 0.9, 0.3
    ax = fig.add_axes((left / width, bottom / height, (width - left - right) / width,
                       (height - bottom - _base._TITLE_H) / height))
    end = max((b.finish for b in g.bars), default=1.0) or 1.0
    inches_per_unit = (width - left - right) / (end * 1.02)
    ax.set_xlim(0.0, end * 1.02)
    ax.set_ylim(g.lanes - 0.5, -0.5)
    ax.set_yticks(range(g.lanes), [f"worker {i}" for i in range(g.lanes)], fontsize=8)
    ax.set_xlabel(g.unit, fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    for bar in g.bars:
        rect = Rectangle((bar.start, bar.lane - 0.38), max(bar.finish - bar.start, end * 0.004),
                         0.76, facecolor=bar.color, edgecolor="white", lw=0.8)
        ax.add_artist(rect)
        label = _base._fit_label(bar.id, (bar.finish - bar.start) * inches_per_unit - 0.08, 7.0)
        if label:
            text = ax.text(bar.start + (bar.finish - bar.start) / 2, bar.lane, label,
                           ha="center", va="center", fontsize=7,
                           color=_base._text_color(bar.color), clip_on=True)
            text.set_clip_path(rect)
    fig.text(0.5, 1 - (_base._TITLE_H / 2) / height, g.title, ha="center", va="center",
             fontsize=11, weight="bold")
    handles = [Patch(facecolor=c, edgecolor="white", label=k) for k, c in g.legend.items()]
    fig.legend(handles=handles, loc="lower center", ncol=per_row, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 0.0), borderaxespad=0.3)
    return _base.png_bytes(fig, dpi=dpi)


def median_ms(fn: Callable[[int], object], workers: list[int]) -> float:
    times = []
    for w in workers:
        gc.collect()
        t = time.perf_counter()
        fn(w)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def paired_ms(
    fn: Callable[[int], object], baseline: Callable[[int], object], workers: list[int]
) -> tuple[list[float], list[float]]:
    """Times of ``fn(w)`` and ``baseline(w)``, in milliseconds, measured
    alternately for each ``w``. The garbage of one call (a discarded figure
    holds reference cycles) is collected before the next is timed, so
    neither pays for the other's."""
    ours: list[float] = []
    theirs: list[float] = []
    for w in workers:
        gc.collect()
        t = time.perf_counter()
        fn(w)
        ours.append((time.perf_counter() - t) * 1000)
        gc.collect()
        t = time.perf_counter()
        baseline(w)
        theirs.append((time.perf_counter() - t) * 1000)
    return ours, theirs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--max-workers", type=int, default=16)
    args = parser.parse_args()

    from teamspec import viz
    from teamspec.model import Design
    from teamspec.notebook import _DPI, PlanExplorer
    from teamspec.planning import make_plan, plan_design

    before: dict[str, Callable[[Plan], bytes]] = {
        "dag": lambda p: viz.png_bytes(viz.dag_figure(p), dpi=_DPI),
        "schedule": lambda p: old_gantt_png(p, _DPI),
        "savings": lambda p: viz.png_bytes(viz.savings_figure(p), dpi=_DPI),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-widgets.yaml"
        path.write_text(generate_spec(args.contracts), encoding="utf-8")
        make_plan(path)  # warm imports and caches
        workers = list(range(1, args.max_workers + 1)) * args.rounds

        full = median_ms(lambda w: make_plan(path, workers=w), list(range(1, 6)))
        plan = make_plan(path)
        design = Design(plan.team, plan.contracts, plan.blueprint)
        replan = median_ms(lambda w: plan_design(plan.spec, plan.analysis, design, workers=w),
                           workers)

        t = time.perf_counter()
        explorer = PlanExplorer(plan)
        construct = (time.perf_counter() - t) * 1000
        rows: dict[str, tuple[list[float], list[float]]] = {}
        for index, name in enumerate(explorer.TABS):
            explorer.tabs.selected_index = index

            def baseline(w: int, name: str = name) -> None:
                before[name](plan_design(plan.spec, plan.analysis, design, workers=w))

            rows[name] = paired_ms(explorer.set_workers, baseline, workers)
        explorer.tabs.selected_index = 1

        def new_figure(w: int) -> None:
            p = plan_design(plan.spec, plan.analysis, design, workers=w)
            viz.png_bytes(viz.predicted_gantt_figure(p), dpi=_DPI)

        in_place = paired_ms(explorer.set_workers, new_figure, workers)

    n = len(plan.contracts)
    print(f"PlanExplorer on a generated spec of {n} contracts ({len(plan.groups)} generations); "
          f"worker counts 1..{args.max_workers}, {args.rounds} rounds, {len(workers)} moves per tab")
    print(f"  baseline A  make_plan from the file     {full:8.1f} ms   1.00")
    print(f"  re-plan     plan_design, new workers     {replan:8.1f} ms   {replan / full:.3f} of A")
    print("  slider move = re-plan + redraw of the visible tab; baseline = re-plan + a new")
    print("  figure for that tab drawn as before (one artist per bar, label, legend entry);")
    print("  median (max) ms over the moves, each pair measured alternately")
    print(f"  {'tab':<10}{'slider move':>20}{'baseline':>20}{'ratio':>8}   target < 200 ms (median)")
    for name, (ours, theirs) in rows.items():
        print(_row(name, ours, theirs) + f"   {'met' if statistics.median(ours) < 200 else 'MISSED'}")
    print("  the schedule tab beside today's predicted_gantt_figure drawn anew on each move:")
    print(_row("schedule", *in_place))
    print(f"  first draw  PlanExplorer(plan), all tabs {construct:8.1f} ms")
    return 0


def _row(name: str, ours: list[float], theirs: list[float]) -> str:
    mo, mt = statistics.median(ours), statistics.median(theirs)
    return (f"  {name:<10}{mo:>11.1f} ({max(ours):6.1f}){mt:>11.1f} ({max(theirs):6.1f})"
            f"{mo / mt:>8.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
