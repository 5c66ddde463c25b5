"""The suite's false-alarm budget, written down once: every statistical check takes its share here.

A *statistical check* compares what the engine produced with a value known without
simulation (queueing theory, the integral of an arrival rate, a probability): the mean of
independent replications through a t interval, or a count through an exact binomial or
Poisson test. ``CHECKS`` counts every such check in the suite, test by test. Each may fail
by bad luck, when the engine is right, with probability at most ``ALPHA``; with
``N_CHECKS`` of them the chance that any one does is at most ``N_CHECKS × ALPHA =
FAMILY_ALPHA`` (Bonferroni: no assumption about how the checks depend on each other).

Exact tests fail with at most their share. A t interval is exact only for normal
replication values, and the tails that matter here (a few in 10,000) are where skewed
values break it. In an M/M/c queue without abandonment rare congestion dominates each
replication: the mean wait is skewed by 1 to 1.7 over replications, its plain t check at
``ALPHA`` failed 4 to 26 times as often as it should (bootstrapped from 400 replications),
and at one of 20 seed offsets a block of replications with 3 sd less offered load failed it
for real. So a t check spends only part of its share: ``T_LEVEL = ALPHA / 2`` for values
close to normal, and right-skewed positive values (``skewed=True``) are checked as
log(mean) (delta-method standard error) at ``SKEWED_LEVEL = ALPHA / 6``; the M/M/c mean
wait itself is checked on four times longer replications, in the slow suite (which .ci/run
runs: the budget covers default and slow checks together). ``scripts/stats_offsets.py``
bootstraps every check's real false-alarm rate from the pooled replications of its offsets.

Everything else in the suite must hold for every seed (conservation, determinism, common
random numbers, costs, error messages) or compare runs with a margin of at least five
standard deviations of the compared quantity's spread over fresh seeds (measure it with
``CRISISSIM_TEST_SEED_OFFSET`` and say so beside the assertion); those draw no budget.

The budget is enforced: a test that makes a check it has not declared here fails at that
check, one that makes fewer than it declared fails at its end (``tests/conftest.py``),
and ``tests/test_stats_budget.py`` checks that every entry names a test that exists.

Seeds: statistical tests take their replications' seeds from ``seeds()``.
``CRISISSIM_TEST_SEED_OFFSET=k`` moves every one of them to a block of seeds no other
offset uses, so ``scripts/stats_offsets.py`` can rerun the checks on fresh random numbers
(and ``CRISISSIM_TEST_STATS_LOG=DIR`` writes one JSON line per check there).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from scipy import stats

FAMILY_ALPHA = 0.01
"""Largest chance that the whole suite goes red although the engine is right."""

CHECKS: dict[str, int] = {
    # M/M/c against Erlang C: P(wait > 0), P(wait > service-level threshold); the mean wait (slow)
    "test_engine_theory.py::test_mmc_matches_erlang_c[c=1]": 2,
    "test_engine_theory.py::test_mmc_matches_erlang_c[c=10]": 2,
    "test_engine_theory.py::test_mmc_matches_erlang_c[c=100]": 2,
    "test_engine_theory.py::test_mmc_mean_wait_matches_erlang_c[c=1]": 1,
    "test_engine_theory.py::test_mmc_mean_wait_matches_erlang_c[c=10]": 1,
    "test_engine_theory.py::test_mmc_mean_wait_matches_erlang_c[c=100]": 1,
    # M/M/c+M against Erlang A: abandonment, mean wait of the answered, mean time in queue of all
    "test_engine_theory.py::test_mmcm_matches_erlang_a[c=1]": 3,
    "test_engine_theory.py::test_mmcm_matches_erlang_a[c=11]": 3,
    "test_engine_theory.py::test_mmcm_matches_erlang_a[c=100]": 3,
    # thinned NHPP: arrivals in each of 4 hours
    "test_engine_theory.py::test_thinned_nhpp_counts_match_the_integral_of_the_rate": 4,
    # a surge's extra arrivals
    "test_engine_theory.py::test_surge_adds_peak_times_half_life_over_ln2": 1,
    # the smallest scenario from YAML: Erlang A abandonment and wait, Erlang C chance of waiting
    "test_engine_smallest.py::test_smallest_scenario_is_erlang_a": 2,
    "test_engine_smallest.py::test_without_patience_nobody_abandons_and_it_is_erlang_c": 1,
    # engine details: resolution under training, repeats, SLA breaches, Hawkes rate, redials
    "test_engine_models.py::test_training_divides_handle_time_and_multiplies_resolution": 2,
    "test_engine_models.py::test_unresolved_customers_come_back_after_the_repeat_delay": 1,
    "test_engine_models.py::test_async_backlog_breaches_its_sla": 1,
    "test_engine_models.py::test_hawkes_posts_match_the_stationary_rate": 1,
    "test_engine_models.py::test_abandoned_customers_redial_with_the_retry_probability": 1,
    # exposures: incident counts (Poisson), time-rescaled gaps (KS), costs; a ramp's arrivals (Poisson)
    "test_exposure_model.py::test_incident_counts_follow_the_hazard": 1,
    "test_exposure_model.py::test_rescaled_gaps_are_unit_exponential": 1,
    "test_exposure_model.py::test_costs_come_from_the_kind_distribution": 1,
    "test_exposure_engine.py::test_ramp_raises_arrivals_by_its_integral": 1,
    # random injects: the chance (binomial) and the time (KS) of a random inject
    "test_exposure_engine.py::test_random_inject_chance_and_time_are_drawn_per_seed_not_per_branch": 2,
    # early warning: false alarms on a flat profile against the exact CUSUM law (binomial)
    "test_alarm.py::test_false_alarms_on_a_flat_profile_match_the_design": 1,
    # effect primitives: Poisson counts of arrivals and posts, binomial deflection
    "test_effects.py::test_rate_half_halves_arrivals_of_its_target_only": 3,
    "test_effects.py::test_deflect_absorbs_its_share_of_new_contacts": 2,
    "test_effects.py::test_amplification_raises_social_posts": 1,
    "test_effects.py::test_transparent_statement_cuts_social_spread": 1,
    # shift handover against ciw: per-hour abandonment and answered wait, hours 1-9 of a 10-hour day
    "test_shift_handover.py::test_intraday_shift_changes_match_ciw": 18,
    # calibration round trip: every fitted parameter (one family of tests each), the fitted mean
    # patience, resolution and redials from customer ids, self-service share and rate
    "test_calibrate_roundtrip.py::test_every_parameter_is_recovered_within_its_interval": 1,
    "test_calibrate_roundtrip.py::test_naive_patience_is_biased_and_censoring_fixes_it": 1,
    "test_calibrate_roundtrip.py::test_resolution_from_customer_ids_alone": 1,
    "test_calibrate_export.py::test_deflection_is_calibrated_as_self_service": 2,
    # customers: segment draws (VIP and new shares of two contact types), silent churn counts
    "test_customers.py::test_contacts_come_from_segments_in_proportion_to_share_times_contact_weight": 4,
    "test_customers.py::test_silent_churn_and_tail_follow_their_documented_rates": 1,
    # service recovery: churn with and without fair compensation (2 seeds), posts turned (2 seeds),
    # segment shares and VIP churn, calls that reach the customer (2 seeds)
    "test_recovery_engine.py::test_fair_compensation_cuts_churn_odds_as_documented": 4,
    "test_recovery_engine.py::test_goodwill_and_turned_posts_add_their_documented_points": 2,
    "test_recovery_engine.py::test_compensation_targets_one_segment_and_the_segments_add_up": 2,
    "test_recovery_engine.py::test_outreach_wins_back_only_customers_who_would_have_left": 2,
}

N_CHECKS = sum(CHECKS.values())
ALPHA = FAMILY_ALPHA / N_CHECKS
"""Each check's share: the two-sided probability of failing although the engine is right."""
T_LEVEL = ALPHA / 2
"""Nominal level of a t interval of replication values close to normal."""
SKEWED_LEVEL = ALPHA / 6
"""Nominal level of the log-scale t interval of right-skewed positive replication values."""

