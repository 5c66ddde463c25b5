"""Reading real exports (mapped columns, time zones, clock durations, Parquet) and bad data: one line each."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from calibrate_helpers import truth_dict
from crisissim.calibrate import accumulate, calibrate, scenario_yaml
from crisissim.calibrate.export import contact_table, staffing_table, write_table
from crisissim.cli import main
from crisissim.engine import Simulation
from crisissim.scenario import validate_file
from crisissim.scenario.schema import Scenario


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """One simulated day of the round-trip centre, exported as CSV, Parquet and a staffing file."""
    d = tmp_path_factory.mktemp("data")
    sc = Scenario.model_validate(truth_dict(days=1, seed=5))
    res = Simulation(sc, 5, record_contacts=True).result()
    table = contact_table(res, sc)
    write_table(table, d / "calls.csv")
    write_table(table, d / "calls.parquet")
    write_table(staffing_table(res, sc), d / "staff.csv")
    return d, table


def _lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def run_cli(capsys, *args) -> tuple[int, str, str]:
    rc = main(["calibrate", *map(str, args), "--quiet"])
    out, err = capsys.readouterr()
    return rc, out, err


# ------------------------------------------------------------------ real exports
def _as_their_export(table: pa.Table, offset: str) -> pa.Table:
    """The same contacts as another system would write them: own column names, local time with an offset,
    h:mm:ss.fff durations, no repeat, channel or churn columns."""
    ms = table["arrival"].cast(pa.int64()).to_numpy()
    wall = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms")

    def clock(sec):
        out = []
        for s in sec.to_pylist():
            if s is None:
                out.append("")
                continue
            h, rest = divmod(s, 3600)
            m, x = divmod(rest, 60)
            out.append(f"{int(h)}:{int(m):02d}:{x:06.3f}")
        return out

    return pa.table({
        "CallStart": [w + offset for w in wall],
        "Queue": table["type"],
        "Disposition": pa.array([o.upper() for o in table["outcome"].to_pylist()]),
        "QueueTime": clock(table["wait_seconds"]),
        "TalkTime": clock(table["handle_seconds"]),
        "Team": table["pool"],
        "Caller": pa.array([f"C-{c:06d}" for c in table["customer"].to_pylist()]),
        "Resolved": pa.array(["yes" if r == 1 else ("no" if r == 0 else "") for r in table["resolved"].to_pylist()]),
        "Notes": pa.array(["free text, with a comma"] * len(table)),
    })


MAP = ("arrival=CallStart,type=Queue,outcome=Disposition,wait_seconds=QueueTime,handle_seconds=TalkTime,"
       "pool=Team,customer=Caller,resolved=Resolved")


def test_a_foreign_export_with_offsets_and_clock_durations_reads_like_ours(day, tmp_path):
    d, table = day
    write_table(_as_their_export(table, "+08:00"), tmp_path / "export.csv")
    ours = calibrate(d / "calls.csv", staffing=d / "staff.csv")
    theirs = calibrate(tmp_path / "export.csv", staffing=d / "staff.csv",
                       mapping=dict(kv.split("=") for kv in MAP.split(",")))
    assert theirs.rows == ours.rows and theirs.intervals == ours.intervals == 48
    for name in ("billing", "defect"):
        a, b = ours.types[name], theirs.types[name]
        assert b.arrival.profile == pytest.approx(a.arrival.profile)
        assert b.handle.theta == pytest.approx(a.handle.theta, rel=1e-4)
        assert b.fcr.value == pytest.approx(a.fcr.value)
        # no repeat column: first contacts are each customer's first in the log (the log starts empty)
        assert "earliest contact in the log" in b.notes[0]
        assert b.first == a.first
    assert theirs.channels["phone"].patience.theta == pytest.approx(ours.channels["phone"].patience.theta, rel=1e-3)
    # --tz moves wall-clock time: 08:00+08:00 is 00:00 UTC, so first contacts per slot turn by 16 half-hours
    utc = calibrate(tmp_path / "export.csv", mapping=dict(kv.split("=") for kv in MAP.split(",")), tz="UTC")
    counts = [e.exact[1] for e in ours.types["billing"].arrival.slot_rates]
    assert [e.exact[1] for e in utc.types["billing"].arrival.slot_rates] == counts[16:] + counts[:16]
    assert utc.intervals == 48 + 32  # the log now starts at 16:00 UTC the day before


def test_the_cli_maps_columns_and_writes_a_valid_scenario(day, tmp_path, capsys):
    d, table = day
    write_table(_as_their_export(table, "Z"), tmp_path / "export.csv")
    out = tmp_path / "centre.yaml"
    rc, stdout, err = run_cli(capsys, tmp_path / "export.csv", "--map", MAP, "--staffing", d / "staff.csv", "--out", out)
    assert rc == 0, err
    assert err == ""
    assert stdout.startswith(f"wrote {out}: 2 contact types, 1 channels, 1 pools from ")
    sc, errors, warnings = validate_file(out)
    assert sc is not None and not errors and not warnings


def test_parquet_gives_the_same_fit_as_csv(day):
    d, _ = day
    a = calibrate(d / "calls.csv", staffing=d / "staff.csv")
    b = calibrate(d / "calls.parquet", staffing=d / "staff.csv")
    a.source = b.source = "calls"
    assert scenario_yaml(a) == scenario_yaml(b)


def test_several_weeks_give_a_weekly_profile(tmp_path):
    rng = np.random.default_rng(3)
    days = 14
    t0 = np.datetime64("2024-03-04T00:00")  # a Monday
    rows = []
    for dd in range(days):
        weekend = (dd % 7) >= 5
        n = rng.poisson(60 if weekend else 240)
        minutes = np.sort(rng.uniform(8 * 60, 20 * 60, n))
        for m in minutes:
            rows.append(str(t0 + np.timedelta64(dd, "D") + np.timedelta64(int(m * 60), "s")))
    n = len(rows)
    write_table(pa.table({"arrival": rows, "outcome": ["answered"] * n, "wait_seconds": [0.0] * n,
                          "handle_seconds": rng.gamma(2.0, 90.0, n)}), tmp_path / "weeks.csv")
    cal = calibrate(tmp_path / "weeks.csv", interval=60)
    a = cal.types["contacts"].arrival
    assert a.weekly and len(a.profile) == 7 * 24 and cal.weekday0 == 0
    weekday = np.mean([sum(a.profile[24 * k:24 * k + 24]) for k in range(5)])
    weekend = np.mean([sum(a.profile[24 * k:24 * k + 24]) for k in (5, 6)])
    assert weekend / weekday == pytest.approx(0.25, abs=0.05)
    assert cal.types["contacts"].handle.family.name == "gamma"
    text = scenario_yaml(cal)
    assert "per 60-minute slot of the week" in text.replace("\n    # ", " ")
    assert "staffing was not given" in text and "FILL IN" in text


# ------------------------------------------------------------------ bad data
HEADER = "arrival,type,outcome,wait_seconds,handle_seconds"
GOOD = ["2024-01-01T08:00:00,a,answered,3,120", "2024-01-01T08:01:00,a,abandoned,30,", "2024-01-01T08:02:00,a,answered,0,90"]


@pytest.mark.parametrize("rows,message", [
    (["arrival,type,outcome,handle_seconds", "2024-01-01T08:00:00,a,answered,3"],
     "bad.csv:1: missing column 'wait_seconds' (expected the columns arrival, outcome, wait_seconds, handle_seconds; "
     "map yours with --map wait_seconds=YOUR_COLUMN)"),
    ([HEADER, *GOOD, "", "2024-01-01 25:00:00,a,answered,1,1"],
     "bad.csv:6: arrival: cannot read '2024-01-01 25:00:00' as a timestamp: no such date or time "
     "(expected an ISO 8601 timestamp, e.g. 2024-03-04T08:30:00+08:00)"),
    ([HEADER, *GOOD, "yesterday,a,answered,1,1"],
     "bad.csv:5: arrival: cannot read 'yesterday' as a timestamp (expected an ISO 8601 timestamp, e.g. "
     "2024-03-04T08:30:00+08:00)"),
    ([HEADER, *GOOD, "2024-01-01T09:00:00,a,answered,-3,10"],
     "bad.csv:5: wait_seconds: -3 seconds is negative (expected a value >= 0)"),
    ([HEADER, "2024-01-01T09:00:00,a,answered,1:02,-0:10"],
     "bad.csv:2: handle_seconds: cannot read '-0:10' (expected seconds as a number or h:mm:ss)"),
    ([HEADER, *GOOD, "2024-01-01T09:00:00,a,answered,soon,10"],
     "bad.csv:5: wait_seconds: cannot read 'soon' (expected seconds as a number or h:mm:ss)"),
    ([HEADER, *GOOD, "2024-01-01T09:00:00,a,transferred,1,10"],
     "bad.csv:5: outcome: cannot read 'transferred' (expected one of answered, abandoned, deflected, open)"),
    ([HEADER, *GOOD, "2024-01-01T09:00:00,a,answered,1"],
     "bad.csv:5: 4 fields (expected 5, one per column of the header)"),
    ([HEADER, *GOOD, '"2024-01-01T09:00:00","a\nb",answered,1,', "2024-01-01T09:00:00,a,answered,1,"],
     "bad.csv:5: handle_seconds: missing for an answered contact (expected seconds)"),
    ([HEADER, *GOOD, ",a,answered,1,1"], "bad.csv:5: arrival: missing (expected a timestamp)"),
    ([HEADER, "2024-01-01T09:00:00,a,abandoned,,"],
     "bad.csv:2: wait_seconds: missing for an abandoned contact (expected seconds)"),
    ([], "bad.csv:1: the contact log is empty (expected a header line with the columns arrival, outcome, wait_seconds, "
         "handle_seconds)"),
    ([HEADER], "bad.csv:2: the contact log has no rows after the header (expected at least one)"),
])
def test_bad_contact_logs_get_one_line(tmp_path, capsys, rows, message):
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(rows) + ("\n" if rows else ""), encoding="utf-8")
    out = tmp_path / "out.yaml"
    out.write_text("keep me\n", encoding="utf-8")
    rc, stdout, err = run_cli(capsys, bad, "--out", out)
    assert rc == 1
    assert err.replace(str(tmp_path) + "/", "") == message + "\n"
    assert out.read_text(encoding="utf-8") == "keep me\n"  # nothing half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "out.yaml"]


def test_text_that_is_not_utf8_is_located(tmp_path, capsys):
    (tmp_path / "latin.csv").write_bytes(f"{HEADER}\n{GOOD[0]}\n2024-01-01T08:01:00,caf\xe9,answered,3,120\n".encode("latin-1"))
    rc, _, err = run_cli(capsys, tmp_path / "latin.csv", "--out", tmp_path / "x.yaml")
    assert rc == 1 and err.endswith("latin.csv:3: text that is not UTF-8 (expected UTF-8; save the export as UTF-8)\n")


def test_bad_parquet_rows_are_located_by_row_number(tmp_path, capsys):
    t = pa.table({"arrival": pa.array([0, 60_000, 120_000], type=pa.timestamp("ms")), "outcome": ["answered"] * 3,
                  "wait_seconds": [1.0, 2.0, -4.0], "handle_seconds": [10.0, 20.0, 30.0]})
    pq.write_table(t, tmp_path / "bad.parquet")
    rc, _, err = run_cli(capsys, tmp_path / "bad.parquet", "--out", tmp_path / "x.yaml")
    assert rc == 1 and err.endswith("bad.parquet:3: wait_seconds: -4 seconds is negative (expected a value >= 0)\n")


def test_staffing_and_churn_problems(day, tmp_path, capsys):
    d, _ = day
    staff = _lines(d / "staff.csv")
    (tmp_path / "staff.csv").write_text("\n".join(staff[:4] + [staff[3]] + staff[4:]) + "\n", encoding="utf-8")
    rc, _, err = run_cli(capsys, d / "calls.csv", "--staffing", tmp_path / "staff.csv", "--out", tmp_path / "x.yaml")
    assert rc == 1
    assert err.endswith("staff.csv:5: pool 'front' has two rows for the same interval start (expected one per "
                        "interval; the other is line 4)\n")
    (tmp_path / "churn.csv").write_text("customer,churned\n1,0\n2,1\n1,1\n", encoding="utf-8")
    rc, _, err = run_cli(capsys, d / "calls.csv", "--churn", tmp_path / "churn.csv", "--out", tmp_path / "x.yaml")
    assert rc == 1 and err.endswith("churn.csv:4: churned: disagrees with line 2 for the same customer (expected one "
                                    "churn status per customer)\n")
    (tmp_path / "churn.csv").write_text("customer,churned\n1,maybe\n", encoding="utf-8")
    rc, _, err = run_cli(capsys, d / "calls.csv", "--churn", tmp_path / "churn.csv", "--out", tmp_path / "x.yaml")
    assert rc == 1 and err.endswith("churn.csv:2: churned: cannot read 'maybe' (expected 1 or 0 (true/false, yes/no))\n")
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.parametrize("args,message", [
    (["--interval", "7m"], "crisissim: error: --interval: expected a length that divides a day into whole slots of 5 "
                           "minutes or more, got 7m"),
    (["--map", "arrival"], "crisissim: error: --map: cannot read 'arrival' (expected COLUMN=THEIR_NAME, e.g. "
                           "arrival=CallStart)"),
    (["--tz", "Mars/Olympus"], "crisissim: error: --tz: unknown time zone 'Mars/Olympus' (expected an IANA name such "
                               "as Europe/Berlin)"),
    (["--check"], "crisissim: error: --check needs --staffing FILE: the back-test runs under the log's own staffing"),
])
def test_bad_options_get_one_line(day, tmp_path, capsys, args, message):
    d, _ = day
    rc, _, err = run_cli(capsys, d / "calls.csv", "--out", tmp_path / "x.yaml", *args)
    assert rc == 2 and err == message + "\n"
    assert not (tmp_path / "x.yaml").exists()


def test_check_prints_the_table_and_writes_csv_and_png(day, tmp_path, capsys):
    d, _ = day
    out = tmp_path / "fit.yaml"
    rc, stdout, err = run_cli(capsys, d / "calls.csv", "--staffing", d / "staff.csv", "--check", "--reps", "3",
                              "--out", out)
    assert rc == 0, err
    lines = stdout.splitlines()
    i = lines.index(next(x for x in lines if x.startswith("back-test: 3 replications")))
    assert lines[i + 1].split() == ["interval", "offered", "service", "level", "abandonment", "ASA", "(min)"]
    assert lines[i + 2].startswith("d1 00:00") and lines[i + 49].startswith("d1 23:30")
    assert lines[i + 50].startswith("inside the band: offered ") and "of 48" in lines[i + 50]
    assert "probability 50%, not 95%" in lines[i + 51]
    assert lines[-1] == f"wrote {out.with_name('fit.check.csv')} and {out.with_name('fit.check.png')}"
    csv = out.with_name("fit.check.csv").read_text().splitlines()
    assert csv[0].startswith("start_minutes,offered_observed,offered_low,offered_high,offered_inside,service_level_")
    assert len(csv) == 49
    assert out.with_name("fit.check.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_back_test_too_large_is_refused_up_front(day, tmp_path, capsys, monkeypatch):
    from crisissim.commands import calibrate as command

    d, table = day
    monkeypatch.setattr(command, "CHECK_LIMIT", 10 * len(table))
    rc, _, err = run_cli(capsys, d / "calls.csv", "--staffing", d / "staff.csv", "--check", "--reps", "11",
                         "--out", tmp_path / "x.yaml")
    assert rc == 2 and err == (f"crisissim: error: --check would simulate about {11 * len(table):,} contacts (11 "
                               f"replications of {len(table):,}; at most {10 * len(table):,}): give fewer --reps or a "
                               "shorter log\n")
    assert not (tmp_path / "x.yaml").exists()


def test_no_abandonments_says_patience_is_not_identifiable(tmp_path, capsys):
    d = truth_dict(days=1, seed=2)
    del d["channels"]["phone"]["patience"]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(d), encoding="utf-8")
    assert main(["run", str(tmp_path / "s.yaml"), "--contacts", str(tmp_path / "c.csv"), "--staffing",
                 str(tmp_path / "st.csv")]) == 0
    capsys.readouterr()
    rc, _, err = run_cli(capsys, tmp_path / "c.csv", "--staffing", tmp_path / "st.csv", "--out", tmp_path / "f.yaml")
    assert rc == 0
    assert err == (f"{tmp_path / 'c.csv'}: channel 'phone': patience not identifiable: no contact on this channel was "
                   "abandoned; left at the default (customers wait until answered)\n")
    sc, errors, _ = validate_file(tmp_path / "f.yaml")
    assert sc is not None and sc.channels["phone"].patience is None


def test_a_long_log_is_streamed_in_bounded_memory(day, tmp_path, monkeypatch):
    """The sample limits hold however long the log (here shrunk so a small log exceeds them)."""
    d, table = day
    monkeypatch.setattr(accumulate, "SAMPLE", 300)
    monkeypatch.setattr(accumulate, "CUSTOMER_ROWS", 400)
    seen = []
    from crisissim.calibrate import read

    monkeypatch.setattr(read, "BLOCK_BYTES", 16 << 10)
    cal = calibrate(d / "calls.csv", staffing=d / "staff.csv", progress=lambda n, total: seen.append((n, total)))
    assert len(seen) > 5 and [n for n, _ in seen] == sorted(n for n, _ in seen) and seen[-1][0] == len(table)
    assert all(total >= n * 0.5 for n, total in seen)  # the estimate of the total is in the right range
    assert cal.types["billing"].handle.n == 300
    assert 0 < cal.follow_share < 1 and cal.customers_followed < 400
    text = scenario_yaml(cal).replace("\n    # ", " ")
    assert "uniform sample of 300 of" in text and "of customers followed" in text
    full = calibrate(d / "calls.csv", staffing=d / "staff.csv")
    # counts are exact whatever the samples: the arrival fit does not change
    assert cal.types["billing"].arrival.profile == full.types["billing"].arrival.profile
    lo, hi = full.types["billing"].handle.params["mu"].ci(0.999)
    assert lo - 0.3 < cal.types["billing"].handle.params["mu"].value < hi + 0.3
