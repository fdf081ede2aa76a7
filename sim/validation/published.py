"""Each reform's shipped scenarios beside the figures its source publishes.

Every published figure gives one row, judged against a tolerance stated up front
(:data:`TOLERANCES`), on the mean over the replications:

- ``pass`` / ``fail``: the simulated mean lies within the tolerance of the figure, or not;
  for a figure that gives only a direction ("fewer trips back and forth"), the paired change
  after − before lies wholly on that side of 0 (its 95 % interval, the one ``countysim
  compare`` prints). A failing row fails ``countysim validate``: the shipped scenarios no
  longer reproduce their source.
- ``differs``: a figure the model does not reproduce after honest calibration (a different
  quantity, an anecdote outside what the model holds, a measure the source leaves undefined).
  The row stays, with the reason in its note (starting ``differs:``), and never fails the run.

One function per reform (:data:`REFORMS`) runs that reform's ``<name>/before.yaml`` and
``after.yaml`` (package data in ``scenarios/``, copies of the repository's
``scenarios/<name>/``) with common random numbers and yields its rows. Add a reform by
writing ``<name>_rows(days, reps)`` and listing it in :data:`REFORMS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import Scenario, compare
from sim.experiment import Results
from sim.metrics import METRICS, fmt
from sim.model.geography import CountyMap
from sim.stats import half_width
from sim.validation.cases import EXAMPLES, example
from sim.validation.rows import LEVEL, Row

__all__ = [
    "REFORMS",
    "TOLERANCES",
    "Tolerance",
    "ankang_rows",
    "baisha_rows",
    "baoying_rows",
    "below",
    "dezhou_rows",
    "differs",
    "falls",
    "published_row",
    "published_rows",
    "relative",
    "rises",
    "within",
    "wuhu_rows",
]


# --- tolerances -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerance:
    """How far the simulated mean may be from a published figure.

    ``kind``: ``within`` (|simulated − reference| ≤ ``value``, in the quantity's unit),
    ``relative`` (|simulated − reference| ≤ ``value`` × |reference|), ``below`` (the figure
    is an upper bound: simulated < reference), ``falls`` / ``rises`` (the figure is a
    direction: the simulated quantity is a paired change after − before, and its interval
    lies wholly below / above the reference, 0) or ``differs`` (not judged; ``reason`` says
    why the model does not reproduce the figure)."""

    kind: str
    value: float = math.nan
    reason: str = ""

    def half_width(self, reference: float) -> float:
        """The allowed distance in the quantity's unit (NaN for a bound, a direction and
        ``differs``)."""
        if self.kind == "within":
            return self.value
        if self.kind == "relative":
            return self.value * abs(reference)
        return math.nan

    def judge(
        self, reference: float, simulated: float, low: float = math.nan, high: float = math.nan
    ) -> bool | None:
        """True / False, or None for a row that differs (it informs). A direction is judged
        on the interval ``low``–``high`` of the change (on the mean where there is none:
        a single replication)."""
        if self.kind == "differs":
            return None
        if not math.isfinite(simulated):
            return False
        if self.kind == "below":
            return bool(simulated < reference)
        if self.kind == "falls":
            return bool((high if math.isfinite(high) else simulated) < reference)
        if self.kind == "rises":
            return bool((low if math.isfinite(low) else simulated) > reference)
        return bool(abs(simulated - reference) <= self.half_width(reference) * (1 + 1e-12))

    def describe(self, unit: str = "") -> str:
        if self.kind == "within":
            return f"±{self.value * 100:g} pp" if unit == "pp" else f"±{self.value:g}{unit}"
        if self.kind == "relative":
            return f"±{self.value * 100:g} %"
        if self.kind == "below":
            return "below the figure (an upper bound)"
        if self.kind in ("falls", "rises"):
            side = "below" if self.kind == "falls" else "above"
            return f"{self.kind}: the paired change's 95 % interval lies {side} 0"
        return "none (differs)"


def within(value: float) -> Tolerance:
    """|simulated − reference| ≤ ``value`` (shares: 0.05 = 5 percentage points)."""
    return Tolerance("within", value)


def relative(value: float) -> Tolerance:
    """|simulated − reference| ≤ ``value`` × |reference| (0.15 = ±15 %)."""
    return Tolerance("relative", value)


def below() -> Tolerance:
    """The figure is an upper bound ("under 15 min"): simulated < reference."""
    return Tolerance("below")


def falls() -> Tolerance:
    """The figure is a direction ("fewer trips"): the paired change after − before is below
    0, its 95 % interval included."""
    return Tolerance("falls")


def rises() -> Tolerance:
    """The figure is a direction ("more matters handled in the village"): the paired change
    after − before is above 0, its 95 % interval included."""
    return Tolerance("rises")


def differs(reason: str) -> Tolerance:
    """Not reproduced after honest calibration: the row informs and says why."""
    return Tolerance("differs", reason=reason)


TOLERANCES = {
    "daily volume": relative(0.15),
    "relative change": within(0.05),
    "share of towns": within(0.05),
    "distance": relative(0.10),
    "upper bound": below(),
    "fewer": falls(),
    "more": rises(),
    "input": within(0.0),
    "consistency": relative(0.20),
}
"""Stated before any run: daily volumes ±15 % (a calibrated synthetic county, not Dezhou's
own halls), relative changes ±5 percentage points, shares of towns ±5 percentage points
(one town in 21 is 4.8 pp), distances ±10 % ("about 80 km"), an upper bound as published;
a direction ("fewer trips", "quicker action") by the paired change after − before, whose
95 % interval (the one ``countysim compare`` prints; :data:`CHANGE_LEVEL`) must lie on the
published side of 0; a figure the scenario states (24 windows) exactly; a yearly count that
follows from assumed firm numbers ±20 % (a consistency check, not a validation)."""

CHANGE_LEVEL = 0.95
"""The interval a direction is judged on: the paired difference's, as ``countysim compare``
prints it (:func:`sim.stats.paired_differences`)."""
MIN_CHANGE_REPS = 5
"""A direction needs an interval: with 2 replications Student's t is 12.7 and only the
largest changes show, so a reform judged by directions runs at least 5 replications."""


def published_row(
    case: str,
    quantity: str,
    reference: float,
    kind: str,
    values: np.ndarray | float,
    tolerance: Tolerance,
    note: str = "",
    unit: str = "",
) -> Row:
    """A published figure beside the simulated one (``values``: one per replication, or a
    single number for a fixed quantity such as geometry), judged by ``tolerance`` on the
    mean. The interval (99.9 %, over replications) informs; with fewer than three
    replications there is none: Student's t for one degree of freedom is 637, which makes it
    meaningless. A direction (``falls`` / ``rises``: ``values`` are paired changes after −
    before) is judged on its 95 % interval, from two replications on, as ``compare``
    gives it."""
    v = np.atleast_1d(np.asarray(values, dtype=float))
    mean = float(v.mean())
    low = high = math.nan
    direction = tolerance.kind in ("falls", "rises")
    level, least = (CHANGE_LEVEL, 2) if direction else (LEVEL, 3)
    if v.size >= least and np.isfinite(v).all():
        half = half_width(v.std(ddof=1), v.size, level)
        low, high = mean - half, mean + half
    passed = tolerance.judge(reference, mean, low, high)
    text = f"tolerance {tolerance.describe(unit)}"
    if tolerance.kind == "differs":
        text = f"differs: {tolerance.reason}"
    return Row(
        "published",
        case,
        quantity,
        reference,
        kind,
        mean,
        low,
        high,
        tolerance.half_width(reference),
        passed,
        "; ".join(part for part in (text, note) if part),
    )


# --- running a reform's pair of scenarios -----------------------------------------------------


@dataclass
class Pair:
    """A reform's before and after scenarios, run with the same citizens."""

    before: Results
    after: Results
    days: int
    reps: int
    table: pd.DataFrame | None = None
    """``compare``'s table (paired differences with their 95 % intervals)."""

    @classmethod
    def run(cls, reform: str, days: int, reps: int) -> Pair:
        """``<reform>/before.yaml`` and ``after.yaml`` over ``days`` working days."""
        base = example(f"{reform}/before.yaml", days)
        variant = example(f"{reform}/after.yaml", days)
        comparison = compare([base, variant], replications=reps, executor="serial")
        return cls(*comparison.results, days, reps, comparison.table)

    @property
    def size(self) -> str:
        return f"{self.reps} replications × {self.days} days"

    @staticmethod
    def values(results: Results, metric: str, scope: str = "all") -> np.ndarray:
        """``metric`` in ``scope``, one value per replication (in replication order)."""
        r = results.replications
        rows = r[r.scope == scope].sort_values("replication")
        return rows[metric].to_numpy(dtype=float)

    def total(self, results: Results, metric: str, halls: list[str]) -> np.ndarray:
        """The sum of ``metric`` over ``halls``, one value per replication."""
        return np.sum([self.values(results, metric, f"hall:{h}") for h in halls], axis=0)

    def delta(self, metric: str, scope: str = "all") -> np.ndarray:
        """after − before, replication by replication (paired: the differences ``compare``
        averages)."""
        return self.values(self.after, metric, scope) - self.values(self.before, metric, scope)

    def mean(self, results: Results, metric: str, scope: str = "all") -> float:
        return float(self.values(results, metric, scope).mean())

    def change(self, metric: str, scope: str = "all") -> np.ndarray:
        """after ÷ before − 1, replication by replication (paired)."""
        return self.values(self.after, metric, scope) / self.values(self.before, metric, scope) - 1

    def percentile_change(self, quantity: str, q: int) -> tuple[np.ndarray, float, float]:
        """Change of the ``q``-th percentile of ``quantity`` (scope all), paired, with the
        mean before and after."""

        def at(results: Results) -> np.ndarray:
            d = results.distributions
            rows = d[(d.quantity == quantity) & (d.scope == "all") & (d.q == q)]
            return rows.sort_values("replication")["value"].to_numpy(dtype=float)

        a, b = at(self.before), at(self.after)
        return b / a - 1, float(a.mean()), float(b.mean())


