"""GraphQL contract artifacts: the SDL and a deterministic node mock server.

``graphql_files`` returns, relative to ``<out>/contracts/<id>/``:
``schema.graphql`` (the SDL as given), ``mock_server.js`` (Apollo Server 5 +
@graphql-tools/mock), ``package.json``, ``package-lock.json`` and
``README.md``. The server template, package.json and lockfile live in
``teamspec/mockjs_graphql/``; the only generated part of the server is the
table of custom scalars and the kind of value each is mocked with, read from
the SDL with graphql-core.

Validation of the SDL (``build_schema`` + ``validate_schema``) is the quality
gate's job; this module only needs the SDL to parse.
"""

from __future__ import annotations

import itertools
import json
import re
from importlib import resources

from teamspec.errors import Diagnostic, InterfaceError
from teamspec.model import Contract

TEMPLATE_PACKAGE = "teamspec"
TEMPLATE_DIR = "mockjs_graphql"
SCALAR_MARKER = "/* @teamspec:SCALAR_KINDS@ */ {}"
DEFAULT_PORT = 4000

# Kinds the mock server knows (SCALAR_MOCKS in mock_server.js), with an
# example of the values each produces, for the README.
SCALAR_KIND_EXAMPLES: dict[str, str] = {
    "datetime": '"2024-05-03T12:34:56Z"',
    "date": '"2024-05-03"',
    "time": '"12:34:56"',
    "url": '"https://example.com/<field>/1a2b3c4d"',
    "email": '"<field>.1a2b3c@example.com"',
    "uuid": '"1a2b3c4d-5e6f-4a1b-a2c3-1a2b3c4d5e6f"',
    "id": '"1a2b3c4d5e6f7a8b"',
    "json": '{"<field>": "<Scalar> 1a2b3c4d"}',
    "integer": "1..1000",
    "float": "0.00..999.99",
    "decimal": '"123.45"',
    "boolean": "true / false",
    "phone": '"+15551234567"',
    "color": '"#1a2b3c"',
    "base64": '"Gis8TV5v"',
    "string": '"<Scalar> 1a2b3c4d"',
}

# (kind, words): the first rule one of whose words appears in the scalar's
# name (split into words: ``DateTime`` -> date, time) wins.
_RULES: tuple[tuple[str, frozenset[str]], ...] = (
    ("datetime", frozenset({"timestamp", "timestamptz", "instant"})),
    ("uuid", frozenset({"uuid", "guid"})),
    ("url", frozenset({"url", "uri", "urn", "link", "href", "iri"})),
    ("email", frozenset({"email", "mail"})),
    ("json", frozenset({"json", "jsonobject", "object", "any", "map", "dict", "struct"})),
    ("decimal", frozenset({"decimal", "money", "price", "amount", "currency", "bigdecimal"})),
    ("float", frozenset({"float", "double", "number", "real", "latitude", "longitude"})),
    ("integer", frozenset({"int", "integer", "long", "bigint", "int64", "int32", "short", "byte"})),
    ("boolean", frozenset({"bool", "boolean"})),
    ("id", frozenset({"id", "objectid", "cuid", "ulid", "nanoid", "key"})),
    ("phone", frozenset({"phone", "telephone", "msisdn"})),
    ("color", frozenset({"color", "colour", "hex"})),
    ("base64", frozenset({"base64", "bytes", "binary", "blob"})),
)

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|[^A-Za-z]|$)|[A-Z]?[a-z]+|\d+")


def _words(name: str) -> list[str]:
    """``DateTime`` -> [date, time]; ``JSONObject`` -> [json, object];
    ``Int64`` -> [int, 64, int64]."""
    words = [w.lower() for w in _WORDS.findall(name)]
    joined = [a + b for a, b in itertools.pairwise(words) if b.isdigit()]
    return [*words, *joined, name.lower()]


def scalar_kind(name: str) -> str:
    """The kind of mock value for a custom scalar, from its name.

    Dates and times first (``DateTime``, ``Date``, ``Time``), then the
    rules above (the whole name, then its words); anything else is
    ``string``.
    """
    words = _words(name)
    if ("date" in words and "time" in words) or "datetime" in words:
        return "datetime"
    if "date" in words:
        return "date"
    if "time" in words and "zone" not in words:
        return "time"
    for kind, names in _RULES:  # the whole name first: ObjectID is an id, not JSON
        if name.lower() in names:
            return kind
    for kind, names in _RULES:
        if any(w in names for w in words):
            return kind
    return "string"


def _where(contract: Contract) -> str:
    iface = contract.interface
    if iface is not None and iface.source is not None:
        return str(iface.source)
    return f"<{contract.id} interface>"


