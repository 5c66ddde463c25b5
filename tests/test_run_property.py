"""Property: whatever scenario ``validate`` accepts, ``run`` finishes with a result or one line, never a traceback.

Scenarios are drawn over the whole format: every channel kind, every distribution with extreme
parameters, arrival rates from nothing to 10^12 an hour, profiles, surges, self-excitation,
repeat and redial loops, shifts, conditional and repeating injects, every effect primitive in
injects, cards and actions, churn and reputation coefficients at their bounds. A drawn scenario
that ``validate`` refuses is skipped; one it accepts goes through ``crisissim run`` in this process
with a small work limit, so every run is short: it must exit 0 with a summary, or 1 with exactly
one line on stderr.

The default suite runs a fixed (derandomized) sample; the ``slow`` run (``bash scripts/test.sh -m
slow``, part of ``.ci/run``) a longer one (both derandomized, so a run of the suite never depends on luck).
"""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crisissim.cli import main
from crisissim.scenario import validate_text

TYPES = ["a", "b", "c"]
CHANNELS = ["ch1", "ch2", "ch3"]
POOLS = ["p1", "p2"]
INJECTS = ["i1", "i2", "i3"]

small = st.floats(min_value=0, max_value=1e3, allow_nan=False)
minutes = st.one_of(st.sampled_from([0, 1e-9, 1e-3, 0.5, 1, 5, 30, 240, 1e4]), small)
positive = st.one_of(st.sampled_from([1e-9, 1e-3, 0.5, 1, 5, 30, 240, 1e6]), st.floats(1e-6, 1e3))
huge = st.sampled_from([0, 1e-6, 1, 10, 100, 1e3, 1e3, 1e4, 1e6, 1e9, 1e12])


def rare(common, extreme):
    """Mostly ``common`` values, now and then an ``extreme`` one."""
    return st.sampled_from(list(common) * 4 + list(extreme))


def dist(draw, allow_zero: bool = True):
    kind = draw(st.sampled_from(["exponential", "lognormal", "gamma", "weibull", "uniform", "fixed", "empirical"]))
    if kind == "weibull":
        return {"dist": kind, "shape": draw(rare([0.05, 0.5, 1, 3, 100], [1e-3, 1e3])),
                "scale": draw(rare([1e-3, 1, 5, 240], [0, 1e200]))}
    if kind == "exponential":
        return {"dist": kind, "mean": draw(positive)}
    if kind == "lognormal":
        if draw(st.booleans()):
            return {"dist": kind, "mean": draw(positive), "cv": draw(rare([1e-3, 0.5, 3, 100], [1e-300, 1e300]))}
        return {"dist": kind, "mu": draw(rare([-30, 0, 2, 30], [-50, 40])),
                "sigma": draw(rare([1e-9, 0.5, 3, 10], [1e3]))}
    if kind == "gamma":
        if draw(st.booleans()):
            return {"dist": kind, "mean": draw(positive), "cv": draw(rare([1e-3, 0.5, 3, 100], [1e-300]))}
        return {"dist": kind, "shape": draw(rare([1e-4, 0.5, 2, 1e6], [1e-300, 1e300])),
                "scale": draw(positive)}
    if kind == "uniform":
        low = draw(minutes)
        return {"dist": kind, "low": low, "high": low + draw(minutes)}
    if kind == "fixed":
        return {"dist": kind, "value": draw(minutes if allow_zero else positive)}
    values = draw(st.lists(minutes, min_size=1, max_size=4))
    return {"dist": kind, "values": values}


