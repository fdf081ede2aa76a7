"""Enforcement: enterprises, routine and joint inspections, incidents, teams and crews.

Rules (the scenario's ``enforcement:`` block sets the numbers):

- **Enterprises** sit around their town centre (distance from ``enterprise_km``, random
  direction) and each has a risk class drawn by share.
- **Routine schedule**: each enterprise × department gets checks at a fixed interval
  (``days_per_year`` / (frequency × risk multiplier) working days) with a random phase:
  evenly spread, not bunched. A check is *due* from its day on; one not done by the
  horizon is backlog.
- **Who does what**: a routine check goes to the nearest team (by base) that does routine
  work, holds the department's power and covers the town. An incident goes to the nearest
  *town* team (base not the seat) that holds the power and covers the town; where there
  is none it is **whistled up** to a county team (base the seat) that holds it.
- **A crew's day**: crews work in opening hours. A free crew answers the oldest waiting
  incident of its team first; otherwise it takes the team's oldest due check and then, in
  nearest-neighbour order, the due checks in the town it is in (the nearest of the next
  few), and moves on to the oldest elsewhere when the town is done. A visit is one leg:
  drive there, then work on site. Incidents pre-empt routine work: a crew finishes its
  current visit, then goes. At the end of the day crews drive back to base.
- **Joint inspection**: a team with ``joint_window_days`` clears in one visit every check it
  holds at that enterprise due within that many days; the visit takes
  ``joint_setup_min`` + the checks' times × ``joint_factor``. Otherwise a visit is one check.
- **Incidents** are reported uniformly over opening hours; the response time is from the
  report to the crew on site.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.calendar import Clock, Period
from sim.model.codes import VisitKind
from sim.model.demand import DayProfile
from sim.model.records import VisitLog
from sim.model.rng import Streams

if TYPE_CHECKING:
    from sim.scenario import Scenario

__all__ = ["Enforcement", "enforcement_plan"]

ROUTINE, INCIDENT = VisitKind  # bound to module names for the hot loop
NEAREST_OF = 12
"""A crew picks the nearest among this many oldest due checks of its town."""
SCAN_ALL_UP_TO = 8
"""With this many idle crews or fewer, the nearest is found by looking at each."""
CREWS_PER_CELL = 2.0
"""Idle crews expected in an incident's grid cell when all of a team's crews are idle."""


@dataclass
class Plan:
    """Everything drawn up front: enterprises, checks and incidents (arrays)."""

    ent_town: np.ndarray
    ent_xy: np.ndarray
    ent_risk: np.ndarray
    check_ent: np.ndarray
    check_dept: np.ndarray
    check_due: np.ndarray
    """Working day from which the check is due."""
    check_min: np.ndarray
    check_team: np.ndarray
    inc_town: np.ndarray
    inc_xy: np.ndarray
    inc_dept: np.ndarray
    inc_report: np.ndarray
    inc_delay: np.ndarray
    inc_handle: np.ndarray
    inc_team: np.ndarray
    inc_whistled: np.ndarray
    team_xy: np.ndarray


def _points(center: np.ndarray, km: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    angle = rng.uniform(0, 2 * math.pi, km.size)
    return center + np.column_stack([km * np.cos(angle), km * np.sin(angle)])


def _assign(scenario: Scenario, team_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Routine team [dept, town], incident team [dept, town] and whether it is whistled up."""
    e = scenario.enforcement
    towns = scenario.geography.towns
    shape = (len(e.departments), len(towns))
    routine, incident = np.full(shape, -1), np.full(shape, -1)
    whistled = np.zeros(shape, dtype=bool)
    town_xy = np.array([[t.x_km, t.y_km] for t in towns])
    distance = np.hypot(*(team_xy[:, None, :] - town_xy[None, :, :]).transpose(2, 0, 1))

    def nearest(candidates: list[int], t: int) -> int:
        return min(candidates, key=lambda k: (distance[k, t], k)) if candidates else -1

    for d, dept in enumerate(e.departments):
        able = [k for k, team in enumerate(e.teams) if team.holds(dept.name) and team.crews > 0]
        for t, town in enumerate(towns):
            covering = [k for k in able if e.teams[k].works_in(town.name)]
            routine[d, t] = nearest([k for k in covering if e.teams[k].routine], t)
            local = [k for k in covering if e.teams[k].base != "seat"]
            county = [k for k in able if e.teams[k].base == "seat"]
            county = [k for k in county if k in covering] or county
            incident[d, t] = nearest(local, t) if local else nearest(county, t)
            whistled[d, t] = not local
    return routine, incident, whistled


