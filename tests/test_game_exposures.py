"""The game shows exposures: an exposure opening and each shown incident are lines of the event
feed (in the trainee's language), and their costs are a line of the loss panel."""

from __future__ import annotations

from pathlib import Path

from game_helpers import make_app, pygame, run_until, start_run

from crisissim.game.scenes.panels import event_line

CASE = Path(__file__).parent / "data" / "exposure.yaml"


def test_incidents_and_exposures_in_the_feed(tmp_path):
    text = CASE.read_text().replace("hazard: 0.0001", "hazard: 0.05").replace(
        "label: Burn injury claim", "label: {en: Burn injury claim, zh: 烫伤索赔}")
    case = tmp_path / "case.yaml"
    case.write_text(text)
    for lang, opened, claim in (("en", "Faulty kettles in homes: 10,000 kettles at risk", "Burn injury claim · "),
                                ("zh", "Faulty kettles in homes：10,000 kettles 面临风险", "烫伤索赔 · ")):
        app = make_app(tmp_path, file=case, speed=20.0, lang=lang)
        dash = start_run(app)
        run_until(app, lambda: any(e["kind"] == "incident" for e in dash.events))
        lines = [event_line(dash, e)[0] for e in dash.events]
        assert "▲ " + opened in lines
        incident = next(e for e in dash.events if e["kind"] == "incident")
        assert f"! {claim}" in event_line(dash, incident)[0] and "CNY" in event_line(dash, incident)[0]
        app.draw(pygame.Surface((1280, 720)))  # the loss panel's operational line draws
