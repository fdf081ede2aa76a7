"""A real calendar (issue 13, item 4): date-range horizons with China's public holidays and
make-up working days, the scenario's own holidays, the month profile, dates in the
results, and clear errors; days-based scenarios give the numbers they gave before."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.model import simulate
from sim.model.calendar import MONTHS, Clock, month_weights
from sim.scenario import Scenario, dump_scenario, load_scenario
from tests.conftest import small_county, write_yaml

runner = CliRunner()
YEAR_2025 = {"start": "2025-01-01", "end": "2025-12-31"}


def _dated(horizon: dict = YEAR_2025, **changes: dict) -> dict:
    data = small_county()
    data["horizon"] = dict(horizon)
    for key, value in changes.items():
        data[key] = {**data.get(key, {}), **value}
    return data


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=k) for k in range((end - start).days + 1)]


# --- working days ------------------------------------------------------------------------------


def test_2025_has_exactly_china_s_working_days() -> None:
    scenario = Scenario.model_validate(_dated())
    clock = Clock(scenario)
    expected = [
        d for d in _days(date(2025, 1, 1), date(2025, 12, 31)) if chinese_calendar.is_workday(d)
    ]
    assert len(expected) == 248  # 261 weekdays, 18 of them holidays, 5 make-up days
    assert list(clock.dates) == expected and clock.days == scenario.working_days == 248
    assert date(2025, 1, 26) in clock.dates  # Sunday, worked for the Spring Festival
    assert date(2025, 2, 8) in clock.dates  # Saturday, worked for the Spring Festival
    assert not set(_days(date(2025, 10, 1), date(2025, 10, 8))) & set(clock.dates)
    assert date(2025, 1, 1) not in clock.dates and date(2025, 1, 28) not in clock.dates
    # day k starts at 00:00 of its date; minute 0 is 00:00 of horizon.start
    offsets = clock.day_start / 1440
    assert list(offsets) == [(d - date(2025, 1, 1)).days for d in clock.dates]
    assert [str(d) for d in clock.date_of(clock.day_start + 600)] == [str(d) for d in clock.dates]
    assert clock.weekday[clock.dates.index(date(2025, 1, 26))] == "sun"


def test_requests_arise_only_on_working_dates_make_up_days_included() -> None:
    span = {"start": "2025-01-20", "end": "2025-02-14"}
    scenario = Scenario.model_validate(_dated(span))
    records = simulate(scenario, 0)
    when = {d.item() for d in records.clock.date_of(records.matters["t_request"])}
    worked = {
        d for d in _days(date(2025, 1, 20), date(2025, 2, 14)) if chinese_calendar.is_workday(d)
    }
    assert when == worked  # every working date has requests, no other date has any
    assert date(2025, 1, 26) in when and date(2025, 2, 8) in when
    assert scenario.horizon_text() == "16 working days, 2025-01-20 to 2025-02-14"


def test_own_holidays_and_extra_workdays_override_the_public_calendar() -> None:
    own = {
        "holidays": ["2025-01-26", "2025-03-03"],  # a make-up Sunday, and a Monday
        "extra_workdays": ["2025-10-03", "2025-03-08"],  # in the National Day week, a Saturday
    }
    dates = Clock(Scenario.model_validate(_dated(calendar=own))).dates
    assert date(2025, 1, 26) not in dates and date(2025, 3, 3) not in dates
    assert date(2025, 10, 3) in dates and date(2025, 3, 8) in dates
    assert len(dates) == 248 - 2 + 2
    plain = Scenario.model_validate(_dated(calendar={"public_holidays": "none"}))
    weekdays = [d for d in _days(date(2025, 1, 1), date(2025, 12, 31)) if d.weekday() < 5]
    assert list(Clock(plain).dates) == weekdays and len(weekdays) == 261


def test_a_year_the_package_does_not_know_needs_its_holidays_by_hand() -> None:
    last = max(chinese_calendar.holidays).year
    later = {"start": f"{last + 1}-01-01", "end": f"{last + 1}-12-31"}
    with pytest.raises(ValueError, match="horizon.start: chinesecalendar .* not " + str(last + 1)):
        Scenario.model_validate(_dated(later))
    by_hand = {"public_holidays": "none", "holidays": [f"{last + 1}-10-01", f"{last + 1}-10-02"]}
    scenario = Scenario.model_validate(_dated(later, calendar=by_hand))
    assert date(last + 1, 10, 1) not in Clock(scenario).dates


def test_a_dated_scenario_round_trips_and_variants_switch_form(tmp_path: Path) -> None:
    data = _dated(calendar={"holidays": ["2025-06-18"]}, demand={"month_profile": {12: 2}})
    scenario = Scenario.model_validate(data)
    assert scenario.demand.month_profile == {"dec": 2}
    dumped = write_yaml(tmp_path / "resolved.yaml", {})
    dumped.write_text(dump_scenario(scenario))
    again = load_scenario(dumped)
    assert again == scenario and again.horizon.days is None
    assert "days" not in again.to_data()["horizon"]
    # a variant gives dates over a base that counts days, and the other way round
    base = write_yaml(tmp_path / "base.yaml", small_county())
    variant = write_yaml(tmp_path / "v.yaml", {"extends": "base.yaml", "horizon": YEAR_2025})
    assert load_scenario(variant).working_days == 248
    assert (
        load_scenario(base, ["horizon.start=2025-01-01", "horizon.end=2025-01-31"]).working_days
        == 19
    )
    dated = write_yaml(tmp_path / "dated.yaml", _dated())
    assert load_scenario(dated, ["horizon.days=5"]).run_dates is None


# --- the month profile ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.5, 3],
        {"nov": 1.5, "Dec": 3},
        {11: 1.5, "12": 3},
        {"11月": 1.5, "december": 3},
    ],
)
def test_month_profile_forms(written: object) -> None:
    profile = Scenario.model_validate(
        _dated(demand={"month_profile": written})
    ).demand.month_profile
    weights = {m: profile.get(m, 1) for m in MONTHS}
    assert weights == {**dict.fromkeys(MONTHS, 1), "nov": 1.5, "dec": 3}


def test_month_weights_keep_each_year_s_volume() -> None:
    scenario = Scenario.model_validate(_dated({"start": "2025-07-01", "end": "2026-06-30"}))
    year = scenario.workday_dates
    profile = {"feb": 0.5, "dec": 3}
    for y in (2025, 2026):
        mine = [d for d in year if d.year == y]
        assert month_weights(profile, mine, year).sum() == pytest.approx(len(mine), rel=1e-12)
    run = month_weights(profile, scenario.run_dates, year)
    december = [k for k, d in enumerate(scenario.run_dates) if d.month == 12]
    assert np.ptp(run[december]) == 0 and run[december][0] == pytest.approx(3 * run[0])
    assert np.all(month_weights({}, scenario.run_dates, year) == 1)


def test_month_profile_scales_a_month_and_keeps_the_annual_total() -> None:
    """Arrivals per month against their Poisson expectation, within 4 standard deviations
    (sd = √expected; a false alarm once in about 16,000 per check): December at weight 3,
    the year's total as with a flat profile."""
    demand = {"month_profile": {"dec": 3}, "days_per_year": 248}
    data = _dated(demand=demand)
    for service in data["services"]:
        service["online_share"], service["station_share"] = 1.0, 0.0  # no queues: fast
    scenario = Scenario.model_validate(data)
    towns = scenario.geography.towns
    annual = sum(
        s.per_1000_residents_per_year * t.population / 1000
        + s.per_enterprise_per_year * t.enterprises
        for s in scenario.services
        for t in towns
    )
    per_day = annual / 248
    n = {m: sum(d.month == m for d in scenario.run_dates) for m in range(1, 13)}
    mean_weight = (sum(n.values()) - n[12] + 3 * n[12]) / 248
    expected = {m: per_day * n[m] * (3 if m == 12 else 1) / mean_weight for m in n}
    assert sum(expected.values()) == pytest.approx(annual)  # the annual volume is unchanged
    observed = np.zeros(13)
    totals = []
    for k in range(3):
        records = simulate(scenario, k)
        months = records.clock.date_of(records.matters["t_request"]).astype("datetime64[M]")
        count = np.bincount(months.astype(int) % 12 + 1, minlength=13)
        observed += count
        totals.append(count.sum())
    for m in range(1, 13):
        mean = 3 * expected[m]
        assert abs(observed[m] - mean) < 4 * mean**0.5, (m, observed[m], mean)
    assert abs(sum(totals) - 3 * annual) < 4 * (3 * annual) ** 0.5
    # a December working day has 3× the requests of a day in another month: the ratio's
    # sd is about 1.1 % here (some 11,000 and 36,000 requests), so 5 % is over 4 sd
    dec = observed[12] / n[12]
    rest = (observed.sum() - observed[12]) / (248 - n[12])
    assert dec / rest == pytest.approx(3, rel=0.05)


