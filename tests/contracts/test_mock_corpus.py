"""Proof on real contracts: for the six OpenAPI documents of the corpus, a
designed interface, and the designed interface of every REST contract of the
example specs, both mocks (Python and Node, on 127.0.0.1) pass
teamspec's own conformance checks and Schemathesis (not_a_server_error,
status_code_conformance, content_type_conformance,
response_schema_conformance) with zero failures.

Schemathesis runs in its default mode (positive and negative data) except
for documents whose quality gate reports ``error_response``: those declare
no response for invalid requests, so any rejection is "undocumented"; they
are fuzzed with valid data only, and the gate finding is asserted in
test_gate.py.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from rest_support import (
    CORPUS_NAMES,
    corpus_doc,
    corpus_path,
    designed_doc,
    node_available,
    node_mock,
    python_mock,
)

from teamspec.contracts.conformance import run_checks
from teamspec.contracts.gate import check_openapi

SPECS = Path(__file__).resolve().parents[2] / "specs"


def _spec_interfaces() -> dict[str, dict[str, Any]]:
    """``{"<spec>:<contract>": openapi}`` for every designed REST interface of
    the example specs (hand-written ones are corpus documents already)."""
    from teamspec.planning import make_plan

    found: dict[str, dict[str, Any]] = {}
    for spec in sorted(SPECS.glob("*.yaml")):
        for c in make_plan(spec).contracts:
            if c.type == "rest_api" and c.interface is not None and c.interface.origin == "designed":
                found[f"{spec.stem}:{c.id}"] = c.interface.document
    return found


SPEC_DOCS = _spec_interfaces()
DOCS = [*CORPUS_NAMES, "designed", *SPEC_DOCS]
ST_CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def load(name: str, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    if name == "designed" or name in SPEC_DOCS:
        doc = designed_doc() if name == "designed" else SPEC_DOCS[name]
        path = tmp_path / f"{name.replace(':', '-')}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        return doc, path
    return corpus_doc(name), corpus_path(name)


def schemathesis_cmd() -> list[str]:
    sibling = Path(sys.executable).with_name("schemathesis")
    if sibling.exists():
        return [str(sibling)]
    found = shutil.which("schemathesis")
    if found is None:
        pytest.fail("schemathesis (a test dependency) is not installed")
    return [found]


def start_schemathesis(path: Path, url: str, mode: str, cwd: Path) -> subprocess.Popen[str]:
    cwd.mkdir(parents=True, exist_ok=True)
    argv = [*schemathesis_cmd(), "run", str(path), "--url", url, "--checks", ST_CHECKS,
            "--max-examples", "3", "--seed", "1", "--mode", mode, "--request-timeout", "10"]
    return subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("name", DOCS)
def test_both_mocks_conform(name: str, tmp_path: Path) -> None:
    doc, path = load(name, tmp_path)
    warned = any(f.check == "error_response" for f in check_openapi(doc))
    mode = "positive" if warned else "all"
    with contextlib.ExitStack() as stack:
        urls = {"python": stack.enter_context(python_mock(doc))}
        if node_available():  # outside CI, a machine without node checks the Python mock only
            urls["node"] = stack.enter_context(node_mock(doc, tmp_path / "node"))
        # Schemathesis against both mocks at once (two processes), meanwhile our own checks
        runs = {kind: start_schemathesis(path, url, mode, tmp_path / kind) for kind, url in urls.items()}
        try:
            for url in urls.values():
                assert run_checks(doc, url, stateful_hint=False, timeout_s=60) == []
            for kind, proc in runs.items():
                out, _ = proc.communicate(timeout=240)
                assert proc.returncode == 0, f"schemathesis against the {kind} mock of {name}:\n{out[-6000:]}"
                assert "No issues found" in out or " passed" in out
        finally:
            for proc in runs.values():
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()


@pytest.mark.parametrize("name", DOCS)
def test_both_stateful_mocks_pass_the_stateful_checks(name: str, tmp_path: Path) -> None:
    doc, _path = load(name, tmp_path)
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(python_mock(doc, stateful=True))]
        if node_available():
            urls.append(stack.enter_context(node_mock(doc, tmp_path / "node", stateful=True)))
        for url in urls:
            assert run_checks(doc, url, stateful_hint=True, timeout_s=60) == []
