"""Run the lessons of the bundled scenarios at full precision and print one table.

Per lesson: the replications compared, the share A wins with its exact 95% CI, the threshold,
✓ or ✗ at these replications, and the chance that a quick check with ``--ci-reps``
replications passes if the true share is the one observed here (binomial, so a lesson
whose share sits close to its threshold shows up as a flaky check before it becomes one).
Usage: python scripts/bench_lessons.py [--reps 200] [--ci-reps 12] [--workers K] [FILE…]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from crisissim.lessons import evaluate_lessons
from crisissim.scenario import bundled_scenarios_dir, load_scenario
from crisissim.study.executor import LocalExecutor
from crisissim.study.stats import _Binomial, share_interval


def pass_chance(share: float, reps: int, threshold: float, in_branch: float) -> float:
    """P(a check with ``reps`` replications passes) if A wins with probability ``share`` and a
    replication is compared with probability ``in_branch`` (binomial in both)."""
    total = 0.0
    branch = _Binomial(reps)
    for n in range(1, reps + 1):
        p_n = branch.tail(n, in_branch) - branch.tail(n + 1, in_branch)
        if p_n < 1e-12:
            continue
        wins = _Binomial(n)
        need = next((k for k in range(n + 1) if share_interval(k, n)[0] >= threshold), None)
        if need is not None:
            total += p_n * wins.tail(need, share)
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path, help="scenario files (default: every bundled scenario)")
    ap.add_argument("--reps", type=int, default=200, help="paired replications per lesson")
    ap.add_argument("--ci-reps", type=int, default=12, help="replications of the quick check to assess")
    ap.add_argument("--seed", type=int, default=None, help="seed (default: each scenario's)")
    ap.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    a = ap.parse_args()
    files = a.files or sorted(bundled_scenarios_dir().glob("*.yaml"))
    executor = LocalExecutor(a.workers)
    ok = True
    try:
        print(f"{a.reps} paired replications per lesson, {executor.workers} workers; "
              f"'quick' = chance a --reps {a.ci_reps} check passes at the observed share")
        head = f"{'scenario':<16}{'lesson':<32}{'n':>5}  {'A wins [95% CI]':<22}{'needs':>6}  {'':2}{'quick':>7}  mean A − B"
        print(head)
        print("-" * len(head))
        for path in files:
            sc = load_scenario(path)
            if not sc.lessons:
                print(f"{sc.meta.id:<16}(no lessons)")
                continue
            t0 = time.perf_counter()
            outcomes = evaluate_lessons(sc, a.reps, a.seed, base_dir=path.parent, executor=executor)
            dt = time.perf_counter() - t0
            for o in outcomes:
                p = o.comparison
                ok &= o.holds
                share = f"{p.share:.1%} [{p.share_low:.1%}, {p.share_high:.1%}]" if p.n else "—"
                quick = pass_chance(p.share, a.ci_reps, o.lesson.share, p.n / p.reps) if p.n else 0.0
                print(f"{sc.meta.id[:15]:<16}{o.lesson.id[:31]:<32}{p.n:>5}  {share:<22}{o.lesson.share:>6.0%}  "
                      f"{'✓' if o.holds else '✗':2}{quick:>7.1%}  {p.difference.mean:+,.1f} {o.lesson.metric}")
            print(f"{'':16}({dt:.0f} s)")
    finally:
        executor.close(wait=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
