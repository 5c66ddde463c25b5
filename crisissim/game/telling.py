"""The debrief in sentences, for the debrief screen and the after-action report alike.

Every sentence comes from the catalogue in the current language. Verdicts follow the 95%
intervals (:func:`crisissim.game.counterfactual.verdict_of`): "saved" or "cost you" only
where the interval leaves out zero. Each function returns ``(state, text)`` pairs; a state
is ``ok``, ``bad``, ``warn`` or ``none`` (drawn with its mark and colour). No pygame.
"""

from __future__ import annotations

import math

from crisissim.game.counterfactual import WITHOUT, verdict_of
from crisissim.game.fmt import TimeOfDay, compact, money
from crisissim.game.words import option_label, who

VERDICT_STATE = {"saved": "ok", "cost": "bad", "close": "none"}
LESSON_STATE = {"met": "ok", "missed": "bad", "close": "none", "untested": "none"}
LESSON_WORD = {"met": "lesson.met", "missed": "lesson.missed", "close": "lesson.close", "untested": "lesson.untested"}
GRADE_STATE = {"A": "ok", "B": "ok", "C": "warn", "D": "bad", "F": "bad"}


def amount(x: float, currency: str = "") -> str:
    """``1.2M CNY``, ``−24k CNY``: a signed compact amount."""
    if not math.isfinite(x):
        return "–"
    s = ("−" if x < 0 else "") + compact(abs(x))
    return f"{s} {currency}".strip()


def signed(x: float, digits: int = 1, unit: str = "") -> str:
    """``+1.2``, ``−4.0`` (a minus sign, not a hyphen)."""
    if not math.isfinite(x):
        return "–"
    s = f"{abs(x):.{digits}f}"
    return ("−" if x < 0 and float(s) != 0 else "+") + s + unit


def interval(w, lo: float, hi: float, show) -> str:
    return w("tell.interval", lo=show(lo), hi=show(hi))


def row_head(sc, w, row) -> str:
    """``10:42  Recall?  →  Full recall  (you)`` or ``10:50  Action: FAQ  (you)``."""
    clock = TimeOfDay(sc.meta.start)(row.t)
    if row.kind == "action":
        return w("debrief.action_head", clock=clock, title=w.of(row.title), who=who(w, row.by))
    return w("debrief.card_head", clock=clock, title=w.of(row.title), label=w.of(row.label), who=who(w, row.by))


def alt_name(sc, w, row, alt: str) -> str:
    if alt == WITHOUT:
        return w("tell.without")
    return w.of(option_label(sc, row.id, alt)[1])


def effect_lines(sc, w, row, eff, reps: int) -> tuple[str, str, str]:
    """(state, verdict line, detail line) of one alternative of a decision."""
    cur = sc.meta.currency
    p = eff.loss
    d = p.difference
    v = verdict_of(p)
    name = alt_name(sc, w, row, eff.alt)
    ci = interval(w, -d.hi, -d.lo, amount) if v == "cost" else interval(w, d.lo, d.hi, amount)  # as the amount said
    diff = money(abs(d.mean), cur)
    if row.kind == "action":
        key = {"saved": "tell.action_saved", "cost": "tell.action_cost", "close": "tell.action_close"}[v]
        head = w(key, diff=diff, signed=amount(d.mean, cur), ci=ci)
        days = w("tell.days_without", k=eff.better_days, n=p.n)
    else:
        key = {"saved": "tell.saved", "cost": "tell.cost", "close": "tell.close"}[v]
        head = w(key, alt=name, diff=diff, signed=amount(d.mean, cur), ci=ci)
        days = w("tell.days", alt=name, k=eff.better_days, n=p.n)
    if p.n < reps:
        days += " " + w("tell.came_up", n=p.n, reps=reps)
    r, s = eff.reputation.difference, eff.service.difference
    other = w("tell.side", who=w("tell.with_it") if row.kind == "card" else w("tell.without"),
              rep=signed(r.mean), rep_ci=interval(w, r.lo, r.hi, signed),
              sl=signed(100 * s.mean, 1), sl_ci=interval(w, 100 * s.lo, 100 * s.hi, lambda x: signed(x, 1)))
    return VERDICT_STATE[v], head, f"{days} · {other}"


