"""Validation cases: queueing theory, a peer simulator (Ciw) and the published figures.

Each case gives one row: the reference and its kind, the simulated mean with its
confidence interval over independent replications, and whether the reference lies in
that interval. Tolerances come from the replications (Student t at 99.9 %, so that a
correct engine fails one of ~60 checks with probability ≈ 6 %), not from fixed
percentages. Published figures inform: they never fail the run.

Pure computation: :func:`validate` returns a DataFrame; ``sim.store`` writes it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from sim.model import simulate
from sim.scenario import Scenario
from sim.theory import erlang_c, mg1_mean_wait, mmc_mean_wait

__all__ = ["COLUMNS", "LEVEL", "validate"]

LEVEL = 0.999
COLUMNS = [
    "group",
    "case",
    "quantity",
    "reference",
    "reference_kind",
    "simulated",
    "ci_low",
    "ci_high",
    "tolerance",
    "passed",
    "note",
]
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DAY = 1440.0
MEAN_SERVICE = 10.0


@dataclass
class Row:
    """One line of the validation table."""

    group: str
    case: str
    quantity: str
    reference: float
    reference_kind: str
    simulated: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    tolerance: float = math.nan
    passed: bool | None = None
    """None: the row informs, it cannot fail."""
    note: str = ""


def _interval(values: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    v = np.asarray(values, dtype=float)
    half = st.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return float(v.mean()), float(v.mean() - half), float(v.mean() + half)


def theory_row(
    case: str, quantity: str, reference: float, kind: str, values: np.ndarray, note: str = ""
) -> Row:
    """Passes when the reference lies in the replications' interval."""
    mean, low, high = _interval(values)
    return Row(
        "theory",
        case,
        quantity,
        reference,
        kind,
        mean,
        low,
        high,
        (high - low) / 2,
        bool(low <= reference <= high),
        note,
    )


def peer_row(case: str, quantity: str, ours: np.ndarray, theirs: np.ndarray) -> Row:
    """Passes when the interval of the difference of means (Welch) holds 0."""
    a, b = np.asarray(ours, float), np.asarray(theirs, float)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1)) if va + vb else 1.0
    half = st.t.ppf(0.5 + LEVEL / 2, df) * math.sqrt(va + vb)
    d = a.mean() - b.mean()
    mean, low, high = _interval(a)
    return Row(
        "peer",
        case,
        quantity,
        float(b.mean()),
        "Ciw (same model)",
        mean,
        low,
        high,
        half,
        bool(abs(d) <= half),
        f"countysim − Ciw = {d:+.3g} ± {half:.3g} ({a.size} replications each)",
    )


def info_row(
    case: str, quantity: str, reference: float, kind: str, simulated: float, note: str = ""
) -> Row:
    return Row("published", case, quantity, reference, kind, simulated, note=note)


# --- scenarios built for the cases --------------------------------------------------------------


def hall_scenario(
    groups: list[dict],
    items: list[tuple[str, float, Any]],
    days: int,
    opening: list[list[str]] | None = None,
    seed: int = 11,
) -> Scenario:
    """One hall at the seat, one town there (no travel), items ``(department, arrivals per
    minute, service_min)``; open 24/7 unless ``opening`` is given."""
    all_week = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return Scenario.model_validate(
        {
            "name": "validation hall",
            "seed": seed,
            "horizon": {"days": days},
            "calendar": {
                "opening_hours": opening or [["00:00", "24:00"]],
                "workdays": all_week if opening is None else all_week[:5],
            },
            "travel": {"modes": [{"name": "car", "speed_kmh": 50, "share": 1}]},
            "geography": {
                "towns": [
                    {"name": "Town", "population": 1000, "x_km": 0, "y_km": 0, "resident_km": 0}
                ]
            },
            "demand": {"days_per_year": 1},
            "services": [
                {
                    "id": f"item_{dept}",
                    "kind": "approval",
                    "department": dept,
                    "per_1000_residents_per_year": rate
                    * (DAY if opening is None else _open_min(opening)),
                    "service_min": service,
                }
                for dept, rate, service in items
            ],
            "halls": [{"name": "Hall", "windows": groups}],
        }
    )


def _open_min(opening: list[list[str]]) -> float:
    from sim.model.calendar import clock_to_min

    return sum(clock_to_min(b) - clock_to_min(a) for a, b in opening)


def relaxation_days(c: int, load: float, mean_service: float = MEAN_SERVICE) -> float:
    """Rough relaxation time of an M/M/c queue, in days: how long its start-up lasts."""
    return mean_service / (c * (1 - math.sqrt(load)) ** 2) / DAY


