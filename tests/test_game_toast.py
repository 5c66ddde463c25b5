"""Toasts never cover a control: in early-warning the alarm toast comes while the trainee may need
every action button; at each supported window size and in both languages the toast's rectangle is
computed beside the rectangles of every control on screen (speed buttons, action buttons, the
facilitator's buttons and inject rows, the folded strip of cards) and must meet none of them."""

from __future__ import annotations

import pytest

pygame = pytest.importorskip("pygame")

from game_helpers import make_app, press, start_run  # noqa: E402

from crisissim.game.scenes import panels  # noqa: E402
from crisissim.game.scenes.card import CardScene  # noqa: E402
from crisissim.game.scenes.facilitator import FacilitatorScene  # noqa: E402
from crisissim.scenario import bundled_scenarios_dir  # noqa: E402

SIZES = [(960, 540), (1280, 720), (1920, 1080)]
EARLY_WARNING = bundled_scenarios_dir() / "early-warning.yaml"


def alarm_raised(tmp_path, size, lang):
    """The early-warning dashboard the moment its alarm toast appears."""
    app = make_app(tmp_path, file=EARLY_WARNING, lang=lang, size=size, speed=20.0)
    dash = start_run(app)
    t = 0.0
    while not dash.toast_left:
        t += 5.0
        assert t < dash.session.sim.duration, "the alarm never rose"
        dash.session.sim.run_until(t)
        dash.clock.refresh()
        dash.sync()
    assert dash.toast.startswith(app.words("toast.alarm", type="", ratio="")[:3])
    return app, dash


def controls(app, dash) -> list[tuple[str, pygame.Rect]]:
    """Every clickable rectangle on screen: the dashboard's and those of the overlays above it."""
    out = [(f"top {b.action}", b.rect) for b in dash.top_buttons()]
    out += [(f"action {b.action}", b.rect) for b in dash.action_buttons()]
    for scene in app.stack.scenes[app.stack.scenes.index(dash) + 1:]:
        if isinstance(scene, FacilitatorScene):
            out += [(f"facilitator {b.action}", b.rect) for b in scene.buttons()]
            out += [(f"inject {i}", r) for i, r in scene.inject_rows()]
        if isinstance(scene, CardScene) and scene.minimised:
            out.append(("card strip", scene.strip()))
    return out


def check(app, dash, what):
    box, lines = panels.toast_box(dash)
    window = pygame.Rect((0, 0), app.size)
    assert window.contains(box), what
    hits = [name for name, r in controls(app, dash) if r.colliderect(box)]
    assert hits == [], what
    covers = [r for s in app.stack.scenes[app.stack.scenes.index(dash) + 1:] for r in s.covers()]
    assert not any(r.colliderect(box) for r in covers), what  # seen, not hidden under a panel
    assert "".join(lines).replace(" ", "") == dash.toast.replace(" ", "")  # said whole
    return box


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_alarm_toast_covers_no_control(tmp_path, size, lang):
    app, dash = alarm_raised(tmp_path, size, lang)
    assert len(dash.action_buttons()) >= 1
    check(app, dash, "dashboard")
    dash.open_facilitator()
    assert isinstance(app.stack.top, FacilitatorScene)
    beside = check(app, dash, "facilitator open")
    assert beside.right <= app.stack.top.box().x  # moved to the left-hand column
    press(app, "escape")
    assert app.stack.top is dash
    app.draw(pygame.Surface(app.size))


def old_toast(app, dash) -> pygame.Rect:
    """Where the toast used to go: centred along the bottom of the window."""
    f = app.fonts
    r = pygame.Rect(0, 0, min(app.size[0] - 40, f.get(15).size(dash.toast)[0] + 40), f.get(15).get_linesize() + 14)
    r.midbottom = (app.size[0] // 2, app.size[1] - 12)
    return r


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_an_action_toast_leaves_every_action_button_free(tmp_path, size, lang):
    app = make_app(tmp_path, lang=lang, size=size, speed=20.0)  # product-recall: three actions in two rows
    dash = start_run(app)
    assert len(dash.action_buttons()) == 3
    press(app, "q")
    assert dash.toast_left > 0
    check(app, dash, "action used")
    if size == (960, 540):  # the check sees what was wrong: the old place covered the second row
        assert [n for n, r in controls(app, dash) if r.colliderect(old_toast(app, dash))] == ["action social-update"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_toast_over_folded_cards_and_a_long_one(tmp_path, size):
    app, dash = alarm_raised(tmp_path, size, "en")
    sim = dash.session.sim
    while not dash.clock.snap.open_cards:
        sim.run_until(dash.clock.snap.time + 5.0)
        dash.clock.refresh()
        dash.sync()
    dash.say("Early warning")
    assert dash.open_card()
    card = app.stack.top
    press(app, "v")
    assert card.minimised
    box = check(app, dash, "cards folded")
    assert box.bottom <= card.strip().top
    dash.say("A toast that goes on and on " * 12)
    box, lines = panels.toast_box(dash)
    assert len(lines) == panels.TOAST_LINES and lines[-1].endswith("…")
    assert not any(r.colliderect(box) for _, r in controls(app, dash))
    app.draw(pygame.Surface(app.size))
