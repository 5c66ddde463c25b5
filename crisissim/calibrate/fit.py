"""The statistics of calibration, on the field's libraries.

* time distributions by maximum likelihood (``scipy.stats`` ``fit``, with ``CensoredData``
  for patience), compared by AIC, standard errors from the observed information (the
  numerical Hessian of the log-likelihood, ``statsmodels.tools.numdiff``);
* the Kaplan–Meier estimate of patience (``scipy.stats.ecdf``) as the model-free reference;
* arrival rates per interval slot with exact Poisson intervals and a test of over-dispersion
  across days;
* mixture ("cure") models for "does the customer come back, and when";
* churn by logistic regression (``statsmodels``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, stats

Z95 = stats.norm.ppf(0.975)


@dataclass
class Estimate:
    """A fitted number with its standard error; ``ci(level)`` is Wald unless an exact interval is known."""

    value: float
    se: float = math.nan
    exact: tuple | None = None  # ("poisson", count, exposure) for rates

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        if self.exact is not None and self.exact[0] == "poisson":
            _, k, exposure = self.exact
            a = 1.0 - level
            lo = stats.chi2.ppf(a / 2, 2 * k) / 2 if k > 0 else 0.0
            hi = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2
            return lo / exposure, hi / exposure
        z = stats.norm.ppf(0.5 + level / 2)
        return self.value - z * self.se, self.value + z * self.se

    def text(self, fmt: str = "{:.4g}", unit: str = "") -> str:
        lo, hi = self.ci()
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return fmt.format(self.value) + unit
        return f"{fmt.format(self.value)}{unit} (95% CI {fmt.format(lo)}–{fmt.format(hi)}{unit})"


# ------------------------------------------------------------------ families
@dataclass(frozen=True)
class Family:
    name: str
    params: tuple[str, ...]
    scipy: Any  # the scipy.stats distribution

    def frozen(self, theta):
        if self.name == "exponential":
            return stats.expon(scale=theta[0])
        if self.name == "lognormal":
            return stats.lognorm(theta[1], scale=math.exp(theta[0]))
        if self.name == "gamma":
            return stats.gamma(theta[0], scale=theta[1])
        return stats.weibull_min(theta[0], scale=theta[1])

    def from_scipy(self, p) -> tuple[float, ...]:
        """scipy's fitted (shape..., loc, scale) → our parameters."""
        if self.name == "exponential":
            return (p[-1],)
        if self.name == "lognormal":
            return (math.log(p[-1]), p[0])
        return (p[0], p[-1])

    def mean(self, theta) -> float:
        return float(self.frozen(theta).mean())

    def spec(self, theta) -> dict:
        """The scenario's distribution mapping."""
        if self.name == "exponential":
            return {"dist": "exponential", "mean": theta[0]}
        return {"dist": self.name, **dict(zip(self.params, theta, strict=False))}


EXPONENTIAL = Family("exponential", ("mean",), stats.expon)
LOGNORMAL = Family("lognormal", ("mu", "sigma"), stats.lognorm)
GAMMA = Family("gamma", ("shape", "scale"), stats.gamma)
WEIBULL = Family("weibull", ("shape", "scale"), stats.weibull_min)


@dataclass
class DistFit:
    """A chosen family with its parameters, the runners-up and a goodness-of-fit statement."""

    family: Family
    theta: tuple[float, ...]
    params: dict[str, Estimate]
    mean: Estimate
    aic: dict[str, float]
    n: int
    n_events: int
    gof: str
    ks: float = math.nan
    ks_p: float = math.nan

    def spec(self) -> dict:
        return self.family.spec(self.theta)

    def aic_text(self) -> str:
        order = sorted(self.aic.items(), key=lambda kv: kv[1])
        best = order[0][1]
        return ", ".join(f"{k} {'best' if v == best else f'+{v - best:.1f}'}" for k, v in order)


def _loglik(fam: Family, theta, obs: np.ndarray, cens: np.ndarray, box: np.ndarray | None = None) -> float:
    """Log-likelihood of exact times ``obs``, right-censored ``cens`` and interval-censored ``box`` rows (lo, hi)."""
    if any(not math.isfinite(t) for t in theta) or any(t <= 0 for i, t in enumerate(theta) if fam.params[i] != "mu"):
        return -math.inf
    d = fam.frozen(theta)
    ll = float(np.sum(d.logpdf(obs)))
    if len(cens):
        ll += float(np.sum(d.logsf(cens)))
    if box is not None and len(box):
        with np.errstate(divide="ignore"):
            ll += float(np.sum(np.log(d.cdf(box[:, 1]) - d.cdf(box[:, 0]))))
    return ll