def test_halls_do_not_change_who_arrives_in_a_dated_run() -> None:
    data = _dated(
        {"start": "2025-11-01", "end": "2025-12-31"}, demand={"month_profile": {"dec": 2}}
    )
    base = Scenario.model_validate(data)
    more = base.with_changes({"halls[0].windows[0].count": 6})
    a, b = simulate(base, 1), simulate(more, 1)
    for column in ("t_request", "channel", "hall", "item", "town"):
        assert np.array_equal(a.matters[column], b.matters[column])


# --- days-based scenarios are unchanged --------------------------------------------------------


def _digest(records) -> str:
    h = hashlib.sha256()
    for table in (records.matters, records.tickets):
        for name in sorted(table):
            h.update(name.encode())
            h.update(np.ascontiguousarray(table[name]).tobytes())
    return h.hexdigest()[:16]


def test_days_scenarios_give_the_numbers_they_gave_before() -> None:
    """Digests of every matter and ticket column, computed with the code before the calendar
    (commit 5fc0391): a days-based scenario runs exactly as it did."""
    data = small_county()
    assert _digest(simulate(Scenario.model_validate(data), 0)) == "c6ac68ec5a0e1efc"
    assert _digest(simulate(Scenario.model_validate(data), 1)) == "c0b25fb7497a69a7"
    data["horizon"] = {"days": 7, "start_weekday": "wed"}
    data["demand"] = {"weekday_profile": {"mon": 1.5}, "hour_profile": {"08:30": 2, "10:00": 1}}
    assert _digest(simulate(Scenario.model_validate(data), 0)) == "6d5cdb3b264b7d0c"
    assert "start" not in Scenario.model_validate(data).to_data()["horizon"]


