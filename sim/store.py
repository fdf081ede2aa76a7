"""Results folders, written atomically and read back.

A run writes ``results/<scenario>-<stamp>/``; a comparison ``results/compare-<stamp>/``
with ``compare.csv`` and one run folder per scenario; a sweep its folder with
``sweep.csv`` and ``points/<key>/`` run folders. Every folder is written into a hidden
temporary folder beside the target (report and figures included) and renamed into place
only when complete: an interrupted run leaves nothing that looks finished, and the next
run into the same parent folder removes what it left. A folder is replaced only if
countysim wrote it (its ``manifest.json`` says so), or with ``force``.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.errors import OutputRefused
from sim.metrics import fmt
from sim.scenario import dump_scenario, load_scenario

if TYPE_CHECKING:
    from sim.experiment import Comparison, Results
    from sim.scenario import Scenario

__all__ = [
    "OutputRefused",
    "atomic_dir",
    "check_out",
    "write_into",
    "load_results",
    "save",
    "save_staffing",
    "slug",
    "sweep_checkpoints",
    "validation_markdown",
    "write_comparison",
    "write_event_logs",
    "write_run",
    "write_ticket_log",
    "write_table",
    "write_validation",
]


def countysim_version() -> str:
    try:
        return version("countysim")
    except PackageNotFoundError:
        return "unknown"


def slug(name: str) -> str:
    """A folder-safe form of a scenario name (letters of any script kept), at most 60
    characters (180 bytes in UTF-8: file systems allow 255)."""
    text = re.sub(r"[^\w]+", "-", name, flags=re.UNICODE).strip("-").lower()[:60]
    return text.strip("-") or "scenario"


def _is_countysims(folder: Path) -> bool:
    """Whether a ``manifest.json`` of countysim's marks ``folder`` (or a sweep point in it)."""
    if (folder / "validation.md").is_file():  # validation folders before they had one
        with open(folder / "validation.md", encoding="utf-8", errors="replace") as f:
            if f.read(30).startswith("# countysim validation"):
                return True
    for manifest in (folder / "manifest.json", *folder.glob("points/*/manifest.json")):
        try:
            if "countysim_version" in json.loads(manifest.read_text(encoding="utf-8")):
                return True
        except (OSError, ValueError, TypeError):
            continue
    return False


def check_out(target: Path, force: bool = False) -> None:
    """Refuse (:class:`OutputRefused`) an output folder that is a file or link, the current
    folder or one holding it, too long a name, a place that cannot be written, or a folder
    with files countysim did not write (unless ``force``). Call it before simulating."""
    if len(target.name.encode()) > 200:
        raise OutputRefused(f"{target}: the folder name is too long (at most 200 bytes)")
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutputRefused(f"{target}: exists and is not a folder; name a new folder")
    here = Path.cwd().resolve()
    if target.exists() and (target.resolve() == here or target.resolve() in here.parents):
        raise OutputRefused(f"{target}: is the current folder or holds it; name a new folder")
    existing = next(p for p in (target, *target.parents) if p.exists() or p == Path(p.anchor))
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise OutputRefused(f"{target}: cannot write there ({existing} is not a writable folder)")
    holds_files = target.is_dir() and any(not p.is_dir() for p in target.rglob("*"))
    if holds_files and not force and not _is_countysims(target):
        raise OutputRefused(
            f"{target}: the folder holds files countysim did not write; name a new folder, "
            "or add --force to replace it"
        )


_STALE = re.compile(r"^\..*\.(\d+)\.\w+\.tmp$")  # .<name>.<pid>.<random or old>.tmp


def _clean_stale(parent: Path) -> None:
    """Remove the temporary folders that runs killed before their end left in ``parent``."""
    for entry in parent.iterdir():
        match = _STALE.match(entry.name)
        if match and entry.is_dir() and not entry.is_symlink():
            pid = int(match[1])
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                shutil.rmtree(entry, ignore_errors=True)
            except OSError:
                pass  # alive, another user's


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _stamped(root: str | Path, name: str) -> Path:
    base = Path(root) / f"{slug(name)}-{time.strftime('%Y%m%d-%H%M%S')}"
    target, n = base, 2
    while target.exists():
        target, n = base.with_name(f"{base.name}-{n}"), n + 1
    return target


