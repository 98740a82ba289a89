"""Gantt charts of the predicted and the measured schedule, with the label layer that keeps redraws fast."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.viz._base import (
    _LEGEND_ENTRY_W,
    _LEGEND_ROW,
    _TITLE_H,
    STATUS_COLORS,
    _fit_label,
    _hours,
    _new_figure,
    _seconds,
    _text_color,
    persona_colors,
    status_color,
)
from teamspec.viz._dag import _legend_shape
from teamspec.viz._report import _as_report, _Bar, _number, report_name, report_workers

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    from teamspec.model import Plan

    Container = Figure | SubFigure


@cache
def _label_layer_class() -> type[Any]:
    """An artist drawing many one-line labels: ``(x, y, text, colour)``
    items in the artist's transform, vertically centred on ``y`` and aligned
    on ``x`` by ``ha`` (what one ``ax.text(x, y, s, ha=ha, va="center")``
    per label draws).

    On Agg each distinct label is rendered once per (text, size, colour,
    dpi) to a small bitmap (:func:`_label_bitmap`) and blitted. matplotlib
    3.11 lays out and renders text glyph by glyph, about a millisecond per
    ``Text`` on every draw, which a Gantt chart of a hundred labelled bars
    redrawn on each slider move cannot afford. Other renderers (PDF, SVG)
    get real ``Text`` artists, so vector output keeps vector text.
    """
    from matplotlib.artist import Artist
    from matplotlib.backend_bases import RendererBase
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.colors import to_rgba
    from matplotlib.text import Text

    class LabelLayer(Artist):
        def __init__(self, fontsize: float, ha: str = "center") -> None:
            super().__init__()
            self.fontsize = fontsize
            self.ha = ha
            self.items: tuple[tuple[float, float, str, str], ...] = ()
            self.set_zorder(3)  # above bars and patches, like Text

        def set_items(self, items: Iterable[tuple[float, float, str, str]]) -> None:
            self.items = tuple(items)
            self.stale = True

        def draw(self, renderer: RendererBase) -> None:
            if not self.get_visible() or not self.items:
                return
            clip = self.get_clip_box() if self.get_clip_on() else None
            if not isinstance(renderer, RendererAgg):
                figure = self.figure
                assert figure is not None
                for x, y, text, color in self.items:
                    label = Text(x, y, text, ha=self.ha, va="center", fontsize=self.fontsize,
                                 color=color, transform=self.get_transform(),
                                 clip_on=clip is not None)
                    label.set_figure(figure)
                    if clip is not None:
                        label.set_clip_box(clip)
                    label.draw(renderer)
                return
            points = self.get_transform().transform([(x, y) for x, y, _t, _c in self.items])
            gc = renderer.new_gc()
            if clip is not None:
                gc.set_clip_rectangle(clip)
            for (px, py), (_x, _y, text, color) in zip(points, self.items, strict=True):
                image, width, dy = _label_bitmap(text, self.fontsize, to_rgba(color), renderer.dpi)
                dx = -width / 2 if self.ha == "center" else (-width if self.ha == "right" else 0.0)
                renderer.draw_image(gc, round(px + dx - 1.0), round(py + dy), image)
            gc.restore()

    return LabelLayer


@lru_cache(maxsize=4096)
def _label_bitmap(
    text: str, size: float, rgba: tuple[float, float, float, float], dpi: float
) -> tuple[Any, float, float]:
    """``text`` rendered by Agg at ``size`` points and ``dpi``, with a pixel
    of room all round: an RGBA image (rows bottom to top, as ``draw_image``
    takes them), the text's width and the offset of the image's bottom from
    the height the text is centred on. The vertical box is matplotlib's
    ``va="center"`` box (the line's height and descent, at least those of
    "lp"), so labels of one size share a baseline."""
    import numpy as np
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(size=size)
    probe = _probe_renderer(dpi)
    w, h, d = probe.get_text_width_height_descent(text, prop, ismath=False)
    _w, lp_h, lp_d = probe.get_text_width_height_descent("lp", prop, ismath=False)
    box_h, box_d = max(h, lp_h), max(d, lp_d)
    width, height = math.ceil(w) + 2, math.ceil(h) + 2
    renderer: Any = RendererAgg(width, height, dpi)  # type: ignore[no-untyped-call]
    gc = renderer.new_gc()
    renderer.draw_text(gc, 1.0, height - 1.0 - d, text, prop, 0.0)  # y: the baseline, downwards
    gc.restore()
    alpha = np.asarray(renderer.buffer_rgba())[::-1, :, 3]
    image = np.empty((*alpha.shape, 4), dtype=np.uint8)
    image[..., :3] = [round(255 * c) for c in rgba[:3]]
    image[..., 3] = (alpha.astype(np.float32) * rgba[3]).round().astype(np.uint8)
    # the baseline is box_d above the box's bottom (the centre - box_h / 2);
    # the image's bottom row is 1 + d below the baseline
    return image, w, -box_h / 2 + box_d - 1.0 - d


@cache
def _probe_renderer(dpi: float) -> Any:
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(4, 4, dpi)  # type: ignore[no-untyped-call]


def _fix_axis_labels(ax: Axes, container: Container, tick_size: float) -> None:
    """Put the x axis label a fixed distance under the axes (under tick
    labels of ``tick_size`` points) and the y label left of it, instead of
    letting matplotlib measure every tick label on each draw to place them
    (where it would place them with ticks and labels of these sizes)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.transforms import ScaledTranslation

    _w, lp_h, _d = _probe_renderer(72.0).get_text_width_height_descent(
        "lp", FontProperties(size=tick_size), ismath=False)
    below = (3.5 + 3.5 + lp_h + 4.0) / 72  # tick, pad, tick label, label pad (points)
    ax.xaxis.set_label_coords(
        0.5, 0.0, transform=ax.transAxes + ScaledTranslation(0.0, -below, container.dpi_scale_trans)
    )
    ax.yaxis.set_label_coords(
        0.0, 0.5, transform=ax.transAxes + ScaledTranslation(-0.5, 0.0, container.dpi_scale_trans)
    )


