"""The typed scenario format (pydantic v2): shapes, ranges and documented defaults.

Cross-references between parts (a contact type's channel exists, a pool's skill
names a contact type, conditions name things that exist) are checked in
``crisissim.scenario.checks`` so that every problem is reported in one run.
Time is in minutes (YAML durations accepted), money in ``meta.currency``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from crisissim.scenario.customers import Churn, Customers, Recovery
from crisissim.scenario.distributions import Distribution
from crisissim.scenario.effects import Effect, Money, Share
from crisissim.scenario.exposures import Exposure
from crisissim.scenario.feed import FeedTemplates
from crisissim.scenario.lessons import Lesson, PolicySpec
from crisissim.scenario.monitoring import Monitoring
from crisissim.scenario.text import (
    LocalText100,
    LocalText200,
    LocalText1000,
    LocalText5000,
    LocalText20000,
    TimeOfDay,
    printable,
)
from crisissim.scenario.units import Duration

Ident = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=64)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False, le=1e12)]
Coef = Annotated[float, Field(ge=-100, le=100, allow_inf_nan=False)]
TimeOrRandom = Annotated[
    Annotated[Duration, Tag("time")] | Annotated[Distribution, Tag("random")],
    Discriminator(lambda v: "random" if isinstance(v, dict) or hasattr(v, "sample") else "time"),
]
"""A time, or a distribution of times (a mapping with ``dist``) drawn once per run."""


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    @model_validator(mode="after")
    def _printable(self):
        """Free text loses control characters (terminal escapes) as it is loaded."""
        for name, value in self.__dict__.items():
            if isinstance(value, str):
                self.__dict__[name] = _clean(value)
            elif isinstance(value, list) and any(isinstance(v, str) for v in value):
                self.__dict__[name] = [_clean(v) if isinstance(v, str) else v for v in value]
        return self


def _clean(value: str) -> str:
    """``value`` without control characters (the same object when it has none)."""
    clean = printable(value)
    same = clean == value and getattr(clean, "translations", None) == getattr(value, "translations", None)
    return value if same else clean


class Meta(Part):
    """Identity and clock of the scenario."""

    id: Ident
    """Short identifier, e.g. ``product-recall``."""
    title: LocalText200
    """Title shown to trainees (a string, or one per language: ``{en: …, zh: …}``)."""
    briefing: LocalText20000 = ""
    """Briefing text shown before play (a string, or one per language)."""
    duration: Duration = Field(gt=0, le=366 * 1440)
    """Simulated span (e.g. ``8h``, ``3d``)."""
    start: TimeOfDay | None = None
    """Time of day the scenario starts (``"08:00"``); the game's clock shows the time of day
    from it (without it, the time since the start)."""
    warmup: Duration = 0.0
    """Initial span excluded from contact statistics (costs and reputation cover the whole run)."""
    seed: int = Field(1, ge=0, le=2**63 - 1)
    """Default random seed."""
    currency: str = Field("CNY", max_length=12)
    """Currency label for money (a label only)."""
    language: str = Field("en", max_length=16)
    """Language of the texts (``en``, ``zh``…)."""
    company: LocalText100 = ""
    """The company's name as it appears in the social feed (its statements and replies)."""
    interval: Duration = Field(30.0, gt=0)
    """Length of a KPI interval (workforce-planning table)."""
    sample_every: Duration = Field(1.0, gt=0)
    """Spacing of the time series samples (queues, reputation, losses)."""

    @model_validator(mode="after")
    def _check(self) -> Meta:
        if self.warmup >= self.duration:
            raise ValueError("warmup must be shorter than duration")
        if self.duration / self.sample_every > 1_000_000:
            raise ValueError("sample_every is too small for this duration (at most 1,000,000 samples)")
        if self.duration / self.interval > 100_000:
            raise ValueError("interval is too small for this duration (at most 100,000 intervals)")
        return self


