"""Targets (``--target wait_min_p90=20``) judged where they apply: at every hall or team.

A county-wide mean hides a queue at one hall: most visits are at quiet town centres. A
target on a metric that is reported per hall (per team for enforcement metrics) is met at
a sweep point only when the 95 % interval of *every* hall lies on the right side of it. The
hall that decides is the one whose interval bound is worst (``hall:worst``); where the grid
path names a hall (``halls[0].…``), that hall is shown beside it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from sim.errors import closest
from sim.metrics import METRICS, fmt

__all__ = ["Target", "interval", "judge", "swept_scope", "verdict"]


@dataclass(frozen=True)
class Target:
    """``metric`` must stay at or under ``value`` (at or above it where more is better)."""

    metric: str
    value: float

    @property
    def ceiling(self) -> bool:
        return not METRICS[self.metric].higher_is_better

    @property
    def kind(self) -> str:
        """The units it is judged at: ``hall``, ``team`` or (neither applies) ``all``."""
        scopes = METRICS[self.metric].scopes
        return "hall" if "hall" in scopes else "team" if "team" in scopes else "all"

    def __str__(self) -> str:
        return f"{self.metric} {'≤' if self.ceiling else '≥'} {fmt(self.value, self.metric)}"

    @classmethod
    def parse(cls, text: str) -> Target:
        """``"wait_min_p90=20"``; ValueError with the reason otherwise."""

        metric, _, value = (part.strip() for part in text.partition("="))
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(f"--target: expected METRIC=NUMBER, got {text!r}")
        if metric not in METRICS:
            raise ValueError(f"--target: unknown metric {metric!r}{closest(metric, list(METRICS))}")
        return cls(metric, number)


def swept_scope(table: pd.DataFrame, grid: list[str]) -> str | None:
    """The hall scope the first grid path names (``halls[2]…`` or ``halls[County hall]…``)."""
    match = re.match(r"halls\[([^\]]+)\]", grid[0]) if grid else None
    if not match:
        return None
    halls = [s for s in dict.fromkeys(table.scope) if s.startswith("hall:")]
    key = match[1].strip()
    if key.isdigit():
        return halls[int(key)] if int(key) < len(halls) else None
    return f"hall:{key}" if f"hall:{key}" in halls else None


def judge(table: pd.DataFrame, grid: list[str], target: Target) -> pd.DataFrame:
    """One row per sweep point: ``point, <grid>, scope, mean, ci_low, ci_high, met``, where
    ``scope`` is the unit whose interval bound is worst (it decides) and ``met`` says the
    whole 95 % interval of every unit meets the target (with one replication: the mean).
    Units without data (no visits there) cannot miss it and are left out. Where the grid
    names a hall, ``swept_mean, swept_ci_low, swept_ci_high`` are that hall's (its scope in
    ``attrs["swept"]``)."""
    rows = table[(table.metric == target.metric) & table["mean"].notna()]
    rows = rows[rows.scope.str.split(":").str[0] == target.kind]
    bound = (rows.ci_high if target.ceiling else rows.ci_low).fillna(rows["mean"])
    swept = swept_scope(table, grid) if target.kind == "hall" else None
    out = []
    for point, part in table.groupby("point", sort=True):
        first = part.iloc[0]
        mine = bound[rows.point == point]
        row = {"point": point, **{g: first[g] for g in grid}}
        if mine.empty:
            out.append({**row, "scope": None, "mean": math.nan, "ci_low": math.nan,
                        "ci_high": math.nan, "met": False})  # fmt: skip
            continue
        decisive = rows.loc[mine.idxmax() if target.ceiling else mine.idxmin()]
        worst = mine.max() if target.ceiling else mine.min()
        met = worst <= target.value if target.ceiling else worst >= target.value
        out.append(
            {
                **row,
                **decisive[["scope", "mean", "ci_low", "ci_high"]].to_dict(),
                "met": bool(met),
            }
        )
        if swept is not None:  # the hall the grid staffs, beside the one that decides
            own = part[(part.metric == target.metric) & (part.scope == swept)]
            for column in ("mean", "ci_low", "ci_high"):
                out[-1][f"swept_{column}"] = own[column].iloc[0] if len(own) else math.nan
    frame = pd.DataFrame(out)
    frame.attrs["swept"] = swept
    return frame


def smallest_met(judged: pd.DataFrame, grid: list[str]) -> pd.Series | None:
    """The smallest grid point that meets the target (by its grid values), or None."""
    ok = judged[judged.met]
    if ok.empty:
        return None
    try:
        return ok.sort_values(grid, kind="stable").iloc[0]
    except TypeError:  # values that do not compare (lists): the first in grid order
        return ok.iloc[0]


def interval(mean: float, low: float, high: float, metric: str) -> str:
    """``23.9 [21.1, 26.7]`` (no brackets without an interval)."""
    ci = "" if math.isnan(low) else f" [{fmt(low, metric)}, {fmt(high, metric)}]"
    return f"{fmt(mean, metric)}{ci}"


def _at(row: pd.Series, metric: str) -> str:
    """``County hall, 23.9 [21.1, 26.7]``: the deciding unit, its mean and interval."""
    name = row.scope.split(":", 1)[-1]
    return f"{name}, {interval(row['mean'], row.ci_low, row.ci_high, metric)}"


def verdict(judged: pd.DataFrame, grid: list[str], target: Target, lang: str = "en") -> str:
    """One sentence: the smallest point meeting the target at every unit, or that none does
    (in ``lang``)."""
    from sim.i18n import t as tr

    where = tr(f"at_every_{target.kind}", lang)
    best = smallest_met(judged, grid)
    if best is not None:
        point = ", ".join(f"{g} = {best[g]}" for g in grid)
        return tr(
            "verdict_met", lang, target=target, where=where, point=point,
            at=_at(best, target.metric),
        )  # fmt: skip
    known = judged.dropna(subset=["mean"])
    if known.empty:
        return tr("verdict_no_data", lang, target=target, where=where, metric=target.metric)
    closest = known.loc[known["mean"].idxmin() if target.ceiling else known["mean"].idxmax()]
    point = ", ".join(f"{g} = {closest[g]}" for g in grid)
    return tr(
        "verdict_not_met", lang, target=target, where=where, point=point,
        at=_at(closest, target.metric),
    )  # fmt: skip
