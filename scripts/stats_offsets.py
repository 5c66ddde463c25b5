"""Run the suite's statistical checks under many seed offsets and summarise their p-values.

Each offset k (``CRISISSIM_TEST_SEED_OFFSET=k``) gives every statistical test a block of seeds
no other offset uses, i.e. fresh random numbers, as any change in how the engine draws them
would. The budget in tests/stats_budget.py promises that one run of the suite fails by bad
luck with probability at most 1%: over 20 offsets we expect no failure at all (a suite
without the budget, 28 checks at 99%, failed about one run in four).

Besides pass/fail per offset, the summary pools the replications of all offsets per check:
``bias z`` is the pooled mean's distance from the expected value in standard errors (a real
bias of the engine or of the set-up, e.g. too short a warm-up, shows up there long before it
fails a single run), and the p-values of all runs should look uniform.

With ``--bias-handle 1.05`` every handle time is 5% too long (scripts/handle_bias_plugin.py):
the same checks must then fail, in every offset.

Usage:
    python scripts/stats_offsets.py                      # offsets 1..20
    python scripts/stats_offsets.py --offsets 21-40 --workers 2
    python scripts/stats_offsets.py --offsets 1-20 --bias-handle 1.05 tests/test_engine_theory.py
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]


def offsets(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def run_offset(k: int, log: Path, args) -> tuple[int, list[str], float]:
    env = dict(os.environ, CRISISSIM_TEST_SEED_OFFSET=str(k), CRISISSIM_TEST_STATS_LOG=str(log),
               SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", MPLBACKEND="Agg")
    cmd = [sys.executable, "-m", "pytest", "-m", "statistical", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
           "-o", "addopts=", "-rf"]
    if args.workers > 1:
        cmd += ["-n", str(args.workers)]
    if args.bias_handle is not None:
        env["CRISISSIM_TEST_HANDLE_BIAS"] = str(args.bias_handle)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "scripts"), env.get("PYTHONPATH", "")])
        cmd += ["-p", "handle_bias_plugin"]
    t0 = time.perf_counter()
    r = subprocess.run(cmd + args.paths, cwd=ROOT, env=env, capture_output=True, text=True)
    failed = [line.split(" ", 1)[1].split(" - ")[0] for line in r.stdout.splitlines() if line.startswith("FAILED ")]
    if r.returncode not in (0, 1):
        sys.stdout.write(r.stdout[-3000:] + r.stderr[-3000:])
        raise SystemExit(f"pytest exited with {r.returncode} at offset {k}")
    return r.returncode, failed, time.perf_counter() - t0


def calibrate(by_check, budget, resamples: int = 400_000) -> None:
    """Bootstrap each t check's real false-alarm rate from the replications of all offsets.

    The pooled replications, moved so that their mean is the expected value (the engine right:
    shifted, or scaled for a log-scale check), are resampled in sets of the test's size; the
    share of sets that the check would reject estimates how often it fails by bad luck with
    replication values as skewed as they are (the t interval assumes normal ones). Exact
    binomial and Poisson checks fail at most at their share. A pool of a few hundred values
    under-represents the far tail, so this complements the Bonferroni bound; it does not
    replace it.
    """
    rng = np.random.default_rng(12345)
    total = 0.0
    rows = []
    for (test, what), rs in sorted(by_check.items()):
        r0 = rs[0]
        if r0["kind"] != "mean":
            total += budget.ALPHA
            continue
        n, mu, skewed = r0["n"], r0["expected"], r0.get("skewed", False)
        pool = np.concatenate([r["values"] for r in rs])
        pool = pool * (mu / pool.mean()) if skewed else pool - pool.mean() + mu
        q = stats.t.ppf(1 - r0["level"] / 2, n - 1)
        hits = 0
        for _ in range(resamples // 20_000):
            x = pool[rng.integers(0, len(pool), size=(20_000, n))]
            m, sd = x.mean(axis=1), x.std(axis=1, ddof=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = (np.log(m) - np.log(mu)) / (sd / (np.sqrt(n) * m)) if skewed else (m - mu) / (sd / np.sqrt(n))
            hits += int(np.sum(np.abs(t) > q))
        rate = hits / resamples
        total += rate
        rows.append((rate, f"{test}: {what}", stats.skew(pool), skewed))
    rows.sort(reverse=True)
    print()
    print(f"bootstrap false-alarm rate of each t check against its share {budget.ALPHA:.2g}; the largest:")
    for rate, name, skew, skewed in rows[:8]:
        print(f"  {rate / budget.ALPHA:5.2f} x share  skewness {skew:+5.2f}  {'log ' if skewed else '    '} {name}")
    print(f"sum over all checks (exact ones at their full share): {total:.2%} (Bonferroni budget {budget.FAMILY_ALPHA:.0%})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--offsets", default="1-20", help="offsets to run, e.g. 1-20 or 1,5,9-12 (default 1-20)")
    ap.add_argument("--workers", type=int, default=2, help="pytest-xdist workers per run (default 2)")
    ap.add_argument("--bias-handle", type=float, default=None, metavar="F",
                    help="make every handle time F times too long (a deliberately wrong engine)")
    ap.add_argument("--keep", type=Path, default=None, metavar="DIR",
                    help="keep each offset's check log (JSON lines) in DIR/<offset>/")
    ap.add_argument("paths", nargs="*", default=["tests"],
                    help="test files or folders whose statistical tests to run (default: tests)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    import stats_budget as budget

    ks = offsets(args.offsets)
    mode = f"handle times x{args.bias_handle} (deliberately wrong)" if args.bias_handle else "unbiased engine"
    print(f"{budget.N_CHECKS} statistical checks, each with a share {budget.ALPHA:.3g} "
          f"(family budget {budget.FAMILY_ALPHA:.0%}); {len(ks)} seed offsets; {mode}")
    records: list[dict] = []
    red = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in ks:
            log = (args.keep or Path(tmp)) / str(k)
            log.mkdir(parents=True)
            rc, failed, dt = run_offset(k, log, args)
            red += rc != 0
            rows = [json.loads(x) for f in sorted(log.glob("*.jsonl")) for x in f.read_text().splitlines()]
            records += rows
            low = [r for r in rows if r["p"] < r["level"]]
            status = "FAIL" if rc else "pass"
            names = "; ".join(f"{r['test'].split('::', 1)[1]}: {r['what']}" for r in low)
            extra = [f for f in failed if not any(f.endswith(r["test"]) for r in low)]
            if extra:
                names = "; ".join(filter(None, [names, "other failures: " + ", ".join(extra)]))
            print(f"offset {k:3d}: {status}  {len(rows):3d} checks, smallest p = "
                  f"{min((r['p'] for r in rows), default=float('nan')):.2g}  {dt:5.0f} s  {names}", flush=True)

    by_check: dict[tuple[str, str], list[dict]] = collections.defaultdict(list)
    for r in records:
        by_check[(r["test"].split("/")[-1], r["what"])].append(r)
    print()
    print(f"{'check':<100} {'runs':>4} {'failed':>6} {'min p':>8} {'level':>8} {'bias z':>7} {'interval':>15}")
    for (test, what), rs in sorted(by_check.items()):
        z = half = ""
        if rs[0]["kind"] == "mean":
            pooled = np.concatenate([r["values"] for r in rs])
            se = pooled.std(ddof=1) / np.sqrt(len(pooled))
            z = f"{(pooled.mean() - rs[0]['expected']) / se:+.2f}" if se > 0 else "0"
            e = rs[0]["expected"]  # the median interval, relative to the expected value
            half = f"{np.median([r['lo'] for r in rs]) / e - 1:+.0%} {np.median([r['hi'] for r in rs]) / e - 1:+.0%}"
        elif rs[0]["kind"] == "ks":
            z = ""  # a distribution test has no single bias
        elif rs[0]["kind"] in ("family", "two-sample"):
            z = ""  # many tests in one, or two samples against each other: see the smallest p
        elif rs[0]["kind"] == "poisson":
            z = f"{(sum(r['k'] for r in rs) - sum(r['expected'] for r in rs)) / np.sqrt(sum(r['expected'] for r in rs)):+.2f}"
        else:
            k = sum(r["k"] for r in rs)
            n = sum(r["n"] for r in rs)
            p = rs[0]["expected"]
            z = f"{(k - n * p) / np.sqrt(n * p * (1 - p)):+.2f}"
        fails = sum(r["p"] < r["level"] for r in rs)
        name = test.replace(".py::", "::").removeprefix("test_") + ": " + what
        print(f"{name:<100.100} {len(rs):4d} {fails:6d} {min(r['p'] for r in rs):8.2g} {rs[0]['level']:8.2g} {z:>7} {half:>15}")

    if args.bias_handle is None:
        calibrate(by_check, budget)

    ps = np.array([r["p"] for r in records])
    cont = np.array([r["p"] for r in records if r["kind"] == "mean"])
    print()
    n_failed = sum(r["p"] < r["level"] for r in records)
    print(f"runs: {len(ks)}, red: {red}; checks run: {len(ps)}, failed: {n_failed} "
          f"(at most {len(ps) * budget.ALPHA:.2f} expected if the engine is right)")
    print(f"p-values below 0.01: {int((ps < 0.01).sum())} (expected at most {len(ps) * 0.01:.1f}); "
          f"below 0.05: {int((ps < 0.05).sum())} (at most {len(ps) * 0.05:.1f})")
    if len(cont) > 10:
        ks_p = stats.kstest(cont, "uniform").pvalue
        print(f"t-test p-values uniform on [0, 1]? Kolmogorov-Smirnov p = {ks_p:.2g} ({len(cont)} p-values)")
    if args.bias_handle:
        print(f"the deliberately wrong engine was caught in {red} of {len(ks)} runs")


if __name__ == "__main__":
    main()
