"""teamspec.viz: every figure renders to a non-trivial PNG; the DAG stays
readable (no overlapping labels) with 60 contracts; reports load with clear
errors."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from teamspec import viz
from teamspec.errors import UsageError
from teamspec.model import (
    Analysis,
    BlueprintChoice,
    Contract,
    Design,
    Persona,
    Plan,
    Spec,
)
from teamspec.planning import plan_design

PERSONAS = (
    "requirement_analyst", "solution_architect", "backend_developer", "frontend_developer",
    "qa_engineer", "devops_engineer", "database_specialist", "technical_writer", "ml_engineer",
)
WORDS = (
    "api", "frontend_component", "database_migration", "integration_test_suite",
    "docs", "payment_service_contract_tests_for_the_checkout_flow",
)


def synthetic_plan(n: int = 60, *, workers: int = 4, seed: int = 1, width: int | None = None) -> Plan:
    """A plan of ``n`` hand-built contracts with random ``depends_on`` and
    ``uses`` edges (``width``: only that many contracts per dependency
    window, so the DAG gets wide), planned by the real ``plan_design``."""
    rng = random.Random(seed)
    contracts: list[Contract] = []
    for i in range(n):
        cid = f"{rng.choice(WORDS)}_{i:02d}"
        earlier = [c.id for c in contracts] if width is None else []
        deps = sorted(set(rng.sample(earlier, min(len(earlier), rng.randint(0, 2)))))
        rest = [e for e in earlier if e not in deps]
        uses = sorted(set(rng.sample(rest, min(len(rest), rng.randint(0, 1)))))
        contracts.append(Contract(
            id=cid, name=cid.replace("_", " "), type="deliverable",
            provider=PERSONAS[i % len(PERSONAS)], depends_on=tuple(deps), uses=tuple(uses),
            mock=True, effort_hours=float(rng.randint(1, 8)),
        ))
    spec = Spec(path=Path("synthetic.yaml"), name="synthetic", requirement="Build things.")
    team = tuple(Persona(id=p, name=p.replace("_", " ").title()) for p in PERSONAS)
    analysis = Analysis("feature_development", "complex", "partially_parallel", 100.0)
    design = Design(team=team, contracts=tuple(contracts),
                    blueprint=BlueprintChoice("parallel-basic", "Parallel basic", 0.9))
    return plan_design(spec, analysis, design, workers=workers)


def sample_report() -> dict[str, Any]:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [  # id, status, start, duration, worker
        ("requirements", "succeeded", 0.0, 1.0),
        ("task_api", "succeeded", 0.0, 1.2),
        ("web_ui", "failed", 1.0, 1.0),
        ("contract_tests", "succeeded", 1.2, 1.5),
        ("deployment", "blocked", None, None),
        ("docs", "up_to_date", 0.1, 0.0),
        ("ci_pipeline", "error", 2.0, 0.3),
        ("review", "succeeded", 2.5, 0.7),
    ]
    contracts = []
    for i, (cid, status, start, dur) in enumerate(rows):
        started = finished = None
        if start is not None and dur is not None:
            started = (t0 + timedelta(seconds=start)).isoformat()
            finished = (t0 + timedelta(seconds=start + dur)).isoformat()
        contracts.append({
            "id": cid, "provider": PERSONAS[i], "status": status, "attempts": 1,
            "started_at": started, "finished_at": finished,
            "start_s": start, "duration_s": dur or 0.0,
            "files": [f"src/{cid}.py", {"path": f"docs/{cid}.md"}],
            "fulfillment": 1.0 if status == "succeeded" else 0.5,
            "checks": None if cid == "docs" else 0.75,
            "quality": 0.9 if status == "succeeded" else 0.3,
            "findings": [{"check": "status_code_conformance", "message": "undeclared status 500",
                          "operation": "GET /tasks"}] if status == "failed" else [],
        })
    return {
        "spec": {"name": "sample", "path": "specs/sample.yaml"}, "teamspec_version": "0.1.0",
        "started_at": t0.isoformat(),
        "finished_at": (t0 + timedelta(seconds=3.2)).isoformat(), "executor": "simulate",
        "workers": 3, "contracts": contracts,
        "timing": {"wall_s": 3.2, "sequential_s": 5.7, "savings": 1 - 3.2 / 5.7,
                   "critical_path_s": 3.0, "lower_bound_s": 3.0, "efficiency": 3.0 / 3.2},
        "predicted": {"workers": 3, "sequential_hours": 30.0, "makespan_hours": 14.0,
                      "lower_bound_hours": 12.0, "critical_path_hours": 12.0,
                      "critical_path": ["requirements", "task_api"],
                      "barrier_makespan_hours": 16.0, "savings": 1 - 14 / 30,
                      "theoretical_max_savings": 0.6},
        "quality": {"overall": 0.71, "threshold": 0.8, "passed": False},
        "cost_usd": 0.0, "integration": {"findings": []},
    }


def assert_nontrivial_png(path: Path, *, min_bytes: int = 8_000, min_colors: int = 5) -> None:
    import matplotlib.image as mpimg
    import numpy as np

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) >= min_bytes, f"{path.name}: only {len(data)} bytes"
    pixels = mpimg.imread(path)[..., :3]
    assert pixels.shape[0] > 200 and pixels.shape[1] > 400
    assert float(pixels.std()) > 0.05, f"{path.name}: nearly uniform"
    quantized = np.unique((pixels * 15).round().reshape(-1, 3), axis=0)
    assert len(quantized) >= min_colors, f"{path.name}: only {len(quantized)} colours"
    # not mostly white: something is drawn
    assert float((pixels < 0.9).any(axis=-1).mean()) > 0.02


def save(fig: Any, path: Path) -> Path:
    path.write_bytes(viz.png_bytes(fig))
    return path


@pytest.fixture(scope="module")
def plan60() -> Plan:
    return synthetic_plan(60)


# ------------------------------------------------------------------ figures


def test_dag_figure_by_persona_is_a_nontrivial_png(tmp_path: Path, plan60: Plan) -> None:
    assert_nontrivial_png(save(viz.dag_figure(plan60), tmp_path / "dag.png"), min_colors=9)


def test_dag_figure_by_status(tmp_path: Path, plan60: Plan) -> None:
    ids = [c.id for c in plan60.contracts]
    statuses = {cid: ("succeeded", "failed", "blocked")[i % 3] for i, cid in enumerate(ids[:30])}
    fig = viz.dag_figure(plan60, color_by="status", statuses=statuses)
    assert_nontrivial_png(save(fig, tmp_path / "dag-status.png"))
    colors = {t.get_gid(): t.get_bbox_patch().get_facecolor() for t in _node_texts(fig)}
    from matplotlib.colors import to_rgba

    assert colors[f"node:{ids[0]}"] == to_rgba(viz.STATUS_COLORS["succeeded"])
    assert colors[f"node:{ids[1]}"] == to_rgba(viz.STATUS_COLORS["failed"])
    assert colors[f"node:{ids[-1]}"] == to_rgba(viz.STATUS_COLORS["pending"])


def test_predicted_gantt_figure(tmp_path: Path, plan60: Plan) -> None:
    assert_nontrivial_png(save(viz.predicted_gantt_figure(plan60), tmp_path / "g.png"))


def test_gantt_figure_from_mapping_file_and_directory(tmp_path: Path) -> None:
    report = sample_report()
    (tmp_path / ".teamspec").mkdir()
    (tmp_path / ".teamspec" / "report.json").write_text(json.dumps(report))
    for name, source in (("m", report), ("f", tmp_path / ".teamspec" / "report.json"),
                         ("d", tmp_path)):
        fig = viz.gantt_figure(source)
        assert_nontrivial_png(save(fig, tmp_path / f"gantt-{name}.png"))
        # one path per contract that ran, spanning its measured seconds (a zero
        # duration still gets a sliver: 0.4% of the chart); the blocked one has none
        ran = [c for c in report["contracts"] if c["started_at"]]
        end = max(c["start_s"] + c["duration_s"] for c in ran)
        (bars,) = [c for c in fig.axes[0].collections if c.get_gid() == "bars"]
        spans = sorted((round(float(p.vertices[:, 0].min()), 6), round(float(p.vertices[:, 0].max()), 6))
                       for p in bars.get_paths())
        assert spans == sorted(
            (c["start_s"], round(c["start_s"] + max(c["duration_s"], end * 0.004), 6)) for c in ran
        )
        assert sorted(_label_texts(fig, 7.0)) == sorted(
            c["id"] for c in ran if c["duration_s"] >= 0.3)  # wide enough for their ids
        assert _label_texts(fig, 8.0)[:3] == ["worker 0", "worker 1", "worker 2"]


def _label_texts(fig: Any, fontsize: float) -> list[str]:
    """The texts of a figure's label layers of ``fontsize`` (bar labels: 7;
    lane names and legend entries: 8), in drawing order."""
    return [
        text
        for artist in [*fig.axes[0].get_children(), *fig.get_children()]
        if getattr(artist, "fontsize", None) == fontsize and hasattr(artist, "items")
        for _x, _y, text, _color in artist.items
    ]


def _pixels(png: bytes) -> Any:
    import io

    import matplotlib.image as mpimg

    return mpimg.imread(io.BytesIO(png), format="png")


def replanned(plan: Plan, workers: int) -> Plan:
    return plan_design(plan.spec, plan.analysis, Design(plan.team, plan.contracts, plan.blueprint),
                       workers=workers)


def test_predicted_gantt_labels_and_legend(plan60: Plan) -> None:
    fig = viz.predicted_gantt_figure(plan60)
    (bars,) = [c for c in fig.axes[0].collections if c.get_gid() == "bars"]
    assert len(bars.get_paths()) == len(plan60.contracts)
    labels = _label_texts(fig, 7.0)
    ids = {c.id for c in plan60.contracts}
    assert len(labels) > len(ids) // 2  # most bars are wide enough for a (shortened) label
    for label in labels:
        assert label in ids or ("…" in label and any(
            i.startswith(label.split("…")[0]) and i.endswith(label.split("…")[1]) for i in ids
        )), label
    names = _label_texts(fig, 8.0)
    assert names[: plan60.workers] == [f"worker {i}" for i in range(plan60.workers)]
    assert "Backend Developer" in names and "Ml Engineer" in names  # the legend


def test_label_layers_stay_text_in_vector_output(plan60: Plan) -> None:
    import io

    buf = io.StringIO()
    viz.predicted_gantt_figure(plan60).savefig(buf, format="svg")
    svg = buf.getvalue()
    bar_label = _label_texts(viz.predicted_gantt_figure(plan60), 7.0)[0]
    for text in ("worker 0", "worker 3", bar_label, "Technical Writer"):
        assert f"<!-- {text} -->" in svg, text  # matplotlib names every text it draws


@pytest.mark.parametrize("kind", ["schedule", "savings"])
def test_canvas_redraws_in_place_exactly_like_a_new_figure(plan60: Plan, kind: str) -> None:
    """The live canvases keep one figure and update it for each plan: after
    moves to 12, 1, 7 and 2 workers, the picture for 3 workers is pixel for
    pixel a new canvas's and the static figure's at the same dpi."""
    canvas_type = viz.ScheduleCanvas if kind == "schedule" else viz.SavingsCanvas
    static = viz.predicted_gantt_figure if kind == "schedule" else viz.savings_figure
    canvas = canvas_type(dpi=80)
    pictures = {w: canvas.png(replanned(plan60, w)) for w in (12, 1, 7, 2)}
    figure = canvas.figure
    assert len(set(pictures.values())) == 4  # a different picture for each plan
    target = replanned(plan60, 3)
    got = _pixels(canvas.png(target))
    assert canvas.figure is figure  # updated in place, not rebuilt
    assert (got == _pixels(canvas_type(dpi=80).png(target))).all()
    assert (got == _pixels(viz.png_bytes(static(target), dpi=80))).all()
    assert got.shape[1] == (800 if kind == "schedule" else 520)
    if kind == "schedule":  # the figure grows and shrinks with the lanes
        assert got.shape[0] > _pixels(pictures[2]).shape[0]


def test_schedule_canvas_rebuilds_for_another_team(plan60: Plan) -> None:
    canvas = viz.ScheduleCanvas(dpi=80)
    canvas.png(plan60)
    first = canvas.figure
    other = synthetic_plan(5, seed=3)  # five personas: another legend
    got = _pixels(canvas.png(other))
    assert canvas.figure is not first
    assert (got == _pixels(viz.png_bytes(viz.predicted_gantt_figure(other), dpi=80))).all()


def test_savings_figure_plan_report_and_both(tmp_path: Path, plan60: Plan) -> None:
    report = sample_report()
    one = viz.savings_figure(plan60)
    assert_nontrivial_png(save(one, tmp_path / "s1.png"), min_bytes=5_000)
    from_report = viz.savings_figure(report=report)
    assert_nontrivial_png(save(from_report, tmp_path / "s2.png"), min_bytes=5_000)
    assert [ax.get_title() for ax in from_report.axes] == [
        "plan: predicted savings 53%", "build: measured savings 44% · efficiency 0.94"]
    assert [t.get_text() for t in from_report.axes[0].texts] == [
        "30.0 h (100%)", "14.0 h (47%)", "16.0 h (53%)", "12.0 h (40%)"]
    assert [t.get_text() for t in from_report.axes[1].texts] == [
        "5.70 s (100%)", "3.20 s (56%)", "3.00 s (53%)", "3.00 s (53%)"]
    without = {k: v for k, v in report.items() if k != "predicted"}
    assert len(viz.savings_figure(report=without).axes) == 1
    both = viz.savings_figure(plan60, report)
    assert_nontrivial_png(save(both, tmp_path / "s3.png"), min_bytes=5_000)
    assert len(both.axes) == 2
    labels = [t.get_text() for t in one.axes[0].get_yticklabels()]
    assert labels == ["sequential (1 worker)", "predicted (4 workers)", "level by level (barrier)",
                      "lower bound"]
    values = [t.get_text() for t in one.axes[0].texts]
    assert values[0] == f"{plan60.sequential_hours:.0f} h (100%)"
    assert one.axes[0].get_title() == f"plan: predicted savings {plan60.predicted_savings:.0%}"
    assert both.axes[1].get_title() == "build: measured savings 44% · efficiency 0.94"


def test_savings_figure_needs_something() -> None:
    with pytest.raises(UsageError) as e:
        viz.savings_figure()
    assert e.value.lines() == ["error: savings_figure: pass a plan, a report, or both"]


def test_quality_figure(tmp_path: Path) -> None:
    fig = viz.quality_figure(sample_report())
    assert_nontrivial_png(save(fig, tmp_path / "q.png"))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "checks: n/a" in texts  # the contract without machine checks


def test_plan_png_and_report_png(tmp_path: Path, plan60: Plan) -> None:
    out = viz.plan_png(plan60, tmp_path / "sub" / "plan.png")
    assert out == tmp_path / "sub" / "plan.png"
    assert_nontrivial_png(out, min_bytes=50_000, min_colors=9)
    report = sample_report()
    (tmp_path / "build" / ".teamspec").mkdir(parents=True)
    (tmp_path / "build" / ".teamspec" / "report.json").write_text(json.dumps(report))
    assert_nontrivial_png(viz.report_png(tmp_path / "build", tmp_path / "report.png"),
                          min_bytes=30_000)
    assert_nontrivial_png(viz.report_png(report, tmp_path / "report2.png"), min_bytes=30_000)


def test_figures_display_as_png_in_ipython(plan60: Plan) -> None:
    fig = viz.savings_figure(plan60)
    assert fig._repr_png_()[:4] == b"\x89PNG"  # type: ignore[attr-defined]


def test_no_pyplot_and_no_display_needed() -> None:
    code = (
        "import sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from test_viz import synthetic_plan\n"
        "from teamspec import viz\n"
        "viz.png_bytes(viz.dag_figure(synthetic_plan(10)))\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    env["PYTHONPATH"] = str(root)
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


# ------------------------------------------------------------------ DAG readability


def _node_texts(fig: Any) -> list[Any]:
    fig.canvas.draw()
    return [t for t in fig.axes[0].texts if str(t.get_gid()).startswith("node:")]


def _assert_no_overlap(fig: Any, expected: int) -> None:
    texts = _node_texts(fig)
    assert len(texts) == expected
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_gid(), t.get_bbox_patch().get_window_extent(renderer)) for t in texts]
    figbox = fig.bbox
    for gid, box in boxes:
        assert figbox.x0 <= box.x0 and box.x1 <= figbox.x1, f"{gid} outside the figure"
        assert figbox.y0 <= box.y0 and box.y1 <= figbox.y1, f"{gid} outside the figure"
    overlaps = [(a, b) for (a, ba), (b, bb) in combinations(boxes, 2) if ba.overlaps(bb)]
    assert overlaps == []
    # the text itself stays inside its box
    for t in texts:
        inner = t.get_window_extent(renderer)
        outer = t.get_bbox_patch().get_window_extent(renderer)
        assert outer.x0 <= inner.x0 + 0.5 and inner.x1 <= outer.x1 + 0.5


def test_60_contract_dag_labels_do_not_overlap(plan60: Plan) -> None:
    _assert_no_overlap(viz.dag_figure(plan60), 60)


def test_60_independent_contracts_are_split_into_columns() -> None:
    plan = synthetic_plan(60, width=0, seed=3)
    assert len(plan.groups) == 1
    fig = viz.dag_figure(plan)
    _assert_no_overlap(fig, 60)
    _w, h = fig.get_size_inches()
    assert h < 12, "one generation of 60 is split into sub-columns, not one tall column"


def test_critical_path_and_interface_edges(plan60: Plan) -> None:
    from matplotlib.colors import to_rgba
    from matplotlib.patches import FancyArrowPatch

    fig = viz.dag_figure(plan60)
    texts = {t.get_gid(): t for t in _node_texts(fig)}
    red = to_rgba("#d62728")
    for cid in plan60.critical_path:
        assert texts[f"node:{cid}"].get_bbox_patch().get_edgecolor() == red
    others = [c.id for c in plan60.contracts if c.id not in plan60.critical_path]
    assert all(texts[f"node:{cid}"].get_bbox_patch().get_edgecolor() != red for cid in others)
    arrows = [a for a in fig.axes[0].get_children() if isinstance(a, FancyArrowPatch)]
    kinds = [d["kind"] for _u, _v, d in plan60.graph.edges(data=True)]
    assert len(arrows) == len(kinds)
    dashed = [a for a in arrows if a.get_linestyle() not in ("-", "solid")]
    assert len(dashed) == kinds.count("interface") > 0
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[-3:] == ["depends_on (waits)", "uses (interface, no wait)", "critical path"]
    assert "Backend Developer" in legend and "Ml Engineer" in legend


def test_layers_are_topological_generations(plan60: Plan) -> None:
    fig = viz.dag_figure(plan60)
    texts = {t.get_gid()[5:]: t for t in _node_texts(fig)}
    x = {cid: t.get_position()[0] for cid, t in texts.items()}
    for u, v in plan60.graph.edges():
        assert x[u] < x[v], f"{u} -> {v} does not go left to right"


def test_dag_color_by_must_be_known(plan60: Plan) -> None:
    with pytest.raises(UsageError) as e:
        viz.dag_figure(plan60, color_by="size")
    assert e.value.lines() == ["error: color_by: expected 'persona' or 'status', found 'size'"]


# ------------------------------------------------------------------ helpers


def test_persona_colors_are_stable_and_distinct() -> None:
    a = viz.persona_colors(["backend_developer", "ml_engineer", "data_engineer"])
    b = viz.persona_colors(["data_engineer", "ml_engineer", "backend_developer", "qa_engineer"])
    assert a["backend_developer"] == b["backend_developer"] == "#80b1d3"
    assert a["ml_engineer"] == b["ml_engineer"]
    assert a["data_engineer"] == b["data_engineer"]
    assert len(set(b.values())) == 4


def test_wrap_label() -> None:
    assert viz.wrap_label("task_api") == "task_api"
    assert viz.wrap_label("integration_test_suite_06") == "integration_test_\nsuite_06"
    long = viz.wrap_label("payment_service_contract_tests_for_the_checkout_flow_01")
    assert long == "payment_service_\n…checkout_flow_01"
    assert all(len(line) <= 20 for line in long.split("\n"))
    assert viz.wrap_label("x" * 50) == "x" * 20 + "\n…" + "x" * 19


def test_report_workers_greedy_lanes() -> None:
    lanes = viz.report_workers(sample_report())
    expected = {
        "requirements": (0.0, 1.0, 0),
        "task_api": (0.0, 1.2, 1),
        "docs": (0.1, 0.1, 2),
        "web_ui": (1.0, 2.0, 0),
        "contract_tests": (1.2, 2.7, 1),
        "ci_pipeline": (2.0, 2.3, 0),
        "review": (2.5, 3.2, 0),
    }
    assert lanes.keys() == expected.keys()
    for cid, value in expected.items():
        assert lanes[cid] == pytest.approx(value, abs=1e-6), cid


def test_report_workers_from_timestamps_when_there_is_no_start_s() -> None:
    report = sample_report()
    for c in report["contracts"]:
        del c["start_s"]
    relative = viz.report_workers(sample_report())
    absolute = viz.report_workers(report)
    assert absolute.keys() == relative.keys()
    for cid, value in relative.items():
        assert absolute[cid] == pytest.approx(value, abs=1e-6), cid


def test_report_name() -> None:
    assert viz.report_name(sample_report()) == "sample"
    assert viz.report_name({"spec": "old-style"}) == "old-style"
    assert viz.report_name({}) == "build"


def test_report_workers_uses_worker_field() -> None:
    report = sample_report()
    for i, c in enumerate(report["contracts"]):
        c["worker"] = 2 - i % 3
    lanes = viz.report_workers(report)
    assert lanes["requirements"][2] == 2 and lanes["task_api"][2] == 1
    assert lanes["web_ui"][2] == 0


# ------------------------------------------------------------------ load_report


def test_load_report_reads_out_dir_and_file(tmp_path: Path) -> None:
    (tmp_path / ".teamspec").mkdir()
    (tmp_path / ".teamspec" / "report.json").write_text('{"spec": "x"}')
    assert viz.load_report(tmp_path) == {"spec": "x"}
    assert viz.load_report(tmp_path / ".teamspec" / "report.json") == {"spec": "x"}


def test_load_report_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(UsageError) as e:
        viz.load_report(missing)
    assert e.value.lines() == [
        f"error: {missing}: no such output directory; run `teamspec build SPEC -o {missing}` "
        "first, or pass the output directory of a finished build"
    ]


def test_load_report_directory_without_report(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as e:
        viz.load_report(tmp_path)
    assert e.value.lines() == [
        f"error: {tmp_path}: no build report: expected {tmp_path}/.teamspec/report.json; run "
        f"`teamspec build SPEC -o {tmp_path}` first, or pass the output directory of a "
        "finished build"
    ]


def test_load_report_invalid_json(tmp_path: Path) -> None:
    (tmp_path / ".teamspec").mkdir()
    path = tmp_path / ".teamspec" / "report.json"
    path.write_text('{\n  "spec": "x",\n  "contracts": [\n')
    with pytest.raises(UsageError) as e:
        viz.load_report(tmp_path)
    assert e.value.lines() == [
        f"{path}:4:1: error: the build report is not valid JSON (Expecting value); run "
        "`teamspec build` again to rewrite it"
    ]


def test_load_report_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("[1, 2]")
    with pytest.raises(UsageError) as e:
        viz.load_report(path)
    assert e.value.lines() == [
        f"{path}:1:1: error: expected a build report (a JSON object), found a JSON list; "
        "run `teamspec build` again to rewrite it"
    ]


def test_plan_png_unwritable_path(tmp_path: Path, plan60: Plan) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError) as e:
        viz.plan_png(plan60, tmp_path / "file" / "x.png")
    assert e.value.lines()[0].startswith(f"error: {tmp_path}/file/x.png: cannot write the picture: ")


def test_plan_png_parts(tmp_path: Path, plan60: Plan) -> None:
    import matplotlib.image as mpimg

    dag = viz.plan_png(plan60, tmp_path / "dag.png", parts=("dag",))
    alone = viz.dag_figure(plan60)
    w, h = alone.get_size_inches()
    assert mpimg.imread(dag).shape[:2] == (round(h * 100), round(w * 100))
    savings = viz.plan_png(plan60, tmp_path / "savings.png", parts=("savings",))
    assert_nontrivial_png(savings, min_bytes=5_000)
    assert mpimg.imread(savings).shape[:2] == mpimg.imread(
        save(viz.savings_figure(plan60), tmp_path / "s.png")).shape[:2]
    both = viz.plan_figure(plan60, parts=("savings", "schedule"))
    assert len(both.subfigs) == 2


def test_unknown_parts(plan60: Plan) -> None:
    with pytest.raises(UsageError) as e:
        viz.plan_figure(plan60, parts=("dag", "pie"))
    assert e.value.lines() == [
        "error: plan_figure: expected parts from dag, schedule, savings, found 'pie'"
    ]
    with pytest.raises(UsageError) as e:
        viz.report_figure(sample_report(), parts=())
    assert e.value.lines() == [
        "error: report_figure: expected parts from gantt, savings, quality, found nothing"
    ]


def test_reports_without_timing_or_contracts_still_draw(tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reports: list[dict[str, Any]] = [{"spec": "empty"}, {
            "spec": "x", "contracts": [{"id": "a", "status": "blocked"}], "timing": {},
        }]
        for i, report in enumerate(reports):
            fig = viz.report_figure(report)
            texts = [t.get_text() for sub in fig.subfigs for ax in sub.axes for t in ax.texts]
            assert "no timing recorded" in texts
            assert viz.report_png(report, tmp_path / f"r{i}.png").stat().st_size > 5_000
