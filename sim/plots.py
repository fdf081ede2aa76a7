"""Figures: result tables in, a matplotlib Figure out (never shown, never global).

Every function takes what a results folder holds (summaries, distributions, profiles,
comparison and sweep tables, and scenarios for geography) and returns a
``matplotlib.figure.Figure``; :func:`save` writes it as PNG (:data:`DPI`) and SVG.
Chinese names render with a CJK font when one is installed (Debian: fonts-noto-cjk);
without one a single :class:`CJKFontWarning` says so.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path

import matplotlib
import matplotlib.dates
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from PIL import Image

from sim.drawer import can_fork
from sim.experiment import Results
from sim.i18n import field_words, join, metric_name
from sim.i18n import t as tr
from sim.metrics import METRICS, fmt
from sim.model.geography import CountyMap
from sim.scenario import Scenario

__all__ = [
    "CJKFontWarning",
    "axis_label",
    "comparison",
    "county_map",
    "daily",
    "daily_means",
    "fmt",
    "enforcement",
    "queue_by_hour",
    "render",
    "render_all",
    "save",
    "search_path",
    "siting_plans",
    "sweep_lines",
    "travel",
    "trips",
    "utilisation_heatmap",
    "waiting",
]

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]
CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff]")


class CJKFontWarning(UserWarning):
    """No font with Chinese characters is installed: Chinese names will not render."""


@cache
def cjk_font() -> str | None:
    """Name of an installed CJK font (registered with matplotlib), or None."""
    wanted = (
        "Noto Sans CJK SC",
        "Noto Sans CJK JP",
        "Noto Sans SC",
        "Source Han Sans SC",
        "WenQuanYi Zen Hei",
        "WenQuanYi Micro Hei",
        "SimHei",
        "Microsoft YaHei",
    )
    for path in font_manager.findSystemFonts():
        if re.search(r"cjk|wqy|wenquan|simhei|yahei|sourcehan", Path(path).name, re.I):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):  # pragma: no cover - a broken font file
                continue
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in wanted if name in names), None)


def _style() -> dict:
    font = cjk_font()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": ([font] if font else []) + ["DejaVu Sans"],
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titleweight": "bold",
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "legend.fontsize": 9,
        "legend.frameon": False,
        "svg.fonttype": "none",  # text as text: a third of the time of paths; viewers need the font
        "svg.hashsalt": "countysim",  # fixed element ids: a redraw gives the same file
    }


class _Figure(Figure):
    """A figure whose axes keep their titles at the top edge: matplotlib would otherwise
    look, at every layout pass, for tick labels above the axes that these figures never
    have (measuring every y tick label: a tenth of the drawing)."""

    def add_subplot(self, *args, **kwargs):
        with matplotlib.rc_context({"axes.titley": 1.0}):
            return super().add_subplot(*args, **kwargs)

    def add_axes(self, *args, **kwargs):
        with matplotlib.rc_context({"axes.titley": 1.0}):
            return super().add_axes(*args, **kwargs)


def _figure(width: float, height: float, **kwargs) -> Figure:
    with matplotlib.rc_context(_style()):
        fig = _Figure(figsize=(width, height), dpi=DPI, layout="constrained", **kwargs)
    FigureCanvasAgg(fig)  # a renderer at the PNG's resolution: text measured here is reused
    return fig


DPI = 120
"""PNG resolution: a 10-inch figure is 1,200 pixels wide, sharp on a screen and in the HTML
report at half the cost of 200 dpi (``--svg`` adds a vector copy for print)."""


def save(
    fig: Figure | Callable[[], Figure],
    folder: Path,
    name: str,
    svg: bool = True,
    key: str | None = None,
) -> list[Path]:
    """Write ``folder/name.png`` (:data:`DPI`) and, with ``svg``, ``.svg`` (see
    :func:`render`); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"][: 1 + svg]
    for path, data in zip(paths, render(fig, svg, key), strict=False):
        path.write_bytes(data)
    return paths


def render(
    fig: Figure | Callable[[], Figure], svg: bool = False, key: str | None = None
) -> tuple[bytes, bytes | None]:
    """``fig`` as a PNG (:data:`DPI`) and, with ``svg``, an SVG. The figure is laid out and
    drawn once, on its own canvas, and the PNG encoded from that raster (``savefig`` would
    lay it out a second time); the SVG keeps the layout. ``fig`` may be a function drawing
    it; a ``key`` given to :func:`prerender` before is not drawn again (PNG only)."""
    if not svg and key in _PRERENDERED:
        return _PRERENDERED[key], None
    fig = fig() if callable(fig) else fig
    if cjk_font() is None and any(CJK.search(t.get_text()) for t in fig.findobj(Text)):
        _warn_once()  # (only then: finding every text costs a tenth of the drawing)
    png = _png(fig)
    if not svg:
        return png, None
    engine = fig.get_layout_engine()
    fig.set_layout_engine("none")  # the positions the PNG's layout found stay
    vector = io.BytesIO()
    try:
        with matplotlib.rc_context(_style()):
            fig.savefig(vector, format="svg", metadata={"Date": None})  # no date: redraws match
    finally:
        fig.set_layout_engine(engine)
    return png, vector.getvalue()


def _png(fig: Figure) -> bytes:
    """Lay out and draw ``fig`` once at :data:`DPI`; that raster as a PNG."""
    with matplotlib.rc_context(_style()):
        fig.set_dpi(DPI)
        fig.canvas.draw()
    size = fig.canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", size, fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="png", compress_level=1)  # zlib: the fastest
    return out.getvalue()


_PRERENDERED: dict[str, bytes] = {}


def prerender(key: str, fig: Figure | Callable[[], Figure]) -> None:
    """Draw ``fig`` now and keep its PNG under ``key`` for :func:`render` (what a report
    needs before its results exist, such as the map, is drawn while the replications
    run)."""
    _PRERENDERED[key] = _png(fig() if callable(fig) else fig)


_PENDING: list[tuple[Figure | Callable[[], Figure], bool, str | None]] = []


def _render_pending(index: int) -> tuple[bytes, bytes | None]:
    fig, svg, key = _PENDING[index]
    return render(fig, svg, key)


def render_all(
    figures: Sequence[tuple[Figure | Callable[[], Figure], str | None]],
    svg: bool = False,
    workers: int | None = None,
) -> list[tuple[bytes, bytes | None]]:
    """:func:`render` every ``(figure, key)`` (a figure may be a function that draws it: it
    is then drawn where it is rendered), in that order, in forked processes that share the
    data (no pickling) when the machine has more than one core and this process runs no
    other thread (forking one would be unsafe); otherwise one after the other."""
    import multiprocessing
    import os

    jobs = [(fig, svg, key) for fig, key in figures]
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers < 2 or not can_fork():
        return [render(*job) for job in jobs]
    cjk_font()  # found once, before the fork
    _PENDING[:] = jobs
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_render_pending, range(len(jobs)), chunksize=1)
    finally:
        _PENDING.clear()


