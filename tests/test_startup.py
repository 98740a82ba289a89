"""`teamspec --version` and `teamspec validate` must not import heavy modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("networkx", "anthropic", "matplotlib", "ipywidgets", "httpx2", "jinja2")


def imported_after(argv: list[str]) -> set[str]:
    probe = (
        "import sys, io\n"
        "from teamspec.cli import main\n"
        f"rc = main({argv!r}, out=io.StringIO(), err=io.StringIO())\n"
        f"print(rc, ','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    rc, _, mods = out.stdout.strip().rpartition("\n")[2].partition(" ")
    assert rc == "0", out.stdout + out.stderr
    return {m for m in mods.split(",") if m}


def test_version_imports_nothing_heavy() -> None:
    assert imported_after(["--version"]) == set()


def test_validate_imports_nothing_heavy() -> None:
    assert imported_after(["validate", "specs/minimal.yaml"]) == set()


def test_plan_imports_nothing_heavy() -> None:
    # planning orders the graph itself; networkx only for what draws it
    assert imported_after(["plan", "specs/minimal.yaml"]) == set()


def test_command_build_imports_no_graph_library(tmp_path: Path) -> None:
    spec = tmp_path / "cmd.yaml"
    spec.write_text(
        "teamspec: 1\nname: cmd\nrequirement: |\n  Build a generated system of small services.\n"
        "executor: command\nteam:\n  personas: [backend_developer]\ncontracts:\n"
        "  - id: a\n    provider: backend_developer\n    type: deliverable\n    run: 'true'\n"
        "    deliverables: []\n  - id: b\n    provider: backend_developer\n    type: deliverable\n"
        "    run: 'true'\n    deliverables: []\n    depends_on: [a]\n")
    assert imported_after(["build", str(spec), "-o", str(tmp_path / "out")]) == set()