def _standard_errors(fam: Family, theta, obs, cens, box=None) -> tuple[np.ndarray, np.ndarray]:
    """(standard errors, covariance) from the observed information at the MLE."""
    from statsmodels.tools.numdiff import approx_hess3

    th = np.asarray(theta, dtype=float)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hess = approx_hess3(th, lambda p: _loglik(fam, p, obs, cens, box))
            cov = np.linalg.inv(-hess)
    except (np.linalg.LinAlgError, ValueError):
        return np.full(len(th), math.nan), np.full((len(th), len(th)), math.nan)
    var = np.diag(cov)
    se = np.where(var > 0, np.sqrt(np.abs(var)), math.nan)
    return se, cov


def _mean_estimate(fam: Family, theta, cov) -> Estimate:
    from statsmodels.tools.numdiff import approx_fprime

    th = np.asarray(theta, dtype=float)
    m = fam.mean(th)
    if not np.all(np.isfinite(cov)):
        return Estimate(m)
    g = np.ravel(approx_fprime(th, lambda p: fam.mean(p), centered=True))
    var = float(g @ cov @ g)
    return Estimate(m, math.sqrt(var) if var > 0 else math.nan)


def _fit_one(fam: Family, obs: np.ndarray, cens: np.ndarray, box: np.ndarray | None = None) -> tuple[tuple[float, ...], float]:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if box is not None and len(box):
            data = stats.CensoredData(uncensored=obs, right=cens, interval=box)
            theta = fam.from_scipy(fam.scipy.fit(data, floc=0))
        elif not len(cens):
            if fam.name == "exponential":
                theta = (float(obs.mean()),)
            elif fam.name == "lognormal":
                lx = np.log(obs)
                theta = (float(lx.mean()), float(lx.std()))
            else:
                theta = fam.from_scipy(fam.scipy.fit(obs, floc=0))
        elif fam.name == "exponential":
            theta = (float((obs.sum() + cens.sum()) / len(obs)),)
        else:
            data = stats.CensoredData(uncensored=obs, right=cens)
            theta = fam.from_scipy(fam.scipy.fit(data, floc=0))
    theta = tuple(float(t) for t in theta)
    return theta, _loglik(fam, theta, obs, cens, box)


def fit_times(obs: np.ndarray, cens: np.ndarray | None = None, families=(EXPONENTIAL, LOGNORMAL, GAMMA),
              resolution: float = 0.0) -> DistFit:
    """Fit each family by maximum likelihood and keep the lowest AIC.

    ``cens``: right-censored times (zero ones carry no information and are dropped). Times are
    recorded to ``resolution`` (minutes): with a resolution, each observed time t is only known
    to lie in [t − r/2, t + r/2] (interval-censored); without, a zero is read as (0, 1 ms).
    """
    obs = np.asarray(obs, dtype=float)
    cens = np.asarray(cens if cens is not None else [], dtype=float)
    cens = cens[cens > 0]
    box: np.ndarray | None
    if resolution > 0:
        box = np.column_stack([np.maximum(obs - resolution / 2, 0.0), obs + resolution / 2])
        exact = np.empty(0)
    else:
        zero = obs <= 0
        box = np.column_stack([np.zeros(int(zero.sum())), np.full(int(zero.sum()), 1e-3 / 60)]) if zero.any() else None
        exact = obs[~zero]
    fits = {}
    for fam in families:
        theta, ll = _fit_one(fam, exact, cens, box)
        if math.isfinite(ll):
            fits[fam.name] = (fam, theta, ll)
    aic = {k: 2 * len(f[0].params) - 2 * f[2] for k, f in fits.items()}
    best = min(aic, key=lambda k: aic[k])
    fam, theta, _ = fits[best]
    se, cov = _standard_errors(fam, theta, exact, cens, box)
    params = {p: Estimate(theta[i], float(se[i])) for i, p in enumerate(fam.params)}
    mean = _mean_estimate(fam, theta, cov)
    n = len(obs) + len(cens)
    if len(cens):
        gof = _km_gap(fam.frozen(theta), obs, cens)
        return DistFit(fam, theta, params, mean, aic, n, len(obs), gof)
    ks = stats.kstest(obs, fam.frozen(theta).cdf)
    gof = (f"Kolmogorov–Smirnov D = {ks.statistic:.4f} (p = {ks.pvalue:.2g}; parameters estimated from the same data, "
           "so p is conservative)")
    return DistFit(fam, theta, params, mean, aic, n, len(obs), gof, float(ks.statistic), float(ks.pvalue))


