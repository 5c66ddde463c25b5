"""What customers are worth, when they leave, and what wins them back (seeds 000 and 003).

``customers`` says what a churner costs (the margin lost over its remaining lifetime, or the
acquisition cost plus the margin lost until a replacement arrives, never both) and splits the
base into segments; ``churn`` says who leaves after a contact and who leaves silently;
``recovery`` says what compensation and a retention call do. Every default carries its
reasoning; the engine applies each formula in one place (``crisissim/engine/customers.py``,
``crisissim/engine/recovery.py``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from crisissim.scenario.distributions import Distribution
from crisissim.scenario.effects._base import Money, Share
from crisissim.scenario.text import LocalText200
from crisissim.scenario.units import Duration

Ident = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=64)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False, le=1e12)]
Coef = Annotated[float, Field(ge=-100, le=100, allow_inf_nan=False)]
Weight = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]

SINGLE_SEGMENT = "all"
"""Name of the one segment of a scenario that defines none."""


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class Segment(_Part):
    """A group of customers with its own value and behaviour, e.g. ``vip``, ``regular``, ``new``.

    Each contact's customer belongs to one segment, drawn with probability proportional to
    ``share × contacts`` for its contact type (from a random stream of its own, so the draw does
    not depend on anything else that happens). Its segment sets what the customer is worth if
    lost, how easily they leave, and which compensation or outreach reaches them. Unset values
    come from ``customers``.

    Example: ``vip: {share: 0.05, clv: 9000, churn_sensitivity: 2, contacts: 3}`` — 5% of the
    base, worth five times a regular customer, twice the odds of leaving after a bad contact
    (used to priority service), and three times as many contacts per customer (so about 14% of
    contacts).
    """

    label: LocalText200 = ""
    """Display name (text, or ``{en: …, zh: …}``)."""
    share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    """Share of the customer base; the shares of all segments add up to 1."""
    clv: NonNeg | None = None
    """Lifetime value of one of these customers (default ``customers.clv``)."""
    acquisition_cost: NonNeg | None = None
    """Cost of winning a replacement for one (default ``customers.acquisition_cost``)."""
    baseline_churn: Share | None = None
    """Share of these customers lost per year with no crisis (default ``customers.baseline_churn``)."""
    churn_sensitivity: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 1.0
    """Multiplies the odds of leaving after a contact and the extra silent churn a reputation drop
    causes (1: average; 2: twice the odds, e.g. VIPs used to priority service)."""
    contacts: Weight | dict[Ident, Weight] = 1.0
    """Contact mix: contacts per customer of this segment relative to the average customer (1), for
    every contact type or per contact type (``{defect: 3}``; types not named: 1)."""


class Customers(_Part):
    """The customer base, what a customer is worth, and what losing one costs (seed 003).

    **What a churner costs.** A customer brings a margin of ``clv × baseline_churn`` per year
    (a lifetime value is the margin over an expected remaining lifetime of ``1 / baseline_churn``
    years). A churner who is not replaced costs its ``clv``. A churner who is replaced costs the
    ``acquisition_cost`` of the replacement plus the margin lost until the replacement arrives,
    ``clv × min(1, baseline_churn × replacement_time / 1 year)``; after that the replacement earns
    the margin again, so the lifetime value is not lost as well. With a share ``replaced`` of
    churners replaced, each churner costs
    ``(1 − replaced) × clv + replaced × (acquisition_cost + clv × min(1, baseline_churn × replacement_time / 1y))``,
    booked as the loss parts ``churn_margin`` (the margin) and ``acquisition`` (the replacements).

    Worked example (the bundled HomeGoods base): ``clv: 1800``, ``baseline_churn: 0.12``,
    ``acquisition_cost: 450``, ``replacement_time: 90d``, ``replaced: 0.5``. The margin is
    1800 × 0.12 = 216 a year; the 90 days without a replacement lose 1800 × 0.12 × 90 / 365 =
    53.26. A churner costs 0.5 × 1800 + 0.5 × (450 + 53.26) = 900 + 251.63 = 1,151.63:
    926.63 of margin and 225 of acquisition. With ``replaced: 0`` it costs 1,800; with
    ``replaced: 1``, 503.26. Never 1,800 + 450.
    """

    base: int = Field(100_000, ge=0, le=10**10)
    """Number of customers."""
    clv: NonNeg = 1200.0
    """Customer lifetime value: the margin a customer brings over their remaining lifetime (money)."""
    acquisition_cost: NonNeg = 300.0
    """Cost of winning a replacement customer (money); usually more than keeping one costs (获客成本高于保留成本)."""
    baseline_churn: Share = 0.15
    """Share of customers lost per year with no crisis (silent churn baseline; also sets the
    margin per year, ``clv × baseline_churn``)."""
    replaced: Share = 0.0
    """Share of churners the business replaces by winning a new customer. Default 0: a churner
    costs its lifetime value (the conservative reading of seed 003); 1: every churner is replaced."""
    replacement_time: Duration = Field(90 * 1440.0, gt=0)
    """Time to win a replacement; the lost customer's margin is missing meanwhile. Default 90
    days: about one quarter's marketing cycle (assumption)."""
    segments: dict[Ident, Segment] = Field(default_factory=dict, max_length=50)
    """Customer segments by name (their shares add up to 1); omitted: the whole base is one
    segment named ``all``."""


