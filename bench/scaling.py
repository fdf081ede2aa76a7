"""Scaling benchmark: one replication at 1×, 4× and 10× the example's demand.

Every town's population and enterprises, every window group's count and every team's
crews are multiplied by the same factor, so each hall and team sees the same load per
window or crew and only the size of the run grows. A stage that is linear in demand takes
time ∝ factor: the fitted exponent (slope of log time on log factor) is 1.

Used by ``bench/core.py`` (``make bench``); on its own it also profiles::

    .venv/bin/python bench/scaling.py                  # time and peak memory, 1×/4×/10×
    .venv/bin/python bench/scaling.py --profile 10     # cProfile of one 10× replication
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.model.calendar import Clock  # noqa: E402
from sim.model.enforcement import Enforcement, enforcement_plan  # noqa: E402
from sim.model.rng import Streams  # noqa: E402
from sim.scenario import Scenario  # noqa: E402

SAME_POWER = ROOT / "scenarios" / "example-same-power.yaml"
FACTORS = (1, 4, 10)
DAYS = 250


def scaled(scenario: Scenario, factor: int) -> Scenario:
    """``scenario`` with every town's population and enterprises, every window group and
    every team's crews multiplied by ``factor``."""
    data = scenario.model_dump(mode="json", by_alias=True)
    for town in data["geography"]["towns"]:
        town["population"] *= factor
        town["enterprises"] *= factor
    for hall in data["halls"]:
        for group in hall["windows"]:
            group["count"] *= factor
    if data.get("enforcement"):
        for team in data["enforcement"]["teams"]:
            team["crews"] *= factor
    return Scenario.model_validate(data)


def fit_exponent(factors, values) -> float:
    """Slope of log(value) on log(factor): 1 for a linear stage."""
    return float(np.polyfit(np.log(factors), np.log(values), 1)[0])


def _stages(scenario: Scenario) -> dict[str, float]:
    """Size and seconds of one replication as a whole, and of enforcement's plan and run
    apart."""
    gc.collect()
    start = time.perf_counter()
    records = sim.simulate(scenario, 0)
    whole = time.perf_counter() - start
    size = {
        "residents": sum(t.population for t in scenario.geography.towns),
        "matters": int(records.matters["item"].size),
        "visits": 0 if records.visits is None else int(records.visits["team"].size),
    }
    del records
    streams, clock = Streams(scenario.seed, 0), Clock(scenario)
    gc.collect()
    start = time.perf_counter()
    plan = enforcement_plan(scenario, clock, streams)
    plan_s = time.perf_counter() - start
    import simpy

    env = simpy.Environment()
    start = time.perf_counter()
    Enforcement(env, scenario, clock, plan)
    env.run(until=clock.horizon_min)
    run_s = time.perf_counter() - start
    return {**size, "simulate_s": whole, "enforcement_plan_s": plan_s, "enforcement_run_s": run_s}


def _peak_bytes(scenario: Scenario) -> int:
    gc.collect()
    tracemalloc.start()
    records = sim.simulate(scenario, 0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del records
    return int(peak)


def scaling(
    path: Path = SAME_POWER, factors=FACTORS, days: int = DAYS, memory: bool = True
) -> dict:
    """Time (and peak traced memory) of one replication of ``path`` at each factor."""
    base = sim.load_scenario(path, [f"horizon.days={days}"])
    points = []
    for factor in factors:
        scenario = scaled(base, factor)
        point = {"factor": factor, **_stages(scenario)}
        if memory:
            point["peak_bytes"] = _peak_bytes(scenario)
        points.append(point)
    f = [p["factor"] for p in points]
    keys = ["simulate_s", "enforcement_plan_s", "enforcement_run_s"]
    keys += ["peak_bytes"] if memory else []
    return {
        "scenario": path.name,
        "days": days,
        "points": [
            {k: (round(v, 3) if isinstance(v, float) else v) for k, v in p.items()} for p in points
        ],
        "exponents": {k: round(fit_exponent(f, [p[k] for p in points]), 3) for k in keys},
    }


def profile(factor: int, path: Path = SAME_POWER, days: int = DAYS, top: int = 25) -> None:
    scenario = scaled(sim.load_scenario(path, [f"horizon.days={days}"]), factor)
    profiler = cProfile.Profile()
    profiler.enable()
    sim.simulate(scenario, 0)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=int, metavar="FACTOR")
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, days=args.days)
        return
    result = scaling(days=args.days, memory=not args.no_memory)
    for p in result["points"]:
        print(p)
    print("exponents:", result["exponents"])


if __name__ == "__main__":
    main()
