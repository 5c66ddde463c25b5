"""The calibration round trip under many seeds: how often the test would raise a false alarm.

For each seed: simulate the round-trip centre of ``tests/calibrate_helpers.py`` (known parameters),
export its contact log and staffing, calibrate, and check every parameter against the truth at
the Bonferroni level the test uses (1 − 1%/m for m checks); with ``--backtest``, also run the
back-test and record each KPI's share of intervals inside the band. Prints how many seeds fail
(the suite's false-alarm rate), the coverage of the plain 95% intervals (should be near 95%),
and the spread of the back-test shares.

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

from calibrate_helpers import family_level, parameter_checks, truth  # noqa: E402

from crisissim.calibrate import calibrate, scenario_yaml  # noqa: E402
from crisissim.calibrate.backtest import KPIS, backtest  # noqa: E402
from crisissim.calibrate.export import contact_table, staffing_table, write_table  # noqa: E402
from crisissim.engine import Simulation  # noqa: E402
from crisissim.scenario import load_scenario_text  # noqa: E402

EXPECTED_FAMILIES = ["patience:weibull", "billing.handle:lognormal", "defect.handle:lognormal"]


def one(seed: int, folder: Path, with_backtest: bool) -> dict:
    sc = truth(seed=seed)
    res = Simulation(sc, seed, record_contacts=True).result()
    write_table(contact_table(res, sc), folder / "c.csv")
    write_table(staffing_table(res, sc), folder / "s.csv")
    cal = calibrate(folder / "c.csv", staffing=folder / "s.csv")
    checks95, families = parameter_checks(cal, sc, 0.95)
    level = family_level(len(checks95))
    checks, _ = parameter_checks(cal, sc, level)
    out = {"families_ok": families == EXPECTED_FAMILIES, "missed": [c.name for c in checks if not c.ok],
           "missed95": [c.name for c in checks95 if not c.ok], "n": len(checks)}
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
    alarms, wrong_family, n_checks = [], [], 0
    missed95: Counter = Counter()
    shares: dict[str, list[float]] = {k: [] for k in KPIS}
    for i in range(a.seeds):
        seed = a.start + i
        r = one(seed, folder, i < a.backtest)
        n_checks = r["n"]
        if r["missed"]:
            alarms.append((seed, r["missed"]))
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
    print(f"false alarms at the test's level (1 - 1%/{n_checks} per check): {len(alarms)} of {a.seeds} seeds "
          f"{[s for s, _ in alarms]}")
    for s, names in alarms:
        print(f"  seed {s}: {', '.join(names)}")
    print(f"wrong model chosen by AIC: {len(wrong_family)} seeds {wrong_family}")
    print(f"plain 95% intervals: {1 - total95 / (n_checks * a.seeds):.2%} cover the truth "
          f"(most missed: {', '.join(f'{k} {v}' for k, v in missed95.most_common(5))})")
    if a.backtest:
        for k, v in shares.items():
            v = np.array(v)
            print(f"back-test {k:<14}: share inside mean {v.mean():.1%}, min {v.min():.1%}, "
                  f"below 90% in {(v < 0.9).sum()} of {len(v)} seeds")


if __name__ == "__main__":
    main()