def effect(draw, names):
    types, channels, pools, injects, exposures = names
    kinds = ["cost", "reputation", "rate", "surge", "ramp", "compensation", "deflect", "amplification",
             "handle_time", "resolution", "outage", "fine"] + (["staff"] if pools else []) + \
        (["statement"] if injects else []) + (["expose", "retrieve", "hazard", "inflow"] if exposures else [])
    kind = draw(st.sampled_from(kinds))
    target = draw(st.sampled_from([None, *types, *channels]))
    e: dict = {"effect": kind}
    if kind == "cost":
        e["amount"] = draw(st.sampled_from([0, 1, 1e15]))
    elif kind == "reputation":
        e["delta"] = draw(st.sampled_from([-100, -10, 5, 100]))
    elif kind == "rate":
        e.update(factor=draw(st.sampled_from([0, 0.5, 2, 1000])), target=target)
    elif kind == "surge":
        e.update(peak=draw(st.sampled_from([0, 1, 10, 1000])), half_life=draw(positive), target=target)
    elif kind == "ramp":
        e.update(peak=draw(st.sampled_from([0, 1, 10, 1000])), over=draw(positive), target=target)
    elif kind == "fine":
        e["amount"] = draw(st.sampled_from([0, 1e6, 1e15]))
    elif kind == "expose":
        e.update(exposure=draw(st.sampled_from(exposures)), units=draw(st.sampled_from([0, 10, 10**6, 10**10])),
                 rate=draw(st.sampled_from([0, 5, 1e9])), per=draw(st.sampled_from(["minute", "hour", "day"])))
    elif kind == "retrieve":
        e.update(exposure=draw(st.sampled_from(exposures)), half_life=draw(positive))
    elif kind == "hazard":
        e.update(exposure=draw(st.sampled_from(exposures)), factor=draw(st.sampled_from([0, 0.5, 1000])))
    elif kind == "inflow":
        e.update(exposure=draw(st.sampled_from(exposures)), factor=draw(st.sampled_from([0, 2, 1000])))
    elif kind == "staff":
        e.update(pool=draw(st.sampled_from(pools)), add=draw(st.sampled_from([-10000, -3, 5, 10000])))
    elif kind == "compensation":
        e.update(amount=draw(st.sampled_from([0, 50, 1e15])), target=target)
    elif kind == "deflect":
        e.update(share=draw(st.sampled_from([0, 0.3, 1])), target=target)
    elif kind == "amplification":
        e["factor"] = draw(st.sampled_from([0, 0.5, 3, 1000]))
    elif kind == "handle_time":
        e.update(factor=draw(st.sampled_from([1e-9, 0.5, 100])), target=draw(st.sampled_from([None, *types, *pools])))
    elif kind == "resolution":
        e.update(delta=draw(st.sampled_from([-1, -0.3, 0.5, 1])), target=target)
    elif kind == "statement":
        e.update(answers=draw(st.sampled_from(injects)), reputation=draw(st.sampled_from([-100, 8, 100])),
                 transparency=draw(st.sampled_from([0, 0.5, 1])))
    else:
        e["channel"] = draw(st.sampled_from(channels))
    if kind not in ("cost", "reputation", "surge", "fine") and draw(st.booleans()):
        e["duration"] = draw(minutes)
    return e


CONDITIONS = ["time > 30", "queue > 5", "reputation < 60", "abandon_rate > 0.1", "posts > 3 or loss > 1000",
              "not (service_level > 0.8)", "arrived.a / 2 > 10 - 1", "time > 1e5m", "true", "arrived > 0"]


def condition(draw, names):
    _, _, pools, injects, _ = names
    extra = [f"fired.{i} >= 1" for i in injects] + [f"occupancy.{p} > 0.9" for p in pools]
    return draw(st.sampled_from(CONDITIONS + extra))


