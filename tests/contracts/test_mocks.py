"""Behaviour of the two REST mocks (Python ``teamspec mock serve`` and the
generated Express 5 ``mock_server.js``), both running for real on
127.0.0.1, and proof that they answer the same requests identically."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rest_support import FIXTURES, Answer, call, designed_doc, mock

from teamspec.contracts.mockserver import load_contract_openapi, make_server
from teamspec.contracts.mocktable import build_mock_table
from teamspec.errors import UsageError

BEHAVIOUR: dict[str, Any] = yaml.safe_load((FIXTURES / "behaviour.yaml").read_text(encoding="utf-8"))
KINDS = ("python", "node")
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module", params=KINDS)
def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with mock(request.param, BEHAVIOUR, tmp_path_factory.mktemp("mock")) as base:
        yield base


def problem_body(answer: Answer) -> dict[str, Any]:
    assert answer.headers["content-type"] == PROBLEM
    body: dict[str, Any] = answer.json()
    return body


def test_named_examples_headers_and_cors(url: str) -> None:
    answer = call(url, "GET", "/notes")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-total"] == "1"
    assert answer.headers["access-control-allow-origin"] == "*"
    assert answer.json() == [{"id": 1, "text": "first"}, {"id": 2, "text": "second"}]


def test_prefer_example_and_code(url: str) -> None:
    assert call(url, "GET", "/notes", headers={"Prefer": "example=one"}).json() == [{"id": 3, "text": "third"}]
    answer = call(url, "GET", "/notes/7", headers={"Prefer": "code=404"})
    assert (answer.status, answer.json()) == (404, {"code": 404, "message": "no such note"})
    answer = call(url, "GET", "/notes", headers={"Prefer": "code=404"})
    assert (answer.status, answer.json()) == (404, {"code": 1, "message": "string"})
    answer = call(url, "GET", "/notes", headers={"Prefer": "code=404, example=nothing"})
    assert problem_body(answer)["detail"] == (
        "Prefer: example=nothing is not an example of GET /notes 404 application/json; examples: none")
    answer = call(url, "GET", "/notes", headers={"Prefer": "code=500"})
    assert answer.status == 400
    assert problem_body(answer)["detail"] == "Prefer: code=500 is not declared for GET /notes; declared: 200, 404"
    answer = call(url, "GET", "/notes", headers={"Prefer": "example=three"})
    assert problem_body(answer)["detail"] == (
        "Prefer: example=three is not an example of GET /notes 200 application/json; examples: two, one")


def test_content_negotiation(url: str) -> None:
    answer = call(url, "GET", "/notes", headers={"Accept": "text/csv"})
    assert (answer.status, answer.headers["content-type"], answer.body) == (200, "text/csv", b"id,text\n1,first\n")
    answer = call(url, "GET", "/notes", headers={"Accept": "text/html, application/json;q=0.5"})
    assert answer.headers["content-type"] == "application/json"
    answer = call(url, "GET", "/notes", headers={"Accept": "application/xml"})
    assert answer.status == 406
    assert problem_body(answer) == {
        "type": "about:blank", "title": "Not Acceptable", "status": 406,
        "detail": "none of the media types of GET /notes (application/json, text/csv) is acceptable "
                  "(Accept: application/xml)",
    }


def test_request_validation_without_a_declared_error_response(url: str) -> None:
    answer = call(url, "GET", "/notes?limit=0&tag=a&tag=c")
    assert answer.status == 422
    assert problem_body(answer) == {
        "type": "about:blank", "title": "Unprocessable Content", "status": 422,
        "detail": "the request does not match the contract of GET /notes",
        "validation": [
            {"location": "query.limit", "keyword": "minimum", "message": "must be >= 1"},
            {"location": "query.tag/1", "keyword": "enum", "message": 'must be one of ["a","b"]'},
        ],
    }
    answer = call(url, "POST", "/notes", body={"text": "", "colour": "red"})
    assert problem_body(answer)["validation"] == [
        {"location": "body/colour", "keyword": "additionalProperties", "message": "must NOT be present"},
        {"location": "body/text", "keyword": "minLength", "message": "must NOT have fewer than 1 characters"},
    ]
    answer = call(url, "POST", "/notes", raw=b"{nope", headers={"Content-Type": "application/json"})
    assert problem_body(answer)["validation"] == [
        {"location": "body", "keyword": "json", "message": "must be valid JSON"}]
    answer = call(url, "POST", "/notes")
    assert problem_body(answer)["validation"] == [{"location": "body", "keyword": "required", "message": "is required"}]
    answer = call(url, "POST", "/notes", raw=b"hi", headers={"Content-Type": "text/plain"})
    assert answer.status == 415
    assert problem_body(answer)["detail"] == (
        "request media type text/plain is not declared for POST /notes; declared: application/json")


def test_invalid_path_parameter_gets_the_declared_404(url: str) -> None:
    answer = call(url, "GET", "/notes/abc")
    assert (answer.status, answer.json()) == (404, {"code": 404, "message": "no such note"})


def test_unknown_path_wrong_method_preflight_and_head(url: str) -> None:
    answer = call(url, "GET", "/nothing/here")
    assert answer.status == 404
    assert problem_body(answer)["detail"] == "no operation of the contract matches the path /nothing/here"
    answer = call(url, "PUT", "/notes")
    assert (answer.status, answer.headers["allow"]) == (405, "GET, POST, HEAD, OPTIONS")
    assert problem_body(answer)["detail"] == "PUT is not declared for /notes; allowed: GET, POST, HEAD, OPTIONS"
    answer = call(url, "OPTIONS", "/notes/1", headers={
        "Origin": "http://localhost:5173", "Access-Control-Request-Method": "DELETE",
        "Access-Control-Request-Headers": "content-type"})
    assert answer.status == 204 and answer.body == b""
    assert answer.headers["access-control-allow-methods"] == "GET, DELETE, HEAD, OPTIONS"
    assert answer.headers["access-control-allow-headers"] == "content-type"
    assert answer.headers["access-control-allow-origin"] == "*"
    answer = call(url, "HEAD", "/notes")
    assert (answer.status, answer.body, answer.headers["content-type"]) == (200, b"", "application/json")


@pytest.mark.parametrize("kind", KINDS)
def test_stateful_crud(kind: str, tmp_path: Path) -> None:
    with mock(kind, BEHAVIOUR, tmp_path, stateful=True) as base:
        assert call(base, "GET", "/notes").json() == []
        assert call(base, "GET", "/notes/1").status == 404
        created = call(base, "POST", "/notes", body={"text": "hello"})
        assert (created.status, created.json()) == (201, {"id": 1, "text": "hello"})
        second = call(base, "POST", "/notes", body={"text": "again"})
        assert second.json() == {"id": 2, "text": "again"}
        assert call(base, "GET", "/notes/1").json() == {"id": 1, "text": "hello"}
        assert call(base, "GET", "/notes").json() == [{"id": 1, "text": "hello"}, {"id": 2, "text": "again"}]
        deleted = call(base, "DELETE", "/notes/1")
        assert (deleted.status, deleted.body) == (204, b"")
        gone = call(base, "GET", "/notes/1")
        assert (gone.status, gone.json()) == (404, {"code": 404, "message": "no such note"})
        assert call(base, "DELETE", "/notes/1").status == 404
        assert call(base, "GET", "/notes").json() == [{"id": 2, "text": "again"}]


@pytest.mark.parametrize("kind", KINDS)
def test_the_contracts_own_422_gets_the_validation_list(kind: str, tmp_path: Path) -> None:
    with mock(kind, designed_doc(), tmp_path, stateful=True) as base:
        answer = call(base, "POST", "/tasks", body={"description": 5})
        assert answer.status == 422
        assert answer.headers["content-type"] == PROBLEM
        body = answer.json()
        assert body["title"] == "Unprocessable Entity" and body["status"] == 422
        assert body["validation"] == [
            {"location": "body/description", "keyword": "type", "message": "must be string,null"},
            {"location": "body/status", "keyword": "required", "message": "is required"},
            {"location": "body/title", "keyword": "required", "message": "is required"},
        ]
        created = call(base, "POST", "/tasks", body={"title": "Ship it", "status": "todo"})
        assert created.status == 201
        task = created.json()
        assert task["id"] == 1 and task["title"] == "Ship it"
        assert call(base, "GET", "/tasks/1").json() == task
        replaced = call(base, "PUT", "/tasks/1", body={"title": "Ship it now", "status": "done"})
        assert replaced.json()["title"] == "Ship it now" and replaced.json()["status"] == "done"
        assert call(base, "DELETE", "/tasks/1").status == 204
        assert call(base, "GET", "/tasks/1").json()["title"] == "Not Found"


PARITY_REQUESTS: list[tuple[str, str, dict[str, str], bytes | None]] = [
    ("GET", "/notes", {}, None),
    ("GET", "/notes?limit=3&tag=a&tag=b", {"Accept": "*/*"}, None),
    ("GET", "/notes?limit=x", {}, None),
    ("GET", "/notes", {"Accept": "text/csv;q=0.9, application/json;q=0.8"}, None),
    ("GET", "/notes", {"Accept": "image/png"}, None),
    ("GET", "/notes", {"Prefer": "example=one"}, None),
    ("GET", "/notes/12", {"Prefer": "code=404"}, None),
    ("GET", "/notes/abc", {}, None),
    ("POST", "/notes", {"Content-Type": "application/json"}, b'{"text": "x"}'),
    ("POST", "/notes", {"Content-Type": "application/json"}, b'{"text": 1, "extra": [1]}'),
    ("POST", "/notes", {"Content-Type": "application/json"}, b"[]"),
    ("POST", "/notes", {"Content-Type": "application/merge-patch+json"}, b"{}"),
    ("POST", "/notes", {"Content-Type": "application/xml"}, b"<a/>"),
    ("DELETE", "/notes", {}, None),
    ("PATCH", "/notes/1", {}, None),
    ("OPTIONS", "/notes", {}, None),
    ("OPTIONS", "/notes", {"Access-Control-Request-Method": "POST"}, None),
    ("GET", "/notes/1", {}, None),
    ("DELETE", "/notes/1", {}, None),
    ("GET", "/notes/1", {}, None),
    ("GET", "/nowhere", {}, None),
]
COMPARED_HEADERS = ("content-type", "allow", "x-total", "access-control-allow-origin",
                    "access-control-allow-methods", "content-length")


@pytest.mark.parametrize("stateful", [False, True])
@pytest.mark.parametrize("doc_name", ["behaviour", "designed"])
def test_python_and_node_answer_identically(doc_name: str, stateful: bool, tmp_path: Path) -> None:
    doc = BEHAVIOUR if doc_name == "behaviour" else designed_doc()
    requests = PARITY_REQUESTS if doc_name == "behaviour" else [
        (m, p.replace("/notes", "/tasks"), h, b.replace(b'"text"', b'"title"') if b else b)
        for m, p, h, b in PARITY_REQUESTS
    ]
    results = {}
    for kind in KINDS:
        with mock(kind, doc, tmp_path, stateful=stateful) as base:
            out = []
            for method, path, headers, body in requests:
                answer = call(base, method, path, headers=headers, raw=body)
                out.append((method, path, answer.status,
                            {h: answer.headers.get(h, "") for h in COMPARED_HEADERS}, answer.body))
            results[kind] = out
    for py, node in zip(results["python"], results["node"], strict=True):
        assert py == node
    statuses = {status for _m, _p, status, _h, _b in results["python"]}
    assert {200, 404, 405, 406}.issubset(statuses)


def test_mock_table_is_json_and_deterministic() -> None:
    first = json.dumps(build_mock_table(BEHAVIOUR))
    assert first == json.dumps(build_mock_table(yaml.safe_load((FIXTURES / "behaviour.yaml").read_text())))
    table = json.loads(first)
    assert [op["label"] for op in table["operations"]] == [
        "GET /notes", "POST /notes", "GET /notes/{noteId}", "DELETE /notes/{noteId}"]


def test_literal_paths_win_over_templates() -> None:
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/items/{id}": {"get": {"responses": {"200": {"description": "one", "content": {
            "application/json": {"schema": {"type": "string", "example": "by id"}}}}}}},
        "/items/mine": {"get": {"responses": {"200": {"description": "mine", "content": {
            "application/json": {"schema": {"type": "string", "example": "mine"}}}}}}},
    }}
    with make_server(doc) as server:
        assert call(server.url, "GET", "/items/mine").json() == "mine"
        assert call(server.url, "GET", "/items/7").json() == "by id"


def test_load_contract_openapi(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        load_contract_openapi(tmp_path, "task_api")
    path = tmp_path / "contracts" / "task_api" / "openapi.yaml"
    assert err.value.message == (
        f"{path}: no such file: contract 'task_api' has no OpenAPI interface in {tmp_path}; run 'teamspec build' "
        "first, and check the contract id (it must be a rest_api contract)")
    path.parent.mkdir(parents=True)
    path.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(UsageError) as err:
        load_contract_openapi(tmp_path, "task_api")
    assert err.value.message == f"{path}: expected an OpenAPI document (a mapping), found list"
    path.write_text(yaml.safe_dump(BEHAVIOUR), encoding="utf-8")
    assert load_contract_openapi(tmp_path, "task_api") == BEHAVIOUR


def test_make_server_reports_a_busy_port() -> None:
    with make_server(BEHAVIOUR) as server:
        with pytest.raises(UsageError) as err:
            make_server(BEHAVIOUR, port=server.port)
    assert err.value.message.startswith(f"cannot listen on 127.0.0.1:{server.port}: ")
    assert err.value.message.endswith("; choose another --port or stop what uses it")


def test_python_mock_keep_alive_pipelining_and_chunked_bodies() -> None:
    import socket

    with make_server(BEHAVIOUR) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"GET /notes HTTP/1.1\r\nHost: x\r\n\r\n"
                         b"POST /notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n5\r\n{\"tex\r\n8\r\nt\": \"a\"}\r\n0\r\n\r\n"
                         b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        assert re.findall(rb"HTTP/1\.1 (\d{3} [A-Za-z ]+)\r\n", data) == [b"200 OK", b"201 Created", b"404 Not Found"]
        assert data.endswith(b'"detail":"no operation of the contract matches the path /nope"}')


def test_oversized_body_is_answered_413_not_reset(url: str) -> None:
    # the mock refuses before reading the body; the client, still sending
    # 12 MiB, must get the answer and not a broken pipe or a reset
    for _ in range(3):
        answer = call(url, "POST", "/notes", raw=b"x" * (12 * 1024 * 1024),
                      headers={"Content-Type": "application/json"})
        assert answer.status == 413
        assert answer.headers["content-type"] == PROBLEM
