"""The tables a planner reads, built once as DataFrames of formatted text.

The console (``cli``) and the report (``report``) render the same frames: rich tables
there, HTML and Markdown here. Numbers are written by :func:`sim.metrics.fmt`.
"""

from __future__ import annotations

import pandas as pd

from sim.metrics import METRICS, SWEEP_METRICS, fmt, fmt_change
from sim.targets import Target, interval

__all__ = [
    "HALL_COLUMNS",
    "TEAM_COLUMNS",
    "busiest_halls",
    "comparison_rows",
    "key_table",
    "scope_table",
    "sweep_points",
    "target_table",
]

HALL_COLUMNS = [
    ("windows", "window_staff"), ("services/day", "throughput_per_day"),
    ("wait mean min", "wait_min_mean"), ("wait p90 min", "wait_min_p90"),
    ("utilisation", "window_utilisation"), ("overtime min/day", "overtime_min_per_day"),
    ("sent home", "sent_home"),
]  # fmt: skip
"""The per-hall table: (header, metric)."""
TEAM_COLUMNS = [
    ("staff", "enforcement_staff"), ("visits", "inspection_visits"),
    ("checks/visit", "checks_per_visit"), ("coverage", "check_coverage"),
    ("response p50 min", "response_min_p50"), ("whistled up", "whistled_up"),
    ("utilisation", "team_utilisation"),
]  # fmt: skip
"""The per-team table: (header, metric)."""


def _ci(low: float, high: float, metric: str) -> str:
    return "–" if low != low else f"{fmt(low, metric)} – {fmt(high, metric)}"


def key_table(summary: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """``metric, mean, 95% CI, meaning`` of ``metrics`` for the whole county."""
    everything = summary[summary.scope == "all"].set_index("metric")
    rows = [
        {
            "metric": m,
            "mean": fmt(everything.loc[m, "mean"], m),
            "95% CI": _ci(everything.loc[m, "ci_low"], everything.loc[m, "ci_high"], m),
            "meaning": METRICS[m].description,
        }
        for m in metrics
        if m in everything.index
    ]
    return pd.DataFrame(rows, columns=["metric", "mean", "95% CI", "meaning"])


def scope_table(
    summary: pd.DataFrame, kind: str, names: list[str], columns: list[tuple[str, str]]
) -> pd.DataFrame:
    """One row per hall or team (``kind``) in ``names``, the means of ``columns``."""
    mine = summary[summary.scope.str.startswith(f"{kind}:")]
    wide = mine.pivot(index="scope", columns="metric", values="mean")
    rows = [
        [name, *(fmt(wide.loc[f"{kind}:{name}"].get(m), m) for _, m in columns)]
        for name in names
        if f"{kind}:{name}" in wide.index
    ]
    return pd.DataFrame(rows, columns=[kind, *(header for header, _ in columns)])


def busiest_halls(table: pd.DataFrame, n: int = 5) -> list[str]:
    """The ``n`` hall scopes with the longest 90th-percentile wait in any of the compared
    scenarios (then the longest mean wait): where a county-wide figure hides a queue."""
    waits = table[table.scope.str.startswith("hall:") & table["mean"].notna()]
    waits = waits.pivot_table(index="scope", columns="metric", values="mean", aggfunc="max")
    if waits.empty:
        return []
    order = waits.reindex(columns=["wait_min_p90", "wait_min_mean"]).fillna(0)
    order = order.sort_values(["wait_min_p90", "wait_min_mean"], ascending=False)
    return order.index[:n].tolist()


def comparison_rows(
    table: pd.DataFrame, metrics: list[str], scopes: list[str] = ("all",)
) -> pd.DataFrame:
    """Each scenario's mean and the paired difference to the first (* where the 95 %
    interval excludes 0), one row per scope and metric; a ``scope`` column when more than
    the county as a whole."""
    names = list(dict.fromkeys(table.scenario))
    rows = []
    for scope in scopes:
        here = table[(table.scope == scope) & table.metric.isin(metrics)]
        for m in metrics:
            part = here[here.metric == m].set_index("scenario")
            if part.empty:
                continue
            row = {"scope": scope.split(":", 1)[-1], "metric": m}
            for i, name in enumerate(names):
                r = part.loc[name] if name in part.index else None
                row[name] = "–" if r is None else fmt(r["mean"], m)
                if i:
                    row[f"Δ {name} [95% CI]"] = (
                        "–"
                        if r is None or r["diff"] != r["diff"]
                        else f"{fmt_change(r['diff'], m)} [{fmt_change(r['diff_ci_low'], m)}, "
                        f"{fmt_change(r['diff_ci_high'], m)}]" + (" *" if r["significant"] else "")
                    )
            rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.drop(columns="scope") if list(scopes) == ["all"] and len(frame) else frame


def sweep_points(table: pd.DataFrame, grid: list[str]) -> pd.DataFrame:
    """One row per point: its grid values and the county-wide means of
    :data:`SWEEP_METRICS` (targets are judged per hall in :func:`target_table`)."""
    wide = table[table.scope == "all"].pivot_table(index="point", columns="metric", values="mean")
    frame = table.drop_duplicates("point").set_index("point")[grid].copy()
    for m in SWEEP_METRICS:
        frame[m] = [fmt(wide[m].get(p) if m in wide else None, m) for p in frame.index]
    return frame.reset_index(drop=True)


def target_table(judged: pd.DataFrame, grid: list[str], target: Target) -> pd.DataFrame:
    """Per point: the grid values, the swept hall's value (where the grid names one), the
    deciding hall (team) with its mean and interval, and whether the target is met."""
    m, swept = target.metric, judged.attrs.get("swept")
    columns = {g: judged[g].to_numpy() for g in grid}
    if swept:
        columns[f"{m} at {swept[5:]}"] = [
            interval(r.swept_mean, r.swept_ci_low, r.swept_ci_high, m) for r in judged.itertuples()
        ]
    columns[f"worst {target.kind}"] = ["–" if s is None else s[5:] for s in judged.scope]
    columns[f"{m} there"] = [interval(r.mean, r.ci_low, r.ci_high, m) for r in judged.itertuples()]
    columns[f"meets {target}"] = ["yes" if ok else "no" for ok in judged.met]
    return pd.DataFrame(columns)
