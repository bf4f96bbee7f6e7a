"""The head file: the chain heads kept beside the ledger, out of reach of an SQL edit.

Removing the newest events (and the complaints they registered) from the ledger leaves a
chain that is whole, only shorter: nothing inside the file shows it.  So every write, right
after its commit, records the newest position and hash of each chain it appended to (one
chain per site, store/chain.py) in ``LEDGER.head``: one line ``CHAIN POSITION HASH`` per
chain, owner-only; ``verify`` checks that each chain still reaches the event recorded for it
with that hash, so the newest events of ANY site's chain cannot go unseen.  A head file
written before chains holds one line ``SEQ HASH`` (the newest event of the one chain); it is
kept as it is, and checked by sequence number, beside the chains' lines.  An edit with the
``sqlite3`` shell does not reach this file; someone who also edits or deletes it is caught
only by a chain head recorded elsewhere (``verify --anchor``), which docs/operations.md asks
for.

Writers update it under an exclusive ``flock`` and only forwards (a writer that committed
earlier but got here later does not move a chain back), with one ``pwrite``: the file only
grows (lines are added, positions get longer), so it is never left shorter than it was.  A
file that is missing is not a difference (ledgers older than this file, copies, backups);
``verify`` says whether it checked one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from complaintctl.domain.messages import Msg, render

SUFFIX = ".head"
_MOST = 1 << 20  # bytes read: a line is at most 4 + 1 + 20 + 1 + 64 + 1, a site per line


@dataclass(frozen=True)
class Head:
    seq: int  # the position in ``chain``; for a line written before chains, the event's seq
    hash: str
    chain: str | None = None  # None: the one line of a head file written before chains


def path_for(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + SUFFIX)


def _parse(raw: bytes) -> list[Head] | None:
    heads: list[Head] = []
    for line in raw.decode("ascii", "replace").splitlines():
        parts = line.split()
        chain = parts[0] if len(parts) == 3 else None
        if len(parts) == 3:
            parts = parts[1:]
        if len(parts) != 2 or not parts[0].isdigit() or len(parts[1]) != 64:
            return None
        heads.append(Head(int(parts[0]), parts[1].lower(), chain))
    return heads or None


def _text(heads: list[Head]) -> bytes:
    lines = [f"{h.seq} {h.hash}\n" for h in heads if h.chain is None]
    lines += [f"{h.chain} {h.seq} {h.hash}\n" for h in sorted(heads, key=_order) if h.chain]
    return "".join(lines).encode("ascii")


def _order(head: Head) -> str:
    return head.chain or ""


class Unreadable(Exception):
    """The head file exists but does not hold ``CHAIN POSITION HASH`` lines; ``reason`` says
    why (a message of the catalogue, ``str`` gives it in English)."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(render(reason.key, reason.params, "en"))
        self.reason = reason


def read(ledger: Path) -> list[Head] | None:
    """The recorded heads; None when there is no head file."""
    try:
        with open(path_for(ledger), "rb") as fh:
            raw = fh.read(_MOST)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Unreadable(Msg("verify.head.cannot_read", {"why": exc.strerror})) from exc
    heads = _parse(raw)
    if heads is None:
        raise Unreadable(Msg("verify.head.malformed"))
    return heads


def advance(ledger: Path, heads: Mapping[str, tuple[int, str]]) -> None:
    """Record each chain's ``(position, hash)`` unless the file already names a later event
    of that chain.  Best effort: a ledger on a read-only folder, or a full disk, must not
    fail a write that committed."""
    if not heads:
        return
    with contextlib.suppress(OSError):
        fd = os.open(path_for(ledger), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            current = _parse(os.pread(fd, _MOST, 0)) or []
            known = {h.chain: h for h in current}
            changed = False
            for chain, (seq, digest) in heads.items():
                if seq > 0 and (chain not in known or known[chain].seq < seq):
                    known[chain] = Head(seq, digest, chain)
                    changed = True
            if changed:
                text = _text(list(known.values()))
                os.pwrite(fd, text, 0)  # never shorter than the text it replaces
                os.ftruncate(fd, len(text))
        finally:
            os.close(fd)
