"""Rows per second and peak memory of ``crisissim calibrate`` on a large contact log.

Writes a synthetic log of ``--rows`` contacts (a month by default: two contact types, a daily
profile, lognormal handle times, Weibull patience with queueing waits, repeat customers, churn)
and calibrates it in a fresh process, measuring wall time and the process's peak resident
memory. Side by side in the same run: pyarrow reading the same file with no work done (the I/O
bound) and calibrating a log a tenth the size (memory stays flat if reading is streamed).

    python scripts/bench_calibrate.py [--rows 1000000] [--days 30] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from crisissim.calibrate.export import write_table

PROFILE = np.array([0.25, 0.2, 0.2, 0.2, 0.25, 0.35, 0.6, 1.0, 1.5, 1.8, 1.7, 1.5,
                    1.3, 1.4, 1.6, 1.7, 1.5, 1.3, 1.1, 0.9, 0.7, 0.55, 0.4, 0.3])


def synthetic_log(rows: int, days: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    hour = rng.choice(24, size=rows, p=PROFILE / PROFILE.sum())
    t = np.sort(rng.integers(0, days, rows) * 1440.0 + hour * 60.0 + rng.uniform(0, 60, rows))
    kind = rng.random(rows) < 0.7
    patience = 5.0 * rng.weibull(0.6, rows)
    offered_wait = rng.exponential(np.where((hour >= 8) & (hour < 18), 1.5, 0.3))
    abandoned = patience < offered_wait
    wait = np.where(abandoned, patience, offered_wait)
    handle = np.where(kind, rng.lognormal(1.4, 0.8, rows), rng.lognormal(1.9, 0.6, rows))
    customers = max(1, int(rows * 0.75))
    customer = rng.integers(1, customers + 1, rows)
    _, first = np.unique(customer, return_index=True)  # t is sorted: a customer's later contacts are repeats
    repeat = np.ones(rows, dtype=np.int8)
    repeat[first] = 0
    resolved = rng.random(rows) < np.where(kind, 0.75, 0.6)
    churn_p = 1 / (1 + np.exp(-(-3.0 + 0.6 * wait / 6.0 + 1.0 * abandoned - 1.2 * (resolved & ~abandoned))))
    churned_cust = np.zeros(customers + 1, dtype=bool)
    churned_cust[customer[rng.random(rows) < churn_p]] = True
    epoch = np.datetime64("2024-01-01T00:00:00", "ms")
    arrival = epoch + (t * 60_000).astype("timedelta64[ms]")
    answered = ~abandoned
    return pa.table({
        "arrival": pa.array(arrival, type=pa.timestamp("ms")),
        "type": pa.array(np.where(kind, "billing", "defect")),
        "channel": pa.array(np.full(rows, "phone")),
        "outcome": pa.array(np.where(abandoned, "abandoned", "answered")),
        "wait_seconds": np.round(wait * 60, 3),
        "handle_seconds": pa.array(np.round(handle * 60, 3), mask=~answered),
        "pool": pa.array(np.full(rows, "front"), mask=~answered),
        "customer": customer,
        "repeat": repeat,
        "resolved": pa.array((resolved & answered).astype(np.int8), mask=~answered),
        "churned": churned_cust[customer].astype(np.int8),
    })


PEAK = """
def peak():
    # VmHWM: this process's peak resident memory (ru_maxrss would carry the parent's peak across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

CALIBRATE = PEAK + """
import json, sys, time
t0 = time.perf_counter()
from crisissim.calibrate import calibrate, scenario_yaml
t1 = time.perf_counter()
cal = calibrate(sys.argv[1])
scenario_yaml(cal)
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "seconds": t2 - t1, "rows": cal.rows,
                  "peak_mb": peak()}))
"""

READ_ONLY = PEAK + """
import json, sys, time
import pyarrow as pa, pyarrow.csv as pacsv
t0 = time.perf_counter()
n = 0
r = pacsv.open_csv(sys.argv[1], read_options=pacsv.ReadOptions(block_size=4 << 20),
                   convert_options=pacsv.ConvertOptions(column_types={}, strings_can_be_null=True))
for b in r:
    n += b.num_rows
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": n,
                  "peak_mb": peak()}))
"""

BASELINE = PEAK + """
import json
import crisissim.calibrate, scipy.stats, statsmodels.discrete.discrete_model, pyarrow.csv
print(json.dumps({"peak_mb": peak()}))
"""


def _run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--keep", type=Path, default=None, help="Write the logs here and keep them.")
    a = ap.parse_args()
    folder = a.keep or Path(tempfile.mkdtemp(prefix="bench-calibrate-"))
    folder.mkdir(parents=True, exist_ok=True)
    big, small = folder / f"log-{a.rows}.csv", folder / f"log-{a.rows // 10}.csv"
    t = time.perf_counter()
    write_table(synthetic_log(a.rows, a.days), big)
    write_table(synthetic_log(a.rows // 10, a.days, seed=2), small)
    print(f"wrote {big} ({big.stat().st_size / 1e6:.0f} MB) and {small} in {time.perf_counter() - t:.1f}s")
    base = _run(BASELINE)
    read = _run(READ_ONLY, str(big))
    cal_small = _run(CALIBRATE, str(small))
    cal = _run(CALIBRATE, str(big))
    rate = cal["rows"] / cal["seconds"]
    print(f"pyarrow read only      : {read['rows'] / read['seconds']:>12,.0f} rows/s   peak {read['peak_mb']:7.0f} MB")
    print(f"calibrate {a.rows // 10:>10,} rows: {cal_small['rows'] / cal_small['seconds']:>12,.0f} rows/s   peak "
          f"{cal_small['peak_mb']:7.0f} MB")
    print(f"calibrate {a.rows:>10,} rows: {rate:>12,.0f} rows/s   peak {cal['peak_mb']:7.0f} MB "
          f"({cal['seconds']:.1f}s, imports {cal['import']:.1f}s more)")
    print(f"imports alone          : {'':>12}           peak {base['peak_mb']:7.0f} MB")
    print(f"ratios: calibrate / read-only speed {rate / (read['rows'] / read['seconds']):.2f}; "
          f"peak memory 10x rows / 1x rows {cal['peak_mb'] / cal_small['peak_mb']:.2f}")
    if a.keep is None:
        for p in (big, small):
            p.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
