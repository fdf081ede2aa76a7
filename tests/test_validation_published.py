"""Published figures: each row is judged against a tolerance stated up front, a row outside it
fails the validation, a figure the model does not reproduce stays as a ``differs`` row saying
why, and the shipped reform scenarios pass at the size ``validate --quick`` runs."""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sim
from sim import validation
from sim.cli import app
from sim.validation import COLUMNS
from sim.validation.published import (
    MIN_CHANGE_REPS,
    REFORMS,
    TOLERANCES,
    Pair,
    below,
    differs,
    direction_row,
    falls,
    published_row,
    published_rows,
    relative,
    rises,
    straight_km,
    town_halls,
    within,
)
from sim.validation.rows import result
from tests.conftest import SCENARIOS, small_county

QUICK = (60, 2)
"""(days, replications) of the published rows in ``validate --quick`` (sim/validation)."""


def test_tolerances_judge_the_mean() -> None:
    assert relative(0.15).judge(84, 96) and not relative(0.15).judge(84, 97)
    assert relative(0.15).half_width(-10) == pytest.approx(1.5)
    assert within(0.05).judge(-0.343, -0.30) and not within(0.05).judge(-0.343, -0.29)
    assert below().judge(15, 14.9) and not below().judge(15, 15.0)
    assert differs("why").judge(1, 100) is None
    assert not relative(0.15).judge(84, math.nan)
    assert within(0.0).judge(24, 24) and not within(0.0).judge(24, 23.9)
    kinds = {"within", "relative", "below", "falls", "rises"}
    assert {t.kind for t in TOLERANCES.values()} <= kinds


def test_a_direction_is_judged_on_the_paired_interval() -> None:
    """ "Fewer trips": the whole 95 % interval of the paired change lies below 0; a mean
    below 0 with an interval that reaches 0 fails. Without an interval, the mean."""
    assert falls().judge(0, -1.0, -1.5, -0.5) and not falls().judge(0, -1.0, -2.5, 0.5)
    assert rises().judge(0, 0.15, 0.14, 0.16) and not rises().judge(0, 0.15, -0.01, 0.3)
    assert falls().judge(0, -1.0) and not rises().judge(0, -1.0)
    row = published_row("c", "Δ", 0.0, "direction", np.array([-10.0, -12.0, -11.0]), falls())
    # 95 %, from two replications on (t = 4.30 for two degrees of freedom): not 99.9 %
    assert row.passed and row.ci_high == pytest.approx(-11 + 4.303 * 1 / math.sqrt(3), abs=1e-3)
    wide = published_row("c", "Δ", 0.0, "direction", np.array([-30.0, 2.0]), falls())
    assert wide.passed is False and wide.result == "fail" and wide.ci_high > 0
    assert row.note.startswith("tolerance falls: the paired change's 95 % interval lies below 0")


def test_a_direction_row_has_the_interval_compare_prints() -> None:
    """The change a direction row judges is compare's paired difference, interval and all."""
    pair = Pair.run("baoying", 5, 3)
    row = direction_row(pair, "c", "travel_min", "all", "direction", falls())
    t = pair.table
    (diff,) = t[(t.metric == "travel_min") & (t.scope == "all") & t["diff"].notna()].itertuples()
    assert row.simulated == pytest.approx(diff.diff)
    assert (row.ci_low, row.ci_high) == pytest.approx((diff.diff_ci_low, diff.diff_ci_high))
    assert row.quantity == "Δ travel_min (all)" and "3 replications × 5 days" in row.note


def test_a_row_is_judged_on_the_mean_and_states_its_tolerance() -> None:
    row = published_row("c", "q", 84.0, "published", np.array([80.0, 90.0, 85.0]), relative(0.15))
    assert row.passed and row.simulated == pytest.approx(85.0)
    assert row.tolerance == pytest.approx(12.6) and row.note.startswith("tolerance ±15 %")
    assert row.ci_low < 85.0 < row.ci_high  # an interval from three replications
    far = published_row("c", "q", 84.0, "published", np.array([120.0, 121.0]), relative(0.15))
    assert far.passed is False and math.isnan(far.ci_low)  # no interval from two
    share = published_row("c", "q", 0.4851, "published", 10 / 21, within(0.05), unit="pp")
    assert share.passed and "±5 pp" in share.note


def test_a_differs_row_informs_and_says_why() -> None:
    row = published_row("c", "q", -0.94, "anecdote", np.array([-0.5, -0.5]), differs("reason"))
    assert row.passed is None and row.note.startswith("differs: reason")
    assert math.isnan(row.tolerance) and row.result == "differs"


def test_every_row_has_a_result() -> None:
    assert [result(True), result(False), result(np.True_), result(np.False_)] == [
        "pass",
        "fail",
        "pass",
        "fail",
    ]
    assert result(None, "differs: why") == result(math.nan, "differs: why") == "differs"
    assert result(None, "skipped") == result(math.nan, math.nan) == "informs"


def test_a_published_row_outside_its_tolerance_fails_the_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        published_row(
            "volume", "per day", 84.0, "published", np.array([85.0, 83.0]), relative(0.15)
        ),
        published_row(
            "visits", "change", -0.343, "published", np.array([-0.1, -0.1]), within(0.05)
        ),
        published_row("firm", "change", -0.94, "anecdote", np.array([-0.5, -0.5]), differs("why")),
    ]
    table = pd.DataFrame([asdict(r) for r in rows], columns=COLUMNS)
    monkeypatch.setattr(validation, "validate", lambda quick, progress: table)
    result = CliRunner().invoke(app, ["validate", "--quick", "--out", str(tmp_path / "v")])
    assert result.exit_code == 1, result.output
    assert "1 of 2 checks passed, 1 differ" in result.output and "visits" in result.output
    saved = pd.read_csv(tmp_path / "v" / "validation.csv")
    assert saved.passed.tolist()[:2] == [True, False] and pd.isna(saved.passed[2])
    assert saved.note[2].startswith("differs: why")
    assert saved.result.tolist() == ["pass", "fail", "differs"]


