"""The one-page summary (issue 16): findings are the results' numbers, in either language."""

from __future__ import annotations

import re

import pytest

import sim
from sim.metrics import fmt
from sim.scenario import Scenario
from sim.summary import NOT_MODELLED, comparison_summary, run_summary
from tests.conftest import small_county


@pytest.fixture(scope="module")
def pair() -> tuple[list[Scenario], object]:
    base = Scenario.model_validate(small_county())
    fewer = base.with_changes({"halls[0].windows[1].count": 1, "name": "one window fewer"})
    return [base, fewer], sim.compare([base, fewer], 3, executor="serial")


def test_comparison_findings_state_the_tables_numbers(pair) -> None:
    scenarios, comparison = pair
    table = comparison.table
    s = comparison_summary(table, scenarios, 3)
    assert "small county" in s.question and "one window fewer" in s.question
    assert 1 <= len(s.findings) <= 5
    waits = table[(table.metric == "wait_min_mean") & (table.scope == "all")]
    before, row = waits.iloc[0], waits.iloc[1]
    assert row.diff_ci_low > 0  # fewer windows: a longer wait, significantly
    told = next(f for f in s.findings if f.startswith("one window fewer: mean wait rises"))
    m = "wait_min_mean"
    assert f"from {fmt(before['mean'], m)} min to {fmt(row['mean'], m)} min" in told
    # the worst hall is the hall with the longest 90th-percentile wait in the table
    waits = table[(table.metric == "wait_min_p90") & table.scope.str.startswith("hall:")]
    worst = waits.loc[waits["mean"].idxmax()]
    assert any(worst.scope[5:] in f and "90th percentile" in f for f in s.findings)
    assert s.not_modelled[: len(NOT_MODELLED)] == [en for en, _ in NOT_MODELLED]
    assert any("enforcement" in line for line in s.not_modelled)  # this county has none


def test_chinese_summary_has_the_same_numbers(pair) -> None:
    scenarios, comparison = pair
    en = comparison_summary(comparison.table, scenarios, 3, "en")
    zh = comparison_summary(comparison.table, scenarios, 3, "zh")
    assert len(en.findings) == len(zh.findings)
    for e, z in zip(en.findings, zh.findings, strict=True):
        number = r"[−+]?\d(?:[\d,.]*\d)?"
        assert re.findall(number, e.split(":", 1)[1]) == re.findall(number, z.split("：", 1)[1])
        assert re.search("[\u4e00-\u9fff]", z)
    assert "个工作日" in zh.question


def test_no_change_is_said_when_nothing_changed() -> None:
    base = Scenario.model_validate(small_county())
    same = base.with_changes({"name": "same again"})
    comparison = sim.compare([base, same], 2, executor="serial")
    s = comparison_summary(comparison.table, [base, same], 2)
    assert not any("rises" in f or "falls" in f for f in s.findings)
    assert any("no clear change" in f for f in s.findings)


def test_run_summary_gives_headline_figures_with_intervals() -> None:
    base = Scenario.model_validate(small_county())
    results = sim.run(base, 3, executor="serial")
    s = run_summary(results.summary, base, 3)
    travel = results.summary[
        (results.summary.metric == "travel_min") & (results.summary.scope == "all")
    ].iloc[0]
    assert s.findings[0] == (
        f"travel per matter: {fmt(travel['mean'], 'travel_min')} min (95 % interval "
        f"{fmt(travel.ci_low, 'travel_min')} to {fmt(travel.ci_high, 'travel_min')} min)."
    )
