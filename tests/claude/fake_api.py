"""A fake Anthropic Messages API: a real HTTP server on 127.0.0.1.

The real SDK is pointed at it (``base_url`` / ``ANTHROPIC_BASE_URL``). Each
test scripts it with a queue of :class:`Reply` objects (``push``) and/or a
handler function ``(Seen) -> Reply`` used when the queue is empty.

Like the real API it:

* checks the request: POST ``/v1/messages``, an auth header, ``model``,
  ``max_tokens``, ``messages``; at most 4 ``cache_control`` breakpoints; every
  ``tool_use`` of an assistant turn answered by a ``tool_result`` in the next
  user turn (400 ``invalid_request_error`` otherwise);
* computes ``usage`` honestly, prompt caching included. The request is the
  block sequence tools → system → message content blocks; a block costs
  ``len(canonical JSON)//4`` tokens (at least 1). A breakpoint (a block with
  ``cache_control``, or the last block with a top-level ``cache_control``)
  makes the prefix ending there cacheable when it has at least
  ``min_cache_tokens`` tokens. A request *reads* the longest prefix, ending
  at one of its breakpoints or up to 20 blocks before one, that an
  **earlier** request wrote (entries become visible only once the writing
  request's response is sent), and *writes* the prefixes at its later
  breakpoints: ``cache_read_input_tokens`` = the read prefix,
  ``cache_creation_input_tokens`` = up to the last written breakpoint minus
  the read part, ``input_tokens`` = the rest. Output tokens are
  ``len(JSON of the content)//4`` (at least 1).

Errors (429 with ``retry-after``, 500, 529), slow replies and malformed
bodies are scripted with :func:`error` and the fields of :class:`Reply`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOOKBACK_BLOCKS = 20
MAX_BREAKPOINTS = 4


@dataclass
class Reply:
    """One scripted answer. ``status`` 200: a message with ``content`` and
    ``stop_reason``; else an error body. ``delay_s`` holds the answer back."""

    content: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str | None = "end_turn"
    stop_details: dict[str, Any] | None = None
    status: int = 200
    error_type: str = ""
    error_message: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    raw_body: bytes | None = None


def text(s: str) -> dict[str, Any]:
    return {"type": "text", "text": s}


_ids = itertools.count(1)


def tool_use(name: str, tool_input: Any, id: str | None = None) -> dict[str, Any]:
    return {"type": "tool_use", "id": id or f"toolu_{next(_ids):05d}", "name": name,
            "input": tool_input}


def tools(*blocks: dict[str, Any]) -> Reply:
    return Reply(list(blocks), "tool_use")


def error(status: int, etype: str, message: str, *, retry_after: float | None = None,
          delay_s: float = 0.0) -> Reply:
    headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
    return Reply(status=status, error_type=etype, error_message=message, headers=headers,
                 delay_s=delay_s)


@dataclass
class Seen:
    """A request the server received, with what it answered."""

    body: dict[str, Any]
    headers: dict[str, str]
    kind: str = "other"  # persona | judge | analysis | design | other
    contract_id: str | None = None
    usage: dict[str, int] | None = None
    status: int = 0
    api_key: str | None = None

    @property
    def assistant_turns(self) -> int:
        return sum(1 for m in self.body.get("messages", []) if m.get("role") == "assistant")

    def first_user_text(self) -> str:
        for m in self.body.get("messages", []):
            if m.get("role") == "user":
                c = m.get("content")
                if isinstance(c, str):
                    return c
                return "".join(b.get("text", "") for b in c if b.get("type") == "text")
        return ""

    def last_tool_results(self) -> list[dict[str, Any]]:
        msgs = self.body.get("messages", [])
        if not msgs or msgs[-1].get("role") != "user" or isinstance(msgs[-1].get("content"), str):
            return []
        return [b for b in msgs[-1]["content"] if b.get("type") == "tool_result"]

    def system_text(self) -> str:
        s = self.body.get("system", "")
        if isinstance(s, str):
            return s
        return "".join(b.get("text", "") for b in s)


def _canon(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _strip_cc(block: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in block.items() if k != "cache_control"}


def request_blocks(body: dict[str, Any]) -> list[tuple[str, bool]]:
    """(canonical text, is a breakpoint) for every block, tools → system → messages."""
    out: list[tuple[str, bool]] = []
    for t in body.get("tools") or []:
        out.append((_canon({"tool": _strip_cc(t)}), "cache_control" in t))
    system = body.get("system")
    if isinstance(system, str) and system:
        out.append((_canon({"system": {"type": "text", "text": system}}), False))
    elif isinstance(system, list):
        for b in system:
            out.append((_canon({"system": _strip_cc(b)}), bool(b.get("cache_control"))))
    for m in body.get("messages") or []:
        content = m.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for b in blocks:
            out.append((_canon({"role": m.get("role"), "block": _strip_cc(b)}),
                        bool(b.get("cache_control"))))
    if body.get("cache_control") and out:
        out[-1] = (out[-1][0], True)
    return out


def tokens_of(canon: str) -> int:
    return max(1, len(canon) // 4)


class PromptCache:
    """The server's prompt cache (see the module docstring)."""

    def __init__(self, min_tokens: int) -> None:
        self.min_tokens = min_tokens
        self.entries: set[str] = set()
        self.lock = threading.Lock()

    def usage(self, model: str, body: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
        blocks = request_blocks(body)
        hashes: list[str] = []
        cum: list[int] = []
        h = hashlib.sha256(model.encode()).hexdigest()
        total = 0
        for canon, _ in blocks:
            h = hashlib.sha256((h + canon).encode()).hexdigest()
            hashes.append(h)
            total += tokens_of(canon)
            cum.append(total)
        bps = [i for i, (_, bp) in enumerate(blocks) if bp]
        if len(bps) > MAX_BREAKPOINTS:
            raise ValueError(f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be "
                             f"provided. Found {len(bps)}.")
        hit = -1
        with self.lock:
            for b in bps:
                for j in range(b, max(-1, b - LOOKBACK_BLOCKS), -1):
                    if hashes[j] in self.entries:
                        hit = max(hit, j)
                        break
        read = cum[hit] if hit >= 0 else 0
        writes = [b for b in bps if b > hit and cum[b] >= self.min_tokens]
        creation = cum[writes[-1]] - read if writes else 0
        usage = {"input_tokens": total - read - creation,
                 "cache_creation_input_tokens": creation, "cache_read_input_tokens": read}
        return usage, [hashes[b] for b in writes]

    def publish(self, keys: Iterable[str]) -> None:
        with self.lock:
            self.entries.update(keys)


_CONTRACT_RE = re.compile(r"^# Your contract: (\S+)", re.M)


def classify(seen: Seen) -> None:
    system = seen.system_text()
    for kind in ("persona", "judge", "analysis", "design"):
        if system.startswith(f"teamspec:{kind}"):
            seen.kind = kind
            break
    if seen.kind == "persona":
        m = _CONTRACT_RE.search(seen.first_user_text()) or _CONTRACT_RE.search(system)
        seen.contract_id = m.group(1) if m else None


def _conversation_error(body: dict[str, Any]) -> str | None:
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return "messages: at least one message is required"
    for i, m in enumerate(msgs):
        if m.get("role") not in ("user", "assistant"):
            return f"messages.{i}.role: expected user or assistant"
        content = m.get("content")
        if m.get("role") != "assistant" or isinstance(content, str):
            continue
        ids = [b.get("id") for b in content if b.get("type") == "tool_use"]
        if not ids:
            continue
        if i + 1 >= len(msgs):
            return None  # the model is continuing (pause_turn)
        nxt = msgs[i + 1]
        got = [] if isinstance(nxt.get("content"), str) else \
            [b.get("tool_use_id") for b in nxt["content"] if b.get("type") == "tool_result"]
        missing = [x for x in ids if x not in got]
        if nxt.get("role") != "user" or missing:
            return (f"messages.{i + 1}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(str(x) for x in missing)}")
    return None


class FakeAnthropic:
    """The server (a context manager); see the module docstring."""

    def __init__(self, handler: Callable[[Seen], Reply] | None = None, *,
                 min_cache_tokens: int = 1024, latency_s: float = 0.0) -> None:
        self.handler = handler
        self.queue: deque[Reply] = deque()
        self.cache = PromptCache(min_cache_tokens)
        self.latency_s = latency_s
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._msg_ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------
    def __enter__(self) -> FakeAnthropic:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- scripting ----------------------------------------------------------------
    def push(self, *replies: Reply) -> None:
        with self._lock:
            self.queue.extend(replies)

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            if self.queue:
                return self.queue.popleft()
        if self.handler is not None:
            return self.handler(seen)
        return Reply([text("nothing scripted")], "end_turn")

    # -- figures --------------------------------------------------------------------
    def totals(self) -> dict[str, int]:
        out = {"requests": 0, "input_tokens": 0, "cache_creation_input_tokens": 0,
               "cache_read_input_tokens": 0, "output_tokens": 0}
        for s in self.requests:
            if s.usage is None:
                continue
            out["requests"] += 1
            for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
                      "output_tokens"):
                out[k] += s.usage.get(k, 0)
        return out

    def cached_share(self) -> float:
        t = self.totals()
        total = t["input_tokens"] + t["cache_creation_input_tokens"] + t["cache_read_input_tokens"]
        return t["cache_read_input_tokens"] / total if total else 0.0

    # -- serving --------------------------------------------------------------------
    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes,
              headers: dict[str, str] | None = None) -> None:
        try:
            h.send_response(status)
            h.send_header("content-type", "application/json")
            h.send_header("content-length", str(len(body)))
            h.send_header("request-id", f"req_fake_{len(self.requests):05d}")
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(body)
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _error(self, h: BaseHTTPRequestHandler, status: int, etype: str, message: str,
               headers: dict[str, str] | None = None) -> None:
        body = _canon({"type": "error", "error": {"type": etype, "message": message}}).encode()
        self._send(h, status, body, headers)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("content-length", "0") or 0)
        raw = h.rfile.read(length) if length else b""
        if h.path.split("?")[0] != "/v1/messages":
            self._error(h, 404, "not_found_error", f"no route {h.path}")
            return
        headers = {k.lower(): v for k, v in h.headers.items()}
        auth = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
        try:
            body = json.loads(raw)
        except ValueError:
            self._error(h, 400, "invalid_request_error", "the body is not JSON")
            return
        seen = Seen(body=body, headers=headers, api_key=auth or None)
        classify(seen)
        with self._lock:
            self.requests.append(seen)
        if not auth:
            seen.status = 401
            self._error(h, 401, "authentication_error", "x-api-key or authorization required")
            return
        problem = None
        if not isinstance(body.get("model"), str):
            problem = "model: field required"
        elif not isinstance(body.get("max_tokens"), int):
            problem = "max_tokens: field required"
        else:
            problem = _conversation_error(body)
        if problem:
            seen.status = 400
            self._error(h, 400, "invalid_request_error", problem)
            return
        reply = self._next(seen)
        seen.status = reply.status
        if reply.status != 200:
            time.sleep(reply.delay_s)
            self._error(h, reply.status, reply.error_type or "api_error",
                        reply.error_message or "scripted error", reply.headers)
            return
        try:
            usage, writes = self.cache.usage(body["model"], body)
        except ValueError as exc:
            seen.status = 400
            self._error(h, 400, "invalid_request_error", str(exc))
            return
        content = []
        for b in reply.content:
            b = dict(b)
            if b.get("type") == "tool_use" and not b.get("id"):
                b["id"] = f"toolu_{next(_ids):05d}"
            content.append(b)
        usage["output_tokens"] = max(1, len(_canon(content)) // 4)
        seen.usage = usage
        message = {
            "id": f"msg_fake_{next(self._msg_ids):05d}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": reply.stop_reason,
            "stop_sequence": None,
            "stop_details": reply.stop_details,
            "usage": usage,
        }
        time.sleep(reply.delay_s + self.latency_s)
        self.cache.publish(writes)
        data = reply.raw_body if reply.raw_body is not None else _canon(message).encode()
        self._send(h, 200, data, reply.headers)


# ------------------------------------------------------------------ a model


def concrete_path(pattern: str, contract_id: str) -> str:
    """A file name that matches an artifact glob (``backend/**/*.py`` →
    ``backend/app.py``)."""
    p = pattern.replace("**/", "").replace("/**", "")
    if "*" in p or "?" in p:
        stem = {"py": "app", "js": "app", "md": contract_id}.get(p.rsplit(".", 1)[-1], "main")
        if p.startswith("tests/"):
            stem = f"test_{contract_id}"
        p = p.replace("*", stem, 1).replace("*", "").replace("?", "x")
    return p


def file_body(path: str, contract_id: str, lines: int = 60) -> str:
    """Deterministic, code-like content of a realistic size."""
    comment = "#" if path.endswith((".py", ".yaml", ".yml", ".sql")) or "Dockerfile" in path \
        else "//"
    if path.endswith((".md", ".html")):
        comment = ""
    out = [f"{comment} {path}: written by the fake model for contract {contract_id}".strip()]
    for i in range(1, lines):
        out.append(f"{comment} step {i}: handle {contract_id} item {i} and check its result".strip())
    return "\n".join(out) + "\n"


def contract_json(seen: Seen) -> dict[str, Any]:
    m = re.search(r"```json\n(.*?)\n```", seen.first_user_text(), re.S) or \
        re.search(r"```json\n(.*?)\n```", seen.system_text(), re.S)
    return json.loads(m.group(1)) if m else {}


def diligent_model(seen: Seen) -> Reply:
    """A model that does its job: lists files, reads one, writes every
    artifact (one per call), then finishes; answers analysis, design and
    judge requests with valid structured output."""
    if seen.kind == "analysis":
        return Reply([text(_canon({
            "type": "feature_development", "complexity": "moderate",
            "parallelizability": "partially_parallel", "effort_hours": 24,
            "expertise": ["backend", "rest_api", "testing"], "entities": ["tasks", "user"],
            "risks": ["scope creep"], "confidence": 0.8}))])
    if seen.kind == "design":
        schema = seen.body["output_config"]["format"]["schema"]
        ids = schema["properties"]["contracts"]["items"]["properties"]["id"]["enum"]
        return Reply([text(_canon({"contracts": [
            {"id": cid, "description": f"Refined description of {cid}.", "effort_hours": 3,
             "acceptance": [f"{cid} is documented"]} for cid in ids]}))])
    if seen.kind == "judge":
        msg = seen.first_user_text()
        n = len(re.findall(r"^\d+\. ", msg, re.M))
        return Reply([text(_canon({"verdicts": [
            {"criterion": i, "passed": True, "rationale": "the files show it"}
            for i in range(1, n + 1)]}))])
    if seen.kind != "persona":
        return Reply([text("?")])
    c = contract_json(seen)
    cid = c.get("id", "x")
    patterns = [p for d in c.get("deliverables", []) for p in d.get("artifacts", [])]
    paths = list(dict.fromkeys(concrete_path(p, cid) for p in patterns)) or [f"docs/{cid}.md"]
    msgs = seen.body["messages"]
    called: list[tuple[str, Any]] = [
        (b["name"], b["input"]) for m in msgs if m["role"] == "assistant"
        for b in m["content"] if b.get("type") == "tool_use"]
    names = [n for n, _ in called]
    if "list_files" not in names:
        return tools(tool_use("list_files", {}))
    if "read_file" not in names and names[-1] == "list_files":
        listing = next((r for r in seen.last_tool_results()), None)
        content = listing.get("content", "") if listing else ""
        first = content.splitlines()[0].split(" (")[0] if content and "(" in content else ""
        if first:
            return tools(tool_use("read_file", {"path": first}))
    written = {i.get("path") for n, i in called if n == "write_file" and isinstance(i, dict)}
    for p in paths:
        if p not in written:
            return tools(tool_use("write_file", {"path": p, "content": file_body(p, cid)}))
    return tools(tool_use("finish", {"summary": f"{cid}: wrote {', '.join(paths)}"}))


__all__ = [
    "FakeAnthropic",
    "PromptCache",
    "Reply",
    "Seen",
    "concrete_path",
    "diligent_model",
    "error",
    "file_body",
    "request_blocks",
    "text",
    "tool_use",
    "tools",
]
