"""The engine's fast paths behave like the general ones: contracts completed
inline (``run_now``), the lazy ``Job.upstream_files``, the reusable JSON
encoder, the cached timestamp formatting, fingerprints compared by
component, and the garbage collector left as it was found."""

from __future__ import annotations

import gc
import json
import os
import random
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from teamspec.engine.events import BuildEvent
from teamspec.engine.executors.base import ExecOutcome, Job
from teamspec.engine.executors.registry import register_executor, unregister_executor
from teamspec.engine.jsonenc import make_encoder
from teamspec.engine.runner import _iso, build
from teamspec.model import Contract
from tests.engine.helpers import contract, deliverable, make_plan


class _Instant:
    """``run_now`` does the job (writes gen/<id>.txt) unless the contract's
    description says ``later`` (then ``run`` does it); a description with
    ``flaky`` fails transiently on the first attempt."""

    name = "instant"
    reads: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []
        self.upstream: dict[str, dict[str, tuple[str, ...]]] = {}

    def run_now(self, job: Job) -> ExecOutcome | None:
        c = job.contract
        self.calls.append(("now", c.id, job.attempt))
        if "later" in c.description:
            return None
        return self._do(job)

    async def run(self, job: Job) -> ExecOutcome:
        import asyncio

        self.calls.append(("run", job.contract.id, job.attempt))
        await asyncio.sleep(0)
        return self._do(job)

    def _do(self, job: Job) -> ExecOutcome:
        c = job.contract
        self.upstream[c.id] = dict(job.upstream_files)
        if "flaky" in c.description and job.attempt == 1:
            return ExecOutcome("failed", "try again", transient=True)
        job.workspace.write(f"gen/{c.id}.txt", f"{c.id}\n")
        return ExecOutcome("ok", "done")

    def fingerprint_extra(self, contract: Contract) -> str:
        return ""

    async def aclose(self) -> None:
        return None


@pytest.fixture
def instant() -> Any:
    exe = _Instant()
    register_executor("instant", lambda config: exe)  # type: ignore[arg-type,return-value]
    yield exe
    unregister_executor("instant")


def test_inline_and_task_paths_give_the_same_results(tmp_path: Path, instant: _Instant) -> None:
    cs = [
        contract("a"),
        contract("b", depends_on=("a",), description="later"),
        contract("c", depends_on=("b",)),
        contract("d", depends_on=("a",), description="flaky", retries=1),
        contract("e", depends_on=("c",), deliverables=(deliverable("txt", "gen/e.txt"),)),
    ]
    events: list[BuildEvent] = []
    r = build(make_plan(tmp_path, cs, executor="instant"), out=tmp_path / "out",
              on_event=events.append, backoff_s=0.01)
    got = {k: (v.status, v.reason, v.attempts, v.files) for k, v in r.results.items()}
    assert got == {
        "a": ("succeeded", "new", 1, ("gen/a.txt",)),
        "b": ("succeeded", "new", 1, ("gen/b.txt",)),
        "c": ("succeeded", "new", 1, ("gen/c.txt",)),
        "d": ("succeeded", "new", 2, ("gen/d.txt",)),
        "e": ("succeeded", "new", 1, ("gen/e.txt",)),
    }
    # b went through run() after run_now declined; d's retry went through run()
    assert ("run", "b", 1) in instant.calls and ("now", "b", 1) in instant.calls
    assert ("now", "d", 1) in instant.calls and ("run", "d", 2) in instant.calls
    assert ("run", "a", 1) not in instant.calls
    # e was completed at once, then validated (asynchronously)
    assert (r.results["e"].fulfillment, r.results["e"].quality) == (1.0, 1.0)
    # every contract: started (once per attempt) before finished
    seq = [(e.kind, e.contract, e.attempt) for e in events
           if e.kind in ("contract_started", "contract_finished", "contract_retry")]
    for cid in "abcde":
        mine = [s for s in seq if s[1] == cid]
        assert mine[0][0] == "contract_started" and mine[-1][0] == "contract_finished", mine
    assert [s for s in seq if s[1] == "d"] == [
        ("contract_started", "d", 1), ("contract_retry", "d", 1), ("contract_started", "d", 2),
        ("contract_finished", "d", 2)]
    # the upstream files an executor sees: every depends_on, transitively
    assert instant.upstream["e"] == {"c": ("gen/c.txt",), "b": ("gen/b.txt",),
                                     "a": ("gen/a.txt",)}
    assert instant.upstream["a"] == {}
    # the state records each contract once, and the next build is a no-op
    again = build(make_plan(tmp_path, cs, executor="instant"), out=tmp_path / "out")
    assert {v.status for v in again.results.values()} == {"up_to_date"}


