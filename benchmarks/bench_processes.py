"""1,000 command contracts running `true` at -j 2, against GNU make -j2.

    python benchmarks/bench_processes.py [--n 1000] [--workers 2] [--runs 3]

The same random layered DAG is written as a spec (command executor,
``run: true``) and as a Makefile of phony targets (recipe ``@true``). Timed
in the same run, median of ``--runs``:

* ``make -j2 -f Makefile`` (whole process);
* ``teamspec build`` as a whole process (``python -m teamspec build SPEC -j 2
  --force`` into a fresh directory: start-up, spec loading, planning, 1,000
  processes, state, report);
* the engine alone (``build()`` of an already planned spec, in process).

Target: teamspec <= 1.5x make.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _engine_specs import command_spec, makefile  # noqa: E402
from _graphs import layered_dag  # noqa: E402


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if shutil.which("make") is None:
        sys.exit("GNU make is not installed")
    dag = layered_dag(args.n, seed=3)
    work = Path(tempfile.mkdtemp(prefix="ts-procs-"))
    spec = work / "bench.yaml"
    spec.write_text(command_spec(dag, workers=args.workers))
    (work / "Makefile").write_text(makefile(dag))
    env = dict(os.environ, PYTHONPATH=str(ROOT), TEAMSPEC_NO_CACHE="1")

    make_t, cli_t, eng_t = [], [], []
    from teamspec.engine.runner import build
    from teamspec.planning import make_plan

    plan = make_plan(spec, workers=args.workers)
    for i in range(args.runs):
        make_t.append(timed(["make", f"-j{args.workers}", "-f", "Makefile"], work))
        out = work / f"cli-{i}"
        cli_t.append(timed([sys.executable, "-m", "teamspec", "build", str(spec), "-o", str(out),
                            "-j", str(args.workers)], work, env))
        out2 = work / f"eng-{i}"
        t = time.perf_counter()
        r = build(plan, out=out2, workers=args.workers)
        eng_t.append(time.perf_counter() - t)
        assert r.counts()["succeeded"] == args.n, r.counts()
    m, c, e = (statistics.median(x) for x in (make_t, cli_t, eng_t))
    print(f"{args.n} contracts running `true`, random layered DAG, -j {args.workers}, median of {args.runs}")
    print(f"  GNU make -j{args.workers}                    {m:7.3f} s   1.00x")
    print(f"  teamspec build (whole process)    {c:7.3f} s  {c / m:5.2f}x")
    print(f"  engine only (build() of a plan)   {e:7.3f} s  {e / m:5.2f}x")
    print(f"  target: teamspec <= 1.5x make: {'met' if c / m <= 1.5 else 'NOT met'} (whole process), "
          f"{'met' if e / m <= 1.5 else 'NOT met'} (engine)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
