"""Write a :class:`Calibration` as scenario YAML, every fitted value under a comment that says how
it was estimated and how well it fits. Values the log cannot tell keep their defaults, also said."""

from __future__ import annotations

import json
import math
import textwrap
from datetime import date, timedelta

import numpy as np

from crisissim.calibrate.fit import DistFit, Estimate
from crisissim.calibrate.model import Calibration, ChannelFit, TypeFit

WIDTH = 116


def num(x: float, digits: int = 6) -> str:
    """A YAML number with ``digits`` significant digits and never an exponent."""
    if x == 0:
        return "0"
    return np.format_float_positional(float(x), precision=digits, unique=False, fractional=False, trim="-")


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class _Out:
    def __init__(self):
        self.lines: list[str] = []

    def comment(self, indent: int, text: str) -> None:
        pad = " " * indent
        for para in text.split("\n"):
            for line in textwrap.wrap(para, WIDTH - indent - 2, break_on_hyphens=False) or [""]:
                self.lines.append(f"{pad}# {line}".rstrip())

    def line(self, indent: int, text: str) -> None:
        self.lines.append(" " * indent + text)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _dist(spec: dict) -> str:
    return "{" + ", ".join(f"{k}: {v}" if isinstance(v, str) else f"{k}: {num(v)}" for k, v in spec.items()) + "}"


def _params(d: DistFit, unit: dict[str, str]) -> str:
    return "; ".join(f"{k} {e.text(unit=unit.get(k, ''))}" for k, e in d.params.items())


def _span(minutes: float) -> str:
    if minutes % 1440 == 0:
        return f"{int(minutes // 1440)}d"
    if minutes % 60 == 0:
        return f"{int(minutes // 60)}h"
    return num(minutes)


def _day(day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=day)).isoformat()


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def scenario_yaml(cal: Calibration, title: str | None = None, scenario_id: str = "calibrated") -> str:
    o = _Out()
    span = f"{_day(cal.day0)} to {_day(cal.day0 + cal.days - 1)}"
    o.comment(0, f"Calibrated by `crisissim calibrate` from {cal.source}: {cal.rows:,} contacts, {span} "
                 f"({cal.days} day{'s' if cal.days != 1 else ''}, starting on a {WEEKDAYS[cal.weekday0]}). "
                 "Each fitted value carries a comment: how it was estimated and how well it fits. "
                 "Time 0 is local midnight of the first day; the log is taken to run to the end of the interval of "
                 "its last arrival.")
    for n in cal.notes:
        o.comment(0, "Note: " + n)
    o.line(0, "meta:")
    o.line(2, f"id: {scenario_id}")
    o.line(2, f"title: {_q(title or f'Calibrated from {cal.source}')}")
    o.line(2, f"briefing: {_q(f'A centre fitted from {cal.source} ({span}).')}")
    o.line(2, f"duration: {_span(cal.duration)}")
    o.line(2, 'start: "00:00"')
    o.line(2, f"interval: {num(cal.interval)}")
    o.line(2, "seed: 1")
    o.comment(0, "customers: the log does not show the customer base, lifetime value or acquisition cost; defaults "
                 "kept: fill in your own to put money on the losses.")
    o.line(0, "customers: {}")
    o.line(0, "channels:")
    for ch in cal.channels.values():
        _channel(o, ch)
    o.line(0, "contact_types:")
    for tf in cal.types.values():
        _type(o, tf, cal)
    _pools(o, cal)
    defl = [tf for tf in cal.types.values() if tf.deflect is not None and tf.deflect.value > 0]
    if defl:
        o.line(0, "injects:")
        o.line(2, "- id: self_service")
        o.line(4, f"title: {_q('Self-service, as in the log')}")
        o.line(4, "at: 0")
        o.line(4, "effects:")
        for tf in defl:
            d = tf.deflect
            assert d is not None  # defl holds the types with a deflected share
            o.comment(6, f"{tf.name}: deflected share of all {tf.label} contacts, {d.text('{:.4f}')}")
            o.line(6, f"- {{effect: deflect, share: {num(d.value, 4)}, target: {tf.name}}}")
    o.line(0, "reputation:")
    o.comment(2, "The fitted arrival rates already include whatever word of mouth the centre saw: 0 keeps them as "
                 "fitted (raise it to study reputation feeding arrivals).")
    o.line(2, "arrival_feedback: 0")
    _churn(o, cal)
    return o.text()


