"""The one scheduling policy, shared by the plan's simulation and the engine.

A list scheduler: a contract is *ready* once all of its implementation
dependencies (``depends_on``) are done (interface dependencies, ``uses``, never
wait: mocks exist before any persona runs). Ready contracts are taken by
priority (highest first; the plan uses the bottom level — the longest
remaining path in effort hours), ties broken by a stable order; at most
``workers`` run at once. Unlike a level-by-level barrier, nothing waits for a
whole generation to finish.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Mapping


class ListScheduler:
    """Dispatch state of a list schedule.

    Select → run → :meth:`complete` → select again. The caller runs what
    :meth:`take` returns and reports each outcome to :meth:`complete`.
    """

    def __init__(
        self,
        deps: Mapping[str, Collection[str]],
        priority: Mapping[str, float],
        workers: int,
        *,
        order: Iterable[str] | None = None,
        done: Collection[str] = (),
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        ids = list(order) if order is not None else list(deps)
        self._rank = {cid: i for i, cid in enumerate(ids)}
        for cid in deps:
            self._rank.setdefault(cid, len(self._rank))
        self._priority = priority
        #: heap keys (made once per contract): priority first, then the order
        self._keys: dict[str, tuple[float, int, str]] = {}
        self._dependents: dict[str, list[str]] = {cid: [] for cid in deps}
        self._missing: dict[str, int] = {}
        done_set = set(done)
        self._heap: list[tuple[float, int, str]] = []
        self.running: set[str] = set()
        self.blocked: set[str] = set()
        self.finished: set[str] = set(done_set & set(deps))
        dependents, missing = self._dependents, self._missing
        if not done_set:  # a first build: every dependency is pending
            for cid, ds in deps.items():
                for d in ds:
                    got = dependents.get(d)
                    if got is None:
                        dependents[d] = [cid]
                    else:
                        got.append(cid)
                missing[cid] = len(ds)
                if not ds:
                    self._push(cid)
            return
        for cid, ds in deps.items():
            if cid in done_set:
                continue
            pending = [d for d in ds if d not in done_set]
            for d in pending:
                dependents.setdefault(d, []).append(cid)
            missing[cid] = len(pending)
            if not pending:
                self._push(cid)

    def _push(self, cid: str) -> None:
        key = self._keys.get(cid)
        if key is None:
            key = self._keys[cid] = (-float(self._priority.get(cid, 0.0)), self._rank[cid], cid)
        heapq.heappush(self._heap, key)

    @property
    def ready(self) -> list[str]:
        """Ready contracts, best first (not yet taken)."""
        return [cid for _, _, cid in sorted(self._heap)]

    def take(self, slots: int | None = None) -> list[str]:
        """Take ready contracts by priority while fewer than ``workers`` run."""
        free = self.workers - len(self.running)
        if slots is not None:
            free = min(free, slots)
        out: list[str] = []
        while self._heap and free > 0:
            _, _, cid = heapq.heappop(self._heap)
            out.append(cid)
            self.running.add(cid)
            free -= 1
        return out

    def complete(self, cid: str, ok: bool = True) -> list[str]:
        """Record an outcome. On success, release dependents; on failure,
        return every contract that is now blocked (transitively)."""
        self.running.discard(cid)
        missing = self._missing
        missing.pop(cid, None)
        if ok:
            self.finished.add(cid)
            for dep in self._dependents.get(cid, ()):
                left = missing.get(dep)
                if left is None or dep in self.blocked:
                    continue
                if left == 1:
                    missing[dep] = 0
                    self._push(dep)
                else:
                    missing[dep] = left - 1
            return []
        newly: list[str] = []
        stack = list(self._dependents.get(cid, ()))
        while stack:
            dep = stack.pop()
            if dep in self.blocked or dep not in self._missing:
                continue
            self.blocked.add(dep)
            self._missing.pop(dep)
            newly.append(dep)
            stack.extend(self._dependents.get(dep, ()))
        return sorted(newly, key=lambda c: self._rank[c])

    def cancel_pending(self) -> list[str]:
        """Stop dispatching (``--fail-fast``, budget, interrupt): return the
        contracts that will not start."""
        left = [cid for _, _, cid in sorted(self._heap)]
        queued = set(left)
        left += sorted((c for c in self._missing if c not in queued and c not in self.running),
                       key=lambda c: self._rank[c])
        self._heap.clear()
        for cid in left:
            self._missing.pop(cid, None)
        return left

    @property
    def idle(self) -> bool:
        """Nothing running and nothing ready: the build is over."""
        return not self.running and not self._heap


def simulate(
    deps: Mapping[str, Collection[str]],
    durations: Mapping[str, float],
    priority: Mapping[str, float],
    workers: int,
    *,
    order: Iterable[str] | None = None,
) -> dict[str, tuple[float, float, int]]:
    """Simulate :class:`ListScheduler` with known durations.

    Returns ``{id: (start, finish, worker)}``; workers are numbered from 0 and
    a freed worker is reused lowest-number first. Completions at the same
    instant are all processed before new contracts start.
    """
    sched = ListScheduler(deps, priority, workers, order=order)
    free = list(range(workers))
    heapq.heapify(free)
    events: list[tuple[float, int, str, int]] = []
    out: dict[str, tuple[float, float, int]] = {}
    now = 0.0
    seq = 0
    while True:
        for cid in sched.take(len(free)):
            w = heapq.heappop(free)
            end = now + float(durations[cid])
            out[cid] = (now, end, w)
            heapq.heappush(events, (end, seq, cid, w))
            seq += 1
        if not events:
            break
        now = events[0][0]
        while events and events[0][0] == now:
            _, _, cid, w = heapq.heappop(events)
            heapq.heappush(free, w)
            sched.complete(cid, True)
    if len(out) != len(deps):
        raise ValueError(f"never ready (unknown dependency or cycle): {sorted(set(deps) - set(out))}")
    return out


def barrier_makespan(
    groups: Iterable[Iterable[str]], durations: Mapping[str, float], workers: int
) -> float:
    """Makespan of the naive level-by-level schedule: each topological
    generation is list-scheduled (longest first) on ``workers`` and the next
    generation starts only when the whole previous one has finished."""
    total = 0.0
    for group in groups:
        loads = [0.0] * workers
        for cid in sorted(group, key=lambda c: -float(durations[c])):
            i = loads.index(min(loads))
            loads[i] += float(durations[cid])
        total += max(loads) if loads else 0.0
    return total
