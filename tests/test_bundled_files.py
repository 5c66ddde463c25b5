"""Bundled scenarios by name, ``crisissim list`` and ``crisissim docs`` (in-process; the
install tests in test_install.py run the same from installed wheels)."""

from __future__ import annotations

import json
from pathlib import Path

import crisissim
from crisissim.cli import main
from crisissim.commands.new import starter_text
from crisissim.paths import bundled_scenarios, bundled_studies, data_dir, find_scenario

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ["coffee-tutorial", "default", "early-warning", "payment-breach", "product-recall", "viral-rumour"]


def test_one_copy_package_data_linked_from_the_top_level_folders():
    pkg = Path(crisissim.__file__).parent
    assert data_dir("scenarios") == pkg / "scenarios" and data_dir("assets") == pkg / "assets"
    assert (pkg / "scenarios").is_symlink() and (pkg / "scenarios").resolve() == (ROOT / "scenarios").resolve()
    assert (pkg / "assets").is_symlink() and (pkg / "assets").resolve() == (ROOT / "assets").resolve()
    assert list(bundled_scenarios()) == BUNDLED
    assert "default-staffing" in bundled_studies()


def test_names_resolve_but_existing_paths_win(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_scenario("product-recall") == data_dir("scenarios") / "product-recall.yaml"
    assert find_scenario("product-recall.yaml") == data_dir("scenarios") / "product-recall.yaml"
    assert find_scenario("default-staffing") == Path("default-staffing")
    assert find_scenario("default-staffing", studies=True) == data_dir("scenarios") / "studies" / "default-staffing.yaml"
    (tmp_path / "product-recall.yaml").write_text("x")
    assert find_scenario("product-recall.yaml") == Path("product-recall.yaml")


def test_list_shows_the_bundled_scenarios_and_studies(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Bundled scenarios (crisissim run|play|study|validate|lessons NAME):"
    rows = dict(zip(BUNDLED, out[1:1 + len(BUNDLED)]))
    assert [row.split()[0] for row in rows.values()] == BUNDLED
    assert rows["coffee-tutorial"].startswith("  coffee-tutorial   Tutorial: the wrong latte (1h30m, 3 decision cards, ")
    assert rows["default"].startswith("  default           Delivery breakdown on sale day (10h, ")
    assert rows["early-warning"].startswith("  early-warning     Early warning: the yogurt batch (12h, 3 decision cards, ")
    assert rows["payment-breach"].startswith("  payment-breach    Payment outage and data breach (12h, 4 decision cards, ")
    assert rows["product-recall"].startswith("  product-recall    Kettle recall (12h, ")
    assert out[1 + len(BUNDLED)] == "Bundled studies (crisissim study NAME):"
    assert out[2 + len(BUNDLED)].startswith("  default-staffing  scenario default.yaml, varies pools.agents.shifts.0.size")
    assert out[-1] == f"Files: {data_dir('scenarios')}"


def test_commands_accept_a_bundled_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "product-recall"]) == 0
    assert capsys.readouterr().out.startswith("product-recall: ok (5 contact types")
    assert main(["run", "viral-rumour", "--seed", "2", "--json", "-", "--save", "play.json"]) == 0
    assert json.loads(capsys.readouterr().out)["scenario"] == "viral-rumour"
    save = json.loads((tmp_path / "play.json").read_text())
    assert save["scenario"]["path"] == "viral-rumour"  # a bundled scenario is saved by name
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)
    assert main(["run", "--replay", str(tmp_path / "play.json")]) == 0
    assert "replayed from play.json" in capsys.readouterr().out


def test_a_missing_scenario_names_the_bundled_ones(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "product-recal"]) == 1
    assert capsys.readouterr().err == (
        f"product-recal:1:1: no such file (bundled: {', '.join(BUNDLED)}; see crisissim list)\n")
    assert main(["validate", "scenarios/product-recall.yaml"]) == 1
    assert capsys.readouterr().err == (
        "scenarios/product-recall.yaml:1:1: no such file (the bundled one is named product-recall; "
        "see crisissim list)\n")
    assert main(["study", "nosuch", "--quiet"]) == 1
    assert capsys.readouterr().err == (f"nosuch:1:1: no such file (bundled: {', '.join(BUNDLED)}, "
                                       "default-staffing; see crisissim list)\n")
    assert main(["lessons", "sub/dir.yaml"]) == 1
    assert capsys.readouterr().err == "sub/dir.yaml:1:1: no such file\n"


def test_docs_format_prints_the_format_reference(capsys):
    assert main(["docs", "format"]) == 0
    assert capsys.readouterr().out == (data_dir("scenarios") / "FORMAT.md").read_text(encoding="utf-8")
    assert main(["docs", "formats"]) == 2
    assert capsys.readouterr().err == "crisissim: error: unknown topic 'formats' (expected: format, data)\n"
    assert main(["docs", "data"]) == 0
    assert capsys.readouterr().out == (data_dir("scenarios") / "DATA.md").read_text(encoding="utf-8")
    assert "`crisissim docs format` prints the format reference" in starter_text("x", "./s.json")


def test_a_bundled_study_by_name_writes_into_the_current_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["study", "default-staffing", "--reps", "2", "--vary", "pools.agents.shifts.0.size=20,24",
                 "--policy", "default", "--workers", "1", "--quiet", "--no-plots"]) == 0
    assert (tmp_path / "study-delivery-breakdown" / "summary.csv").is_file()
    assert not list(data_dir("scenarios").rglob("summary.csv"))
