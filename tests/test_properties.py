"""Properties that hold for every scenario, checked on random small ones (hypothesis).

Each property draws small scenarios (a few towns, items and windows, one to five days) so
that an example takes milliseconds; ``max_examples`` keeps each test to a few seconds.
A failing example is printed by hypothesis as the scenario's data: paste it into a test.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import sim
from sim.model import simulate
from sim.model.codes import Channel, Outcome, Status
from tests.conftest import SCENARIOS


def fast(examples: int) -> settings:
    """``examples`` random cases, no per-case deadline (the first pays for imports)."""
    return settings(
        max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HOURS = [
    ([["00:00", "24:00"]], ALL_WEEK),  # open round the clock: no closing
    ([["08:30", "12:00"], ["14:00", "17:30"]], ALL_WEEK[:5]),  # lunch break, closing
    ([["09:00", "17:00"]], ALL_WEEK[:6]),
    ([["07:00", "11:30"], ["12:00", "13:00"], ["13:30", "19:00"]], ALL_WEEK[:5]),
]
HOUR_PROFILES = [{}, {"08:00": 1, "09:00": 3, "11:00": 1, "15:00": 2}, {"00:00": 1, "10:00": 4}]
DEPARTMENTS = ["market", "hrss", "tax"]


def minutes(low: int = 1, high: int = 40) -> st.SearchStrategy:
    """A service, wait or distance distribution in any of the scenario's forms (means from
    ``low`` ≥ 1 to ``high``), or 0."""
    mean = st.integers(low, high).map(float)
    sd = st.integers(1, 30).map(float)
    return st.one_of(
        st.just(0.0),
        mean,  # constant
        mean.map(lambda m: {"dist": "exponential", "mean": m}),
        st.tuples(mean, sd).map(lambda t: {"dist": "lognormal", "mean": t[0], "sd": t[1]}),
        st.tuples(mean, sd).map(lambda t: {"dist": "gamma", "mean": t[0], "sd": t[1]}),
        st.tuples(mean, mean).map(
            lambda t: {"dist": "uniform", "low": min(t), "high": max(t) + 1.0}
        ),
        st.lists(mean, min_size=1, max_size=4).map(lambda v: {"dist": "empirical", "values": v}),
    )


tenths = st.integers(0, 10).map(lambda k: k / 10)


@st.composite
def counties(draw) -> dict:
    """A small county: 1–3 towns, 1–4 items, a county hall that serves everything and maybe
    a town centre for convenience items; stations, online shares and missing documents."""
    hours, workdays = draw(st.sampled_from(HOURS))
    n_towns = draw(st.integers(1, 3))
    towns = [
        {
            "name": f"Town {i}",
            "population": draw(st.integers(1_000, 60_000)),
            "enterprises": draw(st.integers(0, 800)),
            "x_km": float(draw(st.integers(-30, 30))),
            "y_km": float(draw(st.integers(-30, 30))),
            "stations": draw(st.booleans()),
        }
        for i in range(n_towns)
    ]
    departments = draw(st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=3, unique=True))
    services = []
    for i in range(draw(st.integers(1, 4))):
        online = draw(tenths)
        services.append(
            {
                "id": f"item{i}",
                "kind": draw(st.sampled_from(["approval", "convenience"])),
                "department": draw(st.sampled_from(departments)),
                "per_1000_residents_per_year": float(draw(st.integers(0, 120))),
                "per_enterprise_per_year": float(draw(st.integers(0, 3))),
                "service_min": draw(minutes()),
                "online_share": online,
                "station_share": draw(tenths) * (1 - online),
                "incomplete_prob": draw(tenths) / 2,
            }
        )
    if all(s["per_1000_residents_per_year"] == 0 for s in services):
        services[0]["per_1000_residents_per_year"] = 50.0  # a scenario must ask for something
    used = {s["department"] for s in services}
    specialised = [
        {"count": draw(st.integers(0, 3)), "skills": [d]}
        for d in draw(st.lists(st.sampled_from(sorted(used)), max_size=2, unique=True))
    ]
    halls = [
        {
            "name": "County hall",
            "windows": [
                *specialised,
                {
                    "count": draw(st.integers(1, 4)),
                    "speed": draw(st.sampled_from([1.0, 0.8, 1.25])),
                    "precheck": draw(st.sampled_from([1.0, 0.5])),
                },
            ],
        }
    ]
    if n_towns > 1 and draw(st.booleans()):
        halls.append(
            {
                "name": "Town centre",
                "at": "Town 1",
                "serves": {"kind": ["convenience"]},
                "catchment": ["Town 1"],
                "windows": [{"count": draw(st.integers(1, 2))}],
            }
        )
    return {
        "name": "random county",
        "seed": draw(st.integers(0, 2**32)),
        "horizon": {
            "days": draw(st.integers(1, 4)),
            "start_weekday": draw(st.sampled_from(ALL_WEEK)),
        },
        "calendar": {"opening_hours": hours, "workdays": workdays},
        "travel": {
            "modes": [
                {"name": "walk", "speed_kmh": 4.5, "max_km": 2},
                {"name": "car", "speed_kmh": 45, "share": 0.7},
                {"name": "bus", "speed_kmh": 30, "share": 0.3, "access_wait_min": draw(minutes())},
            ]
        },
        "geography": {"towns": towns, "resident_km": draw(minutes(1, 10))},
        "demand": {
            "hour_profile": draw(st.sampled_from(HOUR_PROFILES)),
            "return_days": draw(st.sampled_from([1, {"dist": "empirical", "values": [1, 2, 3]}])),
        },
        "services": services,
        "halls": halls,
    }


def assert_every_request_is_accounted_for(r) -> None:
    """Every request ends completed, online, at a station, or in the system at the horizon,
    as its channel says; its tickets tell the same story."""
    m, tk = r.matters, r.tickets
    n = m["item"].size
    status, channel = m["status"], m["channel"]
    assert set(np.unique(status).tolist()) <= set(Status)
    assert ((status == Status.ONLINE_DONE) == (channel == Channel.ONLINE)).all()
    assert ((status == Status.STATION_DONE) == (channel == Channel.STATION)).all()
    in_person = channel == Channel.HALL
    assert (np.isin(status, [Status.COMPLETED, Status.IN_SYSTEM]) == in_person).all()
    # a trip is a ticket: every in-person matter has one or more, the others none
    tickets_per_matter = np.bincount(tk["matter"], minlength=n)
    np.testing.assert_array_equal(m["trips"], tickets_per_matter)
    assert (tickets_per_matter[in_person] >= 1).all()
    # a completed matter has exactly one DONE ticket, its last; an open one none
    done = np.bincount(tk["matter"][tk["outcome"] == Outcome.DONE], minlength=n)
    np.testing.assert_array_equal(done, (status == Status.COMPLETED).astype(int))
    last = np.full(n, -1)
    last[tk["matter"]] = np.arange(tk["matter"].size)  # ticket ids grow with arrival time
    assert (tk["outcome"][last[status == Status.COMPLETED]] == Outcome.DONE).all()
    assert set(tk["outcome"][last[status == Status.IN_SYSTEM]].tolist()) <= {
        Outcome.PENDING,
        Outcome.INCOMPLETE,
        Outcome.SENT_HOME,
    }
    # only a matter's last ticket may still be pending; earlier ones ended
    pending = np.flatnonzero(tk["outcome"] == Outcome.PENDING)
    assert (last[tk["matter"][pending]] == pending).all()
    # times: served tickets start after arriving and end after starting; sent home unserved
    served = np.isin(tk["outcome"], [Outcome.DONE, Outcome.INCOMPLETE])
    assert (tk["start"][served] >= tk["arrive"][served]).all()
    assert (tk["end"][served] >= tk["start"][served]).all()
    assert np.isnan(tk["start"][tk["outcome"] == Outcome.SENT_HOME]).all()
    assert (tk["arrive"] < r.horizon_min).all()


@fast(100)
@given(counties())
def test_every_request_is_accounted_for_in_random_counties(data: dict) -> None:
    scenario = sim.Scenario.model_validate(data)
    assert_every_request_is_accounted_for(simulate(scenario, 0))


def one_hall(draw, windows, per_day: tuple[int, int], incomplete: bool) -> dict:
    """One hall at the seat and one town there; items of random departments and service
    times, ``per_day`` the range of each item's requests per working day; ``windows(departments)``
    gives the hall's window groups for the departments the items have."""
    hours, workdays = draw(st.sampled_from(HOURS))
    items = draw(
        st.lists(
            st.tuples(
                st.sampled_from(DEPARTMENTS[:2]),
                st.integers(*per_day),
                minutes(1, 40),
                st.sampled_from([0.0, 0.2]) if incomplete else st.just(0.0),
            ),
            min_size=1,
            max_size=3,
        )
    )
    return {
        "name": "one hall",
        "seed": draw(st.integers(0, 2**32)),
        "horizon": {"days": draw(st.integers(1, 5))},
        "calendar": {"opening_hours": hours, "workdays": workdays},
        "travel": {"modes": [{"name": "car", "speed_kmh": 50, "share": 1}]},
        "geography": {"towns": [{"name": "Town", "population": 1000, "x_km": 0, "y_km": 0}]},
        "demand": {"days_per_year": 250, "hour_profile": draw(st.sampled_from(HOUR_PROFILES))},
        "services": [
            {
                "id": f"item{i}",
                "kind": "approval",
                "department": department,
                "per_1000_residents_per_year": float(rate * 250),  # 1000 residents
                "service_min": service,
                "incomplete_prob": p,
            }
            for i, (department, rate, service, p) in enumerate(items)
        ],
        "halls": [{"name": "Hall", "windows": windows(sorted({d for d, *_ in items}))}],
    }


