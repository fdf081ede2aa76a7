"""Reports of the two optimiser folders (issue 14, item 3): the search path, the branch
plans and map, and the before/after table, from folders the optimisers really wrote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.report import _target_value, before_after_table, write_optimise_report, write_report
from tests.conftest import write_yaml
from tests.test_optimise import three_halls
from tests.test_siting import eight_towns


def _before_after(folder: Path, source: Path) -> None:
    """``before_after.csv`` as the optimisers write it (until they all do): the input,
    then the best, compared with common random numbers."""
    if (folder / "before_after.csv").exists():
        return
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    pair = [sim.load_scenario(source), sim.load_scenario(folder / "best.yaml")]
    comparison = sim.compare(
        pair, replications=manifest["replications"], seed=manifest["seed"], executor="serial"
    )
    comparison.table.to_csv(folder / "before_after.csv", index=False)


@pytest.fixture(scope="module")
def staffing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("staffing")
    source = write_yaml(root / "three.yaml", three_halls(days=3))
    result = sim.optimise_staffing(
        sim.load_scenario(source), 12, replications=3, executor="serial", max_evaluations=6
    )
    folder = result.save(root / "opt", source)
    _before_after(folder, source)
    return folder


@pytest.fixture(scope="module")
def siting(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("siting")
    source = write_yaml(root / "eight.yaml", eight_towns(days=2))
    result = sim.optimise_branches(
        sim.load_scenario(source),
        2,
        items="approval",
        evaluate=2,
        replications=2,
        executor="serial",
    )
    folder = result.save(root / "branches", source)
    _before_after(folder, source)
    return folder


def _pngs_ok(folder: Path, names: list[str]) -> None:
    for name in names:
        png = folder / "figures" / f"{name}.png"
        assert png.is_file(), name
        assert png.stat().st_size > 10_000, name  # a drawn figure, not an empty canvas
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_staffing_report_has_the_search_and_the_verdict(staffing: Path) -> None:
    html = write_optimise_report(staffing)
    assert html == staffing / "report.html" and html.is_file()
    md = (staffing / "report.md").read_text(encoding="utf-8")
    manifest = json.loads((staffing / "manifest.json").read_text(encoding="utf-8"))
    _pngs_ok(staffing, ["search", "comparison"])
    verdict = "Target met" if manifest["feasible"] else "Target NOT met"
    assert verdict in md and verdict in html.read_text(encoding="utf-8")
    assert manifest["target"] in md  # "wait_min_p90 ≤ 20"
    for group, count in manifest["allocation"].items():
        assert f"{group} = {count}" in md
    assert "## Before and after, per hall (minutes)" in md
    assert "![search](figures/search.png)" in md


def test_siting_report_has_the_map_and_the_plans(siting: Path) -> None:
    write_optimise_report(siting)
    md = (siting / "report.md").read_text(encoding="utf-8")
    manifest = json.loads((siting / "manifest.json").read_text(encoding="utf-8"))
    _pngs_ok(siting, ["map", "plans", "comparison"])
    assert f"branches at {', '.join(manifest['branches'])}" in md
    plans = pd.read_csv(siting / "plans.csv")
    for towns in plans.towns[plans.travel_min.notna()].iloc[1:]:
        assert towns in md  # the plans figure is labelled by number: the towns are in text


def test_siting_verdict_when_the_manifest_has_a_target(siting: Path, tmp_path: Path) -> None:
    folder = tmp_path / "with-target"
    shutil.copytree(siting, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest |= {"kind": "siting", "target": "wait_min_p90 ≤ 1,000"}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    before = sim.load_scenario(siting.parent / "eight.yaml")
    after = sim.load_scenario(siting / "best.yaml")
    write_optimise_report(folder, {"before": before, "after": after})
    assert "Target met: wait_min_p90 ≤ 1,000 holds at every hall" in (
        folder / "report.md"
    ).read_text(encoding="utf-8")


@pytest.mark.parametrize("which", ["staffing", "siting"])
def test_before_after_table_matches_the_csv(which: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(which)
    table = pd.read_csv(folder / "before_after.csv")
    ba = before_after_table(table)
    before, after = list(dict.fromkeys(table.scenario))
    halls = [s[5:] for s in dict.fromkeys(table.scope) if s.startswith("hall:")]
    assert list(ba.hall) == [*halls, "county (all halls)"]
    means = table.set_index(["metric", "scope", "scenario"])["mean"]
    for _, row in ba.iterrows():
        scope = "all" if row.hall == "county (all halls)" else f"hall:{row.hall}"
        for metric, column in (
            ("wait_min_mean", "mean wait"),
            ("wait_min_p90", "p90 wait"),
            ("travel_min", "travel"),
        ):
            for when, name in (("before", before), ("after", after)):
                got = row[f"{column} {when} (min)"]
                want = means.get((metric, scope, name), float("nan"))
                assert got == pytest.approx(want, nan_ok=True)
    if which == "siting":  # the branches exist only after
        branch = ba[ba.hall.str.endswith(" branch")]
        assert len(branch) == 2 and branch["mean wait before (min)"].isna().all()
        assert branch["mean wait after (min)"].notna().all()


def test_write_report_dispatches_and_survives_a_moved_input(staffing: Path, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere" / "opt"
    shutil.copytree(staffing, moved)  # best.yaml's extends no longer resolves
    shutil.rmtree(moved / "figures", ignore_errors=True)
    (moved / "before_after.csv").unlink()
    manifest = json.loads((moved / "manifest.json").read_text(encoding="utf-8"))
    manifest["source"] = str(tmp_path / "gone.yaml")
    (moved / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    html = write_report(moved)
    assert html == moved / "report.html"
    assert sorted(p.name for p in (moved / "figures").glob("*.png")) == ["search.png"]


def test_target_text_is_parsed() -> None:
    assert _target_value("wait_min_p90 ≤ 20") == ("wait_min_p90", 20.0)
    assert _target_value("wait_min_p90 ≤ 1,000") == ("wait_min_p90", 1000.0)
    assert _target_value("share_one_trip ≥ 90.0%") == ("share_one_trip", 0.9)
    assert _target_value(None) == (None, None)
