"""Security review facts per operation of the REST contracts: what the
contract declares, what the offline backend enforces, what is missing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from teamspec.offline import naming
from teamspec.offline.context import ApiInfo
from teamspec.offline.openapi import Operation
from teamspec.offline.runtime import schema_check

SENSITIVE = ("password", "secret", "token", "ssn", "credit", "card", "iban", "apikey", "api_key")
PERSONAL = ("email", "phone", "address", "birth", "name")


@dataclass(frozen=True)
class Check:
    done: bool
    text: str


@dataclass(frozen=True)
class Finding:
    severity: str  # high | medium | low
    where: str
    text: str


def _field_checks(prefix: str, schema: Mapping[str, Any] | None, defs: Mapping[str, Any]) -> tuple[list[Check], list[str]]:
    """Checks for each property of a request body; and the unbounded ones."""
    s = schema_check.resolve(schema or {}, defs)
    required = set(s.get("required") or ())
    checks: list[Check] = []
    unbounded: list[str] = []
    for name, prop in (s.get("properties") or {}).items():
        p = schema_check.resolve(prop, defs)
        if p.get("readOnly"):
            continue
        t = p.get("type")
        rules = []
        if name in required:
            rules.append("required")
        if t:
            rules.append(str(t) if isinstance(t, str) else "/".join(map(str, t)))
        if p.get("format"):
            rules.append(f"format {p['format']}")
        if p.get("enum"):
            rules.append("one of " + ", ".join(map(str, p["enum"])))
        for key in ("minLength", "maxLength", "minimum", "maximum", "pattern", "maxItems"):
            if key in p and not isinstance(p[key], bool):
                rules.append(f"{key} {p[key]}")
        bounded = bool(p.get("enum")) or (
            t == "string" and ("maxLength" in p or ("format" in p and p["format"] in ("date", "date-time", "uuid", "email")))
        ) or (t in ("integer", "number") and "maximum" in p) or t == "boolean" or (t == "array" and "maxItems" in p)
        if not bounded and t in ("string", "integer", "number", "array"):
            unbounded.append(name)
        checks.append(Check(True, f"`{prefix}{name}`: {', '.join(rules) or 'any value'} — validated by the backend before use"))
    return checks, unbounded


def review(info: ApiInfo) -> tuple[list[dict[str, Any]], list[Finding]]:
    """Per operation a checklist, and the findings of the whole API."""
    model = info.model
    defs = model.defs
    findings: list[Finding] = []
    ops: list[dict[str, Any]] = []
    cid = info.contract.id
    for op in model.operations:
        checks: list[Check] = []
        if op.security:
            checks.append(Check(False, f"Authentication: the contract requires {', '.join(f'`{s}`' for s in op.security)}; the offline backend does not enforce it"))
            findings.append(Finding("high", f"{cid} {op.label}", "declared authentication is not enforced by the offline backend"))
        elif op.method in ("POST", "PUT", "PATCH", "DELETE"):
            checks.append(Check(False, "Authentication: none declared — anyone who reaches the service can change data"))
            findings.append(Finding("high", f"{cid} {op.label}", "changes data without any declared authentication"))
        else:
            checks.append(Check(False, "Authentication: none declared — the data is public to anyone who reaches the service"))
        for p in op.parameters:
            ps = schema_check.resolve(p.schema, defs)
            kind = ps.get("type", "any")
            checks.append(Check(True, f"{p.location} parameter `{p.name}` ({kind}{', required' if p.required else ''}) is type-checked; an invalid value gets {op.refusal_status('not_found' if p.location == 'path' else 'invalid') or 400}"))
            if p.location == "query" and kind == "integer" and "maximum" not in ps and naming.words(p.name)[-1:] in (["limit"], ["size"], ["count"]):
                checks.append(Check(False, f"`{p.name}` has no maximum: a client can request every record at once"))
                findings.append(Finding("medium", f"{cid} {op.label}", f"query parameter `{p.name}` is unbounded (add `maximum`)"))
        if op.body_schema is not None:
            field_checks, unbounded = _field_checks("", op.body_schema, defs)
            checks.extend(field_checks)
            for name in unbounded:
                checks.append(Check(False, f"`{name}` has no upper bound (`maxLength` / `maximum` / `maxItems`): unbounded input"))
            if unbounded:
                findings.append(Finding("medium", f"{cid} {op.label}", f"unbounded request fields: {', '.join(f'`{n}`' for n in unbounded)}"))
            body = schema_check.resolve(op.body_schema, defs)
            if body.get("type") == "object" and body.get("additionalProperties", True) is not False:
                checks.append(Check(False, "Unknown body properties are accepted (`additionalProperties` is not false): mass-assignment risk if the body is stored as sent"))
                findings.append(Finding("low", f"{cid} {op.label}", "request body accepts undeclared properties"))
            else:
                checks.append(Check(True, "Undeclared body properties are rejected (`additionalProperties: false`)"))
            checks.append(Check(True, "Malformed JSON, NaN/Infinity, lone surrogates and bodies over 1 MB are refused with 4xx, never a 500"))
        sensitive = _sensitive(op, defs)
        for name, kind in sensitive:
            checks.append(Check(kind == "personal", f"`{name}` is {'personal' if kind == 'personal' else 'sensitive'} data: keep it out of logs{'' if kind == 'personal' else '; mark it `writeOnly` so it is never returned'}"))
        if op.path_params and op.resource:
            r = model.resource(op.resource)
            if r is not None and r.id_type == "integer":
                checks.append(Check(False, f"`{r.id_param}` values are sequential integers: they can be enumerated; authorise access per object"))
        if not any(r.status == "429" for r in op.responses):
            checks.append(Check(False, "Rate limiting: no 429 response declared"))
        if not op.error_responses:
            findings.append(Finding("medium", f"{cid} {op.label}", "declares no error response: invalid input cannot be refused conformingly"))
        ops.append({"op": op, "checks": checks})
    if any(r.id_type == "integer" for r in model.resources):
        findings.append(Finding("medium", cid, "sequential integer ids allow enumeration (IDOR): check object ownership or use UUIDs"))
    if not any(r.status == "429" for op in model.operations for r in op.responses):
        findings.append(Finding("low", cid, "no rate limiting declared (429): put the service behind a rate-limiting gateway"))
    findings.append(Finding("low", cid, "CORS allows every origin (`Access-Control-Allow-Origin: *`): restrict it to the frontend's origin in production"))
    if model.servers and any(url.startswith("http://") and "127.0.0.1" not in url and "localhost" not in url for url in model.servers):
        findings.append(Finding("medium", cid, "a server URL uses plain http: serve over TLS"))
    return ops, findings


def _sensitive(op: Operation, defs: Mapping[str, Any]) -> list[tuple[str, str]]:
    names: list[str] = []
    for schema in [op.body_schema, *(r.schema for r in op.responses if r.is_success)]:
        s = schema_check.resolve(schema or {}, defs)
        if s.get("type") == "array":
            s = schema_check.resolve(s.get("items") or {}, defs)
        names.extend((s.get("properties") or {}).keys())
    out: list[tuple[str, str]] = []
    for name in dict.fromkeys(names):
        low = name.lower()
        if any(word in low for word in SENSITIVE):
            out.append((name, "sensitive"))
        elif any(word in low for word in PERSONAL) and low not in ("name", "username"):
            out.append((name, "personal"))
    return out
