"""Requirement analysis and contract design with Claude (structured output).

Stages: *analyse* (the requirement → :class:`~teamspec.model.Analysis`) →
*design* (teamspec's own design from that analysis) → *refine* (Claude
improves the designed contracts' descriptions, efforts and free-text
acceptance criteria) → *plan*.

Both calls ask for structured output (``output_config.format`` with a JSON
schema). The answer is then validated locally against teamspec's own, stricter
schema (:data:`ANALYSIS_SCHEMA`, :data:`REFINEMENT_SCHEMA`: value sets,
ranges, lengths, known ids) with ``jsonschema``. Any failure -- no answer,
an API error, a refusal, a cut-off answer, JSON that does not validate --
falls back to the heuristic (the offline analysis, or the design as
teamspec made it) and says so in a warning that the plan shows
(``Plan.warnings``) and the build report repeats.

Hand-written contracts are never refined: only designed ones.

Validated answers are kept in an :class:`AnswerCache` (under the user's
cache directory, ``$TEAMSPEC_CACHE_DIR/claude``), keyed by the exact
request: the same spec and model give the same plan again without a call,
so a second ``teamspec build`` finds everything up to date instead of
rebuilding on a reworded analysis. ``TEAMSPEC_NO_CACHE=1`` turns it off;
recording and replaying builds never use it.

Entry points: :func:`analyse_with_claude` (``(spec, client) -> Analysis``),
:func:`refine_design_with_claude` and :func:`plan_with_claude` (the whole
stage: analysis, design, refinement, plan).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from teamspec.claude.client import (
    DEFAULT_MODEL,
    ClientFactory,
    ClientSettings,
    LLMClient,
    LLMError,
    LLMResponse,
)
from teamspec.model import (
    ANALYSIS_TYPES,
    COMPLEXITIES,
    PARALLELIZABILITY,
    AcceptanceItem,
    Analysis,
    Contract,
    Deliverable,
    Design,
    Plan,
    Spec,
)

T = TypeVar("T")
ANALYSIS_MARK = "teamspec:analysis"
DESIGN_MARK = "teamspec:design"
MAX_TOKENS = 4096
MAX_NEW_CRITERIA = 3


def _expertise() -> tuple[str, ...]:
    from teamspec.analysis import EXPERTISE

    return EXPERTISE


def analysis_schema() -> dict[str, Any]:
    """teamspec's own schema of an analysis (what is validated locally)."""
    return {
        "type": "object",
        "properties": {
            "type": {"enum": list(ANALYSIS_TYPES)},
            "complexity": {"enum": list(COMPLEXITIES)},
            "parallelizability": {"enum": list(PARALLELIZABILITY)},
            "effort_hours": {"type": "number", "minimum": 0.5, "maximum": 10000,
                             "description": "total effort for one experienced developer, hours"},
            "expertise": {"type": "array", "items": {"enum": list(_expertise())},
                          "maxItems": 12, "uniqueItems": True},
            "entities": {"type": "array", "maxItems": 12, "uniqueItems": True,
                         "description": "the nouns the product manages, lower case singular",
                         "items": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$",
                                   "maxLength": 40}},
            "risks": {"type": "array", "maxItems": 10,
                      "items": {"type": "string", "minLength": 1, "maxLength": 200}},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "required": ["type", "complexity", "parallelizability", "effort_hours", "expertise",
                     "entities", "risks", "confidence"],
        "additionalProperties": False,
    }


ANALYSIS_SCHEMA: dict[str, Any] = analysis_schema()

ANALYSIS_SYSTEM = f"""{ANALYSIS_MARK}
You analyse a software requirement for a team of AI personas that will build it. Answer with
the JSON object the schema describes:
- type: the kind of work; complexity and parallelizability from the listed values;
- effort_hours: the total effort for one experienced developer, in hours;
- expertise: the skills the work needs, from the listed values only;
- entities: the nouns the product manages (lower case, singular: task, user, order);
- risks: short sentences; confidence: 0 to 1, how sure you are of this analysis."""


