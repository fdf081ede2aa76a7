"""The metric registry: every metric defined once, and how numbers are written.

Each :class:`Metric` has its name (the column of ``replications.csv`` and the ``metric``
of ``summary.csv``), what it means, its unit, whether it is a share (bounded by 0 and 1,
written as a percentage), the kinds of scope it is reported for, whether more is better
(the direction of a target), and why it can be empty. Statistics, tables, figures,
targets and the CLI read them here; nothing else lists metrics. Pure Python: importing it
loads nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ENFORCEMENT_METRICS",
    "KEY_METRICS",
    "METRICS",
    "LABELS",
    "SWEEP_METRICS",
    "UNITS",
    "Metric",
    "fmt",
    "fmt_change",
]

CITIZEN = ("all", "hall", "town")
HALL = ("all", "hall")
ENFORCEMENT = ("all", "team", "town")
TEAM = ("all", "team")


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    unit: str
    """``min``, ``km``, ``h``, ``yuan``, ``days``, ``share``, ``count`` or a rate."""
    scopes: tuple[str, ...]
    """Kinds of scope it is reported for: ``all``, ``hall``, ``team``, ``town``."""
    no_data: str = "no data"
    """Why it can have no value in a scope it applies to (NaN in the tables)."""
    higher_is_better: bool = False
    """A target on it is a floor (``≥``); otherwise a ceiling (``≤``)."""

    def label(self, lang: str = "en", with_unit: bool = True) -> str:
        """Short label with unit for axes, table headings and captions, in ``lang``
        (``en`` or ``zh``), e.g. ``wait_min_p90`` → "wait, 90th percentile (min)" /
        "等候时间第90百分位(分钟)"."""
        text, unit = LABELS[self.name][lang == "zh"], UNITS[self.unit][lang == "zh"]
        if not unit or not with_unit:
            return text
        return f"{text}({unit})" if lang == "zh" else f"{text} ({unit})"

    def unit_after(self, lang: str = "en") -> str:
        """The unit as written after a number (" min", "分钟"; "" for shares, counts and
        units that read oddly there)."""
        if self.unit in ("share", "count", "per day", "per year", "checks"):
            return ""
        unit = UNITS[self.unit][lang == "zh"]
        return unit if lang == "zh" else f" {unit}"

    @property
    def share(self) -> bool:
        """Bounded by 0 and 1 (intervals are capped there), written as a percentage."""
        return self.unit == "share"


_NO_MATTER = "no matter taken to a hall in person"
_NOT_DONE = "no in-person matter completed"
_NO_VISIT = "no visit to a hall"
_NO_INCIDENT = "no incident answered"
_ROWS = [
    # name, unit, scopes, description[, no_data[, higher_is_better]]
    ("matters", "count", CITIZEN, "requests that arose (all channels)"),
    ("in_person", "count", CITIZEN, "matters taken to a hall"),
    ("share_online", "share", CITIZEN, "share of matters done online", "no requests", True),
    ("share_station", "share", CITIZEN, "share of matters handled by a village station",
     "no requests", True),
    ("completed", "count", CITIZEN, "in-person matters completed by the horizon", "", True),
    ("in_system", "count", CITIZEN, "in-person matters still open at the horizon"),
    ("trips_per_matter", "trips", CITIZEN, "trips to a hall per in-person matter", _NO_MATTER),
    ("share_one_trip", "share", CITIZEN, "share of completed in-person matters done in one trip",
     _NOT_DONE, True),
    ("share_two_trips", "share", CITIZEN,
     "share of completed in-person matters that took two trips", _NOT_DONE),
    ("travel_min", "min", CITIZEN, "round-trip travel minutes per in-person matter, all trips",
     _NO_MATTER),
    ("travel_km", "km", CITIZEN, "km travelled per in-person matter, all trips", _NO_MATTER),
    ("visits", "count", CITIZEN, "tickets drawn (visits to a hall)"),
    ("wait_min_mean", "min", CITIZEN,
     "mean minutes from ticket to service (or to being sent home)", _NO_VISIT),
    ("wait_min_p50", "min", CITIZEN, "median wait per visit, minutes", _NO_VISIT),
    ("wait_min_p90", "min", CITIZEN, "90th percentile of wait per visit, minutes", _NO_VISIT),
    ("service_min", "min", CITIZEN, "mean minutes at the window per service",
     "no service done"),
    ("citizen_hours", "h", CITIZEN,
     "hours citizens spent travelling, waiting and at windows (total)"),
    ("citizen_cost_yuan", "yuan", CITIZEN,
     "citizens' time (value of time) plus travel costs, yuan (total)"),
    ("days_to_complete", "days", CITIZEN,
     "working days from request to completion (in-person, completed)", _NOT_DONE),
    ("sent_home", "count", CITIZEN, "tickets still waiting at closing, sent home (total)"),
    ("throughput_per_day", "per day", CITIZEN, "services per working day", "", True),
    ("window_utilisation", "share", HALL,
     "share of open window-minutes spent serving (service after a closing not counted)",
     "no windows"),
    ("overtime_min_per_day", "min", HALL,
     "window-minutes of service after a closing (lunch or evening), per working day"),
    ("queue_len_mean", "count", HALL, "mean number waiting: ticket-minutes waited / minutes open"),
    ("window_staff", "count", HALL, "windows (staff)"),
    ("checks_scheduled", "count", ENFORCEMENT, "routine checks due within the horizon"),
    ("checks_done", "count", ENFORCEMENT,
     "routine checks done (a joint visit may do some early)", "", True),
    ("check_coverage", "share", ENFORCEMENT,
     "share of the checks due within the horizon that were done", "no routine check due", True),
    ("backlog", "count", ENFORCEMENT, "checks due within the horizon and not done"),
    ("inspection_visits", "count", ENFORCEMENT, "routine visits to enterprises"),
    ("visits_per_enterprise_per_year", "per year", ENFORCEMENT,
     "routine visits per enterprise, per year", "no enterprises"),
    ("share_enterprises_over_12_visits", "share", ENFORCEMENT,
     "share of enterprises visited more than 12 times a year", "no enterprises"),
    ("checks_per_visit", "checks", ENFORCEMENT, "checks done per routine visit",
     "no routine visit"),
    ("incidents", "count", ENFORCEMENT, "incidents reported"),
    ("incidents_open", "count", ENFORCEMENT, "incidents not yet answered at the horizon"),
    ("response_min_mean", "min", ENFORCEMENT, "mean minutes from report to a crew on site",
     _NO_INCIDENT),
    ("response_min_p50", "min", ENFORCEMENT, "median response, minutes", _NO_INCIDENT),
    ("response_min_p90", "min", ENFORCEMENT, "90th percentile of response, minutes",
     _NO_INCIDENT),
    ("share_response_within_30min", "share", ENFORCEMENT,
     "share of answered incidents with a crew on site within 30 min", _NO_INCIDENT, True),
    ("whistled_up", "count", ENFORCEMENT,
     "incidents answered by a county team because no town team holds the power"),
    ("team_utilisation", "share", TEAM,
     "share of crew working minutes spent driving or on site (work after a closing not "
     "counted)", "no crews"),
    ("team_overtime_min_per_day", "min", TEAM,
     "crew-minutes driving or on site after a closing, per working day"),
    ("team_km", "km", TEAM, "km driven by crews (total)"),
    ("enforcement_staff", "count", TEAM, "inspectors (crews × inspectors per crew)"),
]  # fmt: skip

METRICS: dict[str, Metric] = {}
for _name, _unit, _scopes, _description, *_rest in _ROWS:
    _no_data = (_rest[0] if _rest else "") or "no data"
    METRICS[_name] = Metric(_name, _description, _unit, _scopes, _no_data, *_rest[1:])
"""Every metric, in the order tables show them."""

UNITS = {  # unit -> (English, Chinese) as written after a label; "" for none
    "count": ("", ""), "share": ("%", "%"), "min": ("min", "分钟"), "km": ("km", "公里"),
    "h": ("h", "小时"), "yuan": ("yuan", "元"), "days": ("working days", "工作日"),
    "trips": ("trips", "次"), "per day": ("per day", "每日"), "per year": ("per year", "每年"),
    "checks": ("checks", "项"),
}  # fmt: skip
"""How each unit of the registry is written in a label, in English and Chinese."""

LABELS = {  # metric -> (English, Chinese) short label, without unit
    "matters": ("matters", "办件量"),
    "in_person": ("matters in person", "现场办件量"),
    "share_online": ("share online", "网上办理占比"),
    "share_station": ("share at village stations", "村级代办占比"),
    "completed": ("completed in person", "现场办结量"),
    "in_system": ("still open at the end", "期末未办结"),
    "trips_per_matter": ("trips per matter", "每件跑动次数"),
    "share_one_trip": ("share done in one trip", "一次办结率"),
    "share_two_trips": ("share needing two trips", "两次办结占比"),
    "travel_min": ("travel per matter", "每件往返路程时间"),
    "travel_km": ("distance per matter", "每件往返里程"),
    "visits": ("visits to a hall", "取号人次"),
    "wait_min_mean": ("mean wait", "平均等候时间"),
    "wait_min_p50": ("median wait", "等候时间中位数"),
    "wait_min_p90": ("wait, 90th percentile", "等候时间第90百分位"),
    "service_min": ("time at the window", "窗口办理时间"),
    "citizen_hours": ("citizens' hours", "群众耗时合计"),
    "citizen_cost_yuan": ("citizens' cost", "群众成本合计"),
    "days_to_complete": ("days to complete", "办结用时"),
    "sent_home": ("sent home at closing", "下班未办离开人次"),
    "throughput_per_day": ("services", "日办理量"),
    "window_utilisation": ("window utilisation", "窗口利用率"),
    "overtime_min_per_day": ("window overtime", "窗口延时服务"),
    "queue_len_mean": ("mean queue", "平均排队人数"),
    "window_staff": ("window staff", "窗口人员"),
    "checks_scheduled": ("checks due", "应检查次数"),
    "checks_done": ("checks done", "已检查次数"),
    "check_coverage": ("checks done of those due", "检查完成率"),
    "backlog": ("checks not done", "未完成检查"),
    "inspection_visits": ("visits to enterprises", "入企检查次数"),
    "visits_per_enterprise_per_year": ("visits per enterprise", "每企业年入企次数"),
    "share_enterprises_over_12_visits": ("enterprises visited > 12 times", "年入企超12次企业占比"),
    "checks_per_visit": ("checks per visit", "每次入企检查事项"),
    "incidents": ("incidents", "事件数"),
    "incidents_open": ("incidents not answered", "未响应事件"),
    "response_min_mean": ("mean response", "平均响应时间"),
    "response_min_p50": ("median response", "响应时间中位数"),
    "response_min_p90": ("response, 90th percentile", "响应时间第90百分位"),
    "share_response_within_30min": ("answered within 30 min", "30分钟内到场率"),
    "whistled_up": ("escalated to county teams", "吹哨上报县级处置"),
    "team_utilisation": ("crew utilisation", "执法队伍利用率"),
    "team_overtime_min_per_day": ("crew overtime", "执法延时"),
    "team_km": ("km driven", "行驶里程"),
    "enforcement_staff": ("inspectors", "执法人员"),
}
"""Every metric's short label in English and Chinese (tests check none is missing)."""

