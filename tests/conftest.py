"""Shared fixtures: small scenarios built as data, and paths to the shipped ones."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def mmc_data(
    c: int, load: float, mean_service: float = 10.0, days: int = 20, service: object = None
) -> dict:
    """An M/M/c hall: open 24/7, one item, no travel, exponential service by default.

    ``load`` is the utilisation ρ = λ·E[S]/c.
    """
    per_day = load * c / mean_service * 1440
    return {
        "name": f"mmc c={c} load={load}",
        "seed": 11,
        "horizon": {"days": days},
        "calendar": {
            "opening_hours": [["00:00", "24:00"]],
            "workdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        },
        "travel": {"modes": [{"name": "car", "speed_kmh": 50, "share": 1}]},
        "geography": {
            "towns": [{"name": "Town", "population": 1000, "x_km": 0, "y_km": 0, "resident_km": 0}]
        },
        "demand": {"days_per_year": 1},
        "services": [
            {
                "id": "item",
                "kind": "approval",
                "department": "dept",
                "per_1000_residents_per_year": per_day,
                "service_min": service
                if service is not None
                else {"dist": "exponential", "mean": mean_service},
            }
        ],
        "halls": [{"name": "Hall", "windows": [{"count": c, "skills": "all"}]}],
    }


def small_county() -> dict:
    """Two towns, a county hall and a town centre, working hours: for behaviour tests."""
    return {
        "name": "small county",
        "seed": 5,
        "horizon": {"days": 10},
        "travel": {
            "modes": [
                {"name": "walk", "speed_kmh": 4.5, "max_km": 2},
                {"name": "car", "speed_kmh": 45, "share": 0.6},
                {
                    "name": "bus",
                    "speed_kmh": 30,
                    "share": 0.4,
                    "access_wait_min": {"dist": "uniform", "low": 0, "high": 20},
                },
            ]
        },
        "geography": {
            "towns": [
                {
                    "name": "Seatville",
                    "population": 60000,
                    "enterprises": 900,
                    "x_km": 1,
                    "y_km": 0,
                },
                {
                    "name": "Farton",
                    "population": 30000,
                    "enterprises": 300,
                    "x_km": 25,
                    "y_km": 0,
                    "stations": True,
                },
            ]
        },
        "services": [
            {
                "id": "licence",
                "kind": "approval",
                "department": "market",
                "per_1000_residents_per_year": 60,
                "per_enterprise_per_year": 1,
                "service_min": {"dist": "lognormal", "mean": 20, "sd": 10},
                "online_share": 0.3,
                "incomplete_prob": 0.2,
            },
            {
                "id": "cert",
                "kind": "convenience",
                "department": "hrss",
                "per_1000_residents_per_year": 100,
                "service_min": {"dist": "gamma", "mean": 8, "sd": 5},
                "online_share": 0.4,
                "station_share": 0.3,
                "incomplete_prob": 0.05,
            },
        ],
        "halls": [
            {
                "name": "County hall",
                "windows": [
                    {"count": 3, "skills": ["market"]},
                    {"count": 2, "skills": "all", "speed": 0.9},
                ],
            },
            {
                "name": "Farton centre",
                "at": "Farton",
                "serves": {"kind": ["convenience"]},
                "catchment": ["Farton"],
                "windows": [{"count": 2}],
            },
        ],
    }


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


@pytest.fixture
def county_data() -> dict:
    return copy.deepcopy(small_county())


@pytest.fixture
def county_file(tmp_path: Path, county_data: dict) -> Path:
    return write_yaml(tmp_path / "county.yaml", county_data)


@pytest.fixture(scope="module")
def pair():
    """Two small enforcement counties compared (one market window against six), for the
    report and language tests."""
    from sim.experiment import compare
    from sim.scenario import Scenario
    from tests.test_enforcement import enforcement_county

    data = enforcement_county(joint=30)
    data["horizon"]["days"] = 6
    base = Scenario.model_validate(data).with_changes({"halls[0].windows[0].count": 1})
    other = base.with_changes({"name": "more windows", "halls[0].windows[0].count": 6})
    return compare([base, other], replications=2, executor="serial")
