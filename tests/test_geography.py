"""Travel: mode choice by distance and share, road distances, choice of hall."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model.geography import CountyMap
from sim.scenario import Scenario
from tests.conftest import SCENARIOS


def test_mode_shares_renormalise_over_the_modes_allowed() -> None:
    county = CountyMap(sim.load_scenario(SCENARIOS / "example-baseline.yaml"))
    names = [m.name for m in county.modes]
    u = np.random.default_rng(3).random(200_000)
    for km, expected in [
        (1.0, {"walk": 1.0}),
        (10.0, {"ebike": 0.40, "bus": 0.20, "car": 0.35, "tricycle": 0.05}),
        (20.0, {"ebike": 0.40 / 0.95, "bus": 0.20 / 0.95, "car": 0.35 / 0.95}),
        (30.0, {"bus": 0.20 / 0.55, "car": 0.35 / 0.55}),
    ]:
        mode = county.choose_mode(np.full(u.size, km), u)
        share = np.bincount(mode, minlength=len(names)) / u.size
        for name, p in expected.items():
            assert share[names.index(name)] == pytest.approx(
                p, abs=4 * np.sqrt(p * (1 - p) / u.size) + 1e-12
            )
        assert share[[names.index(n) for n in names if n not in expected]].sum() == 0


def test_same_draw_same_mode_when_allowed(county_data: dict) -> None:
    """A citizen's own draw picks the mode: moving nearer changes it only through the set
    of allowed modes."""
    county = CountyMap(Scenario.model_validate(county_data))
    u = np.linspace(0, 0.999, 50)
    np.testing.assert_array_equal(
        county.choose_mode(np.full(50, 5.0), u), county.choose_mode(np.full(50, 30.0), u)
    )


def test_road_distances_and_hall_choice(county_data: dict) -> None:
    county_data["geography"]["towns"][0]["road_km"] = 7.5
    s = Scenario.model_validate(county_data)
    county = CountyMap(s)
    assert county.road_km[0, 0] == 7.5  # explicit road_km to the seat
    assert county.road_km[1, 0] == pytest.approx(25 * 1.3)  # straight × default factor
    assert county.road_km[1, 1] == 0  # own town centre
    # convenience item: Farton uses its own centre, Seatville (not in catchment) the county
    assert county.choice[1].tolist() == [0, 1]
    assert county.choice[0].tolist() == [0, 0]