@st.composite
def ample_halls(draw) -> dict:
    """More windows than visits: one pool of 1000, or 1000 per department, any speed."""
    speed = draw(st.sampled_from([1.0, 0.5, 2.0]))
    if draw(st.booleans()):
        return one_hall(draw, lambda _: [{"count": 1000, "speed": speed}], (1, 60), True)
    return one_hall(
        draw,
        lambda departments: [{"count": 1000, "skills": [d], "speed": speed} for d in departments],
        (1, 60),
        True,
    )


@fast(100)
@given(ample_halls())
def test_with_a_window_for_every_visit_nobody_waits(data: dict) -> None:
    """M/M/∞ (Ciw's ``test_mminf_node``): with at least as many windows as visits in the whole
    run, whatever the rates, service times, opening hours and returns, every visit is served
    on arrival and nobody is sent home."""
    r = simulate(sim.Scenario.model_validate(data), 0)
    tk = r.tickets
    assert tk["arrive"].size <= 1000  # the premise: windows ≥ visits
    assert (tk["start"] == tk["arrive"]).all()
    assert (tk["outcome"] != Outcome.SENT_HOME).all()
    np.testing.assert_array_equal(r.waits(), 0.0)


def _waits_by_visit(r) -> dict[tuple[int, int], float]:
    """Each ticket's wait keyed by (matter, its visit number 0, 1, …)."""
    tk, waits = r.tickets, r.waits()
    visit = np.zeros(tk["matter"].size, dtype=int)
    seen: dict[int, int] = {}
    for i, matter in enumerate(tk["matter"].tolist()):  # ids grow with arrival time
        visit[i] = seen.get(matter, 0)
        seen[matter] = visit[i] + 1
    return dict(zip(zip(tk["matter"].tolist(), visit.tolist(), strict=True), waits.tolist(),
                    strict=True))  # fmt: skip


