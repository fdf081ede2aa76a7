"""Scenario files: extends, merge by name, --set, CSV towns, and bad input -> exit 2."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario import ScenarioError, apply_set, load_scenario, parse_set
from tests.conftest import SCENARIOS, small_county, write_yaml

runner = CliRunner()


def _output(result) -> str:
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_extends_merges_mappings_and_named_lists(tmp_path: Path, county_file: Path) -> None:
    child = {
        "extends": county_file.name,
        "name": "child",
        "geography": {
            "towns": [
                {"name": "Farton", "population": 45000},
                {"name": "Newtown", "population": 1000, "x_km": 5, "y_km": 5},
            ]
        },
        "halls": [{"name": "County hall", "windows": [{"count": 9, "skills": "all"}]}],
    }
    s = load_scenario(write_yaml(tmp_path / "child.yaml", child))
    assert s.name == "child"
    assert [t.name for t in s.geography.towns] == ["Seatville", "Farton", "Newtown"]
    assert s.geography.towns[1].population == 45000 and s.geography.towns[1].x_km == 25
    assert [g.count for g in s.halls[0].windows] == [9]  # unnamed list: replaced
    assert s.halls[1].name == "Farton centre"


def test_extends_chain_relative_to_each_file(tmp_path: Path, county_file: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    write_yaml(sub / "middle.yaml", {"extends": "../county.yaml", "seed": 77})
    leaf = write_yaml(sub / "leaf.yaml", {"extends": "middle.yaml", "horizon": {"days": 3}})
    s = load_scenario(leaf)
    assert (s.seed, s.horizon.days, s.name) == (77, 3, "small county")


def test_set_overrides_paths_and_parses_values_as_yaml(county_file: Path) -> None:
    s = load_scenario(
        county_file,
        [
            "halls[0].windows[1].count=8",
            "horizon.days=4",
            "halls[1].catchment=[Farton, Seatville]",
            "services[0].service_min={dist: gamma, mean: 9, sd: 3}",
        ],
    )
    assert s.halls[0].windows[1].count == 8 and s.horizon.days == 4
    assert s.halls[1].catchment == ["Farton", "Seatville"]
    assert s.services[0].service_min.mean == 9
    assert parse_set("calendar.opening_hours=[[08:00, '12:00']]")[1] == [["08:00", "12:00"]]
    assert apply_set({"a": [{"b": 1}]}, "a[0].b", 2) == {"a": [{"b": 2}]}


def test_clock_times_stay_text_without_quotes(tmp_path: Path, county_data: dict) -> None:
    text = (
        yaml.safe_dump(county_data)
        + "calendar:\n  opening_hours: [[08:00, 12:00], [14:00, 18:00]]\n"
    )
    s = load_scenario(_write(tmp_path / "c.yaml", text))
    assert s.calendar.intervals_min == [(480, 720), (840, 1080)]


def test_towns_from_csv(tmp_path: Path, county_data: dict) -> None:
    (tmp_path / "towns.csv").write_text(
        "name,population,enterprises,x_km,y_km,stations\nSeatville,60000,900,1,0,false\n"
        "Farton,30000,300,25,0,true\n"
    )
    del county_data["geography"]["towns"]
    county_data["geography"]["towns_csv"] = "towns.csv"
    s = load_scenario(write_yaml(tmp_path / "c.yaml", county_data))
    assert [(t.name, t.population, t.stations) for t in s.geography.towns] == [
        ("Seatville", 60000, False),
        ("Farton", 30000, True),
    ]


def test_with_changes_revalidates(county_file: Path) -> None:
    s = load_scenario(county_file)
    t = s.with_changes({"horizon": {"days": 2}, "halls[0].windows[0].count": 1})
    assert (t.horizon.days, t.halls[0].windows[0].count, s.horizon.days) == (2, 1, 10)
    with pytest.raises(ScenarioError, match=r"halls\[0\]\.windows\[0\]\.count"):
        s.with_changes({"halls[0].windows[0].count": -1})


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _mutate(**edits):
    def build(tmp_path: Path) -> tuple[Path, list[str]]:
        data = copy.deepcopy(small_county())
        for path, value in edits.items():
            data = apply_set(data, path.replace("__", "."), value)
        return write_yaml(tmp_path / "bad.yaml", data), []

    return build


def _raw(text: str, args: tuple[str, ...] = ()):
    def build(tmp_path: Path) -> tuple[Path, list[str]]:
        return _write(tmp_path / "bad.yaml", text), list(args)

    return build


def _with_set(*sets: str):
    def build(tmp_path: Path) -> tuple[Path, list[str]]:
        path = write_yaml(tmp_path / "bad.yaml", small_county())
        return path, [a for s in sets for a in ("--set", s)]

    return build


def _cycle(tmp_path: Path) -> tuple[Path, list[str]]:
    write_yaml(tmp_path / "a.yaml", {"extends": "bad.yaml"})
    return write_yaml(tmp_path / "bad.yaml", {**small_county(), "extends": "a.yaml"}), []


BAD = {
    # kind: (builder, words the message must contain)
    "unknown key": (_mutate(**{"halls[0].windws": []}), ["halls[0].windws", "windows"]),
    "negative count": (
        _mutate(**{"halls[0].windows[0].count": -3}),
        ["halls[0].windows[0].count", "must be ≥ 0, got -3"],
    ),
    "sd not positive": (
        _mutate(**{"services[0].service_min": {"dist": "gamma", "mean": 5, "sd": 0}}),
        ["services[0].service_min.sd"],
    ),
    "unknown town in catchment": (
        _mutate(**{"halls[1].catchment": ["Fartn"]}),
        ["halls[1].catchment[0]", "Fartn", "did you mean 'Farton'"],
    ),
    "item no hall serves": (
        _mutate(**{"halls[0].serves": {"kind": ["convenience"]}}),
        ["services[0]", "no hall serves item 'licence'"],
    ),
    "bad clock time": (
        _mutate(**{"calendar": {"opening_hours": [["08:30", "25:00"]]}}),
        ["calendar.opening_hours", "25:00"],
    ),
    "missing extends": (
        _raw("extends: nowhere.yaml\nname: x\n"),
        ["extends", "nowhere.yaml", "not found"],
    ),
    "malformed yaml": (_raw("name: x\nhalls: [\n  - {a: 1\n"), ["bad.yaml:", "malformed YAML"]),
    "bad set path": (_with_set("halls[0]..count=3"), ["--set", "halls[0]..count"]),
    "set index out of range": (_with_set("halls[7].windows[0].count=3"), ["--set", "out of range"]),
    "set unknown key": (_with_set("horizon.dayz=3"), ["horizon.dayz", "did you mean 'days'"]),
    "extends cycle": (_cycle, ["cycle"]),
    "shares not adding to 1": (
        _mutate(**{"travel.modes[1].share": 0.9}),
        ["travel", "add up to 1"],
    ),
    "unknown distribution": (
        _mutate(**{"services[1].service_min": {"dist": "pareto", "mean": 3}}),
        ["services[1].service_min", "lognormal"],
    ),
    "duplicate town": (
        _mutate(**{"geography.towns[1].name": "Seatville"}),
        ["geography.towns", "repeated: Seatville"],
    ),
    "share above 1": (
        _mutate(**{"services[0].online_share": 1.5}),
        ["services[0].online_share", "must be ≤ 1, got 1.5"],
    ),
    "wrong type": (
        _mutate(**{"geography.towns[0].population": "many"}),
        ["geography.towns[0].population", "integer"],
    ),
    "missing field": (_raw("name: x\n"), ["travel", "required"]),
    "no window with the skill": (
        _mutate(**{"halls[0].windows": [{"count": 3, "skills": ["market"]}]}),
        ["halls[0].windows", "skill 'hrss'"],
    ),
    "unknown skill": (
        _mutate(**{"halls[1].windows[0].skills": ["hrs"]}),
        ["halls[1].windows[0].skills[0]", "did you mean 'hrss'"],
    ),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_input_exits_2_naming_file_and_field(tmp_path: Path, kind: str) -> None:
    build, words = BAD[kind]
    path, extra = build(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "-r", "1", "--out", str(out), *extra])
    text = _output(result)
    assert result.exit_code == 2, text
    assert "Traceback" not in text
    assert "bad.yaml" in text or "--set" in text, text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == []


def test_line_numbers_point_at_the_field(tmp_path: Path) -> None:
    data = small_county()
    text = yaml.safe_dump(data, sort_keys=False).replace("count: 3", "count: -3")
    path = _write(tmp_path / "bad.yaml", text)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "count: -3" in s)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.lines[0].startswith(f"{path}:{line}: halls[0].windows[0].count")


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "not found" in _output(result)


@pytest.mark.parametrize("path", sorted(SCENARIOS.rglob("*.yaml")), ids=lambda p: p.name)
def test_libyaml_and_the_python_loader_read_scenarios_alike(path: Path) -> None:
    """Where libyaml is present, scenarios are parsed in C for speed; the data and the
    line marks the error messages use are those of the Python loader."""
    from sim.scenario import files

    assert len(files._LOADERS) == 2, "PyYAML without libyaml: check is slower"
    text = path.read_text(encoding="utf-8")
    fast, slow = files._LOADERS[0](text), files.YamlLoader(text)
    a, b = fast.get_single_node(), slow.get_single_node()
    assert fast.construct_document(a) == slow.construct_document(b)
    assert [n.start_mark.line for _, n in a.value] == [n.start_mark.line for _, n in b.value]
