"""teamspec.spec and teamspec.specschema: from a file to a validated Spec."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from teamspec.errors import SpecError
from teamspec.model import AcceptanceItem, Constraints, Deliverable
from teamspec.spec import check_spec, load_spec, parse_spec
from teamspec.specschema import SCHEMA_ID, coerce, fast_valid, load_schema, schema_text
from teamspec.yamlsafe import compose_yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "spec"
HEAD = "teamspec: 1\nname: x\nrequirement: Build it.\n"

Write = Callable[..., str]


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Write:
    """Write a spec to specs/<name> under a fresh working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()

    def _write(text: str | bytes, name: str = "x.yaml") -> str:
        path = Path("specs") / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return str(path)

    return _write


def lines(path: str, strict: bool = False) -> list[str]:
    _, diags = check_spec(path, strict=strict)
    return [d.format() for d in diags]


# ------------------------------------------------------------------ loading


def test_full_fixture_loads_every_key() -> None:
    spec = load_spec(FIXTURES / "full.yaml")
    assert spec.name == "task-manager"
    assert spec.version == 1
    assert spec.requirement.startswith("Build a task management web application")
    assert spec.output == "build/task-manager"
    assert spec.constraints == Constraints(
        prefer_parallel=True, max_workers=4, quality_threshold=0.8, budget_usd=5.0, timeout_minutes=30.0, retries=2
    )
    assert spec.executor == "offline"
    assert spec.model == "claude-sonnet-4-5"
    assert spec.team.blueprint == "parallel-contract-first"
    assert spec.team.personas == ("backend_developer", "frontend_developer", "qa_engineer", "ml_engineer")
    (ml,) = spec.personas
    assert (ml.id, ml.name, ml.source, ml.expertise) == ("ml_engineer", "ML Engineer", "spec", ("python", "pytorch"))
    assert ml.deliverables == (Deliverable(name="model", artifacts=("ml/**/*.py",)),)
    ids = [c.id for c in spec.contracts]
    assert ids == ["requirements", "task_api", "task_graph", "task_record", "task_events", "web_ui", "ranking"]
    api = spec.contracts[1]
    assert api.type == "rest_api"
    assert api.consumers == ("frontend_developer", "qa_engineer")
    assert api.interface == "contracts/task_api.yaml"
    assert api.mock is True
    assert api.depends_on == ("requirements",)
    assert api.uses == ()
    assert api.effort_hours == 8.0
    assert isinstance(api.effort_hours, float)
    assert (api.executor, api.run, api.serve) == ("command", "make api", "python backend/app.py --port {port}")
    assert (api.timeout_minutes, api.retries) == (45.0, 1)
    assert api.deliverables is not None
    assert api.deliverables[0].acceptance == (
        AcceptanceItem(text="All endpoints respond correctly"),
        AcceptanceItem(check="conforms"),
        AcceptanceItem(check="openapi_valid"),
        AcceptanceItem(check="command", run="python -m pytest -q backend/tests"),
    )
    web = spec.contracts[5]
    assert web.deliverables is not None
    assert web.deliverables[0].acceptance == (
        AcceptanceItem(check="file_contains", path="frontend/index.html", pattern="<title>.*Tasks"),
    )
    assert spec.contracts[6].deliverables is None
    assert spec.warnings == ()
    assert spec.source.file == str(FIXTURES / "full.yaml")


def test_inline_interface_is_typed_the_json_way() -> None:
    spec = load_spec(FIXTURES / "full.yaml")
    events = spec.contracts[4]
    assert events.interface == {
        "messages": {
            "TaskCreated": {
                "type": "object",
                "required": ["id", "title"],
                "properties": {
                    "id": {"type": "integer", "minimum": 1},
                    "title": {"type": "string"},
                    "done": {"type": "boolean", "default": False},
                },
            }
        }
    }


