"""Test driver: build a hand-described plan in a subprocess.

``python tests/engine/driver.py PLAN.json`` where PLAN.json is
``{"dir": ..., "workers": N, "executor": ..., "requirement": ...,
"contracts": [{"id": ..., "run": ..., "depends_on": [...], ...}],
"options": {build() keyword arguments}}``. Prints the result as one JSON
line and exits with ``BuildResult.exit_code``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from teamspec.engine.runner import build  # noqa: E402
from teamspec.model import Constraints  # noqa: E402
from tests.engine.helpers import contract, make_plan, register_echo  # noqa: E402


def main() -> int:
    desc = json.loads(Path(sys.argv[1]).read_text())
    register_echo(float(desc.get("echo_scale", 0.0)))
    contracts = []
    for c in desc["contracts"]:
        kw = dict(c)
        cid = kw.pop("id")
        for key in ("depends_on", "uses"):
            if key in kw:
                kw[key] = tuple(kw[key])
        contracts.append(contract(cid, **kw))
    plan = make_plan(Path(desc["dir"]), contracts, workers=int(desc.get("workers", 2)),
                     requirement=desc.get("requirement", "Build it."),
                     executor=desc.get("executor", "command"),
                     constraints=Constraints(max_workers=int(desc.get("workers", 2)), retries=0))
    print("ready", flush=True)
    result = build(plan, **desc.get("options", {}))
    print(json.dumps({
        "exit_code": result.exit_code,
        "interrupted": result.interrupted,
        "statuses": {k: v.status for k, v in result.results.items()},
        "reasons": {k: v.reason for k, v in result.results.items()},
    }), flush=True)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
