"""Scenario files: YAML, ``extends``, ``towns_csv``, ``--set`` overrides, and clear errors.

Every problem becomes a line ``file:line: field.path: what was expected`` in a
:class:`ScenarioError`; the CLI prints those lines and exits 2. Line numbers are
tracked through ``extends`` chains: a field is reported where it was last written.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError, closest, shown
from sim.model.dists import DISTRIBUTIONS
from sim.scenario import ReferenceProblems, Scenario, deep_merge, entry_name

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


MAX_FILE_BYTES = 5_000_000
"""Largest scenario or towns CSV file read."""
MAX_YAML_NODES = 200_000
"""Most values a YAML text may hold once its aliases are expanded (alias bombs)."""


class _Loader(yaml.SafeLoader):
    """Safe YAML where ``14:00`` stays the string "14:00" (not YAML 1.1's base-60 number
    840), and a document may hold at most :data:`MAX_YAML_NODES` values with its aliases
    expanded, and no alias inside its own anchor."""

    def get_single_node(self) -> yaml.Node | None:
        try:
            node = super().get_single_node()
        except RecursionError:
            raise _TooBig("the YAML is nested too deeply") from None
        if node is not None:
            _expanded_size(node, {}, set())
        return node


class _TooBig(yaml.MarkedYAMLError):
    def __init__(self, problem: str, mark: yaml.Mark | None = None):
        super().__init__(problem=problem, problem_mark=mark)


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_: set[int]) -> int:
    """Values in ``node`` with aliases expanded (memoised: an alias bomb is counted, not
    built); raises :class:`_TooBig` past the limit or on an alias inside its anchor."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_:
        raise _TooBig("an alias is used inside its own anchor (recursive)", node.start_mark)
    open_.add(key)
    size = 1
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    else:
        children = node.value if isinstance(node, yaml.SequenceNode) else []
    for child in children:
        size += _expanded_size(child, sizes, open_)
        if size > MAX_YAML_NODES:
            raise _TooBig(
                f"more than {MAX_YAML_NODES:,} values once aliases are expanded", node.start_mark
            )
    open_.discard(key)
    sizes[key] = size
    return size


