"""Renderings of a :class:`~teamspec.model.Plan`: a JSON-ready dict, the
terminal view, Mermaid and Graphviz dot.

Every function is a pure function from a plan to a value; the CLI prints.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from teamspec.model import Contract, Plan

__all__ = ["plan_to_dict", "plan_to_json", "render_dot", "render_mermaid", "render_text"]

# Predicted-schedule bars are drawn only up to this many contracts.
GANTT_MAX_CONTRACTS = 60
GANTT_WIDTH = 40


def _r(x: float) -> float:
    """A float rounded to 3 decimals (no ``-0.0``)."""
    v = round(float(x), 3)
    return 0.0 if v == 0 else v


def _critical_edges(plan: Plan) -> set[tuple[str, str]]:
    return set(itertools.pairwise(plan.critical_path))


def _group_of(plan: Plan) -> dict[str, int]:
    return {cid: g for g, members in enumerate(plan.groups) for cid in members}


# -- JSON ----------------------------------------------------------------------


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as ``teamspec plan --format json`` prints it (DESIGN.md §7).

    Keys come in a fixed order; hours and ratios are rounded to 3 decimals.
    ``contracts`` is in topological order; ``group`` is the index of the
    contract's topological generation in ``groups``; ``worker``, ``start_h``
    and ``finish_h`` are the predicted list schedule.
    """
    from teamspec import __version__

    group = _group_of(plan)
    critical = set(plan.critical_path)
    contracts: list[dict[str, Any]] = []
    for c in plan.contracts:
        slot = plan.schedule.get(c.id)
        contracts.append({
            "id": c.id,
            "name": c.name,
            "provider": c.provider,
            "type": c.type,
            "mock": c.mock,
            "depends_on": list(c.depends_on),
            "uses": list(c.uses),
            "group": group.get(c.id),
            "priority": _r(plan.priorities.get(c.id, 0.0)),
            "effort_hours": _r(c.effort_hours),
            "start_h": _r(slot.start_h) if slot else None,
            "finish_h": _r(slot.finish_h) if slot else None,
            "worker": slot.worker if slot else None,
            "critical": c.id in critical,
        })
    return {
        "teamspec_version": __version__,
        "spec": str(plan.spec.path),
        "name": plan.spec.name,
        "workers": plan.workers,
        "analysis": plan.analysis.to_dict(),
        "blueprint": plan.blueprint.to_dict(),
        "team": [{"id": p.id, "name": p.name} for p in plan.team],
        "contracts": contracts,
        "groups": [list(g) for g in plan.groups],
        "critical_path": list(plan.critical_path),
        "critical_path_hours": _r(plan.critical_path_hours),
        "sequential_hours": _r(plan.sequential_hours),
        "predicted_makespan_hours": _r(plan.predicted_makespan_hours),
        "lower_bound_hours": _r(plan.lower_bound_hours),
        "barrier_makespan_hours": _r(plan.barrier_makespan_hours),
        "predicted_savings": _r(plan.predicted_savings),
        "warnings": list(plan.warnings),
    }


def plan_to_json(plan: Plan) -> str:
    """:func:`plan_to_dict` as indented JSON text ending in a newline."""
    return json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n"


# -- text ----------------------------------------------------------------------


class _Style:
    """ANSI styling that is a no-op unless enabled."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and text else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)

    def magenta(self, text: str) -> str:
        return self._wrap("35", text)


def _width(text: str) -> int:
    """Terminal columns of ``text`` (wide East Asian characters count 2,
    combining marks 0)."""
    if text.isascii():
        return len(text)
    n = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    """Make a value safe to print on a terminal: control characters (ANSI
    escapes included) are shown as ``\\xNN`` escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _hours(x: float) -> str:
    """``8`` → ``8.0``, ``0.25`` → ``0.25``."""
    return f"{x:.1f}" if abs(x * 10 - round(x * 10)) < 1e-9 else f"{x:.2f}"


def _table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[list[str]]:
    """Pad the cells of ``rows`` to aligned columns (``right``: indexes of
    right-aligned columns). Rows keep their cells; the caller joins and
    styles them. The last column is not padded."""
    if not rows:
        return []
    ncols = max(len(r) for r in rows)
    widths = [max((_width(r[i]) for r in rows if i < len(r)), default=0) for i in range(ncols)]
    out: list[list[str]] = []
    for r in rows:
        cells = []
        for i, cell in enumerate(r):
            last = i == len(r) - 1
            cells.append(cell if last and i not in right else _pad(cell, widths[i], i in right))
        out.append(cells)
    return out


