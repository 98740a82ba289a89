"""Verification of a live provider against its REST contract.

``teamspec verify OUT CONTRACT --url URL`` checks a running server;
``verify_provider`` (used by builds for every contract with ``serve:``)
starts the provider on a free port of 127.0.0.1, waits until it answers,
runs the conformance checks and stops it, leaving no process behind.

Stages: read the contract's ``openapi.yaml`` → (start the provider) →
:func:`teamspec.contracts.conformance.run_checks` → (stop it) →
:class:`VerifyResult`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from teamspec.errors import UsageError
from teamspec.model import Contract, Finding

STARTUP_LIMIT_S = 30.0


@dataclass(frozen=True)
class VerifyResult:
    """The findings of one verification; ``passed`` when none is an error."""

    contract_id: str
    url: str | None
    findings: tuple[Finding, ...] = ()

    @property
    def passed(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "contract": self.contract_id,
            "url": self.url,
            "passed": self.passed,
            "findings": [f.to_dict() for f in self.findings],
        }


def _tag(findings: Sequence[Finding], contract_id: str) -> tuple[Finding, ...]:
    return tuple(replace(f, contract=contract_id) for f in findings)


def _check_url(url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--url must be an http(s) URL such as http://127.0.0.1:8000, found {url!r}")


def recorded_serve(out_dir: Path, contract_id: str) -> str | None:
    """The ``serve:`` command the build recorded in
    ``contracts/<id>/contract.json``, if any."""
    import json

    try:
        meta = json.loads((out_dir / "contracts" / contract_id / "contract.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    serve = meta.get("serve") if isinstance(meta, dict) else None
    return serve if isinstance(serve, str) and serve.strip() else None


def verify(out_dir: Path, contract_id: str, *, url: str | None = None, serve: str | None = None,
           timeout_s: float = 60, checks: Sequence[str] | None = None) -> VerifyResult:
    """Verify the provider of ``contract_id`` built in ``out_dir``: the
    server at ``url``, or the one ``serve`` starts (``{port}`` substituted;
    default: the ``serve:`` recorded by the build in ``contract.json``).
    Raises :class:`UsageError` when the contract has no ``openapi.yaml`` or
    neither ``url`` nor ``serve`` is given."""
    from teamspec.contracts.mockserver import load_contract_openapi

    document = load_contract_openapi(Path(out_dir), contract_id)
    if url is not None:
        from teamspec.contracts.conformance import run_checks

        _check_url(url)
        findings = run_checks(document, url, checks=checks, timeout_s=timeout_s)
        return VerifyResult(contract_id, url, _tag(findings, contract_id))
    if serve is None:
        serve = recorded_serve(Path(out_dir), contract_id)
    if serve is None:
        raise UsageError(f"verify {contract_id}: the contract has no 'serve:' command; give --url of a "
                         "running provider, or add 'serve:' to the contract and build again")
    findings, used = _run_provider(document, serve, Path(out_dir), contract_id, timeout_s, checks)
    return VerifyResult(contract_id, used, _tag(findings, contract_id))


def verify_provider(contract: Contract, out_dir: Path, *, timeout_s: float = 60,
                    checks: Sequence[str] | None = None) -> list[Finding]:
    """Start ``contract.serve`` in ``out_dir`` on a free port of 127.0.0.1,
    run the conformance checks against it and stop it. A provider that
    exits or does not answer is a ``provider_start`` finding. Raises
    :class:`UsageError` for a contract without ``serve`` or without an
    OpenAPI interface."""
    iface = contract.interface
    if contract.serve is None:
        raise UsageError(f"contract {contract.id} has no 'serve' command to start its provider")
    if iface is None or iface.kind != "openapi" or not isinstance(iface.document, Mapping):
        raise UsageError(f"contract {contract.id} has no OpenAPI interface to verify its provider against")
    findings, _url = _run_provider(iface.document, contract.serve, Path(out_dir), contract.id, timeout_s, checks)
    return list(_tag(findings, contract.id))


def _run_provider(document: Mapping[str, Any], serve: str, out_dir: Path, contract_id: str, timeout_s: float,
                  checks: Sequence[str] | None) -> tuple[list[Finding], str | None]:
    from teamspec.contracts.conformance import run_checks
    from teamspec.contracts.procs import ProviderStartError, running_provider
    from teamspec.layout import LOG_DIR

    log = out_dir / LOG_DIR / f"verify-{contract_id}.log"
    startup = min(STARTUP_LIMIT_S, max(1.0, timeout_s))
    try:
        with running_provider(serve, out_dir, timeout_s=startup, log=log) as provider:
            return run_checks(document, provider.url, checks=checks, timeout_s=timeout_s), provider.url
    except ProviderStartError as exc:
        tail = f"; its output ends with: {exc.log_tail[-500:]}" if exc.log_tail else ""
        return [Finding(check="provider_start", message=f"{exc.message}{tail}", contract=contract_id)], None
