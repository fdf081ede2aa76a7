"""Experiments: replications of a scenario, gathered into a :class:`Results`.

Replication *k* always uses the streams of child *k* of the seed, so results do
not depend on the order in which replications run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.model import simulate
from sim.scenario import Scenario
from sim.stats import matters_frame, replication_metrics, summarise, visits_frame

__all__ = ["Results", "run"]


@dataclass
class Results:
    """What :func:`run` returns: tables as pandas DataFrames, and how they were made."""

    scenario: Scenario
    seed: int
    replications: pd.DataFrame
    """One row per replication and scope, one column per metric."""
    summary: pd.DataFrame
    """``metric, scope, mean, std, ci_low, ci_high, n``."""
    matters: pd.DataFrame | None = None
    """Per-matter log of every replication (when run with ``log=True``)."""
    visits: pd.DataFrame | None = None
    """Enforcement visit log of every replication (``log=True`` and enforcement)."""
    wall_s: float = 0.0
    info: dict = field(default_factory=dict)

    def save(self, out: str | Path | None = None, root: str | Path = "results") -> Path:
        """Write the run's folder (see :func:`sim.store.write_run`); return its path."""
        from sim.store import write_run

        return write_run(self, out=out, root=root)


def run(
    scenario: Scenario,
    replications: int = 5,
    seed: int | None = None,
    log: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Results:
    """Run ``replications`` replications of ``scenario`` (seed: the scenario's unless given).

    ``progress(k)`` is called after each finished replication.
    """
    if replications < 1:
        raise ValueError("replications must be ≥ 1")
    seed = scenario.seed if seed is None else seed
    started = time.perf_counter()
    rows, logs, visit_logs = [], [], []
    for k in range(replications):
        records = simulate(scenario, k, seed)
        frame = replication_metrics(scenario, records)
        frame.insert(0, "replication", k)
        rows.append(frame)
        if log:
            logs.append(matters_frame(scenario, records, k))
            visit_logs.append(visits_frame(scenario, records, k))
        if progress:
            progress(k)
    table = pd.concat(rows, ignore_index=True)
    return Results(
        scenario=scenario,
        seed=seed,
        replications=table,
        summary=summarise(table),
        matters=pd.concat(logs, ignore_index=True) if log else None,
        visits=pd.concat(visit_logs, ignore_index=True)
        if log and scenario.enforcement is not None
        else None,
        wall_s=time.perf_counter() - started,
    )