def render_text(plan: Plan, *, color: bool = False) -> str:
    """The terminal view of a plan: analysis, blueprint (score, reasons and
    the two runners-up), team, contracts by group, critical path and the
    predicted schedule against the sequential time, the lower bound and the
    level-by-level barrier schedule. Plain text; ANSI colour only when
    ``color`` is true."""
    s = _Style(color)
    out: list[str] = []
    add = out.append
    spec = plan.spec

    add(f"{s.bold('Plan')} {s.bold(s.cyan(_clean(spec.name)))}  "
        f"{s.dim(_clean(str(spec.path)))}")
    add("")

    # Analysis
    a = plan.analysis
    add(s.bold("Analysis"))
    rows = [
        ["type", a.type],
        ["complexity", a.complexity],
        ["parallelizability", a.parallelizability],
        ["effort", f"{_hours(a.effort_hours)} h (estimate)"],
        ["expertise", ", ".join(a.expertise) or "-"],
        ["entities", ", ".join(a.entities) or "-"],
        *([["risks" if i == 0 else "", risk] for i, risk in enumerate(a.risks)] or [["risks", "-"]]),
        ["confidence", f"{a.confidence:.2f} ({a.source})"],
    ]
    for key, value in _table([[k, _clean(v)] for k, v in rows]):  # one risk a line
        add(f"  {s.dim(key)}  {value}")
    add("")

    # Blueprint
    b = plan.blueprint
    add(s.bold("Blueprint"))
    tag = "  requested in the spec" if b.requested else ""
    add(f"  {s.bold(_clean(b.id))}  {_clean(b.name)}  score {s.green(f'{b.score:.2f}')}"
        f"{s.dim(tag)}")
    for reason in b.reasons:
        add(f"    - {_clean(reason)}")
    if b.alternatives:
        add(f"  {s.dim('runners-up')}")
        alternatives = b.alternatives[:2]
        heads = _table([[_clean(alt.id), f"score {alt.score:.2f}"] for alt in alternatives])
        for alt, (ident, score) in zip(alternatives, heads, strict=True):
            add(f"    {ident}  {score}")
            for reason in alt.reasons:
                add(f"      - {_clean(reason)}")
    add("")

    # Team
    provides: dict[str, int] = {}
    for c in plan.contracts:
        provides[c.provider] = provides.get(c.provider, 0) + 1
    add(s.bold(f"Team ({len(plan.team)} personas)"))
    team_rows = []
    for p in plan.team:
        n = provides.get(p.id, 0)
        team_rows.append([_clean(p.id), _clean(p.name), f"{n} contract{'s' if n != 1 else ''}"])
    for cells in _table(team_rows):
        add("  " + "  ".join(cells).rstrip())
    if not team_rows:
        add("  -")
    add("")

    # Contracts by group
    out.extend(_contracts_section(plan, s))
    add("")

    # Critical path
    add(f"{s.bold('Critical path')}  {_hours(plan.critical_path_hours)} h")
    if plan.critical_path:
        add("  " + " -> ".join(s.magenta(_clean(cid)) for cid in plan.critical_path))
    else:
        add("  -")
    add("")

    out.extend(_schedule_section(plan, s))

    if plan.warnings:
        add("")
        add(s.bold("Warnings"))
        for w in plan.warnings:
            add(f"  {s.yellow('warning:')} {_clean(w)}")
    return "\n".join(out) + "\n"


def _contracts_section(plan: Plan, s: _Style) -> list[str]:
    n = len(plan.contracts)
    head = f"Contracts ({n} in {len(plan.groups)} group{'s' if len(plan.groups) != 1 else ''})"
    lines = [s.bold(head) + (s.dim("  * = on the critical path") if n else "")]
    if not n:
        lines.append("  -")
        return lines
    critical = set(plan.critical_path)
    by_id = {c.id: c for c in plan.contracts}
    rows: list[list[str]] = []
    kinds: list[str | None] = []  # None for a group header, else the contract id
    for g, members in enumerate(plan.groups):
        rows.append([f"group {g}"])
        kinds.append(None)
        for cid in members:
            c = by_id[cid]
            rows.append(["*" if cid in critical else " ", _clean(cid), _clean(c.provider),
                         _clean(c.type), f"{_hours(c.effort_hours)} h", _clean(_relations(c))])
            kinds.append(cid)
    contract_rows = [r for r, k in zip(rows, kinds, strict=True) if k is not None]
    padded = iter(_table(contract_rows, right=(4,)))
    for row, kind in zip(rows, kinds, strict=True):
        if kind is None:
            lines.append("  " + s.dim(row[0]))
            continue
        cells = next(padded)
        mark, ident = cells[0], cells[1]
        if kind in critical:
            mark, ident = s.magenta(mark), s.magenta(ident)
        rest = "  ".join(cells[2:]).rstrip()
        lines.append(f"  {mark} {ident}  {rest}")
    return lines


