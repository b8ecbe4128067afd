"""Every file dvtools writes goes through here: written whole or not at all.

Atomic replacement (decided once, for statistics, schemas, reports, the demo data and feature-skew
spill files): the bytes go to a temporary file in the *same directory* (so the final rename never
crosses a file system), are flushed and fsynced, and the temporary file is renamed over the target
with ``os.replace``. A reader therefore sees the previous file or the new one, never a truncated
one, whatever happens during the write (SIGTERM, SIGKILL, a full disk); two concurrent writers of
one path leave one complete file (the last rename wins). A failed write removes its temporary file.
The new file gets the usual permissions (``0o666`` minus the umask), like ``open(path, "w")``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from dvtools.errors import DataLoadError


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Open ``path`` for writing bytes; on success the file replaces ``path`` atomically (module doc).

    Raises ``OSError`` when the folder is missing or not writable (callers turn it into their
    one-line error); the previous file, if any, is then left as it was.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path) as fh:
        fh.write(data)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def read_bytes(path: str | os.PathLike[str], *, limit: int | None = None, what: str = "file") -> bytes:
    """Read a whole (small) file, refusing one larger than ``limit`` bytes with a one-line DataLoadError."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if limit is not None and size > limit:
            raise DataLoadError(f"{p}: {what} is {size:,} bytes, more than the limit of {limit:,} bytes")
        return p.read_bytes()
    except FileNotFoundError:
        raise DataLoadError(f"{p}: file not found") from None
    except IsADirectoryError:
        raise DataLoadError(f"{p}: is a directory, not a file") from None
    except OSError as e:
        raise DataLoadError(f"{p}: cannot read file ({e.strerror or e})") from None


@contextlib.contextmanager
def scratch_directory(prefix: str = "dvtools-") -> Iterator[str]:
    """A private temporary directory (mode 0700) for spill files, removed with its content afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield tmp


__all__ = ["atomic_open", "read_bytes", "scratch_directory", "write_bytes", "write_text"]
