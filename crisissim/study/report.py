"""``report.md`` and the command's summary: the study's answers in one vocabulary.

Every answer names a staffing by its field values (``pools.agents.shifts.0.size = 38 (shift
09:00–14:00)``): the **cost-optimal staffing** (lowest mean total loss, or with ``--optimize``
the one KN selects, with its confidence), the **cheapest staffing that meets the target**, and
what queueing theory says at the peak interval, with why the simulation needs more or less.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from crisissim.scenario.units import format_duration
from crisissim.study.grid import policy_name

if TYPE_CHECKING:
    from crisissim.study.run import StudyResult


def _n(x: Any, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.{digits}f}"


def _pct(x: Any) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _p(p: Any) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "p –"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _signed_pct(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{100 * x:+.1f} pts"


def _context(title: str, path: str) -> str:
    """What a field's title adds to its path (a shift's hours), with a leading space."""
    return title[len(path):] if title.startswith(path) else ""


def staffing_name(result: StudyResult, entry: dict[str, Any]) -> str:
    """A level named by its field values (and policy): ``path = value (shift 09:00–14:00), …``."""
    shown = entry.get("shown") or {}
    parts = [f"{v.path} = {shown.get(v.path, entry['values'].get(v.path))}{_context(v.title, v.path)}"
             for v in result.vary]
    if entry.get("policy") is not None and (len(result.policies) > 1 or not parts):
        parts.append(f"policy {policy_name(entry['policy'])}")
    return ", ".join(parts) or "the scenario as written"


def target_text(result: StudyResult) -> str:
    """``80% answered within 30s`` (or ``as each level sets it`` when a study varies it)."""
    rec = result.recommendation
    thr = rec.get("threshold")
    if rec.get("target") is None or thr is None:
        return "each level's own service-level target"
    return f"{_pct(rec['target']).replace('.0%', '%')} answered within {format_duration(thr)}"


def _what(result: StudyResult) -> str:
    """``staffing`` when the study varies staff pools (or nothing), else ``setting``."""
    return "staffing" if not result.vary or any(v.path.startswith("pools.") for v in result.vary) else "setting"


def _is_staffing(path: str) -> bool:
    parts = path.split(".")
    return parts[0] == "pools" and parts[-1] == "size"


def edge_notes(result: StudyResult) -> list[str]:
    """A "widen the range" note wherever an answer sits at the edge of the grid: the cost-optimal
    value of a field at its smallest or largest value tried, the cheapest staffing meeting the
    target at the fewest agents tried, or no staffing tried meeting it."""
    rec = result.recommendation
    notes = []
    by_level = {r["level"]: r for r in result.summary}
    best = by_level.get(rec["cost_optimal"]["level"])
    for v in result.vary if best is not None else []:
        if len(v.values) < 2 or isinstance(v.values[0], (str, bool)):
            continue
        order = sorted(v.values)
        x = best["values"].get(v.path) if best is not None else None
        if x in (order[0], order[-1]):
            side, way = ("smallest", "downwards") if x == order[0] else ("largest", "upwards")
            notes.append(f"Note: the cost-optimal {v.path} = {v.show(x)} is the {side} value tried; widen the "
                         f"range {way} to be sure it is the optimum")
    svc = rec.get("service_level")
    if svc is not None:
        row = by_level[svc["level"]]
        for v in result.vary:
            if _is_staffing(v.path) and len(v.values) >= 2 and row["values"].get(v.path) == min(v.values):
                notes.append(f"Note: the cheapest staffing that meets the target has the fewest {v.path} tried "
                             f"({v.show(min(v.values))}); fewer may meet it too: widen the range downwards")
    elif rec.get("closest") is not None and any(_is_staffing(v.path) for v in result.vary):
        notes.append("Note: no staffing tried meets the target; widen the range upwards")
    return notes


def _cost_line(result: StudyResult, cur: str) -> str:
    rec = result.recommendation
    c = rec["cost_optimal"]
    o = rec.get("optimize")
    ci = f"(95% CI {_n(c['ci_low'])} to {_n(c['ci_high'])})"
    if o:
        how = (f"selected by KN ranking and selection: with {_pct(o['confidence']).replace('.0%', '%')} confidence "
               f"its mean total loss is within {_n(o['delta'])}{cur} of the lowest of any level tried"
               if o["resolved"] else
               f"the lowest mean total loss of the levels KN still had in contention at the cap of "
               f"{o['max_reps']:,} replications per level (not resolved at "
               f"{_pct(o['confidence']).replace('.0%', '%')} confidence)")
        return (f"Cost-optimal {_what(result)}: {staffing_name(result, c)}, {how}; mean total loss {_n(c['mean_loss'])}{cur} "
                f"{ci} over its {c['n']} replications; {o['reps_used']:,} replications in all against "
                f"{o['full_grid_reps']:,} for the full grid at {result.params['reps']} per level")
    line = f"Cost-optimal {_what(result)}: {staffing_name(result, c)}, mean total loss {_n(c['mean_loss'])}{cur} {ci}"
    if c.get("p_best") is not None:
        paired = "paired " if result.params.get("crn", True) else ""
        line += f"; the lowest of all levels in {_pct(c['p_best'])} of {c['n']} {paired}replications"
    ru = c.get("runner_up")
    if ru:
        t = ru["test"]
        line += (f"; next best {staffing_name(result, ru)} costs {_n(t['diff_mean'])}{cur} more "
                 f"(95% CI {_n(t['diff_ci_low'])} to {_n(t['diff_ci_high'])}, {_p(t['p_value'])})")
    return line


def _service_line(result: StudyResult, cur: str) -> str:
    rec = result.recommendation
    s = rec.get("service_level")
    if s is None:
        close = rec.get("closest")
        tail = (f"; the closest is {staffing_name(result, close)} at {_pct(close['mean_service_level'])}"
                if close else "")
        return f"No {_what(result)} tried meets the target ({target_text(result)}) on average{tail}"
    line = (f"Cheapest {_what(result)} that meets the target ({target_text(result)}): {staffing_name(result, s)}, "
            f"service level {_pct(s['mean_service_level'])}, staff cost {_n(s['staff_cost'])}{cur}; met the target in "
            f"{_pct(s['p_meets_target'])} of its {s['n']} replications")
    if s.get("p_best") is not None:
        line += f" and was the cheapest level to meet it in {_pct(s['p_best'])} of them"
    ru = s.get("runner_up")
    if ru:
        t = ru["test"]
        line += (f"; against {staffing_name(result, ru)}: service level {_signed_pct(t['diff_mean'])} "
                 f"(95% CI {_signed_pct(t['diff_ci_low'])} to {_signed_pct(t['diff_ci_high'])}, {_p(t['p_value'])})")
    return line


def erlang_sentence(result: StudyResult) -> str | None:
    """Queueing theory at the peak interval beside the simulation's answer, and why they differ."""
    e = result.recommendation.get("erlang")
    if not e:
        return None
    from crisissim.study.grid import clock

    sc = _scenario(result)
    theory = f"Erlang C asks for {e['erlang_c']} agents on duty"
    if e["patience"] is not None:
        theory += f" and Erlang A (callers hang up after {e['patience']:.1f} min on average) {e['erlang_a']}"
        ref, ref_name = e["erlang_a"], "Erlang A"
    else:
        ref, ref_name = e["erlang_c"], "Erlang C"
    shrink = f", both counting {_pct(e['shrinkage']).replace('.0%', '%')} shrinkage" if e["shrinkage"] else ""
    who = (f"the cheapest {_what(result)} that meets the target" if e["meets_target"]
           else f"the cost-optimal {_what(result)}")
    head = (f"At the peak interval {clock(sc, e['start'])}–{clock(sc, e['end'])} of the forecast "
            f"({e['rate']:,.0f} calls an hour for pool {e['pool']}, {e['handle']:.1f} min each) {theory}{shrink}; "
            f"{who} has {e['on_duty']} on duty then")
    ratio = (e["offered_total"] / e["forecast_total"]
             if e.get("offered_total") is not None and e["forecast_total"] > 0 else None)
    short = e.get("short_intervals") or []
    span = (f"{len(short)} of the {e['intervals']} intervals (between {clock(sc, short[0])} and "
            f"{clock(sc, min(short[-1] + sc.meta.interval, sc.meta.duration))})") if short else ""
    more, less = [], []
    if ratio is not None and ratio > 1.05:
        more.append(f"over the run the simulation offered {100 * (ratio - 1):.0f}% more contacts than the forecast "
                    "(repeat contacts, redials, word-of-mouth and events a forecast cannot know)")
    if ratio is not None and ratio < 0.95:
        less.append(f"over the run the simulation offered {100 * (1 - ratio):.0f}% fewer contacts than the forecast "
                    "(decisions and actions that deflect or damp them)")
    if short:
        more.append(f"in {span} it has fewer agents than {ref_name} asks for there, and the busier hours make up "
                    "the day's service level")
    less.append("the target holds for the whole day, not for each interval" + (f" (in {span} it has fewer agents "
                f"than {ref_name} asks for)" if short else ""))
    if e["async_types"]:
        more.append("its agents also answer email or social contacts, which Erlang leaves out")
    diff = e["on_duty"] - ref
    if abs(diff) <= 1:
        return f"{head}, as many as {ref_name} asks for."
    if diff > 0:
        why = more or ["the queue built up before the peak carries into it (Erlang assumes a steady state)"]
        tail = (", though fewer than Erlang C because callers who hang up shorten the queue"
                if e["patience"] is not None and e["on_duty"] < e["erlang_c"] - 1 else "")
        return f"{head}: {diff} more than {ref_name}, because {'; and '.join(why)}{tail}."
    return f"{head}: {-diff} fewer than {ref_name}, because {'; and '.join(less)}."


