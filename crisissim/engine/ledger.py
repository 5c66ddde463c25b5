"""The money side of a run: every loss part is named once here and booked in one place.

``LOSS_PARTS`` is the one declaration of the parts (the result's ``losses``, the flat
metrics ``loss_<part>`` and the dashboard all follow it). Staff pay is not booked: the
pools integrate it, and :meth:`Ledger.parts` reads it from them at any time.

Adding a part (e.g. operational incidents): a name in ``LOSS_PARTS`` and calls to
:meth:`Ledger.add` where it is incurred.
"""

from __future__ import annotations

LOSS_PARTS = (
    "churn_margin",  # margin lost by customers who left during the run (see churner_cost)
    "acquisition",  # winning replacements for them
    "churn_tail",  # silent churn after the run, over churn.tail_horizon (margin and acquisition)
    "compensation",  # paid to customers whose contact was resolved
    "retention",  # outreach calls and the offers they made
    "staff_regular",
    "staff_overtime",
    "actions",  # decisions, actions and cost effects
    "incidents",
    "retrieval",
    "fines",
    "exposure_tail",
)
"""``incidents``: costs of incidents among exposed units; ``retrieval``: units taken back ×
their unit cost (it accrues as they come back); ``fines``: regulators' fines; ``exposure_tail``:
expected incident and retrieval costs after the run (see ``crisissim/scenario/exposures.py``)."""
STAFF_PARTS = ("staff_regular", "staff_overtime")
ACCRUED_PARTS = ("retrieval",)
"""Parts that accrue continuously and are read, like staff pay, from a reader given to the ledger."""


class Ledger:
    """Losses booked so far, by part (money in the scenario currency)."""

    __slots__ = ("_booked", "_pools", "_accrued")

    def __init__(self, pools, accrued=None):
        self._booked = {k: 0.0 for k in LOSS_PARTS}  # the staff parts stay 0: pools hold pay
        self._pools = pools
        self._accrued = dict(accrued or {})  # part -> reader(now) for ACCRUED_PARTS

    def add(self, part: str, amount: float) -> None:
        """Book ``amount`` to ``part`` (one of ``LOSS_PARTS``, not a staff part)."""
        self._booked[part] += amount

    def parts(self, now: float) -> dict[str, float]:
        """Every part up to ``now``, staff pay included (reads only)."""
        parts = dict(self._booked)
        reg = ot = 0.0
        for p in self._pools:
            r, o = p.cost_at(now)
            reg += r
            ot += o
        parts["staff_regular"] = reg
        parts["staff_overtime"] = ot
        for part, read in self._accrued.items():
            parts[part] = read(now)
        return parts

    def total(self, now: float) -> float:
        """Total loss up to ``now``."""
        return sum(self.parts(now).values())

    def booked_total(self) -> float:
        """Total of the booked parts (no staff pay): what the time series adds pay to."""
        return sum(self._booked.values())

    def accrued_total(self, now: float) -> float:
        """Total of the accrued parts other than staff pay (0 when there are none)."""
        return sum(read(now) for read in self._accrued.values()) if self._accrued else 0.0
