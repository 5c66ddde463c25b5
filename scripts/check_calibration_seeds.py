"""The calibration round trip under many seeds: how often the test would raise a false alarm.

For each seed: simulate the round-trip centre of ``tests/calibrate_helpers.py`` (known parameters),
export its contact log and staffing, calibrate, and test every parameter against the truth; the
round-trip test fails when the smallest p-value times their number (Bonferroni) falls below its
share of the suite's budget (``tests/stats_budget.py``). Prints how many seeds would fail at that
share and at a family level of 1% (expected: about 1 in 100), the coverage of the plain 95%
intervals (should be near 95%) and, with ``--backtest``, the spread of each KPI's share of
intervals inside the back-test band (the test asks for 90%).

    python scripts/check_calibration_seeds.py [--seeds 200] [--start 1000] [--backtest 50]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from calibrate_helpers import EXPECTED_FAMILIES, parameter_checks, truth  # noqa: E402
from stats_budget import ALPHA  # noqa: E402

from crisissim.calibrate import calibrate, scenario_yaml  # noqa: E402
from crisissim.calibrate.backtest import KPIS, backtest  # noqa: E402
from crisissim.calibrate.export import contact_table, staffing_table, write_table  # noqa: E402
from crisissim.engine import Simulation  # noqa: E402
from crisissim.scenario import load_scenario_text  # noqa: E402


def one(seed: int, folder: Path, with_backtest: bool) -> dict:
    sc = truth(seed=seed)
    res = Simulation(sc, seed, record_contacts=True).result()
    write_table(contact_table(res, sc), folder / "c.csv")
    write_table(staffing_table(res, sc), folder / "s.csv")
    cal = calibrate(folder / "c.csv", staffing=folder / "s.csv")
    checks, families = parameter_checks(cal, sc)
    ps = {c.name: c.p for c in checks}
    worst = min(ps, key=ps.get)
    out = {"families_ok": families == EXPECTED_FAMILIES, "family_p": min(1.0, len(ps) * ps[worst]), "worst": worst,
           "missed95": [k for k, p in ps.items() if p < 0.05], "n": len(ps)}
    if with_backtest:
        bt = backtest(load_scenario_text(scenario_yaml(cal), "fitted.yaml"), cal.observed, reps=40, seed=3)
        out["shares"] = {k: bt.share_inside(k) for k in KPIS}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--start", type=int, default=1000)
    ap.add_argument("--backtest", type=int, default=0, help="Run the back-test on the first N seeds too.")
    a = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="calib-seeds-"))
    t0 = time.perf_counter()
    family_p, wrong_family, n_checks = [], [], 0
    missed95: Counter = Counter()
    shares: dict[str, list[float]] = {k: [] for k in KPIS}
    for i in range(a.seeds):
        seed = a.start + i
        r = one(seed, folder, i < a.backtest)
        n_checks = r["n"]
        family_p.append((r["family_p"], seed, r["worst"]))
        if not r["families_ok"]:
            wrong_family.append(seed)
        missed95.update(r["missed95"])
        for k, v in r.get("shares", {}).items():
            shares[k].append(v)
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()
    total95 = sum(missed95.values())
    print(f"{a.seeds} seeds from {a.start}, {n_checks} parameter checks each, {time.perf_counter() - t0:.0f}s")
    alarms = [(s, w) for p, s, w in family_p if p < ALPHA]
    at1 = [(s, w, p) for p, s, w in family_p if p < 0.01]
    print(f"false alarms at the test's share of the budget (family p < {ALPHA:.2g}): {len(alarms)} of {a.seeds} seeds {alarms}")
    print(f"at a family level of 1% instead: {len(at1)} of {a.seeds} seeds (expected about {a.seeds / 100:.0f}) "
          + ", ".join(f"seed {s}: {w} (family p {p:.2g})" for s, w, p in at1))
    print(f"smallest family p-value: {min(family_p)[0]:.2g}")
    print(f"wrong model chosen by AIC: {len(wrong_family)} seeds {wrong_family}")
    print(f"plain 95% intervals: {1 - total95 / (n_checks * a.seeds):.2%} cover the truth "
          f"(most missed: {', '.join(f'{k} {v}' for k, v in missed95.most_common(5))})")
    if a.backtest:
        for k, v in shares.items():
            v = np.array(v)
            sd = v.std(ddof=1) if len(v) > 1 else float("nan")
            print(f"back-test {k:<14}: share inside mean {v.mean():.1%}, sd {sd:.2%}, min {v.min():.1%}; "
                  f"90% is {(v.mean() - 0.9) / sd:.1f} sd below the mean; below 90% in {(v < 0.9).sum()} of {len(v)} seeds")
            print("  shares: " + " ".join(f"{x:.3f}" for x in v))


if __name__ == "__main__":
    main()