def test_inline_interface_keeps_quoted_scalars_and_string_keys(write: Write) -> None:
    path = write(
        HEAD
        + "contracts:\n  - id: a\n    provider: backend_developer\n    interface:\n"
        + "      openapi: 3.0.3\n      x-num: '12'\n      x-float: 1.5\n      x-null:\n"
        + "      x-date: 2024-01-01\n      x-text: yes\n      responses:\n        200:\n          description: ok\n"
    )
    iface = load_spec(path).contracts[0].interface
    assert iface == {
        "openapi": "3.0.3",
        "x-num": "12",
        "x-float": 1.5,
        "x-null": None,
        "x-date": "2024-01-01",
        "x-text": "yes",
        "responses": {"200": {"description": "ok"}},
    }


def test_minimal_fixture_gets_defaults() -> None:
    spec = load_spec(FIXTURES / "minimal.yaml")
    assert spec.constraints == Constraints()
    assert (spec.executor, spec.model, spec.output) == ("offline", None, None)
    assert spec.team.blueprint == "auto" and spec.team.personas is None
    assert spec.personas == () and spec.contracts == ()
    assert spec.output_dir() == FIXTURES / "build" / "notes"


EXAMPLES = sorted((ROOT / "specs").glob("*.yaml"))


@pytest.mark.skipif(not EXAMPLES, reason="no example specs yet")
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_specs_validate(path: Path) -> None:
    spec, diags = check_spec(path)
    assert [d.format() for d in diags if d.severity == "error"] == []
    assert spec is not None
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", True), ("No", False), ("ON", True), ("off", False), ("true", True), ("False", False), ("y", True), ("0", False)],
)
def test_booleans_take_strictyaml_values(write: Write, value: str, expected: bool) -> None:
    spec = load_spec(write(HEAD + f"constraints:\n  prefer_parallel: {value}\n"))
    assert spec.constraints.prefer_parallel is expected


def test_strings_stay_strings_where_the_schema_allows_them(write: Write) -> None:
    spec = load_spec(write("teamspec: 1\nname: no\nrequirement: 123\nmodel: true\n"))
    assert (spec.name, spec.requirement, spec.model) == ("no", "123", "true")


def test_numbers_quoted_or_not(write: Write) -> None:
    spec = load_spec(write(HEAD + "constraints:\n  max_workers: '8'\n  budget_usd: 1_000\n  quality_threshold: .5\n"))
    assert (spec.constraints.max_workers, spec.constraints.budget_usd, spec.constraints.quality_threshold) == (8, 1000.0, 0.5)


def test_empty_lists_may_be_left_empty(write: Write) -> None:
    spec = load_spec(write(HEAD + "contracts:\npersonas:\n"))
    assert spec.contracts == () and spec.personas == ()


def test_modeline_and_bom_are_fine(write: Write) -> None:
    text = "\ufeff# yaml-language-server: $schema=../schemas/teamspec.schema.json\n" + HEAD
    assert load_spec(write(text.encode("utf-8"))).name == "x"


def test_parse_spec_resolves_against_base_dir(tmp_path: Path) -> None:
    spec = parse_spec(HEAD + "output: out\n", "mine.yaml", tmp_path)
    assert spec.path == tmp_path / "mine.yaml"
    assert spec.output_dir() == tmp_path / "out"
    with pytest.raises(SpecError) as caught:
        parse_spec("teamspec: 1\n", "mine.yaml", tmp_path)
    assert caught.value.lines() == [
        "mine.yaml:1:1: error: missing required key 'name'",
        "mine.yaml:1:1: error: missing required key 'requirement'",
    ]


# ------------------------------------------------------------------- errors


