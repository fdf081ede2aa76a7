"""Core benchmark: ``make bench`` -> results/bench/core.json, core.md, core.png, scaling.png.

(a) The example baseline's citizen model (its enforcement block removed) over 250 working
    days: in-person matters simulated per second (best of 3), and peak traced memory at
    50, 125 and 250 days, whose slope is the memory per logged matter (with enforcement
    too, for information). Figure: core.png.
(b) countysim reduced to M/M/c (the Erlang-C test scenario) at ~200,000 customers
    against a minimal plain-SimPy M/M/c loop of the same size, both in this process:
    ratio of their rates.
(c) The example same-power scenario over 250 working days with and without its
    enforcement block: the share of wall time enforcement adds to one replication as
    ``countysim run`` does it (simulate + metrics); simulate alone is reported too.
(d) 8 replications of the example baseline, serial against processes on 2 workers:
    parallel efficiency = serial time / (2 × parallel time); the numbers must be identical.
(e) CLI start-up: ``countysim --help`` and ``countysim check scenarios/example-baseline.yaml``
    as whole subprocesses, best of 5 after one warm-up, with bytecode cached as on an
    ordinary install (in a throw-away PYTHONPYCACHEPREFIX). For information: the same
    without any bytecode cache (PYTHONDONTWRITEBYTECODE=1), whole-process times of
    ``python -c pass``, ``import simpy``, ``import sim.model``, ``import sim.cli``, and
    ``python -X importtime`` totals with the largest imports of ``countysim check``.
(f) Whole processes: ``countysim run <M/M/8 scenario> -r 1 --no-figures --out <tmp>`` for
    ~300,000 customers (tests/conftest.py's ``mmc_data`` written as YAML to a temp folder)
    against ``python script.py``, a minimal plain-SimPy M/M/8 script with the same number
    of customers and the same rates, imports included; best of 3 each, alternating, after a
    warm-up. Ratio of customers per second. For information: the run's own wall time (its
    manifest) and simulate in this process, to split start-up and output from simulation.
(g) Scaling (bench/scaling.py): one replication of the example same-power scenario at 1×,
    4× and 10× demand with windows and crews scaled alike, 250 working days, each run
    once: time of the whole replication, of the enforcement plan and of the enforcement
    run, and peak traced memory; exponents of each on the factor (log-log slope).
    Figure: scaling.png.
(h) Staffing optimisation (issue 14): ``sim.optimise_staffing`` on the example same-power
    scenario, its 28 window staff over the county hall and the four branches, target
    ``wait_min_p90=20``, 5 replications, processes executor on 2 workers, run once: wall
    time (search and the final ranking-and-selection), allocations simulated, feasible.

Targets: (a) ≥ 20,000 in-person matters/s and ≤ 300 bytes per logged matter; (b) ratio
≥ 0.6 (issue 2); (c) ≤ 30 % (issue 3); (d) efficiency ≥ 0.85 and identical summaries
(issue 4); (e) each of ``--help`` and ``check`` < 0.5 s on this machine; (f) countysim's
customers per second ≥ 0.8 × the plain script's; (g) time exponent of every stage (whole
replication, enforcement plan, enforcement run) ≤ 1.1 (memory's exponent for information);
(h) the example staffing optimisation < 5 minutes (issue 14).

Timings are wall times on a possibly shared machine: core.json records the load average
before and after, and core.md says how long the whole benchmark took.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import simpy
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402

import sim  # noqa: E402
from bench.scaling import scaling  # noqa: E402
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


# (e) and (f): whole processes -----------------------------------------------------------

BIN = Path(sys.executable).parent
COUNTYSIM = BIN / "countysim"
STARTUP_TARGET_S = 0.5
MMC8_C, MMC8_CUSTOMERS = 8, 300_000


def process_env(bytecode_cache: bool) -> dict[str, str]:
    """The environment for timed subprocesses. With ``bytecode_cache`` Python writes and
    reuses .pyc files as on an ordinary install (under a throw-away PYTHONPYCACHEPREFIX, so
    nothing is written into the tree), whatever this shell's PYTHONDONTWRITEBYTECODE says;
    without it nothing is cached and sim/ (an editable install) is compiled at every start."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONPYCACHEPREFIX")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if bytecode_cache:
        env["PYTHONPYCACHEPREFIX"] = str(pycache())
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


