"""A JSON Schema subset for OpenAPI documents: validate, derive samples, conform.

Standard library only: teamspec copies this file verbatim into generated
projects (the offline backend and the generated tests use it), and uses it
itself at generation time.

Supported keywords: ``type`` (also a list, OpenAPI 3.1 style), ``nullable``
(OpenAPI 3.0), ``enum``, ``const``, ``format`` (date, date-time, time, email,
uuid, uri, ipv4, ipv6, hostname, int32, int64), ``minLength``,
``maxLength``, ``pattern``, ``minimum``, ``maximum``, ``exclusiveMinimum`` /
``exclusiveMaximum`` (boolean and numeric forms), ``multipleOf``, ``items``,
``minItems``, ``maxItems``, ``uniqueItems``, ``properties``, ``required``,
``additionalProperties``, ``minProperties``, ``maxProperties``, ``allOf``,
``anyOf``, ``oneOf``, ``not``, ``readOnly`` / ``writeOnly`` and local
``$ref`` looked up in a ``defs`` table (references are otherwise resolved
when the schema is generated).

``direction`` is ``"request"`` (readOnly properties are not required) or
``"response"`` (writeOnly properties are not required and are left out).
"""

from __future__ import annotations

import datetime
import ipaddress
import math
import re
from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]
Defs = Mapping[str, Any]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
MAX_DEPTH = 64

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$", re.ASCII)
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$", re.ASCII)
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$", re.ASCII)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[!#$&-;=?-\[\]_a-z~%]+$", re.ASCII)
_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")

TYPE_NAMES = {
    "null": "null",
    "boolean": "boolean",
    "integer": "integer",
    "number": "number",
    "string": "string",
    "array": "array",
    "object": "object",
}