@cache
def _warn_once() -> None:
    warnings.warn(
        "no CJK font is installed, so Chinese names show as boxes in the figures; "
        "install one (Debian: apt-get install fonts-noto-cjk)",
        CJKFontWarning,
        stacklevel=3,
    )


def _clock(minutes: float) -> str:
    return f"{int(minutes // 60):02d}:{int(minutes % 60):02d}"


def _mean_percentiles(dist: pd.DataFrame, quantity: str, scope: str = "all") -> np.ndarray:
    """Percentiles 0..100 of ``quantity``, averaged over replications (Vincentised)."""
    rows = dist[(dist.quantity == quantity) & (dist.scope == scope)]
    return rows.groupby("q")["value"].mean().reindex(range(101)).to_numpy()


def _from_zero(ax) -> None:
    """The y axis from 0 up to the data (up to 1 when every value is 0: a flat line)."""
    top = ax.get_ylim()[1]
    ax.set_ylim(0, top if top > 0 else 1)


def _target_line(ax, target: float, lang: str) -> None:
    """A dashed horizontal line at ``target``, labelled at its right end, behind the data."""
    ax.axhline(target, color="black", ls="--", lw=1, zorder=0)
    ax.annotate(
        tr("target", lang, value=target),
        (1, target),
        xycoords=("axes fraction", "data"),
        xytext=(-4, 4),
        textcoords="offset points",
        ha="right",
        fontsize=8,
    )


def _legend_outside(ax, **kwargs) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, **kwargs)


# --- map ------------------------------------------------------------------------------------


def county_map(scenarios: Mapping[str, Scenario], lang: str = "en") -> Figure:
    """Seat, towns (sized by population), halls, and which hall serves each town's approval
    items; one panel per scenario, side by side."""
    n = len(scenarios)
    fig = _figure(7.6 * n, 6.0)
    axes = fig.subplots(1, n, squeeze=False)[0]
    panels = {
        ax: _map_panel(ax, name, scenario, lang)
        for ax, (name, scenario) in zip(axes, scenarios.items(), strict=True)
    }
    with matplotlib.rc_context(_style()):  # measured in the fonts the figure is saved with
        _place_map_labels(fig, panels, lang)
    return fig


def _map_panel(ax, name: str, scenario: Scenario, lang: str = "en") -> tuple[list, list]:
    geo = scenario.geography
    county = CountyMap(scenario)
    xy = {t.name: (t.x_km, t.y_km) for t in geo.towns} | {"seat": (geo.seat.x_km, geo.seat.y_km)}
    approvals = [i for i, s in enumerate(scenario.services) if s.kind == "approval"]
    serving = {}  # hall index -> colour, for halls that serve some town's approvals
    for t, town in enumerate(geo.towns):
        if not approvals:
            break
        h = int(county.choice[approvals[0], t])
        colour = serving.setdefault(h, COLOURS[len(serving) % len(COLOURS)])
        (x0, y0), (x1, y1) = xy[town.name], xy[scenario.halls[h].at]
        ax.plot([x0, x1], [y0, y1], color=colour, lw=1.2, alpha=0.8, zorder=1)
    pops = np.array([t.population for t in geo.towns], dtype=float)
    sizes = 30 + 400 * pops / pops.max()
    ax.scatter(
        [t.x_km for t in geo.towns],
        [t.y_km for t in geo.towns],
        s=sizes,
        color="#dddddd",
        edgecolor="#555555",
        lw=0.8,
        zorder=2,
    )
    # obstacles for the labels: (x km, y km, radius in points)
    marks = [(t.x_km, t.y_km, math.sqrt(s) / 2) for t, s in zip(geo.towns, sizes, strict=True)]
    for h, colour in serving.items():
        hx, hy = xy[scenario.halls[h].at]
        ax.scatter(
            [hx],
            [hy],
            marker="s" if scenario.halls[h].at == "seat" else "^",
            s=90,
            color=colour,
            edgecolor="black",
            zorder=3,
        )
        marks.append((hx, hy, 5.0))
    ax.scatter(
        [geo.seat.x_km],
        [geo.seat.y_km],
        marker="*",
        s=160,
        color="gold",
        edgecolor="black",
        zorder=5,
    )
    marks.append((geo.seat.x_km, geo.seat.y_km, 6.5))
    ax.set_aspect("equal", adjustable="datalim")  # fills the space the layout gives it
    ax.margins(0.12)
    ax.set_title(name)
    ax.set_xlabel(tr("map_east", lang))
    ax.set_ylabel(tr("map_north", lang))
    handles = [
        Line2D(
            [], [], marker="*", ls="", color="gold", mec="black", ms=12, label=tr("map_seat", lang)
        )
    ]
    handles += [
        Line2D(
            [],
            [],
            marker="s" if scenario.halls[h].at == "seat" else "^",
            ls="-",
            color=c,
            mec="black",
            ms=8,
            label=tr("map_hall", lang, hall=scenario.halls[h].name),
        )
        for h, c in serving.items()
    ]
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color="#dddddd",
            mec="#555555",
            ms=8,
            label=tr("map_town", lang),
        )
    )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        fontsize=8,
        title=tr("map_legend", lang),
        title_fontsize=8,
    )
    labels = [(t.name, x, y, r) for t, (x, y, r) in zip(geo.towns, marks, strict=False)]
    return labels, marks  # the labels are placed once the layout is final: _place_map_labels


# offsets around a point (unit directions) and the text alignment that keeps the label on that
# side: east first, then the diagonals, then north, south, west
_AROUND = [
    ((1, 0), "left", "center"),
    ((0.71, 0.71), "left", "bottom"),
    ((0.71, -0.71), "left", "top"),
    ((0, 1), "center", "bottom"),
    ((0, -1), "center", "top"),
    ((-1, 0), "right", "center"),
    ((-0.71, 0.71), "right", "bottom"),
    ((-0.71, -0.71), "right", "top"),
]


