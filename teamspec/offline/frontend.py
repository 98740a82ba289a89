"""What the frontend templates need: JSDoc types from schemas, client
functions from operations, form fields and table columns from resources."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from teamspec.offline import naming, samples
from teamspec.offline.context import ApiInfo
from teamspec.offline.openapi import NAME_KEY, ApiModel, Operation, Resource
from teamspec.offline.runtime import schema_check


def js_type(schema: Mapping[str, Any] | None, defs: Mapping[str, Any], depth: int = 0) -> str:
    """A JSDoc type expression for a schema."""
    if not schema:
        return "*"
    if "$ref" in schema:
        return naming.pascal(str(schema["$ref"]).rsplit("/", 1)[-1])
    s = schema
    if s.get(NAME_KEY):
        name = naming.pascal(str(s[NAME_KEY]))
        return f"({name}|null)" if s.get("nullable") else name
    if s.get("enum"):
        options = "|".join(json.dumps(e) for e in s["enum"])
        return f"({options})" if len(s["enum"]) > 1 else options
    for key in ("oneOf", "anyOf"):
        if s.get(key):
            return "(" + "|".join(js_type(x, defs, depth + 1) for x in s[key]) + ")"
    if s.get("allOf"):
        return "(" + "&".join(js_type(x, defs, depth + 1) for x in s["allOf"]) + ")"
    t = s.get("type")
    names = [t] if isinstance(t, str) else list(t or [])
    if s.get("nullable") and "null" not in names:
        names.append("null")
    parts = []
    for name in names or (["object"] if "properties" in s else ["*"]):
        if name in ("integer", "number"):
            parts.append("number")
        elif name == "string":
            parts.append("string")
        elif name == "boolean":
            parts.append("boolean")
        elif name == "null":
            parts.append("null")
        elif name == "array":
            parts.append(f"Array<{js_type(s.get('items') or {}, defs, depth + 1)}>")
        elif name == "object":
            props = s.get("properties") or {}
            if not props or depth > 2:
                parts.append("Object<string, *>")
            else:
                required = set(s.get("required") or ())
                fields = ", ".join(
                    f"{_js_key(k)}{'' if k in required else '?'}: {js_type(v, defs, depth + 1)}" for k, v in props.items()
                )
                parts.append("{" + fields + "}")
        else:
            parts.append("*")
    return parts[0] if len(parts) == 1 else "(" + "|".join(parts) + ")"


def _js_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_$][\w$]*", name) else json.dumps(name)


def typedefs(model: ApiModel) -> list[dict[str, Any]]:
    """One JSDoc typedef per named object schema of the document."""
    out: list[dict[str, Any]] = []
    for name, schema in model.schemas.items():
        s = schema_check.resolve(schema, model.defs)
        if s.get("type") != "object" and "properties" not in s:
            out.append({"name": naming.pascal(name), "type": js_type({k: v for k, v in s.items() if k != NAME_KEY}, model.defs), "properties": []})
            continue
        required = set(s.get("required") or ())
        props = []
        for prop_name, prop in (s.get("properties") or {}).items():
            p = schema_check.resolve(prop, model.defs)
            props.append({
                "name": prop_name if re.fullmatch(r"[A-Za-z_$][\w$]*", prop_name) else json.dumps(prop_name),
                "type": js_type(prop, model.defs, 1),
                "optional": prop_name not in required,
                "description": " ".join(str(p.get("description") or "").split()),
            })
        out.append({"name": naming.pascal(name), "type": "Object", "properties": props})
    return out


def _template_path(path: str, names: Mapping[str, str]) -> str:
    out = ""
    for piece in re.split(r"(\{[^{}/]+\})", path):
        if piece.startswith("{") and piece.endswith("}") and piece[1:-1] in names:
            out += "${encodeURIComponent(" + names[piece[1:-1]] + ")}"
        else:
            out += piece.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")
    return "`" + out + "`"


def client_function(op: Operation, model: ApiModel) -> dict[str, Any]:
    """A JS client method: name, arguments, JSDoc and the request it sends."""
    taken = {"body", "query", "headers"}
    path_names = {p.name: naming.unique(p.js_name, taken) for p in op.path_params}
    args = list(path_names.values())
    params_doc = [
        {"type": js_type(p.schema, model.defs), "name": path_names[p.name], "doc": p.description or f"path parameter {p.name}"}
        for p in op.path_params
    ]
    if op.has_body:
        args.append("body")
        params_doc.append({"type": js_type(op.body_schema, model.defs), "name": "body" if op.body_required else "[body]",
                           "doc": "request body" + (f" ({', '.join(op.body_media_types)})" if op.body_media_types else "")})
    if op.query_params:
        args.append("query")
        fields = ", ".join(
            f"{_js_key(p.name)}{'' if p.required else '?'}: {js_type(p.schema, model.defs)}" for p in op.query_params
        )
        required = any(p.required for p in op.query_params)
        params_doc.append({"type": "{" + fields + "}", "name": "query" if required else "[query]", "doc": "query parameters"})
    header_params = [p for p in op.header_params if p.location == "header"]
    if header_params:
        args.append("headers")
        fields = ", ".join(f"{json.dumps(p.name)}{'' if p.required else '?'}: string" for p in header_params)
        params_doc.append({"type": "{" + fields + "}", "name": "[headers]", "doc": "header parameters"})
    success = op.success
    returns = js_type(success.schema, model.defs) if success is not None and success.schema is not None else "null"
    options = [k for k in ("body", "query", "headers") if k in args]
    form = bool(op.body_media_types) and all(
        m == "application/x-www-form-urlencoded" for m in op.body_media_types
    )
    return {
        "name": op.name,
        "method": op.method,
        "path": op.path,
        "path_expr": _template_path(op.path, path_names),
        "args": args,
        "params": params_doc,
        "returns": returns,
        "options": options,
        "form": form,
        "summary": op.summary or op.description.split("\n", 1)[0][:100] or f"{op.method} {op.path}",
        "success": op.success_status,
    }


def _input(schema: Mapping[str, Any]) -> str:
    t = schema.get("type")
    kind = t if isinstance(t, str) else next((x for x in t or () if x != "null"), "string")
    fmt = schema.get("format")
    if schema.get("enum"):
        return "select"
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if kind in ("array", "object"):
        return "json"
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "datetime-local"
    if fmt == "email":
        return "email"
    if fmt in ("uri", "url"):
        return "url"
    if isinstance(schema.get("maxLength"), int) and schema["maxLength"] > 200:
        return "textarea"
    return "text"


def ui_resource(info: ApiInfo, r: Resource) -> dict[str, Any]:
    """A resource as the UI shows it: columns, form fields, operations."""
    model = info.model
    defs = model.defs
    item = schema_check.resolve(r.item_schema, defs)
    columns = [
        {"name": name, "label": naming.humanize(name).capitalize()}
        for name, prop in (item.get("properties") or {}).items()
        if not schema_check.resolve(prop, defs).get("writeOnly")
    ][:7]
    fields = []
    source = schema_check.resolve(r.input_schema or r.item_schema, defs)
    required = set(source.get("required") or ())
    for name, prop in (source.get("properties") or {}).items():
        p = schema_check.resolve(prop, defs)
        if p.get("readOnly"):
            continue
        field: dict[str, Any] = {
            "name": name,
            "label": naming.humanize(name).capitalize(),
            "input": _input(p),
            "required": name in required,
            "integer": p.get("type") == "integer",
            "nullable": bool(p.get("nullable")),
        }
        if p.get("enum"):
            field["options"] = list(p["enum"])
        for key in ("minimum", "maximum", "minLength", "maxLength", "pattern"):
            if key in p and not isinstance(p[key], bool):
                field[key] = p[key]
        fields.append(field)
    create = r.op("create")
    parents = []
    if create is not None:
        for name in r.parent_params:
            param = next((p for p in create.path_params if p.name == name), None)
            parents.append(samples.example(param.schema if param else {"type": "string"}, defs, "request", name=name))
    ops = {
        key: (r.op(kind).name if r.op(kind) is not None else None)  # type: ignore[union-attr]
        for key, kind in (("list", "list"), ("create", "create"), ("read", "read"), ("update", "update"),
                          ("patch", "patch"), ("remove", "delete"))
    }
    listing = r.op("list")
    list_key = None
    if listing is not None and listing.success is not None:
        s = schema_check.resolve(listing.success.schema or {}, defs)
        if s.get("type") != "array":
            list_key = next(
                (n for n, p in (s.get("properties") or {}).items() if schema_check.resolve(p, defs).get("type") == "array"),
                None,
            )
    return {
        "key": f"{info.contract.id}-{naming.snake(r.plural)}",
        "contract": info.contract.id,
        "client": model.js_client,
        "title": naming.humanize(r.plural).capitalize(),
        "label": r.label,
        "name": r.name,
        "idProp": r.id_prop,
        "numericId": r.id_type in ("integer", "number"),
        "parentArgs": parents,
        "listKey": list_key,
        "ops": ops,
        "columns": columns,
        "fields": fields,
        "collection": r.collection_path,
        "item_path": r.item_path,
    }
