"""The command line and the results folder, on temporary folders."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.metrics import METRICS
from tests.conftest import SCENARIOS

runner = CliRunner()


def test_run_writes_the_results_folder(tmp_path: Path, county_file: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "run",
            str(county_file),
            "-r",
            "3",
            "--days",
            "4",
            "--set",
            "halls[0].windows[1].count=3",
            "--out",
            str(out),
            "--log",
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"Results written to {out}" in result.output.replace("\n", "")
    assert "key metrics" in result.output and "County hall" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "daily.csv",
        "distributions.csv",
        "figures",
        "manifest.json",
        "matters.parquet",
        "profiles.csv",
        "replications.csv",
        "report.html",
        "report.md",
        "scenario.resolved.yaml",
        "summary.csv",
        "tickets.csv",
    ]
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["metric", "scope", "mean", "std", "ci_low", "ci_high", "n"]
    assert set(summary.metric) <= set(METRICS)
    assert {"all", "hall:County hall", "hall:Farton centre", "town:Farton"} <= set(summary.scope)
    reps = pd.read_csv(out / "replications.csv")
    assert list(reps.columns[:2]) == ["replication", "scope"] and set(reps.replication) == {0, 1, 2}
    row = summary[(summary.metric == "matters") & (summary.scope == "all")].iloc[0]
    assert row["n"] == 3
    assert row["mean"] == pytest.approx(reps[reps.scope == "all"]["matters"].mean())
    matters = pd.read_parquet(out / "matters.parquet")
    assert len(matters) == reps[reps.scope == "all"]["matters"].sum()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["replications"] == 3
    resolved = sim.load_scenario(out / "scenario.resolved.yaml")
    assert resolved.horizon.days == 4 and resolved.halls[0].windows[1].count == 3


def test_same_seed_gives_byte_identical_tables(tmp_path: Path, county_file: Path) -> None:
    for name in ("a", "b"):
        assert (
            runner.invoke(
                app,
                ["run", str(county_file), "-r", "2", "--days", "3", "--out", str(tmp_path / name)],
            ).exit_code
            == 0
        )
    assert (
        runner.invoke(
            app,
            [
                "run",
                str(county_file),
                "-r",
                "2",
                "--days",
                "3",
                "--seed",
                "6",
                "--out",
                str(tmp_path / "c"),
            ],
        ).exit_code
        == 0
    )
    a, b, c = ((tmp_path / n / "replications.csv").read_bytes() for n in "abc")
    assert a == b
    assert a != c


def test_default_folder_is_named_after_the_scenario(
    tmp_path: Path, county_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["run", str(county_file), "-r", "1", "--days", "1"]).exit_code == 0
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith("small-county-")


def test_interrupted_write_leaves_nothing(tmp_path: Path, county_file: Path) -> None:
    results = sim.run(sim.load_scenario(county_file, ["horizon.days=1"]), replications=1)

    class Broken:
        def to_parquet(self, *args, **kwargs):
            raise OSError("disk full")

    results.matters = Broken()  # type: ignore[assignment]
    with pytest.raises(OSError):
        sim.save(results, tmp_path / "out")
    assert [p.name for p in tmp_path.iterdir()] == [county_file.name]


def test_check_prints_the_resolved_scenario(county_file: Path) -> None:
    result = runner.invoke(app, ["check", str(county_file), "--set", "seed=9"])
    assert result.exit_code == 0
    assert "seed: 9" in result.output and "name: small county" in result.output


def test_internal_error_exits_1(
    tmp_path: Path, county_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("sim.experiment.run", boom)  # the run command imports it when it runs
    result = runner.invoke(app, ["run", str(county_file), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "internal error" in result.output
    assert "Traceback" not in result.output


def test_python_dash_m(county_file: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "sim", "check", str(county_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "name: small county" in done.stdout


def test_list_shows_every_scenario_with_its_description(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`countysim list` finds scenarios in subfolders, shows name and description (those of
    an `extends` parent where the child gives none), flags a file that does not load and
    then exits 2; with no ./scenarios it lists the installed copies."""
    (tmp_path / "reform").mkdir()
    (tmp_path / "reform" / "before.yaml").write_text(
        (SCENARIOS / "example-baseline.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "reform" / "after.yaml").write_text(
        "extends: before.yaml\nname: Reformed\ndescription: Two more windows.\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["list", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Reformed" in text and "Two more windows." in text
    assert "Example county baseline" in text and "Before county-town same power" in text
    assert text.index("after.yaml") < text.index("before.yaml")  # sorted
    (tmp_path / "broken.yaml").write_text("name: x\nhalls: 3\n", encoding="utf-8")
    broken = runner.invoke(app, ["list", str(tmp_path)])
    assert broken.exit_code == 2 and "does not load" in broken.output
    assert "1 of 3 files do not load" in " ".join(broken.output.split())
    monkeypatch.chdir(tmp_path / "reform")
    installed = runner.invoke(app, ["list"])
    assert installed.exit_code == 0 and "Example county same power" in installed.output
    assert runner.invoke(app, ["list", str(tmp_path / "nothing")]).exit_code == 2