class _Legend:
    """A legend of colour swatches in a grid of ``_LEGEND_ENTRY_W`` by
    ``_LEGEND_ROW`` inch cells, centred at the bottom of a container, above
    ``bottom`` inches: one ``PolyCollection`` and one label layer instead of
    matplotlib's ``Legend`` (whose layout costs tens of milliseconds on each
    draw; the Gantt chart is redrawn on each slider move)."""

    def __init__(self, container: Container, entries: Mapping[str, str], edge: str) -> None:
        from matplotlib.collections import PolyCollection

        self.entries = tuple(entries.items())
        self.swatches = PolyCollection([], facecolors=[c for _k, c in self.entries],
                                       edgecolors=edge, linewidths=0.8,
                                       transform=container.transSubfigure)
        self.labels = _label_layer_class()(8.0, "left")
        self.labels.set_transform(container.transSubfigure)
        container.add_artist(self.swatches)
        container.add_artist(self.labels)

    def update(self, size: tuple[float, float], bottom: float) -> None:
        width, height = size
        rows, per_row = _legend_shape(len(self.entries), width)
        cols = min(per_row, len(self.entries))
        left = (width - cols * _LEGEND_ENTRY_W) / 2
        top = bottom + 0.1 + rows * _LEGEND_ROW
        verts = []
        labels = []
        for k, (name, _color) in enumerate(self.entries):
            x = left + (k % per_row) * _LEGEND_ENTRY_W + 0.1
            y = top - (k // per_row + 0.5) * _LEGEND_ROW
            x0, x1, y0, y1 = x / width, (x + 0.28) / width, (y - 0.065) / height, (y + 0.065) / height
            verts.append(((x0, y0), (x0, y1), (x1, y1), (x1, y0)))
            label = _fit_label(name.replace("_", " "), _LEGEND_ENTRY_W - 0.5, 8.0)
            labels.append(((x + 0.36) / width, y / height, label, "black"))
        self.swatches.set_verts(verts)
        self.labels.set_items(labels)


class _GanttArtists:
    """A Gantt chart's artists, made once and updated in place.

    The axes, the grid, the legend and the note are made here; :meth:`update`
    sets everything that depends on the schedule: the axes' position (the
    lane count sets the figure height), the limits, the lane names, the bars
    (one ``PolyCollection``, gid ``bars``, one path per bar in ``bar_ids``
    order), the bar labels (a label layer; a bar too narrow for even a
    shortened label gets none) and the title. A static figure updates once;
    :class:`ScheduleCanvas` updates the same artists for every new plan
    instead of building a figure per slider move.
    """

    def __init__(self, container: Container, width: float, legend: Mapping[str, str],
                 note: str = "") -> None:
        from matplotlib.collections import PolyCollection
        from matplotlib.transforms import ScaledTranslation

        layer = _label_layer_class()
        self.container = container
        self.key: tuple[Any, ...] = (width, tuple(legend.items()), note)
        rows, _per_row = _legend_shape(len(legend), width)
        self.note_h = 0.25 if note else 0.0
        self.legend_h = rows * _LEGEND_ROW + 0.2 + self.note_h
        ax: Axes = container.add_axes((0.0, 0.0, 1.0, 1.0))
        self.ax = ax
        ax.tick_params(axis="x", labelsize=8)
        ax.tick_params(axis="y", labelleft=False)  # the lane names are a label layer
        _fix_axis_labels(ax, container, 8.0)
        ax.grid(axis="x", color="#dddddd", lw=0.6)
        ax.set_axisbelow(True)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        self.bars = PolyCollection([], edgecolors="white", linewidths=0.8, gid="bars")
        ax.add_collection(self.bars, autolim=False)  # limits are set by update()
        self.bar_ids: tuple[str, ...] = ()
        self.labels = layer(7.0, "center")
        ax.add_artist(self.labels)  # clipped to the axes
        # lane names where y tick labels go: tick length + pad (3.5 + 3.5 points) left
        self.lanes = layer(8.0, "right")
        self.lanes.set_transform(
            ax.get_yaxis_transform() + ScaledTranslation(-7 / 72, 0, container.dpi_scale_trans)
        )
        self.lanes.set_clip_on(False)
        ax.add_artist(self.lanes)
        self.title = container.text(0.5, 1.0, "", ha="center", va="center", fontsize=11,
                                    weight="bold")
        self.legend = _Legend(container, legend, "white") if legend else None
        self.note = container.text(0.5, 0.0, note, ha="center", va="center", fontsize=7,
                                   color="#555555") if note else None

    def update(self, g: _Gantt, size: tuple[float, float]) -> None:
        width, height = size
        bottom = self.legend_h + 0.45  # x tick labels and axis label
        left, right = 0.9, 0.3
        ax = self.ax
        ax.set_position((left / width, bottom / height, (width - left - right) / width,
                         (height - bottom - _TITLE_H) / height))
        end = max((b.finish for b in g.bars), default=1.0) or 1.0
        inches_per_unit = (width - left - right) / (end * 1.02)
        ax.set_xlim(0.0, end * 1.02)
        ax.set_ylim(g.lanes - 0.5, -0.5)
        ax.set_yticks(range(g.lanes))
        self.lanes.set_items((0.0, i, f"worker {i}", "black") for i in range(g.lanes))
        ax.set_xlabel(g.unit, fontsize=8)
        verts = []
        for b in g.bars:
            x0, x1 = b.start, b.start + max(b.finish - b.start, end * 0.004)
            y0, y1 = b.lane - 0.38, b.lane + 0.38
            verts.append(((x0, y0), (x0, y1), (x1, y1), (x1, y0)))
        self.bars.set_verts(verts)
        self.bars.set_facecolor([b.color for b in g.bars])
        self.bar_ids = tuple(b.id for b in g.bars)
        labels = []
        for b in g.bars:
            label = _fit_label(b.id, (b.finish - b.start) * inches_per_unit - 0.08, 7.0)
            if label:
                labels.append((b.start + (b.finish - b.start) / 2, b.lane, label,
                               _text_color(b.color)))
        self.labels.set_items(labels)
        self.title.set_text(g.title)
        self.title.set_y(1 - (_TITLE_H / 2) / height)
        if self.legend is not None:
            self.legend.update(size, self.note_h)
        if self.note is not None:
            self.note.set_y(0.12 / height)


def _draw_gantt(container: Container, size: tuple[float, float], g: _Gantt) -> None:
    _GanttArtists(container, size[0], g.legend, g.note).update(g, size)


def _gantt_size(lanes: int, legend: int, note: bool, width: float = 10.0) -> tuple[float, float]:
    rows, _ = _legend_shape(legend, width)
    legend_h = rows * _LEGEND_ROW + 0.2 + (0.25 if note else 0.0)
    return width, _TITLE_H + 0.45 + legend_h + max(lanes, 1) * 0.42 + 0.2


@dataclass(frozen=True)
class _Gantt:
    bars: tuple[_Bar, ...]
    lanes: int
    unit: str
    title: str
    legend: Mapping[str, str]
    note: str = ""


def _plan_gantt(plan: Plan) -> _Gantt:
    providers = {c.id: c.provider for c in plan.contracts}
    palette = persona_colors([p.id for p in plan.team] + list(providers.values()))
    bars = tuple(
        _Bar(s.id, s.worker, s.start_h, s.finish_h, palette[providers.get(s.id, "?")] if s.id in providers else "#cccccc", providers.get(s.id, "?"))
        for s in sorted(plan.schedule.values(), key=lambda s: (s.worker, s.start_h))
    )
    lanes = max([plan.workers, *(b.lane + 1 for b in bars)]) if bars else max(plan.workers, 1)
    names = {p.id: p.name for p in plan.team}
    used = {b.key for b in bars}
    order = [p.id for p in plan.team if p.id in used] + sorted(used - {p.id for p in plan.team})
    legend = {names.get(k, k): palette[k] for k in order if k in palette}
    name = plan.spec.name if plan.spec is not None else "plan"
    title = (
        f"{name}: predicted schedule on {plan.workers} workers · "
        f"{_hours(plan.predicted_makespan_hours)} (sequential {_hours(plan.sequential_hours)})"
    )
    return _Gantt(bars, lanes, "hours (predicted)", title, legend)


def predicted_gantt_figure(plan: Plan) -> Figure:
    """The plan's simulated list schedule: one lane per worker, bars coloured
    by persona, in effort hours."""
    g = _plan_gantt(plan)
    size = _gantt_size(g.lanes, len(g.legend), bool(g.note))
    fig = _new_figure(*size)
    _draw_gantt(fig, size, g)
    return fig


def _report_gantt(report: Mapping[str, Any]) -> _Gantt:
    times = report_workers(report)
    status = {
        str(c.get("id", "?")): str(c.get("status", "unknown"))
        for c in report.get("contracts") or () if isinstance(c, Mapping)
    }
    bars = tuple(
        _Bar(cid, lane, s, f, status_color(status.get(cid, "unknown")), status.get(cid, "unknown"))
        for cid, (s, f, lane) in sorted(times.items(), key=lambda kv: (kv[1][2], kv[1][0]))
    )
    workers = _number(report.get("workers"))
    lanes = max([b.lane + 1 for b in bars] + [int(workers or 1)])
    legend = {k: status_color(k) for k in sorted(set(b.key for b in bars), key=_status_rank)}
    not_run = [cid for cid in status if cid not in times]
    note = ""
    if not_run:
        shown = ", ".join(f"{cid} ({status[cid]})" for cid in not_run[:8])
        more = f" and {len(not_run) - 8} more" if len(not_run) > 8 else ""
        note = f"not run: {shown}{more}"
    timing = report.get("timing") if isinstance(report.get("timing"), Mapping) else {}
    assert isinstance(timing, Mapping)
    wall = _number(timing.get("wall_s"))
    savings = _number(timing.get("savings"))
    parts = [f"{report_name(report)}: measured schedule"]
    if workers is not None:
        parts.append(f"{int(workers)} workers")
    if wall is not None:
        parts.append(f"wall {_seconds(wall)}")
    if savings is not None:
        parts.append(f"savings {savings:.0%}")
    return _Gantt(bars, lanes, "seconds (measured)", " · ".join(parts), legend, note)


def _status_rank(status: str) -> int:
    order = list(STATUS_COLORS)
    return order.index(status) if status in order else len(order)


def gantt_figure(report: Mapping[str, Any] | str | Path) -> Figure:
    """A build's measured schedule from its report (a mapping, the report
    file or the output directory): one lane per worker (see
    :func:`report_workers`), bars coloured by status."""
    g = _report_gantt(_as_report(report))
    size = _gantt_size(g.lanes, len(g.legend), bool(g.note))
    fig = _new_figure(*size)
    _draw_gantt(fig, size, g)
    return fig
