"""The plan's DAG: layered layout (topological generations), drawing, :func:`dag_figure`."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from teamspec.errors import UsageError
from teamspec.viz._base import (
    _BOX_PAD,
    _COL_GAP,
    _CRITICAL,
    _EDGE,
    _FONT,
    _LEGEND_ENTRY_W,
    _LEGEND_ROW,
    _MARGIN,
    _ROW_GAP,
    _TITLE_H,
    MAX_ROWS,
    _hours,
    _new_figure,
    _text_color,
    _text_size,
    persona_colors,
    status_color,
    wrap_label,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    from teamspec.model import Plan

    Container = Figure | SubFigure


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
