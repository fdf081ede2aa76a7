"""Halls, window groups with skills, tickets and their queues.

A citizen draws a ticket at the door. A free window whose skills cover the item's
department takes the oldest ticket it may serve (first come, first served within
what it is allowed to serve); when a ticket arrives and several eligible windows
are free, the most specialised group (fewest skills) takes it, keeping
comprehensive windows for what only they can serve.

Opening hours: when a period ends, service in progress finishes and nothing new
starts. At lunch the tickets keep waiting; at the end of the day they go home and
come back the next working day (another trip). A served citizen whose documents
turn out to be missing comes back ``return_days`` working days later. When, within
the day, is the caller's ``on_return`` (the model draws it like a first visit's).

Service completions are timeout callbacks rather than a process per citizen: the
same events SimPy would schedule, without a generator per ticket.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.records import DONE, INCOMPLETE, SENT_HOME, TicketLog

if TYPE_CHECKING:
    from sim.scenario import Hall as HallSpec

__all__ = ["Hall", "hall_arrivals", "opening_hours"]


class Hall:
    """One hall's windows and queues during a run.

    Per-matter inputs are numpy arrays indexed by matter: ``dept`` (department index),
    ``service`` ([matter, 0] first visit, [matter, 1] after missing documents, base
    minutes), ``doc_u`` and ``incomplete_prob``. ``on_return(matter, hall, sent_home)`` is called
    when a citizen leaves without the matter done (sent home, or documents missing).
    """

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        spec: HallSpec,
        departments: Sequence[str],
        log: TicketLog,
        dept: np.ndarray,
        service: np.ndarray,
        doc_u: np.ndarray,
        incomplete_prob: np.ndarray,
        on_return: Callable[[int, int, bool], None],
    ):
        self.env, self.index, self.log = env, index, log
        self._dept, self._service = dept, service
        self._doc_u, self._pinc = doc_u, incomplete_prob
        self._on_return = on_return
        groups = spec.windows
        self.speed = [g.speed for g in groups]
        self.precheck = [g.precheck for g in groups]
        self.idle = [g.count for g in groups]
        self.windows = sum(self.idle)
        self.group_depts = [
            list(range(len(departments)))
            if g.skills == "all"
            else [departments.index(d) for d in g.skills]
            for g in groups
        ]
        by_specialism = sorted(range(len(groups)), key=lambda g: (len(self.group_depts[g]), g))
        self.dept_groups = [
            [g for g in by_specialism if d in self.group_depts[g] and groups[g].count > 0]
            for d in range(len(departments))
        ]
        self.queues: list[deque[int]] = [deque() for _ in departments]
        self.docs_missing_seen: set[int] = set()
        self.is_open = False
        self.waiting = 0
        self.queue_area = 0.0
        """Integral of the number of waiting tickets over time (ticket-minutes)."""
        self._last_change = 0.0

    # --- queue bookkeeping -------------------------------------------------------------------

    def _queue_changes(self, delta: int) -> None:
        now = self.env.now
        self.queue_area += self.waiting * (now - self._last_change)
        self._last_change = now
        self.waiting += delta

    def finish_run(self, horizon: float) -> None:
        """Close the queue integral at the horizon."""
        self.queue_area += self.waiting * (horizon - self._last_change)
        self._last_change = horizon

    # --- tickets -----------------------------------------------------------------------------

    def arrive(self, matter: int) -> None:
        """A citizen for ``matter`` reaches the hall now and draws a ticket."""
        ticket = self.log.new(matter, self.index, self.env.now)
        dept = self._dept[matter]
        if self.is_open:
            for g in self.dept_groups[dept]:
                if self.idle[g]:
                    self._start(ticket, matter, g)
                    return
        self._queue_changes(+1)
        self.queues[dept].append(ticket)

    def _start(self, ticket: int, matter: int, g: int) -> None:
        self.idle[g] -= 1
        log = self.log
        log.start[ticket] = self.env.now
        log.group[ticket] = g
        after_docs = matter in self.docs_missing_seen
        base = float(self._service[matter, int(after_docs)])
        done = self.env.timeout(base / self.speed[g], ticket)
        done.callbacks.append(self._finish)

    def _finish(self, event: simpy.Event) -> None:
        ticket = event.value
        log = self.log
        matter, g, now = log.matter[ticket], log.group[ticket], self.env.now
        log.end[ticket] = now
        if matter not in self.docs_missing_seen and (
            self._doc_u[matter] < self._pinc[matter] * self.precheck[g]
        ):
            log.outcome[ticket] = INCOMPLETE
            self.docs_missing_seen.add(matter)
            self._on_return(matter, self.index, False)
        else:
            log.outcome[ticket] = DONE
            self.docs_missing_seen.discard(matter)
        self.idle[g] += 1
        if self.is_open:
            self._take_oldest(g)

    def _take_oldest(self, g: int) -> None:
        """Window group ``g`` has a free window: serve the oldest ticket it may serve."""
        queues = self.queues
        while self.idle[g]:
            best = None
            for d in self.group_depts[g]:
                if queues[d] and (best is None or queues[d][0] < queues[best][0]):
                    best = d
            if best is None:
                return
            ticket = queues[best].popleft()
            self._queue_changes(-1)
            self._start(ticket, self.log.matter[ticket], g)

    # --- opening hours -----------------------------------------------------------------------

    def open(self) -> None:
        self.is_open = True
        for g in range(len(self.idle)):
            self._take_oldest(g)

    def close(self, sends_home: bool) -> None:
        self.is_open = False
        if not sends_home or not self.waiting:
            return
        log, now = self.log, self.env.now
        for queue in self.queues:
            for ticket in queue:
                log.outcome[ticket] = SENT_HOME
                log.end[ticket] = now
                self._on_return(log.matter[ticket], self.index, True)
            queue.clear()
        self._queue_changes(-self.waiting)


def hall_arrivals(
    env: simpy.Environment, hall: Hall, times: np.ndarray, matters: np.ndarray
) -> Iterator[simpy.Event]:
    """Process: citizens of ``matters`` reach ``hall`` at ``times`` (sorted)."""
    for i in range(times.size):  # scalar by scalar: no per-run Python lists in memory
        t, matter = float(times[i]), int(matters[i])
        if t > env.now:
            yield env.timeout(t - env.now)
        hall.arrive(matter)


def opening_hours(
    env: simpy.Environment, halls: Sequence[Hall], periods: Sequence
) -> Iterator[simpy.Event]:
    """Process: open and close every hall according to the calendar's periods."""
    for period in periods:
        yield env.timeout(period.start - env.now)
        for hall in halls:
            hall.open()
        yield env.timeout(period.end - env.now)
        for hall in halls:
            hall.close(period.sends_home)
