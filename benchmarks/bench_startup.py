"""Start-up time of `teamspec --version` and `teamspec validate` on the
minimal spec, as whole processes, beside `python -c pass` in the same run.

    python benchmarks/bench_startup.py [--runs 15]

Prints the median wall time of each command and its ratio to `python -c pass`,
and which heavy modules (networkx, anthropic, matplotlib, ipywidgets) each
command imported (none is the target).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("networkx", "anthropic", "matplotlib", "ipywidgets", "httpx2", "numpy")


def timed(cmd: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def heavy_imports(argv: list[str]) -> list[str]:
    probe = (
        "import io, sys\n"
        "from teamspec.cli import main\n"
        f"main({argv!r}, out=io.StringIO(), err=io.StringIO())\n"
        f"print(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    return [m for m in last.split(",") if m]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    runs = ap.parse_args().runs
    py = sys.executable
    base = timed([py, "-c", "pass"], runs)
    rows = [
        ("python -c pass", base, []),
        ("teamspec --version", timed([py, "-m", "teamspec", "--version"], runs), []),
        ("teamspec validate specs/minimal.yaml",
         timed([py, "-m", "teamspec", "validate", "specs/minimal.yaml"], runs),
         heavy_imports(["validate", "specs/minimal.yaml"])),
    ]
    print(f"median of {runs} runs, whole process")
    print(f"{'command':<40} {'seconds':>8} {'x python':>9}  heavy imports")
    for name, secs, heavy in rows:
        print(f"{name:<40} {secs:8.3f} {secs / base:9.2f}  {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
