"""Ticket logs (tickets.csv) and the event logs of --log: the run's numbers reproduced,
the format of README "Ticket logs", and the files pm4py and vidigi read."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.eventlog import (
    OUTCOMES,
    TICKET_COLUMNS,
    assign_windows,
    left_at,
    origin_date,
    ticket_log,
)
from sim.experiment import Results, run
from sim.model import simulate
from sim.scenario import validate_data
from tests.conftest import mmc_data, small_county, write_yaml

runner = CliRunner()
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def _county() -> dict:
    data = small_county()
    data["horizon"] = {"days": 8}
    data["demand"] = {"return_days": 1}  # back the next working day: every return is seen
    data["halls"][0]["windows"] = [  # queues, and some citizens sent home
        {"count": 1, "skills": ["market"]},
        {"count": 1, "skills": "all", "speed": 0.9},
    ]
    return data


@pytest.fixture(scope="module")
def results() -> Results:
    return run(validate_data(_county()), 1, executor="serial", tickets=True)


def _minutes(delta: pd.Series) -> np.ndarray:
    return delta.dt.total_seconds().to_numpy() / 60


def test_ticket_log_has_one_row_per_ticket_of_the_run(results: Results) -> None:
    tickets = results.tickets
    assert list(tickets.columns) == ["replication", *TICKET_COLUMNS]
    for scope in ("all", *(f"hall:{h.name}" for h in results.scenario.halls)):
        visits = results.metric("visits", scope)["mean"]
        mine = tickets if scope == "all" else tickets[tickets["hall"] == scope[5:]]
        assert len(mine) == visits
    assert set(tickets["outcome"].astype(str)) <= set(OUTCOMES.values())
    assert (tickets["outcome"] == "sent_home").any() and (
        tickets["outcome"] == "documents_missing"
    ).any()
    assert tickets["ticket"].tolist() == list(range(1, len(tickets) + 1))
    assert tickets["arrive"].is_monotonic_increasing  # tickets are numbered as they arrive
    called = tickets["call"].notna()
    assert tickets["window"].notna().equals(called)
    home = tickets[tickets["outcome"] == "sent_home"]
    assert home["call"].isna().all() and home["end"].isna().all()  # never served
    assert tickets.loc[tickets["outcome"] == "pending", "end"].isna().all()


def test_waits_in_the_ticket_log_are_the_runs_waits(results: Results) -> None:
    tickets = results.tickets
    called = tickets["call"].notna()
    home = tickets["outcome"] == "sent_home"
    wait = np.where(called, _minutes(tickets["call"] - tickets["arrive"]), np.nan)
    left = left_at(results.scenario, tickets)  # sent home at the closing
    wait[home] = _minutes(left - tickets["arrive"])[home]
    for hall in results.scenario.halls:
        mine = ((tickets["hall"] == hall.name) & (called | home)).to_numpy()
        expected = results.metric("wait_min_mean", f"hall:{hall.name}")["mean"]
        assert wait[mine].mean() == pytest.approx(expected, abs=1 / 60)  # whole seconds


def test_no_window_serves_two_tickets_at_once(results: Results) -> None:
    tickets = results.tickets[results.tickets["call"].notna()]
    for (_, _), served in tickets.groupby(["hall", "window"], observed=True):
        served = served.sort_values("call")
        ends = served["end"].fillna(pd.Timestamp.max).to_numpy()
        assert (served["call"].to_numpy()[1:] >= ends[:-1]).all()
    counts = {
        (h.name, g + 1): w.count for h in results.scenario.halls for g, w in enumerate(h.windows)
    }
    g_k = tickets["window"].str.split("-", expand=True).astype(int)
    for hall, g, k in zip(tickets["hall"], g_k[0], g_k[1], strict=True):
        assert 1 <= k <= counts[hall, g]


def test_a_citizen_sent_away_comes_back_later(results: Results) -> None:
    """Missing documents (return_days: 1) and sent home: back the next working day, unless
    that is past the horizon."""
    tickets = results.tickets
    last_day = tickets["arrive"].dt.normalize().max()
    away = tickets[
        tickets["outcome"].isin(["documents_missing", "sent_home"])
        & (tickets["arrive"].dt.normalize() < last_day)
    ]
    assert len(away) > 0
    later = tickets.merge(away[["citizen", "arrive"]], on="citizen", suffixes=("", "_away"))
    back = later[later["arrive"].dt.normalize() > later["arrive_away"].dt.normalize()]
    assert set(away["citizen"]) == set(back["citizen"])


def test_ticket_log_of_a_dated_run_uses_its_dates() -> None:
    data = _county()
    data["horizon"] = {"start": "2025-09-29", "end": "2025-10-10"}  # National Day week off
    scenario = validate_data(data)
    tickets = ticket_log(scenario, simulate(scenario))
    dates = set(tickets["arrive"].dt.strftime("%Y-%m-%d"))
    assert "2025-09-29" in dates and "2025-10-09" in dates
    assert not dates & {f"2025-10-0{d}" for d in range(1, 9)}


def test_undated_runs_start_on_a_nominal_date_of_the_right_weekday() -> None:
    data = _county()
    data["horizon"] = {"days": 3, "start_weekday": "wed"}
    scenario = validate_data(data)
    assert origin_date(scenario).weekday() == 2
    tickets = ticket_log(scenario, simulate(scenario))
    assert tickets["arrive"].iloc[0].weekday() == 2


def test_assign_windows_takes_the_lowest_free_window() -> None:
    start = np.array([0.0, 1.0, 2.0, 5.0, 5.0, 7.0])
    end = np.array([5.0, 3.0, 10.0, 7.0, 8.0, 9.0])
    pool = np.zeros(6, dtype=np.int64)
    # at 5 windows 0 (free at that instant) and 1 (since 3) are free: the lower one first;
    # at 7 window 0 is free again
    assert assign_windows(pool, start, end, np.array([3])).tolist() == [0, 1, 2, 0, 1, 0]
    with pytest.raises(AssertionError, match="more than 2 tickets in service"):
        assign_windows(pool[:3], start[:3], end[:3], np.array([2]))


def test_ticket_log_of_an_mmc_hall_keeps_within_its_windows() -> None:
    scenario = validate_data(mmc_data(3, 0.9, days=5))
    records = simulate(scenario)
    tickets = ticket_log(scenario, records)
    assert len(tickets) == records.tickets["matter"].size
    assert set(tickets["window"].dropna()) == {"1-1", "1-2", "1-3"}


def test_run_ticket_log_writes_tickets_csv(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "county.yaml", _county())
    for reps in ("1", "2"):
        out = tmp_path / f"out{reps}"
        args = ["run", str(path), "-r", reps, "--days", "3", "--out", str(out)]
        result = runner.invoke(
            app, [*args, "--ticket-log", "--no-figures", "-q", "--executor", "serial"]
        )
        assert result.exit_code == 0, result.output
        assert not (out / "matters.parquet").exists() and not (out / "events.xes").exists()
        text = (out / "tickets.csv").read_text(encoding="utf-8").splitlines()
        header = text[0].split(",")
        expected = list(TICKET_COLUMNS) if reps == "1" else ["replication", *TICKET_COLUMNS]
        assert header == expected
        table = pd.read_csv(out / "tickets.csv", dtype=str, keep_default_na=False)
        for column in ("arrive", "call", "end"):
            filled = table[column][table[column] != ""]
            assert filled.str.match(STAMP).all(), column
        assert (table["arrive"] != "").all()
        assert set(table["outcome"]) <= set(OUTCOMES.values())
        assert ((table["window"] == "") == (table["call"] == "")).all()
        assert table["window"][table["window"] != ""].str.match(r"^\d+-\d+$").all()
        assert table["ticket"].is_unique
        if reps == "2":
            assert set(table["replication"]) == {"0", "1"}


def test_run_event_logs_writes_files_that_pm4py_and_vidigi_read(tmp_path: Path) -> None:
    import pm4py  # the optional group "logs", installed by make test
    import vidigi.prep as prep

    path = write_yaml(tmp_path / "county.yaml", _county())
    out = tmp_path / "out"
    args = ["run", str(path), "-r", "2", "--days", "3", "--out", str(out), "--event-logs"]
    result = runner.invoke(app, [*args, "--no-figures", "-q", "--executor", "serial"])
    assert result.exit_code == 0, result.output
    tickets = pd.read_csv(out / "tickets.csv")
    first = tickets[tickets["replication"] == 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pm4py: "install r4pm to import faster"
        xes = pm4py.read_xes(str(out / "events.xes"), show_progress_bar=False)
        ocel = pm4py.read_ocel2_json(str(out / "ocel.json"))
    assert xes["case:concept:name"].nunique() == first["citizen"].nunique()
    counts = xes["concept:name"].value_counts()
    assert counts["arrive"] == len(first)
    assert counts["call"] == first["call"].notna().sum()
    left = first["end"].notna() | (first["outcome"] == "sent_home")  # sent home: at closing
    assert counts["end"] == left.sum()
    assert len(ocel.events) == len(xes)
    assert set(ocel.objects["ocel:type"]) == {"citizen", "hall", "window"}

    vidigi = pd.read_csv(out / "vidigi.csv")
    assert set(vidigi["run_number"]) == {0, 1}
    one = vidigi[vidigi["run_number"] == 0]
    assert (one.loc[one["event"] == "arrival", "entity_id"].value_counts() == 1).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frames = prep.reshape_for_animations(
            one, every_x_time_units=30, limit_duration=3 * 1440, step_snapshot_max=20
        )
        positions = pd.DataFrame(
            [{"event": "arrival", "x": 10, "y": 250}, {"event": "depart", "x": 500, "y": 20}]
            + [
                {
                    "event": f"{h} {what}",
                    "x": 300,
                    "y": 100 + 150 * i + (60 if what == "windows" else 0),
                }
                for i, h in enumerate(one["hall"].unique())
                for what in ("queue", "windows")
            ]
        )
        placed = prep.generate_animation_df(frames, positions, step_snapshot_max=20)
    assert {"x_final", "y_final"} <= set(placed.columns)
    assert set(frames["event"]) >= {"County hall queue", "County hall windows"}


def test_cli_does_not_import_pm4py_or_vidigi() -> None:
    shown = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sim.cli"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    assert "pm4py" not in shown and "vidigi" not in shown