def _scenario(result: StudyResult):
    from crisissim.scenario.schema import Scenario

    return Scenario.model_validate(result.params["scenario"])


def recommendation_lines(result: StudyResult, currency: str = "") -> list[str]:
    """The answers as short sentences (used by the report and the CLI)."""
    cur = f" {currency}" if currency else ""
    lines = [_cost_line(result, cur), _service_line(result, cur)]
    lines += edge_notes(result)
    e = erlang_sentence(result)
    if e:
        lines.append(e)
    return lines


def replications_text(result: StudyResult) -> str:
    """How many replications each level got, and why (plain, --precision or --optimize)."""
    p = result.params
    ns = [r["n"] for r in result.summary]
    spread = f"{min(ns)} per level" if min(ns) == max(ns) else f"{min(ns)} to {max(ns)} per level"
    o = result.optimize
    if o:
        return (f"KN ranking and selection: {o['n0']} per level first, then {o['step']} at a time for the levels "
                f"still in contention (at most {o['max_reps']:,}); {o['reps_used']:,} in all, {spread} (the full "
                f"grid at {p['reps']} per level would take {o['full_grid_reps']:,})")
    if p.get("precision"):
        return (f"{p['reps']} per level first, then more until every CI half-width is under "
                f"{_pct(p['precision'])} of its mean (at most {p['max_reps'] or 10 * p['reps']:,}); {spread}, "
                f"{sum(ns):,} in all")
    return f"{spread}, {sum(ns):,} in all"


