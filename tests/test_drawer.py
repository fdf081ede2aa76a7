"""The report drawn in a process of its own (sim.drawer) and what makes a report cheaper to
draw (issue 16, part 3): the same files as drawing it in the command, errors that reach the
command, a map drawn before the results that is not drawn again, no figure of empty
queues."""

from __future__ import annotations

import dataclasses
import math
import os
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim.cli
import sim.drawer
from sim import plots, report
from sim.cli import app
from sim.drawer import Drawer, DrawerGone
from sim.experiment import run
from sim.scenario import load_scenario
from sim.store import load_results, write_run

runner = CliRunner()


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The drawer is made only with a second core: these tests run as on this 2-core
    machine wherever they run (on one core the command draws the report itself)."""
    monkeypatch.setattr(sim.drawer.os, "cpu_count", lambda: 2)


def _fail(message: str) -> None:
    raise ValueError(message)


def _dies(*_: object) -> None:
    os._exit(9)  # as a drawer killed while it draws


def test_a_drawer_returns_results_raises_errors_and_says_when_gone() -> None:
    with sim.drawer.drawer(True) as helper:
        assert isinstance(helper, Drawer)
        assert helper(pow, 2, 10) == 1024
        assert helper(os.getpid) != os.getpid()  # it ran in the drawer
        with pytest.raises(ValueError, match="no such hall"):
            helper(_fail, "no such hall")
        os.kill(helper._process.pid, signal.SIGKILL)
        helper._process.join()
        with pytest.raises(DrawerGone):
            helper(os.getpid)
    assert not helper._process.is_alive()
    with sim.drawer.drawer(False) as none:
        assert none is None


def test_a_command_whose_drawer_died_draws_the_report_itself(
    tmp_path: Path, county_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sim.drawer, "draw_ahead", _dies)
    monkeypatch.setattr(sim.cli, "draw_ahead", _dies)
    command = ["run", str(county_file), "-r", "1", "--days", "2", "--executor", "serial", "-q"]
    result = runner.invoke(app, [*command, "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "report.html").stat().st_size > 10_000
    assert (tmp_path / "a" / "figures" / "travel.png").exists()


def _files(folder: Path) -> dict[str, bytes]:
    names = ["report.md", *(f"figures/{p.name}" for p in (folder / "figures").glob("*.png"))]
    return {name: (folder / name).read_bytes() for name in names}


def test_the_drawer_writes_the_report_the_command_would(
    tmp_path: Path, county_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same report and byte-identical figures, the map prerendered in the drawer
    included, whether the drawer or the command draws them."""
    made: list[Drawer] = []

    class Counted(Drawer):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(sim.drawer, "Drawer", Counted)
    command = ["run", str(county_file), "-r", "2", "--days", "2", "--executor", "serial", "-q"]
    assert runner.invoke(app, [*command, "--out", str(tmp_path / "a")]).exit_code == 0
    assert len(made) == 1
    monkeypatch.setattr(sim.drawer, "can_fork", lambda: False)
    assert runner.invoke(app, [*command, "--out", str(tmp_path / "b")]).exit_code == 0
    assert len(made) == 1  # drawn in the command this time
    drawn, here = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert "figures/map.png" in drawn and len(drawn) >= 6
    assert drawn == here


def test_countysim_report_redraws_the_report_the_run_wrote(
    tmp_path: Path, county_file: Path
) -> None:
    """The run's report, drawn from the results in memory, and the one `countysim report`
    draws from the saved tables are the same, figure for figure."""
    command = ["run", str(county_file), "-r", "2", "--days", "2", "--executor", "serial", "-q"]
    assert runner.invoke(app, [*command, "--out", str(tmp_path / "a")]).exit_code == 0
    written = _files(tmp_path / "a")
    assert runner.invoke(app, ["report", str(tmp_path / "a")]).exit_code == 0
    assert _files(tmp_path / "a") == written


def test_a_prerendered_map_is_written_as_it_was_drawn(tmp_path: Path, county_file: Path) -> None:
    scenario = load_scenario(county_file).with_changes({"horizon": {"days": 1}})
    results = run(scenario, 1, executor="serial")
    folder = write_run(results, tmp_path / "run")
    loaded = load_results(folder).scenario
    first = report.map_figure({results.scenario.name: results.scenario}, "zh")
    again = report.map_figure({loaded.name: loaded}, "zh")
    assert first.key == again.key  # the scenario read back names the same map
    assert first.key != report.map_figure({loaded.name: loaded}, "en").key
    plots.prerender(first.key, first.figure)

    def not_again():
        raise AssertionError("drawn a second time")

    [png] = plots.save(not_again, tmp_path / "out", "map", svg=False, key=again.key)
    assert png.read_bytes() == plots._PRERENDERED[first.key]
    assert png.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(AssertionError, match="second time"):  # an SVG is drawn
        plots.save(not_again, tmp_path / "out", "map", svg=True, key=again.key)


def test_halls_without_a_queue_are_left_out_of_the_queue_figure(pair) -> None:
    first = pair.results[0]
    profiles = first.profiles.copy()
    busiest = profiles.groupby("hall")["queue_mean"].max().idxmax()
    assert profiles.groupby("hall")["queue_mean"].max()[busiest] >= plots.QUEUE_SHOWN
    quiet = profiles["hall"] != busiest
    profiles.loc[quiet, ["queue_mean", "queue_p10", "queue_p90"]] = 0.0
    one = dataclasses.replace(first, profiles=profiles)
    [ax] = plots.queue_by_hour(one).axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [busiest]
    names = [f.name for f in report.scenario_figures({first.scenario.name: one})]
    assert "queue" in names
    profiles.loc[~quiet, ["queue_mean", "queue_p10", "queue_p90"]] = 0.0
    none = dataclasses.replace(first, profiles=profiles)
    names = [f.name for f in report.scenario_figures({first.scenario.name: none})]
    assert "queue" not in names and "waiting" in names  # no figure of empty queues


def test_results_mean_is_the_summary_row(pair) -> None:
    first = pair.results[0]
    s = first.summary
    for _, row in s.sample(20, random_state=1).iterrows():
        assert first.mean(row.metric, row.scope) == pytest.approx(row["mean"], nan_ok=True)
    assert math.isnan(first.mean("wait_min_mean", "hall:no such hall"))
