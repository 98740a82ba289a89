"""Design an OpenAPI 3.0.3 document for entities: CRUD paths, schemas with
required fields, named examples, RFC 9457 problem responses.

``design_openapi("Task API", ["task"])`` gives ``/tasks`` (list, create) and
``/tasks/{taskId}`` (get, replace, delete) with ``Task``, ``TaskInput`` and
``Problem`` schemas. Fields come from the entity name (a task has a title, a
status and a due date; a user a name and an email); unknown entities get a
name, a description and a creation time. Every example validates against
its schema. The output is deterministic, key order included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from teamspec.errors import UsageError

__all__ = ["collection_path", "design_openapi", "entity_names", "plural"]

OPENAPI_VERSION = "3.0.3"
PROBLEM_JSON = "application/problem+json"
JSON = "application/json"


# ------------------------------------------------------------------ names

_IRREGULAR_PLURALS = {"person": "people", "child": "children", "status": "statuses",
                      "data": "data", "series": "series", "news": "news", "inventory": "inventory",
                      "stock_level": "stock_levels", "information": "information"}


def plural(word: str) -> str:
    """English plural of a snake_case noun (the last word is pluralised)."""
    head, _, last = word.rpartition("_")
    if last in _IRREGULAR_PLURALS:
        p = _IRREGULAR_PLURALS[last]
    elif re.search(r"[^aeiou]y$", last):
        p = last[:-1] + "ies"
    elif re.search(r"(s|x|z|ch|sh)$", last):
        p = last + "es"
    else:
        p = last + "s"
    return f"{head}_{p}" if head else p


def _words(entity: str) -> list[str]:
    return [w for w in entity.split("_") if w]


def _pascal(entity: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in _words(entity))


def _camel(entity: str) -> str:
    p = _pascal(entity)
    return p[:1].lower() + p[1:]


def _human(entity: str) -> str:
    return " ".join(_words(entity))


def collection_path(entity: str) -> str:
    """``task`` → ``/tasks``; ``line_item`` → ``/line-items``."""
    return "/" + plural(entity).replace("_", "-")


def entity_names(entity: str) -> dict[str, str]:
    """Every name derived from an entity id: schema, input schema, path,
    item path, path parameter and operationIds."""
    schema = _pascal(entity)
    param = f"{_camel(entity)}Id"
    many = _pascal(plural(entity))
    path = collection_path(entity)
    return {
        "schema": schema,
        "input": f"{schema}Input",
        "path": path,
        "item_path": f"{path}/{{{param}}}",
        "param": param,
        "tag": plural(entity).replace("_", "-"),
        "list": f"list{many}",
        "create": f"create{schema}",
        "get": f"get{schema}",
        "update": f"update{schema}",
        "delete": f"delete{schema}",
    }


_ENTITY_RE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


# ------------------------------------------------------------------ fields


@dataclass(frozen=True)
class _Field:
    name: str
    schema: dict[str, Any]
    examples: tuple[Any, Any]
    required: bool = False
    read_only: bool = False


def _s(**kw: Any) -> dict[str, Any]:
    return dict(kw)


_TEXT = _s(type="string", minLength=1, maxLength=200)
_LONG = _s(type="string", maxLength=5000, nullable=True)
_MONEY = _s(type="number", minimum=0)
_CURRENCY = _s(type="string", pattern="^[A-Z]{3}$")
_EMAIL = _s(type="string", format="email", maxLength=254)
_DATE = _s(type="string", format="date")
_DATETIME = _s(type="string", format="date-time")


def _created() -> _Field:
    return _Field("created_at", {**_DATETIME, "readOnly": True},
                  ("2025-01-15T09:30:00Z", "2025-01-16T14:05:00Z"), True, True)


def _f(name: str, schema: dict[str, Any], a: Any, b: Any, required: bool = False) -> _Field:
    return _Field(name, dict(schema), (a, b), required)


_FIELDS: dict[str, tuple[_Field, ...]] = {
    "task": (
        _f("title", _TEXT, "Write the release notes", "Review pull request 42", True),
        _f("description", _LONG, "Summarise every change since version 1.2.", None),
        _f("status", _s(type="string", enum=["todo", "in_progress", "done"], default="todo"),
           "todo", "in_progress", True),
        _f("due_date", {**_DATE, "nullable": True}, "2025-07-01", None),
    ),
    "user": (
        _f("name", _TEXT, "Ada Lovelace", "Alan Turing", True),
        _f("email", _EMAIL, "ada@example.com", "alan@example.com", True),
        _f("role", _s(type="string", enum=["member", "admin"], default="member"), "admin", "member"),
    ),
    "customer": (
        _f("name", _TEXT, "Grace Hopper", "Katherine Johnson", True),
        _f("email", _EMAIL, "grace@example.com", "katherine@example.com", True),
        _f("phone", _s(type="string", pattern=r"^\+?[0-9 ()-]{7,20}$", nullable=True),
           "+44 20 7946 0958", None),
    ),
    "product": (
        _f("name", _TEXT, "Espresso cup", "Milk jug", True),
        _f("description", _LONG, "A 90 ml porcelain cup.", None),
        _f("price", _MONEY, 12.5, 24.0, True),
        _f("sku", _s(type="string", pattern="^[A-Z0-9-]{3,32}$"), "CUP-090", "JUG-350", True),
        _f("in_stock", _s(type="boolean", default=True), True, False),
    ),
    "order": (
        _f("status", _s(type="string", enum=["pending", "paid", "shipped", "cancelled"],
                        default="pending"), "pending", "paid", True),
        _f("total", _MONEY, 37.0, 12.5, True),
        _f("currency", _CURRENCY, "EUR", "USD", True),
    ),
    "comment": (
        _f("body", _s(type="string", minLength=1, maxLength=5000), "Looks good to me.",
           "Could we add a test for this?", True),
        _f("author", _TEXT, "ada", "alan", True),
    ),
    "post": (
        _f("title", _TEXT, "Hello, world", "Release 1.0", True),
        _f("body", _s(type="string", minLength=1), "Our first post.", "What is new in 1.0.", True),
        _f("published", _s(type="boolean", default=False), True, False),
    ),
    "invoice": (
        _f("number", _s(type="string", pattern="^INV-[0-9]{4,}$"), "INV-0001", "INV-0002", True),
        _f("amount", _MONEY, 120.0, 75.5, True),
        _f("currency", _CURRENCY, "EUR", "GBP", True),
        _f("due_date", _DATE, "2025-08-31", "2025-09-30", True),
        _f("paid", _s(type="boolean", default=False), False, True),
    ),
    "payment": (
        _f("amount", _MONEY, 120.0, 75.5, True),
        _f("currency", _CURRENCY, "EUR", "GBP", True),
        _f("status", _s(type="string", enum=["pending", "completed", "failed"], default="pending"),
           "completed", "pending", True),
    ),
    "project": (
        _f("name", _TEXT, "Website relaunch", "Mobile app", True),
        _f("description", _LONG, "New design and content for the public website.", None),
        _f("status", _s(type="string", enum=["active", "archived"], default="active"),
           "active", "archived", True),
    ),
    "category": (
        _f("name", _TEXT, "Kitchen", "Garden", True),
        _f("description", _LONG, "Things for the kitchen.", None),
    ),
    "tag": (
        _f("name", _s(type="string", pattern="^[a-z0-9-]{1,40}$"), "urgent", "backend", True),
    ),
    "note": (
        _f("title", _TEXT, "Meeting notes", "Ideas", True),
        _f("body", _s(type="string", maxLength=20000), "Agreed to ship on Friday.", "Try the new parser.", True),
    ),
    "book": (
        _f("title", _TEXT, "The Art of Computer Programming", "Structure and Interpretation", True),
        _f("author", _TEXT, "Donald Knuth", "Harold Abelson", True),
        _f("isbn", _s(type="string", pattern=r"^(97[89])?[0-9]{9}[0-9X]$"),
           "9780201896831", "9780262510875", True),
        _f("published_year", _s(type="integer", minimum=1450, maximum=2100), 1968, 1985),
    ),
    "author": (
        _f("name", _TEXT, "Donald Knuth", "Barbara Liskov", True),
        _f("bio", _LONG, "Professor emeritus at Stanford.", None),
    ),
    "event": (
        _f("title", _TEXT, "Team offsite", "Release party", True),
        _f("starts_at", _DATETIME, "2025-09-01T09:00:00Z", "2025-09-12T18:00:00Z", True),
        _f("ends_at", {**_DATETIME, "nullable": True}, "2025-09-01T17:00:00Z", None),
        _f("location", _s(type="string", maxLength=200, nullable=True), "Berlin", None),
    ),
    "ticket": (
        _f("title", _TEXT, "Login fails on Safari", "Add dark mode", True),
        _f("description", _LONG, "Steps: open the login page in Safari 17.", None),
        _f("priority", _s(type="string", enum=["low", "medium", "high"], default="medium"),
           "high", "low", True),
        _f("status", _s(type="string", enum=["open", "in_progress", "closed"], default="open"),
           "open", "in_progress", True),
    ),
    "message": (
        _f("body", _s(type="string", minLength=1, maxLength=5000), "Hello!", "See you at 10.", True),
        _f("sender", _TEXT, "ada", "alan", True),
    ),
    "booking": (
        _f("starts_at", _DATETIME, "2025-09-01T10:00:00Z", "2025-09-02T15:30:00Z", True),
        _f("ends_at", _DATETIME, "2025-09-01T11:00:00Z", "2025-09-02T16:00:00Z", True),
        _f("status", _s(type="string", enum=["requested", "confirmed", "cancelled"],
                        default="requested"), "confirmed", "requested", True),
        _f("notes", _LONG, "Window seat, please.", None),
    ),
}
_FIELDS["article"] = _FIELDS["post"]
_FIELDS["issue"] = _FIELDS["ticket"]
_FIELDS["reservation"] = _FIELDS["booking"]
_FIELDS["appointment"] = _FIELDS["booking"]
_FIELDS["todo"] = _FIELDS["task"]
_FIELDS["member"] = _FIELDS["user"]
_FIELDS["employee"] = _FIELDS["user"]
_FIELDS["student"] = _FIELDS["user"]
_FIELDS["contact"] = _FIELDS["customer"]


def _fields(entity: str) -> tuple[_Field, ...]:
    known = _FIELDS.get(entity) or _FIELDS.get(_words(entity)[-1])
    if known is not None:
        return (*known, _created()) if entity in {"comment", "message", "order"} else known
    label = _human(entity)
    return (
        _f("name", _TEXT, f"First {label}", f"Second {label}", True),
        _f("description", _LONG, f"The first {label}.", None),
        _created(),
    )


# ------------------------------------------------------------------ schemas


def _schemas(entity: str, fields: tuple[_Field, ...], names: dict[str, str]) -> dict[str, Any]:
    label = _human(entity)
    inputs = [f for f in fields if not f.read_only]
    out_props: dict[str, Any] = {"id": {"type": "integer", "format": "int64", "minimum": 1,
                                        "readOnly": True}}
    in_props: dict[str, Any] = {}
    for f in fields:
        out_props[f.name] = dict(f.schema)
        if not f.read_only:
            in_props[f.name] = dict(f.schema)
    return {
        names["schema"]: {
            "type": "object",
            "description": f"A {label} as the API returns it.",
            "required": ["id", *[f.name for f in fields if f.required]],
            "properties": out_props,
        },
        names["input"]: {
            "type": "object",
            "description": f"The fields a client sends to create or replace a {label}.",
            "required": [f.name for f in inputs if f.required],
            "properties": in_props,
        },
    }


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "An error, as RFC 9457 problem details.",
        "required": ["title", "status"],
        "properties": {
            "type": {"type": "string", "default": "about:blank"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 100, "maximum": 599},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "validation": {
                "type": "array",
                "description": "One entry per invalid part of the request.",
                "items": {
                    "type": "object",
                    "properties": {
                        "path": {"type": "string"},
                        "message": {"type": "string"},
                    },
                },
            },
        },
    }


def _example_input(fields: tuple[_Field, ...], which: int) -> dict[str, Any]:
    return {f.name: f.examples[which] for f in fields if not f.read_only}


def _example_output(fields: tuple[_Field, ...], which: int, ident: int) -> dict[str, Any]:
    out: dict[str, Any] = {"id": ident}
    out.update({f.name: f.examples[which] for f in fields})
    return out


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(status: int, title: str, detail: str, name: str, problem: str, *,
             validation: list[dict[str, str]] | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                             "detail": detail}
    if validation is not None:
        value["validation"] = validation
    return {
        "description": title,
        "content": {PROBLEM_JSON: {"schema": _ref(problem),
                                   "examples": {name: {"summary": title, "value": value}}}},
    }


def _not_found(entity: str, problem: str) -> dict[str, Any]:
    label = _human(entity)
    return _problem(404, "Not Found", f"There is no {label} with this id.", "not_found", problem)


def _unprocessable(entity: str, fields: tuple[_Field, ...], problem: str) -> dict[str, Any]:
    first = next((f.name for f in fields if f.required and not f.read_only), None)
    validation = ([{"path": f"/{first}", "message": f"'{first}' is a required property"}]
                  if first else [{"path": "", "message": "the body must be a JSON object"}])
    return _problem(422, "Unprocessable Entity",
                    f"The {_human(entity)} in the request body is not valid.",
                    "invalid_body", problem, validation=validation)


def _json(schema: dict[str, Any], examples: dict[str, Any]) -> dict[str, Any]:
    return {JSON: {"schema": schema, "examples": examples}}


def _paths(
    entity: str, fields: tuple[_Field, ...], names: dict[str, str], problem: str
) -> dict[str, Any]:
    label = _human(entity)
    many = _human(plural(entity))
    tag = names["tag"]
    first_in, second_in = _example_input(fields, 0), _example_input(fields, 1)
    first_out, second_out = _example_output(fields, 0, 1), _example_output(fields, 1, 2)
    updated = _example_output(fields, 1, 1)
    item_param = {
        "name": names["param"],
        "in": "path",
        "required": True,
        "description": f"The id of the {label}.",
        "schema": {"type": "integer", "format": "int64", "minimum": 1},
        "example": 1,
    }
    return {
        names["path"]: {
            "get": {
                "tags": [tag],
                "operationId": names["list"],
                "summary": f"List {many}",
                "responses": {
                    "200": {
                        "description": f"All {many}.",
                        "content": _json(
                            {"type": "array", "items": _ref(names["schema"])},
                            {plural(entity): {"summary": f"Two {many}",
                                              "value": [first_out, second_out]}},
                        ),
                    },
                },
            },
            "post": {
                "tags": [tag],
                "operationId": names["create"],
                "summary": f"Create a {label}",
                "requestBody": {
                    "required": True,
                    "content": _json(_ref(names["input"]),
                                     {f"new_{entity}": {"summary": f"A new {label}",
                                                        "value": first_in}}),
                },
                "responses": {
                    "201": {
                        "description": f"The {label} was created.",
                        "headers": {
                            "Location": {
                                "description": f"The URL of the new {label}.",
                                "schema": {"type": "string"},
                                "example": f"{names['path']}/1",
                            },
                        },
                        "content": _json(_ref(names["schema"]),
                                         {f"created_{entity}": {"summary": f"The created {label}",
                                                                "value": first_out}}),
                    },
                    "422": _unprocessable(entity, fields, problem),
                },
            },
        },
        names["item_path"]: {
            "parameters": [item_param],
            "get": {
                "tags": [tag],
                "operationId": names["get"],
                "summary": f"Get a {label}",
                "responses": {
                    "200": {
                        "description": f"The {label}.",
                        "content": _json(_ref(names["schema"]),
                                         {entity: {"summary": f"A {label}", "value": first_out}}),
                    },
                    "404": _not_found(entity, problem),
                },
            },
            "put": {
                "tags": [tag],
                "operationId": names["update"],
                "summary": f"Replace a {label}",
                "requestBody": {
                    "required": True,
                    "content": _json(_ref(names["input"]),
                                     {f"updated_{entity}": {"summary": f"The new {label} fields",
                                                            "value": second_in}}),
                },
                "responses": {
                    "200": {
                        "description": f"The updated {label}.",
                        "content": _json(_ref(names["schema"]),
                                         {f"updated_{entity}": {"summary": f"The updated {label}",
                                                                "value": updated}}),
                    },
                    "404": _not_found(entity, problem),
                    "422": _unprocessable(entity, fields, problem),
                },
            },
            "delete": {
                "tags": [tag],
                "operationId": names["delete"],
                "summary": f"Delete a {label}",
                "responses": {
                    "204": {"description": f"The {label} was deleted."},
                    "404": _not_found(entity, problem),
                },
            },
        },
    }


def design_openapi(title: str, entities: Sequence[str], *, description: str = "") -> dict[str, Any]:
    """An OpenAPI 3.0.3 document with CRUD operations for each entity.

    ``entities`` are snake_case singular ids (``task``, ``line_item``);
    duplicates are ignored. Raises :class:`UsageError` when there is none or
    one is not a snake_case id.
    """
    ents = tuple(dict.fromkeys(entities))
    if not ents:
        raise UsageError("design_openapi needs at least one entity, found none")
    bad = [e for e in ents if not _ENTITY_RE.fullmatch(e)]
    if bad:
        raise UsageError(f"design_openapi: entity ids must be snake_case, found {bad!r}")
    doc: dict[str, Any] = json.loads(_document_text(ents, description))
    doc["info"]["title"] = title
    return doc


@lru_cache(maxsize=256)
def _document_text(ents: tuple[str, ...], description: str) -> str:
    """The document as JSON text, without its title. JSON text is cached
    because parsing it gives a fresh tree without shared nodes: YAML dumps
    it without anchors or aliases."""
    labels = ", ".join(_human(plural(e)) for e in ents)
    info: dict[str, Any] = {
        "title": "",
        "version": "1.0.0",
        "description": description or f"Create, list, read, replace and delete {labels}.",
    }
    # the error schema is `Problem`, unless an entity is called that
    problem = "ApiProblem" if "problem" in ents else "Problem"
    tags: list[dict[str, str]] = []
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for e in ents:
        names = entity_names(e)
        fields = _fields(e)
        tags.append({"name": names["tag"], "description": f"Operations on {_human(plural(e))}."})
        paths.update(_paths(e, fields, names, problem))
        schemas.update(_schemas(e, fields, names))
    schemas[problem] = _problem_schema()
    doc = {
        "openapi": OPENAPI_VERSION,
        "info": info,
        "tags": tags,
        "paths": paths,
        "components": {"schemas": schemas},
    }
    return json.dumps(doc)