def _overlap(a, b) -> float:
    """Area shared by two display boxes ``(x0, y0, x1, y1)``."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def _place_map_labels(fig: Figure, panels: dict, lang: str = "en") -> None:
    """Scale bar in the emptiest corner, then each town's label at the first of 8 positions
    around it (then twice as far) whose rendered box overlaps no placed label, marker or the
    scale bar and stays inside the axes; where none is free, the one overlapping least."""
    fig.draw_without_rendering()  # the final layout: axes boxes and limits
    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72  # points to pixels
    for ax, (labels, marks) in panels.items():
        ax.set_xlim(ax.get_xlim())  # frozen: the labels are placed for these limits
        ax.set_ylim(ax.get_ylim())
        ax.set_adjustable("box")  # limits fixed: the box keeps the equal aspect (it already
        # does, so nothing moves; "datalim" would log that it ignores the fixed limits)
        frame = ax.get_window_extent(renderer)
        inner = (frame.x0 + 2, frame.y0 + 2, frame.x1 - 2, frame.y1 - 2)
        to_px = ax.transData.transform
        boxes = []
        for x, y, r in marks:
            px, py = to_px((x, y))
            boxes.append((px - r * scale, py - r * scale, px + r * scale, py + r * scale))
        boxes += _scale_bar(ax, renderer, [to_px((x, y)) for x, y, _ in marks], lang)
        order = sorted(
            range(len(labels)),
            key=lambda i: (
                -sum(math.hypot(labels[i][1] - x, labels[i][2] - y) < 6 for x, y, _ in marks)
            ),
        )
        for i in order:
            text, x, y, r = labels[i]
            ann = ax.annotate(
                text, (x, y), xytext=(0, 0), textcoords="offset points", fontsize=7.5, zorder=4
            )
            best = None
            for reach in (r + 2.5, 2 * r + 8, 3 * r + 16):
                for (dx, dy), ha, va in _AROUND:
                    ann.xyann = (dx * reach, dy * reach)
                    ann.set_ha(ha)
                    ann.set_va(va)
                    e = ann.get_window_extent(renderer)
                    box = (e.x0, e.y0, e.x1, e.y1)
                    outside = (
                        max(inner[0] - box[0], 0)
                        + max(box[2] - inner[2], 0)
                        + max(inner[1] - box[1], 0)
                        + max(box[3] - inner[3], 0)
                    )
                    cost = sum(_overlap(box, b) for b in boxes) + 1e3 * outside
                    if best is None or cost < best[0]:
                        best = (cost, ann.xyann, ha, va, box)
                    if cost == 0:
                        break
                if best[0] == 0:
                    break
            _, ann.xyann, ha, va, box = best
            ann.set_ha(ha)
            ann.set_va(va)
            boxes.append(box)


def _scale_bar(ax, renderer, points, lang: str = "en") -> list[tuple[float, float, float, float]]:
    """A scale bar (a round length near a fifth of the axes' width) in the corner of the axes
    with the fewest points (display coordinates) near it; returns its display boxes."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bar = min((1, 2, 5, 10, 20, 50, 100), key=lambda b: abs(b - 0.18 * (x1 - x0)))
    to_axes = ax.transAxes.inverted().transform
    fractions = [to_axes(p) for p in points]
    corners = [(0, 0), (1, 0), (0, 1), (1, 1)]  # left/right, bottom/top

    def crowd(corner) -> int:
        cx, cy = corner
        return sum(abs(fx - cx) < 0.35 and abs(fy - cy) < 0.2 for fx, fy in fractions)

    cx, cy = min(corners, key=crowd)
    width = bar / (x1 - x0)
    left = 0.04 if cx == 0 else 0.96 - width
    level = 0.05 if cy == 0 else 0.92
    bar_x = x0 + left * (x1 - x0)
    bar_y = y0 + level * (y1 - y0)
    (line,) = ax.plot([bar_x, bar_x + bar], [bar_y, bar_y], color="black", lw=3, zorder=4)
    text = ax.annotate(
        tr("km", lang, value=bar),
        (bar_x + bar / 2, bar_y),
        xytext=(0, 4),
        textcoords="offset points",
        ha="center",
        fontsize=8,
        zorder=4,
    )
    return [tuple(a.get_window_extent(renderer).extents) for a in (line, text)]


# --- citizens ---------------------------------------------------------------------------------


def travel(results: Mapping[str, Results], lang: str = "en") -> Figure:
    """Distribution of round-trip travel per matter, and mean travel per town with its 95 %
    interval over replications (towns on the y axis, nearest to the county seat first)."""
    first = next(iter(results.values())).scenario
    seat_km = CountyMap(first).seat_km
    order = np.argsort(seat_km, kind="stable")
    towns = [first.geography.towns[i].name for i in order]
    fig = _figure(12, max(4.6, 1.6 + 0.26 * len(towns) * max(1, len(results) / 2)))
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.3])
    for i, (name, r) in enumerate(results.items()):
        values = _mean_percentiles(r.distributions, "travel_min")
        left.plot(values, np.linspace(0, 1, 101), color=COLOURS[i], lw=2, label=name)
    left.set_xlabel(tr("travel_x", lang))
    left.set_ylabel(tr("travel_y", lang))
    left.set_title(tr("travel_title", lang))
    left.set_ylim(0, 1)
    left.set_xlim(left=0)
    left.legend(loc="lower right")
    step = 0.7 / len(results)
    intervals = False
    for i, (name, r) in enumerate(results.items()):
        s = r.summary[r.summary.metric == "travel_min"].set_index("scope")
        rows = s.reindex([f"town:{t}" for t in towns])
        mean = rows["mean"].to_numpy(dtype=float)
        low = rows["ci_low"].to_numpy(dtype=float)
        high = rows["ci_high"].to_numpy(dtype=float)
        y = np.arange(len(towns)) + (i - (len(results) - 1) / 2) * step
        have = ~np.isnan(low) & ~np.isnan(high)
        intervals |= bool(have.any())
        right.errorbar(
            mean[have],
            y[have],
            xerr=[np.clip(mean - low, 0, None)[have], np.clip(high - mean, 0, None)[have]],
            fmt="none",
            ecolor=COLOURS[i],
            elinewidth=1.2,
            capsize=2,
        )
        right.plot(mean, y, "o", color=COLOURS[i], ms=5, label=name)
    right.set_yticks(
        np.arange(len(towns)),
        [tr("town_km", lang, town=n, km=seat_km[j]) for n, j in zip(towns, order, strict=True)],
        fontsize=8,
    )
    right.set_ylim(len(towns) - 0.5, -0.5)  # nearest at the top
    right.grid(axis="y", color="#eeeeee", lw=0.8)
    right.set_axisbelow(True)
    right.set_xlim(left=0)
    right.set_xlabel(tr("town_x", lang) + tr("with_ci" if intervals else "no_ci", lang))
    right.set_ylabel(tr("town_y", lang))
    right.set_title(tr("town_title", lang))
    _legend_outside(right)
    return fig