@st.composite
def scenarios(draw):
    duration = draw(rare([1, 10, 60, 480, 1440], [4320, 527040]))
    meta = {"id": "prop", "title": draw(st.sampled_from(["t", "\x1b[2J\x1b]0;x\x07evil", "电水壶"])),
            "duration": duration, "seed": draw(st.integers(0, 2**63 - 1))}
    if draw(st.booleans()):
        meta["sample_every"] = draw(rare([0.01, 0.5, 1, 15, 60], [1e-6]))
    if draw(st.booleans()):
        meta["interval"] = draw(rare([1, 15, 60, 1e5], [1e-6]))
    if draw(st.booleans()):
        meta["warmup"] = duration * draw(st.sampled_from([0, 0.5, 0.99]))
    channels = {}
    for name in CHANNELS[: draw(st.integers(1, 3))]:
        kind = draw(st.sampled_from(["sync", "async", "social"]))
        ch: dict = {"kind": kind}
        if kind == "sync" and draw(st.booleans()):
            ch["patience"] = dist(draw)
        if kind != "sync":
            ch["sla"] = draw(positive)
        if kind == "social":
            ch["excitation"] = draw(rare([0, 0.2, 0.5, 1], [1.4, 3, 1e12]))
            ch["excitation_half_life"] = draw(rare([1, 10, 30, 60], [1e-9, 1e6]))
        channels[name] = ch
    types = {}
    for name in TYPES[: draw(st.integers(1, 3))]:
        arrival: dict = {"rate": draw(huge), "per": draw(st.sampled_from(["minute", "hour", "day"]))}
        if draw(st.booleans()):
            arrival["profile"] = draw(st.lists(st.sampled_from([0, 0.5, 1, 3, 1000]), min_size=1, max_size=5))
            arrival["profile_step"] = draw(rare([0.5, 1, 5, 30, 240], [1e-9, 1e-3]))
        ct: dict = {"channel": draw(st.sampled_from(list(channels))), "arrival": arrival, "handle_time": dist(draw),
                    "first_contact_resolution": draw(st.sampled_from([0, 0.5, 0.8, 1]))}
        if draw(st.booleans()):
            ct["repeat_delay"] = dist(draw)
        if draw(st.booleans()):
            ct["retry"] = draw(st.sampled_from([0, 0.5, 1]))
            if draw(st.booleans()):
                ct["retry_delay"] = dist(draw)
        if draw(st.booleans()):
            ct["negative_share"] = draw(st.sampled_from([0, 0.7, 1]))
        types[name] = ct
    pools = {}
    for name in POOLS[: draw(st.integers(0, 2))]:
        skills = draw(st.lists(st.sampled_from(list(types)), min_size=1, max_size=3, unique=True))
        pool: dict = {"skills": skills, "training": draw(st.sampled_from([1e-3, 0.5, 1, 10]))}
        if draw(st.booleans()):
            pool["size"] = draw(st.sampled_from([0, 1, 5, 50, 100000]))
        else:
            start = draw(st.floats(0, duration * 0.9))
            pool["shifts"] = [{"start": start, "end": min(duration, start + draw(positive)),
                               "size": draw(st.sampled_from([0, 3, 100]))}]
        pools[name] = pool
    data: dict = {"meta": meta, "channels": channels, "contact_types": types, "pools": pools}
    inject_names = INJECTS[: draw(st.integers(0, 3))]
    exposures = {}
    for name in ["e1", "e2"][: draw(rare([0], [1, 2]))]:
        ex: dict = {"units": draw(st.sampled_from([0, 100, 10**6, 10**10])), "incidents": {
            "hurt": {"hazard": draw(st.sampled_from([0, 1e-4, 1, 1000])), "per": draw(st.sampled_from(["minute", "day"])),
                     "cost": {"dist": "fixed", "value": draw(st.sampled_from([0, 100, 1e12]))},
                     "reputation": draw(st.sampled_from([0, -1, -100]))}}}
        if inject_names and draw(st.booleans()):
            ex["incidents"]["hurt"]["fires"] = draw(st.sampled_from(inject_names))
        if draw(st.booleans()):
            ex["at"] = draw(st.floats(0, duration))
        exposures[name] = ex
    if exposures:
        data["exposures"] = exposures
    names = (list(types), list(channels), list(pools), inject_names, list(exposures))
    injects = []
    for name in inject_names:
        inj: dict = {"id": name}
        how = draw(st.sampled_from(["at", "at", "random", "when", "when"] + (["incident"] if exposures else [])))
        if how == "at":
            inj["at"] = draw(st.floats(0, duration * 1.1))
        elif how == "random":
            inj["at"] = {"dist": "uniform", "low": 0, "high": draw(st.floats(0, duration * 2))}
        elif how == "when":
            inj["when"] = condition(draw, names)
        if draw(st.booleans()):
            inj["probability"] = draw(st.sampled_from([0, 0.5, 1]))
        if draw(st.booleans()):
            inj["every"] = draw(rare([1, 10, 60], [1e-9, 1e-3]))
        if draw(st.booleans()):
            inj["limit"] = draw(st.sampled_from([1, 3, 100000]))
        inj["effects"] = [effect(draw, names) for _ in range(draw(st.integers(0, 3)))]
        injects.append(inj)
    if injects:
        data["injects"] = injects
    cards = []
    for k in range(draw(st.integers(0, 2))):
        options = [{"id": f"o{j}", "label": "x", "effects": [effect(draw, names) for _ in range(draw(st.integers(0, 2)))]}
                   for j in range(draw(st.integers(2, 3)))]
        card: dict = {"id": f"card{k}", "title": "c", "default": "o0", "options": options,
                      "deadline": draw(positive)}
        if draw(st.booleans()):
            card["at"] = draw(st.floats(0, duration))
        else:
            card["when"] = condition(draw, names)
        cards.append(card)
    if cards:
        data["decisions"] = cards
    if draw(st.booleans()):
        data["actions"] = [{"id": "act", "label": "a", "cooldown": draw(minutes),
                            "effects": [effect(draw, names) for _ in range(draw(st.integers(1, 2)))]}]
    if draw(st.booleans()):
        data["churn"] = {k: draw(st.sampled_from([-100, -3.6, 0, 100])) for k in ("b0", "wait", "abandon", "fix")}
    if draw(st.booleans()):
        data["reputation"] = {"initial": draw(st.sampled_from([0, 70, 100])),
                              "arrival_feedback": draw(st.sampled_from([0, 1, 10])),
                              "recovery_half_life": draw(positive)}
    return data


