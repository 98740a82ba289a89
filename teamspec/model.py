"""The data every stage passes along: frozen dataclasses, no behaviour beyond
small derived properties.

Stages (``load`` → ``analyse`` → ``design`` → ``plan`` → ``build``) are
functions from these values to these values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

ContractType = Literal["rest_api", "graphql", "interface", "event_stream", "deliverable"]
CONTRACT_TYPES: tuple[str, ...] = ("rest_api", "graphql", "interface", "event_stream", "deliverable")
EXECUTORS: tuple[str, ...] = ("offline", "claude", "command", "simulate")
MACHINE_CHECKS: tuple[str, ...] = ("command", "conforms", "openapi_valid", "json_schema", "file_contains")

PathKey = tuple[str | int, ...]


def format_path(path: PathKey) -> str:
    """``("contracts", 2, "depends_on", 0)`` → ``contracts[2].depends_on[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass(frozen=True)
class SourceMap:
    """Where each value of a loaded YAML document stands.

    ``positions`` maps a path (``("contracts", 0, "id")``) to the 1-based
    ``(line, col)`` of the key for mapping entries, or of the item for
    sequence entries and the document root (``()``).
    """

    file: str
    positions: Mapping[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey) -> tuple[int, int]:
        """Position of ``path``, or of its nearest located ancestor."""
        p = tuple(path)
        while True:
            pos = self.positions.get(p)
            if pos is not None:
                return pos
            if not p:
                return (1, 1)
            p = p[:-1]


@dataclass(frozen=True)
class Constraints:
    prefer_parallel: bool = True
    max_workers: int = 4
    quality_threshold: float = 0.8
    budget_usd: float | None = None
    timeout_minutes: float = 30.0
    retries: int = 2


@dataclass(frozen=True)
class AcceptanceItem:
    """One acceptance criterion: free text (``text``) or a machine check.

    Machine checks (``check``): ``command`` (``run`` exits 0), ``conforms``
    (the provider started with ``serve`` conforms to the interface),
    ``openapi_valid`` (``path``, default the contract's interface),
    ``json_schema`` (file ``path`` validates against ``schema``),
    ``file_contains`` (file ``path`` contains ``text`` or matches ``pattern``).
    """

    text: str | None = None
    check: str | None = None
    run: str | None = None
    path: str | None = None
    schema: str | None = None
    pattern: str | None = None

    @property
    def is_machine_check(self) -> bool:
        return self.check is not None

    def describe(self) -> str:
        if self.check is None:
            return self.text or ""
        detail = self.run or self.path or ""
        return f"{self.check}: {detail}" if detail else self.check


@dataclass(frozen=True)
class Deliverable:
    name: str
    description: str = ""
    artifacts: tuple[str, ...] = ()
    acceptance: tuple[AcceptanceItem, ...] = ()


@dataclass(frozen=True)
class Persona:
    """A member of the team: from the catalog or the spec's ``personas:``."""

    id: str
    name: str
    role: str = ""
    expertise: tuple[str, ...] = ()
    responsibilities: tuple[str, ...] = ()
    deliverables: tuple[Deliverable, ...] = ()
    source: Literal["catalog", "spec"] = "catalog"


@dataclass(frozen=True)
class ContractSpec:
    """A contract as written in the spec: every field but ``id`` and
    ``provider`` may be left out; design fills the gaps."""

    id: str
    provider: str
    name: str | None = None
    description: str | None = None
    type: str | None = None
    consumers: tuple[str, ...] = ()
    interface: str | Mapping[str, Any] | None = None
    mock: bool | None = None
    depends_on: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    effort_hours: float | None = None
    executor: str | None = None
    run: str | None = None
    serve: str | None = None
    timeout_minutes: float | None = None
    retries: int | None = None
    deliverables: tuple[Deliverable, ...] | None = None


@dataclass(frozen=True)
class TeamConfig:
    blueprint: str = "auto"
    personas: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Spec:
    """A validated spec file."""

    path: Path
    name: str
    requirement: str
    version: int = 1
    output: str | None = None
    constraints: Constraints = field(default_factory=Constraints)
    executor: str = "offline"
    model: str | None = None
    team: TeamConfig = field(default_factory=TeamConfig)
    personas: tuple[Persona, ...] = ()
    contracts: tuple[ContractSpec, ...] = ()
    source: SourceMap = field(default_factory=lambda: SourceMap(""), compare=False, repr=False)
    warnings: tuple[Any, ...] = field(default=(), compare=False)  # tuple[Diagnostic, ...]

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def output_dir(self, override: str | Path | None = None) -> Path:
        """The output directory: CLI ``-o`` wins, else ``output:`` relative to
        the spec file, else ``build/<name>`` next to the spec."""
        if override is not None:
            return Path(override)
        if self.output:
            return self.base_dir / self.output
        return self.base_dir / "build" / self.name


InterfaceKind = Literal["openapi", "graphql", "json_schema", "event_schemas"]


@dataclass(frozen=True)
class Interface:
    """A contract's interface document.

    ``document`` is the parsed form (a dict for OpenAPI / JSON Schema / event
    schemas, the SDL text for GraphQL). ``source`` is the file it came from
    (absolute), ``None`` when inline in the spec or designed by teamspec;
    ``text`` is the file's text when there is one (for line numbers).
    """

    kind: InterfaceKind
    document: Any = field(compare=False, hash=False)
    source: Path | None = None
    text: str | None = field(default=None, compare=False, hash=False, repr=False)
    origin: Literal["file", "inline", "designed"] = "designed"


@dataclass(frozen=True)
class Contract:
    """A fully resolved contract: what the engine runs."""

    id: str
    name: str
    type: str
    provider: str
    consumers: tuple[str, ...] = ()
    description: str = ""
    interface: Interface | None = None
    mock: bool = False
    depends_on: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    effort_hours: float = 1.0
    executor: str | None = None
    run: str | None = None
    serve: str | None = None
    timeout_minutes: float | None = None
    retries: int | None = None
    deliverables: tuple[Deliverable, ...] = ()
    origin: Literal["spec", "designed"] = "designed"


@dataclass(frozen=True)
class Analysis:
    """What the requirement asks for. Value sets are fixed (see DESIGN.md)."""

    type: str
    complexity: str
    parallelizability: str
    effort_hours: float
    expertise: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    confidence: float = 0.5
    source: Literal["heuristic", "claude"] = "heuristic"
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "complexity": self.complexity,
            "parallelizability": self.parallelizability,
            "effort_hours": self.effort_hours,
            "expertise": list(self.expertise),
            "entities": list(self.entities),
            "risks": list(self.risks),
            "confidence": self.confidence,
            "source": self.source,
        }