def _relations(c: Contract) -> str:
    parts = []
    if c.depends_on:
        parts.append("depends on " + ", ".join(c.depends_on))
    if c.uses:
        parts.append("uses " + ", ".join(c.uses))
    return "; ".join(parts)


def _schedule_section(plan: Plan, s: _Style) -> list[str]:
    m = plan.workers
    lines = [s.bold("Predicted schedule") + s.dim(f"  list scheduler, {m} worker{'s' if m != 1 else ''}")]
    makespan = plan.predicted_makespan_hours
    if plan.contracts and makespan > 0 and len(plan.contracts) <= GANTT_MAX_CONTRACTS:
        lines.extend(_gantt(plan, s))
        lines.append("")
    elif len(plan.contracts) > GANTT_MAX_CONTRACTS:
        lines.append(s.dim(f"  (timeline of {len(plan.contracts)} contracts omitted; "
                           "the JSON output has every start and finish)"))
    seq = plan.sequential_hours
    per_worker = seq / m
    rows = [
        ["sequential", f"{_hours(seq)} h", "one contract after another"],
        ["predicted makespan", f"{_hours(makespan)} h", f"list schedule on {m} workers"],
        ["lower bound", f"{_hours(plan.lower_bound_hours)} h",
         f"max(critical path {_hours(plan.critical_path_hours)} h, "
         f"{_hours(seq)} h / {m} workers = {_hours(per_worker)} h)"],
        ["barrier schedule", f"{_hours(plan.barrier_makespan_hours)} h",
         "level by level, for comparison"],
        ["predicted savings", f"{plan.predicted_savings * 100:.1f} %", "1 - makespan / sequential"],
        ["peak parallelism", f"{_peak(plan)} of {m}", "contracts running at once"],
    ]
    for i, (key, value, note) in enumerate(_table(rows, right=(1,))):
        if i == 4:
            value = s.green(value)
        elif i == 1:
            value = s.bold(value)
        lines.append(f"  {key}  {value}  {s.dim(note)}")
    if any(c.uses for c in plan.contracts):
        lines.append(s.dim("  `uses` never waits: mocks exist before any persona runs"))
    return lines


def _peak(plan: Plan) -> int:
    """Most contracts running at the same time in the predicted schedule
    (a contract finishing at t does not overlap one starting at t)."""
    events = sorted(
        [(slot.start_h, 1) for slot in plan.schedule.values() if slot.finish_h > slot.start_h]
        + [(slot.finish_h, -1) for slot in plan.schedule.values()
           if slot.finish_h > slot.start_h]
    )
    peak = running = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    return peak


def _gantt(plan: Plan, s: _Style) -> list[str]:
    makespan = plan.predicted_makespan_hours
    scale = GANTT_WIDTH / makespan
    critical = set(plan.critical_path)
    order = sorted(plan.contracts, key=lambda c: (plan.schedule[c.id].start_h,
                                                  plan.schedule[c.id].worker))
    rows = [["contract", "worker", "start", "finish"]]
    bars: list[str] = []
    for c in order:
        slot = plan.schedule[c.id]
        begin = round(slot.start_h * scale)
        end = round(slot.finish_h * scale)
        if slot.finish_h > slot.start_h:
            end = max(end, begin + 1)
        bar = " " * begin + ("=" * (end - begin) if end > begin else "|")
        bars.append(_pad(bar, GANTT_WIDTH))
        rows.append([_clean(c.id), f"w{slot.worker}", _hours(slot.start_h), _hours(slot.finish_h)])
    table = _table(rows, right=(2, 3))
    axis_left = "0 h"
    axis_right = f"{_hours(makespan)} h"
    axis = axis_left + " " * max(1, GANTT_WIDTH + 2 - len(axis_left) - len(axis_right)) + axis_right
    lines = [s.dim("  " + "  ".join(table[0]) + "  " + axis)]
    for c, cells, bar in zip(order, table[1:], bars, strict=True):
        text = "  ".join(cells)
        painted = s.magenta(bar) if c.id in critical else s.cyan(bar)
        lines.append(f"  {text}  |{painted}|")
    return lines


# -- Mermaid ---------------------------------------------------------------------

_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 _.,:/()+=@-]")


