"""Time distributions of the scenario format (handle time, patience, repeat delay).

Every distribution is in minutes, carries an analytic ``mean`` and ``variance``
(as ciw's do) and samples in bulk with ``sample(rng, n)`` from a
``numpy.random.Generator``. Parameters are named the way numpy names them, or
given as ``mean`` and ``cv`` (coefficient of variation).
"""

from __future__ import annotations

import math
from abc import abstractmethod
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crisissim.scenario.units import Duration


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    @property
    @abstractmethod
    def mean(self) -> float:
        """Mean (minutes)."""

    @property
    @abstractmethod
    def variance(self) -> float:
        """Variance (minutes²)."""

    @abstractmethod
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws (minutes) from ``rng``."""


def _one_of(model: BaseModel, groups: list[tuple[str, ...]]) -> None:
    given = [g for g in groups if all(getattr(model, f) is not None for f in g)]
    partial = [g for g in groups if any(getattr(model, f) is not None for f in g)]
    names = " or ".join("{" + ", ".join(g) + "}" for g in groups)
    if len(given) != 1 or len(partial) != 1:
        raise ValueError(f"give exactly one of {names}")


class Exponential(_Dist):
    """Exponential time: ``{dist: exponential, mean: 2m}`` (or numpy's ``scale``, or ``rate`` per minute)."""

    dist: Literal["exponential"]
    """The distribution's name (``exponential``)."""
    mean_: Duration | None = Field(None, alias="mean")
    """Mean in minutes (or a duration)."""
    scale: Duration | None = None
    """numpy's name for the mean."""
    rate: float | None = Field(None, gt=0, allow_inf_nan=False)
    """Events per minute (1 / mean)."""

    @model_validator(mode="after")
    def _check(self) -> Exponential:
        _one_of(self, [("mean_",), ("scale",), ("rate",)])
        m = self._m
        if not m > 0:
            raise ValueError("the mean must be > 0")
        return self

    @property
    def _m(self) -> float:
        if self.mean_ is not None:
            return self.mean_
        if self.scale is not None:
            return self.scale
        return 1.0 / self.rate  # type: ignore[operator]

    @property
    def mean(self) -> float:
        return self._m

    @property
    def variance(self) -> float:
        return self._m**2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self._m, n)


class LogNormal(_Dist):
    """Lognormal time: ``{mean, cv}`` of the time itself, or ``{mu, sigma}`` of its log (numpy's ``mean``, ``sigma``)."""

    dist: Literal["lognormal"]
    """The distribution's name (``lognormal``)."""
    mean_: Duration | None = Field(None, alias="mean")
    """Mean of the time in minutes."""
    cv: float | None = Field(None, gt=0, le=100, allow_inf_nan=False)
    """Coefficient of variation (standard deviation / mean), at most 100."""
    mu: float | None = Field(None, ge=-30, allow_inf_nan=False)
    """Mean of log(minutes) (numpy's ``mean``)."""
    sigma: float | None = Field(None, gt=0, le=10, allow_inf_nan=False)
    """Standard deviation of log(minutes), at most 10."""

    @model_validator(mode="after")
    def _check(self) -> LogNormal:
        _one_of(self, [("mean_", "cv"), ("mu", "sigma")])
        if self.mean_ is not None and not self.mean_ > 0:
            raise ValueError("the mean must be > 0")
        if self.mu is not None and self.mu > 30:
            raise ValueError("mu is too large (expected log-minutes <= 30)")
        return self

    @property
    def _params(self) -> tuple[float, float]:
        if self.mu is not None:
            return self.mu, self.sigma  # type: ignore[return-value]
        s2 = math.log1p(self.cv**2)  # type: ignore[operator]
        return math.log(self.mean_) - s2 / 2, math.sqrt(s2)  # type: ignore[arg-type]

    @property
    def mean(self) -> float:
        mu, s = self._params
        return math.exp(mu + s * s / 2)

    @property
    def variance(self) -> float:
        mu, s = self._params
        return (math.exp(s * s) - 1) * math.exp(2 * mu + s * s)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        mu, s = self._params
        return rng.lognormal(mu, s, n)


