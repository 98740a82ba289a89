"""AI analysis and design: structured output, local validation, fallback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teamspec.claude.analysis import (
    analyse_with_claude,
    apply_refinement,
    plan_with_claude,
    refine_design_with_claude,
)
from teamspec.claude.client import AnthropicClient, ClientSettings
from teamspec.design import design
from teamspec.errors import ConfigurationError
from teamspec.spec import load_spec
from tests.claude.conftest import SENTINEL_KEY
from tests.claude.fake_api import FakeAnthropic, Reply, diligent_model, error, text

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "specs" / "minimal.yaml"

GOOD = {"type": "feature_development", "complexity": "complex",
        "parallelizability": "fully_parallel", "effort_hours": 31.3,
        "expertise": ["testing", "backend"], "entities": ["notes", "tags"],
        "risks": ["data   loss"], "confidence": 0.834}


def client(fake: FakeAnthropic) -> AnthropicClient:
    return AnthropicClient(api_key=SENTINEL_KEY, settings=ClientSettings(
        max_retries=0, timeout_s=5.0, base_url=fake.url))


def test_analysis_with_structured_output(fake: FakeAnthropic) -> None:
    fake.push(Reply([text(json.dumps(GOOD))]))
    a = analyse_with_claude(load_spec(MINIMAL), client(fake))
    assert (a.source, a.type, a.complexity, a.parallelizability) == \
        ("claude", "feature_development", "complex", "fully_parallel")
    assert (a.effort_hours, a.confidence) == (31.5, 0.83)
    assert a.expertise == ("backend", "testing")  # canonical order
    assert a.entities == ("note", "tag")  # singular
    assert a.risks == ("data loss",)
    assert a.warnings == ()
    req = fake.requests[0]
    assert req.kind == "analysis"
    fmt = req.body["output_config"]["format"]
    assert fmt["type"] == "json_schema"
    assert fmt["schema"]["additionalProperties"] is False
    assert fmt["schema"]["properties"]["type"]["enum"][0] == "feature_development"


@pytest.mark.parametrize(("reply", "why"), [
    (Reply([text('{"type": "feature_development"')]),
     "the analysis answer is not JSON (Expecting ',' delimiter: line 1 column 31 (char 30))"),
    (Reply([text(json.dumps({**GOOD, "type": "rewrite"}))]),
     "the answer does not match teamspec's schema: type: 'rewrite' is not one of "
     "['feature_development', 'bug_fix', 'refactoring', 'performance_optimization', "
     "'security_audit', 'testing', 'documentation', 'deployment', 'maintenance']"),
    (Reply([text(json.dumps({**GOOD, "effort_hours": -4}))]),
     "the answer does not match teamspec's schema: effort_hours: -4 is less than the minimum "
     "of 0.5"),
    (Reply([text(json.dumps({**GOOD, "entities": ["Task Lists"]}))]),
     "the answer does not match teamspec's schema: entities/0: 'Task Lists' does not match "
     "'^[a-z][a-z0-9_]*$'"),
    (Reply([text(json.dumps({**GOOD, "mood": "happy"}))]),
     "the answer does not match teamspec's schema: (root): Additional properties are not "
     "allowed ('mood' was unexpected)"),
    (Reply([text("{}")], "refusal", stop_details={"type": "refusal", "explanation": "no"}),
     "the model refused the analysis (no)"),
    (Reply([text('{"type":')], "max_tokens"), "the analysis was cut off at max_tokens (4096)"),
    (error(500, "api_error", "boom"), "the API answered 500 api_error after 1 attempt(s): boom"),
])
def test_any_failure_falls_back_to_the_heuristic_with_a_warning(fake: FakeAnthropic, reply: Reply,
                                                               why: str) -> None:
    fake.push(reply)
    spec = load_spec(MINIMAL)
    a = analyse_with_claude(spec, client(fake))
    assert a.source == "heuristic"
    assert a.warnings[0] == f"Claude requirement analysis failed ({why}); used the heuristic analysis"


def test_design_refinement_touches_only_designed_contracts(fake: FakeAnthropic) -> None:
    spec = load_spec(MINIMAL)
    from teamspec.analysis import analyse

    analysis = analyse(spec.requirement)
    d = design(spec, analysis)
    designed = [c for c in d.contracts if c.origin == "designed"]
    target = designed[0]
    fake.push(Reply([text(json.dumps({"contracts": [
        {"id": target.id, "description": "Write  the\nrequirements.", "effort_hours": 2.2,
         "acceptance": ["Every story has an acceptance criterion"]}]}))]))
    refined = refine_design_with_claude(spec, analysis, d, client(fake))
    after = {c.id: c for c in refined.contracts}
    assert after[target.id].description == "Write the requirements."
    assert after[target.id].effort_hours == 2.0
    assert after[target.id].deliverables[0].acceptance[-1].text == \
        "Every story has an acceptance criterion"
    for c in d.contracts:
        if c.id != target.id:
            assert after[c.id] == c
    ids = fake.requests[0].body["output_config"]["format"]["schema"]["properties"]["contracts"][
        "items"]["properties"]["id"]["enum"]
    assert ids == [c.id for c in designed]


def test_a_refinement_naming_an_unknown_contract_is_rejected() -> None:
    spec = load_spec(MINIMAL)
    from teamspec.analysis import analyse

    d = design(spec, analyse(spec.requirement))
    with pytest.raises(ValueError) as e:
        apply_refinement(d, {"contracts": [{"id": "nope", "description": "x", "effort_hours": 1,
                                             "acceptance": []}]})
    assert str(e.value).startswith("the answer does not match teamspec's schema: contracts/0/id: "
                                   "'nope' is not one of [")


def test_plan_with_claude(api_env: FakeAnthropic) -> None:
    api_env.handler = diligent_model
    plan = plan_with_claude(MINIMAL)
    assert plan.analysis.source == "claude"
    assert plan.analysis.entities == ("task", "user")
    assert [s.kind for s in api_env.requests] == ["analysis", "design"]
    designed = [c for c in plan.contracts if c.origin == "designed"]
    assert designed and all(c.description == f"Refined description of {c.id}." for c in designed)
    assert all(c.effort_hours == 3.0 for c in designed)
    assert not [w for w in plan.warnings if "Claude" in w]


def test_plan_with_claude_falls_back_with_warnings(api_env: FakeAnthropic) -> None:
    api_env.handler = lambda s: error(400, "invalid_request_error", "schema too complex")
    plan = plan_with_claude(MINIMAL)
    assert plan.analysis.source == "heuristic"
    why = "the API answered 400 invalid_request_error: schema too complex"
    assert f"Claude requirement analysis failed ({why}); used the heuristic analysis" in plan.warnings
    assert f"Claude contract design failed ({why}); kept teamspec's own design" in plan.warnings


def test_plan_with_claude_needs_a_key(api_env: FakeAnthropic,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(ConfigurationError) as e:
        plan_with_claude(MINIMAL)
    assert "ANTHROPIC_API_KEY" in e.value.message
    assert api_env.requests == []


def test_plan_calls_are_recorded_and_replayed(api_env: FakeAnthropic, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    api_env.handler = diligent_model
    first = plan_with_claude(MINIMAL, record=tmp_path / "rec")
    assert len((tmp_path / "rec" / "plan.jsonl").read_text().splitlines()) == 2
    api_env.close()
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    again = plan_with_claude(MINIMAL, replay=tmp_path / "rec")
    assert again.analysis == first.analysis
    assert again.contracts == first.contracts


def test_the_same_spec_is_planned_again_without_a_call(api_env: FakeAnthropic) -> None:
    api_env.handler = diligent_model
    first = plan_with_claude(MINIMAL)
    assert len(api_env.requests) == 2
    again = plan_with_claude(MINIMAL)
    assert len(api_env.requests) == 2  # answered from the cache
    assert (again.analysis, again.contracts) == (first.analysis, first.contracts)
    plan_with_claude(MINIMAL, reuse=False)
    assert len(api_env.requests) == 4


def test_the_fallback_warning_reaches_the_build_report(api_env: FakeAnthropic, settings: object,
                                                       tmp_path: Path) -> None:
    from teamspec.engine.runner import build

    api_env.push(error(400, "invalid_request_error", "no"), error(400, "invalid_request_error", "no"))
    api_env.handler = diligent_model
    plan = plan_with_claude(MINIMAL)
    res = build(plan, out=tmp_path / "out", only=["requirements"], backoff_s=0.01)
    why = "the API answered 400 invalid_request_error: no"
    assert res.report["warnings"][:2] == [
        f"Claude requirement analysis failed ({why}); used the heuristic analysis",
        f"Claude contract design failed ({why}); kept teamspec's own design"]
    assert res.report["analysis"]["source"] == "heuristic"
    assert res.results["requirements"].status == "succeeded"
    md = (tmp_path / "out" / ".teamspec" / "report.md").read_text()
    assert f"- Claude requirement analysis failed ({why}); used the heuristic analysis" in md


def test_planning_calls_count_toward_the_reported_cost(api_env: FakeAnthropic, tmp_path: Path) -> None:
    from teamspec.engine.runner import build

    api_env.handler = diligent_model
    plan = plan_with_claude(MINIMAL, reuse=False)
    assert plan.planning_cost_usd > 0
    res = build(plan, out=tmp_path / "out", only=["requirements"], executor="offline", backoff_s=0.01)
    assert res.report["planning_cost_usd"] == round(plan.planning_cost_usd, 6)
    assert res.report["cost_usd"] == round(plan.planning_cost_usd, 6)  # offline contracts cost nothing