def refinement_schema(ids: Sequence[str]) -> dict[str, Any]:
    """teamspec's own schema of a design refinement for the designed contract ``ids``."""
    return {
        "type": "object",
        "properties": {
            "contracts": {
                "type": "array",
                "maxItems": max(1, len(ids)),
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"enum": list(ids)},
                        "description": {"type": "string", "minLength": 1, "maxLength": 400},
                        "effort_hours": {"type": "number", "minimum": 0.5, "maximum": 1000},
                        "acceptance": {"type": "array", "maxItems": MAX_NEW_CRITERIA,
                                       "items": {"type": "string", "minLength": 1,
                                                 "maxLength": 200}},
                    },
                    "required": ["id", "description", "effort_hours", "acceptance"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["contracts"],
        "additionalProperties": False,
    }


DESIGN_SYSTEM = f"""{DESIGN_MARK}
You review the contracts teamspec designed for a team of AI personas. For each contract listed,
give a precise one-paragraph description of what its provider must build (naming the entities
and interfaces involved), a realistic effort in hours, and up to {MAX_NEW_CRITERIA} additional
acceptance criteria that a reviewer can check in the delivered files (one sentence each; do not
repeat the existing ones). Answer with the JSON object the schema describes."""


# ------------------------------------------------------------------ answers


class AnswerCache:
    """Validated structured answers by request (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    @staticmethod
    def default() -> AnswerCache | None:
        """The cache under the user's cache directory; None when disabled."""
        import os

        if os.environ.get("TEAMSPEC_NO_CACHE", "") not in ("", "0"):
            return None
        from teamspec.engine.plancache import cache_dir

        return AnswerCache(cache_dir() / "claude")

    def _path(self, request: Mapping[str, Any]) -> Path:
        import hashlib

        from teamspec import __version__

        key = json.dumps([__version__, request], sort_keys=True, separators=(",", ":"),
                         ensure_ascii=False, default=str)
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()}.json"

    def get(self, request: Mapping[str, Any]) -> Any:
        try:
            return json.loads(self._path(request).read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, request: Mapping[str, Any], doc: Any) -> None:
        path = self._path(request)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(doc, sort_keys=True), "utf-8")
            tmp.replace(path)
        except OSError:
            return


async def _answer(client: LLMClient, request: Mapping[str, Any], what: str,
                  check: Callable[[Any], T], cache: AnswerCache | None) -> T:
    """The validated answer to ``request``: from the cache, else from the model."""
    if cache is not None:
        doc = cache.get(request)
        if doc is not None:
            try:
                return check(doc)
            except ValueError:
                pass
    resp = await client.create(request)
    doc = _json_answer(resp, what)
    result = check(doc)
    if cache is not None:
        cache.put(request, doc)
    return result


# ---------------------------------------------------------------- validation


def _validate(schema: Mapping[str, Any], doc: Any) -> None:
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.path) or "(root)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ValueError(f"the answer does not match teamspec's schema: {where}: {e.message}{more}")


def _json_answer(resp: LLMResponse, what: str) -> Any:
    if resp.stop_reason == "refusal":
        d = resp.stop_details or {}
        raise ValueError(f"the model refused the {what}"
                         + (f" ({d.get('explanation') or d.get('category')})"
                            if d.get("explanation") or d.get("category") else ""))
    if resp.stop_reason == "max_tokens":
        raise ValueError(f"the {what} was cut off at max_tokens ({MAX_TOKENS})")
    text = resp.text().strip()
    if not text:
        raise ValueError(f"the {what} answer has no text")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValueError(f"the {what} answer is not JSON ({exc})") from None


def parse_analysis(doc: Any) -> Analysis:
    """An :class:`Analysis` from a structured answer; ValueError when it does
    not validate against :data:`ANALYSIS_SCHEMA`."""
    from teamspec.words import singular

    _validate(ANALYSIS_SCHEMA, doc)
    entities = tuple(dict.fromkeys(singular(e) for e in doc["entities"]))
    expertise = tuple(x for x in _expertise() if x in doc["expertise"])  # canonical order
    return Analysis(
        type=doc["type"],
        complexity=doc["complexity"],
        parallelizability=doc["parallelizability"],
        effort_hours=round(float(doc["effort_hours"]) * 2) / 2 or 0.5,
        expertise=expertise,
        entities=entities,
        risks=tuple(" ".join(r.split()) for r in doc["risks"]),
        confidence=round(float(doc["confidence"]), 2),
        source="claude",
    )


