"""Dates of a scenario: which dates of a dated horizon are worked, and month names.

A date range (``horizon: {start, end}``) is worked on the weekdays of
``calendar.workdays`` except China's public holidays, plus China's make-up working days
(调休), as the maintained ``chinesecalendar`` package lists them
(``calendar.public_holidays: china``, the default; ``none`` uses weekdays only). The
scenario's own ``calendar.holidays`` are then taken off and ``calendar.extra_workdays``
added. A year the package does not cover is refused (the message says how to go on:
upgrade the package, or give the year's holidays by hand): results never silently
treat the National Day week as working days.

The model gets the outcome as plain data (a tuple of dates, ``Scenario.workday_dates``)
and looks up no holidays itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sim.errors import ReferenceProblems, closest, shown
from sim.model.calendar import MONTHS, WEEKDAYS

__all__ = [
    "MAX_SPAN_YEARS",
    "NotCovered",
    "month_key",
    "month_profile",
    "parse_date",
    "public_days",
    "workday_dates",
]

MAX_SPAN_YEARS = 20
"""Longest date range a horizon may cover (its working days are also at most 3650)."""
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAMES = {
    **{m: m for m in MONTHS},
    **{
        full: MONTHS[i]
        for i, full in enumerate(
            (
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            )
        )
    },
    "sept": "sep",
}


def parse_date(value: Any) -> date:
    """A date from ``YYYY-MM-DD`` text (or a ``date``); ValueError saying what is wrong.
    Numbers are refused (pydantic would read 20250101 as seconds since 1970)."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and _ISO.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"no such date ({exc})") from None
    raise ValueError("expected a date as YYYY-MM-DD (e.g. 2025-01-01)")


def month_key(key: Any) -> str | None:
    """``jan`` .. ``dec`` for a month written as an English name (``Jan``, ``january``), a
    number 1-12 or ``1月``-``12月``; None if ``key`` names no month."""
    if isinstance(key, bool):
        return None
    text = str(key).strip().lower().removesuffix("月")
    if text.isdigit() and 1 <= int(text) <= 12:
        return MONTHS[int(text) - 1]
    return _NAMES.get(text)


def month_profile(value: Any) -> dict[str, Any]:
    """``demand.month_profile`` as ``{jan: w, ..., dec: w}`` (months in order, only those
    given) from 12 weights Jan..Dec or a mapping of month → weight. Raises
    :class:`ReferenceProblems` naming the key at fault."""
    if isinstance(value, list | tuple):
        if len(value) != 12:
            raise ReferenceProblems(
                [
                    (
                        "demand.month_profile",
                        f"expected 12 weights, January to December, got {len(value)}",
                    )
                ]
            )
        return dict(zip(MONTHS, value, strict=True))
    if not isinstance(value, dict):
        return value  # pydantic says what was expected
    out: dict[str, Any] = {}
    problems = []
    for key, weight in value.items():
        month = month_key(key)
        if month is None:
            problems.append(
                (
                    f"demand.month_profile.{key}",
                    f"unknown month {shown(key)}{closest(str(key).lower(), list(_NAMES))}; "
                    "write jan..dec, 1..12 or 1月..12月",
                )
            )
        elif month in out:
            problems.append((f"demand.month_profile.{key}", f"{month} is given twice"))
        else:
            out[month] = weight
    if problems:
        raise ReferenceProblems(problems)
    return {m: out[m] for m in MONTHS if m in out}


class NotCovered(ValueError):
    """Years whose public holidays the installed chinesecalendar does not know."""

    def __init__(self, message: str, years: list[int]):
        self.years = years
        super().__init__(message)


def public_days(source: str, years: Iterable[int]) -> tuple[set[date], set[date]]:
    """China's public holidays (days off, weekends within a holiday included) and make-up
    working days (调休) in ``years``, from ``chinesecalendar``; two empty sets for
    ``source == "none"``. :class:`NotCovered` for years the package does not cover."""
    if source == "none":
        return set(), set()
    import chinese_calendar

    years = sorted(set(years))
    first, last = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
    missing = [y for y in years if not first <= y <= last]
    if missing:
        shown_years = ", ".join(map(str, missing))
        raise NotCovered(
            f"chinesecalendar {chinese_calendar.__version__} knows China's public holidays "
            f"for {first}–{last} only, not {shown_years}: upgrade it (pip install -U "
            "chinesecalendar) once the State Council has published them, or set "
            "calendar.public_holidays: none and list that year's holidays in "
            "calendar.holidays (and its make-up working days in calendar.extra_workdays)",
            missing,
        )
    off = {d for d in chinese_calendar.holidays if d.year in years}
    on = {d for d in chinese_calendar.workdays if d.year in years}
    return off, on


def workday_dates(
    start: date,
    end: date,
    workdays: Iterable[str],
    public_holidays: str,
    holidays: Iterable[date],
    extra_workdays: Iterable[date],
) -> tuple[date, ...]:
    """Every working date of the calendar years ``start.year`` .. ``end.year`` (whole
    years: month weights are normalised over a year); :class:`NotCovered` from
    :func:`public_days`."""
    years = range(start.year, end.year + 1)
    off, on = public_days(public_holidays, years)
    off |= set(holidays)
    on = (on - set(holidays)) | set(extra_workdays)
    weekdays = {WEEKDAYS.index(d) for d in workdays}
    day, last, out = date(start.year, 1, 1), date(end.year, 12, 31), []
    while day <= last:
        if day in on or (day.weekday() in weekdays and day not in off):
            out.append(day)
        day += timedelta(days=1)
    return tuple(out)
