"""Session fixtures of the offline persona tests: plans built by hand."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from offline_support import (
    PETSTORE,
    TASKS_DOC,
    USERS_DOC,
    deliverable,
    full_stack_contracts,
    make_plan,
    persona,
    rest_contract,
)

from teamspec.model import Contract, Plan


@pytest.fixture(scope="session")
def tasks_plan() -> Plan:
    return make_plan(full_stack_contracts(TASKS_DOC))


@pytest.fixture(scope="session")
def petstore_doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(PETSTORE.read_text())
    return doc


@pytest.fixture(scope="session")
def petstore_plan(petstore_doc: dict[str, Any]) -> Plan:
    return make_plan(full_stack_contracts(petstore_doc, "pet_api"), name="pet-store",
                     requirement="A pet store API where staff list, add, find and remove pets.",
                     entities=("pets",))


@pytest.fixture(scope="session")
def services_plan() -> Plan:
    """Two REST services, a custom persona, qa and integration testers."""
    contracts = [
        rest_contract("task_api", TASKS_DOC, 2),
        rest_contract("user_api", USERS_DOC, 2),
        Contract(id="ranking_model", name="Ranking Model", type="deliverable", provider="ml_engineer",
                 description="Rank tasks by predicted urgency for each user.", uses=("task_api",),
                 depends_on=("user_api",), effort_hours=6,
                 deliverables=(deliverable("model_report", ["docs/ranking_model.md"]),)),
        Contract(id="contract_tests", name="Contract Tests", type="deliverable", provider="qa_engineer",
                 uses=("task_api", "user_api"), effort_hours=3,
                 deliverables=(deliverable("contract_tests", ["tests/contract/*.py"]),)),
        Contract(id="integration_tests", name="Integration Tests", type="deliverable", provider="integration_tester",
                 depends_on=("task_api", "user_api"), effort_hours=3,
                 deliverables=(deliverable("integration_tests", ["tests/integration/*.py"]),)),
        Contract(id="ci_pipeline", name="CI", type="deliverable", provider="devops_engineer",
                 depends_on=("task_api", "user_api"), effort_hours=2,
                 deliverables=(deliverable("ci", ["Dockerfile", ".github/workflows/ci.yml"]),)),
        Contract(id="deployment", name="Deployment", type="deliverable", provider="deployment_specialist",
                 depends_on=("ci_pipeline",), effort_hours=2,
                 deliverables=(deliverable("deployment", ["deploy/compose.yaml", "deploy/README.md"]),)),
        Contract(id="database_schema", name="Database", type="deliverable", provider="database_specialist",
                 uses=("task_api", "user_api"), effort_hours=2,
                 deliverables=(deliverable("db", ["db/schema.sql", "db/README.md"]),)),
    ]
    return make_plan(contracts, name="task-services", extra_personas=(persona("ml_engineer"),))