# ------------------------------------------------------------------ requests


def analysis_request(model: str, spec: Spec) -> dict[str, Any]:
    from anthropic import transform_schema

    text = f"Project: {spec.name}\n\nRequirement:\n{spec.requirement.strip()}\n"
    return {
        "model": model,
        "max_tokens": MAX_TOKENS,
        "system": ANALYSIS_SYSTEM,
        "messages": [{"role": "user", "content": text}],
        "output_config": {"format": {"type": "json_schema",
                                     "schema": transform_schema(ANALYSIS_SCHEMA)}},
    }


def design_request(model: str, spec: Spec, analysis: Analysis,
                   contracts: Sequence[Contract]) -> dict[str, Any]:
    from anthropic import transform_schema

    from teamspec.claude.prompts import _yaml, contract_summary

    text = "\n".join([
        f"Project: {spec.name}", "", "Requirement:", spec.requirement.strip(), "",
        "Analysis:", _yaml(analysis.to_dict()).rstrip(), "",
        "Contracts to review:", _yaml([contract_summary(c) for c in contracts]).rstrip(), "",
    ])
    return {
        "model": model,
        "max_tokens": MAX_TOKENS,
        "system": DESIGN_SYSTEM,
        "messages": [{"role": "user", "content": text}],
        "output_config": {"format": {"type": "json_schema", "schema": transform_schema(
            refinement_schema([c.id for c in contracts]))}},
    }


# ------------------------------------------------------------------ stages


async def analyse_async(spec: Spec, client: LLMClient,
                        cache: AnswerCache | None = None) -> Analysis:
    """Claude's analysis of ``spec.requirement``, or the heuristic with a
    warning when anything fails (see the module docstring)."""
    from teamspec.analysis import analyse

    try:
        return await _answer(client, analysis_request(client.model, spec), "analysis",
                             parse_analysis, cache)
    except LLMError as exc:
        why = exc.message
    except ValueError as exc:
        why = str(exc)
    fallback = analyse(spec.requirement)
    warning = f"Claude requirement analysis failed ({why}); used the heuristic analysis"
    return replace(fallback, warnings=(warning, *fallback.warnings))


def apply_refinement(design: Design, doc: Any) -> Design:
    """The design with a validated refinement applied to its designed
    contracts; ValueError when ``doc`` does not validate."""
    designed = [c for c in design.contracts if c.origin == "designed"]
    _validate(refinement_schema([c.id for c in designed]), doc)
    by_id: dict[str, Mapping[str, Any]] = {}
    for entry in doc["contracts"]:
        if entry["id"] in by_id:
            raise ValueError(f"the answer refines contract {entry['id']} twice")
        by_id[entry["id"]] = entry
    out: list[Contract] = []
    for c in design.contracts:
        entry = by_id.get(c.id)
        if entry is None or c.origin != "designed":
            out.append(c)
            continue
        dels = list(c.deliverables)
        if dels and entry["acceptance"]:
            have = {a.text for d in dels for a in d.acceptance if a.text}
            new = tuple(AcceptanceItem(text=" ".join(t.split())) for t in entry["acceptance"]
                        if " ".join(t.split()) not in have)
            first: Deliverable = dels[0]
            dels[0] = replace(first, acceptance=(*first.acceptance, *new))
        out.append(replace(c, description=" ".join(entry["description"].split()),
                           effort_hours=round(float(entry["effort_hours"]) * 2) / 2 or 0.5,
                           deliverables=tuple(dels)))
    return replace(design, contracts=tuple(out))


