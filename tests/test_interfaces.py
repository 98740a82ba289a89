"""teamspec.interfaces: hand-written interface documents, kept as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from teamspec.errors import InterfaceError
from teamspec.interfaces import load_interface, parse_interface_text
from teamspec.model import Spec
from teamspec.spec import parse_spec

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "spec"
HEAD = "teamspec: 1\nname: x\nrequirement: Build it.\ncontracts:\n"


def spec_with(tmp_path: Path, contract: str) -> Spec:
    """A spec in tmp_path/x.yaml with one contract (semantic checks not run)."""
    from teamspec.spec import build_spec
    from teamspec.specschema import coerce, validate
    from teamspec.yamlsafe import compose_yaml

    doc = compose_yaml(HEAD + contract, "x.yaml")
    data = coerce(doc.data, doc.quoted)
    assert validate(data, doc.source) == []
    return build_spec(data, tmp_path / "x.yaml", doc.source)


def contract(kind: str | None, interface: str) -> str:
    text = "  - id: api\n    provider: backend_developer\n"
    if kind:
        text += f"    type: {kind}\n"
    return text + f"    interface: {interface}\n"


def error_lines(spec: Spec) -> list[str]:
    with pytest.raises(InterfaceError) as caught:
        load_interface(spec, spec.contracts[0])
    return caught.value.lines()


def test_no_interface_is_none(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, "  - id: api\n    provider: backend_developer\n")
    assert load_interface(spec, spec.contracts[0]) is None


def test_fixture_interfaces_of_every_kind() -> None:
    spec = parse_spec((FIXTURES / "full.yaml").read_text(encoding="utf-8"), "full.yaml", FIXTURES)
    found = {c.id: load_interface(spec, c) for c in spec.contracts}
    api = found["task_api"]
    assert api is not None
    assert (api.kind, api.origin, api.source) == ("openapi", "file", (FIXTURES / "contracts/task_api.yaml").resolve())
    text = (FIXTURES / "contracts/task_api.yaml").read_text(encoding="utf-8")
    assert api.text == text
    expected = yaml.safe_load(text)
    expected["info"]["version"] = "2024-01-01"  # no YAML 1.1 dates: JSON has none
    assert api.document == expected
    assert list(api.document["paths"]["/tasks"]["get"]["responses"]) == ["200"]
    graph = found["task_graph"]
    assert graph is not None
    assert (graph.kind, graph.document) == ("graphql", (FIXTURES / "contracts/tasks.graphql").read_text(encoding="utf-8"))
    record = found["task_record"]
    assert record is not None
    assert record.kind == "json_schema"
    assert record.document == json.loads((FIXTURES / "contracts/task.schema.json").read_text(encoding="utf-8"))
    events = found["task_events"]
    assert events is not None
    assert (events.kind, events.origin, events.source, events.text) == ("event_schemas", "inline", None, None)
    assert events.document["messages"]["TaskCreated"]["properties"]["id"] == {"type": "integer", "minimum": 1}
    assert found["web_ui"] is None


@pytest.mark.skipif(not (ROOT / "specs" / "petstore.yaml").exists(), reason="example spec not written yet")
def test_the_petstore_example_is_kept_exactly_as_written() -> None:
    from teamspec.spec import load_spec

    spec = load_spec(ROOT / "specs" / "petstore.yaml")
    (api,) = [c for c in spec.contracts if c.interface]
    iface = load_interface(spec, api)
    assert iface is not None and iface.kind == "openapi"
    assert iface.source is not None
    assert iface.text == iface.source.read_text(encoding="utf-8")
    assert iface.document["paths"].keys() == yaml.safe_load(iface.text)["paths"].keys()


def test_kind_is_guessed_without_a_type(tmp_path: Path) -> None:
    (tmp_path / "api.json").write_text('{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}')
    (tmp_path / "s.gql").write_text("type Query { a: Int }\n")
    (tmp_path / "bus.yaml").write_text("messages:\n  Ping:\n    type: object\n")
    for name, kind in [("api.json", "openapi"), ("s.gql", "graphql"), ("bus.yaml", "event_schemas")]:
        spec = spec_with(tmp_path, contract(None, name))
        iface = load_interface(spec, spec.contracts[0])
        assert iface is not None and iface.kind == kind


def test_inline_openapi(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, contract("rest_api", "\n      openapi: 3.0.3\n      paths:\n        /a:\n          get:\n            responses:\n              200:\n                description: ok\n"))
    iface = load_interface(spec, spec.contracts[0])
    assert iface is not None
    assert iface.document == {"openapi": "3.0.3", "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    assert iface.origin == "inline"


def test_missing_file(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, contract("rest_api", "contracts/api.yaml"))
    assert error_lines(spec) == [
        f"x.yaml:8:5: error: contracts[0].interface: interface file 'contracts/api.yaml' not found "
        f"(looked for {tmp_path / 'contracts/api.yaml'})"
    ]


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    spec = spec_with(tmp_path, contract("rest_api", "contracts"))
    assert error_lines(spec) == [
        "x.yaml:8:5: error: contracts[0].interface: interface 'contracts' is a directory, expected a file"
    ]


def test_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "api.yaml").write_text("openapi: 3.0.3\n")
    spec = spec_with(tmp_path, contract("rest_api", "api.yaml"))

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", deny)
    assert error_lines(spec) == [
        "x.yaml:8:5: error: contracts[0].interface: cannot read interface file 'api.yaml': permission denied"
    ]


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("rest_api", "api.yaml", b"openapi: 3.0.3\ninfo: \xff\n",
         "interface file 'api.yaml' is not valid UTF-8 (byte 0xff at offset 21)"),
        ("rest_api", "api.yaml", b"openapi: 3.0.3\npaths:\n  /a: x: y\n",
         "interface file 'api.yaml': invalid YAML at line 3, column 8: mapping values are not allowed in this context"),
        ("rest_api", "api.json", b'{"openapi": "3.0.3",}',
         "interface file 'api.json': invalid JSON at line 1, column 21: Expecting property name enclosed in double quotes"),
        ("rest_api", "api.yaml", b"- a\n- b\n",
         "interface file 'api.yaml': expected an OpenAPI document (a mapping with 'openapi:'), found a list"),
        ("rest_api", "api.yaml", b"info:\n  title: t\n",
         "interface file 'api.yaml': not an OpenAPI document: it has no 'openapi:' key"),
        ("rest_api", "api.yaml", b"",
         "interface file 'api.yaml': expected an OpenAPI document (a mapping with 'openapi:'), found an empty document"),
        ("graphql", "s.graphql", b"type Query {\n  a: \n}\n",
         "interface file 's.graphql': invalid GraphQL SDL at line 3, column 1: Syntax Error: Expected Name, found '}'."),
        ("graphql", "s.yaml", b"type: x\n",
         "interface file 's.yaml': a graphql interface must be a .graphql or .gql SDL file"),
        ("interface", "s.json", b"[1, 2]",
         "interface file 's.json': expected a JSON Schema (a mapping), found a list"),
        ("event_stream", "bus.yaml", b"Ping:\n  type: object\n",
         "interface file 'bus.yaml': expected message schemas: 'messages:' must map each message name to its JSON Schema"),
        ("event_stream", "bus.yaml", b"messages:\n  Ping: text\n",
         "interface file 'bus.yaml': message 'Ping': expected a JSON Schema (a mapping), found a single value (str)"),
    ],
    ids=["not utf-8", "bad yaml", "bad json", "list", "no openapi key", "empty", "bad sdl", "sdl suffix",
         "schema list", "no messages", "message not a schema"],
)
def test_unusable_files(tmp_path: Path, kind: str, name: str, content: bytes, message: str) -> None:
    (tmp_path / name).write_bytes(content)
    spec = spec_with(tmp_path, contract(kind, name))
    assert error_lines(spec) == [f"x.yaml:8:5: error: contracts[0].interface: {message}"]


def test_inline_graphql_is_refused(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, contract("graphql", "\n      type: Query\n"))
    assert error_lines(spec) == [
        "x.yaml:8:5: error: contracts[0].interface: a graphql interface is SDL text: give the path of a "
        ".graphql file, not a mapping"
    ]


def test_parse_interface_text() -> None:
    assert parse_interface_text("openapi: 3.1.0\n", "openapi") == {"openapi": "3.1.0"}
    assert parse_interface_text("type Query { a: Int }", "graphql") == "type Query { a: Int }"
    with pytest.raises(ValueError, match="invalid YAML at line 1, column 5: mapping values are not allowed"):
        parse_interface_text("a: b: c\n", "json_schema")


def document_lines(spec: Spec) -> list[str]:
    from teamspec.interfaces import document_diagnostics

    c = spec.contracts[0]
    iface = load_interface(spec, c)
    assert iface is not None
    return [d.format() for d in document_diagnostics(spec, c, iface)]


def test_an_inline_event_schema_problem_is_located_in_the_spec(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, contract("event_stream", (
        "\n      channel: tasks\n      messages:\n        task.created:\n          type: object\n"
        "          required: id\n")))
    assert document_lines(spec) == [
        "x.yaml:13:11: error: contracts[0].interface.messages.task.created.required: "
        "not a valid JSON Schema: 'id' is not of type 'array'"]


def test_an_event_file_problem_is_located_in_the_file(tmp_path: Path) -> None:
    (tmp_path / "events.yaml").write_text(
        "channel: tasks\nmessages:\n  task.created:\n    type: object\n    required: id\n")
    spec = spec_with(tmp_path, contract("event_stream", "events.yaml"))
    assert document_lines(spec) == [
        f"{tmp_path / 'events.yaml'}:5:5: error: messages.task.created.required: "
        "not a valid JSON Schema: 'id' is not of type 'array'"]


def test_a_json_schema_interface_that_declares_no_type(tmp_path: Path) -> None:
    (tmp_path / "record.json").write_text('{"$defs": {}}')
    spec = spec_with(tmp_path, contract("interface", "record.json"))
    assert document_lines(spec) == [
        f"{tmp_path / 'record.json'}:1:1: error: the schema declares no type: "
        "give it a root schema or $defs entries"]


def test_valid_event_and_schema_interfaces_have_no_document_problems() -> None:
    from teamspec.interfaces import document_diagnostics

    spec = parse_spec((FIXTURES / "full.yaml").read_text(encoding="utf-8"), "full.yaml", FIXTURES)
    for c in spec.contracts:
        iface = load_interface(spec, c)
        if iface is not None:
            assert document_diagnostics(spec, c, iface) == [], c.id
