"""Experiments: replications, paired comparisons and sweeps, on any executor.

Every task is one replication of one scenario: ``(scenario, seed, k)``. Replication
*k* uses child *k* of the seed whatever runs it and in whatever order, and results
are gathered by *k*: serial, local processes and a Dask cluster give identical
numbers. Scenarios compared, and the points of a sweep, share the seed, so they see
the same citizens (common random numbers).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.metrics import METRICS
from sim.model import simulate
from sim.scenario import Scenario, shown
from sim.stats import (
    matters_frame,
    no_data,
    paired_differences,
    replication_distributions,
    replication_metrics,
    replication_profiles,
    summarise,
    visits_frame,
)

__all__ = [
    "Comparison",
    "Precision",
    "Results",
    "Sweep",
    "compare",
    "run",
    "sweep",
]

Executor = Literal["serial", "processes", "dask"]
Progress = Callable[[int], None]


# --- one replication, and running many --------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One replication to run; ``key`` says whose it is (scenario or sweep point)."""

    key: Any
    scenario: Scenario
    seed: int
    replication: int
    log: bool = False


@dataclass
class Outcome:
    key: Any
    replication: int
    metrics: pd.DataFrame
    distributions: pd.DataFrame
    profiles: pd.DataFrame
    matters: pd.DataFrame | None
    visits: pd.DataFrame | None


def replicate(task: Task) -> Outcome:
    """Run one task (a plain function, so processes and Dask workers can run it)."""
    records = simulate(task.scenario, task.replication, task.seed)
    metrics = replication_metrics(task.scenario, records)
    tables = [
        metrics,
        replication_distributions(task.scenario, records),
        replication_profiles(task.scenario, records),
    ]
    for table in tables:
        table.insert(0, "replication", task.replication)
    matters = visits = None
    if task.log:
        matters = matters_frame(task.scenario, records, task.replication)
        if records.visits is not None:
            visits = visits_frame(task.scenario, records, task.replication)
    return Outcome(task.key, task.replication, *tables, matters, visits)


@dataclass(frozen=True)
class Runner:
    """Where replications run: ``serial``, local ``processes`` or ``dask``.

    ``workers`` defaults to all cores; for Dask, ``scheduler`` is the address of an
    existing cluster (``tcp://host:8786``), or a local cluster is started.
    """

    executor: Executor = "processes"
    workers: int | None = None
    scheduler: str | None = None

    def map(self, tasks: Sequence[Task], progress: Progress | None = None) -> Iterator[Outcome]:
        """Outcomes of ``tasks`` as they finish (in any order)."""
        tasks = list(tasks)
        workers = self.workers or os.cpu_count() or 1
        if self.executor == "serial" or (self.executor == "processes" and workers == 1):
            yield from _count(map(replicate, tasks), progress)
        elif self.executor == "processes":
            with ProcessPoolExecutor(max_workers=min(workers, len(tasks) or 1)) as pool:
                futures = [pool.submit(replicate, t) for t in tasks]
                yield from _count((f.result() for f in as_completed(futures)), progress)
        elif self.executor == "dask":
            yield from _count(self._dask(tasks, workers), progress)
        else:
            raise ValueError(f"unknown executor {self.executor!r}: serial, processes or dask")

    def _dask(self, tasks: list[Task], workers: int) -> Iterator[Outcome]:
        try:
            from dask.distributed import Client, LocalCluster
            from dask.distributed import as_completed as dask_completed
        except ImportError:  # pragma: no cover - dask is in the dev install
            raise ValueError("the dask executor needs: pip install 'countysim[dask]'") from None
        if self.scheduler:
            client, cluster = Client(self.scheduler), None
        else:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: clusters never collide
            )
            client = Client(cluster)
        try:
            futures = client.map(replicate, tasks, pure=False)
            for future in dask_completed(futures):
                yield future.result()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _count(outcomes: Iterable[Outcome], progress: Progress | None) -> Iterator[Outcome]:
    for n, outcome in enumerate(outcomes, 1):
        if progress:
            progress(n)
        yield outcome


# --- results of one scenario ------------------------------------------------------------------


