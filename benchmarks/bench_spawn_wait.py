"""Where the engine's time per command goes: waiting inside ``posix_spawn``.

    python benchmarks/bench_spawn_wait.py [--n 1000] [--workers 2] [--runs 4]

Builds the DAG of bench_processes.py (``n`` commands running ``true``) with
``build()`` in process and measures, around every call of the spawner's
``posix_spawn`` (``Spawner._spawn_fd``), the wall time and the calling
thread's CPU time. The difference is the time the event loop is suspended
while the vfork-style child sets itself up and execs: the loop can do
nothing else meanwhile. Prints, per run, the build's wall time per command,
the process's CPU per command, and the spawn's wall and CPU per command.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _engine_specs import command_spec  # noqa: E402
from _graphs import layered_dag  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=4)
    args = ap.parse_args()

    import teamspec.engine.executors.spawner as spawner
    from teamspec.engine.runner import build
    from teamspec.planning import make_plan

    if not spawner.available():
        sys.exit("the posix_spawn command helper is not available here (Linux with pidfd_open)")
    acc = {"wall": 0.0, "cpu": 0.0, "n": 0}
    original = spawner.Spawner._spawn_fd

    def timed_spawn(self: Any, *a: Any) -> int:
        c, t = time.thread_time(), time.perf_counter()
        try:
            return original(self, *a)
        finally:
            acc["cpu"] += time.thread_time() - c
            acc["wall"] += time.perf_counter() - t
            acc["n"] += 1

    spawner.Spawner._spawn_fd = timed_spawn  # type: ignore[method-assign,assignment]
    work = Path(tempfile.mkdtemp(prefix="ts-spawn-"))
    try:
        spec = work / "bench.yaml"
        spec.write_text(command_spec(layered_dag(args.n, seed=3), workers=args.workers))
        plan = make_plan(spec, workers=args.workers)
        print(f"{args.n} contracts running `true`, -j {args.workers}, build() in process; "
              "per command:")
        for i in range(args.runs):
            acc.update(wall=0.0, cpu=0.0, n=0)
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            t = time.perf_counter()
            result = build(plan, out=work / f"out-{i}", workers=args.workers)
            wall = time.perf_counter() - t
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            assert result.counts()["succeeded"] == args.n, result.counts()
            n = max(1, int(acc["n"]))
            cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
            print(f"  run {i + 1}: build {1e6 * wall / args.n:5.0f} us wall, "
                  f"{1e6 * cpu / args.n:4.0f} us CPU; in posix_spawn {1e6 * acc['wall'] / n:4.0f} us "
                  f"wall, of which {1e6 * acc['cpu'] / n:3.0f} us CPU (the rest: the loop waits "
                  "for the child's exec)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
