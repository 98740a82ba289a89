"""The real pipeline: a scenario spec, the offline personas, the plan cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from teamspec.engine.plancache import load_plan
from teamspec.engine.runner import build

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs" / "task-manager.yaml"

pytestmark = pytest.mark.skipif(not SPEC.exists(), reason="specs/task-manager.yaml is not there")


def _mtimes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file() and ".teamspec" not in p.parts}


def test_offline_build_then_up_to_date_then_requirement_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jsonschema

    monkeypatch.setenv("TEAMSPEC_CACHE_DIR", str(tmp_path / "cache"))
    spec = tmp_path / "task-manager.yaml"
    shutil.copy(SPEC, spec)
    out = tmp_path / "out"
    first = build(spec, out=out)
    statuses = {r.status for r in first.results.values()}
    assert statuses == {"succeeded"}, {k: (v.status, v.reason) for k, v in first.results.items()}
    assert (out / "backend/app.py").is_file()
    assert (out / "contracts/task_api/openapi.yaml").is_file()
    schema = json.loads((ROOT / "teamspec/schemas/report.schema.json").read_text())
    report = json.loads((out / ".teamspec/report.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(report)] == []

    before = _mtimes(out)
    _, cached = load_plan(spec, None)
    assert cached
    second = build(spec, out=out)
    assert {r.status for r in second.results.values()} == {"up_to_date"}
    assert _mtimes(out) == before

    spec.write_text(spec.read_text().replace("a due date", "a due date and a priority"))
    _, cached = load_plan(spec, None)
    assert not cached
    third = build(spec, out=out)
    reasons = {k: v.reason for k, v in third.results.items()}
    assert all(r.startswith("inputs changed: ") for r in reasons.values()), reasons
    assert "requirement" in reasons["requirements"]
    assert {r.status for r in third.results.values()} == {"succeeded"}
    after = _mtimes(out)
    assert after["docs/requirements.md"] != before["docs/requirements.md"]
