from __future__ import annotations

import os
from pathlib import Path

import pytest

from teamspec.engine.workspace import OutputTree, WorkspaceError, sha256_bytes


def test_write_records_manifest_and_is_atomic(tmp_path: Path) -> None:
    tree = OutputTree(tmp_path / "out")
    ws = tree.workspace("api")
    rec = ws.write("backend/app.py", "print('hi')\n")
    assert rec.path == "backend/app.py"
    assert rec.sha256 == sha256_bytes(b"print('hi')\n")
    assert (tmp_path / "out/backend/app.py").read_text() == "print('hi')\n"
    assert ws.manifest() == {"backend/app.py": rec.sha256}
    # no temporary file is left behind
    assert sorted(os.listdir(tmp_path / "out/backend")) == ["app.py"]


def test_identical_rewrite_keeps_mtime(tmp_path: Path) -> None:
    tree = OutputTree(tmp_path)
    ws = tree.workspace("a")
    ws.write("x.txt", "same")
    p = tmp_path / "x.txt"
    os.utime(p, ns=(1_000_000_000, 1_000_000_000))
    OutputTree(tmp_path).workspace("a").write("x.txt", "same")
    assert p.stat().st_mtime_ns == 1_000_000_000
    OutputTree(tmp_path).workspace("a").write("x.txt", "other")
    assert p.stat().st_mtime_ns != 1_000_000_000
    assert p.read_text() == "other"


def test_failed_replace_leaves_old_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = OutputTree(tmp_path)
    tree.workspace("a").write("x.txt", "old")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        tree.workspace("a").write("x.txt", "new")
    assert (tmp_path / "x.txt").read_text() == "old"
    assert os.listdir(tmp_path) == ["x.txt"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../escape.txt", "contract api: cannot write '../escape.txt': '..' is not allowed: every file must stay inside the output directory"),
        ("a/../../escape.txt", "contract api: cannot write 'a/../../escape.txt': '..' is not allowed: every file must stay inside the output directory"),
        ("/etc/passwd", "contract api: cannot write '/etc/passwd': absolute paths are not allowed; give a path relative to the output directory"),
        ("C:/x.txt", "contract api: cannot write 'C:/x.txt': absolute paths are not allowed; give a path relative to the output directory"),
        (".teamspec/state.json", "contract api: cannot write '.teamspec/state.json': '.teamspec/' is reserved for teamspec's own files"),
        ("contracts/api/openapi.yaml", "contract api: cannot write 'contracts/api/openapi.yaml': 'contracts/' is reserved for teamspec's own files"),
        ("", "contract api: cannot write '': the path is empty"),
        ("a\\b.txt", "contract api: cannot write 'a\\\\b.txt': backslashes are not allowed; use '/' between directories"),
    ],
)
def test_rejected_paths(tmp_path: Path, path: str, message: str) -> None:
    ws = OutputTree(tmp_path / "out").workspace("api")
    with pytest.raises(WorkspaceError) as exc:
        ws.write(path, "x")
    assert exc.value.message == message
    assert not (tmp_path / "escape.txt").exists()


def test_symlinked_directory_rejected(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "docs").symlink_to(outside)
    ws = OutputTree(out).workspace("api")
    with pytest.raises(WorkspaceError) as exc:
        ws.write("docs/readme.md", "x")
    assert exc.value.message == ("contract api: cannot write 'docs/readme.md': 'docs' is a symbolic "
                                 "link; teamspec never writes through symbolic links")
    assert list(outside.iterdir()) == []


def test_symlinked_file_rejected(tmp_path: Path) -> None:
    target = tmp_path / "victim.txt"
    target.write_text("keep")
    out = tmp_path / "out"
    (out / "a").mkdir(parents=True)
    (out / "a" / "b.txt").symlink_to(target)
    ws = OutputTree(out).workspace("api")
    with pytest.raises(WorkspaceError) as exc:
        ws.write("a/b.txt", "overwrite")
    assert exc.value.message == ("contract api: cannot write 'a/b.txt': 'a/b.txt' is a symbolic "
                                 "link; teamspec never writes through symbolic links")
    assert target.read_text() == "keep"


def test_same_file_from_two_contracts_rejected(tmp_path: Path) -> None:
    tree = OutputTree(tmp_path)
    tree.workspace("a").write("README.md", "a")
    with pytest.raises(WorkspaceError) as exc:
        tree.workspace("b").write("README.md", "b")
    assert exc.value.message == ("contract b: cannot write 'README.md': contract a already wrote it "
                                 "in this build; give each contract its own files")


def test_snapshot_diff_skips_reserved_dirs(tmp_path: Path) -> None:
    tree = OutputTree(tmp_path)
    (tmp_path / "keep.txt").write_text("1")
    before = tree.snapshot()
    for rel in ("new.txt", ".teamspec/x", "contracts/a/b", "web/node_modules/m.js", "src/y.py"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("z")
    (tmp_path / "link").symlink_to(tmp_path / "keep.txt")
    assert OutputTree.changed(before, tree.snapshot()) == ["new.txt", "src/y.py"]
