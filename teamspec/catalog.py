"""The persona and blueprint catalog, and the choice of a blueprint.

Data files ship in the package (``teamspec/catalog/personas.yaml`` and
``blueprints.yaml``); :func:`load_catalog` reads them once per process and
adds the spec's own personas. :func:`choose_blueprint` scores every
blueprint against an :class:`~teamspec.model.Analysis`:
score → rank → pick the winner and two runners-up, each with reasons.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from teamspec.errors import Diagnostic, SpecError, TeamspecError
from teamspec.model import (
    ANALYSIS_TYPES,
    COMPLEXITIES,
    PARALLELIZABILITY,
    AcceptanceItem,
    Analysis,
    BlueprintChoice,
    BlueprintScore,
    Deliverable,
    Persona,
    Spec,
)

__all__ = [
    "CATEGORIES",
    "Blueprint",
    "Catalog",
    "CatalogError",
    "ContractTemplate",
    "choose_blueprint",
    "load_catalog",
    "score_blueprint",
]

CATEGORIES: tuple[str, ...] = ("sequential", "parallel", "collaborative", "specialized", "hybrid")

# Weights of the blueprint score. The four fits sum to 0.9; a trigger word
# adds up to 0.1, so every score stays within 0..1.
W_PARALLEL = 0.27
W_COVERAGE = 0.22
W_COMPLEXITY = 0.18
W_TYPE = 0.23
TRIGGER_BONUS = 0.05  # a word that favours the blueprint
TRIGGER_REQUIRED_BONUS = 0.10  # the word a trigger_required blueprint needs
TRIGGER_MISSING_PENALTY = 0.30
NOT_SEQUENTIAL_FACTOR = 0.5


class CatalogError(TeamspecError):
    """Raised when a catalog data file shipped with teamspec is malformed
    (a packaging bug, not a user error)."""


@dataclass(frozen=True)
class ContractTemplate:
    """One contract of a blueprint.

    ``key`` is how other templates refer to it: the persona id for the
    persona's standard contract(s), else ``contract_id`` (an extra contract
    such as ``design_consensus``). ``depends_on`` and ``uses`` hold keys.
    """

    key: str
    persona: str
    contract_id: str | None = None
    name: str | None = None
    description: str = ""
    depends_on: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    weight: float | None = None

    @property
    def is_extra(self) -> bool:
        return self.contract_id is not None


@dataclass(frozen=True)
class Blueprint:
    """A team template: personas, contract templates and dependency shape,
    and what kind of work it fits (each ``fits`` tuple is best first)."""

    id: str
    name: str
    description: str
    category: str
    shape: str
    personas: tuple[str, ...]
    contracts: tuple[ContractTemplate, ...]
    elastic: tuple[str, ...] = ()
    parallelizability: tuple[str, ...] = ()
    complexities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    trigger_required: bool = False

    @property
    def core(self) -> tuple[str, ...]:
        """The personas that are always on the team."""
        return tuple(p for p in self.personas if p not in self.elastic)

    @property
    def is_sequential(self) -> bool:
        return self.category == "sequential"

    def template(self, key: str) -> ContractTemplate | None:
        for t in self.contracts:
            if t.key == key:
                return t
        return None

    def team_for(self, analysis: Analysis, catalog: Catalog) -> tuple[str, ...]:
        """The core personas plus the elastic ones whose expertise the
        analysis needs, in template order."""
        need = set(analysis.expertise)
        out: list[str] = []
        for pid in self.personas:
            if pid in self.elastic:
                persona = catalog.personas.get(pid)
                if persona is None or not need & set(persona.expertise):
                    continue
            out.append(pid)
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "shape": self.shape,
            "description": self.description,
            "personas": list(self.personas),
            "elastic": list(self.elastic),
            "contracts": [
                {"key": t.key, "persona": t.persona, "depends_on": list(t.depends_on),
                 "uses": list(t.uses)}
                for t in self.contracts
            ],
            "fits": {
                "parallelizability": list(self.parallelizability),
                "complexity": list(self.complexities),
                "types": list(self.types),
            },
        }


@dataclass(frozen=True)
class Catalog:
    """Personas (the catalog's 13, then the spec's own with ``source="spec"``)
    and blueprints, by id, in file order."""

    personas: Mapping[str, Persona]
    blueprints: Mapping[str, Blueprint]
    effort_weights: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def weight(self, persona_id: str) -> float:
        """The persona's share when effort is split across contracts."""
        return self.effort_weights.get(persona_id, 1.0)


