"""Savings panels: sequential vs predicted / measured vs the lower bound."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.errors import UsageError
from teamspec.viz._base import _TITLE_H, _hours, _new_figure, _seconds
from teamspec.viz._gantt import _fix_axis_labels
from teamspec.viz._report import _as_report, _number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    from teamspec.model import Plan

    Container = Figure | SubFigure


@dataclass(frozen=True)
class _Panel:
    title: str
    rows: tuple[tuple[str, float, str], ...]  # (label, value, colour)
    fmt: str  # "h" or "s"


def _plan_panel(plan: Plan) -> _Panel:
    rows = [
        ("sequential (1 worker)", plan.sequential_hours, "#9e9e9e"),
        (f"predicted ({plan.workers} workers)", plan.predicted_makespan_hours, "#1f77b4"),
    ]
    if plan.barrier_makespan_hours > 0:
        rows.append(("level by level (barrier)", plan.barrier_makespan_hours, "#aec7e8"))
    rows.append(("lower bound", plan.lower_bound_hours, "#2ca02c"))
    return _Panel(f"plan: predicted savings {plan.predicted_savings:.0%}", tuple(rows), "h")


def _rows(section: Mapping[str, Any],
          wanted: Sequence[tuple[str, str, str]]) -> list[tuple[str, float, str]]:
    """(label, value, colour) for each (label, key, colour) whose key holds a number."""
    rows: list[tuple[str, float, str]] = []
    for label, key, color in wanted:
        value = _number(section.get(key))
        if value is not None:
            rows.append((label, value, color))
    return rows


def _predicted_panel(report: Mapping[str, Any]) -> _Panel | None:
    """The plan's prediction as the report recorded it (``predicted``)."""
    predicted = report.get("predicted")
    if not isinstance(predicted, Mapping):
        return None
    rows = _rows(predicted, (
        ("sequential (1 worker)", "sequential_hours", "#9e9e9e"),
        (f"predicted ({predicted.get('workers', '?')} workers)", "makespan_hours", "#1f77b4"),
        ("level by level (barrier)", "barrier_makespan_hours", "#aec7e8"),
        ("lower bound", "lower_bound_hours", "#2ca02c"),
    ))
    if not rows:
        return None
    savings = _number(predicted.get("savings"))
    title = "plan: predicted savings " + (f"{savings:.0%}" if savings is not None else "n/a")
    return _Panel(title, tuple(rows), "h")


def _report_panel(report: Mapping[str, Any]) -> _Panel:
    timing = report.get("timing")
    t: Mapping[str, Any] = timing if isinstance(timing, Mapping) else {}
    rows = _rows(t, (
        ("sequential (sum of durations)", "sequential_s", "#9e9e9e"),
        (f"measured ({report.get('workers', '?')} workers)", "wall_s", "#ff7f0e"),
        ("measured critical path", "critical_path_s", "#d62728"),
        ("lower bound", "lower_bound_s", "#2ca02c"),
    ))
    savings = _number(t.get("savings"))
    eff = _number(t.get("efficiency"))
    title = "build: measured savings " + (f"{savings:.0%}" if savings is not None else "n/a")
    if eff is not None:
        title += f" · efficiency {eff:.2f}"
    return _Panel(title, tuple(rows), "s")


def _panels_shape(panels: Sequence[_Panel]) -> tuple[tuple[int, str], ...]:
    return tuple((len(p.rows), p.fmt) for p in panels)


