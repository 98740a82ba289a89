"""OpenAPI document helpers: JSON pointers and ``$ref`` resolution, the
operations of a document, and where a JSON pointer stands in the YAML text.

Only local references (``#/...``) are supported; teamspec documents are
single files. The quality gate reports external references as findings.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

HTTP_METHODS: tuple[str, ...] = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Path = tuple[str | int, ...]


class RefError(Exception):
    """Raised when a ``$ref`` cannot be resolved (dangling, external, cyclic)."""

    def __init__(self, ref: str, reason: str) -> None:
        super().__init__(f"cannot resolve $ref {ref!r}: {reason}")
        self.ref = ref
        self.reason = reason


def escape_token(token: str | int) -> str:
    """One JSON pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def to_pointer(path: Sequence[str | int]) -> str:
    """``("paths", "/pets", "get")`` → ``/paths/~1pets/get``."""
    return "".join("/" + escape_token(p) for p in path)


def dotted(path: Sequence[str | int]) -> str:
    """The schema_path form findings use: ``paths./pets.get.responses.200``."""
    return ".".join(str(p) for p in path)


def ref_to_path(ref: str) -> Path:
    """``#/components/schemas/Pet`` → ``("components", "schemas", "Pet")``.

    Raises :class:`RefError` for a reference that is not local.
    """
    from urllib.parse import unquote

    if not ref.startswith("#"):
        raise RefError(ref, "only local references ('#/...') are supported")
    frag = unquote(ref[1:])
    if frag == "":
        return ()
    if not frag.startswith("/"):
        raise RefError(ref, "the fragment must be a JSON pointer starting with '/'")
    return tuple(unescape_token(t) for t in frag[1:].split("/"))


def get_path(doc: Any, path: Sequence[str | int]) -> Any:
    """The value at ``path``; raises ``KeyError`` when it does not exist."""
    cur = doc
    for part in path:
        if isinstance(cur, Mapping):
            if part in cur:
                cur = cur[part]
            elif str(part) in cur:
                cur = cur[str(part)]
            else:
                raise KeyError(part)
        elif isinstance(cur, list):
            try:
                idx = int(part)
            except (TypeError, ValueError):
                raise KeyError(part) from None
            if not 0 <= idx < len(cur):
                raise KeyError(part)
            cur = cur[idx]
        else:
            raise KeyError(part)
    return cur


def resolve_ref(doc: Any, ref: str) -> Any:
    """The target of a local ``$ref``; raises :class:`RefError`."""
    path = ref_to_path(ref)
    try:
        return get_path(doc, path)
    except KeyError:
        raise RefError(ref, f"{to_pointer(path) or '/'} does not exist in the document") from None


def resolve(doc: Any, obj: Any, *, limit: int = 64) -> Any:
    """Follow ``$ref`` chains from ``obj`` until a non-reference value."""
    seen: list[str] = []
    while isinstance(obj, Mapping) and isinstance(obj.get("$ref"), str):
        ref = obj["$ref"]
        if ref in seen or len(seen) >= limit:
            raise RefError(ref, "the reference chain is cyclic")
        seen.append(ref)
        obj = resolve_ref(doc, ref)
    return obj


def resolve_with_path(doc: Any, obj: Any, path: Path) -> tuple[Any, Path]:
    """Like :func:`resolve`, also returning where the final value stands."""
    seen: list[str] = []
    while isinstance(obj, Mapping) and isinstance(obj.get("$ref"), str):
        ref = obj["$ref"]
        if ref in seen:
            raise RefError(ref, "the reference chain is cyclic")
        seen.append(ref)
        path = ref_to_path(ref)
        obj = resolve_ref(doc, ref)
    return obj, path


