"""Spool files for the output of commands (:meth:`Spawner.run_spooled`).

A command's first attempt writes its output (after a header line) to a
spool file of the log directory (``.spool.XXXXXXXX.tmp``, the pattern of
temporary files a killed build leaves and the next one sweeps). The log
``<id>.log`` is kept when it says something:

* a command still running after ``PROMOTE_S`` gets its spool renamed to its
  log at once (it keeps writing to the same file: ``tail -f`` works);
* at the exit, a spool with output, or of a failed command, is renamed to
  the log;
* a spool holding only the header (a command that succeeded in silence) is
  emptied and reused by the next command, and an earlier build's log of that
  contract is removed.

A silent successful command thus costs no file and no directory entry, which
is most of what a build of many quick commands spends in the kernel
otherwise. One timer serves all the running commands' promotions.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

#: a command running longer than this has its output under its log's name
PROMOTE_S = 0.5


class Spool:
    """A file of the log directory one command writes its output to."""

    __slots__ = ("dir", "fd", "header_len", "log", "path", "promoted", "started")

    def __init__(self, fd: int, path: str, log_dir: str) -> None:
        self.fd = fd
        self.path = path
        self.dir = log_dir
        #: the log of the command writing to it, its header's size, when it started
        self.log = ""
        self.header_len = 0
        self.started = 0.0
        #: renamed to the command's log (no longer a spool)
        self.promoted = False


class LogSpools:
    """The spools of one build (one event loop), per log directory."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        #: log directory -> spools free for the next command
        self._free: dict[str, list[Spool]] = {}
        #: spools of running commands, not yet renamed to their logs
        self._active: set[Spool] = set()
        self._promoter: asyncio.TimerHandle | None = None
        #: log directory -> names in it (listed on first use, then kept up to date)
        self._names: dict[str, set[str]] = {}

    def open(self, log: str, header: str) -> Spool:
        """A spool for the command whose log is ``log``, the header written
        (raises :class:`OSError`)."""
        spool = self._take(os.path.dirname(log))
        data = header.encode("utf-8")
        try:
            if data:
                os.write(spool.fd, data)
        except OSError:
            self._drop(spool)
            raise
        spool.log, spool.header_len = log, len(data)
        return spool

    def watch(self, spool: Spool) -> None:
        """The command started: its spool becomes its log after ``PROMOTE_S``."""
        spool.started = self.loop.time()
        self._active.add(spool)
        if self._promoter is None:
            self._promoter = self.loop.call_later(PROMOTE_S, self._promote_due)

    def settle(self, spool: Spool, success: bool) -> bool:
        """The command exited: keep its log, or recycle a spool holding only
        the header of a successful command. True when the log exists."""
        self._active.discard(spool)
        size = os.fstat(spool.fd).st_size
        if success and not spool.promoted and size <= spool.header_len:
            self._recycle(spool, size)
            known = self._known(spool.dir)
            name = os.path.basename(spool.log)
            if name in known:  # an earlier build's log of this contract
                known.discard(name)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(spool.log)
            return False
        self.keep(spool)
        return True

    def keep(self, spool: Spool) -> None:
        """The spool becomes the log, whatever it holds (a command that did
        not start, was cancelled, or said something)."""
        self._active.discard(spool)
        self._promote(spool)
        with contextlib.suppress(OSError):
            os.close(spool.fd)  # if the rename failed, the output stays in the spool file

    def close(self) -> None:
        """The end of the build: the free spools are removed."""
        if self._promoter is not None:
            self._promoter.cancel()
            self._promoter = None
        for spools in self._free.values():
            for spool in spools:
                self._drop(spool)
        self._free.clear()

    # -- internals -----------------------------------------------------------------
    def _take(self, log_dir: str) -> Spool:
        free = self._free.setdefault(log_dir, [])
        if free:
            return free.pop()
        from teamspec.engine.workspace import open_temp

        try:
            fd, path = open_temp(Path(log_dir), "spool")
        except FileNotFoundError:
            os.makedirs(log_dir, exist_ok=True)
            fd, path = open_temp(Path(log_dir), "spool")
        os.set_inheritable(fd, False)
        os.fchmod(fd, 0o644)
        return Spool(fd, path, log_dir)

    def _recycle(self, spool: Spool, size: int) -> None:
        """Back to the pool, emptied (``size``: its size now). The command
        wrote through duplicates of its descriptor, which share the file
        offset: the offset goes back to 0 with the size."""
        try:
            if size:
                os.ftruncate(spool.fd, 0)
                os.lseek(spool.fd, 0, os.SEEK_SET)
        except OSError:
            self._drop(spool)
            return
        self._free.setdefault(spool.dir, []).append(spool)

    def _drop(self, spool: Spool) -> None:
        os.close(spool.fd)
        if not spool.promoted:
            with contextlib.suppress(OSError):
                os.unlink(spool.path)

    def _promote_due(self) -> None:
        self._promoter = None
        due = self.loop.time() - PROMOTE_S
        for spool in list(self._active):
            if spool.started <= due:
                self._active.discard(spool)
                self._promote(spool)
        if self._active:
            first = min(sp.started for sp in self._active)
            self._promoter = self.loop.call_at(first + PROMOTE_S, self._promote_due)

    def _promote(self, spool: Spool) -> None:
        """The spool becomes its log (the command may keep writing to it)."""
        if spool.promoted:
            return
        try:
            os.replace(spool.path, spool.log)
        except OSError:
            return  # kept under the spool's name
        spool.promoted = True
        self._known(spool.dir).add(os.path.basename(spool.log))

    def _known(self, log_dir: str) -> set[str]:
        known = self._names.get(log_dir)
        if known is None:
            try:
                known = set(os.listdir(log_dir))
            except OSError:
                known = set()
            self._names[log_dir] = known
        return known


__all__ = ["PROMOTE_S", "LogSpools", "Spool"]
