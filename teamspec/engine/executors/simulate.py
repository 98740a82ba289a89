"""The ``simulate`` executor: sleeps ``effort_hours × time_scale`` seconds.

For demos and benchmarks of the scheduler (``--executor simulate
--time-scale 0.01``: one effort hour = 10 ms). It writes no file; its
contracts therefore have empty manifests; their deliverables are not
validated (scores null, not counted in the overall quality). It reads the requirement and the
analysis (like a persona would), so changing the requirement re-runs it.
"""

from __future__ import annotations

from teamspec.engine.executors.base import ExecOutcome, ExecutorConfig, Job
from teamspec.model import Contract

_OK = ExecOutcome("ok")


class SimulateExecutor:
    name = "simulate"
    reads: frozenset[str] = frozenset({"requirement", "analysis"})
    #: nothing is produced, so deliverables are not validated: the contract's
    #: scores are null and it does not count toward the overall quality
    validates = False
    #: it writes no log (the engine does not look for one)
    writes_logs = False

    def __init__(self, time_scale: float) -> None:
        if not time_scale >= 0:
            raise ValueError("time_scale must be >= 0")
        self.time_scale = time_scale

    async def run(self, job: Job) -> ExecOutcome:
        delay = job.contract.effort_hours * self.time_scale
        if delay > 0:
            import asyncio

            await asyncio.sleep(delay)
        return _OK

    def run_now(self, job: Job) -> ExecOutcome | None:
        """Done at once when there is nothing to sleep (time scale 0)."""
        return None if job.contract.effort_hours * self.time_scale > 0 else _OK

    def fingerprint_extra(self, contract: Contract) -> str:
        return ""

    async def aclose(self) -> None:
        return None


def make_executor(config: ExecutorConfig) -> SimulateExecutor:
    return SimulateExecutor(config.time_scale)
