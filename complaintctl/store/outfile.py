"""Files that commands write (``--output``, backups, rejects files): checked first, then
written atomically.  One guard for every file the tool writes.

What it promises (docs/operations.md, "Files the tool writes"):

- the target is judged by what it really is: its folder is resolved, a symbolic link as the
  file itself is refused (it is never followed), and the ledger with its ``-wal``, ``-shm``
  and ``-journal`` files is refused by identity (device and inode), whatever name reaches it;
- the content goes to a new file ``.NAME.partial-PID`` beside the target, created with
  ``O_EXCL`` and mode 0600, synced and renamed onto the target only when complete: a reader
  (a mail script, Excel, another cron job) sees the old file or the new one, never half of one;
  a file that is replaced keeps its permissions;
- anything that fails removes the partial file (and a SQLite journal beside it); a partial
  file whose writer is no longer running (killed) is removed by the next write to the same
  target;
- a full disk is one line naming the output, never the ledger.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from complaintctl.domain.errors import InvalidInput

_LEDGER_SUFFIXES = ("", "-wal", "-shm", "-journal")
_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
# SQLite's files beside a database it writes (a backup copy is written through SQLite)
_SIDE_FILES = ("-journal", "-wal", "-shm")


class _Keep(Exception):
    """Raised inside ``replacing`` to drop the new file without an error (see ``discard``)."""


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _ledger_files(ledger: Path) -> list[Path]:
    real = ledger.expanduser().resolve()
    return [real.with_name(real.name + suffix) for suffix in _LEDGER_SUFFIXES]


def check_output(path: Path, ledger: Path | None, field: str = "--output") -> Path:
    """Refuse a target that cannot or must not be written: a folder, a device, a symbolic
    link, a missing folder, or the ledger (or its WAL files) itself, by name or identity."""
    target = path.expanduser()
    folder = _folder(target)
    if not folder.is_dir():
        raise InvalidInput(field, "outfile.folder_does_not_exist", folder=folder)
    try:
        info: os.stat_result | None = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InvalidInput(field, "outfile.cannot_write", path=path, strerror=exc.strerror) from exc
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise InvalidInput(field, "outfile.is_a_symbolic_link_give_the", path=path)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InvalidInput(field, "outfile.is_a_folder_give_a_file", path=path)
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise InvalidInput(field, "outfile.is_not_a_regular_file", path=path)
    if ledger is not None:
        real = folder.resolve() / target.name
        for own in _ledger_files(ledger):
            same = real == own
            if not same and info is not None:
                with contextlib.suppress(OSError):
                    other = os.stat(own)
                    same = (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino)
            if same:
                raise InvalidInput(field, "outfile.is_the_ledger_itself_choose_another", path=path)
    return target


def partial_name(target: Path, pid: int | None = None) -> Path:
    return target.with_name(f".{target.name}.partial-{os.getpid() if pid is None else pid}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(target: Path) -> list[Path]:
    """Remove partial files of ``target`` whose writer is no longer running (a killed export
    or backup: they may hold a full copy of personal data)."""
    removed: list[Path] = []
    prefix = f".{target.name}.partial-"
    with contextlib.suppress(OSError):
        for entry in os.scandir(_folder(target)):
            if not entry.name.startswith(prefix):
                continue
            pid_text = entry.name[len(prefix) :].split("-", 1)[0]
            if not pid_text.isdigit() or int(pid_text) == os.getpid() or _alive(int(pid_text)):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _remove(temp: Path) -> None:
    for suffix in ("", *_SIDE_FILES):
        with contextlib.suppress(OSError):
            os.unlink(f"{temp}{suffix}")


def is_full(exc: BaseException | None) -> bool:
    """The disk (or quota, or file size limit) is full: ``exc`` or an error it came from."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in _FULL:
            return True
        if "disk is full" in str(exc) or "database or disk is full" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _failure(path: Path, field: str, exc: BaseException) -> InvalidInput:
    if is_full(exc):
        return InvalidInput(field, "outfile.cannot_write_the_disk_is_full", path=path)
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return InvalidInput(field, "outfile.cannot_write_nothing_was_written", path=path, reason=reason)


def discard() -> None:
    """Inside ``replacing``: leave the target as it was and remove the new file."""
    raise _Keep


@contextmanager
def replacing(path: Path, field: str = "--output", ledger: Path | None = None) -> Iterator[Path]:
    """A new, empty, owner-only file beside ``path`` (``O_EXCL``); when the block succeeds it
    is synced to disk and renamed onto ``path``, otherwise removed."""
    target = check_output(path, ledger, field)
    clean_stale(target)
    temp = partial_name(target)
    _remove(temp)  # our own leftover from an earlier write in this process
    try:
        os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600))
    except OSError as exc:
        raise _failure(path, field, exc) from exc
    try:
        yield temp
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        check_output(target, ledger, field)  # the target may have changed meanwhile
        try:
            mode = stat.S_IMODE(os.lstat(target).st_mode)
        except FileNotFoundError:
            mode = 0o600
        os.chmod(temp, mode)
        os.replace(temp, target)
    except _Keep:
        pass
    except InvalidInput:
        raise
    except Exception as exc:
        if isinstance(exc, OSError) or is_full(exc):
            raise _failure(path, field, exc) from exc
        raise
    finally:
        _remove(temp)


def write_text(path: Path, text: str, field: str = "--output") -> None:
    with replacing(path, field) as temp:
        temp.write_text(text, encoding="utf-8", newline="")
