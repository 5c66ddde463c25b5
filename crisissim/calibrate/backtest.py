"""Back-test: simulate the fitted scenario under the log's own staffing and compare, interval by
interval, what the log saw with the band the simulation gives.

Per interval: offered contacts, service level (answered within the threshold ÷ answered and
abandoned), abandonment (abandoned ÷ offered) and average speed of answer (minutes). The band is
the distribution-free 95% prediction interval of ``reps`` replications (seeds from one
``SeedSequence``): the k-th smallest and k-th largest value with k = ⌊0.025·(reps + 1)⌋, which
holds a new replication with probability ≥ 95% when reps ≥ 39 (fewer: the range, which holds it
with (reps − 1)/(reps + 1)). An observed value inside its band counts as a hit. Intervals where a
KPI is undefined in the log (no contacts) are left out of that KPI's share.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

KPIS = ("offered", "service_level", "abandonment", "asa")
LABELS = {"offered": "offered", "service_level": "service level", "abandonment": "abandonment", "asa": "ASA (min)"}


@dataclass
class BackTest:
    start: np.ndarray  # interval start, minutes from the scenario start
    observed: dict[str, np.ndarray]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    reps: int
    interval: float

    def inside(self, kpi: str) -> np.ndarray:
        o, lo, hi = self.observed[kpi], self.low[kpi], self.high[kpi]
        with np.errstate(invalid="ignore"):
            return (o >= lo - 1e-9) & (o <= hi + 1e-9)

    def counted(self, kpi: str) -> np.ndarray:
        return np.isfinite(self.observed[kpi])

    def share_inside(self, kpi: str) -> float:
        m = self.counted(kpi)
        return float(self.inside(kpi)[m].mean()) if m.any() else math.nan


def _kpis(offered, answered, abandoned, within, wait_sum) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        left = answered + abandoned
        return {
            "offered": offered.astype(float),
            "service_level": np.where(left > 0, within / np.maximum(left, 1), np.nan),
            "abandonment": np.where(offered > 0, abandoned / np.maximum(offered, 1), np.nan),
            "asa": np.where(answered > 0, wait_sum / np.maximum(answered, 1), np.nan),
        }


def observed_kpis(observed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return _kpis(observed["offered"], observed["answered"], observed["abandoned"], observed["within"], observed["wait_sum"])


def backtest(scenario, observed: dict[str, np.ndarray], reps: int = 40, seed: int = 1,
             progress: Callable[[int, int], None] | None = None) -> BackTest:
    """Run ``reps`` replications of ``scenario`` and band each interval KPI against ``observed``."""
    from crisissim.engine import Simulation

    if reps < 2:
        raise ValueError(f"the back-test needs at least 2 replications, got {reps}")
    seeds = np.random.SeedSequence(seed).generate_state(reps, dtype=np.uint32).tolist()
    obs = observed_kpis(observed)
    n = len(obs["offered"])
    sims = {k: np.full((reps, n), np.nan) for k in KPIS}
    for r, s in enumerate(seeds):
        iv = Simulation(scenario, int(s)).result().intervals  # the engine's interval KPIs (sync channels)
        with np.errstate(invalid="ignore", divide="ignore"):
            k = {"offered": iv["offered"], "service_level": iv["service_level"], "asa": iv["asa"],
                 "abandonment": np.where(iv["offered"] > 0, iv["abandoned"] / np.maximum(iv["offered"], 1), np.nan)}
        m = min(n, len(iv["offered"]))
        for name in KPIS:
            sims[name][r, :m] = k[name][:m]
        if progress is not None:
            progress(r + 1, reps)
    low, high = {}, {}
    for name in KPIS:
        low[name], high[name] = prediction_band(sims[name])
    interval = scenario.meta.interval
    return BackTest(np.arange(n) * interval, obs, low, high, reps, interval)


def prediction_band(sims: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Per column of ``sims`` (reps × intervals, NaN = undefined in that rep): the k-th smallest and
    k-th largest finite values, k = max(1, ⌊(1 − level)/2 · (m + 1)⌋) for m finite values."""
    x = np.sort(np.where(np.isfinite(sims), sims, np.inf), axis=0)  # undefined values sort last
    m = np.isfinite(sims).sum(axis=0)
    k = np.maximum(1, np.floor((1 - level) / 2 * (m + 1)).astype(int))
    cols = np.arange(sims.shape[1])
    ok = m > 0
    lo = np.full(sims.shape[1], np.nan)
    hi = np.full(sims.shape[1], np.nan)
    lo[ok] = x[k[ok] - 1, cols[ok]]
    hi[ok] = x[m[ok] - k[ok], cols[ok]]
    return lo, hi


