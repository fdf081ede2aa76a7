"""Distributions: sample moments agree with ``mean``/``variance``; bad specs refused."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from sim.model.dists import as_dist

SPECS = [
    5,
    {"dist": "exponential", "mean": 20},
    {"dist": "lognormal", "mean": 22, "sd": 10},
    {"dist": "gamma", "mean": 90, "sd": 30},
    {"dist": "weibull", "mean": 12, "sd": 9},
    {"dist": "weibull", "mean": 12, "sd": 30},
    {"dist": "weibull", "mean": 40, "sd": 4},
    {"dist": "uniform", "low": 0, "high": 40},
    {"dist": "triangular", "low": 1, "mode": 2, "high": 6},
    {"dist": "empirical", "values": [1, 2, 3], "weights": [1, 1, 2]},
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: str(s)[:30])
def test_sample_moments_match(spec: object) -> None:
    """Mean within 5 standard errors; variance within 5 % (n = 400,000)."""
    dist = as_dist(spec)
    x = dist.sample(np.random.default_rng(1), 400_000)
    se = np.sqrt(dist.variance / x.size)
    assert abs(x.mean() - dist.mean) <= 5 * se + 1e-12
    assert x.var() == pytest.approx(dist.variance, rel=0.05, abs=1e-12)
    assert (x >= 0).all()


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "gamma", "mean": 5, "sd": 0},
        {"dist": "lognormal", "mean": -1, "sd": 1},
        {"dist": "uniform", "low": 5, "high": 1},
        {"dist": "triangular", "low": 1, "mode": 9, "high": 6},
        {"dist": "empirical", "values": [1, 2], "weights": [1]},
        {"dist": "weibull", "mean": 3},
        {"dist": "exponential", "mean": 3, "sd": 1},
        "ten",
    ],
)
def test_bad_specs_are_refused(spec: object) -> None:
    with pytest.raises(ValidationError):
        as_dist(spec)


def test_weibull_shape_and_scale() -> None:
    """CV 1 is the exponential (shape 1, scale = mean); shape 2 has CV ≈ 0.5227."""
    exp = as_dist({"dist": "weibull", "mean": 10, "sd": 10})
    assert exp.shape == pytest.approx(1, rel=1e-6) and exp.scale == pytest.approx(10, rel=1e-6)
    rayleigh = as_dist({"dist": "weibull", "mean": 1, "sd": 0.5227232})
    assert rayleigh.shape == pytest.approx(2, rel=1e-4)
