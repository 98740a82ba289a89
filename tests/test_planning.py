"""The plan stage: graph, groups, priorities, critical path, the predicted
schedule and the comparisons, on hand-built designs; make_plan end to end
once the spec, analysis and design modules exist."""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

from teamspec.errors import Diagnostic
from teamspec.model import (
    Analysis,
    BlueprintChoice,
    Constraints,
    Contract,
    ContractSpec,
    Design,
    Persona,
    Plan,
    ScheduledContract,
    SourceMap,
    Spec,
)
from teamspec.planning import (
    PlanError,
    bottom_levels,
    build_graph,
    implementation_deps,
    make_plan,
    plan_design,
)


def _load_graphs() -> ModuleType:
    name = "teamspec_benchmarks_graphs"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "_graphs.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


graphs = _load_graphs()

ANALYSIS = Analysis(type="feature_development", complexity="moderate",
                    parallelizability="partially_parallel", effort_hours=23.0,
                    warnings=("analysis: requirement is short",))
BLUEPRINT = BlueprintChoice(id="parallel-contract-first", name="Parallel Contract-First", score=0.9)


def c(cid: str, hours: float, depends_on: Sequence[str] = (), uses: Sequence[str] = (),
      provider: str = "backend_developer") -> Contract:
    return Contract(id=cid, name=cid, type="deliverable", provider=provider, effort_hours=hours,
                    depends_on=tuple(depends_on), uses=tuple(uses), mock=True)


def make_spec(workers: int = 4, written: Sequence[ContractSpec] = (),
              positions: dict[tuple[str | int, ...], tuple[int, int]] | None = None) -> Spec:
    return Spec(path=Path("specs/shop.yaml"), name="shop", requirement="Build a shop",
                constraints=Constraints(max_workers=workers), contracts=tuple(written),
                source=SourceMap("specs/shop.yaml", positions or {}))


def plan_of(*contracts: Contract, workers: int | None = None, spec: Spec | None = None) -> Plan:
    design = Design(team=(Persona(id="backend_developer", name="Backend Developer"),),
                    contracts=tuple(contracts), blueprint=BLUEPRINT,
                    warnings=("design: no interface for x",))
    return plan_design(spec or make_spec(), ANALYSIS, design, workers=workers)


# The running example:
#   requirements(2) ─▶ task_api(8) ─▶ documentation(3)
#        ├──────────▶ web_ui(6) ─────────▲        (web_ui uses task_api)
#        └──────────▶ contract_tests(4)           (uses task_api)
EXAMPLE = (
    c("requirements", 2),
    c("task_api", 8, ["requirements"]),
    c("web_ui", 6, ["requirements"], uses=["task_api"]),
    c("contract_tests", 4, ["requirements"], uses=["task_api"]),
    c("documentation", 3, ["task_api", "web_ui"]),
)


def test_example_plan_by_hand() -> None:
    plan = plan_of(*EXAMPLE, workers=2)
    assert [x.id for x in plan.contracts] == [
        "requirements", "task_api", "web_ui", "contract_tests", "documentation"]
    # groups over both edge kinds: web_ui and contract_tests use task_api
    assert plan.groups == (("requirements",), ("task_api",), ("web_ui", "contract_tests"),
                           ("documentation",))
    # bottom levels over depends_on only
    assert dict(plan.priorities) == {"requirements": 13.0, "task_api": 11.0, "web_ui": 9.0,
                                     "contract_tests": 4.0, "documentation": 3.0}
    assert plan.critical_path == ("requirements", "task_api", "documentation")
    assert plan.critical_path_hours == 13.0
    assert plan.sequential_hours == 23.0
    assert dict(plan.schedule) == {
        "requirements": ScheduledContract("requirements", 0.0, 2.0, 0),
        "task_api": ScheduledContract("task_api", 2.0, 10.0, 0),
        "web_ui": ScheduledContract("web_ui", 2.0, 8.0, 1),
        "contract_tests": ScheduledContract("contract_tests", 8.0, 12.0, 1),
        "documentation": ScheduledContract("documentation", 10.0, 13.0, 0),
    }
    assert plan.predicted_makespan_hours == 13.0
    assert plan.lower_bound_hours == 13.0  # max(13, 23 / 2)
    # barrier over implementation generations: {requirements} 2, {task_api, web_ui,
    # contract_tests} on 2 workers 8 | 6+4 -> 10, {documentation} 3
    assert plan.barrier_makespan_hours == 15.0
    assert plan.predicted_savings == pytest.approx(1 - 13 / 23)
    assert plan.workers == 2
    assert plan.warnings == ("analysis: requirement is short", "design: no interface for x")
    assert plan.blueprint is BLUEPRINT
    assert plan.analysis is ANALYSIS


