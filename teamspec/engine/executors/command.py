"""The ``command`` executor: runs the contract's ``run:`` in the output directory.

Placeholders ``{port}`` (a free port on 127.0.0.1), ``{out}`` (the output
directory, absolute), ``{contract}`` (id), ``{name}`` and ``{provider}`` are
substituted without ever being parsed as shell (:mod:`teamspec.cmdline`, the
same rules as a contract's ``serve:``): a command without shell syntax is
split and run directly, one argument per placeholder value; any other runs
with ``sh -c`` and reads the values from environment variables
(``TEAMSPEC_PORT``, ``TEAMSPEC_OUT``, ``TEAMSPEC_CONTRACT``,
``TEAMSPEC_NAME``, ``TEAMSPEC_PROVIDER``), so ``x; touch pwned`` is an
argument, not a command. The same variables are also set for the command
itself.

Outcome: exit code 0 → ``ok``; exit code 75 (``EX_TEMPFAIL``, sysexits.h) →
``failed`` and *transient* (retried with backoff); any other non-zero exit or
death by a signal → ``failed``; the program cannot be started (not found,
not executable; through the shell: exit 126 or 127) → ``error``. A timeout
is enforced by the engine, which cancels the run: the whole process group is
killed (SIGTERM, then SIGKILL after 2 s) and the contract is ``failed``
(not transient: a command that timed out once will most likely time out
again).

Output (stdout and stderr together) goes to ``.teamspec/logs/<id>.log``
after a header line; the last lines are returned for the report. A first
attempt writes through a spool file (:meth:`Spawner.run_spooled`): the log
is kept when the command printed something, failed, or ran longer than
``PROMOTE_S`` (it then appears under its name while the command runs); a
command that succeeds in silence leaves no log and costs no file. Retries
append to the log; with the thread fallback (no command helper) every
command keeps its log. The files the command creates or
modifies are found by comparing snapshots of the output tree (without
``.teamspec/``, ``contracts/``, ``node_modules/``, ``.git/``) before and
after, and recorded in the contract's manifest, except files another
contract of the build claims (see ``Job.env`` / ``foreign``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from teamspec.cmdline import command_argv, env_var, placeholder_env, program_path
from teamspec.contracts.procs import free_port
from teamspec.engine.executors.base import ExecOutcome, ExecutorConfig, Job
from teamspec.engine.workspace import OutputTree, WorkspaceError
from teamspec.model import Contract

if TYPE_CHECKING:
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

EX_TEMPFAIL = 75
PLACEHOLDERS: tuple[str, ...] = ("port", "out", "contract", "name", "provider")
TAIL_LINES = 20
KILL_GRACE_S = 2.0


def placeholder_values(
    contract: Contract, out_dir: Path, port: int | None = None
) -> dict[str, str]:
    return {
        "port": str(port if port is not None else 0),
        "out": str(out_dir),
        "contract": contract.id,
        "name": contract.name,
        "provider": contract.provider,
    }


def command_env(values: Mapping[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    for k, v in values.items():
        env[env_var(k)] = v
    return env


def tail(path: Path | str, lines: int = TAIL_LINES) -> tuple[str, ...]:
    """The last ``lines`` lines of a log (from its last 16 KiB)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return ()
    try:
        size = os.fstat(fd).st_size
        data = os.pread(fd, 16384, max(0, size - 16384)) if size else b""
    except OSError:
        return ()
    finally:
        os.close(fd)
    text = data.decode("utf-8", "replace").splitlines()
    return tuple(text[-lines:])


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """Threads that start and wait for commands: ``fork_exec`` releases the
    GIL, so starting processes from threads overlaps them (and never blocks
    the event loop)."""
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(max_workers=64, thread_name_prefix="teamspec-command")
    return _POOL


