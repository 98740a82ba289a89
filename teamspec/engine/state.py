"""Incremental build state: ``<out>/.teamspec/state.json`` plus a journal.

Per contract the state keeps the fingerprint of its inputs (the hash of each
component, ``inputs``, and the output hashes of its dependencies,
``upstream``: a rebuild compares them and can say which changed), the files
it produced (path → SHA-256, size, modification time) and the scores of its
last validation.

Writes, crash consistency and cost
----------------------------------
The record of a contract is one line appended to ``.teamspec/state.journal``
(a file opened with ``O_APPEND``). Lines are group-committed: the records of
the contracts that finish in one scheduling step (a slice of contracts
completed inline, or one turn of the event loop) are written with a single
``write(2)`` (:meth:`StateStore.flush`) before the engine waits for anything
— before another contract is started in a task, a process is waited for or
the loop turns — so a record reaches the kernel at most one scheduling step
after its contract finished. A process killed at any instant leaves every
line either complete or torn, and the lines in completion order; a torn (or
otherwise unreadable) line ends the replay on load, and the contracts whose
lines were lost simply run again.

``state.json`` is the compacted form: rewritten atomically (temporary file in
the same directory, then ``os.replace``) whenever the journal holds at least
``COMPACT_MIN`` (32) records and ``COMPACT_RATIO`` (4) times as many as
``state.json`` (so compaction costs O(1) amortised per contract: every record
is rewritten 1.25 times on average, and a journal to replay after a crash
is at most 4 times the state), and at the end of every build (also an
interrupted one), after which the journal is deleted. Loading reads
``state.json`` and replays the journal; replay is idempotent, so a crash
between the rewrite and the deletion is harmless.

Before a contract that already has recorded outputs runs, a ``begin`` line is
journaled, at once (with the lines waiting before it): if the build dies while that contract is rewriting its files, the
next build knows the differences on disk are its own half-finished work, not
a hand edit.

Nothing is fsync'ed: the failure model is the death of the build process
(Ctrl-C, SIGTERM, SIGKILL), which loses nothing the kernel already has. A
power loss may lose the last lines; the affected contracts are rebuilt.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from teamspec.engine.jsonenc import make_encoder
from teamspec.engine.workspace import (
    SNAPSHOT_SKIP_ANY,
    replace_atomically,
    sha256_file,
    utf8_chunks,
)
from teamspec.errors import UsageError

STATE_FORMAT = 1
#: the journal is folded into state.json once it holds this many records and
#: at least COMPACT_RATIO times as many as state.json (O(1) amortised), and
#: at the end of a build
COMPACT_MIN = 32
COMPACT_RATIO = 4
LOCK_NAME = "lock"
DIRTY_NAME = "building"
_TMP = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")
STATE_NAME = "state.json"
JOURNAL_NAME = "state.journal"

Record = dict[str, Any]


@dataclass
class LoadedState:
    records: dict[str, Record] = field(default_factory=dict)
    #: contracts that began running but never finished (last build died)
    unfinished: set[str] = field(default_factory=set)
    #: contract id -> {"key": hash of what they derive from,
    #:                  "files": {path: [sha, size, mtime_ns]}} (interfaces and mocks)
    artifacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def record_outputs(rec: Record) -> dict[str, list[Any]]:
    """The ``outputs`` of a state record (path -> [sha256, size, mtime_ns])."""
    out = rec.get("outputs", {})
    return out if isinstance(out, dict) else {}


def atomic_write(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (bytes or chunks) to ``path`` (mode 0644) through a
    temporary file and ``os.replace``, creating its directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(path, data, 0o644)


class StateStore:
    """Reads and writes the state of one output directory."""

    def __init__(self, state_dir: Path, *, dry_run: bool = False) -> None:
        self.dir = state_dir
        self.state_path = state_dir / STATE_NAME
        self.journal_path = state_dir / JOURNAL_NAME
        self.dry_run = dry_run
        self.state = LoadedState()
        self._fd: int | None = None
        self._encoded: dict[str, str] = {}
        #: journal lines not written yet (group commit: :meth:`flush`)
        self._pending: list[str] = []
        self._lock_fd: int | None = None
        self._journal_count = 0
        self._compacted(0)

    # -- the build lock ----------------------------------------------------------
    def acquire(self) -> bool:
        """Lock the output directory for this build (``.teamspec/lock``,
        ``flock``) and mark it as being built (``.teamspec/building``).

        Returns True when the previous build did not finish cleanly (its
        marker is still there). Raises :class:`UsageError` when another build
        holds the lock."""
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UsageError(
                f"another teamspec build is running in {self.dir.parent}; wait for it to "
                "finish (or stop it) and try again") from None
        self._lock_fd = fd
        marker = self.dir / DIRTY_NAME
        dirty = marker.exists()
        if not dirty:
            marker.write_bytes(b"")
        return dirty

    def release(self) -> None:
        """Clear the marker and unlock (the end of a build, interrupted or not)."""
        fd = self._lock_fd
        if fd is None:
            return
        try:
            os.unlink(self.dir / DIRTY_NAME)
        except FileNotFoundError:
            pass
        os.close(fd)
        self._lock_fd = None

    # -- loading -------------------------------------------------------------
    def load(self) -> LoadedState:
        st = LoadedState()
        try:
            raw = self.state_path.read_bytes()
        except FileNotFoundError:
            raw = b""
        except OSError as exc:
            st.warnings.append(f"{self.state_path}: cannot read the build state ({exc}); "
                               "rebuilding everything")
            raw = b""
        if raw:
            try:
                doc = json.loads(raw)
                if not isinstance(doc, dict) or doc.get("format") != STATE_FORMAT:
                    raise ValueError("unknown state format")
                st.records = {str(k): v for k, v in doc.get("contracts", {}).items()
                              if isinstance(v, dict)}
                st.artifacts = {str(k): v for k, v in doc.get("artifacts", {}).items()
                                if isinstance(v, dict)}
                st.unfinished = {str(x) for x in doc.get("unfinished", [])}
            except (ValueError, TypeError, AttributeError) as exc:
                st.warnings.append(f"{self.state_path}: the build state is unreadable ({exc}); "
                                   "rebuilding everything")
                st = LoadedState(warnings=st.warnings)
        self._compacted(len(st.records))
        self._replay(st)
        self.state = st
        return st

    def _replay(self, st: LoadedState) -> None:
        try:
            data = self.journal_path.read_bytes()
        except FileNotFoundError:
            return
        except OSError:
            return
        count = 0
        for line in data.split(b"\n")[:-1]:  # the part after the last newline is torn
            try:
                entry = json.loads(line)
                op = entry["op"]
                cid = str(entry["id"])
            except (ValueError, KeyError, TypeError):
                break
            count += 1
            if op == "begin":
                st.unfinished.add(cid)
            elif op == "done":
                st.unfinished.discard(cid)
                st.records[cid] = entry["rec"]
            elif op == "forget":
                st.unfinished.discard(cid)
                st.records.pop(cid, None)
            elif op == "artifacts":
                st.artifacts[cid] = entry["files"]
        self._journal_count = count

    # -- writing ---------------------------------------------------------------
    def _append(self, entry: Mapping[str, Any]) -> None:
        """Journal ``entry`` now, after the lines waiting for :meth:`flush`."""
        if self.dry_run:
            return
        self._pending.append(dumps_state(entry) + "\n")
        self._journal_count += 1
        self.flush()

    def flush(self) -> None:
        """Write the journal lines of the records committed since the last
        flush, with one ``write(2)`` (the engine calls it before it waits)."""
        pending = self._pending
        if not pending:
            return
        if self._fd is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        data = "".join(pending).encode("utf-8")
        pending.clear()
        view = memoryview(data)
        while view:  # a regular file takes it whole; a short write is continued
            view = view[os.write(self._fd, view):]

    def begin(self, cid: str) -> None:
        """A contract with recorded outputs starts rewriting them."""
        if cid in self.state.records and cid not in self.state.unfinished:
            self.state.unfinished.add(cid)
            self._append({"op": "begin", "id": cid})

    def commit(self, cid: str, rec: Record, text: str | None = None) -> None:
        """Persist a finished contract's record (``text``: its JSON, when
        the caller has it; else it is encoded here)."""
        self.state.records[cid] = rec
        self.state.unfinished.discard(cid)
        key = dumps_state(cid)
        enc = dumps_state(rec) if text is None else text
        self._encoded[cid] = f"{key}:{enc}"  # its line in state.json
        if not self.dry_run:
            self._pending.append(f'{{"op":"done","id":{key},"rec":{enc}}}\n')
            self._journal_count += 1
            if self._journal_count >= self._compact_at:
                self.compact()

    def forget(self, cid: str) -> None:
        self.state.records.pop(cid, None)
        self._append({"op": "forget", "id": cid})

    def set_artifacts(self, cid: str, files: dict[str, Any]) -> None:
        if self.state.artifacts.get(cid) == files:
            return
        self.state.artifacts[cid] = files
        self._append({"op": "artifacts", "id": cid, "files": files})

    def _compacted(self, n: int) -> None:
        """``state.json`` holds ``n`` records: the journal is folded in again
        once it holds ``_compact_at`` lines."""
        self._compacted_count = n
        self._compact_at = max(COMPACT_MIN, COMPACT_RATIO * n)

    def compact(self) -> None:
        """Rewrite ``state.json`` atomically and drop the journal."""
        if self.dry_run:
            return
        st = self.state
        enc = self._encoded

        def parts() -> Iterator[str]:
            yield f'{{"format":{STATE_FORMAT},\n"contracts":{{\n'
            sep = ""
            for k in sorted(st.records):
                line = enc.get(k) or enc.setdefault(
                    k, f"{dumps_state(k)}:{dumps_state(st.records[k])}")
                yield sep + line
                sep = ",\n"
            yield (f'}},\n"artifacts":'
                   f'{dumps_state({k: st.artifacts[k] for k in sorted(st.artifacts)})},\n'
                   f'"unfinished":{dumps_state(sorted(st.unfinished))}}}\n')

        atomic_write(self.state_path, utf8_chunks(parts()))
        self._pending.clear()  # state.json holds them
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        try:
            os.unlink(self.journal_path)
        except FileNotFoundError:
            pass
        self._journal_count = 0
        self._compacted(len(st.records))

    def close(self) -> None:
        """Compact (when anything was journaled) and release the journal."""
        if self._journal_count or (self._fd is not None) or self._pending:
            self.compact()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


#: JSON of state records and journal lines (compact, UTF-8 kept)
dumps_state = make_encoder()


def file_entry(sha: str, size: int, mtime_ns: int) -> list[Any]:
    return [sha, size, mtime_ns]


def check_outputs(root: Path, outputs: Mapping[str, list[Any]]) -> tuple[list[str], list[str]]:
    """Compare recorded outputs with the disk: ``(missing, edited)`` paths.

    A file whose size and modification time are as recorded is taken as
    unchanged; otherwise it is hashed."""
    missing: list[str] = []
    edited: list[str] = []
    for rel, entry in outputs.items():
        sha, size, mtime = entry[0], entry[1], entry[2]
        p = root / rel
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            missing.append(rel)
            continue
        except OSError:
            edited.append(rel)
            continue
        if st.st_size == size and st.st_mtime_ns == mtime:
            continue
        if os.path.islink(p) or not os.path.isfile(p):
            edited.append(rel)
            continue
        if st.st_size != size or sha256_file(p) != sha:
            edited.append(rel)
    return missing, edited


def edited_reason(edited: Sequence[str]) -> str:
    """Why outputs are not overwritten, for a result or a finding."""
    shown = ", ".join(sorted(edited)[:3]) + (f" and {len(edited) - 3} more" if len(edited) > 3 else "")
    return (f"output edited by hand: {shown}; not overwritten: use --force to rebuild it "
            "(or revert the edit)")


def sweep_temp_files(root: Path) -> list[str]:
    """Remove temporary files left by writes of a build that was killed
    (``.NAME.XXXXXXXX.tmp``, the pattern of :func:`atomic_write` and the
    workspace). Returns the removed paths, relative to ``root``."""
    removed: list[str] = []
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            it = os.scandir(d)
        except OSError:
            continue
        with it:
            for e in it:
                try:
                    if e.is_dir(follow_symlinks=False):
                        if e.name not in SNAPSHOT_SKIP_ANY:
                            stack.append(Path(e.path))
                    elif _TMP.match(e.name) and e.is_file(follow_symlinks=False):
                        os.unlink(e.path)
                        removed.append(os.path.relpath(e.path, root))
                except OSError:
                    continue
    return sorted(removed)
