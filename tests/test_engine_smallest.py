"""The smallest scenario of the issue means exactly an M/M/c+M queue (and M/M/c without patience)."""

from __future__ import annotations

from crisissim import Simulation, load_scenario
from crisissim.queueing import erlang_a, erlang_c
from stats_budget import assert_mean, seeds

SMALLEST = """\
meta: {id: single-queue, title: One queue, duration: 8h, warmup: 30m, seed: 1}
channels:
  phone: {kind: sync, patience: {dist: exponential, mean: 2m}}
contact_types:
  billing:
    channel: phone
    arrival: {rate: 600, per: hour}
    handle_time: {dist: exponential, mean: 1m}
    first_contact_resolution: 1.0
pools:
  agents: {size: 11, skills: [billing]}
reputation: {arrival_feedback: 0}
"""


def test_smallest_scenario_is_erlang_a(tmp_path):
    f = tmp_path / "single.yaml"
    f.write_text(SMALLEST)
    sc = load_scenario(f)
    theory = erlang_a(10.0, 1.0, 11, 0.5)
    ab, w = [], []
    for seed in seeds(20):
        d = Simulation(sc, seed).result().to_dict()
        c = d["contacts"]
        assert c["repeat"] == 0 and c["backlog"] == 0
        ab.append(d["abandon_rate"])
        w.append(d["wait"]["mean"])
    assert_mean(ab, theory["p_abandon"], what="abandonment")
    assert_mean(w, theory["mean_wait_served"], what="mean wait")


def test_without_patience_nobody_abandons_and_it_is_erlang_c(tmp_path):
    """Erlang C's chance of waiting (its mean wait, skewed over replications without
    abandonment, is checked on longer runs in test_engine_theory's slow suite)."""
    f = tmp_path / "single.yaml"
    f.write_text(SMALLEST.replace("  phone: {kind: sync, patience: {dist: exponential, mean: 2m}}", "  phone: {kind: sync}"))
    sc = load_scenario(f)
    p_wait = []
    for seed in seeds(20):
        d = Simulation(sc, seed).result().to_dict()
        assert d["contacts"]["abandoned"] == 0
        p_wait.append(d["wait"]["p_wait"])
    assert_mean(p_wait, erlang_c(10.0, 1.0, 11), what="P(wait > 0)", skewed=True)