def _title(meta: dict[str, Any]) -> str:
    t = meta.get("title", "")
    if isinstance(t, dict):
        return t.get("en") or next(iter(t.values()), "")
    return str(t)


def report_md(result: StudyResult, plots: list[str], note: str | None) -> str:
    """The Markdown report: parameters, the recommendation, the per-level table, plots."""
    p = result.params
    sc = p["scenario"]
    cur = sc["meta"].get("currency", "")
    out = [f"# Staffing study: {_title(sc['meta'])} (`{sc['meta']['id']}`)", ""]
    varied = "; ".join(f"`{v.path}`{_context(v.title, v.path)} ∈ {{{', '.join(v.shown or map(str, v.values))}}}"
                       for v in result.vary) or "nothing"
    pols = ", ".join(policy_name(x) for x in result.policies if x) or "default"
    out += [f"- Varied: {varied}; policies: {pols}",
            f"- Replications: {replications_text(result)}; seed {p['seed']}; "
            f"{'common random numbers' if p['crn'] else 'independent seeds'}",
            f"- Target: {target_text(result)} (abandoned calls count as missed)",
            f"- Money in {cur}; CIs are 95% Student-t intervals of the mean", ""]
    out += ["## Recommendation", ""] + [f"- {line}" for line in recommendation_lines(result, cur)] + [""]
    out += _table(result)
    if plots:
        out += ["## Plots", ""] + [f"![{name}]({name})" for name in plots] + [""]
    if note:
        out += [f"_Note: {note}._", ""]
    out += ["Files: `summary.csv`, `summary.json`, `intervals.csv` (per-interval KPIs), "
            "`replications.parquet` (one row per replication).", ""]
    return "\n".join(out)


