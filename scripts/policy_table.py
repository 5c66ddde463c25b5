"""Policy table of a scenario: mean loss of each way of playing it, with 95% intervals.

For each policy (default: ``default``, ``random``, ``first`` and the scenario's ``expert``) the
mean of a metric (total loss unless ``--metric``) over ``--reps`` common-random-number
replications, its Student-t 95% CI, and the paired difference from the expert with its CI and
the share of replications the expert is better. With ``--cards`` it also prints, per decision
card, each option forced on top of the expert (the other cards and the actions as the expert
plays them): its mean, its paired difference from the expert's own answer and how often it beats
that answer, overall and in the replications where each ``--given`` condition holds at the end of
the expert's run (e.g. ``--given 'fired.hub-long > 0'``), which is how a trainer sees whether a
card has an answer that is always right. ``--parts`` adds the mean of each loss part per policy.

Usage: python scripts/policy_table.py FILE [--reps 200] [--seed S] [--workers K] [--cards]
       [--given COND]... [--policy SPEC]... [--metric total_loss] [--parts]
Policies named with --policy replace the four defaults (``scripted:FILE`` relative to the
scenario's folder, as in the scenario's own ``expert:``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from crisissim.engine import METRIC_KEYS
from crisissim.lessons.arms import GIVEN, SHOWN, Arm, Replicate, load_policy
from crisissim.lessons.evaluate import _forcing, expert_arm, run_arms
from crisissim.policy import Branch, ScriptedPolicy
from crisissim.scenario import load_scenario
from crisissim.scenario.lessons import METRICS
from crisissim.study.executor import LocalExecutor
from crisissim.study.stats import estimate, share_interval

LOSS_PARTS = [k for k in METRIC_KEYS if k.startswith("loss_")]


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.3g}"


def _beats(a: np.ndarray, b: np.ndarray, better: str) -> np.ndarray:
    return a < b if better == "lower" else a > b


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path, help="scenario file")
    ap.add_argument("--reps", type=int, default=200, help="paired replications per policy")
    ap.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    ap.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    ap.add_argument("--metric", default="total_loss", help="metric to compare (default total_loss)")
    ap.add_argument("--policy", action="append", default=None, help="policy to list (repeatable)")
    ap.add_argument("--cards", action="store_true", help="also force each option of each card on the expert")
    ap.add_argument("--given", action="append", default=[], help="condition splitting the card table (repeatable)")
    ap.add_argument("--parts", action="store_true", help="print the mean of each loss part per policy")
    a = ap.parse_args()

    sc = load_scenario(a.file)
    base = a.file.parent
    seed = sc.meta.seed if a.seed is None else a.seed
    better = METRICS.get(a.metric) or "lower"
    expert = expert_arm(sc, base)
    specs = a.policy or ["default", "random", "first"]
    arms = [Arm(s, load_policy(s, sc, base, "--policy", from_scenario=True)) for s in specs]
    if a.policy is None:
        arms.append(Arm(f"expert ({sc.expert or 'default'})", expert.policy))
    keys_wanted = {a.metric} | (set(LOSS_PARTS) if a.parts else set())
    forced: list[tuple[str, str, Arm]] = []
    if a.cards:
        for card in sc.decisions:
            for option in card.options:
                forced.append((card.id, option.id, _forcing(expert, card, option.id)))
    reps_list = [Replicate(arm) for arm in arms]
    exp_index = None
    for i, arm in enumerate(arms):
        if arm.key == expert.key:
            exp_index = i
    if exp_index is None:
        reps_list.append(Replicate(expert, (), tuple(a.given)))
        exp_index = len(reps_list) - 1
    else:
        reps_list[exp_index] = Replicate(arms[exp_index], (), tuple(a.given))
    forced_index = []
    for card, _option, arm in forced:
        same = next((i for i, r in enumerate(reps_list) if r.arm.key == arm.key), None)
        if same is None:
            reps_list.append(Replicate(arm, (card,)))
            same = len(reps_list) - 1
        elif card not in reps_list[same].cards:
            r = reps_list[same]
            reps_list[same] = Replicate(r.arm, r.cards + (card,), r.given)
        forced_index.append(same)
    keys = []
    for r in reps_list:
        k = set(keys_wanted) | {SHOWN + c for c in r.cards} | {GIVEN + g for g in r.given}
        keys.append(k)
    executor = LocalExecutor(a.workers)
    t0 = time.perf_counter()
    try:
        runs = run_arms(sc, reps_list, a.reps, seed, keys, executor=executor)
    finally:
        executor.close(wait=True)
    dt = time.perf_counter() - t0
    ex = runs[exp_index][a.metric]
    print(f"{sc.meta.id}: {a.metric} over {a.reps} common-random-number replications (seed {seed}; "
          f"{len(reps_list)} ways of playing, {dt:.0f} s)")
    head = f"{'policy':<44}{'mean ± 95% CI':>26}  {'expert − policy [95% CI]':>30}  {'expert better':>14}"
    print(head)
    print("-" * len(head))
    for i, arm in enumerate(arms):
        v = runs[i][a.metric]
        e = estimate(v)
        d = estimate(ex - v)
        wins = int(_beats(ex, v, better).sum())
        share = f"{wins / a.reps:.0%}" if i != exp_index else "—"
        diff = f"{_fmt(d.mean)} [{_fmt(d.lo)}, {_fmt(d.hi)}]" if i != exp_index else "—"
        print(f"{arm.label[:43]:<44}{_fmt(e.mean) + ' ± ' + _fmt(e.half_width):>26}  {diff:>30}  {share:>14}")
    if a.parts:
        print()
        print(f"{'loss part (mean)':<20}" + "".join(f"{arm.label[:14]:>16}" for arm in arms))
        for part in LOSS_PARTS:
            print(f"{part[5:]:<20}" + "".join(f"{_fmt(float(np.mean(runs[i][part]))):>16}" for i in range(len(arms))))
    if forced:
        print()
        splits = [("all", np.ones(a.reps, dtype=bool))]
        splits += [(g, runs[exp_index][GIVEN + g] > 0) for g in a.given]
        print("each option forced on the expert's play: mean, option − expert's answer, and the share of "
              "replications it beats every other option of the card")
        for card in sc.decisions:
            rows = [(o, idx) for (c, o, _), idx in zip(forced, forced_index, strict=True) if c == card.id]
            answer = next((o for o, idx in rows if reps_list[idx].arm.key == expert.key), "?")
            branch = expert.policy.cards.get(card.id) if isinstance(expert.policy, ScriptedPolicy) else None
            if isinstance(branch, Branch):
                answer = f"{branch.then} when {branch.when}, else {branch.otherwise}"
            print(f"  card {card.id} (default {card.default}, expert answers {answer})")
            for label, mask in splits:
                n = int(mask.sum())
                if n == 0:
                    continue
                vals = np.array([runs[idx][a.metric][mask] for _, idx in rows])
                for j, (o, _idx) in enumerate(rows):
                    v = vals[j]
                    others = np.delete(vals, j, axis=0)
                    strict = np.all(_beats(v, others, better), axis=0)
                    k = int(strict.sum())
                    lo, _ = share_interval(k, n)
                    d = estimate(v - ex[mask])
                    print(f"    [{label[:24]:<24} n={n:>4}] {o:<20} mean {_fmt(d.mean + float(ex[mask].mean())):>12}"
                          f"  vs expert {_fmt(d.mean):>10} [{_fmt(d.lo)}, {_fmt(d.hi)}]"
                          f"  best in {k / n:>5.0%} (≥ {lo:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
