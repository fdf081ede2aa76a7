"""countysim: a discrete-event simulation of a county's public-service halls and towns.

Load a scenario, run replications, compare and sweep, read the tables::

    import sim
    base = sim.load_scenario("scenarios/example-baseline.yaml")
    results = sim.run(base, replications=5)
    results.summary  # metric, scope, mean, std, ci_low, ci_high, n
    reform = base.with_changes({"halls[0].windows[0].count": 10})
    sim.compare([base, reform], replications=5).table
"""

from sim.experiment import Comparison, Precision, Results, Sweep, compare, run, sweep
from sim.loader import ScenarioError, dump_scenario, load_scenario
from sim.model import simulate
from sim.scenario import Scenario
from sim.stats import ENFORCEMENT_METRICS, KEY_METRICS, METRICS, replication_metrics, summarise
from sim.store import load_results

__all__ = [
    "ENFORCEMENT_METRICS",
    "KEY_METRICS",
    "METRICS",
    "Comparison",
    "Precision",
    "Results",
    "Scenario",
    "ScenarioError",
    "Sweep",
    "compare",
    "dump_scenario",
    "load_results",
    "load_scenario",
    "replication_metrics",
    "run",
    "simulate",
    "summarise",
    "sweep",
]
