"""The example county beside the published figures (Dezhou): these rows inform, never fail."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sim import compare
from sim.model.geography import CountyMap
from sim.validation.cases import example
from sim.validation.rows import Row, info_row

__all__ = ["published_rows"]


def published_rows(days: int, reps: int) -> Iterator[Row]:
    """Geometry, branch and centre throughput, visits to firms and town-team response of the
    shipped examples (``days`` working days, ``reps`` replications) beside the sources."""
    base = example("example-baseline.yaml", days)
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
    reform = example("example-same-power.yaml", days)
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
