"""Bad input of every kind is a clear exit 2, and nothing the user owns is touched
(issue 11, one test per item; the fuzz test is in test_fuzz.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.scenario.files import MAX_FILE_BYTES
from sim.store import countysim_version
from tests.conftest import SCENARIOS, small_county, write_yaml

runner = CliRunner()
BASELINE = str(SCENARIOS / "example-baseline.yaml")
SAME_POWER = str(SCENARIOS / "example-same-power.yaml")
QUICK = ["-r", "1", "--days", "1", "--executor", "serial", "--no-figures", "--quiet"]


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def _refused(*args: str) -> str:
    """Run the command; it must exit 2 with a message and no traceback."""
    code, text = _invoke(*args)
    assert code == 2, text
    assert text.startswith("error: "), text
    return text.replace("\n", " ")


# --- 1. user text is printed literally --------------------------------------------------------


def test_user_text_prints_literally(tmp_path: Path) -> None:
    text = _refused("check", BASELINE, "--set", 'halls[1].catchment=["[/x]", "[bold]Zhu[/bold]he"]')
    assert "unknown town '[/x]'" in text and "'[bold]Zhu[/bold]he'" in text

    data = small_county()
    data["name"] = "[/x] evil :100: [bold]Zhu[/bold]he"
    evil = str(write_yaml(tmp_path / "evil.yaml", data))
    code, text = _invoke("run", evil, *QUICK, "--out", str(tmp_path / "out"))
    assert code == 0 and "[/x] evil :100: [bold]Zhu[/bold]he" in text

    lines = yaml.safe_dump(small_county(), sort_keys=False).splitlines()
    padding = [f"# comment {i}" for i in range(99 - len(lines))]
    bad = write_yaml(tmp_path / "bad.yaml", {})
    bad.write_text("\n".join([*lines, *padding, "extra_key: 1"]) + "\n")
    assert f"{bad}:100: extra_key" in _refused("check", str(bad))


# --- 2. check ok => run ok: the schema refuses what a run cannot do ----------------------------

NOT_RUNNABLE = {
    # --set on the example same-power scenario: words the message must hold
    "demand.hour_profile={'08:00': 0}": ["demand.hour_profile", "weight 0"],
    "demand.weekday_profile={mon: 0, tue: 0, wed: 0, thu: 0, fri: 0}": ["weekday_profile"],
    "demand.days_per_year=1e-300": ["demand.days_per_year", "must be ≥ 1"],
    "demand.days_per_year=.inf": ["demand.days_per_year", "finite"],
    "demand.return_days={dist: empirical, values: [1, 2], weights: [.nan, 1]}": [
        "demand.return_days.weights[0]",
        "finite",
    ],
    "demand.return_days={dist: empirical, values: [.nan]}": ["return_days.values[0]", "finite"],
    "demand.return_days={dist: empirical, values: [1.0e+12]}": ["values[0]", "1e+12"],
    "geography.towns[0].x_km=.inf": ["geography.towns[0].x_km (town 'Chengguan')", "finite"],
    "geography.towns[0].x_km=.nan": ["geography.towns[0].x_km", "finite number, got nan"],
    "geography.towns[3].y_km=-.inf": ["geography.towns[3].y_km", "finite"],
    "enforcement.teams[0].joint_window_days=.inf": ["joint_window_days", "finite"],
    "enforcement.departments[0].inspections_per_enterprise_per_year=1000000": [
        "enforcement.departments[0] (department 'safety')",
        "routine checks",
        "more than a run may hold",
    ],
    "halls[0].windows[0].count=true": ["halls[0].windows[0].count", "expected a number"],
}


@pytest.mark.parametrize("change", list(NOT_RUNNABLE))
def test_check_refuses_what_run_cannot_do(change: str) -> None:
    for command in (["check", SAME_POWER], ["run", SAME_POWER, *QUICK]):
        text = _refused(*command, "--set", change)
        for word in NOT_RUNNABLE[change]:
            assert word in text, f"{word!r} not in {text!r}"


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_a_town_off_the_map_is_refused_at_its_line(tmp_path: Path, value: str) -> None:
    text = _county_text().replace("x_km: 25", f"x_km: {value}")
    path = tmp_path / "county.yaml"
    path.write_text(text)
    line = text.splitlines().index(f"    x_km: {value}") + 1
    for command in (["check", str(path)], ["run", str(path), *QUICK]):
        message = _refused(*command)
        assert (
            f"{path}:{line}: geography.towns[1].x_km (town 'Farton'): must be a finite" in message
        )


def test_a_scenario_that_asks_for_nothing_is_refused(tmp_path: Path) -> None:
    data = small_county()
    for town in data["geography"]["towns"]:
        town["population"] = town["enterprises"] = 0
    text = _refused("check", str(write_yaml(tmp_path / "empty.yaml", data)))
    assert "geography.towns: nothing arises" in text


# --- 3. files that are not what they seem -----------------------------------------------------


def _county_text() -> str:
    return yaml.safe_dump(small_county(), sort_keys=False)


def test_control_characters_and_alias_tricks_exit_2(tmp_path: Path) -> None:
    control = tmp_path / "control.yaml"
    control.write_text(_county_text().replace("name: small county", "name: small\x01county"))
    assert f"{control}:1: a control character (#x0001)" in _refused("check", str(control))

    recursive = tmp_path / "recursive.yaml"
    recursive.write_text(_county_text() + "x: &x [*x]\n")
    assert "recursive" in _refused("check", str(recursive))

    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":  # 9 levels: 9^9 values once expanded
        previous = chr(ord(level) - 1)
        bomb.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    (tmp_path / "bomb.yaml").write_text(_county_text() + "\n".join(bomb) + "\n")
    started = time.perf_counter()
    assert "more than 200,000 values" in _refused("check", str(tmp_path / "bomb.yaml"))
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize(
    "target, words",
    [
        ("/proc/self/environ", ["expected a .yaml or .yml file"]),
        ("/dev/zero", ["expected a .yaml or .yml file"]),
        ("secret", ["expected a .yaml or .yml file"]),
        ("secret.yaml", ["secret.yaml: not a scenario"]),
        ("pipe.yaml", ["pipe.yaml: is not a regular file"]),
        ("big.yaml", ["big.yaml: is larger than 5 MB"]),
        ("latin1.yaml", ["latin1.yaml:2: not UTF-8 text"]),
        (".", ["is a folder"]),
    ],
)
def test_extends_reads_only_scenario_files(tmp_path: Path, target: str, words: list[str]) -> None:
    for name in ("secret", "secret.yaml"):  # like /etc/shadow: never echoed
        (tmp_path / name).write_text("root:$6$SECRET-HASH:19000:0:99999:7:::\n")
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "big.yaml").write_text("#" * (MAX_FILE_BYTES + 1))
    (tmp_path / "latin1.yaml").write_bytes("name: x\ndescription: Zhuhé\n".encode("latin-1"))
    variant = tmp_path / "variant.yaml"
    variant.write_text(f"name: variant\nextends: {target}\n")
    started = time.perf_counter()
    text = _refused("check", str(variant))
    assert time.perf_counter() - started < 10
    assert text.startswith(f"error: {variant}:2: extends: "), text  # the line pointing there
    assert "SECRET" not in text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"


def test_towns_csv_encoding_and_folders(tmp_path: Path) -> None:
    data = small_county()
    rows = [
        "name,population,enterprises,x_km,y_km",
        "Seatville,60000,900,1,0",
        "法顿,30000,300,25,0",
    ]
    (tmp_path / "towns-gbk.csv").write_bytes("\n".join(rows).encode("gbk"))
    (tmp_path / "towns-latin1.csv").write_bytes(
        "\n".join(rows[:2] + ["Fartoné,1,1,1,1"]).encode("latin-1")
    )
    del data["geography"]["towns"]
    data["halls"][1].update(at="法顿", catchment=["法顿"])

    def check(**geography: str) -> tuple[int, str]:
        data["geography"] = geography
        return _invoke("check", str(write_yaml(tmp_path / "c.yaml", data)))

    code, text = check(towns_csv="towns-gbk.csv")
    assert code == 2 and "towns-gbk.csv:3: not UTF-8 text" in text and "towns_csv_encoding" in text
    code, text = check(towns_csv="towns-latin1.csv")
    assert code == 2 and "towns-latin1.csv:3: not UTF-8 text" in text
    code, text = check(towns_csv="towns-gbk.csv", towns_csv_encoding="gbk")
    assert code == 0 and "name: 法顿" in text
    code, text = check(towns_csv=".")
    assert code == 2 and "geography.towns_csv: " in text and "is a folder, not a file" in text
    code, text = check(towns_csv="towns-gbk.csv", towns_csv_encoding="klingon")
    assert code == 2 and "unknown encoding 'klingon'" in text


# --- 4. never destroy what countysim did not write --------------------------------------------


def test_out_replaces_only_what_countysim_wrote(
    tmp_path: Path, county_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("four years of work")
    (tmp_path / "notes.txt").write_text("notes")
    for command in (
        ["run", str(county_file)],
        ["compare", str(county_file), str(county_file)],
        ["sweep", str(county_file), "--grid", "halls[0].windows[0].count=2"],
    ):
        for out, words in (
            ("precious", "countysim did not write"),
            ("notes.txt", "not a folder"),
            (".", "current folder"),
            ("x" * 300, "too long"),
        ):
            started = time.perf_counter()
            assert words in _refused(*command, *QUICK, "--out", out)
            assert time.perf_counter() - started < 5  # refused before simulating
    assert (precious / "thesis.txt").read_text() == "four years of work"
    assert (tmp_path / "notes.txt").read_text() == "notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [county_file.name, "precious", "notes.txt"]
    )

    assert _invoke("run", str(county_file), *QUICK, "--out", "mine")[0] == 0
    assert _invoke("run", str(county_file), *QUICK, "--out", "mine")[0] == 0  # its own: replaced
    assert _invoke("run", str(county_file), *QUICK, "--out", "precious", "--force")[0] == 0
    assert (precious / "summary.csv").exists() and not (precious / "thesis.txt").exists()


def test_a_long_scenario_name_gives_a_short_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = small_county()
    data["name"] = "县" * 300
    code, text = _invoke("run", str(write_yaml(tmp_path / "long.yaml", data)), *QUICK)
    assert code == 0, text
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith("县" * 60 + "-") and len(folder.name.encode()) < 255


# --- 5. atomic to the end ---------------------------------------------------------------------


def test_a_run_killed_while_drawing_leaves_nothing(
    tmp_path: Path, county_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.report

    def killed(report: object, folder: Path, *args: object) -> None:
        (Path(folder) / "figures").mkdir()
        (Path(folder) / "figures" / "map.png").write_bytes(b"half a figure")
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.report.Report, "write", killed)
    quick = [a for a in QUICK if a != "--no-figures"]
    for command in (["run", str(county_file)], ["compare", str(county_file), str(county_file)]):
        result = runner.invoke(app, [*command, *quick, "--out", str(tmp_path / "out")])
        assert result.exit_code == 130  # as on Ctrl-C
        assert sorted(p.name for p in tmp_path.iterdir()) == [county_file.name]
    sweep = ["sweep", str(county_file), "--grid", "halls[0].windows[0].count=2", *quick]
    assert runner.invoke(app, [*sweep, "--out", str(tmp_path / "s")]).exit_code == 130
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["points", "sweep.csv"]


def test_stale_temporary_folders_go_and_permissions_follow_the_umask(
    tmp_path: Path, county_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    results = tmp_path / "results"
    stale = results / f".x.{dead.pid}.abc123.tmp"
    alive = results / f".y.{os.getppid()}.abc123.tmp"  # a run still going: kept
    for folder in (stale, alive):
        (folder / "figures").mkdir(parents=True)
    old = os.umask(0o027)
    try:
        for command in (
            ["run", str(county_file)],
            ["compare", str(county_file), str(county_file)],
            ["sweep", str(county_file), "--grid", "halls[0].windows[0].count=2,3"],
        ):
            assert _invoke(*command, *QUICK)[0] == 0
    finally:
        os.umask(old)
    assert not stale.exists() and alive.exists()
    made = [p for p in results.iterdir() if not p.name.startswith(".")]
    assert len(made) == 3
    assert {oct(p.stat().st_mode & 0o777) for p in made} == {"0o750"}


# --- 6. options are input too -----------------------------------------------------------------


def test_options_are_checked_like_the_scenario(county_file: Path) -> None:
    text = _refused("sweep", str(county_file), "--grid", "halls[50].windows[0].count=1,2", *QUICK)
    assert "--grid point halls[50].windows[0].count=1" in text and "out of range" in text
    assert "--seed: seed: must be ≥ 0, got -1" in _refused("run", str(county_file), "--seed", "-1")
    assert "--days: horizon.days: must be ≥ 1, got 0" in _refused(
        "run", str(county_file), "--days", "0"
    )
    assert "--precision" in _refused("run", str(county_file), "--precision", "wait_min_mean=nan")
    long = "x" * 300
    for args in (["--set", f"seed={long}"], ["--set", f"halls[0].{long}=1"]):
        assert long[:100] not in _refused("check", str(county_file), *args)
    started = time.perf_counter()
    text = _refused(
        "run",
        str(county_file),
        *QUICK[:4],
        "--executor",
        "dask",
        "--scheduler",
        "tcp://127.0.0.1:9",
    )
    assert "--scheduler 'tcp://127.0.0.1:9'" in text
    assert time.perf_counter() - started < 10


# --- 7. errors in a variant point at the variant ----------------------------------------------


def test_errors_in_a_variant_point_at_the_variant(tmp_path: Path) -> None:
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        f"extends: {SAME_POWER}\nname: variant\nhalls:\n  - name: Daxing branch\n"
        "    windws: [{count: 2}]\n"
    )
    text = _refused("check", str(variant))
    assert f"{variant}:5: halls[20].windws (hall 'Daxing branch'): unknown key 'windws'" in text
    text = _refused("check", BASELINE, "--set", "nonexistent.deep.key=1")
    assert text.startswith("error: --set: nonexistent: unknown key"), text


# --- 8. classic slips get a hint --------------------------------------------------------------


def test_classic_slips_get_a_hint(tmp_path: Path) -> None:
    for change, words in {
        "services[0].online_share=35": "must be ≤ 1, got 35 (did you mean 0.35?)",
        "enforcement.risk_classes[0].share=0.5": "enforcement.risk_classes: the shares must add "
        "up to 1, got 1.4",
        "halls[0].window[0].count=1": "there is no list 'window' here (did you mean 'windows'?)",
        "services[0].service_min={dist: weibul, mean: 3}": "unknown distribution 'weibul'",
        "halls[County hal].windows[0].count=10": "no entry named 'County hal' (did you mean "
        "'County hall'?)",
    }.items():
        assert words in _refused("check", BASELINE, "--set", change)
    code, text = _invoke("check", BASELINE, "--set", "halls[County hall].windows[0].count=10")
    assert code == 0 and "- count: 10" in text
    by_name = sim.load_scenario(BASELINE, ["halls[Xiguan centre].windows[0].count=7"])
    assert by_name.halls[2].name == "Xiguan centre" and by_name.halls[2].windows[0].count == 7

    for slip in ("  - name: car\n   speed_kmh: 45", "  - name: car\n speed_kmh: 45"):
        indented = tmp_path / "indented.yaml"
        indented.write_text(_county_text().replace("  - name: car\n    speed_kmh: 45", slip))
        assert f"{indented}:11: " in (text := _refused("check", str(indented)))
        assert "indentation" in text
    code, text = _invoke("--version")
    assert code == 0 and text.strip() == f"countysim {countysim_version()}"
