"""Free-text acceptance criteria, judged by Claude.

After a contract's tool-use loop finished, its free-text acceptance items
("All endpoints respond correctly") are put to the model together with the
requirement, the contract and the files the contract produced (within
:data:`FILES_CHARS`). The answer is structured output (a JSON schema):
one verdict per criterion, passed or not, with a one-line rationale. The
answer is validated locally (every criterion exactly once, a non-empty
rationale); the rationale is reduced to one line of at most
:data:`RATIONALE_CHARS` characters. The verdicts go into the report
(``passed`` / ``failed`` with the rationale as the check's message).

Anything that goes wrong (an API error, a refusal, an invalid answer)
leaves the criteria ``unverified`` -- never counted as passed -- and says why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from teamspec.claude.client import LLMClient, LLMError
from teamspec.model import Contract

JUDGE_MARK = "teamspec:judge"
FILES_CHARS = 60_000
FILE_CHARS = 15_000
RATIONALE_CHARS = 200
MAX_TOKENS = 2048

SYSTEM = f"""{JUDGE_MARK}
You review the work of one member of a software team against the acceptance criteria of its
contract. For each numbered criterion decide from the files shown whether it is met. Be strict:
a criterion is met only when the files show it. Give a one-line rationale per criterion that
names the evidence (a file, a function, an endpoint) or what is missing."""

VERDICT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdicts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "criterion": {"type": "integer", "minimum": 1,
                                  "description": "the number of the criterion"},
                    "passed": {"type": "boolean"},
                    "rationale": {"type": "string", "minLength": 1,
                                  "description": "one line: the evidence or what is missing"},
                },
                "required": ["criterion", "passed", "rationale"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["verdicts"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Judgement:
    """Verdicts by criterion text, or why there are none."""

    verdicts: Mapping[str, tuple[bool, str]]
    error: str = ""
    response: Any = None  # the LLMResponse, for usage


def free_text_criteria(contract: Contract) -> list[str]:
    """The contract's free-text acceptance items, in order, without repeats."""
    seen: list[str] = []
    for d in contract.deliverables:
        for a in d.acceptance:
            if a.check is None and a.text and a.text not in seen:
                seen.append(a.text)
    return seen


def one_line(text: str, limit: int = RATIONALE_CHARS) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def build_request(model: str, requirement: str, contract: Contract, criteria: Sequence[str],
                  files: Sequence[tuple[str, str]]) -> dict[str, Any]:
    from anthropic import transform_schema

    lines = ["# Requirement", "", requirement.strip(), "", f"# Contract {contract.id}: "
             f"{contract.name}"]
    if contract.description:
        lines.append(contract.description)
    for d in contract.deliverables:
        lines.append(f"- deliverable {d.name}: artifacts {', '.join(d.artifacts) or '(none)'}")
    lines += ["", "# Acceptance criteria", ""]
    lines += [f"{i}. {t}" for i, t in enumerate(criteria, 1)]
    lines += ["", "# Files produced"]
    used = 0
    omitted: list[str] = []
    for path, text in files:
        shown = text[:FILE_CHARS]
        if used + len(shown) > FILES_CHARS:
            omitted.append(path)
            continue
        used += len(shown)
        cut = "" if len(shown) == len(text) else f"\n[truncated at {FILE_CHARS} characters]"
        lines += ["", f"## {path}", "", "```", shown.rstrip("\n") + cut, "```"]
    if not files:
        lines += ["", "No file was produced."]
    if omitted:
        lines += ["", "Not shown for size: " + ", ".join(omitted)]
    return {
        "model": model,
        "max_tokens": MAX_TOKENS,
        "system": SYSTEM,
        "messages": [{"role": "user", "content": "\n".join(lines) + "\n"}],
        "output_config": {"format": {"type": "json_schema",
                                     "schema": transform_schema(VERDICT_SCHEMA)}},
    }


def parse_verdicts(text: str, criteria: Sequence[str]) -> dict[str, tuple[bool, str]]:
    """Validate the model's answer against :data:`VERDICT_SCHEMA` and the
    criteria; ValueError saying what is wrong."""
    from jsonschema import Draft202012Validator

    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"the answer is not JSON ({exc})") from None
    errors = sorted(Draft202012Validator(VERDICT_SCHEMA).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.path) or "(root)"
        raise ValueError(f"the answer does not match the verdict schema: {where}: {e.message}")
    out: dict[str, tuple[bool, str]] = {}
    for v in doc["verdicts"]:
        n = int(v["criterion"])
        if not 1 <= n <= len(criteria):
            raise ValueError(f"verdict for criterion {n}, but there are {len(criteria)}")
        text_n = criteria[n - 1]
        if text_n in out:
            raise ValueError(f"two verdicts for criterion {n}")
        rationale = one_line(str(v["rationale"]))
        if not rationale:
            raise ValueError(f"an empty rationale for criterion {n}")
        out[text_n] = (bool(v["passed"]), rationale)
    missing = [str(i) for i, t in enumerate(criteria, 1) if t not in out]
    if missing:
        raise ValueError(f"no verdict for criterion {', '.join(missing)}")
    return out


async def judge(client: LLMClient, requirement: str, contract: Contract,
                files: Sequence[tuple[str, str]]) -> Judgement:
    """Judge the contract's free-text criteria (see the module docstring)."""
    criteria = free_text_criteria(contract)
    if not criteria:
        return Judgement({})
    request = build_request(client.model, requirement, contract, criteria, files)
    try:
        resp = await client.create(request)
    except LLMError as exc:
        return Judgement({}, f"free-text acceptance criteria not judged: {exc.message}")
    if resp.stop_reason == "refusal":
        why = (resp.stop_details or {}).get("explanation") or "no explanation"
        return Judgement({}, f"free-text acceptance criteria not judged: the model refused ({why})",
                         resp)
    if resp.stop_reason == "max_tokens":
        return Judgement({}, "free-text acceptance criteria not judged: the answer was cut off "
                         f"at max_tokens ({MAX_TOKENS})", resp)
    try:
        verdicts = parse_verdicts(resp.text(), criteria)
    except ValueError as exc:
        return Judgement({}, f"free-text acceptance criteria not judged: {exc}", resp)
    return Judgement(verdicts, "", resp)


__all__ = [
    "JUDGE_MARK",
    "VERDICT_SCHEMA",
    "Judgement",
    "build_request",
    "free_text_criteria",
    "judge",
    "one_line",
    "parse_verdicts",
]
