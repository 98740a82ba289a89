"""Reading OpenAPI documents: operations, names, resources, references."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from offline_support import CORPUS, TASKS_DOC, USERS_DOC, rest_contract

from teamspec.offline.openapi import api_model


def model(doc: dict[str, Any]) -> Any:
    return api_model(rest_contract("api", doc))


@pytest.mark.parametrize(
    ("name", "operations", "resources"),
    [
        ("petstore-expanded", [("GET /pets", "findPets", "list"), ("POST /pets", "addPet", "create"),
                               ("GET /pets/{id}", "findPetById", "read"), ("DELETE /pets/{id}", "deletePet", "delete")],
         ["/pets"]),
        ("petstore", [("GET /pets", "listPets", "list"), ("POST /pets", "createPets", "create"),
                      ("GET /pets/{petId}", "showPetById", "read")], ["/pets"]),
        ("uspto", [("GET /", "listDataSets", "action"), ("GET /{dataset}/{version}/fields", "listSearchableFields", "action"),
                   ("POST /{dataset}/{version}/records", "performSearch", "action")], []),
        ("callback-example", [("POST /streams", "postStreams", "action")], []),
    ],
)
def test_corpus_operations(name: str, operations: list[tuple[str, str, str]], resources: list[str]) -> None:
    m = model(yaml.safe_load((CORPUS / f"{name}.yaml").read_text()))
    assert [(op.label, op.name, op.kind) for op in m.operations] == operations
    assert [r.collection_path for r in m.resources] == resources


def test_tasks_resource() -> None:
    m = model(TASKS_DOC)
    (r,) = m.resources
    assert (r.name, r.item_path, r.id_param, r.id_prop, r.id_type, r.id_from_body) == (
        "Task", "/tasks/{taskId}", "taskId", "id", "integer", False)
    assert sorted(r.operations) == ["create", "delete", "list", "read", "update"]
    create = m.operation("createTask")
    assert (create.success_status, create.refusal_status("invalid"), create.refusal_status("malformed")) == (201, 422, 400)
    assert create.has_body_example and create.body_example["title"] == "Buy milk"
    assert m.operation("deleteTask").refusal_status("invalid") is None
    assert list(m.entity_schemas) == ["Task"]


def test_allof_is_merged_and_names_kept() -> None:
    m = model(USERS_DOC)
    user = m.schemas["User"]
    assert user["required"] == ["email", "name", "id"]
    assert list(user["properties"]) == ["email", "name", "role", "id"]
    assert user["x-teamspec-name"] == "User"
    assert [r.name for r in m.resources] == ["User"]
    assert m.resources[0].id_schema == {"type": "string", "format": "uuid"}


def test_recursive_schemas_stay_references() -> None:
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/nodes": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}},
        "responses": {"201": {"description": "ok", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Node"}}}}}}}},
        "components": {"schemas": {"Node": {"type": "object", "properties": {
            "name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}}}}
    m = model(doc)
    assert list(m.defs) == ["#/components/schemas/Node"]
    assert m.operations[0].body_schema["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Node"}
    assert m.operations[0].name == "postNodes"


def test_dangling_reference_accepts_anything() -> None:
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": {
        "responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Missing"}}}}}}}}}
    assert model(doc).operations[0].responses[0].schema == {}
