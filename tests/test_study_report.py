"""The planner's question from the command line, and the study's answers in one vocabulary:
staffings named by their field values (and shift hours), notes at either edge of the grid,
queueing theory at the peak beside the simulation, a heatmap for two varied fields."""

from __future__ import annotations

import csv

import pytest
import yaml

from crisissim.cli import main
from crisissim.queueing import erlang_a_staffing
from crisissim.study import run_study
from crisissim.study.plots import _axis
from crisissim.study.report import recommendation_lines, report_md
from study_fake import SCENARIO, fake_replicate

SHIFTS = {**SCENARIO, "meta": {**SCENARIO["meta"], "start": "08:00"},
          "pools": {"agents": {**SCENARIO["pools"]["agents"], "size": None,
                               "shifts": [{"start": 0, "end": "1h", "size": 25}, {"start": "1h", "end": "2h", "size": 25}]}}}


def _fake(vary, **kw):
    return run_study(SCENARIO, reps=kw.pop("reps", 8), vary=vary, seed=3, replicate=fake_replicate, workers=1, **kw)


@pytest.fixture(scope="module")
def two_shifts(tmp_path_factory):
    out = tmp_path_factory.mktemp("shifts")
    res = run_study(SHIFTS, reps=3, vary={"pools.agents.shifts.0.size": [24, 30], "pools.agents.shifts.1.size": [22, 28]},
                    seed=1, workers=1, out=out)
    return res, out


def test_two_varied_shifts_are_named_by_path_and_hours(two_shifts):
    res, out = two_shifts
    c = res.recommendation["cost_optimal"]
    a, b = c["values"]["pools.agents.shifts.0.size"], c["values"]["pools.agents.shifts.1.size"]
    line = recommendation_lines(res, "CNY")[0]
    assert line.startswith(f"Cost-optimal staffing: pools.agents.shifts.0.size = {a} (shift 08:00–09:00), "
                           f"pools.agents.shifts.1.size = {b} (shift 09:00–10:00), mean total loss ")
    report = (out / "report.md").read_text()
    assert ("- Varied: `pools.agents.shifts.0.size` (shift 08:00–09:00) ∈ {24, 30}; "
            "`pools.agents.shifts.1.size` (shift 09:00–10:00) ∈ {22, 28}; policies: default") in report
    assert ("| level | pools.agents.shifts.0.size (shift 08:00–09:00) | pools.agents.shifts.1.size (shift 09:00–10:00) "
            "| n |") in report
    assert "| 3 | 30 | 28 | 3 |" in report and "size=" not in report
    head = next(csv.reader((out / "summary.csv").open()))
    assert head[:3] == ["level", "pools.agents.shifts.0.size", "pools.agents.shifts.1.size"]
    assert (out / "heatmap.png").read_bytes()[:4] == b"\x89PNG"
    label, pos, ticks, _ = _axis(res)
    assert (label, pos, ticks) == ("pools.agents.shifts.0.size (shift 08:00–09:00)", [24, 30], ["24", "30"])


def test_widen_notes_at_either_edge():
    up = recommendation_lines(_fake({"pools.agents.size": [20, 22]}))
    assert up[1].startswith("No staffing tried meets the target (80% answered within 20s) on average; the closest "
                            "is pools.agents.size = 22 at ")
    assert up[2:4] == ["Note: the cost-optimal pools.agents.size = 22 is the largest value tried; widen the range "
                       "upwards to be sure it is the optimum",
                       "Note: no staffing tried meets the target; widen the range upwards"]
    down = recommendation_lines(_fake({"pools.agents.size": [40, 42]}))
    assert down[1].startswith("Cheapest staffing that meets the target (80% answered within 20s): "
                              "pools.agents.size = 40, service level ")
    assert down[2:4] == ["Note: the cost-optimal pools.agents.size = 40 is the smallest value tried; widen the range "
                         "downwards to be sure it is the optimum",
                         "Note: the cheapest staffing that meets the target has the fewest pools.agents.size tried "
                         "(40); fewer may meet it too: widen the range downwards"]
    inside = recommendation_lines(_fake({"pools.agents.size": "24:40:4"}, reps=30))
    assert not any(x.startswith("Note:") for x in inside)


def test_queueing_theory_beside_the_simulation():
    res = _fake({"pools.agents.size": [40, 42]})
    a = erlang_a_staffing(6, 0.25, 1 / 3, 0.8, 1 / 3)
    line = recommendation_lines(res)[-1]
    assert line == (f"At the peak interval 0:00–0:30 of the forecast (360 calls an hour for pool agents, 4.0 min each) "
                    f"Erlang C asks for 29 agents on duty and Erlang A (callers hang up after 3.0 min on average) {a}; "
                    f"the cheapest staffing that meets the target has 40 on duty then: {40 - a} more than Erlang A, "
                    "because the queue built up before the peak carries into it (Erlang assumes a steady state).")
    table = report_md(res, [], None)
    assert "| on duty at peak (0:00–0:30) | Erlang C / A at peak (0:00–0:30) |" in table
    assert f"| 40 | 29 / {a} |" in table


def test_the_planners_question_from_the_command_line(tmp_path, capsys):
    """How many agents so that 80% of calls are answered within 20 s, at least cost?"""
    sc = tmp_path / "sc.yaml"
    sc.write_text(yaml.safe_dump({**SCENARIO, "scoring": {"service_level": {"target": 0.7, "threshold": "1m"}}}))
    code = main(["study", str(sc), "--reps", "3", "--vary", "pools.agents.size=26,30", "--vary",
                 "scoring.service_level.threshold=20s", "--vary", "scoring.service_level.target=80%",
                 "--workers", "1", "--quiet", "--no-plots", "--out", str(tmp_path / "o")])
    assert code == 0
    out = capsys.readouterr().out
    assert "the target (80% answered within 20s)" in out
    report = (tmp_path / "o" / "report.md").read_text()
    assert "- Target: 80% answered within 20s (abandoned calls count as missed)" in report
    rows = list(csv.DictReader((tmp_path / "o" / "summary.csv").open()))
    assert [r["scoring.service_level.threshold"] for r in rows] == ["0.333333", "0.333333"]
    assert [r["pools.agents.size"] for r in rows] == ["26", "30"]


def test_replication_counts_agree_under_sequential_modes():
    res = _fake({"pools.agents.size": "20:32:4"}, reps=20, optimize=True, max_reps=80)
    ns = sorted(r["n"] for r in res.summary)
    o = res.optimize
    text = report_md(res, [], None)
    assert (f"- Replications: KN ranking and selection: 10 per level first, then 5 at a time for the levels still in "
            f"contention (at most 80); {o['reps_used']:,} in all, {ns[0]} to {ns[-1]} per level (the full grid at 20 "
            f"per level would take 80)") in text
    assert sum(ns) == o["reps_used"] and "Cost-optimal staffing: pools.agents.size = " in text
    assert "(level " not in text and "best level" not in text


def test_a_study_file_varies_durations_and_locates_a_bad_value(tmp_path, capsys):
    (tmp_path / "sc.yaml").write_text(yaml.safe_dump(SCENARIO))
    bad = tmp_path / "study.yaml"
    bad.write_text("scenario: sc.yaml\nreps: 2\nvary:\n  scoring.service_level.threshold: [20s, 30x]\n")
    assert main(["study", str(bad), "--quiet"]) == 1
    assert capsys.readouterr().err == (
        f"crisissim study: error: {bad}:4:42: vary.scoring.service_level.threshold: 30x: expected a duration such "
        "as 90s, 15m, 2h, 3d or minutes, got '30x'\n")
