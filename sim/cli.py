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
    "matters",
    "share_online",
    "trips_per_matter",
    "share_one_trip",
    "travel_min",
    "wait_min_mean",
    "wait_min_p90",
    "days_to_complete",
    "sent_home",
    "window_utilisation",
    "citizen_hours",
]


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
    if metric.startswith("share_") or metric == "window_utilisation":
        return f"{value:.1%}"
    if value == round(value) or abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def print_key_metrics(results: Results, console: Console = out) -> None:
    """The short table printed after a run: county-wide metrics and one line per hall."""
    s = results.summary
    reps = results.replications["replication"].nunique()
    table = Table(
        title=f"{results.scenario.name} — key metrics",
        caption=f"{results.scenario.horizon.days} working days, {reps} replications, "
        f"seed {results.seed}; mean and 95% confidence interval over replications",
    )
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("meaning", style="dim")
    for metric in KEY_METRICS:
        row = s[(s.metric == metric) & (s.scope == "all")]
        if row.empty:
            continue
        r = row.iloc[0]
        ci = (
            "–" if math.isnan(r.ci_low) else f"{_fmt(r.ci_low, metric)} – {_fmt(r.ci_high, metric)}"
        )
        table.add_row(metric, _fmt(r["mean"], metric), ci, METRICS[metric])
    console.print(table)
    halls = Table(title="per hall (means)")
    for column in (
        "hall",
        "windows",
        "services/day",
        "wait mean min",
        "wait p90 min",
        "utilisation",
        "sent home",
    ):
        halls.add_column(column, justify="left" if column == "hall" else "right")
    wide = s[s.scope.str.startswith("hall:")].pivot(index="scope", columns="metric", values="mean")
    for hall in results.scenario.halls:
        scope = f"hall:{hall.name}"
        if scope not in wide.index:
            continue
        r = wide.loc[scope]
        halls.add_row(
            hall.name,
            _fmt(r.get("window_staff")),
            _fmt(r.get("throughput_per_day")),
            _fmt(r.get("wait_min_mean")),
            _fmt(r.get("wait_min_p90")),
            f"{r.get('window_utilisation', float('nan')):.0%}",
            _fmt(r.get("sent_home")),
        )
    console.print(halls)


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
