"""Core benchmark: ``make bench`` -> results/bench/core.json, core.md and core.png.

(a) The example baseline's citizen model (its enforcement block removed) over 250 working
    days: in-person matters simulated per second (best of 3), and peak traced memory at
    50, 125 and 250 days, whose slope is the memory per logged matter (with enforcement
    too, for information).
(b) countysim reduced to M/M/c (the Erlang-C test scenario) at ~200,000 customers
    against a minimal plain-SimPy M/M/c loop of the same size: ratio of their rates.

(c) The example same-power scenario over 250 working days with and without its
    enforcement block: the share of wall time enforcement adds to one replication as
    ``countysim run`` does it (simulate + metrics); simulate alone is reported too.

(d) 8 replications of the example baseline, serial against processes on 2 workers:
    parallel efficiency = serial time / (2 × parallel time).

Targets: (a) ≥ 20,000 matters/s and ≤ 300 bytes per logged matter; (b) ratio ≥ 0.6
(issue 2); (c) ≤ 30 % (issue 3); (d) ≥ 0.85 (issue 4).
"""

from __future__ import annotations

import gc
import json
import platform
import random
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import sim  # noqa: E402
from sim.scenario import Scenario  # noqa: E402
from tests.conftest import mmc_data  # noqa: E402

OUT = ROOT / "results" / "bench"
BASELINE = ROOT / "scenarios" / "example-baseline.yaml"
SAME_POWER = ROOT / "scenarios" / "example-same-power.yaml"
MMC_C, MMC_LOAD, MMC_SERVICE = 4, 0.8, 10.0


def best_of(n: int, fn):
    times, value = [], None
    for _ in range(n):
        gc.collect()
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), value


def parallel_efficiency() -> dict:
    """8 replications of the example baseline: serial against local processes on 2 workers.
    Efficiency = serial time / (2 × parallel time); the numbers must be identical."""
    scenario = sim.load_scenario(BASELINE)
    serial_s, serial = best_of(3, lambda: sim.run(scenario, 8, executor="serial"))
    parallel_s, parallel = best_of(3, lambda: sim.run(scenario, 8, executor="processes", workers=2))
    identical = serial.summary.equals(parallel.summary)
    return {
        "machine_scaling": round(machine_scaling(), 3),
        "replications": 8,
        "days": scenario.horizon.days,
        "serial_s": round(serial_s, 3),
        "processes_2_workers_s": round(parallel_s, 3),
        "efficiency": round(serial_s / (2 * parallel_s), 3),
        "identical_summary": identical,
    }


