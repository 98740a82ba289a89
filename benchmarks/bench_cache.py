"""Prompt caching: the share of input tokens read from the prompt cache in a
10-contract Claude build, against the same build without the stable prefix.

    PYTHONPATH=. python benchmarks/bench_cache.py [--workers 4] [--latency 0.02]

The build is real: the task-manager requirement (``specs/task-manager.yaml``)
with a team of 10 personas, so 10 designed contracts with their
deliverables, edges and the designed OpenAPI interface; the engine runs
them with the ``claude`` executor, the official SDK talks HTTP to the fake
Messages API of ``tests/claude/fake_api.py`` on 127.0.0.1. The fake model
does a realistic amount of work per contract (list the files, read one,
write each artifact of its contract -- about 3 KB each, one per call --
then finish; free-text acceptance criteria are judged). The fake server
counts tokens as ``len(canonical JSON of a block) // 4`` and computes cache
reads and writes from the ``cache_control`` breakpoints and the prefixes
*earlier* requests wrote (an entry is visible once its writer's response is
sent; each response takes ``--latency`` seconds).

Three layouts, measured in the same run:

* ``none``: no ``cache_control`` at all (the baseline: nothing is cached);
* ``persona_first``: breakpoints, but the persona's text comes first in the
  system prompt, so no two contracts share a prefix;
* ``stable`` (teamspec's layout): tools + system prompt (requirement and
  every contract and interface) are one stable prefix, the persona's text
  follows in the first message.

Cached share = cache_read_input_tokens / (input_tokens + cache_creation +
cache_read), over every request of the build (personas and judge).
Target: stable >= 0.70. Exit status 1 when missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from teamspec.claude.client import ClientSettings  # noqa: E402
from teamspec.claude.executor import ClaudeSettings, make_executor  # noqa: E402
from teamspec.claude.prices import price_for  # noqa: E402
from teamspec.engine.executors.base import ExecutorConfig  # noqa: E402
from teamspec.engine.executors.registry import register_executor  # noqa: E402
from teamspec.engine.runner import build  # noqa: E402
from teamspec.model import Plan  # noqa: E402
from tests.claude.fake_api import FakeAnthropic, diligent_model  # noqa: E402

TARGET = 0.70
TEAM = ("requirement_analyst", "solution_architect", "ui_ux_designer", "database_specialist",
        "backend_developer", "frontend_developer", "devops_engineer", "qa_engineer",
        "security_specialist", "technical_writer")
MODEL = "claude-sonnet-5-5"


def ten_contract_plan(tmp: Path, workers: int) -> Plan:
    from teamspec.planning import make_plan
    from teamspec.spec import load_spec

    src = load_spec(ROOT / "specs" / "task-manager.yaml")
    spec_file = tmp / "bench.yaml"
    lines = ["teamspec: 1", "name: task-manager", "requirement: |"]
    lines += [f"  {x}" for x in src.requirement.strip().splitlines()]
    lines += ["executor: claude", f"model: {MODEL}", "constraints:", f"  max_workers: {workers}",
              "  retries: 0", "team:", "  personas: [" + ", ".join(TEAM) + "]"]
    spec_file.write_text("\n".join(lines) + "\n")
    plan = make_plan(spec_file, workers=workers)
    # machine checks run the fake model's files (e.g. start the provider for
    # `conforms`): irrelevant to token counts, so they are left out
    contracts = tuple(
        replace(c, deliverables=tuple(
            replace(d, acceptance=tuple(a for a in d.acceptance if a.check is None))
            for d in c.deliverables))
        for c in plan.contracts)
    return replace(plan, contracts=contracts)


def measure(plan: Plan, out: Path, layout: str, latency: float) -> dict[str, Any]:
    settings = ClaudeSettings(client=ClientSettings(model=MODEL, max_retries=2, timeout_s=30.0),
                              layout=layout)  # type: ignore[arg-type]

    def factory(config: ExecutorConfig) -> Any:
        return make_executor(replace(config, options={**config.options,
                                                      "claude_settings": settings}))

    register_executor("claude", factory)
    with FakeAnthropic(diligent_model, latency_s=latency) as fake:
        os.environ["ANTHROPIC_BASE_URL"] = fake.url
        t0 = time.perf_counter()
        res = build(plan, out=out, executor="claude")
        wall = time.perf_counter() - t0
        totals = fake.totals()
        share = fake.cached_share()
    statuses = sorted({r.status for r in res.results.values()})
    return {"layout": layout, "share": share, "cost": float(res.report["cost_usd"]),
            "wall": wall, "statuses": statuses, **totals}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.02,
                        help="seconds the fake API takes per response (default 0.02)")
    args = parser.parse_args(argv)
    os.environ["ANTHROPIC_API_KEY"] = "sk-bench-not-a-real-key"
    for var in ("ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE"):
        os.environ.pop(var, None)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        os.environ.setdefault("TEAMSPEC_CACHE_DIR", str(tmp / "cache"))
        plan = ten_contract_plan(tmp, args.workers)
        print(f"{len(plan.contracts)} contracts: {', '.join(c.id for c in plan.contracts)}")
        print(f"model {MODEL}, prices: {price_for(MODEL).to_dict()}")
        print(f"workers {args.workers}, fake API latency {args.latency:g} s")
        for layout in ("none", "persona_first", "stable"):
            rows.append(measure(plan, tmp / layout, layout, args.latency))
    base_cost = rows[0]["cost"]
    head = ("layout", "requests", "input total", "cache read", "cache write", "uncached",
            "cached share", "cost $", "cost vs none", "contracts")
    print()
    print(f"{head[0]:<14}" + "".join(f"{h:>14}" for h in head[1:]))
    for r in rows:
        total = r["input_tokens"] + r["cache_creation_input_tokens"] + r["cache_read_input_tokens"]
        cells = [str(r["requests"]), str(total), str(r["cache_read_input_tokens"]),
                 str(r["cache_creation_input_tokens"]), str(r["input_tokens"]),
                 f"{100 * r['share']:.1f}%", f"{r['cost']:.4f}",
                 f"{r['cost'] / base_cost:.2f}x" if base_cost else "n/a", "/".join(r["statuses"])]
        print(f"{r['layout']:<14}" + "".join(f"{c:>14}" for c in cells))
    stable = rows[-1]
    ok = stable["share"] >= TARGET
    print()
    print(f"stable prefix: {100 * stable['share']:.1f}% of all input tokens were read from a "
          f"prefix an earlier request wrote (target >= {100 * TARGET:.0f}%): "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
