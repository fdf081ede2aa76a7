"""Figures at a real county's size (issue 16): 21 towns, 32 halls, 26 teams, every figure
readable — every hall shown, no labels on top of each other, honest bins and scales."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim import plots
from sim.experiment import compare
from sim.metrics import ENFORCEMENT_METRICS, KEY_METRICS
from sim.scenario import load_scenario

DEZHOU = Path(__file__).resolve().parents[1] / "scenarios" / "dezhou"


@pytest.fixture(scope="module")
def county():
    """Dezhou before and after (32 halls after), 3 working days, 2 replications."""
    before, after = (
        load_scenario(DEZHOU / f"{name}.yaml").with_changes({"horizon": {"days": 3}})
        for name in ("before", "after")
    )
    assert len(after.halls) >= 30 and len(after.geography.towns) >= 20
    return compare([before, after], replications=2, executor="serial")


def _drawn(fig: Figure) -> Figure:
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    with matplotlib.rc_context(plots._style()):  # the fonts the figure is saved with
        fig.canvas.draw()
    return fig


def _overlaps(texts: list[Text]) -> list[tuple[str, str]]:
    renderer = texts[0].figure.canvas.get_renderer() if texts else None
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    return [
        (a, b)
        for (a, p), (b, q) in itertools.combinations(boxes, 2)
        if min(p.x1, q.x1) - max(p.x0, q.x0) > 0.5 and min(p.y1, q.y1) - max(p.y0, q.y0) > 0.5
    ]


def _visible_texts(ax) -> list[Text]:
    texts = [t for t in ax.texts if t.get_text().strip() and t.get_visible()]
    for tick in ax.get_yticklabels() + ax.get_xticklabels():
        if tick.get_text().strip() and tick.get_visible():
            texts.append(tick)
    return texts


def test_waiting_shows_every_hall(county) -> None:
    result = county.results[1]
    with matplotlib.rc_context(plots._style()):
        fig = _drawn(plots.waiting(result))
    ax = fig.axes[0]
    labels = " | ".join(t.get_text() for t in ax.get_yticklabels())
    missing = [h.name for h in result.scenario.halls if h.name not in labels]
    assert not missing, missing
    assert len(ax.get_yticklabels()) == len(result.scenario.halls)
    assert not _overlaps(list(ax.get_yticklabels()))
    assert fig.get_size_inches()[1] > 0.2 * len(result.scenario.halls)  # grows with the halls


def test_map_labels_do_not_overlap_each_other_or_the_scale_bar(county) -> None:
    scenarios = {r.scenario.name: r.scenario for r in county.results}
    fig = _drawn(plots.county_map(scenarios))
    for ax, scenario in zip(fig.axes, scenarios.values(), strict=False):
        texts = [t for t in ax.texts if t.get_text().strip()]
        names = {t.get_text() for t in texts}
        assert {t.name for t in scenario.geography.towns} <= names
        assert any(t.get_text().endswith(" km") for t in texts)  # the scale bar
        assert not _overlaps(texts), _overlaps(texts)
        frame = ax.get_window_extent()
        for t in texts:  # labels inside the panel, where they cannot hit the legend
            box = t.get_window_extent()
            assert frame.x0 <= box.x0 and box.x1 <= frame.x1, t.get_text()
            assert frame.y0 <= box.y0 and box.y1 <= frame.y1, t.get_text()


def test_travel_by_town_is_horizontal_with_intervals_and_no_overlaps(county) -> None:
    results = {r.scenario.name: r for r in county.results}
    fig = _drawn(plots.travel(results))
    right = fig.axes[1]
    towns = [t.name for t in county.results[0].scenario.geography.towns]
    labels = [t.get_text() for t in right.get_yticklabels()]
    assert len(labels) == len(towns)
    assert all(any(label.startswith(f"{t} (") for label in labels) for t in towns)
    km = [float(label.rsplit("(", 1)[1].split(" km")[0]) for label in labels]
    assert km == sorted(km)  # nearest first
    for ax in fig.axes:
        assert not _overlaps(_visible_texts(ax)), _overlaps(_visible_texts(ax))
    bars = [c for c in right.collections if isinstance(c, matplotlib.collections.LineCollection)]
    assert bars and sum(len(c.get_segments()) for c in bars) >= len(towns)  # intervals
    assert "95 % interval" in right.get_xlabel()


def test_enforcement_bins_start_at_zero_legends_off_the_data(county) -> None:
    results = {r.scenario.name: r for r in county.results}
    fig = _drawn(plots.enforcement(results))
    hist, ecdf, teams = fig.axes
    edges = np.concatenate([p.get_xy()[:, 0] for p in hist.patches])
    assert edges.min() >= 0
    first = county.results[0].scenario
    step = first.demand.days_per_year / first.working_days
    inner = np.unique(np.round(edges / step, 6))
    assert np.allclose(inner, np.round(inner))  # bin edges at whole visits in the run
    assert not any(ax.get_legend() for ax in fig.axes)  # one legend, above the panels
    assert fig.legends
    legend = fig.legends[0].get_window_extent()
    for ax in fig.axes:
        box = ax.get_window_extent()
        assert legend.y0 >= box.y1 - 1 or not legend.overlaps(box)
    assert not _overlaps(_visible_texts(ecdf))
    teams_labels = list(teams.get_yticklabels())
    assert len(teams_labels) >= 26 and not _overlaps(teams_labels)


def test_comparison_labels_ticks_beyond_ten_percent(county) -> None:
    fig = _drawn(plots.comparison(county.table, KEY_METRICS + ENFORCEMENT_METRICS))
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    values = [float(t.replace("%", "").replace("−", "-")) for t in ticks]
    assert any(abs(v) > 10 for v in values), ticks
    assert len(ticks) == len(ax.get_xticks())  # every tick labelled
    assert not _overlaps([t for t in ax.get_xticklabels() if t.get_text()])
    # every change beyond ±10 % can be read off: labelled ticks on both sides of it, at most
    # 2.5× apart (a scale compressed between -10 % and -100 % without ticks fails this)
    points = [v for line in ax.lines for v in line.get_xdata() if abs(v) > 10]
    assert points
    for v in points:
        side = sorted(abs(t) for t in values if t * v > 0)
        below = [t for t in side if t <= abs(v)]
        above = [t for t in side if t >= abs(v)]
        assert below and above and above[0] / below[-1] <= 2.5, (v, ticks)


def test_sweep_names_the_field_and_cuts_an_extreme_point() -> None:
    scenario = load_scenario(DEZHOU / "after.yaml")
    path = "halls[0].windows[4].count"
    means = [120.0, 18.0, 7.0, 4.5, 3.0, 2.5]
    table = pd.DataFrame(
        {
            "point": range(6),
            path: range(1, 7),
            "metric": "wait_min_p90",
            "scope": "hall:worst",
            "mean": means,
            "ci_low": [0.8 * m for m in means],
            "ci_high": [1.2 * m for m in means],
            "n": 2,
        }
    )
    fig = plots.sweep_lines(
        table, [path], "wait_min_p90", scope="hall:worst", target=5, scenario=scenario
    )
    ax = fig.axes[0]
    assert "[" not in ax.get_xlabel()
    assert ax.get_xlabel() == "County hall, comprehensive windows (count)"
    assert ax.get_ylim()[1] < 60  # the target's neighbourhood is readable
    assert any(t.get_text() == "120" for t in ax.texts)  # the cut point, with its value
    plain = plots.sweep_lines(table, [path], "wait_min_p90", scope="hall:worst", target=5)
    assert "[" not in plain.axes[0].get_xlabel()
