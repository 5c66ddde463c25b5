"""The effects in force, folded into per-contact-type factors the hot path reads.

Effects start and end rarely; contacts arrive often. So every change recomputes
plain lists (one entry per contact type or pool) and the contact flow only
indexes them. Surges decay on their own and are summed when asked.
"""

from __future__ import annotations

import math


class Modifiers:
    """Active effects of every kind, and the factors they add up to."""

    def __init__(self, type_names: list[str], type_channels: list[str], pool_names: list[str]):
        self.type_names = type_names
        self.type_channels = type_channels
        self.pool_names = pool_names
        n, p = len(type_names), len(pool_names)
        self.active: list[tuple[int, object]] = []  # (token, effect) for effects with a lasting state
        self._token = 0
        self.surges: list[list[tuple[float, float, float]]] = [[] for _ in range(n)]
        # folded factors
        self.rate = [1.0] * n
        self.deflect = [0.0] * n
        self.fcr_delta = [0.0] * n
        self.compensation = [0.0] * n
        self.ht_type = [1.0] * n
        self.ht_pool = [1.0] * p
        self.down = [False] * n
        self.alpha = 1.0  # amplification × (1 − transparency) of statements in force
        self.on_change = None  # called after every refold

    def targets(self, target: str | None) -> list[int]:
        """Contact-type indices a target names (type, channel, or all when None)."""
        if target is None:
            return list(range(len(self.type_names)))
        return [i for i, (t, c) in enumerate(zip(self.type_names, self.type_channels)) if target in (t, c)]

    def add(self, effect) -> int:
        self._token += 1
        self.active.append((self._token, effect))
        self.refold()
        return self._token

    def remove(self, token: int) -> None:
        self.active = [(k, e) for k, e in self.active if k != token]
        self.refold()

    def refold(self) -> None:
        n, p = len(self.type_names), len(self.pool_names)
        rate, deflect_keep, fcr, comp = [1.0] * n, [1.0] * n, [0.0] * n, [0.0] * n
        ht_type, ht_pool, down = [1.0] * n, [1.0] * p, [False] * n
        alpha = 1.0
        for _, e in self.active:
            kind = e.effect
            if kind == "rate":
                for i in self.targets(e.target):
                    rate[i] *= e.factor
            elif kind == "deflect":
                for i in self.targets(e.target):
                    deflect_keep[i] *= 1.0 - e.share
            elif kind == "resolution":
                for i in self.targets(e.target):
                    fcr[i] += e.delta
            elif kind == "compensation":
                for i in self.targets(e.target):
                    comp[i] += e.amount
            elif kind == "handle_time":
                if e.target in self.pool_names:
                    ht_pool[self.pool_names.index(e.target)] *= e.factor
                else:
                    for i in self.targets(e.target):
                        ht_type[i] *= e.factor
            elif kind == "amplification":
                alpha *= e.factor
            elif kind == "statement":
                alpha *= 1.0 - e.transparency
            elif kind == "outage":
                for i in self.targets(e.channel):
                    down[i] = True
        self.rate, self.fcr_delta, self.compensation = rate, fcr, comp
        self.deflect = [1.0 - k for k in deflect_keep]
        self.ht_type, self.ht_pool, self.down, self.alpha = ht_type, ht_pool, down, alpha
        if self.on_change is not None:
            self.on_change()

    def add_surge(self, target: str | None, now: float, peak: float, half_life: float) -> list[int]:
        idx = self.targets(target)
        for i in idx:
            self.surges[i].append((now, peak, half_life))
        return idx

    def surge(self, i: int, now: float) -> float:
        """Extra arrivals of type ``i`` at ``now`` as a multiple of its base rate."""
        total = 0.0
        live = []
        for t0, peak, hl in self.surges[i]:
            v = peak * math.exp(-math.log(2) * (now - t0) / hl)
            if v > 1e-9:
                live.append((t0, peak, hl))
                total += v
        if len(live) != len(self.surges[i]):
            self.surges[i] = live
        return total
