"""Serve a REST API described by an OpenAPI document from in-memory storage.

Standard library only: teamspec copies this file verbatim into the offline
backend of every ``rest_api`` contract, next to ``api_spec.py`` (the
contract's operations as data, generated from its OpenAPI document) and
``app.py`` (the entry point).

Behaviour, for any OpenAPI document:

* routes by path template (literal segments win over parameters) and
  method; an unknown path is 404, a known path with another method 405 with
  ``Allow``; ``OPTIONS`` answers CORS preflights with 204;
* validates path, query and header parameters and JSON request bodies
  against their schemas; a malformed or invalid request gets the
  operation's own 400/422 response (``application/problem+json`` when the
  document declares it), a missing resource 404;
* collections (a path with ``POST`` or with an item path below it) keep
  their items in memory: ``POST`` creates (201 + ``Location`` when
  declared), ``GET`` lists (``limit``/``offset`` and property filters),
  ``GET``/``PUT``/``PATCH``/``DELETE`` on the item path read, replace,
  merge and delete; other operations answer with their documented example
  or a value derived from the response schema;
* every response uses a declared status code, a declared media type and a
  body conformed to the declared schema.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import re
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from teamspec.offline.runtime import schema_check

MAX_BODY = 1_048_576
LINGER_SECONDS = 2.0
METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")
LIMIT_PARAMS = ("limit", "pagesize", "page_size", "per_page", "perpage", "size", "maxresults", "max_results", "count")
OFFSET_PARAMS = ("offset", "skip", "start")
CREATED_FIELDS = ("createdat", "created", "createdon", "creationdate", "datecreated", "createdtime")
UPDATED_FIELDS = ("updatedat", "updated", "updatedon", "modifiedat", "modified", "lastmodified", "lastupdated")
SUCCESS_PREFERENCE = {
    "create": (201, 200, 202, 204),
    "delete": (204, 200, 202),
    "update": (200, 204, 202, 201),
    "patch": (200, 204, 202),
}


class RequestProblem(Exception):
    """A request the API refuses: ``reason`` picks the status code."""

    def __init__(self, reason: str, detail: str, errors: Sequence[str] = ()) -> None:
        super().__init__(detail)
        self.reason = reason  # "malformed" | "invalid" | "not_found" | "unsupported"
        self.detail = detail
        self.errors = list(errors)


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


@dataclass(frozen=True)
class Route:
    template: str
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    operations: Mapping[str, Mapping[str, Any]]
    literal_length: int


def _route_pattern(template: str) -> tuple[re.Pattern[str], tuple[str, ...], int]:
    names: list[str] = []
    regex = ""
    literal = 0
    for piece in re.split(r"(\{[^{}/]+\})", template):
        if piece.startswith("{") and piece.endswith("}"):
            names.append(piece[1:-1])
            regex += "([^/]+)"
        else:
            literal += len(piece)
            regex += re.escape(quote(piece, safe="/:@!$&'()*+,;=-._~"))
    return re.compile(f"^{regex}$"), tuple(names), literal


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def is_json_media(media: str) -> bool:
    media = _media_type(media)
    return media in ("application/json", "*/*", "application/*") or media.endswith("+json")


def _now(fmt: str | None) -> str:
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    if fmt == "date":
        return now.date().isoformat()
    return now.isoformat().replace("+00:00", "Z")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def parse_json(body: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity, finite numbers, valid unicode."""
    try:
        text = body.decode("utf-8")
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:
        raise RequestProblem("malformed", f"The request body is not valid JSON: {exc}") from None
    if schema_check.has_surrogates(value):
        raise RequestProblem("malformed", "The request body holds invalid unicode text (a lone surrogate).")
    return value


