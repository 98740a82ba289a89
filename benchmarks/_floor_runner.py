"""``python -S _floor_runner.py DAG.json WORKERS PROGRAM``: the least a Python
program can do to run a DAG of commands, the floor for bench_processes.py.

Standard library only, no asyncio, no site: ready nodes are started (in
no particular order) with ``os.posix_spawn`` (GNU make also uses
``posix_spawn``), at most WORKERS at once, and ``os.waitpid(-1)`` waits
for any child; a node's dependents become ready when it exits with 0.
Nothing is logged, recorded or reported; output goes where this process's
goes. Exit code 1 if a command fails.
"""

import json
import os
import sys


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        deps: dict[str, list[str]] = json.load(f)
    workers = int(sys.argv[2])
    program = sys.argv[3]
    left = {k: len(v) for k, v in deps.items()}
    users: dict[str, list[str]] = {k: [] for k in deps}
    for k, v in deps.items():
        for d in v:
            users[d].append(k)
    ready = [k for k, n in left.items() if n == 0]
    running: dict[int, str] = {}
    env = os.environ
    while ready or running:
        while ready and len(running) < workers:
            running[os.posix_spawn(program, [program], env)] = ready.pop()
        pid, status = os.waitpid(-1, 0)
        if status != 0:
            return 1
        for u in users[running.pop(pid)]:
            left[u] -= 1
            if left[u] == 0:
                ready.append(u)
    return 0


if __name__ == "__main__":
    sys.exit(main())