ERRORS: list[tuple[str, str, list[str]]] = [
    ("wrong integer", HEAD + "constraints:\n  # how many at once\n  max_workers: many\n",
     ["specs/x.yaml:6:3: error: constraints.max_workers: expected an integer from 1 to 64, found 'many'"]),
    ("integer out of range", HEAD + "constraints:\n  max_workers: 0\n",
     ["specs/x.yaml:5:3: error: constraints.max_workers: expected an integer from 1 to 64, found 0"]),
    ("huge number", HEAD + "constraints:\n  max_workers: 99999999999999999999999\n",
     ["specs/x.yaml:5:3: error: constraints.max_workers: expected an integer from 1 to 64, found 99999999999999999999999"]),
    ("more digits than int() reads", HEAD + "constraints:\n  retries: " + "9" * 5000 + "\n",
     ["specs/x.yaml:5:3: error: constraints.retries: expected an integer from 0 to 10, found "
      "'999999999999999999999999999999999999999999999999999999999...'"]),
    ("infinite number", HEAD + "constraints:\n  budget_usd: 1e999\n",
     ["specs/x.yaml:5:3: error: constraints.budget_usd: expected a number of at least 0, found '1e999'"]),
    ("not a number", HEAD + "constraints:\n  quality_threshold: .nan\n",
     ["specs/x.yaml:5:3: error: constraints.quality_threshold: expected a number from 0 to 1, found '.nan'"]),
    ("exclusive minimum", HEAD + "constraints:\n  timeout_minutes: 0\n",
     ["specs/x.yaml:5:3: error: constraints.timeout_minutes: expected a number greater than 0, found 0"]),
    ("float for integer", HEAD + "constraints:\n  retries: 1.5\n",
     ["specs/x.yaml:5:3: error: constraints.retries: expected an integer from 0 to 10, found '1.5'"]),
    ("boolean", HEAD + "constraints:\n  prefer_parallel: maybe\n",
     ["specs/x.yaml:5:3: error: constraints.prefer_parallel: expected true or false, found 'maybe'"]),
    ("version", "teamspec: 2\nname: x\nrequirement: r\n",
     ["specs/x.yaml:1:1: error: teamspec: expected 1, found 2"]),
    ("name pattern", "teamspec: 1\nname: My App\nrequirement: r\n",
     ["specs/x.yaml:2:1: error: name: expected a lowercase slug (letters, digits, '-' and '_', "
      "starting with a letter or digit), found 'My App'"]),
    ("blank requirement", "teamspec: 1\nname: x\nrequirement: '  '\n",
     ["specs/x.yaml:3:1: error: requirement: expected a non-blank text, found '  '"]),
    ("enum with a hint", HEAD + "executor: ofline\n",
     ["specs/x.yaml:4:1: error: executor: expected one of offline, claude, command or simulate, "
      "found 'ofline' (did you mean 'offline'?)"]),
    ("unknown key with a hint", HEAD + "contracts:\n  - id: a\n    provider: qa_engineer\n    depend_on: [b]\n",
     ["specs/x.yaml:7:5: error: contracts[0]: unknown key 'depend_on' (did you mean 'depends_on'?)"]),
    ("unknown key without a close match", HEAD + "constraints:\n  colour: red\n",
     ["specs/x.yaml:5:3: error: constraints: unknown key 'colour'; allowed keys: prefer_parallel, "
      "max_workers, quality_threshold, budget_usd, timeout_minutes, retries"]),
    ("key at the wrong level", HEAD + "max_workers: 3\n",
     ["specs/x.yaml:4:1: error: unknown key 'max_workers' (it belongs under 'constraints:')"]),
    ("list expected", HEAD + "contracts:\n  - id: a\n    provider: qa_engineer\n    depends_on: b\n",
     ["specs/x.yaml:7:5: error: contracts[0].depends_on: expected a list of contract ids, found 'b'; "
      "write [b] for a list of one"]),
    ("list of mappings expected", HEAD + "contracts: task_api\n",
     ["specs/x.yaml:4:1: error: contracts: expected a list of contract mappings, found 'task_api'"]),
    ("scalar item where a mapping belongs", HEAD + "contracts:\n  - task_api\n",
     ["specs/x.yaml:5:5: error: contracts[0]: expected a contract mapping, found 'task_api'"]),
    ("wrong type inside a check", HEAD + "contracts:\n  - id: a\n    provider: qa_engineer\n    deliverables:\n"
     "      - name: d\n        acceptance:\n          - check: command\n            run: [make, test]\n",
     ["specs/x.yaml:11:13: error: contracts[0].deliverables[0].acceptance[0].run: expected a non-empty text, "
      "found a list"]),
    ("empty team", HEAD + "team:\n  personas: []\n",
     ["specs/x.yaml:5:3: error: team.personas: expected a non-empty list of persona ids, found an empty list"]),
    ("missing keys", HEAD + "contracts:\n  - name: A\n",
     ["specs/x.yaml:5:5: error: contracts[0]: missing required key 'id'",
      "specs/x.yaml:5:5: error: contracts[0]: missing required key 'provider'"]),
    ("contract id pattern", HEAD + "contracts:\n  - id: Task API\n    provider: qa_engineer\n",
     ["specs/x.yaml:5:5: error: contracts[0].id: expected an id (lowercase letters, digits, '_' and '-', "
      "starting with a letter), found 'Task API'"]),
    ("interface of the wrong type", HEAD + "contracts:\n  - id: a\n    provider: qa_engineer\n    interface: [x]\n",
     ["specs/x.yaml:7:5: error: contracts[0].interface: expected an interface file path or an inline "
      "interface mapping, found a list"]),
    ("check needs run", HEAD + "contracts:\n  - id: a\n    provider: qa_engineer\n    deliverables:\n"
     "      - name: d\n        acceptance:\n          - check: command\n",
     ["specs/x.yaml:10:13: error: contracts[0].deliverables[0].acceptance[0]: missing required key 'run', "
      "needed by check: command"]),
    ("check needs path and schema", HEAD + "contracts:\n  - id: a\n    provider: qa_engineer\n    deliverables:\n"
     "      - name: d\n        acceptance:\n          - check: json_schema\n",
     ["specs/x.yaml:10:13: error: contracts[0].deliverables[0].acceptance[0]: missing required key 'path', "
      "needed by check: json_schema",
      "specs/x.yaml:10:13: error: contracts[0].deliverables[0].acceptance[0]: missing required key 'schema', "
      "needed by check: json_schema"]),
    ("check needs text or pattern", HEAD + "contracts:\n  - id: a\n    provider: qa_engineer\n    deliverables:\n"
     "      - name: d\n        acceptance:\n          - check: file_contains\n            path: README.md\n",
     ["specs/x.yaml:10:13: error: contracts[0].deliverables[0].acceptance[0]: missing key 'text' or 'pattern', "
      "needed by check: file_contains"]),
    ("unknown check", HEAD + "contracts:\n  - id: a\n    provider: qa_engineer\n    deliverables:\n"
     "      - name: d\n        acceptance:\n          - check: lint\n",
     ["specs/x.yaml:10:13: error: contracts[0].deliverables[0].acceptance[0].check: expected one of command, "
      "conforms, openapi_valid, json_schema or file_contains, found 'lint'"]),
    ("acceptance item of the wrong type", HEAD + "contracts:\n  - id: a\n    provider: qa_engineer\n"
     "    deliverables:\n      - name: d\n        acceptance:\n          - [x]\n",
     ["specs/x.yaml:10:13: error: contracts[0].deliverables[0].acceptance[0]: expected a criterion text or "
      "a check mapping, found a list"]),
    ("unknown key in a check", HEAD + "contracts:\n  - id: a\n    provider: qa_engineer\n    deliverables:\n"
     "      - name: d\n        acceptance:\n          - check: conforms\n            serve: x\n",
     ["specs/x.yaml:11:13: error: contracts[0].deliverables[0].acceptance[0]: unknown key 'serve'; "
      "allowed keys: check, run, path, schema, text, pattern"]),
    ("a mapping where text belongs", "teamspec: 1\nname: x\nrequirement:\n  what: this\n",
     ["specs/x.yaml:3:1: error: requirement: expected a non-blank text, found a mapping"]),
    ("empty value where a text belongs", HEAD + "output:\n",
     ["specs/x.yaml:4:1: error: output: expected a non-empty text, found an empty value"]),
    ("top-level list", "- teamspec: 1\n",
     ["specs/x.yaml:1:1: error: expected a mapping with at least 'teamspec: 1', 'name:' and "
      "'requirement:', found a list"]),
    ("top-level scalar", "just some text\n",
     ["specs/x.yaml:1:1: error: expected a mapping with at least 'teamspec: 1', 'name:' and "
      "'requirement:', found 'just some text'"]),
    ("no version", "# c\nname: x\nrequirement: r\n",
     ["specs/x.yaml:2:1: error: missing required key 'teamspec'; add 'teamspec: 1'"]),
    ("unicode", "teamspec: 1\nname: café\nrequirement: Ünïcödé ☕ 𝄞\n",
     ["specs/x.yaml:2:1: error: name: expected a lowercase slug (letters, digits, '-' and '_', "
      "starting with a letter or digit), found 'café'"]),
]