def json_type(value: Any) -> str:
    """The JSON type name of a parsed JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _is_type(value: Any, name: str) -> bool:
    actual = json_type(value)
    if name == "number":
        return actual in ("integer", "number")
    return actual == name


def check_format(value: str, fmt: str) -> bool:
    """Whether ``value`` is valid for string ``format`` (unknown formats pass)."""
    if fmt == "date":
        return _valid_date(value)
    if fmt == "date-time":
        head, sep, tail = value.partition("T") if "T" in value else value.partition("t")
        return bool(sep) and _valid_date(head) and _valid_time(tail)
    if fmt == "time":
        return _valid_time(value)
    if fmt == "email":
        if len(value) > 254 or not _EMAIL.match(value):
            return False
        return len(value.split("@", 1)[0]) <= 64
    if fmt == "uuid":
        return bool(_UUID.match(value))
    if fmt == "uri":
        return bool(_URI.match(value)) and not _PCT.search(value)
    if fmt == "hostname":
        return len(value) <= 253 and bool(_HOSTNAME.match(value))
    if fmt in ("ipv4", "ipv6"):
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return False
        return address.version == (4 if fmt == "ipv4" else 6) and "%" not in value
    return True


def _valid_date(text: str) -> bool:
    m = _DATE.match(text)
    if not m:
        return False
    try:
        datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False
    return True


def _valid_time(text: str) -> bool:
    m = _TIME.match(text)
    if not m:
        return False
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if hour > 23 or minute > 59 or second > 59:
        return False
    if m.group(6) is not None and (int(m.group(6)) > 23 or int(m.group(7)) > 59):
        return False
    return True


def has_surrogates(value: Any, depth: int = 0) -> bool:
    """Whether a parsed JSON value holds a lone UTF-16 surrogate anywhere."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, list):
        return any(has_surrogates(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(has_surrogates(k, depth + 1) or has_surrogates(v, depth + 1) for k, v in value.items())
    return False


def resolve(schema: Any, defs: Defs | None) -> Schema:
    """Follow ``$ref`` through ``defs``; anything unresolvable is ``{}``."""
    seen = 0
    while isinstance(schema, Mapping) and "$ref" in schema and seen < MAX_DEPTH:
        target = (defs or {}).get(str(schema["$ref"]))
        if target is None:
            return {}
        schema = target
        seen += 1
    return schema if isinstance(schema, Mapping) else {}


def _types(schema: Schema) -> list[str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    names = [declared] if isinstance(declared, str) else [str(t) for t in declared]
    if schema.get("nullable") is True and "null" not in names:
        names.append("null")
    return names


def validate(
    value: Any,
    schema: Any,
    defs: Defs | None = None,
    direction: str = "request",
    path: str = "",
    _depth: int = 0,
) -> list[str]:
    """Every way ``value`` breaks ``schema``, as ``"<json pointer>: <message>"``."""
    if _depth > MAX_DEPTH:
        return [f"{path or '/'}: nesting deeper than {MAX_DEPTH} levels"]
    s = resolve(schema, defs)
    if not s:
        return []
    where = path or "/"
    errors: list[str] = []
    if value is None and s.get("nullable") is True:
        return []
    names = _types(s)
    if names is not None and not any(_is_type(value, n) for n in names):
        expected = " or ".join(names)
        return [f"{where}: expected {expected}, found {json_type(value)}"]
    if "const" in s and not _equal(value, s["const"]):
        errors.append(f"{where}: expected {s['const']!r}")
    if "enum" in s and not any(_equal(value, e) for e in s["enum"]):
        options = ", ".join(repr(e) for e in s["enum"])
        errors.append(f"{where}: expected one of {options}, found {value!r}")
    if isinstance(value, str):
        errors.extend(_string_errors(value, s, where))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        errors.extend(_number_errors(value, s, where))
    elif isinstance(value, list):
        errors.extend(_array_errors(value, s, defs, direction, path, _depth))
    elif isinstance(value, dict):
        errors.extend(_object_errors(value, s, defs, direction, path, _depth))
    for part in s.get("allOf") or ():
        errors.extend(validate(value, part, defs, direction, path, _depth + 1))
    if s.get("anyOf"):
        options_errors = [validate(value, p, defs, direction, path, _depth + 1) for p in s["anyOf"]]
        if all(options_errors):
            errors.append(f"{where}: matches none of the anyOf alternatives ({options_errors[0][0]})")
    if s.get("oneOf"):
        matching = [p for p in s["oneOf"] if not validate(value, p, defs, direction, path, _depth + 1)]
        if len(matching) != 1:
            errors.append(f"{where}: matches {len(matching)} of the oneOf alternatives, expected exactly 1")
    if "not" in s and not validate(value, s["not"], defs, direction, path, _depth + 1):
        errors.append(f"{where}: must not match the 'not' schema")
    return errors


def _equal(a: Any, b: Any) -> bool:
    if _num(a) and _num(b):
        return bool(a == b)
    if json_type(a) != json_type(b):
        return False
    if isinstance(a, (list, dict)):
        return _deep_equal(a, b)
    return bool(a == b)


def _string_errors(value: str, s: Schema, where: str) -> list[str]:
    errors: list[str] = []
    if has_surrogates(value):
        errors.append(f"{where}: not valid unicode text")
        return errors
    if "minLength" in s and len(value) < int(s["minLength"]):
        errors.append(f"{where}: shorter than {s['minLength']} characters")
    if "maxLength" in s and len(value) > int(s["maxLength"]):
        errors.append(f"{where}: longer than {s['maxLength']} characters")
    pattern = s.get("pattern")
    if isinstance(pattern, str):
        try:
            if re.search(pattern, value) is None:
                errors.append(f"{where}: does not match pattern {pattern!r}")
        except re.error:
            pass
    fmt = s.get("format")
    if isinstance(fmt, str) and not check_format(value, fmt):
        errors.append(f"{where}: not a valid {fmt}")
    return errors


def _number_errors(value: float, s: Schema, where: str) -> list[str]:
    errors: list[str] = []
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{where}: not a finite number"]
    fmt = s.get("format")
    if isinstance(value, int):
        low, high = (INT32_MIN, INT32_MAX) if fmt == "int32" else (INT64_MIN, INT64_MAX)
        if not low <= value <= high:
            errors.append(f"{where}: outside the {fmt or 'int64'} range")
    minimum, maximum = _as_num(s.get("minimum")), _as_num(s.get("maximum"))
    exclusive_min, exclusive_max = _as_num(s.get("exclusiveMinimum")), _as_num(s.get("exclusiveMaximum"))
    if s.get("exclusiveMinimum") is True:
        exclusive_min, minimum = minimum, None
    if s.get("exclusiveMaximum") is True:
        exclusive_max, maximum = maximum, None
    if minimum is not None and value < minimum:
        errors.append(f"{where}: less than the minimum {minimum}")
    if exclusive_min is not None and value <= exclusive_min:
        errors.append(f"{where}: not greater than {exclusive_min}")
    if maximum is not None and value > maximum:
        errors.append(f"{where}: greater than the maximum {maximum}")
    if exclusive_max is not None and value >= exclusive_max:
        errors.append(f"{where}: not less than {exclusive_max}")
    step = _as_num(s.get("multipleOf"))
    if step is not None and step > 0:
        if isinstance(value, int) and isinstance(step, int):
            multiple = value % step == 0
        else:
            quotient = value / step
            multiple = math.isfinite(quotient) and float(quotient).is_integer()
        if not multiple:
            errors.append(f"{where}: not a multiple of {step}")
    return errors


def _as_num(x: Any) -> float | None:
    """``x`` when it is a JSON number (not a boolean), else ``None``."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return x
    return None


def _num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _array_errors(
    value: list[Any], s: Schema, defs: Defs | None, direction: str, path: str, depth: int
) -> list[str]:
    where = path or "/"
    errors: list[str] = []
    if "minItems" in s and len(value) < int(s["minItems"]):
        errors.append(f"{where}: fewer than {s['minItems']} items")
    if "maxItems" in s and len(value) > int(s["maxItems"]):
        errors.append(f"{where}: more than {s['maxItems']} items")
    if s.get("uniqueItems") is True:
        seen: list[Any] = []
        for item in value:
            if any(_deep_equal(item, other) for other in seen):
                errors.append(f"{where}: items are not unique")
                break
            seen.append(item)
    items = s.get("items")
    if isinstance(items, Mapping):
        for i, item in enumerate(value):
            errors.extend(validate(item, items, defs, direction, f"{path}/{i}", depth + 1))
            if len(errors) > 20:
                break
    return errors


def _deep_equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b, strict=True))
    return _equal(a, b)


def _object_errors(
    value: dict[str, Any], s: Schema, defs: Defs | None, direction: str, path: str, depth: int
) -> list[str]:
    where = path or "/"
    errors: list[str] = []
    props: Mapping[str, Any] = s.get("properties") or {}
    for name in s.get("required") or ():
        if name in value:
            continue
        prop = resolve(props.get(name), defs)
        if direction == "request" and prop.get("readOnly") is True:
            continue
        if direction == "response" and prop.get("writeOnly") is True:
            continue
        errors.append(f"{where}: missing required property {name!r}")
    extra = s.get("additionalProperties", True)
    for key, item in value.items():
        child = f"{path}/{_escape(key)}"
        if key in props:
            errors.extend(validate(item, props[key], defs, direction, child, depth + 1))
        elif extra is False:
            errors.append(f"{child}: property {key!r} is not allowed")
        elif isinstance(extra, Mapping):
            errors.extend(validate(item, extra, defs, direction, child, depth + 1))
    if "minProperties" in s and len(value) < int(s["minProperties"]):
        errors.append(f"{where}: fewer than {s['minProperties']} properties")
    if "maxProperties" in s and len(value) > int(s["maxProperties"]):
        errors.append(f"{where}: more than {s['maxProperties']} properties")
    return errors


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


# --------------------------------------------------------------------------- samples

SAMPLE_STRINGS = {
    "date": "2024-01-15",
    "date-time": "2024-01-15T09:30:00Z",
    "time": "09:30:00Z",
    "email": "user@example.com",
    "uuid": "00000000-0000-4000-8000-000000000001",
    "uri": "https://example.com/resource",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "ZXhhbXBsZQ==",
    "password": "s3cret-passw0rd",
}


def sample(schema: Any, defs: Defs | None = None, direction: str = "response", _depth: int = 0) -> Any:
    """A deterministic value valid for ``schema`` (best effort for ``pattern``
    and ``not``): the schema's example, default, const or first enum value
    when valid, else one derived from type, format and bounds."""
    s = resolve(schema, defs)
    for key in ("example", "default", "const"):
        if key in s and not validate(s[key], s, defs, direction):
            return s[key]
    examples = s.get("examples")
    if isinstance(examples, list):
        for candidate in examples:
            if not validate(candidate, s, defs, direction):
                return candidate
    if s.get("enum"):
        for candidate in s["enum"]:
            if not validate(candidate, {k: v for k, v in s.items() if k != "enum"}, defs, direction):
                return candidate
        return s["enum"][0]
    if _depth > 8:
        return None if _nullable(s) else _minimal(s)
    if s.get("allOf"):
        base = {k: v for k, v in s.items() if k != "allOf"}
        combined = merge_schemas([base, *(resolve(p, defs) for p in s["allOf"])])
        value = sample(combined, defs, direction, _depth + 1)
        if not validate(value, s, defs, direction):
            return value
        for part in s["allOf"]:
            value = sample(part, defs, direction, _depth + 1)
            if not validate(value, s, defs, direction):
                return value
        return value
    for key in ("oneOf", "anyOf"):
        if s.get(key):
            base = {k: v for k, v in s.items() if k != key}
            candidates = []
            for option in s[key]:
                value = sample(merge_schemas([base, resolve(option, defs)]), defs, direction, _depth + 1)
                if not validate(value, s, defs, direction):
                    return value
                candidates.append(value)
            return candidates[0]
    names = _types(s) or (["object"] if "properties" in s else ["string"] if s else [])
    if not names:
        return {}
    kind = next((n for n in names if n != "null"), "null")
    if kind == "null":
        return None
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return _sample_number(s, kind)
    if kind == "string":
        return _sample_string(s)
    if kind == "array":
        count = int(s.get("minItems") or 0)
        items = s.get("items") or {}
        values = [sample(items, defs, direction, _depth + 1) for _ in range(count)]
        if count > 1 and s.get("uniqueItems") is True:
            values = _distinct(values, items, defs)
        return values
    return _sample_object(s, defs, direction, _depth)


def _nullable(s: Schema) -> bool:
    names = _types(s)
    return names is not None and "null" in names


def _minimal(s: Schema) -> Any:
    names = _types(s) or []
    if "object" in names:
        return {}
    if "array" in names:
        return []
    return _sample_string(s) if "string" in names else 0


def _distinct(values: list[Any], items: Any, defs: Defs | None) -> list[Any]:
    s = resolve(items, defs)
    out: list[Any] = []
    for i, value in enumerate(values):
        if isinstance(value, str):
            value = f"{value}{i}" if i else value
        elif isinstance(value, int) and not isinstance(value, bool):
            value = value + i
        out.append(value)
    return out if not any(validate(v, s, defs) for v in out) else values


def _sample_number(s: Schema, kind: str) -> int | float:
    low, high = _as_num(s.get("minimum")), _as_num(s.get("maximum"))
    low_open = s.get("exclusiveMinimum") is True
    high_open = s.get("exclusiveMaximum") is True
    if _as_num(s.get("exclusiveMinimum")) is not None:
        low, low_open = _as_num(s.get("exclusiveMinimum")), True
    if _as_num(s.get("exclusiveMaximum")) is not None:
        high, high_open = _as_num(s.get("exclusiveMaximum")), True
    step = _as_num(s.get("multipleOf"))
    candidate: float = 1
    if low is not None and (candidate < low or (low_open and candidate <= low)):
        candidate = low + (1 if kind == "integer" else 0.5) if low_open else low
    if high is not None and (candidate > high or (high_open and candidate >= high)):
        candidate = high - (1 if kind == "integer" else 0.5) if high_open else high
    if step is not None and step > 0:
        candidate = math.ceil(candidate / step) * step
        if high is not None and candidate > high:
            candidate -= step
    if kind == "integer":
        return math.ceil(candidate)
    return float(candidate)


def _sample_string(s: Schema) -> str:
    fmt = s.get("format")
    text = SAMPLE_STRINGS.get(fmt, "string") if isinstance(fmt, str) else "string"
    min_len = int(s.get("minLength") or 0)
    max_len = s.get("maxLength")
    if len(text) < min_len:
        text = text + "x" * (min_len - len(text))
    if isinstance(max_len, int) and len(text) > max_len:
        text = text[:max_len]
    return text


def _sample_object(s: Schema, defs: Defs | None, direction: str, depth: int) -> dict[str, Any]:
    props: Mapping[str, Any] = s.get("properties") or {}
    out: dict[str, Any] = {}
    for name in s.get("required") or ():
        prop = resolve(props.get(name), defs)
        if direction == "response" and prop.get("writeOnly") is True:
            continue
        if direction == "request" and prop.get("readOnly") is True:
            continue
        out[name] = sample(prop, defs, direction, depth + 1)
    minimum = int(s.get("minProperties") or 0)
    for name in props:
        if len(out) >= minimum:
            break
        if name not in out:
            out[name] = sample(props[name], defs, direction, depth + 1)
    extra = s.get("additionalProperties", True)
    n = 1
    while len(out) < minimum and extra is not False:
        out[f"key{n}"] = sample(extra if isinstance(extra, Mapping) else {}, defs, direction, depth + 1)
        n += 1
    return out


def merge_schemas(parts: list[Any]) -> dict[str, Any]:
    """One schema requiring what every part requires (for samples): the
    properties are combined (``allOf`` where two parts define the same
    one), ``required`` is the union, other keywords come from the first
    part that has them."""
    merged: dict[str, Any] = {}
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        for key, value in part.items():
            if key == "properties" and isinstance(value, Mapping):
                props = dict(merged.get("properties") or {})
                for name, sub in value.items():
                    props[name] = {"allOf": [props[name], sub]} if name in props and props[name] != sub else sub
                merged["properties"] = props
            elif key == "required":
                merged["required"] = list(dict.fromkeys([*(merged.get("required") or []), *value]))
            elif key not in merged:
                merged[key] = value
    return merged


# --------------------------------------------------------------------------- conform

def conform(value: Any, schema: Any, defs: Defs | None = None, direction: str = "response", _depth: int = 0) -> Any:
    """``value`` adjusted until it is valid for ``schema``: valid parts are
    kept, unknown properties dropped when not allowed, missing required
    properties filled with samples, anything else replaced by a sample."""
    s = resolve(schema, defs)
    if not s or not validate(value, s, defs, direction):
        if direction == "response" and isinstance(value, dict):
            return _drop_write_only(value, s, defs)
        return value
    if _depth > 16:
        return sample(s, defs, direction)
    for key in ("oneOf", "anyOf"):
        if s.get(key):
            for option in s[key]:
                if not validate(value, option, defs, direction):
                    break
            else:
                fixed = conform(value, s[key][0], defs, direction, _depth + 1)
                if not validate(fixed, s, defs, direction):
                    return fixed
                return sample(s, defs, direction)
    if s.get("allOf"):
        fixed = value
        for part in s["allOf"]:
            fixed = conform(fixed, part, defs, direction, _depth + 1)
        rest = {k: v for k, v in s.items() if k != "allOf"}
        fixed = conform(fixed, rest, defs, direction, _depth + 1)
        return fixed if not validate(fixed, s, defs, direction) else sample(s, defs, direction)
    names = _types(s)
    fixed = value
    if isinstance(value, dict) and (names is None or "object" in names):
        fixed = _conform_object(value, s, defs, direction, _depth)
    elif isinstance(value, list) and (names is None or "array" in names):
        fixed = _conform_array(value, s, defs, direction, _depth)
    if not validate(fixed, s, defs, direction):
        return fixed
    return sample(s, defs, direction)


def _drop_write_only(value: dict[str, Any], s: Schema, defs: Defs | None) -> dict[str, Any]:
    props: Mapping[str, Any] = s.get("properties") or {}
    kept = {k: v for k, v in value.items() if resolve(props.get(k), defs).get("writeOnly") is not True}
    if len(kept) != len(value) and not validate(kept, s, defs, "response"):
        return kept
    return value


def _conform_object(
    value: dict[str, Any], s: Schema, defs: Defs | None, direction: str, depth: int
) -> dict[str, Any]:
    props: Mapping[str, Any] = s.get("properties") or {}
    extra = s.get("additionalProperties", True)
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in props:
            prop = resolve(props[key], defs)
            if direction == "response" and prop.get("writeOnly") is True:
                continue
            out[key] = conform(item, prop, defs, direction, depth + 1)
        elif extra is False:
            continue
        elif isinstance(extra, Mapping):
            out[key] = conform(item, extra, defs, direction, depth + 1)
        else:
            out[key] = item
    for name in s.get("required") or ():
        if name not in out:
            prop = resolve(props.get(name), defs)
            if direction == "response" and prop.get("writeOnly") is True:
                continue
            out[name] = sample(prop, defs, direction, depth + 1)
    if "maxProperties" in s:
        keep = int(s["maxProperties"])
        required = set(s.get("required") or ())
        for key in [k for k in out if k not in required]:
            if len(out) <= keep:
                break
            del out[key]
    return out


def _conform_array(value: list[Any], s: Schema, defs: Defs | None, direction: str, depth: int) -> list[Any]:
    items = s.get("items") or {}
    out = [conform(v, items, defs, direction, depth + 1) for v in value]
    if "maxItems" in s:
        out = out[: int(s["maxItems"])]
    if s.get("uniqueItems") is True:
        unique: list[Any] = []
        for item in out:
            if not any(_deep_equal(item, u) for u in unique):
                unique.append(item)
        out = unique
    while "minItems" in s and len(out) < int(s["minItems"]):
        out.append(sample(items, defs, direction, depth + 1))
    return out
