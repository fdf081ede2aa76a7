"""Changing a scenario's data: ``--set`` paths, deep merges (``extends``), grids, and the
translation of validation errors into ``file:line: field.path: what was expected``.

Works on plain data and on whatever pydantic model it is given: it imports no schema, so
the schema can use it (``Scenario.with_changes``) without a cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import ReferenceProblems, ScenarioError, closest, shown
from sim.model.dists import DISTRIBUTIONS
from sim.scenario.files import YamlLoader, yaml_problem

__all__ = [
    "apply_set",
    "deep_merge",
    "entry_name",
    "parse_grid",
    "parse_set",
    "resolve_path",
    "set_all",
    "validate_data",
    "with_changes",
]

Loc = tuple[str | int, ...]
Where = tuple[str, int | None]  # file, line (1-based) or None

FORMS: dict[Loc, tuple[tuple[str, ...], ...]] = {
    ("horizon",): (("days", "start_weekday"), ("start", "end")),
}
"""Mappings written in one of several forms (a horizon counts days or is a date range): a
later source (a variant, ``--set``) that writes keys of one form drops the keys of the
other forms from what it overrides, so a variant of a base with ``days`` may give dates.
Both forms in one source stay, and the schema refuses them."""


def _other_forms_dropped(base: dict, given: Iterable[Any], at: Loc) -> dict:
    """``base`` without the keys of the forms in ``FORMS[at]`` that ``given`` does not
    use, when ``given`` uses one of them."""
    forms, given = FORMS.get(at, ()), set(given)
    if not any(given & set(form) for form in forms):
        return base
    drop = {key for form in forms if not given & set(form) for key in form}
    return {k: v for k, v in base.items() if k not in drop}


def entry_name(entry: Any) -> Any:
    """The ``name`` (or ``id``) of an entry of a named list: text or a number, else None."""
    name = entry.get("name", entry.get("id")) if isinstance(entry, dict) else None
    return name if isinstance(name, str | int | float) else None


def deep_merge(
    base: Any, over: Any, moves: dict | None = None, _at: tuple = (), _to: tuple = ()
) -> Any:
    """Merge ``over`` onto ``base``.

    Mappings merge key by key. Lists whose entries all carry a ``name`` (or ``id``) in
    both merge entry by entry: an entry of ``over`` updates the base entry of the same
    name, new names are appended in order. Anything else replaces. ``moves``, if given,
    receives the path in the result of each entry of ``over`` that changed place.
    """
    if isinstance(base, dict) and isinstance(over, dict):
        merged = _other_forms_dropped(dict(base), over, _to)
        for key, value in over.items():
            if key in base:
                value = deep_merge(base[key], value, moves, (*_at, key), (*_to, key))
            merged[key] = value
        return merged
    if (
        isinstance(base, list)
        and isinstance(over, list)
        and base
        and over
        and all(entry_name(e) is not None for e in base + over)
    ):
        merged_list = list(base)
        position = {entry_name(e): i for i, e in enumerate(base)}
        for j, entry in enumerate(over):
            i = position.get(entry_name(entry), len(merged_list))
            if i == len(merged_list):
                merged_list.append(entry)
            else:
                merged_list[i] = deep_merge(merged_list[i], entry, moves, (*_at, j), (*_to, i))
            if moves is not None and (*_at, j) != (*_to, i):
                moves[(*_at, j)] = (*_to, i)
        return merged_list
    return over


def _dotted(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        name = str(part) if len(str(part)) <= 60 else f"{str(part)[:59]}…"
        out += f"[{part}]" if isinstance(part, int) else (f".{name}" if out else name)
    return out or "(top level)"


def _at(where: Where) -> str:
    file, line = where
    return f"{file}:{line}: " if line else f"{file}: "


# --- paths -----------------------------------------------------------------------------------

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
        value = yaml.load(raw, Loader=YamlLoader) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise ValueError(f"cannot read the value of {path.strip()}: {yaml_problem(exc)}") from None
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
    loc = resolve_path(data, path)
    return _drop_other_forms(_set(data, loc, value), loc)


def _drop_other_forms(data: Any, loc: Loc) -> Any:
    """``data`` after setting the field at ``loc``, with the other forms of its mapping
    dropped (:data:`FORMS`)."""
    at = tuple(loc[:-1])
    if at not in FORMS:
        return data
    node = data
    for part in at:
        node = node[part]
    kept = _other_forms_dropped(node, [loc[-1]], at)
    return data if kept == node else _set(data, at, kept)


def _set(node: Any, loc: Loc, value: Any) -> Any:
    head, rest = loc[0], loc[1:]
    if isinstance(head, int):
        items = list(node)
        items[head] = _set(items[head], rest, value) if rest else value
        return items
    fields = dict(node or {})
    fields[head] = _set(fields.get(head), rest, value) if rest else value
    return fields


def parse_grid(text: str) -> tuple[str, list[Any]]:
    """``"halls[0].windows[0].count=6,8,10"`` -> path and values (each read as YAML)."""
    if "=" not in text:
        raise ValueError(f"--grid: expected PATH=V1,V2,..., got {shown(text)}")
    path, raw = (part.strip() for part in text.split("=", 1))
    try:
        _parse_path(path)
        values = yaml.load(f"[{raw}]", Loader=YamlLoader)
    except ValueError as exc:
        raise ValueError(f"--grid {shown(text)}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"--grid {shown(text)}: {yaml_problem(exc)}") from None
    if not values:
        raise ValueError(f"--grid {path}: no values given")
    return path, values


def set_all(data: Any, changes: Iterable[tuple[str, str, Any]], lines: dict) -> tuple[Any, dict]:
    """Apply ``(source, path, value)`` changes (``--set``, ``--days`` ...) to ``data``;
    fields they create are blamed on their source in ``lines``."""
    for source, key, value in changes:
        try:
            loc = resolve_path(data, key)
        except ValueError as exc:
            raise ScenarioError([f"{source}: {exc}"]) from None
        data = _drop_other_forms(_set(data, loc, value), loc)
        lines = {k: v for k, v in lines.items() if k[: len(loc)] != loc}
        for n in range(1, len(loc) + 1):  # new fields are blamed on the option
            lines.setdefault(loc[:n], (source, None))
    return data, lines


def with_changes(scenario: BaseModel, changes: Mapping[str, Any]) -> Any:
    """A re-validated copy of ``scenario`` with ``changes`` (nested mappings, or paths as
    ``--set`` takes them) deep-merged over it."""
    data = scenario.to_data()
    for key, value in changes.items():
        if isinstance(value, dict) and "." not in key and "[" not in key:
            data = deep_merge(data, {key: value})
        else:
            try:
                data = apply_set(data, key, value)
            except ValueError as exc:
                raise ScenarioError([str(exc)]) from None
    return validate_data(type(scenario), data, "with_changes")


# --- validation errors -------------------------------------------------------------------------


def _models_in(tp: Any) -> list[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [m for arg in get_args(tp) for m in _models_in(arg)]


def _keys_at(root: type[BaseModel], loc: Loc) -> list[str]:
    """Valid keys of the model(s) at ``loc`` in ``root`` (for 'did you mean')."""
    models: list[type[BaseModel]] = [root]
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


def _messages(
    exc: ValidationError, root: type[BaseModel], data: dict, lines: Mapping[Loc, Where], file: str
) -> list[str]:
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
            keys = _keys_at(root, loc[:-1])
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


def validate_data(
    model: type[BaseModel], data: dict, source: str = "scenario", lines: Mapping[Loc, Where] = {}
) -> Any:
    """``model`` validated from plain data (as from YAML); problems raise
    :class:`ScenarioError`, one line each, at the file and line in ``lines``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_messages(exc, model, data, lines, source)) from None