ANALYSIS_TYPES: tuple[str, ...] = (
    "feature_development", "bug_fix", "refactoring", "performance_optimization",
    "security_audit", "testing", "documentation", "deployment", "maintenance",
)
COMPLEXITIES: tuple[str, ...] = ("simple", "moderate", "complex", "very_complex")
PARALLELIZABILITY: tuple[str, ...] = (
    "fully_parallel", "partially_parallel", "mostly_sequential", "fully_sequential",
)


@dataclass(frozen=True)
class BlueprintScore:
    id: str
    score: float
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "score": round(self.score, 3), "reasons": list(self.reasons)}


@dataclass(frozen=True)
class BlueprintChoice:
    """The chosen blueprint with its score and the two runners-up."""

    id: str
    name: str
    score: float
    reasons: tuple[str, ...] = ()
    alternatives: tuple[BlueprintScore, ...] = ()
    requested: bool = False  # the spec named it explicitly

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "score": round(self.score, 3),
            "reasons": list(self.reasons),
            "requested": self.requested,
            "alternatives": [a.to_dict() for a in self.alternatives],
        }


@dataclass(frozen=True)
class Design:
    """The team and its contracts, before planning."""

    team: tuple[Persona, ...]
    contracts: tuple[Contract, ...]
    blueprint: BlueprintChoice
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScheduledContract:
    """One contract in a (predicted or measured) schedule, in hours."""

    id: str
    start_h: float
    finish_h: float
    worker: int


@dataclass(frozen=True)
class Plan:
    """A planned build: the DAG, priorities and the predicted schedule.

    ``graph`` is a ``networkx.DiGraph`` whose nodes are contract ids and whose
    edges run provider → consumer with attribute ``kind`` =
    ``"implementation"`` (``depends_on``) or ``"interface"`` (``uses``). It
    is built from ``contracts`` on first use (planning and building never
    need it, so networkx is imported only by what draws or explores it).
    """

    spec: Spec
    analysis: Analysis
    blueprint: BlueprintChoice
    team: tuple[Persona, ...]
    contracts: tuple[Contract, ...]  # topological order
    groups: tuple[tuple[str, ...], ...] = ()
    priorities: Mapping[str, float] = field(default_factory=dict)
    critical_path: tuple[str, ...] = ()
    critical_path_hours: float = 0.0
    sequential_hours: float = 0.0
    predicted_makespan_hours: float = 0.0
    lower_bound_hours: float = 0.0
    barrier_makespan_hours: float = 0.0
    predicted_savings: float = 0.0
    workers: int = 1
    schedule: Mapping[str, ScheduledContract] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    planning_cost_usd: float = 0.0  # Claude calls made while analysing and designing

    @cached_property
    def graph(self) -> Any:
        """The contract graph (``networkx.DiGraph``, see the class docstring)."""
        from teamspec.planning import build_graph

        return build_graph(self.contracts)

    def contract(self, contract_id: str) -> Contract:
        for c in self.contracts:
            if c.id == contract_id:
                return c
        raise KeyError(contract_id)

    def persona(self, persona_id: str) -> Persona:
        for p in self.team:
            if p.id == persona_id:
                return p
        raise KeyError(persona_id)


@dataclass(frozen=True)
class Finding:
    """One problem found by a quality gate, deliverable validation or a
    conformance check. ``check`` names the check (Schemathesis names for
    conformance: ``not_a_server_error``, ``status_code_conformance``, ...)."""

    check: str
    message: str
    severity: Literal["error", "warning"] = "error"
    contract: str | None = None
    operation: str | None = None  # "GET /tasks/{taskId}"
    request: str | None = None  # "GET http://127.0.0.1:8000/tasks/1"
    status: int | None = None
    schema_path: str | None = None  # "paths./tasks.get.responses.200.content.application/json.schema"
    curl: str | None = None
    file: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}
