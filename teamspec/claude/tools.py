"""The file tools of a Claude persona, confined to the workspace.

Four tools: ``list_files``, ``read_file``, ``write_file`` and ``finish``.
Every path is relative to the output directory, POSIX style. Rejected
(an error ``tool_result`` goes back to the model, the loop goes on, and the
rejection becomes a ``sandbox`` finding of the contract):

* absolute paths, ``..``, backslashes, NUL bytes, empty paths;
* anything under ``.teamspec/`` (teamspec's state, logs and reports), and
  writes under ``contracts/`` (the generated interfaces and mocks);
* a path any part of which is a symbolic link;
* content larger than ``max_write_bytes``;
* a write outside the contract's declared artifact patterns, when it
  declares any; a write to a file another contract of the build owns.

Writes go through the contract's workspace (atomic, recorded in its
manifest). Reads and listings see only what is deterministic at the time the
contract runs: its own files, the files of the contracts it depends on
(directly or not), and ``contracts/`` (all generated before any persona
runs) -- never the half-written files of a contract running at the same time.

Malformed tool input (not matching the tool's input schema, or an unknown
tool) is answered with an error tool result naming the problem.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from teamspec.layout import CONTRACTS_DIR, STATE_DIR
from teamspec.model import Contract, Finding

MAX_WRITE_BYTES = 512 * 1024
MAX_READ_CHARS = 100_000
MAX_LIST_ENTRIES = 500
MAX_FINISH_REJECTIONS = 2
_DRIVE = re.compile(r"^[A-Za-z]:")

TOOLS: tuple[dict[str, Any], ...] = (
    {
        "name": "list_files",
        "description": (
            "List the files you can see: your own files, the files of the contracts you depend "
            "on, and the generated interfaces and mocks under contracts/. Optionally only those "
            "under a directory. Returns one 'path (N bytes)' per line."
        ),
        "input_schema": {
            "type": "object",
            "properties": {
                "directory": {
                    "type": "string",
                    "description": "A directory relative to the project root, e.g. 'backend'. "
                                   "Empty or omitted: everything.",
                },
            },
            "additionalProperties": False,
        },
    },
    {
        "name": "read_file",
        "description": (
            "Read a UTF-8 text file you can see (see list_files). The path is relative to the "
            "project root, e.g. 'contracts/task_api/openapi.yaml'."
        ),
        "input_schema": {
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "File path relative to the project root."},
            },
            "required": ["path"],
            "additionalProperties": False,
        },
    },
    {
        "name": "write_file",
        "description": (
            "Create or replace a UTF-8 text file with the complete content. The path is relative "
            "to the project root and must match one of your contract's artifact patterns. Write "
            "whole, working files: no placeholders, no '...'."
        ),
        "input_schema": {
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "File path relative to the project root."},
                "content": {"type": "string", "description": "The complete file content."},
            },
            "required": ["path", "content"],
            "additionalProperties": False,
        },
    },
    {
        "name": "finish",
        "description": (
            "Call once every deliverable of your contract is written. Give a short summary of "
            "what you produced and anything the consumers of your contract must know."
        ),
        "input_schema": {
            "type": "object",
            "properties": {
                "summary": {"type": "string", "description": "A short summary (a few sentences)."},
            },
            "required": ["summary"],
            "additionalProperties": False,
        },
    },
)
TOOL_NAMES: tuple[str, ...] = tuple(t["name"] for t in TOOLS)


class SandboxError(Exception):
    """A tool path or content the sandbox rejects (message for the model)."""


@dataclass(frozen=True)
class ToolOutcome:
    """What a tool call gives back: the tool_result text, whether it is an
    error, the sandbox finding it caused, and for ``finish`` the summary."""

    content: str
    is_error: bool = False
    finding: Finding | None = None
    finished: bool = False
    summary: str = ""


def normalize_path(raw: Any, *, what: str = "path") -> str:
    """A confined relative POSIX path, or SandboxError saying why not."""
    if not isinstance(raw, str):
        raise SandboxError(f"the {what} must be a string, found {type(raw).__name__}")
    if not raw.strip():
        raise SandboxError(f"the {what} is empty")
    if "\x00" in raw:
        raise SandboxError(f"the {what} contains a NUL byte")
    if "\\" in raw:
        raise SandboxError("backslashes are not allowed; use '/' between directories")
    pure = PurePosixPath(raw)
    if pure.is_absolute() or _DRIVE.match(raw):
        raise SandboxError("absolute paths are not allowed; give a path relative to the project "
                           "root, e.g. 'backend/app.py'")
    parts = [p for p in pure.parts if p != "."]
    if ".." in parts:
        raise SandboxError("'..' is not allowed: every file stays inside the project")
    if not parts:
        raise SandboxError(f"the {what} names the project root itself")
    if parts[0] == STATE_DIR:
        raise SandboxError(f"'{STATE_DIR}/' is reserved for teamspec's own state and reports")
    return "/".join(parts)


def check_no_symlink(root: Path, rel: str) -> None:
    """SandboxError when any part of ``rel`` under ``root`` is a symbolic link."""
    cur = root
    parts = rel.split("/")
    for i, part in enumerate(parts):
        cur = cur / part
        try:
            st = os.lstat(cur)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise SandboxError(f"cannot inspect '{'/'.join(parts[: i + 1])}': {exc.strerror}") \
                from None
        if stat.S_ISLNK(st.st_mode):
            raise SandboxError(f"'{'/'.join(parts[: i + 1])}' is a symbolic link; symbolic links "
                               "are never followed")


def _input_errors(name: str, schema: Mapping[str, Any], value: Any) -> str | None:
    from jsonschema import Draft202012Validator

    if not isinstance(value, dict):
        return f"the input must be a JSON object, found {type(value).__name__}"
    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.path))
    if not errors:
        return None
    e = errors[0]
    where = "/".join(str(p) for p in e.path)
    return f"{where + ': ' if where else ''}{e.message}"


@dataclass
class ToolBox:
    """Runs the tools of one contract attempt against its workspace.

    ``workspace`` is the engine's ContractWorkspace (``write``, ``files``,
    ``root``); ``upstream`` maps the paths of the depends-on contracts'
    files to their contract ids; ``foreign`` is the engine's "belongs to
    another contract" test (``Job.foreign``)."""

    workspace: Any
    contract: Contract
    upstream: Mapping[str, str] = field(default_factory=dict)
    foreign: Callable[[str], bool] | None = None
    max_write_bytes: int = MAX_WRITE_BYTES
    max_read_chars: int = MAX_READ_CHARS
    findings: list[Finding] = field(default_factory=list)
    finish_rejections: int = 0

    @property
    def root(self) -> Path:
        return Path(self.workspace.root)

    @property
    def patterns(self) -> tuple[str, ...]:
        return tuple(p for d in self.contract.deliverables for p in d.artifacts)

    # -- dispatch ------------------------------------------------------------
    def run(self, name: str, tool_input: Any) -> ToolOutcome:
        """Run one tool call; never raises for anything the model sent."""
        spec = next((t for t in TOOLS if t["name"] == name), None)
        if spec is None:
            return ToolOutcome(f"error: unknown tool {name!r}; the tools are "
                               f"{', '.join(TOOL_NAMES)}", is_error=True)
        problem = _input_errors(name, spec["input_schema"], tool_input)
        if problem is not None:
            return ToolOutcome(f"error: invalid input for {name}: {problem}", is_error=True)
        args: dict[str, Any] = dict(tool_input)
        if name == "list_files":
            return self.list_files(args.get("directory", ""))
        if name == "read_file":
            return self.read_file(args["path"])
        if name == "write_file":
            return self.write_file(args["path"], args["content"])
        return self.finish(args["summary"])

    def _reject(self, tool: str, raw: Any, why: str) -> ToolOutcome:
        shown = raw if isinstance(raw, str) else repr(raw)
        finding = Finding(
            "sandbox", f"{tool} {shown!r} rejected: {why}", severity="warning",
            contract=self.contract.id, file=shown if isinstance(raw, str) else None,
        )
        self.findings.append(finding)
        return ToolOutcome(f"error: {tool} {shown!r} rejected: {why}", is_error=True,
                           finding=finding)

    # -- visibility ------------------------------------------------------------
    def visible(self) -> dict[str, str]:
        """Visible path -> who produced it (contract id, or 'contracts')."""
        out: dict[str, str] = {}
        for p in self.upstream:
            out[p] = self.upstream[p]
        cdir = self.root / CONTRACTS_DIR
        if cdir.is_dir():
            for dirpath, dirnames, filenames in os.walk(cdir, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if d != "node_modules")
                for fn in filenames:
                    full = Path(dirpath) / fn
                    if full.is_symlink() or fn.startswith("."):
                        continue
                    out[full.relative_to(self.root).as_posix()] = CONTRACTS_DIR
        for p in self.workspace.files:
            out[p] = self.contract.id
        return out

    # -- tools -------------------------------------------------------------------
    def list_files(self, directory: Any) -> ToolOutcome:
        prefix = ""
        if isinstance(directory, str) and directory.strip() not in ("", ".", "/"):
            try:
                prefix = normalize_path(directory.rstrip("/"), what="directory") + "/"
            except SandboxError as exc:
                return self._reject("list_files", directory, str(exc))
        lines: list[str] = []
        for path in sorted(self.visible()):
            if not path.startswith(prefix):
                continue
            try:
                size = os.lstat(self.root / path).st_size
            except OSError:
                continue
            lines.append(f"{path} ({size} bytes)")
        if not lines:
            return ToolOutcome(f"no files{' under ' + prefix if prefix else ''}")
        more = len(lines) - MAX_LIST_ENTRIES
        shown = lines[:MAX_LIST_ENTRIES]
        if more > 0:
            shown.append(f"... and {more} more; list a directory to see them")
        return ToolOutcome("\n".join(shown))

    def read_file(self, raw: Any) -> ToolOutcome:
        try:
            path = normalize_path(raw)
            check_no_symlink(self.root, path)
        except SandboxError as exc:
            return self._reject("read_file", raw, str(exc))
        if path not in self.visible():
            return ToolOutcome(
                f"error: {path} is not one of the files you can see (your own files, the files "
                "of the contracts you depend on, and contracts/); use list_files", is_error=True)
        full = self.root / path
        try:
            data = full.read_bytes()
        except FileNotFoundError:
            return ToolOutcome(f"error: {path} does not exist", is_error=True)
        except IsADirectoryError:
            return ToolOutcome(f"error: {path} is a directory; use list_files", is_error=True)
        except OSError as exc:
            return ToolOutcome(f"error: cannot read {path}: {exc.strerror}", is_error=True)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return ToolOutcome(f"error: {path} is not UTF-8 text", is_error=True)
        if len(text) > self.max_read_chars:
            return ToolOutcome(text[: self.max_read_chars]
                               + f"\n[truncated: {path} has {len(text)} characters; the first "
                               f"{self.max_read_chars} are shown]")
        return ToolOutcome(text)

    def write_file(self, raw: Any, content: str) -> ToolOutcome:
        from teamspec.engine.validate import glob_regex
        from teamspec.engine.workspace import WorkspaceError

        try:
            path = normalize_path(raw)
            if path.split("/")[0] == CONTRACTS_DIR:
                raise SandboxError(f"'{CONTRACTS_DIR}/' holds the generated interfaces and mocks; "
                                   "teamspec writes them, personas only read them")
            check_no_symlink(self.root, path)
        except SandboxError as exc:
            return self._reject("write_file", raw, str(exc))
        size = len(content.encode("utf-8"))
        if size > self.max_write_bytes:
            return self._reject("write_file", path, f"oversized content: {size} bytes, at most "
                                f"{self.max_write_bytes} bytes per file; split it into smaller files")
        patterns = self.patterns
        if patterns and not any(glob_regex(p).match(path) for p in patterns):
            return self._reject("write_file", path, "outside the contract's artifact patterns "
                                f"({', '.join(patterns)}); write only your own deliverables")
        if self.foreign is not None and self.foreign(path) and path not in self.workspace.files:
            return self._reject("write_file", path, "the file belongs to another contract")
        try:
            rec = self.workspace.write(path, content)
        except WorkspaceError as exc:
            return self._reject("write_file", path, exc.message)
        return ToolOutcome(f"wrote {rec.path} ({rec.size} bytes)")

    def missing_patterns(self) -> list[str]:
        from teamspec.engine.validate import glob_regex

        missing: list[str] = []
        for p in self.patterns:
            rx = glob_regex(p)
            if not any(rx.match(f) and r.size > 0 for f, r in self.workspace.files.items()):
                missing.append(p)
        return missing

    def finish(self, summary: str) -> ToolOutcome:
        missing = self.missing_patterns()
        if missing and self.finish_rejections < MAX_FINISH_REJECTIONS:
            self.finish_rejections += 1
            return ToolOutcome(
                "error: not finished: no non-empty file yet for the artifact pattern(s) "
                f"{', '.join(missing)}; write them with write_file, then call finish again",
                is_error=True)
        return ToolOutcome("finished", finished=True, summary=summary.strip())


__all__ = [
    "MAX_READ_CHARS",
    "MAX_WRITE_BYTES",
    "TOOLS",
    "TOOL_NAMES",
    "SandboxError",
    "ToolBox",
    "ToolOutcome",
    "check_no_symlink",
    "normalize_path",
]
