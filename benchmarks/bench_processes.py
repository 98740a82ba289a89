"""1,000 command contracts running `true` at -j 2, against GNU make -j2.

    python benchmarks/bench_processes.py [--n 1000] [--workers 2] [--runs 3]

The same random layered DAG is written as a spec (command executor,
``run: true``) and as a Makefile of phony targets (recipe ``@true``). Timed
in the same run, median of ``--runs``:

* ``make -j2 -f Makefile`` (whole process);
* ``teamspec build`` as a whole process (``python -m teamspec build SPEC -j 2``
  into a fresh directory: start-up, spec loading, planning, 1,000
  processes, state, report), with the plan cache disabled (a first build)
  and with the plan cached (a rebuild after an edit elsewhere: the spec is
  not re-planned); bytecode caches are allowed (as in an installed package)
  even when ``PYTHONDONTWRITEBYTECODE`` is set here;
* the engine alone (``build()`` of an already planned spec, in process);
* the floor: ``_floor_runner.py``, the least a Python program can do to run
  the same DAG (``python -S``, ``posix_spawn`` + ``waitpid``, nothing logged,
  recorded or reported), as a whole process;
* teamspec's start-up: ``teamspec build SPEC --dry-run`` with the plan
  cached (interpreter, imports, spec check, state, decisions: what happens
  before the first command starts), as a whole process.

Target: teamspec <= 1.5x make. The floor and the start-up show how much of
the target is left for the per-command work the engine must do (a log per
command, the state journal, output manifests, the report).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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

CPU: dict[str, list[float]] = {}


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, label: str = "") -> float:
    c0 = _cpu(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)
    elapsed = time.perf_counter() - t
    if label:
        CPU.setdefault(label, []).append(_cpu(resource.RUSAGE_CHILDREN) - c0)
    return elapsed


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
    (work / "dag.json").write_text(json.dumps({k: list(v) for k, v in dag.deps.items()}))
    true = shutil.which("true") or "/bin/true"
    floor_cmd = [sys.executable, "-S", str(ROOT / "benchmarks" / "_floor_runner.py"),
                 str(work / "dag.json"), str(args.workers), true]
    env = dict(os.environ, PYTHONPATH=str(ROOT), TEAMSPEC_NO_CACHE="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cached_env = dict(env, TEAMSPEC_CACHE_DIR=str(work / "cache"))
    cached_env.pop("TEAMSPEC_NO_CACHE")
    # warm-up: bytecode of teamspec's modules, and the plan cache
    timed([sys.executable, "-m", "teamspec", "build", str(spec), "-o", str(work / "warm"),
           "-j", str(args.workers)], work, cached_env)

    make_t, cli_t, cached_t, eng_t, floor_t, start_t = [], [], [], [], [], []
    from teamspec.engine.runner import build
    from teamspec.planning import make_plan

    plan = make_plan(spec, workers=args.workers)
    for i in range(args.runs):
        make_t.append(timed(["make", f"-j{args.workers}", "-f", "Makefile"], work, label="make"))
        floor_t.append(timed(floor_cmd, work, label="floor"))
        start_t.append(timed([sys.executable, "-m", "teamspec", "build", str(spec), "-o",
                              str(work / f"dry-{i}"), "-j", str(args.workers), "--dry-run"], work,
                             cached_env))
        out = work / f"cli-{i}"
        cli_t.append(timed([sys.executable, "-m", "teamspec", "build", str(spec), "-o", str(out),
                            "-j", str(args.workers)], work, env, label="cli"))
        cached_t.append(timed([sys.executable, "-m", "teamspec", "build", str(spec), "-o",
                               str(work / f"cached-{i}"), "-j", str(args.workers)], work, cached_env))
        out2 = work / f"eng-{i}"
        s0, c0 = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        r = build(plan, out=out2, workers=args.workers)
        eng_t.append(time.perf_counter() - t)
        CPU.setdefault("engine", []).append(_cpu(resource.RUSAGE_SELF) - s0)
        CPU.setdefault("engine children", []).append(_cpu(resource.RUSAGE_CHILDREN) - c0)
        assert r.counts()["succeeded"] == args.n, r.counts()
    m, c, k, e, f, s0 = (statistics.median(x)
                         for x in (make_t, cli_t, cached_t, eng_t, floor_t, start_t))
    print(f"{args.n} contracts running `true`, random layered DAG, -j {args.workers}, median of {args.runs}")
    print(f"  GNU make -j{args.workers}                    {m:7.3f} s   1.00x")
    print(f"  teamspec build (whole process)    {c:7.3f} s  {c / m:5.2f}x")
    print(f"    the same, plan cached           {k:7.3f} s  {k / m:5.2f}x")
    print(f"  engine only (build() of a plan)   {e:7.3f} s  {e / m:5.2f}x")
    print(f"  floor: minimal Python runner      {f:7.3f} s  {f / m:5.2f}x  (no logs, state, report)")
    print(f"  teamspec start-up (--dry-run)     {s0:7.3f} s  {s0 / m:5.2f}x  (plan cached; before "
          "the first command)")
    left = 1.5 * m - f - s0
    print(f"  at 1.5x make, floor + start-up leave {left:.3f} s ({left / m:+.2f}x make, "
          f"{1e6 * left / args.n:.0f} us per command) for the engine's per-command work")
    cpu = {k: statistics.median(v) for k, v in CPU.items()}
    cores = os.cpu_count() or 1
    print(f"  CPU seconds (user+sys): make and its commands {cpu['make']:.3f}; the engine's own "
          f"{cpu['engine']:.3f} + its commands {cpu['engine children']:.3f}; whole teamspec "
          f"process with its commands {cpu['cli']:.3f}; floor runner with its commands "
          f"{cpu['floor']:.3f}")
    print(f"  cores busy on average: make {cpu['make'] / m:.2f}, floor {cpu['floor'] / f:.2f} "
          f"of {os.cpu_count() or 1}")
    budget = 1.5 * m * cores - cpu["engine children"]
    print(f"  at 1.5x make on {cores} cores the commands leave {budget:.3f} CPU-s for teamspec's "
          "own work, start-up and planning included, if nothing ever waits")
    print(f"  target: teamspec <= 1.5x make: {'met' if c / m <= 1.5 else 'NOT met'} (whole process), "
          f"{'met' if e / m <= 1.5 else 'NOT met'} (engine)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
