"""Scenario files: YAML, ``extends``, ``towns_csv``, ``--set`` overrides, and clear errors.

Every problem becomes a line ``file:line: field.path: what was expected`` in a
:class:`ScenarioError`; the CLI prints those lines and exits 2. Line numbers are
tracked through ``extends`` chains: a field is reported where it was last written.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from sim.scenario import ReferenceProblems, Scenario, closest, deep_merge

__all__ = [
    "ScenarioError",
    "apply_set",
    "dump_scenario",
    "load_scenario",
    "parse_set",
    "validate_data",
]

Loc = tuple[str | int, ...]
Where = tuple[str, int | None]  # file, line (1-based) or None


class ScenarioError(Exception):
    """Bad scenario input. ``lines`` each name the file, the field path and what was expected."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


class _Loader(yaml.SafeLoader):
    """Safe YAML where ``14:00`` stays the string "14:00" (not YAML 1.1's base-60 number 840)."""


_Loader.yaml_implicit_resolvers = {
    key: list(value) for key, value in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _digit in "0123456789":
    _Loader.yaml_implicit_resolvers.setdefault(_digit, []).insert(
        0, ("tag:yaml.org,2002:str", re.compile(r"^\d+(:\d+)+$"))
    )


# --- reading YAML with line numbers ------------------------------------------------------------


def _read_yaml(path: Path) -> tuple[Any, dict[Loc, Where]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read the file ({exc})"]) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"{where}: malformed YAML: {problem}"]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ScenarioError([f"{path}: expected a mapping of scenario fields at the top"])
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


def _dotted(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


# --- extends and towns_csv ---------------------------------------------------------------------


def _resolve_file(path: Path, stack: tuple[Path, ...]) -> tuple[dict, dict[Loc, Where]]:
    """``path`` as the user wrote it (messages name it so); ``stack`` holds the resolved
    paths of the files that extend it (to refuse cycles)."""
    if path.resolve() in {p.resolve() for p in stack}:
        chain = " -> ".join(p.name for p in (*stack, path))
        raise ScenarioError([f"{stack[-1]}: extends: cycle {chain}"])
    data, lines = _read_yaml(path)
    towns_csv = (
        data.get("geography", {}).get("towns_csv")
        if isinstance(data.get("geography"), dict)
        else None
    )
    if towns_csv is not None:
        data["geography"] = dict(data["geography"])
        del data["geography"]["towns_csv"]
        where = lines.get(("geography", "towns_csv"), (str(path), None))
        if "towns" in data["geography"]:
            raise ScenarioError(
                [f"{_at(where)}geography.towns_csv: give towns or towns_csv, not both"]
            )
        data["geography"]["towns"], csv_lines = _read_towns_csv(path.parent / str(towns_csv), where)
        lines.update(csv_lines)
    parent = data.pop("extends", None)
    if parent is None:
        return data, lines
    if not isinstance(parent, str):
        raise ScenarioError([f"{_at(lines[('extends',)])}extends: expected a file name"])
    base_path = path.parent / parent
    if not base_path.exists():
        raise ScenarioError(
            [f"{_at(lines[('extends',)])}extends: file {str(base_path)!r} not found"]
        )
    base, base_lines = _resolve_file(base_path, (*stack, path))
    return deep_merge(base, data), {**base_lines, **lines}


def _read_towns_csv(path: Path, where: Where) -> tuple[list[dict], dict[Loc, Where]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except OSError:
        raise ScenarioError(
            [f"{_at(where)}geography.towns_csv: file {str(path)!r} not found"]
        ) from None
    towns, lines = [], {}
    for i, row in enumerate(rows):
        town = {}
        for key, cell in row.items():
            if key is None or cell is None or cell.strip() == "":
                continue
            try:
                town[key.strip()] = yaml.load(cell, Loader=_Loader)
            except yaml.YAMLError:
                town[key.strip()] = cell
        towns.append(town)
        lines[("geography", "towns", i)] = (str(path), i + 2)
        for key in town:
            lines[("geography", "towns", i, key)] = (str(path), i + 2)
    return towns, lines


def _at(where: Where) -> str:
    file, line = where
    return f"{file}:{line}: " if line else f"{file}: "


# --- --set overrides ----------------------------------------------------------------------------

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|(\.)")


def _parse_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    pos, expect_name = 0, True
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if match is None:
            raise ValueError(f"cannot read {path!r} at {path[pos:]!r}")
        name, index, dot = match.groups()
        if name is not None:
            if not expect_name:
                raise ValueError(f"cannot read {path!r}: missing '.' before {name!r}")
            parts.append(name)
            expect_name = False
        elif index is not None:
            if expect_name:
                raise ValueError(f"cannot read {path!r}: an index must follow a name")
            parts.append(int(index))
        else:
            if expect_name:
                raise ValueError(f"cannot read {path!r}: unexpected '.'")
            expect_name = True
        pos = match.end()
    if not parts or expect_name:
        raise ValueError(f"cannot read {path!r}: expected a path like halls[0].windows[1].count")
    return parts


def parse_set(text: str) -> tuple[str, Any]:
    """``"halls[0].windows[1].count=8"`` -> ``("halls[0].windows[1].count", 8)``."""
    if "=" not in text:
        raise ValueError(f"expected PATH=VALUE, got {text!r}")
    path, raw = text.split("=", 1)
    try:
        value = yaml.load(raw, Loader=_Loader) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise ValueError(f"cannot read the value of {path.strip()}: {exc}") from None
    return path.strip(), value


def apply_set(data: Any, path: str, value: Any) -> Any:
    """A copy of ``data`` with the field at ``path`` (``a.b[2].c``) set to ``value``."""
    parts = _parse_path(path)
    return _set(data, parts, value, path)


def _set(node: Any, parts: list[str | int], value: Any, path: str) -> Any:
    head, rest = parts[0], parts[1:]
    if isinstance(head, int):
        if not isinstance(node, list):
            raise ValueError(f"{path}: [{head}] indexes something that is not a list")
        if not 0 <= head < len(node):
            raise ValueError(f"{path}: index [{head}] out of range (the list has {len(node)})")
        copy = list(node)
        copy[head] = _set(copy[head], rest, value, path) if rest else value
        return copy
    if node is None:
        node = {}
    if not isinstance(node, dict):
        raise ValueError(f"{path}: {head!r} names a field inside something that is not a mapping")
    copy = dict(node)
    copy[head] = _set(copy.get(head), rest, value, path) if rest else value
    return copy


# --- validation errors -------------------------------------------------------------------------


def _models_in(tp: Any) -> list[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [m for arg in get_args(tp) for m in _models_in(arg)]


def _keys_at(loc: Loc) -> list[str]:
    """Valid keys of the model(s) at ``loc`` (for 'did you mean')."""
    models: list[type[BaseModel]] = [Scenario]
    for part in loc:
        if isinstance(part, int):
            continue
        nxt = []
        for model in models:
            for name, field in model.model_fields.items():
                if part in (name, field.alias):
                    nxt += _models_in(field.annotation)
        if nxt:
            models = nxt
    return sorted({f.alias or n for m in models for n, f in m.model_fields.items()})


def _data_loc(data: Any, loc: Loc) -> Loc:
    """Keep the parts of a pydantic loc that exist in the data (drop union tags)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            out.append(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            out.append(part)
        elif isinstance(node, dict | list):
            if part == loc[-1] and isinstance(part, str):
                out.append(part)  # a missing or unknown key: name it
            continue
    return tuple(out)


def _where(lines: Mapping[Loc, Where], loc: Loc, default: str) -> str:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return _at(lines[loc[:n]])
    return f"{default}: "


_PHRASES = [
    ("Input should be greater than or equal to", "must be ≥"),
    ("Input should be greater than", "must be >"),
    ("Input should be less than or equal to", "must be ≤"),
    ("Input should be less than", "must be <"),
    ("Input should be", "must be"),
]


def _messages(exc: ValidationError, data: dict, lines: Mapping[Loc, Where], file: str):
    out = []
    for err in exc.errors():
        ctx_error = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_error, ReferenceProblems):
            for path, msg in ctx_error.problems:
                loc = tuple(int(p) if p.isdigit() else p for p in re.findall(r"\w+", path))
                out.append(f"{_where(lines, loc, file)}{path}: {msg}")
            continue
        loc = _data_loc(data, tuple(err["loc"]))
        kind, msg = err["type"], err["msg"]
        if kind == "extra_forbidden":
            keys = _keys_at(loc[:-1])
            hint = closest(str(loc[-1]), keys)
            msg = f"unknown key {loc[-1]!r}{hint}; valid keys: {', '.join(keys)}"
        elif kind == "missing":
            msg = "required field is missing"
        else:
            msg = msg.removeprefix("Value error, ")
            for long, short in _PHRASES:
                msg = msg.replace(long, short)
            value = err.get("input")
            if isinstance(value, int | float | str | bool) and kind != "dist":
                msg += f", got {value!r}"
        out.append(f"{_where(lines, loc, file)}{_dotted(loc)}: {msg}")
    return out


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
) -> Scenario:
    """Read, merge (``extends``), override (``set``) and validate a scenario file.

    ``set`` holds ``"PATH=VALUE"`` strings as on the command line, or a mapping of
    path to value. Raises :class:`ScenarioError` with one line per problem.
    """
    path = Path(path)
    data, lines = _resolve_file(path, ())
    for key, value in _overrides(set):
        try:
            parts = tuple(_parse_path(key))
            data = apply_set(data, key, value)
        except ValueError as exc:
            raise ScenarioError([f"--set: {exc}"]) from None
        lines = {k: v for k, v in lines.items() if k[: len(parts)] != parts}
        lines[parts] = ("--set", None)
    return validate_data(data, str(path), lines)


def validate_data(
    data: dict, source: str = "scenario", lines: Mapping[Loc, Where] = {}
) -> Scenario:
    """Validate plain data (as from YAML); problems raise :class:`ScenarioError`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_messages(exc, data, lines, source)) from None


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML, every field spelled out (``scenario.resolved.yaml``)."""
    return yaml.safe_dump(
        scenario.to_data(), sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )
