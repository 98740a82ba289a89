"""The main job, end to end, through the CLI: build the examples offline,
run what was built, verify it, serve its mock, read its report."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def teamspec(*argv: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "teamspec", *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, deadline_s: float = 20) -> None:
    end = time.monotonic() + deadline_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def tree_digest(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and ".teamspec" not in p.parts}


@pytest.fixture(scope="module")
def fullstack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fullstack") / "out"
    proc = teamspec("build", "specs/task-manager.yaml", "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "quality 1.00 (threshold 0.80): passed" in proc.stdout
    return out


def test_second_build_is_up_to_date_and_rewrites_nothing(fullstack: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in fullstack.rglob("*") if p.is_file() and ".teamspec" not in p.parts}
    proc = teamspec("build", "specs/task-manager.yaml", "-o", str(fullstack))
    assert proc.returncode == 0, proc.stderr
    assert "everything is up to date (11 contracts); no file rewritten" in proc.stdout
    after = {p: p.stat().st_mtime_ns for p in fullstack.rglob("*") if p.is_file() and ".teamspec" not in p.parts}
    assert after == before


def test_same_spec_same_bytes(fullstack: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    proc = teamspec("build", "specs/task-manager.yaml", "-o", str(again))
    assert proc.returncode == 0, proc.stderr
    assert tree_digest(again) == tree_digest(fullstack)


def test_backend_serves_the_contract_and_the_generated_tests_pass(fullstack: Path) -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, str(fullstack / "backend" / "app.py"), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/tasks")
        env = {**os.environ, "TEAMSPEC_BASE_URL": f"http://127.0.0.1:{port}"}
        tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                str(fullstack / "tests" / "contract")],
                               cwd=fullstack, capture_output=True, text=True, env=env, timeout=120)
        assert tests.returncode == 0, tests.stdout + tests.stderr
        assert re.search(r"\d+ passed", tests.stdout)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_frontend_calls_the_contracts_real_paths(fullstack: Path) -> None:
    import yaml

    api = yaml.safe_load((fullstack / "contracts" / "task_api" / "openapi.yaml").read_text("utf-8"))
    client = (fullstack / "frontend" / "api.js").read_text("utf-8")
    for path in api["paths"]:
        literal = re.sub(r"\{[^}]+\}", "", path).rstrip("/")
        assert literal in client, path


def test_verify_the_built_provider_has_zero_findings(fullstack: Path) -> None:
    proc = teamspec("verify", str(fullstack), "task_api", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)
    assert result["findings"] == []
    assert result["passed"] is True


def test_mock_serve_answers_and_stops_on_ctrl_c(fullstack: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "teamspec", "mock", "serve", str(fullstack), "task_api",
                             "--port", str(port), "--stateful"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line == f"serving the stateful mock of task_api on http://127.0.0.1:{port} (Ctrl-C stops)\n"
        body = json.dumps({"title": "Write the report", "status": "todo"}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/tasks", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 201
            created = json.loads(resp.read())
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/tasks/{created['id']}", timeout=5) as resp:
            assert json.loads(resp.read())["title"] == "Write the report"
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


def test_mock_serve_of_an_unknown_contract_exits_2(fullstack: Path) -> None:
    proc = teamspec("mock", "serve", str(fullstack), "nope")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr


def test_report_command(fullstack: Path, tmp_path: Path) -> None:
    proc = teamspec("report", str(fullstack), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["quality"]["passed"] is True
    assert {c["id"] for c in report["contracts"]} >= {"task_api", "web_ui", "contract_tests"}
    png = tmp_path / "report.png"
    proc = teamspec("report", str(fullstack), "--png", str(png))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# Build report: task-manager")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_handwritten_petstore_contract_builds_and_conforms(tmp_path: Path) -> None:
    out = tmp_path / "petstore"
    proc = teamspec("build", "specs/petstore.yaml", "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((out / ".teamspec" / "report.json").read_text("utf-8"))
    pet = next(c for c in report["contracts"] if c["id"] == "pet_api")
    assert pet["status"] == "succeeded"
    assert pet["checks"] == 1.0
    # the hand-written document is kept exactly as written
    original = (ROOT / "specs" / "contracts" / "petstore-expanded.yaml").read_text("utf-8")
    assert (out / "contracts" / "pet_api" / "openapi.yaml").read_text("utf-8") == original


def test_build_with_a_bad_spec_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("teamspec: 1\nname: Bad Name\nrequirement: x\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = teamspec("build", str(spec), "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{spec}:2:1: error: name: expected a lowercase slug")
    assert not out.exists()


def test_claude_without_a_key_exits_2_naming_the_variable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "teamspec", "build", "specs/minimal.yaml", "--executor", "claude",
                           "-o", str(out)], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == (
        "error: the claude executor needs an Anthropic API key: set ANTHROPIC_API_KEY "
        "(export ANTHROPIC_API_KEY=...), or build without Claude: --executor offline "
        "(or replay a recorded build with --replay DIR)\n"
    )
    assert not out.exists()
