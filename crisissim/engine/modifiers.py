"""The effects in force, folded into per-contact-type factors the hot path reads.

Effects start and end rarely; contacts arrive often. So every change recomputes
plain lists (one entry per contact type or pool) and the contact flow only
indexes them. Each lasting effect folds itself into a fresh
:class:`~crisissim.scenario.effects.Levers` (its kind's ``fold``), in start order.
Surges decay on their own and are summed when asked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from crisissim.scenario.effects import Levers


class Modifiers:
    """Active effects of every kind, and the factors they add up to.

    ``on_change()`` is called after every refold (the contact types re-read their factors)."""

    def __init__(self, type_names: list[str], type_channels: list[str], pool_names: list[str], on_change=None,
                 segment_names: Sequence[str] = ("all",)):
        self.type_names = type_names
        self.segment_names = list(segment_names)
        self.type_channels = type_channels
        self.pool_names = pool_names
        self.active: list[tuple[int, object]] = []  # (token, effect) for effects with a lasting state
        self._token = 0
        self.surges: list[list[tuple[float, float, float]]] = [[] for _ in type_names]
        self.ramps: list[dict[int, tuple[float, float, float]]] = [{} for _ in type_names]  # token -> (t0, peak, over)
        self.on_change = on_change
        self._set(Levers.neutral(type_names, type_channels, pool_names, self.segment_names))

    def _set(self, lv: Levers) -> None:
        # folded factors, read by the hot path
        self.rate = lv.rate
        self.deflect = [1.0 - k for k in lv.deflect_keep]
        self.fcr_delta = lv.fcr_delta
        self.compensation = lv.compensation  # by type, then segment
        self.ht_type = lv.ht_type
        self.ht_pool = lv.ht_pool
        self.down = lv.down
        self.alpha = lv.alpha  # amplification × (1 − transparency) of statements in force

    def targets(self, target: str | None) -> list[int]:
        """Contact-type indices a target names (type, channel, or all when None)."""
        if target is None:
            return list(range(len(self.type_names)))
        return [i for i, (t, c) in enumerate(zip(self.type_names, self.type_channels, strict=True)) if target in (t, c)]

    def add(self, effect) -> int:
        self._token += 1
        self.active.append((self._token, effect))
        self.refold()
        return self._token

    def remove(self, token: int) -> None:
        self.active = [(k, e) for k, e in self.active if k != token]
        self.refold()

    def refold(self) -> None:
        lv = Levers.neutral(self.type_names, self.type_channels, self.pool_names, self.segment_names)
        for _, e in self.active:
            e.fold(lv)  # type: ignore[attr-defined]
        self._set(lv)
        if self.on_change is not None:
            self.on_change()

    def add_surge(self, target: str | None, now: float, peak: float, half_life: float) -> list[int]:
        idx = self.targets(target)
        for i in idx:
            self.surges[i].append((now, peak, half_life))
        return idx

    def add_ramp(self, target: str | None, now: float, peak: float, over: float) -> tuple[int, list[int]]:
        """Start a linear climb to ``peak`` over ``over``; return its token and the types it lifts."""
        self._token += 1
        idx = self.targets(target)
        for i in idx:
            self.ramps[i][self._token] = (now, peak, over)
        return self._token, idx

    def remove_ramp(self, token: int, idx: list[int]) -> None:
        for i in idx:
            self.ramps[i].pop(token, None)

    def surge_bound(self, i: int, now: float) -> float:
        """The most :meth:`surge` can be from ``now`` until the next change: surges only decay,
        ramps climb at most to their peak."""
        bound = self.surge(i, now)
        if self.ramps[i]:
            bound += sum(peak - _ramp(now, t0, peak, over) for t0, peak, over in self.ramps[i].values())
        return bound

    def surge(self, i: int, now: float) -> float:
        """Extra arrivals of type ``i`` at ``now`` as a multiple of its base rate (surges and ramps)."""
        total = sum(_ramp(now, t0, peak, over) for t0, peak, over in self.ramps[i].values()) if self.ramps[i] else 0.0
        live = []
        for t0, peak, hl in self.surges[i]:
            v = peak * math.exp(-math.log(2) * (now - t0) / hl)
            if v > 1e-9:
                live.append((t0, peak, hl))
                total += v
        if len(live) != len(self.surges[i]):
            self.surges[i] = live
        return total


def _ramp(now: float, t0: float, peak: float, over: float) -> float:
    """A ramp's extra arrivals at ``now``: a straight climb from 0 at ``t0`` to ``peak`` at ``t0 + over``."""
    return peak * min(1.0, max(0.0, (now - t0) / over))
