"""The wheel carries everything teamspec reads at run time: schemas,
catalog, templates, mock-server templates, price table."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dest), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (found,) = dest.glob("teamspec-*.whl")
    return found


def test_wheel_contains_the_data_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "teamspec/schemas/teamspec.schema.json",
        "teamspec/schemas/report.schema.json",
        "teamspec/catalog/personas.yaml",
        "teamspec/catalog/blueprints.yaml",
        "teamspec/data/starter.yaml",
        "teamspec/templates/offline/backend/app.py.j2",
        "teamspec/mockjs/mock_server.js",
        "teamspec/mockjs/package-lock.json",
        "teamspec/mockjs_graphql/mock_server.js",
        "teamspec/mockjs_graphql/package-lock.json",
        "teamspec/offline/runtime/server.py",
    ):
        assert required in names, required
    assert not any("node_modules" in n for n in names)


def test_installed_wheel_validates_and_builds_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "notes.yaml").write_text(
        "teamspec: 1\nname: notes\nrequirement: Build a REST API to manage notes.\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(site), "TEAMSPEC_NO_CACHE": "1"}
    proc = subprocess.run([sys.executable, "-c", "import teamspec, sys; print(teamspec.__file__)"],
                          cwd=work, env=env, capture_output=True, text=True)
    assert proc.stdout.strip().startswith(str(site)), proc.stdout + proc.stderr
    for argv in (["validate", "notes.yaml"], ["schema"], ["build", "notes.yaml", "-o", "out"]):
        proc = subprocess.run([sys.executable, "-m", "teamspec", *argv], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, (argv, proc.stdout, proc.stderr)
    assert (work / "out" / "backend" / "app.py").is_file()
    assert (work / "out" / "contracts" / "note_api" / "mock_server.js").is_file()
