"""The engine against queueing theory: Erlang C (M/M/c), Little's law.

Tolerance: each case runs R independent replications; the statistic of a replication
is its mean over customers that arrive after a warm-up of ``WARMUP`` days (the hall
starts empty) and before the last day (whose waits would be cut by the horizon).
Theory must lie inside the 99.9 % Student-t confidence interval of the replication
means. The seeds are fixed, so a run either passes or fails the same way every time;
99.9 % keeps the chance that a correct engine fails any of the 18 checks below 2 %.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import simulate
from sim.scenario import Scenario
from sim.stats import half_width
from sim.validation.theory import erlang_c, mmc_mean_wait
from tests.conftest import mmc_data

WARMUP = 2
REPLICATIONS = 16
LEVEL = 0.999


def _replication_stats(scenario: Scenario, k: int) -> tuple[float, float]:
    r = simulate(scenario, k)
    tk = r.tickets
    day = 1440.0
    keep = (tk["arrive"] >= WARMUP * day) & (tk["arrive"] < r.horizon_min - day)
    wait = tk["start"][keep] - tk["arrive"][keep]
    assert not np.isnan(wait).any()
    return float(wait.mean()), float((wait > 1e-9).mean())


def _ci(values: list[float]) -> tuple[float, float, float]:
    v = np.asarray(values)
    half = half_width(v.std(ddof=1), v.size, LEVEL)
    return float(v.mean()), float(v.mean() - half), float(v.mean() + half)


def _days_for(c: int, load: float) -> int:
    # longer runs where the queue relaxes slowly (few windows, high load)
    return {1: 60, 4: 24, 10: 12}[c] * (2 if load >= 0.9 else 1)


@pytest.mark.slow
@pytest.mark.parametrize("c", [1, 4, 10])
@pytest.mark.parametrize("load", [0.5, 0.7, 0.9])
def test_mmc_matches_erlang_c(c: int, load: float) -> None:
    mean_service = 10.0
    scenario = Scenario.model_validate(mmc_data(c, load, mean_service, days=_days_for(c, load)))
    results = [_replication_stats(scenario, k) for k in range(REPLICATIONS)]
    wait, wait_lo, wait_hi = _ci([w for w, _ in results])
    p, p_lo, p_hi = _ci([q for _, q in results])
    theory_wait = mmc_mean_wait(c, load * c / mean_service, mean_service)
    theory_p = erlang_c(c, load * c)
    assert wait_lo <= theory_wait <= wait_hi, (wait, wait_lo, wait_hi, theory_wait)
    assert p_lo <= theory_p <= p_hi, (p, p_lo, p_hi, theory_p)


@pytest.mark.parametrize("case", ["M/M/3 round the clock", "county with opening hours"])
def test_the_halls_queue_integral_equals_the_tickets_waits(case: str, county_data: dict) -> None:
    """Little's law over the horizon (L·T = Σ W): each hall's own time-weighted count of
    waiting tickets, kept by the hall as the run goes, equals the sum of its tickets' waits
    from the ticket log (to service, to being sent home at closing, or to the horizon), two
    records kept independently. With lunch breaks and closing in the county case."""
    data = mmc_data(3, 0.85, days=10) if case.startswith("M/M/3") else county_data
    r = simulate(Scenario.model_validate(data), 0)
    waits, hall = r.waits(), r.tickets["hall"]
    assert waits.sum() > 0
    for h in range(len(r.halls["windows"])):
        assert r.halls["queue_area"][h] == pytest.approx(waits[hall == h].sum(), rel=1e-9, abs=1e-6)
