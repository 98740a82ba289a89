"""Conformance of a live HTTP API to its OpenAPI document: one engine for
mocks and providers.

Stages: discover (create one resource per collection, remember its id) →
positive requests (every operation, values from
:mod:`teamspec.contracts.values`, path ids from created resources) →
negative requests (one schema violation at a time) → undeclared methods →
resource life cycle (create → read → delete → read). Requests are derived
deterministically from the document and bounded in number and time.

Check ids are Schemathesis's:

- ``not_a_server_error``: no 5xx.
- ``status_code_conformance``: the status of a valid request is declared.
- ``content_type_conformance``: ``Content-Type`` is a declared media type.
- ``response_schema_conformance``: JSON bodies validate against the schema.
- ``response_headers_conformance``: required headers present, values valid.
- ``negative_data_rejection``: invalid requests answer 4xx (400, 401, 403,
  404, 405, 406, 409, 415, 422, 428, 429).
- ``unsupported_method``: an undeclared method answers 405 with ``Allow``.
- ``use_after_free``: a deleted resource answers 404.
- ``ensure_resource_availability``: a created resource can be read.

Responses to invalid requests are checked for ``not_a_server_error`` and
``negative_data_rejection`` only (an API need not document every error
status). Connection failures are ``network_error`` findings. Each finding
carries the operation, the request, the status, the schema path and a curl
line that reproduces it.
"""

from __future__ import annotations

import http.client
import json
import shlex
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from teamspec.contracts.openapi_util import (
    Operation,
    RefError,
    as_map,
    dotted,
    iter_operations,
    jsonable,
    resolve,
)
from teamspec.contracts.schemaconv import Converter
from teamspec.contracts.values import ValueGenerator
from teamspec.model import Finding

CHECKS: tuple[str, ...] = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "unsupported_method",
    "use_after_free",
    "ensure_resource_availability",
)
NEGATIVE_EXPECTED: frozenset[int] = frozenset({400, 401, 403, 404, 405, 406, 409, 415, 422, 428, 429})
DEFAULT_MAX_REQUESTS = 500
DEFAULT_TIMEOUT_S = 60.0
_METHOD_PROBES = ("DELETE", "PATCH", "PUT", "POST", "GET")
_MAX_SCHEMA_ERRORS = 3


class _Stop(Exception):
    """The request budget or the time budget is spent."""


@dataclass
class Request:
    method: str
    path: str  # encoded, without the base URL
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def target(self) -> str:
        return self.path + ("?" + urlencode(self.query) if self.query else "")

    def url(self, base: str) -> str:
        return base.rstrip("/") + self.target()

    def curl(self, base: str) -> str:
        parts = ["curl", "-sS", "-i", "-X", self.method, shlex.quote(self.url(base))]
        for name, value in self.headers.items():
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.body is not None:
            parts += ["--data-binary", shlex.quote(self.body.decode("utf-8", "replace"))]
        return " ".join(parts)


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes


class _Client:
    """http.client over one keep-alive connection, bounded in requests and
    time; talks only to ``base_url``."""

    def __init__(self, base_url: str, max_requests: int, deadline: float) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http(s) base URL, found {base_url!r}")
        self.base = base_url.rstrip("/")
        self.prefix = parts.path.rstrip("/")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.max_requests = max_requests
        self.deadline = deadline
        self.sent = 0
        self.conn: http.client.HTTPConnection | None = None

    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        if self.conn is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            self.conn = cls(self.host, self.port, timeout=timeout)
        else:
            self.conn.timeout = timeout
            if self.conn.sock is not None:
                self.conn.sock.settimeout(timeout)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def send(self, req: Request) -> Response:
        """The response; raises :class:`_Stop` when a budget is spent and
        ``OSError``/``http.client.HTTPException`` on network failures."""
        remaining = self.deadline - time.monotonic()
        if self.sent >= self.max_requests or remaining <= 0:
            raise _Stop()
        self.sent += 1
        timeout = max(0.5, min(10.0, remaining))
        for attempt in (1, 2):
            conn = self._connect(timeout)
            try:
                conn.request(req.method, self.prefix + req.target(), body=req.body, headers=req.headers)
                raw = conn.getresponse()
                body = raw.read() if req.method != "HEAD" else b""
                headers: dict[str, str] = {}
                for name, value in raw.getheaders():
                    key = name.lower()
                    headers[key] = f"{headers[key]}, {value}" if key in headers else value
                if raw.will_close:
                    self.close()
                return Response(raw.status, headers, body)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
            except (OSError, http.client.HTTPException):
                self.close()
                raise
        raise AssertionError("unreachable")


