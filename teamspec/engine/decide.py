"""The select stage of a build: what happens to each contract, and why.

Per contract, from the state of the last build and the fingerprint of its
inputs (:mod:`teamspec.engine.fingerprint`):

* ``run``: new, forced, unfinished last time, failed last time, an output
  missing, or an input changed (the reason names which);
* ``skip``: up to date (inputs and outputs as recorded);
* ``refuse``: an output was edited by hand since (``--force`` overrides);
* ``defer``: the other inputs are unchanged but an upstream contract will
  run first; decided again when it has (early cutoff).

A ``run`` decided before the upstream outputs were known is ``refine``d at
dispatch time. :func:`dry_run_items` turns decisions into what ``--dry-run``
prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from teamspec.engine.executors.base import Executor
from teamspec.engine.fingerprint import COMPONENTS, Fingerprint, Fingerprinter, changed_inputs
from teamspec.engine.results import DryRunItem
from teamspec.engine.state import LoadedState, check_outputs, edited_reason, record_outputs
from teamspec.errors import UsageError
from teamspec.model import Contract


@dataclass
class Decision:
    action: Literal["run", "skip", "refuse", "defer"]
    reason: str
    refine: bool = False  # a "run" decided before upstream outputs were known


def select_ids(order: Sequence[str], contracts: Mapping[str, Contract],
               only: Sequence[str], spec_file: str = "") -> list[str]:
    """The contracts a build takes: all of them, or each ``--only`` id and
    everything it depends on (in plan order). An unknown id is a
    :class:`UsageError` naming ``spec_file``, the closest id and all of them."""
    if not only:
        return list(order)
    wanted: set[str] = set()
    for cid in only:
        if cid not in contracts:
            import difflib

            close = difflib.get_close_matches(cid, order, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            where = f" in {spec_file}" if spec_file else ""
            raise UsageError(
                f"--only {cid}: no such contract{where}{hint}; contracts: {', '.join(order)}")
        stack = [cid]
        while stack:
            x = stack.pop()
            if x in wanted:
                continue
            wanted.add(x)
            stack.extend(contracts[x].depends_on)
    return [c for c in order if c in wanted]


class Decider:
    """Decisions for one build: the loaded state against the inputs now."""

    def __init__(self, state: LoadedState, root: Path, fp: Fingerprinter,
                 contracts: Mapping[str, Contract], executors: Mapping[str, Executor],
                 exec_names: Mapping[str, str], model: str | None, force: bool) -> None:
        self.state = state
        self.root = root
        self.fp = fp
        self.contracts = contracts
        self.executors = executors
        self.exec_names = exec_names
        self.model = model
        self.force = force

    def static(self, cid: str) -> Decision:
        """Everything that does not depend on upstream outputs."""
        rec = self.state.records.get(cid)
        if self.force:
            return Decision("run", "forced")
        if rec is None:
            return Decision("run", "new")
        if cid in self.state.unfinished:
            return Decision("run", "unfinished in the last build")
        missing, edited = check_outputs(self.root, record_outputs(rec))
        if edited:
            return Decision("refuse", edited_reason(edited))
        if rec.get("status") != "succeeded":
            return Decision("run", f"last build: {rec.get('status', 'unknown')}")
        if missing:
            return Decision("run", f"output missing: {', '.join(sorted(missing)[:3])}")
        return Decision("defer", "")

    def first(self, cid: str, upstream: Mapping[str, str] | None) -> Decision:
        """The decision before anything runs (``upstream``: the output hashes
        of its ``depends_on``, None while one of them will run)."""
        d = self.static(cid)
        if d.action != "defer":
            return d
        return self.by_fingerprint(cid, upstream) if upstream is not None else self.by_inputs(cid)

    def fingerprint(self, c: Contract, upstream: Mapping[str, str]) -> Fingerprint:
        exe = self.executors[self.exec_names[c.id]]
        return self.fp.fingerprint(c, exe.name, exe.reads, self.model, upstream,
                                   exe.fingerprint_extra(c))

    def by_fingerprint(self, cid: str, upstream: Mapping[str, str]) -> Decision:
        """Upstream outputs known: up to date, or which inputs changed."""
        rec = self.state.records[cid]
        fp = self.fingerprint(self.contracts[cid], upstream)
        if fp.matches(rec):
            return Decision("skip", "up to date")
        changed = changed_inputs(rec.get("inputs", {}), rec.get("upstream", {}), fp)
        return Decision("run", "inputs changed: " + (", ".join(changed) or "fingerprint"))

    def by_inputs(self, cid: str) -> Decision:
        """Upstream outputs unknown yet: decide from the other inputs if they changed."""
        rec = self.state.records[cid]
        c = self.contracts[cid]
        exe = self.executors[self.exec_names[cid]]
        inputs = self.fp.static_inputs(c, exe.name, exe.reads, self.model,
                                       exe.fingerprint_extra(c))
        old = rec.get("inputs", {})
        changed = [k for k in COMPONENTS if old.get(k, "") != inputs.get(k, "")]
        if changed:
            return Decision("run", "inputs changed: " + ", ".join(changed), refine=True)
        return Decision("defer", "")


def dry_run_items(selection: Sequence[str], decisions: Mapping[str, Decision],
                  contracts: Mapping[str, Contract]) -> tuple[DryRunItem, ...]:
    """What ``--dry-run`` says per contract: its decision, ``maybe`` for a
    deferred one, ``blocked`` below a refused one."""
    items: list[DryRunItem] = []
    runs: set[str] = set()
    bad: dict[str, str] = {}
    for cid in selection:
        d = decisions[cid]
        deps = contracts[cid].depends_on
        stuck = next((u for u in deps if u in bad), None)
        if stuck is not None:
            root = bad[stuck]
            items.append(DryRunItem(cid, "blocked", f"depends on {root}, which would be refused"))
            bad[cid] = root
        elif d.action == "defer":
            ups = [u for u in deps if u in runs]
            items.append(DryRunItem(cid, "maybe", "upstream will run: " + ", ".join(ups)
                                    + " (skipped if their outputs do not change)"))
            runs.add(cid)
        elif d.action == "skip":
            items.append(DryRunItem(cid, "skip", d.reason))
        else:
            items.append(DryRunItem(cid, d.action, d.reason))
            if d.action == "refuse":
                bad[cid] = cid
            else:
                runs.add(cid)
    return tuple(items)


__all__ = ["Decider", "Decision", "dry_run_items", "select_ids"]

