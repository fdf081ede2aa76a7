"""Reports: the figures of a results folder, each with a caption that states its finding in
numbers from the results, in ``report.html`` (one self-contained file) and ``report.md``.

``write_report(folder)`` works on any folder ``countysim`` wrote: a run, a comparison
(``compare.csv``), a sweep (``sweep.csv``) or an optimiser's folder (``candidates.csv`` or
``plans.csv``: :func:`write_optimise_report`); it redraws everything from the saved tables.
A run's and a comparison's :class:`Report` can also be built from the results in memory
(:func:`run_report`, :func:`comparison_report`) and drawn before its folder exists: the
commands do so (:mod:`sim.drawer`), with the same figures and text.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from sim import plots
from sim.experiment import Results
from sim.i18n import check_lang, join, metric_name
from sim.i18n import t as tr
from sim.metrics import ENFORCEMENT_METRICS, KEY_METRICS, METRICS, fmt
from sim.model.geography import CountyMap
from sim.scenario import Scenario, load_scenario
from sim.store import load_results, slug
from sim.summary import NOT_MODELLED, Summary, comparison_summary, not_modelled, run_summary
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

__all__ = [
    "Report",
    "before_after_table",
    "comparison_report",
    "run_report",
    "write_optimise_report",
    "write_report",
]


@dataclass
class Figure:
    name: str
    caption: str
    figure: matplotlib.figure.Figure | Callable[[], matplotlib.figure.Figure]
    """The figure, or how to draw it (drawn where it is rendered: :func:`plots.render_all`)."""
    key: str | None = None
    """Names what the figure shows when that is known before the results (the map): a
    figure :func:`plots.prerender` drew under this key is not drawn again."""


def _change(name: str, before: float, after: float, metric: str, unit: str = "") -> str:
    return f"{name} {fmt(before, metric)}{unit} → {fmt(after, metric)}{unit}"


# --- figures with captions --------------------------------------------------------------------


def map_figure(scenarios: dict[str, Scenario], lang: str = "en") -> Figure:
    """The county map of the scenarios side by side, with how many towns each one's branches
    serve; its key depends on the scenarios and the language only."""
    first = next(iter(scenarios.values()))
    approvals = [s for s in first.services if s.kind == "approval"]
    note = ""
    if approvals:
        served = {}
        for name, scenario in scenarios.items():
            county = CountyMap(scenario)
            i = scenario.services.index(approvals[0])
            seat_halls = {h for h, hall in enumerate(scenario.halls) if hall.at == "seat"}
            served[name] = int(sum(h not in seat_halls for h in county.choice[i]))
        towns = len(first.geography.towns)
        note = tr("sep", lang).join(
            tr("cap_map_branch", lang, name=n, k=k, n=towns) for n, k in served.items()
        )
    content = json.dumps([lang, *[(n, s.model_dump(mode="json")) for n, s in scenarios.items()]])
    return Figure(
        "map",
        tr("cap_map", lang, note=note),
        partial(plots.county_map, scenarios, lang=lang),
        key="map-" + hashlib.sha256(content.encode()).hexdigest(),
    )


def scenario_figures(results: dict[str, Results], lang: str = "en") -> list[Figure]:
    """Figures of one scenario, or several side by side (the first is the reference), with
    captions in ``lang``."""
    names = list(results)
    figures = [map_figure({n: r.scenario for n, r in results.items()}, lang)]
    if not any(r.mean("visits") > 0 for r in results.values()):
        return figures + _enforcement_figures(results, lang)  # nobody came to a hall: no data
    travel = [fmt(r.mean("travel_min"), "travel_min") for r in results.values()]
    if len(results) > 1:
        text = tr("cap_travel_two", lang, a=travel[0], b=travel[-1], first=names[0], last=names[-1])
    else:
        text = tr("cap_travel_one", lang, a=travel[0])
    reps = min(int(r.replications["replication"].nunique()) for r in results.values())
    text += tr("cap_town_ci" if reps > 1 else "cap_town_one", lang, reps=reps)
    figures.append(Figure("travel", text, partial(plots.travel, results, lang=lang)))
    one = [r.mean("share_one_trip") for r in results.values()]
    parts = [
        tr("cap_trips_part", lang, value=fmt(v, "share_one_trip"), name=n)
        for n, v in zip(names, one, strict=True)
    ]
    figures.append(
        Figure(
            "trips",
            tr("cap_trips", lang, parts=join(parts, lang)),
            partial(plots.trips, results, lang),
        )
    )
    daily = {n: r for n, r in results.items() if r.daily is not None}
    if daily:
        figures.append(
            Figure("daily", _daily_caption(daily, lang), partial(plots.daily, daily, lang))
        )
    for name, r in results.items():
        if not r.mean("visits") > 0:
            continue
        suffix = "" if len(results) == 1 else f"-{slug(name)}"
        halls = [h.name for h in r.scenario.halls]
        p90 = {h: r.mean("wait_min_p90", f"hall:{h}") for h in halls}
        worst = max(p90, key=lambda h: -1 if p90[h] != p90[h] else p90[h])
        if p90[worst] > 0:
            value = fmt(p90[worst], "wait_min_p90")
            text = tr("cap_wait_worst", lang, name=name, hall=worst, value=value)
        else:
            text = tr("cap_wait_none", lang, name=name)
        idle = [h for h in halls if not r.mean("visits", f"hall:{h}") > 0]
        text += tr("cap_wait_all", lang, n=len(halls))
        text += (
            tr("cap_wait_idle", lang, halls=join(idle, lang))
            if idle
            else tr("cap_wait_every", lang)
        )
        figures.append(Figure(f"waiting{suffix}", text, partial(plots.waiting, r, lang=lang)))
        queue = r.profiles.groupby(["hall", "clock_min"])["queue_mean"].mean()
        (hall, at), peak = queue.idxmax(), queue.max()
        if peak >= plots.QUEUE_SHOWN:  # no figure of empty queues
            lunch = not any(a <= at < b for a, b in r.scenario.calendar.intervals_min)
            text = tr(
                "cap_queue", lang, name=name, hall=hall, value=fmt(peak), clock=plots._clock(at)
            )
            text += tr("cap_queue_lunch" if lunch else "period", lang)
            figures.append(
                Figure(f"queue{suffix}", text, partial(plots.queue_by_hour, r, lang=lang))
            )
        busy = r.profiles.groupby(["hall", "clock_min"])["busy_share"].mean()
        (hall, at), top = busy.idxmax(), busy.max()
        figures.append(
            Figure(
                f"utilisation{suffix}",
                tr(
                    "cap_util", lang, name=name, hall=hall, clock=plots._clock(at),
                    value=fmt(top, "window_utilisation"),
                ),
                partial(plots.utilisation_heatmap, r, lang),
            )
        )  # fmt: skip
    return figures + _enforcement_figures(results, lang)


def _daily_caption(results: dict[str, Results], lang: str = "en") -> str:
    """The busiest month (with dates) or the mean per day, and the day of the longest mean
    wait, for each scenario."""
    parts = []
    for name, r in results.items():
        t = plots.daily_means(r)
        dated = bool(t["date"].notna().all())
        month = t.groupby(t["date"].dt.to_period("M"))["requests"].mean() if dated else None
        if month is not None and len(month) == 1:
            text = tr(
                "cap_daily_month", lang, name=name, value=fmt(month.iloc[0]),
                month=tr("month", lang, date=month.index[0]),
            )  # fmt: skip
        elif month is not None:
            text = tr(
                "cap_daily_peak", lang, name=name, month=tr("month", lang, date=month.idxmax()),
                value=fmt(month.max()), ratio=fmt(month.max() / t["requests"].mean()),
            )  # fmt: skip
        else:
            text = tr("cap_daily_mean", lang, name=name, value=fmt(t["requests"].mean()))
        waits = t["wait_min_mean"].dropna()
        if len(waits) and waits.max() > 0:
            day = waits.idxmax()
            on = f"{t.loc[day, 'date']:%Y-%m-%d}" if dated else tr("working_day_n", lang, n=day)
            text += tr("cap_daily_wait", lang, on=on, value=fmt(waits.max()))
        parts.append(text + tr("period", lang))
    return ("" if lang == "zh" else " ").join(parts)


def _enforcement_figures(results: dict[str, Results], lang: str = "en") -> list[Figure]:
    names = list(results)
    first, last = results[names[0]], results[names[-1]]
    figures = []
    if first.scenario.enforcement is not None and last.scenario.enforcement is not None:
        response, visits = "response_min_p50", "visits_per_enterprise_per_year"
        text = tr(
            "cap_enf" if len(results) > 1 else "cap_enf_one", lang,
            a=fmt(first.mean(response), response), b=fmt(last.mean(response), response),
            c=fmt(first.mean(visits), visits), d=fmt(last.mean(visits), visits),
        )  # fmt: skip
        figures.append(Figure("enforcement", text, partial(plots.enforcement, results, lang)))
    return figures


def comparison_figure(table: pd.DataFrame, metrics: list[str], lang: str = "en") -> Figure:
    everything = table[(table.scope == "all") & table.metric.isin(metrics)]
    changed = everything[everything.significant == True].copy()  # noqa: E712
    first = everything.scenario.iloc[0]
    base = everything[everything.scenario == first].set_index("metric")["mean"]
    reference = base.reindex(changed["metric"]).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero baseline has no % change
        changed["relative"] = changed["diff"].to_numpy(dtype=float) / np.abs(reference)
    changed = changed[np.isfinite(changed["relative"])]
    top = changed.reindex(changed["relative"].abs().sort_values(ascending=False).index)[:4]
    parts = [f"{metric_name(r.metric, lang)} {r.relative:+.0%}" for r in top.itertuples()]
    caption = tr("cap_cmp", lang, parts=join(parts, lang)) if parts else tr("cap_cmp_none", lang)
    return Figure("comparison", caption, partial(plots.comparison, table, metrics, lang))


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
    lang: str = "en",
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
            rows, grid, target.metric, scope=scope, target=target.value, scenario=scenario,
            lang=lang,
        )  # fmt: skip
        text = verdict(judged, grid, target, lang)
        figures.append(Figure(f"sweep-{target.metric}", text, figure))
    for metric in [] if targets else ["wait_min_p90", "travel_min"]:
        scope = _sweep_scope(table, grid, metric)
        rows = table[(table.metric == metric) & (table.scope == scope)]
        if rows["mean"].isna().all():
            continue
        best = rows.loc[rows["mean"].idxmin()]
        where = join((f"{plots.axis_label(g, scenario, lang)} = {best[g]}" for g in grid), lang)
        place = "" if scope == "all" else tr("sweep_at", lang, scope=scope[5:])
        label = metric_name(metric, lang) + place
        value = fmt(best["mean"], metric)
        if fmt(rows["mean"].min(), metric) == fmt(rows["mean"].max(), metric):
            caption = tr("sweep_same", lang, label=label, value=value)
        else:
            caption = tr("sweep_best", lang, label=label, value=value, where=where)
        figure = plots.sweep_lines(table, grid, metric, scope=scope, scenario=scenario, lang=lang)
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


_DRAW_ORDER = {
    name: i
    for i, name in enumerate(
        ["travel", "utilisation", "enforcement", "map", "comparison", "daily", "waiting", "queue"]
    )
}
"""Figures by the time they take to draw, longest first (measured on the example; the map
when it was not drawn before the results)."""


@dataclass
class Report:
    """A report's parts in ``lang``: :meth:`draw` renders its figures and :meth:`write` puts
    them and ``report.html`` and ``report.md`` into a folder, so that the figures can be
    drawn before the folder exists (:mod:`sim.drawer`)."""

    title: str
    intro: list[str]
    tables: list[tuple[str, pd.DataFrame]]
    figures: list[Figure]
    lang: str = "en"
    summary: Summary | None = None
    images: dict[str, tuple[bytes, bytes | None]] | None = None
    """Each figure's PNG and (drawn with ``svg``) SVG, once drawn."""

    def draw(self, svg: bool = False) -> Report:
        """Render every figure (in parallel where possible: :func:`plots.render_all`), the
        longest to draw first so that the processes drawing them finish together."""
        order = _DRAW_ORDER.get
        ordered = sorted(self.figures, key=lambda f: order(f.name.split("-")[0], len(_DRAW_ORDER)))
        images = plots.render_all([(f.figure, f.key) for f in ordered], svg)
        self.images = {f.name: image for f, image in zip(ordered, images, strict=True)}
        return self

    def write(self, folder: Path, svg: bool = False) -> Path:
        """Write ``figures/``, ``report.html`` and ``report.md`` into ``folder``; return the
        HTML path. Figures not yet drawn are drawn first (with SVG copies if ``svg``);
        drawn ones are written as :meth:`draw` made them."""
        if self.images is None:
            self.draw(svg)
        title, lang = self.title, self.lang
        images = folder / "figures"
        images.mkdir(parents=True, exist_ok=True)
        body, md = [f"<h1>{html.escape(title)}</h1>"], [f"# {title}", ""]
        if self.summary is not None:
            body += _summary_html(self.summary, lang)
            md += _summary_md(self.summary, lang)
        body += [f"<p>{html.escape(p)}</p>" for p in self.intro]
        md += [p + "\n" for p in self.intro]
        for heading, table in self.tables:
            body += [f"<h2>{html.escape(heading)}</h2>", _html_table(table)]
            md += [f"## {heading}", "", _md_table(table), ""]
        body.append(f"<h2>{html.escape(tr('figures', lang))}</h2>")
        md += [f"## {tr('figures', lang)}", ""]
        for f in self.figures:
            png, vector = self.images[f.name]
            (images / f"{f.name}.png").write_bytes(png)
            if vector is None:  # a redraw without --svg leaves no SVG that disagrees
                (images / f"{f.name}.svg").unlink(missing_ok=True)
            else:
                (images / f"{f.name}.svg").write_bytes(vector)
            data = base64.b64encode(png).decode()
            body.append(
                f'<figure id="{f.name}"><img alt="{html.escape(f.name)}" '
                f'src="data:image/png;base64,{data}"><figcaption>{html.escape(f.caption)}'
                "</figcaption></figure>"
            )
            md += [f"![{f.name}](figures/{f.name}.png)", "", f.caption, ""]
        page = (
            f"<!DOCTYPE html><html lang='{_HTML_LANG[lang]}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(body)
            + "</body></html>"
        )
        (folder / "report.html").write_text(page, encoding="utf-8")
        (folder / "report.md").write_text("\n".join(md), encoding="utf-8")
        return folder / "report.html"


