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


def options_with(sc, test):
    """Every option of every card, and every action, for which ``test(spec)`` holds (scenario order):
    the expectations below come from the scenario's own figures, so a recalibration keeps them true."""
    specs = [o for c in sc.decisions for o in c.options] + list(sc.actions)
    return [o for o in specs if test(o)]


def effects(spec, kind):
    return [e for e in spec.effects if e.effect == kind]


def hm(minutes: float) -> str:
    """The en duration the game writes: 45 min, 5 h, 1 h 30 min."""
    h, m = divmod(int(round(minutes)), 60)
    return f"{h} h {m} min" if h and m else f"{h} h" if h else f"{m} min"


# ---------------------------------------------------------------- costs
def test_staff_costs_are_per_hour_at_the_overtime_wage(recall):
    found = options_with(recall, lambda o: o.delay > 0 and o.duration and len(effects(o, "staff")) == 1 and not o.cost)
    # one whose pool is paid more on overtime, so the rate shows which wage is used
    o = next(o for o in found if recall.pools[effects(o, "staff")[0].pool].overtime_rate >
             recall.pools[effects(o, "staff")[0].pool].wage)
    (e,) = effects(o, "staff")
    pool = recall.pools[e.pool]
    now, end = 100.0, recall.meta.duration
    c = estimate(recall, o, now=now, end=end, resolved={})
    per_hour, hours = e.add * pool.overtime_rate, o.duration / 60
    assert (c.upfront, c.per_hour, c.hours, c.agents) == (0.0, per_hour, hours, e.add)
    assert c.total == per_hour * hours and not c.estimated and (c.starts, c.ends) == (now + o.delay,
                                                                                      now + o.delay + o.duration)
    clock = TimeOfDay(recall.meta.start)
    money, when = describe(Words("en"), c, "CNY", clock, now)
    assert money == (f"+{per_hour:,.0f} CNY/h for {hm(o.duration)} ({e.add} agents at overtime pay) · "
                     f"total {per_hour * hours:,.0f} CNY")
    assert when == f"takes effect at {clock(now + o.delay)} (in {hm(o.delay)}) · lasts until {clock(c.ends)}"
    money, when = describe(Words("zh"), c, "CNY", clock, now)
    assert money.startswith(f"另加每小时 {per_hour:,.0f} CNY，持续 ") and f"（{e.add} 人按加班费） · 合计 " in money
    # an overtime call near the end is paid only until the end
    late = estimate(recall, o, now=end - o.delay - 75, end=end, resolved={})
    assert late.hours == pytest.approx(75 / 60) and late.total == pytest.approx(per_hour * 75 / 60)


def test_compensation_is_per_resolved_customer_at_the_current_volume(recall):
    o = options_with(recall, lambda o: not o.duration and any(e.amount > 0 for e in effects(o, "compensation")))[0]
    comp = effects(o, "compensation")
    assert all(getattr(e, "duration", None) is None for e in comp)  # paid to the end of the run

    def types_of(target):
        return ({target} if target in recall.contact_types else
                {n for n, t in recall.contact_types.items() if target in (None, t.channel)})

    now, end = 200.0, recall.meta.duration
    resolved = {name: 10.0 + 7 * i for i, name in enumerate(recall.contact_types)}  # per hour, by type
    c = estimate(recall, o, now=now, end=end, resolved=resolved)
    hours = (end - now - o.delay) / 60
    want = {}  # amount -> the types it is paid on
    for e in comp:
        want.setdefault(e.amount, set()).update(types_of(e.target))
    assert {p.amount: set(p.types) for p in c.per_customer} == want
    expected = {a: sum(resolved[t] for t in ts) * hours for a, ts in want.items()}
    for p in c.per_customer:
        assert p.expected == pytest.approx(expected[p.amount])
    total = o.cost + sum(a * n for a, n in expected.items())
    assert c.total == pytest.approx(total) and c.estimated and c.ends is None
    money, when = describe(Words("en"), c, "CNY", TimeOfDay(recall.meta.start), now)
    for a, n in expected.items():
        assert f"+{a:,.0f} CNY per resolved contact (≈ {n:,.0f} at the current volume)" in money
    assert money.endswith(f" · total ≈ {total:,.0f} CNY")
    assert when == "takes effect at once" if not o.delay else when.startswith("takes effect at ")


