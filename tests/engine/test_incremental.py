from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from teamspec.engine.executors.registry import unregister_executor
from teamspec.engine.runner import build
from teamspec.errors import UsageError
from tests.engine.helpers import contract, deliverable, make_plan, register_echo

# req1 and req2 read the requirement; base does not print it, mid prints
# only upstream text; tool is a command contract (never reads the requirement)
CONTRACTS = [
    contract("base", executor="echo"),
    contract("req1", executor="echo", description="req"),
    contract("mid", executor="echo", depends_on=("base",)),
    contract("top", executor="echo", depends_on=("req1", "mid")),
    contract("tool", run="sh -c 'echo tool > tool.txt'"),
    contract("after_tool", run="sh -c 'cat tool.txt > after.txt'", depends_on=("tool",),
             deliverables=(deliverable("after", "after.txt"),)),
]


@pytest.fixture(autouse=True)
def echo() -> Iterator[None]:
    register_echo()
    yield
    unregister_executor("echo")


def _mtimes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file() and ".teamspec" not in p.parts}


def _statuses(r) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {k: (v.status, v.reason) for k, v in r.results.items()}


def test_second_build_is_up_to_date_and_rewrites_nothing(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, CONTRACTS)
    out = tmp_path / "out"
    first = build(plan, out=out)
    assert first.exit_code == 0
    assert (out / "gen/top.txt").read_text() == "top\nreq1\nBuild a task manager with a REST API.\nmid\nbase\n"
    before = _mtimes(out)
    second = build(plan, out=out)
    assert {k: v.status for k, v in second.results.items()} == dict.fromkeys(
        [c.id for c in CONTRACTS], "up_to_date")
    assert _mtimes(out) == before
    assert second.exit_code == 0
    assert second.results["top"].files == ("gen/top.txt",)


def test_changed_requirement_rebuilds_what_depends_on_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_plan(tmp_path, CONTRACTS), out=out)
    before = _mtimes(out)
    r = build(make_plan(tmp_path, CONTRACTS, requirement="Build a note taker."), out=out)
    assert _statuses(r) == {
        "base": ("succeeded", "inputs changed: requirement"),
        "req1": ("succeeded", "inputs changed: requirement"),
        "mid": ("succeeded", "inputs changed: requirement"),
        "top": ("succeeded", "inputs changed: requirement, upstream req1"),
        "tool": ("up_to_date", "up to date"),
        "after_tool": ("up_to_date", "up to date"),
    }
    after = _mtimes(out)
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == ["gen/req1.txt", "gen/top.txt"]  # base and mid produced the same bytes


def test_early_cutoff(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_plan(tmp_path, CONTRACTS), out=out)
    # 'tool' gets a new command that writes the same bytes: its dependent stays up to date
    changed = [*CONTRACTS[:4], contract("tool", run="sh -c 'printf \"tool\\n\" > tool.txt'"),
               CONTRACTS[5]]
    r = build(make_plan(tmp_path, changed), out=out)
    assert _statuses(r)["tool"] == ("succeeded", "inputs changed: contract")
    assert _statuses(r)["after_tool"] == ("up_to_date", "up to date")


def test_hand_edit_is_never_overwritten_and_force_rebuilds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan = make_plan(tmp_path, CONTRACTS)
    build(plan, out=out)
    (out / "gen/mid.txt").write_text("my edit\n")
    r = build(make_plan(tmp_path, CONTRACTS, requirement="Changed."), out=out)
    assert _statuses(r)["mid"] == (
        "error", "output edited by hand: gen/mid.txt; not overwritten: use --force to rebuild it "
        "(or revert the edit)")
    assert _statuses(r)["top"] == ("blocked", "depends on mid, which could not run")
    assert (out / "gen/mid.txt").read_text() == "my edit\n"
    assert r.exit_code == 1
    # unchanged inputs: still refused, still not overwritten
    r = build(plan, out=out)
    assert r.results["mid"].status == "error"
    assert (out / "gen/mid.txt").read_text() == "my edit\n"
    r = build(plan, out=out, force=True)
    assert {v.status for v in r.results.values()} == {"succeeded"}
    assert {v.reason for v in r.results.values()} == {"forced"}
    assert (out / "gen/mid.txt").read_text() == "mid\nbase\n"
    assert build(plan, out=out).exit_code == 0


