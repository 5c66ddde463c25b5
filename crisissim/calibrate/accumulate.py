"""One pass over a contact log into fixed-size summaries (bounded memory however long the log).

* counts per (day, interval slot, contact type): offered, first contacts, deflected, answered,
  abandoned, answered within the service-level threshold, wait and handle sums;
* uniform samples (bottom-k by a random key) of handle times per type and of waits with their
  censoring per channel, at most :data:`SAMPLE` each;
* every contact of a sample of customers chosen by a hash of their id (whole histories, so
  repeats and churn can be followed), at most :data:`CUSTOMER_ROWS` rows: when full, the
  hash threshold halves and the customers above it are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from crisissim.calibrate.logformat import ABANDONED, ANSWERED, DEFAULT_CHANNEL, DEFAULT_TYPE, DEFLECTED, OPEN
from crisissim.calibrate.read import Batch, DataError, TableReader

SAMPLE = 200_000  # handle times per contact type
PATIENCE_SAMPLE = 100_000  # waits per channel (censored fits cost more per point)
CUSTOMER_ROWS = 400_000
FULL = float(1 << 32)
MINUTES_PER_DAY = 1440.0

# columns of the per-cell counts
C_OFFERED, C_FIRST, C_DEFLECTED, C_DEFLECTED_FIRST, C_ANSWERED, C_ABANDONED, C_WITHIN, C_WAIT, C_HANDLE = range(9)
N_COUNTS = 9


class KeyedCounts:
    """Sums of value rows by integer key, for keys that are few (cells, pools)."""

    def __init__(self, width: int):
        self.width = width
        self.index: dict[int, int] = {}
        self.rows = np.zeros((64, width))

    def add(self, keys: np.ndarray, values: np.ndarray) -> None:
        if not len(keys):
            return
        uniq, inv = np.unique(keys, return_inverse=True)
        sums = np.zeros((len(uniq), self.width))
        for j in range(self.width):
            sums[:, j] = np.bincount(inv, weights=values[:, j], minlength=len(uniq))
        for k, row in zip(uniq.tolist(), sums, strict=False):
            i = self.index.get(k)
            if i is None:
                i = self.index[k] = len(self.index)
                if i >= len(self.rows):
                    self.rows = np.vstack([self.rows, np.zeros_like(self.rows)])
            self.rows[i] += row

    def items(self):
        for k, i in self.index.items():
            yield k, self.rows[i]


class BottomK:
    """A uniform sample of at most ``k`` values: those with the ``k`` smallest random keys."""

    def __init__(self, k: int, rng: np.random.Generator, width: int = 1):
        self.k = k
        self.rng = rng
        self.keys = np.empty(0)
        self.values = np.empty((0, width))
        self.seen = 0

    def add(self, values: np.ndarray) -> None:
        n = len(values)
        if not n:
            return
        self.seen += n
        keys = np.concatenate([self.keys, self.rng.random(n)])
        vals = np.concatenate([self.values, values.reshape(n, -1)])
        if len(keys) > self.k:
            keep = np.argpartition(keys, self.k)[: self.k]
            keep.sort()
            keys, vals = keys[keep], vals[keep]
        self.keys, self.values = keys, vals


CUSTOMER_FIELDS = ("hash", "type", "outcome", "t", "end", "wait", "resolved", "repeat", "churned", "churned_at", "row")


@dataclass
class LogSummary:
    """What calibration needs from a contact log, in bounded memory."""

    interval: float
    threshold: float  # service-level threshold (minutes)
    cells: KeyedCounts = field(default_factory=lambda: KeyedCounts(N_COUNTS))
    pool_types: KeyedCounts = field(default_factory=lambda: KeyedCounts(2))
    handle: dict[int, BottomK] = field(default_factory=dict)
    patience: dict[int, BottomK] = field(default_factory=dict)
    abandoned_wait_sum: dict[int, float] = field(default_factory=dict)
    abandoned_n: dict[int, int] = field(default_factory=dict)
    type_channel: dict[int, int] = field(default_factory=dict)
    rows: int = 0
    t_min: float = np.inf
    t_max: float = -np.inf
    end_max: float = -np.inf
    customer_parts: list = field(default_factory=list)
    customer_rows: int = 0
    tau: float = FULL  # customers whose hash (top 32 bits) is below tau are followed
    has: dict[str, bool] = field(default_factory=dict)
    zero_handles: dict[int, int] = field(default_factory=dict)  # answered contacts with a zero handle time, by type
    whole_second_waits: bool = True  # every wait a whole number of seconds (a log at 1 s resolution)
    type_names: list[str] = field(default_factory=lambda: [DEFAULT_TYPE])
    channel_names: list[str] = field(default_factory=lambda: [DEFAULT_CHANNEL])
    pool_names: list[str] = field(default_factory=list)
    seed: int = 20240101

    def __post_init__(self):
        self.rng = np.random.default_rng(self.seed)

    @property
    def follow_share(self) -> float:
        """Share of customers followed (1.0 unless the log has more customers than the sample holds)."""
        return self.tau / FULL

    # ------------------------------------------------------------------ a block
    def add(self, b: Batch, reader: TableReader) -> None:
        c = b.cols
        n = b.n
        t = c["arrival"]
        if np.isnan(t).any():
            raise reader._fail(b.start, int(np.argmax(np.isnan(t))), "arrival", "missing (expected a timestamp)")
        out = c["outcome"]
        ws = c["wait_seconds"]
        if self.whole_second_waits:
            fin = ws[np.isfinite(ws)]
            self.whole_second_waits = bool(np.all(fin == np.round(fin)))
        wait = ws / 60.0
        handle = c["handle_seconds"] / 60.0
        need_wait = (out == ANSWERED) | (out == ABANDONED)
        miss = need_wait & np.isnan(wait)
        if miss.any():
            i = int(np.argmax(miss))
            raise reader._fail(b.start, i, "wait_seconds", f"missing for an {('answered', 'abandoned')[int(out[i])]} contact "
                                                           "(expected seconds)")
        miss = (out == ANSWERED) & np.isnan(handle)
        if miss.any():
            raise reader._fail(b.start, int(np.argmax(miss)), "handle_seconds", "missing for an answered contact (expected seconds)")
        for name in ("type", "channel", "pool"):
            col = c[name]
            self.has[name] = self.has.get(name, False) or col is not None
        ti = c["type"].codes if c["type"] is not None else np.zeros(n, dtype=np.int64)
        if c["type"] is not None:
            self.type_names = c["type"].names
            if (ti < 0).any():
                raise reader._fail(b.start, int(np.argmax(ti < 0)), "type", "missing (expected a contact type name)")
        ch = c["channel"].codes if c["channel"] is not None else np.zeros(n, dtype=np.int64)
        if c["channel"] is not None:
            self.channel_names = c["channel"].names
            if (ch < 0).any():
                raise reader._fail(b.start, int(np.argmax(ch < 0)), "channel", "missing (expected a channel name)")
        self._types_on_channels(ti, ch, reader, b)
        pool = c["pool"].codes if c["pool"] is not None else np.full(n, -1, dtype=np.int64)
        if c["pool"] is not None:
            self.pool_names = c["pool"].names
        for k in ("customer", "repeat", "resolved", "churned", "churned_at"):
            self.has[k] = self.has.get(k, False) or c[k] is not None
        rep = c["repeat"] if c["repeat"] is not None else np.full(n, -1, dtype=np.int8)
        self.rows += n
        self.t_min = min(self.t_min, float(t.min()))
        self.t_max = max(self.t_max, float(t.max()))
        w0 = np.nan_to_num(wait)
        end = t + w0 + np.where(out == ANSWERED, handle, 0.0)
        self.end_max = max(self.end_max, float(np.nanmax(end)))

        # counts per (day, slot, type)
        day = np.floor(t / MINUTES_PER_DAY)
        slot = np.floor((t - day * MINUTES_PER_DAY) / self.interval)
        key = (day.astype(np.int64) * 4096 + slot.astype(np.int64)) * 65536 + ti
        first = rep != 1
        vals = np.zeros((n, N_COUNTS))
        defl = out == DEFLECTED
        ans = out == ANSWERED
        ab = out == ABANDONED
        opn = out == OPEN
        vals[:, C_OFFERED] = ~defl
        vals[:, C_FIRST] = ~defl & first
        vals[:, C_DEFLECTED] = defl
        vals[:, C_DEFLECTED_FIRST] = defl & first
        in_service = opn & (pool >= 0)  # open and with an agent: answered, handle time unknown
        vals[:, C_ANSWERED] = ans | in_service
        vals[:, C_ABANDONED] = ab
        vals[:, C_WITHIN] = (ans | in_service) & (w0 <= self.threshold + 1e-9)
        vals[:, C_WAIT] = np.where(ans | in_service, w0, 0.0)
        vals[:, C_HANDLE] = np.where(ans, handle, 0.0)
        self.cells.add(key, vals)

        # pools: who answered what
        if c["pool"] is not None:
            m = (ans | in_service) & (pool >= 0)
            pv = np.zeros((int(m.sum()), 2))
            pv[:, 0] = 1.0
            pv[:, 1] = np.where(ans[m], handle[m], 0.0)
            self.pool_types.add(pool[m] * 65536 + ti[m], pv)

        # handle-time samples per type (answered and finished; zero handle times noted and left out)
        h_ok = ans & (handle > 0)
        for k in np.unique(ti[ans & (handle <= 0)]).tolist():
            self.zero_handles[k] = self.zero_handles.get(k, 0) + int((ans & (handle <= 0) & (ti == k)).sum())
        for k in np.unique(ti[h_ok]).tolist():
            self.handle.setdefault(k, BottomK(SAMPLE, self.rng)).add(handle[h_ok & (ti == k)])

        # waits per channel: abandoned observed, answered / open right-censored
        p_ok = (ans | ab | in_service | opn) & ~np.isnan(wait)
        for k in np.unique(ch[p_ok]).tolist():
            m = p_ok & (ch == k)
            self.patience.setdefault(k, BottomK(PATIENCE_SAMPLE, self.rng, 2)).add(np.column_stack([wait[m], ab[m].astype(float)]))
            mab = ab & (ch == k)
            self.abandoned_wait_sum[k] = self.abandoned_wait_sum.get(k, 0.0) + float(wait[mab].sum())
            self.abandoned_n[k] = self.abandoned_n.get(k, 0) + int(mab.sum())
        for k in np.unique(ch).tolist():
            self.patience.setdefault(k, BottomK(PATIENCE_SAMPLE, self.rng, 2))
            self.abandoned_n.setdefault(k, 0)

        # followed customers: every contact of customers whose hash falls below tau
        cust = c["customer"]
        if cust is not None:
            follow = (cust != 0) & ((cust >> np.uint64(32)).astype(np.float64) < self.tau)
            if follow.any():
                idx = np.flatnonzero(follow)
                part = {
                    "hash": cust[idx],
                    "type": ti[idx].astype(np.int32),
                    "outcome": out[idx],
                    "t": t[idx],
                    "end": np.where(opn[idx], np.nan, end[idx]),
                    "wait": wait[idx],
                    "resolved": (c["resolved"][idx] if c["resolved"] is not None else np.full(len(idx), -1, np.int8)),
                    "repeat": rep[idx],
                    "churned": (c["churned"][idx] if c["churned"] is not None else np.full(len(idx), -1, np.int8)),
                    "churned_at": (c["churned_at"][idx] if c["churned_at"] is not None else np.full(len(idx), np.nan)),
                    "row": (b.start + idx).astype(np.int64),
                }
                self.customer_parts.append(part)
                self.customer_rows += len(idx)
                while self.customer_rows > CUSTOMER_ROWS:
                    self._halve()

    def _types_on_channels(self, ti, ch, reader: TableReader, b: Batch) -> None:
        pairs = np.unique(ti * 65536 + ch)
        for p in pairs.tolist():
            k, v = p // 65536, p % 65536
            old = self.type_channel.setdefault(k, v)
            if old != v:
                i = int(np.argmax((ti == k) & (ch == v)))
                raise reader._fail(b.start, i, "channel",
                                   f"contact type {self.type_names[k]!r} also arrives on channel "
                                   f"{self.channel_names[old]!r} (expected one channel per contact type; "
                                   "split the type by channel)")

    def _halve(self) -> None:
        self.tau /= 2.0
        kept = []
        total = 0
        for part in self.customer_parts:
            m = (part["hash"] >> np.uint64(32)).astype(np.float64) < self.tau
            if m.all():
                kept.append(part)
            elif m.any():
                kept.append({k: v[m] for k, v in part.items()})
            total += int(m.sum())
        self.customer_parts = kept
        self.customer_rows = total

    def customers(self) -> dict[str, np.ndarray]:
        """The followed customers' contacts, sorted by customer and arrival."""
        if not self.customer_parts:
            return {k: np.empty(0) for k in CUSTOMER_FIELDS}
        data = {k: np.concatenate([p[k] for p in self.customer_parts]) for k in CUSTOMER_FIELDS}
        order = np.lexsort((data["row"], data["t"], data["hash"]))
        return {k: v[order] for k, v in data.items()}


def read_contacts(reader: TableReader, interval: float, threshold: float, progress=None) -> LogSummary:
    """Stream a contact log into a :class:`LogSummary`; ``progress(rows, estimate)`` is told as blocks go by."""
    s = LogSummary(interval, threshold)
    for b in reader.batches():
        s.add(b, reader)
        if progress is not None:
            progress(b.start + b.n, reader.rows_estimate)
    return s


__all__ = ["DataError", "LogSummary", "read_contacts"]
