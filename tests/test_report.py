"""Figures and reports: real results in, titled and labelled figures and a report out."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

import sim
from sim import plots
from sim.cli import app
from sim.experiment import sweep
from sim.metrics import ENFORCEMENT_METRICS, KEY_METRICS, fmt
from sim.report import write_report

runner = CliRunner()


def _figures(pair) -> dict[str, Figure]:
    results = {r.scenario.name: r for r in pair.results}
    first = pair.results[0]
    grid = {"halls[0].windows[0].count": [1, 3]}
    table = sweep(first.scenario, grid, replications=2, executor="serial").table
    return {
        "map": plots.county_map({n: r.scenario for n, r in results.items()}),
        "travel": plots.travel(results),
        "trips": plots.trips(results),
        "daily": plots.daily(results),
        "waiting": plots.waiting(first),
        "queue": plots.queue_by_hour(first),
        "utilisation": plots.utilisation_heatmap(first),
        "enforcement": plots.enforcement(results),
        "comparison": plots.comparison(pair.table, KEY_METRICS + ENFORCEMENT_METRICS),
        "sweep": plots.sweep_lines(table, list(grid), "wait_min_mean", target=5),
    }


def test_every_figure_is_titled_labelled_and_written(tmp_path: Path, pair) -> None:
    for name, fig in _figures(pair).items():
        assert isinstance(fig, Figure)
        axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        assert axes, name
        for ax in axes:
            assert ax.get_title(), (name, "title")
            assert ax.get_xlabel() and ax.get_ylabel(), (name, "axis labels")
        png, svg = plots.save(fig, tmp_path, name)
        assert png.stat().st_size > 5_000 and svg.stat().st_size > 5_000
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in svg.read_bytes()[:500]


def test_report_has_every_figure_the_table_and_true_captions(tmp_path: Path, pair) -> None:
    folder = sim.save(pair, tmp_path / "cmp")
    page = write_report(folder).read_text()
    md = (folder / "report.md").read_text()
    pngs = sorted(p.stem for p in (folder / "figures").glob("*.png"))
    # map, comparison; travel, trips, daily; waiting and utilisation of each; enforcement;
    # the queue of the one-window county only: with six windows nobody queues
    assert len(pngs) == len(re.findall(r"<img ", page)) == 2 + 3 + 2 * 2 + 1 + 1
    assert "queue-small-county" in pngs and "queue-more-windows" not in pngs
    profiles = pd.read_csv(folder / "more-windows" / "profiles.csv")
    assert profiles.groupby(["hall", "clock_min"])["queue_mean"].mean().max() < plots.QUEUE_SHOWN
    for name in pngs:
        assert f'id="{name}"' in page and f"figures/{name}.png" in md
    summary = pd.read_csv(folder / "more-windows" / "summary.csv").set_index(["metric", "scope"])
    for metric in KEY_METRICS:
        assert f"<td>{metric}</td>" in page
    travel = summary.loc[("travel_min", "all"), "mean"]
    assert f"{fmt(travel, 'travel_min')} min in more windows" in page
    one_trip = summary.loc[("share_one_trip", "all"), "mean"]
    assert f"{fmt(one_trip, 'share_one_trip')} (more windows)" in page
    queued = pd.read_csv(folder / "small-county" / "summary.csv").set_index(["metric", "scope"])
    p90 = queued.xs("wait_min_p90", level="metric")["mean"]
    hall_p90 = {s[5:]: v for s, v in p90.items() if s.startswith("hall:")}
    worst = max(hall_p90, key=hall_p90.get)
    assert hall_p90[worst] > 0  # one market window: citizens queue
    assert f"longest 90th-percentile wait is at {worst}, {fmt(hall_p90[worst])} min" in page


def test_run_then_report_redraws_identical_figures(tmp_path: Path, county_file: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "run",
            str(county_file),
            "-r",
            "2",
            "--days",
            "3",
            "--executor",
            "serial",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    first = {p.name: p.read_bytes() for p in (out / "figures").iterdir()}
    assert {"map.png", "travel.png", "waiting.png", "utilisation.png"} <= set(first)
    assert not any(name.endswith(".svg") for name in first)  # vector copies only with --svg
    page, md = (out / "report.html").read_text(), (out / "report.md").read_text()
    shutil.rmtree(out / "figures")
    (out / "report.html").unlink()
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    again = {p.name: p.read_bytes() for p in (out / "figures").iterdir()}
    assert again == first
    # the same report again, every figure in it: embedded in the page, linked from the text
    assert (out / "report.html").read_text() == page and (out / "report.md").read_text() == md
    pngs = [name for name in first if name.endswith(".png")]
    assert page.count("<img ") == len(pngs) and all(f"figures/{n}" in md for n in pngs)
    # --svg adds a vector copy of every figure; a redraw without it takes them away again
    assert runner.invoke(app, ["report", str(out), "--svg"]).exit_code == 0
    svgs = sorted(p.name for p in (out / "figures").glob("*.svg"))
    assert svgs == sorted(n.replace(".png", ".svg") for n in pngs)
    assert b"<svg" in (out / "figures" / svgs[0]).read_bytes()[:500]
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0
    assert not list((out / "figures").glob("*.svg"))
    no_figures = runner.invoke(
        app,
        [
            "run",
            str(county_file),
            "-r",
            "1",
            "--days",
            "1",
            "--executor",
            "serial",
            "--no-figures",
            "--out",
            str(tmp_path / "bare"),
        ],
    )
    assert no_figures.exit_code == 0 and not (tmp_path / "bare" / "figures").exists()


def test_report_of_a_sweep_with_a_target(tmp_path: Path, county_file: Path) -> None:
    result = runner.invoke(
        app,
        [
            "sweep",
            str(county_file),
            "--grid",
            "halls[0].windows[0].count=1,3",
            "-r",
            "2",
            "--days",
            "2",
            "--executor",
            "serial",
            "--target",
            "wait_min_p90=5",
            "--out",
            str(tmp_path / "sw"),
        ],
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "sw" / "report.html").read_text()
    assert 'id="sweep-wait_min_p90"' in page and "wait_min_p90 ≤ 5 at every hall" in page
    bad = runner.invoke(app, ["report", str(tmp_path)])
    assert bad.exit_code == 2 and "not a results folder" in bad.output


@pytest.fixture
def chromium() -> str:
    """Headless Chromium's path; the test skips, saying why, where there is none."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip(
            "no Chromium on PATH (chromium or chromium-browser): install Debian's chromium "
            "(make test does so when run as root) to check that the report opens in a browser"
        )
    return found


def test_report_opens_in_chromium_with_every_image_loaded(
    chromium: str, tmp_path: Path, pair
) -> None:
    """Headless Chromium (Debian's package; `make test` installs it) loads the report:
    every embedded image decodes (naturalWidth > 0); a screenshot is written beside it."""
    folder = sim.save(pair, tmp_path / "cmp")
    page = write_report(folder)
    probe = page.with_name("probe.html")
    probe.write_text(
        page.read_text().replace(
            "</body>",
            (
                "<script>window.addEventListener('load', () => { document.body.dataset.widths = "
                "[...document.images].map(i => i.naturalWidth).join(','); });</script></body>"
            ),
        )
    )
    flags = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--hide-scrollbars",
    ]
    dom = subprocess.run(
        [*flags, "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    widths = [int(w) for w in re.search(r'data-widths="([\d,]*)"', dom).group(1).split(",")]
    assert len(widths) == len(list((folder / "figures").glob("*.png"))) and min(widths) > 0
    shot = folder / "report-screenshot.png"
    subprocess.run(
        [*flags, "--window-size=1200,2400", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 20_000