SEED_OFFSET = int(os.environ.get("CRISISSIM_TEST_SEED_OFFSET", "0") or 0)
SEED_STRIDE = 1_000_000
"""Offset k uses seeds from k × SEED_STRIDE on; every test's seeds lie below SEED_STRIDE."""

_LOG = os.environ.get("CRISISSIM_TEST_STATS_LOG")


def seeds(n: int, base: int = 0) -> list[int]:
    """``n`` replication seeds ``base, base + 1, …``, moved by the seed offset."""
    assert 0 <= base and base + n <= SEED_STRIDE
    start = base + SEED_OFFSET * SEED_STRIDE
    return list(range(start, start + n))


def seed(base: int) -> int:
    """One seed, moved by the seed offset like ``seeds``."""
    return seeds(1, base)[0]


def declared(nodeid: str) -> int:
    """How many statistical checks the test with this pytest node id declares."""
    return CHECKS.get(nodeid.rsplit("/", 1)[-1], 0)


class _Current:
    nodeid: str | None = None
    made = 0


current = _Current()


def begin(nodeid: str) -> None:
    current.nodeid, current.made = nodeid, 0


def end() -> int:
    made, current.nodeid, current.made = current.made, None, 0
    return made


def t_check(values, expected: float, what: str, skewed: bool = False) -> dict:
    """The t statistic of the replication mean against ``expected`` and its two-sided p-value.

    ``skewed``: of log(mean), with the delta-method standard error ``sd / (√n · mean)``
    (right-skewed positive values; less lopsided than the mean itself).
    """
    v = np.asarray(values, dtype=float)
    n = len(v)
    mean = float(v.mean())
    sd = float(v.std(ddof=1))
    level = SKEWED_LEVEL if skewed else T_LEVEL
    q = float(stats.t.ppf(1 - level / 2, n - 1))
    if skewed:
        assert expected > 0 and (v > 0).all(), f"{what}: a skewed check needs positive values"
        se = sd / (np.sqrt(n) * mean)
        diff = np.log(mean) - np.log(expected)
        lo, hi = expected * np.exp(-q * se), expected * np.exp(q * se)
    else:
        se = sd / np.sqrt(n)
        diff = mean - expected
        lo, hi = expected - q * se, expected + q * se
    if se > 0:
        t = diff / se
        p = float(2 * stats.t.sf(abs(t), n - 1))
    else:
        t, p = (0.0, 1.0) if diff == 0 else (float("inf"), 0.0)
    return {"kind": "mean", "what": what, "n": n, "mean": mean, "expected": float(expected), "t": float(t),
            "p": p, "level": level, "skewed": skewed, "lo": float(lo), "hi": float(hi), "values": v.tolist()}