def kaplan_meier(obs: np.ndarray, cens: np.ndarray):
    """``scipy.stats.ecdf`` of right-censored times: the Kaplan–Meier estimate of the survival function."""
    return stats.ecdf(stats.CensoredData(uncensored=np.asarray(obs, float), right=np.asarray(cens, float)))


def _km_gap(dist, obs, cens) -> str:
    """The largest distance between the fitted survival curve and Kaplan–Meier, where KM is firm
    (at least 50 customers, and 1% of them, still waiting)."""
    km = kaplan_meier(obs, cens)
    t = km.sf.quantiles
    s = km.sf.probabilities
    if not len(t):
        return "no Kaplan–Meier steps"
    every = np.sort(np.concatenate([obs, cens]))
    at_risk = len(every) - np.searchsorted(every, t, side="left")
    firm = at_risk >= max(50, 0.01 * len(every))
    if not firm.any():
        return "too few waits for a firm Kaplan–Meier curve"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # undefined at the last steps, which are not firm anyway
        band = km.sf.confidence_interval(0.95)
    lo, hi = band.low.probabilities, band.high.probabilities
    gap = np.where(firm, np.abs(s - dist.sf(t)), -1.0)
    i = int(np.argmax(gap))
    med = t[int(np.argmax(s <= 0.5))] if s[-1] <= 0.5 else None
    med_text = (f"KM median {med:.3g}m, fitted {float(dist.median()):.3g}m" if med is not None
                else "KM median not reached (most customers are answered before they give up)")
    return (f"largest gap to the Kaplan–Meier curve {gap[i]:.3f} at {t[i]:.3g}m, where KM's 95% band is "
            f"{lo[i]:.3f}–{hi[i]:.3f} (over times with 50+ customers still waiting); {med_text}")


# ---------------------------------------------------------------- come back
@dataclass
class ComeBack:
    """Share of customers who come back (``p``) and the mean delay until they do (exponential)."""

    p: Estimate
    mean_delay: Estimate
    n: int
    events: int


def fit_come_back(delays: np.ndarray, censor: np.ndarray, known_p: float | None = None) -> ComeBack:
    """Mixture-cure fit: each customer comes back with probability p after an exponential delay.

    ``delays``: observed times until the next contact; ``censor``: time each other customer was
    watched for (until the log ended). With ``known_p`` = 1, a plain censored exponential fit.
    """
    d = np.asarray(delays, float)
    c = np.asarray(censor, float)
    n, k = len(d) + len(c), len(d)
    if k == 0:
        return ComeBack(Estimate(0.0, math.nan), Estimate(math.nan), n, 0)
    if known_p == 1.0:
        m = _fit_one(EXPONENTIAL, d, c)[0][0]  # censored exponential: (sum of all times) / events
        return ComeBack(Estimate(1.0, 0.0), Estimate(m, m / math.sqrt(k)), n, k)

    d_sum = float(d.sum())

    def loglik(p: float, m: float) -> float:
        # k returns: p · exp(−d/m)/m each; the others: (1 − p) + p · exp(−c/m)
        ll = k * math.log(p) - k * math.log(m) - d_sum / m
        return ll + float(np.sum(np.log1p(-p * -np.expm1(-c / m)))) if len(c) else ll

    def nll(z):
        z0, z1 = float(np.clip(z[0], -30, 30)), float(np.clip(z[1], -30, 30))
        return -loglik(1.0 / (1.0 + math.exp(-z0)), math.exp(z1))

    p0 = min(0.99, max(0.01, k / n))
    z0 = np.array([math.log(p0 / (1 - p0)), math.log(max(1e-6, d_sum / k))])
    res = optimize.minimize(nll, z0, method="L-BFGS-B", bounds=[(-30, 30), (-30, 30)])
    p, m = 1.0 / (1.0 + math.exp(-res.x[0])), math.exp(res.x[1])
    from statsmodels.tools.numdiff import approx_hess3

    def ll_nat(th):
        pp, mm = th
        if not (0 < pp < 1 and mm > 0):
            return -math.inf
        return loglik(pp, mm)

    try:
        cov = np.linalg.inv(-approx_hess3(np.array([p, m]), ll_nat))
        se = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), math.nan))
    except (np.linalg.LinAlgError, ValueError):
        se = np.array([math.nan, math.nan])
    if p > 0.999:  # on the boundary: everyone comes back
        se[0] = math.nan
    return ComeBack(Estimate(p, float(se[0])), Estimate(m, float(se[1])), n, k)