def test_a_differs_row_shows_as_differs_in_the_console_and_validation_md(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not "informs", and not a failure: the run passes."""
    rows = [
        published_row("volume", "per day", 84.0, "published", np.array([85.0]), relative(0.15)),
        published_row("firm", "change", -0.94, "anecdote", np.array([-0.5]), differs("the why")),
    ]
    table = pd.DataFrame([asdict(r) for r in rows], columns=COLUMNS)
    monkeypatch.setattr(validation, "validate", lambda quick, progress: table)
    out = CliRunner().invoke(app, ["validate", "--quick", "--out", str(tmp_path / "v")])
    assert out.exit_code == 0, out.output
    (firm,) = [line for line in out.output.splitlines() if "firm" in line]
    assert "differs" in firm and "informs" not in out.output
    assert "1 of 1 checks passed, 1 differ" in out.output
    md = (tmp_path / "v" / "validation.md").read_text()
    assert "| differs | differs: the why |" in md and "informs" not in md
    assert "judged against tolerances stated up front" in md and "do not fail)" not in md


def test_town_halls_by_kind_and_straight_distance() -> None:
    scenario = sim.Scenario.model_validate(small_county())
    centres = town_halls(scenario, "convenience")
    assert centres and all(h.at != "seat" for h in scenario.halls if h.name in centres)
    km = straight_km(scenario)
    assert km.shape == (len(scenario.geography.towns),) and (km >= 0).all()
    both = scenario.with_changes({"halls[1].serves": "all"})
    with pytest.raises(ValueError, match="serves both kinds"):
        town_halls(both, "approval")


def test_every_reform_has_its_scenarios_in_the_repository() -> None:
    for reform in REFORMS:
        for name in ("before", "after"):
            sim.load_scenario(SCENARIOS / reform / f"{name}.yaml")


@pytest.fixture(scope="module")
def quick_rows() -> pd.DataFrame:
    return pd.DataFrame([asdict(r) for r in published_rows(*QUICK)], columns=COLUMNS)


def test_published_rows_pass_on_the_shipped_scenarios_at_the_quick_size(
    quick_rows: pd.DataFrame,
) -> None:
    judged = quick_rows[quick_rows.passed.notna()]
    failed = judged[judged.passed == False]  # noqa: E712 - a column of True/False/None
    assert failed.empty, failed[["case", "reference", "simulated", "note"]].to_string()
    assert len(judged) >= 7 + 4 + 4 + 2 + 5
    for row in quick_rows[quick_rows.passed.isna()].itertuples():
        assert row.note.startswith("differs: ") and len(row.note) > 40, row.case
    assert quick_rows.note.str.match(r"(tolerance |differs: )").all()


def test_every_dezhou_figure_has_a_row(quick_rows: pd.DataFrame) -> None:
    """Seed 004's figures (DESIGN §7 facts for Dezhou) stay in the table, reproduced or not."""
    dezhou = quick_rows[quick_rows.case.str.startswith("Dezhou")]
    figures = {0.4851, 0.4104, 80.0, 84.0, 339.0, -0.343, 15.0, 0.30, 12 / 200 - 1}
    for figure in figures:
        assert any(abs(r - figure) < 1e-9 for r in dezhou.reference), figure
    assert len(dezhou) == len(figures)
    volumes = dezhou[dezhou.quantity == "services per day"]
    assert (volumes.note.str.contains("250 days")).all()  # a year, even in the quick run


def test_every_reform_has_its_rows(quick_rows: pd.DataFrame) -> None:
    """Each reform's figures (docs/sources.md 000–003) have their rows, judged or differing
    as stated; directions run enough replications for their interval."""
    expected = {
        # reform: (judged rows, differs rows)
        "Wuhu (000)": (4, 0),
        "Ankang (001)": (4, 1),
        "Baoying (002)": (2, 0),
        "Baisha (003)": (5, 1),
    }
    for reform, (judged, differing) in expected.items():
        rows = quick_rows[quick_rows.case.str.startswith(reform)]
        assert (rows.result == "pass").sum() == judged, rows[["case", "result"]]
        assert (rows.result == "differs").sum() == differing, reform
    directions = quick_rows[quick_rows.quantity.str.startswith("Δ ")]
    assert len(directions) == 11
    assert directions.note.str.contains(f"{MIN_CHANGE_REPS} replications × 60 days").all()
    assert (directions.ci_high < 0).sum() + (directions.ci_low > 0).sum() == len(directions)


def test_quick_directions_are_not_borderline(quick_rows: pd.DataFrame) -> None:
    """At the quick size each direction's interval keeps clear of 0 (its end at most half
    way from the mean to 0), and each bound or tolerance holds with room, so that a change of
    random streams does not flip a row."""
    directions = quick_rows[quick_rows.quantity.str.startswith("Δ ")]
    for r in directions.itertuples():
        end = r.ci_high if r.simulated < 0 else r.ci_low
        assert abs(end) >= abs(r.simulated) / 2, r.case
    bounds = quick_rows[quick_rows.note.str.startswith("tolerance below")]
    assert (bounds.simulated <= 0.9 * bounds.reference).all(), bounds[["case", "simulated"]]
    yearly = quick_rows[quick_rows.case.str.contains("inspections and cases a year")]
    assert (abs(yearly.simulated / yearly.reference - 1) <= 0.15).all()
