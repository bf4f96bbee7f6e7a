"""The PostgreSQL ledger (issue 21): what only a server has — roles and privileges, the
trigger, connection failures, the seam's SQL translation — and that SQLite users never load
psycopg.  The behaviour shared with SQLite is tested by the modules marked ``backends``."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

import pg
import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaintctl.store import pg_schema, schema
from complaintctl.store.backend import LedgerBackend, open_ledger
from complaintctl.store.ledger import Ledger
from complaintctl.store.postgres import PostgresLedger, dialect, masked, translate

ON_SERVER = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
pytestmark = pytest.mark.usefixtures("english")  # the English wording of messages

PROBE = """
import sys
sys.argv = ["complaintctl", *sys.argv[1:]]
from complaintctl.cli.entry import main
try:
    main()
except SystemExit:
    pass
print("psycopg" in sys.modules)
"""


def test_sqlite_start_up_does_not_import_psycopg(db):
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "list"], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[-1] == "False"


def test_both_ledgers_offer_the_whole_interface():
    members = [m for m in LedgerBackend.__annotations__] + [
        m for m in vars(LedgerBackend) if not m.startswith("_")
    ]
    for cls in (Ledger, PostgresLedger):
        missing = [m for m in members if m not in ("path", "conn", "read_only")]
        assert [m for m in missing if not hasattr(cls, m)] == []


def test_the_migrations_have_the_same_numbers():
    assert pg_schema.SCHEMA_VERSION == schema.SCHEMA_VERSION


def test_placeholders_become_psycopg_ones_outside_literals():
    assert translate("SELECT a FROM t WHERE b = ? AND c LIKE '%x?' AND d = :name") == (
        "SELECT a FROM t WHERE b = %s AND c LIKE '%%x?' AND d = %(name)s"
    )
    assert translate("SELECT 'it''s ?', x::text FROM t WHERE y = ?") == (
        "SELECT 'it''s ?', x::text FROM t WHERE y = %s"
    )
    assert dialect("SELECT k FROM (SELECT 1 AS k LIMIT -1) AS s") == (
        "SELECT k FROM (SELECT 1 AS k LIMIT ALL) AS s"
    )
    assert dialect("WHERE substr(replace(phone, '-', ''), -4) = ?") == (
        "WHERE right(replace(phone, '-', ''), 4) = ?"
    )
    assert dialect("SELECT 1 FROM events e CROSS JOIN complaints c ON c.id = e.complaint_id") == (
        "SELECT 1 FROM events e JOIN complaints c ON c.id = e.complaint_id"
    )
    assert dialect(
        "CREATE TEMP TABLE IF NOT EXISTS t AS SELECT * FROM main.complaints WHERE 0"
    ) == ("CREATE TEMP TABLE IF NOT EXISTS t AS SELECT * FROM public.complaints WHERE false")
    assert (
        dialect("DROP VIEW IF EXISTS temp.complaints") == "DROP VIEW IF EXISTS pg_temp.complaints"
    )
    # SQLite's "not through the index" hint; arithmetic keeps its +
    assert dialect("WHERE +unit >= ? AND a + b > 1 AND (+id IN (1)) OR +site = ?") == (
        "WHERE unit >= ? AND a + b > 1 AND (id IN (1)) OR site = ?"
    )


@given(st.text(alphabet="ab?%:' ", max_size=30))
def test_translation_keeps_every_literal_and_marks_every_placeholder(text):
    literal = "'" + text.replace("'", "''") + "'"
    out = translate(f"SELECT {literal}, ?")
    assert out == f"SELECT {literal.replace('%', '%%')}, %s"


def test_a_password_never_shows():
    assert masked("postgresql://app:s3cret@db.example/ledger") == (
        "postgresql://app:***@db.example/ledger"
    )


@ON_SERVER
def test_a_server_that_is_down_is_one_line_exit_4(backend, run, tmp_path):
    url = f"postgresql://cpl_app@/nothing?host={tmp_path}"
    result = run("--db", url, "list")
    assert result.exit_code == 4
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"complaintctl: ledger {url}: cannot connect (")


@ON_SERVER
def test_a_wrong_password_is_one_line_exit_4_without_the_password(
    backend, run, pg_server, monkeypatch
):
    monkeypatch.delenv("PGPASSWORD")
    database = pg_server.new_database()
    try:
        url = pg_server.url(database, password="wrong-one")
        result = run("--db", url, "list")
        assert result.exit_code == 4
        assert result.stderr.count("\n") == 1
        assert "wrong-one" not in result.stderr
        assert "password authentication failed for user" in result.stderr
        assert result.stderr.startswith(
            f"complaintctl: ledger postgresql://cpl_app:***@/{database}?host="
        )
    finally:
        pg_server.drop_database(database)


@ON_SERVER
def test_the_application_role_cannot_change_or_remove_events(backend, run, register, db):
    register(at="2026-03-02 09:00")
    with psycopg.connect(db) as conn:
        for sql in ("UPDATE events SET by = 'x'", "DELETE FROM events", "TRUNCATE events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
            conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE complaintctl_schema SET version = 0")
        conn.rollback()
        (count,) = conn.execute("SELECT count(*) FROM events").fetchone()  # type: ignore[misc]
    assert count == 1
    run.ok("verify")


@ON_SERVER
def test_the_trigger_stops_even_the_owner(backend, run, register, db, pg_server):
    register(at="2026-03-02 09:00")
    owner = db.replace(f"{pg.APP}@", f"{pg.OWNER}:{pg.PASSWORD}@")
    with psycopg.connect(owner) as conn:
        for sql in ("UPDATE events SET by = 'x'", "DELETE FROM events"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql)
            conn.rollback()
    run.ok("verify")


@ON_SERVER
def test_verify_finds_an_event_changed_behind_the_triggers(backend, run, register, db, pg_server):
    register(at="2026-03-02 09:00")
    database = urlsplit(db).path.lstrip("/")
    pg_server.admin(
        "ALTER TABLE events DISABLE TRIGGER USER;"
        "UPDATE events SET by = '李四' WHERE seq = 1;"
        "ALTER TABLE events ENABLE TRIGGER USER",
        dbname=database,
    )
    result = run("verify")
    assert result.exit_code == 1
    assert "event 1" in result.stdout


@ON_SERVER
def test_a_database_of_another_program_is_refused(backend, run, pg_server):
    database = pg_server.new_database()
    try:
        pg_server.admin("CREATE DATABASE other OWNER cpl_owner")
        pg_server.admin("CREATE TABLE t (x int)", dbname="other")
        url = pg_server.url("other", pg.OWNER, pg.PASSWORD)
        result = run("--db", url, "list")
        assert result.exit_code == 4
        assert result.stderr == (
            f"complaintctl: ledger {masked(url)}: a PostgreSQL database, "
            "but not a complaintctl ledger\n"
        )
    finally:
        pg_server.drop_database("other")
        pg_server.drop_database(database)


@ON_SERVER
def test_the_application_role_cannot_make_the_schema(backend, run, pg_server):
    pg_server.admin("CREATE DATABASE empty_one OWNER cpl_owner")
    try:
        result = run("--db", pg_server.url("empty_one"), "list")
        assert result.exit_code == 4
        assert "the ledger's owner must open it once to upgrade it" in result.stderr
        assert result.stderr.count("\n") == 1
    finally:
        pg_server.drop_database("empty_one")


@ON_SERVER
def test_writers_take_turns_on_the_chain_head(backend, register, db):
    """Two ledgers open on one database: the second writer waits for the first's commit and
    chains onto its event (one chain, no fork)."""
    first, second = open_ledger(db), open_ledger(db)
    try:
        register(at="2026-03-02 09:00")
        with first.write() as w:
            w.append(_event(1))
            with pytest.raises(Exception, match="lock"):
                second.server.execute("SET lock_timeout = '200ms'")
                with second.write() as w2:
                    w2.append(_event(1))
        with second.write() as w2:
            w2.append(_event(1))
        seqs = [(e.seq, e.kind) for e in second.events()]
        assert seqs == [(1, "registered"), (2, "noted"), (3, "noted")]
        (head,) = second.query("SELECT seq FROM chain_heads WHERE chain = 'MAIN'")
        assert head[0] == 3
    finally:
        first.close()
        second.close()


def _event(cid: int):  # type: ignore[no-untyped-def]
    from complaintctl.domain.model import Event

    return Event(kind="noted", complaint_id=cid, at=1772413200, by="王芳", data={"note": "x"})


@ON_SERVER
def test_a_connection_lost_mid_command_is_one_line_and_writes_nothing(
    backend, run, register, db, pg_server, monkeypatch
):
    """The server ends the session between the two events of ``close --satisfied`` (a
    restart, a killed backend): one line, exit 4, neither event written."""
    from complaintctl.store import ledger

    cid = register(at="2026-03-02 09:00")
    run.ok("assign", str(cid), "--department", "工程部", "--at", "2026-03-02 09:10")
    before = run.json("show", str(cid))
    database = urlsplit(db).path.lstrip("/")
    original = ledger.Writer.record
    calls: list[str] = []

    def record(self, state, event):  # type: ignore[no-untyped-def]
        calls.append(event.kind)
        if len(calls) == 2:
            pg_server.admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{database}' AND application_name = 'complaintctl'"
            )
        return original(self, state, event)

    with monkeypatch.context() as patch:
        patch.setattr(ledger.Writer, "record", record)
        result = run(
            "close", str(cid), "--resolution", "已维修", "--satisfied", "--at", "2026-03-02 10:00"
        )
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"complaintctl: ledger {db}: ")
    assert "terminating connection" in result.stderr or "server closed" in result.stderr
    assert run.json("show", str(cid)) == before
    assert run.ok("verify").startswith("ok: 2 events, 1 complaints")


@ON_SERVER
def test_backup_points_to_pg_dump(backend, run, db, tmp_path):
    run.ok("list")
    result = run("backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 4
    assert result.stderr == (
        f"complaintctl: ledger {db}: a server ledger is backed up with pg_dump, then checked "
        "with 'complaintctl --db <restored copy> verify' (docs/operations.md)\n"
    )
    assert not (tmp_path / "copy.db").exists()


@ON_SERVER
def test_a_ledger_from_a_newer_complaintctl_is_refused_untouched(backend, run, db, pg_server):
    run.ok("list")
    database = urlsplit(db).path.lstrip("/")
    pg_server.admin("UPDATE complaintctl_schema SET version = 99", dbname=database)
    result = run("list")
    assert result.exit_code == 4
    assert result.stderr == (
        f"complaintctl: ledger {db}: made by a newer complaintctl (schema 99, this version "
        f"knows {pg_schema.SCHEMA_VERSION}); upgrade complaintctl, the ledger was not touched\n"
    )
