"""JSON Schema → TypeScript declarations, and the files of an interface contract.

:func:`typescript` renders a JSON Schema (2020-12 or draft-07 style) as a
``.d.ts`` module:

- the root schema and every ``$defs`` / ``definitions`` entry become named,
  exported types (``interface`` for objects, ``type`` otherwise); any other
  local ``$ref`` target gets a named type too, so recursion works;
- ``properties`` → members, ``?`` unless ``required``; property names that
  are not identifiers are quoted; ``description`` → JSDoc (with
  ``@deprecated`` and ``@default``);
- ``additionalProperties`` / ``patternProperties`` → an index signature
  ``[k: string]: T`` (absent or ``true``: ``unknown``, as JSON Schema
  allows extra properties; ``false``: none);
- ``enum`` / ``const`` → unions of literal types; ``type`` lists and
  ``nullable: true`` → unions (``| null``); ``oneOf`` / ``anyOf`` → unions;
  ``allOf`` → intersections; ``$ref`` beside other keywords → intersection;
- ``items`` → ``T[]``; ``prefixItems`` (or draft-07 ``items: [...]``) →
  tuples, elements beyond ``minItems`` optional, then ``...rest[]`` unless
  closed;
- ``true`` / no constraint → ``unknown``; ``false`` → ``never``. Keywords a
  type cannot express (``not``, ``if``/``then``/``else``, bounds, patterns)
  are left to the schema.

:func:`interface_files` writes ``types.d.ts``, ``schema.json``, one JSON stub
per named type (``stubs/<Type>.json``, made by
:func:`teamspec.contracts.values.example_for` and validated against the
schema, format checks included; ``readOnly``/``writeOnly`` are annotations
here, so a stub carries every required property) and ``README.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from teamspec.contracts.openapi_util import RefError, jsonable, ref_to_path, resolve_ref
from teamspec.errors import Diagnostic, InterfaceError
from teamspec.model import Contract

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_SIMPLE_TYPE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$.]*(\[\])*$")
_DEF_SECTIONS = ("$defs", "definitions")
# Keys that make a root schema a mere bundle of definitions (no root type).
_BUNDLE_KEYS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "definitions", "title", "description", "$anchor"}
)
_OBJECT_KEYS = ("properties", "additionalProperties", "patternProperties", "required",
                "minProperties", "maxProperties", "propertyNames", "unevaluatedProperties")
_ARRAY_KEYS = ("items", "prefixItems", "additionalItems", "minItems", "maxItems", "contains",
               "uniqueItems", "unevaluatedItems")
# Type names TypeScript reserves or every module sees; a schema name that
# would shadow one gets a suffix.
_RESERVED_NAMES = frozenset(
    {"Array", "Boolean", "Date", "Error", "Function", "Map", "Number", "Object", "Promise",
     "Record", "Set", "String", "Symbol", "Partial", "Required", "Readonly", "Pick", "Omit"}
)


def pascal_name(text: str, fallback: str = "Type") -> str:
    """A PascalCase TypeScript identifier from free text:
    ``task-item`` → ``TaskItem``, ``2fa code`` → ``T2faCode``."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", text) if p]
    name = "".join(p[:1].upper() + p[1:] for p in parts) or fallback
    if name[0].isdigit():
        name = "T" + name
    return name


def property_key(name: str) -> str:
    """A property name as written in a type: bare when an identifier, else
    a quoted string literal."""
    return name if _IDENTIFIER.match(name) else json.dumps(name)


def literal_type(value: Any) -> str:
    """The TypeScript literal type of a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        members = "; ".join(f"{property_key(str(k))}: {literal_type(v)}" for k, v in value.items())
        return f"{{ {members} }}" if members else "{ [k: string]: never }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal_type(v) for v in value) + "]"
    return "unknown"


def jsdoc(schema: Any, indent: str) -> list[str]:
    """JSDoc lines for a schema's description, deprecation and default."""
    if not isinstance(schema, Mapping):
        return []
    body: list[str] = []
    description = schema.get("description")
    if isinstance(description, str) and description.strip():
        body += description.strip().splitlines()
    if schema.get("deprecated") is True:
        body.append("@deprecated")
    if "default" in schema:
        body.append(f"@default {json.dumps(jsonable(schema['default']), ensure_ascii=False)}")
    if not body:
        return []
    body = [line.replace("*/", "*\\/").rstrip() for line in body]
    if len(body) == 1:
        return [f"{indent}/** {body[0]} */"]
    return [f"{indent}/**", *(f"{indent} * {line}".rstrip() for line in body), f"{indent} */"]


