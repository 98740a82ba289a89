"""jsonschema's errors on a spec, as located, human diagnostics.

:func:`teamspec.specschema.check` types and fast-checks a spec; when the
fast check fails, jsonschema runs and this module turns each of its errors
into a :class:`~teamspec.errors.Diagnostic`: the key's own line and column,
the path, what was expected (in words, from the schema) and what was found,
and a hint (an unknown key's "did you mean", a key that belongs in another
section).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from teamspec.errors import Diagnostic, sort_diagnostics
from teamspec.model import PathKey, SourceMap, format_path
from teamspec.specschema import _resolve_ref, load_schema

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


def diagnostics(data: Any, source: SourceMap) -> list[Diagnostic]:
    """Every violation of the spec schema in typed ``data``, located
    through ``source``, sorted by line."""
    mapper = _Mapper(source, load_schema())
    for error in _jsonschema_errors(data):
        mapper.add(error)
    return sort_diagnostics(mapper.out)


__all__ = ["diagnostics"]
