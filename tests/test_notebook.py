"""teamspec.notebook without a kernel: the widgets' traitlet state.

Moving the workers slider re-plans (the plan, the summary and the pictures
change), the contract picker shows the contract's details, the report view
holds the report's tables and pictures, the progress widget follows build
events.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from teamspec import notebook
from teamspec.engine.events import BuildEvent
from teamspec.errors import UsageError
from teamspec.model import (
    AcceptanceItem,
    Analysis,
    BlueprintChoice,
    Contract,
    Deliverable,
    Design,
    Interface,
    Persona,
    Plan,
    Spec,
)
from teamspec.planning import plan_design

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "Tasks", "version": "1"},
    "paths": {
        "/tasks": {
            "get": {"operationId": "listTasks", "responses": {"200": {"description": "ok"}}},
            "post": {"operationId": "createTask", "responses": {"201": {"description": "ok"}}},
        },
        "/tasks/{taskId}": {
            "parameters": [{"name": "taskId", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
    },
}
SDL = """
scalar DateTime
type Task { id: ID!, title: String!, due: DateTime, owner: User }
type User { id: ID!, name: String! }
type Query { tasks: [Task!]!, user(id: ID!): User }
type Mutation { addTask(title: String!): Task! }
"""


def explorer_plan(n: int = 24, *, workers: int = 4, seed: int = 5) -> Plan:
    """A hand-built design (with an OpenAPI and a GraphQL contract) planned
    by the real ``plan_design``."""
    rng = random.Random(seed)
    personas = ("backend_developer", "frontend_developer", "qa_engineer", "technical_writer")
    contracts = [
        Contract(
            id="task_api", name="Task API", type="rest_api", provider="backend_developer",
            consumers=("frontend_developer", "qa_engineer"), mock=True, effort_hours=8.0,
            interface=Interface("openapi", OPENAPI, origin="designed"),
            deliverables=(Deliverable(
                "api_implementation", "Working REST API", ("backend/**/*.py",),
                (AcceptanceItem(text="All endpoints respond"), AcceptanceItem(check="conforms")),
            ),),
        ),
        Contract(
            id="task_graph", name="Task graph", type="graphql", provider="backend_developer",
            mock=True, effort_hours=5.0, interface=Interface("graphql", SDL, origin="inline"),
        ),
    ]
    for i in range(n - 2):
        earlier = [c.id for c in contracts]
        deps = sorted(set(rng.sample(earlier, min(len(earlier), rng.randint(0, 2)))))
        uses = [u for u in ("task_api",) if u not in deps and rng.random() < 0.3]
        contracts.append(Contract(
            id=f"work_item_{i:02d}", name=f"Work item {i}", type="deliverable",
            provider=personas[i % len(personas)], depends_on=tuple(deps), uses=tuple(uses),
            effort_hours=float(rng.randint(1, 8)),
            deliverables=(Deliverable(f"doc_{i}", artifacts=(f"docs/item_{i}.md",)),),
        ))
    spec = Spec(path=ROOT / "synthetic.yaml", name="synthetic", requirement="Build a task API.")
    team = tuple(Persona(id=p, name=p.replace("_", " ").title()) for p in personas)
    design = Design(team=team, contracts=tuple(contracts),
                    blueprint=BlueprintChoice("parallel-contract-first", "Contract first", 0.9))
    analysis = Analysis("feature_development", "moderate", "partially_parallel", 80.0)
    return plan_design(spec, analysis, design, workers=workers)


def sample_report() -> dict[str, Any]:
    return {
        "spec": {"name": "sample", "path": "specs/sample.yaml"}, "teamspec_version": "0.1.0",
        "executor": "offline", "workers": 2,
        "started_at": "2025-01-01T00:00:00+00:00", "finished_at": "2025-01-01T00:00:03+00:00",
        "contracts": [
            {"id": "task_api", "provider": "backend_developer", "status": "succeeded",
             "started_at": "2025-01-01T00:00:00+00:00", "finished_at": "2025-01-01T00:00:02+00:00",
             "duration_s": 2.0, "attempts": 1, "files": ["backend/app.py", "backend/models.py"],
             "fulfillment": 1.0, "checks": 1.0, "quality": 1.0, "findings": []},
            {"id": "web_ui", "provider": "frontend_developer", "status": "failed",
             "started_at": "2025-01-01T00:00:00.500+00:00",
             "finished_at": "2025-01-01T00:00:03+00:00", "duration_s": 2.5, "attempts": 3,
             "files": [{"path": "frontend/index.html", "sha256": "ab"}],
             "fulfillment": 0.5, "checks": 0.0, "quality": 0.25,
             "deliverables": [{"name": "web_client", "satisfied": False, "checks": [
                 {"check": "text", "description": "Lists tasks", "status": "unverified"},
                 {"check": "file_contains", "description": "file_contains: frontend/app.js",
                  "status": "failed", "message": "frontend/app.js does not contain '/tasks'"},
                 {"check": "command", "description": "command: npm test", "status": "passed"},
             ]}],
             "findings": [{"check": "file_contains", "message": "frontend/app.js does not call /tasks",
                           "file": "frontend/app.js", "line": 3}]},
            {"id": "review", "provider": "project_reviewer", "status": "blocked", "attempts": 0,
             "files": [], "fulfillment": 0.0, "checks": None, "quality": 0.0, "findings": []},
        ],
        "timing": {"wall_s": 3.0, "sequential_s": 4.5, "savings": 1 / 3, "critical_path_s": 2.5,
                   "lower_bound_s": 2.5, "efficiency": 2.5 / 3.0},
        "quality": {"overall": 0.6, "threshold": 0.8, "passed": False},
        "cost_usd": 0.0,
        "integration": {"findings": [{"check": "status_code_conformance",
                                      "message": "undeclared status 500", "operation": "GET /tasks",
                                      "curl": "curl -X GET 'http://127.0.0.1:9/tasks'"}]},
    }


@pytest.fixture(scope="module")
def plan() -> Plan:
    return explorer_plan()


# ------------------------------------------------------------------ PlanExplorer


def test_plan_explorer_initial_state(plan: Plan) -> None:
    ex = notebook.PlanExplorer(plan)
    assert ex.plan is plan
    assert ex.workers.value == 4 and ex.workers.min == 1 and ex.workers.max == 24
    assert list(ex.tabs.titles) == ["DAG", "Predicted schedule", "Savings"]
    for name in ("dag", "schedule", "savings"):
        assert ex.images[name].value[:4] == b"\x89PNG", name
        assert len(ex.images[name].value) > 5_000, name
    assert "<b>4 workers</b>" in ex.summary.value
    assert f"<b>{plan.predicted_makespan_hours:g} h</b>" in ex.summary.value
    assert [v for _label, v in ex.picker.options] == [c.id for c in plan.contracts]
    bundle = ex._repr_mimebundle_()
    assert WIDGET_VIEW in bundle
    assert bundle[WIDGET_VIEW]["model_id"] == ex.widget.model_id


def test_moving_the_slider_replans_and_redraws(plan: Plan) -> None:
    ex = notebook.PlanExplorer(plan)
    ex.tabs.selected_index = 1  # the predicted schedule is visible
    before_summary = ex.summary.value
    before = {name: ex.images[name].value for name in ("dag", "schedule", "savings")}
    ex.workers.value = 1
    assert ex.plan.workers == 1
    assert ex.plan.predicted_makespan_hours == pytest.approx(plan.sequential_hours)
    expected = plan_design(plan.spec, plan.analysis,
                           Design(plan.team, plan.contracts, plan.blueprint), workers=1)
    assert ex.plan.schedule == expected.schedule
    assert ex.summary.value != before_summary and "<b>1 worker</b>:" in ex.summary.value
    assert ex.images["schedule"].value != before["schedule"]  # visible: redrawn now
    assert ex.images["dag"].value == before["dag"]  # the DAG does not depend on workers
    assert ex.images["savings"].value == before["savings"]  # hidden: redrawn when shown
    ex.tabs.selected_index = 2
    assert ex.images["savings"].value != before["savings"]


def _pixels(png: bytes) -> Any:
    import io

    import matplotlib.image as mpimg

    return mpimg.imread(io.BytesIO(png), format="png")


@pytest.mark.parametrize(("tab", "name"), [(1, "schedule"), (2, "savings")])
def test_every_slider_move_shows_the_new_plans_picture(plan: Plan, tab: int, name: str) -> None:
    """The explorer updates one figure in place per tab; after each move the
    visible picture is, pixel for pixel, the static figure of the new plan
    (never the previous plan's), and a tab shown later shows the last plan."""
    from teamspec import viz

    static = viz.predicted_gantt_figure if name == "schedule" else viz.savings_figure
    design = Design(plan.team, plan.contracts, plan.blueprint)
    ex = notebook.PlanExplorer(plan)
    ex.tabs.selected_index = tab
    seen = {ex.images[name].value}
    for workers in (1, 9, 2, 6, 3):
        ex.workers.value = workers
        expected = plan_design(plan.spec, plan.analysis, design, workers=workers)
        assert ex.plan.schedule == expected.schedule
        got = _pixels(ex.images[name].value)
        want = _pixels(viz.png_bytes(static(expected), dpi=notebook._DPI))
        assert got.shape == want.shape and (got == want).all(), workers
        assert ex.images[name].value not in seen, workers  # a new picture on each move
        seen.add(ex.images[name].value)
    other = "savings" if name == "schedule" else "schedule"
    ex.tabs.selected_index = 3 - tab  # the other tab: drawn for the last plan when shown
    other_static = viz.savings_figure if name == "schedule" else viz.predicted_gantt_figure
    assert (_pixels(ex.images[other].value)
            == _pixels(viz.png_bytes(other_static(ex.plan), dpi=notebook._DPI))).all()


def test_hidden_tabs_redraw_when_selected(plan: Plan) -> None:
    ex = notebook.PlanExplorer(plan)
    assert ex.tabs.selected_index == 0
    before = ex.images["schedule"].value
    ex.workers.value = 8
    assert ex.plan.workers == 8
    assert ex.images["schedule"].value == before
    ex.tabs.selected_index = 1
    assert ex.images["schedule"].value != before
    again = ex.images["schedule"].value
    ex.workers.value = 4  # back: the same plan as the first, the same picture as the first
    assert ex.plan.predicted_makespan_hours == plan.predicted_makespan_hours
    assert ex.images["schedule"].value == before != again


def test_set_workers_is_the_slider(plan: Plan) -> None:
    ex = notebook.PlanExplorer(plan)
    result = ex.set_workers(3)
    assert result is ex.plan and ex.plan.workers == 3 and ex.workers.value == 3


def test_contract_picker_shows_details(plan: Plan) -> None:
    ex = notebook.PlanExplorer(plan)
    assert ex.picker.value == plan.contracts[0].id
    ex.picker.value = "task_api"
    html = ex.details.value
    assert "task_api — Task API" in html
    assert "Backend Developer (<code>backend_developer</code>)" in html
    assert "<code>frontend_developer</code>, <code>qa_engineer</code>" in html
    assert "OpenAPI 3.0.3 (designed): 3 operations" in html
    for op in ("GET /tasks (listTasks)", "POST /tasks (createTask)", "DELETE /tasks/{taskId}"):
        assert f"<code>{op}</code>" in html
    assert "api_implementation" in html and "<code>backend/**/*.py</code>" in html
    assert "<li>All endpoints respond</li>" in html and "<li>conforms</li>" in html
    ex.picker.value = "task_graph"
    html = ex.details.value
    assert "GraphQL SDL (inline): 5 types (DateTime, Mutation, Query, Task, User)" in html
    assert "<code>query tasks</code>" in html and "<code>mutation addTask</code>" in html
    dependent = next(c for c in plan.contracts if c.depends_on and c.uses)
    ex.picker.value = dependent.id
    html = ex.details.value
    assert "<b>depends_on</b> (waits for): " + ", ".join(
        f"<code>{d}</code>" for d in dependent.depends_on) in html
    assert "<b>uses</b> (interface only, no wait): <code>task_api</code>" in html
    assert "no interface document" in html


def test_plan_explorer_from_a_spec_file() -> None:
    ex = notebook.PlanExplorer(ROOT / "specs" / "task-manager.yaml", workers=2)
    assert ex.plan.spec.name == "task-manager"
    assert ex.plan.workers == 2 and ex.workers.value == 2
    ex.tabs.selected_index = 1
    before = ex.images["schedule"].value
    ex.workers.value = 1
    assert ex.plan.workers == 1
    assert ex.plan.predicted_makespan_hours == pytest.approx(ex.plan.sequential_hours)
    assert ex.images["schedule"].value != before
    rest = [c for c in ex.plan.contracts if c.type == "rest_api"]
    assert rest, "the full-stack example has a REST contract"
    ex.picker.value = rest[0].id
    assert "OpenAPI 3." in ex.details.value and "<code>GET /" in ex.details.value


def test_plan_table_html(plan: Plan) -> None:
    html = notebook.plan_table_html(plan)
    for c in plan.contracts:
        assert f"<b>{c.id}</b>" in html
    for cid in plan.critical_path:
        assert f"<b>{cid}</b> ★" in html
    assert html.count("<tr>") == len(plan.contracts) + 1


def test_interface_summary_kinds() -> None:
    base = Contract(id="x", name="x", type="interface", provider="p")
    assert notebook.interface_summary(base).headline == "no interface document"
    schema = Interface("json_schema", {"title": "Task", "properties": {"id": {}, "title": {}}},
                       source=Path("/specs/task.json"), origin="file")
    got = notebook.interface_summary(Contract(**{**base.__dict__, "interface": schema}))
    assert got == notebook.InterfaceSummary("json_schema", "Task from task.json: 2 properties",
                                            ("id", "title"))
    events = Interface("event_schemas", {"task_created": {}, "task_deleted": {}})
    got = notebook.interface_summary(Contract(**{**base.__dict__, "interface": events}))
    assert got.headline == "event schemas (designed): 2 message types"
    broken = Interface("graphql", "type Query {", origin="inline")
    got = notebook.interface_summary(Contract(**{**base.__dict__, "interface": broken}))
    assert got.headline.startswith("GraphQL SDL (inline): does not parse (Syntax Error")


# ------------------------------------------------------------------ ReportView


def write_report(out: Path, report: dict[str, Any]) -> Path:
    (out / ".teamspec").mkdir(parents=True)
    (out / ".teamspec" / "report.json").write_text(json.dumps(report))
    return out


def test_report_view(tmp_path: Path, plan: Plan) -> None:
    out = write_report(tmp_path / "build", sample_report())
    view = notebook.ReportView(out, plan=plan)
    assert list(view.tabs.titles) == ["Schedule", "Savings", "Quality", "Findings", "Files"]
    for name in ("gantt", "savings", "quality"):
        assert view.images[name].value[:4] == b"\x89PNG" and len(view.images[name].value) > 5_000
    summary = view.html["summary"].value
    assert summary.startswith("<p><b>sample</b> · executor offline · 2 workers")
    assert "1 blocked, 1 failed, 1 succeeded" in summary
    assert "savings 33%" in summary and "<b>below the threshold</b>" in summary
    quality = view.html["quality"].value
    assert quality.count("<tr>") == 4
    assert "<span style='color:#d62728;font-weight:bold'>failed</span>" in quality
    findings = view.html["findings"].value
    assert "<code>file_contains</code>" in findings and "frontend/app.js:3" in findings
    assert "(integration)" in findings and "GET /tasks" in findings
    assert ("<td>web_ui</td><td>web_client</td><td>file_contains: frontend/app.js</td>"
            "<td><span style='color:#d62728;font-weight:bold'>failed</span></td>"
            "<td>frontend/app.js does not contain &#x27;/tasks&#x27;</td>") in findings
    assert "1 free-text acceptance criterion unverified" in findings
    assert "npm test" not in findings
    assert "curl -X GET &#x27;http://127.0.0.1:9/tasks&#x27;" in findings
    files = view.html["files"].value
    assert "<b>task_api</b> — 2 files" in files and "<code>frontend/index.html</code>" in files
    assert "<b>review</b> — 0 files" in files
    assert WIDGET_VIEW in view._repr_mimebundle_()


def test_report_view_without_a_build(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as e:
        notebook.ReportView(tmp_path)
    assert e.value.lines() == [
        f"error: {tmp_path}: no build report: expected {tmp_path}/.teamspec/report.json; run "
        f"`teamspec build SPEC -o {tmp_path}` first, or pass the output directory of a "
        "finished build"
    ]


# ------------------------------------------------------------------ build()


def test_progress_follows_events() -> None:
    progress = notebook._Progress(0)
    assert progress.label.value == "starting…"
    progress(BuildEvent("build_started", 0.0, total=3, workers=2))
    assert progress.bar.max == 3 and progress.bar.value == 0
    progress(BuildEvent("contract_started", 0.1, contract="a"))
    progress(BuildEvent("contract_started", 0.1, contract="b"))
    assert progress.label.value == "0/3 contracts · running: a, b"
    progress(BuildEvent("contract_finished", 0.5, contract="a", status="succeeded"))
    progress(BuildEvent("contract_finished", 0.6, contract="b", status="failed"))
    progress(BuildEvent("contract_finished", 0.6, contract="c", status="blocked"))
    assert progress.bar.value == 3
    progress(BuildEvent("build_finished", 0.7, status="failed"))
    assert progress.bar.bar_style == "danger"
    assert progress.label.value == (
        "3/3 contracts · <span style='color:#d62728'>2 failed or blocked</span> · build failed"
    )
    progress(object())  # anything else is ignored, never raised
    assert progress.bar.value == 3


def test_build_from_a_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[Any] = []
    monkeypatch.setattr(notebook, "_display", shown.append)
    seen: list[Any] = []
    result = notebook.build(ROOT / "specs" / "minimal.yaml", out=tmp_path / "out",
                            executor="simulate", time_scale=0.001, on_event=seen.append)
    assert result is not None
    assert seen[0].kind == "build_started" and seen[-1].kind == "build_finished"
    progress_box, report_box = shown
    bar, label = progress_box.children
    assert bar.value == bar.max == seen[0].total > 0
    finished = seen[-1].status
    assert bar.bar_style == ("success" if finished == "ok" else "danger")
    assert label.value.endswith(f"· build {finished}")
    assert result.out_dir == tmp_path / "out"
    summary = report_box.children[0].value
    assert "<b>notes</b>" in summary and "executor simulate" in summary
    assert (tmp_path / "out" / ".teamspec" / "report.json").is_file()
