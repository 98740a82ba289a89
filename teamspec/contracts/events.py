"""event_stream contract artifacts: message schemas, sample events, types.

An event_stream interface (kind ``event_schemas``) is a mapping::

    channel: tasks              # optional: the topic / queue / channel name
    description: Task events    # optional
    $defs:                      # optional: schemas shared by the messages,
      TaskId: {type: string}    #   referenced as "#/$defs/<Name>"
    messages:                   # required, at least one
      TaskCreated:              # message name: letters, digits, '.', '_', '-'
        type: object            # a JSON Schema (2020-12 unless $schema says)
        required: [id]
        properties:
          id: {$ref: "#/$defs/TaskId"}

Inside a message, ``#/$defs/<Name>`` names a shared schema or one of the
message's own ``$defs`` (the two must not disagree on a name); no other
``$ref`` form is accepted.

:func:`event_files` returns ``messages/<Name>.schema.json`` (the message
schema made standalone: the ``$defs`` it uses copied in),
``samples/<Name>.json`` (a deterministic sample from
:func:`teamspec.contracts.values.example_for`, validated against the
message schema), ``types.d.ts`` (one type per message and shared schema,
plus ``MessageMap`` and ``AnyMessage``) and ``README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from teamspec.contracts.openapi_util import iter_refs, jsonable
from teamspec.contracts.typesgen import (
    NamedType,
    TypeScriptGenerator,
    checked_stub,
    json_text,
    property_key,
    validator_for,
)
from teamspec.errors import Diagnostic, InterfaceError
from teamspec.model import Contract

ACCEPTED_KEYS = ("channel", "description", "$defs", "messages")
_MESSAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DEFS_REF = re.compile(r"^#/\$defs/([^/]+)$")


def _where(contract: Contract) -> str:
    iface = contract.interface
    if iface is not None and iface.source is not None:
        return str(iface.source)
    return f"<{contract.id} interface>"


def _error(file: str, path: str, message: str) -> Diagnostic:
    return Diagnostic(file, 0, 0, "error", message, path)


def _raise(file: str, diagnostics: list[Diagnostic]) -> None:
    if diagnostics:
        raise InterfaceError(
            f"{file}: invalid event_stream interface ({len(diagnostics)} problem(s))", diagnostics
        )


def event_document(contract: Contract) -> dict[str, Any]:
    """The event document of an event_stream contract, checked against the
    accepted shape (module docstring); InterfaceError listing every problem."""
    iface = contract.interface
    file = _where(contract)
    if iface is None or iface.kind != "event_schemas" or not isinstance(iface.document, Mapping):
        found = "no interface" if iface is None else f"a {iface.kind} interface"
        raise InterfaceError(
            f"contract {contract.id!r}: expected an event_schemas interface, found {found}",
            [_error(file, f"contracts.{contract.id}.interface",
                    f"expected an event_schemas interface (a mapping with `messages:`), "
                    f"found {found}")],
        )
    doc: dict[str, Any] = jsonable(iface.document)
    problems: list[Diagnostic] = []
    for key in doc:
        if key not in ACCEPTED_KEYS:
            problems.append(_error(file, key, f"unknown key {key!r}; expected one of "
                                              f"{', '.join(ACCEPTED_KEYS)}"))
    for key in ("channel", "description"):
        if key in doc and not isinstance(doc[key], str):
            problems.append(_error(file, key, f"expected a string, found "
                                              f"{type(doc[key]).__name__}"))
    shared = doc.get("$defs", {})
    if not isinstance(shared, Mapping):
        problems.append(_error(file, "$defs", "expected a mapping of schema name to JSON Schema"))
    messages = doc.get("messages")
    if not isinstance(messages, Mapping) or not messages:
        problems.append(_error(
            file, "messages",
            "expected a non-empty mapping of message name to JSON Schema, found "
            + ("nothing" if messages is None else type(messages).__name__ if not isinstance(
                messages, Mapping) else "an empty mapping")))
    else:
        for name, schema in messages.items():
            if not _MESSAGE_NAME.match(name):
                problems.append(_error(
                    file, f"messages.{name}",
                    f"message name {name!r} is not allowed: use letters, digits, '.', '_' and "
                    "'-', starting with a letter or digit"))
            if not isinstance(schema, Mapping | bool):
                problems.append(_error(file, f"messages.{name}",
                                       "expected a JSON Schema (a mapping or a boolean), found "
                                       f"{type(schema).__name__}"))
    _raise(file, problems)
    return doc


def _defs_pool(doc: Mapping[str, Any], file: str) -> dict[str, Any]:
    """Shared ``$defs`` and every message's own ``$defs``, in one namespace."""
    pool: dict[str, Any] = dict(doc.get("$defs") or {})
    origin = dict.fromkeys(pool, "$defs")
    problems: list[Diagnostic] = []
    for name, schema in doc["messages"].items():
        local = schema.get("$defs") if isinstance(schema, Mapping) else None
        if not isinstance(local, Mapping):
            continue
        for key, sub in local.items():
            if key in pool and pool[key] != sub:
                problems.append(_error(
                    file, f"messages.{name}.$defs.{key}",
                    f"$defs entry {key!r} differs from the one in {origin[key]}; "
                    "rename one of them (message $defs share one namespace)"))
            else:
                pool.setdefault(key, sub)
                origin.setdefault(key, f"messages.{name}.$defs")
    _raise(file, problems)
    return pool


