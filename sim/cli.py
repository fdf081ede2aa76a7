"""The ``countysim`` command line: run, compare, sweep and check scenarios.

Exit codes: 0 ok, 2 bad input (the message names the file and the field), 1 an
internal error.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.drawer import (
    Drawer,
    DrawerGone,
    draw_ahead,
    drawer,
    prerender_map,
    report_of,
    write_ahead,
)
from sim.errors import BadInput, OutputRefused, ScenarioError, shown
from sim.i18n import check_lang
from sim.i18n import t as tr
from sim.metrics import ENFORCEMENT_METRICS, KEY_METRICS, fmt

if TYPE_CHECKING:  # the commands import what they need: `countysim --help` stays fast
    from sim.capacity import Pool
    from sim.experiment import Comparison, Results, Sweep
    from sim.targets import Target

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="countysim: simulate a county's service halls and compare scenarios.",
)
# Text is printed as it is: no markup ([bold]), emoji (:100:) or highlighting, so names,
# paths and messages with brackets or colons print literally; styles go in Text objects.
out = Console(
    width=None if sys.stdout.isatty() else 140, markup=False, emoji=False, highlight=False
)
err = Console(
    stderr=True,
    width=None if sys.stderr.isatty() else 140,
    markup=False,
    emoji=False,
    highlight=False,
)


def _error(message: str, label: str = "error: ") -> None:
    err.print(Text.assemble((label, "bold red"), message), soft_wrap=True)


def _guarded(command: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input -> message and exit 2; anything else unexpected -> exit 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ScenarioError as exc:
            for line in exc.lines:
                _error(line)
            raise typer.Exit(2) from None
        except (BadInput, OutputRefused) as exc:
            _error(str(exc))
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            _error(f"{type(exc).__name__}: {exc}", "internal error: ")
            err.print("Please report this with the scenario file and the command.")
            raise typer.Exit(1) from None

    return wrapper


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a field: PATH=VALUE, e.g. halls[0].windows[1].count=8."),
]


def _load(scenario: Path, sets: list[str] | None, seed: int | None, days: int | None):
    from sim.scenario import load_scenario
    from sim.scenario.load import days_option

    options = {"--seed": ("seed", seed)} if seed is not None else {}
    if days is not None:  # with a date range: its first `days` working days
        options["--days"] = days_option(scenario, sets or [], days)
    return load_scenario(scenario, sets or [], options)


def print_table(frame, title: str, caption: str | None = None, console: Console = out) -> None:
    """Print a table built by :mod:`sim.tables` (text cells, printed literally)."""
    table = Table(title=title, caption=caption)
    for i, column in enumerate(frame.columns):
        left = i == 0 or column in _LEFT or str(column).startswith(("worst", "最差"))
        table.add_column(str(column), justify="left" if left else "right")
    for row in frame.itertuples(index=False):
        table.add_row(*(Text(str(v)) for v in row))
    console.print(table)


_LEFT = {"metric", "scope", "meaning", "指标", "范围", "含义"}
"""Columns printed flush left (text, not numbers)."""


def print_key_metrics(results: Results, console: Console = out, lang: str = "en") -> None:
    """The tables printed after a run: county-wide metrics, one line per hall, and the
    same for enforcement and its teams when the scenario has them (in ``lang``)."""
    from sim.tables import HALL_COLUMNS, TEAM_COLUMNS, key_table, scope_table

    s, scenario = results.summary, results.scenario
    reps = results.replications["replication"].nunique()
    caption = tr(
        "con_caption", lang, horizon=scenario.horizon_text(lang), reps=reps, seed=results.seed
    )
    title = tr("con_key", lang, name=scenario.name)
    print_table(key_table(s, KEY_METRICS, lang), title, caption, console)
    halls = [h.name for h in scenario.halls]
    table = scope_table(s, "hall", halls, HALL_COLUMNS, lang)
    print_table(table, tr("con_per_hall", lang), None, console)
    if scenario.enforcement is not None:
        title = tr("con_enforcement", lang, name=scenario.name)
        print_table(key_table(s, ENFORCEMENT_METRICS, lang), title, None, console)
        teams = [t.name for t in scenario.enforcement.teams]
        table = scope_table(s, "team", teams, TEAM_COLUMNS, lang)
        print_table(table, tr("con_per_team", lang), None, console)


@contextmanager
def _progress(total: int, quiet: bool, label: str) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on a terminal (yields its callback); nothing when quiet or not
    a TTY. The total grows if more finish than expected (replications to precision)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task(label, total=total)

    def tick(done: int) -> None:
        bar.update(task, completed=done, total=max(total, done))

    with bar:
        yield tick


ExecutorOpt = Annotated[
    str, typer.Option(help="Where replications run: serial, processes or dask.")
]
WorkersOpt = Annotated[
    int | None, typer.Option(min=1, help="Parallel workers (default: all cores).")
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 (default: a local cluster)."),
]
RepsOpt = Annotated[int, typer.Option("-r", "--replications", min=1, help="Replications.")]
SeedOpt = Annotated[int | None, typer.Option(help="Seed (default: the (first) scenario's).")]
DaysOpt = Annotated[
    int | None,
    typer.Option(
        help="Working days (overrides horizon.days; with a date range: its first N working days)."
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Output folder (replaced if countysim wrote it, else refused)."),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Replace --out even if countysim did not write it.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of the report, figures and tables: en or zh (default: the "
        "scenario's report.lang, else en).",
        show_default=False,
    ),
]


def _lang(lang: str | None, scenario: Any = None) -> str:
    """``--lang``, else the scenario's ``report.lang``, else ``en``; a wrong one: exit 2."""
    default = scenario.report.lang if scenario is not None else "en"
    try:
        return check_lang(lang, default)
    except ValueError as exc:
        raise BadInput(f"--lang: {exc}") from None


