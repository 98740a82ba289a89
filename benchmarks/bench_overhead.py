"""Per-contract overhead of the build engine.

    python benchmarks/bench_overhead.py [--n 10000] [--workers 4] [--runs 7]

Builds a random layered DAG of ``n`` no-op contracts (the ``simulate``
executor at time scale 0: nothing sleeps, nothing is written but state,
logs are not created, and the report) from a Plan made directly with
``plan_design`` (spec loading excluded), into a fresh output directory, and
prints the engine's time per contract beside a bare asyncio program that
runs the same ``n`` no-op coroutines with the same dependencies (each task
awaits its dependencies' futures, at most ``workers`` at once), measured in
the same run. The engine's figure includes everything ``build()`` does:
state load, fingerprints, the list scheduler, per-contract state journaling,
scores, report.json and report.md. Target: <= 50 us per contract.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _graphs import layered_dag, plan_dag  # noqa: E402


def bare_asyncio(ids: list[str], deps: dict[str, tuple[str, ...]], workers: int) -> float:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        done = {cid: loop.create_future() for cid in ids}
        sem = asyncio.Semaphore(workers)

        async def node(cid: str) -> None:
            for d in deps[cid]:
                await done[d]
            async with sem:
                await asyncio.sleep(0)
            done[cid].set_result(None)

        await asyncio.gather(*(node(cid) for cid in ids))

    t = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - t


def engine(plan: object, workers: int) -> float:
    from teamspec.engine.runner import build

    out = Path(tempfile.mkdtemp(prefix="ts-overhead-"))
    try:
        t = time.perf_counter()
        result = build(plan, out=out, executor="simulate", time_scale=0.0,  # type: ignore[arg-type]
                       workers=workers)
        elapsed = time.perf_counter() - t
        assert result.counts()["succeeded"] == len(result.results), result.counts()
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    dag = layered_dag(args.n, seed=1)
    plan = plan_dag(dag, args.workers)
    ids = list(dag.ids)
    deps = {k: tuple(v) for k, v in dag.deps.items()}
    # interleaved pairs: a drift of the machine's speed hits both alike
    bares: list[float] = []
    engs: list[float] = []
    for _ in range(args.runs):
        bares.append(bare_asyncio(ids, deps, args.workers))
        engs.append(engine(plan, args.workers))
    base, eng = statistics.median(bares), statistics.median(engs)
    ratio = statistics.median(e / b for e, b in zip(engs, bares, strict=True))
    n = args.n
    us = 1e6 / n
    print(f"{n} no-op contracts, random layered DAG, {args.workers} workers, {args.runs} interleaved "
          "runs of each")
    print(f"  bare asyncio (same DAG)   median {base:7.3f} s  {us * base:6.1f} us/contract "
          f"(best {us * min(bares):.1f})")
    print(f"  teamspec engine (build)   median {eng:7.3f} s  {us * eng:6.1f} us/contract "
          f"(best {us * min(engs):.1f})")
    print(f"  engine / bare asyncio     {ratio:.2f} x (median of the runs' ratios)")
    print(f"  engine overhead per contract over bare asyncio: {us * (eng - base):.1f} us")
    print(f"  target <= 50 us per contract in total: {'met' if us * eng <= 50 else 'NOT met'} "
          f"at the median, {'met' if us * min(engs) <= 50 else 'NOT met'} in the best run")
    print(f"  the engine costs {ratio:.2f} x the bare asyncio program: 50 us per contract is "
          f"reached where that program runs at <= {50 / ratio:.1f} us per contract (here "
          f"{us * base:.1f}, best {us * min(bares):.1f})")


if __name__ == "__main__":
    main()