def _mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: everything outside a small safe set
    becomes a ``#NNN;`` entity (quotes, ``#``, ``<``, ``%``, brackets,
    backticks, control characters, non-ASCII), so no contract id can end the
    string, open a tag, start a comment or a directive. Leading and trailing
    spaces are entities too (Mermaid would trim them)."""
    body = text.strip(" ")
    lead = len(text) - len(text.lstrip(" "))
    trail = len(text) - lead - len(body) if body else 0
    encoded = "".join(ch if _MERMAID_SAFE.fullmatch(ch) else f"#{ord(ch)};" for ch in body)
    return "#32;" * lead + encoded + "#32;" * trail


def render_mermaid(plan: Plan) -> str:
    """A Mermaid ``flowchart LR``: one subgraph per group, ``-->`` for
    implementation edges (``depends_on``), ``-.->`` for interface edges
    (``uses``); the critical path is drawn thick.

    Node ids are generated (``c0``, ``c1``, ... in topological order) and the
    contract id and provider are the node's quoted, entity-escaped label, so
    any contract id is safe.
    """
    node = {c.id: f"c{i}" for i, c in enumerate(plan.contracts)}
    by_id = {c.id: c for c in plan.contracts}
    lines = ["flowchart LR"]
    for g, members in enumerate(plan.groups):
        lines.append(f'  subgraph g{g}["{_mermaid_text(f"group {g}")}"]')
        for cid in members:
            c = by_id[cid]
            label = f"{_mermaid_text(cid)}<br/>{_mermaid_text(c.provider)}"
            lines.append(f'    {node[cid]}["{label}"]')
        lines.append("  end")
    critical_edges = _critical_edges(plan)
    thick: list[int] = []  # linkStyle counts edges in the order they are written
    for number, (source, target, kind) in enumerate(_edges(plan)):
        arrow = "-.->" if kind == "interface" else "-->"
        if (source, target) in critical_edges:
            thick.append(number)
        lines.append(f"  {node[source]} {arrow} {node[target]}")
    if plan.critical_path:
        lines.append("  classDef critical stroke-width:3px")
        lines.append("  class " + ",".join(node[cid] for cid in plan.critical_path) + " critical")
    if thick:
        lines.append("  linkStyle " + ",".join(str(i) for i in thick) + " stroke-width:3px")
    return "\n".join(lines) + "\n"


def _edges(plan: Plan) -> list[tuple[str, str, str]]:
    """``(provider, consumer, kind)`` in a stable order: consumers in plan
    order, their providers in plan order."""
    position = {c.id: i for i, c in enumerate(plan.contracts)}
    out: list[tuple[str, str, str]] = []
    for c in plan.contracts:
        kinds: dict[str, str] = {u: "interface" for u in c.uses}
        kinds.update({d: "implementation" for d in c.depends_on})
        for provider in sorted(kinds, key=lambda p: position.get(p, len(position))):
            out.append((provider, c.id, kinds[provider]))
    return out


# -- Graphviz dot ----------------------------------------------------------------


def _dot_id(text: str) -> str:
    """A quoted DOT ID, one per distinct text: backslashes doubled, quotes
    escaped, control characters written as ``\\xNN`` and a leading ``%``
    (Graphviz reserves such names for anonymous objects) as ``\\%``.
    Graphviz keeps a backslash that is followed by neither a quote nor a
    backslash, so no two texts share an ID."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return '"' + ("\\" + text if text.startswith("%") else text) + '"'


def _dot_label(lines: Sequence[str]) -> str:
    """A quoted DOT label of several lines. ``&`` is written as ``&amp;``
    (Graphviz decodes entities in labels) and backslashes are doubled (so
    ``\\N``, ``\\G``... stay literal)."""
    parts = []
    for line in lines:
        line = _CONTROL.sub(" ", line).replace("&", "&amp;")
        parts.append(line.replace("\\", "\\\\").replace('"', '\\"'))
    return '"' + "\\n".join(parts) + '"'


def render_dot(plan: Plan) -> str:
    """A Graphviz digraph: left to right, the contracts of a group on the
    same rank, interface edges (``uses``) dashed, the critical path bold."""
    critical = set(plan.critical_path)
    critical_edges = _critical_edges(plan)
    by_id = {c.id: c for c in plan.contracts}
    title = (f"{plan.spec.name}: predicted {_hours(plan.predicted_makespan_hours)} h on "
             f"{plan.workers} workers (sequential {_hours(plan.sequential_hours)} h)")
    lines = [
        f"digraph {_dot_id(plan.spec.name)} {{",
        f'  graph [rankdir=LR, labelloc=t, fontname="Helvetica", label={_dot_label([title])}];',
        '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica"];',
    ]
    for g, members in enumerate(plan.groups):
        lines.append(f"  subgraph group_{g} {{")
        lines.append("    rank=same;")
        for cid in members:
            c = by_id[cid]
            label = _dot_label([cid, c.provider, f"{_hours(c.effort_hours)} h"])
            extra = ', style="rounded,bold", penwidth=2' if cid in critical else ""
            lines.append(f"    {_dot_id(cid)} [label={label}{extra}];")
        lines.append("  }")
    for source, target, kind in _edges(plan):
        attrs = []
        if kind == "interface":
            attrs.append("style=dashed")
        elif (source, target) in critical_edges:
            attrs += ["style=bold", "penwidth=2"]
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {_dot_id(source)} -> {_dot_id(target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"