class Channel(Part):
    """A way customers reach us: ``sync`` (phone, chat: they wait and may abandon),
    ``async`` (email, ticket: a backlog with an SLA), ``social`` (public posts that breed posts)."""

    kind: Literal["sync", "async", "social"]
    """Channel behaviour."""
    label: LocalText200 = ""
    """Display name."""
    patience: Distribution | None = None
    """Sync only: how long a customer waits before hanging up; omitted means never."""
    sla: Duration = Field(1440.0, gt=0)
    """Async and social: answer within this time or the contact breaches its SLA."""
    excitation: NonNeg = 0.5
    """Social only: extra posts per hour added by each unanswered negative post (Hawkes α)."""
    excitation_half_life: Duration = Field(30.0, gt=0)
    """Social only: the excitation of a post halves over this time (Hawkes β = ln 2 / half-life)."""

    @field_validator("patience")
    @classmethod
    def _waits(cls, v):
        if v is not None and not v.mean > 0:
            raise ValueError("patience must have a mean above 0 (customers who hang up at once never reach a queue)")
        return v

    @model_validator(mode="after")
    def _check(self) -> Channel:
        if self.kind != "sync" and self.patience is not None:
            raise ValueError(f"patience applies to sync channels only (this channel is {self.kind})")
        return self


class Arrival(Part):
    """Base arrival rate with an optional intraday profile. Contacts arrive as a non-homogeneous
    Poisson process with rate λ(t) = rate · profile(t) · (1 + Σ surges(t)) · rate factors ·
    max(0, 1 + arrival_feedback · (R₀ − R) / 100), plus the social excitation on social channels;
    a ``deflect`` share is then absorbed by self-service."""

    rate: NonNeg
    """Contacts per ``per``."""
    per: Literal["minute", "hour", "day"] = "hour"
    """Time unit of ``rate``."""
    profile: list[Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]] | None = Field(
        None, min_length=1, max_length=10_000
    )
    """Multipliers of the rate, one per ``profile_step`` from the start, repeating."""
    profile_step: Duration = Field(60.0, gt=0)
    """Length of one profile slot."""


class ContactType(Part):
    """A kind of contact (billing, defect, delivery, data-breach, rumour…)."""

    channel: str
    """The channel it comes through."""
    label: LocalText200 = ""
    """Display name."""
    arrival: Arrival
    """Arrival rate (non-homogeneous Poisson)."""
    handle_time: Distribution
    """Time an agent of training 1.0 spends on it."""
    severity: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 1.0
    """Weight of its reputation effects (abandonments, breaches, resolutions)."""
    first_contact_resolution: Share = 0.8
    """Probability the first contact resolves the issue; otherwise the customer comes back."""
    repeat_delay: Distribution | None = None
    """Time until an unresolved customer contacts again (default exponential, mean 4h)."""
    retry: Share = 0.0
    """Sync only: probability that a customer who abandoned (and did not churn) calls again; the
    redial storms of a crisis. Retries arrive as repeat contacts."""
    retry_delay: Distribution | None = None
    """Time from abandoning to calling again (default exponential, mean 10m)."""
    negative_share: Share = 0.7
    """Social only: share of posts that are negative (unanswered ones breed posts and hurt reputation)."""
    risk: Literal["operational", "reputational", "compliance", "technical", "market"] = "operational"
    """Risk category (for reports)."""
    feed: FeedTemplates | None = None
    """Social only: how its posts and the company's replies read in the game's feed."""
    fair_compensation: Money | None = None
    """What a customer with this kind of contact sees as making good the harm (money); sets the
    strength of compensation (see ``recovery``). Default ``recovery.fair_compensation``."""


