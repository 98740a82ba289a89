"""Plans built by hand for the offline persona tests, and helpers to run
generated backends as real processes on 127.0.0.1 (imported by the tests
and by conftest.py)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from teamspec import layout
from teamspec.model import (
    AcceptanceItem,
    Analysis,
    BlueprintChoice,
    BlueprintScore,
    Contract,
    Deliverable,
    Interface,
    Persona,
    Plan,
    ScheduledContract,
    Spec,
)
from teamspec.offline import render_contract

CORPUS = Path("/work/shared/corpus/openapi")
PETSTORE = CORPUS / "petstore-expanded.yaml"

CATALOG: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "requirement_analyst": ("Requirement Analyst", "Turns the requirement into user stories", ("analysis", "user stories")),
    "solution_architect": ("Solution Architect", "Designs components and interfaces", ("architecture", "api design")),
    "ui_ux_designer": ("UI/UX Designer", "Designs screens and flows", ("ux", "wireframes")),
    "frontend_developer": ("Frontend Developer", "Builds the web UI", ("javascript", "html", "css")),
    "backend_developer": ("Backend Developer", "Implements the REST API", ("python", "rest")),
    "database_specialist": ("Database Specialist", "Designs the schema", ("sql", "sqlite")),
    "devops_engineer": ("DevOps Engineer", "Builds CI and containers", ("docker", "github actions")),
    "qa_engineer": ("QA Engineer", "Writes contract tests", ("pytest", "testing")),
    "security_specialist": ("Security Specialist", "Reviews security", ("owasp", "threat modelling")),
    "technical_writer": ("Technical Writer", "Writes the documentation", ("markdown", "docs")),
    "deployment_specialist": ("Deployment Specialist", "Deploys the services", ("compose", "deployment")),
    "integration_tester": ("Integration Tester", "Tests flows across services", ("pytest", "integration")),
    "project_reviewer": ("Project Reviewer", "Reviews the plan and results", ("review",)),
}

TASKS_DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Task API", "version": "1.0.0", "description": "Tasks of the task manager."},
    "servers": [{"url": "http://127.0.0.1:8000"}],
    "paths": {
        "/tasks": {
            "get": {
                "operationId": "listTasks",
                "summary": "List tasks",
                "parameters": [
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                    {"name": "status", "in": "query", "required": False,
                     "schema": {"$ref": "#/components/schemas/Status"}},
                ],
                "responses": {
                    "200": {"description": "The tasks", "content": {"application/json": {
                        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                },
            },
            "post": {
                "operationId": "createTask",
                "summary": "Create a task",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/TaskInput"},
                    "examples": {"groceries": {"value": {"title": "Buy milk", "status": "todo", "dueDate": "2024-05-01"}}},
                }}},
                "responses": {
                    "201": {
                        "description": "Created",
                        "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}},
                    },
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                },
            },
        },
        "/tasks/{taskId}": {
            "parameters": [{"name": "taskId", "in": "path", "required": True,
                            "schema": {"type": "integer", "format": "int64", "minimum": 1}}],
            "get": {
                "operationId": "getTask",
                "summary": "Get a task",
                "responses": {
                    "200": {"description": "The task", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Task"},
                        "example": {"id": 1, "title": "Buy milk", "status": "todo", "dueDate": "2024-05-01",
                                    "createdAt": "2024-04-01T10:00:00Z"}}}},
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            },
            "put": {
                "operationId": "updateTask",
                "summary": "Replace a task",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/TaskInput"}}}},
                "responses": {
                    "200": {"description": "Updated", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Task"}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                },
            },
            "delete": {
                "operationId": "deleteTask",
                "summary": "Delete a task",
                "responses": {"204": {"description": "Deleted"}, "404": {"$ref": "#/components/responses/NotFound"}},
            },
        },
    },
    "components": {
        "responses": {
            "BadRequest": {"description": "Malformed request", "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}},
            "NotFound": {"description": "No such task", "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}},
            "Invalid": {"description": "Invalid task", "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}},
        },
        "schemas": {
            "Status": {"type": "string", "enum": ["todo", "doing", "done"]},
            "TaskInput": {
                "type": "object",
                "additionalProperties": False,
                "required": ["title"],
                "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": 200, "example": "Buy milk"},
                    "description": {"type": "string", "nullable": True, "maxLength": 2000},
                    "status": {"$ref": "#/components/schemas/Status"},
                    "dueDate": {"type": "string", "format": "date"},
                    "assigneeEmail": {"type": "string", "format": "email"},
                    "priority": {"type": "integer", "minimum": 1, "maximum": 5},
                },
            },
            "Task": {
                "type": "object",
                "required": ["id", "title", "status", "createdAt"],
                "properties": {
                    "id": {"type": "integer", "format": "int64", "readOnly": True},
                    "title": {"type": "string", "minLength": 1, "maxLength": 200},
                    "description": {"type": "string", "nullable": True, "maxLength": 2000},
                    "status": {"$ref": "#/components/schemas/Status"},
                    "dueDate": {"type": "string", "format": "date"},
                    "assigneeEmail": {"type": "string", "format": "email"},
                    "priority": {"type": "integer", "minimum": 1, "maximum": 5},
                    "createdAt": {"type": "string", "format": "date-time", "readOnly": True},
                },
            },
            "Problem": {
                "type": "object",
                "required": ["title", "status"],
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object", "properties": {
                        "path": {"type": "string"}, "message": {"type": "string"}}}},
                },
            },
        },
    },
}

USERS_DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "User API", "version": "0.2.0"},
    "paths": {
        "/users": {
            "get": {"operationId": "listUsers", "responses": {"200": {"description": "ok", "content": {
                "application/json": {"schema": {"type": "object", "required": ["items", "total"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/User"}},
                    "total": {"type": "integer"}}}}}}}},
            "post": {"operationId": "createUser", "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/NewUser"}}}},
                "responses": {"201": {"description": "created", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/User"}}}},
                    "422": {"description": "invalid", "content": {"application/problem+json": {"schema": {"type": "object"}}}}}},
        },
        "/users/{userId}": {
            "get": {"operationId": "getUser", "parameters": [{"name": "userId", "in": "path", "required": True,
                                                               "schema": {"type": "string", "format": "uuid"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/User"}}}},
                        "404": {"description": "missing"}}},
            "delete": {"operationId": "deleteUser", "parameters": [{"name": "userId", "in": "path", "required": True,
                                                                     "schema": {"type": "string", "format": "uuid"}}],
                       "responses": {"204": {"description": "gone"}, "404": {"description": "missing"}}},
        },
        "/health": {"get": {"operationId": "health", "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "object", "required": ["status"], "properties": {
                "status": {"type": "string", "enum": ["ok"]}}}}}}}}},
    },
    "components": {"schemas": {
        "NewUser": {"type": "object", "required": ["email", "name"], "properties": {
            "email": {"type": "string", "format": "email"}, "name": {"type": "string", "maxLength": 80},
            "role": {"type": "string", "enum": ["member", "admin"], "default": "member"}}},
        "User": {"allOf": [{"$ref": "#/components/schemas/NewUser"}, {"type": "object", "required": ["id"],
                                                                       "properties": {"id": {"type": "string", "format": "uuid"}}}]},
    }},
}


def persona(pid: str) -> Persona:
    if pid in CATALOG:
        name, role, expertise = CATALOG[pid]
        return Persona(id=pid, name=name, role=role, expertise=expertise,
                       responsibilities=(f"Own the {name.lower()} work of the project",))
    return Persona(id=pid, name=pid.replace("_", " ").title(), role="Custom specialist",
                   expertise=("python", "pytorch"), responsibilities=("Train the ranking model",), source="spec")


def deliverable(name: str, artifacts: Sequence[str], *checks: AcceptanceItem) -> Deliverable:
    return Deliverable(name=name, description=f"The {name.replace('_', ' ')}", artifacts=tuple(artifacts),
                       acceptance=(AcceptanceItem(text=f"The {name.replace('_', ' ')} is complete"), *checks))


def make_plan(
    contracts: Sequence[Contract],
    *,
    requirement: str = "Build a task management web application with a REST API and a web UI, "
    "where users create, edit, assign and delete tasks with due dates.",
    entities: Sequence[str] = ("tasks", "users"),
    name: str = "task-manager",
    extra_personas: Sequence[Persona] = (),
) -> Plan:
    import networkx as nx

    graph = nx.DiGraph()
    for c in contracts:
        graph.add_node(c.id)
    for c in contracts:
        for d in c.depends_on:
            graph.add_edge(d, c.id, kind="implementation")
        for u in c.uses:
            graph.add_edge(u, c.id, kind="interface")
    order = list(nx.topological_sort(graph))
    by_id = {c.id: c for c in contracts}
    groups = tuple(tuple(sorted(g)) for g in nx.topological_generations(graph))
    priorities: dict[str, float] = {}
    for cid in reversed(order):
        priorities[cid] = by_id[cid].effort_hours + max((priorities[s] for s in graph.successors(cid)), default=0.0)
    finish: dict[str, float] = {}
    schedule = {}
    for cid in order:
        start = max((finish[p] for p in graph.predecessors(cid)), default=0.0)
        finish[cid] = start + by_id[cid].effort_hours
        schedule[cid] = ScheduledContract(cid, start, finish[cid], 0)
    critical = [max(order, key=lambda c: (priorities[c], c))] if order else []
    while critical and list(graph.successors(critical[-1])):
        critical.append(max(graph.successors(critical[-1]), key=lambda c: (priorities[c], c)))
    team = tuple(persona(p) for p in sorted({c.provider for c in contracts})) + tuple(extra_personas)
    spec = Spec(path=Path("specs") / f"{name}.yaml", name=name, requirement=requirement)
    analysis = Analysis(
        type="feature_development", complexity="moderate", parallelizability="partially_parallel",
        effort_hours=40.0, expertise=("python", "javascript"), entities=tuple(entities),
        risks=("Integration between frontend and backend may drift from the contract",
               "Due dates across time zones are ambiguous"),
        confidence=0.7,
    )
    blueprint = BlueprintChoice(
        id="parallel-contract-first", name="Parallel contract-first", score=0.86,
        reasons=("requirement is partially parallel",),
        alternatives=(BlueprintScore("hybrid-full-sdlc", 0.8), BlueprintScore("parallel-basic", 0.7)),
    )
    total = sum(c.effort_hours for c in contracts)
    return Plan(
        spec=spec, analysis=analysis, blueprint=blueprint, team=team,
        contracts=tuple(by_id[c] for c in order), groups=groups, priorities=priorities,
        critical_path=tuple(critical), critical_path_hours=max(priorities.values(), default=0.0),
        sequential_hours=total, predicted_makespan_hours=max(finish.values(), default=0.0),
        lower_bound_hours=max(max(priorities.values(), default=0.0), total / 4), barrier_makespan_hours=total,
        predicted_savings=0.3, workers=4, schedule=schedule,
    )


def rest_contract(cid: str, document: Mapping[str, Any], rest_count: int = 1, **kw: Any) -> Contract:
    return Contract(
        id=cid, name=str(document["info"]["title"]), type="rest_api", provider="backend_developer",
        consumers=("frontend_developer", "qa_engineer"),
        interface=Interface(kind="openapi", document=document), mock=True, effort_hours=8,
        deliverables=(deliverable("api_implementation", layout.backend_patterns(cid, rest_count),
                                  AcceptanceItem(check="conforms")),),
        **kw,
    )


def full_stack_contracts(document: Mapping[str, Any], api_id: str = "task_api") -> list[Contract]:
    """A contract for every persona of the catalog around one REST API."""
    out = [rest_contract(api_id, document, depends_on=("requirements",))]
    deps: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
        "requirement_analyst": ((), ()),
        "solution_architect": (("requirements",), ()),
        "ui_ux_designer": (("requirements",), ()),
        "frontend_developer": (("ui_design",), (api_id,)),
        "database_specialist": (("architecture",), (api_id,)),
        "devops_engineer": ((api_id,), ()),
        "qa_engineer": ((), (api_id,)),
        "security_specialist": ((api_id,), ()),
        "technical_writer": ((api_id, "web_ui"), ()),
        "deployment_specialist": (("ci_pipeline",), ()),
        "integration_tester": ((api_id, "web_ui"), ()),
        "project_reviewer": (("documentation", "contract_tests"), ()),
    }
    for pid, (depends, uses) in deps.items():
        cid, artifacts = layout.PERSONA_ARTIFACTS[pid]
        checks: list[AcceptanceItem] = []
        if pid == "qa_engineer":
            checks.append(AcceptanceItem(check="command", run="python -m pytest -q tests/contract"))
        if pid == "requirement_analyst":
            checks.append(AcceptanceItem(check="file_contains", path="docs/requirements.md", text="As a"))
        out.append(Contract(
            id=cid, name=cid.replace("_", " ").title(), type="deliverable", provider=pid,
            depends_on=depends, uses=uses, effort_hours=3,
            deliverables=(deliverable(cid, artifacts, *checks),),
        ))
    return out


def render_all(plan: Plan, out: Path) -> dict[str, str]:
    """Render every contract of ``plan`` into ``out``; returns all files."""
    files: dict[str, str] = {}
    for c in plan.contracts:
        rendered = render_contract(plan, c.id)
        overlap = set(rendered) & set(files)
        assert not overlap, f"{c.id} rewrites {sorted(overlap)}"
        files.update(rendered)
    for rel, text in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return files


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_backend(app: Path, timeout: float = 10.0) -> Iterator[str]:
    """Start ``python app --port P`` on 127.0.0.1, wait until it answers,
    yield its base URL, always terminate it."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(app), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=app.parent,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                out, err = proc.communicate()
                raise AssertionError(f"{app} exited with {proc.returncode}: {err.decode()}{out.decode()}")
            try:
                urllib.request.urlopen(url + "/__teamspec_probe__", timeout=1)
            except urllib.error.HTTPError:
                break  # it answered (404)
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{app} did not answer on {url} within {timeout} s") from None
                time.sleep(0.05)
            else:
                break
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def run_pytest(target: Path, cwd: Path, env: Mapping[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env}
    full_env.pop("PYTEST_ADDOPTS", None)
    full_env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the generated tests need no plugin; startup stays fast
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(cwd), str(target)],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout,
    )
