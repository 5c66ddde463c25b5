"""At the smallest supported window (960×540), in English and Chinese, the key figures of the
dashboard are never cut with "…": the running loss, the reputation, each queue's count and the
unanswered posts. Read from the strings the dashboard draws (crisissim.game.fonts.Watch: every
line rendered, and every text cut to fit), at three moments of every bundled scenario."""

from __future__ import annotations

import pytest

pygame = pytest.importorskip("pygame")

from game_helpers import BUNDLED, make_app, start_run  # noqa: E402

from crisissim.game.fmt import money  # noqa: E402
from crisissim.game.fonts import Watch  # noqa: E402
from crisissim.game.scenes import panels  # noqa: E402

SMALLEST = (960, 540)


def drawn(app):
    app.fonts.watch = Watch()
    app.draw(pygame.Surface(app.size))
    seen, app.fonts.watch = app.fonts.watch, None
    return seen


def figures(dash) -> dict[str, str]:
    """The key figures as the dashboard writes them, for the queues its panel has room for."""
    w = dash.app.words
    s = dash.clock.snap
    out = {"loss": money(s.total_loss, dash.sc.meta.currency), "reputation": f"{s.reputation:.1f}",
           "unanswered posts": w("social.title", n=s.unanswered_posts)}
    for name in dash.sc.contact_types:
        st = dash.clock.stats.get(name)
        out[f"queue {name}"] = w(f"queues.{dash.kinds[name]}", n=f"{st.waiting if st else 0:,}")
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_key_figures_are_never_cut_at_960x540(tmp_path, path, lang):
    app = make_app(tmp_path, file=path, lang=lang, size=SMALLEST, speed=20.0)
    dash = start_run(app)
    sim = dash.session.sim
    lay = panels.layout(app)
    rows = (panels._inner(app, lay["queues"]).height + 4) // (2 * app.fonts.get(14).get_linesize() + 8)
    checked = 0
    for share in (0.0, 0.3, 0.6, 0.95):
        sim.run_until(sim.duration * share)
        dash.clock.refresh()
        dash.sync()
        while app.stack.top is not dash:
            app.stack.pop()
        seen = drawn(app)
        want = figures(dash)
        queues = [k for k in want if k.startswith("queue ")]
        shown = {k: v for k, v in want.items() if not k.startswith("queue ") or queues.index(k) < rows}
        assert {k: v for k, v in shown.items() if v not in seen.lines} == {}, share  # each drawn whole
        assert {k: v for k, v in want.items() if v in seen.cut} == {}, share  # none cut
        checked += len(shown)
    assert checked >= 4 * 4


def test_the_check_sees_a_cut(tmp_path):
    app = make_app(tmp_path, lang="zh", size=(640, 360))  # smaller than supported: the title of the feed is cut
    dash = start_run(app)
    seen = drawn(app)
    assert figures(dash)["unanswered posts"] in seen.cut
