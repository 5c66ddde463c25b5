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
              erlang: dict[int, dict[str, Any] | None], level: float = 0.95,
              equal_reps: bool = True, selected: int | None = None) -> list[dict[str, Any]]:
    """One row per level: n, mean/sd/CI of every metric, P(loss > threshold), the paired
    difference of total loss to the best level, P(best), and the Erlang requirement at the peak.

    ``equal_reps`` False (sequential selection, where levels stop at different counts) leaves
    P(best) out: a share over the few replications every level has would say little, and the
    differences are to the ``selected`` level."""
    means = {lv.index: float(np.nanmean(table.col(lv.index, LOSS))) for lv in levels}
    best = min(means, key=lambda i: (means[i], i)) if selected is None else selected
    common = min(table.n(lv.index) for lv in levels)
    pbest = share_best(np.array([table.col(lv.index, LOSS)[:common] for lv in levels]).T)
    rows = []
    for k, lv in enumerate(levels):
        i = lv.index
        row: dict[str, Any] = {"level": i, "label": lv.label, "values": dict(lv.values), "shown": dict(lv.shown),
                               "policy": lv.policy, "n": table.n(i), "metrics": {}}
        for key in table.keys:
            row["metrics"][key] = estimate(table.col(i, key), level).as_dict()
        loss = table.col(i, LOSS)
        row["p_loss_over_threshold"] = float(np.mean(loss > threshold)) if threshold is not None else None
        d = _compare(table, i, best, LOSS, crn, level)
        row["diff_to_best"] = {"mean": d["diff_mean"], "ci_low": d["diff_ci_low"], "ci_high": d["diff_ci_high"],
                               "p_value": d["p_value"]} if i != best else {"mean": 0.0, "ci_low": 0.0,
                                                                           "ci_high": 0.0, "p_value": None}
        row["p_best"] = float(pbest[k]) if equal_reps else None
        row["erlang"] = erlang.get(i)
        rows.append(row)
    return rows


def _staff_cost(row: dict[str, Any]) -> float:
    return sum(row["metrics"][k]["mean"] for k in STAFF_COST if k in row["metrics"])


def _pick(row: dict[str, Any]) -> dict[str, Any]:
    return {"level": row["level"], "label": row["label"], "values": row["values"], "shown": row["shown"],
            "policy": row["policy"], "n": row["n"]}


def recommend(levels: list[Level], table: Table, rows: list[dict[str, Any]], *, crn: bool,
              target: float | dict[int, float], level: float = 0.95, selected: int | None = None) -> dict[str, Any]:
    """The cost-optimal level and the cheapest level meeting the service-level target.

    The cost-optimal level has the lowest mean total loss, or is ``selected`` by a sequential
    ranking-and-selection procedure; with it the share of replications in which it was best
    (when every level has the same replications) and a paired t-test against the next best.
    The cheapest level meeting the target has the lowest staff cost among those whose mean
    service level reaches ``target``, with how often it met the target and a test against the
    next cheaper level. ``target`` may differ by level (a study that varies it): level → target."""
    goal = target if isinstance(target, dict) else {r["level"]: target for r in rows}
    same = len(set(goal.values())) == 1
    by_loss = sorted(rows, key=lambda r: (r["metrics"][LOSS]["mean"], r["level"]))
    if selected is not None:
        by_loss.sort(key=lambda r: r["level"] != selected)
    best = by_loss[0]
    common = min(table.n(lv.index) for lv in levels)
    out: dict[str, Any] = {"target": next(iter(goal.values())) if same else None}
    tl = best["metrics"][LOSS]
    cost = {**_pick(best), "mean_loss": tl["mean"], "ci_low": tl["ci_low"], "ci_high": tl["ci_high"],
            "p_best": best["p_best"], "selected": selected is not None}
    if len(by_loss) > 1:
        ru = by_loss[1]
        t = _compare(table, ru["level"], best["level"], LOSS, crn, level)
        cost["runner_up"] = {**_pick(ru), "test": t}
    out["cost_optimal"] = cost

    meets = [r for r in rows if SL in r["metrics"] and r["metrics"][SL]["mean"] >= goal[r["level"]]]
    if not meets:
        out["service_level"] = None
        if any(SL in r["metrics"] for r in rows):
            top = max(rows, key=lambda r: (r["metrics"].get(SL, {}).get("mean", -1.0), -r["level"]))
            out["closest"] = {**_pick(top), "mean_service_level": top["metrics"][SL]["mean"]}
        return out
    key = lambda r: (_staff_cost(r), r["metrics"][LOSS]["mean"], r["level"])  # noqa: E731
    ranked = sorted(rows, key=key)
    cheapest = min(meets, key=key)
    # per replication: the cheapest level whose service level met the target in that replication
    order = [r["level"] for r in ranked]
    sl = np.array([table.col(i, SL)[:common] for i in order])  # levels (cheap first) × reps
    ok = sl >= np.array([goal[i] for i in order])[:, None]
    pick = np.where(ok.any(axis=0), ok.argmax(axis=0), -1)
    pos = order.index(cheapest["level"])
    own = table.col(cheapest["level"], SL)
    svc = {**_pick(cheapest), "mean_service_level": cheapest["metrics"][SL]["mean"],
           "staff_cost": _staff_cost(cheapest), "mean_loss": cheapest["metrics"][LOSS]["mean"],
           "p_best": float(np.mean(pick == pos)) if common and rows[0]["p_best"] is not None else None,
           "p_meets_target": float(np.mean(own[~np.isnan(own)] >= goal[cheapest["level"]])) if own.size else None}
    if len(ranked) > 1:  # runner-up: the next cheaper level (the one that just misses), else the next dearer
        ru = ranked[pos - 1] if pos > 0 else ranked[pos + 1]
        t = _compare(table, cheapest["level"], ru["level"], SL, crn, level)
        svc["runner_up"] = {**_pick(ru), "test": t}
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
