"""Designed OpenAPI documents: valid, complete CRUD, examples that validate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from teamspec.errors import UsageError
from teamspec.openapi_design import collection_path, design_openapi, entity_names, plural

ENTITY_SETS = [
    ["task"],
    ["task", "user"],
    ["user", "product", "order"],
    ["book", "author", "category", "tag"],
    ["post", "comment", "article"],
    ["invoice", "payment", "customer"],
    ["ticket", "issue", "project", "note"],
    ["event", "booking", "appointment", "message"],
    ["recipe", "ingredient", "line_item", "time_entry"],
    ["category", "box", "status", "person"],
    ["problem", "todo"],
]


def _examples(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    """(where, direction, schema, example value) for every named example."""
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            body = op.get("requestBody")
            if body:
                for ctype, media in body["content"].items():
                    for name, ex in media.get("examples", {}).items():
                        yield (f"{method.upper()} {path} request {ctype} {name}", "write",
                               media["schema"], ex["value"])
            for status, resp in op["responses"].items():
                for ctype, media in resp.get("content", {}).items():
                    for name, ex in media.get("examples", {}).items():
                        yield (f"{method.upper()} {path} {status} {ctype} {name}", "read",
                               media["schema"], ex["value"])


def _check_examples(doc: dict[str, Any]) -> int:
    registry = Registry().with_resource(
        "urn:doc", Resource.from_contents(doc, default_specification=DRAFT4))
    count = 0
    for where, direction, schema, value in _examples(doc):
        ref = schema["$ref"].replace("#", "urn:doc#") if "$ref" in schema else None
        if ref is not None:
            schema = {"$ref": ref}
        elif schema.get("type") == "array":
            schema = {"type": "array", "items": {"$ref": schema["items"]["$ref"].replace("#", "urn:doc#")}}
        cls = OAS30WriteValidator if direction == "write" else OAS30ReadValidator
        errors = [e.message for e in cls(schema, registry=registry,
                                         format_checker=oas30_format_checker).iter_errors(value)]
        assert errors == [], where
        count += 1
    return count


@pytest.mark.parametrize("entities", ENTITY_SETS, ids=["-".join(e) for e in ENTITY_SETS])
def test_valid_openapi_with_valid_examples(entities: list[str]) -> None:
    doc = design_openapi("Test API", entities)
    validate(doc)  # openapi-spec-validator raises on any problem
    assert doc["openapi"] == "3.0.3"
    # list, create (request + 201 + 422), get (200 + 404), put (request, 200, 404, 422), delete 404
    assert _check_examples(doc) == 11 * len(entities)


def test_crud_paths_operation_ids_and_statuses() -> None:
    doc = design_openapi("Task API", ["task"])
    assert list(doc["paths"]) == ["/tasks", "/tasks/{taskId}"]
    coll, item = doc["paths"]["/tasks"], doc["paths"]["/tasks/{taskId}"]
    assert [(m, op["operationId"]) for m, op in coll.items()] == [
        ("get", "listTasks"), ("post", "createTask")]
    assert [(m, op["operationId"]) for m, op in item.items() if m != "parameters"] == [
        ("get", "getTask"), ("put", "updateTask"), ("delete", "deleteTask")]
    assert list(coll["get"]["responses"]) == ["200"]
    assert list(coll["post"]["responses"]) == ["201", "422"]
    assert list(item["get"]["responses"]) == ["200", "404"]
    assert list(item["put"]["responses"]) == ["200", "404", "422"]
    assert list(item["delete"]["responses"]) == ["204", "404"]
    assert "content" not in item["delete"]["responses"]["204"]
    created = coll["post"]["responses"]["201"]
    assert created["headers"]["Location"]["schema"] == {"type": "string"}
    assert created["headers"]["Location"]["example"] == "/tasks/1"
    assert item["parameters"][0]["name"] == "taskId"
    assert item["parameters"][0]["in"] == "path" and item["parameters"][0]["required"] is True
    for resp in (coll["post"]["responses"]["422"], item["get"]["responses"]["404"]):
        assert list(resp["content"]) == ["application/problem+json"]
        assert resp["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"}
    assert coll["post"]["requestBody"]["required"] is True
    assert list(coll["post"]["requestBody"]["content"]["application/json"]["examples"]) == ["new_task"]


def test_task_schema_fields() -> None:
    doc = design_openapi("Task API", ["task"])
    schemas = doc["components"]["schemas"]
    assert list(schemas) == ["Task", "TaskInput", "Problem"]
    task = schemas["Task"]
    assert task["required"] == ["id", "title", "status"]
    assert task["properties"]["id"] == {"type": "integer", "format": "int64", "minimum": 1,
                                        "readOnly": True}
    assert task["properties"]["status"]["enum"] == ["todo", "in_progress", "done"]
    assert task["properties"]["due_date"]["format"] == "date"
    assert task["properties"]["due_date"]["nullable"] is True
    assert list(task["properties"]) == ["id", "title", "description", "status", "due_date"]
    assert schemas["TaskInput"]["required"] == ["title", "status"]
    assert "id" not in schemas["TaskInput"]["properties"]
    assert schemas["Problem"]["required"] == ["title", "status"]


def test_user_and_generic_fields() -> None:
    schemas = design_openapi("API", ["user", "widget"])["components"]["schemas"]
    assert schemas["User"]["properties"]["email"]["format"] == "email"
    assert schemas["User"]["required"] == ["id", "name", "email"]
    widget = schemas["Widget"]
    assert list(widget["properties"]) == ["id", "name", "description", "created_at"]
    assert widget["properties"]["created_at"] == {"type": "string", "format": "date-time",
                                                  "readOnly": True}
    assert "created_at" not in schemas["WidgetInput"]["properties"]
    assert widget["required"] == ["id", "name", "created_at"]


def test_names() -> None:
    assert plural("task") == "tasks"
    assert plural("category") == "categories"
    assert plural("box") == "boxes"
    assert plural("day") == "days"
    assert plural("person") == "people"
    assert plural("line_item") == "line_items"
    assert collection_path("line_item") == "/line-items"
    names = entity_names("line_item")
    assert names["item_path"] == "/line-items/{lineItemId}"
    assert (names["schema"], names["input"], names["list"], names["create"]) == (
        "LineItem", "LineItemInput", "listLineItems", "createLineItem")


def test_problem_entity_does_not_clash_with_error_schema() -> None:
    doc = design_openapi("API", ["problem"])
    validate(doc)
    assert list(doc["components"]["schemas"]) == ["Problem", "ProblemInput", "ApiProblem"]


def test_deterministic_including_key_order() -> None:
    a = design_openapi("Shop API", ["user", "product", "order"], description="A shop.")
    b = design_openapi("Shop API", ["user", "product", "order"], description="A shop.")
    assert json.dumps(a) == json.dumps(b)
    assert a["info"] == {"title": "Shop API", "version": "1.0.0", "description": "A shop."}


def test_duplicates_ignored_and_bad_input_rejected() -> None:
    assert design_openapi("A", ["task", "task"]) == design_openapi("A", ["task"])
    with pytest.raises(UsageError) as err:
        design_openapi("A", [])
    assert err.value.message == "design_openapi needs at least one entity, found none"
    with pytest.raises(UsageError) as err:
        design_openapi("A", ["Task Item"])
    assert err.value.message == "design_openapi: entity ids must be snake_case, found ['Task Item']"


def test_no_shared_nodes_so_yaml_has_no_aliases() -> None:
    doc = design_openapi("API", ["task", "user"])
    text = yaml.safe_dump(doc, sort_keys=False)
    assert "&id" not in text and "*id" not in text
    assert yaml.safe_load(text) == doc


def test_operation_ids_unique() -> None:
    doc = design_openapi("API", ["task", "user", "order", "line_item"])
    ids = [op["operationId"] for item in doc["paths"].values()
           for m, op in item.items() if m != "parameters"]
    assert len(ids) == len(set(ids)) == 20