async def refine_design_async(spec: Spec, analysis: Analysis, design: Design,
                              client: LLMClient, cache: AnswerCache | None = None) -> Design:
    """The design refined by Claude, or unchanged with a warning."""
    designed = [c for c in design.contracts if c.origin == "designed"]
    if not designed:
        return design
    try:
        return await _answer(client, design_request(client.model, spec, analysis, designed),
                             "design refinement", lambda doc: apply_refinement(design, doc),
                             cache)
    except LLMError as exc:
        why = exc.message
    except ValueError as exc:
        why = str(exc)
    warning = f"Claude contract design failed ({why}); kept teamspec's own design"
    return replace(design, warnings=(*design.warnings, warning))


async def plan_async(spec: Spec, client: LLMClient, *, workers: int | None = None,
                     refine: bool = True, cache: AnswerCache | None = None) -> Plan:
    from teamspec.design import design as design_contracts
    from teamspec.planning import plan_design

    analysis = await analyse_async(spec, client, cache)
    designed = design_contracts(spec, analysis)
    if refine:
        designed = await refine_design_async(spec, analysis, designed, client, cache)
    return plan_design(spec, analysis, designed, workers=workers)


# ------------------------------------------------------------- sync entry points


def _run(make: Callable[[], Awaitable[T]]) -> T:
    from teamspec.syncrun import run_sync

    return run_sync(make, thread_name="teamspec-claude")


def analyse_with_claude(spec: Spec, client: LLMClient) -> Analysis:
    """Claude's analysis of the spec's requirement, validated against
    :data:`ANALYSIS_SCHEMA`; the heuristic analysis with a warning (in
    ``Analysis.warnings``, which the plan shows) when anything fails.
    Never raises for a model or API failure."""

    async def go() -> Analysis:
        try:
            return await analyse_async(spec, client)
        finally:
            await client.aclose()

    return _run(go)


def refine_design_with_claude(spec: Spec, analysis: Analysis, design: Design,
                              client: LLMClient) -> Design:
    """The designed contracts refined by Claude (see the module docstring)."""

    async def go() -> Design:
        try:
            return await refine_design_async(spec, analysis, design, client)
        finally:
            await client.aclose()

    return _run(go)


def plan_with_claude(
    spec: Spec | str | Path,
    *,
    workers: int | None = None,
    client: LLMClient | None = None,
    record: Path | None = None,
    replay: Path | None = None,
    settings: ClientSettings | None = None,
    refine: bool = True,
    reuse: bool = True,
) -> Plan:
    """``teamspec.planning.make_plan`` with Claude's analysis and design
    refinement. Without ``client`` one is made from ``ANTHROPIC_API_KEY``
    (ConfigurationError, exit 2, when it is not set and nothing is
    replayed); ``record`` / ``replay`` as for builds (the calls are recorded
    in ``DIR/plan.jsonl``). Model or API failures fall back to the heuristic
    with warnings in ``Plan.warnings``. ``reuse``: answer from the
    :class:`AnswerCache` when the same requests were answered before (never
    when recording or replaying)."""
    if isinstance(spec, Spec):
        loaded = spec
    else:
        from teamspec.spec import load_spec

        loaded = load_spec(spec)
    own = client is None
    if client is None:
        base = settings or ClientSettings()
        model = loaded.model or base.model or DEFAULT_MODEL
        client = ClientFactory(replace(base, model=model), record, replay).make(label="plan")
    the_client = client
    cache = AnswerCache.default() if reuse and record is None and replay is None else None

    async def go() -> Plan:
        try:
            plan = await plan_async(loaded, the_client, workers=workers, refine=refine,
                                    cache=cache)
            # the planning calls count toward the build's cost and budget
            return replace(plan, planning_cost_usd=the_client.budget.spent_usd)
        finally:
            if own:
                await the_client.aclose()

    return _run(go)


__all__ = [
    "ANALYSIS_SCHEMA",
    "AnswerCache",
    "analyse_async",
    "analyse_with_claude",
    "analysis_schema",
    "apply_refinement",
    "parse_analysis",
    "plan_async",
    "plan_with_claude",
    "refine_design_async",
    "refine_design_with_claude",
    "refinement_schema",
]
