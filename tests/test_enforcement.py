"""Enforcement: routine frequencies, joint visits, incidents, whistling up, Erlang C."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.model import simulate
from sim.scenario import Scenario
from sim.stats import half_width, replication_metrics
from sim.validation.theory import erlang_c, mmc_mean_wait
from tests.conftest import SCENARIOS, mmc_data, small_county, write_yaml


def enforcement_county(joint: float | None = None, crews: int = 6) -> dict:
    """The small county with two departments, county teams, and incidents."""
    data = small_county()
    data["horizon"]["days"] = 40
    data["enforcement"] = {
        "departments": [
            {
                "name": "safety",
                "inspections_per_enterprise_per_year": 2.0,
                "check_min": {"dist": "gamma", "mean": 40, "sd": 10},
            },
            {
                "name": "fire",
                "inspections_per_enterprise_per_year": 1.5,
                "check_min": {"dist": "gamma", "mean": 30, "sd": 10},
            },
        ],
        "teams": [
            {
                "name": "County team",
                "crews": crews,
                "departments": "all",
                **({"joint_window_days": joint} if joint is not None else {}),
            }
        ],
        "incidents": {"per_enterprise_per_year": 0.3},
    }
    return data


def _metric(scenario: Scenario, metric: str, reps: int = 8, scope: str = "all") -> np.ndarray:
    values = []
    for k in range(reps):
        frame = replication_metrics(scenario, simulate(scenario, k))
        values.append(float(frame.loc[frame.scope == scope, metric].iloc[0]))
    return np.array(values)


def _ci(values: np.ndarray, level: float = 0.999) -> tuple[float, float]:
    half = half_width(values.std(ddof=1), values.size, level)
    return values.mean() - half, values.mean() + half


def test_without_joint_inspection_visits_equal_the_sum_of_frequencies() -> None:
    """Checks are spread evenly with a random phase, so the expected number due per
    enterprise per year is exactly the frequency; with ample crews all are done, one a visit.
    Tolerance: the 99.9 % t-interval over 8 replications."""
    scenario = Scenario.model_validate(enforcement_county(crews=12))
    visits = _metric(scenario, "visits_per_enterprise_per_year")
    low, high = _ci(visits)
    assert low <= 2.0 + 1.5 <= high, (visits.mean(), low, high)
    assert (_metric(scenario, "checks_per_visit", reps=2) == 1).all()
    assert (_metric(scenario, "check_coverage", reps=2) == 1).all()


def test_joint_inspection_means_fewer_visits_and_several_checks_per_visit() -> None:
    separate = Scenario.model_validate(enforcement_county(crews=12))
    joint = Scenario.model_validate(enforcement_county(joint=60, crews=12))
    a = _metric(separate, "visits_per_enterprise_per_year", reps=3)
    b = _metric(joint, "visits_per_enterprise_per_year", reps=3)
    assert (b < 0.9 * a).all()
    assert (_metric(joint, "checks_per_visit", reps=3) > 1.1).all()
    # the same enterprises and checks are drawn (common random numbers)
    ra, rb = simulate(separate, 0), simulate(joint, 0)
    for key in ("check_due", "check_town"):  # the checks due within the horizon
        a, b = getattr(ra.enforcement, key), getattr(rb.enforcement, key)
        np.testing.assert_array_equal(
            a[ra.enforcement.check_due < ra.days], b[rb.enforcement.check_due < rb.days]
        )
    np.testing.assert_array_equal(ra.matters["t_request"], rb.matters["t_request"])


def test_every_incident_response_covers_report_delay_and_travel() -> None:
    data = enforcement_county(crews=2)
    for dept in data["enforcement"]["departments"]:  # crews go out for incidents only
        dept["inspections_per_enterprise_per_year"] = 0
    scenario = Scenario.model_validate(data)
    r = simulate(scenario, 0)
    v, e = r.visits, r.enforcement
    inc = v["kind"] == 1
    assert inc.sum() > 20
    target = v["target"][inc]
    report, delay = e.inc_report[target], e.inc_delay[target]
    occurred = report - delay
    drive = v["arrive"][inc] - v["depart"][inc]
    speed = scenario.enforcement.teams[0].speed_kmh
    np.testing.assert_allclose(drive, v["km"][inc] / speed * 60)
    assert (v["depart"][inc] >= report - 1e-9).all()  # no crew leaves before the report
    assert (v["arrive"][inc] - occurred >= delay + drive - 1e-9).all()
    # legs on which the crew set off from its base (its first leg of the day): the drive is
    # the road from the base, so response from occurrence ≥ report delay + that drive
    order = np.lexsort((v["depart"], v["crew"], v["team"]))
    day = (v["depart"][order] // 1440).astype(int)
    crew = v["team"][order] * 1000 + v["crew"][order]
    first = np.r_[True, (crew[1:] != crew[:-1]) | (day[1:] != day[:-1])]
    from_base = np.zeros(v["kind"].size, dtype=bool)
    from_base[order[first]] = True
    leg = from_base[inc]
    xy = _plan(scenario).inc_xy[target[leg]]
    base_min = np.hypot(xy[:, 0], xy[:, 1]) * 1.3 / speed * 60  # the team is at the seat
    assert leg.sum() > 5
    np.testing.assert_allclose(drive[leg], base_min)
    assert (v["arrive"][inc][leg] - occurred[leg] >= delay[leg] + base_min - 1e-9).all()


def test_conservation_of_checks_and_incidents() -> None:
    scenario = Scenario.model_validate(enforcement_county(joint=30, crews=2))  # short of crews
    frame = replication_metrics(scenario, simulate(scenario, 0))
    row = frame[frame.scope == "all"].iloc[0]
    assert row.backlog > 0
    r = simulate(scenario, 0)
    due = r.enforcement.check_due < r.days
    done = ~np.isnan(r.enforcement.check_done)
    assert row.checks_scheduled == due.sum() == (due & done).sum() + row.backlog
    answered = (r.visits["kind"] == 1).sum()
    assert row.incidents == answered + row.incidents_open
    assert np.bincount(r.visits["target"][r.visits["kind"] == 1]).max() == 1  # once each


@pytest.mark.slow
@pytest.mark.parametrize("crews, load", [(1, 0.7), (3, 0.8)])
def test_incident_only_crews_with_zero_travel_match_erlang_c(crews: int, load: float) -> None:
    """Crews that only answer incidents, at the incident's place (zero travel), open 24/7:
    the response (report -> on site) is the M/M/c wait. 99.9 % t-interval over 16
    replications of 40 days after a 2-day warm-up."""
    handle = 30.0
    data = mmc_data(1, 0.01, days=40)
    data["geography"]["towns"][0].update({"enterprises": 1000})
    rate_per_day = load * crews / handle * 1440
    data["enforcement"] = {
        "departments": [{"name": "safety", "check_min": 10}],
        "teams": [{"name": "Duty", "crews": crews, "routine": False}],
        "enterprise_km": 0,
        "incidents": {
            "per_enterprise_per_year": rate_per_day / 1000,  # days_per_year is 1
            "handle_min": {"dist": "exponential", "mean": handle},
        },
    }
    scenario = Scenario.model_validate(data)
    means, waits = [], []
    for k in range(16):
        r = simulate(scenario, k)
        v, e = r.visits, r.enforcement
        keep = (v["kind"] == 1) & (v["depart"] >= 2 * 1440) & (v["depart"] < r.horizon_min - 1440)
        response = v["arrive"][keep] - e.inc_report[v["target"][keep]]
        assert (v["km"] == 0).all()
        means.append(response.mean())
        waits.append((response > 1e-9).mean())
    low, high = _ci(np.array(means))
    assert low <= mmc_mean_wait(crews, load * crews / handle, handle) <= high
    low, high = _ci(np.array(waits))
    assert low <= erlang_c(crews, load * crews) <= high


def test_whistled_up_exactly_when_no_town_team_holds_the_power() -> None:
    data = enforcement_county()
    data["enforcement"]["teams"].append(
        {
            "name": "Farton team",
            "base": "Farton",
            "crews": 2,
            "departments": ["safety"],
            "covers": ["Farton"],
        }
    )
    scenario = Scenario.model_validate(data)
    r = simulate(scenario, 0)
    e = r.enforcement
    safety, farton = 0, 1
    local = (_plan(scenario).inc_dept == safety) & (e.inc_town == farton)
    assert local.any() and (~local).any()
    np.testing.assert_array_equal(e.inc_whistled, ~local)
    county, farton_team = 0, 1
    np.testing.assert_array_equal(e.inc_team, np.where(local, farton_team, county))
    inc = r.visits["kind"] == 1
    answered_by = r.visits["team"][inc]
    np.testing.assert_array_equal(answered_by == county, e.inc_whistled[r.visits["target"][inc]])


def _plan(scenario):
    from sim.model.calendar import Clock
    from sim.model.enforcement import enforcement_plan
    from sim.model.rng import Streams

    return enforcement_plan(scenario, Clock(scenario), Streams(scenario.seed, 0))


def test_enforcement_does_not_change_the_citizens() -> None:
    with_teams = Scenario.model_validate(enforcement_county())
    data = enforcement_county()
    del data["enforcement"]
    without = Scenario.model_validate(data)
    a, b = simulate(with_teams, 0), simulate(without, 0)
    for key in a.matters:
        np.testing.assert_array_equal(a.matters[key], b.matters[key])


INCIDENT_COLUMNS = ("inc_report", "inc_xy", "inc_dept", "inc_delay", "inc_handle", "inc_team")


@pytest.mark.parametrize("change", ["enterprises", "population"])
def test_one_towns_change_leaves_the_other_towns_incidents_alone(change: str) -> None:
    """Common random numbers: every draw of a town's incidents (times, places, departments,
    report delays, handling times) and checks comes from streams keyed by that town, so more
    enterprises or residents in Liuqiao change Liuqiao's incidents only."""
    import sim

    base = sim.load_scenario(SCENARIOS / "example-same-power.yaml")
    town = next(t for t in base.geography.towns if t.name == "Liuqiao")
    changed = base.with_changes(
        {"geography": {"towns": [{"name": "Liuqiao", change: getattr(town, change) * 2}]}}
    )
    t = [w.name for w in base.geography.towns].index("Liuqiao")
    a, b = _plan(base), _plan(changed)
    assert (b.inc_town == t).sum() > (a.inc_town == t).sum()  # the change did something
    for other in range(len(base.geography.towns)):
        if other == t:
            continue
        ia, ib = a.inc_town == other, b.inc_town == other
        assert ia.sum() > 0
        for key in INCIDENT_COLUMNS:
            np.testing.assert_array_equal(
                getattr(a, key)[ia], getattr(b, key)[ib], err_msg=f"{key} in town {other}"
            )
        ca, cb = a.ent_town[a.check_ent] == other, b.ent_town[b.check_ent] == other
        for key in ("check_dept", "check_due", "check_min", "check_team"):
            np.testing.assert_array_equal(getattr(a, key)[ca], getattr(b, key)[cb], err_msg=key)


