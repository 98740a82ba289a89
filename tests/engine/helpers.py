"""Hand-built plans for the engine tests (no spec loading, no design)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from teamspec.model import (
    Analysis,
    BlueprintChoice,
    Constraints,
    Contract,
    Deliverable,
    Design,
    Persona,
    Plan,
    Spec,
)
from teamspec.planning import plan_design


def contract(cid: str, **kw: Any) -> Contract:
    kw.setdefault("name", cid.replace("_", " ").title())
    kw.setdefault("type", "deliverable")
    kw.setdefault("provider", "backend_developer")
    kw.setdefault("origin", "spec")
    return Contract(id=cid, **kw)


def make_plan(
    tmp: Path,
    contracts: Sequence[Contract],
    *,
    workers: int = 4,
    requirement: str = "Build a task manager with a REST API.",
    executor: str = "command",
    constraints: Constraints | None = None,
    name: str = "demo",
) -> Plan:
    spec = Spec(
        path=tmp / "spec.yaml", name=name, requirement=requirement, output="out",
        executor=executor, constraints=constraints or Constraints(max_workers=workers, retries=0),
    )
    analysis = Analysis(type="feature_development", complexity="moderate",
                        parallelizability="partially_parallel", effort_hours=10.0)
    providers = sorted({c.provider for c in contracts})
    team = tuple(Persona(id=p, name=p.replace("_", " ").title()) for p in providers)
    design = Design(team=team, contracts=tuple(contracts),
                    blueprint=BlueprintChoice(id="parallel-basic", name="Parallel", score=0.8))
    return plan_design(spec, analysis, design, workers=workers)


def deliverable(name: str, *artifacts: str, acceptance: Sequence[Any] = ()) -> Deliverable:
    return Deliverable(name=name, artifacts=tuple(artifacts), acceptance=tuple(acceptance))


class EchoExecutor:
    """A persona stand-in for tests: writes ``gen/<id>.txt`` through the
    workspace. Its text is the contract id, the requirement when the
    contract's description contains ``req``, and the text of its
    ``depends_on`` files; it sleeps ``effort_hours × time_scale`` first."""

    name = "echo"
    reads: frozenset[str] = frozenset({"requirement"})

    def __init__(self, time_scale: float = 0.0) -> None:
        self.time_scale = time_scale

    async def run(self, job: Any) -> Any:
        import asyncio

        from teamspec.engine.executors.base import ExecOutcome

        c = job.contract
        if self.time_scale:
            await asyncio.sleep(c.effort_hours * self.time_scale)
        text = f"{c.id}\n"
        if "req" in c.description:
            text += job.plan.spec.requirement + "\n"
        for d in c.depends_on:
            text += job.workspace.read_text(f"gen/{d}.txt")
        job.workspace.write(f"gen/{c.id}.txt", text)
        return ExecOutcome("ok", "echoed")

    def fingerprint_extra(self, contract: Contract) -> str:
        return ""

    async def aclose(self) -> None:
        return None


def register_echo(time_scale: float = 0.0) -> None:
    from teamspec.engine.executors.registry import register_executor

    register_executor("echo", lambda config: EchoExecutor(time_scale))  # type: ignore[arg-type,return-value]


def wait_until_gone(pid: int, what: str, timeout_s: float = 5.0) -> None:
    """Fail the test with ``what`` unless process ``pid`` is gone within
    ``timeout_s`` (a command's background child must die with it)."""
    import os
    import time

    import pytest

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    pytest.fail(what)
