"""Bad input never produces a traceback: mutated example specs either load
or fail with located ``FILE:LINE:COL: error:`` diagnostics (property test).

Also a differential check: wherever the YAML reads, the fast schema check
and jsonschema agree on validity.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from teamspec.errors import SpecError
from teamspec.model import SourceMap
from teamspec.spec import check_spec, load_spec
from teamspec.specschema import fast_valid, load_schema, typed_and_valid, validate
from teamspec.yamlsafe import compose_yaml

HERE = Path(__file__).resolve().parent
SOURCES = sorted((HERE.parent / "specs").glob("*.yaml")) + sorted((HERE / "fixtures" / "spec").glob("*.yaml"))
SOURCE_TEXTS = [p.read_text(encoding="utf-8") for p in SOURCES]

WRONG_VALUES = [
    "[a, b]", "{a: b}", "[]", "''", '""', "yes", "no", "-1", "0", "1.5", "99999999999999999999999",
    "9" * 5000, "1e999", "-1e999", ".nan", "null", "~", "&a x", "*a", "!!int 3", "|", ">-", "'unterminated",
    '"\\q"', "é ☕ 𝄞", "\n    nested: map", "\n    - a\n    - b", "x: y", "[[a]]", "- item", "#", "%",
    "@", "`", "key:value", "a" * 300,
]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[int, bytes]:
    index = draw(st.integers(0, len(SOURCES) - 1))
    lines = SOURCE_TEXTS[index].split("\n")
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            lines = [""]
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(
            st.sampled_from(["drop", "indent", "dedent", "tab", "wrong", "duplicate", "swap", "unicode", "truncate"])
        )
        if action == "drop":
            del lines[i]
        elif action == "indent":
            lines[i] = " " * draw(st.integers(1, 5)) + lines[i]
        elif action == "dedent":
            lines[i] = lines[i][draw(st.integers(1, 4)):]
        elif action == "tab":
            lines[i] = "\t" + lines[i]
        elif action == "wrong":
            head, sep, _ = lines[i].partition(": ")
            value = draw(st.sampled_from(WRONG_VALUES))
            lines[i] = f"{head}: {value}" if sep else f"{lines[i]} {value}"
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "unicode":
            at = draw(st.integers(0, len(lines[i])))
            extra = draw(st.text(min_size=1, max_size=8))
            lines[i] = lines[i][:at] + extra + lines[i][at:]
        else:
            lines = lines[:i]
    data = "\n".join(lines).encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()) and draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
    return index, data


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copies of the source specs' directories, so interface files resolve."""
    root = tmp_path_factory.mktemp("bad-input")
    for i, src in enumerate(SOURCES):
        shutil.copytree(src.parent, root / str(i), dirs_exist_ok=True)
    return root


def _line_count(data: bytes) -> int:
    text = data.decode("utf-8", errors="replace")
    return max(text.count("\n"), len(text.splitlines())) + 1


@pytest.mark.skipif(not SOURCES, reason="no specs to mutate")
@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_mutated_specs_fail_cleanly(workdir: Path, case: tuple[int, bytes]) -> None:
    index, data = case
    path = workdir / str(index) / "mutated.yaml"
    path.write_bytes(data)
    file = str(path)
    located = re.compile(rf"^{re.escape(file)}:(\d+):(\d+): (error|warning): \S")

    spec, diags = check_spec(path)
    for d in diags:
        m = located.match(d.format())
        assert m is not None, d.format()
        assert 0 <= int(m.group(1)) <= _line_count(data), d.format()
    if spec is None:
        assert any(d.severity == "error" for d in diags)
    try:
        loaded = load_spec(path)
    except SpecError as exc:
        assert spec is None
        assert exc.diagnostics and [d.format() for d in exc.diagnostics] == [d.format() for d in diags]
    else:
        assert spec is not None and loaded.name == spec.name


_VALIDATOR = Draft202012Validator(load_schema())


@pytest.mark.skipif(not SOURCES, reason="no specs to mutate")
@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_fast_check_agrees_with_jsonschema(case: tuple[int, bytes]) -> None:
    _, data = case
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    doc = compose_yaml(text, "x.yaml")
    if not doc.complete:
        return
    typed, one_pass = typed_and_valid(doc.data, doc.quoted)
    valid = not any(True for _ in _VALIDATOR.iter_errors(typed))
    assert one_pass is valid
    assert fast_valid(typed) is valid


def _resolve(schema: dict[str, object]) -> dict[str, object]:
    while "$ref" in schema:
        target: object = load_schema()
        for part in str(schema["$ref"])[2:].split("/"):
            assert isinstance(target, dict)
            target = target[part]
        assert isinstance(target, dict)
        schema = target
    return schema


_ANY = st.recursive(
    st.sampled_from(["", "x", "1", "yes"]),
    lambda c: st.one_of(st.lists(c, max_size=2), st.dictionaries(st.sampled_from(["a", "type"]), c, max_size=2)),
    max_leaves=5,
)


