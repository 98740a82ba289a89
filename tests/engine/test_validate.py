from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from teamspec.engine.validate import (
    CheckContext,
    match_artifacts,
    overall_quality,
    quality_score,
    validate_contract,
)
from teamspec.model import AcceptanceItem, Deliverable, Finding, Interface
from tests.engine.helpers import contract


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ("backend/**/*.py", ["backend/app.py", "backend/api/routes.py"]),
        ("backend/*.py", ["backend/app.py"]),
        ("**/*.md", ["README.md", "docs/a.md"]),
        ("docs/?.md", ["docs/a.md"]),
        ("tests/contract/*.py", []),
        ("*.md", ["README.md"]),
        ("backend/**", ["backend/api/routes.py", "backend/app.py", "backend/data.json"]),
        ("docs/[ab].md", ["docs/a.md"]),
    ],
)
def test_glob(pattern: str, matches: list[str]) -> None:
    files = {p: 1 for p in ["backend/app.py", "backend/api/routes.py", "backend/data.json",
                             "README.md", "docs/a.md", "frontend/app.js"]}
    assert match_artifacts(pattern, files) == sorted(matches)


def test_scores_hand_computed() -> None:
    warn = Finding("quality_gate", "w", severity="warning")
    err = Finding("quality_gate", "e")
    # two deliverables, one satisfied; 2 of 3 checks passed; one warning
    assert quality_score("succeeded", 0.5, 2 / 3, [warn]) == pytest.approx(0.25 + 1 / 3 - 0.01)
    assert quality_score("succeeded", 1.0, None, []) == 1.0
    assert quality_score("succeeded", None, None, []) == 1.0
    assert quality_score("succeeded", None, 0.5, [err]) == pytest.approx(0.45)
    assert quality_score("succeeded", 0.0, 0.0, [err] * 3) == 0.0
    assert quality_score("failed", 1.0, 1.0, []) == 0.0
    assert quality_score("blocked", None, None, []) == 0.0
    assert quality_score("up_to_date", 1.0, 1.0, [err, err]) == pytest.approx(0.9)
    # effort-weighted: (8 × 1 + 2 × 0.5) / 10
    assert overall_quality([(8, 1.0), (2, 0.5)]) == pytest.approx(0.9)
    assert overall_quality([(0, 1.0), (0, 0.0)]) == pytest.approx(0.5)
    assert overall_quality([]) == 1.0


def _ctx(tmp_path: Path, *deliverables: Deliverable, **kw: object) -> CheckContext:
    c = contract("api", deliverables=tuple(deliverables), **kw)  # type: ignore[arg-type]
    return CheckContext(c, tmp_path, tmp_path / "spec", 30.0, tmp_path / ".teamspec/logs/api.log")


def _files(tmp_path: Path, files: dict[str, str]) -> dict[str, int]:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return {rel: len(text.encode()) for rel, text in files.items()}


def test_deliverables_and_checks(tmp_path: Path) -> None:
    files = _files(tmp_path, {"backend/app.py": "print('ok')\n", "backend/empty.py": "",
                              "data.json": json.dumps({"n": 1}),
                              "schema.json": json.dumps({"type": "object", "required": ["n"]})})
    (tmp_path / "other.py").write_text("not ours")  # in the tree, not in the manifest
    d1 = Deliverable("impl", artifacts=("backend/**/*.py",), acceptance=(
        AcceptanceItem(check="command", run="python3 -c \"import sys; sys.exit(0)\""),
        AcceptanceItem(check="file_contains", path="backend/app.py", text="print"),
        AcceptanceItem(check="file_contains", path="backend/app.py", pattern=r"^print\('ok'\)$"),
        AcceptanceItem(check="json_schema", path="data.json", schema="schema.json"),
        AcceptanceItem(text="It is pleasant to use"),
    ))
    d2 = Deliverable("docs", artifacts=("docs/*.md",))
    d3 = Deliverable("other", artifacts=("other.py",))
    d4 = Deliverable("empty only", artifacts=("backend/empty.py",))
    d5 = Deliverable("free text only", acceptance=(AcceptanceItem(text="Looks good"),))
    d6 = Deliverable("failing", acceptance=(
        AcceptanceItem(check="command", run="sh -c 'exit 3'"),
        AcceptanceItem(check="file_contains", path="backend/app.py", text="absent"),
    ))
    v = asyncio.run(validate_contract(_ctx(tmp_path, d1, d2, d3, d4, d5, d6), files))
    assert [d.satisfied for d in v.deliverables] == [True, False, False, False, False, False]
    assert v.fulfillment == pytest.approx(1 / 6)
    assert (v.checks_run, v.checks_passed, v.unverified) == (6, 4, 2)
    statuses = [(c.check, c.status, c.message) for d in v.deliverables for c in d.checks]
    assert statuses == [
        ("command", "passed", "exit code 0"),
        ("file_contains", "passed", "backend/app.py contains 'print'"),
        ("file_contains", "passed", "backend/app.py matches \"^print\\\\('ok'\\\\)$\""),
        ("json_schema", "passed", "data.json matches schema.json"),
        ("text", "unverified", "free-text criterion: not machine-checkable offline"),
        ("text", "unverified", "free-text criterion: not machine-checkable offline"),
        ("command", "failed", "exit code 3"),
        ("file_contains", "failed", "backend/app.py does not contain 'absent'"),
    ]
    assert v.deliverables[0].artifacts[0].files == ("backend/app.py",)
    assert v.deliverables[0].artifacts[0].empty == ("backend/empty.py",)


def test_json_schema_failure_and_openapi(tmp_path: Path) -> None:
    files = _files(tmp_path, {"data.json": json.dumps({"m": 1}),
                              "schema.json": json.dumps({"type": "object", "required": ["n"]}),
                              "bad.yaml": "openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n"})
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    d = Deliverable("d", acceptance=(
        AcceptanceItem(check="json_schema", path="data.json", schema="schema.json"),
        AcceptanceItem(check="openapi_valid"),
        AcceptanceItem(check="openapi_valid", path="bad.yaml"),
        AcceptanceItem(check="json_schema", path="../x.json", schema="schema.json"),
        AcceptanceItem(check="conforms"),
    ))
    ctx = _ctx(tmp_path, d, interface=Interface("openapi", doc))
    v = asyncio.run(validate_contract(ctx, files))
    got = [(c.status, c.message) for c in v.deliverables[0].checks]
    assert got[0] == ("failed", "data.json does not match schema.json: (root): 'n' is a required property")
    assert got[1] == ("passed", "valid OpenAPI document")
    assert got[2][0] == "failed" and got[2][1].startswith("invalid OpenAPI document: ")
    assert got[3] == ("error", "'../x.json' must be a path relative to the output directory, without '..'")
    assert got[4] == ("error", "contract api has no 'serve:' command to start the provider")
    assert v.checks_score == pytest.approx(1 / 5)


def test_missing_file_fails_the_check(tmp_path: Path) -> None:
    d = Deliverable("d", acceptance=(AcceptanceItem(check="file_contains", path="nope.md", text="x"),))
    v = asyncio.run(validate_contract(_ctx(tmp_path, d), {}))
    c = v.deliverables[0].checks[0]
    assert (c.status, c.message) == ("failed", f"nope.md does not exist in the output directory {tmp_path}")
