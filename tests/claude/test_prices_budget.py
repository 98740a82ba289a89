"""The price table and the budget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teamspec.claude.budget import Budget, BudgetExhausted, TokenEstimator
from teamspec.claude.prices import PRICES_FILE, Price, load_prices, price_for
from teamspec.errors import ConfigurationError


def test_every_price_has_a_date_and_a_source() -> None:
    doc = json.loads(PRICES_FILE.read_text("utf-8"))
    assert doc["models"]
    for name, entry in doc["models"].items():
        assert {"input", "output", "cache_write", "cache_read", "date", "source"} <= set(entry), name
        assert entry["source"].startswith("https://"), name
        assert len(entry["date"]) == 10, name
    assert "claude-sonnet-5-5" in load_prices()


def test_price_for_a_dated_model_id_uses_its_alias() -> None:
    p = price_for("claude-sonnet-4-5-20250929")
    assert (p.model, p.input, p.output, p.cache_write, p.cache_read) == \
        ("claude-sonnet-4-5", 3.0, 15.0, 3.75, 0.3)


def test_cost_of_a_call() -> None:
    p = Price("m", input=2.0, output=10.0, cache_write=2.5, cache_read=0.1, date="d", source="s")
    # 1M uncached input + 100k output + 200k cache write + 1M cache read
    assert p.cost(1_000_000, 100_000, 200_000, 1_000_000) == pytest.approx(2.0 + 1.0 + 0.5 + 0.1)


def test_unknown_model_is_a_configuration_error_naming_the_way_out() -> None:
    table = {"claude-a": Price("claude-a", 1, 1, 1, 1, "2026-01-01", "https://x")}
    with pytest.raises(ConfigurationError) as e:
        price_for("claude-zzz", table)
    assert e.value.message == (
        "no price for model 'claude-zzz' in prices.json; known models: claude-a; choose one of "
        "them with 'model:' in the spec, or add the model's prices (with date and source) to a "
        "file named by $TEAMSPEC_PRICES")


def test_an_extra_price_file_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "prices.json"
    extra.write_text(json.dumps({"models": {"claude-sonnet-5-5": {
        "input": 9, "output": 9, "cache_write": 9, "cache_read": 9, "date": "2026-11-01",
        "source": "https://example.org/contract"}}}))
    monkeypatch.setenv("TEAMSPEC_PRICES", str(extra))
    assert price_for("claude-sonnet-5-5").input == 9.0
    assert price_for("claude-haiku-4-5").input == 1.0


def test_a_price_without_a_source_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"models": {"m": {"input": 1, "output": 1, "cache_write": 1,
                                                 "cache_read": 1, "date": "2026-11-01"}}}))
    with pytest.raises(ConfigurationError) as e:
        load_prices(bad)
    assert e.value.message == f"{bad}: models.m.source: every price needs a source"


def test_budget_reserves_then_settles() -> None:
    b = Budget(1.0)
    r1 = b.reserve(0.4)
    r2 = b.reserve(0.4)
    assert b.reserved_usd == pytest.approx(0.8)
    b.settle(r1, 0.1)
    b.settle(r1, 0.1)  # settling twice changes nothing
    assert (b.spent_usd, b.reserved_usd) == (pytest.approx(0.1), pytest.approx(0.4))
    with pytest.raises(BudgetExhausted) as e:
        b.reserve(0.6)
    assert str(e.value) == ("budget_exhausted: budget_usd 1 would be exceeded by the next call "
                            "(spent $0.1000, in flight $0.4000, next call up to $0.6000)")
    assert b.exhausted
    b.settle(r2, 0.2)
    with pytest.raises(BudgetExhausted):  # once exhausted, no call is sent any more
        b.reserve(0.01)
    assert b.left_usd == pytest.approx(0.7)


def test_no_limit_only_adds_up() -> None:
    b = Budget(None)
    b.settle(b.reserve(100.0), 3.0)
    assert (b.spent_usd, b.left_usd, b.exhausted) == (3.0, None, False)


def test_worst_case_prices_input_at_the_cache_write_rate() -> None:
    p = Price("m", input=2.0, output=10.0, cache_write=2.5, cache_read=0.1, date="d", source="s")
    assert Budget(1).worst_case(p, 1_000_000, 1000) == pytest.approx(2.5 + 0.01)


def test_estimator_learns_the_largest_ratio() -> None:
    e = TokenEstimator()
    first = e.estimate(10_000)
    e.observe(10_000, 2_500)
    assert e.estimate(10_000) == int(10_000 * 0.25 * 1.1) + 600 < first
    e.observe(10_000, 1_000)  # a smaller ratio never lowers the estimate
    e.observe(10_000, 3_000)
    assert e.ratio == pytest.approx(0.3)
