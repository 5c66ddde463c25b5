"""Schema errors and cross-reference errors come out together, each at its own line."""

from __future__ import annotations

from crisissim.cli import main

TEXT = """\
meta: {id: m, title: m, duration: 8x}
channels:
  phone: {kind: sync, patience: {dist: exponential, mean: -2}}
  mail: {kind: async}
contact_types:
  billing: {channel: phnoe, arrival: {rate: 60, per: hour}, handle_time: {dist: fixed, value: 1m}}
  refund: {channel: phone, arrival: {rate: 6, per: hour}, handle_time: {dist: fixed, value: 4m}}
pools:
  agents: {size: 3, skills: [billing, refnud]}
injects:
  - {id: early, at: soon, effects: []}
  - {id: news, at: 1h, effects: [{effect: surge, target: biling, peak: 2, half_life: 1h}]}
decisions:
  - id: card
    title: t
    at: 2h
    default: wiat
    options:
      - {id: go, label: Go, effects: [{effect: staff, pool: agents, add: lots}]}
      - {id: wait, label: Wait, effects: [{effect: statement, answers: nwes, reputation: 3}]}
"""


def test_every_problem_in_one_run(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(TEXT)
    assert main(["validate", str(f)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    got = [line.split(": ", 2)[:2] for line in lines]
    assert got == [
        [f"{f}:1:35", "meta.duration"],
        [f"{f}:3:59", "channels.phone.patience.mean"],
        [f"{f}:6:22", "contact_types.billing.channel"],          # cross-reference
        [f"{f}:9:39", "pools.agents.skills[1]"],                 # cross-reference
        [f"{f}:11:21", "injects[0].at"],
        [f"{f}:12:58", "injects[1].effects[0].target"],          # after a cut list item
        [f"{f}:17:14", "decisions[0].default"],                   # cross-reference
        [f"{f}:19:74", "decisions[0].options[0].effects[0].add"],
        [f"{f}:20:72", "decisions[0].options[1].effects[0].answers"],  # after a cut option
    ]
    assert "unknown channel 'phnoe'; did you mean 'phone'?" in lines[2]
    assert "unknown contact type or channel 'biling'; did you mean 'billing'?" in lines[5]
    assert "unknown option 'wiat'; did you mean 'wait'?" in lines[6]
    assert "unknown inject 'nwes'; did you mean 'news'?" in lines[8]