def _schedule(
    phase: np.ndarray, interval: np.ndarray, active: np.ndarray, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray]:
    """Enterprise index and due day of every check due in days [lo, hi): the k-th check of
    enterprise i is due on day floor(phase_i + k × interval_i)."""

    def count_before(day: int) -> np.ndarray:
        return np.where(active, np.maximum(np.ceil((day - phase) / interval), 0), 0).astype(int)

    first, last = count_before(lo), count_before(hi)
    count = last - first
    ent = np.repeat(np.arange(phase.size), count)
    k = (
        np.repeat(first, count)
        + np.arange(count.sum())
        - np.repeat(np.cumsum(count) - count, count)
    )
    return ent, np.floor(phase[ent] + k * interval[ent]).astype(int)


def enforcement_plan(scenario: Scenario, clock: Clock, streams: Streams) -> Plan:
    """Draw enterprises, the routine schedule and incidents (pure)."""
    e = scenario.enforcement
    geo = scenario.geography
    days_per_year = scenario.demand.days_per_year
    team_xy = np.array(
        [
            [geo.seat.x_km, geo.seat.y_km]
            if t.base == "seat"
            else next([w.x_km, w.y_km] for w in geo.towns if w.name == t.base)
            for t in e.teams
        ],
        dtype=float,
    )
    routine_team, incident_team, whistled = _assign(scenario, team_xy)
    lookahead = max((t.joint_window_days or 0) for t in e.teams)
    last_day = clock.days + math.ceil(lookahead)  # checks due after the horizon, for joint visits
    classes = e.risk_classes or []
    shares = np.array([c.share for c in classes]) if classes else np.ones(1)

    ent_town, ent_xy, ent_risk = [], [], []
    checks: dict[str, list[np.ndarray]] = {k: [] for k in ("ent", "dept", "due", "min", "team")}
    first = 0
    for t, town in enumerate(geo.towns):
        n = town.enterprises
        center = np.array([town.x_km, town.y_km])
        km = (e.enterprise_km or town.resident_km or geo.resident_km).sample(
            streams.get("enterprise_km", town.name), n
        )
        ent_xy.append(_points(center, km, streams.get("enterprise_dir", town.name)))
        ent_town.append(np.full(n, t))
        risk = streams.get("risk", town.name).choice(len(shares), size=n, p=shares / shares.sum())
        ent_risk.append(risk)
        for d, dept in enumerate(e.departments):
            mult = np.array([dept.risk_multiplier.get(c.name, 1.0) for c in classes] or [1.0])
            rate = dept.inspections_per_enterprise_per_year * mult[risk]  # per year
            interval = days_per_year / np.where(rate > 0, rate, 1.0)  # unused where rate is 0
            phase = streams.get("phase", dept.name, town.name).random(n) * interval
            # checks due within the horizon, then the look-ahead ones a joint visit may do
            # early, each from its own stream: the window never shifts the horizon's checks
            for name, lo, hi in (
                ("check_min", 0, clock.days),
                ("check_min_ahead", clock.days, last_day),
            ):
                ent, due = _schedule(phase, interval, rate > 0, lo, hi)
                checks["ent"].append(first + ent)
                checks["dept"].append(np.full(ent.size, d))
                checks["due"].append(due)
                checks["min"].append(
                    dept.check_min.sample(streams.get(name, dept.name, town.name), ent.size)
                )
                checks["team"].append(np.full(ent.size, routine_team[d, t]))
        first += n

    inc = e.incidents
    mix = np.array([inc.department_mix.get(d.name, 0.0) for d in e.departments])
    mix = mix / mix.sum() if mix.sum() > 0 else np.full(len(e.departments), 1 / len(e.departments))
    profile = DayProfile(clock.intervals, {})
    inc_parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("town", "xy", "dept", "report", "delay", "handle")
    }
    for t, town in enumerate(geo.towns):
        annual = inc.per_enterprise_per_year * town.enterprises + (
            inc.per_1000_residents_per_year * town.population / 1000
        )
        counts = streams.get("incidents", town.name).poisson(annual / days_per_year, clock.days)
        n = int(counts.sum())
        day = np.repeat(np.arange(clock.days), counts)
        inc_parts["report"].append(
            clock.day_start[day] + profile.sample(streams.get("incident_clock", town.name), n)
        )
        km = (e.enterprise_km or town.resident_km or geo.resident_km).sample(
            streams.get("incident_km", town.name), n
        )
        inc_parts["xy"].append(
            _points(np.array([town.x_km, town.y_km]), km, streams.get("incident_dir", town.name))
        )
        inc_parts["town"].append(np.full(n, t))
        inc_parts["dept"].append(
            streams.get("incident_dept", town.name).choice(len(mix), size=n, p=mix)
        )
        # keyed by town like every other draw: another town's incidents never shift them
        inc_parts["delay"].append(
            inc.report_delay_min.sample(streams.get("incident_delay", town.name), n)
        )
        inc_parts["handle"].append(
            inc.handle_min.sample(streams.get("incident_handle", town.name), n)
        )
    report = np.concatenate(inc_parts["report"])
    order = np.argsort(report, kind="stable")
    inc_town = np.concatenate(inc_parts["town"])[order]
    inc_dept = np.concatenate(inc_parts["dept"])[order]

    ent = np.concatenate(checks["ent"])
    due = np.concatenate(checks["due"])
    by = np.lexsort((ent, due))  # checks in order of due day
    return Plan(
        ent_town=np.concatenate(ent_town),
        ent_xy=np.concatenate(ent_xy),
        ent_risk=np.concatenate(ent_risk),
        check_ent=ent[by],
        check_dept=np.concatenate(checks["dept"])[by],
        check_due=due[by],
        check_min=np.concatenate(checks["min"])[by],
        check_team=np.concatenate(checks["team"])[by],
        inc_town=inc_town,
        inc_xy=np.concatenate(inc_parts["xy"])[order],
        inc_dept=inc_dept,
        inc_report=report[order],
        inc_delay=np.concatenate(inc_parts["delay"])[order],
        inc_handle=np.concatenate(inc_parts["handle"])[order],
        inc_team=incident_team[inc_dept, inc_town],
        inc_whistled=whistled[inc_dept, inc_town],
        team_xy=team_xy,
    )


