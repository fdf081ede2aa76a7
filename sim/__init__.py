"""countysim: a discrete-event simulation of a county's public-service halls and towns.

Load a scenario, run replications, read the tables::

    import sim
    scenario = sim.load_scenario("scenarios/example-baseline.yaml")
    results = sim.run(scenario, replications=5)
    results.summary  # metric, scope, mean, std, ci_low, ci_high, n
"""

from sim.experiment import Results, run
from sim.loader import ScenarioError, dump_scenario, load_scenario
from sim.model import simulate
from sim.scenario import Scenario
from sim.stats import METRICS, replication_metrics, summarise

__all__ = [
    "METRICS",
    "Results",
    "Scenario",
    "ScenarioError",
    "dump_scenario",
    "load_scenario",
    "replication_metrics",
    "run",
    "simulate",
    "summarise",
]