def _channel(o: _Out, ch: ChannelFit) -> None:
    o.line(2, f"{ch.name}:")
    o.line(4, "kind: sync")
    if ch.label != ch.name:
        o.line(4, f"label: {_q(ch.label)}")
    if ch.patience is None:
        o.comment(4, ch.note)
        return
    p = ch.patience
    cens = p.n - p.n_events
    o.comment(4, f"patience: censored maximum likelihood on {p.n:,} waits ({p.n_events:,} abandoned = patience observed, "
                 f"{cens:,} answered or still waiting = patience longer than their wait, right-censored; zero waits "
                 f"carry no information). AIC: {p.aic_text()}. {_params(p, {'scale': 'm'})}; mean "
                 f"{p.mean.text(unit='m')}. Fit: {p.gof}.")
    if math.isfinite(ch.naive_mean):
        o.comment(4, f"Not the naive mean of abandoned waits ({ch.naive_mean:.3g}m): it is biased low, because it "
                     "leaves out every customer answered before their patience ran out.")
    o.line(4, f"patience: {_dist(p.spec())}")


def _type(o: _Out, tf: TypeFit, cal: Calibration) -> None:
    o.line(2, f"{tf.name}:")
    if tf.label != tf.name:
        o.line(4, f"label: {_q(tf.label)}")
    o.line(4, f"channel: {tf.channel}")
    a = tf.arrival
    o.line(4, "arrival:")
    per_slot = "week, starting with the log's first day" if a.weekly else "day"
    o.comment(6, f"rate: {a.total:,} {tf.notes[0]} over {a.days} days = {a.rate.text(unit='/h')}; exact Poisson "
                 f"interval. Offered {tf.offered:,} (answered {tf.answered:,} + abandoned {tf.abandoned:,} + open at "
                 "the end); repeat contacts come from resolution and retries below.")
    widest = max((e.ci()[1] - e.ci()[0]) / 2 / a.rate.value for e in a.slot_rates) if a.rate.value > 0 else math.nan
    if math.isfinite(a.dispersion):
        verdict = ("consistent with Poisson" if a.dispersion_p >= 0.01 else
                   f"over-dispersed: days differ {a.dispersion:.2f}× more than a Poisson process allows (consider "
                   "injects or surges for unusual days)" if a.dispersion > 1 else "under-dispersed")
        disp = (f"Across days within each slot: Pearson χ²/df = {a.dispersion:.3f} on {a.df:,} df "
                f"(p = {a.dispersion_p:.2g}), {verdict}.")
    else:
        disp = "One day per slot: over-dispersion across days cannot be measured."
    o.line(6, f"rate: {num(a.rate.value)}")
    o.line(6, "per: hour")
    o.line(6, f"profile_step: {num(cal.interval)}")
    o.comment(6, f"profile: one value per {num(cal.interval)}-minute slot of the {per_slot}, the slot's rate ÷ the "
                 f"average rate; each slot's exact Poisson 95% interval is within ±{widest:.2f} of the average. {disp}")
    o.line(6, "profile: [" + ", ".join(num(v, 4) for v in a.profile) + "]")
    h = tf.handle
    if h is None:
        o.comment(4, "handle time: not enough answered contacts to fit; a placeholder")
        o.line(4, "handle_time: {dist: exponential, mean: 5}")
    else:
        extra = [n.removeprefix("handle time: ") for n in tf.notes[1:] if n.startswith("handle")]
        o.comment(4, f"handle time: maximum likelihood on {h.n:,} answered contacts; AIC: {h.aic_text()}. "
                     f"{_params(h, {'scale': 'm'})}; mean {h.mean.text(unit='m')}. Fit: {h.gof}."
                     + (" " + "; ".join(extra) + "." if extra else ""))
        o.line(4, f"handle_time: {_dist(h.spec())}")
    if tf.fcr is not None:
        o.comment(4, f"first-contact resolution: {tf.fcr.text('{:.4f}')}: {tf.fcr_how}.")
        o.line(4, f"first_contact_resolution: {num(min(1.0, max(0.0, tf.fcr.value)), 5)}")
    else:
        o.comment(4, "first-contact resolution: no customer ids or resolved column; default kept (0.8)")
    if tf.repeat is not None and tf.repeat.events and math.isfinite(tf.repeat.mean_delay.value):
        r = tf.repeat
        o.comment(4, f"repeat delay: exponential, censored maximum likelihood on {r.events:,} returns after an "
                     f"unresolved answered contact ({r.n - r.events:,} watched until the log ended without one); "
                     f"mean {r.mean_delay.text(unit='m')}.")
        o.line(4, f"repeat_delay: {{dist: exponential, mean: {num(r.mean_delay.value)}}}")
    elif tf.fcr is not None and tf.fcr.value < 1:
        o.comment(4, "repeat delay: no returns to time in the log; default kept (exponential, mean 4h)")
    if tf.retry is not None:
        r = tf.retry
        if r.events:
            o.comment(4, f"retry: share of customers who abandoned (and did not churn) and called again, "
                         f"{r.p.text('{:.4f}')}, by a mixture model on {r.n:,} abandoned contacts ({r.events:,} came "
                         "back; a customer watched until the log ended may still come back later).")
            o.line(4, f"retry: {num(min(1.0, r.p.value), 5)}")
            o.comment(4, f"retry delay: exponential, mean {r.mean_delay.text(unit='m')} (same mixture model).")
            o.line(4, f"retry_delay: {{dist: exponential, mean: {num(r.mean_delay.value)}}}")
        else:
            o.comment(4, f"retry: none of {r.n:,} customers who abandoned called again")
            o.line(4, "retry: 0")


