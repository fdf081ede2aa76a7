"""Metrics of a replication, and their summary over replications.

Metric names are the column names of DESIGN §4 and are defined once, in
:data:`METRICS`. Scopes: ``all``, ``hall:<name>``, ``town:<name>``.

Definitions: "per matter" metrics (trips, travel, days to complete) are over the
matters that went to a hall in person; ``share_one_trip`` is over those completed.
``wait_min_*`` are per visit (ticket): from arrival to the start of service, or to
closing for a citizen sent home. Counts and totals are over the whole horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.metrics import METRICS
from sim.model import COMPLETED, IN_SYSTEM
from sim.model.codes import VisitKind
from sim.model.demand import HALL, ONLINE, STATION
from sim.model.records import DONE, INCOMPLETE, SENT_HOME, Records, wait_ends
from sim.scenario import Scenario

__all__ = [
    "half_width",
    "matters_frame",
    "no_data",
    "paired_differences",
    "replication_daily",
    "replication_distributions",
    "replication_metrics",
    "replication_profiles",
    "summarise",
    "visits_frame",
]


def no_data(summary: pd.DataFrame) -> dict[str, dict]:
    """Metrics without a value in some scope, with the reason and the scopes (manifest)."""
    empty = summary[summary["mean"].isna()]
    return {
        metric: {"reason": METRICS[metric].no_data, "scopes": rows["scope"].tolist()}
        for metric, rows in empty.groupby("metric", sort=False)
    }


def _q(values: np.ndarray, q: float) -> float:
    return float(np.quantile(values, q)) if values.size else float("nan")


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else float("nan")


def _citizens(m: dict[str, np.ndarray], sel: np.ndarray) -> dict[str, float]:
    """Metrics of the matters selected by boolean mask ``sel``."""
    hall = sel & (m["channel"] == HALL)
    done = hall & (m["status"] == COMPLETED)
    n = int(sel.sum())
    return {
        "matters": n,
        "in_person": int(hall.sum()),
        "share_online": float((m["channel"][sel] == ONLINE).mean()) if n else np.nan,
        "share_station": float((m["channel"][sel] == STATION).mean()) if n else np.nan,
        "completed": int(done.sum()),
        "in_system": int((hall & (m["status"] == IN_SYSTEM)).sum()),
        "trips_per_matter": _mean(m["trips"][hall]),
        "share_one_trip": _mean(m["trips"][done] == 1),
        "share_two_trips": _mean(m["trips"][done] == 2),
        "travel_min": _mean(m["travel_min"][hall]),
        "travel_km": _mean(m["travel_km"][hall]),
        "citizen_hours": float(m["hours"][hall].sum()),
        "citizen_cost_yuan": float(m["cost_yuan"][hall].sum()),
        "days_to_complete": _mean(m["days_to_complete"][done]),
    }


def _visits(tk: dict[str, np.ndarray], waits: np.ndarray, sel: np.ndarray, days: int):
    """Metrics of the tickets selected by ``sel`` (``waits``: every ticket's wait). A wait
    counts once it is over: service started or sent home (not still waiting at the end)."""
    home = sel & (tk["outcome"] == SENT_HOME)
    wait = waits[(sel & ~np.isnan(tk["start"])) | home]
    served = sel & np.isin(tk["outcome"], (DONE, INCOMPLETE))
    return {
        "visits": int(sel.sum()),
        "wait_min_mean": _mean(wait),
        "wait_min_p50": _q(wait, 0.5),
        "wait_min_p90": _q(wait, 0.9),
        "service_min": _mean(tk["end"][served] - tk["start"][served]),
        "sent_home": int(home.sum()),
        "throughput_per_day": float(served.sum()) / days,
    }


def _window_minutes(tk: dict[str, np.ndarray], records: Records) -> np.ndarray:
    """Per ticket: [minutes served within opening hours, minutes served after a closing]."""
    clock = records.clock
    started = ~np.isnan(tk["start"])
    start = np.where(started, tk["start"], 0.0)
    end = np.where(started, np.where(np.isnan(tk["end"]), records.horizon_min, tk["end"]), 0.0)
    in_hours = clock.open_until(end) - clock.open_until(start)
    return np.stack([in_hours, end - start - in_hours])


def _windows(served: np.ndarray, sel, records: Records, halls: np.ndarray) -> dict[str, float]:
    """Window metrics of the halls in ``halls`` (indices) and their tickets ``sel``;
    ``served`` is :func:`_window_minutes` of every ticket."""
    windows = float(records.halls["windows"][halls].sum())
    capacity = windows * records.open_min
    in_hours, overtime = served[:, sel].sum(axis=1)
    return {
        "window_utilisation": float(in_hours) / capacity if capacity else np.nan,
        "overtime_min_per_day": float(overtime) / records.days,
        "queue_len_mean": float(records.halls["queue_area"][halls].sum()) / records.open_min,
        "window_staff": windows,
    }


def _groups(keys: np.ndarray, n: int) -> list[np.ndarray]:
    """Indices of the rows with each key 0..n-1 (one pass, instead of a mask per key)."""
    order = np.argsort(keys, kind="stable")
    return np.split(order, np.searchsorted(keys[order], np.arange(1, n)))


class _EnforcementRows:
    """Enforcement metrics for all teams and towns, one team or one town, from rows grouped
    once per replication (instead of masking every row for every scope)."""

    def __init__(self, scenario: Scenario, records: Records):
        clock = records.clock
        e, v = records.enforcement, records.visits
        self.e, self.v, self.records = e, v, records
        # crews' minutes within opening hours; the rest of busy_min (visits running past a
        # closing, the drive back to base after the day) is overtime
        in_hours = clock.open_until(v["leave"]) - clock.open_until(v["depart"])
        self.team_in_hours = np.bincount(v["team"], weights=in_hours, minlength=e.team_crews.size)
        self.per_year = scenario.demand.days_per_year / records.days
        towns = [t.name for t in scenario.geography.towns]
        teams = scenario.enforcement.teams
        self.due = e.check_due < records.days
        self.done = ~np.isnan(e.check_done)
        routine = v["kind"] == VisitKind.ROUTINE
        self.response = np.where(
            routine, np.nan, v["arrive"] - e.inc_report[np.where(routine, 0, v["target"])]
        )
        firms_by_town = _groups(e.ent_town, len(towns))
        self.groups = {  # (checks, routine visits, incident visits, incidents, firms)
            None: (
                np.arange(e.check_due.size),
                np.flatnonzero(routine),
                np.flatnonzero(~routine),
                np.arange(e.inc_team.size),
                np.arange(e.ent_town.size),
            ),
        }
        for kind, check_of, visit_of, incident_of, n in (
            ("team", e.check_team, v["team"], e.inc_team, len(teams)),
            ("town", e.check_town, v["town"], e.inc_town, len(towns)),
        ):
            checks = _groups(check_of, n)
            visits = _groups(visit_of, n)
            incidents = _groups(incident_of, n)
            for k in range(n):
                if kind == "team":  # the firms in the towns the team covers
                    covered = [t for t, name in enumerate(towns) if teams[k].works_in(name)]
                    firms = np.concatenate([firms_by_town[t] for t in covered])
                else:
                    firms = firms_by_town[k]
                mine = visits[k]
                self.groups[kind, k] = (
                    checks[k],
                    mine[routine[mine]],
                    mine[~routine[mine]],
                    incidents[k],
                    firms,
                )

    def metrics(self, by: str | None = None, k: int = 0) -> dict[str, float]:
        """All teams and towns (``by`` None), or team ``k`` / town ``k``."""
        e, v = self.e, self.v
        checks, routine, answered, incidents, firms = self.groups[None if by is None else (by, k)]
        due, done = self.due[checks], self.done[checks]
        per_firm = np.bincount(v["target"][routine], minlength=e.ent_town.size)
        per_firm = per_firm[firms] * self.per_year
        response = self.response[answered]
        return {
            "checks_scheduled": int(due.sum()),
            "checks_done": int(done.sum()),
            "check_coverage": float((due & done).sum() / due.sum()) if due.any() else np.nan,
            "backlog": int((due & ~done).sum()),
            "inspection_visits": int(routine.size),
            "visits_per_enterprise_per_year": _mean(per_firm),
            "share_enterprises_over_12_visits": _mean(per_firm > 12),
            "checks_per_visit": _mean(v["checks"][routine].astype(float)),
            "incidents": int(incidents.size),
            "incidents_open": int(incidents.size - answered.size),
            "response_min_mean": _mean(response),
            "response_min_p50": _q(response, 0.5),
            "response_min_p90": _q(response, 0.9),
            "share_response_within_30min": _mean(response <= 30),
            "whistled_up": int(e.inc_whistled[incidents].sum()),
        }

    def team_totals(self, k: int | None = None) -> dict[str, float]:
        """Crew totals of team ``k`` (all teams when None); they belong to teams, not towns."""
        e = self.e
        sel = slice(None) if k is None else slice(k, k + 1)
        crews = e.team_crews[sel].sum()
        in_hours = self.team_in_hours[sel].sum()
        return {
            "team_utilisation": in_hours / (crews * self.records.open_min) if crews else np.nan,
            "team_overtime_min_per_day": (e.team_busy_min[sel].sum() - in_hours)
            / self.records.days,
            "team_km": float(e.team_km[sel].sum()),
            "enforcement_staff": int(e.team_staff[sel].sum()),
        }


def replication_metrics(scenario: Scenario, records: Records) -> pd.DataFrame:
    """One row per scope, one column per metric (NaN where it does not apply)."""
    m, tk = records.matters, records.tickets
    served = _window_minutes(tk, records)
    waits = records.waits()
    every_matter = np.ones(len(m["item"]), dtype=bool)
    every_ticket = np.ones(len(tk["matter"]), dtype=bool)
    rows = [
        {
            "scope": "all",
            **_citizens(m, every_matter),
            **_visits(tk, waits, every_ticket, records.days),
            **_windows(served, every_ticket, records, np.arange(len(scenario.halls))),
        }
    ]
    for h, hall in enumerate(scenario.halls):
        mine = tk["hall"] == h
        rows.append(
            {
                "scope": f"hall:{hall.name}",
                **_citizens(m, m["hall"] == h),
                **_visits(tk, waits, mine, records.days),
                **_windows(served, mine, records, np.array([h])),
            }
        )
    ticket_town = m["town"][tk["matter"]]
    enforcement = _EnforcementRows(scenario, records) if records.enforcement else None
    if enforcement:
        rows[0].update(enforcement.metrics(), **enforcement.team_totals())
        for k, team in enumerate(scenario.enforcement.teams):
            rows.append(
                {
                    "scope": f"team:{team.name}",
                    **enforcement.metrics("team", k),
                    **enforcement.team_totals(k),
                }
            )
    for t, town in enumerate(scenario.geography.towns):
        rows.append(
            {
                "scope": f"town:{town.name}",
                **_citizens(m, m["town"] == t),
                **_visits(tk, waits, ticket_town == t, records.days),
                **(enforcement.metrics("town", t) if enforcement else {}),
            }
        )
    frame = pd.DataFrame(rows)
    columns = [c for c in METRICS if c in frame.columns]  # no enforcement columns without it
    return frame.reindex(columns=["scope", *columns])


def half_width(std, n, level: float = 0.95):
    """Half-width of the Student-t interval of a mean of ``n`` values with sample standard
    deviation ``std`` (NaN where n < 2). Works on numbers and on pandas/numpy columns."""
    from scipy.special import stdtrit  # here: a single replication never needs SciPy

    n = np.asarray(n, dtype=float)
    df = np.where(n >= 2, n - 1, np.nan)
    half = stdtrit(df, 0.5 + level / 2) * np.asarray(std, dtype=float) / np.sqrt(n)
    return half if half.ndim else float(half)


def paired_differences(
    base: pd.DataFrame, other: pd.DataFrame, level: float = 0.95
) -> pd.DataFrame:
    """Per metric and scope: mean of ``other − base`` over matched replications, with its
    Student-t interval (``diff``, ``diff_ci_low``, ``diff_ci_high``, ``n``)."""
    metrics = [c for c in base.columns if c in METRICS and c in other.columns]
    joined = base.melt(["replication", "scope"], metrics, "metric", "base").merge(
        other.melt(["replication", "scope"], metrics, "metric", "other"),
        on=["replication", "scope", "metric"],
    )
    joined["d"] = joined["other"] - joined["base"]
    joined = joined.dropna(subset=["d"])
    grouped = joined.groupby(["metric", "scope"], sort=False)["d"]
    out = grouped.agg(diff="mean", sd="std", n="count").reset_index()
    half = pd.Series(half_width(out["sd"], out["n"], level), index=out.index)
    half = half.where(out["sd"] > 0, 0.0 * out["sd"])  # identical pairs: exactly zero
    out["diff_ci_low"], out["diff_ci_high"] = out["diff"] - half, out["diff"] + half
    return out.drop(columns="sd")


def summarise(replications: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """``metric, scope, mean, std, ci_low, ci_high, n`` from per-replication rows: a row for
    every metric in every scope it applies to (``Metric.scopes``); ``n`` counts the replications
    with a value, and a metric with none has mean NaN (see :func:`no_data`).

    The interval is Student's t over replications, truncated to where the metric can lie
    (≥ 0; shares ≤ 1); it needs n ≥ 2 (NaN otherwise).
    """
    metrics = [c for c in replications.columns if c in METRICS]
    long = replications.melt(id_vars=["scope"], value_vars=metrics, var_name="metric")
    kind = long["scope"].str.split(":").str[0]
    applies = np.array([k in METRICS[m].scopes for m, k in zip(long["metric"], kind, strict=True)])
    long = long[long["value"].notna() | applies]  # kept with NaN: no data, said in no_data
    grouped = long.groupby(["metric", "scope"], sort=False)["value"]
    out = grouped.agg(mean="mean", std="std", n="count").reset_index()
    half = half_width(out["std"], out["n"], level)
    # every metric is ≥ 0 and shares are ≤ 1: truncating the interval keeps its coverage
    share = out["metric"].map(lambda m: METRICS[m].share)
    out["ci_low"] = (out["mean"] - half).clip(lower=0)
    out["ci_high"] = (out["mean"] + half).where(~share, (out["mean"] + half).clip(upper=1))
    order = {name: i for i, name in enumerate(METRICS)}
    scopes = list(dict.fromkeys(replications["scope"]))
    out["_m"] = out["metric"].map(order)
    out["_s"] = out["scope"].map({s: i for i, s in enumerate(scopes)})
    out = out.sort_values(["_m", "_s"]).drop(columns=["_m", "_s"])
    return out[["metric", "scope", "mean", "std", "ci_low", "ci_high", "n"]].reset_index(drop=True)


def matters_frame(scenario: Scenario, records: Records, replication: int) -> pd.DataFrame:
    """The per-matter log of one replication, with names instead of indices."""
    m = records.matters
    frame = pd.DataFrame(m)
    frame.insert(0, "replication", np.int32(replication))
    names = {
        "item": [s.id for s in scenario.services],
        "town": [t.name for t in scenario.geography.towns],
        "hall": [h.name for h in scenario.halls],
        "mode": [mode.name for mode in scenario.travel.modes],
    }
    for column, labels in names.items():
        codes = frame[column].to_numpy()
        frame[column] = pd.Categorical.from_codes(codes, categories=labels)  # -1 -> missing
    frame["channel"] = pd.Categorical.from_codes(
        frame["channel"], categories=["online", "station", "hall"]
    )
    frame["status"] = pd.Categorical.from_codes(
        frame["status"], categories=["completed", "online", "station", "in_system"]
    )
    if records.clock.dates is not None:  # a date range: the date of each request
        frame["date_request"] = _dates(records, m["t_request"])
    return frame


def _dates(records: Records, t: np.ndarray) -> pd.Series:
    """The date of each sim minute in ``t`` (a run with a date range)."""
    return pd.Series(records.clock.date_of(t)).dt.date


def visits_frame(scenario: Scenario, records: Records, replication: int) -> pd.DataFrame:
    """The enforcement visit log of one replication (empty without enforcement).

    ``response_min`` (report -> on site) and ``reported`` are set for incident visits;
    ``target`` is the enterprise (routine) or the incident (incident) number.
    """
    if records.visits is None:
        return pd.DataFrame()
    v, e = records.visits, records.enforcement
    frame = pd.DataFrame(v)
    frame.insert(0, "replication", np.int32(replication))
    frame["team"] = pd.Categorical.from_codes(
        frame["team"], categories=[t.name for t in scenario.enforcement.teams]
    )
    frame["town"] = pd.Categorical.from_codes(
        frame["town"], categories=[t.name for t in scenario.geography.towns]
    )
    frame["kind"] = pd.Categorical.from_codes(frame["kind"], categories=["routine", "incident"])
    incident = v["kind"] == VisitKind.INCIDENT
    reported = np.full(v["kind"].size, np.nan)
    reported[incident] = e.inc_report[v["target"][incident]]
    frame["reported"] = reported
    frame["response_min"] = frame["arrive"] - reported
    frame["whistled_up"] = False
    frame.loc[incident, "whistled_up"] = e.inc_whistled[v["target"][incident]]
    if records.clock.dates is not None:  # a date range: the date each crew set out
        frame["date"] = _dates(records, v["depart"])
    return frame


QUANTILES = np.linspace(0, 1, 101)
"""Distributions are kept as their percentiles 0, 1, ..., 100 (each step holds 1 %)."""


def replication_distributions(scenario: Scenario, records: Records) -> pd.DataFrame:
    """Percentiles of per-matter, per-visit and per-firm quantities of one replication:
    ``quantity, scope, q, value``. Figures draw ECDFs, box plots and histograms from them
    without the full logs."""
    m, tk = records.matters, records.tickets
    parts: list[tuple[str, str, np.ndarray]] = [
        ("travel_min", "all", m["travel_min"][m["channel"] == HALL]),
        ("trips", "all", m["trips"][m["status"] == COMPLETED].astype(float)),
    ]
    started = ~np.isnan(tk["start"])
    home = tk["outcome"] == SENT_HOME
    wait = records.waits()
    waited = started | home
    parts.append(("wait_min", "all", wait[waited]))
    for h, hall in enumerate(scenario.halls):
        parts.append(("wait_min", f"hall:{hall.name}", wait[waited & (tk["hall"] == h)]))
    if records.enforcement is not None:
        e, v = records.enforcement, records.visits
        incident = v["kind"] == VisitKind.INCIDENT
        parts.append(
            ("response_min", "all", v["arrive"][incident] - e.inc_report[v["target"][incident]])
        )
        per_firm = np.bincount(v["target"][~incident], minlength=e.ent_town.size)
        parts.append(
            (
                "visits_per_enterprise_per_year",
                "all",
                per_firm * scenario.demand.days_per_year / records.days,
            )
        )
    frames = [
        pd.DataFrame(
            {
                "quantity": name,
                "scope": scope,
                "q": np.arange(101),
                "value": np.quantile(values, QUANTILES),
            }
        )
        for name, scope, values in parts
        if values.size
    ]
    columns = ["quantity", "scope", "q", "value"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def replication_daily(scenario: Scenario, records: Records) -> pd.DataFrame:
    """One row per working day of one replication: ``day`` (1, 2, …), ``date`` (ISO
    ``YYYY-MM-DD`` when the horizon is a date range, else empty), ``requests`` (all
    channels), ``visits`` (tickets drawn at the halls), ``wait_min_mean`` (the mean wait of
    that day's visits whose wait is over, as ``wait_min_mean``) and ``sent_home``."""
    clock, tk = records.clock, records.tickets
    n = clock.days
    requests = np.bincount(clock.day_of(records.matters["t_request"]), minlength=n)
    day = clock.day_of(tk["arrive"])
    home = tk["outcome"] == SENT_HOME
    over = ~np.isnan(tk["start"]) | home
    waited = np.bincount(day[over], minlength=n).astype(float)
    total = np.bincount(day[over], weights=records.waits()[over], minlength=n)
    mean = np.divide(total, waited, out=np.full(n, np.nan), where=waited > 0)
    dates = [d.isoformat() for d in clock.dates] if clock.dates is not None else [""] * n
    return pd.DataFrame(
        {
            "day": np.arange(1, n + 1),
            "date": dates,
            "requests": requests[:n],
            "visits": np.bincount(day, minlength=n)[:n],
            "wait_min_mean": mean,
            "sent_home": np.bincount(day[home], minlength=n)[:n],
        }
    )


def _area(starts: np.ndarray, ends: np.ndarray, x: np.ndarray) -> np.ndarray:
    """∫ from -∞ to x of the number of open intervals [start, end), for every x."""
    a, e = np.sort(starts), np.sort(ends)
    ca, ce = np.r_[0.0, np.cumsum(a)], np.r_[0.0, np.cumsum(e)]
    na, ne = np.searchsorted(a, x), np.searchsorted(e, x)
    return (x * na - ca[na]) - (x * ne - ce[ne])


def replication_profiles(scenario: Scenario, records: Records, bin_min: int = 30) -> pd.DataFrame:
    """The working day of each hall in ``bin_min`` bins from the first opening to the last
    closing: mean number waiting and share of windows busy, averaged over the days, with
    the 10th and 90th percentiles of the number waiting across days. Columns: ``hall,
    clock_min, queue_mean, queue_p10, queue_p90, busy_share``."""
    clock = records.clock
    first, last = clock.intervals[0][0], clock.intervals[-1][1]
    edges = np.arange(first, last + bin_min, bin_min, dtype=float)
    edges[-1] = min(edges[-1], last)
    grid = (clock.day_start[:, None] + edges[None, :]).ravel()
    width = np.diff(edges)
    tk = records.tickets
    started = ~np.isnan(tk["start"])
    wait_end = wait_ends(tk, records.horizon_min)
    service_end = np.where(np.isnan(tk["end"]), records.horizon_min, tk["end"])
    frames = []
    for h, hall in enumerate(scenario.halls):
        mine = tk["hall"] == h
        queue = (
            np.diff(_area(tk["arrive"][mine], wait_end[mine], grid).reshape(clock.days, -1), axis=1)
            / width
        )
        served = mine & started
        busy = (
            np.diff(
                _area(tk["start"][served], service_end[served], grid).reshape(clock.days, -1),
                axis=1,
            )
            / width
        )
        windows = max(int(records.halls["windows"][h]), 1)
        frames.append(
            pd.DataFrame(
                {
                    "hall": hall.name,
                    "clock_min": edges[:-1],
                    "queue_mean": queue.mean(axis=0),
                    "queue_p10": np.quantile(queue, 0.1, axis=0),
                    "queue_p90": np.quantile(queue, 0.9, axis=0),
                    "busy_share": busy.mean(axis=0) / windows,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
