"""The engine against queueing theory: M/M/c (Erlang C), M/G/1 (Pollaczek–Khinchine), skill
pools, Little's law and opening hours.

Each case builds a small scenario as data (:func:`hall_scenario`), runs independent
replications, and compares the replication means with the formula (:func:`theory_row`).
The example scenarios it needs ship inside the package (``sim/validation/scenarios/``), so
the checks run from an installed wheel, away from the repository's ``scenarios/``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from sim import Scenario, load_scenario
from sim.model import simulate
from sim.model.calendar import clock_to_min
from sim.model.records import DONE, INCOMPLETE
from sim.validation.rows import Row, theory_row
from sim.validation.theory import erlang_c, mg1_mean_wait, mmc_mean_wait

__all__ = [
    "EXAMPLES",
    "example",
    "hall_scenario",
    "little_row",
    "mg1_rows",
    "mmc_rows",
    "opening_hours_row",
    "pools_rows",
    "run_lengths",
    "ticket_waits",
]

EXAMPLES = Path(__file__).resolve().with_name("scenarios")
"""Copies of the repository's example scenarios (a test keeps them identical)."""
DAY = 1440.0
MEAN_SERVICE = 10.0


def example(name: str, days: int) -> Scenario:
    """A shipped example scenario (``example-baseline.yaml``, ``example-same-power.yaml``)
    cut to ``days`` working days."""
    return load_scenario(EXAMPLES / name, [f"horizon.days={days}"])


def hall_scenario(
    groups: list[dict],
    items: list[tuple[str, float, Any]],
    days: int,
    opening: list[list[str]] | None = None,
    seed: int = 11,
) -> Scenario:
    """One hall at the seat, one town there (no travel), items ``(department, arrivals per
    minute, service_min)``; open 24/7 unless ``opening`` is given."""
    all_week = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return Scenario.model_validate(
        {
            "name": "validation hall",
            "seed": seed,
            "horizon": {"days": days},
            "calendar": {
                "opening_hours": opening or [["00:00", "24:00"]],
                "workdays": all_week if opening is None else all_week[:5],
            },
            "travel": {"modes": [{"name": "car", "speed_kmh": 50, "share": 1}]},
            "geography": {
                "towns": [
                    {"name": "Town", "population": 1000, "x_km": 0, "y_km": 0, "resident_km": 0}
                ]
            },
            "demand": {"days_per_year": 1},
            "services": [
                {
                    "id": f"item_{dept}",
                    "kind": "approval",
                    "department": dept,
                    "per_1000_residents_per_year": rate
                    * (DAY if opening is None else _open_min(opening)),
                    "service_min": service,
                }
                for dept, rate, service in items
            ],
            "halls": [{"name": "Hall", "windows": groups}],
        }
    )


def _open_min(opening: list[list[str]]) -> float:
    return sum(clock_to_min(b) - clock_to_min(a) for a, b in opening)


def relaxation_days(c: int, load: float, mean_service: float = MEAN_SERVICE) -> float:
    """Rough relaxation time of an M/M/c queue, in days: how long its start-up lasts."""
    return mean_service / (c * (1 - math.sqrt(load)) ** 2) / DAY


def run_lengths(c: int, load: float, min_customers: int) -> tuple[int, int]:
    """Warm-up and total days: 3 and ≥ 25 relaxation times, and enough customers."""
    tau = relaxation_days(c, load)
    per_day = load * c / MEAN_SERVICE * DAY
    warm = max(1, math.ceil(3 * tau))
    days = max(warm + math.ceil(25 * tau), warm + math.ceil(min_customers / per_day), 4)
    return warm, days


