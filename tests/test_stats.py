"""Metric definitions: utilisation bounded by 1 with overtime counted apart, and a row for
every metric in every scope it applies to (NaN and a reason where there is no data)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from sim.cli import app
from sim.metrics import METRICS
from sim.model import simulate
from sim.scenario import Scenario
from sim.stats import replication_metrics
from tests.conftest import write_yaml
from tests.test_enforcement import enforcement_county


def _row(frame: pd.DataFrame, scope: str) -> pd.Series:
    return frame[frame.scope == scope].iloc[0]


def test_service_past_closing_is_overtime_not_utilisation(county_data: dict) -> None:
    """One window whose services last 1000 min run through every night: its utilisation
    stays ≤ 1 and in-hours service + overtime add up to all the service done."""
    county_data["horizon"]["days"] = 6
    county_data["services"][0]["service_min"] = 1000
    county_data["halls"][0]["windows"] = [{"count": 1, "skills": "all"}]
    scenario = Scenario.model_validate(county_data)
    records = simulate(scenario, 0)
    frame = replication_metrics(scenario, records)
    hall = _row(frame, "hall:County hall")
    assert 0.9 < hall["window_utilisation"] <= 1.0
    tk = records.tickets
    mine = (tk["hall"] == 0) & ~np.isnan(tk["start"])
    served = (np.where(np.isnan(tk["end"]), records.horizon_min, tk["end"]) - tk["start"])[mine]
    in_hours = hall["window_utilisation"] * records.open_min
    np.testing.assert_allclose(in_hours + hall["overtime_min_per_day"] * records.days, served.sum())
    assert hall["overtime_min_per_day"] > 400
    assert (frame["window_utilisation"].dropna() <= 1.0).all()


def test_crews_working_past_closing_keep_team_utilisation_within_1() -> None:
    data = enforcement_county(crews=1)
    data["horizon"]["days"] = 10
    for department in data["enforcement"]["departments"]:
        department["check_min"] = 600  # a check outlasts the working day
    scenario = Scenario.model_validate(data)
    frame = replication_metrics(scenario, simulate(scenario, 0))
    teams = frame[frame.scope.str.startswith("team:") | (frame.scope == "all")]
    assert (teams["team_utilisation"] <= 1.0).all() and (teams["team_utilisation"] > 0.8).all()
    assert (teams["team_overtime_min_per_day"] > 0).all()


def test_no_visits_still_gives_every_row_with_a_reason(tmp_path: Path, county_data: dict) -> None:
    """All items online: no trips, no waits. The wait and travel rows are there, NaN, and the
    manifest says why."""
    for service in county_data["services"]:
        service["online_share"], service["station_share"] = 1.0, 0.0
    out = tmp_path / "out"
    scenario = write_yaml(tmp_path / "online.yaml", county_data)
    args = ["run", str(scenario), "-r", "2", "--days", "2", "--out", str(out), "--no-figures"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv")
    scopes = ["all", "hall:County hall", "hall:Farton centre", "town:Seatville", "town:Farton"]
    for metric in ("wait_min_mean", "wait_min_p90", "travel_min", "trips_per_matter"):
        rows = summary[summary.metric == metric].set_index("scope")
        assert set(scopes) <= set(rows.index), metric
        assert rows["mean"].isna().all() and (rows["n"] == 0).all()
    no_data = json.loads((out / "manifest.json").read_text())["no_data"]
    assert no_data["wait_min_mean"]["reason"] == "no visit to a hall"
    assert set(no_data["wait_min_mean"]["scopes"]) == set(scopes)
    assert no_data["travel_min"]["reason"] == "no matter taken to a hall in person"
    # every metric of the run is there for every scope it applies to
    for metric, kinds in ((m.name, m.scopes) for m in METRICS.values()):
        if metric in set(summary.metric):
            have = set(summary[summary.metric == metric].scope.str.split(":").str[0])
            assert have == set(kinds) & {"all", "hall", "town"}, metric


def test_no_visits_report_draws_what_has_data(tmp_path: Path, county_data: dict) -> None:
    for service in county_data["services"]:
        service["online_share"], service["station_share"] = 1.0, 0.0
    out = tmp_path / "out"
    scenario = write_yaml(tmp_path / "online.yaml", county_data)
    result = CliRunner().invoke(
        app, ["run", str(scenario), "-r", "2", "--days", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "figures").glob("*.png")) == ["map.png"]
    assert "wait_min_mean" in (out / "report.md").read_text()
