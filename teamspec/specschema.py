"""The spec's JSON Schema: typing scalars by it, validating against it, and
turning every violation into a located, human :class:`Diagnostic`.

Stages: load the schema (package data) → compile it once into a tree of
:class:`_Node` → :func:`check`: in one pass, convert the loaded strings to
the types the schema asks for (:func:`coerce`) and run a fast exact check of
the keywords the schema uses; only when that fails (or the schema uses a
keyword the fast check does not know) does jsonschema run, and its errors
become diagnostics (:mod:`teamspec.specerrors`; :func:`validate` does the
same for typed data).

The fast check exists for speed only (jsonschema needs over a second for a
spec of 5,000 contracts; typing and the fast check together about a fifth of
that); what a user reads always comes from jsonschema's errors. Property
tests (tests/test_bad_input.py) hold the fast check to jsonschema's verdict.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from teamspec.errors import Diagnostic
from teamspec.model import PathKey, SourceMap

__all__ = [
    "SCHEMA_ID",
    "check",
    "coerce",
    "fast_valid",
    "load_schema",
    "schema_text",
    "typed_and_valid",
    "validate",
]

SCHEMA_ID = "https://teamspec.dev/schemas/v1/teamspec.schema.json"
_SCHEMA_FILE = "teamspec.schema.json"

# strictyaml's Bool values.
_TRUE = frozenset({"yes", "true", "on", "1", "y"})
_FALSE = frozenset({"no", "false", "off", "0", "n"})
_INT = re.compile(r"[-+]?[0-9]+(?:_[0-9]+)*")
_DECIMAL = re.compile(r"[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?")
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
# JSON-style typing of inline foreign documents (YAML 1.2 core schema).
_JSON_TRUE = frozenset({"true", "True", "TRUE"})
_JSON_FALSE = frozenset({"false", "False", "FALSE"})
_JSON_INT = re.compile(r"[-+]?[0-9]+")
_JSON_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")

# Keywords the fast check implements exactly; anything else sends every
# document through jsonschema.
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default"})
_KNOWN = _ANNOTATIONS | frozenset({
    "type", "properties", "additionalProperties", "required", "items", "enum", "const",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "minItems",
    "pattern", "oneOf", "anyOf", "allOf", "if", "then", "else", "$ref",
})



# --------------------------------------------------------------------------
# The schema


def schema_text() -> str:
    """The JSON text of ``teamspec.schema.json`` as shipped in the package."""
    return resources.files("teamspec").joinpath("schemas", _SCHEMA_FILE).read_text(encoding="utf-8")


@cache
def load_schema() -> Mapping[str, Any]:
    """The spec schema (JSON Schema 2020-12) as a dict. Do not mutate it."""
    schema: dict[str, Any] = json.loads(schema_text())
    return schema


class _Node:
    """One compiled subschema."""

    __slots__ = (
        "all_of", "any_of", "closed", "cond", "const", "enum", "exact", "exc_max", "exc_min",
        "foreign", "items", "maximum", "min_items", "min_length", "minimum", "one_of", "pattern",
        "props", "required", "simple", "types",
    )

    def __init__(self) -> None:
        self.types: frozenset[str] | None = None
        self.props: dict[str, _Node] = {}
        self.closed = False
        self.required: tuple[str, ...] = ()
        self.items: _Node | None = None
        self.enum: tuple[Any, ...] | None = None
        self.const: tuple[Any] | None = None
        self.minimum: float | None = None
        self.maximum: float | None = None
        self.exc_min: float | None = None
        self.exc_max: float | None = None
        self.min_length: int | None = None
        self.min_items: int | None = None
        self.pattern: re.Pattern[str] | None = None
        self.one_of: tuple[_Node, ...] = ()
        self.any_of: tuple[_Node, ...] = ()
        self.all_of: tuple[_Node, ...] = ()
        self.cond: tuple[tuple[_Node, _Node | None, _Node | None], ...] = ()
        self.foreign = False
        self.exact = True
        self.simple = False  # set after compiling: see _finish


_FOREIGN_REF = "#/$defs/inlineInterface"


def _resolve_ref(root: Mapping[str, Any], ref: str) -> Mapping[str, Any]:
    """The subschema a local ``$ref`` (``#/$defs/contract``) points at."""
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref is supported: {ref}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    result: Mapping[str, Any] = node
    return result


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, _Node] = {}
        self.exact = True

    def resolve(self, ref: str) -> Mapping[str, Any]:
        return _resolve_ref(self.root, ref)

    def ref(self, ref: str) -> _Node:
        node = self.refs.get(ref)
        if node is None:
            node = _Node()
            self.refs[ref] = node  # before filling: recursive schemas terminate
            self.fill(node, self.resolve(ref))
            if ref == _FOREIGN_REF:
                node.foreign = True
        return node

    def compile(self, schema: Any) -> _Node:
        if isinstance(schema, bool):
            node = _Node()
            if not schema:
                node.exact = self.exact = False
            return node
        keys = set(schema) - _ANNOTATIONS
        if keys == {"$ref"}:
            return self.ref(schema["$ref"])
        node = _Node()
        self.fill(node, schema)
        return node

    def fill(self, node: _Node, schema: Mapping[str, Any]) -> None:
        if set(schema) - _KNOWN:
            node.exact = self.exact = False
        t = schema.get("type")
        if t is not None:
            node.types = frozenset([t] if isinstance(t, str) else t)
        node.props = {k: self.compile(v) for k, v in schema.get("properties", {}).items()}
        ap = schema.get("additionalProperties", True)
        if ap is False:
            node.closed = True
        elif ap is not True:
            node.exact = self.exact = False
        node.required = tuple(schema.get("required", ()))
        if "items" in schema:
            node.items = self.compile(schema["items"])
        if "enum" in schema:
            node.enum = tuple(schema["enum"])
            if any(isinstance(e, (dict, list)) for e in node.enum):
                node.exact = self.exact = False
        if "const" in schema:
            node.const = (schema["const"],)
            if isinstance(schema["const"], (dict, list)):
                node.exact = self.exact = False
        node.minimum = schema.get("minimum")
        node.maximum = schema.get("maximum")
        node.exc_min = schema.get("exclusiveMinimum")
        node.exc_max = schema.get("exclusiveMaximum")
        node.min_length = schema.get("minLength")
        node.min_items = schema.get("minItems")
        if "pattern" in schema:
            node.pattern = re.compile(schema["pattern"])
        node.one_of = tuple(self.compile(s) for s in schema.get("oneOf", ()))
        node.any_of = tuple(self.compile(s) for s in schema.get("anyOf", ()))
        all_of = [self.compile(s) for s in schema.get("allOf", ())]
        if "$ref" in schema:
            all_of.append(self.ref(schema["$ref"]))
        node.all_of = tuple(all_of)
        if "if" in schema:
            node.cond = (
                (
                    self.compile(schema["if"]),
                    self.compile(schema["then"]) if "then" in schema else None,
                    self.compile(schema["else"]) if "else" in schema else None,
                ),
            )


