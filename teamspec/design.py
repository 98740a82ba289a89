"""Contract design: (Spec, Analysis) → :class:`~teamspec.model.Design`.

Stages: choose a blueprint → pick the team → keep the hand-written
contracts, filling only what they leave out → design a contract for every
team persona that has none → wire the edges from the blueprint's templates →
consumers → effort → deliverables.

Designed contracts follow :mod:`teamspec.layout`: a persona's standard
contract id and artifacts come from ``PERSONA_ARTIFACTS``; the backend
provides one REST contract ``<entity>_api`` per service (one for a
monolith), with an OpenAPI 3.0.3 interface from
:func:`teamspec.openapi_design.design_openapi`, a mock, and ``serve``.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from teamspec import layout
from teamspec.catalog import Blueprint, Catalog, ContractTemplate, choose_blueprint, load_catalog
from teamspec.errors import Diagnostic, SpecError
from teamspec.model import (
    AcceptanceItem,
    Analysis,
    Contract,
    ContractSpec,
    Deliverable,
    Design,
    Interface,
    Persona,
    Spec,
)

__all__ = ["FALLBACK_BLUEPRINT", "design", "title_from_id"]

FALLBACK_BLUEPRINT = "hybrid-full-sdlc"
"""Where the edges of a persona come from when the chosen blueprint has no
template for it (an explicitly requested extra persona)."""

_TYPE_BY_KIND = {
    "openapi": "rest_api",
    "graphql": "graphql",
    "json_schema": "interface",
    "event_schemas": "event_stream",
}
_ACRONYMS = {
    "api": "API", "ui": "UI", "ci": "CI", "cd": "CD", "db": "DB", "sql": "SQL", "qa": "QA",
    "ux": "UX", "id": "ID", "sdk": "SDK", "http": "HTTP", "rest": "REST", "graphql": "GraphQL",
    "json": "JSON", "etl": "ETL",
}
_BACKEND = "backend_developer"
_FRONTEND = "frontend_developer"


def title_from_id(contract_id: str) -> str:
    """``task_api`` → ``Task API``; ``ci_pipeline`` → ``CI Pipeline``."""
    words = [w for w in re.split(r"[_\-\s]+", contract_id) if w]
    return " ".join(_ACRONYMS.get(w.lower(), w[:1].upper() + w[1:]) for w in words)


@dataclass
class _Draft:
    """A contract while it is being designed (mutable working record)."""

    id: str
    provider: str
    origin: str  # "spec" | "designed"
    type: str
    name: str
    description: str = ""
    interface: Interface | None = None
    mock: bool = False
    depends_on: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    consumers: list[str] = field(default_factory=list)
    effort: float | None = None
    weight: float = 1.0
    deliverables: tuple[Deliverable, ...] | None = None
    serve: str | None = None
    template: ContractTemplate | None = None
    template_bp: Blueprint | None = None
    entities: tuple[str, ...] = ()
    source: ContractSpec | None = None
    standard: bool = True  # the persona's standard contract (not a blueprint extra)


def _round_half(x: float) -> float:
    return max(0.5, round(x * 2) / 2)


def _spec_file(spec: Spec) -> str:
    return spec.source.file or str(spec.path)


def _diag(spec: Spec, path: tuple[str | int, ...], message: str) -> Diagnostic:
    from teamspec.model import format_path

    line, col = spec.source.locate(path)
    return Diagnostic(_spec_file(spec), line, col, "error", message, format_path(path))


def _unknown_persona(spec: Spec, path: tuple[str | int, ...], pid: str, catalog: Catalog) -> Diagnostic:
    close = difflib.get_close_matches(pid, list(catalog.personas), n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return _diag(spec, path,
                 f"unknown persona `{pid}`: expected a catalog persona (see `teamspec personas`) "
                 f"or one declared under `personas:`{hint}")


def _load_interface(spec: Spec, cs: ContractSpec) -> Interface | None:
    from teamspec.interfaces import load_interface  # written by the interfaces stage

    result: Interface | None = load_interface(spec, cs)
    return result


# ------------------------------------------------------------------ team


def _team(spec: Spec, analysis: Analysis, catalog: Catalog, blueprint: Blueprint,
          warnings: list[str]) -> list[str]:
    diags: list[Diagnostic] = []
    if spec.team.personas:
        team: list[str] = []
        for i, pid in enumerate(spec.team.personas):
            if pid not in catalog.personas:
                diags.append(_unknown_persona(spec, ("team", "personas", i), pid, catalog))
            elif pid not in team:
                team.append(pid)
    else:
        team = list(blueprint.team_for(analysis, catalog))
        if analysis.type == "documentation" and _FRONTEND in team:
            team.remove(_FRONTEND)
            warnings.append("documentation-only requirement: frontend_developer left out of the team")
    for i, cs in enumerate(spec.contracts):
        named: list[tuple[tuple[str | int, ...], str]] = [(("contracts", i, "provider"), cs.provider)]
        named += [(("contracts", i, "consumers", j), c) for j, c in enumerate(cs.consumers)]
        for path, pid in named:
            if pid not in catalog.personas:
                diags.append(_unknown_persona(spec, path, pid, catalog))
            elif pid not in team:
                team.append(pid)
    if diags:
        raise SpecError("the spec names personas that are neither in the catalog nor under "
                        "`personas:`", diags)
    # a hand-written contract that waits for a standard contract ("requirements")
    # brings the persona that provides it
    written = {cs.id for cs in spec.contracts}
    standard = {cid: pid for pid, (cid, _) in layout.PERSONA_ARTIFACTS.items() if pid != _BACKEND}
    for cs in spec.contracts:
        for ref in (*cs.depends_on, *cs.uses):
            brings = standard.get(ref)
            if ref not in written and brings is not None and brings not in team \
                    and brings in catalog.personas:
                team.append(brings)
    return team


# ------------------------------------------------------------------ REST groups


def _rest_groups(spec: Spec, analysis: Analysis, warnings: list[str]) -> list[tuple[str, ...]]:
    from teamspec.entities import named_services

    # entities from a Claude analysis may be free text: make them snake_case ids
    ids = (re.sub(r"[^a-z0-9]+", "_", e.lower()).strip("_") for e in analysis.entities)
    ents = tuple(dict.fromkeys(e for e in ids if re.match(r"[a-z]", e)))
    exp = set(analysis.expertise)
    if ents and (analysis.type == "feature_development" or exp & {"rest_api", "frontend"}):
        pass
    elif not ents and analysis.type == "feature_development" and exp & {"rest_api", "frontend", "backend"}:
        ents = ("item",)
        warnings.append("the requirement names no entities; the REST contract manages `item`s")
    else:
        return []
    if "microservices" in exp:
        groups = list(named_services(spec.requirement, ents)) or [(e,) for e in ents]
        if len(groups) < 3:
            warnings.append(f"the requirement asks for microservices but names {len(groups)} "
                            f"service{'s' if len(groups) != 1 else ''}; designed "
                            f"{len(groups)} REST contract{'s' if len(groups) != 1 else ''}")
        return groups
    return [ents]


# ------------------------------------------------------------------ deliverables


def _rest_paths(d: _Draft) -> list[str]:
    if d.interface is None or d.interface.kind != "openapi":
        return []
    doc = d.interface.document
    paths = doc.get("paths") if isinstance(doc, Mapping) else None
    if not isinstance(paths, Mapping):
        return []
    return [p for p in paths if isinstance(p, str) and "{" not in p]


def _add_check(dels: list[Deliverable], item: AcceptanceItem) -> None:
    """Append a check to the deliverable whose artifacts cover its path."""
    if not dels:
        return
    idx = 0
    for i, d in enumerate(dels):
        if item.path and any(fnmatch.fnmatch(item.path, pat) for pat in d.artifacts):
            idx = i
            break
    d = dels[idx]
    if item not in d.acceptance:
        dels[idx] = replace(d, acceptance=(*d.acceptance, item))


def _generic(d: _Draft, description: str) -> tuple[Deliverable, ...]:
    return (Deliverable(
        name=d.id,
        description=description,
        artifacts=layout.generic_artifacts(d.id),
        acceptance=(
            AcceptanceItem(text=f"The document covers: {description}" if description
                           else f"The {d.name} is complete"),
            AcceptanceItem(check="file_contains", path=layout.generic_artifacts(d.id)[0],
                           pattern=r"(?m)^#\s+\S"),
        ),
    ),)


def _persona_deliverables(
    d: _Draft, persona: Persona, first_of_persona: bool, rest_count: int
) -> tuple[Deliverable, ...]:
    if not persona.deliverables:
        return _generic(d, d.description)
    if not first_of_persona and not (persona.id == _BACKEND and d.type == "rest_api"):
        # a second contract of the same persona must not claim the same files
        return _generic(d, d.description)
    if persona.id == _BACKEND and d.type != "rest_api":
        return (Deliverable(
            name="backend_change",
            description="The backend change the requirement asks for",
            artifacts=persona.deliverables[0].artifacts,
            acceptance=(AcceptanceItem(
                text="The change the requirement asks for is implemented and covered by a test"),),
        ),)
    out: list[Deliverable] = []
    for dl in persona.deliverables:
        if persona.id == "technical_writer" and rest_count == 0 and dl.artifacts == ("docs/api.md",):
            continue  # no API to document
        artifacts = dl.artifacts
        if persona.id == _BACKEND and d.type == "rest_api":
            artifacts = layout.backend_patterns(d.id, rest_count)
        keep: list[AcceptanceItem] = []
        for a in dl.acceptance:
            if a.check == "openapi_valid" and (d.interface is None or d.interface.kind != "openapi"):
                continue
            if a.check == "conforms" and not d.serve:
                continue
            keep.append(a)
        out.append(replace(dl, artifacts=artifacts, acceptance=tuple(keep)))
    return tuple(out)


def _contract_checks(
    d: _Draft, dels: list[Deliverable], drafts: Mapping[str, _Draft], paths: Mapping[str, str]
) -> None:
    """Checks that tie a deliverable to the contracts it serves. ``paths``
    maps each REST contract with an OpenAPI interface to its first
    collection path."""
    if d.provider == _BACKEND:
        if d.type == "rest_api" and d.serve:
            _add_check(dels, AcceptanceItem(check="conforms"))
        return
    rest = [drafts[cid] for cid in paths]
    used = [drafts[r] for r in dict.fromkeys((*d.uses, *d.depends_on)) if r in paths]
    if d.provider == _FRONTEND:
        for r in used or rest:
            _add_check(dels, AcceptanceItem(check="file_contains", path="frontend/api.js",
                                            text=paths[r.id]))
    elif d.provider == "qa_engineer":
        for r in used or rest:
            _add_check(dels, AcceptanceItem(check="file_contains",
                                            path=f"tests/contract/test_{r.id}.py",
                                            text=paths[r.id]))
    elif d.provider == "technical_writer":
        for r in rest:
            _add_check(dels, AcceptanceItem(check="file_contains", path="docs/api.md",
                                            text=paths[r.id]))
    elif d.provider == "database_specialist":
        from teamspec.openapi_design import plural

        for r in rest:
            for e in r.entities:
                table = re.escape(plural(e))
                _add_check(dels, AcceptanceItem(
                    check="file_contains", path="db/schema.sql",
                    pattern=rf"(?is)create\s+table\s+(if\s+not\s+exists\s+)?\W?{table}\b"))


# ------------------------------------------------------------------ edges


class _Graph:
    """Edges so far (``into[x]``: the contracts that wait for or use ``x``),
    to refuse a designed edge that would close a cycle."""

    def __init__(self, drafts: Mapping[str, _Draft]) -> None:
        self.into: dict[str, set[str]] = {cid: set() for cid in drafts}
        self.waits: dict[str, set[str]] = {cid: set(d.depends_on) for cid, d in drafts.items()}
        for cid, d in drafts.items():
            for target in (*d.depends_on, *d.uses):
                self.into.setdefault(target, set()).add(cid)

    def below(self, starts: Iterable[str]) -> set[str]:
        """Every contract that one of ``starts`` (transitively) waits for
        through ``depends_on`` (``uses`` never waits), ``starts`` themselves
        excluded unless reachable."""
        seen: set[str] = set()
        stack = [n for s in starts for n in self.waits.get(s, ())]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(self.waits.get(node, ()))
        return seen

    def dependents(self, cid: str) -> set[str]:
        """Every contract that (transitively) waits for or uses ``cid``,
        ``cid`` included: an edge ``cid -> x`` closes a cycle iff ``x`` is
        one of them. Edges out of ``cid`` never change this set."""
        seen = {cid}
        stack = [cid]
        while stack:
            for prev in self.into.get(stack.pop(), ()):
                if prev not in seen:
                    seen.add(prev)
                    stack.append(prev)
        return seen

    def add(self, src: str, dst: str, kind: str) -> None:
        self.into.setdefault(dst, set()).add(src)
        if kind == "depends_on":
            self.waits.setdefault(src, set()).add(dst)


_Resolve = Callable[[str, Blueprint, set[str]], list[str]]


def _resolver(drafts: Mapping[str, _Draft], fallback: Blueprint | None) -> _Resolve:
    """``resolve(ref, blueprint, seen)``: the contracts a template reference
    means: an extra contract by its id, a persona's standard (and
    hand-written) contracts, or, for a persona not on the team, whatever
    its own template refers to."""
    by_persona: dict[str, list[str]] = {}
    extras: dict[str, str] = {}
    for d in drafts.values():
        if d.standard:
            by_persona.setdefault(d.provider, []).append(d.id)
        elif d.template is not None:
            extras[d.template.key] = d.id

    def resolve(ref: str, bp: Blueprint, seen: set[str]) -> list[str]:
        if ref in seen:
            return []
        seen.add(ref)
        if ref in extras:
            return [extras[ref]]
        if ref in by_persona:
            return list(by_persona[ref])
        t = bp.template(ref) or (fallback.template(ref) if fallback is not None else None)
        if t is None:
            return []
        out: dict[str, None] = {}
        for r in (*t.depends_on, *t.uses):
            out.update(dict.fromkeys(resolve(r, bp, seen)))
        return list(out)

    return resolve


def _wire(drafts: dict[str, _Draft], fallback: Blueprint | None, warnings: list[str]) -> None:
    resolve = _resolver(drafts, fallback)
    graph = _Graph(drafts)
    for d in drafts.values():
        if d.origin != "designed" or d.template is None or d.template_bp is None:
            continue
        t, bp = d.template, d.template_bp
        blocked = graph.dependents(d.id)
        deps, uses = set(d.depends_on), set(d.uses)
        wanted: list[tuple[str, str]] = []
        for ref in t.depends_on:
            wanted += [(x, "depends_on") for x in resolve(ref, bp, set())]
        for ref in t.uses:
            for x in resolve(ref, bp, set()):
                wanted.append((x, "uses" if drafts[x].mock else "depends_on"))
        # a dependency another dependency already implies is left out
        implied = graph.below(x for x, k in wanted if k == "depends_on" and x not in blocked)
        wanted = [(x, k) for x, k in wanted if k == "uses" or x not in implied]
        for target, kind in wanted:
            if target in deps or (kind == "uses" and target in uses):
                continue
            if target in blocked:
                if target != d.id:
                    warnings.append(f"left out the edge {d.id} -> {target}: it would close a cycle")
                continue
            graph.add(d.id, target, kind)
            if kind == "depends_on":
                if target in uses:
                    uses.discard(target)
                    d.uses.remove(target)
                deps.add(target)
                d.depends_on.append(target)
            else:
                uses.add(target)
                d.uses.append(target)


# ------------------------------------------------------------------ design


def _templates_for(pid: str, blueprint: Blueprint, fallback: Blueprint | None
                   ) -> list[tuple[ContractTemplate, Blueprint]]:
    own = [(t, blueprint) for t in blueprint.contracts if t.persona == pid]
    if own:
        return own
    if fallback is not None:
        t = fallback.template(pid)
        if t is not None:
            return [(t, fallback)]
    return [(ContractTemplate(key=pid, persona=pid, depends_on=("requirement_analyst",)), blueprint)]


def _unique_id(wanted: str, pid: str, taken: set[str]) -> str:
    cid = wanted
    if cid in taken:
        cid = f"{wanted}_{pid}"
    n = 2
    while cid in taken:
        cid = f"{wanted}_{n}"
        n += 1
    taken.add(cid)
    return cid


def _designed_drafts(
    t: ContractTemplate, bp: Blueprint, spec: Spec, analysis: Analysis, catalog: Catalog,
    taken: set[str], warnings: list[str],
) -> list[_Draft]:
    """The contract(s) one template yields: an extra contract, the backend's
    REST contracts, or the persona's standard contract."""
    from teamspec.openapi_design import design_openapi

    pid = t.persona
    persona = catalog.personas[pid]
    weight = t.weight if t.weight is not None else catalog.weight(pid)
    if t.is_extra:
        cid = _unique_id(t.contract_id or t.key, pid, taken)
        return [_Draft(id=cid, provider=pid, origin="designed", type="deliverable",
                       name=t.name or title_from_id(cid), description=t.description,
                       weight=weight, template=t, template_bp=bp, standard=False)]
    if pid == _BACKEND:
        groups = _rest_groups(spec, analysis, warnings)
        out: list[_Draft] = []
        for g in groups:
            cid = _unique_id(f"{g[0]}_api", pid, taken)
            name = title_from_id(cid)
            doc = design_openapi(name, g)
            out.append(_Draft(
                id=cid, provider=pid, origin="designed", type="rest_api", name=name,
                description=f"REST API for {', '.join(_plural_words(e) for e in g)}: create, list, "
                            f"read, replace and delete over HTTP with JSON.",
                interface=Interface(kind="openapi", document=doc, origin="designed"),
                mock=True, weight=weight, template=t, template_bp=bp, entities=g))
        if out:
            return out
    base = layout.PERSONA_ARTIFACTS[pid][0] if pid in layout.PERSONA_ARTIFACTS else f"{pid}_work"
    cid = _unique_id(base, pid, taken)
    return [_Draft(id=cid, provider=pid, origin="designed", type="deliverable",
                   name=title_from_id(cid),
                   description=persona.role or f"Work of the {persona.name}.",
                   weight=weight, template=t, template_bp=bp)]