def trips(results: Mapping[str, Results], lang: str = "en") -> Figure:
    """Shares of completed in-person matters done in 1, 2 and 3 or more trips."""
    fig = _figure(7.5, 0.9 + 0.55 * len(results))
    ax = fig.subplots()
    names = list(results)
    shares = []
    for r in results.values():
        s = r.summary[r.summary.scope == "all"].set_index("metric")["mean"]
        one, two = s["share_one_trip"], s["share_two_trips"]
        shares.append((one, two, max(0.0, 1 - one - two)))
    left = np.zeros(len(names))
    for k, (label, colour) in enumerate(
        zip(
            (tr("trips_1", lang), tr("trips_2", lang), tr("trips_3", lang)),
            ("#2ca02c", "#ff7f0e", "#d62728"),
            strict=True,
        )
    ):
        values = np.array([s[k] for s in shares])
        ax.barh(names, values, left=left, color=colour, label=label)
        for y, (x, v) in enumerate(zip(left, values, strict=True)):
            if v >= 0.04:
                ax.text(
                    x + v / 2, y, f"{v:.0%}", ha="center", va="center", fontsize=8, color="white"
                )
        left += values
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel(tr("trips_x", lang))
    ax.set_ylabel(tr("scenario", lang))
    ax.set_title(tr("trips_title", lang))
    ax.invert_yaxis()
    _legend_outside(ax)
    return fig


def daily_means(result: Results) -> pd.DataFrame:
    """Per working day (index ``day``, 1, 2, …): ``date`` (a Timestamp with a date range,
    else NaT), ``requests``, ``visits``, ``sent_home`` and ``wait_min_mean``, each the mean
    over replications."""
    table = result.daily
    columns = ["requests", "visits", "sent_home", "wait_min_mean"]
    means = table.groupby("day")[columns].mean()
    dates = table.groupby("day")["date"].first()
    means.insert(0, "date", pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce"))
    return means


def daily(results: Mapping[str, Results], lang: str = "en") -> Figure:
    """Requests per working day (all channels) and the mean wait of each day's hall visits,
    means over replications, against the date where every scenario has a date range (else
    the working day's number)."""
    fig = _figure(11, 5.6)
    top, bottom = fig.subplots(2, 1, sharex=True)
    tables = {name: daily_means(r) for name, r in results.items()}
    dated = all(d["date"].notna().all() for d in tables.values())
    for i, (name, d) in enumerate(tables.items()):
        x = d["date"].to_numpy() if dated else d.index.to_numpy()
        lw = 1.2 + 1.6 * (len(tables) - 1 - i) / max(len(tables) - 1, 1)  # equal lines show
        top.plot(x, d["requests"], color=COLOURS[i], lw=lw, label=name)
        bottom.plot(x, d["wait_min_mean"], color=COLOURS[i], lw=lw, label=name)
    if dated:
        locator = matplotlib.dates.AutoDateLocator()
        bottom.xaxis.set_major_locator(locator)
        bottom.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(locator))
    top.set_ylabel(tr("daily_requests", lang))
    top.set_title(tr("daily_title", lang))
    _from_zero(top)
    bottom.set_ylabel(tr("daily_wait", lang))
    bottom.set_xlabel(tr("daily_dated" if dated else "daily_day", lang))
    bottom.set_title(tr("daily_wait_title", lang))
    _from_zero(bottom)
    top.xaxis.set_tick_params(labelbottom=True)
    top.set_xlabel(bottom.get_xlabel())
    _legend_outside(top)
    return fig


def waiting(result: Results, top: int | None = None, lang: str = "en") -> Figure:
    """Wait per visit at every hall: mean (circle) and 90th percentile (diamond), each with
    its 95 % interval over replications, halls sorted by the 90th percentile (longest first);
    halls without visits listed at the bottom. ``top``: only the ``top`` halls with the
    longest 90th percentile (the figure then says how many are left out)."""
    s = result.summary.set_index(["metric", "scope"])
    halls = [h.name for h in result.scenario.halls]

    def row(metric: str, hall: str) -> tuple[float, float, float]:
        key = (metric, f"hall:{hall}")
        if key not in s.index:
            return (np.nan, np.nan, np.nan)
        r = s.loc[key]
        return (float(r["mean"]), float(r["ci_low"]), float(r["ci_high"]))

    stats = {h: (row("wait_min_mean", h), row("wait_min_p90", h)) for h in halls}
    served = [h for h in halls if not np.isnan(stats[h][0][0])]
    idle = [h for h in halls if h not in served]
    served.sort(key=lambda h: (-np.nan_to_num(stats[h][1][0]), -stats[h][0][0]))
    left_out = served[top:] if top is not None else []
    shown = served[: len(served) - len(left_out)]
    labels = shown + [tr("no_visits", lang, hall=h) for h in idle]
    fig = _figure(9, 1.6 + 0.26 * max(len(labels), 3))
    ax = fig.subplots()
    y = np.arange(len(labels))
    intervals = False
    for k, (marker, colour, label) in enumerate(
        (("o", COLOURS[0], tr("mean", lang)), ("D", COLOURS[1], tr("p90", lang)))
    ):
        mean = np.array([stats[h][k][0] for h in shown], dtype=float)
        low = np.array([stats[h][k][1] for h in shown], dtype=float)
        high = np.array([stats[h][k][2] for h in shown], dtype=float)
        have = ~np.isnan(low) & ~np.isnan(high) & ~np.isnan(mean)
        intervals |= bool(have.any())
        offset = -0.15 if k == 0 else 0.15
        ax.errorbar(
            mean[have],
            y[: len(shown)][have] + offset,
            xerr=[np.clip(mean - low, 0, None)[have], np.clip(high - mean, 0, None)[have]],
            fmt="none",
            ecolor=colour,
            elinewidth=1.1,
            capsize=2,
        )
        ax.plot(mean, y[: len(shown)] + offset, marker, color=colour, ms=5, ls="", label=label)
    ax.set_yticks(y, labels, fontsize=8)
    for tick in ax.get_yticklabels()[len(shown) :]:
        tick.set_color("#888888")
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.grid(axis="y", color="#eeeeee", lw=0.8)
    ax.set_axisbelow(True)
    ax.set_xlim(left=0, right=max(ax.get_xlim()[1], 1.0))
    ax.set_xlabel(tr("wait_x", lang) + tr("with_ci" if intervals else "no_ci", lang))
    ax.set_ylabel(tr("wait_y", lang))
    title = tr("wait_title", lang, n=len(halls), name=result.scenario.name)
    if left_out:
        title = tr(
            "wait_title_top", lang, shown=len(shown), left=len(left_out), name=result.scenario.name
        )
    ax.set_title(title)
    _legend_outside(ax)
    return fig


QUEUE_SHOWN = 0.05
"""Halls whose mean queue never reaches this many citizens waiting (in any half hour) are
left out of :func:`queue_by_hour`: their line would lie on the axis."""


