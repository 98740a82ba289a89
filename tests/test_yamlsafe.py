"""teamspec.yamlsafe: strictyaml's rules on libyaml's event stream."""

from __future__ import annotations

import pytest
import strictyaml

from teamspec.errors import SpecError
from teamspec.yamlsafe import MAX_DEPTH, compose_yaml, load_yaml


def messages(text: str, file: str = "x.yaml") -> list[str]:
    return [d.format() for d in compose_yaml(text, file).diagnostics]


def test_every_scalar_is_a_string() -> None:
    data, _ = load_yaml("a: 1\nb: yes\nc: 1.5\nd: null\ne: ~\nf:\ng: 'q'\nh: [1, no]\n", "x.yaml")
    assert data == {"a": "1", "b": "yes", "c": "1.5", "d": "null", "e": "~", "f": "", "g": "q", "h": ["1", "no"]}


def test_nested_mappings_and_lists() -> None:
    text = "top:\n  - id: a\n    deps: [b, c]\n  - id: b\n    text: |\n      two\n      lines\n"
    data, _ = load_yaml(text, "x.yaml")
    assert data == {"top": [{"id": "a", "deps": ["b", "c"]}, {"id": "b", "text": "two\nlines\n"}]}


def test_positions_are_of_keys_and_items() -> None:
    text = (
        "# a comment on line 1\n"
        "name: x\n"
        "\n"
        "# two comments above\n"
        "# the key\n"
        "constraints:\n"
        "  # indented comment\n"
        "  max_workers: 4\n"
        "contracts:\n"
        "  - id: a\n"
        "    depends_on: [b, c]\n"
        "  -\n"
        "    # comment inside the item\n"
        "    id: b\n"
    )
    _, source = load_yaml(text, "x.yaml")
    assert source.positions[("name",)] == (2, 1)
    assert source.positions[("constraints",)] == (6, 1)
    assert source.positions[("constraints", "max_workers")] == (8, 3)
    assert source.positions[("contracts", 0)] == (10, 5)
    assert source.positions[("contracts", 0, "id")] == (10, 5)
    assert source.positions[("contracts", 0, "depends_on")] == (11, 5)
    assert source.positions[("contracts", 0, "depends_on", 0)] == (11, 18)
    assert source.positions[("contracts", 0, "depends_on", 1)] == (11, 21)
    assert source.positions[("contracts", 1, "id")] == (14, 5)
    assert source.locate(("contracts", 0, "depends_on", 7)) == (11, 5)


def test_columns_count_characters_not_bytes() -> None:
    _, source = load_yaml("é: 1\nb:\n  - ü\n  - x\n", "x.yaml")
    assert source.positions[("b", 1)] == (4, 5)
    _, source = load_yaml("a: [é, ü]\n", "x.yaml")
    assert source.positions[("a", 1)] == (1, 8)


def test_quoted_scalars_are_recorded() -> None:
    doc = compose_yaml("a: '1'\nb: 1\nc: |\n  t\nd: [\"x\", y]\n", "x.yaml")
    assert doc.quoted == frozenset({("a",), ("c",), ("d", 0)})


# Documents strictyaml rejects: we reject each one too, at the right place.
REJECTED = [
    ("anchor", "a: &base 1\nb: 2\n",
     ["x.yaml:1:4: error: anchors are not allowed: found '&base'; write the value out in full"]),
    ("alias", "a: &base 1\nb: *base\n",
     ["x.yaml:1:4: error: anchors are not allowed: found '&base'; write the value out in full",
      "x.yaml:2:4: error: aliases are not allowed: found '*base'; write the value out in full"]),
    ("anchored mapping", "a: &m\n  k: v\nb: 1\n",
     ["x.yaml:1:4: error: anchors are not allowed: found '&m'; write the value out in full"]),
    ("standard tag", "a: !!int 1\n",
     ["x.yaml:1:4: error: tags are not allowed: found '!!int'; remove it, types come from the schema"]),
    ("local tag", "a:\n  b: !foo x\n",
     ["x.yaml:2:6: error: tags are not allowed: found '!foo'; remove it, types come from the schema"]),
    ("tag on a list", "a: !!seq\n- x\n",
     ["x.yaml:1:4: error: tags are not allowed: found '!!seq'; remove it, types come from the schema"]),
    ("flow mapping", "a: 1\nb: {c: d}\n",
     ["x.yaml:2:4: error: flow-style mappings ({...}) are not allowed; write one 'key: value' per line"]),
    ("flow mapping in a list", "a:\n  - {c: d}\n",
     ["x.yaml:2:5: error: flow-style mappings ({...}) are not allowed; write one 'key: value' per line"]),
    ("duplicate key", "a: 1\nb: 2\n# note\na: 3\n",
     ["x.yaml:4:1: error: duplicate key 'a' (first defined at line 1); remove one of them"]),
    ("nested duplicate key", "c:\n  - id: x\n    id: y\n",
     ["x.yaml:3:5: error: c[0]: duplicate key 'id' (first defined at line 2); remove one of them"]),
    ("two documents", "a: 1\n---\nb: 2\n",
     ["x.yaml:2:1: error: a spec file holds one YAML document; found a second one (after '---' or '...')"]),
    ("complex key", "? [a]\n: b\n",
     ["x.yaml:1:3: error: a key must be a plain text, found a list"]),
    ("tab indentation", "a:\n\tb: 1\n",
     ["x.yaml:2:1: error: invalid YAML: found a tab character; indent with spaces (YAML does not allow tabs for indentation)"]),
]


