"""Reading scenario files safely: regular files only, a size limit, a declared encoding,
and YAML with ``14:00`` and ``2025-01-01`` kept as text and an alias/node limit (no alias
bombs)."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

__all__ = ["MAX_FILE_BYTES", "MAX_YAML_NODES", "YamlLoader", "read_text", "yaml_problem"]

MAX_FILE_BYTES = 5_000_000
"""Largest scenario or towns CSV file read."""
MAX_YAML_NODES = 200_000
"""Most values a YAML text may hold once its aliases are expanded (alias bombs)."""


class YamlLoader(yaml.SafeLoader):
    """Safe YAML where ``14:00`` stays the string "14:00" (not YAML 1.1's base-60 number
    840) and ``2025-01-01`` the string "2025-01-01" (the schema reads dates, so that a date
    that does not exist, 2025-02-30, is a field's error, not a crash of the YAML reader),
    and a document may hold at most :data:`MAX_YAML_NODES` values with its aliases expanded,
    and no alias inside its own anchor."""

    def get_single_node(self) -> yaml.Node | None:
        return _checked(super().get_single_node)


def _checked(compose: Callable[[], yaml.Node | None]) -> yaml.Node | None:
    """The document's node tree, refused when too deep, too big or recursive."""
    try:
        node = compose()
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


YamlLoader.yaml_implicit_resolvers = {
    key: [r for r in value if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, value in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _digit in "0123456789":
    YamlLoader.yaml_implicit_resolvers.setdefault(_digit, []).insert(
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


def yaml_problem(exc: yaml.YAMLError) -> str:
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


if hasattr(yaml, "CSafeLoader"):  # libyaml: the same loader, parsing in C (several times faster)

    class _FastLoader(yaml.CSafeLoader):  # type: ignore[name-defined,misc]
        yaml_implicit_resolvers = YamlLoader.yaml_implicit_resolvers

        def get_single_node(self) -> yaml.Node | None:
            return _checked(super().get_single_node)

    _LOADERS: tuple[type, ...] = (_FastLoader, YamlLoader)
else:  # pragma: no cover - PyYAML without libyaml
    _LOADERS = (YamlLoader,)


def parse_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """Data and node tree of a YAML text; :class:`_Unreadable` (with the line) if malformed.

    Parsed with libyaml where present; a text it refuses is parsed again by the Python
    loader, whose messages (and marks) the error reports are written for."""
    try:
        yaml.reader.Reader(text)  # the reader checks the text when it is built
    except yaml.reader.ReaderError as exc:
        raise _Unreadable(yaml_problem(exc), text[: exc.position].count("\n") + 1) from None
    if len(_LOADERS) > 1:
        fast = _LOADERS[0](text)
        try:
            node = fast.get_single_node()
            return (fast.construct_document(node) if node is not None else None), node
        except yaml.YAMLError:
            pass  # said again, with the Python loader's words, below
        finally:
            fast.dispose()
    loader = YamlLoader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        raise _Unreadable(yaml_problem(exc), mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()
