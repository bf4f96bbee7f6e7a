"""Copying a ledger into another (``migrate --to``, issue 21): a centre's SQLite ledger, or
its backup file, onto the company's PostgreSQL server.

The events are copied as they are (sequence numbers, times, hashes: the same chain), with the
complaints rows they lead to, the personal data, the policies and the holiday notices, in
one write transaction of the target.  The source is verified first (nothing is copied from a
ledger that does not verify) and the copy after.  Running it again copies only what the
source gained since: the target's newest event must be the source's event of that number,
with the same hash; a target that holds another ledger's events is refused.  A centre's
ledger goes into a site of a server that has others with ``migrate --site``
(:mod:`complaintctl.store.sitecopy`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from complaintctl.domain.errors import IntegrityFailure, InvalidInput
from complaintctl.domain.model import COLUMNS
from complaintctl.domain.sites import FIRST, site_of
from complaintctl.store import verify as check
from complaintctl.store.bulk import EVENT_COLUMNS
from complaintctl.store.ledger import Ledger, chain_head

BATCH = 5000  # rows per insert_rows call (COPY on the server)
CHUNK = 500  # ids per IN (...) list
PERSONAL = ("complaint_id", "name", "phone", "salt", "erased_at")
POLICIES = ("version", "loaded_at", "by", "name", "sha256", "text", "site")
NOTICES = ("id", "year", "reference", "loaded_at", "by", "text")
SITES = ("code", "name", "added_at")


@dataclass
class Copied:
    events: int
    complaints: int
    policies: int
    notices: int
    source: check.Report
    target: check.Report

    def to_json(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "complaints": self.complaints,
            "policies": self.policies,
            "notices": self.notices,
            "source": self.source.to_json(),
            "target": self.target.to_json(),
        }


def verified(ledger: Ledger) -> check.Report:
    """``verify`` of ``ledger`` (one snapshot, streaming)."""
    return check.verify_ledger(ledger)


def verified_source(source: Ledger) -> check.Report:
    """``verify`` of the ledger to copy from; ``IntegrityFailure`` (nothing copied) when it
    does not verify."""
    report = verified(source)
    if not report.ok:
        raise IntegrityFailure(
            "copy.source_does_not_verify", path=source.path, count=len(report.differences)
        )
    return report


def copy_ledger(source: Ledger, target: Ledger) -> Copied:
    """Copy what ``target`` lacks of ``source``; verify both.  Raises ``IntegrityFailure``
    when the source does not verify (nothing copied) and ``InvalidInput`` (``--to``) when
    the target holds another ledger's events."""
    before = verified_source(source)
    src = source.conn
    with source.reading(), target.write() as writer:
        dst = target.conn
        chains = _chains(src)
        writer.lock(*chains)
        head = dst.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        start = int(head[0]) if head else 0
        if head is not None:
            same = src.execute("SELECT hash FROM events WHERE seq = ?", (start,)).fetchone()
            if same is None or same[0] != head[1]:
                raise InvalidInput(
                    "--to",
                    "copy.target_holds_another_ledger",
                    target=target.path,
                    seq=start,
                    source=source.path,
                )
        events = 0
        rows = src.execute(
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE seq > ? ORDER BY seq", (start,)
        )
        for batch in _batches((tuple(r) for r in rows), BATCH):
            target.insert_rows("events", EVENT_COLUMNS, batch)
            events += len(batch)
        for chain in chains:  # the chains' new heads (the server's chain_heads rows)
            writer.moved(chain, *chain_head(dst, chain))
        ids = [
            int(r[0])
            for r in src.execute(
                "SELECT id FROM complaints WHERE last_seq > ? ORDER BY id", (start,)
            )
        ]
        for chunk in _batches(iter(ids), CHUNK):
            marks = ", ".join("?" for _ in chunk)
            dst.execute(f"DELETE FROM complaints WHERE id IN ({marks})", chunk)
            dst.execute(f"DELETE FROM personal WHERE complaint_id IN ({marks})", chunk)
            found = src.execute(
                f"SELECT {', '.join(COLUMNS)} FROM complaints WHERE id IN ({marks})", chunk
            )
            target.insert_rows("complaints", COLUMNS, [tuple(r) for r in found])
            people = src.execute(
                f"SELECT {', '.join(PERSONAL)} FROM personal WHERE complaint_id IN ({marks})",
                chunk,
            )
            target.insert_rows("personal", PERSONAL, [tuple(r) for r in people])
            if start == 0:  # a new copy: none indexed yet; a range within one site (the
                # keys of two sites lie 10**9 and more apart: domain/sites.py)
                for _, keys in groupby(chunk, site_of):
                    run = list(keys)
                    target.index_text_range(run[0], run[-1])
            else:
                target.index_text(list(chunk))
        _missing(src, target, "sites", SITES, "code")  # each added by a site_added event
        default = src.execute("SELECT value FROM settings WHERE key = 'default_site'").fetchone()
        dst.execute("UPDATE settings SET value = ? WHERE key = 'default_site'", (default[0],))
        policies = _missing(src, target, "policies", POLICIES, "version")
        notices = _missing(src, target, "notices", NOTICES, "id")
    return Copied(events, len(ids), policies, notices, before, verified(target))


def _chains(conn: Any) -> list[str]:
    """The chains of a ledger's events: one per site that has events (the first site's
    also when only events from before chains begin it)."""
    names = {str(r[0]) for r in conn.execute("SELECT DISTINCT chain FROM events") if r[0]}
    if conn.execute("SELECT 1 FROM events WHERE chain IS NULL LIMIT 1").fetchone():
        names.add(FIRST)
    return sorted(names)


def _missing(src: Any, target: Ledger, table: str, columns: Sequence[str], key: str) -> int:
    """Copy the rows of ``table`` whose ``key`` the target lacks; how many."""
    have = {r[0] for r in target.conn.execute(f"SELECT {key} FROM {table}")}
    rows = [
        tuple(r)
        for r in src.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key}")
        if r[0] not in have
    ]
    if rows:
        target.insert_rows(table, columns, rows)
    return len(rows)


def _batches(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
