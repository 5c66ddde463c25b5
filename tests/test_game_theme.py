"""The theme is readable: every text colour on every background at WCAG AA contrast, the state
colours told apart with red-green or blue-yellow colour blindness, and a mark beside each."""

from __future__ import annotations

import itertools

import pytest

from crisissim.game import theme


def test_contrast_formula_matches_wcag():
    assert theme.contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert theme.contrast((119, 119, 119), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)  # the classic #777
    assert theme.contrast((255, 0, 0), (255, 0, 0)) == pytest.approx(1.0)


@pytest.mark.parametrize("fg,bg", list(itertools.product(theme.FOREGROUNDS, theme.BACKGROUNDS)))
def test_every_text_colour_reads_on_every_background(fg, bg):
    ratio = theme.contrast(theme.FOREGROUNDS[fg], theme.BACKGROUNDS[bg])
    assert ratio >= 4.5, f"{fg} on {bg}: {ratio:.2f}:1"


@pytest.mark.parametrize("kind", ["none", *theme.CVD])
def test_state_colours_differ_with_colour_blindness(kind):
    states = {s: theme.state_colour(s) for s in ("ok", "warn", "bad")}
    lab = {}
    for s, rgb in states.items():
        lin = theme.simulate(rgb, kind) if kind != "none" else tuple(theme._linear(v) for v in rgb)
        lab[s] = theme.lab(lin)
    for a, b in itertools.combinations(lab, 2):
        assert theme.delta_e(lab[a], lab[b]) >= 25, f"{a} vs {b} with {kind}: ΔE {theme.delta_e(lab[a], lab[b]):.1f}"


def test_the_old_palette_would_fail():
    """The checks bite: the first palette's faint text and its red/green under deuteranopia."""
    assert theme.contrast((92, 102, 120), (29, 36, 49)) < 4.5
    red, green = (236, 88, 88), (76, 196, 124)
    d = theme.delta_e(theme.lab(theme.simulate(red, "deuteranopia")), theme.lab(theme.simulate(green, "deuteranopia")))
    assert d < 25


def test_every_state_has_a_distinct_mark():
    marks = [theme.state_mark(s) for s in ("ok", "warn", "bad")]
    assert len(set(marks)) == 3 and all(marks)
