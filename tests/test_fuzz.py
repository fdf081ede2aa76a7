"""Fuzz: mutated scenarios through ``check`` and a one-day ``run``, in-process.

A seeded generator edits the two example scenarios: a field of the schema set to an odd
value or removed, a list entry dropped or repeated, the YAML text corrupted (lines
dropped, shifted, swapped, cut, control characters, tabs, aliases), or a hostile path in
``extends`` or ``towns_csv``. Every case must end in exit 0 or 2 without a traceback;
``check`` ok must mean ``run`` ok; and an exit-0 run's numbers must be sane. A quick
sample runs with the suite, a few hundred cases in the slow set (``make validate``).
"""

from __future__ import annotations

import math
import os
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario import apply_set
from tests.conftest import SCENARIOS

runner = CliRunner()

ODD_VALUES: list[Any] = [
    0, -1, 1, 2, 0.5, 35, 1e-300, 1e300, 1e12, math.nan, math.inf, -math.inf, True, None,
    "", "x", "[/x] :100: [bold]b[/bold]", "24:00", "25:61", [], {}, [1, 2], 10**20,
    {"dist": "weibul", "mean": 3}, {"dist": "exponential", "mean": 0},
    {"dist": "empirical", "values": [math.nan]}, {"dist": "empirical", "values": [1e12]},
    {"dist": "empirical", "values": [1, 2], "weights": [0, 0]},
]  # fmt: skip
HOSTILE_PATHS = [
    ("extends", "/dev/zero"),
    ("extends", "/proc/self/environ"),
    ("extends", "."),
    ("extends", "pipe.yaml"),
    ("extends", "folder.yaml"),
    ("extends", "fuzz.yaml"),  # itself: a cycle
    ("geography.towns_csv", "."),
    ("geography.towns_csv", "/dev/null"),
    ("geography.towns_csv", "pipe.csv"),
    ("geography.towns_csv", "latin1.csv"),
]


def _paths(node: Any, at: str = "") -> list[str]:
    """Every field path in ``node`` (``a.b[2].c``), containers included (keys that are no
    names, such as the hour profile's clock times, are left out)."""
    out = [at] if at else []
    if isinstance(node, dict):
        for key, value in node.items():
            if re.fullmatch(r"[A-Za-z_]\w*", str(key)):
                out += _paths(value, f"{at}.{key}" if at else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, f"{at}[{i}]")
    return out


def _drop(data: dict, path: str) -> dict:
    """``data`` without the field or list entry at ``path``."""
    if path.endswith("]"):
        parent, _, index = path[:-1].rpartition("[")
        items = list(_get(data, parent))
        del items[int(index)]
        return apply_set(data, parent, items)
    parent, _, key = path.rpartition(".")
    fields = {k: v for k, v in _get(data, parent).items() if k != key}
    return apply_set(data, parent, fields) if parent else fields


def _get(data: Any, path: str) -> Any:
    node = data
    for part in path.replace("[", ".[").split("."):
        if part:
            node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    return node


