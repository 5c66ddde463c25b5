"""The churn model: which customers leave, written once.

A contact's customer churns with probability ``sigmoid(x)``, where

    x = b₀ − b_rep·(R − R_base)/100 + b_wait·wait/wait_ref + ln(churn_sensitivity of the segment)
        + b_abandon·[abandoned] − (b_fix + churn_cut·s(compensation))·[resolved]

(``wait_ref`` is the type's patience mean, SLA or 5 minutes, see ``ContactTypeState``;
``s(c) = 1 − e^(−c / fair)`` the strength of the compensation, see
``crisissim.engine.recovery.strength``). The first two terms — the intercept with reputation —
change only when reputation is re-read (each tick and after a shock:
:meth:`ChurnModel.set_reputation`), so they are kept in ``intercept``. A retention call that
reaches a customer later subtracts ``outreach_cut + churn_cut·s(offer)`` from the same ``x`` and
re-decides with the same uniform (:meth:`ChurnModel.reconsider`): it can only win a customer back.

Silent customers (who never call) churn at their segment's baseline rate raised by
``silent_feedback`` per point reputation stands below its baseline (× the segment's
sensitivity); the gap left at the end keeps doing so while it relaxes, counted over
``churn.tail_horizon`` after the run (the *tail*).

What each churner costs (margin lost, or acquisition plus the margin lost until a replacement,
never both) is :func:`crisissim.engine.customers.churner_cost`; every churner is booked through
the :class:`~crisissim.engine.customers.CustomerBase` to its segment and the ledger.
"""

from __future__ import annotations

import math

from crisissim.engine.rng import poisson_from_uniform


class ChurnModel:
    """Churn decisions and counts: customers lost through contacts, silently, and in the tail."""

    def __init__(self, spec, recovery, customers, reputation_base: float, n_types: int):
        self.b0 = spec.b0
        self.b_rep = spec.reputation
        self.b_abandon = spec.abandon
        self.b_fix = spec.fix
        self.churn_cut = recovery.churn_cut
        self.outreach_cut = recovery.outreach_cut
        self.per_wait_ref = spec.wait  # b_wait; each contact type divides it by its wait scale
        self.tail_horizon = spec.tail_horizon
        self.rep_base = reputation_base
        self.customers = customers
        self.log_sensitivity = [s.log_sensitivity for s in customers.segments]
        self.intercept = self.b0  # b₀ − b_rep·(R − R_base)/100, refreshed by set_reputation
        self.contact = 0  # customers lost after a contact (less those won back)
        self.silent = 0  # silent customers lost during the run
        self.tail = 0.0  # silent customers expected to be lost after the run, over the tail horizon
        self.saved = 0  # customers won back by retention outreach
        self.by_type = [0] * n_types  # contact churners that arrived after the warm-up, by type

    def set_reputation(self, r: float) -> None:
        """Reputation was re-read: refresh the intercept."""
        self.intercept = self.b0 - self.b_rep * (r - self.rep_base) / 100.0

    # hot path: one call per finished contact
    def after_service(self, t, c, resolved: bool, strength: float) -> tuple[bool, float]:
        """Does the customer of a served contact churn? (books the churner if so) Returns the
        verdict and the log-odds ``x`` it was drawn at; ``strength`` is the compensation's."""
        x = self.intercept + t.wait_coef * (c.start - c.arrival) + self.log_sensitivity[c.seg]
        if resolved:
            x -= self.b_fix + self.churn_cut * strength
        try:
            p = 1.0 / (1.0 + math.exp(-x))
        except OverflowError:  # log-odds below -709 (a negative wait weight, a very long wait): no churn
            p = 0.0
        if c.churn_u < p:
            self._lost(t, c)
            return True, x
        return False, x

    def after_abandon(self, t, c, wait: float) -> tuple[bool, float]:
        """Does the customer of an abandoned contact churn? (books the churner if so)"""
        x = self.intercept + t.wait_coef * wait + self.b_abandon + self.log_sensitivity[c.seg]
        try:
            p = 1.0 / (1.0 + math.exp(-x))
        except OverflowError:  # log-odds below -709 (a negative wait weight, a very long wait): no churn
            p = 0.0
        if c.churn_u < p:
            self._lost(t, c)
            return True, x
        return False, x

    def _lost(self, t, c) -> None:
        self.contact += 1
        if c.counted:
            self.by_type[t.index] += 1
        self.customers.lose(c.seg)

    def reconsider(self, seg: int, x: float, u: float, churned: bool, strength: float) -> bool:
        """A retention call reached a customer who left a contact at log-odds ``x`` (decided by
        uniform ``u``): the call and its offer (of ``strength``) cut ``x``; if the customer was
        leaving and now would not, they are won back (their churn is taken back). Returns that."""
        if not churned:
            return False
        x -= self.outreach_cut + self.churn_cut * strength
        try:
            p = 1.0 / (1.0 + math.exp(-x))
        except OverflowError:  # far below: the customer stays
            p = 0.0
        if u < p:
            return False
        self.contact -= 1
        self.saved += 1
        self.customers.win_back(seg)
        return True

    def silent_rate(self, r: float) -> float:
        """Excess silent churners per minute at reputation ``r`` (all segments)."""
        return sum(s.silent_per_point for s in self.customers.segments) * max(0.0, self.rep_base - r)

    def tick_silent(self, r: float, dt: float) -> None:
        """Silent churn over a tick of ``dt`` minutes at reputation ``r`` (one uniform per segment per tick)."""
        if not dt:
            return
        gap = max(0.0, self.rep_base - r)
        for s in self.customers.segments:
            k = poisson_from_uniform(s.silent_stream.next(), s.silent_per_point * gap * dt)
            if k:
                self.silent += k
                self.customers.lose(s.index, k, silent=True)

    def close_tail(self, r: float, kappa: float) -> None:
        """The gap left at the end keeps raising silent churn while it relaxes at rate ``kappa``:
        expected excess customers over the horizon H = rate × (1 − e^(−κH)) / κ."""
        h = self.tail_horizon
        span = (1.0 - math.exp(-kappa * h)) / kappa if kappa > 0 else h
        gap = max(0.0, self.rep_base - r)
        self.tail = 0.0
        for s in self.customers.segments:
            n = s.silent_per_point * gap * span
            self.tail += n
            self.customers.lose_after_run(s.index, n)

    @property
    def during_run(self) -> int:
        """Customers lost so far (contacts and silent)."""
        return self.contact + self.silent
