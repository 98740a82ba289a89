"""Deliverable validation and scores.

Validation of one contract, after its executor succeeded:

* **Artifacts.** Each pattern of a deliverable's ``artifacts`` is matched
  against the files *this contract* produced (its manifest), never the whole
  tree. Patterns are globs on POSIX paths: ``*`` and ``?`` stay inside one
  directory, ``**`` spans directories (``backend/**/*.py`` matches
  ``backend/app.py`` and ``backend/api/x.py``), ``[abc]`` a set. A pattern
  is met when it matches at least one *non-empty* file.
* **Machine checks** (``acceptance`` items with ``check:``): ``command``
  (``run`` exits 0; run in the output directory with the command executor's
  safe placeholder substitution, output appended to the contract's log);
  ``conforms`` (the provider started with ``serve`` conforms to the
  interface: :func:`teamspec.contracts.verify.verify_provider`, passed when
  it reports no error finding); ``openapi_valid`` (``path``, default the
  contract's interface, passes openapi-spec-validator); ``json_schema``
  (file ``path`` validates against the JSON Schema file ``schema``);
  ``file_contains`` (file ``path`` contains ``text``, or matches the regular
  expression ``pattern``). Paths are relative to the output directory; a
  file not found there is looked up next to the spec file.
* **Free text** acceptance items are ``unverified`` unless the executor
  judged them (Claude); an unverified item is never counted as passed.

Scores (the same text is in ``docs/scores.md``)::

    deliverable satisfied  = it declares at least one artifact pattern or
                             machine check, every pattern matched a non-empty
                             file of the contract, and every machine check passed
    fulfillment            = satisfied deliverables / declared deliverables
                             (null when the contract declares none)
    checks                 = machine checks passed / machine checks run
                             (null when none ran)
    quality (per contract) = 0 when the contract failed, could not run or was blocked;
                             otherwise max(0, base - 0.05 × error findings
                                                - 0.01 × warning findings)
                             with base = 0.5 × fulfillment + 0.5 × checks,
                             fulfillment alone when no check ran, checks alone
                             when no deliverable is declared, 1 when neither
    overall quality        = Σ effort_hours × quality / Σ effort_hours over the
                             contracts of the build (plain mean when all
                             efforts are 0; 1 for an empty build)
    passed                 = overall quality >= constraints.quality_threshold
    (contracts of an executor that produces nothing -- simulate -- are not
    validated: quality null, left out of the overall, which is null and
    passes when nothing was validated)

Findings are the contract's quality-gate findings (its interface) plus the
conformance findings of its ``conforms`` checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Literal, Protocol

from teamspec.engine.scores import (  # noqa: F401  (re-exported: the scores are documented here)
    ERROR_PENALTY,
    WARNING_PENALTY,
    overall_quality,
    quality_score,
)
from teamspec.model import AcceptanceItem, Contract, Deliverable, Finding

CheckStatus = Literal["passed", "failed", "error", "unverified"]


@lru_cache(maxsize=1024)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a POSIX path glob (``*``, ``?``, ``[...]``, ``**``)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                at_start = i == 0 or pattern[i - 1] == "/"
                j = i + 2
                if at_start and j < n and pattern[j] == "/":
                    out.append("(?:[^/]+/)*")
                    i = j + 1
                    continue
                if at_start and j == n:
                    out.append(".*")
                    i = j
                    continue
                out.append("[^/]*")
                i = j
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            j = pattern.find("]", i + 2 if i + 1 < n and pattern[i + 1] in "!^" else i + 1)
            if j == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : j]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z")


def match_artifacts(pattern: str, files: Mapping[str, int]) -> list[str]:
    """Files of the manifest (path → size) that ``pattern`` matches, sorted."""
    rx = glob_regex(pattern.lstrip("./") if pattern.startswith("./") else pattern)
    return sorted(p for p in files if rx.match(p))


@dataclass(frozen=True)
class CheckResult:
    deliverable: str
    check: str  # a machine check name, or "text"
    description: str
    status: CheckStatus
    message: str = ""
    findings: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "deliverable": self.deliverable,
            "check": self.check,
            "description": self.description,
            "status": self.status,
        }
        if self.message:
            d["message"] = self.message
        return d


@dataclass(frozen=True)
class ArtifactMatch:
    pattern: str
    files: tuple[str, ...]  # non-empty matches
    empty: tuple[str, ...] = ()  # matched but empty

    @property
    def met(self) -> bool:
        return bool(self.files)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"pattern": self.pattern, "files": list(self.files), "met": self.met}
        if self.empty:
            d["empty"] = list(self.empty)
        return d


@dataclass(frozen=True)
class DeliverableResult:
    name: str
    satisfied: bool
    artifacts: tuple[ArtifactMatch, ...] = ()
    checks: tuple[CheckResult, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "satisfied": self.satisfied,
            "artifacts": [a.to_dict() for a in self.artifacts],
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True)
class Validation:
    deliverables: tuple[DeliverableResult, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def declared(self) -> int:
        return len(self.deliverables)

    @property
    def satisfied(self) -> int:
        return sum(1 for d in self.deliverables if d.satisfied)

    @property
    def checks_run(self) -> int:
        return sum(1 for d in self.deliverables for c in d.checks if c.check != "text")

    @property
    def checks_passed(self) -> int:
        return sum(1 for d in self.deliverables for c in d.checks
                   if c.check != "text" and c.status == "passed")

    @property
    def unverified(self) -> int:
        return sum(1 for d in self.deliverables for c in d.checks if c.status == "unverified")

    @property
    def fulfillment(self) -> float | None:
        return self.satisfied / self.declared if self.declared else None

    @property
    def checks_score(self) -> float | None:
        return self.checks_passed / self.checks_run if self.checks_run else None


# ---------------------------------------------------------------- checks


class _Res(Protocol):
    def __call__(
        self, status: CheckStatus, message: str = "", findings: tuple[Finding, ...] = ()
    ) -> CheckResult: ...


@dataclass(frozen=True)
class CheckContext:
    contract: Contract
    out_dir: Path
    spec_dir: Path
    timeout_s: float
    log_path: Path
    judgements: Mapping[str, tuple[bool, str]] = field(default_factory=dict)


class MissingFile(ValueError):
    """A check's file does not exist (the check fails, it is not an error)."""


