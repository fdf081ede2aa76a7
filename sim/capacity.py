"""Offered load: the work a scenario sends each hall's window pools, against their capacity.

Analytic, from the scenario alone (no simulation): the expected in-person requests of
each item and town (annual volume × the share neither online nor at a station, spread
over ``days_per_year`` working days and the opening hours), sent to the hall the town
uses for that item. A request's work is its mean service time, once more with
probability ``incomplete_prob`` (the return visit after missing documents).

A *pool* is a set of window groups and the departments only they may serve. Windows can
keep up in the long run only if, for every set of departments, their work fits in the
windows able to serve them; the worst such set is a pool of the departments whose
eligible groups all lie within some union of groups, so every such union is checked.
Load ``ρ = work / capacity`` (capacity: windows × speed); ρ ≥ 1 means the queue grows
without bound over the day and citizens are sent home.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from sim.model.calendar import month_weights
from sim.model.demand import DayProfile, weekday_weights
from sim.model.geography import CountyMap
from sim.scenario import Scenario

__all__ = ["OVERLOAD", "Pool", "offered_load"]

OVERLOAD = 0.95
"""Load from which ``check`` warns: queues then grow long within a day."""


@dataclass(frozen=True)
class Pool:
    hall: str
    departments: tuple[str, ...]
    """Departments whose every eligible window is in this pool."""
    groups: tuple[int, ...]
    """Indices of the hall's window groups in the pool."""
    windows: int
    """Windows (staff) in the pool."""
    whole_hall: bool
    """The pool holds every department with demand at the hall."""
    requests_per_hour: float
    """Expected visits per open hour for the pool's departments (returns included)."""
    can_serve_per_hour: float
    """Visits per open hour the pool's windows serve when always busy."""

    peak: float
    """Demand in the busiest hour of the busiest weekday (of the busiest month in the run,
    with a date range), relative to the average open hour (from the hour, weekday and
    month profiles)."""

    @property
    def load(self) -> float:
        """Average load over the opening hours (≥ 1: the windows cannot keep up)."""
        if self.can_serve_per_hour == 0:
            return float("inf") if self.requests_per_hour > 0 else 0.0
        return self.requests_per_hour / self.can_serve_per_hour

    @property
    def peak_load(self) -> float:
        """Load in the busiest hour (queues build up then, and clear later if ``load`` < 1)."""
        return self.load * self.peak


def offered_load(scenario: Scenario) -> list[Pool]:
    """Every hall's pools with demand: each department's own pool (the groups able to serve
    it), the whole hall, and any other union of groups whose load is at least
    :data:`OVERLOAD`. Sorted by hall, then by load (highest first)."""
    county = CountyMap(scenario)
    peak = _peak(scenario)
    departments = sorted({s.department for s in scenario.services})
    hours = sum(b - a for a, b in scenario.calendar.intervals_min) / 60
    per_hour = 1 / scenario.demand.days_per_year / hours
    visits = np.zeros((len(scenario.halls), len(departments)))
    work = np.zeros_like(visits)  # minutes of service per open hour
    for i, s in enumerate(scenario.services):
        d = departments.index(s.department)
        for t, town in enumerate(scenario.geography.towns):
            h = county.choice[i, t]
            if h < 0:
                continue
            annual = (
                s.per_1000_residents_per_year * town.population / 1000
                + s.per_enterprise_per_year * town.enterprises
            )
            in_person = 1 - s.online_share - (s.station_share if town.stations else 0.0)
            n = annual * in_person * per_hour * (1 + s.incomplete_prob)
            visits[h, d] += n
            work[h, d] += n * s.service_min.mean
    pools: list[Pool] = []
    for h, hall in enumerate(scenario.halls):
        groups = hall.windows
        serves = [
            {g for g, w in enumerate(groups) if w.skills == "all" or dept in w.skills}
            for dept in departments
        ]
        wanted = [d for d in range(len(departments)) if visits[h, d] > 0]
        own = {frozenset(serves[d]) for d in wanted}
        unions = {frozenset().union(*c) for r in range(1, len(own) + 1)
                  for c in itertools.combinations(own, r)}  # fmt: skip
        mine: list[Pool] = []
        for union in unions:
            depts = [d for d in wanted if serves[d] <= union]
            speed = sum(groups[g].count * groups[g].speed for g in union)
            n, minutes = visits[h, depts].sum(), work[h, depts].sum()
            pool = Pool(
                hall=hall.name,
                departments=tuple(departments[d] for d in depts),
                groups=tuple(sorted(union)),
                windows=sum(groups[g].count for g in union),
                whole_hall=len(depts) == len(wanted),
                requests_per_hour=float(n),
                can_serve_per_hour=float(60 * speed / (minutes / n)) if minutes else np.inf,
                peak=peak,
            )
            if union in own or pool.whole_hall or pool.load >= OVERLOAD:
                mine.append(pool)
        pools += sorted(mine, key=lambda p: (-p.load, p.groups))
    return pools


def _peak(scenario: Scenario) -> float:
    """Busiest hour's demand over the average open hour's: hour profile × weekday profile
    × the busiest month of the run (month profile, normalised over the year)."""
    profile = DayProfile(scenario.calendar.intervals_min, scenario.demand.hour_profile)
    density = np.diff(np.concatenate(([0.0], profile.cum))) / profile.length
    day = density.max() * profile.length.sum()  # 1 for a flat profile
    week = weekday_weights(scenario.demand, scenario.calendar.workdays, scenario.calendar.workdays)
    month = 1.0
    if scenario.run_dates is not None and scenario.demand.month_profile:
        weights = month_weights(
            scenario.demand.month_profile, scenario.run_dates, scenario.workday_dates
        )
        month = float(weights.max())
    return float(day * week.max() * month)