def hands_off_line(sc, w, p) -> tuple[str, str]:
    """Your play against every card left to its default and no actions, on the same days."""
    cur = sc.meta.currency
    d = p.difference  # hands-off − yours
    v = verdict_of(p)
    key = {"saved": "tell.play_saved", "cost": "tell.play_cost", "close": "tell.play_close"}[v]
    ci = interval(w, -d.hi, -d.lo, amount) if v == "cost" else interval(w, d.lo, d.hi, amount)
    text = w(key, loss=money(p.mean_a, cur), diff=money(abs(d.mean), cur), ci=ci, k=p.n - p.wins - p.ties, n=p.n)
    return VERDICT_STATE[v], text


def grade_lines(sc, w, debrief) -> list[tuple[str, str]]:
    """The grade and what it rests on."""
    cur = sc.meta.currency
    g = debrief.grade
    out: list[tuple[str, str]] = []
    if debrief.expert_problem:
        return [("warn", w("grade.broken", why=debrief.expert_problem))]
    if g is None:
        return out
    if g.vs_expert is None or g.letter is None:
        out.append(("none", w("grade.none")))
        if debrief.facilitated:
            out.append(("warn", w("grade.facilitated")))
    else:
        p = g.vs_expert  # expert − yours
        d = p.difference
        out.append((GRADE_STATE[g.letter], w("grade.letter", letter=g.letter)))
        if debrief.facilitated:  # the caveat before the figures it qualifies
            out.append(("warn", w("grade.facilitated")))
        out.append(("none", w("grade.score", share=f"{max(0.0, g.score):.0%}")))
        out.append(("none", w("grade.vs_expert", expert=money(p.mean_a, cur), own=money(p.mean_b, cur),
                                k=p.n - p.wins - p.ties, n=p.n, ci=interval(w, -d.hi, -d.lo, amount))))
    return out


POLICIES = {"default": "tell.policy_default", "first": "tell.policy_first", "random": "tell.policy_random"}
METRIC_NAMES = {"total_loss": "tell.metric_total_loss", "reputation_min": "tell.metric_reputation_min",
                "reputation_final": "tell.metric_reputation_final", "service_level": "tell.metric_service_level",
                "churned": "tell.metric_churned"}


def policy_name(w, spec: str) -> str:
    """A policy as a trainee reads it: ``leaving every card to its default``, or a scripted file's name."""
    from pathlib import PurePath

    spec = spec.strip()
    if spec in POLICIES:
        return w(POLICIES[spec])
    if spec.startswith("scripted:"):
        return PurePath(spec[len("scripted:"):].strip()).stem
    return spec


def metric_name(w, metric: str) -> str:
    return w(METRIC_NAMES[metric]) if metric in METRIC_NAMES else metric


def lesson_lines(sc, w, check) -> tuple[str, str, str, str]:
    """(state, status word, lesson text, detail) of one lesson."""
    les = check.lesson
    f = dict(check.fields)
    if les.card is not None:
        for k in ("option", "than", "chosen"):
            if k in f:
                f[k] = w.of(option_label(sc, les.card, f[k])[1])
    if "than" in f and les.card is None:
        f["than"] = policy_name(w, f["than"])
    if "metric" in f:
        f["metric"] = metric_name(w, f["metric"])
    key = check.why
    if key == "lesson.chose" and check.status == "missed":
        key = "lesson.chose_not"
    detail = w(key, **f)
    return LESSON_STATE[check.status], w(LESSON_WORD[check.status]), w.of(les.text), detail


def verdicts(d: dict, sc, w) -> list[tuple[str, str, str, bool | None]]:
    """(heading, value, against, met) for the four scores of a result dict."""
    cur = d["currency"]
    s = sc.scoring
    budget = s.loss_budget
    rep = d["reputation"]
    return [
        (w("debrief.loss"), money(d["total_loss"], cur),
         w("debrief.budget", budget=money(budget, cur)) if budget is not None else w("debrief.no_budget"),
         None if budget is None else d["total_loss"] <= budget),
        (w("debrief.service"), f"{d['service_level']:.1%}",
         w("debrief.service_target", target=f"{s.service_level.target:.0%}", seconds=f"{s.service_level.threshold * 60:g}"),
         d["service_level"] >= s.service_level.target),
        (w("debrief.reputation"), w("debrief.rep_value", final=f"{rep['final']:.1f}", low=f"{rep['min']:.1f}"),
         w("debrief.rep_against", floor=f"{s.reputation_floor:g}", start=f"{rep['initial']:g}"),
         rep["min"] >= s.reputation_floor),
        (w("debrief.churned"), f"{d['churned']:,.0f}",  # an expected count: whole customers
         w("debrief.abandoned", abandoned=f"{d['contacts']['abandoned']:,}", arrived=f"{d['contacts']['arrived']:,}"), None),
    ]
