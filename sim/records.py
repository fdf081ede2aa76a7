"""Columnar records of a run: compact buffers filled during the run, numpy arrays after.

The ticket log has one row per visit to a hall (a ticket drawn at the door).
Buffers are ``array.array`` columns: appending costs no Python object per value,
so memory grows by a few dozen bytes per visit.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np

__all__ = ["DONE", "INCOMPLETE", "PENDING", "SENT_HOME", "Records", "TicketLog"]

PENDING, DONE, INCOMPLETE, SENT_HOME = 0, 1, 2, 3
"""Ticket outcomes: still waiting or in service at the horizon; served and the matter
completed; served but documents were missing; still waiting at closing, sent home."""

TICKET_COLUMNS = {
    "matter": "l",
    "hall": "h",
    "group": "h",
    "outcome": "b",
    "arrive": "d",
    "start": "d",
    "end": "d",
}


class TicketLog:
    """Growable columns of tickets; ``start``/``end`` are NaN until they happen."""

    def __init__(self) -> None:
        for name, code in TICKET_COLUMNS.items():
            setattr(self, name, array(code))

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

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {  # views on the buffers: no copy
            name: np.frombuffer(getattr(self, name), dtype=np.dtype(code))
            for name, code in TICKET_COLUMNS.items()
        }


@dataclass
class Records:
    """What one replication produced: per-matter and per-ticket arrays and per-hall totals."""

    matters: dict[str, np.ndarray]
    """One entry per request (see :func:`sim.model.simulate` for the columns)."""
    tickets: dict[str, np.ndarray]
    """One entry per visit to a hall: matter, hall, group, outcome, arrive, start, end."""
    halls: dict[str, np.ndarray]
    """Per hall: windows, queue_area (ticket-minutes waited, tracked by the hall itself)."""
    days: int
    horizon_min: float
    open_min: float
    """Minutes open over the horizon (per hall: all halls keep the same hours)."""
    extra: dict[str, float] = field(default_factory=dict)
