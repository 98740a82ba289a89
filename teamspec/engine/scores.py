"""Quality scores (per contract and overall): the formulas are documented in
:mod:`teamspec.engine.validate` and ``docs/scores.md``.

A module of its own so an up-to-date build (which computes the overall
quality of recorded scores but validates nothing) does not import the
validation machinery.
"""

from __future__ import annotations

from collections.abc import Sequence

from teamspec.model import Finding

ERROR_PENALTY = 0.05
WARNING_PENALTY = 0.01


def quality_score(
    status: str, fulfillment: float | None, checks: float | None, findings: Sequence[Finding]
) -> float:
    """Per-contract quality (see :mod:`teamspec.engine.validate`)."""
    if status in ("failed", "error", "blocked"):
        return 0.0
    if fulfillment is not None and checks is not None:
        base = 0.5 * fulfillment + 0.5 * checks
    elif fulfillment is not None:
        base = fulfillment
    elif checks is not None:
        base = checks
    else:
        base = 1.0
    if not findings:
        return max(0.0, round(base, 6))
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    return max(0.0, round(base - ERROR_PENALTY * errors - WARNING_PENALTY * warnings, 6))


def overall_quality(items: Sequence[tuple[float, float]]) -> float:
    """Effort-weighted mean of ``(effort_hours, quality)`` pairs."""
    if not items:
        return 1.0
    total = sum(max(0.0, e) for e, _ in items)
    if total <= 0:
        return round(sum(q for _, q in items) / len(items), 6)
    return round(sum(max(0.0, e) * q for e, q in items) / total, 6)


__all__ = ["ERROR_PENALTY", "WARNING_PENALTY", "overall_quality", "quality_score"]
