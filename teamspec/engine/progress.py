"""Progress views of a build, driven by :class:`~teamspec.engine.events.BuildEvent`.

``ProgressView(stream, is_tty=..., color=...)``: pass ``view.handle`` as
``build(on_event=...)``; call ``view.close()`` after the build and print
``view.summary(result)``.

* On a terminal (``is_tty``): finished contracts scroll as permanent lines;
  below them a status block (one line per running contract with its elapsed
  time, then counters) is redrawn in place with ANSI cursor movement.
* Otherwise: one plain line per event (started, retry, finished), nothing
  redrawn, no escape sequences.

Colour is used only when ``color`` is true (the CLI passes false when
``NO_COLOR`` is set or the stream is not a terminal); ``color=None`` decides
from ``is_tty`` and ``NO_COLOR``.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, TextIO

from teamspec.engine.events import BuildEvent

if TYPE_CHECKING:
    from teamspec.engine.results import BuildResult

_COLORS = {
    "succeeded": "\x1b[32m", "up_to_date": "\x1b[2m", "failed": "\x1b[31m",
    "error": "\x1b[31m", "blocked": "\x1b[33m", "retry": "\x1b[33m", "running": "\x1b[36m",
}
_RESET = "\x1b[0m"
_MARK = {"succeeded": "ok", "up_to_date": "up to date", "failed": "FAILED", "error": "ERROR",
         "blocked": "blocked"}


class ProgressView:
    def __init__(self, stream: TextIO, *, is_tty: bool, color: bool | None = None) -> None:
        self.stream = stream
        self.is_tty = is_tty
        if color is None:
            color = is_tty and not os.environ.get("NO_COLOR")
        self.color = bool(color)
        self.total = 0
        self.workers = 0
        self.running: dict[str, tuple[float, int]] = {}
        self.counts: dict[str, int] = {}
        self.finished = 0
        self._drawn = 0
        self._up_to_date_lines = 0

    # -- helpers ---------------------------------------------------------------
    def _c(self, key: str, text: str) -> str:
        if not self.color:
            return text
        return f"{_COLORS.get(key, '')}{text}{_RESET}"

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def _erase(self) -> str:
        if not self._drawn:
            return ""
        out = f"\x1b[{self._drawn}F\x1b[J"
        self._drawn = 0
        return out

    def _block(self) -> str:
        now = time.monotonic()
        lines = []
        for cid, (t, attempt) in sorted(self.running.items(), key=lambda kv: kv[1][0]):
            extra = f", attempt {attempt}" if attempt > 1 else ""
            lines.append(f"  {self._c('running', 'running')} {cid} ({now - t:.1f} s{extra})")
        done = self.finished
        parts = [f"{n} {s.replace('_', ' ')}" for s, n in self.counts.items() if n]
        lines.append(f"[{done}/{self.total}] {len(self.running)} running"
                     + (f"; {', '.join(parts)}" if parts else ""))
        self._drawn = len(lines)
        return "\n".join(lines) + "\n"

    # -- events ----------------------------------------------------------------
    def handle(self, event: BuildEvent) -> None:
        """The ``on_event`` callback."""
        if event.kind == "build_started":
            self.total = event.total
            self.workers = event.workers
            line = f"building {event.total} contract{'s' if event.total != 1 else ''} into {event.message} with {event.workers} worker{'s' if event.workers != 1 else ''}\n"
            self._emit(line)
        elif event.kind == "contract_started":
            cid = event.contract or "?"
            self.running[cid] = (time.monotonic(), event.attempt)
            if not self.is_tty:
                why = f" ({event.reason})" if event.reason and event.attempt == 1 else ""
                att = f" attempt {event.attempt}" if event.attempt > 1 else ""
                self._emit(f"start {cid}{att}{why}\n")
            else:
                self._emit("")
        elif event.kind == "contract_retry":
            msg = (f"retry {event.contract}: attempt {event.attempt} failed ({event.message}); "
                   f"trying again in {event.delay_s:.1f} s\n")
            self._emit(self._c("retry", msg) if self.is_tty else msg)
        elif event.kind == "contract_finished":
            cid = event.contract or "?"
            self.running.pop(cid, None)
            status = event.status or "?"
            self.counts[status] = self.counts.get(status, 0) + 1
            self.finished += 1
            dur = f" in {event.duration_s:.2f} s" if event.duration_s else ""
            reason = f": {event.reason}" if event.reason and status not in ("succeeded", "up_to_date") else ""
            mark = _MARK.get(status, status)
            self._emit(f"{self._c(status, mark)} {cid}{dur}{reason}\n")
        elif event.kind == "tick":
            if self.is_tty and self.running:
                self._emit("")
        elif event.kind == "build_finished":
            if self.is_tty:
                self._write(self._erase())

    def _emit(self, permanent: str) -> None:
        if not self.is_tty:
            if permanent:
                self._write(permanent)
            return
        self._write(self._erase() + permanent + self._block())

    def close(self) -> None:
        """Erase the live block (terminal) before the summary is printed."""
        if self.is_tty:
            self._write(self._erase())

    # -- summary -----------------------------------------------------------------
    def summary(self, result: BuildResult) -> str:
        """The closing lines the CLI prints after a build."""
        if result.dry_run:
            lines = ["dry run: nothing was written"]
            for item in result.would_run:
                verb = {"run": "would run", "skip": "up to date", "refuse": "would refuse",
                        "maybe": "may run", "blocked": "blocked"}[item.action]
                lines.append(f"  {verb:<12} {item.id}: {item.reason}")
            return "\n".join(lines)
        counts = result.counts()
        n = sum(counts.values())
        timing = result.section("timing") or {}
        if n and counts["up_to_date"] == n:
            head = f"everything is up to date ({n} contract{'s' if n != 1 else ''}); no file rewritten"
        else:
            parts = [f"{k} {s.replace('_', ' ')}" for s, k in counts.items() if k]
            head = f"{n} contracts: " + ", ".join(parts)
            if timing.get("wall_s") is not None:
                head += f" in {timing['wall_s']:.2f} s"
            if timing.get("savings") is not None:
                pct = round(100 * timing["savings"]) + 0  # + 0 turns -0 into 0
                head += f" (sequential {timing['sequential_s']:.2f} s, savings {pct}%)"
        lines = [head]
        q = result.section("quality") or {}
        if q and q.get("overall") is not None:
            verdict = "passed" if q.get("passed") else "BELOW THRESHOLD"
            lines.append(f"quality {q['overall']:.2f} (threshold {q['threshold']:.2f}): {verdict}")
        elif q:
            lines.append("quality: not judged (nothing was validated)")
        for r in result.results.values():
            if r.status in ("failed", "error"):
                lines.append(f"{r.status} {r.id}: {r.reason}")
                if r.log:
                    lines.append(f"  log: {result.out_dir / r.log}")
        if result.interrupted:
            lines.append("interrupted: state saved; the next build runs only what did not finish")
        lines.append(f"report: {result.out_dir / '.teamspec' / 'report.md'}")
        return "\n".join(lines)
