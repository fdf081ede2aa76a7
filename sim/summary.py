"""The one-page summary a report starts with (issue 16): the question, three to five findings
in sentences with numbers and 95 % intervals, and what the model leaves out.

Findings come from the results only (a comparison table in the ``compare.csv`` format, or a
run's ``summary.csv``); nothing here is fixed text about outcomes. Pure: no files, no
drawing. ``lang`` is ``en`` or ``zh``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from sim.i18n import join
from sim.i18n import t as tr
from sim.metrics import METRICS, fmt, fmt_change
from sim.scenario import Scenario

__all__ = ["Summary", "comparison_summary", "not_modelled", "run_summary"]

# the county-wide figures a head of office reads first, in this order
HEADLINE = [
    "travel_min", "wait_min_mean", "share_one_trip", "trips_per_matter", "days_to_complete",
    "window_utilisation", "response_min_p90", "share_response_within_30min",
    "visits_per_enterprise_per_year", "citizen_hours",
]  # fmt: skip


NOT_MODELLED = (
    (
        "staff breaks, absences and training days (every window is staffed while open)",
        "窗口人员休息、请假和培训（开放时间内每个窗口均有人）",
    ),
    (
        "appointments booked ahead and priority queues (first come, first served within a "
        "window group)",
        "预约办理和优先通道（同一窗口组内先到先办）",
    ),
    (
        "how long an online or village-station matter takes to process",
        "网上办理和村级代办的后台办理时长",
    ),
    (
        "citizens who give up before drawing a ticket, or change hall when a queue is long",
        "因排队过长而放弃取号或改去其他大厅的群众",
    ),
)
"""What the model never represents, whatever the scenario (also in the README)."""


def _t(key: str, lang: str, **values: object) -> str:
    return tr(f"sum_{key}", lang, **values)


@dataclass
class Summary:
    question: str
    findings: list[str]
    not_modelled: list[str] = field(default_factory=list)


def not_modelled(scenario: Scenario, lang: str = "en") -> list[str]:
    """The model's standing limits, what this scenario leaves out, and the scenario's own
    ``report.not_modelled`` notes."""
    zh = lang == "zh"
    out = [pair[zh] for pair in NOT_MODELLED]
    if scenario.enforcement is None:
        out.append(("enforcement (the scenario has no enforcement section)",
                    "执法检查（本方案未设执法部分）")[zh])  # fmt: skip
    report = getattr(scenario, "report", None)
    out += list(getattr(report, "not_modelled", None) or [])
    return out


def _interval_text(value: float, metric: str) -> str:
    return fmt_change(value, metric) if value != 0 else fmt(0.0, metric)


def comparison_summary(
    table: pd.DataFrame, scenarios: list[Scenario], reps: int, lang: str = "en"
) -> Summary:
    """From a comparison table (``compare.csv``): each later scenario's significant changes
    in the headline metrics (in the order a head of office reads them), where the longest
    waits are, and the headline metrics that did not change."""
    names = list(dict.fromkeys(table["scenario"]))
    question = _t(
        "question_compare", lang, first=names[0], others=join(names[1:], lang), reps=reps,
        horizon=scenarios[0].horizon_text(lang), verb="compares" if len(names) == 2 else "compare",
    )  # fmt: skip
    county = table[table.scope == "all"].set_index(["metric", "scenario"])
    findings: list[str] = []
    unchanged: dict[str, list[str]] = {}
    each = 3 if len(names) == 2 else 2  # significant changes told per scenario
    for name in names[1:]:
        changes = []
        for metric in HEADLINE:
            if (metric, name) not in county.index or (metric, names[0]) not in county.index:
                continue
            row, first = county.loc[(metric, name)], county.loc[(metric, names[0])]
            diff, low, high = row["diff"], row["diff_ci_low"], row["diff_ci_high"]
            if any(map(_missing, (diff, low, high, first["mean"], row["mean"]))):
                continue
            label = METRICS[metric].label(lang, with_unit=False)
            if low > 0 or high < 0:
                unit = METRICS[metric].unit_after(lang)
                changes.append(_t(
                    "change", lang, scenario=name, label=label,
                    verb=_t("up" if diff > 0 else "down", lang),
                    before=fmt(first["mean"], metric) + unit,
                    after=fmt(row["mean"], metric) + unit,
                    diff=fmt_change(diff, metric) + unit, low=_interval_text(low, metric),
                    high=_interval_text(high, metric),
                ))  # fmt: skip
            else:
                unchanged.setdefault(name, []).append(label)
        findings += changes[:each]
    findings = findings[:4]
    worst = _worst_hall(table)
    if worst:
        findings.append(worst_text(worst, lang))
    for name, labels in unchanged.items():
        if len(findings) >= 5:
            break
        findings.append(_t("no_change", lang, scenario=name, labels=join(labels[:3], lang)))
    return Summary(question, findings[:5], not_modelled(scenarios[-1], lang))


def run_summary(summary: pd.DataFrame, scenario: Scenario, reps: int, lang: str = "en") -> Summary:
    """From a run's summary table: the headline figures with their intervals and where the
    longest waits are."""
    question = _t(
        "question_run", lang, name=scenario.name, reps=reps, horizon=scenario.horizon_text(lang)
    )
    county = summary[summary.scope == "all"].set_index("metric")
    findings = []
    for metric in HEADLINE:
        if metric not in county.index or _missing(county.loc[metric, "mean"]):
            continue
        row = county.loc[metric]
        low = row["ci_low"] if not _missing(row["ci_low"]) else row["mean"]
        high = row["ci_high"] if not _missing(row["ci_high"]) else row["mean"]
        unit = METRICS[metric].unit_after(lang)
        findings.append(_t("figure", lang, label=METRICS[metric].label(lang, with_unit=False),
                           value=fmt(row["mean"], metric) + unit, low=fmt(low, metric),
                           high=fmt(high, metric) + unit))  # fmt: skip
        if len(findings) == 3:
            break
    worst = _worst_hall(summary.assign(scenario=scenario.name))
    if worst:
        findings.append(worst_text(worst, lang))
    return Summary(question, findings, not_modelled(scenario, lang))


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _worst_hall(table: pd.DataFrame) -> dict | None:
    rows = table[(table.metric == "wait_min_p90") & table.scope.str.startswith("hall:")]
    rows = rows[rows["mean"].notna()]
    if rows.empty or rows["mean"].max() <= 0:
        return None
    row = rows.loc[rows["mean"].idxmax()]
    return {"hall": row.scope[5:], "scenario": row.scenario, "value": row["mean"],
            "low": row.ci_low, "high": row.ci_high}  # fmt: skip


def worst_text(worst: dict, lang: str) -> str:
    m = "wait_min_p90"
    low = worst["low"] if not _missing(worst["low"]) else worst["value"]
    high = worst["high"] if not _missing(worst["high"]) else worst["value"]
    return _t("worst_hall", lang, hall=worst["hall"], scenario=worst["scenario"],
              value=fmt(worst["value"], m), low=fmt(low, m), high=fmt(high, m))  # fmt: skip
