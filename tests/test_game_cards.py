"""Decision cards: every open card on a tab, shuffled options with letters, truthful costs,
confirmation of costly options, and what is on its way shown until it takes effect."""

from __future__ import annotations

import pytest

pygame = pytest.importorskip("pygame")

from game_helpers import RECALL, make_app, press, run_until, run_until_card, start_run  # noqa: E402

from crisissim import Simulation, load_scenario  # noqa: E402
from crisissim.game.clock import TICK  # noqa: E402
from crisissim.game.costs import describe, estimate, is_costly, resolved_per_hour  # noqa: E402
from crisissim.game.fmt import TimeOfDay  # noqa: E402
from crisissim.game.history import History  # noqa: E402
from crisissim.game.i18n import Words  # noqa: E402
from crisissim.game.pending import from_event  # noqa: E402
from crisissim.game.scenes.card import CardScene, option_order  # noqa: E402
from crisissim.game.scenes.confirm import ConfirmScene  # noqa: E402
from crisissim.scenario import bundled_scenarios_dir  # noqa: E402


@pytest.fixture(scope="module")
def recall():
    return load_scenario(RECALL)


def option(sc, card, opt):
    return next(o for o in next(c for c in sc.decisions if c.id == card).options if o.id == opt)


# ---------------------------------------------------------------- costs
def test_staff_costs_are_per_hour_at_the_overtime_wage(recall):
    o = option(recall, "staffing", "overtime")  # 10 hotline agents, 85/h, in 45 min, for 5 h
    c = estimate(recall, o, now=100.0, end=720.0, resolved={})
    assert (c.upfront, c.per_hour, c.hours, c.agents) == (0.0, 850.0, 5.0, 10)
    assert c.total == 4250.0 and not c.estimated and (c.starts, c.ends) == (145.0, 445.0)
    money, when = describe(Words("en"), c, "CNY", TimeOfDay(recall.meta.start), 100.0)
    assert money == "+850 CNY/h for 5 h (10 agents at overtime pay) · total 4,250 CNY"
    assert when == "takes effect at 10:25 (in 45 min) · lasts until 15:25"
    money, when = describe(Words("zh"), c, "CNY", TimeOfDay(recall.meta.start), 100.0)
    assert money == "另加每小时 850 CNY，持续 5小时（10 人按加班费） · 合计 4,250 CNY"
    # an overtime call near the end is paid only until the end
    late = estimate(recall, o, now=600.0, end=720.0, resolved={})
    assert late.hours == pytest.approx(75 / 60) and late.total == pytest.approx(850 * 75 / 60)


def test_compensation_is_per_resolved_customer_at_the_current_volume(recall):
    o = option(recall, "compensation", "voucher")  # 100 per resolved safety and safety-chat contact, to the end
    c = estimate(recall, o, now=200.0, end=720.0, resolved={"safety": 20.0, "safety-chat": 10.0, "general": 99.0})
    (p,) = c.per_customer
    assert p.amount == 100.0 and set(p.types) == {"safety", "safety-chat"}
    assert p.expected == pytest.approx(30.0 * 520 / 60) and c.total == pytest.approx(100 * 30.0 * 520 / 60)
    assert c.estimated and c.ends is None
    money, when = describe(Words("en"), c, "CNY", TimeOfDay(recall.meta.start), 200.0)
    assert money == "+100 CNY per resolved contact (≈ 260 at the current volume) · total ≈ 26,000 CNY"
    assert when == "takes effect at once"


def test_up_front_costs_and_the_confirmation_threshold(recall):
    full = estimate(recall, option(recall, "recall", "full-recall"), 60.0, 720.0, {})
    assert full.total == 380_000 and is_costly(recall, full)  # 5% of the 2,000,000 budget is 100,000
    apology = estimate(recall, option(recall, "statement", "apologise-now"), 75.0, 720.0, {})
    assert apology.total == 5_000 and not is_costly(recall, apology)
    money, when = describe(Words("en"), full, "CNY", TimeOfDay(recall.meta.start), 60.0)
    assert (money, when) == ("380,000 CNY now", "takes effect at 10:00 (in 1 h)")


def test_current_volume_is_the_last_half_hour_of_resolved_contacts(recall):
    sim = Simulation(recall, 4)
    h = History(recall.contact_types, 1.0)
    for t in range(0, 121):
        sim.run_until(float(t)) if t else None
        h.record(float(t), 0.0, 0.0, sim.contact_stats())
    now_stats = sim.contact_stats()
    sim_then = Simulation(recall, 4)
    sim_then.run_until(90.0)
    then = sim_then.contact_stats()
    rates = resolved_per_hour(recall, h, now_stats, 120.0)
    for name in recall.contact_types:
        assert rates[name] == pytest.approx((now_stats[name].resolved - then[name].resolved) * 2.0)
    early = resolved_per_hour(recall, h, now_stats, 5.0)  # under ten minutes: the scenario's base rate × FCR
    assert early["general"] == pytest.approx(90 * 0.9) and early["safety"] == pytest.approx(6 * 0.65)


