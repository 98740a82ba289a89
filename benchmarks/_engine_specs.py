"""Spec files for the engine benchmarks (a generated DAG as a version-1 spec)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _graphs import PROVIDERS, Dag


def command_spec(dag: Dag, *, run: str = "true", name: str = "bench", workers: int = 2) -> str:
    """``dag`` as a spec whose contracts all run ``run`` with the command executor."""
    lines = [
        "teamspec: 1",
        f"name: {name}",
        "requirement: |",
        "  Build a generated system of many small services.",
        "executor: command",
        "constraints:",
        f"  max_workers: {workers}",
        "  retries: 0",
        "team:",
        f"  personas: [{', '.join(PROVIDERS)}]",
        "contracts:",
    ]
    for i, cid in enumerate(dag.ids):
        lines.append(f"  - id: {cid}")
        lines.append(f"    provider: {PROVIDERS[i % len(PROVIDERS)]}")
        lines.append("    type: deliverable")
        lines.append(f"    effort_hours: {dag.effort[cid]:g}")
        lines.append(f"    run: {run}")
        lines.append("    deliverables: []")
        if dag.deps[cid]:
            lines.append(f"    depends_on: [{', '.join(dag.deps[cid])}]")
    return "\n".join(lines) + "\n"


def makefile(dag: Dag, recipe: str = "true") -> str:
    """The same DAG as a Makefile of phony targets."""
    out = [".PHONY: all " + " ".join(dag.ids), "all: " + " ".join(dag.ids), ""]
    for cid in dag.ids:
        out.append(f"{cid}: {' '.join(dag.deps[cid])}".rstrip())
        out.append(f"\t@{recipe}")
    return "\n".join(out) + "\n"


def dodo(dag: Dag, files_dir: str) -> str:
    """The same DAG as a doit ``dodo.py``: each task writes its own file from
    its dependencies' files (file_dep + targets, md5 checks), so a second run
    is a no-op."""
    lines = [
        "import json",
        f"DEPS = json.loads({_json(dict(dag.deps))!r})",
        f"OUT = {files_dir!r}",
        "DOIT_CONFIG = {'verbosity': 0, 'dep_file': OUT + '/.doit.db', 'backend': 'json'}",
        "",
        "def write(cid):",
        "    with open(f'{OUT}/{cid}.txt', 'w') as f:",
        "        f.write(cid)",
        "",
        "def task_build():",
        "    for cid, deps in DEPS.items():",
        "        yield {'name': cid, 'actions': [(write, [cid])],",
        "               'file_dep': [f'{OUT}/{d}.txt' for d in deps],",
        "               'targets': [f'{OUT}/{cid}.txt']}",
    ]
    return "\n".join(lines) + "\n"


def _json(obj: object) -> str:
    import json

    return json.dumps(obj)