def town_halls(scenario: Scenario, kind: str) -> list[str]:
    """Halls away from the seat that serve items of ``kind`` (``approval`` or
    ``convenience``). A hall's throughput is not split by kind, so a town hall serving both
    kinds cannot be counted for one: refused."""
    kinds = {s.id: s.kind for s in scenario.services}
    names = []
    for hall in scenario.halls:
        if hall.at == "seat":
            continue
        served = {kinds[s.id] for s in scenario.services if hall.serves_item(s)}
        if kind in served:
            if len(served) > 1:
                raise ValueError(f"{hall.name!r} serves both kinds: its throughput is not split")
            names.append(hall.name)
    return names


def straight_km(scenario: Scenario) -> np.ndarray:
    """Straight distance from each town centre to the county seat (a radius, as sources
    count towns "outside a 10 km radius")."""
    seat = scenario.geography.seat
    towns = scenario.geography.towns
    return np.array([math.hypot(t.x_km - seat.x_km, t.y_km - seat.y_km) for t in towns])


# --- Dezhou (seed 004) ------------------------------------------------------------------------

DEZHOU = "Dezhou (004)"


def dezhou_rows(days: int, reps: int) -> Iterator[Row]:
    """Dezhou, Shandong (docs/sources.md, 004), against ``dezhou/before.yaml`` and
    ``after.yaml``.

    The published volumes and the fall in visits to firms are a year's figures (daily
    averages over years; a change year on year), and a joint visit clears checks up to its
    window ahead, so a short run overcounts visits after the reform: the pair runs at least
    a year (``demand.days_per_year`` working days) whatever ``days`` asks."""
    scenario = example("dezhou/before.yaml", 1)
    year = math.ceil(scenario.demand.days_per_year)
    km = straight_km(scenario)
    n = km.size
    for radius, share in ((10, 0.4851), (15, 0.4104)):
        beyond = int((km > radius).sum())
        yield published_row(
            f"{DEZHOU}: towns beyond {radius} km of the county hall",
            "share of towns",
            share,
            "published",
            beyond / n,
            TOLERANCES["share of towns"],
            f"{beyond} of {n} towns; straight distance (004 counts a radius)",
            unit="pp",
        )
    road = CountyMap(scenario).seat_km
    yield published_row(
        f"{DEZHOU}: farthest round trip to the county hall",
        "road km",
        80.0,
        "published (about)",
        2 * float(road.max()),
        TOLERANCES["distance"],
        f"from {scenario.geography.towns[int(road.argmax())].name}, by road",
    )

    pair = Pair.run("dezhou", max(days, year), reps)
    after = pair.after.scenario
    approvals = pair.total(pair.after, "throughput_per_day", town_halls(after, "approval"))
    convenience = pair.total(pair.after, "throughput_per_day", town_halls(after, "convenience"))
    county = pair.values(pair.after, "throughput_per_day", "hall:County hall").mean()
    yield published_row(
        f"{DEZHOU}: approvals a day, all branches and town centres",
        "services per day",
        84.0,
        "published (derived: 87,000 in all, ≈ 84 a day)",
        approvals,
        TOLERANCES["daily volume"],
        f"{len(town_halls(after, 'approval'))} branches; the county hall does {county:.0f} a "
        f"day; {pair.size}",
    )
    yield published_row(
        f"{DEZHOU}: convenience services a day, all town centres",
        "services per day",
        339.0,
        "published (derived: 426,000 in all, ≈ 339 a day)",
        convenience,
        TOLERANCES["daily volume"],
        f"{len(town_halls(after, 'convenience'))} centres; {pair.size}",
    )
    before_v = pair.values(pair.before, "visits_per_enterprise_per_year").mean()
    after_v = pair.values(pair.after, "visits_per_enterprise_per_year").mean()
    yield published_row(
        f"{DEZHOU}: visits to firms, year on year",
        "relative change",
        -0.343,
        "published",
        pair.change("visits_per_enterprise_per_year"),
        TOLERANCES["relative change"],
        f"{before_v:.2f} → {after_v:.2f} routine visits per firm a year; {pair.size}",
        unit="pp",
    )
    whistled = pair.values(pair.after, "whistled_up").sum()
    p90 = pair.values(pair.after, "response_min_p90").mean()
    yield published_row(
        f"{DEZHOU}: town team on site after an incident is reported",
        "median response (min)",
        15.0,
        "published (upper bound: under 15 min)",
        pair.values(pair.after, "response_min_p50"),
        TOLERANCES["upper bound"],
        f"all incidents; {whistled:.0f} whistled up to a county team; 90th percentile "
        f"{p90:.0f} min; {pair.size}",
    )
    change, top_before, top_after = pair.percentile_change("visits_per_enterprise_per_year", 95)
    yield published_row(
        f"{DEZHOU}: one chemical firm's inspections (4 a week before, about 1 a month after)",
        "relative change",
        12 / 200 - 1,
        "published (anecdote; derived: ≈ 200 → 12 a year)",
        change,
        differs(
            "one firm's account; the model's routine checks keep each department under 2 "
            "visits a firm a year (docs/calibration.md caps), so no firm sees 4 a week before "
            "the reform, and joint visits clear only planned checks: there are no repeated "
            "or uncoordinated checks to cut"
        ),
        f"firm at the 95th percentile of visits (high-risk class): {top_before:.1f} → "
        f"{top_after:.1f} a year; {pair.size}",
    )
    hours_before = pair.values(pair.before, "citizen_hours")
    hours_after = pair.values(pair.after, "citizen_hours")
    yield published_row(
        f"{DEZHOU}: service efficiency after the reform",
        "relative change",
        0.30,
        "published (at least +30 %)",
        hours_before / hours_after - 1,
        differs(
            "004 does not say what 'efficiency' measures; shown instead: matters per hour of "
            "citizens' time (travel, waiting, service), after ÷ before − 1, over all matters"
        ),
        f"{hours_before.mean():,.0f} → {hours_after.mean():,.0f} citizen hours; {pair.size}",
    )


