"""``budget_usd``: the Claude spend limit of a build.

Every call first *reserves* what it could cost at most, and then *settles*
with what it did cost (from the usage the API returned and the price
table). A call whose reservation would take spent + reserved over the limit
is not sent: the budget is then *exhausted* for the rest of the build, so no
new contract starts and every running tool-use loop stops before its next
call (the call in flight finishes and is paid for). Concurrent contracts
reserve from the same budget, so together they cannot overshoot it either.

What a call could cost at most: its input tokens priced at the highest input
rate (a cache write) plus ``max_tokens`` output tokens. Input tokens are not
known before the call; :class:`TokenEstimator` estimates them from the
request size with the largest tokens-per-byte ratio the API reported for an
earlier request of the build (at least one token per 2.5 bytes before the
first answer), plus a margin for the tokens the API adds around tools.
"""

from __future__ import annotations

from dataclasses import dataclass

from teamspec.claude.prices import Price

#: tokens per byte assumed before the API reported any count
INITIAL_TOKENS_PER_BYTE = 1 / 2.5
#: tokens the API adds to every request (tool-use system prompt, framing)
REQUEST_OVERHEAD_TOKENS = 600
SAFETY_FACTOR = 1.1


class BudgetExhausted(Exception):
    """Raised by :meth:`Budget.reserve` when the next call could exceed the
    budget."""


@dataclass
class Reservation:
    amount_usd: float
    settled: bool = False


class TokenEstimator:
    """Estimates a request's input tokens from its size in bytes, calibrated
    with the counts the API returned for earlier requests."""

    def __init__(self) -> None:
        self.ratio = INITIAL_TOKENS_PER_BYTE
        self.calibrated = False

    def estimate(self, request_bytes: int) -> int:
        return int(request_bytes * self.ratio * SAFETY_FACTOR) + REQUEST_OVERHEAD_TOKENS

    def observe(self, request_bytes: int, input_tokens: int) -> None:
        """Learn from a request of ``request_bytes`` that counted
        ``input_tokens`` in total (input + cache writes + cache reads)."""
        if request_bytes <= 0 or input_tokens <= 0:
            return
        ratio = input_tokens / request_bytes
        self.ratio = ratio if not self.calibrated else max(self.ratio, ratio)
        self.calibrated = True


class Budget:
    """The spend limit shared by every call of a build (``limit_usd`` None:
    no limit, spending is still added up)."""

    def __init__(self, limit_usd: float | None) -> None:
        self.limit_usd = limit_usd
        self.spent_usd = 0.0
        self.reserved_usd = 0.0
        self.exhausted = False
        self.reason = ""

    def worst_case(self, price: Price, input_tokens: int, max_tokens: int) -> float:
        """The most a call with this many input tokens and ``max_tokens`` could cost."""
        rate = max(price.input, price.cache_write)
        return (input_tokens * rate + max_tokens * price.output) / 1_000_000

    def reserve(self, amount_usd: float) -> Reservation:
        """Reserve ``amount_usd`` for a call, or raise BudgetExhausted (and
        mark the budget exhausted) when it could take the build over the limit."""
        if self.exhausted:
            raise BudgetExhausted(self.reason)
        if self.limit_usd is not None and \
                self.spent_usd + self.reserved_usd + amount_usd > self.limit_usd:
            self.exhausted = True
            self.reason = (
                f"budget_exhausted: budget_usd {self.limit_usd:g} would be exceeded by the next "
                f"call (spent ${self.spent_usd:.4f}, in flight ${self.reserved_usd:.4f}, next "
                f"call up to ${amount_usd:.4f})"
            )
            raise BudgetExhausted(self.reason)
        self.reserved_usd += amount_usd
        return Reservation(amount_usd)

    def settle(self, reservation: Reservation, cost_usd: float) -> None:
        """Replace a reservation with what the call did cost (0 when it failed)."""
        if reservation.settled:
            return
        reservation.settled = True
        self.reserved_usd = max(0.0, self.reserved_usd - reservation.amount_usd)
        self.spent_usd += cost_usd

    @property
    def left_usd(self) -> float | None:
        if self.limit_usd is None:
            return None
        return max(0.0, self.limit_usd - self.spent_usd)


__all__ = ["Budget", "BudgetExhausted", "Reservation", "TokenEstimator"]
