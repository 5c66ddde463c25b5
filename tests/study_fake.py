"""A small, fast stand-in for the engine used by the study tests (an M/M/c+M queue in numpy).

A helper module (no tests): ``fake_replicate`` follows the engine contract: ``(scenario, seed, policy) -> obj`` with
``.metrics()`` and ``.intervals``; ``SCENARIO`` is a 2-hour single-pool scenario.
"""

from __future__ import annotations

import heapq

import numpy as np

SCENARIO = {
    "meta": {"id": "study-test", "title": "Study test", "duration": "2h", "seed": 11},
    "channels": {"phone": {"kind": "sync", "patience": {"dist": "exponential", "mean": 3}}},
    "contact_types": {"billing": {"channel": "phone", "arrival": {"rate": 6, "per": "minute"},
                                  "handle_time": {"dist": "exponential", "mean": 4}}},
    "pools": {"agents": {"size": 25, "skills": ["billing"], "wage": 30}},
}


class FakeResult:
    def __init__(self, metrics, intervals):
        self._m = metrics
        self.intervals = intervals

    def metrics(self):
        return dict(self._m)


def fake_replicate(scenario, seed, policy=None):
    """FCFS c-server queue with abandonment; loss = staff pay + churn × CLV (1500)."""
    rng = np.random.default_rng(seed)
    pool = next(iter(scenario.pools.values()))
    c = pool.size
    ct = next(iter(scenario.contact_types.values()))
    lam = ct.arrival.rate / {"minute": 1, "hour": 60, "day": 1440}[ct.arrival.per]
    horizon = scenario.meta.duration
    n = rng.poisson(lam * horizon)
    arr = np.sort(rng.uniform(0, horizon, n))
    handle = rng.exponential(ct.handle_time.mean, n)
    patience = rng.exponential(3.0, n)
    if policy == "slow":
        handle = handle * 1.1
    free = [0.0] * c
    waits, abandoned = [], np.zeros(n, bool)
    for k, (a, h, p) in enumerate(zip(arr, handle, patience)):
        f = heapq.heappop(free)
        w = max(0.0, f - a)
        if w > p:
            abandoned[k] = True
            heapq.heappush(free, f)
            waits.append(np.nan)
            continue
        waits.append(w)
        heapq.heappush(free, a + w + h)
    w_all = np.array(waits)
    w = w_all[~np.isnan(w_all)] if n else np.zeros(0)
    w = w if w.size else np.zeros(1)
    ab = int(abandoned.sum())
    churn = 0.08 * ab + 0.01 * (n - ab)
    staff = c * pool.wage * horizon / 60
    m = {"total_loss": staff + churn * 1500, "loss_churn_margin": churn * 1500, "loss_acquisition": 0.0,
         "loss_churn_tail": 0.0, "loss_compensation": 0.0, "loss_retention": 0.0, "loss_staff_regular": staff, "loss_staff_overtime": 0.0, "loss_actions": 0.0,
         "arrived": float(n), "served": float(n - ab), "abandoned": float(ab), "abandon_rate": ab / max(n, 1),
         "service_level": float(np.mean(w <= 1 / 3)), "wait_mean": float(w.mean()),
         "wait_p50": float(np.percentile(w, 50)), "wait_p90": float(np.percentile(w, 90)),
         "wait_p99": float(np.percentile(w, 99)), "reputation_final": 70 - 0.05 * ab,
         "reputation_min": 70 - 0.05 * ab, "churned": churn, "occupancy": 0.9}
    k = int(horizon // 30)
    slot = np.minimum((arr // 30).astype(int), k - 1)
    offered = np.bincount(slot, minlength=k).astype(float)
    abn = np.bincount(slot, weights=abandoned.astype(float), minlength=k)
    ok = np.bincount(slot, weights=(np.nan_to_num(w_all, nan=99) <= 1 / 3).astype(float), minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        sl = ok / offered
    iv = {"start": np.arange(k) * 30.0, "offered": offered, "answered": offered - abn, "abandoned": abn,
          "service_level": sl, "asa": np.full(k, float(w.mean())), "occupancy": np.full(k, 0.9),
          "backlog": np.zeros(k)}
    return FakeResult(m, iv)


KILL_DIR_ENV = "CRISISSIM_TEST_KILL_DIR"


def kill_once_replicate(scenario, seed, policy=None):
    """``fake_replicate``, except that the process dies (``os._exit(1)``) the first time it
    meets a (level, seed) listed in ``$CRISISSIM_TEST_KILL_DIR/targets``.

    A marker file per target, created before dying, makes the retry succeed; the directory comes
    from the environment so forked pool workers and spawned Dask workers both see it.
    """
    import os
    from pathlib import Path

    d = os.environ.get(KILL_DIR_ENV)
    if d:
        size = next(iter(scenario.pools.values())).size
        key = f"{size}-{seed}"
        if key in (Path(d) / "targets").read_text().split():
            try:
                fd = os.open(Path(d) / f"died-{key}", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass  # already died once for this one: run normally
            else:
                os.close(fd)
                os._exit(1)
    return fake_replicate(scenario, seed, policy)


def always_die_replicate(scenario, seed, policy=None):
    """A replicate whose process always dies: the study must give up, not loop."""
    import os

    os._exit(1)