# --- reforms judged by directions: Wuhu, Ankang, Baoying, Baisha ---------------------------


def direction_row(
    pair: Pair, case: str, metric: str, scope: str, kind: str, tolerance: Tolerance
) -> Row:
    """A figure that gives a direction: the paired change of ``metric`` in ``scope``
    (after − before, one per replication), judged by ``falls()`` or ``rises()``."""
    unit = METRICS[metric].unit
    unit = "" if unit in ("count", "share") else f" {unit}"
    before, after = pair.mean(pair.before, metric, scope), pair.mean(pair.after, metric, scope)
    return published_row(
        case,
        f"Δ {metric} ({scope})",
        0.0,
        kind,
        pair.delta(metric, scope),
        tolerance,
        f"before {fmt(before, metric)} → after {fmt(after, metric)}{unit}; {pair.size}",
    )


def team_response_row(pair: Pair, case: str, team: str, kind: str, tolerance: Tolerance) -> Row:
    """The median response of a team that exists after the reform, beside 004's bound."""
    p90 = pair.mean(pair.after, "response_min_p90", f"team:{team}")
    incidents = pair.mean(pair.after, "incidents", f"team:{team}")
    return published_row(
        case,
        f"median response (min) (team:{team})",
        15.0,
        kind,
        pair.values(pair.after, "response_min_p50", f"team:{team}"),
        tolerance,
        f"{incidents:.0f} incidents a run; 90th percentile {p90:.0f} min; {pair.size}",
    )


