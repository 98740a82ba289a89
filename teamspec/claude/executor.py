"""The ``claude`` executor: one tool-use loop per contract.

Stages of one attempt: *context* (the shared prefix, the persona's task
with its upstream artifacts) → *loop* (call the model; run the tools it
asks for; repeat) → *judge* (free-text acceptance criteria) → *outcome*.

Stop reasons:

``tool_use``
    run each tool (results go back in order, errors as ``is_error``
    results); ``finish`` ends the loop once every declared artifact pattern
    has a file (else it is refused twice, then accepted);
``end_turn`` / ``stop_sequence``
    without ``finish``: accepted as finished when every artifact pattern
    has a file, else the model is reminded (twice), then the contract fails;
``max_tokens``
    tool calls in a cut-off answer are not run (an error result asks for
    smaller writes) and a cut-off text is continued; after
    ``max_continuations`` cut-off answers in a row the contract fails,
    saying so;
``pause_turn``
    the paused answer is sent back as is, so the model continues it;
``refusal``
    the contract fails with the model's reason;
``model_context_window_exceeded`` and anything else
    the contract fails, naming the reason.

At most ``max_turns`` calls per attempt. Between calls the loop stops when
the build is stopping (``job.cancelled``: fail-fast, Ctrl-C, budget) or
the budget could not pay for the next call (``budget_exhausted``). API
errors the SDK's retries did not overcome end the attempt as ``error``,
``transient`` for 429/5xx/529/timeouts (the engine retries the contract
with backoff). One contract's failure never touches the others.

The first call of the build writes the shared prefix to the prompt cache;
the other contracts' first calls wait for it (once), so that they read the
prefix instead of all writing it at the same time.

The log (``.teamspec/logs/<id>.log``) has one line per call and per tool
call, without times, so a replayed build writes the same log.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from teamspec.claude.client import (
    DEFAULT_MODEL,
    ClientFactory,
    ClientSettings,
    LLMClient,
    LLMError,
    LLMResponse,
)
from teamspec.claude.prompts import (
    UPSTREAM_CHARS,
    Layout,
    first_message,
    system_param,
    task_text,
    tools_param,
    upstream_text,
    with_breakpoints,
)
from teamspec.claude.tools import MAX_WRITE_BYTES, ToolBox
from teamspec.engine.executors.base import ExecOutcome, ExecutorConfig, Job, Usage
from teamspec.errors import UsageError
from teamspec.layout import CONTRACTS_DIR, STATE_DIR
from teamspec.model import Contract, Finding, Plan

LOG_TAIL_LINES = 20


@dataclass(frozen=True)
class ClaudeSettings:
    """Knobs of the executor (``options["claude_settings"]`` of a build)."""

    client: ClientSettings = field(default_factory=ClientSettings)
    max_turns: int = 40
    max_tokens: int = 16000
    max_continuations: int = 3
    nudges: int = 2
    layout: Layout = "stable"
    judge: bool = True
    upstream_chars: int = UPSTREAM_CHARS
    max_write_bytes: int = MAX_WRITE_BYTES


@dataclass
class _Attempt:
    """Bookkeeping of one attempt."""

    usage: Usage = field(default_factory=Usage)
    log: list[str] = field(default_factory=list)

    def add(self, r: LLMResponse) -> None:
        u = r.usage
        self.usage = self.usage + Usage(u.input_tokens, u.output_tokens, u.cache_read_tokens,
                                        u.cache_write_tokens, r.cost_usd, 1)


def _usage_line(r: LLMResponse) -> str:
    u = r.usage
    return (f"input={u.input_tokens} output={u.output_tokens} cache_write={u.cache_write_tokens} "
            f"cache_read={u.cache_read_tokens} cost=${r.cost_usd:.6f}")


def _brief(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ClaudeExecutor:
    """See the module docstring."""

    name = "claude"
    reads: frozenset[str] = frozenset({"requirement", "analysis", "design", "model"})

    def __init__(self, config: ExecutorConfig, client: LLMClient,
                 settings: ClaudeSettings | None = None) -> None:
        self.plan: Plan = config.plan
        self.out_dir = config.out_dir
        self.client = client
        self.settings = settings or ClaudeSettings()
        self.produced: dict[str, tuple[str, ...]] = {}
        self._findings: dict[str, list[Finding]] = {}
        self._warm_event: asyncio.Event | None = None
        self._warm_owner: str | None = None

    # -- protocol ------------------------------------------------------------
    def fingerprint_extra(self, contract: Contract) -> str:
        s = self.settings
        return (f"model={self.client.model};layout={s.layout};max_turns={s.max_turns};"
                f"max_tokens={s.max_tokens};judge={s.judge}")

    async def aclose(self) -> None:
        await self.client.aclose()

    async def run(self, job: Job) -> ExecOutcome:
        att = _Attempt()
        cid = job.contract.id
        findings = self._findings.setdefault(cid, [])  # over every attempt of the build
        box = ToolBox(job.workspace, job.contract, self._upstream_files(job), job.foreign,
                      max_write_bytes=self.settings.max_write_bytes, findings=findings)
        try:
            outcome = await self._loop(job, box, att)
        finally:
            self.produced[cid] = tuple(sorted(job.workspace.files))
            self._write_log(job, att.log)
        tail = tuple(att.log[-LOG_TAIL_LINES:])
        return _complete(outcome, att.usage, tail, findings)

    # -- context ---------------------------------------------------------------
    def _closure(self, c: Contract) -> list[str]:
        """depends_on, direct ones first, then theirs (plan order within a level)."""
        order = [x.id for x in self.plan.contracts]
        seen: list[str] = []
        level = list(c.depends_on)
        while level:
            level = sorted((x for x in dict.fromkeys(level) if x not in seen and x != c.id),
                           key=lambda x: order.index(x) if x in order else len(order))
            seen.extend(level)
            nxt: list[str] = []
            for x in level:
                try:
                    nxt.extend(self.plan.contract(x).depends_on)
                except KeyError:
                    continue
            level = nxt
        return seen

    def _upstream_files(self, job: Job) -> dict[str, str]:
        """Path -> contract id of the files of every contract this one depends on."""
        from teamspec.engine.validate import glob_regex

        known = job.upstream_files
        on_disk: list[str] | None = None
        out: dict[str, str] = {}
        for u in self._closure(job.contract):
            paths: tuple[str, ...] | None = None
            if known.get(u):
                paths = tuple(known[u])
            elif u in self.produced:
                paths = self.produced[u]
            else:
                try:
                    pats = [p for d in self.plan.contract(u).deliverables for p in d.artifacts]
                except KeyError:
                    pats = []
                if pats:
                    if on_disk is None:
                        on_disk = _tree_files(job.workspace.root)
                    rxs = [glob_regex(p) for p in pats]
                    paths = tuple(p for p in on_disk if any(r.match(p) for r in rxs))
            for p in paths or ():
                full = Path(job.workspace.root) / p
                if full.is_file() and not full.is_symlink():
                    out.setdefault(p, u)
        return out

    def _task(self, job: Job, box: ToolBox) -> str:
        files: list[tuple[str, str, str]] = []
        order = self._closure(job.contract)
        for path, cid in sorted(box.upstream.items(),
                                key=lambda kv: (order.index(kv[1]), kv[0])):
            try:
                text = (Path(job.workspace.root) / path).read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            files.append((cid, path, text))
        up = upstream_text(files, self.settings.upstream_chars)
        return task_text(self.plan, job.contract, job.persona, up)

    # -- warm-up -----------------------------------------------------------------
    async def _wait_for_prefix(self, cid: str) -> bool:
        """True when this call writes the shared prefix (the caller then calls
        :meth:`_prefix_written`); else waits until it is written."""
        if self.settings.layout != "stable" or len(self.plan.contracts) < 2:
            return False
        if self._warm_event is None:
            self._warm_event = asyncio.Event()
            self._warm_owner = cid
            return True
        if self._warm_owner != cid:
            await self._warm_event.wait()
        return False

    def _prefix_written(self) -> None:
        if self._warm_event is not None:
            self._warm_event.set()

    # -- the loop ----------------------------------------------------------------
    async def _loop(self, job: Job, box: ToolBox, att: _Attempt) -> ExecOutcome:
        s = self.settings
        c = job.contract
        log = att.log
        log.append(f"# teamspec: claude {self.client.model}, contract {c.id}, attempt {job.attempt}")
        task = self._task(job, box)
        system = system_param(self.plan, s.layout, task)
        tools = tools_param()
        messages: list[dict[str, Any]] = [first_message(s.layout, task)]
        cut_offs = 0
        nudges = 0
        for turn in range(1, s.max_turns + 1):
            if self.client.budget.exhausted:
                log.append(f"stopped before call {turn}: {self.client.budget.reason}")
                return ExecOutcome("failed", self.client.budget.reason, budget_exhausted=True)
            if job.cancelled.is_set():
                log.append(f"stopped before call {turn}: the build is stopping")
                return ExecOutcome("failed", "stopped before its next call: the build is stopping")
            request = {
                "model": self.client.model,
                "max_tokens": s.max_tokens,
                "system": system,
                "tools": tools,
                "messages": with_breakpoints(messages, s.layout),
            }
            writer = await self._wait_for_prefix(c.id)
            try:
                resp = await self.client.create(request)
            except LLMError as exc:
                log.append(f"call {turn}: {exc.kind}: {exc.message}")
                if exc.kind == "budget_exhausted":
                    return ExecOutcome("failed", exc.message, budget_exhausted=True)
                return ExecOutcome("error", exc.message, transient=exc.transient)
            finally:
                if writer:
                    self._prefix_written()
            att.add(resp)
            stop = resp.stop_reason
            log.append(f"call {turn}: stop_reason={stop} {_usage_line(resp)}")
            messages.append({"role": "assistant", "content": [dict(b) for b in resp.content]})
            if stop == "pause_turn":
                continue
            if stop == "refusal":
                d = resp.stop_details or {}
                why = ": ".join(str(x) for x in (d.get("category"), d.get("explanation")) if x)
                return ExecOutcome("failed", "the model refused" + (f": {why}" if why else
                                                                    " (no reason given)"))
            if stop == "max_tokens":
                cut_offs += 1
                if cut_offs > s.max_continuations:
                    return ExecOutcome(
                        "failed", f"the model's answers were cut off at max_tokens ({s.max_tokens})"
                        f" {cut_offs} times in a row; raise max_tokens or split the deliverables")
                messages.append({"role": "user", "content": self._cut_off_reply(resp)})
                log.append(f"  answer cut off at max_tokens ({cut_offs}/{s.max_continuations} "
                           "continuations)")
                continue
            cut_offs = 0
            if stop == "tool_use":
                results, done, summary = self._run_tools(resp, box, log)
                if done:
                    return await self._finished(job, box, att, summary, turn)
                messages.append({"role": "user", "content": results})
                continue
            if stop in ("end_turn", "stop_sequence"):
                if resp.tool_uses():  # answer tool calls before anything else
                    results, done, summary = self._run_tools(resp, box, log)
                    if done:
                        return await self._finished(job, box, att, summary, turn)
                else:
                    results = []
                missing = box.missing_patterns()
                if not missing and job.workspace.files:
                    return await self._finished(job, box, att, resp.text().strip(), turn)
                nudges += 1
                if nudges > s.nudges:
                    return ExecOutcome(
                        "failed", f"the model ended its turn {nudges} times without calling finish"
                        + (f"; missing artifacts: {', '.join(missing)}" if missing else ""))
                reminder = ("You ended your turn without calling finish. "
                            + (f"No file yet for: {', '.join(missing)}. " if missing else "")
                            + "Continue with the tools and call finish when every deliverable "
                              "is written.")
                messages.append({"role": "user",
                                 "content": [*results, {"type": "text", "text": reminder}]})
                log.append("  reminded to call finish")
                continue
            if stop == "model_context_window_exceeded":
                return ExecOutcome("failed", f"the conversation exceeded the model's context "
                                   f"window after {turn} calls")
            return ExecOutcome("failed", f"unexpected stop reason {stop!r} from the API")
        log.append(f"turn limit: {s.max_turns} calls without finish")
        return ExecOutcome("failed", f"turn limit reached: {s.max_turns} calls without finish")

    def _cut_off_reply(self, resp: LLMResponse) -> list[dict[str, Any]]:
        uses = resp.tool_uses()
        if uses:
            return [{"type": "tool_result", "tool_use_id": str(u.get("id")), "is_error": True,
                     "content": (f"error: not run: your answer was cut off at max_tokens "
                                 f"({self.settings.max_tokens}), so this call may be incomplete; "
                                 "write smaller files, one write_file per answer")}
                    for u in uses]
        return [{"type": "text", "text": "Your answer was cut off at max_tokens. Continue exactly "
                                         "where you stopped."}]

    def _run_tools(self, resp: LLMResponse, box: ToolBox,
                   log: list[str]) -> tuple[list[dict[str, Any]], bool, str]:
        results: list[dict[str, Any]] = []
        done = False
        summary = ""
        finish_ids: list[str] = []
        uses = resp.tool_uses()
        # every other tool first, finish last
        for u in sorted(uses, key=lambda u: u.get("name") == "finish"):
            name = str(u.get("name"))
            out = box.run(name, u.get("input"))
            arg = u.get("input", {})
            shown = arg.get("path", arg.get("directory", "")) if isinstance(arg, dict) else arg
            what = f"{name} {_brief(shown)}" if shown else name
            log.append(f"  tool {what} -> {'error: ' if out.is_error else ''}"
                       f"{_brief(out.content.removeprefix('error: '))}")
            block: dict[str, Any] = {"type": "tool_result", "tool_use_id": str(u.get("id")),
                                     "content": out.content}
            if out.is_error:
                block["is_error"] = True
            results.append(block)
            if out.finished:
                done = True
                summary = out.summary
                finish_ids.append(str(u.get("id")))
        order = {str(u.get("id")): i for i, u in enumerate(uses)}
        results.sort(key=lambda b: order.get(str(b["tool_use_id"]), 0))
        return results, done, summary

    async def _finished(self, job: Job, box: ToolBox, att: _Attempt, summary: str,
                        turns: int) -> ExecOutcome:
        log = att.log
        log.append(f"finished after {turns} call(s): {_brief(summary, 300)}")
        judgements: dict[str, tuple[bool, str]] = {}
        if self.settings.judge:
            from teamspec.claude.judge import free_text_criteria, judge

            if free_text_criteria(job.contract):
                files: list[tuple[str, str]] = []
                for p in sorted(job.workspace.files):
                    try:
                        files.append((p, (Path(job.workspace.root) / p).read_text("utf-8")))
                    except (OSError, UnicodeDecodeError):
                        continue
                j = await judge(self.client, self.plan.spec.requirement, job.contract, files)
                if j.response is not None:
                    att.add(j.response)
                    log.append(f"judge: stop_reason={j.response.stop_reason} "
                               f"{_usage_line(j.response)}")
                if j.error:
                    log.append(f"judge: {j.error}")
                    box.findings.append(Finding("judge", j.error, severity="warning",
                                                contract=job.contract.id))
                for text, (ok, why) in j.verdicts.items():
                    log.append(f"judge: {'passed' if ok else 'failed'}: {_brief(text, 80)}: {why}")
                judgements = dict(j.verdicts)
        n = len(job.workspace.files)
        msg = f"finished in {turns} call(s), {n} file{'s' if n != 1 else ''}"
        if summary:
            msg += f": {_brief(summary, 200)}"
        return ExecOutcome("ok", msg, judgements=judgements)

    # -- log ---------------------------------------------------------------------
    def _write_log(self, job: Job, lines: list[str]) -> None:
        try:
            job.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(job.log_path, "w" if job.attempt == 1 else "a", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
        except OSError:
            return


def _tree_files(root: Path) -> list[str]:
    """Regular files of the output tree (no .teamspec/, contracts/, symlinks)."""
    out: list[str] = []
    base = Path(root)
    if not base.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        rel = Path(dirpath).relative_to(base).as_posix()
        if rel == ".":
            dirnames[:] = [d for d in dirnames if d not in (STATE_DIR, CONTRACTS_DIR)]
        dirnames[:] = sorted(d for d in dirnames if d not in ("node_modules", ".git", "__pycache__"))
        for fn in sorted(filenames):
            full = Path(dirpath) / fn
            if full.is_symlink() or (fn.startswith(".") and fn.endswith(".tmp")):
                continue
            out.append(fn if rel == "." else f"{rel}/{fn}")
    return out


def _complete(outcome: ExecOutcome, usage: Usage, tail: tuple[str, ...],
              findings: list[Finding]) -> ExecOutcome:
    """The outcome with the attempt's usage, log tail and findings."""
    from dataclasses import replace

    return replace(outcome, usage=usage, logged=True, log_tail=tail, findings=tuple(findings))


