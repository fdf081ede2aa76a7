"""The validation suite's checks can fail, the command reports and exits accordingly, and it
runs from an installed package: its scenarios ship with it, and without Ciw it says what to
install instead of crashing."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from dataclasses import asdict
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim import validation
from sim.cli import app
from sim.validation import COLUMNS, hall_scenario, peer_row, theory_row, ticket_waits
from sim.validation.cases import EXAMPLES
from sim.validation.peer import ciw_waits, peer_rows
from sim.validation.published import REFORMS
from tests.conftest import ROOT, SCENARIOS

runner = CliRunner()


def test_a_theory_check_fails_when_the_reference_is_outside_the_interval() -> None:
    values = np.array([9.8, 10.1, 10.0, 9.9, 10.2])
    assert theory_row("c", "q", 10.0, "k", values).passed
    assert not theory_row("c", "q", 12.0, "k", values).passed


def test_a_peer_check_fails_when_the_simulators_disagree() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(10, 0.5, 10)
    assert peer_row("c", "q", a, rng.normal(10, 0.5, 10)).passed
    assert not peer_row("c", "q", a, rng.normal(12, 0.5, 10)).passed


def test_skill_pools_agree_with_ciw() -> None:
    """The Ciw node that mirrors the halls' rule gives the same waits per class."""
    pytest.importorskip("ciw")
    c_a, c_s, rates, days, warm = 2, 3, (0.3, 0.15), 30, 2
    scenario = hall_scenario(
        [{"count": c_a, "skills": ["A"]}, {"count": c_s, "skills": "all"}],
        [
            ("A", rates[0], {"dist": "exponential", "mean": 10}),
            ("B", rates[1], {"dist": "exponential", "mean": 10}),
        ],
        days,
    )
    ours = [ticket_waits(scenario, k, warm) for k in range(6)]
    theirs = [ciw_waits(c_a, c_s, rates, days, warm, k) for k in range(6)]
    for cls in (0, 1):
        row = peer_row(
            "c",
            "q",
            np.array([w[i == cls].mean() for w, i in ours]),
            np.array([w[i == cls].mean() for w, i in theirs]),
        )
        assert row.passed, row.note


def test_validate_command_writes_tables_and_exits_1_on_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        theory_row("M/M/1", "mean wait (min)", 10.0, "Erlang C", np.array([9.9, 10.1, 10.0])),
        theory_row("M/M/2", "mean wait (min)", 5.0, "Erlang C", np.array([7.0, 7.1, 6.9])),
    ]
    table = pd.DataFrame([asdict(r) for r in rows], columns=COLUMNS)
    monkeypatch.setattr(validation, "validate", lambda quick, progress: table)
    result = runner.invoke(app, ["validate", "--quick", "--out", str(tmp_path / "v")])
    assert result.exit_code == 1
    assert "1 of 2 checks passed" in result.output and "M/M/2" in result.output
    md = (tmp_path / "v" / "validation.md").read_text()
    assert "**FAIL**" in md and "| M/M/1 | mean wait (min) | 10 | Erlang C |" in md
    saved = pd.read_csv(tmp_path / "v" / "validation.csv")
    assert list(saved.columns) == COLUMNS and saved.passed.tolist() == [True, False]


# --- installed package: scenarios as package data, Ciw optional ------------------------------