# ------------------------------------------------------------------ loading


def _read(name: str) -> Any:
    from importlib.resources import files

    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = files("teamspec").joinpath("catalog", name).read_text("utf-8")
    return yaml.load(text, Loader=loader)  # a safe loader: CSafeLoader or SafeLoader


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{where}: expected a list of strings, found {value!r}")
    return tuple(value)


def _str(entry: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str) or (default is None and not value):
        raise CatalogError(f"{where}.{key}: expected a non-empty string, found {value!r}")
    return value


def _acceptance(item: Any, where: str) -> AcceptanceItem:
    if isinstance(item, str):
        return AcceptanceItem(text=item)
    if isinstance(item, dict) and isinstance(item.get("check"), str):
        known = {"check", "run", "path", "schema", "pattern", "text"}
        extra = set(item) - known
        if extra:
            raise CatalogError(f"{where}: unknown keys {sorted(extra)}")
        return AcceptanceItem(**{k: str(v) for k, v in item.items()})
    raise CatalogError(f"{where}: expected text or a mapping with `check`, found {item!r}")


def _deliverable(entry: Any, where: str) -> Deliverable:
    if not isinstance(entry, dict):
        raise CatalogError(f"{where}: expected a mapping, found {entry!r}")
    return Deliverable(
        name=_str(entry, "name", where),
        description=_str(entry, "description", where, ""),
        artifacts=_strs(entry.get("artifacts"), f"{where}.artifacts"),
        acceptance=tuple(
            _acceptance(a, f"{where}.acceptance[{i}]")
            for i, a in enumerate(entry.get("acceptance") or [])
        ),
    )


def _personas(data: Any) -> tuple[dict[str, Persona], dict[str, float]]:
    if not isinstance(data, dict) or not isinstance(data.get("personas"), list):
        raise CatalogError("personas.yaml: expected a mapping with a `personas` list")
    personas: dict[str, Persona] = {}
    weights: dict[str, float] = {}
    for i, entry in enumerate(data["personas"]):
        where = f"personas.yaml: personas[{i}]"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: expected a mapping")
        pid = _str(entry, "id", where)
        if pid in personas:
            raise CatalogError(f"{where}: duplicate persona id `{pid}`")
        personas[pid] = Persona(
            id=pid,
            name=_str(entry, "name", where),
            role=_str(entry, "role", where, ""),
            expertise=_strs(entry.get("expertise"), f"{where}.expertise"),
            responsibilities=_strs(entry.get("responsibilities"), f"{where}.responsibilities"),
            deliverables=tuple(
                _deliverable(d, f"{where}.deliverables[{j}]")
                for j, d in enumerate(entry.get("deliverables") or [])
            ),
            source="catalog",
        )
        weights[pid] = float(entry.get("effort_weight", 1.0))
    return personas, weights


def _fit_values(values: tuple[str, ...], allowed: tuple[str, ...], where: str) -> tuple[str, ...]:
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise CatalogError(f"{where}: expected values from {list(allowed)}, found {list(values)}")
    return values


