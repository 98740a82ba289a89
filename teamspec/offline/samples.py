"""Deterministic example data for generated tests and documents.

Values come from the document's own examples where they are valid, else
they are derived from the schema (formats, enums, bounds) with readable
strings built from the property names. Every value is checked with the
same validator the generated backend uses.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from teamspec.offline import naming
from teamspec.offline.runtime import schema_check

Defs = Mapping[str, Any]


def example(schema: Mapping[str, Any] | None, defs: Defs, direction: str = "request", name: str = "", variant: int = 0) -> Any:
    """A valid value for ``schema``; ``variant`` changes the strings and
    numbers so that two examples differ (for update tests)."""
    if not schema:
        return {}
    value = _build(schema, defs, direction, name, variant, 0)
    if schema_check.validate(value, schema, defs, direction):
        value = schema_check.sample(schema, defs, direction)
    return value


def _build(schema: Mapping[str, Any], defs: Defs, direction: str, name: str, variant: int, depth: int) -> Any:
    s = schema_check.resolve(schema, defs)
    if variant == 0:
        for key in ("example", "default"):
            if key in s and not schema_check.validate(s[key], s, defs, direction):
                return copy.deepcopy(s[key])
    if s.get("enum"):
        options = [e for e in s["enum"] if not schema_check.validate(e, s, defs, direction)] or list(s["enum"])
        return copy.deepcopy(options[variant % len(options)])
    if depth > 6 or s.get("oneOf") or s.get("anyOf") or s.get("allOf") or s.get("not"):
        return schema_check.sample(s, defs, direction)
    kinds = s.get("type")
    kind = kinds if isinstance(kinds, str) else next((k for k in kinds or () if k != "null"), None)
    if kind is None:
        kind = "object" if "properties" in s else None
    if kind == "object":
        props: Mapping[str, Any] = s.get("properties") or {}
        out: dict[str, Any] = {}
        for prop_name, prop in props.items():
            p = schema_check.resolve(prop, defs)
            if direction == "request" and p.get("readOnly") is True:
                continue
            if direction == "response" and p.get("writeOnly") is True:
                continue
            value = _build(p, defs, direction, prop_name, variant, depth + 1)
            if schema_check.validate(value, p, defs, direction):
                value = schema_check.sample(p, defs, direction)
            out[prop_name] = value
        if schema_check.validate(out, s, defs, direction):
            required = set(s.get("required") or ())
            out = {k: v for k, v in out.items() if k in required}
        return out
    if kind == "array":
        items = s.get("items") or {}
        count = max(int(s.get("minItems") or 0), 1)
        if "maxItems" in s:
            count = min(count, int(s["maxItems"]))
        values = [_build(items, defs, direction, naming.singular(name), variant + i, depth + 1) for i in range(count)]
        return values
    if kind == "string":
        return _string(s, name, variant)
    if kind in ("integer", "number"):
        base = schema_check.sample(s, defs, direction)
        if variant and isinstance(base, (int, float)):
            bumped = base + variant
            if not schema_check.validate(bumped, s, defs, direction):
                return bumped
        return base
    if kind == "boolean":
        return variant % 2 == 1
    return schema_check.sample(s, defs, direction)


def _string(s: Mapping[str, Any], name: str, variant: int) -> str:
    fmt = s.get("format")
    if isinstance(fmt, str) and fmt in schema_check.SAMPLE_STRINGS:
        text = schema_check.SAMPLE_STRINGS[fmt]
        if variant and fmt == "email":
            text = f"user{variant}@example.com"
        elif variant and fmt in ("date", "date-time"):
            text = text.replace("15", f"{15 + variant % 10:02d}", 1)
        return text
    if "pattern" in s:
        return str(schema_check.sample(s, {}, "request"))
    words = naming.humanize(name) if name else "text"
    text = f"Example {words}" if not variant else f"Updated {words} {variant}"
    min_len = int(s.get("minLength") or 0)
    max_len = s.get("maxLength")
    if len(text) < min_len:
        text += "x" * (min_len - len(text))
    if isinstance(max_len, int):
        text = text[:max_len]
    return text


def invalid_body(schema: Mapping[str, Any] | None, defs: Defs) -> tuple[Any, str] | None:
    """A body the schema rejects, and why; ``None`` when the schema accepts
    anything."""
    if not schema:
        return None
    s = schema_check.resolve(schema, defs)
    valid = example(s, defs, "request")
    if isinstance(valid, dict):
        props: Mapping[str, Any] = s.get("properties") or {}
        for name in s.get("required") or ():
            p = schema_check.resolve(props.get(name), defs)
            if p.get("readOnly") is True:
                continue
            broken = {k: v for k, v in valid.items() if k != name}
            if schema_check.validate(broken, s, defs, "request"):
                return broken, f"the required property {name!r} is missing"
        for name, prop in props.items():
            p = schema_check.resolve(prop, defs)
            if p.get("readOnly") is True:
                continue
            wrong = _wrong_type(p)
            if wrong is None:
                continue
            broken = {**valid, name: wrong}
            if schema_check.validate(broken, s, defs, "request"):
                return broken, f"{name!r} has the wrong type"
    for candidate, why in (([], "an array instead of an object"), ("text", "a string instead of the expected value")):
        if schema_check.validate(candidate, s, defs, "request"):
            return candidate, why
    return None


def _wrong_type(schema: Mapping[str, Any]) -> Any:
    kinds = schema.get("type")
    kind = kinds if isinstance(kinds, str) else None
    return {
        "string": 12345,
        "integer": "not a number",
        "number": "not a number",
        "boolean": "not a boolean",
        "array": "not a list",
        "object": "not an object",
    }.get(kind or "")


def changed(value: Any, schema: Mapping[str, Any] | None, defs: Defs) -> Any:
    """``value`` with its properties changed, still valid (for updates)."""
    if not schema:
        return value
    other = example(schema, defs, "request", variant=1)
    if isinstance(value, dict) and isinstance(other, dict):
        merged = {**value, **other}
        if not schema_check.validate(merged, schema, defs, "request"):
            return merged
    return other if not schema_check.validate(other, schema, defs, "request") else value


def missing_id(schema: Mapping[str, Any]) -> Any:
    """An id no test creates: ``999999999`` (integer ids) or a fixed string."""
    kinds = schema.get("type")
    kind = kinds if isinstance(kinds, str) else "string"
    if kind in ("integer", "number"):
        maximum = schema.get("maximum")
        if isinstance(maximum, int) and maximum < 999999999:
            return maximum
        return 999999999
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-00000000dead"
    return "does-not-exist-999"