def ticket_waits(scenario: Scenario, k: int, warm_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Waits and items of tickets arriving after the warm-up and before the last day."""
    r = simulate(scenario, k)
    tk = r.tickets
    keep = (tk["arrive"] >= warm_days * DAY) & (tk["arrive"] < r.horizon_min - DAY)
    waits = r.waits()[keep]
    item = r.matters["item"][tk["matter"][keep]]
    return waits, item


def mmc_rows(cases: list[tuple[int, float]], reps: int, min_customers: int) -> Iterator[Row]:
    """Mean wait and P(wait > 0) of M/M/c halls against Erlang C."""
    for c, load in cases:
        warm, days = run_lengths(c, load, min_customers)
        scenario = hall_scenario(
            [{"count": c}],
            [("dept", load * c / MEAN_SERVICE, {"dist": "exponential", "mean": MEAN_SERVICE})],
            days,
        )
        waits = [ticket_waits(scenario, k, warm)[0] for k in range(reps)]
        name = f"M/M/{c}, load {load}"
        note = f"{reps} replications × {days - warm - 1} days, after a {warm}-day warm-up"
        yield theory_row(
            name,
            "mean wait (min)",
            mmc_mean_wait(c, load * c / MEAN_SERVICE, MEAN_SERVICE),
            "Erlang C",
            np.array([w.mean() for w in waits]),
            note,
        )
        yield theory_row(
            name,
            "P(wait > 0)",
            erlang_c(c, load * c),
            "Erlang C",
            np.array([(w > 1e-9).mean() for w in waits]),
            note,
        )


def mg1_rows(reps: int, min_customers: int) -> Iterator[Row]:
    """One window, lognormal and constant service, against Pollaczek–Khinchine."""
    load = 0.7
    for label, service, variance in (
        ("lognormal, CV 1.5", {"dist": "lognormal", "mean": MEAN_SERVICE, "sd": 15}, 15.0**2),
        ("constant", MEAN_SERVICE, 0.0),
    ):
        warm, days = run_lengths(1, load, min_customers)
        days *= 2 if variance else 1  # heavier tails relax more slowly
        scenario = hall_scenario([{"count": 1}], [("dept", load / MEAN_SERVICE, service)], days)
        waits = [ticket_waits(scenario, k, warm)[0].mean() for k in range(reps)]
        yield theory_row(
            f"M/G/1, {label}, load {load}",
            "mean wait (min)",
            mg1_mean_wait(load / MEAN_SERVICE, MEAN_SERVICE, variance),
            "Pollaczek–Khinchine",
            np.array(waits),
        )


def pools_rows(reps: int, min_customers: int) -> Iterator[Row]:
    """Two specialised pools in one hall: each behaves as its own M/M/c."""
    pools = {"A": (3, 0.8), "B": (5, 0.7)}
    warm, days = max(run_lengths(c, load, min_customers) for c, load in pools.values())
    scenario = hall_scenario(
        [{"count": c, "skills": [dept]} for dept, (c, _) in pools.items()],
        [
            (dept, load * c / MEAN_SERVICE, {"dist": "exponential", "mean": MEAN_SERVICE})
            for dept, (c, load) in pools.items()
        ],
        days,
    )
    runs = [ticket_waits(scenario, k, warm) for k in range(reps)]
    for i, (dept, (c, load)) in enumerate(pools.items()):
        yield theory_row(
            f"two skill pools: pool {dept} (M/M/{c}, load {load})",
            "mean wait (min)",
            mmc_mean_wait(c, load * c / MEAN_SERVICE, MEAN_SERVICE),
            "Erlang C",
            np.array([w[item == i].mean() for w, item in runs]),
        )


def little_row() -> Row:
    """Little's law at the busy example county hall (lunch breaks, closing, returns)."""
    scenario = example("example-same-power.yaml", 20)
    r = simulate(scenario, 0)
    tk = r.tickets
    hall = tk["hall"] == 0
    lam = hall.sum() / r.horizon_min
    wait = r.waits()[hall].mean()
    queue = r.halls["queue_area"][0] / r.horizon_min
    error = abs(queue - lam * wait)
    return Row(
        "theory",
        "Little's law, example same-power county hall (20 days)",
        "mean number waiting",
        lam * wait,
        "Little: L = λW, an identity",
        queue,
        tolerance=1e-9 * lam * wait,
        passed=bool(error <= 1e-9 * lam * wait),
        note=f"|L − λW| = {error:.1e}; L is the hall's own running queue integral",
    )


def opening_hours_row(reps: int) -> Row:
    """Working hours, flat profile, enough windows that nobody waits past closing:
    every arrival is served the same day."""
    per_min = 0.3
    opening = [["08:30", "12:00"], ["14:00", "17:30"]]
    scenario = hall_scenario(
        [{"count": 8}],
        [("dept", per_min, {"dist": "exponential", "mean": MEAN_SERVICE})],
        days=20,
        opening=opening,
    )
    per_day = per_min * _open_min(opening)
    values = []
    for k in range(reps):
        r = simulate(scenario, k)
        values.append(np.isin(r.tickets["outcome"], (DONE, INCOMPLETE)).sum() / r.days)
    return theory_row(
        "opening hours, flat profile, no carry-over (8 windows, load 0.375)",
        "services per day",
        per_day,
        "arrivals per day",
        np.array(values),
    )
