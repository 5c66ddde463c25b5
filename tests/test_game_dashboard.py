"""The dashboard tells the state: queue states from the scenario's targets, answer speed and
service level over recent windows equal to the contacts themselves, the clock in time of day,
skipping dead time to the next event, a feed from the scenario's templates, layouts for any window."""

from __future__ import annotations

import pytest

pygame = pytest.importorskip("pygame")

from game_helpers import BUNDLED, RECALL, make_app, press, run_until, start_run  # noqa: E402

from pathlib import Path  # noqa: E402

from crisissim import Simulation, load_scenario  # noqa: E402
from crisissim.game.clock import SKIP_STEP, TICK  # noqa: E402
from crisissim.game.feed import Feed  # noqa: E402
from crisissim.game.fmt import TimeOfDay  # noqa: E402
from crisissim.game.history import History  # noqa: E402
from crisissim.game.scenes import panels  # noqa: E402
from crisissim.game.scenes.card import CardScene  # noqa: E402


@pytest.fixture(scope="module")
def recall():
    return load_scenario(RECALL)


def test_queue_states_come_from_the_service_target_and_the_sla(tmp_path):
    app = make_app(tmp_path)
    dash = start_run(app)
    # hotline: service level threshold 30 s; on target up to it, over target from 4× it
    assert [panels.queue_state(dash, "general", w)[0] for w in (0.4, 0.5, 1.0, 1.99, 2.0)] == \
        ["ok", "ok", "warn", "warn", "bad"]
    # email: SLA 6 h; slipping from half of it, over target at it
    assert [panels.queue_state(dash, "refund", w)[0] for w in (170, 181, 359, 360)] == ["ok", "warn", "warn", "bad"]
    assert panels.loss_state(100, 1000, 0.5) == "ok" and panels.loss_state(600, 1000, 0.5) == "warn"
    assert panels.loss_state(1001, 1000, 0.9) == "bad" and panels.loss_state(5, None, 0.1) == "none"
    assert [panels.reputation_state(r, 55) for r in (61, 59, 54.9)] == ["ok", "warn", "bad"]


def test_recent_windows_equal_the_contacts_themselves(recall):
    sim = Simulation(recall, 9, record_contacts=True)
    h = History(recall.contact_types, 1.0)
    h.record(0.0, 0.0, 0.0, sim.contact_stats())
    for t in range(1, 181):
        sim.run_until(float(t))
        h.record(float(t), 0.0, 0.0, sim.contact_stats())
    sync = [n for n, ct in recall.contact_types.items() if recall.channels[ct.channel].kind == "sync"]
    thr = recall.scoring.service_level.threshold
    w15 = h.window(180.0, 15.0, sim.contact_stats(), sync)
    answered = [(r[2] - r[1]) for r in sim.records if r[0] in sync and r[4] == "served" and 165 < r[2] <= 180]
    assert w15.minutes == 15.0
    assert w15.answered >= len(answered)
    recorded_within = sum(1 for wt in answered if wt <= thr)
    assert w15.within >= recorded_within
    # the engine's counters and the records agree exactly once every contact answered has finished
    sim.run_until(recall.meta.duration)
    done = [(r[2] - r[1]) for r in sim.records if r[0] in sync and r[4] == "served" and 165 < r[2] <= 180]
    assert w15.answered == len(done)
    assert w15.within == sum(1 for wt in done if wt <= thr)
    assert w15.answer_speed == pytest.approx(sum(done) / len(done))


def test_the_clock_speaks_in_time_of_day(tmp_path):
    clock = TimeOfDay(8 * 60)
    assert [clock(t) for t in (0, 59.99, 60, 16 * 60, 24 * 60 + 5)] == ["08:00", "08:59", "09:00", "D2 00:00", "D2 08:05"]
    assert TimeOfDay(None)(95) == "+01:35"
    assert [lbl for _, lbl in clock.hour_ticks(0, 720, 7)] == ["08:00", "10:00", "12:00", "14:00", "16:00", "18:00", "20:00"]
    assert [t for t, _ in TimeOfDay(19 * 60 + 30).hour_ticks(0, 480, 8)] == [30, 90, 150, 210, 270, 330, 390, 450]
    for p in BUNDLED:
        assert load_scenario(p).meta.start is not None, p.name
    rumour = load_scenario(next(p for p in BUNDLED if p.name == "viral-rumour.yaml"))
    inj = next(i for i in rumour.injects if i.id == "rumour-post")
    assert TimeOfDay(rumour.meta.start)(inj.at) == "20:00"  # "at 20:00 an anonymous account claims…"


