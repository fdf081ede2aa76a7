"""Branch siting (issue 14, part 2): the exact p-median against brute force, a plan as a
scenario, the simulated ranking and the command."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.errors import BadInput
from sim.scenario import Scenario
from sim.siting import (
    _plan,
    branch_scenario,
    brute_force,
    covered,
    demand_weights,
    distances,
    optimise_branches,
    p_median,
    plan_objective,
    staff_plan,
)
from tests.conftest import write_yaml

runner = CliRunner()

TOWNS = [  # name, population, x, y: 8 towns around a seat at the origin
    ("Chengxi", 30000, 0.5, 0.5),
    ("Dongpu", 12000, 9.0, 2.0),
    ("Nanling", 9000, 3.0, -11.0),
    ("Beishan", 15000, -2.0, 14.0),
    ("Xitai", 7000, -13.0, -1.0),
    ("Hexi", 11000, 18.0, -6.0),
    ("Qiaotou", 6000, -9.0, 10.0),
    ("Yuanling", 10000, 6.0, 19.0),
]


def eight_towns(days: int = 2) -> dict:
    """A county hall at the seat (specialised and 10 comprehensive windows) and 8 towns;
    two approval items and a convenience item."""
    return {
        "name": "eight towns",
        "seed": 7,
        "horizon": {"days": days},
        "calendar": {"opening_hours": [["09:00", "12:00"], ["14:00", "17:00"]]},
        "travel": {
            "modes": [
                {"name": "walk", "speed_kmh": 4.5, "max_km": 1.5},
                {"name": "car", "speed_kmh": 50, "share": 0.6},
                {"name": "bus", "speed_kmh": 30, "share": 0.4},
            ]
        },
        "geography": {
            "towns": [
                {"name": n, "population": p, "enterprises": p // 60, "x_km": x, "y_km": y}
                for n, p, x, y in TOWNS
            ]
        },
        "services": [
            {
                "id": "licence",
                "kind": "approval",
                "department": "market",
                "per_1000_residents_per_year": 40,
                "service_min": {"dist": "exponential", "mean": 20},
                "online_share": 0.3,
                "incomplete_prob": 0.1,
            },
            {
                "id": "tax",
                "kind": "approval",
                "department": "tax",
                "per_enterprise_per_year": 4,
                "service_min": {"dist": "exponential", "mean": 15},
            },
            {
                "id": "insurance",
                "kind": "convenience",
                "department": "hrss",
                "per_1000_residents_per_year": 30,
                "service_min": {"dist": "exponential", "mean": 8},
            },
        ],
        "halls": [
            {
                "name": "County hall",
                "windows": [
                    {"count": 4, "skills": ["market"]},
                    {"count": 2, "skills": ["tax", "hrss"]},
                    {"count": 10, "skills": "all", "speed": 0.9, "precheck": 0.5},
                ],
            }
        ],
    }


@pytest.fixture(scope="module")
def county() -> Scenario:
    return Scenario.model_validate(eight_towns())


def test_demand_weights_count_in_person_visits(county: Scenario) -> None:
    w = demand_weights(county, "approval")
    n, p = TOWNS[0][0], TOWNS[0][1]
    assert n == county.geography.towns[0].name
    expected = 40 * p / 1000 * 0.7 * 1.1 + 4 * (p // 60)
    assert w[0] == pytest.approx(expected)
    only = demand_weights(county, "tax")
    assert only[0] == pytest.approx(4 * (p // 60))


def test_distances_are_road_km(county: Scenario) -> None:
    d = distances(county)
    assert d.shape == (8, 9)
    assert np.allclose(np.diag(d[:, :8]), 0)
    assert d[1, 8] == pytest.approx(np.hypot(9, 2) * 1.3)  # default road factor
    assert d[1, 2] == pytest.approx(np.hypot(6, 13) * 1.3)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_milp_equals_brute_force(county: Scenario, k: int) -> None:
    w, d = demand_weights(county), distances(county)
    candidates = list(range(1, 8))
    (towns, objective), *_ = p_median(w, d, candidates, k)
    best_towns, best = brute_force(w, d, candidates, k)
    assert objective == pytest.approx(best, rel=1e-9)
    assert plan_objective(w, d, towns) == pytest.approx(best, rel=1e-9)


def test_next_plans_are_ranked_and_distinct(county: Scenario) -> None:
    w, d = demand_weights(county), distances(county)
    candidates = list(range(1, 8))
    found = p_median(w, d, candidates, 2, plans=5)
    every = sorted(plan_objective(w, d, s) for s in itertools.combinations(candidates, 2))
    assert [o for _, o in found] == pytest.approx(every[:5], rel=1e-9)
    assert len({s for s, _ in found}) == 5
    # asking for more plans than there are 2-sets returns them all
    assert len(p_median(w, d, candidates[:3], 2, plans=10)) == 3


def test_plan_scenario_has_k_branches_partitioning_the_assigned_towns(county: Scenario) -> None:
    w, d = demand_weights(county), distances(county)
    (towns, _), *_ = p_median(w, d, list(range(1, 8)), 2)
    plan = _plan(county, w, d, towns)
    scenario, taken, written = branch_scenario(county, plan, "approval", 4)
    branches = [h for h in scenario.halls if h.name.endswith(" branch")]
    assert len(branches) == 2
    assert {h.at for h in branches} == set(plan.towns)
    assigned = [t for h in branches for t in h.catchment]
    assert len(assigned) == len(set(assigned))  # disjoint
    near = [i for i in range(8) if d[i, list(towns)].min() < d[i, 8]]
    assert set(assigned) == {county.geography.towns[i].name for i in near}
    for h in branches:
        assert h.serves.kind == ["approval"]
        assert h.windows[0].count == 4 and h.windows[0].skills == "all"
        assert h.at in h.catchment
    assert taken  # 10 comprehensive windows give 8
    assert scenario.halls[0].windows[2].count == 2
    assert written[0]["name"] == "County hall"
    # too few comprehensive windows: the branch staff are added
    scenario, taken, _ = branch_scenario(county, plan, "approval", 6)
    assert not taken and scenario.halls[0].windows[2].count == 10


def test_optimise_branches_simulates_and_ranks(county: Scenario) -> None:
    result = sim.optimise_branches(
        county, 2, items="approval", evaluate=2, replications=2, executor="serial"
    )
    assert isinstance(result, sim.SitingResult)
    plans = result.plans
    assert list(plans.plan) == [0, 1, 2]
    assert plans.objective.iloc[1] <= plans.objective.iloc[2] <= plans.objective.iloc[0]
    assert plans.travel_min.notna().all() and plans.wait_p90_worst.notna().all()
    assert plans.travel_min_diff.iloc[1] < 0  # branches nearer than the seat
    assert plans.best.iloc[1:].sum() == 1
    assert sum(h.name.endswith(" branch") for h in result.best.halls) == 2
    assert {"metric", "scope", "scenario", "diff"} <= set(result.table.columns)


@pytest.mark.parametrize(
    ("k", "candidates", "items", "field"),
    [
        (0, None, "approval", "-k"),
        (3, ["Dongpu", "Hexi"], "approval", "-k"),
        (1, ["Dongpo"], "approval", "--candidates"),
        (1, None, "licence,permit", "--items"),
    ],
)
def test_bad_input_names_the_field(county, k, candidates, items, field) -> None:
    with pytest.raises(BadInput, match=field):
        optimise_branches(county, k, candidates, items, replications=2, executor="serial")


def test_command_writes_a_loadable_best_yaml(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "eight.yaml", eight_towns())
    out = tmp_path / "branches"
    args = ["optimise", "branches", str(path), "-k", "2", "--evaluate", "2", "-r", "2"]
    result = runner.invoke(app, [*args, "--executor", "serial", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "branch plans" in result.output
    best = sim.load_scenario(out / "best.yaml")
    assert sum(h.name.endswith(" branch") for h in best.halls) == 2
    assert yaml.safe_load((out / "best.yaml").read_text())["extends"]
    assert (out / "plans.csv").read_text().startswith("plan,towns")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (["-k", "0"], "-k"),
        (["-k", "8"], "-k"),
        (["-k", "1", "--candidates", "Atlantis"], "--candidates"),
        (["-k", "1", "--items", "passport"], "--items"),
    ],
)
def test_command_bad_input_exits_2(tmp_path: Path, extra: list[str], field: str) -> None:
    path = write_yaml(tmp_path / "eight.yaml", eight_towns())
    result = runner.invoke(
        app, ["optimise", "branches", str(path), *extra, "--out", str(tmp_path / "o"), "-q"]
    )
    assert result.exit_code == 2, result.output
    assert field in result.output


@pytest.mark.parametrize(("k", "km"), [(1, 8.0), (2, 10.0), (3, 12.0)])
def test_maximal_coverage_equals_brute_force(county: Scenario, k: int, km: float) -> None:
    w, d = demand_weights(county), distances(county)
    candidates = list(range(1, 8))
    (towns, objective), *_ = p_median(w, d, candidates, k, coverage_km=km)
    best_towns, best = brute_force(w, d, candidates, k, coverage_km=km)
    assert covered(w, d, towns, km) == pytest.approx(covered(w, d, best_towns, km), rel=1e-9)
    assert objective == pytest.approx(best, rel=1e-9)  # ties on coverage: the least km
    # coverage is what it optimises: never below the p-median plan's
    (median, _), *_ = p_median(w, d, candidates, k)
    assert covered(w, d, towns, km) >= covered(w, d, median, km) - 1e-9


def test_each_plan_is_staffed_from_the_same_windows(county: Scenario) -> None:
    w, d = demand_weights(county), distances(county)
    (towns, _), *_ = p_median(w, d, list(range(1, 8)), 2)
    plan = _plan(county, w, d, towns)
    built, _, written = branch_scenario(county, plan, "approval", 4)
    staffed, entries = staff_plan(built, written, "analytic")
    total = sum(x.count for h in county.halls for x in h.windows)
    assert sum(x.count for h in staffed.halls for x in h.windows) == total
    counts = {h.name: sum(x.count for x in h.windows) for h in staffed.halls}
    assert {e["name"]: sum(x["count"] for x in e["windows"]) for e in entries} == counts
    # the analytic split follows the load: the branch with more demand gets at least as many
    load = {t: w[[county.geography.towns.index(x) for x in county.geography.towns
                  if x.name in plan.catchments[t]]].sum() for t in plan.towns}  # fmt: skip
    big, small = sorted(plan.towns, key=lambda t: -load[t])
    assert counts[f"{big} branch"] >= counts[f"{small} branch"]
    fixed, same = staff_plan(built, written, "fixed")
    assert fixed is built and same is written
    with pytest.raises(BadInput, match="--staffing"):
        staff_plan(built, written, "guess")


def test_command_resumes_and_reports(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "eight.yaml", eight_towns())
    out = tmp_path / "branches"
    args = ["optimise", "branches", str(path), "-k", "2", "--evaluate", "2", "-r", "2",
            "--coverage-km", "10", "--executor", "serial", "--out", str(out), "-q"]  # fmt: skip
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    points = sorted(p.name for p in (out / "points").iterdir())
    assert len(points) >= 3  # the scenario as is, two plans, their staffing searches
    plans = (out / "plans.csv").read_text()
    assert "covered" in plans.splitlines()[0]
    assert (out / "before_after.csv").exists() and (out / "report.html").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "siting" and manifest["model"] == "maximal coverage"
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert json.loads((out / "manifest.json").read_text())["reused"] == [0, 1, 2]
    assert (out / "plans.csv").read_text() == plans  # the same numbers, read back
    assert sorted(p.name for p in (out / "points").iterdir()) == points
