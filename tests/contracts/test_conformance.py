"""The conformance engine against real servers on 127.0.0.1: a deliberately
broken provider, a lax server that accepts anything, and a stateless mock
under the stateful checks. Every finding is asserted whole, curl line
included."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from rest_support import FIXTURES

from teamspec.contracts.conformance import CHECKS, run_checks
from teamspec.contracts.mockserver import make_server
from teamspec.contracts.procs import running_provider
from teamspec.model import Finding

BROKEN_API: dict[str, Any] = yaml.safe_load((FIXTURES / "broken_api.yaml").read_text(encoding="utf-8"))
BROKEN_SERVE = f"python {FIXTURES / 'broken_provider.py'} --port {{port}}"


def rows(findings: list[Finding]) -> list[tuple[Any, ...]]:
    return [(f.check, f.operation, f.request, f.status, f.schema_path, f.message, f.curl) for f in findings]


def test_broken_provider_yields_exactly_the_expected_findings(tmp_path: Path) -> None:
    with running_provider(BROKEN_SERVE, tmp_path, timeout_s=20) as provider:
        url = provider.url
        findings = run_checks(BROKEN_API, url)
    assert rows(findings) == [
        ("status_code_conformance", "POST /items", f"POST {url}/items", 200, "paths./items.post.responses",
         "POST /items answered 200, which the contract does not declare; declared: 201, 422",
         f"curl -sS -i -X POST {url}/items -H 'Content-Type: application/json' --data-binary "
         "'{\"name\": \"string\"}'"),
        ("not_a_server_error", "GET /items", f"GET {url}/items", 500, None,
         'GET /items answered 500 (a server error): {"error": "database unavailable"}',
         f"curl -sS -i -X GET {url}/items"),
        ("status_code_conformance", "GET /items", f"GET {url}/items", 500, "paths./items.get.responses",
         "GET /items answered 500, which the contract does not declare; declared: 200",
         f"curl -sS -i -X GET {url}/items"),
        ("response_schema_conformance", "GET /items/{itemId}", f"GET {url}/items/1", 200,
         "paths./items/{itemId}.get.responses.200.content.application/json.schema",
         "GET /items/{itemId} answered 200 with a body that does not match the schema: at /id: '1' is not of "
         "type 'integer'",
         f"curl -sS -i -X GET {url}/items/1"),
    ]


LAX_API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Things", "version": "1"},
    "paths": {
        "/things": {
            "get": {"responses": {"200": {
                "description": "things",
                "headers": {"X-Rate": {"required": True, "schema": {"type": "integer"}},
                            "X-Mode": {"schema": {"type": "string", "enum": ["a", "b"]}}},
                "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}},
            }}},
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}},
                "responses": {"201": {"description": "created"}, "422": {"description": "invalid"}},
            },
        },
    },
}


class _Lax(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.reply(200, b"a,b", {"Content-Type": "text/plain", "X-Mode": "c"})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.reply(201)

    def do_DELETE(self) -> None:
        self.reply(200, b"[]", {"Content-Type": "application/json"})


@pytest.fixture()
def lax_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Lax)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_lax_server_findings(lax_url: str) -> None:
    url = lax_url
    findings = run_checks(LAX_API, url)
    post_curl = f"curl -sS -i -X POST {url}/things -H 'Content-Type: application/json' --data-binary"
    assert rows(findings) == [
        ("content_type_conformance", "GET /things", f"GET {url}/things", 200,
         "paths./things.get.responses.200.content",
         "GET /things answered 200 with Content-Type text/plain, which is not declared; declared: application/json",
         f"curl -sS -i -X GET {url}/things"),
        ("response_headers_conformance", "GET /things", f"GET {url}/things", 200,
         "paths./things.get.responses.200.headers.X-Rate",
         "GET /things answered 200 without the required header X-Rate", f"curl -sS -i -X GET {url}/things"),
        ("response_headers_conformance", "GET /things", f"GET {url}/things", 200,
         "paths./things.get.responses.200.headers.X-Mode.schema",
         "GET /things answered 200 with header X-Mode: 'c', which does not match its schema",
         f"curl -sS -i -X GET {url}/things"),
        ("negative_data_rejection", "POST /things", f"POST {url}/things", 201, "paths./things.post",
         "POST /things accepted an invalid request (required property 'name' is missing from the body): "
         "answered 201, expected a 4xx client error", f"{post_curl} '{{}}'"),
        ("negative_data_rejection", "POST /things", f"POST {url}/things", 201, "paths./things.post",
         "POST /things accepted an invalid request (the body is an array where the schema expects an object): "
         "answered 201, expected a 4xx client error", f"{post_curl} '[]'"),
        ("negative_data_rejection", "POST /things", f"POST {url}/things", 201, "paths./things.post",
         "POST /things accepted an invalid request (the required request body is missing): answered 201, "
         "expected a 4xx client error", f"curl -sS -i -X POST {url}/things"),
        ("unsupported_method", "DELETE /things", f"DELETE {url}/things", 200, None,
         "DELETE /things is not declared but answered 200; expected 405 Method Not Allowed",
         f"curl -sS -i -X DELETE {url}/things"),
    ]
    only = run_checks(LAX_API, url, checks=["unsupported_method"])
    assert [f.check for f in only] == ["unsupported_method"]


def test_stateful_checks_catch_a_server_that_forgets_nothing(tmp_path: Path) -> None:
    doc = yaml.safe_load((FIXTURES / "behaviour.yaml").read_text(encoding="utf-8"))
    with make_server(doc) as server:  # stateless: a deleted note is still there
        findings = run_checks(doc, server.url, checks=["use_after_free", "ensure_resource_availability"])
        assert rows(findings) == [
            ("use_after_free", "DELETE /notes/{noteId}", f"GET {server.url}/notes/1", 200, None,
             "GET /notes/{noteId} answered 200 for the resource deleted by DELETE /notes/{noteId} (noteId=1); "
             "expected 404 Not Found", f"curl -sS -i -X GET {server.url}/notes/1"),
        ]
        assert run_checks(doc, server.url, stateful_hint=False) == []
    with make_server(doc, stateful=True) as server:
        assert run_checks(doc, server.url, stateful_hint=True) == []


def test_unreachable_server_and_budgets() -> None:
    from teamspec.contracts.procs import free_port

    url = f"http://127.0.0.1:{free_port()}"
    findings = run_checks(BROKEN_API, url)
    assert [(f.check, f.operation) for f in findings] == [("network_error", "POST /items")]
    assert findings[0].message.startswith("the request failed: ConnectionRefusedError: ")
    doc = yaml.safe_load((FIXTURES / "behaviour.yaml").read_text(encoding="utf-8"))
    with make_server(doc) as server:
        [budget] = run_checks(doc, server.url, max_requests=2)
    assert (budget.check, budget.severity, budget.message) == (
        "budget", "warning", "conformance stopped after 2 requests: the request or time budget is spent; some "
        "operations were not checked")


def test_unknown_checks_are_rejected() -> None:
    with pytest.raises(ValueError) as err:
        run_checks(BROKEN_API, "http://127.0.0.1:1", checks=["nope"])
    assert str(err.value) == f"unknown conformance checks ['nope']; known: {', '.join(CHECKS)}"


def test_findings_serialise() -> None:
    finding = Finding(check="not_a_server_error", message="m", operation="GET /a", status=500, curl="curl x")
    assert json.loads(json.dumps(finding.to_dict())) == {
        "check": "not_a_server_error", "message": "m", "severity": "error", "operation": "GET /a",
        "status": 500, "curl": "curl x"}