def _is_json(media: str) -> bool:
    base = media.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def _media_matches(declared: str, received: str) -> bool:
    d_main, _, d_sub = declared.split(";")[0].strip().lower().partition("/")
    r_main, _, r_sub = received.split(";")[0].strip().lower().partition("/")
    return (d_main in ("*", r_main)) and (d_sub in ("*", r_sub))


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"))


class _Runner:
    def __init__(self, doc: dict[str, Any], base_url: str, checks: set[str], max_requests: int,
                 timeout_s: float, stateful: bool) -> None:
        self.doc = doc
        self.base = base_url.rstrip("/")
        self.checks = checks
        self.stateful = stateful
        self.conv = Converter(doc)
        self.gen = ValueGenerator(doc, self.conv)
        self.ops = list(iter_operations(doc))
        self.client = _Client(base_url, max_requests, time.monotonic() + timeout_s)
        self.findings: list[Finding] = []
        self._seen: set[tuple[Any, ...]] = set()
        self.known: dict[str, Any] = {}  # path parameter name -> id of a created resource
        self.unreachable = False

    # -- findings ------------------------------------------------------------------

    def add(self, check: str, message: str, op: Operation | None, req: Request | None,
            status: int | None = None, schema_path: str | None = None, *, label: str | None = None) -> None:
        if check not in self.checks and check not in ("network_error", "budget"):
            return
        operation = label if label is not None else (op.label if op is not None else None)
        key = (check, operation, status, message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.findings.append(Finding(
            check=check,
            message=message,
            severity="warning" if check == "budget" else "error",
            operation=operation,
            request=f"{req.method} {req.url(self.base)}" if req is not None else None,
            status=status,
            schema_path=schema_path,
            curl=req.curl(self.base) if req is not None else None,
        ))

    def send(self, req: Request, op: Operation | None, label: str | None = None) -> Response | None:
        if self.unreachable:
            return None
        try:
            return self.client.send(req)
        except _Stop:
            raise
        except (OSError, http.client.HTTPException) as exc:
            self.add("network_error", f"the request failed: {type(exc).__name__}: {exc}", op, req, label=label)
            if isinstance(exc, ConnectionRefusedError):
                self.unreachable = True
            return None

    # -- request building ------------------------------------------------------------------

    def resolve(self, obj: Any) -> Any:
        try:
            return resolve(self.doc, obj)
        except RefError:
            return {}

    def param_value(self, param: Any) -> Any:
        definition = param.definition
        if "example" in definition:
            return definition["example"]
        examples = definition.get("examples")
        if isinstance(examples, Mapping):
            for ex in examples.values():
                ex = self.resolve(ex)
                if isinstance(ex, Mapping) and "value" in ex:
                    return ex["value"]
        return self.gen.example(param.schema, "request")

    def build(self, op: Operation, *, overrides: Mapping[str, Any] | None = None,
              drop: str | None = None, body_override: bytes | str | None = "keep",
              content_type: str | None = None) -> Request:
        """A valid request for ``op`` (``overrides`` replace parameter values
        by name; ``drop`` leaves a parameter out)."""
        overrides = overrides or {}
        path = op.path
        query: list[tuple[str, str]] = []
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for p in op.parameters:
            if p.name == drop:
                continue
            if p.name in overrides:
                value = overrides[p.name]
            elif p.location == "path" and p.name in self.known:
                value = self.known[p.name]
            elif p.location == "path" or p.required:
                value = self.param_value(p)
            else:
                continue
            if p.location == "path":
                text = ",".join(_wire(v) for v in value) if isinstance(value, list) else _wire(value)
                path = path.replace("{" + p.name + "}", quote(text, safe=""))
            elif p.location == "query":
                if isinstance(value, list):
                    if p.explode:
                        query += [(p.name, _wire(v)) for v in value]
                    else:
                        query.append((p.name, ",".join(_wire(v) for v in value)))
                elif isinstance(value, dict):
                    if p.style == "deepObject":
                        query += [(f"{p.name}[{k}]", _wire(v)) for k, v in value.items()]
                    else:
                        query += [(str(k), _wire(v)) for k, v in value.items()]
                elif value is not None:
                    query.append((p.name, _wire(value)))
            elif p.location == "header":
                if p.name.lower() in ("accept", "content-type", "authorization"):
                    continue
                headers[p.name] = ",".join(_wire(v) for v in value) if isinstance(value, list) else _wire(value)
            elif p.location == "cookie":
                cookies.append(f"{p.name}={_wire(value)}")
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        body: bytes | None = None
        if body_override == "keep":
            media, payload = self.body_for(op)
            if media is not None:
                headers["Content-Type"] = media
                body = payload
        elif body_override is not None:
            assert isinstance(body_override, bytes)
            body = body_override
            headers["Content-Type"] = content_type or "application/json"
        return Request(op.method.upper(), path, query, headers, body)

    def request_body(self, op: Operation) -> tuple[str, Mapping[str, Any], bool] | None:
        raw = self.resolve(op.operation.get("requestBody"))
        if not isinstance(raw, Mapping) or not isinstance(raw.get("content"), Mapping) or not raw["content"]:
            return None
        content = {str(k): v for k, v in raw["content"].items()}
        order = sorted(content, key=lambda m: (0 if _is_json(m) else 1 if "form-urlencoded" in m else 2))
        media = order[0]
        obj = content[media] if isinstance(content[media], Mapping) else {}
        return media, obj, bool(raw.get("required", False))

    def body_value(self, obj: Mapping[str, Any]) -> Any:
        schema = obj.get("schema") if isinstance(obj.get("schema"), Mapping) else None
        candidates: list[Any] = []
        if isinstance(obj.get("examples"), Mapping):
            for ex in obj["examples"].values():
                ex = self.resolve(ex)
                if isinstance(ex, Mapping) and "value" in ex:
                    candidates.append(ex["value"])
        if "example" in obj:
            candidates.append(obj["example"])
        for value in candidates:
            if schema is None or self.conv.is_valid(value, schema, "request"):
                return value
        return self.gen.example(schema, "request") if schema is not None else {}

    def body_for(self, op: Operation) -> tuple[str | None, bytes | None]:
        found = self.request_body(op)
        if found is None:
            return None, None
        media, obj, _required = found
        value = self.body_value(obj)
        return media, encode_body(media, value)

    # -- checks on a response --------------------------------------------------------------

    def response_def(self, op: Operation, status: int) -> tuple[str | None, Mapping[str, Any]]:
        responses = op.responses()
        code = str(status)
        if code in responses:
            return code, self.resolve(responses[code]) or {}
        for key in responses:
            if key.upper() == code[0] + "XX":
                return key, self.resolve(responses[key]) or {}
        if "default" in responses:
            return "default", self.resolve(responses["default"]) or {}
        return None, {}

    def check_response(self, op: Operation, req: Request, resp: Response) -> None:
        if resp.status >= 500:
            snippet = resp.body[:200].decode("utf-8", "replace")
            self.add("not_a_server_error", f"{op.label} answered {resp.status} (a server error): {snippet}",
                     op, req, resp.status)
        key, definition = self.response_def(op, resp.status)
        base_path = (*op.pointer, "responses")
        if key is None:
            declared = ", ".join(op.responses()) or "none"
            self.add("status_code_conformance",
                     f"{op.label} answered {resp.status}, which the contract does not declare; declared: {declared}",
                     op, req, resp.status, dotted(base_path))
            return
        rpath = (*base_path, key)
        content = as_map(definition.get("content"))
        ctype = resp.headers.get("content-type")
        media_key: str | None = None
        if content:
            declared_media = [str(m) for m in content]
            if ctype is None:
                if resp.body or resp.status not in (204, 304):
                    self.add("content_type_conformance",
                             f"{op.label} answered {resp.status} without a Content-Type header; declared: "
                             f"{', '.join(declared_media)}", op, req, resp.status, dotted((*rpath, "content")))
            else:
                media_key = next((m for m in declared_media if _media_matches(m, ctype)), None)
                if media_key is None:
                    self.add("content_type_conformance",
                             f"{op.label} answered {resp.status} with Content-Type {ctype}, which is not declared; "
                             f"declared: {', '.join(declared_media)}", op, req, resp.status, dotted((*rpath, "content")))
        if media_key is not None and _is_json(ctype or "") and "response_schema_conformance" in self.checks:
            media = as_map(content[media_key])
            schema = media.get("schema")
            if isinstance(schema, Mapping):
                self.check_schema(op, req, resp, schema, (*rpath, "content", media_key, "schema"))
        if "response_headers_conformance" in self.checks:
            self.check_headers(op, req, resp, definition, rpath)

    def check_schema(self, op: Operation, req: Request, resp: Response, schema: Mapping[str, Any],
                     spath: tuple[str | int, ...]) -> None:
        try:
            value = json.loads(resp.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            snippet = resp.body[:120].decode("utf-8", "replace")
            self.add("response_schema_conformance", f"{op.label} answered {resp.status} with a body that is not "
                     f"valid JSON: {snippet!r}", op, req, resp.status, dotted(spath))
            return
        try:
            validator = self.conv.validator(schema, "response")
            errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
        except Exception as exc:  # an unusable schema is a finding, not a crash
            self.add("response_schema_conformance", f"cannot validate the body: {type(exc).__name__}: {exc}",
                     op, req, resp.status, dotted(spath))
            return
        for err in errors[:_MAX_SCHEMA_ERRORS]:
            at = "".join("/" + str(p) for p in err.absolute_path) or "/"
            message = err.message if len(err.message) <= 200 else err.message[:197] + "..."
            self.add("response_schema_conformance",
                     f"{op.label} answered {resp.status} with a body that does not match the schema: at {at}: "
                     f"{message}", op, req, resp.status, dotted(spath))

    def check_headers(self, op: Operation, req: Request, resp: Response, definition: Mapping[str, Any],
                      rpath: tuple[str | int, ...]) -> None:
        headers = definition.get("headers")
        if not isinstance(headers, Mapping):
            return
        for name, raw in headers.items():
            h = self.resolve(raw)
            if not isinstance(h, Mapping) or str(name).lower() == "content-type":
                continue
            hpath = dotted((*rpath, "headers", str(name)))
            value = resp.headers.get(str(name).lower())
            if value is None:
                if h.get("required") is True:
                    self.add("response_headers_conformance",
                             f"{op.label} answered {resp.status} without the required header {name}",
                             op, req, resp.status, hpath)
                continue
            schema = h.get("schema")
            if not isinstance(schema, Mapping):
                continue
            coerced = self.coerce_header(value, schema)
            if not self.conv.is_valid(coerced, schema, "response"):
                self.add("response_headers_conformance",
                         f"{op.label} answered {resp.status} with header {name}: {value!r}, which does not match "
                         "its schema", op, req, resp.status, hpath + ".schema")

    def coerce_header(self, value: str, schema: Mapping[str, Any]) -> Any:
        s = self.resolve(schema)
        t = s.get("type") if isinstance(s, Mapping) else None
        kind = t if isinstance(t, str) else next((x for x in t if x != "null"), None) if isinstance(t, list) else None
        try:
            if kind == "integer":
                return int(value)
            if kind == "number":
                return float(value) if "." in value or "e" in value.lower() else int(value)
        except ValueError:
            return value
        if kind == "boolean":
            return {"true": True, "false": False}.get(value, value)
        if kind == "array":
            return [v.strip() for v in value.split(",")]
        return value

    # -- stages --------------------------------------------------------------------------

    def resources(self) -> list[tuple[Operation, str, str, dict[str, Operation]]]:
        """(POST collection op, item template, id parameter, item ops by method)."""
        by_path: dict[str, dict[str, Operation]] = {}
        for op in self.ops:
            by_path.setdefault(op.path, {})[op.method.upper()] = op
        out: list[tuple[Operation, str, str, dict[str, Operation]]] = []
        for path, methods in by_path.items():
            post = methods.get("POST")
            if post is None:
                continue
            prefix = path.rstrip("/") + "/{"
            for item in by_path:
                rest = item[len(prefix):] if item.startswith(prefix) else ""
                if rest.endswith("}") and "/" not in rest and "{" not in rest:
                    out.append((post, item, rest[:-1], by_path[item]))
                    break
        out.sort(key=lambda r: r[0].path.count("/"))
        return out

    def created_id(self, resp: Response, id_param: str) -> Any:
        try:
            value = json.loads(resp.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            value = None
        if isinstance(value, dict):
            for name in (id_param, "id"):
                if name in value and isinstance(value[name], (int, str)):
                    return value[name]
            for name, v in value.items():
                if name.lower().endswith("id") and isinstance(v, (int, str)):
                    return v
        location = resp.headers.get("location")
        if location:
            return location.rstrip("/").rsplit("/", 1)[-1]
        return None

    def discover(self) -> None:
        for post, _item, id_param, _ops in self.resources():
            req = self.build(post)
            resp = self.send(req, post)
            if resp is None:
                continue
            self.check_response(post, req, resp)
            if 200 <= resp.status < 300:
                ident = self.created_id(resp, id_param)
                if ident is not None:
                    self.known[id_param] = ident

    def positive(self) -> None:
        ordered = sorted(self.ops, key=lambda o: 1 if o.method == "delete" else 0)
        for op in ordered:
            req = self.build(op)
            resp = self.send(req, op)
            if resp is not None:
                self.check_response(op, req, resp)

    def negative(self) -> None:
        for op in self.ops:
            for description, req in self.negative_requests(op)[:3]:
                resp = self.send(req, op)
                if resp is None:
                    continue
                if resp.status >= 500:
                    self.add("not_a_server_error", f"{op.label} answered {resp.status} (a server error) to an "
                             f"invalid request ({description})", op, req, resp.status)
                    continue
                if resp.status not in NEGATIVE_EXPECTED:
                    self.add("negative_data_rejection",
                             f"{op.label} accepted an invalid request ({description}): answered {resp.status}, "
                             "expected a 4xx client error", op, req, resp.status, dotted(op.pointer))

    def negative_requests(self, op: Operation) -> list[tuple[str, Request]]:
        out: list[tuple[str, Request]] = []
        for p in op.parameters:
            if p.location not in ("path", "query", "header"):
                continue
            if p.location == "header" and p.name.lower() in ("accept", "content-type", "authorization"):
                continue
            kind = self.scalar_kind(p.schema)
            if kind in ("integer", "number"):
                out.append((f"{p.location} parameter {p.name} is not a number",
                            self.build(op, overrides={p.name: "not-a-number"})))
            elif kind == "boolean":
                out.append((f"{p.location} parameter {p.name} is not a boolean",
                            self.build(op, overrides={p.name: "not-a-boolean"})))
            if p.required and p.location != "path":
                out.append((f"required {p.location} parameter {p.name} is missing", self.build(op, drop=p.name)))
        found = self.request_body(op)
        if found is not None:
            media, obj, required = found
            schema = obj.get("schema")
            if _is_json(media) and isinstance(schema, Mapping):
                out.extend(self.negative_bodies(op, media, obj, schema))
            if required:
                out.append(("the required request body is missing", self.build(op, body_override=None)))
        return out

    def negative_bodies(self, op: Operation, media: str, obj: Mapping[str, Any],
                        schema: Mapping[str, Any]) -> list[tuple[str, Request]]:
        out: list[tuple[str, Request]] = []
        valid = self.body_value(obj)
        merged = self.merged(schema)
        kind = self.scalar_kind(schema)
        if isinstance(valid, dict):
            props = as_map(merged.get("properties"))
            for name in merged.get("required", []) if isinstance(merged.get("required"), list) else []:
                sub = self.resolve(props.get(name, {}))
                if isinstance(sub, Mapping) and sub.get("readOnly") is True:
                    continue
                if name in valid:
                    broken = {k: v for k, v in valid.items() if k != name}
                    out.append((f"required property {name!r} is missing from the body",
                                self.build(op, body_override=json.dumps(broken).encode(), content_type=media)))
                    break
        if kind == "object":
            out.append(("the body is an array where the schema expects an object",
                        self.build(op, body_override=b"[]", content_type=media)))
        elif kind == "array":
            out.append(("the body is an object where the schema expects an array",
                        self.build(op, body_override=b"{}", content_type=media)))
        return out

    def merged(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        s = self.resolve(schema)
        if not isinstance(s, Mapping):
            return {}
        out: dict[str, Any] = {k: v for k, v in s.items() if k != "allOf"}
        if isinstance(s.get("allOf"), list) and depth < 8:
            for part in s["allOf"]:
                sub = self.merged(part, depth + 1)
                props = {**(sub.get("properties") or {}), **(out.get("properties") or {})}
                required = list(dict.fromkeys([*(out.get("required") or []), *(sub.get("required") or [])]))
                out = {**sub, **out}
                if props:
                    out["properties"] = props
                if required:
                    out["required"] = required
        return out

    def scalar_kind(self, schema: Any) -> str | None:
        """The one JSON type a schema admits (``None`` when several, a
        string among them, or unknown)."""
        s = self.merged(schema)
        t = s.get("type")
        if isinstance(t, str):
            return t
        if isinstance(t, list):
            types = [x for x in t if x != "null"]
            return types[0] if len(types) == 1 else None
        return None

    def unsupported(self) -> None:
        by_path: dict[str, dict[str, Operation]] = {}
        for op in self.ops:
            by_path.setdefault(op.path, {})[op.method.upper()] = op
        for path, methods in by_path.items():
            method = next((m for m in _METHOD_PROBES if m not in methods), None)
            if method is None:
                continue
            template = next(iter(methods.values()))
            req = self.build(template, body_override=None)
            req.method = method
            req.headers.pop("Content-Type", None)
            label = f"{method} {path}"
            resp = self.send(req, template, label=label)
            if resp is None:
                continue
            if resp.status != 405:
                if resp.status == 404 and "{" in path:
                    continue
                if resp.status in (401, 403) and ("security" in template.operation or "security" in self.doc):
                    continue
                if resp.status == 429:
                    continue
                self.add("unsupported_method", f"{method} {path} is not declared but answered {resp.status}; "
                         "expected 405 Method Not Allowed", template, req, resp.status, label=label)
            elif "allow" not in resp.headers:
                self.add("unsupported_method", f"{method} {path} answered 405 without the Allow header listing "
                         "the supported methods", template, req, resp.status, label=label)

    def lifecycle(self) -> None:
        for post, _item, id_param, item_ops in self.resources():
            get = item_ops.get("GET")
            if get is None:
                continue
            req = self.build(post)
            resp = self.send(req, post)
            if resp is None or not 200 <= resp.status < 300:
                continue
            ident = self.created_id(resp, id_param)
            if ident is None:
                continue
            read = self.build(get, overrides={id_param: ident})
            got = self.send(read, get)
            if got is None:
                continue
            if got.status == 404:
                self.add("ensure_resource_availability",
                         f"{get.label} answered 404 for the resource just created by {post.label} "
                         f"({id_param}={ident})", post, read, got.status, label=post.label)
                continue
            delete = item_ops.get("DELETE")
            if delete is None:
                continue
            dreq = self.build(delete, overrides={id_param: ident}, body_override=None)
            dresp = self.send(dreq, delete)
            if dresp is None or not 200 <= dresp.status < 300:
                continue
            again = self.send(read, get)
            if again is not None and 200 <= again.status < 400:
                self.add("use_after_free",
                         f"{get.label} answered {again.status} for the resource deleted by {delete.label} "
                         f"({id_param}={ident}); expected 404 Not Found", delete, read, again.status,
                         label=delete.label)

    def run(self) -> list[Finding]:
        try:
            if self.stateful:
                self.discover()
            self.positive()
            if "negative_data_rejection" in self.checks or "not_a_server_error" in self.checks:
                self.negative()
            if "unsupported_method" in self.checks:
                self.unsupported()
            if self.stateful and self.checks & {"use_after_free", "ensure_resource_availability"}:
                self.lifecycle()
        except _Stop:
            self.add("budget", f"conformance stopped after {self.client.sent} requests: the request or time "
                     "budget is spent; some operations were not checked", None, None)
        finally:
            self.client.close()
        return self.findings


def encode_body(media: str, value: Any) -> bytes:
    """A request body of ``media`` for a value."""
    base = media.split(";")[0].strip().lower()
    if _is_json(base) or base in ("*/*", "application/*"):
        return json.dumps(value, ensure_ascii=False).encode()
    if base == "application/x-www-form-urlencoded":
        pairs: list[tuple[str, str]] = []
        if isinstance(value, Mapping):
            for k, v in value.items():
                if isinstance(v, list):
                    pairs += [(str(k), _wire(x)) for x in v]
                elif v is not None:
                    pairs.append((str(k), _wire(v)))
        return urlencode(pairs).encode()
    if base == "multipart/form-data":
        boundary = "teamspec-boundary"
        chunks: list[str] = []
        for k, v in (value.items() if isinstance(value, Mapping) else []):
            chunks.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{_wire(v)}\r\n")
        chunks.append(f"--{boundary}--\r\n")
        return "".join(chunks).encode()
    return _wire(value).encode()


def run_checks(
    openapi: Mapping[str, Any],
    base_url: str,
    *,
    checks: Sequence[str] | None = None,
    max_requests: int = DEFAULT_MAX_REQUESTS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    stateful_hint: bool = True,
) -> list[Finding]:
    """Conformance findings of the API at ``base_url`` (an empty list when
    it conforms). ``checks`` selects check ids (default: all of
    :data:`CHECKS`); ``stateful_hint=False`` skips the checks that need a
    server that keeps state (``use_after_free``,
    ``ensure_resource_availability``) and the resource discovery.
    Raises ``ValueError`` for an unknown check id or a non-http URL."""
    selected = set(CHECKS if checks is None else checks)
    unknown = selected - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown conformance checks {sorted(unknown)}; known: {', '.join(CHECKS)}")
    doc: dict[str, Any] = jsonable(openapi)
    runner = _Runner(doc, base_url, selected, max_requests, timeout_s, stateful_hint)
    return runner.run()

