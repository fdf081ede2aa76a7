"""Golden backtest (as pydesrap_mms ``tests/test_backtest.py``): a small fixed scenario run
through the command line must give exactly the ``replications.csv`` stored in
``tests/data/backtest/``.

The other tests check properties; this one notices any change in the numbers, however
small, anywhere from the YAML loader to the written table. When a change is meant to move
the numbers (a model change, a new random draw, a new metric), regenerate the table on
purpose and commit it with that change::

    COUNTYSIM_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_backtest.py

which rewrites ``tests/data/backtest/replications.csv`` (the test then skips, saying so);
``git diff tests/data/`` shows what moved. The scenario has no enforcement block, so changes
to enforcement do not touch it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app

GOLDEN = Path(__file__).parent / "data" / "backtest"
REGENERATE = os.environ.get("COUNTYSIM_REGENERATE_GOLDEN") == "1"
REPLICATIONS = 3


def _read(path: Path) -> pd.DataFrame:
    # the floats exactly as written: pandas ≥ 3 by default, 2.x when asked
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    return pd.read_csv(path, **exact)


def test_replications_match_the_golden_table(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", str(GOLDEN / "scenario.yaml"), "-r", str(REPLICATIONS), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--executor", "serial", "--no-figures", "--quiet"])
    assert result.exit_code == 0, result.output
    if REGENERATE:
        shutil.copyfile(out / "replications.csv", GOLDEN / "replications.csv")
        pytest.skip("regenerated tests/data/backtest/replications.csv: review git diff, commit")
    expected, actual = _read(GOLDEN / "replications.csv"), _read(out / "replications.csv")
    try:
        pd.testing.assert_frame_equal(actual, expected, check_exact=True)
    except AssertionError as exc:
        pytest.fail(
            "replications.csv differs from the golden tests/data/backtest/replications.csv. "
            "If a change is meant to move the numbers, regenerate it: "
            "COUNTYSIM_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_backtest.py "
            f"and commit it with the change.\n{exc}"
        )


def test_the_golden_table_exercises_what_its_scenario_promises() -> None:
    """The stored numbers are not a trivial run: people wait and queue, some come back after
    missing documents, some use stations and online services, every hall and town has rows."""
    golden = _read(GOLDEN / "replications.csv")
    assert sorted(golden.replication.unique()) == list(range(REPLICATIONS))
    assert set(golden.scope) == {
        "all",
        "hall:County hall",
        "hall:Farton centre",
        "town:Seatville",
        "town:Farton",
        "town:Hillside",
    }
    county = golden[golden.scope == "all"]
    assert (county.matters > 200).all() and (county.wait_min_p90 > 0).all()
    assert (county.share_one_trip < 1).all() and (county.share_station > 0).all()
    assert (county.share_online > 0).all() and (county.in_system > 0).all()
    assert (golden.filter(like="enforcement").columns.size == 0) and "team_km" not in golden
