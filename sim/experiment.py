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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError, closest, shown
from sim.metrics import METRICS
from sim.runner import Executor, Outcome, Progress, Runner, Task
from sim.scenario import Scenario
from sim.stats import (
    half_width,
    no_data,
    paired_differences,
    summarise,
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


# --- one replication, and running many --------------------------------------------------------


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
    daily: pd.DataFrame | None = None
    """Requests, visits and waits per working day and replication, dated where the horizon
    is a date range (see ``replication_daily``)."""
    matters: pd.DataFrame | None = None
    """Per-matter log of every replication (when run with ``log=True``)."""
    visits: pd.DataFrame | None = None
    """Enforcement visit log of every replication (``log=True`` and enforcement)."""
    tickets: pd.DataFrame | None = None
    """Ticket log of every replication (``tickets=True`` or ``log=True``): ``replication``
    and the columns of :func:`sim.eventlog.ticket_log`."""
    wall_s: float = 0.0
    info: dict = field(default_factory=dict)
    """Goes into manifest.json: executor, precision target and outcome, command."""
    _means: tuple[pd.DataFrame, dict] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def mean(self, name: str, scope: str = "all") -> float:
        """The mean of a metric over replications (NaN where the summary has no such row)."""
        s = self.summary
        if self._means is None or self._means[0] is not s:
            keys = zip(s["metric"], s["scope"], strict=True)
            self._means = (s, dict(zip(keys, s["mean"].astype(float), strict=True)))
        return self._means[1].get((name, scope), math.nan)

    def metric(self, name: str, scope: str = "all") -> pd.Series:
        """One row of the summary: mean, std, ci_low, ci_high, n."""
        s = self.summary
        return s[(s.metric == name) & (s.scope == scope)].iloc[0]


def _results(scenario: Scenario, seed: int, outcomes: list[Outcome], wall_s: float) -> Results:
    outcomes = sorted(outcomes, key=lambda o: o.replication)
    if seed != scenario.seed:  # the resolved scenario names the seed its runs used
        scenario = scenario.model_copy(update={"seed": seed})
    table = pd.concat([o.metrics for o in outcomes], ignore_index=True)
    logs = [o.matters for o in outcomes if o.matters is not None]
    visits = [o.visits for o in outcomes if o.visits is not None]
    tickets = [o.tickets for o in outcomes if o.tickets is not None]
    summary = summarise(table)
    return Results(
        scenario=scenario,
        seed=seed,
        replications=table,
        summary=summary,
        distributions=pd.concat([o.distributions for o in outcomes], ignore_index=True),
        profiles=pd.concat([o.profiles for o in outcomes], ignore_index=True),
        daily=pd.concat([o.daily for o in outcomes], ignore_index=True),
        matters=pd.concat(logs, ignore_index=True) if logs else None,
        visits=pd.concat(visits, ignore_index=True) if visits else None,
        tickets=_numbered(pd.concat(tickets, ignore_index=True)) if tickets else None,
        wall_s=wall_s,
        info={"no_data": no_data(summary)} if summary["mean"].isna().any() else {},
    )


def _numbered(tickets: pd.DataFrame) -> pd.DataFrame:
    """Tickets numbered 1, 2, … through the replications: unique in one file."""
    tickets["ticket"] = np.arange(1, len(tickets) + 1, dtype=np.int64)
    return tickets


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
            raise ValueError(
                f"--precision: unknown metric {metric!r}{closest(metric, list(METRICS))}"
            )
        return cls(metric, relative, max_n)

    def half_width(self, summary: pd.DataFrame) -> tuple[float, float]:
        row = summary[(summary.metric == self.metric) & (summary.scope == "all")]
        if row.empty:
            return math.nan, math.nan
        r = row.iloc[0]  # the whole interval: the summary's is truncated at 0 (and 1)
        return float(r["mean"]), float(half_width(r["std"], r["n"]))

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
    tickets: bool = False,
) -> Results:
    """Run ``replications`` replications of ``scenario`` (seed: the scenario's unless given).

    With ``precision``, more replications are added in batches of ``replications``
    until the target is met or its maximum is reached; the manifest records what happened.
    ``progress(n)`` is called after each finished replication. ``log`` keeps the
    per-matter, visit and ticket logs, ``tickets`` the ticket log alone.
    """
    if replications < 1:
        raise ValueError("replications must be ≥ 1")
    seed = scenario.seed if seed is None else seed
    runner = Runner(executor, workers, scheduler)
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    target = replications
    while True:
        tasks = [Task(0, scenario, seed, k, log, tickets) for k in range(len(outcomes), target)]
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


