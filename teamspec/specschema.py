"""The spec's JSON Schema: typing scalars by it, validating against it, and
turning every violation into a located, human :class:`Diagnostic`.

Stages: load the schema (package data) → compile it once into a tree of
:class:`_Node` → :func:`check`: in one pass, convert the loaded strings to
the types the schema asks for (:func:`coerce`) and run a fast exact check of
the keywords the schema uses; only when that fails (or the schema uses a
keyword the fast check does not know) does jsonschema run, and its errors
become diagnostics (:func:`validate` does the same for typed data).

The fast check exists for speed only (jsonschema needs over a second for a
spec of 5,000 contracts; typing and the fast check together about a fifth of
that); what a user reads always comes from jsonschema's errors. Property
tests (tests/test_bad_input.py) hold the fast check to jsonschema's verdict.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from teamspec.errors import Diagnostic, sort_diagnostics
from teamspec.model import PathKey, SourceMap, format_path

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

# How the messages name the schema's definitions: (singular, plural).
_NOUNS: dict[str, tuple[str, str]] = {
    "contract": ("a contract mapping", "contract mappings"),
    "persona": ("a persona mapping", "persona mappings"),
    "deliverable": ("a deliverable mapping", "deliverable mappings"),
    "acceptance": ("a criterion text or a check mapping", "criteria (texts or check mappings)"),
    "criterion": ("a criterion text", "criterion texts"),
    "check": ("a check mapping (check: command, conforms, openapi_valid, json_schema or file_contains)", "check mappings"),
    "personaRef": ("a persona id", "persona ids"),
    "contractRef": ("a contract id", "contract ids"),
    "interfacePath": ("an interface file path", "interface file paths"),
    "inlineInterface": ("an inline interface mapping", "inline interface mappings"),
    "strings": ("a list of texts", "lists of texts"),
}
_PATTERNS: dict[str, str] = {
    "^[a-z0-9][a-z0-9_-]*$": "a lowercase slug (letters, digits, '-' and '_', starting with a letter or digit)",
    "^[a-z][a-z0-9_-]*$": "an id (lowercase letters, digits, '_' and '-', starting with a letter)",
    "\\S": "a non-blank text",
}
_TOP_LEVEL_HINT = "a mapping with at least 'teamspec: 1', 'name:' and 'requirement:'"


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


# --------------------------------------------------------------------------
# jsonschema errors → diagnostics


class _Describer:
    """Names what a subschema expects, in words."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        defs: Mapping[str, Any] = root.get("$defs", {})
        self.def_names = {id(v): k for k, v in defs.items()}

    def resolve(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, Mapping) and "$ref" in schema and seen < 20:
            schema = _resolve_ref(self.root, schema["$ref"])
            seen += 1
        return schema

    def name(self, schema: Any) -> str | None:
        if isinstance(schema, Mapping):
            if "$ref" in schema:
                return str(schema["$ref"]).rsplit("/", 1)[-1]
            return self.def_names.get(id(schema))
        return None

    def expected(self, schema: Any, plural: bool = False) -> str:
        name = self.name(schema)
        if name in _NOUNS:
            return _NOUNS[name][1 if plural else 0]
        s = self.resolve(schema)
        if not isinstance(s, Mapping):
            return "a value" if not plural else "values"
        if "const" in s:
            return _show(s["const"])
        if "enum" in s:
            options = [str(e) for e in s["enum"]]
            return "one of " + _or_list(options)
        branches = s.get("oneOf") or s.get("anyOf")
        if branches:
            return " or ".join(self.expected(b) for b in branches)
        t = s.get("type")
        if t in ("integer", "number"):
            noun = ("integers" if plural else "an integer") if t == "integer" else ("numbers" if plural else "a number")
            return noun + _range(s)
        if t == "boolean":
            return "true or false"
        if t == "string":
            pattern = s.get("pattern")
            if pattern is not None:
                return _PATTERNS.get(pattern, f"a text matching /{pattern}/")
            if s.get("minLength"):
                return "non-empty texts" if plural else "a non-empty text"
            return "texts" if plural else "a text"
        if t == "array":
            items = s.get("items")
            inner = self.expected(items, plural=True) if items is not None else "values"
            prefix = "a non-empty list of " if s.get("minItems") else "a list of "
            return ("lists of " if plural else prefix) + inner
        if t == "object":
            return "mappings" if plural else "a mapping"
        return "values" if plural else "a value"


