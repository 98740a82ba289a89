"""Helpers of the REST contract tests: corpus documents, the designed
interface, and real mock servers (Python in a thread, Node as a process) on
127.0.0.1. ``npm ci`` of the shipped mock package runs once per test
session; every Node mock directory links that ``node_modules``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "openapi"
CORPUS_NAMES = (
    "api-with-examples", "callback-example", "link-example", "petstore-expanded", "petstore", "uspto",
)
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def corpus_path(name: str) -> Path:
    path = CORPUS / f"{name}.yaml"
    if not path.is_file():
        pytest.skip(f"the corpus is not available at {CORPUS}")
    return path


def corpus_doc(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(corpus_path(name).read_text(encoding="utf-8"))
    return data


def designed_doc() -> dict[str, Any]:
    from teamspec.openapi_design import design_openapi

    return design_openapi("Task API", ["task", "user"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- node ---------------------------------------------------------------------

_NODE_MODULES: list[Path] = []


def node_or_skip() -> str:
    """The node executable; in CI (``CI=true``) a missing node/npm fails."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node and npm are required in CI for the Node mock tests")
        pytest.skip("node/npm not installed")
    return node


def node_available() -> bool:
    """Whether node and npm exist; in CI (``CI=true``) a missing one fails."""
    if shutil.which("node") and shutil.which("npm"):
        return True
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("node and npm are required in CI for the Node mock tests")
    return False


def node_modules() -> Path:
    """``npm ci`` of teamspec/mockjs once per session."""
    node_or_skip()
    if _NODE_MODULES:
        return _NODE_MODULES[0]
    root = Path(tempfile.mkdtemp(prefix="teamspec-mockjs-"))
    for name in ("package.json", "package-lock.json"):
        shutil.copy(ROOT / "teamspec" / "mockjs" / name, root / name)
    proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=root, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"npm ci failed:\n{proc.stdout}\n{proc.stderr}"
    _NODE_MODULES.append(root / "node_modules")
    return root / "node_modules"


@contextlib.contextmanager
def node_mock(openapi: Mapping[str, Any], directory: Path, *, stateful: bool = False) -> Iterator[str]:
    """The generated Node mock of ``openapi`` running on 127.0.0.1; yields
    its base URL."""
    from teamspec.contracts.nodemock import node_mock_files

    modules = node_modules()
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in node_mock_files(openapi, "contract").items():
        (directory / name).write_text(text, encoding="utf-8")
    (directory / "node_modules").symlink_to(modules, target_is_directory=True)
    port = free_port()
    argv = ["node", "mock_server.js", "--port", str(port)] + (["--stateful"] if stateful else [])
    proc = subprocess.Popen(argv, cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, f"node mock exited: {proc.communicate()[1].decode()}"
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "node mock did not start within 20s"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@contextlib.contextmanager
def python_mock(openapi: Mapping[str, Any], *, stateful: bool = False) -> Iterator[str]:
    from teamspec.contracts.mockserver import make_server

    with make_server(openapi, stateful=stateful) as server:
        yield server.url


@contextlib.contextmanager
def mock(kind: str, openapi: Mapping[str, Any], tmp_path: Path, *, stateful: bool = False) -> Iterator[str]:
    if kind == "python":
        with python_mock(openapi, stateful=stateful) as url:
            yield url
    else:
        with node_mock(openapi, tmp_path / f"node-{time.monotonic_ns()}", stateful=stateful) as url:
            yield url


# -- a small HTTP client ------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(url: str, method: str, path: str, *, body: Any = None, headers: Mapping[str, str] | None = None,
         raw: bytes | None = None) -> Answer:
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        sent = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=sent)
        resp = conn.getresponse()
        return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()
