"""Interruption and crash consistency, with real build processes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

DRIVER = Path(__file__).with_name("driver.py")
ROOT = Path(__file__).resolve().parents[2]


def _spawn(tmp: Path, desc: dict[str, Any], name: str = "plan.json") -> subprocess.Popen[str]:
    plan = tmp / name
    plan.write_text(json.dumps(desc))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, str(DRIVER), str(plan)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _finish(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[int, dict[str, Any] | None]:
    out, _err = proc.communicate(timeout=timeout)
    line = out.strip().splitlines()[-1] if out.strip() else ""
    return proc.returncode, (json.loads(line) if line.startswith("{") else None)


def _alive(pid: int, wait_s: float = 3.0) -> bool:
    """True if ``pid`` still runs after ``wait_s`` (zombies count as dead)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            state = Path(f"/proc/{pid}/status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            return False
        if "\nState:\tZ" in state:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_cleanly_and_next_build_resumes(tmp_path: Path, sig: int) -> None:
    out = tmp_path / "out"
    desc = {
        "dir": str(tmp_path), "workers": 2,
        "contracts": [
            {"id": "a", "run": "sh -c 'echo a > a.txt'"},
            {"id": "b", "run": "sh -c 'echo $$ > b.pid; if [ -f go ]; then echo b > b.txt; "
                               "else sleep 30; fi'", "depends_on": ["a"]},
            {"id": "c", "run": "sh -c 'echo c > c.txt'", "depends_on": ["b"]},
        ],
        "options": {"out": str(out)},
    }
    proc = _spawn(tmp_path, desc)
    deadline = time.monotonic() + 20
    while not (out / "b.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    t = time.monotonic()
    proc.send_signal(sig)
    code, res = _finish(proc)
    assert time.monotonic() - t < 5
    assert code == 130
    assert res is not None and res["interrupted"] is True
    name = "Ctrl-C" if sig == signal.SIGINT else "SIGTERM"
    assert res["statuses"] == {"a": "succeeded", "b": "error", "c": "blocked"}
    assert res["reasons"]["b"] == f"cancelled: interrupted ({name})"
    assert res["reasons"]["c"] == f"not started: interrupted ({name})"
    assert not _alive(int((out / "b.pid").read_text()))
    report = json.loads((out / ".teamspec/report.json").read_text())
    assert report["status"] == "interrupted"
    (out / "go").write_text("")
    proc = _spawn(tmp_path, desc)
    code, res = _finish(proc)
    assert code == 0
    assert res is not None
    assert res["statuses"] == {"a": "up_to_date", "b": "succeeded", "c": "succeeded"}
    assert res["reasons"]["b"] == "unfinished in the last build" or res["reasons"]["b"] == "new"


def _state_bytes(out: Path) -> tuple[bytes, bytes]:
    def read(p: Path) -> bytes:
        try:
            return p.read_bytes()
        except FileNotFoundError:
            return b""

    return read(out / ".teamspec/state.json"), read(out / ".teamspec/state.journal")


def _echo_desc(tmp: Path, out: Path, requirement: str) -> dict[str, Any]:
    rng = random.Random(7)
    contracts = []
    for i in range(14):
        deps = sorted({f"c{j}" for j in rng.sample(range(i), k=min(i, rng.randint(0, 2)))})
        contracts.append({"id": f"c{i}", "executor": "echo", "depends_on": deps,
                          "effort_hours": rng.randint(1, 4),
                          "description": "req" if i % 3 == 0 else ""})
    return {"dir": str(tmp), "workers": 3, "echo_scale": 0.01, "requirement": requirement,
            "contracts": contracts, "options": {"out": str(out)}}


def test_sigkill_at_random_moments_then_build_completes(tmp_path: Path) -> None:
    from teamspec.engine.state import StateStore
    from teamspec.engine.workspace import sha256_file

    out = tmp_path / "out"
    # the expected bytes: a clean build of the final requirement elsewhere
    ref = tmp_path / "ref"
    ref.mkdir()
    code, _ = _finish(_spawn(ref, _echo_desc(ref, ref / "out", "final")))
    assert code == 0
    expected = {p.relative_to(ref / "out").as_posix(): p.read_bytes()
                for p in (ref / "out/gen").rglob("*") if p.is_file()}
    assert len(expected) == 14

    rng = random.Random(2024)
    kills = mid_build = 0
    for round_ in range(24):
        requirement = ["one", "two", "final"][round_ % 3]
        before = _state_bytes(out)
        proc = _spawn(tmp_path, _echo_desc(tmp_path, out, requirement))
        time.sleep(rng.uniform(0.0, 0.25))
        proc.kill()
        proc.wait(timeout=30)
        kills += 1
        mid_build += _state_bytes(out) != before  # it had recorded some contracts
    assert kills >= 20
    assert mid_build >= 10

    code, res = _finish(_spawn(tmp_path, _echo_desc(tmp_path, out, "final")))
    assert res is not None, "the build after the crashes did not finish"
    assert code == 0, res
    assert set(res["statuses"].values()) <= {"succeeded", "up_to_date"}
    got = {p.relative_to(out).as_posix(): p.read_bytes()
           for p in (out / "gen").rglob("*") if p.is_file()}
    assert got == expected
    state = StateStore(out / ".teamspec").load()
    assert state.unfinished == set()
    for cid, rec in state.records.items():
        assert rec["status"] == "succeeded", cid
        for rel, entry in rec["outputs"].items():
            assert sha256_file(out / rel) == entry[0]
    leftovers = [p.name for p in out.rglob("*.tmp")]
    assert leftovers == [] or all(n.startswith(".") for n in leftovers)
    code, res = _finish(_spawn(tmp_path, _echo_desc(tmp_path, out, "final")))
    assert code == 0 and res is not None
    assert set(res["statuses"].values()) == {"up_to_date"}
