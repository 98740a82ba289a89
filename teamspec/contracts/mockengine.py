"""How a mock answers one request, from a mock table
(:mod:`teamspec.contracts.mocktable`). Pure logic (plus the store of
``--stateful``): the HTTP server in :mod:`teamspec.contracts.mockserver`
feeds it parsed requests. ``mock_server.js`` implements the same steps in
the same order:

route → CORS/OPTIONS → 405 → validate (415/422) → stateful CRUD →
``Prefer`` / success response → content negotiation (406) → reply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, unquote

from teamspec.contracts.mocktable import dumps, status_for_key
from teamspec.contracts.schemaconv import instance_errors

REASONS: dict[int, str] = {
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content",
    206: "Partial Content", 300: "Multiple Choices", 301: "Moved Permanently", 302: "Found",
    303: "See Other", 304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict", 410: "Gone",
    412: "Precondition Failed", 413: "Content Too Large", 415: "Unsupported Media Type",
    422: "Unprocessable Content", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
}
PROBLEM = "application/problem+json"
CORS_HEADERS: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "*"),
)
_INT_RE = re.compile(r"^-?[0-9]+$")
_NUM_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$")


def reason(status: int) -> str:
    return REASONS.get(status, "Unknown")


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def problem(status: int, detail: str, extra: Mapping[str, Any] | None = None,
            headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    body: dict[str, Any] = {"type": "about:blank", "title": reason(status), "status": status, "detail": detail}
    if extra:
        body.update(extra)
    return Reply(status, (("Content-Type", PROBLEM), *headers), dumps(body).encode())


def coerce(value: str, hint: Any) -> Any:
    """A wire string read as the schema's type (unchanged when it does not
    parse; validation then reports it)."""
    if hint == "integer":
        return int(value) if _INT_RE.match(value) else value
    if hint == "number":
        if _INT_RE.match(value):
            return int(value)
        return float(value) if _NUM_RE.match(value) else value
    if hint == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


def _split(value: str, style: str) -> list[str]:
    sep = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
    return value.split(sep)


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the ``Accept`` header prefers (first offered
    when there is no header), ``None`` when none is acceptable."""
    if not offered:
        return None
    if accept is None or accept.strip() == "":
        return offered[0]
    ranges: list[tuple[str, str, float]] = []
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue
        q = 1.0
        for param in pieces[1:]:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        main, sub = media.split("/", 1)
        ranges.append((main, sub, q))
    best: str | None = None
    best_q = 0.0
    for media in offered:
        main, _, sub = media.split(";")[0].strip().lower().partition("/")
        found: tuple[int, float] | None = None
        for r_main, r_sub, q in ranges:
            if r_main == "*" and r_sub == "*":
                spec = 0
            elif r_main == main and r_sub == "*":
                spec = 1
            elif r_main == main and r_sub == sub:
                spec = 2
            else:
                continue
            if found is None or spec > found[0]:
                found = (spec, q)
        if found is not None and found[1] > best_q:
            best, best_q = media, found[1]
    return best


