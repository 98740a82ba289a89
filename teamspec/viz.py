"""Pictures of plans and builds: matplotlib figures, no widgets.

Every function builds a :class:`matplotlib.figure.Figure` directly (never
``pyplot``, so no global figure state leaks and no display is needed: the
figures render with the Agg backend). In a notebook a figure returned here
displays itself as a PNG. The pictures:

- :func:`dag_figure` — the plan's DAG in layers (topological generations),
  ``depends_on`` edges solid, ``uses`` (interface) edges dashed, nodes coloured
  by persona or by build status, the critical path outlined in red;
- :func:`predicted_gantt_figure` — the plan's simulated schedule, one lane per
  worker;
- :func:`gantt_figure` — a build's measured schedule from its report;
- :func:`savings_figure` — sequential vs predicted / measured vs lower bound;
- :func:`quality_figure` — fulfillment, checks and quality per contract;
- :func:`plan_png` / :func:`report_png` — the composites behind
  ``teamspec plan --png`` and ``teamspec report --png``;
- :class:`ScheduleCanvas` / :class:`SavingsCanvas` — the predicted schedule
  and the savings of a plan that changes (the plan explorer's workers
  slider): one figure kept and updated in place, the same picture as the
  static figure at the same dpi.

The Gantt charts draw their bars as one ``PolyCollection`` and their many
short labels (bar ids, lane names, legend entries) with a label layer that
blits a cached bitmap per label on Agg (real text on PDF or SVG): a chart
of a hundred contracts redraws in tens of milliseconds.

Layout of the DAG: each topological generation is a column, left to right;
inside a column nodes are ordered by the barycenter of their predecessors
(a few sweeps, to reduce crossings); a generation with more than
``MAX_ROWS`` contracts is split into several adjacent sub-columns. Labels
(contract ids, wrapped at ``_``/``-``, at most two lines, shortened with an
ellipsis) are measured with the Agg renderer and the figure is sized from
the measured boxes, so labels never overlap however many contracts there
are.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.errors import Diagnostic, UsageError
from teamspec.layout import REPORT_JSON

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    from teamspec.model import Plan

    Container = Figure | SubFigure

__all__ = [
    "MAX_ROWS",
    "PERSONA_COLORS",
    "PLAN_PARTS",
    "REPORT_PARTS",
    "STATUS_COLORS",
    "SavingsCanvas",
    "ScheduleCanvas",
    "dag_figure",
    "gantt_figure",
    "load_report",
    "persona_colors",
    "plan_figure",
    "plan_png",
    "png_bytes",
    "predicted_gantt_figure",
    "quality_figure",
    "report_figure",
    "report_name",
    "report_png",
    "report_workers",
    "savings_figure",
    "status_color",
    "wrap_label",
]

# Fixed colours for the catalog's personas (stable across plans and runs).
PERSONA_COLORS: dict[str, str] = {
    "requirement_analyst": "#8dd3c7",
    "solution_architect": "#ffffb3",
    "ui_ux_designer": "#bebada",
    "frontend_developer": "#fb8072",
    "backend_developer": "#80b1d3",
    "database_specialist": "#fdb462",
    "devops_engineer": "#b3de69",
    "qa_engineer": "#fccde5",
    "security_specialist": "#d9d9d9",
    "technical_writer": "#bc80bd",
    "deployment_specialist": "#ccebc5",
    "integration_tester": "#ffed6f",
    "project_reviewer": "#9edae5",
}
# Spec-defined personas take the first free colour from here, starting at a
# position derived from a hash of their id (stable for the same team).
_EXTRA_COLORS: tuple[str, ...] = (  # darker than the catalog's pastels: never confused
    "#6b6ecf", "#e7ba52", "#a55194", "#8c6d31", "#3182bd", "#637939",
    "#ad494a", "#31a354", "#756bb1", "#e6550d", "#7b4173", "#636363",
)
STATUS_COLORS: dict[str, str] = {
    "succeeded": "#2ca02c",
    "up_to_date": "#17becf",
    "failed": "#d62728",
    "error": "#9467bd",
    "blocked": "#7f7f7f",
    "running": "#ff7f0e",
    "pending": "#e0e0e0",
}
_UNKNOWN_STATUS_COLOR = "#bcbd22"
_CRITICAL = "#d62728"
_EDGE = "#555555"

MAX_ROWS = 18  # contracts per column before a generation is split
_FONT = 8.0  # points, node labels
_LABEL_CHARS = 20  # characters per label line
_BOX_PAD = 0.3  # bbox pad, in font sizes
_COL_GAP = 0.55  # inches between columns (room for arrows)
_ROW_GAP = 0.16  # inches between boxes in a column
_MARGIN = 0.3  # inches around the drawing
_TITLE_H = 0.45  # inches for a title line
_LEGEND_ROW = 0.24  # inches per legend row
_LEGEND_ENTRY_W = 2.1  # inches per legend column


# ------------------------------------------------------------------ basics


@cache
def _figure_class() -> type[Figure]:
    """A Figure that displays itself as a PNG in IPython."""
    from matplotlib.figure import Figure

    class TeamspecFigure(Figure):
        def _repr_png_(self) -> bytes:
            return png_bytes(self)

    return TeamspecFigure


def _new_figure(width: float, height: float, dpi: float = 100.0) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _figure_class()(figsize=(width, height), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)  # attaches itself as fig.canvas: Agg, no display needed
    return fig


def png_bytes(fig: Figure, *, dpi: float | None = None) -> bytes:
    """Render ``fig`` to PNG bytes (Agg)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi if dpi is not None else fig.dpi, facecolor="white")
    return buf.getvalue()