@pytest.mark.parametrize(("what", "text", "expected"), ERRORS, ids=[e[0] for e in ERRORS])
def test_error_messages(write: Write, what: str, text: str, expected: list[str]) -> None:
    assert lines(write(text)) == expected


def test_all_errors_at_once_sorted_by_line(write: Write) -> None:
    path = write(
        "teamspec: 1\n"
        "name: x\n"
        "name: y\n"
        "requirement: r\n"
        "constraints:\n"
        "  retries: lots\n"
        "  max_workers: 100\n"
        "executor: robot\n"
        "contracts:\n"
        "  - id: a\n"
        "    provider: qa_engineer\n"
        "    mock: perhaps\n"
        "    depend_on: []\n"
    )
    assert lines(path) == [
        "specs/x.yaml:3:1: error: duplicate key 'name' (first defined at line 2); remove one of them",
        "specs/x.yaml:6:3: error: constraints.retries: expected an integer from 0 to 10, found 'lots'",
        "specs/x.yaml:7:3: error: constraints.max_workers: expected an integer from 1 to 64, found 100",
        "specs/x.yaml:8:1: error: executor: expected one of offline, claude, command or simulate, found 'robot'",
        "specs/x.yaml:12:5: error: contracts[0].mock: expected true or false, found 'perhaps'",
        "specs/x.yaml:13:5: error: contracts[0]: unknown key 'depend_on' (did you mean 'depends_on'?)",
    ]
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert caught.value.lines() == lines(path)
    assert caught.value.message == "specs/x.yaml: 6 errors"


