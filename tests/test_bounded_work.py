"""Bounded work: what validate accepts finishes in bounded time and memory, or is refused up front in
one line. The work estimate is checked against exact integrals and against the engine itself."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from crisissim.cli import main
from crisissim.engine import Simulation, WorkloadError
from crisissim.engine.workload import estimate, hawkes_factor
from crisissim.scenario import load_scenario_text, validate_text
from crisissim.study import StudyError, run_study

ROOT = Path(__file__).resolve().parents[1]
BASE = {
    "meta": {"id": "w", "title": "w", "duration": "10h", "seed": 1},
    "channels": {"phone": {"kind": "sync", "patience": {"dist": "exponential", "mean": "3m"}}},
    "contact_types": {"q": {"channel": "phone", "arrival": {"rate": 60, "per": "hour"},
                            "handle_time": {"dist": "exponential", "mean": "5m"}, "first_contact_resolution": 1.0}},
    "pools": {"a": {"size": 8, "skills": ["q"]}},
    "reputation": {"arrival_feedback": 0},
}


def deep(base, patch):
    import copy

    out = copy.deepcopy(base)
    for k, v in patch.items():
        out[k] = deep(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def sc(**patch):
    return load_scenario_text(yaml.safe_dump(deep(BASE, patch)))


def problems(**patch):
    _, errors, _ = validate_text(yaml.safe_dump(deep(BASE, patch)), "s.yaml")
    return [str(p) for p in errors]


def cli(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


# --- the estimate -----------------------------------------------------------------------------------

def test_estimate_of_a_constant_rate_is_rate_times_duration():
    assert estimate(sc()).contacts == pytest.approx(600)


def test_estimate_integrates_the_profile_exactly():
    # 10 h of a 3-slot profile of 2 h slots: slots 2,0.5,1 | 2,0.5 (the last 2 h cut at 10 h)
    w = estimate(sc(contact_types={"q": {"arrival": {"profile": [2, 0.5, 1], "profile_step": "2h"}}}))
    assert w.contacts == pytest.approx(60 * (2 * 2 + 2 * 0.5 + 2 * 1 + 2 * 2 + 2 * 0.5))


def test_estimate_adds_surges_and_the_worst_reputation():
    surge = {"injects": [{"id": "i", "at": "1h", "effects": [{"effect": "surge", "peak": 4, "half_life": "1h"}]}]}
    w = estimate(sc(**surge))
    assert w.contacts == pytest.approx(600 + 1 * 4 * 60 / math.log(2))  # base rate 1/min × peak × half-life/ln 2
    w = estimate(sc(reputation={"arrival_feedback": 2, "initial": 50}))
    assert w.contacts == pytest.approx(600 * (1 + 2 * 50 / 100))


def test_estimate_counts_repeats_and_bounds_them_by_time():
    w = estimate(sc(contact_types={"q": {"first_contact_resolution": 0.75}}))
    assert w.contacts == pytest.approx(600 / 0.75)  # a chain of 1 / (1 - 0.25)
    w = estimate(sc(contact_types={"q": {"first_contact_resolution": 0.0, "repeat_delay": {"dist": "fixed", "value": "2h"}}}))
    assert w.contacts == pytest.approx(600 * (1 + 600 / 120))


def test_hawkes_factor_matches_its_closed_forms():
    beta = math.log(2) / 30
    assert hawkes_factor(0.5, beta, 1e9) == pytest.approx(2.0)  # 1 / (1 - n) for a long run
    assert hawkes_factor(1.0, beta, 600) == pytest.approx(1 + beta * 600)
    assert hawkes_factor(2.0, beta, 600) == pytest.approx(1 + 2 * math.expm1(beta * 600))
    assert hawkes_factor(1.5, beta, 1e9) == math.inf


def test_the_estimate_bounds_what_the_engine_does():
    """Over seeds, a crisis with surges, repeats, redials and a social channel never handles more
    contacts than estimated."""
    data = deep(BASE, {
        "channels": {"social": {"kind": "social", "excitation": 0.8, "excitation_half_life": "30m"}},
        "contact_types": {"q": {"first_contact_resolution": 0.7, "retry": 0.5},
                          "post": {"channel": "social", "arrival": {"rate": 20}, "handle_time": {"dist": "fixed", "value": "3m"}}},
        "pools": {"a": {"size": 6, "skills": ["q", "post"]}},
        "injects": [{"id": "i", "at": "2h", "effects": [{"effect": "surge", "peak": 3, "half_life": "1h"}]}],
        "reputation": {"arrival_feedback": 1},
    })
    scenario = load_scenario_text(yaml.safe_dump(data))
    w = estimate(scenario)
    arrived = [Simulation(scenario, seed).result().to_dict()["contacts"]["arrived"] for seed in range(8)]
    assert max(arrived) < w.contacts < 20 * np.mean(arrived)


# --- refused up front, one line ---------------------------------------------------------------------

def test_a_flood_is_refused_before_it_starts(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(deep(BASE, {"contact_types": {"q": {"arrival": {"rate": 1e9}}}})))
    code, out, err = cli(["run", str(f)], capsys)
    assert code == 1 and out == ""
    assert err == (f"{f}: the run would handle about 10,000,000,000 contacts (an upper estimate, mostly contact_types.q), "
                   "more than the limit of 5,000,000; raise the limit with --max-contacts N if you mean it\n")


def test_max_contacts_raises_the_limit(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(BASE))
    assert cli(["run", str(f), "--max-contacts", "100"], capsys)[2] == (
        f"{f}: the run would handle about 600 contacts (an upper estimate, mostly contact_types.q), more than the "
        "limit of 100; raise the limit with --max-contacts N if you mean it\n")
    assert cli(["run", str(f), "--max-contacts", "600"], capsys)[0] == 0


def test_endless_repeats_in_no_time_never_start(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(deep(BASE, {"contact_types": {"q": {
        "first_contact_resolution": 0, "repeat_delay": {"dist": "fixed", "value": 0}}}})))
    code, _, err = cli(["run", str(f)], capsys)
    assert code == 1
    assert err == (f"{f}: contact_types.q: the run would never finish: every contact comes back and its repeat_delay "
                   "has mean 0, so contacts repeat endlessly at one instant\n")


def test_too_many_clock_events_are_refused(tmp_path, capsys):
    """A year sampled every minute is 527,040 samples: past the event limit of a small --max-contacts."""
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(deep(BASE, {"meta": {"duration": "366d", "sample_every": "1m", "interval": "1d"},
                                            "contact_types": {"q": {"arrival": {"rate": 0.01}}}})))
    code, _, err = cli(["run", str(f), "--max-contacts", "100000"], capsys)
    assert code == 1
    assert err.startswith(f"{f}: the run would process about 659,166 clock events (samples every meta.sample_every, ")
    assert err.endswith("more than the limit of 300,000 (3 per contact of --max-contacts); raise the limit with "
                        "--max-contacts N if you mean it\n")


def test_a_run_that_outgrows_its_estimate_is_stopped(tmp_path, capsys):
    """An action used over and over (the estimate counts each action once) surges past the budget."""
    data = deep(BASE, {"actions": [{"id": "panic", "label": "p", "effects": [
        {"effect": "surge", "peak": 10, "half_life": "10h"}]}]})
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(data))
    pol = tmp_path / "p.yaml"
    pol.write_text("actions:\n" + "".join(f"  - {{action: panic, at: {i}s}}\n" for i in range(60)))
    code, out, err = cli(["run", str(f), "--policy", f"scripted:{pol}", "--max-contacts", "7000"], capsys)
    assert code == 1 and out == ""
    assert err.startswith(f"{f}: the run outgrew its work limit at ")
    assert err.endswith(" for --max-contacts 7,000); raise the limit with --max-contacts N if you mean it\n")
    assert err.count("\n") == 1


def test_the_engine_refuses_too_without_the_cli():
    with pytest.raises(WorkloadError):
        Simulation(sc(contact_types={"q": {"arrival": {"rate": 1e10}}}), 1)
    assert Simulation(sc(), 1, max_contacts=None).result().to_dict()["contacts"]["arrived"] > 0


# --- refused by validate, at the field --------------------------------------------------------------

def _set(path: str, value):
    def edit(data):
        node = data
        *head, last = path.split(".")
        for k in head:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[last] = value
    return edit


@pytest.mark.parametrize("edit, line", [
    (lambda d: d.update(injects=[{"id": "i", "at": 0, "every": 1e-9}]),
     "s.yaml:19:10: injects[0].every: too small for this run: it would fire up to 600,000,000,000 times (at most "
     "1,000,000; expected at least 0.036s or a limit)"),
    (_set("contact_types.q.arrival", {"rate": 60, "profile": [1, 2], "profile_step": 1e-6}),
     "s.yaml:13:21: contact_types.q.arrival.profile_step: too small for this run: 600,000,000 profile steps (at most "
     "1,000,000; expected at least 0.036s)"),
    (_set("channels.phone.patience", {"dist": "fixed", "value": 0}),
     "s.yaml:5:7: channels.phone.patience: patience must have a mean above 0 (customers who hang up at once never "
     "reach a queue)"),
    (_set("contact_types.q.handle_time", {"dist": "lognormal", "mean": 5, "cv": 1e300}),
     "s.yaml:15:11: contact_types.q.handle_time.cv: out of range (expected a value <= 100, got 1e+300)"),
    (_set("contact_types.q.handle_time", {"dist": "gamma", "mean": 5, "cv": 1e-300}),
     "s.yaml:15:11: contact_types.q.handle_time.cv: out of range (expected a value >= 0.001, got 1e-300)"),
])
def test_impossible_values_are_refused_by_validate(edit, line):
    data = deep(BASE, {})
    edit(data)
    _, errors, _ = validate_text(yaml.safe_dump(data), "s.yaml")
    assert [str(p) for p in errors] == [line]


@pytest.mark.parametrize("when, message, col", [
    ("time > " + "+".join(["1"] * 995), "too long (at most 64 operators; split it into several injects or cards)", 138),
    ("(" * 90 + "time > 1" + ")" * 90, "nested too deeply (at most 16 levels of parentheses, '-' and 'not')", 17),
    ("time > " + "-" * 1990 + "1", "nested too deeply (at most 16 levels of parentheses, '-' and 'not')", 24),
    ("time > " + "9" * 400, "number 99999999999999999… is too large (at most 1e+15)", 8),
])
def test_conditions_are_bounded(when, message, col):
    got = problems(injects=[{"id": "i", "when": when}])
    assert [g.split(": ", 1)[1] for g in got] == [f"injects[0].when: bad condition: {message}"]


def test_a_number_with_an_exponent_and_a_unit_is_a_duration():
    s = sc(injects=[{"id": "i", "when": "time > 1e2m", "effects": [{"effect": "cost", "amount": 1}]}])
    res = Simulation(s, 1).result().to_dict()
    assert res["losses"]["actions"] == 1  # the run is 600 minutes and 1e2m is 100: it fires (once, cost 1)


# --- studies ----------------------------------------------------------------------------------------

def test_a_study_too_large_for_memory_is_refused(capsys, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(BASE))
    code, _, err = cli(["study", str(f), "--reps", "10000000", "--vary", "pools.a.size=1:100", "-q"], capsys)
    assert code == 1
    assert err == ("crisissim study: error: the study asks for up to 1,000,000,000 replications (100 levels × "
                   "10,000,000), more than the limit of 1,000,000; lower --reps or narrow --vary\n")
    with pytest.raises(StudyError) as e:
        run_study(deep(BASE, {"meta": {"duration": "366d", "interval": "10m"}}), reps=200, workers=1)
    assert str(e.value) == ("the study would keep about 94,873,600 result values in memory (200 replications × 52,704 KPI "
                            "intervals), more than the limit of 50,000,000; lower --reps, narrow --vary or lengthen "
                            "meta.interval")


def test_a_level_over_the_work_limit_is_refused_before_any_runs():
    with pytest.raises(StudyError) as e:
        run_study(BASE, reps=2, vary={"contact_types.q.arrival.rate": [60, 1e9]}, workers=1)
    assert str(e.value) == ("level 1 (contact_types.q.arrival.rate=1e+09): the run would handle about "
                            "10,000,000,000 contacts (an upper estimate, mostly contact_types.q), more than the limit of 5,000,000; "
                            "raise the limit with --max-contacts N if you mean it")


def test_workers_are_capped_at_the_work_and_the_cpus(monkeypatch):
    from crisissim.study import run as study_run

    made = []

    class Recording(study_run.LocalExecutor):
        def __init__(self, workers=None, start_method=None):
            made.append(workers)
            super().__init__(1)

    monkeypatch.setattr(study_run, "LocalExecutor", Recording)
    run_study(BASE, reps=2, workers=4096)
    assert made == [min(2, study_run.cpu_count())]


def test_a_policy_that_breaks_inside_a_worker_is_one_line(tmp_path, capsys):
    data = deep(BASE, {"decisions": [{"id": "card", "title": "c", "at": "1h", "default": "a",
                                      "options": [{"id": "a", "label": "a"}, {"id": "b", "label": "b"}]}]})
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(data))
    (tmp_path / "p.py").write_text("def f(snapshot, card):\n    raise RuntimeError('boom')\n")
    code, _, err = cli(["study", str(f), "--reps", "2", "--batch-size", "2", "-q", "--workers", "2", "--policy",
                        str(tmp_path / "p.py") + ":f",
                        "--out", str(tmp_path / "o")], capsys)
    assert code == 1
    assert err == (f"crisissim study: error: level 0, replication 0 (seed {err.split('(seed ')[1].split(')')[0]}): "
                   f"policy '{tmp_path / 'p.py'}:f' failed on card 'card': RuntimeError: boom\n")


def test_a_bad_scripted_policy_is_one_line_before_any_worker(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(BASE))
    pol = tmp_path / "p.yaml"
    pol.write_text("cards:\n  nope: x\n  nada: y\n")
    code, _, err = cli(["study", str(f), "--reps", "2", "-q", "--policy", f"scripted:{pol}"], capsys)
    assert code == 1
    assert err == (f"crisissim study: error: {pol}:2:3: cards.nope: unknown card 'nope' (expected one of: none) "
                   "(and 1 more)\n")


# --- scripted policies are bounded like scenarios ---------------------------------------------------

def test_a_scripted_policy_nested_100000_deep_is_one_line(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(BASE))
    pol = tmp_path / "p.yaml"
    pol.write_text("cards: " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, _, err = cli(["run", str(f), "--policy", f"scripted:{pol}"], capsys)
    assert code == 2
    assert err == f"crisissim: error: {pol}:1:107: YAML syntax error: nesting deeper than 100 levels\n"


def test_a_million_aliased_actions_are_refused_at_once(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(deep(BASE, {"actions": [{"id": "faq", "label": "f"}]})))
    pol = tmp_path / "p.yaml"
    pol.write_text("x: &a {action: faq, at: 1m}\nactions: [" + ", ".join(["*a"] * 1_000_000) + "]\n")
    code, _, err = cli(["run", str(f), "--policy", f"scripted:{pol}"], capsys)
    assert code == 2
    assert err == f"crisissim: error: {pol}:2:3999975: YAML syntax error: more than 1,000,000 values\n"


def test_many_problems_in_a_scripted_policy_are_counted_not_listed(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(BASE))
    pol = tmp_path / "p.yaml"
    pol.write_text("cards:\n" + "".join(f"  c{i}: x\n" for i in range(5000)))
    code, _, err = cli(["run", str(f), "--policy", f"scripted:{pol}"], capsys)
    assert code == 2
    assert err == (f"crisissim: error: {pol}:2:3: cards.c0: unknown card 'c0' (expected one of: none) (and 20 more)\n")


# --- output failures --------------------------------------------------------------------------------

def test_json_to_a_directory_and_out_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(BASE))
    (tmp_path / "d").mkdir()
    assert cli(["run", str(f), "--json", str(tmp_path / "d")], capsys)[2] == (
        f"crisissim: error: cannot write {tmp_path / 'd'}: it is a directory, not a regular file (give a file name)\n")


def test_a_study_on_a_full_disk_is_one_line_and_resumable(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(BASE))
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096)); "
            "from crisissim.cli import main; sys.exit(main(sys.argv[1:]))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", code, "study", str(f), "--reps", "20", "--vary", "pools.a.size=4:8",
                        "-q", "--no-plots", "--workers", "1", "--out", "o"], cwd=tmp_path, capture_output=True,
                       text=True, env=env, timeout=600)
    assert r.returncode == 1
    assert r.stderr == ("crisissim study: error: cannot write o/journal.jsonl: File too large (replications finished "
                        "before are kept; free space and run again with --resume)\n")
    r = subprocess.run([sys.executable, "-m", "crisissim", "study", str(f), "--reps", "20", "--vary",
                        "pools.a.size=4:8", "-q", "--no-plots", "--workers", "1", "--out", "o", "--resume"],
                       cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "5 levels, 100 replications" in r.stdout


def test_churn_odds_beyond_floating_point_mean_no_churn_not_a_crash():
    """A negative wait weight over a tiny SLA sends the churn log-odds below -709 (exp overflows)."""
    data = deep(BASE, {"channels": {"mail": {"kind": "async", "sla": 1e-9}},
                       "contact_types": {"q": {"channel": "mail"}}, "churn": {"wait": -100}})
    res = Simulation(load_scenario_text(yaml.safe_dump(data)), 1).result().to_dict()
    assert res["contacts"]["served"] > 0 and res["churned"] >= 0
