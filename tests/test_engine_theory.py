"""The engine against queueing theory: Erlang C (M/M/c), Erlang A (M/M/c+M), Little's law, NHPP counts.

Each check runs independent replications and requires the theoretical value to lie inside
the t interval of the replication means at the level tests/stats_budget.py gives it (the
whole suite's statistical checks share a 1% false-alarm budget).
"""

from __future__ import annotations

import numpy as np
import pytest

from crisissim.engine import Simulation
from crisissim.queueing import erlang_a, erlang_c, erlang_c_mean_wait, erlang_c_service_level
from crisissim.scenario.schema import Scenario
from engine_helpers import queue_scenario
from stats_budget import assert_mean, seeds

REPS = 20  # replications per check: enough that the t quantile of the budget stays moderate

MMC_CASES = [
    # (λ per minute, mean handle minutes, agents, duration, warm-up, service-level threshold) in minutes
    (0.7, 1.0, 1, 2400.0, 240.0, 1 / 3),
    (8.5, 1.0, 10, 720.0, 72.0, 1 / 3),
    (92.0, 1.0, 100, 240.0, 24.0, 0.05),  # 3 s: 20 s would leave P(wait > t) near 0.01
]


def _mmc_runs(lam, h, c, duration, warmup, threshold):
    sc = queue_scenario(lam, h, c, duration=duration, warmup=warmup, scoring__service_level__threshold=threshold)
    for seed in seeds(REPS, 1000):
        d = Simulation(sc, seed).result().to_dict()
        assert d["contacts"]["abandoned"] == 0
        yield d


@pytest.mark.parametrize("lam,h,c,duration,warmup,threshold", MMC_CASES, ids=["c=1", "c=10", "c=100"])
def test_mmc_matches_erlang_c(lam, h, c, duration, warmup, threshold):
    """P(wait > t) = C·exp(−(cμ − λ)t): the chance of waiting at all (Erlang C) and beyond the
    threshold pin down the whole wait distribution of M/M/c, its mean C / (cμ − λ) included.

    Without abandonment rare congestion dominates each replication: these chances are
    right-skewed over replications (checked on the log scale), the mean wait much more so
    (skewness 1 to 1.7: it is checked on longer replications in the slow suite).
    """
    mu = 1.0 / h
    p_wait, p_late = [], []
    for d in _mmc_runs(lam, h, c, duration, warmup, threshold):
        p_wait.append(d["wait"]["p_wait"])
        p_late.append(1.0 - d["service_level"])
    assert_mean(p_wait, erlang_c(lam, mu, c), what="P(wait > 0)", skewed=True)
    assert_mean(p_late, 1.0 - erlang_c_service_level(lam, mu, c, threshold), what="P(wait > threshold)",
                skewed=True)


@pytest.mark.slow
@pytest.mark.parametrize("lam,h,c,duration,warmup,threshold", MMC_CASES, ids=["c=1", "c=10", "c=100"])
def test_mmc_mean_wait_matches_erlang_c(lam, h, c, duration, warmup, threshold):
    """The mean wait on replications four times as long (its skewness over replications halves)."""
    waits = [d["wait"]["mean"] for d in _mmc_runs(lam, h, c, 4 * duration, warmup, threshold)]
    assert_mean(waits, erlang_c_mean_wait(lam, 1.0 / h, c), what="mean wait", skewed=True)


MMCM_CASES = [
    # (λ per minute, mean handle, agents, mean patience, duration, warm-up) in minutes
    (0.9, 1.0, 1, 2.0, 1600.0, 160.0),
    (10.0, 1.0, 11, 2.0, 480.0, 48.0),
    (105.0, 1.0, 100, 1.0, 120.0, 15.0),
]


@pytest.mark.parametrize("lam,h,c,pat,duration,warmup", MMCM_CASES, ids=["c=1", "c=11", "c=100"])
def test_mmcm_matches_erlang_a(lam, h, c, pat, duration, warmup):
    sc = queue_scenario(lam, h, c, patience_mean=pat, duration=duration, warmup=warmup)
    theory = erlang_a(lam, 1.0 / h, c, 1.0 / pat)
    ab, w_served, w_all = [], [], []
    for seed in seeds(REPS, 2000):
        d = Simulation(sc, seed).result().to_dict()
        ab.append(d["abandon_rate"])
        w_served.append(d["wait"]["mean"])
        w_all.append(d["wait_all_mean"])
    assert_mean(ab, theory["p_abandon"], what="abandonment probability")
    assert_mean(w_served, theory["mean_wait_served"], what="mean wait of answered")
    assert_mean(w_all, theory["mean_wait_all"], what="mean time in queue of all")


def test_littles_law_on_every_run():
    """L = λW: the time-average queue equals the arrival rate times the mean time in queue."""
    sc = queue_scenario(10.0, 1.0, 11, patience_mean=2.0, duration=1440.0, warmup=0.0, meta__sample_every=0.25)
    for seed in range(3):
        r = Simulation(sc, seed).result()
        d = r.to_dict()
        lam_hat = d["contacts"]["arrived"] / sc.meta.duration
        L = float(np.mean(r.timeline["waiting"]))
        W = d["wait_all_mean"]
        assert L == pytest.approx(lam_hat * W, rel=0.04)


def _nhpp(profile, rate_per_hour, hours, **extra):
    d = {
        "meta": {"id": "nhpp", "title": "n", "duration": f"{hours}h", "interval": "1h", "seed": 3},
        "channels": {"mail": {"kind": "async"}},
        "contact_types": {
            "t": {
                "channel": "mail",
                "arrival": {"rate": rate_per_hour, "per": "hour", "profile": profile},
                "handle_time": {"dist": "fixed", "value": 1},
            }
        },
        "pools": {"p": {"size": 0, "skills": ["t"]}},
        "reputation": {"arrival_feedback": 0},
    }
    d.update(extra)
    return Scenario.model_validate(d)


def test_thinned_nhpp_counts_match_the_integral_of_the_rate():
    profile = [0.5, 1.5, 1.0, 2.0]
    sc = _nhpp(profile, 300.0, 4)
    per_slot = []
    for seed in seeds(30):
        d = Simulation(sc, seed).result().to_dict()
        per_slot.append(d["intervals"]["offered"])
    per_slot = np.array(per_slot)
    for k, m in enumerate(profile):
        assert_mean(per_slot[:, k], 300.0 * m, what=f"arrivals in hour {k}")


def test_surge_adds_peak_times_half_life_over_ln2():
    """A surge of peak p and half-life h adds p·λ₀·h/ln 2 arrivals (if it has decayed by the end)."""
    inj = [{"id": "news", "at": "1h", "effects": [{"effect": "surge", "peak": 3.0, "half_life": "30m"}]}]
    sc = _nhpp(None, 120.0, 8, injects=inj)
    extra = 3.0 * 2.0 * 30.0 / np.log(2)  # peak × λ₀ (per minute) × half-life / ln 2
    counts = [Simulation(sc, s).result().to_dict()["contacts"]["arrived"] for s in seeds(30)]
    assert_mean(counts, 120.0 * 8 + extra, what="arrivals with a surge")