class _Lists:
    """The plan's columns as Python lists: the crew loop reads them one item at a time,
    which is several times faster on lists than on numpy arrays."""

    def __init__(self, plan: Plan):
        self.ent_xy = [tuple(p) for p in plan.ent_xy.tolist()]
        self.ent_town = plan.ent_town.tolist()
        self.check_ent = plan.check_ent.tolist()
        self.check_dept = plan.check_dept.tolist()
        self.check_due = plan.check_due.tolist()
        self.check_min = plan.check_min.tolist()
        self.inc_xy = [tuple(p) for p in plan.inc_xy.tolist()]
        self.inc_town = plan.inc_town.tolist()
        self.inc_handle = plan.inc_handle.tolist()
        self.team_xy = [tuple(p) for p in plan.team_xy.tolist()]


class _TownQueue:
    """A team's due checks in one town, oldest first: the list a crew picks the nearest of
    the first ``NEAREST_OF`` from.

    The list is compacted (taken checks dropped) only when its first check has been taken,
    so the candidates are the first ``NEAREST_OF`` *places* of the list, taken ones among
    them skipped. ``head`` holds those places and ``rest`` the others, compacted only as
    far as refilling ``head`` needs: each check is passed over once, where compacting the
    whole list each time grew with the length of the list (a town's backlog).
    Invariant: ``rest`` is empty unless ``head`` is full.
    """

    __slots__ = ("head", "rest")

    def __init__(self) -> None:
        self.head: list[int] = []
        self.rest: deque[int] = deque()

    def append(self, check: int) -> None:
        if self.rest or len(self.head) >= NEAREST_OF:
            self.rest.append(check)
        else:
            self.head.append(check)

    def compact(self, taken: bytearray) -> None:
        """Drop taken checks from ``head`` and refill it from ``rest``."""
        head = self.head = [c for c in self.head if not taken[c]]
        rest = self.rest
        while rest and len(head) < NEAREST_OF:
            check = rest.popleft()
            if not taken[check]:
                head.append(check)