class Shift(Part):
    """Agents on duty from ``start`` to ``end``."""

    start: Duration
    """Shift start (time from scenario start)."""
    end: Duration
    """Shift end."""
    size: int = Field(ge=0, le=100_000)
    """Agents on this shift."""

    @model_validator(mode="after")
    def _check(self) -> Shift:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Pool(Part):
    """A staff pool: agents with the same skills, training and pay."""

    label: LocalText200 = ""
    """Display name."""
    size: int | None = Field(None, ge=0, le=100_000)
    """Agents on duty the whole run (use this or ``shifts``)."""
    shifts: list[Shift] | None = Field(None, min_length=1, max_length=10_000)
    """Headcount by shift; overlapping shifts add up. When a shift ends, its agents on a contact finish it on top of the next shift's headcount."""
    skills: list[str] | dict[str, Annotated[int, Field(ge=1, le=100)]] = Field(min_length=1)
    """Contact types served, as a list (all priority 1) or ``{type: priority}`` (1 first)."""
    training: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 1.0
    """Training level: handle time is divided by it, resolution probability multiplied (capped at 1)."""
    wage: NonNeg = 0.0
    """Regular pay per agent-hour (money)."""
    overtime_wage: NonNeg | None = None
    """Pay per agent-hour for agents added by ``staff`` effects (default 1.5 × wage)."""
    shrinkage: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.0
    """Share of paid time not available for contacts (breaks, training, sickness)."""

    @model_validator(mode="after")
    def _check(self) -> Pool:
        if (self.size is None) == (self.shifts is None):
            raise ValueError("give exactly one of size or shifts")
        return self

    @property
    def skill_priority(self) -> dict[str, int]:
        """Contact type → priority (1 served first)."""
        if isinstance(self.skills, dict):
            return dict(self.skills)
        return {s: 1 for s in self.skills}

    @property
    def overtime_rate(self) -> float:
        return self.overtime_wage if self.overtime_wage is not None else 1.5 * self.wage


class Reputation(Part):
    """Reputation R on 0–100, kept in a believable band.

    Defaults: a mid-high start (70) that relaxes back with a 6-hour half-life (κ = ln 2 / 6h).
    Each abandonment costs 0.005 points and each SLA breach 0.01, so a crisis hour with 1,500
    abandoned calls costs about 7 points. An unanswered negative post hurts while people see it:
    its visibility halves every ``excitation_half_life`` of its channel (the same clock that makes
    it breed replies), so it costs ``post_hit`` points per hour while fresh and
    ``post_hit × half_life / ln 2`` in all if never answered (0.048 points at a 40-minute
    half-life); answering it soon saves most of that. Each resolved contact earns 0.0005, so a
    normal day keeps R near its baseline.

    Gains (statements, resolutions, goodwill, positive ``reputation`` effects) have diminishing
    returns: a gain of δ moves R to ``min(R + δ, C − (C − R)·e^(−δ / gain_scale))`` with the
    ceiling ``C = min(100, baseline + headroom)``, so far below the ceiling a gain counts in full,
    within ``gain_scale`` points of it less and less, and R never passes C. A statement answering
    an inject that was already answered counts ``statement_repeat`` times the previous one.
    Example (defaults, baseline 74, C = 77): a +8 statement at R = 60 lifts R to 68 (full); the
    same at R = 70 to 73.9, and a second one right after (worth 4) to 74.9."""

    initial: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 70.0
    """Reputation at the start."""
    baseline: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    """Level it relaxes toward (default: initial)."""
    recovery_half_life: Duration = Field(360.0, gt=0)
    """Half-life of the relaxation toward baseline (κ = ln 2 / half-life): a news cycle fades within the day."""
    abandon_hit: NonNeg = 0.005
    """Points lost per abandoned contact (× severity): 1,500 abandoned calls in a crisis hour cost about 7 points."""
    breach_hit: NonNeg = 0.01
    """Points lost per SLA breach (× severity): a written complaint left unanswered hurts twice a dropped call."""
    post_hit: NonNeg = 0.05
    """Points lost per hour per visible unanswered negative post (visibility halves every
    ``excitation_half_life``): a hundred fresh angry posts left for an hour cost about 3 points
    (40-minute half-life)."""
    resolution_gain: NonNeg = 0.0005
    """Points gained per resolved contact (× severity): about what a normal day's abandonments cost."""
    arrival_feedback: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 1.0
    """Word of mouth: arrivals scale by 1 + arrival_feedback × (baseline − R) / 100 (floored at 0); 0 disables."""
    headroom: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 3.0
    """How far above its baseline good news can lift R: a crisis handled well restores trust but
    rarely leaves a firm better thought of than before (3 points)."""
    gain_scale: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 10.0
    """Within this many points of the ceiling, gains shrink: each point of gain closes 1/gain_scale
    of the remaining headroom."""
    statement_repeat: Share = 0.5
    """Each further statement answering the same inject counts this share of the previous one
    (audiences discount repetition): 8, then 4, then 2 points."""

    @property
    def base(self) -> float:
        return self.initial if self.baseline is None else self.baseline


