"""`make bench`, second part: what reports and data cost (issues 15 and 16).

(i) **Figures' share of a run**: `countysim run scenarios/example-baseline.yaml -r 5` with and
    without `--no-figures`, whole processes, in turns, best of 5 each (bytecode cached, as
    on an install); the figures and report must be at most 25 % of the run with them. (The
    report's drawing process, `sim.drawer`, starts with the command and does what needs no
    results while the replications run: what is left is the figures of the results.)
(j) **Fitting a county's ticket log of one million tickets**: the example baseline run for
    250 working days × 8 replications writes `tickets.csv` (≈ 1 M rows); `countysim fit`
    reads and fits it in a separate process: wall time (target < 60 s) and peak memory
    (the process's maximum resident set, reported).

Writes results/bench/data.json and data.md.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "bench"
BASELINE = ROOT / "scenarios" / "example-baseline.yaml"
TOWNS = ROOT / "scenarios" / "data" / "towns.csv"
COUNTYSIM = str(Path(sys.executable).with_name("countysim"))
FIGURES_SHARE_TARGET, FIT_TARGET_S = 0.25, 60.0


def _timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    return time.perf_counter() - start


def figures_share(n: int = 5) -> dict:
    """(i) Best of ``n`` for a default run with figures and with ``--no-figures``, taken in
    turns, with bytecode cached as on an ordinary install (``core.process_env``)."""
    from core import process_env

    env = process_env(bytecode_cache=True)
    with tempfile.TemporaryDirectory() as tmp:
        base = [COUNTYSIM, "run", str(BASELINE), "-r", "5", "-q", "--force"]
        _timed([*base, "--out", f"{tmp}/a"], env)  # writes the bytecode
        pairs = [
            (_timed([*base, "--out", f"{tmp}/a"], env),
             _timed([*base, "--out", f"{tmp}/b", "--no-figures"], env))
            for _ in range(n)
        ]  # fmt: skip
        with_figures = min(a for a, _ in pairs)
        without = min(b for _, b in pairs)
    share = (with_figures - without) / with_figures
    return {
        "command": "countysim run scenarios/example-baseline.yaml -r 5",
        "with_figures_s": round(with_figures, 2),
        "without_figures_s": round(without, 2),
        "figures_s": round(with_figures - without, 2),
        "share": round(share, 3),
    }


def fit_million(days: int = 250, replications: int = 8) -> dict:
    """(j) Write a ≈ 1 M-ticket log with the model, then time `countysim fit` on it."""
    tmp = Path(tempfile.mkdtemp(prefix="countysim-bench-"))
    try:
        subprocess.run(
            [COUNTYSIM, "run", str(BASELINE), "--days", str(days), "-r", str(replications),
             "--ticket-log", "--no-figures", "-q", "--out", str(tmp / "run")],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        log = tmp / "run" / "tickets.csv"
        rows = sum(1 for _ in log.open(encoding="utf-8")) - 1
        args = ["fit", str(log), "--out", str(tmp / "fitted.yaml")]
        if TOWNS.exists():
            args += ["--towns", str(TOWNS)]
        # the fit in its own process, which reports its own peak resident memory
        script = (
            "import resource, sys\nfrom sim.cli import app\ntry:\n    app(sys.argv[1:])\n"
            "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
        )
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", script, *args], check=True, capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        peak_kb = int(done.stderr.strip().splitlines()[-1])
        return {
            "tickets": rows,
            "file_mb": round(log.stat().st_size / 1e6, 1),
            "seconds": round(seconds, 1),
            "peak_rss_mb": round(peak_kb / 1024),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    import core

    OUT.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    share = figures_share()
    print(f"(i) figures: {share['share']:.0%} of the run", file=sys.stderr, flush=True)
    fitted = fit_million()
    print(f"(j) fit of {fitted['tickets']:,} tickets: {fitted['seconds']} s", file=sys.stderr)
    targets = {
        "figures <= 25% of run -r 5": share["share"] <= FIGURES_SHARE_TARGET,
        "fit of 1 M tickets < 60 s": fitted["seconds"] < FIT_TARGET_S,
    }
    result = {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "load_average_1_5_15_min": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },
        "figures_share": share,
        "fit_million": fitted,
        "targets": targets,
    }
    for folder in core._PYCACHE:
        shutil.rmtree(folder, ignore_errors=True)
    (OUT / "data.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    ok = {True: "met", False: "**MISSED**"}
    lines = [
        "# countysim bench: reports and data",
        "",
        "| measure | value | target | |",
        "|---|---|---|---|",
        f"| **(i)** run -r 5 with figures (best of 5) | {share['with_figures_s']} s | | |",
        f"| same with `--no-figures` | {share['without_figures_s']} s | | |",
        f"| figures and report, share of the run | {share['share']:.0%} | ≤ 25 % | "
        f"{ok[targets['figures <= 25% of run -r 5']]} |",
        f"| **(j)** `countysim fit` on {fitted['tickets']:,} tickets ({fitted['file_mb']} MB) | "
        f"{fitted['seconds']} s | < 60 s | {ok[targets['fit of 1 M tickets < 60 s']]} |",
        f"| its peak memory (resident) | {fitted['peak_rss_mb']:.0f} MB | (reported) | |",
        "",
        f"Load average before/after: {result['load_average_1_5_15_min']}",
    ]
    (OUT / "data.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
