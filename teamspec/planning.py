"""The plan stage: contracts → a dependency graph, priorities and a predicted
schedule.

Stages: ``load → analyse → design →`` **plan** ``→ build``.

* The graph is a ``networkx.DiGraph``: one node per contract id (attributes
  ``contract`` — the :class:`~teamspec.model.Contract` — and ``group``), one
  edge provider → consumer per dependency, with ``kind`` =
  ``"implementation"`` for ``depends_on`` and ``"interface"`` for ``uses``.
  When a contract both depends on and uses the same contract, the edge is an
  implementation edge (the stronger of the two).
* **Interface edges never delay a start.** Mocks for every ``mock: true``
  contract are generated before any persona runs, so a consumer that only
  ``uses`` a contract works against its interface and mock from time zero.
  Interface edges count for display (the groups) and for cycle detection,
  never for priorities, the critical path or the schedule.
* Groups are the topological generations over both edge kinds (display only).
* Priorities are bottom levels over implementation edges: a contract's effort
  plus the longest effort path from it to a sink. The critical path is the
  longest effort path over implementation edges.
* The predicted schedule is :func:`teamspec.schedule.simulate` — the same
  list-scheduling policy the engine runs — with effort hours as durations,
  bottom levels as priorities and ties broken by topological order. For
  comparison the plan also reports the lower bound
  ``max(critical path, total / workers)`` and the makespan of the naive
  level-by-level (barrier) schedule over the generations of implementation
  edges.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamspec.errors import Diagnostic, TeamspecError
from teamspec.model import (
    Analysis,
    Contract,
    Design,
    Plan,
    ScheduledContract,
    Spec,
    format_path,
)

if TYPE_CHECKING:
    import networkx as nx

IMPLEMENTATION = "implementation"
INTERFACE = "interface"

__all__ = [
    "IMPLEMENTATION",
    "INTERFACE",
    "PlanError",
    "bottom_levels",
    "build_graph",
    "implementation_deps",
    "make_plan",
    "plan_design",
]


class PlanError(TeamspecError):
    """Raised by :func:`plan_design` when the contracts cannot be planned:
    duplicate ids, a reference to an unknown contract, a dependency cycle
    (across ``depends_on`` and ``uses``), an effort that is not a finite
    number of hours >= 0, or fewer than one worker.

    ``diagnostics`` locates each problem in the spec file when the contract
    was written there (designed contracts point at the file as a whole).
    """


def make_plan(
    spec: Spec | str | Path,
    *,
    workers: int | None = None,
    analysis: Analysis | None = None,
) -> Plan:
    """Load (when given a path), analyse, design and plan a spec.

    This is ``teamspec.plan``: the library entry point for planning. It
    returns a :class:`~teamspec.model.Plan` and raises
    :class:`~teamspec.errors.SpecError` for a spec that does not load and
    :class:`PlanError` for contracts that cannot be planned. ``workers``
    defaults to the spec's ``constraints.max_workers``; ``analysis`` skips
    the analysis stage (e.g. an analysis Claude made).
    """
    if isinstance(spec, Spec):
        loaded = spec
    else:
        from teamspec.spec import load_spec

        loaded = load_spec(spec)
    if analysis is None:
        from teamspec.analysis import analyse

        analysis = analyse(loaded.requirement)
    from teamspec.design import design as design_contracts

    designed: Design = design_contracts(loaded, analysis)
    return plan_design(loaded, analysis, designed, workers=workers)


def plan_design(
    spec: Spec,
    analysis: Analysis,
    design: Design,
    *,
    workers: int | None = None,
) -> Plan:
    """Plan designed contracts: graph, groups, priorities, critical path and
    the predicted list schedule on ``workers`` (default: the spec's
    ``constraints.max_workers``).

    ``Plan.contracts`` is in topological order over both edge kinds, ties
    kept in design order. Raises :class:`PlanError` (see there).
    """
    from teamspec.schedule import barrier_makespan, simulate

    m = spec.constraints.max_workers if workers is None else workers
    _check_workers(m)
    contracts = design.contracts
    _check_contracts(spec, contracts)
    index = {c.id: i for i, c in enumerate(contracts)}
    both = _successors(contracts, with_uses=True)
    ordered = _topological_order(both, index)
    if ordered is None:
        _check_acyclic(spec, build_graph(contracts), contracts)
        raise PlanError("internal error: a cycle that could not be located")  # pragma: no cover
    topo = ordered
    groups = tuple(tuple(gen) for gen in _generations(both, index))

    deps = implementation_deps(contracts)
    effort = {c.id: float(c.effort_hours) for c in contracts}
    priority = bottom_levels(deps, effort, topo)
    critical = _critical_path(deps, priority, effort, topo)
    critical_hours = priority[critical[0]] if critical else 0.0
    sequential = math.fsum(effort.values())

    simulated = simulate(deps, effort, priority, m, order=topo)
    if len(simulated) != len(contracts):  # pragma: no cover - guarded by the checks above
        missing = sorted(set(effort) - set(simulated), key=index.__getitem__)
        raise PlanError(f"internal error: the schedule did not reach {', '.join(missing)}")
    schedule = {cid: ScheduledContract(cid, *simulated[cid]) for cid in topo}
    makespan = max((s.finish_h for s in schedule.values()), default=0.0)

    levels = _generations(_successors(contracts, with_uses=False), index)
    barrier = barrier_makespan(levels, effort, m)

    by_id = {c.id: c for c in contracts}
    return Plan(
        spec=spec,
        analysis=analysis,
        blueprint=design.blueprint,
        team=design.team,
        contracts=tuple(by_id[cid] for cid in topo),
        groups=groups,
        priorities={cid: priority[cid] for cid in topo},
        critical_path=tuple(critical),
        critical_path_hours=critical_hours,
        sequential_hours=sequential,
        predicted_makespan_hours=makespan,
        lower_bound_hours=max(critical_hours, sequential / m),
        barrier_makespan_hours=barrier,
        predicted_savings=(1.0 - makespan / sequential) if sequential > 0 else 0.0,
        workers=m,
        schedule=schedule,
        warnings=tuple(analysis.warnings) + tuple(design.warnings),
    )


def _successors(contracts: Sequence[Contract], *, with_uses: bool) -> dict[str, list[str]]:
    """provider → its consumers (each once), over ``depends_on`` and, with
    ``with_uses``, ``uses``; every reference must name a contract."""
    succ: dict[str, list[str]] = {c.id: [] for c in contracts}
    for c in contracts:
        providers = dict.fromkeys((*c.depends_on, *c.uses) if with_uses else c.depends_on)
        for p in providers:
            succ[p].append(c.id)
    return succ


def _topological_order(succ: Mapping[str, Sequence[str]], index: Mapping[str, int]) -> list[str] | None:
    """The topological order that always takes the ready contract earliest
    in design order (as ``networkx.lexicographical_topological_sort`` with
    that key); None when there is a cycle."""
    import heapq

    indegree = dict.fromkeys(succ, 0)
    for consumers in succ.values():
        for c in consumers:
            indegree[c] += 1
    ready = [(index[x], x) for x, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, x = heapq.heappop(ready)
        order.append(x)
        for c in succ[x]:
            indegree[c] -= 1
            if indegree[c] == 0:
                heapq.heappush(ready, (index[c], c))
    return order if len(order) == len(succ) else None


def _generations(succ: Mapping[str, Sequence[str]], index: Mapping[str, int]) -> list[list[str]]:
    """Topological generations (each in design order) of an acyclic graph."""
    indegree = dict.fromkeys(succ, 0)
    for consumers in succ.values():
        for c in consumers:
            indegree[c] += 1
    current = [x for x, d in indegree.items() if d == 0]
    out: list[list[str]] = []
    while current:
        current.sort(key=index.__getitem__)
        out.append(current)
        following: list[str] = []
        for x in current:
            for c in succ[x]:
                indegree[c] -= 1
                if indegree[c] == 0:
                    following.append(c)
        current = following
    return out


def build_graph(contracts: Sequence[Contract]) -> nx.DiGraph[str]:
    """The contract graph (see the module docstring): node attributes
    ``contract`` and, when the graph is acyclic, ``group`` (the index of the
    node's topological generation over both edge kinds). References to
    unknown contracts and cycles are not checked here; :func:`plan_design`
    checks them first."""
    import networkx as nx

    graph: nx.DiGraph[str] = nx.DiGraph()
    for c in contracts:
        graph.add_node(c.id, contract=c)
    for c in contracts:
        for u in c.uses:
            graph.add_edge(u, c.id, kind=INTERFACE)
        for d in c.depends_on:
            graph.add_edge(d, c.id, kind=IMPLEMENTATION)  # wins over an interface edge
    if nx.is_directed_acyclic_graph(graph):
        for g, generation in enumerate(nx.topological_generations(graph)):
            for cid in generation:
                graph.nodes[cid]["group"] = g
    return graph


def implementation_deps(contracts: Sequence[Contract]) -> dict[str, tuple[str, ...]]:
    """``{id: depends_on}`` without duplicates: what the list scheduler waits
    for (``uses`` is left out on purpose: interface dependencies never wait)."""
    return {c.id: tuple(dict.fromkeys(c.depends_on)) for c in contracts}


def bottom_levels(
    deps: Mapping[str, Sequence[str]],
    effort: Mapping[str, float],
    order: Sequence[str],
) -> dict[str, float]:
    """Each contract's effort plus the longest effort path from it to a sink
    over ``deps`` (``order`` must be topological)."""
    successors: dict[str, list[str]] = {cid: [] for cid in order}
    for cid in order:
        for d in deps.get(cid, ()):
            successors[d].append(cid)
    level: dict[str, float] = {}
    for cid in reversed(order):
        level[cid] = float(effort[cid]) + max((level[s] for s in successors[cid]), default=0.0)
    return level


def _critical_path(
    deps: Mapping[str, Sequence[str]],
    level: Mapping[str, float],
    effort: Mapping[str, float],
    order: Sequence[str],
) -> list[str]:
    """The longest effort path: start at the highest bottom level, follow the
    successor with the highest bottom level; ties go to the earlier contract
    in ``order``."""
    if not order:
        return []
    position = {cid: i for i, cid in enumerate(order)}
    successors: dict[str, list[str]] = {cid: [] for cid in order}
    for cid in order:
        for d in deps.get(cid, ()):
            successors[d].append(cid)
    roots = [cid for cid in order if not deps.get(cid)]
    current = max(roots, key=lambda c: (level[c], -position[c]))
    path = [current]
    while successors[current]:
        current = max(successors[current], key=lambda c: (level[c], -position[c]))
        path.append(current)
    return path


# -- checks ------------------------------------------------------------------


def _spec_location(spec: Spec, contract_id: str, *rest: str | int) -> tuple[int, int, str]:
    """``(line, col, path)`` of a contract written in the spec, or
    ``(0, 0, "")`` for a designed one."""
    for i, written in enumerate(spec.contracts):
        if written.id == contract_id:
            path: tuple[str | int, ...] = ("contracts", i, *rest)
            line, col = spec.source.locate(path)
            return line, col, format_path(path)
    return 0, 0, ""


def _spec_file(spec: Spec) -> str:
    return spec.source.file or str(spec.path)


def _error(spec: Spec, contract_id: str, message: str, *rest: str | int) -> Diagnostic:
    line, col, path = _spec_location(spec, contract_id, *rest)
    return Diagnostic(_spec_file(spec), line, col, "error", message, path)


def _check_workers(workers: int) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        message = f"workers must be a whole number of at least 1, found {workers!r}; use -j 1 or more"
        raise PlanError(message)


def _check_contracts(spec: Spec, contracts: Sequence[Contract]) -> None:
    diags: list[Diagnostic] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(contracts):
        if c.id in seen:
            diags.append(_error(spec, c.id, (
                f"duplicate contract id `{c.id}`: contracts {seen[c.id]} and {i} of the design "
                "share it; give each contract its own id"), "id"))
        seen.setdefault(c.id, i)
        hours = c.effort_hours
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not (
            math.isfinite(hours) and hours >= 0
        ):
            diags.append(_error(spec, c.id, (
                f"contract `{c.id}`: expected effort_hours to be a finite number of hours "
                f">= 0, found {hours!r}"), "effort_hours"))
    known = sorted(seen)
    for c in contracts:
        for key, refs in (("depends_on", c.depends_on), ("uses", c.uses)):
            for ref in refs:
                if ref in seen:
                    continue
                hint = difflib.get_close_matches(ref, known, n=1)
                message = f"contract `{c.id}` {key.replace('_', ' ')} `{ref}`, which is not a contract"
                message += f"; did you mean `{hint[0]}`?" if hint else f"; known contracts: {', '.join(known)}"
                written = next((w for w in spec.contracts if w.id == c.id), None)
                written_refs = getattr(written, key, ()) if written is not None else ()
                if ref in written_refs:
                    diags.append(_error(spec, c.id, message, key, list(written_refs).index(ref)))
                else:
                    diags.append(_error(spec, c.id, message, key))
    if diags:
        raise PlanError(_summary(diags), sorted(diags, key=_diag_key))


def _check_acyclic(spec: Spec, graph: Any, contracts: Sequence[Contract]) -> None:
    import networkx as nx

    if nx.is_directed_acyclic_graph(graph):
        return
    index = {c.id: i for i, c in enumerate(contracts)}
    # find_cycle is slow on big graphs: search only the earliest strongly
    # connected component that holds a cycle.
    tangled = [
        comp for comp in nx.strongly_connected_components(graph)
        if len(comp) > 1 or any(graph.has_edge(x, x) for x in comp)
    ]
    component = min(tangled, key=lambda comp: min(index[x] for x in comp))
    start_node = min(component, key=index.__getitem__)
    edges = nx.find_cycle(graph.subgraph(component), source=start_node)
    # Edges run provider → consumer; report in "depends on / uses" order,
    # starting at the cycle's earliest contract in design order.
    members = [consumer for _, consumer in reversed(edges)]
    start = min(range(len(members)), key=lambda k: index[members[k]])
    members = members[start:] + members[:start]
    cycle = " -> ".join([*members, members[0]])
    message = (f"dependency cycle: {cycle} (`->` reads \"depends on or uses\"); "
               "remove one of these depends_on/uses entries")
    first, second = members[0], members[1 % len(members)]
    written = next((w for w in spec.contracts if w.id == first), None)
    for key in ("depends_on", "uses"):
        refs = list(getattr(written, key, ())) if written is not None else []
        if second in refs:
            raise PlanError(message, [_error(spec, first, message, key, refs.index(second))])
    raise PlanError(message, [_error(spec, first, message)])


def _diag_key(d: Diagnostic) -> tuple[int, int, str, str]:
    return (d.line, d.col, d.path, d.message)


def _summary(diags: Sequence[Diagnostic]) -> str:
    if len(diags) == 1:
        return diags[0].message
    return f"{len(diags)} problems in the contracts; the first: {sorted(diags, key=_diag_key)[0].message}"