def compare(
    scenarios: Sequence[Scenario],
    replications: int = 5,
    seed: int | None = None,
    executor: Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    log: bool = False,
    progress: Progress | None = None,
    finished: Callable[[str], Results | None] | None = None,
    on_point: Callable[[str, Results], None] | None = None,
    tickets: bool = False,
) -> Comparison:
    """Run every scenario with the same seed (that of the first unless given) and pair
    replication k of each with replication k of the first. ``finished`` and ``on_point``
    cache each scenario's results by :func:`point_key`, as in :func:`sweep`."""
    if len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios")
    seed = scenarios[0].seed if seed is None else seed
    started = time.perf_counter()
    keys = [point_key(s, seed, replications) for s in scenarios]
    cached = finished and not (log or tickets)
    earlier = {i: finished(key) for i, key in enumerate(keys)} if cached else {}
    done = {i: r for i, r in earlier.items() if r is not None}
    tasks = [
        Task(i, scenario, seed, k, log, tickets)
        for k in range(replications)
        for i, scenario in enumerate(scenarios)
        if i not in done
    ]
    by_scenario: dict[int, list[Outcome]] = {i: [] for i in range(len(scenarios))}
    for outcome in Runner(executor, workers, scheduler).map(tasks, progress):
        by_scenario[outcome.key].append(outcome)
    wall = time.perf_counter() - started
    results = []
    for i, s in enumerate(scenarios):
        if i in done:
            results.append(done[i])
            continue
        results.append(_results(s, seed, by_scenario[i], wall))
        results[-1].info["executor"] = executor
        if on_point:
            on_point(keys[i], results[-1])
    return Comparison(results, comparison_table(results), wall, {"reused": sorted(done)})


def run_cached(
    scenario: Scenario,
    replications: int,
    seed: int,
    finished: Callable[[str], Results | None] | None = None,
    on_point: Callable[[str, Results], None] | None = None,
    **where: Any,
) -> Results:
    """:func:`run`, unless ``finished`` has the results of this scenario, seed and number of
    replications already (:func:`point_key`); fresh results are given to ``on_point``."""
    key = point_key(scenario, seed, replications)
    results = finished(key) if finished else None
    if results is None:
        results = run(scenario, replications, seed=seed, **where)
        if on_point:
            on_point(key, results)
    return results


def comparison_table(results: list[Results], names: list[str] | None = None) -> pd.DataFrame:
    """Each result's summary beside the first's, with the paired differences; ``names``
    (default the scenarios' names, made unique) label them."""
    names = names or _unique([r.scenario.name for r in results])
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
    finished: Callable[[str], Results | None] | None = None,
    on_point: Callable[[str, Results], None] | None = None,
    progress: Progress | None = None,
) -> Sweep:
    """Run every combination of ``grid`` values (path -> values, as ``--set``).

    Each point has a key (:func:`point_key`). ``finished(key)`` may return a point's results
    from an earlier, interrupted sweep (they are not run again); ``on_point(key, results)``
    is called as soon as a point's replications are done (``sim.store.sweep_checkpoints``
    gives both for a folder). Writes nothing itself.
    """
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
    # a grid over the seed runs each point with its own seed; otherwise all share ``seed``
    seeds = [v.seed if "seed" in paths else seed for v in variants]
    keys = [point_key(v, s, replications) for v, s in zip(variants, seeds, strict=True)]
    results: dict[int, Results] = {}
    for i, key in enumerate(keys):
        earlier = finished(key) if finished else None
        if earlier is not None:
            results[i] = earlier
    reused = sorted(results)
    todo = [i for i in range(len(points)) if i not in results]
    tasks = [Task(i, variants[i], seeds[i], k) for i in todo for k in range(replications)]
    pending: dict[int, list[Outcome]] = {i: [] for i in todo}
    started = time.perf_counter()
    for outcome in Runner(executor, workers, scheduler).map(tasks, progress):
        pending[outcome.key].append(outcome)
        if len(pending[outcome.key]) == replications:  # a point is complete
            i = outcome.key
            elapsed = time.perf_counter() - started
            results[i] = _results(variants[i], seeds[i], pending.pop(i), elapsed)
            results[i].info.update({"sweep_point": _jsonable(points[i]), "executor": executor})
            if on_point:
                on_point(keys[i], results[i])
    ordered = [results[i] for i in range(len(points))]
    return Sweep(dict(grid), points, ordered, sweep_table(paths, points, ordered), reused)


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