SvgOpt = Annotated[
    bool,
    typer.Option(
        "--svg",
        help="Also write each figure as SVG (vector, for print) beside its PNG; slower.",
    ),
]
FiguresOpt = Annotated[
    bool, typer.Option("--figures/--no-figures", help="Write figures/ and report.html.")
]
LogOpt = Annotated[
    bool,
    typer.Option(
        "--log",
        help="Also write matters.parquet (and visits.parquet) and tickets.csv.",
    ),
]
EventLogOpt = Annotated[
    bool,
    typer.Option(
        "--event-logs",
        help="Also write event logs for process-mining and animation tools: events.xes and "
        "ocel.json (pm4py; first replication) and vidigi.csv (implies --log; slow on big runs).",
    ),
]
TicketLogOpt = Annotated[
    bool,
    typer.Option(
        "--ticket-log",
        help="Also write tickets.csv: one row per ticket, as a queue-ticketing system exports.",
    ),
]


def _where(executor: str, workers: int | None, scheduler: str | None) -> dict[str, Any]:
    """The executor options, checked, as keyword arguments for run/compare/sweep."""
    if executor not in ("serial", "processes", "dask"):
        raise BadInput(f"--executor: expected serial, processes or dask, got {shown(executor)}")
    if scheduler and executor != "dask":
        raise BadInput("--scheduler goes with --executor dask")
    if scheduler:
        _reachable(scheduler)
    return {"executor": executor, "workers": workers, "scheduler": scheduler}


def _reachable(address: str, timeout_s: float = 3) -> None:
    """Refuse a Dask scheduler address where no scheduler answers within ``timeout_s``
    (Dask itself would wait 30 s and fail with a traceback)."""
    host, _, port = address.rpartition("://")[2].rpartition(":")
    if not host or not port.isdigit():
        raise BadInput(
            f"--scheduler: expected an address like tcp://host:8786, got {shown(address)}"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
        from dask.distributed import Client

        Client(address, timeout=timeout_s).close()
    except ImportError:
        raise BadInput("--scheduler needs Dask: pip install 'countysim[dask]'") from None
    except Exception as exc:  # noqa: BLE001 - whatever answered, it is no scheduler
        reason = getattr(exc, "strerror", None) or str(exc)[:200] or type(exc).__name__
        raise BadInput(
            f"--scheduler {shown(address)}: no Dask scheduler answers ({reason})"
        ) from None


def _command() -> str:
    return "countysim " + " ".join(sys.argv[1:])


@app.command("run")
@_guarded
def run_command(
    scenario: ScenarioArg,
    replications: RepsOpt = 5,
    seed: SeedOpt = None,
    days: DaysOpt = None,
    set_: SetOpt = None,
    out_dir: OutOpt = None,
    log: LogOpt = False,
    ticket_log: TicketLogOpt = False,
    event_logs: EventLogOpt = False,
    precision: Annotated[
        str | None,
        typer.Option(
            help="Add replications until METRIC's 95% CI half-width is within REL "
            "of its mean: METRIC=REL[,max=N], e.g. wait_min_mean=0.05,max=40."
        ),
    ] = None,
    executor: ExecutorOpt = "processes",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    figures: FiguresOpt = True,
    svg: SvgOpt = False,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
    lang: LangOpt = None,
) -> None:
    """Run a scenario and write results/<scenario>-<stamp>/ with figures and a report."""
    with drawer(figures) as helper:  # first: it imports the plotting while this imports the rest
        from sim.capacity import offered_load
        from sim.experiment import Precision, run
        from sim.store import check_out, write_run

        loaded = _load(scenario, set_, seed, days)
        lang = _lang(lang, loaded)
        where = _where(executor, workers, scheduler)
        try:
            target = Precision.parse(precision) if precision else None
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        if target is not None and not math.isfinite(target.relative):
            raise BadInput(f"--precision: REL must be a finite number, got {shown(precision)}")
        if out_dir is not None:
            check_out(out_dir, force)
        _warn_overload(offered_load(loaded))
        if helper is not None and not svg:
            helper.start(prerender_map, {loaded.name: loaded}, lang, optional=True)
        with _progress(replications, quiet, loaded.name) as tick:
            results = run(
                loaded,
                replications,
                log=log or event_logs,
                precision=target,
                progress=tick,
                tickets=ticket_log,
                **where,
            )
        write = _report(helper, "run", lang, svg, _for_report(results)) if figures else None
        results.info["command"] = _command()
        results.info["event_logs"] = event_logs
        print_key_metrics(results, lang=lang)
        folder = write_run(results, out_dir, then=write, force=force)
        _said_report(folder, figures)
        if target is not None:
            p = results.info["precision"]
            verdict = "met" if p["met"] else "NOT met (maximum reached)"
            out.print(
                f"precision {p['metric']} ±{p['relative_half_width_target']:.1%}: {verdict} "
                f"with {p['replications']} replications (half-width "
                f"{p['half_width']:.3g} around {p['mean']:.3g})",
                highlight=False,
            )
        out.print(Text.assemble("Results written to ", (str(folder), "bold")))


@app.command("compare")
@_guarded
def compare_command(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Two or more scenario files; differences are to the first.")
    ],
    replications: RepsOpt = 5,
    seed: SeedOpt = None,
    days: DaysOpt = None,
    set_: SetOpt = None,
    out_dir: OutOpt = None,
    log: LogOpt = False,
    ticket_log: TicketLogOpt = False,
    event_logs: EventLogOpt = False,
    executor: ExecutorOpt = "processes",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    figures: FiguresOpt = True,
    svg: SvgOpt = False,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
    lang: LangOpt = None,
) -> None:
    """Compare scenarios with the same citizens: differences to the first, with 95% CIs.

    Writes results/compare-<stamp>/ (compare.csv, one run folder per scenario, report)."""
    if len(scenarios) < 2:
        raise BadInput("compare needs at least two scenario files")
    with drawer(figures) as helper:  # first: it imports the plotting while this imports the rest
        from sim.experiment import compare
        from sim.store import check_out, write_comparison

        loaded = [_load(path, set_, None, days) for path in scenarios]
        lang = _lang(lang, loaded[0])
        where = _where(executor, workers, scheduler)
        if out_dir is not None:
            check_out(out_dir, force)
        if helper is not None and not svg:
            helper.start(prerender_map, {s.name: s for s in loaded}, lang, optional=True)
        with _progress(replications * len(loaded), quiet, "compare") as tick:
            comparison = compare(
                loaded,
                replications,
                seed=seed,
                log=log or event_logs,
                progress=tick,
                tickets=ticket_log,
                **where,
            )
        comparison.info["command"] = _command()
        for results in comparison.results:
            results.info["event_logs"] = event_logs
        runs = [_for_report(r) for r in comparison.results]
        write = (
            _report(helper, "comparison", lang, svg, runs, comparison.table) if figures else None
        )
        print_comparison(comparison, lang=lang)
        folder = write_comparison(comparison, out_dir, then=write, force=force)
        _said_report(folder, figures)
        out.print(
            Text.assemble(
                "Results written to ",
                (str(folder), "bold"),
                " (compare.csv and one folder per scenario)",
            )
        )


