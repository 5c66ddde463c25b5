"""Study result files, each written atomically (temp file + ``os.replace``).

``replications.parquet`` (``.csv`` without pyarrow), ``summary.csv`` (rows by level, fixed
float formatting: byte-identical for the same study however it ran), ``summary.json``,
``intervals.csv``, ``report.md`` and PNG plots (see :mod:`crisissim.study.plots`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crisissim.fileio import write_atomic

if TYPE_CHECKING:
    from crisissim.study.run import StudyResult


def fmt(x: Any) -> str:
    """Fixed formatting for CSV cells: ints as is, floats with 6 decimals, NaN/None empty."""
    if x is None:
        return ""
    if isinstance(x, (bool, np.bool_)):
        return "1" if x else "0"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        if math.isnan(x):
            return ""
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        s = f"{float(x):.6f}"
        return "0.000000" if s == "-0.000000" else s
    return str(x)


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([fmt(x) for x in r])
    return buf.getvalue()


def summary_csv(result: StudyResult) -> str:
    """One row per level (sorted by level): varied values, policy, n, mean/sd/CI of each
    metric, P(loss > threshold), difference to the best level with CI, P(best), and at the peak
    interval of the forecast its start (minutes), the forecast calls an hour, the pool's agents
    on duty and the Erlang C and Erlang A paid headcount (see crisissim.study.staffing)."""
    paths = [v.path for v in result.vary]
    keys = list(result.summary[0]["metrics"]) if result.summary else []
    header = ["level", *paths, "policy", "n"]
    for k in keys:
        header += [f"{k}_mean", f"{k}_sd", f"{k}_ci_low", f"{k}_ci_high"]
    header += ["p_loss_over_threshold", "diff_to_best_mean", "diff_to_best_ci_low", "diff_to_best_ci_high",
               "diff_to_best_p_value", "p_best", "meets_target", "peak_pool", "peak_start", "peak_calls_per_hour",
               "on_duty_at_peak", "erlang_c_at_peak", "erlang_a_at_peak"]
    rows = []
    for r in sorted(result.summary, key=lambda r: r["level"]):
        row: list[Any] = [r["level"], *(r["values"][p] for p in paths), r["policy"] or "", r["n"]]
        for k in keys:
            m = r["metrics"][k]
            row += [m["mean"], m["sd"], m["ci_low"], m["ci_high"]]
        d = r["diff_to_best"]
        sl = r["metrics"].get("service_level", {}).get("mean", math.nan)
        e = r.get("erlang") or {}
        row += [r["p_loss_over_threshold"], d["mean"], d["ci_low"], d["ci_high"], d["p_value"], r["p_best"],
                None if r.get("target") is None or math.isnan(sl) else sl >= r["target"], e.get("pool"), e.get("start"),
                e.get("rate"), e.get("on_duty"), e.get("erlang_c"), e.get("erlang_a")]
        rows.append(row)
    return _csv(header, rows)


def intervals_csv(result: StudyResult) -> str:
    """Per level and interval: mean and CI of each interval KPI over replications."""
    if not result.intervals:
        return "level,start\n"
    paths = [v.path for v in result.vary]
    by_index = {lv.index: lv for lv in result.levels}
    kpis = [k for k in result.intervals[0] if k not in ("level", "start")]
    header = ["level", *paths, "policy", "start", *(f"{k}_{s}" for k in kpis for s in ("mean", "ci_low", "ci_high"))]
    rows = []
    for r in sorted(result.intervals, key=lambda r: (r["level"], r["start"])):
        lv = by_index[r["level"]]
        row: list[Any] = [r["level"], *(lv.values[p] for p in paths), lv.policy or "", r["start"]]
        for k in kpis:
            row += [r[k]["mean"], r[k]["ci_low"], r[k]["ci_high"]]
        rows.append(row)
    return _csv(header, rows)


def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return None if not math.isfinite(x) else float(x)
    return x


def summary_json(result: StudyResult) -> str:
    """Parameters (scenario omitted), levels' summaries and the recommendation as JSON."""
    params = {k: v for k, v in result.params.items() if k != "scenario"}
    params["scenario_id"] = result.params["scenario"]["meta"]["id"]
    doc = {"params": params, "summary": sorted(result.summary, key=lambda r: r["level"]),
           "recommendation": result.recommendation, "optimize": result.optimize}
    return json.dumps(_clean(doc), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_replications(result: StudyResult, out: Path) -> Path:
    """``replications.parquet`` with pyarrow, else ``replications.csv``."""
    cols = result.replications
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        names = list(cols)
        n = len(next(iter(cols.values()))) if cols else 0
        rows = [[cols[c][i] for c in names] for i in range(n)]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(names)
        for r in rows:
            w.writerow([repr(float(x)) if isinstance(x, (float, np.floating)) else x for x in r])
        return write_atomic(out / "replications.csv", buf.getvalue())
    arrays = {k: pa.array(v.tolist() if v.dtype == object else v) for k, v in cols.items()}
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(arrays), sink)
    return write_atomic(out / "replications.parquet", sink.getvalue().to_pybytes())


def write_all(result: StudyResult, out: Path, plots: bool = True) -> list[Path]:
    """Write every result file into ``out``; returns their paths."""
    from crisissim.study.plots import write_plots
    from crisissim.study.report import report_md

    out.mkdir(parents=True, exist_ok=True)
    files = [write_replications(result, out),
             write_atomic(out / "summary.csv", summary_csv(result)),
             write_atomic(out / "summary.json", summary_json(result)),
             write_atomic(out / "intervals.csv", intervals_csv(result))]
    pngs, note = write_plots(result, out) if plots else ([], "plots not requested")
    files += pngs
    files.append(write_atomic(out / "report.md", report_md(result, [p.name for p in pngs], note)))
    return files