def _plural_words(entity: str) -> str:
    from teamspec.openapi_design import plural

    return plural(entity).replace("_", " ")


def _from_spec(spec: Spec, cs: ContractSpec, analysis: Analysis) -> _Draft:
    iface = _load_interface(spec, cs) if cs.interface is not None else None
    ctype = cs.type
    if ctype is None:
        if iface is not None:
            ctype = _TYPE_BY_KIND.get(iface.kind, "deliverable")
        else:
            ctype = "rest_api" if cs.provider == _BACKEND else "deliverable"
    entities: tuple[str, ...] = ()
    designed_iface = False
    if ctype == "rest_api" and iface is None:
        from teamspec.openapi_design import design_openapi

        m = re.fullmatch(r"([a-z][a-z0-9]*(?:_[a-z0-9]+)*)_api", cs.id)
        entities = (m.group(1),) if m else (tuple(analysis.entities) or ("item",))
        name = cs.name or title_from_id(cs.id)
        iface = Interface(kind="openapi", document=design_openapi(name, entities), origin="designed")
        designed_iface = True
    mock = cs.mock if cs.mock is not None else designed_iface
    return _Draft(
        id=cs.id,
        provider=cs.provider,
        origin="spec",
        type=ctype,
        name=cs.name or title_from_id(cs.id),
        description=cs.description or "",
        interface=iface,
        mock=mock,
        depends_on=list(cs.depends_on),
        uses=list(cs.uses),
        consumers=list(cs.consumers),
        effort=cs.effort_hours,
        deliverables=cs.deliverables,
        serve=cs.serve,
        entities=entities,
        source=cs,
    )


