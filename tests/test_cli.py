"""The command line: exit codes, gcc-style errors, every command's output."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from teamspec.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "specs").glob("*.yaml"))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = main(list(argv), out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def test_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "teamspec", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.strip().startswith("teamspec ")


@pytest.mark.parametrize(
    "command",
    [[], ["init"], ["validate"], ["plan"], ["build"], ["personas"], ["blueprints"], ["schema"],
     ["mock"], ["mock", "serve"], ["verify"], ["report"]],
)
def test_help_everywhere(command: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "teamspec", *command, "--help"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: teamspec")


def test_bad_command_line_exits_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "teamspec", "plan", "specs/minimal.yaml", "-j", "zero"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "argument -j/--jobs: expected a whole number of workers, found 'zero'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_init_writes_a_spec_that_validates(tmp_path: Path) -> None:
    target = tmp_path / "specs" / "my-api.yaml"
    rc, out, err = run("init", "my-api", "-o", str(target))
    assert (rc, err) == (0, "")
    assert out == f"wrote {target}\nnext: teamspec validate {target} && teamspec plan {target}\n"
    rc, out, err = run("validate", str(target))
    assert (rc, out, err) == (0, f"{target}: ok\n", "")
    rc, out, _ = run("plan", str(target), "--format", "json")
    assert rc == 0
    assert json.loads(out)["name"] == "my-api"


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "x.yaml"
    target.write_text("keep me", encoding="utf-8")
    rc, _, err = run("init", "x", "-o", str(target))
    assert rc == 2
    assert err == f"error: {target} already exists; choose another name, pass -o PATH, or --force to overwrite it\n"
    assert target.read_text(encoding="utf-8") == "keep me"


def test_init_rejects_bad_name(tmp_path: Path) -> None:
    rc, _, err = run("init", "My API", "-o", str(tmp_path / "x.yaml"))
    assert rc == 2
    assert err == ("error: invalid project name 'My API': use a lowercase slug of letters, digits "
                   "and single dashes, starting with a letter (e.g. 'my-api')\n")


@pytest.mark.parametrize("spec", SPECS, ids=[p.name for p in SPECS])
def test_every_example_validates_and_plans(spec: Path) -> None:
    rc, out, err = run("validate", str(spec))
    assert rc == 0, err
    assert out.startswith(f"{spec}: ok")
    for fmt in ("text", "json", "mermaid", "dot"):
        rc, out, err = run("plan", str(spec), "--format", fmt)
        assert rc == 0, err
        assert out
    data = json.loads(run("plan", str(spec), "--format", "json")[1])
    for key in ("contracts", "groups", "critical_path", "critical_path_hours", "sequential_hours",
                "predicted_makespan_hours", "lower_bound_hours", "barrier_makespan_hours",
                "predicted_savings", "workers"):
        assert key in data
    for c in data["contracts"]:
        for key in ("id", "provider", "depends_on", "uses", "group", "priority", "effort_hours",
                    "start_h", "finish_h"):
            assert key in c


def test_examples_carry_the_modeline() -> None:
    for spec in SPECS:
        first = spec.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/teamspec.schema.json"


def test_validate_reports_gcc_style_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "teamspec: 1\n"
        "name: x\n"
        "requirement: r\n"
        "contracts:\n"
        "  - id: a\n"
        "    provider: backend_developer\n"
        "    depend_on: [b]\n",
        encoding="utf-8",
    )
    rc, out, err = run("validate", str(bad))
    assert rc == 2
    assert out == ""
    assert err == (
        f"{bad}:7:5: error: contracts[0]: unknown key 'depend_on' (did you mean 'depends_on'?)\n"
        f"{bad}: 1 error(s), 0 warning(s)\n"
    )


def test_validate_several_files_reports_each(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    rc, out, err = run("validate", str(ROOT / "specs" / "minimal.yaml"), str(missing))
    assert rc == 2
    assert out == f"{ROOT / 'specs' / 'minimal.yaml'}: ok\n"
    assert err.startswith(f"{missing}:")
    assert "Traceback" not in err


def test_plan_json_jobs_override() -> None:
    rc, out, _ = run("plan", str(ROOT / "specs" / "task-manager.yaml"), "--format", "json", "-j", "2")
    assert rc == 0
    data = json.loads(out)
    assert data["workers"] == 2
    assert data["lower_bound_hours"] <= data["predicted_makespan_hours"] <= data["sequential_hours"]


def test_personas_and_blueprints() -> None:
    rc, out, _ = run("personas", "--format", "json")
    assert rc == 0
    assert len(json.loads(out)) == 13
    rc, out, _ = run("blueprints", "--format", "json")
    assert rc == 0
    assert len({b["id"] for b in json.loads(out)}) == 12
    rc, out, _ = run("personas")
    assert rc == 0 and "backend_developer" in out
    rc, out, _ = run("blueprints")
    assert rc == 0 and "parallel-contract-first" in out


def test_schema_command_prints_the_shipped_schema() -> None:
    rc, out, _ = run("schema")
    assert rc == 0
    assert json.loads(out)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