def machine_scaling() -> float:
    """What this machine allows: time of 4 replications alone / time with a second
    process doing the same at once. 1.0 on two free cores; lower when they contend."""
    code = (
        f"import time, sim; s = sim.load_scenario({str(BASELINE)!r}); sim.simulate(s, 0); "
        "t = time.perf_counter(); [sim.simulate(s, k) for k in range(4)]; "
        "print(time.perf_counter() - t)"
    )
    command = [sys.executable, "-c", code]
    alone = float(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    pair = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    together = [float(p.communicate()[0]) for p in pair]
    return alone / max(together)


def citizens_only(days: int) -> Scenario:
    """The example baseline without its enforcement block: the citizen model of issue 2."""
    return sim.load_scenario(BASELINE, [f"horizon.days={days}"]).model_copy(
        update={"enforcement": None}
    )


def baseline_speed() -> dict:
    scenario = citizens_only(250)
    seconds, records = best_of(3, lambda: sim.simulate(scenario, 0))
    in_person = int((records.matters["channel"] == 2).sum())
    return {
        "days": 250,
        "matters": int(records.matters["item"].size),
        "in_person_matters": in_person,
        "visits": int(records.tickets["matter"].size),
        "seconds": round(seconds, 3),
        "in_person_matters_per_s": round(in_person / seconds),
    }


def best_of_pair(n: int, first, second) -> tuple[float, float]:
    """Best times of two functions run alternately, so drift in the machine hits both."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(n):
        for fn, out in ((first, times[0]), (second, times[1])):
            gc.collect()
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def enforcement_overhead() -> dict:
    """Example same-power over 250 days with and without its enforcement block: one
    replication as ``countysim run`` does it (simulate + metrics), and simulate alone."""
    with_teams = sim.load_scenario(SAME_POWER, ["horizon.days=250"])
    without = with_teams.model_copy(update={"enforcement": None})
    plain_s, full_s = best_of_pair(7, lambda: sim.run(without, 1), lambda: sim.run(with_teams, 1))
    sim_plain_s, sim_full_s = best_of_pair(
        7, lambda: sim.simulate(without, 0), lambda: sim.simulate(with_teams, 0)
    )
    visits = sim.simulate(with_teams, 0).visits["team"].size
    return {
        "days": 250,
        "visits": int(visits),
        "without_enforcement_s": round(plain_s, 3),
        "with_enforcement_s": round(full_s, 3),
        "overhead": round(full_s / plain_s - 1, 3),
        "simulate_only_overhead": round(sim_full_s / sim_plain_s - 1, 3),
    }


def baseline_memory(with_enforcement: bool = False) -> dict:
    points = []
    for days in (50, 125, 250):
        scenario = (
            sim.load_scenario(BASELINE, [f"horizon.days={days}"])
            if with_enforcement
            else citizens_only(days)
        )
        gc.collect()
        tracemalloc.start()
        records = sim.simulate(scenario, 0)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        points.append((int(records.matters["item"].size), peak))
        del records
    matters, peaks = np.array(points, dtype=float).T
    slope, intercept = np.polyfit(matters, peaks, 1)
    return {
        "points": [{"matters": int(m), "peak_bytes": int(p)} for m, p in points],
        "bytes_per_matter": round(float(slope), 1),
        "fixed_bytes": int(intercept),
    }


def plain_simpy_mmc(customers: int, c: int, arrival_rate: float, mean_service: float) -> list:
    """The minimal SimPy M/M/c loop a reader would write from the SimPy docs."""
    rng = random.Random(1)
    env = simpy.Environment()
    windows = simpy.Resource(env, capacity=c)
    waits: list[float] = []

    def customer(env):
        arrive = env.now
        with windows.request() as req:
            yield req
            waits.append(env.now - arrive)
            yield env.timeout(rng.expovariate(1 / mean_service))

    def source(env):
        for _ in range(customers):
            yield env.timeout(rng.expovariate(arrival_rate))
            env.process(customer(env))

    env.process(source(env))
    env.run()
    return waits


def mmc_ratio() -> dict:
    arrival_rate = MMC_LOAD * MMC_C / MMC_SERVICE  # per minute
    days = round(200_000 / (arrival_rate * 1440))
    scenario = Scenario.model_validate(mmc_data(MMC_C, MMC_LOAD, MMC_SERVICE, days=days))
    ours_s, records = best_of(3, lambda: sim.simulate(scenario, 0))
    customers = int(records.tickets["matter"].size)
    plain_s, waits = best_of(
        3, lambda: plain_simpy_mmc(customers, MMC_C, arrival_rate, MMC_SERVICE)
    )
    ours_rate, plain_rate = customers / ours_s, len(waits) / plain_s
    return {
        "c": MMC_C,
        "load": MMC_LOAD,
        "customers": customers,
        "countysim_s": round(ours_s, 3),
        "plain_simpy_s": round(plain_s, 3),
        "countysim_per_s": round(ours_rate),
        "plain_simpy_per_s": round(plain_rate),
        "ratio": round(ours_rate / plain_rate, 3),
    }


def figure(memory: dict, path: Path) -> None:
    m = np.array([p["matters"] for p in memory["points"]])
    peak = np.array([p["peak_bytes"] for p in memory["points"]]) / 2**20
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.plot(m / 1000, peak, "o-", label=f"measured ({memory['bytes_per_matter']:.0f} B per matter)")
    ax.plot(
        m / 1000,
        (memory["fixed_bytes"] + 300 * m) / 2**20,
        "--",
        color="grey",
        label="target slope: 300 B per matter",
    )
    ax.set_xlabel("matters in the run (thousands)")
    ax.set_ylabel("peak traced memory (MiB)")
    ax.set_title("Example baseline: peak memory vs run size")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    speed, memory, mmc = baseline_speed(), baseline_memory(), mmc_ratio()
    enforcement = enforcement_overhead()
    full_memory = baseline_memory(with_enforcement=True)
    parallel = parallel_efficiency()
    result = {
        "host": platform.node(),
        "python": platform.python_version(),
        "baseline_250_days": speed,
        "baseline_memory": memory,
        "mmc_vs_plain_simpy": mmc,
        "targets": {
            "in_person_matters_per_s >= 20000": speed["in_person_matters_per_s"] >= 20_000,
            "bytes_per_matter <= 300": memory["bytes_per_matter"] <= 300,
            "mmc ratio >= 0.6": mmc["ratio"] >= 0.6,
            "enforcement overhead <= 30%": enforcement["overhead"] <= 0.30,
            "parallel efficiency >= 0.85": parallel["efficiency"] >= 0.85,
            "identical numbers serial vs processes": parallel["identical_summary"],
        },
    }
    (OUT / "core.json").write_text(json.dumps(result, indent=2))
    figure(memory, OUT / "core.png")
    rows = [
        ("baseline, 250 days: in-person matters", f"{speed['in_person_matters']:,}", ""),
        ("baseline, 250 days: wall time (best of 3)", f"{speed['seconds']:.2f} s", ""),
        (
            "baseline: in-person matters per second",
            f"{speed['in_person_matters_per_s']:,}",
            "≥ 20,000",
        ),
        ("baseline: memory per logged matter", f"{memory['bytes_per_matter']:.0f} B", "≤ 300 B"),
        (
            "baseline with enforcement: memory per matter",
            f"{full_memory['bytes_per_matter']:.0f} B",
            "(for information)",
        ),
        (f"M/M/{MMC_C} at ρ={MMC_LOAD}: customers", f"{mmc['customers']:,}", ""),
        ("countysim customers per second", f"{mmc['countysim_per_s']:,}", ""),
        ("plain SimPy customers per second", f"{mmc['plain_simpy_per_s']:,}", ""),
        ("ratio countysim / plain SimPy", f"{mmc['ratio']:.2f}", "≥ 0.6"),
        (
            "same power, 250 days, 1 replication without enforcement",
            f"{enforcement['without_enforcement_s']:.2f} s",
            "",
        ),
        (
            f"same power, 250 days, 1 replication with enforcement "
            f"({enforcement['visits']:,} visits)",
            f"{enforcement['with_enforcement_s']:.2f} s",
            "",
        ),
        ("time enforcement adds to the replication", f"{enforcement['overhead']:.1%}", "≤ 30 %"),
        (
            "time it adds to the simulation alone (no metrics)",
            f"{enforcement['simulate_only_overhead']:.1%}",
            "(for information)",
        ),
        (
            f"baseline, 8 replications × {parallel['days']} days: serial",
            f"{parallel['serial_s']:.2f} s",
            "",
        ),
        ("same on processes, 2 workers", f"{parallel['processes_2_workers_s']:.2f} s", ""),
        ("parallel efficiency", f"{parallel['efficiency']:.2f}", "≥ 0.85"),
        (
            "machine: 2 processes at once vs 1 (the ceiling)",
            f"{parallel['machine_scaling']:.2f}",
            "(for information)",
        ),
    ]
    table = ["| measure | value | target |", "|---|---|---|"]
    table += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    (OUT / "core.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))
    print(f"\nwritten: {OUT / 'core.json'}, {OUT / 'core.md'}, {OUT / 'core.png'}")
    for target, ok in result["targets"].items():
        print(f"{'met' if ok else 'MISSED'}: {target}")


if __name__ == "__main__":
    main()