def queue_by_hour(result: Results, top: int = 5, lang: str = "en") -> Figure:
    """Number waiting over the working day at the busiest halls: mean over days and
    replications, band from the 10th to the 90th percentile across days."""
    prof = result.profiles
    mean = prof.groupby(["hall", "clock_min"])[["queue_mean", "queue_p10", "queue_p90"]].mean()
    peaks = mean["queue_mean"].groupby("hall").max()
    busiest = peaks[peaks >= QUEUE_SHOWN].sort_values(ascending=False).index[:top]
    fig = _figure(9, 4.4)
    ax = fig.subplots()
    for i, hall in enumerate(busiest):
        h = mean.loc[hall]
        x = h.index.to_numpy() + 15
        ax.plot(x, h["queue_mean"], color=COLOURS[i], lw=2, label=hall)
        ax.fill_between(x, h["queue_p10"], h["queue_p90"], color=COLOURS[i], alpha=0.15, lw=0)
    intervals = result.scenario.calendar.intervals_min
    for (_, end), (start, _) in zip(intervals[:-1], intervals[1:], strict=True):
        ax.axvspan(end, start, color="#eeeeee", zorder=0)  # the break: no window serves
        ax.annotate(
            tr("break", lang),
            ((end + start) / 2, 0.98),
            xycoords=("data", "axes fraction"),
            ha="center",
            va="top",
            fontsize=8,
            color="#555555",
        )
    ticks = np.unique(mean.index.get_level_values("clock_min"))[::2]
    ax.set_xticks(ticks, [_clock(k) for k in ticks])
    ax.set_xlabel(tr("time_of_day", lang))
    ax.set_ylabel(tr("waiting_citizens", lang))
    halls = prof["hall"].nunique()
    ax.set_title(
        tr("queue_title", lang, name=result.scenario.name)
        + (
            tr(
                "queue_top" if len(busiest) == top else "queue_some",
                lang,
                n=len(busiest),
                halls=halls,
            )
            if halls > len(busiest)
            else ""
        )
    )
    _from_zero(ax)
    _legend_outside(ax, title=tr("queue_band", lang))
    return fig


def utilisation_heatmap(result: Results, lang: str = "en") -> Figure:
    """Share of each hall's windows busy, by time of day (mean over days and replications)."""
    busy = result.profiles.groupby(["hall", "clock_min"])["busy_share"].mean().unstack()
    busy = busy.loc[busy.max(axis=1).sort_values(ascending=False).index]
    fig = _figure(10, 1.4 + 0.3 * len(busy))
    ax = fig.subplots()
    image = ax.imshow(
        busy.to_numpy(), aspect="auto", cmap="YlOrRd", vmin=0, vmax=1, interpolation="nearest"
    )
    ax.set_yticks(range(len(busy)), busy.index, fontsize=8)
    ticks = range(0, busy.shape[1], 2)
    ax.set_xticks(ticks, [_clock(busy.columns[i]) for i in ticks], fontsize=8)
    ax.set_xlabel(tr("half_hour", lang))
    ax.set_ylabel(tr("hall", lang))
    ax.set_title(tr("util_title", lang, name=result.scenario.name))
    fig.colorbar(
        image,
        ax=ax,
        label=tr("util_bar", lang),
        format=matplotlib.ticker.PercentFormatter(1.0),
    )
    return fig


# --- enforcement ----------------------------------------------------------------------------


def enforcement(results: Mapping[str, Results], lang: str = "en") -> Figure:
    """Visits per enterprise a year, incident response, and team utilisation (one legend
    for the scenarios, above the panels; the team panel grows with the number of teams)."""
    rows = []
    for i, r in enumerate(results.values()):
        s = r.summary[r.summary.metric == "team_utilisation"]
        s = s[s.scope.str.startswith("team:")].dropna(subset=["mean"])
        rows += [(scope[5:], m, i) for scope, m in zip(s.scope, s["mean"], strict=True)]
    rows.sort(key=lambda row: (row[2], -row[1]))
    team_height = 0.8 + 0.2 * max(len(rows), 3)
    fig = _figure(13, 4.6 + team_height)
    axes = fig.subplot_mosaic(
        [["hist", "ecdf"], ["teams", "teams"]], height_ratios=[4.0, team_height]
    )
    hist, ecdf, teams = axes["hist"], axes["ecdf"], axes["teams"]
    top = max(
        np.nanmax(_mean_percentiles(r.distributions, "visits_per_enterprise_per_year"))
        for r in results.values()
    )
    first = next(iter(results.values())).scenario
    step = first.demand.days_per_year / first.working_days  # one visit in the run, a year
    count = math.ceil(top / step + 1e-9) + 1
    bins = np.arange(0, count + 1) * step  # bin k: exactly k visits in the run, from 0
    for i, r in enumerate(results.values()):
        per_firm = _mean_percentiles(r.distributions, "visits_per_enterprise_per_year")
        hist.hist(
            np.clip(per_firm + 1e-9 * step, 0, None),  # k visits fall in bin k, not k - 1
            bins=bins,
            weights=np.full(101, 1 / 101),
            histtype="step",
            lw=2,
            color=COLOURS[i],
        )
        response = _mean_percentiles(r.distributions, "response_min")
        ecdf.plot(response, np.linspace(0, 1, 101), color=COLOURS[i], lw=2)
    hist.set_xlim(0, bins[-1])
    ticks = bins if count <= 12 else bins[:: math.ceil(count / 12)]
    hist.set_xticks(ticks, [f"{k:.0f}" if abs(k - round(k)) < 0.05 else f"{k:.1f}" for k in ticks])
    hist.set_xlabel(tr("enf_x", lang, days=first.working_days))
    hist.set_ylabel(tr("enf_y", lang))
    hist.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    hist.set_title(tr("enf_title", lang))
    for limit in (15, 30):
        ecdf.axvline(limit, color="grey", ls="--", lw=1)
        ecdf.annotate(
            tr("minutes", lang, value=limit),
            (limit, 0.02),
            xycoords=("data", "axes fraction"),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=8,
            color="grey",
        )
    ecdf.set_xlabel(tr("resp_x", lang))
    ecdf.set_ylabel(tr("resp_y", lang))
    ecdf.set_title(tr("resp_title", lang))
    ecdf.set_ylim(0, 1)
    p97 = max(_mean_percentiles(r.distributions, "response_min")[97] for r in results.values())
    ecdf.set_xlim(0, max(60.0, 1.1 * p97))  # the last few percent wait overnight
    y = np.arange(len(rows))
    teams.barh(y, [r[1] for r in rows], color=[COLOURS[r[2]] for r in rows])
    teams.set_yticks(y, [r[0] for r in rows], fontsize=8)
    teams.set_ylim(len(rows) - 0.5, -0.5)
    teams.set_xlim(0, 1)
    teams.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    teams.set_xlabel(tr("team_x", lang))
    teams.set_ylabel(tr("team", lang))
    teams.set_title(tr("team_title", lang))
    fig.legend(
        handles=[
            Line2D([], [], color=COLOURS[i], lw=2, label=name) for i, name in enumerate(results)
        ],
        loc="outside upper center",
        ncols=min(len(results), 4),
    )
    return fig


