"""Scenarios: the schema (``schema``), reading files safely (``files``), changing data by
path and merging (``overrides``), which dates of a date range are worked (``holidays``), and
loading a file with ``extends``, ``towns_csv`` and ``--set`` (``load``). Imports go one way:
load -> schema -> overrides -> files, and schema -> holidays."""

from sim.errors import ScenarioError
from sim.scenario.load import dump_scenario, load_scenario, validate_data
from sim.scenario.overrides import apply_set, deep_merge, parse_grid, parse_set
from sim.scenario.schema import (
    Calendar,
    Demand,
    Enforcement,
    Geography,
    Hall,
    Horizon,
    Mode,
    Scenario,
    Service,
    Town,
    Travel,
    WindowGroup,
)

__all__ = [
    "Calendar",
    "Demand",
    "Enforcement",
    "Geography",
    "Hall",
    "Horizon",
    "Mode",
    "Scenario",
    "ScenarioError",
    "Service",
    "Town",
    "Travel",
    "WindowGroup",
    "apply_set",
    "deep_merge",
    "dump_scenario",
    "load_scenario",
    "parse_grid",
    "parse_set",
    "validate_data",
]
