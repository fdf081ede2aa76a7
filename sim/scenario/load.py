"""Scenario files: YAML, ``extends``, ``towns_csv``, ``--set`` overrides, and clear errors.

Every problem becomes a line ``file:line: field.path: what was expected`` in a
:class:`ScenarioError`; the CLI prints those lines and exits 2. Line numbers are
tracked through ``extends`` chains: a field is reported where it was last written.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError, shown
from sim.scenario.files import YamlLoader, _NotText, _Unreadable, parse_yaml, read_text
from sim.scenario.overrides import Loc, Where, _at, _dotted, deep_merge, parse_set, set_all
from sim.scenario.overrides import validate_data as validate_model
from sim.scenario.schema import Scenario

__all__ = ["days_option", "dump_scenario", "load_scenario", "validate_data"]


def _read_yaml(path: Path) -> tuple[Any, dict[Loc, Where]]:
    try:
        data, node = parse_yaml(read_text(path))
    except _Unreadable as exc:
        advice = "; save it as UTF-8" if isinstance(exc, _NotText) else ""
        raise ScenarioError([f"{_at((str(path), exc.line))}{exc.reason}{advice}"]) from None
    if not isinstance(data, dict):
        raise ScenarioError([f"{path}: expected a mapping of scenario fields at the top"])
    if data and not set(data) & {
        *Scenario.model_fields,
        "extends",
    }:  # never echo another file's text
        raise ScenarioError([f"{path}: not a scenario: no top-level key is a scenario field"])
    lines: dict[Loc, Where] = {}
    problems: list[str] = []
    _walk(node, (), str(path), lines, problems)
    if problems:
        raise ScenarioError(problems)
    return data, lines


def _walk(node: yaml.Node, loc: Loc, file: str, lines: dict[Loc, Where], problems: list[str]):
    lines[loc] = (file, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                problems.append(
                    f"{file}:{key_node.start_mark.line + 1}: {_dotted(loc + (key,))}: "
                    "key given twice"
                )
            seen.add(key)
            _walk(value_node, loc + (key,), file, lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, loc + (i,), file, lines, problems)


# --- extends and towns_csv ---------------------------------------------------------------------


def _resolve_file(
    path: Path, stack: tuple[Path, ...] = (), pointer: Where | None = None
) -> tuple[dict, dict[Loc, Where]]:
    """Data and line numbers of ``path`` (as the user wrote it: messages name it so) after
    its ``extends`` chain and ``towns_csv``. ``stack`` holds the files that extend it (to
    refuse cycles); ``pointer`` is the line naming it, where problems with the file itself
    are reported (never its text: it may be anything, e.g. /etc/shadow)."""
    if path.resolve() in {p.resolve() for p in stack}:
        chain = " -> ".join(p.name for p in (*stack, path))
        raise ScenarioError([f"{_at(pointer or (str(path), None))}extends: cycle {chain}"])
    try:
        data, lines = _read_yaml(path)
    except ScenarioError as exc:
        if pointer is None:
            raise
        raise ScenarioError([f"{_at(pointer)}extends: {line}" for line in exc.lines]) from None
    geography = data.get("geography")
    if isinstance(geography, dict) and {"towns_csv", "towns_csv_encoding"} & set(geography):
        data["geography"] = geography = dict(geography)
        where = lines.get(("geography",), (str(path), None))
        where = lines.get(("geography", "towns_csv"), where)
        if "towns" in geography:
            raise ScenarioError(
                [f"{_at(where)}geography.towns_csv: give towns or towns_csv, not both"]
            )
        encoding = geography.pop("towns_csv_encoding", "utf-8")
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError):
            at = lines.get(("geography", "towns_csv_encoding"), where)
            raise ScenarioError(
                [f"{_at(at)}geography.towns_csv_encoding: unknown encoding {shown(encoding)}"]
            ) from None
        csv_file = geography.pop("towns_csv", None)
        geography["towns"], csv_lines = _read_towns_csv(path.parent, csv_file, encoding, where)
        lines.update(csv_lines)
    if "extends" not in data:
        return data, lines
    parent, where = data.pop("extends"), lines[("extends",)]
    if isinstance(parent, str) and (path.parent / parent).is_dir():
        raise ScenarioError(
            [f"{_at(where)}extends: {path.parent / parent}: is a folder, not a file"]
        )
    if not isinstance(parent, str) or Path(parent).suffix.lower() not in (".yaml", ".yml"):
        raise ScenarioError(
            [f"{_at(where)}extends: expected a .yaml or .yml file name, got {shown(parent)}"]
        )
    base, base_lines = _resolve_file(path.parent / parent, (*stack, path), where)
    moves: dict[Loc, Loc] = {}
    merged = deep_merge(base, data, moves)
    return merged, {**base_lines, **{_moved(loc, moves): at for loc, at in lines.items()}}


def _moved(loc: Loc, moves: Mapping[Loc, Loc]) -> Loc:
    """Where ``loc`` of a variant is in the merged data (named entries merge by name)."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in moves:
            return moves[loc[:n]] + loc[n:]
    return loc


