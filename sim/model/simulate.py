"""Build and simulate one replication of a scenario: scenario + seed -> Records.

Pure: no files, no printing. The event loop only moves tickets; travel, costs
and per-matter totals are computed from the ticket log afterwards, in numpy.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.calendar import Clock
from sim.model.codes import Status
from sim.model.demand import (
    HALL,
    ONLINE,
    RETURN_TURN,
    STATION,
    DayProfile,
    Matters,
    generate_matters,
)
from sim.model.enforcement import Enforcement, enforcement_plan
from sim.model.geography import CountyMap
from sim.model.halls import Hall, hall_arrivals, opening_hours
from sim.model.records import DONE, EnforcementTotals, Records, TicketLog, wait_ends
from sim.model.rng import Streams

if TYPE_CHECKING:
    from sim.scenario import Scenario

__all__ = ["COMPLETED", "IN_SYSTEM", "ONLINE_DONE", "STATION_DONE", "simulate"]

COMPLETED, ONLINE_DONE, STATION_DONE, IN_SYSTEM = Status


def simulate(scenario: Scenario, replication: int = 0, seed: int | None = None) -> Records:
    """Run replication ``replication`` of ``scenario`` (seed: the scenario's unless given)."""
    streams = Streams(scenario.seed if seed is None else seed, replication)
    clock = Clock(scenario)
    county = CountyMap(scenario)
    matters = generate_matters(scenario, clock, county, streams)
    departments = sorted({s.department for s in scenario.services})
    item_dept = np.array([departments.index(s.department) for s in scenario.services])
    item_pinc = np.array([s.incomplete_prob for s in scenario.services])

    env = simpy.Environment()
    log = TicketLog()
    day_start = clock.day_start.tolist()
    profile = DayProfile(clock.intervals, scenario.demand.hour_profile)
    return_days, return_u = matters.return_days, matters.return_u
    times_sent_home: dict[int, int] = {}
    halls: list[Hall] = []

    def on_return(matter: int, h: int, sent_home: bool) -> None:
        """A citizen leaves without the matter done: back on a later working day, at a time of
        day drawn like a first visit's (the hour profile over the opening hours)."""
        now = env.now
        day = bisect.bisect_right(day_start, now) - 1
        if sent_home:
            k = times_sent_home[matter] = times_sent_home.get(matter, 0) + 1
            day += 1
            u = (float(return_u[matter, 1]) + (k - 1) * RETURN_TURN) % 1.0
        else:
            day += int(return_days[matter])
            u = float(return_u[matter, 0])
        if day < clock.days:  # else the matter is still open at the horizon
            t = day_start[day] + float(profile.at(u))
            env.timeout(t - now).callbacks.append(lambda _: halls[h].arrive(matter))

    dept = item_dept[matters.item]
    for h, spec in enumerate(scenario.halls):
        halls.append(
            Hall(
                env,
                h,
                spec,
                departments,
                log,
                dept,
                matters.service_min,
                matters.doc_u,
                item_pinc[matters.item],
                on_return,
            )
        )
        mine = np.flatnonzero((matters.channel == HALL) & (matters.hall == h))
        env.process(hall_arrivals(env, halls[h], matters.t[mine], mine))
    env.process(opening_hours(env, halls, clock.periods))
    env.run(until=clock.horizon_min)
    enforcement = None
    if scenario.enforcement is not None:  # independent of the halls: its own event queue
        enforcement_env = simpy.Environment()
        plan = enforcement_plan(scenario, clock, streams)
        enforcement = Enforcement(enforcement_env, scenario, clock, plan)
        enforcement_env.run(until=clock.horizon_min)
    for hall in halls:
        hall.finish_run(clock.horizon_min)
    hall_totals = {
        "windows": np.array([hall.windows for hall in halls]),
        "queue_area": np.array([hall.queue_area for hall in halls]),
    }
    del halls[:], dept  # release what only the event loop needed
    matters.service_min = matters.doc_u = matters.return_days = matters.return_u = np.empty(0)

    tickets = log.to_arrays()
    return Records(
        matters=_matter_table(scenario, clock, county, matters, tickets),
        tickets=tickets,
        halls=hall_totals,
        clock=clock,
        visits=None if enforcement is None else enforcement.log.to_arrays(),
        enforcement=None if enforcement is None else _enforcement_totals(scenario, enforcement),
    )


def _enforcement_totals(scenario: Scenario, enforcement: Enforcement) -> EnforcementTotals:
    plan, teams = enforcement.plan, scenario.enforcement.teams
    return EnforcementTotals(
        team_crews=np.array([t.crews for t in teams]),
        team_staff=np.array([t.crews * t.inspectors_per_crew for t in teams]),
        team_busy_min=np.array([t.busy_min for t in enforcement.teams]),
        team_km=np.array([t.km for t in enforcement.teams]),
        ent_town=plan.ent_town,
        check_team=plan.check_team,
        check_town=plan.ent_town[plan.check_ent],
        check_due=plan.check_due,
        check_done=np.array(enforcement.done),
        inc_team=plan.inc_team,
        inc_town=plan.inc_town,
        inc_report=plan.inc_report,
        inc_delay=plan.inc_delay,
        inc_whistled=plan.inc_whistled,
    )


def _matter_table(
    scenario: Scenario, clock: Clock, county: CountyMap, m: Matters, tk: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Per-matter outcome columns from the requests and the ticket log."""
    n, horizon = len(m), clock.horizon_min
    started = ~np.isnan(tk["start"])
    ended = ~np.isnan(tk["end"])
    wait = wait_ends(tk, horizon) - tk["arrive"]
    served = np.where(started, np.where(ended, tk["end"], horizon) - tk["start"], 0.0)
    trips = np.bincount(tk["matter"], minlength=n)
    done = tk["outcome"] == DONE
    t_done = np.full(n, np.nan)
    t_done[tk["matter"][done]] = tk["end"][done]

    status = np.full(n, IN_SYSTEM, dtype=np.int8)
    status[m.channel == ONLINE] = ONLINE_DONE
    status[m.channel == STATION] = STATION_DONE
    status[~np.isnan(t_done)] = COMPLETED

    in_person = m.channel == HALL
    idx = np.flatnonzero(in_person)
    access = {j: drawn[idx] for j, drawn in m.access_min.items()}
    trip = county.trips(m.town[idx], m.hall[idx], m.home_km[idx], m.mode_u[idx], access)
    mode = np.full(n, -1, dtype=np.int8)
    mode[idx] = trip.mode
    travel_min, travel_km, cost = np.zeros(n), np.zeros(n), np.zeros(n)
    travel_min[idx] = trips[idx] * trip.minutes
    travel_km[idx] = trips[idx] * 2 * trip.km
    wait_min = np.bincount(tk["matter"], weights=wait, minlength=n)
    service_min = np.bincount(tk["matter"], weights=served, minlength=n)
    hours = (travel_min + wait_min + service_min) / 60
    cost[idx] = trips[idx] * trip.cost
    cost += hours * scenario.travel.value_of_time_yuan_per_h

    days = np.full(n, np.nan)
    days[status == ONLINE_DONE] = 0
    days[status == STATION_DONE] = m.station_days[status == STATION_DONE]
    ok = status == COMPLETED
    days[ok] = clock.day_of(t_done[ok]) - clock.day_of(m.t[ok])
    return {
        "item": m.item.astype(np.int16),
        "town": m.town.astype(np.int16),
        "hall": m.hall.astype(np.int16),
        "channel": m.channel,
        "status": status,
        "mode": mode,
        "trips": trips.astype(np.int16),
        "t_request": m.t,
        "t_done": t_done,
        **{  # per-matter amounts in float32 (7 digits) to keep the log compact
            name: column.astype(np.float32)
            for name, column in (
                ("wait_min", wait_min),
                ("service_min", service_min),
                ("travel_min", travel_min),
                ("travel_km", travel_km),
                ("hours", hours),
                ("cost_yuan", cost),
                ("days_to_complete", days),
            )
        },
    }