def _temporary(parent: Path, name: str) -> tuple[Path, str]:
    """A new temporary folder in ``parent`` for ``name`` (with the umask's permissions), and
    the stem that marks it and its siblings as this process's; stale ones are removed."""
    parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(parent)
    stem = f".{name[:40]}.{os.getpid()}"
    tmp = Path(tempfile.mkdtemp(prefix=f"{stem}.", suffix=".tmp", dir=parent))
    tmp.chmod(0o777 & ~_umask())
    return tmp, stem


def _move(source: Path, target: Path, stem: str) -> None:
    """Rename ``source`` to ``target``, replacing it (a folder is moved aside first)."""
    if target.is_dir() and not target.is_symlink():
        old = target.with_name(f"{stem}.old.tmp")
        target.rename(old)
        source.rename(target)
        shutil.rmtree(old)
    else:
        os.replace(source, target)


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target``. The
    folder gets the permissions the user's umask gives (as ``mkdir`` would)."""
    tmp, stem = _temporary(target.parent, target.name)
    try:
        yield tmp
        _move(tmp, target, stem)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_into(folder: Path, write: Callable[[Path], object], inputs: list[str]) -> None:
    """Add files to ``folder``, written piece by piece (a sweep's), all or nothing:
    ``write`` gets a temporary folder holding copies of ``inputs`` (the tables it reads);
    what it adds is then moved in, folders first and ``report.html`` last."""
    tmp, stem = _temporary(folder, "report")
    try:
        for name in inputs:
            shutil.copyfile(folder / name, tmp / name)
        write(tmp)
        made = [p for p in tmp.iterdir() if p.name not in inputs]
        for path in sorted(made, key=lambda p: (not p.is_dir(), p.name == "report.html")):
            _move(path, folder / path.name, stem)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_table(table: pd.DataFrame, path: Path) -> None:
    """Write a CSV atomically (a temporary file renamed over ``path``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    table.to_csv(tmp, index=False)
    os.replace(tmp, path)


def _manifest(extra: dict) -> dict:
    return {
        "countysim_version": countysim_version(),
        "host": platform.node(),
        "python": sys.version.split()[0],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **extra,
    }


def _write_files(results: Results, folder: Path) -> None:
    (folder / "scenario.resolved.yaml").write_text(
        dump_scenario(results.scenario), encoding="utf-8"
    )
    manifest = _manifest(
        {
            "scenario": results.scenario.name,
            "seed": results.seed,
            "replications": int(results.replications["replication"].nunique()),
            "wall_time_s": round(results.wall_s, 3),
            **results.info,
        }
    )
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    results.summary.to_csv(folder / "summary.csv", index=False)
    results.replications.to_csv(folder / "replications.csv", index=False)
    for name in ("distributions", "profiles", "daily"):
        table = getattr(results, name)
        if table is not None:
            table.to_csv(folder / f"{name}.csv", index=False)
    if results.matters is not None:
        results.matters.to_parquet(folder / "matters.parquet", index=False)
    if results.visits is not None:
        results.visits.to_parquet(folder / "visits.parquet", index=False)
    if results.tickets is not None:
        write_ticket_log(results.tickets, folder / "tickets.csv")
        if results.matters is not None and results.info.get("event_logs"):
            write_event_logs(results.scenario, results.tickets, folder)


def write_ticket_log(tickets: pd.DataFrame, path: Path) -> None:
    """``tickets.csv`` (README "Ticket logs"): the ``replication`` column only when the run
    has several replications."""
    from sim.eventlog import TIME_FORMAT

    if tickets["replication"].nunique() <= 1:
        tickets = tickets.drop(columns="replication")
    tickets.to_csv(path, index=False, date_format=TIME_FORMAT)


def write_event_logs(scenario: Scenario, tickets: pd.DataFrame, folder: Path) -> None:
    """``vidigi.csv`` (every replication, ``run_number`` = replication) and, for the first
    replication, ``events.xes`` and ``ocel.json`` (OCEL 2.0) written by pm4py."""
    from sim.eventlog import ocel_tables, vidigi_frame, xes_frame

    vidigi_frame(scenario, tickets).to_csv(folder / "vidigi.csv", index=False)
    try:
        import pm4py
        from pm4py.objects.ocel.obj import OCEL
    except ImportError:  # pragma: no cover - pm4py is in the dev install
        warnings.warn(
            "events.xes and ocel.json need pm4py: pip install 'countysim[logs]'", stacklevel=2
        )
        return
    first = tickets[tickets["replication"] == tickets["replication"].min()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pm4py's own deprecation notices
        pm4py.write_xes(
            xes_frame(scenario, first), str(folder / "events.xes"), show_progress_bar=False
        )
        pm4py.write_ocel2_json(OCEL(**ocel_tables(scenario, first)), str(folder / "ocel.json"))


def _target(out: str | Path | None, root: str | Path, name: str, force: bool) -> Path:
    if out is None:
        return _stamped(root, name)
    check_out(Path(out), force)
    return Path(out)


def write_run(
    results: Results,
    out: str | Path | None = None,
    root: str | Path = "results",
    then: Callable[[Path], object] | None = None,
    force: bool = False,
) -> Path:
    """Write scenario.resolved.yaml, manifest.json, summary.csv, replications.csv and, when
    the run was logged, matters.parquet (and visits.parquet with enforcement) and tickets.csv,
    with the event logs (:func:`write_event_logs`) when ``results.info["event_logs"]``;
    tickets.csv alone when only the ticket log was kept. ``out``
    replaces a folder of that name that countysim wrote (any folder with ``force``).
    ``then`` is called with the temporary folder once the tables are in it (the report is
    drawn there), before it is renamed into place."""
    target = _target(out, root, results.scenario.name, force)
    with atomic_dir(target) as tmp:
        _write_files(results, tmp)
        if then is not None:
            then(tmp)
    return target


def write_comparison(
    comparison: Comparison,
    out: str | Path | None = None,
    root: str | Path = "results",
    then: Callable[[Path], object] | None = None,
    force: bool = False,
) -> Path:
    """``compare.csv`` and ``manifest.json``, and one run folder per scenario beside them;
    ``out``, ``then`` and ``force`` as for :func:`write_run`."""
    target = _target(out, root, "compare", force)
    with atomic_dir(target) as tmp:
        folders: list[str] = []
        for r in comparison.results:
            name, n = slug(r.scenario.name), 2
            while name in folders:
                name, n = f"{slug(r.scenario.name)}-{n}", n + 1
            folders.append(name)
            (tmp / name).mkdir()
            _write_files(r, tmp / name)
        comparison.table.to_csv(tmp / "compare.csv", index=False)
        manifest = _manifest(
            {
                "scenarios": [r.scenario.name for r in comparison.results],
                "folders": folders,
                "seed": comparison.results[0].seed,
                "replications": int(comparison.results[0].replications["replication"].nunique()),
                "wall_time_s": round(comparison.wall_s, 3),
                **comparison.info,
            }
        )
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        if then is not None:
            then(tmp)
    return target


def save(what: Results | Comparison, out: str | Path | None = None, force: bool = False) -> Path:
    """Write a run's or a comparison's folder (:func:`write_run`, :func:`write_comparison`)
    under ``results/`` or at ``out``; return its path. For notebooks: ``sim.save(results)``."""
    if hasattr(what, "table"):
        return write_comparison(what, out, force=force)
    return write_run(what, out, force=force)


def sweep_checkpoints(
    folder: str | Path, force: bool = False
) -> tuple[Callable[[str], Results | None], Callable[[str, Results], None]]:
    """``finished`` and ``on_point`` for :func:`sim.experiment.sweep`: each finished point is
    saved at once under ``folder/points/<key>/``, and a later sweep into the same folder reads
    it back instead of running it again (unless ``force``)."""
    points = Path(folder) / "points"

    def finished(key: str) -> Results | None:
        if force or not (points / key / "summary.csv").exists():
            return None
        return load_results(points / key)

    def on_point(key: str, results: Results) -> None:
        write_run(results, out=points / key)

    return finished, on_point


def _optional_csv(path: Path, **options) -> pd.DataFrame | None:
    return pd.read_csv(path, **options) if path.exists() else None


def load_results(folder: str | Path) -> Results:
    """Read a run folder back into :class:`sim.experiment.Results`."""
    from sim.experiment import Results

    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    logs = {
        name: pd.read_parquet(folder / f"{name}.parquet")
        if (folder / f"{name}.parquet").exists()
        else None
        for name in ("matters", "visits")
    }
    known = {
        "scenario",
        "seed",
        "replications",
        "wall_time_s",
        "countysim_version",
        "host",
        "python",
        "created",
    }
    return Results(
        scenario=load_scenario(folder / "scenario.resolved.yaml"),
        seed=int(manifest["seed"]),
        replications=pd.read_csv(folder / "replications.csv"),
        summary=pd.read_csv(folder / "summary.csv"),
        distributions=_optional_csv(folder / "distributions.csv"),
        profiles=_optional_csv(folder / "profiles.csv"),
        daily=_optional_csv(folder / "daily.csv", dtype={"date": str}),
        matters=logs["matters"],
        visits=logs["visits"],
        wall_s=float(manifest.get("wall_time_s", 0.0)),
        info={k: v for k, v in manifest.items() if k not in known},
    )


def validation_markdown(table: pd.DataFrame, title: str) -> str:
    """The validation table as Markdown, one section per group. A row's result is ``pass``,
    ``**FAIL**``, ``differs`` (a published figure not reproduced: not judged, its note says
    why) or ``informs`` (not judged)."""
    from sim.validation.rows import result as row_result

    lines = [f"# {title}", ""]
    headings = {
        "theory": "Queueing theory (fails the run if the reference is outside the interval)",
        "peer": "Peer simulator: Ciw with the same parameters (fails the run if the "
        "difference's interval excludes 0)",
        "published": "Published figures (judged against tolerances stated up front: a figure "
        "outside its tolerance fails the run; a figure the model does not reproduce "
        "differs, says why, and does not fail)",
    }
    intervals = {
        "published": "Intervals: 99.9 %; for a direction (quantity Δ, a paired change after − "
        "before) 95 %, as `countysim compare` prints it, and the row passes when it lies wholly "
        "on the published side of 0.",
    }
    for group, rows in table.groupby("group", sort=False):
        lines += [f"## {headings.get(group, group)}", ""]
        if group in intervals:
            lines += [intervals[group], ""]
        level = "99.9% CI; Δ: 95%" if group in intervals else "99.9% CI"
        lines += [
            f"| case | quantity | reference | kind | simulated [{level}] | tolerance | result "
            "| note |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in rows.itertuples():
            note = "" if r.note != r.note else r.note  # NaN when read back from CSV
            case, note = (str(text).replace("|", "\\|") for text in (r.case, note))
            ci = "" if r.ci_low != r.ci_low else f" [{fmt(r.ci_low)}, {fmt(r.ci_high)}]"
            tolerance = "–" if r.tolerance != r.tolerance else f"±{fmt(r.tolerance)}"
            result = row_result(r.passed, note)
            result = "**FAIL**" if result == "fail" else result
            lines.append(
                f"| {case} | {r.quantity} | {fmt(r.reference)} | {r.reference_kind} | "
                f"{fmt(r.simulated)}{ci} | {tolerance} | {result} | {note} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_validation(table: pd.DataFrame, out: str | Path, title: str) -> Path:
    """validation.csv, validation.md and manifest.json, atomically."""
    target = _target(out, "results", "validation", force=False)
    with atomic_dir(target) as tmp:
        (tmp / "manifest.json").write_text(json.dumps(_manifest({"validation": title}), indent=2))
        table.to_csv(tmp / "validation.csv", index=False)
        (tmp / "validation.md").write_text(validation_markdown(table, title), encoding="utf-8")
    return target


def save_staffing(
    result, out: str | Path, source: str | Path, force: bool = False, draw=None
) -> Path:
    """Write a staffing (or crews) optimisation's folder (:class:`sim.optimise.StaffingResult`):
    ``best.yaml``, which ``extends`` the scenario file ``source`` and sets only the chosen
    halls' window groups (their whole ``windows`` list, counts changed) or the chosen teams'
    ``crews``, ``candidates.csv`` (every allocation simulated; ``crews.csv`` for crews),
    ``before_after.csv``, ``selection.csv`` (when KN ran) and ``manifest.json``; then
    ``draw(folder)`` (the report) on the temporary folder before it takes its place."""

    target = Path(out)
    check_out(target, force)
    source = Path(source)
    crews = result.info.get("kind") == "crews"
    chosen = list(dict.fromkeys(g.hall for g in result.groups))
    data: dict = {
        "extends": os.path.relpath(source.resolve(), target.resolve()),
        "name": result.best.name,
    }
    if crews:
        data["enforcement"] = {
            "teams": [
                {"name": t.name, "crews": t.crews}
                for t in result.best.enforcement.teams
                if t.name in chosen
            ]
        }
    else:
        data["halls"] = [
            {"name": hall.name, "windows": [w.model_dump(mode="json") for w in hall.windows]}
            for hall in result.best.halls
            if hall.name in chosen
        ]
    status = "meets" if result.feasible else "does NOT meet"
    what, unit = ("crews", "team") if crews else ("window staff", "hall")
    goal = f"{result.target} at every chosen {unit}" if result.target else result.objective
    header = (
        f"# countysim optimise staffing: {result.staff} {what} over {', '.join(chosen)}.\n"
        f"# This allocation {status} {goal} ({result.replications} replications, seed "
        f"{result.seed}).\n# Only the {'crew' if crews else 'window'} counts differ from "
        "the scenario it extends.\n"
    )
    tables = {"crews.csv" if crews else "candidates.csv": result.table}
    if result.before_after is not None:
        tables["before_after.csv"] = result.before_after
    if result.selection is not None:
        tables["selection.csv"] = result.selection.table
    _save_variant(
        target,
        header,
        data,
        tables,
        {
            "kind": "staffing",
            "scenario": result.scenario.name,
            "source": str(source),
            "staff": result.staff,
            "target": str(result.target) if result.target else None,
            "objective": result.objective,
            "feasible": result.feasible,
            "budget_needed": result.budget_needed,
            "start": result.start,
            "allocation": result.allocation,
            "seed": result.seed,
            "replications": result.replications,
            "evaluations": result.evaluations,
            "selection": result.selection.statement if result.selection else None,
            **result.info,
        },
        draw,
    )
    return target


def save_siting(
    result, out: str | Path, source: str | Path, force: bool = False, draw=None
) -> Path:
    """Write a branch-siting folder (:class:`sim.siting.SitingResult`): ``best.yaml``, which
    ``extends`` the scenario file ``source`` and adds the chosen plan's branch halls (and the
    county hall's windows when the branch staff came from them), ``plans.csv`` and
    ``manifest.json``."""

    target = Path(out)
    check_out(target, force)
    source = Path(source)
    plan = result.best_plan
    data = {
        "extends": os.path.relpath(source.resolve(), target.resolve()),
        "name": f"{result.scenario.name} ({result.k} branches: {', '.join(plan.towns)})",
        "halls": result.info["halls_written"],
    }
    staff = (
        "taken from the county hall's comprehensive windows"
        if result.staff_taken
        else "ADDED (the county hall's comprehensive windows are too few to give them)"
    )
    header = (
        f"# countysim optimise branches: {result.k} branches for {result.items} items, "
        f"p-median on road km,\n# best of {len(result.scenarios)} plans simulated "
        f"({result.replications} replications, seed {result.seed}).\n"
        f"# Branch staff: {staff}.\n"
    )
    _save_variant(
        target,
        header,
        data,
        {"plans.csv": result.plans, "before_after.csv": result.before_after},
        {
            "kind": "siting",
            "scenario": result.scenario.name,
            "source": str(source),
            "k": result.k,
            "items": result.items,
            "branches": list(plan.towns),
            "catchments": {t: list(c) for t, c in plan.catchments.items()},
            "staff_taken": result.staff_taken,
            "seed": result.seed,
            "replications": result.replications,
            "candidates": result.info["candidates"],
            **{k: v for k, v in result.info.items() if k != "halls_written"},
        },
        draw,
    )
    return target


def _save_variant(
    target: Path, header: str, data: dict, tables: dict, manifest: dict, draw=None
) -> None:
    """An optimiser's folder: ``best.yaml`` (``header`` comments, then ``data``), its tables
    as CSV and ``manifest.json``, written at once (nothing half-written); ``draw(tmp)`` adds
    the report. The evaluation cache ``points/`` of an earlier run into ``target`` is kept
    (a later run resumes from it)."""
    import yaml

    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    with atomic_dir(target) as tmp:
        (tmp / "best.yaml").write_text(text, encoding="utf-8")
        for name, table in tables.items():
            table.to_csv(tmp / name, index=False)
        (tmp / "manifest.json").write_text(
            json.dumps(_manifest(manifest), indent=2, ensure_ascii=False, default=str)
        )
        if draw is not None:
            draw(tmp)
        if (target / "points").is_dir() and not (target / "points").is_symlink():
            (target / "points").rename(tmp / "points")
