"""Starting the build's commands: ``posix_spawn`` in the build process,
exits watched through pidfds on the event loop.

Starting a process with :class:`subprocess.Popen` from a big interpreter
costs a millisecond or more of CPU per command (the Python-level setup, an
error pipe, and on many systems a real ``fork`` of the whole address space).
On Linux the build starts each command with the C library's
``posix_spawn`` instead (a ``vfork``-style clone: cost independent of the
interpreter's size), called through :mod:`ctypes` because
:func:`os.posix_spawn` cannot set the child's working directory
(``posix_spawn_file_actions_addchdir_np``: glibc >= 2.29, musl >= 1.1.24):

* the child starts in its own session (``POSIX_SPAWN_SETSID``: a terminal's
  Ctrl-C reaches only the build, which cancels its commands itself; the
  child leads its own process group, so the whole group can be killed),
  with no signal blocked and ``SIGPIPE``/``SIGXFSZ`` at their default
  actions (Python ignores them; :mod:`subprocess` restores them too);
* standard input is ``/dev/null``; standard output and error are the log file
  (or, for :meth:`Spawner.run_spooled`, a spool file that becomes the log
  when it says something: :mod:`teamspec.engine.executors.spool`), opened by
  the build, header written first, ``dup2``'ed onto 1 and 2 by the spawn's
  file actions: no pipes to drain;
* the exit is watched with ``os.pidfd_open`` + ``loop.add_reader``: no
  thread and no ``SIGCHLD`` handler. When the pidfd is readable the
  command's process group gets ``SIGKILL`` (so no background child outlives
  its command) *before* the leader is reaped, while the group id cannot be
  reused.

The spawn runs in the event loop's thread: it takes as long as the
``exec`` (the caller is suspended until the child has replaced its image,
a few hundred microseconds) plus creating the log file. Handing it to a
thread was measured slower on a two-core machine: the hand-offs (a queue,
``call_soon_threadsafe``, the GIL) cost more latency than they hide.

:func:`available` is false elsewhere (or with ``TEAMSPEC_NO_SPAWNER=1``);
commands are then started from threads with :class:`subprocess.Popen`
(:mod:`teamspec.engine.executors.command`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.engine.executors.spool import LogSpools

if TYPE_CHECKING:
    import asyncio

#: POSIX_SPAWN_* flags of glibc and musl (Linux)
_POSIX_SPAWN_SETSIGDEF = 0x04
_POSIX_SPAWN_SETSIGMASK = 0x08
_POSIX_SPAWN_SETSID = 0x80
#: room for posix_spawn_file_actions_t / posix_spawnattr_t (glibc: 80 and
#: 336 bytes): over-allocated so a different C library layout stays in bounds
_OPAQUE_BYTES = 1024
_LIBC: Any = None
_LIBC_OK: bool | None = None


def _libc() -> Any:
    """The C library through ctypes, or None when it lacks what is needed."""
    global _LIBC, _LIBC_OK
    if _LIBC_OK is None:
        _LIBC_OK = False
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            for name in ("posix_spawn", "posix_spawn_file_actions_init",
                         "posix_spawn_file_actions_destroy", "posix_spawn_file_actions_adddup2",
                         "posix_spawn_file_actions_addopen", "posix_spawn_file_actions_addchdir_np",
                         "posix_spawnattr_init", "posix_spawnattr_destroy",
                         "posix_spawnattr_setflags", "posix_spawnattr_setsigdefault",
                         "posix_spawnattr_setsigmask", "sigemptyset", "sigaddset"):
                getattr(libc, name)
        except (ImportError, OSError, AttributeError):
            return None
        vp = ctypes.c_void_p
        libc.posix_spawn.argtypes = [ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, vp, vp, vp, vp]
        libc.posix_spawn_file_actions_init.argtypes = [vp]
        libc.posix_spawn_file_actions_destroy.argtypes = [vp]
        libc.posix_spawn_file_actions_adddup2.argtypes = [vp, ctypes.c_int, ctypes.c_int]
        libc.posix_spawn_file_actions_addopen.argtypes = [vp, ctypes.c_int, ctypes.c_char_p,
                                                          ctypes.c_int, ctypes.c_uint]
        libc.posix_spawn_file_actions_addchdir_np.argtypes = [vp, ctypes.c_char_p]
        libc.posix_spawnattr_init.argtypes = [vp]
        libc.posix_spawnattr_destroy.argtypes = [vp]
        libc.posix_spawnattr_setflags.argtypes = [vp, ctypes.c_short]
        libc.posix_spawnattr_setsigdefault.argtypes = [vp, vp]
        libc.posix_spawnattr_setsigmask.argtypes = [vp, vp]
        libc.sigemptyset.argtypes = [vp]
        libc.sigaddset.argtypes = [vp, ctypes.c_int]
        _LIBC, _LIBC_OK = libc, True
    return _LIBC if _LIBC_OK else None


def available() -> bool:
    return (sys.platform.startswith("linux") and hasattr(os, "pidfd_open")
            and os.environ.get("TEAMSPEC_NO_SPAWNER", "") in ("", "0") and _libc() is not None)


class SpawnError(Exception):
    """The command could not be started (``kind``: missing, permission, os,
    log), or its exit status was lost (``lost``)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class Spawner:
    """Starts commands for one event loop (see the module docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        import ctypes

        self.loop = loop
        self.libc = _libc()
        self.ctypes = ctypes
        self._fa = ctypes.create_string_buffer(_OPAQUE_BYTES)
        self._attr = ctypes.create_string_buffer(_OPAQUE_BYTES)
        libc = self.libc
        if libc.posix_spawnattr_init(self._attr) != 0:
            raise OSError("posix_spawnattr_init failed")
        # like subprocess's restore_signals: the signals Python ignores
        # (SIGPIPE, SIGXFSZ) are back to their default actions in the
        # command, and no signal is blocked
        self._sigdef = ctypes.create_string_buffer(_OPAQUE_BYTES)
        self._sigmask = ctypes.create_string_buffer(_OPAQUE_BYTES)
        libc.sigemptyset(self._sigdef)
        libc.sigemptyset(self._sigmask)
        for sig in (signal.SIGPIPE, signal.SIGXFSZ):
            libc.sigaddset(self._sigdef, int(sig))
        if (libc.posix_spawnattr_setsigdefault(self._attr, self._sigdef)
                or libc.posix_spawnattr_setsigmask(self._attr, self._sigmask)
                or libc.posix_spawnattr_setflags(self._attr, _POSIX_SPAWN_SETSID
                                                 | _POSIX_SPAWN_SETSIGDEF
                                                 | _POSIX_SPAWN_SETSIGMASK)):
            libc.posix_spawnattr_destroy(self._attr)
            raise OSError("posix_spawnattr_set* failed")
        self._pid = ctypes.c_int()
        #: the environment of the build (captured once), without the keys a
        #: command overrides: (override keys) -> (entries, a reusable array)
        self._environ = {os.fsencode(k): os.fsencode(v) for k, v in os.environ.items()}
        self._envp: dict[tuple[str, ...], tuple[list[bytes], Any]] = {}
        self._running: dict[int, int] = {}  # pidfd -> pid
        #: the spool files of run_spooled
        self.spools = LogSpools(loop)
        self._cwd: dict[str, bytes] = {}
        self.closed = False

    def _env_array(self, overrides: dict[str, str]) -> Any:
        names = tuple(overrides)
        hit = self._envp.get(names)
        if hit is None:
            keys = frozenset(os.fsencode(k) for k in overrides)
            base = [k + b"=" + v for k, v in self._environ.items() if k not in keys]
            arr = (self.ctypes.c_char_p * (len(base) + len(keys) + 1))(*base)
            hit = self._envp[names] = (base, arr)
        base, arr = hit
        i = len(base)
        for k, v in overrides.items():
            entry = k + "=" + v
            arr[i] = entry.encode() if entry.isascii() else os.fsencode(entry)
            i += 1
        arr[i] = None
        return arr

    def spawn(self, program: str, argv: list[str], cwd: str, overrides: dict[str, str],
              log: str, header: str, append: bool) -> int:
        """Start ``argv`` (``program``: the file to execute) in its own
        session in ``cwd``, output to ``log``; its pid."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_APPEND if append else os.O_TRUNC)
        try:
            try:
                fd = os.open(log, flags, 0o644)
            except FileNotFoundError:
                os.makedirs(os.path.dirname(log), exist_ok=True)
                fd = os.open(log, flags, 0o644)
            try:
                if header:
                    os.write(fd, header.encode("utf-8"))
            except OSError:
                os.close(fd)
                raise
        except OSError as exc:
            raise SpawnError("log", exc.strerror or str(exc)) from None
        try:
            return self._spawn_fd(program, argv, cwd, overrides, fd)
        finally:
            os.close(fd)

    def _spawn_fd(self, program: str, argv: list[str], cwd: str, overrides: dict[str, str],
                  fd: int) -> int:
        """Start ``argv`` with ``fd`` as its standard output and error."""
        ct = self.ctypes
        libc = self.libc
        fa = self._fa
        try:
            libc.posix_spawn_file_actions_init(fa)
            try:
                bcwd = self._cwd.get(cwd)
                if bcwd is None:
                    bcwd = self._cwd[cwd] = os.fsencode(cwd)
                if (libc.posix_spawn_file_actions_addopen(fa, 0, b"/dev/null", os.O_RDONLY, 0)
                        or libc.posix_spawn_file_actions_adddup2(fa, fd, 1)
                        or libc.posix_spawn_file_actions_adddup2(fa, fd, 2)
                        or libc.posix_spawn_file_actions_addchdir_np(fa, bcwd)):
                    raise SpawnError("os", "cannot prepare the process (out of memory)")
                args = [a.encode() if a.isascii() else os.fsencode(a) for a in argv]
                av = (ct.c_char_p * (len(args) + 1))(*args)
                err = libc.posix_spawn(ct.byref(self._pid), os.fsencode(program), fa, self._attr,
                                       av, self._env_array(overrides))
            finally:
                libc.posix_spawn_file_actions_destroy(fa)
        except OSError as exc:
            raise SpawnError("log", exc.strerror or str(exc)) from None
        if err:
            if err == errno.ENOENT and not os.path.isdir(cwd):
                raise SpawnError("os", f"the working directory {cwd} does not exist")
            if err == errno.ENOENT:
                raise SpawnError("missing", "no such program")
            if err in (errno.EACCES, errno.EPERM):
                raise SpawnError("permission", "permission denied")
            raise SpawnError("os", os.strerror(err))
        return int(self._pid.value)

    async def run(self, argv: list[str], cwd: Path | str, overrides: dict[str, str],
                  log: Path | str, header: str, append: bool, kill_grace_s: float,
                  program: str | None = None) -> int:
        """Run ``argv``; its exit code (negative: killed by a signal).

        Raises :class:`SpawnError` when it cannot start. On cancellation the
        process group gets SIGTERM, then SIGKILL after ``kill_grace_s``."""
        pid = self.spawn(program or argv[0], argv, str(cwd), overrides, str(log), header, append)
        return await self._wait(pid, kill_grace_s)

    async def run_spooled(self, argv: list[str], cwd: Path | str, overrides: dict[str, str],
                          log: str, header: str, kill_grace_s: float,
                          program: str | None = None) -> tuple[int, bool]:
        """Like :meth:`run` (a first attempt: ``log`` is replaced), with the
        output through a spool file (:mod:`teamspec.engine.executors.spool`):
        the log is kept only when it says something (output, a failure, a run
        longer than ``PROMOTE_S``). Returns the exit code and whether ``log``
        exists afterwards."""
        spools = self.spools
        try:
            spool = spools.open(log, header)
        except OSError as exc:
            raise SpawnError("log", exc.strerror or str(exc)) from None
        try:
            pid = self._spawn_fd(program or argv[0], argv, str(cwd), overrides, spool.fd)
        except BaseException:
            spools.keep(spool)  # a command that did not start has a log
            raise
        spools.watch(spool)
        try:
            code = await self._wait(pid, kill_grace_s)
        except BaseException:
            spools.keep(spool)
            raise
        return code, spools.settle(spool, code == 0)

    async def _wait(self, pid: int, kill_grace_s: float) -> int:
        """The exit code of ``pid`` (see :meth:`run`)."""
        import asyncio

        loop = self.loop
        ex = _Exit(loop.create_future())
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            pidfd = -1
        if pidfd >= 0:
            self._running[pidfd] = pid
            loop.add_reader(pidfd, self._exited, pidfd, pid, ex)
        else:  # no pidfd (old kernel, out of descriptors): a thread waits
            def wait() -> None:
                # wait for the exit without reaping (the zombie keeps the group id)
                with contextlib.suppress(ChildProcessError):
                    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
                status = _reap(pid)
                with contextlib.suppress(RuntimeError):  # the loop is closed
                    loop.call_soon_threadsafe(ex.settle, status)

            loop.run_in_executor(None, wait)
        try:
            return await ex.fut
        except asyncio.CancelledError:
            if not ex.exited:
                _killpg(pid, signal.SIGTERM)
                ex.fut = loop.create_future()
                try:
                    await asyncio.wait_for(ex.fut, kill_grace_s)
                except (TimeoutError, asyncio.CancelledError, SpawnError):
                    _killpg(pid, signal.SIGKILL)
                    if not ex.exited:
                        ex.fut = loop.create_future()
                        with contextlib.suppress(asyncio.CancelledError, SpawnError):
                            await ex.fut
            raise

    def _exited(self, pidfd: int, pid: int, ex: _Exit) -> None:
        self.loop.remove_reader(pidfd)
        self._running.pop(pidfd, None)
        os.close(pidfd)
        ex.settle(_reap(pid))

    async def close(self) -> None:
        """Stop watching (the end of a build: nothing should be running)."""
        if self.closed:
            return
        self.closed = True
        for pidfd, pid in list(self._running.items()):
            self.loop.remove_reader(pidfd)
            os.close(pidfd)
            _killpg(pid, signal.SIGKILL)
            _reap(pid)
        self._running.clear()
        self.spools.close()
        self.libc.posix_spawnattr_destroy(self._attr)


