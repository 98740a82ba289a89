"""The file tools: confinement, patterns, malformed input, visibility."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from teamspec.claude.tools import ToolBox, normalize_path
from teamspec.engine.workspace import OutputTree
from tests.engine.helpers import contract, deliverable


def box(tmp_path: Path, *patterns: str, upstream: dict[str, str] | None = None,
        foreign: object = None, max_write_bytes: int = 1000) -> ToolBox:
    tree = OutputTree(tmp_path / "out")
    (tmp_path / "out").mkdir(exist_ok=True)
    c = contract("api", deliverables=(deliverable("code", *patterns),) if patterns else ())
    return ToolBox(tree.workspace("api"), c, upstream or {}, foreign,  # type: ignore[arg-type]
                   max_write_bytes=max_write_bytes)


@pytest.mark.parametrize(("path", "why"), [
    ("../../etc/passwd", "'..' is not allowed: every file stays inside the project"),
    ("backend/../../x.py", "'..' is not allowed: every file stays inside the project"),
    ("/etc/passwd", "absolute paths are not allowed; give a path relative to the project root, "
                    "e.g. 'backend/app.py'"),
    ("C:/x.py", "absolute paths are not allowed; give a path relative to the project root, "
                "e.g. 'backend/app.py'"),
    ("backend\\app.py", "backslashes are not allowed; use '/' between directories"),
    (".teamspec/state.json", "'.teamspec/' is reserved for teamspec's own state and reports"),
    ("./.teamspec/logs/x.log", "'.teamspec/' is reserved for teamspec's own state and reports"),
    ("", "the path is empty"),
    ("a\x00b", "the path contains a NUL byte"),
])
def test_paths_that_leave_the_workspace_are_rejected(tmp_path: Path, path: str, why: str) -> None:
    b = box(tmp_path)
    out = b.run("write_file", {"path": path, "content": "x"})
    assert out.is_error
    assert out.content == f"error: write_file {path!r} rejected: {why}"
    assert b.findings[-1].check == "sandbox"
    assert b.findings[-1].message == f"write_file {path!r} rejected: {why}"
    assert b.findings[-1].contract == "api"
    assert b.findings[-1].severity == "warning"
    assert not b.workspace.files
    assert not (tmp_path / "etc").exists()


def test_reads_are_confined_too(tmp_path: Path) -> None:
    b = box(tmp_path)
    out = b.run("read_file", {"path": "../../etc/passwd"})
    assert out.content == ("error: read_file '../../etc/passwd' rejected: '..' is not allowed: "
                           "every file stays inside the project")
    assert out.is_error and len(b.findings) == 1


def test_writing_through_a_symlink_is_rejected(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    b = box(tmp_path)
    os.symlink(outside, tmp_path / "out" / "docs")
    out = b.run("write_file", {"path": "docs/x.md", "content": "x"})
    assert out.content == ("error: write_file 'docs/x.md' rejected: 'docs' is a symbolic link; "
                           "symbolic links are never followed")
    assert not list(outside.iterdir())
    os.symlink(tmp_path / "secret.txt", tmp_path / "out" / "link.txt")
    (tmp_path / "secret.txt").write_text("secret")
    out = b.run("read_file", {"path": "link.txt"})
    assert out.content == ("error: read_file 'link.txt' rejected: 'link.txt' is a symbolic link; "
                           "symbolic links are never followed")
    assert [f.file for f in b.findings] == ["docs/x.md", "link.txt"]


def test_oversized_content_is_rejected(tmp_path: Path) -> None:
    b = box(tmp_path, max_write_bytes=10)
    out = b.run("write_file", {"path": "big.txt", "content": "é" * 6})
    assert out.content == ("error: write_file 'big.txt' rejected: oversized content: 12 bytes, at "
                           "most 10 bytes per file; split it into smaller files")
    assert not (tmp_path / "out" / "big.txt").exists()


def test_only_the_declared_artifact_patterns_may_be_written(tmp_path: Path) -> None:
    b = box(tmp_path, "backend/**/*.py")
    assert b.run("write_file", {"path": "backend/api/app.py", "content": "x = 1\n"}).content == \
        "wrote backend/api/app.py (6 bytes)"
    out = b.run("write_file", {"path": "frontend/app.js", "content": "x"})
    assert out.content == ("error: write_file 'frontend/app.js' rejected: outside the contract's "
                           "artifact patterns (backend/**/*.py); write only your own deliverables")
    assert list(b.workspace.files) == ["backend/api/app.py"]


def test_generated_contract_files_are_read_only(tmp_path: Path) -> None:
    b = box(tmp_path)
    out = b.run("write_file", {"path": "contracts/api/openapi.yaml", "content": "x"})
    assert out.content == ("error: write_file 'contracts/api/openapi.yaml' rejected: 'contracts/' "
                           "holds the generated interfaces and mocks; teamspec writes them, "
                           "personas only read them")


def test_files_of_another_contract_are_not_overwritten(tmp_path: Path) -> None:
    b = box(tmp_path, foreign=lambda p: p == "README.md")
    out = b.run("write_file", {"path": "README.md", "content": "x"})
    assert out.content == ("error: write_file 'README.md' rejected: the file belongs to another "
                           "contract")


@pytest.mark.parametrize(("name", "value", "message"), [
    ("write_file", {"path": "a.txt"},
     "error: invalid input for write_file: 'content' is a required property"),
    ("write_file", {"path": 3, "content": "x"},
     "error: invalid input for write_file: path: 3 is not of type 'string'"),
    ("read_file", {"path": "a", "mode": "rb"},
     "error: invalid input for read_file: Additional properties are not allowed ('mode' was "
     "unexpected)"),
    ("read_file", "a.txt", "error: invalid input for read_file: the input must be a JSON object, "
                           "found str"),
    ("delete_file", {"path": "a"},
     "error: unknown tool 'delete_file'; the tools are list_files, read_file, write_file, finish"),
])
def test_malformed_tool_input_is_answered_with_an_error(tmp_path: Path, name: str, value: object,
                                                        message: str) -> None:
    out = box(tmp_path).run(name, value)
    assert (out.is_error, out.content) == (True, message)


def test_visibility_own_upstream_and_contracts(tmp_path: Path) -> None:
    root = tmp_path / "out"
    (root / "contracts" / "db").mkdir(parents=True)
    (root / "contracts" / "db" / "schema.json").write_text("{}")
    (root / "db").mkdir()
    (root / "db" / "schema.sql").write_text("create table t (id int);\n")
    (root / "other.txt").write_text("half-written by a contract running now")
    b = box(tmp_path, upstream={"db/schema.sql": "db"})
    b.run("write_file", {"path": "api.py", "content": "print(1)\n"})
    assert b.run("list_files", {}).content == (
        "api.py (9 bytes)\ncontracts/db/schema.json (2 bytes)\ndb/schema.sql (25 bytes)")
    assert b.run("list_files", {"directory": "db/"}).content == "db/schema.sql (25 bytes)"
    assert b.run("read_file", {"path": "db/schema.sql"}).content == "create table t (id int);\n"
    out = b.run("read_file", {"path": "other.txt"})
    assert out.content == ("error: other.txt is not one of the files you can see (your own files, "
                           "the files of the contracts you depend on, and contracts/); use "
                           "list_files")
    assert not b.findings  # not a sandbox violation


def test_finish_waits_for_the_artifacts_twice(tmp_path: Path) -> None:
    b = box(tmp_path, "docs/a.md", "docs/b.md")
    b.run("write_file", {"path": "docs/a.md", "content": "# A\n"})
    first = b.run("finish", {"summary": "done"})
    assert first.content == ("error: not finished: no non-empty file yet for the artifact "
                             "pattern(s) docs/b.md; write them with write_file, then call finish "
                             "again")
    assert not b.run("finish", {"summary": "done"}).finished
    last = b.run("finish", {"summary": " done "})
    assert (last.finished, last.summary) == (True, "done")


def test_normalize_path() -> None:
    assert normalize_path("./a//b/./c.py") == "a/b/c.py"