@dataclass
class Results:
    """What :func:`run` returns: tables as pandas DataFrames, and how they were made."""

    scenario: Scenario
    seed: int
    replications: pd.DataFrame
    """One row per replication and scope, one column per metric."""
    summary: pd.DataFrame
    """``metric, scope, mean, std, ci_low, ci_high, n``."""
    distributions: pd.DataFrame | None = None
    """Percentiles per replication: ``replication, quantity, scope, q, value``."""
    profiles: pd.DataFrame | None = None
    """Hall working-day profiles per replication (see ``replication_profiles``)."""
    matters: pd.DataFrame | None = None
    """Per-matter log of every replication (when run with ``log=True``)."""
    visits: pd.DataFrame | None = None
    """Enforcement visit log of every replication (``log=True`` and enforcement)."""
    wall_s: float = 0.0
    info: dict = field(default_factory=dict)
    """Goes into manifest.json: executor, precision target and outcome, command."""

    def save(self, out: str | Path | None = None, root: str | Path = "results") -> Path:
        """Write the run's folder (see :func:`sim.store.write_run`); return its path."""
        from sim.store import write_run

        return write_run(self, out=out, root=root)

    def metric(self, name: str, scope: str = "all") -> pd.Series:
        """One row of the summary: mean, std, ci_low, ci_high, n."""
        s = self.summary
        return s[(s.metric == name) & (s.scope == scope)].iloc[0]


def _results(scenario: Scenario, seed: int, outcomes: list[Outcome], wall_s: float) -> Results:
    outcomes = sorted(outcomes, key=lambda o: o.replication)
    table = pd.concat([o.metrics for o in outcomes], ignore_index=True)
    logs = [o.matters for o in outcomes if o.matters is not None]
    visits = [o.visits for o in outcomes if o.visits is not None]
    summary = summarise(table)
    return Results(
        scenario=scenario,
        seed=seed,
        replications=table,
        summary=summary,
        distributions=pd.concat([o.distributions for o in outcomes], ignore_index=True),
        profiles=pd.concat([o.profiles for o in outcomes], ignore_index=True),
        matters=pd.concat(logs, ignore_index=True) if logs else None,
        visits=pd.concat(visits, ignore_index=True) if visits else None,
        wall_s=wall_s,
        info={"no_data": no_data(summary)} if summary["mean"].isna().any() else {},
    )


@dataclass(frozen=True)
class Precision:
    """Add replications until ``metric`` (scope ``all``) has a 95 % CI half-width within
    ``relative`` of its mean, or ``max_replications`` are done."""

    metric: str
    relative: float
    max_replications: int = 100

    @classmethod
    def parse(cls, text: str) -> Precision:
        """``"wait_min_mean=0.05"`` or ``"wait_min_mean=0.05,max=40"``."""
        try:
            metric, rest = text.split("=", 1)
            parts = rest.split(",")
            relative = float(parts[0])
            options = dict(p.split("=", 1) for p in parts[1:])
            max_n = int(options.pop("max", 100))
            if options or relative <= 0 or max_n < 2:
                raise ValueError
        except ValueError:
            raise ValueError(
                "--precision: expected METRIC=REL[,max=N] with REL > 0 and N ≥ 2, "
                f"got {shown(text)}"
            ) from None
        metric = metric.strip()
        if metric not in METRICS:
            from sim.scenario import closest

            raise ValueError(
                f"--precision: unknown metric {metric!r}{closest(metric, list(METRICS))}"
            )
        return cls(metric, relative, max_n)

    def half_width(self, summary: pd.DataFrame) -> tuple[float, float]:
        row = summary[(summary.metric == self.metric) & (summary.scope == "all")]
        if row.empty:
            return math.nan, math.nan
        r = row.iloc[0]
        return float(r["mean"]), float((r.ci_high - r.ci_low) / 2)

    def met(self, summary: pd.DataFrame) -> bool:
        mean, half = self.half_width(summary)
        return not math.isnan(half) and half <= self.relative * abs(mean)


