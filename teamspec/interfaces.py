"""A contract's hand-written interface: from the spec's ``interface:`` value
to a :class:`~teamspec.model.Interface`.

``interface:`` is a file relative to the spec's directory or a mapping
written inline. The kind follows the contract type: ``rest_api`` → OpenAPI
(YAML or JSON), ``graphql`` → GraphQL SDL (a ``.graphql``/``.gql`` file),
``interface`` → JSON Schema, ``event_stream`` → message schemas
(``{messages: {Name: <JSON Schema>}}``). Documents are kept exactly as
written; this module reads and parses, it never rewrites.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import yaml

from teamspec.errors import Diagnostic, InterfaceError
from teamspec.model import ContractSpec, Interface, InterfaceKind, Spec, format_path

__all__ = ["GRAPHQL_SUFFIXES", "KIND_BY_TYPE", "interface_kind", "load_interface", "parse_interface_text"]

KIND_BY_TYPE: Mapping[str, InterfaceKind] = {
    "rest_api": "openapi",
    "graphql": "graphql",
    "interface": "json_schema",
    "event_stream": "event_schemas",
}
GRAPHQL_SUFFIXES = (".graphql", ".gql")

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DocumentLoader(_BaseLoader):  # type: ignore[misc]
    """The safe loader without YAML 1.1 timestamps: an unquoted
    ``2024-01-01`` stays a string, as in JSON."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, Any]]]] = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def interface_kind(contract_type: str | None, document: Any, suffix: str = "") -> InterfaceKind:
    """The kind of an interface: from the contract type, else guessed from
    the file suffix and the document's top-level keys."""
    if contract_type is not None and contract_type in KIND_BY_TYPE:
        return KIND_BY_TYPE[contract_type]
    if suffix.lower() in GRAPHQL_SUFFIXES:
        return "graphql"
    if isinstance(document, Mapping):
        if "openapi" in document or "swagger" in document:
            return "openapi"
        if "messages" in document:
            return "event_schemas"
    return "json_schema"


class _Problem(Exception):
    """A reason the interface cannot be used; becomes an InterfaceError."""