class _PanelArtists:
    """The savings panels' artists, made once for a shape (rows and unit
    per panel) and updated in place: bar lengths and colours, row labels,
    value labels, limits and titles."""

    def __init__(self, container: Container, size: tuple[float, float],
                 shape: tuple[tuple[int, str], ...]) -> None:
        width, height = size
        self.key: tuple[Any, ...] = (size, shape)
        n = len(shape)
        left, right, gap = 2.1, 0.8, 0.35
        each_w = (width - left - right - (n - 1) * (left + gap)) / n
        self.panels: list[tuple[Axes, list[Any], list[Any]]] = []  # (axes, bars, value texts)
        for i, (rows, fmt) in enumerate(shape):
            x0 = left + i * (each_w + left + gap)
            ax: Axes = container.add_axes(
                (x0 / width, 0.45 / height, each_w / width, (height - 0.45 - _TITLE_H) / height)
            )
            bars = list(ax.barh(range(rows), [0.0] * rows, height=0.6))
            ax.set_ylim(max(rows, 1) - 0.5, -0.5)
            if not rows:
                ax.set_axis_off()
                ax.text(0.5, 0.5, "no timing recorded", transform=ax.transAxes, ha="center",
                        va="center", fontsize=9, color="#555555")
            ax.tick_params(axis="both", labelsize=8)
            _fix_axis_labels(ax, container, 8.0)
            ax.set_xlabel("hours" if fmt == "h" else "seconds", fontsize=8)
            for spine in ("top", "right"):
                ax.spines[spine].set_visible(False)
            texts = [ax.text(0.0, k, "", va="center", fontsize=8) for k in range(rows)]
            self.panels.append((ax, bars, texts))

    def update(self, panels: Sequence[_Panel]) -> None:
        for (ax, bars, texts), panel in zip(self.panels, panels, strict=True):
            values = [r[1] for r in panel.rows]
            base = panel.rows[0][1] if panel.rows and panel.rows[0][1] > 0 else None
            for bar, (_label, value, color) in zip(bars, panel.rows, strict=True):
                bar.set_width(value)
                bar.set_facecolor(color)
            ax.set_yticks(range(len(values)), [r[0] for r in panel.rows], fontsize=8)
            top = max(values, default=1.0) or 1.0
            ax.set_xlim(0.0, top * 1.35)
            ax.set_title(panel.title, fontsize=10, weight="bold", y=1.0)  # fixed: not measured
            for k, (text, value) in enumerate(zip(texts, values, strict=True)):
                label = _hours(value) if panel.fmt == "h" else _seconds(value)
                if base:
                    label += f" ({value / base:.0%})"
                text.set_position((value + top * 0.02, k))
                text.set_text(label)


def _draw_panels(container: Container, size: tuple[float, float], panels: Sequence[_Panel]) -> None:
    _PanelArtists(container, size, _panels_shape(panels)).update(panels)


def _savings_panels(plan: Plan | None, report: Mapping[str, Any] | None) -> list[_Panel]:
    panels: list[_Panel] = []
    if plan is not None:
        panels.append(_plan_panel(plan))
    elif report is not None:
        predicted = _predicted_panel(report)
        if predicted is not None:
            panels.append(predicted)
    if report is not None:
        panels.append(_report_panel(report))
    if not panels:
        raise UsageError("savings_figure: pass a plan, a report, or both")
    return panels


def _savings_size(panels: Sequence[_Panel], width: float | None = None) -> tuple[float, float]:
    rows = max((len(p.rows) for p in panels), default=1)
    return (width or (6.5 if len(panels) == 1 else 12.0)), _TITLE_H + 0.6 + rows * 0.42


def savings_figure(
    plan: Plan | None = None,
    report: Mapping[str, Any] | str | Path | None = None,
) -> Figure:
    """Time savings: the plan's sequential hours, predicted makespan,
    level-by-level makespan and lower bound (from ``plan``, else from the
    report's ``predicted``); the build's sequential seconds, measured wall
    time, measured critical path and lower bound. Each bar is labelled with
    its value and its share of the sequential time. Predicted (hours) and
    measured (seconds) are two panels side by side."""
    panels = _savings_panels(plan, None if report is None else _as_report(report))
    size = _savings_size(panels)
    fig = _new_figure(*size)
    _draw_panels(fig, size, panels)
    return fig