def _finish(root: _Node) -> None:
    """Mark the nodes the one-pass typing check handles itself: no
    combinators, conditions, enum or const, not a foreign document."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        node.simple = not (
            node.one_of or node.any_of or node.all_of or node.cond or node.foreign
            or node.enum is not None or node.const is not None
        )
        todo.extend(node.props.values())
        todo.extend(n for n in (node.items,) if n is not None)
        todo.extend((*node.one_of, *node.any_of, *node.all_of))
        for cond in node.cond:
            todo.extend(n for n in cond if n is not None)


@cache
def _compiled() -> tuple[_Node, bool]:
    compiler = _Compiler(load_schema())
    root = compiler.compile(load_schema())
    _finish(root)
    return root, compiler.exact


# --------------------------------------------------------------------------
# Typing


def _types(node: _Node) -> frozenset[str] | None:
    """The JSON types ``node`` admits (``None``: any)."""
    allowed = node.types
    for sub in node.all_of:
        sub_types = _types(sub)
        if sub_types is not None:
            allowed = sub_types if allowed is None else allowed & sub_types
    branches = node.one_of or node.any_of
    if branches:
        union: set[str] = set()
        for sub in branches:
            sub_types = _types(sub)
            if sub_types is None:
                return allowed
            union |= sub_types
        allowed = frozenset(union) if allowed is None else allowed & union
    return allowed


def _object_nodes(node: _Node, kind: str) -> Iterator[_Node]:
    """``node`` and the subschemas that apply with it to a value of JSON type ``kind``."""
    yield node
    for sub in node.all_of:
        yield from _object_nodes(sub, kind)
    branches = node.one_of or node.any_of
    if branches:
        fitting = [b for b in branches if (_types(b) is None or kind in (_types(b) or ()))]
        if len(fitting) == 1:
            yield from _object_nodes(fitting[0], kind)


def _to_bool(text: str) -> bool | None:
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return None


def _to_int(text: str) -> int | None:
    if _INT.fullmatch(text) is None:
        return None
    try:
        return int(text)
    except ValueError:  # more digits than int() converts
        return None


def _to_number(text: str) -> int | float | None:
    as_int = _to_int(text)
    if as_int is not None:
        return as_int
    if _DECIMAL.fullmatch(text) is None or not any(c.isdigit() for c in text):
        return None
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _scalar(text: str, allowed: frozenset[str] | None, plain: bool) -> Any:
    if allowed is None or "string" in allowed:
        return text
    if plain and text == "":
        if "array" in allowed:
            return []
        if "object" in allowed:
            return {}
    if "boolean" in allowed:
        b = _to_bool(text)
        if b is not None:
            return b
    if "integer" in allowed:
        i = _to_int(text)
        if i is not None:
            return i
    if "number" in allowed:
        n = _to_number(text)
        if n is not None:
            return n
    if "null" in allowed and plain and text in _NULL:
        return None
    return text


def json_typed(value: Any, quoted: Collection[PathKey] = (), path: PathKey = ()) -> Any:
    """Type the plain scalars of a foreign document (inline OpenAPI, JSON
    Schema) the JSON way: integers, floats, true/false, null; everything
    else — and whatever was quoted — stays a string. Keys stay strings.
    Works in place on dicts and lists; iterative, so depth is no concern."""

    def typed(text: str, where: PathKey) -> Any:
        if where in quoted:
            return text
        if text in _NULL:
            return None
        if text in _JSON_TRUE:
            return True
        if text in _JSON_FALSE:
            return False
        if _JSON_INT.fullmatch(text):
            try:
                return int(text)
            except ValueError:
                return text
        if _JSON_FLOAT.fullmatch(text):
            f = float(text)
            return f if math.isfinite(f) else text
        return text

    if isinstance(value, str):
        return typed(value, path)
    stack: list[tuple[Any, PathKey]] = [(value, path)]
    while stack:
        container, where = stack.pop()
        entries: Iterable[tuple[Any, Any]] = (
            container.items() if isinstance(container, dict) else enumerate(container)
        )
        for key, item in list(entries):
            sub = (*where, key)
            if isinstance(item, str):
                container[key] = typed(item, sub)
            elif isinstance(item, (dict, list)):
                stack.append((item, sub))
    return value


def coerce(data: Any, quoted: Collection[PathKey] = frozenset()) -> Any:
    """Convert the strings of loaded YAML ``data`` to the types the spec
    schema asks for, in place; returns the (possibly replaced) root.

    Booleans take strictyaml's values (yes/no, true/false, on/off, y/n, 1/0,
    any case), integers and numbers their decimal forms; a plain empty value
    where a list or mapping is expected becomes an empty one. Where a string
    is allowed the text stays a string. Values that do not convert stay
    strings for validation to report. ``quoted`` names the scalars written in
    quotes (see :class:`teamspec.yamlsafe.YamlDocument`); the inline
    ``interface:`` document is typed the JSON way (:func:`json_typed`).
    """
    return typed_and_valid(data, quoted)[0]


def typed_and_valid(data: Any, quoted: Collection[PathKey] = frozenset()) -> tuple[Any, bool | None]:
    """:func:`coerce` and the fast schema check in one pass: the typed data
    and whether it is valid (``None`` when the schema uses keywords the fast
    check does not know)."""
    root, exact = _compiled()
    value, ok = _typed(data, root, (), quoted)
    return value, (ok if exact else None)


def _typed(value: Any, node: _Node, path: PathKey, quoted: Collection[PathKey]) -> tuple[Any, bool]:
    """Type ``value`` by ``node`` and check it: the hot path of loading."""
    if not node.simple:
        value = _coerce(value, node, path, quoted)
        return value, _valid(value, node)
    kind = type(value)
    types = node.types
    if kind is str:
        if types is not None and "string" not in types:
            value = _scalar(value, types, path not in quoted)
        return value, _valid(value, node)
    if kind is dict:
        ok = types is None or "object" in types
        props = node.props
        closed = node.closed
        for key, item in value.items():
            sub = props.get(key)
            if sub is None:
                if closed:
                    ok = False
                continue
            new, sub_ok = _typed(item, sub, (*path, key), quoted)
            if new is not item:
                value[key] = new
            if not sub_ok:
                ok = False
        for key in node.required:
            if key not in value:
                ok = False
        return value, ok
    if kind is list:
        ok = types is None or "array" in types
        if node.min_items is not None and len(value) < node.min_items:
            ok = False
        items = node.items
        if items is not None:
            for index, item in enumerate(value):
                new, sub_ok = _typed(item, items, (*path, index), quoted)
                if new is not item:
                    value[index] = new
                if not sub_ok:
                    ok = False
        return value, ok
    return value, _valid(value, node)


def _coerce(value: Any, node: _Node, path: PathKey, quoted: Collection[PathKey]) -> Any:
    if node.foreign:
        return json_typed(value, quoted, path)
    if isinstance(value, str):
        return _scalar(value, _types(node), path not in quoted)
    if isinstance(value, dict):
        nodes = list(_object_nodes(node, "object"))
        if any(n.foreign for n in nodes):
            return json_typed(value, quoted, path)
        for key, item in value.items():
            for n in nodes:
                sub = n.props.get(key)
                if sub is not None:
                    value[key] = _coerce(item, sub, (*path, key), quoted)
                    break
        return value
    if isinstance(value, list):
        item_node = next((n.items for n in _object_nodes(node, "array") if n.items is not None), None)
        if item_node is not None:
            for index, item in enumerate(value):
                value[index] = _coerce(item, item_node, (*path, index), quoted)
        return value
    return value


# --------------------------------------------------------------------------
# The fast check: exact for the keywords in _KNOWN


def _is_type(value: Any, t: str) -> bool:
    if t == "string":
        return isinstance(value, str)
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if t == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if t == "number":
        return isinstance(value, (int, float))
    return False


def _equal(a: Any, b: Any) -> bool:
    """jsonschema's equality for scalars: booleans never equal numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _type_ok(value: Any, types: frozenset[str]) -> bool:
    kind = type(value)
    if kind is str:
        return "string" in types
    if kind is dict:
        return "object" in types
    if kind is list:
        return "array" in types
    if kind is bool:
        return "boolean" in types
    if kind is int:
        return "integer" in types or "number" in types
    if kind is float:
        return "number" in types or ("integer" in types and value.is_integer())
    if value is None:
        return "null" in types
    return any(_is_type(value, t) for t in types)


