"""Streaming reader of contact logs, staffing and churn files (CSV, CSV.gz or Parquet).

Files are read a block at a time with pyarrow (bounded memory whatever their length);
each block comes out as numpy columns under the canonical names of
:mod:`crisissim.calibrate.logformat`. Anything unreadable stops the read with one
:class:`DataError`, ``FILE:LINE: what is wrong (expected …)``, at the physical line of the
offending row (blank lines and quoted line breaks counted; for Parquet, the row number).

Timestamps become wall-clock minutes since 1970-01-01 00:00: as written when they carry an
offset or none, or converted to ``tz`` (an IANA zone) when one is given. Durations become
seconds, flags 1/0/-1 (missing), outcomes their codes, text columns integer codes (or, for
customer ids, 64-bit hashes, so that nothing grows with the number of customers).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from crisissim.calibrate.logformat import OUTCOME_WORDS, OUTCOMES, Column

BLOCK_BYTES = 4 << 20  # bytes of CSV per block: the peak memory of a read grows with it, not with the file
PARQUET_ROWS = 250_000
MS_PER_MIN = 60_000.0

_ISO = (r"^(?P<wall>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)"
        r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?$")
_CLOCK = r"^(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$"
_FLAGS = {"1": 1, "0": 0, "true": 1, "false": 0, "yes": 1, "no": 0, "y": 1, "n": 0, "t": 1, "f": 0}
_EXPECT = {
    "timestamp": "an ISO 8601 timestamp, e.g. 2024-03-04T08:30:00+08:00",
    "seconds": "seconds as a number or h:mm:ss",
    "flag": "1 or 0 (true/false, yes/no)",
    "number": "a number",
    "outcome": "one of " + ", ".join(OUTCOMES),
}


class DataError(Exception):
    """Bad input data: one line, ``FILE:LINE: message``."""

    def __init__(self, file: str | Path, line: int, message: str):
        self.file, self.line, self.message = str(file), int(line), message
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}".replace("\n", " ")


@dataclass
class Text:
    """A text column of one block: ``codes`` (−1 missing) into ``names`` (shared across blocks)."""

    codes: np.ndarray
    names: list[str]


@dataclass
class Batch:
    start: int  # data-row index of the first row (0 = first row after the header)
    n: int
    cols: dict  # canonical name -> numpy array, Text, or None when the file lacks the column


def _show(v) -> str:
    s = repr(v) if isinstance(v, str) else str(v)
    return s if len(s) <= 40 else s[:39] + "…"


class TableReader:
    """Reads ``columns`` (canonical name → :class:`Column`) from ``path`` block by block.

    ``mapping`` maps canonical names to the file's own; ``hashed`` names text columns returned
    as 64-bit hashes (``uint64``, 0 for missing) instead of codes.
    """

    def __init__(self, path: str | Path, columns: dict[str, Column], mapping: dict[str, str] | None = None, *,
                 tz: str | None = None, time_format: str | None = None, hashed: tuple[str, ...] = (),
                 what: str = "contact log", block_bytes: int | None = None):
        self.path = Path(path)
        self.name = str(path)
        self.columns = columns
        self.mapping = mapping or {}
        self.tz = tz
        self.time_format = time_format
        self.hashed = set(hashed)
        self.what = what
        self.block_bytes = block_bytes or BLOCK_BYTES
        self.parquet = self.path.suffix.lower() in (".parquet", ".pq")
        self._codes: dict[str, dict[str, int]] = {n: {} for n, c in columns.items() if c.kind == "text"}
        self._names: dict[str, list[str]] = {n: [] for n in self._codes}
        self.rows_estimate = 0
        self.present: dict[str, str] = {}
        if not self.path.is_file():
            raise DataError(self.name, 1, f"cannot open the {what}: no such file")
        self.size = self.path.stat().st_size
        if self.size == 0:
            raise DataError(self.name, 1, f"the {what} is empty (expected a header line with the columns "
                                          f"{', '.join(n for n, c in columns.items() if c.required)})")
        self._open()

    # ----------------------------------------------------------------- opening
    def _theirs(self, name: str) -> str:
        return self.present.get(name) or self.mapping.get(name, name)

    def _check_header(self, header: list[str]) -> None:
        """Find each column under its mapped name, else its own (one ``--map`` serves every file)."""
        have = set(header)
        self.present = {}
        for n in self.columns:
            for name in (self.mapping.get(n), n):
                if name is not None and name in have:
                    self.present[n] = name
                    break
        missing = [n for n, c in self.columns.items() if c.required and n not in self.present]
        if missing:
            n = missing[0]
            if n in self.mapping:
                shown = ", ".join(header[:15]) + (", …" if len(header) > 15 else "")
                raise DataError(self.name, 1, f"missing column {self.mapping[n]!r}, which --map names for {n} "
                                              f"(expected one of the file's columns: {shown})")
            raise DataError(self.name, 1, f"missing column {n!r} (expected the columns "
                                          f"{', '.join(self._theirs(k) for k, c in self.columns.items() if c.required)}; "
                                          f"map yours with --map {n}=YOUR_COLUMN)")

    def _open(self) -> None:
        if self.parquet:
            import pyarrow.parquet as pq

            try:
                self._pq = pq.ParquetFile(self.path)
            except (pa.ArrowInvalid, OSError) as e:
                raise DataError(self.name, 1, f"cannot read the {self.what} as Parquet ({e})") from None
            self._check_header(self._pq.schema_arrow.names)
            self.rows_estimate = self._pq.metadata.num_rows
            if self.rows_estimate == 0:
                raise DataError(self.name, 1, f"the {self.what} has no rows (expected at least one)")
            return
        header = self._csv_header()
        if header is None:
            raise DataError(self.name, 1, f"the {self.what} is empty (expected a header line with the columns "
                                          f"{', '.join(n for n, c in self.columns.items() if c.required)})")
        self._check_header(header)

    def _text_stream(self):
        raw = gzip.open(self.path, "rb") if self.path.suffix.lower() == ".gz" else open(self.path, "rb")
        return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")

    def _csv_header(self) -> list[str] | None:
        with self._text_stream() as fh:
            for row in csv.reader(fh):
                if row:
                    return [c.strip() for c in row]
        return None

    # ------------------------------------------------------------------ blocks
    def batches(self) -> Iterator[Batch]:
        start = 0
        for rb in self._record_batches():
            n = rb.num_rows
            if n == 0:
                continue
            if start == 0 and not self.parquet:
                per_row = max(1.0, min(self.block_bytes, self.size) / n)
                self.rows_estimate = max(n, int(self.size / per_row))
            cols: dict[str, Any] = {}
            for name, col in self.columns.items():
                if name not in self.present:
                    cols[name] = None
                    continue
                cols[name] = self._convert(name, col, rb.column(self.present[name]), start)
            yield Batch(start, n, cols)
            start += n
        if start == 0:
            raise DataError(self.name, 2 if not self.parquet else 1,
                            f"the {self.what} has no rows after the header (expected at least one)")

    def _record_batches(self):
        if self.parquet:
            yield from self._pq.iter_batches(batch_size=PARQUET_ROWS, columns=list(self.present.values()))
            return
        bad: list = []

        def handler(row):
            bad.append(row)
            return "skip"

        theirs = list(self.present.values())
        try:
            reader = pacsv.open_csv(
                pa.input_stream(str(self.path), compression="detect"),
                read_options=pacsv.ReadOptions(block_size=self.block_bytes, use_threads=True),
                parse_options=pacsv.ParseOptions(invalid_row_handler=handler),
                convert_options=pacsv.ConvertOptions(include_columns=theirs, column_types={c: pa.string() for c in theirs},
                                                     strings_can_be_null=True, quoted_strings_can_be_null=True),
            )
        except (pa.ArrowInvalid, OSError) as e:
            raise self._csv_error(e) from None
        while True:
            try:
                rb = reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as e:
                raise self._csv_error(e) from None
            if bad:
                row = bad[0]
                line = row.number if row.number and row.number > 0 else self._first_ragged_line(row.expected_columns)
                raise DataError(self.name, line, f"{row.actual_columns} fields (expected {row.expected_columns}, "
                                                 "one per column of the header)")
            yield rb

    def _csv_error(self, e: Exception) -> DataError:
        if "invalid UTF8" in str(e):
            return DataError(self.name, self._first_bad_utf8_line(), "text that is not UTF-8 (expected UTF-8; "
                                                                     "save the export as UTF-8)")
        return DataError(self.name, 1, f"cannot read the {self.what} as CSV ({_arrow_message(e)})")

    def line_of(self, data_row: int) -> int:
        """Physical line (1-based) of data row ``data_row`` (Parquet: the row number)."""
        if self.parquet:
            return data_row + 1
        count = -1  # the header is row -1
        prev = 0
        with self._text_stream() as fh:
            reader = csv.reader(fh)
            for rec in reader:
                start = prev + 1
                prev = reader.line_num
                if not rec or (len(rec) == 1 and not rec[0].strip()):
                    continue
                if count == data_row:
                    return start
                count += 1
        return prev + 1

    def _first_bad_utf8_line(self) -> int:
        """Physical line of the first byte sequence that is not UTF-8 (error path)."""
        raw = gzip.open(self.path, "rb") if self.path.suffix.lower() == ".gz" else open(self.path, "rb")
        with raw:
            for i, line in enumerate(raw, 1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return i
        return 1

    def _first_ragged_line(self, width: int) -> int:
        """Physical line of the first record whose field count differs from the header's (error path)."""
        prev = 0
        header = True
        with self._text_stream() as fh:
            reader = csv.reader(fh)
            for rec in reader:
                start = prev + 1
                prev = reader.line_num
                if not rec:
                    continue
                if header:
                    header = False
                    continue
                if len(rec) != width:
                    return start
        return 1

    def _fail(self, start: int, i: int, name: str, message: str) -> DataError:
        return DataError(self.name, self.line_of(start + int(i)), f"{self._theirs(name)}: {message}")

    # -------------------------------------------------------------- conversion
    def _convert(self, name: str, col: Column, arr, start: int):
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        kind = col.kind
        if kind == "timestamp":
            return self._timestamps(name, arr, start)
        if kind == "seconds":
            return self._seconds(name, arr, start)
        if kind == "number":
            return self._numbers(name, arr, start)
        if kind == "flag":
            return self._flags(name, arr, start)
        if kind == "outcome":
            return self._outcomes(name, arr, start)
        if name in self.hashed:
            return self._hashes(arr)
        return self._text(name, arr)

    def _strings(self, arr) -> pa.Array:
        if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
            arr = pc.cast(arr, pa.string())
        return pc.utf8_trim_whitespace(arr)

    def _text(self, name: str, arr) -> Text:
        s = self._strings(arr)
        s = pc.if_else(pc.equal(s, ""), pa.scalar(None, pa.string()), s)
        enc = pc.dictionary_encode(s)
        local = enc.dictionary.to_pylist()
        table = self._codes[name]
        names = self._names[name]
        lut = np.empty(len(local) + 1, dtype=np.int64)
        for i, v in enumerate(local):
            code = table.get(v)
            if code is None:
                code = table[v] = len(names)
                names.append(v)
            lut[i] = code
        lut[-1] = -1
        idx = enc.indices.to_numpy(zero_copy_only=False)
        idx = np.where(enc.indices.is_null().to_numpy(zero_copy_only=False), len(local), idx) if enc.null_count else idx
        return Text(lut[idx.astype(np.int64)], names)

    def _hashes(self, arr) -> np.ndarray:
        """64-bit hashes of the text (0 = missing): the same id gives the same hash in every file."""
        s = self._strings(arr)
        missing = pc.fill_null(pc.equal(s, ""), True).to_numpy(zero_copy_only=False)
        h = string_hashes(pc.fill_null(s, ""))
        h[h == 0] = 1
        h[missing] = 0
        return h

    def _flags(self, name: str, arr, start: int) -> np.ndarray:
        if pa.types.is_boolean(arr.type):
            return np.asarray(pc.fill_null(pc.cast(arr, pa.int8()), -1).to_numpy(zero_copy_only=False), dtype=np.int8)
        s = pc.utf8_lower(self._strings(arr))
        keys = pa.array(list(_FLAGS))
        idx = pc.index_in(s, value_set=keys)
        bad = pc.and_(pc.is_null(idx), pc.and_(pc.is_valid(s), pc.not_equal(s, "")))
        if pc.any(bad).as_py():
            i = _first(bad)
            raise self._fail(start, i, name, f"cannot read {_show(arr[i].as_py())} (expected {_EXPECT['flag']})")
        vals = np.array(list(_FLAGS.values()) + [-1], dtype=np.int8)
        return vals[idx.fill_null(len(_FLAGS)).to_numpy(zero_copy_only=False)]

    def _outcomes(self, name: str, arr, start: int) -> np.ndarray:
        s = pc.utf8_lower(self._strings(arr))
        keys = pa.array(list(OUTCOME_WORDS))
        idx = pc.index_in(s, value_set=keys)
        if idx.null_count:
            i = _first(pc.is_null(idx))
            v = arr[i].as_py()
            what = "missing" if v is None or not str(v).strip() else f"cannot read {_show(v)}"
            raise self._fail(start, i, name, f"{what} (expected {_EXPECT['outcome']})")
        vals = np.array(list(OUTCOME_WORDS.values()), dtype=np.int8)
        return vals[idx.to_numpy(zero_copy_only=False)]

    def _numbers(self, name: str, arr, start: int, negative_ok: bool = False) -> np.ndarray:
        if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
            x = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        else:
            s = self._strings(arr)
            s = pc.if_else(pc.equal(s, ""), pa.scalar(None, pa.string()), s)
            try:
                x = pc.cast(s, pa.float64()).to_numpy(zero_copy_only=False)
            except pa.ArrowInvalid:
                x = self._clock_seconds(name, s, start) if self.columns[name].kind == "seconds" else None
                if x is None:
                    i = _first_uncastable(s, pa.float64())
                    raise self._fail(start, i, name, f"cannot read {_show(s[i].as_py())} (expected {_EXPECT[self.columns[name].kind]})") from None
        x = np.asarray(x, dtype=np.float64)
        bad = ~np.isfinite(x) & ~np.isnan(x)
        if bad.any():
            i = int(np.argmax(bad))
            raise self._fail(start, i, name, f"{x[i]} is not finite (expected {_EXPECT[self.columns[name].kind]})")
        neg = x < 0
        if not negative_ok and neg.any():
            i = int(np.argmax(neg))
            unit = " seconds" if self.columns[name].kind == "seconds" else ""
            raise self._fail(start, i, name, f"{x[i]:g}{unit} is negative (expected a value >= 0)")
        return x

    def _seconds(self, name: str, arr, start: int) -> np.ndarray:
        if pa.types.is_duration(arr.type):
            arr = pc.divide(pc.cast(pc.cast(arr, pa.duration("us")), pa.int64()), 1e6)
        return self._numbers(name, arr, start)

    def _clock_seconds(self, name: str, s: pa.Array, start: int) -> np.ndarray | None:
        """``h:mm:ss`` / ``mm:ss`` (and plain numbers) as seconds; raises at the first unreadable value."""
        num = pc.match_substring_regex(s, r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
        parts = pc.extract_regex(s, _CLOCK)
        ok = pc.or_(pc.fill_null(num, False), pc.is_valid(parts))
        bad = pc.and_(pc.is_valid(s), pc.invert(ok))
        if pc.any(bad).as_py():
            i = _first(bad)
            v = s[i].as_py()
            msg = (f"{v} seconds is negative (expected a value >= 0)" if v.startswith("-") and _is_number(v)
                   else f"cannot read {_show(v)} (expected {_EXPECT['seconds']})")
            raise self._fail(start, i, name, msg)
        plain = pc.cast(pc.if_else(pc.fill_null(num, False), s, pa.scalar(None, pa.string())), pa.float64())
        matched = pc.is_valid(parts)

        def field(k: str, empty: str) -> pa.Array:
            f = parts.field(k)
            f = pc.if_else(pc.equal(f, ""), empty, f)
            return pc.cast(pc.if_else(matched, f, pa.scalar(None, pa.string())), pa.float64())

        h, m, sec = field("h", "0"), field("m", "0"), field("s", "0")
        clock = pc.add(pc.add(pc.multiply(h, 3600.0), pc.multiply(m, 60.0)), sec)
        return pc.coalesce(plain, clock).to_numpy(zero_copy_only=False)

    def _timestamps(self, name: str, arr, start: int) -> np.ndarray:
        """Wall-clock minutes since 1970-01-01 (NaN when missing)."""
        if pa.types.is_timestamp(arr.type):
            return self._arrow_times(arr)
        if pa.types.is_date(arr.type):
            return self._arrow_times(pc.cast(pc.cast(arr, pa.date32()), pa.timestamp("ms")))
        s = self._strings(arr)
        s = pc.if_else(pc.equal(s, ""), pa.scalar(None, pa.string()), s)
        if self.time_format:
            ts = pc.strptime(s, format=self.time_format, unit="ms", error_is_null=True)
            bad = pc.and_(pc.is_valid(s), pc.is_null(ts))
            if pc.any(bad).as_py():
                i = _first(bad)
                raise self._fail(start, i, name, f"cannot read {_show(s[i].as_py())} as a timestamp "
                                                 f"(expected the format {self.time_format})")
            return self._arrow_times(ts)
        m = pc.extract_regex(s, _ISO)
        bad = pc.and_(pc.is_valid(s), pc.is_null(m))
        if pc.any(bad).as_py():
            i = _first(bad)
            raise self._fail(start, i, name, f"cannot read {_show(s[i].as_py())} as a timestamp (expected {_EXPECT['timestamp']})")
        matched = pc.is_valid(m)
        wall_s = pc.if_else(matched, m.field("wall"), pa.scalar(None, pa.string()))
        try:
            wall = pc.cast(wall_s, pa.timestamp("ms"))
        except pa.ArrowInvalid:
            i = _first_uncastable(wall_s, pa.timestamp("ms"))
            raise self._fail(start, i, name, f"cannot read {_show(s[i].as_py())} as a timestamp: no such date or time "
                                             f"(expected {_EXPECT['timestamp']})") from None
        wall_ms = pc.cast(wall, pa.int64()).to_numpy(zero_copy_only=False).astype(np.float64)
        wall_ms[~matched.to_numpy(zero_copy_only=False)] = np.nan
        if self.tz is not None:
            off = self._offset_minutes(pc.if_else(matched, m.field("tz"), pa.scalar(None, pa.string())))
            has = ~np.isnan(off)
            if has.any():
                utc = wall_ms[has] - off[has] * MS_PER_MIN
                local = pc.local_timestamp(pa.array(utc.astype(np.int64), type=pa.timestamp("ms", tz=self.tz)))
                wall_ms[has] = pc.cast(local, pa.int64()).to_numpy(zero_copy_only=False)
        return wall_ms / MS_PER_MIN

    @staticmethod
    def _offset_minutes(tz: pa.Array) -> np.ndarray:
        t = tz.to_numpy(zero_copy_only=False)
        out = np.full(len(t), np.nan)
        for i, v in enumerate(t):
            if v is None or v == "":
                continue
            if v in ("Z", "z"):
                out[i] = 0.0
                continue
            sign = -1.0 if v[0] == "-" else 1.0
            digits = v[1:].replace(":", "")
            out[i] = sign * (int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) >= 4 else 0))
        return out

    def _arrow_times(self, ts) -> np.ndarray:
        tz = ts.type.tz
        if tz is not None or self.tz is not None:
            if tz is None:
                ts = pc.assume_timezone(ts, "UTC") if self.tz is None else ts
            if self.tz is not None and tz is not None:
                ts = ts.cast(pa.timestamp(ts.type.unit, tz=self.tz))
            if ts.type.tz is not None:
                ts = pc.local_timestamp(ts)
        ms = pc.cast(pc.cast(ts, pa.timestamp("ms")), pa.int64())
        out = ms.to_numpy(zero_copy_only=False).astype(np.float64)
        if ms.null_count:
            out[ms.is_null().to_numpy(zero_copy_only=False)] = np.nan
        return out / MS_PER_MIN


