"""The quality gate (teamspec.contracts.gate) on the corpus, on broken
documents and on GraphQL SDL; every finding is asserted whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rest_support import CORPUS_NAMES, corpus_path, designed_doc

from teamspec.contracts import gate
from teamspec.contracts.gate import check_graphql, check_interface, check_openapi
from teamspec.model import Contract, Finding, Interface


def file_contract(path: Path, kind: str = "openapi", cid: str = "api") -> Contract:
    text = path.read_text(encoding="utf-8")
    document: Any = yaml.safe_load(text) if kind == "openapi" else text
    iface = Interface(kind=kind, document=document, source=path, text=text, origin="file")  # type: ignore[arg-type]
    return Contract(id=cid, name=cid, type="rest_api" if kind == "openapi" else "graphql", provider="p",
                    interface=iface)


def summary(findings: list[Finding]) -> list[tuple[str, str, int | None, str]]:
    return [(f.check, f.severity, f.line, f.message) for f in findings]


NO_ERROR_RESPONSE = (
    " declares no response for an invalid request (400, 422, 4XX or default): the mocks answer such "
    "requests 422 application/problem+json, which the contract does not document; declare a 400 or 422 response"
)
EXPECTED: dict[str, list[tuple[str, str, int | None, str]]] = {
    "api-with-examples": [],
    "petstore": [],
    "petstore-expanded": [],
    # callbacks: the required `callbackUrl` can be invalid, yet no 4xx is declared
    "callback-example": [("error_response", "warning", 20, "POST /streams" + NO_ERROR_RESPONSE)],
    # the link UserRepository reads fields of one repository from a response that is an array
    # of repositories (the document's own comment says so): Schemathesis cannot follow it either
    "link-example": [
        ("link_valid", "error", 44, "link 'userRepository' (#/components/links/UserRepository) of "
         "GET /2.0/repositories/{username} 200 reads $response.body#/owner/username, but the response "
         "body is an array without 'owner'"),
        ("link_valid", "error", 44, "link 'userRepository' (#/components/links/UserRepository) of "
         "GET /2.0/repositories/{username} 200 reads $response.body#/slug, but the response body is an "
         "array without 'slug'"),
        ("error_response", "warning", 92,
         "GET /2.0/repositories/{username}/{slug}/pullrequests" + NO_ERROR_RESPONSE),
    ],
    "uspto": [("error_response", "warning", 142, "POST /{dataset}/{version}/records" + NO_ERROR_RESPONSE)],
}


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_gate_on_the_corpus(name: str) -> None:
    path = corpus_path(name)
    findings = check_interface(file_contract(path))
    assert summary(findings) == EXPECTED[name]
    assert all(f.file == str(path) and f.contract == "api" for f in findings)


def test_gate_passes_the_designed_interface() -> None:
    iface = Interface(kind="openapi", document=designed_doc(), origin="designed")
    contract = Contract(id="task_api", name="Task API", type="rest_api", provider="p", interface=iface)
    assert check_interface(contract) == []


BROKEN = """openapi: 3.0.3
info:
  title: t
  version: "1"
paths:
  /a:
    get:
      operationId: same
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Nope'
  /b:
    get:
      operationId: same
      responses:
        "404":
          description: missing
    post:
      responses:
        "201":
          $ref: 'other.yaml#/responses/Created'
"""


def test_dangling_and_external_refs_duplicate_ids_and_missing_success(tmp_path: Path) -> None:
    path = tmp_path / "api.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    findings = check_interface(file_contract(path))
    assert summary(findings) == [
        ("openapi_valid", "error", 15, "dangling $ref '#/components/schemas/Nope': /components/schemas/Nope "
         "does not exist in the document; define it or fix the reference"),
        ("unique_operation_id", "error", 18, "operationId 'same' of GET /b is already used by GET /a (line 8); "
         "operationIds must be unique, rename one"),
        ("success_response", "error", 19, "GET /b has no success response: expected a 2xx or 3xx response "
         "(or 'default'), found only 404; declare the response a successful call returns"),
        ("openapi_valid", "error", 25, "external $ref 'other.yaml#/responses/Created' is not supported: "
         "teamspec reads one file; move the definition under 'components' and refer to it with "
         "'#/components/...'"),
    ]
    assert findings[0].schema_path == "paths./a.get.responses.200.content.application/json.schema.$ref"
    assert findings[1].operation == "GET /b"


def test_invalid_examples_are_located_inside_the_example(tmp_path: Path) -> None:
    text = """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      parameters:
        - name: limit
          in: query
          schema: {type: integer, maximum: 10}
          example: 50
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [n]
                properties:
                  n: {type: integer}
                  when: {type: string, format: date, example: yesterday}
              examples:
                good:
                  value: {n: 1}
                bad:
                  value:
                    n: "x"
        default:
          description: an error