class Gamma(_Dist):
    """Gamma time: numpy's ``{shape, scale}`` or ``{mean, cv}``."""

    dist: Literal["gamma"]
    """The distribution's name (``gamma``)."""
    shape: float | None = Field(None, ge=1e-4, le=1e6, allow_inf_nan=False)
    """Shape k (0.0001 to 1,000,000)."""
    scale: Duration | None = None
    """Scale θ in minutes."""
    mean_: Duration | None = Field(None, alias="mean")
    """Mean in minutes."""
    cv: float | None = Field(None, ge=0.001, le=100, allow_inf_nan=False)
    """Coefficient of variation (0.001 to 100; shape = 1 / cv²)."""

    @model_validator(mode="after")
    def _check(self) -> Gamma:
        _one_of(self, [("shape", "scale"), ("mean_", "cv")])
        k, th = self._params
        if not (k > 0 and th > 0):
            raise ValueError("shape and scale (or mean) must be > 0")
        return self

    @property
    def _params(self) -> tuple[float, float]:
        if self.shape is not None:
            return self.shape, self.scale  # type: ignore[return-value]
        k = 1.0 / self.cv**2  # type: ignore[operator]
        return k, self.mean_ / k  # type: ignore[operator]

    @property
    def mean(self) -> float:
        k, th = self._params
        return k * th

    @property
    def variance(self) -> float:
        k, th = self._params
        return k * th * th

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        k, th = self._params
        return rng.gamma(k, th, n)


class Weibull(_Dist):
    """Weibull time: numpy's ``shape`` (k) with a ``scale`` (λ) in minutes; survival ``exp(-(t/λ)^k)``.
    A shape below 1 means the hazard falls with time (those who have waited long tend to keep
    waiting), the usual finding for callers' patience."""

    dist: Literal["weibull"]
    """The distribution's name (``weibull``)."""
    shape: float = Field(ge=0.05, le=100, allow_inf_nan=False)
    """Shape k (1 is the exponential)."""
    scale: Duration
    """Scale λ in minutes (the 63rd percentile)."""

    @model_validator(mode="after")
    def _check(self) -> Weibull:
        if not self.scale > 0:
            raise ValueError("scale must be > 0")
        return self

    @property
    def mean(self) -> float:
        return self.scale * math.gamma(1.0 + 1.0 / self.shape)

    @property
    def variance(self) -> float:
        g1 = math.gamma(1.0 + 1.0 / self.shape)
        return self.scale**2 * (math.gamma(1.0 + 2.0 / self.shape) - g1 * g1)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.scale * rng.weibull(self.shape, n)


class Uniform(_Dist):
    """Uniform time between ``low`` and ``high`` minutes."""

    dist: Literal["uniform"]
    """The distribution's name (``uniform``)."""
    low: Duration
    """Smallest value (minutes)."""
    high: Duration
    """Largest value (minutes)."""

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be >= low")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


class Fixed(_Dist):
    """A constant time: ``{dist: fixed, value: 5m}``."""

    dist: Literal["fixed"]
    """The distribution's name (``fixed``)."""
    value: Duration
    """The time (minutes)."""

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        rng.random(n)  # keep the stream's position independent of the distribution
        return np.full(n, self.value)


class Empirical(_Dist):
    """Draws from observed ``values`` (minutes), optionally with ``weights``."""

    dist: Literal["empirical"]
    """The distribution's name (``empirical``)."""
    values: list[Duration] = Field(min_length=1, max_length=100_000)
    """Observed times (minutes or durations)."""
    weights: list[Annotated[float, Field(ge=0, allow_inf_nan=False)]] | None = None
    """Relative weights, one per value."""

    @model_validator(mode="after")
    def _check(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights must have one entry per value (expected {len(self.values)}, got {len(self.weights)})"
                )
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self

    def _p(self) -> np.ndarray:
        v = np.asarray(self.values, dtype=float)
        if self.weights is None:
            return np.full(len(v), 1.0 / len(v))
        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()

    @property
    def mean(self) -> float:
        return float(np.dot(self._p(), np.asarray(self.values, dtype=float)))

    @property
    def variance(self) -> float:
        v = np.asarray(self.values, dtype=float)
        p = self._p()
        m = float(np.dot(p, v))
        return float(np.dot(p, (v - m) ** 2))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        v = np.asarray(self.values, dtype=float)
        idx = np.searchsorted(np.cumsum(self._p()), rng.random(n), side="right")
        return v[np.minimum(idx, len(v) - 1)]


Distribution = Annotated[
    Exponential | LogNormal | Gamma | Weibull | Uniform | Fixed | Empirical,
    Field(discriminator="dist"),
]
"""A time distribution in minutes, chosen by its ``dist`` key."""
