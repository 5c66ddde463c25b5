"""``crisissim run --contacts/--staffing``: the recorded contacts and the export files."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import yaml

from calibrate_helpers import PROFILE, SHIFTS, truth_dict
from crisissim.calibrate import calibrate
from crisissim.calibrate.logformat import CONTACT_COLUMNS, STAFFING_COLUMNS
from crisissim.cli import main
from crisissim.engine import Simulation
from crisissim.engine.flow import RECORD_FIELDS
from crisissim.scenario import default_scenario_path, load_scenario
from crisissim.scenario.schema import Scenario
from crisissim.scenario.units import parse_duration


def test_recording_contacts_changes_nothing():
    for sc in (load_scenario(default_scenario_path()), Scenario.model_validate(truth_dict(days=1))):
        plain = Simulation(sc, 4).result()
        recorded = Simulation(sc, 4, record_contacts=True).result()
        assert plain.records is None
        assert recorded.to_json() == plain.to_json()


def test_records_account_for_every_contact_and_customer():
    d = truth_dict(days=1, seed=3)
    d["injects"] = [{"id": "faq", "at": 0, "effects": [{"effect": "deflect", "share": 0.1, "target": "billing"}]}]
    res = Simulation(Scenario.model_validate(d), 3, record_contacts=True).result()
    recs = [dict(zip(RECORD_FIELDS, r)) for r in res.records]
    c = res.to_dict()["contacts"]
    n = Counter(r["outcome"] for r in recs)
    assert n["served"] == c["served"] and n["abandoned"] == c["abandoned"] and n["deflected"] == c["deflected"] > 0
    assert n["open"] == c["waiting"] + c["in_service"]
    assert sum(1 for r in recs if r["outcome"] == "open" and r["pool"]) == c["in_service"]
    assert all(math.isnan(r["end"]) for r in recs if r["outcome"] == "open")
    # customers are numbered 1..N in order of first contact; a repeat keeps its customer's number
    by_customer: dict[int, list] = {}
    for r in sorted(recs, key=lambda r: r["arrival"]):
        by_customer.setdefault(r["customer"], []).append(r)
    assert sorted(by_customer) == list(range(1, len(by_customer) + 1))
    for rows in by_customer.values():
        assert [r["repeat"] for r in rows] == [False] + [True] * (len(rows) - 1)
        assert len({r["type"] for r in rows}) == 1
        for prev, nxt in zip(rows, rows[1:]):
            # only an unresolved answer or a redial brings a customer back, and never after churning
            assert not prev["churned"] and not (prev["outcome"] == "served" and prev["resolved"])
            assert prev["outcome"] in ("served", "abandoned") and nxt["arrival"] >= prev["end"]
    assert sum(len(v) > 1 for v in by_customer.values()) > 100


def test_export_files_have_the_documented_columns(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(truth_dict(days=1, seed=2)), encoding="utf-8")
    assert main(["run", str(tmp_path / "s.yaml"), "--contacts", str(tmp_path / "c.parquet"),
                 "--staffing", str(tmp_path / "st.csv")]) == 0
    capsys.readouterr()
    t = pq.read_table(tmp_path / "c.parquet")
    assert t.column_names == list(CONTACT_COLUMNS)
    assert str(t.schema.field("arrival").type) == "timestamp[ms, tz=UTC]"
    assert set(t["outcome"].to_pylist()) <= {"answered", "abandoned", "deflected", "open"}
    ans = [o == "answered" for o in t["outcome"].to_pylist()]
    assert all((h is not None) == a for h, a in zip(t["handle_seconds"].to_pylist(), ans))
    assert all((r is not None) == a for r, a in zip(t["resolved"].to_pylist(), ans))
    arrival = t["arrival"].to_pylist()
    assert arrival == sorted(arrival) and str(arrival[0]).startswith("2024-01-01 ")
    # churn belongs to the customer: all rows of a churner carry the same time, the end of their last contact
    churned = {}
    for cu, ch, at in zip(t["customer"].to_pylist(), t["churned"].to_pylist(), t["churned_at"].to_pylist()):
        churned.setdefault(cu, set()).add((ch, at))
    assert all(len(v) == 1 for v in churned.values()) and sum(1 for v in churned.values() if (1, None) not in v
                                                              and next(iter(v))[0] == 1) > 10
    st = pacsv.read_csv(tmp_path / "st.csv")
    assert st.column_names == list(STAFFING_COLUMNS)
    expected = []
    for s in SHIFTS:
        a, b = parse_duration(s["start"]), parse_duration(s["end"])
        expected += [float(s["size"])] * int((b - a) // 30)
    assert st["agents"].to_pylist() == expected
    assert set(st["pool"].to_pylist()) == {"front"}


def test_agents_on_duty_average_over_the_interval_and_follow_staff_effects():
    d = truth_dict(days=1)
    d["pools"]["front"]["shifts"] = [{"start": 0, "end": "1440m", "size": 10}]
    d["pools"]["front"]["shrinkage"] = 0.2
    d["injects"] = [{"id": "sick", "at": "45m", "effects": [{"effect": "staff", "pool": "front", "add": -4, "duration": "1h"}]}]
    res = Simulation(Scenario.model_validate(d), 1).result()
    agents = res.agents["front"]
    assert agents[:4].tolist() == pytest.approx([8.0, 6.0, 4.0, 6.0])  # 8 on duty; 4 fewer from 45m to 105m
    assert np.all(agents[4:] == 8.0)


def test_deflection_is_calibrated_as_self_service(tmp_path):
    from stats_budget import assert_binomial, assert_poisson, seed

    d = truth_dict(days=2, seed=seed(8))
    d["injects"] = [{"id": "faq", "at": 0, "effects": [{"effect": "deflect", "share": 0.2, "target": "billing"}]}]
    sc = Scenario.model_validate(d)
    from crisissim.calibrate.export import contact_table, write_table

    res = Simulation(sc, sc.meta.seed, record_contacts=True).result()
    write_table(contact_table(res, sc), tmp_path / "c.csv")
    cal = calibrate(tmp_path / "c.csv")
    billing = cal.types["billing"]
    assert cal.types["defect"].deflect is None
    n = Counter(r[4] for r in res.records if r[0] == "billing")
    assert billing.deflect.value == pytest.approx(n["deflected"] / sum(n.values()))
    assert_binomial(n["deflected"], sum(n.values()), 0.2, "deflected share of billing contacts")
    # the arrival rate is before self-service: every first contact, deflected or not, counts
    assert_poisson(billing.arrival.total, 40.0 * sum(PROFILE) * 2, "billing first contacts over two days")


def test_data_md_documents_every_column_as_the_code_reads_it():
    import re

    from crisissim.calibrate.logformat import CHURN_COLUMNS
    from crisissim.scenario import bundled_scenarios_dir

    text = (bundled_scenarios_dir() / "DATA.md").read_text(encoding="utf-8")
    tables = re.findall(r"\| column \| kind \| needed \| meaning \|\n\|---\|---\|---\|---\|\n((?:\|.*\|\n)+)", text)
    assert len(tables) == 3
    for table, cols in zip(tables, (CONTACT_COLUMNS, STAFFING_COLUMNS, CHURN_COLUMNS)):
        rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table.strip().splitlines()]
        assert rows == [[f"`{c.name}`", c.kind, "yes" if c.required else "no", c.doc] for c in cols.values()]
