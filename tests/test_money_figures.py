"""Every money figure a trainee reads on a card is what the option really costs or pays."""

from __future__ import annotations

import pytest

from crisissim.scenario import bundled_scenarios_dir, load_scenario, load_scenario_text
from crisissim.scenario.money import disagreements, money_figures


@pytest.mark.parametrize("text, values", [
    ("A full recall costs 380,000 CNY in logistics", [380_000]),
    ("380k CNY", [380_000]),
    ("costs ¥1.2m now", [1_200_000]),
    ("需额外支付12万元。", [120_000]),
    ("每位60元", [60]),
    ("38万 CNY", [380_000]),
    ("1.5 million yuan", [1_500_000]),
    ("CNY 2,000 and 3 RMB", [2000, 3]),
    ("US$ 5,000", [5000]),
    ("￥500 or 5000.50 CNY", [500, 5000.5]),
    ("Replacement kettle plus 200 CNY (350 CNY each)", [200, 350]),
    ("1.8万台", []),
    ("batch 42 (18,000 units) from 14:00, in 30 minutes, a 10% cut", []),
    ("ABCNY 5", []),
])
def test_money_figures_are_read_with_their_multipliers(text, values):
    assert [f.value for f in money_figures(text, "CNY")] == values


def test_a_prompt_figure_that_no_option_costs_is_reported():
    from pathlib import Path

    text = (Path(__file__).parent / "data" / "lessons" / "shop.yaml").read_text(encoding="utf-8")
    sc = load_scenario_text(text.replace("at 1,500 CNY?", "at 15k CNY?"), base_dir=Path(__file__).parent / "data")
    assert disagreements(sc) == [
        "decisions[0].prompt (en): '15k CNY' is not what it costs or pays (amounts: 1,500)"]
    sc = load_scenario_text(text.replace("(3,000 CNY)", "(3,000 CNY, 2,000 CNY off-peak)"))
    assert disagreements(sc) == [
        "decisions[2].options[0].label (en): '2,000 CNY' is not what it costs or pays (amounts: 3,000)"]


@pytest.mark.parametrize("name", ["coffee-tutorial", "default", "early-warning", "payment-breach", "product-recall",
                                  "viral-rumour"])
def test_bundled_cards_say_what_options_cost(name):
    sc = load_scenario(bundled_scenarios_dir() / f"{name}.yaml")
    assert disagreements(sc) == []


def test_an_outreach_offer_and_a_unit_cost_are_amounts_a_label_may_name():
    from crisissim.scenario.money import _amounts

    sc = load_scenario(bundled_scenarios_dir() / "product-recall.yaml")
    card = next(c for c in sc.decisions if c.id == "compensation")
    callback = next(o for o in card.options if o.id == "callback-members")
    assert _amounts(callback) == {100.0, 2.0}  # the voucher offered on the call, the cost per call
    recall = next(o for o in next(c for c in sc.decisions if c.id == "recall").options if o.id == "full-recall")
    assert _amounts(recall) == {380_000.0, 10.0}  # the programme, and each kettle's pickup