KEY_METRICS = [
    "matters", "share_online", "trips_per_matter", "share_one_trip", "travel_min",
    "wait_min_mean", "wait_min_p90", "days_to_complete", "sent_home", "window_utilisation",
    "citizen_hours",
]  # fmt: skip
"""The citizen metrics a planner reads first (tables, reports, comparisons)."""
ENFORCEMENT_METRICS = [
    "checks_scheduled", "check_coverage", "visits_per_enterprise_per_year", "checks_per_visit",
    "response_min_p50", "response_min_p90", "share_response_within_30min", "whistled_up",
    "team_utilisation", "enforcement_staff",
]  # fmt: skip
"""The enforcement metrics a planner reads first."""
SWEEP_METRICS = ["wait_min_mean", "wait_min_p90", "travel_min", "trips_per_matter",
                 "window_utilisation"]  # fmt: skip
"""The columns of a sweep's table of points."""


def fmt(value: float | None, metric: str = "") -> str:
    """How a number appears in tables and captions: shares as percentages, counts whole,
    three significant digits otherwise; "–" for no value."""
    if value is None or value != value:
        return "–"
    if metric in METRICS and METRICS[metric].share:
        return f"{value:.1%}"
    if value == round(value) or abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3g}"


def fmt_change(value: float | None, metric: str = "") -> str:
    """A signed difference; differences of shares in percentage points."""
    if value is None or value != value:
        return "–"
    text = fmt(abs(value), metric)
    if text.endswith("%"):
        text = text[:-1] + " pp"
    if not any(ch in "123456789" for ch in text):  # rounds to zero: no sign
        return text
    return ("+" if value > 0 else "−") + text
