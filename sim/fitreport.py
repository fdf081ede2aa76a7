"""Writing what ``countysim fit`` estimated: the scenario YAML with every fitted number
commented, and the fit report (``<out stem>-fit/fit-report.html`` with ``figures/``)."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim import plots
from sim.errors import OutputRefused
from sim.fit import FitResult
from sim.report import Figure, Report
from sim.store import _manifest, atomic_dir, check_out, slug, write_table

__all__ = ["HEADER", "check_yaml_out", "report_folder", "scenario_yaml", "write_fit"]

HEADER = "# Fitted by countysim fit"
"""First line of every YAML ``countysim fit`` writes (so it may replace it next time)."""


def _flow(value: Any) -> str:
    """A value on one line (YAML flow style; strings quoted as JSON, which YAML reads)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return yaml.safe_dump(value).split("\n")[0]
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, int) else f"{value:g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    return "[" + ", ".join(_flow(v) for v in value) + "]"


def _key(key: Any) -> str:
    """A mapping key: bare where YAML reads it back as the same text, else quoted."""
    text = str(key)
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text)
    special = text.lower() in ("yes", "no", "on", "off", "true", "false", "null", "y", "n")
    return text if plain and not special else _flow(text)


def _comment(text: str | None) -> str:
    return "" if not text else "   # " + " ".join(str(text).split())


def _emit(value: Any, path: tuple, indent: int, comments: dict, lines: list[str]) -> None:
    pad = " " * indent
    for key, v in value.items():
        here = (*path, key)
        note = _comment(comments.get(here))
        nested = isinstance(v, dict) and any(isinstance(x, dict | list) for x in v.values())
        keyed = isinstance(v, dict) and any(here + (k,) in comments for k in v)
        listed = isinstance(v, list) and v and isinstance(v[0], dict)
        if (nested or keyed) and not (isinstance(v, dict) and "dist" in v):
            lines.append(f"{pad}{_key(key)}:{note}")
            _emit(v, here, indent + 2, comments, lines)
        elif listed:
            lines.append(f"{pad}{_key(key)}:{note}")
            for i, entry in enumerate(v):
                entry_note = _comment(comments.get((*here, i)))
                if any((*here, i, k) in comments for k in entry) or any(
                    isinstance(x, list) and x and isinstance(x[0], dict) for x in entry.values()
                ):
                    sub: list[str] = []
                    _emit(entry, (*here, i), indent + 4, comments, sub)
                    first = sub[0].lstrip()
                    lines.append(f"{pad}  - {first}{entry_note if '#' not in first else ''}")
                    lines.extend(sub[1:])
                else:
                    lines.append(f"{pad}  - {_flow(entry)}{entry_note}")
        else:
            lines.append(f"{pad}{_key(key)}: {_flow(v)}{note}")


def scenario_yaml(result: FitResult, source: str) -> str:
    """The fitted scenario as YAML text, each fitted number commented with its estimate,
    95 % interval, sample size and method."""
    head = [
        f"{HEADER} from {source}.",
        "# Every fitted number is commented: estimate [95 % interval], n = sample size; method.",
        "# The fit report (fit-report.html in the -fit folder beside this file) shows the fits.",
    ]
    dropped = ", ".join(f"{n:,} {r}" for r, n in result.dropped.rows.items())
    head.append(
        f"# Rows read: {result.dropped.total:,}"
        + (f"; left out of some estimates: {dropped}" if dropped else "")
    )
    head += [f"# Note: {n}" for n in result.notes]
    lines: list[str] = []
    _emit(result.data, (), 0, result.comments, lines)
    return "\n".join(head + [""] + lines) + "\n"


def report_folder(out: Path) -> Path:
    """Where the fit report of ``out`` goes: ``<stem>-fit/`` beside it."""
    return out.with_name(f"{out.stem}-fit")


def check_yaml_out(out: Path, force: bool = False) -> None:
    """Refuse to overwrite a file countysim fit did not write (unless ``force``), and the
    report folder beside it as :func:`sim.store.check_out` would."""
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise OutputRefused(f"--out: expected a .yaml or .yml file name, got {out}")
    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise OutputRefused(f"{out}: exists and is not a file; name a new file")
    if out.exists() and not force:
        with open(out, encoding="utf-8", errors="replace") as f:
            if not f.read(len(HEADER)).startswith(HEADER):
                raise OutputRefused(
                    f"{out}: countysim fit did not write this file; name a new file, or add "
                    "--force to replace it"
                )
    check_out(report_folder(out), force)