def sdl_of(contract: Contract) -> str:
    """The SDL text of a graphql contract; InterfaceError when it has none."""
    iface = contract.interface
    where = _where(contract)
    if iface is None or iface.kind != "graphql" or not isinstance(iface.document, str):
        found = "no interface" if iface is None else f"a {iface.kind} interface"
        raise InterfaceError(
            f"contract {contract.id!r}: expected a GraphQL SDL interface, found {found}",
            [Diagnostic(where, 0, 0, "error",
                        f"expected a GraphQL SDL interface (type: graphql), found {found}; "
                        "point `interface:` at a .graphql file",
                        f"contracts.{contract.id}.interface")],
        )
    return iface.document


def scalar_kinds(sdl: str, file: str = "<sdl>") -> dict[str, str]:
    """Every custom scalar declared (or extended) in ``sdl`` -> its mock kind.

    Raises InterfaceError with the syntax error's position when the SDL does
    not parse.
    """
    from graphql import GraphQLError, parse
    from graphql.language import ScalarTypeDefinitionNode, ScalarTypeExtensionNode

    try:
        document = parse(sdl, no_location=False)
    except GraphQLError as exc:
        line, col = (exc.locations[0].line, exc.locations[0].column) if exc.locations else (0, 0)
        raise InterfaceError(
            f"{file}: GraphQL SDL does not parse: {exc.message}",
            [Diagnostic(file, line, col, "error",
                        f"GraphQL SDL does not parse: {exc.message}; fix the SDL at this position")],
        ) from None
    kinds: dict[str, str] = {}
    for node in document.definitions:
        if isinstance(node, ScalarTypeDefinitionNode | ScalarTypeExtensionNode):
            kinds[node.name.value] = scalar_kind(node.name.value)
    return dict(sorted(kinds.items()))


def _template(name: str) -> str:
    return (resources.files(TEMPLATE_PACKAGE) / TEMPLATE_DIR / name).read_text(encoding="utf-8")


def mock_server_js(kinds: dict[str, str]) -> str:
    """The server script with the custom scalar table filled in."""
    template = _template("mock_server.js")
    if template.count(SCALAR_MARKER) != 1:
        raise InterfaceError(
            f"teamspec/{TEMPLATE_DIR}/mock_server.js: expected exactly one {SCALAR_MARKER!r} "
            "marker; the installed teamspec package is damaged, reinstall it"
        )
    table = json.dumps(kinds, indent=2, sort_keys=True)
    return template.replace(SCALAR_MARKER, table)


def _readme(contract: Contract, kinds: dict[str, str]) -> str:
    lines = [
        f"# {contract.name} — GraphQL mock",
        "",
        f"Contract `{contract.id}` (provider: `{contract.provider}`). "
        "Generated by teamspec; the schema is `schema.graphql`.",
        "",
        "## Run",
        "",
        "```sh",
        "npm ci",
        f"node mock_server.js              # http://127.0.0.1:{DEFAULT_PORT}/",
        "node mock_server.js --port 4100  # or PORT=4100 node mock_server.js",
        "```",
        "",
        "`--host` changes the bind address (default `127.0.0.1`). Queries are POSTed as JSON",
        "to any path:",
        "",
        "```sh",
        f"curl -s http://127.0.0.1:{DEFAULT_PORT}/ -H 'content-type: application/json' \\",
        "  -d '{\"query\": \"{ __schema { queryType { name } } }\"}'",
        "```",
        "",
        "## What the mock answers",
        "",
        "Apollo Server 5 serving the schema through `@graphql-tools/mock`, deterministic:",
        "every value is derived from a SHA-256 of where it sits (parent type, parent key,",
        "field, arguments), so the same query returns the same bytes on every request and",
        "after a restart, whatever was queried before.",
        "",
        "- `String` fields: `\"<field> <8 hex>\"`; `ID`: 16 hex digits; `Int`: 1..1000;",
        "  `Float`: 0.00..999.99; `Boolean`: true or false.",
        "- Enums: one of their values. Interfaces and unions: one of their concrete types.",
        "- Lists: 2 items, or as many as a paging argument asks for (`first`, `last`, `limit`, "
        "`take`, `count`, `pageSize`; at most 100), also for the lists of a connection it returns.",
        "- A field with an `id` argument returning an object, interface or union returns the",
        "  object with that id: `node(id: \"x\") { id }` answers `\"x\"`.",
        "",
    ]
    if kinds:
        lines += [
            "## Custom scalars",
            "",
            "| scalar | mocked as | example |",
            "| --- | --- | --- |",
        ]
        for name, kind in kinds.items():
            lines.append(f"| `{name}` | {kind} | `{SCALAR_KIND_EXAMPLES[kind]}` |")
        lines.append("")
    else:
        lines += ["The schema declares no custom scalars.", ""]
    return "\n".join(lines)


def graphql_files(contract: Contract) -> dict[str, str]:
    """The files of a graphql contract, relative to its contract directory."""
    sdl = sdl_of(contract)
    kinds = scalar_kinds(sdl, _where(contract))
    return {
        "schema.graphql": sdl,
        "mock_server.js": mock_server_js(kinds),
        "package.json": _template("package.json"),
        "package-lock.json": _template("package-lock.json"),
        "README.md": _readme(contract, kinds),
    }
