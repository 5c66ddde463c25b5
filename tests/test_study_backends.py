"""Backends and worker deaths: a replication whose process dies is retried elsewhere and the
study ends identical to an undisturbed one (local process pool and Dask distributed); the CLI
on a real Dask scheduler address gives the local pool's summary."""

from __future__ import annotations

import json
import socket

import dask
import distributed
import pytest
import yaml

from crisissim.cli import main
from crisissim.study import StudyError, run_study
from crisissim.study.executor import DaskExecutor, LocalExecutor
from crisissim.study.seeds import rep_seed
from study_fake import KILL_DIR_ENV, SCENARIO, always_die_replicate, fake_replicate, kill_once_replicate

VARY = {"pools.agents.size": "22:30:2"}
REPS = 12
SEED = 3


def _run(**kw):
    args = dict(reps=REPS, vary=VARY, seed=SEED, replicate=fake_replicate, workers=1, plots=False,
                loss_threshold=14_000)
    args.update(kw)
    return run_study(SCENARIO, **args)


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory):
    out = tmp_path_factory.mktemp("undisturbed")
    _run(out=out)
    return (out / "summary.csv").read_bytes()


def _kill_dir(tmp_path, targets):
    """A marker directory naming the (agents, rep) pairs whose first attempt dies."""
    d = tmp_path / "kill"
    d.mkdir()
    (d / "targets").write_text("\n".join(f"{size}-{rep_seed(SEED, rep)}" for size, rep in targets) + "\n")
    return d


def _assert_complete(out, undisturbed):
    batches = [json.loads(x) for x in (out / "journal.jsonl").read_text().splitlines()[1:]]
    keys = [(b["level"], rep) for b in batches for rep in b["reps"]]
    assert sorted(keys) == [(lv, r) for lv in range(5) for r in range(REPS)]  # each exactly once
    assert (out / "summary.csv").read_bytes() == undisturbed


def test_local_worker_death_is_retried(tmp_path, monkeypatch, undisturbed):
    kill = _kill_dir(tmp_path, [(24, 5), (28, 9)])
    monkeypatch.setenv(KILL_DIR_ENV, str(kill))
    ex = LocalExecutor(2)
    try:
        res = _run(out=tmp_path / "out", executor=ex, replicate=kill_once_replicate, batch_size=4)
    finally:
        ex.close()
    assert (kill / f"died-24-{rep_seed(SEED, 5)}").exists() and (kill / f"died-28-{rep_seed(SEED, 9)}").exists()
    assert ex.restarts >= 1
    assert len(res.replications["rep"]) == 5 * REPS
    _assert_complete(tmp_path / "out", undisturbed)


def test_local_worker_that_always_dies_gives_up_with_one_line(tmp_path):
    ex = LocalExecutor(2)
    try:  # 50 one-replication tasks: workers also die while the rest are still being submitted
        with pytest.raises(StudyError) as err:
            _run(out=tmp_path / "out", executor=ex, replicate=always_die_replicate, reps=10, batch_size=1)
    finally:
        ex.close()
    msg = str(err.value)
    assert "died 4 times in a row" in msg and "\n" not in msg
    assert ex.restarts == 4


@pytest.fixture
def dask_cluster(tmp_path, monkeypatch):
    """A fresh 2-worker, single-threaded, multi-process LocalCluster per test (nannies restart dead
    workers; a task whose worker dies is rescheduled once), so no test sees what another did to it.

    ``$CRISISSIM_TEST_KILL_DIR`` is set before the workers spawn, so they and their restarted
    successors inherit it; its ``targets`` file starts empty (nothing dies).
    """
    kill = tmp_path / "dask-kill"
    kill.mkdir()
    (kill / "targets").write_text("")
    monkeypatch.setenv(KILL_DIR_ENV, str(kill))
    # allowed-failures 1: a task survives one worker death, the second gives KilledWorker (fast)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=50,
                                           scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    try:
        yield cluster, kill
    finally:
        cluster.close()


def test_dask_worker_death_is_rescheduled(tmp_path, dask_cluster, undisturbed):
    cluster, kill = dask_cluster
    key = f"26-{rep_seed(SEED, 7)}"
    (kill / "targets").write_text(key + "\n")
    ex = DaskExecutor(cluster.scheduler_address)
    try:
        _run(out=tmp_path / "out", executor=ex, replicate=kill_once_replicate, batch_size=4)
    finally:
        ex.close()
    assert (kill / f"died-{key}").exists(), "the worker should have died once"
    _assert_complete(tmp_path / "out", undisturbed)


def test_cli_on_a_dask_scheduler_address_matches_the_local_pool(tmp_path, dask_cluster, capsys):
    cluster, _ = dask_cluster
    addr = cluster.scheduler_address
    assert addr.startswith("tcp://")
    sc = tmp_path / "sc.yaml"
    sc.write_text(yaml.safe_dump(SCENARIO))
    common = ["study", str(sc), "--reps", "6", "--vary", "pools.agents.size=24:28:2", "--seed", "5",
              "--batch-size", "4", "--quiet", "--no-plots", "--loss-threshold", "20000"]
    assert main([*common, "--workers", "2", "--out", str(tmp_path / "pool")]) == 0
    assert main([*common, "--scheduler", addr, "--out", str(tmp_path / "dask")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert (tmp_path / "dask" / "summary.csv").read_bytes() == (tmp_path / "pool" / "summary.csv").read_bytes()
    assert (tmp_path / "dask" / "intervals.csv").read_bytes() == (tmp_path / "pool" / "intervals.csv").read_bytes()


def test_cli_unreachable_scheduler_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("crisissim.study.executor.CONNECT_TIMEOUT", "1s")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sc = tmp_path / "sc.yaml"
    sc.write_text(yaml.safe_dump(SCENARIO))
    code = main(["study", str(sc), "--reps", "2", "--scheduler", f"tcp://127.0.0.1:{port}", "--quiet",
                 "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 1 and "cannot reach Dask scheduler" in err and len(err.splitlines()) == 1


def test_dask_worker_that_always_dies_gives_up_with_one_line(tmp_path, dask_cluster):
    cluster, _ = dask_cluster
    ex = DaskExecutor(cluster.scheduler_address)
    try:
        with pytest.raises(StudyError) as err:
            _run(executor=ex, replicate=always_die_replicate, reps=2, vary={"pools.agents.size": [24]},
                 batch_size=2)
    finally:
        ex.close()
    msg = str(err.value)
    assert msg.startswith("Dask workers died 2 times running level 0 reps 0..1") and "\n" not in msg
