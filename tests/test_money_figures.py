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
        "decisions[0].prompt (en): '15k CNY' is not what it costs or pays (expected one of its amounts: 1,500)"]
    sc = load_scenario_text(text.replace("(3,000 CNY)", "(3,000 CNY, 2,000 CNY off-peak)"))
    assert disagreements(sc) == [
        "decisions[2].options[0].label (en): '2,000 CNY' is not what it costs or pays (expected one of its amounts: 3,000)"]


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


def _validate_lines(path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "crisissim", "validate", str(path)], capture_output=True, text=True)
    return out.returncode, out.stderr.splitlines(), out.stdout.splitlines()


def test_validate_warns_of_a_prompt_figure_at_its_place_and_still_accepts_the_file(tmp_path):
    import shutil
    from pathlib import Path

    data = Path(__file__).parent / "data" / "lessons"
    shutil.copytree(data / "policies", tmp_path / "policies")
    text = (data / "shop.yaml").read_text(encoding="utf-8")
    path = tmp_path / "shop.yaml"
    path.write_text(text.replace("at 1,500 CNY?", "at 15k CNY?"), encoding="utf-8")
    code, err, out = _validate_lines(path)
    assert err == [f"{path}:27:13: warning: decisions[0].prompt: '15k CNY' is not what it costs or pays "
                   "(expected one of its amounts: 1,500)"]
    assert code == 0 and out == [f"{path}: ok (1 contact types, 2 pools, 3 decisions)"]


def test_validate_points_at_the_language_whose_figure_is_wrong(tmp_path):
    import shutil

    src = bundled_scenarios_dir()
    for folder in ("policies", "shared"):
        shutil.copytree(src / folder, tmp_path / folder)
    text = (src / "default.yaml").read_text(encoding="utf-8")
    assert text.count("每位60元）}") == 1
    path = tmp_path / "default.yaml"
    path.write_text(text.replace("每位60元）}", "每位50元）}"), encoding="utf-8")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "每位60元）}" in s)
    col = text.splitlines()[line - 1].index("给每位") + 1
    code, err, _ = _validate_lines(path)
    assert err == [f"{path}:{line}:{col}: warning: decisions[2].options[0].label.zh: '50元' is not what it costs "
                   "or pays (expected one of its amounts: 60)"]
    assert code == 0