def _range(s: Mapping[str, Any]) -> str:
    lo, hi = s.get("minimum"), s.get("maximum")
    xlo = s.get("exclusiveMinimum")
    if lo is not None and hi is not None:
        return f" from {_num(lo)} to {_num(hi)}"
    if xlo is not None:
        return f" greater than {_num(xlo)}"
    if lo is not None:
        return f" of at least {_num(lo)}"
    if hi is not None:
        return f" of at most {_num(hi)}"
    return ""


def _num(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def _or_list(options: list[str]) -> str:
    if len(options) <= 1:
        return "".join(options)
    return ", ".join(options[:-1]) + " or " + options[-1]


def _show(value: Any) -> str:
    """How a found value is quoted in a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        text = str(value)
        return text if len(text) <= 40 else text[:37] + "..."
    if isinstance(value, str):
        if value == "":
            return "an empty value"
        shown = value if len(value) <= 60 else value[:57] + "..."
        return repr(shown)
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return type(value).__name__


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "null"


def _accepts_type(d: _Describer, schema: Any, value: Any) -> bool:
    s = d.resolve(schema)
    if not isinstance(s, Mapping):
        return True
    t = s.get("type")
    if t is None:
        branches = s.get("oneOf") or s.get("anyOf")
        return branches is None or any(_accepts_type(d, b, value) for b in branches)
    types = [t] if isinstance(t, str) else list(t)
    jt = _json_type(value)
    return jt in types or (jt == "integer" and "number" in types)


class _Mapper:
    """Turns jsonschema errors into diagnostics."""

    def __init__(self, source: SourceMap, root: Mapping[str, Any]) -> None:
        self.source = source
        self.root = root
        self.d = _Describer(root)
        self.out: list[Diagnostic] = []

    def emit(self, path: PathKey, message: str, at: PathKey | None = None) -> None:
        line, col = self.source.locate(at if at is not None else path)
        self.out.append(Diagnostic(self.source.file, line, col, "error", message, format_path(path)))

    def schema_at(self, schema_path: Iterable[Any]) -> Any:
        node: Any = self.root
        for part in schema_path:
            if isinstance(node, Mapping) and "$ref" in node and part not in node:
                node = self.d.resolve(node)
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    def condition(self, error: Any) -> str:
        """For an error under ``then``: ``check: command``, from the ``if``."""
        parts = list(error.absolute_schema_path)
        if "then" not in parts:
            return ""
        cut = len(parts) - 1 - parts[::-1].index("then")
        parent = self.schema_at(parts[:cut])
        if not isinstance(parent, Mapping):
            return ""
        props = parent.get("if", {}).get("properties", {})
        words = [f"{k}: {v['const']}" for k, v in props.items() if isinstance(v, Mapping) and "const" in v]
        return ", needed by " + " and ".join(words) if words else ""

    def add(self, error: Any) -> None:
        path: PathKey = tuple(error.absolute_path)
        kind = error.validator
        instance = error.instance
        schema = error.schema
        if kind == "additionalProperties":
            allowed = list(schema.get("properties", {}))
            for key in instance:
                if key in allowed:
                    continue
                self.emit(path, _unknown_key(key, allowed, path), at=(*path, key))
            return
        if kind == "required":
            missing = [k for k in error.validator_value if k not in instance]
            for key in missing:
                hint = "; add 'teamspec: 1'" if not path and key == "teamspec" else ""
                self.emit(path, f"missing required key '{key}'{self.condition(error)}{hint}")
            return
        if kind in ("oneOf", "anyOf"):
            self.add_branches(error)
            return
        if not path and kind == "type":
            self.emit(path, f"expected {_TOP_LEVEL_HINT}, found {_show(instance)}")
            return
        if kind in ("type", "enum", "const", "pattern", "minLength", "minItems", "minimum", "maximum",
                    "exclusiveMinimum", "exclusiveMaximum"):
            message = f"expected {self.d.expected(schema)}, found {_show(instance)}"
            message += _hint(kind, schema, instance)
            self.emit(path, message)
            return
        text = error.message if len(error.message) <= 200 else error.message[:197] + "..."
        self.emit(path, text)

    def add_branches(self, error: Any) -> None:
        branches = error.validator_value
        instance = error.instance
        path: PathKey = tuple(error.absolute_path)
        if all(isinstance(b, Mapping) and set(b) == {"required"} for b in branches):
            keys = [k for b in branches for k in b["required"]]
            names = _or_list([f"'{k}'" for k in keys])
            self.emit(path, f"missing key {names}{self.condition(error)}")
            return
        fitting = [i for i, b in enumerate(branches) if _accepts_type(self.d, b, instance)]
        if len(fitting) == 1:
            sub = [e for e in error.context if e.relative_schema_path and e.relative_schema_path[0] == fitting[0]]
            if sub:
                for e in sub:
                    self.add(e)
                return
        if not fitting:
            self.emit(path, f"expected {self.d.expected(error.schema)}, found {_show(instance)}")
            return
        from jsonschema.exceptions import best_match

        best = best_match(error.context)
        if best is not None:
            self.add(best)
        else:
            self.emit(path, f"expected {self.d.expected(error.schema)}, found {_show(instance)}")


def _hint(kind: str, schema: Mapping[str, Any], instance: Any) -> str:
    if kind == "enum" and isinstance(instance, str):
        close = difflib.get_close_matches(instance, [str(e) for e in schema["enum"]], n=1)
        if close:
            return f" (did you mean '{close[0]}'?)"
    if kind == "type" and schema.get("type") == "array" and isinstance(instance, str) and instance:
        items = schema.get("items")
        if isinstance(items, Mapping) and "$ref" in items:
            items = _resolve_ref(load_schema(), items["$ref"])
        one_line = "\n" not in instance and len(instance) <= 60
        if isinstance(items, Mapping) and items.get("type") == "string" and one_line:
            return f"; write [{instance}] for a list of one"
    return ""


def _unknown_key(key: Any, allowed: list[str], path: PathKey) -> str:
    shown = f"'{key}'"
    close = difflib.get_close_matches(str(key), allowed, n=1)
    if close:
        return f"unknown key {shown} (did you mean '{close[0]}'?)"
    if not path:
        root = load_schema()
        for section in ("constraints", "team"):
            if key in root["properties"][section].get("properties", {}):
                return f"unknown key {shown} (it belongs under '{section}:')"
    return f"unknown key {shown}; allowed keys: {', '.join(allowed)}"


def _jsonschema_errors(data: Any) -> list[Any]:
    return list(_validator().iter_errors(data))


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema())


def check(data: Any, quoted: Collection[PathKey], source: SourceMap) -> tuple[Any, list[Diagnostic]]:
    """Type loaded YAML ``data`` (see :func:`coerce`) and validate it: the
    typed data and its diagnostics (empty when valid), sorted by line."""
    typed, ok = typed_and_valid(data, quoted)
    if ok is True:
        return typed, []
    return typed, _diagnostics(typed, source)


def _diagnostics(data: Any, source: SourceMap) -> list[Diagnostic]:
    mapper = _Mapper(source, load_schema())
    for error in _jsonschema_errors(data):
        mapper.add(error)
    return sort_diagnostics(mapper.out)


def validate(data: Any, source: SourceMap) -> list[Diagnostic]:
    """Check typed ``data`` (see :func:`coerce`) against the spec schema.

    Returns one diagnostic per problem — unknown keys with a "did you mean",
    missing keys, wrong types and values with what was expected and what was
    found — located through ``source`` and sorted by line; empty when valid.
    """
    if fast_valid(data) is True:
        return []
    return _diagnostics(data, source)