def near_valid(schema: dict[str, object], depth: int = 0) -> st.SearchStrategy[object]:
    """Data shaped by ``schema`` as loaded YAML (strings for scalars), mostly
    valid, now and then wrong in one place: a missing or unknown key, a value
    of another type or out of range."""
    schema = _resolve(schema)
    branches = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(branches, list):
        return st.one_of([near_valid(b, depth) for b in branches])
    kind = schema.get("type")
    wrong_value: st.SearchStrategy[object] = st.sampled_from(["", "oops", "-1", "1e999", "99999999999999999999"]) | st.just([]) | st.just({"k": "v"})

    def maybe_wrong(right: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
        return st.integers(0, 24).flatmap(lambda n: wrong_value if n == 0 else right)
    if kind == "object" and "properties" in schema and depth < 6:
        props = schema["properties"]
        assert isinstance(props, dict)
        required = list(schema.get("required", []))  # type: ignore[call-overload]
        optional = [k for k in props if k not in required]

        @st.composite
        def obj(draw: st.DrawFn) -> dict[str, object]:
            keys = [k for k in required if draw(st.integers(0, 29)) > 0]
            keys += draw(st.lists(st.sampled_from(optional), unique=True, max_size=4)) if optional else []
            out = {k: draw(near_valid(props[k], depth + 1)) for k in keys}
            if draw(st.integers(0, 29)) == 0:
                out["unknown_key"] = "x"
            if draw(st.integers(0, 19)) == 0:
                cond = schema.get("allOf")
                if isinstance(cond, list) and cond:
                    out["check"] = draw(st.sampled_from(["command", "json_schema", "file_contains", "conforms"]))
            return out

        return maybe_wrong(obj())
    if kind == "object":
        return st.dictionaries(st.sampled_from(["openapi", "messages", "type"]), _ANY, max_size=3)
    if kind == "array":
        items = schema.get("items", {})
        assert isinstance(items, dict)
        return maybe_wrong(st.lists(near_valid(items, depth + 1), max_size=3))
    if "enum" in schema:
        enum = schema["enum"]
        assert isinstance(enum, list)
        return maybe_wrong(st.sampled_from([str(e) for e in enum]))
    if "const" in schema:
        return st.sampled_from([str(schema["const"]), "2"])
    if kind in ("integer", "number"):
        return maybe_wrong(st.sampled_from(["1", "2", "4", "10", "64", "0", "11", "65", "0.5", "1.0", "-0", "+3", "1_0"]))
    if kind == "boolean":
        return maybe_wrong(st.sampled_from(["true", "no", "On", "1", "maybe"]))
    return maybe_wrong(st.sampled_from(["x", "task_api", "backend_developer", "a-b_c", "My App", " "]))


def _schema_words() -> list[str]:
    words: set[str] = set()
    todo: list[object] = [load_schema()]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            words.update(k for k in node.get("properties", {}) if isinstance(k, str))
            words.update(str(e) for e in node.get("enum", ()))
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return sorted(words)


_WORDS = _schema_words()
_SCALARS = st.one_of(
    st.sampled_from(_WORDS),
    st.sampled_from(["", "1", "0", "64", "65", "-1", "0.5", "1.5", "1e3", "yes", "no", "true", "null", "x y", "a", "auto"]),
    st.text(max_size=6),
)
_DOCS = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from([*_WORDS, "extra"]), children, max_size=5),
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, database=None)
@given(
    head=st.fixed_dictionaries({"teamspec": st.sampled_from(["1", "2"]), "name": st.sampled_from(["x", "X"]),
                                "requirement": st.sampled_from(["r", " "])}),
    body=st.dictionaries(st.sampled_from(_WORDS), _DOCS, max_size=4),
)
def test_fast_check_agrees_on_random_documents(head: dict[str, str], body: dict[str, object]) -> None:
    typed, one_pass = typed_and_valid({**head, **body})
    valid = not any(True for _ in _VALIDATOR.iter_errors(typed))
    assert one_pass is valid
    assert fast_valid(typed) is valid


@settings(max_examples=300, deadline=None, database=None)
@given(data=near_valid(dict(load_schema())))
def test_fast_check_agrees_on_schema_shaped_documents(data: object) -> None:
    typed, one_pass = typed_and_valid(data)
    valid = not any(True for _ in _VALIDATOR.iter_errors(typed))
    assert one_pass is valid
    assert fast_valid(typed) is valid
    diagnostics = validate(typed, SourceMap("x.yaml", {}))
    assert bool(diagnostics) is not valid
    for d in diagnostics:
        assert re.match(r"^x\.yaml:\d+:\d+: error: \S", d.format()), d.format()


@pytest.mark.skipif(not SOURCES, reason="no specs to mutate")
@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_cli_on_mutated_specs_exits_0_or_2_with_located_errors(workdir: Path, case: tuple[int, bytes]) -> None:
    """The whole CLI path (validate, then plan): exit 0, or exit 2 with at
    least one ``FILE:LINE:COL: error:`` line; never a traceback, never 1."""
    import io

    from teamspec.cli import main

    index, data = case
    path = workdir / str(index) / "mutated-cli.yaml"
    path.write_bytes(data)
    located = re.compile(rf"^{re.escape(str(path))}:\d+:\d+: error: \S", re.MULTILINE)
    for command in (["validate", str(path)], ["plan", str(path), "--format", "json"]):
        out, err = io.StringIO(), io.StringIO()
        rc = main(command, out=out, err=err)
        assert rc in (0, 2), (command, rc, err.getvalue())
        if rc == 2:
            assert located.search(err.getvalue()), err.getvalue()
        assert "Traceback" not in err.getvalue()