def make_executor(config: ExecutorConfig) -> ClaudeExecutor:
    """The registry's factory. Options read from ``config.options``:
    ``claude_settings`` (:class:`ClaudeSettings`), ``claude_client`` (an
    :class:`~teamspec.claude.client.LLMClient`, for tests and embedding),
    ``record`` and ``replay`` (directories). The model is the spec's, else
    the settings'. Raises ConfigurationError without ``ANTHROPIC_API_KEY``
    (unless replaying) or for a model without a price -- before anything is
    written."""
    from dataclasses import replace

    from teamspec.claude.budget import Budget

    opts = config.options
    settings = opts.get("claude_settings")
    if not isinstance(settings, ClaudeSettings):
        settings = ClaudeSettings()
    model = config.model or settings.client.model or DEFAULT_MODEL
    settings = replace(settings, client=replace(settings.client, model=model))
    client = opts.get("claude_client")
    if client is None:
        record = opts.get("record")
        replay = opts.get("replay")
        if record is not None and replay is not None:
            raise UsageError("--record and --replay cannot be used together: record a build "
                             "first, then replay it")
        factory = ClientFactory(settings.client,
                                Path(record) if record is not None else None,
                                Path(replay) if replay is not None else None)
        client = factory.make(budget=Budget(config.plan.spec.constraints.budget_usd),
                              label="build")
    return ClaudeExecutor(config, client, settings)


__all__ = ["ClaudeExecutor", "ClaudeSettings", "make_executor"]
