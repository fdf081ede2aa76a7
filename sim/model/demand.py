"""Demand: every request of a run, drawn up front, and its channel (online, station, hall).

Requests of item *i* in town *t* arrive as a Poisson process: the annual volume
(per 1000 residents and per enterprise) spread over ``days_per_year`` working
days, scaled by the weekday profile (normalised to mean 1 over the working week)
and, when the run has dates, by the month profile (normalised so that a calendar
year's volume is unchanged), and placed within the day by the hour profile (relative
weights over opening hours). The time of a request is the time the citizen reaches the hall.

All of a citizen's randomness (channel draw, home distance, mode draw, access
waits, missing documents, service times, return delays and the time of day of a
return visit) is drawn here from
streams keyed by item and town, before any policy applies: two scenarios with the
same seed see the same citizens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.calendar import Clock, clock_to_min, month_weights
from sim.model.codes import Channel
from sim.model.geography import CountyMap
from sim.model.rng import Streams

if TYPE_CHECKING:
    from sim.scenario import Demand, Scenario

__all__ = [
    "HALL",
    "ONLINE",
    "RETURN_TURN",
    "STATION",
    "DayProfile",
    "Matters",
    "generate_matters",
]

ONLINE, STATION, HALL = Channel
RETURN_TURN = (5**0.5 - 1) / 2
"""Golden-ratio turn of a citizen's return draw for each further return after being sent
home: the k-th return time is as random as the first, from the same stream (no new draws)."""


class DayProfile:
    """Piecewise-constant arrival density over a working day's opening hours."""

    def __init__(self, intervals: list[tuple[int, int]], hour_profile: dict[str, float]):
        steps = sorted((clock_to_min(k), w) for k, w in hour_profile.items())
        segments = []
        for a, b in intervals:
            cuts = sorted({a, b, *(c for c, _ in steps if a < c < b)})
            for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
                weight = 1.0
                for c, w in steps:
                    if c <= lo:
                        weight = w
                segments.append((lo, hi, weight))
        self.start = np.array([s[0] for s in segments], dtype=float)
        self.length = np.array([s[1] - s[0] for s in segments], dtype=float)
        mass = self.length * np.array([s[2] for s in segments])
        if mass.sum() <= 0:
            raise ValueError("the hour profile gives no weight to any opening hour")
        self.cum = np.cumsum(mass) / mass.sum()

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Minutes after midnight of ``size`` arrivals."""
        return self.at(rng.random(size))

    def at(self, u: np.ndarray | float) -> np.ndarray:
        """Minutes after midnight at which the profile's distribution reaches ``u`` ∈ [0, 1):
        uniform ``u`` gives arrival times distributed as the profile (inverse transform)."""
        u = np.asarray(u, dtype=float)
        seg = np.minimum(np.searchsorted(self.cum, u, side="right"), len(self.cum) - 1)
        lo = np.concatenate(([0.0], self.cum))[seg]
        frac = (u - lo) / (self.cum[seg] - lo)
        return self.start[seg] + frac * self.length[seg]


def weekday_weights(demand: Demand, workdays: list[str], days: list[str]) -> np.ndarray:
    """Weight of each working day, normalised so the working week averages 1."""
    mean = np.mean([demand.weekday_profile.get(d, 1.0) for d in workdays])
    if mean <= 0:
        raise ValueError("the weekday profile gives no weight to any working day")
    return np.array([demand.weekday_profile.get(d, 1.0) / mean for d in days])


@dataclass
class Matters:
    """All requests of one run, in order of arrival; one entry per request."""

    item: np.ndarray
    town: np.ndarray
    t: np.ndarray
    """Arrival time (minutes) at the hall, or of the request when not in person."""
    channel: np.ndarray
    """ONLINE, STATION or HALL."""
    hall: np.ndarray
    """Hall index for in-person matters, -1 otherwise."""
    home_km: np.ndarray
    mode_u: np.ndarray
    access_min: dict[int, np.ndarray]
    """One-way access wait drawn per matter, for each mode whose wait is random (by index)."""
    doc_u: np.ndarray
    """Uniform draw: documents are missing if below the item's incomplete_prob × pre-check."""
    service_min: np.ndarray
    """Base service minutes [matter, visit]: first visit, visit after missing documents."""
    return_days: np.ndarray
    return_u: np.ndarray
    """Uniform draws [matter, 0/1] placing a return visit within its day by the hour profile:
    0 after missing documents, 1 after being sent home (turned by ``RETURN_TURN`` for each
    further time the same citizen is sent home)."""
    station_days: np.ndarray

    def __len__(self) -> int:
        return int(self.t.size)


