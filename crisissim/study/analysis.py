"""From replications to answers: per-level summaries, paired comparisons, the recommendation
and the intraday (per-interval) view.

Everything is computed from arrays ordered by replication index, so the numbers are the
same whatever order batches finished in. Under CRN, comparisons between levels are paired
over the replications both have (0..n−1 share seeds); with independent seeds they use Welch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from crisissim.study.grid import Level
from crisissim.study.stats import estimate, paired_t, share_best, welch_t

LOSS = "total_loss"
STAFF_COST = ("loss_staff_regular", "loss_staff_overtime")
SL = "service_level"
INTERVAL_KEYS = ("offered", "answered", "abandoned", "service_level", "asa", "occupancy", "backlog")


@dataclass
class Table:
    """Replication results of every level: ``data[level][metric]`` is an array over reps 0..n−1."""

    keys: list[str]
    data: dict[int, dict[str, np.ndarray]]
    seeds: dict[int, np.ndarray]

    def n(self, level: int) -> int:
        return len(self.seeds.get(level, ()))

    def col(self, level: int, key: str) -> np.ndarray:
        return self.data[level][key]


def _compare(table: Table, a: int, b: int, key: str, crn: bool, level: float) -> dict[str, float]:
    x, y = table.col(a, key), table.col(b, key)
    test = paired_t(x, y, level) if crn else welch_t(x, y, level)
    return test.as_dict()


def summarize(levels: list[Level], table: Table, *, crn: bool, threshold: float | None,
              erlang: dict[int, int | None], level: float = 0.95) -> list[dict[str, Any]]:
    """One row per level: n, mean/sd/CI of every metric, P(loss > threshold), the paired
    difference of total loss to the best level, P(best), and the Erlang C headcount."""
    means = {lv.index: float(np.nanmean(table.col(lv.index, LOSS))) for lv in levels}
    best = min(means, key=lambda i: (means[i], i))
    common = min(table.n(lv.index) for lv in levels)
    pbest = share_best(np.array([table.col(lv.index, LOSS)[:common] for lv in levels]).T)
    rows = []
    for k, lv in enumerate(levels):
        i = lv.index
        row: dict[str, Any] = {"level": i, "label": lv.label, "values": dict(lv.values), "policy": lv.policy,
                               "n": table.n(i), "metrics": {}}
        for key in table.keys:
            row["metrics"][key] = estimate(table.col(i, key), level).as_dict()
        loss = table.col(i, LOSS)
        row["p_loss_over_threshold"] = float(np.mean(loss > threshold)) if threshold is not None else None
        d = _compare(table, i, best, LOSS, crn, level)
        row["diff_to_best"] = {"mean": d["diff_mean"], "ci_low": d["diff_ci_low"], "ci_high": d["diff_ci_high"],
                               "p_value": d["p_value"]} if i != best else {"mean": 0.0, "ci_low": 0.0,
                                                                           "ci_high": 0.0, "p_value": None}
        row["p_best"] = float(pbest[k])
        row["erlang_c_agents"] = erlang.get(i)
        rows.append(row)
    return rows


def _staff_cost(row: dict[str, Any]) -> float:
    return sum(row["metrics"][k]["mean"] for k in STAFF_COST if k in row["metrics"])


def recommend(levels: list[Level], table: Table, rows: list[dict[str, Any]], *, crn: bool, target: float,
              level: float = 0.95) -> dict[str, Any]:
    """The cost-optimal level and the cheapest level meeting the service-level target, each with
    the share of replications in which it was best and a t-test against the runner-up."""
    by_loss = sorted(rows, key=lambda r: (r["metrics"][LOSS]["mean"], r["level"]))
    best = by_loss[0]
    common = min(table.n(lv.index) for lv in levels)
    out: dict[str, Any] = {"target": target}
    cost = {"level": best["level"], "label": best["label"], "values": best["values"], "policy": best["policy"],
            "mean_loss": best["metrics"][LOSS]["mean"],
            "p_best": best["p_best"]}
    if len(by_loss) > 1:
        ru = by_loss[1]
        t = _compare(table, ru["level"], best["level"], LOSS, crn, level)
        cost["runner_up"] = {"level": ru["level"], "label": ru["label"], "test": t}
    out["cost_optimal"] = cost

    meets = [r for r in rows if SL in r["metrics"] and r["metrics"][SL]["mean"] >= target]
    if not meets:
        out["service_level"] = None
        return out
    key = lambda r: (_staff_cost(r), r["metrics"][LOSS]["mean"], r["level"])  # noqa: E731
    ranked = sorted(rows, key=key)
    cheapest = min(meets, key=key)
    # per replication: the cheapest level whose service level met the target in that replication
    order = [r["level"] for r in ranked]
    sl = np.array([table.col(i, SL)[:common] for i in order])  # levels (cheap first) × reps
    ok = sl >= target
    pick = np.where(ok.any(axis=0), ok.argmax(axis=0), -1)
    pos = order.index(cheapest["level"])
    svc = {"level": cheapest["level"], "label": cheapest["label"], "values": cheapest["values"],
           "policy": cheapest["policy"], "mean_service_level": cheapest["metrics"][SL]["mean"],
           "staff_cost": _staff_cost(cheapest), "mean_loss": cheapest["metrics"][LOSS]["mean"],
           "p_best": float(np.mean(pick == pos)) if common else None,
           "p_meets_target": float(np.mean(ok[pos])) if common else None}
    if len(ranked) > 1:  # runner-up: the next cheaper level (the one that just misses), else the next dearer
        ru = ranked[pos - 1] if pos > 0 else ranked[pos + 1]
        t = _compare(table, cheapest["level"], ru["level"], SL, crn, level)
        svc["runner_up"] = {"level": ru["level"], "label": ru["label"], "test": t}
    out["service_level"] = svc
    return out


def intervals(levels: list[Level], per_rep: dict[int, list[dict[str, list[float]]]],
              level: float = 0.95) -> list[dict[str, Any]]:
    """Per level and KPI interval: mean and CI over replications of each interval KPI."""
    rows = []
    for lv in levels:
        reps = per_rep.get(lv.index) or []
        if not reps or "start" not in reps[0]:
            continue
        start = reps[0]["start"]
        m = len(start)
        stacks = {}
        for key in INTERVAL_KEYS:
            if key in reps[0]:
                arr = np.full((len(reps), m), math.nan)
                for r, d in enumerate(reps):
                    v = d.get(key, [])[:m]
                    arr[r, : len(v)] = v
                stacks[key] = arr
        for j in range(m):
            row: dict[str, Any] = {"level": lv.index, "start": float(start[j])}
            for key, arr in stacks.items():
                row[key] = estimate(arr[:, j], level).as_dict()
            rows.append(row)
    return rows
