"""Files that commands write (``--output``): checked first, then written atomically.

A reader (a mail script, Excel, another cron job) sees the old file or the new one, never
half of one, and an export can never land on the ledger it was read from.  A new file is
readable by its owner only, like the ledger: even masked exports describe people; a file
that is replaced keeps its permissions.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from complaintctl.domain.errors import InvalidInput

_LEDGER_SUFFIXES = ("", "-wal", "-shm", "-journal")


def check_output(path: Path, ledger: Path | None, field: str = "--output") -> Path:
    """Refuse a target that cannot or must not be written: a folder, a device, a missing
    folder, or the ledger (or its WAL files) itself."""
    target = path.expanduser()
    if target.is_dir():
        raise InvalidInput(field, f"{path} is a folder; give a file name")
    if target.exists() and not stat.S_ISREG(target.stat().st_mode):
        raise InvalidInput(field, f"{path} is not a regular file")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidInput(field, f"folder {folder} does not exist")
    if ledger is not None:
        real = target.resolve()
        for suffix in _LEDGER_SUFFIXES:
            if real == ledger.resolve().with_name(ledger.name + suffix):
                raise InvalidInput(field, f"{path} is the ledger itself; choose another file")
    return target


@contextmanager
def replacing(path: Path, field: str = "--output") -> Iterator[Path]:
    """A temporary path beside ``path``; when the block succeeds it is synced to disk and
    renamed onto ``path``, otherwise removed."""
    target = path.expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InvalidInput(field, f"cannot write in {folder} ({exc.strerror})") from exc
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o600
        os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        raise InvalidInput(field, f"cannot write {path} ({exc.strerror})") from exc
    finally:
        temp.unlink(missing_ok=True)


def write_text(path: Path, text: str, field: str = "--output") -> None:
    with replacing(path, field) as temp:
        temp.write_text(text, encoding="utf-8", newline="")