WUHU = "Wuhu (000)"
FEWER_TRIPS = "published (direction: fewer trips back and forth, 往返跑腿更少)"
BOUND_004 = "bound from 004 (Dezhou: under 15 min), applied"


def wuhu_rows(days: int, reps: int) -> Iterator[Row]:
    """Wuhu, Anhui (docs/sources.md, 000), against ``wuhu/before.yaml`` and ``after.yaml``:
    Fada, a developed town, gets a people's service centre with delegated items and a town
    enforcement brigade. The evaluation gives directions, not figures; each is judged on the
    paired change (at least :data:`MIN_CHANGE_REPS` replications)."""
    pair = Pair.run("wuhu", days, max(reps, MIN_CHANGE_REPS))
    yield direction_row(
        pair,
        f"{WUHU}: travel per matter, Fada's residents",
        "travel_min",
        "town:Fada",
        FEWER_TRIPS,
        TOLERANCES["fewer"],
    )
    yield direction_row(
        pair,
        f"{WUHU}: trips per matter, Fada's residents",
        "trips_per_matter",
        "town:Fada",
        FEWER_TRIPS + "; fewer papers handed in again (重复提供资料更少)",
        TOLERANCES["fewer"],
    )
    yield direction_row(
        pair,
        f"{WUHU}: response to incidents in Fada",
        "response_min_p50",
        "town:Fada",
        "published (direction: a town brigade and grid members find, report and handle "
        "problems, 综合行政执法大队, 网格员)",
        TOLERANCES["fewer"],
    )
    yield team_response_row(
        pair,
        f"{WUHU}: Fada's brigade on site after an incident is reported",
        "Fada brigade",
        BOUND_004,
        TOLERANCES["upper bound"],
    )


