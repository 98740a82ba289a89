"""From a spec file on disk to a validated :class:`~teamspec.model.Spec`.

Stages: read (bytes → UTF-8 text) → parse (:mod:`teamspec.yamlsafe`,
strictyaml's rules) → type and validate against the JSON Schema
(:mod:`teamspec.specschema`) → build the ``Spec`` → semantic checks
(:mod:`teamspec.semantic`). Each stage reports every problem it finds; a
later stage runs only when the earlier ones found no error, since it could
not trust the data.

``load_spec`` is the library entry point (``teamspec.load_spec``);
``check_spec`` serves ``teamspec validate`` and never raises for bad input.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from teamspec.errors import Diagnostic, SpecError, sort_diagnostics
from teamspec.model import (
    AcceptanceItem,
    Constraints,
    ContractSpec,
    Deliverable,
    Persona,
    SourceMap,
    Spec,
    TeamConfig,
)

__all__ = ["build_spec", "check_spec", "check_text", "load_spec", "parse_spec", "read_spec_text"]


def read_spec_text(path: str | Path) -> tuple[str | None, list[Diagnostic]]:
    """The UTF-8 text of the spec file at ``path`` (a leading BOM dropped),
    or ``None`` and the reason it cannot be read. Never raises for a bad
    path or bad bytes. Problems with the file as a whole are at line 0."""
    file = str(path)
    p = Path(path)

    def whole_file(message: str) -> tuple[None, list[Diagnostic]]:
        return None, [Diagnostic(file, 0, 0, "error", message)]

    try:
        if p.is_dir():
            return whole_file("cannot read the spec: it is a directory, not a file")
        data = p.read_bytes()
    except FileNotFoundError:
        return whole_file("cannot read the spec: no such file (`teamspec init NAME` writes a starter spec)")
    except PermissionError:
        return whole_file("cannot read the spec: permission denied")
    except OSError as exc:
        return whole_file(f"cannot read the spec: {exc.strerror or exc}")
    except ValueError:  # e.g. a NUL in the name
        return whole_file("cannot read the spec: the file name is not valid")
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start
        line_start = body.rfind(b"\n", 0, start) + 1
        line = body.count(b"\n", 0, start) + 1
        col = len(body[line_start:start].decode("utf-8", errors="replace")) + 1
        byte = f"byte 0x{body[start]:02x}"
        if b"\x00" in body[:8192]:
            message = f"this is not a text file ({byte} is not UTF-8); a spec is a YAML text file"
        else:
            message = f"the file is not valid UTF-8 ({byte}); save it as UTF-8"
        return None, [Diagnostic(file, line, col, "error", message)]
    return text, []


def check_text(
    text: str, file: str, spec_path: Path, *, strict: bool = False
) -> tuple[Spec | None, list[Diagnostic]]:
    """Parse, validate and check spec ``text`` (named ``file`` in messages,
    standing at ``spec_path`` for relative paths).

    Returns the spec (``None`` when there is an error) and every diagnostic,
    errors and warnings, sorted by line. With ``strict`` warnings count as
    errors.
    """
    from teamspec.specschema import check
    from teamspec.yamlsafe import compose_yaml

    doc = compose_yaml(text, file)
    if not doc.complete:
        return None, list(doc.diagnostics)
    data, problems = check(doc.data, doc.quoted, doc.source)
    if problems or doc.diagnostics:
        return None, sort_diagnostics([*doc.diagnostics, *problems])
    spec = build_spec(data, spec_path, doc.source)

    from teamspec.semantic import check_semantics

    diags = check_semantics(spec)
    if strict:
        diags = [d.as_error() for d in diags]
    diags = sort_diagnostics(diags)
    if any(d.severity == "error" for d in diags):
        return None, diags
    return dataclasses.replace(spec, warnings=tuple(diags)), diags


def check_spec(path: str | Path, *, strict: bool = False) -> tuple[Spec | None, list[Diagnostic]]:
    """Load and check the spec file at ``path`` for ``teamspec validate``.

    Returns the spec (``None`` when there is any error) and all diagnostics,
    errors and warnings, sorted by line. Never raises for bad input.
    """
    text, problems = read_spec_text(path)
    if text is None:
        return None, problems
    return check_text(text, str(path), Path(path), strict=strict)


def _raise(file: str, diags: Sequence[Diagnostic]) -> SpecError:
    errors = sum(1 for d in diags if d.severity == "error")
    return SpecError(f"{file}: {errors} error{'s' if errors != 1 else ''}", diags)


def load_spec(path: str | Path, *, strict: bool = False) -> Spec:
    """Load the spec file at ``path``.

    Returns the validated :class:`Spec`; its warnings are in
    ``Spec.warnings``. Raises :class:`SpecError` carrying every diagnostic
    (errors and warnings, sorted by line) when the file cannot be read,
    parsed or validated. With ``strict`` warnings are errors.
    """
    spec, diags = check_spec(path, strict=strict)
    if spec is None:
        raise _raise(str(path), diags)
    return spec


def parse_spec(text: str, file: str, base_dir: Path, *, strict: bool = False) -> Spec:
    """Like :func:`load_spec` for spec ``text`` not read from disk: ``file``
    names it in messages, relative paths resolve against ``base_dir``."""
    spec, diags = check_text(text, file, Path(base_dir) / Path(file).name, strict=strict)
    if spec is None:
        raise _raise(file, diags)
    return spec


# --------------------------------------------------------------------------
# Typed, validated data → model


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(value) if value else ()


def _acceptance(item: Any) -> AcceptanceItem:
    if isinstance(item, str):
        return AcceptanceItem(text=item)
    return AcceptanceItem(
        text=item.get("text"),
        check=item.get("check"),
        run=item.get("run"),
        path=item.get("path"),
        schema=item.get("schema"),
        pattern=item.get("pattern"),
    )


def _deliverable(d: Mapping[str, Any]) -> Deliverable:
    return Deliverable(
        name=d["name"],
        description=d.get("description", ""),
        artifacts=_strs(d.get("artifacts")),
        acceptance=tuple(_acceptance(a) for a in d.get("acceptance") or ()),
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _contract(c: Mapping[str, Any]) -> ContractSpec:
    deliverables = c.get("deliverables")
    return ContractSpec(
        id=c["id"],
        provider=c["provider"],
        name=c.get("name"),
        description=c.get("description"),
        type=c.get("type"),
        consumers=_strs(c.get("consumers")),
        interface=c.get("interface"),
        mock=c.get("mock"),
        depends_on=_strs(c.get("depends_on")),
        uses=_strs(c.get("uses")),
        effort_hours=_float(c.get("effort_hours")),
        executor=c.get("executor"),
        run=c.get("run"),
        serve=c.get("serve"),
        timeout_minutes=_float(c.get("timeout_minutes")),
        retries=c.get("retries"),
        deliverables=None if deliverables is None else tuple(_deliverable(d) for d in deliverables),
    )


def _persona(p: Mapping[str, Any]) -> Persona:
    return Persona(
        id=p["id"],
        name=p["name"],
        role=p.get("role", ""),
        expertise=_strs(p.get("expertise")),
        responsibilities=_strs(p.get("responsibilities")),
        deliverables=tuple(_deliverable(d) for d in p.get("deliverables") or ()),
        source="spec",
    )


def build_spec(data: Mapping[str, Any], path: Path, source: SourceMap) -> Spec:
    """The :class:`Spec` for schema-valid, typed ``data``."""
    defaults = Constraints()
    c = data.get("constraints") or {}
    constraints = Constraints(
        prefer_parallel=c.get("prefer_parallel", defaults.prefer_parallel),
        max_workers=c.get("max_workers", defaults.max_workers),
        quality_threshold=float(c.get("quality_threshold", defaults.quality_threshold)),
        budget_usd=_float(c.get("budget_usd")),
        timeout_minutes=float(c.get("timeout_minutes", defaults.timeout_minutes)),
        retries=c.get("retries", defaults.retries),
    )
    t = data.get("team") or {}
    personas = t.get("personas")
    team = TeamConfig(
        blueprint=t.get("blueprint", "auto"),
        personas=None if personas is None else tuple(personas),
    )
    return Spec(
        path=path,
        name=data["name"],
        requirement=data["requirement"],
        version=data["teamspec"],
        output=data.get("output"),
        constraints=constraints,
        executor=data.get("executor", "offline"),
        model=data.get("model"),
        team=team,
        personas=tuple(_persona(p) for p in data.get("personas") or ()),
        contracts=tuple(_contract(c) for c in data.get("contracts") or ()),
        source=source,
    )
