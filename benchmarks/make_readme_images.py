"""Regenerate the README's pictures from the full-stack example spec.

Writes, through the code path of ``teamspec plan SPEC --png FILE``
(``teamspec.plan`` then :func:`teamspec.viz.plan_png`):

- ``docs/images/plan-dag.png``     — the DAG (``parts=("dag",)``)
- ``docs/images/plan-savings.png`` — the predicted savings (``parts=("savings",)``)
- ``docs/images/plan.png``         — everything ``teamspec plan --png`` draws

and prints each file with its size and the time it took, beside the time of
planning the spec (the baseline, same run).

    PYTHONPATH=. python benchmarks/make_readme_images.py [--spec SPEC] [--out DIR] [--dpi 150]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "specs" / "task-manager.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--dpi", type=float, default=150.0)
    args = parser.parse_args()

    import matplotlib.backends.backend_agg  # noqa: F401  (import time is not drawing time)

    import teamspec
    from teamspec import viz

    t = time.perf_counter()
    plan = teamspec.plan(args.spec)
    base = time.perf_counter() - t
    rows: list[tuple[str, int | None, float]] = [("plan the spec (baseline)", None, base)]
    for name, parts in (
        ("plan-dag.png", ("dag",)),
        ("plan-savings.png", ("savings",)),
        ("plan.png", viz.PLAN_PARTS),
    ):
        t = time.perf_counter()
        path = viz.plan_png(plan, args.out / name, parts=parts, dpi=args.dpi)
        rows.append((str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
                     path.stat().st_size, time.perf_counter() - t))
    print(f"{plan.spec.name}: {len(plan.contracts)} contracts, {plan.workers} workers, "
          f"predicted savings {plan.predicted_savings:.0%}")
    for label, size, seconds in rows:
        kb = f"{size / 1024:7.1f} KiB" if size is not None else " " * 11
        print(f"  {label:<32} {kb}  {seconds * 1000:8.1f} ms  {seconds / base:6.1f}x baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