def _parse_structured(text: str, suffix: str) -> Any:
    if suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise _Problem(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    try:
        return yaml.load(text, Loader=_DocumentLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise _Problem(f"invalid YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise _Problem(f"invalid YAML: {exc}") from None
    except (RecursionError, MemoryError):
        raise _Problem("the document is too large or too deeply nested to read") from None


def _shape(kind: InterfaceKind, document: Any) -> None:
    """Raise _Problem when ``document`` cannot be a ``kind`` document."""
    found = _what(document)
    if kind == "openapi":
        if not isinstance(document, Mapping):
            raise _Problem(f"expected an OpenAPI document (a mapping with 'openapi:'), found {found}")
        if "openapi" not in document and "swagger" not in document:
            raise _Problem("not an OpenAPI document: it has no 'openapi:' key")
    elif kind == "json_schema":
        if not isinstance(document, (Mapping, bool)):
            raise _Problem(f"expected a JSON Schema (a mapping), found {found}")
    elif kind == "event_schemas":
        messages = document.get("messages") if isinstance(document, Mapping) else None
        if not isinstance(messages, Mapping) or not messages:
            raise _Problem(
                f"expected message schemas: a mapping {{messages: {{Name: <JSON Schema>}}}}, found {found}"
                if not isinstance(document, Mapping)
                else "expected message schemas: 'messages:' must map each message name to its JSON Schema"
            )
        for name, schema in messages.items():
            if not isinstance(schema, (Mapping, bool)):
                raise _Problem(f"message '{name}': expected a JSON Schema (a mapping), found {_what(schema)}")


def _what(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "an empty document"
    return f"a single value ({type(value).__name__})"


def parse_interface_text(text: str, kind: InterfaceKind, suffix: str = "") -> Any:
    """Parse interface ``text`` of ``kind``: SDL text is checked with
    graphql-core and returned as is; the other kinds are parsed (JSON for a
    ``.json`` suffix, else YAML) and their shape checked.

    Raises :class:`ValueError` with a readable reason when it cannot be used.
    """
    try:
        if kind == "graphql":
            _check_sdl(text)
            return text
        document = _parse_structured(text, suffix)
        _shape(kind, document)
        return document
    except _Problem as exc:
        raise ValueError(str(exc)) from None


def _check_sdl(text: str) -> None:
    from graphql import GraphQLError, parse

    try:
        parse(text)
    except GraphQLError as exc:
        where = ""
        if exc.locations:
            loc = exc.locations[0]
            where = f" at line {loc.line}, column {loc.column}"
        raise _Problem(f"invalid GraphQL SDL{where}: {exc.message}") from None
    except RecursionError:
        raise _Problem("the SDL is too deeply nested to read") from None


def _contract_index(spec: Spec, contract: ContractSpec) -> int | None:
    for i, c in enumerate(spec.contracts):
        if c is contract:
            return i
    for i, c in enumerate(spec.contracts):
        if c.id == contract.id:
            return i
    return None


def load_interface(spec: Spec, contract: ContractSpec) -> Interface | None:
    """The interface of ``contract`` (one of ``spec``'s), or ``None`` when it
    has none.

    Raises :class:`InterfaceError` with a diagnostic at the contract's
    ``interface:`` key when the file is missing, a directory, unreadable,
    not UTF-8 or not parseable, or the document has the wrong shape.
    """
    value = contract.interface
    if value is None:
        return None
    index = _contract_index(spec, contract)
    key_path = ("contracts", index, "interface") if index is not None else ()
    line, col = spec.source.locate(key_path) if key_path else (0, 0)
    file = spec.source.file or str(spec.path)

    def fail(message: str) -> InterfaceError:
        diag = Diagnostic(file, line, col, "error", message, format_path(key_path))
        return InterfaceError(f"contract '{contract.id}': {message}", [diag])

    if isinstance(value, Mapping):
        kind = interface_kind(contract.type, value)
        if kind == "graphql":
            raise fail("a graphql interface is SDL text: give the path of a .graphql file, not a mapping")
        try:
            _shape(kind, value)
        except _Problem as exc:
            raise fail(f"inline interface: {exc}") from None
        return Interface(kind=kind, document=value, source=None, text=None, origin="inline")

    target = spec.base_dir / value
    shown = f"'{value}'"
    try:
        if target.is_dir():
            raise fail(f"interface {shown} is a directory, expected a file")
        raw = target.read_bytes()
    except FileNotFoundError:
        raise fail(f"interface file {shown} not found (looked for {target})") from None
    except PermissionError:
        raise fail(f"cannot read interface file {shown}: permission denied") from None
    except OSError as exc:
        raise fail(f"cannot read interface file {shown}: {exc.strerror or exc}") from None
    except ValueError:
        raise fail(f"cannot read interface file {shown}: the file name is not valid") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"interface file {shown} is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
    suffix = Path(value).suffix
    kind = interface_kind(contract.type, None, suffix)
    document: Any
    try:
        if kind == "graphql":
            if suffix.lower() not in GRAPHQL_SUFFIXES:
                raise _Problem("a graphql interface must be a .graphql or .gql SDL file")
            _check_sdl(text)
            document = text
        else:
            document = _parse_structured(text, suffix)
            if contract.type is None:
                kind = interface_kind(None, document, suffix)
            _shape(kind, document)
    except _Problem as exc:
        raise fail(f"interface file {shown}: {exc}") from None
    return Interface(kind=kind, document=document, source=target.resolve(), text=text, origin="file")


def document_diagnostics(spec: Spec, contract: ContractSpec, iface: Interface) -> list[Diagnostic]:
    """What the build would refuse in an event-stream or JSON Schema
    interface document (unknown keys, invalid schemas, messages no event can
    satisfy, a schema that declares no type), located: the key's line in the
    spec for an inline interface, in the interface file otherwise.

    The same code the build uses to write the contract's files
    (``teamspec.contracts.events`` / ``typesgen``) decides, so validate and
    build never disagree."""
    if iface.kind not in ("event_schemas", "json_schema"):
        return []
    from teamspec.model import Contract

    resolved = Contract(id=contract.id, name=contract.name or contract.id,
                        type=contract.type or ("event_stream" if iface.kind == "event_schemas"
                                               else "interface"),
                        provider=contract.provider or "", interface=iface)
    try:
        if iface.kind == "event_schemas":
            from teamspec.contracts.events import event_files

            event_files(resolved)
        else:
            from teamspec.contracts.typesgen import interface_files

            interface_files(resolved)
    except InterfaceError as exc:
        return [_relocate(spec, contract, iface, d) for d in exc.diagnostics]
    except (RecursionError, ValueError, TypeError) as exc:  # never a traceback for bad input
        where = _relocate(spec, contract, iface, Diagnostic("", 0, 0, "error", "", ""))
        return [dataclasses.replace(where, message=(
            f"the interface document cannot be used: {type(exc).__name__}: {exc}"))]
    return []


def _relocate(spec: Spec, contract: ContractSpec, iface: Interface, diag: Diagnostic) -> Diagnostic:
    """A diagnostic about a place in the interface document (``path`` dotted,
    no line), moved to that place in the spec or the interface file."""
    inner = _split_dotted(iface.document, diag.path)
    if iface.source is None:
        index = _contract_index(spec, contract)
        if index is None:
            return diag
        path = ("contracts", index, "interface", *inner)
        line, col = spec.source.locate(path)
        return Diagnostic(spec.source.file or str(spec.path), line, col, diag.severity,
                          diag.message, format_path(path))
    line, col = _file_position(iface.text or "", inner)
    shown = spec.base_dir / contract.interface if isinstance(contract.interface, str) else iface.source
    return Diagnostic(str(shown), line, col, diag.severity, diag.message, diag.path)


def _split_dotted(document: Any, dotted: str) -> tuple[str | int, ...]:
    """``"messages.task.created.required"`` as the keys it names in
    ``document`` (a key may hold dots: the longest key that exists wins);
    stops at the deepest existing ancestor."""
    parts = dotted.split(".") if dotted else []
    out: list[str | int] = []
    node = document
    i = 0
    while i < len(parts):
        if isinstance(node, Mapping):
            for j in range(len(parts), i, -1):
                key = ".".join(parts[i:j])
                if key in node:
                    out.append(key)
                    node = node[key]
                    i = j
                    break
            else:
                break
        elif isinstance(node, list) and parts[i].isdigit() and int(parts[i]) < len(node):
            out.append(int(parts[i]))
            node = node[int(parts[i])]
            i += 1
        else:
            break
    return tuple(out)


def _file_position(text: str, path: tuple[str | int, ...]) -> tuple[int, int]:
    """(line, column) of ``path``'s key in a YAML or JSON text (its nearest
    existing ancestor; the document's start when nothing matches)."""
    from teamspec.contracts.openapi_util import LineIndex

    return LineIndex(text).position(path) or (1, 1)
