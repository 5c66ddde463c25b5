"""An explosive social channel is an error that names the field and the bound; a subcritical one is quiet."""

from __future__ import annotations

from crisissim.cli import main

TEXT = """meta: {id: h, title: h, duration: 2h}
channels:
  social: {kind: social, excitation: %s, excitation_half_life: 40m}
contact_types:
  post: {channel: social, arrival: {rate: 5, per: hour}, handle_time: {dist: fixed, value: 2m}}
pools:
  s: {size: 1, skills: [post]}
"""


def test_explosive_excitation_is_refused(tmp_path, capsys):
    f = tmp_path / "h.yaml"
    f.write_text(TEXT % 3)
    assert main(["validate", str(f)]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.strip() == (
        f"{f}:3:38: channels.social.excitation: explosive self-excitation: each unanswered negative post breeds "
        "2.89 posts, 2.02 of them negative, so posts grow without bound (expected a branching ratio excitation × "
        "excitation_half_life / ln 2 × negative_share < 1, i.e. excitation < 1.49 per hour)"
    )


def test_critical_branching_ratio_is_refused_just_below_is_not(tmp_path, capsys):
    f = tmp_path / "h.yaml"
    f.write_text(TEXT % (60 * 0.6931471805599453 / 40 / 0.7))  # branching ratio exactly 1
    assert main(["validate", str(f)]) == 1
    capsys.readouterr()
    f.write_text(TEXT % 1.48)
    assert main(["validate", str(f)]) == 0


def test_subcritical_excitation_is_quiet(tmp_path, capsys):
    f = tmp_path / "h.yaml"
    f.write_text(TEXT % 0.8)
    assert main(["validate", str(f)]) == 0
    assert capsys.readouterr().err == ""
