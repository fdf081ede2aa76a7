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
from scipy import stats as st

from sim.demand import HALL, ONLINE, STATION
from sim.model import COMPLETED, IN_SYSTEM
from sim.records import DONE, INCOMPLETE, SENT_HOME, Records
from sim.scenario import Scenario

__all__ = ["METRICS", "matters_frame", "replication_metrics", "summarise"]

METRICS: dict[str, str] = {
    "matters": "requests that arose (all channels)",
    "in_person": "matters taken to a hall",
    "share_online": "share of matters done online",
    "share_station": "share of matters handled by a village station",
    "completed": "in-person matters completed by the horizon",
    "in_system": "in-person matters still open at the horizon",
    "trips_per_matter": "trips to a hall per in-person matter",
    "share_one_trip": "share of completed in-person matters done in one trip",
    "travel_min": "round-trip travel minutes per in-person matter, all trips",
    "travel_km": "km travelled per in-person matter, all trips",
    "visits": "tickets drawn (visits to a hall)",
    "wait_min_mean": "mean minutes from ticket to service (or to being sent home)",
    "wait_min_p50": "median wait per visit, minutes",
    "wait_min_p90": "90th percentile of wait per visit, minutes",
    "service_min": "mean minutes at the window per service",
    "citizen_hours": "hours citizens spent travelling, waiting and at windows (total)",
    "citizen_cost_yuan": "citizens' time (value of time) plus travel costs, yuan (total)",
    "days_to_complete": "working days from request to completion (in-person, completed)",
    "sent_home": "tickets still waiting at closing, sent home (total)",
    "throughput_per_day": "services per working day",
    "window_utilisation": "share of open window-minutes spent serving",
    "queue_len_mean": "mean number waiting: ticket-minutes waited / minutes open",
    "window_staff": "windows (staff)",
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
        "travel_min": _mean(m["travel_min"][hall]),
        "travel_km": _mean(m["travel_km"][hall]),
        "citizen_hours": float(m["hours"][hall].sum()),
        "citizen_cost_yuan": float(m["cost_yuan"][hall].sum()),
        "days_to_complete": _mean(m["days_to_complete"][done]),
    }


def _visits(tk: dict[str, np.ndarray], sel: np.ndarray, days: int) -> dict[str, float]:
    """Metrics of the tickets selected by ``sel``."""
    started = sel & ~np.isnan(tk["start"])
    home = sel & (tk["outcome"] == SENT_HOME)
    wait = np.concatenate(
        [tk["start"][started] - tk["arrive"][started], tk["end"][home] - tk["arrive"][home]]
    )
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


def _windows(tk, sel, records: Records, halls: np.ndarray) -> dict[str, float]:
    """Window metrics of the halls in ``halls`` (indices) and their tickets ``sel``."""
    started = sel & ~np.isnan(tk["start"])
    busy = np.where(np.isnan(tk["end"]), records.horizon_min, tk["end"]) - tk["start"]
    windows = float(records.halls["windows"][halls].sum())
    capacity = windows * records.open_min
    return {
        "window_utilisation": float(busy[started].sum()) / capacity if capacity else np.nan,
        "queue_len_mean": float(records.halls["queue_area"][halls].sum()) / records.open_min,
        "window_staff": windows,
    }


def replication_metrics(scenario: Scenario, records: Records) -> pd.DataFrame:
    """One row per scope, one column per metric (NaN where it does not apply)."""
    m, tk = records.matters, records.tickets
    every_matter = np.ones(len(m["item"]), dtype=bool)
    every_ticket = np.ones(len(tk["matter"]), dtype=bool)
    rows = [
        {
            "scope": "all",
            **_citizens(m, every_matter),
            **_visits(tk, every_ticket, records.days),
            **_windows(tk, every_ticket, records, np.arange(len(scenario.halls))),
        }
    ]
    for h, hall in enumerate(scenario.halls):
        mine = tk["hall"] == h
        rows.append(
            {
                "scope": f"hall:{hall.name}",
                **_citizens(m, m["hall"] == h),
                **_visits(tk, mine, records.days),
                **_windows(tk, mine, records, np.array([h])),
            }
        )
    ticket_town = m["town"][tk["matter"]]
    for t, town in enumerate(scenario.geography.towns):
        rows.append(
            {
                "scope": f"town:{town.name}",
                **_citizens(m, m["town"] == t),
                **_visits(tk, ticket_town == t, records.days),
            }
        )
    frame = pd.DataFrame(rows)
    return frame.reindex(columns=["scope", *METRICS])


def summarise(replications: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """``metric, scope, mean, std, ci_low, ci_high, n`` from per-replication rows.

    The interval is Student's t over replications, truncated at 0 (no metric is
    negative); it needs n ≥ 2 (NaN otherwise).
    """
    metrics = [c for c in replications.columns if c in METRICS]
    long = replications.melt(id_vars=["scope"], value_vars=metrics, var_name="metric")
    long = long.dropna(subset=["value"])
    grouped = long.groupby(["metric", "scope"], sort=False)["value"]
    out = grouped.agg(mean="mean", std="std", n="count").reset_index()
    half = st.t.ppf(0.5 + level / 2, out["n"] - 1) * out["std"] / np.sqrt(out["n"])
    half = half.where(out["n"] >= 2)
    # every metric is ≥ 0: truncating the interval there keeps its coverage
    out["ci_low"], out["ci_high"] = (out["mean"] - half).clip(lower=0), out["mean"] + half
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
    return frame