@app.command("sweep")
@_guarded
def sweep_command(
    scenario: ScenarioArg,
    grid: Annotated[
        list[str],
        typer.Option(
            help="PATH=V1,V2,... (repeat for more axes; all combinations "
            "run), e.g. halls[0].windows[0].count=6,8,10."
        ),
    ],
    replications: RepsOpt = 5,
    seed: SeedOpt = None,
    days: DaysOpt = None,
    set_: SetOpt = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Sweep folder (default results/sweep-<scenario>); running again into it resumes.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            help="Re-run points already finished; write into --out even if countysim did "
            "not write it."
        ),
    ] = False,
    target: TargetOpt = None,
    executor: ExecutorOpt = "processes",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    figures: FiguresOpt = True,
    svg: SvgOpt = False,
    quiet: QuietOpt = False,
    lang: LangOpt = None,
) -> None:
    """Run a scenario at every combination of grid values; resumes when interrupted.

    Writes sweep.csv; finished points are read back, not re-run (--force re-runs)."""
    from sim.experiment import sweep
    from sim.scenario import parse_grid
    from sim.store import check_out, slug, sweep_checkpoints, write_into, write_table

    loaded = _load(scenario, set_, seed, days)
    lang = _lang(lang, loaded)
    where = _where(executor, workers, scheduler)
    targets = _targets(target)
    try:
        axes = dict(parse_grid(text) for text in grid)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    folder = out_dir or Path("results") / f"sweep-{slug(loaded.name)}"
    check_out(folder, force)
    points = math.prod(len(v) for v in axes.values())
    with _progress(points * replications, quiet, f"sweep ({points} points)") as tick:
        finished, on_point = sweep_checkpoints(folder, force)
        result = sweep(loaded, axes, replications, finished=finished, on_point=on_point,
                       progress=tick, **where)  # fmt: skip
    write_table(result.table, folder / "sweep.csv")
    print_sweep(result, targets, lang=lang)
    if figures:
        write_into(folder, _draw(targets, lang, svg), ["sweep.csv"])
    _said_report(folder, figures)
    if result.reused:
        out.print(
            f"{len(result.reused)} of {points} points were read back from an earlier "
            "run (use --force to re-run them)",
            highlight=False,
        )
    out.print(Text.assemble("Results written to ", (str(folder / "sweep.csv"), "bold")))


TargetOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="METRIC=VALUE: a figure of METRIC across the sweep with the target "
        "line, e.g. wait_min_p90=20 (repeat for more)."
    ),
]


def _targets(texts: list[str] | None) -> list[Target]:
    from sim.targets import Target

    try:
        return [Target.parse(text) for text in texts or []]
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def _draw(
    targets: list[Target] | None = None, lang: str | None = None, svg: bool = False
) -> Callable[[Path], object]:
    """Draws the figures and report of a results folder (given to the writers, which call
    it on the temporary folder before it is renamed into place), in ``lang`` (None: the
    folder's scenario's ``report.lang``)."""

    def draw(folder: Path) -> object:
        from sim.report import write_report

        return write_report(folder, targets, lang, svg)

    return draw


def _report(
    helper: Drawer | None, what: str, lang: str, svg: bool, *data: Any
) -> Callable[[Path], object]:
    """Writes a run's or a comparison's report (:func:`sim.drawer.report_of`) into the
    results folder when it is written. With a ``helper``, the report is drawn there from
    now on, while this process writes the tables; without one (or if it has gone) here."""
    if helper is not None:
        helper.start(draw_ahead, what, lang, svg, *data)

    def write(folder: Path) -> object:
        if helper is not None:
            try:
                return helper(write_ahead, folder)
            except DrawerGone:
                pass
        return report_of(what, lang, *data).write(folder, svg)

    return write


def _for_report(results: Results) -> Results:
    """``results`` without the logs, which no report reads (sent to the drawer)."""
    return dataclasses.replace(results, matters=None, visits=None, tickets=None)


def _said_report(folder: Path, figures: bool) -> None:
    if figures:
        page = folder / "report.html"
        out.print(
            Text.assemble("Report: ", (str(page), "bold"), f" (figures in {folder / 'figures'})")
        )


@app.command("report")
@_guarded
def report_command(
    folder: Annotated[
        Path,
        typer.Argument(help="A results folder written by run, compare, sweep or optimise."),
    ],
    target: TargetOpt = None,
    lang: LangOpt = None,
    svg: SvgOpt = False,
) -> None:
    """Redraw the figures and report of a results folder from its saved tables (--lang zh:
    in Chinese; only figures/ and report.html/.md are rewritten)."""
    tables = ("summary.csv", "compare.csv", "sweep.csv", "candidates.csv", "crews.csv", "plans.csv")
    if not any((folder / name).exists() for name in tables):
        raise BadInput(f"{folder}: not a results folder (none of {', '.join(tables)})")
    if lang is not None:
        lang = _lang(lang)
    _draw(_targets(target), lang, svg)(folder)
    _said_report(folder, True)


def print_comparison(comparison: Comparison, console: Console = out, lang: str = "en") -> None:
    """Key metrics of each scenario and the paired difference to the first (* where the 95%
    interval excludes 0), then the waits at the busiest halls (in ``lang``)."""
    from sim.tables import busiest_halls, comparison_rows

    t = comparison.table
    first = comparison.results[0].scenario
    metrics = KEY_METRICS + (ENFORCEMENT_METRICS if first.enforcement is not None else [])
    caption = tr("con_compare_caption", lang)
    title = tr("con_compare", lang, name=first.name)
    print_table(comparison_rows(t, metrics, lang=lang), title, caption, console)
    waits = comparison_rows(t, ["wait_min_mean", "wait_min_p90"], busiest_halls(t), lang=lang)
    print_table(waits, tr("con_busiest", lang), caption, console)


def print_sweep(
    result: Sweep, targets: list[Target] = (), console: Console = out, lang: str = "en"
) -> None:
    """The sweep's points (county-wide means), and each target judged at every hall."""
    from sim.tables import sweep_points, target_table
    from sim.targets import judge, verdict

    grid = list(result.grid)
    print_table(sweep_points(result.table, grid, lang), tr("con_sweep", lang), None, console)
    for target in targets:
        judged = judge(result.table, grid, target)
        kind = tr(f"kind_{target.kind}", lang) if lang == "zh" else target.kind
        caption = tr("con_target_caption", lang, kind=kind)
        title = tr("con_target", lang, target=target, kind=kind)
        print_table(target_table(judged, grid, target, lang), title, caption, console)
        console.print(Text(verdict(judged, grid, target, lang)))


