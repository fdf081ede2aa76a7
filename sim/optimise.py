"""Staffing: split a fixed number of window staff over halls and window groups.

:func:`optimise_staffing` keeps every window group's skills, speed and pre-check and changes
only the counts of the chosen halls' groups (every other hall stays as it is). Each group
keeps at least ``min_per_group`` windows (default 1: a group that exists keeps a window, so
no department loses the desk that serves it; 0 lets the optimiser close a group).

1. **Analytic start.** The offered load of each hall's window pools
   (:func:`sim.capacity.offered_load`, the average open hour) is split over the groups (the
   load of the departments only a pool serves, beyond what smaller pools already carry, in
   proportion to the groups' windows × speed); each group is an M/M/c queue. Square-root
   staffing ``c = a + β√a`` with one ``β`` for every group fills the budget, rounded by
   largest remainder; then single moves lower the worst predicted hall figure (Erlang C:
   mean wait ``C/(cμ−λ)``, quantile wait ``ln(C/(1−q))/(cμ−λ)``) while they help.
2. **Simulation** with common random numbers (every candidate uses the same seed and
   replications, :func:`sim.experiment.run`): the target is judged at every chosen hall with
   the whole 95 % interval (:func:`sim.targets.judge`). Moves of one staff member from the
   group with the most slack (the hall furthest under the target, the group the analytic
   model misses least) to the worst hall (or, once every hall meets the target, to where the
   analytic mean wait falls most) are accepted only when the paired difference is
   significant: of the chosen halls' summed excess over the target (per replication,
   ``Σ max(0, figure − target)``) while the target is missed, of the
   objective (``wait_min_mean`` over the county by default) once it is met, and never
   trading a met target for a missed one. While the target is missed and no single move
   helps, pairs of moves into two different halls are tried (fixing one of two halls that
   each miss a little changes nothing). It stops when no tried move helps (``tries`` per
   step), or after ``max_evaluations`` evaluated allocations.
3. **Selection** among the best few (``select``, default 4) allocations that met the target,
   by the objective's mean (the last accepted one always among them): Kim and Nelson's
   fully sequential procedure KN (S.-H. Kim and B. L. Nelson, "A fully sequential
   procedure for indifference-zone selection in simulation", ACM TOMACS 11(3), 2001,
   251–273; :func:`kn_select`) with common random numbers (replication ``r`` of every
   candidate uses the same random numbers), indifference zone ``delta`` (objective units)
   and confidence 95 %: the search's replications are the first stage; replications are
   added in batches to the candidates still in contention, and a candidate is eliminated
   once its mean exceeds another's by more than the paired-variance allowance, until one is
   left or ``select_max_replications`` are reached (then the smallest mean is chosen and the
   statement says the rest could not be separated). The chosen allocation is then best
   with 95 % confidence unless another candidate is within ``delta`` of it
   (``StaffingResult.selection``). The target is judged on the search's replications.

Infeasible: when even the best allocation found misses the target, ``feasible`` is False
and ``budget_needed`` estimates the smallest budget that would meet it (analytic, average
open hour: the simulation's busy hours usually need more; never below ``staff + 1``). The
target is never relaxed.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.capacity import offered_load
from sim.errors import BadInput, closest
from sim.runner import Executor
from sim.scenario import Scenario
from sim.stats import half_width
from sim.targets import Target, judge

__all__ = [
    "DEFAULT_TARGET",
    "Group",
    "Selection",
    "StaffingResult",
    "analytic_allocation",
    "kn_select",
    "optimise_crews",
    "optimise_staffing",
    "team_groups",
]

if TYPE_CHECKING:
    from sim.experiment import Results

DEFAULT_TARGET = Target("wait_min_p90", 20)


@dataclass(frozen=True)
class Group:
    """A window group the optimiser staffs, with its analytic load."""

    hall: str
    index: int
    """Position in the hall's ``windows``."""
    skills: str
    arrivals_per_hour: float
    """Requests per open hour the group is expected to serve (λ)."""
    service_h: float
    """Mean service time at this group's speed, in hours (1/μ)."""
    kind: str = "windows"
    """``windows`` (a hall's window group) or ``team`` (an enforcement team's crews; ``hall``
    is then the team's name)."""

    @property
    def offered(self) -> float:
        """Offered load a = λ/μ, in windows."""
        return self.arrivals_per_hour * self.service_h

    @property
    def label(self) -> str:
        return self.hall if self.kind == "team" else f"{self.hall}[{self.index}]"


@dataclass
class Selection:
    """The final ranking and selection (:func:`kn_select`) among the best few candidates."""

    table: pd.DataFrame
    """One row per candidate: ``candidate`` (label), ``mean, ci_low, ci_high`` (its 95 %
    interval over its replications), ``diff, diff_ci_low, diff_ci_high`` (paired difference
    from the chosen one over their common replications, Bonferroni-adjusted interval at
    95 % overall), ``replications``, ``eliminated_at`` (replications seen when eliminated;
    NaN if never) and ``selected``."""
    best: int
    """Row of the chosen candidate."""
    delta: float
    alpha: float
    first_stage: int
    max_replications: int
    separated: bool
    """True when the procedure ended with one candidate left (the KN guarantee holds);
    False when it stopped at ``max_replications`` with several still in contention."""
    statement: str

    @property
    def replications_used(self) -> pd.Series:
        return self.table["replications"]

    @property
    def added_replications(self) -> int:
        """Replications simulated beyond the first stage, over all candidates."""
        return int((self.table["replications"] - self.first_stage).clip(lower=0).sum())


