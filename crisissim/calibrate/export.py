"""Write a run as a contact-centre export: one row per contact, and agents on duty per interval.

The columns are those of :mod:`crisissim.calibrate.logformat` (described in
``scenarios/DATA.md``), so ``crisissim calibrate`` reads them back without a column map.
CSV or Parquet by the file's extension; files are written atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from crisissim.calibrate.logformat import CONTACT_COLUMNS, EXPORT_EPOCH, STAFFING_COLUMNS
from crisissim.fileio import write_atomic

_EPOCH_MS = int(EXPORT_EPOCH.timestamp() * 1000)
_OUTCOME = {"served": "answered", "abandoned": "abandoned", "deflected": "deflected", "open": "open"}
_TS = pa.timestamp("ms", tz="UTC")


def _timestamps(minutes: np.ndarray) -> pa.Array:
    ms = np.round(minutes * 60_000.0)
    ok = np.isfinite(ms)
    return pa.array(np.where(ok, ms, 0).astype(np.int64) + _EPOCH_MS, type=_TS, mask=~ok)


def _seconds(minutes: np.ndarray) -> pa.Array:
    s = np.round(minutes * 60.0, 3)
    return pa.array(s, type=pa.float64(), mask=~np.isfinite(s))


def contact_table(result, scenario) -> pa.Table:
    """The recorded contacts of ``result`` (run with ``record_contacts=True``) as an export table."""
    recs = result.records
    if recs is None:
        raise ValueError("the run did not record contacts (Simulation(..., record_contacts=True))")
    n = len(recs)
    fields: list[Any] = list(zip(*recs, strict=False)) if n else [()] * 10  # the 10 record fields, made arrays below
    ctype, arrival, start, end, outcome, resolved, churned, repeat, customer, pool = fields
    arrival = np.asarray(arrival, dtype=float)
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    customer = np.asarray(customer, dtype=np.int64)
    churned = np.asarray(churned, dtype=bool)
    outcome = np.asarray([_OUTCOME[o] for o in outcome], dtype=object)
    served = outcome == "answered"
    abandoned = outcome == "abandoned"
    is_open = outcome == "open"
    duration = scenario.meta.duration
    wait = np.where(served | (is_open & np.isfinite(start)), start - arrival,
                    np.where(abandoned, end - arrival, np.where(is_open, duration - arrival, np.nan)))
    handle = np.where(served, end - start, np.nan)
    # churn belongs to the customer: every row of a churner carries when they left
    churn_time = {}
    for cu, e in zip(customer[churned].tolist(), end[churned].tolist(), strict=False):
        churn_time[cu] = e
    left = np.fromiter((cu in churn_time for cu in customer.tolist()), dtype=bool, count=n)
    left_at = np.fromiter((churn_time.get(cu, np.nan) for cu in customer.tolist()), dtype=float, count=n)
    order = np.lexsort((customer, arrival))
    channel_of = {name: spec.channel for name, spec in scenario.contact_types.items()}
    ctype = np.asarray(ctype, dtype=object)
    pool = np.asarray(pool, dtype=object)
    res = np.asarray(resolved, dtype=bool)

    def take(a):
        return a[order] if n else a

    cols = {
        "arrival": _timestamps(take(arrival)),
        "type": pa.array(take(ctype).tolist(), type=pa.string()),
        "channel": pa.array([channel_of[t] for t in take(ctype).tolist()], type=pa.string()),
        "outcome": pa.array(take(outcome).tolist(), type=pa.string()),
        "wait_seconds": _seconds(take(wait)),
        "handle_seconds": _seconds(take(handle)),
        "pool": pa.array([p or None for p in take(pool).tolist()], type=pa.string()),
        "customer": pa.array(take(customer), type=pa.int64()),
        "repeat": pa.array(np.asarray(take(np.asarray(repeat, dtype=bool)), dtype=np.int8), type=pa.int8()),
        "resolved": pa.array(take(res).astype(np.int8), type=pa.int8(), mask=~take(served)),
        "churned": pa.array(take(left).astype(np.int8), type=pa.int8()),
        "churned_at": _timestamps(take(left_at)),
    }
    assert list(cols) == list(CONTACT_COLUMNS)
    return pa.table(cols)


def staffing_table(result, scenario) -> pa.Table:
    """Agents on duty (headcount target, averaged over the interval) per interval and pool."""
    iv = scenario.meta.interval
    pools = list(result.agents)
    n = len(next(iter(result.agents.values()))) if pools else 0
    starts = np.repeat(np.arange(n) * iv, len(pools))
    names = [p for _ in range(n) for p in pools]
    agents = np.column_stack([result.agents[p] for p in pools]).ravel() if pools else np.empty(0)
    cols = {
        "interval_start": _timestamps(starts.astype(float)),
        "pool": pa.array(names, type=pa.string()),
        "agents": pa.array(np.round(agents, 4), type=pa.float64()),
    }
    assert list(cols) == list(STAFFING_COLUMNS)
    return pa.table(cols)


def is_parquet(path: str | Path) -> bool:
    return Path(path).suffix.lower() in (".parquet", ".pq")


def write_table(table: pa.Table, path: str | Path) -> Path:
    """Write ``table`` as CSV or Parquet (by extension), atomically."""
    sink = pa.BufferOutputStream()
    if is_parquet(path):
        import pyarrow.parquet as pq

        pq.write_table(table, sink)
    else:
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    return write_atomic(path, sink.getvalue().to_pybytes())
