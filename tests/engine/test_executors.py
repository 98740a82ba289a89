from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from teamspec.engine.executors.registry import available_executors, get_factory
from teamspec.engine.fingerprint import contract_hash
from teamspec.engine.runner import build
from teamspec.errors import UsageError
from teamspec.model import AcceptanceItem, Contract, Deliverable, Interface
from tests.engine.helpers import contract, deliverable, make_plan


def test_registry_names_and_unknown_executor() -> None:
    assert {"offline", "command", "simulate", "claude"} <= set(available_executors())
    with pytest.raises(UsageError) as exc:
        get_factory("nope")
    assert exc.value.message.startswith("unknown executor 'nope'; expected one of: ")
    assert "command" in exc.value.message


def test_executor_precedence_contract_then_cli_then_spec(tmp_path: Path) -> None:
    cs = [contract("a", run="true", executor="command", effort_hours=1),
          contract("b", run="sh -c 'exit 9'", effort_hours=1)]
    r = build(make_plan(tmp_path, cs, executor="command"), out=tmp_path / "out",
              executor="simulate", time_scale=0.0)
    assert (r.results["a"].executor, r.results["b"].executor) == ("command", "simulate")
    assert r.results["b"].status == "succeeded"  # simulated, never ran `exit 9`


def test_simulate_sleeps_and_is_not_validated(tmp_path: Path) -> None:
    cs = [contract("a", effort_hours=4, deliverables=(deliverable("d", "x/*.md"),)),
          contract("b", effort_hours=2, depends_on=("a",))]
    r = build(make_plan(tmp_path, cs, executor="simulate"), out=tmp_path / "out", time_scale=0.05)
    assert r.results["a"].duration_s >= 0.2
    assert r.results["b"].start_s is not None and r.results["b"].start_s >= 0.2
    assert (r.results["a"].quality, r.results["a"].fulfillment) == (None, None)
    assert r.report["quality"] == {"overall": None, "threshold": 0.8, "passed": True}
    assert r.exit_code == 0
    assert r.results["a"].files == ()


def test_contract_hash_covers_every_field() -> None:
    base = Contract(id="a", name="A", type="rest_api", provider="p")
    changes = {
        "id": "b", "name": "B", "type": "graphql", "provider": "q", "consumers": ("x",),
        "description": "d", "interface": Interface("openapi", {"openapi": "3.0.3"}), "mock": True,
        "depends_on": ("z",), "uses": ("y",), "effort_hours": 2.0, "executor": "command",
        "run": "true", "serve": "x", "timeout_minutes": 3.0, "retries": 1,
        "deliverables": (Deliverable("d", acceptance=(AcceptanceItem(check="command", run="t"),)),),
        "origin": "spec",
    }
    assert set(changes) == {f.name for f in dataclasses.fields(Contract)}
    h = contract_hash(base)
    for name, value in changes.items():
        assert contract_hash(dataclasses.replace(base, **{name: value})) != h, name
    doc1 = Interface("openapi", {"a": 1, "b": 2})
    doc2 = Interface("openapi", {"b": 2, "a": 1})
    assert contract_hash(dataclasses.replace(base, interface=doc1)) == contract_hash(
        dataclasses.replace(base, interface=doc2))


class _Paid:
    """A test executor that reports a model cost per contract."""

    name = "paid"
    reads: frozenset[str] = frozenset()

    async def run(self, job):  # type: ignore[no-untyped-def]
        from teamspec.engine.executors.base import ExecOutcome, Usage

        return ExecOutcome("ok", usage=Usage(input_tokens=100, output_tokens=10, cost_usd=0.6,
                                             calls=1))

    def fingerprint_extra(self, contract: Contract) -> str:
        return ""

    async def aclose(self) -> None:
        return None


