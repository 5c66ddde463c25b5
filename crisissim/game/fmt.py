"""Numbers, money, durations and times of day as the game writes them (no pygame)."""

from __future__ import annotations


def money(x: float, currency: str = "", signed: bool = False) -> str:
    """``1,234,567 CNY`` (whole units), with a sign when ``signed``."""
    s = f"{x:+,.0f}" if signed else f"{x:,.0f}"
    return f"{s} {currency}".strip()


def compact(n: float) -> str:
    """``950``, ``1.2k``, ``3.4M``: a count in a few characters (the same in both languages)."""
    n = float(n)
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            v = n / size
            return f"{v:.1f}{unit}" if v < 10 else f"{v:.0f}{unit}"
    return f"{n:.0f}"


def clock_text(minutes: float) -> str:
    """``HH:MM`` of a span of minutes (elapsed time)."""
    m = int(minutes + 1e-9)
    return f"{m // 60:02d}:{m % 60:02d}"


def wait_text(minutes: float) -> str:
    """``0:45`` (minutes:seconds) below an hour, ``1:05:00`` above."""
    s = max(0, int(round(minutes * 60)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TimeOfDay:
    """Simulated minutes since the start → the clock the story speaks in.

    With the scenario's ``meta.start`` the clock shows the time of day (``10:42``; on later
    days ``D2 10:42``); without it, the time since the start (``+01:42``).
    """

    def __init__(self, start: float | None):
        self.start = start

    def __call__(self, minutes: float) -> str:
        if self.start is None:
            return "+" + clock_text(minutes)
        total = int(self.start + minutes + 1e-9)
        day, m = divmod(total, 1440)
        hm = f"{m // 60:02d}:{m % 60:02d}"
        return f"D{day + 1} {hm}" if day else hm

    def hour_ticks(self, t0: float, t1: float, max_ticks: int = 8) -> list[tuple[float, str]]:
        """(simulated minute, label) of round clock times between ``t0`` and ``t1``."""
        span = max(t1 - t0, 1e-9)
        step = 30.0
        for step in (15.0, 30.0, 60.0, 120.0, 180.0, 240.0, 360.0, 720.0, 1440.0):
            if span / step <= max_ticks:
                break
        import math

        offset = self.start or 0.0
        t = math.ceil((offset + t0) / step - 1e-9) * step - offset
        out = []
        while t <= t1 + 1e-9:
            out.append((t, self(t)[-5:] if self.start is not None else "+" + clock_text(t)))
            t += step
        return out


def duration_text(words, minutes: float) -> str:
    """``45 min``, ``2 h``, ``1 h 30 min`` in the current language."""
    minutes = max(0.0, float(minutes))
    if minutes < 1:
        return words("unit.seconds", n=f"{minutes * 60:.0f}")
    m = int(round(minutes))
    h, m = divmod(m, 60)
    if h and m:
        return words("unit.hours_minutes", h=h, m=m)
    if h:
        return words("unit.hours", n=h)
    return words("unit.minutes", n=m)
