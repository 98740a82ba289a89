"""The command spawner: posix_spawn with a working directory, its own
session, output to the log, exits watched through pidfds."""

from __future__ import annotations

import asyncio
import os
import stat
import time
from pathlib import Path

import pytest

from teamspec.engine.executors import spawner as sp
from teamspec.engine.executors.spawner import Spawner, SpawnError
from tests.engine.helpers import wait_until_gone

pytestmark = pytest.mark.skipif(not sp.available(), reason="Linux pidfd + posix_spawn only")

SH = "/bin/sh"


def _run(coro_fn, *args):  # type: ignore[no-untyped-def]
    async def main():  # type: ignore[no-untyped-def]
        s = Spawner(asyncio.get_running_loop())
        try:
            return await coro_fn(s, *args)
        finally:
            await s.close()

    return asyncio.run(main())


def test_cwd_session_stdin_env_and_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMSPEC_NAME", "from the build's environment")
    monkeypatch.setenv("KEEP_ME", "kept")
    work = tmp_path / "work"
    work.mkdir()
    log = tmp_path / "logs" / "c.log"  # the directory is made on demand
    script = ('pwd; ps -o sid= -p $$ | tr -d " "; echo $$; read x || echo "stdin: eof"; '
              'echo "name=$TEAMSPEC_NAME keep=$KEEP_ME"; echo oops >&2; exit 3')

    async def go(s: Spawner) -> int:
        return await s.run([SH, "-c", script], work, {"TEAMSPEC_NAME": "x; touch pwned"}, log,
                           "# header\n", False, 2.0, SH)

    assert _run(go) == 3
    lines = log.read_text().splitlines()
    assert lines[0] == "# header"
    assert lines[1] == str(work)
    assert lines[2] == lines[3]  # its own session: session id == its pid
    assert lines[4:] == ["stdin: eof", "name=x; touch pwned keep=kept", "oops"]
    assert not (work / "pwned").exists()

    async def again(s: Spawner) -> int:  # append (a retry) keeps the first attempt
        return await s.run([SH, "-c", "echo second"], work, {}, log, "# attempt 2\n", True, 2.0, SH)

    assert _run(again) == 0
    assert log.read_text().splitlines()[-2:] == ["# attempt 2", "second"]


def test_background_children_die_with_the_command(tmp_path: Path) -> None:
    pidfile = tmp_path / "bg.pid"

    async def go(s: Spawner) -> int:
        return await s.run([SH, "-c", f"sleep 30 & echo $! > {pidfile}; exit 0"], tmp_path, {},
                           tmp_path / "log", "", False, 2.0, SH)

    assert _run(go) == 0
    wait_until_gone(int(pidfile.read_text()), "the command's background child outlived it")


def test_cancel_terminates_then_kills(tmp_path: Path) -> None:
    async def go(s: Spawner) -> tuple[float, str]:
        task = asyncio.ensure_future(s.run(
            [SH, "-c", "trap '' TERM; echo started; sleep 30"], tmp_path, {},
            tmp_path / "log", "", False, 0.3, SH))
        log = tmp_path / "log"
        while not (log.exists() and "started" in log.read_text()):
            await asyncio.sleep(0.01)
        t = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - t, (tmp_path / "log").read_text()

    elapsed, text = _run(go)
    assert 0.25 <= elapsed < 3, elapsed  # SIGTERM ignored: SIGKILL after the grace period
    assert text == "started\n"


@pytest.mark.parametrize("case", ["missing", "permission", "cwd", "log"])
def test_spawn_errors(tmp_path: Path, case: str) -> None:
    prog = tmp_path / "prog"
    prog.write_text("#!/bin/sh\necho hi\n")
    prog.chmod(stat.S_IRUSR | stat.S_IWUSR)  # not executable
    (tmp_path / "file").write_text("")
    program, cwd, log = str(prog), tmp_path, tmp_path / "log"
    if case == "missing":
        program = str(tmp_path / "nope")
    elif case == "cwd":
        program, cwd = SH, tmp_path / "gone"
    elif case == "log":
        program, log = SH, tmp_path / "file" / "log"

    async def go(s: Spawner) -> int:
        return await s.run([program], cwd, {}, log, "", False, 1.0, program)

    with pytest.raises(SpawnError) as exc:
        _run(go)
    expected = {
        "missing": ("missing", "no such program"),
        "permission": ("permission", "permission denied"),
        "cwd": ("os", f"the working directory {tmp_path / 'gone'} does not exist"),
        "log": ("log", "Not a directory"),
    }[case]
    assert (exc.value.kind, exc.value.message) == expected


def test_without_pidfd_a_thread_waits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pidfd(pid: int, flags: int = 0) -> int:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(os, "pidfd_open", no_pidfd)

    async def go(s: Spawner) -> list[int]:
        return list(await asyncio.gather(*(
            s.run([SH, "-c", f"exit {i}"], tmp_path, {}, tmp_path / f"{i}.log", "", False, 1.0, SH)
            for i in range(4))))

    assert _run(go) == [0, 1, 2, 3]


def test_sigpipe_is_restored_for_commands(tmp_path: Path) -> None:
    """Python ignores SIGPIPE; a command's pipeline must not inherit that
    (``yes`` would complain about a broken pipe instead of just stopping)."""

    async def go(s: Spawner) -> int:
        return await s.run([SH, "-c", "yes | head -n 1; grep SigBlk /proc/self/status"],
                           tmp_path, {}, tmp_path / "log", "", False, 1.0, SH)

    assert _run(go) == 0
    assert (tmp_path / "log").read_text() == "y\nSigBlk:\t0000000000000000\n"