@pytest.mark.parametrize("cell_km", [0.05, 0.7, 3.0, 100.0])
def test_the_grid_finds_the_nearest_idle_crew_and_the_longest_idle_among_equals(
    cell_km: float,
) -> None:
    """``_IdleCrews.nearest`` gives what ``min`` over the idle crews in idle order gives,
    at any cell size: the grid makes the search faster, never different. Crews often stand
    on the same spot (ties) and targets often fall on cell sides."""
    import math

    from sim.model.enforcement import _IdleCrews

    rng = np.random.default_rng(12)
    road_factor, crews = 1.3, 60
    spots = [(float(x), float(y)) for x, y in rng.uniform(-10, 10, (6, 2))]
    spots += [(0.0, 0.0), (cell_km, 2 * cell_km)]

    def place() -> tuple[float, float]:
        if rng.random() < 0.5:
            return spots[rng.integers(len(spots))]
        x, y = rng.uniform(-10, 10, 2)
        return float(x), float(y)

    idle = _IdleCrews(crews, cell_km, road_factor)
    in_order: list[tuple[int, tuple[float, float]]] = []  # (crew, place), longest idle first
    for crew in range(crews):
        xy = place()
        idle.add(crew, xy)
        in_order.append((crew, xy))
    away: list[int] = []
    for _ in range(1500):
        if len(in_order) > 4 and (rng.random() < 0.5 or len(in_order) == crews):
            tx, ty = place()
            want = min(
                in_order, key=lambda e: math.hypot(e[1][0] - tx, e[1][1] - ty) * road_factor
            )[0]
            assert idle.nearest((tx, ty)) == want
            in_order = [e for e in in_order if e[0] != want]
            away.append(want)
        elif away:
            crew = away.pop(int(rng.integers(len(away))))
            xy = place()
            idle.add(crew, xy)
            in_order.append((crew, xy))
        assert idle.in_order() == [c for c, _ in in_order]


