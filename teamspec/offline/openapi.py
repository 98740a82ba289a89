"""A REST contract's OpenAPI document, read into what the offline personas need.

:func:`api_model` resolves ``$ref`` (parameters, request bodies, responses,
examples, headers and schemas; recursive schema references stay references,
collected in ``defs``), merges ``allOf`` where that is exact, names every
operation, and recognises resources: a collection path (one with ``POST``,
or with an item path ``<collection>/{id}`` below it) and its item path.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from teamspec.contracts.openapi_util import is_json_media
from teamspec.errors import InterfaceError
from teamspec.model import Contract
from teamspec.offline import naming

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
NAME_KEY = "x-teamspec-name"
_DOC_KEYS = frozenset({"description", "title", "externalDocs", "xml", "$comment", "deprecated"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_SCHEMA_ONE = frozenset(
    {"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
     "additionalItems", "unevaluatedProperties", "unevaluatedItems"}
)
_SCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_PARAM = re.compile(r"^\{([^{}/]+)\}$")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path | query | header | cookie
    required: bool
    schema: Mapping[str, Any]
    description: str = ""
    style: str | None = None
    explode: bool | None = None

    @property
    def js_name(self) -> str:
        return naming.js_ident(self.name)

    @property
    def py_name(self) -> str:
        return naming.snake(self.name)

    def runtime(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name, "in": self.location, "required": self.required,
            "schema": strip_docs(self.schema),
        }
        if self.style is not None:
            out["style"] = self.style
        if self.explode is not None:
            out["explode"] = self.explode
        return out


@dataclass(frozen=True)
class Response:
    status: str  # "200", "4XX", "default"
    description: str
    media_types: tuple[str, ...]
    schema: Mapping[str, Any] | None
    example: Any = None
    has_example: bool = False
    headers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def media_type(self) -> str | None:
        for media in self.media_types:
            if is_json_media(media):
                return media
        return self.media_types[0] if self.media_types else None

    @property
    def is_success(self) -> bool:
        return self.status.startswith("2")

    @property
    def code(self) -> int | None:
        return int(self.status) if self.status.isdigit() else None

    def runtime(self) -> dict[str, Any]:
        out: dict[str, Any] = {"media_types": list(self.media_types)}
        if self.schema is not None:
            out["schema"] = strip_docs(self.schema)
        if self.has_example:
            out["example"] = self.example
        if self.headers:
            out["headers"] = {
                name: {"required": bool(h.get("required")), "schema": strip_docs(h.get("schema") or {})}
                for name, h in self.headers.items()
            }
        return out


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str
    operation_id: str | None
    name: str  # a unique lowerCamel identifier (JS function, test names)
    summary: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    body_schema: Mapping[str, Any] | None
    body_required: bool
    body_media_types: tuple[str, ...]
    body_example: Any
    has_body_example: bool
    responses: tuple[Response, ...]
    kind: str  # list | create | read | update | patch | delete | action
    resource: str | None  # the collection path of its resource
    security: tuple[str, ...] = ()
    deprecated: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def has_body(self) -> bool:
        return bool(self.body_media_types) or self.body_schema is not None

    @property
    def path_params(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "path")

    @property
    def query_params(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "query")

    @property
    def header_params(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location in ("header", "cookie"))

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(r.status for r in self.responses)

    def response(self, status: int | str) -> Response | None:
        key = str(status)
        for candidate in (key, f"{key[:1]}XX", f"{key[:1]}xx", "default"):
            for r in self.responses:
                if r.status == candidate:
                    return r
        return None

    @property
    def success(self) -> Response | None:
        """The response the offline backend answers a valid request with."""
        preference = {
            "create": ("201", "200", "202", "204"),
            "delete": ("204", "200", "202"),
        }.get(self.kind, ("201", "200", "202", "204") if self.method == "POST" else ("200", "201", "202", "204"))
        for status in preference:
            for r in self.responses:
                if r.status == status:
                    return r
        numbered = sorted((r for r in self.responses if r.code is not None and 200 <= r.code < 300), key=lambda r: r.status)
        if numbered:
            return numbered[0]
        for r in self.responses:
            if r.status in ("2XX", "2xx", "default"):
                return r
        return None

    @property
    def success_status(self) -> int:
        r = self.success
        if r is not None and r.code is not None:
            return r.code
        return {"create": 201, "delete": 204}.get(self.kind, 201 if self.method == "POST" else 200)

    def refusal_status(self, reason: str) -> int | None:
        """The status the offline backend answers a refused request with
        (mirrors ``server.Api._status``); ``None`` when none is declared."""
        declared = set(self.statuses)
        wildcard = bool(declared & {"4XX", "4xx", "default"})
        if reason == "not_found":
            return 404 if "404" in declared or wildcard else None
        order = ("400", "422") if reason == "malformed" else ("422", "400")
        for status in order:
            if status in declared:
                return int(status)
        if wildcard:
            return 400 if reason == "malformed" else 422
        return None

    @property
    def error_responses(self) -> tuple[Response, ...]:
        return tuple(r for r in self.responses if not r.is_success)

    def runtime(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "operation_id": self.operation_id or self.name,
            "kind": self.kind,
            "resource": self.resource,
            "parameters": [p.runtime() for p in self.parameters],
            "body": None,
            "responses": {r.status: r.runtime() for r in self.responses},
        }
        if self.has_body:
            out["body"] = {
                "required": self.body_required,
                "media_types": list(self.body_media_types),
                "schema": strip_docs(self.body_schema) if self.body_schema is not None else None,
            }
        return out


@dataclass(frozen=True)
class Resource:
    collection_path: str
    item_path: str | None
    id_param: str | None
    id_prop: str | None
    id_schema: Mapping[str, Any]
    id_from_body: bool  # the create body may choose the id (a natural key)
    parent_params: tuple[str, ...]
    item_schema: Mapping[str, Any]
    input_schema: Mapping[str, Any] | None
    update_schema: Mapping[str, Any] | None
    name: str  # "Task"
    singular: str  # "task"
    plural: str  # "tasks"
    operations: Mapping[str, Operation]  # kind -> operation

    @property
    def label(self) -> str:
        return naming.humanize(self.singular)

    @property
    def plural_label(self) -> str:
        return naming.humanize(self.plural)

    @property
    def is_crud(self) -> bool:
        return "create" in self.operations and "read" in self.operations

    @property
    def id_type(self) -> str:
        t = self.id_schema.get("type", "integer")
        return str(t if isinstance(t, str) else next((x for x in t if x != "null"), "string"))

    def op(self, kind: str) -> Operation | None:
        return self.operations.get(kind)

    def runtime(self) -> dict[str, Any]:
        return {
            "collection_path": self.collection_path,
            "item_path": self.item_path,
            "id_param": self.id_param,
            "id_prop": self.id_prop,
            "id_from_body": self.id_from_body,
            "id_schema": strip_docs(self.id_schema),
            "parent_params": list(self.parent_params),
            "item_schema": strip_docs(self.item_schema),
            "label": self.label,
        }


@dataclass(frozen=True)
class ApiModel:
    contract_id: str
    title: str
    version: str
    description: str
    base_path: str
    servers: tuple[str, ...]
    operations: tuple[Operation, ...]
    resources: tuple[Resource, ...]
    schemas: Mapping[str, Mapping[str, Any]]  # component name -> resolved schema
    defs: Mapping[str, Mapping[str, Any]]  # "$ref" -> schema, for recursive references
    security_schemes: Mapping[str, Mapping[str, Any]]
    global_security: tuple[str, ...]
    document: Mapping[str, Any] = field(compare=False, repr=False)

    @property
    def js_client(self) -> str:
        """The name of the JS client factory: ``createTaskApiClient``."""
        return "create" + naming.pascal(self.contract_id) + "Client"

    def operation(self, name: str) -> Operation:
        for op in self.operations:
            if op.name == name:
                return op
        raise KeyError(name)

    def resource(self, collection_path: str | None) -> Resource | None:
        for r in self.resources:
            if r.collection_path == collection_path:
                return r
        return None

    @property
    def actions(self) -> tuple[Operation, ...]:
        return tuple(op for op in self.operations if self.resource(op.resource) is None or op.kind == "action")

    @property
    def entity_schemas(self) -> dict[str, Mapping[str, Any]]:
        """Component schemas that describe stored things: object schemas
        that are not errors and not an input variant of another schema."""
        objects = {n: s for n, s in self.schemas.items() if _is_object(s)}
        error_names = {_name(r.schema) for op in self.operations for r in op.error_responses if r.schema}
        out: dict[str, Mapping[str, Any]] = {}
        for name, schema in objects.items():
            if name in error_names or naming.words(name)[-1:] in (["error"], ["problem"], ["errors"]):
                continue
            props = set((schema.get("properties") or {}).keys())
            wider = [
                o for n, o in objects.items()
                if n != name and props < set((o.get("properties") or {}).keys())
            ]
            if wider and not any(r.name == name for r in self.resources):
                continue
            out[name] = schema
        for r in self.resources:
            if r.name not in out and _is_object(r.item_schema):
                out[r.name] = r.item_schema
        return out

    def runtime(self) -> dict[str, Any]:
        """The contract as data for the generated backend (``api_spec.py``)."""
        return {
            "contract": self.contract_id,
            "title": self.title,
            "version": self.version,
            "base_path": self.base_path,
            "defs": {k: strip_docs(v) for k, v in sorted(self.defs.items())},
            "operations": [op.runtime() for op in self.operations],
            "resources": {r.collection_path: r.runtime() for r in self.resources},
        }


def _is_object(schema: Mapping[str, Any] | None) -> bool:
    if not schema:
        return False
    t = schema.get("type")
    return t == "object" or (isinstance(t, list) and "object" in t) or (t is None and "properties" in schema)


def _name(schema: Mapping[str, Any] | None) -> str | None:
    if not schema:
        return None
    value = schema.get(NAME_KEY)
    return str(value) if value is not None else None


def strip_docs(schema: Any) -> Any:
    """A schema without documentation keywords and ``x-`` extensions
    (property names are kept, whatever they are called)."""
    if isinstance(schema, list):
        return [strip_docs(s) for s in schema]
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DOC_KEYS or key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {name: strip_docs(sub) for name, sub in value.items()}
        elif key in _SCHEMA_ONE or key in _SCHEMA_LIST:
            out[key] = strip_docs(value)
        else:
            out[key] = value
    return out


class _Resolver:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.defs: dict[str, Any] = {}

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return None
        node: Any = self.document
        for raw in ref[1:].split("/")[1:]:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def deref(self, obj: Any) -> Any:
        """Follow ``$ref`` of a non-schema object (parameter, response...)."""
        for _ in range(32):
            if not (isinstance(obj, Mapping) and isinstance(obj.get("$ref"), str)):
                break
            obj = self.pointer(obj["$ref"])
        return obj if isinstance(obj, Mapping) else {}

    def schema(self, schema: Any, stack: tuple[str, ...] = ()) -> dict[str, Any]:
        if schema is True or schema is None:
            return {}
        if schema is False:
            return {"not": {}}
        if not isinstance(schema, Mapping):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in stack:
                self._recursive(ref)
                return {"$ref": ref}
            target = self.pointer(ref)
            if target is None:
                return {}  # dangling or external: the quality gate reports it; accept anything
            resolved = self.schema(target, (*stack, ref))
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            if siblings:
                resolved = _merge_all_of({"allOf": [resolved, self.schema(siblings, stack)]})
            if ref.startswith("#/components/schemas/") and "$ref" not in resolved:
                resolved = {**resolved, NAME_KEY: ref.rsplit("/", 1)[1].replace("~1", "/").replace("~0", "~")}
            return resolved
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in _SCHEMA_MAPS and isinstance(value, Mapping):
                out[key] = {name: self.schema(sub, stack) for name, sub in value.items()}
            elif key in _SCHEMA_ONE and isinstance(value, (Mapping, bool)):
                out[key] = value if isinstance(value, bool) and key == "additionalProperties" else self.schema(value, stack)
            elif key in _SCHEMA_LIST and isinstance(value, list):
                out[key] = [self.schema(v, stack) for v in value]
            else:
                out[key] = copy.deepcopy(value)
        return _merge_all_of(out)

    def _recursive(self, ref: str) -> None:
        if ref in self.defs:
            return
        self.defs[ref] = {}
        resolved = self.schema(self.pointer(ref), (ref,))
        if ref.startswith("#/components/schemas/"):
            resolved[NAME_KEY] = ref.rsplit("/", 1)[1]
        self.defs[ref] = resolved


def _merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    """``allOf`` of plain object schemas folded into one schema; anything
    where folding would change the meaning is left as it is."""
    parts = schema.get("allOf")
    if not isinstance(parts, list) or not parts:
        return schema
    blocking = ("allOf", "anyOf", "oneOf", "not", "$ref", "if", "discriminator")
    if any(not isinstance(p, Mapping) or any(k in p for k in blocking) for p in parts):
        return schema
    if any(p.get("additionalProperties") is False for p in parts):
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in parts:
        for key, value in part.items():
            if key == "properties":
                props = dict(merged.get("properties") or {})
                for name, sub in value.items():
                    if name in props and props[name] != sub:
                        props[name] = {"allOf": [props[name], sub]}
                    else:
                        props[name] = sub
                merged["properties"] = props
            elif key == "required":
                merged["required"] = list(dict.fromkeys([*(merged.get("required") or []), *value]))
            elif key in (NAME_KEY, "description", "title", "example", "examples"):
                merged.setdefault(key, value)
            elif key not in merged:
                merged[key] = value
            elif merged[key] != value:
                return schema
    return merged


def _example(media: Mapping[str, Any], resolver: _Resolver) -> tuple[Any, bool]:
    if "example" in media:
        return copy.deepcopy(media["example"]), True
    examples = media.get("examples")
    if isinstance(examples, Mapping):
        for key in sorted(examples):
            ex = resolver.deref(examples[key])
            if "value" in ex:
                return copy.deepcopy(ex["value"]), True
    return None, False


def _pick_media(content: Mapping[str, Any]) -> tuple[tuple[str, ...], Mapping[str, Any]]:
    media_types = tuple(str(m) for m in content)
    for media in media_types:
        if is_json_media(media):
            return media_types, content[media] if isinstance(content[media], Mapping) else {}
    if media_types:
        first = content[media_types[0]]
        return media_types, first if isinstance(first, Mapping) else {}
    return (), {}


def base_path(document: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    servers = document.get("servers") or []
    urls: list[str] = []
    for server in servers:
        if not isinstance(server, Mapping) or not isinstance(server.get("url"), str):
            continue
        url = str(server["url"])
        for name, var in (server.get("variables") or {}).items():
            if isinstance(var, Mapping) and "default" in var:
                url = url.replace("{" + str(name) + "}", str(var["default"]))
        urls.append(url)
    if not urls:
        return "", ()
    path = urlsplit(urls[0]).path.rstrip("/")
    return ("" if "{" in path else path), tuple(urls)


def api_model(contract: Contract) -> ApiModel:
    """Read a ``rest_api`` contract's OpenAPI document.

    Raises :class:`InterfaceError` when the contract has no OpenAPI 3
    document (the quality gate reports the details)."""
    interface = contract.interface
    document = interface.document if interface is not None else None
    if not isinstance(document, Mapping) or not str(document.get("openapi", "")).startswith("3"):
        raise InterfaceError(
            f"contract {contract.id}: the offline backend needs an OpenAPI 3 document as the interface; "
            "found " + ("none" if document is None else type(document).__name__ if not isinstance(document, Mapping)
                        else f"openapi: {document.get('openapi', document.get('swagger', 'missing'))!r}")
            + "; write an OpenAPI 3.x document or let design generate one"
        )
    return _build(contract.id, document)


def _build(contract_id: str, document: Mapping[str, Any]) -> ApiModel:
    resolver = _Resolver(document)
    info = document.get("info") or {}
    paths: Mapping[str, Any] = document.get("paths") or {}
    global_security = _security_names(document.get("security"))
    raw_ops: list[tuple[str, str, Mapping[str, Any], tuple[Parameter, ...]]] = []
    for path, item_raw in paths.items():
        item = resolver.deref(item_raw)
        shared = [resolver.deref(p) for p in item.get("parameters") or []]
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, Mapping):
                continue
            params: dict[tuple[str, str], Parameter] = {}
            for raw in [*shared, *(resolver.deref(p) for p in op.get("parameters") or [])]:
                if "name" not in raw or "in" not in raw:
                    continue
                schema = raw.get("schema")
                if schema is None and isinstance(raw.get("content"), Mapping):
                    _, media = _pick_media(raw["content"])
                    schema = media.get("schema")
                param = Parameter(
                    name=str(raw["name"]),
                    location=str(raw["in"]),
                    required=bool(raw.get("required")) or raw.get("in") == "path",
                    schema=resolver.schema(schema),
                    description=str(raw.get("description") or "").strip(),
                    style=raw.get("style"),
                    explode=raw.get("explode"),
                )
                params[(param.location, param.name)] = param
            raw_ops.append((str(path), method.upper(), op, tuple(params.values())))

    parsed = [(path, method, op, params, *_body_and_responses(op, resolver)) for path, method, op, params in raw_ops]
    stored = {
        path for path, method, _, _, body, responses in parsed
        if method == "POST" and not _PARAM.match(path.rstrip("/").rsplit("/", 1)[-1])
        and _is_object(body[0]) and not _lists(responses, only_array=True)
    }
    collections = {item: head for item, head in _collections([str(p) for p in paths]).items() if head in stored}
    item_of: dict[str, str] = {}
    for item_path, collection in collections.items():
        item_of.setdefault(collection, item_path)

    taken: set[str] = set()
    operations: list[Operation] = []
    for path, method, op, op_params, body, responses in parsed:
        body_schema, body_required, body_media, body_example, has_body_example = body
        kind, resource = _classify(path, method, responses, collections, stored)
        operation_id = op.get("operationId")
        base = naming.js_ident(str(operation_id)) if operation_id else _default_name(method, path)
        operations.append(Operation(
            method=method,
            path=path,
            operation_id=str(operation_id) if operation_id else None,
            name=naming.unique(base, taken),
            summary=str(op.get("summary") or "").strip(),
            description=str(op.get("description") or "").strip(),
            tags=tuple(str(t) for t in op.get("tags") or ()),
            parameters=op_params,
            body_schema=body_schema,
            body_required=body_required,
            body_media_types=body_media,
            body_example=body_example,
            has_body_example=has_body_example,
            responses=tuple(responses),
            kind=kind,
            resource=resource,
            security=_security_names(op["security"]) if "security" in op else global_security,
            deprecated=bool(op.get("deprecated")),
        ))

    order = list(dict.fromkeys(op.resource for op in operations if op.resource is not None))
    resources = tuple(
        _resource(c, item_of.get(c), [op for op in operations if op.resource == c]) for c in order
    )
    components = document.get("components") or {}
    schemas = {
        str(name): resolver.schema({"$ref": "#/components/schemas/" + str(name).replace("~", "~0").replace("/", "~1")})
        for name in (components.get("schemas") or {})
    }
    base, servers = base_path(document)
    return ApiModel(
        contract_id=contract_id,
        title=str(info.get("title") or contract_id),
        version=str(info.get("version") or ""),
        description=str(info.get("description") or "").strip(),
        base_path=base,
        servers=servers,
        operations=tuple(operations),
        resources=resources,
        schemas=schemas,
        defs=dict(resolver.defs),
        security_schemes=dict(components.get("securitySchemes") or {}),
        global_security=global_security,
        document=document,
    )


BodyInfo = tuple[dict[str, Any] | None, bool, tuple[str, ...], Any, bool]


def _body_and_responses(op: Mapping[str, Any], resolver: _Resolver) -> tuple[BodyInfo, list[Response]]:
    body_schema: dict[str, Any] | None = None
    body_media: tuple[str, ...] = ()
    body_example: Any = None
    has_body_example = False
    body_required = False
    if "requestBody" in op:
        body = resolver.deref(op["requestBody"])
        body_required = bool(body.get("required"))
        body_media, media = _pick_media(body.get("content") or {})
        if "schema" in media:
            body_schema = resolver.schema(media["schema"])
        body_example, has_body_example = _example(media, resolver)
    responses: list[Response] = []
    for status, raw_response in (op.get("responses") or {}).items():
        response = resolver.deref(raw_response)
        media_types, media = _pick_media(response.get("content") or {})
        example, has_example = _example(media, resolver)
        headers = {
            str(name): {
                "required": bool(resolver.deref(h).get("required")),
                "schema": resolver.schema(resolver.deref(h).get("schema")),
                "description": str(resolver.deref(h).get("description") or ""),
            }
            for name, h in (response.get("headers") or {}).items()
        }
        responses.append(Response(
            status=str(status),
            description=str(response.get("description") or "").strip(),
            media_types=media_types,
            schema=resolver.schema(media["schema"]) if "schema" in media else None,
            example=example,
            has_example=has_example,
            headers=headers,
        ))
    return (body_schema, body_required, body_media, body_example, has_body_example), responses


def _security_names(requirements: Any) -> tuple[str, ...]:
    names: list[str] = []
    for req in requirements or ():
        if isinstance(req, Mapping):
            names.extend(str(k) for k in req)
    return tuple(dict.fromkeys(names))


def _collections(paths: Sequence[str]) -> dict[str, str]:
    """item path -> collection path, for paths ending in one parameter."""
    out: dict[str, str] = {}
    for path in paths:
        head, _, last = path.rstrip("/").rpartition("/")
        if not _PARAM.match(last) or not head:
            continue
        out[path] = head
    return out


def _classify(
    path: str,
    method: str,
    responses: Sequence[Response],
    collections: Mapping[str, str],
    collection_paths: set[str],
) -> tuple[str, str | None]:
    if path in collections:
        kind = {"GET": "read", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, "action")
        return kind, collections[path]
    if path in collection_paths:
        if method == "POST":
            return "create", path
        if method == "GET" and _lists(responses):
            return "list", path
    return "action", None


def _lists(responses: Sequence[Response], only_array: bool = False) -> bool:
    for r in responses:
        if not r.is_success:
            continue
        s = r.schema or {}
        if s.get("type") == "array":
            return True
        if not only_array and _is_object(s) and any(
            isinstance(p, Mapping) and p.get("type") == "array" for p in (s.get("properties") or {}).values()
        ):
            return True
    return False


def _default_name(method: str, path: str) -> str:
    parts: list[str] = []
    params: list[str] = []
    for segment in path.strip("/").split("/"):
        m = _PARAM.match(segment)
        if m:
            params.append(m.group(1))
        elif segment:
            parts.append(segment)
    text = " ".join([method.lower(), *parts])
    if params:
        text += " by " + " and ".join(params)
    return naming.js_ident(text, fallback=method.lower() + " root")


def _resource(collection: str, item_path: str | None, ops: Sequence[Operation]) -> Resource:
    by_kind = {op.kind: op for op in ops}
    id_param: str | None = None
    if item_path:
        m = _PARAM.match(item_path.rstrip("/").rsplit("/", 1)[1])
        id_param = m.group(1) if m else None
    item_schema: Mapping[str, Any] = {}
    for kind in ("read", "create", "update", "patch"):
        op = by_kind.get(kind)
        success = op.success if op else None
        if success is not None and _is_object(success.schema):
            item_schema = success.schema or {}
            break
    else:
        listing = by_kind.get("list")
        success = listing.success if listing else None
        s = (success.schema if success else None) or {}
        if s.get("type") == "array" and _is_object(s.get("items")):
            item_schema = s["items"]
        elif by_kind.get("create") and by_kind["create"].body_schema:
            item_schema = by_kind["create"].body_schema or {}
    props: Mapping[str, Any] = item_schema.get("properties") or {}
    id_prop: str | None = None
    if id_param and id_param in props:
        id_prop = id_param
    elif "id" in props:
        id_prop = "id"
    elif id_param:
        lowered = {k.lower(): k for k in props}
        id_prop = lowered.get(id_param.lower())
    id_schema: Mapping[str, Any] = {}
    for op in ops:
        for p in op.path_params:
            if p.name == id_param:
                id_schema = p.schema
    if not id_schema:
        id_schema = (props.get(id_prop) if id_prop else None) or {"type": "integer"}
    create = by_kind.get("create")
    input_schema = create.body_schema if create else None
    input_props = (input_schema or {}).get("properties") or {}
    id_from_body = bool(id_prop and id_prop in input_props and not (input_props[id_prop] or {}).get("readOnly"))
    update = by_kind.get("update") or by_kind.get("patch")
    segments = [s for s in collection.strip("/").split("/") if s and not _PARAM.match(s)]
    last = segments[-1] if segments else "item"
    singular = naming.singular(last)
    name = _name(item_schema) or naming.pascal(singular)
    parent_params = tuple(m.group(1) for s in collection.strip("/").split("/") if (m := _PARAM.match(s)))
    return Resource(
        collection_path=collection,
        item_path=item_path,
        id_param=id_param,
        id_prop=id_prop,
        id_schema=id_schema,
        id_from_body=id_from_body,
        parent_params=parent_params,
        item_schema=item_schema,
        input_schema=input_schema,
        update_schema=update.body_schema if update else None,
        name=name,
        singular=naming.snake(singular),
        plural=naming.snake(naming.plural(singular)),
        operations=by_kind,
    )