# --- comparison and sweep ---------------------------------------------------------------------


def comparison(table: pd.DataFrame, metrics: Sequence[str], lang: str = "en") -> Figure:
    """Paired differences to the first scenario, as % of its mean, with 95 % intervals."""
    everything = table[table.scope == "all"]
    first = everything.scenario.iloc[0]
    others = [n for n in dict.fromkeys(everything.scenario) if n != first]
    rows = []
    for metric in metrics:
        base = everything[(everything.metric == metric) & (everything.scenario == first)]
        if base.empty or not base["mean"].iloc[0]:
            continue
        for k, name in enumerate(others):
            r = everything[(everything.metric == metric) & (everything.scenario == name)]
            if r.empty or np.isnan(r["diff"].iloc[0]):
                continue
            if r["diff"].iloc[0] == 0 and r["diff_ci_high"].iloc[0] == 0:
                continue  # identical by construction (same citizens): nothing to show
            scale = 100 / abs(base["mean"].iloc[0])
            rows.append(
                (
                    metric,
                    k,
                    r["diff"].iloc[0] * scale,
                    r["diff_ci_low"].iloc[0] * scale,
                    r["diff_ci_high"].iloc[0] * scale,
                    base["mean"].iloc[0],
                    r["mean"].iloc[0],
                )
            )
    fig = _figure(10, 1.4 + 0.36 * len(rows))
    ax = fig.subplots()
    y = np.arange(len(rows))
    for i, (metric, k, d, lo, hi, before, after) in enumerate(rows):
        ax.errorbar(d, i, xerr=[[d - lo], [hi - d]], fmt="o", color=COLOURS[k + 1], capsize=3)
        ax.annotate(
            f"{fmt(before, metric)} → {fmt(after, metric)}",
            (1.01, i),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize=7.5,
            color="#444444",
        )
    ax.axvline(0, color="black", lw=1)
    _percent_symlog(ax, [v for r in rows for v in r[2:5]])
    ax.set_yticks(y, [metric_name(r[0], lang) for r in rows], fontsize=8)
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    if not rows:  # every metric the same in every scenario (e.g. only crews changed)
        ax.text(0.5, 0, tr("cmp_none", lang), ha="center", va="center", transform=ax.transData)
    ax.set_ylabel(tr("cmp_y", lang))
    ax.set_xlabel(tr("cmp_x", lang, first=first))
    ax.set_title(tr("cmp_title", lang))
    if len(others) > 1:
        ax.legend(
            handles=[
                Line2D([], [], marker="o", ls="", color=COLOURS[k + 1], label=n)
                for k, n in enumerate(others)
            ],
            loc="lower right",
        )
    return fig


_PERCENT_TICKS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


def _percent_symlog(ax, values: Sequence[float]) -> None:
    """A symlog x axis in %: linear within ±1 %, logarithmic beyond, every tick labelled
    (0, ±1, 2, 5, 10, 20, 50, 100 … %) up to the largest value."""
    values = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    low = min(float(values.min()) if len(values) else -1.0, -1.0)
    high = max(float(values.max()) if len(values) else 1.0, 1.0)
    ax.set_xscale("symlog", linthresh=1, linscale=0.5)
    left = -min((t for t in _PERCENT_TICKS if t >= -low * 0.9999), default=_PERCENT_TICKS[-1])
    right = min((t for t in _PERCENT_TICKS if t >= high * 0.9999), default=_PERCENT_TICKS[-1])
    decades = math.log10(-left) + math.log10(right)
    series = (1, 2, 5) if decades <= 7 else (1, 5) if decades <= 10 else (1,)
    # about 1.5 in a decade keeps the 1, 2, 5 labels apart: the figure widens to give it
    figure = ax.get_figure()
    figure.set_figwidth(max(figure.get_figwidth(), min(4.5 + 1.5 * (decades + 1), 18.0)))
    kept = [t for t in _PERCENT_TICKS if int(f"{t:e}"[0]) in series]  # labels that fit
    ticks = [-t for t in kept if -t >= left] + [0] + [t for t in kept if t <= right]
    ax.set_xlim(left * 1.15, right * 1.15)
    ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(sorted(ticks)))
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.xaxis.set_major_formatter(
        matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:+g}%" if v else "0%")
    )
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#eeeeee", lw=0.8)
    ax.set_axisbelow(True)


def axis_label(path: str, scenario: Scenario | None = None, lang: str = "en") -> str:
    """Words for a grid path: ``halls[0].windows[4].count`` → ``County hall, comprehensive
    windows (count)`` (names and window skills from ``scenario``; without it, or where the
    path does not resolve, ``hall 1, window group 5 (count)``)."""
    from sim.scenario.overrides import resolve_path

    parts = re.findall(r"([A-Za-z_]\w*)|\[([^\]]*)\]", path)
    words = []
    try:
        loc = resolve_path(scenario.to_data(), path) if scenario is not None else None
    except ValueError:
        loc = None
    if loc is not None:
        node, field = scenario.to_data(), str(loc[-1])
        for k, part in enumerate(loc[:-1]):
            parent = loc[k - 1] if k else ""
            node = node[part]
            if isinstance(part, int) and isinstance(node, dict):
                if "skills" in node and parent == "windows":
                    skills = node["skills"]
                    words.append(
                        tr("comprehensive", lang)
                        if skills == "all"
                        else tr(
                            "skill_windows",
                            lang,
                            skills=join((str(d).replace("_", " ") for d in skills), lang),
                        )
                    )
                elif node.get("name") is not None:
                    words.append(str(node["name"]))
                else:
                    words.append(_numbered(str(parent), part + 1, lang))
            elif not isinstance(part, int) and not isinstance(node, list):
                words.append(field_words(str(part), lang))
    else:
        field = parts[-1][0] if parts and parts[-1][0] else path
        for k, (name, index) in enumerate(parts[:-1]):
            if name and not (k + 1 < len(parts) and parts[k + 1][1]):
                words.append(field_words(name, lang))
            elif index:
                before = parts[k - 1][0] if k else ""
                key = int(index) + 1 if index.strip().isdigit() else index.strip()
                if not isinstance(key, int):
                    words.append(str(key))
                elif before == "windows":
                    words.append(tr("numbered", lang, what=tr("window_group", lang), n=key))
                else:
                    words.append(_numbered(before, key, lang))
    field = field_words(field, lang)
    return (
        tr("axis", lang, words=("，" if lang == "zh" else ", ").join(words), field=field)
        if words
        else field
    )


def _numbered(plural: str, n: int, lang: str) -> str:
    """``hall 2`` / ``第2大厅``: the n-th of a list named by its plural field name."""
    what = field_words(plural, lang) if lang == "zh" else _singular(plural)
    return tr("numbered", lang, what=what, n=n)


