"""teamspec.semantic: references, cycles, ownership and executor checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamspec.semantic import find_cycles
from teamspec.spec import check_spec

HEAD = "teamspec: 1\nname: x\nrequirement: Build it.\n"


@pytest.fixture
def check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)

    def _check(body: str, strict: bool = False) -> list[str]:
        Path("x.yaml").write_text(HEAD + body, encoding="utf-8")
        _, diags = check_spec("x.yaml", strict=strict)
        return [d.format() for d in diags]

    return _check


def contracts(*items: str) -> str:
    return "contracts:\n" + "".join(items)


def c(cid: str, provider: str = "backend_developer", **extra: str) -> str:
    text = f"  - id: {cid}\n    provider: {provider}\n"
    for key, value in extra.items():
        text += f"    {key}: {value}\n"
    return text


def test_a_clean_spec_has_no_findings(check) -> None:  # type: ignore[no-untyped-def]
    assert check(contracts(c("a", mock="true"), c("b", depends_on="[a]"), c("d", uses="[a]"))) == []


def test_duplicate_ids(check) -> None:  # type: ignore[no-untyped-def]
    body = (
        "personas:\n  - id: ml_engineer\n    name: ML\n  - id: ml_engineer\n    name: ML 2\n"
        + contracts(c("a"), c("b"), c("a"))
    )
    assert check(body) == [
        "x.yaml:7:5: error: personas[1].id: duplicate persona id 'ml_engineer' (first defined at line 5)",
        "x.yaml:14:5: error: contracts[2].id: duplicate contract id 'a' (first defined at line 10)",
    ]


def test_spec_persona_shadowing_the_catalog_is_a_warning(check) -> None:  # type: ignore[no-untyped-def]
    assert check("personas:\n  - id: qa_engineer\n    name: QA\n") == [
        "x.yaml:5:5: warning: personas[0].id: persona 'qa_engineer' replaces the catalog persona of the same id; "
        "rename it to keep both"
    ]


def test_unknown_personas(check) -> None:  # type: ignore[no-untyped-def]
    body = (
        "team:\n  personas: [backend_developer, ml_enginer, wizard]\n"
        "personas:\n  - id: ml_engineer\n    name: ML Engineer\n"
        + contracts(c("a", provider="backend_dev", consumers="[frontend_developer, qa_engineers]"), c("b", provider="ml_engineer"))
    )
    assert check(body) == [
        "x.yaml:5:33: error: team.personas[1]: unknown persona 'ml_enginer' (did you mean 'ml_engineer'?)",
        "x.yaml:5:45: error: team.personas[2]: unknown persona 'wizard'; see `teamspec personas` or define it "
        "under 'personas:'",
        "x.yaml:11:5: error: contracts[0].provider: unknown persona 'backend_dev' (did you mean 'backend_developer'?)",
        "x.yaml:12:37: error: contracts[0].consumers[1]: unknown persona 'qa_engineers' (did you mean 'qa_engineer'?)",
    ]


def test_unknown_blueprint(check) -> None:  # type: ignore[no-untyped-def]
    assert check("team:\n  blueprint: parallel-contracts-first\n") == [
        "x.yaml:5:3: error: team.blueprint: unknown blueprint 'parallel-contracts-first' "
        "(did you mean 'parallel-contract-first'?)"
    ]
    assert check("team:\n  blueprint: magic\n") == [
        "x.yaml:5:3: error: team.blueprint: unknown blueprint 'magic'; use 'auto' or an id from `teamspec blueprints`"
    ]
    assert check("team:\n  blueprint: auto\n") == []
    assert check("team:\n  blueprint: hybrid-full-sdlc\n") == []


def test_unknown_contract_references(check) -> None:  # type: ignore[no-untyped-def]
    body = contracts(c("task_api", mock="true"), c("web_ui", depends_on="[task_ap]", uses="[nothing_like_it]"))
    assert check(body) == [
        "x.yaml:10:18: error: contracts[1].depends_on[0]: unknown contract 'task_ap' (did you mean 'task_api'?)",
        "x.yaml:11:12: error: contracts[1].uses[0]: unknown contract 'nothing_like_it'; contract ids of this spec: "
        "task_api, web_ui",
    ]


def test_self_dependency(check) -> None:  # type: ignore[no-untyped-def]
    assert check(contracts(c("a", mock="true", depends_on="[a]", uses="[a]"))) == [
        "x.yaml:8:18: error: contracts[0].depends_on[0]: contract 'a' depends on itself",
        "x.yaml:9:12: error: contracts[0].uses[0]: contract 'a' uses itself",
    ]


def test_cycle_across_depends_on_and_uses_is_reported_whole_and_once(check) -> None:  # type: ignore[no-untyped-def]
    body = contracts(
        c("a", depends_on="[b]"),
        c("b", mock="true", depends_on="[c]"),
        c("c", mock="true", uses="[a]"),
    )
    # a is used but has no mock: that is reported as well
    assert check(body) == [
        "x.yaml:15:12: error: contracts[2].uses[0]: contract 'c' uses 'a', but 'a' has no mock; "
        "add 'mock: true' to contract 'a' or move 'a' to depends_on",
        "x.yaml:15:12: error: contracts[2].uses[0]: cycle: a -> b -> c -> a",
    ]


def test_two_cycles_each_once(check) -> None:  # type: ignore[no-untyped-def]
    body = contracts(
        c("a", depends_on="[b]"),
        c("b", depends_on="[a, c]"),
        c("c", depends_on="[d]"),
        c("d", depends_on="[c]"),
    )
    assert check(body) == [
        "x.yaml:10:18: error: contracts[1].depends_on[0]: cycle: a -> b -> a",
        "x.yaml:16:18: error: contracts[3].depends_on[0]: cycle: c -> d -> c",
    ]


def test_uses_needs_a_mock(check) -> None:  # type: ignore[no-untyped-def]
    body = contracts(c("task_api", mock="false"), c("web_ui", uses="[task_api]"), c("tests", uses="[web_ui]"))
    assert check(body) == [
        "x.yaml:10:12: error: contracts[1].uses[0]: contract 'web_ui' uses 'task_api', but 'task_api' has no mock; "
        "add 'mock: true' to contract 'task_api' or move 'task_api' to depends_on",
        "x.yaml:13:12: error: contracts[2].uses[0]: contract 'tests' uses 'web_ui', but 'web_ui' has no mock; "
        "add 'mock: true' to contract 'web_ui' or move 'web_ui' to depends_on",
    ]


def test_two_contracts_claiming_one_artifact_is_a_warning(check) -> None:  # type: ignore[no-untyped-def]
    d = "\n      - name: code\n        artifacts: [\"src/**/*.py\", README.md]"
    body = contracts(c("a", deliverables=d), c("b", deliverables=d.replace("src/**/*.py", "lib/*.py")))
    found = check(body)
    assert found == [
        "x.yaml:14:33: warning: contracts[1].deliverables[0].artifacts[1]: artifact pattern 'README.md' is also "
        "claimed by contract 'a' (line 9); give each file one owner",
    ]
    assert check(body, strict=True) == [found[0].replace("warning:", "error:")]


def test_executor_checks(check) -> None:  # type: ignore[no-untyped-def]
    body = contracts(
        c("a", run="make a"),
        c("b", executor="command"),
        c("c", executor="command", run="make c"),
    )
    assert check(body) == [
        "x.yaml:7:5: warning: contracts[0].run: 'run' is ignored: contract 'a' runs with the offline executor; "
        "set 'executor: command' to run it",
        "x.yaml:8:5: error: contracts[1]: contract 'b' runs with the command executor but has no 'run'; "
        "add 'run: <shell command>' or choose another executor",
    ]
    assert check("executor: command\n" + contracts(c("a"))) == [
        "x.yaml:6:5: error: contracts[0]: contract 'a' runs with the command executor but has no 'run'; "
        "add 'run: <shell command>' or choose another executor",
    ]


def test_serve_without_interface_is_a_warning(check) -> None:  # type: ignore[no-untyped-def]
    # a rest_api contract without an interface is verified against its designed one: no warning
    body = contracts(c("api", type="rest_api", serve="python app.py"), c("bus", type="event_stream", serve="x"))
    assert check(body) == [
        "x.yaml:12:5: warning: contracts[1].serve: 'serve' is set but contract 'bus' has no 'interface' to verify "
        "it against; add 'interface:'",
    ]


def test_missing_interface_file_is_an_error(check) -> None:  # type: ignore[no-untyped-def]
    found = check(contracts(c("api", type="rest_api", interface="contracts/api.yaml")))
    assert found == [
        f"x.yaml:8:5: error: contracts[0].interface: interface file 'contracts/api.yaml' not found "
        f"(looked for {Path('contracts/api.yaml')})"
    ]


# ------------------------------------------------------------- find_cycles


def test_find_cycles_is_deterministic_and_reports_each_once() -> None:
    edges = {"a": ["b"], "b": ["c", "a"], "c": ["a", "d"], "d": ["d2"], "d2": ["d"]}
    assert find_cycles(list(edges), edges) == [["a", "b", "c", "a"], ["d", "d2", "d"], ["a", "b", "a"]]
    assert find_cycles(["x", "y"], {"x": ["y"], "y": []}) == []


def test_find_cycles_handles_long_chains_without_recursion() -> None:
    n = 50_000
    edges = {f"n{i}": [f"n{i + 1}"] for i in range(n)}
    edges[f"n{n}"] = ["n0"]
    (cycle,) = find_cycles(list(edges), edges)
    assert len(cycle) == n + 2 and cycle[0] == cycle[-1] == "n0"