def test_inline_work_yields_to_the_event_loop(tmp_path: Path) -> None:
    """Ctrl-C during a long run of inline contracts stops it within a slice,
    not after the last contract."""
    n = 5000
    cs = [contract(f"c{i}", depends_on=(f"c{i - 1}",) if i else ()) for i in range(n)]

    def on_event(e: BuildEvent) -> None:
        if e.kind == "contract_finished" and e.contract == "c100":
            os.kill(os.getpid(), signal.SIGINT)  # handled by the build's event loop

    r = build(make_plan(tmp_path, cs, executor="simulate"), out=tmp_path / "out",
              time_scale=0.0, on_event=on_event)
    assert r.interrupted and r.exit_code == 130
    counts = r.counts()
    assert counts["succeeded"] > 100
    assert counts["blocked"] > 0
    assert r.results[f"c{n - 1}"].reason == "not started: interrupted (Ctrl-C)"


def test_fail_fast_during_inline_dispatch(tmp_path: Path, instant: _Instant) -> None:
    class Failing(_Instant):
        def run_now(self, job: Job) -> ExecOutcome | None:
            if job.contract.id == "b":
                return ExecOutcome("failed", "broken")
            return super().run_now(job)

    exe = Failing()
    register_executor("instant", lambda config: exe)  # type: ignore[arg-type,return-value]
    cs = [contract("a"), contract("b", depends_on=("a",)), contract("c", depends_on=("a",)),
          contract("d", depends_on=("b",))]
    r = build(make_plan(tmp_path, cs, executor="instant", workers=1), out=tmp_path / "out",
              fail_fast=True)
    got = {k: (v.status, v.reason) for k, v in r.results.items()}
    assert got["a"] == ("succeeded", "new")
    assert got["b"] == ("failed", "broken")
    assert got["d"][0] == "blocked"
    assert got["c"] in (("succeeded", "new"), ("blocked", "not started: --fail-fast after b failed"))
    assert r.exit_code == 1


def test_make_encoder_matches_json() -> None:
    rng = random.Random(3)
    values: list[Any] = [
        {"a": 1, "b": [1.5, None, True, False], "c": {"d": "é\u2028\"\\\n"}},
        ["x", 1e300, -0.0, 0.1 + 0.2, 123456789012345678901234567890],
        "plain", "ünï", {"nested": [[[]], {}]},
    ]
    values += [[rng.random() * 10 ** rng.randint(-8, 8) for _ in range(5)] for _ in range(50)]
    for ascii_ in (True, False):
        for seps in ((",", ":"), (", ", ": ")):
            ours = make_encoder(item_separator=seps[0], key_separator=seps[1], ensure_ascii=ascii_)
            ref = json.JSONEncoder(separators=seps, ensure_ascii=ascii_).encode
            for v in values:
                assert ours(v) == ref(v)
    with pytest.raises(TypeError):
        make_encoder()({"x": object()})
    assert make_encoder(default=str)([Path("a/b")]) == '["a/b"]'
    assert make_encoder(default=str)((1, 2)) == "[1,2]"


def test_iso_timestamps_match_datetime() -> None:
    rng = random.Random(5)
    stamps = [rng.uniform(0, 4e9) for _ in range(20000)]
    stamps += [1_700_000_000.9995, 1_700_000_000.9999996, 1.0000005, 0.0, 1_700_000_001.0]
    for ts in stamps:
        ref = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
        assert _iso(ts) == ref.replace("+00:00", "Z")


def test_records_hold_components_and_old_digest_records_still_match(tmp_path: Path) -> None:
    cs = [contract("a", run="sh -c 'echo a > a.txt'"),
          contract("b", run="sh -c 'cat a.txt > b.txt'", depends_on=("a",))]
    out = tmp_path / "out"
    build(make_plan(tmp_path, cs), out=out)
    state_path = out / ".teamspec/state.json"
    state = json.loads(state_path.read_text())
    rec = state["contracts"]["b"]
    assert set(rec["inputs"]) == {"contract", "persona", "executor", "version"}
    assert list(rec["upstream"]) == ["a"] and "fingerprint" not in rec
    # a state written with an overall digest (earlier versions) is still up to date
    for r in state["contracts"].values():
        r["fingerprint"] = "0" * 64
    state_path.write_text(json.dumps(state))
    again = build(make_plan(tmp_path, cs), out=out)
    assert {k: v.status for k, v in again.results.items()} == {"a": "up_to_date",
                                                               "b": "up_to_date"}
    # a changed upstream output is a changed fingerprint, named as such
    (out / "a.txt").write_text("other\n")
    state = json.loads(state_path.read_text())
    state["contracts"]["a"]["output_hash"] = "f" * 16
    state["contracts"]["a"].pop("outputs")
    state_path.write_text(json.dumps(state))
    r = build(make_plan(tmp_path, cs), out=out, dry_run=True)
    assert [(i.id, i.action, i.reason) for i in r.would_run] == [
        ("a", "skip", "up to date"), ("b", "run", "inputs changed: upstream a")]


def test_build_leaves_the_garbage_collector_as_it_was(tmp_path: Path) -> None:
    cs = [contract("a")]
    assert gc.get_freeze_count() == 0
    build(make_plan(tmp_path, cs, executor="simulate"), out=tmp_path / "o1", time_scale=0.0)
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        build(make_plan(tmp_path, cs, executor="simulate"), out=tmp_path / "o2", time_scale=0.0)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_fast_result_construction_is_a_contract_result() -> None:
    import dataclasses

    from teamspec.engine.runner import ContractResult, _new_result

    fast = _new_result(id="a", provider="p", status="succeeded", reason="new", attempts=1)
    slow = ContractResult(id="a", provider="p", status="succeeded", reason="new", attempts=1)
    assert fast == slow and repr(fast) == repr(slow) and fast.to_dict() == slow.to_dict()
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.status = "failed"  # type: ignore[misc]
    assert dataclasses.replace(fast, log="x").log == "x"


