"""``report.md``: the level table and the recommendation in words, for planners."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crisissim.study.run import StudyResult


def _n(x: Any, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.{digits}f}"


def _pct(x: Any) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def recommendation_lines(result: StudyResult, currency: str = "") -> list[str]:
    """The recommendation as short sentences (used by the report and the CLI)."""
    rec = result.recommendation
    cur = f" {currency}" if currency else ""
    c = rec["cost_optimal"]
    lines = [f"Cost-optimal: {c['label']} (level {c['level']}), mean total loss {_n(c['mean_loss'])}{cur}; "
             f"best in {_pct(c['p_best'])} of replications"]
    ru = c.get("runner_up")
    if ru:
        t = ru["test"]
        lines[-1] += (f"; runner-up {ru['label']} costs {_n(t['diff_mean'])}{cur} more "
                      f"(95% CI {_n(t['diff_ci_low'])} to {_n(t['diff_ci_high'])}, {_p(t['p_value'])})")
    lines += _edge_notes(result, c["level"])
    s = rec.get("service_level")
    if s is None:
        lines.append(f"Service-level target {_pct(rec['target'])}: no level meets it on average")
    else:
        lines.append(f"Cheapest level meeting the {_pct(rec['target'])} service-level target: {s['label']} "
                     f"(level {s['level']}), service level {_pct(s['mean_service_level'])}, staff cost "
                     f"{_n(s['staff_cost'])}{cur}; met the target in {_pct(s['p_meets_target'])} and was the "
                     f"cheapest such level in {_pct(s['p_best'])} of replications")
        ru = s.get("runner_up")
        if ru:
            t = ru["test"]
            lines[-1] += (f"; vs {ru['label']}: service level {_signed_pct(t['diff_mean'])} "
                          f"(95% CI {_signed_pct(t['diff_ci_low'])} to {_signed_pct(t['diff_ci_high'])}, "
                          f"{_p(t['p_value'])})")
    o = rec.get("optimize")
    if o:
        state = "resolved" if o["resolved"] else "not resolved before the replication cap"
        lines.append(f"{o['method']}: best level {o['best']} at {_pct(o['confidence'])} confidence "
                     f"(indifference zone {_n(o['delta'])}{cur}), {state}; {o['reps_used']} replications "
                     f"against {o['full_grid_reps']} for the full grid")
    return lines


def _edge_notes(result: StudyResult, best: int) -> list[str]:
    """Warn when the cost-optimal value of a varied field is the smallest or largest tried."""
    level = next((lv for lv in result.levels if lv.index == best), None)
    notes = []
    for v in result.vary if level is not None else []:
        values = sorted(set(v.values))
        x = level.values.get(v.path) if level is not None else None
        if len(values) >= 3 and x in (values[0], values[-1]):
            side = "smallest" if x == values[0] else "largest"
            notes.append(f"Note: the cost-optimal {v.path} = {x:g} is the {side} value tried; "
                         "widen the range to be sure it is the optimum")
    return notes


def _p(p: Any) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _signed_pct(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{100 * x:+.1f} pts"


def report_md(result: StudyResult, plots: list[str], note: str | None) -> str:
    """The Markdown report: parameters, the per-level table, recommendation, plots."""
    p = result.params
    sc = p["scenario"]
    cur = sc["meta"].get("currency", "")
    out = [f"# Staffing study: {sc['meta']['title']} (`{sc['meta']['id']}`)", ""]
    varied = ", ".join(f"`{v.path}` ∈ {{{', '.join(map(str, v.values))}}}" for v in result.vary) or "nothing"
    pols = ", ".join(str(x) for x in result.policies if x) or "default"
    out += [f"- Varied: {varied}; policies: {pols}",
            f"- Replications per level: {p['reps']}{' (+ sequential, precision ' + _pct(p['precision']) + ')' if p['precision'] else ''}; "
            f"seed {p['seed']}; {'common random numbers' if p['crn'] else 'independent seeds'}",
            f"- Money in {cur}; CIs are 95% Student-t intervals of the mean", ""]
    out += ["## Recommendation", ""] + [f"- {line}" for line in recommendation_lines(result, cur)] + [""]
    thr = p.get("loss_threshold")
    head = ["level", "setting", "n", "total loss (mean ± 95% CI)", "Δ to best (95% CI)", "P(best)",
            "service level", "abandoned", "wait p90 (min)", "reputation", "churned", "Erlang C agents"]
    if thr is not None:
        head.insert(5, f"P(loss > {_n(thr)})")
    out += ["## Levels", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in sorted(result.summary, key=lambda r: r["level"]):
        m = r["metrics"]
        g = lambda k, m=m: m.get(k, {}).get("mean")  # noqa: E731
        tl = m["total_loss"]
        hw = (tl["ci_high"] - tl["ci_low"]) / 2 if tl["ci_high"] is not None else math.nan
        d = r["diff_to_best"]
        cells = [str(r["level"]), r["label"], str(r["n"]), f"{_n(tl['mean'])} ± {_n(hw)}",
                 f"{_n(d['mean'])} ({_n(d['ci_low'])} to {_n(d['ci_high'])})", _pct(r["p_best"]),
                 _pct(g("service_level")), _pct(g("abandon_rate")), _n(g("wait_p90"), 2),
                 _n(g("reputation_final"), 1), _n(g("churned"), 1), _n(r["erlang_c_agents"])]
        if thr is not None:
            cells.insert(5, _pct(r["p_loss_over_threshold"]))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    if plots:
        out += ["## Plots", ""] + [f"![{name}]({name})" for name in plots] + [""]
    if note:
        out += [f"_Note: {note}._", ""]
    out += ["Files: `summary.csv`, `summary.json`, `intervals.csv` (per-interval KPIs), "
            "`replications.parquet` (one row per replication).", ""]
    return "\n".join(out)
