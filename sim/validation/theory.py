"""Queueing-theory references the simulation is checked against (pure functions)."""

from __future__ import annotations

__all__ = ["erlang_c", "mmc_mean_wait", "mg1_mean_wait"]


def erlang_c(c: int, offered: float) -> float:
    """P(wait > 0) in an M/M/c queue with offered load ``offered`` = λ/μ (< c)."""
    if not 0 <= offered < c:
        raise ValueError("need 0 ≤ offered load < c for a stable queue")
    term, total = 1.0, 1.0  # a^k / k!, running sum for k < c
    for k in range(1, c):
        term *= offered / k
        total += term
    top = term * offered / c * c / (c - offered)  # a^c / c! * c / (c - a)
    return top / (total + top)


def mmc_mean_wait(c: int, arrival_rate: float, mean_service: float) -> float:
    """Mean wait in queue of an M/M/c queue (same time unit as the inputs)."""
    offered = arrival_rate * mean_service
    return erlang_c(c, offered) * mean_service / (c - offered)


def mg1_mean_wait(arrival_rate: float, mean_service: float, service_variance: float) -> float:
    """Pollaczek–Khinchine mean wait in queue of an M/G/1 queue."""
    rho = arrival_rate * mean_service
    if rho >= 1:
        raise ValueError("need load < 1 for a stable queue")
    second_moment = service_variance + mean_service**2
    return arrival_rate * second_moment / (2 * (1 - rho))
