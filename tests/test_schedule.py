"""The shared list-scheduling policy (teamspec.schedule): hand-computed
schedules, the dispatch state machine the engine drives, and the guarantees
of list scheduling (validity, no idling, priority order, Graham's bound)."""

from __future__ import annotations

import importlib.util
import itertools
import random
import sys
from collections.abc import Collection, Mapping
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teamspec.schedule import ListScheduler, barrier_makespan, simulate

Schedule = dict[str, tuple[float, float, int]]


def _load_graphs() -> ModuleType:
    """benchmarks/_graphs.py, the generators the benchmarks use."""
    name = "teamspec_benchmarks_graphs"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "_graphs.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


graphs = _load_graphs()


def bottom_levels(deps: Mapping[str, Collection[str]], dur: Mapping[str, float]) -> dict[str, float]:
    memo: dict[str, float] = {}
    succ: dict[str, list[str]] = {c: [] for c in deps}
    for c, ds in deps.items():
        for d in ds:
            succ[d].append(c)

    def level(c: str) -> float:
        if c not in memo:
            memo[c] = dur[c] + max((level(s) for s in succ[c]), default=0.0)
        return memo[c]

    return {c: level(c) for c in deps}


def critical_path(deps: Mapping[str, Collection[str]], dur: Mapping[str, float]) -> float:
    return max(bottom_levels(deps, dur).values(), default=0.0)


def assert_valid_list_schedule(
    deps: Mapping[str, Collection[str]],
    dur: Mapping[str, float],
    prio: Mapping[str, float],
    order: list[str],
    m: int,
    out: Schedule,
) -> None:
    """Everything a list schedule promises, checked on a result of simulate."""
    assert set(out) == set(deps)
    rank = {c: i for i, c in enumerate(order)}
    ready_at = {c: max((out[d][1] for d in deps[c]), default=0.0) for c in deps}
    for c, (start, finish, w) in out.items():
        assert 0 <= w < m
        assert finish == pytest.approx(start + dur[c])
        assert start >= ready_at[c] - 1e-9, f"{c} started before its dependencies finished"
    for w in range(m):  # one contract at a time per worker
        slots = sorted((s, f) for s, f, ww in out.values() if ww == w)
        for (_, f1), (s2, _) in itertools.pairwise(slots):
            assert s2 >= f1 - 1e-9
    for c, (start, _, _) in out.items():
        # never idle: while c was ready and waiting, every worker was busy
        waiting = {ready_at[c], *(t for s, f, _ in out.values() for t in (s, f))}
        for t in sorted(x for x in waiting if ready_at[c] <= x < start):
            busy = sum(1 for s, f, _ in out.values() if s <= t < f)
            assert busy == m, f"{c} was ready at {t} while only {busy} of {m} workers were busy"
        # priority order: nothing that was ready when c started and started later outranks c
        for o, (o_start, _, _) in out.items():
            if o != c and ready_at[o] <= start < o_start:
                assert (prio[c], -rank[c]) >= (prio[o], -rank[o])


# -- hand-computed schedules ---------------------------------------------------


def test_bottom_level_priority_beats_declaration_order() -> None:
    # c -> d is the long chain; a and b are declared first but wait.
    deps: dict[str, tuple[str, ...]] = {"a": (), "b": (), "c": (), "d": ("c",)}
    dur = {"a": 2.0, "b": 2.0, "c": 1.0, "d": 3.0}
    prio = bottom_levels(deps, dur)
    assert prio == {"a": 2.0, "b": 2.0, "c": 4.0, "d": 3.0}
    out = simulate(deps, dur, prio, 2, order=["a", "b", "c", "d"])
    assert out == {
        "c": (0.0, 1.0, 0),
        "a": (0.0, 2.0, 1),
        "d": (1.0, 4.0, 0),
        "b": (2.0, 4.0, 1),
    }
    # declaration order as the only priority: 2 hours worse
    fifo = simulate(deps, dur, {}, 2, order=["a", "b", "c", "d"])
    assert max(f for _, f, _ in fifo.values()) == 6.0


def test_diamond_on_two_workers() -> None:
    deps: dict[str, tuple[str, ...]] = {"a": (), "b": ("a",), "c": ("a",), "d": ("b", "c")}
    dur = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 1.0}
    out = simulate(deps, dur, bottom_levels(deps, dur), 2, order=list(deps))
    assert out == {
        "a": (0.0, 1.0, 0),
        "c": (1.0, 4.0, 0),  # higher bottom level, first free worker
        "b": (1.0, 3.0, 1),
        "d": (4.0, 5.0, 0),  # both workers free: the lowest number
    }


