"""Columnar records of a run: compact buffers filled during the run, numpy arrays after.

The ticket log has one row per visit to a hall (a ticket drawn at the door).
Buffers are ``array.array`` columns: appending costs no Python object per value,
so memory grows by a few dozen bytes per visit.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from sim.model.calendar import Clock
from sim.model.codes import Outcome

__all__ = [
    "wait_ends",
    "DONE",
    "EnforcementTotals",
    "INCOMPLETE",
    "PENDING",
    "SENT_HOME",
    "Records",
    "TicketLog",
    "VisitLog",
]

PENDING, DONE, INCOMPLETE, SENT_HOME = Outcome

TICKET_COLUMNS = {
    "matter": "l",
    "hall": "h",
    "group": "h",
    "outcome": "b",
    "arrive": "d",
    "start": "d",
    "end": "d",
}


class _Columns:
    """Growable typed columns (``array.array``), exported as numpy views."""

    COLUMNS: dict[str, str] = {}

    def __init__(self) -> None:
        for name, code in self.COLUMNS.items():
            setattr(self, name, array(code))

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {  # views on the buffers: no copy
            name: np.frombuffer(getattr(self, name), dtype=np.dtype(code))
            for name, code in self.COLUMNS.items()
        }


class TicketLog(_Columns):
    """Tickets; ``start``/``end`` are NaN until they happen."""

    COLUMNS = TICKET_COLUMNS

    def new(self, matter: int, hall: int, t: float) -> int:
        """Append a ticket arriving at ``t``; return its id (ids grow with arrival time)."""
        self.matter.append(matter)
        self.hall.append(hall)
        self.group.append(-1)
        self.outcome.append(PENDING)
        self.arrive.append(t)
        self.start.append(np.nan)
        self.end.append(np.nan)
        return len(self.arrive) - 1


class VisitLog:
    """Enforcement visits: one row per crew leg (drive from ``depart``, on site from
    ``arrive`` to ``leave``). ``kind`` 0 routine (``target`` = enterprise, ``checks``
    cleared), 1 incident (``target`` = incident).

    Rows go into one flat float buffer, one ``extend`` a visit (the crews' hot path);
    all values are integers or floats that float64 holds exactly.
    """

    COLUMNS = {
        "team": "i2",
        "crew": "i2",
        "kind": "i1",
        "target": "i8",
        "town": "i2",
        "checks": "i2",
        "depart": "f8",
        "arrive": "f8",
        "leave": "f8",
        "km": "f8",
    }

    def __init__(self) -> None:
        self.rows = array("d")
        self.add = self.rows.extend
        """``add((team, crew, kind, target, town, checks, depart, arrive, leave, km))``"""

    def to_arrays(self) -> dict[str, np.ndarray]:
        table = np.frombuffer(self.rows, dtype=float).reshape(-1, len(self.COLUMNS))
        return {
            name: table[:, i].astype(code) for i, (name, code) in enumerate(self.COLUMNS.items())
        }


@dataclass
class EnforcementTotals:
    """What enforcement did in one replication, beside its visit log: per team, per
    enterprise, per scheduled check and per incident (indices into the scenario's lists)."""

    team_crews: np.ndarray
    team_staff: np.ndarray
    """Inspectors: crews × inspectors per crew."""
    team_busy_min: np.ndarray
    """Crew-minutes driving or on site."""
    team_km: np.ndarray
    ent_town: np.ndarray
    check_team: np.ndarray
    check_town: np.ndarray
    check_due: np.ndarray
    """Working day the check falls due (checks due after the horizon included)."""
    check_done: np.ndarray
    """Minute the check was done; NaN if not."""
    inc_team: np.ndarray
    inc_town: np.ndarray
    inc_report: np.ndarray
    """Minute the incident was reported to its team."""
    inc_delay: np.ndarray
    inc_whistled: np.ndarray
    """Whether the town whistled up the county team (吹哨报到)."""


@dataclass
class Records:
    """What one replication produced: per-matter and per-ticket arrays and per-hall totals."""

    matters: dict[str, np.ndarray]
    """One entry per request (see :func:`sim.model.simulate` for the columns)."""
    tickets: dict[str, np.ndarray]
    """One entry per visit to a hall: matter, hall, group, outcome, arrive, start, end."""
    halls: dict[str, np.ndarray]
    """Per hall: windows, queue_area (ticket-minutes waited, tracked by the hall itself)."""
    clock: Clock
    """The run's working days and opening hours (stages after the run read them here)."""
    visits: dict[str, np.ndarray] | None = None
    """Enforcement visits (see :class:`VisitLog`), when the scenario has enforcement."""
    enforcement: EnforcementTotals | None = None
    """Enforcement totals, when the scenario has enforcement."""

    @property
    def days(self) -> int:
        return self.clock.days

    @property
    def horizon_min(self) -> float:
        return self.clock.horizon_min

    @property
    def open_min(self) -> float:
        """Minutes open over the horizon (per hall: all halls keep the same hours)."""
        return self.clock.open_min

    def waits(self) -> np.ndarray:
        """Per ticket, minutes waited (see :func:`wait_ends`)."""
        return wait_ends(self.tickets, self.horizon_min) - self.tickets["arrive"]


def wait_ends(tickets: dict[str, np.ndarray], horizon_min: float) -> np.ndarray:
    """When each ticket stops waiting: at the start of service, when sent home, or (still
    waiting) at the horizon. The one definition of a ticket's wait (end − arrival)."""
    end = np.where(np.isnan(tickets["end"]), horizon_min, tickets["end"])
    return np.where(np.isnan(tickets["start"]), end, tickets["start"])
