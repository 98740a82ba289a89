"""Verification of a live provider: started on a free port of 127.0.0.1,
checked, stopped, and never left behind (also on Ctrl-C and failures)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import yaml
from rest_support import FIXTURES

from teamspec.contracts import conformance, procs
from teamspec.contracts.verify import VerifyResult, verify, verify_provider
from teamspec.errors import UsageError
from teamspec.model import Contract, Interface

API_TEXT = (FIXTURES / "broken_api.yaml").read_text(encoding="utf-8")
PROVIDER = FIXTURES / "broken_provider.py"


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pids: list[int], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def out_dir(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    (out / "contracts" / "items").mkdir(parents=True)
    (out / "contracts" / "items" / "openapi.yaml").write_text(API_TEXT, encoding="utf-8")
    return out


def contract(serve: str) -> Contract:
    iface = Interface(kind="openapi", document=yaml.safe_load(API_TEXT), origin="designed")
    return Contract(id="items", name="Items", type="rest_api", provider="backend_developer", interface=iface,
                    serve=serve)


def test_verify_a_running_provider_by_url(tmp_path: Path) -> None:
    out = out_dir(tmp_path)
    with procs.running_provider(f"python {PROVIDER} --port {{port}}", tmp_path, timeout_s=20) as provider:
        result = verify(out, "items", url=provider.url)
    assert isinstance(result, VerifyResult)
    assert not result.passed
    assert [(f.check, f.operation, f.status, f.contract) for f in result.findings] == [
        ("status_code_conformance", "POST /items", 200, "items"),
        ("not_a_server_error", "GET /items", 500, "items"),
        ("status_code_conformance", "GET /items", 500, "items"),
        ("response_schema_conformance", "GET /items/{itemId}", 200, "items"),
    ]
    data = result.to_dict()
    assert (data["contract"], data["url"], data["passed"], len(data["findings"])) == (
        "items", provider.url, False, 4)
    assert data["findings"][1]["curl"] == f"curl -sS -i -X GET {provider.url}/items"


def test_verify_starts_stops_and_leaves_nothing_behind(tmp_path: Path) -> None:
    out = out_dir(tmp_path)
    pidfile = tmp_path / "child.pid"
    result = verify(out, "items", serve=f"python {PROVIDER} --port {{port}} --spawn-child {pidfile}")
    assert [f.check for f in result.findings] == [
        "status_code_conformance", "not_a_server_error", "status_code_conformance", "response_schema_conformance"]
    assert result.url is not None and result.url.startswith("http://127.0.0.1:")
    child = int(pidfile.read_text())
    assert wait_gone([child]), "the provider's child process outlived verification"
    assert (out / ".teamspec" / "logs" / "verify-items.log").is_file()


def test_verify_provider_on_ctrl_c_kills_the_whole_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pidfile = tmp_path / "child.pid"
    started: list[int] = []
    real_start = procs.start

    def recording_start(*args: object, **kwargs: object) -> procs.Provider:
        provider = real_start(*args, **kwargs)  # type: ignore[arg-type]
        started.append(provider.process.pid)
        return provider

    def interrupted(*args: object, **kwargs: object) -> list[object]:
        raise KeyboardInterrupt

    monkeypatch.setattr(procs, "start", recording_start)
    monkeypatch.setattr(conformance, "run_checks", interrupted)
    with pytest.raises(KeyboardInterrupt):
        verify_provider(contract(f"python {PROVIDER} --port {{port}} --spawn-child {pidfile}"), tmp_path,
                        timeout_s=20)
    assert started and wait_gone([started[0], int(pidfile.read_text())])


def test_a_provider_that_exits_is_a_finding(tmp_path: Path) -> None:
    findings = verify_provider(contract("python -c \"import sys; print('no database'); sys.exit(3)\""), tmp_path,
                               timeout_s=10)
    assert [(f.check, f.contract, f.message) for f in findings] == [
        ("provider_start", "items", "the provider (python -c \"import sys; print('no database'); sys.exit(3)\") "
         "exited with status 3; its output ends with: no database"),
    ]


def test_a_provider_that_never_answers_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    real_start = procs.start

    def recording_start(*args: object, **kwargs: object) -> procs.Provider:
        provider = real_start(*args, **kwargs)  # type: ignore[arg-type]
        started.append(provider.process.pid)
        return provider

    monkeypatch.setattr(procs, "start", recording_start)
    t0 = time.monotonic()
    findings = verify_provider(contract("python -c \"import time; time.sleep(60)\""), tmp_path, timeout_s=1.5)
    assert time.monotonic() - t0 < 15
    [finding] = findings
    assert finding.check == "provider_start"
    assert finding.message.startswith("the provider (python -c \"import time; time.sleep(60)\") did not answer "
                                      "on http://127.0.0.1:")
    assert finding.message.endswith(" within 1.5s")
    assert wait_gone(started)


def test_placeholders_are_substituted_after_splitting() -> None:
    argv = procs.command_argv("python app.py --port {port} --name '{host} x'", {"port": "1; rm -rf /", "host": "h"})
    assert argv == [sys.executable, "app.py", "--port", "1; rm -rf /", "--name", "h x"]
    with pytest.raises(UsageError) as err:
        procs.command_argv("python 'unclosed", {})
    assert err.value.message == "cannot parse the command \"python 'unclosed\": No closing quotation"
    with pytest.raises(UsageError) as err:
        procs.start("definitely-not-a-program-xyz --port {port}", Path.cwd())
    assert err.value.message.startswith("cannot start 'definitely-not-a-program-xyz' "
                                        "(from 'definitely-not-a-program-xyz --port {port}'): ")


def test_verify_usage_errors(tmp_path: Path) -> None:
    out = out_dir(tmp_path)
    with pytest.raises(UsageError) as err:
        verify(out, "items")
    assert err.value.message == ("verify items: the contract has no 'serve:' command; give --url of a "
                                 "running provider, or add 'serve:' to the contract and build again")
    with pytest.raises(UsageError) as err:
        verify(out, "items", url="ftp://example")
    assert err.value.message == "--url must be an http(s) URL such as http://127.0.0.1:8000, found 'ftp://example'"
    with pytest.raises(UsageError) as err:
        verify_provider(Contract(id="x", name="x", type="rest_api", provider="p"), tmp_path)
    assert err.value.message == "contract x has no 'serve' command to start its provider"


def test_serve_commands_with_shell_syntax_run_through_the_shell(tmp_path: Path) -> None:
    # the same rules as run: a value is never shell syntax, shell syntax works
    argv = procs.command_argv("cd backend && python app.py --port {port}", {"port": "1; touch pwned", "host": "h"})
    assert argv == ["/bin/sh", "-c", 'cd backend && python app.py --port "${TEAMSPEC_PORT}"']
    (tmp_path / "backend").mkdir()
    (tmp_path / "backend" / "app.py").write_text(
        "import os, sys\nprint(sys.argv[1:], os.environ['TEAMSPEC_HOST'], flush=True)\n")
    provider = procs.start("cd backend && python app.py --port {port} > seen.txt", tmp_path,
                           port=4321, log=tmp_path / "serve.log")
    assert provider.process.wait(timeout=30) == 0
    assert (tmp_path / "backend" / "seen.txt").read_text() == "['--port', '4321'] 127.0.0.1\n"
