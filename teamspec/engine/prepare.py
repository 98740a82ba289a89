"""Before any persona runs: every contract's interface and mock files under
``contracts/<id>/``, and the quality gate of the interfaces that will be
built.

All contracts with an interface or a mock get their files (consumers of any
selected contract may need them). Files are rewritten only when what they
derive from changed or they are missing, never over a hand edit without
``--force`` (a ``hand_edit`` finding instead). Gate findings are kept in the
state, keyed by the interface's hash, so an unchanged interface is not
checked again. A failure of either step is a finding of the contract, never
a crash of the build.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from importlib import import_module
from typing import Any

from teamspec.engine.fingerprint import Fingerprinter, interface_hash, short_hash
from teamspec.engine.state import StateStore, check_outputs, edited_reason
from teamspec.engine.workspace import OutputTree
from teamspec.errors import TeamspecError
from teamspec.layout import contract_dir
from teamspec.model import Contract, Finding, Plan


def _version() -> str:
    from teamspec import __version__

    return __version__


def prepare_contracts(plan: Plan, store: StateStore, tree: OutputTree, fp: Fingerprinter,
                      will_run: Collection[str], *, force: bool,
                      warnings: list[str]) -> dict[str, list[Finding]]:
    """Write the contract files and run the gate of the contracts in
    ``will_run``; the findings per contract id (problems that stop a step
    entirely are appended to ``warnings``)."""
    gate: dict[str, list[Finding]] = {}
    needed = [c for c in plan.contracts if c.interface is not None or c.mock]
    if not needed:
        return gate
    contract_files: Any = None
    check_interface: Any = None
    try:
        contract_files = import_module("teamspec.contracts.artifacts").contract_files
    except (ImportError, AttributeError) as exc:
        warnings.append(f"contract interfaces and mocks not generated: {exc}")
    try:
        check_interface = import_module("teamspec.contracts.gate").check_interface
    except (ImportError, AttributeError) as exc:
        warnings.append(f"interface quality gate not run: {exc}")
    memo: dict[str, list[Finding]] = {}
    for c in needed:
        old = store.state.artifacts.get(c.id, {})
        entry: dict[str, Any] = dict(old) if isinstance(old, dict) else {}
        if check_interface is not None and c.interface is not None and c.id in will_run:
            gate_key = short_hash(f"{_version()}|{interface_hash(c.interface)}|"
                                  f"{c.interface.source}|{c.type}")
            if entry.get("gate_key") == gate_key and isinstance(entry.get("gate"), list):
                found = [Finding(**d) for d in entry["gate"]]
            elif gate_key in memo:
                found = [dataclasses.replace(f, contract=c.id) for f in memo[gate_key]]
            else:
                try:
                    found = list(check_interface(c))
                except Exception as exc:  # a gate crash is a finding, not a crash
                    found = [Finding("quality_gate", f"the quality gate failed: {exc}",
                                     contract=c.id)]
                memo[gate_key] = found
            gate[c.id] = list(found)
            entry["gate_key"] = gate_key
            entry["gate"] = [f.to_dict() for f in found]
        if contract_files is not None:
            problem = _write_contract_files(plan, tree, fp, c, contract_files, entry, force)
            if problem is not None:
                gate.setdefault(c.id, []).append(problem)
        if entry != old:
            store.set_artifacts(c.id, entry)
    for path, owner in list(tree.claims.items()):
        if owner.startswith("contracts/"):
            del tree.claims[path]
    return gate


def _write_contract_files(plan: Plan, tree: OutputTree, fp: Fingerprinter, c: Contract,
                          contract_files: Any, entry: dict[str, Any], force: bool) -> Finding | None:
    """Interface and mock files of ``c`` (skipped when unchanged on disk and
    derived from the same inputs); the finding when they were not written."""
    key = short_hash(f"{_version()}|{interface_hash(c.interface)}|{c.mock}|{c.type}|"
                     f"{fp.static_inputs(c, 'artifacts', frozenset(), None)['contract']}")
    old_files = entry.get("files", {})
    if not isinstance(old_files, dict):
        old_files = {}
    missing, edited = check_outputs(tree.root, old_files)
    if entry.get("key") == key and not missing and not edited and not force:
        return None
    if edited and not force:
        return Finding("hand_edit", f"generated contract files not rewritten: {edited_reason(edited)}",
                       contract=c.id)
    try:
        files = contract_files(c, plan)
        written: dict[str, list[Any]] = {}
        base = contract_dir(c.id)
        for rel in sorted(files):
            path = rel if rel.startswith(base + "/") else f"{base}/{rel}"
            r = tree.write(f"contracts/{c.id}", path, files[rel], reserved=False)
            written[r.path] = r.to_state()
        entry["key"] = key
        entry["files"] = written
    except Exception as exc:  # another module's failure is a finding, not a crash
        msg = exc.message if isinstance(exc, TeamspecError) else f"{type(exc).__name__}: {exc}"
        return Finding("artifacts", f"interface and mock files could not be written: {msg}",
                       contract=c.id)
    return None


__all__ = ["prepare_contracts"]
