"""PNG plots of a study (matplotlib Agg, imported lazily; skipped with a note if missing).

``loss.png`` total loss with its 95% CI band; ``loss_parts.png`` mean loss parts stacked;
``service_level.png`` service level with CI against the target; ``intervals.png`` the intraday
service level of the recommended staffing; ``heatmap.png`` (two varied fields) mean total loss
and service level over the grid, one row per policy. The x axis is the first varied field,
labelled by its path (and a shift's hours) with the values as written; one line per value of
the other fields and per policy.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisissim.engine.ledger import LOSS_PARTS
from crisissim.fileio import write_atomic
from crisissim.study.grid import policy_name

if TYPE_CHECKING:
    from crisissim.study.run import StudyResult

PARTS = tuple(f"loss_{part}" for part in LOSS_PARTS)


def _numeric(values) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in values)


def _axis(result: StudyResult) -> tuple[str, list[Any], list[str], Any]:
    """The x axis: its label, tick positions, tick labels, and ``x(row)``."""
    rows = sorted(result.summary, key=lambda r: r["level"])
    if result.vary:
        v = result.vary[0]
        pos = list(v.values) if _numeric(v.values) else list(range(len(v.values)))
        where = dict(zip([repr(x) for x in v.values], pos, strict=False))
        return v.title, pos, list(v.shown or map(str, v.values)), lambda r: where[repr(r["values"][v.path])]
    names = [policy_name(r["policy"]) if r["policy"] else "default" for r in rows]
    return "policy", list(range(len(rows))), names, lambda r: rows.index(r)


def _series(result: StudyResult) -> list[tuple[str, list[dict[str, Any]]]]:
    """Rows grouped by the other varied fields and the policy (one line each), in level order."""
    rows = sorted(result.summary, key=lambda r: r["level"])
    if not result.vary:
        return [("", rows)]
    groups: dict[str, list] = {}
    for r in rows:
        parts = [f"{v.path}={r['shown'].get(v.path, r['values'][v.path])}" for v in result.vary[1:]]
        if len(result.policies) > 1:
            parts.append(f"policy={policy_name(r['policy']) if r['policy'] else 'default'}")
        groups.setdefault(", ".join(parts), []).append(r)
    return list(groups.items())


def _save(fig, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None}, bbox_inches="tight")
    return write_atomic(path, buf.getvalue())


def _ticks(ax, pos, labels) -> None:
    if len(pos) <= 30:
        ax.set_xticks(pos)
        ax.set_xticklabels(labels, rotation=45 if max(map(len, labels), default=0) > 6 else 0,
                           ha="right" if max(map(len, labels), default=0) > 6 else "center")


def write_plots(result: StudyResult, out: Path) -> tuple[list[Path], str | None]:
    """Write the plots; returns their paths and a note (why plots were skipped), if any."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "plots skipped: matplotlib is not installed (pip install 'crisissim[plot]')"
    from crisissim.study.report import staffing_name

    xlabel, pos, labels, x_of = _axis(result)
    series = _series(result)
    files = []
    rec = result.recommendation
    by_level = {r["level"]: r for r in result.summary}

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, rows in series:
        xs = [x_of(r) for r in rows]
        m = [r["metrics"]["total_loss"] for r in rows]
        ax.plot(xs, [e["mean"] for e in m], marker="o", label=name or "total loss")
        ax.fill_between(xs, [e["ci_low"] for e in m], [e["ci_high"] for e in m], alpha=0.25)
    best = by_level[rec["cost_optimal"]["level"]]
    ax.plot([x_of(best)], [best["metrics"]["total_loss"]["mean"]], marker="*", ms=16, color="black", ls="none",
            label=f"cost-optimal: {staffing_name(result, rec['cost_optimal'])}")
    ax.set(xlabel=xlabel, ylabel="total loss (mean, 95% CI)", title="Total loss")
    _ticks(ax, pos, labels)
    ax.legend(fontsize=7)
    files.append(_save(fig, out / "loss.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    first_policy = sorted(result.summary, key=lambda r: r["level"])[0]["policy"]
    rows = [r for r in sorted(result.summary, key=lambda r: r["level"]) if r["policy"] == first_policy]
    bar_labels = [" / ".join(str(r["shown"].get(v.path, r["values"][v.path])) for v in result.vary) or
                  (policy_name(r["policy"]) if r["policy"] else "default") for r in rows]
    bottom = [0.0] * len(rows)
    for part in PARTS:
        vals = [r["metrics"].get(part, {}).get("mean") or 0.0 for r in rows]
        if any(vals):
            ax.bar(range(len(rows)), vals, bottom=bottom, label=part.removeprefix("loss_"))
            bottom = [b + v for b, v in zip(bottom, vals, strict=False)]
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(bar_labels, rotation=45 if len(rows) > 8 else 0, ha="right" if len(rows) > 8 else "center",
                       fontsize=8)
    xl = " / ".join(v.title for v in result.vary) or "policy"
    shown_policy = f" (policy {policy_name(first_policy)})" if first_policy and len(result.policies) > 1 else ""
    ax.set(xlabel=xl, ylabel="mean loss", title="Loss parts" + shown_policy)
    ax.legend(fontsize=8)
    files.append(_save(fig, out / "loss_parts.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, rows in series:
        m = [r["metrics"].get("service_level") for r in rows]
        if all(m):
            ax.errorbar([x_of(r) for r in rows], [e["mean"] for e in m],
                        yerr=[[e["mean"] - e["ci_low"] for e in m], [e["ci_high"] - e["mean"] for e in m]],
                        marker="o", capsize=3, label=name or "service level")
    if rec["target"] is not None:
        ax.axhline(rec["target"], color="red", ls="--", lw=1, label=f"target {rec['target']:.0%}")
    ax.set(xlabel=xlabel, ylabel="service level", title="Service level vs target", ylim=(0, 1.02))
    _ticks(ax, pos, labels)
    ax.legend(fontsize=7)
    files.append(_save(fig, out / "service_level.png"))
    plt.close(fig)

    if len(result.vary) == 2:
        files.append(_heatmap(plt, result, out / "heatmap.png"))

    if result.intervals:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        show = [("cost-optimal", rec["cost_optimal"])]
        if rec.get("service_level") and rec["service_level"]["level"] != rec["cost_optimal"]["level"]:
            show.append(("cheapest meeting the target", rec["service_level"]))
        for what, entry in show:
            rows = [r for r in result.intervals if r["level"] == entry["level"] and "service_level" in r]
            xs = [r["start"] / 60 for r in rows]
            ax.plot(xs, [r["service_level"]["mean"] for r in rows], drawstyle="steps-post",
                    label=f"{what}: {staffing_name(result, entry)}")
            ax.fill_between(xs, [r["service_level"]["ci_low"] for r in rows],
                            [r["service_level"]["ci_high"] for r in rows], step="post", alpha=0.2)
        if rec["target"] is not None:
            ax.axhline(rec["target"], color="red", ls="--", lw=1)
        ax.set(xlabel="hours from start", ylabel="service level per interval", title="Intraday service level",
               ylim=(0, 1.02))
        ax.legend(fontsize=7)
        files.append(_save(fig, out / "intervals.png"))
        plt.close(fig)
    return files, None


def _heatmap(plt, result: StudyResult, path: Path) -> Path:
    """Mean total loss and service level over a two-field grid (one row per policy); the
    cost-optimal cell framed in black, the cheapest meeting the target in a dashed frame, cells
    that meet the target on average marked ✓."""
    import numpy as np
    from matplotlib.patches import Rectangle

    vx, vy = result.vary
    rec = result.recommendation
    policies = list(dict.fromkeys(r["policy"] for r in result.summary))
    fig, axes = plt.subplots(len(policies), 2, figsize=(11, 4.2 * len(policies)), squeeze=False)
    ix = {repr(x): i for i, x in enumerate(vx.values)}
    iy = {repr(y): i for i, y in enumerate(vy.values)}
    svc = rec.get("service_level")
    for row_axes, pol in zip(axes, policies, strict=False):
        rows = [r for r in result.summary if r["policy"] == pol]
        loss = np.full((len(vy.values), len(vx.values)), np.nan)
        sl = np.full_like(loss, np.nan)
        goal = np.full_like(loss, np.nan)
        where = {}
        for r in rows:
            i, j = iy[repr(r["values"][vy.path])], ix[repr(r["values"][vx.path])]
            loss[i, j] = r["metrics"]["total_loss"]["mean"]
            sl[i, j] = r["metrics"].get("service_level", {}).get("mean", np.nan)
            goal[i, j] = r.get("target", np.nan)
            where[r["level"]] = (i, j)
        for ax, data, what, cmap in ((row_axes[0], loss, "mean total loss", "viridis_r"),
                                     (row_axes[1], sl, "service level", "cividis")):
            im = ax.imshow(data, origin="lower", aspect="auto", cmap=cmap)
            fig.colorbar(im, ax=ax, shrink=0.85)
            for (i, j), v in np.ndenumerate(data):
                if np.isnan(v):
                    continue
                text = f"{v / 1000:,.0f}k" if what == "mean total loss" else f"{v:.1%}"
                if what == "service level" and v >= goal[i, j]:
                    text += " ✓"
                ax.text(j, i, text, ha="center", va="center", fontsize=7, color="black",
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.6})
            for level, style in ((rec["cost_optimal"]["level"], "-"), (svc["level"] if svc else None, "--")):
                if level in where:
                    i, j = where[level]
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2.5, ls=style, ec="black"))
            ax.set_xticks(range(len(vx.values)))
            ax.set_xticklabels(vx.shown or [str(x) for x in vx.values], fontsize=8)
            ax.set_yticks(range(len(vy.values)))
            ax.set_yticklabels(vy.shown or [str(y) for y in vy.values], fontsize=8)
            ax.set(xlabel=vx.title, ylabel=vy.title)
            suffix = f" (policy {policy_name(pol)})" if pol and len(policies) > 1 else ""
            ax.set_title(what + suffix, fontsize=10)
    goal_text = f"{rec['target']:.0%}" if rec["target"] is not None else "its target"
    fig.suptitle("Solid frame: cost-optimal; dashed: cheapest that meets the target; "
                 f"✓ meets {goal_text} on average", fontsize=9)
    out = _save(fig, path)
    plt.close(fig)
    return out
