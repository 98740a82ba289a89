"""Schemathesis against the generated backend: zero failures on the
designed-style tasks document and on petstore-expanded."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from offline_support import PETSTORE, TASKS_DOC, running_backend

from teamspec.model import Plan
from teamspec.offline import render_contract

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@pytest.mark.slow
def test_schemathesis_finds_nothing(tasks_plan: Plan, petstore_plan: Plan, tmp_path: Path) -> None:
    """Both runs at once (one per core), each bounded by --max-examples."""
    schemathesis = Path(sys.executable).with_name("schemathesis")
    if not schemathesis.exists():
        pytest.skip("schemathesis is not installed next to this Python")
    tasks_doc = tmp_path / "tasks.json"
    tasks_doc.write_text(json.dumps(TASKS_DOC))
    runs = [("tasks", tasks_plan, "task_api", tasks_doc), ("pets", petstore_plan, "pet_api", PETSTORE)]
    with contextlib.ExitStack() as stack:
        procs = []
        for name, plan, cid, document in runs:
            for rel, text in render_contract(plan, cid).items():
                target = tmp_path / name / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
            url = stack.enter_context(running_backend(tmp_path / name / "backend" / "app.py"))
            procs.append((name, subprocess.Popen(
                [str(schemathesis), "run", str(document), "--url", url, "--checks", CHECKS,
                 "--max-examples", "25", "--seed", "1", "--no-color"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
            )))
        for name, proc in procs:
            try:
                out, _ = proc.communicate(timeout=240)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
                pytest.fail(f"{name}: schemathesis did not finish in 240 s\n{out[-3000:]}")
            assert proc.returncode == 0, f"{name}:\n{out[-6000:]}"
            assert "No issues found" in out, out[-3000:]
