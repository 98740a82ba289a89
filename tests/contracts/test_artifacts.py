"""Files under contracts/<id>/ (teamspec.contracts.artifacts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from rest_support import corpus_path, designed_doc

from teamspec.contracts.artifacts import contract_files
from teamspec.contracts.mocktable import build_mock_table
from teamspec.model import Analysis, BlueprintChoice, Contract, Interface, Persona, Plan, Spec


def plan_for(*contracts: Contract) -> Plan:
    spec = Spec(path=Path("/tmp/spec.yaml"), name="demo", requirement="Build a task API.")
    team = (Persona(id="backend_developer", name="Backend Developer"),
            Persona(id="frontend_developer", name="Frontend Developer"))
    return Plan(spec=spec, analysis=Analysis("feature_development", "simple", "fully_parallel", 8.0),
                blueprint=BlueprintChoice(id="parallel-basic", name="Parallel", score=1.0), team=team,
                contracts=contracts)


def rest(document: Any, *, mock: bool, origin: str = "designed", text: str | None = None,
         source: Path | None = None) -> Contract:
    iface = Interface(kind="openapi", document=document, origin=origin, text=text, source=source)  # type: ignore[arg-type]
    return Contract(id="task_api", name="Task API", type="rest_api", provider="backend_developer",
                    consumers=("frontend_developer",), interface=iface, mock=mock,
                    serve="python backend/app.py --port {port}")


def test_rest_contract_with_mock() -> None:
    doc = designed_doc()
    c = rest(doc, mock=True)
    files = contract_files(c, plan_for(c))
    assert sorted(files) == [f"contracts/task_api/{n}" for n in (
        "README.md", "contract.json", "mock.json", "mock_server.js", "openapi.yaml", "package-lock.json",
        "package.json")]
    assert yaml.safe_load(files["contracts/task_api/openapi.yaml"]) == doc
    assert "&id" not in files["contracts/task_api/openapi.yaml"]  # no YAML anchors/aliases
    assert json.loads(files["contracts/task_api/mock.json"]) == json.loads(json.dumps(build_mock_table(doc)))
    lock = json.loads(files["contracts/task_api/package-lock.json"])
    assert lock["packages"]["node_modules/express"]["version"].startswith("5.")
    readme = files["contracts/task_api/README.md"]
    assert "- Provider: Backend Developer (`backend_developer`)" in readme
    assert "node mock_server.js --port 3001" in readme and "teamspec mock serve <output-dir> task_api" in readme
    assert "- `POST /tasks`: Create a task" in readme
    assert contract_files(c, plan_for(c)) == files  # deterministic


def test_rest_contract_from_a_file_keeps_its_text_and_without_mock_has_no_node_files() -> None:
    path = corpus_path("petstore")
    text = path.read_text(encoding="utf-8")
    c = rest(yaml.safe_load(text), mock=False, origin="file", text=text, source=path)
    files = contract_files(c, plan_for(c))
    assert sorted(files) == ["contracts/task_api/README.md", "contracts/task_api/contract.json",
                             "contracts/task_api/openapi.yaml"]
    assert files["contracts/task_api/openapi.yaml"] == text
    assert "## Mock server" not in files["contracts/task_api/README.md"]


def test_other_contract_types_dispatch() -> None:
    sdl = "type Query {\n  hello: String\n}\n"
    g = Contract(id="gql", name="G", type="graphql", provider="backend_developer",
                 interface=Interface(kind="graphql", document=sdl, origin="inline"), mock=True)
    files = contract_files(g, plan_for(g))
    assert "contracts/gql/schema.graphql" in files and "contracts/gql/mock_server.js" in files
    plain = Contract(id="docs", name="Docs", type="deliverable", provider="technical_writer")
    assert contract_files(plain, plan_for(plain)) == {}


def test_contract_json_records_provider_and_serve() -> None:
    import dataclasses

    c = dataclasses.replace(rest(designed_doc(), mock=True), serve="python backend/app.py --port {port}")
    meta = json.loads(contract_files(c, plan_for(c))["contracts/task_api/contract.json"])
    assert meta == {"id": "task_api", "name": c.name, "type": "rest_api", "provider": c.provider,
                    "consumers": list(c.consumers), "mock": True,
                    "serve": "python backend/app.py --port {port}"}
