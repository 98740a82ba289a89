"""OpenAPI schemas → JSON Schema 2020-12, and validators.

OpenAPI 3.0 schemas are a dialect (``nullable``, boolean
``exclusiveMinimum``, ``readOnly``/``writeOnly`` that relax ``required``).
:class:`Converter` turns them into plain JSON Schema 2020-12 that Python
(``jsonschema``) and JavaScript (Ajv 2020) validate the same way: every
``$ref`` becomes ``#/$defs/<name>``, annotations are dropped, and the
formats both mocks check are turned into ``pattern`` (so no format plugin is
needed and both sides agree).

``mode`` decides which properties stay required: ``request`` drops
``readOnly`` ones, ``response`` drops ``writeOnly`` ones, ``any`` drops both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from teamspec.contracts.openapi_util import RefError, is_oas30, ref_to_path, resolve, resolve_ref

Mode = Literal["request", "response", "any"]

# Formats both mocks check, as ECMA-262 and Python compatible patterns.
FORMAT_PATTERNS: dict[str, str] = {
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "date-time": (
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
        r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
    ),
    "time": r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?$",
    "email": r"^[^@\s]+@[^@\s]+$",
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "ipv4": (
        r"^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
        r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"
    ),
    "ipv6": r"^[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*$",
    "uri": r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$",
    "url": r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$",
    "hostname": r"^[A-Za-z0-9.-]+$",
    "byte": r"^[A-Za-z0-9+/]*={0,2}$",
}
INT32 = (-(2**31), 2**31 - 1)

_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")
_SCHEMA_ONE = (
    "items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
    "unevaluatedProperties", "unevaluatedItems",
)
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_VALUE_KEYS = (
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties",
    "required", "dependentRequired", "format", "readOnly", "writeOnly",
)
_NAME_RE = re.compile(r"[^A-Za-z0-9_.-]")


def python_pattern(pattern: str) -> str:
    """An ECMA-262 pattern in Python ``re`` syntax (named groups)."""
    return re.sub(r"\(\?<(?![=!])", "(?P<", pattern)


class Converter:
    """Converts the schemas of one document; ``defs`` collects the converted
    targets of every ``$ref`` met so far."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.oas30 = is_oas30(doc) if "openapi" in doc else False
        self.defs: dict[str, Any] = {}
        self._names: dict[tuple[str, str], str] = {}
        self._taken: set[str] = set()
        self._validators: dict[tuple[str, str], Any] = {}

    # -- conversion ---------------------------------------------------------

    def convert(self, schema: Any, mode: Mode = "any") -> Any:
        """The JSON Schema 2020-12 form of ``schema`` (refs into ``defs``)."""
        if isinstance(schema, bool):
            return schema
        if not isinstance(schema, Mapping):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = {"$ref": "#/$defs/" + self._def_name(ref, mode)}
            if self.oas30 or len(schema) == 1:
                return target
            rest = self.convert({k: v for k, v in schema.items() if k != "$ref"}, mode)
            return {"allOf": [target, rest]} if isinstance(rest, dict) and rest else target
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in _SCHEMA_MAPS and isinstance(value, Mapping):
                out[key] = {str(k): self.convert(v, mode) for k, v in value.items()}
            elif key in _SCHEMA_ONE and isinstance(value, (Mapping, bool)):
                out[key] = self.convert(value, mode)
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self.convert(v, mode) for v in value]
            elif key in _VALUE_KEYS:
                out[key] = value
        if self.oas30:
            self._oas30_keywords(schema, out)
        self._formats(out)
        self._required(out, mode)
        if self.oas30 and schema.get("nullable") is True and "type" not in out and (
            {"allOf", "anyOf", "oneOf"} & out.keys()
        ):
            return {"anyOf": [{"type": "null"}, out]}
        return out

    def _oas30_keywords(self, schema: Mapping[str, Any], out: dict[str, Any]) -> None:
        for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            flag = schema.get(bound)
            if isinstance(flag, bool):
                del out[bound]
                if flag and limit in out:
                    out[bound] = out.pop(limit)
        if schema.get("nullable") is True:
            t = out.get("type")
            if isinstance(t, str):
                out["type"] = [t, "null"]
            if isinstance(out.get("enum"), list) and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]

    def _formats(self, out: dict[str, Any]) -> None:
        fmt = out.get("format")
        if not isinstance(fmt, str):
            return
        types = out.get("type")
        tset = {types} if isinstance(types, str) else set(types) if isinstance(types, list) else set()
        pattern = FORMAT_PATTERNS.get(fmt)
        if pattern is not None and (not tset or "string" in tset):
            if "pattern" in out:
                out.setdefault("allOf", []).append({"pattern": pattern})
            else:
                out["pattern"] = pattern
        if fmt == "int32" and "integer" in tset:
            if "minimum" not in out and "exclusiveMinimum" not in out:
                out["minimum"] = INT32[0]
            if "maximum" not in out and "exclusiveMaximum" not in out:
                out["maximum"] = INT32[1]

    def _required(self, out: dict[str, Any], mode: Mode) -> None:
        required = out.get("required")
        props = out.get("properties")
        if not isinstance(required, list):
            return
        if not isinstance(props, Mapping):
            return
        keep: list[Any] = []
        for name in required:
            flags = self._flags(name, out)
            if mode in ("request", "any") and flags.get("readOnly") is True:
                continue
            if mode in ("response", "any") and flags.get("writeOnly") is True:
                continue
            keep.append(name)
        out["required"] = keep

    def _flags(self, name: Any, out: Mapping[str, Any]) -> Mapping[str, Any]:
        """readOnly/writeOnly of a converted property (through one def)."""
        prop = out["properties"].get(name) if isinstance(name, str) else None
        if not isinstance(prop, Mapping):
            return {}
        ref = prop.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = self.defs.get(ref[len("#/$defs/"):].replace("~1", "/").replace("~0", "~"))
            if isinstance(target, Mapping):
                return target
        return prop

    def _def_name(self, ref: str, mode: Mode) -> str:
        key = (ref, mode)
        name = self._names.get(key)
        if name is not None:
            return name
        try:
            path = ref_to_path(ref)
        except RefError:
            path = ()
        base = _NAME_RE.sub("_", str(path[-1])) if path else "root"
        name = f"{base}.{mode}"
        n = 2
        while name in self._taken:
            name = f"{base}_{n}.{mode}"
            n += 1
        self._taken.add(name)
        self._names[key] = name
        self.defs[name] = {}  # placeholder: breaks cycles
        try:
            target = resolve_ref(self.doc, ref)
        except RefError:
            target = {}
        self.defs[name] = self.convert(target, mode)
        return name

    # -- validation ---------------------------------------------------------

    def document(self, converted: Any) -> Any:
        """A self-contained JSON Schema for a converted fragment."""
        if isinstance(converted, bool):
            return converted
        return {**converted, "$defs": dict(self.defs)}

    def validator(self, schema: Any, mode: Mode = "any") -> Any:
        """A cached ``jsonschema`` validator for an OpenAPI schema."""
        converted = self.convert(schema, mode)
        key = (json.dumps(converted, sort_keys=True, default=str), mode)
        v = self._validators.get(key)
        if v is None:
            v = make_validator(self.document(converted))
            self._validators[key] = v
        return v

    def is_valid(self, value: Any, schema: Any, mode: Mode = "any") -> bool:
        try:
            return bool(self.validator(schema, mode).is_valid(value))
        except re.error:
            return True

    def errors(self, value: Any, schema: Any, mode: Mode = "any") -> list[dict[str, str]]:
        """Validation errors in the form both mocks report."""
        try:
            return instance_errors(self.validator(schema, mode), value)
        except re.error as exc:
            return [{"pointer": "", "keyword": "pattern", "message": f"unusable pattern: {exc}"}]

    def resolve(self, schema: Any) -> Any:
        return resolve(self.doc, schema)


