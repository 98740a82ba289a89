"""render_contract: every persona, layout paths, determinism, content that
follows the plan rather than boilerplate."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import replace
from typing import Any

import pytest
from offline_support import CATALOG, TASKS_DOC, full_stack_contracts, make_plan, rest_contract

from teamspec import layout
from teamspec.errors import InterfaceError
from teamspec.model import Contract, Interface, Plan
from teamspec.offline import render_contract, renderer_for
from teamspec.offline.personas import RENDERERS


def without_api() -> list[Contract]:
    """The full-stack contracts minus the REST contract (and every edge to it)."""
    return [
        replace(c, depends_on=tuple(d for d in c.depends_on if d != "task_api"),
                uses=tuple(u for u in c.uses if u != "task_api"))
        for c in full_stack_contracts(TASKS_DOC) if c.type != "rest_api"
    ]


def render_plan(plan: Plan) -> dict[str, dict[str, str]]:
    return {c.id: render_contract(plan, c.id) for c in plan.contracts}


def test_every_catalog_persona_has_a_template() -> None:
    assert sorted(RENDERERS) == sorted(CATALOG) == sorted(layout.PERSONA_ARTIFACTS)


def test_each_contract_writes_exactly_its_artifacts(tasks_plan: Plan) -> None:
    rendered = render_plan(tasks_plan)
    assert sorted(renderer_for(c)[0] for c in tasks_plan.contracts) == sorted(CATALOG)
    for contract in tasks_plan.contracts:
        files = rendered[contract.id]
        patterns = [p for d in contract.deliverables for p in d.artifacts]
        for pattern in patterns:
            assert fnmatch.filter(files, pattern.replace("**/", "*")), f"{contract.id}: nothing matches {pattern}"
        assert all(text.strip() for text in files.values()), contract.id
    everything = [p for files in rendered.values() for p in files]
    assert len(everything) == len(set(everything)), "two contracts write the same file"


def test_backend_files(tasks_plan: Plan) -> None:
    files = render_contract(tasks_plan, "task_api")
    assert sorted(files) == [
        "backend/README.md", "backend/api_spec.py", "backend/app.py", "backend/schema_check.py", "backend/server.py",
    ]
    assert "from teamspec" not in files["backend/server.py"]
    assert "import schema_check\n" in files["backend/server.py"]
    for name, text in files.items():
        if name.endswith(".py"):
            compile(text, name, "exec")
            imports = set(re.findall(r"^(?:from|import) (\w+)", text, re.M))
            assert imports <= {"__future__", "argparse", "datetime", "ipaddress", "json", "math", "re", "signal", "socket", "sys",
                               "threading", "time", "uuid", "collections", "dataclasses", "http", "typing", "urllib",
                               "schema_check", "api_spec", "server"}, (name, imports)
    assert "    PUT     /tasks/{taskId}  updateTask  update: Replace a task\n" in files["backend/app.py"]


def test_rendering_is_deterministic() -> None:
    first = render_plan(make_plan(full_stack_contracts(TASKS_DOC)))
    second = render_plan(make_plan(full_stack_contracts(TASKS_DOC)))
    assert first == second
    for files in first.values():
        for path, text in files.items():
            assert not path.startswith("/") and ".." not in path.split("/")
            assert "/tmp/" not in text and "/work/" not in text, path


def test_outputs_follow_the_contract_not_the_project_name(tasks_plan: Plan, petstore_plan: Plan) -> None:
    tasks = render_plan(tasks_plan)
    pets = render_plan(petstore_plan)
    for cid in ("requirements", "architecture", "security_review", "documentation", "database_schema", "web_ui"):
        for path in tasks[cid]:
            assert "/tasks" in tasks[cid][path] or "tasks" in tasks[cid][path], (cid, path)
            assert "/tasks" not in pets[cid][path], (cid, path)
        assert set(tasks[cid]) == set(pets[cid])


def test_requirements_have_stories_and_criteria(tasks_plan: Plan) -> None:
    text = render_contract(tasks_plan, "requirements")["docs/requirements.md"]
    assert "As a user, I want to add a task with its `title`, so that it is recorded and others can see it." in text
    assert ("- **Given** a task whose `status` is not one of `\"todo\"`, `\"doing\"`, `\"done\"`, **when** the user "
            "sends `POST /tasks`, **then** the answer is 422 (application/problem+json).") in text
    assert "**Given** a valid task such as `{\"title\": \"Buy milk\", \"status\": \"todo\", \"dueDate\": \"2024-05-01\"}`" in text
    for op in ("GET /tasks", "POST /tasks", "GET /tasks/{taskId}", "PUT /tasks/{taskId}", "DELETE /tasks/{taskId}"):
        assert f"| `task_api` | `{op}` |" in text
    assert "The requirement mentions users, but no REST contract manages them: are they in scope?" in text


def test_requirements_without_an_api_use_the_entities() -> None:
    plan = make_plan(without_api())
    text = render_contract(plan, "requirements")["docs/requirements.md"]
    assert "As a user, I want to add a task, so that it is recorded." in text
    assert "As a user, I want to remove a user, so that the list stays relevant." in text


def test_architecture_draws_the_plan(tasks_plan: Plan) -> None:
    text = render_contract(tasks_plan, "architecture")["docs/architecture.md"]
    for a, b, data in tasks_plan.graph.edges(data=True):
        arrow = "-.->" if data["kind"] == "interface" else "-->"
        assert f"  {a} {arrow} {b}\n" in text
    assert "| `assigneeEmail` | string (email) | no |   |" in text
    assert "1. `requirements`\n2. `architecture`, `task_api`, `ui_design`\n" in text


def test_security_review_lists_every_operation(tasks_plan: Plan) -> None:
    text = render_contract(tasks_plan, "security_review")["docs/security-review.md"]
    for op in ("GET /tasks", "POST /tasks", "GET /tasks/{taskId}", "PUT /tasks/{taskId}", "DELETE /tasks/{taskId}"):
        assert f"### `{op}`" in text
    assert "| high | `task_api DELETE /tasks/{taskId}` | changes data without any declared authentication |" in text
    assert "- [ ] `taskId` values are sequential integers: they can be enumerated; authorise access per object" in text


def test_api_reference_uses_the_document_examples(tasks_plan: Plan) -> None:
    text = render_contract(tasks_plan, "documentation")["docs/api.md"]
    assert '"title": "Buy milk",\n  "status": "todo",\n  "dueDate": "2024-05-01"' in text
    assert ("curl -i -X POST http://127.0.0.1:8000/tasks -H 'Content-Type: application/json' -d "
            "'{\"title\": \"Buy milk\", \"status\": \"todo\", \"dueDate\": \"2024-05-01\"}'") in text
    readme = render_contract(tasks_plan, "documentation")["README.md"]
    assert "python backend/app.py --port 8000" in readme
    assert "TEAMSPEC_BASE_URL=http://127.0.0.1:8000 python -m pytest -q tests/contract" in readme


def test_review_counts_criteria_and_gaps(tasks_plan: Plan) -> None:
    text = render_contract(tasks_plan, "project_review")["docs/review.md"]
    assert "| Acceptance criteria | 3 machine checks, 13 free text |" in text
    assert ("1. **low** — `task_api`: `conforms` needs a `serve` command to start the provider "
            "(e.g. `python backend/app.py --port {port}`)") in text


def test_custom_persona_gets_a_work_document(services_plan: Plan) -> None:
    files = render_contract(services_plan, "ranking_model")
    assert list(files) == ["docs/ranking_model.md"]
    text = files["docs/ranking_model.md"]
    assert text.startswith("# Ranking Model — work plan of the Ml Engineer\n")
    assert "Rank tasks by predicted urgency for each user." in text
    assert "- [ ] The model report is complete _(free text" in text
    assert "- `user_api` — User API (Backend Developer): must be finished first" in text
    assert "- `task_api` — Task API (Backend Developer): interface only, may start against its mock" in text
    assert "- `DELETE /users/{userId}` — deleteUser" in text


def test_backend_developer_without_rest_contract_writes_a_work_document() -> None:
    contract = Contract(id="etl_job", name="ETL job", type="deliverable", provider="backend_developer",
                        description="Nightly import of tasks from the legacy system.")
    files = render_contract(make_plan([contract]), "etl_job")
    assert list(files) == ["docs/etl_job.md"]
    assert "Nightly import of tasks from the legacy system." in files["docs/etl_job.md"]


def test_graphql_interface_is_summarised() -> None:
    sdl = "type Query { tasks: [Task!]! }\ntype Task { id: ID! title: String! }\nenum Status { TODO DONE }\n"
    contract = Contract(id="task_graph", name="Task graph", type="graphql", provider="ml_engineer",
                        interface=Interface(kind="graphql", document=sdl))
    text = render_contract(make_plan([contract]), "task_graph")["docs/task_graph.md"]
    assert "- type `Query`\n- type `Task`\n- enum `Status`\n" in text


def test_every_persona_renders_without_a_rest_contract() -> None:
    plan = make_plan(without_api())
    for c in plan.contracts:
        files = render_contract(plan, c.id)
        assert files and all(text.strip() for text in files.values()), c.id


def test_rest_contract_without_openapi_3_is_an_error() -> None:
    doc: dict[str, Any] = {"swagger": "2.0", "info": {"title": "old"}, "paths": {}}
    plan = make_plan([rest_contract("old_api", doc)])
    with pytest.raises(InterfaceError) as err:
        render_contract(plan, "old_api")
    assert err.value.message == (
        "contract old_api: the offline backend needs an OpenAPI 3 document as the interface; "
        "found openapi: '2.0'; write an OpenAPI 3.x document or let design generate one"
    )


def test_unknown_contract_is_a_key_error(tasks_plan: Plan) -> None:
    with pytest.raises(KeyError):
        render_contract(tasks_plan, "nope")


def test_qa_without_rest_contract_tests_the_deliverables() -> None:
    text = render_contract(make_plan(without_api()), "contract_tests")["tests/contract/test_deliverables.py"]
    assert "('requirements', 'docs/requirements.md')" in text
    compile(text, "test_deliverables.py", "exec")
