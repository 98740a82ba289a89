"""Figures kept and updated in place for a plan that changes (the plan explorer's workers slider)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from teamspec.viz._base import _new_figure
from teamspec.viz._gantt import _gantt_size, _GanttArtists, _plan_gantt
from teamspec.viz._savings import _PanelArtists, _panels_shape, _savings_panels, _savings_size

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from teamspec.model import Plan


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
