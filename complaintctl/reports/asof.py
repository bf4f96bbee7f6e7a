"""The ledger as it stood at a moment T: the one meaning of ``--as-of`` for every read
(``list``, ``search``, ``show``, ``digest``, ``report``, ``export``; issue 15).

A complaint as of T is its events with ``at <= T`` folded again (``model.apply``, the fold the
ledger itself uses): a complaint received after T does not exist; a step done after T is not
done; the deadlines are those in force at T (before a later reclassification, extension,
correction or reopening); its state is judged at T.  Events count by when they happened
(``at``), not by when they were recorded: a step typed in later (补录) with ``--at`` before T
counts, so the figures may differ from what was seen at T itself.

Only complaints with an event after T can differ from their row in ``complaints``; usually few
(T is recent) and found with a few index probes.  They are rebuilt into temporary tables
(``temp.asof_changed``: their ids, ``temp.asof_rows``: their states then) in one read
transaction (``Ledger.reading``), and read either through :class:`Source` (the report, which
names its rows) or, with :func:`ledger_as_of`, through a temporary view ``complaints`` that
hides the table of the same name from unqualified queries, so ``list``, ``digest`` and
``export`` run their own queries unchanged.  :func:`complaint_as_of` folds one complaint (for
``show``) the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from complaintctl.domain.errors import ComplaintError, NotFound
from complaintctl.domain.model import COLUMNS, Complaint, Event, apply
from complaintctl.domain.timeutil import from_epoch
from complaintctl.store.ledger import row_to_event

if TYPE_CHECKING:
    from complaintctl.store.ledger import Ledger

_KINDS = """
WITH RECURSIVE k(kind) AS (
  SELECT min(kind) FROM events
  UNION ALL SELECT (SELECT min(kind) FROM events WHERE kind > k.kind) FROM k WHERE kind IS NOT NULL
) SELECT kind FROM k WHERE kind IS NOT NULL
"""


# The columns the figures read (the folded slow path copies only these).
_COLUMNS = (
    "id, received_at, received_month, channel, category, location, severity, nature, department, "
    "handler, status, satisfaction, reopen_count, extension_count, escalation_level, duplicate_of, "
    "kind, site, "
    + ", ".join(f"{m}_due, {m}_done" for m in ("respond", "assign", "plan", "resolve", "update"))
    + ", update_missed, unjudged, handled_time_unknown"
)


@dataclass
class Source:
    """Where the rows come from: the complaints table, with the rows of complaints that
    changed after ``as_of`` replaced by their state as of then (temp.asof_rows)."""

    as_of: int
    folded: bool = False

    def rows(self, condition: str, columns: str = _COLUMNS) -> str:
        """A FROM clause: the table itself on the fast path (so SQLite reads it through the
        index, nothing materialised), else the union of unchanged and rebuilt rows."""
        if not self.folded:
            return f"complaints WHERE {condition}"
        return f"{self._union(condition, columns)} AS complaints"  # PostgreSQL: named

    def _union(self, condition: str, columns: str) -> str:
        return (
            f"(SELECT {columns} FROM main.complaints WHERE {condition} AND id NOT IN "
            f"(SELECT id FROM temp.asof_changed) UNION ALL "
            f"SELECT {columns} FROM temp.asof_rows WHERE {condition})"
        )

    def table(self, condition: str) -> str:
        """A table expression of whole rows (for the detail sheet)."""
        if not self.folded:
            return f"(SELECT * FROM complaints WHERE {condition})"
        return self._union(condition, "*")


_FIRST, _LAST = -(1 << 62), 1 << 62  # no bound on the receipt time
FEW = 50_000  # up to this many events after as_of: find them through the (kind, at) index


def _changed(conn: sqlite3.Connection, as_of: int, start: int | None, end: int | None) -> list[int]:
    """Complaints received in [start, end) with events after ``as_of``, and any complaint
    corrected after ``as_of`` (a corrected receipt time may have moved it out of the period
    or into it: rebuilt, it is judged by the time it had then).

    Usually ``as_of`` is now and nothing happened since: a few index probes per event kind.
    With few later events, they are read through the (kind, at) index; with many (a report
    as of long ago), the period's own complaints are checked instead."""
    corrected = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT complaint_id FROM events WHERE kind = 'corrected' AND at > ?",
            (as_of,),
        )
    ]
    return sorted(set(_received_changed(conn, as_of, start, end)) | set(corrected))


def _received_changed(
    conn: sqlite3.Connection, as_of: int, start: int | None, end: int | None
) -> list[int]:
    start = _FIRST if start is None else start
    end = _LAST if end is None else end
    later = 0
    for (kind,) in conn.execute(_KINDS).fetchall():
        later += conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM events WHERE kind = ? AND at > ? LIMIT ?) AS e",
            (kind, as_of, FEW + 1 - later),
        ).fetchone()[0]
        if later > FEW:
            rows = conn.execute(
                "SELECT id FROM complaints WHERE received_at >= ? AND received_at < ? AND "
                "EXISTS (SELECT 1 FROM events e WHERE e.complaint_id = complaints.id AND e.at > ?)",
                (start, end, as_of),
            )
            return [r[0] for r in rows]
    if not later:
        return []
    rows = conn.execute(
        "SELECT DISTINCT c.id FROM events e CROSS JOIN complaints c ON c.id = e.complaint_id "
        "WHERE e.kind IN (SELECT kind FROM (" + _KINDS + ") AS kinds) AND e.at > ? "
        "AND c.received_at >= ? AND c.received_at < ?",
        (as_of, start, end),
    )
    return [r[0] for r in rows]