ANKANG = "Ankang (001)"


def ankang_rows(days: int, reps: int) -> Iterator[Row]:
    """Ankang, Shaanxi (docs/sources.md, 001), against ``ankang/before.yaml`` and
    ``after.yaml``: pilot towns Daping and Zhaoxi get a front-desk centre with delegated
    items, village service stations and a town enforcement team. Directions, judged on the
    paired change (at least :data:`MIN_CHANGE_REPS` replications)."""
    pair = Pair.run("ankang", days, max(reps, MIN_CHANGE_REPS))
    yield direction_row(
        pair,
        f"{ANKANG}: matters handled by a village station, Daping",
        "share_station",
        "town:Daping",
        "published (direction: small matters stay in the village, 小事不出村)",
        TOLERANCES["more"],
    )
    yield direction_row(
        pair,
        f"{ANKANG}: matters taken to the county hall",
        "in_person",
        "hall:County hall",
        "published (direction: big matters stay in the town, 大事不出镇)",
        TOLERANCES["fewer"],
    )
    yield direction_row(
        pair,
        f"{ANKANG}: distance travelled per matter, Daping's residents",
        "travel_km",
        "town:Daping",
        "published (direction: no more running back and forth, 来回跑、多头跑)",
        TOLERANCES["fewer"],
    )
    yield direction_row(
        pair,
        f"{ANKANG}: response to incidents in Daping",
        "response_min_p50",
        "town:Daping",
        "published (direction: towns that 'could see but not act' now act, 看得见的管不了)",
        TOLERANCES["fewer"],
    )
    yield team_response_row(
        pair,
        f"{ANKANG}: Daping's team on site after an incident is reported",
        "Daping team",
        "bound from 004 (Dezhou: under 15 min); 001 gives no minutes",
        differs(
            "001 publishes no response time, only 'quicker action' (judged above); beside "
            "Dezhou's plains towns, Daping's villages and firms lie scattered along mountain "
            "valleys (5 km from the town centre on average, against 3 in dezhou/) and its "
            "crews drive 30 km/h on mountain roads, so its median is longer than 15 min"
        ),
    )


BAOYING = "Baoying (002)"


def baoying_rows(days: int, reps: int) -> Iterator[Row]:
    """Baoying, Jiangsu (docs/sources.md, 002), against ``baoying/before.yaml`` and
    ``after.yaml``: every town's centre takes the delegated items on comprehensive windows
    and its enforcement forces form one team. Directions, judged on the paired change (at
    least :data:`MIN_CHANGE_REPS` replications)."""
    pair = Pair.run("baoying", days, max(reps, MIN_CHANGE_REPS))
    yield direction_row(
        pair,
        f"{BAOYING}: travel per matter, whole county",
        "travel_min",
        "all",
        "published (direction: items delegated to the towns, 下放30项审批服务事项; the author "
        "finds the gain modest, 获得感不强)",
        TOLERANCES["fewer"],
    )
    yield direction_row(
        pair,
        f"{BAOYING}: response to incidents, whole county",
        "response_min_p50",
        "all",
        "published (direction: one enforcement team a town, 107 penalty items delegated)",
        TOLERANCES["fewer"],
    )