class _IdleCrews:
    """A team's idle crews, in the order they became idle, on a grid for nearest-crew search.

    ``nearest`` gives exactly what ``min(idle, key=distance)`` over the list in that order
    gives (the nearest; among equally near ones the longest idle), in time that does not
    grow with the number of crews: grid cells are searched in square rings outward from the
    incident until no nearer crew can remain. ``oldest`` takes crews in idle order.
    Removals leave stale entries in the order deque (lazy deletion), compacted once they
    outnumber the live ones.
    """

    def __init__(self, crews: int, cell_km: float, road_factor: float):
        self.cell = cell_km
        self.road_factor = road_factor
        self.seq = [-1] * crews  # the crew's place in idle order; -1: not idle
        self.xy: list[tuple[float, float]] = [(0.0, 0.0)] * crews
        self.key: list[tuple[int, int]] = [(0, 0)] * crews
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.order: deque[tuple[int, int]] = deque()  # (seq, crew), stale ones included
        self.count = 0
        self.next_seq = 0

    def __len__(self) -> int:
        return self.count

    def add(self, crew: int, xy: tuple[float, float]) -> None:
        seq = self.seq[crew] = self.next_seq
        self.next_seq += 1
        self.order.append((seq, crew))
        self.xy[crew] = xy
        key = self.key[crew] = (math.floor(xy[0] / self.cell), math.floor(xy[1] / self.cell))
        cell = self.cells.get(key)
        if cell is None:
            self.cells[key] = [crew]
        else:
            cell.append(crew)
        self.count += 1

    def _remove(self, crew: int) -> None:
        self.seq[crew] = -1
        key = self.key[crew]
        cell = self.cells[key]
        cell.remove(crew)
        if not cell:
            del self.cells[key]
        self.count -= 1
        if len(self.order) > 2 * self.count + 16:
            seq = self.seq
            self.order = deque(entry for entry in self.order if seq[entry[1]] == entry[0])

    def in_order(self) -> list[int]:
        """The idle crews, longest idle first."""
        seq = self.seq
        return [crew for s, crew in self.order if seq[crew] == s]

    def oldest(self, n: int) -> list[int]:
        """Take the ``n`` longest-idle crews (all if fewer)."""
        taken, order, seq = [], self.order, self.seq
        while order and len(taken) < n:
            s, crew = order.popleft()
            if seq[crew] == s:
                taken.append(crew)
                self._remove(crew)
        return taken

    def move_all(self, xy: tuple[float, float]) -> None:
        """Every idle crew is now at ``xy`` (driven back to base), idle order kept."""
        crews = self.in_order()
        self.cells.clear()
        self.order.clear()
        self.count = 0
        for crew in crews:
            self.add(crew, xy)

    def nearest(self, target: tuple[float, float]) -> int:
        """Take the idle crew nearest to ``target`` (the longest idle among equals)."""
        tx, ty = target
        hypot, seq, xy, road_factor = math.hypot, self.seq, self.xy, self.road_factor
        best, best_d, best_seq = -1, math.inf, -1
        if self.count <= SCAN_ALL_UP_TO:
            candidates: list[int] | None = self.in_order()
        else:
            candidates = None
            cell, get = self.cell, self.cells.get
            ti, tj = math.floor(tx / cell), math.floor(ty / cell)
            # from the target to the nearest side of its cell: every crew in ring r >= 1 is
            # at least (r - 1) cells and this margin away
            margin = max(
                0.0, min(tx - ti * cell, (ti + 1) * cell - tx, ty - tj * cell, (tj + 1) * cell - ty)
            )
            budget = 4 * self.count + 16  # cells worth searching before looking at each crew
            r = 0
            while True:
                if r and ((r - 1) * cell + margin) * road_factor > best_d * (1 + 1e-9) + 1e-9:
                    break
                if (2 * r + 1) ** 2 > budget:
                    candidates = self.in_order()
                    best, best_d, best_seq = -1, math.inf, -1
                    break
                for di, dj in _ring(r):
                    found = get((ti + di, tj + dj))
                    if found:
                        for crew in found:
                            cx, cy = xy[crew]
                            d = hypot(cx - tx, cy - ty) * road_factor
                            if d < best_d or (d == best_d and seq[crew] < best_seq):
                                best, best_d, best_seq = crew, d, seq[crew]
                r += 1
        if candidates is not None:  # in idle order: the first of the nearest wins
            for crew in candidates:
                cx, cy = xy[crew]
                d = hypot(cx - tx, cy - ty) * road_factor
                if d < best_d:
                    best, best_d = crew, d
        self._remove(best)
        return best


