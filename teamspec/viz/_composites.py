"""The stacked pictures behind ``teamspec plan --png`` and ``teamspec report --png``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.errors import UsageError
from teamspec.viz._base import _new_figure, _save
from teamspec.viz._dag import _dag_colors, _dag_layout, _dag_size, _draw_dag
from teamspec.viz._gantt import _draw_gantt, _Gantt, _gantt_size, _plan_gantt, _report_gantt
from teamspec.viz._quality import _draw_quality, _quality_size
from teamspec.viz._report import _as_report
from teamspec.viz._savings import _draw_panels, _Panel, _plan_panel, _savings_panels, _savings_size

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

    from teamspec.model import Plan

    Container = Figure | SubFigure


PLAN_PARTS: tuple[str, ...] = ("dag", "schedule", "savings")


REPORT_PARTS: tuple[str, ...] = ("gantt", "savings", "quality")


_Part = tuple[tuple[float, float], Callable[["Container", tuple[float, float]], None]]


def _check_parts(parts: Sequence[str], known: Sequence[str], what: str) -> None:
    unknown = [p for p in parts if p not in known]
    if unknown or not parts:
        found = ", ".join(repr(p) for p in unknown) if unknown else "nothing"
        raise UsageError(
            f"{what}: expected parts from {', '.join(known)}, found {found}"
        )


def _stack(parts: Sequence[_Part], width: float) -> Figure:
    """One figure, the parts stacked top to bottom, each drawn at its size."""
    heights = [size[1] for size, _draw in parts]
    fig = _new_figure(width, sum(heights))
    if len(parts) == 1:
        parts[0][1](fig, (width, heights[0]))
        return fig
    subs = fig.subfigures(len(parts), 1, height_ratios=heights, wspace=0.0, hspace=0.0,
                          squeeze=False)
    for sub, ((_w, h), draw) in zip(subs[:, 0], parts, strict=True):
        draw(sub, (width, h))
    return fig


def _gantt_part(g: _Gantt, width: float) -> _Part:
    def draw(c: Container, size: tuple[float, float]) -> None:
        _draw_gantt(c, size, g)

    return _gantt_size(g.lanes, len(g.legend), bool(g.note), width), draw


def _panels_part(panels: Sequence[_Panel], width: float | None) -> _Part:
    def draw(c: Container, size: tuple[float, float]) -> None:
        _draw_panels(c, size, panels)

    return _savings_size(panels, width), draw


def plan_figure(plan: Plan, *, parts: Sequence[str] = PLAN_PARTS) -> Figure:
    """The DAG, the predicted schedule and the savings, stacked (or the
    ``parts`` named, in that order)."""
    _check_parts(parts, PLAN_PARTS, "plan_figure")
    width = 10.0 if tuple(parts) != ("savings",) else _savings_size([_plan_panel(plan)])[0]
    built: list[_Part] = []
    if "dag" in parts:
        layout = _dag_layout(plan)
        _nc, legend_colors = _dag_colors(plan, "persona", None)
        n_handles = len(legend_colors) + 2 + (1 if plan.critical_path else 0)
        dag_w, dag_h, _r, _p = _dag_size(plan, layout, n_handles)
        width = max(dag_w, width) if len(parts) > 1 else dag_w

        def draw_dag(c: Container, size: tuple[float, float]) -> None:
            _draw_dag(c, plan, layout, size, "persona", None)

    for part in parts:
        if part == "dag":
            built.append(((width, dag_h), draw_dag))
        elif part == "schedule":
            built.append(_gantt_part(_plan_gantt(plan), width))
        else:
            built.append(_panels_part(_savings_panels(plan, None), width))
    return _stack(built, width)


def report_figure(
    report: Mapping[str, Any] | str | Path, *, parts: Sequence[str] = REPORT_PARTS
) -> Figure:
    """The measured Gantt chart, the savings and the quality, stacked (or
    the ``parts`` named, in that order)."""
    _check_parts(parts, REPORT_PARTS, "report_figure")
    rep = _as_report(report)
    width = 12.0

    def draw_quality(c: Container, size: tuple[float, float]) -> None:
        _draw_quality(c, size, rep)

    built: list[_Part] = []
    for part in parts:
        if part == "gantt":
            built.append(_gantt_part(_report_gantt(rep), width))
        elif part == "savings":
            built.append(_panels_part(_savings_panels(None, rep), width))
        else:
            built.append((_quality_size(rep, width), draw_quality))
    return _stack(built, width)


def plan_png(
    plan: Plan, path: str | Path, *, parts: Sequence[str] = PLAN_PARTS, dpi: float = 100.0
) -> Path:
    """Write :func:`plan_figure` to ``path`` (``teamspec plan --png``);
    returns the path. Raises :class:`UsageError` when it cannot be written."""
    return _save(plan_figure(plan, parts=parts), Path(path), dpi)


def report_png(
    report_or_out_dir: Mapping[str, Any] | str | Path,
    path: str | Path,
    *,
    parts: Sequence[str] = REPORT_PARTS,
    dpi: float = 100.0,
) -> Path:
    """Write :func:`report_figure` to ``path`` (``teamspec report --png``);
    ``report_or_out_dir`` is a report mapping, a report file or an output
    directory. Returns the path."""
    return _save(report_figure(report_or_out_dir, parts=parts), Path(path), dpi)
