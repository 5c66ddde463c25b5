"""The package stays clean: ``ruff check crisissim`` and ``mypy crisissim`` with the settings in
pyproject.toml find nothing. (.ci/run also runs both on their own, so a violation shows there by name.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing_in_the_package():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "crisissim"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing_in_the_package():
    # the first run in a fresh clone takes about 15 s of CPU; later ones read .mypy_cache
    done = subprocess.run([sys.executable, "-m", "mypy", "crisissim"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_package_says_it_is_typed():
    assert (ROOT / "crisissim" / "py.typed").is_file()
