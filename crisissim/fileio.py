"""Files in and out, safely: inputs are regular files read without blocking; outputs are written
atomically, never over anything but a regular file, with the user's usual permissions.

* :func:`read_input` opens a path with ``O_NONBLOCK`` (a FIFO or a device never hangs a load),
  refuses anything but a regular file, and reads at most a given size.
* :func:`write_atomic` writes to a temporary file in the target's folder, flushes it to disk,
  then replaces the target in one ``os.replace``. A target that exists and is not a regular
  file (a directory, ``/dev/null``, a FIFO, a socket) is refused, never replaced. A new file gets
  the mode ``0666 & ~umask`` (as ``open`` would give it); an existing one keeps its mode.

Every failure is an :class:`InputError` or :class:`OutputError` whose message is one line.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class InputError(ValueError):
    """An input file that cannot be read (one-line message, without the file name)."""


class OutputError(ValueError):
    """An output that cannot be written; ``str()`` is one line: ``cannot write PATH: reason``."""


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    """``a directory``, ``a FIFO (named pipe)``, ``a character device``… for a non-regular ``st_mode``."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_input(path: str | Path, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes of the regular file at ``path``; raise :class:`InputError`.

    The file is opened without blocking, so a FIFO, a terminal or a device is refused at once
    instead of waiting for a writer."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError("no such file") from None
    except IsADirectoryError:
        raise InputError("is a directory (expected a YAML file)") from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}") from None
    except ValueError as e:  # a NUL character in the path
        raise InputError(f"bad file name: {e}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError("is a directory (expected a YAML file)")
        if not stat.S_ISREG(mode):
            raise InputError(f"is {kind_of(mode)} (expected a regular file)")
        with os.fdopen(os.dup(fd), "rb") as fh:  # one buffer of at most limit + 1 bytes
            return fh.read(limit + 1)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)


def umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)  # no way to read it without setting it elsewhere
    os.umask(old)
    return old


def check_output(path: str | Path) -> Path:
    """The file ``path`` will be written to (symlinks followed); raise :class:`OutputError` if it
    exists and is not a regular file, or its folder cannot hold it."""
    path = Path(path)
    if str(path) in ("", "."):
        raise OutputError(f"cannot write {str(path)!r}: expected a file name")
    try:
        target = Path(os.path.realpath(path))
        st = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        parent = target.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            raise OutputError(f"cannot write {path}: {parent} is {_describe(parent)}, not a folder") from None
        return target
    except (OSError, ValueError) as e:
        raise OutputError(f"cannot write {path}: {getattr(e, 'strerror', None) or e}") from None
    if not stat.S_ISREG(st.st_mode):
        what = kind_of(st.st_mode)
        raise OutputError(f"cannot write {path}: it is {what}, not a regular file (give a file name)")
    return target


def _describe(p: Path) -> str:
    try:
        mode = os.stat(p).st_mode
    except OSError:
        return "missing"
    return "a file" if stat.S_ISREG(mode) else kind_of(mode)


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; return the path.

    Raise :class:`OutputError` (one line) if the target is not a regular file or the write
    fails (no space, a file-size limit, no permission); nothing half-written is left behind."""
    path = Path(path)
    target = check_output(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o666 & ~umask()
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), mode)
        check_output(path)  # still not replaced by something else meanwhile
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path
