"""Experiments: executors give identical numbers, paired comparison, CRN, sweeps that
resume, replications to precision, and the Python API."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.experiment import Precision, compare, run, sweep
from sim.scenario import Scenario
from sim.stats import paired_differences
from sim.store import load_results, sweep_checkpoints, write_table
from tests.conftest import SCENARIOS, small_county, write_yaml

runner = CliRunner()


@pytest.fixture
def county() -> Scenario:
    data = small_county()
    data["horizon"]["days"] = 3
    return Scenario.model_validate(data)


@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_summaries(tmp_path: Path, county) -> None:
    files = {}
    for executor in ("serial", "processes", "dask"):
        results = run(county, replications=4, executor=executor, workers=2)
        files[executor] = (sim.save(results, tmp_path / executor) / "summary.csv").read_bytes()
    assert files["serial"] == files["processes"] == files["dask"]


def test_comparing_a_scenario_with_itself_gives_exact_zeros(county) -> None:
    comparison = compare([county, county], replications=3, executor="serial")
    second = comparison.table[comparison.table.scenario != county.name]
    assert len(second) > 50
    assert (second["diff"] == 0).all()
    assert (second["diff_ci_low"] == 0).all() and (second["diff_ci_high"] == 0).all()
    assert not second["significant"].any()


def test_common_random_numbers_shrink_the_variance_of_differences() -> None:
    base = sim.load_scenario(SCENARIOS / "example-baseline.yaml", ["horizon.days=5"])
    reform = sim.load_scenario(SCENARIOS / "example-same-power.yaml", ["horizon.days=5"])
    paired = compare([base, reform], replications=6, executor="serial")
    independent = run(reform, replications=6, seed=base.seed + 1, executor="serial")
    crn = paired_differences(paired.results[0].replications, paired.results[1].replications)
    ind = paired_differences(paired.results[0].replications, independent.replications)
    # Not travel_min: the reform removes the long far-town trips whose mix drives the
    # baseline's travel variance, so the two scenarios' travel means are weakly correlated
    # (paired and independent widths come out alike). Where both scenarios share the
    # driving randomness, pairing must narrow the interval.
    for metric in ("citizen_hours", "wait_min_mean", "visits_per_enterprise_per_year", "matters"):
        width = {
            name: float(
                (d.diff_ci_high - d.diff_ci_low)[(d.metric == metric) & (d.scope == "all")].iloc[0]
            )
            for name, d in (("crn", crn), ("independent", ind))
        }
        assert width["crn"] < width["independent"], (metric, width)


def test_difference_table_matches_hand_computed_pairs(county) -> None:
    other = county.with_changes({"halls[0].windows[0].count": 1})
    comparison = compare([county, other], replications=4, executor="serial")
    a, b = (r.replications for r in comparison.results)
    d = (
        b[b.scope == "all"]["wait_min_mean"].to_numpy()
        - a[a.scope == "all"]["wait_min_mean"].to_numpy()
    )
    row = comparison.table[
        (comparison.table.metric == "wait_min_mean")
        & (comparison.table.scope == "all")
        & (comparison.table.scenario == other.name + " (2)")
    ]
    assert row["diff"].iloc[0] == pytest.approx(d.mean())
    half = 3.182446305284263 * d.std(ddof=1) / 2  # t(0.975, 3) · s / √4
    assert row["diff_ci_high"].iloc[0] == pytest.approx(d.mean() + half)


def test_sweep_resumes_after_an_interruption(tmp_path: Path, county) -> None:
    grid = {"halls[0].windows[0].count": [1, 2, 3, 4]}

    def sweep_into(folder: Path, force: bool = False, progress=None):
        finished, on_point = sweep_checkpoints(folder, force)
        done = sweep(county, grid, replications=2, executor="serial", finished=finished,
                     on_point=on_point, progress=progress)  # fmt: skip
        write_table(done.table, folder / "sweep.csv")
        return done

    class Interrupted(Exception):
        pass

    def stop_at_five(done: int) -> None:
        if done == 5:  # two points of two replications are complete and saved
            raise Interrupted

    with pytest.raises(Interrupted):
        sweep_into(tmp_path / "s", progress=stop_at_five)
    assert len(list((tmp_path / "s" / "points").iterdir())) == 2
    ran: list[int] = []
    resumed = sweep_into(tmp_path / "s", progress=ran.append)
    assert resumed.reused == [0, 1] and len(ran) == 4  # only the two other points ran
    whole = sweep_into(tmp_path / "whole")
    assert whole.reused == []
    assert (tmp_path / "s" / "sweep.csv").read_bytes() == (
        tmp_path / "whole" / "sweep.csv"
    ).read_bytes()
    forced = sweep_into(tmp_path / "s", force=True)
    assert forced.reused == []
    table = pd.read_csv(tmp_path / "s" / "sweep.csv")
    assert list(table.columns[:2]) == ["point", "halls[0].windows[0].count"]
    assert sorted(table["point"].unique()) == [0, 1, 2, 3]


def _t_half_width(values: np.ndarray) -> float:
    """95 % Student-t half-width, computed here from scratch (scipy.stats, not sim.stats)."""
    return float(st.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))


def test_precision_stops_at_the_first_batch_that_meets_the_target(county) -> None:
    """Batches of ``-r`` replications are added until the 95 % interval of the metric (scope
    ``all``) is within ±relative of its mean. Judged from the replications themselves: the
    target is met after the last batch and was not after any earlier one; the replications are
    those of a plain run of that many."""
    relative = 0.055  # relative half-widths here: 0.34, 0.074, 0.050 after 2, 4, 6
    results = run(
        county, replications=2, executor="serial", precision=Precision("matters", relative, 12)
    )
    info = results.info["precision"]
    reps = results.replications
    values = reps.loc[reps.scope == "all", "matters"].to_numpy(dtype=float)
    n = values.size
    assert info["replications"] == n and 2 < n < 12  # stopped by the target, not the cap
    met = [_t_half_width(values[:k]) <= relative * values[:k].mean() for k in range(2, n + 1, 2)]
    assert met[-1] and not any(met[:-1]), met
    assert info["met"] is True
    assert info["mean"] == pytest.approx(values.mean())
    assert info["half_width"] == pytest.approx(_t_half_width(values))
    plain = run(county, replications=n, executor="serial")
    pd.testing.assert_frame_equal(results.replications, plain.replications)
    capped = run(
        county,
        replications=2,
        executor="serial",
        precision=Precision("matters", 1e-6, max_replications=4),
    )
    assert capped.info["precision"]["replications"] == 4 and not capped.info["precision"]["met"]


def test_precision_of_a_share_near_1_uses_the_whole_interval() -> None:
    values = np.array([0.95, 0.99, 0.70, 0.98, 0.97])  # mean 0.918, half-width 0.152
    frame = pd.DataFrame({"replication": range(5), "scope": "all", "share_one_trip": values})
    target = Precision("share_one_trip", 0.15)  # ±0.138: not met
    assert _t_half_width(values) > 0.15 * values.mean()
    assert not target.met(sim.summarise(frame))


def test_precision_parse() -> None:
    assert Precision.parse("wait_min_mean=0.05,max=40") == Precision("wait_min_mean", 0.05, 40)
    for bad in (
        "wait_min_mean",
        "wait_min_mean=x",
        "wait_min_mean=0.1,maxx=3",
        "wiat_min_mean=0.1",
    ):
        with pytest.raises(ValueError):
            Precision.parse(bad)


def test_results_round_trip(tmp_path: Path, county) -> None:
    results = run(county, replications=2, executor="serial", log=True)
    back = load_results(sim.save(results, tmp_path / "r"))
    pd.testing.assert_frame_equal(back.summary, results.summary, check_dtype=False)
    assert back.scenario == results.scenario and back.seed == results.seed
    assert len(back.matters) == len(results.matters)


def test_cli_compare_and_sweep(tmp_path: Path, county_file: Path) -> None:
    other = write_yaml(
        tmp_path / "more.yaml",
        {
            "extends": county_file.name,
            "name": "more windows",
            "halls": [{"name": "County hall", "windows": [{"count": 6, "skills": "all"}]}],
        },
    )
    result = runner.invoke(
        app,
        [
            "compare",
            str(county_file),
            str(other),
            "-r",
            "2",
            "--days",
            "2",
            "--executor",
            "serial",
            "--out",
            str(tmp_path / "cmp"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Δ more windows" in result.output
    busiest = result.output[result.output.index("waits at the busiest halls") :]
    assert "County hall" in busiest and "Farton centre" in busiest and "wait_min_p90" in busiest
    table = pd.read_csv(tmp_path / "cmp" / "compare.csv")
    assert list(table.columns) == [
        "metric",
        "scope",
        "scenario",
        "mean",
        "ci_low",
        "ci_high",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
        "n",
        "significant",
    ]
    assert {p.name for p in (tmp_path / "cmp").iterdir()} == {
        "compare.csv",
        "manifest.json",
        "small-county",
        "more-windows",
        "figures",
        "report.html",
        "report.md",
    }
    # each scenario's folder holds its own run: its summary is the comparison's rows for it
    for folder, name in (("small-county", "small county"), ("more-windows", "more windows")):
        summary = pd.read_csv(tmp_path / "cmp" / folder / "summary.csv")
        mine = table[table.scenario == name]
        assert len(summary) == len(mine) > 50
        pd.testing.assert_frame_equal(
            summary[["metric", "scope", "mean", "ci_low", "ci_high", "n"]].reset_index(drop=True),
            mine[["metric", "scope", "mean", "ci_low", "ci_high", "n"]].reset_index(drop=True),
        )
    resolved = sim.load_scenario(tmp_path / "cmp" / "more-windows" / "scenario.resolved.yaml")
    assert resolved.halls[0].windows[0].count == 6 and resolved.horizon.days == 2
    result = runner.invoke(
        app,
        [
            "sweep",
            str(county_file),
            "--grid",
            "halls[0].windows[0].count=1,3",
            "--grid",
            "seed=5,6",
            "-r",
            "2",
            "--days",
            "2",
            "--executor",
            "serial",
            "--out",
            str(tmp_path / "sw"),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "sw" / "sweep.csv")
    points = table.groupby("point")[["halls[0].windows[0].count", "seed"]].first()
    assert sorted(map(tuple, points.to_numpy().tolist())) == [(1, 5), (1, 6), (3, 5), (3, 6)]
    # windows change waits, not citizens: the same seed gives the same requests at both counts
    matters = table[(table.metric == "matters") & (table.scope == "all")]
    by_seed = matters.groupby("seed")["mean"].agg(["min", "max"])
    assert (by_seed["min"] == by_seed["max"]).all()
    waits = table[(table.metric == "wait_min_mean") & (table.scope == "hall:County hall")]
    mean_wait = waits.groupby("halls[0].windows[0].count")["mean"].mean()
    assert mean_wait[3] < mean_wait[1]


def test_a_sweep_over_the_seed_runs_each_seed(county) -> None:
    swept = sweep(county, {"seed": [5, 6]}, replications=1, executor="serial")
    table = swept.table
    matters = table[(table.metric == "matters") & (table.scope == "all")]
    direct = [run(county.with_changes({"seed": s}), 1, executor="serial") for s in (5, 6)]
    expected = [r.summary.set_index(["metric", "scope"]).loc[("matters", "all"), "mean"]
                for r in direct]  # fmt: skip
    assert expected[0] != expected[1]
    assert matters["mean"].tolist() == expected
    assert [r.scenario.seed for r in swept.results] == [5, 6]  # as they ran


def test_a_run_with_another_seed_names_it_in_its_scenario(tmp_path: Path, county) -> None:
    results = run(county, 1, seed=county.seed + 1, executor="serial")
    assert results.seed == results.scenario.seed == county.seed + 1
    again = run(load_results(sim.save(results, tmp_path / "r")).scenario, 1, executor="serial")
    pd.testing.assert_frame_equal(again.replications, results.replications)


@pytest.mark.parametrize(
    "grid, words",
    [
        ("halls[0].windows[0].count", "expected PATH=V1,V2"),
        ("halls[0]..count=1,2", "halls[0]..count"),
        ("halls[0].windows[0].count=", "no values"),
        (
            "halls[0].windows[0].count=2,-1",
            "halls[0].windows[0].count (hall 'County hall'): must be ≥ 0, got -1",
        ),
        ("horizon.dayz=1,2", "did you mean 'days'"),
        ("halls[0].windows[0].count=[1,2", "--grid"),
    ],
)
def test_bad_grid_exits_2(tmp_path: Path, county_file: Path, grid: str, words: str) -> None:
    result = runner.invoke(
        app,
        [
            "sweep",
            str(county_file),
            "--grid",
            grid,
            "-r",
            "1",
            "--executor",
            "serial",
            "--out",
            str(tmp_path / "sw"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output
    assert not (tmp_path / "sw" / "sweep.csv").exists()


@pytest.mark.parametrize(
    "args, words",
    [
        (["--executor", "threads"], "expected serial, processes or dask"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler goes with --executor dask"),
        (["--precision", "wait=0.1"], "unknown metric"),
    ],
)
def test_bad_run_options_exit_2(tmp_path: Path, county_file: Path, args, words) -> None:
    result = runner.invoke(app, ["run", str(county_file), "--out", str(tmp_path / "o"), *args])
    assert result.exit_code == 2 and words in result.output, result.output
