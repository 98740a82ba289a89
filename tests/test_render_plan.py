"""Renderings of a plan: the JSON dict, the terminal text, and Mermaid and dot
checked by the tools themselves (mermaid's own parser under node, Graphviz)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from teamspec.model import (
    Analysis,
    BlueprintChoice,
    BlueprintScore,
    Constraints,
    Contract,
    Design,
    Persona,
    Plan,
    Spec,
)
from teamspec.planning import plan_design
from teamspec.render_plan import (
    plan_to_dict,
    plan_to_json,
    render_dot,
    render_mermaid,
    render_text,
)

NODE_DIR = Path(__file__).resolve().parent / "node"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

ANALYSIS = Analysis(
    type="feature_development", complexity="moderate", parallelizability="partially_parallel",
    effort_hours=32.0, expertise=("python", "rest_api", "javascript"), entities=("tasks", "users"),
    risks=("hand-written interface may drift",), confidence=0.72)
BLUEPRINT = BlueprintChoice(
    id="parallel-contract-first", name="Parallel Contract-First", score=0.86,
    reasons=("parallelizability partially_parallel fits a parallel team",
             "covers expertise: python, javascript"),
    alternatives=(
        BlueprintScore("parallel-basic", 0.74, ("no contract-first mocks",)),
        BlueprintScore("hybrid-full-sdlc", 0.61, ("more personas than the work needs",
                                                  "slower to start")),
        BlueprintScore("sequential-basic", 0.2, ("third runner-up: not shown",)),
    ))
TEAM = tuple(Persona(id=p, name=p.replace("_", " ").title()) for p in (
    "requirement_analyst", "backend_developer", "frontend_developer", "qa_engineer",
    "technical_writer"))


def c(cid: str, provider: str, hours: float, depends_on: Sequence[str] = (),
      uses: Sequence[str] = (), type: str = "deliverable", mock: bool = False) -> Contract:
    return Contract(id=cid, name=cid.replace("_", " ").title(), type=type, provider=provider,
                    effort_hours=hours, depends_on=tuple(depends_on), uses=tuple(uses), mock=mock)


EXAMPLE = (
    c("requirements", "requirement_analyst", 2),
    c("task_api", "backend_developer", 8, ["requirements"], type="rest_api", mock=True),
    c("web_ui", "frontend_developer", 6, ["requirements"], ["task_api"]),
    c("contract_tests", "qa_engineer", 4, ["requirements"], ["task_api"]),
    c("documentation", "technical_writer", 3, ["task_api", "web_ui"]),
)


def plan_of(contracts: Sequence[Contract], workers: int = 2, team: Sequence[Persona] = TEAM,
            warnings: Sequence[str] = ()) -> Plan:
    spec = Spec(path=Path("specs/task-manager.yaml"), name="task-manager",
                requirement="Build a task manager", constraints=Constraints(max_workers=4))
    design = Design(team=tuple(team), contracts=tuple(contracts), blueprint=BLUEPRINT,
                    warnings=tuple(warnings))
    return plan_design(spec, ANALYSIS, design, workers=workers)


# -- JSON ----------------------------------------------------------------------------


def test_plan_to_dict_of_the_example() -> None:
    d = plan_to_dict(plan_of(EXAMPLE))
    assert list(d) == [
        "teamspec_version", "spec", "name", "workers", "analysis", "blueprint", "team",
        "contracts", "groups", "critical_path", "critical_path_hours", "sequential_hours",
        "predicted_makespan_hours", "lower_bound_hours", "barrier_makespan_hours",
        "predicted_savings", "warnings"]
    from teamspec import __version__

    assert d["teamspec_version"] == __version__
    assert (d["spec"], d["name"], d["workers"]) == ("specs/task-manager.yaml", "task-manager", 2)
    assert d["analysis"] == ANALYSIS.to_dict()
    assert d["blueprint"] == BLUEPRINT.to_dict()
    assert d["team"][:2] == [{"id": "requirement_analyst", "name": "Requirement Analyst"},
                             {"id": "backend_developer", "name": "Backend Developer"}]
    assert d["contracts"][0] == {
        "id": "requirements", "name": "Requirements", "provider": "requirement_analyst",
        "type": "deliverable", "mock": False, "depends_on": [], "uses": [], "group": 0,
        "priority": 13.0, "effort_hours": 2.0, "start_h": 0.0, "finish_h": 2.0, "worker": 0,
        "critical": True}
    assert d["contracts"][3] == {
        "id": "contract_tests", "name": "Contract Tests", "provider": "qa_engineer",
        "type": "deliverable", "mock": False, "depends_on": ["requirements"],
        "uses": ["task_api"], "group": 2, "priority": 4.0, "effort_hours": 4.0,
        "start_h": 8.0, "finish_h": 12.0, "worker": 1, "critical": False}
    assert [x["id"] for x in d["contracts"]] == [
        "requirements", "task_api", "web_ui", "contract_tests", "documentation"]
    assert d["groups"] == [["requirements"], ["task_api"], ["web_ui", "contract_tests"],
                           ["documentation"]]
    assert d["critical_path"] == ["requirements", "task_api", "documentation"]
    assert {k: d[k] for k in list(d)[10:16]} == {
        "critical_path_hours": 13.0, "sequential_hours": 23.0, "predicted_makespan_hours": 13.0,
        "lower_bound_hours": 13.0, "barrier_makespan_hours": 15.0, "predicted_savings": 0.435}
    assert d["warnings"] == []


def test_floats_are_rounded_to_three_decimals_and_json_round_trips() -> None:
    plan = plan_of([c("a", "qa_engineer", 1 / 3), c("b", "qa_engineer", 2 / 3, ["a"])],
                   warnings=["design: a warning"])
    d = plan_to_dict(plan)
    assert d["contracts"][1]["effort_hours"] == 0.667
    assert d["contracts"][1]["start_h"] == 0.333
    assert d["sequential_hours"] == 1.0
    assert d["predicted_savings"] == 0.0
    assert d["warnings"] == ["design: a warning"]
    text = plan_to_json(plan)
    assert text.endswith("}\n")
    assert json.loads(text) == d


# -- text ------------------------------------------------------------------------------

EXAMPLE_TEXT = """\
Plan task-manager  specs/task-manager.yaml

