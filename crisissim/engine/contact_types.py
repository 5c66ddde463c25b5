"""Runtime state of one contact type: its queue, counters, random streams and who serves it.

Fields are set in the constructor or by the type's own methods: :meth:`serve_by` (routing,
at set-up) and :meth:`refold` (resolution probability and handle-time scale per pool,
whenever effects change). The :class:`~crisissim.engine.flow.ContactFlow` is the one writer
of the live counts (``counts``, ``neg_waiting``, the queue); everyone else reads them.
"""

from __future__ import annotations

from crisissim.engine.arrivals import Excitation
from crisissim.engine.contacts import INF, ContactQueue
from crisissim.engine.reputation import Visibility
from crisissim.engine.rng import AttributeStream, Stream, dist_stream
from crisissim.engine.stats import Counters

CONTINUOUS = frozenset({"exponential", "lognormal", "gamma", "uniform", "weibull"})
"""Handle-time distributions with a density: a service then never ends exactly when another
event is due, so its end can go on the clock's agenda (see ``crisissim.engine.clock.Agenda``)."""
DISCRETE = frozenset({"fixed", "empirical"})
"""Handle-time distributions whose services can end exactly when another event is due: their
ends are SimPy events, which keep SimPy's order on a tie. Every distribution is in one of the two."""

DEFAULT_REPEAT_MEAN = 240.0  # minutes until an unresolved customer comes back
DEFAULT_RETRY_MEAN = 10.0  # minutes until a customer who abandoned calls again
SYNC_WAIT_REFERENCE = 5.0  # minutes: wait scale for churn on sync channels without patience


class ContactTypeState:
    """One contact type while the simulation runs (``index`` into every per-type list)."""

    def __init__(self, index: int, name: str, spec, channel, seed: int, churn_per_wait_ref: float,
                 fair_compensation: float = 50.0):
        self.index = index
        self.name = name
        self.spec = spec
        self.channel_name = spec.channel
        self.kind = channel.kind
        self.sync = channel.kind == "sync"
        self.social = channel.kind == "social"
        self.severity = spec.severity
        self.continuous_handling = spec.handle_time.dist in CONTINUOUS
        self.fcr = spec.first_contact_resolution
        self.negative_share = spec.negative_share if self.social else 0.0
        sla = INF if self.sync else channel.sla
        self.sla = sla
        self.queue = ContactQueue(sla)
        self.counts = Counters()
        self.servers: list = []  # pools that serve this type, best skill priority first
        self.neg_waiting = 0
        patience = channel.patience if self.sync else None
        if patience is not None:
            self.wait_ref = patience.mean
        elif self.sync:
            self.wait_ref = SYNC_WAIT_REFERENCE
        else:
            self.wait_ref = channel.sla
        # churn's wait term per minute waited: the coefficient over this type's wait scale
        self.wait_coef = churn_per_wait_ref / self.wait_ref
        self.excitation = Excitation(channel.excitation, channel.excitation_half_life) if self.social else None
        self.gated = False  # self-service or an outage can stop its contacts (refreshed by refold)
        # social: the unanswered negative posts in view, fading on the same clock (reputation damage)
        self.visibility = Visibility(channel.excitation_half_life) if self.social else None
        # what makes good the harm of this kind of contact (the scale of compensation's strength)
        self.fair = spec.fair_compensation if spec.fair_compensation is not None else fair_compensation
        self.p_fix: list[float] = []  # per pool: first-contact resolution, training and effects folded in
        self.ht_scale: list[float] = []  # per pool: handle-time multiplier
        p = f"type:{name}:"
        # first contacts and repeat contacts draw from separate streams (common random numbers)
        self.attrs = AttributeStream(seed, p, spec.handle_time, patience, negative=self.social)
        self.repeat_attrs = AttributeStream(seed, p + "repeat:", spec.handle_time, patience, negative=self.social)
        self.repeat_delay = _delays(seed, p + "repeat-delay", spec.repeat_delay, DEFAULT_REPEAT_MEAN)
        self.retry = spec.retry if self.sync else 0.0
        self.retry_delay = _delays(seed, p + "retry-delay", spec.retry_delay, DEFAULT_RETRY_MEAN) if self.retry else None

    def serve_by(self, pools) -> None:
        """Set the pools that serve this type, in routing order (see :func:`crisissim.engine.routing.route`)."""
        self.servers = list(pools)

    def refold(self, pools, mods) -> None:
        """Fold training and the effects in force into per-pool resolution probability and handle-time scale."""
        i = self.index
        self.gated = mods.deflect[i] > 0 or mods.down[i]
        self.p_fix = [min(1.0, max(0.0, min(1.0, self.fcr * p.training) + mods.fcr_delta[i])) for p in pools]
        self.ht_scale = [mods.ht_type[i] * mods.ht_pool[p.index] / p.training for p in pools]

    def next_repeat_delay(self) -> float:
        return self.repeat_delay.next()


def _delays(seed: int, name: str, dist, default_mean: float):
    """Draws of a delay distribution, or exponential with ``default_mean`` minutes when none is given."""
    if dist is not None:
        return dist_stream(seed, name, dist)
    return Stream(seed, name + "-exp", lambda rng, n: rng.exponential(default_mean, n))


def service_level(types) -> float:
    """Share of sync contacts answered within the threshold, of those answered or abandoned."""
    within = sum(t.counts.within for t in types if t.sync)
    left = sum(t.counts.answered + t.counts.abandoned for t in types if t.sync)
    return within / left if left else 1.0
