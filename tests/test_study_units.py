"""Unit tests of the study building blocks: ranges, paths, seeds, statistics, KN, journal."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from crisissim.scenario.schema import Scenario
from crisissim.study.grid import StudyError, Vary, build_levels, dump, parse_values, parse_vary
from crisissim.study.journal import Journal
from crisissim.study.rns import kn_select
from crisissim.study.seeds import rep_seed
from crisissim.study.staffing import erlang_agents, mean_rate
from crisissim.study.stats import estimate, paired_t, share_best, t_cdf, t_crit, welch_t
from crisissim.study.worker import Batch
from study_fake import SCENARIO


def test_ranges_and_lists():
    assert parse_values("10:20:5") == (10, 15, 20)
    assert parse_values("10:21:5") == (10, 15, 20)
    assert parse_values("0.1:0.3:0.1") == (0.1, 0.2, 0.3)
    assert parse_values("1,2.5,4") == (1, 2.5, 4)
    assert parse_values([3, 4]) == (3, 4)
    assert parse_vary("pools.agents.size=1:3") == Vary("pools.agents.size", (1, 2, 3))
    for bad in ("5:1", "1:5:0", "a:b", "1:2:3:4", "1,1", ""):
        with pytest.raises(StudyError):
            parse_values(bad, "x")
    with pytest.raises(StudyError, match="PATH=RANGE"):
        parse_vary("pools.agents.size")


def test_paths_resolve_with_suggestions():
    sc = Scenario.model_validate(SCENARIO)
    lv = build_levels(sc, [Vary("pools.agents.size", (20, 30)), Vary("customers.clv", (1000.0, 2000.0))],
                      ["a", "b"])
    assert len(lv) == 8 and lv[-1].values == {"pools.agents.size": 30, "customers.clv": 2000.0}
    assert lv[-1].scenario["pools"]["agents"]["size"] == 30 and lv[-1].policy == "b"
    assert dump(sc)["pools"]["agents"]["size"] == 25  # base untouched
    with pytest.raises(StudyError, match="did you mean 'agents'"):
        build_levels(sc, [Vary("pools.agnts.size", (1,))], [None])
    with pytest.raises(StudyError, match="not a numeric field"):
        build_levels(sc, [Vary("meta.title", (1,))], [None])
    with pytest.raises(StudyError, match="valid integer"):
        build_levels(sc, [Vary("pools.agents.size", (1.5,))], [None])
    with pytest.raises(StudyError, match="greater than 0|valid"):
        build_levels(sc, [Vary("contact_types.billing.handle_time.mean", (0, 1))], [None])
    lv = build_levels(sc, [Vary("contact_types.billing.handle_time.mean", (3, 5))], [None])
    assert Scenario.model_validate(lv[1].scenario).contact_types["billing"].handle_time.mean == 5


def test_seeds_common_and_independent():
    ss = np.random.SeedSequence(7).spawn(4)
    assert [rep_seed(7, i) for i in range(4)] == [int(s.generate_state(1, dtype=np.uint64)[0] >> 1) for s in ss]
    assert rep_seed(7, 3, level=0) != rep_seed(7, 3, level=1) != rep_seed(7, 3)
    assert all(0 <= rep_seed(2**63 - 1, i) < 2**63 for i in range(5))


def test_t_distribution_matches_scipy():
    for df in (1, 2, 3, 7, 30, 501):
        for t in (-4.0, -1.0, 0.0, 0.3, 2.0):
            assert t_cdf(t, df) == pytest.approx(stats.t.cdf(t, df), abs=1e-10)
        assert t_crit(df) == pytest.approx(stats.t.ppf(0.975, df), abs=1e-8)
    rng = np.random.default_rng(0)
    a, b = rng.normal(10, 2, 25), rng.normal(11, 3, 25)
    assert paired_t(a, b).p_value == pytest.approx(stats.ttest_rel(a, b).pvalue, rel=1e-6)
    assert welch_t(a, b).p_value == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue, rel=0.05)
    e = estimate(a)
    assert (e.lo, e.hi) == pytest.approx(stats.t.interval(0.95, 24, loc=a.mean(), scale=stats.sem(a)))


def test_estimate_edge_cases_and_share_best():
    assert math.isnan(estimate(np.array([])).mean)
    assert estimate(np.array([1.0, np.nan, 3.0])).n == 2
    assert estimate(np.array([2.0, 2.0, 2.0])).half_width == 0
    v = np.array([[1, 2, 3], [2, 1, 3], [1, 1, 3], [0, 5, 5]], float)
    assert share_best(v).tolist() == pytest.approx([2.5 / 4, 1.5 / 4, 0.0])


def test_kn_finds_best_and_saves_replications():
    rng = np.random.default_rng(1)
    means = np.array([110.0, 100.0, 104.0, 130.0, 101.5])
    common = rng.normal(0, 20, 2000)  # CRN: shared noise dominates
    data = means[:, None] + common[None, :] + rng.normal(0, 1.5, (5, 2000))
    asked: dict[int, int] = {}

    def ensure(want):
        for k, n in want.items():
            asked[k] = max(asked.get(k, 0), n)

    res = kn_select(list(range(5)), ensure, lambda lv, n: data[lv, :n], n0=10, delta=1.0, max_reps=2000)
    assert res.best == 1 and res.resolved
    assert res.total_reps < 5 * 400 and res.reps_used[3] == 10
    assert asked == res.reps_used


def test_erlang_estimate():
    sc = Scenario.model_validate(SCENARIO)
    assert erlang_agents(sc, "agents") == 29  # a = 24 erlangs, 80% in 20 s
    assert erlang_agents(sc, None) is None
    prof = Scenario.model_validate({**SCENARIO, "contact_types": {"billing": {**SCENARIO["contact_types"]["billing"],
                                    "arrival": {"rate": 60, "per": "hour", "profile": [1, 3], "profile_step": 60}}}})
    assert mean_rate(prof.contact_types["billing"].arrival, 120) == pytest.approx(2.0)


def test_journal_drops_torn_line_and_checks_parameters(tmp_path):
    params = {"reps": 3, "seed": 1}
    j, old = Journal.open(tmp_path, params, resume=False)
    assert old == []
    j.append(Batch(0, [0, 1], [5, 6], [{"total_loss": 0.1 + 0.2}, {"total_loss": 1e300}], [{}, {}]))
    j.close()
    with open(tmp_path / "journal.jsonl", "ab") as fh:
        fh.write(b'{"kind":"batch","level":0,"re')  # SIGKILL mid-write
    with pytest.raises(StudyError, match="--resume"):
        Journal.open(tmp_path, params, resume=False)
    with pytest.raises(StudyError, match="differ \\(reps\\)"):
        Journal.open(tmp_path, {"reps": 4, "seed": 1}, resume=True)
    j, old = Journal.open(tmp_path, params, resume=True)
    assert len(old) == 1 and old[0].metrics[0]["total_loss"] == 0.1 + 0.2
    j.append(Batch(1, [0], [5], [{"total_loss": 2.0}], [{}]))
    j.close()
    lines = (tmp_path / "journal.jsonl").read_text().splitlines()
    assert [json.loads(x)["kind"] for x in lines] == ["header", "batch", "batch"]


def test_report_warns_when_the_optimum_is_at_the_edge_of_the_grid():
    from types import SimpleNamespace

    from crisissim.study.grid import Level, Vary
    from crisissim.study.report import _edge_notes

    levels = [Level(i, {"pools.a.size": v}, None, {}) for i, v in enumerate((10, 12, 14))]
    res = SimpleNamespace(levels=levels, vary=[Vary("pools.a.size", (10, 12, 14))])
    assert _edge_notes(res, 2) == ["Note: the cost-optimal pools.a.size = 14 is the largest value tried; "
                                   "widen the range to be sure it is the optimum"]
    assert "smallest" in _edge_notes(res, 0)[0]
    assert _edge_notes(res, 1) == []