# ------------------------------------------------------------------ arrivals
@dataclass
class ArrivalFit:
    """Rate per hour, its profile per slot, and how counts vary across days."""

    rate: Estimate  # contacts per hour, averaged over the profile
    slot_rates: list[Estimate]  # contacts per hour in each slot of the profile
    profile: list[float]
    weekly: bool
    days: int
    dispersion: float  # Pearson χ² / df across days within slots (1 = Poisson)
    dispersion_p: float
    df: int
    total: int


def fit_arrivals(counts: np.ndarray, interval: float, seen: np.ndarray, weekly: bool) -> ArrivalFit:
    """``counts[day, slot]``: first contacts per day and interval slot; ``seen[day, slot]``: the log
    covers that interval. A weekly profile runs seven days from day 0."""
    days, slots = counts.shape
    hours = interval / 60.0
    if weekly:
        groups = [np.arange(days) % 7 == w for w in range(7)]
    else:
        groups = [np.ones(days, dtype=bool)]
    slot_rates = []
    chi2 = 0.0
    df = 0
    for g in groups:
        for j in range(slots):
            x = counts[g & seen[:, j], j]
            nd = len(x)
            k = float(x.sum())
            exposure = nd * hours
            slot_rates.append(Estimate(k / exposure if exposure else 0.0, math.sqrt(k) / exposure if exposure else math.nan,
                                       ("poisson", k, exposure) if exposure else None))
            if nd > 1 and k > 0:
                mean = k / nd
                chi2 += float(np.sum((x - mean) ** 2) / mean)
                df += nd - 1
    total = float(counts[seen].sum())
    exposure = float(seen.sum()) * hours
    rate = Estimate(total / exposure, math.sqrt(total) / exposure, ("poisson", total, exposure))
    profile = [r.value / rate.value if rate.value > 0 else 1.0 for r in slot_rates]
    disp = chi2 / df if df else math.nan
    p = float(stats.chi2.sf(chi2, df)) if df else math.nan
    return ArrivalFit(rate, slot_rates, profile, weekly, days, disp, p, df, int(total))


# --------------------------------------------------------------------- churn
@dataclass
class ChurnFit:
    coef: dict[str, Estimate]  # b0, wait, abandon, fix (the scenario's signs)
    n: int
    churners: int
    pseudo_r2: float
    llr_p: float
    notes: list[str] = field(default_factory=list)


def fit_churn(y: np.ndarray, wait_ratio: np.ndarray, abandoned: np.ndarray, resolved: np.ndarray) -> ChurnFit:
    """Logistic regression of churn after a contact on wait / mean patience, abandonment and resolution."""
    from statsmodels.discrete.discrete_model import Logit

    X = np.column_stack([np.ones(len(y)), wait_ratio, abandoned, resolved]).astype(float)
    names = ["b0", "wait", "abandon", "fix"]
    keep = [0]
    notes = []
    for j, what in ((1, "wait"), (2, "abandon"), (3, "fix")):
        if np.ptp(X[:, j]) > 0:
            keep.append(j)
        else:
            notes.append(f"{what}: no variation in the log, default kept")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = Logit(y.astype(float), X[:, keep]).fit(disp=0, maxiter=200)
    # McFadden's pseudo-R² and the likelihood-ratio test against the intercept-only model, whose
    # log-likelihood is closed-form (statsmodels refits it numerically)
    ybar = float(y.mean())
    llnull = len(y) * (ybar * math.log(ybar) + (1 - ybar) * math.log1p(-ybar)) if 0 < ybar < 1 else 0.0
    llr = 2 * (float(res.llf) - llnull)
    pseudo_r2 = 1 - float(res.llf) / llnull if llnull else math.nan
    llr_p = float(stats.chi2.sf(llr, len(keep) - 1)) if len(keep) > 1 else math.nan
    coef = {}
    for i, j in enumerate(keep):
        v, se = float(res.params[i]), float(res.bse[i])
        if names[j] == "fix":
            v = -v  # the scenario subtracts fix when resolved
        coef[names[j]] = Estimate(v, se)
    return ChurnFit(coef, len(y), int(y.sum()), pseudo_r2, llr_p, notes)


def proportion(successes: int, n: int) -> Estimate:
    p = successes / n if n else math.nan
    return Estimate(p, math.sqrt(p * (1 - p) / n) if n else math.nan)