_PATTERNS: dict[str, re.Pattern[str]] = {}
_VALIDATOR_CLASS: list[Any] = []


def _pattern_keyword(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """``pattern`` with ECMA-262 syntax translated for Python's ``re``."""
    from jsonschema.exceptions import ValidationError

    if not isinstance(instance, str):
        return
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = re.compile(python_pattern(pattern))
        _PATTERNS[pattern] = compiled
    if not compiled.search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def make_validator(schema: Any) -> Any:
    """A JSON Schema 2020-12 validator whose ``pattern`` reads ECMA-262
    patterns (the table keeps patterns as written, for Ajv)."""
    if not _VALIDATOR_CLASS:
        from jsonschema import Draft202012Validator
        from jsonschema.validators import extend

        _VALIDATOR_CLASS.append(extend(Draft202012Validator, {"pattern": _pattern_keyword}))
    return _VALIDATOR_CLASS[0](schema)


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


#: messages of failed keywords, ``{}`` standing for the keyword's value
#: (JSON); ``mock_server.js`` gives the same messages
_MESSAGES: dict[str, str] = {
    "required": "is required",
    "enum": "must be one of {}",
    "const": "must be equal to {}",
    "minimum": "must be >= {}",
    "maximum": "must be <= {}",
    "exclusiveMinimum": "must be > {}",
    "exclusiveMaximum": "must be < {}",
    "multipleOf": "must be a multiple of {}",
    "minLength": "must NOT have fewer than {} characters",
    "maxLength": "must NOT have more than {} characters",
    "minItems": "must NOT have fewer than {} items",
    "maxItems": "must NOT have more than {} items",
    "minProperties": "must NOT have fewer than {} properties",
    "maxProperties": "must NOT have more than {} properties",
    "uniqueItems": "must NOT have duplicate items",
    "additionalProperties": "must NOT be present",
    "anyOf": "must match a schema in anyOf",
    "oneOf": "must match exactly one schema in oneOf",
    "not": "must NOT be valid",
    "false": "must NOT be present",
}


def describe(keyword: str, value: Any) -> str:
    """The message for a failed keyword; ``mock_server.js`` has the same."""
    if keyword == "type":
        types = value if isinstance(value, list) else [value]
        return "must be " + ",".join(str(t) for t in types)
    if keyword == "pattern":
        return f'must match pattern "{value}"'
    template = _MESSAGES.get(keyword)
    if template is None:
        return f"must pass {keyword}"
    return template.format(_num(value)) if "{}" in template else template


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def instance_errors(validator: Any, value: Any) -> list[dict[str, str]]:
    """Errors of ``value`` as ``{"pointer", "keyword", "message"}``, one per
    missing or extra property, sorted and without duplicates."""
    out: list[dict[str, str]] = []
    for err in validator.iter_errors(value):
        base = _pointer(err.absolute_path)
        keyword = str(err.validator) if err.validator is not None else "false"
        if keyword == "required" and isinstance(err.instance, Mapping):
            for name in err.validator_value:
                if name not in err.instance:
                    out.append({"pointer": f"{base}/{_pointer([name])[1:]}", "keyword": "required",
                                "message": describe("required", None)})
            continue
        if keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(err.instance, Mapping):
            schema = err.schema if isinstance(err.schema, Mapping) else {}
            props = schema.get("properties", {})
            patterns = list(schema.get("patternProperties", {}))
            for name in err.instance:
                if name in props or any(re.search(p, name) for p in patterns):
                    continue
                out.append({"pointer": f"{base}/{_pointer([name])[1:]}", "keyword": keyword,
                            "message": describe("additionalProperties", None)})
            continue
        out.append({"pointer": base, "keyword": keyword, "message": describe(keyword, err.validator_value)})
    unique = {(e["pointer"], e["keyword"], e["message"]): e for e in out}
    return [unique[k] for k in sorted(unique)]
