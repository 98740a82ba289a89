from __future__ import annotations

import time
from pathlib import Path

from teamspec.engine.events import BuildEvent
from teamspec.engine.runner import build
from teamspec.model import Constraints
from tests.engine.helpers import contract, make_plan


def _interval(result, cid: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    r = result.results[cid]
    assert r.start_s is not None
    return r.start_s, r.start_s + r.duration_s


def test_uses_starts_before_provider_finishes_depends_on_after(tmp_path: Path) -> None:
    cs = [
        contract("api", run="sleep 0.6", effort_hours=6, mock=True),
        contract("ui", run="sleep 0.1", effort_hours=1, uses=("api",)),
        contract("qa", run="sleep 0.1", effort_hours=1, depends_on=("api",)),
    ]
    r = build(make_plan(tmp_path, cs, workers=3), out=tmp_path / "out")
    assert {k: v.status for k, v in r.results.items()} == dict.fromkeys(("api", "ui", "qa"), "succeeded")
    api = _interval(r, "api")
    ui = _interval(r, "ui")
    qa = _interval(r, "qa")
    assert ui[0] < api[1] - 0.3   # the uses consumer ran against the interface
    assert qa[0] >= api[1]         # the depends_on consumer waited


def test_measured_start_order_matches_plan(tmp_path: Path) -> None:
    scale = 0.12
    effort = {"a": 3, "b": 1, "c": 2, "d": 4, "e": 1, "f": 2, "g": 1}
    deps = {"a": (), "b": (), "c": ("b",), "d": ("a",), "e": ("c",), "f": ("c", "a"), "g": ("e",)}
    cs = [contract(cid, run=f"sleep {effort[cid] * scale}", effort_hours=effort[cid],
                   depends_on=deps[cid]) for cid in effort]
    plan = make_plan(tmp_path, cs, workers=2)
    r = build(plan, out=tmp_path / "out")
    rank = {c.id: i for i, c in enumerate(plan.contracts)}
    predicted = sorted(plan.schedule.values(),
                       key=lambda s: (s.start_h, -plan.priorities[s.id], rank[s.id]))
    measured = sorted(r.results.values(), key=lambda x: x.start_s or 0.0)
    assert [m.id for m in measured] == [p.id for p in predicted]
    for p in plan.schedule.values():  # and at the predicted times, give or take process start-up
        assert abs((r.results[p.id].start_s or 0) - p.start_h * scale) < 0.15


def test_workers_respected(tmp_path: Path) -> None:
    cs = [contract(f"c{i}", run="sleep 0.25") for i in range(6)]
    r = build(make_plan(tmp_path, cs, workers=2), out=tmp_path / "out")
    spans = [_interval(r, f"c{i}") for i in range(6)]
    points = sorted({s for s, _ in spans})
    peak = max(sum(1 for s, e in spans if s <= t < e) for t in points)
    assert peak == 2
    assert r.report["workers"] == 2
    assert r.report["timing"]["wall_s"] < 1.4  # 3 rounds of 0.25 s, not 6


def test_retry_with_backoff_on_transient_failure(tmp_path: Path) -> None:
    flaky = "sh -c 'if [ -f marker ]; then echo second; exit 0; fi; touch marker; exit 75'"
    cs = [
        contract("flaky", run=flaky, retries=2),
        contract("always", run="sh -c 'exit 75'", retries=2),
        contract("hard", run="sh -c 'exit 1'", retries=2),
    ]
    events: list[BuildEvent] = []
    r = build(make_plan(tmp_path, cs), out=tmp_path / "out", backoff_s=0.05, on_event=events.append)
    got = {k: (v.status, v.attempts, v.reason) for k, v in r.results.items()}
    assert got == {
        "flaky": ("succeeded", 2, "new"),
        "always": ("failed", 3, "exit code 75 (temporary failure) (after 3 attempts)"),
        "hard": ("failed", 1, "exit code 1"),
    }
    delays = [(e.contract, e.attempt, e.delay_s) for e in events if e.kind == "contract_retry"]
    assert sorted(delays) == [("always", 1, 0.05), ("always", 2, 0.1), ("flaky", 1, 0.05)]
    assert r.report["contracts"][0]["attempts"] in (1, 2, 3)


def test_failure_blocks_dependents_independent_branch_finishes(tmp_path: Path) -> None:
    cs = [
        contract("a", run="sh -c 'exit 2'"),
        contract("b", run="true", depends_on=("a",)),
        contract("c", run="true", depends_on=("b",)),
        contract("d", run="sleep 0.3"),
        contract("e", run="true", depends_on=("d",)),
    ]
    r = build(make_plan(tmp_path, cs), out=tmp_path / "out")
    got = {k: (v.status, v.reason) for k, v in r.results.items()}
    assert got == {
        "a": ("failed", "exit code 2"),
        "b": ("blocked", "depends on a, which failed"),
        "c": ("blocked", "depends on a, which failed"),
        "d": ("succeeded", "new"),
        "e": ("succeeded", "new"),
    }
    assert r.exit_code == 1
    assert r.report["status"] == "failed"


def test_fail_fast_cancels_running_and_pending(tmp_path: Path) -> None:
    cs = [
        contract("a", run="sh -c 'sleep 0.2; exit 1'", effort_hours=5),
        contract("b", run="sleep 20", effort_hours=4),
        contract("c", run="true", effort_hours=1),
    ]
    t = time.monotonic()
    r = build(make_plan(tmp_path, cs, workers=2), out=tmp_path / "out", fail_fast=True)
    assert time.monotonic() - t < 8
    got = {k: (v.status, v.reason) for k, v in r.results.items()}
    assert got == {
        "a": ("failed", "exit code 1"),
        "b": ("error", "cancelled: --fail-fast after a failed"),
        "c": ("blocked", "not started: --fail-fast after a failed"),
    }
    assert r.exit_code == 1


def test_budget_and_quality_threshold_exit_code(tmp_path: Path) -> None:
    from tests.engine.helpers import deliverable

    cs = [contract("doc", run="true", deliverables=(deliverable("docs", "docs/*.md"),))]
    plan = make_plan(tmp_path, cs, constraints=Constraints(quality_threshold=0.5, retries=0))
    r = build(plan, out=tmp_path / "out")
    assert r.results["doc"].status == "succeeded"
    assert r.results["doc"].fulfillment == 0.0
    assert r.report["quality"] == {"overall": 0.0, "threshold": 0.5, "passed": False}
    assert r.exit_code == 1
