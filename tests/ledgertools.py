"""Helpers the test modules share."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path


def snapshot(db: Path | str) -> str:
    """The ledger's meaning: the schema version and every row of every table but the
    calendar cache (a cache may be refreshed by any command), hashed.  Equal snapshots mean
    nothing was written or lost.  ``db`` may be a ``postgresql://`` URL."""
    if isinstance(db, str) and db.startswith("postgresql://"):
        return _pg_snapshot(db)
    conn = sqlite3.connect(db)
    try:
        parts = [f"version:{conn.execute('PRAGMA user_version').fetchone()[0]}"]
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        for (table,) in tables.fetchall():
            if table != "calendar_cache":
                rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                parts.append(f"{table}:{rows!r}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()
    finally:
        conn.close()


def without_chains(conn: sqlite3.Connection) -> None:
    """Undo what migration 9 (one chain per site, issue 21) made: the events as a version
    before it wrote them.  For a ledger of one site the hashes stay right: the first site's
    chained formula (position, number) is the old one (seq, key) there."""
    conn.execute("DROP INDEX events_chain")
    conn.execute("ALTER TABLE events DROP COLUMN chain")
    conn.execute("ALTER TABLE events DROP COLUMN chain_seq")


def sql(db: Path | str, statement: str, *params: object) -> list[tuple[object, ...]]:
    """Run one statement on the test's ledger behind the program's back (``?`` for the
    parameters, on either backend) and commit; its rows.  ``db`` may be a ``postgresql://``
    URL: then it runs as the application login, with its privileges."""
    if isinstance(db, str) and db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as pg:
            cur = pg.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]
            return list(cur.fetchall()) if cur.description else []
    conn = sqlite3.connect(db)
    try:
        with conn:
            cur = conn.execute(statement, params)
            return list(cur.fetchall())
    finally:
        conn.close()


def every_row(db: Path | str) -> str:
    """Every row of every table of the ledger as text: what any SQL client can read."""
    if isinstance(db, str) and db.startswith("postgresql://"):
        query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1"
    tables = [str(t) for (t,) in sql(db, query)]
    return "\n".join(f"{t}: {sql(db, f'SELECT * FROM {t}')!r}" for t in tables)


def without_sites(conn: sqlite3.Connection) -> None:
    """Undo what migrations 6 (sites, issue 21) and 9 (chains) made: a ledger as an older
    version left it."""
    without_chains(conn)
    for index in ("complaints_site_month", "complaints_site_open"):
        conn.execute(f"DROP INDEX {index}")
    conn.execute("ALTER TABLE complaints DROP COLUMN site")
    conn.execute("ALTER TABLE policies DROP COLUMN site")
    conn.execute("DROP TABLE sites")
    conn.execute("DROP TABLE settings")


def _pg_snapshot(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        parts = [f"version:{conn.execute('SELECT version FROM complaintctl_schema').fetchone()}"]
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        for (table,) in tables.fetchall():
            if table != "calendar_cache":
                rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                parts.append(f"{table}:{rows!r}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()
