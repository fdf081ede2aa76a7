"""The working calendar: opening hours, working days, their dates, and sim minutes.

Simulation time is in minutes from 00:00 of the first calendar day: a
``horizon.start_weekday`` when the horizon counts ``horizon.days`` working days, or
``horizon.start`` when it is a date range. The run ends at midnight after the last
working day. Which dates are worked (public holidays, make-up working days) is decided
by the scenario layer, which hands the model the list (``scenario.workday_dates``): the
model looks up no holidays itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.scenario import Scenario

__all__ = ["DAY_MIN", "MONTHS", "WEEKDAYS", "Clock", "Period", "clock_to_min", "month_weights"]

DAY_MIN = 1440
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def clock_to_min(text: str) -> int:
    """``"08:30"`` -> 510 minutes after midnight; ``"24:00"`` is allowed."""
    match = _CLOCK.match(text)
    if match is None or (int(match[1]) == 24 and match[2] != "00"):
        raise ValueError(f'expected a clock time "HH:MM" between 00:00 and 24:00, got {text!r}')
    return int(match[1]) * 60 + int(match[2])


@dataclass(frozen=True)
class Period:
    """A span in which halls are open; ``sends_home`` if tickets still waiting at its end
    go home (the day is over), otherwise they wait for the next period (lunch)."""

    start: float
    end: float
    sends_home: bool


class Clock:
    """Working days and opening periods of a scenario in absolute sim minutes."""

    def __init__(self, scenario: Scenario):
        cal, horizon = scenario.calendar, scenario.horizon
        self.intervals = cal.intervals_min
        dated = scenario.workday_dates
        self.dates: tuple[date, ...] | None = None
        """Date of each working day, when the horizon is a date range (else None)."""
        self.year_dates: tuple[date, ...] = ()
        """Working dates of every calendar year the run touches (to weigh months by)."""
        self.start_date: date | None = None
        """The date at sim minute 0 (``horizon.start``), with a date range."""
        if dated is None:
            workdays = {WEEKDAYS.index(d) for d in cal.workdays}
            first = WEEKDAYS.index(horizon.start_weekday)
            starts, day = [], 0
            while len(starts) < horizon.days:
                if (first + day) % 7 in workdays:
                    starts.append(day * DAY_MIN)
                day += 1
            weekday = [WEEKDAYS[(first + int(s // DAY_MIN)) % 7] for s in starts]
        else:
            self.year_dates, self.start_date = tuple(dated), horizon.start
            self.dates = tuple(d for d in dated if horizon.start <= d <= horizon.end)
            starts = [(d - horizon.start).days * DAY_MIN for d in self.dates]
            weekday = [WEEKDAYS[d.weekday()] for d in self.dates]
        self.weekday = weekday
        """Weekday name of each working day."""
        self.day_start = np.array(starts, dtype=float)
        """Sim minute of 00:00 of each working day."""
        self.days = len(starts)
        self.horizon_min = float(starts[-1] + DAY_MIN)
        self.open_min_per_day = float(sum(b - a for a, b in self.intervals))
        self.periods = self._periods()
        starts = np.array([p.start for p in self.periods])
        lengths = np.array([p.end - p.start for p in self.periods])
        self._period_start, self._period_length = starts, lengths
        self._open_before = np.concatenate(([0.0], np.cumsum(lengths)))

    def _periods(self) -> list[Period]:
        spans = [(s + a, s + b) for s in self.day_start for a, b in self.intervals]
        merged: list[list[float]] = []
        for a, b in spans:
            if merged and merged[-1][1] == a:  # open across midnight: one period
                merged[-1][1] = b
            else:
                merged.append([a, b])
        periods = []
        for i, (a, b) in enumerate(merged):
            last = i == len(merged) - 1
            same_day = not last and int(merged[i + 1][0] // DAY_MIN) == int((b - 1e-9) // DAY_MIN)
            periods.append(Period(a, b, sends_home=not same_day))
        return periods

    @property
    def open_min(self) -> float:
        """Minutes open over the whole horizon."""
        return self.open_min_per_day * self.days

    def day_of(self, t: np.ndarray | float) -> np.ndarray:
        """Index of the working day in which each time falls (last one started)."""
        return np.searchsorted(self.day_start, t, side="right") - 1

    def date_of(self, t: np.ndarray) -> np.ndarray:
        """The calendar date (``datetime64[D]``) of each sim minute in ``t``; only for a run
        with a date range."""
        if self.start_date is None:
            raise ValueError("the run counts working days: it has no dates")
        days = np.floor_divide(np.asarray(t, dtype=float), DAY_MIN).astype(np.int64)
        return np.datetime64(self.start_date, "D") + days

    def open_until(self, t: np.ndarray) -> np.ndarray:
        """Minutes open from the start of the run up to each time in ``t``: the open minutes
        within [a, b) are ``open_until(b) - open_until(a)``."""
        t = np.asarray(t, dtype=float)
        k = np.searchsorted(self._period_start, t, side="right") - 1
        inside = np.clip(t - self._period_start[k], 0, self._period_length[k])
        return np.where(k >= 0, self._open_before[k] + inside, 0.0)


def month_weights(
    profile: Mapping[str, float], dates: Sequence[date], year_dates: Sequence[date]
) -> np.ndarray:
    """Weight of each working day in ``dates`` from its month's weight in ``profile``
    (``MONTHS`` keys; unnamed months weigh 1), divided by the mean weight of the working
    days of its calendar year (``year_dates``: every working date of the years the dates
    touch). A whole year's volume is then the same as with a flat profile, whatever the
    number of working days each month has (the Spring Festival makes February short)."""
    weight = np.array([profile.get(m, 1.0) for m in MONTHS], dtype=float)
    years = np.array([d.year for d in year_dates])
    months = np.array([d.month - 1 for d in year_dates])
    mean = {int(y): float(weight[months[years == y]].mean()) for y in np.unique(years)}
    return np.array([weight[d.month - 1] / mean[d.year] for d in dates], dtype=float)