def _valid(value: Any, node: _Node) -> bool:
    if node.types is not None and not _type_ok(value, node.types):
        return False
    if node.enum is not None:
        if type(value) is str:
            if value not in node.enum:
                return False
        elif not any(_equal(value, e) for e in node.enum):
            return False
    if node.const is not None and not _equal(value, node.const[0]):
        return False
    kind = type(value)
    if kind is str:
        if node.min_length is not None and len(value) < node.min_length:
            return False
        if node.pattern is not None and node.pattern.search(value) is None:
            return False
    elif kind is dict:
        props = node.props
        for key in node.required:
            if key not in value:
                return False
        for key, item in value.items():
            sub = props.get(key)
            if sub is not None:
                if not _valid(item, sub):
                    return False
            elif node.closed:
                return False
    elif kind is list:
        if node.min_items is not None and len(value) < node.min_items:
            return False
        items = node.items
        if items is not None:
            for item in value:
                if not _valid(item, items):
                    return False
    elif kind is int or kind is float:
        if node.minimum is not None and value < node.minimum:
            return False
        if node.maximum is not None and value > node.maximum:
            return False
        if node.exc_min is not None and value <= node.exc_min:
            return False
        if node.exc_max is not None and value >= node.exc_max:
            return False
    elif kind is not bool and value is not None:
        return False  # not a JSON value: let jsonschema judge
    for sub in node.all_of:
        if not _valid(value, sub):
            return False
    if node.one_of:
        valid = 0
        for sub in node.one_of:
            if _valid(value, sub):
                valid += 1
        if valid != 1:
            return False
    if node.any_of and not any(_valid(value, sub) for sub in node.any_of):
        return False
    for if_node, then_node, else_node in node.cond:
        branch = then_node if _valid(value, if_node) else else_node
        if branch is not None and not _valid(value, branch):
            return False
    return True


def fast_valid(data: Any) -> bool | None:
    """Whether typed ``data`` satisfies the spec schema, by the fast check;
    ``None`` when the schema uses keywords the fast check does not know."""
    root, exact = _compiled()
    if not exact:
        return None
    return _valid(data, root)


def check(data: Any, quoted: Collection[PathKey], source: SourceMap) -> tuple[Any, list[Diagnostic]]:
    """Type loaded YAML ``data`` (see :func:`coerce`) and validate it: the
    typed data and its diagnostics (empty when valid), sorted by line."""
    typed, ok = typed_and_valid(data, quoted)
    if ok is True:
        return typed, []
    from teamspec.specerrors import diagnostics

    return typed, diagnostics(typed, source)


def validate(data: Any, source: SourceMap) -> list[Diagnostic]:
    """Check typed ``data`` (see :func:`coerce`) against the spec schema.

    Returns one diagnostic per problem — unknown keys with a "did you mean",
    missing keys, wrong types and values with what was expected and what was
    found — located through ``source`` and sorted by line; empty when valid.
    """
    if fast_valid(data) is True:
        return []
    from teamspec.specerrors import diagnostics

    return diagnostics(data, source)
