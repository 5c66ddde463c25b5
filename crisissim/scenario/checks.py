"""Cross-reference checks on a validated scenario: names that must exist, ids that must be
unique, times inside the run, conditions that parse. Every problem is returned, each at
its YAML position; a contact type no pool serves is a warning, not an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as _field
from pathlib import Path
from typing import Any

from crisissim.scenario.condition import ConditionError, Names, parse_condition
from crisissim.scenario.effects import unknown as _unknown
from crisissim.scenario.errors import Problem, _locate, format_path
from crisissim.scenario.schema import Scenario
from crisissim.scenario.yamlio import Node

_SHARE_TOLERANCE = 1e-6  # segment shares must add up to 1 within this


@dataclass(frozen=True)
class Known:
    """Names that exist in the scenario as written (which may be more than survived validation)."""

    types: frozenset
    channels: frozenset
    pools: frozenset
    injects: frozenset
    options: dict  # decision index (as located) -> option ids, or None when unknown
    exposures: dict = _field(default_factory=dict)  # exposure -> its incident kinds (effects check against it)
    fires: frozenset = frozenset()  # injects named by an incident's fires
    untimed: frozenset = frozenset()  # injects written with neither at nor when
    cards: dict = _field(default_factory=dict)  # card id -> option ids (as written)
    segments: frozenset = frozenset()  # customer segments

    @property
    def all_fires_known(self) -> bool:
        return self.fires <= self.injects

    @classmethod
    def of(cls, sc: Scenario) -> Known:
        return cls(frozenset(sc.contact_types), frozenset(sc.channels), frozenset(sc.pools),
                   frozenset(i.id for i in sc.injects), {},
                   {n: frozenset(e.incidents) for n, e in sc.exposures.items()},
                   frozenset(i.fires for e in sc.exposures.values() for i in e.incidents.values() if i.fires),
                   frozenset(i.id for i in sc.injects if i.at is None and i.when is None),
                   {c.id: frozenset(o.id for o in c.options) for c in sc.decisions},
                   frozenset(sc.customers.segments))

    @classmethod
    def raw(cls, data: Any) -> Known:
        """Names from the plain data, whatever else is wrong with it."""
        def keys(part):
            v = data.get(part) if isinstance(data, dict) else None
            return frozenset(k for k in v if isinstance(k, str)) if isinstance(v, dict) else frozenset()

        def ids(part):
            v = data.get(part) if isinstance(data, dict) else None
            items = v if isinstance(v, list) else []
            return [x.get("id") if isinstance(x, dict) else None for x in items]

        options: dict[int, frozenset] = {}
        by_id: dict[str, frozenset] = {}
        cards = data.get("decisions") if isinstance(data, dict) else None
        for i, card in enumerate(cards if isinstance(cards, list) else []):
            opts = card.get("options") if isinstance(card, dict) else None
            if isinstance(opts, list):
                options[i] = frozenset(o.get("id") for o in opts if isinstance(o, dict) and isinstance(o.get("id"), str))
                if isinstance(card.get("id"), str):
                    by_id.setdefault(card["id"], options[i])
        customers = data.get("customers") if isinstance(data, dict) else None
        segments = customers.get("segments") if isinstance(customers, dict) else None
        segments = frozenset(k for k in segments if isinstance(k, str)) if isinstance(segments, dict) else frozenset()
        exposures, fires = {}, set()
        raw = data.get("exposures") if isinstance(data, dict) else None
        for name, e in (raw.items() if isinstance(raw, dict) else ()):
            kinds = e.get("incidents") if isinstance(e, dict) else None
            kinds = kinds if isinstance(kinds, dict) else {}
            if isinstance(name, str):
                exposures[name] = frozenset(k for k in kinds if isinstance(k, str))
            fires |= {i.get("fires") for i in kinds.values() if isinstance(i, dict) and isinstance(i.get("fires"), str)}
        injects = data.get("injects") if isinstance(data, dict) else None
        untimed = frozenset(x["id"] for x in (injects if isinstance(injects, list) else [])
                            if isinstance(x, dict) and isinstance(x.get("id"), str) and "at" not in x and "when" not in x)
        return cls(keys("contact_types"), keys("channels"), keys("pools"),
                   frozenset(x for x in ids("injects") if isinstance(x, str)), options, exposures, frozenset(fires),
                   untimed, by_id, segments)


class _Report:
    def __init__(self, root: Node, to_original: Callable[[tuple], tuple] | None = None):
        self.root = root
        self.problems: list[Problem] = []
        self.to_original = to_original or (lambda loc: loc)

    def add(self, loc: tuple, message: str, severity: str = "error", key: bool = False) -> Node:
        """Record a problem at ``loc`` (at the key itself with ``key=True``)."""
        loc = self.to_original(loc)
        node, path, _ = _locate(self.root, loc)
        if key and loc and len(path) == len(loc):
            parent, _, _ = _locate(self.root, loc[:-1])
            node = parent.keys.get(loc[-1], node) if parent.kind == "map" else node
        self.problems.append(Problem(node.file, node.line, node.col, format_path(loc), message, severity))
        return node


def check_scenario(sc: Scenario, root: Node, known: Known | None = None,
                   to_original: Callable[[tuple], tuple] | None = None) -> tuple[list[Problem], list[Problem]]:
    """Return (errors, warnings) of ``sc``, loaded from the Node tree ``root``.

    For a scenario cut down to what validated (see :mod:`crisissim.scenario.prune`), ``known``
    gives the names as written and ``to_original`` maps locations back to the file.
    """
    r = _Report(root, to_original)
    k = known or Known.of(sc)
    _channels_and_skills(sc, r, k)
    _segments(sc, r, k)
    _effects(sc, r, k)
    _ids(sc, r, k, to_original)
    _times(sc, r)
    _conditions(sc, r, k)
    _lessons(sc, r, k)
    _social(sc, r)
    _steps(sc, r)
    _money(sc, r)
    from crisissim.scenario.exposure_checks import check_exposures  # it builds on this module's helpers

    check_exposures(sc, r, k)
    errors = [p for p in r.problems if p.severity == "error"]
    warnings = [p for p in r.problems if p.severity == "warning"]
    return errors, warnings


def _money(sc: Scenario, r: _Report) -> None:
    """A money figure a trainee reads on a card or an action that no cost or amount backs is a
    warning (a figure may be context, such as a loss already suffered, so it is not an error)."""
    from crisissim.scenario.money import money_problems

    for loc, lang, message in money_problems(sc):
        in_file = r.to_original(loc)
        _, path, _ = _locate(r.root, in_file + (lang,))
        if lang and len(path) == len(in_file) + 1:  # the text is written per language: point at this one
            loc = loc + (lang,)
        r.add(loc, message, severity="warning")


def _channels_and_skills(sc: Scenario, r: _Report, k: Known) -> None:
    for name, ct in sc.contact_types.items():
        if ct.channel not in k.channels:
            r.add(("contact_types", name, "channel"), _unknown("channel", ct.channel, k.channels))
    served: set[str] = set()
    for pname, pool in sc.pools.items():
        for i, skill in enumerate(pool.skill_priority):
            loc = ("pools", pname, "skills", skill if isinstance(pool.skills, dict) else i)
            if skill not in k.types:
                r.add(loc, _unknown("contact type", skill, k.types), key=isinstance(pool.skills, dict))
            served.add(skill)
    for name in sc.contact_types:
        if name not in served:
            r.add(("contact_types", name), f"no pool has the skill '{name}'; these contacts will never be answered",
                  severity="warning", key=True)


def _segments(sc: Scenario, r: _Report, k: Known) -> None:
    """Segment shares add up to the whole base; contact mixes name contact types and leave every
    contact type with some segment to come from."""
    segments = sc.customers.segments
    if not segments:
        return
    total = sum(s.share for s in segments.values())
    if abs(total - 1.0) > _SHARE_TOLERANCE:
        listed = " + ".join(f"{s.share:g}" for s in segments.values())
        r.add(("customers", "segments"), f"segment shares add up to {total:.6g} ({listed}), not the whole base "
              "(expected shares that add up to 1)", key=True)
    for name, seg in segments.items():
        if isinstance(seg.contacts, dict):
            for t in seg.contacts:
                if t not in k.types:
                    r.add(("customers", "segments", name, "contacts", t), _unknown("contact type", t, k.types), key=True)
    for t in sc.contact_types:
        if all(_contact_weight(seg, t) * seg.share == 0 for seg in segments.values()):
            r.add(("customers", "segments"), f"no segment makes '{t}' contacts: every segment's contact weight "
                  f"for it is 0 (expected at least one segment with contacts > 0 for '{t}')", key=True)


def _contact_weight(seg, contact_type: str) -> float:
    c = seg.contacts
    return c.get(contact_type, 1.0) if isinstance(c, dict) else c


def _social(sc: Scenario, r: _Report) -> None:
    """Refuse an explosive social channel: a negative post that breeds one or more negative posts on
    average (branching ratio excitation × half-life / ln 2 × negative share ≥ 1) grows without end."""
    import math

    for name, ch in sc.channels.items():
        if ch.kind != "social":
            continue
        ratio = ch.excitation / 60.0 * ch.excitation_half_life / math.log(2)
        share = max((ct.negative_share for ct in sc.contact_types.values() if ct.channel == name), default=0.0)
        if share > 0 and ratio * share >= 1.0:
            bound = 60 * math.log(2) / ch.excitation_half_life / share
            r.add(
                ("channels", name, "excitation"),
                f"explosive self-excitation: each unanswered negative post breeds {ratio:.2f} posts, "
                f"{ratio * share:.2f} of them negative, so posts grow without bound (expected a branching ratio "
                f"excitation × excitation_half_life / ln 2 × negative_share < 1, i.e. excitation < {bound:.2f} per hour)",
            )
    for name, ct in sc.contact_types.items():
        feed_ch = sc.channels.get(ct.channel)
        if ct.feed is not None and feed_ch is not None and feed_ch.kind != "social":
            r.add(("contact_types", name, "feed"), f"feed templates apply to social contact types only "
                  f"(channel '{ct.channel}' is {feed_ch.kind})", key=True)


MAX_STEPS = 1_000_000
"""Most firings of a repeating inject, or profile steps of an arrival profile, in one run."""


def _steps(sc: Scenario, r: _Report) -> None:
    """A repeat (``every``) or profile step so small that the run would do nothing else."""
    from crisissim.scenario.units import format_duration

    end = sc.meta.duration
    least = format_duration(end / MAX_STEPS)
    for i, inj in enumerate(sc.injects):
        if inj.every is not None and inj.limit is None and end / inj.every > MAX_STEPS:
            r.add(("injects", i, "every"), f"too small for this run: it would fire up to {end / inj.every:,.0f} times "
                                           f"(at most {MAX_STEPS:,}; expected at least {least} or a limit)")
    for name, ct in sc.contact_types.items():
        arr = ct.arrival
        if arr.profile is not None and len(arr.profile) > 1 and end / arr.profile_step > MAX_STEPS:
            r.add(("contact_types", name, "arrival", "profile_step"),
                  f"too small for this run: {end / arr.profile_step:,.0f} profile steps (at most {MAX_STEPS:,}; "
                  f"expected at least {least})")


def _all_effects(sc: Scenario) -> Iterator[tuple[tuple, object]]:
    for i, inj in enumerate(sc.injects):
        for j, eff in enumerate(inj.effects):
            yield ("injects", i, "effects", j), eff
    for i, card in enumerate(sc.decisions):
        for k, opt in enumerate(card.options):
            for j, eff in enumerate(opt.effects):
                yield ("decisions", i, "options", k, "effects", j), eff
    for i, act in enumerate(sc.actions):
        for j, eff in enumerate(act.effects):
            yield ("actions", i, "effects", j), eff


def _effects(sc: Scenario, r: _Report, k: Known) -> None:
    """Each effect checks the names it refers to (see its kind's module in ``scenario/effects/``)."""
    for loc, eff in _all_effects(sc):
        for field, message in eff.check(k):  # type: ignore[attr-defined]
            r.add(loc + (field,), message)


def _ids(sc: Scenario, r: _Report, known: Known, to_original: Callable[[tuple], tuple] | None) -> None:
    seen: dict[str, str] = {}
    items = [("injects", i, x.id) for i, x in enumerate(sc.injects)]
    items += [("decisions", i, x.id) for i, x in enumerate(sc.decisions)]
    items += [("actions", i, x.id) for i, x in enumerate(sc.actions)]
    for part, i, ident in items:
        where = format_path((part, i))
        if ident in seen:
            r.add((part, i, "id"), f"duplicate id '{ident}' (already used by {seen[ident]})")
        else:
            seen[ident] = where
    for i, card in enumerate(sc.decisions):
        options: dict[str, int] = {}
        for k, opt in enumerate(card.options):
            if opt.id in options:
                r.add(("decisions", i, "options", k, "id"),
                      f"duplicate option id '{opt.id}' (already used by options[{options[opt.id]}])")
            options.setdefault(opt.id, k)
        written = options
        if to_original is not None:  # options as written, some of which may have been cut out
            orig = to_original(("decisions", i))[1]
            written = known.options.get(orig, options)
        if card.default not in written:
            r.add(("decisions", i, "default"), _unknown("option", card.default, written))


def _times(sc: Scenario, r: _Report) -> None:
    end = sc.meta.duration
    from crisissim.scenario.units import format_duration

    shown = format_duration(end)
    x: Any
    for part, items in (("injects", sc.injects), ("decisions", sc.decisions)):
        for i, x in enumerate(items):
            if isinstance(x.at, float) and x.at >= end:  # a random time may fall after the end
                r.add((part, i, "at"), f"after the end of the run (expected before {shown}, got {format_duration(x.at)})")
    for pname, pool in sc.pools.items():
        for i, shift in enumerate(pool.shifts or []):
            if shift.start >= end:
                r.add(("pools", pname, "shifts", i, "start"),
                      f"after the end of the run (expected before {shown}, got {format_duration(shift.start)})")
            if shift.end > end:
                r.add(("pools", pname, "shifts", i, "end"),
                      f"after the end of the run (expected at most {shown}, got {format_duration(shift.end)})")


def _conditions(sc: Scenario, r: _Report, k: Known) -> None:
    names = Names(k.types, k.pools, k.injects, frozenset(k.exposures), frozenset().union(*k.exposures.values()))
    x: Any
    for part, items in (("injects", sc.injects), ("decisions", sc.decisions)):
        for i, x in enumerate(items):
            if x.when is None:
                continue
            try:
                parse_condition(x.when, names)
            except ConditionError as e:
                loc = (part, i, "when")
                node = r.add(loc, f"bad condition: {e}")
                line, col = condition_position(node, x.when, e.offset)
                r.problems[-1] = Problem(node.file, line, col, format_path(loc), f"bad condition: {e}")


def _lessons(sc: Scenario, r: _Report, k: Known) -> None:
    """Lessons and ``expert`` name cards, options, policies, metrics and conditions that exist."""
    from crisissim.scenario.lessons import METRICS, check_policy, missing_policy

    source = Path(r.root.file)
    base = source.parent if source.is_file() else None

    def policy(loc: tuple, spec: str) -> None:
        if why := check_policy(spec, base):
            r.add(loc, why)
        elif why := missing_policy(spec, base):
            r.add(loc, why, severity="warning")

    if sc.expert is not None:
        policy(("expert",), sc.expert)
    names = Names(k.types, k.pools, k.injects)
    seen: dict[str, int] = {}
    branches: dict[str, list[int]] = {}
    for i, lesson in enumerate(sc.lessons):
        loc = ("lessons", i)
        if lesson.id in seen:
            r.add(loc + ("id",), f"duplicate lesson id '{lesson.id}' (already used by lessons[{seen[lesson.id]}])")
        seen.setdefault(lesson.id, i)
        if lesson.card is not None:
            if lesson.card not in k.cards:
                r.add(loc + ("card",), _unknown("card", lesson.card, k.cards))
            else:
                options = k.cards[lesson.card]
                for name in ("option", "than"):
                    value = getattr(lesson, name)
                    if value not in options:
                        msg = _unknown("option", value, options)
                        r.add(loc + (name,), msg.replace(f"'{value}'", f"'{value}' on card '{lesson.card}'", 1))
                if lesson.given is not None:
                    branches.setdefault(lesson.card, []).append(i)
            if lesson.others is not None:
                policy(loc + ("others",), lesson.others)
        else:
            for name in ("policy", "than"):
                policy(loc + (name,), getattr(lesson, name))
        if lesson.metric not in METRICS:
            r.add(loc + ("metric",), _unknown("metric", lesson.metric, METRICS))
        elif lesson.better is None and METRICS[lesson.metric] is None:
            r.add(loc + ("metric",), f"'{lesson.metric}' has no better direction of its own "
                                     "(expected better: lower or better: higher beside it)")
        if lesson.given is not None:
            try:
                parse_condition(lesson.given, names)
            except ConditionError as e:
                node = r.add(loc + ("given",), f"bad condition: {e}")
                line, col = condition_position(node, lesson.given, e.offset)
                r.problems[-1] = Problem(node.file, line, col, format_path(loc + ("given",)), f"bad condition: {e}")
    for card, idx in branches.items():
        if len({sc.lessons[i].given.strip() for i in idx}) < 2:  # type: ignore[union-attr]
            for i in idx:
                r.add(("lessons", i, "given"),
                      f"only one branch of card '{card}' is shown; add a lesson for the other branch "
                      f"(e.g. given: not ({sc.lessons[i].given})) so no option looks always right",
                      severity="warning")


def condition_position(node: Node, text: str, offset: int) -> tuple[int, int]:
    """Line and column of character ``offset`` of a string scalar (exact for one-line scalars,
    the scalar's start otherwise)."""
    offset = max(0, min(offset, len(text)))
    if node.style in (None, "", '"', "'") and "\n" not in text:
        escaped = text[:offset].count("'") if node.style == "'" else 0
        return node.line, node.col + offset + escaped + (1 if node.style in ('"', "'") else 0)
    return node.line, node.col
