"""``outreach``: a retention team calls customers at risk of leaving (outbound work of a pool)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from crisissim.scenario.distributions import Distribution
from crisissim.scenario.effects._base import (
    EffectKind,
    EffectRun,
    Known,
    Money,
    Problems,
    Share,
    Started,
    type_or_channel,
    unknown,
)


class OutreachEffect(EffectKind):
    """A retention outreach: agents of ``pool`` call customers on the at-risk list (those whose
    contact left them likely to leave and who have not left yet), most value at risk first.

    ``{effect: outreach, pool: retention, calls: 300, offer: 50, cost_per_call: 8, segment: vip}``

    Each call takes an agent for its handle time (outbound work, after the pool's inbound work
    unless ``priority`` says otherwise) and costs ``cost_per_call``; a call that reaches the
    customer cuts their churn log-odds by ``recovery.outreach_cut`` plus what its ``offer`` buys
    (as compensation does) and pays the offer. A customer who would have left and now would not
    is won back: their churn loss is taken back (the ``retention`` loss part holds what the calls
    and offers cost). Each customer is called once, reached or not; calls not made by the end of
    the run cost nothing."""

    effect: Literal["outreach"]
    """The primitive's name (``outreach``)."""
    pool: str
    """The staff pool whose agents make the calls."""
    calls: int = Field(ge=1, le=1_000_000)
    """Number of calls to make."""
    offer: Money = 0.0
    """Retention offer (voucher, fee waiver) to each customer reached (money)."""
    cost_per_call: Money = 0.0
    """Cost of each call attempt beyond agent time (telephony, the offer's handling)."""
    handle_time: Distribution | None = None
    """Agent time per call that reaches the customer (default exponential, mean 6m); a call that
    does not reach them takes 1 minute."""
    reach: Share = 0.6
    """Share of calls that reach the customer (default 0.6: outbound contact rates are typically 50–70%)."""
    segment: str | None = None
    """Call only customers of this segment; omitted means every segment."""
    target: str | None = None
    """Call only customers who contacted us about this contact type or channel; omitted means any."""
    priority: int | None = Field(None, ge=1, le=100)
    """Calls come before the pool's skills of this or a larger priority number (1: before all its
    inbound work); default after all its inbound work (calls use agents the queues leave idle)."""

    def check(self, known: Known) -> Problems:
        if self.pool not in known.pools:
            yield "pool", unknown("pool", self.pool, known.pools)
        yield from type_or_channel("target", self.target, known)
        if self.segment is not None and self.segment not in known.segments:
            yield "segment", unknown("segment", self.segment, known.segments)

    def begin(self, run: EffectRun) -> Started:
        run.reach_out(self)
        return Started({"pool": self.pool, "calls": self.calls})