# ---------------------------------------------------------------- cards
def test_option_order_is_shuffled_per_seed_and_repeatable(recall):
    card = next(c for c in recall.decisions if c.id == "recall")
    orders = {tuple(o.id for o in option_order(seed, card)) for seed in range(30)}
    assert len(orders) >= 4  # not always the same first option
    assert [o.id for o in option_order(7, card)] == [o.id for o in option_order(7, card)]
    firsts = {tuple(o.id for o in option_order(seed, card))[0] for seed in range(30)}
    assert firsts == {"full-recall", "quiet-fix", "wait"}


def test_all_open_cards_are_tabs_and_each_closes_on_its_own(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    dash = start_run(app)
    card = run_until_card(app)
    assert card.card_id == "recall"
    run_until(app, lambda: len(card.open_cards()) == 2)
    assert [c.id for c in card.open_cards()] == ["recall", "statement"]
    assert len(card.tab_rects(card.layout())) == 2
    press(app, "tab")
    assert card.card_id == "statement"
    press(app, "tab")
    assert card.card_id == "recall"
    rect, view = card.tab_rects(card.layout())[1]
    app.handle_event(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=rect.center))
    assert card.card_id == "statement"
    app.draw(pygame.Surface((1280, 720)))
    # the recall times out (its deadline comes first): the card stays open on the statement
    run_until(app, lambda: "recall" not in {c.id for c in card.open_cards()})
    assert app.stack.top is card and card.card_id == "statement"
    assert dash.session.decisions[-1]["by"] == "timeout" and "Time ran out" in dash.toast
    i = [o.id for o in card.options()].index("apologise-now")
    press(app, "abcde"[i])
    assert app.stack.top is dash


def test_a_costly_option_asks_first_and_no_goes_back(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    dash = start_run(app)
    card = run_until_card(app)
    i = [o.id for o in card.options()].index("full-recall")
    press(app, "abcde"[i])
    confirm = app.stack.top
    assert isinstance(confirm, ConfirmScene) and dash.session.decisions == []
    assert confirm.question() == "Spend on “Full voluntary recall now”?"
    assert confirm.detail() == "It costs about 380,000 CNY in all (the loss budget is 2,000,000 CNY)."
    t0 = dash.clock.snap.time
    for _ in range(10):
        app.update(TICK)
    assert dash.clock.snap.time == t0  # the clock waits for the answer
    press(app, "n")
    assert app.stack.top is card and dash.session.decisions == []
    press(app, "abcde"[i])
    press(app, "return")
    assert dash.session.decisions[-1]["option"] == "full-recall"


def test_pending_until_it_takes_effect(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    dash = start_run(app)
    app.update(TICK)
    press(app, "q")  # the FAQ: 40 minutes until it takes effect
    t = dash.session.decisions[-1]["t"]
    assert dash.toast == f"Publish a safety FAQ and batch checker: on its way, takes effect at {dash.time_of_day(t + 40)}"
    (p,) = dash.pending
    assert p.source == "action:faq" and p.starts == pytest.approx(t + 40) and p.state(t) == "pending"
    buttons = {b.action: b for b in dash.action_buttons()}
    assert buttons["faq"].sub == "pending · takes effect at 08:40"
    run_until(app, lambda: dash.clock.snap.time >= t + 40 or isinstance(app.stack.top, CardScene))
    starts = [e for e in dash.session.sim.events_since(0) if e["kind"] == "effect_start" and e["source"] == "action:faq"]
    assert starts and starts[0]["t"] == pytest.approx(p.starts)  # the engine agrees on the minute
    assert dash.pending == []  # in effect for the rest of the run: no longer "on its way"


def test_pending_knows_when_lasting_effects_end():
    sc = load_scenario(bundled_scenarios_dir() / "viral-rumour.yaml")
    p = from_event(sc, {"kind": "action", "id": "hotline-overtime", "t": 50.0})
    assert (p.starts, p.ends) == (80.0, 260.0)
    assert [p.state(t) for t in (79.9, 80.0, 259.9, 260.0)] == ["pending", "active", "active", "done"]
    assert from_event(sc, {"kind": "decision", "card": "analysts", "option": "hold", "t": 5.0}) is None  # does nothing


@pytest.mark.parametrize("size", [(960, 540), (1280, 720), (1920, 1080), (3840, 2160)])
def test_a_five_option_card_fits_at_the_largest_text(tmp_path, size):
    from test_game_keys import CROWDED

    path = tmp_path / "crowded.yaml"
    path.write_text(CROWDED)
    app = make_app(tmp_path, file=path, speed=20.0, size=size)
    start_run(app)
    card = run_until_card(app)
    for _ in range(12):
        press(app, "=", pygame.KMOD_LCTRL)
    from crisissim.game.app import max_scale

    assert app.fonts.scale == pytest.approx(max_scale(size)) and app.fonts.scale > 1.0  # as large as it fits
    lay = card.layout()
    assert len(lay["rows"]) == 5 and lay["rows"][-1].bottom <= lay["box"].bottom
    assert pygame.Rect((0, 0), size).contains(lay["box"])
    app.draw(pygame.Surface(size))