# --- results show dates ------------------------------------------------------------------------


def test_a_dated_run_writes_dates_in_its_tables_logs_and_report(tmp_path: Path) -> None:
    span = {"start": "2025-11-17", "end": "2025-12-31"}
    scenario = write_yaml(
        tmp_path / "dated.yaml", _dated(span, demand={"month_profile": {"dec": 3}})
    )
    out = tmp_path / "out"
    args = ["run", str(scenario), "-r", "2", "--executor", "serial", "--log", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "33 working days, 2025-11-17 to 2025-12-31" in " ".join(result.output.split())
    daily = pd.read_csv(out / "daily.csv", dtype={"date": str})
    worked = [
        str(d)
        for d in _days(date(2025, 11, 17), date(2025, 12, 31))
        if chinese_calendar.is_workday(d)
    ]
    assert daily[daily.replication == 0]["date"].tolist() == worked
    assert daily.groupby("replication")["requests"].sum().tolist() == [
        (pd.read_parquet(out / "matters.parquet").replication == k).sum() for k in (0, 1)
    ]
    matters = pd.read_parquet(out / "matters.parquet")
    assert set(matters["date_request"].astype(str)) <= set(worked)
    page = (out / "report.html").read_text()
    assert "figures/daily.png" in (out / "report.md").read_text()
    assert "most requests per working day in December 2025" in page
    # the same caption, redrawn from the saved tables
    (out / "report.html").unlink()
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0
    assert (out / "report.html").read_text() == page


def test_days_option_runs_the_first_working_days_of_a_range(tmp_path: Path) -> None:
    scenario = write_yaml(
        tmp_path / "dated.yaml", _dated({"start": "2025-01-20", "end": "2025-12-31"})
    )
    out = tmp_path / "out"
    args = ["run", str(scenario), "--days", "10", "-r", "1", "--no-figures", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    resolved = load_scenario(out / "scenario.resolved.yaml")
    assert resolved.horizon.end == date(2025, 2, 7)  # the 26th of January is worked
    assert resolved.working_days == 10


# --- bad input -------------------------------------------------------------------------------


BAD = [
    (
        {"horizon": {"start": "2025-01-01", "end": "2024-12-31"}},
        "horizon.end: 2024-12-31 is before horizon.start",
    ),
    ({"horizon": {"start": "2025-02-30", "end": "2025-12-31"}}, "horizon.start: no such date"),
    (
        {"horizon": {"start": 20250101, "end": "2025-12-31"}},
        "horizon.start: expected a date as YYYY-MM-DD",
    ),
    (
        {"horizon": {"start": "1/1/2025", "end": "2025-12-31"}},
        "horizon.start: expected a date as YYYY-MM-DD",
    ),
    ({"horizon": {**YEAR_2025, "days": 20}}, "horizon.days: give either days"),
    ({"horizon": {"start": "2025-01-01"}}, "horizon.end: required with horizon.start"),
    ({"horizon": {"end": "2025-01-01"}}, "horizon.start: required with horizon.end"),
    (
        {"horizon": {**YEAR_2025, "start_weekday": "tue"}},
        "horizon.start_weekday: not with a date range",
    ),
    (
        {"horizon": {"start": "2000-01-01", "end": "2025-01-01"}},
        "horizon.end: a date range may span at most 20",
    ),
    (
        {"horizon": {"start": "2025-10-01", "end": "2025-10-08"}},
        "horizon: no working day from 2025-10-01",
    ),
    ({"horizon": {"start": "2099-01-01", "end": "2099-03-01"}}, "horizon.start: chinesecalendar"),
    ({"calendar": {"holidays": ["2025-05-06"]}}, "calendar.holidays: dates need a date range"),
    (
        {"calendar": {"extra_workdays": ["2025-05-06"]}},
        "calendar.extra_workdays: dates need a date range",
    ),
    ({"demand": {"month_profile": {"dec": 2}}}, "demand.month_profile: needs a date range"),
    (
        {"horizon": YEAR_2025, "calendar": {"holidays": ["2025-13-01"]}},
        "calendar.holidays[0]: no such date",
    ),
    (
        {
            "horizon": YEAR_2025,
            "calendar": {"holidays": ["2025-03-08"], "extra_workdays": ["2025-03-08"]},
        },
        "calendar.extra_workdays[0]: 2025-03-08 is also in calendar.holidays",
    ),
    (
        {"horizon": YEAR_2025, "calendar": {"public_holidays": "cn"}},
        "calendar.public_holidays: must be 'china' or 'none'",
    ),
    (
        {"horizon": YEAR_2025, "demand": {"month_profile": {"dce": 2}}},
        "demand.month_profile.dce: unknown month 'dce' (did you mean 'dec'?)",
    ),
    (
        {"horizon": YEAR_2025, "demand": {"month_profile": {"dec": 2, 12: 3}}},
        "demand.month_profile.12: dec is given twice",
    ),
    (
        {"horizon": YEAR_2025, "demand": {"month_profile": [1] * 11}},
        "demand.month_profile: expected 12 weights",
    ),
    (
        {"horizon": YEAR_2025, "demand": {"month_profile": {"dec": -1}}},
        "demand.month_profile.dec: must be ≥ 0",
    ),
    (
        {"horizon": YEAR_2025, "demand": {"month_profile": [0] * 12}},
        "demand.month_profile: gives every working day of 2025 the weight 0",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"), BAD, ids=[m.split(":")[0] + f"-{i}" for i, (_, m) in enumerate(BAD)]
)
def test_bad_calendar_input_exits_2_naming_file_line_and_field(
    tmp_path: Path, change: dict, message: str
) -> None:
    data = small_county()
    for key, value in change.items():
        data[key] = value if key == "horizon" else {**data.get(key, {}), **value}
    path = write_yaml(tmp_path / "bad.yaml", data)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2, result.output
    text = result.output.replace("\n", " ")
    assert "Traceback" not in text and text.startswith(f"error: {path}:"), text  # file and line
    assert message in text, text


def test_days_option_beyond_a_range_exits_2(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "dated.yaml", _dated({"start": "2025-12-01", "end": "2025-12-31"}))
    result = runner.invoke(app, ["run", str(path), "--days", "40", "-r", "1", "--no-figures"])
    assert result.exit_code == 2, result.output
    assert (
        "--days: expected 1 to 23 (the working days from 2025-12-01 to 2025-12-31), got 40"
        in result.output.replace("\n", " ")
    )