def test_graph_nodes_and_edge_kinds() -> None:
    plan = plan_of(*EXAMPLE)
    g = plan.graph
    assert list(g.nodes) == [x.id for x in EXAMPLE]
    assert g.nodes["task_api"]["contract"] == EXAMPLE[1]
    assert g.nodes["web_ui"]["group"] == 2
    kinds = {(u, v): k for u, v, k in g.edges(data="kind")}
    assert kinds == {
        ("requirements", "task_api"): "implementation",
        ("requirements", "web_ui"): "implementation",
        ("requirements", "contract_tests"): "implementation",
        ("task_api", "documentation"): "implementation",
        ("web_ui", "documentation"): "implementation",
        ("task_api", "web_ui"): "interface",
        ("task_api", "contract_tests"): "interface",
    }


def test_build_graph_alone_for_callers_that_rebuild_it() -> None:
    g = build_graph(EXAMPLE)
    assert [g.nodes[x.id]["group"] for x in EXAMPLE] == [0, 1, 2, 2, 3]
    assert g.edges["task_api", "web_ui"]["kind"] == "interface"
    cyclic = build_graph([c("a", 1, ["b"]), c("b", 1, uses=["a"])])  # no error, no groups
    assert "group" not in cyclic.nodes["a"]
    assert cyclic.edges["b", "a"]["kind"] == "implementation"


def test_workers_default_to_the_spec_constraint_and_the_argument_wins() -> None:
    spec = make_spec(workers=3)
    assert plan_of(*EXAMPLE, spec=spec).workers == 3
    assert plan_of(*EXAMPLE, spec=spec, workers=1).workers == 1
    one = plan_of(*EXAMPLE, workers=1)
    assert one.predicted_makespan_hours == 23.0
    assert one.predicted_savings == 0.0
    assert one.lower_bound_hours == 23.0


def test_uses_edges_never_delay_a_start() -> None:
    plan = plan_of(c("api", 10), c("ui", 4, uses=["api"]), c("tests", 2, uses=["api"]), workers=3)
    assert plan.groups == (("api",), ("ui", "tests"))  # display: after what they use
    assert {cid: s.start_h for cid, s in plan.schedule.items()} == {"api": 0.0, "ui": 0.0,
                                                                  "tests": 0.0}
    assert plan.predicted_makespan_hours == 10.0
    assert plan.critical_path == ("api",)
    assert plan.priorities["api"] == 10.0  # interface edges add nothing to the bottom level
    assert plan.barrier_makespan_hours == 10.0  # one implementation generation
    waiting = plan_of(c("api", 10), c("ui", 4, depends_on=["api"]), workers=3)
    assert waiting.schedule["ui"].start_h == 10.0


def test_depends_on_and_uses_of_the_same_contract_is_an_implementation_edge() -> None:
    plan = plan_of(c("api", 5), c("ui", 1, depends_on=["api"], uses=["api"]))
    assert plan.graph.edges["api", "ui"]["kind"] == "implementation"
    assert plan.schedule["ui"].start_h == 5.0


def test_topological_order_keeps_design_order_for_ties() -> None:
    plan = plan_of(c("z", 1), c("y", 1, ["z"]), c("a", 1), c("m", 1, ["a"]), c("b", 1, ["y"]))
    assert [x.id for x in plan.contracts] == ["z", "y", "a", "m", "b"]
    assert plan.groups == (("z", "a"), ("y", "m"), ("b",))
    assert list(plan.schedule) == ["z", "y", "a", "m", "b"]


def test_critical_path_ties_go_to_the_earlier_contract() -> None:
    plan = plan_of(c("a", 2), c("b", 2), c("x", 3, ["a", "b"]), c("y", 3, ["a"]))
    assert plan.critical_path == ("a", "x")
    assert plan.critical_path_hours == 5.0


