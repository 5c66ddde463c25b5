"""The churn model: which customers leave, written once.

A contact's customer churns with probability ``sigmoid(x)``, where

    x = b₀ − b_rep·(R − R_base)/100 + b_wait·wait/wait_ref
        + b_abandon·[abandoned] − (b_fix + b_comp·compensation/CLV)·[resolved]

(``wait_ref`` is the type's patience mean, SLA or 5 minutes; see ``ContactTypeState``).
The first two terms — the intercept with reputation — change only when reputation is
re-read (each tick and after a shock: :meth:`ChurnModel.set_reputation`), so they are kept
in ``intercept``. Silent customers (who never call) churn at the baseline rate raised by
``silent_feedback`` per point reputation stands below its baseline; the gap left at the end
keeps doing so while it relaxes (the *tail*).

Each churner costs its CLV and its acquisition cost (booked to the :class:`Ledger`).
Adding a term (customer segments, churn economics): change the formula here, nowhere else.
"""

from __future__ import annotations

import math

from crisissim.engine.rng import poisson_from_uniform, uniform_stream

MINUTES_PER_YEAR = 525_600.0


class ChurnModel:
    """Churn decisions and counts: customers lost through contacts, silently, and in the tail."""

    def __init__(self, spec, customers, reputation_base: float, ledger, n_types: int, seed: int):
        self.b0 = spec.b0
        self.b_rep = spec.reputation
        self.b_abandon = spec.abandon
        self.b_fix = spec.fix
        self.b_comp = spec.compensation
        self.per_wait_ref = spec.wait  # b_wait; each contact type divides it by its wait scale
        self.rep_base = reputation_base
        self.clv = customers.clv
        self.acquisition = customers.acquisition_cost
        # silent churn per minute per point of reputation below the baseline
        self.silent_per_point = customers.base * customers.baseline_churn / MINUTES_PER_YEAR * spec.silent_feedback / 100.0
        self.ledger = ledger
        self.intercept = self.b0  # b₀ − b_rep·(R − R_base)/100, refreshed by set_reputation
        self.contact = 0  # customers lost after a contact
        self.silent = 0  # silent customers lost during the run
        self.tail = 0  # silent customers still to be lost after the run
        self.by_type = [0] * n_types  # contact churners that arrived after the warm-up, by type
        self._silent_u = uniform_stream(seed, "silent-churn")

    def set_reputation(self, r: float) -> None:
        """Reputation was re-read: refresh the intercept."""
        self.intercept = self.b0 - self.b_rep * (r - self.rep_base) / 100.0

    # hot path: one call per finished contact
    def after_service(self, t, c, resolved: bool, compensation: float) -> bool:
        """Does the customer of a served contact churn? (books the churner if so)"""
        x = self.intercept + t.wait_coef * (c.start - c.arrival)
        if resolved:
            if compensation and self.clv > 0:
                x -= self.b_comp * compensation / self.clv
            x -= self.b_fix
        if c.churn_u < 1.0 / (1.0 + math.exp(-x)):
            self._lost(t, c)
            return True
        return False

    def after_abandon(self, t, c, wait: float) -> bool:
        """Does the customer of an abandoned contact churn? (books the churner if so)"""
        x = self.intercept + t.wait_coef * wait + self.b_abandon
        if c.churn_u < 1.0 / (1.0 + math.exp(-x)):
            self._lost(t, c)
            return True
        return False

    def _lost(self, t, c) -> None:
        self.contact += 1
        if c.counted:
            self.by_type[t.index] += 1
        self.ledger.add("churn_clv", self.clv)
        self.ledger.add("acquisition", self.acquisition)

    def silent_rate(self, r: float) -> float:
        """Excess silent churners per minute at reputation ``r``."""
        return self.silent_per_point * max(0.0, self.rep_base - r)

    def tick_silent(self, r: float, dt: float) -> None:
        """Silent churn over a tick of ``dt`` minutes at reputation ``r`` (one uniform per tick)."""
        if not dt:
            return
        k = poisson_from_uniform(self._silent_u.next(), self.silent_rate(r) * dt)
        if k:
            self.silent += k
            self._book(k)

    def close_tail(self, r: float, kappa: float) -> None:
        """The gap left at the end keeps raising silent churn while it relaxes at rate ``kappa``:
        expected excess customers = rate × (1/κ)."""
        self.tail = int(round(self.silent_rate(r) / kappa))
        if self.tail:
            self._book(self.tail)

    def _book(self, k: int) -> None:
        self.ledger.add("churn_clv", k * self.clv)
        self.ledger.add("acquisition", k * self.acquisition)

    @property
    def during_run(self) -> int:
        """Customers lost so far (contacts and silent)."""
        return self.contact + self.silent