_HTML_LANG = {"en": "en", "zh": "zh-CN"}


def _summary_html(summary: Summary, lang: str) -> list[str]:
    """The one-page summary: question, findings, what is not modelled."""

    def items(lines: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>"

    return [
        f'<section id="summary"><h2>{html.escape(tr("summary", lang))}</h2>',
        f"<p>{html.escape(summary.question)}</p>",
        f"<h3>{html.escape(tr('findings', lang))}</h3>",
        items(summary.findings),
        f"<h3>{html.escape(tr('not_modelled', lang))}</h3>",
        items(summary.not_modelled),
        "</section>",
    ]


def _summary_md(summary: Summary, lang: str) -> list[str]:
    return [
        f"## {tr('summary', lang)}", "", summary.question, "", f"### {tr('findings', lang)}", "",
        *(f"- {x}" for x in summary.findings), "", f"### {tr('not_modelled', lang)}", "",
        *(f"- {x}" for x in summary.not_modelled), "",
    ]  # fmt: skip


def _describe(results: Results, lang: str = "en") -> list[str]:
    s = results.scenario
    reps = results.replications["replication"].nunique()
    return [
        s.description or s.name,
        tr("describe", lang, horizon=s.horizon_text(lang), reps=reps, seed=results.seed),
    ]


def _reps(results: Results) -> int:
    return int(results.replications["replication"].nunique())


def folder_lang(folder: str | Path) -> str:
    """The language a results folder's report is written in by default: its scenario's
    ``report.lang`` (the first scenario of a comparison, a sweep's first point, an
    optimiser's best.yaml); ``en`` when there is none."""
    folder = Path(folder)
    paths = [
        folder / "scenario.resolved.yaml",
        *sorted(folder.glob("*/scenario.resolved.yaml")),
        *sorted((folder / "points").glob("*/scenario.resolved.yaml")),
        folder / "best.yaml",
    ]
    for path in paths:
        if path.exists():
            try:
                return load_scenario(path).report.lang
            except Exception:  # noqa: BLE001 - an unreadable scenario: English
                return "en"
    return "en"


def write_report(
    folder: str | Path,
    targets: list[Target] | None = None,
    lang: str | None = None,
    svg: bool = False,
) -> Path:
    """Draw the figures of a results folder into ``figures/`` (PNG; also SVG with ``svg``)
    and write ``report.html`` and ``report.md``, in ``lang`` (``en`` or ``zh``; default the
    scenario's ``report.lang``); return the HTML path. Only the figures and the two report
    files are written: the folder's tables stay as they are."""
    folder = Path(folder)
    lang = check_lang(lang, folder_lang(folder)) if lang is None else check_lang(lang)
    if any((folder / name).exists() for name in ("candidates.csv", "crews.csv", "plans.csv")):
        return write_optimise_report(folder, lang=lang, svg=svg)
    if (folder / "compare.csv").exists():
        manifest = json.loads((folder / "manifest.json").read_text())
        runs = [load_results(folder / name) for name in manifest["folders"]]
        table = pd.read_csv(folder / "compare.csv")
        return comparison_report(runs, table, lang).write(folder, svg)
    if (folder / "sweep.csv").exists():
        table = pd.read_csv(folder / "sweep.csv")
        grid = [c for c in table.columns[1 : list(table.columns).index("metric")]]
        targets = targets or []
        scenario = _sweep_scenario(folder)
        figures = sweep_figures(table, grid, targets, scenario, lang)
        judged = [(t, judge(table, grid, t)) for t in targets]
        verdicts = [verdict(j, grid, t, lang) for t, j in judged]
        shown = [t.metric for t in targets] or ["wait_min_p90", "travel_min"]
        question = tr(
            "sweep_question", lang, metrics=join((metric_name(m, lang) for m in shown), lang),
            grid=join((plots.axis_label(g, scenario, lang) for g in grid), lang),
            points=table["point"].nunique(),
            reps=int(table["n"].max()) if "n" in table else "?",
        )  # fmt: skip
        left_out = (
            not_modelled(scenario, lang)
            if scenario is not None
            else [pair[lang == "zh"] for pair in NOT_MODELLED]
        )
        summary = Summary(question, verdicts or [f.caption for f in figures], left_out)
        kinds = {t: tr(f"kind_{t.kind}", lang) if lang == "zh" else t.kind for t, _ in judged}
        return Report(
            tr("sweep_title", lang, grid=join(grid, lang)),
            [tr("sweep_intro", lang)],  # the verdicts are the summary's findings
            [(tr("sweep_points", lang), sweep_points(table, grid, lang))]
            + [
                (
                    tr("sweep_target", lang, target=t, kind=kinds[t]),
                    target_table(j, grid, t, lang),
                )
                for t, j in judged
            ],
            figures,
            lang,
            summary,
        ).write(folder, svg)
    return run_report(load_results(folder), lang).write(folder, svg)


def run_report(results: Results, lang: str = "en") -> Report:
    """The report of one scenario's results (drawn and written by the :class:`Report`)."""
    scenario, summary = results.scenario, results.summary
    figures = scenario_figures({scenario.name: results}, lang)
    metrics = KEY_METRICS + (ENFORCEMENT_METRICS if scenario.enforcement else [])
    halls = [h.name for h in scenario.halls]
    tables = [
        (tr("key_metrics", lang), key_table(summary, metrics, lang)),
        (tr("per_hall", lang), scope_table(summary, "hall", halls, HALL_COLUMNS, lang)),
    ]
    if scenario.enforcement:
        teams = [t.name for t in scenario.enforcement.teams]
        table = scope_table(summary, "team", teams, TEAM_COLUMNS, lang)
        tables.append((tr("per_team", lang), table))
    one_page = run_summary(summary, scenario, _reps(results), lang)
    return Report(scenario.name, _describe(results, lang), tables, figures, lang, one_page)


def comparison_report(runs: list[Results], table: pd.DataFrame, lang: str = "en") -> Report:
    """The report of a comparison: its scenarios' results (the first is the reference) and
    the table of paired differences (``compare.csv``)."""
    results = {r.scenario.name: r for r in runs}
    metrics = KEY_METRICS + (ENFORCEMENT_METRICS if runs[0].scenario.enforcement else [])
    figures = [comparison_figure(table, metrics, lang), *scenario_figures(results, lang)]
    intro = [
        tr("compare_intro", lang, names=join(results, lang), first=runs[0].scenario.name),
        *_describe(runs[0], lang)[1:],
    ]
    waits = ["wait_min_mean", "wait_min_p90"]
    tables = [
        (tr("compare_key", lang), comparison_rows(table, metrics, lang=lang)),
        (
            tr("compare_busiest", lang),
            comparison_rows(table, waits, busiest_halls(table), lang=lang),
        ),
    ]
    summary = comparison_summary(
        table, [r.scenario for r in runs], min(_reps(r) for r in runs), lang
    )
    title = tr("compare_title", lang, names=tr("vs", lang).join(results))
    return Report(title, intro, tables, figures, lang, summary)


# --- optimisers' folders ------------------------------------------------------------------------


def before_after_table(
    table: pd.DataFrame, changed_only: bool = False, lang: str = "en"
) -> pd.DataFrame:
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
        "wait_min_mean": tr("ba_mean", lang),
        "wait_min_p90": tr("ba_p90", lang),
        "travel_min": tr("ba_travel", lang),
    }
    rows = []
    for scope in [*halls, "all"]:
        hall = scope[5:] if scope != "all" else tr("ba_county", lang)
        row: dict[str, object] = {tr("ba_hall", lang): hall}
        for metric, label in columns.items():
            for when, name in (("ba_before", before), ("ba_after", after)):
                heading = tr("ba_col", lang, label=label, when=tr(when, lang))
                row[heading] = float(means.get((metric, scope, name), np.nan))
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