def test_shipped_scenarios_are_the_repository_examples() -> None:
    """The validation runs its own copies (package data): the two examples and each reform's
    folder its published rows run; every copy must equal the repository's file."""
    shipped = sorted(p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*") if p.is_file())
    needed = ["example-baseline.yaml", "example-same-power.yaml"]
    needed += [f"{reform}/{name}.yaml" for reform in REFORMS for name in ("before", "after")]
    assert set(needed) <= set(shipped), f"not shipped: {sorted(set(needed) - set(shipped))}"
    for name in shipped:
        assert (EXAMPLES / name).read_bytes() == (SCENARIOS / name).read_bytes(), (
            f"sim/validation/scenarios/{name} differs from scenarios/{name}: copy it over"
        )


def test_package_data_ships_every_validation_scenario() -> None:
    """pyproject's package-data patterns match every file in sim/validation/scenarios/ and
    its subfolders (one per reform)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["sim.validation"]
    package = ROOT / "sim" / "validation"
    assert EXAMPLES.parent == package
    files = [p for p in EXAMPLES.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert any(p.parent != EXAMPLES for p in files), "no reform folder shipped"
    for path in files:
        name = path.relative_to(package).as_posix()
        # fnmatch's * also crosses "/": require as many path parts as the pattern has
        assert any(fnmatch(name, p) and name.count("/") == p.count("/") for p in patterns), name


@pytest.fixture
def no_ciw(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ciw cannot be imported (``import ciw`` raises ImportError), as after a plain install;
    the theory cases are stubbed out so that only the command's handling runs."""
    monkeypatch.setitem(sys.modules, "ciw", None)
    for name in ("mmc_rows", "mg1_rows", "pools_rows", "published_rows"):
        monkeypatch.setattr(validation, name, lambda *args: [])
    row = theory_row("M/M/1", "mean wait (min)", 10.0, "Erlang C", np.array([9.9, 10.1, 10.0]))
    monkeypatch.setattr(validation, "little_row", lambda: row)
    monkeypatch.setattr(validation, "opening_hours_row", lambda reps: row)


def test_without_ciw_the_peer_checks_name_what_to_install() -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sys.modules, "ciw", None)
        (quick,) = peer_rows([(1, 0.8)], 2, 100)
        (full,) = peer_rows([(1, 0.8)], 2, 100, required=True)
    assert quick.passed is None and full.passed is False
    for row in (quick, full):
        assert "pip install ciw" in row.quantity and "countysim[dev]" in row.quantity


def test_quick_validation_without_ciw_skips_the_peer_checks(tmp_path: Path, no_ciw) -> None:
    result = runner.invoke(app, ["validate", "--quick", "--out", str(tmp_path / "v")])
    assert result.exit_code == 0, result.output
    assert "peer checks skipped" in result.output and "2 of 2 checks passed" in result.output
    assert "pip install ciw (or pip install 'countysim[dev]')" in result.output
    saved = pd.read_csv(tmp_path / "v" / "validation.csv")
    peer = saved[saved.group == "peer"]
    assert len(peer) == 1 and peer.passed.isna().all()


def test_full_validation_without_ciw_fails_and_says_so_first(tmp_path: Path, no_ciw) -> None:
    """A full validation claims agreement with the peer: without Ciw it cannot pass."""
    result = runner.invoke(app, ["validate", "--out", str(tmp_path / "v")])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())  # the console wraps long lines
    warning = text.index("the peer checks will not run and the validation will fail")
    assert text.startswith("validating: Ciw is not installed: pip install ciw")
    assert warning < text.index("validating: M/M/c against Erlang C")
    assert "validation failed: peer checks not run: Ciw is not installed: pip install ciw" in text
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_quick_validation_runs_from_an_installed_wheel_without_ciw(tmp_path: Path) -> None:
    """Build the wheel, install it on its own (no repository, no Ciw) and run
    ``countysim validate --quick`` in a folder with no ``scenarios/``."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "sim", src / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    flags = ["--no-deps", "--no-build-isolation"]
    subprocess.run([*pip, "wheel", *flags, "-w", tmp_path / "wheel", src], check=True)
    (wheel,) = (tmp_path / "wheel").glob("countysim-*.whl")
    subprocess.run([*pip, "install", *flags, "--target", tmp_path / "site", wheel], check=True)
    here = tmp_path / "elsewhere"
    here.mkdir()
    code = (
        "import sys\n"
        "sys.modules['ciw'] = None  # as if not installed\n"
        "import sim\n"
        "print('package:', sim.__file__, file=sys.stderr)\n"
        "from sim.cli import main\n"
        "sys.argv = ['countysim', 'validate', '--quick']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=here,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path / "site"), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"package: {tmp_path / 'site' / 'sim'}" in done.stderr
    assert "pip install ciw" in done.stderr and "checks passed" in done.stdout
    assert (here / "results" / "validation" / "validation.csv").is_file()
    assert not (here / "scenarios").exists()
