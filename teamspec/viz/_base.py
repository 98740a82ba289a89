"""Shared pieces of the pictures: colours, figures, PNG output, labels and their measurement."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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
