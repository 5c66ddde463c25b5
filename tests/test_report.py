"""The after-action report: report.html (charts embedded) and report.md (charts beside it), in English
or Chinese, from the game or from ``crisissim report SAVE``; scenario texts never become markup."""

from __future__ import annotations

import base64
import html
import json
import re

import pytest

from crisissim import Simulation, load_scenario
from crisissim.cli import main
from crisissim.save import build_save, write_save
from crisissim.scenario import bundled_scenarios_dir

RUMOUR = bundled_scenarios_dir() / "viral-rumour.yaml"
PNG = b"\x89PNG\r\n\x1a\n"


def played_save(tmp_path, sc, path, seed=7):
    sim = Simulation(sc, seed)
    sim.run_until(50.5)
    sim.decide("rebuttal", "evidence")
    sim.run_until(61)
    sim.act("pin-post")
    sim.post_message("A journalist calls <for a comment>", "negative")
    sim.mark("discussion", "Was pinning the post early enough?")
    d = sim.result().to_dict()
    save = tmp_path / "run.json"
    write_save(save, build_save(sc, seed, d["decisions"], path=str(path), total_loss=d["total_loss"]))
    return save, d


def test_crisissim_report_writes_html_and_markdown_with_their_charts(tmp_path, capsys):
    sc = load_scenario(RUMOUR)
    save, d = played_save(tmp_path, sc, RUMOUR)
    assert main(["report", str(save), "--reps", "3", "--workers", "1", "--quiet"]) == 0
    out = tmp_path / "run-report"
    assert capsys.readouterr().out.strip() == f"wrote {out / 'report.html'} and {out / 'report.md'} (charts beside them)"
    md = (out / "report.md").read_text(encoding="utf-8")
    page = (out / "report.html").read_text(encoding="utf-8")
    for name in re.findall(r"\]\(([^)]+\.png)\)", md):  # every image the Markdown links is there, a real PNG
        assert (out / name).read_bytes().startswith(PNG)
    assert sorted(re.findall(r"\]\(([^)]+\.png)\)", md)) == ["loss.png", "reputation.png"]
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 2 and all(base64.b64decode(i).startswith(PNG) for i in images)
    assert "src=\"http" not in page and "<script" not in page  # self-contained, nothing to run
    for words in ("After-action report — Data-breach rumour", "Scores against the scenario's targets",
                  "Grade against the expert", "Timeline", "Your decisions and what each cost or saved",
                  "Lessons of this case", 'Action: Pin a "how to check your account" post (you)',
                  "How do we answer the rumour? → Rebut now with the security evidence (you)",
                  "Discussion point: Was pinning the post early enough?"):
        assert words in md.replace("&quot;", '"') and html.escape(words) in page, words
    assert "Facilitator posted (negative): A journalist calls &lt;for a comment&gt;" in page
    assert "on 3 days — the day played and 2 more" in md
    assert md.count("95%:") >= 3 and "better on" in md


def test_the_report_in_chinese(tmp_path, capsys):
    sc = load_scenario(RUMOUR)
    save, d = played_save(tmp_path, sc, RUMOUR)
    out = tmp_path / "zh"
    assert main(["report", str(save), "--reps", "2", "--workers", "1", "--lang", "zh", "--out", str(out), "-q"]) == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# 事后报告 — 数据泄露谣言") and "## 时间线" in md and "## 本案例的经验" in md


def test_scenario_texts_never_become_markup(tmp_path):
    from test_engine_behaviour import crisis_dict

    data = crisis_dict()
    data["channels"]["social"]["excitation"] = 1.5  # validate refuses the explosive 2.0 (a branching ratio above 1)
    data["meta"]["title"] = "<img src=x onerror=alert(1)> Kettle & Co | *bold*"
    data["decisions"][0]["options"][1]["label"] = "Apologise <b>now</b>"
    path = tmp_path / "evil.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    sc = load_scenario(path)
    sim = Simulation(sc, 3)
    card = sim.run_to_next_decision()
    sim.decide(card.id, "apologise")
    d = sim.result().to_dict()
    save = tmp_path / "s.json"
    write_save(save, build_save(sc, 3, d["decisions"], path=str(path), total_loss=d["total_loss"]))
    assert main(["report", str(save), "--reps", "2", "--workers", "1", "-q"]) == 0
    page = (tmp_path / "s-report" / "report.html").read_text(encoding="utf-8")
    md = (tmp_path / "s-report" / "report.md").read_text(encoding="utf-8")
    assert "<img src=x" not in page and "<b>now" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; Kettle &amp; Co | *bold*" in page
    assert "<img" not in md and "<b>" not in md and "Kettle &amp; Co \\| \\*bold\\*" in md


def test_report_refuses_a_bad_save_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "crisissim-save"}')
    assert main(["report", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"{bad}:")
    assert main(["report", str(bad), "--lang", "fr"]) == 2


def test_the_timeline_says_which_injects_the_facilitator_fired(tmp_path, capsys):
    sc = load_scenario(RUMOUR)
    sim = Simulation(sc, 7)
    sim.run_until(sc.injects[0].at + 10)  # the scenario's own first inject has fired by itself
    fired = sc.injects[-1]
    sim.fire_inject(fired.id)
    sim.run_until(sc.injects[0].at + 20)
    d = sim.result().to_dict()
    save = tmp_path / "run.json"
    write_save(save, build_save(sc, 7, d["decisions"], path=str(RUMOUR), total_loss=d["total_loss"]))
    assert main(["report", str(save), "--reps", "2", "--workers", "1", "-q"]) == 0
    md = (tmp_path / "run-report" / "report.md").read_text(encoding="utf-8")
    assert f"| Facilitator fired: {fired.title.get('en')} |" in md
    assert f"| Event: {sc.injects[0].title.get('en')} |" in md
