"""Staffing optimisation (issue 14, part 1): the analytic start, the simulated search
against exhaustive search on a small instance, infeasible budgets, and the command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sim
from sim.capacity import offered_load
from sim.cli import app
from sim.errors import BadInput
from sim.optimise import (
    _largest_remainder,
    analytic_allocation,
    budget_needed,
    kn_select,
    predicted_wait_min,
    staffed_groups,
)
from sim.scenario import Scenario
from sim.stats import half_width
from sim.targets import Target
from tests.conftest import small_county, write_yaml

runner = CliRunner()
TARGET = Target("wait_min_p90", 20)
REPS = 5


def three_halls(loads: tuple[float, ...] = (1.0, 2.5, 4.5), days: int = 5) -> dict:
    """Three towns far apart, each with its own hall (catchment: its town), one item of
    exponential 10-min work: three independent M/M/c queues over the working day with
    offered loads ``loads`` (windows' worth of work)."""
    names = ["Ahe", "Beiji", "Chenzhuang"][: len(loads)]
    return {
        "name": "three halls",
        "seed": 3,
        "horizon": {"days": days},
        "calendar": {"opening_hours": [["09:00", "17:00"]]},
        "travel": {"modes": [{"name": "car", "speed_kmh": 50, "share": 1}]},
        "geography": {
            "towns": [
                {"name": n, "population": 1000 * load, "x_km": 30 * i, "y_km": 0}
                for i, (n, load) in enumerate(zip(names, loads, strict=True))
            ]
        },
        "demand": {"days_per_year": 1},
        "services": [
            {
                "id": "item",
                "kind": "approval",
                "department": "d",
                "per_1000_residents_per_year": 48,  # 6 an hour per 1000: load 1 per 1000
                "service_min": {"dist": "exponential", "mean": 10},
            }
        ],
        "halls": [
            {"name": f"{n} hall", "at": n, "catchment": [n], "windows": [{"count": 4}]}
            for n in names
        ],
    }


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario.model_validate(three_halls())


@pytest.fixture(scope="module")
def exhaustive(scenario: Scenario) -> dict[tuple[int, ...], dict]:
    """Every allocation of 12 staff (≥ 1 each) simulated with the optimiser's seed and
    replications: objective per replication and whether the target is met at every hall."""
    out = {}
    for a in range(1, 11):
        for b in range(1, 12 - a):
            counts = (a, b, 12 - a - b)
            variant = scenario.with_changes(
                {f"halls[{i}].windows[0].count": c for i, c in enumerate(counts)}
            )
            r = sim.run(variant, REPS, executor="serial")
            halls = r.summary[
                (r.summary.metric == TARGET.metric) & r.summary.scope.str.startswith("hall:")
            ]
            reps = r.replications[r.replications.scope == "all"].sort_values("replication")
            out[counts] = {
                "worst": float(halls.ci_high.fillna(halls["mean"]).max()),
                "objective": reps["wait_min_mean"].to_numpy(float),
            }
    return out


def test_groups_carry_the_offered_load(scenario: Scenario) -> None:
    groups = staffed_groups(scenario)
    assert [g.hall for g in groups] == ["Ahe hall", "Beiji hall", "Chenzhuang hall"]
    assert [g.offered for g in groups] == pytest.approx([1.0, 2.5, 4.5])
    assert predicted_wait_min(groups[2], 4) == np.inf  # c ≤ a: unstable
    assert predicted_wait_min(groups[2], 6, 0.9) < predicted_wait_min(groups[2], 5, 0.9)


def test_analytic_allocation_fills_the_budget_where_the_load_is(scenario: Scenario) -> None:
    groups = staffed_groups(scenario)
    for staff in (3, 7, 12, 20):
        counts = analytic_allocation(groups, staff)
        assert sum(counts) == staff and min(counts) >= 1
        assert counts == sorted(counts)  # loads rise from the first hall to the third
    assert analytic_allocation(groups, 12) == [2, 4, 6]
    assert budget_needed(groups, TARGET) == 12
    with pytest.raises(BadInput):
        analytic_allocation(groups, 2)


def test_analytic_allocation_with_shared_skills(county_data: dict) -> None:
    """County hall: market windows and comprehensive ones serving both departments."""
    scenario = Scenario.model_validate(county_data)
    groups = staffed_groups(scenario)
    assert len(groups) == 3
    total = sum(g.arrivals_per_hour for g in groups)
    pools = [p for p in offered_load(scenario) if p.whole_hall]
    assert total == pytest.approx(sum(p.requests_per_hour for p in pools))
    counts = analytic_allocation(groups, 9)
    assert sum(counts) == 9 and min(counts) >= 1


@pytest.mark.parametrize("limit", [20, 60])  # 1 and 6 of the 55 allocations meet it
def test_search_finds_the_exhaustive_optimum(
    scenario: Scenario, exhaustive: dict, limit: float
) -> None:
    target = Target("wait_min_p90", limit)
    result = sim.optimise_staffing(
        scenario, 12, target=target, replications=REPS, executor="serial"
    )
    assert result.start == {"Ahe hall[0]": 2, "Beiji hall[0]": 4, "Chenzhuang hall[0]": 6}
    assert sum(result.allocation.values()) == 12
    assert result.feasible and result.table.met.any()
    chosen = tuple(result.allocation.values())
    assert exhaustive[chosen]["worst"] <= limit  # the exhaustive run agrees it is feasible
    feasible = {k: v for k, v in exhaustive.items() if v["worst"] <= limit}
    assert len(feasible) == (1 if limit == 20 else 6)
    best = min(feasible, key=lambda k: feasible[k]["objective"].mean())
    d = exhaustive[chosen]["objective"] - feasible[best]["objective"]
    half = half_width(d.std(ddof=1), len(d)) if d.std() > 0 else 0.0
    assert d.mean() - half <= 0  # not significantly worse than the exhaustive optimum
    assert result.evaluations <= len(exhaustive) / 3
    row = result.table[result.table.allocation == " ".join(map(str, chosen))].iloc[0]
    assert row.met and row.accepted
    if result.table.met.sum() < 2:  # one feasible allocation: nothing to select among
        assert result.selection is None
    assert [w.count for h in result.best.halls for w in h.windows] == list(chosen)


def test_final_selection_among_the_best_feasible(scenario: Scenario) -> None:
    """14 staff: several allocations meet the target; KN (with CRN) chooses among them."""
    result = sim.optimise_staffing(scenario, 14, replications=REPS, executor="serial")
    selection = result.selection
    assert result.feasible and selection is not None
    met = result.table[result.table.met]
    assert 2 <= len(selection.table) <= 4 and len(met) >= 2
    assert set(selection.table.candidate) == set(result.table[result.table.selected].allocation)
    assert set(selection.table.candidate) <= set(met.allocation)
    chosen = " ".join(str(c) for c in result.allocation.values())
    assert selection.table.candidate[selection.best] == chosen
    assert selection.table.selected.sum() == 1
    assert (selection.table.replications >= REPS).all()
    assert (selection.table.replications <= 20).all()
    # the chosen one has the smallest mean among those still in contention
    contention = selection.table[selection.table.eliminated_at.isna()]
    assert selection.table["mean"][selection.best] == contention["mean"].min()
    assert "95 % confidence" in selection.statement or "could not separate" in selection.statement
    assert selection.statement in result.summary()
    assert [w.count for h in result.best.halls for w in h.windows] == list(
        result.allocation.values()
    )
    off = sim.optimise_staffing(scenario, 14, replications=REPS, executor="serial", select=1)
    assert off.selection is None


def test_infeasible_budget_is_reported_with_the_budget_needed(scenario: Scenario) -> None:
    result = sim.optimise_staffing(scenario, 8, replications=REPS, executor="serial")
    assert not result.feasible
    assert result.budget_needed is not None and result.budget_needed >= 12
    assert "would be needed" in result.summary()
    assert sum(result.allocation.values()) == 8


def test_bad_arguments(scenario: Scenario) -> None:
    with pytest.raises(BadInput, match="unknown hall"):
        sim.optimise_staffing(scenario, 12, halls=["Nowhere"], executor="serial")
    with pytest.raises(BadInput, match="fewer than"):
        sim.optimise_staffing(scenario, 2, executor="serial")
    with pytest.raises(BadInput, match="not judged at every hall|per-hall"):
        sim.optimise_staffing(scenario, 12, target="check_coverage=0.5", executor="serial")


def test_only_the_chosen_halls_change(scenario: Scenario) -> None:
    halls = ["Beiji hall", "Chenzhuang hall"]
    result = sim.optimise_staffing(
        scenario, 8, halls=halls, replications=3, executor="serial", max_evaluations=3
    )
    assert set(result.allocation) == {"Beiji hall[0]", "Chenzhuang hall[0]"}
    assert result.best.halls[0].windows[0].count == 4  # Ahe hall as it was
    assert sum(result.allocation.values()) == 8


def test_cli_writes_a_best_yaml_that_extends_the_scenario(tmp_path: Path) -> None:
    source = write_yaml(tmp_path / "three.yaml", three_halls())
    out = tmp_path / "opt"
    args = ["optimise", "staffing", str(source), "--staff", "12", "-r", "3", "--out", str(out)]
    result = runner.invoke(app, [*args, "--executor", "serial"])
    assert result.exit_code == 0, result.output
    assert "allocations simulated" in result.output and "chosen" in result.output
    text = (out / "best.yaml").read_text(encoding="utf-8")
    assert "extends: ../three.yaml" in text
    best = sim.load_scenario(out / "best.yaml")
    csv = (out / "candidates.csv").read_text(encoding="utf-8")
    assert csv.startswith("step,allocation,")
    manifest = json.loads((out / "manifest.json").read_text())
    counts = [h.windows[0].count for h in best.halls]
    assert counts == list(manifest["allocation"].values()) and sum(counts) == 12
    # the rest of the scenario is the source's
    assert best.services == Scenario.model_validate(three_halls()).services
    # before → after: the input and the chosen scenario, paired, printed per hall
    before_after = pd.read_csv(out / "before_after.csv")
    assert before_after.scenario.nunique() == 2
    assert "before → after" in result.output and (out / "report.html").exists()
    # running again into the same folder resumes: every allocation is read back
    points = sorted(p.name for p in (out / "points").iterdir())
    assert len(points) == len(pd.read_csv(out / "candidates.csv")) + 1  # + the input
    again = runner.invoke(app, [*args, "--executor", "serial"])
    assert again.exit_code == 0, again.output
    assert (out / "candidates.csv").read_text(encoding="utf-8") == csv
    assert sorted(p.name for p in (out / "points").iterdir()) == points


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--staff", "12", "--halls", "Ahe hall,Nowhere"], "unknown hall"),
        (["--staff", "2"], "fewer than"),
        (["--staff", "12", "--target", "wait_min_p90"], "METRIC=NUMBER"),
        (["--staff", "12", "--target", "nonsense=3"], "unknown metric"),
        (["--staff", "12", "--objective", "nonsense"], "objective"),
        (["--staff", "12", "--groups", "Ahe hall[3]"], "--groups"),
        (["--staff", "12", "--crews", "4"], "--crews"),
        (["--crews", "4"], "no enforcement"),
    ],
)
def test_cli_bad_input_exits_2(tmp_path: Path, extra: list[str], message: str) -> None:
    source = write_yaml(tmp_path / "three.yaml", three_halls())
    args = ["optimise", "staffing", str(source), "--out", str(tmp_path / "o"), *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "o").exists()


