"""Many new complaints written at once (an import), and what each one brings.

A :class:`NewComplaint` is made away from the ledger: the complainant's name and phone, the
events in canonical form and the complaints row they fold to.  It holds no complaint id, no
sequence number and no salt, so it can be made in another process
(:mod:`complaintctl.transfer.worker`).  :meth:`Bulk.add` gives it all three, chains its events
after the head of its site's chain as ``Writer.append`` would (store/chain.py) and buffers
the rows for ``executemany``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from complaintctl.domain.model import COLUMNS, Complaint, advance
from complaintctl.domain.sites import FIRST, STRIDE
from complaintctl.store import chain as integrity

if TYPE_CHECKING:
    from complaintctl.store.ledger import Writer

_ID = COLUMNS.index("id")
_LAST_SEQ = COLUMNS.index("last_seq")
_SITE = COLUMNS.index("site")


class NewComplaint(NamedTuple):
    name: str
    phone: str
    events: list[tuple[str, int, str, str]]  # (kind, at, by, canonical data), registered first
    row: list[Any]  # the complaints row (model.COLUMNS) the events fold to; id, last_seq 0


def new_complaint(
    name: str, phone: str, events: Iterable[tuple[str, int, str, dict[str, Any]]]
) -> NewComplaint:
    """A complaint from its events (kind, at, by, data), the first one ``registered``.

    The state is folded with ``model.advance`` as if the complaint's id and every event's
    sequence number were 0: neither is read by the fold, and only the row's ``id`` and
    ``last_seq`` hold them, which ``Bulk.add`` sets."""
    state: Complaint | None = None
    texts: list[tuple[str, int, str, str]] = []
    for kind, at, by, data in events:
        state = advance(state, kind, 0, at, data, 0)
        texts.append((kind, at, by, integrity.canonical(data)))
    if state is None or texts[0][0] != "registered":
        raise ValueError("a complaint starts with its registered event")
    return NewComplaint(name, phone, texts, state.to_values())


EVENT_COLUMNS = (
    "seq", "complaint_id", "kind", "at", "recorded_at", "by", "data", "pii", "prev_hash", "hash",
    "chain", "chain_seq",
)  # fmt: skip
PERSONAL_COLUMNS = ("complaint_id", "name", "phone", "salt")


class Bulk:
    """New complaints written in batches inside a write transaction.

    The same chain as ``Writer.append``, the same state as ``Writer.record`` and the same
    personal rows as ``Writer.store_personal``, without a query of the chain head per event or
    a statement per row.  Call ``flush()`` before using the Writer's own methods again."""

    BATCH = 20_000  # events per executemany

    def __init__(self, writer: Writer, site: str = FIRST) -> None:
        self.conn = writer.conn
        self.ledger = writer.ledger
        self.now = writer.now
        self.writer = writer
        self.site = site
        self.first_id = self.next_id = writer.next_id(site)  # the site's chain is ours now
        self.position, self.prev = writer.head(site)
        self.base = self.first_id - self.first_id % STRIDE  # a key less its number
        self._events: list[tuple[Any, ...]] = []
        self._rows: list[list[Any]] = []
        self._people: list[tuple[int, str, str, str]] = []

    @property
    def count(self) -> int:
        """Complaints added so far."""
        return self.next_id - self.first_id

    def add(self, new: NewComplaint) -> int:
        """Give ``new`` the next complaint id and its events the next sequence numbers, chain
        them, and buffer its rows; returns the id.  The personal data is stored with a new
        salt, and the registered event carries the digest that commits to it."""
        cid, now, event_hash = self.next_id, self.now, integrity.event_hash
        self.next_id += 1
        salt = integrity.new_salt()
        self._people.append((cid, new.name, new.phone, salt))
        pii: str | None = integrity.personal_digest(salt, new.name, new.phone)
        position, prev, events, site = self.position, self.prev, self._events, self.site
        number = cid - self.base  # the hash covers the number within the site
        self.writer.reserve(len(new.events))
        next_seq = self.writer.next_seq
        for kind, at, by, text in new.events:
            position += 1
            digest = event_hash(prev, position, number, kind, at, now, by, text, pii)
            events.append((next_seq(), cid, kind, at, now, by, text, pii, prev, digest, site,
                           position))  # fmt: skip
            prev, pii = digest, None  # only the registered event carries the digest
        self.position, self.prev = position, prev
        self.writer.moved(site, position, prev)
        seq = events[-1][0]
        row = list(new.row)
        row[_ID], row[_LAST_SEQ], row[_SITE] = cid, seq, self.site
        self._rows.append(row)
        if len(events) >= self.BATCH:
            self.flush()
        return cid

    def flush(self) -> None:
        insert = self.ledger.insert_rows  # executemany on SQLite, COPY on PostgreSQL
        insert("personal", PERSONAL_COLUMNS, self._people)
        insert("events", EVENT_COLUMNS, self._events)
        if self._rows:
            insert("complaints", COLUMNS, self._rows)
            self.ledger.index_text_range(self._rows[0][_ID], self._rows[-1][_ID])
        self._events, self._rows, self._people = [], [], []