def _fold_changed(
    conn: sqlite3.Connection, as_of: int, start: int | None = None, end: int | None = None
) -> bool:
    """Rebuild, as of ``as_of``, every complaint received in [start, end) (None: no bound)
    that has events after ``as_of`` into temp.asof_rows (its id into temp.asof_changed; one
    received after ``as_of`` gets no row there).  False when there is none: nothing to do."""
    ids = _changed(conn, as_of, start, end)
    if not ids:
        return False
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS asof_changed (id INTEGER PRIMARY KEY)")
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS asof_rows AS SELECT * FROM main.complaints WHERE 0"
    )
    conn.execute("DELETE FROM temp.asof_changed")
    conn.execute("DELETE FROM temp.asof_rows")
    conn.executemany("INSERT INTO temp.asof_changed (id) VALUES (?)", ((i,) for i in ids))
    rows = conn.execute(
        "SELECT e.* FROM temp.asof_changed r CROSS JOIN events e ON e.complaint_id = r.id "
        "WHERE e.at <= ? ORDER BY e.complaint_id, e.seq",
        (as_of,),
    )
    states = list(fold(map(row_to_event, rows)))  # one state per complaint, not every event
    conn.executemany(
        f"INSERT INTO temp.asof_rows ({', '.join(COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in COLUMNS)})",
        map(Complaint.to_values, states),
    )
    return True


def fold(events: Iterable[Event]) -> Iterator[Complaint]:
    """The complaints that ``events`` (already those up to the moment, by complaint then
    ``seq``) make: one whose first event is not its registration was received later, and
    did not exist yet."""
    state: Complaint | None = None
    for event in events:
        if state is not None and state.id != event.complaint_id:
            yield state
            state = None
        if state is None and event.kind != "registered":
            continue  # received after the moment
        state = apply(state, event)
    if state is not None:
        yield state


@contextmanager
def snapshot(ledger: Ledger, as_of: int, start: int, end: int) -> Iterator[Source]:
    """A consistent read of the ledger as of ``as_of`` for complaints received in [start, end)."""
    with ledger.reading():
        source = Source(as_of, _fold_changed(ledger.conn, as_of, start, end))
        with _dropped_after(ledger.conn, source.folded):
            yield source


@contextmanager
def ledger_as_of(ledger: Ledger, as_of: int | None) -> Iterator[None]:
    """Inside, in one read transaction, the unqualified table ``complaints`` is the ledger as
    it stood at ``as_of`` (None: as it stands, nothing done).  Complaints with no event after
    ``as_of`` are read from the table itself (and its indexes); those changed since, from
    their rebuilt rows.  The view is gone on leaving (the desk shell keeps its connection)."""
    if as_of is None:
        yield
        return
    with ledger.reading():
        conn = ledger.conn
        with _dropped_after(conn, True):
            if _fold_changed(conn, as_of):
                conn.execute(
                    "CREATE TEMP VIEW complaints AS SELECT * FROM main.complaints WHERE id NOT IN "
                    "(SELECT id FROM temp.asof_changed) UNION ALL SELECT * FROM temp.asof_rows"
                )
            yield


@contextmanager
def _dropped_after(conn: sqlite3.Connection, made: bool) -> Iterator[None]:
    """Drop the temporary view and tables on leaving.  After an error, a failing drop must not
    hide it: on PostgreSQL a failed statement aborts the transaction, and every later one
    (the drop too) fails with "current transaction is aborted"; the rollback that follows
    removes what the transaction made anyway."""
    try:
        yield
    except BaseException:
        if made:
            with suppress(ComplaintError, sqlite3.Error):
                _drop(conn)
        raise
    if made:
        _drop(conn)


def _drop(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("DROP VIEW IF EXISTS temp.complaints")
        conn.execute("DROP TABLE IF EXISTS temp.asof_changed")
        conn.execute("DROP TABLE IF EXISTS temp.asof_rows")
    except sqlite3.ProgrammingError:  # closed first (a report's rows left unread on an error):
        pass  # its temporary tables went with it


def complaint_as_of(ledger: Ledger, complaint_id: int, as_of: int) -> tuple[Complaint, list[Event]]:
    """One complaint as it stood at ``as_of``: its events that happened by then (``at`` at or
    before it, whenever they were recorded, as the report counts them) folded again, and those
    events.  A complaint received after ``as_of`` did not exist then: :class:`NotFound`."""
    ledger.get(complaint_id)  # NotFound for an id the ledger never had
    events = [e for e in ledger.events(complaint_id) if e.at <= as_of]
    states = list(fold(events))
    if not states:
        raise NotFound(
            "asof.id_complaint_was_received_after_as",
            complaint_id=complaint_id,
            as_of=from_epoch(as_of),
        )
    return states[0], events
