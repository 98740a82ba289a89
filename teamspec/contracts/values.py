"""Deterministic values derived from a JSON Schema / OpenAPI schema.

The same schema always yields the same value, and the value validates
against the schema wherever the schema can be satisfied:

``$ref`` (cycles cut), ``allOf`` merged, the first ``oneOf``/``anyOf`` branch
whose value validates (with the ``discriminator`` property set), ``const``,
``example``/``examples``/``default`` when they validate, ``enum``, formats
(date, date-time, time, email, uuid, uri, hostname, ipv4, ipv6, byte, ...),
``pattern`` (see :mod:`teamspec.contracts.regexgen`), numeric bounds
(inclusive and exclusive, ``multipleOf``), length bounds,
``minItems``/``maxItems``/``uniqueItems``, ``nullable`` and ``"null"`` types,
``additionalProperties``/``minProperties``, and ``readOnly``/``writeOnly``:
``mode="request"`` leaves out read-only properties, ``mode="response"``
leaves out write-only ones.

Public entry point: :func:`example_for`. :class:`ValueGenerator` keeps the
converted schemas of one document between calls (mock tables use it).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from typing import Any, Literal

from teamspec.contracts.openapi_util import (
    RefError,
    as_list,
    as_map,
    is_oas30,
    ref_to_path,
    resolve_ref,
)
from teamspec.contracts.regexgen import string_for_pattern
from teamspec.contracts.schemaconv import Converter

ValueMode = Literal["response", "request"]


class _Omit:
    """A property that cannot be produced (a reference cycle)."""


OMIT = _Omit()

_MIN_KEYS = ("minimum", "minLength", "minItems", "minProperties", "minContains")
_MAX_KEYS = ("maximum", "maxLength", "maxItems", "maxProperties", "maxContains")


def _date(variant: int) -> str:
    return (datetime.date(2024, 1, 1) + datetime.timedelta(days=variant)).isoformat()


def _date_time(variant: int) -> str:
    return f"{_date(variant)}T00:00:00Z"


FORMAT_VALUES: dict[str, Any] = {
    "date": _date,
    "date-time": _date_time,
    "time": lambda v: f"{12 + v % 12:02d}:00:00Z",
    "email": lambda v: "user@example.com" if v == 0 else f"user{v}@example.com",
    "idn-email": lambda v: "user@example.com" if v == 0 else f"user{v}@example.com",
    "uuid": lambda v: "3fa85f64-5717-4562-b3fc-2c963f66afa6" if v == 0 else f"3fa85f64-5717-4562-b3fc-{v:012x}",
    "uri": lambda v: "https://example.com/" + (str(v) if v else ""),
    "url": lambda v: "https://example.com/" + (str(v) if v else ""),
    "iri": lambda v: "https://example.com/" + (str(v) if v else ""),
    "uri-reference": lambda v: "/example" + (str(v) if v else ""),
    "iri-reference": lambda v: "/example" + (str(v) if v else ""),
    "uri-template": lambda v: "https://example.com/{id}",
    "hostname": lambda v: "example.com" if v == 0 else f"host{v}.example.com",
    "idn-hostname": lambda v: "example.com" if v == 0 else f"host{v}.example.com",
    "ipv4": lambda v: f"192.0.2.{1 + v % 254}",
    "ipv6": lambda v: f"2001:db8::{v + 1:x}",
    "byte": lambda v: "c3RyaW5n" if v == 0 else f"c3RyaW5n{v:02d}"[:8] + "==",
    "binary": lambda v: "string" if v == 0 else f"string{v}",
    "password": lambda v: "password" if v == 0 else f"password{v}",
    "duration": lambda v: f"P{v + 1}D",
    "json-pointer": lambda v: "/example",
    "relative-json-pointer": lambda v: "0",
    "regex": lambda v: "^example$",
}


def _types(schema: Mapping[str, Any]) -> list[str]:
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return []


def _nullable(schema: Mapping[str, Any]) -> bool:
    return schema.get("nullable") is True or "null" in _types(schema)


def _infer_type(schema: Mapping[str, Any]) -> str | None:
    types = [t for t in _types(schema) if t != "null"]
    if types:
        return types[0]
    if _types(schema) == ["null"]:
        return "null"
    keys = schema.keys()
    if keys & {"properties", "required", "additionalProperties", "minProperties", "maxProperties",
               "patternProperties"}:
        return "object"
    if keys & {"items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"}:
        return "array"
    if keys & {"minLength", "maxLength", "pattern", "format"}:
        return "string"
    if keys & {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}:
        return "number"
    return None


class ValueGenerator:
    """Values for the schemas of one document (``root``)."""

    def __init__(self, root: Mapping[str, Any], converter: Converter | None = None) -> None:
        self.root = root
        self.converter = converter if converter is not None else Converter(root)
        self.oas30 = is_oas30(root) if "openapi" in root else False

    def example(self, schema: Any, mode: ValueMode = "response") -> Any:
        """The value of ``schema`` (``None`` for an unsatisfiable schema)."""
        value = self._gen(schema, mode, 0, ())
        return None if isinstance(value, _Omit) else value

    def valid(self, value: Any, schema: Any, mode: ValueMode) -> bool:
        return self.converter.is_valid(value, schema, mode)

    # -- dispatch -------------------------------------------------------------

    def _gen(self, schema: Any, mode: ValueMode, variant: int, stack: tuple[str, ...]) -> Any:
        if schema is True or schema is None:
            return "string"
        if schema is False or not isinstance(schema, Mapping):
            return OMIT
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._gen_ref(schema, ref, mode, variant, stack)
        if "const" in schema:
            return schema["const"]
        if variant == 0:
            given = self._given(schema, mode)
            if given is not OMIT:
                return given
        if isinstance(schema.get("allOf"), list):
            merged = self._merge_all(schema, stack)
            if merged is None:
                return OMIT
            return self._gen(merged, mode, variant, stack)
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self._gen_choice(schema, key, mode, variant, stack)
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            options = [v for v in enum if v is not None] or enum
            return options[variant % len(options)]
        kind = _infer_type(schema)
        if kind is None:
            return None if _nullable(schema) else "string"
        if kind == "string":
            return self._string(schema, variant)
        if kind in ("integer", "number"):
            return self._number(schema, kind == "integer", variant)
        if kind == "boolean":
            return variant % 2 == 0
        if kind == "null":
            return None
        if kind == "array":
            return self._array(schema, mode, variant, stack)
        if kind == "object":
            return self._object(schema, mode, variant, stack)
        return "string"

    def _gen_ref(
        self, schema: Mapping[str, Any], ref: str, mode: ValueMode, variant: int, stack: tuple[str, ...]
    ) -> Any:
        if ref in stack:
            return OMIT
        try:
            target = resolve_ref(self.root, ref)
        except RefError:
            return OMIT
        if not self.oas30 and len(schema) > 1:
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            target = {"allOf": [target, siblings]}
        return self._gen(target, mode, variant, (*stack, ref))

    def _given(self, schema: Mapping[str, Any], mode: ValueMode) -> Any:
        candidates: list[Any] = []
        if "example" in schema:
            candidates.append(schema["example"])
        if isinstance(schema.get("examples"), list):
            candidates.extend(schema["examples"])
        if "default" in schema:
            candidates.append(schema["default"])
        for value in candidates:
            if self.valid(value, schema, mode):
                return value
        return OMIT

    # -- combinators ----------------------------------------------------------

    def _resolve(self, schema: Any, stack: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
        seen = stack
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if ref in seen:
                return None, seen
            try:
                schema = resolve_ref(self.root, ref)
            except RefError:
                return None, seen
            seen = (*seen, ref)
        return schema, seen

    def _merge_all(self, schema: Mapping[str, Any], stack: tuple[str, ...]) -> dict[str, Any] | None:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            resolved, _ = self._resolve(part, stack)
            if resolved is None:
                continue
            if not isinstance(resolved, Mapping):
                if resolved is False:
                    return None
                continue
            if isinstance(resolved.get("allOf"), list):
                resolved = self._merge_all(resolved, stack)
                if resolved is None:
                    return None
            merged = _merge(merged, resolved)
        return merged

    def _gen_choice(
        self, schema: Mapping[str, Any], key: str, mode: ValueMode, variant: int, stack: tuple[str, ...]
    ) -> Any:
        rest = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf", "discriminator")}
        disc = schema.get("discriminator")
        first: Any = OMIT
        for branch in schema[key]:
            resolved, _ = self._resolve(branch, stack)
            if resolved is None:
                continue
            candidate = _merge(rest, resolved) if rest and isinstance(resolved, Mapping) else branch
            value = self._gen(candidate, mode, variant, stack)
            if isinstance(value, _Omit):
                continue
            if isinstance(disc, Mapping) and isinstance(value, dict) and isinstance(branch, Mapping):
                self._set_discriminator(disc, branch, value, mode)
            if first is OMIT:
                first = value
            if self.valid(value, schema, mode):
                return value
        return first

    def _set_discriminator(
        self, disc: Mapping[str, Any], branch: Mapping[str, Any], value: dict[str, Any], mode: ValueMode
    ) -> None:
        prop = disc.get("propertyName")
        ref = branch.get("$ref")
        if not isinstance(prop, str) or not isinstance(ref, str):
            return
        name: str | None = None
        mapping = disc.get("mapping")
        if isinstance(mapping, Mapping):
            for key, target in mapping.items():
                if target == ref or (isinstance(target, str) and not target.startswith("#")
                                     and ref.endswith("/" + target)):
                    name = str(key)
                    break
        if name is None:
            try:
                path = ref_to_path(ref)
            except RefError:
                return
            if not path:
                return
            name = str(path[-1])
        had, old = prop in value, value.get(prop)
        value[prop] = name
        if not self.valid(value, branch, mode):
            if had:
                value[prop] = old
            else:
                del value[prop]

    # -- scalars ----------------------------------------------------------------

    def _string(self, schema: Mapping[str, Any], variant: int) -> str:
        min_len = _int(schema.get("minLength"), 0)
        max_len = _opt_int(schema.get("maxLength"))
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            from teamspec.contracts.schemaconv import python_pattern

            text = string_for_pattern(python_pattern(pattern), min_length=min_len, max_length=max_len,
                                      variant=variant)
            if text is not None:
                return text
        fmt = schema.get("format")
        maker = FORMAT_VALUES.get(fmt) if isinstance(fmt, str) else None
        if maker is not None:
            text = str(maker(variant))
            if len(text) >= min_len and (max_len is None or len(text) <= max_len):
                return text
        text = "string" if variant == 0 else f"string{variant}"
        if max_len is not None and len(text) > max_len:
            text = "abcdefghijklmnopqrstuvwxyz"[variant % 26] + "string"
            text = text[:max_len]
        if len(text) < min_len:
            text = text + "x" * (min_len - len(text))
        return text

    def _number(self, schema: Mapping[str, Any], integer: bool, variant: int) -> int | float:
        lo, lo_excl, hi, hi_excl = _bounds(schema)
        mult = schema.get("multipleOf")
        mult = mult if isinstance(mult, (int, float)) and not isinstance(mult, bool) and mult > 0 else None
        step: float = mult if mult is not None else 1
        if integer and mult is not None and not float(mult).is_integer():
            step = mult
        if lo is not None:
            value: float = lo + (step if lo_excl and (mult is not None or integer) else 0)
            if lo_excl and not integer and mult is None:
                value = lo + 0.5 if hi is None else (lo + hi) / 2 if hi - lo <= 1 else lo + 0.5
            value += variant * step
        elif hi is not None:
            start: float = 1 if integer else 1.5
            value = start + variant * step
            top = hi - (step if hi_excl and (integer or mult is not None) else 0)
            if value > top or (hi_excl and value >= hi):
                value = top - variant * step
                if hi_excl and not integer and mult is None:
                    value = hi - 0.5 - variant
        else:
            value = (1 if integer else 1.5) + variant * step
        if integer:
            value = math.ceil(value) if lo is not None else math.floor(value)
            if lo_excl and lo is not None and value <= lo:
                value = math.floor(lo) + 1
        if mult is not None:
            q = value / mult
            value = (math.ceil(q - 1e-9) if lo is not None else math.floor(q + 1e-9)) * mult
            if hi is not None and (value > hi or (hi_excl and value >= hi)):
                value = (math.ceil(q) - 1) * mult
        if integer:
            return round(value)
        if float(value).is_integer():
            return int(value)
        return round(float(value), 10)

    # -- containers ---------------------------------------------------------------

    def _array(self, schema: Mapping[str, Any], mode: ValueMode, variant: int, stack: tuple[str, ...]) -> Any:
        min_items = _int(schema.get("minItems"), 0)
        max_items = _opt_int(schema.get("maxItems"))
        prefix = as_list(schema.get("prefixItems"))
        count = max(min_items, len(prefix), 1)
        if max_items is not None:
            count = min(count, max_items)
        items_schema = schema.get("items", {})
        out: list[Any] = []
        for i in range(count):
            sub = prefix[i] if i < len(prefix) else items_schema
            value = self._gen(sub, mode, variant + i, stack)
            if isinstance(value, _Omit):
                break
            out.append(value)
        contains = schema.get("contains")
        if isinstance(contains, Mapping) and not any(self.valid(v, contains, mode) for v in out):
            value = self._gen(contains, mode, variant, stack)
            if not isinstance(value, _Omit):
                out = [value, *out][: max(count, 1)]
        if len(out) < min_items:
            return OMIT if min_items else []
        return out

    def _object(self, schema: Mapping[str, Any], mode: ValueMode, variant: int, stack: tuple[str, ...]) -> Any:
        props = as_map(schema.get("properties"))
        required = [r for r in schema.get("required", []) if isinstance(r, str)] if isinstance(
            schema.get("required"), list) else []
        additional = schema.get("additionalProperties")
        out: dict[str, Any] = {}
        for name, prop in props.items():
            resolved, _ = self._resolve(prop, stack)
            flags = resolved if isinstance(resolved, Mapping) else {}
            if mode == "request" and flags.get("readOnly") is True:
                continue
            if mode == "response" and flags.get("writeOnly") is True:
                continue
            value = self._gen(prop, mode, variant, stack)
            if isinstance(value, _Omit):
                if name in required and flags and _nullable(flags):
                    out[str(name)] = None
                continue
            out[str(name)] = value
        for name in required:
            if name not in out and name not in props:
                value = self._gen(additional, mode, variant, stack) if isinstance(additional, Mapping) else "string"
                if not isinstance(value, _Omit):
                    out[name] = value
        min_props = _int(schema.get("minProperties"), 0)
        wants_extra = isinstance(additional, Mapping) and not props
        n = 1
        while additional is not False and (len(out) < min_props or (wants_extra and n == 1)):
            key = f"additionalProp{n}"
            n += 1
            if key in out:
                continue
            value = self._gen(additional, mode, variant, stack) if isinstance(additional, Mapping) else "string"
            if isinstance(value, _Omit):
                break
            out[key] = value
            if n > 100:
                break
        max_props = _opt_int(schema.get("maxProperties"))
        if max_props is not None and len(out) > max_props:
            keep = [k for k in out if k in required]
            keep += [k for k in out if k not in required][: max(0, max_props - len(keep))]
            out = {k: out[k] for k in out if k in keep}
        return out


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """``allOf`` of two resolved schemas as one schema (good enough to
    generate from; the result is checked against the original)."""
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key == "properties" and isinstance(value, Mapping) and isinstance(out[key], Mapping):
            props = dict(out[key])
            for name, sub in value.items():
                props[name] = {"allOf": [props[name], sub]} if name in props else sub
            out[key] = props
        elif key == "required" and isinstance(value, list) and isinstance(out[key], list):
            out[key] = list(dict.fromkeys([*out[key], *value]))
        elif key in _MIN_KEYS and _is_num(value) and _is_num(out[key]):
            out[key] = max(out[key], value)
        elif key in _MAX_KEYS and _is_num(value) and _is_num(out[key]):
            out[key] = min(out[key], value)
        elif key == "type":
            left = out[key] if isinstance(out[key], list) else [out[key]]
            right = value if isinstance(value, list) else [value]
            common = [t for t in left if t in right]
            if not common and "number" in left and "integer" in right:
                common = ["integer"]
            out[key] = common[0] if len(common) == 1 else common or out[key]
        elif key == "enum" and isinstance(value, list) and isinstance(out[key], list):
            common = [v for v in out[key] if v in value]
            out[key] = common or out[key]
    return out


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _int(value: Any, default: int) -> int:
    return int(value) if _is_num(value) else default


def _opt_int(value: Any) -> int | None:
    return int(value) if _is_num(value) else None


def _bounds(schema: Mapping[str, Any]) -> tuple[float | None, bool, float | None, bool]:
    lo = schema.get("minimum") if _is_num(schema.get("minimum")) else None
    hi = schema.get("maximum") if _is_num(schema.get("maximum")) else None
    lo_excl = hi_excl = False
    emin, emax = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if emin is True:
        lo_excl = lo is not None
    elif _is_num(emin) and (lo is None or emin >= lo):
        lo, lo_excl = emin, True
    if emax is True:
        hi_excl = hi is not None
    elif _is_num(emax) and (hi is None or emax <= hi):
        hi, hi_excl = emax, True
    return lo, lo_excl, hi, hi_excl


def example_for(
    schema: Mapping[str, Any], root: Mapping[str, Any], *, mode: Literal["response", "request"] = "response"
) -> Any:
    """A deterministic value of ``schema`` (``$ref`` resolved against
    ``root``, the whole OpenAPI or JSON Schema document).

    ``mode="response"`` leaves out ``writeOnly`` properties,
    ``mode="request"`` leaves out ``readOnly`` ones. The same inputs always
    give the same value; it validates against the schema whenever the schema
    is satisfiable by the supported keywords.
    """
    return ValueGenerator(root).example(schema, mode)
