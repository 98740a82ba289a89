"""The generated backend as a real process on 127.0.0.1: raw HTTP behaviour,
and the generated contract and integration tests run against it."""

from __future__ import annotations

import contextlib
import http.client
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from offline_support import (
    CORPUS,
    full_stack_contracts,
    make_plan,
    render_all,
    run_pytest,
    running_backend,
)

from teamspec.model import Plan
from teamspec.offline.context import Job


@pytest.fixture(scope="module")
def tasks_project(tasks_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    out = tmp_path_factory.mktemp("tasks")
    render_all(tasks_plan, out)
    with running_backend(out / "backend" / "app.py") as url:
        yield out, url


@pytest.fixture(scope="module")
def pets_project(petstore_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    out = tmp_path_factory.mktemp("pets")
    render_all(petstore_plan, out)
    with running_backend(out / "backend" / "app.py") as url:
        yield out, url


def call(url: str, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        raw = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()
    data: Any = None
    if raw:
        data = json.loads(raw) if "json" in hdrs.get("content-type", "") else raw.decode()
    return resp.status, hdrs, data


JSON = {"Content-Type": "application/json"}


def test_unknown_path_is_404_problem(tasks_project: tuple[Path, str]) -> None:
    status, headers, body = call(tasks_project[1], "GET", "/nothing/here")
    assert status == 404
    assert headers["content-type"] == "application/problem+json"
    assert body["status"] == 404 and body["title"] == "Not Found"


def test_wrong_method_is_405_with_allow(tasks_project: tuple[Path, str]) -> None:
    status, headers, _ = call(tasks_project[1], "PATCH", "/tasks/1")
    assert status == 405
    assert headers["allow"] == "DELETE, GET, OPTIONS, PUT"
    status, headers, _ = call(tasks_project[1], "QUERY", "/tasks")
    assert (status, headers["allow"]) == (405, "GET, OPTIONS, POST")


def test_create_read_update_delete(tasks_project: tuple[Path, str]) -> None:
    url = tasks_project[1]
    status, headers, task = call(url, "POST", "/tasks", json.dumps({"title": "Écrire ✓", "dueDate": "2024-02-29"}).encode(), JSON)
    assert status == 201, task
    assert headers["location"] == f"/tasks/{task['id']}"
    assert task["title"] == "Écrire ✓" and task["status"] == "todo" and task["createdAt"].endswith("Z")
    assert call(url, "GET", headers["location"])[2] == task
    status, _, updated = call(url, "PUT", headers["location"], json.dumps({"title": "done", "status": "done"}).encode(), JSON)
    assert status == 200 and updated["status"] == "done" and updated["id"] == task["id"]
    assert updated["createdAt"] == task["createdAt"]
    done = call(url, "GET", "/tasks?status=done")[2]
    assert task["id"] in [t["id"] for t in done] and all(t["status"] == "done" for t in done)
    assert call(url, "DELETE", headers["location"])[0] == 204
    assert call(url, "GET", headers["location"])[0] == 404
    assert call(url, "DELETE", headers["location"])[0] == 404


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"status": "todo"}, 422, "missing required property 'title'"),
        ({"title": "x", "status": "archived"}, 422, "expected one of 'todo', 'doing', 'done', found 'archived'"),
        ({"title": "x", "dueDate": "2024-02-30"}, 422, "not a valid date"),
        ({"title": "x", "assigneeEmail": "not-an-email"}, 422, "not a valid email"),
        ({"title": "x", "priority": 10**30}, 422, "outside the int64 range"),
        ({"title": "x", "priority": 2.5}, 422, "expected integer, found number"),
        ({"title": "x", "owner": "me"}, 422, "property 'owner' is not allowed"),
        ({"title": ""}, 422, "shorter than 1 characters"),
        ([], 422, "expected object, found array"),
    ],
)
def test_invalid_bodies_get_the_declared_422(tasks_project: tuple[Path, str], body: Any, status: int, message: str) -> None:
    got, headers, problem = call(tasks_project[1], "POST", "/tasks", json.dumps(body).encode(), JSON)
    assert got == status, problem
    assert headers["content-type"] == "application/problem+json"
    assert any(e["message"] == message for e in problem["errors"]), problem


