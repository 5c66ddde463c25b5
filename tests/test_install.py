"""The bundled files are found after any install: a wheel built once, installed three ways.

A regular install into a fresh virtual environment, a ``--user`` install (``PYTHONUSERBASE``
in a temporary folder) and a ``--target`` folder. Each then lists the bundled scenarios, runs
one by name, validates one, prints FORMAT.md and writes a starter, all from an empty folder far
from the source tree. The dependencies come from this test's own environment (a ``.pth`` line
or ``PYTHONPATH``), so nothing is downloaded; the crisissim that runs is checked to be the
installed copy, never the source tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPS = sysconfig.get_paths()["purelib"]  # this environment's site-packages (numpy, pydantic …)
TIMEOUT = 600  # seconds: a safety net against a hung pip, not a timing assertion
SKIP = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                              ".hypothesis", "study-*", "out", "screenshots")


def _pip(*args: str, env: dict | None = None) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout}\n{r.stderr}"


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """The project built once as a wheel, from a copy of the tree (the source tree stays clean)."""
    src = tmp_path_factory.mktemp("src") / "crisissim"
    shutil.copytree(ROOT, src, symlinks=True, ignore=SKIP)
    out = tmp_path_factory.mktemp("wheel")
    _pip("wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src))
    (whl,) = out.glob("crisissim-*.whl")
    return whl


def test_the_wheel_holds_one_copy_of_every_bundled_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in (ROOT / "scenarios").rglob("*"):
        if f.is_file():
            assert f"crisissim/scenarios/{f.relative_to(ROOT / 'scenarios').as_posix()}" in names, f
    assert "crisissim/assets/fonts/wqy-microhei.ttc" in names
    assert "crisissim/data/starter.yaml" in names
    assert not any(n.startswith(("scenarios/", "assets/")) or ".data/data/" in n for n in names)


def _venv(path: Path, system: bool = False) -> Path:
    """A virtual environment without pip whose site-packages also sees this environment's packages."""
    args = [sys.executable, "-m", "venv", "--without-pip", str(path)] + (["--system-site-packages"] if system else [])
    subprocess.run(args, check=True, timeout=TIMEOUT)
    python = path / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "crisissim_test_deps.pth").write_text(DEPS + "\n")
    return python


def _install(kind: str, wheel: Path, tmp: Path) -> tuple[list[str], str, dict, Path]:
    """Install ``wheel`` one way; return the command that runs crisissim, the Python that sees
    it, their environment and the folder the package must be imported from."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    if kind == "regular":
        python = _venv(tmp / "venv")
        _pip("--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel))
        return [str(tmp / "venv" / "bin" / "crisissim")], str(python), env, tmp / "venv"
    if kind == "user":
        python = _venv(tmp / "venv", system=True)
        env["PYTHONUSERBASE"] = str(tmp / "userbase")
        _pip("--python", str(python), "install", "--user", "--no-deps", "--no-index", "-q", str(wheel), env=env)
        return [str(tmp / "userbase" / "bin" / "crisissim")], str(python), env, tmp / "userbase"
    target = tmp / "target"
    _pip("install", "--target", str(target), "--no-deps", "--no-index", "-q", str(wheel))
    env["PYTHONPATH"] = os.pathsep.join([str(target), DEPS])
    return [sys.executable, "-m", "crisissim"], sys.executable, env, target


@pytest.mark.parametrize("kind", ["regular", pytest.param("user", marks=pytest.mark.slow),
                                  pytest.param("target", marks=pytest.mark.slow)])
def test_bundled_files_are_found_after_install(kind, wheel, tmp_path):
    cmd, python, env, home = _install(kind, wheel, tmp_path)
    work = tmp_path / "work"
    work.mkdir()

    def cli(*args: str) -> subprocess.CompletedProcess:
        r = subprocess.run([*cmd, *args], cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode == 0, f"crisissim {' '.join(args)}: {r.stderr}"
        return r

    where = subprocess.run([python, "-c",
                            "import crisissim, crisissim.paths as p; print(crisissim.__file__); "
                            "print(p.data_dir('scenarios')); print(p.data_dir('assets'))"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert all(Path(w).resolve().is_relative_to(home.resolve()) for w in where), where
    assert (Path(where[2]) / "fonts" / "wqy-microhei.ttc").is_file()

    listed = cli("list").stdout
    for name in ("default", "product-recall", "viral-rumour", "default-staffing"):
        assert f"  {name} " in listed
    assert cli("validate", "product-recall").stdout.startswith("product-recall: ok (")
    assert cli("docs", "format").stdout.startswith("# The crisissim scenario format\n")
    res = json.loads(cli("run", "viral-rumour", "--seed", "3", "--json", "-").stdout)
    assert res["scenario"] == "viral-rumour" and res["seed"] == 3
    cli("new", "my-case")
    schema = (work / "my-case.yaml").read_text().splitlines()[0].split("$schema=", 1)[1]
    assert schema.startswith("file://") and Path(schema.removeprefix("file://")).is_file()
    assert not (home / "share" / "crisissim").exists()
