"""Fingerprints of a contract's inputs.

A contract's fingerprint is a set of named *components*, each a short hash,
so that a changed fingerprint can say *which* input changed (``inputs
changed: requirement, upstream api``). The state records the components
(``inputs``, ``upstream``) and a build compares them; :attr:`Fingerprint.digest`
(one SHA-256 of them all) is computed only when asked for:

``contract``
    the contract's definition (every field; the interface document by the
    hash of its content, not its file name);
``persona``
    the provider persona (from the catalog or the spec);
``executor``
    the executor's name, plus the model for executors that read it;
``requirement``, ``analysis``, ``design``
    present only for executors that read them (``Executor.reads``): the
    offline personas read all three (a template sees the whole plan), Claude
    reads the requirement, the analysis and the model, a command reads none;
``interfaces``
    the interface documents of the contracts it ``uses``;
``version``
    the teamspec version;
``upstream``
    for each ``depends_on`` contract, the hash of its *outputs* (path and
    SHA-256 of every file in its manifest). Because these are output hashes,
    a dependency that is rebuilt but produces the same bytes does not change
    this contract's fingerprint (early cutoff).
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from pathlib import PurePath
from typing import Any

from teamspec.engine.jsonenc import make_encoder
from teamspec.model import Contract, Deliverable, Interface, Plan

COMPONENTS: tuple[str, ...] = (
    "contract", "persona", "executor", "requirement", "analysis", "design", "interfaces",
    "version",
)


def short_hash(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:16]


def canonical(value: Any) -> Any:
    """A JSON-ready, order-stable form of model values."""
    if isinstance(value, Interface):
        return {"kind": value.kind, "document": interface_hash(value)}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [canonical(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, PurePath):
        return str(value)
    return value


def canonical_json(value: Any) -> str:
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), default=str)


_INTERFACE_CACHE: dict[int, tuple[Interface, str]] = {}


def interface_hash(iface: Interface | None) -> str:
    """Hash of an interface document's content (text for GraphQL SDL)."""
    if iface is None:
        return ""
    hit = _INTERFACE_CACHE.get(id(iface))
    if hit is not None and hit[0] is iface:
        return hit[1]
    doc = iface.document
    if isinstance(doc, str):
        h = short_hash(doc)
    elif iface.text is not None and doc is None:
        h = short_hash(iface.text)
    else:
        h = short_hash(json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str))
    _INTERFACE_CACHE[id(iface)] = (iface, h)
    return h


def _deliverables(ds: tuple[Deliverable, ...]) -> list[Any]:
    return [[d.name, d.description, list(d.artifacts),
             [[a.text, a.check, a.run, a.path, a.schema, a.pattern] for a in d.acceptance]]
            for d in ds]


_CONTRACT_MEMO: dict[int, tuple[Contract, str]] = {}
_ENCODE = make_encoder(ensure_ascii=True, default=str)


def remember_contract_hashes(contracts: Iterable[Contract], hashes: Mapping[str, str]) -> None:
    """Seed :func:`contract_hash` with hashes computed earlier for these very
    contract objects (the plan cache stores them)."""
    for c in contracts:
        h = hashes.get(c.id)
        if h:
            _CONTRACT_MEMO[id(c)] = (c, h)


def contract_hash(c: Contract) -> str:
    """Hash of a contract's definition (every field of :class:`Contract`;
    the interface by its content hash). This runs once per contract per
    build: the fields are serialised with :mod:`marshal` format version 0
    (strings, numbers, booleans, None, tuples and lists, each tagged with its
    type and length: equal content gives equal bytes, different content
    different bytes; no references, no interning flags), about twice as fast
    as JSON; JSON is the fallback for a value marshal does not take."""
    hit = _CONTRACT_MEMO.get(id(c))
    if hit is not None and hit[0] is c:
        return hit[1]
    iface = c.interface
    # tuples are encoded as JSON arrays, like lists
    row = (
        c.id, c.name, c.type, c.provider, c.consumers, c.description,
        (iface.kind, interface_hash(iface)) if iface is not None else None,
        c.mock, c.depends_on, c.uses, c.effort_hours, c.executor, c.run, c.serve,
        c.timeout_minutes, c.retries, _deliverables(c.deliverables) if c.deliverables else (),
        c.origin,
    )
    try:
        data = marshal.dumps(row, 0)
    except ValueError:  # a value of another type (a third-party model extension)
        data = b"json:" + _ENCODE(row).encode()
    return hashlib.sha256(data).hexdigest()[:16]


_EMPTY_OUTPUTS = hashlib.sha256().hexdigest()[:16]