BAISHA = "Baisha (003)"


def baisha_rows(days: int, reps: int) -> Iterator[Row]:
    """Baisha, Chongqing (docs/sources.md, 003), against ``baisha/before.yaml`` and
    ``after.yaml``: a 24-window hall where any window does any item, and a town
    comprehensive enforcement bureau. Directions judged on the paired change (at least
    :data:`MIN_CHANGE_REPS` replications); the yearly count of checks and cases is a
    consistency check (it follows from the firms assumed in the scenario)."""
    pair = Pair.run("baisha", days, max(reps, MIN_CHANGE_REPS))
    yield published_row(
        f"{BAISHA}: windows in the new hall",
        "window_staff (hall:Baisha hall)",
        24.0,
        "published (input: 政务服务窗口24个)",
        pair.values(pair.after, "window_staff", "hall:Baisha hall"),
        TOLERANCES["input"],
        f"{fmt(pair.mean(pair.before, 'window_staff', 'hall:Baisha hall'))} specialised "
        f"windows before; {pair.size}",
    )
    yield direction_row(
        pair,
        f"{BAISHA}: wait at the hall, any window does any item",
        "wait_min_mean",
        "hall:Baisha hall",
        "published (direction: 一窗受理，一号通办)",
        TOLERANCES["fewer"],
    )
    yield direction_row(
        pair,
        f"{BAISHA}: travel per matter, Baisha's residents",
        "travel_min",
        "town:Baisha",
        "published (direction: 173 district powers delegated to the town)",
        TOLERANCES["fewer"],
    )
    yield team_response_row(
        pair,
        f"{BAISHA}: the bureau on site after an incident is reported",
        "Baisha bureau",
        BOUND_004,
        TOLERANCES["upper bound"],
    )
    bureau = "team:Baisha bureau"
    year = pair.after.scenario.demand.days_per_year
    done = pair.values(pair.after, "checks_done", bureau)
    per_year = (done + pair.values(pair.after, "incidents", bureau)) * year / pair.days
    yield published_row(
        f"{BAISHA}: the bureau's inspections and cases a year",
        "checks and cases a year (team:Baisha bureau)",
        3300.0,
        "published (derived: 18,000+ in 5+ years, 1.8万余件, ≈ 3,000–3,600 a year)",
        per_year,
        TOLERANCES["consistency"],
        f"(checks_done + incidents) × {year:g} working days a year ÷ {pair.days} days run; it "
        "follows from Baisha's 3,000 firms and the check and incident rates assumed, so it "
        f"checks consistency, it does not validate; {pair.size}",
    )
    checks = pair.values(pair.after, "checks_done", "town:Baisha") / pair.values(
        pair.before, "checks_done", "town:Baisha"
    )
    yield published_row(
        f"{BAISHA}: checks in Baisha against before the reform",
        "ratio after ÷ before (town:Baisha)",
        2.0,
        "published (at least: more in 5 years than the previous 10 together ⇒ ≥ 2× a year)",
        checks,
        differs(
            "before the reform the model's district teams already do every check their plan "
            "holds (they have the capacity), so the bureau does about as many; what the "
            "district actually did in Baisha before, and checks nobody planned, are in "
            "neither the model nor the document"
        ),
        f"checks_done {fmt(pair.mean(pair.before, 'checks_done', 'town:Baisha'))} → "
        f"{fmt(pair.mean(pair.after, 'checks_done', 'town:Baisha'))}; {pair.size}",
    )


REFORMS: dict[str, Callable[[int, int], Iterator[Row]]] = {
    "dezhou": dezhou_rows,
    "wuhu": wuhu_rows,
    "ankang": ankang_rows,
    "baoying": baoying_rows,
    "baisha": baisha_rows,
}
"""Each reform's rows, by the folder of its scenarios (``scenarios/<name>/``)."""


def published_rows(days: int, reps: int) -> Iterator[Row]:
    """Every reform's rows: ``days`` working days (a reform whose figures are a year's runs
    at least a year), ``reps`` replications."""
    for rows in REFORMS.values():
        yield from rows(days, reps)


def shipped(reform: str) -> list[str]:
    """The scenario files a reform's rows run (relative to the package's ``scenarios/``)."""
    return sorted(p.relative_to(EXAMPLES).as_posix() for p in (EXAMPLES / reform).glob("*.yaml"))
