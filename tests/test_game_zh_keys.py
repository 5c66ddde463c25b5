"""Key names on Chinese screens: the keys the game names are written the way Chinese software
writes them (空格, 回车, 退格, 小键盘; Esc, Tab, Ctrl, Shift and F1–F12 as printed on the keycap),
from the one table in :mod:`crisissim.game.keys`, and no English key name is left on any text
that a Chinese screen draws (the strings the scenes render, not pixels)."""

from __future__ import annotations

import re

import pytest

pygame = pytest.importorskip("pygame")

from game_helpers import CROWDED, all_scenes, make_app, press, run_until, start_run  # noqa: E402

from crisissim.game.fonts import Watch  # noqa: E402
from crisissim.game.i18n import LANGUAGES, catalogue, named_keys  # noqa: E402
from crisissim.game.keys import KEY_NAMES, TRANSLATED, pretty  # noqa: E402
from crisissim.game.scenes.debrief import DebriefScene  # noqa: E402

ENGLISH = re.compile(r"\b(Space|Enter|Return|Backspace|Num)\b")  # key names a Chinese screen must not show


def test_each_language_names_the_keys_its_own_way():
    assert [pretty(c, "zh") for c in ("space", "return", "backspace", "enter", "ctrl+[+]")] == \
        ["空格", "回车", "退格", "小键盘回车", "Ctrl + 小键盘 +"]
    assert [pretty(c, "zh") for c in ("escape", "tab", "f9", "shift+tab", "up", "a")] == \
        ["Esc", "Tab", "F9", "Shift + Tab", "↑", "A"]  # as printed on the keycap
    assert [pretty(c) for c in ("space", "return", "backspace", "escape", "f1")] == \
        ["Space", "Enter", "Backspace", "Esc", "F1"]
    assert set(KEY_NAMES["en"]) == set(KEY_NAMES["zh"])
    assert TRANSLATED == {"Space", "Enter", "Backspace", "Num +", "Num −", "Num Enter"}
    assert all(ENGLISH.search(name) for name in TRANSLATED)  # the screen check below would see each


def test_catalogue_texts_take_key_names_from_the_key_table():
    for lang in LANGUAGES:
        filled = named_keys(lang)
        assert [k for k, v in filled.items() if "{key_" in v] == []
        assert sorted(k for k, v in catalogue(lang).items() if "{key_" in v) == \
            sorted(k for k, v in catalogue("en").items() if "{key_" in v)  # both name the same keys
    assert [k for k, v in named_keys("zh").items() if ENGLISH.search(v)] == []
    assert named_keys("zh")["top.paused"] == "已暂停 · 按空格继续"
    assert named_keys("en")["top.paused"] == "Paused · Space goes on"
    assert named_keys("zh")["fac.type_keys"] == "回车 发布 · Esc 取消 · 退格 删除"


def english_key_names(lines) -> list[str]:
    return [s for s in lines if ENGLISH.search(s)]


def test_no_english_key_name_on_any_chinese_screen(tmp_path):
    crowded = tmp_path / "crowded.yaml"
    crowded.write_text(CROWDED)
    drawn: dict[str, list[str]] = {}

    def look(name, app):
        app.fonts.watch = Watch()
        app.draw(pygame.Surface(app.size))
        drawn[name] = app.fonts.watch.lines + app.fonts.watch.cut
        app.fonts.watch = None

    scenes = all_scenes(make_app(tmp_path, file=None, lang="zh"), tmp_path, crowded, look, lang="zh")
    app = make_app(tmp_path, lang="zh", speed=20.0)
    dash = start_run(app)
    press(app, "space")  # paused: the top bar says which key goes on
    look("dashboard paused", app)
    press(app, "space")
    run_until(app, lambda: dash.toast_left > 0)
    look("dashboard toast", app)
    assert len(drawn) == len(scenes) + 2
    assert {n: english_key_names(lines) for n, lines in drawn.items() if english_key_names(lines)} == {}
    everything = [s for lines in drawn.values() for s in lines]
    for name in ("空格", "回车", "退格", "Esc", "F1"):
        assert any(name in s for s in everything), name  # the keys are named, in Chinese where it has a word
    assert "▲ 已暂停 · 按空格继续" in drawn["dashboard paused"]
    assert "[空格] 暂停" in drawn["dashboard paused"]
    debrief = next(s for n, s in scenes if n == "debrief")
    assert isinstance(debrief, DebriefScene)
    assert any(s.startswith("[回车] ") for s in drawn["debrief"])
    # the check can fail: the same walk in English shows the English names
    app = make_app(tmp_path, lang="en")
    start_run(app)
    press(app, "space")
    look("en", app)
    assert english_key_names(drawn["en"])
