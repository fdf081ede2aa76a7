"""Moved to :mod:`sim.validation.theory`; kept so that ``from sim.theory import …`` works."""

from sim.validation.theory import erlang_c, mg1_mean_wait, mmc_mean_wait

__all__ = ["erlang_c", "mg1_mean_wait", "mmc_mean_wait"]
