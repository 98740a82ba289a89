"""What a persona template knows about the plan: the contract it renders,
the REST APIs of the project (with where their backends live and which
port each gets), the team, the graph and the analysis."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from teamspec import layout
from teamspec.model import Contract, Persona, Plan
from teamspec.offline import naming
from teamspec.offline.openapi import ApiModel, api_model

BASE_PORT = 8000
BASE_URL_ENV = "TEAMSPEC_BASE_URL"


@dataclass(frozen=True)
class ApiInfo:
    """A REST contract of the project and its offline backend."""

    contract: Contract
    model: ApiModel
    root: str  # backend directory: "backend" or "services/<id>"
    port: int
    index: int

    @property
    def env(self) -> str:
        """Environment variable with this API's base URL for generated tests."""
        return f"TEAMSPEC_{naming.env_name(self.contract.id)}_URL"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service(self) -> str:
        """A compose service / host name: ``task-api``."""
        return "-".join(naming.words(self.contract.id)) or "api"

    @property
    def test_module(self) -> str:
        return f"test_{naming.snake(self.contract.id)}.py"


@dataclass(frozen=True)
class ContractView:
    """A contract with the facts documents show about it."""

    contract: Contract
    persona_name: str
    group: int
    priority: float
    start_h: float | None
    finish_h: float | None
    on_critical_path: bool
    artifacts: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.contract.id