def _save(fig: Figure, path: Path, dpi: float | None = None) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png_bytes(fig, dpi=dpi))
    except OSError as e:
        raise UsageError(f"{path}: cannot write the picture: {e.strerror or e}") from None
    return path


def _text_color(hex_color: str) -> str:
    """Black or white, whichever reads better on ``hex_color``."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(hex_color)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, _UNKNOWN_STATUS_COLOR)


def persona_colors(persona_ids: Iterable[str]) -> dict[str, str]:
    """A colour per persona: catalog personas have fixed colours; others get
    distinct colours chosen deterministically from their ids."""
    out: dict[str, str] = {}
    used: set[str] = set()
    others: list[str] = []
    for pid in dict.fromkeys(persona_ids):
        if pid in PERSONA_COLORS:
            out[pid] = PERSONA_COLORS[pid]
            used.add(out[pid])
        else:
            others.append(pid)
    for pid in sorted(others):
        start = zlib.crc32(pid.encode("utf-8")) % len(_EXTRA_COLORS)
        for k in range(len(_EXTRA_COLORS)):
            color = _EXTRA_COLORS[(start + k) % len(_EXTRA_COLORS)]
            if color not in used:
                break
        else:
            color = _EXTRA_COLORS[start]
        out[pid] = color
        used.add(color)
    return out


def _hours(value: float) -> str:
    return f"{value:.1f} h" if value < 100 else f"{value:.0f} h"


def _seconds(value: float) -> str:
    if value < 10:
        return f"{value:.2f} s"
    if value < 120:
        return f"{value:.1f} s"
    return f"{value / 60:.1f} min"


def wrap_label(text: str, width: int = _LABEL_CHARS, max_lines: int = 2) -> str:
    """Wrap an id at ``_``, ``-``, ``.`` or spaces into at most ``max_lines``
    lines of at most ``width`` characters; shorten the rest with an ellipsis."""
    import re

    parts = [p for p in re.split(r"(?<=[_\-. /])", text) if p]
    lines: list[str] = []
    current = ""
    for part in parts:
        while len(part) > width:  # one unbreakable run longer than a line
            if current:
                lines.append(current)
                current = ""
            lines.append(part[:width])
            part = part[width:]
        if len(current) + len(part) > width and current:
            lines.append(current)
            current = part
        else:
            current += part
    if current:
        lines.append(current)
    if len(lines) > max_lines:  # keep the start and the end: ids differ at either
        rest = "".join(lines[max_lines - 1 :])
        tail = ""
        for part in reversed([p for p in re.split(r"(?<=[_\-. /])", rest) if p]):
            if len(tail) + len(part) > width - 1:
                break
            tail = part + tail
        lines = [*lines[: max_lines - 1], "…" + (tail or rest[-(width - 1) :])]
    return "\n".join(lines)


def _fit_label(text: str, available: float, size: float) -> str:
    """``text``, shortened with an ellipsis to fit ``available`` inches, or
    ``""`` when not even a few characters fit."""
    width = _text_size(text, size)[0]
    if width <= available:
        return text
    keep = int(len(text) * available / width) - 1
    while keep >= 3:  # the start and the end: ids differ at either
        short = text[: (keep + 1) // 2] + "…" + text[len(text) - keep // 2 :]
        if _text_size(short, size)[0] <= available:
            return short
        keep -= 1
    return ""


@cache
def _measurer() -> Any:
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(4, 4, 72)  # type: ignore[no-untyped-call]  # 72 dpi: pixel = point


@cache
def _text_size(text: str, size: float = _FONT) -> tuple[float, float]:
    """Width and height of ``text`` (possibly several lines) in inches."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(size=size)
    renderer = _measurer()
    lines = text.split("\n")
    widths = []
    for line in lines:
        w, _h, _d = renderer.get_text_width_height_descent(line or " ", prop, ismath=False)
        widths.append(w)
    # matplotlib stacks lines 1.2 font sizes apart; one line is about 1.2 sizes tall
    height = size * 1.2 * len(lines)
    return max(widths) / 72.0, height / 72.0