def generate_matters(
    scenario: Scenario, clock: Clock, county: CountyMap, streams: Streams
) -> Matters:
    """Draw every request of the run (pure: same inputs, same matters)."""
    profile = DayProfile(clock.intervals, scenario.demand.hour_profile)
    day_weight = weekday_weights(scenario.demand, scenario.calendar.workdays, clock.weekday)
    if scenario.demand.month_profile and clock.dates is not None:  # else the same numbers
        day_weight = day_weight * month_weights(
            scenario.demand.month_profile, clock.dates, clock.year_dates
        )
    per_year = scenario.demand.days_per_year
    random_access = [
        (j, m) for j, m in enumerate(scenario.travel.modes) if m.access_wait_min.variance > 0
    ]
    parts: list[dict[str, np.ndarray]] = []
    for i, service in enumerate(scenario.services):
        for t, town in enumerate(scenario.geography.towns):
            annual = (
                service.per_1000_residents_per_year * town.population / 1000
                + service.per_enterprise_per_year * town.enterprises
            )
            key = (service.id, town.name)
            counts = streams.get("arrivals", *key).poisson(annual / per_year * day_weight)
            n = int(counts.sum())
            day = np.repeat(np.arange(clock.days), counts)
            when = clock.day_start[day] + profile.sample(streams.get("clock", *key), n)
            u = streams.get("channel", *key).random(n)
            station = service.station_share if town.stations else 0.0
            channel = np.where(
                u < service.online_share,
                ONLINE,
                np.where(u < service.online_share + station, STATION, HALL),
            )
            parts.append(
                {
                    "item": np.full(n, i, dtype=np.int32),
                    "town": np.full(n, t, dtype=np.int32),
                    "t": when,
                    "channel": channel.astype(np.int8),
                    "hall": np.where(channel == HALL, county.choice[i, t], -1).astype(np.int32),
                    "home_km": county.resident_km[t].sample(streams.get("home", *key), n),
                    "mode_u": streams.get("mode", *key).random(n),
                    **{
                        f"access_{j}": m.access_wait_min.sample(
                            streams.get("access", m.name, *key), n
                        )
                        for j, m in random_access
                    },
                    "doc_u": streams.get("documents", *key).random(n),
                    "service_min": service.service_min.sample(
                        streams.get("service", *key), 2 * n
                    ).reshape(n, 2),
                    "return_days": np.maximum(
                        1,
                        np.rint(scenario.demand.return_days.sample(streams.get("return", *key), n)),
                    ).astype(np.int32),
                    "return_u": streams.get("return_clock", *key).random((n, 2), np.float32),
                    "station_days": np.rint(
                        scenario.demand.station_days.sample(streams.get("station", *key), n)
                    ).astype(np.int32),
                }
            )
    order = np.argsort(np.concatenate([p["t"] for p in parts]), kind="stable")
    columns = {}
    for key in list(parts[0]):  # one column at a time: peak memory ≈ one extra column
        columns[key] = np.concatenate([p.pop(key) for p in parts])[order]
    access = {j: columns.pop(f"access_{j}") for j, _ in random_access}
    return Matters(**columns, access_min=access)
