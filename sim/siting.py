"""Branch siting: where to open K branch halls for the delegated items (issue 14, part 2).

:func:`optimise_branches` solves the **p-median** problem exactly and then simulates the
best few plans:

1. **Demand** ``w_i``: the expected in-person visits a year of the chosen items from town
   ``i`` (annual volume × (1 − online share − station share where the town has stations) ×
   (1 + missing-documents probability): the return visit is a trip too), as in
   :mod:`sim.capacity`.
2. **Distances** ``d_ij``: road km from town ``i``'s centre to town ``j``'s centre or to the
   seat, as the model computes them (:class:`sim.model.geography.CountyMap`: straight
   distance × road factor, a town's ``road_km`` for the seat).
3. **MILP** (:func:`scipy.optimize.milp`, HiGHS): open ``y_j ∈ {0, 1}`` for each candidate
   town, assign ``x_ij ∈ [0, 1]`` of town ``i`` to an open facility ``j`` (the county hall at
   the seat always open)::

       min Σ_ij w_i d_ij x_ij   s.t.  Σ_j x_ij = 1,  x_ij ≤ y_j,  Σ_j y_j = K.

   The next-best plans come from re-solving with a no-good cut ``Σ_{j∈S} y_j ≤ K − 1`` for
   every plan ``S`` already found, so the plans are ranked by their objective.
4. **Scenario** of a plan: a hall ``"<Town> branch"`` at each chosen town serving the chosen
   items for the towns assigned to it (``catchment``), with ``staff_per_branch``
   comprehensive windows (the county hall's comprehensive windows' speed and pre-check),
   taken from the county hall's comprehensive group when it has enough, else added (the
   result says which). Residents still use the county hall when it is nearer in expected
   travel time: the simulation routes by expected minutes, the MILP by road km, and the two
   agree except where a mode's range makes a longer trip quicker.
5. **Simulation** of the best ``evaluate`` plans against the input scenario with common
   random numbers (:func:`sim.experiment.compare`): travel (``travel_min``, county) and
   waiting (per replication, the worst hall's ``wait_min_p90``) with paired 95 % intervals.
   A plan is *dominated* when another simulated plan is significantly better on one of the
   two and not significantly worse on the other; ``best`` is the non-dominated plan with
   the least simulated travel.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.errors import BadInput, closest
from sim.runner import Executor, Progress
from sim.scenario import Scenario
from sim.stats import half_width
from sim.targets import Target

if TYPE_CHECKING:
    from sim.experiment import Results

__all__ = [
    "Plan",
    "SitingResult",
    "branch_scenario",
    "brute_force",
    "covered",
    "demand_weights",
    "distances",
    "optimise_branches",
    "p_median",
    "plan_objective",
    "staff_plan",
]


@dataclass(frozen=True)
class Plan:
    """A siting plan: the branch towns and the towns each serves."""

    towns: tuple[str, ...]
    """Branch towns, in the scenario's town order."""
    catchments: dict[str, tuple[str, ...]]
    """Branch town -> the towns assigned to it (the rest go to the county hall)."""
    objective: float
    """Σ demand × road km to the nearest open facility (visit-km a year)."""
    mean_km: float
    """The objective over the total demand: mean one-way road km per in-person visit."""
    covered: float | None = None
    """With a coverage radius: the share of the demand within it of an open hall."""