def _singular(word: str) -> str:
    word = word.replace("_", " ")
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _clip_outliers(upper: np.ndarray, floor: float) -> float | None:
    """A top for the y axis that leaves out extreme points: repeatedly, the highest upper
    bound is extreme when it exceeds 3× the next one (and ``floor``); at most half the points
    are left out. None when nothing is extreme."""
    values = np.sort(upper[np.isfinite(upper)])[::-1]
    cut = 0
    while cut < len(values) // 2 and values[cut] > 3 * max(values[cut + 1], floor, 1e-9):
        cut += 1
    return None if cut == 0 else 1.15 * max(values[cut], floor)


def sweep_lines(
    table: pd.DataFrame,
    grid: Sequence[str],
    metric: str,
    scope: str = "all",
    target: float | None = None,
    scenario: Scenario | None = None,
    lang: str = "en",
) -> Figure:
    """``metric`` against the first grid axis, with its 95 % band; one line per value of the
    second axis; the target as a dashed line. Axes named in words (from ``scenario`` where
    given). A point far above the rest is left off the axis and marked by an arrow with its
    value, so the values near the target stay readable."""
    rows = table[(table.metric == metric) & (table.scope == scope)]
    x_axis = grid[0]
    series = rows.groupby(grid[1], sort=False) if len(grid) > 1 else [(None, rows)]
    second = axis_label(grid[1], scenario, lang) if len(grid) > 1 else None
    fig = _figure(8, 4.6)
    ax = fig.subplots()
    parts = []
    for i, (value, part) in enumerate(series):
        part = part.sort_values(x_axis)
        parts.append(part)
        label = f"{second} = {value}" if value is not None else metric_name(metric, lang)
        ax.plot(part[x_axis], part["mean"], "o-", color=COLOURS[i % len(COLOURS)], label=label)
        ax.fill_between(
            part[x_axis],
            part["ci_low"],
            part["ci_high"],
            color=COLOURS[i % len(COLOURS)],
            alpha=0.15,
            lw=0,
        )
    if target is not None:
        _target_line(ax, target, lang)
    ax.set_xlabel(axis_label(x_axis, scenario, lang))
    known = metric in METRICS
    ax.set_ylabel(
        tr(
            "sweep_y",
            lang,
            metric=metric,
            description=METRICS[metric].description if known else "",
            label=metric_name(metric, lang),
        )[:90]
    )
    where = _scope_words(scope, lang)
    ax.set_title(
        tr("sweep_fig_title", lang, metric=metric, where=where, label=metric_name(metric, lang))
    )
    upper = rows["ci_high"].fillna(rows["mean"]).to_numpy(dtype=float)
    top = _clip_outliers(upper, target or 0.0)
    ax.set_ylim(0, max(top or ax.get_ylim()[1], 1.0))  # a flat zero still gets a readable axis
    if top is not None:
        for i, part in enumerate(parts):
            off = part[part["mean"] > top]
            for x, m in zip(off[x_axis], off["mean"], strict=True):
                ax.annotate(
                    fmt(m, metric),
                    (x, top),
                    xytext=(0, -26),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                    color=COLOURS[i % len(COLOURS)],
                    arrowprops={"arrowstyle": "->", "color": COLOURS[i % len(COLOURS)]},
                    annotation_clip=False,
                )
        ax.set_title(ax.get_title() + tr("sweep_cut", lang, value=fmt(top, metric)))
    if np.allclose(rows[x_axis], np.round(rows[x_axis])):
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    _legend_outside(ax)
    return fig


# --- optimisers -------------------------------------------------------------------------------


def _unit(metric: str) -> str:
    unit = METRICS[metric].unit if metric in METRICS else ""
    return f" ({unit})" if unit and not (metric in METRICS and METRICS[metric].share) else ""


def _metric_axis(metric: str, lang: str = "en") -> str:
    """A metric on an axis: ``wait_min_mean (min)``; in Chinese its label with unit."""
    return metric_name(metric, lang) if lang == "zh" else f"{metric}{_unit(metric)}"


def _scope_words(scope: str, lang: str = "en") -> str:
    """``all``, a hall's or team's name, or the worst hall (team) at each point."""
    if scope.endswith(":worst"):
        kind = scope[:-6]
        return tr("sweep_worst", lang, kind=tr(f"kind_{kind}", lang) if lang == "zh" else kind)
    if scope == "all":
        return tr("sweep_all", lang)
    return scope if lang == "en" else scope.split(":", 1)[-1]