def run(
    scenario: Scenario,
    replications: int = 5,
    seed: int | None = None,
    executor: Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    log: bool = False,
    precision: Precision | None = None,
    progress: Progress | None = None,
) -> Results:
    """Run ``replications`` replications of ``scenario`` (seed: the scenario's unless given).

    With ``precision``, more replications are added in batches of ``replications``
    until the target is met or its maximum is reached; the manifest records what happened.
    ``progress(n)`` is called after each finished replication.
    """
    if replications < 1:
        raise ValueError("replications must be ≥ 1")
    seed = scenario.seed if seed is None else seed
    runner = Runner(executor, workers, scheduler)
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    target = replications
    while True:
        tasks = [Task(0, scenario, seed, k, log) for k in range(len(outcomes), target)]
        done = len(outcomes)
        tick = (lambda n, done=done: progress(done + n)) if progress else None
        outcomes += runner.map(tasks, tick)
        results = _results(scenario, seed, outcomes, time.perf_counter() - started)
        if precision is None or precision.met(results.summary):
            break
        if target >= precision.max_replications:
            break
        target = min(target + replications, precision.max_replications)
    results.info["executor"] = executor
    if precision is not None:
        mean, half = precision.half_width(results.summary)
        results.info["precision"] = {
            "metric": precision.metric,
            "relative_half_width_target": precision.relative,
            "max_replications": precision.max_replications,
            "replications": len(outcomes),
            "mean": mean,
            "half_width": half,
            "met": precision.met(results.summary),
        }
    return results


# --- paired comparison ------------------------------------------------------------------------


@dataclass
class Comparison:
    """Scenarios run with the same seeds, and their differences to the first."""

    results: list[Results]
    table: pd.DataFrame
    """``metric, scope, scenario, mean, ci_low, ci_high, diff, diff_ci_low, diff_ci_high,
    n, significant`` (diff columns empty for the first scenario)."""
    wall_s: float = 0.0
    info: dict = field(default_factory=dict)

    def save(self, out: str | Path | None = None, root: str | Path = "results") -> Path:
        """Write ``compare.csv`` and each scenario's run folder (see
        :func:`sim.store.write_comparison`); return the folder."""
        from sim.store import write_comparison

        return write_comparison(self, out=out, root=root)


def compare(
    scenarios: Sequence[Scenario],
    replications: int = 5,
    seed: int | None = None,
    executor: Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    log: bool = False,
    progress: Progress | None = None,
) -> Comparison:
    """Run every scenario with the same seed (that of the first unless given) and pair
    replication k of each with replication k of the first."""
    if len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios")
    seed = scenarios[0].seed if seed is None else seed
    started = time.perf_counter()
    tasks = [
        Task(i, scenario, seed, k, log)
        for k in range(replications)
        for i, scenario in enumerate(scenarios)
    ]
    by_scenario: dict[int, list[Outcome]] = {i: [] for i in range(len(scenarios))}
    for outcome in Runner(executor, workers, scheduler).map(tasks, progress):
        by_scenario[outcome.key].append(outcome)
    wall = time.perf_counter() - started
    results = [_results(s, seed, by_scenario[i], wall) for i, s in enumerate(scenarios)]
    for r in results:
        r.info["executor"] = executor
    return Comparison(results, comparison_table(results), wall)


def comparison_table(results: list[Results]) -> pd.DataFrame:
    names = _unique([r.scenario.name for r in results])
    frames = []
    for name, r in zip(names, results, strict=True):
        part = r.summary[["metric", "scope", "mean", "ci_low", "ci_high", "n"]].copy()
        part.insert(2, "scenario", name)
        if r is not results[0]:
            diff = paired_differences(results[0].replications, r.replications)
            part = part.merge(diff.drop(columns="n"), on=["metric", "scope"], how="left")
        frames.append(part)
    table = pd.concat(frames, ignore_index=True)
    table["significant"] = (table["diff_ci_low"] > 0) | (table["diff_ci_high"] < 0)
    # metric order as in METRICS, scopes as in the first summary, scenarios as given
    scopes = {s: i for i, s in enumerate(dict.fromkeys(results[0].summary["scope"]))}
    table["_m"] = table["metric"].map({m: i for i, m in enumerate(METRICS)})
    table["_s"] = table["scope"].map(scopes).fillna(len(scopes))
    table["_n"] = table["scenario"].map({n: i for i, n in enumerate(names)})
    table = table.sort_values(["_m", "_s", "_n"], kind="stable")
    columns = [
        "metric",
        "scope",
        "scenario",
        "mean",
        "ci_low",
        "ci_high",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
        "n",
        "significant",
    ]
    return table[columns].reset_index(drop=True)


