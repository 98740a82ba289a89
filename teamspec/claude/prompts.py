"""What a Claude persona is told, laid out for prompt caching.

A request is ``tools → system → messages``; the API caches prefixes of that
sequence ending at a ``cache_control`` breakpoint. The layout:

1. ``tools``: the four file tools (identical for every contract);
2. ``system``: one block, identical for every contract of a build and marked
   ``cache_control``: the instructions, the requirement, the analysis, every
   contract of the team (deliverables, edges) and their interface documents
   (within :data:`SHARED_INTERFACE_CHARS`). The first contract writes this
   prefix to the cache; every later request of the build reads it.
3. ``messages``: the persona-specific text follows: the first user message
   holds the persona, its contract (as JSON), which interfaces it provides
   and uses, and the upstream artifacts it needs (within
   :data:`UPSTREAM_CHARS`); a breakpoint on it and one on the newest block
   of the conversation make each turn of the tool-use loop read the turns
   before it from the cache.

``layout="persona_first"`` (the persona's text before the shared text, in
the system prompt) and ``layout="none"`` (no breakpoints) exist only to
measure what the stable layout gains (``benchmarks/bench_cache.py``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from teamspec.claude.tools import TOOLS
from teamspec.layout import contract_dir
from teamspec.model import Contract, Interface, Persona, Plan

Layout = Literal["stable", "persona_first", "none"]
LAYOUTS: tuple[str, ...] = ("stable", "persona_first", "none")
SHARED_INTERFACE_CHARS = 120_000
UPSTREAM_CHARS = 60_000
UPSTREAM_FILE_CHARS = 20_000
EPHEMERAL: dict[str, str] = {"type": "ephemeral"}

PERSONA_MARK = "teamspec:persona"

INSTRUCTIONS = f"""{PERSONA_MARK}
You are one persona of a team of AI specialists building one software project together. The
work is split into contracts: each contract has one provider persona, deliverables (files
matching artifact patterns, with acceptance criteria), and edges to other contracts
(depends_on: built before yours and readable by you; uses: an interface you program against,
served by a generated mock). You fulfil exactly one contract, described in the first user
message; the whole team, the requirement and every interface are below.

How to work:
- Use the tools. Paths are relative to the project root, POSIX style, never absolute, never
  '..'. You can read your own files, the files of the contracts you depend on, and the
  generated interfaces and mocks under contracts/<contract id>/.
- Write only your own deliverables: every path must match one of your contract's artifact
  patterns. Write complete, working files (no placeholders, no '...', no TODO stubs).
