"""A centre's ledger copied into one site of a server (``migrate --to URL --site CODE``,
issue 21 item 3): head office gathers its centres, each into its own site.

The source is a ledger of one site (its complaints in the first site, ``MAIN``: a centre's
file, or its backup).  Its first site's chain (store/chain.py: the events written before
chains, then those of ``MAIN``'s chain) becomes the chain of site CODE on the server, event by
event: the same positions, times, data, ``prev_hash`` and hashes.  That the hashes still hold
is the point of the chained formula: a hash covers the event's position and its complaint's
NUMBER within the site, and in the first site the number is the key.  What changes:

- the complaint keys: number N becomes CODE's key of N (domain/sites.key), in the events'
  ``complaint_id``, the complaints rows and the personal rows; keys inside the events' data
  (a duplicate's main, a collective's first, the record a complaint is about) stay as the
  hashes fixed them and are read as numbers of the event's own site (``model._same_site``);
- the global ``seq``: each event takes the server's next one (the log's order), and the
  complaints rows are folded again from the copied events (``model.advance``), so they agree
  with verify's replay;
- the policies become CODE's (``policies.site``; verify reads a ``policy_loaded`` event on a
  site's chain as that site's), with their version numbers: a number the server already uses
  for another text is refused (versions count across sites and their events are hashed);
- holiday notices are copied only when the server lacks their text (one calendar for all
  sites); a notice for a year in which the server holds another notice is refused.

Both ledgers are verified (the source before, nothing copied when it does not verify; the
server after).  Run again, it copies only what the source gained: the site's chain on the
server must end at an event of the source's chain (same position, same hash), else the site
holds another ledger's chain and nothing is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.model import COLUMNS, Complaint, advance
from complaintctl.domain.sites import FIRST, MAX_NUMBER, STRIDE, key
from complaintctl.store.bulk import EVENT_COLUMNS
from complaintctl.store.copy import (
    BATCH,
    CHUNK,
    PERSONAL,
    POLICIES,
    Copied,
    _batches,
    verified,
    verified_source,
)
from complaintctl.store.ledger import Ledger, chain_head
from complaintctl.store.verify import event_at

_READ = "seq, complaint_id, kind, at, recorded_at, by, data, pii, prev_hash, hash"


def copy_into_site(source: Ledger, target: Ledger, code: str) -> Copied:
    """Copy what site ``code`` of ``target`` lacks of ``source``'s chain; verify both."""
    before = verified_source(source)
    src = source.conn
    with source.reading(), target.write() as writer:
        code = target.known_site(code)
        others = src.execute(
            "SELECT (SELECT count(*) FROM sites WHERE code != ?) + (SELECT count(*) FROM "
            "complaints WHERE id > ?)",
            (FIRST, MAX_NUMBER),
        ).fetchone()[0]
        if others:
            raise InvalidInput("--site", "copy.source_has_sites", source=source.path)
        writer.lock(FIRST, code)  # policies and notices are the ledger's; the site's chain
        dst = target.conn
        position, digest = chain_head(dst, code)
        if position:
            found = event_at(src, FIRST, position)
            if found is None or found[1] != digest:
                raise InvalidInput(
                    "--site",
                    "copy.site_holds_another_chain",
                    site=code,
                    position=position,
                    source=source.path,
                )
        touched: set[int] = set()
        events = 0
        last = (position, digest)
        for batch in _batches(_chain_after(src, position), BATCH):
            writer.reserve(len(batch))
            rows = []
            for e in batch:
                cid = None if e[1] is None else key(code, int(e[1]))
                if cid is not None:
                    touched.add(cid)
                rows.append((writer.next_seq(), cid, *e[2:10], code, e[10]))
                last = (int(e[10]), str(e[9]))
            target.insert_rows("events", EVENT_COLUMNS, rows)
            events += len(rows)
        writer.moved(code, *last)
        ids = sorted(touched)
        for chunk in _batches(iter(ids), CHUNK):
            _refold(target, source, chunk)
        if ids and position == 0:
            target.index_text_range(ids[0], ids[-1])
        elif ids:
            target.index_text(ids)
        policies = _policies(source, target, code)
        notices = _notices(source, target)
    return Copied(events, len(ids), policies, notices, before, verified(target))


