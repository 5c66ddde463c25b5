"""A supercritical social channel is a warning that names the field and the bound."""

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


def test_supercritical_excitation_warns_but_validates(tmp_path, capsys):
    f = tmp_path / "h.yaml"
    f.write_text(TEXT % 3)
    assert main(["validate", str(f)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == f"{f}: ok (1 contact types, 1 pools, 0 decisions)"
    assert out.err.strip() == (
        f"{f}:3:38: warning: channels.social.excitation: each unanswered negative post breeds 2.89 more on "
        "average, so posts grow without bound unless answered (expected excitation × excitation_half_life / "
        "ln 2 < 1 post, i.e. excitation < 1.04 per hour)"
    )


def test_subcritical_excitation_is_quiet(tmp_path, capsys):
    f = tmp_path / "h.yaml"
    f.write_text(TEXT % 0.8)
    assert main(["validate", str(f)]) == 0
    assert capsys.readouterr().err == ""