class Inject(Part):
    """A crisis event at a time or on a condition."""

    id: Ident
    """Identifier (statements answer it by this)."""
    title: LocalText200 = ""
    """Headline for the feed."""
    text: LocalText5000 = ""
    """Details for the feed and debrief."""
    at: TimeOrRandom | None = None
    """Fire at this time, or at a random time such as ``{dist: uniform, low: 2h, high: 8h}`` (drawn once
    per run from the inject's own stream, the same in every decision branch of a seed; a time at or
    after the end means it does not happen in this run)."""
    when: str | None = Field(None, max_length=2000)
    """Fire when this condition holds, e.g. ``queue.defect > 40 and reputation < 60``. With neither
    ``at`` nor ``when``, it fires only when an incident names it in ``fires``."""
    probability: Share = 1.0
    """Chance that it happens at all in a run, drawn once per run from its own stream (the same in every
    decision branch of a seed), so a card's best answer can depend on what the trainee sees; default 1."""
    every: Duration | None = Field(None, gt=0)
    """Fire again at most this often while the condition holds (or at this period after ``at``)."""
    limit: int | None = Field(None, ge=1, le=100_000)
    """Maximum number of firings (default 1, unbounded with ``every``)."""
    effects: list[Effect] = Field(default_factory=list, max_length=100)
    """What happens when it fires."""

    @model_validator(mode="after")
    def _check(self) -> Inject:
        if self.at is not None and self.when is not None:
            raise ValueError("give at most one of at or when")
        return self


class Option(Part):
    """One choice on a decision card."""

    id: Ident
    """Identifier."""
    label: LocalText200
    """Text on the button. A money figure in it ("60 CNY", "每位60元") must be what the option
    costs or pays (its `cost` or an effect's `amount`, `offer`, `unit_cost` or `cost_per_call`):
    `validate` warns of any other."""
    cost: Money = 0.0
    """Money paid when chosen."""
    delay: Duration = 0.0
    """Time before its effects start."""
    duration: Duration | None = None
    """How long its effects last (effects may override); default to the end."""
    effects: list[Effect] = Field(default_factory=list, max_length=100)
    """What it does."""
    debrief: LocalText5000 = ""
    """Explanation shown in the debrief."""
    post: LocalText1000 = ""
    """What the company posts publicly when it takes effect (shown in the social feed)."""


class DecisionCard(Part):
    """A decision put to the trainee at a time or on a condition."""

    id: Ident
    """Identifier."""
    title: LocalText200
    """Card title."""
    prompt: LocalText5000 = ""
    """The situation and question. A money figure in it (or in the title) must be what one of the
    options costs or pays: `validate` warns of any other, at its place in the file (a figure meant as
    context, such as a loss already suffered, may stay, warned of)."""
    at: Duration | None = None
    """Show at this time."""
    when: str | None = Field(None, max_length=2000)
    """Show when this condition first holds."""
    deadline: Duration = Field(15.0, gt=0)
    """Time to decide before the default is taken."""
    default: Ident
    """Option taken if the deadline passes."""
    options: list[Option] = Field(min_length=2, max_length=5)
    """Two to five options."""

    @model_validator(mode="after")
    def _check(self) -> DecisionCard:
        if (self.at is None) == (self.when is None):
            raise ValueError("give exactly one of at or when")
        return self