def test_ties_follow_the_given_order_and_workers_are_reused_lowest_first() -> None:
    deps: dict[str, tuple[str, ...]] = {x: () for x in "pqrst"}
    dur = dict.fromkeys(deps, 1.0)
    out = simulate(deps, dur, dict.fromkeys(deps, 5.0), 2, order=["t", "s", "r", "q", "p"])
    assert out == {
        "t": (0.0, 1.0, 0), "s": (0.0, 1.0, 1),
        "r": (1.0, 2.0, 0), "q": (1.0, 2.0, 1),
        "p": (2.0, 3.0, 0),
    }


def test_completions_at_one_instant_are_all_seen_before_starting() -> None:
    # a and b finish together at 2; e (after b) outranks c and f (after a).
    deps: dict[str, tuple[str, ...]] = {
        "a": (), "b": (), "z": (), "c": ("a",), "f": ("a",), "e": ("b",),
    }
    dur = {"a": 2.0, "b": 2.0, "z": 5.0, "c": 1.0, "f": 1.0, "e": 1.0}
    prio = {"a": 1.0, "b": 1.0, "z": 9.0, "c": 1.0, "f": 5.0, "e": 10.0}
    out = simulate(deps, dur, prio, 3, order=list(deps))
    assert out["e"][0] == 2.0 and out["f"][0] == 2.0
    assert out["c"][0] == 3.0


def test_zero_duration_contracts() -> None:
    deps: dict[str, tuple[str, ...]] = {"a": (), "b": ("a",), "c": ("b",)}
    dur = {"a": 0.0, "b": 2.0, "c": 0.0}
    out = simulate(deps, dur, bottom_levels(deps, dur), 1, order=list(deps))
    assert out == {"a": (0.0, 0.0, 0), "b": (0.0, 2.0, 0), "c": (2.0, 2.0, 0)}


def test_one_worker_runs_everything_back_to_back() -> None:
    dag = graphs.layered_dag(40, seed=3)
    out = simulate(dag.deps, dag.effort, dag.bottom_levels(), 1, order=list(dag.ids))
    assert max(f for _, f, _ in out.values()) == dag.total
    assert {w for _, _, w in out.values()} == {0}


def test_barrier_makespan_waits_for_each_whole_generation() -> None:
    dur = {"a": 3.0, "b": 2.0, "c": 2.0, "d": 1.0}
    # generation 0 longest first on 2 workers: a | b, c -> 4; then d -> 1
    assert barrier_makespan([["a", "b", "c"], ["d"]], dur, 2) == 5.0
    assert barrier_makespan([["a", "b", "c"], ["d"]], dur, 1) == 8.0
    assert barrier_makespan([], dur, 3) == 0.0


def test_workers_below_one_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"^workers must be at least 1$"):
        ListScheduler({"a": ()}, {}, 0)


# -- the dispatch state machine the engine drives ---------------------------------

#   a ─▶ b ─▶ c ─▶ f
#   └──▶ d          ▲
#   e ──────────────┘
DEPS: dict[str, tuple[str, ...]] = {
    "a": (), "b": ("a",), "c": ("b",), "d": ("a",), "e": (), "f": ("c", "e"),
}
ORDER = list(DEPS)


def test_take_respects_workers_and_priority() -> None:
    prio = {"a": 3.0, "e": 7.0}
    s = ListScheduler(DEPS, prio, 1, order=ORDER)
    assert s.ready == ["e", "a"]
    assert s.take() == ["e"]
    assert s.take() == []  # the one worker is busy
    assert s.running == {"e"}
    assert s.complete("e") == []
    assert s.take() == ["a"]
    assert not s.idle


def test_take_with_fewer_slots_than_workers() -> None:
    s = ListScheduler(DEPS, {}, 4, order=ORDER)
    assert s.take(1) == ["a"]
    assert s.take() == ["e"]


def test_failure_blocks_transitive_dependents_and_independent_work_finishes() -> None:
    s = ListScheduler(DEPS, {}, 2, order=ORDER)
    assert s.take() == ["a", "e"]
    assert s.complete("a", ok=False) == ["b", "c", "d", "f"]
    assert s.blocked == {"b", "c", "d", "f"}
    assert s.take() == []
    assert s.complete("e") == []
    assert s.finished == {"e"}
    assert s.idle


def test_failure_of_a_leaf_blocks_nothing_and_a_second_failure_reports_only_new() -> None:
    s = ListScheduler(DEPS, {}, 3, order=ORDER)
    assert s.take() == ["a", "e"]
    assert s.complete("a") == []
    assert s.take() == ["b", "d"]
    assert s.complete("d", ok=False) == []
    assert s.complete("e", ok=False) == ["f"]
    assert s.complete("b", ok=True) == []
    assert s.take() == ["c"]
    assert s.complete("c", ok=False) == []  # f is already blocked
    assert s.blocked == {"f"}
    assert s.idle


