"""Does compensation pay for itself? Paired replications of every option of a decision card.

Runs each option of ``--card`` (default ``compensation``) on the same seeds (common random
numbers) and prints, per option, the mean total loss and the paired difference against the
card's default with its 95% confidence interval and the share of seeds where the option did
better; with ``--action ID --at MINUTES`` also the action used at that time against not using it.

    python scripts/compensation_payback.py                       # tests/data/recovery.yaml, 200 seeds
    python scripts/compensation_payback.py --reps 60 --action win-back --at 4h
    python scripts/compensation_payback.py --scenario scenarios/default.yaml --card goodwill
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crisissim.engine import Simulation  # noqa: E402
from crisissim.policy import ScriptedPolicy  # noqa: E402
from crisissim.scenario import load_scenario  # noqa: E402
from crisissim.scenario.units import parse_duration  # noqa: E402


def losses(sc, seeds, choices: dict, actions=()) -> tuple[np.ndarray, list[dict]]:
    out, parts = [], []
    for s in seeds:
        r = Simulation(sc, s, ScriptedPolicy(choices, list(actions))).result().to_dict()
        out.append(r["total_loss"])
        parts.append(r["losses"])
    return np.asarray(out), parts


def row(label: str, x: np.ndarray, base: np.ndarray | None, parts: list[dict]) -> str:
    mean = x.mean()
    comp = np.mean([p["compensation"] + p["retention"] for p in parts])
    churn = np.mean([p["churn_margin"] + p["acquisition"] + p["churn_tail"] for p in parts])
    if base is None:
        return f"{label:28s} {mean:12,.0f} {'(reference)':>26s} {'':>8s} {churn:12,.0f} {comp:10,.0f}"
    d = x - base
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return (f"{label:28s} {mean:12,.0f} {d.mean():+12,.0f} ± {half:10,.0f} {np.mean(d < 0):8.0%} "
            f"{churn:12,.0f} {comp:10,.0f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default=str(ROOT / "tests" / "data" / "recovery.yaml"))
    ap.add_argument("--card", default="compensation")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0, help="first seed (seeds seed … seed + reps − 1)")
    ap.add_argument("--action", help="also compare using this action against not using it")
    ap.add_argument("--at", default="0", help="when the action is used (minutes or a duration such as 4h)")
    a = ap.parse_args(argv)
    sc = load_scenario(a.scenario)
    card = next((c for c in sc.decisions if c.id == a.card), None)
    if card is None:
        print(f"{a.scenario}: no decision card {a.card!r}", file=sys.stderr)
        return 2
    seeds = range(a.seed, a.seed + a.reps)
    print(f"{sc.meta.id}: card {card.id!r}, {a.reps} paired replications (seeds {a.seed}–{a.seed + a.reps - 1}), "
          f"money in {sc.meta.currency}")
    print(f"{'option':28s} {'total loss':>12s} {'vs ' + card.default + ' (95% CI)':>26s} {'better':>8s} "
          f"{'churn':>12s} {'comp+ret':>10s}")
    base, base_parts = losses(sc, seeds, {card.id: card.default})
    print(row(card.default, base, None, base_parts))
    for opt in card.options:
        if opt.id != card.default:
            x, parts = losses(sc, seeds, {card.id: opt.id})
            print(row(opt.id, x, base, parts))
    if a.action:
        at = parse_duration(a.at)
        x, parts = losses(sc, seeds, {card.id: card.default}, [(at, a.action)])
        print(row(f"{card.default} + {a.action} at {a.at}", x, base, parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