@app.command("validate")
@_guarded
def validate_command(
    quick: Annotated[bool, typer.Option(help="A subset with fewer, shorter replications.")] = False,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path(
        "results/validation"
    ),
) -> None:
    """Check the engine against queueing theory, Ciw and the published figures.

    Writes validation.md and validation.csv; exits 1 if a check fails: a theory or peer
    check, or a published figure outside the tolerance stated for it. A published figure the
    model does not reproduce shows as "differs" (its note says why) and does not fail."""
    from sim.store import check_out, write_validation
    from sim.validation import validate
    from sim.validation.rows import result

    check_out(out_dir)
    table = validate(quick=quick, progress=lambda label: err.print(f"validating: {label}"))
    title = "countysim validation" + (" (quick)" if quick else "")
    folder = write_validation(table, out_dir, title)
    checks = table[table.passed.notna()]
    failed = checks[checks.passed == False]  # noqa: E712 - a column of True/False/None
    summary = Table(title=title)
    for column in ("group", "case", "quantity", "reference", "simulated", "result"):
        summary.add_column(
            column, justify="right" if column in ("reference", "simulated") else "left"
        )
    labels = {"fail": Text("FAIL", style="bold red"), "differs": Text("differs", style="yellow")}
    results = [result(r.passed, r.note) for r in table.itertuples()]
    for r, label in zip(table.itertuples(), results, strict=True):
        shown = labels.get(label, label)
        summary.add_row(r.group, r.case, r.quantity, fmt(r.reference), fmt(r.simulated), shown)
    out.print(summary)
    differ = results.count("differs")
    said = f", {differ} differ (published figures not judged; the notes say why)" if differ else ""
    out.print(
        Text.assemble(
            f"{len(checks) - len(failed)} of {len(checks)} checks passed{said}; written to ",
            (str(folder), "bold"),
            " (validation.md, validation.csv)",
        )
    )
    if len(failed):
        _error(", ".join(failed.case + ": " + failed.quantity), "validation failed: ")
        raise typer.Exit(1)


@app.command("check")
@_guarded
def check_command(
    scenario: ScenarioArg,
    set_: SetOpt = None,
) -> None:
    """Validate a scenario, print it resolved (after extends and --set), and the load its
    demand puts on every hall's windows (a warning where a pool is nearly or over full)."""
    loaded = _load(scenario, set_, None, None)
    from sim.capacity import OVERLOAD, offered_load
    from sim.scenario import dump_scenario

    sys.stdout.write(dump_scenario(loaded))
    pools = offered_load(loaded)
    table = Table(
        title="expected load on the windows (average open hour)",
        caption="pool: window groups and the departments only they serve; load = requests / "
        "what the windows serve when always busy (returns after missing documents included); "
        "busiest hour: the same in the hour, weekday and month the profiles make busiest",
    )
    columns = ("hall", "pool (departments)", "windows", "requests/h", "can serve/h", "load")
    for column in (*columns, "busiest hour"):
        table.add_column(column, justify="left" if column[0] in "hp" else "right")
    for p in pools:
        table.add_row(
            Text(p.hall),
            Text("whole hall" if p.whole_hall else ", ".join(p.departments)),
            str(p.windows),
            fmt(p.requests_per_hour),
            fmt(p.can_serve_per_hour),
            f"{p.load:.2f}",
            f"{p.peak_load:.2f}",
            style="bold red" if p.load >= OVERLOAD else None,
        )
    err.print(table)
    _warn_overload(pools)
    err.print(Text(f"{scenario}: ok"))


@app.command("fit")
@_guarded
def fit_command(
    tickets: Annotated[
        Path, typer.Argument(help="Ticket log CSV (README: Ticket logs).", show_default=False)
    ],
    out_file: Annotated[
        Path,
        typer.Option(
            "--out", help="Scenario YAML to write; the fit report goes to <stem>-fit/ beside it."
        ),
    ],
    towns: Annotated[
        Path | None,
        typer.Option(help="Towns CSV (name, population, x_km, y_km, …) as a scenario's towns_csv."),
    ] = None,
    items: Annotated[
        Path | None,
        typer.Option(help="Items CSV: item, department, kind, online_share, station_share."),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(help="Map headers: canonical=header,… e.g. item=事项名称,arrive=取号时间."),
    ] = None,
    encoding: Annotated[
        str, typer.Option(help="auto (UTF-8, else GB18030), utf-8 or gbk.")
    ] = "auto",
    force: ForceOpt = False,
) -> None:
    """Estimate a scenario from a queue-ticket log: volumes, hour/weekday/month profiles,
    service-time distributions, missing documents, return delays and windows."""
    from sim.fit import fit
    from sim.fitreport import check_yaml_out, write_fit
    from sim.tickets import read_items, read_tickets, read_towns

    check_yaml_out(out_file, force)
    frame, dropped = read_tickets(tickets, columns, encoding)
    town_list = read_towns(towns) if towns is not None else None
    item_facts = read_items(items, encoding) if items is not None else None
    result = fit(frame, dropped, town_list, item_facts, name=out_file.stem, source=tickets.name)
    folder = write_fit(result, out_file, tickets.name, force)
    t = result.table
    rows = []
    for s in result.data["services"]:
        pick = t[t.scope == s["id"]].set_index("quantity")
        volume = pick.loc["per_1000_residents_per_year"]
        rows.append(
            {
                "item": s["id"],
                "requests/1000/yr": f"{volume.estimate:.4g} [{volume.ci_low:.3g}, "
                f"{volume.ci_high:.3g}]",
                "service_min": s["service_min"]["dist"],
                "mean min": f"{pick.loc['service_min mean'].estimate:.3g}",
                "missing docs": f"{pick.loc['incomplete_prob'].estimate:.1%}",
                "n served": f"{int(pick.loc['service_min mean'].n):,}",
            }
        )
    import pandas as pd

    print_table(pd.DataFrame(rows), f"fitted from {tickets.name}", "95% intervals in brackets")
    dropped_text = ", ".join(f"{n:,} {r}" for r, n in dropped.rows.items()) or "none"
    out.print(f"rows read: {dropped.total:,}; left out of some estimates: {dropped_text}")
    for note in result.notes:
        out.print(Text.assemble(("note: ", "bold"), note))
    out.print(Text.assemble("Scenario written to ", (str(out_file), "bold")))
    out.print(Text.assemble("Fit report: ", (str(folder / "fit-report.html"), "bold")))


