"""AnthropicClient: the real SDK against the fake server."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from teamspec.claude.budget import Budget
from teamspec.claude.client import (
    AnthropicClient,
    ClientFactory,
    ClientSettings,
    LLMError,
    LLMResponse,
    require_api_key,
)
from teamspec.errors import ConfigurationError
from tests.claude.conftest import SENTINEL_KEY
from tests.claude.fake_api import FakeAnthropic, Reply, error, text, tool_use, tools

REQUEST: dict[str, Any] = {
    "model": "claude-sonnet-5-5",
    "max_tokens": 100,
    "messages": [{"role": "user", "content": "hello"}],
}


def client(fake: FakeAnthropic, *, retries: int = 1, timeout: float = 5.0,
           budget: Budget | None = None, **kw: Any) -> AnthropicClient:
    return AnthropicClient(api_key=SENTINEL_KEY, budget=budget, settings=ClientSettings(
        model="claude-sonnet-5-5", max_retries=retries, timeout_s=timeout, base_url=fake.url), **kw)


def call(c: AnthropicClient, request: dict[str, Any] = REQUEST) -> LLMResponse:
    async def go() -> LLMResponse:
        try:
            return await c.create(request)
        finally:
            await c.aclose()

    return asyncio.run(go())


def fails(c: AnthropicClient, request: dict[str, Any] = REQUEST) -> LLMError:
    with pytest.raises(LLMError) as e:
        call(c, request)
    return e.value


def test_usage_and_cost_per_call(fake: FakeAnthropic) -> None:
    fake.push(tools(tool_use("list_files", {}, id="toolu_1")))
    r = call(client(fake))
    seen = fake.requests[0]
    assert seen.api_key == SENTINEL_KEY  # the SDK sent the key
    assert r.stop_reason == "tool_use"
    assert r.content == ({"type": "tool_use", "id": "toolu_1", "name": "list_files", "input": {}},)
    assert seen.usage is not None
    assert (r.usage.input_tokens, r.usage.output_tokens) == \
        (seen.usage["input_tokens"], seen.usage["output_tokens"])
    p = client(fake).price
    assert r.cost_usd == pytest.approx((r.usage.input_tokens * p.input
                                        + r.usage.output_tokens * p.output) / 1e6)


def test_cache_tokens_are_read_from_the_usage(fake: FakeAnthropic) -> None:
    big = {"type": "text", "text": "x" * 8000, "cache_control": {"type": "ephemeral"}}
    request = {**REQUEST, "system": [big]}
    first = call(client(fake), request)
    second = call(client(fake), request)
    assert (first.usage.cache_write_tokens, first.usage.cache_read_tokens) == (2009, 0)
    assert (second.usage.cache_write_tokens, second.usage.cache_read_tokens) == (0, 2009)
    p = client(fake).price
    assert second.cost_usd == pytest.approx((2009 * p.cache_read + second.usage.input_tokens
                                             * p.input + second.usage.output_tokens * p.output)
                                            / 1e6)


def test_429_is_retried_after_retry_after(fake: FakeAnthropic) -> None:
    fake.push(error(429, "rate_limit_error", "slow down", retry_after=0.3), Reply([text("ok")]))
    t0 = time.monotonic()
    r = call(client(fake))
    assert time.monotonic() - t0 >= 0.3
    assert r.text() == "ok"
    assert [s.status for s in fake.requests] == [429, 200]


def test_529_overloaded_is_retried(fake: FakeAnthropic) -> None:
    fake.push(error(529, "overloaded_error", "Overloaded", retry_after=0.01), Reply([text("ok")]))
    assert call(client(fake)).text() == "ok"
    assert [s.status for s in fake.requests] == [529, 200]


def test_500_after_the_sdk_retries_is_a_transient_error(fake: FakeAnthropic) -> None:
    fake.push(*[error(500, "api_error", "Internal server error", retry_after=0.01)] * 2)
    e = fails(client(fake, retries=1))
    assert (e.kind, e.transient, e.status) == ("server_error", True, 500)
    assert e.message == "the API answered 500 api_error after 2 attempt(s): Internal server error"
    assert len(fake.requests) == 2


def test_a_slow_reply_past_the_timeout(fake: FakeAnthropic) -> None:
    fake.push(*[Reply([text("late")], delay_s=1.5)] * 2)
    e = fails(client(fake, retries=0, timeout=0.3))
    assert (e.kind, e.transient) == ("timeout", True)
    assert e.message == "the API did not answer within 0.3 s (1 attempt(s))"


def test_a_bad_key_is_not_retried(fake: FakeAnthropic) -> None:
    fake.push(error(401, "authentication_error", "invalid x-api-key"))
    e = fails(client(fake, retries=3))
    assert (e.kind, e.transient) == ("authentication", False)
    assert e.message == ("the API answered 401 authentication_error: invalid x-api-key; check "
                         "ANTHROPIC_API_KEY")
    assert len(fake.requests) == 1
    assert SENTINEL_KEY not in e.message


def test_budget_stops_a_call_before_it_is_sent(fake: FakeAnthropic) -> None:
    b = Budget(0.0001)
    e = fails(client(fake, budget=b))
    assert e.kind == "budget_exhausted" and not e.transient
    assert e.message.startswith("budget_exhausted: budget_usd 0.0001 would be exceeded by the next "
                                "call (spent $0.0000, in flight $0.0000, next call up to $")
    assert fake.requests == []


def test_budget_is_charged_with_the_actual_cost(fake: FakeAnthropic) -> None:
    b = Budget(1.0)
    r = call(client(fake, budget=b))
    assert b.spent_usd == pytest.approx(r.cost_usd) and b.reserved_usd == 0


def test_no_key_names_the_variable_and_the_offline_alternative() -> None:
    with pytest.raises(ConfigurationError) as e:
        require_api_key({})
    assert e.value.exit_code == 2
    assert e.value.message == (
        "the claude executor needs an Anthropic API key: set ANTHROPIC_API_KEY (export "
        "ANTHROPIC_API_KEY=...), or build without Claude: --executor offline (or replay a "
        "recorded build with --replay DIR)")
    with pytest.raises(ConfigurationError):
        ClientFactory().make(env={"ANTHROPIC_API_KEY": "  "})


def test_record_then_replay_without_network(fake: FakeAnthropic, tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    fake.push(error(429, "rate_limit_error", "slow down", retry_after=0.01), Reply([text("hi")]))
    first = call(client(fake, record=rec))
    lines = (rec / "build.jsonl").read_text().splitlines()
    assert len(lines) == 2  # every attempt
    entries = [json.loads(x) for x in lines]
    assert [e["response"]["status"] for e in entries] == [429, 200]
    assert entries[0]["request"]["body"]["messages"] == REQUEST["messages"]
    assert "authorization" not in entries[0]["request"]["headers"]
    assert SENTINEL_KEY not in (rec / "build.jsonl").read_text()
    fake.close()
    replayed = call(AnthropicClient(api_key="unused", replay=rec, settings=ClientSettings(
        max_retries=1, base_url="http://127.0.0.1:9")))
    assert (replayed.text(), replayed.usage, replayed.id) == (first.text(), first.usage, first.id)


def test_replay_of_a_request_never_recorded(fake: FakeAnthropic, tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    call(client(fake, record=rec))
    other = {**REQUEST, "messages": [{"role": "user", "content": "something else"}]}
    e = fails(AnthropicClient(api_key="unused", replay=rec,
                              settings=ClientSettings(max_retries=3)), other)
    assert (e.kind, e.transient) == ("replay_miss", False)
    assert e.message.startswith(f"replay: no recorded response for this POST /v1/messages request "
                                f"in {rec} (key ")
    assert e.message.endswith("); the build differs from the recorded one (spec, model, upstream "
                              "files or teamspec version changed): record it again with --record")


def test_replay_of_an_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as e:
        AnthropicClient(api_key="x", replay=tmp_path)
    assert e.value.message == (f"--replay {tmp_path}: no recorded exchanges (*.jsonl) in that "
                               "directory; record a build first with --record DIR")


def test_a_recorded_timeout_is_replayed_as_a_timeout(fake: FakeAnthropic, tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    fake.push(Reply([text("late")], delay_s=1.0))
    e = fails(client(fake, retries=0, timeout=0.2, record=rec))
    assert e.kind == "timeout"
    entry = json.loads((rec / "build.jsonl").read_text())
    assert entry["error"]["type"] == "timeout"
    e2 = fails(AnthropicClient(api_key="x", replay=rec,
                               settings=ClientSettings(max_retries=0, timeout_s=0.2)))
    assert e2.kind == "timeout"
