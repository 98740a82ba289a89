"""Start and stop provider processes for verification.

A provider command (a contract's ``serve:``) becomes an argv by the rules of
:mod:`teamspec.cmdline` (the same as a contract's ``run:``): ``{port}`` and
``{host}`` are never parsed as shell, a command without shell syntax runs
directly, any other (``cd backend && python app.py --port {port}``) with
``sh -c``. It runs in its own process group (session), in the output
directory. Stopping sends SIGTERM to the
whole group, then SIGKILL after a grace period; every started group is also
killed at interpreter exit, so no process is left behind (also on Ctrl-C,
which reaches the ``finally`` of :func:`running_provider`).

``python``/``python3`` as the program mean the interpreter running teamspec
(through the shell too: its directory comes first on ``PATH``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from teamspec.errors import UsageError

_LIVE: dict[int, subprocess.Popen[bytes]] = {}
_LIVE_LOCK = threading.Lock()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _aliases() -> dict[str, str]:
    return {"python": sys.executable, "python3": sys.executable}


def command_argv(command: str, values: Mapping[str, str]) -> list[str]:
    """The argv of a provider command with ``values`` substituted (see the
    module docstring). Raises :class:`UsageError` for an empty or
    unparsable command and for a program that is not found."""
    from teamspec.cmdline import command_argv as split
    from teamspec.cmdline import parse

    if not command.strip():
        raise UsageError("the command is empty")
    parsed = parse(command, values, _aliases())
    if parsed.reason == "unparsable":
        try:
            shlex.split(command)
        except ValueError as exc:
            raise UsageError(f"cannot parse the command {command!r}: {exc}") from None
    if parsed.reason == "not_found":
        name = shlex.split(command)[0]
        raise UsageError(f"cannot start {name!r} (from {command!r}): no such program")
    return split(command, values, _aliases())[0]


@dataclass
class Provider:
    """A started provider: its process, URL and log file."""

    process: subprocess.Popen[bytes]
    url: str
    port: int
    log: Path | None

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, limit: int = 2000) -> str:
        if self.log is None or not self.log.is_file():
            return ""
        data = self.log.read_bytes()[-limit:]
        return data.decode("utf-8", "replace").strip()


def start(command: str, cwd: Path, *, port: int | None = None, host: str = "127.0.0.1",
          log: Path | None = None, env: Mapping[str, str] | None = None) -> Provider:
    """Start ``command`` in ``cwd`` with ``{port}`` (a free port of
    ``host``) and ``{host}`` substituted, in a new process group."""
    chosen = port if port is not None else free_port(host)
    argv = command_argv(command, {"port": str(chosen), "host": host})  # never a value as shell
    from teamspec.cmdline import placeholder_env

    values = {"port": str(chosen), "host": host}
    # through the shell, ``python`` is the running interpreter too: its
    # directory comes first on PATH
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    full_env = {**os.environ, "PATH": path, "PORT": str(chosen), "HOST": host,
                **placeholder_env(values), **(env or {})}
    out = None
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        out = log.open("wb")
    try:
        process = subprocess.Popen(
            argv, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL,
            stdout=out if out is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT if out is not None else subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise UsageError(f"cannot start {argv[0]!r} (from {command!r}): {exc.strerror or exc}") from None
    finally:
        if out is not None:
            out.close()
    with _LIVE_LOCK:
        _LIVE[process.pid] = process
    return Provider(process, f"http://{host}:{chosen}", chosen, log)


def wait_ready(provider: Provider, timeout_s: float) -> bool:
    """Until the provider accepts a TCP connection and answers an HTTP
    request (any status), at most ``timeout_s``; False when it exited or
    the time is up."""
    import http.client

    deadline = time.monotonic() + timeout_s
    host = provider.url.split("//", 1)[1].rsplit(":", 1)[0]
    while time.monotonic() < deadline:
        if not provider.alive():
            return False
        conn = http.client.HTTPConnection(host, provider.port, timeout=1.0)
        try:
            conn.request("GET", "/")
            conn.getresponse().read()
            return True
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
        finally:
            conn.close()
    return False


def stop(provider: Provider | subprocess.Popen[bytes], grace_s: float = 5.0) -> None:
    """SIGTERM to the provider's whole process group, SIGKILL after
    ``grace_s``; waits for the process."""
    process = provider.process if isinstance(provider, Provider) else provider
    try:
        _kill_group(process, signal.SIGTERM)
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            pass
        # children of the group may outlive the leader: kill what is left
        _kill_group(process, signal.SIGKILL)
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            pass
    finally:
        with _LIVE_LOCK:
            _LIVE.pop(process.pid, None)


def _kill_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)  # the group id is the leader's pid (start_new_session)


@contextlib.contextmanager
def running_provider(command: str, cwd: Path, *, timeout_s: float, log: Path | None = None,
                     host: str = "127.0.0.1") -> Iterator[Provider]:
    """Start a provider, yield it once it answers, always stop it.

    Raises :class:`ProviderStartError` when it exits or does not answer
    within ``timeout_s``."""
    provider = start(command, cwd, host=host, log=log)
    try:
        if not wait_ready(provider, timeout_s):
            state = f"exited with status {provider.process.returncode}" if not provider.alive() else \
                f"did not answer on {provider.url} within {timeout_s:g}s"
            raise ProviderStartError(f"the provider ({command}) {state}", provider.log_tail())
        yield provider
    finally:
        stop(provider)


class ProviderStartError(Exception):
    """Raised when a provider exits or does not answer in time."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.log_tail = log_tail


def _kill_all() -> None:
    with _LIVE_LOCK:
        live = list(_LIVE.values())
    for process in live:
        stop(process, grace_s=1.0)


atexit.register(_kill_all)