# --- figures ------------------------------------------------------------------------------------


def _service_figure(result: FitResult, item: str) -> Figure:
    sf = result.service[item]
    x = sf.values
    fig = plots._figure(9, 3.4)
    ax, qq = fig.subplots(1, 2, width_ratios=[1.6, 1])
    top = float(np.quantile(x, 0.995))
    ax.hist(x[x <= top], bins=60, density=True, color="#ccc", label=f"observed (n = {x.size:,})")
    grid = np.linspace(top / 400, top, 400)
    for colour, (family, f) in zip(plots.COLOURS, sf.fits.items(), strict=False):
        ax.plot(
            grid,
            f.frozen().pdf(grid),
            color=colour,
            lw=2.2 if family == sf.best else 1,
            label=f"{family} (KS {f.ks:.3f}){' — chosen' if family == sf.chosen else ''}",
        )
    ax.set(xlabel="service time (min)", ylabel="density", title=f"{item}: service time")
    ax.legend()
    probs = (np.arange(1, 201) - 0.5) / 200
    observed = np.quantile(x, probs)
    if sf.chosen == "empirical":
        theory = np.quantile(sf.spec["values"], probs)
        label = "empirical quantiles"
    else:
        theory = sf.fits[sf.chosen].frozen().ppf(probs)
        label = sf.chosen
    qq.scatter(theory, observed, s=8, color=plots.COLOURS[0])
    hi = float(max(theory.max(), observed.max()))
    qq.plot([0, hi], [0, hi], color="#888", lw=1)
    qq.set(xlabel=f"{label} quantile (min)", ylabel="observed quantile (min)", title="Q-Q plot")
    caption = (
        f"{item}: histogram of {x.size:,} service times (end − call) with the four families "
        f"fitted by maximum likelihood; chosen: {sf.chosen}. Right: observed quantiles against "
        "the chosen distribution's (on the line: a good fit)."
    )
    return Figure(f"service-{slug(item)}", caption, fig)


def _hour_figure(result: FitResult) -> Figure:
    h = result.hours
    fig = plots._figure(7, 3.2)
    ax = fig.subplots()
    ax.bar(
        h["key"],
        h["weight"],
        color=plots.COLOURS[0],
        yerr=[h["weight"] - h["ci_low"], h["ci_high"] - h["weight"]],
        capsize=3,
    )
    ax.axhline(1, color="#888", lw=1)
    ax.set(
        xlabel="clock time (each bar: from this time to the next)",
        ylabel="relative arrivals per open minute",
        title="Arrivals by time of day (1 = the day's average; 95 % intervals)",
    )
    caption = (
        "demand.hour_profile: arrivals per open minute in each clock hour relative to the "
        "day's mean, with 95 % intervals."
    )
    return Figure("hour-profile", caption, fig)


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    t = table.copy()
    for c in ("estimate", "ci_low", "ci_high"):
        t[c] = [
            ("" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.4g}")
            for v in t[c]
        ]
    return t


def write_fit(result: FitResult, out: Path, source: str, force: bool = False) -> Path:
    """Write the scenario YAML ``out`` and the report folder beside it; returns the folder."""
    check_yaml_out(out, force)
    folder = report_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_dir(folder) as tmp:
        figures = [_service_figure(result, item) for item in result.service]
        if result.hours is not None and len(result.hours):
            figures.append(_hour_figure(result))
        tables = [("Estimates", _shown(result.table)), ("Rows left out", result.dropped.table())]
        if result.towns is not None:
            tables.append(
                ("Requests per town (the county-wide rate is what the scenario uses)", result.towns)
            )
        intro = [
            f"Scenario fitted from {source}: {out.name}. Each estimate with its 95 % interval "
            "(or goodness of fit) and sample size n.",
            *result.notes,
        ]
        Report(f"countysim fit: {result.data['name']}", intro, tables, figures).write(tmp)
        for f in figures:
            if not callable(f.figure):
                f.figure.clear()
        os.replace(tmp / "report.html", tmp / "fit-report.html")
        os.replace(tmp / "report.md", tmp / "fit-report.md")
        write_table(result.table, tmp / "estimates.csv")
        write_table(result.dropped.table(), tmp / "dropped.csv")
        manifest = _manifest({"kind": "fit", "source": source, "scenario": str(out)})
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    text = scenario_yaml(result, source)
    partial = out.with_name(f".{out.name}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, out)
    return folder