@pytest.mark.parametrize(("what", "text", "expected"), REJECTED, ids=[r[0] for r in REJECTED])
def test_documents_strictyaml_rejects_are_rejected(what: str, text: str, expected: list[str]) -> None:
    with pytest.raises(Exception) as caught:
        strictyaml.load(text)
    assert isinstance(caught.value, (strictyaml.exceptions.StrictYAMLError, strictyaml.ruamel.YAMLError))
    assert messages(text) == expected
    with pytest.raises(SpecError) as ours:
        load_yaml(text, "x.yaml")
    assert ours.value.lines() == expected


def test_short_flow_lists_are_allowed_but_not_nested() -> None:
    assert load_yaml("a: [b, 'c d']\n", "x.yaml")[0] == {"a": ["b", "c d"]}
    assert messages("a: [b, [c, [d]]]\n") == [
        "x.yaml:1:8: error: a flow-style list ([...]) may hold only plain values; write nested lists in block style"
    ]


def test_all_problems_at_once_sorted_by_line() -> None:
    text = "b: !!str x\na: 1\nc: {d: e}\na: 2\nf: *x\n"
    assert messages(text) == [
        "x.yaml:1:4: error: tags are not allowed: found '!!str'; remove it, types come from the schema",
        "x.yaml:3:4: error: flow-style mappings ({...}) are not allowed; write one 'key: value' per line",
        "x.yaml:4:1: error: duplicate key 'a' (first defined at line 2); remove one of them",
        "x.yaml:5:4: error: aliases are not allowed: found '*x'; write the value out in full",
    ]


def test_aliases_read_their_anchors_value_so_later_checks_see_real_data() -> None:
    doc = compose_yaml("a: &n 4\nb: *n\nc: &m\n  k: v\nd: *m\n", "x.yaml")
    assert doc.complete and len(doc.diagnostics) == 4
    assert doc.data == {"a": "4", "b": "4", "c": {"k": "v"}, "d": {"k": "v"}}


def test_duplicate_key_keeps_the_first_value() -> None:
    doc = compose_yaml("a:\n  x: 1\na:\n  y: 2\n", "x.yaml")
    assert doc.data == {"a": {"x": "1"}}
    assert doc.source.positions[("a", "x")] == (2, 3)
    assert ("a", "y") not in doc.source.positions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "x.yaml:1:1: error: the document is empty"),
        ("# just a comment\n\n", "x.yaml:1:1: error: the document is empty"),
        ("---\n", "x.yaml:1:1: error: the document is empty"),
        ("a: b: c\n", "x.yaml:1:5: error: invalid YAML: mapping values are not allowed in this context; "
                      "put quotes around a value that contains ': '"),
        ("a: 'open\n", "x.yaml:2:1: error: invalid YAML: found unexpected end of stream "
                       "(while scanning a quoted scalar at line 1)"),
        ("a:\n  - b\n c: d\n", "x.yaml:3:2: error: invalid YAML: did not find expected key "
                               "(while parsing a block mapping at line 1); "
                               "check the indentation of this line against the lines above"),
        ("a: \"x\\qy\"\n", "x.yaml:1:6: error: invalid YAML: found unknown escape character "
                           "(while parsing a quoted scalar at line 1); "
                           "inside double quotes write a backslash as '\\\\', or use single quotes"),
        ("a: 1\nb: x\x00y\n", "x.yaml:2:5: error: control character U+0000 is not allowed in YAML (is this a binary file?)"),
        ("a: \x07\n", "x.yaml:1:4: error: control character U+0007 is not allowed in YAML"),
        ("a: \ud800\n", "x.yaml:1:4: error: lone surrogate U+D800 is not allowed in YAML"),
        ("a: \ufffe\n", "x.yaml:1:4: error: character U+FFFE is not allowed in YAML"),
    ],
)
def test_bad_documents_give_one_located_error(text: str, expected: str) -> None:
    assert messages(text) == [expected]


def test_unicode_is_fine() -> None:
    data, _ = load_yaml("name: café ☕\nlist: [日本, 𝄞]\n", "x.yaml")
    assert data == {"name": "café ☕", "list": ["日本", "𝄞"]}


def test_nesting_1000_deep_is_a_clean_error() -> None:
    deep = "".join("  " * i + f"k{i}:\n" for i in range(1000)) + "  " * 1000 + "v\n"
    assert messages(deep) == [f"x.yaml:{MAX_DEPTH + 1}:{2 * MAX_DEPTH + 1}: error: nesting is deeper than {MAX_DEPTH} levels"]
    seqs = "".join("  " * i + "-\n" for i in range(1000))
    assert messages(seqs)[0].endswith(f"nesting is deeper than {MAX_DEPTH} levels")
    flows = "[" * 1000 + "]" * 1000
    assert messages(flows) == [
        "x.yaml:1:2: error: a flow-style list ([...]) may hold only plain values; write nested lists in block style",
        f"x.yaml:1:{MAX_DEPTH + 1}: error: nesting is deeper than {MAX_DEPTH} levels",
    ]


def test_nesting_within_the_limit_works() -> None:
    depth = MAX_DEPTH - 1
    deep = "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "v\n"
    data, _ = load_yaml(deep, "x.yaml")
    for i in range(depth):
        data = data[f"k{i}"]
    assert data == "v"


def test_ten_megabytes_of_text() -> None:
    text = "requirement: " + "word " * 2_000_000 + "\n"
    data, _ = load_yaml(text, "x.yaml")
    assert len(data["requirement"]) == 10_000_000 - 1
    lines = "a: b\n" * 2_000_000
    found = messages(lines)
    assert len(found) == 101
    assert found[-1] == "x.yaml:101:1: error: too many problems; stopped reading after 100"


def test_top_level_list_and_scalar_load() -> None:
    assert load_yaml("- a\n- b\n", "x.yaml")[0] == ["a", "b"]
    assert load_yaml("just text\n", "x.yaml")[0] == "just text"
