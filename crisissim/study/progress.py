"""Study progress: a live rich bar (reps done, rate, ETA) on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class Progress:
    """Tracks finished replications against a (possibly growing) total."""

    def __init__(self, quiet: bool = False, stream: TextIO | None = None, plain_every: float = 5.0,
                 label: str = "study"):
        self.quiet = quiet
        self.label = label
        self.stream = stream or sys.stdout
        self.done = 0
        self.total = 0
        self._t0 = time.monotonic()
        self._last = 0.0
        self._last_pct = -1
        self._plain_every = plain_every
        self._bar = None
        self._task: Any = None  # the rich TaskID once the bar is shown
        if not quiet and self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(TextColumn("reps"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                                     TimeRemainingColumn(), console=Console(file=self.stream), transient=False)
            self._task = self._bar.add_task("study", total=None, rate="")
            self._bar.start()

    @property
    def rate(self) -> float:
        """Replications per second since the start (this session)."""
        dt = time.monotonic() - self._t0
        return self._new / dt if dt > 0 else 0.0

    _new = 0

    def set_total(self, total: int, already: int = 0) -> None:
        """Set the target count; ``already`` replications were done before (resume)."""
        self.total = total
        if already:
            self.done = max(self.done, already)
        if self._bar is not None:
            self._bar.update(self._task, total=total, completed=self.done)

    def advance(self, n: int) -> None:
        self.done += n
        self._new += n
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, rate=f"{self.rate:.1f} reps/s")
            return
        now = time.monotonic()
        pct = int(100 * self.done / self.total) if self.total else 0
        if now - self._last >= self._plain_every or pct // 10 > self._last_pct // 10 or self.done >= self.total:
            self._last, self._last_pct = now, pct
            eta = f"{(self.total - self.done) / self.rate:.0f}s" if self.rate > 0 else "?"
            print(f"{self.label}: {self.done}/{self.total} reps ({pct}%), {self.rate:.1f} reps/s, ETA {eta}",
                  file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