# --- ranking and selection (KN) ---------------------------------------------------------------


def _normal_sampler(means: list[float], sd: float, common: float, seed: int = 1):
    """Observations ``mean_i + common noise_j + own noise_ij``: replication j shares its
    common part across candidates (as common random numbers do)."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(0, common, 1000)
    own = rng.normal(0, sd, (len(means), 1000))

    def draw(rows: list[int], start: int, stop: int) -> np.ndarray:
        return np.array([means[i] + shared[start:stop] + own[i, start:stop] for i in rows])

    calls: list[tuple[list[int], int, int]] = []

    def more(rows: list[int], start: int, stop: int) -> np.ndarray:
        calls.append((list(rows), start, stop))
        return draw(rows, start, stop)

    return draw(list(range(len(means))), 0, 5), more, calls


def test_kn_selects_the_clearly_better_candidate() -> None:
    first, more, calls = _normal_sampler([12.0, 10.0, 13.0, 12.5], sd=0.5, common=3.0)
    chosen = kn_select(first, more, delta=0.5, max_replications=40, labels=list("abcd"), unit="min")
    assert chosen.best == 1 and chosen.separated
    assert chosen.table.selected.tolist() == [False, True, False, False]
    assert "b is the best of 4 candidates with 95 % confidence" in chosen.statement
    assert "δ = 0.5 min" in chosen.statement
    others = chosen.table[~chosen.table.selected]
    assert (others.diff_ci_low > 0).all()  # paired, Bonferroni: each clearly worse
    assert others.eliminated_at.notna().all()
    # common random numbers: every call asks the survivors for the same replications
    assert all(stop > start >= 5 for _, start, stop in calls)


def test_kn_without_a_difference_stops_with_the_indifference_statement() -> None:
    first, more, _ = _normal_sampler([10.0, 10.05], sd=1.0, common=3.0, seed=2)
    chosen = kn_select(first, more, delta=0.5, max_replications=15, labels=["x", "y"])
    assert chosen.best in (0, 1)
    assert chosen.table.replications.max() <= 15
    if chosen.separated:  # KN's own end: best, or within δ of it
        assert "within δ = 0.5" in chosen.statement
    else:  # stopped at the cap
        assert "could not separate" in chosen.statement and "δ = 0.5" in chosen.statement
    # identical in every replication: nothing to learn, no replications added
    same = np.tile(np.arange(5.0), (2, 1))
    tied = kn_select(same, lambda *a: pytest.fail("no more needed"), delta=0.5)
    assert not tied.separated and tied.best == 0 and tied.added_replications == 0


def test_kn_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        kn_select(np.zeros((2, 1)), None, delta=0.5)
    with pytest.raises(ValueError, match="delta"):
        kn_select(np.zeros((2, 3)), None, delta=0)


# --- groups and crews -------------------------------------------------------------------------


def test_groups_limit_the_staffing_to_the_named_window_groups(scenario: Scenario) -> None:
    result = sim.optimise_staffing(
        scenario, 9, groups=["Beiji hall[0]", "Chenzhuang hall[0]"], replications=3,
        executor="serial", max_evaluations=3, select=0,
    )  # fmt: skip
    assert list(result.allocation) == ["Beiji hall[0]", "Chenzhuang hall[0]"]
    assert sum(result.allocation.values()) == 9
    assert result.best.halls[0].windows[0].count == 4  # Ahe hall as it was
    assert result.best.halls[2].windows[0].count >= result.best.halls[1].windows[0].count


def two_teams() -> dict:
    """The small county with a busy safety team and an idle fire team, 3 crews each."""
    data = small_county()
    data["horizon"]["days"] = 20
    data["enforcement"] = {
        "departments": [
            {"name": "safety", "inspections_per_enterprise_per_year": 4.0,
             "check_min": {"dist": "gamma", "mean": 40, "sd": 10}},
            {"name": "fire", "inspections_per_enterprise_per_year": 0.5,
             "check_min": {"dist": "gamma", "mean": 30, "sd": 10}},
        ],
        "teams": [
            {"name": "Safety team", "crews": 3, "departments": ["safety"]},
            {"name": "Fire team", "crews": 3, "departments": ["fire"]},
        ],
        "incidents": {"per_enterprise_per_year": 0.3},
    }  # fmt: skip
    return data


def test_largest_remainder_keeps_the_minimum_and_the_total() -> None:
    assert _largest_remainder(np.array([3.0, 1.0]), 6, 1) == [4, 2]
    assert _largest_remainder(np.array([0.0, 0.0, 0.0]), 7, 2) == [3, 2, 2]
    assert sum(_largest_remainder(np.array([0.2, 5.0, 0.01]), 10, 1)) == 10


def test_crews_follow_the_measured_workload(tmp_path: Path) -> None:
    source = write_yaml(tmp_path / "teams.yaml", two_teams())
    out = tmp_path / "crews"
    args = ["optimise", "staffing", str(source), "--crews", "6", "-r", "3", "--target",
            "check_coverage=0.9", "--executor", "serial", "--out", str(out), "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    start, chosen = manifest["start"], manifest["allocation"]
    assert sum(start.values()) == sum(chosen.values()) == 6
    assert start["Safety team"] > start["Fire team"]  # the busy team starts with more
    best = sim.load_scenario(out / "best.yaml")
    assert {t.name: t.crews for t in best.enforcement.teams} == chosen
    crews = pd.read_csv(out / "crews.csv")
    assert crews.allocation.iloc[0] == " ".join(str(v) for v in start.values())
    row = crews[crews.allocation == " ".join(str(v) for v in chosen.values())].iloc[0]
    assert bool(row.met) == manifest["feasible"]
    assert "check_coverage" in result.output and (out / "before_after.csv").exists()