def check_run(data, tmp_path, capsys, policy: str) -> str:
    src = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    sc, errors, _ = validate_text(src)
    if sc is None:
        assert errors
        return "refused by validate"
    f = tmp_path / "s.yaml"
    f.write_text(src, encoding="utf-8")
    capsys.readouterr()
    code = main(["run", str(f), "--max-contacts", "3000", "--policy", policy])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    assert "\x1b" not in out.out + out.err
    if code == 0:
        assert "total loss" in out.out
        return "ran"
    assert code == 1, out.err
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    return "refused by run: " + lines[0].split(": ", 1)[1][:40]


SETTINGS = dict(deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])


@settings(max_examples=120, derandomize=True, **SETTINGS)
@given(data=scenarios(), policy=st.sampled_from(["default", "first", "random"]))
def test_what_validate_accepts_runs_or_is_refused_in_one_line(data, policy, tmp_path, capsys):
    check_run(data, tmp_path, capsys, policy)


@pytest.mark.slow
@settings(max_examples=1500, derandomize=True, **SETTINGS)
@given(data=scenarios(), policy=st.sampled_from(["default", "first", "random"]))
def test_what_validate_accepts_runs_or_is_refused_in_one_line_long(data, policy, tmp_path_factory, capsys):
    check_run(data, tmp_path_factory.mktemp("long"), capsys, policy)


def test_the_sample_reaches_runs_and_refusals(tmp_path_factory, capsys):
    """The derandomized sample is not vacuous: it has scenarios that run and ones that run refuses."""
    seen: dict[str, int] = {}

    @settings(max_examples=60, derandomize=True, **SETTINGS)
    @given(data=scenarios())
    def probe(data):
        kind = check_run(data, tmp_path_factory.mktemp("p"), capsys, "default").split(":")[0]
        seen[kind] = seen.get(kind, 0) + 1

    probe()
    assert seen.get("ran", 0) >= 5 and seen.get("refused by run", 0) >= 1 and seen.get("refused by validate", 0) >= 1, seen
    assert math.fsum(seen.values()) == 60
