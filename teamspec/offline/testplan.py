"""What the generated tests of one REST API exercise, as plain data.

The QA persona (contract tests) and the integration tester render their
test modules from this: for each stored resource the operations, a valid
body, an updated body, an invalid body and the statuses the contract
declares for refusals; for every other operation a valid request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from teamspec.contracts.openapi_util import is_json_media
from teamspec.offline import naming, samples
from teamspec.offline.openapi import (
    ApiModel,
    Operation,
    Parameter,
    Resource,
    strip_docs,
)
from teamspec.offline.runtime import schema_check

LIMIT_NAMES = ("limit", "pagesize", "page_size", "per_page", "perpage", "size", "maxresults", "max_results", "count")


def operation_table(model: ApiModel) -> dict[str, Any]:
    """operation name -> method, path and declared responses (media types
    and schemas), for the response checks of the generated client."""
    return {
        op.name: {
            "method": op.method,
            "path": op.path,
            "responses": {
                r.status: {"media_types": list(r.media_types), **({"schema": strip_docs(r.schema)} if r.schema is not None else {})}
                for r in op.responses
            },
        }
        for op in model.operations
    }


def param_value(param: Parameter, defs: Mapping[str, Any]) -> Any:
    return samples.example(param.schema, defs, "request", name=param.name)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def concrete_path(op: Operation, defs: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> str:
    path = op.path
    for p in op.path_params:
        value = (overrides or {}).get(p.name, param_value(p, defs))
        if isinstance(value, list):
            value = ",".join(_text(v) for v in value)
        path = path.replace("{" + p.name + "}", quote(_text(value), safe=""))
    return path


def _query(op: Operation, defs: Mapping[str, Any], required_only: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in op.query_params:
        if p.required or not required_only:
            value = param_value(p, defs)
            out[p.name] = [_text(v) for v in value] if isinstance(value, list) else _text(value)
    return out


def _headers(op: Operation, defs: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in op.header_params:
        if p.required and p.location == "header":
            value = param_value(p, defs)
            out[p.name] = ",".join(_text(v) for v in value) if isinstance(value, list) else _text(value)
        elif p.required and p.location == "cookie":
            value = param_value(p, defs)
            out["Cookie"] = f"{p.name}={_text(value)}"
    return out


def _body(op: Operation, defs: Mapping[str, Any], variant: int = 0) -> tuple[bool, Any, bool]:
    """(has body, body, form encoded)."""
    if not op.has_body:
        return False, None, False
    form = bool(op.body_media_types) and not any(is_json_media(m) for m in op.body_media_types)
    if form and "application/x-www-form-urlencoded" not in op.body_media_types:
        return False, None, False
    if variant == 0 and op.has_body_example and op.body_schema is not None and not schema_check.validate(
        op.body_example, op.body_schema, defs, "request"
    ):
        return True, op.body_example, form
    return True, samples.example(op.body_schema, defs, "request", variant=variant), form


def resource_plan(model: ApiModel, r: Resource) -> dict[str, Any] | None:
    create = r.op("create")
    if create is None:
        return None
    defs = model.defs
    has_body, valid, form = _body(create, defs)
    if form:
        return None
    if not has_body:
        valid = {}
    read, listing, delete = r.op("read"), r.op("list"), r.op("delete")
    update = r.op("update") or r.op("patch")
    parents = {name: param_value(_param(create, name), defs) for name in r.parent_params}
    collection = concrete_path(create, defs, parents)
    prefix = suffix = ""
    if r.item_path and r.id_param:
        item_template = r.item_path
        for name, value in parents.items():
            item_template = item_template.replace("{" + name + "}", quote(_text(value), safe=""))
        prefix, _, suffix = item_template.partition("{" + r.id_param + "}")
    item_props = (schema_check.resolve(r.item_schema, defs).get("properties") or {})
    echo = [
        k for k in (valid if isinstance(valid, dict) else {})
        if k in item_props and not schema_check.resolve(item_props[k], defs).get("writeOnly")
        and k != r.id_prop
    ]
    updated = None
    if update is not None:
        _, base, _ = _body(update, defs)
        updated = samples.changed(base, update.body_schema, defs) if update.body_schema else None
    invalid = samples.invalid_body(create.body_schema, defs) if create.body_schema else None
    list_key = None
    limit_param = None
    filters: list[dict[str, Any]] = []
    if listing is not None:
        success = listing.success
        s = schema_check.resolve((success.schema if success else None) or {}, defs)
        if s.get("type") != "array":
            for name, prop in (s.get("properties") or {}).items():
                if schema_check.resolve(prop, defs).get("type") == "array":
                    list_key = name
                    break
        for p in listing.query_params:
            ps = schema_check.resolve(p.schema, defs)
            if p.name.lower() in LIMIT_NAMES and ps.get("type") == "integer":
                limit_param = {
                    "name": p.name,
                    "invalid_status": listing.refusal_status("invalid"),
                }
            elif isinstance(valid, dict) and p.name in item_props and p.name in valid and ps.get("type") in ("string", "integer", "boolean"):
                filters.append({"name": p.name, "value": _text(valid[p.name]), "expected": valid[p.name]})
    created_schema = schema_check.resolve((create.success.schema if create.success else None) or {}, defs)
    if r.id_prop and r.id_prop in (created_schema.get("properties") or {}):
        id_source = "body"
    elif r.item_path and create.success_status == 201:
        id_source = "location"
    else:
        id_source = None
    return {
        "name": r.name,
        "fn": naming.snake(r.singular),
        "id_source": id_source,
        "id_from_body": r.id_from_body,
        "id_is_text": r.id_from_body and schema_check.resolve(item_props.get(r.id_prop or "") or {}, defs).get("type") == "string",
        "create_fn": naming.snake(create.name),
        "read_fn": naming.snake(read.name) if read else None,
        "list_fn": naming.snake(listing.name) if listing else None,
        "update_fn": naming.snake(update.name) if update else None,
        "delete_fn": naming.snake(delete.name) if delete else None,
        "plural": naming.snake(r.plural),
        "label": r.label,
        "plural_label": r.plural_label,
        "collection": collection,
        "item_prefix": prefix,
        "item_suffix": suffix,
        "id_prop": r.id_prop,
        "missing_id": samples.missing_id(r.id_schema),
        "create": create.name,
        "create_status": create.success_status,
        "location": bool(r.item_path and create.success_status == 201),
        "read": read.name if read else None,
        "read_not_found": read is not None and read.refusal_status("not_found") is not None,
        "list": listing.name if listing else None,
        "list_key": list_key,
        "limit": limit_param,
        "filters": filters,
        "update_op": update.name if update else None,
        "update_method": update.method if update else None,
        "update_status": update.success_status if update else None,
        "update_not_found": update is not None and update.refusal_status("not_found") is not None,
        "delete": delete.name if delete else None,
        "delete_status": delete.success_status if delete else None,
        "valid": valid,
        "updated": updated,
        "echo": echo,
        "changed": [k for k in (updated or {}) if k in item_props and k != r.id_prop and (updated or {}).get(k) != (valid or {}).get(k)],
        "invalid": invalid[0] if invalid else None,
        "invalid_reason": invalid[1] if invalid else "",
        "invalid_status": create.refusal_status("invalid") if invalid else None,
        "malformed_status": create.refusal_status("malformed"),
        "references": [],
    }


def _param(op: Operation, name: str) -> Parameter:
    for p in op.parameters:
        if p.name == name:
            return p
    return Parameter(name=name, location="path", required=True, schema={"type": "string"})


def action_plan(model: ApiModel, op: Operation) -> dict[str, Any] | None:
    defs = model.defs
    has_body, body, form = _body(op, defs)
    if op.has_body and not has_body:
        return None  # a media type the tests cannot produce (multipart, binary)
    if op.body_required and not has_body:
        return None
    return {
        "name": op.name,
        "fn": naming.snake(op.name),
        "method": op.method,
        "label": op.label,
        "path": concrete_path(op, defs),
        "query": _query(op, defs),
        "headers": _headers(op, defs),
        "has_body": has_body,
        "body": body,
        "form": urlencode({k: _text(v) for k, v in body.items()}) if form and isinstance(body, dict) else None,
        "success": [r.status for r in op.responses if r.is_success] or ["2XX"],
    }


def api_plan(model: ApiModel) -> dict[str, Any]:
    resources = [p for r in model.resources if (p := resource_plan(model, r)) is not None]
    handled = {
        name for p in resources
        for name in (p["create"], p["read"], p["list"], p["update_op"], p["delete"]) if name
    }
    actions = [
        a for op in model.operations
        if op.name not in handled and op.method not in ("HEAD", "OPTIONS", "TRACE")
        and (a := action_plan(model, op)) is not None
    ]
    _link_references(model, resources)
    wrong = None
    methods = ("PATCH", "PUT", "DELETE", "POST", "GET")
    by_path: dict[str, set[str]] = {}
    for op in model.operations:
        by_path.setdefault(op.path, set()).add(op.method)
    for op in model.operations:
        missing = [m for m in methods if m not in by_path[op.path]]
        if missing:
            wrong = {"path": concrete_path(op, model.defs), "method": missing[0],
                     "allowed": sorted(by_path[op.path])}
            break
    return {
        "operations": operation_table(model),
        "defs": {k: strip_docs(v) for k, v in sorted(model.defs.items())},
        "resources": resources,
        "actions": actions,
        "wrong_method": wrong,
        "unknown_path": "/teamspec-unknown-path/0",
    }


def _link_references(model: ApiModel, plans: list[dict[str, Any]]) -> None:
    """Properties like ``userId`` / ``ownerId`` that hold the id of another
    resource of the same API: the integration tests create that one first."""
    by_singular = {p["fn"]: p for p in plans}
    for p in plans:
        if not isinstance(p["valid"], dict):
            continue
        for key in p["valid"]:
            words = naming.words(key)
            if len(words) < 2 or words[-1] != "id":
                continue
            target = by_singular.get("_".join(words[:-1]))
            if target is not None and target is not p and target["id_prop"]:
                p["references"].append({"property": key, "resource": target["fn"]})