Analysis
  type               feature_development
  complexity         moderate
  parallelizability  partially_parallel
  effort             32.0 h (estimate)
  expertise          python, rest_api, javascript
  entities           tasks, users
  risks              hand-written interface may drift
  confidence         0.72 (heuristic)

Blueprint
  parallel-contract-first  Parallel Contract-First  score 0.86
    - parallelizability partially_parallel fits a parallel team
    - covers expertise: python, javascript
  runners-up
    parallel-basic    score 0.74
      - no contract-first mocks
    hybrid-full-sdlc  score 0.61
      - more personas than the work needs
      - slower to start

Team (5 personas)
  requirement_analyst  Requirement Analyst  1 contract
  backend_developer    Backend Developer    1 contract
  frontend_developer   Frontend Developer   1 contract
  qa_engineer          Qa Engineer          1 contract
  technical_writer     Technical Writer     1 contract

Contracts (5 in 4 groups)  * = on the critical path
  group 0
  * requirements    requirement_analyst  deliverable  2.0 h
  group 1
  * task_api        backend_developer    rest_api     8.0 h  depends on requirements
  group 2
    web_ui          frontend_developer   deliverable  6.0 h  depends on requirements; uses task_api
    contract_tests  qa_engineer          deliverable  4.0 h  depends on requirements; uses task_api
  group 3
  * documentation   technical_writer     deliverable  3.0 h  depends on task_api, web_ui

Critical path  13.0 h
  requirements -> task_api -> documentation

Predicted schedule  list scheduler, 2 workers
  contract        worker  start  finish  0 h                                 13.0 h
  requirements    w0        0.0     2.0  |======                                  |
  task_api        w0        2.0    10.0  |      =========================         |
  web_ui          w1        2.0     8.0  |      ===================               |
  contract_tests  w1        8.0    12.0  |                         ============   |
  documentation   w0       10.0    13.0  |                               =========|

  sequential          23.0 h  one contract after another
  predicted makespan  13.0 h  list schedule on 2 workers
  lower bound         13.0 h  max(critical path 13.0 h, 23.0 h / 2 workers = 11.5 h)
  barrier schedule    15.0 h  level by level, for comparison
  predicted savings   43.5 %  1 - makespan / sequential
  peak parallelism    2 of 2  contracts running at once
  `uses` never waits: mocks exist before any persona runs
