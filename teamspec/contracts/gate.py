"""The quality gate: an interface is checked before anything is generated
from it.

OpenAPI (``check_openapi``):

- ``openapi_valid``: every ``$ref`` resolves (dangling and external
  references are findings, never a crash), then openapi-spec-validator;
  any exception it raises becomes a finding.
- ``example_valid``: every example (media type ``example``/``examples``,
  parameter and header examples, schema ``example``) validates against its
  schema.
- ``success_response``: each operation declares a 2xx/3xx or ``default``
  response.
- ``unique_operation_id``: no two operations share an ``operationId``.
- ``link_valid``: every link names an existing operation and every
  ``$response.body#/...`` expression points into the response schema.
- ``error_response`` (warning): an operation whose input can be invalid
  declares no 400/422/4XX/default response (404 counts for path
  parameters): the mocks then answer invalid requests with an undeclared 422.

GraphQL (``check_graphql``): ``graphql_valid`` from graphql-core (syntax,
SDL validation, ``validate_schema``), with the line of each problem.

JSON Schema interfaces (``check_json_schema``): ``json_schema_valid``
(the schema against its metaschema) and ``example_valid``.

Findings carry ``file`` and ``line`` when the interface came from a file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from teamspec.contracts.openapi_util import (
    LineIndex,
    Path,
    RefError,
    as_map,
    dotted,
    iter_operations,
    iter_refs,
    jsonable,
    ref_to_path,
    resolve_ref,
    to_pointer,
)
from teamspec.model import Contract, Finding

_MAX_MESSAGE = 300


def check_interface(contract: Contract) -> list[Finding]:
    """The quality gate findings of ``contract``'s interface, sorted by line
    (an empty list when it passes or when there is no interface)."""
    iface = contract.interface
    if iface is None:
        return []
    file = str(iface.source) if iface.source is not None else None
    text = iface.text if iface.source is not None else None
    if iface.kind == "openapi":
        findings = check_openapi(iface.document, file=file, text=text)
    elif iface.kind == "graphql":
        sdl = iface.document if isinstance(iface.document, str) else (iface.text or "")
        findings = check_graphql(sdl, file=file)
    elif iface.kind == "json_schema":
        findings = check_json_schema(iface.document, file=file, text=text)
    else:
        findings = []
    return [_with_contract(f, contract.id) for f in findings]


def _with_contract(f: Finding, contract_id: str) -> Finding:
    data = dict(f.__dict__)
    data["contract"] = contract_id
    return Finding(**data)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


class _Ctx:
    def __init__(self, doc: Mapping[str, Any], file: str | None, text: str | None) -> None:
        self.doc = doc
        self.file = file
        self.lines = LineIndex(text) if text else None
        self.findings: list[Finding] = []

    def add(self, check: str, message: str, path: Path, *, operation: str | None = None,
            severity: Literal["error", "warning"] = "error") -> None:
        line = self.lines.line(path) if self.lines is not None else None
        self.findings.append(
            Finding(check=check, message=message, severity=severity, schema_path=dotted(path) or None,
                    operation=operation, file=self.file, line=line)
        )


# -- OpenAPI -------------------------------------------------------------------


def check_openapi(document: Any, *, file: str | None = None, text: str | None = None) -> list[Finding]:
    """Gate findings of an OpenAPI document; ``text`` (the file's text) gives
    the lines."""
    if not isinstance(document, Mapping):
        ctx = _Ctx({}, file, text)
        ctx.add("openapi_valid", f"the OpenAPI document must be a mapping, found {type(document).__name__}", ())
        return ctx.findings
    doc: dict[str, Any] = jsonable(document)
    ctx = _Ctx(doc, file, text)
    refs_ok = _check_refs(ctx)
    if refs_ok:
        _check_spec(ctx)
    _check_success_responses(ctx)
    _check_operation_ids(ctx)
    if refs_ok:
        _check_examples(ctx)
        _check_links(ctx)
        _check_error_responses(ctx)
    return sorted(ctx.findings, key=lambda f: (f.line or 0, f.check, f.schema_path or "", f.message))


def _check_refs(ctx: _Ctx) -> bool:
    ok = True
    for path, ref in iter_refs(ctx.doc):
        where = (*path, "$ref")
        if not ref.startswith("#"):
            ctx.add("openapi_valid", f"external $ref {ref!r} is not supported: teamspec reads one file; "
                    "move the definition under 'components' and refer to it with '#/components/...'", where)
            ok = False
            continue
        try:
            resolve_ref(ctx.doc, ref)
        except RefError as exc:
            pointer = ref[1:]
            try:
                pointer = to_pointer(ref_to_path(ref))
            except RefError:
                pass
            detail = exc.reason if "does not exist" not in exc.reason else f"{pointer} does not exist in the document"
            ctx.add("openapi_valid", f"dangling $ref {ref!r}: {detail}; define it or fix the reference", where)
            ok = False
    return ok


_OP_IN = re.compile(r"for '(\w+)' operation in '([^']*)'")
_OP_IN_B = re.compile(r"for '(\w+)' in '([^']*)'")


def _check_spec(ctx: _Ctx) -> None:
    try:
        from jsonschema.exceptions import best_match
        from jsonschema_path import SchemaPath
        from openapi_spec_validator.shortcuts import get_validator_cls
        from openapi_spec_validator.validation.exceptions import DuplicateOperationIDError
    except Exception as exc:  # an unusable validator install is a finding, not a crash
        ctx.add("openapi_valid", f"openapi-spec-validator cannot be used: {exc}", ())
        return
    try:
        cls = get_validator_cls(ctx.doc)
    except Exception:
        found = ctx.doc.get("openapi", ctx.doc.get("swagger"))
        ctx.add("openapi_valid", "cannot tell the OpenAPI version: expected a top-level 'openapi: 3.0.x' or "
                f"'openapi: 3.1.x', found {found!r}", ("openapi",))
        return
    try:
        errors = cls(SchemaPath.from_dict(ctx.doc)).iter_errors()
        for err in errors:
            if isinstance(err, DuplicateOperationIDError):
                continue  # reported by unique_operation_id with both places
            path: Path = tuple(getattr(err, "absolute_path", ()) or ())
            message = str(getattr(err, "message", err)).split("\n\n")[0]
            if not path:
                m = _OP_IN.search(message) or _OP_IN_B.search(message)
                if m:
                    path = ("paths", m.group(2), m.group(1))
            context = getattr(err, "context", None)
            if context:
                best = best_match(context)
                if best is not None:
                    message = f"{message} ({best.message.splitlines()[0]})"
            where = to_pointer(path) or "/"
            ctx.add("openapi_valid", _short(f"{where}: {message}"), path)
    except RecursionError:
        ctx.add("openapi_valid", "the document is nested too deeply to validate (a reference cycle?)", ())
    except Exception as exc:  # every exception of the validator is a finding
        ctx.add("openapi_valid", _short(f"openapi-spec-validator failed: {type(exc).__name__}: {exc}"), ())


def _is_success(code: str) -> bool:
    return code == "default" or (len(code) == 3 and code[0] in "23")


def _check_success_responses(ctx: _Ctx) -> None:
    for op in iter_operations(ctx.doc, callbacks=True):
        responses = op.responses()
        if not responses:
            continue  # missing 'responses' is reported by openapi_valid
        if not any(_is_success(code.upper() if code != "default" else code) for code in responses):
            declared = ", ".join(responses)
            ctx.add("success_response", f"{op.label} has no success response: expected a 2xx or 3xx response "
                    f"(or 'default'), found only {declared}; declare the response a successful call returns",
                    (*op.pointer, "responses"), operation=op.label)


def _check_operation_ids(ctx: _Ctx) -> None:
    seen: dict[str, tuple[str, Path]] = {}
    for op in iter_operations(ctx.doc, callbacks=True):
        op_id = op.operation_id
        if op_id is None:
            continue
        if op_id in seen:
            first_label, first_path = seen[op_id]
            line = ctx.lines.line((*first_path, "operationId")) if ctx.lines is not None else None
            at = f" (line {line})" if line else ""
            ctx.add("unique_operation_id", f"operationId {op_id!r} of {op.label} is already used by "
                    f"{first_label}{at}; operationIds must be unique, rename one",
                    (*op.pointer, "operationId"), operation=op.label)
        else:
            seen[op_id] = (op.label, op.pointer)


# -- links -------------------------------------------------------------------


def _check_links(ctx: _Ctx) -> None:
    ops = list(iter_operations(ctx.doc, callbacks=True))
    ids = {op.operation_id for op in ops if op.operation_id}
    for op in ops:
        for code, raw in op.responses().items():
            resp = _resolved(ctx.doc, raw)
            links = resp.get("links") if isinstance(resp, Mapping) else None
            if not isinstance(links, Mapping):
                continue
            for name, link_raw in links.items():
                where = (*op.pointer, "responses", code, "links", str(name))
                link = _resolved(ctx.doc, link_raw)
                if not isinstance(link, Mapping):
                    continue
                via = f" ({link_raw['$ref']})" if isinstance(link_raw, Mapping) and "$ref" in link_raw else ""
                target = link.get("operationId")
                if isinstance(target, str) and target not in ids:
                    ctx.add("link_valid", f"link {name!r}{via} of {op.label} {code} names operationId {target!r}, "
                            "which no operation declares", where, operation=op.label)
                body_schema = _json_schema_of(ctx.doc, resp)
                for expr in _link_expressions(link):
                    if not expr.startswith("$response.body#"):
                        continue
                    pointer = expr[len("$response.body#"):]
                    problem = _pointer_problem(ctx.doc, body_schema, pointer)
                    if problem:
                        ctx.add("link_valid", f"link {name!r}{via} of {op.label} {code} reads {expr}, but {problem}",
                                where, operation=op.label)


def _resolved(doc: Mapping[str, Any], obj: Any) -> Any:
    from teamspec.contracts.openapi_util import resolve

    try:
        return resolve(doc, obj)
    except RefError:
        return None


def _json_schema_of(doc: Mapping[str, Any], resp: Mapping[str, Any]) -> Any:
    content = resp.get("content")
    if not isinstance(content, Mapping):
        return None
    for media, obj in content.items():
        base = str(media).split(";")[0].strip().lower()
        if (base == "application/json" or base.endswith("+json")) and isinstance(obj, Mapping):
            return obj.get("schema")
    return None


def _link_expressions(link: Mapping[str, Any]) -> Iterator[str]:
    params = link.get("parameters")
    if isinstance(params, Mapping):
        for value in params.values():
            if isinstance(value, str):
                yield value
    body = link.get("requestBody")
    if isinstance(body, str):
        yield body


def _pointer_problem(doc: Mapping[str, Any], schema: Any, pointer: str) -> str | None:
    """Why ``pointer`` cannot exist in a body of ``schema`` (None: it can)."""
    from teamspec.contracts.openapi_util import unescape_token

    if schema is None or pointer in ("", "/"):
        return None
    tokens = [unescape_token(t) for t in pointer.lstrip("/").split("/")]
    current = _resolved(doc, schema)
    walked = ""
    for token in tokens:
        if not isinstance(current, Mapping):
            return None
        kinds = _schema_kinds(doc, current)
        if kinds is None:
            return None
        if "object" in kinds:
            nxt = _property_schema(doc, current, token)
            if nxt is not None:
                current = _resolved(doc, nxt)
                walked += "/" + token
                continue
        if "array" in kinds and token.isdigit():
            current = _resolved(doc, current.get("items", {}))
            walked += "/" + token
            continue
        what = " or ".join(sorted(kinds)) or "value"
        at = f" at {walked}" if walked else ""
        return f"the response body{at} is {_article(what)} {what} without {token!r}"
    return None


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _schema_kinds(doc: Mapping[str, Any], schema: Mapping[str, Any], depth: int = 0) -> set[str] | None:
    """The JSON types a schema admits; None when it cannot tell."""
    if depth > 16:
        return None
    t = schema.get("type")
    if isinstance(t, str):
        return {t}
    if isinstance(t, list):
        return {x for x in t if isinstance(x, str)}
    kinds: set[str] = set()
    for key in ("allOf", "oneOf", "anyOf"):
        if isinstance(schema.get(key), list):
            for sub in schema[key]:
                resolved = _resolved(doc, sub)
                sub_kinds = _schema_kinds(doc, resolved, depth + 1) if isinstance(resolved, Mapping) else None
                if sub_kinds is None:
                    return None
                kinds |= sub_kinds
    if "properties" in schema or "additionalProperties" in schema:
        kinds.add("object")
    if "items" in schema:
        kinds.add("array")
    return kinds or None


def _property_schema(doc: Mapping[str, Any], schema: Mapping[str, Any], name: str, depth: int = 0) -> Any:
    """The schema of property ``name`` (``{}`` when any property is
    allowed, None when it cannot exist)."""
    if depth > 16:
        return {}
    props = schema.get("properties")
    if isinstance(props, Mapping) and name in props:
        return props[name]
    for key in ("allOf", "oneOf", "anyOf"):
        if isinstance(schema.get(key), list):
            for sub in schema[key]:
                resolved = _resolved(doc, sub)
                if isinstance(resolved, Mapping):
                    found = _property_schema(doc, resolved, name, depth + 1)
                    if found is not None:
                        return found
    additional = schema.get("additionalProperties")
    if isinstance(additional, Mapping):
        return additional
    if additional is True or (additional is None and not isinstance(props, Mapping)
                              and not any(k in schema for k in ("allOf", "oneOf", "anyOf"))):
        return {}
    return None


# -- error responses -----------------------------------------------------------


_CONSTRAINTS = ("enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum",
                "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems")


def _can_be_invalid(doc: Mapping[str, Any], schema: Any) -> bool:
    from teamspec.contracts.schemaconv import FORMAT_PATTERNS

    s = _resolved(doc, schema)
    if not isinstance(s, Mapping):
        return False
    t = s.get("type")
    types = {t} if isinstance(t, str) else set(t) if isinstance(t, list) else set()
    if types - {"string", "null"}:
        return True
    if any(k in s for k in _CONSTRAINTS) or s.get("format") in FORMAT_PATTERNS:
        return True
    return any(isinstance(s.get(k), list) for k in ("allOf", "oneOf", "anyOf"))


def _check_error_responses(ctx: _Ctx) -> None:
    for op in iter_operations(ctx.doc):
        codes = {c.upper() if c != "default" else c for c in op.responses()}
        path_input = any(p.location == "path" and _can_be_invalid(ctx.doc, p.schema) for p in op.parameters)
        other_input = any(
            p.location != "path" and (p.required or _can_be_invalid(ctx.doc, p.schema)) for p in op.parameters
        ) or _resolved(ctx.doc, op.operation.get("requestBody")) not in (None, {})
        answers = codes & {"400", "422", "4XX", "default"}
        if other_input and not answers:
            ctx.add("error_response", f"{op.label} declares no response for an invalid request (400, 422, 4XX or "
                    "default): the mocks answer such requests 422 application/problem+json, which the contract "
                    "does not document; declare a 400 or 422 response", (*op.pointer, "responses"),
                    operation=op.label, severity="warning")
        elif path_input and not answers and "404" not in codes:
            ctx.add("error_response", f"{op.label} declares no response for an invalid path parameter (400, 404, "
                    "422, 4XX or default): the mocks answer such requests 422 application/problem+json, which the "
                    "contract does not document; declare a 404 or 422 response", (*op.pointer, "responses"),
                    operation=op.label, severity="warning")


# -- examples ------------------------------------------------------------------


_SUBSCHEMA_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_SUBSCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAP = ("properties", "patternProperties")


def _check_examples(ctx: _Ctx) -> None:
    from teamspec.contracts.schemaconv import Converter

    conv = Converter(ctx.doc)
    for mode, schema, spath, value, vpath, label in _iter_examples(ctx.doc):
        try:
            validator = conv.validator(schema, mode)
            errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
        except re.error as exc:
            ctx.add("example_valid", f"{label}: the schema's pattern cannot be used: {exc}", spath)
            continue
        except Exception as exc:  # an unusable schema is reported, never a crash
            ctx.add("example_valid", _short(f"{label}: cannot validate: {type(exc).__name__}: {exc}"), vpath)
            continue
        if not errors:
            continue
        from jsonschema.exceptions import best_match

        best = best_match(errors) or errors[0]
        inner = tuple(best.absolute_path)
        at = to_pointer(inner) or "/"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        ctx.add("example_valid", _short(f"{label} does not match its schema ({dotted(spath)}): at {at}: "
                                        f"{best.message}{more}"), (*vpath, *inner))


def _iter_examples(doc: Mapping[str, Any]) -> Iterator[tuple[Any, Any, Path, Any, Path, str]]:
    """(mode, schema, schema path, example value, example path, label)."""
    seen: set[Path] = set()
    components = as_map(doc.get("components"))
    for name, schema in _items(components.get("schemas")):
        yield from _schema_examples(schema, ("components", "schemas", name), seen)
    for name, param in _items(components.get("parameters")):
        yield from _param_examples(param, ("components", "parameters", name), "request", seen)
    for name, header in _items(components.get("headers")):
        yield from _param_examples(header, ("components", "headers", name), "response", seen)
    for name, body in _items(components.get("requestBodies")):
        yield from _content_examples(body, ("components", "requestBodies", name), "request", seen)
    for name, resp in _items(components.get("responses")):
        yield from _response_examples(resp, ("components", "responses", name), seen)
    for op in iter_operations(doc, callbacks=True):
        for param in op.parameters:
            yield from _param_examples(param.definition, param.path, "request", seen)
        body = op.operation.get("requestBody")
        yield from _content_examples(body, (*op.pointer, "requestBody"), "request", seen)
        for code, resp in op.responses().items():
            yield from _response_examples(resp, (*op.pointer, "responses", code), seen)


def _items(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k), v


def _response_examples(resp: Any, path: Path, seen: set[Path]) -> Iterator[tuple[Any, Any, Path, Any, Path, str]]:
    if not isinstance(resp, Mapping) or "$ref" in resp:
        return
    for name, header in _items(resp.get("headers")):
        yield from _param_examples(header, (*path, "headers", name), "response", seen)
    yield from _content_examples(resp, path, "response", seen)


def _content_examples(
    owner: Any, path: Path, mode: str, seen: set[Path]
) -> Iterator[tuple[Any, Any, Path, Any, Path, str]]:
    if not isinstance(owner, Mapping) or "$ref" in owner:
        return
    for mt, media in _items(owner.get("content")):
        mpath = (*path, "content", mt)
        if not isinstance(media, Mapping):
            continue
        yield from _owner_examples(media, mpath, mode, seen)


def _param_examples(
    param: Any, path: Path, mode: str, seen: set[Path]
) -> Iterator[tuple[Any, Any, Path, Any, Path, str]]:
    if not isinstance(param, Mapping) or "$ref" in param:
        return
    yield from _owner_examples(param, path, mode, seen)
    yield from _content_examples(param, path, mode, seen)


def _owner_examples(
    owner: Mapping[str, Any], path: Path, mode: str, seen: set[Path]
) -> Iterator[tuple[Any, Any, Path, Any, Path, str]]:
    """Examples of a media type, parameter or header object."""
    if path in seen:
        return
    seen.add(path)
    schema = owner.get("schema")
    spath = (*path, "schema")
    if isinstance(schema, Mapping):
        yield from _schema_examples(schema, spath, seen)
        if "example" in owner:
            yield mode, schema, spath, owner["example"], (*path, "example"), "example"
        for name, ex in _items(owner.get("examples")):
            if isinstance(ex, Mapping) and "value" in ex and "$ref" not in ex:
                yield mode, schema, spath, ex["value"], (*path, "examples", name, "value"), f"example {name!r}"


def _schema_examples(schema: Any, path: Path, seen: set[Path]) -> Iterator[tuple[Any, Any, Path, Any, Path, str]]:
    if not isinstance(schema, Mapping) or "$ref" in schema or path in seen:
        return
    seen.add(path)
    if "example" in schema:
        yield "any", schema, path, schema["example"], (*path, "example"), "schema example"
    if isinstance(schema.get("examples"), list):
        for i, value in enumerate(schema["examples"]):
            yield "any", schema, path, value, (*path, "examples", i), f"schema examples[{i}]"
    for key in _SUBSCHEMA_ONE:
        if isinstance(schema.get(key), Mapping):
            yield from _schema_examples(schema[key], (*path, key), seen)
    for key in _SUBSCHEMA_LIST:
        if isinstance(schema.get(key), list):
            for i, sub in enumerate(schema[key]):
                yield from _schema_examples(sub, (*path, key, i), seen)
    for key in _SUBSCHEMA_MAP:
        for name, sub in _items(schema.get(key)):
            yield from _schema_examples(sub, (*path, key, name), seen)


# -- GraphQL -------------------------------------------------------------------


def check_graphql(sdl: str, *, file: str | None = None) -> list[Finding]:
    """``graphql_valid`` findings of a GraphQL SDL text, with lines."""
    from graphql import GraphQLError, build_ast_schema, parse, validate_schema
    from graphql.validation.validate import validate_sdl

    def finding(err: GraphQLError | Exception) -> Finding:
        line = None
        message = str(err)
        if isinstance(err, GraphQLError):
            message = err.message
            if err.locations:
                line = err.locations[0].line
        return Finding(check="graphql_valid", message=_short(message), file=file, line=line)

    try:
        ast = parse(sdl)
    except GraphQLError as exc:
        return [finding(exc)]
    except Exception as exc:  # graphql-core raises TypeError for a non-string source
        return [finding(exc)]
    errors = validate_sdl(ast)
    if errors:
        return [finding(e) for e in errors]
    try:
        schema = build_ast_schema(ast, assume_valid_sdl=True)
    except GraphQLError as exc:
        return [finding(exc)]
    except Exception as exc:
        return [finding(exc)]
    return [finding(e) for e in validate_schema(schema)]


# -- JSON Schema ---------------------------------------------------------------


def check_json_schema(document: Any, *, file: str | None = None, text: str | None = None) -> list[Finding]:
    """A JSON Schema interface: valid against its metaschema, its examples
    valid against it."""
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    ctx = _Ctx(document if isinstance(document, Mapping) else {}, file, text)
    if not isinstance(document, (Mapping, bool)):
        ctx.add("json_schema_valid", f"a JSON Schema must be a mapping, found {type(document).__name__}", ())
        return ctx.findings
    doc = jsonable(document)
    try:
        cls = validator_for(doc)
        cls.check_schema(doc)
    except SchemaError as exc:
        path = tuple(exc.absolute_path)
        ctx.add("json_schema_valid", _short(f"{to_pointer(path) or '/'}: {exc.message}"), path)
        return ctx.findings
    except Exception as exc:
        ctx.add("json_schema_valid", _short(f"cannot check the schema: {type(exc).__name__}: {exc}"), ())
        return ctx.findings
    if isinstance(doc, Mapping):
        for i, value in enumerate(doc.get("examples", []) if isinstance(doc.get("examples"), list) else []):
            try:
                errors = list(cls(doc).iter_errors(value))
            except Exception as exc:
                ctx.add("example_valid", _short(f"examples[{i}]: cannot validate: {exc}"), ("examples", i))
                continue
            if errors:
                e = errors[0]
                at = to_pointer(tuple(e.absolute_path)) or "/"
                ctx.add("example_valid", _short(f"examples[{i}] does not match the schema: at {at}: {e.message}"),
                        ("examples", i, *e.absolute_path))
    return ctx.findings