def test_skip_runs_to_the_next_inject_then_to_the_next_card(tmp_path):
    app = make_app(tmp_path)
    dash = start_run(app)
    press(app, "n")
    assert dash.clock.skipping
    run_until(app, lambda: not dash.clock.skipping)
    t = dash.clock.snap.time
    assert 45.0 <= t <= 45.0 + SKIP_STEP + 1e-6  # the video goes viral at 45 min
    assert dash.events[-1]["kind"] == "inject" and dash.events[-1]["id"] == "video"
    press(app, "n")
    run_until(app, lambda: isinstance(app.stack.top, CardScene))
    assert not dash.clock.skipping and dash.clock.snap.time == pytest.approx(60.0, abs=SKIP_STEP)
    # a frame of skipping stays short: a few milliseconds of simulation, then it draws
    press(app, "escape")
    press(app, "escape")


def test_skip_stops_when_the_trainee_pauses(tmp_path):
    app = make_app(tmp_path)
    dash = start_run(app)
    press(app, "n")
    app.update(TICK)
    press(app, "space")
    t = dash.clock.snap.time
    app.update(TICK)
    assert dash.clock.paused and not dash.clock.skipping and dash.clock.snap.time == t


def test_the_feed_wears_the_scenarios_templates_whatever_the_pace(recall):
    def feed_at(step):
        sim = Simulation(recall, 5)
        feed = Feed(recall, 5)
        t = 0.0
        while t < 240:
            t = min(240.0, t + step)
            snap = sim.run_until(t)
            feed.take_posts(snap.recent_posts)
        return [(i.t, i.contact_type, str(i.author), str(i.text), i.reach, i.tone) for i in feed.items if i.kind == "post"]

    slow, fast = feed_at(0.5), feed_at(3.0)
    assert slow == fast and len(slow) > 20
    authors = {a for _, _, a, _, _, _ in slow}
    assert len(authors) >= 4 and "None" not in authors
    runs = {}
    for _, kind, _, text, _, tone in slow:
        runs.setdefault((kind, tone == "negative"), []).append(text)
    assert all(a != b for seq in runs.values() for a, b in zip(seq, seq[1:]))  # never the same words twice in a row
    negative = [i for i in slow if i[5] == "negative"]
    assert negative and all(r > 0 for *_, r, _ in negative)