def _table(result: StudyResult) -> list[str]:
    thr = result.params.get("loss_threshold")
    policies = len(result.policies) > 1
    rows = sorted(result.summary, key=lambda r: r["level"])
    peaks = {(r["erlang"]["start"], r["erlang"]["end"]) for r in rows if r.get("erlang")}
    sc = _scenario(result) if peaks else None
    at = ""
    if len(peaks) == 1 and sc is not None:
        from crisissim.study.grid import clock

        a, b = peaks.pop()
        at = f" ({clock(sc, a)}–{clock(sc, b)})"
    pool = next((r["erlang"]["pool"] for r in rows if r.get("erlang")), None)
    head = ["level", *(v.title for v in result.vary), *(["policy"] if policies else []), "n",
            "total loss (mean ± 95% CI)", "Δ to best (95% CI)", "P(best)", "service level", "abandoned",
            "wait p90 (min)", "reputation", "churned"]
    if pool is not None:
        head += [f"on duty at peak{at}", f"Erlang C / A at peak{at}"]
    if thr is not None:
        head.insert(head.index("P(best)") + 1, f"P(loss > {_n(thr)})")
    out = ["## Levels", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        m = r["metrics"]
        g = lambda k, m=m: m.get(k, {}).get("mean")  # noqa: E731
        tl = m["total_loss"]
        hw = (tl["ci_high"] - tl["ci_low"]) / 2 if tl["ci_high"] is not None else math.nan
        d = r["diff_to_best"]
        cells = [str(r["level"]), *(str(r["shown"].get(v.path, r["values"].get(v.path))) for v in result.vary),
                 *([policy_name(r["policy"]) if r["policy"] else "default"] if policies else []), str(r["n"]),
                 f"{_n(tl['mean'])} ± {_n(hw)}", f"{_n(d['mean'])} ({_n(d['ci_low'])} to {_n(d['ci_high'])})",
                 _pct(r["p_best"]), _pct(g("service_level")), _pct(g("abandon_rate")), _n(g("wait_p90"), 2),
                 _n(g("reputation_final"), 1), _n(g("churned"), 1)]
        if pool is not None:
            e = r.get("erlang")
            cells += [str(e["on_duty"]), f"{e['erlang_c']} / {e['erlang_a']}"] if e else ["–", "–"]
        if thr is not None:
            cells.insert(head.index("P(best)") + 1, _pct(r["p_loss_over_threshold"]))
        out.append("| " + " | ".join(cells) + " |")
    if pool is not None:
        out += ["", f"_On duty at peak: agents of pool {pool} scheduled in the busiest interval of the forecast "
                    "(base rates, profiles and the crisis surges that come at a fixed time; see crisissim.study.staffing)."
                    " Erlang C / A: the paid agents queueing theory asks for there, without / with callers hanging up, "
                    "shrinkage included._"]
    out.append("")
    return out
