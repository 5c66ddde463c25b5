"""PNG plots of a study (matplotlib Agg, imported lazily; skipped with a note if missing).

``loss.png`` total loss with its 95% CI band; ``loss_parts.png`` mean loss parts stacked;
``service_level.png`` service level with CI against the target; ``intervals.png`` the
intraday service level of the recommended levels. The x axis is the varied field when one
field is varied (one line per policy), else the level index.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisissim.engine.ledger import LOSS_PARTS
from crisissim.fileio import write_atomic

if TYPE_CHECKING:
    from crisissim.study.run import StudyResult

PARTS = tuple(f"loss_{part}" for part in LOSS_PARTS)


def _series(result: StudyResult) -> tuple[str, list[tuple[str, list[float], list[dict[str, Any]]]]]:
    rows = sorted(result.summary, key=lambda r: r["level"])
    if len(result.vary) == 1:
        path = result.vary[0].path
        groups: dict[str, list] = {}
        for r in rows:
            groups.setdefault(r["policy"] or "", []).append(r)
        return path, [(name, [g["values"][path] for g in grp], grp) for name, grp in groups.items()]
    return "level", [("", [r["level"] for r in rows], rows)]


def _save(fig, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return write_atomic(path, buf.getvalue())


def write_plots(result: StudyResult, out: Path) -> tuple[list[Path], str | None]:
    """Write the plots; returns their paths and a note (why plots were skipped), if any."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "plots skipped: matplotlib is not installed (pip install 'crisissim[plot]')"
    xlabel, series = _series(result)
    files = []
    rec = result.recommendation

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, xs, rows in series:
        m = [r["metrics"]["total_loss"] for r in rows]
        ax.plot(xs, [e["mean"] for e in m], marker="o", label=name or "total loss")
        ax.fill_between(xs, [e["ci_low"] for e in m], [e["ci_high"] for e in m], alpha=0.25)
    best = next(r for r in result.summary if r["level"] == rec["cost_optimal"]["level"])
    bx = best["values"][xlabel] if xlabel in best["values"] else best["level"]
    ax.axvline(bx, color="green", ls="--", lw=1, label=f"cost-optimal: {rec['cost_optimal']['label']}")
    ax.set(xlabel=xlabel, ylabel="total loss (mean, 95% CI)", title="Total loss")
    ax.legend(fontsize=8)
    files.append(_save(fig, out / "loss.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    name, xs, rows = series[0]
    labels = [str(x) for x in xs]
    bottom = [0.0] * len(rows)
    for part in PARTS:
        vals = [r["metrics"].get(part, {}).get("mean") or 0.0 for r in rows]
        if any(vals):
            ax.bar(labels, vals, bottom=bottom, label=part.removeprefix("loss_"))
            bottom = [b + v for b, v in zip(bottom, vals, strict=False)]
    ax.set(xlabel=xlabel, ylabel="mean loss", title="Loss parts" + (f" (policy {name})" if name else ""))
    ax.legend(fontsize=8)
    files.append(_save(fig, out / "loss_parts.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, xs, rows in series:
        m = [r["metrics"].get("service_level") for r in rows]
        if all(m):
            ax.errorbar(xs, [e["mean"] for e in m], yerr=[[e["mean"] - e["ci_low"] for e in m],
                        [e["ci_high"] - e["mean"] for e in m]], marker="o", capsize=3, label=name or "service level")
    ax.axhline(rec["target"], color="red", ls="--", lw=1, label=f"target {rec['target']:.0%}")
    ax.set(xlabel=xlabel, ylabel="service level", title="Service level vs target", ylim=(0, 1.02))
    ax.legend(fontsize=8)
    files.append(_save(fig, out / "service_level.png"))
    plt.close(fig)

    if result.intervals:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        show = [rec["cost_optimal"]["level"]]
        if rec.get("service_level") and rec["service_level"]["level"] not in show:
            show.append(rec["service_level"]["level"])
        label_of = {r["level"]: r["label"] for r in result.summary}
        for lv in show:
            rows = [r for r in result.intervals if r["level"] == lv and "service_level" in r]
            xs = [r["start"] / 60 for r in rows]
            ax.plot(xs, [r["service_level"]["mean"] for r in rows], drawstyle="steps-post", label=label_of[lv])
            ax.fill_between(xs, [r["service_level"]["ci_low"] for r in rows],
                            [r["service_level"]["ci_high"] for r in rows], step="post", alpha=0.2)
        ax.axhline(rec["target"], color="red", ls="--", lw=1)
        ax.set(xlabel="hours from start", ylabel="service level per interval", title="Intraday service level",
               ylim=(0, 1.02))
        ax.legend(fontsize=8)
        files.append(_save(fig, out / "intervals.png"))
        plt.close(fig)
    return files, None
