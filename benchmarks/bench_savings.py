"""Measured time savings of the scenario specs with the simulate executor.

    python benchmarks/bench_savings.py [--time-scale 0.05] [--runs 3]

For each scenario spec (specs/task-manager.yaml: full-stack web app,
specs/microservices.yaml, specs/backend-frontend.yaml) the build runs with
the ``simulate`` executor (each contract sleeps effort_hours x time scale
seconds) into a fresh directory, and prints, in the same run:

* measured savings = 1 - wall / sequential (report.json ``timing``);
* the plan's predicted savings (its list schedule on the same workers);
* the best savings any schedule of that DAG on those workers can reach
  (exhaustive search, small DAGs);
* the theoretical maximum for that DAG and worker count,
  1 - lower_bound / sequential with lower_bound = max(critical path,
  sequential / workers), from the plan (effort hours) and from the measured
  durations;
* the figures the original design claimed (full-stack 33%, microservices
  50%, backend + frontend 43%).

Target: measured savings within 2 points of the theoretical maximum.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENARIOS = (
    ("full-stack web app", "specs/task-manager.yaml", 0.33),
    ("microservices", "specs/microservices.yaml", 0.50),
    ("backend + frontend", "specs/backend-frontend.yaml", 0.43),
)


def optimal_makespan(plan: object, limit: int = 14) -> float | None:
    """The shortest makespan of any schedule of the plan's DAG on its workers
    (exhaustive search over start decisions, idle time allowed; effort hours
    as durations); None for DAGs larger than ``limit``."""
    contracts = plan.contracts  # type: ignore[attr-defined]
    if len(contracts) > limit:
        return None
    ids = [c.id for c in contracts]
    dur = {c.id: float(c.effort_hours) for c in contracts}
    deps = {c.id: frozenset(c.depends_on) for c in contracts}
    workers: int = plan.workers  # type: ignore[attr-defined]
    best = [float(plan.predicted_makespan_hours)]  # type: ignore[attr-defined]

    def dfs(t: float, running: tuple[tuple[float, str], ...], done: frozenset[str],
            started: frozenset[str]) -> None:
        if len(done) == len(ids):
            best[0] = min(best[0], t)
            return
        rem = sum(dur[i] for i in ids if i not in started) + sum(f - t for f, _ in running)
        if t + rem / workers >= best[0] - 1e-9:
            return
        if len(running) < workers:
            for i in ids:
                if i not in started and deps[i] <= done:
                    dfs(t, (*running, (t + dur[i], i)), done, started | {i})
        if running:
            f = min(x for x, _ in running)
            dfs(f, tuple(r for r in running if r[0] != f),
                done | {i for x, i in running if x == f}, started)

    dfs(0.0, (), frozenset(), frozenset())
    return best[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-scale", type=float, default=0.05)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("-j", "--workers", type=int, default=None)
    args = ap.parse_args()
    from teamspec.engine.runner import build
    from teamspec.planning import make_plan

    print(f"simulate executor, {args.time_scale:g} s per effort hour, median of {args.runs} builds")
    header = (f"{'scenario':<20} {'n':>3} {'w':>2} {'measured':>9} {'predicted':>9} "
              f"{'optimal':>8} {'max(plan)':>9} {'max(meas)':>9} {'claimed':>8} {'gap':>6}")
    print(header)
    for label, rel, claimed in SCENARIOS:
        path = ROOT / rel
        if not path.exists():
            print(f"{label:<20} missing {rel}")
            continue
        plan = make_plan(path, workers=args.workers)
        savings, tmax = [], []
        for _ in range(args.runs):
            out = Path(tempfile.mkdtemp(prefix="ts-savings-"))
            try:
                r = build(plan, out=out, executor="simulate", time_scale=args.time_scale,
                          workers=plan.workers)
                t = r.report["timing"]
                savings.append(float(t["savings"]))
                tmax.append(float(t["theoretical_max_savings"]))
            finally:
                shutil.rmtree(out, ignore_errors=True)
        seq = plan.sequential_hours
        plan_max = 1 - plan.lower_bound_hours / seq if seq else 0.0
        m = statistics.median(savings)
        gap = 100 * (plan_max - m)
        opt = optimal_makespan(plan)
        opt_s = f"{100 * (1 - opt / seq):7.1f}%" if opt is not None and seq else f"{'n/a':>8}"
        print(f"{label:<20} {len(plan.contracts):>3} {plan.workers:>2} {100 * m:8.1f}% "
              f"{100 * plan.predicted_savings:8.1f}% {opt_s} {100 * plan_max:8.1f}% "
              f"{100 * statistics.median(tmax):8.1f}% {100 * claimed:7.0f}% {gap:5.1f}pt")
    print("optimal = savings of the best possible schedule of that DAG on those workers "
          "(exhaustive search);\nmax = 1 - max(critical path, sequential / workers) / sequential, "
          "a bound that a DAG may not allow;\ngap = max(plan) - measured, in points; target <= 2")


if __name__ == "__main__":
    main()
