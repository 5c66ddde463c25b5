"""The false-alarm budget itself: it adds up, names only tests that exist, and moves seeds apart."""

from __future__ import annotations

import contextlib
import importlib

import pytest

import stats_budget
from stats_budget import ALPHA, CHECKS, FAMILY_ALPHA, N_CHECKS, SEED_STRIDE


def test_shares_add_up_to_the_family_budget():
    assert FAMILY_ALPHA == 0.01
    assert N_CHECKS == sum(CHECKS.values()) and all(n > 0 for n in CHECKS.values())
    assert N_CHECKS * ALPHA == pytest.approx(FAMILY_ALPHA)
    assert stats_budget.SKEWED_LEVEL < stats_budget.T_LEVEL < ALPHA  # t intervals keep part of their share


def test_every_entry_names_an_existing_test():
    for key in CHECKS:
        file, _, name = key.partition("::")
        func, _, param = name.partition("[")
        module = importlib.import_module(file.removesuffix(".py"))
        fn = getattr(module, func, None)
        assert callable(fn), f"{key}: no test {func} in {file}"
        marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
        if param:
            ids = [i for m in marks for i in m.kwargs.get("ids", [])]
            assert param.rstrip("]") in ids, f"{key}: {func} has no case {param.rstrip(']')} (ids {ids})"
        else:
            assert not marks, f"{key}: {func} is parametrized; declare each case"


def test_parametrized_statistical_tests_declare_every_case():
    declared = {}
    for key in CHECKS:
        file, _, name = key.partition("::")
        func, _, param = name.partition("[")
        if param:
            declared.setdefault((file, func), set()).add(param.rstrip("]"))
    for (file, func), cases in declared.items():
        fn = getattr(importlib.import_module(file.removesuffix(".py")), func)
        ids = {i for m in fn.pytestmark if m.name == "parametrize" for i in m.kwargs["ids"]}
        assert cases == ids, f"{file}::{func}: declared {sorted(cases)}, cases {sorted(ids)}"


def test_offsets_give_disjoint_seed_blocks(monkeypatch):
    assert stats_budget.seeds(3, 10) == [10 + stats_budget.SEED_OFFSET * SEED_STRIDE + i for i in range(3)]
    monkeypatch.setattr(stats_budget, "SEED_OFFSET", 7)
    assert stats_budget.seeds(2, 5) == [7 * SEED_STRIDE + 5, 7 * SEED_STRIDE + 6]
    assert stats_budget.seed(4) == 7 * SEED_STRIDE + 4
    with pytest.raises(AssertionError):
        stats_budget.seeds(2, SEED_STRIDE - 1)  # would run into the next offset's block


@contextlib.contextmanager
def as_test(nodeid):
    """Make checks as if inside the test ``nodeid`` (None: outside pytest, nothing counted)."""
    me = stats_budget.current.nodeid
    stats_budget.begin(nodeid)
    try:
        yield
    finally:
        stats_budget.begin(me)


def test_checks_pass_near_the_truth_and_fail_far_from_it():
    with as_test(None):
        stats_budget.assert_binomial(50, 100, 0.5, what="fair coin")
        stats_budget.assert_poisson(100, 100.0, what="poisson")
        stats_budget.assert_mean([0.9, 1.1, 1.0, 0.95, 1.05], 1.0, what="mean")
        with pytest.raises(AssertionError, match=r"p = .* < .*false-alarm budget"):
            stats_budget.assert_binomial(75, 100, 0.5, what="biased coin")  # p ≈ 6e-7
        with pytest.raises(AssertionError, match="vs Poisson mean"):
            stats_budget.assert_poisson(150, 100.0, what="too many")  # p ≈ 2e-6
        with pytest.raises(AssertionError, match="simulated"):
            stats_budget.assert_mean([1.9, 2.1, 2.0, 1.95, 2.05] * 4, 1.0, what="far off")
        skewed = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.5, 2.0, 2.8] * 2  # mean 1.2
        stats_budget.assert_mean(skewed, 1.2, what="skewed", skewed=True)
        with pytest.raises(AssertionError, match="log scale"):
            stats_budget.assert_mean(skewed, 3.0, what="skewed, far off", skewed=True)
        with pytest.raises(AssertionError, match="needs positive values"):
            stats_budget.assert_mean([0.0, 1.0, 2.0], 1.0, what="not positive", skewed=True)


def test_an_undeclared_check_fails_at_once():
    with as_test("tests/test_nowhere.py::test_x"), pytest.raises(AssertionError, match="declares 0 in tests/stats"):
        stats_budget.assert_poisson(100, 100.0, what="undeclared")