class Store:
    """In-memory collections: collection key -> {item key -> item}."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.items: dict[str, dict[str, Any]] = {}
        self.counters: dict[str, int] = {}

    def collection(self, key: str) -> dict[str, Any]:
        return self.items.setdefault(key, {})

    def next_number(self, key: str, start: int) -> int:
        number = max(self.counters.get(key, start - 1) + 1, start)
        self.counters[key] = number
        return number


class Api:
    """The request handler logic, independent of the HTTP server."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        self.title = str(spec.get("title", "API"))
        self.base_path = str(spec.get("base_path") or "").rstrip("/")
        self.defs: Mapping[str, Any] = spec.get("defs") or {}
        self.resources: Mapping[str, Mapping[str, Any]] = spec.get("resources") or {}
        self.store = Store()
        grouped: dict[str, dict[str, Mapping[str, Any]]] = {}
        for op in spec.get("operations") or ():
            grouped.setdefault(str(op["path"]), {})[str(op["method"]).upper()] = op
        routes = []
        for template, ops in grouped.items():
            pattern, names, literal = _route_pattern(template)
            routes.append(Route(template, pattern, names, ops, literal))
        self.routes = sorted(routes, key=lambda r: (len(r.names), -r.literal_length, r.template))

    # ------------------------------------------------------------------ entry

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one request. ``headers`` keys are lower case."""
        method = method.upper()
        try:
            return self._handle(method, target, headers, body)
        except Exception as exc:  # a defect in this server: say so, keep serving
            return self._plain_problem(500, f"The server failed to handle the request ({type(exc).__name__}).")

    def _handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        parts = urlsplit(target)
        path = parts.path or "/"
        found = self._match(path)
        if found is None and self.base_path and (path == self.base_path or path.startswith(self.base_path + "/")):
            found = self._match(path[len(self.base_path):] or "/")
        if found is None:
            return self._plain_problem(404, f"No operation is declared for the path {path}.")
        route, raw_params = found
        allow = ", ".join(sorted(set(route.operations) | {"OPTIONS"}))
        head = method == "HEAD" and "HEAD" not in route.operations and "GET" in route.operations
        if method == "OPTIONS" and "OPTIONS" not in route.operations:
            requested = headers.get("access-control-request-headers") or "Content-Type, Accept, Authorization"
            return Reply(204, [
                ("Allow", allow),
                ("Access-Control-Allow-Methods", allow),
                ("Access-Control-Allow-Headers", requested),
                ("Access-Control-Max-Age", "600"),
            ])
        op = route.operations.get("GET" if head else method)
        if op is None:
            reply = self._plain_problem(405, f"{method} is not allowed on {route.template}; allowed: {allow}.")
            reply.headers.append(("Allow", allow))
            return reply
        try:
            reply = self._operation(op, route, raw_params, parts.query, headers, body)
        except RequestProblem as problem:
            reply = self._problem_reply(op, problem, path)
        if head:
            reply.headers.append(("X-Body-Length", str(len(reply.body))))
            reply.body = b""
        return reply

    def _match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        if path != "/" and path.endswith("/"):
            path = path[:-1]
        for route in self.routes:
            m = route.pattern.match(path)
            if m is None:
                continue
            try:
                values = [unquote(v, errors="strict") for v in m.groups()]
            except UnicodeDecodeError:
                continue
            return route, dict(zip(route.names, values, strict=True))
        return None

    # ------------------------------------------------------------------ params

    def _params(
        self, op: Mapping[str, Any], raw_path: Mapping[str, str], query: str, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        try:
            qs = parse_qs(query, keep_blank_values=True, max_num_fields=1000)
        except ValueError as exc:
            raise RequestProblem("malformed", f"The query string is malformed: {exc}") from None
        lenient = self._status(op, "invalid") is None
        values: dict[str, Any] = {}
        for param in op.get("parameters") or ():
            name, where = str(param["name"]), str(param["in"])
            schema = param.get("schema") or {}
            if where == "path":
                raw: list[str] | None = [raw_path[name]] if name in raw_path else None
            elif where == "query":
                raw = qs.get(name)
            elif where == "header":
                header = headers.get(name.lower())
                raw = None if header is None else [header]
            else:
                raw = None if not param.get("required") else self._cookie(headers, name)
            if raw is None:
                if param.get("required"):
                    if where == "path":
                        raise RequestProblem("not_found", f"The path parameter {name} is missing.")
                    raise RequestProblem("invalid", f"The {where} parameter {name!r} is required.")
                continue
            try:
                value = self._coerce(raw, schema, param)
            except ValueError as exc:
                problem = f"The {where} parameter {name!r} is invalid: {exc}"
                if where == "path":
                    raise RequestProblem("not_found", problem) from None
                if lenient and not param.get("required"):
                    continue
                raise RequestProblem("invalid", problem) from None
            errors = schema_check.validate(value, schema, self.defs, "request", f"/{where}/{name}")
            if errors:
                if where == "path":
                    raise RequestProblem("not_found", f"No resource matches {name}={raw[0]!r}.", errors)
                if lenient and not param.get("required"):
                    continue
                raise RequestProblem("invalid", f"The {where} parameter {name!r} is invalid.", errors)
            values[name] = value
        return values

    @staticmethod
    def _cookie(headers: Mapping[str, str], name: str) -> list[str] | None:
        for part in (headers.get("cookie") or "").split(";"):
            key, sep, value = part.strip().partition("=")
            if sep and key == name:
                return [value]
        return None

    def _coerce(self, raw: list[str], schema: Mapping[str, Any], param: Mapping[str, Any]) -> Any:
        s = schema_check.resolve(schema, self.defs)
        kind = self._kind(s)
        if kind == "array":
            explode = param.get("explode", param.get("style", "form") == "form")
            pieces = raw if explode else [p for r in raw for p in r.split(",")]
            item_schema = schema_check.resolve(s.get("items") or {}, self.defs)
            return [self._scalar(p, self._kind(item_schema)) for p in pieces]
        if kind == "object":
            return raw[0]
        return self._scalar(raw[0], kind)

    @staticmethod
    def _kind(s: Mapping[str, Any]) -> str:
        declared = s.get("type")
        if isinstance(declared, list):
            declared = next((t for t in declared if t != "null"), "string")
        if declared is None and s.get("enum"):
            first = s["enum"][0]
            return schema_check.json_type(first)
        return str(declared or "string")

    @staticmethod
    def _scalar(text: str, kind: str) -> Any:
        if kind == "integer":
            if not re.fullmatch(r"[+-]?\d{1,19}", text):
                raise ValueError(f"expected an integer, found {text[:40]!r}")
            return int(text)
        if kind == "number":
            if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
                raise ValueError(f"expected a number, found {text[:40]!r}")
            return _finite_float(text) if re.search(r"[.eE]", text) else int(text)
        if kind == "boolean":
            if text not in ("true", "false"):
                raise ValueError(f"expected true or false, found {text[:40]!r}")
            return text == "true"
        if kind == "null":
            if text not in ("", "null"):
                raise ValueError(f"expected null, found {text[:40]!r}")
            return None
        return text

    # ------------------------------------------------------------------ body

    def _body(self, op: Mapping[str, Any], headers: Mapping[str, str], body: bytes) -> Any:
        spec = op.get("body")
        if not spec:
            return None
        media = _media_type(headers.get("content-type"))
        declared = [_media_type(m) for m in spec.get("media_types") or ()]
        if not body:
            if spec.get("required"):
                raise RequestProblem("invalid", "A request body is required.")
            return None
        json_declared = any(is_json_media(m) for m in declared) or not declared
        if not media or (is_json_media(media) and json_declared):
            if not json_declared:
                return None
            value = parse_json(body)
        elif media == "application/x-www-form-urlencoded" and media in declared:
            value = self._form(body, spec.get("schema") or {})
        elif media in declared or any(m.endswith("/*") and media.startswith(m[:-1]) for m in declared):
            return None  # a declared non-JSON media type: accepted as is
        else:
            raise RequestProblem("unsupported", f"Content-Type {media} is not accepted here; expected one of: {', '.join(declared)}.")
        schema = spec.get("schema")
        if schema:
            errors = schema_check.validate(value, schema, self.defs, "request", "")
            if errors:
                raise RequestProblem("invalid", "The request body does not match the schema.", errors)
        return value

    def _form(self, body: bytes, schema: Mapping[str, Any]) -> dict[str, Any]:
        try:
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=1000)
        except (UnicodeDecodeError, ValueError) as exc:
            raise RequestProblem("malformed", f"The form body is malformed: {exc}") from None
        props = schema_check.resolve(schema, self.defs).get("properties") or {}
        out: dict[str, Any] = {}
        for name, raw in fields.items():
            prop = schema_check.resolve(props.get(name) or {}, self.defs)
            try:
                out[name] = self._coerce(raw, prop, {"style": "form", "explode": True})
            except ValueError as exc:
                raise RequestProblem("invalid", f"The form field {name!r} is invalid: {exc}") from None
        return out

    # ------------------------------------------------------------------ operations

    def _operation(
        self,
        op: Mapping[str, Any],
        route: Route,
        raw_params: Mapping[str, str],
        query: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> Reply:
        params = self._params(op, raw_params, query, headers)
        value = self._body(op, headers, body)
        kind = str(op.get("kind") or "action")
        resource = self.resources.get(str(op.get("resource") or ""))
        if resource is None or kind == "action":
            return self._action(op)
        with self.store.lock:
            if kind == "list":
                return self._list(op, resource, params)
            if kind == "create":
                return self._create(op, resource, params, value)
            key, items = self._locate(resource, params)
            current = items.get(key)
            if current is None:
                id_name = resource.get("id_param")
                raise RequestProblem("not_found", f"No {resource.get('label', 'item')} with {id_name}={params.get(str(id_name))!r} exists.")
            if kind == "read":
                return self._reply(op, self._success(op, "read"), current)
            if kind == "delete":
                del items[key]
                return self._reply(op, self._success(op, "delete"), current)
            updated = self._updated(resource, current, value if isinstance(value, dict) else {}, kind == "patch")
            items[key] = updated
            return self._reply(op, self._success(op, kind), updated)

    def _collection_key(self, resource: Mapping[str, Any], params: Mapping[str, Any]) -> str:
        parents = [params.get(name) for name in resource.get("parent_params") or ()]
        return f"{resource['collection_path']}|{json.dumps(parents, sort_keys=True)}"

    def _locate(self, resource: Mapping[str, Any], params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        items = self.store.collection(self._collection_key(resource, params))
        return self._item_key(params.get(str(resource.get("id_param")))), items

    @staticmethod
    def _item_key(value: Any) -> str:
        """Store key of an id: ``7`` and ``"7"`` are the same item (a path
        parameter may be typed differently from the id property)."""
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            return str(value)
        return json.dumps(value, sort_keys=True)

    def _list(self, op: Mapping[str, Any], resource: Mapping[str, Any], params: Mapping[str, Any]) -> Reply:
        items = list(self.store.collection(self._collection_key(resource, params)).values())
        item_schema = schema_check.resolve(resource.get("item_schema") or {}, self.defs)
        props = item_schema.get("properties") or {}
        limit: int | None = None
        offset = 0
        for name, value in params.items():
            low = name.lower()
            if low in LIMIT_PARAMS and isinstance(value, int) and not isinstance(value, bool):
                limit = max(value, 0)
            elif low in OFFSET_PARAMS and isinstance(value, int) and not isinstance(value, bool):
                offset = max(value, 0)
            elif name in props or (name.endswith("s") and name[:-1] in props):
                prop = name if name in props else name[:-1]
                items = [i for i in items if self._matches(i.get(prop), value)]
        page = items[offset:] if limit is None else items[offset: offset + limit]
        status = self._success(op, "list")
        schema = self._response_schema(op, status)
        body: Any = page
        s = schema_check.resolve(schema, self.defs)
        if s and Api._kind(s) == "object":
            body = self._wrap(s, page, len(items))
        return self._reply(op, status, body)

    @staticmethod
    def _matches(actual: Any, wanted: Any) -> bool:
        if isinstance(wanted, list):
            if isinstance(actual, list):
                return bool(set(map(Api._item_key, actual)) & set(map(Api._item_key, wanted)))
            return Api._item_key(actual) in set(map(Api._item_key, wanted))
        if isinstance(actual, list):
            return Api._item_key(wanted) in set(map(Api._item_key, actual))
        return Api._item_key(actual) == Api._item_key(wanted)

    def _wrap(self, schema: Mapping[str, Any], page: list[Any], total: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, prop in (schema.get("properties") or {}).items():
            p = schema_check.resolve(prop, self.defs)
            if Api._kind(p) == "array" and not any(isinstance(v, list) for v in out.values()):
                out[name] = page
            elif Api._kind(p) == "integer" and name.lower() in ("total", "count", "totalcount", "total_count", "size", "totalitems", "total_items"):
                out[name] = total
        return out

    def _create(self, op: Mapping[str, Any], resource: Mapping[str, Any], params: Mapping[str, Any], value: Any) -> Reply:
        collection_key = self._collection_key(resource, params)
        items = self.store.collection(collection_key)
        item: dict[str, Any] = dict(value) if isinstance(value, dict) else {}
        id_prop = resource.get("id_prop")
        if resource.get("id_from_body") and id_prop and item.get(str(id_prop)) is not None:
            new_id = item[str(id_prop)]
        else:
            new_id = self._new_id(resource, collection_key, items)
        if id_prop:
            item[str(id_prop)] = new_id
        self._stamp(resource, item, created=True)
        self._complete(resource, item)
        items[self._item_key(new_id)] = item
        extra: list[tuple[str, str]] = []
        item_path = resource.get("item_path")
        if item_path and resource.get("id_param"):
            location = str(item_path).replace("{" + str(resource["id_param"]) + "}", quote(str(new_id), safe=""))
            for name in resource.get("parent_params") or ():
                location = location.replace("{" + str(name) + "}", quote(str(params.get(name)), safe=""))
            extra.append(("Location", self.base_path + location))
        return self._reply(op, self._success(op, "create"), item, extra)

    def _new_id(self, resource: Mapping[str, Any], collection_key: str, items: Mapping[str, Any]) -> Any:
        s = schema_check.resolve(resource.get("id_schema") or {"type": "integer"}, self.defs)
        kind = Api._kind(s)
        if kind == "string" and s.get("format") == "uuid":
            return str(uuid.uuid4())
        start = 1
        minimum, exclusive = s.get("minimum"), s.get("exclusiveMinimum")
        if isinstance(minimum, (int, float)) and not isinstance(minimum, bool):
            start = max(start, math.floor(minimum) + 1 if exclusive is True else math.ceil(minimum))
        if isinstance(exclusive, (int, float)) and not isinstance(exclusive, bool):
            start = max(start, math.floor(exclusive) + 1)
        while True:
            number = self.store.next_number(collection_key, int(start))
            candidate: Any = number if kind in ("integer", "number") else str(number)
            if self._item_key(candidate) not in items:
                return candidate

    def _stamp(self, resource: Mapping[str, Any], item: dict[str, Any], created: bool) -> None:
        item_schema = schema_check.resolve(resource.get("item_schema") or {}, self.defs)
        for name, prop in (item_schema.get("properties") or {}).items():
            p = schema_check.resolve(prop, self.defs)
            fmt = p.get("format")
            if fmt not in ("date-time", "date"):
                continue
            low = name.lower().replace("_", "")
            if (created and low in CREATED_FIELDS and name not in item) or low in UPDATED_FIELDS:
                item[name] = _now(str(fmt))

    def _updated(self, resource: Mapping[str, Any], current: dict[str, Any], value: dict[str, Any], merge: bool) -> dict[str, Any]:
        item_schema = schema_check.resolve(resource.get("item_schema") or {}, self.defs)
        props = item_schema.get("properties") or {}
        if merge:
            new = dict(current)
            for key, val in value.items():
                if val is None and not schema_check.resolve(props.get(key) or {}, self.defs).get("nullable"):
                    new.pop(key, None)
                else:
                    new[key] = val
        else:
            new = dict(value)
            for key, val in current.items():
                if key in new:
                    continue
                prop = schema_check.resolve(props.get(key) or {}, self.defs)
                low = key.lower().replace("_", "")
                if prop.get("readOnly") or low in CREATED_FIELDS or key == resource.get("id_prop"):
                    new[key] = val
        id_prop = resource.get("id_prop")
        if id_prop and id_prop in current:
            new[str(id_prop)] = current[str(id_prop)]
        self._stamp(resource, new, created=False)
        self._complete(resource, new)
        return new

    def _complete(self, resource: Mapping[str, Any], item: dict[str, Any]) -> None:
        """Fill properties the item schema requires or defaults, so stored
        items answer filters the way they are shown."""
        item_schema = schema_check.resolve(resource.get("item_schema") or {}, self.defs)
        required = set(item_schema.get("required") or ())
        for name, prop in (item_schema.get("properties") or {}).items():
            if name in item:
                continue
            p = schema_check.resolve(prop, self.defs)
            if "default" in p and not schema_check.validate(p["default"], p, self.defs, "response"):
                item[name] = p["default"]
            elif name in required and p.get("writeOnly") is not True:
                item[name] = schema_check.sample(p, self.defs, "response")

    def _action(self, op: Mapping[str, Any]) -> Reply:
        status = self._success(op, "action")
        response = self._response(op, status) or {}
        if "example" in response:
            return self._reply(op, status, response["example"])
        schema = response.get("schema")
        return self._reply(op, status, schema_check.sample(schema, self.defs, "response") if schema else None)

    # ------------------------------------------------------------------ replies

    @staticmethod
    def _response(op: Mapping[str, Any], status: int) -> Mapping[str, Any] | None:
        responses: Mapping[str, Any] = op.get("responses") or {}
        for key in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
            if key in responses:
                found: Mapping[str, Any] = responses[key]
                return found
        return None

    def _response_schema(self, op: Mapping[str, Any], status: int) -> Any:
        response = self._response(op, status) or {}
        return response.get("schema")

    @staticmethod
    def _success(op: Mapping[str, Any], kind: str) -> int:
        responses: Mapping[str, Any] = op.get("responses") or {}
        preference = SUCCESS_PREFERENCE.get(kind) or ((201, 200, 202, 204) if str(op.get("method")).upper() == "POST" else (200, 201, 202, 204))
        for status in preference:
            if str(status) in responses:
                return status
        declared = sorted(int(k) for k in responses if k.isdigit() and 200 <= int(k) < 300)
        if declared:
            return declared[0]
        return preference[0]

    @staticmethod
    def _status(op: Mapping[str, Any], reason: str) -> int | None:
        """The status for a refused request, ``None`` when nothing fits it."""
        declared = set((op.get("responses") or {}).keys())
        wildcard = "4XX" in declared or "4xx" in declared or "default" in declared
        if reason == "not_found":
            return 404 if "404" in declared or wildcard else None
        if reason == "unsupported" and "415" in declared:
            return 415
        order = ("400", "422") if reason in ("malformed", "unsupported") else ("422", "400")
        for status in order:
            if status in declared:
                return int(status)
        if wildcard:
            return 400 if reason in ("malformed", "unsupported") else 422
        return None

    def _problem_reply(self, op: Mapping[str, Any], problem: RequestProblem, path: str) -> Reply:
        fallback = {"not_found": 404, "unsupported": 415, "invalid": 400, "malformed": 400}[problem.reason]
        status = self._status(op, problem.reason) or fallback
        return self._reply(op, status, self._problem_value(status, problem.detail, path, problem.errors), error=True)

    @staticmethod
    def _problem_value(status: int, detail: str, path: str, errors: Sequence[str]) -> dict[str, Any]:
        title = HTTPStatus(status).phrase
        value: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": path}
        if errors:
            value["errors"] = [
                {"path": e.split(": ", 1)[0], "message": e.split(": ", 1)[-1]} for e in errors[:20]
            ]
        return value

    def _plain_problem(self, status: int, detail: str) -> Reply:
        body = json.dumps(
            {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
        ).encode()
        return Reply(status, [("Content-Type", "application/problem+json")], body)

    def _reply(
        self,
        op: Mapping[str, Any],
        status: int,
        value: Any,
        extra_headers: Sequence[tuple[str, str]] = (),
        error: bool = False,
    ) -> Reply:
        response = self._response(op, status)
        headers = list(extra_headers)
        if response is None:
            if status == 204 or (value is None and not error):
                return Reply(status, headers)
            body = json.dumps(value, allow_nan=False, ensure_ascii=False).encode()
            headers.append(("Content-Type", "application/problem+json" if error else "application/json"))
            return Reply(status, headers, body)
        present = {name.lower() for name, _ in headers}
        for name, header in (response.get("headers") or {}).items():
            if name.lower() in present or name.lower() == "content-type":
                continue
            sample = schema_check.sample((header or {}).get("schema") or {"type": "string"}, self.defs, "response")
            text = sample if isinstance(sample, str) else json.dumps(sample)
            if isinstance(sample, list):
                text = ",".join(str(v) for v in sample)
            headers.append((str(name), text))
        if status in (204, 304):
            return Reply(status, headers)
        media_types = [str(m) for m in response.get("media_types") or ()]
        if not media_types:
            return Reply(status, headers)
        media = self._pick_media(media_types, error)
        schema = response.get("schema")
        if error and schema:
            value = self._error_shape(value, schema)
        if schema:
            value = schema_check.conform(value, schema, self.defs, "response")
        if not is_json_media(media) and isinstance(value, str):
            body = value.encode()
        else:
            body = json.dumps(value, allow_nan=False, ensure_ascii=False).encode()
        content_type = "application/json" if media in ("*/*", "application/*") else media
        headers.append(("Content-Type", content_type))
        return Reply(status, headers, body)

    @staticmethod
    def _pick_media(media_types: Sequence[str], error: bool) -> str:
        if error and "application/problem+json" in media_types:
            return "application/problem+json"
        for media in media_types:
            if is_json_media(media):
                return media
        return media_types[0]

    def _error_shape(self, problem: Any, schema: Any) -> Any:
        """Fit a problem document to the declared error schema: keep the
        fields it declares, with the usual aliases (code, message, error)."""
        s = schema_check.resolve(schema, self.defs)
        props = s.get("properties")
        if not isinstance(problem, dict) or not props:
            return problem
        aliases = {
            "code": problem.get("status"),
            "message": problem.get("detail"),
            "error": problem.get("title"),
            "validation": problem.get("errors"),
        }
        out = {k: v for k, v in problem.items() if k in props}
        for name, value in aliases.items():
            if name in props and name not in out and value is not None:
                out[name] = value
        return out


# ---------------------------------------------------------------------- HTTP


def make_handler(api: Api, quiet: bool = True) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "teamspec-offline/1"

        def _dispatch(self) -> None:
            try:
                body = self._read_body()
            except RequestProblem as problem:
                self.close_connection = True
                status = 413 if problem.reason == "too_large" else 400
                self._send(api._plain_problem(status, problem.detail))
                self._linger()
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._send(api.handle(self.command, self.path, headers, body))

        def _read_body(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                return self._read_chunked()
            length = self.headers.get("Content-Length")
            if length is None:
                return b""
            if not length.strip().isdigit():
                raise RequestProblem("malformed", f"Content-Length {length[:20]!r} is not a number.")
            size = int(length)
            if size > MAX_BODY:
                raise RequestProblem("too_large", f"The request body is larger than {MAX_BODY} bytes.")
            return self.rfile.read(size)

        def _read_chunked(self) -> bytes:
            data = b""
            while True:
                line = self.rfile.readline(1024).split(b";", 1)[0].strip()
                try:
                    size = int(line, 16)
                except ValueError:
                    raise RequestProblem("malformed", "Malformed chunked request body.") from None
                if size == 0:
                    while self.rfile.readline(1024).strip():
                        pass
                    return data
                if len(data) + size > MAX_BODY:
                    raise RequestProblem("too_large", f"The request body is larger than {MAX_BODY} bytes.")
                data += self.rfile.read(size)
                self.rfile.readline(1024)

        def _linger(self) -> None:
            # Refused before its body was read: send the answer, shut our side
            # and drop what the client still sends for a moment. Closing at
            # once would reset the connection under a client that is still
            # writing, and it would see a broken pipe instead of the answer.
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_WR)
                self.connection.settimeout(LINGER_SECONDS)
                deadline = time.monotonic() + LINGER_SECONDS
                while time.monotonic() < deadline and self.connection.recv(65536):
                    pass
            except OSError:
                pass

        def _send(self, reply: Reply) -> None:
            self.send_response(reply.status)
            names = {name.lower() for name, _ in reply.headers}
            declared_length = None
            for name, value in reply.headers:
                if name == "X-Body-Length":
                    declared_length = value
                    continue
                self.send_header(name, value)
            if "access-control-allow-origin" not in names:
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Expose-Headers", "Location")
            self.send_header("Content-Length", declared_length or str(len(reply.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if reply.body:
                self.wfile.write(reply.body)

        def __getattr__(self, name: str) -> Any:
            # any other method token (QUERY, PROPFIND, ...) is routed too: 405 with Allow
            if name.startswith("do_"):
                return self._dispatch
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            if not quiet:
                super().log_message(format, *args)

    for method in METHODS:
        setattr(Handler, f"do_{method}", Handler._dispatch)
    return Handler


def main(spec: Mapping[str, Any], argv: Sequence[str] | None = None) -> int:
    """Command line: ``python app.py [--host 127.0.0.1] [--port 8000] [--verbose]``."""
    parser = argparse.ArgumentParser(description=f"Serve {spec.get('title', 'the API')} from in-memory storage.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 picks a free one)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    api = Api(spec)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(api, quiet=not args.verbose))
    server.daemon_threads = True

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    host, port = server.server_address[:2]
    print(f"Serving {api.title} on http://{host!s}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":  # pragma: no cover - the generated app.py is the entry point
    sys.exit(main({"title": "empty API", "operations": []}))