class Action(Part):
    """An always-available move (call in overtime, open a FAQ, post an update)."""

    id: Ident
    """Identifier."""
    label: LocalText200
    """Text on the button."""
    description: LocalText5000 = ""
    """What it does, for the trainee."""
    post: LocalText1000 = ""
    """What the company posts publicly when it takes effect (shown in the social feed)."""
    cost: Money = 0.0
    """Money paid each time it is used."""
    delay: Duration = 0.0
    """Time before its effects start."""
    duration: Duration | None = None
    """How long its effects last; default to the end."""
    cooldown: Duration = 0.0
    """Time before it can be used again."""
    limit: int | None = Field(None, ge=1, le=100_000)
    """Maximum number of uses."""
    effects: list[Effect] = Field(default_factory=list, max_length=100)
    """What it does."""


class ServiceLevel(Part):
    """Service-level target: ``target`` share answered within ``threshold``."""

    target: Share = 0.8
    """Share of contacts to answer within the threshold."""
    threshold: Duration = 1 / 3
    """Answer-time threshold (default 20s)."""


class Scoring(Part):
    """What the debrief scores against."""

    service_level: ServiceLevel = Field(default_factory=ServiceLevel)
    """Service-level target (sync channels)."""
    reputation_floor: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 50.0
    """Reputation below this is a failure."""
    loss_budget: Money | None = None
    """Total loss the trainee should stay under."""
    debrief_reps: Annotated[int, Field(ge=2, le=1000)] = 30
    """Replications the game's debrief re-runs each alternative of each decision over (common random
    numbers: the same days for every alternative and for the trainee's own choices), for its 95% intervals."""


class Scenario(Part):
    """A complete training case."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, title="crisissim scenario")

    include: list[str] | str | None = None
    """Other YAML files merged under this one (paths relative to this file)."""
    meta: Meta
    """Identity and clock."""
    customers: Customers = Field(default_factory=Customers)
    """Customer base and value."""
    channels: dict[Ident, Channel] = Field(min_length=1, max_length=100)
    """Channels by name."""
    contact_types: dict[Ident, ContactType] = Field(min_length=1, max_length=200)
    """Contact types by name."""
    pools: dict[Ident, Pool] = Field(default_factory=dict, max_length=200)
    """Staff pools by name."""
    exposures: dict[Ident, Exposure] = Field(default_factory=dict, max_length=100)
    """Units at risk and the costly incidents they breed, by name."""
    monitoring: Monitoring = Field(default_factory=Monitoring)
    """Early-warning alarms on arrival rates."""
    reputation: Reputation = Field(default_factory=Reputation)
    """Reputation model coefficients."""
    churn: Churn = Field(default_factory=Churn)
    """Churn model coefficients."""
    recovery: Recovery = Field(default_factory=Recovery)
    """What compensation and retention outreach do (service recovery)."""
    injects: list[Inject] = Field(default_factory=list, max_length=1000)
    """Crisis events."""
    decisions: list[DecisionCard] = Field(default_factory=list, max_length=1000)
    """Decision cards."""
    actions: list[Action] = Field(default_factory=list, max_length=200)
    """Always-available actions."""
    scoring: Scoring = Field(default_factory=Scoring)
    """Debrief targets."""
    expert: PolicySpec | None = None
    """The reference policy the game grades against and option lessons answer other cards with:
    ``default``, ``first``, ``random`` or ``scripted:FILE.yaml`` inside the scenario's folder."""
    lessons: list[Lesson] = Field(default_factory=list, max_length=100)
    """What the scenario teaches, as claims ``crisissim lessons`` checks (see Lesson)."""