def _varied_results(n: int) -> dict[str, Any]:
    """Results with every optional part, odd strings and odd numbers."""
    from teamspec.engine.executors.base import Usage
    from teamspec.engine.results import ContractResult
    from teamspec.model import Finding

    out: dict[str, Any] = {}
    for i in range(n):
        k = i % 7
        out[f"c{i}"] = ContractResult(
            id=f"c{i}", provider="backend_developer" if k else "dévelopeur \"ü\"",
            status=("succeeded", "failed", "error", "blocked", "up_to_date")[i % 5],
            reason="new" if k else "exit code 3 \\ tab\there\nnewline",
            executor="command", started_ts=None if k == 3 else 1.7e9 + i * 0.0015,
            finished_ts=None if k == 3 else 1.7e9 + i * 0.0015 + 0.25,
            start_s=None if k == 3 else i / 3, duration_s=0 if k == 6 else (i % 4) * 1e-7 + i / 7,
            attempts=k % 3, files=() if k % 2 else (f"src/{i}.py", "a b/ü.txt"),
            fulfillment=None if k % 2 else (1 if k == 4 else 1 / 3),
            checks=None if k % 3 else 2 / 3,
            quality=None if k == 5 else (0.0 if k == 6 else 0.123456789),
            findings=(Finding("link_valid", "bad link", file="x.yaml", line=4),) if k == 4 else (),
            deliverables=({"name": "api", "checks": [{"check": "conforms", "status": "passed"}]},)
            if k == 2 else (),
            usage=Usage(10, 20, 3, 4, 0.01, 2) if k == 1 else None,
            effort_hours=(2, 2.5, 0.25)[k % 3],
            log=f".teamspec/logs/c{i}.log" if k in (1, 4) else None,
            log_tail=("line 1", "dernière ligne ü") if k == 4 else (),
        )
    return out


def test_report_rows_written_from_results_match_the_dicts() -> None:
    from teamspec.engine.report import _REPORT_ENCODE

    for r in _varied_results(40).values():
        assert r.json_row(_REPORT_ENCODE) == _REPORT_ENCODE(r.to_dict())
        assert json.loads(r.json_row(_REPORT_ENCODE)) == r.to_dict()


def test_report_written_from_results_equals_the_dict_report(tmp_path: Path) -> None:
    from teamspec.engine.report import (
        build_report,
        report_head,
        with_rows,
        write_report,
        write_report_of,
    )

    plan = make_plan(tmp_path, [contract("a")])
    results = _varied_results(260)  # more rows than report.md lists, findings beyond them
    head = report_head(plan, results, started_at="s", finished_at="f", wall_s=1.5, workers=2,
                       executor="command", warnings=["w"])
    assert build_report(plan, results, started_at="s", finished_at="f", wall_s=1.5, workers=2,
                        executor="command", warnings=["w"]) == with_rows(head, results)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_report(tmp_path / "a", with_rows(head, results))
    write_report_of(tmp_path / "b", head, results)
    for name in (".teamspec/report.json", ".teamspec/report.md"):
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "a" / name).read_bytes()
    md = (tmp_path / "b/.teamspec/report.md").read_text()
    assert "... and 60 more contracts" in md and "**c256** error `link_valid`" in md


def test_record_text_written_by_the_engine_is_the_record(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from teamspec.engine.state import StateStore

    seen: list[str] = []
    original = StateStore.commit

    def commit(self: StateStore, cid: str, rec: dict[str, Any], text: str | None = None) -> None:
        assert text is not None and json.loads(text) == rec, cid
        seen.append(cid)
        original(self, cid, rec, text)

    monkeypatch.setattr(StateStore, "commit", commit)
    cs = [
        contract("gen", run="sh -c 'mkdir -p src && echo x > src/a.py'"),
        contract("fails", run="sh -c 'exit 3'"),
        contract("uses_gen", run="sh -c 'echo y > b.txt'", depends_on=("gen",), uses=("gen",),
                 deliverables=(deliverable("b", "b.txt"),)),
    ]
    build(make_plan(tmp_path, cs), out=tmp_path / "out")
    build(make_plan(tmp_path, cs, executor="simulate"), out=tmp_path / "sim", time_scale=0.0)
    assert sorted(seen) == ["fails", "fails", "gen", "gen", "uses_gen", "uses_gen"]
    # offline personas: outputs, deliverables, scores and findings in the records
    seen.clear()
    spec = Path(__file__).resolve().parents[2] / "specs" / "minimal.yaml"
    r = build(spec, out=tmp_path / "offline", executor="offline")
    assert sorted(seen) == sorted(r.results) and r.exit_code == 0