class Churn(_Part):
    """Who leaves after a contact, who leaves without ever calling, and when.

    **After a contact** the customer leaves with probability ``sigmoid(x)``, where
    ``x = b0 + wait·w/p + abandon·a − fix·r − reputation·(R − R₀)/100 + ln(churn_sensitivity)
    − recovery cuts`` (``w`` the wait, ``p`` the channel's mean patience or SLA, ``a``/``r`` 1 if
    abandoned/resolved, the cuts those of compensation and outreach, see ``recovery``). With the
    defaults a contact resolved without waiting leaves 1% (x = −4.6), an unresolved one 2.7%, an
    abandoned call after a typical wait 12% (x = −2.0).

    **When**: a customer who means to leave does so after a ``departure`` delay; until then a
    retention outreach can still win them back. The loss is booked when the decision is taken
    (so the running loss shows it at once) and taken back if outreach wins the customer back.
    Customers whose churn probability after their contact is at least ``at_risk`` go on the
    at-risk list that outreach calls, whether or not they will in fact leave (nobody knows that).

    **Silent churn**: customers who never call leave at ``baseline_churn`` per year, raised by
    ``silent_feedback`` while reputation is below its baseline; only the excess is a loss. The gap
    left at the end of the run keeps raising silent churn while it relaxes; that **tail** is
    counted over ``tail_horizon`` after the run as the loss part ``churn_tail``:
    ``rate per point-minute × gap × (1 − e^(−κ·horizon)) / κ`` customers, κ = ln 2 / recovery half-life.
    """

    b0: Coef = -3.6
    """Intercept: log-odds of leaving after an unresolved contact with no wait (2.7%; a contact
    means something went wrong, several times the 0.03% daily baseline)."""
    wait: Coef = 0.4
    """Weight of wait / mean patience (or / SLA for async): waiting the patience raises the odds by half."""
    abandon: Coef = 1.2
    """Added if the customer abandoned: an unanswered call more than triples the odds."""
    fix: Coef = 1.0
    """Subtracted if the contact resolved the issue: resolution cuts the odds to about a third."""
    reputation: Coef = 1.0
    """Weight of (R − baseline) / 100: a 30-point reputation drop raises the odds by a third."""
    silent_feedback: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = 10.0
    """Silent churn runs at baseline × churn_sensitivity × (1 + silent_feedback × max(0, R₀ − R) / 100);
    only the excess counts. Default 10: a 10-point reputation drop doubles churn while it lasts
    (assumption: most unhappy customers leave without complaining, but a dent in reputation is not
    a reason for most customers to leave)."""
    tail_horizon: Duration = Field(720.0, ge=0)
    """How long after the run the reputation gap left at the end is counted as raising silent
    churn (the ``churn_tail`` loss part). Default 12h, the rest of the news cycle: later churn
    cannot be told apart from everything else that happens and is not charged to the run; 0
    counts no tail."""
    departure: Distribution | None = None
    """Time from the contact to a leaving customer's actual departure, during which outreach can
    still win them back (default exponential, mean 12h: most leave by their next purchase or
    renewal, assumption)."""
    at_risk: Share = 0.05
    """Churn probability at or above which a customer goes on the at-risk list that retention
    outreach calls (default 5%: abandoned calls (~12%) qualify, a resolved contact (~1%) does not)."""


class Recovery(_Part):
    """Service recovery: what compensation and a retention call do (seed 000: Starbucks' free
    drink turns an angry customer into a loyal one — the service-recovery paradox).

    Compensation ``c`` paid to a customer whose contact is resolved acts with strength
    ``s = 1 − e^(−c / fair)``, where ``fair`` is the contact type's ``fair_compensation`` (default
    ``recovery.fair_compensation``): s is 0.63 at the fair amount, 0.86 at twice it and 0.95 at
    three times it, so the fair amount does most of the good and more adds little. At strength s:

    - the customer's churn log-odds fall by ``churn_cut × s`` (default: odds × 0.39 at the fair
      amount, × 0.27 at twice it);
    - reputation gains ``goodwill × severity × s`` points (the customer speaks well of us);
    - a compensated negative social post turns neutral or positive with probability
      ``post_turn × s``; each turned post adds ``praise × severity`` points.

    A retention outreach call that reaches a customer on the at-risk list cuts their churn
    log-odds by ``outreach_cut``, plus ``churn_cut × s`` for the offer it makes (and the goodwill).

    Worked example (defaults, a resolved contact of a regular customer after a long wait,
    x = −3.8, churn 2.19%): a voucher of 50 (= fair, s = 0.632) cuts x by 0.95, churn 0.86%:
    1.33 points less, worth 24 with a CLV of 1,800 — on churn alone it does not pay for a regular
    customer. For a VIP with CLV 9,000 and ``churn_sensitivity: 2`` (churn 4.28% → 1.70%) it
    saves 232 for 50 paid. Doubling the voucher to 100 (s = 0.865) saves the VIP only 45 more for
    another 50: fair compensation of high-value customers pays, excessive compensation does not.
    """

    fair_compensation: Money = 50.0
    """What a customer sees as making good the harm (money; a delivery fee, a drink, a month's fee).
    Set per contact type with ``contact_types.<name>.fair_compensation``."""
    churn_cut: Coef = 1.5
    """Log-odds cut of a fully compensated customer (× s): a fair remedy brings the odds of leaving
    back near those of a customer who never had a problem (the recovery paradox; assumption)."""
    goodwill: NonNeg = 0.002
    """Reputation points per compensated customer (× severity × s): four times a plain
    resolution's 0.0005, as a customer made good tells others."""
    post_turn: Share = 0.5
    """Largest share of compensated negative posts that turn neutral or positive (× s): about half
    of posters who get a fair remedy update or delete their post (assumption)."""
    praise: NonNeg = 0.02
    """Reputation points per turned post (× severity): a public thank-you undoes roughly what the
    post cost while it was visible."""
    outreach_cut: Coef = 0.7
    """Log-odds cut of a retention call that reaches the customer, before any offer: being called
    back by someone who can help halves the odds of leaving (assumption)."""
