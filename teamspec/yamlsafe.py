"""YAML the strictyaml way, at libyaml speed.

strictyaml's rules — no implicit typing, no anchors or aliases, no tags, no
duplicate keys, no flow-style mappings, one document — enforced on the event
stream of PyYAML's libyaml-backed parser (``CSafeLoader``; the pure-Python
parser when libyaml is absent). strictyaml itself copies its document tree
on every step and grows quadratically with the size of the file; this module
reads the stream once.

Stages: check characters → parse events → build plain data (every scalar a
``str``) with the position of every key and item → collect every problem.
The build loop is iterative, so nesting depth never reaches Python's
recursion limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from teamspec.errors import Diagnostic, SpecError, sort_diagnostics
from teamspec.model import PathKey, SourceMap, format_path

__all__ = ["MAX_DEPTH", "MAX_PROBLEMS", "YamlDocument", "compose_yaml", "load_yaml", "locate_offset"]

#: Deepest nesting of mappings and sequences accepted.
MAX_DEPTH = 256
#: After this many problems the file is not read any further.
MAX_PROBLEMS = 100

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Characters YAML 1.1 allows in a stream (its "printable" set).
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)

_ScalarEvent = yaml.ScalarEvent
_MappingStartEvent = yaml.MappingStartEvent
_MappingEndEvent = yaml.MappingEndEvent
_SequenceStartEvent = yaml.SequenceStartEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_AliasEvent = yaml.AliasEvent
_DocumentStartEvent = yaml.DocumentStartEvent
_StreamEndEvent = yaml.StreamEndEvent


@dataclass(frozen=True)
class YamlDocument:
    """A parsed document: plain data and where everything stands.

    ``quoted`` holds the paths of scalars that were not written plain
    (quoted or block scalars); a consumer that types scalars by their look
    (inline interface documents) keeps those as strings. ``diagnostics`` is
    empty when the document follows the rules. ``complete`` says the whole
    document was read (no syntax error): then ``data`` is usable even with
    diagnostics — the first of duplicate keys kept, aliases replaced by
    their anchor's value, tags ignored, rejected keys dropped — so later
    stages can report their problems alongside.
    """

    data: Any
    source: SourceMap
    quoted: frozenset[PathKey] = frozenset()
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    complete: bool = True

    @property
    def ok(self) -> bool:
        return not self.diagnostics


class _Stop(Exception):
    """Raised inside the build loop when reading must end."""


class _Frame:
    """One open mapping or sequence while building."""

    __slots__ = ("container", "discard", "flow", "is_map", "key", "keypath", "path", "seen")

    def __init__(self, container: Any, path: PathKey, is_map: bool, flow: bool, discard: bool) -> None:
        self.container = container
        self.path = path
        self.is_map = is_map
        self.flow = flow
        self.discard = discard
        self.key: Any = _NO_KEY
        self.keypath: PathKey = path
        self.seen: dict[str, int] = {}


_NO_KEY = object()  # the next scalar of a mapping is a key
_DROP = object()  # the pending value belongs to a rejected key: build it, keep nothing


def locate_offset(text: str, index: int) -> tuple[int, int]:
    """1-based ``(line, col)`` of character ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def _show_tag(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix):] if tag.startswith(prefix) else tag


def _describe_char(ch: str) -> str:
    code = ord(ch)
    name = f"U+{code:04X}"
    if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0:
        return f"control character {name}"
    if 0xD800 <= code <= 0xDFFF:
        return f"lone surrogate {name}"
    return f"character {name}"


_YAML_HINTS: tuple[tuple[str, str], ...] = (
    ("mapping values are not allowed", "put quotes around a value that contains ': '"),
    ("could not find expected ':'", "a key needs ': ' after it, or a multi-line text needs '|'"),
    ("did not find expected key", "check the indentation of this line against the lines above"),
    ("did not find expected '-' indicator", "check the indentation of this list item"),
    ("expected <document start>", "a line outside every mapping: check its indentation and its 'key: value' form"),
    ("found undefined tag handle", "tags are not allowed; remove the '!'"),
    ("found character that cannot start any token", "put quotes around this value"),
    ("found unknown escape character", "inside double quotes write a backslash as '\\\\', or use single quotes"),
)


def _char_at(text: str, line: int, col: int) -> str:
    """The character at 0-based ``line`` and ``col`` ('' past the end)."""
    start = 0
    for _ in range(line):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    index = start + col
    return text[index] if index < len(text) else ""


