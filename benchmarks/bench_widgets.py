"""How fast does the PlanExplorer's workers slider respond on 100 contracts?

Generates a spec of 100 hand-written contracts (a layered DAG: each contract
depends on up to two of the previous fifteen; every tenth is a REST
contract with a mock that later contracts ``use``), writes it to a temporary
directory, and measures in the same run:

- baseline A: ``make_plan(path)`` — load, validate, analyse, design, plan —
  what re-planning from the spec file would cost;
- the explorer's re-plan: ``plan_design`` with a new worker count, reusing
  the analysis and the design (target: under 200 ms);
- a slider move as the user sees it: re-plan plus redraw of the visible tab
  (the DAG tab needs no redraw; the schedule and savings tabs redraw one
  PNG);
- baseline B: a naive slider that re-plans and redraws all three tabs.

Each figure is the median over worker counts 1..16 (several rounds).

    PYTHONPATH=. python benchmarks/bench_widgets.py [--contracts 100] [--rounds 2]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

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


def median_ms(fn: Callable[[int], object], workers: list[int]) -> float:
    times = []
    for w in workers:
        t = time.perf_counter()
        fn(w)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from teamspec import viz
    from teamspec.model import Design
    from teamspec.notebook import PlanExplorer
    from teamspec.planning import make_plan, plan_design

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-widgets.yaml"
        path.write_text(generate_spec(args.contracts), encoding="utf-8")
        make_plan(path)  # warm imports and caches
        workers = list(range(1, 17)) * args.rounds

        full = median_ms(lambda w: make_plan(path, workers=w), list(range(1, 6)))
        plan = make_plan(path)
        design = Design(plan.team, plan.contracts, plan.blueprint)
        replan = median_ms(lambda w: plan_design(plan.spec, plan.analysis, design, workers=w),
                           workers)

        t = time.perf_counter()
        explorer = PlanExplorer(plan)
        construct = (time.perf_counter() - t) * 1000
        slider: dict[str, float] = {}
        for index, name in enumerate(explorer.TABS):
            explorer.tabs.selected_index = index
            slider[name] = median_ms(explorer.set_workers, workers)

        def naive(w: int) -> None:
            p = plan_design(plan.spec, plan.analysis, design, workers=w)
            viz.png_bytes(viz.dag_figure(p), dpi=80)
            viz.png_bytes(viz.predicted_gantt_figure(p), dpi=80)
            viz.png_bytes(viz.savings_figure(p), dpi=80)

        naive_ms = median_ms(naive, list(range(1, 9)))

    n = len(plan.contracts)
    print(f"PlanExplorer on a generated spec of {n} contracts "
          f"({len(plan.groups)} generations); medians over worker counts 1..16")
    print(f"  baseline A  make_plan from the file     {full:8.1f} ms   1.00")
    print(f"  re-plan     plan_design, new workers     {replan:8.1f} ms   {replan / full:.3f} of A"
          f"   target < 200 ms: {'met' if replan < 200 else 'MISSED'}")
    print(f"  slider      DAG tab visible              {slider['dag']:8.1f} ms   "
          f"{slider['dag'] / naive_ms:.3f} of B")
    print(f"  slider      schedule tab visible         {slider['schedule']:8.1f} ms   "
          f"{slider['schedule'] / naive_ms:.3f} of B")
    print(f"  slider      savings tab visible          {slider['savings']:8.1f} ms   "
          f"{slider['savings'] / naive_ms:.3f} of B")
    print(f"  baseline B  re-plan + redraw all tabs    {naive_ms:8.1f} ms   1.00")
    print(f"  first draw  PlanExplorer(plan)           {construct:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