def test_up_front_costs_and_the_confirmation_threshold(recall):
    priced = sorted(options_with(recall, lambda o: o.cost > 0 and not effects(o, "staff")
                                 and not effects(o, "compensation") and not effects(o, "cost")), key=lambda o: o.cost)
    budget = recall.scoring.loss_budget
    dear, cheap = priced[-1], priced[0]
    assert dear.cost >= 0.05 * budget > cheap.cost  # the bundled case has both kinds
    now = 60.0
    full = estimate(recall, dear, now, recall.meta.duration, {})
    assert full.total == dear.cost and is_costly(recall, full)  # 5% of the loss budget or more asks first
    small = estimate(recall, cheap, now, recall.meta.duration, {})
    assert small.total == cheap.cost and not is_costly(recall, small)
    clock = TimeOfDay(recall.meta.start)
    money, when = describe(Words("en"), full, "CNY", clock, now)
    assert money == f"{dear.cost:,.0f} CNY now"
    assert when.startswith(f"takes effect at {clock(now + dear.delay)} (in {hm(dear.delay)})" if dear.delay
                           else "takes effect at once")


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
    for name, spec in recall.contact_types.items():
        per_hour = spec.arrival.rate * {"minute": 60.0, "hour": 1.0, "day": 1 / 24}[spec.arrival.per]
        assert early[name] == pytest.approx(per_hour * spec.first_contact_resolution)


# ---------------------------------------------------------------- cards
def test_option_order_is_shuffled_per_seed_and_repeatable(recall):
    card = next(c for c in recall.decisions if len(c.options) == 3)
    orders = {tuple(o.id for o in option_order(seed, card)) for seed in range(30)}
    assert len(orders) >= 4  # not always the same first option
    assert [o.id for o in option_order(7, card)] == [o.id for o in option_order(7, card)]
    firsts = {tuple(o.id for o in option_order(seed, card))[0] for seed in range(30)}
    assert firsts == {o.id for o in card.options}


def test_all_open_cards_are_tabs_and_each_closes_on_its_own(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    dash = start_run(app)
    card = run_until_card(app)
    run_until(app, lambda: len(card.open_cards()) >= 2)  # the bundled case opens a second card meanwhile
    opened = [c.id for c in card.open_cards()]
    snap = sorted(dash.clock.snap.open_cards, key=lambda c: (c.shown, c.deadline, c.id))
    assert opened == [c.id for c in snap]  # every open card, oldest first
    assert len(card.tab_rects(card.layout())) == len(opened)
    start = card.card_id
    press(app, "tab")
    assert card.card_id == opened[(opened.index(start) + 1) % len(opened)]
    press(app, "left")
    assert card.card_id == start
    i = (opened.index(start) + 1) % len(opened)
    rect, view = card.tab_rects(card.layout())[i]
    app.handle_event(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=rect.center))
    assert card.card_id == opened[i]
    app.draw(pygame.Surface((1280, 720)))
    # the card whose deadline comes first times out; the overlay stays open on the one shown
    views = {v.id: v for v in dash.clock.snap.open_cards}
    shown = max(opened, key=lambda c: views[c].deadline)
    for _ in opened:
        if card.card_id == shown:
            break
        press(app, "tab")
    soonest = min(opened, key=lambda c: views[c].deadline)
    run_until(app, lambda: soonest not in {c.id for c in card.open_cards()})
    assert app.stack.top is card and card.card_id == shown
    assert [d["by"] for d in dash.session.decisions if d.get("card") == soonest] == ["timeout"]
    assert "Time ran out" in dash.toast
    cheap = min(card.options(), key=lambda o: card.cost(o).total)
    press(app, "abcde"[[o.id for o in card.options()].index(cheap.id)])
    if isinstance(app.stack.top, ConfirmScene):
        press(app, "y")
    assert dash.session.decisions[-1]["card"] == shown and dash.session.decisions[-1]["option"] == cheap.id
    open_now = [c.id for c in dash.clock.snap.open_cards]
    assert shown not in open_now
    assert app.stack.top is dash if not open_now else app.stack.top.card_id in open_now  # the next open card, if any


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