def _yaml_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = (exc.problem or "malformed YAML").strip()
    mark = exc.problem_mark
    if mark is not None and "cannot start any token" in problem:
        if _char_at(text, mark.line, mark.column) == "\t":
            return "invalid YAML: found a tab character; indent with spaces (YAML does not allow tabs for indentation)"
    message = f"invalid YAML: {problem}"
    context = (exc.context or "").strip()
    if context and exc.context_mark is not None and not context.startswith("while scanning for the next token"):
        message += f" ({context} at line {exc.context_mark.line + 1})"
    for needle, hint in _YAML_HINTS:
        if needle in problem:
            message += f"; {hint}"
            break
    return message


class _Builder:
    """Turns an event stream into plain data, positions and problems."""

    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.positions: dict[PathKey, tuple[int, int]] = {}
        self.quoted: set[PathKey] = set()
        self.problems: list[Diagnostic] = []
        self.anchors: dict[str, Any] = {}
        self.root: Any = None
        self.has_root = False

    def problem(self, mark: Any, message: str, path: PathKey = ()) -> None:
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        self.problems.append(Diagnostic(self.file, line, col, "error", message, format_path(path)))
        if len(self.problems) >= MAX_PROBLEMS:
            self.problems.append(
                Diagnostic(self.file, line, col, "error", f"too many problems; stopped reading after {MAX_PROBLEMS}")
            )
            raise _Stop

    def run(self) -> None:
        loader = _Loader(self.text)
        try:
            self._events(loader)
        finally:
            loader.dispose()

    def _events(self, loader: Any) -> None:
        # The hot loop of the loader: one pass over ~30 events per contract.
        # Keys are handled inline; rare cases (decorations, duplicates) call out.
        stack: list[_Frame] = []
        positions = self.positions
        quoted = self.quoted
        documents = 0
        get_event = loader.get_event
        no_key = _NO_KEY
        drop = _DROP
        while True:
            ev = get_event()
            kind = type(ev)
            if kind is _ScalarEvent:
                if ev.anchor is not None or ev.tag is not None:
                    self._decorations(ev)
                if not stack:
                    self._set_root(ev.value, ev)
                    continue
                top = stack[-1]
                if top.is_map:
                    key = top.key
                    if key is no_key:  # this scalar is a key
                        value = ev.value
                        mark = ev.start_mark
                        seen = top.seen
                        if value in seen:
                            self._duplicate(top, value, mark)
                            continue
                        line = mark.line + 1
                        seen[value] = line
                        top.key = value
                        if not top.discard:
                            path = (*top.path, value)
                            top.keypath = path
                            positions[path] = (line, mark.column + 1)
                        continue
                    top.key = no_key
                    if key is drop or top.discard:
                        continue
                    top.container[key] = ev.value
                    if ev.style:
                        quoted.add(top.keypath)
                else:
                    if top.discard:
                        continue
                    container = top.container
                    path = (*top.path, len(container))
                    container.append(ev.value)
                    mark = ev.start_mark
                    positions[path] = (mark.line + 1, mark.column + 1)
                    if ev.style:
                        quoted.add(path)
            elif kind is _MappingEndEvent or kind is _SequenceEndEvent:
                stack.pop()
            elif kind is _MappingStartEvent or kind is _SequenceStartEvent:
                is_map = kind is _MappingStartEvent
                if ev.anchor is not None or ev.tag is not None:
                    self._decorations(ev)
                if is_map and ev.flow_style:
                    self.problem(
                        ev.start_mark,
                        "flow-style mappings ({...}) are not allowed; write one 'key: value' per line",
                    )
                elif stack and stack[-1].flow and not (len(stack) > 1 and stack[-2].flow):
                    self.problem(
                        ev.start_mark,
                        "a flow-style list ([...]) may hold only plain values; write nested lists in block style",
                    )
                if len(stack) >= MAX_DEPTH:
                    self.problem(ev.start_mark, f"nesting is deeper than {MAX_DEPTH} levels")
                    raise _Stop
                opened: Any = {} if is_map else []
                frame = self._attach(opened, ev, stack, is_map)
                stack.append(frame)
            elif kind is _AliasEvent:
                self.problem(
                    ev.start_mark,
                    f"aliases are not allowed: found '*{ev.anchor}'; write the value out in full",
                )
                value = self.anchors.get(ev.anchor, "")
                if not stack:
                    self._set_root(value, ev)
                    continue
                top = stack[-1]
                if top.is_map and top.key is _NO_KEY:
                    top.key = _DROP
                elif top.is_map:
                    if top.key is not _DROP and not top.discard:
                        top.container[top.key] = value
                    top.key = _NO_KEY
                elif not top.discard:
                    mark = ev.start_mark
                    positions[(*top.path, len(top.container))] = (mark.line + 1, mark.column + 1)
                    top.container.append(value)
            elif kind is _StreamEndEvent:
                return
            elif kind is _DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.problem(
                        ev.start_mark,
                        "a spec file holds one YAML document; found a second one (after '---' or '...')",
                    )
                    raise _Stop

    def _decorations(self, ev: Any) -> None:
        if ev.anchor is not None:
            if type(ev) is _ScalarEvent:
                self.anchors[ev.anchor] = ev.value  # an alias to it reads this value
            self.problem(
                ev.start_mark,
                f"anchors are not allowed: found '&{ev.anchor}'; write the value out in full",
            )
        if ev.tag is not None:
            self.problem(
                ev.start_mark,
                f"tags are not allowed: found '{_show_tag(ev.tag)}'; remove it, types come from the schema",
            )

    def _set_root(self, value: Any, ev: Any) -> None:
        self.root = value
        self.has_root = True
        mark = ev.start_mark
        self.positions[()] = (mark.line + 1, mark.column + 1)
        if getattr(ev, "style", None):
            self.quoted.add(())

    def _duplicate(self, top: _Frame, key: str, mark: Any) -> None:
        self.problem(
            mark,
            f"duplicate key '{key}' (first defined at line {top.seen[key]}); remove one of them",
            top.path,
        )
        top.key = _DROP

    def _attach(self, container: Any, ev: Any, stack: list[_Frame], is_map: bool) -> _Frame:
        mark = ev.start_mark
        flow = bool(ev.flow_style)
        if not stack:
            self.root = container
            self.has_root = True
            self.positions[()] = (mark.line + 1, mark.column + 1)
            frame = _Frame(container, (), is_map, flow, False)
        else:
            top = stack[-1]
            if top.is_map and top.key is _NO_KEY:
                what = "mapping" if is_map else "list"
                self.problem(mark, f"a key must be a plain text, found a {what}", top.path)
                top.key = _DROP
                frame = _Frame(container, top.path, is_map, flow, True)
            elif top.is_map:
                key = top.key
                top.key = _NO_KEY
                discard = top.discard or key is _DROP
                if not discard:
                    top.container[key] = container
                frame = _Frame(container, top.keypath, is_map, flow, discard)
            else:
                path = (*top.path, len(top.container))
                if not top.discard:
                    top.container.append(container)
                    self.positions[path] = (mark.line + 1, mark.column + 1)
                frame = _Frame(container, path, is_map, flow, top.discard)
        if ev.anchor is not None:
            self.anchors[ev.anchor] = container
        return frame


