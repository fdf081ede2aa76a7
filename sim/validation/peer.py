"""The engine against a peer simulator, Ciw, running the same model.

Ciw is a development dependency, imported only here and only when the peer checks run. Without
it the checks are not run: :func:`peer_rows` gives one row that says what to install — a row
that informs in a quick validation and fails a full one (a full validation claims agreement
with the peer, which it cannot do without it).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from sim.validation.cases import DAY, MEAN_SERVICE, hall_scenario, run_lengths, ticket_waits
from sim.validation.rows import Row, peer_row

__all__ = ["CIW_MISSING", "ciw_available", "ciw_waits", "peer_rows"]

CIW_MISSING = "Ciw is not installed: pip install ciw (or pip install 'countysim[dev]')"


def ciw_available() -> bool:
    """Whether Ciw can be imported."""
    try:
        import ciw  # noqa: F401
    except ImportError:
        return False
    return True


def ciw_waits(
    c_specialised: int, c_shared: int, rates: tuple[float, float], days: int, warm: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Run Ciw: class 0 may use every window, class 1 only the shared ones (ids above
    ``c_specialised``): a new customer takes the most specialised free window it may use,
    a freed window the oldest customer it may serve — the rule countysim's halls follow."""
    import ciw

    def may_serve(server, ind) -> bool:
        return server.id_number > c_specialised or ind.customer_class == "Class 0"

    class SkillNode(ciw.Node):
        def find_free_server(self, ind):
            for server in self.servers:  # specialised windows come first (lower ids)
                if not server.busy and may_serve(server, ind):
                    return server
            return None

        def begin_service_if_possible_accept(self, ind):
            ind.arrival_date = self.now
            server = self.find_free_server(ind)
            if server is not None:
                self._start(server, ind)

        def begin_service_if_possible_release(self, next_individual, server):
            if server is None or server not in self.servers:
                return
            waiting = [
                i
                for group in self.individuals
                for i in group
                if not i.server and may_serve(server, i)
            ]
            if waiting:
                self._start(server, min(waiting, key=lambda i: i.arrival_date))

        def _start(self, server, ind):
            self.attach_server(server, ind)
            ind.service_start_date = self.now
            ind.service_time = self.get_service_time(ind)
            ind.service_end_date = self.now + ind.service_time
            server.next_end_service_date = ind.service_end_date
            self.number_in_service += 1

    service = ciw.dists.Exponential(rate=1 / MEAN_SERVICE)
    classes = {"Class 0": rates[0], "Class 1": rates[1]}
    network = ciw.create_network(
        arrival_distributions={
            name: [ciw.dists.Exponential(rate=rate) if rate else None]
            for name, rate in classes.items()
        },
        service_distributions={name: [service] for name in classes},
        number_of_servers=[c_specialised + c_shared],
    )
    ciw.seed(1000 + k)
    sim = ciw.Simulation(network, node_class=SkillNode)
    sim.simulate_until_max_time(days * DAY)
    records = [r for r in sim.get_all_records() if warm * DAY <= r.arrival_date < (days - 1) * DAY]
    waits = np.array([r.waiting_time for r in records])
    kind = np.array([0 if r.customer_class == "Class 0" else 1 for r in records])
    return waits, kind


def missing_row(required: bool) -> Row:
    """The row that stands for the peer checks when Ciw is missing: fails if ``required``."""
    return Row(
        "peer",
        "peer checks not run" if required else "peer checks skipped",
        CIW_MISSING,
        math.nan,
        "Ciw (same model)",
        math.nan,
        passed=False if required else None,
        note="a full validation needs Ciw" if required else "a quick validation runs without",
    )


def peer_rows(
    cases: list[tuple[int, float]], reps: int, min_customers: int, required: bool = False
) -> Iterator[Row]:
    """Mean waits of M/M/c halls and of a two-class, two-pool hall, countysim against Ciw.

    Without Ciw, one row naming what to install (see :func:`missing_row`)."""
    if not ciw_available():
        yield missing_row(required)
        return
    for c, load in cases:
        warm, days = run_lengths(c, load, min_customers)
        rate = load * c / MEAN_SERVICE
        scenario = hall_scenario(
            [{"count": c}], [("dept", rate, {"dist": "exponential", "mean": MEAN_SERVICE})], days
        )
        ours = np.array([ticket_waits(scenario, k, warm)[0].mean() for k in range(reps)])
        theirs = np.array(
            [ciw_waits(0, c, (rate, 0.0), days, warm, k)[0].mean() for k in range(reps)]
        )
        yield peer_row(f"M/M/{c}, load {load}", "mean wait (min)", ours, theirs)
    # two classes, two pools: A windows serve class A only; shared windows serve both
    c_a, c_s, rate_a, rate_b = 2, 3, 0.3, 0.15
    warm, days = run_lengths(c_a + c_s, 0.9, min_customers)
    scenario = hall_scenario(
        [{"count": c_a, "skills": ["A"]}, {"count": c_s, "skills": "all"}],
        [
            ("A", rate_a, {"dist": "exponential", "mean": MEAN_SERVICE}),
            ("B", rate_b, {"dist": "exponential", "mean": MEAN_SERVICE}),
        ],
        days,
    )
    ours = [ticket_waits(scenario, k, warm) for k in range(reps)]
    theirs = [ciw_waits(c_a, c_s, (rate_a, rate_b), days, warm, k) for k in range(reps)]
    for cls, label in ((0, "class A (both pools)"), (1, "class B (shared pool only)")):
        yield peer_row(
            f"two classes, {c_a} A-only + {c_s} shared windows: {label}",
            "mean wait (min)",
            np.array([w[kind == cls].mean() for w, kind in ours]),
            np.array([w[kind == cls].mean() for w, kind in theirs]),
        )
