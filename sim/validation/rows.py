"""One line of the validation table, and how a theory, peer or published row is judged.

Tolerances come from the replications: a theory row passes when the reference lies in the
99.9 % Student-t interval of the replication means; a peer row when the Welch interval of the
difference of means holds 0. Published rows are judged against tolerances stated up front
(:mod:`sim.validation.published`) and fail like the others; a published figure the model
does not reproduce stays as a ``differs`` row that says why and cannot fail.

Every row has a ``result``: ``pass``, ``fail``, ``differs`` (not judged, the note says why)
or ``informs`` (not judged: a skipped check, a figure shown beside the simulated one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import stdtrit

from sim.stats import half_width

__all__ = ["COLUMNS", "LEVEL", "RESULTS", "Row", "info_row", "peer_row", "result", "theory_row"]

LEVEL = 0.999
"""So that a correct engine fails one of ~60 checks with probability ≈ 6 %."""
COLUMNS = [
    "group",
    "case",
    "quantity",
    "reference",
    "reference_kind",
    "simulated",
    "ci_low",
    "ci_high",
    "tolerance",
    "passed",
    "result",
    "note",
]
RESULTS = ("pass", "fail", "differs", "informs")
"""The ``result`` of a row; only ``fail`` fails the validation."""


def result(passed: bool | None, note: str = "") -> str:
    """``pass`` / ``fail`` for a judged row; for one that is not (``passed`` None or NaN, as
    read back from a CSV), ``differs`` when its note starts ``differs:``, else ``informs``."""
    if passed is None or passed != passed:  # NaN: not judged, read back from a CSV
        return "differs" if isinstance(note, str) and note.startswith("differs:") else "informs"
    return "pass" if passed else "fail"


@dataclass
class Row:
    """One line of the validation table."""

    group: str
    case: str
    quantity: str
    reference: float
    reference_kind: str
    simulated: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    tolerance: float = math.nan
    passed: bool | None = None
    """None: the row is not judged (it differs or informs), it cannot fail."""
    note: str = ""
    result: str = field(default="", init=False)
    """Set from ``passed`` and ``note`` (:func:`result`)."""

    def __post_init__(self) -> None:
        self.result = result(self.passed, self.note)


def _interval(values: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    v = np.asarray(values, dtype=float)
    half = half_width(v.std(ddof=1), v.size, level)
    return float(v.mean()), float(v.mean() - half), float(v.mean() + half)


def theory_row(
    case: str, quantity: str, reference: float, kind: str, values: np.ndarray, note: str = ""
) -> Row:
    """Passes when the reference lies in the replications' interval."""
    mean, low, high = _interval(values)
    return Row(
        "theory",
        case,
        quantity,
        reference,
        kind,
        mean,
        low,
        high,
        (high - low) / 2,
        bool(low <= reference <= high),
        note,
    )


def peer_row(case: str, quantity: str, ours: np.ndarray, theirs: np.ndarray) -> Row:
    """Passes when the interval of the difference of means (Welch) holds 0."""
    a, b = np.asarray(ours, float), np.asarray(theirs, float)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1)) if va + vb else 1.0
    half = float(stdtrit(df, 0.5 + LEVEL / 2)) * math.sqrt(va + vb)
    d = a.mean() - b.mean()
    mean, low, high = _interval(a)
    return Row(
        "peer",
        case,
        quantity,
        float(b.mean()),
        "Ciw (same model)",
        mean,
        low,
        high,
        half,
        bool(abs(d) <= half),
        f"countysim − Ciw = {d:+.3g} ± {half:.3g} ({a.size} replications each)",
    )


def info_row(
    case: str, quantity: str, reference: float, kind: str, simulated: float, note: str = ""
) -> Row:
    """A figure beside the simulated one, not judged: informs, never fails."""
    return Row("published", case, quantity, reference, kind, simulated, note=note)