def assert_mean(values, expected: float, what: str, *, skewed: bool = False) -> None:
    """One statistical check: the mean of ``values`` (independent replications) is ``expected``,
    by a t test at ``T_LEVEL`` (or on the log scale at ``SKEWED_LEVEL`` if ``skewed``)."""
    _take_share(what)
    r = t_check(values, expected, what, skewed)
    _finish(r, f"{what}: simulated {r['mean']:.5f}, outside [{r['lo']:.5f}, {r['hi']:.5f}] around the expected "
               f"{expected:.5f} (t = {r['t']:.2f}, n = {r['n']}{', log scale' if skewed else ''})")


def assert_same_mean(values, other, what: str) -> None:
    """One statistical check: two sets of independent replications (e.g. this engine and another
    simulator) have the same mean (Welch's two-sided t test)."""
    _take_share(what)
    a, b = np.asarray(values, dtype=float), np.asarray(other, dtype=float)
    p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    r = {"kind": "two-sample", "what": what, "n": len(a), "m": len(b), "mean": float(a.mean()),
         "expected": float(b.mean()), "p": 1.0 if np.isnan(p) and a.mean() == b.mean() else p}
    _finish(r, f"{what}: {r['mean']:.5f} (n = {len(a)}) vs {r['expected']:.5f} (n = {len(b)})")