def _pools(o: _Out, cal: Calibration) -> None:
    o.line(0, "pools:")
    for p in cal.pools.values():
        o.line(2, f"{p.name}:")
        if p.label != p.name:
            o.line(4, f"label: {_q(p.label)}")
        how = ("skills: the contact types this pool answered in the log, all at priority 1 (the log does not show "
               "routing priorities)")
        o.comment(4, how + (f"; {p.note}" if p.note and not p.note.startswith("FILL") else ""))
        o.line(4, "skills: [" + ", ".join(p.skills) + "]")
        if p.shifts:
            o.comment(4, f"shifts: agents on duty per interval from the staffing file, merged into {len(p.shifts):,} "
                         "spans of constant headcount (shrinkage 0: the file counts agents available)")
            o.line(4, "shifts:")
            for a, b, n in p.shifts:
                o.line(6, f"- {{start: {num(a)}, end: {num(b)}, size: {n}}}")
        else:
            if p.note:
                o.comment(4, p.note)
            o.line(4, f"size: {p.size}")


def _churn(o: _Out, cal: Calibration) -> None:
    o.line(0, "churn:")
    cf = cal.churn
    if cf is None:
        o.comment(2, cal.churn_note)
        o.comment(2, "The log carries no reputation: 0 keeps churn at the per-contact odds (raise it to let "
                     "reputation move churn).")
        o.line(2, "reputation: 0")
        return
    share = "" if cal.follow_share >= 1 else f" (the {cal.follow_share:.1%} of customers followed)"
    o.comment(2, f"Logistic regression (statsmodels Logit) of churned-after-this-contact on wait ÷ mean patience, "
                 f"abandoned and resolved, over {cf.n:,} contacts of {cal.customers_followed:,} customers{share} "
                 f"with {cf.churners:,} churners; McFadden pseudo-R² {cf.pseudo_r2:.3f}, likelihood-ratio test "
                 f"p = {cf.llr_p:.2g}. Standard errors from the observed information."
                 + (f" {cal.churn_note}." if cal.churn_note else "") + (" " + "; ".join(cf.notes) + "." if cf.notes else ""))
    what = {"b0": "intercept (log-odds of churn after a contact)", "wait": "per unit of wait ÷ mean patience",
            "abandon": "added when the customer abandoned", "fix": "subtracted when the contact resolved the issue"}
    for k in ("b0", "wait", "abandon", "fix"):
        e = cf.coef.get(k)
        if e is None:
            continue
        if math.isfinite(e.se):
            o.line(2, f"{k}: {num(e.value, 5)}  # {what[k]}: SE {e.se:.3g}, 95% CI {e.ci()[0]:.3f} to {e.ci()[1]:.3f}")
        else:
            o.line(2, f"{k}: {num(e.value, 5)}  # {what[k]}: fixed, see above")
    o.comment(2, "compensation: not in a contact log; default kept. reputation: the log carries none; 0 keeps churn "
                 "at the fitted odds.")
    o.line(2, "reputation: 0")


def estimate_text(e: Estimate) -> str:
    return e.text()
