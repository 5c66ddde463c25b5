"""``crisissim run``: summary, result files, save and replay, comparison, bad input."""

from __future__ import annotations

import json

import pytest

from crisissim.cli import main
from crisissim.engine import Simulation
from crisissim.save import build_save, write_save
from crisissim.scenario import bundled_scenarios_dir, load_scenario, scenario_hash

SCEN = bundled_scenarios_dir()


def run(args, capsys):
    code = main(["run", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_default_scenario_prints_a_summary(capsys):
    code, out, err = run([], capsys)
    assert code == 0, err
    assert out.startswith("delivery-breakdown — ")
    for word in ("total loss", "contacts", "service level", "reputation", "churned"):
        assert word in out


def test_json_keys_and_conservation(tmp_path, capsys):
    p = tmp_path / "r.json"
    code, _, err = run([str(SCEN / "product-recall.yaml"), "--seed", "3", "--json", str(p)], capsys)
    assert code == 0, err
    d = json.loads(p.read_text())
    for k in ("scenario", "seed", "total_loss", "losses", "contacts", "wait", "service_level", "reputation",
              "churned", "decisions"):
        assert k in d
    c = d["contacts"]
    assert c["arrived"] == c["served"] + c["abandoned"] + c["waiting"] + c["in_service"] + c["backlog"]
    assert set(d["wait"]) >= {"mean", "p50", "p90", "p99"}
    assert d["seed"] == 3


def test_json_to_stdout_and_csv_files(tmp_path, capsys):
    tl, iv = tmp_path / "t.csv", tmp_path / "i.csv"
    code, out, err = run([str(SCEN / "viral-rumour.yaml"), "--json", "-", "--timeline", str(tl), "--intervals", str(iv)], capsys)
    assert code == 0
    assert json.loads(out)["scenario"] == "viral-rumour"
    assert "total loss" in err
    head = tl.read_text().splitlines()
    assert head[0].startswith("time,waiting,backlog,in_service,agents,reputation,loss,churned,posts,queue.")
    assert len(head) == 8 * 60 + 2  # one sample a minute, both ends, plus the header
    rows = iv.read_text().splitlines()
    assert rows[0] == ("start,offered,answered,abandoned,service_level,asa,occupancy,backlog,"
                       "occupancy.hotline,occupancy.social,occupancy.security-desk")
    assert len(rows) == 1 + 16  # 8 h of 30-minute intervals


def test_same_seed_same_json_bytes(tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    run(["--seed", "5", "--json", str(a)], capsys)
    run(["--seed", "5", "--json", str(b)], capsys)
    assert a.read_bytes() == b.read_bytes()


def test_policy_run_saves_and_replays_identically(tmp_path, capsys):
    r1, r2, save = tmp_path / "r1.json", tmp_path / "r2.json", tmp_path / "s.json"
    code, _, err = run([str(SCEN / "product-recall.yaml"), "--seed", "8", "--policy", "first",
                        "--json", str(r1), "--save", str(save)], capsys)
    assert code == 0, err
    code, out, err = run(["--replay", str(save), "--json", str(r2)], capsys)
    assert code == 0, err
    assert "replayed from s.json" in out
    assert r1.read_bytes() == r2.read_bytes()


def test_trainee_play_replays_identically(tmp_path, capsys):
    """A trainee decides between frames, acts at odd moments and lets one card time out."""
    path = SCEN / "product-recall.yaml"
    sc = load_scenario(path)
    sim = Simulation(sc, 21)
    choices = {"recall": "quiet-fix"}  # the statement card is left to its deadline
    t = 0.0
    while not sim.finished:
        t += 0.37
        sim.run_until(t)
        snap = sim.snapshot()
        for card in snap.open_cards:
            if card.id in choices and snap.time - card.shown > 3.1:
                sim.decide(card.id, choices.pop(card.id))
        if 100 < snap.time < 101 and any(a.id == "faq" and a.ready for a in snap.actions):
            sim.act("faq")
        if 200 < snap.time < 200.4:
            sim.act("social-update")
    d = sim.result().to_dict()
    by = {x.get("card") or x.get("action"): x["by"] for x in d["decisions"]}
    assert by["recall"] == "trainee" and by["faq"] == "trainee"
    assert by["statement"] == "timeout"
    save = tmp_path / "play.json"
    write_save(save, build_save(sc, 21, d["decisions"], path=str(path), policy="trainee"))
    out = tmp_path / "replay.json"
    code, _, err = run(["--replay", str(save), "--json", str(out)], capsys)
    assert code == 0, err
    replayed = json.loads(out.read_text())
    replayed.pop("policy")
    assert json.dumps(replayed, sort_keys=True) == json.dumps(d, sort_keys=True)


@pytest.fixture
def good_save(tmp_path, capsys):
    save = tmp_path / "s.json"
    code, _, _ = run(["--seed", "2", "--policy", "first", "--save", str(save)], capsys)
    assert code == 0
    return save


def test_truncated_save_is_one_clear_line(good_save, capsys):
    text = good_save.read_text()
    good_save.write_text(text[: len(text) // 2])
    code, out, err = run(["--replay", str(good_save)], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{good_save}:")
    assert out == ""


def test_edited_save_names_the_field(good_save, capsys):
    d = json.loads(good_save.read_text())
    d["seed"] = "eleven"
    good_save.write_text(json.dumps(d, indent=2))
    code, _, err = run(["--replay", str(good_save)], capsys)
    assert code == 1
    line = err.strip()
    assert line.startswith(f"{good_save}:") and ": seed: " in line and "\n" not in line


def test_save_of_another_scenario_is_refused(good_save, capsys):
    saved = json.loads(good_save.read_text())["scenario"]["hash"]
    other = scenario_hash(load_scenario(SCEN / "viral-rumour.yaml"))
    assert saved != other
    code, _, err = run([str(SCEN / "viral-rumour.yaml"), "--replay", str(good_save)], capsys)
    assert code == 1
    assert err == (
        f"{good_save}: scenario.hash: scenario 'viral-rumour', the save is of 'delivery-breakdown' "
        f"(expected hash {saved[:12]}…, got {other[:12]}…)\n"
    )


def test_changed_scenario_is_refused(tmp_path, capsys):
    src = (SCEN / "viral-rumour.yaml").read_text().replace("include: shared/customers.yaml", "include: " + str(SCEN / "shared/customers.yaml"))
    scen = tmp_path / "v.yaml"
    scen.write_text(src)
    save = tmp_path / "s.json"
    assert run([str(scen), "--save", str(save)], capsys)[0] == 0
    scen.write_text(src.replace("size: 9", "size: 10"))
    code, _, err = run(["--replay", str(save)], capsys)
    assert code == 1
    assert "scenario 'viral-rumour' has changed since the save was written" in err


def test_compare_runs_other_policies_on_the_same_seed(capsys):
    code, out, err = run([str(SCEN / "product-recall.yaml"), "--compare", "first,default"], capsys)
    assert code == 0, err
    table = out.split("same seed, other policies")[1].strip().splitlines()[2:]
    assert [row.split()[0] for row in table] == ["default", "first"]  # each policy once; this run first
    assert table[0].split()[2] == "+0"
    code, out, err = run([str(SCEN / "product-recall.yaml"), "--policy", "first", "--compare", "first,default,first"],
                         capsys)
    assert code == 0, err
    again = out.split("same seed, other policies")[1].strip().splitlines()[2:]
    assert [row.split()[0] for row in again] == ["first", "default"]
    assert again[0].split()[1] == table[1].split()[1]  # same seed, same policy, same loss
    assert again[1].split()[1] == table[0].split()[1]


def test_bad_flags_are_one_line(capsys):
    code, _, err = run(["--seed", "-4"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    code, _, err = run(["--policy", "nosuch"], capsys)
    assert code == 2 and err.strip().startswith("crisissim: error: unknown policy 'nosuch'")
    code, _, err = run(["/nonexistent/x.yaml"], capsys)
    assert code == 1 and err.strip() == "/nonexistent/x.yaml:1:1: no such file"


def test_interval_flag_sets_the_kpi_interval(tmp_path, capsys):
    iv = tmp_path / "i.csv"
    code, _, err = run(["--interval", "1h", "--intervals", str(iv)], capsys)
    assert code == 0, err
    rows = iv.read_text().splitlines()
    assert len(rows) == 1 + 10 and rows[2].startswith("60,")
    code, _, err = run(["--interval", "soon"], capsys)
    assert code == 2
    assert err.strip() == "crisissim: error: --interval: expected a duration such as 90s, 15m, 2h, 3d or minutes, got 'soon'"


def test_a_policy_that_answers_nonsense_is_one_line(tmp_path, capsys, monkeypatch):
    (tmp_path / "mypolicy.py").write_text("def pick(snapshot, card):\n    return 'nonexistent'\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = run([str(SCEN / "product-recall.yaml"), "--policy", "mypolicy.py:pick"], capsys)
    assert code == 1 and out == ""
    recall = next(c for c in load_scenario(SCEN / "product-recall.yaml").decisions if c.id == "recall")
    assert err.strip() == (
        "crisissim: error: policy 'mypolicy.py:pick' answered 'nonexistent' on card 'recall' "
        f"(expected one of: {', '.join(o.id for o in recall.options)})"
    )


def test_save_with_a_decision_the_scenario_lacks_is_one_line(good_save, capsys):
    d = json.loads(good_save.read_text())
    card = next(x for x in d["decisions"] if x.get("card"))
    card["option"] = "teleport"
    good_save.write_text(json.dumps(d, indent=2))
    code, out, err = run(["--replay", str(good_save)], capsys)
    assert code == 1 and out == ""
    i = d["decisions"].index(card)
    line = next(n for n, text in enumerate(good_save.read_text().splitlines(), 1) if '"teleport"' in text)
    col = good_save.read_text().splitlines()[line - 1].index('"teleport"') + 1
    assert err.strip() == (f"{good_save}:{line}:{col}: decisions[{i}].option: card {card['card']!r} has no "
                           "option 'teleport'")


def test_results_do_not_depend_on_the_process_hash_seed(tmp_path):
    import os
    import subprocess
    import sys

    outs = []
    for h in ("1", "2"):
        out = tmp_path / f"h{h}.json"
        env = dict(os.environ, PYTHONHASHSEED=h)
        subprocess.run([sys.executable, "-m", "crisissim", "run", str(SCEN / "viral-rumour.yaml"), "--policy", "random",
                        "--json", str(out)], check=True, env=env, capture_output=True)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