- Follow the interfaces exactly: operation paths, field names, types and status codes.
- Meet every acceptance criterion of your deliverables.
- When every deliverable is written, call finish with a short summary for your consumers.
"""


def _yaml(value: Any) -> str:
    import yaml

    return str(yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100))


def interface_text(iface: Interface) -> str:
    """The interface document as text: its file's text when it came from a
    file, else YAML (OpenAPI, JSON Schema, event schemas) or the SDL."""
    if iface.text:
        return iface.text
    doc = iface.document
    if isinstance(doc, str):
        return doc
    return _yaml(doc)


def contract_summary(c: Contract) -> dict[str, Any]:
    """A contract as plain data (what the prompt shows)."""
    out: dict[str, Any] = {"id": c.id, "name": c.name, "type": c.type, "provider": c.provider}
    if c.description:
        out["description"] = c.description
    if c.consumers:
        out["consumers"] = list(c.consumers)
    if c.depends_on:
        out["depends_on"] = list(c.depends_on)
    if c.uses:
        out["uses"] = list(c.uses)
    if c.interface is not None:
        out["interface"] = f"{contract_dir(c.id)}/ ({c.interface.kind})"
    if c.mock:
        out["mock"] = True
    out["deliverables"] = [
        {
            "name": d.name,
            **({"description": d.description} if d.description else {}),
            "artifacts": list(d.artifacts),
            "acceptance": [a.describe() for a in d.acceptance],
        }
        for d in c.deliverables
    ]
    return out


def shared_text(plan: Plan) -> str:
    """The part of the prompt every contract of the build shares."""
    spec = plan.spec
    a = plan.analysis
    parts = [
        f"# Project: {spec.name}",
        "",
        "## Requirement",
        "",
        spec.requirement.strip(),
        "",
        "## Analysis",
        "",
        _yaml({
            "type": a.type, "complexity": a.complexity, "parallelizability": a.parallelizability,
            "entities": list(a.entities), "expertise": list(a.expertise), "risks": list(a.risks),
        }).rstrip(),
        "",
        "## The team's contracts",
        "",
        _yaml([contract_summary(c) for c in plan.contracts]).rstrip(),
        "",
        "## Interfaces",
    ]
    used = 0
    omitted: list[str] = []
    for c in plan.contracts:
        if c.interface is None:
            continue
        text = interface_text(c.interface).rstrip()
        if used + len(text) > SHARED_INTERFACE_CHARS:
            omitted.append(c.id)
            continue
        used += len(text)
        parts += ["", f"### {c.id} ({c.interface.kind}; files in {contract_dir(c.id)}/)", "",
                  "```", text, "```"]
    if omitted:
        parts += ["", "Not shown for size (read them under contracts/<id>/): " + ", ".join(omitted)]
    if used == 0 and not omitted:
        parts += ["", "No contract of this team has an interface document."]
    return "\n".join(parts) + "\n"


def persona_text(persona: Persona | None, provider: str) -> str:
    if persona is None:
        return f"# Your role: {provider}\n"
    lines = [f"# Your role: {persona.name} ({persona.id})"]
    if persona.role:
        lines.append(persona.role.strip())
    if persona.expertise:
        lines.append("Expertise: " + ", ".join(persona.expertise))
    if persona.responsibilities:
        lines.append("Responsibilities:")
        lines += [f"- {r}" for r in persona.responsibilities]
    return "\n".join(lines) + "\n"


def upstream_text(files: Sequence[tuple[str, str, str]], budget: int = UPSTREAM_CHARS,
                  per_file: int = UPSTREAM_FILE_CHARS) -> str:
    """Upstream artifacts ``(contract id, path, text)`` within ``budget``
    characters (each file at most ``per_file``); the rest are named."""
    if not files:
        return "# Upstream artifacts\n\nNone: no contract you depend on has produced files.\n"
    parts = ["# Upstream artifacts (from the contracts you depend on)"]
    used = 0
    left_out: list[str] = []
    for cid, path, text in files:
        shown = text if len(text) <= per_file else text[:per_file]
        if used + len(shown) > budget:
            left_out.append(path)
            continue
        used += len(shown)
        cut = "" if shown is text else f"\n[truncated at {per_file} characters; read_file {path}]"
        parts += ["", f"## {path} (from {cid})", "", "```", shown.rstrip("\n") + cut, "```"]
    if left_out:
        parts += ["", "Not included for size (use read_file): " + ", ".join(left_out)]
    return "\n".join(parts) + "\n"


def task_text(plan: Plan, c: Contract, persona: Persona | None, upstream: str) -> str:
    """The persona-specific first user message."""
    provided = c.id if c.interface is not None else None
    used = [u for u in (*c.depends_on, *c.uses) if _has_interface(plan, u)]
    lines = [persona_text(persona, c.provider)]
    lines.append(f"# Your contract: {c.id}")
    lines.append("")
    lines.append("```json")
    lines.append(json.dumps(contract_summary(c), indent=2, ensure_ascii=False))
    lines.append("```")
    lines.append("")
    if provided:
        lines.append(f"You provide the interface of {c.id} (see '### {c.id}' above; files in "
                     f"{contract_dir(c.id)}/). Implement it exactly.")
    if used:
        lines.append("You use the interfaces of: " + ", ".join(used)
                     + " (see above; their mocks are in contracts/<id>/).")
    lines.append("")
    lines.append(upstream)
    lines.append("# Task")
    lines.append("")
    patterns = [p for d in c.deliverables for p in d.artifacts]
    if patterns:
        lines.append("Write your deliverables (artifact patterns: " + ", ".join(patterns)
                     + ") with write_file, meeting every acceptance criterion, then call finish.")
    else:
        lines.append("Write the files your contract needs with write_file, then call finish.")
    return "\n".join(lines) + "\n"


def _has_interface(plan: Plan, cid: str) -> bool:
    try:
        return plan.contract(cid).interface is not None
    except KeyError:
        return False


def tools_param() -> list[dict[str, Any]]:
    return copy.deepcopy(list(TOOLS))


def system_param(plan: Plan, layout: Layout, persona_part: str) -> list[dict[str, Any]]:
    """The ``system`` blocks. In the stable layout the persona part is not
    here (it is the first user message)."""
    shared = INSTRUCTIONS + "\n" + shared_text(plan)
    if layout == "persona_first":
        return [{"type": "text", "text": INSTRUCTIONS + "\n" + persona_part + "\n" + shared_text(plan),
                 "cache_control": dict(EPHEMERAL)}]
    block: dict[str, Any] = {"type": "text", "text": shared}
    if layout == "stable":
        block["cache_control"] = dict(EPHEMERAL)
    return [block]


def first_message(layout: Layout, persona_part: str) -> dict[str, Any]:
    text = persona_part if layout != "persona_first" else (
        "Your contract, persona and upstream artifacts are in the system prompt. Start.")
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def with_breakpoints(messages: Sequence[Mapping[str, Any]], layout: Layout) -> list[dict[str, Any]]:
    """A copy of ``messages`` with cache breakpoints on the first user
    message and on the newest block (none for layout ``none``)."""
    out: list[dict[str, Any]] = []
    for m in messages:
        content = m["content"]
        blocks = [dict(b) for b in content] if isinstance(content, list) else \
            [{"type": "text", "text": str(content)}]
        for b in blocks:
            b.pop("cache_control", None)
        out.append({"role": m["role"], "content": blocks})
    if layout == "none" or not out:
        return out
    marks = {0, len(out) - 1}
    for i in marks:
        blocks = out[i]["content"]
        if blocks and blocks[-1].get("type") in ("text", "tool_result", "tool_use"):
            blocks[-1]["cache_control"] = dict(EPHEMERAL)
    return out


__all__ = [
    "INSTRUCTIONS",
    "LAYOUTS",
    "PERSONA_MARK",
    "SHARED_INTERFACE_CHARS",
    "UPSTREAM_CHARS",
    "Layout",
    "contract_summary",
    "first_message",
    "interface_text",
    "persona_text",
    "shared_text",
    "system_param",
    "task_text",
    "tools_param",
    "upstream_text",
    "with_breakpoints",
]
