"""The codes stored in a run's arrays, in one place: how a request is handled, how a
matter ends, how a visit to a hall ends, and what an enforcement visit is for.

``IntEnum`` members are plain integers in numpy arrays and ``array.array`` buffers; the
modules bind the members they use in hot loops to module names (same objects, fast).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Channel", "Outcome", "Status", "VisitKind"]


class Channel(IntEnum):
    """How a request is handled (``matters["channel"]``)."""

    ONLINE = 0
    STATION = 1
    """Taken in by a village station on the citizen's behalf (no trip)."""
    HALL = 2
    """In person at a hall."""


class Status(IntEnum):
    """How a matter ends (``matters["status"]``)."""

    COMPLETED = 0
    """Completed at a hall."""
    ONLINE_DONE = 1
    STATION_DONE = 2
    IN_SYSTEM = 3
    """Still waiting, in service or due back at the horizon."""


class Outcome(IntEnum):
    """How a visit to a hall (a ticket) ends (``tickets["outcome"]``)."""

    PENDING = 0
    """Still waiting or in service at the horizon."""
    DONE = 1
    """Served, and the matter completed."""
    INCOMPLETE = 2
    """Served, but documents were missing: the citizen comes back."""
    SENT_HOME = 3
    """Still waiting at closing: sent home, back another day."""


class VisitKind(IntEnum):
    """What an enforcement crew's visit is for (``visits["kind"]``)."""

    ROUTINE = 0
    INCIDENT = 1
