"""From a read contact log (and staffing and churn files) to fitted scenario parts.

Time runs in wall-clock minutes. The log is taken to cover everything from local midnight of its
first day to the end of the interval of its last arrival: the scenario starts at that midnight and
lasts that long. What the log cannot tell is left at the scenario default with a note.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from crisissim.calibrate import fit
from crisissim.calibrate.accumulate import (
    C_ABANDONED,
    C_ANSWERED,
    C_DEFLECTED,
    C_DEFLECTED_FIRST,
    C_FIRST,
    C_HANDLE,
    C_OFFERED,
    C_WAIT,
    C_WITHIN,
    MINUTES_PER_DAY,
    N_COUNTS,
    LogSummary,
)
from crisissim.calibrate.logformat import ABANDONED, ANSWERED, DEFAULT_POOL
from crisissim.calibrate.read import DataError, TableReader

MAX_DAYS = 366  # the longest scenario
MAX_INTERVALS = 100_000  # the most KPI intervals a scenario may have
WEEKLY_DAYS = 14
SYNC_WAIT_REFERENCE = 5.0  # minutes: the engine's wait scale for churn when a channel has no patience


@dataclass
class TypeFit:
    name: str  # scenario identifier
    label: str  # name in the log
    channel: str
    arrival: fit.ArrivalFit
    offered: int
    first: int
    answered: int
    abandoned: int
    handle: fit.DistFit | None = None
    fcr: fit.Estimate | None = None
    fcr_how: str = ""
    repeat: fit.ComeBack | None = None
    retry: fit.ComeBack | None = None
    deflect: fit.Estimate | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class ChannelFit:
    name: str
    label: str
    patience: fit.DistFit | None
    answered: int
    abandoned: int
    naive_mean: float
    note: str = ""

    @property
    def wait_reference(self) -> float:
        """The wait scale of the churn model: mean patience (the engine's rule)."""
        return self.patience.mean.value if self.patience is not None else SYNC_WAIT_REFERENCE


@dataclass
class PoolFit:
    name: str
    label: str
    skills: list[str]
    shifts: list[tuple[float, float, int]] | None  # (start, end, agents), minutes from the scenario start
    size: int | None
    note: str = ""


@dataclass
class Calibration:
    """Everything fitted from a log, ready to be written as a scenario (see :mod:`.scenario_text`)."""

    source: str
    rows: int
    interval: float
    threshold: float
    day0: int  # days since 1970-01-01 of the scenario start (local midnight)
    intervals: int  # intervals the scenario (and the back-test) covers
    weekday0: int  # Monday = 0
    types: dict[str, TypeFit]
    channels: dict[str, ChannelFit]
    pools: dict[str, PoolFit]
    staffing_given: bool
    churn: fit.ChurnFit | None
    churn_note: str
    follow_share: float
    customers_followed: int
    observed: dict[str, np.ndarray]  # per interval: offered, answered, abandoned, within, wait_sum
    notes: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return self.intervals * self.interval

    @property
    def days(self) -> int:
        """Calendar days the scenario touches."""
        return int(math.ceil(self.duration / MINUTES_PER_DAY - 1e-9))


# ------------------------------------------------------------------ naming
def identifiers(names: list[str], prefix: str) -> dict[str, str]:
    """Scenario identifiers for names from a log (``Billing Inquiry`` → ``Billing_Inquiry``), unique."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for n in names:
        ident = re.sub(r"[^A-Za-z0-9_\-]+", "_", n.strip())[:60] or prefix
        if not re.match(r"[A-Za-z_]", ident):
            ident = f"{prefix}_{ident}"[:60]
        base, k = ident, 2
        while ident in used:
            ident = f"{base}_{k}"
            k += 1
        used.add(ident)
        out[n] = ident
    return out


# ------------------------------------------------------------------ the fit
def build(summary: LogSummary, source: str, staffing: list | None, staffing_reader: TableReader | None,
          churn_rows: dict | None, churn_note: str) -> Calibration:
    s = summary
    notes: list[str] = []
    day0 = int(math.floor(s.t_min / MINUTES_PER_DAY))
    last = int(math.floor(s.t_max / MINUTES_PER_DAY))
    days_seen = last - day0 + 1
    slots = int(round(MINUTES_PER_DAY / s.interval))
    n_seen = int((s.t_max - day0 * MINUTES_PER_DAY) // s.interval) + 1  # to the end of the last arrival's interval
    n_iv = min(n_seen, MAX_DAYS * slots, MAX_INTERVALS)
    if n_seen > n_iv:
        notes.append(f"the log spans {days_seen} days; rates use them all, the scenario (and the back-test) covers "
                     f"the first {n_iv * s.interval / MINUTES_PER_DAY:.4g} days (at most {MAX_DAYS} days and "
                     f"{MAX_INTERVALS:,} intervals)")
    seen = (np.arange(days_seen * slots) < n_seen).reshape(days_seen, slots)
    weekday0 = (day0 + 3) % 7  # 1970-01-01 was a Thursday
    weekly = days_seen >= WEEKLY_DAYS
    n_types = len(s.type_names)
    cells = np.zeros((days_seen, slots, n_types, N_COUNTS))
    for key, row in s.cells.items():
        ti = key % 65536
        rest = key // 65536
        slot = rest % 4096
        day = rest // 4096 - day0
        cells[day, slot, ti] += row
    type_ids = identifiers(s.type_names, "type")
    chan_ids = identifiers(s.channel_names, "channel")
    customers = s.customers() if s.has.get("customer") else None
    log_end = day0 * MINUTES_PER_DAY + n_seen * s.interval
    cust = _CustomerView(customers, s, day0, log_end, churn_rows) if customers is not None and len(customers["t"]) else None
    if cust is None:
        notes.append("no customer ids in the log: repeats, resolution and churn cannot be followed"
                     + ("; the churn file cannot be linked to contacts" if churn_rows is not None else ""))

    # patience per channel
    channels: dict[str, ChannelFit] = {}
    for ci, cname in enumerate(s.channel_names):
        sample = s.patience.get(ci)
        n_ab = s.abandoned_n.get(ci, 0)
        naive = s.abandoned_wait_sum.get(ci, 0.0) / n_ab if n_ab else math.nan
        vals = sample.values if sample is not None else np.empty((0, 2))
        obs, cens = vals[vals[:, 1] == 1, 0], vals[vals[:, 1] == 0, 0]
        n_ans = int(sample.seen - n_ab) if sample is not None else 0
        if n_ab == 0:
            channels[cname] = ChannelFit(chan_ids[cname], cname, None, n_ans, 0, naive,
                                         "patience not identifiable: no contact on this channel was abandoned; "
                                         "left at the default (customers wait until answered)")
            continue
        if len(obs) < 20:
            channels[cname] = ChannelFit(chan_ids[cname], cname, None, n_ans, n_ab, naive,
                                         f"patience not identifiable: only {n_ab} abandoned contacts (expected 20 or more); "
                                         "left at the default (customers wait until answered)")
            continue
        res = 1.0 / 60.0 if s.whole_second_waits else 0.0
        pf = fit.fit_times(obs, cens, (fit.EXPONENTIAL, fit.WEIBULL, fit.LOGNORMAL), resolution=res)
        channels[cname] = ChannelFit(chan_ids[cname], cname, pf, n_ans, n_ab, naive)

    # per type
    types: dict[str, TypeFit] = {}
    for ti, tname in enumerate(s.type_names):
        c = cells[:, :, ti, :]
        cname = s.channel_names[s.type_channel.get(ti, 0)]
        # the arrival rate counts first contacts before self-service (deflected ones arrived too)
        if s.has.get("repeat"):
            first_counts = c[:, :, C_FIRST] + c[:, :, C_DEFLECTED_FIRST]
            how_first = "first contacts (repeat = 0)"
        elif cust is not None:
            first_counts = cust.first_counts(ti, slots, s.interval)
            how_first = ("first contacts (no repeat column: a customer's earliest contact in the log"
                         + (f", counted on the {s.follow_share:.1%} of customers followed and scaled up)"
                            if s.follow_share < 1 else ")"))
        else:
            first_counts = c[:, :, C_OFFERED] + c[:, :, C_DEFLECTED]
            how_first = "all contacts (no repeat column and no customer ids: repeats cannot be told apart; none generated)"
        af = fit.fit_arrivals(first_counts, s.interval, seen, weekly)
        tf = TypeFit(type_ids[tname], tname, chan_ids[cname], af, int(c[:, :, C_OFFERED].sum()), int(round(first_counts.sum())),
                     int(c[:, :, C_ANSWERED].sum()), int(c[:, :, C_ABANDONED].sum()))
        tf.notes.append(how_first)
        defl = float(c[:, :, C_DEFLECTED].sum())
        if defl:
            tf.deflect = fit.proportion(int(defl), int(defl + c[:, :, C_OFFERED].sum()))
        hs = s.handle.get(ti)
        if hs is not None and len(hs.values) >= 2:
            tf.handle = fit.fit_times(hs.values[:, 0])
            if hs.seen > len(hs.values):
                tf.notes.append(f"handle time fitted on a uniform sample of {len(hs.values):,} of {hs.seen:,} answered contacts")
        else:
            tf.notes.append("handle time: fewer than 2 answered contacts; a placeholder of 5m")
        if s.zero_handles.get(ti):
            tf.notes.append(f"handle time: {s.zero_handles[ti]:,} answered contacts with a zero handle time left out")
        if cust is not None:
            cust.fit_type(tf, ti, s.has.get("resolved", False), channels[cname])
        elif not s.has.get("repeat"):
            tf.fcr = fit.Estimate(1.0)
            tf.fcr_how = "no customer ids: repeats are inside the arrival rate, so none are generated (1.0)"
        types[tname] = tf

    churn = None
    if cust is not None and cust.has_churn:
        churn, extra = cust.fit_churn(channels, s.has.get("resolved", False))
        churn_note = (churn_note + "; " if churn_note else "") + extra if extra else churn_note
    elif not churn_note:
        churn_note = "no churn data (give --churn FILE, or a log with a churned column): defaults kept"

    pools, note = _pools(s, staffing, staffing_reader, type_ids, day0, n_iv, cells)
    if note:
        notes.append(note)
    observed = _observed(cells, n_iv)
    return Calibration(source, s.rows, s.interval, s.threshold, day0, n_iv, weekday0, types, channels, pools,
                       staffing is not None, churn, churn_note, s.follow_share,
                       cust.n_customers if cust is not None else 0, observed, notes)


def _observed(cells: np.ndarray, n_iv: int) -> dict[str, np.ndarray]:
    per = cells.sum(axis=2).reshape(-1, cells.shape[3])[:n_iv]
    return {"offered": per[:, C_OFFERED], "answered": per[:, C_ANSWERED], "abandoned": per[:, C_ABANDONED],
            "within": per[:, C_WITHIN], "wait_sum": per[:, C_WAIT], "handle_sum": per[:, C_HANDLE]}


# ----------------------------------------------------------------- customers
class _CustomerView:
    """The followed customers' histories: next contacts, churn, first contacts."""

    def __init__(self, data: dict, s: LogSummary, day0: int, log_end: float, churn_rows: dict | None):
        self.d = data
        self.s = s
        h = data["hash"]
        n = len(h)
        self.same_next = np.zeros(n, dtype=bool)
        self.same_next[:-1] = h[1:] == h[:-1]
        self.same_prev = np.zeros(n, dtype=bool)
        self.same_prev[1:] = self.same_next[:-1]
        self.next_t = np.full(n, np.nan)
        self.next_t[:-1] = np.where(self.same_next[:-1], data["t"][1:], np.nan)
        self.log_end = log_end
        self.day0 = day0
        self.n_customers = int(n - self.same_prev.sum())
        last = ~self.same_next
        # churn: from the log's own columns, or the churn file (by customer hash)
        churned = data["churned"].astype(np.int8)
        if churn_rows is not None:
            keys = np.fromiter(churn_rows.keys(), dtype=np.uint64, count=len(churn_rows))
            vals = np.fromiter(churn_rows.values(), dtype=np.int8, count=len(churn_rows))
            order = np.argsort(keys)
            keys, vals = keys[order], vals[order]
            pos = np.clip(np.searchsorted(keys, h), 0, max(0, len(keys) - 1))
            found = (keys[pos] == h) if len(keys) else np.zeros(n, dtype=bool)
            churned = np.where(found, vals[pos] if len(keys) else -1, -1).astype(np.int8)
        self.known = churned >= 0
        self.has_churn = bool(self.known.any())
        self.churned_here = (churned == 1) & last  # churn follows a customer's last contact
        self.done = np.isfinite(data["end"])

    def first_counts(self, ti: int, slots: int, interval: float) -> np.ndarray:
        d = self.d
        m = (~self.same_prev) & (d["type"] == ti)
        days = int(self.s.t_max // MINUTES_PER_DAY) - self.day0 + 1
        t = d["t"][m]
        day = (np.floor(t / MINUTES_PER_DAY) - self.day0).astype(int)
        slot = np.floor((t - np.floor(t / MINUTES_PER_DAY) * MINUTES_PER_DAY) / interval).astype(int)
        out = np.zeros((days, slots))
        np.add.at(out, (day, slot), 1.0)
        return out / self.s.follow_share

    def fit_type(self, tf: TypeFit, ti: int, has_resolved: bool, channel: ChannelFit) -> None:
        d = self.d
        of_type = d["type"] == ti
        not_churned = ~self.churned_here if self.has_churn else np.ones(len(of_type), dtype=bool)
        base = of_type & self.done & not_churned
        delay = self.next_t - d["end"]
        watched = self.log_end - d["end"]
        answered = base & (d["outcome"] == ANSWERED)
        share = "" if self.s.follow_share >= 1 else f" (on the {self.s.follow_share:.1%} of customers followed)"
        if has_resolved:
            ans_all = of_type & (d["outcome"] == ANSWERED) & (d["resolved"] >= 0)
            tf.fcr = fit.proportion(int((d["resolved"][ans_all] == 1).sum()), int(ans_all.sum()))
            tf.fcr_how = f"share of {int(ans_all.sum()):,} answered contacts marked resolved{share}"
            unresolved = answered & (d["resolved"] == 0)
            ev = unresolved & self.same_next
            if ev.any():
                tf.repeat = fit.fit_come_back(delay[ev], watched[unresolved & ~self.same_next], known_p=1.0)
        else:
            ev = answered & self.same_next
            cb = fit.fit_come_back(delay[ev], watched[answered & ~self.same_next])
            tf.repeat = cb if cb.events else None
            tf.fcr = fit.Estimate(1.0 - cb.p.value, cb.p.se)
            tf.fcr_how = (f"1 − the share of answered contacts after which the customer came back ({cb.events:,} of "
                          f"{cb.n:,}, a mixture model that allows for returns after the log ends){share}"
                          + ("" if self.has_churn else "; without churn data a churner's silence reads as resolved"))
        abandoned = base & (d["outcome"] == ABANDONED)
        if abandoned.any():
            ev = abandoned & self.same_next
            cb = fit.fit_come_back(delay[ev], watched[abandoned & ~self.same_next])
            tf.retry = cb

    def fit_churn(self, channels: dict[str, ChannelFit], has_resolved: bool) -> tuple[fit.ChurnFit | None, str]:
        d = self.d
        rows = self.known & self.done & ((d["outcome"] == ANSWERED) | (d["outcome"] == ABANDONED))
        if rows.sum() < 10 or not self.churned_here[rows].any():
            return None, "too few churners among the followed customers to fit churn: defaults kept"
        ref = np.array([channels[self.s.channel_names[self.s.type_channel.get(int(t), 0)]].wait_reference
                        for t in range(len(self.s.type_names))])
        wait_ratio = d["wait"][rows] / ref[d["type"][rows]]
        ab = (d["outcome"][rows] == ABANDONED).astype(float)
        if has_resolved:
            res = ((d["outcome"][rows] == ANSWERED) & (d["resolved"][rows] == 1)).astype(float)
            note = ""
        else:
            res = np.zeros(rows.sum())
            note = "no resolved column: the effect of resolution is folded into b0 (fix set to 0)"
        cf = fit.fit_churn(self.churned_here[rows].astype(float), wait_ratio, ab, res)
        if not has_resolved:
            cf.coef["fix"] = fit.Estimate(0.0)
        return cf, note


# -------------------------------------------------------------------- pools
def _pools(s: LogSummary, staffing, reader, type_ids, day0, n_iv, cells) -> tuple[dict[str, PoolFit], str]:
    skills: dict[str, list[str]] = {}
    for key, _row in s.pool_types.items():
        p, ti = s.pool_names[key // 65536], s.type_names[key % 65536]
        skills.setdefault(p, []).append(type_ids[ti])
    all_types = list(type_ids.values())
    if staffing is None:
        # a placeholder: the average number of agents busy in the busiest interval (a lower bound)
        busy = cells[:, :, :, C_HANDLE].sum(axis=2).ravel()[:n_iv] / s.interval
        need = max(1, int(math.ceil(float(busy.max()) if busy.size else 1.0)))
        names = list(skills) or [DEFAULT_POOL]
        ids = identifiers(names, "pool")
        pools = {}
        for p in names:
            pools[p] = PoolFit(ids[p], p, sorted(set(skills.get(p, all_types)), key=all_types.index), None,
                               need if len(names) == 1 else max(1, need // len(names)),
                               "FILL IN: no staffing file was given; this size is the average number of agents busy "
                               "in the busiest interval (a lower bound). Give --staffing FILE for the real plan")
        return pools, "staffing was not given: pool sizes are placeholders to fill in (--staffing FILE)"
    rows: dict[str, list[tuple[float, float, int]]] = {}
    for t, pool, agents, row in staffing:
        rows.setdefault(pool, []).append((t, agents, row))
    ids = identifiers(list(rows) + [p for p in skills if p not in rows], "pool")
    pools = {}
    start_min = day0 * MINUTES_PER_DAY
    end_min = n_iv * s.interval
    notes = []
    for p, rs in rows.items():
        rs.sort()
        for (a, _, ra), (b, _, rb) in zip(rs, rs[1:], strict=False):
            if a == b:
                raise DataError(reader.name, reader.line_of(max(ra, rb)), f"pool {p!r} has two rows for the same "
                                f"interval start (expected one per interval; the other is line {reader.line_of(min(ra, rb))})")
        starts = np.array([r[0] for r in rs]) - start_min
        gaps = np.diff(starts)
        step = float(np.median(gaps)) if len(gaps) else s.interval
        ends = np.append(starts[1:], starts[-1] + step)
        agents = np.array([r[1] for r in rs])
        if np.any(np.abs(agents - np.round(agents)) > 1e-6):
            notes.append(f"pool {p}: fractional agents (averages) rounded to whole agents")
        shifts: list[tuple[float, float, int]] = []
        for a, b, n in zip(starts, ends, np.round(agents).astype(int), strict=False):
            a, b = max(0.0, float(a)), min(end_min, float(b))
            if b <= a or n <= 0:
                continue
            if shifts and shifts[-1][2] == n and abs(shifts[-1][1] - a) < 1e-9:
                shifts[-1] = (shifts[-1][0], b, n)
            else:
                shifts.append((a, b, int(n)))
        if len(shifts) > 10_000:
            raise DataError(reader.name, 1, f"pool {p!r} changes headcount {len(shifts):,} times (expected at most 10,000 "
                                            "shifts per pool; use a longer interval)")
        sk = skills.get(p)
        note = ""
        if sk is None:
            sk = all_types
            if s.has.get("pool"):
                note = "answered no contact in the log: given every contact type"
        pools[p] = PoolFit(ids[p], p, sorted(set(sk), key=all_types.index), shifts or None,
                           None if shifts else 0, note)
    for p in skills:
        if p not in pools:
            pools[p] = PoolFit(ids[p], p, sorted(set(skills[p]), key=all_types.index), None, 0,
                               "answered contacts in the log but has no staffing rows: size 0")
    return pools, "; ".join(notes)


def read_staffing(reader: TableReader) -> list[tuple[float, str, float, int]]:
    """Rows (wall minutes, pool name, agents, data row) of a staffing file."""
    out = []
    for b in reader.batches():
        t = b.cols["interval_start"]
        if np.isnan(t).any():
            raise reader._fail(b.start, int(np.argmax(np.isnan(t))), "interval_start", "missing (expected a timestamp)")
        agents = b.cols["agents"]
        if np.isnan(agents).any():
            raise reader._fail(b.start, int(np.argmax(np.isnan(agents))), "agents", "missing (expected a number >= 0)")
        pool = b.cols["pool"]
        names = [DEFAULT_POOL] * b.n if pool is None else [pool.names[k] if k >= 0 else DEFAULT_POOL for k in pool.codes.tolist()]
        for i in range(b.n):
            out.append((float(t[i]), names[i], float(agents[i]), b.start + i))
    return out


def read_churn(reader: TableReader, tau: float) -> dict[int, int]:
    """Churn flags of the followed customers (hash below ``tau``), by customer hash; rows must agree."""
    out: dict[int, int] = {}
    first_row: dict[int, int] = {}
    for b in reader.batches():
        h = b.cols["customer"]
        flag = b.cols["churned"]
        miss = h == 0
        if miss.any():
            raise reader._fail(b.start, int(np.argmax(miss)), "customer", "missing (expected a customer id)")
        miss = flag < 0
        if miss.any():
            raise reader._fail(b.start, int(np.argmax(miss)), "churned", "missing (expected 1 or 0)")
        keep = (h >> np.uint64(32)).astype(np.float64) < tau
        for i in np.flatnonzero(keep).tolist():
            k, v = int(h[i]), int(flag[i])
            old = out.get(k)
            if old is None:
                out[k] = v
                first_row[k] = b.start + i
            elif old != v:
                raise reader._fail(b.start, i, "churned", f"disagrees with line {reader.line_of(first_row[k])} for the same "
                                                          "customer (expected one churn status per customer)")
    return out


__all__ = ["Calibration", "build", "read_churn", "read_staffing"]
