"""Contract design: team, contracts, edges, interfaces, effort, deliverables."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from teamspec import layout
from teamspec.analysis import analyse
from teamspec.catalog import load_catalog
from teamspec.design import design, title_from_id
from teamspec.errors import SpecError
from teamspec.model import (
    AcceptanceItem,
    Constraints,
    Contract,
    ContractSpec,
    Deliverable,
    Design,
    Persona,
    SourceMap,
    Spec,
    TeamConfig,
)

TASKS = "Build a task management web application with a REST API and a web UI."
SHOP = ("Build an e-commerce platform as microservices: a user service, a product catalog "
        "service and an order service, each with its own database, plus an API gateway.")
DOCS = "Write a README for the project."
REQUIREMENTS = [
    TASKS, SHOP, DOCS,
    "Build a simple REST API for personal notes.",
    "Fix the bug where the order total is wrong when a discount coupon is applied.",
    "Hotfix: production checkout is down with a 500 error after the last release; fix it ASAP.",
    "Perform a security audit of the authentication and session handling against the OWASP Top 10.",
    "Refactor the monolithic billing module into smaller, well-tested modules without changing "
    "behaviour.",
    "Build a data pipeline that ingests CSV sales files every night, cleans and aggregates them, "
    "and loads the results into a PostgreSQL warehouse.",
    "Design and build a multi-tenant SaaS project management platform with teams, projects, "
    "tasks, time tracking, invoicing, role-based permissions, an admin UI, a public REST API, "
    "SSO, audit logs and Kubernetes deployment.",
]
BLUEPRINTS = list(load_catalog().blueprints)


def make_spec(requirement: str, tmp: Path = Path("/tmp"), **kw: Any) -> Spec:
    prefer = kw.pop("prefer_parallel", True)
    return Spec(path=tmp / "spec.yaml", name="t", requirement=requirement,
                constraints=Constraints(prefer_parallel=prefer),
                source=SourceMap("specs/t.yaml", kw.pop("positions", {})), **kw)


def run(spec: Spec) -> Design:
    return design(spec, analyse(spec.requirement))


def by_id(d: Design) -> dict[str, Contract]:
    return {c.id: c for c in d.contracts}


def check_design(d: Design) -> None:
    """Invariants every design holds."""
    ids = [c.id for c in d.contracts]
    assert len(ids) == len(set(ids))
    team = [p.id for p in d.team]
    assert len(team) == len(set(team))
    providers = {c.provider for c in d.contracts}
    assert set(team) <= providers, "every persona of the team has a contract"
    assert providers <= set(team)
    known = set(ids)
    contracts = by_id(d)
    for c in d.contracts:
        assert set(c.depends_on) <= known and set(c.uses) <= known
        assert not set(c.depends_on) & set(c.uses)
        for u in c.uses:
            assert contracts[u].mock, f"{c.id} uses {u} which has no mock"
        assert c.effort_hours >= 0.5 and (c.effort_hours * 2).is_integer()
        assert c.deliverables
        for dl in c.deliverables:
            assert dl.artifacts
    # acyclic
    state: dict[str, int] = {}

    def visit(cid: str) -> None:
        assert state.get(cid) != 1, f"cycle through {cid}"
        if state.get(cid) == 2:
            return
        state[cid] = 1
        for x in (*contracts[cid].depends_on, *contracts[cid].uses):
            visit(x)
        state[cid] = 2

    for cid in ids:
        visit(cid)


# ------------------------------------------------------------------ designed


@pytest.mark.parametrize("requirement", REQUIREMENTS)
def test_invariants_for_chosen_blueprints(requirement: str) -> None:
    d = run(make_spec(requirement))
    check_design(d)
    assert d.blueprint.alternatives and len(d.blueprint.alternatives) == 2


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
@pytest.mark.parametrize("requirement", [TASKS, SHOP, DOCS])
def test_every_blueprint_gives_every_persona_a_contract(blueprint: str, requirement: str) -> None:
    d = run(make_spec(requirement, team=TeamConfig(blueprint=blueprint)))
    assert d.blueprint.id == blueprint and d.blueprint.requested
    check_design(d)


def test_full_stack_design() -> None:
    d = run(make_spec(TASKS))
    c = by_id(d)
    assert d.blueprint.id == "parallel-elastic"
    assert list(c) == ["requirements", "ui_design", "database_schema", "task_api", "web_ui",
                       "contract_tests"]
    api = c["task_api"]
    assert (api.name, api.type, api.provider, api.mock) == ("Task API", "rest_api",
                                                            "backend_developer", True)
    assert api.serve == "python backend/app.py --port {port}"
    assert api.interface is not None
    assert (api.interface.kind, api.interface.origin) == ("openapi", "designed")
    validate(api.interface.document)
    assert list(api.interface.document["paths"]) == ["/tasks", "/tasks/{taskId}"]
    assert api.deliverables[0].artifacts == ("backend/**/*.py",)
    checks = [a.check for a in api.deliverables[0].acceptance if a.check]
    assert checks == ["openapi_valid", "conforms"]
    assert api.consumers == ("frontend_developer", "qa_engineer")
    # interface consumers start against the mock
    assert c["web_ui"].uses == ("task_api",) and "task_api" not in c["web_ui"].depends_on
    assert c["contract_tests"].uses == ("task_api",)
    assert AcceptanceItem(check="file_contains", path="frontend/api.js", text="/tasks") in \
        c["web_ui"].deliverables[0].acceptance
    assert AcceptanceItem(check="file_contains", path="tests/contract/test_task_api.py",
                          text="/tasks") in c["contract_tests"].deliverables[0].acceptance
    assert any(a.pattern and "tasks" in a.pattern for a in c["database_schema"].deliverables[0].acceptance)
    for cid, contract in c.items():
        if cid != "task_api":
            assert contract.type == "deliverable" and not contract.mock and contract.serve is None
            pid = contract.provider
            assert cid == layout.PERSONA_ARTIFACTS[pid][0]
            assert tuple(a for dl in contract.deliverables for a in dl.artifacts) == \
                layout.PERSONA_ARTIFACTS[pid][1]


def test_effort_split_by_persona_weight() -> None:
    spec = make_spec(TASKS)
    analysis = analyse(TASKS)
    d = design(spec, analysis)
    total = sum(c.effort_hours for c in d.contracts)
    assert abs(total - analysis.effort_hours) <= 0.5 * len(d.contracts)
    c = by_id(d)
    assert c["task_api"].effort_hours > c["web_ui"].effort_hours > c["requirements"].effort_hours


def test_microservices_get_one_rest_contract_per_service() -> None:
    d = run(make_spec(SHOP))
    c = by_id(d)
    rest = [x for x in d.contracts if x.type == "rest_api"]
    assert [x.id for x in rest] == ["user_api", "product_api", "order_api"]
    for x in rest:
        assert x.serve == f"python services/{x.id}/app.py --port {{port}}"
        assert x.deliverables[0].artifacts == (f"services/{x.id}/**/*.py",)
        assert x.mock and x.interface is not None
        validate(x.interface.document)
    assert c["web_ui"].uses == ("user_api", "product_api", "order_api")
    # integration testing runs the real services
    assert {"user_api", "product_api", "order_api"} <= set(c["integration_tests"].depends_on)
    assert not c["integration_tests"].uses
    check_design(d)


def test_documentation_only_has_no_frontend_developer() -> None:
    for text in (DOCS, "Document the public REST API: write an API reference, a getting-started "
                       "tutorial and a troubleshooting guide."):
        for blueprint in ("auto", "parallel-basic", "sequential-basic", "hybrid-full-sdlc"):
            d = run(make_spec(text, team=TeamConfig(blueprint=blueprint)))
            assert "frontend_developer" not in [p.id for p in d.team], (text, blueprint)
            assert all(c.provider != "frontend_developer" for c in d.contracts)
            check_design(d)
    d = run(make_spec(DOCS))
    assert [c.id for c in d.contracts] == ["requirements", "documentation", "project_review"]
    # no API to document: the README is the deliverable
    assert [dl.name for dl in by_id(d)["documentation"].deliverables] == ["readme"]


def test_prefer_parallel_false_chains_contracts() -> None:
    d = run(make_spec(TASKS, prefer_parallel=False))
    assert d.blueprint.id.startswith("sequential-")
    check_design(d)
    assert all(not c.uses for c in d.contracts)
    # a chain: each contract waits for the one before
    cs = list(d.contracts)
    for prev, cur in itertools.pairwise(cs):
        assert cur.depends_on == (prev.id,)


def test_collaborative_and_security_shapes() -> None:
    d = run(make_spec(TASKS, team=TeamConfig(blueprint="collaborative-consensus")))
    c = by_id(d)
    assert c["design_consensus"].provider == "project_reviewer"
    assert set(c["design_consensus"].depends_on) == {"architecture", "ui_design", "database_schema"}
    assert "design_consensus" in c["task_api"].depends_on
    assert c["design_consensus"].deliverables[0].artifacts == ("docs/design_consensus.md",)
    assert "project_review" in c

    sec = run(make_spec("Perform a security audit of the authentication and session handling "
                        "against the OWASP Top 10."))
    s = by_id(sec)
    assert sec.blueprint.id == "specialized-security"
    assert s["security_review"].depends_on == ("requirements",)
    # `api` is implied: contract_tests waits for it
    assert s["security_signoff"].depends_on == ("ci_pipeline", "contract_tests")
    assert s["contract_tests"].depends_on == ("api",)
    assert s["project_review"].depends_on == ("security_signoff",)
    assert "security_review" in s["api"].depends_on
    assert s["api"].type == "deliverable"
    assert s["api"].deliverables[0].name == "backend_change"


def test_implied_dependencies_are_left_out_but_uses_never_implies() -> None:
    text = ("Build a task management web application with a REST API and a web UI. Users create "
            "tasks with a title, a description, a status and a due date, list and filter them, "
            "update them and delete them. Include a database schema, contract tests, a security "
            "review, CI and a Dockerfile.")
    d = run(make_spec(text))
    c = by_id(d)
    assert d.blueprint.id == "parallel-elastic"
    # technical_writer and integration_tester are not on the team: their edges pass
    # through, and what another dependency already implies is dropped
    assert c["project_review"].depends_on == ("contract_tests", "security_review", "deployment")
    # web_ui only *uses* task_api, so deployment must still wait for task_api itself
    assert c["deployment"].depends_on == ("task_api", "web_ui", "ci_pipeline", "database_schema")
    # contract_tests uses task_api; its wait for requirements is not implied by that
    assert c["contract_tests"].depends_on == ("requirements",)
    check_design(d)


def test_deterministic() -> None:
    def dump(d: Design) -> str:
        return json.dumps([
            [c.id, c.provider, c.depends_on, c.uses, c.consumers, c.effort_hours, c.serve,
             c.interface.document if c.interface else None, repr(c.deliverables)]
            for c in d.contracts
        ])

    for text in REQUIREMENTS:
        a, b = run(make_spec(text)), run(make_spec(text))
        assert a == b
        assert dump(a) == dump(b)


def test_title_from_id() -> None:
    assert title_from_id("task_api") == "Task API"
    assert title_from_id("ci_pipeline") == "CI Pipeline"
    assert title_from_id("ui_design") == "UI Design"
    assert title_from_id("line_item_api") == "Line Item API"


# ------------------------------------------------------------------ explicit team


def test_explicit_team_and_spec_persona() -> None:
    ml = Persona(id="ml_engineer", name="ML Engineer", expertise=("python", "pytorch"),
                 source="spec")
    spec = make_spec(TASKS, personas=(ml,),
                     team=TeamConfig(personas=("backend_developer", "frontend_developer",
                                               "security_specialist", "ml_engineer")))
    d = run(spec)
    assert [p.id for p in d.team] == ["backend_developer", "frontend_developer",
                                      "security_specialist", "ml_engineer"]
    check_design(d)
    c = by_id(d)
    assert c["ml_engineer_work"].provider == "ml_engineer"
    assert c["ml_engineer_work"].deliverables[0].artifacts == ("docs/ml_engineer_work.md",)
    # security review needs the implementation (its hybrid-full-sdlc template)
    assert c["security_review"].depends_on == ("task_api",)


def test_unknown_personas_are_reported_together() -> None:
    spec = make_spec(
        TASKS,
        team=TeamConfig(personas=("backend_developer", "frontend_develper")),
        contracts=(ContractSpec(id="x", provider="wizard"),),
        positions={("team", "personas", 1): (5, 30), ("contracts", 0, "provider"): (9, 15)},
    )
    with pytest.raises(SpecError) as err:
        run(spec)
    assert err.value.lines() == [
        "specs/t.yaml:5:30: error: team.personas[1]: unknown persona `frontend_develper`: expected a "
        "catalog persona (see `teamspec personas`) or one declared under `personas:`; did you mean "
        "`frontend_developer`?",
        "specs/t.yaml:9:15: error: contracts[0].provider: unknown persona `wizard`: expected a "
        "catalog persona (see `teamspec personas`) or one declared under `personas:`",
    ]


# ------------------------------------------------------------------ hand-written


FULL = ContractSpec(
    id="task_api", provider="backend_developer", name="Tasks", description="The task API",
    type="rest_api", consumers=("frontend_developer",), mock=False, depends_on=("requirements",),
    uses=(), effort_hours=8.0, executor="command", run="make api",
    serve="python backend/app.py --port {port}", timeout_minutes=5.0, retries=1,
    deliverables=(Deliverable(name="impl", description="it", artifacts=("backend/app.py",),
                              acceptance=(AcceptanceItem(check="command", run="make test"),)),),
)


def test_hand_written_contracts_are_kept_exactly() -> None:
    spec = make_spec(TASKS, contracts=(FULL,))
    d = run(spec)
    c = by_id(d)
    api = c["task_api"]
    assert api.origin == "spec"
    for f in ("name", "description", "type", "consumers", "mock", "depends_on", "uses",
              "effort_hours", "executor", "run", "serve", "timeout_minutes", "retries",
              "deliverables"):
        assert getattr(api, f) == getattr(FULL, f), f
    # its rest_api interface was left out: designed from the id, mock stays as written
    assert api.interface is not None and api.interface.origin == "designed"
    validate(api.interface.document)
    assert next(iter(api.interface.document["paths"])) == "/tasks"
    # the backend has a contract: no second one is designed
    assert [x.id for x in d.contracts if x.provider == "backend_developer"] == ["task_api"]
    # the referenced `requirements` contract exists, designed
    assert c["requirements"].origin == "designed"
    # a consumer of a contract without mock waits for it
    assert "task_api" in c["web_ui"].depends_on and "task_api" not in c["web_ui"].uses
    check_design(d)


def test_hand_written_gaps_are_filled() -> None:
    spec = make_spec(TASKS, contracts=(
        ContractSpec(id="task_api", provider="backend_developer"),
        ContractSpec(id="style_guide", provider="ui_ux_designer", depends_on=("task_api",)),
    ))
    d = run(spec)
    c = by_id(d)
    api = c["task_api"]
    assert (api.name, api.type, api.mock) == ("Task API", "rest_api", True)
    assert api.interface is not None and api.interface.origin == "designed"
    assert api.serve is None  # serve is not invented for a hand-written contract
    assert [a.check for a in api.deliverables[0].acceptance if a.check] == ["openapi_valid"]
    assert api.consumers  # filled from the contracts that use it
    guide = c["style_guide"]
    assert (guide.name, guide.type, guide.mock) == ("Style Guide", "deliverable", False)
    assert guide.depends_on == ("task_api",)
    assert guide.deliverables[0].artifacts == layout.PERSONA_ARTIFACTS["ui_ux_designer"][1][:1]
    assert guide.effort_hours >= 0.5
    check_design(d)


def test_inline_interface_sets_type(tmp_path: Path) -> None:
    doc = {"openapi": "3.0.3", "info": {"title": "Ping", "version": "1"},
           "paths": {"/ping": {"get": {"responses": {"200": {"description": "pong"}}}}}}
    spec = make_spec(TASKS, tmp=tmp_path,
                     contracts=(ContractSpec(id="ping", provider="backend_developer",
                                             interface=doc),))
    c = by_id(run(spec))["ping"]
    assert c.type == "rest_api"
    assert c.interface is not None and c.interface.origin == "inline"
    assert c.interface.document == doc
    assert c.mock is False


def test_file_interface_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "notes.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: Notes, version: '1'}\n"
        "paths:\n  /notes:\n    get:\n      responses:\n        '200': {description: ok}\n")
    spec = make_spec(TASKS, tmp=tmp_path, contracts=(
        ContractSpec(id="notes", provider="backend_developer", interface="contracts/notes.yaml",
                     mock=True, consumers=("frontend_developer", "qa_engineer")),))
    d = run(spec)
    c = by_id(d)
    assert c["notes"].interface is not None and c["notes"].interface.origin == "file"
    assert c["notes"].type == "rest_api"
    assert c["web_ui"].uses == ("notes",)
    assert AcceptanceItem(check="file_contains", path="tests/contract/test_notes.py",
                          text="/notes") in c["contract_tests"].deliverables[0].acceptance
    check_design(d)


def test_designed_edge_that_would_close_a_cycle_is_left_out() -> None:
    spec = make_spec(TASKS, contracts=(
        ContractSpec(id="task_api", provider="backend_developer", mock=True,
                     depends_on=("contract_tests",)),
    ))
    d = run(spec)
    assert "left out the edge contract_tests -> task_api: it would close a cycle" in d.warnings
    c = by_id(d)
    assert c["task_api"].depends_on == ("contract_tests",)
    assert "task_api" not in c["contract_tests"].uses


def test_large_hand_written_spec_is_designed_quickly() -> None:
    contracts = tuple(
        ContractSpec(id=f"c{i}", provider="backend_developer" if i % 2 else "qa_engineer",
                     type="deliverable", depends_on=(f"c{i - 1}",) if i else ())
        for i in range(3000)
    )
    spec = make_spec(TASKS, contracts=contracts, team=TeamConfig(personas=("qa_engineer",)))
    d = run(spec)
    assert len(d.contracts) == 3000
    assert [p.id for p in d.team] == ["qa_engineer", "backend_developer"]