def test_deleted_output_is_rebuilt(tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan = make_plan(tmp_path, CONTRACTS)
    build(plan, out=out)
    (out / "gen/base.txt").unlink()
    r = build(plan, out=out)
    assert _statuses(r)["base"] == ("succeeded", "output missing: gen/base.txt")
    assert _statuses(r)["mid"] == ("up_to_date", "up to date")


def test_only_builds_the_contract_and_what_it_needs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan = make_plan(tmp_path, CONTRACTS)
    r = build(plan, out=out, only=["mid"])
    assert _statuses(r) == {"base": ("succeeded", "new"), "mid": ("succeeded", "new")}
    assert not (out / "gen/top.txt").exists()
    assert r.report["only"] == ["mid"]
    r = build(plan, out=out)
    assert _statuses(r)["base"] == ("up_to_date", "up to date")
    assert _statuses(r)["top"] == ("succeeded", "new")
    with pytest.raises(UsageError) as exc:
        build(plan, out=out, only=["mdi"])
    assert exc.value.message == (f"--only mdi: no such contract in {tmp_path / 'spec.yaml'} "
                                 "(did you mean 'mid'?); contracts: base, req1, mid, top, tool, "
                                 "after_tool")


def test_dry_run_writes_nothing_and_says_why(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = build(make_plan(tmp_path, CONTRACTS), out=out, dry_run=True)
    assert not out.exists()
    assert {i.id: (i.action, i.reason) for i in r.would_run}["top"] == ("run", "new")
    build(make_plan(tmp_path, CONTRACTS), out=out)
    (out / "gen/mid.txt").write_text("edited")
    state = (out / ".teamspec/state.json").read_bytes()
    before = _mtimes(out)
    r = build(make_plan(tmp_path, CONTRACTS, requirement="Other."), out=out, dry_run=True)
    assert [(i.id, i.action, i.reason) for i in r.would_run] == [
        ("base", "run", "inputs changed: requirement"),
        ("req1", "run", "inputs changed: requirement"),
        ("mid", "refuse", "output edited by hand: gen/mid.txt; not overwritten: use --force to "
         "rebuild it (or revert the edit)"),
        ("top", "blocked", "depends on mid, which would be refused"),
        ("tool", "skip", "up to date"),
        ("after_tool", "skip", "up to date"),
    ]
    (out / "gen/mid.txt").write_text("mid\nbase\n")  # reverted
    r = build(make_plan(tmp_path, CONTRACTS, requirement="Other."), out=out, dry_run=True)
    assert [(i.id, i.action, i.reason) for i in r.would_run][2:4] == [
        ("mid", "run", "inputs changed: requirement"),
        ("top", "run", "inputs changed: requirement"),
    ]
    (out / "gen/mid.txt").write_text("edited")
    before = _mtimes(out)
    r = build(make_plan(tmp_path, CONTRACTS), out=out, dry_run=True, force=True)
    assert {i.reason for i in r.would_run} == {"forced"}
    assert _mtimes(out) == before
    assert (out / ".teamspec/state.json").read_bytes() == state
    assert r.exit_code == 0


def test_report_is_valid_against_schema(tmp_path: Path) -> None:
    import jsonschema

    schema = json.loads((Path(__file__).parents[2] / "teamspec/schemas/report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    cs = [*CONTRACTS, contract("bad", run="sh -c 'exit 4'"),
          contract("blocked", run="true", depends_on=("bad",)),
          contract("docs", run="sh -c 'mkdir -p d && echo x > d/a.md'",
                   deliverables=(deliverable("d", "d/*.md"), deliverable("e", "e/*.md")))]
    out = tmp_path / "out"
    for _ in range(2):
        r = build(make_plan(tmp_path, cs), out=out)
        report = json.loads((out / ".teamspec/report.json").read_text())
        assert report == json.loads(json.dumps(r.report))
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        assert [e.message for e in validator.iter_errors(report)] == []
    assert list(report)[:6] == ["report_format", "spec", "teamspec_version", "started_at",
                                "finished_at", "status"]
    docs = next(c for c in report["contracts"] if c["id"] == "docs")
    assert (docs["status"], docs["fulfillment"], docs["quality"]) == ("up_to_date", 0.5, 0.5)
    t = report["timing"]
    assert set(t) >= {"wall_s", "sequential_s", "savings", "critical_path_s", "lower_bound_s", "efficiency"}
    md = (out / ".teamspec/report.md").read_text()
    assert "| bad | backend_developer | failed | 1 |" in md
    assert md.startswith("# Build report: demo\n")


def test_state_journal_replay_and_torn_line(tmp_path: Path) -> None:
    from teamspec.engine.state import StateStore

    store = StateStore(tmp_path / ".teamspec")
    store.load()
    for i in range(40):
        store.commit(f"c{i}", {"status": "succeeded", "fingerprint": str(i)})
    # group commit: the lines since the last compaction wait for flush()
    journal = tmp_path / ".teamspec/state.journal"
    assert not journal.exists()
    assert sorted(StateStore(tmp_path / ".teamspec").load().records) == sorted(
        f"c{i}" for i in range(32))
    store.flush()
    # compaction is amortised: state.json holds some records, the journal the rest
    assert (tmp_path / ".teamspec/state.json").exists()
    with open(journal, "ab") as f:
        f.write(b'{"op":"done","id":"c9","rec":{"sta')  # torn by a crash
    again = StateStore(tmp_path / ".teamspec").load()
    assert sorted(again.records) == sorted(f"c{i}" for i in range(40))
    assert again.records["c39"] == {"status": "succeeded", "fingerprint": "39"}
    assert os.path.getsize(journal) > 0
