"""Ticket logs and standard event logs, converted from what a run records.

:func:`ticket_log` turns one replication's ticket arrays (model minutes, indices) into the
table a county's queue-ticketing system exports (README "Ticket logs"): one row per ticket,
with names, calendar timestamps to the second, and the window that served it. The model
tracks which window *group* serves a ticket, not which window: :func:`assign_windows`
numbers them after the fact. :func:`xes_frame`, :func:`ocel_tables` and :func:`vidigi_frame`
reshape a ticket log into the event logs pm4py and vidigi read. Pure: numpy and pandas
only; the files are written by :mod:`sim.store`.
"""

from __future__ import annotations

import heapq
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sim.model.calendar import WEEKDAYS, Clock
from sim.model.codes import Outcome
from sim.model.records import Records
from sim.scenario import Scenario
from sim.tickets import COLUMNS as TICKET_COLUMNS  # the format, defined with its reader

__all__ = [
    "NOMINAL_START",
    "OUTCOMES",
    "TICKET_COLUMNS",
    "TIME_FORMAT",
    "assign_windows",
    "left_at",
    "ocel_tables",
    "origin_date",
    "ticket_log",
    "vidigi_frame",
    "xes_frame",
]

OUTCOMES = {
    Outcome.DONE: "done",
    Outcome.INCOMPLETE: "documents_missing",
    Outcome.SENT_HOME: "sent_home",
    Outcome.PENDING: "pending",
}
"""How a ticket ends, as written in ``outcome``."""

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
"""Timestamps in ``tickets.csv``: local time, whole seconds."""

NOMINAL_START = date(2024, 1, 1)
"""A Monday: without a date range, model day 0 is the first ``horizon.start_weekday`` from
this date, so that the weekdays in a ticket log are right (the dates themselves are not)."""


def origin_date(scenario: Scenario) -> date:
    """The date at model minute 0: ``horizon.start`` with a date range, else the nominal
    date of ``horizon.start_weekday`` (see :data:`NOMINAL_START`)."""
    horizon = scenario.horizon
    if horizon.start is not None:
        return horizon.start
    return NOMINAL_START + timedelta(days=WEEKDAYS.index(horizon.start_weekday))


def _timestamps(origin: date, minutes: np.ndarray) -> np.ndarray:
    """Model minutes -> ``datetime64[s]`` (rounded to the second; NaN -> NaT)."""
    missing = np.isnan(minutes)
    seconds = np.rint(np.where(missing, 0.0, minutes) * 60).astype(np.int64)
    stamps = np.datetime64(origin, "s") + seconds.astype("timedelta64[s]")
    stamps[missing] = np.datetime64("NaT")
    return stamps


