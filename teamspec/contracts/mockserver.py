"""The Python mock server behind ``teamspec mock serve``.

An asyncio HTTP/1.1 server (keep-alive, pipelining, ``Content-Length`` and
chunked request bodies, ``Expect: 100-continue``) in front of
:class:`teamspec.contracts.mockengine.MockEngine`. It binds 127.0.0.1
unless told otherwise.

Library use::

    server = make_server(openapi, port=0)
    with server:                      # serves from a background thread
        urllib.request.urlopen(server.url + "/pets")

or ``server.serve_forever()`` in the calling thread (Ctrl-C ends it).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from teamspec.contracts.mockengine import MockEngine, Reply, http_date, problem, reason
from teamspec.errors import UsageError

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 10 * 1024 * 1024
LINGER_SECONDS = 2.0


class _Clock:
    """The ``Date`` header, formatted at most once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = b""

    def header(self) -> bytes:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._text = b"Date: " + http_date().encode() + b"\r\n"
        return self._text


def encode_reply(reply: Reply, clock: _Clock, *, keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {reply.status} {reason(reply.status)}\r\n".encode()]
    for name, value in reply.headers:
        lines.append(f"{name}: {value}\r\n".encode("latin-1", "replace"))
    lines.append(clock.header())
    if reply.status >= 200 and reply.status not in (204, 304):
        lines.append(b"Content-Length: %d\r\n" % len(reply.body))
    if not keep_alive:
        lines.append(b"Connection: close\r\n")
    lines.append(b"\r\n")
    lines.append(reply.body)
    return b"".join(lines)


class _HttpProtocol(asyncio.Protocol):
    def __init__(self, engine: MockEngine, clock: _Clock) -> None:
        self.engine = engine
        self.clock = clock
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.continued = False
        self.discarding = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.discarding:
            return
        self.buf += data
        while self.transport is not None and not self.transport.is_closing():
            if not self._one():
                return

    def _fail(self, status: int, detail: str) -> None:
        """Answer and close without reading the rest of the request.

        A lingering close: the reply is sent, our side is shut for writing,
        and whatever the client is still sending is read and dropped for up
        to :data:`LINGER_SECONDS`. Closing at once would make the kernel
        reset the connection while the client is still writing its body, and
        the client would see a broken pipe instead of the answer.
        """
        transport = self.transport
        assert transport is not None
        transport.write(encode_reply(problem(status, detail), self.clock, keep_alive=False))
        self.buf.clear()
        self.discarding = True
        if transport.can_write_eof():
            transport.write_eof()
            asyncio.get_running_loop().call_later(LINGER_SECONDS, transport.close)
        else:
            transport.close()

    def eof_received(self) -> bool | None:
        if self.discarding and self.transport is not None:
            self.transport.close()
        return None

    def _one(self) -> bool:
        """Handle one complete request from the buffer; False when more
        bytes are needed."""
        assert self.transport is not None
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buf) > MAX_HEADER_BYTES:
                self._fail(431, "the request head is larger than 64 KiB")
            return False
        head = bytes(self.buf[:end]).decode("latin-1")
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            self._fail(400, "malformed request line")
            return False
        method, target, version = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                continue
            key = name.strip().lower()
            value = value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers and key != "content-length" else value
        start = end + 4
        body: bytes
        if "chunked" in headers.get("transfer-encoding", "").lower():
            decoded = _dechunk(self.buf, start)
            if decoded is None:
                self._maybe_continue(headers)
                return False
            if decoded == (b"", -1):
                self._fail(400, "malformed chunked body")
                return False
            body, consumed = decoded
        else:
            try:
                length = int(headers.get("content-length", "0") or "0")
            except ValueError:
                self._fail(400, "malformed Content-Length")
                return False
            if length > MAX_BODY_BYTES:
                self._fail(413, "the request body is larger than 10 MiB")
                return False
            if len(self.buf) - start < length:
                self._maybe_continue(headers)
                return False
            body = bytes(self.buf[start:start + length])
            consumed = start + length
        del self.buf[:consumed]
        self.continued = False
        conn = headers.get("connection", "").lower()
        keep_alive = "close" not in conn if version == "HTTP/1.1" else "keep-alive" in conn
        try:
            reply = self.engine.handle(method, target, headers, body)
        except Exception as exc:  # a mock must answer, never drop the connection
            reply = problem(500, f"the mock failed: {type(exc).__name__}: {exc}")
        self.transport.write(encode_reply(reply, self.clock, keep_alive=keep_alive))
        if not keep_alive:
            self.transport.close()
            return False
        return True

    def _maybe_continue(self, headers: Mapping[str, str]) -> None:
        if not self.continued and headers.get("expect", "").lower() == "100-continue":
            assert self.transport is not None
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.continued = True


