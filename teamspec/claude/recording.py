"""``--record DIR`` and ``--replay DIR``: every HTTP exchange with the API.

Both work at the HTTP transport under the official SDK, so what is recorded
is exactly what went over the wire, attempt by attempt (a 429 and the retry
that followed are two exchanges), and a replay runs the SDK's own retry and
parsing code on the recorded bytes.

* **Record.** :class:`RecordingTransport` forwards each request to the real
  transport and appends one JSON line per exchange to ``DIR/<label>.jsonl``
  (``plan`` for analysis and design, ``build`` for the build): the request
  (method, path, body, and only the headers in :data:`SAFE_REQUEST_HEADERS`:
  never ``authorization`` or ``x-api-key``) and the response (status,
  headers without cookies, body), or the transport error (a timeout). As a
  second guard every line is scrubbed of the secret before it is written.
  The file is created at the first exchange, so a build that stops before
  calling the API writes nothing.
* **Replay.** :class:`ReplayTransport` answers each request with the next
  recorded exchange of the same *key* (method, path and the canonical JSON of
  the body), in recorded order, without any network. A request that was not
  recorded raises :class:`ReplayMissError` (not retried): the build differs
  from the recorded one.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx2
from anthropic import AnthropicError

SAFE_REQUEST_HEADERS: frozenset[str] = frozenset({
    "content-type", "accept", "anthropic-version", "anthropic-beta", "x-stainless-retry-count",
})
DROP_RESPONSE_HEADERS: frozenset[str] = frozenset({
    "set-cookie", "content-encoding", "content-length", "transfer-encoding", "connection",
})
RECORD_FORMAT = 1
REDACTED = "[redacted]"


class ReplayMissError(AnthropicError):
    """Raised (inside the SDK, which passes it on unwrapped and without
    retrying) when a replayed build sends a request that was not recorded."""


def canonical_body(raw: bytes) -> Any:
    """The request body as JSON (sorted keys when hashed), or text when not JSON."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def exchange_key(method: str, path: str, body: Any) -> str:
    text = json.dumps([method.upper(), path, body], sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class RecordSink:
    """Appends exchanges to ``<directory>/<label>.jsonl`` (created, or
    truncated, at the first exchange)."""

    def __init__(self, directory: Path, label: str, secrets: Iterable[str] = ()) -> None:
        self.path = Path(directory) / f"{label}.jsonl"
        self.secrets = tuple(s for s in secrets if s)
        self._lock = threading.Lock()
        self._opened = False
        self.count = 0

    def write(self, entry: Mapping[str, Any]) -> None:
        line = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        for s in self.secrets:
            line = line.replace(s, REDACTED)
        with self._lock:
            mode = "a" if self._opened else "w"
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, mode, encoding="utf-8") as f:
                f.write(line + "\n")
            self._opened = True
            self.count += 1


def _request_entry(request: httpx2.Request, body: Any) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in request.headers.items() if k.lower() in SAFE_REQUEST_HEADERS}
    return {"method": request.method, "path": request.url.path, "headers": headers, "body": body}


class RecordingTransport(httpx2.AsyncBaseTransport):
    """Forwards to ``inner`` and records every exchange in ``sink``."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, sink: RecordSink) -> None:
        self.inner = inner
        self.sink = sink

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        raw = await request.aread()
        body = canonical_body(raw)
        entry: dict[str, Any] = {
            "format": RECORD_FORMAT,
            "key": exchange_key(request.method, request.url.path, body),
            "request": _request_entry(request, body),
        }
        try:
            response = await self.inner.handle_async_request(request)
        except httpx2.TimeoutException as exc:
            entry["error"] = {"type": "timeout", "message": str(exc) or type(exc).__name__}
            self.sink.write(entry)
            raise
        except httpx2.TransportError as exc:
            entry["error"] = {"type": "connection", "message": str(exc) or type(exc).__name__}
            self.sink.write(entry)
            raise
        try:
            data = await response.aread()
        finally:
            await response.aclose()
        headers = [(k, v) for k, v in response.headers.items()
                   if k.lower() not in DROP_RESPONSE_HEADERS]
        entry["response"] = {
            "status": response.status_code,
            "headers": {k.lower(): v for k, v in headers},
            "body": data.decode("utf-8", errors="replace"),
        }
        self.sink.write(entry)
        return httpx2.Response(response.status_code, headers=headers, content=data,
                               request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class ReplayStore:
    """Recorded exchanges by key, each key's in recorded order."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._queues: dict[str, deque[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        files = sorted(self.directory.glob("*.jsonl")) if self.directory.is_dir() else []
        for f in files:
            for n, line in enumerate(f.read_text("utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    key = str(entry["key"])
                except (ValueError, KeyError, TypeError):
                    raise ValueError(f"{f}:{n}: not a recorded exchange") from None
                self._queues.setdefault(key, deque()).append(entry)
        self.total = sum(len(q) for q in self._queues.values())

    def take(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            q = self._queues.get(key)
            if not q:
                return None
            return q.popleft()

    def remaining(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._queues.values())


class ReplayTransport(httpx2.AsyncBaseTransport):
    """Answers requests from a :class:`ReplayStore`; never touches the network."""

    def __init__(self, store: ReplayStore) -> None:
        self.store = store

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        raw = await request.aread()
        body = canonical_body(raw)
        key = exchange_key(request.method, request.url.path, body)
        entry = self.store.take(key)
        if entry is None:
            raise ReplayMissError(
                f"replay: no recorded response for this {request.method} {request.url.path} "
                f"request in {self.store.directory} (key {key[:12]}); the build differs from "
                "the recorded one (spec, model, upstream files or teamspec version changed): "
                "record it again with --record"
            )
        error = entry.get("error")
        if isinstance(error, dict):
            message = f"replayed: {error.get('message', '')}"
            if error.get("type") == "timeout":
                raise httpx2.ReadTimeout(message, request=request)
            raise httpx2.ConnectError(message, request=request)
        resp = entry["response"]
        headers = [(str(k), str(v)) for k, v in dict(resp.get("headers", {})).items()]
        return httpx2.Response(int(resp["status"]), headers=headers,
                               content=str(resp.get("body", "")).encode("utf-8"), request=request)


__all__ = [
    "RecordSink",
    "RecordingTransport",
    "ReplayMissError",
    "ReplayStore",
    "ReplayTransport",
    "canonical_body",
    "exchange_key",
]
