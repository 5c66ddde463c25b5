"""Suite-wide rules: the statistical-check budget (tests/stats_budget.py) is enforced per test."""

from __future__ import annotations

import pytest

import stats_budget


def pytest_report_header(config):
    b = stats_budget
    return (f"statistical checks: {b.N_CHECKS}, each at {b.ALPHA:.2g} (family false-alarm rate "
            f"<= {b.FAMILY_ALPHA:.0%}); seed offset {b.SEED_OFFSET}")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if stats_budget.declared(item.nodeid):
            item.add_marker(pytest.mark.statistical)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    stats_budget.begin(item.nodeid)
    try:
        result = yield
    finally:
        made = stats_budget.end()
    want = stats_budget.declared(item.nodeid)
    assert made == want, (
        f"{item.nodeid} made {made} statistical checks but declares {want} in tests/stats_budget.py CHECKS"
    )
    return result


@pytest.fixture(autouse=True)
def _no_background_work_left():
    """A test that reaches the game's debrief leaves no worker processes running after it."""
    yield
    import sys

    bg = sys.modules.get("crisissim.game.background")
    if bg is not None:
        bg.close_all()
