"""Where things live in an output directory.

Design (which declares artifact patterns) and the offline personas (which
write the files) both read this module, so a designed deliverable always
names the files its offline persona produces.
"""

from __future__ import annotations

from collections.abc import Sequence

from teamspec.model import Contract

STATE_DIR = ".teamspec"
STATE_FILE = ".teamspec/state.json"
REPORT_JSON = ".teamspec/report.json"
REPORT_MD = ".teamspec/report.md"
LOG_DIR = ".teamspec/logs"
CONTRACTS_DIR = "contracts"

# persona id -> the designed contract id and the artifact patterns its
# offline persona writes. rest_api contracts are handled by backend_root().
PERSONA_ARTIFACTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "requirement_analyst": ("requirements", ("docs/requirements.md",)),
    "solution_architect": ("architecture", ("docs/architecture.md",)),
    "ui_ux_designer": ("ui_design", ("design/ui-spec.md", "design/wireframe.html")),
    "frontend_developer": ("web_ui", ("frontend/index.html", "frontend/app.js", "frontend/api.js")),
    "database_specialist": ("database_schema", ("db/schema.sql", "db/README.md")),
    "devops_engineer": ("ci_pipeline", ("Dockerfile", ".github/workflows/ci.yml")),
    "qa_engineer": ("contract_tests", ("tests/contract/*.py",)),
    "security_specialist": ("security_review", ("docs/security-review.md",)),
    "technical_writer": ("documentation", ("README.md", "docs/api.md")),
    "deployment_specialist": ("deployment", ("deploy/compose.yaml", "deploy/README.md")),
    "integration_tester": ("integration_tests", ("tests/integration/*.py",)),
    "project_reviewer": ("project_review", ("docs/review.md",)),
    "backend_developer": ("api", ("backend/**/*.py",)),
}


def rest_contracts(contracts: Sequence[Contract]) -> list[Contract]:
    return [c for c in contracts if c.type == "rest_api"]


def backend_root(contract_id: str, contracts: Sequence[Contract]) -> str:
    """Directory of the offline backend implementing a rest_api contract:
    ``backend`` when the project has one REST contract, else
    ``services/<contract_id>``."""
    if len(rest_contracts(contracts)) <= 1:
        return "backend"
    return f"services/{contract_id}"


def backend_patterns(contract_id: str, rest_count: int) -> tuple[str, ...]:
    """Artifact patterns of a designed rest_api contract (see backend_root)."""
    root = "backend" if rest_count <= 1 else f"services/{contract_id}"
    return (f"{root}/**/*.py",)


def generic_artifacts(contract_id: str) -> tuple[str, ...]:
    """Artifacts of a contract whose persona has no dedicated template."""
    return (f"docs/{contract_id}.md",)


def contract_dir(contract_id: str) -> str:
    """Where the contract's interface and mocks are written."""
    return f"{CONTRACTS_DIR}/{contract_id}"