def assign_windows(
    pool: np.ndarray, start: np.ndarray, end: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """The window (0, 1, … within its pool) that served each ticket, greedily: the
    lowest-numbered window of its pool free at its start.

    ``pool`` is each ticket's window pool (index into ``counts``, the windows of each pool),
    ``start``/``end`` its service (``end`` at or after the horizon for tickets still in
    service). A window is free again at the instant its ticket ends. Valid because the model
    never has more than ``counts[pool]`` tickets in service at once: an AssertionError says
    otherwise.
    """
    n = pool.size
    window = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return window
    order = np.lexsort((np.arange(n), start, pool))
    bounds = np.searchsorted(pool[order], np.arange(counts.size + 1))
    for p in range(counts.size):
        rows = order[bounds[p] : bounds[p + 1]]
        if rows.size:
            window[rows] = _greedy(start[rows].tolist(), end[rows].tolist(), int(counts[p]))
    return window


def _greedy(start: list[float], end: list[float], count: int) -> list[int]:
    """Interval partitioning of services sorted by start into ``count`` windows."""
    free = list(range(count))
    busy: list[tuple[float, int]] = []
    heappush, heappop = heapq.heappush, heapq.heappop
    out = []
    for s, e in zip(start, end, strict=True):
        while busy and busy[0][0] <= s:
            heappush(free, heappop(busy)[1])
        if not free:
            raise AssertionError(f"more than {count} tickets in service at minute {s}")
        w = heappop(free)
        out.append(w)
        heappush(busy, (e, w))
    return out


def ticket_log(scenario: Scenario, records: Records) -> pd.DataFrame:
    """One replication's tickets in the layout of README "Ticket logs" (:data:`TICKET_COLUMNS`).

    ``ticket`` counts from 1 in order of arrival; ``window`` is ``"<g>-<k>"``: window ``k``
    (from 1) of the hall's window group ``g`` (from 1, in the scenario's order), empty when
    never called; ``citizen`` is the matter (the same on a citizen's every visit for it);
    ``arrive``, ``call`` and ``end`` are ``datetime64[s]``, NaT when it did not happen
    (``end`` is the end of service: NaT for a ticket sent home, see :func:`left_at`).
    """
    tk, m = records.tickets, records.matters
    groups = [hall.windows for hall in scenario.halls]
    counts = np.array([g.count for hall in groups for g in hall], dtype=np.int64)
    first_pool = np.cumsum([0] + [len(hall) for hall in groups])[:-1]

    called = np.flatnonzero(~np.isnan(tk["start"]))
    group = tk["group"][called].astype(np.int64)
    pool = first_pool[tk["hall"][called]] + group
    end = np.where(np.isnan(tk["end"][called]), records.horizon_min, tk["end"][called])
    k = assign_windows(pool, tk["start"][called], end, counts)
    window = np.full(tk["matter"].size, None, dtype=object)
    window[called] = (
        pd.Series(group + 1).astype(str).to_numpy()
        + "-"
        + (pd.Series(k + 1).astype(str).to_numpy())
    )
    served_end = np.where(tk["outcome"] == Outcome.SENT_HOME, np.nan, tk["end"])

    departments = sorted({s.department for s in scenario.services})
    item = m["item"][tk["matter"]]
    item_dept = np.array([departments.index(s.department) for s in scenario.services])
    origin = origin_date(scenario)

    def named(codes: np.ndarray, names: list[str]) -> pd.Categorical:
        return pd.Categorical.from_codes(codes, categories=names)

    return pd.DataFrame(
        {
            "ticket": np.arange(1, tk["matter"].size + 1, dtype=np.int64),
            "hall": named(tk["hall"], [h.name for h in scenario.halls]),
            "window": window,
            "item": named(item, [s.id for s in scenario.services]),
            "department": named(item_dept[item], departments),
            "town": named(m["town"][tk["matter"]], [t.name for t in scenario.geography.towns]),
            "citizen": tk["matter"],
            "arrive": _timestamps(origin, tk["arrive"]),
            "call": _timestamps(origin, tk["start"]),
            "end": _timestamps(origin, served_end),
            "outcome": named(tk["outcome"], [OUTCOMES[code] for code in Outcome]),
        }
    )


def left_at(scenario: Scenario, tickets: pd.DataFrame) -> pd.Series:
    """When each ticket's citizen left the hall: ``end``, or for a ticket sent home the
    closing that sent it home (the ticket log leaves its ``end`` empty); NaT if pending."""
    clock = Clock(scenario)
    closings = np.array([p.end for p in clock.periods if p.sends_home])
    origin = np.datetime64(origin_date(scenario), "s")
    arrive = (tickets["arrive"].to_numpy() - origin) / np.timedelta64(60, "s")
    closing = closings[np.minimum(np.searchsorted(closings, arrive), closings.size - 1)]
    home = (tickets["outcome"] == OUTCOMES[Outcome.SENT_HOME]).to_numpy()
    left = tickets["end"].to_numpy().copy()
    left[home] = _timestamps(origin_date(scenario), closing[home])
    return pd.Series(left, index=tickets.index, name="left")


def _left(scenario: Scenario, tickets: pd.DataFrame) -> pd.DataFrame:
    """The ticket log with ``end`` = when the citizen left (:func:`left_at`): event logs
    show citizens sent home leaving at the closing."""
    return tickets.assign(end=left_at(scenario, tickets))


def _events(tickets: pd.DataFrame) -> pd.DataFrame:
    """A ticket log as one row per event (``arrive``, ``call``, ``end``), in time order:
    ``row`` (the ticket's row), ``activity``, ``timestamp``."""
    parts = []
    for rank, activity in enumerate(("arrive", "call", "end")):
        at = tickets[activity]
        keep = at.notna().to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "row": np.flatnonzero(keep),
                    "rank": rank,
                    "activity": activity,
                    "timestamp": at[keep].to_numpy(),
                }
            )
        )
    events = pd.concat(parts, ignore_index=True)
    events = events.sort_values(["timestamp", "row", "rank"], kind="stable", ignore_index=True)
    return events.drop(columns="rank")