def search_path(
    candidates: pd.DataFrame,
    objective: str,
    metric: str | None = None,
    target: float | None = None,
    chosen: str | None = None,
    unit: str = "hall",
    lang: str = "en",
) -> Figure:
    """A staffing search, one point per simulated allocation in the order simulated: the
    objective (top) and the target metric at the worst chosen ``unit`` (bottom, when the
    table has it) with 95 % intervals; accepted steps filled, rejected hollow, the
    allocations of the final selection boxed, the ``chosen`` allocation (its text, as in
    the ``allocation`` column) ringed; the target as a dashed line."""
    t = candidates.reset_index(drop=True)
    x = t["step"].to_numpy(dtype=float)
    accepted = t["accepted"].astype(bool).to_numpy()
    selected = (
        t["selected"].fillna(False).astype(bool).to_numpy()
        if "selected" in t
        else np.zeros(len(t), bool)
    )
    is_chosen = (t["allocation"].astype(str) == chosen).to_numpy() if chosen else selected & False
    if chosen and is_chosen.any():  # the last time the chosen allocation was simulated
        last = np.flatnonzero(is_chosen)[-1]
        is_chosen = np.arange(len(t)) == last
    worst = t["worst_mean"].to_numpy(dtype=float) if "worst_mean" in t else np.full(len(t), np.nan)
    panels = 2 if metric and not np.isnan(worst).all() else 1
    small = len(t) > 25
    fig = _figure(min(14.0, 8.0 + 0.12 * len(t)), 2.2 + 2.4 * panels)
    axes = fig.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    met = t["met"].fillna(False).astype(bool).to_numpy() if "met" in t else np.ones(len(t), bool)

    def draw(ax, mean, low, high, colours) -> None:
        low = np.where(np.isnan(low), mean, low)
        high = np.where(np.isnan(high), mean, high)
        ax.errorbar(
            x,
            mean,
            yerr=[np.clip(mean - low, 0, None), np.clip(high - mean, 0, None)],
            fmt="none",
            ecolor="#999999",
            elinewidth=0.9,
            capsize=0 if small else 2.5,
            zorder=1,
        )
        path = accepted & ~np.isnan(mean)
        ax.plot(x[path], mean[path], color="#bbbbbb", lw=1, zorder=1)  # the search's course
        ms = 22 if small else 40
        for keep, face in ((accepted, None), (~accepted, "white")):
            ax.scatter(
                x[keep],
                mean[keep],
                s=ms,
                c=[c for c, k in zip(colours, keep, strict=True) if k] if face is None else face,
                edgecolors=[c for c, k in zip(colours, keep, strict=True) if k],
                linewidths=1.2,
                zorder=3,
            )
        ax.scatter(
            x[selected],
            mean[selected],
            s=ms * 3.5,
            marker="s",
            facecolors="none",
            edgecolors="#555555",
            linewidths=1,
            zorder=2,
        )
        ax.scatter(
            x[is_chosen],
            mean[is_chosen],
            s=ms * 6,
            facecolors="none",
            edgecolors="#ff7f0e",
            linewidths=2.2,
            zorder=4,
        )

    top = axes[0]
    draw(
        top,
        t["objective"].to_numpy(dtype=float),
        t["objective_ci_low"].to_numpy(dtype=float),
        t["objective_ci_high"].to_numpy(dtype=float),
        [COLOURS[0]] * len(t),
    )
    top.set_ylabel(_metric_axis(objective, lang))
    top.set_title(tr("search_title", lang, objective=metric_name(objective, lang)))
    handles = [
        Line2D([], [], marker="o", ls="", color=COLOURS[0], label=tr("accepted_step", lang)),
        Line2D(
            [], [], marker="o", ls="", mfc="white", mec=COLOURS[0], label=tr("rejected_step", lang)
        ),
        Line2D([], [], color="#bbbbbb", label=tr("course", lang)),
        Line2D(
            [],
            [],
            marker="s",
            ls="",
            mfc="none",
            mec="#555555",
            ms=10,
            label=tr("final_selection", lang),
        ),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            mfc="none",
            mec="#ff7f0e",
            mew=2,
            ms=13,
            label=tr("chosen", lang),
        ),
    ]
    if panels == 2:
        bottom = axes[1]
        green, red = COLOURS[2], COLOURS[1]
        draw(
            bottom,
            worst,
            t["worst_ci_low"].to_numpy(dtype=float),
            t["worst_ci_high"].to_numpy(dtype=float),
            [green if m else red for m in met],
        )
        if target is not None:
            _target_line(bottom, target, lang)
        where = tr(f"kind_{unit}", lang)
        shown = metric_name(metric, lang) if lang == "zh" else f"{metric}"
        bottom.set_ylabel(
            tr("search_worst_y", lang, metric=shown, unit=where)
            + (_unit(metric) if lang == "en" else "")
        )
        bottom.set_title(tr("search_worst_title", lang, metric=shown, unit=where))
        _from_zero(bottom)
        handles += [
            Line2D([], [], marker="o", ls="", color=green, label=tr("meets", lang)),
            Line2D([], [], marker="o", ls="", color=red, label=tr("misses", lang)),
        ]
    axes[-1].set_xlabel(tr("search_x", lang))
    axes[-1].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    top.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return fig


def _label_offsets(points: np.ndarray) -> list[tuple[int, int]]:
    """An offset (points) for each point's label, away from the labels placed before it
    (points as fractions of the axes)."""
    options = [(6, 5), (6, -13), (-14, 5), (-14, -13), (6, 14), (-14, 14)]
    placed: list[np.ndarray] = []
    out = []
    for p in points:
        inside = [o for o in options if np.all((p + np.array(o) / 300 > 0.02) & (p < 0.98))]
        best = max(
            inside or options,
            key=lambda o: min(
                (float(np.hypot(*(p + np.array(o) / 300 - q))) for q in placed), default=1.0
            ),
        )
        placed.append(p + np.array(best) / 300)
        out.append(best)
    return out


def siting_plans(plans: pd.DataFrame, target: float | None = None, lang: str = "en") -> Figure:
    """Each simulated branch plan: mean round-trip travel against the worst hall's
    90th-percentile wait, both with 95 % intervals, labelled by plan number (0 = the
    scenario as it is); the best plan starred."""
    p = plans[plans["travel_min"].notna()].reset_index(drop=True)
    fig = _figure(8.5, 5.2)
    ax = fig.subplots()
    best = p["best"].fillna(False).astype(bool).to_numpy() if "best" in p else np.zeros(len(p))
    for i, r in p.iterrows():
        x, y = float(r["travel_min"]), float(r["wait_p90_worst"])
        xerr = [[x - r["travel_min_ci_low"]], [r["travel_min_ci_high"] - x]]
        yerr = [[y - r["wait_p90_worst_ci_low"]], [r["wait_p90_worst_ci_high"] - y]]
        xerr = np.clip(np.nan_to_num(np.array(xerr, dtype=float)), 0, None)
        yerr = np.clip(np.nan_to_num(np.array(yerr, dtype=float)), 0, None)
        if int(r["plan"]) == 0:
            style = {"fmt": "s", "color": "#777777", "ms": 8}
        elif best[i]:
            style = {"fmt": "*", "color": "#ff7f0e", "ms": 16, "mec": "black"}
        else:
            style = {"fmt": "o", "color": COLOURS[0], "ms": 7}
        ax.errorbar(x, y, xerr=xerr, yerr=yerr, capsize=3, elinewidth=1, zorder=3, **style)
    if target is not None:
        _target_line(ax, target, lang)
    top = max(ax.get_ylim()[1], 1.0)  # all zero waits still get a readable axis
    ax.set_ylim(-0.06 * top, top)  # points at 0 and their labels clear of the x axis
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    points = np.column_stack(
        [(p["travel_min"] - x0) / (x1 - x0), (p["wait_p90_worst"] - y0) / (y1 - y0)]
    )
    for (_, r), offset in zip(p.iterrows(), _label_offsets(points), strict=True):
        ax.annotate(
            tr("as_is_0", lang) if int(r["plan"]) == 0 else str(int(r["plan"])),
            (r["travel_min"], r["wait_p90_worst"]),
            xytext=offset,
            textcoords="offset points",
            fontsize=8.5,
            ha="left" if offset[0] > 0 else "right",
            zorder=5,
        )
    ax.set_xlabel(tr("plans_x", lang))
    ax.set_ylabel(tr("plans_y", lang))
    ax.set_title(tr("plans_title", lang))
    handles = [
        Line2D([], [], marker="s", ls="", color="#777777", label=tr("plan0", lang)),
        Line2D([], [], marker="o", ls="", color=COLOURS[0], label=tr("plan_n", lang)),
        Line2D(
            [],
            [],
            marker="*",
            ls="",
            color="#ff7f0e",
            mec="black",
            ms=12,
            label=tr("best_plan", lang),
        ),
    ]
    if target is not None:
        handles.append(Line2D([], [], color="black", ls="--", lw=1, label=tr("target_line", lang)))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return fig