class _Run:
    """One command, run start to finish in a pool thread (open the log,
    start, wait, reap the group), so the event loop hands off once."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], log_path: Path,
                 header: str, append: bool) -> None:
        self.argv, self.cwd, self.env = argv, cwd, env
        self.log_path, self.header, self.append = log_path, header, append
        self.proc: subprocess.Popen[bytes] | None = None
        self.cancelled = False
        self.lock = threading.Lock()

    def __call__(self) -> tuple[int | None, str]:
        import subprocess

        try:
            log = open(self.log_path, "ab" if self.append else "wb")
        except FileNotFoundError:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(self.log_path, "ab" if self.append else "wb")
        with log:
            if self.header:
                log.write(self.header.encode("utf-8"))
                log.flush()
            name = self.argv[0]
            try:
                with self.lock:
                    if self.cancelled:
                        return None, "cancelled before it started"
                    self.proc = subprocess.Popen(
                        self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            except FileNotFoundError:
                return None, f"cannot start {name!r}: no such program"
            except PermissionError:
                return None, f"cannot start {name!r}: permission denied"
            except OSError as exc:
                return None, f"cannot start {name!r}: {exc.strerror or exc}"
            code = self.proc.wait()
        # never leave the command's background children behind
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        return code, ""

    def signal_group(self, sig: int) -> None:
        with self.lock:
            self.cancelled = True
            proc = self.proc
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)


async def run_command(
    template: str,
    values: Mapping[str, str],
    cwd: Path | str,
    log_path: Path | str,
    *,
    header: str = "",
    append: bool = False,
    argv: list[str] | None = None,
) -> tuple[int | None, str]:
    """Run ``template`` in ``cwd`` with output to ``log_path``.

    Returns ``(exit_code, error)``: ``(None, message)`` when it could not
    start. On cancellation the process group gets SIGTERM, then SIGKILL
    after ``KILL_GRACE_S``, before re-raising."""
    code, error, _ = await _run_command(template, values, cwd, log_path, header=header,
                                        append=append, argv=argv, quiet=False)
    return code, error


async def _run_command(
    template: str,
    values: Mapping[str, str],
    cwd: Path | str,
    log_path: Path | str,
    *,
    header: str,
    append: bool,
    argv: list[str] | None,
    quiet: bool,
) -> tuple[int | None, str, bool]:
    """:func:`run_command`, and whether the log exists afterwards. With
    ``quiet`` (a first attempt), a command that succeeds without output
    leaves no log (:meth:`Spawner.run_spooled`, where available)."""
    import asyncio

    from teamspec.engine.executors.spawner import SpawnError, get_spawner

    if argv is None:
        argv = command_argv(template, values)[0]
    spawner = get_spawner()
    if spawner is not None:
        program = program_path(argv)
        if program is None:
            error = f"cannot start {argv[0]!r}: no such program"
            return None, error, _write_log(log_path, header, f"teamspec: {error}\n", append)
        kept = True
        try:
            if quiet and not append:
                code, kept = await spawner.run_spooled(argv, cwd, placeholder_env(values),
                                                       str(log_path), header, KILL_GRACE_S,
                                                       program)
            else:
                code = await spawner.run(argv, cwd, placeholder_env(values),
                                         log_path, header, append, KILL_GRACE_S, program)
        except SpawnError as exc:  # the log exists unless it is what failed
            if exc.kind == "log":
                return None, f"cannot write the log {log_path}: {exc.message}", False
            if exc.kind == "lost":
                return None, f"{argv[0]!r} ran, but {exc.message}", True
            return None, f"cannot start {argv[0]!r}: {exc.message}", True
        return code, "", kept
    run = _Run(argv, Path(cwd), command_env(values), Path(log_path), header, append)
    fut = asyncio.get_running_loop().run_in_executor(_pool(), run)
    try:
        done: tuple[int | None, str] = await asyncio.shield(fut)
        return done[0], done[1], True
    except asyncio.CancelledError:
        run.signal_group(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(fut), KILL_GRACE_S)
        except (TimeoutError, asyncio.CancelledError):
            run.signal_group(signal.SIGKILL)
            with contextlib.suppress(asyncio.CancelledError):
                await fut
        except Exception:  # the run's own failure is moot: we are cancelling
            pass
        raise


def _write_log(log_path: Path | str, header: str, text: str, append: bool) -> bool:
    """Write a log that no process writes to; True when it was written."""
    try:
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, "a" if append else "w", encoding="utf-8") as f:
            f.write(header + text)
    except OSError:
        return False
    return True


_OK_LOGGED = ExecOutcome("ok", "exit code 0", logged=True)
_OK_SILENT = ExecOutcome("ok", "exit code 0")


def classify(code: int | None, error: str, via_shell: bool, tail_lines: tuple[str, ...],
             logged: bool = True) -> ExecOutcome:
    """The outcome of a command's exit; ``logged``: its log exists (else
    the engine looks for one once, at the end of the build)."""
    if code is None:
        return ExecOutcome("error", error, log_tail=tail_lines, logged=logged)
    if code == 0:
        if not tail_lines:
            return _OK_LOGGED if logged else _OK_SILENT
        return ExecOutcome("ok", "exit code 0", log_tail=tail_lines, logged=logged)
    if code == EX_TEMPFAIL:
        return ExecOutcome("failed", f"exit code {code} (temporary failure)", transient=True,
                           log_tail=tail_lines, logged=logged)
    if via_shell and code in (126, 127):
        why = "command not found" if code == 127 else "command not executable"
        return ExecOutcome("error", f"cannot start the command: {why} (exit code {code})",
                           log_tail=tail_lines, logged=logged)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return ExecOutcome("failed", f"killed by {name}", log_tail=tail_lines, logged=logged)
    return ExecOutcome("failed", f"exit code {code}", log_tail=tail_lines, logged=logged)


class CommandExecutor:
    name = "command"
    reads: frozenset[str] = frozenset()

    def __init__(self, tree: OutputTree | None = None) -> None:
        self.tree = tree

    async def run(self, job: Job) -> ExecOutcome:
        c = job.contract
        if not c.run:
            return ExecOutcome(
                "error", f"contract {c.id} uses the command executor but has no 'run:' command; "
                "add run: to the contract or choose another executor")
        values = placeholder_values(c, job.out_dir, free_port() if "{port}" in c.run else None)
        tree = job.workspace.tree
        before = tree.snapshot()
        header = f"# teamspec: contract {c.id}, attempt {job.attempt}: {c.run}\n"
        argv, via_shell = command_argv(c.run, values)
        code, error, kept = await _run_command(c.run, values, job.out_dir, job.log_file,
                                               header=header, append=job.attempt > 1, argv=argv,
                                               quiet=True)
        outcome = classify(code, error, via_shell, tail(job.log_file) if kept else (), kept)
        if code is not None:
            foreign = job.foreign
            try:
                for rel in OutputTree.changed(before, tree.snapshot()):
                    if foreign is not None and foreign(rel):
                        continue
                    with contextlib.suppress(FileNotFoundError):
                        job.workspace.adopt(rel)
            except WorkspaceError as exc:
                return ExecOutcome("error", exc.message, log_tail=outcome.log_tail, logged=True)
        return outcome

    def fingerprint_extra(self, contract: Contract) -> str:
        return ""

    async def aclose(self) -> None:
        return None


def make_executor(config: ExecutorConfig) -> CommandExecutor:
    return CommandExecutor()