def _unique(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        candidate, n = name, 2
        while candidate in out:
            candidate, n = f"{name} ({n})", n + 1
        out.append(candidate)
    return out


# --- sweeps -----------------------------------------------------------------------------------


def parse_grid(text: str) -> tuple[str, list[Any]]:
    """``"halls[0].windows[0].count=6,8,10"`` -> path and values (each read as YAML)."""
    import yaml

    from sim.loader import _Loader, _parse_path

    if "=" not in text:
        raise ValueError(f"--grid: expected PATH=V1,V2,..., got {shown(text)}")
    path, raw = (part.strip() for part in text.split("=", 1))
    try:
        _parse_path(path)
        values = yaml.load(f"[{raw}]", Loader=_Loader)
    except (ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"--grid {shown(text)}: {exc}") from None
    if not values:
        raise ValueError(f"--grid {path}: no values given")
    return path, values


def point_key(scenario: Scenario, seed: int, replications: int) -> str:
    """Identity of a sweep point's results: the resolved scenario, seed and replications."""
    text = json.dumps([scenario.to_data(), seed, replications], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Sweep:
    """A grid of variants of one scenario and their results."""

    grid: dict[str, list[Any]]
    points: list[dict[str, Any]]
    results: list[Results]
    table: pd.DataFrame
    """``point, <grid paths...>, metric, scope, mean, std, ci_low, ci_high, n``."""
    reused: list[int]
    """Points whose results were read back from an earlier, interrupted run."""


def sweep(
    scenario: Scenario,
    grid: dict[str, Sequence[Any]],
    replications: int = 5,
    seed: int | None = None,
    executor: Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> Sweep:
    """Run every combination of ``grid`` values (path -> values, as ``--set``).

    With ``out``, each finished point is saved under ``out/points/<key>/`` as soon as its
    replications are done, and a later call reads finished points back instead of
    running them again (unless ``force``); ``sweep.csv`` is written at the end.
    """
    from sim.loader import ScenarioError
    from sim.store import load_results, write_run, write_table

    seed = scenario.seed if seed is None else seed
    paths = list(grid)
    points = [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*grid.values())]
    variants = []
    for point in points:
        try:
            variants.append(scenario.with_changes(point))
        except ScenarioError as exc:
            where = ", ".join(f"{k}={v!r}" for k, v in point.items())
            raise ScenarioError([f"--grid point {where}: {line}" for line in exc.lines]) from None
    keys = [point_key(v, seed, replications) for v in variants]
    folder = Path(out) / "points" if out is not None else None
    results: dict[int, Results] = {}
    if folder is not None and not force:
        for i, key in enumerate(keys):
            if (folder / key / "summary.csv").exists():
                results[i] = load_results(folder / key)
    reused = sorted(results)
    todo = [i for i in range(len(points)) if i not in results]
    tasks = [Task(i, variants[i], seed, k) for i in todo for k in range(replications)]
    pending: dict[int, list[Outcome]] = {i: [] for i in todo}
    started = time.perf_counter()
    for outcome in Runner(executor, workers, scheduler).map(tasks, progress):
        pending[outcome.key].append(outcome)
        if len(pending[outcome.key]) == replications:  # a point is complete: save it now
            i = outcome.key
            results[i] = _results(variants[i], seed, pending.pop(i), time.perf_counter() - started)
            results[i].info.update({"sweep_point": _jsonable(points[i]), "executor": executor})
            if folder is not None:
                write_run(results[i], out=folder / keys[i])
    ordered = [results[i] for i in range(len(points))]
    table = sweep_table(paths, points, ordered)
    if out is not None:
        write_table(table, Path(out) / "sweep.csv")
    return Sweep(dict(grid), points, ordered, table, reused)


def _jsonable(point: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(point, default=str))


def sweep_table(paths: list[str], points: list[dict], results: list[Results]) -> pd.DataFrame:
    frames = []
    for i, (point, r) in enumerate(zip(points, results, strict=True)):
        part = r.summary.copy()
        for j, path in enumerate(paths):
            value = point[path]
            part.insert(j, path, value if np.isscalar(value) else json.dumps(value))
        part.insert(0, "point", i)
        frames.append(part)
    return pd.concat(frames, ignore_index=True)
