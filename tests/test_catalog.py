"""The persona and blueprint catalog, and blueprint scoring."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from teamspec import layout
from teamspec.analysis import EXPERTISE, analyse
from teamspec.catalog import (
    CATEGORIES,
    Blueprint,
    Catalog,
    choose_blueprint,
    load_catalog,
    score_blueprint,
)
from teamspec.errors import SpecError
from teamspec.model import (
    COMPLEXITIES,
    PARALLELIZABILITY,
    Analysis,
    BlueprintChoice,
    Constraints,
    Persona,
    SourceMap,
    Spec,
    TeamConfig,
)

PERSONAS = (
    "requirement_analyst", "solution_architect", "ui_ux_designer", "frontend_developer",
    "backend_developer", "database_specialist", "devops_engineer", "qa_engineer",
    "security_specialist", "technical_writer", "deployment_specialist", "integration_tester",
    "project_reviewer",
)
BLUEPRINTS = (
    "sequential-basic", "sequential-elastic", "sequential-performance", "parallel-basic",
    "parallel-elastic", "parallel-contract-first", "collaborative-consensus",
    "collaborative-debate", "specialized-emergency", "specialized-bugfix",
    "specialized-security", "hybrid-full-sdlc",
)


def make_spec(requirement: str, *, prefer_parallel: bool = True, blueprint: str = "auto",
              tmp: Path = Path("/tmp")) -> Spec:
    return Spec(
        path=tmp / "spec.yaml", name="t", requirement=requirement,
        constraints=Constraints(prefer_parallel=prefer_parallel),
        team=TeamConfig(blueprint=blueprint),
        source=SourceMap("specs/t.yaml", {("team", "blueprint"): (9, 3)}),
    )


def choose(requirement: str, *, prefer_parallel: bool = True,
           blueprint: str = "auto") -> tuple[Blueprint, BlueprintChoice]:
    spec = make_spec(requirement, prefer_parallel=prefer_parallel, blueprint=blueprint)
    return choose_blueprint(analyse(requirement), spec, load_catalog())


# ------------------------------------------------------------------ personas


def test_thirteen_distinct_personas() -> None:
    cat = load_catalog()
    assert tuple(cat.personas) == PERSONAS
    names = [p.name for p in cat.personas.values()]
    assert len(set(names)) == 13
    expertise = [frozenset(p.expertise) for p in cat.personas.values()]
    assert len(set(expertise)) == 13
    for p in cat.personas.values():
        assert p.source == "catalog"
        assert p.name and p.role.endswith(".")
        assert len(p.expertise) >= 3
        assert len(p.responsibilities) >= 2
        assert p.deliverables
        for d in p.deliverables:
            assert d.name and d.description and d.artifacts and d.acceptance
        assert cat.weight(p.id) > 0


@pytest.mark.parametrize("pid", PERSONAS)
def test_persona_artifacts_follow_layout(pid: str) -> None:
    persona = load_catalog().personas[pid]
    artifacts = tuple(a for d in persona.deliverables for a in d.artifacts)
    assert artifacts == layout.PERSONA_ARTIFACTS[pid][1]


def test_machine_checks_where_honest() -> None:
    cat = load_catalog()
    with_checks = {p.id for p in cat.personas.values()
                   if any(a.is_machine_check for d in p.deliverables for a in d.acceptance)}
    # contract tests and integration tests get their checks from design
    assert with_checks == set(PERSONAS) - {"qa_engineer", "integration_tester"}
    for p in cat.personas.values():
        for d in p.deliverables:
            for a in d.acceptance:
                if a.check == "file_contains":
                    assert a.path in d.artifacts
                    assert (a.text is None) != (a.pattern is None)


def test_every_analysis_skill_is_offered_by_a_persona() -> None:
    offered = {t for p in load_catalog().personas.values() for t in p.expertise}
    assert set(EXPERTISE) <= offered


def test_spec_personas_extend_the_catalog() -> None:
    base = load_catalog()
    ml = Persona(id="ml_engineer", name="ML Engineer", expertise=("python", "pytorch"))
    cat = load_catalog([ml])
    assert tuple(cat.personas)[:13] == PERSONAS
    assert cat.personas["ml_engineer"].source == "spec"
    assert cat.personas["ml_engineer"].expertise == ("python", "pytorch")
    assert "ml_engineer" not in base.personas  # the cached catalog is untouched
    assert load_catalog() is base
    assert cat.blueprints is base.blueprints
    assert cat.weight("ml_engineer") == 1.0


def test_catalog_import_is_light() -> None:
    code = ("import sys, teamspec.catalog as c; c.load_catalog(); "
            "print(sorted(m for m in ('networkx', 'anthropic', 'matplotlib', 'jsonschema', "
            "'openapi_spec_validator') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True, cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ blueprints


def test_twelve_blueprints() -> None:
    cat = load_catalog()
    assert tuple(cat.blueprints) == BLUEPRINTS
    for bp in cat.blueprints.values():
        assert bp.category in CATEGORIES
        assert bp.id.split("-")[0] == bp.category
        assert bp.name and bp.description and bp.shape
        assert set(bp.parallelizability) <= set(PARALLELIZABILITY)
        assert set(bp.complexities) <= set(COMPLEXITIES)
        assert bp.types
        assert set(bp.personas) <= set(PERSONAS)
        assert set(bp.core) | set(bp.elastic) == set(bp.personas)
    assert set(cat.blueprints["hybrid-full-sdlc"].personas) == set(PERSONAS)


def _shape(bp: Blueprint) -> tuple[frozenset[str], frozenset[tuple[str, str, str]]]:
    edges = frozenset((t.key, ref, kind) for t in bp.contracts
                      for kind, refs in (("d", t.depends_on), ("u", t.uses)) for ref in refs)
    return frozenset(bp.personas), edges


def test_blueprints_are_genuinely_different() -> None:
    cat = load_catalog()
    teams = [frozenset(bp.core) for bp in cat.blueprints.values()]
    shapes = [_shape(bp) for bp in cat.blueprints.values()]
    assert len(set(shapes)) == 12
    # no two blueprints share both team and edges; few share a core team
    assert len(set(teams)) >= 11


def test_blueprint_templates_are_acyclic() -> None:
    for bp in load_catalog().blueprints.values():
        keys = {t.key: t for t in bp.contracts}
        state: dict[str, int] = {}

        def visit(k: str, bp: Blueprint = bp, keys: dict = keys, state: dict = state) -> None:  # type: ignore[type-arg]
            assert state.get(k) != 1, f"{bp.id}: cycle through {k}"
            if state.get(k) == 2 or k not in keys:
                return
            state[k] = 1
            for r in (*keys[k].depends_on, *keys[k].uses):
                visit(r)
            state[k] = 2

        for k in keys:
            visit(k)


def test_dependency_shapes() -> None:
    cat = load_catalog()
    seq = cat.blueprints["sequential-basic"]
    assert all(not t.uses for t in seq.contracts)
    assert [len(t.depends_on) for t in seq.contracts] == [0, 1, 1, 1, 1]
    cf = cat.blueprints["parallel-contract-first"]
    assert cf.template("frontend_developer").uses == ("backend_developer",)  # type: ignore[union-attr]
    assert "backend_developer" in cf.template("integration_tester").depends_on  # type: ignore[union-attr]
    assert cat.blueprints["collaborative-consensus"].template("design_consensus") is not None
    assert cat.blueprints["collaborative-debate"].template("design_decision") is not None
    sec = cat.blueprints["specialized-security"]
    assert sec.template("backend_developer").depends_on == ("security_specialist",)  # type: ignore[union-attr]
    assert sec.template("security_signoff").persona == "security_specialist"  # type: ignore[union-attr]


def test_elastic_team_follows_expertise() -> None:
    cat = load_catalog()
    docs = analyse("Write a README for the project.")
    assert cat.blueprints["sequential-elastic"].team_for(docs, cat) == (
        "requirement_analyst", "technical_writer", "project_reviewer")
    app = analyse("Build a task management web application with a REST API and a web UI.")
    team = cat.blueprints["parallel-elastic"].team_for(app, cat)
    assert {"frontend_developer", "ui_ux_designer", "backend_developer"} <= set(team)
    assert "deployment_specialist" not in team


# ------------------------------------------------------------------ choice

SAMPLES = [
    ("Build a task management web application with a REST API and a web UI.", "parallel-elastic"),
    ("Build a simple REST API for personal notes.", "sequential-basic"),
    ("Build an e-commerce platform as microservices: a user service, a product catalog service "
     "and an order service, each with its own database, plus an API gateway.",
     "parallel-contract-first"),
    ("Design and build a multi-tenant SaaS project management platform with teams, projects, "
     "tasks, time tracking, invoicing, role-based permissions, an admin UI, a public REST API, "
     "SSO, audit logs and Kubernetes deployment.", "hybrid-full-sdlc"),
    ("Fix the bug where the order total is wrong when a discount coupon is applied.",
     "specialized-bugfix"),
    ("Hotfix: production checkout is down with a 500 error after the last release; fix it ASAP.",
     "specialized-emergency"),
    ("The search endpoint is slow: p95 latency is 3 seconds. Profile it, add database indexes "
     "and caching to bring it under 300 ms.", "sequential-performance"),
    ("Perform a security audit of the authentication and session handling against the OWASP "
     "Top 10.", "specialized-security"),
    ("Refactor the monolithic billing module into smaller, well-tested modules without changing "
     "behaviour.", "collaborative-debate"),
    ("Write a README for the project.", "sequential-elastic"),
    ("Add unit, integration and end-to-end tests for the checkout flow, and run them in CI.",
     "parallel-elastic"),
]


@pytest.mark.parametrize(("requirement", "expected"), SAMPLES)
def test_choice_for_sample_requirements(requirement: str, expected: str) -> None:
    bp, choice = choose(requirement)
    assert bp.id == expected == choice.id


@pytest.mark.parametrize("requirement", [s[0] for s in SAMPLES])
def test_two_alternatives_with_reasons(requirement: str) -> None:
    _, choice = choose(requirement)
    assert not choice.requested
    assert 0.0 <= choice.score <= 1.0
    assert choice.reasons
    alts = choice.alternatives
    assert len(alts) == 2
    assert choice.id not in {a.id for a in alts}
    assert alts[0].score >= alts[1].score
    assert choice.score >= alts[0].score
    for a in alts:
        assert len(a.reasons) >= 4 and all(isinstance(r, str) and r for r in a.reasons)


@pytest.mark.parametrize("requirement", [s[0] for s in SAMPLES])
def test_prefer_parallel_false_yields_sequential(requirement: str) -> None:
    bp, choice = choose(requirement, prefer_parallel=False)
    assert bp.category == "sequential"
    for alt in choice.alternatives:
        if not load_catalog().blueprints[alt.id].is_sequential:
            assert "prefer_parallel is false: a non-sequential team is penalised" in alt.reasons


def test_reasons_read_as_sentences() -> None:
    _, choice = choose("Build a task management web application with a REST API and a web UI.")
    assert choice.reasons == (
        "made for partially_parallel work",
        "its team covers every required skill (7)",
        "suits moderate work",
        "built for feature_development",
    )
    analysis = analyse("Fix the bug where the order total is wrong when a discount coupon is applied.")
    spec = make_spec("Fix the bug where the order total is wrong when a discount coupon is applied.")
    cat = load_catalog()
    emergency = score_blueprint(cat.blueprints["specialized-emergency"], analysis, spec, cat)
    assert emergency.reasons[-1] == ("needs a sign of urgency (hotfix, urgent, asap, outage, ...); "
                                     "none found")
    hybrid = score_blueprint(cat.blueprints["hybrid-full-sdlc"], analysis, spec, cat)
    assert "not meant for bug_fix" in hybrid.reasons
    assert "meant for complex to very_complex work; this is simple" in hybrid.reasons
    assert "made for partially_parallel or fully_parallel work; the requirement is fully_sequential" \
        in hybrid.reasons


def test_missing_skills_are_named() -> None:
    analysis = Analysis(type="feature_development", complexity="moderate",
                        parallelizability="partially_parallel", effort_hours=10,
                        expertise=("backend", "frontend", "security"))
    cat = load_catalog()
    s = score_blueprint(cat.blueprints["parallel-basic"], analysis, None, cat)
    assert "its team covers 2 of 3 required skills (missing: security)" in s.reasons


def test_requested_blueprint_is_used_and_still_scored() -> None:
    bp, choice = choose("Build a task management web application with a REST API and a web UI.",
                        blueprint="specialized-security")
    assert bp.id == "specialized-security"
    assert choice.requested
    assert choice.reasons[0] == "requested by team.blueprint in the spec"
    assert "not meant for feature_development" in choice.reasons
    assert choice.score < 0.9
    assert choice.alternatives[0].id == "parallel-elastic"


def test_unknown_requested_blueprint() -> None:
    spec = make_spec("Build a thing.", blueprint="paralel-basic")
    with pytest.raises(SpecError) as err:
        choose_blueprint(analyse(spec.requirement), spec, load_catalog())
    assert err.value.lines() == [
        "specs/t.yaml:9:3: error: team.blueprint: unknown blueprint `paralel-basic`: expected "
        "`auto` or one of sequential-basic, sequential-elastic, sequential-performance, "
        "parallel-basic, parallel-elastic, parallel-contract-first, collaborative-consensus, "
        "collaborative-debate, specialized-emergency, specialized-bugfix, specialized-security, "
        "hybrid-full-sdlc; did you mean `parallel-basic`?"
    ]


def test_ties_go_to_the_smaller_id() -> None:
    cat = load_catalog()
    twin = cat.blueprints["parallel-basic"]
    from dataclasses import replace
    from types import MappingProxyType

    twins = Catalog(
        personas=cat.personas,
        blueprints=MappingProxyType({"b-copy": replace(twin, id="b-copy"),
                                     "a-copy": replace(twin, id="a-copy")}),
        effort_weights=cat.effort_weights,
    )
    spec = make_spec("Build a simple web app with a REST API.")
    bp, choice = choose_blueprint(analyse(spec.requirement), spec, twins)
    assert bp.id == "a-copy"
    assert [a.id for a in choice.alternatives] == ["b-copy"]


def test_choice_is_deterministic() -> None:
    for requirement, _ in SAMPLES:
        assert choose(requirement) == choose(requirement)