def _search_table(
    candidates: pd.DataFrame, objective: str, metric: str | None, lang: str = "en"
) -> pd.DataFrame:
    rows = []
    for r in candidates.itertuples(index=False):
        row = {
            tr("col_step", lang): int(r.step),
            tr("col_allocation", lang): r.allocation,
            tr("col_objective_ci", lang, objective=metric_name(objective, lang)): _interval(
                r.objective, r.objective_ci_low, r.objective_ci_high, objective
            ),
        }
        if "worst_mean" in candidates and metric:
            worst = "" if not isinstance(r.worst_hall, str) else f" ({r.worst_hall})"
            row[tr("col_worst_metric_ci", lang, metric=metric_name(metric, lang))] = (
                _interval(r.worst_mean, r.worst_ci_low, r.worst_ci_high, metric) + worst
            )
        row[tr("col_meets_target", lang)] = tr("yes" if r.met == True else "no", lang)  # noqa: E712
        row[tr("col_accepted", lang)] = tr("yes" if r.accepted == True else "no", lang)  # noqa: E712
        rows.append(row)
    return pd.DataFrame(rows)


def _plans_table(plans: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    rows = []
    for r in plans.itertuples(index=False):
        simulated = r.travel_min == r.travel_min
        rows.append(
            {
                tr("col_plan", lang): int(r.plan),
                tr("col_branch_towns", lang): r.towns,
                tr("col_catchments", lang): r.catchments if isinstance(r.catchments, str) else "",
                tr("col_road_km", lang): fmt(r.mean_km),
                tr("col_travel_ci", lang): _interval(
                    r.travel_min, r.travel_min_ci_low, r.travel_min_ci_high
                )
                if simulated
                else tr("not_simulated", lang),
                tr("col_worst_ci", lang): _interval(
                    r.wait_p90_worst, r.wait_p90_worst_ci_low, r.wait_p90_worst_ci_high
                )
                if simulated
                else "–",
                tr("col_best", lang): tr("yes", lang) if r.best == True else "",  # noqa: E712
            }
        )
    return pd.DataFrame(rows)


def _allocation_text(allocation: Mapping[str, int]) -> str:
    return " ".join(str(v) for v in allocation.values())


def write_optimise_report(
    folder: str | Path,
    scenarios: Mapping[str, Scenario] | None = None,
    lang: str | None = None,
    svg: bool = False,
) -> Path:
    """The report of a ``countysim optimise staffing`` or ``optimise branches`` folder:
    figures into ``figures/`` and ``report.html`` and ``report.md``; return the HTML path.

    ``scenarios`` is ``{"before": input, "after": best}``; without it they are loaded from
    ``best.yaml`` and the file it extends (when that fails, the map is left out). ``lang``:
    ``en`` or ``zh`` (default: the best scenario's ``report.lang``)."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    kind = _optimise_kind(folder, manifest)
    pair = dict(scenarios) if scenarios is not None else _load_pair(folder, manifest)
    default = pair["after"].report.lang if pair is not None else folder_lang(folder)
    lang = check_lang(lang, default)
    path = folder / "before_after.csv"
    table = pd.read_csv(path) if path.exists() else None
    metric, value = _target_value(manifest.get("target"))
    reps, seed = manifest.get("replications"), manifest.get("seed")
    figures: list[Figure] = []
    tables: list[tuple[str, pd.DataFrame]] = []
    if kind in ("staffing", "crews"):
        crews = kind == "crews"
        what, unit = ("crews", "team") if crews else ("window staff", "hall")
        what_text = tr("opt_crews" if crews else "opt_window_staff", lang)
        unit_text = tr(f"kind_{unit}", lang) if lang == "zh" else unit
        candidates = pd.read_csv(folder / ("crews.csv" if crews else "candidates.csv"))
        allocation = manifest.get("allocation") or {}
        chosen = _allocation_text(allocation)
        objective = manifest.get("objective", "objective")
        groups = list(allocation) or [
            c for c in candidates.columns[2 : list(candidates.columns).index("objective")]
        ]
        units = groups if crews else list(dict.fromkeys(g.rsplit("[", 1)[0] for g in groups))
        feasible = bool(manifest.get("feasible"))
        where = join((f"{g} = {n}" for g, n in allocation.items()), lang)
        goal = manifest.get("target")
        intro = [
            tr(
                "opt_question", lang, staff=manifest.get("staff", "?"), what=what_text,
                units=join(units, lang), objective=metric_name(objective, lang),
                goal=tr("opt_goal", lang, goal=goal, unit=unit_text)
                if goal else tr("opt_no_goal", lang),
            ),
            (
                tr("opt_met", lang, where=where, goal=goal, unit=unit_text)
                if feasible and goal
                else tr("opt_chosen", lang, where=where)
                if feasible
                else tr("opt_not_met", lang, goal=goal, unit=unit_text, where=where)
                + (
                    tr("opt_needed", lang, n=manifest["budget_needed"], what=what_text)
                    if manifest.get("budget_needed")
                    else tr("period", lang)
                )
            ),
            tr("opt_simulated", lang, n=len(candidates), reps=reps, seed=seed),
        ]  # fmt: skip
        if manifest.get("selection"):
            intro.append(manifest["selection"])
        accepted = int(candidates["accepted"].fillna(False).astype(bool).sum())
        caption = tr(
            "opt_search_caption", lang, n=len(candidates), what=what_text,
            groups=join(groups, lang), accepted=accepted, chosen=chosen,
            meets=tr("opt_meets" if feasible else "opt_misses", lang),
        )  # fmt: skip
        figures.append(
            Figure(
                "search",
                caption,
                plots.search_path(candidates, objective, metric, value, chosen, unit, lang),
            )
        )
        search = _search_table(candidates, objective, metric, lang)
        tables.append((tr("opt_allocations", lang), search))
        name = manifest.get("scenario", folder.name)
        what_title = what_text.capitalize() if lang == "en" else what_text
        title = tr("opt_staffing_title", lang, what=what_title, name=name)
    else:
        plans = pd.read_csv(folder / "plans.csv")
        best = plans[plans["best"] == True]  # noqa: E712
        best = best.iloc[0] if len(best) else plans.iloc[min(1, len(plans) - 1)]
        base = plans[plans["plan"] == 0].iloc[0]
        catchments = manifest.get("catchments") or {}
        towns = manifest.get("branches") or list(catchments)
        serves = tr("sep", lang).join(
            tr("site_serves", lang, town=t, towns=join(c, lang)) for t, c in catchments.items()
        )
        items = manifest.get("items", "approval")
        if lang == "zh":
            items = {"approval": "审批", "convenience": "便民"}.get(items, items)
        intro = [
            tr(
                "site_question", lang, k=manifest.get("k", len(towns)), items=items,
                towns=join(towns, lang),
                serves=(f" ({serves})." if lang == "en" else f"（{serves}）。")
                if serves else tr("period", lang),
            ),
            tr(
                "site_travel", lang, a=fmt(base["travel_min"], "travel_min"),
                b=fmt(best["travel_min"], "travel_min"), plan=int(best["plan"]),
                c=fmt(base["wait_p90_worst"]), d=fmt(best["wait_p90_worst"]),
            ),
        ]  # fmt: skip
        if metric and value is not None and table is not None:
            intro.append(_hall_verdict(table, metric, value, lang))
        simulated = int(plans["travel_min"].notna().sum()) - 1
        intro.append(tr("site_simulated", lang, n=simulated, reps=reps, seed=seed))
        if pair is not None:
            figures.append(
                Figure(
                    "map",
                    tr("site_map", lang, towns=join(towns, lang)),
                    plots.county_map(
                        {
                            tr("before", lang, name=pair["before"].name): pair["before"],
                            tr("after", lang, name=pair["after"].name): pair["after"],
                        },
                        lang=lang,
                    ),
                )
            )
        legend = "; ".join(
            f"{int(r.plan)}: {r.towns}"
            for r in plans[plans["travel_min"].notna()].itertuples()
            if int(r.plan)
        )
        cut = fmt(base["travel_min"] - best["travel_min"], "travel_min")
        figures.append(
            Figure(
                "plans",
                tr("site_plans", lang, legend=legend, plan=int(best["plan"]), value=cut),
                plots.siting_plans(plans, value if metric == "wait_min_p90" else None, lang),
            )
        )
        tables.append((tr("plans", lang), _plans_table(plans, lang)))
        title = tr("site_title", lang, name=manifest.get("scenario", folder.name))
    if table is not None:
        metrics = [m for m in KEY_METRICS if m in set(table["metric"])]
        figures.insert(0 if kind == "siting" else 1, comparison_figure(table, metrics, lang))
        ba = before_after_table(table, lang=lang)
        tables[:0] = [
            (tr("ba_title", lang), minutes_formatted(ba)),
            (tr("ba_key", lang), comparison_rows(table, metrics, lang=lang)),
        ]
    left_out = not_modelled(pair["after"], lang) if pair is not None else []
    summary = Summary(intro[0], intro[1:], left_out)
    return Report(title, [], tables, figures, lang, summary).write(folder, svg)


def _hall_verdict(table: pd.DataFrame, metric: str, value: float, lang: str = "en") -> str:
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
    return tr(
        "hall_verdict", lang, ok=tr("met_word" if ok else "not_met_word", lang),
        metric=metric_name(metric, lang), sign=sign, value=fmt(value, metric),
        holds=tr("holds" if ok else "not_holds", lang),
    )  # fmt: skip
