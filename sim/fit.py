"""Estimating a scenario from a queue-ticket log (``countysim fit``). Pure: no files.

:func:`fit` takes the tickets :func:`sim.tickets.read_tickets` read and returns a
:class:`FitResult`: ``data``, a scenario (plain data, validated) whose demand, service
times, missing-documents shares, return delays, calendar and windows are estimated from
the log; ``table``, one row per estimate with its 95 % interval (or goodness of fit) and
sample size; ``dropped``, the rows left out and why; and ``comments``, the line each
fitted number of the YAML carries (see :mod:`sim.fitreport`).

Definitions (the README's "countysim fit" says the same for planners):

- A *period* is a working date of the log (per ``replication`` where the log has one):
  the days on which at least one ticket was drawn.
- A *request* (a matter, what ``per_1000_residents_per_year`` counts) is a visit that is
  not a return: with a ``citizen`` column, a visit whose previous visit by the same citizen
  for the same item ended ``documents_missing`` or ``sent_home`` is a return; without one,
  the requests of an item are its visits minus its ``documents_missing`` and ``sent_home``
  visits (each brings one more visit, when it falls inside the log).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.model.calendar import MONTHS
from sim.scenario.holidays import NotCovered, public_days, workday_dates
from sim.scenario.load import validate_data
from sim.tickets import Dropped

__all__ = [
    "FAMILIES",
    "KS_LIMIT",
    "FitResult",
    "ServiceFit",
    "fit",
    "fit_service",
    "poisson_interval",
    "wilson_interval",
]

FAMILIES = ("exponential", "gamma", "lognormal", "weibull")
"""Families fitted to service times by maximum likelihood (location 0)."""
N_PARAMS = {"exponential": 1, "gamma": 2, "lognormal": 2, "weibull": 2}
AIC_TIE = 2.0
"""Families within this many AIC units of the best count as tied; the one with fewest
parameters is chosen (an exponential is not replaced by a gamma of shape 1.01)."""
KS_LIMIT = 0.05
"""The chosen family is replaced by the empirical quantiles when its Kolmogorov–Smirnov
distance exceeds this and the 5 % critical value 1.36/√n (a misfit that matters and is
not chance)."""
MAX_FIT_VALUES = 200_000
"""Service times fitted per item at most (a fixed-seed subsample beyond; means, sds and
their intervals use every value)."""
QUANTILES = 100
"""Values of an empirical service-time distribution (quantiles at (i + ½)/100)."""
BIN_MIN = 15
"""Width of the clock bins in which opening hours are inferred."""
NOTIONAL_POPULATION = 1_000_000
"""Residents of the one town written without --towns (requests per 1000 of them)."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Z = 1.959963984540054


