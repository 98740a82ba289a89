"""Mock throughput: requests per second of the Python mock (``teamspec mock
serve``), the generated Node mock (Express 5) and Prism
(``@stoplight/prism-cli``) serving the same OpenAPI document
(petstore-expanded by default) on 127.0.0.1, measured in the same run under
the same load generator: ``wrk`` when installed, else a keep-alive Python
client in several processes.

    python benchmarks/bench_mock.py [--duration 10] [--connections 32]
        [--doc FILE] [--prism-dir DIR] [--no-prism] [--no-node]

Prism and the Node mock's packages are installed with npm into a temporary
directory (or ``--prism-dir`` when Prism is already installed there). Each
server answers one warm-up request per path before it is measured; ratios
are against Prism. Target: the Python mock at least as fast as Prism.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DOC = ROOT.parent / "shared" / "corpus" / "openapi" / "petstore-expanded.yaml"
PATHS = ("/pets", "/pets/1")
PY_SERVER = (
    "import sys, yaml\n"
    "from teamspec.contracts.mockserver import make_server\n"
    "server = make_server(yaml.safe_load(open(sys.argv[1])), port=int(sys.argv[2]))\n"
    "server.serve_forever()\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", PATHS[0])
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not answer within {timeout}s")


@contextlib.contextmanager
def running(argv: list[str], cwd: Path, port: int, env: dict[str, str] | None = None) -> Iterator[int]:
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})}, start_new_session=True)
    try:
        wait_ready(port, proc)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            proc.wait(10)


def check_answers(port: int) -> list[int]:
    statuses = []
    for path in PATHS:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path, headers={"Accept": "application/json"})
        resp = conn.getresponse()
        resp.read()
        statuses.append(resp.status)
        conn.close()
    return statuses


# -- load generators ----------------------------------------------------------


def wrk_rps(port: int, path: str, duration: int, connections: int, threads: int) -> float:
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
         "-H", "Accept: application/json", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, timeout=duration + 60, check=True,
    ).stdout
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if m is None:
        raise RuntimeError(f"cannot read wrk output:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} non-2xx answers on {path}:\n{out}")
    return float(m.group(1))


def _client_worker(port: int, path: str, seconds: float, threads: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    counts = [0] * threads
    deadline = time.monotonic() + seconds

    def loop(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            conn.request("GET", path, headers={"Accept": "application/json"})
            conn.getresponse().read()
            counts[i] += 1
        conn.close()

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put(sum(counts))


def python_rps(port: int, path: str, duration: int, connections: int, processes: int) -> float:
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    per = max(1, connections // processes)
    procs = [multiprocessing.Process(target=_client_worker, args=(port, path, duration, per, queue))
             for _ in range(processes)]
    start = time.monotonic()
    for p in procs:
        p.start()
    total: int = sum(int(queue.get()) for _ in procs)
    for p in procs:
        p.join()
    return total / (time.monotonic() - start)


# -- servers ------------------------------------------------------------------------


def npm_install(directory: Path, *args: str) -> None:
    subprocess.run(["npm", *args, "--no-audit", "--no-fund"], cwd=directory, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--doc", type=Path, default=DEFAULT_DOC)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prism-dir", type=Path)
    parser.add_argument("--no-prism", action="store_true")
    parser.add_argument("--no-node", action="store_true")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()

    import yaml

    sys.path.insert(0, str(ROOT))
    from teamspec.contracts.nodemock import node_mock_files

    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"

    def measure(port: int, path: str) -> float:
        if client == "wrk":
            return wrk_rps(port, path, args.duration, args.connections, args.threads)
        return python_rps(port, path, args.duration, args.connections, args.threads)

    work = Path(tempfile.mkdtemp(prefix="teamspec-bench-"))
    doc = yaml.safe_load(args.doc.read_text(encoding="utf-8"))
    servers: list[tuple[str, list[str], Path, int, dict[str, str]]] = []

    port = free_port()
    env = {"PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    servers.append(("python mock", [sys.executable, "-c", PY_SERVER, str(args.doc), str(port)], work, port, env))
    if not args.no_node:
        node_dir = work / "node"
        node_dir.mkdir()
        for name, text in node_mock_files(doc, "bench").items():
            (node_dir / name).write_text(text, encoding="utf-8")
        npm_install(node_dir, "ci")
        port = free_port()
        servers.append(("node mock (Express 5)", ["node", "mock_server.js", "--port", str(port)], node_dir, port, {}))
    if not args.no_prism:
        prism_dir = args.prism_dir
        if prism_dir is None:
            prism_dir = work / "prism"
            prism_dir.mkdir()
            (prism_dir / "package.json").write_text('{"name": "bench", "private": true}\n', encoding="utf-8")
            npm_install(prism_dir, "install", "@stoplight/prism-cli@5")
        prism = prism_dir / "node_modules" / ".bin" / "prism"
        port = free_port()
        servers.append(("prism mock", [str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), str(args.doc)],
                        prism_dir, port, {}))

    print(f"document: {args.doc.name}; load: {client}, {args.connections} connections, {args.duration}s per path;"
          f" {os.cpu_count()} cores shared by server and client")
    results: dict[str, dict[str, float]] = {}
    for label, argv, cwd, port, extra_env in servers:
        with running(argv, cwd, port, extra_env):
            statuses = check_answers(port)
            if any(s != 200 for s in statuses):
                raise RuntimeError(f"{label} answered {statuses} for {PATHS}")
            results[label] = {path: measure(port, path) for path in PATHS}
    baseline = results.get("prism mock")
    header = f"{'server':<24}" + "".join(f"{'GET ' + p + ' rps':>18}" for p in PATHS) + \
        ("".join(f"{'vs prism ' + p:>18}" for p in PATHS) if baseline else "")
    print(header)
    for label, by_path in results.items():
        line = f"{label:<24}" + "".join(f"{by_path[p]:>18.0f}" for p in PATHS)
        if baseline:
            line += "".join(f"{by_path[p] / baseline[p]:>17.2f}x" for p in PATHS)
        print(line)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
