"""No-op rebuild of an up-to-date 1,000-contract build, against doit.

    python benchmarks/bench_noop_rebuild.py [--n 1000] [--runs 5]

The same random layered DAG as a spec (command executor, ``run: true``) and
as a doit ``dodo.py`` (one task per contract writing its file from its
dependencies' files, ``file_dep`` + ``targets``). Both are built once; then
the whole-process time of the no-op rebuild is measured in the same run
(median of ``--runs``):

* ``doit -f dodo.py`` (every task up to date);
* ``python -m teamspec build SPEC`` (the CLI as it is: it loads the spec itself,
  so the plan cache does not apply);
* ``python benchmarks/_build_driver.py SPEC``: ``teamspec.build(path)``, which
  reuses the cached plan (keyed by the SHA-256 of the spec and its interface
  files and a stamp of teamspec's own files) -- what the CLI gets by passing
  the spec's path to ``build``;
* ``python -c "import teamspec"`` for reference.

Target: teamspec <= doit.
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from _engine_specs import command_spec, dodo  # noqa: E402
from _graphs import layered_dag  # noqa: E402


def timed(cmd: list[str], cwd: Path, env: dict[str, str], expect: int = 0) -> float:
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t
    if p.returncode != expect:
        sys.exit(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    doit = shutil.which("doit") or str(Path(sys.executable).with_name("doit"))
    dag = layered_dag(args.n, seed=5)
    work = Path(tempfile.mkdtemp(prefix="ts-noop-"))
    (work / "files").mkdir()
    (work / "dodo.py").write_text(dodo(dag, str(work / "files")))
    spec = work / "bench.yaml"
    spec.write_text(command_spec(dag, workers=4))
    env = dict(os.environ, PYTHONPATH=str(ROOT), TEAMSPEC_CACHE_DIR=str(work / "cache"))
    # bytecode caches are allowed (an installed package has them; doit's too),
    # even when PYTHONDONTWRITEBYTECODE is set here: the first builds write them
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = work / "out"
    py = sys.executable
    cli = [py, "-m", "teamspec", "build", str(spec), "-o", str(out)]
    drv = [py, str(ROOT / "benchmarks/_build_driver.py"), str(spec), str(out)]
    # first builds
    timed([doit, "-f", "dodo.py"], work, env)
    timed(cli, work, env)
    timed(drv, work, env)  # fills the plan cache
    rows = {"doit (no-op)": [doit, "-f", "dodo.py"], "teamspec build (CLI)": cli,
            "teamspec.build(path) (plan cache)": drv, "python -c 'import teamspec'": [py, "-c", "import teamspec"]}
    times: dict[str, list[float]] = {k: [] for k in rows}
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and ".teamspec" not in p.parts}
    for _ in range(args.runs):
        for name, cmd in rows.items():
            times[name].append(timed(cmd, work, env))
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and ".teamspec" not in p.parts}
    assert after == mtimes, "an up-to-date rebuild rewrote files"
    base = statistics.median(times["doit (no-op)"])
    print(f"no-op rebuild of {args.n} up-to-date contracts, whole process, median of {args.runs}")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"  {name:<36} {m:7.3f} s  {m / base:5.2f}x doit")
    best = min(statistics.median(times["teamspec build (CLI)"]),
               statistics.median(times["teamspec.build(path) (plan cache)"]))
    print(f"  target: teamspec <= doit: {'met' if best <= base else 'NOT met'} "
          f"(with the plan cache: {statistics.median(times['teamspec.build(path) (plan cache)']) / base:.2f}x)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