def _chain_after(conn: Any, position: int) -> Iterator[tuple[Any, ...]]:
    """The source's first-site chain after ``position``: its fields and its position."""
    for row in conn.execute(
        f"SELECT {_READ}, seq FROM events WHERE chain IS NULL AND seq > ? ORDER BY seq",
        (position,),
    ):
        yield tuple(row)
    for row in conn.execute(
        f"SELECT {_READ}, chain_seq FROM events WHERE chain = ? AND chain_seq > ? "
        "ORDER BY chain_seq",
        (FIRST, position),
    ):
        yield tuple(row)


def _refold(target: Ledger, source: Ledger, chunk: list[int]) -> None:
    """The complaints rows of ``chunk`` (keys in the site) folded from their copied events,
    and their personal rows from the source's (numbers there)."""
    dst = target.conn
    marks = ", ".join("?" for _ in chunk)
    states: dict[int, Complaint] = {}
    for e in dst.execute(
        f"SELECT complaint_id, kind, at, data, seq FROM events WHERE complaint_id IN ({marks}) "
        "ORDER BY complaint_id, seq",
        chunk,
    ):
        cid = int(e[0])
        states[cid] = advance(states.get(cid), e[1], cid, e[2], json.loads(e[3]), e[4])
    dst.execute(f"DELETE FROM complaints WHERE id IN ({marks})", chunk)
    dst.execute(f"DELETE FROM personal WHERE complaint_id IN ({marks})", chunk)
    target.insert_rows("complaints", COLUMNS, [states[c].to_values() for c in chunk])
    base = chunk[0] - chunk[0] % STRIDE
    numbers = [c - base for c in chunk]
    people = source.conn.execute(
        f"SELECT {', '.join(PERSONAL)} FROM personal WHERE complaint_id IN ({marks})", numbers
    )
    target.insert_rows("personal", PERSONAL, [(r[0] + base, *tuple(r)[1:]) for r in people])


def _policies(source: Ledger, target: Ledger, code: str) -> int:
    """The source's policy versions the server lacks, as the site's; a version number the
    server holds for another text is refused."""
    have = {
        int(r[0]): str(r[1]) for r in target.conn.execute("SELECT version, sha256 FROM policies")
    }
    rows = []
    for r in source.conn.execute(f"SELECT {', '.join(POLICIES)} FROM policies ORDER BY version"):
        version, digest = int(r[0]), str(r[4])
        if version in have:
            if have[version] != digest:
                raise InvalidInput(
                    "--site", "copy.policy_version_taken", version=version, target=target.path
                )
            continue
        rows.append((*tuple(r), code))
    if rows:
        target.insert_rows("policies", (*POLICIES, "site"), rows)
    return len(rows)


def _notices(source: Ledger, target: Ledger) -> int:
    """The source's holiday notices whose text the server lacks (one calendar for every
    site); one for a year the server holds another notice of is refused."""
    have: dict[str, int] = {}
    years: set[int] = set()
    for r in target.conn.execute("SELECT year, text FROM notices"):
        have[_sha(r[1])] = int(r[0])
        years.add(int(r[0]))
    rows = []
    for r in source.conn.execute(
        "SELECT year, reference, loaded_at, by, text FROM notices ORDER BY id"
    ):
        digest = _sha(r[4])
        if digest in have:
            continue
        if int(r[0]) in years:
            raise InvalidInput("--site", "copy.notice_year_differs", year=r[0], target=target.path)
        have[digest] = int(r[0])
        rows.append(tuple(r))
    if rows:
        target.insert_rows("notices", ("year", "reference", "loaded_at", "by", "text"), rows)
    return len(rows)


def _sha(text: Any) -> str:
    return hashlib.sha256(str(text).encode()).hexdigest()
