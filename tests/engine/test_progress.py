from __future__ import annotations

import io
from pathlib import Path

from teamspec.engine.events import BuildEvent
from teamspec.engine.progress import ProgressView
from teamspec.engine.runner import build
from tests.engine.helpers import contract, make_plan


def _events() -> list[BuildEvent]:
    return [
        BuildEvent("build_started", 0.0, total=2, workers=2, message="/tmp/out"),
        BuildEvent("contract_started", 0.1, contract="a", attempt=1, reason="new"),
        BuildEvent("contract_retry", 0.2, contract="a", attempt=1, delay_s=0.5, message="exit code 75"),
        BuildEvent("contract_started", 0.7, contract="a", attempt=2),
        BuildEvent("contract_finished", 0.9, contract="a", status="succeeded", duration_s=0.8),
        BuildEvent("contract_finished", 0.9, contract="b", status="blocked", reason="depends on x, which failed"),
        BuildEvent("build_finished", 1.0, status="failed"),
    ]


def test_plain_lines_when_not_a_tty() -> None:
    buf = io.StringIO()
    view = ProgressView(buf, is_tty=False)
    for e in _events():
        view.handle(e)
    view.close()
    assert buf.getvalue() == (
        "building 2 contracts into /tmp/out with 2 workers\n"
        "start a (new)\n"
        "retry a: attempt 1 failed (exit code 75); trying again in 0.5 s\n"
        "start a attempt 2\n"
        "ok a in 0.80 s\n"
        "blocked b: depends on x, which failed\n"
    )


def test_tty_redraws_status_block_with_color() -> None:
    buf = io.StringIO()
    view = ProgressView(buf, is_tty=True, color=True)
    for e in _events()[:2]:
        view.handle(e)
    text = buf.getvalue()
    assert "\x1b[36mrunning\x1b[0m a (" in text
    assert text.endswith("[0/2] 1 running\n")
    view.handle(_events()[4])
    text = buf.getvalue()
    assert "\x1b[2F\x1b[J" in text  # the two-line block was erased and redrawn
    assert "\x1b[32mok\x1b[0m a in 0.80 s\n" in text
    view.handle(_events()[-1])
    assert buf.getvalue().endswith("\x1b[1F\x1b[J")  # the block is gone at the end


def test_no_color_env(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_COLOR", "1")
    buf = io.StringIO()
    view = ProgressView(buf, is_tty=True)
    for e in _events():
        view.handle(e)
    assert "\x1b[3" not in buf.getvalue() and "\x1b[0m" not in buf.getvalue()


def test_summary_of_real_builds(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, [contract("a", run="true"), contract("b", run="sh -c 'exit 3'")])
    buf = io.StringIO()
    view = ProgressView(buf, is_tty=False)
    r = build(plan, out=tmp_path / "out", on_event=view.handle)
    text = view.summary(r)
    assert text.startswith("2 contracts: 1 succeeded, 1 failed in ")
    assert "failed b: exit code 3\n  log: " in text
    assert text.endswith(f"report: {tmp_path / 'out'}/.teamspec/report.md")
    r = build(make_plan(tmp_path, [contract("a", run="true")]), out=tmp_path / "out")
    assert view.summary(r).startswith("everything is up to date (1 contract); no file rewritten")
    r = build(plan, out=tmp_path / "out", dry_run=True)
    assert view.summary(r) == ("dry run: nothing was written\n"
                               "  up to date   a: up to date\n"
                               "  would run    b: last build: failed")
