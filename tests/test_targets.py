"""Targets are judged at every hall: a county-wide figure that meets a target must not hide a
hall that misses it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.tables import busiest_halls
from sim.targets import Target, judge, verdict
from tests.conftest import write_yaml

GRID = ["halls[0].windows[0].count"]


def _sweep_table(rows: dict[str, list[tuple[float, float, float]]]) -> pd.DataFrame:
    """A sweep.csv-like table of wait_min_p90: scope -> (mean, ci_low, ci_high) per point."""
    records = []
    for scope, values in rows.items():
        for point, (mean, low, high) in enumerate(values):
            records.append(
                {"point": point, GRID[0]: point + 1, "metric": "wait_min_p90", "scope": scope,
                 "mean": mean, "std": 1.0, "ci_low": low, "ci_high": high, "n": 5}
            )  # fmt: skip
    return pd.DataFrame(records)


TABLE = _sweep_table(
    {
        "all": [(9.7, 8.0, 11.0), (5.0, 4.0, 6.0), (3.0, 2.0, 4.0)],
        "hall:County hall": [(30.0, 27.0, 33.0), (18.0, 16.0, 21.0), (10.0, 8.0, 12.0)],
        "hall:Zhuhe centre": [(15.0, 14.0, 16.0), (15.0, 14.0, 16.0), (15.0, 14.0, 16.0)],
        "town:Zhuhe": [(99.0, 98.0, 100.0)] * 3,  # towns do not decide a hall target
    }
)


def test_the_worst_hall_decides_and_its_whole_interval_must_meet_the_target() -> None:
    judged = judge(TABLE, GRID, Target("wait_min_p90", 20))
    assert judged.scope.tolist() == ["hall:County hall", "hall:County hall", "hall:Zhuhe centre"]
    assert judged.met.tolist() == [False, False, True]  # 18 [16, 21]: the interval crosses 20
    assert judged.attrs["swept"] == "hall:County hall"
    assert judged.swept_mean.tolist() == [30.0, 18.0, 10.0]
    text = verdict(judged, GRID, Target("wait_min_p90", 20))
    assert "at every hall" in text and f"{GRID[0]} = 3" in text and "Zhuhe centre, 15" in text


def test_no_point_meeting_the_target_is_said() -> None:
    judged = judge(TABLE, GRID, Target("wait_min_p90", 12))
    assert not judged.met.any()
    text = verdict(judged, GRID, Target("wait_min_p90", 12))
    assert "no point of the sweep meets it" in text and "Zhuhe centre" in text


def test_a_share_target_is_a_floor() -> None:
    table = TABLE.assign(metric="share_one_trip", mean=TABLE["mean"] / 100,
                         ci_low=TABLE.ci_low / 100, ci_high=TABLE.ci_high / 100)  # fmt: skip
    judged = judge(table, GRID, Target("share_one_trip", 0.12))
    assert judged.scope.tolist() == ["hall:Zhuhe centre"] * 2 + ["hall:County hall"]
    assert judged.met.tolist() == [True, True, False]
    assert str(Target("share_one_trip", 0.12)) == "share_one_trip ≥ 12.0%"


@pytest.mark.parametrize("text", ["wait_min_p90=nan", "wait_min_p90=", "wait_p90=3"])
def test_bad_targets_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="--target"):
        Target.parse(text)


def test_cli_sweep_names_the_hall_that_misses(tmp_path: Path, county_data: dict) -> None:
    """The town centre has one busy window whatever the grid does to the county hall: a
    tight target is missed there, at every point."""
    county_data["halls"][0]["windows"][1]["count"] = 10
    county_data["halls"][1]["windows"] = [{"count": 1}]
    county_data["services"][1]["per_1000_residents_per_year"] = 500
    county_file = write_yaml(tmp_path / "county.yaml", county_data)
    result = CliRunner().invoke(
        app,
        ["sweep", str(county_file), "--grid", "halls[0].windows[0].count=1,6", "-r", "2",
         "--days", "3", "--executor", "serial", "--target", "wait_min_mean=0.001",
         "--out", str(tmp_path / "sw")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "wait_min_mean ≤ 0.001 at every hall: no point of the sweep meets it" in text
    assert "(worst there: Farton centre," in text
    report = (tmp_path / "sw" / "report.md").read_text()
    assert "no point of the sweep meets it" in report and "worst hall" in report


def test_busiest_halls_rank_by_the_worst_p90_in_any_scenario() -> None:
    table = pd.DataFrame(
        [
            ("wait_min_p90", "all", "a", 0.0), ("wait_min_p90", "hall:Quiet", "a", 1.0),
            ("wait_min_p90", "hall:Queue", "a", 0.0), ("wait_min_p90", "hall:Queue", "b", 40.0),
            ("wait_min_p90", "hall:Branch", "b", 5.0), ("wait_min_mean", "hall:Empty", "a", None),
        ],
        columns=["metric", "scope", "scenario", "mean"],
    )  # fmt: skip
    assert busiest_halls(table, n=2) == ["hall:Queue", "hall:Branch"]
    assert busiest_halls(table) == ["hall:Queue", "hall:Branch", "hall:Quiet"]