def compose_yaml(text: str, file: str) -> YamlDocument:
    """Parse ``text`` under strictyaml's rules, collecting every problem.

    Never raises for bad input: problems are returned in
    ``YamlDocument.diagnostics`` (sorted by line). After a syntax error the
    data holds what was read before it.
    """
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line, col = locate_offset(text, bad.start())
        hint = " (is this a binary file?)" if bad.group() == "\x00" else ""
        return YamlDocument(
            None,
            SourceMap(file, {}),
            diagnostics=(
                Diagnostic(file, line, col, "error", f"{_describe_char(bad.group())} is not allowed in YAML{hint}"),
            ),
            complete=False,
        )
    builder = _Builder(text, file)
    complete = False
    try:
        builder.run()
        complete = True
    except _Stop:
        pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        builder.problems.append(
            Diagnostic(
                file,
                mark.line + 1 if mark is not None else 1,
                mark.column + 1 if mark is not None else 1,
                "error",
                _yaml_message(exc, text),
            )
        )
    except yaml.YAMLError as exc:  # ReaderError and friends: not located by libyaml
        builder.problems.append(Diagnostic(file, 1, 1, "error", f"invalid YAML: {exc}"))
    except (RecursionError, MemoryError):
        builder.problems.append(
            Diagnostic(file, 1, 1, "error", "the document is too large or too deeply nested to read")
        )
    if not builder.problems and (not builder.has_root or (builder.root == "" and () not in builder.quoted)):
        builder.problems.append(Diagnostic(file, 1, 1, "error", "the document is empty"))
        complete = False
    return YamlDocument(
        builder.root,
        SourceMap(file, builder.positions),
        frozenset(builder.quoted),
        tuple(sort_diagnostics(builder.problems)),
        complete,
    )


def load_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse ``text`` (named ``file`` in messages) under strictyaml's rules.

    Returns plain data — every scalar a ``str``, mappings as ``dict``,
    sequences as ``list`` — and the position of every key and item.

    Raises :class:`SpecError` carrying every problem found, sorted by line.
    """
    doc = compose_yaml(text, file)
    if doc.diagnostics:
        count = len(doc.diagnostics)
        raise SpecError(f"{file}: {count} YAML problem{'s' if count != 1 else ''}", doc.diagnostics)
    return doc.data, doc.source