def _refs(schema: Any, path: str, file: str) -> tuple[set[str], list[Diagnostic]]:
    found: set[str] = set()
    problems: list[Diagnostic] = []
    for at, ref in iter_refs(schema):
        match = _DEFS_REF.match(ref)
        if match is None:
            where = ".".join([path, *(str(p) for p in at)])
            problems.append(_error(file, f"{where}.$ref",
                                   f"$ref {ref!r} is not supported in an event message: refer "
                                   "to a shared schema as '#/$defs/<Name>'"))
        else:
            found.add(match.group(1).replace("~1", "/").replace("~0", "~"))
    return found, problems


def standalone_schema(name: str, schema: Mapping[str, Any] | bool, pool: Mapping[str, Any],
                      file: str) -> dict[str, Any] | bool:
    """A message schema with the ``$defs`` it uses (transitively) copied in."""
    if isinstance(schema, bool):
        return schema
    problems: list[Diagnostic] = []
    needed: dict[str, Any] = {}
    todo, todo_problems = _refs(schema, f"messages.{name}", file)
    problems += todo_problems
    while todo:
        key = todo.pop()
        if key in needed:
            continue
        if key not in pool:
            problems.append(_error(file, f"messages.{name}",
                                   f"$ref '#/$defs/{key}' names no shared or message schema; "
                                   f"define {key!r} under $defs"))
            continue
        needed[key] = pool[key]
        more, more_problems = _refs(pool[key], f"$defs.{key}", file)
        todo |= more - set(needed)
        problems += more_problems
    _raise(file, problems)
    result = {k: v for k, v in schema.items() if k != "$defs"}
    if needed:
        result["$defs"] = dict(sorted(needed.items()))
    return result


def _readme(contract: Contract, doc: Mapping[str, Any], names: Mapping[str, str],
            map_name: str, any_name: str) -> str:
    lines = [f"# {contract.name} — event stream", ""]
    if doc.get("description"):
        lines += [str(doc["description"]), ""]
    lines += [
        f"Contract `{contract.id}` (provider: `{contract.provider}`). Generated by teamspec.",
    ]
    if doc.get("channel"):
        lines.append(f"Channel: `{doc['channel']}`.")
    lines += [
        "",
        "| message | schema | sample | type |",
        "| --- | --- | --- | --- |",
    ]
    for message, type_name in names.items():
        lines.append(f"| `{message}` | `messages/{message}.schema.json` | "
                     f"`samples/{message}.json` | `{type_name}` |")
    lines += [
        "",
        "Each sample validates against its schema (JSON Schema; teamspec checked it when",
        f"generating). `types.d.ts` declares one type per message, `{map_name}` (message",
        f"name to type) and `{any_name}` (any of them):",
        "",
        "```ts",
        f'import type {{ {map_name} }} from "./types";',
        f"function handle<K extends keyof {map_name}>(name: K, event: {map_name}[K]): void {{}}",
        "```",
        "",
    ]
    return "\n".join(lines)


def event_files(contract: Contract) -> dict[str, str]:
    """The files of an event_stream contract, relative to its contract
    directory (see the module docstring)."""
    doc = event_document(contract)
    file = _where(contract)
    pool = _defs_pool(doc, file)
    messages: dict[str, Any] = doc["messages"]
    files: dict[str, str] = {}
    samples: dict[str, str] = {}
    for name, schema in messages.items():
        standalone = standalone_schema(name, schema, pool, file)
        validator = validator_for(standalone, file, f"messages.{name}")
        sample = checked_stub(standalone, NamedType(name, "#", standalone), validator, file,
                              what=f"sample event for message {name!r}",
                              path=f"messages.{name}")
        files[f"messages/{name}.schema.json"] = json_text(standalone)
        samples[f"samples/{name}.json"] = json_text(sample)
    files.update(samples)

    # One document for the types: messages and shared schemas side by side.
    clash = sorted(set(pool) & set(messages))
    if clash:
        _raise(file, [_error(file, f"messages.{n}",
                             f"message {n!r} has the name of a $defs schema; rename one")
                      for n in clash])
    types_root = {"$defs": {**pool, **messages}}
    generator = TypeScriptGenerator(types_root, None, file)
    names = {n.pointer.rsplit("/", 1)[1].replace("~1", "/").replace("~0", "~"): n.name
             for n in generator.named_types if n.pointer.startswith("#/$defs/")}
    message_types = {m: names[m] for m in messages}
    body = generator.render(
        f"Event types of contract {contract.id} ({contract.name}), generated by teamspec.\n"
        "Do not edit: change the message schemas and regenerate."
    )
    taken = {n.name for n in generator.named_types}
    map_name = _free("MessageMap", taken)
    any_name = _free("AnyMessage", taken | {map_name})
    extra = [f"/** Message name → message type. */\nexport interface {map_name} {{"]
    extra += [f"  {property_key(m)}: {t};" for m, t in message_types.items()]
    extra.append("}")
    extra.append(f"\n/** Any message of this stream. */\nexport type {any_name} = "
                 + " | ".join(dict.fromkeys(message_types.values())) + ";")
    files["types.d.ts"] = body + "\n" + "\n".join(extra) + "\n"
    files["README.md"] = _readme(contract, doc, message_types, map_name, any_name)
    return files


def _free(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    return candidate
