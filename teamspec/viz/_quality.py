"""Fulfillment, checks and quality per contract."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.viz._base import _TITLE_H, _new_figure, status_color
from teamspec.viz._report import _as_report, _number, report_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    Container = Figure | SubFigure


_QUALITY_KEYS = (("fulfillment", "#1f77b4"), ("checks", "#ff7f0e"), ("quality", "#2ca02c"))


def _quality_size(report: Mapping[str, Any], width: float = 10.0) -> tuple[float, float]:
    n = sum(1 for c in report.get("contracts") or () if isinstance(c, Mapping))
    return width, _TITLE_H + 0.9 + max(n, 1) * 0.5


def _draw_quality(container: Container, size: tuple[float, float], report: Mapping[str, Any]) -> None:
    from matplotlib.patches import Patch

    width, height = size
    contracts = [c for c in report.get("contracts") or () if isinstance(c, Mapping)]
    left, right = 2.6, 0.4
    ax: Axes = container.add_axes(
        (left / width, 0.8 / height, (width - left - right) / width,
         (height - 0.8 - _TITLE_H) / height)
    )
    bar_h = 0.26
    for i, c in enumerate(contracts):
        for k, (key, color) in enumerate(_QUALITY_KEYS):
            y = i + (k - 1) * bar_h
            value = _number(c.get(key))
            if value is None:
                ax.text(0.01, y, f"{key}: n/a", va="center", fontsize=6, color="#777777")
                continue
            ax.barh(y, value, height=bar_h * 0.9, color=color)
            ax.text(value + 0.01, y, f"{value:.2f}", va="center", fontsize=6)
    labels = [f"{c.get('id', '?')} ({c.get('status', '?')})" for c in contracts]
    ax.set_yticks(range(len(contracts)), labels, fontsize=8)
    for tick, c in zip(ax.get_yticklabels(), contracts, strict=False):
        st = str(c.get("status", ""))
        if st in ("failed", "error", "blocked"):
            tick.set_color(status_color(st))
    ax.set_ylim(max(len(contracts), 1) - 0.5, -0.5)
    ax.set_xlim(0.0, 1.12)
    ax.set_xlabel("score (0 to 1)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    quality = report.get("quality")
    q: Mapping[str, Any] = quality if isinstance(quality, Mapping) else {}
    threshold = _number(q.get("threshold"))
    overall = _number(q.get("overall"))
    if threshold is not None:
        ax.axvline(threshold, color="#d62728", ls="--", lw=1.0)
    title = f"{report_name(report)}: quality per contract"
    if overall is not None:
        title += f" · overall {overall:.2f}"
    if threshold is not None:
        title += f" (threshold {threshold:.2f}, {'passed' if q.get('passed') else 'below'})"
    container.text(0.5, 1 - (_TITLE_H / 2) / height, title, ha="center", va="center",
                   fontsize=11, weight="bold")
    handles: list[Any] = [Patch(facecolor=c, label=k) for k, c in _QUALITY_KEYS]
    if threshold is not None:
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color="#d62728", ls="--", label="threshold"))
    container.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8,
                     frameon=False, borderaxespad=0.3)


def quality_figure(report: Mapping[str, Any] | str | Path) -> Figure:
    """Fulfillment, checks and quality per contract (0 to 1), the quality
    threshold as a dashed line; scores a contract does not have are ``n/a``."""
    rep = _as_report(report)
    size = _quality_size(rep)
    fig = _new_figure(*size)
    _draw_quality(fig, size, rep)
    return fig
