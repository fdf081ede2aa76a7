"""Behaviour of the model: exact traces, conservation, determinism, common random numbers."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.model import COMPLETED, IN_SYSTEM, ONLINE_DONE, STATION_DONE, simulate
from sim.model.calendar import Clock
from sim.model.codes import Channel
from sim.model.halls import Hall, hall_arrivals, opening_hours
from sim.model.records import DONE, INCOMPLETE, PENDING, SENT_HOME, TicketLog
from sim.scenario import Scenario
from tests.conftest import mmc_data


def _trace(arrivals, service, windows, doc_missing=(), scenario=None, until=None):
    """Run one hall by hand: ``arrivals`` in absolute minutes, constant ``service`` minutes."""
    scenario = scenario or Scenario.model_validate(mmc_data(1, 0.5, days=2))
    spec = scenario.halls[0].model_copy(update={"windows": windows})
    clock = Clock(scenario)
    env, log, returns = simpy.Environment(), TicketLog(), []
    n = len(arrivals)
    hall = Hall(
        env,
        0,
        spec,
        ["dept"],
        log,
        np.zeros(n, int),
        np.full((n, 2), service),
        np.array([0.0 if m in doc_missing else 1.0 for m in range(n)]),
        np.full(n, 0.5),
        lambda m, h, home: returns.append((env.now, m, home)),
    )
    env.process(hall_arrivals(env, hall, np.array(arrivals), np.arange(n)))
    env.process(opening_hours(env, [hall], clock.periods))
    env.run(until=until or clock.horizon_min)
    t = log.to_arrays()
    rows = list(
        zip(
            t["matter"].tolist(),
            t["arrive"].tolist(),
            t["start"].tolist(),
            t["end"].tolist(),
            t["outcome"].tolist(),
            strict=True,
        )
    )
    return rows, returns


def test_two_citizens_one_window_exact_trace() -> None:
    window = Scenario.model_validate(mmc_data(1, 0.5)).halls[0].windows[0]
    rows, returns = _trace([10.0, 12.0], 5.0, [window])
    assert rows == [(0, 10.0, 10.0, 15.0, DONE), (1, 12.0, 15.0, 20.0, DONE)]
    assert returns == []


def test_missing_documents_return_and_speed_factor() -> None:
    window = Scenario.model_validate(mmc_data(1, 0.5)).halls[0].windows[0]
    slow = window.model_copy(update={"speed": 0.5})
    rows, returns = _trace([10.0, 11.0], 4.0, [slow], doc_missing={0})
    assert rows == [(0, 10.0, 10.0, 18.0, INCOMPLETE), (1, 11.0, 18.0, 26.0, DONE)]
    assert returns == [(18.0, 0, False)]


def test_closing_sends_waiting_tickets_home_and_lunch_keeps_them(county_data: dict) -> None:
    scenario = Scenario.model_validate(county_data)  # 08:30-12:00, 14:00-17:30, Mon-Fri
    window = scenario.halls[0].windows[0].model_copy(update={"count": 1, "skills": "all"})
    # 11:55 served till 12:25 (in progress finishes); 11:58 waits through lunch to 14:00;
    # 17:20 served till 17:50; 17:25 still waiting at 17:30 -> sent home.
    arrivals = [715.0, 718.0, 1040.0, 1045.0]
    rows, returns = _trace(arrivals, 30.0, [window], scenario=scenario, until=1440.0)
    assert _nan_equal(
        rows,
        [
            (0, 715.0, 715.0, 745.0, DONE),
            (1, 718.0, 840.0, 870.0, DONE),
            (2, 1040.0, 1040.0, 1070.0, DONE),
            (3, 1045.0, np.nan, 1050.0, SENT_HOME),
        ],
    )
    assert returns == [(1050.0, 3, True)]


def _nan_equal(a, b) -> bool:
    return np.allclose(np.array(a, dtype=float), np.array(b, dtype=float), equal_nan=True)


def test_specialised_windows_serve_first_and_comprehensive_take_the_oldest() -> None:
    scenario = Scenario.model_validate(mmc_data(1, 0.5))
    groups = [
        scenario.halls[0].windows[0].model_copy(update={"count": 1}),
        scenario.halls[0].windows[0].model_copy(update={"count": 1, "skills": ["dept"]}),
    ]
    env, log = simpy.Environment(), TicketLog()
    departments = ["dept", "other"]  # so that the "all" group is the less specialised one
    hall = Hall(
        env,
        0,
        scenario.halls[0].model_copy(update={"windows": groups}),
        departments,
        log,
        np.zeros(3, int),
        np.full((3, 2), 10.0),
        np.ones(3),
        np.zeros(3),
        lambda *a: None,
    )
    hall.open()
    env.process(hall_arrivals(env, hall, np.array([0.0, 1.0, 2.0]), np.arange(3)))
    env.run(until=100)
    t = log.to_arrays()
    assert t["group"].tolist() == [1, 0, 1]  # specialist first; then the free one; then FIFO
    assert t["start"].tolist() == [0.0, 1.0, 10.0]


def test_conservation_every_request_is_accounted_for(county_data: dict) -> None:
    county_data["horizon"]["days"] = 5
    scenario = Scenario.model_validate(county_data)
    r = simulate(scenario, 0)
    m, tk = r.matters, r.tickets
    n = m["item"].size
    counts = np.bincount(m["status"], minlength=4)
    assert counts.sum() == n
    assert counts[COMPLETED] + counts[IN_SYSTEM] == (m["channel"] == Channel.HALL).sum()
    assert counts[ONLINE_DONE] > 0 and counts[STATION_DONE] > 0 and counts[COMPLETED] > 0
    # every in-person matter has at least one ticket; others none
    assert (m["trips"][m["channel"] == Channel.HALL] >= 1).all()
    assert (m["trips"][m["channel"] != Channel.HALL] == 0).all()
    # each completed matter has exactly one DONE ticket; open ones none
    done_per_matter = np.bincount(tk["matter"][tk["outcome"] == DONE], minlength=n)
    assert (done_per_matter[m["status"] == COMPLETED] == 1).all()
    assert (done_per_matter[m["status"] != COMPLETED] == 0).all()
    # an open matter's last ticket is pending, or it is due back after the horizon
    last = np.full(n, -1)
    last[tk["matter"]] = np.arange(tk["matter"].size)
    open_ = np.flatnonzero(m["status"] == IN_SYSTEM)
    assert set(tk["outcome"][last[open_]].tolist()) <= {PENDING, INCOMPLETE, SENT_HOME}
    assert (tk["outcome"] == PENDING).sum() <= counts[IN_SYSTEM]


def test_same_seed_same_numbers_other_seed_other_numbers(county_data: dict) -> None:
    scenario = Scenario.model_validate(county_data)
    a, b, c = simulate(scenario, 0), simulate(scenario, 0), simulate(scenario, 0, seed=99)
    for key in a.matters:
        np.testing.assert_array_equal(a.matters[key], b.matters[key])
    assert a.matters["t_request"].size != c.matters["t_request"].size or not np.array_equal(
        a.matters["t_request"], c.matters["t_request"]
    )
    d = simulate(scenario, 1)  # replication 1 is another stream of the same seed
    assert not np.array_equal(a.matters["t_request"][:50], d.matters["t_request"][:50])


def test_common_random_numbers_more_windows_same_requests(county_data: dict) -> None:
    base = Scenario.model_validate(county_data)
    more = base.with_changes({"halls[0].windows[0].count": 6, "halls[1].windows[0].count": 5})
    a, b = simulate(base, 0), simulate(more, 0)
    for key in ("item", "town", "t_request", "channel", "hall"):
        np.testing.assert_array_equal(a.matters[key], b.matters[key])
    assert b.matters["wait_min"].sum() < a.matters["wait_min"].sum()


def test_all_online_means_no_trips(county_data: dict) -> None:
    for service in county_data["services"]:
        service["online_share"], service["station_share"] = 1.0, 0.0
    r = simulate(Scenario.model_validate(county_data), 0)
    assert r.matters["item"].size > 100
    assert r.tickets["matter"].size == 0
    assert (r.matters["status"] == ONLINE_DONE).all()


def test_no_missing_documents_and_ample_windows_means_one_trip(county_data: dict) -> None:
    for service in county_data["services"]:
        service["incomplete_prob"] = 0.0
    for hall in county_data["halls"]:
        for group in hall["windows"]:
            group["count"] = 50
    r = simulate(Scenario.model_validate(county_data), 0)
    in_person = r.matters["channel"] == Channel.HALL
    assert in_person.sum() > 100
    done = r.matters["status"] == COMPLETED
    assert (r.matters["trips"][done] == 1).all()


def test_constant_times_give_exact_travel_totals() -> None:
    """Town 26 km (straight 20 × 1.3) from the seat, residents 0 km from the centre, cars at
    52 km/h: every trip is 2 × 26 / 52 h = 60 minutes, 52 km, and 0.5 yuan/km."""
    data = mmc_data(50, 0.01, days=3)
    data["geography"]["towns"][0].update({"x_km": 20.0})
    data["travel"] = {
        "modes": [{"name": "car", "speed_kmh": 52, "share": 1, "cost_per_km_yuan": 0.5}],
        "value_of_time_yuan_per_h": 0,
    }
    data["services"][0]["service_min"] = 6
    r = simulate(Scenario.model_validate(data), 0)
    m = r.matters
    assert m["item"].size > 50
    np.testing.assert_allclose(m["travel_min"], 60.0 * m["trips"])
    np.testing.assert_allclose(m["travel_km"], 52.0 * m["trips"])
    np.testing.assert_allclose(m["cost_yuan"], 26.0 * m["trips"])
    np.testing.assert_allclose(m["service_min"][m["status"] == COMPLETED], 6.0)


def test_stations_handle_matters_without_a_trip(county_data: dict) -> None:
    r = simulate(Scenario.model_validate(county_data), 0)
    m = r.matters
    station = m["status"] == STATION_DONE
    farton = 1
    assert station.any() and (m["town"][station] == farton).all()
    assert (m["trips"][station] == 0).all()
    assert set(np.unique(m["days_to_complete"][station]).tolist()) <= {1, 2, 3}


@pytest.mark.parametrize("horizon_days", [1, 3])
def test_matters_arrive_only_in_opening_hours(county_data: dict, horizon_days: int) -> None:
    county_data["horizon"]["days"] = horizon_days
    r = simulate(Scenario.model_validate(county_data), 0)
    clock_min = r.matters["t_request"] % 1440
    assert (
        ((clock_min >= 510) & (clock_min < 720)) | ((clock_min >= 840) & (clock_min < 1050))
    ).all()
    assert r.matters["t_request"].max() < r.horizon_min


def test_return_visits_arrive_in_opening_hours_drawn_like_first_visits(county_data: dict) -> None:
    """Returns after missing documents and after being sent home come while the hall is open,
    spread over the day by the hour profile (not at the clock time the first visit ended)."""
    county_data["horizon"]["days"] = 15
    county_data["demand"] = {"hour_profile": {"08:30": 3, "14:00": 1}}
    county_data["services"][0]["incomplete_prob"] = 0.6
    county_data["halls"][0]["windows"] = [{"count": 1, "skills": "all"}]  # queues: sent home
    r = simulate(Scenario.model_validate(county_data), 0)
    tk = r.tickets
    later = np.zeros(tk["matter"].size, dtype=bool)  # a matter's second and later tickets
    _, first = np.unique(tk["matter"], return_index=True)
    later[np.setdiff1d(np.arange(later.size), first)] = True
    assert (tk["outcome"] == SENT_HOME).sum() > 20 and later.sum() > 300
    clock_min = tk["arrive"] % 1440
    open_ = ((clock_min >= 510) & (clock_min < 720)) | ((clock_min >= 840) & (clock_min < 1050))
    assert open_.all(), np.sort(clock_min[~open_])[:10]
    # the profile puts 3 × 210 of (3 × 210 + 210) weight-minutes in the morning: 75 %
    morning = (clock_min[later] < 720).mean()
    assert abs(morning - 0.75) < 4 * np.sqrt(0.75 * 0.25 / later.sum()) + 0.02
    # longest wait of a visit is bounded by a day's lunch break plus opening hours
    wait = np.where(np.isnan(tk["start"]), tk["end"], tk["start"]) - tk["arrive"]
    assert np.nanmax(wait) < 1050 - 510