def _window_names(tickets: pd.DataFrame, rows: np.ndarray) -> pd.Series:
    """``"<hall> window <n>"`` of each row (empty where not called)."""
    hall = tickets["hall"].astype(str).to_numpy()[rows]
    window = tickets["window"].to_numpy()[rows]
    named = pd.Series(hall, dtype=object) + " window " + pd.Series(window).astype(str)
    return named.where(pd.Series(window).notna().to_numpy(), None)


def xes_frame(scenario: Scenario, tickets: pd.DataFrame) -> pd.DataFrame:
    """One replication's ticket log as a pm4py event frame (XES keys): case = citizen
    (``case:concept:name``), activity ``arrive`` (lifecycle ``complete``), ``call`` (``start``
    of service) and ``end`` (``complete``: service over, or sent home at the closing),
    ``org:resource`` the window (empty on ``arrive``), with ``hall``, ``item``, ``ticket``
    and ``outcome`` (empty but on ``end``). XES has no missing value: pm4py would write NaN
    as the float ``nan``."""
    tickets = _left(scenario, tickets)
    events = _events(tickets)
    rows = events["row"].to_numpy()
    lifecycle = np.where(events["activity"] == "call", "start", "complete")
    is_end = (events["activity"] == "end").to_numpy()
    outcome = tickets["outcome"].astype(str).to_numpy()[rows]
    return pd.DataFrame(
        {
            "case:concept:name": tickets["citizen"].to_numpy()[rows].astype(str),
            "concept:name": events["activity"].to_numpy(),
            "lifecycle:transition": lifecycle,
            "time:timestamp": pd.to_datetime(events["timestamp"]),
            "org:resource": np.where(
                events["activity"] == "arrive", "", _window_names(tickets, rows).fillna("")
            ),
            "hall": tickets["hall"].astype(str).to_numpy()[rows],
            "item": tickets["item"].astype(str).to_numpy()[rows],
            "ticket": tickets["ticket"].to_numpy()[rows],
            "outcome": np.where(is_end, outcome, ""),
        }
    )


