"""A cache of loaded plans, so an up-to-date rebuild skips spec parsing and
planning.

``load_plan(path, workers)`` returns the plan of the spec at ``path``. The
plan is pickled in the user's cache directory (``$TEAMSPEC_CACHE_DIR``, else
``$XDG_CACHE_HOME/teamspec``, else ``~/.cache/teamspec``), one file per spec
path and worker count, and reused only when all of these are unchanged:

* the SHA-256 of the spec file and of every interface file its contracts read;
* the teamspec version and a stamp of teamspec's own files (path, size and
  modification time of every source and data file of the package), so an
  edited catalog or template also invalidates it;
* the requested worker count.

The plan's networkx ``graph`` is not pickled (it is built on first use, and
networkx is not imported on the fast path). Its spec has an empty
source map (key positions serve only the diagnostics of a fresh load). ``TEAMSPEC_NO_CACHE=1``
disables the cache. A cache file that cannot be read is ignored; the cache
is only an accelerator.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from teamspec.model import Plan

CACHE_FORMAT = 1
_STAMP: str | None = None


def cache_dir() -> Path:
    env = os.environ.get("TEAMSPEC_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "teamspec"


def code_stamp() -> str:
    """Hash of (path, size, mtime) of teamspec's own source and data files."""
    global _STAMP
    if _STAMP is not None:
        return _STAMP
    import teamspec

    root = Path(teamspec.__file__).parent
    h = hashlib.sha256(teamspec.__version__.encode())
    stack = [str(root)]
    rows: list[str] = []
    while stack:
        d = stack.pop()
        try:
            with os.scandir(d) as it:
                for e in it:
                    if e.is_dir(follow_symlinks=False):
                        if e.name not in ("node_modules", "__pycache__") and not e.name.startswith("."):
                            stack.append(e.path)
                    elif e.name.endswith((".py", ".yaml", ".yml", ".json", ".j2", ".jinja", ".txt",
                                          ".js", ".md", ".html", ".toml")):
                        st = e.stat()
                        rows.append(f"{e.path}|{st.st_size}|{st.st_mtime_ns}")
        except OSError:
            continue
    for r in sorted(rows):
        h.update(r.encode())
    _STAMP = h.hexdigest()
    return _STAMP


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _cache_file(spec_path: Path, workers: int | None) -> Path:
    key = hashlib.sha256(str(spec_path.absolute()).encode()).hexdigest()[:20]
    return cache_dir() / f"plan-{key}-w{workers or 0}.pickle"


def _dependencies(plan: Plan, spec_path: Path) -> list[tuple[str, str | None]]:
    files = {str(spec_path.absolute())}
    for c in plan.contracts:
        if c.interface is not None and c.interface.source is not None:
            files.add(str(Path(c.interface.source).absolute()))
    return [(f, _sha(Path(f))) for f in sorted(files)]


def load_plan(spec_path: str | Path, workers: int | None = None) -> tuple[Plan, bool]:
    """The plan of the spec at ``spec_path``: ``(plan, from_cache)``."""
    path = Path(spec_path)
    use_cache = os.environ.get("TEAMSPEC_NO_CACHE", "") in ("", "0")
    cfile = _cache_file(path, workers)
    if use_cache:
        hit = _read(cfile, workers)
        if hit is not None:
            return hit, True
    from teamspec.planning import make_plan

    plan = make_plan(path, workers=workers)
    if use_cache:
        _write(cfile, plan, path, workers)
    return plan, False


def _read(cfile: Path, workers: int | None) -> Plan | None:
    try:
        with open(cfile, "rb") as f:
            meta, blob = pickle.load(f)
    except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError,
            ImportError):
        return None
    try:
        if meta["format"] != CACHE_FORMAT or meta["stamp"] != code_stamp():
            return None
        if meta["workers"] != workers:
            return None
        for f, sha in meta["deps"]:
            if _sha(Path(f)) != sha:
                return None
        plan = pickle.loads(blob)
    except (KeyError, TypeError, ValueError, pickle.PickleError, AttributeError, ImportError):
        return None
    if not isinstance(plan, Plan):
        return None
    from teamspec.engine.fingerprint import remember_contract_hashes

    remember_contract_hashes(plan.contracts, meta.get("contract_hashes", {}))
    return plan


def _write(cfile: Path, plan: Plan, spec_path: Path, workers: int | None) -> None:
    from teamspec.engine.fingerprint import contract_hash
    from teamspec.engine.state import atomic_write

    meta: dict[str, Any] = {
        "format": CACHE_FORMAT,
        "stamp": code_stamp(),
        "workers": workers,
        "deps": _dependencies(plan, spec_path),
        "contract_hashes": {c.id: contract_hash(c) for c in plan.contracts},
    }
    try:
        from teamspec.model import SourceMap

        # a fresh instance (no graph built lazily) without the spec's source
        # map (positions of every key: only diagnostics of a fresh load need it)
        slim = dataclasses.replace(plan, spec=dataclasses.replace(
            plan.spec, source=SourceMap(plan.spec.source.file)))
        blob = pickle.dumps(slim, protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write(cfile, pickle.dumps((meta, blob), protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return
