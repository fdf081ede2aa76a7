"""countysim: a discrete-event simulation of a county's public-service halls and towns.

Load a scenario, run replications, compare and sweep, read the tables::

    import sim
    base = sim.load_scenario("scenarios/example-baseline.yaml")
    results = sim.run(base, replications=5)
    results.summary  # metric, scope, mean, std, ci_low, ci_high, n
    reform = base.with_changes({"halls[0].windows[0].count": 10})
    sim.compare([base, reform], replications=5).table

Names are imported on first use (as SimPy's small ``__init__`` keeps ``import simpy``
light): ``import sim`` or ``import sim.model`` loads no pandas, YAML or matplotlib.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "sim.experiment": ["Comparison", "Precision", "Results", "Sweep", "compare", "run", "sweep"],
    "sim.scenario": ["Scenario", "ScenarioError", "dump_scenario", "load_scenario"],
    "sim.model": ["simulate"],
    "sim.optimise": ["StaffingResult", "optimise_staffing"],
    "sim.siting": ["SitingResult", "optimise_branches"],
    "sim.metrics": ["ENFORCEMENT_METRICS", "KEY_METRICS", "METRICS", "Metric"],
    "sim.stats": ["replication_metrics", "summarise"],
    "sim.store": ["load_results", "save"],
}  # fmt: skip
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
