"""The customer base at run time: segments, what a churner costs, and the churn ledger by segment.

The formulas are documented with the scenario parts (``crisissim/scenario/customers.py``) and
written once here: :func:`churner_cost` is the only place a churner is priced. *Who* churns is
decided by :class:`crisissim.engine.churn.ChurnModel`; every churner, win-back and payment is
booked here, to its segment and to the :class:`~crisissim.engine.ledger.Ledger`. Each contact's
customer is drawn into a segment from its contact type's own stream (``type:<name>:segment``),
one uniform per first contact whatever happens to it, so adding segments shifts no other draw
and studies keep common random numbers. A scenario without segments has one segment, ``all``,
and draws nothing.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any

from crisissim.engine.rng import uniform_stream
from crisissim.scenario.customers import SINGLE_SEGMENT

MINUTES_PER_YEAR = 525_600.0


def churner_cost(clv: float, acquisition_cost: float, baseline_churn: float, replaced: float,
                 replacement_time: float) -> tuple[float, float]:
    """(margin lost, acquisition spent) for one churner; see :class:`crisissim.scenario.customers.Customers`.

    Not replaced, a churner costs its ``clv``; replaced, the ``acquisition_cost`` plus the margin
    missing until the replacement arrives, ``clv × min(1, baseline_churn × replacement_time / year)``.
    ``replaced`` is the share of churners replaced. ``replacement_time`` is in minutes.
    """
    gap = clv * min(1.0, baseline_churn * replacement_time / MINUTES_PER_YEAR)
    return (1.0 - replaced) * clv + replaced * gap, replaced * acquisition_cost


class Segment:
    """Runtime values and ledger of one customer segment (money in the scenario currency)."""

    __slots__ = (
        "index", "name", "label", "share", "clv", "baseline_churn", "sensitivity", "log_sensitivity",
        "margin", "acquisition", "cost", "silent_per_point", "silent_stream",
        "contact", "silent", "tail", "saved", "losses",
    )

    def __init__(self, index: int, name: str, label: str, share: float, clv: float, acquisition_cost: float,
                 baseline_churn: float, sensitivity: float, customers, silent_feedback: float, base: int,
                 silent_stream):
        self.index = index
        self.name = name
        self.label = label
        self.share = share
        self.clv = clv
        self.baseline_churn = baseline_churn
        self.sensitivity = sensitivity
        self.log_sensitivity = math.log(sensitivity)
        self.margin, self.acquisition = churner_cost(
            clv, acquisition_cost, baseline_churn, customers.replaced, customers.replacement_time
        )
        self.cost = self.margin + self.acquisition
        # excess silent churners per minute per point of reputation below baseline
        self.silent_per_point = base * share * baseline_churn / MINUTES_PER_YEAR * silent_feedback * sensitivity / 100.0
        self.silent_stream = silent_stream  # uniforms for its silent churn draws (one per tick)
        self.contact = 0  # churned after a contact (decided; less those won back)
        self.silent = 0  # churned silently during the run
        self.tail = 0.0  # expected silent churners after the run, over the tail horizon
        self.saved = 0  # won back by retention outreach
        self.losses = {"churn_margin": 0.0, "acquisition": 0.0, "churn_tail": 0.0, "compensation": 0.0, "retention": 0.0}

    @property
    def churned(self) -> float:
        return self.contact + self.silent + self.tail

    def count(self, kind: str, n: float) -> None:
        """Add ``n`` to one of its churn counts (``contact``, ``silent``, ``saved``; ``tail`` is set)."""
        if kind == "tail":
            self.tail = n
        else:
            setattr(self, kind, getattr(self, kind) + n)

    def book(self, part: str, amount: float) -> None:
        """Add ``amount`` to one of its loss parts."""
        self.losses[part] += amount


class CustomerBase:
    """Segments, the draw of each contact's segment, and every churn booking.

    Each booking adds to the :class:`~crisissim.engine.ledger.Ledger` (parts ``churn_margin``,
    ``acquisition``, ``churn_tail``, ``compensation``, ``retention``) and to the segment's own
    ledger, so the segments always add up to the totals.
    """

    def __init__(self, scenario, seed: int, ledger):
        cu = scenario.customers
        ch = scenario.churn
        self.ledger = ledger
        self.base = cu.base
        specs = cu.segments or {SINGLE_SEGMENT: None}
        self.segments: list[Segment] = []
        many = len(specs) > 1
        for i, (name, s) in enumerate(specs.items()):
            def pick(field: str, s: Any = s) -> Any:  # the segment's value, else the customers' default
                v = None if s is None else getattr(s, field)
                return getattr(cu, field) if v is None else v

            self.segments.append(Segment(
                i, name, "" if s is None else s.label, 1.0 if s is None else s.share, pick("clv"),
                pick("acquisition_cost"), pick("baseline_churn"), 1.0 if s is None else s.churn_sensitivity,
                cu, ch.silent_feedback, cu.base,
                uniform_stream(seed, f"silent-churn:{name}" if many else "silent-churn"),
            ))
        self.by_name = {s.name: s for s in self.segments}
        # per contact type: cumulative probabilities of the segments and a stream, or None (one segment)
        self._tables: list[list[float] | None] = []
        self._streams: list = []
        for name in scenario.contact_types:
            if not many:
                self._tables.append(None)
                self._streams.append(None)
                continue
            w = [seg.share * _weight(specs[seg.name], name) for seg in self.segments]
            total = sum(w)
            acc, cum = 0.0, []
            for x in w:
                acc += x / total
                cum.append(acc)
            cum[-1] = 1.0
            self._tables.append(cum)
            self._streams.append(uniform_stream(seed, f"type:{name}:segment"))

    # ------------------------------------------------------------------ draws
    def draw(self, type_index: int) -> int:
        """The segment of a new contact of type ``type_index`` (0 when there is one segment)."""
        table = self._tables[type_index]
        if table is None:
            return 0
        i = bisect_right(table, self._streams[type_index].next())
        return i if i < len(table) else len(table) - 1

    def mix(self, type_index: int) -> list[float]:
        """Probability that a contact of type ``type_index`` comes from each segment."""
        table = self._tables[type_index]
        if table is None:
            return [1.0]
        return [b - a for a, b in zip([0.0] + table[:-1], table, strict=False)]

    # --------------------------------------------------------------- bookings
    def lose(self, seg: int, n: int = 1, silent: bool = False) -> None:
        """Book ``n`` customers of segment ``seg`` leaving during the run (after a contact, or silently)."""
        s = self.segments[seg]
        s.count("silent" if silent else "contact", n)
        self._book(s, "churn_margin", n * s.margin)
        self._book(s, "acquisition", n * s.acquisition)

    def win_back(self, seg: int) -> None:
        """Take back the churn booked for a customer of ``seg`` whom outreach won back."""
        s = self.segments[seg]
        s.count("contact", -1)
        s.count("saved", 1)
        self._book(s, "churn_margin", -s.margin)
        self._book(s, "acquisition", -s.acquisition)

    def lose_after_run(self, seg: int, n: float) -> None:
        """Book ``n`` (expected) customers of ``seg`` lost after the run: the tail, at their whole cost."""
        s = self.segments[seg]
        s.count("tail", n)
        self._book(s, "churn_tail", n * s.cost)

    def pay(self, seg: int, part: str, amount: float) -> None:
        """Book money paid to or for a customer of ``seg`` (``compensation`` or ``retention``)."""
        self._book(self.segments[seg], part, amount)

    def _book(self, s: Segment, part: str, amount: float) -> None:
        s.book(part, amount)
        self.ledger.add(part, amount)

    # ---------------------------------------------------------------- reading
    @property
    def churned_contact(self) -> int:
        return sum(s.contact for s in self.segments)

    @property
    def churned_silent(self) -> int:
        return sum(s.silent for s in self.segments)

    @property
    def churned_tail(self) -> float:
        return sum(s.tail for s in self.segments)

    @property
    def saved(self) -> int:
        return sum(s.saved for s in self.segments)

    def breakdown(self, nd: int = 4) -> dict[str, dict]:
        """Churn and loss by segment (the JSON of a result or snapshot)."""
        out = {}
        for s in self.segments:
            out[s.name] = {
                "share": s.share,
                "clv": s.clv,
                "cost_per_churner": round(s.cost, nd),
                "churned": round(s.churned, nd),
                "churn": {"contact": s.contact, "silent": s.silent, "tail": round(s.tail, nd), "saved": s.saved},
                "loss": round(sum(s.losses.values()), nd),
                "losses": {k: round(v, nd) for k, v in s.losses.items()},
            }
        return out


def _weight(spec, contact_type: str) -> float:
    if spec is None:
        return 1.0
    c = spec.contacts
    return c.get(contact_type, 1.0) if isinstance(c, dict) else c
