"""Contacts and the per-type queue with lazy abandonment.

A synchronous contact abandons when its patience runs out. Instead of one SimPy
process per customer, each queue keeps a heap of patience deadlines and settles
expired contacts whenever the engine looks at the queue (an agent picking work,
an arrival, the clock tick); each abandonment is booked at its own deadline.
"""

from __future__ import annotations

import heapq
from collections import deque
from typing import Any

WAITING, SERVING, DONE = 0, 1, 2
INF = float("inf")


class Contact:
    """One customer contact (``ctype`` is its contact type's runtime state). Times in minutes."""

    # set later by the flow (declared here; with __slots__ an annotation adds nothing at run time)
    alpha: float
    start: float
    pool: Any
    end: float
    customer: int

    __slots__ = (
        "ctype",
        "arrival",
        "deadline",
        "handle",
        "fcr_u",
        "churn_u",
        "negative",
        "alpha",
        "repeat",
        "state",
        "breached",
        "start",
        "counted",
        "iv",
        "pool",
        "end",
        "customer",  # set only when the run records contacts
        "seg",
        "depart",
    )

    def __init__(self, ctype, arrival, deadline, handle, fcr_u, churn_u, negative, repeat, counted, iv, seg=0,
                 depart=INF):
        self.ctype = ctype
        self.arrival = arrival
        self.deadline = deadline
        self.handle = handle
        self.fcr_u = fcr_u
        self.churn_u = churn_u
        self.negative = negative
        self.repeat = repeat
        self.state = WAITING
        self.breached = False
        self.counted = counted  # arrived after the warm-up
        self.iv = iv  # the KPI interval it arrived in
        self.seg = seg  # the customer's segment (index)
        self.depart = depart  # if the customer decides to leave, they are gone this long after the contact
        # set later by the flow: ``alpha`` (a negative post's excitation), ``start``, ``pool`` and ``end`` (service)


class ContactQueue:
    """FIFO queue of one contact type with a heap of patience deadlines.

    ``waiting`` counts contacts still waiting as of the last settlement.
    """

    __slots__ = ("fifo", "deadlines", "waiting", "_seq", "sla", "sla_watch")

    def __init__(self, sla: float = INF):
        self.fifo: deque[Contact] = deque()
        self.deadlines: list[tuple[float, int, Contact]] = []
        self.waiting = 0
        self._seq = 0
        self.sla = sla
        self.sla_watch: deque[Contact] = deque()

    def push(self, c: Contact) -> None:
        self.fifo.append(c)
        self.waiting += 1
        if c.deadline < INF:
            self._seq += 1
            heapq.heappush(self.deadlines, (c.deadline, self._seq, c))
        if self.sla < INF:
            self.sla_watch.append(c)

    def expire(self, now: float):
        """Yield contacts whose patience ran out at or before ``now`` (marked DONE)."""
        dl = self.deadlines
        while dl and dl[0][0] <= now:
            c = heapq.heappop(dl)[2]
            if c.state == WAITING:
                c.state = DONE
                self.waiting -= 1
                yield c

    def head(self) -> Contact | None:
        """The longest-waiting contact still waiting, or None."""
        fifo = self.fifo
        while fifo:
            c = fifo[0]
            if c.state == WAITING:
                return c
            fifo.popleft()
        return None

    def pop_head(self) -> Contact | None:
        """``head()`` and ``pop()`` in one: remove and return the longest-waiting contact, or None."""
        fifo = self.fifo
        while fifo:
            c = fifo.popleft()
            if c.state == WAITING:
                c.state = SERVING
                self.waiting -= 1
                return c
        return None

    def pop(self) -> Contact:
        """Remove and return the head (call ``head()`` first)."""
        c = self.fifo.popleft()
        c.state = SERVING
        self.waiting -= 1
        return c

    def breaches(self, now: float):
        """Yield waiting contacts that have just passed their SLA (each once)."""
        watch = self.sla_watch
        sla = self.sla
        while watch and watch[0].arrival + sla <= now:
            c = watch.popleft()
            if c.state == WAITING and not c.breached:
                c.breached = True
                yield c

    def waiting_at(self, now: float) -> int:
        """Contacts waiting at ``now`` without settling anything (for snapshots)."""
        late = sum(1 for d, _, c in self.deadlines if d <= now and c.state == WAITING)
        return self.waiting - late

    def waiting_contacts(self):
        """Contacts still waiting (as of the last settlement)."""
        return (c for c in self.fifo if c.state == WAITING)

    def compact(self) -> None:
        """Drop settled contacts from the FIFO so memory follows the contacts in the system."""
        if len(self.fifo) > 2 * self.waiting + 64:
            self.fifo = deque(c for c in self.fifo if c.state == WAITING)
