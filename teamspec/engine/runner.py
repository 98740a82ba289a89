"""``teamspec build``: run a plan's contracts and report.

Stages::

    select   → per contract: up to date, run (and why), or refuse (hand edit)
               (teamspec.engine.decide)
    prepare  → interfaces and mocks of every contract (before any persona),
               quality-gate findings (teamspec.engine.prepare)
    execute  → the shared list scheduler (teamspec.schedule.ListScheduler):
               ready contracts by priority, at most `workers` at once, a
               contract starts the moment its depends_on are done (uses never
               wait); retries with backoff for transient failures; timeouts;
               early cutoff at dispatch time
    validate → deliverables and machine checks of each contract that ran
    finish   → state (after each contract), report.json and report.md

A failing contract is a result, never an exception escaping :func:`build`.

Cost per contract (``benchmarks/bench_overhead.py``): a contract whose
executor finishes it at once (``run_now``: simulate at time scale 0, the
offline templates) is completed inside the dispatch loop, with no task, no
timer and no event-loop turn; the loop still gets a turn every
``INLINE_SLICE_S`` (signals, progress ticks). Other contracts run as one
task each, under ``asyncio.timeout`` only when a timeout applies. The
objects that exist when a build starts are kept out of the garbage
collector's passes while it runs (:func:`_gc_frozen`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.engine.decide import Decider, Decision, dry_run_items, select_ids
from teamspec.engine.events import BuildEvent, EventCallback
from teamspec.engine.executors.base import (
    ExecOutcome,
    Executor,
    ExecutorConfig,
    Job,
    Usage,
    make_job,
)
from teamspec.engine.fingerprint import Fingerprinter, outputs_hash
from teamspec.engine.results import (
    BuildResult,
    ContractResult,
    DryRunItem,
    Status,
    _iso,
    _new_result,
)
from teamspec.engine.scores import quality_score
from teamspec.engine.state import (
    Record,
    StateStore,
    dumps_state,
    record_outputs,
    sweep_temp_files,
)
from teamspec.engine.workspace import ContractWorkspace, OutputTree
from teamspec.errors import TeamspecError, UsageError
from teamspec.layout import LOG_DIR, STATE_DIR
from teamspec.model import Contract, Finding, Persona, Plan, Spec

if TYPE_CHECKING:
    import asyncio

MAX_BACKOFF_S = 30.0
TICK_S = 0.5
#: contracts completed inline (``run_now``) for this long at most before the
#: event loop gets a turn (signals, progress ticks, finished tasks)
INLINE_SLICE_S = 0.02
_UNSET: Any = object()
_NO_QUALITY = '{"quality":null}'


def _version() -> str:
    from teamspec import __version__

    return __version__


def _now() -> str:
    return _iso(time.time())


# ------------------------------------------------------------------- build


def build(
    spec: Spec | str | Path | Plan,
    *,
    out: Path | str | None = None,
    workers: int | None = None,
    executor: str | None = None,
    time_scale: float = 0.01,
    force: bool = False,
    only: Sequence[str] = (),
    dry_run: bool = False,
    fail_fast: bool = False,
    on_event: EventCallback | None = None,
    record: Path | None = None,
    replay: Path | None = None,
    backoff_s: float = 0.5,
) -> BuildResult:
    """Build a spec (a path, a loaded :class:`Spec`, or a :class:`Plan`).

    The library entry point (``teamspec.build``). Returns a
    :class:`BuildResult`; raises :class:`~teamspec.errors.TeamspecError`
    subclasses only for invalid input (a spec that does not load, an unknown
    ``--only`` id or executor, bad option values). ``record``/``replay`` are
    passed to executors that support them (Claude) in their config options.
    ``backoff_s`` is the first retry delay (doubled each retry, at most 30 s).
    """
    if workers is not None and workers < 1:
        raise UsageError(f"workers must be at least 1, found {workers}")
    if not time_scale >= 0:
        raise UsageError(f"time scale must be a number >= 0, found {time_scale}")
    plan = resolve_plan(spec, workers)
    options: dict[str, Any] = {}
    if record is not None:
        options["record"] = Path(record)
    if replay is not None:
        options["replay"] = Path(replay)
    engine = Engine(
        plan,
        out=Path(out) if out is not None else plan.spec.output_dir(),
        workers=workers or plan.workers or 1,
        executor=executor,
        time_scale=time_scale,
        force=force,
        only=tuple(only),
        dry_run=dry_run,
        fail_fast=fail_fast,
        on_event=on_event,
        backoff_s=backoff_s,
        options=options,
    )
    with _gc_frozen():
        return _run_engine(engine)


@contextlib.contextmanager
def _gc_frozen() -> Iterator[None]:
    """Keep the objects that exist when a build starts (the plan, the
    program's own) out of the garbage collector's passes while it runs
    (:func:`gc.freeze`), so the collections its own allocations trigger do
    not traverse them again and again; undone at the end. Left alone when
    the program froze objects itself or disabled the collector."""
    import gc

    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run_engine(engine: Engine) -> BuildResult:
    early = engine.select()
    if early is not None:
        return early
    if not engine.will_run:
        return engine.run_up_to_date()
    from teamspec.syncrun import run_sync

    return run_sync(engine.run, thread_name="teamspec-build")


def resolve_plan(spec: Spec | str | Path | Plan, workers: int | None) -> Plan:
    if isinstance(spec, Plan):
        return spec
    if isinstance(spec, Spec):
        from teamspec.planning import make_plan

        return make_plan(spec, workers=workers)
    from teamspec.engine.plancache import load_plan

    return load_plan(spec, workers)[0]


# ------------------------------------------------------------------ engine


class Engine:
    """One build of one plan (see the module docstring)."""

    def __init__(
        self,
        plan: Plan,
        *,
        out: Path,
        workers: int,
        executor: str | None = None,
        time_scale: float = 0.01,
        force: bool = False,
        only: tuple[str, ...] = (),
        dry_run: bool = False,
        fail_fast: bool = False,
        on_event: EventCallback | None = None,
        backoff_s: float = 0.5,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self.plan = plan
        self.out = out
        self.workers = workers
        self.executor_override = executor
        self.time_scale = time_scale
        self.force = force
        self.only = only
        self.dry_run = dry_run
        self.fail_fast = fail_fast
        self.emit = on_event
        self.backoff_s = backoff_s
        self.options = dict(options or {})
        self.contracts: dict[str, Contract] = {c.id: c for c in plan.contracts}
        self.order = [c.id for c in plan.contracts]
        self.tree = OutputTree(out)
        self.log_dir = str(self.tree.root / LOG_DIR)
        self.store = StateStore(self.tree.root / STATE_DIR, dry_run=dry_run)
        self.fp = Fingerprinter(plan, _version())
        self.results: dict[str, ContractResult] = {}
        self.out_hash: dict[str, str] = {}
        self.exec_names: dict[str, str] = {}
        self.executors: dict[str, Executor] = {}
        self.gate: dict[str, list[Finding]] = {}
        self.warnings: list[str] = []
        self.interrupted = False
        self.budget_exceeded = False
        self.stop_reason = ""
        self.cost = plan.planning_cost_usd  # planning calls count toward budget_usd
        self.t0 = time.monotonic()
        self.wall0 = time.time()
        self.t_exec = self.t0
        self.cancel_event: Any = None  # an asyncio.Event, made in run()
        self.started_at = ""
        self.selection: list[str] = []
        self.decisions: dict[str, Decision] = {}
        self.decide: Decider | None = None  # made by select(), from the loaded state
        self.will_run: set[str] = set()
        self.t_end: float | None = None
        self._tasks: dict[asyncio.Task[ContractResult], str] = {}
        self._sched: Any = None
        self.owners: dict[str, str] = {}
        self.running_patterns: dict[str, tuple[str, ...]] = {}
        self.personas: dict[str, Persona] = {}
        for p in plan.team:
            self.personas.setdefault(p.id, p)
        self._run_now: dict[str, Any] = {}
        minutes = plan.spec.constraints.timeout_minutes
        self.default_timeout = minutes * 60.0 if minutes and minutes > 0 else None
        #: names of the executors that produce nothing to validate (``validates = False``)
        self.not_validating: set[str] = set()
        #: names of the executors that never write a log (``writes_logs = False``)
        self.no_logs: set[str] = set()
        #: contracts that ran without their executor saying it wrote their log
        self._log_unknown: list[str] = []

    # -- helpers -----------------------------------------------------------
    def _event(self, kind: Any, **kw: Any) -> None:
        if self.emit is not None:
            try:
                self.emit(BuildEvent(kind, time.monotonic() - self.t0, **kw))
            except Exception as exc:  # a broken view must not break the build
                self.warnings.append(f"progress view failed: {exc}")
                self.emit = None

    def _executor_name(self, c: Contract) -> str:
        return c.executor or self.executor_override or self.plan.spec.executor or "offline"

    def _executor(self, name: str) -> Executor:
        exe = self.executors.get(name)
        if exe is None:
            from teamspec.engine.executors.registry import get_factory

            factory = get_factory(name)
            exe = factory(ExecutorConfig(self.plan, self.tree.root, self.time_scale,
                                         self.plan.spec.model, self.options))
            self.executors[name] = exe
            if not getattr(exe, "validates", True):
                self.not_validating.add(name)
            if not getattr(exe, "writes_logs", True):
                self.no_logs.add(name)
        return exe

    def _upstream(self, c: Contract) -> dict[str, str] | None:
        up: dict[str, str] = {}
        for d in c.depends_on:
            h = self.out_hash.get(d)
            if h is None:
                return None
            up[d] = h
        return up

    # -- run ---------------------------------------------------------------
    def select(self) -> BuildResult | None:
        """Load the state and decide per contract; the result of a dry run."""
        self.wall0 = time.time()
        self.t0 = time.monotonic()
        self.started_at = _iso(self.wall0)
        state = self.store.load()
        self.warnings.extend(state.warnings)
        selection = select_ids(self.order, self.contracts, self.only, str(self.plan.spec.path))
        for cid in selection:
            name = self._executor_name(self.contracts[cid])
            self.exec_names[cid] = name
            self._executor(name)
        for cid, rec in state.records.items():
            for path in record_outputs(rec):
                self.owners[path] = cid
        self.decide = Decider(state, self.tree.root, self.fp, self.contracts, self.executors,
                              self.exec_names, self.plan.spec.model, self.force)
        decisions: dict[str, Decision] = {}
        will_run: set[str] = set()
        for cid in selection:
            d = self.decide.first(cid, self._upstream(self.contracts[cid]))
            decisions[cid] = d
            if d.action == "skip":
                self.out_hash[cid] = str(self.store.state.records[cid].get("output_hash", ""))
            else:
                will_run.add(cid)
        self.selection, self.decisions, self.will_run = selection, decisions, will_run
        if self.dry_run:
            items = dry_run_items(selection, decisions, self.contracts)
            return BuildResult(self.tree.root, {"dry_run": [i.to_dict() for i in items]},
                               dry_run=True, would_run=items, warnings=tuple(self.warnings))
        return None

    def _lock(self) -> None:
        if self.store.acquire():
            for rel in sweep_temp_files(self.tree.root):
                self.warnings.append(f"removed {rel}, left by a build that was killed")

    def run_up_to_date(self) -> BuildResult:
        """The build when :meth:`select` found nothing to run: no event loop."""
        self._lock()
        try:
            self._event("build_started", total=len(self.selection), workers=self.workers,
                        message=str(self.tree.root))
            self._prepare(self.selection, self.decisions)
            self.t_exec = time.monotonic()
            for cid in self.selection:
                res = self._up_to_date(cid)
                self.results[cid] = res
                self._event("contract_finished", contract=cid, status=res.status,
                            reason=res.reason)
            self.t_end = time.monotonic()
            self.store.close()
            return self._finish(self.selection)
        finally:
            self.store.release()

    async def run(self) -> BuildResult:
        """The whole build (after :meth:`select`, or calling it)."""
        import asyncio

        if not self.decisions and self.contracts:
            early = self.select()
            if early is not None:
                return early
        self.cancel_event = asyncio.Event()
        self._lock()
        try:
            return await self._run_locked(self.selection, self.decisions, self.will_run)
        finally:
            self.store.release()

    async def _run_locked(self, selection: list[str], decisions: dict[str, Decision],
                          will_run: set[str]) -> BuildResult:
        import asyncio

        done = {cid for cid, d in decisions.items() if d.action == "skip"}
        self._event("build_started", total=len(selection), workers=self.workers,
                    message=str(self.tree.root))
        self._prepare(selection, decisions)
        loop = asyncio.get_running_loop()
        installed = self._install_signals(loop)
        try:
            for cid in selection:
                if cid in done:
                    self.results[cid] = self._up_to_date(cid)
            await self._execute(selection, decisions, done)
        finally:
            self._remove_signals(loop, installed)
            if "teamspec.engine.executors.spawner" in sys.modules:
                from teamspec.engine.executors.spawner import close_spawner

                await close_spawner()
            for exe in self.executors.values():
                try:
                    await exe.aclose()
                except Exception as exc:  # executor cleanup must not hide results
                    self.warnings.append(f"executor {exe.name} cleanup failed: {exc}")
            self.store.close()
        return self._finish(selection)

    # -- prepare -----------------------------------------------------------
    def _prepare(self, selection: list[str], decisions: Mapping[str, Decision]) -> None:
        """Interfaces, mocks and quality-gate findings (:mod:`teamspec.engine.prepare`)."""
        from teamspec.engine.prepare import prepare_contracts

        will_run = {cid for cid in selection if decisions[cid].action != "skip"}
        self.gate = prepare_contracts(self.plan, self.store, self.tree, self.fp, will_run,
                                      force=self.force, warnings=self.warnings)

    # -- execute -----------------------------------------------------------
    async def _execute(self, selection: list[str], decisions: dict[str, Decision],
                       done: set[str]) -> None:
        import asyncio

        from teamspec.schedule import ListScheduler

        contracts = self.contracts
        if len(selection) == len(contracts):  # everything (no --only): no filtering
            deps: dict[str, Sequence[str]] = {cid: contracts[cid].depends_on for cid in selection}
        else:
            sel = set(selection)
            deps = {cid: [d for d in contracts[cid].depends_on if d in sel] for cid in selection}
        sched = ListScheduler(deps, self.plan.priorities, self.workers, order=selection, done=done)
        queue: asyncio.Queue[asyncio.Task[ContractResult]] = asyncio.Queue()
        tasks: dict[asyncio.Task[ContractResult], str] = {}
        self._tasks = tasks
        self._sched = sched
        self.t_exec = time.monotonic()
        ticker = asyncio.create_task(self._tick()) if self.emit is not None else None
        try:
            flush = self.store.flush
            while True:
                busy = False
                if not self.cancel_event.is_set():
                    busy = self._dispatch(sched, decisions, tasks, queue)
                flush()  # the records of this step, before waiting (group commit)
                if busy:
                    # inline work took a whole slice: let signals, ticks and
                    # finished tasks in before dispatching more
                    await asyncio.sleep(0)
                    while not queue.empty():
                        self._collect(sched, tasks, queue.get_nowait())
                    continue
                if not tasks:
                    break
                self._collect(sched, tasks, await queue.get())
        finally:
            if ticker is not None:
                ticker.cancel()
        for cid in sched.cancel_pending():
            if cid not in self.results:
                self.results[cid] = self._blocked(cid, "not started: " + (self.stop_reason or "build stopped"))
        for cid in selection:
            if cid not in self.results:
                self.results[cid] = self._blocked(cid, "not started: " + (self.stop_reason or "build stopped"))
        self.t_end = time.monotonic()

    def _collect(self, sched: Any, tasks: dict[asyncio.Task[ContractResult], str],
                 task: asyncio.Task[ContractResult]) -> None:
        cid = tasks.pop(task)
        if task.cancelled():
            res = self._stopped(cid, "cancelled: " + (self.stop_reason or "build stopped"))
        else:
            res = task.result()
        self._record(sched, res)

    def _dispatch(self, sched: Any, decisions: dict[str, Decision],
                  tasks: dict[asyncio.Task[ContractResult], str],
                  queue: asyncio.Queue[asyncio.Task[ContractResult]]) -> bool:
        """Start every ready contract (the list scheduler decides which).

        A contract whose executor can do the job at once (``run_now``) is
        completed right here, without a task; its dependents may then be
        ready in the same call. Returns True when inline work went on for
        ``INLINE_SLICE_S``: the caller yields to the event loop, then calls
        again (the rest of the batch taken meanwhile is started as tasks)."""
        import asyncio

        deadline = time.monotonic() + INLINE_SLICE_S
        late = False
        while True:
            taken = sched.take()
            if not taken:
                return False
            for cid in taken:
                d = decisions[cid]
                if d.action == "defer" or d.refine:
                    up = self._upstream(self.contracts[cid])
                    assert self.decide is not None  # select() ran: there are decisions
                    d = self.decide.by_fingerprint(cid, up or {})
                    decisions[cid] = d
                if d.action == "skip":
                    self.out_hash[cid] = str(self.store.state.records[cid].get("output_hash", ""))
                    self._record(sched, self._up_to_date(cid))
                    continue
                if d.action == "refuse":
                    self._record(sched, self._refused(cid, d.reason))
                    continue
                if self.cancel_event.is_set():  # stopped while dispatching (--fail-fast)
                    self._record(sched, self._blocked(
                        cid, "not started: " + (self.stop_reason or "build stopped")))
                    continue
                run = _Run(self, cid, d.reason)
                done = None if late else self._run_inline(run)
                if done is not None:
                    self._record(sched, done)
                    late = time.monotonic() > deadline
                    continue
                task = asyncio.create_task(self._run_contract(run, run.first))
                tasks[task] = cid
                task.add_done_callback(queue.put_nowait)
            if late:
                return True

    def _record(self, sched: Any, res: ContractResult) -> None:
        cid = res.id
        self.results[cid] = res
        ok = res.ok
        blocked = sched.complete(cid, ok)
        if self.emit is not None:
            self._event("contract_finished", contract=cid, status=res.status, reason=res.reason,
                        duration_s=res.duration_s, attempt=res.attempts)
        for b in blocked:
            why = f"depends on {cid}, which {'failed' if res.status == 'failed' else 'could not run' if res.status == 'error' else 'was blocked'}"
            r = self._blocked(b, why)
            self.results[b] = r
            self._event("contract_finished", contract=b, status="blocked", reason=why)
        if res.usage is not None:
            self.cost += res.usage.cost_usd
            budget = self.plan.spec.constraints.budget_usd
            if budget is not None and self.cost >= budget and not self.budget_exceeded:
                self.budget_exceeded = True
                self._stop(f"budget_usd {budget:g} exhausted (spent {self.cost:.2f})", cancel=False)
        if self.fail_fast and res.status in ("failed", "error") and not self.cancel_event.is_set():
            self._stop(f"--fail-fast after {cid} {res.status}", cancel=True)

    def _stop(self, reason: str, *, cancel: bool) -> None:
        self.stop_reason = self.stop_reason or reason
        self.cancel_event.set()
        pending = self._sched.cancel_pending() if self._sched is not None else []
        for cid in pending:
            if cid not in self.results:
                r = self._blocked(cid, f"not started: {self.stop_reason}")
                self.results[cid] = r
                self._event("contract_finished", contract=cid, status="blocked", reason=r.reason)
        if cancel:
            for task in list(self._tasks):
                task.cancel()

    async def _tick(self) -> None:
        import asyncio

        while True:
            await asyncio.sleep(TICK_S)
            self._event("tick")

    # -- signals -------------------------------------------------------------
    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> list[int]:
        if threading.current_thread() is not threading.main_thread():
            return []
        installed: list[int] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._on_signal, sig)
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                continue
        return installed

    def _remove_signals(self, loop: asyncio.AbstractEventLoop, installed: list[int]) -> None:
        for sig in installed:
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                continue

    def _on_signal(self, sig: int) -> None:
        if self.interrupted:
            return
        self.interrupted = True
        name = "Ctrl-C" if sig == signal.SIGINT else signal.Signals(sig).name
        self._stop(f"interrupted ({name})", cancel=True)

    # -- one contract ----------------------------------------------------------
    def _run_inline(self, run: _Run) -> ContractResult | None:
        """The whole contract, synchronously, when its executor can do the job
        at once (``run_now``) and nothing asynchronous follows (validation, a
        retry); otherwise None (``run.first`` holds the outcome of a first
        attempt made here, if any) and the caller starts a task."""
        now = self._run_now.get(run.exe.name, _UNSET)
        if now is _UNSET:
            now = self._run_now[run.exe.name] = getattr(run.exe, "run_now", None)
        if now is None:
            return None
        run.attempt = 1
        try:
            outcome = now(self._job(run))
        except Exception as exc:  # an executor bug is a result, not a crash
            outcome = self._crash_outcome(run, exc)
        if outcome is None:  # not at once: run() does it
            run.attempt = 0
            return None
        if self.emit is not None:
            self._event("contract_started", contract=run.cid, attempt=1, message=run.exe.name,
                        reason=run.why)
        run.first = outcome
        if outcome.status == "ok" and outcome.usage is None and not outcome.budget_exhausted:
            run.final = True  # what _settle decides for a plain success
            if run.validates and run.c.deliverables:
                return None  # validation is asynchronous: a task does it
        elif not self._settle(run, outcome) or self._needs_validation(run, outcome):
            return None
        gate = self.gate.get(run.cid)
        findings = [*gate, *outcome.findings] if gate else list(outcome.findings)
        return self._conclude(run, outcome, None, findings)

    async def _run_contract(self, run: _Run, first: ExecOutcome | None) -> ContractResult:
        """The contract's attempts (after ``first``, an attempt already made
        by ``run_now``), its validation, and its record."""
        import asyncio

        outcome = first
        cid = run.cid
        if outcome is None or not run.final:
            self.running_patterns[cid] = run.patterns
            try:
                while True:
                    if outcome is not None:  # a transient failure: back off, try again
                        delay = min(MAX_BACKOFF_S, self.backoff_s * (2 ** (run.attempt - 1)))
                        self._event("contract_retry", contract=cid, attempt=run.attempt,
                                    delay_s=delay, message=outcome.message)
                        await asyncio.sleep(delay)
                    run.attempt += 1
                    if self.emit is not None:
                        self._event("contract_started", contract=cid, attempt=run.attempt,
                                    message=run.exe.name, reason=run.why)
                    outcome = await self._attempt(run)
                    if self._settle(run, outcome):
                        break
            finally:
                self.running_patterns.pop(cid, None)
        findings: list[Finding] = [*self.gate.get(cid, ()), *outcome.findings]
        validation: Any = None
        if self._needs_validation(run, outcome):
            from teamspec.engine.validate import CheckContext, validate_contract

            files = {p: r.size for p, r in run.ws.files.items()}
            ctx = CheckContext(run.c, self.tree.root, self.plan.spec.base_dir,
                               run.timeout or 1800.0, Path(run.log_file), outcome.judgements)
            validation = await validate_contract(ctx, files, findings)
            findings = list(validation.findings)
        return self._conclude(run, outcome, validation, findings)

    def _job(self, run: _Run) -> Job:
        budget = self.plan.spec.constraints.budget_usd
        return make_job(self.plan, run.c, run.persona, run.attempt, run.ws, run.log_file,
                        run.timeout, self.cancel_event,
                        None if budget is None else budget - self.cost,
                        partial(self._is_foreign, run.cid, run.patterns),
                        _UpstreamFiles(self, run.c))

    async def _attempt(self, run: _Run) -> ExecOutcome:
        """One attempt through the executor's ``run``, under the timeout."""
        import asyncio

        job = self._job(run)
        try:
            if run.timeout is None:
                return await run.exe.run(job)
            async with asyncio.timeout(run.timeout):
                return await run.exe.run(job)
        except TimeoutError as exc:
            if run.timeout is None:
                return self._crash_outcome(run, exc)
            return ExecOutcome("failed", f"timed out after {_duration(run.timeout)}")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an executor bug is a result, not a crash
            return self._crash_outcome(run, exc)

    @staticmethod
    def _crash_outcome(run: _Run, exc: Exception) -> ExecOutcome:
        if isinstance(exc, TeamspecError):  # WorkspaceError included
            return ExecOutcome("error", exc.message)
        return ExecOutcome("error", f"executor {run.exe.name} crashed: {type(exc).__name__}: {exc}")

    def _settle(self, run: _Run, outcome: ExecOutcome) -> bool:
        """Account for one attempt's outcome; True when it is the last."""
        if outcome.usage is not None:
            run.usage = outcome.usage if run.usage is None else run.usage + outcome.usage
        if outcome.budget_exhausted and not self.budget_exceeded:
            self.budget_exceeded = True
            self._stop(outcome.message, cancel=False)
        run.final = outcome.ok or not outcome.transient or run.attempt > run.retries
        return run.final

    @staticmethod
    def _needs_validation(run: _Run, outcome: ExecOutcome) -> bool:
        return bool(outcome.ok and run.c.deliverables and run.validates)

    def _conclude(self, run: _Run, outcome: ExecOutcome, validation: Any,
                  findings: list[Finding]) -> ContractResult:
        """The contract's result, and its record persisted (state journal)."""
        cid, c = run.cid, run.c
        ok = outcome.ok
        status: Status = "succeeded" if ok else ("failed" if outcome.status == "failed" else "error")
        reason = run.why if ok else outcome.message
        if not ok and run.attempt > 1:
            reason += f" (after {run.attempt} attempts)"
        fulfillment: float | None = None
        checks: float | None = None
        delivs: tuple[Mapping[str, Any], ...] = ()
        if validation is not None:
            fulfillment, checks = validation.fulfillment, validation.checks_score
            delivs = tuple(d.to_dict() for d in validation.deliverables)
        quality: float | None
        if not run.validates and status == "succeeded":
            quality = None  # nothing was produced, nothing is judged
        else:
            quality = quality_score(status, fulfillment, checks, findings)
        ws_files = run.ws.files
        manifest = {p: r.sha256 for p, r in ws_files.items()} if ws_files else {}
        ohash = outputs_hash(manifest)
        if status == "succeeded":
            self.out_hash[cid] = ohash
        exe = run.exe
        inputs, inputs_text = self.fp.inputs_with_text(c, exe.name, exe.reads,
                                                       self.plan.spec.model,
                                                       exe.fingerprint_extra(c))
        t_end = time.monotonic()
        t_start = run.t_start
        if not outcome.logged and exe.name not in self.no_logs:
            self._log_unknown.append(cid)  # the log, if any, is looked up in _finish
        wall_start = self.wall0 + (t_start - self.t0)
        result = _new_result(
            id=cid, provider=c.provider, status=status, reason=reason, executor=run.exe.name,
            started_ts=wall_start, finished_ts=wall_start + (t_end - t_start),
            start_s=t_start - self.t_exec,
            duration_s=t_end - t_start, attempts=run.attempt,
            files=tuple(sorted(manifest)) if manifest else (),
            fulfillment=fulfillment, checks=checks, quality=quality, findings=tuple(findings),
            deliverables=delivs, usage=run.usage, effort_hours=c.effort_hours,
            log=f"{LOG_DIR}/{cid}.log" if outcome.logged else None,
            log_tail=outcome.log_tail,
        )
        res: dict[str, Any] = {"quality": quality}
        if fulfillment is not None:
            res["fulfillment"] = fulfillment
        if checks is not None:
            res["checks"] = checks
        if findings:
            res["findings"] = [f.to_dict() for f in findings]
        if delivs:
            res["deliverables"] = list(delivs)
        rec: Record = {"status": status, "inputs": inputs, "output_hash": ohash, "result": res}
        # the record's JSON: the inputs' text is made from parts encoded once
        text = (f'{{"status":"{status}","inputs":{inputs_text},"output_hash":"{ohash}",'
                f'"result":{_NO_QUALITY if quality is None and len(res) == 1 else dumps_state(res)}')
        deps = c.depends_on
        if deps:
            out_hash = self.out_hash
            upstream = {d: out_hash.get(d, "") for d in deps}
            rec["upstream"] = upstream
            text += f',"upstream":{dumps_state(upstream)}'
        if ws_files:
            outputs = rec["outputs"] = {p: r.to_state() for p, r in ws_files.items()}
            text += f',"outputs":{dumps_state(outputs)}'
            for p in manifest:
                self.owners[p] = cid
        self.store.commit(cid, rec, text + "}")
        return result

    def _upstream_files(self, c: Contract) -> dict[str, tuple[str, ...]]:
        """Manifest paths of every contract ``c`` depends on, directly or not."""
        out: dict[str, tuple[str, ...]] = {}
        stack = list(c.depends_on)
        while stack:
            d = stack.pop()
            if d in out:
                continue
            r = self.results.get(d)
            out[d] = r.files if r is not None else ()
            if d in self.contracts:
                stack.extend(self.contracts[d].depends_on)
        return out

    def _is_foreign(self, cid: str, own: tuple[str, ...], path: str) -> bool:
        """Does ``path`` (found by a snapshot diff) belong to another contract?"""
        from teamspec.engine.validate import glob_regex

        claim = self.tree.claims.get(path)
        if claim is not None and claim != cid:
            return True
        if any(glob_regex(p).match(path) for p in own):
            return False
        owner = self.owners.get(path)
        if owner is not None and owner != cid:
            return True
        others = [o for o in self.running_patterns
                  if o != cid and self.exec_names.get(o) == "command"]
        for other in others:
            if any(glob_regex(p).match(path) for p in self.running_patterns[other]):
                return True
        if others:
            self.warnings.append(
                f"{path} appeared while command contracts {', '.join(sorted([cid, *others]))} "
                f"ran at the same time; it was attributed to {cid}, the first to finish; "
                "declare it in a deliverable's artifacts to make the attribution exact")
        return False

    # -- result builders -------------------------------------------------------
    def _base(self, cid: str) -> dict[str, Any]:
        c = self.contracts[cid]
        return {"id": cid, "provider": c.provider, "executor": self.exec_names.get(cid, ""),
                "effort_hours": c.effort_hours}

    def _up_to_date(self, cid: str) -> ContractResult:
        rec = self.store.state.records[cid]
        r = rec.get("result", {})
        findings = tuple(Finding(**f) for f in r.get("findings", ()) if isinstance(f, dict))
        return _new_result(
            **self._base(cid), status="up_to_date", reason="up to date",
            files=tuple(sorted(record_outputs(rec))), fulfillment=r.get("fulfillment"),
            checks=r.get("checks"), quality=_opt_float(r.get("quality")), findings=findings,
            deliverables=tuple(r.get("deliverables", ())),
        )

    def _blocked(self, cid: str, reason: str) -> ContractResult:
        return ContractResult(**self._base(cid), status="blocked", reason=reason)

    def _refused(self, cid: str, reason: str) -> ContractResult:
        return ContractResult(**self._base(cid), status="error", reason=reason)

    def _stopped(self, cid: str, reason: str) -> ContractResult:
        return ContractResult(**self._base(cid), status="error", reason=reason, attempts=1)

    # -- finish ----------------------------------------------------------------
    def _attach_logs(self) -> None:
        """``log`` of the results whose executor did not say it wrote one: the
        log is named if ``.teamspec/logs/<id>.log`` exists (one directory
        listing instead of a ``stat`` per contract)."""
        try:
            names = set(os.listdir(self.log_dir))
        except OSError:
            names = set()
        for cid in self._log_unknown:
            r = self.results.get(cid)
            if r is not None and r.log is None and f"{cid}.log" in names:
                self.results[cid] = dataclasses.replace(r, log=f"{LOG_DIR}/{cid}.log")
        self._log_unknown.clear()

    def _finish(self, selection: list[str]) -> BuildResult:
        from teamspec.engine.report import report_head, with_rows, write_report_of

        if self._log_unknown:
            self._attach_logs()
        results = {cid: self.results[cid] for cid in selection}
        head = report_head(
            self.plan, results, started_at=self.started_at, finished_at=_now(),
            wall_s=(self.t_end if self.t_end is not None else time.monotonic()) - self.t_exec,
            workers=self.workers,
            executor=self.executor_override or self.plan.spec.executor,
            interrupted=self.interrupted, stop_reason=self.stop_reason,
            budget_exceeded=self.budget_exceeded, warnings=self.warnings, only=self.only,
            out_dir=self.tree.root,
        )
        write_report_of(self.tree.root, head, results)
        passed = bool(head["quality"]["passed"])
        result = BuildResult(self.tree.root, partial(with_rows, head, results), results,
                             interrupted=self.interrupted,
                             budget_exceeded=self.budget_exceeded, quality_passed=passed,
                             warnings=tuple(self.warnings), report_head=head)
        if self.emit is not None:
            self._event("build_finished",
                        status="interrupted" if self.interrupted else ("ok" if result.exit_code == 0 else "failed"),
                        duration_s=time.monotonic() - self.t0, counts=result.counts(),
                        total=len(selection))
        return result


