"""The ``offline`` executor: deterministic template personas.

Renders the contract with :func:`teamspec.offline.render_contract` (relative
path → text) and writes every file through the contract's workspace. The
templates see the whole plan, so the fingerprint of an offline contract
includes the requirement, the analysis and the whole design.
"""

from __future__ import annotations

from importlib import import_module

from teamspec.engine.executors.base import ExecOutcome, ExecutorConfig, Job
from teamspec.engine.workspace import WorkspaceError
from teamspec.errors import TeamspecError
from teamspec.model import Contract


class OfflineExecutor:
    name = "offline"
    reads: frozenset[str] = frozenset({"requirement", "analysis", "design"})

    async def run(self, job: Job) -> ExecOutcome:
        return self.run_now(job)

    def run_now(self, job: Job) -> ExecOutcome:
        """Rendering and writing need no waiting: always done at once."""
        try:
            render_contract = import_module("teamspec.offline").render_contract
        except (ImportError, AttributeError) as exc:
            return ExecOutcome("error", f"the offline personas are not available: {exc}")
        try:
            files = render_contract(job.plan, job.contract.id)
        except TeamspecError as exc:
            return ExecOutcome("error", f"the offline persona could not render: {exc.message}")
        try:
            for rel in sorted(files):
                job.workspace.write(rel, files[rel])
        except WorkspaceError as exc:
            return ExecOutcome("error", exc.message)
        n = len(files)
        return ExecOutcome("ok", f"wrote {n} file{'s' if n != 1 else ''}")

    def fingerprint_extra(self, contract: Contract) -> str:
        return ""

    async def aclose(self) -> None:
        return None


def make_executor(config: ExecutorConfig) -> OfflineExecutor:
    return OfflineExecutor()
