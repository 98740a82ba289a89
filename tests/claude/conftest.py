"""Fixtures: the fake Messages API and builds that use the real SDK against it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from teamspec.claude.client import ClientSettings
from teamspec.claude.executor import ClaudeSettings, make_executor
from teamspec.engine.executors.base import ExecutorConfig
from teamspec.engine.executors.registry import register_executor, unregister_executor
from teamspec.engine.runner import BuildResult, build
from teamspec.model import AcceptanceItem, Constraints, Contract, Plan
from tests.claude.fake_api import FakeAnthropic
from tests.engine.helpers import contract, deliverable, make_plan

SENTINEL_KEY = "sk-ant-SENTINEL-1f3a9c7e5b2d-do-not-leak"

#: fast settings: few SDK retries, short timeouts
FAST = ClaudeSettings(client=ClientSettings(model="claude-sonnet-5-5", max_retries=1, timeout_s=5.0),
                      max_turns=12, max_tokens=1024)


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


@pytest.fixture
def api_env(monkeypatch: pytest.MonkeyPatch, fake: FakeAnthropic, tmp_path: Path) -> FakeAnthropic:
    """The SDK's environment: the sentinel key and the fake server's URL;
    nothing of the user's Anthropic configuration."""
    for var in ("ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE", "ANTHROPIC_CUSTOM_HEADERS",
                "TEAMSPEC_PRICES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "anthropic-config"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.setenv("TEAMSPEC_CACHE_DIR", str(tmp_path / "cache"))
    return fake


@pytest.fixture
def settings() -> Iterator[list[ClaudeSettings]]:
    """Registers ``claude`` with the settings in the list (FAST unless a test
    replaces ``settings[0]``)."""
    box = [FAST]

    def factory(config: ExecutorConfig) -> Any:
        opts = dict(config.options)
        opts.setdefault("claude_settings", box[0])
        return make_executor(replace(config, options=opts))

    register_executor("claude", factory)
    yield box
    unregister_executor("claude")


def one_contract_plan(tmp: Path, *, cid: str = "notes", artifacts: Sequence[str] = ("docs/notes.md",),
                      acceptance: Sequence[Any] = (), budget: float | None = None,
                      retries: int = 0, timeout_minutes: float = 1.0) -> Plan:
    items = tuple(AcceptanceItem(text=a) if isinstance(a, str) else a for a in acceptance)
    c = contract(cid, provider="technical_writer",
                 deliverables=(deliverable("notes", *artifacts, acceptance=items),))
    return make_plan(tmp, [c], workers=1, executor="claude",
                     constraints=Constraints(max_workers=1, retries=retries, budget_usd=budget,
                                             timeout_minutes=timeout_minutes))


def many_contracts_plan(tmp: Path, n: int, *, workers: int = 4, budget: float | None = None,
                        chain: bool = True) -> Plan:
    """``n`` contracts c0..c{n-1}; each c{i} (i >= 1) depends on c{i-1} when
    ``chain``, else all independent."""
    cs: list[Contract] = []
    for i in range(n):
        deps = (f"c{i - 1}",) if chain and i else ()
        cs.append(contract(f"c{i}", provider="backend_developer", depends_on=deps,
                           description=f"Part {i} of the system.",
                           deliverables=(deliverable(f"part{i}", f"src/c{i}/*.py"),)))
    return make_plan(tmp, cs, workers=workers, executor="claude",
                     constraints=Constraints(max_workers=workers, retries=0, budget_usd=budget))


def run(plan: Plan, out: Path, **kw: Any) -> BuildResult:
    return build(plan, out=out, backoff_s=0.01, **kw)
