"""Checks a schema cannot express: references, cycles, ownership, executors.

Runs on a schema-valid :class:`~teamspec.model.Spec` and returns every
problem as a :class:`Diagnostic` located at the offending value (errors and
warnings; ``--strict`` promotes the warnings). Nothing here imports
networkx: ``teamspec validate`` must start fast.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from teamspec.errors import Diagnostic, InterfaceError, Severity
from teamspec.model import PathKey, Spec, format_path

__all__ = ["check_semantics", "find_cycles"]


class _Report:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.file = spec.source.file or str(spec.path)
        self.out: list[Diagnostic] = []

    def add(self, severity: Severity, path: PathKey, message: str) -> None:
        line, col = self.spec.source.locate(path)
        self.out.append(Diagnostic(self.file, line, col, severity, message, format_path(path)))

    def error(self, path: PathKey, message: str) -> None:
        self.add("error", path, message)

    def warning(self, path: PathKey, message: str) -> None:
        self.add("warning", path, message)

    def line(self, path: PathKey) -> int:
        return self.spec.source.locate(path)[0]


def _did_you_mean(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def find_cycles(order: Sequence[str], edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Every cycle closed by a back edge of a depth-first search that visits
    ``order`` in turn and follows ``edges`` in their order: deterministic,
    each cycle once. A cycle is returned as ``[a, b, c, a]``. Iterative, so
    long chains are no concern."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    cycles: list[list[str]] = []
    for start in order:
        if start in state:
            continue
        path: list[str] = [start]
        on_path = {start: 0}
        state[start] = 1
        iters = [iter(edges.get(start, ()))]
        while iters:
            node = path[-1]
            nxt = next(iters[-1], None)
            if nxt is None:
                iters.pop()
                path.pop()
                del on_path[node]
                state[node] = 2
                continue
            seen = state.get(nxt)
            if seen is None:
                state[nxt] = 1
                on_path[nxt] = len(path)
                path.append(nxt)
                iters.append(iter(edges.get(nxt, ())))
            elif seen == 1:
                cycles.append([*path[on_path[nxt]:], nxt])
    return cycles


def check_semantics(spec: Spec) -> list[Diagnostic]:
    """Every semantic problem of ``spec``: duplicate ids; unknown contract,
    persona and blueprint references; self-dependencies; cycles across
    ``depends_on`` and ``uses``; ``uses`` of a contract without a mock;
    shared artifact patterns (warning); unusable interface files; ``run``,
    ``serve`` and executor mismatches. Unsorted."""
    from teamspec.catalog import load_catalog

    catalog: Any = load_catalog()
    report = _Report(spec)
    catalog_personas: Mapping[str, Any] = catalog.personas
    catalog_blueprints: Mapping[str, Any] = catalog.blueprints

    persona_ids = _check_personas(report, catalog_personas)
    known_personas = sorted(set(catalog_personas) | set(persona_ids))
    _check_team(report, known_personas, catalog_blueprints)
    by_id = _check_contract_ids(report)
    _check_persona_refs(report, known_personas)
    edges = _check_contract_refs(report, by_id)
    _check_cycles(report, edges)
    _check_artifacts(report)
    _check_execution(report)
    _check_interfaces(report)
    return report.out


def _check_personas(report: _Report, catalog_personas: Mapping[str, Any]) -> dict[str, int]:
    first: dict[str, int] = {}
    for j, persona in enumerate(report.spec.personas):
        path = ("personas", j, "id")
        if persona.id in first:
            report.error(
                path,
                f"duplicate persona id '{persona.id}' (first defined at line {report.line(('personas', first[persona.id], 'id'))})",
            )
            continue
        first[persona.id] = j
        if persona.id in catalog_personas:
            report.warning(
                path,
                f"persona '{persona.id}' replaces the catalog persona of the same id; rename it to keep both",
            )
    return first


def _unknown_persona(name: str, known: Sequence[str]) -> str:
    hint = _did_you_mean(name, known)
    if hint:
        return f"unknown persona '{name}'{hint}"
    return f"unknown persona '{name}'; see `teamspec personas` or define it under 'personas:'"


def _check_team(report: _Report, known: Sequence[str], blueprints: Mapping[str, Any]) -> None:
    team = report.spec.team
    if team.blueprint != "auto" and team.blueprint not in blueprints:
        hint = _did_you_mean(team.blueprint, blueprints) or "; use 'auto' or an id from `teamspec blueprints`"
        report.error(("team", "blueprint"), f"unknown blueprint '{team.blueprint}'{hint}")
    for j, pid in enumerate(team.personas or ()):
        if pid not in known:
            report.error(("team", "personas", j), _unknown_persona(pid, known))


def _check_contract_ids(report: _Report) -> dict[str, int]:
    by_id: dict[str, int] = {}
    for i, c in enumerate(report.spec.contracts):
        if c.id in by_id:
            report.error(
                ("contracts", i, "id"),
                f"duplicate contract id '{c.id}' (first defined at line {report.line(('contracts', by_id[c.id], 'id'))})",
            )
            continue
        by_id[c.id] = i
    return by_id


def _check_persona_refs(report: _Report, known: Sequence[str]) -> None:
    known_set = set(known)
    for i, c in enumerate(report.spec.contracts):
        if c.provider not in known_set:
            report.error(("contracts", i, "provider"), _unknown_persona(c.provider, known))
        for j, pid in enumerate(c.consumers):
            if pid not in known_set:
                report.error(("contracts", i, "consumers", j), _unknown_persona(pid, known))


def _check_contract_refs(report: _Report, by_id: Mapping[str, int]) -> dict[str, list[tuple[str, PathKey]]]:
    """Check depends_on and uses; return the valid edges of each contract
    (target, path of the entry), depends_on first, without repeats."""
    contracts = report.spec.contracts
    edges: dict[str, list[tuple[str, PathKey]]] = {}
    for i, c in enumerate(contracts):
        if by_id.get(c.id) != i:
            continue  # a duplicate id, already reported
        mine: list[tuple[str, PathKey]] = []
        targets: set[str] = set()
        for key in ("depends_on", "uses"):
            for j, ref in enumerate(getattr(c, key)):
                path: PathKey = ("contracts", i, key, j)
                if ref == c.id:
                    verb = "depends on" if key == "depends_on" else "uses"
                    report.error(path, f"contract '{c.id}' {verb} itself")
                    continue
                if ref not in by_id:
                    hint = _did_you_mean(ref, by_id) or "; contract ids of this spec: " + _short_list(list(by_id))
                    report.error(path, f"unknown contract '{ref}'{hint}")
                    continue
                if key == "uses" and contracts[by_id[ref]].mock is not True:
                    report.error(
                        path,
                        f"contract '{c.id}' uses '{ref}', but '{ref}' has no mock; "
                        f"add 'mock: true' to contract '{ref}' or move '{ref}' to depends_on",
                    )
                if ref not in targets:
                    targets.add(ref)
                    mine.append((ref, path))
        edges[c.id] = mine
    return edges


def _short_list(items: list[str], limit: int = 8) -> str:
    if not items:
        return "(none)"
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _check_cycles(report: _Report, edges: Mapping[str, list[tuple[str, PathKey]]]) -> None:
    order = list(edges)
    targets = {cid: [t for t, _ in out] for cid, out in edges.items()}
    where = {(cid, t): path for cid, out in edges.items() for t, path in out}
    for cycle in find_cycles(order, targets):
        closing = where[(cycle[-2], cycle[-1])]
        report.error(closing, "cycle: " + " -> ".join(cycle))


def _check_artifacts(report: _Report) -> None:
    owner: dict[str, tuple[str, PathKey]] = {}
    for i, c in enumerate(report.spec.contracts):
        for k, d in enumerate(c.deliverables or ()):
            for m, pattern in enumerate(d.artifacts):
                path: PathKey = ("contracts", i, "deliverables", k, "artifacts", m)
                first = owner.get(pattern)
                if first is None:
                    owner[pattern] = (c.id, path)
                elif first[0] != c.id:
                    report.warning(
                        path,
                        f"artifact pattern '{pattern}' is also claimed by contract '{first[0]}' "
                        f"(line {report.line(first[1])}); give each file one owner",
                    )


def _check_execution(report: _Report) -> None:
    spec = report.spec
    for i, c in enumerate(spec.contracts):
        executor = c.executor or spec.executor
        if c.run is not None and executor != "command":
            report.warning(
                ("contracts", i, "run"),
                f"'run' is ignored: contract '{c.id}' runs with the {executor} executor; "
                "set 'executor: command' to run it",
            )
        if executor == "command" and c.run is None:
            report.error(
                ("contracts", i),
                f"contract '{c.id}' runs with the command executor but has no 'run'; "
                "add 'run: <shell command>' or choose another executor",
            )
        # a rest_api contract without an interface gets a designed OpenAPI
        # document, which is what 'serve' is then verified against
        if c.serve is not None and c.interface is None and c.type not in (None, "rest_api"):
            report.warning(("contracts", i, "serve"),
                           f"'serve' is set but contract '{c.id}' has no 'interface' to verify it against; "
                           "add 'interface:'")


def _check_interfaces(report: _Report) -> None:
    from teamspec.interfaces import document_diagnostics, load_interface

    for c in report.spec.contracts:
        if c.interface is None:
            continue
        try:
            iface = load_interface(report.spec, c)
        except InterfaceError as exc:
            report.out.extend(exc.diagnostics)
            continue
        if iface is not None:
            report.out.extend(document_diagnostics(report.spec, c, iface))
