"""The honest debrief: its numbers equal independent re-runs on the same days, verdicts only where
the 95% interval leaves out zero, lessons and a grade, and the window never waits for the re-runs."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

pygame = pytest.importorskip("pygame")

from game_helpers import make_app, press, start_run  # noqa: E402

from crisissim import Simulation, load_scenario  # noqa: E402
from crisissim.game.background import DebriefWork  # noqa: E402
from crisissim.game.clock import TICK  # noqa: E402
from crisissim.game.counterfactual import Debrief, debrief_seeds, verdict_of  # noqa: E402
from crisissim.game.i18n import Words  # noqa: E402
from crisissim.game.scenes.card import CardScene  # noqa: E402
from crisissim.game.scenes.confirm import ConfirmScene  # noqa: E402
from crisissim.game.scenes.debrief import DebriefScene  # noqa: E402
from crisissim.game.telling import effect_lines  # noqa: E402
from crisissim.lessons import paired  # noqa: E402
from crisissim.policy import resolve  # noqa: E402
from crisissim.scenario import bundled_scenarios_dir  # noqa: E402

RUMOUR = bundled_scenarios_dir() / "viral-rumour.yaml"
PLAYED = [(50.5, "card", "rebuttal", "legal"), (60.25, "action", "pin-post", None)]
REPS = 4


@pytest.fixture(scope="module")
def rumour():
    return load_scenario(RUMOUR)


def manual(sc, seed, steps):
    """An independent re-run: run_until each minute, then decide or act; its metrics."""
    sim = Simulation(sc, seed)
    for t, kind, ident, option in steps:
        sim.run_until(t)
        if kind == "card":
            sim.decide(ident, option)
        else:
            sim.act(ident)
    return sim.result().metrics()


@pytest.fixture(scope="module")
def played(rumour):
    sim = Simulation(rumour, 7)
    for t, kind, ident, option in PLAYED:
        sim.run_until(t)
        sim.decide(ident, option) if kind == "card" else sim.act(ident)
    d = sim.result().to_dict()
    return sim, d


@pytest.fixture(scope="module")
def inline(rumour, played):
    sim, d = played
    return Debrief(rumour, 7, d["decisions"], d["events"], reps=REPS, base_dir=RUMOUR.parent, played=sim).run_inline()


def column(rows, key):
    return np.array([r[key] for r in rows])


def test_the_debriefs_numbers_equal_independent_reruns_on_the_same_days(rumour, played, inline):
    sim, d = played
    seeds = debrief_seeds(7, REPS)
    assert seeds[0] == 7 and len(set(seeds)) == REPS and inline.finished
    own = [manual(rumour, s, PLAYED) for s in seeds]
    assert own[0]["total_loss"] == d["total_loss"]  # day one is the day played
    rows = {r.id: r for r in inline.rows}
    assert [r.id for r in inline.rows] == ["rebuttal", "pin-post", "analysts"]
    analysts = next(c for c in rumour.decisions if c.id == "analysts")
    assert rows["analysts"].by == "timeout"
    assert rows["analysts"].alternatives == [o.id for o in analysts.options if o.id != analysts.default]
    checks = {("rebuttal", alt): [(50.5, "card", "rebuttal", alt), PLAYED[1]] for alt in ("evidence", "wait")}
    checks[("pin-post", "without")] = [PLAYED[0]]
    for (row, alt), steps in checks.items():
        other = [manual(rumour, s, steps) for s in seeds]
        eff = rows[row].effects[alt]
        for key, way, p in (("total_loss", "lower", eff.loss), ("reputation_min", "higher", eff.reputation),
                            ("service_level", "higher", eff.service)):
            diff = column(other, key) - column(own, key)
            assert p.n == REPS and p.difference.mean == pytest.approx(diff.mean(), rel=1e-12, abs=1e-9)
            assert p.difference.sd == pytest.approx(diff.std(ddof=1), rel=1e-9, abs=1e-9)
            assert p.wins == int(((diff < 0) if way == "lower" else (diff > 0)).sum())
            want = paired(column(other, key), column(own, key), way)
            assert (p.difference.lo, p.difference.hi) == pytest.approx((want.difference.lo, want.difference.hi))
    hands = [Simulation(rumour, s, resolve("default", rumour, s)).result().metrics() for s in seeds]
    p = inline.vs_hands_off
    assert p.difference.mean == pytest.approx((column(hands, "total_loss") - column(own, "total_loss")).mean())
    expert = [Simulation(rumour, s, resolve("scripted:" + str(RUMOUR.parent / "policies/viral-rumour-responsive.yaml"),
                                            rumour, s)).result().metrics() for s in seeds]
    g = inline.grade
    assert g.vs_expert.mean_a == pytest.approx(column(expert, "total_loss").mean())
    gain = column(hands, "total_loss").mean() - column(expert, "total_loss").mean()
    assert g.score == pytest.approx((column(hands, "total_loss").mean() - column(own, "total_loss").mean()) / gain)
    checks = {c.lesson.id: c for c in inline.lessons}
    assert checks["evidence-not-threats"].status == "missed"  # the trainee threatened legal action
    assert checks["evidence-not-threats"].fields["chosen"] == "legal"


def test_worker_processes_give_the_same_numbers_as_running_inline(rumour, played, inline):
    sim, d = played
    work = DebriefWork(lambda: Debrief(rumour, 7, d["decisions"], d["events"], reps=REPS, base_dir=RUMOUR.parent,
                                       played=sim), workers=1)
    try:
        assert work.wait(300), work.error
    finally:
        work.close()
    got = work.debrief
    for a, b in zip(got.rows, inline.rows):
        assert a.effects == b.effects
    assert got.vs_hands_off == inline.vs_hands_off and got.grade == inline.grade
    assert [(c.status, c.fields) for c in got.lessons] == [(c.status, c.fields) for c in inline.lessons]


def test_verdict_words_only_where_the_interval_leaves_out_zero(rumour, inline):
    w = Words("en")
    row = next(r for r in inline.rows if r.id == "rebuttal")
    for alt, eff in row.effects.items():
        state, head, detail = effect_lines(rumour, w, row, eff, REPS)
        d = eff.loss.difference
        if d.lo > 0:
            assert verdict_of(eff.loss) == "saved" and head.startswith("Your choice saved") and state == "ok"
        elif d.hi < 0:
            assert verdict_of(eff.loss) == "cost" and head.startswith("Your choice cost you") and state == "bad"
        else:
            assert "too close to call" in head and "saved" not in head and "cost" not in head
        assert f"better on {eff.better_days} of {REPS} days" in detail
    # a made-up comparison straddling zero says so, in both languages
    p = paired(np.array([10.0, -5.0, 3.0]), np.array([0.0, 0.0, 0.0]), "lower")
    assert p.difference.lo < 0 < p.difference.hi and verdict_of(p) == "close"
    from dataclasses import replace

    eff = replace(row.effects["wait"], loss=p)
    assert "too close to call" in effect_lines(rumour, w, row, eff, 3)[1]
    assert "无法判断" in effect_lines(rumour, Words("zh"), row, eff, 3)[1]
    cost = paired(np.array([0.0, 0.0, 0.0]), np.array([10_000.0, 12_000.0, 11_000.0]), "lower")  # yours lost more
    head = effect_lines(rumour, w, row, replace(eff, loss=cost), 3)[1]
    lo, hi = (float(x.rstrip("k")) for x in re.search(r"95%: ([−\d.k]+) to ([−\d.k]+)\)", head).groups())
    assert head.startswith("Your choice cost you 11,000 CNY") and 0 < lo < 11 < hi  # the interval of what it cost
    one = paired(np.array([10.0]), np.array([0.0]), "lower")
    assert math.isnan(one.difference.lo) and verdict_of(one) == "close"


def test_the_frame_loop_never_waits_for_the_reruns(tmp_path, monkeypatch):
    app = make_app(tmp_path, file=RUMOUR, speed=60.0, seed=5, debrief_reps=3)
    start_run(app)
    for _ in range(100_000):
        top = app.stack.top
        if isinstance(top, DebriefScene):
            break
        if isinstance(top, ConfirmScene):
            press(app, "y")
        elif isinstance(top, CardScene) and top.view is not None:
            press(app, "a")
        app.update(TICK)
    deb = app.stack.top
    assert isinstance(deb, DebriefScene)

    def no_simulation_here(*a, **k):
        raise AssertionError("a simulation ran in the window's process")

    monkeypatch.setattr(Simulation, "__init__", no_simulation_here)  # the workers are fresh processes
    surface = pygame.Surface((1280, 720))
    frames_before_done = 0
    seen = set()
    for _ in range(200_000):
        app.update(TICK)
        app.draw(surface)
        if deb.work.finished:
            break
        frames_before_done += 1
        seen.add(deb.work.progress())
        if frames_before_done % 50 == 0:
            import time

            time.sleep(0.01)
    assert deb.work.finished and not deb.work.error
    assert frames_before_done > 10  # frames went on while the re-runs ran
    done_counts = sorted({d for d, t in seen})
    assert len(done_counts) > 2 and done_counts[0] < done_counts[-1]  # and showed their progress
    assert all(r.done for r in deb.debrief.rows)
    for _ in range(20_000):  # then the after-action report, also written by a worker
        app.update(TICK)
        if deb.report_paths or deb.report_error:
            break
        import time

        time.sleep(0.005)
    assert not deb.report_error
    out = tmp_path / "save-report"
    assert deb.report_paths == [str(out / n) for n in ("report.html", "report.md", "loss.png", "reputation.png")]
    assert all((out / n).is_file() for n in ("report.html", "report.md", "loss.png", "reputation.png"))


def test_every_line_of_every_decision_can_be_scrolled_into_view(tmp_path, monkeypatch, rumour):
    """At the smallest window the decisions overflow; scrolling down reaches every line of them."""
    from crisissim.game.scenes import debrief as scene_module

    class Finished:  # the re-runs done in this process (the worker path has its own test above)
        def __init__(self, make, workers=None):
            self.debrief = make().run_inline()
            self.error = ""
            self.finished = True

        def close(self):
            pass

    monkeypatch.setattr(scene_module, "DebriefWork", Finished)
    app = make_app(tmp_path, file=RUMOUR, seed=7, size=(960, 540), debrief_reps=3)
    start_run(app)
    sim = app.session.sim
    for t, kind, ident, option in PLAYED:
        sim.run_until(t)
        sim.decide(ident, option) if kind == "card" else sim.act(ident)
    sim.run_until(rumour.meta.duration)
    deb = DebriefScene(app, app.session)
    drawn, widths = [], []
    real_text, real_lines = scene_module.text, deb.decision_lines
    monkeypatch.setattr(scene_module, "text", lambda surface, fonts, s, *a, **k: drawn.append(s) or
                        real_text(surface, fonts, s, *a, **k))
    deb.decision_lines = lambda width: widths.append(width) or real_lines(width)
    surface = pygame.Surface((960, 540))
    deb.draw(surface)
    lines = [item[-1] for item in real_lines(widths[-1])]
    assert len(lines) > 12 and not set(lines) <= set(drawn)  # more than one screenful
    assert any(s.startswith("↑ ↓ scroll · decision 1 of ") for s in drawn)
    for _ in range(len(lines)):
        before = deb.scroll
        deb.move(+1)
        deb.draw(surface)
        if deb.scroll == before:
            break
    assert set(lines) <= set(drawn)
    assert deb.scroll > 0
    deb.move(-len(lines))
    deb.draw(surface)
    assert deb.scroll == 0
