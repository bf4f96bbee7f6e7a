"""The head file: the chain head kept beside the ledger, out of reach of an SQL edit.

Removing the newest events (and the complaints they registered) from the ledger leaves a
chain that is whole, only shorter: nothing inside the file shows it.  So every write, right
after its commit, records the newest event's sequence number and hash in ``LEDGER.head``
(one line ``SEQ HASH``, owner-only), and ``verify`` checks that the log still reaches that
event with that hash.  An edit with the ``sqlite3`` shell does not reach this file; someone
who also edits or deletes it is caught only by a chain head recorded elsewhere
(``verify --anchor``), which docs/operations.md asks for.

Writers update it under an exclusive ``flock`` and only forwards (a writer that committed
earlier but got here later does not move it back), with one ``pwrite`` of a few dozen bytes.
A file that is missing is not a difference (ledgers older than this file, copies, backups);
``verify`` says whether it checked one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from complaintctl.domain.messages import Msg, render

SUFFIX = ".head"
_LINE = 96  # bytes read: "SEQ HASH\n" is at most 20 + 1 + 64 + 1


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


def path_for(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + SUFFIX)


def _parse(raw: bytes) -> Head | None:
    parts = raw.decode("ascii", "replace").split()
    if len(parts) != 2 or not parts[0].isdigit() or len(parts[1]) != 64:
        return None
    return Head(int(parts[0]), parts[1].lower())


class Unreadable(Exception):
    """The head file exists but does not hold ``SEQ HASH``; ``reason`` says why (a message
    of the catalogue, ``str`` gives it in English)."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(render(reason.key, reason.params, "en"))
        self.reason = reason


def read(ledger: Path) -> Head | None:
    """The recorded head; None when there is no head file."""
    try:
        with open(path_for(ledger), "rb") as fh:
            raw = fh.read(_LINE)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Unreadable(Msg("verify.head.cannot_read", {"why": exc.strerror})) from exc
    head = _parse(raw)
    if head is None:
        raise Unreadable(Msg("verify.head.malformed"))
    return head


def advance(ledger: Path, seq: int, digest: str) -> None:
    """Record ``seq``/``digest`` unless the file already names a later event.  Best effort:
    a ledger on a read-only folder, or a full disk, must not fail a write that committed."""
    if seq <= 0:
        return
    line = f"{seq} {digest}\n".encode("ascii")
    with contextlib.suppress(OSError):
        fd = os.open(path_for(ledger), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            current = _parse(os.pread(fd, _LINE, 0))
            if current is None or current.seq < seq:
                os.pwrite(fd, line, 0)  # never shorter than the line it replaces
                os.ftruncate(fd, len(line))
        finally:
            os.close(fd)