def outputs_hash(outputs: Mapping[str, str]) -> str:
    """Hash of a manifest (path → SHA-256)."""
    if not outputs:
        return _EMPTY_OUTPUTS
    h = hashlib.sha256()
    for path in sorted(outputs):
        h.update(path.encode("utf-8"))
        h.update(b"\0")
        h.update(outputs[path].encode("ascii"))
        h.update(b"\n")
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Fingerprint:
    """A contract's fingerprint: its components (``inputs``) and the output
    hashes of its ``depends_on`` (``upstream``). Two fingerprints are equal
    when both are; the state records both, and a build compares them (no
    single digest is needed: it would be a hash of these very values)."""

    inputs: Mapping[str, str]
    upstream: Mapping[str, str]

    @property
    def digest(self) -> str:
        """One SHA-256 of the whole (:func:`combine`), for display."""
        return combine(self.inputs, self.upstream)

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Is this the fingerprint recorded in a state record?"""
        return (self.inputs == record.get("inputs")
                and self.upstream == (record.get("upstream") or {}))


def combine(inputs: Mapping[str, str], upstream: Mapping[str, str]) -> str:
    text = ";".join([f"{k}={inputs[k]}" for k in sorted(inputs)]
                    + [f"up:{k}={upstream[k]}" for k in sorted(upstream)])
    return hashlib.sha256(text.encode()).hexdigest()


class Fingerprinter:
    """Computes fingerprints for one plan; per-build constants are hashed once.

    Per contract, only its own components (``contract``, ``persona``,
    ``interfaces``) are computed; the others are shared by every contract
    with the same executor."""

    def __init__(self, plan: Plan, version: str) -> None:
        self.plan = plan
        self.version = version
        #: (contract id, executor, reads, extra) -> inputs
        self._static: dict[tuple[str, str, frozenset[str], str], dict[str, str]] = {}
        #: (executor, reads, model, extra) -> the executor-wide components
        self._const: dict[tuple[str, frozenset[str], str | None, str], dict[str, str]] = {}
        self._plan_level: dict[str, str] = {}
        #: (executor, reads, model, extra) -> the JSON of the executor-wide components
        self._const_text: dict[tuple[str, frozenset[str], str | None, str], str] = {}
        self._persona_h: dict[str, str] = {}
        self._personas = {p.id: p for p in plan.team}
        self._contracts = {c.id: c for c in plan.contracts}

    def _memo(self, key: str, text: str) -> str:
        got = self._plan_level.get(key)
        if got is None:
            got = self._plan_level[key] = short_hash(text)
        return got

    def _persona_hash(self, pid: str) -> str:
        got = self._persona_h.get(pid)
        if got is None:
            persona = self._personas.get(pid)
            got = short_hash(canonical_json(persona)) if persona is not None else ""
            self._persona_h[pid] = got
        return got

    def _level(self, name: str) -> str:
        got = self._plan_level.get(name)
        if got is None:
            plan = self.plan
            if name == "requirement":
                got = short_hash(plan.spec.requirement)
            elif name == "analysis":
                got = short_hash(canonical_json(plan.analysis.to_dict()))
            elif name == "design":
                got = short_hash(canonical_json([list(plan.contracts), list(plan.team)]))
            else:  # pragma: no cover - guarded by the caller
                raise KeyError(name)
            self._plan_level[name] = got
        return got

    def _constants(self, executor: str, reads: frozenset[str], model: str | None,
                   extra: str) -> dict[str, str]:
        key = (executor, reads, model, extra)
        got = self._const.get(key)
        if got is None:
            exe = executor + (f"|model={model}" if "model" in reads and model else "")
            if extra:
                exe += f"|{extra}"
            got = {"executor": self._memo(f"exe:{exe}", exe),
                   "version": self._memo("version", self.version)}
            for name in ("requirement", "analysis", "design"):
                if name in reads:
                    got[name] = self._level(name)
            self._const[key] = got
        return got

    def static_inputs(
        self, contract: Contract, executor: str, reads: frozenset[str], model: str | None,
        extra: str = "",
    ) -> dict[str, str]:
        """Every component but ``upstream``."""
        key = (contract.id, executor, reads, extra)
        got = self._static.get(key)
        if got is not None:
            return got
        const = self._const.get((executor, reads, model, extra))
        if const is None:
            const = self._constants(executor, reads, model, extra)
        persona = self._persona_h.get(contract.provider)
        if persona is None:
            persona = self._persona_hash(contract.provider)
        inputs = {"contract": contract_hash(contract), "persona": persona, **const}
        if contract.uses:
            parts = []
            for u in contract.uses:
                c = self._contracts.get(u)
                parts.append(f"{u}={interface_hash(c.interface) if c else ''}")
            inputs["interfaces"] = short_hash(";".join(parts))
        self._static[key] = inputs
        return inputs

    def inputs_with_text(
        self, contract: Contract, executor: str, reads: frozenset[str], model: str | None,
        extra: str = "",
    ) -> tuple[dict[str, str], str]:
        """:meth:`static_inputs` and their JSON text (compact separators, as
        the state journal writes them), made from the executor-wide part
        encoded once (the values are hexadecimal hashes: nothing to escape)."""
        key = (executor, reads, model, extra)
        body = self._const_text.get(key)
        if body is None:
            const = self._constants(executor, reads, model, extra)
            body = self._const_text[key] = "".join(f',"{k}":"{v}"' for k, v in const.items())
        inputs = self._static.get((contract.id, executor, reads, extra))
        if inputs is None:
            inputs = self.static_inputs(contract, executor, reads, model, extra)
        text = f'{{"contract":"{inputs["contract"]}","persona":"{inputs["persona"]}"{body}'
        if "interfaces" in inputs:
            text += f',"interfaces":"{inputs["interfaces"]}"'
        return inputs, text + "}"

    def fingerprint(
        self, contract: Contract, executor: str, reads: frozenset[str], model: str | None,
        upstream: Mapping[str, str], extra: str = "",
    ) -> Fingerprint:
        inputs = self.static_inputs(contract, executor, reads, model, extra)
        deps = contract.depends_on
        return Fingerprint(inputs, {d: upstream.get(d, "") for d in deps} if deps else {})


def changed_inputs(
    old_inputs: Mapping[str, str], old_upstream: Mapping[str, str], new: Fingerprint
) -> list[str]:
    """Names of the inputs that differ: components, then ``upstream ID``."""
    out = [k for k in COMPONENTS if old_inputs.get(k, "") != new.inputs.get(k, "")]
    out += [f"upstream {d}" for d in _ordered(new.upstream, old_upstream)
            if old_upstream.get(d) != new.upstream.get(d)]
    return out


def _ordered(a: Iterable[str], b: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for k in a:
        seen[k] = None
    for k in b:
        seen[k] = None
    return list(seen)