def iter_refs(node: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """Every ``$ref`` string in the document with the path of its mapping."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield path, ref
        for k, v in node.items():
            if isinstance(v, (Mapping, list)):
                yield from iter_refs(v, (*path, str(k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (Mapping, list)):
                yield from iter_refs(v, (*path, i))


def jsonable(value: Any) -> Any:
    """A copy of a YAML-loaded value as JSON sees it: string keys, dates as
    ISO strings, tuples as lists."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime.datetime):
        text = value.isoformat()
        return text.replace("+00:00", "Z") if value.tzinfo is not None else text
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def as_map(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def is_json_media(media: str) -> bool:
    """Whether a declared media type (parameters ignored) holds JSON:
    ``application/json``, ``*/*``, ``application/*`` or any ``+json``."""
    base = media.split(";", 1)[0].strip().lower()
    return base in ("application/json", "*/*", "application/*") or base.endswith("+json")


def is_oas30(doc: Mapping[str, Any]) -> bool:
    """Whether the document is OpenAPI 3.0 (schemas are the OAS 3.0 dialect)."""
    version = str(doc.get("openapi", ""))
    return not (version.startswith("3.1") or version.startswith("3.2"))


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path | query | header | cookie
    required: bool
    schema: Mapping[str, Any]
    definition: Mapping[str, Any]
    path: Path  # where the parameter object stands (after $ref)

    @property
    def style(self) -> str:
        default = "form" if self.location in ("query", "cookie") else "simple"
        return str(self.definition.get("style", default))

    @property
    def explode(self) -> bool:
        value = self.definition.get("explode")
        if isinstance(value, bool):
            return value
        return self.style == "form"


@dataclass(frozen=True)
class Operation:
    """One operation: ``method`` lower case, ``path`` the template."""

    method: str
    path: str
    operation: Mapping[str, Any]
    pointer: Path  # ("paths", "/pets", "get")
    parameters: tuple[Parameter, ...] = ()
    callback_of: str | None = field(default=None)

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def operation_id(self) -> str | None:
        value = self.operation.get("operationId")
        return value if isinstance(value, str) else None

    def responses(self) -> dict[str, Any]:
        raw = self.operation.get("responses")
        if not isinstance(raw, Mapping):
            return {}
        return {str(k): v for k, v in raw.items()}


def _parameters(doc: Mapping[str, Any], raw: Any, base: Path) -> list[Parameter]:
    out: list[Parameter] = []
    if not isinstance(raw, list):
        return out
    for i, item in enumerate(raw):
        try:
            param, ppath = resolve_with_path(doc, item, (*base, i))
        except RefError:
            continue
        if not isinstance(param, Mapping) or not isinstance(param.get("name"), str):
            continue
        location = str(param.get("in", ""))
        schema: Any = param.get("schema")
        if schema is None and isinstance(param.get("content"), Mapping):
            for media in param["content"].values():
                if isinstance(media, Mapping) and isinstance(media.get("schema"), Mapping):
                    schema = media["schema"]
                    break
        out.append(
            Parameter(
                name=param["name"],
                location=location,
                required=bool(param.get("required", location == "path")),
                schema=schema if isinstance(schema, Mapping) else {},
                definition=param,
                path=ppath,
            )
        )
    return out


def _merge_parameters(first: list[Parameter], second: list[Parameter]) -> tuple[Parameter, ...]:
    merged: dict[tuple[str, str], Parameter] = {}
    for p in [*first, *second]:
        key = (p.name.lower() if p.location == "header" else p.name, p.location)
        merged[key] = p
    return tuple(merged.values())


def _path_item_operations(
    doc: Mapping[str, Any], path: str, item: Any, base: Path, callback_of: str | None
) -> Iterator[Operation]:
    try:
        item, item_path = resolve_with_path(doc, item, base)
    except RefError:
        return
    if not isinstance(item, Mapping):
        return
    shared = _parameters(doc, item.get("parameters"), (*item_path, "parameters"))
    for method in HTTP_METHODS:
        op = item.get(method)
        if not isinstance(op, Mapping):
            continue
        own = _parameters(doc, op.get("parameters"), (*item_path, method, "parameters"))
        yield Operation(
            method=method,
            path=path,
            operation=op,
            pointer=(*item_path, method),
            parameters=_merge_parameters(shared, own),
            callback_of=callback_of,
        )


def iter_operations(doc: Mapping[str, Any], *, callbacks: bool = False) -> Iterator[Operation]:
    """Operations under ``paths`` in document order; with ``callbacks`` also
    the operations of callbacks (``callback_of`` names the owner)."""
    paths = doc.get("paths")
    if not isinstance(paths, Mapping):
        return
    for path, item in paths.items():
        for op in _path_item_operations(doc, str(path), item, ("paths", str(path)), None):
            yield op
            if not callbacks:
                continue
            cbs = op.operation.get("callbacks")
            if not isinstance(cbs, Mapping):
                continue
            for cb_name, cb in cbs.items():
                try:
                    cb_obj, cb_path = resolve_with_path(doc, cb, (*op.pointer, "callbacks", str(cb_name)))
                except RefError:
                    continue
                if not isinstance(cb_obj, Mapping):
                    continue
                for expr, cb_item in cb_obj.items():
                    yield from _path_item_operations(
                        doc, str(expr), cb_item, (*cb_path, str(expr)), f"{op.label} callback {cb_name}"
                    )


def path_regex_parts(template: str) -> tuple[str, list[str]]:
    """A path template as a regex (the same syntax in Python and JavaScript)
    and the names of its parameters in order."""
    out = ["^"]
    names: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "{":
            end = template.find("}", i)
            if end > i:
                names.append(template[i + 1 : end])
                out.append("([^/]+)")
                i = end + 1
                continue
        out.append("\\" + ch if ch in "\\.^$*+?()[]{}|" else ch)
        i += 1
    out.append("$")
    return "".join(out), names


class LineIndex:
    """Line (and column) numbers of JSON pointers in a YAML (or JSON) text, from
    ``yaml.compose`` node marks. Missing paths map to their nearest ancestor."""

    def __init__(self, text: str) -> None:
        import yaml

        self._root: Any
        try:
            self._root = yaml.compose(text, Loader=yaml.SafeLoader)
        except Exception:  # a text PyYAML cannot compose has no line index
            self._root = None

    def line(self, path: Sequence[str | int]) -> int | None:
        pos = self.position(path)
        return None if pos is None else pos[0]

    def position(self, path: Sequence[str | int]) -> tuple[int, int] | None:
        """``(line, column)`` of the key (or item) at ``path``, 1-based."""
        import yaml

        node = self._root
        if node is None:
            return None
        where = (node.start_mark.line + 1, node.start_mark.column + 1)
        for part in path:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        where = (key.start_mark.line + 1, key.start_mark.column + 1)
                        node = value
                        break
                else:
                    return where
            elif isinstance(node, yaml.SequenceNode):
                try:
                    idx = int(part)
                except (TypeError, ValueError):
                    return where
                if not 0 <= idx < len(node.value):
                    return where
                node = node.value[idx]
                where = (node.start_mark.line + 1, node.start_mark.column + 1)
            else:
                return where
        return where