_FNV_OFFSET, _FNV_PRIME = np.uint64(14695981039346656037), np.uint64(1099511628211)


def string_hashes(s: pa.Array) -> np.ndarray:
    """FNV-1a of each string's UTF-8 bytes, then the splitmix64 finaliser (well-mixed high bits),
    vectorised over the Arrow buffers: one numpy pass per byte position."""
    if isinstance(s, pa.ChunkedArray):
        s = s.combine_chunks()
    off_t: type[np.signedinteger]
    if pa.types.is_large_string(s.type):
        off_t = np.int64
    else:
        s = s.cast(pa.string())
        off_t = np.int32
    n = len(s)
    bufs = s.buffers()
    offsets = np.frombuffer(bufs[1], dtype=off_t, count=n + 1, offset=s.offset * np.dtype(off_t).itemsize).astype(np.int64)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.empty(0, np.uint8)
    start, length = offsets[:-1], np.diff(offsets)
    h = np.full(n, _FNV_OFFSET, dtype=np.uint64)
    idx = np.arange(n)
    with np.errstate(over="ignore"):
        for j in range(int(length.max()) if n else 0):
            idx = idx[length[idx] > j]
            h[idx] = (h[idx] ^ data[start[idx] + j].astype(np.uint64)) * _FNV_PRIME
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h


def _is_number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


def _first(mask) -> int:
    return int(np.argmax(np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)))


def _first_uncastable(s: pa.Array, to) -> int:
    """Index of the first value of ``s`` that does not cast to ``to`` (the error path only)."""
    for i, v in enumerate(s.to_pylist()):
        if v is None:
            continue
        try:
            pc.cast(pa.array([v]), to)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return i
    return 0


def _arrow_message(e: Exception) -> str:
    return str(e).strip().splitlines()[0][:160]


def read_all(reader: TableReader, on_rows: Callable[[int], None] | None = None) -> list[Batch]:
    """Every block of a small file (staffing, churn); ``on_rows`` sees the rows read so far."""
    out = []
    for b in reader.batches():
        out.append(b)
        if on_rows:
            on_rows(b.start + b.n)
    return out
