"""Executors: where replications run (serial, local processes, a Dask cluster).

Every task is one replication of one scenario: ``(scenario, seed, k)``. Replication *k*
uses child *k* of the seed whatever runs it and in whatever order, and callers gather
results by *k*: every executor and worker count gives identical numbers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from sim.model import simulate
from sim.scenario import Scenario
from sim.stats import (
    matters_frame,
    replication_daily,
    replication_distributions,
    replication_metrics,
    replication_profiles,
    visits_frame,
)

__all__ = ["Executor", "Outcome", "Progress", "Runner", "Task", "replicate"]

Executor = Literal["serial", "processes", "dask"]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Task:
    """One replication to run; ``key`` says whose it is (scenario or sweep point)."""

    key: Any
    scenario: Scenario
    seed: int
    replication: int
    log: bool = False
    tickets: bool = False
    """Keep the ticket log (:func:`sim.eventlog.ticket_log`); ``log`` keeps it too."""


@dataclass
class Outcome:
    key: Any
    replication: int
    metrics: pd.DataFrame
    distributions: pd.DataFrame
    profiles: pd.DataFrame
    daily: pd.DataFrame
    matters: pd.DataFrame | None
    visits: pd.DataFrame | None
    tickets: pd.DataFrame | None = None


def replicate(task: Task) -> Outcome:
    """Run one task (a plain function, so processes and Dask workers can run it)."""
    records = simulate(task.scenario, task.replication, task.seed)
    metrics = replication_metrics(task.scenario, records)
    tables = [
        metrics,
        replication_distributions(task.scenario, records),
        replication_profiles(task.scenario, records),
        replication_daily(task.scenario, records),
    ]
    for table in tables:
        table.insert(0, "replication", task.replication)
    matters = visits = None
    if task.log:
        matters = matters_frame(task.scenario, records, task.replication)
        if records.visits is not None:
            visits = visits_frame(task.scenario, records, task.replication)
    tickets = None
    if task.log or task.tickets:
        from sim.eventlog import ticket_log

        tickets = ticket_log(task.scenario, records)
        tickets.insert(0, "replication", task.replication)
    return Outcome(task.key, task.replication, *tables, matters, visits, tickets)


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
        one = workers == 1 or len(tasks) <= 1  # a pool would only add its start-up
        if self.executor == "serial" or (self.executor == "processes" and one):
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