def assert_binomial(successes: int, trials: int, p: float, what: str) -> None:
    """One statistical check: ``successes`` of ``trials`` independent tries of probability ``p``
    (exact two-sided binomial test)."""
    _take_share(what)
    r = {"kind": "binomial", "what": what, "n": int(trials), "k": int(successes), "expected": float(p),
         "p": float(stats.binomtest(int(successes), int(trials), p).pvalue)}
    _finish(r, f"{what}: {successes} of {trials} = {successes / max(trials, 1):.4f} vs probability {p:.4f}")


def assert_poisson(count: int, mean: float, what: str) -> None:
    """One statistical check: ``count`` is a draw of a Poisson variable of this ``mean``
    (exact two-sided test, twice the smaller tail)."""
    _take_share(what)
    tail = min(stats.poisson.cdf(count, mean), stats.poisson.sf(count - 1, mean))
    r = {"kind": "poisson", "what": what, "k": int(count), "expected": float(mean), "p": float(min(1.0, 2 * tail))}
    _finish(r, f"{what}: {count} vs Poisson mean {mean:.2f}")


def assert_ks(values, cdf, what: str) -> None:
    """One statistical check: ``values`` are independent draws of the distribution with this ``cdf``
    (two-sided Kolmogorov-Smirnov test, exact for small samples)."""
    _take_share(what)
    v = np.asarray(values, dtype=float)
    r = {"kind": "ks", "what": what, "n": len(v), "p": float(stats.kstest(v, cdf).pvalue)}
    _finish(r, f"{what}: {len(v)} values against the expected distribution")


def assert_family(pvalues: dict[str, float], what: str) -> None:
    """One statistical check made of several tests (name → two-sided p-value), e.g. every parameter
    of a fit against its true value: Bonferroni inside the share, so it fails when the smallest
    p-value times their number falls below ``ALPHA``."""
    _take_share(what)
    m = len(pvalues)
    worst = min(pvalues, key=pvalues.get)
    r = {"kind": "family", "what": what, "n": m, "worst": worst, "p": float(min(1.0, m * pvalues[worst]))}
    _finish(r, f"{what}: {worst} has p = {pvalues[worst]:.2g}, the smallest of {m} tests")


def _take_share(what: str) -> None:
    """Count one check against the running test's declaration (outside pytest: no count)."""
    if current.nodeid is not None:
        current.made += 1
        allowed = declared(current.nodeid)
        assert current.made <= allowed, (
            f"{current.nodeid} makes statistical check #{current.made} ({what}) but declares {allowed} "
            "in tests/stats_budget.py CHECKS: declare it there (every check takes a share of the budget)"
        )


def _finish(r: dict, detail: str) -> None:
    r.setdefault("level", ALPHA)
    r["alpha"] = ALPHA
    if _LOG:
        r.update(test=current.nodeid, offset=SEED_OFFSET)
        with open(Path(_LOG) / f"checks-{os.getpid()}.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(r) + "\n")
    assert r["p"] >= r["level"], (
        f"{detail}: p = {r['p']:.2g} < {r['level']:.2g}; each of the suite's {N_CHECKS} statistical checks has "
        f"a share {ALPHA:.2g} of a {FAMILY_ALPHA:.0%} false-alarm budget (tests/stats_budget.py; seed offset {SEED_OFFSET})"
    )
