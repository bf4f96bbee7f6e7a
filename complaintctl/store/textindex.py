"""The text index: each complaint's words in an FTS5 table, kept by the writer.

``complaint_text`` (rowid = complaint id) holds the tokens of the description, location,
resolution, the notes and plans of its events, and the parts of its 房号 (so that ``search
1702`` finds 2-3-1702) (``domain/textsearch.py`` says which
tokens: bigrams, so that two-character Chinese words match).  SQLite computes them through
the SQL function ``complaintctl_terms`` that every connection of a ledger registers, so the
migration that made the table, an import and a single write share one statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from complaintctl.domain.textsearch import terms

FUNCTION = "complaintctl_terms"

# The events whose writing changes a complaint's indexed text.
TEXT_EVENTS = frozenset(
    {"registered", "corrected", "updated", "resolved", "reopened", "followed_up", "noted"}
)

_NOTES = (
    "(SELECT group_concat(coalesce(json_extract(e.data, '$.note'), '') || ' ' || "
    "coalesce(json_extract(e.data, '$.plan'), ''), ' ') FROM events e "
    "WHERE e.complaint_id = c.id AND e.kind IN ('updated', 'followed_up', 'noted'))"
)
TERMS_SQL = f"{FUNCTION}(c.description, c.location, c.resolution, {_NOTES}, c.unit)"
INSERT_SQL = f"INSERT INTO complaint_text (rowid, terms) SELECT c.id, {TERMS_SQL} FROM complaints c"


def _terms(*texts: str | None) -> str:
    return terms(texts)


def register(conn: sqlite3.Connection) -> None:
    """Make ``complaintctl_terms`` known to ``conn`` (before any migration runs)."""
    conn.create_function(FUNCTION, -1, _terms, deterministic=True)


def refresh(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    """Index the complaints ``ids`` again from their current row and events."""
    for cid in ids:
        conn.execute("DELETE FROM complaint_text WHERE rowid = ?", (cid,))
        conn.execute(f"{INSERT_SQL} WHERE c.id = ?", (cid,))


def add_range(conn: sqlite3.Connection, first: int, last: int) -> None:
    """Index the new complaints ``first``..``last`` (a bulk write; none indexed yet)."""
    conn.execute(f"{INSERT_SQL} WHERE c.id BETWEEN ? AND ?", (first, last))


def rebuild(conn: sqlite3.Connection) -> None:
    """Index every complaint again (what the migration does)."""
    conn.execute("DELETE FROM complaint_text")
    conn.execute(INSERT_SQL)