def test_budget_stops_dispatching(tmp_path: Path) -> None:
    from teamspec.engine.executors.registry import register_executor, unregister_executor
    from teamspec.model import Constraints

    register_executor("paid", lambda config: _Paid())  # type: ignore[arg-type,return-value]
    try:
        cs = [contract(f"c{i}", executor="paid", depends_on=(f"c{i - 1}",) if i else ())
              for i in range(4)]
        plan = make_plan(tmp_path, cs, constraints=Constraints(budget_usd=1.0, retries=0))
        r = build(plan, out=tmp_path / "out")
    finally:
        unregister_executor("paid")
    got = {k: (v.status, v.reason) for k, v in r.results.items()}
    assert got == {
        "c0": ("succeeded", "new"),
        "c1": ("succeeded", "new"),
        "c2": ("blocked", "not started: budget_usd 1 exhausted (spent 1.20)"),
        "c3": ("blocked", "not started: budget_usd 1 exhausted (spent 1.20)"),
    }
    assert r.report["cost_usd"] == 1.2
    assert r.report["budget_exceeded"] is True
    assert r.report["contracts"][0]["usage"] == {
        "input_tokens": 100, "output_tokens": 10, "cache_read_tokens": 0,
        "cache_write_tokens": 0, "cost_usd": 0.6, "calls": 1}
    assert r.exit_code == 1


def test_build_from_a_running_event_loop(tmp_path: Path) -> None:
    import asyncio

    plan = make_plan(tmp_path, [contract("a", run="true")])

    async def notebook_cell() -> int:
        return build(plan, out=tmp_path / "out").exit_code

    assert asyncio.run(notebook_cell()) == 0


class _Stops:
    """A test executor: the second contract reports the budget exhausted and a finding."""

    name = "stops"
    reads: frozenset[str] = frozenset()

    async def run(self, job):  # type: ignore[no-untyped-def]
        from teamspec.engine.executors.base import ExecOutcome
        from teamspec.model import Finding

        if job.contract.id == "c1":
            return ExecOutcome("failed", "budget_exhausted: the next call would cost too much",
                               budget_exhausted=True,
                               findings=(Finding("sandbox", "refused a write", severity="warning"),))
        return ExecOutcome("ok")

    def fingerprint_extra(self, contract: Contract) -> str:
        return ""

    async def aclose(self) -> None:
        return None


def test_executor_findings_and_budget_exhausted(tmp_path: Path) -> None:
    from teamspec.engine.executors.registry import register_executor, unregister_executor

    register_executor("stops", lambda config: _Stops())  # type: ignore[arg-type,return-value]
    try:
        cs = [contract("c0", executor="stops"), contract("c1", executor="stops", depends_on=("c0",)),
              contract("c2", executor="stops", depends_on=("c1",)), contract("x", executor="stops",
                                                                              effort_hours=0.5)]
        r = build(make_plan(tmp_path, cs, workers=1), out=tmp_path / "out")
    finally:
        unregister_executor("stops")
    assert r.report["stop_reason"] == "budget_exhausted: the next call would cost too much"
    assert r.report["budget_exceeded"] is True
    assert r.results["c1"].status == "failed"
    assert [f.check for f in r.results["c1"].findings] == ["sandbox"]
    assert r.results["c2"].status == "blocked"
    assert r.exit_code == 1


def test_contract_hash_is_the_same_in_another_process() -> None:
    import subprocess
    import sys

    # strings built at run time here (not interned), literals there
    c = Contract(id="".join(["ap", "i"]), name="API " * 2, type="rest_api", provider="p",
                 depends_on=tuple("ab"), effort_hours=2.5, run="echo 'ü'",
                 deliverables=(Deliverable("d", artifacts=("src/*.py",)),))
    code = ("from teamspec.engine.fingerprint import contract_hash\n"
            "from teamspec.model import Contract, Deliverable\n"
            "print(contract_hash(Contract(id='api', name='API API ', type='rest_api', provider='p',"
            " depends_on=('a', 'b'), effort_hours=2.5, run=\"echo 'ü'\","
            " deliverables=(Deliverable('d', artifacts=('src/*.py',)),))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=60)
    assert out.stdout.strip() == contract_hash(c)
