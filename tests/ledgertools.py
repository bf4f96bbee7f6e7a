"""Helpers the test modules share."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path


def snapshot(db: Path) -> str:
    """The ledger's meaning: the schema version and every row of every table but the
    calendar cache (a cache may be refreshed by any command), hashed.  Equal snapshots mean
    nothing was written or lost."""
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


def without_sites(conn: sqlite3.Connection) -> None:
    """Undo what migration 6 (sites, issue 21) made: a ledger as an older version left it."""
    for index in ("complaints_site_month", "complaints_site_open"):
        conn.execute(f"DROP INDEX {index}")
    conn.execute("ALTER TABLE complaints DROP COLUMN site")
    conn.execute("ALTER TABLE policies DROP COLUMN site")
    conn.execute("DROP TABLE sites")
    conn.execute("DROP TABLE settings")
