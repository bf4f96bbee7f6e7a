"""The ledger as it was at a moment.  For ``show --as-of``: one complaint folded again from
its events up to then.  For the report: the complaints table, with the rows of complaints that
changed after ``as_of`` replaced by their state as of then, rebuilt from their events
(``model.apply``) into a temporary table, all in one read transaction (``Ledger.reading``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from complaintctl.domain.errors import NotFound
from complaintctl.domain.model import COLUMNS, Complaint, Event, apply
from complaintctl.domain.timeutil import from_epoch
from complaintctl.store.ledger import row_to_event

if TYPE_CHECKING:
    import sqlite3

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
    "kind, "
    + ", ".join(f"{m}_due, {m}_done" for m in ("respond", "assign", "plan", "resolve", "update"))
    + ", update_missed"
)


@dataclass
class Source:
    """Where the rows come from: the complaints table, with the rows of complaints that
    changed after ``as_of`` replaced by their state as of then (temp.report_asof)."""

    as_of: int
    folded: bool = False

    def rows(self, condition: str, columns: str = _COLUMNS) -> str:
        """A FROM clause: the table itself on the fast path (so SQLite reads it through the
        index, nothing materialised), else the union of unchanged and rebuilt rows."""
        if not self.folded:
            return f"complaints WHERE {condition}"
        return (
            f"(SELECT {columns} FROM complaints WHERE {condition} AND id NOT IN "
            f"(SELECT id FROM temp.report_changed) UNION ALL "
            f"SELECT {columns} FROM temp.report_asof WHERE {condition})"
        )

    def table(self, condition: str) -> str:
        """A table expression of whole rows (for the detail sheet)."""
        if not self.folded:
            return f"(SELECT * FROM complaints WHERE {condition})"
        return self.rows(condition, "*")


FEW = 50_000  # up to this many events after as_of: find them through the (kind, at) index


def _changed(conn: sqlite3.Connection, as_of: int, start: int, end: int) -> list[int]:
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


def _received_changed(conn: sqlite3.Connection, as_of: int, start: int, end: int) -> list[int]:
    later = 0
    for (kind,) in conn.execute(_KINDS).fetchall():
        later += conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM events WHERE kind = ? AND at > ? LIMIT ?)",
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
        "WHERE e.kind IN (SELECT kind FROM (" + _KINDS + ")) AND e.at > ? "
        "AND c.received_at >= ? AND c.received_at < ?",
        (as_of, start, end),
    )
    return [r[0] for r in rows]


def _fold_changed(conn: sqlite3.Connection, as_of: int, start: int, end: int) -> bool:
    """Rebuild, as of ``as_of``, every complaint received in [start, end) that has events
    after ``as_of`` (``model.apply`` over its events up to then) into temp.report_asof."""
    ids = _changed(conn, as_of, start, end)
    if not ids:
        return False
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_changed (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_asof AS SELECT * FROM complaints WHERE 0")
    conn.execute("DELETE FROM temp.report_changed")
    conn.execute("DELETE FROM temp.report_asof")
    conn.executemany("INSERT INTO temp.report_changed (id) VALUES (?)", ((i,) for i in ids))
    states: list[Complaint] = []
    state: Complaint | None = None
    rows = conn.execute(
        "SELECT e.* FROM temp.report_changed r CROSS JOIN events e ON e.complaint_id = r.id "
        "WHERE e.at <= ? ORDER BY e.complaint_id, e.seq",
        (as_of,),
    )
    for row in rows:
        event = row_to_event(row)
        if state is not None and state.id != event.complaint_id:
            states.append(state)
            state = None
        if state is None and event.kind != "registered":
            continue  # received after as_of: not in the report
        state = apply(state, event)
    if state is not None:
        states.append(state)
    if states:
        conn.executemany(
            f"INSERT INTO temp.report_asof ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in COLUMNS)})",
            map(Complaint.to_values, states),
        )
    return True


@contextmanager
def snapshot(ledger: Ledger, as_of: int, start: int, end: int) -> Iterator[Source]:
    """A consistent read of the ledger as of ``as_of`` for complaints received in [start, end)."""
    with ledger.reading():
        yield Source(as_of, _fold_changed(ledger.conn, as_of, start, end))


def complaint_as_of(ledger: Ledger, complaint_id: int, as_of: int) -> tuple[Complaint, list[Event]]:
    """One complaint as it stood at ``as_of``: its events that happened by then (``at`` at or
    before it, whenever they were recorded, as the report counts them) folded again, and those
    events.  A complaint received after ``as_of`` did not exist then: :class:`NotFound`."""
    ledger.get(complaint_id)  # NotFound for an id the ledger never had
    events = [e for e in ledger.events(complaint_id) if e.at <= as_of]
    if not events or events[0].kind != "registered":
        raise NotFound(
            "asof.id_complaint_was_received_after_as",
            complaint_id=complaint_id,
            as_of=from_epoch(as_of),
        )
    state: Complaint | None = None
    for event in events:
        state = apply(state, event)
    assert state is not None
    return state, events
