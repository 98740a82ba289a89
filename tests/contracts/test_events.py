"""event_stream artifacts: standalone message schemas, samples that
validate, types, and the errors for documents of the wrong shape.
(``tsc`` over the generated types and samples runs in test_typesgen.)"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from teamspec.contracts.events import event_files
from teamspec.errors import InterfaceError
from teamspec.model import Contract, Interface

DOC: dict[str, Any] = {
    "channel": "tasks",
    "description": "Task lifecycle events.",
    "$defs": {
        "TaskId": {"type": "string", "pattern": "^T-[0-9]{4}$"},
        "Actor": {"type": "object", "required": ["id"], "additionalProperties": False,
                  "properties": {"id": {"type": "string"},
                                 "email": {"type": "string", "format": "email"}}},
    },
    "messages": {
        "task.created": {
            "type": "object",
            "required": ["id", "title", "by", "at"],
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": "#/$defs/TaskId"},
                "title": {"type": "string", "minLength": 3},
                "by": {"$ref": "#/$defs/Actor"},
                "at": {"type": "string", "format": "date-time"},
                "labels": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
            },
        },
        "task.status_changed": {
            "type": "object",
            "required": ["id", "from", "to"],
            "properties": {
                "id": {"$ref": "#/$defs/TaskId"},
                "from": {"$ref": "#/$defs/Status"},
                "to": {"$ref": "#/$defs/Status"},
            },
            "$defs": {"Status": {"enum": ["todo", "doing", "done"]}},
        },
        "TaskDeleted": {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "required": ["id", "reason"],
            "properties": {"id": {"$ref": "#/$defs/TaskId"},
                           "reason": {"type": ["string", "null"]},
                           "at": {"type": "integer", "minimum": 1700000000}},
        },
    },
}


def contract(doc: Any, source: Path | None = None) -> Contract:
    return Contract(id="task_events", name="Task Events", type="event_stream",
                    provider="backend_developer",
                    interface=Interface(kind="event_schemas", document=doc, source=source))


def error_lines(doc: Any) -> list[str]:
    with pytest.raises(InterfaceError) as info:
        event_files(contract(doc))
    return info.value.lines()


def test_files_and_samples_validate() -> None:
    files = event_files(contract(DOC))
    assert sorted(files) == [
        "README.md",
        "messages/TaskDeleted.schema.json",
        "messages/task.created.schema.json",
        "messages/task.status_changed.schema.json",
        "samples/TaskDeleted.json",
        "samples/task.created.json",
        "samples/task.status_changed.json",
        "types.d.ts",
    ]
    for name in DOC["messages"]:
        schema = json.loads(files[f"messages/{name}.schema.json"])
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        cls.check_schema(schema)
        validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
        sample = json.loads(files[f"samples/{name}.json"])
        assert list(validator.iter_errors(sample)) == [], name
        # and a sample of another message does not pass for this one
        assert not validator.is_valid({"unexpected": True}), name
    assert files == event_files(contract(DOC))  # deterministic


def test_message_schemas_are_standalone_with_only_the_defs_they_use() -> None:
    files = event_files(contract(DOC))
    created = json.loads(files["messages/task.created.schema.json"])
    changed = json.loads(files["messages/task.status_changed.schema.json"])
    deleted = json.loads(files["messages/TaskDeleted.schema.json"])
    assert created["$defs"] == {"Actor": DOC["$defs"]["Actor"], "TaskId": DOC["$defs"]["TaskId"]}
    assert changed["$defs"] == {"Status": {"enum": ["todo", "doing", "done"]},
                                "TaskId": DOC["$defs"]["TaskId"]}
    assert deleted == {**DOC["messages"]["TaskDeleted"], "$defs": {"TaskId": DOC["$defs"]["TaskId"]}}


def test_types_and_readme() -> None:
    files = event_files(contract(DOC))
    types = files["types.d.ts"]
    assert types.endswith('''\
/** Message name → message type. */
export interface MessageMap {
  "task.created": TaskCreated;
  "task.status_changed": TaskStatusChanged;
  TaskDeleted: TaskDeleted;
}

/** Any message of this stream. */
export type AnyMessage = TaskCreated | TaskStatusChanged | TaskDeleted;
''')
    assert "export type Status = \"todo\" | \"doing\" | \"done\";" in types
    assert "  reason: string | null;" in types
    readme = files["README.md"]
    assert "Channel: `tasks`." in readme
    assert ("| `task.status_changed` | `messages/task.status_changed.schema.json` | "
            "`samples/task.status_changed.json` | `TaskStatusChanged` |") in readme


def test_document_of_the_wrong_shape() -> None:
    doc = {"channel": 3, "topic": "x", "$defs": [], "messages": {"bad name!": 1, "ok": {}}}
    assert error_lines(doc) == [
        "<task_events interface>: error: topic: unknown key 'topic'; expected one of "
        "channel, description, $defs, messages",
        "<task_events interface>: error: channel: expected a string, found int",
        "<task_events interface>: error: $defs: expected a mapping of schema name to JSON "
        "Schema",
        "<task_events interface>: error: messages.bad name!: message name 'bad name!' is "
        "not allowed: use letters, digits, '.', '_' and '-', starting with a letter or digit",
        "<task_events interface>: error: messages.bad name!: expected a JSON Schema (a "
        "mapping or a boolean), found int",
    ]
    assert error_lines({"messages": {}}) == [
        "<task_events interface>: error: messages: expected a non-empty mapping of message "
        "name to JSON Schema, found an empty mapping"
    ]
    assert error_lines({"channel": "x"}) == [
        "<task_events interface>: error: messages: expected a non-empty mapping of message "
        "name to JSON Schema, found nothing"
    ]


def test_references_that_cannot_stand_alone() -> None:
    doc = {"messages": {
        "a": {"type": "object", "properties": {"x": {"$ref": "#/definitions/X"},
                                               "y": {"$ref": "#/$defs/Missing"}}},
    }}
    assert error_lines(doc) == [
        "<task_events interface>: error: messages.a.properties.x.$ref: $ref "
        "'#/definitions/X' is not supported in an event message: refer to a shared schema as "
        "'#/$defs/<Name>'",
        "<task_events interface>: error: messages.a: $ref '#/$defs/Missing' names no shared "
        "or message schema; define 'Missing' under $defs",
    ]


def test_conflicting_message_defs() -> None:
    doc = copy.deepcopy(DOC)
    doc["messages"]["task.created"]["$defs"] = {"TaskId": {"type": "integer"}}
    assert error_lines(doc) == [
        "<task_events interface>: error: messages.task.created.$defs.TaskId: $defs entry "
        "'TaskId' differs from the one in $defs; rename one of them (message $defs share one "
        "namespace)"
    ]


def test_unsatisfiable_message_names_it(tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    with pytest.raises(InterfaceError) as info:
        event_files(contract({"messages": {"ping": {"allOf": [False]}}}, source))
    assert info.value.lines() == [
        f"{source}: error: messages.ping: no valid sample event for message 'ping': the "
        "generated example null fails at (root): False schema does not allow None; loosen or "
        "fix the schema of this type"
    ]


def test_boolean_message_schema() -> None:
    files = event_files(contract({"messages": {"anything": True}}))
    assert files["messages/anything.schema.json"] == "true\n"
    assert "export type Anything = unknown;" in files["types.d.ts"]
    json.loads(files["samples/anything.json"])


def test_invalid_message_schema(tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    with pytest.raises(InterfaceError) as info:
        event_files(contract({"messages": {"ping": {"type": "object", "required": "id"}}},
                             source))
    assert info.value.lines() == [
        f"{source}: error: messages.ping.required: not a valid JSON Schema: 'id' is not of "
        "type 'array'"
    ]


def test_wrong_interface_kind() -> None:
    wrong = Contract(id="task_events", name="Task Events", type="event_stream", provider="p",
                     interface=Interface(kind="json_schema", document={"type": "object"}))
    with pytest.raises(InterfaceError) as info:
        event_files(wrong)
    assert info.value.lines() == [
        "<task_events interface>: error: contracts.task_events.interface: expected an "
        "event_schemas interface (a mapping with `messages:`), found a json_schema interface"
    ]
