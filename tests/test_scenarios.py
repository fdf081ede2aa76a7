"""The shipped example scenarios: valid, reproducing the source geometry, staff unchanged."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model.codes import Channel
from sim.model.geography import CountyMap
from tests.conftest import SCENARIOS

BASELINE = SCENARIOS / "example-baseline.yaml"
SAME_POWER = SCENARIOS / "example-same-power.yaml"


def test_geometry_reproduces_the_source_facts() -> None:
    """Seed 004: 48.51 % of towns beyond 10 km of the county hall, 41.04 % beyond 15 km,
    farthest round trip ≈ 80 km. With 17 towns the nearest shares are 8/17 and 7/17."""
    seat_km = CountyMap(sim.load_scenario(BASELINE)).seat_km
    assert seat_km.size == 17
    assert (seat_km > 10).mean() == pytest.approx(0.4851, abs=0.03)
    assert (seat_km > 15).mean() == pytest.approx(0.4104, abs=0.03)
    assert 2 * seat_km.max() == pytest.approx(80, abs=3)


def test_population_in_range() -> None:
    s = sim.load_scenario(BASELINE)
    assert 400_000 <= sum(t.population for t in s.geography.towns) <= 700_000


def test_same_power_moves_window_staff_without_adding_any() -> None:
    base, reform = sim.load_scenario(BASELINE), sim.load_scenario(SAME_POWER)

    def staff(s):
        return {h.name: sum(g.count for g in h.windows) for h in s.halls}

    before, after = staff(base), staff(reform)
    assert sum(before.values()) == sum(after.values())
    branches = [h for h in reform.halls if h.name.endswith("branch")]
    assert len(branches) == 4 and all(after[h.name] == 4 for h in branches)
    assert before["County hall"] - after["County hall"] == 16
    for branch in branches:
        assert 3 <= len(branch.catchment) <= 6 and branch.at in branch.catchment
        assert branch.serves.kind == ["approval"]
    # approvals only at the county hall in the baseline
    for hall in base.halls[1:]:
        assert hall.serves.kind == ["convenience"]


def test_same_power_shortens_travel_with_common_citizens() -> None:
    base = sim.load_scenario(BASELINE, ["horizon.days=5"])
    reform = sim.load_scenario(SAME_POWER, ["horizon.days=5"])
    a, b = sim.simulate(base, 0), sim.simulate(reform, 0)
    np.testing.assert_array_equal(a.matters["t_request"], b.matters["t_request"])
    in_person = a.matters["channel"] == Channel.HALL
    assert (
        b.matters["travel_km"][in_person].mean() < 0.85 * a.matters["travel_km"][in_person].mean()
    )