def _blueprints(data: Any, personas: Mapping[str, Persona]) -> dict[str, Blueprint]:
    if not isinstance(data, dict) or not isinstance(data.get("blueprints"), list):
        raise CatalogError("blueprints.yaml: expected a mapping with a `blueprints` list")
    out: dict[str, Blueprint] = {}
    for i, entry in enumerate(data["blueprints"]):
        where = f"blueprints.yaml: blueprints[{i}]"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: expected a mapping")
        bid = _str(entry, "id", where)
        category = _str(entry, "category", where)
        if category not in CATEGORIES:
            raise CatalogError(f"{where}.category: expected one of {list(CATEGORIES)}, found {category!r}")
        templates: list[ContractTemplate] = []
        for j, t in enumerate(entry.get("contracts") or []):
            tw = f"{where}.contracts[{j}]"
            if not isinstance(t, dict):
                raise CatalogError(f"{tw}: expected a mapping")
            persona = _str(t, "persona", tw)
            if persona not in personas:
                raise CatalogError(f"{tw}.persona: unknown persona `{persona}`")
            cid = t.get("id")
            if cid is not None and not isinstance(cid, str):
                raise CatalogError(f"{tw}.id: expected a string")
            weight = t.get("weight")
            templates.append(ContractTemplate(
                key=cid or persona,
                persona=persona,
                contract_id=cid,
                name=t.get("name"),
                description=" ".join(str(t.get("description", "")).split()),
                depends_on=_strs(t.get("depends_on"), f"{tw}.depends_on"),
                uses=_strs(t.get("uses"), f"{tw}.uses"),
                weight=float(weight) if weight is not None else None,
            ))
        keys = [t.key for t in templates]
        if len(set(keys)) != len(keys):
            raise CatalogError(f"{where}: duplicate contract template keys in {keys}")
        for t in templates:
            for ref in (*t.depends_on, *t.uses):
                if ref not in keys and ref not in personas:
                    raise CatalogError(f"{where}: contract `{t.key}` refers to unknown `{ref}`")
        team = tuple(dict.fromkeys(t.persona for t in templates))
        elastic = _strs(entry.get("elastic"), f"{where}.elastic")
        if not set(elastic) <= set(team):
            raise CatalogError(f"{where}.elastic: {sorted(set(elastic) - set(team))} have no contract")
        fits = entry.get("fits") or {}
        out[bid] = Blueprint(
            id=bid,
            name=_str(entry, "name", where),
            description=" ".join(_str(entry, "description", where).split()),
            category=category,
            shape=_str(entry, "shape", where, ""),
            personas=team,
            contracts=tuple(templates),
            elastic=elastic,
            parallelizability=_fit_values(
                _strs(fits.get("parallelizability"), where), PARALLELIZABILITY,
                f"{where}.fits.parallelizability"),
            complexities=_fit_values(
                _strs(fits.get("complexity"), where), COMPLEXITIES, f"{where}.fits.complexity"),
            types=_fit_values(_strs(fits.get("types"), where), ANALYSIS_TYPES, f"{where}.fits.types"),
            triggers=_strs(entry.get("triggers"), f"{where}.triggers"),
            trigger_required=bool(entry.get("trigger_required", False)),
        )
    return out


@lru_cache(maxsize=1)
def _base_catalog() -> Catalog:
    personas, weights = _personas(_read("personas.yaml"))
    blueprints = _blueprints(_read("blueprints.yaml"), personas)
    return Catalog(
        personas=MappingProxyType(personas),
        blueprints=MappingProxyType(blueprints),
        effort_weights=MappingProxyType(weights),
    )


def load_catalog(extra_personas: Sequence[Persona] = ()) -> Catalog:
    """The catalog shipped with teamspec plus ``extra_personas`` (the spec's
    ``personas:``, marked ``source="spec"``; one with a catalog id replaces
    that catalog persona). The data files are read once per process."""
    base = _base_catalog()
    if not extra_personas:
        return base
    personas = dict(base.personas)
    for p in extra_personas:
        personas[p.id] = p if p.source == "spec" else replace(p, source="spec")
    return Catalog(
        personas=MappingProxyType(personas),
        blueprints=base.blueprints,
        effort_weights=base.effort_weights,
    )


# ------------------------------------------------------------------ scoring


def _fit(value: str, prefs: tuple[str, ...], order: tuple[str, ...]) -> float:
    """1.0 for the blueprint's first choice, 0.1 less per later choice;
    outside the list, 0.6 for a neighbour and 0.3 less per further step."""
    if value in prefs:
        return 1.0 - 0.1 * prefs.index(value)
    if value not in order or not prefs:
        return 0.0
    dist = min(abs(order.index(value) - order.index(p)) for p in prefs)
    return max(0.0, 0.6 - 0.3 * (dist - 1))


def _span(values: tuple[str, ...], order: tuple[str, ...]) -> str:
    ordered = sorted(values, key=order.index)
    return ordered[0] if len(ordered) == 1 else f"{ordered[0]} to {ordered[-1]}"