_PYCACHE: list[Path] = []


def pycache() -> Path:
    """The throw-away bytecode folder of this benchmark, made on first use (main removes it)."""
    if not _PYCACHE:
        _PYCACHE.append(Path(tempfile.mkdtemp(prefix="countysim-bench-pycache-")))
    return _PYCACHE[0]


def time_process(command: list[str], env: dict[str, str], n: int = 5, warm_up: int = 1) -> float:
    """Best wall time of ``command`` as a whole subprocess over ``n`` runs after ``warm_up``."""
    times = []
    for k in range(warm_up + n):
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
        if k >= warm_up:
            times.append(time.perf_counter() - start)
    return min(times)


def import_times(command: list[str], env: dict[str, str], top: int = 6) -> dict:
    """``python -X importtime``: total of the top-level imports and the largest of them
    (cumulative, ms; the option itself slows imports a little)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", *command],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    tops = []
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|", 2)
        if not name[1:].startswith(" "):  # top level: not indented under another import
            tops.append((name.strip(), int(cumulative) / 1000))
    tops.sort(key=lambda t: -t[1])
    return {
        "top_level_total_ms": round(sum(ms for _, ms in tops)),
        "largest_ms": {name: round(ms) for name, ms in tops[:top]},
    }


def cli_startup() -> dict:
    """(e) ``countysim --help`` and ``countysim check <baseline>`` as whole subprocesses,
    best of 5 after one warm-up; bare ``import sim.model`` / ``import sim.cli`` for context."""
    cli = {
        "help": [str(COUNTYSIM), "--help"],
        "check": [str(COUNTYSIM), "check", str(BASELINE.relative_to(ROOT))],
    }
    imports = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import simpy": [sys.executable, "-c", "import simpy"],
        "import sim.model": [sys.executable, "-c", "import sim.model"],
        "import sim.cli": [sys.executable, "-c", "import sim.cli"],
    }
    cached, uncached = process_env(True), process_env(False)
    return {
        "runs": "best of 5 after 1 warm-up",
        "bytecode_cached_s": {k: round(time_process(c, cached), 3) for k, c in cli.items()},
        "no_bytecode_cache_s": {k: round(time_process(c, uncached), 3) for k, c in cli.items()},
        "imports_s": {k: round(time_process(c, cached), 3) for k, c in imports.items()},
        "importtime_check": import_times(cli["check"], cached),
        "importtime_sim_model": import_times(["-c", "import sim.model"], cached),
        "importtime_sim_cli": import_times(["-c", "import sim.cli"], cached),
    }


PLAIN_SIMPY_SCRIPT = """\
import random
import sys

import simpy