def test_company_statements_and_replies_appear_in_the_feed(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    dash = start_run(app)
    press(app, "e")  # post an update on social media (a statement with a post text)
    run_until(app, lambda: dash.clock.snap.time > 31 or isinstance(app.stack.top, CardScene))
    kinds = [i.kind for i in dash.feed.items]
    assert "company" in kinds and "reply" in kinds
    company = next(i for i in dash.feed.items if i.kind == "company")
    assert company.text.get("zh").startswith("关于第42批次水壶的最新进展")
    reply = next(i for i in dash.feed.items if i.kind == "reply")
    assert reply.count > 0 and reply.text is not None


@pytest.mark.parametrize("size", [(960, 540), (1280, 720), (1600, 900), (1920, 1080), (2560, 1440)])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_layouts_use_the_window_and_never_shrink_text(tmp_path, size, lang):
    app = make_app(tmp_path, speed=20.0, lang=lang, size=size)
    dash = start_run(app)
    run_until(app, lambda: dash.clock.snap.time > 50)
    surface = pygame.Surface(size)
    app.draw(surface)
    assert app.size == size and app.fonts.scale == pytest.approx(max(1.0, min(size[0] / 1280, size[1] / 720)))
    assert min(px for px, _ in app.fonts._cache) >= 12
    lay = panels.layout(app)
    for name in ("service", "queues", "staff", "reputation", "loss", "actions", "events", "social"):
        r = lay[name]
        assert surface.get_rect().contains(r), name
    for b in dash.top_buttons() + dash.action_buttons():
        assert surface.get_rect().contains(b.rect)


STORM = """
meta: {id: storm, title: Storm, duration: 6h, seed: 2, start: "09:00"}
channels:
  phone: {kind: sync, patience: {dist: exponential, mean: 3m}}
contact_types:
  calls: {channel: phone, label: Calls, arrival: {rate: 60, per: hour}, handle_time: {dist: exponential, mean: 2m}}
pools:
  agents: {size: 4, skills: [calls]}
decisions:
  - id: weather
    title: Weather
    at: 10m
    deadline: 5m
    default: storm
    options:
      - {id: calm, label: Calm}
      - id: storm
        label: Storm in 20 minutes
        delay: 20m
        effects: [{effect: surge, target: calls, peak: 3, half_life: 3h}]
"""


def test_an_early_warning_alarm_shows_in_events_queue_and_stops_a_skip(tmp_path):
    path = tmp_path / "storm.yaml"
    path.write_text(STORM)
    app = make_app(tmp_path, file=path, speed=20.0)
    dash = start_run(app)
    card = run_until(app, lambda: isinstance(app.stack.top, CardScene)) or app.stack.top
    press(app, "abcde"[[o.id for o in card.options()].index("storm")])
    assert app.stack.top is dash and not dash.clock.snap.alarms["calls"].raised
    press(app, "n")  # nothing is logged when the calls rise: only the alarm can stop the skip
    run_until(app, lambda: not dash.clock.skipping)
    snap = dash.clock.snap
    alarm = snap.alarms["calls"]
    assert alarm.raised and alarm.first_raised <= snap.time <= alarm.first_raised + SKIP_STEP + 1e-6
    assert snap.time > 30.0 and not snap.finished
    events = [e for e in dash.events if e["kind"] == "alarm"]
    assert [e["type"] for e in events] == ["calls"] and events[0]["t"] == snap.time
    ratio = alarm.observed_rate / alarm.expected_rate
    assert dash.toast == f"Early warning: “Calls” arrivals at {ratio:.1f}× the forecast"
    line, colour, _ = panels.event_line(dash, events[0])
    assert line == f"▲ Early warning: {alarm.observed_rate:.0f}/h, forecast 60 · “Calls”"
    app.draw(pygame.Surface((1280, 720)))


def test_exposures_get_a_panel_when_the_scenario_has_them(tmp_path):
    exposure = Path(__file__).parent / "data" / "exposure.yaml"
    app = make_app(tmp_path, file=exposure, speed=60.0, seed=7)
    dash = start_run(app)
    run_until(app, lambda: dash.clock.snap.time > 100 and app.stack.top is dash)
    lay = panels.layout(app)
    assert "exposures" in lay and lay["exposures"].bottom < lay["events"].top
    assert dash.events[0]["kind"] == "exposure_open"
    assert panels.event_line(dash, dash.events[0])[0] == "▲ Faulty kettles in homes: 10,000 kettles at risk"
    surface = pygame.Surface((1280, 720))
    app.draw(surface)
    import json

    from test_engine_behaviour import crisis_dict

    data = crisis_dict()  # a scenario without exposures
    data["channels"]["social"]["excitation"] = 1.5  # validate refuses the explosive 2.0
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    plain = make_app(tmp_path, file=path)
    start_run(plain)
    assert not plain.session.scenario.exposures and "exposures" not in panels.layout(plain)


def test_loss_parts_that_do_not_fit_are_summed_so_the_rows_add_up():
    parts = [("churn", 18_000.0), ("compensation", 0.0), ("staff", 2_604.0), ("actions", 397_000.0), ("ops", 5.0)]
    total = sum(v for _, v in parts)
    assert panels.fold_parts(parts, 5, "other") == parts
    assert panels.fold_parts(parts, 0, "other") == []
    for shown in range(1, 5):
        rows = panels.fold_parts(parts, shown, "other")
        assert len(rows) == shown and rows[-1][0] == "other" and sum(v for _, v in rows) == total
    assert panels.fold_parts(parts, 3, "other") == [("churn", 18_000.0), ("actions", 397_000.0), ("other", 2_609.0)]
