"""Both languages everywhere: the catalogues match key for key and placeholder for placeholder, every
key the game uses exists, the bundled scenarios are given in English and Chinese, and the bundled
font has a glyph for every character of every string in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crisissim.game.i18n import LANGUAGES, Words, catalogue, placeholders
from crisissim.scenario import bundled_scenarios_dir, load_scenario
from crisissim.scenario.text import texts

GAME = Path(__file__).parent.parent / "crisissim" / "game"
# keys built at run time from a state, a contact kind or who decided
DYNAMIC = {f"{p}.{s}" for p in ("q", "sl", "rep") for s in ("ok", "warn", "bad")}
DYNAMIC |= {f"loss.{s}" for s in ("ok", "warn", "bad")} | {f"queues.{k}" for k in ("sync", "async", "social")}
DYNAMIC |= {f"tone.{t}" for t in ("negative", "neutral", "positive")} | {f"who.{w}" for w in ("trainee", "timeout", "policy")}
DYNAMIC |= {"cost.total", "cost.total_estimate",
            "events.effect_start", "events.effect_end"}


FILE_TYPES = {"png", "html", "md", "json", "yaml"}  # report.md is a file name, not a key


def used_keys() -> set[str]:
    namespaces = {k.split(".")[0] for k in catalogue("en")}
    found = set()
    for f in GAME.rglob("*.py"):
        for m in re.finditer(r"[\"']((?:[a-z_]+\.)+[a-z_0-9]+)[\"']", f.read_text(encoding="utf-8")):
            if m.group(1).split(".")[0] in namespaces and m.group(1).rsplit(".", 1)[1] not in FILE_TYPES:
                found.add(m.group(1))
    return found


def test_catalogues_have_the_same_keys_and_placeholders():
    en, zh = catalogue("en"), catalogue("zh")
    assert sorted(set(en) ^ set(zh)) == []
    for k in en:
        assert placeholders(en[k]) == placeholders(zh[k]), k
        assert en[k].strip() and zh[k].strip(), k


def test_every_key_the_game_uses_exists_and_every_entry_is_used():
    en = set(catalogue("en"))
    used = used_keys() | DYNAMIC
    assert sorted(used - en) == []
    assert sorted(en - used) == []


def test_words_format_and_fall_back_for_scenario_texts():
    w = Words("zh")
    assert w("unit.hours_minutes", h=1, m=30) == "1小时30分钟"
    assert w.toggle() == "en" and w("unit.hours_minutes", h=1, m=30) == "1 h 30 min"
    with pytest.raises(KeyError):
        w("no.such.key")
    sc = load_scenario(bundled_scenarios_dir() / "product-recall.yaml")
    assert w.of(sc.meta.title) == "Kettle recall"
    w.lang = "zh"
    assert w.of(sc.meta.title) == "电水壶召回" and w.of("plain") == "plain"


@pytest.mark.parametrize("path", sorted(bundled_scenarios_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_scenarios_speak_both_languages(path):
    sc = load_scenario(path)
    found = list(texts(sc))
    assert len(found) > 40
    one_language = [p for p, t in found if t and set(t.languages) != set(LANGUAGES)]
    assert one_language == []
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for p, t in found:
        assert cjk.search(t.get("zh")), f"{p}: the Chinese text has no Chinese"
        assert not cjk.search(t.get("en")), f"{p}: the English text has Chinese in it"


def test_the_bundled_font_has_every_glyph():
    pytest.importorskip("pygame")
    from crisissim.game import theme
    from crisissim.game.fonts import missing_glyphs
    from crisissim.game.keys import pretty
    from crisissim.game.scenes.panels import TONES

    strings = [v for lang in LANGUAGES for v in catalogue(lang).values()]
    for p in bundled_scenarios_dir().glob("*.yaml"):
        for _, t in texts(load_scenario(p)):
            strings += [t.get(lang) for lang in LANGUAGES]
    strings += [m for _, m in theme.STATES.values()] + [m for m, _ in TONES.values()] + ["▲▼■◆→↩…·–—×¼"]
    strings += [pretty(c) for c in ("space", "escape", "return", "tab", "up", "down", "left", "right", "[+]")]
    missing = {c for s in strings for c in missing_glyphs(s)}
    assert missing == set()
    assert missing_glyphs("✗⚠") == {"✗", "⚠"}  # the check can fail: these two are not in the font


def test_play_rejects_an_unknown_language(capsys):
    from crisissim.cli import main

    assert main(["play", "--lang", "fr"]) == 2
    assert capsys.readouterr().err.strip() == "crisissim: error: --lang: expected en or zh, got 'fr'"
