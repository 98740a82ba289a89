"""The generated non-Python artifacts are valid for their tools: JavaScript
(node --check), SQL (sqlite3), YAML, HTML, Dockerfile paths."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from offline_support import TASKS_DOC, full_stack_contracts, make_plan, render_all

from teamspec.model import Plan
from teamspec.offline import render_contract


@pytest.fixture(scope="module")
def projects(tasks_plan: Plan, petstore_plan: Plan, services_plan: Plan,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, str]]]:
    out = {}
    for name, plan in (("tasks", tasks_plan), ("pets", petstore_plan), ("services", services_plan)):
        root = tmp_path_factory.mktemp(name)
        out[name] = (root, render_all(plan, root))
    return out


@pytest.mark.parametrize("name", ["tasks", "pets"])
def test_javascript_passes_node_check(projects: dict[str, tuple[Path, dict[str, str]]], name: str) -> None:
    root, _ = projects[name]
    for js in ("frontend/api.js", "frontend/app.js"):
        result = subprocess.run(["node", "--check", str(root / js)], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr


def test_api_js_calls_every_operation(tasks_plan: Plan, petstore_plan: Plan) -> None:
    tasks = render_contract(tasks_plan, "web_ui")["frontend/api.js"]
    for line in (
        'listTasks(query) {\n        return send(base, "GET", `/tasks`, { query });',
        'createTask(body) {\n        return send(base, "POST", `/tasks`, { body });',
        'getTask(taskId) {\n        return send(base, "GET", `/tasks/${encodeURIComponent(taskId)}`, {});',
        'updateTask(taskId, body) {\n        return send(base, "PUT", `/tasks/${encodeURIComponent(taskId)}`, { body });',
        'deleteTask(taskId) {\n        return send(base, "DELETE", `/tasks/${encodeURIComponent(taskId)}`, {});',
    ):
        assert line in tasks
    assert "   * @property {Status} [status]\n" in tasks
    assert '   * @typedef {("todo"|"doing"|"done")} Status\n' in tasks
    pets = render_contract(petstore_plan, "web_ui")["frontend/api.js"]
    assert 'findPetById(id) {\n        return send(base, "GET", `/pets/${encodeURIComponent(id)}`, {});' in pets
    app = render_contract(petstore_plan, "web_ui")["frontend/app.js"]
    resources = json.loads(re.search(r"const RESOURCES = (\[.*?\n  \]);", app, re.S).group(1))  # type: ignore[union-attr]
    assert [(r["ops"]["list"], r["ops"]["create"], r["ops"]["remove"]) for r in resources] == [("findPets", "addPet", "deletePet")]
    assert [f["name"] for f in resources[0]["fields"]] == ["name", "tag"]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "script" and a.get("src"):
            self.scripts.append(str(a["src"]))
        if tag not in ("meta", "link", "br", "input", "img"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack[-3:], tag)
        self.stack.pop()


def test_html_is_well_formed(projects: dict[str, tuple[Path, dict[str, str]]]) -> None:
    _, files = projects["tasks"]
    page = _Tags()
    page.feed(files["frontend/index.html"])
    assert page.stack == ["html"] or page.stack == [], page.stack
    assert page.scripts == ["api.js", "app.js"]
    assert "task_api-tasks" in page.ids
    wire = _Tags()
    wire.feed(files["design/wireframe.html"])
    assert "task_api-tasks" in wire.ids


def test_html_escapes_spec_text() -> None:
    plan = make_plan(full_stack_contracts(TASKS_DOC), requirement="Tasks <script>alert('x')</script> & more")
    html = render_contract(plan, "web_ui")["frontend/index.html"]
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in html


@pytest.mark.parametrize("name", ["tasks", "pets", "services"])
def test_schema_sql_applies_and_constrains(projects: dict[str, tuple[Path, dict[str, str]]], name: str) -> None:
    _, files = projects[name]
    db = sqlite3.connect(":memory:")
    db.executescript(files["db/schema.sql"])
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    expected = {"tasks": {"tasks"}, "pets": {"pets"}, "services": {"tasks", "users"}}[name]
    assert tables == expected


def test_schema_sql_checks_follow_the_schemas(projects: dict[str, tuple[Path, dict[str, str]]]) -> None:
    db = sqlite3.connect(":memory:")
    db.executescript(projects["tasks"][1]["db/schema.sql"])
    insert = "INSERT INTO tasks (title, status, due_date, priority, created_at) VALUES (?, ?, ?, ?, ?)"
    db.execute(insert, ("Buy milk", "todo", "2024-05-01", 3, "2024-04-01T10:00:00Z"))
    for bad in (
        ("x", "archived", "2024-05-01", 3, "2024-04-01T10:00:00Z"),  # enum
        ("x", "todo", "2024-02-30", 3, "2024-04-01T10:00:00Z"),  # date
        ("x", "todo", "2024-05-01", 9, "2024-04-01T10:00:00Z"),  # maximum
        ("", "todo", "2024-05-01", 3, "2024-04-01T10:00:00Z"),  # minLength
        (None, "todo", None, None, "2024-04-01T10:00:00Z"),  # NOT NULL
    ):
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(insert, bad)
    columns = [row[1] for row in db.execute("PRAGMA table_info(tasks)")]
    assert columns == ["id", "title", "description", "status", "due_date", "assignee_email", "priority", "created_at"]


def test_users_table_keeps_uuid_keys(projects: dict[str, tuple[Path, dict[str, str]]]) -> None:
    sql = projects["services"][1]["db/schema.sql"]
    assert "    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36)" in sql
    assert "    role TEXT DEFAULT 'member' CHECK (role IN ('member', 'admin'))," in sql


def test_ci_workflow_runs_the_generated_tests(projects: dict[str, tuple[Path, dict[str, str]]]) -> None:
    root, files = projects["tasks"]
    ci = yaml.safe_load(files[".github/workflows/ci.yml"])
    assert set(ci) == {"name", "on", "jobs"}
    steps = ci["jobs"]["test"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "nohup python backend/app.py --port 8000" in runs
    assert "python -m pytest -q tests/contract" in runs and "python -m pytest -q tests/integration" in runs
    env = next(s["env"] for s in steps if s.get("name") == "Contract tests")
    assert env == {"TEAMSPEC_TASK_API_URL": "http://127.0.0.1:8000"}
    for path in re.findall(r"(?:python|node --check) ((?:backend|frontend|tests|db)/[\w/.]+)", runs + yaml.safe_dump(ci)):
        assert (root / path).exists(), path
    assert set(ci["jobs"]) == {"test", "frontend", "image"}


def test_dockerfile_copies_existing_directories(projects: dict[str, tuple[Path, dict[str, str]]]) -> None:
    for name in ("tasks", "services"):
        root, files = projects[name]
        dockerfile = files["Dockerfile"]
        for source in re.findall(r"^COPY (\S+) ", dockerfile, re.M):
            if "${SERVICE}" in source:
                for a in ("task_api", "user_api"):
                    assert (root / source.replace("${SERVICE}", a)).is_dir()
            else:
                assert (root / source).is_dir(), source
        assert 'CMD ["python", "service/app.py", "--host", "0.0.0.0", "--port", "8000"]' in dockerfile


def test_compose_runs_every_backend(projects: dict[str, tuple[Path, dict[str, str]]]) -> None:
    _, files = projects["services"]
    compose = yaml.safe_load(files["deploy/compose.yaml"])
    services = compose["services"]
    assert sorted(services) == ["task-api", "user-api"]
    assert services["user-api"]["ports"] == ["8001:8000"]
    assert services["user-api"]["build"] == {"context": "..", "dockerfile": "Dockerfile", "args": {"SERVICE": "user_api"}}
    root, files = projects["tasks"]
    compose = yaml.safe_load(files["deploy/compose.yaml"])
    assert compose["services"]["frontend"]["depends_on"] == {"task-api": {"condition": "service_healthy"}}
    assert compose["services"]["frontend"]["volumes"] == ["../frontend:/srv/frontend:ro"]
    assert (root / "deploy" / ".." / "frontend").is_dir()


def test_compose_without_dockerfile_mounts_the_sources(tasks_plan: Plan) -> None:
    contracts = [c for c in tasks_plan.contracts if c.provider != "devops_engineer"]
    contracts = [replace(c, depends_on=tuple(d for d in c.depends_on if d != "ci_pipeline")) for c in contracts]
    compose = yaml.safe_load(render_contract(make_plan(contracts), "deployment")["deploy/compose.yaml"])
    api = compose["services"]["task-api"]
    assert api["image"] == "python:3.11-slim" and api["volumes"] == ["../backend:/srv/service:ro"]
    assert api["command"] == ["python", "service/app.py", "--host", "0.0.0.0", "--port", "8000"]


def test_generated_python_compiles(projects: dict[str, tuple[Path, dict[str, str]]]) -> None:
    for _, files in projects.values():
        for path, text in files.items():
            if path.endswith(".py"):
                compile(text, path, "exec")