def test_done_resumes_after_finished_contracts() -> None:
    s = ListScheduler(DEPS, {}, 4, order=ORDER, done={"a", "e"})
    assert s.finished == {"a", "e"}
    assert s.take() == ["b", "d"]
    s.complete("b")
    assert s.take() == ["c"]
    s.complete("c")
    assert s.take() == ["f"]


def test_done_ignores_unknown_ids() -> None:
    s = ListScheduler(DEPS, {}, 4, order=ORDER, done={"a", "zz"})
    assert s.finished == {"a"}


def test_cancel_pending_returns_what_will_not_start() -> None:
    s = ListScheduler(DEPS, {}, 1, order=ORDER)
    assert s.take() == ["a"]
    assert s.cancel_pending() == ["e", "b", "c", "d", "f"]  # ready first, then waiting
    assert s.running == {"a"}
    assert not s.idle
    assert s.complete("a") == []  # dependents are cancelled: nothing released
    assert s.take() == []
    assert s.idle
    assert s.cancel_pending() == []


def test_simulate_is_deterministic_whatever_the_mapping_order() -> None:
    dag = graphs.layered_dag(120, seed=11)
    prio = dag.bottom_levels()
    first = simulate(dag.deps, dag.effort, prio, 4, order=list(dag.ids))
    keys = list(dag.ids)
    random.Random(5).shuffle(keys)
    shuffled_deps = {k: dag.deps[k] for k in keys}
    shuffled_prio = {k: prio[k] for k in reversed(keys)}
    again = simulate(shuffled_deps, dag.effort, shuffled_prio, 4, order=list(dag.ids))
    assert again == first


# -- guarantees over random graphs -------------------------------------------------


@pytest.mark.parametrize("m", [1, 2, 3, 4, 8])
def test_grahams_bound_on_random_layered_dags(m: int) -> None:
    for seed in range(40):
        n = 10 + (seed * 37) % 150
        dag = graphs.layered_dag(n, seed=seed)
        prio = dag.bottom_levels()
        out = simulate(dag.deps, dag.effort, prio, m, order=list(dag.ids))
        assert_valid_list_schedule(dag.deps, dag.effort, prio, list(dag.ids), m, out)
        makespan = max(f for _, f, _ in out.values())
        cp = dag.critical_path_hours()
        assert makespan <= dag.total / m + (1 - 1 / m) * cp + 1e-9, (n, seed)
        assert makespan >= max(cp, dag.total / m) - 1e-9, (n, seed)


@st.composite
def dags(draw: st.DrawFn) -> tuple[dict[str, tuple[str, ...]], dict[str, float], dict[str, float]]:
    n = draw(st.integers(1, 25))
    ids = [f"t{i}" for i in range(n)]
    deps = {
        c: tuple(sorted(draw(st.sets(st.sampled_from(ids[:i]), max_size=4)) if i else ()))
        for i, c in enumerate(ids)
    }
    durations = st.one_of(st.integers(0, 12).map(float), st.floats(0.05, 9.5))
    dur = {c: draw(durations) for c in ids}
    prio = {c: draw(st.floats(-5, 5)) for c in ids}  # any priority: still a list schedule
    return deps, dur, prio


@settings(max_examples=150, deadline=None)
@given(dags(), st.integers(1, 6))
def test_any_priority_gives_a_valid_list_schedule_within_grahams_bound(
    g: tuple[dict[str, tuple[str, ...]], dict[str, float], dict[str, float]], m: int
) -> None:
    deps, dur, prio = g
    order = list(deps)
    out = simulate(deps, dur, prio, m, order=order)
    makespan = max(f for _, f, _ in out.values())
    cp = critical_path(deps, dur)
    total = sum(dur.values())
    assert makespan <= total / m + (1 - 1 / m) * cp + 1e-6
    assert makespan >= max(cp, total / m) - 1e-6
    if all(d > 0 for d in dur.values()):
        assert_valid_list_schedule(deps, dur, prio, order, m, out)


@pytest.mark.parametrize("k", [2, 4, 8, 16])
def test_staircase_list_schedule_is_optimal_and_barrier_is_k_times_worse(k: int) -> None:
    dag = graphs.staircase(k)
    long_h, short_h = float(k * k), 1.0
    out = simulate(dag.deps, dag.effort, dag.bottom_levels(), k, order=list(dag.ids))
    makespan = max(f for _, f, _ in out.values())
    cp = long_h + (k - 1) * short_h
    assert dag.critical_path_hours() == cp
    assert makespan == cp  # every chain on its own worker: optimal
    generations = [[f"s{chain:02d}_{pos:02d}" for chain in range(k)] for pos in range(k)]
    barrier = barrier_makespan(generations, dag.effort, k)
    assert barrier == k * long_h  # one long task in every generation
    assert barrier / makespan == pytest.approx(k * k * k / (k * k + k - 1))
    assert barrier / makespan >= 0.8 * k
