"""The stdlib schema checker copied into generated projects: it agrees with
jsonschema, derives valid samples and conforms any value to a schema."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teamspec.offline.runtime import schema_check

SCHEMAS: list[dict[str, Any]] = [
    {"type": "object", "required": ["title"], "additionalProperties": False,
     "properties": {"title": {"type": "string", "minLength": 1, "maxLength": 5},
                    "n": {"type": "integer", "minimum": 0, "maximum": 10},
                    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "uniqueItems": True},
                    "state": {"enum": ["a", "b"]}}},
    {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5}, "minItems": 1},
    {"anyOf": [{"type": "string", "pattern": "^x"}, {"type": "integer"}]},
    {"oneOf": [{"type": "integer", "maximum": 5}, {"type": "integer", "minimum": 3}]},
    {"type": ["string", "null"], "maxLength": 3},
    {"allOf": [{"type": "object", "required": ["a"]}, {"properties": {"a": {"type": "boolean"}}}]},
    {"type": "object", "minProperties": 1, "maxProperties": 2, "additionalProperties": {"type": "integer"}},
    {"not": {"type": "string"}},
]

json_values = st.recursive(
    # integral floats (1.0) are left out on purpose: schema_check refuses them
    # as integers, which jsonschema's 2020-12 dialect accepts
    st.none() | st.booleans() | st.integers(-20, 20)
    | st.floats(-20, 20, allow_nan=False).filter(lambda f: not f.is_integer()) | st.text(max_size=6)
    | st.sampled_from(["a", "b", "x1", "title"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["title", "n", "tags", "state", "a", "z"]), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values, index=st.integers(0, len(SCHEMAS) - 1))
def test_agrees_with_jsonschema(value: Any, index: int) -> None:
    schema = SCHEMAS[index]
    expected = jsonschema.Draft202012Validator(schema).is_valid(value)
    assert (not schema_check.validate(value, schema)) == expected, schema_check.validate(value, schema)


@settings(max_examples=300, deadline=None)
@given(value=json_values, index=st.integers(0, len(SCHEMAS) - 2))
def test_conform_always_yields_a_valid_value(value: Any, index: int) -> None:
    schema = SCHEMAS[index]
    fixed = schema_check.conform(value, schema)
    assert schema_check.validate(fixed, schema) == []
    assert jsonschema.Draft202012Validator(schema).is_valid(fixed)


@pytest.mark.parametrize("schema", SCHEMAS[:-1])
def test_samples_are_valid(schema: dict[str, Any]) -> None:
    assert schema_check.validate(schema_check.sample(schema), schema) == []


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("date", ["2024-02-29", "1999-12-31"], ["2023-02-29", "2024-13-01", "2024-1-01", "20240101"]),
        ("date-time", ["2024-01-15T09:30:00Z", "2024-01-15t09:30:00.123+02:00"],
         ["2024-01-15 09:30:00Z", "2024-01-15T25:00:00Z", "2024-01-15T09:30:00", "2024-01-15T09:30:00+24:00"]),
        ("email", ["user@example.com", "a.b+c@x.co.uk"], ["user", "user@", "@x.com", "a@b", "a b@x.com", "a..b@x.com"]),
        ("uuid", ["00000000-0000-4000-8000-000000000001"], ["0000", "00000000-0000-4000-8000-00000000000g"]),
        ("uri", ["https://example.com/a?b=c#d", "urn:isbn:123"], ["example.com", "http://a b", "http://x/%zz"]),
        ("ipv4", ["192.0.2.1"], ["256.1.1.1", "::1"]),
        ("ipv6", ["2001:db8::1"], ["192.0.2.1"]),
    ],
)
def test_formats(fmt: str, good: list[str], bad: list[str]) -> None:
    for value in good:
        assert schema_check.check_format(value, fmt), value
    for value in bad:
        assert not schema_check.check_format(value, fmt), value


def test_openapi_3_0_keywords() -> None:
    schema = {"type": "object", "required": ["id", "secret", "name"], "properties": {
        "id": {"type": "integer", "readOnly": True}, "secret": {"type": "string", "writeOnly": True},
        "name": {"type": "string", "nullable": True}, "n": {"type": "integer", "minimum": 1, "exclusiveMinimum": True}}}
    assert schema_check.validate({"secret": "s", "name": None}, schema, direction="request") == []
    assert schema_check.validate({"id": 1, "name": "x"}, schema, direction="response") == []
    assert schema_check.validate({"id": 1, "secret": "s", "name": "x", "n": 1}, schema) == ["/n: not greater than 1"]
    assert schema_check.conform({"id": 1, "secret": "s", "name": "x"}, schema) == {"id": 1, "name": "x"}


def test_integers_are_bounded_and_booleans_are_not_numbers() -> None:
    assert schema_check.validate(2**63, {"type": "integer"}) == ["/: outside the int64 range"]
    assert schema_check.validate(2**31, {"type": "integer", "format": "int32"}) == ["/: outside the int32 range"]
    assert schema_check.validate(True, {"type": "integer"}) == ["/: expected integer, found boolean"]
    assert schema_check.validate(1.0, {"type": "integer"}) == ["/: expected integer, found number"]
    assert schema_check.validate("\ud800", {"type": "string"}) == ["/: not valid unicode text"]


def test_recursive_references_through_defs() -> None:
    defs = {"#/components/schemas/Node": {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}}
    node = {"$ref": "#/components/schemas/Node"}
    assert schema_check.validate({"name": "a", "children": [{"name": "b", "children": []}]}, node, defs) == []
    assert schema_check.validate({"name": "a", "children": [{"children": []}]}, node, defs) == [
        "/children/0: missing required property 'name'"]
    deep: dict[str, Any] = {"name": "x"}
    for _ in range(200):
        deep = {"name": "x", "children": [deep]}
    assert schema_check.validate(deep, node, defs)[-1].endswith("nesting deeper than 64 levels")
