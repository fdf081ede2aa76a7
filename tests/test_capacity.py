"""Offered load: the analytic requests per open hour agree with the simulation, and `check`
warns, naming the hall, where a pool of windows cannot keep up."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.capacity import offered_load
from sim.cli import app
from sim.model import simulate
from sim.scenario import Scenario
from tests.conftest import write_yaml

runner = CliRunner()


def test_expected_requests_per_hour_match_the_simulated_visits(county_data: dict) -> None:
    county_data["horizon"]["days"] = 60
    for hall in county_data["halls"]:
        for group in hall["windows"]:
            group["count"] = 20  # nobody is sent home: every visit is a request or a return
    scenario = Scenario.model_validate(county_data)
    pools = {p.hall: p for p in offered_load(scenario) if p.whole_hall}
    r = simulate(scenario, 0)
    open_hours = r.open_min / 60
    for h, hall in enumerate(scenario.halls):
        visits = (r.tickets["hall"] == h).sum() / open_hours
        expected = pools[hall.name].requests_per_hour
        assert visits == pytest.approx(expected, rel=4 / np.sqrt(visits * open_hours) + 0.02)


def test_pools_find_the_windows_that_only_some_can_serve(county_data: dict) -> None:
    """County hall: 3 market windows and 2 comprehensive ones. hrss work can go only to the
    comprehensive pair: its pool is those 2 windows, the whole hall all 5."""
    scenario = Scenario.model_validate(county_data)
    county = [p for p in offered_load(scenario) if p.hall == "County hall"]
    by_depts = {p.departments: p for p in county}
    assert by_depts[("hrss",)].windows == 2 and by_depts[("hrss",)].groups == (1,)
    assert by_depts[("hrss", "market")].whole_hall and by_depts[("hrss", "market")].windows == 5
    hrss = by_depts[("hrss",)]
    # can serve = 60 min × speed-weighted windows / mean service minutes (cert: 8 min)
    assert hrss.can_serve_per_hour == pytest.approx(60 * 2 * 0.9 / 8)


def test_check_warns_about_an_overloaded_hall(tmp_path: Path, county_data: dict) -> None:
    calm = runner.invoke(app, ["check", str(write_yaml(tmp_path / "calm.yaml", county_data))])
    assert calm.exit_code == 0 and "warning" not in calm.output
    assert "expected load on the windows" in calm.output and "Farton centre" in calm.output
    county_data["halls"][0]["windows"][1]["count"] = 10  # County hall keeps up
    county_data["halls"][1]["windows"] = [{"count": 1}]
    county_data["services"][1]["per_1000_residents_per_year"] = 1500  # Farton: 8.1/h for 7.5
    busy = write_yaml(tmp_path / "busy.yaml", county_data)
    result = runner.invoke(app, ["check", str(busy)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "warning: Farton centre" in text and "Add windows" in text
    assert "warning: County hall" not in text