customers, c = int(sys.argv[1]), int(sys.argv[2])
arrival_rate, mean_service = float(sys.argv[3]), float(sys.argv[4])
rng = random.Random(1)
env = simpy.Environment()
windows = simpy.Resource(env, capacity=c)
waits = []


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
print(len(waits), sum(waits) / len(waits))
"""


def whole_process_mmc(n: int = 3) -> dict:
    """(f) ``countysim run`` of an M/M/8 scenario with ~300,000 customers as a whole process
    against a plain-SimPy M/M/8 script of the same size run as ``python script.py``; best of
    ``n`` each, alternating, after one warm-up each (bytecode cached as on an ordinary install)."""
    arrival_rate = MMC_LOAD * MMC8_C / MMC_SERVICE  # per minute
    days = round(MMC8_CUSTOMERS / (arrival_rate * 1440))
    env = process_env(True)
    folder = Path(tempfile.mkdtemp(prefix="countysim-bench-mmc8-"))
    try:
        scenario_path, script = folder / "mmc8.yaml", folder / "plain_simpy_mmc8.py"
        data = mmc_data(MMC8_C, MMC_LOAD, MMC_SERVICE, days=days)
        scenario_path.write_text(yaml.safe_dump(data, allow_unicode=True))
        script.write_text(PLAIN_SIMPY_SCRIPT)
        out = folder / "x"
        ours = [str(COUNTYSIM), "run", str(scenario_path), "-r", "1", "--no-figures"]
        ours += ["--out", str(out), "-q"]
        subprocess.run(ours, env=env, cwd=ROOT, check=True, capture_output=True)
        with open(out / "replications.csv", newline="") as f:
            row = next(r for r in csv.DictReader(f) if r["scope"] == "all")
        customers = int(row["visits"])
        plain = [sys.executable, str(script), str(customers), str(MMC8_C)]
        plain += [str(arrival_rate), str(MMC_SERVICE)]
        subprocess.run(plain, env=env, cwd=ROOT, check=True, capture_output=True)
        times: tuple[list[float], list[float]] = ([], [])
        run_wall: list[float] = []  # the run's own wall time (its manifest), for each run
        for _ in range(n):
            for command, out_times in ((ours, times[0]), (plain, times[1])):
                start = time.perf_counter()
                subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
                out_times.append(time.perf_counter() - start)
                if command is ours:
                    manifest = json.loads((out / "manifest.json").read_text())
                    run_wall.append(manifest["wall_time_s"])
        in_process = Scenario.model_validate(data)
        simulate_s, _ = best_of(1, lambda: sim.simulate(in_process, 0))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ours_s, plain_s = min(times[0]), min(times[1])
    ours_rate, plain_rate = customers / ours_s, customers / plain_s
    return {
        "c": MMC8_C,
        "load": MMC_LOAD,
        "days": days,
        "customers": customers,
        "runs": f"best of {n}, alternating, after 1 warm-up each",
        "countysim_process_s": round(ours_s, 3),
        "plain_simpy_process_s": round(plain_s, 3),
        "countysim_per_s": round(ours_rate),
        "plain_simpy_per_s": round(plain_rate),
        "ratio": round(ours_rate / plain_rate, 3),
        "countysim_run_wall_time_s": run_wall[int(np.argmin(times[0]))],  # of the best run
        "simulate_in_process_s": round(simulate_s, 3),
    }


# (h): staffing optimisation ------------------------------------------------------------

OPTIMISE_HALLS = [
    "County hall",
    "Liuqiao branch",
    "Zhuhe branch",
    "Huadian branch",
    "Daxing branch",
]
OPTIMISE_STAFF, OPTIMISE_TARGET_S = 28, 300.0


def staffing_optimisation() -> dict:
    """(h) The example staffing optimisation: 28 window staff over the county hall and the
    four branches, ``wait_min_p90=20``, ``-r 5``, processes on 2 workers; wall time, once."""
    scenario = sim.load_scenario(SAME_POWER)
    gc.collect()
    start = time.perf_counter()
    result = sim.optimise_staffing(
        scenario,
        OPTIMISE_STAFF,
        halls=OPTIMISE_HALLS,
        target="wait_min_p90=20",
        replications=5,
        executor="processes",
        workers=2,
    )
    seconds = time.perf_counter() - start
    selection = getattr(result, "selection", None)
    return {
        "staff": OPTIMISE_STAFF,
        "halls": OPTIMISE_HALLS,
        "target": "wait_min_p90=20",
        "replications": 5,
        "workers": 2,
        "seconds": round(seconds, 1),
        "allocations_simulated": result.evaluations,
        "selection_candidates": None if selection is None else len(selection.table),
        "selection_added_replications": (
            None if selection is None else selection.added_replications
        ),
        "selection": None if selection is None else selection.statement,
        "feasible": result.feasible,
        "allocation": result.allocation,
        "summary": result.summary(),
    }


# (g): scaling ---------------------------------------------------------------------------

STAGES = {
    "simulate_s": "whole replication (simulate)",
    "enforcement_plan_s": "enforcement plan",
    "enforcement_run_s": "enforcement run",
}
SCALING_TARGET = 1.1


def scaling_figure(result: dict, path: Path) -> None:
    points = result["points"]
    f = np.array([p["factor"] for p in points], dtype=float)
    exponents = result["exponents"]
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 5.2), layout="constrained")
    for (key, label), marker in zip(STAGES.items(), "osD", strict=True):
        t = np.array([p[key] for p in points])
        line = ax_t.loglog(f, t, marker + "-", label=f"{label}: exponent {exponents[key]:.2f}")[0]
        ax_t.loglog(f, t[0] * f, ":", color=line.get_color(), linewidth=1.2)
    ax_t.plot([], [], ":", color="grey", label="linear from the 1× point (exponent 1), dotted")
    ax_t.set_ylabel("wall time of one replication (s)")
    ax_t.set_title(f"Time of one replication, {result['days']} working days")
    peak = np.array([p["peak_bytes"] for p in points]) / 2**20
    ax_m.loglog(f, peak, "o-", label=f"measured: exponent {exponents['peak_bytes']:.2f}")
    ax_m.loglog(f, peak[0] * f, ":", color="grey", label="linear from the 1× point (exponent 1)")
    for k, (x, y) in enumerate(zip(f, peak, strict=True)):
        last = k == len(f) - 1  # left of the last point, right of the others: inside the axes
        ax_m.annotate(
            f"{y:.0f} MiB",
            (x, y),
            textcoords="offset points",
            xytext=(-10, 0) if last else (8, -12),
            ha="right" if last else "left",
            va="center",
        )
    ax_m.set_ylim(peak.min() / 1.4, peak.max() * 1.4)  # room for the labels
    ax_m.set_ylabel("peak traced memory (MiB)")
    ax_m.set_title("Peak memory of one replication (tracemalloc)")
    for ax in (ax_t, ax_m):
        ax.set_xlabel("demand factor (population, windows and crews × factor)")
        ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.set_xticks(f, [f"{x:g}×" for x in f])
        ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1, 2, 5)))
        ax.yaxis.set_minor_locator(ticker.NullLocator())
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8, frameon=False)
    fig.suptitle(f"Scaling: {result['scenario']} at 1×, 4× and 10× demand (log-log)")
    fig.savefig(path, dpi=150)
    plt.close(fig)


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


def yes_no(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "**MISSED**")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    started, load_before = time.perf_counter(), os.getloadavg()
    sections: dict[str, float] = {}

    def timed(name: str, fn, *args, **kwargs):
        start = time.perf_counter()
        value = fn(*args, **kwargs)
        sections[name] = round(time.perf_counter() - start, 1)
        print(f"{name}: {sections[name]:.0f} s", file=sys.stderr, flush=True)
        return value

    try:
        speed = timed("(a) speed", baseline_speed)
        memory = timed("(a) memory", baseline_memory)
        mmc = timed("(b) M/M/c in process", mmc_ratio)
        enforcement = timed("(c) enforcement overhead", enforcement_overhead)
        full_memory = timed("(a) memory with enforcement", baseline_memory, True)
        parallel = timed("(d) parallel efficiency", parallel_efficiency)
        startup = timed("(e) CLI start-up", cli_startup)
        process = timed("(f) whole process M/M/8", whole_process_mmc)
        scale = timed("(g) scaling", scaling)
        optimise = timed("(h) staffing optimisation", staffing_optimisation)
    finally:
        for folder in _PYCACHE:
            shutil.rmtree(folder, ignore_errors=True)
    cached = startup["bytecode_cached_s"]
    targets = {
        "in_person_matters_per_s >= 20000": speed["in_person_matters_per_s"] >= 20_000,
        "bytes_per_matter <= 300": memory["bytes_per_matter"] <= 300,
        "mmc ratio >= 0.6": mmc["ratio"] >= 0.6,
        "enforcement overhead <= 30%": enforcement["overhead"] <= 0.30,
        "parallel efficiency >= 0.85": parallel["efficiency"] >= 0.85,
        "identical numbers serial vs processes": parallel["identical_summary"],
        "countysim --help < 0.5 s": cached["help"] < STARTUP_TARGET_S,
        "countysim check < 0.5 s": cached["check"] < STARTUP_TARGET_S,
        "whole-process M/M/8 ratio >= 0.8": process["ratio"] >= 0.8,
    }
    targets["staffing optimisation < 5 min"] = optimise["seconds"] < OPTIMISE_TARGET_S
    for key in STAGES:
        targets[f"scaling exponent {key} <= {SCALING_TARGET}"] = (
            scale["exponents"][key] <= SCALING_TARGET
        )
    result = {
        "host": platform.node(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1_5_15_min": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },
        "baseline_250_days": speed,
        "baseline_memory": memory,
        "baseline_with_enforcement_memory": full_memory,
        "mmc_vs_plain_simpy": mmc,
        "enforcement_overhead": enforcement,
        "parallel": parallel,
        "cli_startup": startup,
        "whole_process_mmc8": process,
        "scaling": scale,
        "staffing_optimisation": optimise,
        "targets": targets,
    }
    figure(memory, OUT / "core.png")
    scaling_figure(scale, OUT / "scaling.png")
    rows: list[tuple[str, str, str, bool | None]] = [
        (
            "**(a)** baseline, 250 days: in-person matters",
            f"{speed['in_person_matters']:,}",
            "",
            None,
        ),
        ("baseline, 250 days: wall time (best of 3)", f"{speed['seconds']:.2f} s", "", None),
        (
            "baseline: in-person matters per second",
            f"{speed['in_person_matters_per_s']:,}",
            "≥ 20,000",
            targets["in_person_matters_per_s >= 20000"],
        ),
        (
            "baseline: memory per logged matter",
            f"{memory['bytes_per_matter']:.0f} B",
            "≤ 300 B",
            targets["bytes_per_matter <= 300"],
        ),
        (
            "baseline with enforcement: memory per matter",
            f"{full_memory['bytes_per_matter']:.0f} B",
            "(for information)",
            None,
        ),
        (f"**(b)** M/M/{MMC_C} at ρ={MMC_LOAD}: customers", f"{mmc['customers']:,}", "", None),
        ("countysim customers per second", f"{mmc['countysim_per_s']:,}", "", None),
        ("plain SimPy customers per second", f"{mmc['plain_simpy_per_s']:,}", "", None),
        (
            "ratio countysim / plain SimPy",
            f"{mmc['ratio']:.2f}",
            "≥ 0.6",
            targets["mmc ratio >= 0.6"],
        ),
        (
            "**(c)** same power, 250 days, 1 replication without enforcement",
            f"{enforcement['without_enforcement_s']:.2f} s",
            "",
            None,
        ),
        (
            f"same power, 250 days, 1 replication with enforcement "
            f"({enforcement['visits']:,} visits)",
            f"{enforcement['with_enforcement_s']:.2f} s",
            "",
            None,
        ),
        (
            "time enforcement adds to the replication",
            f"{enforcement['overhead']:.1%}",
            "≤ 30 %",
            targets["enforcement overhead <= 30%"],
        ),
        (
            "time it adds to the simulation alone (no metrics)",
            f"{enforcement['simulate_only_overhead']:.1%}",
            "(for information)",
            None,
        ),
        (
            f"**(d)** baseline, 8 replications × {parallel['days']} days: serial",
            f"{parallel['serial_s']:.2f} s",
            "",
            None,
        ),
        ("same on processes, 2 workers", f"{parallel['processes_2_workers_s']:.2f} s", "", None),
        (
            "parallel efficiency",
            f"{parallel['efficiency']:.2f}",
            "≥ 0.85",
            targets["parallel efficiency >= 0.85"],
        ),
        (
            "serial and parallel summaries identical",
            "yes" if parallel["identical_summary"] else "no",
            "yes",
            parallel["identical_summary"],
        ),
        (
            "machine: 2 processes at once vs 1 (the ceiling)",
            f"{parallel['machine_scaling']:.2f}",
            "(for information)",
            None,
        ),
        (
            "**(e)** `countysim --help`, whole process (best of 5 after a warm-up)",
            f"{cached['help']:.2f} s",
            "< 0.5 s",
            targets["countysim --help < 0.5 s"],
        ),
        (
            "`countysim check scenarios/example-baseline.yaml`, whole process",
            f"{cached['check']:.2f} s",
            "< 0.5 s",
            targets["countysim check < 0.5 s"],
        ),
        (
            "same two without a bytecode cache (PYTHONDONTWRITEBYTECODE=1: sim/ compiled "
            "at every start)",
            f"{startup['no_bytecode_cache_s']['help']:.2f} s / "
            f"{startup['no_bytecode_cache_s']['check']:.2f} s",
            "(for information)",
            None,
        ),
        (
            "`python -c pass` / `import simpy` / `import sim.model` / `import sim.cli`, "
            "whole process",
            " / ".join(f"{v:.2f} s" for v in startup["imports_s"].values()),
            "(for information)",
            None,
        ),
        (
            "`-X importtime` top-level totals: `import sim.model` / `import sim.cli` / "
            "`countysim check`",
            f"{startup['importtime_sim_model']['top_level_total_ms']} ms / "
            f"{startup['importtime_sim_cli']['top_level_total_ms']} ms / "
            f"{startup['importtime_check']['top_level_total_ms']} ms",
            "(for information)",
            None,
        ),
        (
            "largest imports of `countysim check` (cumulative)",
            ", ".join(
                f"{k} {v} ms"
                for k, v in list(startup["importtime_check"]["largest_ms"].items())[:4]
            ),
            "(for information)",
            None,
        ),
        (
            f"**(f)** M/M/{MMC8_C} at ρ={MMC_LOAD}, {process['days']} days: customers",
            f"{process['customers']:,}",
            "",
            None,
        ),
        (
            "`countysim run -r 1 --no-figures`, whole process (best of 3)",
            f"{process['countysim_process_s']:.2f} s ({process['countysim_per_s']:,}/s)",
            "",
            None,
        ),
        (
            "of which the run itself (manifest wall_time_s) / simulate in-process",
            f"{process['countysim_run_wall_time_s']:.2f} s / "
            f"{process['simulate_in_process_s']:.2f} s",
            "(for information)",
            None,
        ),
        (
            "plain-SimPy script, `python script.py`, whole process (best of 3)",
            f"{process['plain_simpy_process_s']:.2f} s ({process['plain_simpy_per_s']:,}/s)",
            "",
            None,
        ),
        (
            "ratio countysim / plain SimPy, customers per second",
            f"{process['ratio']:.2f}",
            "≥ 0.8",
            targets["whole-process M/M/8 ratio >= 0.8"],
        ),
    ]
    for p in scale["points"]:
        rows.append(
            (
                f"{'**(g)** ' if p is scale['points'][0] else ''}same power × {p['factor']}, "
                f"{scale['days']} days: {p['matters']:,} matters, {p['visits']:,} visits",
                f"{p['simulate_s']:.2f} s (plan {p['enforcement_plan_s']:.2f} s, "
                f"run {p['enforcement_run_s']:.2f} s), {p['peak_bytes'] / 2**20:.0f} MiB",
                "",
                None,
            )
        )
    for key, label in STAGES.items():
        rows.append(
            (
                f"exponent of time on factor: {label}",
                f"{scale['exponents'][key]:.2f}",
                f"≤ {SCALING_TARGET}",
                targets[f"scaling exponent {key} <= {SCALING_TARGET}"],
            )
        )
    rows.append(
        (
            "exponent of peak memory on factor",
            f"{scale['exponents']['peak_bytes']:.2f}",
            "(for information)",
            None,
        )
    )
    rows.append(
        (
            f"**(h)** optimise staffing, same power: {optimise['staff']} staff over "
            f"{len(optimise['halls'])} halls, {optimise['target']}, -r "
            f"{optimise['replications']}, {optimise['workers']} workers "
            f"({optimise['allocations_simulated']} allocations simulated"
            + (
                f"; KN selection among {optimise['selection_candidates']} with "
                f"{optimise['selection_added_replications']} replications added"
                if optimise["selection_candidates"] is not None
                else ""
            )
            + f"; {'feasible' if optimise['feasible'] else 'target not met'})",
            f"{optimise['seconds']:.0f} s",
            "< 5 min",
            targets["staffing optimisation < 5 min"],
        )
    )
    elapsed = time.perf_counter() - started
    result["bench_wall_time_s"] = round(elapsed, 1)
    result["section_wall_time_s"] = sections
    (OUT / "core.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    table = ["| measure | value | target | result |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {yes_no(d)} |" for a, b, c, d in rows]
    met = sum(targets.values())
    table += [
        "",
        f"{met} of {len(targets)} targets met. Host {result['host']}, Python {result['python']}, "
        f"{result['cpus']} CPUs; load average (1 min) {load_before[0]:.2f} before and "
        f"{os.getloadavg()[0]:.2f} after; `make bench` took {elapsed / 60:.1f} min.",
    ]
    (OUT / "core.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))
    written = ", ".join(str(OUT / n) for n in ("core.json", "core.md", "core.png", "scaling.png"))
    print(f"\nwritten: {written}")
    for target, ok in targets.items():
        print(f"{'met' if ok else 'MISSED'}: {target}")


if __name__ == "__main__":
    main()
