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

The code lives in one module per picture (``_dag``, ``_gantt``, ``_savings``,
``_quality``, ``_live``, ``_composites``) over shared pieces (``_base``,
``_report``); this package exports the public names.
"""

from __future__ import annotations

from teamspec.viz._base import (
    MAX_ROWS,
    PERSONA_COLORS,
    STATUS_COLORS,
    persona_colors,
    png_bytes,
    status_color,
    wrap_label,
)
from teamspec.viz._composites import (
    PLAN_PARTS,
    REPORT_PARTS,
    plan_figure,
    plan_png,
    report_figure,
    report_png,
)
from teamspec.viz._dag import dag_figure
from teamspec.viz._gantt import gantt_figure, predicted_gantt_figure
from teamspec.viz._live import SavingsCanvas, ScheduleCanvas
from teamspec.viz._quality import quality_figure
from teamspec.viz._report import load_report, report_name, report_workers
from teamspec.viz._savings import savings_figure

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