def _outside_strings(expr: str) -> Iterator[tuple[int, str, int]]:
    """``(index, character, bracket depth after it)`` of every character of
    a type expression that stands outside a string literal."""
    depth, quoted, escaped = 0, False, False
    for i, ch in enumerate(expr):
        if quoted:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        else:
            if ch in "{[(":
                depth += 1
            elif ch in "}])":
                depth -= 1
            yield i, ch, depth


def union_members(expr: str) -> list[str]:
    """The top-level members of a union type expression
    (``A | (B | C)[] | "x|y"`` → ``A``, ``(B | C)[]``, ``"x|y"``)."""
    members: list[str] = []
    start = 0
    for i, ch, depth in _outside_strings(expr):
        if ch == "|" and depth == 0 and expr.startswith(" | ", i - 1):
            members.append(expr[start:i - 1])
            start = i + 2
    members.append(expr[start:])
    return members


def _union(parts: Sequence[str]) -> str:
    unique = list(dict.fromkeys(m for p in parts for m in union_members(p)))
    if "unknown" in unique:
        return "unknown"
    unique = [p for p in unique if p != "never"] or ["never"]
    return " | ".join(unique)


def is_object_literal(expr: str) -> bool:
    """Whether ``expr`` is one ``{ ... }`` type literal (not, say, a union
    of two)."""
    if not expr.startswith("{"):
        return False
    for i, ch, depth in _outside_strings(expr):
        if ch in "}])" and depth == 0:
            return i == len(expr) - 1
    return False


def _group(expr: str) -> str:
    """Parenthesise a type expression used as an operand."""
    if _SIMPLE_TYPE.match(expr) or is_object_literal(expr):
        return expr
    if expr.startswith('"') and expr.endswith('"') and '"' not in expr[1:-1].replace('\\"', ""):
        return expr
    return f"({expr})"


@dataclass(frozen=True)
class NamedType:
    """A declared type: its TypeScript name, the JSON pointer of its schema
    in the root document, and the schema."""

    name: str
    pointer: str
    schema: Any


