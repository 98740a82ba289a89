"""Deterministic schema-derived values (teamspec.contracts.values) and the
regex generator behind ``pattern``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rest_support import CORPUS_NAMES, corpus_doc, designed_doc

from teamspec.contracts.openapi_util import iter_operations
from teamspec.contracts.regexgen import string_for_pattern
from teamspec.contracts.schemaconv import Converter
from teamspec.contracts.values import ValueGenerator, example_for

OAS30: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}


def doc_with(schemas: dict[str, Any], version: str = "3.0.3") -> dict[str, Any]:
    return {**OAS30, "openapi": version, "components": {"schemas": schemas}}


def valid(value: Any, schema: Any, root: dict[str, Any], mode: str = "response") -> bool:
    return Converter(root).is_valid(value, schema, mode)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, "string"),
        ({"type": "string", "format": "date"}, "2024-01-01"),
        ({"type": "string", "format": "date-time"}, "2024-01-01T00:00:00Z"),
        ({"type": "string", "format": "email"}, "user@example.com"),
        ({"type": "string", "format": "uuid"}, "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        ({"type": "string", "format": "uri"}, "https://example.com/"),
        ({"type": "string", "format": "hostname"}, "example.com"),
        ({"type": "string", "format": "ipv4"}, "192.0.2.1"),
        ({"type": "string", "format": "ipv6"}, "2001:db8::1"),
        ({"type": "string", "minLength": 10}, "stringxxxx"),
        ({"type": "string", "maxLength": 3}, "ast"),
        ({"type": "string", "pattern": "^[A-Z]{3}$"}, "AAA"),
        ({"type": "string", "pattern": r"^\d{3}-\d{4}$"}, "000-0000"),
        ({"type": "string", "pattern": "^(?<y>[0-9]{4})-x$"}, "0000-x"),
        ({"type": "integer"}, 1),
        ({"type": "integer", "minimum": 5}, 5),
        ({"type": "integer", "minimum": 5, "exclusiveMinimum": True}, 6),
        ({"type": "integer", "maximum": 0}, 0),
        ({"type": "integer", "maximum": 0, "exclusiveMaximum": True}, -1),
        ({"type": "integer", "minimum": 7, "multipleOf": 5}, 10),
        ({"type": "number"}, 1.5),
        ({"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1}, 0.5),
        ({"type": "number", "minimum": 2.5}, 2.5),
        ({"type": "boolean"}, True),
        ({"type": "string", "enum": ["b", "a"]}, "b"),
        ({"type": "string", "nullable": True, "enum": [None, "x"]}, "x"),
        ({"const": 42}, 42),
        ({"type": "string", "default": "dflt"}, "dflt"),
        ({"type": "string", "example": "ex"}, "ex"),
        ({"type": "integer", "example": "not an integer"}, 1),
        ({"type": "array", "items": {"type": "integer"}}, [1]),
        ({"type": "array", "items": {"type": "integer"}, "minItems": 3, "uniqueItems": True}, [1, 2, 3]),
        ({"type": "array", "items": {"type": "string"}, "maxItems": 0}, []),
        ({"type": "object", "additionalProperties": {"type": "integer"}}, {"additionalProp1": 1}),
        ({"type": "object", "properties": {"a": {"type": "string"}}, "minProperties": 2},
         {"a": "string", "additionalProp1": "string"}),
        ({"type": "string", "nullable": True}, "string"),
        ({"type": ["null", "integer"]}, 1),
        ({}, "string"),
    ],
)
def test_values_of_simple_schemas(schema: dict[str, Any], expected: Any) -> None:
    root = doc_with({})
    value = example_for(schema, root)
    assert value == expected
    assert valid(value, schema, root)


def test_exclusive_minimum_of_openapi_31_is_numeric() -> None:
    root = doc_with({}, "3.1.0")
    schema = {"type": "integer", "exclusiveMinimum": 5, "exclusiveMaximum": 7}
    assert example_for(schema, root) == 6


def test_refs_allof_and_read_write_only() -> None:
    root = doc_with({
        "NewPet": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"}, "password": {"type": "string", "writeOnly": True}}},
        "Pet": {"allOf": [{"$ref": "#/components/schemas/NewPet"}, {
            "type": "object", "required": ["id"],
            "properties": {"id": {"type": "integer", "format": "int64", "readOnly": True}}}]},
    })
    pet = {"$ref": "#/components/schemas/Pet"}
    assert example_for(pet, root) == {"name": "string", "id": 1}
    assert example_for(pet, root, mode="request") == {"name": "string", "password": "string"}
    assert valid(example_for(pet, root), pet, root, "response")
    assert valid(example_for(pet, root, mode="request"), pet, root, "request")


def test_one_of_takes_the_first_branch_that_validates_and_sets_the_discriminator() -> None:
    root = doc_with({
        "Cat": {"type": "object", "required": ["kind", "meow"],
                "properties": {"kind": {"type": "string"}, "meow": {"type": "boolean"}}},
        "Dog": {"type": "object", "required": ["kind", "bark"],
                "properties": {"kind": {"type": "string"}, "bark": {"type": "boolean"}}},
    })
    schema = {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
              "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}}}
    value = example_for(schema, root)
    assert value == {"kind": "cat", "meow": True}
    # oneOf with overlapping branches: the first candidate matches both, the
    # generator moves on until exactly one matches
    overlapping = {"oneOf": [{"type": "object"}, {"type": "object", "required": ["x"],
                                                   "properties": {"x": {"type": "integer"}}}]}
    assert example_for(overlapping, root) == {}
    assert valid({}, overlapping, root)
    assert not valid({"x": 1}, overlapping, root)
    any_of = {"anyOf": [{"type": "integer", "minimum": 3}, {"type": "string"}]}
    assert example_for(any_of, root) == 3


def test_recursive_schemas_terminate() -> None:
    root = doc_with({
        "Node": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            "parent": {"$ref": "#/components/schemas/Node"},
        }},
    })
    node = {"$ref": "#/components/schemas/Node"}
    value = example_for(node, root)
    assert value == {"name": "string", "children": []}
    assert valid(value, node, root)


def test_values_are_deterministic_across_generators() -> None:
    root = designed_doc()
    first = [ValueGenerator(root).example(s) for s in root["components"]["schemas"].values()]
    second = [ValueGenerator(root).example(s) for s in root["components"]["schemas"].values()]
    assert first == second


@pytest.mark.parametrize("name", [n for n in CORPUS_NAMES if n != "api-with-examples"] + ["designed"])
def test_every_schema_of_the_corpus_and_the_designed_interface_yields_a_valid_value(name: str) -> None:
    # api-with-examples declares no schema at all (examples only)
    doc = designed_doc() if name == "designed" else corpus_doc(name)
    gen = ValueGenerator(doc)
    checked = 0
    for op in iter_operations(doc):
        for response in op.responses().values():
            for media in (response.get("content") or {}).values():
                if "schema" in media:
                    value = gen.example(media["schema"], "response")
                    assert gen.valid(value, media["schema"], "response"), (op.label, value)
                    checked += 1
        for p in op.parameters:
            value = gen.example(p.schema, "request")
            assert gen.valid(value, p.schema, "request"), (op.label, p.name, value)
            checked += 1
    assert checked > 0


@pytest.mark.parametrize(
    "pattern",
    [r"^[a-z]+$", r"^\d{4}-\d{2}$", r"^(foo|bar)baz$", r"^[^0-9]{2}\.x$", r"^(ab)\1$", r"^\w+@\w+\.com$",
     r"[A-Z]{2}", r"^v[0-9]+(\.[0-9]+){2}$", r"^\s?\S{3}$"],
)
def test_regex_generator_matches(pattern: str) -> None:
    text = string_for_pattern(pattern)
    assert text is not None and re.search(pattern, text), text
    assert string_for_pattern(pattern) == text


def test_regex_generator_respects_lengths_and_variants() -> None:
    assert string_for_pattern(r"^[a-z]+$", min_length=5) == "aaaaaa"
    text = string_for_pattern(r"^[a-z]+$", min_length=5, max_length=6)
    assert text is not None and 5 <= len(text) <= 6
    assert string_for_pattern(r"^[a-z]{2}$", variant=1) == "ba"
    assert string_for_pattern(r"^[a-z]{2}$", min_length=3) is None
    assert string_for_pattern("(unclosed") is None
    assert string_for_pattern(r"^(?=x)y$") is None
