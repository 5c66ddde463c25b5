"""Feed crisissim a table of bad inputs, as a trainee, a planner or an attacker would, and count the
ones it handles cleanly.

    python scripts/bad_inputs.py [--jobs 2] [--only SUBSTRING] [--verbose]

Every case runs the real CLI in a fresh process (``python -m crisissim …``) in a scratch folder,
under a 3 GiB address-space limit and a time limit. A case is handled cleanly when

* it finishes in time (no hang, no runaway run) and within memory;
* a refusal exits non-zero with exactly one line on stderr (``validate`` one line per problem),
  and an accepted input exits 0;
* no traceback appears, and nothing outside its output is touched (a device or FIFO given as an
  output is still there, no code named by a shared file ran, no file appears outside a study's
  folder).

The script prints one row per case and the count; it exits 1 if any case is not clean. Run as
root it also runs the permission cases as ``nobody`` (skipped otherwise).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parent.parent
MEMORY = 3 * 1024**3

BASE = {
    "meta": {"id": "base", "title": "Base case", "duration": "2h", "seed": 3},
    "channels": {"phone": {"kind": "sync", "patience": {"dist": "exponential", "mean": "3m"}},
                 "social": {"kind": "social", "excitation": 0.5}},
    "contact_types": {
        "q": {"channel": "phone", "arrival": {"rate": 120, "per": "hour"}, "handle_time": {"dist": "exponential", "mean": "5m"}},
        "post": {"channel": "social", "arrival": {"rate": 10, "per": "hour"}, "handle_time": {"dist": "fixed", "value": "2m"}},
    },
    "pools": {"a": {"size": 12, "skills": ["q", "post"]}},
    "decisions": [{"id": "card", "title": "Card", "at": "30m", "default": "no",
                   "options": [{"id": "yes", "label": "Yes", "effects": [{"effect": "staff", "pool": "a", "add": 2}]},
                               {"id": "no", "label": "No"}]}],
    "actions": [{"id": "faq", "label": "FAQ", "cooldown": "30m", "effects": [{"effect": "deflect", "share": 0.1}]}],
}


@dataclass
class Case:
    name: str
    argv: list[str]
    expect: str = "error"  # "error": refused with one line; "ok": accepted; "lines": validate, one line per problem
    setup: Callable[[Path], None] | None = None
    check: Callable[[Path, subprocess.CompletedProcess], str | None] | None = None  # a reason it is not clean
    timeout: float = 60.0
    fsize: int | None = None  # RLIMIT_FSIZE in bytes
    user: str | None = None  # run as this user (root only)
    signal_after: float | None = None  # send the signal once the process has used this many CPU seconds
    signal: int = signal.SIGINT
    ready: Callable[[Path], bool] | None = None  # send the signal once this holds (instead of CPU seconds)
    env: dict = field(default_factory=dict)


def deep(base: dict, patch: dict) -> dict:
    out = json.loads(json.dumps(base))
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep(out[key], value)
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def write(name: str, text: str | bytes) -> Callable[[Path], None]:
    def go(d: Path) -> None:
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return go


def scenario(name: str, patch: dict | None = None, text: str | None = None) -> Callable[[Path], None]:
    return write(name, text if text is not None else yaml.safe_dump(deep(BASE, patch or {}), allow_unicode=True))


def fifo(name: str) -> Callable[[Path], None]:
    return lambda d: os.mkfifo(d / name)


def device(name: str) -> Callable[[Path], None]:
    def go(d: Path) -> None:
        if os.geteuid() == 0:
            os.mknod(d / name, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private /dev/null
        else:
            os.symlink("/dev/null", d / name)
    return go


def immutable(name: str) -> Callable[[Path], None]:
    """A folder nobody may write into, not even root (``chattr +i``; read-only for others)."""
    def go(d: Path) -> None:
        (d / name).mkdir(mode=0o555)
        subprocess.run(["chattr", "+i", str(d / name)], capture_output=True)
    return go


def journaled(folder: str) -> Callable[[Path], bool]:
    """Ready once the study in ``folder`` has journaled a batch."""
    def go(d: Path) -> bool:
        try:
            return '"batch"' in (d / folder / "journal.jsonl").read_text()
        except OSError:
            return False
    return go


def both(*steps) -> Callable[[Path], None]:
    def go(d: Path) -> None:
        for s in steps:
            if s is not None:
                s(d)
    return go


def still(kind: str, name: str):
    """Check: the special file given as an output is still there, untouched."""
    test = {"fifo": stat.S_ISFIFO, "device": stat.S_ISCHR, "dir": stat.S_ISDIR}[kind]

    def check(d: Path, _r) -> str | None:
        try:
            return None if test(os.stat(d / name).st_mode) else f"{name} was replaced"
        except FileNotFoundError:
            return f"{name} is gone"
    return check


def absent(*names: str):
    def check(d: Path, _r) -> str | None:
        for n in names:
            if (d / n).exists():
                return f"{n} exists"
        return None
    return check


def save_of(name: str, edit: Callable[[dict], None] | None, scenario_file: str = "base.yaml",
            policy: str = "first") -> Callable[[Path], None]:
    """A real save of base.yaml (made by running crisissim), then edited."""
    def go(d: Path) -> None:
        scenario("base.yaml")(d)
        subprocess.run([sys.executable, "-m", "crisissim", "run", scenario_file, "--policy", policy, "--save", name],
                       cwd=d, capture_output=True, check=True, timeout=120)
        if edit is not None:
            data = json.loads((d / name).read_text())
            edit(data)
            (d / name).write_text(json.dumps(data, indent=2))
    return go


def study_file(name: str, body: str, extra: Callable[[Path], None] | None = None) -> Callable[[Path], None]:
    return both(scenario("base.yaml"), write(name, textwrap.dedent(body)), extra)


EVIL = "import pathlib\npathlib.Path('PWNED').write_text('x')\ndef f(snapshot, card):\n    return card.default\n"


def cases() -> list[Case]:
    out: list[Case] = []

    def scen_case(name: str, patch: dict | None = None, text: str | None = None, run_too: bool = True,
                  expect_validate: str = "lines", extra=None, run_expect: str | None = None):
        out.append(Case(f"validate: {name}", ["validate", "s.yaml"], expect_validate,
                        both(scenario("s.yaml", patch, text), extra)))
        if run_too:
            expect = run_expect or ("ok" if expect_validate == "ok" else "error")
            out.append(Case(f"run: {name}", ["run", "s.yaml"], expect, both(scenario("s.yaml", patch, text), extra)))

    def too_big(name: str, patch: dict):  # validate accepts it; run refuses it up front, in one line
        scen_case(name, patch, expect_validate="ok", run_expect="error")

    # --- scenario files: the shape of the file ------------------------------------------------
    scen_case("empty file", text="")
    scen_case("only a comment", text="# nothing\n")
    scen_case("a list at the top", text="- 1\n- 2\n")
    scen_case("plain text", text="hello world\n")
    scen_case("binary garbage", text=None, extra=write("s.yaml", bytes(range(256)) * 40))
    scen_case("not UTF-8", extra=write("s.yaml", b"meta: {id: x, title: \xff\xfe}\n"))
    scen_case("6 MB file", text="# " + "x" * (6 * 1024 * 1024) + "\n")
    scen_case("nested 100,000 deep", text="a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    scen_case("billion laughs", text="a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)))
    scen_case("duplicate keys", text="meta: {id: a}\nmeta: {id: b}\n")
    scen_case("tab indentation", text="meta:\n\tid: x\n")
    scen_case("unclosed bracket", text="meta: {id: x, title: [y\n")
    scen_case("python object tag", text="meta: !!python/object/apply:os.system ['touch PWNED']\n",
              extra=None)
    scen_case("unknown tag", text="meta: !evil {id: x}\n")
    scen_case("merge key of a scalar", text="<<: 5\nmeta: {id: x}\n")
    scen_case("NUL character", extra=write("s.yaml", b"meta: {id: x\x00y}\n"))
    scen_case("10,000 unknown fields", text="".join(f"k{i}: {i}\n" for i in range(10_000)))
    # --- scenario files: values -----------------------------------------------------------------
    too_big("arrival 1e9 per hour", {"contact_types": {"q": {"arrival": {"rate": 1e9}}}})
    too_big("arrival 1e12 per minute", {"contact_types": {"q": {"arrival": {"rate": 1e12, "per": "minute"}}}})
    scen_case("arrival 1e13 (beyond the schema)", {"contact_types": {"q": {"arrival": {"rate": 1e13}}}})
    scen_case("arrival -5", {"contact_types": {"q": {"arrival": {"rate": -5}}}})
    scen_case("arrival NaN", text=yaml.safe_dump(deep(BASE, {})).replace("rate: 120", "rate: .nan"))
    scen_case("arrival a string", {"contact_types": {"q": {"arrival": {"rate": "lots"}}}})
    scen_case("every 1e-9 minutes", {"injects": [{"id": "i", "at": 0, "every": 1e-9,
                                                  "effects": [{"effect": "cost", "amount": 1}]}]})
    scen_case("every 1e-9 with when", {"injects": [{"id": "i", "when": "time > 1", "every": 1e-9,
                                                    "effects": [{"effect": "cost", "amount": 1}]}]})
    scen_case("profile_step 1e-6", {"contact_types": {"q": {"arrival": {"profile": [1, 2], "profile_step": 1e-6}}}})
    scen_case("excitation above critical", {"channels": {"social": {"excitation": 3}}})
    scen_case("excitation at critical", {"channels": {"social": {"excitation": 60 * math.log(2) / 30 / 0.7 * 1.000001}}})
    scen_case("excitation 1e12", {"channels": {"social": {"excitation": 1e12}}})
    scen_case("patience fixed 0", {"channels": {"phone": {"patience": {"dist": "fixed", "value": 0}}}})
    scen_case("patience exponential mean 0", {"channels": {"phone": {"patience": {"dist": "exponential", "mean": 0}}}})
    scen_case("patience uniform 0..0", {"channels": {"phone": {"patience": {"dist": "uniform", "low": 0, "high": 0}}}})
    scen_case("patience empirical [0]", {"channels": {"phone": {"patience": {"dist": "empirical", "values": [0]}}}})
    scen_case("lognormal cv 1e300", {"contact_types": {"q": {"handle_time": {"dist": "lognormal", "mean": 5, "cv": 1e300}}}})
    scen_case("lognormal sigma 1e300", {"contact_types": {"q": {"handle_time": {"dist": "lognormal", "mu": 1, "sigma": 1e300}}}})
    scen_case("lognormal mu -1e300", {"contact_types": {"q": {"handle_time": {"dist": "lognormal", "mu": -1e300, "sigma": 1}}}})
    scen_case("gamma cv 1e-300", {"contact_types": {"q": {"handle_time": {"dist": "gamma", "mean": 5, "cv": 1e-300}}}})
    scen_case("gamma shape 1e-300", {"contact_types": {"q": {"handle_time": {"dist": "gamma", "shape": 1e-300, "scale": 1}}}})
    scen_case("gamma shape 1e300", {"contact_types": {"q": {"handle_time": {"dist": "gamma", "shape": 1e300, "scale": 1}}}})
    scen_case("exponential rate 0", {"contact_types": {"q": {"handle_time": {"dist": "exponential", "rate": 0}}}})
    scen_case("uniform high < low", {"contact_types": {"q": {"handle_time": {"dist": "uniform", "low": 5, "high": 1}}}})
    scen_case("empirical weights all 0", {"contact_types": {"q": {"handle_time": {"dist": "empirical", "values": [1, 2],
                                                                                  "weights": [0, 0]}}}})
    scen_case("unknown distribution", {"contact_types": {"q": {"handle_time": {"dist": "poisson", "mean": 1}}}})
    too_big("endless repeats in no time", {"contact_types": {"q": {
        "first_contact_resolution": 0, "handle_time": {"dist": "fixed", "value": 0, "mean": None},
        "repeat_delay": {"dist": "fixed", "value": 0}}}, "churn": {"b0": -100}})
    too_big("endless redials in no time", {"contact_types": {"q": {"retry": 1, "retry_delay": {"dist": "fixed", "value": 0}}},
                                             "injects": [{"id": "down", "at": 0, "effects": [{"effect": "outage", "channel": "phone"}]}],
                                             "churn": {"b0": -100, "abandon": -100}})
    too_big("surge 1000x for a year", {"meta": {"duration": "366d"}, "injects": [
        {"id": "i", "at": 0, "effects": [{"effect": "surge", "peak": 1000, "half_life": "366d"}]}]})
    too_big("surge every minute", {"meta": {"duration": "3d"}, "injects": [
        {"id": "i", "at": 0, "every": "1m", "effects": [{"effect": "surge", "peak": 1000, "half_life": "1d"}]}]})
    too_big("amplification 1000 makes posts explode", {"injects": [
        {"id": "i", "at": 0, "effects": [{"effect": "amplification", "factor": 1000}]}]})
    too_big("duration 366 days at 1000 a minute", {"meta": {"duration": "366d"},
                                                     "contact_types": {"q": {"arrival": {"rate": 1000, "per": "minute"}}}})
    scen_case("sample_every tiny", {"meta": {"sample_every": 1e-9}})
    scen_case("interval tiny", {"meta": {"interval": 1e-9}})
    scen_case("duration 0", {"meta": {"duration": 0}})
    scen_case("duration 1000 days", {"meta": {"duration": "1000d"}})
    scen_case("warmup longer than the run", {"meta": {"warmup": "3h"}})
    scen_case("seed 2**64", {"meta": {"seed": 2**64}})
    scen_case("seed -1", {"meta": {"seed": -1}})
    scen_case("10,000 shifts", {"pools": {"a": {"size": None, "shifts": [
        {"start": i * 0.01, "end": i * 0.01 + 0.01, "size": 1} for i in range(10_000)]}}}, expect_validate="ok")
    scen_case("100,001 agents", {"pools": {"a": {"size": 100_001}}})
    scen_case("1,001 injects", {"injects": [{"id": f"i{i}", "at": 1} for i in range(1001)]})
    scen_case("staff effect on an unknown pool", {"actions": [{"id": "x", "label": "x",
                                                               "effects": [{"effect": "staff", "pool": "nope", "add": 1}]}]})
    scen_case("title with terminal escapes", {"meta": {"title": "\x1b[2J\x1b]0;pwned\x07Title"}}, expect_validate="ok",
              run_too=False)
    out.append(Case("run: title with terminal escapes", ["run", "s.yaml"], "ok",
                    scenario("s.yaml", {"meta": {"title": "\x1b[2J\x1b]0;pwned\x07Title"}}),
                    lambda d, r: "escape reached the terminal" if "\x1b" in r.stdout + r.stderr else None))
    out.append(Case("run: briefing with C1 controls and bidi overrides", ["run", "s.yaml", "--json", "-"], "ok",
                    scenario("s.yaml", {"meta": {"title": "A\u202eB\x9b2J"}}),
                    lambda d, r: "control reached the terminal" if any(c in r.stdout + r.stderr for c in "\x9b\u202e")
                    else None))
    # --- conditions ---------------------------------------------------------------------------------
    def when(name: str, cond: str, expect_validate: str = "lines"):
        scen_case(f"condition: {name}", {"injects": [{"id": "i", "when": cond,
                                                      "effects": [{"effect": "cost", "amount": 1}]}]},
                  expect_validate=expect_validate)
    when("995 + terms", "time > " + "+".join(["1"] * 995))
    when("90 nested parentheses", "(" * 90 + "time > 1" + ")" * 90)
    when("1,990 unary minus", "time > " + "-" * 1990 + "1")
    when("400 not", "not " * 400 + "time > 1")
    when("time > 1e5m", "time > 1e5m", expect_validate="ok")
    when("a 400-digit number", "time > " + "9" * 400)
    when("1e400", "time > 1e400")
    when("&& instead of and", "time > 1 && queue > 2")
    when("a number alone", "42")
    when("division by zero", "queue / 0 > 1", expect_validate="ok")
    when("unknown name", "tiem > 1")
    when("a 2,001-character condition", "time > 1 or " * 200 + "true")
    when("__import__", "__import__('os').system('touch PWNED')")
    # --- includes -----------------------------------------------------------------------------------
    inc = lambda target: {"include": target}  # noqa: E731
    scen_case("include a FIFO", inc("f.yaml"), extra=fifo("f.yaml"))
    scen_case("include /etc/passwd (not a mapping)", inc("/etc/passwd"))
    scen_case("include a list", inc("l.yaml"), extra=write("l.yaml", "- a\n- b\n"))
    scen_case("include a directory", inc("sub"), extra=lambda d: (d / "sub").mkdir())
    scen_case("include a missing file", inc("nope.yaml"))
    scen_case("include a binary file", inc("b.bin"), extra=write("b.bin", bytes(range(256))))
    scen_case("include itself", inc("s.yaml"))
    scen_case("include a cycle", inc("c1.yaml"), extra=both(write("c1.yaml", "include: c2.yaml\n"),
                                                             write("c2.yaml", "include: c1.yaml\n")))
    scen_case("include 200 files", {"include": [f"i{i}.yaml" for i in range(200)]},
              extra=lambda d: [(d / f"i{i}.yaml").write_text("customers: {base: 10}\n") for i in range(200)])
    scen_case("include a broken file", inc("br.yaml"), extra=write("br.yaml", "secret: one\n  two: [\nthree\n"))
    scen_case("include a device", inc("/dev/zero"))
    scen_case("include a number", {"include": 5})
    # --- inputs that are not regular files ----------------------------------------------------------
    for cmd in ("validate", "run"):
        out.append(Case(f"{cmd}: scenario is a FIFO", [cmd, "f.yaml"], "lines" if cmd == "validate" else "error",
                        fifo("f.yaml"), timeout=20))
        out.append(Case(f"{cmd}: scenario is /dev/zero", [cmd, "/dev/zero"], "lines" if cmd == "validate" else "error",
                        timeout=20))
        out.append(Case(f"{cmd}: scenario is a directory", [cmd, "."], "lines" if cmd == "validate" else "error"))
        out.append(Case(f"{cmd}: scenario is missing", [cmd, "nope.yaml"], "lines" if cmd == "validate" else "error"))
    out.append(Case("study: scenario is a FIFO", ["study", "f.yaml", "-q"], "error", fifo("f.yaml"), timeout=20))
    out.append(Case("play: scenario is a FIFO", ["play", "f.yaml"], "error", fifo("f.yaml"), timeout=20,
                    env={"SDL_VIDEODRIVER": "dummy"}))

    # --- run: flags and outputs ---------------------------------------------------------------------
    def run_case(name, args, expect="error", setup=None, check=None, **kw):
        out.append(Case(f"run: {name}", ["run", "base.yaml", *args], expect, both(scenario("base.yaml"), setup), check,
                        **kw))
    run_case("--json to a directory", ["--json", "dir"], setup=lambda d: (d / "dir").mkdir(), check=still("dir", "dir"))
    run_case("--json to a FIFO", ["--json", "f"], setup=fifo("f"), check=still("fifo", "f"), timeout=20)
    run_case("--json to a device", ["--json", "dev"], setup=device("dev"), check=still("device", "dev"))
    run_case("--timeline to a directory", ["--timeline", "dir"], setup=lambda d: (d / "dir").mkdir())
    run_case("--timeline to a FIFO", ["--timeline", "f"], setup=fifo("f"), check=still("fifo", "f"), timeout=20)
    run_case("--intervals to a device", ["--intervals", "dev"], setup=device("dev"), check=still("device", "dev"))
    run_case("--save to a directory", ["--save", "dir"], setup=lambda d: (d / "dir").mkdir())
    run_case("--save to a FIFO", ["--save", "f"], setup=fifo("f"), check=still("fifo", "f"), timeout=20)
    run_case("--json under a file", ["--json", "file/x.json"], setup=write("file", "x"))
    run_case("--json with a full disk", ["--json", "r.json"], fsize=512, check=absent("r.json"))
    run_case("--timeline with a full disk", ["--timeline", "t.csv"], fsize=4096, check=absent("t.csv"))
    run_case("--save with a full disk", ["--save", "s.json"], fsize=200, check=absent("s.json"))
    run_case("--json into /sys (not writable)", ["--json", "/sys/crisissim.json"])
    run_case("--json into an immutable folder", ["--json", "ro/r.json"], setup=immutable("ro"))
    run_case("--json ''", ["--json", ""])
    run_case("--seed -1", ["--seed", "-1"])
    run_case("--seed 2**64", ["--seed", str(2**64)])
    run_case("--seed abc", ["--seed", "abc"])
    run_case("--interval 0", ["--interval", "0"])
    run_case("--interval 1e-9", ["--interval", "1e-9"])
    run_case("--interval soon", ["--interval", "soon"])
    run_case("--max-contacts 0", ["--max-contacts", "0"])
    run_case("--max-contacts 10 (too small)", ["--max-contacts", "10"])
    run_case("--policy nosuch", ["--policy", "nosuch"])
    run_case("--policy ''", ["--policy", ""])
    run_case("--policy scripted:", ["--policy", "scripted:"])
    run_case("--policy missing.py:f", ["--policy", "missing.py:f"])
    run_case("--policy os:nosuch", ["--policy", "os:nosuch"])
    run_case("--policy os:getcwd (wrong signature)", ["--policy", "os:getcwd"])
    run_case("--policy a policy that raises", ["--policy", "p.py:f"],
             setup=write("p.py", "def f(snapshot, card):\n    raise RuntimeError('boom')\n"))
    run_case("--policy a policy that answers nonsense", ["--policy", "p.py:f"],
             setup=write("p.py", "def f(snapshot, card):\n    return 42\n"))
    run_case("--policy a file that fails to import", ["--policy", "p.py:f"], setup=write("p.py", "1/0\n"))
    run_case("--policy scripted FIFO", ["--policy", "scripted:f.yaml"], setup=fifo("f.yaml"), timeout=20)
    run_case("--policy scripted nested 100,000 deep", ["--policy", "scripted:p.yaml"],
             setup=write("p.yaml", "cards: " + "[" * 100_000 + "]" * 100_000 + "\n"))
    run_case("--policy scripted 1M aliased actions", ["--policy", "scripted:p.yaml"],
             setup=write("p.yaml", "x: &a {action: faq, at: 1m}\nactions: [" + ", ".join(["*a"] * 1_000_000) + "]\n"))
    run_case("--policy scripted 20,000 actions", ["--policy", "scripted:p.yaml"],
             setup=write("p.yaml", "actions:\n" + "".join(f"  - {{action: faq, at: {i}s}}\n" for i in range(20_000))))
    run_case("--policy scripted 5,000 unknown cards", ["--policy", "scripted:p.yaml"],
             setup=write("p.yaml", "cards:\n" + "".join(f"  c{i}: x\n" for i in range(5000))))
    run_case("--policy scripted is a list", ["--policy", "scripted:p.yaml"], setup=write("p.yaml", "- a\n"))
    run_case("--policy scripted with a python tag", ["--policy", "scripted:p.yaml"],
             setup=write("p.yaml", "cards: !!python/object/apply:os.system ['touch PWNED']\n"), check=absent("PWNED"))
    run_case("--compare nosuch", ["--compare", "default,nosuch"])
    run_case("--compare with a bad scripted file", ["--compare", "scripted:nope.yaml"])
    run_case("Ctrl-C", [], expect="interrupt", signal_after=3.0,
             setup=scenario("base.yaml", {"meta": {"duration": "3d"}, "contact_types": {"q": {"arrival": {"rate": 20000}}},
                                          "pools": {"a": {"size": 1500}}}))

    # --- saves and replays --------------------------------------------------------------------------
    def replay_case(name, edit=None, args=(), setup=None, expect="error", **kw):
        out.append(Case(f"replay: {name}", ["run", "--replay", "s.json", *args], expect,
                        both(save_of("s.json", edit), setup), **kw))

    def set_(path, value):
        def edit(d):
            node = d
            for k in path[:-1]:
                node = node[k]
            node[path[-1]] = value
        return edit
    replay_case("an untouched save reproduces", expect="ok",
                check=lambda d, r: None if "reproduced exactly" in r.stdout else "no reproduction check")
    replay_case("decision step 10**18", lambda d: d["decisions"].append(
        {"t": 5.0, "step": 10**18, "action": "faq", "by": "trainee"}))
    replay_case("decision step -1", lambda d: d["decisions"].append({"t": 5.0, "step": -1, "action": "faq", "by": "trainee"}))
    replay_case("decision at t=1e300", lambda d: d["decisions"].append({"t": 1e300, "step": 5, "action": "faq",
                                                                       "by": "trainee"}))
    replay_case("decision without a step", lambda d: d["decisions"].append({"t": 5.0, "action": "faq", "by": "trainee"}))
    replay_case("unknown action", lambda d: d["decisions"].append({"t": 5.0, "step": 3, "action": "nuke", "by": "trainee"}))
    replay_case("unknown option", lambda d: d["decisions"][0].update(option="teleport"))
    replay_case("seed edited (does not reproduce)", set_(["seed"], 99))
    replay_case("fingerprint edited", set_(["result_fingerprint"], "0" * 64))
    replay_case("decision removed (does not reproduce)", lambda d: d["decisions"].clear())
    replay_case("seed a string", set_(["seed"], "eleven"))
    replay_case("seed 2**70", set_(["seed"], 2**70))
    replay_case("format wrong", set_(["format"], "other"))
    replay_case("version 2", set_(["version"], 2))
    replay_case("extra key", set_(["evil"], 1))
    replay_case("scenario hash of another scenario", set_(["scenario", "hash"], "a" * 64))
    replay_case("scenario path a FIFO", set_(["scenario", "path"], "f.yaml"), setup=fifo("f.yaml"), timeout=20)
    replay_case("scenario path /etc/shadow", set_(["scenario", "path"], "/etc/shadow"))
    replay_case("scenario path a directory", set_(["scenario", "path"], "/"))
    replay_case("policy label with terminal escapes", set_(["policy"], "\x1b[2Jevil"), expect="ok",
                check=lambda d, r: "escape reached the terminal" if "\x1b" in r.stdout + r.stderr else None)
    replay_case("--seed contradicts the save", args=("--seed", "4"))
    out.append(Case("replay: truncated save", ["run", "--replay", "s.json"], "error",
                    both(save_of("s.json", None), lambda d: (d / "s.json").write_text((d / "s.json").read_text()[:100]))))
    out.append(Case("replay: save is a FIFO", ["run", "--replay", "f.json"], "error", fifo("f.json"), timeout=20))
    out.append(Case("replay: save nested 100,000 deep", ["run", "--replay", "s.json"], "error",
                    write("s.json", "[" * 100_000 + "]" * 100_000)))
    out.append(Case("replay: save is binary", ["run", "--replay", "s.json"], "error", write("s.json", bytes(range(256)))))
    out.append(Case("replay: missing save", ["run", "--replay", "nope.json"], "error"))

    # --- study files: data, not code ----------------------------------------------------------------
    def study_case(name, body, args=(), extra=None, expect="error", check=None, **kw):
        out.append(Case(f"study file: {name}", ["study", "st.yaml", "-q", "--no-plots", *args], expect,
                        study_file("st.yaml", body, extra), check or absent("PWNED", "../PWNED"), **kw))
    study_case("a Python file policy", "scenario: base.yaml\nreps: 2\npolicies: [default, 'evil.py:f']\n",
               extra=write("evil.py", EVIL))
    study_case("a module policy", "scenario: base.yaml\nreps: 2\npolicies: ['os:system']\n")
    study_case("a module policy in a list form", "scenario: base.yaml\nreps: 2\npolicies:\n  - subprocess:run\n")
    study_case("a scheduler address", "scenario: base.yaml\nreps: 2\nscheduler: tcp://203.0.113.1:8786\n")
    study_case("a scheduler address (tls)", "scenario: base.yaml\nreps: 2\nscheduler: tls://203.0.113.1:8786\n")
    study_case("out: absolute", "scenario: base.yaml\nreps: 2\nout: /tmp/crisissim-escape\n",
               check=lambda d, r: "wrote outside" if Path("/tmp/crisissim-escape").exists() else None)
    study_case("out: ../", "scenario: base.yaml\nreps: 2\nout: ../escape\n", check=absent("../escape"))
    study_case("out: a/../../b", "scenario: base.yaml\nreps: 2\nout: a/../../b\n", check=absent("../b"))
    study_case("out: a symlink out of the folder", "scenario: base.yaml\nreps: 2\nout: link\n",
               extra=lambda d: os.symlink("/tmp", d / "link"))
    study_case("scripted policy ../outside.yaml", "scenario: base.yaml\nreps: 2\npolicies: [scripted:../outside.yaml]\n")
    study_case("scripted policy /etc/passwd.yaml", "scenario: base.yaml\nreps: 2\npolicies: [/etc/passwd.yaml]\n")
    study_case("scripted policy through a symlink out", "scenario: base.yaml\nreps: 2\npolicies: [scripted:l.yaml]\n",
               extra=lambda d: os.symlink("/etc/hostname", d / "l.yaml"))
    study_case("scripted policy a FIFO", "scenario: base.yaml\nreps: 2\npolicies: [scripted:f.yaml]\n",
               extra=fifo("f.yaml"), timeout=20)
    study_case("scripted policy naming an unknown card", "scenario: base.yaml\nreps: 2\npolicies: [scripted:p.yaml]\n",
               extra=write("p.yaml", "cards: {nope: yes}\n"))
    study_case("scripted policy in its folder is fine", "scenario: base.yaml\nreps: 2\npolicies: [scripted:p.yaml]\n",
               extra=write("p.yaml", "cards: {card: 'yes'}\n"), expect="ok")
    study_case("--allow-code runs a trusted Python policy", "scenario: base.yaml\nreps: 2\npolicies: ['good.py:f']\n",
               args=("--allow-code",), extra=write("good.py", "def f(snapshot, card):\n    return card.default\n"),
               expect="ok", check=lambda d, r: None)
    study_case("scenario is a FIFO", "scenario: f.yaml\nreps: 2\n", extra=fifo("f.yaml"), timeout=20)
    study_case("scenario missing", "scenario: nope.yaml\nreps: 2\n")
    study_case("reps 1", "scenario: base.yaml\nreps: 1\n")
    study_case("reps a string", "scenario: base.yaml\nreps: many\n")
    study_case("unknown key", "scenario: base.yaml\nreps: 2\nexec: rm -rf /\n")
    study_case("workers 4096", "scenario: base.yaml\nreps: 2\nworkers: 4096\n", expect="ok", check=lambda d, r: None)
    study_case("workers 5000", "scenario: base.yaml\nreps: 2\nworkers: 5000\n")
    study_case("vary a text field (any value the schema takes)", "scenario: base.yaml\nreps: 2\nvary: {meta.title: '1,2'}\n",
               expect="ok")
    study_case("vary a number field with words", "scenario: base.yaml\nreps: 2\nvary: {pools.a.size: 'x,y'}\n")
    study_case("vary a choice outside its choices", "scenario: base.yaml\nreps: 2\n"
               "vary: {channels.phone.kind: 'sync,telepathy'}\n")
    study_case("vary 100 x 10,000,000 reps", "scenario: base.yaml\nreps: 10000000\nvary: {pools.a.size: '1:100'}\n")
    study_case("nested 100,000 deep", "scenario: " + "[" * 100_000 + "]" * 100_000 + "\n")
    study_case("precision 200%", "scenario: base.yaml\nreps: 2\nprecision: 200%\n")

    # --- study: command line --------------------------------------------------------------------------
    def cli_study(name, args, expect="error", setup=None, check=None, **kw):
        out.append(Case(f"study: {name}", ["study", "base.yaml", "-q", "--no-plots", *args], expect,
                        both(scenario("base.yaml"), setup), check, **kw))
    cli_study("--reps 10,000,000 over 100 levels", ["--reps", "10000000", "--vary", "pools.a.size=1:100"])
    cli_study("--reps 1", ["--reps", "1"])
    cli_study("--reps -5", ["--reps", "-5"])
    cli_study("--workers 0", ["--workers", "0"])
    cli_study("--workers 4096 (capped)", ["--reps", "2", "--workers", "4096", "--out", "o"], expect="ok")
    cli_study("--vary without =", ["--vary", "pools.a.size"])
    cli_study("--vary unknown field", ["--vary", "pools.b.size=1:3"])
    cli_study("--vary 20,000 values", ["--vary", "pools.a.size=1:20000"])
    cli_study("--vary a text field (any value the schema takes)", ["--reps", "2", "--vary", "meta.title=1,2", "--out", "o"],
              expect="ok")
    cli_study("--vary a number field with words", ["--vary", "pools.a.size=x,y"])
    cli_study("--vary a duration with a bad unit", ["--vary", "scoring.service_level.threshold=20s,30x"])
    cli_study("--vary a share above 100%", ["--vary", "scoring.service_level.target=80%,120%"])
    cli_study("--vary a range mixing units", ["--vary", "scoring.service_level.threshold=10:20s"])
    cli_study("--vary making every level too big", ["--reps", "2", "--vary", "contact_types.q.arrival.rate=1e9,2e9"])
    cli_study("--vary making excitation explode", ["--reps", "2", "--vary", "channels.social.excitation=0.5,50"])
    cli_study("--policy nosuch", ["--reps", "2", "--policy", "nosuch"])
    cli_study("--policy that raises inside a worker", ["--reps", "2", "--policy", "p.py:f", "--workers", "2"],
              setup=write("p.py", "def f(snapshot, card):\n    raise RuntimeError('boom')\n"))
    cli_study("--policy that answers nonsense inside a worker", ["--reps", "2", "--policy", "p.py:f"],
              setup=write("p.py", "def f(snapshot, card):\n    return 'teleport'\n"))
    cli_study("--policy scripted with an unknown option", ["--reps", "2", "--policy", "scripted:p.yaml"],
              setup=write("p.yaml", "cards: {card: maybe}\n"))
    cli_study("--precision 0", ["--precision", "0"])
    cli_study("--precision abc", ["--precision", "abc"])
    cli_study("--confidence 2", ["--confidence", "2", "--vary", "pools.a.size=1,2", "--optimize"])
    cli_study("--delta -1", ["--delta", "-1", "--vary", "pools.a.size=1,2", "--optimize"])
    cli_study("--optimize with one level", ["--optimize"])
    cli_study("--max-reps below --reps", ["--reps", "10", "--max-reps", "5", "--precision", "5%"])
    cli_study("--dask foo", ["--dask", "foo"])
    cli_study("--scheduler and --dask", ["--scheduler", "tcp://127.0.0.1:1", "--dask", "local"])
    cli_study("--scheduler nobody listens", ["--reps", "2", "--scheduler", "tcp://127.0.0.1:9"], timeout=90)
    cli_study("--out is a file", ["--reps", "2", "--out", "f"], setup=write("f", "keep me"),
              check=lambda d, r: None if (d / "f").read_text() == "keep me" else "file changed")
    cli_study("--out is a FIFO", ["--reps", "2", "--out", "f"], setup=fifo("f"), check=still("fifo", "f"), timeout=20)
    cli_study("--out not empty, not a study", ["--reps", "2", "--out", "mine"],
              setup=write("mine/summary.csv", "my own numbers"),
              check=lambda d, r: None if (d / "mine/summary.csv").read_text() == "my own numbers" else "overwritten")
    cli_study("--out a study without --resume", ["--reps", "2", "--out", "o"],
              setup=lambda d: subprocess.run([sys.executable, "-m", "crisissim", "study", "base.yaml", "-q", "--no-plots",
                                              "--reps", "2", "--out", "o"], cwd=d, capture_output=True, timeout=300))
    cli_study("--out unwritable", ["--reps", "2", "--out", "ro/o"], setup=immutable("ro"))
    cli_study("--out an immutable empty folder", ["--reps", "2", "--out", "ro"], setup=immutable("ro"))
    cli_study("--out under /proc", ["--reps", "2", "--out", "/proc/crisissim"])
    cli_study("journal is a FIFO", ["--reps", "2", "--out", "o", "--resume"],
              setup=lambda d: ((d / "o").mkdir(), os.mkfifo(d / "o" / "journal.jsonl")), timeout=20)
    cli_study("journal is corrupt", ["--reps", "2", "--out", "o", "--resume"],
              setup=write("o/journal.jsonl", "garbage\nmore garbage\n"))
    cli_study("journal of other parameters", ["--reps", "3", "--out", "o", "--resume"],
              setup=lambda d: subprocess.run([sys.executable, "-m", "crisissim", "study", "base.yaml", "-q", "--no-plots",
                                              "--reps", "2", "--out", "o"], cwd=d, capture_output=True, timeout=300))
    cli_study("resume after the policy file changed", ["--reps", "2", "--out", "o", "--resume", "--policy", "scripted:p.yaml"],
              setup=both(write("p.yaml", "cards: {card: 'yes'}\n"),
                         lambda d: subprocess.run([sys.executable, "-m", "crisissim", "study", "base.yaml", "-q",
                                                   "--no-plots", "--reps", "2", "--out", "o", "--policy",
                                                   "scripted:p.yaml"], cwd=d, capture_output=True, timeout=300),
                         write("p.yaml", "cards: {card: 'no'}\n")))
    cli_study("a full disk", ["--reps", "20", "--out", "o"], fsize=4096)
    cli_study("Ctrl-C keeps finished replications", ["--reps", "40", "--out", "o", "--workers", "2", "--batch-size", "4"],
              expect="interrupt", signal_after=0.0, ready=journaled("o"),
              setup=scenario("base.yaml", {"contact_types": {"q": {"arrival": {"rate": 3000}}}, "meta": {"duration": "8h"}}),
              check=lambda d, r: None if (d / "o" / "journal.jsonl").read_text().count('"batch"') >= 1 else "nothing kept")
    cli_study("SIGTERM keeps finished replications", ["--reps", "40", "--out", "o", "--workers", "2", "--batch-size", "4"],
              expect="interrupt", signal_after=0.0, ready=journaled("o"), signal=signal.SIGTERM,
              setup=scenario("base.yaml", {"contact_types": {"q": {"arrival": {"rate": 3000}}}, "meta": {"duration": "8h"}}))

    # --- other commands -------------------------------------------------------------------------------
    out.append(Case("new: a bad name", ["new", "../evil"], "error"))
    out.append(Case("new: name with escapes", ["new", "\x1b[2J"], "error"))
    out.append(Case("new: --dir is a file", ["new", "x", "--dir", "f"], "error", write("f", "x")))
    out.append(Case("new: target exists", ["new", "x"], "error", write("x.yaml", "mine"),
                    lambda d, r: None if (d / "x.yaml").read_text() == "mine" else "overwritten"))
    out.append(Case("schema: --out a directory", ["schema", "--out", "dir"], "error", lambda d: (d / "dir").mkdir()))
    out.append(Case("schema: --out a FIFO", ["schema", "--out", "f"], "error", fifo("f"), still("fifo", "f"), timeout=20))
    out.append(Case("schema: --out a device", ["schema", "--out", "dev"], "error", device("dev"), still("device", "dev")))
    out.append(Case("schema: --out with a full disk", ["schema", "--out", "s.json"], "error", fsize=1024))
    out.append(Case("validate: no files", ["validate"], "error"))
    out.append(Case("unknown command", ["explode"], "error"))
    out.append(Case("unknown option", ["run", "--explode"], "error"))
    return out


def _preexec(case: Case):
    def go():
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a background job inherits SIGINT ignored: undo that
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        if case.fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (case.fsize, case.fsize))
        if case.user is not None:
            import pwd

            pw = pwd.getpwnam(case.user)
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
    return go


def _cpu(pid: int) -> float:
    """CPU seconds a process has used (user + system), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def run_case(case: Case, scratch: Path) -> tuple[str, float, int | None, str]:
    """(status, seconds, rc, note) where status is clean / NOT CLEAN / skipped."""
    if case.user is not None and os.geteuid() != 0:
        return "skipped", 0.0, None, "needs root to switch user"
    d = Path(tempfile.mkdtemp(prefix="case-", dir=scratch))
    work = d / "w"
    work.mkdir()
    if case.user is not None:
        os.chmod(d, 0o755)
        os.chown(work, *(lambda pw: (pw.pw_uid, pw.pw_gid))(__import__("pwd").getpwnam(case.user)))
    try:
        if case.setup is not None:
            case.setup(work)
    except Exception as e:  # noqa: BLE001
        return "NOT CLEAN", 0.0, None, f"setup failed: {e}"
    env = dict(os.environ, PYTHONPATH=str(ROOT), SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", MPLBACKEND="Agg",
               HOME=str(d))
    env.update(case.env)
    t0 = time.monotonic()
    p = subprocess.Popen([sys.executable, "-m", "crisissim", *case.argv], cwd=work, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, errors="replace", preexec_fn=_preexec(case))
    try:
        if case.signal_after is not None:  # once it has run that long on a CPU (past start-up, however busy)
            def ready() -> bool:
                return case.ready(work) if case.ready is not None else _cpu(p.pid) >= case.signal_after

            while p.poll() is None and not ready() and time.monotonic() - t0 < case.timeout:
                time.sleep(0.1)
            if p.poll() is None:
                p.send_signal(case.signal)
            t_sig = time.monotonic()
            out, err = p.communicate(timeout=case.timeout)
            if time.monotonic() - t_sig > 2.0:
                return "NOT CLEAN", time.monotonic() - t0, p.returncode, "took more than 2 s to stop"
        else:
            out, err = p.communicate(timeout=case.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return "NOT CLEAN", time.monotonic() - t0, None, f"still running after {case.timeout:g} s"
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # leave nothing behind
        except OSError:
            pass
    dt = time.monotonic() - t0
    r = subprocess.CompletedProcess(case.argv, p.returncode, out, err)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    first = lines[0][:150] if lines else (out.strip().splitlines() or [""])[0][:150]
    bad = None
    if "Traceback" in err or "Traceback" in out:
        bad = "traceback"
    elif p.returncode < 0:
        bad = f"killed by signal {-p.returncode}"
    elif case.expect == "ok" and p.returncode != 0:
        bad = f"refused an input it should accept (rc {p.returncode})"
    elif case.expect == "interrupt" and (p.returncode != 130 or len(lines) != 1):
        bad = f"interrupt: rc {p.returncode}, {len(lines)} lines on stderr"
    elif case.expect == "error" and (p.returncode == 0 or len(lines) != 1):
        bad = "accepted" if p.returncode == 0 else f"{len(lines)} lines on stderr"
    elif case.expect == "lines" and (p.returncode == 0 or not lines or any(":" not in ln for ln in lines)):
        bad = "accepted" if p.returncode == 0 else "a problem line without a place"
    if bad is None and case.check is not None:
        bad = case.check(work, r)
    if bad is None and (work / "PWNED").exists():
        bad = "code from a shared file ran"
    subprocess.run(["chattr", "-R", "-i", str(d)], capture_output=True)
    shutil.rmtree(d, ignore_errors=True)
    return ("clean" if bad is None else "NOT CLEAN"), dt, p.returncode, bad or first


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv)
    table = [c for c in cases() if a.only in c.name]
    scratch = Path(tempfile.mkdtemp(prefix="crisissim-bad-inputs-"))
    os.chmod(scratch, 0o755)
    results: list = [None] * len(table)
    with ThreadPoolExecutor(a.jobs) as pool:
        futures = {pool.submit(run_case, c, scratch): i for i, c in enumerate(table)}
        for f in futures:
            try:
                results[futures[f]] = f.result()
            except Exception as e:  # noqa: BLE001 - a broken case is reported, the rest still count
                results[futures[f]] = ("NOT CLEAN", 0.0, None, f"the case itself failed: {e!r}")
    shutil.rmtree(scratch, ignore_errors=True)
    clean = skipped = 0
    for c, (status, dt, rc, note) in zip(table, results):
        clean += status == "clean"
        skipped += status == "skipped"
        if a.verbose or status != "clean":
            print(f"{status:<10} {dt:6.1f}s rc={rc!s:<4} {c.name}: {note}")
    tried = len(table) - skipped
    print(f"{tried} bad inputs tried, {clean} handled cleanly" + (f" ({skipped} skipped)" if skipped else ""))
    return 0 if clean == tried else 1


if __name__ == "__main__":
    sys.exit(main())
