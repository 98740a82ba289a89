"""The mock table: one JSON-serialisable description of how a REST mock
answers, served identically by the Python mock
(:mod:`teamspec.contracts.mockserver`) and the Node mock
(``mock_server.js``).

Everything that needs OpenAPI knowledge is decided here, once: routes
(regexes, most specific first), parameters with JSON Schema 2020-12 schemas
and coercion hints, request bodies per media type, responses per status with
headers, named examples and schema-derived bodies (pre-serialised, so both
servers send the same bytes), which declared response answers a validation
error or a missing resource, and the CRUD roles used by ``--stateful``.

Required behaviours (both servers):

- responses from the first named example that validates, else the media
  type's ``example``, else a deterministic schema-derived value;
- ``Prefer: code=...`` picks the declared response (exact, ``4XX`` range,
  then ``default``); ``Prefer: example=...`` a named example;
- invalid requests are answered by the spec's own 400, 422, 4XX or default
  response (with a ``validation`` list added when its schema allows), else
  ``422 application/problem+json`` with a ``validation`` list;
- ``404`` problem+json for an unknown path, ``405`` with ``Allow``,
  ``406`` when ``Accept`` matches no declared media type, ``415`` for an
  undeclared request media type;
- CORS on every answer; ``OPTIONS`` preflight answered ``204``;
- stateful CRUD (``--stateful``): POST stores, GET reads, PUT/PATCH update,
  DELETE removes (then ``404``), collections list the stored items.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from teamspec.contracts.openapi_util import (
    RefError,
    as_map,
    is_json_media,
    iter_operations,
    jsonable,
    path_regex_parts,
    resolve,
)
from teamspec.contracts.schemaconv import Converter
from teamspec.contracts.values import ValueGenerator

TABLE_VERSION = 1
_IGNORED_HEADERS = {"accept", "content-type", "authorization"}
_VALIDATION_SAMPLE = [{"location": "body", "keyword": "type", "message": "must be object"}]


def dumps(value: Any) -> str:
    """Compact JSON, the way both mocks serialise bodies."""
    return json.dumps(_norm(value), ensure_ascii=False, separators=(",", ":"))


def _norm(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _content_type_for(media: str) -> str:
    base = media.split(";")[0].strip().lower()
    if base in ("*/*", "application/*"):
        return "application/json"
    if base.endswith("/*"):
        return base[:-2] + "/plain" if base.startswith("text") else base[:-2] + "/octet-stream"
    return media


def _body_kind(media: str) -> str:
    base = media.split(";")[0].strip().lower()
    if is_json_media(base):
        return "json"
    if base == "application/x-www-form-urlencoded":
        return "form"
    if base.startswith("text/"):
        return "text"
    return "other"


class _Builder:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.conv = Converter(doc)
        self.gen = ValueGenerator(doc, self.conv)

    def resolve(self, obj: Any) -> Any:
        try:
            return resolve(self.doc, obj)
        except RefError:
            return {}

    # -- type hints -------------------------------------------------------------

    def coerce_hint(self, schema: Any, depth: int = 0) -> Any:
        """What a wire string should be read as: integer, number, boolean,
        string, array (with ``items``), object or any."""
        s = self.resolve(schema)
        if not isinstance(s, Mapping) or depth > 8:
            return "any"
        t = s.get("type")
        types = [t] if isinstance(t, str) else [x for x in t if x != "null"] if isinstance(t, list) else []
        if not types:
            for key in ("allOf", "oneOf", "anyOf"):
                if isinstance(s.get(key), list):
                    for sub in s[key]:
                        hint = self.coerce_hint(sub, depth + 1)
                        if hint != "any":
                            return hint
            if "properties" in s:
                return "object"
            if "items" in s:
                types = ["array"]
            else:
                return "any"
        kind = types[0]
        if kind == "array":
            return {"array": self.coerce_hint(s.get("items", {}), depth + 1)}
        if kind in ("integer", "number", "boolean", "string", "object"):
            return kind
        return "any"

    def object_hints(self, schema: Any) -> dict[str, Any]:
        s = self.resolve(schema)
        out: dict[str, Any] = {}
        if not isinstance(s, Mapping):
            return out
        for part in [s, *(self.resolve(x) for x in s.get("allOf", []) if isinstance(s.get("allOf"), list))]:
            if isinstance(part, Mapping) and isinstance(part.get("properties"), Mapping):
                for name, sub in part["properties"].items():
                    out.setdefault(str(name), self.coerce_hint(sub))
        return out

    # -- pieces -------------------------------------------------------------------

    def params(self, op: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for p in op.parameters:
            if p.location == "header" and p.name.lower() in _IGNORED_HEADERS:
                continue
            if p.location not in ("path", "query", "header", "cookie"):
                continue
            out.append({
                "name": p.name,
                "in": p.location,
                "required": p.required,
                "schema": self.conv.convert(p.schema, "request"),
                "coerce": self.coerce_hint(p.schema),
                "style": p.style,
                "explode": p.explode,
            })
        return out

    def body(self, op: Any) -> dict[str, Any] | None:
        raw = self.resolve(op.operation.get("requestBody"))
        if not isinstance(raw, Mapping) or not isinstance(raw.get("content"), Mapping):
            return None
        content: list[dict[str, Any]] = []
        for media, obj in raw["content"].items():
            obj = obj if isinstance(obj, Mapping) else {}
            schema = obj.get("schema")
            entry: dict[str, Any] = {
                "media": str(media).lower(),
                "kind": _body_kind(str(media)),
                "schema": self.conv.convert(schema, "request") if isinstance(schema, Mapping) else None,
            }
            if entry["kind"] == "form":
                entry["props"] = self.object_hints(schema)
            content.append(entry)
        return {"required": bool(raw.get("required", False)), "content": content}

    def header_value(self, header: Mapping[str, Any]) -> str:
        schema = header.get("schema") if isinstance(header.get("schema"), Mapping) else {}
        value: Any = None
        if "example" in header:
            value = header["example"]
        elif isinstance(header.get("examples"), Mapping):
            for ex in header["examples"].values():
                ex = self.resolve(ex)
                if isinstance(ex, Mapping) and "value" in ex:
                    value = ex["value"]
                    break
        if value is None:
            value = self.gen.example(schema, "response")
        return header_text(value)

    def response(self, raw: Any) -> dict[str, Any]:
        resp = self.resolve(raw)
        if not isinstance(resp, Mapping):
            resp = {}
        headers: list[dict[str, Any]] = []
        if isinstance(resp.get("headers"), Mapping):
            for name, h in resp["headers"].items():
                h = self.resolve(h)
                if not isinstance(h, Mapping) or str(name).lower() in ("content-type", "content-length"):
                    continue
                headers.append({"name": str(name), "value": self.header_value(h),
                                "required": bool(h.get("required", False))})
        content: list[dict[str, Any]] = []
        if isinstance(resp.get("content"), Mapping):
            for media, obj in resp["content"].items():
                content.append(self.media(str(media), obj if isinstance(obj, Mapping) else {}))
        return {"headers": headers, "content": content}

    def media(self, media: str, obj: Mapping[str, Any]) -> dict[str, Any]:
        schema = obj.get("schema") if isinstance(obj.get("schema"), Mapping) else None
        json_media = is_json_media(media)

        def valid(value: Any) -> bool:
            return schema is None or self.gen.valid(value, schema, "response")

        def text(value: Any) -> str:
            if json_media:
                return dumps(value)
            return value if isinstance(value, str) else dumps(value)

        examples: dict[str, str] = {}
        default_name: str | None = None
        default_value: Any = None
        found = False
        if isinstance(obj.get("examples"), Mapping):
            for name, ex in obj["examples"].items():
                ex = self.resolve(ex)
                if not isinstance(ex, Mapping) or "value" not in ex:
                    continue
                examples[str(name)] = text(ex["value"])
                if not found and valid(ex["value"]):
                    default_name, default_value, found = str(name), ex["value"], True
        if not found and "example" in obj and valid(obj["example"]):
            default_value, found = obj["example"], True
        generated = self.gen.example(schema, "response") if schema is not None else None
        if not found:
            default_value = generated if schema is not None else ""
        entry: dict[str, Any] = {
            "media": media.lower(),
            "content_type": _content_type_for(media),
            "json": json_media,
            "examples": examples,
            "default_example": default_name,
            "body": text(default_value) if (schema is not None or found) else "",
        }
        if json_media and schema is not None:
            self._render_info(entry, generated, schema)
        return entry

    def _render_info(self, entry: dict[str, Any], template: Any, schema: Any) -> None:
        """How a stateful response renders stored resources, and whether a
        validation list may be added to this body."""
        if isinstance(template, dict):
            entry["template"] = template
            probe = {**template, "validation": _VALIDATION_SAMPLE}
            entry["extensible"] = self.gen.valid(probe, schema, "response")
            for key, value in template.items():
                if isinstance(value, list) and value and isinstance(value[0], dict):
                    entry["list"] = {"property": key, "item": value[0]}
                    break
        elif isinstance(template, list) and template and isinstance(template[0], dict):
            entry["list"] = {"property": None, "item": template[0]}

    # -- an operation ---------------------------------------------------------------

    def operation(self, op: Any) -> dict[str, Any]:
        regex, names = path_regex_parts(op.path)
        responses = {code: self.response(raw) for code, raw in op.responses().items()}
        return {
            "method": op.method.upper(),
            "path": op.path,
            "label": op.label,
            "operation_id": op.operation_id,
            "regex": regex,
            "path_params": names,
            "params": self.params(op),
            "body": self.body(op),
            "responses": responses,
            "success": success_key(list(responses)),
            "validation_response": _first_declared(list(responses), ("400", "422", "4XX", "default")),
            "not_found_response": _first_declared(list(responses), ("404", "4XX", "default")),
            "resource": None,
        }


def header_text(value: Any) -> str:
    """A header value on the wire (OpenAPI ``simple`` style)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(header_text(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k},{header_text(v)}" for k, v in value.items())
    if value is None:
        return ""
    return dumps(value)


def success_key(codes: list[str]) -> str | None:
    """The response a successful call returns: lowest 2xx, ``2XX``, lowest
    3xx, ``3XX``, then ``default``."""
    upper = [c.upper() if c != "default" else c for c in codes]
    for prefix in ("2", "3"):
        exact = sorted(c for c in upper if len(c) == 3 and c[0] == prefix and c[1:].isdigit())
        if exact:
            return codes[upper.index(exact[0])]
        if f"{prefix}XX" in upper:
            return codes[upper.index(f"{prefix}XX")]
    if "default" in codes:
        return "default"
    return None


def status_for_key(key: str, fallback: int = 200) -> int:
    """The status sent for a response key (``4XX`` → 422 and ``default`` →
    ``fallback``)."""
    if key.isdigit():
        return int(key)
    upper = key.upper()
    if upper == "2XX":
        return 200
    if upper == "3XX":
        return 300
    if upper == "4XX":
        return 422 if fallback < 400 else fallback
    if upper == "5XX":
        return 500
    return fallback


def _first_declared(codes: list[str], wanted: tuple[str, ...]) -> str | None:
    upper = {c.upper(): c for c in codes}
    for w in wanted:
        if w in upper:
            return upper[w]
        if w == "default" and "default" in codes:
            return "default"
    return None


def _segments_key(path: str) -> tuple[int, ...]:
    return tuple(1 if "{" in seg else 0 for seg in path.strip("/").split("/"))


def _attach_resources(ops: list[dict[str, Any]], builder: _Builder) -> None:
    by_path: dict[str, dict[str, dict[str, Any]]] = {}
    for entry in ops:
        by_path.setdefault(entry["path"], {})[entry["method"]] = entry
    for path, methods in by_path.items():
        if "POST" not in methods:
            continue
        prefix = path.rstrip("/") + "/{"
        items = [p for p in by_path if p.startswith(prefix) and p.endswith("}") and p.count("{") == path.count("{") + 1
                 and "/" not in p[len(prefix):]]
        if not items:
            continue
        item_path = items[0]
        item_ops = by_path[item_path]
        id_param = item_path[len(prefix):-1]
        id_schema: Any = {}
        for e in item_ops.values():
            for p in e["params"]:
                if p["in"] == "path" and p["name"] == id_param:
                    id_schema = p["schema"]
        id_hint = builder.coerce_hint(id_schema) if id_schema else "string"
        id_uuid = isinstance(id_schema, Mapping) and id_schema.get("pattern") == _uuid_pattern()
        id_property = _id_property(id_param, [*item_ops.values(), methods["POST"]])
        sample = _template_value(id_property, [*item_ops.values(), methods["POST"]])
        if isinstance(sample, bool) or sample is None:
            id_type = id_hint if id_hint in ("integer", "number") else "string"
        elif isinstance(sample, (int, float)):
            id_type = "integer"
        else:
            id_type = "string"
            id_uuid = id_uuid or bool(re.fullmatch(_uuid_pattern(), str(sample)))
        base = {"collection": path, "item": item_path, "id_param": id_param,
                "id_type": id_type, "id_uuid": bool(id_uuid), "id_property": id_property}
        methods["POST"]["resource"] = {**base, "role": "create"}
        if "GET" in methods:
            methods["GET"]["resource"] = {**base, "role": "list"}
        for method, role in (("GET", "read"), ("PUT", "replace"), ("PATCH", "update"), ("DELETE", "delete")):
            if method in item_ops:
                item_ops[method]["resource"] = {**base, "role": role}


def _uuid_pattern() -> str:
    from teamspec.contracts.schemaconv import FORMAT_PATTERNS

    return FORMAT_PATTERNS["uuid"]


def _template_value(name: str | None, entries: list[dict[str, Any]]) -> Any:
    if name is None:
        return None
    for e in entries:
        key = e["success"]
        if key is None:
            continue
        for media in e["responses"][key]["content"]:
            template = media.get("template")
            if isinstance(template, dict) and name in template:
                return template[name]
    return None


def _id_property(id_param: str, entries: list[dict[str, Any]]) -> str | None:
    names: list[str] = []
    for e in entries:
        key = e["success"]
        if key is None:
            continue
        for media in e["responses"][key]["content"]:
            template = media.get("template")
            if isinstance(template, dict):
                names.extend(k for k in template if k not in names)
    for candidate in (id_param, "id"):
        if candidate in names:
            return candidate
    for name in names:
        if name.lower().endswith("id"):
            return name
    return None


def build_mock_table(openapi: Mapping[str, Any]) -> dict[str, Any]:
    """The table both mock servers serve for an OpenAPI document."""
    doc: dict[str, Any] = jsonable(openapi)
    builder = _Builder(doc)
    indexed = [(i, builder.operation(op)) for i, op in enumerate(iter_operations(doc))]
    indexed.sort(key=lambda pair: (_segments_key(pair[1]["path"]), pair[0]))
    ops = [entry for _, entry in indexed]
    _attach_resources(ops, builder)
    info = as_map(doc.get("info"))
    return {
        "teamspec_mock": TABLE_VERSION,
        "title": str(info.get("title", "")),
        "version": str(info.get("version", "")),
        "operations": ops,
        "defs": builder.conv.defs,
    }
