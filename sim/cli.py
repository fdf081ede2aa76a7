"""The ``countysim`` command line: run and check scenarios.

Exit codes: 0 ok, 2 bad input (the message names the file and the field), 1 an
internal error.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sim.experiment import Results, run
from sim.loader import ScenarioError, dump_scenario, load_scenario
from sim.stats import METRICS

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="countysim: simulate a county's service halls and compare scenarios.",
)
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)

KEY_METRICS = [
    "matters", "share_online", "trips_per_matter", "share_one_trip", "travel_min",
    "wait_min_mean", "wait_min_p90", "days_to_complete", "sent_home", "window_utilisation",
    "citizen_hours",
]  # fmt: skip
ENFORCEMENT_METRICS = [
    "checks_scheduled", "check_coverage", "visits_per_enterprise_per_year", "checks_per_visit",
    "response_min_p50", "response_min_p90", "share_response_within_30min", "whistled_up",
    "team_utilisation", "enforcement_staff",
]  # fmt: skip
HALL_COLUMNS = [
    ("windows", "window_staff"), ("services/day", "throughput_per_day"),
    ("wait mean min", "wait_min_mean"), ("wait p90 min", "wait_min_p90"),
    ("utilisation", "window_utilisation"), ("sent home", "sent_home"),
]  # fmt: skip
TEAM_COLUMNS = [
    ("staff", "enforcement_staff"), ("visits", "inspection_visits"),
    ("checks/visit", "checks_per_visit"), ("coverage", "check_coverage"),
    ("response p50 min", "response_min_p50"), ("whistled up", "whistled_up"),
    ("utilisation", "team_utilisation"),
]  # fmt: skip


class BadInput(Exception):
    """A command-line value that is not a scenario problem (exit 2)."""


def _guarded(command: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input -> message and exit 2; anything else unexpected -> exit 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ScenarioError as exc:
            for line in exc.lines:
                err.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except BadInput as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
            err.print("Please report this with the scenario file and the command.")
            raise typer.Exit(1) from None

    return wrapper


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a field: PATH=VALUE, e.g. halls[0].windows[1].count=8."),
]


def _load(scenario: Path, sets: list[str] | None, seed: int | None, days: int | None):
    overrides = list(sets or [])
    if seed is not None:
        overrides.append(f"seed={seed}")
    if days is not None:
        overrides.append(f"horizon.days={days}")
    return load_scenario(scenario, overrides)


def _fmt(value: float | None, metric: str = "") -> str:
    if value is None or math.isnan(value):
        return "–"
    if metric.startswith("share_") or metric in (
        "window_utilisation",
        "team_utilisation",
        "check_coverage",
    ):
        return f"{value:.1%}"
    if value == round(value) or abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _metric_table(summary, metrics: list[str], title: str, caption: str | None = None) -> Table:
    table = Table(title=title, caption=caption)
    for column, justify in (("metric", "left"), ("mean", "right"), ("95% CI", "right")):
        table.add_column(column, justify=justify)
    table.add_column("meaning", style="dim")
    everything = summary[summary.scope == "all"].set_index("metric")
    for metric in metrics:
        if metric not in everything.index:
            continue
        r = everything.loc[metric]
        low, high = _fmt(r.ci_low, metric), _fmt(r.ci_high, metric)
        ci = "–" if math.isnan(r.ci_low) else f"{low} – {high}"
        table.add_row(metric, _fmt(r["mean"], metric), ci, METRICS[metric])
    return table


def _scope_table(summary, kind: str, names: list[str], columns, title: str) -> Table:
    """One row per hall or team (``kind``), the means of ``columns`` (header, metric)."""
    table = Table(title=title)
    table.add_column(kind)
    for header, _ in columns:
        table.add_column(header, justify="right")
    mine = summary[summary.scope.str.startswith(f"{kind}:")]
    wide = mine.pivot(index="scope", columns="metric", values="mean")
    for name in names:
        if f"{kind}:{name}" in wide.index:
            r = wide.loc[f"{kind}:{name}"]
            table.add_row(name, *(_fmt(r.get(metric), metric) for _, metric in columns))
    return table


def print_key_metrics(results: Results, console: Console = out) -> None:
    """The tables printed after a run: county-wide metrics, one line per hall, and the
    same for enforcement and its teams when the scenario has them."""
    s, scenario = results.summary, results.scenario
    reps = results.replications["replication"].nunique()
    caption = (
        f"{scenario.horizon.days} working days, {reps} replications, seed {results.seed}; "
        "mean and 95% confidence interval over replications"
    )
    console.print(_metric_table(s, KEY_METRICS, f"{scenario.name} — key metrics", caption))
    halls = [h.name for h in scenario.halls]
    console.print(_scope_table(s, "hall", halls, HALL_COLUMNS, "per hall (means)"))
    if scenario.enforcement is not None:
        console.print(_metric_table(s, ENFORCEMENT_METRICS, f"{scenario.name} — enforcement"))
        teams = [t.name for t in scenario.enforcement.teams]
        console.print(_scope_table(s, "team", teams, TEAM_COLUMNS, "per team (means)"))


def _progress(total: int, quiet: bool, label: str):
    """A rich progress bar on a terminal; nothing when quiet or not a TTY."""
    if quiet or not sys.stderr.isatty():
        return None, None
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task(label, total=total)
    return bar, (lambda _k: bar.advance(task))


@app.command("run")
@_guarded
def run_command(
    scenario: ScenarioArg,
    replications: Annotated[int, typer.Option("-r", "--replications", min=1)] = 5,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")] = None,
    days: Annotated[int | None, typer.Option(help="Working days (overrides horizon.days).")] = None,
    set_: SetOpt = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
    log: Annotated[
        bool, typer.Option("--log", help="Also write matters.parquet (and visits.parquet).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run a scenario and write results/<scenario>-<stamp>/."""
    loaded = _load(scenario, set_, seed, days)
    bar, tick = _progress(replications, quiet, loaded.name)
    if bar:
        with bar:
            results = run(loaded, replications, log=log, progress=tick)
    else:
        results = run(loaded, replications, log=log)
    results.info["command"] = "countysim " + " ".join(sys.argv[1:])
    folder = results.save(out_dir)
    print_key_metrics(results)
    out.print(f"Results written to [bold]{folder}[/]", highlight=False)


@app.command("check")
@_guarded
def check_command(
    scenario: ScenarioArg,
    set_: SetOpt = None,
) -> None:
    """Validate a scenario and print it resolved (after extends and --set)."""
    loaded = _load(scenario, set_, None, None)
    sys.stdout.write(dump_scenario(loaded))
    err.print(f"{scenario}: ok", highlight=False)


def main() -> None:
    app()
