"""The tables a planner reads, built once as DataFrames of formatted text.

The console (``cli``) and the report (``report``) render the same frames: rich tables
there, HTML and Markdown here. Numbers are written by :func:`sim.metrics.fmt`; headings and
metric names in the reader's language (``lang``: ``en`` or ``zh``, texts in :mod:`sim.i18n`).
"""

from __future__ import annotations

import pandas as pd

from sim.i18n import metric_name
from sim.i18n import t as tr
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
    ("h_windows", "window_staff"), ("h_services", "throughput_per_day"),
    ("h_wait_mean", "wait_min_mean"), ("h_wait_p90", "wait_min_p90"),
    ("h_utilisation", "window_utilisation"), ("h_overtime", "overtime_min_per_day"),
    ("h_sent_home", "sent_home"),
]  # fmt: skip
"""The per-hall table: (header's key in :data:`sim.i18n.STRINGS`, metric)."""
TEAM_COLUMNS = [
    ("h_staff", "enforcement_staff"), ("h_visits", "inspection_visits"),
    ("h_checks_visit", "checks_per_visit"), ("h_coverage", "check_coverage"),
    ("h_response", "response_min_p50"), ("h_whistled", "whistled_up"),
    ("h_utilisation", "team_utilisation"),
]  # fmt: skip
"""The per-team table: (header's key in :data:`sim.i18n.STRINGS`, metric)."""


def _ci(low: float, high: float, metric: str) -> str:
    return "–" if low != low else f"{fmt(low, metric)} – {fmt(high, metric)}"


def key_table(summary: pd.DataFrame, metrics: list[str], lang: str = "en") -> pd.DataFrame:
    """``metric, mean, 95% CI, meaning`` of ``metrics`` for the whole county (in Chinese
    the metric is named by its label, which says what it means: no ``meaning`` column)."""
    everything = summary[summary.scope == "all"].set_index("metric")
    zh = lang == "zh"
    columns = [tr(k, lang) for k in ("col_metric", "col_mean", "col_ci", "col_meaning")]
    rows = [
        [
            metric_name(m, lang),
            fmt(everything.loc[m, "mean"], m),
            _ci(everything.loc[m, "ci_low"], everything.loc[m, "ci_high"], m),
            *([] if zh else [METRICS[m].description]),
        ]
        for m in metrics
        if m in everything.index
    ]
    return pd.DataFrame(rows, columns=columns[:3] if zh else columns)


def scope_table(
    summary: pd.DataFrame,
    kind: str,
    names: list[str],
    columns: list[tuple[str, str]],
    lang: str = "en",
) -> pd.DataFrame:
    """One row per hall or team (``kind``) in ``names``, the means of ``columns``
    (``(header key, metric)``, e.g. :data:`HALL_COLUMNS`)."""
    mine = summary[summary.scope.str.startswith(f"{kind}:")]
    wide = mine.pivot(index="scope", columns="metric", values="mean")
    rows = [
        [name, *(fmt(wide.loc[f"{kind}:{name}"].get(m), m) for _, m in columns)]
        for name in names
        if f"{kind}:{name}" in wide.index
    ]
    headers = [tr(f"col_{kind}", lang), *(tr(key, lang) for key, _ in columns)]
    return pd.DataFrame(rows, columns=headers)


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
    table: pd.DataFrame, metrics: list[str], scopes: list[str] = ("all",), lang: str = "en"
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
            row = {
                tr("col_scope", lang): scope.split(":", 1)[-1] if scope != "all" else scope,
                tr("col_metric", lang): metric_name(m, lang),
            }
            for i, name in enumerate(names):
                r = part.loc[name] if name in part.index else None
                row[name] = "–" if r is None else fmt(r["mean"], m)
                if i:
                    row[tr("col_delta", lang, name=name)] = (
                        "–"
                        if r is None or r["diff"] != r["diff"]
                        else f"{fmt_change(r['diff'], m)} [{fmt_change(r['diff_ci_low'], m)}, "
                        f"{fmt_change(r['diff_ci_high'], m)}]" + (" *" if r["significant"] else "")
                    )
            rows.append(row)
    frame = pd.DataFrame(rows)
    only_all = list(scopes) == ["all"] and len(frame)
    return frame.drop(columns=tr("col_scope", lang)) if only_all else frame


def sweep_points(table: pd.DataFrame, grid: list[str], lang: str = "en") -> pd.DataFrame:
    """One row per point: its grid values and the county-wide means of
    :data:`SWEEP_METRICS` (targets are judged per hall in :func:`target_table`)."""
    wide = table[table.scope == "all"].pivot_table(index="point", columns="metric", values="mean")
    frame = table.drop_duplicates("point").set_index("point")[grid].copy()
    for m in SWEEP_METRICS:
        values = [fmt(wide[m].get(p) if m in wide else None, m) for p in frame.index]
        frame[metric_name(m, lang)] = values
    return frame.reset_index(drop=True)


def target_table(
    judged: pd.DataFrame, grid: list[str], target: Target, lang: str = "en"
) -> pd.DataFrame:
    """Per point: the grid values, the swept hall's value (where the grid names one), the
    deciding hall (team) with its mean and interval, and whether the target is met."""
    m, swept = target.metric, judged.attrs.get("swept")
    name = metric_name(m, lang)
    columns = {g: judged[g].to_numpy() for g in grid}
    if swept:
        columns[tr("col_at", lang, metric=name, hall=swept[5:])] = [
            interval(r.swept_mean, r.swept_ci_low, r.swept_ci_high, m) for r in judged.itertuples()
        ]
    kind = tr(f"kind_{target.kind}", lang) if lang == "zh" else target.kind
    columns[tr("col_worst", lang, kind=kind)] = ["–" if s is None else s[5:] for s in judged.scope]
    columns[tr("col_there", lang, metric=name)] = [
        interval(r.mean, r.ci_low, r.ci_high, m) for r in judged.itertuples()
    ]
    columns[tr("col_meets", lang, target=target)] = [
        tr("yes" if ok else "no", lang) for ok in judged.met
    ]
    return pd.DataFrame(columns)