def resolve_file(ctx: CheckContext, rel: str) -> Path:
    """A check's file: relative to the output directory, else to the spec.

    Raises ValueError for an absolute path or one with ``..``."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts:
        raise ValueError(f"{rel!r} must be a path relative to the output directory, without '..'")
    first = ctx.out_dir / rel
    if first.exists():
        return first
    second = ctx.spec_dir / rel
    if second.exists():
        return second
    raise MissingFile(f"{rel} does not exist in the output directory {ctx.out_dir}")


def _load_structured(path: Path) -> Any:
    text = path.read_text("utf-8")
    if path.suffix.lower() == ".json":
        import json

        return json.loads(text)
    import yaml

    return yaml.safe_load(text)


async def run_check(ctx: CheckContext, deliverable: str, item: AcceptanceItem) -> CheckResult:
    import asyncio

    desc = item.describe()
    name = item.check or "text"

    def res(status: CheckStatus, message: str = "", findings: tuple[Finding, ...] = ()) -> CheckResult:
        return CheckResult(deliverable, name, desc, status, message, findings)

    if item.check is None:
        verdict = ctx.judgements.get(item.text or "")
        if verdict is None:
            return res("unverified", "free-text criterion: not machine-checkable offline")
        return res("passed" if verdict[0] else "failed", verdict[1])
    try:
        if item.check == "command":
            return await _check_command(ctx, item, res)
        if item.check == "conforms":
            return await _check_conforms(ctx, res)
        if item.check == "openapi_valid":
            return await asyncio.to_thread(_check_openapi, ctx, item, res)
        if item.check == "json_schema":
            return await asyncio.to_thread(_check_json_schema, ctx, item, res)
        if item.check == "file_contains":
            return await asyncio.to_thread(_check_contains, ctx, item, res)
    except MissingFile as exc:
        return res("failed", str(exc))
    except ValueError as exc:
        return res("error", str(exc))
    return res("error", f"unknown check {item.check!r}")


async def _check_command(ctx: CheckContext, item: AcceptanceItem, res: _Res) -> CheckResult:
    import asyncio

    from teamspec.contracts.procs import free_port
    from teamspec.engine.executors.command import placeholder_values, run_command

    if not item.run:
        return res("error", "a command check needs 'run:'")
    values = placeholder_values(ctx.contract, ctx.out_dir,
                                free_port() if "{port}" in item.run else None)
    header = f"# teamspec: check command: {item.run}\n"
    try:
        code, error = await asyncio.wait_for(
            run_command(item.run, values, ctx.out_dir, ctx.log_path, header=header, append=True),
            ctx.timeout_s,
        )
    except TimeoutError:
        return res("failed", f"timed out after {ctx.timeout_s:g} s")
    if code is None:
        return res("error", error)
    if code == 0:
        return res("passed", "exit code 0")
    return res("failed", f"exit code {code}")


async def _check_conforms(ctx: CheckContext, res: _Res) -> CheckResult:
    import asyncio

    c = ctx.contract
    if not c.serve:
        return res("error", f"contract {c.id} has no 'serve:' command to start the provider")
    if c.interface is None:
        return res("error", f"contract {c.id} has no interface to check conformance against")
    try:
        from teamspec.contracts.verify import verify_provider
    except ImportError as exc:
        return res("error", f"conformance verification is not available: {exc}")
    from teamspec.errors import TeamspecError

    try:
        findings = tuple(await asyncio.to_thread(verify_provider, c, ctx.out_dir,
                                                 timeout_s=min(ctx.timeout_s, 300.0)))
    except TeamspecError as exc:
        return res("error", exc.message)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        return res("failed", f"{len(errors)} conformance finding(s)", findings)
    return res("passed", "the provider conforms", findings)


def _check_openapi(ctx: CheckContext, item: AcceptanceItem, res: _Res) -> CheckResult:
    if item.path:
        doc = _load_structured(resolve_file(ctx, item.path))
    elif ctx.contract.interface is not None and isinstance(ctx.contract.interface.document, dict):
        doc = ctx.contract.interface.document
    else:
        return res("error", "no 'path:' and the contract has no OpenAPI interface")
    from openapi_spec_validator import validate

    try:
        validate(doc)
    except Exception as exc:  # openapi-spec-validator raises many kinds
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return res("failed", f"invalid OpenAPI document: {msg}")
    return res("passed", "valid OpenAPI document")


def _check_json_schema(ctx: CheckContext, item: AcceptanceItem, res: _Res) -> CheckResult:
    if not item.path or not item.schema:
        return res("error", "a json_schema check needs 'path:' and 'schema:'")
    instance = _load_structured(resolve_file(ctx, item.path))
    schema = _load_structured(resolve_file(ctx, item.schema))
    from jsonschema import exceptions as js_exc
    from jsonschema import validators

    cls = validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except js_exc.SchemaError as exc:
        return res("error", f"{item.schema} is not a valid JSON Schema: {exc.message}")
    errors = sorted(cls(schema).iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        shown = "; ".join(
            f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors[:3]
        )
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        return res("failed", f"{item.path} does not match {item.schema}: {shown}{more}")
    return res("passed", f"{item.path} matches {item.schema}")


def _check_contains(ctx: CheckContext, item: AcceptanceItem, res: _Res) -> CheckResult:
    if not item.path or (item.pattern is None and item.text is None):
        return res("error", "a file_contains check needs 'path:' and 'text:' or 'pattern:'")
    text = resolve_file(ctx, item.path).read_text("utf-8", errors="replace")
    if item.pattern is not None:
        try:
            rx = re.compile(item.pattern, re.MULTILINE)
        except re.error as exc:
            return res("error", f"invalid regular expression {item.pattern!r}: {exc}")
        if rx.search(text):
            return res("passed", f"{item.path} matches {item.pattern!r}")
        return res("failed", f"{item.path} does not match {item.pattern!r}")
    assert item.text is not None
    if item.text in text:
        return res("passed", f"{item.path} contains {item.text!r}")
    return res("failed", f"{item.path} does not contain {item.text!r}")


async def validate_deliverable(
    ctx: CheckContext, d: Deliverable, files: Mapping[str, int]
) -> DeliverableResult:
    matches: list[ArtifactMatch] = []
    for pattern in d.artifacts:
        hit = match_artifacts(pattern, files)
        matches.append(ArtifactMatch(pattern, tuple(p for p in hit if files[p] > 0),
                                     tuple(p for p in hit if files[p] == 0)))
    checks = [await run_check(ctx, d.name, item) for item in d.acceptance]
    machine = [c for c in checks if c.check != "text"]
    verifiable = bool(matches) or bool(machine)
    satisfied = verifiable and all(m.met for m in matches) and all(
        c.status == "passed" for c in machine)
    return DeliverableResult(d.name, satisfied, tuple(matches), tuple(checks))


async def validate_contract(
    ctx: CheckContext, files: Mapping[str, int], gate_findings: Sequence[Finding] = ()
) -> Validation:
    """Validate every deliverable of ``ctx.contract`` against its manifest
    (path → size)."""
    results = [await validate_deliverable(ctx, d, files) for d in ctx.contract.deliverables]
    findings = list(gate_findings)
    for r in results:
        for c in r.checks:
            findings.extend(c.findings)
    return Validation(tuple(results), tuple(findings))
