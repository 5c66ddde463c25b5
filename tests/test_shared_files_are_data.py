"""Shared files are data: study files and saves never run code, reach the network or write outside
their folder; outputs never replace anything but a regular file; inputs never hang; shared text
never reaches a terminal with control characters. Every refusal is one exact line."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crisissim.cli import main
from crisissim.fileio import write_atomic
from crisissim.scenario import load_scenario_text, validate_file
from crisissim.study import run_study

ROOT = Path(__file__).resolve().parents[1]
BASE = """\
meta: {id: base, title: Base case, duration: 2h, seed: 3}
channels: {phone: {kind: sync, patience: {dist: exponential, mean: 3m}}}
contact_types:
  q: {channel: phone, arrival: {rate: 60, per: hour}, handle_time: {dist: exponential, mean: 5m}}
pools: {a: {size: 6, skills: [q]}}
decisions:
  - {id: card, title: Card, at: 30m, default: "no", options: [{id: "yes", label: Y}, {id: "no", label: N}]}
"""


def cli(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def base(tmp_path):
    p = tmp_path / "base.yaml"
    p.write_text(BASE)
    return p


# --- outputs ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, what", [
    (lambda p: p.mkdir(), "a directory"),
    (lambda p: os.mkfifo(p), "a FIFO (named pipe)"),
])
@pytest.mark.parametrize("flag", ["--json", "--timeline", "--intervals", "--save"])
def test_an_output_that_is_not_a_regular_file_is_refused_and_left_alone(tmp_path, base, capsys, make, what, flag):
    target = tmp_path / "target"
    make(target)
    before = os.stat(target).st_mode
    code, out, err = cli(["run", str(base), flag, str(target)], capsys)
    assert code == 1 and out == ""
    assert err == f"crisissim: error: cannot write {target}: it is {what}, not a regular file (give a file name)\n"
    assert os.stat(target).st_mode == before


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_is_never_replaced(tmp_path, base, capsys):
    dev = tmp_path / "null"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    code, _, err = cli(["run", str(base), "--json", str(dev)], capsys)
    assert code == 1
    assert err == f"crisissim: error: cannot write {dev}: it is a character device, not a regular file (give a file name)\n"
    assert stat.S_ISCHR(os.stat(dev).st_mode)


def test_an_output_under_a_file_is_one_line(tmp_path, base, capsys):
    (tmp_path / "f").write_text("x")
    code, _, err = cli(["run", str(base), "--json", str(tmp_path / "f" / "r.json")], capsys)
    assert code == 1
    assert err == f"crisissim: error: cannot write {tmp_path / 'f' / 'r.json'}: {tmp_path / 'f'} is a file, not a folder\n"


def test_new_files_follow_the_umask_and_old_ones_keep_their_mode(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o640
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    os.chmod(kept, 0o604)
    write_atomic(kept, "new")
    assert kept.read_text() == "new" and stat.S_IMODE(os.stat(kept).st_mode) == 0o604


def test_a_full_disk_is_one_line_and_leaves_nothing_half_written(tmp_path, base):
    """A file-size limit (RLIMIT_FSIZE) makes every write past 512 bytes fail with EFBIG."""
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (512, 512)); "
            "from crisissim.cli import main; sys.exit(main(sys.argv[1:]))")
    r = subprocess.run([sys.executable, "-c", code, "run", str(base), "--json", "r.json"], cwd=tmp_path,
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert r.returncode == 1
    assert r.stderr == "crisissim: error: cannot write r.json: File too large\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.yaml"]  # no partial file, no temporary file


# --- inputs -----------------------------------------------------------------------------------------

def test_a_fifo_as_scenario_include_save_or_policy_is_refused_at_once(tmp_path, base, capsys):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    msg = f"{fifo}:1:1: is a FIFO (named pipe) (expected a regular file)"
    assert cli(["validate", str(fifo)], capsys)[2] == msg + "\n"
    assert cli(["run", str(fifo)], capsys)[2] == msg + "\n"
    assert cli(["run", "--replay", str(fifo)], capsys)[2] == msg + "\n"
    assert cli(["run", str(base), "--policy", f"scripted:{fifo}"], capsys)[2] == f"crisissim: error: {msg}\n"
    inc = tmp_path / "inc.yaml"
    inc.write_text("include: pipe.yaml\n" + BASE)
    assert cli(["validate", str(inc)], capsys)[2] == (
        f"{inc}:1:10: include: cannot include 'pipe.yaml': is a FIFO (named pipe) (expected a regular file)\n")


def test_a_character_device_is_not_a_scenario(capsys):
    assert cli(["validate", "/dev/zero"], capsys)[2] == "/dev/zero:1:1: is a character device (expected a regular file)\n"


def test_an_include_must_be_a_mapping(tmp_path):
    (tmp_path / "lines.txt").write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    f = tmp_path / "s.yaml"
    f.write_text("include: [lines.txt, list.yaml]\n" + BASE)
    _, errors, _ = validate_file(f)
    assert [str(p) for p in errors] == [
        f"{f}:1:11: include[0]: cannot include 'lines.txt': expected a mapping of scenario parts (such as "
        "customers: or channels:), got plain text",
        f"{f}:1:22: include[1]: cannot include 'list.yaml': expected a mapping of scenario parts (such as "
        "customers: or channels:), got a list",
    ]


def test_an_included_file_that_fails_to_parse_shows_its_place_not_its_lines(tmp_path):
    (tmp_path / "secret.yaml").write_text("token: s3cr3t-line-one\n  nested: [s3cr3t-line-two\ns3cr3t-line-three\n")
    f = tmp_path / "s.yaml"
    f.write_text("include: secret.yaml\n" + BASE)
    _, errors, _ = validate_file(f)
    assert len(errors) == 1 and "s3cr3t" not in str(errors[0])
    assert str(errors[0]).startswith(f"{tmp_path / 'secret.yaml'}:2:9: ")


def test_a_long_bad_value_is_shown_shortened_on_one_line():
    with pytest.raises(Exception) as e:
        load_scenario_text("meta: !!int |\n  line one\n  line two\n  line three\n")
    text = str(e.value)
    assert "line three" not in text and "\n" not in text


# --- text from shared files -------------------------------------------------------------------------

def test_control_characters_are_stripped_from_scenario_text(tmp_path, capsys):
    src = BASE.replace("title: Base case", 'title: "Evil \\e[2J\\e]0;owned\\a\\u202e title"').replace(
        "Card, at", '"C\\x9b2Jard", prompt: "line one\\nline two\\e[31m", at')
    sc = load_scenario_text(src)
    assert sc.meta.title == "Evil [2J]0;owned title"
    assert sc.decisions[0].title == "C2Jard" and sc.decisions[0].prompt == "line one\nline two[31m"
    f = tmp_path / "s.yaml"
    f.write_text(src)
    code, out, err = cli(["run", str(f)], capsys)
    assert code == 0 and "\x1b" not in out + err
    assert out.splitlines()[0] == "base — Evil [2J]0;owned title (seed 3, policy default)"


def test_a_saves_policy_label_reaches_the_terminal_without_escapes(tmp_path, base, capsys):
    save = tmp_path / "s.json"
    assert cli(["run", str(base), "--save", str(save)], capsys)[0] == 0
    d = json.loads(save.read_text())
    d["policy"] = "\x1b[2J\x1b]0;owned\x07trainee"
    save.write_text(json.dumps(d))
    code, out, _ = cli(["run", "--replay", str(save)], capsys)
    assert code == 0 and "\x1b" not in out and "policy [2J]0;ownedtrainee, replayed from s.json" in out


def test_a_save_naming_a_file_that_is_not_a_scenario_shows_nothing_of_it(tmp_path, base, capsys):
    save = tmp_path / "s.json"
    assert cli(["run", str(base), "--save", str(save)], capsys)[0] == 0
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\napi_key: abcdef\n")
    d = json.loads(save.read_text())
    d["scenario"]["path"] = str(secret)
    save.write_text(json.dumps(d, indent=2))
    code, _, err = cli(["run", "--replay", str(save)], capsys)
    line = next(n for n, text in enumerate(save.read_text().splitlines(), 1) if '"path"' in text)
    assert code == 1
    assert err == (f"{save}:{line}:13: scenario.path: {secret} is not a valid scenario (see crisissim validate {secret}, "
                   "or give the scenario on the command line: crisissim run SCENARIO --replay SAVE)\n")


# --- study files ------------------------------------------------------------------------------------

def study(tmp_path, body, extra=(), capsys=None):
    (tmp_path / "base.yaml").write_text(BASE)
    f = tmp_path / "st.yaml"
    f.write_text(body)
    return cli(["study", str(f), "-q", "--no-plots", *extra], capsys)


EVIL = "import pathlib\npathlib.Path(__file__).with_name('PWNED').write_text('x')\ndef f(s, c):\n    return c.default\n"


@pytest.mark.parametrize("policy, col", [("evil.py:f", 21), ("os:system", 21), ("subprocess:run", 21)])
def test_a_study_file_may_not_name_python_code(tmp_path, capsys, policy, col):
    (tmp_path / "evil.py").write_text(EVIL)
    code, _, err = study(tmp_path, f"scenario: base.yaml\nreps: 2\npolicies: [default, '{policy}']\n", capsys=capsys)
    assert code == 1
    assert err == (f"crisissim study: error: {tmp_path / 'st.yaml'}:3:{col}: policies[1]: '{policy}' is Python code, "
                   "and a study file may not run code (give it on the command line with --policy, or pass "
                   "--allow-code if you trust this file)\n")
    assert not (tmp_path / "PWNED").exists()


def test_allow_code_trusts_the_file_and_resolves_its_python_relative_to_it(tmp_path, capsys, monkeypatch):
    (tmp_path / "evil.py").write_text(EVIL)
    monkeypatch.chdir(ROOT)  # not the study's folder: the file is found beside the study file
    code, _, err = study(tmp_path, "scenario: base.yaml\nreps: 2\npolicies: ['evil.py:f']\nout: res\n",
                         ["--allow-code"], capsys)
    assert code == 0, err
    assert (tmp_path / "PWNED").exists() and (tmp_path / "res" / "summary.csv").exists()


def test_a_study_file_may_not_name_a_scheduler_address(tmp_path, capsys):
    code, _, err = study(tmp_path, "scenario: base.yaml\nreps: 2\nscheduler: tcp://203.0.113.9:8786\n", capsys=capsys)
    assert code == 1
    assert err == (f"crisissim study: error: {tmp_path / 'st.yaml'}:3:12: scheduler: a study file may not send the "
                   "study to a network address (give --scheduler on the command line, or pass --allow-code if you "
                   "trust this file)\n")


@pytest.mark.parametrize("out", ["/tmp/crisissim-out", "../escape", "a/../../b", "link"])
def test_a_study_files_out_stays_in_its_folder(tmp_path, capsys, out):
    os.symlink(tmp_path.parent, tmp_path / "link")
    code, _, err = study(tmp_path, f"scenario: base.yaml\nreps: 2\nout: {out}\n", capsys=capsys)
    assert code == 1
    assert err == (f"crisissim study: error: {tmp_path / 'st.yaml'}:3:6: out: expected a folder inside the study "
                   f"file's folder, such as results (got {out!r}); give --out on the command line to write elsewhere\n")


@pytest.mark.parametrize("policy", ["scripted:../p.yaml", "/etc/p.yaml", "scripted:link.yaml"])
def test_a_study_files_scripted_policies_stay_in_its_folder(tmp_path, capsys, policy):
    (tmp_path.parent / "p.yaml").write_text("cards: {card: 'yes'}\n")
    os.symlink(tmp_path.parent / "p.yaml", tmp_path / "link.yaml")
    code, _, err = study(tmp_path, f"scenario: base.yaml\nreps: 2\npolicies: ['{policy}']\n", capsys=capsys)
    name = policy.removeprefix("scripted:")
    assert code == 1
    assert err == (f"crisissim study: error: {tmp_path / 'st.yaml'}:3:12: policies[0]: policy file {name!r} is "
                   "outside the study file's folder (a study file may name built-in policies and scripted policy "
                   "files in its own folder)\n")


def test_scripted_policies_in_the_study_folder_and_bundled_ones_are_fine(tmp_path, capsys):
    (tmp_path / "pol").mkdir()
    (tmp_path / "pol" / "p.yaml").write_text("cards: {card: 'yes'}\n")
    code, out, err = study(tmp_path, "scenario: base.yaml\nreps: 2\npolicies: [default, scripted:pol/p.yaml]\n"
                                     "out: res\n", capsys=capsys)
    assert code == 0, err
    assert "results in" in out


# --- output folders ---------------------------------------------------------------------------------

def test_out_that_is_a_file_or_a_strangers_folder_is_refused(tmp_path, base, capsys):
    (tmp_path / "file").write_text("keep")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "summary.csv").write_text("my numbers")
    args = ["study", str(base), "--reps", "2", "-q", "--no-plots", "--out"]
    assert cli(args + [str(tmp_path / "file")], capsys)[2] == (
        f"crisissim study: error: --out {tmp_path / 'file'} is a file (expected a folder for the study's files)\n")
    assert cli(args + [str(tmp_path / "mine")], capsys)[2] == (
        f"crisissim study: error: --out {tmp_path / 'mine'} is not empty and holds no crisissim study; choose another "
        "folder, or pass --force to write the study's files into it\n")
    assert (tmp_path / "file").read_text() == "keep" and (tmp_path / "mine" / "summary.csv").read_text() == "my numbers"
    assert cli(args + [str(tmp_path / "mine"), "--force"], capsys)[0] == 0
    assert (tmp_path / "mine" / "summary.csv").read_text().startswith("level,")


# --- the resume fingerprint -------------------------------------------------------------------------

def test_resume_refuses_a_changed_policy_file(tmp_path):
    sc = yaml.safe_load(BASE)
    pol = tmp_path / "p.yaml"
    pol.write_text("cards: {card: 'yes'}\n")
    kw = dict(reps=2, policies=[f"scripted:{pol}"], out=tmp_path / "o", workers=1)
    run_study(sc, **kw)
    run_study(sc, resume=True, **kw)  # unchanged: resumes (nothing left to run)
    pol.write_text("cards: {card: 'no'}\n")
    with pytest.raises(Exception) as e:
        run_study(sc, resume=True, **kw)
    assert str(e.value) == (f"cannot resume {tmp_path / 'o'}: the study parameters differ (policy_files); use the same "
                            "parameters or another --out")


def test_resume_refuses_a_changed_include(tmp_path, capsys):
    (tmp_path / "part.yaml").write_text("customers: {clv: 1000}\n")
    f = tmp_path / "s.yaml"
    f.write_text("include: part.yaml\n" + BASE)
    args = ["study", str(f), "--reps", "2", "-q", "--no-plots", "--out", str(tmp_path / "o")]
    assert cli(args, capsys)[0] == 0
    (tmp_path / "part.yaml").write_text("customers: {clv: 2000}\n")
    code, _, err = cli(args + ["--resume"], capsys)
    assert code == 1
    assert err == (f"crisissim study: error: cannot resume {tmp_path / 'o'}: the study parameters differ (scenario, "
                   "scenario_hash); use the same parameters or another --out\n")