def test_yaml_syntax_error_stops_before_the_schema(write: Write) -> None:
    path = write("teamspec: 1\nname: x: y\nfoo: bar\n")
    assert lines(path) == [
        "specs/x.yaml:2:8: error: invalid YAML: mapping values are not allowed in this context; "
        "put quotes around a value that contains ': '"
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "specs/x.yaml: error: cannot read the spec: no such file (`teamspec init NAME` writes a starter spec)"),
        (b"", "specs/x.yaml:1:1: error: the document is empty"),
        (b"# nothing but a comment\n", "specs/x.yaml:1:1: error: the document is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
         "specs/x.yaml:1:1: error: this is not a text file (byte 0x89 is not UTF-8); a spec is a YAML text file"),
        ("teamspec: 1\nname: café\n".encode("latin-1"),
         "specs/x.yaml:2:10: error: the file is not valid UTF-8 (byte 0xe9); save it as UTF-8"),
        (b"\xef\xbb\xbfteamspec: 1\nname: \xff\n",
         "specs/x.yaml:2:7: error: the file is not valid UTF-8 (byte 0xff); save it as UTF-8"),
        (b"teamspec: 1\nname: x\x00\n",
         "specs/x.yaml:2:8: error: control character U+0000 is not allowed in YAML (is this a binary file?)"),
        (b"teamspec: 1\nname:\n\tx\n",
         "specs/x.yaml:3:1: error: invalid YAML: found a tab character; indent with spaces "
         "(YAML does not allow tabs for indentation)"),
    ],
    ids=["missing", "empty", "comment only", "binary", "latin-1", "bom then latin-1", "nul", "tab"],
)
def test_files_that_cannot_be_read(write: Write, content: bytes | None, expected: str) -> None:
    path = "specs/x.yaml" if content is None else write(content)
    assert lines(path) == [expected]
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert caught.value.lines() == [expected]


