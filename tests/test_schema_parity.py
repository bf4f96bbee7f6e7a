"""The two migration lists build the same tables (issue 21): store/schema.py for SQLite and
store/pg_schema.py for PostgreSQL are written twice, in two dialects, so a column added to one
list only would pass every test of the other backend.  This compares what the two ledgers hold
after every migration: the same tables, each with the same columns (indexes differ by design:
each backend has the ones its planner needs)."""

from __future__ import annotations

from pathlib import Path

import pg
import pytest

from complaintctl.store.backend import open_ledger

# Tables only one backend has, and why.
SERVER_ONLY = {
    "chain_heads": "the row each append locks (SQLite has one writer and a head file)",
    "complaintctl_schema": "the schema number (SQLite keeps it in PRAGMA user_version)",
}


def _sqlite_tables(path: Path) -> dict[str, list[str]]:
    ledger = open_ledger(str(path))
    try:
        conn = ledger.conn
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
            )
        ]
        # FTS5's shadow tables belong to its virtual table
        virtual = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'"
            )
        ]
        names = [n for n in names if not any(n.startswith(f"{v}_") for v in virtual)]
        return {n: sorted(r[1] for r in conn.execute(f"PRAGMA table_info('{n}')")) for n in names}
    finally:
        ledger.close()


def _server_tables(url: str) -> dict[str, list[str]]:
    import psycopg

    out: dict[str, list[str]] = {}
    with psycopg.connect(url, password=pg.PASSWORD) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name"
        ).fetchall()
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return {t: sorted(c) for t, c in out.items()}


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_both_migration_lists_build_the_same_tables(backend: str, db: str, tmp_path: Path) -> None:
    lite = _sqlite_tables(tmp_path / "parity.db")
    open_ledger(db).close()  # the owner of the template migrated it; opening checks the version
    server = _server_tables(db)
    for table in SERVER_ONLY:
        server.pop(table, None)
    # the text index differs by design: FTS5 on SQLite, a terms column on the server
    lite.pop("complaint_text", None)
    server.pop("complaint_text", None)
    assert sorted(server) == sorted(lite)
    for table, columns in lite.items():
        assert server[table] == columns, table
    assert {"events", "complaints", "personal", "policies", "notices"} <= set(lite)
    assert "received_time_unknown" in lite["complaints"]  # migration 7 reached both
