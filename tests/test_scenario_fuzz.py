"""Property test: any mutation of a valid scenario loads or fails with ScenarioError, nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crisissim.commands.new import starter_text
from crisissim.scenario import Scenario, ScenarioError, load_scenario_text, scenario_hash

DATA = Path(__file__).parent / "data"
BASES = [
    yaml.safe_load((DATA / "minimal.yaml").read_text()),
    yaml.safe_load(starter_text("fuzz", "./crisissim.schema.json")),
]
LINE = re.compile(r"^<string>:\d+:\d+: ")

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
    st.sampled_from(["-5m", "1e400", "2h", "0", "nan", "inf", "-inf", "1h30m", "phone", "billing", "agents",
                     "exponential", "rate", "", " ", "~", "queue.billing > 1", "8x", "10**9"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                      max_leaves=8)


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, prefix + (i,))


def mutate(data, draw):
    import copy

    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 4))):
        all_paths = [p for p in paths(data) if p]
        if not all_paths:
            break
        path = draw(st.sampled_from(all_paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        op = draw(st.sampled_from(["delete", "replace", "rename", "add", "wrap_list", "wrap_dict", "negate"]))
        if op == "delete":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(values)
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(text)] = parent.pop(key)
        elif op == "add" and isinstance(parent, dict):
            parent[draw(text)] = draw(values)
        elif op == "wrap_list":
            parent[key] = [parent[key]]
        elif op == "wrap_dict":
            parent[key] = {draw(text): parent[key]}
        elif op == "negate" and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
            parent[key] = -parent[key] * draw(st.sampled_from([1, 1e300, 10**20]))
    return data


def load_or_fail_cleanly(data):
    base = data.draw(st.sampled_from(BASES))
    mutated = mutate(base, data.draw)
    src = yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False)
    if data.draw(st.booleans()):  # raw text damage too: stray characters, cut files, tabs
        pos = data.draw(st.integers(0, len(src)))
        src = src[:pos] + data.draw(st.sampled_from(["", ":", "- ", "\t", "{", "[", "&a ", "*a", "!!", "'", "\n  x"])) \
            + src[pos + data.draw(st.integers(0, 5)):]
    try:
        sc = load_scenario_text(src)
    except ScenarioError as e:
        assert e.problems
        for line in str(e).splitlines():
            assert LINE.match(line), line
        return
    assert isinstance(sc, Scenario)
    assert len(scenario_hash(sc)) == 64


FIXED = dict(deadline=None, derandomize=True, database=None,
             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=150, **FIXED)
@given(st.data())
def test_mutated_scenarios_load_or_fail_cleanly(data):
    load_or_fail_cleanly(data)


@pytest.mark.slow
@settings(max_examples=2000, **FIXED)
@given(st.data())
def test_many_more_mutated_scenarios_load_or_fail_cleanly(data):
    load_or_fail_cleanly(data)