class _Run:
    """One contract being built: what its attempts share."""

    __slots__ = ("attempt", "c", "cid", "exe", "final", "first", "log_file", "patterns", "persona",
                 "retries", "t_start", "timeout", "usage", "validates", "why", "ws")

    def __init__(self, engine: Engine, cid: str, why: str) -> None:
        c = engine.contracts[cid]
        name = engine.exec_names[cid]
        exe = engine.executors[name]
        cons = engine.plan.spec.constraints
        self.cid, self.c, self.exe, self.why = cid, c, exe, why
        self.retries = c.retries if c.retries is not None else cons.retries
        if c.timeout_minutes is None:
            self.timeout: float | None = engine.default_timeout
        else:
            self.timeout = c.timeout_minutes * 60.0 if c.timeout_minutes > 0 else None
        self.persona = engine.personas.get(c.provider)
        self.patterns: tuple[str, ...] = (
            tuple(p for d in c.deliverables for p in d.artifacts) if c.deliverables else ())
        #: False for executors that produce nothing to judge (simulate)
        self.validates = name not in engine.not_validating
        if cid in engine.store.state.records:  # a rebuild: journal that it begins
            engine.store.begin(cid)
        self.ws = ContractWorkspace(engine.tree, cid)
        self.log_file = f"{engine.log_dir}/{cid}.log"
        self.t_start = time.monotonic()
        self.attempt = 0
        self.usage: Usage | None = None
        self.final = False
        #: the outcome of the attempt made by ``run_now``, if any
        self.first: ExecOutcome | None = None


class _UpstreamFiles(Mapping[str, tuple[str, ...]]):
    """``Job.upstream_files``, computed on first use: most executors never
    look, and the closure is as large as the contract's whole ancestry."""

    __slots__ = ("_contract", "_data", "_engine")

    def __init__(self, engine: Engine, contract: Contract) -> None:
        self._engine = engine
        self._contract = contract
        self._data: dict[str, tuple[str, ...]] | None = None

    def _get(self) -> dict[str, tuple[str, ...]]:
        if self._data is None:
            self._data = self._engine._upstream_files(self._contract)
        return self._data

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _opt_float(x: Any) -> float | None:
    return None if x is None else float(x)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:g} s"
    return f"{seconds / 60:g} min"




__all__ = [
    "BuildResult",
    "ContractResult",
    "DryRunItem",
    "Engine",
    "build",
    "resolve_plan",
]
