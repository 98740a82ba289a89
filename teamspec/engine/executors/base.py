"""The executor protocol: how one contract's work is done.

An executor is made once per build by its factory
(``factory(config: ExecutorConfig) -> Executor``) and then runs jobs
concurrently: ``await executor.run(job)`` for each contract it is given, at
most ``workers`` at a time. It fits a subprocess (command), a template
renderer (offline) and an asynchronous LLM tool-use loop (claude) alike:

* every file goes through ``job.workspace`` (confined, atomic, recorded);
* ``job.timeout_s`` is enforced by the engine (the task is cancelled), and
  ``job.cancelled`` is set when the build stops (fail-fast, Ctrl-C): an
  executor that holds resources (a child process, a network stream) must
  release them when its coroutine is cancelled (``asyncio.CancelledError``);
* the result is an :class:`ExecOutcome`: ``ok``, ``failed`` (ran and did
  not do its job: non-zero exit, timeout, the model gave up) or ``error``
  (could not run: missing program, missing dependency, refused write), with
  ``transient=True`` when trying again may succeed (the engine retries with
  exponential backoff up to the contract's ``retries``), and optional usage
  (tokens, cost) that the engine adds up against ``budget_usd``.

An executor may set ``validates = False`` (simulate): it produces nothing,
so its contracts' deliverables are not validated and their quality is null.

An executor whose work needs no waiting may also define
``run_now(job) -> ExecOutcome | None``: the engine calls it first and, when
it returns an outcome, the attempt is over without a task, a timer or an
event-loop turn (the simulate executor at time scale 0, the offline
templates); ``None`` means "not at once", and ``run`` is awaited as usual.
``run_now`` must not block and cannot be timed out or cancelled.

``reads`` names the plan-level inputs the executor's output depends on
(``requirement``, ``analysis``, ``design``, ``model``): they enter the
contract's fingerprint (see :mod:`teamspec.engine.fingerprint`), so changing
one of them rebuilds exactly the contracts whose executors read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from teamspec.engine.workspace import ContractWorkspace
from teamspec.model import Contract, Finding, Persona, Plan

if TYPE_CHECKING:
    import asyncio

OutcomeStatus = Literal["ok", "failed", "error"]


@dataclass(frozen=True)
class Usage:
    """Model usage of one contract (summed over its calls)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.cost_usd + other.cost_usd,
            self.calls + other.calls,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "calls": self.calls,
        }


@dataclass(frozen=True)
class ExecOutcome:
    status: OutcomeStatus
    message: str = ""
    transient: bool = False
    usage: Usage | None = None
    #: the executor wrote ``job.log_path``; ``log_tail`` is its last lines
    logged: bool = False
    log_tail: tuple[str, ...] = ()
    #: extra verdicts on the free-text acceptance items (e.g. judged by a model):
    #: acceptance text -> (passed, explanation)
    judgements: Mapping[str, tuple[bool, str]] = field(default_factory=dict)
    #: problems the executor noticed (a refused write, a judge that failed):
    #: added to the contract's findings
    findings: tuple[Finding, ...] = ()
    #: the executor stopped because the budget cannot pay for its next call:
    #: the engine stops the build (nothing new starts, running executors see
    #: ``job.cancelled``), with this outcome's message as the stop reason
    budget_exhausted: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class ExecutorConfig:
    """What a factory knows when it makes an executor for a build."""

    plan: Plan
    out_dir: Path
    time_scale: float = 0.01
    model: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    """One attempt at one contract."""

    plan: Plan
    contract: Contract
    persona: Persona | None
    attempt: int  # 1-based
    workspace: ContractWorkspace
    log_file: str  # the contract's log, .teamspec/logs/<id>.log (absolute)
    timeout_s: float | None
    cancelled: asyncio.Event
    budget_left_usd: float | None = None
    #: True for a path of the output tree that belongs to another contract
    #: (claimed in this build, recorded for another contract, or matching the
    #: artifacts of a contract running at the same time): used by executors
    #: that find their files by snapshot (command)
    foreign: Callable[[str], bool] | None = None
    #: the files of every contract this one depends on, directly or not
    #: (contract id -> paths of its manifest): the upstream artifacts an
    #: executor may read (claude)
    upstream_files: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def out_dir(self) -> Path:
        return self.workspace.root

    @property
    def log_path(self) -> Path:
        return Path(self.log_file)


def make_job(plan: Plan, contract: Contract, persona: Persona | None, attempt: int,
             workspace: ContractWorkspace, log_file: str, timeout_s: float | None,
             cancelled: asyncio.Event, budget_left_usd: float | None,
             foreign: Callable[[str], bool] | None,
             upstream_files: Mapping[str, tuple[str, ...]]) -> Job:
    """``Job(...)`` without the frozen dataclass's ``object.__setattr__`` per
    field (one job per attempt: it shows in the engine's per-contract
    overhead). The same object, as immutable."""
    job = object.__new__(Job)
    object.__setattr__(job, "__dict__", {  # one dict made at its full size
        "plan": plan, "contract": contract, "persona": persona, "attempt": attempt,
        "workspace": workspace, "log_file": log_file, "timeout_s": timeout_s,
        "cancelled": cancelled, "budget_left_usd": budget_left_usd, "foreign": foreign,
        "upstream_files": upstream_files})
    return job


@runtime_checkable
class Executor(Protocol):
    name: str
    reads: frozenset[str]

    async def run(self, job: Job) -> ExecOutcome: ...

    def fingerprint_extra(self, contract: Contract) -> str:
        """Executor-specific inputs of a contract's fingerprint (e.g. the
        command line); "" when none."""
        ...

    async def aclose(self) -> None:
        """Release what the executor holds (clients, pools) at build end."""
        ...


ExecutorFactory = Callable[[ExecutorConfig], Executor]