def poisson_interval(n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson mean from the count ``n``."""
    a = (1 - level) / 2
    low = 0.0 if n == 0 else stats.chi2.ppf(a, 2 * n) / 2
    return float(low), float(stats.chi2.ppf(1 - a, 2 * n + 2) / 2)


def wilson_interval(k: float, n: float) -> tuple[float, float]:
    """Wilson score interval (95 %) for a share ``k`` of ``n``."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _sig(value: float, digits: int = 4) -> float:
    """``value`` to ``digits`` significant digits (0 below the schema's smallest number)."""
    if value == 0 or not math.isfinite(value) or abs(value) < 1e-6:
        return 0.0
    return float(f"{value:.{digits}g}")


# --- service times ------------------------------------------------------------------------------


@dataclass
class FamilyFit:
    family: str
    params: tuple[float, ...]
    """scipy's shape(s) and scale (location 0)."""
    aic: float
    ks: float

    def frozen(self):
        return _frozen(self.family, self.params)

    def spec(self) -> dict[str, Any]:
        d = self.frozen()
        mean, sd = float(d.mean()), float(d.std())
        if self.family == "exponential":
            return {"dist": "exponential", "mean": _sig(mean)}
        return {"dist": self.family, "mean": _sig(mean), "sd": _sig(sd)}


def _frozen(family: str, params: tuple[float, ...]):
    if family == "exponential":
        return stats.expon(scale=params[0])
    if family == "gamma":
        return stats.gamma(params[0], scale=params[1])
    if family == "lognormal":
        return stats.lognorm(params[0], scale=params[1])
    return stats.weibull_min(params[0], scale=params[1])


@dataclass
class ServiceFit:
    """Service times of one item and the fits to them."""

    item: str
    values: np.ndarray
    """Every service time (minutes; zeros raised to half the clock's resolution)."""
    fits: dict[str, FamilyFit]
    best: str
    """Family with the best AIC (ties: fewest parameters)."""
    chosen: str
    """``best``, or ``empirical`` when its KS distance is too large."""
    spec: dict[str, Any]
    zeros: int
    """Service times of 0 that were raised."""

    @property
    def ks_limit(self) -> float:
        return max(KS_LIMIT, 1.36 / math.sqrt(self.values.size))


def fit_service(item: str, minutes: np.ndarray, resolution_min: float = 1 / 60) -> ServiceFit:
    """Fit :data:`FAMILIES` to service times by maximum likelihood, choose by AIC and check
    the choice by its KS distance (``empirical`` quantiles where it fails)."""
    x = np.asarray(minutes, dtype=float)
    zeros = int((x <= 0).sum())
    x = np.where(x > 0, x, resolution_min / 2)
    sample = x
    if x.size > MAX_FIT_VALUES:
        sample = np.random.default_rng(0).choice(x, MAX_FIT_VALUES, replace=False)
    fits: dict[str, FamilyFit] = {}
    for family in FAMILIES:
        if family == "exponential":
            params: tuple[float, ...] = (float(sample.mean()),)
        else:
            frozen_fit = {"gamma": stats.gamma, "lognormal": stats.lognorm}.get(
                family, stats.weibull_min
            )
            with np.errstate(all="ignore"):
                shape, _, scale = frozen_fit.fit(sample, floc=0)
            params = (float(shape), float(scale))
        d = _frozen(family, params)
        loglik = float(np.sum(d.logpdf(sample)))
        if not math.isfinite(loglik):
            continue
        ks = float(stats.kstest(sample, d.cdf).statistic)
        fits[family] = FamilyFit(family, params, 2 * N_PARAMS[family] - 2 * loglik, ks)
    low = min(f.aic for f in fits.values())
    tied = [f for f in fits.values() if f.aic <= low + AIC_TIE]
    best = min(tied, key=lambda f: (N_PARAMS[f.family], f.aic)).family
    result = ServiceFit(item, x, fits, best, best, fits[best].spec(), zeros)
    if fits[best].ks > result.ks_limit:
        q = np.quantile(x, (np.arange(QUANTILES) + 0.5) / QUANTILES)
        result.chosen = "empirical"
        result.spec = {"dist": "empirical", "values": [round(_sig(v), 2) for v in q]}
    return result


# --- the fit ------------------------------------------------------------------------------------


@dataclass
class FitResult:
    """A fitted scenario and how each number was estimated."""

    data: dict[str, Any]
    """The scenario as plain data (validated: ``countysim run`` runs it)."""
    table: pd.DataFrame
    """One row per estimate: quantity, scope, estimate, ci_low, ci_high, n, method, gof."""
    dropped: Dropped
    comments: dict[tuple, str] = field(default_factory=dict)
    """{path in ``data``: the YAML comment of that line}."""
    service: dict[str, ServiceFit] = field(default_factory=dict)
    hours: pd.DataFrame | None = None
    """The hour profile: hour, key, arrivals, open_min, weight, ci_low, ci_high."""
    towns: pd.DataFrame | None = None
    """Per town: requests in the log, population, requests per 1000 residents a year."""
    notes: list[str] = field(default_factory=list)
    """What the reader of the scenario should know (assumptions, what was not estimated)."""


class _Table:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, quantity, scope, estimate, low, high, n, method, gof="") -> str:
        self.rows.append(
            {
                "quantity": quantity,
                "scope": scope,
                "estimate": estimate,
                "ci_low": low,
                "ci_high": high,
                "n": n,
                "method": method,
                "gof": gof,
            }
        )
        interval = (
            ""
            if low is None or (isinstance(low, float) and math.isnan(low))
            else (f" [{_sig(low, 3):g}, {_sig(high, 3):g}]")
        )
        return f"{_sig(estimate, 4):g}{interval}, n = {n:,}; {method}{'; ' + gof if gof else ''}"


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _opening(minutes: np.ndarray) -> list[tuple[int, int]]:
    """Opening intervals (minutes) inferred from arrival clock times: the :data:`BIN_MIN`
    bins holding at least a tenth of the median busy bin's arrivals, joined into runs."""
    bins = np.bincount((minutes // BIN_MIN).astype(int), minlength=1440 // BIN_MIN)
    positive = bins[bins > 0]
    threshold = max(1.0, 0.1 * float(np.median(positive)))
    open_ = bins >= threshold
    intervals, start = [], None
    for b, is_open in enumerate([*open_, False]):
        if is_open and start is None:
            start = b
        elif not is_open and start is not None:
            intervals.append((start * BIN_MIN, b * BIN_MIN))
            start = None
    return intervals


OUTCOME_ORDER = ("done", "documents_missing", "sent_home", "pending")
"""Outcome codes of :class:`_Log` (4: any other value)."""
DONE, MISSING, SENT_HOME, PENDING = range(4)


def _factor(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes of a text column and its distinct values sorted as strings (code ``i``
    is ``values[i]``, so codes sort as the text does)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        values = np.asarray(column.cat.categories.astype(str), dtype=object)
        codes = column.cat.codes.to_numpy()
    else:
        codes, uniques = pd.factorize(column.astype(str))
        values = np.asarray(uniques, dtype=object)
    if values.size == 0:
        return np.zeros(len(column), dtype=np.int32), []
    values, inverse = np.unique(values, return_inverse=True)
    return inverse.astype(np.int32)[codes], [str(v) for v in values]


@dataclass
class _Log:
    """The tickets as arrays (text as sorted codes, see :func:`_factor`), rows sorted by
    matter key (replication and citizen, as text; no citizen first), item and arrival."""

    n: int
    item: np.ndarray
    items: list[str]
    rep: np.ndarray
    who: np.ndarray
    """The (replication, citizen) pair's rank; -1 where there is no citizen."""
    outcome: np.ndarray
    """Index in :data:`OUTCOME_ORDER`."""
    served: np.ndarray
    arrive: np.ndarray
    call: np.ndarray
    end: np.ndarray
    order: np.ndarray
    """Row of ``tickets`` of each row here."""

    def column(self, tickets: pd.DataFrame, name: str) -> tuple[np.ndarray, list[str]]:
        """Codes of the text column ``name`` in this order, and its values."""
        codes, values = _factor(tickets[name])
        return codes[self.order], values

    def returns(self) -> np.ndarray:
        """Whether each visit is a return: the same citizen's previous visit for the item
        ended documents_missing or sent_home."""
        out = np.zeros(self.n, dtype=bool)
        if self.n > 1:
            same = (self.who[1:] == self.who[:-1]) & (self.item[1:] == self.item[:-1])
            before = np.isin(self.outcome[:-1], (MISSING, SENT_HOME))
            out[1:] = same & before & (self.who[1:] >= 0)
        return out

    def next_same(self) -> np.ndarray:
        """Whether the next row is the same citizen's next visit for the same item."""
        out = np.zeros(self.n, dtype=bool)
        if self.n > 1:
            same = (self.who[1:] == self.who[:-1]) & (self.item[1:] == self.item[:-1])
            out[:-1] = same & (self.who[:-1] >= 0)
        return out


def _log(tickets: pd.DataFrame, has_citizen: bool) -> _Log:
    """The tickets as a :class:`_Log` (sorted as ``_who``, ``item``, ``arrive`` would sort as
    text, ``_who`` being ``replication + "\x1f" + citizen``, or empty without a citizen)."""
    n = len(tickets)
    item, items = _factor(tickets["item"])
    if "replication" in tickets:
        rep, reps = _factor(tickets["replication"])
    else:
        rep, reps = np.zeros(n, dtype=np.int32), [""]
    if has_citizen:
        citizen, citizens = _factor(tickets["citizen"])
        # rank of replication + "\x1f" (what the text key compares first)
        rank = np.empty(len(reps), dtype=np.int64)
        rank[np.argsort(np.asarray([r + "\x1f" for r in reps], dtype=object), kind="stable")] = (
            np.arange(len(reps))
        )
        who = rank[rep] * max(1, len(citizens)) + citizen
        if "" in citizens:
            who[citizen == citizens.index("")] = -1
        del citizen
    else:
        who = np.full(n, -1, dtype=np.int64)
    arrive = tickets["arrive"].to_numpy()
    order = np.argsort(arrive, kind="stable")
    order = order[np.argsort(item[order], kind="stable")]
    order = order[np.argsort(who[order], kind="stable")]
    codes, values = _factor(tickets["outcome"])
    index = np.asarray(
        [OUTCOME_ORDER.index(v) if v in OUTCOME_ORDER else 4 for v in values], dtype=np.int8
    )
    return _Log(
        n=n,
        item=item[order],
        items=items,
        rep=rep[order],
        who=who[order],
        outcome=index[codes[order]] if values else np.full(n, 4, dtype=np.int8),
        served=tickets["served"].to_numpy(dtype=bool)[order],
        arrive=arrive[order],
        call=tickets["call"].to_numpy()[order],
        end=tickets["end"].to_numpy()[order],
        order=order,
    )


def _groups(codes: np.ndarray) -> dict[int, np.ndarray]:
    """{code: positions with it, in order}."""
    if codes.size == 0:
        return {}
    by = np.argsort(codes, kind="stable")
    sorted_codes = codes[by]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    ends = np.r_[starts[1:], sorted_codes.size]
    return {int(sorted_codes[a]): by[a:b] for a, b in zip(starts, ends, strict=True)}


def fit(
    tickets: pd.DataFrame,
    dropped: Dropped,
    towns: list[dict] | None = None,
    items: dict[str, dict] | None = None,
    name: str = "fitted county",
    source: str = "a ticket log",
) -> FitResult:
    """Estimate a scenario from ``tickets`` (as :func:`sim.tickets.read_tickets` returns
    them); ``towns`` (scenario town records) turns volumes into requests per 1000 residents
    of the county; ``items`` gives each item's department, kind and online share."""
    items = items or {}
    table = _Table()
    comments: dict[tuple, str] = {}
    notes: list[str] = []
    has_citizen = bool("citizen" in tickets and (tickets["citizen"] != "").any())
    t = _log(tickets, has_citizen)
    is_return = t.returns() if has_citizen else np.zeros(t.n, dtype=bool)
    reps = max(1, np.unique(t.rep).size)
    day = t.arrive.astype("datetime64[D]").astype(np.int64)  # the arrival's date
    day_min = int(day.min()) if t.n else 0
    span = int(day.max()) - day_min + 1 if t.n else 1
    pairs = np.unique(t.rep.astype(np.int64) * span + (day - day_min))
    period_day = (pairs % span + day_min).astype("datetime64[D]")  # one per (rep, date)
    days = len(pairs)  # working days observed, over replications
    unique_days = np.unique(day)
    dates = [d.item() for d in unique_days.astype("datetime64[D]")]
    first, last = dates[0], dates[-1]

    # --- calendar ---
    per_weekday = pd.Series([d.weekday() for d in dates]).value_counts()
    workdays = [
        WEEKDAYS[w] for w in range(7) if per_weekday.get(w, 0) >= max(1, 0.25 * per_weekday.max())
    ]
    try:
        public_days("china", range(first.year, last.year + 1))
        holidays_source = "china"
    except NotCovered:
        holidays_source = "none"
        notes.append(
            f"chinesecalendar does not know the public holidays of {first.year}–{last.year}: "
            "calendar.public_holidays is none, and the log's days off are listed as holidays"
        )
    months = {(d.year, d.month) for d in dates}
    calendar: dict[str, Any] = {}
    minutes = t.arrive.astype("datetime64[m]").astype(np.int64) % 1440
    opening = _opening(minutes)
    calendar["opening_hours"] = [[_clock(a), _clock(b)] for a, b in opening]
    comments[("calendar", "opening_hours")] = (
        f"inferred: the {BIN_MIN}-minute clock bins where tickets were drawn ({t.n:,} arrivals)"
    )
    calendar["workdays"] = workdays
    comments[("calendar", "workdays")] = (
        "weekdays with tickets on at least a quarter as many dates as the busiest weekday"
    )
    year_days = workday_dates(
        date(first.year, 1, 1), date(first.year, 12, 31), workdays, holidays_source, [], []
    )
    days_per_year = len([d for d in year_days if d.year == first.year])
    dated = len(months) >= 2
    if dated:
        horizon: dict[str, Any] = {"start": first.isoformat(), "end": last.isoformat()}
        expected = set(
            d
            for d in workday_dates(first, last, workdays, holidays_source, [], [])
            if first <= d <= last
        )
        observed = set(dates)
        calendar["public_holidays"] = holidays_source
        calendar["holidays"] = sorted(d.isoformat() for d in expected - observed)
        calendar["extra_workdays"] = sorted(d.isoformat() for d in observed - expected)
        comments[("calendar", "holidays")] = "working days by the calendar without a ticket"
        comments[("calendar", "extra_workdays")] = "days off by the calendar with tickets"
        comments[("horizon",)] = "the log's first and last dates"
    else:
        per_rep = max(1, round(days / reps))
        horizon = {"days": per_rep, "start_weekday": WEEKDAYS[first.weekday()]}
        comments[("horizon",)] = (
            f"the log's {per_rep} working days ({first} to {last}); a log of 2 months or more "
            "is written as a date range"
        )
    if not dated:
        calendar.pop("public_holidays", None)
    method_days = f"{days:,} working days observed" + (
        f" over {reps} replications" if reps > 1 else ""
    )

    # --- requests and volumes ---
    is_new = ~is_return
    n_items = len(t.items)
    per_item = np.bincount(t.item, minlength=n_items)
    present = np.flatnonzero(per_item)
    visits = pd.Series(per_item[present], index=pd.Index([t.items[i] for i in present]))
    outcome_counts = pd.DataFrame(
        np.bincount(t.item * 5 + t.outcome, minlength=n_items * 5).reshape(n_items, 5)[present, :4],
        index=visits.index,
        columns=list(OUTCOME_ORDER),
    )
    if has_citizen:
        requests = pd.Series(
            np.bincount(t.item[is_new], minlength=n_items)[present], index=visits.index
        )
    else:
        requests = (
            visits - outcome_counts["documents_missing"] - outcome_counts["sent_home"]
        ).clip(lower=0)
    if towns:
        population = sum(int(tw.get("population") or 0) for tw in towns)
        if population <= 0:
            from sim.errors import BadInput

            raise BadInput("--towns: the towns' population adds up to 0")
    else:
        population = NOTIONAL_POPULATION

    # --- departments ---
    departments: dict[str, str] = {}
    if "department" in tickets:
        dept, dept_names = t.column(tickets, "department")
        # tickets per item and department (no department: not counted); the most frequent,
        # the first by name among ties
        per_dept = np.bincount(
            t.item * len(dept_names) + dept, minlength=n_items * len(dept_names)
        ).reshape(n_items, len(dept_names))
        if "" in dept_names:
            per_dept[:, dept_names.index("")] = 0
        del dept
    for code, item in zip(present, visits.index, strict=True):
        given = items.get(item, {}).get("department")
        if given:
            departments[item] = given
        elif "department" in tickets and per_dept[code].sum() > 0:
            departments[item] = dept_names[int(np.argmax(per_dept[code]))]
        else:
            departments[item] = item
    if "department" not in tickets and not any(v.get("department") for v in items.values()):
        notes.append("no department column or --items: each item is its own department")

    # --- service times, missing documents ---
    service_min = (pd.Series(t.end[t.served] - t.call[t.served]).dt.total_seconds() / 60).to_numpy()
    served_at = _groups(t.item[t.served])
    seconds = any(
        bool(((v[~np.isnat(v)].astype("datetime64[s]").astype(np.int64) % 60) != 0).any())
        for v in (t.call, t.end)
    )
    resolution = 1 / 60 if seconds else 1.0
    services: list[dict[str, Any]] = []
    service_fits: dict[str, ServiceFit] = {}
    if has_citizen:
        # the first served visit of each matter (a visit not a return and the returns after
        # it), with a citizen: per item, how many and how many of them ended documents_missing
        matter = np.cumsum(is_new)
        rows = np.flatnonzero(t.served & (t.who >= 0))
        firsts = rows[np.r_[True, matter[rows][1:] != matter[rows][:-1]]] if rows.size else rows
        first_n = np.bincount(t.item[firsts], minlength=n_items)
        first_k = np.bincount(t.item[firsts][t.outcome[firsts] == MISSING], minlength=n_items)
        del matter, rows, firsts
    for code, item in zip(present, visits.index, strict=True):
        x = service_min[served_at.get(int(code), np.zeros(0, dtype=np.int64))]
        if x.size < 2:
            notes.append(f"item {item!r}: fewer than 2 served tickets: left out of the scenario")
            continue
        i = len(services)
        sf = fit_service(item, x, resolution)
        service_fits[item] = sf
        facts = items.get(item, {})
        online = float(facts.get("online_share", 0.0))
        station = float(facts.get("station_share", 0.0))
        # the share of the item's requests that reach a hall: residents of towns with village
        # stations also hand station_share of them in there (population-weighted)
        at_station = (
            sum(t["population"] for t in towns or [] if t.get("stations")) / population
            if towns
            else 0.0
        )
        in_person = 1 - online - station * at_station
        n_req = int(requests[item])
        low, high = poisson_interval(n_req)
        scale = days_per_year / days / in_person / (population / 1000)
        rate = n_req * scale
        entry: dict[str, Any] = {
            "id": item,
            "kind": facts.get("kind", "approval"),
            "department": departments[item],
            "per_1000_residents_per_year": _sig(rate),
        }
        per = (
            "per 1000 residents a year"
            if towns
            else f"a year per 1000 of {population:,} notional residents"
        )
        comments[("services", i, "per_1000_residents_per_year")] = table.add(
            "per_1000_residents_per_year",
            item,
            rate,
            low * scale,
            high * scale,
            n_req,
            f"Poisson (exact): requests / {days:,} days × {days_per_year} days_per_year"
            + (f" / (in-person share {in_person:.3g}: online, stations)" if in_person < 1 else "")
            + f", {per}",
        )
        if not facts.get("kind"):
            comments[("services", i, "kind")] = "not in the log: assumption (--items gives it)"
        entry["service_min"] = sf.spec
        mean = float(sf.values.mean())
        sd = float(sf.values.std(ddof=1))
        half = Z * sd / math.sqrt(sf.values.size)
        # sd's interval: asymptotic variance of the sample sd, (μ4 − σ⁴) / (4 σ² n)
        m4 = float(np.mean((sf.values - mean) ** 4))
        sd_half = (
            Z * math.sqrt(max(m4 - sd**4, 0) / (4 * sd * sd * sf.values.size)) if sd > 0 else 0
        )
        best = sf.fits[sf.best]
        others = sorted(
            (f.aic - best.aic, f.family) for f in sf.fits.values() if f.family != sf.best
        )
        gof = f"KS {best.ks:.3f} (limit {sf.ks_limit:.3f}); ΔAIC " + ", ".join(
            f"{fam} {d:+.1f}" for d, fam in others
        )
        method = (
            f"ML {sf.best}, chosen by AIC"
            if sf.chosen != "empirical"
            else f"empirical {QUANTILES} quantiles (best family {sf.best} fails KS)"
        )
        if sf.zeros:
            gof += f"; {sf.zeros} times of 0 set to {resolution / 2:g} min"
        fitted_mean = float(best.frozen().mean()) if sf.chosen != "empirical" else mean
        fitted_sd = float(best.frozen().std()) if sf.chosen != "empirical" else sd
        text = table.add(
            "service_min mean",
            item,
            fitted_mean,
            mean - half,
            mean + half,
            sf.values.size,
            method,
            gof,
        )
        table.add(
            "service_min sd", item, fitted_sd, sd - sd_half, sd + sd_half, sf.values.size, method
        )
        comments[("services", i, "service_min")] = (
            f"mean {text}; sd {_sig(fitted_sd, 3):g} "
            f"[{_sig(sd - sd_half, 3):g}, {_sig(sd + sd_half, 3):g}]"
        )
        # missing documents: the first served visit of each matter
        if has_citizen:
            k, n = int(first_k[code]), int(first_n[code])
            how = "Wilson: first served visit of each matter ends documents_missing"
        else:
            k = int(outcome_counts.loc[item, "documents_missing"])
            n = int(outcome_counts.loc[item, "done"])
            how = "Wilson: documents_missing / done visits (no citizen column)"
        p = k / n if n else 0.0
        lo, hi = wilson_interval(k, n)
        entry["incomplete_prob"] = _sig(p)
        comments[("services", i, "incomplete_prob")] = table.add(
            "incomplete_prob", item, p, lo, hi, n, how
        )
        if online:
            entry["online_share"] = online
            comments[("services", i, "online_share")] = "from --items (not in the log)"
        if facts.get("station_share"):
            entry["station_share"] = float(facts["station_share"])
            comments[("services", i, "station_share")] = "from --items (not in the log)"
        services.append(entry)
    if not services:
        from sim.errors import BadInput

        raise BadInput("the log has no item with 2 or more served tickets: nothing to fit")
    fitted = {s["id"] for s in services}

    # --- demand profiles ---
    demand: dict[str, Any] = {"days_per_year": days_per_year}
    comments[("demand", "days_per_year")] = (
        f"working days of {first.year} by the calendar below; volumes = requests per observed "
        f"working day ({method_days}) × this"
    )
    arrivals = minutes
    total_open = sum(b - a for a, b in opening)
    hour_rows = []
    profile: dict[str, float] = {}
    for hour in range(24):
        open_min = sum(max(0, min(b, 60 * hour + 60) - max(a, 60 * hour)) for a, b in opening)
        if open_min == 0:
            continue
        start = min(max(a, 60 * hour) for a, b in opening if b > 60 * hour and a < 60 * hour + 60)
        c = int(((arrivals >= 60 * hour) & (arrivals < 60 * hour + 60)).sum())
        n = len(arrivals)
        scale = total_open / open_min
        lo, hi = wilson_interval(c, n)
        w = c / n * scale
        key = _clock(start)
        profile[key] = _sig(w, 3)
        comments[("demand", "hour_profile", key)] = table.add(
            "hour_profile",
            key,
            w,
            lo * scale,
            hi * scale,
            c,
            f"multinomial (Wilson): share of {n:,} arrivals / share of {open_min} open minutes",
        )
        hour_rows.append(
            {
                "hour": hour,
                "key": key,
                "arrivals": c,
                "open_min": open_min,
                "weight": w,
                "ci_low": lo * scale,
                "ci_high": hi * scale,
            }
        )
    demand["hour_profile"] = profile
    comments[("demand", "hour_profile")] = "relative arrivals per open minute, from each time on"
    weekday_of = (period_day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    month_of = period_day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    new_weekdays = np.bincount((day[is_new] + 3) % 7, minlength=7)
    new_months = np.bincount(
        t.arrive[is_new].astype("datetime64[M]").astype(np.int64) % 12 + 1, minlength=13
    )
    n_new = int(is_new.sum())
    weekday_profile = {}
    for w in range(7):
        name_w = WEEKDAYS[w]
        if name_w not in workdays:
            continue
        d_w = int((weekday_of == w).sum())
        c = int(new_weekdays[w])
        if d_w == 0:
            continue
        scale = days / d_w
        lo, hi = wilson_interval(c, n_new)
        weekday_profile[name_w] = _sig(c / n_new * scale, 3)
        comments[("demand", "weekday_profile", name_w)] = table.add(
            "weekday_profile",
            name_w,
            c / n_new * scale,
            lo * scale,
            hi * scale,
            c,
            f"multinomial (Wilson): share of {n_new:,} requests / share of days ({d_w} of {days})",
        )
    demand["weekday_profile"] = weekday_profile
    comments[("demand", "weekday_profile")] = "relative requests per working day"
    if dated:
        month_profile = {}
        for m in range(1, 13):
            d_m = int((month_of == m).sum())
            if d_m == 0:
                continue
            c = int(new_months[m])
            scale = days / d_m
            lo, hi = wilson_interval(c, n_new)
            month_profile[MONTHS[m - 1]] = _sig(c / n_new * scale, 3)
            comments[("demand", "month_profile", MONTHS[m - 1])] = table.add(
                "month_profile",
                MONTHS[m - 1],
                c / n_new * scale,
                lo * scale,
                hi * scale,
                c,
                f"multinomial (Wilson): share of requests / share of days ({d_m} of {days})",
            )
        demand["month_profile"] = month_profile
        comments[("demand", "month_profile")] = (
            "relative requests per working day; months not in the log: 1"
        )

    # --- return delay after missing documents ---
    if has_citizen:
        day_number = np.searchsorted(unique_days, day)  # the date's place among the dates
        dm = (t.outcome == MISSING) & t.next_same()
        gaps = (np.roll(day_number, -1) - day_number)[dm]
        if gaps.size:
            values, counts = np.unique(gaps, return_counts=True)
            demand["return_days"] = {
                "dist": "empirical",
                "values": [int(v) for v in values],
                "weights": [int(c) for c in counts],
            }
            mean = float(gaps.mean())
            half = (
                Z * float(gaps.std(ddof=1)) / math.sqrt(gaps.size)
                if gaps.size > 1
                else float("nan")
            )
            comments[("demand", "return_days")] = table.add(
                "return_days mean",
                "all",
                mean,
                mean - half,
                mean + half,
                int(gaps.size),
                "empirical: working days from a documents_missing visit to the citizen's next "
                "visit for the item",
            )
        else:
            notes.append(
                "no documents_missing visit is followed by a return in the log: "
                "return_days is the default"
            )
    else:
        notes.append("no citizen column: return_days is not estimated (the default)")

    # --- geography ---
    if towns:
        geography: dict[str, Any] = {"towns": towns}
        comments[("geography", "towns")] = "from --towns"
    else:
        geography = {
            "towns": [
                {
                    "name": "county",
                    "population": NOTIONAL_POPULATION,
                    "x_km": 0,
                    "y_km": 0,
                    "resident_km": 0,
                }
            ]
        }
        comments[("geography", "towns")] = (
            "no --towns: one notional town at the seat carries all demand, so travel, trips "
            "and distances in results mean nothing; give --towns towns.csv for them"
        )
    town_table = None
    fitted_item = np.asarray([name in fitted for name in t.items], dtype=bool)
    if "town" in tickets and (tickets["town"] != "").any():
        town, town_names = t.column(tickets, "town")
        per_town = np.bincount(town[is_new & fitted_item[t.item]], minlength=len(town_names))
        counts = {town_names[i]: int(per_town[i]) for i in np.flatnonzero(per_town)}
        del town
        pops = {tw["name"]: int(tw.get("population") or 0) for tw in towns or []}
        rows = []
        for town_name in sorted(set(counts) | set(pops)):
            c = int(counts.get(town_name, 0))
            pop = pops.get(town_name)
            per = c * days_per_year / days / (pop / 1000) if pop else float("nan")
            rows.append(
                {"town": town_name, "requests": c, "population": pop, "per_1000_per_year": per}
            )
        town_table = pd.DataFrame(rows)
        unknown = [r["town"] for r in rows if towns and r["town"] not in pops]
        if unknown:
            notes.append(
                f"towns in the log but not in --towns: {', '.join(unknown[:10])} "
                "(their requests count in the county's volume)"
            )

    # --- halls and windows ---
    halls = []
    town_names = [tw["name"] for tw in towns or []]
    hall_code, hall_names = t.column(tickets, "hall")
    if "window" in tickets:
        window, window_names = t.column(tickets, "window")
    of_fitted = np.flatnonzero(fitted_item[t.item])
    by_hall = _groups(hall_code[of_fitted])
    # halls in the order of their first ticket of a fitted item
    for code in sorted(by_hall, key=lambda c: by_hall[c][0]):
        hall = hall_names[code]
        mine = of_fitted[by_hall[code]]
        done = mine[t.served[mine]]
        served_items = [t.items[i] for i in np.unique(t.item[done])]
        if not served_items:
            notes.append(f"hall {hall!r}: served no ticket of a fitted item: left out")
            continue
        at = next(
            (tn for tn in sorted(town_names, key=len, reverse=True) if tn and tn in hall), "seat"
        )
        groups: list[dict[str, Any]] = []
        if "window" in tickets and any(window_names[w] != "" for w in np.unique(window[done])):
            served_by: dict[str, set[str]] = {}  # window: departments of the items it served
            for pair in np.unique(window[done] * n_items + t.item[done]):
                w, i = divmod(int(pair), n_items)
                served_by.setdefault(window_names[w], set()).add(departments[t.items[i]])
            skills: dict[tuple, list[str]] = {}
            for w_name in sorted(served_by):
                skills.setdefault(tuple(sorted(served_by[w_name])), []).append(w_name)
            for sk in sorted(skills):
                members = skills[sk]
                groups.append(
                    {
                        "count": len(members),
                        "skills": list(sk),
                        "_comment": f"windows {', '.join(sorted(members)[:12])}"
                        + (" …" if len(members) > 12 else ""),
                    }
                )
            how = "windows serving the same departments form a group"
        else:
            starts = np.sort(t.call[done])
            ends = np.sort(t.end[done])
            busy = np.arange(1, starts.size + 1) - np.searchsorted(ends, starts, side="right")
            groups.append(
                {
                    "count": int(busy.max()),
                    "skills": sorted({departments[i] for i in served_items}),
                    "_comment": "no window column: most tickets in service at once",
                }
            )
            how = "no window column: one group"
        entry = {"name": hall, "at": at, "serves": {"ids": served_items}, "windows": []}
        hi = len(halls)
        for g, group in enumerate(groups):
            comments[("halls", hi, "windows", g)] = group.pop("_comment")
            entry["windows"].append(group)
        comments[("halls", hi, "windows")] = how
        comments[("halls", hi, "at")] = (
            "a town named in the hall's name" if at != "seat" else "the county seat (assumption)"
        )
        comments[("halls", hi)] = f"{len(mine):,} tickets, {len(done):,} served"
        halls.append(entry)
        table.add(
            "windows", hall, sum(g["count"] for g in entry["windows"]), None, None, len(done), how
        )

    data: dict[str, Any] = {
        "name": name,
        "description": f"Fitted by countysim fit from {source} ({len(tickets):,} tickets, "
        f"{first} to {last}).",
        "seed": 1,
        "horizon": horizon,
        "calendar": calendar,
        "travel": {"modes": [{"name": "car", "speed_kmh": 40, "share": 1}]},
        "geography": geography,
        "demand": demand,
        "services": services,
        "halls": halls,
    }
    comments[("travel",)] = "not in a ticket log: assumption (copy the modes of a shipped scenario)"
    validate_data(data, "the fitted scenario")
    frame = pd.DataFrame(
        table.rows,
        columns=["quantity", "scope", "estimate", "ci_low", "ci_high", "n", "method", "gof"],
    )
    return FitResult(
        data=data,
        table=frame,
        dropped=dropped,
        comments=comments,
        service=service_fits,
        hours=pd.DataFrame(hour_rows),
        towns=town_table,
        notes=notes,
    )