"""
    path = tmp_path / "api.yaml"
    path.write_text(text, encoding="utf-8")
    assert summary(check_interface(file_contract(path))) == [
        ("example_valid", "error", 10, "example does not match its schema "
         "(paths./pets.get.parameters.0.schema): at /: 50 is greater than the maximum of 10"),
        ("example_valid", "error", 21, "schema example does not match its schema "
         "(paths./pets.get.responses.200.content.application/json.schema.properties.when): at /: 'yesterday' "
         "does not match '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'"),
        ("example_valid", "error", 27, "example 'bad' does not match its schema "
         "(paths./pets.get.responses.200.content.application/json.schema): at /n: 'x' is not of type "
         "'integer'"),
    ]


def test_validator_problems_are_findings_never_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert summary(check_openapi({"info": {}})) == [
        ("openapi_valid", "error", None, "cannot tell the OpenAPI version: expected a top-level "
         "'openapi: 3.0.x' or 'openapi: 3.1.x', found None"),
    ]
    assert summary(check_openapi({"openapi": "3.0.0", "paths": {}})) == [
        ("openapi_valid", "error", None, '/: "info" is a required property'),
    ]
    assert summary(check_openapi(["not", "a", "mapping"])) == [
        ("openapi_valid", "error", None, "the OpenAPI document must be a mapping, found list"),
    ]
    unresolved = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
                  "paths": {"/a/{id}": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    assert summary(check_openapi(unresolved)) == [
        ("openapi_valid", "error", None, "/paths/~1a~1{id}/get: Path parameter 'id' for 'get' operation in "
         "'/a/{id}' was not resolved"),
    ]

    class Exploding:
        def __init__(self, spec: Any) -> None:
            pass

        def iter_errors(self) -> Any:
            raise RuntimeError("boom")

    import openapi_spec_validator.shortcuts as shortcuts

    monkeypatch.setattr(shortcuts, "get_validator_cls", lambda doc: Exploding)
    good = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    assert summary(gate.check_openapi(good)) == [
        ("openapi_valid", "error", None, "openapi-spec-validator failed: RuntimeError: boom"),
    ]


def test_inline_interfaces_have_no_file_or_line() -> None:
    doc = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
           "paths": {"/a": {"get": {"responses": {"404": {"description": "no"}}}}}}
    iface = Interface(kind="openapi", document=doc, origin="inline")
    contract = Contract(id="c", name="c", type="rest_api", provider="p", interface=iface)
    [finding] = check_interface(contract)
    assert (finding.check, finding.file, finding.line, finding.contract) == ("success_response", None, None, "c")


def test_graphql_findings_carry_lines(tmp_path: Path) -> None:
    assert summary(check_graphql("type Query {\n  a: Int\n  b: \n}\n", file="s.graphql")) == [
        ("graphql_valid", "error", 4, "Syntax Error: Expected Name, found '}'."),
    ]
    assert summary(check_graphql("type Query {\n  a: Foo\n}\ntype Query { b: Int }\n")) == [
        ("graphql_valid", "error", 2, "Unknown type 'Foo'."),
        ("graphql_valid", "error", 1, "There can be only one type named 'Query'."),
    ]
    sdl = "type Query { a: Int }\ninterface X { a: Int }\ntype Y implements X { b: Int }\n"
    assert summary(check_graphql(sdl)) == [
        ("graphql_valid", "error", 2, "Interface field X.a expected but Y does not provide it."),
    ]
    path = tmp_path / "schema.graphql"
    path.write_text("type Query {\n  hello: String\n}\n", encoding="utf-8")
    assert check_interface(file_contract(path, "graphql")) == []
    path.write_text("type Query {\n  hello: String\n\n", encoding="utf-8")
    [finding] = check_interface(file_contract(path, "graphql"))
    assert (finding.check, finding.file, finding.line) == ("graphql_valid", str(path), 4)


def test_json_schema_interfaces() -> None:
    iface = Interface(kind="json_schema", document={"type": "object", "properties": {"a": {"type": "nope"}}})
    contract = Contract(id="i", name="i", type="interface", provider="p", interface=iface)
    [finding] = check_interface(contract)
    assert finding.check == "json_schema_valid"
    assert finding.message.startswith("/properties/a/type: 'nope' is not valid under any of the given schemas")
    good = Interface(kind="json_schema", document={"type": "integer", "examples": [1, "x"]})
    [finding] = check_interface(Contract(id="i", name="i", type="interface", provider="p", interface=good))
    assert (finding.check, finding.message) == (
        "example_valid", "examples[1] does not match the schema: at /: 'x' is not of type 'integer'")
