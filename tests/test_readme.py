"""The README's commands run as written, in order, in a fresh folder beside a copy of the
repository's scenarios (replications cut down, so the block runs in a minute or two); the Python
snippet's numbers agree with one another and with a fresh run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
HEADLESS = "Headless, from the repository folder, in this order"


def block_after(marker: str, lang: str) -> str:
    start = README.index(marker)
    start = README.index(f"```{lang}\n", start) + len(lang) + 4
    return README[start:README.index("```\n", start)]


def commands(block: str) -> list[str]:
    """The block's commands: continuation lines joined, comments dropped."""
    text = block.replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = re.sub(r"\s+#\s.*$", "", line).strip()
        if line:
            out.append(re.sub(r"\s+", " ", line))
    return out


def fewer_replications(cmd: str) -> str:
    """The command with a handful of replications (the only change made to what the README says)."""
    words = cmd.split()
    if words[1] in ("study", "lessons", "report") or (words[1] == "calibrate" and "--check" in words):
        small = {"study": "3", "lessons": "3", "report": "2", "calibrate": "3"}[words[1]]
        if "--reps" in words:
            words[words.index("--reps") + 1] = small
        else:
            words += ["--reps", small]
        if "--optimize" in words:
            words += ["--max-reps", "6"]
        if words[1] in ("study", "report", "lessons"):
            words += ["--workers", "2"]
    return " ".join(words)


def test_the_headless_block_is_what_the_test_runs():
    cmds = commands(block_after(HEADLESS, "bash"))
    assert len(cmds) >= 15 and all(c.startswith("crisissim ") for c in cmds)
    assert fewer_replications("crisissim study scenarios/default.yaml --reps 200 --out study") == \
        "crisissim study scenarios/default.yaml --reps 3 --out study --workers 2"
    outs = [c.split("--out ")[1].split()[0] for c in cmds if c.startswith("crisissim study") and "--out " in c]
    assert len(outs) == len(set(outs)), "two studies write to the same folder"


def heavy(cmd: str) -> bool:
    """Replicating commands (and what needs their output): a minute or two together, so only in the slow run."""
    words = cmd.split()
    return words[1] in ("lessons", "study", "report", "calibrate") or "my-centre.yaml" in words


def run_in_order(folder: Path, cmds: list[str]) -> None:
    shutil.copytree(ROOT / "scenarios", folder / "scenarios")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "HOME": str(folder), "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "MPLBACKEND": "Agg"}
    for cmd in cmds:
        small = fewer_replications(cmd)
        done = subprocess.run(["bash", "-c", small], cwd=folder, env=env, capture_output=True, text=True,
                              timeout=600)
        assert "Traceback" not in done.stderr, f"{small}\n{done.stderr}"
        if cmd.startswith("crisissim lessons"):  # 3 replications cannot prove a lesson: it must say so
            assert done.returncode in (0, 1), f"{small}\n{done.stderr}"
            assert done.returncode == 0 or "too few replications to tell with 3" in done.stdout + done.stderr
            continue
        assert done.returncode == 0, f"{small}\n{done.stdout}\n{done.stderr}"


def test_readme_quick_commands_run_in_order_as_written(tmp_path):
    cmds = [c for c in commands(block_after(HEADLESS, "bash")) if not heavy(c)]
    assert len(cmds) >= 9
    run_in_order(tmp_path, cmds)
    for made in ("out.json", "tl.csv", "iv.csv", "play.json", "calls.csv", "staffing.csv", "my-case.yaml"):
        assert (tmp_path / made).is_file(), made


@pytest.mark.slow
def test_readme_commands_run_in_order_as_written(tmp_path):
    run_in_order(tmp_path, commands(block_after(HEADLESS, "bash")))
    for made in ("out.json", "tl.csv", "iv.csv", "play.json", "play-report/report.html", "study/report.md",
                 "study-answer/report.md", "study-file/report.md", "study-delivery-breakdown/report.md",
                 "study-dask/report.md", "calls.csv", "staffing.csv", "my-centre.yaml", "my-case.yaml"):
        assert (tmp_path / made).is_file(), made
    answer = (tmp_path / "study-answer" / "report.md").read_text(encoding="utf-8")
    assert "pools.agents.shifts.0.size" in answer and "scoring.service_level.threshold" in answer


def test_python_snippet_numbers_agree(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    code = block_after("From Python:", "python")
    printed: list[str] = []
    exec(compile(code, "README.md", "exec"), {"print": lambda *a: printed.append(" ".join(map(str, a)))})
    so_far = float(re.search(r"after 4 hours: ([\d,]+) lost so far", printed[0]).group(1).replace(",", ""))
    total = float(re.search(r"after 12 hours: ([\d,]+) lost in all", printed[1]).group(1).replace(",", ""))
    parts = eval(printed[2])  # noqa: S307 - the dict the snippet printed
    assert abs(sum(parts.values()) - total) <= len(parts)  # each part rounded to a whole amount
    assert total >= so_far > 0

    from crisissim import Simulation, load_scenario

    sim = Simulation(load_scenario("scenarios/product-recall.yaml"), seed=1)
    sim.decide(sim.run_to_next_decision().id, "full-recall")
    sim.run_until(240)
    assert round(sim.snapshot().total_loss) == so_far
