"""End-to-end studies on the real engine and through the CLI: CRN, backends, kill and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from crisissim.cli import main
from crisissim.study import run_study
from crisissim.study.executor import DaskExecutor
from crisissim.study.output import summary_csv
from stats_budget import seed
from study_fake import SCENARIO


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "sc.yaml"
    path.write_text(yaml.safe_dump(SCENARIO))
    return path


def _width(res):
    d = max(res.summary, key=lambda r: r["diff_to_best"]["mean"])["diff_to_best"]
    return d["ci_high"] - d["ci_low"]


def test_crn_narrows_the_paired_difference_at_least_twofold():
    kw = dict(reps=40, vary={"pools.agents.size": [28, 30]}, seed=seed(5), workers=2)
    crn = run_study(SCENARIO, crn=True, **kw)
    ind = run_study(SCENARIO, crn=False, **kw)
    assert crn.replications["seed"][0] == crn.replications["seed"][40]
    assert ind.replications["seed"][0] != ind.replications["seed"][40]
    # about 4.9 times narrower (sd 0.8 over study seeds; 3.3 at worst of 11); without CRN about 1
    assert _width(ind) >= 2 * _width(crn)


def test_engine_results_identical_across_workers_and_dask():
    kw = dict(reps=8, vary={"pools.agents.size": "24:28:2"}, policies=["default"], seed=2, loss_threshold=20_000)
    one = summary_csv(run_study(SCENARIO, workers=1, **kw))
    assert summary_csv(run_study(SCENARIO, workers=2, batch_size=3, **kw)) == one
    ex = DaskExecutor(workers=2, processes=False)
    try:
        assert summary_csv(run_study(SCENARIO, executor=ex, **kw)) == one
    finally:
        ex.close()


def _cli(*args):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return [sys.executable, "-m", "crisissim", "study", *map(str, args)], env


HANG = 900  # seconds: only a hung study ever waits this long (a safety net, not a timing assertion)


@pytest.mark.slow
def test_killed_study_resumes_to_identical_summary(scenario_file, tmp_path):
    common = [scenario_file, "--reps", 60, "--vary", "pools.agents.size=22:32:2", "--seed", 4,
              "--batch-size", 5, "--quiet", "--no-plots"]
    cmd, env = _cli(*common, "--out", tmp_path / "full", "--workers", 2)
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=HANG)

    part = tmp_path / "part"
    cmd, env = _cli(*common, "--out", part, "--workers", 1)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    journal = part / "journal.jsonl"
    while proc.poll() is None:  # kill it once 5 of its 72 batches are journalled, however long that takes
        if journal.exists() and journal.read_bytes().count(b"\n") >= 6:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=HANG)
    done = journal.read_bytes().count(b"\n") - 1
    assert 5 <= done < 72, "the study should be killed part-way"
    assert not (part / "summary.csv").exists()

    cmd, env = _cli(*common, "--out", part, "--workers", 2, "--resume")
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=HANG)
    assert r.returncode == 0, r.stderr
    assert (part / "summary.csv").read_bytes() == (tmp_path / "full" / "summary.csv").read_bytes()
    batches = [json.loads(x) for x in journal.read_text().splitlines()[1:]]
    keys = [(b["level"], rep) for b in batches for rep in b["reps"]]
    assert len(keys) == len(set(keys)) == 6 * 60


def test_cli_study_writes_report(scenario_file, tmp_path, capsys):
    out = tmp_path / "o"
    code = main(["study", str(scenario_file), "--reps", "6", "--vary", "pools.agents.size=24,28",
                 "--workers", "1", "--out", str(out), "--quiet", "--loss-threshold", "30000"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Cost-optimal staffing: pools.agents.size = " in printed
    report = (out / "report.md").read_text()
    assert "## Recommendation" in report and "Cost-optimal staffing: pools.agents.size = " in report
    assert (out / "loss.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("vary,code,needle", [
    ("pools.agents.size=5:1", 2, "below its start"),
    ("pools.agents.size", 2, "PATH=RANGE"),
    ("pools.agents.size=a:b", 1, "--vary pools.agents.size=a:b: Input should be a valid integer, unable to parse "
                                 "string as an integer, got 'a:b'"),
    ("pools.agnts.size=1:3", 1, "did you mean 'agents'"),
    ("pools.agents=1,2", 1, "--vary pools.agents: not a single value (pools.agents is a mapping"),
    ("scoring.service_level.threshold=20x", 1, "--vary scoring.service_level.threshold=20x: expected a duration "
                                               "such as 90s, 15m, 2h, 3d or minutes, got '20x'"),
])
def test_cli_bad_vary_is_one_line(scenario_file, tmp_path, capsys, vary, code, needle):
    assert main(["study", str(scenario_file), "--vary", vary, "--out", str(tmp_path / "x"), "--quiet"]) == code
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1


def test_study_file_and_its_errors(scenario_file, tmp_path, capsys):
    good = tmp_path / "study.yaml"
    good.write_text(f"scenario: {scenario_file.name}\nreps: 4\nvary:\n  pools.agents.size: 24:28:4  # unquoted\n"
                    "seed: 3\nworkers: 1\nout: res\n")
    assert main(["study", str(good), "--quiet"]) == 0
    assert (tmp_path / "res" / "summary.csv").read_text().count("\n") == 3  # header + 24, 28
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"scenario: {scenario_file.name}\nreps: 1\n")
    assert main(["study", str(bad), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert f"{bad}:2:7: reps:" in err and len(err.splitlines()) == 1
    bad.write_text(f"scenario: {scenario_file.name}\nvary:\n  pools.agents.sise: 1:3\n")
    assert main(["study", str(bad), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert f"{bad}:3:3: vary.pools.agents.sise:" in err and "did you mean" in err
