"""Unit tests of the study building blocks: ranges, paths, seeds, statistics, KN, journal."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from crisissim.scenario.schema import Scenario
from crisissim.study.grid import StudyError, Vary, build_levels, dump, parse_values, parse_vary, resolve_vary
from crisissim.study.journal import Journal
from crisissim.study.rns import kn_select
from crisissim.study.seeds import rep_seed
from crisissim.study.stats import estimate, paired_t, share_best, t_cdf, t_crit, welch_t
from crisissim.study.worker import Batch
from study_fake import SCENARIO


def test_ranges_and_lists():
    assert parse_values("10:20:5") == (10, 15, 20)
    assert parse_values("10:21:5") == (10, 15, 20)
    assert parse_values("0.1:0.3:0.1") == (0.1, 0.2, 0.3)
    assert parse_values("1,2.5,4") == ("1", "2.5", "4")  # as written: the schema reads them
    assert parse_values([3, 4]) == (3, 4)
    assert parse_vary("pools.agents.size=1:3") == Vary("pools.agents.size", (1, 2, 3))
    # durations and percentages step in their own unit and stay as written (the schema reads them)
    assert parse_values("20s:60s:20s") == ("20s", "40s", "1m")
    assert parse_values("1h:2h:30m") == ("1h", "1h30m", "2h")
    assert parse_values("70%:90%:10%") == ("70%", "80%", "90%")
    assert parse_values("20s,30s") == ("20s", "30s") and parse_values("exponential") == ("exponential",)
    for bad, message in (("5:1", "x: range end 1 is below its start 5"), ("1:5:0", "x: step must be > 0, got '0'"),
                         ("1,1", "x: repeated values in '1,1'"), ("", "x: no values given"),
                         ("10:20s", "x: the parts of '10:20s' mix numbers, durations and percentages "
                                    "(write them all alike, e.g. 20s:60s:10s)")):
        with pytest.raises(StudyError) as e:
            parse_values(bad, "x")
        assert str(e.value) == "--vary " + message
    with pytest.raises(StudyError, match="PATH=RANGE"):
        parse_vary("pools.agents.size")


def _levels(sc, vary, policies):
    return build_levels(sc, resolve_vary(sc, vary), policies)


def test_paths_resolve_with_suggestions():
    sc = Scenario.model_validate(SCENARIO)
    lv = _levels(sc, [Vary("pools.agents.size", (20, 30)), Vary("customers.clv", (1000.0, 2000.0))], ["a", "b"])
    assert len(lv) == 8 and lv[-1].values == {"pools.agents.size": 30, "customers.clv": 2000.0}
    assert lv[-1].scenario["pools"]["agents"]["size"] == 30 and lv[-1].policy == "b"
    assert dump(sc)["pools"]["agents"]["size"] == 25  # base untouched
    with pytest.raises(StudyError, match="did you mean 'agents'"):
        _levels(sc, [Vary("pools.agnts.size", (1,))], [None])
    with pytest.raises(StudyError, match="not a single value"):
        _levels(sc, [Vary("pools.agents", (1,))], [None])
    with pytest.raises(StudyError, match="valid integer"):
        _levels(sc, [Vary("pools.agents.size", (1.5,))], [None])
    with pytest.raises(StudyError, match=r"handle_time.mean=0: the mean must be > 0 \(at contact_types"):
        _levels(sc, [Vary("contact_types.billing.handle_time.mean", (0, 1))], [None])
    lv = _levels(sc, [Vary("contact_types.billing.handle_time.mean", (3, 5))], [None])
    assert Scenario.model_validate(lv[1].scenario).contact_types["billing"].handle_time.mean == 5


def test_every_scalar_the_schema_accepts_and_its_refusals():
    sc = Scenario.model_validate(SCENARIO)
    vary = resolve_vary(sc, [Vary("scoring.service_level.threshold", parse_values("20s:40s:10s")),
                             Vary("scoring.service_level.target", parse_values("75%,0.9")),
                             Vary("contact_types.billing.handle_time.dist", ("exponential",))])
    assert vary[0].values == pytest.approx((1 / 3, 0.5, 2 / 3)) and vary[0].shown == ("20s", "30s", "40s")
    assert vary[1].values == (0.75, 0.9) and vary[1].shown == ("75%", "0.9")
    levels = build_levels(sc, vary, [None])
    assert len(levels) == 6 and levels[5].label == ("scoring.service_level.threshold=40s, "
                                                    "scoring.service_level.target=0.9, "
                                                    "contact_types.billing.handle_time.dist=exponential")
    assert Scenario.model_validate(levels[5].scenario).scoring.service_level.threshold == pytest.approx(2 / 3)
    for path, value, message in (
        ("scoring.service_level.threshold", "20x", "expected a duration such as 90s, 15m, 2h, 3d or minutes, "
                                                   "got '20x'"),
        ("pools.agents.size", "20s", "Input should be a valid integer, unable to parse string as an integer, "
                                     "got '20s'"),
        ("scoring.service_level.target", "120%", "Input should be less than or equal to 1, got '120%'"),
        ("channels.phone.kind", "fax", "Input should be 'sync', 'async' or 'social', got 'fax'"),
    ):
        with pytest.raises(StudyError) as e:
            resolve_vary(sc, [Vary(path, (value,))])
        assert str(e.value) == f"--vary {path}={value}: {message}"
    with pytest.raises(StudyError) as e:
        resolve_vary(sc, [Vary("scoring.service_level.threshold", ("30s", "0.5"))])
    assert str(e.value) == ("--vary scoring.service_level.threshold: repeated values (30s is given twice, "
                            "perhaps written two ways)")


def test_shift_fields_are_titled_by_their_hours():
    shifts = {**SCENARIO["pools"]["agents"], "size": None,
              "shifts": [{"start": 0, "end": "1h", "size": 25}, {"start": "1h", "end": "2h", "size": 20}]}
    sc = Scenario.model_validate({**SCENARIO, "pools": {"agents": shifts}})
    v = resolve_vary(sc, [Vary("pools.agents.shifts.1.size", (20, 30)), Vary("pools.agents.wage", (30,))])
    assert [x.title for x in v] == ["pools.agents.shifts.1.size (shift 1:00–2:00)", "pools.agents.wage"]
    timed = Scenario.model_validate({**SCENARIO, "meta": {**SCENARIO["meta"], "start": "08:30"},
                                     "pools": {"agents": shifts}})
    assert resolve_vary(timed, [Vary("pools.agents.shifts.0.size", (1,))])[0].title == (
        "pools.agents.shifts.0.size (shift 08:30–09:30)")


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