def _text_mutation(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    i = rng.randrange(len(lines))
    kind = rng.choice(["drop", "repeat", "indent", "dedent", "swap", "cut", "control", "tab"])
    if kind == "drop":
        del lines[i]
    elif kind == "repeat":
        lines.insert(i, lines[i])
    elif kind == "indent":
        lines[i] = " " * rng.choice([1, 2, 3]) + lines[i]
    elif kind == "dedent":
        lines[i] = lines[i].lstrip()
    elif kind == "swap":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "cut":
        return text[: rng.randrange(len(text))]
    elif kind == "control":
        lines[i] = lines[i] + chr(rng.choice([0, 1, 7, 27, 127]))
    else:
        lines[i] = "\t" + lines[i]
    return "\n".join(lines) + "\n"


def mutate(rng: random.Random, folder: Path) -> tuple[Path, str]:
    """Write one mutated scenario into ``folder``; return it and what was done."""
    example = rng.choice(["example-baseline.yaml", "example-same-power.yaml"])
    source = SCENARIOS / example
    target = folder / "fuzz.yaml"
    kind = rng.choices(["value", "drop", "repeat", "text", "hostile"], [6, 2, 1, 3, 1])[0]
    if kind == "text":
        text = source.read_text(encoding="utf-8")
        base = SCENARIOS / "example-baseline.yaml"  # the variant's extends, from here
        text = text.replace("extends: example-baseline.yaml", f"extends: {base}")
        text = _text_mutation(rng, text)
        target.write_text(text, encoding="utf-8")
        return target, f"text of {example}"
    data = yaml.load(source.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    if "extends" in data:
        data["extends"] = str(SCENARIOS / data["extends"])
    paths = _paths(data)
    if kind == "hostile":
        field, value = rng.choice(HOSTILE_PATHS)
        if field.endswith("towns_csv"):
            data["geography"] = {"towns_csv": value}
        else:
            data["extends"] = value
        what = f"{field}: {value}"
    else:
        path = rng.choice(paths)
        if kind == "value":
            value = rng.choice(ODD_VALUES)
            data = apply_set(data, path, value)
            what = f"{path} = {value!r}"
        elif kind == "drop":
            data = _drop(data, path)
            what = f"without {path}"
        else:
            lists = [p for p in paths if isinstance(_get(data, p), list) and _get(data, p)]
            path = rng.choice(lists)
            items = _get(data, path)
            data = apply_set(data, path, [*items, items[rng.randrange(len(items))]])
            what = f"{path}: an entry repeated"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target, f"{example}: {what}"


@pytest.fixture
def playground(tmp_path: Path) -> Path:
    """A folder with the odd files hostile paths name."""
    os.mkfifo(tmp_path / "pipe.yaml")
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "latin1.csv").write_bytes(
        "name,population,x_km,y_km\nZhuhé,1,0,0\n".encode("latin-1")
    )
    return tmp_path


def _sane(out: Path) -> None:
    """An exit-0 run's numbers: finite, utilisation ≤ 1, every request accounted for."""
    summary = pd.read_csv(out / "summary.csv")
    numbers = summary[["mean", "ci_low", "ci_high"]].to_numpy(dtype=float)
    assert not (numbers == math.inf).any() and not (numbers == -math.inf).any()
    util = summary[summary.metric.isin(["window_utilisation", "team_utilisation"])]["mean"]
    assert (util.dropna() <= 1 + 1e-9).all(), summary[summary.metric == "window_utilisation"]
    reps = pd.read_csv(out / "replications.csv")
    for r in reps[reps.scope == "all"].itertuples():
        assert r.completed + r.in_system == r.in_person
        if r.matters:
            channels = r.matters * (1 - r.share_online - r.share_station)
            assert channels == pytest.approx(r.in_person, abs=1e-6 * r.matters + 1e-6)


def fuzz(seed: int, cases: int, folder: Path) -> Counter:
    """Run ``cases`` mutations from ``seed``; assert on each; return the outcome counts."""
    rng = random.Random(seed)
    counts: Counter = Counter()
    days = ["--set", "horizon.days=1"]
    for case in range(cases):
        path, what = mutate(rng, folder)
        label = f"case {case} (seed {seed}): {what}"
        checked = runner.invoke(app, ["check", str(path), *days])
        out = folder / f"out-{case}"
        ran = runner.invoke(
            app,
            ["run", str(path), *days, "-r", "1", "--executor", "serial", "--no-figures"]
            + ["--quiet", "--out", str(out)],
        )
        for result in (checked, ran):
            assert result.exit_code in (0, 2), f"{label}\n{result.output}"
            assert "Traceback" not in result.output, f"{label}\n{result.output}"
            if result.exit_code == 2:  # a clear message naming the file (or option)
                first = result.output.splitlines()[0]
                assert first.startswith("error: "), f"{label}\n{result.output}"
                assert ".yaml" in first or "--set" in first, f"{label}\n{result.output}"
        if checked.exit_code == 0:
            assert ran.exit_code == 0, f"{label}: check ok, run failed\n{ran.output}"
        if ran.exit_code == 0:
            _sane(out)
        else:
            assert not out.exists(), label
        counts["exit 0" if ran.exit_code == 0 else "exit 2"] += 1
        counts[f"check {checked.exit_code}"] += 1
    return counts


def test_fuzz_quick_sample(playground: Path) -> None:
    counts = fuzz(seed=2025, cases=12, folder=playground)
    assert counts["exit 0"] and counts["exit 2"]  # both sides reached (4 and 8 today)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_fuzz_many(playground: Path, seed: int) -> None:
    counts = fuzz(seed=seed, cases=100, folder=playground)
    print(f"seed {seed}: {dict(counts)}")
    assert counts["exit 0"] + counts["exit 2"] == 100
    assert counts["exit 0"] and counts["exit 2"]  # the generator reaches both sides
