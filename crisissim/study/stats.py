"""Small-sample statistics for replications: Student-t intervals, paired tests, P(best), shares.

Pure numpy (no scipy): Student's t CDF for integer degrees of freedom uses the
closed-form series of Abramowitz & Stegun 26.7.3–4, quantiles are found by bisection.
NaN observations (e.g. a service level with no contacts) are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t with integer ``df`` >= 1."""
    if df < 1:
        raise ValueError("df must be >= 1")
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    theta = math.atan(abs(t) / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    s = math.sin(theta)
    if df % 2 == 0:  # A = sinθ (1 + c²/2 + 1·3 c⁴/(2·4) + …)
        term, total = 1.0, 1.0
        for k in range(1, df // 2):
            term *= c2 * (2 * k - 1) / (2 * k)
            total += term
        a = s * total
    else:  # A = 2/π (θ + sinθ cosθ (1 + 2c²/3 + 2·4 c⁴/(3·5) + …))
        total = 0.0
        if df > 1:
            term, total = 1.0, 1.0
            for k in range(1, (df - 1) // 2):
                term *= c2 * (2 * k) / (2 * k + 1)
                total += term
        a = 2 / math.pi * (theta + s * math.cos(theta) * total)
    a = min(max(a, 0.0), 1.0)
    return 0.5 + 0.5 * a if t >= 0 else 0.5 - 0.5 * a


def t_ppf(p: float, df: int) -> float:
    """Quantile of Student's t (bisection on :func:`t_cdf`, ~1e-10 absolute)."""
    if not 0 < p < 1:
        raise ValueError("p must be in (0, 1)")
    if p < 0.5:
        return -t_ppf(1 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-11:
            break
    return 0.5 * (lo + hi)


_TCRIT: dict[tuple[int, float], float] = {}


def t_crit(df: int, level: float = 0.95) -> float:
    """Two-sided critical value t_{1-(1-level)/2, df} (cached)."""
    key = (df, level)
    if key not in _TCRIT:
        _TCRIT[key] = t_ppf(1 - (1 - level) / 2, df)
    return _TCRIT[key]


@dataclass(frozen=True)
class Estimate:
    """Mean, standard deviation and two-sided CI of the mean from ``n`` observations."""

    n: int
    mean: float
    sd: float
    lo: float
    hi: float

    @property
    def half_width(self) -> float:
        return 0.5 * (self.hi - self.lo)

    def as_dict(self) -> dict[str, float]:
        return {"n": self.n, "mean": self.mean, "sd": self.sd, "ci_low": self.lo, "ci_high": self.hi}


def estimate(x: np.ndarray, level: float = 0.95) -> Estimate:
    """Student-t estimate of the mean of ``x`` (NaNs dropped); nan bounds below 2 values."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return Estimate(0, math.nan, math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if n == 1:
        return Estimate(1, mean, math.nan, math.nan, math.nan)
    sd = float(x.std(ddof=1))
    hw = t_crit(n - 1, level) * sd / math.sqrt(n)
    return Estimate(n, mean, sd, mean - hw, mean + hw)


@dataclass(frozen=True)
class TTest:
    """A t-test of mean difference = 0: the difference's estimate, t statistic, df, two-sided p."""

    diff: Estimate
    t: float
    df: int
    p_value: float

    def as_dict(self) -> dict[str, float]:
        return {**{f"diff_{k}": v for k, v in self.diff.as_dict().items()}, "t": self.t, "df": self.df,
                "p_value": self.p_value}


def paired_t(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> TTest:
    """Paired t-test of mean(a − b) over the common (same-seed) replications."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    m = min(a.size, b.size)
    d = a[:m] - b[:m]
    d = d[~np.isnan(d)]
    est = estimate(d, level)
    return _test(est, est.n - 1)


def welch_t(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> TTest:
    """Welch's t-test of mean(a) − mean(b) for independent samples (Welch–Satterthwaite df)."""
    ea, eb = estimate(a, level), estimate(b, level)
    if ea.n < 2 or eb.n < 2:
        return TTest(Estimate(0, math.nan, math.nan, math.nan, math.nan), math.nan, 0, math.nan)
    va, vb = ea.sd**2 / ea.n, eb.sd**2 / eb.n
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (ea.n - 1) + vb**2 / (eb.n - 1)) if se > 0 else ea.n + eb.n - 2
    df_i = max(1, int(df))
    mean = ea.mean - eb.mean
    hw = t_crit(df_i, level) * se
    est = Estimate(min(ea.n, eb.n), mean, se * math.sqrt(min(ea.n, eb.n)), mean - hw, mean + hw)
    return _test(est, df_i, se)


def _test(est: Estimate, df: int, se: float | None = None) -> TTest:
    if est.n < 2 or df < 1:
        return TTest(est, math.nan, max(df, 0), math.nan)
    if se is None:
        se = est.sd / math.sqrt(est.n)
    if se == 0:
        t = 0.0 if est.mean == 0 else math.copysign(math.inf, est.mean)
    else:
        t = est.mean / se
    p = 2 * (1 - t_cdf(abs(t), df))
    return TTest(est, t, df, min(max(p, 0.0), 1.0))


def share_best(values: np.ndarray) -> np.ndarray:
    """Share of rows (replications) in which each column (level) is lowest; ties split evenly.

    ``values`` is reps × levels; rows with a NaN are skipped.
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v).any(axis=1)]
    if v.shape[0] == 0:
        return np.full(v.shape[1], math.nan)
    best = v == v.min(axis=1, keepdims=True)
    return (best / best.sum(axis=1, keepdims=True)).mean(axis=0)


class _Binomial:
    """Tail probabilities of Binomial(n, p) for many p, the log coefficients computed once."""

    def __init__(self, n: int):
        self.n = n
        self.j = np.arange(n + 1, dtype=float)
        log_fact = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=float)))))
        self.log_coef = log_fact[n] - log_fact - log_fact[::-1]

    def tail(self, k: int, p: float) -> float:
        """P(X >= k), summed in log space (exact to rounding for any n)."""
        if k <= 0 or p >= 1.0:
            return 1.0 if k <= self.n else 0.0
        if k > self.n or p <= 0.0:
            return 0.0
        j = self.j[k:]
        logs = self.log_coef[k:] + j * math.log(p) + (self.n - j) * math.log1p(-p)
        top = float(logs.max())
        return float(min(1.0, math.exp(top) * np.exp(logs - top).sum()))


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return _Binomial(n).tail(k, p)


def share_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) two-sided interval of a share of ``k`` successes in ``n`` trials.

    Each end misses the true share with probability at most (1 − level) / 2 whatever ``n``
    (it is the share at which seeing ``k`` or more, or ``k`` or fewer, is that unlikely), so a
    decision "the share is at least θ when the lower end is" is wrong at most 2.5% of the time
    at level 0.95. Every trial a success gives ((1 − level) / 2)^(1/n): 0.88 for 30 trials.
    nan for ``n`` = 0.
    """
    if n <= 0:
        return math.nan, math.nan
    if not 0 <= k <= n:
        raise ValueError(f"k must be in [0, n], got k={k}, n={n}")
    tail = (1 - level) / 2
    b = _Binomial(n)
    lo = 0.0 if k == 0 else _solve(lambda p: b.tail(k, p) - tail)  # P(X >= k) rises with p
    hi = 1.0 if k == n else _solve(lambda p: tail - (1.0 - b.tail(k + 1, p)))  # P(X <= k) falls with p
    return lo, hi


def _solve(f) -> float:
    """The root in (0, 1) of an increasing function ``f`` (bisection to 1e-15)."""
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
