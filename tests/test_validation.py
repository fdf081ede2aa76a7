"""The validation suite's checks can fail, and the command reports and exits accordingly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim import validation
from sim.cli import app
from sim.validation import COLUMNS, hall_scenario, peer_row, theory_row, ticket_waits

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
    theirs = [validation._ciw_waits(c_a, c_s, rates, days, warm, k) for k in range(6)]
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
    from dataclasses import asdict

    table = pd.DataFrame([asdict(r) for r in rows], columns=COLUMNS)
    monkeypatch.setattr(validation, "validate", lambda quick, progress: table)
    result = runner.invoke(app, ["validate", "--quick", "--out", str(tmp_path / "v")])
    assert result.exit_code == 1
    assert "1 of 2 checks passed" in result.output and "M/M/2" in result.output
    md = (tmp_path / "v" / "validation.md").read_text()
    assert "**FAIL**" in md and "| M/M/1 | mean wait (min) | 10 | Erlang C |" in md
    saved = pd.read_csv(tmp_path / "v" / "validation.csv")
    assert list(saved.columns) == COLUMNS and saved.passed.tolist() == [True, False]
