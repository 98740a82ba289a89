"""The price table: what a call to each model costs.

Prices live in ``prices.json`` next to this module (a data file, so a price
change is a one-line edit): per model, US dollars per million tokens for
``input``, ``output``, ``cache_write`` (5-minute cache writes) and
``cache_read``, with the ``date`` the price was taken from its ``source``.
``$TEAMSPEC_PRICES`` names another file of the same shape whose entries win.

A model id with a date suffix (``claude-sonnet-4-5-20250929``) uses the entry
of its alias (``claude-sonnet-4-5``).

Cost of one call::

    (input × input + output × output + cache_write × cache_write
     + cache_read × cache_read) / 1e6
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from teamspec.errors import ConfigurationError

PRICES_FILE = Path(__file__).with_name("prices.json")
PRICES_ENV = "TEAMSPEC_PRICES"
_DATE_SUFFIX = re.compile(r"-(\d{8})$")
_FIELDS = ("input", "output", "cache_write", "cache_read")


@dataclass(frozen=True)
class Price:
    """Prices of one model in USD per million tokens."""

    model: str
    input: float
    output: float
    cache_write: float
    cache_read: float
    date: str
    source: str
    note: str = ""

    def cost(self, input_tokens: int, output_tokens: int, cache_write_tokens: int = 0,
             cache_read_tokens: int = 0) -> float:
        """The cost in USD of a call with these token counts."""
        return (input_tokens * self.input + output_tokens * self.output
                + cache_write_tokens * self.cache_write
                + cache_read_tokens * self.cache_read) / 1_000_000

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"model": self.model, "input": self.input, "output": self.output,
                             "cache_write": self.cache_write, "cache_read": self.cache_read,
                             "date": self.date, "source": self.source}
        if self.note:
            d["note"] = self.note
        return d


def _parse(path: Path) -> dict[str, Price]:
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{path}: cannot read the price table: {exc}") from None
    models = doc.get("models") if isinstance(doc, dict) else None
    if not isinstance(models, dict):
        raise ConfigurationError(f"{path}: expected an object with a 'models' mapping")
    out: dict[str, Price] = {}
    for name, entry in models.items():
        where = f"{path}: models.{name}"
        if not isinstance(entry, dict):
            raise ConfigurationError(f"{where}: expected an object, found {type(entry).__name__}")
        values: list[float] = []
        for key in _FIELDS:
            v = entry.get(key)
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                raise ConfigurationError(
                    f"{where}.{key}: expected a price >= 0 in USD per million tokens, found {v!r}")
            values.append(float(v))
        for key in ("date", "source"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ConfigurationError(f"{where}.{key}: every price needs a {key}")
        out[str(name)] = Price(str(name), values[0], values[1], values[2], values[3],
                               date=entry["date"], source=entry["source"],
                               note=str(entry.get("note", "")))
    return out


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...]) -> Mapping[str, Price]:
    table: dict[str, Price] = {}
    for p in paths:
        table.update(_parse(Path(p)))
    return table


def load_prices(path: Path | None = None) -> Mapping[str, Price]:
    """The price table: the shipped file, then ``$TEAMSPEC_PRICES``, then
    ``path``, later entries winning. Raises ConfigurationError for a file
    that cannot be read or has an invalid entry."""
    paths = [str(PRICES_FILE)]
    env = os.environ.get(PRICES_ENV)
    if env:
        paths.append(env)
    if path is not None:
        paths.append(str(path))
    return _load(tuple(paths))


def price_for(model: str, table: Mapping[str, Price] | None = None) -> Price:
    """The price of ``model`` (or of its alias without a date suffix).

    Raises ConfigurationError naming the known models when there is none:
    teamspec never guesses a price it cannot show the source of."""
    prices = load_prices() if table is None else table
    hit = prices.get(model)
    if hit is None:
        alias = _DATE_SUFFIX.sub("", model)
        hit = prices.get(alias)
    if hit is None:
        raise ConfigurationError(
            f"no price for model {model!r} in {PRICES_FILE.name}; known models: "
            f"{', '.join(sorted(prices))}; choose one of them with 'model:' in the spec, or add "
            f"the model's prices (with date and source) to a file named by ${PRICES_ENV}"
        )
    return hit


__all__ = ["PRICES_ENV", "PRICES_FILE", "Price", "load_prices", "price_for"]