@dataclass
class SitingResult:
    """What :func:`optimise_branches` returns."""

    scenario: Scenario
    """The input scenario."""
    k: int
    items: str
    """The ``items`` asked for (``approval``, or ids/kinds joined by commas)."""
    plans_found: list[Plan]
    """Plans by objective, best first."""
    scenarios: list[Scenario]
    """The scenario of each simulated plan (same order as ``plans_found``)."""
    best: Scenario
    best_plan: Plan
    plans: pd.DataFrame
    """One row per plan (and first the input scenario, ``plan`` 0): ``plan, towns,
    catchments, objective, mean_km``, and for the simulated ones ``travel_min`` and
    ``wait_p90_worst`` with their 95 % intervals (``_ci_low``, ``_ci_high``) and paired
    differences to the input (``_diff``, ``_diff_ci_low``, ``_diff_ci_high``),
    ``dominated``, ``best``."""
    table: pd.DataFrame
    """The simulation's comparison table (:class:`sim.experiment.Comparison`), every metric."""
    before_after: pd.DataFrame
    """The input scenario and the best plan, paired (comparison-table format)."""
    staff_taken: bool
    """Branch staff were taken from the county hall's comprehensive windows (else added)."""
    replications: int
    seed: int
    info: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        p = self.best_plan
        where = "; ".join(f"{t}: {', '.join(c)}" for t, c in p.catchments.items())
        how = self.info.get("staffing", "fixed")
        if how == "fixed":
            staff = "taken from" if self.staff_taken else "added to (not enough at)"
            staff = f"branch staff {staff} the county hall's comprehensive windows"
        else:
            staff = "the county hall's window staff split over it and the branches " + (
                "by the staffing optimiser" if how == "simulate" else "by Erlang C"
            )
        return (
            f"Best of {len(self.scenarios)} simulated plans for {self.k} branches: {where} "
            f"(mean {p.mean_km:.2f} road km per visit; {staff})."
        )

    def save(self, out: str | Path, source: str | Path, force: bool = False) -> Path:
        """Write ``best.yaml`` (extends ``source``), ``plans.csv`` and ``manifest.json``."""
        from sim.store import save_siting

        return save_siting(self, out, source, force=force)


# --- inputs ------------------------------------------------------------------------------------


def _selector(scenario: Scenario, items: str | Sequence[str]) -> dict[str, list[str]]:
    """``serves`` of the branches: kinds and item ids from ``items``."""
    words = [w.strip() for w in items.split(",")] if isinstance(items, str) else list(items)
    words = [w for w in words if w]
    if not words:
        raise BadInput("--items: name at least one item or kind (e.g. approval)")
    ids = [s.id for s in scenario.services]
    kinds, chosen = [], []
    for w in words:
        if w in ("approval", "convenience"):
            kinds.append(w)
        elif w in ids:
            chosen.append(w)
        else:
            raise BadInput(
                f"--items: unknown item {w!r}{closest(w, ['approval', 'convenience', *ids])}"
            )
    out: dict[str, list[str]] = {}
    if kinds:
        out["kind"] = kinds
    if chosen:
        out["ids"] = chosen
    return out


def _served(scenario: Scenario, selector: dict[str, list[str]]) -> list[int]:
    kinds, ids = selector.get("kind", []), selector.get("ids", [])
    return [i for i, s in enumerate(scenario.services) if s.kind in kinds or s.id in ids]


def demand_weights(scenario: Scenario, items: str | Sequence[str] = "approval") -> np.ndarray:
    """Expected in-person visits a year of ``items`` from each town (returns included)."""
    chosen = _served(scenario, _selector(scenario, items))
    w = np.zeros(len(scenario.geography.towns))
    for t, town in enumerate(scenario.geography.towns):
        for i in chosen:
            s = scenario.services[i]
            annual = (
                s.per_1000_residents_per_year * town.population / 1000
                + s.per_enterprise_per_year * town.enterprises
            )
            in_person = 1 - s.online_share - (s.station_share if town.stations else 0.0)
            w[t] += annual * in_person * (1 + s.incomplete_prob)
    return w


def distances(scenario: Scenario) -> np.ndarray:
    """Road km [town, place]: places are the towns, then the seat (last column)."""
    from sim.model.geography import CountyMap

    geo = scenario.geography
    xy = {t.name: (t.x_km, t.y_km) for t in geo.towns}
    xy["seat"] = (geo.seat.x_km, geo.seat.y_km)
    places = [t.name for t in geo.towns] + ["seat"]
    return np.array(
        [[CountyMap._road(t, p, xy, geo.road_factor) for p in places] for t in geo.towns]
    )


