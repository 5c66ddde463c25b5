"""run_study with the fake engine: determinism across workers and backends, sequential modes,
result files, study files."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from crisissim.study import StudyError, run_study
from crisissim.study.executor import DaskExecutor
from crisissim.study.output import summary_csv
from crisissim.study.run import PRECISION_KEYS
from study_fake import SCENARIO, fake_replicate

VARY = {"pools.agents.size": "22:30:2"}


def _run(**kw):
    args = dict(reps=12, vary=VARY, seed=3, replicate=fake_replicate, workers=1)
    args.update(kw)
    return run_study(SCENARIO, **args)


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    out = tmp_path_factory.mktemp("w1")
    return _run(out=out, loss_threshold=14_000), out


def test_same_results_with_two_workers(one_worker, tmp_path):
    res1, out1 = one_worker
    res2 = _run(out=tmp_path, workers=2, batch_size=5, loss_threshold=14_000)
    assert (tmp_path / "summary.csv").read_bytes() == (out1 / "summary.csv").read_bytes()
    assert (tmp_path / "intervals.csv").read_bytes() == (out1 / "intervals.csv").read_bytes()
    assert res2.replications["total_loss"].tolist() == res1.replications["total_loss"].tolist()


def test_same_results_on_dask_local_cluster(one_worker):
    res1, _ = one_worker
    ex = DaskExecutor(workers=2, processes=False)
    try:
        res = _run(executor=ex, loss_threshold=14_000)
    finally:
        ex.close()
    assert summary_csv(res) == summary_csv(res1)


def test_summary_recommendation_and_files(one_worker):
    res, out = one_worker
    cols = res.replications
    assert len(cols["rep"]) == 5 * 12 and set(cols["pools.agents.size"].tolist()) == {22, 24, 26, 28, 30}
    assert cols["seed"][0] == cols["seed"][12]  # CRN: rep 0 of level 0 and of level 1
    best = res.recommendation["cost_optimal"]
    assert best["level"] == min(res.summary, key=lambda r: r["metrics"]["total_loss"]["mean"])["level"]
    assert 0 < best["p_best"] <= 1 and "runner_up" in best
    svc = res.recommendation["service_level"]
    assert svc is not None and svc["mean_service_level"] >= 0.8
    row = res.summary[0]
    assert row["erlang"]["erlang_c"] == 29 and 0 <= row["p_loss_over_threshold"] <= 1
    for name in ("replications.parquet", "summary.csv", "summary.json", "intervals.csv", "report.md",
                 "loss.png", "loss_parts.png", "service_level.png", "intervals.png"):
        assert (out / name).stat().st_size > 0, name
    report = (out / "report.md").read_text()
    assert "Cost-optimal staffing: pools.agents.size = " in report and "Cheapest staffing that meets" in report
    doc = json.loads((out / "summary.json").read_text())
    assert doc["recommendation"]["cost_optimal"]["level"] == best["level"]
    head = (out / "summary.csv").read_text().splitlines()[0].split(",")
    assert head[:4] == ["level", "pools.agents.size", "policy", "n"] and "total_loss_ci_high" in head
    ivs = (out / "intervals.csv").read_text().splitlines()
    assert len(ivs) == 1 + 5 * 4 and "service_level_ci_low" in ivs[0]
    t = pq.read_table(out / "replications.parquet")
    assert t.num_rows == 60 and {"level", "policy", "rep", "seed", "total_loss", "churned"} <= set(t.column_names)


def test_policies_multiply_levels_and_pandas_hint():
    res = _run(reps=4, vary={"pools.agents.size": [24, 28]}, policies=["default", "slow"])
    assert [(r["values"]["pools.agents.size"], r["policy"]) for r in res.summary] == [
        (24, "default"), (24, "slow"), (28, "default"), (28, "slow")]
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pandas"):
            res.to_pandas()
    else:
        assert len(res.to_pandas()) == 16


def test_precision_adds_rounds_until_tight():
    res = _run(reps=10, vary={"pools.agents.size": [26, 30]}, precision=0.15, max_reps=60)

    def loose(r):  # targeted metrics whose CI half-width is above 15% of their mean
        m = r["metrics"]
        return [k for k in PRECISION_KEYS if k in m and (m[k]["ci_high"] - m[k]["ci_low"]) / 2 > 0.15 * abs(m[k]["mean"])]

    by_size = {r["values"]["pools.agents.size"]: r for r in res.summary}
    # 26 agents: every targeted metric within ±15% after three more rounds of 10; 30 agents: the
    # short waits' p90 never gets there, so it stops at the cap
    assert {size: r["n"] for size, r in by_size.items()} == {26: 40, 30: 60}
    assert loose(by_size[26]) == [] and "wait_p90" in loose(by_size[30])
    # ... and not a round more than needed: capped at 30 (the same replications), 26 agents is still loose
    capped = _run(reps=10, vary={"pools.agents.size": [26]}, precision=0.15, max_reps=30).summary[0]
    assert capped["n"] == 30 and loose(capped)


def test_optimize_uses_fewer_replications_than_the_grid():
    res = _run(reps=100, vary={"pools.agents.size": "20:32:2"}, optimize=True, workers=2)
    opt = res.optimize
    full = _run(reps=100, vary={"pools.agents.size": "20:32:2"})
    assert opt["resolved"] and opt["reps_used"] < opt["full_grid_reps"] == 700
    best_full = full.recommendation["cost_optimal"]["level"]
    means = {r["level"]: r["metrics"]["total_loss"]["mean"] for r in full.summary}
    assert means[opt["best"]] <= means[best_full] + opt["delta"] * 3
    lines = __import__("crisissim.study.report", fromlist=["x"]).recommendation_lines(res)
    best = next(r for r in res.summary if r["level"] == opt["best"])
    assert lines[0].startswith(f"Cost-optimal staffing: pools.agents.size = {best['values']['pools.agents.size']}, "
                               "selected by KN ranking and selection: with 95% confidence its mean total loss is within ")
    assert f"over its {best['n']} replications; {opt['reps_used']:,} replications in all against 700 " in lines[0]
    assert res.recommendation["cost_optimal"]["level"] == opt["best"]
    assert all(r["p_best"] is None for r in res.summary) and best["diff_to_best"]["mean"] == 0


def test_resume_with_other_parameters_is_an_error(tmp_path):
    _run(out=tmp_path, reps=3)
    with pytest.raises(StudyError, match="--resume"):
        _run(out=tmp_path, reps=3)
    with pytest.raises(StudyError, match=r"differ \(reps\)"):
        _run(out=tmp_path, reps=4, resume=True)
    again = _run(out=tmp_path, reps=3, resume=True)
    assert len(again.replications["rep"]) == 15


def test_bad_specs():
    with pytest.raises(StudyError, match="did you mean"):
        _run(vary={"pools.agents.sise": "1:3"})
    with pytest.raises(StudyError, match="reps"):
        _run(reps=1)
    with pytest.raises(StudyError, match="optimize"):
        _run(vary=None, optimize=True)