def ocel_tables(scenario: Scenario, tickets: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """One replication's ticket log as OCEL 2.0 tables (pm4py's ``OCEL(events, objects,
    relations)``): events ``arrive``/``call``/``end``; objects ``citizen`` (a matter), ``hall``
    and ``window``; each event relates to its citizen and hall, ``call``/``end`` to the window."""
    tickets = _left(scenario, tickets)
    events = _events(tickets)
    rows = events["row"].to_numpy()
    eid = "e" + pd.Series(np.arange(1, len(events) + 1)).astype(str)
    citizen = "citizen " + pd.Series(tickets["citizen"].to_numpy()[rows]).astype(str)
    hall = "hall " + pd.Series(tickets["hall"].astype(str).to_numpy()[rows])
    window = _window_names(tickets, rows)
    table = pd.DataFrame(
        {
            "ocel:eid": eid,
            "ocel:activity": events["activity"].to_numpy(),
            "ocel:timestamp": pd.to_datetime(events["timestamp"]).to_numpy(),
        }
    )
    links = []
    for kind, oid in (("citizen", citizen), ("hall", hall), ("window", window)):
        keep = oid.notna().to_numpy()
        links.append(table[keep].assign(**{"ocel:oid": oid[keep].to_numpy(), "ocel:type": kind}))
    relations = pd.concat(links, ignore_index=True)
    relations["ocel:qualifier"] = relations["ocel:type"]
    objects = relations[["ocel:oid", "ocel:type"]].drop_duplicates(ignore_index=True)
    events_table = table.assign(
        hall=hall.to_numpy(), item=tickets["item"].astype(str).to_numpy()[rows]
    )
    return {"events": events_table, "objects": objects, "relations": relations}


def vidigi_frame(scenario: Scenario, tickets: pd.DataFrame) -> pd.DataFrame:
    """A ticket log (one or several replications) as a vidigi event log: ``entity_id``
    (the ticket: vidigi wants one arrival per entity), ``event_type`` and ``event``
    (``arrival``; ``queue`` ``<hall> queue``; ``resource_use`` / ``resource_use_end``
    ``<hall> windows`` with ``resource_id`` the window numbered 1, 2, … through the hall's
    groups; ``depart`` at the end of service or when sent home), ``time`` in model minutes,
    ``run_number`` (the replication), ``window`` (``g-k``), ``citizen``, ``hall``, ``item``."""
    tickets = _left(scenario, tickets)
    run = tickets["replication"] if "replication" in tickets else pd.Series(0, tickets.index)
    hall = tickets["hall"].astype(str)
    zero = np.datetime64(origin_date(scenario), "s")
    groups = max(len(h.windows) for h in scenario.halls)
    offset = np.zeros((len(scenario.halls), groups), dtype=np.int64)  # [hall, group]
    for i, h in enumerate(scenario.halls):
        offset[i, : len(h.windows)] = np.cumsum([0] + [g.count for g in h.windows])[:-1]
    codes = pd.Categorical(hall, categories=[h.name for h in scenario.halls]).codes
    g_k = tickets["window"].astype(object).str.split("-", expand=True).reindex(columns=[0, 1])
    g = pd.to_numeric(g_k[0]).fillna(1).astype(np.int64).to_numpy()
    k = pd.to_numeric(g_k[1]).fillna(0).astype(np.int64).to_numpy()
    number = offset[codes, g - 1] + k

    def minutes(column: str) -> pd.Series:
        return (tickets[column].to_numpy() - zero) / np.timedelta64(60, "s")

    steps = (
        ("arrival_departure", "arrival", "arrive", None),
        ("queue", "queue", "arrive", None),
        ("resource_use", "windows", "call", "window"),
        ("resource_use_end", "windows", "end", "window"),
        ("arrival_departure", "depart", "end", None),
    )
    parts = []
    for rank, (event_type, event, column, resource) in enumerate(steps):
        time = minutes(column)
        keep = ~np.isnan(time)
        if resource is not None:  # only called tickets use a window
            keep &= tickets["call"].notna().to_numpy()
        name = event if event_type == "arrival_departure" else hall + " " + event
        parts.append(
            pd.DataFrame(
                {
                    "entity_id": tickets["ticket"].to_numpy()[keep],
                    "event_type": event_type,
                    "event": np.asarray(name)[keep] if not isinstance(name, str) else name,
                    "time": time[keep],
                    "resource_id": number[keep] if resource else pd.NA,
                    "run_number": run.to_numpy()[keep],
                    "window": tickets["window"].to_numpy()[keep],
                    "citizen": tickets["citizen"].to_numpy()[keep],
                    "hall": hall.to_numpy()[keep],
                    "item": tickets["item"].astype(str).to_numpy()[keep],
                    "_rank": rank,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["resource_id"] = frame["resource_id"].astype("Int16")
    frame = frame.sort_values(["run_number", "time", "entity_id", "_rank"], ignore_index=True)
    return frame.drop(columns="_rank")
