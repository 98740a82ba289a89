"""The claude executor in whole builds: the real SDK against the fake server."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from teamspec.claude.executor import ClaudeSettings
from teamspec.engine.runner import BuildResult
from teamspec.errors import ConfigurationError
from teamspec.layout import REPORT_JSON
from tests.claude.conftest import (
    FAST,
    SENTINEL_KEY,
    many_contracts_plan,
    one_contract_plan,
    run,
)
from tests.claude.fake_api import (
    FakeAnthropic,
    Reply,
    Seen,
    diligent_model,
    error,
    text,
    tool_use,
    tools,
)

NOTES = "# Notes\n\nThe API stores tasks.\n"


def script_notes(fake: FakeAnthropic) -> None:
    fake.push(tools(tool_use("list_files", {})),
              tools(tool_use("write_file", {"path": "docs/notes.md", "content": NOTES})),
              tools(tool_use("finish", {"summary": "Wrote the notes."})))


def report(res: BuildResult) -> dict[str, Any]:
    return json.loads((res.out_dir / REPORT_JSON).read_text())


def log_of(res: BuildResult, cid: str) -> str:
    return (res.out_dir / ".teamspec" / "logs" / f"{cid}.log").read_text()


def last_tool_result(seen: Seen) -> dict[str, Any]:
    return seen.last_tool_results()[-1]


# ---------------------------------------------------------------- the loop


def test_a_tool_use_sequence_builds_the_deliverable(api_env: FakeAnthropic, settings: Any,
                                                   tmp_path: Path) -> None:
    script_notes(api_env)
    res = run(one_contract_plan(tmp_path), tmp_path / "out")
    r = res.results["notes"]
    assert (r.status, r.reason, res.exit_code) == ("succeeded", "new", 0)
    assert (tmp_path / "out" / "docs" / "notes.md").read_text() == NOTES
    assert r.files == ("docs/notes.md",)
    rep = report(res)
    usage = rep["contracts"][0]["usage"]
    served = api_env.totals()
    assert usage["calls"] == served["requests"] == 3
    assert usage["input_tokens"] == served["input_tokens"]
    assert usage["output_tokens"] == served["output_tokens"]
    assert usage["cache_write_tokens"] == served["cache_creation_input_tokens"]
    assert usage["cache_read_tokens"] == served["cache_read_input_tokens"]
    assert usage["cost_usd"] > 0
    assert rep["cost_usd"] == usage["cost_usd"]
    md = (res.out_dir / ".teamspec" / "report.md").read_text()
    assert "| contract | calls | input | output | cache write | cache read | cost |" in md
    assert (f"| notes | 3 | {usage['input_tokens']} | {usage['output_tokens']} | "
            f"{usage['cache_write_tokens']} | {usage['cache_read_tokens']} | "
            f"${usage['cost_usd']:.4f} |") in md
    lines = log_of(res, "notes").splitlines()
    assert lines[0] == "# teamspec: claude claude-sonnet-5-5, contract notes, attempt 1"
    assert lines[2] == "  tool list_files -> no files"
    assert lines[4] == f"  tool write_file docs/notes.md -> wrote docs/notes.md ({len(NOTES)} bytes)"
    assert lines[3].startswith("call 2: stop_reason=tool_use input=")
    assert lines[-1] == "finished after 3 call(s): Wrote the notes."
    # the conversation the server saw is well formed: tool results answer tool uses
    assert [s.status for s in api_env.requests] == [200, 200, 200]
    assert last_tool_result(api_env.requests[2])["content"] == \
        f"wrote docs/notes.md ({len(NOTES)} bytes)"


def test_malformed_tool_input_is_answered_and_the_loop_goes_on(api_env: FakeAnthropic,
                                                              settings: Any,
                                                              tmp_path: Path) -> None:
    api_env.push(tools(tool_use("write_file", {"path": "docs/notes.md"})),
                 tools(tool_use("write_file", {"path": "docs/notes.md", "content": NOTES})),
                 tools(tool_use("finish", {"summary": "ok"})))
    res = run(one_contract_plan(tmp_path), tmp_path / "out")
    assert res.results["notes"].status == "succeeded"
    answer = last_tool_result(api_env.requests[1])
    assert answer["is_error"] is True
    assert answer["content"] == "error: invalid input for write_file: 'content' is a required property"


def test_a_write_to_etc_passwd_is_rejected_recorded_and_the_loop_goes_on(
        api_env: FakeAnthropic, settings: Any, tmp_path: Path) -> None:
    api_env.push(tools(tool_use("write_file", {"path": "../../etc/passwd", "content": "root::0:0"})),
                 tools(tool_use("write_file", {"path": "docs/notes.md", "content": NOTES})),
                 tools(tool_use("finish", {"summary": "ok"})))
    res = run(one_contract_plan(tmp_path), tmp_path / "out")
    r = res.results["notes"]
    assert r.status == "succeeded"
    answer = last_tool_result(api_env.requests[1])
    assert answer["is_error"] is True
    why = "'..' is not allowed: every file stays inside the project"
    assert answer["content"] == f"error: write_file '../../etc/passwd' rejected: {why}"
    assert not (tmp_path / "etc").exists() and not (tmp_path.parent / "etc").exists()
    findings = report(res)["contracts"][0]["findings"]
    assert findings == [{"check": "sandbox", "message": f"write_file '../../etc/passwd' rejected: "
                         f"{why}", "severity": "warning", "contract": "notes",
                         "file": "../../etc/passwd"}]
    assert f"  tool write_file ../../etc/passwd -> error: write_file '../../etc/passwd' rejected: " \
           f"{why}" in log_of(res, "notes")


def test_a_cut_off_text_answer_is_continued(api_env: FakeAnthropic, settings: Any,
                                           tmp_path: Path) -> None:
    api_env.push(Reply([text("Let me think about the notes and")], "max_tokens"))
    script_notes(api_env)
    res = run(one_contract_plan(tmp_path), tmp_path / "out")
    assert res.results["notes"].status == "succeeded"
    cont = api_env.requests[1].body["messages"][-1]["content"]
    assert cont[-1]["text"] == "Your answer was cut off at max_tokens. Continue exactly where you stopped."


def test_a_cut_off_tool_call_is_not_run(api_env: FakeAnthropic, settings: Any,
                                        tmp_path: Path) -> None:
    api_env.push(Reply([tool_use("write_file", {"path": "docs/notes.md", "content": "# No"})],
                       "max_tokens"))
    script_notes(api_env)
    res = run(one_contract_plan(tmp_path), tmp_path / "out")
    assert res.results["notes"].status == "succeeded"
    answer = last_tool_result(api_env.requests[1])
    assert answer["is_error"] is True
    assert answer["content"] == ("error: not run: your answer was cut off at max_tokens (1024), "
                                 "so this call may be incomplete; write smaller files, one "
                                 "write_file per answer")


def test_answers_cut_off_again_and_again_fail_clearly(api_env: FakeAnthropic, settings: Any,
                                                      tmp_path: Path) -> None:
    api_env.handler = lambda s: Reply([text("and so on")], "max_tokens")
    res = run(one_contract_plan(tmp_path), tmp_path / "out")
    r = res.results["notes"]
    assert (r.status, r.reason) == ("failed", "the model's answers were cut off at max_tokens "
                                    "(1024) 4 times in a row; raise max_tokens or split the "
                                    "deliverables")
    assert len(api_env.requests) == 4
    assert res.exit_code == 1


def test_a_refusal_fails_with_the_reason(api_env: FakeAnthropic, settings: Any,
                                         tmp_path: Path) -> None:
    api_env.push(Reply([text("I can't help with that.")], "refusal",
                       stop_details={"type": "refusal", "category": "cyber",
                                     "explanation": "The request could enable malware."}))
    res = run(one_contract_plan(tmp_path), tmp_path / "out")
    r = res.results["notes"]
    assert (r.status, r.reason) == ("failed", "the model refused: cyber: The request could "
                                    "enable malware.")
    assert r.attempts == 1 and len(api_env.requests) == 1


def test_pause_turn_is_continued_as_is(api_env: FakeAnthropic, settings: Any,
                                       tmp_path: Path) -> None:
    api_env.push(Reply([text("Working on it")], "pause_turn"))
    script_notes(api_env)
    res = run(one_contract_plan(tmp_path), tmp_path / "out")
    assert res.results["notes"].status == "succeeded"
    last = api_env.requests[1].body["messages"][-1]
    assert last["role"] == "assistant"
    assert [b["text"] for b in last["content"]] == ["Working on it"]


def test_a_model_that_never_finishes_hits_the_turn_limit(api_env: FakeAnthropic, settings: Any,
                                                         tmp_path: Path) -> None:
    api_env.handler = lambda s: tools(tool_use("list_files", {}))
    res = run(one_contract_plan(tmp_path), tmp_path / "out")
    r = res.results["notes"]
    assert (r.status, r.reason) == ("failed", "turn limit reached: 12 calls without finish")
    assert len(api_env.requests) == 12
    assert log_of(res, "notes").splitlines()[-1] == "turn limit: 12 calls without finish"


def test_end_turn_after_the_work_counts_as_finished(api_env: FakeAnthropic, settings: Any,
                                                    tmp_path: Path) -> None:
    api_env.push(tools(tool_use("write_file", {"path": "docs/notes.md", "content": NOTES})),
                 Reply([text("All done.")], "end_turn"))
    res = run(one_contract_plan(tmp_path), tmp_path / "out")
    assert (res.results["notes"].status, res.results["notes"].reason) == ("succeeded", "new")
    assert log_of(res, "notes").splitlines()[-1] == "finished after 2 call(s): All done."


def test_end_turn_without_the_work_is_reminded_then_fails(api_env: FakeAnthropic, settings: Any,
                                                          tmp_path: Path) -> None:
    api_env.handler = lambda s: Reply([text("Here are the notes: ...")], "end_turn")
    res = run(one_contract_plan(tmp_path), tmp_path / "out")
    r = res.results["notes"]
    assert (r.status, r.reason) == ("failed", "the model ended its turn 3 times without calling "
                                    "finish; missing artifacts: docs/notes.md")
    reminder = api_env.requests[1].body["messages"][-1]["content"][-1]["text"]
    assert reminder == ("You ended your turn without calling finish. No file yet for: "
                        "docs/notes.md. Continue with the tools and call finish when every "
                        "deliverable is written.")


# ---------------------------------------------------------------- resilience


def test_api_errors_left_after_the_sdk_retries_are_retried_per_contract(
        api_env: FakeAnthropic, settings: Any, tmp_path: Path) -> None:
    api_env.push(error(500, "api_error", "boom", retry_after=0.01),
                 error(529, "overloaded_error", "Overloaded", retry_after=0.01))
    script_notes(api_env)
    res = run(one_contract_plan(tmp_path, retries=1), tmp_path / "out")
    r = res.results["notes"]
    assert (r.status, r.attempts) == ("succeeded", 2)
    assert [s.status for s in api_env.requests] == [500, 529, 200, 200, 200]
    assert log_of(res, "notes").splitlines()[1] == \
        "call 1: overloaded: the API answered 529 overloaded_error after 2 attempt(s): Overloaded"


def test_without_contract_retries_the_api_error_is_the_result(api_env: FakeAnthropic,
                                                             settings: Any,
                                                             tmp_path: Path) -> None:
    api_env.handler = lambda s: error(429, "rate_limit_error", "Rate limited", retry_after=0.01)
    res = run(one_contract_plan(tmp_path, retries=0), tmp_path / "out")
    r = res.results["notes"]
    assert (r.status, r.reason) == ("error", "the API answered 429 rate_limit_error after 2 "
                                    "attempt(s): Rate limited")


def test_a_slow_reply_times_out_and_the_contract_is_retried(api_env: FakeAnthropic,
                                                            settings: Any,
                                                            tmp_path: Path) -> None:
    settings[0] = replace(FAST, client=replace(FAST.client, timeout_s=0.3, max_retries=0))
    api_env.push(Reply([text("late")], delay_s=1.0))
    script_notes(api_env)
    res = run(one_contract_plan(tmp_path, retries=1), tmp_path / "out")
    r = res.results["notes"]
    assert (r.status, r.attempts) == ("succeeded", 2)
    assert log_of(res, "notes").splitlines()[1] == \
        "call 1: timeout: the API did not answer within 0.3 s (1 attempt(s))"


def test_one_contract_failing_never_stops_the_others(api_env: FakeAnthropic, settings: Any,
                                                     tmp_path: Path) -> None:
    def model(seen: Seen) -> Reply:
        if seen.contract_id == "c1":
            return Reply([text("No.")], "refusal")
        return diligent_model(seen)

    api_env.handler = model
    res = run(many_contracts_plan(tmp_path, 4, chain=False), tmp_path / "out")
    assert {k: v.status for k, v in res.results.items()} == \
        {"c0": "succeeded", "c1": "failed", "c2": "succeeded", "c3": "succeeded"}
    assert res.results["c1"].reason == "the model refused (no reason given)"


# ---------------------------------------------------------------- judging


def test_free_text_criteria_are_judged_with_a_rationale(api_env: FakeAnthropic, settings: Any,
                                                        tmp_path: Path) -> None:
    script_notes(api_env)
    api_env.push(Reply([text(json.dumps({"verdicts": [
        {"criterion": 2, "passed": False, "rationale": "No endpoint\nis named."},
        {"criterion": 1, "passed": True, "rationale": "docs/notes.md explains the tasks."}]}))]))
    plan = one_contract_plan(tmp_path, acceptance=("The notes are clear",
                                                   "The notes name every endpoint"))
    res = run(plan, tmp_path / "out")
    checks = report(res)["contracts"][0]["deliverables"][0]["checks"]
    assert checks == [
        {"deliverable": "notes", "check": "text", "description": "The notes are clear",
         "status": "passed", "message": "docs/notes.md explains the tasks."},
        {"deliverable": "notes", "check": "text", "description": "The notes name every endpoint",
         "status": "failed", "message": "No endpoint is named."},
    ]
    judge = api_env.requests[-1]
    assert judge.kind == "judge"
    assert judge.body["output_config"]["format"]["type"] == "json_schema"
    assert "## docs/notes.md" in judge.first_user_text()
    assert res.results["notes"].usage is not None and res.results["notes"].usage.calls == 4


def test_an_invalid_verdict_leaves_the_criteria_unverified(api_env: FakeAnthropic,
                                                           settings: Any, tmp_path: Path) -> None:
    script_notes(api_env)
    api_env.push(Reply([text(json.dumps({"verdicts": [
        {"criterion": 1, "passed": True, "rationale": "fine"}]}))]))
    res = run(one_contract_plan(tmp_path, acceptance=("Clear", "Complete")), tmp_path / "out")
    c = report(res)["contracts"][0]
    assert [ch["status"] for ch in c["deliverables"][0]["checks"]] == ["unverified", "unverified"]
    assert c["findings"] == [{"check": "judge", "message": "free-text acceptance criteria not "
                              "judged: no verdict for criterion 2", "severity": "warning",
                              "contract": "notes"}]


def test_without_judging_free_text_stays_unverified(api_env: FakeAnthropic, settings: Any,
                                                    tmp_path: Path) -> None:
    settings[0] = replace(FAST, judge=False)
    script_notes(api_env)
    res = run(one_contract_plan(tmp_path, acceptance=("Clear",)), tmp_path / "out")
    check = report(res)["contracts"][0]["deliverables"][0]["checks"][0]
    assert (check["status"], check["message"]) == \
        ("unverified", "free-text criterion: not machine-checkable offline")
    assert len(api_env.requests) == 3


# ---------------------------------------------------------------- budget


def test_the_budget_stops_new_and_running_contracts(api_env: FakeAnthropic, settings: Any,
                                                    tmp_path: Path) -> None:
    api_env.handler = diligent_model
    # one worker, a chain: each contract costs ~ $0.02 with these settings
    res = run(many_contracts_plan(tmp_path, 6, workers=1, budget=0.05), tmp_path / "out")
    rep = report(res)
    assert res.exit_code == 1
    assert rep["budget_exceeded"] is True
    assert rep["stop_reason"].startswith("budget_exhausted: budget_usd 0.05 would be exceeded by "
                                         "the next call")
    assert rep["cost_usd"] <= 0.05
    statuses = [res.results[f"c{i}"].status for i in range(6)]
    assert statuses[0] == "succeeded"
    assert "failed" in statuses  # the contract whose next call could not be paid
    stopped = statuses.index("failed")
    assert res.results[f"c{stopped}"].reason.startswith("budget_exhausted: ")
    assert all(s == "blocked" for s in statuses[stopped + 1:])
    assert sum(r.usage.cost_usd for r in res.results.values() if r.usage) == \
        pytest.approx(rep["cost_usd"], abs=1e-6)


# ---------------------------------------------------------------- the key


def test_no_key_is_a_configuration_error_before_anything_is_written(
        api_env: FakeAnthropic, settings: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(ConfigurationError) as e:
        run(one_contract_plan(tmp_path), tmp_path / "out", record=tmp_path / "rec")
    assert e.value.exit_code == 2
    assert "ANTHROPIC_API_KEY" in e.value.message and "--executor offline" in e.value.message
    assert not (tmp_path / "out").exists() and not (tmp_path / "rec").exists()
    assert api_env.requests == []


def _all_bytes(root: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()]


def test_the_key_never_appears_in_any_output(api_env: FakeAnthropic, settings: Any,
                                             tmp_path: Path) -> None:
    api_env.handler = diligent_model
    api_env.push(error(401, "authentication_error", f"bad key {SENTINEL_KEY[:6]}..."))
    plan = many_contracts_plan(tmp_path, 3, workers=2, chain=False)
    res = run(plan, tmp_path / "out", record=tmp_path / "rec")
    assert api_env.requests[0].api_key == SENTINEL_KEY  # it was used
    assert any(r.status == "succeeded" for r in res.results.values())
    files = _all_bytes(tmp_path / "out") + _all_bytes(tmp_path / "rec")
    assert len(files) > 5
    leaks = [str(p) for p, data in files if SENTINEL_KEY.encode() in data]
    assert leaks == []


# ---------------------------------------------------------------- record / replay


TIME_KEYS = ("started_at", "finished_at", "start_s", "duration_s", "wall_s", "sequential_s",
             "savings", "critical_path_s", "critical_path", "lower_bound_s", "efficiency",
             "theoretical_max_savings", "out_dir")


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k not in TIME_KEYS}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def test_a_recorded_build_is_replayed_byte_for_byte(api_env: FakeAnthropic, settings: Any,
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    api_env.handler = diligent_model
    api_env.push(error(429, "rate_limit_error", "slow down", retry_after=0.01))
    plan = many_contracts_plan(tmp_path, 5, workers=3)
    first = run(plan, tmp_path / "a", record=tmp_path / "rec")
    assert all(r.status == "succeeded" for r in first.results.values())
    recorded = len((tmp_path / "rec" / "build.jsonl").read_text().splitlines())
    assert recorded == len(api_env.requests)
    api_env.close()  # no server, no key: replay needs neither
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    second = run(plan, tmp_path / "b", replay=tmp_path / "rec")
    assert {k: r.status for k, r in second.results.items()} == \
        {k: r.status for k, r in first.results.items()}
    a = {p.relative_to(tmp_path / "a"): d for p, d in _all_bytes(tmp_path / "a")}
    b = {p.relative_to(tmp_path / "b"): d for p, d in _all_bytes(tmp_path / "b")}
    assert sorted(a) == sorted(b)
    # every file byte for byte, the build's own bookkeeping (times, paths) aside
    timed = {Path(".teamspec/report.json"), Path(".teamspec/report.md"),
             Path(".teamspec/state.json"), Path(".teamspec/journal.jsonl")}
    same = [p for p in a if p not in timed]
    assert len(same) >= 10
    assert [p for p in same if a[p] != b[p]] == []
    ra, rb = report(first), report(second)
    assert _without_times(ra) == _without_times(rb)
    assert ra["cost_usd"] == rb["cost_usd"] > 0


# ---------------------------------------------------------------- caching


def test_the_shared_prefix_is_cached_across_contracts(api_env: FakeAnthropic, settings: Any,
                                                      tmp_path: Path) -> None:
    api_env.handler = diligent_model
    res = run(many_contracts_plan(tmp_path, 10, workers=4), tmp_path / "out")
    assert all(r.status == "succeeded" for r in res.results.values())
    persona = [s for s in api_env.requests if s.kind == "persona"]
    systems = {json.dumps(s.body["system"], sort_keys=True) for s in persona}
    assert len(systems) == 1  # one system prompt for the whole build
    system = persona[0].body["system"]
    assert system[-1]["cache_control"] == {"type": "ephemeral"}
    assert "# Your contract:" not in system[-1]["text"]  # persona text follows the prefix
    assert len({json.dumps(s.body["tools"]) for s in persona}) == 1
    firsts = [s for s in persona if s.assistant_turns == 0]
    assert len(firsts) == 10
    assert all(s.usage and s.usage["cache_read_input_tokens"] > 0 for s in firsts[1:])
    assert api_env.cached_share() >= 0.70


def test_settings_object_is_frozen() -> None:
    with pytest.raises(AttributeError):
        FAST.max_turns = 3  # type: ignore[misc]
    assert isinstance(FAST, ClaudeSettings)


# ---------------------------------------------------------------- incremental / CLI


def test_a_second_build_is_up_to_date_without_a_call(api_env: FakeAnthropic, settings: Any,
                                                     tmp_path: Path) -> None:
    api_env.handler = diligent_model
    plan = many_contracts_plan(tmp_path, 3, workers=2)
    first = run(plan, tmp_path / "out")
    assert all(r.status == "succeeded" for r in first.results.values())
    calls = len(api_env.requests)
    second = run(plan, tmp_path / "out")
    assert {r.status for r in second.results.values()} == {"up_to_date"}
    assert len(api_env.requests) == calls
    assert report(second)["cost_usd"] == 0


def test_cli_build_with_claude_and_no_key_exits_2(api_env: FakeAnthropic, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from teamspec.cli import main

    monkeypatch.delenv("ANTHROPIC_API_KEY")
    spec = Path(__file__).resolve().parents[2] / "specs" / "minimal.yaml"
    out, err = io.StringIO(), io.StringIO()
    rc = main(["build", str(spec), "--executor", "claude", "-o", str(tmp_path / "out")],
              out=out, err=err)
    assert rc == 2
    assert err.getvalue() == (
        "error: the claude executor needs an Anthropic API key: set ANTHROPIC_API_KEY (export "
        "ANTHROPIC_API_KEY=...), or build without Claude: --executor offline (or replay a "
        "recorded build with --replay DIR)\n")
    assert not (tmp_path / "out").exists()
    assert api_env.requests == []


def test_upstream_artifacts_are_in_the_context(api_env: FakeAnthropic, settings: Any,
                                               tmp_path: Path) -> None:
    api_env.handler = diligent_model
    plan = many_contracts_plan(tmp_path, 2, workers=2)  # c1 depends on c0
    first = run(plan, tmp_path / "out")
    assert first.results["c1"].status == "succeeded"
    c1_first = next(s for s in api_env.requests if s.contract_id == "c1" and s.assistant_turns == 0)
    body = (tmp_path / "out" / "src" / "c0" / "app.py").read_text()
    assert f"## src/c0/app.py (from c0)\n\n```\n{body.rstrip()}\n```" in c1_first.first_user_text()
    # c0 up to date, c1 runs again: c0's files still come from its recorded manifest
    (tmp_path / "out" / "src" / "c1" / "app.py").unlink()
    n = len(api_env.requests)
    second = run(plan, tmp_path / "out")
    assert (second.results["c0"].status, second.results["c1"].status) == ("up_to_date", "succeeded")
    again = next(s for s in api_env.requests[n:] if s.assistant_turns == 0)
    assert again.first_user_text() == c1_first.first_user_text()


def test_the_contract_timeout_cancels_the_loop(api_env: FakeAnthropic, settings: Any,
                                               tmp_path: Path) -> None:
    import anthropic  # noqa: F401  (imported before the clock runs: the import takes a while)

    api_env.push(tools(tool_use("list_files", {})), Reply([text("late")], delay_s=2.0))
    res = run(one_contract_plan(tmp_path, timeout_minutes=0.01), tmp_path / "out")
    r = res.results["notes"]
    assert (r.status, r.reason) == ("failed", "timed out after 0.6 s")
    assert log_of(res, "notes").splitlines()[-1] == "  tool list_files -> no files"


def test_record_and_replay_together_is_a_usage_error(api_env: FakeAnthropic, settings: Any,
                                                     tmp_path: Path) -> None:
    from teamspec.errors import UsageError

    with pytest.raises(UsageError) as e:
        run(one_contract_plan(tmp_path), tmp_path / "out", record=tmp_path / "r",
            replay=tmp_path / "r")
    assert e.value.message == ("--record and --replay cannot be used together: record a build "
                               "first, then replay it")
