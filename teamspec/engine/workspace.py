"""The one object every write of a build goes through.

:class:`OutputTree` guards the output directory: every path is confined to it
(no ``..``, no absolute path, never through a symbolic link anywhere in the
path, ``.teamspec/`` and ``contracts/`` reserved for teamspec itself), every
write is atomic (a temporary file in the same directory, then
``os.replace``) and every written file is recorded, with its SHA-256, in the
manifest of the contract that wrote it (:class:`ContractWorkspace`). Only a
contract's own manifest counts as its deliverables.

Writing the bytes a file already holds leaves the file untouched (same
modification time), so an unchanged rebuild rewrites nothing.

Command contracts write files themselves: :meth:`OutputTree.snapshot` before
and after the command and :meth:`ContractWorkspace.adopt` record what changed.

Durability: files are not fsync'ed. The failure model is the death of the
build process (Ctrl-C, SIGTERM, SIGKILL): every file is either its old or its
new content. After a power loss recent writes may be lost; the state then no
longer matches and the affected contracts are rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from teamspec.errors import TeamspecError
from teamspec.layout import CONTRACTS_DIR, STATE_DIR

#: directories never walked by :meth:`OutputTree.snapshot`: at the top level
SNAPSHOT_SKIP_TOP: frozenset[str] = frozenset({STATE_DIR, CONTRACTS_DIR})
#: ... and at any depth
SNAPSHOT_SKIP_ANY: frozenset[str] = frozenset({"node_modules", ".git", "__pycache__"})

_DRIVE = re.compile(r"^[A-Za-z]:")


def _default_mode() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


_MODE = _default_mode()


class WorkspaceError(TeamspecError):
    """Raised when a write would leave the output directory, go through a
    symbolic link, touch a reserved directory, or clash with a file another
    contract of the same build wrote."""

    exit_code = 1


def open_temp(parent: Path, name: str) -> tuple[int, str]:
    """Create ``parent/.NAME.XXXXXXXX.tmp`` exclusively (mode 0600): the
    temporary file of an atomic write."""
    for _ in range(100):
        tmp = os.path.join(parent, f".{name}.{os.urandom(4).hex()}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file in {parent}")


def replace_atomically(target: Path, data: bytes | Iterable[bytes], mode: int) -> None:
    """Write ``data`` (bytes, or chunks of them: a large file need not be
    held whole in memory) to ``target`` through a temporary file in its
    directory (:func:`open_temp`), then ``os.replace``: readers see the old
    file or the new one, never a part. The temporary file is removed on any
    failure."""
    fd, tmp = open_temp(target.parent, target.name)
    try:
        with os.fdopen(fd, "wb") as f:
            if isinstance(data, bytes):
                f.write(data)
            else:
                for chunk in data:
                    f.write(chunk)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def utf8_chunks(parts: Iterable[str], size: int = 1 << 18) -> Iterator[bytes]:
    """``parts`` joined and UTF-8 encoded, as chunks of about ``size``
    characters (for :func:`replace_atomically`: a file of many thousands of
    lines is written without one string and one buffer of its whole size,
    which a big process gets as fresh pages from the kernel each time)."""
    batch: list[str] = []
    n = 0
    for part in parts:
        batch.append(part)
        n += len(part)
        if n >= size:
            yield "".join(batch).encode("utf-8")
            batch.clear()
            n = 0
    if batch:
        yield "".join(batch).encode("utf-8")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class FileRecord:
    """A file of a contract's manifest: relative POSIX path, SHA-256, size and
    modification time (ns) as written."""

    path: str
    sha256: str
    size: int
    mtime_ns: int

    def to_state(self) -> list[object]:
        return [self.sha256, self.size, self.mtime_ns]


Stamp = tuple[int, int, int, int]  # mtime_ns, ctime_ns, size, inode


class OutputTree:
    """The output directory of a build (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        self._root_str = str(self.root)
        #: path -> id of the contract that wrote it during this build
        self.claims: dict[str, str] = {}

    # -- paths -------------------------------------------------------------
    def check_path(self, rel: str, *, owner: str, reserved: bool = True) -> tuple[str, Path]:
        """Validate ``rel`` and return its normalised form and absolute path.

        Raises :class:`WorkspaceError` naming the contract, the path and the
        reason."""

        def fail(why: str) -> WorkspaceError:
            return WorkspaceError(f"contract {owner}: cannot write {rel!r}: {why}")

        if not isinstance(rel, str) or not rel.strip():
            raise fail("the path is empty")
        if "\x00" in rel:
            raise fail("the path contains a NUL byte")
        if "\\" in rel:
            raise fail("backslashes are not allowed; use '/' between directories")
        pure = PurePosixPath(rel)
        if pure.is_absolute() or _DRIVE.match(rel):
            raise fail("absolute paths are not allowed; give a path relative to the output directory")
        parts = [p for p in pure.parts if p != "."]
        if ".." in parts:
            raise fail("'..' is not allowed: every file must stay inside the output directory")
        if not parts:
            raise fail("the path names the output directory itself")
        if reserved and parts[0] in (STATE_DIR, CONTRACTS_DIR):
            raise fail(f"'{parts[0]}/' is reserved for teamspec's own files")
        cur = self.root
        for i, part in enumerate(parts):
            cur = cur / part
            try:
                st = os.lstat(cur)
            except FileNotFoundError:
                break
            if stat.S_ISLNK(st.st_mode):
                shown = "/".join(parts[: i + 1])
                raise fail(f"'{shown}' is a symbolic link; teamspec never writes through symbolic links")
            if i < len(parts) - 1 and not stat.S_ISDIR(st.st_mode):
                shown = "/".join(parts[: i + 1])
                raise fail(f"'{shown}' is a file, not a directory")
            if i == len(parts) - 1 and stat.S_ISDIR(st.st_mode):
                raise fail("a directory of that name exists")
        return "/".join(parts), self.root.joinpath(*parts)

    # -- writing -----------------------------------------------------------
    def write(
        self, owner: str, rel: str, data: bytes | str, *, reserved: bool = True,
        mode: int | None = None,
    ) -> FileRecord:
        """Atomically write ``data`` to ``rel`` for contract ``owner``."""
        norm, target = self.check_path(rel, owner=owner, reserved=reserved)
        other = self.claims.get(norm)
        if other is not None and other != owner:
            raise WorkspaceError(
                f"contract {owner}: cannot write {norm!r}: contract {other} already wrote it in "
                "this build; give each contract its own files"
            )
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        digest = sha256_bytes(raw)
        parent = target.parent
        old_mode: int | None = None
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISREG(st.st_mode):
            old_mode = stat.S_IMODE(st.st_mode)
            if st.st_size == len(raw) and (mode is None or old_mode == mode):
                with open(target, "rb") as f:
                    if f.read() == raw:
                        self.claims[norm] = owner
                        return FileRecord(norm, digest, st.st_size, st.st_mtime_ns)
        self._makedirs(parent, owner, rel)
        replace_atomically(target, raw,
                           mode if mode is not None else (old_mode if old_mode is not None else _MODE))
        after = os.stat(target)
        self.claims[norm] = owner
        return FileRecord(norm, digest, after.st_size, after.st_mtime_ns)

    def _makedirs(self, parent: Path, owner: str, rel: str) -> None:
        if not self.root.is_dir():
            self.root.mkdir(parents=True, exist_ok=True)
        missing: list[Path] = []
        cur = parent
        while not cur.exists() and cur != self.root:
            missing.append(cur)
            cur = cur.parent
        if os.path.islink(cur):
            raise WorkspaceError(
                f"contract {owner}: cannot write {rel!r}: a directory on the way is a symbolic link"
            )
        for d in reversed(missing):
            try:
                os.mkdir(d)
            except FileExistsError:
                if os.path.islink(d) or not d.is_dir():
                    raise WorkspaceError(
                        f"contract {owner}: cannot write {rel!r}: '{d.relative_to(self.root)}' "
                        "appeared as a non-directory while writing"
                    ) from None

    def record(self, owner: str, rel: str) -> FileRecord:
        """Hash an existing file of the tree (written by a command)."""
        norm, target = self.check_path(rel, owner=owner, reserved=False)
        st = os.stat(target)
        return FileRecord(norm, sha256_file(target), st.st_size, st.st_mtime_ns)

    def workspace(self, contract_id: str) -> ContractWorkspace:
        return ContractWorkspace(self, contract_id)

    # -- reading -----------------------------------------------------------
    def read_bytes(self, rel: str, *, owner: str = "teamspec") -> bytes:
        """Read a file of the tree; the same confinement as writes, reserved
        directories allowed."""
        _, target = self.check_path(rel, owner=owner, reserved=False)
        return target.read_bytes()

    # -- snapshots (command contracts) --------------------------------------
    def snapshot(self) -> dict[str, Stamp]:
        """Regular files of the tree (symbolic links not followed) with their
        stamps, skipping SNAPSHOT_SKIP_TOP at the top and SNAPSHOT_SKIP_ANY."""
        out: dict[str, Stamp] = {}
        stack: list[tuple[str, str]] = [(self._root_str, "")]
        while stack:
            path, prefix = stack.pop()
            try:
                it = os.scandir(path)
            except OSError:
                continue
            with it:
                for e in it:
                    name = e.name
                    try:
                        if e.is_symlink():
                            continue
                        if e.is_dir(follow_symlinks=False):
                            if name in SNAPSHOT_SKIP_ANY or (not prefix and name in SNAPSHOT_SKIP_TOP):
                                continue
                            stack.append((e.path, f"{prefix}{name}/"))
                        elif e.is_file(follow_symlinks=False):
                            if name.endswith(".tmp") and name.startswith("."):
                                continue
                            st = e.stat(follow_symlinks=False)
                            out[prefix + name] = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
                    except OSError:
                        continue
        return out

    @staticmethod
    def changed(before: dict[str, Stamp], after: dict[str, Stamp]) -> list[str]:
        """Paths created or modified between two snapshots, sorted."""
        return sorted(p for p, s in after.items() if before.get(p) != s)


class ContractWorkspace:
    """The writes of one contract: confined, atomic, recorded.

    ``files`` is the contract's manifest (path → :class:`FileRecord`), in the
    order written."""

    def __init__(self, tree: OutputTree, contract_id: str) -> None:
        self.tree = tree
        self.contract_id = contract_id
        self.files: dict[str, FileRecord] = {}

    @property
    def root(self) -> Path:
        return self.tree.root

    def write(self, rel: str, data: bytes | str, *, mode: int | None = None) -> FileRecord:
        """Write a file of this contract (see :meth:`OutputTree.write`)."""
        rec = self.tree.write(self.contract_id, rel, data, mode=mode)
        self.files[rec.path] = rec
        return rec

    def write_many(self, files: Iterable[tuple[str, bytes | str]]) -> list[FileRecord]:
        return [self.write(p, d) for p, d in files]

    def read_text(self, rel: str) -> str:
        """Read any file of the output directory (confined; for tools that
        need upstream artifacts as context)."""
        return self.tree.read_bytes(rel, owner=self.contract_id).decode("utf-8")

    def adopt(self, rel: str) -> FileRecord:
        """Record a file the contract's command created or modified."""
        rec = self.tree.record(self.contract_id, rel)
        self.files[rec.path] = rec
        self.tree.claims.setdefault(rec.path, self.contract_id)
        return rec

    def manifest(self) -> dict[str, str]:
        return {p: r.sha256 for p, r in self.files.items()}