def kn_select(
    first: np.ndarray,
    more: Any,
    delta: float,
    alpha: float = 0.05,
    max_replications: int = 30,
    batch: int = 5,
    labels: Sequence[str] | None = None,
    unit: str = "",
) -> Selection:
    """Select the candidate with the smallest mean by Kim and Nelson's (2001) fully
    sequential procedure KN with common random numbers.

    ``first`` is a (k, n0) array: replication ``j`` of every candidate uses the same random
    numbers (n0 ≥ 2). ``more(rows, start, stop)`` returns the replications ``start..stop−1``
    of the candidates ``rows`` as a (len(rows), stop − start) array. With
    ``η = ½[(2α/(k−1))^(−2/(n0−1)) − 1]``, ``h² = 2η(n0−1)`` and ``S²_il`` the first-stage
    variance of the paired differences ``X_i − X_l``, candidate ``i`` is eliminated at stage
    ``r`` when ``X̄_i(r) > X̄_l(r) + W_il(r)`` for some surviving ``l``, with
    ``W_il(r) = max(0, δ/(2r) (h² S²_il/δ² − r))``. Observations are gathered ``batch`` at a
    time (the screening still runs after each one). The procedure chooses the best with
    probability ≥ 1 − α whenever it is better than every other by at least ``delta``
    (normal observations); stopped at ``max_replications`` it returns the smallest mean and
    says the rest were not separated.
    """
    data = np.asarray(first, float)
    k, n0 = data.shape
    if n0 < 2:
        raise ValueError("KN needs a first stage of at least 2 replications")
    if delta <= 0:
        raise ValueError("delta must be > 0")
    labels = [str(i) for i in range(k)] if labels is None else list(labels)
    cap = max(max_replications, n0)
    eliminated = np.full(k, np.nan)
    counts = np.full(k, n0)
    alive = list(range(k))
    separated = k == 1
    if k > 1:
        eta = 0.5 * ((2 * alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1)
        h2 = 2 * eta * (n0 - 1)
        diffs = data[:, None, :] - data[None, :, :]
        s2 = diffs.var(axis=2, ddof=1)
        columns = [data[:, j] for j in range(n0)]  # observations by replication
        r = n0
        while True:
            # screening at stage r
            means = np.mean(np.array(columns[:r]).T[alive], axis=1)
            mean = dict(zip(alive, means, strict=True))
            keep = []
            for i in alive:
                out = False
                for el in alive:
                    if el == i:
                        continue
                    w = max(0.0, delta / (2 * r) * (h2 * s2[i, el] / delta**2 - r))
                    if mean[i] > mean[el] + w:
                        out = True
                        break
                if out:
                    eliminated[i] = r
                else:
                    keep.append(i)
            alive = keep
            if len(alive) == 1:
                separated = True
                break
            if np.all(s2[np.ix_(alive, alive)] == 0) and len({mean[i] for i in alive}) == 1:
                break  # identical in every replication: nothing more to learn
            if r >= cap:
                break
            if r == len(columns):  # gather the next batch for the survivors
                stop = min(r + batch, cap)
                new = np.asarray(more(list(alive), r, stop), float)
                for j in range(stop - r):
                    column = np.full(k, np.nan)
                    column[alive] = new[:, j]
                    columns.append(column)
                counts[alive] = stop
            r += 1
        full = np.array(columns).T  # (k, replications), NaN where not simulated
    else:
        full = data
    means = np.array([np.nanmean(full[i, : counts[i]]) for i in range(k)])
    best = min(alive, key=lambda i: (means[i], i))
    rows = []
    level = alpha / max(k - 1, 1)  # Bonferroni over the k − 1 comparisons with the best
    from scipy import stats

    for i in range(k):
        x = full[i, : counts[i]]
        half = float(half_width(x.std(ddof=1), len(x))) if len(x) > 1 else math.nan
        n = int(min(counts[i], counts[best]))
        d = full[i, :n] - full[best, :n]
        if i == best or n < 2:
            dmean, dlow, dhigh = 0.0 if i == best else float(d.mean()), math.nan, math.nan
        else:
            sd = d.std(ddof=1)
            dh = float(stats.t.ppf(1 - level / 2, n - 1) * sd / math.sqrt(n))
            dmean = float(d.mean())
            dlow, dhigh = dmean - dh, dmean + dh
        rows.append(
            {
                "candidate": labels[i],
                "mean": float(means[i]),
                "ci_low": float(means[i] - half),
                "ci_high": float(means[i] + half),
                "diff": dmean,
                "diff_ci_low": dlow,
                "diff_ci_high": dhigh,
                "replications": int(counts[i]),
                "eliminated_at": eliminated[i],
                "selected": i == best,
            }
        )
    table = pd.DataFrame(rows)
    confidence = f"{1 - alpha:.0%}".replace("%", " %")
    zone = f"δ = {delta:g}{' ' + unit if unit else ''}"
    if k == 1:
        statement = f"{labels[best]}: the only candidate (nothing to select)."
    elif separated:
        statement = (
            f"{labels[best]} is the best of {k} candidates with {confidence} confidence, or "
            f"within {zone} of the best (Kim–Nelson KN with common random numbers, "
            f"{int(counts.max())} replications at most)."
        )
    else:
        tied = ", ".join(labels[i] for i in alive if i != best)
        statement = (
            f"{labels[best]} has the smallest mean of {k} candidates, but after {cap} "
            f"replications KN could not separate it from {tied}: they are within about "
            f"{zone} of one another (no {confidence} statement beyond that)."
        )
    return Selection(table, best, delta, alpha, n0, cap, separated, statement)


@dataclass
class StaffingResult:
    """What :func:`optimise_staffing` returns."""

    scenario: Scenario
    """The input scenario."""
    groups: list[Group]
    start: dict[str, int]
    """The analytic allocation (group label -> windows)."""
    allocation: dict[str, int]
    """The chosen allocation."""
    best: Scenario
    table: pd.DataFrame
    """One row per evaluated allocation, in the order evaluated: ``step, allocation`` (text),
    one column per group, ``objective, objective_ci_low, objective_ci_high, worst_hall,
    worst_mean, worst_ci_low, worst_ci_high, met, accepted``."""
    target: Target
    objective: str
    feasible: bool
    budget_needed: int | None
    """Estimated smallest budget meeting the target (only when not feasible)."""
    staff: int
    replications: int
    seed: int
    info: dict[str, Any] = field(default_factory=dict)
    selection: Selection | None = None
    """The final ranking and selection among the best feasible candidates (None when the
    target is not met by any allocation simulated, or selection is off)."""
    before_after: pd.DataFrame | None = None
    """The input scenario and the chosen one, paired (:func:`sim.experiment.comparison_table`
    format, every metric and scope)."""

    @property
    def evaluations(self) -> int:
        return len(self.table)

    def summary(self) -> str:
        """One sentence: the chosen allocation and whether it meets the target."""
        where = ", ".join(f"{k} = {v}" for k, v in self.allocation.items())
        what, unit = (
            ("crews", "team") if self.info.get("kind") == "crews" else ("window staff", "hall")
        )
        goal = f"{self.target} at every chosen {unit}" if self.target else str(self.objective)
        picked = f" {self.selection.statement}" if self.selection is not None else ""
        if self.feasible:
            return (
                f"{goal} with {self.staff} {what}: best found {where} "
                f"({self.evaluations} allocations simulated).{picked}"
            )
        needed = (
            f"; about {self.budget_needed} {what} would be needed (analytic estimate)"
            if self.budget_needed
            else ""
        )
        return (
            f"{goal}: no allocation of {self.staff} {what} found meets it (closest: "
            f"{where}){needed}."
        )

    def save(self, out: str | Path, source: str | Path, force: bool = False) -> Path:
        """Write ``best.yaml`` (extends ``source``) and ``candidates.csv`` into ``out``."""
        from sim.store import save_staffing

        return save_staffing(self, out, source, force=force)


# --- the analytic model -----------------------------------------------------------------------


def staffed_groups(
    scenario: Scenario, halls: Sequence[str] | None = None, groups: Sequence[str] | None = None
) -> list[Group]:
    """The chosen halls' window groups (only those labelled in ``groups``, when given) with
    their share of the offered load."""
    out = _window_groups(scenario, halls)
    if groups is None:
        return out
    labels = [g.label for g in out]
    for label in groups:
        if label not in labels:
            raise BadInput(f"--groups: unknown window group {label!r}{closest(label, labels)}")
    return [g for g in out if g.label in groups]


def _window_groups(scenario: Scenario, halls: Sequence[str] | None) -> list[Group]:
    names = [h.name for h in scenario.halls]
    chosen = list(names if halls is None else halls)
    for name in chosen:
        if name not in names:
            raise BadInput(f"--halls: unknown hall {name!r}{closest(name, names)}")
    pools = offered_load(scenario)
    out: list[Group] = []
    for hall in scenario.halls:
        if hall.name not in chosen:
            continue
        mine = [p for p in pools if p.hall == hall.name]
        lam = np.zeros(len(hall.windows))
        rate = np.zeros(len(hall.windows))  # visits per hour per window at speed 1
        whole = next((p for p in mine if p.whole_hall), None)
        carried: dict[frozenset, float] = {}
        for pool in sorted(mine, key=lambda p: (len(p.groups), p.groups)):
            groups = frozenset(pool.groups)
            inner = sum(v for g, v in carried.items() if g < groups)
            extra = max(pool.requests_per_hour - inner, 0.0)
            carried[groups] = extra
            weights = np.array(
                [max(hall.windows[g].count, 1) * hall.windows[g].speed for g in pool.groups]
            )
            lam[list(pool.groups)] += extra * weights / weights.sum()
            speed = sum(hall.windows[g].count * hall.windows[g].speed for g in pool.groups)
            if pool.requests_per_hour > 0 and speed > 0 and math.isfinite(pool.can_serve_per_hour):
                base = pool.can_serve_per_hour / speed
                for g in pool.groups:
                    rate[g] = base if rate[g] == 0 else rate[g]
        fallback = (
            whole.can_serve_per_hour / max(sum(w.count * w.speed for w in hall.windows), 1e-9)
            if whole is not None and math.isfinite(whole.can_serve_per_hour)
            else 4.0
        )
        for g, group in enumerate(hall.windows):
            r = (rate[g] or fallback) * group.speed
            skills = "all" if group.skills == "all" else ",".join(group.skills)
            out.append(Group(hall.name, g, skills, float(lam[g]), 1 / r))
    return out


def _quantile(metric: str) -> float | None:
    """0.9 for ``wait_min_p90``; None for a mean (or anything else: judged by the mean)."""
    match = re.fullmatch(r"wait_min_p(\d+)", metric)
    return int(match[1]) / 100 if match else None


def predicted_wait_min(group: Group, c: int, q: float | None = None) -> float:
    """M/M/c wait in minutes: the mean, or the ``q`` quantile (inf when unstable)."""
    from sim.validation.theory import erlang_c

    a, lam = group.offered, group.arrivals_per_hour
    if a == 0:
        return 0.0
    if c <= a:
        return math.inf
    prob = erlang_c(c, a)
    drain = c / group.service_h - lam  # per hour
    if q is None:
        return 60 * prob / drain
    return 60 * max(math.log(prob / (1 - q)), 0.0) / drain if prob > 1 - q else 0.0


def _hall_figures(groups: list[Group], counts: Sequence[int], q: float | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for g, c in zip(groups, counts, strict=True):
        out[g.hall] = max(out.get(g.hall, 0.0), predicted_wait_min(g, c, q))
    return out


def _score(groups: list[Group], counts: Sequence[int], q: float | None) -> tuple[float, float]:
    """Worst predicted hall figure, then the arrivals-weighted mean wait (lower is better)."""
    worst = max(_hall_figures(groups, counts, q).values(), default=0.0)
    total = sum(
        g.arrivals_per_hour * predicted_wait_min(g, c) for g, c in zip(groups, counts, strict=True)
    )
    return worst, total


def analytic_allocation(
    groups: list[Group], staff: int, metric: str = "wait_min_p90", min_per_group: int = 1
) -> list[int]:
    """Square-root staffing with one β filling ``staff``, largest-remainder rounding, then
    single moves that lower the worst predicted hall figure (then the mean wait)."""
    n = len(groups)
    if staff < min_per_group * n:
        raise BadInput(f"--staff {staff}: the {n} window groups need at least {min_per_group * n}")
    a = np.array([g.offered for g in groups])
    floor = np.full(n, float(min_per_group))

    def total(beta: float) -> float:
        return float(np.maximum(a + beta * np.sqrt(a), floor).sum())

    low, high = -10.0, 10.0
    while total(high) < staff:
        high *= 2
    while total(low) > staff and low > -1e6:
        low *= 2
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if total(mid) < staff else (low, mid)
    wanted = np.maximum(a + high * np.sqrt(a), floor)
    wanted *= staff / wanted.sum() if wanted.sum() > 0 else 1
    counts = np.maximum(np.floor(wanted).astype(int), min_per_group)
    while counts.sum() > staff:  # the minimums took more than their share
        i = int(np.argmax(np.where(counts > min_per_group, counts - wanted, -np.inf)))
        counts[i] -= 1
    order = np.argsort(-(wanted - counts), kind="stable")
    for i in order[: staff - counts.sum()]:
        counts[i] += 1
    return _polish(groups, [int(c) for c in counts], _quantile(metric), min_per_group)


def _polish(groups: list[Group], counts: list[int], q: float | None, low: int) -> list[int]:
    best = _score(groups, counts, q)
    for _ in range(10 * sum(counts)):
        moves = [
            (i, j)
            for i in range(len(counts))
            for j in range(len(counts))
            if i != j and counts[i] > low
        ]
        scored = []
        for i, j in moves:
            trial = list(counts)
            trial[i] -= 1
            trial[j] += 1
            scored.append((_score(groups, trial, q), trial))
        if not scored:
            break
        score, trial = min(scored, key=lambda s: s[0])
        if score >= best:
            break
        best, counts = score, trial
    return counts


def budget_needed(
    groups: list[Group], target: Target, min_per_group: int = 1, limit: int = 100_000
) -> int | None:
    """Smallest budget whose analytic allocation meets ``target`` at every hall: per group,
    the fewest windows whose predicted figure is within it (None if none is)."""
    q = _quantile(target.metric)
    total = 0
    for g in groups:
        c = max(min_per_group, math.floor(g.offered) + 1 if g.offered > 0 else min_per_group)
        while predicted_wait_min(g, c, q) > target.value:
            c += 1
            if c > limit:
                return None
        total += c
    return total


# --- simulation -------------------------------------------------------------------------------


def _with_counts(scenario: Scenario, groups: list[Group], counts: Sequence[int]) -> Scenario:
    changes = {
        f"enforcement.teams[{g.hall}].crews"
        if g.kind == "team"
        else f"halls[{g.hall}].windows[{g.index}].count": int(c)
        for g, c in zip(groups, counts, strict=True)
    }
    return scenario.with_changes(changes)


@dataclass
class _Evaluation:
    counts: tuple[int, ...]
    scenario: Scenario
    objective: np.ndarray
    """Per replication (paired across candidates by replication index)."""
    excess: np.ndarray
    """Per replication: how far the chosen halls are over the target, summed
    (``Σ max(0, figure − target)``; 0 where every hall is within it)."""
    judged: pd.Series
    met: bool
    halls: dict[str, tuple[float, float]]
    """Mean of the target metric at each chosen unit, and its interval's deciding bound."""
    results: Results


def _paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of ``b − a`` with its 95 % Student-t interval."""
    d = np.asarray(b, float) - np.asarray(a, float)
    d = d[~np.isnan(d)]
    if len(d) == 0:
        return math.nan, math.nan, math.nan
    mean = float(d.mean())
    if len(d) < 2 or d.std(ddof=1) == 0:
        return mean, mean, mean
    half = float(half_width(d.std(ddof=1), len(d)))
    return mean, mean - half, mean + half


def optimise_staffing(
    scenario: Scenario,
    staff: int,
    halls: Sequence[str] | None = None,
    target: Target | str = DEFAULT_TARGET,
    objective: str = "wait_min_mean",
    replications: int = 5,
    seed: int | None = None,
    executor: Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    min_per_group: int = 1,
    max_evaluations: int = 30,
    tries: int = 8,
    progress: Any = None,
    select: int = 4,
    delta: float = 0.5,
    select_max_replications: int = 20,
    groups: Sequence[str] | None = None,
    finished: Callable[[str], Results | None] | None = None,
    on_point: Callable[[str, Results], None] | None = None,
) -> StaffingResult:
    """Distribute ``staff`` window staff over the window groups of ``halls`` (default all;
    ``groups``: only these group labels, e.g. ``"County hall[0]"``) so that ``target`` holds
    at every chosen hall and ``objective`` (scope ``all``) is smallest.
    ``tries`` moves are simulated per step before giving up; ``progress(n)`` gets the number
    of allocations simulated so far. Then up to ``select`` of the best feasible allocations
    go through the KN selection (indifference zone ``delta`` in the objective's units, at
    most ``select_max_replications`` each; ``select`` < 2 turns it off). ``finished`` and
    ``on_point`` cache evaluations by resolved scenario + seed + replications
    (:func:`sim.store.sweep_checkpoints` gives both for a folder: a later run resumes)."""
    target = _checked_target(target, objective, replications, min_per_group, "hall")
    chosen_groups = staffed_groups(scenario, halls, groups)
    if not chosen_groups:
        raise BadInput("--halls: no window groups to staff")
    if staff < min_per_group * len(chosen_groups):
        raise BadInput(
            f"--staff {staff}: fewer than the {len(chosen_groups)} window groups chosen "
            f"(each keeps at least {min_per_group})"
        )
    q = _quantile(target.metric)
    start = analytic_allocation(chosen_groups, staff, target.metric, min_per_group)

    def propose(current: _Evaluation) -> Iterator[list[list[int]]]:
        counts = list(current.counts)
        singles = _moves(chosen_groups, counts, current, q, min_per_group, target.value)
        yield _applied(counts, singles, chosen_groups, min_per_group, 1)
        yield _applied(counts, singles, chosen_groups, min_per_group, 2)

    result = _search(
        scenario, chosen_groups, start, staff, target, objective, replications, seed,
        {"executor": executor, "workers": workers, "scheduler": scheduler},
        propose, max_evaluations, tries, progress, select, delta, select_max_replications,
        finished, on_point,
    )  # fmt: skip
    if not result.feasible:
        estimate = budget_needed(chosen_groups, target, min_per_group)
        result.budget_needed = max(estimate, staff + 1) if estimate is not None else None
    return result


def team_groups(scenario: Scenario, teams: Sequence[str] | None = None) -> list[Group]:
    """The enforcement teams whose crews :func:`optimise_crews` distributes."""
    if scenario.enforcement is None:
        raise BadInput("--crews: the scenario has no enforcement section")
    names = [t.name for t in scenario.enforcement.teams]
    for name in teams or []:
        if name not in names:
            raise BadInput(f"--teams: unknown team {name!r}{closest(name, names)}")
    return [
        Group(t.name, i, "crews", 0.0, 0.0, kind="team")
        for i, t in enumerate(scenario.enforcement.teams)
        if teams is None or t.name in teams
    ]


def optimise_crews(
    scenario: Scenario,
    crews: int,
    teams: Sequence[str] | None = None,
    target: Target | str | None = None,
    objective: str = "response_min_p90",
    replications: int = 5,
    seed: int | None = None,
    executor: Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    min_per_team: int = 1,
    max_evaluations: int = 20,
    tries: int = 6,
    progress: Any = None,
    select: int = 4,
    delta: float = 1.0,
    select_max_replications: int = 20,
    finished: Callable[[str], Results | None] | None = None,
    on_point: Callable[[str, Results], None] | None = None,
) -> StaffingResult:
    """Distribute ``crews`` enforcement crews over ``teams`` (default all) so that ``target``
    (optional, judged at every team, e.g. ``check_coverage=0.95``) holds and ``objective``
    (county-wide, default the 90th-percentile incident response) is smallest.

    There is no closed form for a crew's workload (travel, joint visits, incidents), so the
    start is measured: the input scenario is simulated and each team gets crews in
    proportion to its busy crews (``team_utilisation`` × crews), by largest remainder with
    at least ``min_per_team``. Moves of one crew from the least to the most utilised teams
    are then accepted as for windows (paired, significant), and KN selects among the best."""
    from sim.experiment import run_cached

    target = _checked_target(target, objective, replications, min_per_team, "team")
    chosen = team_groups(scenario, teams)
    if crews < min_per_team * len(chosen):
        raise BadInput(
            f"--crews {crews}: fewer than the {len(chosen)} teams chosen (each keeps at "
            f"least {min_per_team})"
        )
    seed = scenario.seed if seed is None else seed
    where = {"executor": executor, "workers": workers, "scheduler": scheduler}
    pilot = run_cached(scenario, replications, seed, finished, on_point, **where).summary
    busy = []
    for g in chosen:
        team = scenario.enforcement.teams[g.index]
        row = pilot[(pilot.metric == "team_utilisation") & (pilot.scope == f"team:{g.hall}")]
        u = float(row["mean"].iloc[0]) if len(row) and pd.notna(row["mean"].iloc[0]) else 0.0
        busy.append(u * team.crews)
    start = _largest_remainder(np.array(busy), crews, min_per_team)

    def propose(current: _Evaluation) -> Iterator[list[list[int]]]:
        counts = list(current.counts)
        rows = current.results.summary
        rows = rows[(rows.metric == "team_utilisation") & rows.scope.str.startswith("team:")]
        util = dict(zip(rows.scope.str[5:], rows["mean"].fillna(0.0), strict=True))
        order = sorted(range(len(chosen)), key=lambda i: util.get(chosen[i].hall, 0.0))
        moves = [(i, j) for j in reversed(order) for i in order if i != j]
        yield _applied(counts, moves, chosen, min_per_team, 1)

    return _search(
        scenario, chosen, start, crews, target, objective, replications, seed, where,
        propose, max_evaluations, tries, progress, select, delta, select_max_replications,
        finished, on_point,
    )  # fmt: skip


def _largest_remainder(weights: np.ndarray, total: int, low: int) -> list[int]:
    """Integers ≥ ``low`` summing to ``total`` in proportion to ``weights`` (equal when all
    are zero)."""
    n = len(weights)
    spare = total - low * n
    w = weights if weights.sum() > 0 else np.ones(n)
    wanted = spare * w / w.sum()
    counts = np.floor(wanted).astype(int)
    for i in np.argsort(-(wanted - counts), kind="stable")[: spare - counts.sum()]:
        counts[i] += 1
    return [int(c) + low for c in counts]


def _checked_target(
    target: Target | str | None, objective: str, replications: int, low: int, kind: str
) -> Target | None:
    from sim.metrics import METRICS

    if isinstance(target, str):
        try:
            target = Target.parse(target)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
    if target is not None and (target.kind != kind or (kind == "hall" and not target.ceiling)):
        example = "wait_min_p90=20" if kind == "hall" else "check_coverage=0.95"
        raise BadInput(
            f"--target: {target.metric} is not judged at every {kind} (e.g. {example})"
            if target.kind != kind
            else f"--target: {target.metric} is not a per-hall ceiling (use a wait, e.g. "
            "wait_min_p90=20)"
        )
    if objective not in METRICS or "all" not in METRICS[objective].scopes:
        raise BadInput(f"--objective: {objective!r} is not a county-wide metric")
    if METRICS[objective].higher_is_better:
        raise BadInput(f"--objective: {objective} is better higher; give one to minimise")
    if replications < 2:
        raise BadInput("-r: the paired intervals need at least 2 replications")
    if low < 0:
        raise BadInput("the minimum per group must be ≥ 0")
    return target


def _search(
    scenario: Scenario,
    groups: list[Group],
    start: list[int],
    staff: int,
    target: Target | None,
    objective: str,
    replications: int,
    seed: int | None,
    where: dict[str, Any],
    propose: Callable[[_Evaluation], Iterator[list[list[int]]]],
    max_evaluations: int,
    tries: int,
    progress: Any,
    select: int,
    delta: float,
    select_max_replications: int,
    finished: Callable[[str], Results | None] | None,
    on_point: Callable[[str, Results], None] | None,
) -> StaffingResult:
    """The simulation half shared by windows and crews: CRN hill climbing from ``start``
    over the allocations ``propose`` yields (lists of trials, tried in order; the later
    lists only while the target is missed), then KN among the best feasible."""
    from sim.experiment import comparison_table, run_cached

    seed = scenario.seed if seed is None else seed
    units = {f"{g.kind if g.kind == 'team' else 'hall'}:{g.hall}" for g in groups}
    cache: dict[tuple[int, ...], _Evaluation] = {}
    rows: list[dict[str, Any]] = []

    def evaluate(counts: Sequence[int]) -> _Evaluation:
        key = tuple(int(c) for c in counts)
        if key in cache:
            return cache[key]
        variant = _with_counts(scenario, groups, key)
        results = run_cached(variant, replications, seed, finished, on_point, **where)
        evaluation = _evaluation(key, variant, results, units, target, objective)
        cache[key] = evaluation
        obj = results.summary[(results.summary.metric == objective)
                              & (results.summary.scope == "all")].iloc[0]  # fmt: skip
        judged = evaluation.judged
        rows.append(
            {
                "step": len(rows),
                "allocation": " ".join(str(c) for c in key),
                **{g.label: c for g, c in zip(groups, key, strict=True)},
                "objective": obj["mean"],
                "objective_ci_low": obj.ci_low,
                "objective_ci_high": obj.ci_high,
                "worst_hall": str(judged.scope).split(":", 1)[-1] if judged.scope else None,
                "worst_mean": judged["mean"],
                "worst_ci_low": judged.ci_low,
                "worst_ci_high": judged.ci_high,
                "met": evaluation.met,
                "accepted": False,
            }
        )
        if progress:
            progress(len(rows))
        return evaluation

    def better(new: _Evaluation, old: _Evaluation) -> bool:
        if new.met != old.met:
            return new.met
        if not old.met:  # both miss: the units' excess must come down, significantly
            _, _, high = _paired(old.excess, new.excess)
            return high < 0
        _, _, high = _paired(old.objective, new.objective)
        return high < 0

    current = evaluate(start)
    rows[-1]["accepted"] = True
    while len(rows) < max_evaluations:
        moved = False
        for trials in propose(current):
            tried = 0
            for trial in trials:
                if len(rows) >= max_evaluations or tried >= tries:
                    break
                if tuple(trial) in cache:
                    continue
                tried += 1
                candidate = evaluate(trial)
                if better(candidate, current):
                    current = candidate
                    rows[-1]["accepted"] = True
                    moved = True
                    break
            if moved or current.met:  # further lists only to escape a missed target
                break
        if not moved:
            break

    table = pd.DataFrame(rows)
    table["selected"] = False
    selection = None
    if current.met and select >= 2:
        seen = sorted(
            (e for e in cache.values() if e.met and e is not current),
            key=lambda e: float(np.nanmean(e.objective)),
        )
        pool = [current, *seen[: select - 1]]
        if len(pool) >= 2:
            selection = _select(
                pool, seed, objective, delta, select_max_replications, replications, where
            )
            current = pool[selection.best]
            table.loc[table.allocation.isin(selection.table.candidate), "selected"] = True
    before = run_cached(scenario, replications, seed, finished, on_point, **where)
    kind = "crews" if groups[0].kind == "team" else "staffing"
    best = current.scenario.with_changes({"name": f"{scenario.name} (optimised {kind})"})
    before_after = comparison_table([before, current.results], [scenario.name, best.name])
    return StaffingResult(
        scenario=scenario,
        groups=groups,
        start={g.label: c for g, c in zip(groups, start, strict=True)},
        allocation={g.label: c for g, c in zip(groups, current.counts, strict=True)},
        best=best,
        table=table,
        target=target,
        objective=objective,
        feasible=current.met,
        budget_needed=None,
        staff=staff,
        replications=replications,
        seed=seed,
        info={
            "executor": where["executor"],
            "max_evaluations": max_evaluations,
            "kind": kind,
        },  # fmt: skip
        selection=selection,
        before_after=before_after,
    )


def _evaluation(
    key: tuple[int, ...],
    variant: Scenario,
    results: Results,
    units: set[str],
    target: Target | None,
    objective: str,
) -> _Evaluation:
    """An allocation's figures: the objective and the target's excess per replication (paired
    across allocations by replication index), the judged target and each unit's figure."""
    reps = results.replications
    every = reps[reps.scope == "all"].sort_values("replication")
    if target is None:
        none = pd.Series({"scope": None, "mean": math.nan, "ci_low": math.nan,
                          "ci_high": math.nan, "met": True})  # fmt: skip
        return _Evaluation(key, variant, every[objective].to_numpy(float),
                           np.zeros(len(every)), none, True, {}, results)  # fmt: skip
    summary = results.summary[results.summary.scope.isin(units | {"all"})].copy()
    summary["point"] = 0
    judged = judge(summary, [], target).iloc[0]
    mine = reps[reps.scope.isin(units)].pivot(
        index="replication", columns="scope", values=target.metric
    )
    gap = mine.sort_index() - target.value
    over = (gap if target.ceiling else -gap).fillna(0.0).clip(lower=0)
    at = summary[(summary.metric == target.metric) & (summary.scope != "all")]
    bound = at.ci_high if target.ceiling else at.ci_low
    return _Evaluation(
        key,
        variant,
        every[objective].to_numpy(float),
        over.sum(axis=1).to_numpy(float),
        judged,
        bool(judged.met),
        {
            s.split(":", 1)[1]: (float(m), float(m if math.isnan(h) else h))
            for s, m, h in zip(at.scope, at["mean"], bound, strict=True)
        },
        results,
    )


def _select(
    pool: list[_Evaluation],
    seed: int,
    objective: str,
    delta: float,
    cap: int,
    batch: int,
    where: dict[str, Any],
) -> Selection:
    """KN among ``pool`` on ``objective`` (scope ``all``), more replications with CRN."""
    from sim.metrics import METRICS
    from sim.runner import Runner, Task

    runner = Runner(where["executor"], where["workers"], where["scheduler"])
    n0 = min(len(e.objective) for e in pool)
    first = np.array([e.objective[:n0] for e in pool])

    def more(rows: list[int], start: int, stop: int) -> np.ndarray:
        tasks = [Task(i, pool[i].scenario, seed, k) for i in rows for k in range(start, stop)]
        out = np.full((len(rows), stop - start), np.nan)
        where = {i: n for n, i in enumerate(rows)}
        for outcome in runner.map(tasks):
            m = outcome.metrics
            value = m.loc[m.scope == "all", objective].iloc[0]
            out[where[outcome.key], outcome.replication - start] = float(value)
        return out

    labels = [" ".join(str(c) for c in e.counts) for e in pool]
    unit = getattr(METRICS[objective], "unit", "") or ""
    return kn_select(first, more, delta, 0.05, cap, batch, labels, unit)


def _applied(
    counts: list[int], moves: list[tuple[int, int]], groups: list[Group], low: int, n: int
) -> list[list[int]]:
    """Allocations after one move, or after two at once into different halls (a single move
    cannot help where two halls miss the target by a little each)."""
    out = []
    for combo in itertools.combinations(moves, n) if n > 1 else ([m] for m in moves):
        if n > 1 and len({groups[j].hall for _, j in combo}) < n:
            continue
        trial = list(counts)
        for i, j in combo:
            trial[i] -= 1
            trial[j] += 1
        if min(trial) >= low and all(trial[i] >= low for i, _ in combo):
            out.append(trial)
    return out


def _moves(
    groups: list[Group],
    counts: list[int],
    current: _Evaluation,
    q: float | None,
    low: int,
    target: float,
) -> list[tuple[int, int]]:
    """Moves (from group i, to group j) in the order to try them."""
    worst_hall = str(current.judged.scope).split(":", 1)[-1] if current.judged.scope else None
    figures = _hall_figures(groups, counts, q)
    simulated = {h: (0.0 if math.isnan(m) else m) for h, (m, _) in current.halls.items()}
    missing = {h for h, (_, bound) in current.halls.items() if bound > target}
    if current.met or worst_hall is None:
        # reduce the mean wait: receivers where the analytic mean wait falls most
        def gain(j: int) -> float:
            g = groups[j]
            return g.arrivals_per_hour * (
                predicted_wait_min(g, counts[j]) - predicted_wait_min(g, counts[j] + 1)
            )

        receivers = sorted(range(len(groups)), key=lambda j: -gain(j))[:2]
    else:
        # the worst hall's two most promising groups, then the best of each other hall
        # missing the target (worst first)
        def promise(j: int) -> float:
            g = groups[j]
            return predicted_wait_min(g, counts[j] + 1, q) - predicted_wait_min(g, counts[j], q)

        order = sorted(missing - {worst_hall}, key=lambda h: -current.halls[h][1])
        receivers = sorted((j for j, g in enumerate(groups) if g.hall == worst_hall), key=promise)
        receivers = receivers[:2]
        for hall in order:
            receivers += sorted((j for j, g in enumerate(groups) if g.hall == hall), key=promise)[
                :1
            ]
        receivers = receivers[:4]

    def loss(i: int) -> tuple[float, float]:
        g = groups[i]
        after = predicted_wait_min(g, counts[i] - 1, q)
        here = simulated.get(g.hall, figures.get(g.hall, 0.0))  # lower: more slack
        return (here if g.hall != worst_hall and g.hall not in missing else math.inf, after)

    donors = sorted((i for i in range(len(groups)) if counts[i] > low), key=loss)[:4]
    return [(i, j) for j in receivers for i in donors if i != j]
