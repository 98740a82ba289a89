"""Graph generators shared by the benchmarks and the scheduling tests.

* :func:`layered_dag` -- a random layered DAG shaped like a real contract
  graph: nodes are spread over layers, every node past the first layer has 1-3
  predecessors in earlier layers, one of them in the layer just before (so a
  node's layer is its topological generation), integer effort 1-10 hours.
* :func:`staircase` -- ``k`` independent chains of length ``k``; chain ``i``
  has its one long task at position ``i``. A list schedule on ``k`` workers
  runs every chain on its own worker (makespan = the critical path), while a
  level-by-level barrier waits for one long task in every generation
  (makespan = ``k`` long tasks).
* :func:`dag_to_design` / :func:`plan_dag` -- wrap a generated DAG into the
  model values :func:`teamspec.planning.plan_design` takes, so benchmarks
  measure the real plan stage and the shared scheduling policy.
* :func:`spec_yaml` -- the same DAG as a spec file (for scale benchmarks).

Run from the repository root; these helpers import ``teamspec``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from teamspec.model import Analysis, Design, Plan, Spec

# Catalog personas, cycled as providers of generated contracts.
PROVIDERS: tuple[str, ...] = (
    "backend_developer", "frontend_developer", "database_specialist", "qa_engineer",
    "devops_engineer", "technical_writer", "security_specialist", "integration_tester",
)


@dataclass(frozen=True)
class Dag:
    """A generated DAG: ``ids`` in a topological order, ``deps[id]`` the
    implementation predecessors of ``id``, ``effort[id]`` its hours."""

    ids: tuple[str, ...]
    deps: Mapping[str, tuple[str, ...]]
    effort: Mapping[str, float]

    @property
    def total(self) -> float:
        return float(sum(self.effort.values()))

    def critical_path_hours(self) -> float:
        """Longest path by effort (``ids`` is topological)."""
        finish: dict[str, float] = {}
        for cid in self.ids:
            finish[cid] = self.effort[cid] + max((finish[d] for d in self.deps[cid]), default=0.0)
        return max(finish.values(), default=0.0)

    def bottom_levels(self) -> dict[str, float]:
        """Effort of a node plus the longest effort path from it to a sink."""
        succ: dict[str, list[str]] = {cid: [] for cid in self.ids}
        for cid in self.ids:
            for d in self.deps[cid]:
                succ[d].append(cid)
        bl: dict[str, float] = {}
        for cid in reversed(self.ids):
            bl[cid] = self.effort[cid] + max((bl[s] for s in succ[cid]), default=0.0)
        return bl


def layered_dag(
    n: int,
    seed: int,
    *,
    layers: int | None = None,
    max_preds: int = 3,
    effort: tuple[int, int] = (1, 10),
) -> Dag:
    """A random layered DAG of ``n`` nodes (deterministic for a seed).

    ``layers`` defaults to ``round(sqrt(n))``; every layer gets at least one
    node and the rest are spread uniformly at random, so widths vary. A node
    in layer ``l > 0`` has ``randint(1, max_preds)`` distinct predecessors:
    one drawn from layer ``l - 1``, the others from all earlier layers.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    rng = random.Random(seed)
    nlayers = max(1, min(n, layers if layers is not None else round(n**0.5)))
    layer_of = list(range(nlayers)) + [rng.randrange(nlayers) for _ in range(n - nlayers)]
    layer_of.sort()
    ids = tuple(f"c{i:04d}" for i in range(n))
    by_layer: list[list[str]] = [[] for _ in range(nlayers)]
    for cid, layer in zip(ids, layer_of, strict=True):
        by_layer[layer].append(cid)
    deps: dict[str, tuple[str, ...]] = {}
    earlier: list[str] = []
    for layer, members in enumerate(by_layer):
        for cid in members:
            if layer == 0:
                deps[cid] = ()
                continue
            want = rng.randint(1, max_preds)
            chosen = [rng.choice(by_layer[layer - 1])]
            pool = [c for c in earlier if c != chosen[0]]
            chosen += rng.sample(pool, min(want - 1, len(pool)))
            deps[cid] = tuple(sorted(chosen))
        earlier.extend(members)
    lo, hi = effort
    eff = {cid: float(rng.randint(lo, hi)) for cid in ids}
    return Dag(ids, deps, eff)


def staircase(k: int, *, long_hours: float | None = None, short_hours: float = 1.0) -> Dag:
    """``k`` chains of length ``k``; chain ``i`` has its long task at
    position ``i``. ``long_hours`` defaults to ``k * k`` short tasks, so the
    barrier's ``k`` long tasks dwarf a chain's ``k - 1`` short ones."""
    if k < 1:
        raise ValueError("k must be at least 1")
    long_h = float(k * k) * short_hours if long_hours is None else long_hours
    ids: list[str] = []
    deps: dict[str, tuple[str, ...]] = {}
    eff: dict[str, float] = {}
    for pos in range(k):  # position-major: a topological order
        for chain in range(k):
            cid = f"s{chain:02d}_{pos:02d}"
            ids.append(cid)
            deps[cid] = (f"s{chain:02d}_{pos - 1:02d}",) if pos else ()
            eff[cid] = long_h if pos == chain else short_hours
    return Dag(tuple(ids), deps, eff)


def dag_to_design(dag: Dag, name: str = "bench") -> tuple[Spec, Analysis, Design]:
    """The model values for :func:`teamspec.planning.plan_design`."""
    from teamspec.model import (
        Analysis,
        BlueprintChoice,
        Constraints,
        Contract,
        Design,
        Persona,
        Spec,
    )

    spec = Spec(path=Path(f"{name}.yaml"), name=name, requirement="generated benchmark graph",
                constraints=Constraints(max_workers=4))
    analysis = Analysis(type="feature_development", complexity="complex",
                        parallelizability="partially_parallel", effort_hours=dag.total)
    team = tuple(Persona(id=p, name=p.replace("_", " ").title()) for p in PROVIDERS)
    contracts = tuple(
        Contract(id=cid, name=cid, type="deliverable", provider=PROVIDERS[i % len(PROVIDERS)],
                 depends_on=dag.deps[cid], effort_hours=dag.effort[cid])
        for i, cid in enumerate(dag.ids)
    )
    blueprint = BlueprintChoice(id="parallel-basic", name="Parallel Basic", score=1.0)
    return spec, analysis, Design(team=team, contracts=contracts, blueprint=blueprint)


def plan_dag(dag: Dag, workers: int) -> Plan:
    """Plan a generated DAG through the real plan stage."""
    from teamspec.planning import plan_design

    spec, analysis, design = dag_to_design(dag)
    return plan_design(spec, analysis, design, workers=workers)


def spec_yaml(dag: Dag, name: str = "generated", providers: Sequence[str] = PROVIDERS) -> str:
    """The DAG as a version-1 spec file (block style, one contract per item)."""
    lines = [
        "teamspec: 1",
        f"name: {name}",
        "requirement: |",
        "  Build a generated system of many small services.",
        "contracts:",
    ]
    for i, cid in enumerate(dag.ids):
        lines.append(f"  - id: {cid}")
        lines.append(f"    provider: {providers[i % len(providers)]}")
        lines.append(f"    effort_hours: {dag.effort[cid]:g}")
        if dag.deps[cid]:
            lines.append(f"    depends_on: [{', '.join(dag.deps[cid])}]")
    return "\n".join(lines) + "\n"