def test_empty_design() -> None:
    plan = plan_of()
    assert plan.contracts == ()
    assert plan.groups == ()
    assert plan.critical_path == ()
    assert (plan.critical_path_hours, plan.sequential_hours, plan.predicted_makespan_hours,
            plan.lower_bound_hours, plan.barrier_makespan_hours, plan.predicted_savings) == (
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def test_zero_effort_gives_zero_savings() -> None:
    plan = plan_of(c("a", 0), c("b", 0, ["a"]))
    assert plan.sequential_hours == 0.0
    assert plan.predicted_savings == 0.0
    assert plan.critical_path == ("a", "b")


def test_bottom_levels_and_implementation_deps_helpers() -> None:
    deps = implementation_deps((*EXAMPLE, c("extra", 1, ["web_ui", "web_ui"], uses=["task_api"])))
    assert deps["extra"] == ("web_ui",)
    assert deps["web_ui"] == ("requirements",)
    order = [x.id for x in EXAMPLE] + ["extra"]
    effort = {x.id: x.effort_hours for x in EXAMPLE} | {"extra": 1.0}
    assert bottom_levels(deps, effort, order)["requirements"] == 13.0
    assert bottom_levels(deps, effort, order)["web_ui"] == 9.0


def test_plan_is_deterministic() -> None:
    from teamspec.render_plan import plan_to_dict

    dag = graphs.layered_dag(200, seed=4)
    first = graphs.plan_dag(dag, 4)
    second = graphs.plan_dag(dag, 4)
    assert plan_to_dict(first) == plan_to_dict(second)


# -- the schedule quality guarantees, through the real plan stage -------------------


@pytest.mark.parametrize("m", [1, 2, 3, 4, 8])
def test_grahams_bound_through_plan_design(m: int) -> None:
    for seed in range(25):
        dag = graphs.layered_dag(15 + (seed * 53) % 200, seed=100 + seed)
        plan = graphs.plan_dag(dag, m)
        total, cp = dag.total, dag.critical_path_hours()
        assert plan.sequential_hours == total
        assert plan.critical_path_hours == cp
        assert plan.lower_bound_hours == max(cp, total / m)
        assert plan.predicted_makespan_hours <= total / m + (1 - 1 / m) * cp + 1e-9
        assert plan.predicted_makespan_hours >= plan.lower_bound_hours - 1e-9
        # the critical path is a real chain of depends_on with the stated hours
        path = plan.critical_path
        assert all(a in dag.deps[b] for a, b in itertools.pairwise(path))
        assert sum(dag.effort[x] for x in path) == cp
        assert not dag.deps[path[0]]


@pytest.mark.parametrize("k", [4, 8, 16])
def test_staircase_through_plan_design(k: int) -> None:
    plan = graphs.plan_dag(graphs.staircase(k), k)
    long_h = float(k * k)
    assert plan.predicted_makespan_hours == long_h + (k - 1)
    assert plan.lower_bound_hours == plan.predicted_makespan_hours
    assert plan.barrier_makespan_hours == k * long_h
    assert len(plan.groups) == k


# -- what cannot be planned -----------------------------------------------------------


def test_unknown_reference_is_located_in_the_spec() -> None:
    written = (ContractSpec(id="api", provider="backend_developer"),
               ContractSpec(id="ui", provider="frontend_developer", depends_on=("aip",)))
    positions: dict[tuple[str | int, ...], tuple[int, int]] = {
        ("contracts", 1): (9, 5), ("contracts", 1, "depends_on"): (11, 5),
                 ("contracts", 1, "depends_on", 0): (11, 18)}
    spec = make_spec(written=written, positions=positions)
    with pytest.raises(PlanError) as info:
        plan_of(c("api", 1), c("ui", 1, ["aip"], uses=["nothing_like_it"]), spec=spec)
    err = info.value
    assert err.diagnostics == (
        Diagnostic("specs/shop.yaml", 9, 5, "error",
                   "contract `ui` uses `nothing_like_it`, which is not a contract; "
                   "known contracts: api, ui", "contracts[1].uses"),
        Diagnostic("specs/shop.yaml", 11, 18, "error",
                   "contract `ui` depends on `aip`, which is not a contract; did you mean `api`?",
                   "contracts[1].depends_on[0]"),
    )
    assert err.lines() == [
        "specs/shop.yaml:9:5: error: contracts[1].uses: contract `ui` uses `nothing_like_it`, "
        "which is not a contract; known contracts: api, ui",
        "specs/shop.yaml:11:18: error: contracts[1].depends_on[0]: contract `ui` depends on "
        "`aip`, which is not a contract; did you mean `api`?",
    ]
    assert err.message == ("2 problems in the contracts; the first: contract `ui` uses "
                           "`nothing_like_it`, which is not a contract; known contracts: api, ui")


def test_unknown_reference_of_a_designed_contract_points_at_the_file() -> None:
    with pytest.raises(PlanError) as info:
        plan_of(c("api", 1), c("ui", 1, ["apis"]))
    assert info.value.lines() == [
        "specs/shop.yaml: error: contract `ui` depends on `apis`, which is not a contract; "
        "did you mean `api`?"]


def test_cycle_is_reported_whole_across_both_edge_kinds() -> None:
    written = (ContractSpec(id="a", provider="p", depends_on=("c",)),)
    positions: dict[tuple[str | int, ...], tuple[int, int]] = {
        ("contracts", 0, "depends_on", 0): (4, 18)}
    with pytest.raises(PlanError) as info:
        plan_of(c("a", 1, ["c"]), c("b", 1, ["a"]), c("c", 1, uses=["b"]), c("d", 1),
                spec=make_spec(written=written, positions=positions))
    message = ('dependency cycle: a -> c -> b -> a (`->` reads "depends on or uses"); '
               "remove one of these depends_on/uses entries")
    assert info.value.message == message
    assert info.value.lines() == [f"specs/shop.yaml:4:18: error: contracts[0].depends_on[0]: {message}"]


def test_self_dependency_is_a_cycle() -> None:
    with pytest.raises(PlanError) as info:
        plan_of(c("x", 1), c("a", 1, ["a"]))
    assert info.value.message == ('dependency cycle: a -> a (`->` reads "depends on or uses"); '
                                  "remove one of these depends_on/uses entries")


def test_duplicate_ids() -> None:
    with pytest.raises(PlanError) as info:
        plan_of(c("api", 1), c("ui", 1), c("api", 2))
    assert info.value.lines() == [
        "specs/shop.yaml: error: duplicate contract id `api`: contracts 0 and 2 of the "
        "design share it; give each contract its own id"]


@pytest.mark.parametrize("hours", [-1.0, math.nan, math.inf])
def test_effort_must_be_finite_and_not_negative(hours: float) -> None:
    with pytest.raises(PlanError) as info:
        plan_of(c("api", hours))
    assert info.value.message == (
        f"contract `api`: expected effort_hours to be a finite number of hours >= 0, "
        f"found {hours!r}")


@pytest.mark.parametrize("workers", [0, -3])
def test_workers_below_one(workers: int) -> None:
    with pytest.raises(PlanError) as info:
        plan_of(*EXAMPLE, workers=workers)
    assert info.value.lines() == [
        f"error: workers must be a whole number of at least 1, found {workers}; use -j 1 or more"]
    assert info.value.exit_code == 2


# -- make_plan: load → analyse → design → plan (needs the other stages) -----------------


def _stages() -> None:
    pytest.importorskip("teamspec.spec")
    pytest.importorskip("teamspec.analysis")
    pytest.importorskip("teamspec.design")


MINIMAL = """\
teamspec: 1
name: notes
requirement: |
  Build a REST API to manage notes, with a small web UI and tests.
constraints:
  max_workers: 3
"""


def test_make_plan_from_a_path(tmp_path: Path) -> None:
    _stages()
    path = tmp_path / "notes.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    plan = make_plan(path)
    assert plan.spec.name == "notes"
    assert plan.workers == 3
    assert plan.contracts
    assert set(plan.schedule) == {x.id for x in plan.contracts}
    seen: set[str] = set()
    for x in plan.contracts:  # topological over depends_on and uses
        assert set(x.depends_on) | set(x.uses) <= seen
        seen.add(x.id)
    assert plan.predicted_makespan_hours >= plan.lower_bound_hours - 1e-9
    assert plan.barrier_makespan_hours >= plan.lower_bound_hours - 1e-9
    assert make_plan(str(path), workers=1).predicted_makespan_hours == pytest.approx(
        plan.sequential_hours)


def test_make_plan_takes_a_spec_and_an_analysis(tmp_path: Path) -> None:
    _stages()
    from teamspec.spec import load_spec

    path = tmp_path / "notes.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    spec = load_spec(path)
    plan = make_plan(spec, analysis=ANALYSIS, workers=2)
    assert plan.spec is spec
    assert plan.analysis is ANALYSIS
    assert plan.workers == 2


@pytest.mark.parametrize("seed", range(25))
def test_order_and_generations_match_networkx(seed: int) -> None:
    """The planner orders contracts without networkx; its order and groups
    are networkx's lexicographical topological sort (key: design order) and
    topological generations, and Plan.graph (built on first use) agrees."""
    import random

    import networkx as nx

    from teamspec.planning import _generations, _successors, _topological_order

    rng = random.Random(seed)
    n = rng.randint(1, 40)
    names = [f"c{i}" for i in rng.sample(range(1000), n)]  # design order is not sorted order
    contracts = []
    for i, cid in enumerate(names):
        earlier = names[:i]
        deps = tuple(rng.sample(earlier, min(len(earlier), rng.randint(0, 3))))
        uses = tuple(rng.sample(earlier, min(len(earlier), rng.randint(0, 2))))
        contracts.append(Contract(id=cid, name=cid, provider="backend_developer", type="deliverable",
                                  depends_on=deps, uses=uses))
    rng.shuffle(contracts)  # declared in any order
    index = {c.id: i for i, c in enumerate(contracts)}
    graph = build_graph(contracts)
    both = _successors(contracts, with_uses=True)
    assert _topological_order(both, index) == list(
        nx.lexicographical_topological_sort(graph, key=index.__getitem__))
    assert _generations(both, index) == [
        sorted(g, key=index.__getitem__) for g in nx.topological_generations(graph)]
    cyclic = [*contracts[:-1], dataclasses.replace(contracts[-1], depends_on=(contracts[-1].id,))]
    assert _topological_order(_successors(cyclic, with_uses=True), index) is None
