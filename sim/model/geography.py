"""Towns, road distances, travel modes and travel times.

A citizen's one-way distance to a hall is the home -> town-centre draw plus the
town-centre -> hall road distance (straight distance × road factor, or the
town's explicit ``road_km`` to the seat). The mode is chosen from the modes
allowed for that distance: a mode without a share (walking) is taken whenever the
trip is within its ``max_km``; otherwise the shares of the allowed modes are
renormalised and the citizen's own uniform draw picks one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.scenario import Scenario


__all__ = ["CountyMap", "Trips"]


class Trips:
    """Travel of a batch of matters to their halls: arrays, one entry per matter."""

    def __init__(self, mode: np.ndarray, km: np.ndarray, minutes: np.ndarray, cost: np.ndarray):
        self.mode = mode
        """Index of the travel mode."""
        self.km = km
        """One-way distance (km)."""
        self.minutes = minutes
        """Round-trip travel minutes for one visit, access waits included."""
        self.cost = cost
        """Out-of-pocket yuan for one round trip."""


class CountyMap:
    """Distances between towns and halls, and the hall each town uses for each item."""

    def __init__(self, scenario: Scenario):
        geo = scenario.geography
        self.towns = [t.name for t in geo.towns]
        self.modes = scenario.travel.modes
        xy = {t.name: (t.x_km, t.y_km) for t in geo.towns}
        xy["seat"] = (geo.seat.x_km, geo.seat.y_km)
        self.seat_km = np.array([self._road(t, "seat", xy, geo.road_factor) for t in geo.towns])
        """Road km from each town centre to the county seat."""
        self.road_km = np.array(
            [[self._road(t, h.at, xy, geo.road_factor) for h in scenario.halls] for t in geo.towns]
        )
        """Road km from each town centre [town, hall]."""
        self.resident_km = [t.resident_km or geo.resident_km for t in geo.towns]
        """Distribution of home -> town-centre km per town."""
        mean_home = np.array([d.mean for d in self.resident_km])
        self.expected_min = np.array(
            [
                [self.expected_one_way_min(mean_home[i] + km) for km in row]
                for i, row in enumerate(self.road_km)
            ]
        )
        """Expected one-way travel minutes [town, hall], for the choice of hall."""
        self.choice = np.array(
            [
                [self._choose(scenario, s, t) for t in range(len(self.towns))]
                for s in range(len(scenario.services))
            ]
        )
        """Hall index used for [item, town] (-1 where no demand can arise)."""

    @staticmethod
    def _road(town, at: str, xy: dict, default_factor: float) -> float:
        if at == town.name:
            return 0.0
        if at == "seat" and town.road_km is not None:
            return town.road_km
        (x0, y0), (x1, y1) = xy[town.name], xy[at]
        return math.hypot(x1 - x0, y1 - y0) * (town.road_factor or default_factor)

    def _choose(self, scenario: Scenario, s: int, t: int) -> int:
        options = scenario.halls_for(scenario.services[s], self.towns[t])
        if not options:
            return -1
        return min(options, key=lambda h: (self.expected_min[t, h], h))

    def _weights(self, km: np.ndarray) -> list[np.ndarray]:
        """Unnormalised weight of each mode for one-way trips of ``km`` (one vector a mode)."""
        taken = np.zeros(km.size, dtype=bool)
        weights = [np.zeros(km.size) for _ in self.modes]
        for m, mode in enumerate(self.modes):  # modes without a share: everyone within range
            if mode.share is None:
                hit = ~taken & (km <= mode.max_km)
                weights[m][hit] = 1.0
                taken |= hit
        for m, mode in enumerate(self.modes):
            if mode.share is not None:
                allowed = ~taken if mode.max_km is None else ~taken & (km <= mode.max_km)
                weights[m][allowed] = mode.share
        return weights

    def choose_mode(self, km: np.ndarray, mode_u: np.ndarray) -> np.ndarray:
        """Mode index of each trip: the citizen's uniform ``mode_u`` against the cumulative
        probabilities of the modes allowed for ``km``."""
        weights = self._weights(km)
        target = mode_u * np.sum(weights, axis=0)
        mode = np.full(km.size, -1)
        last_allowed = np.zeros(km.size, dtype=int)
        lower = np.zeros(km.size)
        for m, w in enumerate(weights):
            mode[(mode < 0) & (w > 0) & (target < lower + w)] = m
            last_allowed[w > 0] = m
            lower += w
        return np.where(mode < 0, last_allowed, mode)  # u × total rounded up to the total

    def expected_one_way_min(self, km: float) -> float:
        weights = np.array(self._weights(np.array([km])))[:, 0]
        probs = weights / weights.sum()
        return float(
            sum(
                p * (km / m.speed_kmh * 60 + m.access_wait_min.mean)
                for p, m in zip(probs, self.modes, strict=True)
            )
        )

    def trips(
        self,
        town: np.ndarray,
        hall: np.ndarray,
        home_km: np.ndarray,
        mode_u: np.ndarray,
        access_min: dict[int, np.ndarray],
    ) -> Trips:
        """Travel of matters from ``town`` to ``hall``. ``mode_u`` and ``access_min`` (drawn
        waits of the modes whose wait is random) are the citizens' own draws, so a change of
        hall changes the trip, not the citizen."""
        km = home_km + self.road_km[town, hall]
        mode = self.choose_mode(km, mode_u)
        speed = np.array([m.speed_kmh for m in self.modes])[mode]
        cost_km = np.array([m.cost_per_km_yuan for m in self.modes])[mode]
        wait = np.array([m.access_wait_min.mean for m in self.modes])[mode]  # constant waits
        for j, drawn in access_min.items():
            wait = np.where(mode == j, drawn, wait)
        return Trips(mode, km, 2 * (km / speed * 60 + wait), 2 * km * cost_km)