class Job:
    """One contract to render, with lazily derived facts about its plan."""

    def __init__(self, plan: Plan, contract: Contract) -> None:
        self.plan = plan
        self.contract = contract

    # ------------------------------------------------------------------ team

    @cached_property
    def persona(self) -> Persona:
        try:
            return self.plan.persona(self.contract.provider)
        except KeyError:
            return Persona(id=self.contract.provider, name=naming.humanize(self.contract.provider).title(), source="spec")

    def persona_name(self, persona_id: str) -> str:
        try:
            return self.plan.persona(persona_id).name
        except KeyError:
            return naming.humanize(persona_id).title()

    @cached_property
    def providers(self) -> frozenset[str]:
        return frozenset(c.provider for c in self.plan.contracts)

    def has(self, persona_id: str) -> bool:
        """Whether some contract of the plan is provided by ``persona_id``."""
        return persona_id in self.providers

    def contract_of(self, persona_id: str) -> Contract | None:
        for c in self.plan.contracts:
            if c.provider == persona_id:
                return c
        return None

    # ------------------------------------------------------------------ APIs

    @cached_property
    def apis(self) -> tuple[ApiInfo, ...]:
        """Every REST contract with an OpenAPI document, in plan order."""
        rest = [
            c for c in self.plan.contracts
            if c.type == "rest_api" and c.interface is not None and c.interface.kind == "openapi"
        ]
        return tuple(
            ApiInfo(c, api_model(c), layout.backend_root(c.id, self.plan.contracts), BASE_PORT + i, i)
            for i, c in enumerate(rest)
        )

    @cached_property
    def related_apis(self) -> tuple[ApiInfo, ...]:
        """The REST APIs this contract works with: those it uses or depends
        on (directly or through its upstream contracts), else all of them."""
        upstream = self.upstream_ids
        mine = tuple(a for a in self.apis if a.contract.id in upstream or a.contract.id == self.contract.id)
        return mine or self.apis

    @cached_property
    def upstream_ids(self) -> frozenset[str]:
        seen: set[str] = set()
        stack = [*self.contract.depends_on, *self.contract.uses]
        by_id = {c.id: c for c in self.plan.contracts}
        while stack:
            cid = stack.pop()
            if cid in seen or cid not in by_id:
                continue
            seen.add(cid)
            stack.extend([*by_id[cid].depends_on, *by_id[cid].uses])
        return frozenset(seen)

    def api(self, contract_id: str) -> ApiInfo | None:
        for a in self.apis:
            if a.contract.id == contract_id:
                return a
        return None

    # ------------------------------------------------------------------ plan

    @cached_property
    def groups(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i, group in enumerate(self.plan.groups):
            for cid in group:
                out[cid] = i + 1
        return out

    @cached_property
    def views(self) -> tuple[ContractView, ...]:
        critical = set(self.plan.critical_path)
        out = []
        for c in self.plan.contracts:
            scheduled = self.plan.schedule.get(c.id)
            artifacts = tuple(a for d in c.deliverables for a in d.artifacts)
            out.append(ContractView(
                contract=c,
                persona_name=self.persona_name(c.provider),
                group=self.groups.get(c.id, 0),
                priority=float(self.plan.priorities.get(c.id, 0.0)),
                start_h=scheduled.start_h if scheduled else None,
                finish_h=scheduled.finish_h if scheduled else None,
                on_critical_path=c.id in critical,
                artifacts=artifacts,
            ))
        return tuple(out)

    def view(self, contract_id: str) -> ContractView:
        for v in self.views:
            if v.id == contract_id:
                return v
        raise KeyError(contract_id)

    @cached_property
    def edges(self) -> tuple[tuple[str, str, str], ...]:
        """(provider contract, consumer contract, kind), sorted."""
        graph = self.plan.graph
        out: set[tuple[str, str, str]] = set()
        if graph is not None:
            for a, b, data in graph.edges(data=True):
                out.add((str(a), str(b), str((data or {}).get("kind", "implementation"))))
        else:
            for c in self.plan.contracts:
                out.update((d, c.id, "implementation") for d in c.depends_on)
                out.update((u, c.id, "interface") for u in c.uses)
        return tuple(sorted(out))

    def consumers_of(self, contract_id: str) -> tuple[str, ...]:
        return tuple(sorted({b for a, b, _ in self.edges if a == contract_id}))

    def base(self) -> dict[str, Any]:
        """Context every template gets."""
        spec = self.plan.spec
        return {
            "job": self,
            "plan": self.plan,
            "spec": spec,
            "project": spec.name,
            "project_title": naming.humanize(spec.name).title(),
            "requirement": spec.requirement.strip(),
            "analysis": self.plan.analysis,
            "blueprint": self.plan.blueprint,
            "contract": self.contract,
            "persona": self.persona,
            "apis": self.apis,
            "related_apis": self.related_apis,
            "views": self.views,
            "base_url_env": BASE_URL_ENV,
            "layout": layout,
        }


def schema_fields(schema: Mapping[str, Any] | None, defs: Mapping[str, Any], direction: str = "response") -> list[dict[str, Any]]:
    """The properties of an object schema as rows: name, type text,
    required, constraints text, description."""
    from teamspec.offline.runtime import schema_check

    s = schema_check.resolve(schema or {}, defs)
    required = set(s.get("required") or ())
    rows = []
    for name, prop in (s.get("properties") or {}).items():
        p = schema_check.resolve(prop, defs)
        rows.append({
            "name": name,
            "type": type_text(p, defs),
            "required": name in required,
            "read_only": p.get("readOnly") is True,
            "write_only": p.get("writeOnly") is True,
            "nullable": p.get("nullable") is True or (isinstance(p.get("type"), list) and "null" in p["type"]),
            "constraints": constraints_text(p),
            "description": " ".join(str(p.get("description") or "").split()),
            "schema": p,
        })
    return rows


def type_text(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    from teamspec.offline.openapi import NAME_KEY
    from teamspec.offline.runtime import schema_check

    s = schema_check.resolve(schema, defs)
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    t = s.get("type")
    if isinstance(t, list):
        t = " | ".join(str(x) for x in t)
    if t == "array":
        return f"array of {type_text(s.get('items') or {}, defs)}"
    if t == "object" or (t is None and "properties" in s):
        return str(s.get(NAME_KEY) or "object")
    for key in ("oneOf", "anyOf"):
        if s.get(key):
            return " | ".join(type_text(x, defs) for x in s[key])
    text = str(t or "any")
    if s.get("format"):
        text += f" ({s['format']})"
    return text


def constraints_text(s: Mapping[str, Any]) -> str:
    parts: list[str] = []
    if s.get("enum"):
        parts.append("one of " + ", ".join(f"`{e}`" for e in s["enum"]))
    for key, label in (
        ("minLength", "min length"), ("maxLength", "max length"), ("minimum", "min"), ("maximum", "max"),
        ("exclusiveMinimum", "greater than"), ("exclusiveMaximum", "less than"), ("multipleOf", "multiple of"),
        ("minItems", "min items"), ("maxItems", "max items"), ("pattern", "pattern"), ("default", "default"),
    ):
        if key in s and not isinstance(s[key], bool):
            value = f"`{s[key]}`" if key == "pattern" else s[key]
            parts.append(f"{label} {value}")
    if s.get("uniqueItems") is True:
        parts.append("unique items")
    return ", ".join(parts)