def plan_objective(w: np.ndarray, d: np.ndarray, open_towns: Sequence[int]) -> float:
    """Σ w_i × km to the nearest of the seat and ``open_towns`` (indices into the towns)."""
    cols = [*open_towns, d.shape[1] - 1]
    return float(w @ d[:, cols].min(axis=1))


# --- the MILP ----------------------------------------------------------------------------------


def covered(w: np.ndarray, d: np.ndarray, open_towns: Sequence[int], km: float) -> float:
    """Σ w_i over the towns within ``km`` road km of the seat or one of ``open_towns``."""
    cols = [*open_towns, d.shape[1] - 1]
    return float(w[d[:, cols].min(axis=1) <= km].sum())


def p_median(
    w: np.ndarray,
    d: np.ndarray,
    candidates: Sequence[int],
    k: int,
    plans: int = 1,
    coverage_km: float | None = None,
) -> list[tuple[tuple[int, ...], float]]:
    """The ``plans`` best sets of ``k`` candidate towns (indices), each with its objective,
    best first (fewer when there are fewer sets). The seat (last column of ``d``) is always
    open. Exact: HiGHS branch and bound, no-good cuts for the next plans.

    With ``coverage_km`` the model is **maximal coverage** first: the most demand within
    ``coverage_km`` road km of an open hall, and among the sets that cover that much the
    p-median objective (solved as a second MILP with the coverage as a constraint)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_array

    n, m = len(w), len(candidates)
    cols = [*candidates, d.shape[1] - 1]  # facilities: candidates, then the seat
    f = len(cols)
    # variables: y_0..y_{m-1}, x_{i,j} for i < n, j < f (row-major), then z_0..z_{n-1}
    zs = m + n * f
    nv = zs + (n if coverage_km is not None else 0)
    c = np.zeros(nv)
    c[m:zs] = (w[:, None] * d[:, cols]).ravel()

    def x(i: int, j: int) -> int:
        return m + i * f + j

    rows = n + n * m + 1 + (n if coverage_km is not None else 0)
    a = lil_array((rows, nv))
    lo, hi = np.zeros(rows), np.zeros(rows)
    for i in range(n):  # every town assigned once
        for j in range(f):
            a[i, x(i, j)] = 1
        lo[i] = hi[i] = 1
    r = n
    for i in range(n):  # only to open branches: x_ij − y_j ≤ 0
        for j in range(m):
            a[r, x(i, j)] = 1
            a[r, j] = -1
            lo[r], hi[r] = -np.inf, 0
            r += 1
    a[r, :m] = 1  # exactly k branches
    lo[r] = hi[r] = k
    r += 1
    if coverage_km is not None:  # z_i ≤ Σ y_j over branches within reach (seat in reach: free)
        for i in range(n):
            if d[i, -1] > coverage_km:
                a[r, zs + i] = 1
                for j in range(m):
                    if d[i, candidates[j]] <= coverage_km:
                        a[r, j] = -1
            lo[r], hi[r] = -np.inf, 0
            r += 1
    base = LinearConstraint(a.tocsr(), lo, hi)
    integrality = np.zeros(nv)
    integrality[:m] = 1

    def solve(cost: np.ndarray, extra: list[LinearConstraint]) -> np.ndarray | None:
        res = milp(
            cost,
            constraints=[base, *extra],
            integrality=integrality,
            bounds=Bounds(0, 1),
            options={"mip_rel_gap": 0},
        )
        return None if res.status != 0 or res.x is None else res.x

    found: list[tuple[tuple[int, ...], float]] = []
    cuts: list[LinearConstraint] = []
    for _ in range(plans):
        extra = list(cuts)
        if coverage_km is not None:
            gain = np.zeros(nv)
            gain[zs:] = -w
            first = solve(gain, cuts)
            if first is None:
                break
            best = covered(w, d, [candidates[j] for j in range(m) if first[j] > 0.5], coverage_km)
            row = np.zeros(nv)
            row[zs:] = w
            extra.append(LinearConstraint(row, best - 1e-6 * max(best, 1.0), np.inf))
        res = solve(c, extra)
        if res is None:
            break  # infeasible: every k-set found
        chosen = tuple(sorted(candidates[j] for j in range(m) if res[j] > 0.5))
        found.append((chosen, plan_objective(w, d, chosen)))
        cut = np.zeros(nv)
        for j in range(m):
            if res[j] > 0.5:
                cut[j] = 1
        cuts.append(LinearConstraint(cut, -np.inf, k - 1))
    return found


def _plan(
    scenario: Scenario,
    w: np.ndarray,
    d: np.ndarray,
    towns: tuple[int, ...],
    coverage_km: float | None = None,
) -> Plan:
    names = [t.name for t in scenario.geography.towns]
    cols = [*towns, d.shape[1] - 1]
    nearest = np.argmin(d[:, cols], axis=1)  # ties: the branch listed first, then the seat
    catchments = {
        names[j]: tuple(names[i] for i in range(len(names)) if nearest[i] == c)
        for c, j in enumerate(towns)
    }
    objective = plan_objective(w, d, towns)
    total = float(w.sum())
    share = None
    if coverage_km is not None:
        share = covered(w, d, towns, coverage_km) / total if total else 1.0
    return Plan(
        tuple(names[j] for j in towns),
        catchments,
        objective,
        objective / total if total else 0.0,
        share,
    )


# --- a plan as a scenario ------------------------------------------------------------------


def _county_hall(scenario: Scenario, chosen: list[int]) -> int:
    for h, hall in enumerate(scenario.halls):
        if hall.at == "seat" and all(hall.serves_item(scenario.services[i]) for i in chosen):
            return h
    raise BadInput("--items: no hall at the seat serves every chosen item (the county hall)")


def branch_scenario(
    scenario: Scenario,
    plan: Plan,
    items: str | Sequence[str] = "approval",
    staff_per_branch: int = 4,
) -> tuple[Scenario, bool, list[dict]]:
    """The scenario with ``plan``'s branches; whether their staff were taken from the county
    hall (else added); and the hall entries to write (the branches, and the county hall's
    windows when staff were taken)."""
    selector = _selector(scenario, items)
    chosen = _served(scenario, selector)
    h = _county_hall(scenario, chosen)
    data = scenario.to_data()
    hall = data["halls"][h]
    groups = [g for g, win in enumerate(hall["windows"]) if win["skills"] == "all"]
    need = staff_per_branch * len(plan.towns)
    speed, precheck = 1.0, 1.0
    taken = False
    if groups:
        g = max(groups, key=lambda g: hall["windows"][g]["count"])
        group = hall["windows"][g]
        speed, precheck = group["speed"], group["precheck"]
        if group["count"] >= need:
            group["count"] -= need
            taken = True
    names = {x["name"] for x in data["halls"]}
    branches = []
    for town in plan.towns:
        name = f"{town} branch"
        if name in names:
            raise BadInput(f"--candidates: the scenario already has a hall named {name!r}")
        branches.append(
            {
                "name": name,
                "at": town,
                "serves": {key: list(v) for key, v in selector.items()},
                "catchment": list(plan.catchments[town]),
                "windows": [
                    {
                        "count": staff_per_branch,
                        "skills": "all",
                        "speed": speed,
                        "precheck": precheck,
                    }
                ],
            }
        )
    data["halls"] += branches
    data["name"] = f"{scenario.name} + branches {', '.join(plan.towns)}"
    written = [{"name": hall["name"], "windows": hall["windows"]}, *branches]
    return Scenario.model_validate(data), taken, written


def staff_plan(
    variant: Scenario,
    written: list[dict],
    staffing: str = "analytic",
    target: str = "wait_min_p90=20",
    budget: int | None = None,
    **search: Any,
) -> tuple[Scenario, list[dict]]:
    """Re-split the window staff of the county hall and the branches of a plan's scenario
    (``written``: their hall entries) with :mod:`sim.optimise`: ``analytic`` (Erlang-C /
    square-root staffing of the offered load, as the staffing optimiser's start),
    ``simulate`` (the whole staffing optimiser; ``search`` goes to
    :func:`sim.optimise.optimise_staffing`) or ``fixed`` (as built). Returns the scenario and
    the hall entries with their new windows. ``budget``: the window staff to split (default
    the halls' windows as built)."""
    from sim.optimise import _with_counts, analytic_allocation, optimise_staffing, staffed_groups
    from sim.targets import Target

    if staffing == "fixed":
        return variant, written
    if staffing not in ("analytic", "simulate"):
        raise BadInput(f"--staffing: expected fixed, analytic or simulate, got {staffing!r}")
    names = [h["name"] for h in written]
    groups = staffed_groups(variant, names)
    total = budget or sum(w.count for h in variant.halls if h.name in names for w in h.windows)
    goal = Target.parse(target)
    if staffing == "analytic":
        counts = analytic_allocation(groups, total, goal.metric)
    else:
        result = optimise_staffing(variant, total, names, goal, select=0, **search)
        counts = list(result.allocation.values())
    staffed = _with_counts(variant, groups, counts)
    halls = {h.name: h for h in staffed.halls}
    entries = [
        {**h, "windows": [w.model_dump(mode="json") for w in halls[h["name"]].windows]}
        for h in written
    ]
    return staffed, entries


# --- the search ------------------------------------------------------------------------------


def _candidates(scenario: Scenario, candidates: Sequence[str] | None, d: np.ndarray) -> list[int]:
    names = [t.name for t in scenario.geography.towns]
    if candidates is None:
        seat_town = int(np.argmin(d[:, -1]))  # the town the seat lies in
        hosts = {h.at for h in scenario.halls if h.serves != "all" and h.at != "seat"}
        branch_named = {h.name for h in scenario.halls}
        return [
            i
            for i, n in enumerate(names)
            if i != seat_town and not (n in hosts and f"{n} branch" in branch_named)
        ]
    out = []
    for name in candidates:
        if name not in names:
            raise BadInput(f"--candidates: unknown town {name!r}{closest(name, names)}")
        if names.index(name) not in out:
            out.append(names.index(name))
    return sorted(out)


def _worst_wait(replications: pd.DataFrame) -> pd.Series:
    """Per replication: the highest ``wait_min_p90`` over the halls."""
    halls = replications[replications["scope"].str.startswith("hall:")]
    return halls.groupby("replication")["wait_min_p90"].max()


def _travel(replications: pd.DataFrame) -> pd.Series:
    rows = replications[replications["scope"] == "all"]
    return rows.set_index("replication")["travel_min"]


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    values = values[~np.isnan(values)]
    if not len(values):
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan, math.nan
    sd = float(values.std(ddof=1))
    half = float(half_width(sd, len(values))) if sd > 0 else 0.0
    return mean, mean - half, mean + half


def optimise_branches(
    scenario: Scenario,
    k: int,
    candidates: Sequence[str] | None = None,
    items: str | Sequence[str] = "approval",
    staff_per_branch: int = 4,
    evaluate: int = 3,
    replications: int = 5,
    plans: int | None = None,
    seed: int | None = None,
    executor: Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    coverage_km: float | None = None,
    staffing: str = "simulate",
    target: str = "wait_min_p90=20",
    staff_evaluations: int = 12,
    finished: Callable[[str], Results | None] | None = None,
    on_point: Callable[[str, Results], None] | None = None,
) -> SitingResult:
    """Choose ``k`` branch towns for ``items`` by exact p-median (or, with ``coverage_km``,
    maximal coverage), staff each plan (:func:`staff_plan`: ``staffing`` is ``analytic``,
    ``simulate`` with ``target`` and at most ``staff_evaluations`` allocations, or
    ``fixed``), simulate the best ``evaluate`` plans against ``scenario`` (common random
    numbers) and rank them on travel and waiting. ``plans`` (default ``evaluate``) plans are
    ranked by the MILP; ``candidates``: town names (default every town except the seat's
    and those already hosting a ``"<Town> branch"``). ``finished``/``on_point`` cache the
    simulations as in :func:`sim.experiment.sweep` (a later run resumes)."""
    from sim.experiment import compare, comparison_table

    selector = _selector(scenario, items)
    chosen = _served(scenario, selector)
    if not chosen:
        raise BadInput(f"--items: the scenario has no item of {items!r}")
    _county_hall(scenario, chosen)
    if staff_per_branch < 1:
        raise BadInput("--staff-per-branch: must be at least 1")
    if evaluate < 1:
        raise BadInput("--evaluate: must be at least 1")
    if replications < 2:
        raise BadInput("--replications: paired intervals need at least 2")
    if staffing not in ("fixed", "analytic", "simulate"):
        raise BadInput(f"--staffing: expected fixed, analytic or simulate, got {staffing!r}")
    if coverage_km is not None and not (math.isfinite(coverage_km) and coverage_km > 0):
        raise BadInput(f"--coverage-km: expected a positive number of km, got {coverage_km}")
    try:
        Target.parse(target)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    d = distances(scenario)
    w = demand_weights(scenario, items)
    cand = _candidates(scenario, candidates, d)
    if k < 1:
        raise BadInput(f"-k: must be at least 1 (got {k})")
    if k > len(cand):
        raise BadInput(f"-k: {k} branches but only {len(cand)} candidate towns")
    plans = max(plans or evaluate, evaluate)
    found = [
        _plan(scenario, w, d, t, coverage_km)
        for t, _ in p_median(w, d, cand, k, plans, coverage_km)
    ]
    evaluated = found[:evaluate]
    seed = scenario.seed if seed is None else seed
    where = {"executor": executor, "workers": workers, "scheduler": scheduler}
    # staffed plans share the county hall's window staff as they are (a fixed budget)
    budget = sum(w.count for w in scenario.halls[_county_hall(scenario, chosen)].windows)
    built = []
    done = 0  # replications simulated so far, for ``progress``

    def ticked(n: int, base: int, per: int = 1) -> None:
        if progress:
            progress(base + n * per)

    for p in evaluated:
        variant, taken, written = branch_scenario(scenario, p, items, staff_per_branch)
        if staffing != "fixed":
            variant, written = staff_plan(
                variant, written, staffing, target, budget, replications=replications,
                seed=seed, max_evaluations=staff_evaluations, finished=finished,
                on_point=on_point, progress=lambda n, b=done: ticked(n, b, replications),
                **where,
            )  # fmt: skip
            done += (staff_evaluations + 1) * replications if staffing == "simulate" else 0
            taken = True
        built.append((variant, taken, written))
    variants = [b[0] for b in built]
    comparison = compare(
        [scenario, *variants], replications, seed, progress=lambda n: ticked(n, done),
        finished=finished, on_point=on_point, **where,
    )  # fmt: skip
    travel = [_travel(r.replications) for r in comparison.results]
    wait = [_worst_wait(r.replications) for r in comparison.results]

    total = float(w.sum())
    as_is = plan_objective(w, d, ())
    rows: list[dict[str, Any]] = [
        {
            "plan": 0,
            "towns": "(as is)",
            "catchments": "",
            "objective": as_is,
            "mean_km": as_is / total if total else 0.0,
            **(
                {"covered": covered(w, d, (), coverage_km) / total if total else 1.0}
                if coverage_km is not None
                else {}
            ),  # fmt: skip
            "staff": "",
        }
    ]
    for n, p in enumerate(found, start=1):
        rows.append(
            {
                "plan": n,
                "towns": ", ".join(p.towns),
                "catchments": "; ".join(f"{t}: {' '.join(c)}" for t, c in p.catchments.items()),
                "objective": p.objective,
                "mean_km": p.mean_km,
                **({"covered": p.covered} if p.covered is not None else {}),
                "staff": "; ".join(
                    f"{h['name']}: {sum(x['count'] for x in h['windows'])}" for h in built[n - 1][2]
                )
                if n <= len(built)
                else "",
            }
        )
    for n, row in enumerate(rows[: len(comparison.results)]):
        for name, series in (("travel_min", travel), ("wait_p90_worst", wait)):
            values = series[n].to_numpy(dtype=float)
            row[name], row[f"{name}_ci_low"], row[f"{name}_ci_high"] = _interval(values)
            if n:
                diff = values - series[0].reindex(series[n].index).to_numpy(dtype=float)
                mean, lo, hi = _interval(diff)
                row[f"{name}_diff"], row[f"{name}_diff_ci_low"], row[f"{name}_diff_ci_high"] = (
                    mean,
                    lo,
                    hi,
                )
    # dominance among the simulated plans (paired differences between plans)
    simulated = list(range(1, len(comparison.results)))

    def better(a: int, b: int, series: list[pd.Series]) -> tuple[bool, bool]:
        """(a significantly better than b, a significantly worse than b)."""
        diff = (series[a] - series[b].reindex(series[a].index)).to_numpy(dtype=float)
        _, lo, hi = _interval(diff)
        return bool(hi < 0), bool(lo > 0)

    for a in simulated:
        dominated = False
        for b in simulated:
            if a == b:
                continue
            tb, tw = better(b, a, travel)
            wb, ww = better(b, a, wait)
            if (tb and not tw and not ww) or (wb and not ww and not tw):
                dominated = True
        rows[a]["dominated"] = dominated
    front = [a for a in simulated if not rows[a]["dominated"]] or simulated
    best = min(front, key=lambda a: (rows[a]["travel_min"], a))
    for a in simulated:
        rows[a]["best"] = a == best
    table = pd.DataFrame(rows)
    best_scenario, taken, written = built[best - 1]
    return SitingResult(
        scenario=scenario,
        k=k,
        items=items if isinstance(items, str) else ",".join(items),
        plans_found=found,
        scenarios=variants,
        best=best_scenario,
        best_plan=found[best - 1],
        plans=table,
        table=comparison.table,
        staff_taken=all(b[1] for b in built),
        replications=replications,
        seed=seed,
        before_after=comparison_table(
            [comparison.results[0], comparison.results[best]], [scenario.name, best_scenario.name]
        ),
        info={
            "model": "maximal coverage" if coverage_km is not None else "p-median",
            "coverage_km": coverage_km,
            "staffing": staffing,
            "reused": comparison.info.get("reused", []),
            "candidates": [scenario.geography.towns[i].name for i in cand],
            "staff_per_branch": staff_per_branch,
            "halls_written": written,
            "wall_s": comparison.wall_s,
        },
    )


def brute_force(
    w: np.ndarray,
    d: np.ndarray,
    candidates: Sequence[int],
    k: int,
    coverage_km: float | None = None,
) -> tuple[tuple[int, ...], float]:
    """The best ``k``-set by trying every one (for checking :func:`p_median`): the least
    objective, or with ``coverage_km`` the most demand covered and then the least objective."""

    def key(s: tuple[int, ...]) -> tuple[float, float]:
        reach = -covered(w, d, s, coverage_km) if coverage_km is not None else 0.0
        return reach, plan_objective(w, d, s)

    best = min(itertools.combinations(sorted(candidates), k), key=key)
    return best, plan_objective(w, d, best)