def _dechunk(buf: bytearray, start: int) -> tuple[bytes, int] | None:
    """(body, end offset), ``None`` if incomplete, ``(b"", -1)`` if malformed."""
    out = bytearray()
    pos = start
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        try:
            size = int(bytes(buf[pos:eol]).split(b";")[0].strip(), 16)
        except ValueError:
            return (b"", -1)
        pos = eol + 2
        if size == 0:
            trailer_end = buf.find(b"\r\n", pos)
            while trailer_end >= 0 and trailer_end != pos:
                pos = trailer_end + 2
                trailer_end = buf.find(b"\r\n", pos)
            if trailer_end < 0:
                return None
            return bytes(out), trailer_end + 2
        if len(buf) < pos + size + 2:
            return None
        out += buf[pos:pos + size]
        pos += size + 2
        if len(out) > MAX_BODY_BYTES:
            return (b"", -1)


class MockServer:
    """A bound mock server; ``serve_forever()`` runs it, ``shutdown()``
    (from any thread) stops it. As a context manager it serves from a
    daemon thread."""

    def __init__(self, engine: MockEngine, sock: socket.socket) -> None:
        self.engine = engine
        self._sock = sock
        self.host, self.port = sock.getsockname()[:2]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()
            self._sock.close()
            self._done.set()

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        clock = _Clock()
        server = await loop.create_server(lambda: _HttpProtocol(self.engine, clock), sock=self._sock)
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            server.close()
            await server.wait_closed()

    def shutdown(self, timeout: float = 5.0) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # the loop closed meanwhile
                pass
            self._done.wait(timeout)
        elif self._loop is None:
            self._sock.close()

    def __enter__(self) -> MockServer:
        self._thread = threading.Thread(target=self.serve_forever, name=f"mock:{self.port}", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.shutdown()
        if self._thread is not None:
            self._thread.join(10)


def make_server(openapi: Mapping[str, Any], *, host: str = "127.0.0.1", port: int = 0,
                stateful: bool = False) -> MockServer:
    """A mock server for an OpenAPI document, bound (``port=0``: a free
    port) but not yet serving. Raises :class:`UsageError` when the address
    cannot be bound."""
    from teamspec.contracts.mocktable import build_mock_table

    engine = MockEngine(build_mock_table(openapi), stateful=stateful)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(512)
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
                         "choose another --port or stop what uses it") from None
    sock.setblocking(False)
    return MockServer(engine, sock)


def load_contract_openapi(out_dir: Path, contract_id: str) -> dict[str, Any]:
    """The OpenAPI document of a built contract,
    ``<out>/contracts/<id>/openapi.yaml``; :class:`UsageError` when missing."""
    import yaml

    from teamspec.layout import contract_dir

    path = Path(out_dir) / contract_dir(contract_id) / "openapi.yaml"
    if not path.is_file():
        raise UsageError(
            f"{path}: no such file: contract {contract_id!r} has no OpenAPI interface in {out_dir}; "
            "run 'teamspec build' first, and check the contract id (it must be a rest_api contract)"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"{path}: cannot read the OpenAPI document: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected an OpenAPI document (a mapping), found {type(data).__name__}")
    return data