def _reap(pid: int) -> int | SpawnError:
    """Kill what is left of the command's process group, then collect its
    leader's exit status (the leader, a zombie until now, keeps the group id
    from being reused)."""
    _killpg(pid, signal.SIGKILL)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return SpawnError("lost", "its exit status was collected by another child watcher")
    return os.waitstatus_to_exitcode(status)


class _Exit:
    """Where a command's exit status goes: ``fut`` (replaced by a fresh
    future when the waiting task was cancelled and waits again to kill)."""

    __slots__ = ("exited", "fut")

    def __init__(self, fut: asyncio.Future[int]) -> None:
        self.fut = fut
        self.exited = False

    def settle(self, status: int | SpawnError) -> None:
        self.exited = True
        fut = self.fut
        if fut.done():
            return
        if isinstance(status, SpawnError):
            fut.set_exception(status)
        else:
            fut.set_result(status)


def _killpg(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


_SPAWNERS: dict[int, tuple[Any, Spawner]] = {}


def get_spawner() -> Spawner | None:
    """The running loop's spawner (made on first use); None when not available."""
    import asyncio

    loop = asyncio.get_running_loop()
    hit = _SPAWNERS.get(id(loop))
    if hit is not None and hit[0] is loop and not hit[1].closed:
        return hit[1]
    if not available():
        return None
    try:
        sp = Spawner(loop)
    except OSError:
        return None
    _SPAWNERS[id(loop)] = (loop, sp)
    return sp


async def close_spawner() -> None:
    """Stop the running loop's spawner, if any (at the end of a build)."""
    import asyncio

    loop = asyncio.get_running_loop()
    hit = _SPAWNERS.pop(id(loop), None)
    if hit is not None and hit[0] is loop:
        await hit[1].close()