def _clock(minutes: float) -> str:
    d, m = divmod(int(round(minutes)), 1440)
    return f"d{d + 1} {m // 60:02d}:{m % 60:02d}"


def _fmt(kpi: str, v: float) -> str:
    if not math.isfinite(v):
        return "–"
    if kpi == "offered":
        return f"{v:.0f}"
    if kpi == "asa":
        return f"{v:.2f}"
    return f"{v:.0%}"


def table_lines(bt: BackTest, limit: int = 200) -> list[str]:
    """The per-interval table (observed [band], * outside) and the share inside per KPI."""
    head = f"{'interval':<10}" + "".join(f"{LABELS[k]:>24}" for k in KPIS)
    lines = [f"back-test: {bt.reps} replications of the fitted scenario under the log's staffing; "
             "observed [simulated 95% band], * = outside", head]
    n = len(bt.start)
    ins = {k: bt.inside(k) for k in KPIS}
    for i in range(min(n, limit)):
        cells = []
        for k in KPIS:
            o = bt.observed[k][i]
            mark = "" if not math.isfinite(o) or ins[k][i] else "*"
            cells.append(f"{mark}{_fmt(k, o)} [{_fmt(k, bt.low[k][i])}, {_fmt(k, bt.high[k][i])}]".rjust(24))
        lines.append(f"{_clock(bt.start[i]):<10}" + "".join(cells))
    if n > limit:
        lines.append(f"… {n - limit:,} more intervals in the CSV")
    shares = ", ".join(f"{LABELS[k]} {bt.share_inside(k):.1%} of {int(bt.counted(k).sum()):,}" for k in KPIS)
    lines.append(f"inside the band: {shares}")
    if bt.reps < 39:
        lines.append(f"note: with {bt.reps} replications the band is their range, which holds a new run with "
                     f"probability {(bt.reps - 1) / (bt.reps + 1):.0%}, not 95% (use --reps 39 or more)")
    return lines


def to_csv(bt: BackTest) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = ["start_minutes"] + [f"{k}{s}" for k in KPIS for s in ("_observed", "_low", "_high", "_inside")]
    w.writerow(cols)
    ins = {k: bt.inside(k) for k in KPIS}
    for i in range(len(bt.start)):
        row: list[str | int] = [f"{bt.start[i]:g}"]
        for k in KPIS:
            vals = (bt.observed[k][i], bt.low[k][i], bt.high[k][i])
            row += ["" if not math.isfinite(v) else f"{v:.6g}" for v in vals]
            row.append("" if not math.isfinite(bt.observed[k][i]) else int(bool(ins[k][i])))
        w.writerow(row)
    return buf.getvalue()


def plot_png(bt: BackTest) -> bytes | None:
    """Four panels, observed against the simulated band; None when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    hours = bt.start / 60.0
    fig, axes = plt.subplots(4, 1, figsize=(11, 10), sharex=True)
    for ax, k in zip(axes, KPIS, strict=False):
        ax.fill_between(hours, bt.low[k], bt.high[k], step="post", alpha=0.3, label=f"simulated 95% band ({bt.reps} reps)")
        ax.step(hours, bt.observed[k], where="post", color="black", lw=1, label="observed")
        out = bt.counted(k) & ~bt.inside(k)
        ax.plot(hours[out] + bt.interval / 120.0, bt.observed[k][out], "rx", ms=5, label="outside")
        ax.set_ylabel(LABELS[k])
        ax.set_title(f"{LABELS[k]}: {bt.share_inside(k):.0%} of intervals inside the band", fontsize=9, loc="left")
    axes[0].legend(fontsize=8, loc="upper right")
    axes[-1].set_xlabel("hours from the start of the log")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()
