"""Scale: load + validate (+ plan) generated specs of 1,000 and 5,000 contracts.

Baseline, measured in the same run on the same text: strictyaml's own
``strictyaml.load`` (strictyaml alone, no schema), whose rules teamspec's
loader keeps. strictyaml grows about quadratically; above 1,000 contracts it
is measured at 2,000 and extrapolated to 5,000 with the measured exponent,
unless ``--full`` asks for the real run (in a subprocess, limited to
``--limit`` seconds, default 200).

Also printed: jsonschema's own validation of the typed 5,000-contract
document (what the fast schema check saves), and, when
``teamspec.planning.make_plan`` is importable, load + validate + plan.

Targets (issue 2): load + validate + plan of 1,000 contracts within 0.5 s,
5,000 within 2.5 s, growth about linear.

Run from the repository root::

    python benchmarks/bench_scale.py [--full] [--limit 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _graphs import PROVIDERS, layered_dag

SIZES = (1000, 5000)
TARGETS = {1000: 0.5, 5000: 2.5}


def spec_text(n: int, seed: int = 1) -> str:
    """A spec of ``n`` small contracts: a layered DAG of depends_on edges,
    one deliverable with one artifact pattern each. Block
    style only, so that strictyaml reads the very same text."""
    dag = layered_dag(n, seed)
    lines = [
        "# yaml-language-server: $schema=../schemas/teamspec.schema.json",
        "teamspec: 1",
        f"name: scale-{n}",
        "requirement: |",
        "  Build a generated system of many small services with a REST API.",
        "constraints:",
        "  max_workers: 8",
        "executor: simulate",
        "contracts:",
    ]
    for i, cid in enumerate(dag.ids):
        lines.append(f"  - id: {cid}")
        lines.append(f"    provider: {PROVIDERS[i % len(PROVIDERS)]}")
        lines.append(f"    effort_hours: {dag.effort[cid]:g}")
        if dag.deps[cid]:  # block style: strictyaml refuses flow-style lists
            lines.append("    depends_on:")
            lines.extend(f"      - {dep}" for dep in dag.deps[cid])
        lines.append("    deliverables:")
        lines.append(f"      - name: {cid}_output")
        lines.append("        artifacts:")
        lines.append(f"          - out/{cid}/**")
    return "\n".join(lines) + "\n"


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def strictyaml_seconds(path: Path, limit: float) -> float | None:
    """strictyaml.load of the file in a fresh process; None past ``limit``."""
    code = (
        "import strictyaml, sys, time\n"
        "text = open(sys.argv[1], encoding='utf-8').read()\n"
        "t0 = time.perf_counter(); strictyaml.load(text); print(time.perf_counter() - t0)\n"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=limit
        )
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        raise RuntimeError(f"strictyaml failed on {path}:\n{out.stderr}")
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="run strictyaml on 5,000 contracts too")
    parser.add_argument("--limit", type=float, default=200.0, help="seconds allowed for one strictyaml run")
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours per size; the best counts")
    args = parser.parse_args()

    from teamspec.spec import load_spec
    from teamspec.specerrors import _validator
    from teamspec.specschema import coerce
    from teamspec.yamlsafe import compose_yaml

    make_plan: Callable[..., Any] | None
    plan_note = ""
    try:
        from teamspec.planning import make_plan
    except ImportError as exc:
        make_plan, plan_note = None, str(exc)

    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    files = {}
    for n in (*SIZES, 2000):
        files[n] = tmp / f"scale-{n}.yaml"
        files[n].write_text(spec_text(n), encoding="utf-8")
    load_spec(files[1000])  # warm imports and caches
    if make_plan is not None:
        try:
            make_plan(load_spec(files[1000]))
        except ImportError as exc:  # a stage not written yet
            make_plan, plan_note = None, str(exc)

    ours: dict[int, float] = {}
    planned: dict[int, float] = {}
    for n in SIZES:
        spec = load_spec(files[n])
        assert len(spec.contracts) == n
        path = files[n]
        ours[n] = best_of(args.repeat, partial(load_spec, path))
        if make_plan is not None:
            plan = make_plan
            planned[n] = best_of(args.repeat, lambda: plan(load_spec(path)))  # noqa: B023 - called at once

    theirs: dict[int, float | None] = {}
    theirs[1000] = strictyaml_seconds(files[1000], args.limit)
    estimated = False
    if args.full:
        theirs[5000] = strictyaml_seconds(files[5000], args.limit)
    else:
        t2000 = strictyaml_seconds(files[2000], args.limit)
        t1000 = theirs[1000]
        if t1000 is not None and t2000 is not None:
            exponent = math.log(t2000 / t1000) / math.log(2)
            theirs[5000] = t1000 * 5**exponent
            estimated = True
            print(f"strictyaml 2,000 contracts: {t2000:.2f} s (growth exponent 1,000->2,000: {exponent:.2f})")

    doc = compose_yaml(files[5000].read_text(encoding="utf-8"), "x")
    typed = coerce(doc.data, doc.quoted)
    t0 = time.perf_counter()
    assert not any(True for _ in _validator().iter_errors(typed))
    jsonschema_5000 = time.perf_counter() - t0

    print(f"spec sizes: 1,000 contracts {files[1000].stat().st_size / 1e6:.2f} MB, "
          f"5,000 contracts {files[5000].stat().st_size / 1e6:.2f} MB")
    print(f"{'contracts':>9}  {'strictyaml.load':>16}  {'ours load+validate':>18}  {'ratio':>7}  "
          f"{'ours +plan':>10}  {'target':>6}")
    for n in SIZES:
        s = theirs.get(n)
        s_text = "-" if s is None else f"{s:.2f} s" + (" (est.)" if estimated and n == 5000 else "")
        ratio = "-" if s is None else f"{ours[n] / s:.3f}"
        p_text = f"{planned[n]:.3f} s" if n in planned else "n/a"
        print(f"{n:>9}  {s_text:>16}  {ours[n]:>16.3f} s  {ratio:>7}  {p_text:>10}  {TARGETS[n]:>4} s")
    grow = math.log(ours[5000] / ours[1000]) / math.log(5)
    print(f"growth exponent 1,000->5,000, ours load+validate: {grow:.2f}")
    if planned:
        grow_p = math.log(planned[5000] / planned[1000]) / math.log(5)
        print(f"growth exponent 1,000->5,000, ours load+validate+plan: {grow_p:.2f}")
        for n in SIZES:
            verdict = "meets" if planned[n] <= TARGETS[n] else "MISSES"
            print(f"{n} contracts: load+validate+plan {planned[n]:.3f} s {verdict} the {TARGETS[n]} s target")
    else:
        print(f"plan not timed: {plan_note}")
    if theirs.get(1000) is not None:
        print(f"strictyaml / ours at 1,000 contracts: {theirs[1000] / ours[1000]:.1f}x")  # type: ignore[operator]
    print(f"jsonschema alone on the typed 5,000-contract document: {jsonschema_5000:.3f} s "
          "(the fast check replaces it when the spec is valid)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
