"""A small helper process that starts the build's commands.

Starting a process from the build process costs about a millisecond of
``fork_exec`` bookkeeping per command (a big interpreter, ~100 environment
variables to encode, a pipe to learn whether ``exec`` worked). A tiny helper
(``python -S``, started once per build in its own session, so a terminal's
Ctrl-C reaches only the build) does it with ``os.posix_spawnp`` instead and
watches every child through a pidfd:

* request (one JSON line): ``{"id", "argv", "cwd", "set" (environment
  variables added to the base environment sent first), "log", "append",
  "header"}``;
* replies: ``{"id", "pid"}`` once started (the build kills the process group
  itself on cancel: the child leads its own session), then ``{"id", "code"}``
  with the exit status (negative: killed by that signal), or ``{"id",
  "error", "message"}`` when it could not start.

The helper exits when its standard input closes (the build ended or died).
Linux only (pidfds); elsewhere :func:`available` is false and commands are
started from threads with :class:`subprocess.Popen`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

HELPER = r'''
import json, os, selectors, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
sel = selectors.DefaultSelector()
sel.register(0, selectors.EVENT_READ, None)
base = {}
buf = b""
cwd = None

def reply(obj):
    data = (json.dumps(obj) + "\n").encode()
    while data:
        n = os.write(1, data)
        data = data[n:]

def spawn(req):
    global cwd
    rid = req["id"]
    env = dict(base)
    env.update(req.get("set", {}))
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if req.get("append") else os.O_TRUNC)
    try:
        fd = os.open(req["log"], flags, 0o644)
    except OSError as e:
        reply({"id": rid, "error": "log", "message": str(e)})
        return
    try:
        if req.get("header"):
            os.write(fd, req["header"].encode())
        if req.get("cwd") and req["cwd"] != cwd:
            os.chdir(req["cwd"])
            cwd = req["cwd"]
        argv = req["argv"]
        pid = os.posix_spawnp(argv[0], argv, env, setsid=True, file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, fd, 1), (os.POSIX_SPAWN_DUP2, fd, 2)])
    except FileNotFoundError:
        reply({"id": rid, "error": "missing", "message": "no such program"})
        return
    except PermissionError:
        reply({"id": rid, "error": "permission", "message": "permission denied"})
        return
    except OSError as e:
        reply({"id": rid, "error": "os", "message": e.strerror or str(e)})
        return
    finally:
        os.close(fd)
    pfd = os.pidfd_open(pid)
    sel.register(pfd, selectors.EVENT_READ, (rid, pid))
    reply({"id": rid, "pid": pid})

while True:
    for key, _ in sel.select():
        if key.data is None:
            data = os.read(0, 1 << 16)
            if not data:
                sys.exit(0)
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                req = json.loads(line)
                if "base" in req:
                    base = req["base"]
                else:
                    spawn(req)
        else:
            rid, pid = key.data
            sel.unregister(key.fd)
            os.close(key.fd)
            _, status = os.waitpid(pid, 0)
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            reply({"id": rid, "code": os.waitstatus_to_exitcode(status)})
'''


def available() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and hasattr(
        os, "posix_spawnp") and os.environ.get("TEAMSPEC_NO_SPAWNER", "") in ("", "0")


class SpawnError(Exception):
    """The command could not be started (``kind``: missing, permission, os, log)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class Spawner:
    """The build's end of the helper (one per event loop)."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self._next = 0
        self._pid: dict[int, asyncio.Future[int]] = {}
        self._code: dict[int, asyncio.Future[int]] = {}
        self._reader: asyncio.Task[None] | None = None
        self.broken = False
        self.ready: asyncio.Future[None] | Any = None

    async def start(self) -> None:
        import asyncio

        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-S", "-c", HELPER, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, start_new_session=True, limit=1 << 20)
        self._send({"base": dict(os.environ)})
        self._reader = asyncio.create_task(self._read())

    def _send(self, obj: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        out = self.proc.stdout
        while True:
            line = await out.readline()
            if not line:
                break
            msg = json.loads(line)
            rid = msg["id"]
            if "pid" in msg:
                fut = self._pid.pop(rid, None)
                if fut is not None and not fut.done():
                    fut.set_result(int(msg["pid"]))
            elif "code" in msg:
                fut = self._code.pop(rid, None)
                if fut is not None and not fut.done():
                    fut.set_result(int(msg["code"]))
            elif "error" in msg:
                err = SpawnError(str(msg["error"]), str(msg["message"]))
                for table in (self._pid, self._code):
                    fut = table.pop(rid, None)
                    if fut is not None and not fut.done():
                        fut.set_exception(err)
        self.broken = True
        for table in (self._pid, self._code):
            for fut in table.values():
                if not fut.done():
                    fut.set_exception(SpawnError("os", "the command helper exited"))
            table.clear()

    async def run(self, argv: list[str], cwd: Path, overrides: dict[str, str], log: Path,
                  header: str, append: bool, kill_grace_s: float) -> int:
        """Run ``argv``; its exit code (negative: killed by a signal).

        Raises :class:`SpawnError` when it cannot start. On cancellation the
        process group gets SIGTERM, then SIGKILL after ``kill_grace_s``."""
        import asyncio

        loop = asyncio.get_running_loop()
        rid = self._next
        self._next += 1
        pid_f: asyncio.Future[int] = loop.create_future()
        code_f: asyncio.Future[int] = loop.create_future()
        self._pid[rid] = pid_f
        self._code[rid] = code_f
        self._send({"id": rid, "argv": argv, "cwd": str(cwd), "set": overrides, "log": str(log),
                    "append": append, "header": header})
        try:
            await asyncio.shield(pid_f)
            return await asyncio.shield(code_f)
        except asyncio.CancelledError:
            with contextlib.suppress(asyncio.CancelledError, SpawnError):
                pid = await asyncio.shield(pid_f)
                _killpg(pid, signal.SIGTERM)
                try:
                    await asyncio.wait_for(asyncio.shield(code_f), kill_grace_s)
                except (TimeoutError, asyncio.CancelledError):
                    _killpg(pid, signal.SIGKILL)
                    await asyncio.shield(code_f)
            raise

    async def close(self) -> None:
        import asyncio

        if self.proc is None:
            return
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self.proc = None


def _killpg(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


_SPAWNERS: dict[int, tuple[Any, Spawner]] = {}


async def get_spawner() -> Spawner | None:
    """The running loop's spawner (started on first use); None when not
    available or broken."""
    import asyncio

    if not available():
        return None
    loop = asyncio.get_running_loop()
    hit = _SPAWNERS.get(id(loop))
    if hit is not None and hit[0] is loop:
        sp = hit[1]
        await asyncio.shield(sp.ready)
        return None if sp.broken else sp
    sp = Spawner()
    sp.ready = loop.create_future()
    _SPAWNERS[id(loop)] = (loop, sp)
    try:
        await sp.start()
    except OSError:
        sp.broken = True
    finally:
        sp.ready.set_result(None)
    return None if sp.broken else sp


async def close_spawner() -> None:
    """Stop the running loop's spawner, if any (at the end of a build)."""
    import asyncio

    loop = asyncio.get_running_loop()
    hit = _SPAWNERS.pop(id(loop), None)
    if hit is not None and hit[0] is loop:
        await hit[1].close()
