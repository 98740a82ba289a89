"""``python benchmarks/_build_driver.py SPEC [OUT]``: ``teamspec.build(SPEC)``
given the spec's *path* (so the plan cache applies), exit code as the CLI's.
Used by bench_noop_rebuild.py beside the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from teamspec.engine.runner import build

result = build(sys.argv[1], out=Path(sys.argv[2]) if len(sys.argv) > 2 else None)
sys.exit(result.exit_code)