_Loader.yaml_implicit_resolvers = {
    key: list(value) for key, value in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _digit in "0123456789":
    _Loader.yaml_implicit_resolvers.setdefault(_digit, []).insert(
        0, ("tag:yaml.org,2002:str", re.compile(r"^\d+(:\d+)+$"))
    )


# --- reading files and YAML --------------------------------------------------------------------


class _Unreadable(ValueError):
    """Why a file cannot be used, with the line where that is known."""

    def __init__(self, reason: str, line: int | None = None):
        self.reason, self.line = reason, line
        super().__init__(reason)


class _NotText(_Unreadable):
    """Bytes that are not text in the expected encoding."""


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """The text of ``path``: a regular file (not a folder, device or pipe) of at most
    :data:`MAX_FILE_BYTES`, in ``encoding``; raises :class:`_Unreadable` saying why not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a pipe would block an open
    except FileNotFoundError:
        raise _Unreadable("file not found") from None
    except OSError as exc:
        raise _Unreadable(f"cannot open the file ({exc.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise _Unreadable("is a folder, not a file")
        raise _Unreadable("is not a regular file (a device, pipe or socket)")
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise _Unreadable(f"cannot read the file ({exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise _Unreadable(f"is larger than {MAX_FILE_BYTES / 1e6:g} MB")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _NotText(
            f"not {encoding.upper()} text (byte 0x{data[exc.start]:02x})",
            data[: exc.start].count(b"\n") + 1,
        ) from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """What is wrong, in a planner's words; never a snippet of the text."""
    problem = str(getattr(exc, "problem", None) or "")
    if isinstance(exc, yaml.reader.ReaderError):
        return f"a control character (#x{exc.character:04x}) is not allowed"
    if "expected <block end>" in problem:
        return "bad indentation: this line does not line up with the lines above it"
    if problem == "mapping values are not allowed here":
        return "unexpected 'key:' here: check the indentation, or quote a value that holds ': '"
    if "'\\t'" in problem:
        return "a tab character: indent with spaces"
    return f"malformed YAML: {problem or type(exc).__name__}"


def _parse_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """Data and node tree of a YAML text; :class:`_Unreadable` (with the line) if malformed."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # the reader checks the text when it is built
        raise _Unreadable(_yaml_problem(exc), text[: exc.position].count("\n") + 1) from None
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        raise _Unreadable(_yaml_problem(exc), mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()


def _read_yaml(path: Path) -> tuple[Any, dict[Loc, Where]]:
    try:
        data, node = _parse_yaml(read_text(path))
    except _Unreadable as exc:
        advice = "; save it as UTF-8" if isinstance(exc, _NotText) else ""
        raise ScenarioError([f"{_at((str(path), exc.line))}{exc.reason}{advice}"]) from None
    if not isinstance(data, dict):
        raise ScenarioError([f"{path}: expected a mapping of scenario fields at the top"])
    if data and not set(data) & {*_keys_at(()), "extends"}:  # never echo another file's text
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


def _dotted(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        name = str(part) if len(str(part)) <= 60 else f"{str(part)[:59]}…"
        out += f"[{part}]" if isinstance(part, int) else (f".{name}" if out else name)
    return out or "(top level)"


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
                town[key.strip()] = yaml.load(cell, Loader=_Loader)
            except yaml.YAMLError:
                town[key.strip()] = cell
        towns.append(town)
        lines[("geography", "towns", i)] = (str(path), line)
        for key in town:
            lines[("geography", "towns", i, key)] = (str(path), line)
    return towns, lines


def _at(where: Where) -> str:
    file, line = where
    return f"{file}:{line}: " if line else f"{file}: "


# --- --set overrides ----------------------------------------------------------------------------

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[([^\[\]]+)\]|(\.)")


class _Named(str):
    """``[County hall]`` in a path: the entry of a named list with that name (or id)."""


def _parse_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    pos, expect_name = 0, True
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if match is None:
            raise ValueError(f"cannot read {shown(path)} at {shown(path[pos:])}")
        name, index, entry, dot = match.groups()
        if dot is not None:
            if expect_name:
                raise ValueError(f"cannot read {shown(path)}: unexpected '.'")
            expect_name = True
        elif name is not None:
            if not expect_name:
                raise ValueError(f"cannot read {shown(path)}: missing '.' before {shown(name)}")
            parts.append(name)
            expect_name = False
        else:
            if expect_name:
                raise ValueError(f"cannot read {shown(path)}: an index must follow a name")
            parts.append(int(index) if index is not None else _Named(entry.strip()))
        pos = match.end()
    if not parts or expect_name:
        raise ValueError(
            f"cannot read {shown(path)}: expected a path like halls[0].windows[1].count "
            "or halls[County hall].windows[1].count"
        )
    return parts


def parse_set(text: str) -> tuple[str, Any]:
    """``"halls[0].windows[1].count=8"`` -> ``("halls[0].windows[1].count", 8)``."""
    if "=" not in text:
        raise ValueError(f"expected PATH=VALUE, got {shown(text)}")
    path, raw = text.split("=", 1)
    try:
        value = yaml.load(raw, Loader=_Loader) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise ValueError(f"cannot read the value of {path.strip()}: {_yaml_problem(exc)}") from None
    return path.strip(), value


def resolve_path(data: Any, path: str) -> Loc:
    """``path`` in ``data`` with names in brackets turned into list indices; ValueError
    (naming the path) if it cannot be set."""
    parts, node, out = _parse_path(path), data, []
    for part, after in zip(parts, [*parts[1:], None], strict=True):
        if isinstance(part, _Named | int):
            if not isinstance(node, list):
                raise ValueError(f"{path}: [{part}] indexes something that is not a list")
            if isinstance(part, _Named):
                names = [str(entry_name(e)) for e in node]
                if part not in names:
                    raise ValueError(f"{path}: no entry named {shown(part)}{closest(part, names)}")
                part = names.index(part)
            elif not part < len(node):
                raise ValueError(f"{path}: index [{part}] out of range (the list has {len(node)})")
        else:
            node = {} if node is None else node
            if not isinstance(node, dict):
                raise ValueError(
                    f"{path}: {part!r} names a field inside something that is not a mapping"
                )
            if node.get(part) is None and isinstance(after, int | _Named):
                raise ValueError(
                    f"{path}: there is no list {part!r} here{closest(part, list(node))}"
                )
        node = node[part] if isinstance(node, list) else node.get(part)
        out.append(part)
    return tuple(out)


def apply_set(data: Any, path: str, value: Any) -> Any:
    """A copy of ``data`` with the field at ``path`` (``a.b[2].c``, ``halls[Name].c``) set to
    ``value``."""
    return _set(data, resolve_path(data, path), value)


def _set(node: Any, loc: Loc, value: Any) -> Any:
    head, rest = loc[0], loc[1:]
    if isinstance(head, int):
        items = list(node)
        items[head] = _set(items[head], rest, value) if rest else value
        return items
    fields = dict(node or {})
    fields[head] = _set(fields.get(head), rest, value) if rest else value
    return fields


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


_ENTRY = {
    "halls": "hall",
    "towns": "town",
    "services": "item",
    "modes": "mode",
    "teams": "team",
    "departments": "department",
    "risk_classes": "risk class",
}


def _entry_of(data: Any, loc: Loc) -> str:
    """`` (hall 'Branch east')``: the innermost named entry ``loc`` lies in, or ''."""
    node, found = data, ""
    for before, part in zip((None, *loc), loc, strict=False):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and before in _ENTRY and entry_name(node) is not None:
            found = f" ({_ENTRY[before]} {shown(entry_name(node))})"
    return found


def _messages(exc: ValidationError, data: dict, lines: Mapping[Loc, Where], file: str):
    out = []
    for err in exc.errors():
        ctx = err.get("ctx") or {}
        if isinstance(ctx.get("error"), ReferenceProblems):
            for path, msg in ctx["error"].problems:
                loc = tuple(int(p) if p.isdigit() else p for p in re.findall(r"\w+", path))
                out.append(f"{_where(lines, loc, file)}{path}{_entry_of(data, loc)}: {msg}")
            continue
        loc = _data_loc(data, tuple(err["loc"]))
        kind, msg, value = err["type"], err["msg"], err.get("input")
        if kind == "extra_forbidden":
            keys = _keys_at(loc[:-1])
            hint = closest(str(loc[-1]), keys)
            msg = f"unknown key {shown(loc[-1])}{hint}; valid keys: {', '.join(keys)}"
        elif kind == "missing":
            msg = "required field is missing"
        elif kind == "dist":
            name = value.get("dist") if isinstance(value, dict) else None
            if isinstance(name, str):
                msg = f"unknown distribution {shown(name)}{closest(name, DISTRIBUTIONS)}; {msg}"
        else:
            msg = msg.removeprefix("Value error, ")
            for long, short in _PHRASES:
                msg = msg.replace(long, short)
            if isinstance(value, int | float | str | bool):
                msg += f", got {shown(value)}"
            if ctx.get("le") == 1 and isinstance(value, int | float) and 1 < value <= 100:
                msg += f" (did you mean {value / 100:g}?)"
        out.append(f"{_where(lines, loc, file)}{_dotted(loc)}{_entry_of(data, loc)}: {msg}")
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
    for source, key, value in changes:
        try:
            loc = resolve_path(data, key)
        except ValueError as exc:
            raise ScenarioError([f"{source}: {exc}"]) from None
        data = _set(data, loc, value)
        lines = {k: v for k, v in lines.items() if k[: len(loc)] != loc}
        for n in range(1, len(loc) + 1):  # new fields are blamed on the option
            lines.setdefault(loc[:n], (source, None))
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