def run_lengths(c: int, load: float, min_customers: int) -> tuple[int, int]:
    """Warm-up and total days: 3 and ≥ 25 relaxation times, and enough customers."""
    tau = relaxation_days(c, load)
    per_day = load * c / MEAN_SERVICE * DAY
    warm = max(1, math.ceil(3 * tau))
    days = max(warm + math.ceil(25 * tau), warm + math.ceil(min_customers / per_day), 4)
    return warm, days


def ticket_waits(scenario: Scenario, k: int, warm_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Waits and departments of tickets arriving after the warm-up and before the last day."""
    r = simulate(scenario, k)
    tk = r.tickets
    keep = (tk["arrive"] >= warm_days * DAY) & (tk["arrive"] < r.horizon_min - DAY)
    waits = tk["start"][keep] - tk["arrive"][keep]
    item = r.matters["item"][tk["matter"][keep]]
    return waits, item


# --- theory ----------------------------------------------------------------------------------


def mmc_rows(cases: list[tuple[int, float]], reps: int, min_customers: int) -> Iterator[Row]:
    for c, load in cases:
        warm, days = run_lengths(c, load, min_customers)
        scenario = hall_scenario(
            [{"count": c}],
            [("dept", load * c / MEAN_SERVICE, {"dist": "exponential", "mean": MEAN_SERVICE})],
            days,
        )
        waits = [ticket_waits(scenario, k, warm)[0] for k in range(reps)]
        name = f"M/M/{c}, load {load}"
        note = f"{reps} replications × {days - warm - 1} days, after a {warm}-day warm-up"
        yield theory_row(
            name,
            "mean wait (min)",
            mmc_mean_wait(c, load * c / MEAN_SERVICE, MEAN_SERVICE),
            "Erlang C",
            np.array([w.mean() for w in waits]),
            note,
        )
        yield theory_row(
            name,
            "P(wait > 0)",
            erlang_c(c, load * c),
            "Erlang C",
            np.array([(w > 1e-9).mean() for w in waits]),
            note,
        )


def mg1_rows(reps: int, min_customers: int) -> Iterator[Row]:
    load = 0.7
    for label, service, variance in (
        ("lognormal, CV 1.5", {"dist": "lognormal", "mean": MEAN_SERVICE, "sd": 15}, 15.0**2),
        ("constant", MEAN_SERVICE, 0.0),
    ):
        warm, days = run_lengths(1, load, min_customers)
        days *= 2 if variance else 1  # heavier tails relax more slowly
        scenario = hall_scenario([{"count": 1}], [("dept", load / MEAN_SERVICE, service)], days)
        waits = [ticket_waits(scenario, k, warm)[0].mean() for k in range(reps)]
        yield theory_row(
            f"M/G/1, {label}, load {load}",
            "mean wait (min)",
            mg1_mean_wait(load / MEAN_SERVICE, MEAN_SERVICE, variance),
            "Pollaczek–Khinchine",
            np.array(waits),
        )


def pools_rows(reps: int, min_customers: int) -> Iterator[Row]:
    """Two specialised pools in one hall: each behaves as its own M/M/c."""
    pools = {"A": (3, 0.8), "B": (5, 0.7)}
    warm, days = max(run_lengths(c, load, min_customers) for c, load in pools.values())
    scenario = hall_scenario(
        [{"count": c, "skills": [dept]} for dept, (c, _) in pools.items()],
        [
            (dept, load * c / MEAN_SERVICE, {"dist": "exponential", "mean": MEAN_SERVICE})
            for dept, (c, load) in pools.items()
        ],
        days,
    )
    runs = [ticket_waits(scenario, k, warm) for k in range(reps)]
    for i, (dept, (c, load)) in enumerate(pools.items()):
        yield theory_row(
            f"two skill pools: pool {dept} (M/M/{c}, load {load})",
            "mean wait (min)",
            mmc_mean_wait(c, load * c / MEAN_SERVICE, MEAN_SERVICE),
            "Erlang C",
            np.array([w[item == i].mean() for w, item in runs]),
        )


def little_row() -> Row:
    """Little's law at the busy example county hall (lunch breaks, closing, returns)."""
    scenario = _example("example-same-power.yaml", 20)
    r = simulate(scenario, 0)
    tk = r.tickets
    hall = tk["hall"] == 0
    end = np.where(
        ~np.isnan(tk["start"]),
        tk["start"],
        np.where(~np.isnan(tk["end"]), tk["end"], r.horizon_min),
    )[hall]
    lam = hall.sum() / r.horizon_min
    wait = (end - tk["arrive"][hall]).mean()
    queue = r.halls["queue_area"][0] / r.horizon_min
    error = abs(queue - lam * wait)
    return Row(
        "theory",
        "Little's law, example same-power county hall (20 days)",
        "mean number waiting",
        lam * wait,
        "Little: L = λW, an identity",
        queue,
        tolerance=1e-9 * lam * wait,
        passed=bool(error <= 1e-9 * lam * wait),
        note=f"|L − λW| = {error:.1e}; L is the hall's own running queue integral",
    )


def opening_hours_row(reps: int) -> Row:
    """Working hours, flat profile, enough windows that nobody waits past closing:
    every arrival is served the same day."""
    per_min = 0.3
    opening = [["08:30", "12:00"], ["14:00", "17:30"]]
    scenario = hall_scenario(
        [{"count": 8}],
        [("dept", per_min, {"dist": "exponential", "mean": MEAN_SERVICE})],
        days=20,
        opening=opening,
    )
    per_day = per_min * _open_min(opening)
    values = []
    for k in range(reps):
        r = simulate(scenario, k)
        values.append(np.isin(r.tickets["outcome"], (1, 2)).sum() / r.days)
    return theory_row(
        "opening hours, flat profile, no carry-over (8 windows, load 0.375)",
        "services per day",
        per_day,
        "arrivals per day",
        np.array(values),
    )


# --- peer simulator -------------------------------------------------------------------------


def _ciw_waits(
    c_specialised: int, c_shared: int, rates: tuple[float, float], days: int, warm: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Run Ciw: class 0 may use every window, class 1 only the shared ones (ids above
    ``c_specialised``): a new customer takes the most specialised free window it may use,
    a freed window the oldest customer it may serve — the rule countysim's halls follow."""
    import ciw

    def may_serve(server, ind) -> bool:
        return server.id_number > c_specialised or ind.customer_class == "Class 0"

    class SkillNode(ciw.Node):
        def find_free_server(self, ind):
            for server in self.servers:  # specialised windows come first (lower ids)
                if not server.busy and may_serve(server, ind):
                    return server
            return None

        def begin_service_if_possible_accept(self, ind):
            ind.arrival_date = self.now
            server = self.find_free_server(ind)
            if server is not None:
                self._start(server, ind)

        def begin_service_if_possible_release(self, next_individual, server):
            if server is None or server not in self.servers:
                return
            waiting = [
                i
                for group in self.individuals
                for i in group
                if not i.server and may_serve(server, i)
            ]
            if waiting:
                self._start(server, min(waiting, key=lambda i: i.arrival_date))

        def _start(self, server, ind):
            self.attach_server(server, ind)
            ind.service_start_date = self.now
            ind.service_time = self.get_service_time(ind)
            ind.service_end_date = self.now + ind.service_time
            server.next_end_service_date = ind.service_end_date
            self.number_in_service += 1

    service = ciw.dists.Exponential(rate=1 / MEAN_SERVICE)
    classes = {"Class 0": rates[0], "Class 1": rates[1]}
    network = ciw.create_network(
        arrival_distributions={
            name: [ciw.dists.Exponential(rate=rate) if rate else None]
            for name, rate in classes.items()
        },
        service_distributions={name: [service] for name in classes},
        number_of_servers=[c_specialised + c_shared],
    )
    ciw.seed(1000 + k)
    sim = ciw.Simulation(network, node_class=SkillNode)
    sim.simulate_until_max_time(days * DAY)
    records = [r for r in sim.get_all_records() if warm * DAY <= r.arrival_date < (days - 1) * DAY]
    waits = np.array([r.waiting_time for r in records])
    kind = np.array([0 if r.customer_class == "Class 0" else 1 for r in records])
    return waits, kind


def peer_rows(cases: list[tuple[int, float]], reps: int, min_customers: int) -> Iterator[Row]:
    try:
        import ciw  # noqa: F401
    except ImportError:
        yield Row(
            "peer",
            "Ciw",
            "—",
            math.nan,
            "Ciw",
            math.nan,
            note="skipped: Ciw is not installed (pip install ciw)",
        )
        return
    for c, load in cases:
        warm, days = run_lengths(c, load, min_customers)
        rate = load * c / MEAN_SERVICE
        scenario = hall_scenario(
            [{"count": c}], [("dept", rate, {"dist": "exponential", "mean": MEAN_SERVICE})], days
        )
        ours = np.array([ticket_waits(scenario, k, warm)[0].mean() for k in range(reps)])
        theirs = np.array(
            [_ciw_waits(0, c, (rate, 0.0), days, warm, k)[0].mean() for k in range(reps)]
        )
        yield peer_row(f"M/M/{c}, load {load}", "mean wait (min)", ours, theirs)
    # two classes, two pools: A windows serve class A only; shared windows serve both
    c_a, c_s, rate_a, rate_b = 2, 3, 0.3, 0.15
    warm, days = run_lengths(c_a + c_s, 0.9, min_customers)
    scenario = hall_scenario(
        [{"count": c_a, "skills": ["A"]}, {"count": c_s, "skills": "all"}],
        [
            ("A", rate_a, {"dist": "exponential", "mean": MEAN_SERVICE}),
            ("B", rate_b, {"dist": "exponential", "mean": MEAN_SERVICE}),
        ],
        days,
    )
    ours = [ticket_waits(scenario, k, warm) for k in range(reps)]
    theirs = [_ciw_waits(c_a, c_s, (rate_a, rate_b), days, warm, k) for k in range(reps)]
    for cls, label in ((0, "class A (both pools)"), (1, "class B (shared pool only)")):
        yield peer_row(
            f"two classes, {c_a} A-only + {c_s} shared windows: {label}",
            "mean wait (min)",
            np.array([w[kind == cls].mean() for w, kind in ours]),
            np.array([w[kind == cls].mean() for w, kind in theirs]),
        )


# --- published figures ------------------------------------------------------------------------


def _example(name: str, days: int) -> Scenario:
    from sim.loader import load_scenario

    return load_scenario(SCENARIOS / name, [f"horizon.days={days}"])


def published_rows(days: int, reps: int) -> Iterator[Row]:
    from sim.experiment import compare
    from sim.model.geography import CountyMap

    base = _example("example-baseline.yaml", days)
    seat_km = CountyMap(base).seat_km
    yield info_row(
        "towns beyond 10 km of the county hall (seed 004, Dezhou)",
        "share of towns",
        0.4851,
        "published",
        float((seat_km > 10).mean()),
        "example geometry; 17 towns",
    )
    yield info_row(
        "towns beyond 15 km of the county hall (seed 004, Dezhou)",
        "share of towns",
        0.4104,
        "published",
        float((seat_km > 15).mean()),
        "example geometry; 17 towns",
    )
    reform = _example("example-same-power.yaml", days)
    comparison = compare([base, reform], replications=reps, executor="serial")
    s = comparison.results[1].summary
    mean = s.set_index(["metric", "scope"])["mean"]
    branches = [h.name for h in reform.halls if h.name.endswith("branch")]
    centres = [h.name for h in reform.halls if h.name.endswith("centre")]
    branch = np.mean([mean["throughput_per_day", f"hall:{b}"] for b in branches])
    centre = np.mean([mean["throughput_per_day", f"hall:{c}"] for c in centres])
    yield info_row(
        "approvals a day per branch (Dezhou ≈ 4 a centre)",
        "services per day",
        4.0,
        "published (derived)",
        float(branch),
        "example branches take every approval item of 3–4 towns",
    )
    yield info_row(
        "convenience services a day per town centre (Dezhou ≈ 16)",
        "services per day",
        16.0,
        "published (derived)",
        float(centre),
    )
    t = comparison.table
    row = t[(t.metric == "visits_per_enterprise_per_year") & (t.scope == "all")]
    before, after = row["mean"].iloc[0], row["mean"].iloc[1]
    yield info_row(
        "fall in visits to enterprises (Dezhou −34.3 %)",
        "relative change",
        -0.343,
        "published",
        float(after / before - 1),
        f"{before:.2f} → {after:.2f} routine visits per firm a year; {days} days",
    )
    local = [f"team:{t.name}" for t in reform.enforcement.teams if t.base != "seat" and t.crews]
    p50 = np.mean(
        [
            mean["response_min_p50", team]
            for team in local
            if ("response_min_p50", team) in mean.index
        ]
    )
    yield info_row(
        "town team on site (Dezhou: under 15 min)",
        "median response of town teams (min)",
        15.0,
        "published (upper bound)",
        float(p50),
        "mean over town teams of their median report → on-site time",
    )


# --- all together ---------------------------------------------------------------------------


def validate(quick: bool = False, progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run every case; ``quick`` runs a subset with fewer, shorter replications."""
    if quick:
        mmc = [(1, 0.5), (1, 0.8), (5, 0.8), (20, 0.95)]
        peer = [(1, 0.8), (5, 0.8)]
        reps, customers, published = 10, 6_000, (20, 2)
    else:
        mmc = [(c, load) for c in (1, 2, 5, 10, 20) for load in (0.5, 0.8, 0.95)]
        peer = [(c, load) for c in (1, 2, 5, 10, 20) for load in (0.5, 0.8, 0.95)]
        reps, customers, published = 10, 20_000, (250, 5)
    groups = [
        ("M/M/c against Erlang C", lambda: mmc_rows(mmc, reps, customers)),
        ("M/G/1 against Pollaczek–Khinchine", lambda: mg1_rows(reps, customers)),
        ("two skill pools", lambda: pools_rows(reps, customers)),
        ("Little's law", lambda: [little_row()]),
        ("opening hours", lambda: [opening_hours_row(reps)]),
        ("peer: Ciw", lambda: peer_rows(peer, reps, customers)),
        ("published figures", lambda: published_rows(*published)),
    ]
    rows = []
    for label, make in groups:
        if progress:
            progress(label)
        rows += [asdict(row) for row in make()]
    return pd.DataFrame(rows, columns=COLUMNS)
