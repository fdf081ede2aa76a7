"""Reports: the figures of a results folder, each with a caption that states its finding in
numbers from the results, in ``report.html`` (one self-contained file) and ``report.md``.

``write_report(folder)`` works on any folder ``countysim`` wrote: a run, a comparison
(``compare.csv``), a sweep (``sweep.csv``) or an optimiser's folder (``candidates.csv`` or
``plans.csv``: :func:`write_optimise_report`); it redraws everything from the saved tables.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from sim import plots
from sim.experiment import Results
from sim.metrics import ENFORCEMENT_METRICS, KEY_METRICS, METRICS, fmt
from sim.model.geography import CountyMap
from sim.scenario import Scenario, load_scenario
from sim.store import load_results, slug
from sim.tables import (
    HALL_COLUMNS,
    TEAM_COLUMNS,
    busiest_halls,
    comparison_rows,
    key_table,
    scope_table,
    sweep_points,
    target_table,
)
from sim.targets import Target, judge, swept_scope, verdict

__all__ = ["before_after_table", "write_optimise_report", "write_report"]


@dataclass
class Figure:
    name: str
    caption: str
    figure: matplotlib.figure.Figure


def _mean(results: Results, metric: str, scope: str = "all") -> float:
    s = results.summary
    row = s[(s.metric == metric) & (s.scope == scope)]
    return float(row["mean"].iloc[0]) if len(row) else float("nan")


def _change(name: str, before: float, after: float, metric: str, unit: str = "") -> str:
    return f"{name} {fmt(before, metric)}{unit} → {fmt(after, metric)}{unit}"


# --- figures with captions --------------------------------------------------------------------


def scenario_figures(results: dict[str, Results]) -> list[Figure]:
    """Figures of one scenario, or several side by side (the first is the reference)."""
    names = list(results)
    first = results[names[0]]
    figures = []
    approvals = [s for s in first.scenario.services if s.kind == "approval"]
    branch_note = ""
    if approvals:
        served = {}
        for name, r in results.items():
            county = CountyMap(r.scenario)
            i = r.scenario.services.index(approvals[0])
            seat_halls = {h for h, hall in enumerate(r.scenario.halls) if hall.at == "seat"}
            served[name] = int(sum(h not in seat_halls for h in county.choice[i]))
        branch_note = "; ".join(
            f"{n}: {k} of {len(first.scenario.geography.towns)} towns "
            "go to a hall outside the seat for approvals"
            for n, k in served.items()
        )
    figures.append(
        Figure(
            "map",
            f"Where citizens go for approval items. {branch_note}.",
            plots.county_map({n: r.scenario for n, r in results.items()}),
        )
    )
    if not any(_mean(r, "visits") > 0 for r in results.values()):
        return figures + _enforcement_figures(results)  # nobody came to a hall: no data
    travel = [_mean(r, "travel_min") for r in results.values()]
    if len(results) > 1:
        text = (
            f"Mean round-trip travel per in-person matter "
            f"{fmt(travel[0], 'travel_min')} min in {names[0]}, "
            f"{fmt(travel[-1], 'travel_min')} min in {names[-1]}."
        )
    else:
        text = f"Mean round-trip travel per in-person matter {fmt(travel[0], 'travel_min')} min."
    reps = min(int(r.replications["replication"].nunique()) for r in results.values())
    text += (
        f" By town: the mean with its 95 % interval over {reps} replications."
        if reps > 1
        else " By town: the mean of one replication, so no interval is drawn."
    )
    figures.append(Figure("travel", text, plots.travel(results)))
    one = [_mean(r, "share_one_trip") for r in results.values()]
    figures.append(
        Figure(
            "trips",
            "Done in one trip: "
            + ", ".join(
                f"{fmt(v, 'share_one_trip')} ({n})" for n, v in zip(names, one, strict=True)
            )
            + ".",
            plots.trips(results),
        )
    )
    daily = {n: r for n, r in results.items() if r.daily is not None}
    if daily:
        figures.append(Figure("daily", _daily_caption(daily), plots.daily(daily)))
    for name, r in results.items():
        if not _mean(r, "visits") > 0:
            continue
        suffix = "" if len(results) == 1 else f"-{slug(name)}"
        halls = [h.name for h in r.scenario.halls]
        p90 = {h: _mean(r, "wait_min_p90", f"hall:{h}") for h in halls}
        worst = max(p90, key=lambda h: -1 if p90[h] != p90[h] else p90[h])
        if p90[worst] > 0:
            text = (
                f"{name}: the longest 90th-percentile wait is at {worst}, "
                f"{fmt(p90[worst], 'wait_min_p90')} min."
            )
        else:
            text = f"{name}: at every hall at least 90 % of visits are served without waiting."
        idle = [h for h in halls if not _mean(r, "visits", f"hall:{h}") > 0]
        text += f" All {len(halls)} halls are shown, sorted by the 90th-percentile wait"
        text += (
            "; without visits (no wait to show): " + ", ".join(idle) + "."
            if idle
            else "; every hall had visits."
        )
        figures.append(Figure(f"waiting{suffix}", text, plots.waiting(r)))
        queue = r.profiles.groupby(["hall", "clock_min"])["queue_mean"].mean()
        (hall, at), peak = queue.idxmax(), queue.max()
        lunch = not any(a <= at < b for a, b in r.scenario.calendar.intervals_min)
        text = (
            f"{name}: the longest mean queue is at {hall}, {fmt(peak)} citizens waiting "
            f"around {plots._clock(at)}"
        )
        text += " — through the lunch break, when no window serves." if lunch else "."
        figures.append(Figure(f"queue{suffix}", text, plots.queue_by_hour(r)))
        busy = r.profiles.groupby(["hall", "clock_min"])["busy_share"].mean()
        (hall, at), top = busy.idxmax(), busy.max()
        figures.append(
            Figure(
                f"utilisation{suffix}",
                f"{name}: the busiest half hour is at {hall} around {plots._clock(at)}, with "
                f"{fmt(top, 'window_utilisation')} of its windows serving.",
                plots.utilisation_heatmap(r),
            )
        )
    return figures + _enforcement_figures(results)


def _daily_caption(results: dict[str, Results]) -> str:
    """The busiest month (with dates) or the mean per day, and the day of the longest mean
    wait, for each scenario."""
    parts = []
    for name, r in results.items():
        t = plots.daily_means(r)
        dated = bool(t["date"].notna().all())
        month = t.groupby(t["date"].dt.to_period("M"))["requests"].mean() if dated else None
        if month is not None and len(month) == 1:
            text = (
                f"{name}: {fmt(month.iloc[0])} requests per working day in "
                f"{month.index[0].strftime('%B %Y')}"
            )
        elif month is not None:
            text = (
                f"{name}: most requests per working day in {month.idxmax().strftime('%B %Y')} "
                f"({fmt(month.max())} a day, {fmt(month.max() / t['requests'].mean())}× the "
                "run's average)"
            )
        else:
            text = f"{name}: {fmt(t['requests'].mean())} requests per working day on average"
        waits = t["wait_min_mean"].dropna()
        if len(waits) and waits.max() > 0:
            day = waits.idxmax()
            on = f"{t.loc[day, 'date']:%Y-%m-%d}" if dated else f"working day {day}"
            text += f"; the mean wait is longest on {on}, {fmt(waits.max())} min"
        parts.append(text + ".")
    return " ".join(parts)


def _enforcement_figures(results: dict[str, Results]) -> list[Figure]:
    names = list(results)
    first, last = results[names[0]], results[names[-1]]
    figures = []
    if first.scenario.enforcement is not None and last.scenario.enforcement is not None:
        text = (
            _change(
                "Median incident response",
                _mean(first, "response_min_p50"),
                _mean(last, "response_min_p50"),
                "response_min_p50",
                " min",
            )
            + "; "
            + _change(
                "routine visits per enterprise a year",
                _mean(first, "visits_per_enterprise_per_year"),
                _mean(last, "visits_per_enterprise_per_year"),
                "visits_per_enterprise_per_year",
            )
            + "."
        )
        if len(results) == 1:
            text = (
                f"Median incident response {fmt(_mean(first, 'response_min_p50'))} min; "
                f"{fmt(_mean(first, 'visits_per_enterprise_per_year'))} routine visits per "
                "enterprise a year."
            )
        figures.append(Figure("enforcement", text, plots.enforcement(results)))
    return figures


def comparison_figure(table: pd.DataFrame, metrics: list[str]) -> Figure:
    everything = table[(table.scope == "all") & table.metric.isin(metrics)]
    changed = everything[everything.significant == True].copy()  # noqa: E712
    first = everything.scenario.iloc[0]
    base = everything[everything.scenario == first].set_index("metric")["mean"]
    reference = base.reindex(changed["metric"]).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero baseline has no % change
        changed["relative"] = changed["diff"].to_numpy(dtype=float) / np.abs(reference)
    changed = changed[np.isfinite(changed["relative"])]
    top = changed.reindex(changed["relative"].abs().sort_values(ascending=False).index)[:4]
    parts = [f"{r.metric} {r.relative:+.0%}" for r in top.itertuples()]
    caption = (
        "Largest changes whose 95 % interval excludes 0: " + ", ".join(parts) + "."
        if parts
        else "No change's 95 % interval excludes 0."
    )
    return Figure("comparison", caption, plots.comparison(table, metrics))


def _sweep_scope(table: pd.DataFrame, grid: list[str], metric: str) -> str:
    """Where a metric of the sweep is read without a target: the swept hall's own scope when
    the first axis is a hall's field (halls[i]...) and the metric is a hall's, else the
    whole county."""
    hall = swept_scope(table, grid)
    return hall if hall and metric in METRICS and "hall" in METRICS[metric].scopes else "all"


def _sweep_scenario(folder: Path) -> Scenario | None:
    """A scenario of the sweep (its first saved point), to name the swept fields; None if
    the folder has none."""
    for path in sorted((folder / "points").glob("*/scenario.resolved.yaml")):
        try:
            return load_scenario(path)
        except Exception:  # noqa: BLE001 - a point that no longer loads: raw paths instead
            return None
    return None


def sweep_figures(
    table: pd.DataFrame,
    grid: list[str],
    targets: list[Target],
    scenario: Scenario | None = None,
) -> list[Figure]:
    """Without targets: wait p90 and travel across the sweep. With targets: each target's
    metric at the worst hall (team) of every point, and the verdict as caption. ``scenario``
    (one of the sweep's points) names the swept fields in words."""
    figures = []
    for target in targets:
        judged = judge(table, grid, target)
        if judged["mean"].isna().all():
            continue
        scope = f"{target.kind}:worst" if target.kind != "all" else "all"
        rows = judged.assign(metric=target.metric, scope=scope)
        figure = plots.sweep_lines(
            rows, grid, target.metric, scope=scope, target=target.value, scenario=scenario
        )
        figures.append(Figure(f"sweep-{target.metric}", verdict(judged, grid, target), figure))
    for metric in [] if targets else ["wait_min_p90", "travel_min"]:
        scope = _sweep_scope(table, grid, metric)
        rows = table[(table.metric == metric) & (table.scope == scope)]
        if rows["mean"].isna().all():
            continue
        best = rows.loc[rows["mean"].idxmin()]
        where = ", ".join(f"{plots.axis_label(g, scenario)} = {best[g]}" for g in grid)
        place = "" if scope == "all" else f" at {scope[5:]}"
        if fmt(rows["mean"].min(), metric) == fmt(rows["mean"].max(), metric):
            caption = f"{metric}{place} is {fmt(best['mean'], metric)} at every point."
        else:
            caption = f"{metric}{place} is lowest, {fmt(best['mean'], metric)}, with {where}."
        figure = plots.sweep_lines(table, grid, metric, scope=scope, scenario=scenario)
        figures.append(Figure(f"sweep-{metric}", caption, figure))
    return figures


# --- tables -------------------------------------------------------------------------------------


# --- writing ----------------------------------------------------------------------------------


CSS = """body{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:1em 0;font-size:14px}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child
{text-align:left}figure{margin:2em 0}img{max-width:100%;border:1px solid #eee}
figcaption{font-size:15px;margin-top:.4em}.note{color:#666;font-size:13px}"""


def _html_table(table: pd.DataFrame) -> str:
    return table.to_html(index=False, escape=True, border=0)


def _md_table(table: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines)


def _write(
    folder: Path,
    title: str,
    intro: list[str],
    tables: list[tuple[str, pd.DataFrame]],
    figures: list[Figure],
) -> Path:
    images = folder / "figures"
    plots.save_all([(f.figure, f.name) for f in figures], images)
    body = [f"<h1>{html.escape(title)}</h1>"] + [f"<p>{html.escape(p)}</p>" for p in intro]
    md = [f"# {title}", ""] + [p + "\n" for p in intro]
    for heading, table in tables:
        body += [f"<h2>{html.escape(heading)}</h2>", _html_table(table)]
        md += [f"## {heading}", "", _md_table(table), ""]
    body.append("<h2>Figures</h2>")
    md += ["## Figures", ""]
    for f in figures:
        data = base64.b64encode((images / f"{f.name}.png").read_bytes()).decode()
        body.append(
            f'<figure id="{f.name}"><img alt="{html.escape(f.name)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{html.escape(f.caption)}'
            "</figcaption></figure>"
        )
        md += [f"![{f.name}](figures/{f.name}.png)", "", f.caption, ""]
    page = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>"
        f"{html.escape(title)}</title><style>{CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )
    (folder / "report.html").write_text(page, encoding="utf-8")
    (folder / "report.md").write_text("\n".join(md), encoding="utf-8")
    return folder / "report.html"


def _describe(results: Results) -> list[str]:
    s = results.scenario
    reps = results.replications["replication"].nunique()
    return [
        s.description or s.name,
        f"{s.horizon_text()}, {reps} replications, seed {results.seed}. "
        "Means over replications with 95 % confidence intervals.",
    ]


def write_report(folder: str | Path, targets: list[Target] | None = None) -> Path:
    """Draw the figures of a results folder into ``figures/`` and write ``report.html``
    and ``report.md``; return the HTML path."""
    folder = Path(folder)
    if any((folder / name).exists() for name in ("candidates.csv", "crews.csv", "plans.csv")):
        return write_optimise_report(folder)
    if (folder / "compare.csv").exists():
        manifest = json.loads((folder / "manifest.json").read_text())
        runs = [load_results(folder / name) for name in manifest["folders"]]
        results = {r.scenario.name: r for r in runs}
        table = pd.read_csv(folder / "compare.csv")
        metrics = KEY_METRICS + (ENFORCEMENT_METRICS if runs[0].scenario.enforcement else [])
        figures = [comparison_figure(table, metrics), *scenario_figures(results)]
        intro = [
            f"Comparison of {', '.join(results)} with the same citizens (common random "
            f"numbers): paired differences to {runs[0].scenario.name}.",
            *_describe(runs[0])[1:],
        ]
        tables = [
            (
                "Key metrics (all scopes in compare.csv; * = the interval excludes 0)",
                comparison_rows(table, metrics),
            ),
            (
                "Waits at the busiest halls (the county-wide figure can hide a queue at one)",
                comparison_rows(table, ["wait_min_mean", "wait_min_p90"], busiest_halls(table)),
            ),
        ]
        return _write(folder, "Comparison: " + " vs ".join(results), intro, tables, figures)
    if (folder / "sweep.csv").exists():
        table = pd.read_csv(folder / "sweep.csv")
        grid = [c for c in table.columns[1 : list(table.columns).index("metric")]]
        targets = targets or []
        figures = sweep_figures(table, grid, targets, _sweep_scenario(folder))
        judged = [(t, judge(table, grid, t)) for t in targets]
        return _write(
            folder,
            f"Sweep over {', '.join(grid)}",
            [
                "Each point is a variant of the scenario; see sweep.csv for every metric "
                "and scope with its 95 % interval.",
                *(verdict(j, grid, t) for t, j in judged),
            ],
            [("Points (means, scope all)", sweep_points(table, grid))]
            + [
                (f"Target {t}, judged at every {t.kind}", target_table(j, grid, t))
                for t, j in judged
            ],
            figures,
        )
    results = load_results(folder)
    scenario, summary = results.scenario, results.summary
    figures = scenario_figures({scenario.name: results})
    metrics = KEY_METRICS + (ENFORCEMENT_METRICS if scenario.enforcement else [])
    halls = [h.name for h in scenario.halls]
    tables = [
        ("Key metrics", key_table(summary, metrics)),
        ("Per hall (means)", scope_table(summary, "hall", halls, HALL_COLUMNS)),
    ]
    if scenario.enforcement:
        teams = [t.name for t in scenario.enforcement.teams]
        tables.append(("Per team (means)", scope_table(summary, "team", teams, TEAM_COLUMNS)))
    return _write(folder, scenario.name, _describe(results), tables, figures)


# --- optimisers' folders ------------------------------------------------------------------------


def before_after_table(table: pd.DataFrame, changed_only: bool = False) -> pd.DataFrame:
    """Per hall (rows, the input's halls first, then halls only the best has) and then the
    county as a whole: mean and 90th-percentile wait and mean round-trip travel in the
    input (``before``, the first scenario of a comparison table such as
    ``before_after.csv``) and the best (``after``, the second), in minutes; NaN where a
    scenario has no such hall or no visits. ``changed_only``: leave out the halls whose six
    figures are the same before and after."""
    names = list(dict.fromkeys(table["scenario"]))
    before, after = names[0], names[1] if len(names) > 1 else names[0]
    means = table.set_index(["metric", "scope", "scenario"])["mean"]
    halls = [s for s in dict.fromkeys(table["scope"]) if str(s).startswith("hall:")]
    columns = {
        "wait_min_mean": "mean wait",
        "wait_min_p90": "p90 wait",
        "travel_min": "travel",
    }
    rows = []
    for scope in [*halls, "all"]:
        row: dict[str, object] = {"hall": scope[5:] if scope != "all" else "county (all halls)"}
        for metric, label in columns.items():
            for when, name in (("before", before), ("after", after)):
                row[f"{label} {when} (min)"] = float(means.get((metric, scope, name), np.nan))
        values = np.array(list(row.values())[1:], float).reshape(-1, 2)
        same = np.all((values[:, 0] == values[:, 1]) | np.isnan(values).all(axis=1))
        if scope == "all" or not (changed_only and same):
            rows.append(row)
    return pd.DataFrame(rows)


def minutes_formatted(table: pd.DataFrame) -> pd.DataFrame:
    """The table's number columns (after the first) as minutes for reading."""
    out = table.copy()
    for column in out.columns[1:]:
        out[column] = [fmt(v, "wait_min_mean") for v in out[column]]
    return out


def _target_value(text: str | None) -> tuple[str | None, float | None]:
    """``("wait_min_p90", 20.0)`` from a manifest's ``"wait_min_p90 ≤ 20"``."""
    match = re.match(r"\s*(\w+)\s*(?:≤|≥|<=|>=|=)\s*([-+\d.,]+)(%?)", text or "")
    if not match:
        return None, None
    try:
        value = float(match.group(2).replace(",", ""))
    except ValueError:
        return match.group(1), None
    return match.group(1), value / 100 if match.group(3) else value


def _load_pair(folder: Path, manifest: dict) -> dict[str, Scenario] | None:
    """The input scenario (the file best.yaml extends) and the best one, or None."""
    import yaml

    try:
        best = load_scenario(folder / "best.yaml")
        extends = yaml.safe_load((folder / "best.yaml").read_text(encoding="utf-8"))["extends"]
        source = (folder / extends).resolve()
        if not source.is_file() and manifest.get("source"):
            source = Path(manifest["source"])
        return {"before": load_scenario(source), "after": best}
    except Exception:  # noqa: BLE001 - a moved or changed input: draw what needs no scenario
        return None


def _optimise_kind(folder: Path, manifest: dict) -> str:
    if manifest.get("kind") in ("staffing", "crews", "siting"):
        return manifest["kind"]
    if (folder / "crews.csv").exists():
        return "crews"
    return "staffing" if (folder / "candidates.csv").exists() else "siting"


def _interval(mean: float, low: float, high: float, metric: str = "") -> str:
    if mean != mean:
        return "–"
    if low != low or high != high:
        return fmt(mean, metric)
    return f"{fmt(mean, metric)} [{fmt(low, metric)}, {fmt(high, metric)}]"


def _search_table(candidates: pd.DataFrame, objective: str, metric: str | None) -> pd.DataFrame:
    rows = []
    for r in candidates.itertuples(index=False):
        row = {
            "step": int(r.step),
            "allocation": r.allocation,
            f"{objective} [95% CI]": _interval(
                r.objective, r.objective_ci_low, r.objective_ci_high, objective
            ),
        }
        if "worst_mean" in candidates and metric:
            worst = "" if not isinstance(r.worst_hall, str) else f" ({r.worst_hall})"
            row[f"worst {metric} [95% CI]"] = (
                _interval(r.worst_mean, r.worst_ci_low, r.worst_ci_high, metric) + worst
            )
        row["meets target"] = "yes" if r.met == True else "no"  # noqa: E712
        row["accepted"] = "yes" if r.accepted == True else "no"  # noqa: E712
        rows.append(row)
    return pd.DataFrame(rows)


def _plans_table(plans: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in plans.itertuples(index=False):
        simulated = r.travel_min == r.travel_min
        rows.append(
            {
                "plan": int(r.plan),
                "branch towns": r.towns,
                "catchments": r.catchments if isinstance(r.catchments, str) else "",
                "mean road km per visit": fmt(r.mean_km),
                "travel (min) [95% CI]": _interval(
                    r.travel_min, r.travel_min_ci_low, r.travel_min_ci_high
                )
                if simulated
                else "not simulated",
                "worst hall p90 wait (min) [95% CI]": _interval(
                    r.wait_p90_worst, r.wait_p90_worst_ci_low, r.wait_p90_worst_ci_high
                )
                if simulated
                else "–",
                "best": "yes" if r.best == True else "",  # noqa: E712
            }
        )
    return pd.DataFrame(rows)


def _allocation_text(allocation: Mapping[str, int]) -> str:
    return " ".join(str(v) for v in allocation.values())


def write_optimise_report(
    folder: str | Path, scenarios: Mapping[str, Scenario] | None = None
) -> Path:
    """The report of a ``countysim optimise staffing`` or ``optimise branches`` folder:
    figures into ``figures/`` and ``report.html`` and ``report.md``; return the HTML path.

    ``scenarios`` is ``{"before": input, "after": best}``; without it they are loaded from
    ``best.yaml`` and the file it extends (when that fails, the map is left out)."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    kind = _optimise_kind(folder, manifest)
    pair = dict(scenarios) if scenarios is not None else _load_pair(folder, manifest)
    path = folder / "before_after.csv"
    table = pd.read_csv(path) if path.exists() else None
    metric, value = _target_value(manifest.get("target"))
    reps, seed = manifest.get("replications"), manifest.get("seed")
    figures: list[Figure] = []
    tables: list[tuple[str, pd.DataFrame]] = []
    if kind in ("staffing", "crews"):
        crews = kind == "crews"
        what, unit = ("crews", "team") if crews else ("window staff", "hall")
        candidates = pd.read_csv(folder / ("crews.csv" if crews else "candidates.csv"))
        allocation = manifest.get("allocation") or {}
        chosen = _allocation_text(allocation)
        objective = manifest.get("objective", "objective")
        groups = list(allocation) or [
            c for c in candidates.columns[2 : list(candidates.columns).index("objective")]
        ]
        units = groups if crews else list(dict.fromkeys(g.rsplit("[", 1)[0] for g in groups))
        feasible = bool(manifest.get("feasible"))
        where = ", ".join(f"{g} = {n}" for g, n in allocation.items())
        goal = manifest.get("target")
        intro = [
            f"How to share {manifest.get('staff', '?')} {what} among {', '.join(units)}"
            + (f" so that {goal} holds at every one of these {unit}s," if goal else ",")
            + f" with {objective} as low as possible.",
            (
                f"Target met: the chosen allocation ({where}) meets {goal} at every chosen {unit}."
                if feasible and goal
                else f"Chosen allocation: {where}."
                if feasible
                else f"Target NOT met: no allocation simulated meets {goal} at every chosen "
                f"{unit}; the closest is {where}"
                + (
                    f", and about {manifest['budget_needed']} {what} would be needed."
                    if manifest.get("budget_needed")
                    else "."
                )
            ),
            f"{len(candidates)} allocations simulated, {reps} replications each, seed {seed}; "
            "means with 95 % confidence intervals.",
        ]
        if manifest.get("selection"):
            intro.append(manifest["selection"])
        accepted = int(candidates["accepted"].fillna(False).astype(bool).sum())
        caption = (
            f"The search simulated {len(candidates)} allocations ({what} in the order "
            f"{', '.join(groups)}) and accepted {accepted} steps; the chosen one, {chosen}, "
            f"{'meets' if feasible else 'does NOT meet'} the target."
        )
        figures.append(
            Figure(
                "search",
                caption,
                plots.search_path(candidates, objective, metric, value, chosen, unit),
            )
        )
        tables.append(("Allocations simulated", _search_table(candidates, objective, metric)))
        title = f"{what.capitalize()} optimisation: " + manifest.get("scenario", folder.name)
    else:
        plans = pd.read_csv(folder / "plans.csv")
        best = plans[plans["best"] == True]  # noqa: E712
        best = best.iloc[0] if len(best) else plans.iloc[min(1, len(plans) - 1)]
        base = plans[plans["plan"] == 0].iloc[0]
        catchments = manifest.get("catchments") or {}
        towns = manifest.get("branches") or list(catchments)
        serves = "; ".join(f"{t} serves {', '.join(c)}" for t, c in catchments.items())
        intro = [
            f"Where to open {manifest.get('k', len(towns))} branch halls for "
            f"{manifest.get('items', 'approval')} items, so that citizens travel least "
            "(shortest road distance, then checked by simulation): the best plan opens "
            f"branches at {', '.join(towns)}" + (f" ({serves})." if serves else "."),
            f"Mean round-trip travel per in-person matter "
            f"{fmt(base['travel_min'], 'travel_min')} min as it is, "
            f"{fmt(best['travel_min'], 'travel_min')} min with plan {int(best['plan'])}; "
            f"the longest 90th-percentile wait at any hall "
            f"{fmt(base['wait_p90_worst'])} → {fmt(best['wait_p90_worst'])} min.",
        ]
        if metric and value is not None and table is not None:
            intro.append(_hall_verdict(table, metric, value))
        intro.append(
            f"{int(plans['travel_min'].notna().sum()) - 1} plans simulated, {reps} "
            f"replications each, seed {seed}; means with 95 % confidence intervals."
        )
        if pair is not None:
            figures.append(
                Figure(
                    "map",
                    f"Who serves approval items before and after: branches at {', '.join(towns)}.",
                    plots.county_map(
                        {
                            f"before: {pair['before'].name}": pair["before"],
                            f"after: {pair['after'].name}": pair["after"],
                        }
                    ),
                )
            )
        legend = "; ".join(
            f"{int(r.plan)}: {r.towns}"
            for r in plans[plans["travel_min"].notna()].itertuples()
            if int(r.plan)
        )
        figures.append(
            Figure(
                "plans",
                f"Plans simulated (0 = as it is; {legend}). The best, plan "
                f"{int(best['plan'])}, cuts travel by "
                f"{fmt(base['travel_min'] - best['travel_min'], 'travel_min')} min.",
                plots.siting_plans(plans, value if metric == "wait_min_p90" else None),
            )
        )
        tables.append(("Plans", _plans_table(plans)))
        title = "Branch siting: " + manifest.get("scenario", folder.name)
    if table is not None:
        metrics = [m for m in KEY_METRICS if m in set(table["metric"])]
        figures.insert(0 if kind == "siting" else 1, comparison_figure(table, metrics))
        ba = before_after_table(table)
        tables[:0] = [
            ("Before and after, per hall (minutes)", minutes_formatted(ba)),
            (
                "Key metrics before and after (* = the 95 % interval of the difference excludes 0)",
                comparison_rows(table, metrics),
            ),
        ]
    return _write(folder, title, intro, tables, figures)


def _hall_verdict(table: pd.DataFrame, metric: str, value: float) -> str:
    """Whether the best scenario (the second of ``table``) meets ``metric`` ≤ ``value`` at
    every hall (judged on the upper end of the 95 % interval, as the optimiser does)."""
    names = list(dict.fromkeys(table["scenario"]))
    rows = table[
        (table["metric"] == metric)
        & (table["scenario"] == names[-1])
        & table["scope"].astype(str).str.startswith("hall:")
    ]
    upper = rows["ci_high"].fillna(rows["mean"])
    ceiling = not METRICS[metric].higher_is_better if metric in METRICS else True
    lower = rows["ci_low"].fillna(rows["mean"])
    ok = (upper <= value).all() if ceiling else (lower >= value).all()
    sign = "≤" if ceiling else "≥"
    return (
        f"Target {'met' if ok else 'NOT met'}: {metric} {sign} {fmt(value, metric)} "
        f"{'holds' if ok else 'does not hold'} at every hall with the best plan."
    )
