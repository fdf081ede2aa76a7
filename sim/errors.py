"""The errors that mean bad input: the CLI prints their message and exits 2.

Kept apart and light so that every layer (scenario loading, experiments, the store, the
command line) can raise and catch them without importing one another.
"""

from __future__ import annotations

import difflib
from typing import Any

__all__ = ["BadInput", "OutputRefused", "ReferenceProblems", "ScenarioError", "closest", "shown"]


class ScenarioError(Exception):
    """Bad scenario input. ``lines`` each name the file, the field path and what was expected."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


class ReferenceProblems(ValueError):
    """Cross-reference problems, each with the field path it concerns."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in problems))


class OutputRefused(Exception):
    """An output folder countysim may not (re)place; the message says why."""


class BadInput(Exception):
    """A command-line value that is not a scenario problem."""


def closest(name: str, options: list[str] | tuple[str, ...]) -> str:
    """A ' (did you mean ...?)' hint, or ''."""
    near = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


def shown(value: Any, limit: int = 60) -> str:
    """``value`` as a message quotes it: YAML's words for booleans and null, text cut to
    ``limit`` characters (a pasted paragraph is not echoed whole)."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    text = format(value, ".10g") if isinstance(value, float) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