# ------------------------------------------------------------------ report


def load_report(out_dir_or_file: str | Path) -> dict[str, Any]:
    """Read a build report: ``OUT/.teamspec/report.json`` or that file itself.

    Raises :class:`UsageError` when the directory or the report is missing
    (the build has not run there yet) or the file is not a JSON object.
    """
    given = Path(out_dir_or_file)
    if given.is_dir():
        path = given / REPORT_JSON
        if not path.is_file():
            raise UsageError(
                f"{given}: no build report: expected {path}; run `teamspec build SPEC -o {given}` "
                "first, or pass the output directory of a finished build"
            )
    elif given.is_file():
        path = given
    else:
        raise UsageError(
            f"{given}: no such output directory; run `teamspec build SPEC -o {given}` first, "
            "or pass the output directory of a finished build"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: cannot read the build report: {e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        diag = Diagnostic(
            str(path), e.lineno, e.colno, "error",
            f"the build report is not valid JSON ({e.msg}); run `teamspec build` again to rewrite it",
        )
        raise UsageError(diag.message, [diag]) from None
    if not isinstance(data, dict):
        diag = Diagnostic(
            str(path), 1, 1, "error",
            f"expected a build report (a JSON object), found a JSON {type(data).__name__}; "
            "run `teamspec build` again to rewrite it",
        )
        raise UsageError(diag.message, [diag])
    return data


def _as_report(report: Mapping[str, Any] | str | Path) -> Mapping[str, Any]:
    if isinstance(report, (str, Path)):
        return load_report(report)
    return report


def report_name(report: Mapping[str, Any]) -> str:
    """The spec's name in a report (``spec`` is ``{name, path}``; older or
    hand-made reports may hold the name itself)."""
    spec = report.get("spec")
    if isinstance(spec, Mapping):
        return str(spec.get("name") or spec.get("path") or "build")
    return str(spec) if spec else "build"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    return None


def _timestamp(value: Any) -> float | None:
    """Seconds since the epoch from an ISO 8601 string or a number."""
    num = _number(value)
    if num is not None:
        return num
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class _Bar:
    id: str
    lane: int
    start: float
    finish: float
    color: str
    key: str  # legend entry (status or persona)


def report_workers(report: Mapping[str, Any]) -> dict[str, tuple[float, float, int]]:
    """``{contract: (start_s, finish_s, lane)}`` from a report.

    Times: a contract's ``start_s`` (seconds since execution began) plus its
    ``duration_s`` when every contract that ran has them; otherwise
    ``started_at`` / ``finished_at`` relative to the build's ``started_at``
    (else the earliest contract start).

    Lanes: a contract's ``worker`` field when every timed contract has one
    (reports do not record workers today); otherwise assigned greedily —
    contracts sorted by start time each take the lowest-numbered lane that is
    free at their start — which uses as few lanes as the measured overlap
    needs (never more than the build's worker count). Contracts with no start
    (blocked, never ran) are left out.
    """
    rows = [c for c in report.get("contracts") or () if isinstance(c, Mapping)]
    timed: list[tuple[str, float, float, Any]] = []
    relative = [c for c in rows if _number(c.get("start_s")) is not None]
    absolute = [c for c in rows if _timestamp(c.get("started_at")) is not None]
    if relative and len(relative) >= len(absolute):
        for c in relative:
            start = _number(c.get("start_s")) or 0.0
            timed.append((str(c.get("id", "?")), start,
                          start + max(_number(c.get("duration_s")) or 0.0, 0.0), c.get("worker")))
        origin = 0.0
    else:
        for c in absolute:
            start = _timestamp(c.get("started_at")) or 0.0
            finish = _timestamp(c.get("finished_at"))
            if finish is None:
                finish = start + (_number(c.get("duration_s")) or 0.0)
            timed.append((str(c.get("id", "?")), start, max(finish, start), c.get("worker")))
        if not timed:
            return {}
        began = _timestamp(report.get("started_at"))
        earliest = min(t[1] for t in timed)
        origin = began if began is not None and began <= earliest else earliest
    out: dict[str, tuple[float, float, int]] = {}
    if all(isinstance(w, int) and not isinstance(w, bool) and w >= 0 for *_, w in timed):
        for cid, s, f, w in timed:
            out[cid] = (s - origin, f - origin, int(w))
        return out
    free_at: list[float] = []
    eps = 1e-6
    for cid, s, f, _w in sorted(timed, key=lambda t: (t[1], t[2], t[0])):
        lane = next((i for i, t in enumerate(free_at) if t <= s + eps), None)
        if lane is None:
            lane = len(free_at)
            free_at.append(f)
        else:
            free_at[lane] = f
        out[cid] = (s - origin, f - origin, lane)
    return out


# ------------------------------------------------------------------ DAG


@dataclass(frozen=True)
class _Node:
    id: str
    label: str
    x: float  # centre, inches from the left of the drawing
    y: float  # centre, inches from the top of the drawing
    w: float
    h: float
    column: int


@dataclass(frozen=True)
class _DagLayout:
    nodes: Mapping[str, _Node]
    edges: tuple[tuple[str, str, str], ...]  # (source, target, kind)
    width: float  # drawing, inches, margins included
    height: float
    layers: int


def _layers(plan: Plan) -> list[list[str]]:
    ids = [c.id for c in plan.contracts]
    known = set(ids)
    groups = [[cid for cid in g if cid in known] for g in plan.groups]
    if groups and sorted(cid for g in groups for cid in g) == sorted(ids):
        return [g for g in groups if g]
    import networkx as nx

    graph = plan.graph if plan.graph is not None else nx.DiGraph()
    g2 = nx.DiGraph()
    g2.add_nodes_from(ids)
    g2.add_edges_from((u, v) for u, v in graph.edges() if u in known and v in known)
    order = {cid: i for i, cid in enumerate(ids)}
    return [sorted(gen, key=order.__getitem__) for gen in nx.topological_generations(g2)]


def _edges(plan: Plan) -> list[tuple[str, str, str]]:
    known = {c.id for c in plan.contracts}
    if plan.graph is not None:
        return [
            (u, v, str(d.get("kind", "implementation")))
            for u, v, d in plan.graph.edges(data=True)
            if u in known and v in known
        ]
    out: list[tuple[str, str, str]] = []
    for c in plan.contracts:
        out += [(d, c.id, "implementation") for d in c.depends_on if d in known]
        out += [(d, c.id, "interface") for d in c.uses if d in known]
    return out


def _order_layers(layers: list[list[str]], edges: Sequence[tuple[str, str, str]]) -> list[list[str]]:
    """Barycenter ordering inside each layer (down and up sweeps)."""
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for u, v, _k in edges:
        preds.setdefault(v, []).append(u)
        succs.setdefault(u, []).append(v)
    layers = [list(layer) for layer in layers]
    pos: dict[str, float] = {}

    def index(layer: list[str]) -> None:
        n = len(layer)
        for i, cid in enumerate(layer):
            pos[cid] = (i + 0.5) / n

    for layer in layers:
        index(layer)
    for sweep in range(4):
        down = sweep % 2 == 0
        seq = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
        for li in seq:
            layer = layers[li]
            nbrs = preds if down else succs
            keys: dict[str, float] = {}
            for cid in layer:
                ps = [pos[p] for p in nbrs.get(cid, ()) if p in pos]
                keys[cid] = sum(ps) / len(ps) if ps else pos[cid]
            layer.sort(key=lambda c: keys[c])
            index(layer)
    return layers


def _dag_layout(plan: Plan) -> _DagLayout:
    edges = _edges(plan)
    layers = _order_layers(_layers(plan), edges)
    labels = {c.id: wrap_label(c.id) for c in plan.contracts}
    pad = _BOX_PAD * _FONT / 72.0
    sizes: dict[str, tuple[float, float]] = {}
    for cid, label in labels.items():
        w, h = _text_size(label)
        sizes[cid] = (w + 2 * pad, h + 2 * pad)
    pitch = max((h for _w, h in sizes.values()), default=0.3) + _ROW_GAP
    # split tall generations into sub-columns
    columns: list[tuple[int, list[str]]] = []  # (layer index, ids)
    for li, layer in enumerate(layers):
        ncols = max(1, math.ceil(len(layer) / MAX_ROWS))
        rows = math.ceil(len(layer) / ncols) if layer else 0
        for k in range(ncols):
            columns.append((li, layer[k * rows : (k + 1) * rows]))
    max_rows = max((len(ids) for _li, ids in columns), default=1)
    height = max_rows * pitch + 2 * _MARGIN
    nodes: dict[str, _Node] = {}
    x = _MARGIN
    for ci, (_li, ids) in enumerate(columns):
        col_w = max((sizes[c][0] for c in ids), default=0.5)
        top = _MARGIN + (max_rows - len(ids)) * pitch / 2
        for r, cid in enumerate(ids):
            w, h = sizes[cid]
            nodes[cid] = _Node(cid, labels[cid], x + col_w / 2, top + (r + 0.5) * pitch, w, h, ci)
        x += col_w + _COL_GAP
    width = x - _COL_GAP + _MARGIN if columns else 2 * _MARGIN
    return _DagLayout(nodes, tuple(edges), width, height, len(layers))


def _legend_shape(entries: int, width: float) -> tuple[int, int]:
    per_row = max(1, int((width - 2 * _MARGIN) // _LEGEND_ENTRY_W))
    return math.ceil(entries / per_row), per_row


def _dag_handles(
    plan: Plan, colors: Mapping[str, str], color_by: str, used: Iterable[str]
) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    names = {p.id: p.name for p in plan.team}
    for key in dict.fromkeys(used):
        label = names.get(key, key) if color_by == "persona" else key.replace("_", " ")
        handles.append(Patch(facecolor=colors[key], edgecolor="#333333", label=label))
    handles.append(Line2D([], [], color=_EDGE, lw=1.0, label="depends_on (waits)"))
    handles.append(Line2D([], [], color=_EDGE, lw=1.0, ls="--", label="uses (interface, no wait)"))
    if plan.critical_path:
        handles.append(
            Patch(facecolor="white", edgecolor=_CRITICAL, lw=2.0, label="critical path")
        )
    return handles


def _dag_size(plan: Plan, layout: _DagLayout, n_legend: int) -> tuple[float, float, int, int]:
    width = max(layout.width, 7.0)
    rows, per_row = _legend_shape(n_legend, width)
    legend_h = rows * _LEGEND_ROW + 0.15
    return width, _TITLE_H + layout.height + legend_h, rows, per_row


def _dag_colors(
    plan: Plan, color_by: str, statuses: Mapping[str, str] | None
) -> tuple[dict[str, str], dict[str, str]]:
    """(node colour per contract, legend colour per key)"""
    if color_by == "persona":
        order = [p.id for p in plan.team] + [c.provider for c in plan.contracts]
        palette = persona_colors(order)
        return {c.id: palette[c.provider] for c in plan.contracts}, {
            k: palette[k] for k in dict.fromkeys(c.provider for c in plan.contracts)
        }
    if color_by == "status":
        st = statuses or {}
        node = {c.id: status_color(str(st.get(c.id, "pending"))) for c in plan.contracts}
        keys = dict.fromkeys(str(st.get(c.id, "pending")) for c in plan.contracts)
        return node, {k: status_color(k) for k in keys}
    raise UsageError(f"color_by: expected 'persona' or 'status', found {color_by!r}")


def _draw_dag(
    container: Container,
    plan: Plan,
    layout: _DagLayout,
    size: tuple[float, float],
    color_by: str,
    statuses: Mapping[str, str] | None,
) -> None:
    from matplotlib.patches import FancyArrowPatch

    node_colors, legend_colors = _dag_colors(plan, color_by, statuses)
    handles = _dag_handles(plan, legend_colors, color_by, legend_colors)
    width, height = size
    rows, per_row = _legend_shape(len(handles), width)
    legend_h = rows * _LEGEND_ROW + 0.15
    draw_h = layout.height
    ax: Axes = container.add_axes((0.0, legend_h / height, 1.0, draw_h / height))
    dx = (width - layout.width) / 2  # centre a narrow drawing
    ax.set_xlim(-dx, width - dx)
    ax.set_ylim(draw_h, 0.0)
    ax.set_axis_off()

    crit = list(plan.critical_path)
    crit_nodes = set(crit)
    crit_edges = set(itertools.pairwise(crit))
    for u, v, kind in layout.edges:
        a, b = layout.nodes[u], layout.nodes[v]
        critical = (u, v) in crit_edges
        if b.column > a.column:
            pa, pb = (a.x + a.w / 2, a.y), (b.x - b.w / 2, b.y)
            style = "arc3,rad=0.0"
        else:  # same generation split in sub-columns cannot happen; be safe
            pa, pb = (a.x, a.y + a.h / 2), (b.x, b.y - b.h / 2)
            style = "arc3,rad=0.3"
        ax.add_artist(
            FancyArrowPatch(
                pa, pb, arrowstyle="-|>", mutation_scale=8, connectionstyle=style,
                color=_CRITICAL if critical else _EDGE,
                lw=2.0 if critical else 0.8,
                ls="--" if kind == "interface" else "-",
                alpha=1.0 if critical else 0.55,
                zorder=2 if critical else 1,
                shrinkA=0.0, shrinkB=1.0,
            )
        )
    for cid, node in layout.nodes.items():
        fc = node_colors[cid]
        critical = cid in crit_nodes
        ax.text(
            node.x, node.y, node.label, ha="center", va="center", fontsize=_FONT,
            color=_text_color(fc), zorder=3, gid=f"node:{cid}",
            bbox={
                "boxstyle": f"round,pad={_BOX_PAD}",
                "fc": fc,
                "ec": _CRITICAL if critical else "#333333",
                "lw": 2.0 if critical else 0.6,
            },
        )
    name = plan.spec.name if plan.spec is not None else "plan"
    title = (
        f"{name}: {len(plan.contracts)} contract{'s' * (len(plan.contracts) != 1)} in "
        f"{layout.layers} generation{'s' * (layout.layers != 1)}"
        f" · critical path {_hours(plan.critical_path_hours)}"
    )
    container.text(
        0.5, 1 - (_TITLE_H / 2) / height, title, ha="center", va="center",
        fontsize=11, weight="bold",
    )
    container.legend(
        handles=handles, loc="lower center", ncol=per_row, fontsize=8, frameon=False,
        bbox_to_anchor=(0.5, 0.0), borderaxespad=0.3,
    )


def dag_figure(
    plan: Plan,
    *,
    color_by: str = "persona",
    statuses: Mapping[str, str] | None = None,
) -> Figure:
    """The plan's DAG in layers (topological generations, left to right).

    ``color_by="persona"`` colours nodes by their provider; ``"status"``
    colours them by ``statuses`` (``{contract: status}``; missing ones are
    ``pending``). Interface (``uses``) edges are dashed; the critical path is
    outlined in red. The figure is sized so labels never overlap.
    """
    layout = _dag_layout(plan)
    _nc, legend_colors = _dag_colors(plan, color_by, statuses)
    n_handles = len(legend_colors) + 2 + (1 if plan.critical_path else 0)
    width, height, _r, _p = _dag_size(plan, layout, n_handles)
    fig = _new_figure(width, height)
    _draw_dag(fig, plan, layout, (width, height), color_by, statuses)
    return fig


# ------------------------------------------------------------------ Gantt


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


# ------------------------------------------------------------------ savings


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


def _predicted_panel(report: Mapping[str, Any]) -> _Panel | None:
    """The plan's prediction as the report recorded it (``predicted``)."""
    predicted = report.get("predicted")
    if not isinstance(predicted, Mapping):
        return None
    rows: list[tuple[str, float, str]] = []
    for label, key, color in (
        ("sequential (1 worker)", "sequential_hours", "#9e9e9e"),
        (f"predicted ({predicted.get('workers', '?')} workers)", "makespan_hours", "#1f77b4"),
        ("level by level (barrier)", "barrier_makespan_hours", "#aec7e8"),
        ("lower bound", "lower_bound_hours", "#2ca02c"),
    ):
        value = _number(predicted.get(key))
        if value is not None:
            rows.append((label, value, color))
    if not rows:
        return None
    savings = _number(predicted.get("savings"))
    title = "plan: predicted savings " + (f"{savings:.0%}" if savings is not None else "n/a")
    return _Panel(title, tuple(rows), "h")


def _report_panel(report: Mapping[str, Any]) -> _Panel:
    timing = report.get("timing")
    t: Mapping[str, Any] = timing if isinstance(timing, Mapping) else {}
    rows: list[tuple[str, float, str]] = []
    for label, key, color in (
        ("sequential (sum of durations)", "sequential_s", "#9e9e9e"),
        (f"measured ({report.get('workers', '?')} workers)", "wall_s", "#ff7f0e"),
        ("measured critical path", "critical_path_s", "#d62728"),
        ("lower bound", "lower_bound_s", "#2ca02c"),
    ):
        value = _number(t.get(key))
        if value is not None:
            rows.append((label, value, color))
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


# ------------------------------------------------------------------ quality


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


# ------------------------------------------------------------------ live pictures


class ScheduleCanvas:
    """The predicted schedule of a plan that changes (the plan explorer's
    workers slider), redrawn in place: one figure whose artists are updated
    for each new plan (:class:`_GanttArtists`), rendered at ``dpi``.

    ``png(plan)`` always draws ``plan`` (never a cached picture); the PNG is
    the one :func:`predicted_gantt_figure` gives at the same dpi. The
    figure is rebuilt only when the legend (the personas) changes.
    """

    def __init__(self, *, dpi: float = 80.0) -> None:
        self.dpi = dpi
        self.figure: Figure | None = None
        self._artists: _GanttArtists | None = None

    def png(self, plan: Plan) -> bytes:
        g = _plan_gantt(plan)
        size = _gantt_size(g.lanes, len(g.legend), bool(g.note))
        artists = self._artists
        if artists is None or self.figure is None or artists.key != (size[0], tuple(g.legend.items()), g.note):
            self.figure = _new_figure(*size, dpi=self.dpi)
            artists = self._artists = _GanttArtists(self.figure, size[0], g.legend, g.note)
        else:
            self.figure.set_size_inches(size, forward=False)
        artists.update(g, size)
        return _fast_png(self.figure)


class SavingsCanvas:
    """The savings chart of a plan that changes, redrawn in place (see
    :class:`ScheduleCanvas`); the PNG is the one :func:`savings_figure`
    gives at the same dpi."""

    def __init__(self, *, dpi: float = 80.0) -> None:
        self.dpi = dpi
        self.figure: Figure | None = None
        self._artists: _PanelArtists | None = None

    def png(self, plan: Plan) -> bytes:
        panels = _savings_panels(plan, None)
        size = _savings_size(panels)
        shape = _panels_shape(panels)
        artists = self._artists
        if artists is None or self.figure is None or artists.key != (size, shape):
            self.figure = _new_figure(*size, dpi=self.dpi)
            artists = self._artists = _PanelArtists(self.figure, size, shape)
        artists.update(panels)
        return _fast_png(self.figure)


def _fast_png(fig: Figure) -> bytes:
    """``fig`` as PNG at its own dpi: the Agg canvas drawn, then written by
    Pillow with light compression (a widget picture, redrawn often)."""
    from PIL import Image

    canvas = fig.canvas
    canvas.draw()
    buffer = canvas.buffer_rgba()  # type: ignore[attr-defined]
    height, width = buffer.shape[:2]
    image = Image.frombuffer("RGBA", (width, height), buffer, "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.save(out, format="png", compress_level=1)
    return out.getvalue()


# ------------------------------------------------------------------ composites


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