@pytest.mark.parametrize(
    ("raw", "headers"),
    [
        (b'{"title": ', JSON),
        (b'{"title": NaN}', JSON),
        (b'{"title": 1e999}', JSON),
        (b'{"title": "\\ud800"}', JSON),
        (b"\xff\xfe", JSON),
        (b"[" * 100_000 + b"]" * 100_000, JSON),
        (b"title=x", {"Content-Type": "application/x-www-form-urlencoded"}),
    ],
)
def test_malformed_requests_are_refused_never_500(tasks_project: tuple[Path, str], raw: bytes, headers: dict[str, str]) -> None:
    status, hdrs, problem = call(tasks_project[1], "POST", "/tasks", raw, headers)
    assert status == 400, problem
    assert hdrs["content-type"] == "application/problem+json"


def test_oversized_body_is_413(tasks_project: tuple[Path, str]) -> None:
    # refused before the body is read; the client, still sending, must get
    # the answer rather than a broken pipe (the server lingers on close)
    for size in (1_100_000, 8_000_000, 8_000_000):
        status, hdrs, problem = call(tasks_project[1], "POST", "/tasks", b"x" * size, JSON)
        assert status == 413
        assert hdrs["content-type"] == "application/problem+json"
        assert problem["detail"] == "The request body is larger than 1048576 bytes."


def test_query_and_path_parameters_are_validated(tasks_project: tuple[Path, str]) -> None:
    url = tasks_project[1]
    assert call(url, "GET", "/tasks?limit=abc")[0] == 400
    assert call(url, "GET", "/tasks?limit=1000")[0] == 400
    assert call(url, "GET", "/tasks?status=nope")[0] == 400
    assert call(url, "GET", "/tasks/abc")[0] == 404
    assert call(url, "GET", "/tasks/" + "9" * 40)[0] == 404
    assert call(url, "GET", "/tasks/%FF")[0] == 404


def test_limit_pages_the_list(tasks_project: tuple[Path, str]) -> None:
    url = tasks_project[1]
    for _ in range(3):
        call(url, "POST", "/tasks", b'{"title": "t"}', JSON)
    status, _, items = call(url, "GET", "/tasks?limit=2")
    assert status == 200 and len(items) == 2


def test_cors_preflight_and_head(tasks_project: tuple[Path, str]) -> None:
    status, headers, _ = call(tasks_project[1], "OPTIONS", "/tasks", headers={
        "Origin": "http://127.0.0.1:5173", "Access-Control-Request-Method": "POST"})
    assert status == 204
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-methods"] == "GET, OPTIONS, POST"
    status, headers, body = call(tasks_project[1], "HEAD", "/tasks")
    assert status == 200 and body is None and headers["content-type"] == "application/json"


def test_petstore_errors_use_its_error_schema(pets_project: tuple[Path, str]) -> None:
    url = pets_project[1]
    status, headers, body = call(url, "POST", "/pets", b'{"tag": "x"}', JSON)
    assert (status, headers["content-type"]) == (422, "application/json")
    assert body == {"code": 422, "message": "The request body does not match the schema."}
    status, _, pet = call(url, "POST", "/pets", b'{"name": "Rex"}', JSON)
    assert status == 200 and pet["name"] == "Rex" and isinstance(pet["id"], int)
    assert call(url, "GET", f"/v2/pets/{pet['id']}")[2] == pet  # the document's base path works too
    assert call(url, "GET", "/pets?tags=x&tags=y")[2] == []


def test_generated_contract_tests_pass_against_the_backend(tasks_project: tuple[Path, str]) -> None:
    out, url = tasks_project
    result = run_pytest(out / "tests" / "contract", out, {"TEAMSPEC_BASE_URL": url})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "\n15 passed" in result.stdout, result.stdout


def test_generated_integration_tests_pass_against_the_backend(tasks_project: tuple[Path, str]) -> None:
    out, url = tasks_project
    result = run_pytest(out / "tests" / "integration", out, {"TEAMSPEC_BASE_URL": url})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "\n3 passed" in result.stdout, result.stdout


def test_petstore_contract_and_integration_tests_pass(pets_project: tuple[Path, str]) -> None:
    out, url = pets_project
    result = run_pytest(out / "tests", out, {"TEAMSPEC_PET_API_URL": url})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "\n14 passed" in result.stdout, result.stdout