"""


def test_render_text_of_the_example() -> None:
    assert render_text(plan_of(EXAMPLE)) == EXAMPLE_TEXT


def test_one_risk_a_line() -> None:
    import dataclasses

    plan = dataclasses.replace(plan_of(EXAMPLE), analysis=dataclasses.replace(
        ANALYSIS, risks=("Payment handling needs idempotency.", "Contracts can drift.")))
    assert ("  risks              Payment handling needs idempotency.\n"
            "                     Contracts can drift.\n"
            "  confidence         0.72 (heuristic)\n") in render_text(plan)


def test_colour_only_when_asked_and_it_changes_nothing_else() -> None:
    plan = plan_of(EXAMPLE, warnings=["design: check this"])
    plain = render_text(plan)
    coloured = render_text(plan, color=True)
    assert "\x1b" not in plain
    assert "\x1b[1mPlan\x1b[0m" in coloured
    assert "\x1b[32m43.5 %\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain
    assert plain.endswith("\nWarnings\n  warning: design: check this\n")


def test_control_characters_in_values_are_escaped() -> None:
    plan = plan_of([c("evil\x1b[2J", "qa_engineer", 1)], warnings=["bad\rline"])
    text = render_text(plan)
    assert "\x1b" not in text and "\r" not in text
    assert "* evil\\x1b[2J  qa_engineer  deliverable  1.0 h" in text
    assert "warning: bad\\x0dline" in text


def test_escaped_and_empty_ids_keep_columns_aligned() -> None:
    plan = plan_of([c("a\x01", "qa_engineer", 1), c("bbbbbbb", "qa_engineer", 2),
                    c("", "qa_engineer", 1)])
    lines = render_text(plan).splitlines()
    assert "    a\\x01    qa_engineer  deliverable  1.0 h" in lines
    assert "  * bbbbbbb  qa_engineer  deliverable  2.0 h" in lines
    assert "             qa_engineer  deliverable  1.0 h" in lines


def test_wide_characters_keep_columns_aligned() -> None:
    plan = plan_of([c("日本", "qa_engineer", 1), c("abcdef", "qa_engineer", 2)])
    lines = render_text(plan).splitlines()
    assert "    日本    qa_engineer  deliverable  1.0 h" in lines
    assert "  * abcdef  qa_engineer  deliverable  2.0 h" in lines


def test_the_timeline_is_left_out_for_large_plans() -> None:
    many = [c(f"c{i:02d}", "qa_engineer", 1 + i % 3) for i in range(61)]
    text = render_text(plan_of(many, workers=8))
    assert ("  (timeline of 61 contracts omitted; the JSON output has every start and finish)"
            in text.splitlines())
    assert "|=" not in text
    assert "  peak parallelism     8 of 8  contracts running at once" in text.splitlines()


def test_render_text_of_an_empty_plan() -> None:
    text = render_text(plan_of([], team=()))
    assert "Team (0 personas)\n  -\n" in text
    assert "Contracts (0 in 0 groups)\n  -\n" in text
    assert "Critical path  0.0 h\n  -\n" in text
    assert "  predicted savings    0.0 %  1 - makespan / sequential\n" in text


# -- Mermaid and dot: structure ----------------------------------------------------------

# Contract ids that would break a naive rendering.
NASTY = [
    'a"b', "#quot;", "<script>alert(1)</script>", "end", "subgraph", "graph",
    '%%{init: {"theme": "dark"}}%%', "x;y", "задача", "日本語", "a\nb", "back`tick`", "[x]",
    "{y}", "p|q", "&amp;", "o", "x", "A--B", "c0", "\\", 'a\\"', "tab\there",
    "click c0 call alert()", "style", "default", "-->", "#35;", "\x00nul", "\r\n", " lead",
    "trail ", "", "%", "\\%", "classDef", "linkStyle 0 stroke:red",
]


def nasty_plan() -> Plan:
    contracts = []
    for i, cid in enumerate(NASTY):
        deps = (NASTY[i - 1],) if i % 3 else ()
        uses = (NASTY[i - 2],) if i % 3 == 2 else ()
        contracts.append(c(cid, 'prov"' + cid, 1 + i % 4, deps, uses))
    return plan_of(contracts, workers=3)


def expected_edges(plan: Plan) -> list[tuple[str, str, str]]:
    out = []
    for x in plan.contracts:
        for d in x.depends_on:
            out.append((d, x.id, "implementation"))
        for u in x.uses:
            if u not in x.depends_on:
                out.append((u, x.id, "interface"))
    return out


def test_mermaid_text_of_the_example() -> None:
    assert render_mermaid(plan_of(EXAMPLE)) == """\
