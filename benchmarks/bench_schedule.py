"""Schedule quality: the predicted makespan of the shared list-scheduling
policy against the lower bound, beside the level-by-level barrier schedule.

    PYTHONPATH=. python benchmarks/bench_schedule.py [--seeds 20]

Every plan goes through :func:`teamspec.planning.plan_design`, so this measures
the real policy (bottom-level priorities, :func:`teamspec.schedule.simulate`)
and the real barrier comparison. Baseline: the lower bound
``max(critical path, total / workers)`` of the same graph, computed in the
same run. Graphs: random layered DAGs (``benchmarks/_graphs.py``: about
sqrt(n) layers, every node 1-3 predecessors in earlier layers, one in the
layer just before, integer effort 1-10 h) and the staircase (k chains of
length k, chain i has its long task at position i, k workers).

Target: at 8 workers, list / lower bound mean <= 1.02 and max <= 1.10.
Exit status 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _graphs

SIZES = (50, 300, 1000)
WORKERS = (2, 4, 8, 16)
STAIRCASE = (4, 8, 16)
TARGET_WORKERS, TARGET_MEAN, TARGET_MAX = 8, 1.02, 1.10


def ratios(dag: _graphs.Dag, workers: int) -> tuple[float, float, float]:
    """(list / lower bound, barrier / lower bound, list / integral bound).

    The integral bound is ``ceil(lower bound)``: with whole-hour efforts every
    schedule, the optimal one included, ends on a whole hour."""
    plan = _graphs.plan_dag(dag, workers)
    lb = plan.lower_bound_hours
    return (plan.predicted_makespan_hours / lb, plan.barrier_makespan_hours / lb,
            plan.predicted_makespan_hours / math.ceil(lb - 1e-9))


def row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="random graphs per cell (default 20)")
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    started = time.perf_counter()
    ok = True

    print(f"Random layered DAGs, {args.seeds} seeds per row; ratios against the lower bound "
          "max(critical path, total / workers)")
    widths = [10, 7, 9, 9, 12, 12, 12]
    print(row(["contracts", "workers", "list mean", "list max", "barrier mean", "barrier max",
               "barrier/list"], widths))
    for n in SIZES:
        for m in WORKERS:
            r = [ratios(_graphs.layered_dag(n, seed), m) for seed in seeds]
            lm, lx = statistics.mean(x[0] for x in r), max(x[0] for x in r)
            bm, bx = statistics.mean(x[1] for x in r), max(x[1] for x in r)
            mark = ""
            if m == TARGET_WORKERS:
                hit = lm <= TARGET_MEAN and lx <= TARGET_MAX
                ok &= hit
                mark = "  target met" if hit else "  TARGET MISSED"
            print(row([str(n), str(m), f"{lm:.3f}", f"{lx:.3f}", f"{bm:.3f}", f"{bx:.3f}",
                       f"{bm / lm:.3f}"], widths) + mark)
    print()

    print("Staircase: k chains of length k, chain i has its long task (k*k h) at position i, "
          "the others 1 h; k workers")
    widths = [4, 7, 10, 13, 13, 12, 12]
    print(row(["k", "workers", "lower bound", "list", "barrier", "list/LB", "barrier/LB"], widths))
    for k in STAIRCASE:
        plan = _graphs.plan_dag(_graphs.staircase(k), k)
        lb = plan.lower_bound_hours
        print(row([str(k), str(k), f"{lb:.1f} h", f"{plan.predicted_makespan_hours:.1f} h",
                   f"{plan.barrier_makespan_hours:.1f} h", f"{plan.predicted_makespan_hours / lb:.3f}",
                   f"{plan.barrier_makespan_hours / lb:.3f}"], widths))
    print()

    print(f"Sensitivity at {TARGET_WORKERS} workers: layer width set by hand (layers = n / width), "
          f"{args.seeds} seeds; LB = lower bound, ceil(LB) = its whole-hour ceiling")
    widths = [10, 6, 12, 11, 16, 15]
    print(row(["contracts", "width", "list/LB mean", "list/LB max", "list/ceil(LB) mean",
               "list/ceil(LB) max"], widths))
    for n in SIZES:
        for width in (4, 8, 12, 16, 32):
            layers = max(1, n // width)
            r = [ratios(_graphs.layered_dag(n, seed, layers=layers), TARGET_WORKERS) for seed in seeds]
            print(row([str(n), str(width), f"{statistics.mean(x[0] for x in r):.3f}",
                       f"{max(x[0] for x in r):.3f}", f"{statistics.mean(x[2] for x in r):.3f}",
                       f"{max(x[2] for x in r):.3f}"], widths))
    print()
    print(f"target at {TARGET_WORKERS} workers (list mean <= {TARGET_MEAN}, max <= {TARGET_MAX}): "
          f"{'met' if ok else 'MISSED'}; {time.perf_counter() - started:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