@app.command("list")
@_guarded
def list_command(
    folder: Annotated[
        Path | None,
        typer.Argument(
            help="Folder of scenario files (searched with its subfolders). Default: "
            "./scenarios, or the scenarios installed with countysim where there is none.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """List scenario files with their names and one-line descriptions."""
    from sim.scenario import load_scenario

    if folder is None:
        folder = Path("scenarios")
        if not folder.is_dir():
            from sim.validation.cases import EXAMPLES as folder
    if not folder.is_dir():
        raise BadInput(f"{shown(folder)}: not a folder of scenario files")
    files = sorted(p for p in folder.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))
    if not files:
        raise BadInput(f"{shown(folder)}: no scenario files (*.yaml) in it")
    table = Table(title=f"scenarios in {folder}", caption=f"run one: countysim run {folder}/FILE")
    for column in ("file", "name", "description"):
        table.add_column(column, overflow="fold", min_width=24 if column == "file" else None)
    broken = 0
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            broken += 1
            reason = f"does not load: {exc.lines[0]}"
            table.add_row(Text(str(path.relative_to(folder))), Text("—"), Text(reason))
            continue
        words = " ".join(scenario.description.split())
        table.add_row(Text(str(path.relative_to(folder))), Text(scenario.name), Text(words))
    out.print(table)
    if broken:
        _error(f"{broken} of {len(files)} files do not load; `countysim check FILE` says why")
        raise typer.Exit(2)


def _warn_overload(pools: list[Pool]) -> None:
    from sim.capacity import OVERLOAD

    for p in pools:
        if p.load >= OVERLOAD:
            err.print(
                Text.assemble(
                    ("warning: ", "bold yellow"),
                    f"{p.hall} ({', '.join(p.departments)}): load {p.load:.2f} ≥ {OVERLOAD} — "
                    f"about {fmt(p.requests_per_hour)} requests an open hour for windows that "
                    f"serve {fmt(p.can_serve_per_hour)}; queues will grow through the day and "
                    "citizens be sent home. Add windows or skills there.",
                )
            )


optimise_app = typer.Typer(
    no_args_is_help=True,
    help="Decision support: where to open branches, how to split window staff and crews.",
)
app.add_typer(optimise_app, name="optimise")


@optimise_app.command("staffing")
@_guarded
def optimise_staffing_command(
    scenario: ScenarioArg,
    staff: Annotated[
        int | None, typer.Option(help="Window staff to distribute.", show_default=False)
    ] = None,
    halls: Annotated[
        str | None,
        typer.Option(
            help="NAME,NAME,...: the halls whose window groups are staffed (default all)."
        ),
    ] = None,
    groups: Annotated[
        str | None,
        typer.Option(
            help="GROUP;GROUP;...: only these window groups, named HALL[i] (i: the group's "
            "place in the hall's windows, from 0), e.g. 'County hall[0];County hall[2]'."
        ),
    ] = None,
    crews: Annotated[
        int | None,
        typer.Option(
            help="Enforcement crews to distribute over the teams instead of window staff.",
            show_default=False,
        ),
    ] = None,
    teams: Annotated[
        str | None, typer.Option(help="NAME,NAME,...: the teams given crews (default all).")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            help="METRIC=VALUE met at every chosen hall (default wait_min_p90=20), or with "
            "--crews at every chosen team (e.g. check_coverage=0.95; default none).",
            show_default=False,
        ),
    ] = None,
    objective: Annotated[
        str | None,
        typer.Option(
            help="County-wide metric to minimise once the target is met (default "
            "wait_min_mean; with --crews response_min_p90).",
            show_default=False,
        ),
    ] = None,
    min_per_group: Annotated[
        int, typer.Option(min=0, help="Windows every group keeps (0 lets a group close).")
    ] = 1,
    max_evaluations: Annotated[
        int, typer.Option(min=1, help="Allocations simulated at most.")
    ] = 30,
    replications: RepsOpt = 5,
    seed: SeedOpt = None,
    days: DaysOpt = None,
    set_: SetOpt = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default results/optimise-<scenario>)."),
    ] = None,
    force: ForceOpt = False,
    executor: ExecutorOpt = "processes",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
    lang: LangOpt = None,
) -> None:
    """Split --staff window staff over the halls' window groups so that the target holds at
    every chosen hall and the objective is smallest (analytic start, then simulation); or,
    with --crews, enforcement crews over the teams.

    Writes best.yaml (extends SCENARIO, only window or crew counts changed),
    candidates.csv (crews.csv), before_after.csv and a report. Running again into the same
    --out reuses the allocations already simulated (points/); --force re-runs them."""
    from sim.optimise import optimise_crews, optimise_staffing
    from sim.store import check_out, save_staffing, slug, sweep_checkpoints

    if (staff is None) == (crews is None):
        raise BadInput(
            "give --staff (window staff) or --crews (enforcement crews); for both, run the "
            "second on the first's best.yaml"
        )
    loaded = _load(scenario, set_, seed, days)
    lang = _lang(lang, loaded)

    def split(text: str | None, sep: str = ",") -> list[str] | None:
        return None if text is None else [x.strip() for x in text.split(sep) if x.strip()]

    where = _where(executor, workers, scheduler)
    folder = out_dir or Path("results") / f"optimise-{slug(loaded.name)}"
    check_out(folder, force)
    finished, on_point = sweep_checkpoints(folder, force)
    with _progress(max_evaluations, quiet, "optimise staffing") as tick:
        if crews is not None:
            result = optimise_crews(
                loaded, crews, split(teams), target, objective or "response_min_p90",
                replications, min_per_team=min_per_group, max_evaluations=max_evaluations,
                progress=tick, finished=finished, on_point=on_point, **where,
            )  # fmt: skip
        else:
            result = optimise_staffing(
                loaded, staff, split(halls), target or "wait_min_p90=20",
                objective or "wait_min_mean", replications, min_per_group=min_per_group,
                max_evaluations=max_evaluations, progress=tick, groups=split(groups, ";"),
                finished=finished, on_point=on_point, **where,
            )  # fmt: skip
    print_search(result, lang=lang)
    save_staffing(result, folder, scenario, force=force, draw=_draw(lang=lang))
    _said_report(folder, True)
    out.print(
        Text.assemble(
            "Written to ",
            (str(folder), "bold"),
            " (best.yaml extends the scenario; candidates.csv, before_after.csv)",
        )
    )


def print_before_after(table, console: Console = out, lang: str = "en") -> None:
    """Travel and each hall's mean and 90th-percentile wait, input vs chosen scenario."""
    from sim.report import before_after_table, minutes_formatted

    if table is None:
        return
    shown = before_after_table(table, changed_only=True, lang=lang)
    hidden = len(before_after_table(table)) - len(shown)
    print_table(
        minutes_formatted(shown),
        tr("con_before_after", lang),
        tr("con_before_after_caption", lang) + (tr("con_hidden", lang, n=hidden) if hidden else ""),
        console=console,
    )


def print_search(result, console: Console = out, lang: str = "en") -> None:
    """The allocations an optimiser simulated, the chosen one, the verdict, before/after."""
    import pandas as pd

    from sim.i18n import join, metric_name
    from sim.targets import interval

    goal = result.target
    metric = goal.metric if goal else result.objective

    t = result.table
    shown_table = pd.DataFrame(
        {
            tr("col_step", lang): t.step.astype(str),
            tr("col_allocation", lang): t.allocation,
            metric_name(result.objective, lang): [
                interval(m, lo, hi, result.objective)
                for m, lo, hi in zip(
                    t.objective, t.objective_ci_low, t.objective_ci_high, strict=True
                )
            ],
            tr("col_worst_unit", lang): t.worst_hall.fillna("").astype(str),
            metric_name(metric, lang): [
                "" if pd.isna(m) else interval(m, lo, hi, metric)
                for m, lo, hi in zip(t.worst_mean, t.worst_ci_low, t.worst_ci_high, strict=True)
            ],
            tr("col_met", lang): t.met.map({True: tr("yes", lang), False: tr("no", lang)}),
            tr("col_accepted", lang): t.accepted.map({True: tr("yes", lang), False: ""}),
        }
    )
    what = tr("con_crews_of" if result.info.get("kind") == "crews" else "con_windows_of", lang)
    groups = join((g.label for g in result.groups), lang)
    print_table(
        shown_table,
        tr("con_allocations", lang),
        tr("con_allocation_caption", lang, what=what, groups=groups),
        console=console,
    )
    console.print(tr("con_start", lang, value=result.start), highlight=False)
    console.print(tr("con_chosen", lang, value=result.allocation), highlight=False)
    if result.feasible:
        console.print(Text.assemble((tr("con_met", lang), "bold green"), result.summary()))
    else:
        console.print(Text.assemble((tr("con_not_met", lang), "bold red"), result.summary()))
    print_before_after(result.before_after, console, lang)


@optimise_app.command("branches")
@_guarded
def optimise_branches_command(
    scenario: ScenarioArg,
    k: Annotated[int, typer.Option("-k", help="Branches to open.", show_default=False)],
    candidates: Annotated[
        str | None,
        typer.Option(
            help="TOWN,TOWN,...: where branches may go (default every town but the seat's)."
        ),
    ] = None,
    items: Annotated[
        str, typer.Option(help="Items the branches take: approval, convenience or ITEM,ITEM,...")
    ] = "approval",
    staff_per_branch: Annotated[
        int, typer.Option(help="Comprehensive windows a branch starts with.")
    ] = 4,
    staffing: Annotated[
        str,
        typer.Option(
            help="How each plan's county hall and branches split the county hall's window "
            "staff: simulate (the staffing optimiser), analytic (Erlang C only, fast but "
            "optimistic for small branches) or fixed (--staff-per-branch each, taken from "
            "the comprehensive windows)."
        ),
    ] = "simulate",
    staff_evaluations: Annotated[
        int, typer.Option(min=1, help="With --staffing simulate: allocations tried a plan.")
    ] = 12,
    target: Annotated[
        str, typer.Option(help="The staffing's target at every hall (analytic and simulate).")
    ] = "wait_min_p90=20",
    coverage_km: Annotated[
        float | None,
        typer.Option(
            help="Maximal coverage: first the most demand within this many road km of an "
            "open hall, then the least km (default: p-median, the least km).",
            show_default=False,
        ),
    ] = None,
    evaluate: Annotated[int, typer.Option(help="Best plans simulated.")] = 3,
    replications: RepsOpt = 5,
    seed: SeedOpt = None,
    days: DaysOpt = None,
    set_: SetOpt = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default results/branches-<scenario>)."),
    ] = None,
    force: ForceOpt = False,
    executor: ExecutorOpt = "processes",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
    lang: LangOpt = None,
) -> None:
    """Choose K branch towns (p-median on road km or maximal coverage, solved exactly),
    staff each plan, simulate the best plans against SCENARIO and rank them on travel and
    the worst hall's 90th-percentile wait.

    Writes best.yaml (extends SCENARIO, adds the branch halls), plans.csv, before_after.csv
    and a report. Running again into the same --out reuses finished simulations."""
    import pandas as pd

    from sim.i18n import metric_name
    from sim.siting import optimise_branches
    from sim.store import check_out, save_siting, slug, sweep_checkpoints
    from sim.targets import interval

    loaded = _load(scenario, set_, seed, days)
    lang = _lang(lang, loaded)
    names = None
    if candidates is not None:
        names = [t.strip() for t in candidates.split(",") if t.strip()]
    where = _where(executor, workers, scheduler)
    folder = out_dir or Path("results") / f"branches-{slug(loaded.name)}"
    check_out(folder, force)
    finished, on_point = sweep_checkpoints(folder, force)
    staffing_runs = evaluate * (staff_evaluations + 1) if staffing == "simulate" else 0
    total = replications * (evaluate + 1 + staffing_runs)
    with _progress(total, quiet, "optimise branches") as tick:
        result = optimise_branches(
            loaded, k, names, items, staff_per_branch, evaluate, replications,
            progress=tick, coverage_km=coverage_km, staffing=staffing, target=target,
            staff_evaluations=staff_evaluations, finished=finished, on_point=on_point, **where,
        )  # fmt: skip
    t = result.plans

    def shown(name: str, metric: str, diff: bool = False) -> list[str]:
        suffix = "_diff" if diff else ""
        if f"{name}{suffix}" not in t:
            return [""] * len(t)
        return [
            "" if pd.isna(m) else interval(m, lo, hi, metric)
            for m, lo, hi in zip(
                t[f"{name}{suffix}"], t[f"{name}{suffix}_ci_low"], t[f"{name}{suffix}_ci_high"],
                strict=True,
            )
        ]  # fmt: skip

    best = t["best"] if "best" in t else pd.Series(False, index=t.index)
    covered = {tr("col_covered", lang): [f"{v:.0%}" for v in t.covered]} if "covered" in t else {}
    table = pd.DataFrame(
        {
            tr("col_plan", lang): t.plan.astype(str),
            tr("col_towns", lang): t.towns,
            tr("col_mean_km", lang): [f"{v:.2f}" for v in t.mean_km],
            **covered,
            metric_name("travel_min", lang): shown("travel_min", "travel_min"),
            tr("col_d_travel", lang): shown("travel_min", "travel_min", diff=True),
            tr("col_worst_wait", lang): shown("wait_p90_worst", "wait_min_p90"),
            tr("col_d_wait", lang): shown("wait_p90_worst", "wait_min_p90", diff=True),
            tr("col_best", lang): ["" if pd.isna(b) or not b else tr("yes", lang) for b in best],
        }
    )
    print_table(table, tr("con_plans", lang), tr("con_plans_caption", lang))
    out.print(result.summary(), highlight=False)
    out.print("staff of each plan: " + " | ".join(t.staff[1:].astype(str)), highlight=False)
    print_before_after(result.before_after, lang=lang)
    if not result.staff_taken:
        err.print(
            Text.assemble(
                ("note: ", "bold yellow"),
                "the county hall's comprehensive windows are too few to give the branch staff: "
                "they were added, so total window staff grows.",
            )
        )
    save_siting(result, folder, scenario, force=force, draw=_draw(lang=lang))
    _said_report(folder, True)
    out.print(
        Text.assemble(
            "Written to ", (str(folder), "bold"), " (best.yaml; plans.csv, before_after.csv)"
        )
    )


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"countysim {version('countysim')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """countysim: simulate a county's service halls and compare scenarios."""


def main() -> None:
    app()