flowchart LR
  subgraph g0["group 0"]
    c0["requirements<br/>requirement_analyst"]
  end
  subgraph g1["group 1"]
    c1["task_api<br/>backend_developer"]
  end
  subgraph g2["group 2"]
    c2["web_ui<br/>frontend_developer"]
    c3["contract_tests<br/>qa_engineer"]
  end
  subgraph g3["group 3"]
    c4["documentation<br/>technical_writer"]
  end
  c0 --> c1
  c0 --> c2
  c1 -.-> c2
  c0 --> c3
  c1 -.-> c3
  c1 --> c4
  c2 --> c4
  classDef critical stroke-width:3px
  class c0,c1,c4 critical
  linkStyle 0,5 stroke-width:3px
"""


def test_dot_text_of_the_example() -> None:
    assert render_dot(plan_of(EXAMPLE)) == """\
digraph "task-manager" {
  graph [rankdir=LR, labelloc=t, fontname="Helvetica", \
label="task-manager: predicted 13.0 h on 2 workers (sequential 23.0 h)"];
  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];
  edge [fontname="Helvetica"];
  subgraph group_0 {
    rank=same;
    "requirements" [label="requirements\\nrequirement_analyst\\n2.0 h", \
style="rounded,bold", penwidth=2];
  }
  subgraph group_1 {
    rank=same;
    "task_api" [label="task_api\\nbackend_developer\\n8.0 h", style="rounded,bold", penwidth=2];
  }
  subgraph group_2 {
    rank=same;
    "web_ui" [label="web_ui\\nfrontend_developer\\n6.0 h"];
    "contract_tests" [label="contract_tests\\nqa_engineer\\n4.0 h"];
  }
  subgraph group_3 {
    rank=same;
    "documentation" [label="documentation\\ntechnical_writer\\n3.0 h", \
style="rounded,bold", penwidth=2];
  }
  "requirements" -> "task_api" [style=bold, penwidth=2];
  "requirements" -> "web_ui";
  "task_api" -> "web_ui" [style=dashed];
  "requirements" -> "contract_tests";
  "task_api" -> "contract_tests" [style=dashed];
  "task_api" -> "documentation" [style=bold, penwidth=2];
  "web_ui" -> "documentation";
}
"""


# -- Mermaid and dot: the tools accept them -------------------------------------------------


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_tool(name: str, why: str) -> str:
    """The tool's path; a missing tool skips the test, except in CI (CI=true)
    where it fails: CI must install what the tests need."""
    path = shutil.which(name)
    if path is None:
        message = f"`{name}` is not on PATH ({why})"
        if _in_ci():
            pytest.fail(message + "; CI must install it")
        pytest.skip(message)
    return path


MermaidParse = Callable[[list[str]], list[dict[str, Any]]]


@pytest.fixture(scope="module")
def mermaid_parse() -> MermaidParse:
    node = require_tool("node", "needed to run mermaid's own parser")
    npm = require_tool("npm", "needed to install mermaid for the test")
    installed = NODE_DIR / "node_modules" / ".package-lock.json"
    lock = NODE_DIR / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                              cwd=NODE_DIR, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"npm ci failed in {NODE_DIR}:\n{proc.stdout}\n{proc.stderr}"

    def parse(texts: list[str]) -> list[dict[str, Any]]:
        proc = subprocess.run([node, str(NODE_DIR / "mermaid_check.mjs")], input=json.dumps(texts),
                              cwd=NODE_DIR, capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stderr
        result: list[dict[str, Any]] = json.loads(proc.stdout)
        return result

    return parse


@pytest.mark.node
def test_mermaid_parser_accepts_the_diagrams(mermaid_parse: MermaidParse) -> None:
    example, nasty, empty = plan_of(EXAMPLE), nasty_plan(), plan_of([], team=())
    broken = 'flowchart LR\n  c0["unterminated --> c1\n'
    results = mermaid_parse([render_mermaid(example), render_mermaid(nasty),
                             render_mermaid(empty), broken])
    assert [r["ok"] for r in results] == [True, True, True, False], results
    assert "Parse error" in results[3]["error"]  # the checker does reject bad syntax

    for plan, parsed in ((example, results[0]), (nasty, results[1])):
        assert parsed["type"] == "flowchart-v2"
        node = {x.id: f"c{i}" for i, x in enumerate(plan.contracts)}
        labels = {v[0]: v[1] for v in parsed["vertices"]}
        assert labels == {node[x.id]: f"{x.id}<br>{x.provider}" for x in plan.contracts}
        strokes = {"implementation": "normal", "interface": "dotted"}
        assert sorted(map(tuple, parsed["edges"])) == sorted(
            (node[a], node[b], strokes[k]) for a, b, k in expected_edges(plan))
        assert [(s[0], s[1], sorted(s[2])) for s in parsed["subgraphs"]] == [
            (f"g{g}", f"group {g}", sorted(node[x] for x in members))
            for g, members in enumerate(plan.groups)]
    assert results[2]["vertices"] == [] and results[2]["edges"] == []


def _graphviz_name(quoted: str) -> str:
    """The name Graphviz stores for a quoted DOT ID: ``\\"`` becomes ``"``,
    a backslash pair stays a pair, any other backslash stays."""
    body, out, i = quoted[1:-1], [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in '"\\':
            out.append('"' if body[i + 1] == '"' else "\\\\")
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def run_dot(dot: str, text: str, fmt: str) -> str:
    proc = subprocess.run([dot, f"-T{fmt}"], input=text.encode("utf-8"), capture_output=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert proc.stderr == b"", proc.stderr.decode("utf-8", "replace")  # not even a warning
    return proc.stdout.decode("utf-8")


@pytest.mark.parametrize("which", ["example", "nasty", "empty"])
def test_graphviz_accepts_the_dot_and_reads_the_graph_we_meant(which: str) -> None:
    from teamspec.render_plan import _dot_id

    dot = require_tool("dot", "Graphviz: apt-get install graphviz")
    plan = {"example": plan_of(EXAMPLE), "nasty": nasty_plan(),
            "empty": plan_of([], team=())}[which]
    text = render_dot(plan)
    svg = run_dot(dot, text, "svg")
    root = ElementTree.fromstring(svg)
    shown = {(e.text or "").rstrip() for e in root.iter("{http://www.w3.org/2000/svg}text")}
    for x in plan.contracts:  # labels read as written (Graphviz trims trailing blanks)
        lines = [CONTROL.sub(" ", x.id), CONTROL.sub(" ", x.provider),
                 f"{x.effort_hours:.1f} h"]
        assert {line.rstrip() for line in lines if line.strip()} <= shown, x.id

    graph = json.loads(run_dot(dot, text, "json"))
    objects = graph.get("objects", [])
    name = {x.id: _graphviz_name(_dot_id(x.id)) for x in plan.contracts}
    assert len(set(name.values())) == len(plan.contracts)  # one node per contract
    nodes = {o["_gvid"]: o["name"] for o in objects if "nodes" not in o}
    assert sorted(nodes.values()) == sorted(name.values())
    groups = {o["name"]: sorted(nodes[i] for i in o["nodes"]) for o in objects if "nodes" in o}
    assert groups == {f"group_{g}": sorted(name[x] for x in members)
                      for g, members in enumerate(plan.groups)}
    assert all(o.get("rank") == "same" for o in objects if "nodes" in o)
    critical = set(zip(plan.critical_path, plan.critical_path[1:], strict=False))
    styles = {"interface": "dashed"}
    expected = sorted(
        (name[a], name[b], styles.get(k, "bold" if (a, b) in critical else ""))
        for a, b, k in expected_edges(plan))
    edges = sorted((nodes[e["tail"]], nodes[e["head"]], e.get("style", ""))
                   for e in graph.get("edges", []))
    assert edges == expected
    bold_nodes = sorted(nodes[o["_gvid"]] for o in objects
                        if "nodes" not in o and o.get("style") == "rounded,bold")
    assert bold_nodes == sorted(name[x] for x in plan.critical_path)