def design(spec: Spec, analysis: Analysis, catalog: Catalog | None = None) -> Design:
    """Design the team and its contracts.

    The team is ``team.personas`` when the spec gives it, else the chosen
    blueprint's, plus every persona a hand-written contract names. Every team
    persona gets at least one contract. Hand-written contracts keep their
    ids, edges and interfaces; design fills only what they leave out.
    Raises :class:`SpecError` for personas that are neither in the catalog
    nor declared in the spec, or an unknown requested blueprint.
    """
    if catalog is None:
        catalog = load_catalog(spec.personas)
    blueprint, choice = choose_blueprint(analysis, spec, catalog)
    fallback = catalog.blueprints.get(FALLBACK_BLUEPRINT)
    warnings: list[str] = []
    team = _team(spec, analysis, catalog, blueprint, warnings)

    drafts: dict[str, _Draft] = {}
    for cs in spec.contracts:
        if cs.id not in drafts:  # duplicates are the validator's to report
            drafts[cs.id] = _from_spec(spec, cs, analysis)
    taken = set(drafts)
    has_contract = {d.provider for d in drafts.values()}

    # the spec's team order, else the blueprint's, then the rest of the team
    if spec.team.personas:
        order = list(team)
    else:
        order = [p for p in blueprint.personas if p in team]
        order += [p for p in team if p not in order]
    # templates in the blueprint's order, then those of extra team personas
    plan = [(t, blueprint) for t in blueprint.contracts
            if t.persona in team and t.persona not in has_contract]
    for pid in order:
        if pid not in blueprint.personas and pid not in has_contract:
            plan.extend(_templates_for(pid, blueprint, fallback))
    designed: list[_Draft] = []
    for t, bp in plan:
        designed.extend(_designed_drafts(t, bp, spec, analysis, catalog, taken, warnings))
    for d in designed:
        drafts[d.id] = d
    for d in drafts.values():
        if d.origin == "spec":
            d.weight = catalog.weight(d.provider)

    # serve and artifacts of REST contracts depend on how many there are
    rest_drafts = [d for d in drafts.values() if d.type == "rest_api"]
    rest_contracts = [Contract(id=d.id, name=d.name, type=d.type, provider=d.provider)
                      for d in rest_drafts]
    for d in rest_drafts:
        if d.origin == "designed":
            root = layout.backend_root(d.id, rest_contracts)
            d.serve = f"python {root}/app.py --port {{port}}"

    _wire(drafts, fallback, warnings)

    # consumers: who depends on or uses each contract
    users: dict[str, list[str]] = {cid: [] for cid in drafts}
    for d in drafts.values():
        for target in (*d.depends_on, *d.uses):
            if target in users and d.provider not in users[target]:
                users[target].append(d.provider)
    for d in drafts.values():
        if not d.consumers:
            d.consumers = [p for p in users[d.id] if p != d.provider]

    # effort: the analysis' hours split by persona weight
    total_w = sum(d.weight for d in drafts.values()) or 1.0
    for d in drafts.values():
        if d.effort is None:
            d.effort = _round_half(analysis.effort_hours * d.weight / total_w)

    # deliverables
    seen_persona: set[str] = set()
    rest_count = len(rest_drafts)
    first_paths = {d.id: found[0] for d in rest_drafts if (found := _rest_paths(d))}
    for d in drafts.values():
        first = d.provider not in seen_persona and d.standard
        if d.standard:
            seen_persona.add(d.provider)
        if d.deliverables is not None:
            continue
        persona = catalog.personas[d.provider]
        if not d.standard:
            d.deliverables = _generic(d, d.description)
            continue
        dels = list(_persona_deliverables(d, persona, first, rest_count))
        if first or (d.provider == _BACKEND and d.type == "rest_api"):
            _contract_checks(d, dels, drafts, first_paths)
        d.deliverables = tuple(dels)

    contracts = tuple(_finish(d) for d in drafts.values())
    team_personas = tuple(catalog.personas[p] for p in order)
    return Design(team=team_personas, contracts=contracts, blueprint=choice,
                  warnings=tuple(dict.fromkeys(warnings)))


def _finish(d: _Draft) -> Contract:
    cs = d.source
    return Contract(
        id=d.id,
        name=d.name,
        type=d.type,
        provider=d.provider,
        consumers=tuple(d.consumers),
        description=d.description,
        interface=d.interface,
        mock=d.mock,
        depends_on=tuple(d.depends_on),
        uses=tuple(d.uses),
        effort_hours=float(d.effort if d.effort is not None else 1.0),
        executor=cs.executor if cs else None,
        run=cs.run if cs else None,
        serve=d.serve,
        timeout_minutes=cs.timeout_minutes if cs else None,
        retries=cs.retries if cs else None,
        deliverables=tuple(d.deliverables or ()),
        origin="spec" if d.origin == "spec" else "designed",
    )