def parse_prefer(header: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if not header:
        return out
    for token in re.split(r"[,;]", header):
        key, sep, value = token.strip().partition("=")
        if sep:
            out[key.strip().lower()] = value.strip().strip('"')
    return out


class MockEngine:
    """Answers requests from a mock table."""

    def __init__(self, table: Mapping[str, Any], *, stateful: bool = False) -> None:
        from teamspec.contracts.schemaconv import make_validator

        self.table = table
        self.stateful = stateful
        defs = table.get("defs", {})
        self.routes: list[tuple[re.Pattern[str], str, dict[str, dict[str, Any]]]] = []
        index: dict[str, dict[str, dict[str, Any]]] = {}
        self._validators: dict[int, Any] = {}

        def validator(schema: Any) -> Any:
            doc = schema if isinstance(schema, bool) else {**schema, "$defs": defs}
            return make_validator(doc)

        for op in table["operations"]:
            methods = index.get(op["path"])
            if methods is None:
                methods = {}
                index[op["path"]] = methods
                self.routes.append((re.compile(op["regex"]), op["path"], methods))
            methods[op["method"]] = op
            for p in op["params"]:
                self._validators[id(p)] = validator(p["schema"])
            if op["body"] is not None:
                for media in op["body"]["content"]:
                    if media["schema"] is not None:
                        self._validators[id(media)] = validator(media["schema"])
        self.store: dict[str, dict[str, dict[str, Any]]] = {}
        self.counter = 0

    # -- entry point --------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """``headers`` with lower-case names."""
        reply = self._handle(method.upper(), target, headers, body)
        return Reply(reply.status, (*reply.headers, *CORS_HEADERS), reply.body)

    def _handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        raw_path, _, query = target.partition("?")
        raw_path = raw_path.split("#", 1)[0]
        match = None
        methods: dict[str, dict[str, Any]] = {}
        route = ""
        for regex, template, ops in self.routes:
            match = regex.match(raw_path)
            if match is not None:
                methods, route = ops, template
                break
        if match is None:
            return problem(404, f"no operation of the contract matches the path {raw_path}")
        allow = list(methods)
        if "GET" in methods and "HEAD" not in methods:
            allow.append("HEAD")
        if "OPTIONS" not in methods:
            allow.append("OPTIONS")
        allow_text = ", ".join(allow)
        if method == "OPTIONS" and "OPTIONS" not in methods:
            if "access-control-request-method" in headers:
                return Reply(204, (
                    ("Access-Control-Allow-Methods", allow_text),
                    ("Access-Control-Allow-Headers", headers.get("access-control-request-headers") or "*"),
                    ("Access-Control-Max-Age", "86400"),
                ), b"")
            return Reply(204, (("Allow", allow_text),), b"")
        head = method == "HEAD" and "HEAD" not in methods
        op = methods.get("GET" if head else method)
        if op is None:
            return problem(405, f"{method} is not declared for {route}; allowed: {allow_text}",
                           headers=(("Allow", allow_text),))
        reply = self._operation(op, match, query, headers, body)
        return Reply(reply.status, reply.headers, b"") if head else reply

    # -- one operation ---------------------------------------------------------------

    def _operation(self, op: dict[str, Any], match: re.Match[str], query: str, headers: Mapping[str, str],
                   body: bytes) -> Reply:
        path_values = {name: unquote(match.group(i + 1)) for i, name in enumerate(op["path_params"])}
        errors, parsed_body, unsupported = self._validate(op, path_values, query, headers, body)
        if unsupported is not None:
            return problem(415, unsupported)
        accept = headers.get("accept")
        if errors:
            return self._validation_reply(op, errors, accept)
        prefer = parse_prefer(headers.get("prefer"))
        if self.stateful and op["resource"] is not None and "code" not in prefer:
            raw_path = match.string
            reply = self._stateful(op, raw_path, path_values, parsed_body, accept)
            if reply is not None:
                return reply
        key = op["success"]
        status = status_for_key(key) if key is not None else 200
        if "code" in prefer:
            wanted = prefer["code"]
            key = _key_for_code(op, wanted)
            if key is None:
                return problem(400, f"Prefer: code={wanted} is not declared for {op['label']}; "
                               f"declared: {', '.join(op['responses'])}")
            status = int(wanted)
        if key is None:
            return Reply(200, (), b"")
        return self._respond(op, key, status, accept, prefer.get("example"))

    def _respond(self, op: dict[str, Any], key: str, status: int, accept: str | None,
                 example: str | None = None, body_text: str | None = None,
                 media_entry: dict[str, Any] | None = None) -> Reply:
        resp = op["responses"][key]
        headers = tuple((h["name"], h["value"]) for h in resp["headers"])
        content = resp["content"]
        if not content or status == 204 or status == 304:
            return Reply(status, headers, b"")
        media = media_entry
        if media is None:
            chosen = negotiate(accept, [m["media"] for m in content])
            if chosen is None:
                return problem(406, f"none of the media types of {op['label']} ({', '.join(m['media'] for m in content)}) "
                               f"is acceptable (Accept: {accept})")
            media = next(m for m in content if m["media"] == chosen)
        text = body_text
        if text is None:
            if example is not None:
                if example not in media["examples"]:
                    names = ", ".join(media["examples"]) or "none"
                    return problem(400, f"Prefer: example={example} is not an example of {op['label']} "
                                   f"{key} {media['media']}; examples: {names}")
                text = media["examples"][example]
            else:
                text = media["body"]
        return Reply(status, (("Content-Type", media["content_type"]), *headers), text.encode())

    # -- validation -------------------------------------------------------------------

    def _validate(self, op: dict[str, Any], path_values: dict[str, str], query: str,
                  headers: Mapping[str, str], body: bytes) -> tuple[list[dict[str, str]], Any, str | None]:
        errors: list[dict[str, str]] = []
        query_pairs = parse_qsl(query, keep_blank_values=True) if query else []
        cookies = _cookies(headers.get("cookie", ""))
        for p in op["params"]:
            present, value = self._param_value(p, path_values, query_pairs, headers, cookies)
            loc = f"{p['in']}.{p['name']}"
            if not present:
                if p["required"]:
                    errors.append({"location": loc, "keyword": "required", "message": "is required"})
                continue
            for e in _errors(self._validators[id(p)], value):
                errors.append({"location": loc + e["pointer"], "keyword": e["keyword"], "message": e["message"]})
        parsed: Any = None
        spec = op["body"]
        if spec is None:
            return _sorted(errors), None, None
        if len(body) == 0:
            if spec["required"]:
                errors.append({"location": "body", "keyword": "required", "message": "is required"})
            return _sorted(errors), None, None
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        media = _match_media(spec["content"], ctype)
        if media is None:
            declared = ", ".join(m["media"] for m in spec["content"])
            return [], None, f"request media type {ctype or '(none)'} is not declared for {op['label']}; declared: {declared}"
        if media["kind"] == "json":
            try:
                parsed = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                errors.append({"location": "body", "keyword": "json", "message": "must be valid JSON"})
                return _sorted(errors), None, None
        elif media["kind"] == "form":
            parsed = {}
            hints = media.get("props", {})
            for k, v in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                hint = hints.get(k, "any")
                if isinstance(hint, dict):
                    parsed.setdefault(k, []).append(coerce(v, hint.get("array")))
                else:
                    parsed[k] = coerce(v, hint)
        elif media["kind"] == "text":
            parsed = body.decode("utf-8", "replace")
        else:
            return _sorted(errors), None, None
        if media["schema"] is not None:
            for e in _errors(self._validators[id(media)], parsed):
                errors.append({"location": "body" + e["pointer"], "keyword": e["keyword"], "message": e["message"]})
        return _sorted(errors), parsed, None

    def _param_value(self, p: dict[str, Any], path_values: Mapping[str, str], query: list[tuple[str, str]],
                     headers: Mapping[str, str], cookies: Mapping[str, str]) -> tuple[bool, Any]:
        hint = p["coerce"]
        name = p["name"]
        where = p["in"]
        if where == "query":
            if hint == "object" and p["style"] == "deepObject":
                prefix = name + "["
                obj = {k[len(prefix):-1]: v for k, v in query if k.startswith(prefix) and k.endswith("]")}
                return (bool(obj), obj)
            if hint == "object":
                return (False, None)
            values = [v for k, v in query if k == name]
            if not values:
                return (False, None)
            if isinstance(hint, dict):
                items = values if p["explode"] and p["style"] == "form" else _split(values[0], p["style"])
                return (True, [coerce(v, hint.get("array")) for v in items])
            return (True, coerce(values[0], hint))
        if where == "path":
            raw = path_values.get(name)
        elif where == "header":
            raw = headers.get(name.lower())
        else:
            raw = cookies.get(name)
        if raw is None:
            return (False, None)
        if isinstance(hint, dict):
            return (True, [coerce(v, hint.get("array")) for v in raw.split(",")])
        if hint == "object":
            return (True, raw)
        return (True, coerce(raw, hint))

    def _validation_reply(self, op: dict[str, Any], errors: list[dict[str, str]], accept: str | None) -> Reply:
        key = op["validation_response"]
        if key is None and op["not_found_response"] is not None and all(
            e["location"].startswith("path.") for e in errors
        ):
            # An invalid path parameter names no resource: the contract's 404.
            return self._not_found(op, accept)
        if key is None:
            return problem(422, f"the request does not match the contract of {op['label']}",
                           {"validation": errors})
        status = status_for_key(key, 422)
        resp = op["responses"][key]
        if not resp["content"]:
            return self._respond(op, key, status, accept)
        chosen = negotiate(accept, [m["media"] for m in resp["content"]]) or resp["content"][0]["media"]
        media = next(m for m in resp["content"] if m["media"] == chosen)
        text = media["body"]
        if media.get("extensible"):
            value = json.loads(text)
            value["validation"] = errors
            text = dumps(value)
        return self._respond(op, key, status, accept, body_text=text, media_entry=media)

    # -- stateful CRUD -------------------------------------------------------------------

    def _stateful(self, op: dict[str, Any], raw_path: str, path_values: Mapping[str, str], body: Any,
                  accept: str | None) -> Reply | None:
        res = op["resource"]
        role = res["role"]
        path = raw_path.rstrip("/") or "/"
        if role in ("create", "list"):
            collection = path
            item_id = None
        else:
            collection = path.rsplit("/", 1)[0] or "/"
            item_id = path_values.get(res["id_param"], "")
        items = self.store.setdefault(collection, {})
        key = op["success"]
        if key is None:
            return None
        status = status_for_key(key)
        if role == "create":
            self.counter += 1
            new_id = _new_id(res, self.counter)
            stored = dict(body) if isinstance(body, dict) else {}
            if res["id_property"]:
                stored[res["id_property"]] = new_id
            items[str(new_id)] = stored
            return self._render(op, key, status, accept, stored)
        if role == "list":
            return self._render(op, key, status, accept, None, list(items.values()))
        assert item_id is not None
        current = items.get(item_id)
        if role == "replace":
            stored = dict(body) if isinstance(body, dict) else {}
            if res["id_property"]:
                stored[res["id_property"]] = current.get(res["id_property"]) if current else _id_value(res, item_id)
            items[item_id] = stored
            return self._render(op, key, status, accept, stored)
        if current is None:
            return self._not_found(op, accept)
        if role == "update":
            if isinstance(body, dict):
                current.update({k: v for k, v in body.items() if k != res["id_property"]})
            return self._render(op, key, status, accept, current)
        if role == "delete":
            del items[item_id]
            return self._render(op, key, status, accept, current)
        return self._render(op, key, status, accept, current)

    def _not_found(self, op: dict[str, Any], accept: str | None) -> Reply:
        key = op["not_found_response"]
        if key is None:
            return problem(404, f"no stored resource matches {op['label']}")
        return self._respond(op, key, status_for_key(key, 404), accept)

    def _render(self, op: dict[str, Any], key: str, status: int, accept: str | None,
                stored: dict[str, Any] | None, listing: list[dict[str, Any]] | None = None) -> Reply:
        resp = op["responses"][key]
        if not resp["content"]:
            return self._respond(op, key, status, accept)
        chosen = negotiate(accept, [m["media"] for m in resp["content"]])
        if chosen is None:
            return self._respond(op, key, status, accept)
        media = next(m for m in resp["content"] if m["media"] == chosen)
        value: Any = None
        if listing is not None and "list" in media:
            items = [_overlay(media["list"]["item"], s) for s in listing]
            prop = media["list"]["property"]
            value = items if prop is None else {**media.get("template", {}), prop: items}
        elif stored is not None and "template" in media:
            value = _overlay(media["template"], stored)
        if value is None:
            return self._respond(op, key, status, accept, media_entry=media)
        return self._respond(op, key, status, accept, body_text=dumps(value), media_entry=media)


def _overlay(template: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(template)
    for k in template:
        if k in stored:
            out[k] = stored[k]
    return out


def _new_id(res: Mapping[str, Any], counter: int) -> Any:
    if res["id_type"] in ("integer", "number"):
        return counter
    if res["id_uuid"]:
        return f"00000000-0000-4000-8000-{counter:012d}"
    return str(counter)


def _id_value(res: Mapping[str, Any], text: str) -> Any:
    if res["id_type"] in ("integer", "number"):
        return coerce(text, res["id_type"])
    return text


def _key_for_code(op: Mapping[str, Any], code: str) -> str | None:
    if not (len(code) == 3 and code.isdigit()):
        return None
    responses = op["responses"]
    if code in responses:
        return code
    for key in responses:
        if key.upper() == code[0] + "XX":
            return str(key)
    return "default" if "default" in responses else None


def _match_media(content: list[dict[str, Any]], ctype: str) -> dict[str, Any] | None:
    if not content:
        return None
    if ctype == "":
        return content[0]
    for m in content:
        if m["media"].split(";")[0].strip() == ctype:
            return m
    main = ctype.split("/")[0]
    for m in content:
        media = m["media"].split(";")[0].strip()
        if media == "*/*" or media == main + "/*":
            return m
    if ctype.endswith("+json"):
        for m in content:
            if m["kind"] == "json":
                return m
    return None


def _cookies(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in header.split(";"):
        k, sep, v = part.strip().partition("=")
        if sep:
            out[k] = v
    return out


def _errors(validator: Any, value: Any) -> list[dict[str, str]]:
    try:
        return instance_errors(validator, value)
    except re.error:  # a pattern Python cannot compile is not checked (Ajv skips it too)
        return []


def _sorted(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    unique = {(e["location"], e["keyword"], e["message"]): e for e in errors}
    return [unique[k] for k in sorted(unique)]


def http_date() -> str:
    return formatdate(usegmt=True)