def score_blueprint(
    blueprint: Blueprint, analysis: Analysis, spec: Spec | None, catalog: Catalog
) -> BlueprintScore:
    """Score one blueprint (0..1) with the reasons behind the score."""
    from teamspec.words import keyword_hits

    reasons: list[str] = []
    par = _fit(analysis.parallelizability, blueprint.parallelizability, PARALLELIZABILITY)
    if analysis.parallelizability in blueprint.parallelizability:
        verb = "made for" if par == 1.0 else "fits"
        reasons.append(f"{verb} {analysis.parallelizability} work")
    else:
        reasons.append(
            f"made for {' or '.join(blueprint.parallelizability)} work; "
            f"the requirement is {analysis.parallelizability}")

    required = list(analysis.expertise)
    offered: set[str] = set()
    for pid in blueprint.personas:
        persona = catalog.personas.get(pid)
        if persona is not None:
            offered.update(persona.expertise)
    missing = [t for t in required if t not in offered]
    coverage = 1.0 if not required else (len(required) - len(missing)) / len(required)
    if not missing:
        reasons.append(f"its team covers every required skill ({len(required)})")
    else:
        reasons.append(
            f"its team covers {len(required) - len(missing)} of {len(required)} required skills "
            f"(missing: {', '.join(missing)})")

    cx = _fit(analysis.complexity, blueprint.complexities, COMPLEXITIES)
    if analysis.complexity in blueprint.complexities:
        reasons.append(f"suits {analysis.complexity} work")
    else:
        reasons.append(
            f"meant for {_span(blueprint.complexities, COMPLEXITIES)} work; "
            f"this is {analysis.complexity}")

    if analysis.type in blueprint.types:
        kind = 1.0 - 0.05 * blueprint.types.index(analysis.type)
        reasons.append(f"built for {analysis.type}")
    else:
        kind = 0.0
        reasons.append(f"not meant for {analysis.type}")

    score = W_PARALLEL * par + W_COVERAGE * coverage + W_COMPLEXITY * cx + W_TYPE * kind
    if blueprint.triggers and spec is not None:
        hits = keyword_hits(spec.requirement, blueprint.triggers)
        if hits:
            score += TRIGGER_REQUIRED_BONUS if blueprint.trigger_required else TRIGGER_BONUS
            reasons.append(f"the requirement mentions '{hits[0]}'")
        elif blueprint.trigger_required:
            score -= TRIGGER_MISSING_PENALTY
            reasons.append(
                f"needs a sign of urgency ({', '.join(blueprint.triggers[:4])}, ...); none found")
    if spec is not None and not spec.constraints.prefer_parallel and not blueprint.is_sequential:
        score *= NOT_SEQUENTIAL_FACTOR
        reasons.append("prefer_parallel is false: a non-sequential team is penalised")
    return BlueprintScore(blueprint.id, round(max(0.0, min(1.0, score)), 6), tuple(reasons))


def _unknown_blueprint(spec: Spec, requested: str, catalog: Catalog) -> SpecError:
    path = ("team", "blueprint")
    line, col = spec.source.locate(path)
    ids = list(catalog.blueprints)
    close = difflib.get_close_matches(requested, ids, n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    message = (f"unknown blueprint `{requested}`: expected `auto` or one of "
               f"{', '.join(ids)}{hint}")
    diag = Diagnostic(spec.source.file or str(spec.path), line, col, "error", message,
                      "team.blueprint")
    return SpecError(message, [diag])


def choose_blueprint(
    analysis: Analysis, spec: Spec, catalog: Catalog
) -> tuple[Blueprint, BlueprintChoice]:
    """Score every blueprint and return the winner with its score, reasons
    and the two runners-up.

    ``team.blueprint: <id>`` in the spec forces that blueprint (it is still
    scored, ``requested=True``). With ``constraints.prefer_parallel: false``
    the best sequential blueprint wins. Ties go to the smaller id.
    Raises :class:`SpecError` for an unknown requested id.
    """
    scores = {bid: score_blueprint(bp, analysis, spec, catalog)
              for bid, bp in catalog.blueprints.items()}
    sequential_first = not spec.constraints.prefer_parallel

    def rank(bid: str) -> tuple[int, float, str]:
        seq = 0 if (sequential_first and catalog.blueprints[bid].is_sequential) else 1
        return (seq if sequential_first else 0, -scores[bid].score, bid)

    ranked = sorted(scores, key=rank)
    requested = spec.team.blueprint
    if requested and requested != "auto":
        if requested not in catalog.blueprints:
            raise _unknown_blueprint(spec, requested, catalog)
        winner = requested
        reasons = ("requested by team.blueprint in the spec", *scores[winner].reasons)
    else:
        winner = ranked[0]
        reasons = scores[winner].reasons
    alternatives = tuple(scores[b] for b in ranked if b != winner)[:2]
    blueprint = catalog.blueprints[winner]
    choice = BlueprintChoice(
        id=blueprint.id,
        name=blueprint.name,
        score=scores[winner].score,
        reasons=tuple(reasons),
        alternatives=alternatives,
        requested=winner == requested,
    )
    return blueprint, choice
