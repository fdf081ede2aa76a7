"""Validation: the engine against queueing theory and a peer simulator (Ciw), and each
reform's shipped scenarios against the figures its source publishes.

Each case gives one row: the reference and its kind, the simulated mean with its
confidence interval over independent replications, whether it passed, and a ``result``
(``pass``, ``fail``, ``differs``, ``informs``). Theory and peer tolerances come from the
replications (Student t at 99.9 %, so that a correct engine fails one of ~60 checks with
probability ≈ 6 %), not from fixed percentages. Published figures are judged against
tolerances stated up front (:data:`sim.validation.published.TOLERANCES`): one outside its
tolerance fails the run like a theory check; one the model does not reproduce stays as a
``differs`` row whose note says why, and does not fail.

Part of the installed package: the example scenarios it needs ship in ``scenarios/`` here
(package data), and Ciw, a development dependency, is imported only by the peer checks
(:mod:`sim.validation.peer`), which without it say what to install.

=========================  ========================================================
``rows``                   a row of the table; how theory and peer rows are judged
``theory``                 Erlang C, M/M/c and M/G/1 mean waits (pure functions)
``cases``                  theory cases: M/M/c, M/G/1, skill pools, Little, hours
``peer``                   the same model in Ciw (imported lazily)
``published``              each reform's scenarios against its published figures
=========================  ========================================================

Pure computation: :func:`validate` returns a DataFrame; ``sim.store`` writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import pandas as pd

from sim.validation.cases import (
    hall_scenario,
    little_row,
    mg1_rows,
    mmc_rows,
    opening_hours_row,
    pools_rows,
    ticket_waits,
)
from sim.validation.peer import CIW_MISSING, ciw_available, peer_rows
from sim.validation.published import published_rows
from sim.validation.rows import COLUMNS, LEVEL, Row, info_row, peer_row, theory_row

__all__ = [
    "CIW_MISSING",
    "COLUMNS",
    "LEVEL",
    "Row",
    "hall_scenario",
    "info_row",
    "peer_row",
    "theory_row",
    "ticket_waits",
    "validate",
]


def validate(quick: bool = False, progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run every case; ``quick`` runs a subset with fewer, shorter replications. Published
    rows: 60 working days (the reforms' own horizon) × 2 replications quick, 250 × 5 full;
    a reform judged by directions runs at least 5 replications, one whose figures are a
    year's at least a year (:mod:`sim.validation.published`).

    Without Ciw the peer checks do not run: one row says what to install; it informs in a
    quick validation and fails a full one."""
    if quick:
        mmc = [(1, 0.5), (1, 0.8), (5, 0.8), (20, 0.95)]
        peer = [(1, 0.8), (5, 0.8)]
        reps, customers, published = 10, 6_000, (60, 2)
    else:
        mmc = [(c, load) for c in (1, 2, 5, 10, 20) for load in (0.5, 0.8, 0.95)]
        peer = [(c, load) for c in (1, 2, 5, 10, 20) for load in (0.5, 0.8, 0.95)]
        reps, customers, published = 10, 20_000, (250, 5)
    peer_label = "peer: Ciw"
    if not ciw_available():
        peer_label += f" ({'skipped' if quick else 'not run'}: {CIW_MISSING})"
        if progress and not quick:  # say so before the long part, not only at the end
            progress(f"{CIW_MISSING}: the peer checks will not run and the validation will fail")
    groups = [
        ("M/M/c against Erlang C", lambda: mmc_rows(mmc, reps, customers)),
        ("M/G/1 against Pollaczek–Khinchine", lambda: mg1_rows(reps, customers)),
        ("two skill pools", lambda: pools_rows(reps, customers)),
        ("Little's law", lambda: [little_row()]),
        ("opening hours", lambda: [opening_hours_row(reps)]),
        (peer_label, lambda: peer_rows(peer, reps, customers, required=not quick)),
        ("published figures", lambda: published_rows(*published)),
    ]
    rows = []
    for label, make in groups:
        if progress:
            progress(label)
        rows += [asdict(row) for row in make()]
    return pd.DataFrame(rows, columns=COLUMNS)
