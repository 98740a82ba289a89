from __future__ import annotations

import time
from pathlib import Path

import pytest

from teamspec.engine.executors.command import command_argv, placeholder_values
from teamspec.engine.runner import build
from tests.engine.helpers import contract, make_plan, wait_until_gone

EVIL = "x; touch pwned"


@pytest.fixture(params=["spawner", "threads"], autouse=True)
def launch_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs with the command helper and with the thread fallback."""
    if request.param == "threads":
        monkeypatch.setenv("TEAMSPEC_NO_SPAWNER", "1")
    return str(request.param)


@pytest.mark.parametrize(
    "run",
    [
        "echo {name} > name.txt",              # unquoted, through the shell
        "echo \"{name}\" > name.txt",          # double quotes
        "echo '{name}' > name.txt",            # single quotes
        "printf %s {name}",                    # direct exec (no shell syntax)
        "sh -c 'echo {contract}' > name.txt",  # a nested shell
        "echo $(echo {provider}) > name.txt",  # command substitution around a value
    ],
)
def test_placeholders_never_run_as_shell(tmp_path: Path, run: str) -> None:
    c = contract("c1", name=EVIL, provider=EVIL, run=run)
    plan = make_plan(tmp_path, [c])
    # the contract id cannot hold shell syntax (the spec schema forbids it); name and provider can
    result = build(plan, out=tmp_path / "out")
    assert not (tmp_path / "out" / "pwned").exists()
    assert not Path("pwned").exists()
    assert result.results["c1"].status == "succeeded"
    if "name.txt" in run and "{name}" in run:
        assert (tmp_path / "out/name.txt").read_text().strip() == EVIL


def test_substitution_forms(tmp_path: Path) -> None:
    values = placeholder_values(contract("c", name=EVIL), tmp_path, 8123)
    argv, shell = command_argv("python3 app.py --port {port} --name {name}", values)
    assert (argv[1:], shell) == (["app.py", "--port", "8123", "--name", EVIL], False)
    argv, shell = command_argv("echo {name} '{name}' \"{name}\" | cat", values)
    assert shell
    assert argv[2] == "echo \"${TEAMSPEC_NAME}\" ''\"${TEAMSPEC_NAME}\"'' \"${TEAMSPEC_NAME}\" | cat"


def test_exit_codes_and_log(tmp_path: Path) -> None:
    cs = [
        contract("ok", run="sh -c 'echo hello; echo oops >&2'"),
        contract("fails", run="sh -c 'echo about to fail; exit 3'"),
        contract("missing", run="no-such-program-teamspec --x"),
        contract("missing_sh", run="no-such-program-teamspec | cat"),
        contract("norun"),
    ]
    plan = make_plan(tmp_path, cs)
    r = build(plan, out=tmp_path / "out")
    got = {k: (v.status, v.reason) for k, v in r.results.items()}
    assert got == {
        "ok": ("succeeded", "new"),
        "fails": ("failed", "exit code 3"),
        "missing": ("error", "cannot start the command: command not found (exit code 127)"),
        "missing_sh": ("succeeded", "new"),  # a pipeline's status is its last command's
        "norun": ("error", "contract norun uses the command executor but has no 'run:' command; "
                  "add run: to the contract or choose another executor"),
    }
    log = (tmp_path / "out/.teamspec/logs/ok.log").read_text()
    assert "hello\n" in log and "oops\n" in log
    assert r.results["fails"].log_tail[-1] == "about to fail"
    assert r.exit_code == 1


def test_timeout_kills_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    c = contract("slow", run=f"sh -c 'sleep 30 & echo $! > {pidfile}; wait'",
                 timeout_minutes=0.5 / 60)
    plan = make_plan(tmp_path, [c])
    t = time.monotonic()
    r = build(plan, out=tmp_path / "out")
    assert time.monotonic() - t < 10
    assert (r.results["slow"].status, r.results["slow"].reason) == ("failed", "timed out after 0.5 s")
    wait_until_gone(int(pidfile.read_text()),
                    "the background child of the timed-out command is still alive")


def test_command_files_are_its_manifest(tmp_path: Path) -> None:
    cs = [
        contract("gen", run="sh -c 'mkdir -p src && echo x > src/a.py && echo y > .teamspec/hidden'"),
        contract("later", run="sh -c 'echo z > b.txt'", depends_on=("gen",)),
    ]
    plan = make_plan(tmp_path, cs)
    r = build(plan, out=tmp_path / "out")
    assert r.results["gen"].files == ("src/a.py",)
    assert r.results["later"].files == ("b.txt",)


def test_concurrent_commands_attribution_by_declared_artifacts(tmp_path: Path) -> None:
    from tests.engine.helpers import deliverable

    cs = [
        contract("slow", run="sh -c 'sleep 0.4; echo s > slow.txt'",
                 deliverables=(deliverable("s", "slow.txt"),)),
        contract("fast", run="sh -c 'sleep 0.1; echo f > fast.txt; sleep 0.5'",
                 deliverables=(deliverable("f", "fast.txt"),)),
        contract("quick", run="sh -c 'echo q > q.txt'"),
    ]
    r = build(make_plan(tmp_path, cs, workers=3), out=tmp_path / "out")
    assert r.results["slow"].files == ("slow.txt",)
    assert r.results["fast"].files == ("fast.txt",)
    assert r.results["quick"].files == ("q.txt",)
    assert (r.results["slow"].fulfillment, r.results["fast"].fulfillment) == (1.0, 1.0)


def _spools(out: Path) -> list[str]:
    logs = out / ".teamspec/logs"
    return sorted(p.name for p in logs.iterdir() if p.name.startswith(".")) if logs.is_dir() else []


def test_logs_are_kept_when_they_say_something(tmp_path: Path, launch_mode: str) -> None:
    cs = [
        contract("quiet", run="true"),
        contract("talks", run="sh -c 'echo hi'"),
        contract("fails", run="false"),
        contract("stderr", run="sh -c 'echo warn >&2'"),
    ]
    out = tmp_path / "out"
    r = build(make_plan(tmp_path, cs), out=out)
    logs = out / ".teamspec/logs"
    assert (logs / "talks.log").read_text() == (
        "# teamspec: contract talks, attempt 1: sh -c 'echo hi'\nhi\n")
    assert (logs / "fails.log").read_text() == "# teamspec: contract fails, attempt 1: false\n"
    assert (logs / "stderr.log").read_text().endswith("\nwarn\n")
    assert r.results["talks"].log == ".teamspec/logs/talks.log"
    assert r.results["fails"].log == ".teamspec/logs/fails.log"
    if launch_mode == "spawner":  # a silent success leaves no log (the thread fallback keeps one)
        assert not (logs / "quiet.log").exists()
        assert r.results["quiet"].log is None
    else:
        assert r.results["quiet"].log == ".teamspec/logs/quiet.log"
    assert _spools(out) == []  # no spool file outlives the build
    rows = {c["id"]: c for c in r.report["contracts"]}
    assert rows["talks"]["log_tail"] == ["# teamspec: contract talks, attempt 1: sh -c 'echo hi'", "hi"]
    assert ("log" in rows["quiet"]) == (launch_mode != "spawner")


def test_an_earlier_log_goes_when_the_command_is_silent_now(tmp_path: Path, launch_mode: str) -> None:
    out = tmp_path / "out"
    build(make_plan(tmp_path, [contract("c", run="sh -c 'echo first'")]), out=out)
    assert (out / ".teamspec/logs/c.log").read_text().endswith("first\n")
    r = build(make_plan(tmp_path, [contract("c", run="sh -c 'true'")]), out=out)
    assert r.results["c"].status == "succeeded"
    if launch_mode == "spawner":
        assert not (out / ".teamspec/logs/c.log").exists()
        assert r.results["c"].log is None
    else:
        assert (out / ".teamspec/logs/c.log").read_text() == (
            "# teamspec: contract c, attempt 1: sh -c 'true'\n")
    assert _spools(out) == []


def test_a_running_command_has_its_log_under_its_name(tmp_path: Path) -> None:
    # it succeeds only if .teamspec/logs/slow.log appears while it runs (after
    # PROMOTE_S with the command helper; at once with the thread fallback)
    wait = ("sh -c 'echo started; i=0; while [ ! -f .teamspec/logs/slow.log ] && [ $i -lt 100 ]; "
            "do sleep 0.05; i=$((i+1)); done; test -f .teamspec/logs/slow.log'")
    out = tmp_path / "out"
    r = build(make_plan(tmp_path, [contract("slow", run=wait)]), out=out)
    assert (r.results["slow"].status, r.results["slow"].reason) == ("succeeded", "new")
    assert (out / ".teamspec/logs/slow.log").read_text().splitlines()[1:] == ["started"]
    assert r.results["slow"].log == ".teamspec/logs/slow.log"
    assert _spools(out) == []


def test_a_missing_program_has_a_log_saying_so(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = build(make_plan(tmp_path, [contract("gone", run="no-such-program-teamspec --x")]), out=out)
    assert r.results["gone"].status == "error"
    assert r.results["gone"].log == ".teamspec/logs/gone.log"
    assert (out / ".teamspec/logs/gone.log").read_text().startswith(
        "# teamspec: contract gone, attempt 1: no-such-program-teamspec --x\n")