def test_generated_tests_fail_against_a_broken_backend(tasks_project: tuple[Path, str], tmp_path: Path) -> None:
    """The contract tests can fail: a backend that answers POST /tasks with
    an undeclared 200 instead of 201 is caught by every test that creates."""
    out, _ = tasks_project
    broken = tmp_path / "backend"
    broken.mkdir()
    for f in (out / "backend").glob("*.py"):
        text = f.read_text()
        if f.name == "api_spec.py":
            text = text.replace("'201'", "'200'")
        (broken / f.name).write_text(text)
    with running_backend(broken / "app.py") as url:
        result = run_pytest(out / "tests" / "contract", out, {"TEAMSPEC_BASE_URL": url})
    assert result.returncode == 1
    assert "POST /tasks: status 200 is not declared (declared: 201, 400, 422)" in result.stdout
    assert "\n8 failed, 7 passed" in result.stdout, result.stdout


def test_two_services_with_their_own_tests(services_plan: Plan, tmp_path: Path) -> None:
    render_all(services_plan, tmp_path)
    apis = Job(services_plan, services_plan.contracts[0]).apis
    assert [a.root for a in apis] == ["services/task_api", "services/user_api"]
    with contextlib.ExitStack() as stack:
        env = {a.env: stack.enter_context(running_backend(tmp_path / a.root / "app.py")) for a in apis}
        result = run_pytest(tmp_path / "tests", tmp_path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "\n31 passed" in result.stdout, result.stdout


def test_frontend_client_drives_the_backend_from_node(tasks_project: tuple[Path, str], tmp_path: Path) -> None:
    out, url = tasks_project
    script = tmp_path / "drive.js"
    script.write_text(
        f"""
const api = require({json.dumps(str(out / "frontend" / "api.js"))});
(async () => {{
  const c = api.createTaskApiClient({json.dumps(url)});
  const t = await c.createTask({{title: "from node", status: "doing"}});
  const got = await c.getTask(t.id);
  const list = await c.listTasks({{status: "doing"}});
  const upd = await c.updateTask(t.id, {{title: "renamed"}});
  await c.deleteTask(t.id);
  let missing = null;
  try {{ await c.getTask(t.id); }} catch (e) {{ missing = [e.name, e.status, e.body.status]; }}
  let invalid = null;
  try {{ await c.createTask({{}}); }} catch (e) {{ invalid = [e.status, e.body.errors[0].message]; }}
  console.log(JSON.stringify({{same: got.title === t.title, listed: list.some((x) => x.id === t.id),
    renamed: upd.title, missing, invalid, ops: Object.keys(api.operations.task_api)}}));
}})().catch((e) => {{ console.error(e); process.exit(1); }});
"""
    )
    result = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "same": True, "listed": True, "renamed": "renamed",
        "missing": ["ApiError", 404, 404],
        "invalid": [422, "missing required property 'title'"],
        "ops": ["listTasks", "createTask", "getTask", "updateTask", "deleteTask"],
    }


@pytest.mark.parametrize("name", sorted(p.stem for p in CORPUS.glob("*.yaml")))
def test_corpus_documents_end_to_end(name: str, tmp_path: Path) -> None:
    """Every persona renders for each hand-written corpus document; its
    backend runs and the generated contract and integration tests pass."""
    doc = yaml.safe_load((CORPUS / f"{name}.yaml").read_text())
    render_all(make_plan(full_stack_contracts(doc, "api")), tmp_path)
    with running_backend(tmp_path / "backend" / "app.py") as url:
        result = run_pytest(tmp_path / "tests", tmp_path, {"TEAMSPEC_BASE_URL": url})
    assert result.returncode == 0, result.stdout + result.stderr
    assert " failed" not in result.stdout and " passed" in result.stdout


def test_web_ui_lists_creates_edits_and_deletes(tasks_project: tuple[Path, str]) -> None:
    """app.js + api.js run in node with a minimal DOM: the UI's own handlers
    drive the live backend."""
    out, url = tasks_project
    script = Path(__file__).parent / "js" / "drive_ui.js"
    sample = json.dumps({"title": "From the UI", "status": "doing", "priority": 3})
    result = subprocess.run(["node", str(script), str(out / "frontend"), url, sample],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout)
    assert state["created"] == state["before"] + 1
    assert state["after"] == state["before"]
    assert state["createdStatus"].startswith("Created task ")
    assert state["edited"].startswith("Saved task ")
    assert state["shown"][1:4] == ["Edited in the UI", "", "doing"]
    assert state["deletedStatus"].startswith("Deleted task ")