def test_log_writes_visits_parquet(tmp_path: Path) -> None:
    import pandas as pd

    path = write_yaml(tmp_path / "e.yaml", enforcement_county(joint=30))
    result = CliRunner().invoke(
        app, ["run", str(path), "-r", "2", "--days", "5", "--log", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    visits = pd.read_parquet(tmp_path / "out" / "visits.parquet")
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    got = summary[(summary.metric == "inspection_visits") & (summary.scope == "all")]["mean"]
    assert len(visits[visits.kind == "routine"]) / 2 == pytest.approx(float(got.iloc[0]))
    assert {"team:County team", "town:Farton"} <= set(summary.scope)
    incidents = visits[visits.kind == "incident"]
    assert (incidents.response_min >= 0).all() and incidents.response_min.notna().all()


BAD = {
    "unknown department": ("enforcement.teams[0].departments", ["saftey"], "did you mean 'safety'"),
    "unknown base": ("enforcement.teams[0].base", "Fartown", "did you mean 'Farton'"),
    "negative crews": ("enforcement.teams[0].crews", -1, "must be ≥ 0"),
    "unknown risk class": (
        "enforcement.departments[0].risk_multiplier",
        {"hgh": 2},
        "unknown risk class 'hgh'",
    ),
    "no team for a department": (
        "enforcement.teams[0].departments",
        ["safety"],
        "no team with crews does routine 'fire' checks",
    ),
    "joint factor above 1": ("enforcement.teams[0].joint_factor", 1.5, "must be ≤ 1"),
    "unknown incident department": (
        "enforcement.incidents.department_mix",
        {"fir": 1},
        "did you mean 'fire'",
    ),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_enforcement_input_exits_2(tmp_path: Path, kind: str) -> None:
    from sim.scenario import apply_set

    path_, value, words = BAD[kind]
    data = apply_set(copy.deepcopy(enforcement_county()), path_, value)
    path = write_yaml(tmp_path / "bad.yaml", data)
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "bad.yaml" in result.output and words in result.output, result.output
    assert not (tmp_path / "o").exists()
