"""Distribution specs as a planner writes them, and block samplers on a Generator.

A scenario names a distribution by its mean and spread (``{dist: gamma, mean: 90,
sd: 30}``) or gives a bare number for a constant. Each spec is a frozen pydantic
model with ``mean`` and ``variance`` and a ``sample(rng, size)`` that draws a whole
block of values in one numpy call.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    model_validator,
)

__all__ = [
    "DISTRIBUTIONS",
    "Constant",
    "Dist",
    "Empirical",
    "Exponential",
    "Gamma",
    "Integer",
    "LogNormal",
    "Number",
    "Triangular",
    "Uniform",
    "Weibull",
    "as_dist",
]

DISTRIBUTIONS = (
    "constant",
    "exponential",
    "lognormal",
    "gamma",
    "weibull",
    "uniform",
    "triangular",
    "empirical",
)
"""The names a ``{dist: ...}`` mapping may give."""
SMALLEST, LARGEST = 1e-6, 1e6
"""Every real number of a scenario is 0 or between these in size: results stay finite."""


def _not_bool(value: object) -> object:
    """YAML's ``true`` is no number (pydantic would read it as 1)."""
    if isinstance(value, bool):
        raise ValueError("expected a number")
    return value


def _in_range(value: float) -> float:
    if value != 0 and not SMALLEST <= abs(value) <= LARGEST:
        raise ValueError(f"must be 0 or between {SMALLEST:g} and {LARGEST:g} in size")
    return value


Number = Annotated[float, AllowInfNan(False), AfterValidator(_in_range), BeforeValidator(_not_bool)]
"""The one real-number type of the schema: finite, not a boolean, 0 or within
[``SMALLEST``, ``LARGEST``] in size; fields add their own bounds (``Field(ge=0)``)."""
Integer = Annotated[int, BeforeValidator(_not_bool)]
"""The one whole-number type of the schema (not a boolean); fields give their bounds."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @property
    def mean(self) -> float:
        raise NotImplementedError

    @property
    def variance(self) -> float:
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        raise NotImplementedError


class Constant(_Spec):
    """Always the same value (a bare number in YAML)."""

    dist: Literal["constant"] = "constant"
    value: Number = Field(ge=0)
    """The value every draw takes."""

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)


class Exponential(_Spec):
    """Exponential with the given mean (memoryless; CV = 1)."""

    dist: Literal["exponential"]
    mean_: Number = Field(alias="mean", gt=0)
    """Mean of the distribution."""

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.mean_**2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean_, size)


class _MeanSd(_Spec):
    mean_: Number = Field(alias="mean", gt=0)
    """Mean of the distribution."""
    sd: Number = Field(gt=0)
    """Standard deviation."""

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.sd**2


class LogNormal(_MeanSd):
    """Log-normal given by its own mean and sd (not those of the underlying normal)."""

    dist: Literal["lognormal"]

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        mu = math.log(self.mean_) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)


class Gamma(_MeanSd):
    """Gamma given by mean and sd (shape = (mean/sd)^2)."""

    dist: Literal["gamma"]

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        shape = (self.mean_ / self.sd) ** 2
        return rng.gamma(shape, self.mean_ / shape, size)


def weibull_shape(cv: float) -> float:
    """The Weibull shape k whose coefficient of variation is ``cv``: solves
    Γ(1+2/k)/Γ(1+1/k)² − 1 = cv² by bisection on log k (the CV falls as k grows)."""

    def cv_of(k: float) -> float:
        g1, g2 = math.lgamma(1 + 1 / k), math.lgamma(1 + 2 / k)
        return math.sqrt(max(math.expm1(g2 - 2 * g1), 0.0))

    lo, hi = math.log(0.02), math.log(500.0)
    for _ in range(100):
        mid = (lo + hi) / 2
        if cv_of(math.exp(mid)) > cv:
            lo = mid
        else:
            hi = mid
    return math.exp((lo + hi) / 2)


class Weibull(_MeanSd):
    """Weibull given by mean and sd (shape k from the CV, scale = mean / Γ(1 + 1/k)); CV
    between about 0.002 and 4000 (shape 0.02 to 500)."""

    dist: Literal["weibull"]

    @property
    def shape(self) -> float:
        return weibull_shape(self.sd / self.mean_)

    @property
    def scale(self) -> float:
        return self.mean_ / math.exp(math.lgamma(1 + 1 / self.shape))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.scale * rng.weibull(self.shape, size)


class Uniform(_Spec):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: Number = Field(ge=0)
    """Smallest value."""
    high: Number = Field(ge=0)
    """Largest value."""

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be ≥ low ({self.low})")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)


class Triangular(_Spec):
    """Triangular with ``low`` ≤ ``mode`` ≤ ``high``."""

    dist: Literal["triangular"]
    low: Number = Field(ge=0)
    """Smallest value."""
    mode: Number = Field(ge=0)
    """Most likely value."""
    high: Number = Field(ge=0)
    """Largest value."""

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError(
                f"need low ≤ mode ≤ high and low < high, got {self.low}, {self.mode}, {self.high}"
            )
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, size)


class Empirical(_Spec):
    """A discrete distribution over ``values`` with optional ``weights``."""

    dist: Literal["empirical"]
    values: list[Annotated[Number, Field(ge=0)]] = Field(min_length=1)
    """The values that can be drawn (each ≥ 0)."""
    weights: list[Annotated[Number, Field(ge=0)]] | None = None
    """Relative weights, one per value; equal when left out."""

    @model_validator(mode="after")
    def _consistent(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights has {len(self.weights)} entries, values has {len(self.values)}"
                )
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be 0")
        return self

    def _p(self) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights)
        return w / w.sum()

    @property
    def mean(self) -> float:
        return float(np.dot(self._p(), self.values))

    @property
    def variance(self) -> float:
        v = np.asarray(self.values)
        return float(np.dot(self._p(), (v - self.mean) ** 2))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values, dtype=float), size=size, p=self._p())


def _tag(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("dist", "missing"))
    if isinstance(value, _Spec):
        return value.dist  # type: ignore[attr-defined,no-any-return]
    return "invalid"


def _number(value: object) -> object:
    """A bare number in YAML means a constant."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "constant", "value": value}
    return value


Dist = Annotated[
    Annotated[Constant, Tag("constant")]
    | Annotated[Exponential, Tag("exponential")]
    | Annotated[LogNormal, Tag("lognormal")]
    | Annotated[Gamma, Tag("gamma")]
    | Annotated[Weibull, Tag("weibull")]
    | Annotated[Uniform, Tag("uniform")]
    | Annotated[Triangular, Tag("triangular")]
    | Annotated[Empirical, Tag("empirical")],
    Discriminator(
        _tag,
        custom_error_type="dist",
        custom_error_message=(
            "expected a number or {dist: exponential|lognormal|gamma|weibull|uniform|"
            "triangular|empirical|constant, ...}"
        ),
    ),
    BeforeValidator(_number),
]
"""A distribution field: a bare number (constant) or a ``{dist: ...}`` mapping."""


def as_dist(value: object) -> _Spec:
    """Build a distribution from a YAML-like value (for code and tests)."""
    return _ADAPTER.validate_python(value)  # type: ignore[no-any-return]


_ADAPTER: TypeAdapter[_Spec] = TypeAdapter(Dist)
