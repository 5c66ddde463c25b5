"""Study progress output: plain lines without ANSI escapes when stdout is not a terminal, a live
bar on a terminal, and nothing but the final result lines with ``--quiet``."""

from __future__ import annotations

import io
import re

import pytest
import yaml

from crisissim.cli import main
from crisissim.study.progress import Progress
from study_fake import SCENARIO

LINE = re.compile(r"study: \d+/\d+ reps \(\d+%\), [\d.]+ reps/s, ETA (\d+s|\?)")


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_when_not_a_terminal():
    buf = io.StringIO()
    p = Progress(stream=buf, plain_every=3600)
    p.set_total(20)
    for _ in range(20):
        p.advance(1)
    p.close()
    lines = buf.getvalue().splitlines()
    assert "\x1b" not in buf.getvalue()
    assert all(LINE.fullmatch(x) for x in lines), lines
    assert len(lines) == 11 and lines[-1].startswith("study: 20/20 reps (100%)")  # first, then every 10%


def test_quiet_prints_nothing_and_a_terminal_gets_a_bar():
    quiet = _Tty()
    p = Progress(quiet=True, stream=quiet)
    p.set_total(5)
    p.advance(5)
    p.close()
    assert quiet.getvalue() == ""
    tty = _Tty()
    p = Progress(stream=tty)
    p.set_total(5)
    p.advance(5)
    p.close()
    assert "5/5" in tty.getvalue() and "study:" not in tty.getvalue()


@pytest.fixture
def study_args(tmp_path):
    sc = tmp_path / "sc.yaml"
    sc.write_text(yaml.safe_dump(SCENARIO))
    return ["study", str(sc), "--reps", "4", "--vary", "pools.agents.size=24,28", "--workers", "1", "--no-plots"]


def _result_lines(out: str) -> list[str]:
    lines = out.splitlines()
    assert lines[0] == "2 levels, 8 replications"
    assert lines[1].startswith("Cost-optimal staffing: pools.agents.size = ")
    assert lines[2].startswith("Cheapest staffing that meets the target (80% answered within 20s): ")
    assert lines[3] == ("Note: the cost-optimal pools.agents.size = 28 is the largest value tried; widen the range "
                        "upwards to be sure it is the optimum")
    assert lines[4].startswith("At the peak interval 0:00–0:30 of the forecast (360 calls an hour for pool agents")
    assert lines[5].startswith("results in ") and len(lines) == 6
    return lines


def test_cli_progress_is_plain_when_piped(study_args, tmp_path, capsys):
    assert main([*study_args, "--out", str(tmp_path / "o")]) == 0
    cap = capsys.readouterr()
    assert "\x1b" not in cap.out and cap.err == ""
    lines = cap.out.splitlines()
    progress = [x for x in lines if x.startswith("study: ")]
    assert progress and all(LINE.fullmatch(x) for x in progress)
    assert progress[-1].startswith("study: 8/8 reps (100%)")
    _result_lines("\n".join(x for x in lines if not x.startswith("study: ")))
    assert lines[: len(progress)] == progress  # progress first, then the result


def test_cli_quiet_prints_only_the_result(study_args, tmp_path, capsys):
    assert main([*study_args, "--out", str(tmp_path / "o"), "--quiet"]) == 0
    cap = capsys.readouterr()
    assert cap.err == "" and "\x1b" not in cap.out
    _result_lines(cap.out)