def _read_towns_csv(
    folder: Path, name: Any, encoding: str, where: Where
) -> tuple[list[dict], dict[Loc, Where]]:
    def refuse(reason: str) -> ScenarioError:
        return ScenarioError([f"{_at(where)}geography.towns_csv: {reason}"])

    if isinstance(name, str) and (folder / name).is_dir():
        raise refuse(f"{folder / name}: is a folder, not a file")
    if not isinstance(name, str) or Path(name).suffix.lower() != ".csv":
        raise refuse(f"expected a .csv file name, got {shown(name)}")
    path = folder / name
    try:
        text = read_text(path, encoding).removeprefix("\ufeff")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = [(row, reader.line_num) for row in reader]
    except _Unreadable as exc:
        advice = (
            "; save it as UTF-8, or name its encoding (towns_csv_encoding: gbk)"
            if isinstance(exc, _NotText)
            else ""
        )
        raise refuse(f"{_at((str(path), exc.line))}{exc.reason}{advice}") from None
    except csv.Error as exc:
        raise refuse(f"{path}:{reader.line_num}: not a readable CSV file ({exc})") from None
    if "name" not in [key.strip() for key in reader.fieldnames or []]:  # never echo its text
        raise refuse(f"{path}: expected a header row naming the town fields (name, population, …)")
    towns, lines = [], {}
    for i, (row, line) in enumerate(rows):
        town = {}
        for key, cell in row.items():
            if key is None or cell is None or cell.strip() == "":
                continue
            try:
                town[key.strip()] = yaml.load(cell, Loader=YamlLoader)
            except yaml.YAMLError:
                town[key.strip()] = cell
        towns.append(town)
        lines[("geography", "towns", i)] = (str(path), line)
        for key in town:
            lines[("geography", "towns", i, key)] = (str(path), line)
    return towns, lines


# --- the public functions ----------------------------------------------------------------------


def _overrides(overrides: Iterable[str] | Mapping[str, Any]) -> list[tuple[str, Any]]:
    if isinstance(overrides, Mapping):
        return list(overrides.items())
    pairs = []
    for text in overrides:
        try:
            pairs.append(parse_set(text))
        except ValueError as exc:
            raise ScenarioError([f"--set: {exc}"]) from None
    return pairs


def load_scenario(
    path: str | Path,
    set: Iterable[str] | Mapping[str, Any] = (),  # noqa: A002 (CLI's name)
    options: Mapping[str, tuple[str, Any]] = {},
) -> Scenario:
    """Read, merge (``extends``), override (``set``) and validate a scenario file.

    ``set`` holds ``"PATH=VALUE"`` strings as on the command line, or a mapping of
    path to value; ``options`` maps a command-line option to the field it sets, e.g.
    ``{"--days": ("horizon.days", 20)}``, so problems name the option. Raises
    :class:`ScenarioError` with one line per problem.
    """
    data, lines = _resolve_file(Path(path))
    changes = [("--set", *pair) for pair in _overrides(set)]
    changes += [(option, *change) for option, change in options.items()]
    data, lines = set_all(data, changes, lines)
    return validate_data(data, str(path), lines)


def days_option(
    path: str | Path,
    set: Iterable[str] | Mapping[str, Any] = (),  # noqa: A002 (CLI's name)
    days: int = 1,
) -> tuple[str, Any]:
    """The field ``--days N`` sets in the scenario at ``path`` (after ``set``): ``horizon.days``
    where the horizon counts days; with a date range, ``horizon.end`` moves to the range's
    N-th working day (the run is its first N working days). :class:`ScenarioError` if the
    range has fewer."""
    data, lines = _resolve_file(Path(path))
    data, _ = set_all(data, [("--set", *pair) for pair in _overrides(set)], lines)
    horizon = data.get("horizon")
    if not isinstance(horizon, dict) or all(horizon.get(k) is None for k in ("start", "end")):
        return "horizon.days", days
    dates = load_scenario(path, set).run_dates or ()
    if not 1 <= days <= len(dates):
        raise ScenarioError(
            [
                f"--days: expected 1 to {len(dates)} (the working days from "
                f"{horizon.get('start')} to {horizon.get('end')}), got {shown(days)}"
            ]
        )
    return "horizon.end", dates[days - 1].isoformat()


def validate_data(
    data: dict, source: str = "scenario", lines: Mapping[Loc, Where] = {}
) -> Scenario:
    """Validate plain data (as from YAML); problems raise :class:`ScenarioError`."""
    return validate_model(Scenario, data, source, lines)


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML, every field spelled out (``scenario.resolved.yaml``)."""
    return yaml.dump(  # the C dumper where libyaml is there: same text, faster
        scenario.to_data(),
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=100,
    )
