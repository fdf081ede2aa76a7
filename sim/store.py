"""Results folders: ``results/<scenario>-<stamp>/`` written atomically, and read back.

Files are written into a hidden temporary folder beside the target, which is
renamed into place only when everything is written: an interrupted run leaves no
folder that looks finished.
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
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from sim.loader import dump_scenario

if TYPE_CHECKING:
    from sim.experiment import Results

__all__ = ["slug", "write_run"]


def countysim_version() -> str:
    try:
        return version("countysim")
    except PackageNotFoundError:
        return "unknown"


def slug(name: str) -> str:
    """A folder-safe form of a scenario name (letters of any script kept)."""
    return re.sub(r"[^\w]+", "-", name, flags=re.UNICODE).strip("-").lower() or "scenario"


def _target(results: Results, out: str | Path | None, root: str | Path) -> Path:
    if out is not None:
        return Path(out)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{slug(results.scenario.name)}-{stamp}"
    target, n = base, 2
    while target.exists():
        target, n = base.with_name(f"{base.name}-{n}"), n + 1
    return target


def write_run(
    results: Results, out: str | Path | None = None, root: str | Path = "results"
) -> Path:
    """Write scenario.resolved.yaml, manifest.json, summary.csv, replications.csv and, when
    the run was logged, matters.parquet (and visits.parquet with enforcement). ``out``
    replaces an existing folder of that name."""
    target = _target(results, out, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        (tmp / "scenario.resolved.yaml").write_text(
            dump_scenario(results.scenario), encoding="utf-8"
        )
        manifest = {
            "countysim_version": countysim_version(),
            "scenario": results.scenario.name,
            "seed": results.seed,
            "replications": int(results.replications["replication"].nunique()),
            "wall_time_s": round(results.wall_s, 3),
            "host": platform.node(),
            "python": sys.version.split()[0],
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            **results.info,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        results.summary.to_csv(tmp / "summary.csv", index=False)
        results.replications.to_csv(tmp / "replications.csv", index=False)
        if results.matters is not None:
            results.matters.to_parquet(tmp / "matters.parquet", index=False)
        if results.visits is not None:
            results.visits.to_parquet(tmp / "visits.parquet", index=False)
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
    return target