def test_a_directory(write: Write) -> None:
    Path("specs/dir.yaml").mkdir()
    assert lines("specs/dir.yaml") == ["specs/dir.yaml: error: cannot read the spec: it is a directory, not a file"]


def test_unreadable_file(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(HEAD)

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", deny)
    assert lines(path) == ["specs/x.yaml: error: cannot read the spec: permission denied"]


def test_ten_megabytes(write: Write) -> None:
    path = write("teamspec: 1\nname: big\nrequirement: " + "word " * 2_000_000 + "\n")
    assert load_spec(path).requirement.startswith("word word")
    path = write("x: y\n" * 2_000_000, "many.yaml")
    found = lines(path)
    assert len(found) == 101 and found[-1].endswith("too many problems; stopped reading after 100")


def test_nesting_a_thousand_deep(write: Write) -> None:
    deep = "teamspec: 1\nname: x\nrequirement:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(1000))
    assert lines(write(deep)) == ["specs/x.yaml:259:513: error: nesting is deeper than 256 levels"]
    shallow = "teamspec: 1\nname: x\nrequirement:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(200))
    assert lines(write(shallow)) == ["specs/x.yaml:3:1: error: requirement: expected a non-blank text, found a mapping"]


# ------------------------------------------------------------ warnings, strict


def test_warnings_are_kept_and_strict_makes_them_errors(write: Write) -> None:
    path = write(HEAD + "contracts:\n  - id: a\n    provider: qa_engineer\n    run: make test\n")
    expected = (
        "specs/x.yaml:7:5: {}: contracts[0].run: 'run' is ignored: contract 'a' runs with the offline executor; "
        "set 'executor: command' to run it"
    )
    spec, diags = check_spec(path)
    assert spec is not None
    assert [d.format() for d in diags] == [expected.format("warning")]
    assert [d.format() for d in spec.warnings] == [expected.format("warning")]
    assert load_spec(path).warnings == spec.warnings
    assert lines(path, strict=True) == [expected.format("error")]
    with pytest.raises(SpecError) as caught:
        load_spec(path, strict=True)
    assert caught.value.lines() == [expected.format("error")]


def test_semantic_errors_come_with_the_warnings(write: Write) -> None:
    path = write(
        HEAD + "contracts:\n  - id: a\n    provider: qa_engineer\n    run: x\n    depends_on: [b]\n"
    )
    assert lines(path) == [
        "specs/x.yaml:7:5: warning: contracts[0].run: 'run' is ignored: contract 'a' runs with the offline "
        "executor; set 'executor: command' to run it",
        "specs/x.yaml:8:18: error: contracts[0].depends_on[0]: unknown contract 'b'; contract ids of this spec: a",
    ]


# ------------------------------------------------------------------- schema


def _walk_schema(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{where}.{name}", sub
        for key, sub in node.items():
            if key not in ("properties", "if"):  # an if holds conditions, not definitions
                yield from _walk_schema(sub, f"{where}/{key}")
        for name, sub in node.get("properties", {}).items():
            yield from _walk_schema(sub, f"{where}.{name}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _walk_schema(sub, f"{where}[{i}]")


def test_schema_is_valid_2020_12_with_descriptions_everywhere() -> None:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"] and schema["description"]
    properties = list(_walk_schema(schema))
    assert len(properties) > 50
    missing = sorted({where for where, sub in properties if not sub.get("description")})
    assert missing == []


def test_schema_ships_in_the_package_and_the_repo_symlink_points_at_it() -> None:
    assert json.loads(schema_text()) == load_schema()
    repo_copy = ROOT / "schemas" / "teamspec.schema.json"
    assert repo_copy.read_text(encoding="utf-8") == schema_text()


def test_fast_check_agrees_with_jsonschema_on_the_fixtures() -> None:
    validator = Draft202012Validator(load_schema())
    for path in [*FIXTURES.glob("*.yaml"), *EXAMPLES]:
        doc = compose_yaml(path.read_text(encoding="utf-8"), str(path))
        data = coerce(doc.data, doc.quoted)
        assert fast_valid(data) is True
        assert list(validator.iter_errors(data)) == []