class TypeScriptGenerator:
    """Renders one JSON Schema document (see the module docstring).

    ``root_name`` names the root schema's type; ``None`` declares only its
    definitions (for a document that is a bundle of ``$defs``).
    """

    def __init__(self, root: Mapping[str, Any], root_name: str | None, file: str = "<schema>"):
        self.root = root
        self.file = file
        self._by_pointer: dict[str, str] = {}
        self._used: set[str] = set()
        self._order: list[NamedType] = []
        if root_name is not None:
            self._declare("#", root_name, root)
        for section in _DEF_SECTIONS:
            defs = root.get(section)
            if isinstance(defs, Mapping):
                for key, sub in defs.items():
                    pointer = f"#/{section}/{_escape(str(key))}"
                    self._declare(pointer, pascal_name(str(key)), sub)

    # -------------------------------------------------------------- names

    @property
    def named_types(self) -> tuple[NamedType, ...]:
        """Every declared type, in declaration order (grows while rendering
        when a ``$ref`` targets a schema outside the definitions)."""
        return tuple(self._order)

    def _declare(self, pointer: str, wanted: str, schema: Any) -> str:
        name = wanted
        if name in _RESERVED_NAMES:
            name += "Type"
        base, n = name, 2
        while name in self._used:
            name, n = f"{base}{n}", n + 1
        self._used.add(name)
        self._by_pointer[pointer] = name
        self._order.append(NamedType(name, pointer, schema))
        return name

    def _ref_name(self, ref: str) -> str:
        try:
            path = ref_to_path(ref)
            target = resolve_ref(self.root, ref)
        except RefError as exc:
            raise InterfaceError(
                f"{self.file}: {exc}",
                [Diagnostic(self.file, 0, 0, "error",
                            f"{exc}; put the referenced schema under $defs and refer to it "
                            "as '#/$defs/<Name>'", "$ref")],
            ) from None
        pointer = "#" + "".join("/" + _escape(str(p)) for p in path)
        if pointer in self._by_pointer:
            return self._by_pointer[pointer]
        hint = str(path[-1]) if path else "Root"
        if isinstance(target, Mapping) and isinstance(target.get("title"), str):
            hint = target["title"]
        return self._declare(pointer, pascal_name(hint), target)

    # -------------------------------------------------------------- types

    def type_of(self, schema: Any, indent: str = "") -> str:
        """The TypeScript type expression of a schema."""
        if schema is True or schema is None:
            return "unknown"
        if schema is False:
            return "never"
        if not isinstance(schema, Mapping):
            return "unknown"
        parts: list[str] = []
        ref = schema.get("$ref")
        if isinstance(ref, str):
            parts.append(self._ref_name(ref))
        base = self._base_type(schema, indent)
        if base is not None:
            parts.append(base)
        for key in ("oneOf", "anyOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                parts.append(_union([self.type_of(s, indent) for s in options]))
        for sub in schema.get("allOf") or ():
            parts.append(self.type_of(sub, indent))
        parts = [p for p in dict.fromkeys(parts) if p != "unknown"]
        if not parts:
            result = "unknown"
        elif "never" in parts:
            result = "never"
        elif len(parts) == 1:
            result = parts[0]
        else:
            result = " & ".join(_group(p) for p in parts)
        if schema.get("nullable") is True and result not in ("unknown", "null"):
            # OpenAPI 3.0 style; ``type: [..., "null"]`` is handled by the type list
            return "null" if result == "never" else _union([result, "null"])
        return result

    def _base_type(self, schema: Mapping[str, Any], indent: str) -> str | None:
        if "const" in schema:
            result = literal_type(jsonable(schema["const"]))
        elif isinstance(schema.get("enum"), list):
            result = _union([literal_type(jsonable(v)) for v in schema["enum"]]) \
                if schema["enum"] else "never"
        else:
            declared = schema.get("type")
            if isinstance(declared, str):
                types = [declared]
            elif isinstance(declared, list):
                types = [t for t in declared if isinstance(t, str)]
            elif any(k in schema for k in _OBJECT_KEYS):
                types = ["object"]
            elif any(k in schema for k in _ARRAY_KEYS):
                types = ["array"]
            else:
                return None
            rendered = [self._simple_type(t, schema, indent) for t in types]
            result = _union(rendered) if rendered else "never"
        return result

    def _simple_type(self, name: str, schema: Mapping[str, Any], indent: str) -> str:
        if name == "string":
            return "string"
        if name in ("integer", "number"):
            return "number"
        if name == "boolean":
            return "boolean"
        if name == "null":
            return "null"
        if name == "object":
            return self.object_type(schema, indent)
        if name == "array":
            return self.array_type(schema, indent)
        return "unknown"

    def object_type(self, schema: Mapping[str, Any], indent: str = "") -> str:
        inner = indent + "  "
        props = schema.get("properties")
        props = props if isinstance(props, Mapping) else {}
        required = [r for r in schema.get("required") or () if isinstance(r, str)]
        lines: list[str] = []
        member_types: list[str] = []
        optional = False
        for name, sub in props.items():
            key = str(name)
            t = self.type_of(sub, inner)
            member_types.append(t)
            mark = "" if key in required else "?"
            optional = optional or bool(mark)
            lines += jsdoc(sub, inner)
            lines.append(f"{inner}{property_key(key)}{mark}: {t};")
        extra = schema.get("additionalProperties", schema.get("unevaluatedProperties", True))
        index: list[str] = []
        if extra is not False:
            index.append(self.type_of(extra, inner))
        patterns = schema.get("patternProperties")
        if isinstance(patterns, Mapping):
            index += [self.type_of(s, inner) for s in patterns.values()]
        for key in required:
            if key not in props:
                t = _union(index) if index else "unknown"
                member_types.append(t)
                lines.append(f"{inner}{property_key(key)}: {t};")
        if index:
            index_type = _union(index)
            if index_type != "unknown" and member_types:
                # every member must be assignable to the index signature
                index_type = _union([*index, *member_types, *(["undefined"] if optional else [])])
            lines.append(f"{inner}[k: string]: {index_type};")
        if not lines:
            return "{ [k: string]: never }"
        return "{\n" + "\n".join(lines) + f"\n{indent}}}"

    def array_type(self, schema: Mapping[str, Any], indent: str = "") -> str:
        items = schema.get("items")
        prefix = schema.get("prefixItems")
        rest: Any = items
        if isinstance(items, list):  # draft-07 tuple form
            prefix, rest = items, schema.get("additionalItems", True)
        if isinstance(prefix, list):
            minimum = schema.get("minItems", 0)
            minimum = minimum if isinstance(minimum, int) else 0
            elements = [
                self.type_of(s, indent) + ("" if i < minimum else "?")
                for i, s in enumerate(prefix)
            ]
            if rest is not False:
                elements.append(f"...{_group(self.type_of(rest, indent))}[]")
            return "[" + ", ".join(elements) + "]"
        if items is False:
            return "[]"
        return f"{_group(self.type_of(items, indent))}[]"

    # -------------------------------------------------------- declarations

    def declaration(self, named: NamedType) -> str:
        lines = jsdoc(named.schema, "")
        expr = self.type_of(named.schema)
        if expr.startswith("{\n") and is_object_literal(expr):
            lines.append(f"export interface {named.name} {expr}")
        else:
            lines.append(f"export type {named.name} = {expr};")
        return "\n".join(lines)

    def render(self, header: str = "") -> str:
        """The whole ``.d.ts`` module."""
        blocks: list[str] = []
        done = 0
        while done < len(self._order):  # rendering may declare $ref targets
            blocks.append(self.declaration(self._order[done]))
            done += 1
        head = [f"// {line}".rstrip() for line in header.splitlines()] if header else []
        return "\n".join(head + ([""] if head else []) + ["\n\n".join(blocks), ""])


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def typescript(schema: Mapping[str, Any], root_name: str | None, *, file: str = "<schema>",
               header: str = "") -> str:
    """``types.d.ts`` text for a JSON Schema document (see the module doc)."""
    return TypeScriptGenerator(schema, root_name, file).render(header)


# ------------------------------------------------------------ stubs & files


def is_bundle(schema: Mapping[str, Any]) -> bool:
    """Whether a schema only carries definitions (no root type to declare)."""
    return set(schema) <= _BUNDLE_KEYS and any(isinstance(schema.get(s), Mapping)
                                               for s in _DEF_SECTIONS)


def validator_for(root: Mapping[str, Any] | bool, file: str, path: str = "") -> Any:
    """A format-checking jsonschema validator for ``root`` (its ``$schema``,
    else 2020-12); InterfaceError when the schema itself is invalid (``path``:
    where ``root`` stands in the interface document)."""
    import jsonschema
    from jsonschema.exceptions import SchemaError

    cls = jsonschema.validators.validator_for(root, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(root)
    except SchemaError as exc:
        where = ".".join([*([path] if path else []), *(str(p) for p in exc.path)])
        raise InterfaceError(
            f"{file}: not a valid JSON Schema: {exc.message}",
            [Diagnostic(file, 0, 0, "error", f"not a valid JSON Schema: {exc.message}", where)],
        ) from None
    return cls(root, format_checker=cls.FORMAT_CHECKER)


_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions",
                   "dependentSchemas")
_SUBSCHEMA_ONE = ("items", "additionalItems", "additionalProperties", "not", "if", "then",
                  "else", "contains", "propertyNames", "unevaluatedProperties",
                  "unevaluatedItems")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def for_values(schema: Any) -> Any:
    """A copy of a schema for the value generator: draft-07 tuples
    (``items: [...]`` + ``additionalItems``) written the 2020-12 way
    (``prefixItems`` + ``items``), which it reads, and ``writeOnly`` dropped
    (in a plain JSON Schema it is an annotation: a stub of a type carries
    every property the type declares, or it would not validate when such a
    property is required). Validation keeps using the original schema."""
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SUBSCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {k: for_values(v) for k, v in value.items()}
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [for_values(v) for v in value]
        elif key in _SUBSCHEMA_ONE:
            out[key] = for_values(value)
        elif key != "writeOnly":
            out[key] = value
    if isinstance(out.get("items"), list):
        out["prefixItems"] = out.pop("items")
        if "additionalItems" in out:
            out["items"] = out.pop("additionalItems")
    return out


def checked_stub(root: Mapping[str, Any] | bool, named: NamedType, validator: Any, file: str, *,
                 what: str | None = None, path: str | None = None) -> Any:
    """A deterministic example of ``named`` (``example_for``, response mode)
    that validates against the schema; InterfaceError naming the type when
    no valid example comes out (``what`` names it in the message, ``path``
    is where it stands in the interface document)."""
    from referencing.exceptions import Unresolvable

    from teamspec.contracts.values import example_for

    def fail(reason: str) -> InterfaceError:
        label = what or f"JSON stub for type {named.name} ({named.pointer})"
        where = path if path is not None else \
            named.pointer.removeprefix("#").removeprefix("/").replace("/", ".")
        message = f"no valid {label}: {reason}"
        return InterfaceError(f"{file}: {message}",
                              [Diagnostic(file, 0, 0, "error",
                                          message + "; loosen or fix the schema of this type",
                                          where)])

    try:
        value = example_for(for_values(named.schema),
                            for_values(root) if isinstance(root, Mapping) else {},
                            mode="response")
    except InterfaceError:
        raise
    except Exception as exc:  # a generator failure on this schema, reported as such
        raise fail(f"generating an example failed: {exc}") from None
    sub = validator if named.pointer == "#" else validator.evolve(schema=named.schema)
    try:
        errors = sorted(sub.iter_errors(value), key=lambda e: list(e.absolute_path))
    except Unresolvable as exc:
        raise fail(f"cannot resolve a $ref: {exc}") from None
    if errors:
        first = errors[0]
        at = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise fail(f"the generated example {json.dumps(value)} fails at {at}: {first.message}")
    return value


def json_text(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _where(contract: Contract) -> str:
    iface = contract.interface
    if iface is not None and iface.source is not None:
        return str(iface.source)
    return f"<{contract.id} interface>"


def schema_of(contract: Contract) -> dict[str, Any]:
    """The JSON Schema of an interface contract; InterfaceError otherwise."""
    iface = contract.interface
    if iface is not None and iface.kind == "json_schema" and isinstance(iface.document, bool):
        return {} if iface.document else {"not": {}}  # the equivalent mapping
    if iface is None or iface.kind != "json_schema" or not isinstance(iface.document, Mapping):
        if iface is None:
            found = "no interface"
        elif iface.kind != "json_schema":
            found = f"a {iface.kind} interface"
        else:
            found = f"a {type(iface.document).__name__}"
        raise InterfaceError(
            f"contract {contract.id!r}: expected a JSON Schema interface, found {found}",
            [Diagnostic(_where(contract), 0, 0, "error",
                        f"expected a JSON Schema interface (a mapping), found {found}; "
                        "point `interface:` at a .json or .yaml JSON Schema",
                        f"contracts.{contract.id}.interface")],
        )
    document: dict[str, Any] = jsonable(iface.document)
    return document


def root_type_name(contract: Contract, schema: Mapping[str, Any]) -> str:
    """The root type's name: the schema's ``title``, else the contract id."""
    title = schema.get("title")
    return pascal_name(title if isinstance(title, str) and title.strip() else contract.id)


def _readme(contract: Contract, generator: TypeScriptGenerator, stubs: Sequence[str]) -> str:
    lines = [
        f"# {contract.name} — interface",
        "",
        f"Contract `{contract.id}` (provider: `{contract.provider}`). Generated by teamspec.",
        "",
        "- `schema.json`: the JSON Schema, the source of truth.",
        "- `types.d.ts`: TypeScript declarations generated from it.",
        "- `stubs/<Type>.json`: a deterministic example of each type, validated against",
        "  the schema — use them as fixtures until the provider delivers.",
        "",
        "| type | schema | stub |",
        "| --- | --- | --- |",
    ]
    for named in generator.named_types:
        stub = f"`stubs/{named.name}.json`" if named.name in stubs else "—"
        lines.append(f"| `{named.name}` | `{named.pointer}` | {stub} |")
    lines += [
        "",
        "```ts",
        f'import type {{ {generator.named_types[0].name} }} from "./types";',
        "```",
        "",
        "Properties not marked `?` are required. Objects that allow extra properties",
        "(`additionalProperties` absent or `true`) carry `[k: string]: unknown`.",
        "",
    ]
    return "\n".join(lines)


def interface_files(contract: Contract) -> dict[str, str]:
    """The files of an ``interface`` contract (JSON Schema), relative to its
    contract directory: ``types.d.ts``, ``schema.json``,
    ``stubs/<Type>.json`` per named type, ``README.md``."""
    schema = schema_of(contract)
    file = _where(contract)
    validator = validator_for(schema, file)
    root_name = None if is_bundle(schema) else root_type_name(contract, schema)
    generator = TypeScriptGenerator(schema, root_name, file)
    header = f"Types of contract {contract.id} ({contract.name}), generated by teamspec\n" \
             "from schema.json. Do not edit: change the schema and regenerate."
    types = generator.render(header)
    files: dict[str, str] = {"types.d.ts": types, "schema.json": json_text(schema)}
    if not generator.named_types:
        raise InterfaceError(
            f"{file}: the schema declares no type",
            [Diagnostic(file, 0, 0, "error",
                        "the schema declares no type: give it a root schema or $defs entries")],
        )
    stubs: list[str] = []
    for named in generator.named_types:
        value = checked_stub(schema, named, validator, file)
        files[f"stubs/{named.name}.json"] = json_text(value)
        stubs.append(named.name)
    files["README.md"] = _readme(contract, generator, stubs)
    return files