_RINGS: list[list[tuple[int, int]]] = [[(0, 0)]]


def _ring(r: int) -> list[tuple[int, int]]:
    """Offsets of the grid cells ``r`` cells out in x or y (the square ring around a cell)."""
    while len(_RINGS) <= r:
        k = len(_RINGS)
        side = range(-k, k + 1)
        _RINGS.append(
            [(d, -k) for d in side]
            + [(d, k) for d in side]
            + [(-k, d) for d in side[1:-1]]
            + [(k, d) for d in side[1:-1]]
        )
    return _RINGS[r]


def _cell_km(points: np.ndarray, crews: int) -> float:
    """Grid cell side for a team's idle crews: the largest (of sizes from 10 m to 100 km)
    at which an incident's cell would hold about ``CREWS_PER_CELL`` crews were all idle,
    judged from where the team works (``points``: its enterprises and incidents). Crews
    stand where they last worked, so they are as dense as those places. Only speed depends
    on it: the search is exact at any size."""
    points = points[:: max(1, points.shape[0] // 4000)]  # an even sample: no random draws
    n = points.shape[0]
    if n < 2 or crews <= CREWS_PER_CELL:
        return 100.0
    best = 0.01
    for size in np.geomspace(0.01, 100.0, 25):
        ij = np.floor(points / size).astype(np.int64)
        ij -= ij.min(axis=0)
        cell = ij[:, 0] * (int(ij[:, 1].max()) + 1) + ij[:, 1]  # one integer per grid cell
        _, counts = np.unique(cell, return_counts=True)
        same_cell = float((counts * (counts - 1)).sum()) / (n * (n - 1))
        if crews * same_cell > CREWS_PER_CELL:
            break
        best = float(size)
    return best


class TeamAtWork:
    """One team during a run: its crews, due checks and waiting incidents."""

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        scenario: Scenario,
        plan: _Lists,
        log: VisitLog,
        done: list[float],
        taken: bytearray,
        ent_checks: list[list[int]],
        due_team: np.ndarray,
        due_day: np.ndarray,
        days: int,
        cell_km: float,
    ):
        spec = scenario.enforcement.teams[index]
        self.env, self.index, self.plan, self.log = env, index, plan, log
        self.done, self.ent_checks = done, ent_checks
        self.base = plan.team_xy[index]
        self.road_factor = scenario.geography.road_factor
        self.min_per_km = 60 / spec.speed_kmh
        self.window = spec.joint_window_days
        self.setup, self.factor = spec.joint_setup_min, spec.joint_factor
        e = scenario.enforcement
        self.holds = {d for d, dept in enumerate(e.departments) if spec.holds(dept.name)}
        self.crews = spec.crews
        self.is_open = False
        self.day_over = False
        self.today = 0
        self.incidents: deque[int] = deque()
        self.oldest: deque[int] = deque()  # due checks, in due order (taken ones skipped)
        self.by_town: dict[int, _TownQueue] = {}
        self.taken = taken
        self.idle = _IdleCrews(spec.crews, cell_km, self.road_factor)  # free, waiting for work
        for crew in range(spec.crews):
            self.idle.add(crew, self.base)
        self.crew_xy: list[tuple[float, float]] = [self.base] * spec.crews
        self.crew_town: list[int | None] = [None] * spec.crews  # None: at base
        self.busy_min = 0.0
        self.km = 0.0
        mine = np.flatnonzero(due_team == index)  # in due order
        self.due_ids = mine.tolist()
        self.due_bounds = np.searchsorted(due_day[mine], np.arange(days + 1)).tolist()

    # --- work lists ---------------------------------------------------------------------------

    def release(self, day: int) -> None:
        """Checks of this team that fall due on ``day`` join its lists."""
        self.today = day
        ent_town, check_ent, by_town = self.plan.ent_town, self.plan.check_ent, self.by_town
        for check in self.due_ids[self.due_bounds[day] : self.due_bounds[day + 1]]:
            if not self.taken[check]:
                self.oldest.append(check)
                town = ent_town[check_ent[check]]
                queue = by_town.get(town)
                if queue is None:
                    queue = by_town[town] = _TownQueue()
                queue.append(check)

    def report(self, incident: int) -> None:
        """An incident for this team: the nearest idle crew (if any) sets off."""
        self.incidents.append(incident)
        if self.idle and self.is_open:
            self._set_off(self.idle.nearest(self.plan.inc_xy[incident]))

    def open(self) -> None:
        """A working period starts: idle crews set off if there is work."""
        self.is_open = True
        while self.oldest and self.taken[self.oldest[0]]:
            self.oldest.popleft()
        work = len(self.incidents) + len(self.oldest)  # an upper bound: some may be taken
        for crew in self.idle.oldest(work):
            self._set_off(crew)

    def close(self, day_over: bool) -> None:
        """End of a working period; at the end of the day idle crews drive back to base."""
        self.is_open = False
        if day_over:
            for crew in self.idle.in_order():
                self._drive_home(crew)
            self.idle.move_all(self.base)

    def _drive_home(self, crew: int) -> None:
        if self.crew_town[crew] is not None:
            back = self._distance(self.crew_xy[crew], self.base)
            self.km += back
            self.busy_min += back * self.min_per_km
            self.crew_xy[crew], self.crew_town[crew] = self.base, None

    def _distance(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        return math.hypot(a[0] - b[0], a[1] - b[1]) * self.road_factor

    def _next_routine(self, xy: tuple[float, float], town: int | None) -> int | None:
        taken = self.taken
        queue = self.by_town.get(town) if town is not None else None
        if queue is not None and queue.head:
            if taken[queue.head[0]]:  # drop checks other crews or joint visits have taken
                queue.compact(taken)
            ents, ent_xy, best, best_d = self.plan.check_ent, self.plan.ent_xy, None, math.inf
            x, y = xy
            for check in queue.head:
                if not taken[check]:
                    ex, ey = ent_xy[ents[check]]
                    d = (ex - x) * (ex - x) + (ey - y) * (ey - y)  # squared: same order
                    if d < best_d:
                        best, best_d = check, d
            if best is not None:
                return best
        while self.oldest and taken[self.oldest[0]]:
            self.oldest.popleft()
        return self.oldest[0] if self.oldest else None

    def _clear(self, check: int) -> tuple[list[int], float]:
        """Checks cleared by a visit for ``check``, and the minutes on site."""
        plan = self.plan
        taken = self.taken
        if self.window is None:
            taken[check] = True
            return [check], plan.check_min[check]
        horizon = self.today + self.window
        due, dept = plan.check_due, plan.check_dept
        cleared = [
            c
            for c in self.ent_checks[plan.check_ent[check]]
            if not taken[c] and due[c] <= horizon and dept[c] in self.holds
        ]
        for c in cleared:
            taken[c] = True
        return cleared, self.setup + self.factor * sum(plan.check_min[c] for c in cleared)

    # --- the crews ----------------------------------------------------------------------------
    # A crew is either on a visit (a timeout whose callback is ``_back``) or in ``idle``.
    # Callbacks rather than a process per crew: the same events, without a generator resume.

    def _set_off(self, crew: int) -> None:
        """Crew ``crew`` is free: it takes the next job, or waits in ``idle``."""
        if not self.is_open:
            self.idle.add(crew, self.crew_xy[crew])
            return
        plan = self.plan
        xy, town = self.crew_xy[crew], self.crew_town[crew]
        if self.incidents:
            incident = self.incidents.popleft()
            target, town = plan.inc_xy[incident], plan.inc_town[incident]
            kind, ident, checks = INCIDENT, incident, None
            work = plan.inc_handle[incident]
        else:
            check = self._next_routine(xy, town)
            if check is None:
                self.idle.add(crew, xy)
                return
            checks, work = self._clear(check)
            ident = plan.check_ent[check]
            target, town, kind = plan.ent_xy[ident], plan.ent_town[ident], ROUTINE
        km = math.hypot(xy[0] - target[0], xy[1] - target[1]) * self.road_factor
        drive = km * self.min_per_km
        now = self.env.now
        visit = self.env.timeout(drive + work, (crew, kind, ident, town, checks, now, drive, km))
        visit.callbacks.append(self._back)
        self.crew_xy[crew], self.crew_town[crew] = target, town

    def _back(self, event: simpy.Event) -> None:
        """A visit is over: log it, and the crew is free again."""
        crew, kind, ident, town, checks, start, drive, km = event.value
        now = self.env.now
        self.busy_min += now - start
        self.km += km
        if kind == ROUTINE:
            for c in checks:
                self.done[c] = now
        self.log.add(
            (
                self.index,
                crew,
                kind,
                ident,
                town,
                len(checks) if checks else 1,
                start,
                start + drive,
                now,
                km,
            )
        )
        if not self.is_open and self.day_over:
            self._drive_home(crew)
        self._set_off(crew)


class Enforcement:
    """All teams of a run, driven by the calendar and the incident reports."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, clock: Clock, plan: Plan):
        self.env, self.clock, self.plan = env, clock, plan
        self.log = VisitLog()
        self.done = [math.nan] * plan.check_ent.size
        """Time each check was done (NaN: not done)."""
        order = np.argsort(plan.check_ent, kind="stable")  # per enterprise, in due order
        bounds = np.searchsorted(plan.check_ent[order], np.arange(plan.ent_town.size + 1))
        flat, cuts = order.tolist(), bounds.tolist()
        ent_checks = [flat[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        lists, taken = _Lists(plan), bytearray(plan.check_ent.size)
        specs = scenario.enforcement.teams
        cells = [
            _cell_km(
                np.concatenate(
                    [
                        plan.ent_xy[plan.check_ent[plan.check_team == k]],
                        plan.inc_xy[plan.inc_team == k],
                    ]
                ),
                spec.crews,
            )
            for k, spec in enumerate(specs)
        ]
        self.teams = [
            TeamAtWork(
                env,
                k,
                scenario,
                lists,
                self.log,
                self.done,
                taken,
                ent_checks,
                plan.check_team,
                plan.check_due,
                clock.days,
                cells[k],
            )
            for k in range(len(specs))
        ]
        env.process(self.working_hours(clock.periods))
        env.process(self.incident_reports())

    def working_hours(self, periods: list[Period]) -> Iterator[simpy.Event]:
        """Process: release due checks each morning; open and close the teams' hours."""
        day = -1
        for period in periods:
            yield self.env.timeout(period.start - self.env.now)
            today = int(self.clock.day_of(period.start))
            while day < today:
                day += 1
                for team in self.teams:
                    team.release(day)
            for team in self.teams:
                team.day_over = False
                team.open()
            yield self.env.timeout(period.end - self.env.now)
            for team in self.teams:
                team.day_over = period.sends_home
                team.close(period.sends_home)

    def incident_reports(self) -> Iterator[simpy.Event]:
        """Process: incidents are reported to the team that answers them."""
        plan = self.plan
        for incident in range(plan.inc_report.size):
            t = float(plan.inc_report[incident])
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self.teams[int(plan.inc_team[incident])].report(incident)
