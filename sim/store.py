"""Results folders, written atomically and read back.

A run writes ``results/<scenario>-<stamp>/``; a comparison ``results/compare-<stamp>/``
with ``compare.csv`` and one run folder per scenario; a sweep its folder with
``sweep.csv`` and ``points/<key>/`` run folders. Every folder is written into a hidden
temporary folder beside the target and renamed into place only when complete: an
interrupted run leaves nothing that looks finished.
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
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.loader import dump_scenario, load_scenario

if TYPE_CHECKING:
    from sim.experiment import Comparison, Results

__all__ = [
    "atomic_dir",
    "load_results",
    "slug",
    "validation_markdown",
    "write_comparison",
    "write_run",
    "write_table",
    "write_validation",
]


def countysim_version() -> str:
    try:
        return version("countysim")
    except PackageNotFoundError:
        return "unknown"


def slug(name: str) -> str:
    """A folder-safe form of a scenario name (letters of any script kept)."""
    return re.sub(r"[^\w]+", "-", name, flags=re.UNICODE).strip("-").lower() or "scenario"


def _stamped(root: str | Path, name: str) -> Path:
    base = Path(root) / f"{slug(name)}-{time.strftime('%Y%m%d-%H%M%S')}"
    target, n = base, 2
    while target.exists():
        target, n = base.with_name(f"{base.name}-{n}"), n + 1
    return target


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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
    for name in ("distributions", "profiles"):
        table = getattr(results, name)
        if table is not None:
            table.to_csv(folder / f"{name}.csv", index=False)
    if results.matters is not None:
        results.matters.to_parquet(folder / "matters.parquet", index=False)
    if results.visits is not None:
        results.visits.to_parquet(folder / "visits.parquet", index=False)


def write_run(
    results: Results, out: str | Path | None = None, root: str | Path = "results"
) -> Path:
    """Write scenario.resolved.yaml, manifest.json, summary.csv, replications.csv and, when
    the run was logged, matters.parquet (and visits.parquet with enforcement). ``out``
    replaces an existing folder of that name."""
    target = Path(out) if out is not None else _stamped(root, results.scenario.name)
    with atomic_dir(target) as tmp:
        _write_files(results, tmp)
    return target


def write_comparison(
    comparison: Comparison, out: str | Path | None = None, root: str | Path = "results"
) -> Path:
    """``compare.csv`` and ``manifest.json``, and one run folder per scenario beside them."""
    target = Path(out) if out is not None else _stamped(root, "compare")
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
    return target


def _optional_csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.exists() else None


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
        matters=logs["matters"],
        visits=logs["visits"],
        wall_s=float(manifest.get("wall_time_s", 0.0)),
        info={k: v for k, v in manifest.items() if k not in known},
    )


def _num(value: float) -> str:
    if value is None or value != value:
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def validation_markdown(table: pd.DataFrame, title: str) -> str:
    """The validation table as Markdown, one section per group."""
    lines = [f"# {title}", ""]
    headings = {
        "theory": "Queueing theory (fails the run if the reference is outside the interval)",
        "peer": "Peer simulator: Ciw with the same parameters (fails the run if the "
        "difference's interval excludes 0)",
        "published": "Published figures (inform; do not fail)",
    }
    for group, rows in table.groupby("group", sort=False):
        lines += [
            f"## {headings.get(group, group)}",
            "",
            "| case | quantity | reference | kind | simulated [99.9% CI] | tolerance | result "
            "| note |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in rows.itertuples():
            note = "" if r.note != r.note else r.note  # NaN when read back from CSV
            case, note = (str(text).replace("|", "\\|") for text in (r.case, note))
            ci = "" if r.ci_low != r.ci_low else f" [{_num(r.ci_low)}, {_num(r.ci_high)}]"
            tolerance = "–" if r.tolerance != r.tolerance else f"±{_num(r.tolerance)}"
            result = {True: "pass", False: "**FAIL**"}.get(r.passed, "informs")
            lines.append(
                f"| {case} | {r.quantity} | {_num(r.reference)} | {r.reference_kind} | "
                f"{_num(r.simulated)}{ci} | {tolerance} | {result} | {note} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_validation(table: pd.DataFrame, out: str | Path, title: str) -> Path:
    """validation.csv and validation.md, atomically."""
    target = Path(out)
    with atomic_dir(target) as tmp:
        table.to_csv(tmp / "validation.csv", index=False)
        (tmp / "validation.md").write_text(validation_markdown(table, title), encoding="utf-8")
    return target
