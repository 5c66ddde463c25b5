"""The append-only journal of finished batches (``journal.jsonl`` in the output directory).

Line 1 is a header with the study's parameters and their fingerprint; each further line
is one finished batch, written and fsync'd as it completes, so a study stopped by Ctrl-C
or SIGKILL can be resumed: a torn last line is dropped and only missing replications run.
Floats are written with ``repr`` precision, so resumed results are bit-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from crisissim.study.grid import StudyError
from crisissim.study.worker import Batch

NAME = "journal.jsonl"
VERSION = 1


def fingerprint(params: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``params``."""
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    keys = sorted(set(old) | set(new))
    return [k for k in keys if old.get(k) != new.get(k)]


class Journal:
    """Appends batches to ``dir/journal.jsonl``; :meth:`open` also returns what it already holds."""

    def __init__(self, path: Path):
        self.path = path
        self._fh = open(path, "ab")

    @classmethod
    def open(cls, out: Path, params: dict[str, Any], resume: bool, force: bool = False) -> tuple[Journal, list[Batch]]:
        check_folder(out, force)
        try:
            return cls._open(out, params, resume)
        except OSError as e:
            raise StudyError(f"cannot write {out}: {e.strerror or e}") from None

    @classmethod
    def _open(cls, out: Path, params: dict[str, Any], resume: bool) -> tuple[Journal, list[Batch]]:
        out.mkdir(parents=True, exist_ok=True)
        path = out / NAME
        fp = fingerprint(params)
        batches: list[Batch] = []
        if path.exists() and path.stat().st_size > 0:
            if not resume:
                raise StudyError(f"{out} already holds a study ({NAME}); pass --resume to continue it or choose another --out")
            header, batches, good = _read(path)
            if header.get("version") != VERSION or header.get("fingerprint") != fp:
                changed = _diff(header.get("params", {}), params)
                raise StudyError(f"cannot resume {out}: the study parameters differ ({', '.join(changed) or 'format'}); "
                                 "use the same parameters or another --out")
            with open(path, "r+b") as fh:  # drop a torn last line
                fh.truncate(good)
            return cls(path), batches
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            fh.write(_line({"kind": "header", "version": VERSION, "fingerprint": fp, "params": params}))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return cls(path), batches

    def append(self, batch: Batch) -> None:
        """Write one finished batch and force it to disk."""
        rec = {"kind": "batch", "level": batch.level, "reps": batch.reps, "seeds": batch.seeds,
               "metrics": batch.metrics, "intervals": batch.intervals}
        try:
            self._fh.write(_line(rec))
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as e:  # a full disk, a file-size limit: what is already in the journal stays
            raise StudyError(f"cannot write {self.path}: {e.strerror or e} (replications finished before are "
                             "kept; free space and run again with --resume)") from None

    def close(self) -> None:
        try:
            self._fh.close()
        except OSError:  # the failed write was reported already
            pass


def check_folder(out: Path, force: bool = False) -> None:
    """Refuse an output folder that is not a folder, or that holds other things than a study
    (unless ``force``): a study never writes its files over someone else's."""
    from crisissim.fileio import kind_of

    try:
        mode = os.stat(out).st_mode
    except FileNotFoundError:
        return
    except OSError as e:
        raise StudyError(f"cannot use --out {out}: {e.strerror or e}") from None
    if not stat.S_ISDIR(mode):
        what = "a file" if stat.S_ISREG(mode) else kind_of(mode)
        raise StudyError(f"--out {out} is {what} (expected a folder for the study's files)")
    journal = out / NAME
    try:
        jmode = os.lstat(journal).st_mode
    except FileNotFoundError:
        jmode = None
    except OSError as e:
        raise StudyError(f"cannot read {journal}: {e.strerror or e}") from None
    if jmode is not None:
        if not stat.S_ISREG(jmode):
            raise StudyError(f"{journal} is {kind_of(jmode)} (expected a study journal); choose another --out")
        return
    try:
        with os.scandir(out) as entries:
            busy = next(entries, None) is not None
    except OSError as e:
        raise StudyError(f"cannot read --out {out}: {e.strerror or e}") from None
    if busy and not force:
        raise StudyError(f"--out {out} is not empty and holds no crisissim study; choose another folder, or pass "
                         "--force to write the study's files into it")


def _line(rec: dict[str, Any]) -> bytes:
    return (json.dumps(rec, separators=(",", ":"), ensure_ascii=True) + "\n").encode()


def _read(path: Path) -> tuple[dict[str, Any], list[Batch], int]:
    """Header, batches and the byte length of the intact part of the journal."""
    data = path.read_bytes()
    lines = data.split(b"\n")
    header: dict[str, Any] = {}
    batches: list[Batch] = []
    good = 0
    for no, raw in enumerate(lines, 1):
        complete = no < len(lines)  # the piece after the last newline is torn (or empty)
        if not complete:
            break
        try:
            rec = json.loads(raw)
        except ValueError:
            if no == len(lines) - 1:
                break
            raise StudyError(f"{path}:{no}: journal line is corrupt; remove the directory to start again") from None
        if no == 1:
            if rec.get("kind") != "header":
                raise StudyError(f"{path}:1: not a study journal")
            header = rec
        elif rec.get("kind") == "batch":
            batches.append(Batch(rec["level"], rec["reps"], rec["seeds"], rec["metrics"], rec["intervals"]))
        good += len(raw) + 1
    if not header:
        raise StudyError(f"{path}: journal has no header; remove the directory to start again")
    return header, batches, good