@st.composite
def busy_single_pool_halls(draw) -> tuple[dict, int]:
    group = {"count": draw(st.integers(1, 4)), "speed": draw(st.sampled_from([1.0, 0.8]))}
    return one_hall(draw, lambda _: [group], (5, 150), incomplete=False), draw(st.integers(1, 3))


@fast(200)
@given(busy_single_pool_halls())
def test_another_window_never_makes_anyone_wait_longer(case: tuple[dict, int]) -> None:
    """With the same citizens (common random numbers), adding windows to a hall's single
    pool never lengthens any visit's wait.

    Conditions (each needed): one window group serving every item (one FIFO pool, one speed,
    so a citizen's service time does not depend on the window); no missing documents
    (``incomplete_prob: 0``). It then holds with opening hours, lunch breaks and citizens
    sent home at closing: a visit starts no later with more windows, so it is sent home only
    if it would be without them too, and comes back at the same time; the extra visits of
    the fewer-window run only delay others there. With missing documents it fails: a return
    follows the end of the service, which more windows move to an earlier day, so the runs
    see different return visits (hypothesis finds such cases within a few hundred examples).
    The rates reach loads well above 1, so queues, lunch waits and sent-home citizens occur.
    """
    data, extra = case
    base = sim.Scenario.model_validate(data)
    more = base.with_changes({"halls[0].windows[0].count": base.halls[0].windows[0].count + extra})
    few = simulate(base, 0)
    event("some sent home" if (few.tickets["outcome"] == Outcome.SENT_HOME).any() else "none")
    event("someone waits" if (few.waits() > 0).any() else "nobody waits")
    before, after = _waits_by_visit(few), _waits_by_visit(simulate(more, 0))
    assert set(after) <= set(before)  # fewer sent home: fewer return visits, none new
    worse = {k: (w, before[k]) for k, w in after.items() if w > before[k] + 1e-9}
    assert not worse, worse


def _round_trip(scenario: sim.Scenario) -> sim.Scenario:
    text = sim.dump_scenario(scenario)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.resolved.yaml"
        path.write_text(text, encoding="utf-8")
        again = sim.load_scenario(path)
    assert sim.dump_scenario(again) == text
    return again


@fast(60)
@given(counties())
def test_resolved_yaml_round_trips_random_scenarios(data: dict) -> None:
    """scenario → resolved YAML (``dump_scenario``, as ``scenario.resolved.yaml``) → scenario
    gives the same scenario, and the same YAML again."""
    scenario = sim.Scenario.model_validate(data)
    assert _round_trip(scenario) == scenario


@pytest.mark.parametrize("name", ["example-baseline.yaml", "example-same-power.yaml"])
def test_resolved_yaml_round_trips_the_examples(name: str) -> None:
    """The examples use every part of the schema, enforcement and extends included."""
    scenario = sim.load_scenario(SCENARIOS / name)
    assert _round_trip(scenario) == scenario
