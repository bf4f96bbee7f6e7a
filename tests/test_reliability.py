"""verify, backup, upgrades and the purge of personal data, against real ledger files edited
behind the tool's back with the sqlite3 module, and server ledgers edited by the server's
superuser (``forger``)."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import ledgertools
import pg
import pytest
from typer.main import get_command

from complaintctl.cli.app import app
from complaintctl.domain.model import COLUMNS
from complaintctl.domain.timeutil import now
from complaintctl.store import chain as integrity
from complaintctl.store import ledger as ledger_mod
from complaintctl.store import textindex
from complaintctl.workflow.retention import years_before

pytestmark = pytest.mark.backends


def forger(db: Path | str) -> Any:
    """A connection that edits the ledger behind the tool's back, in autocommit: the sqlite3
    module on the file; on the server the superuser of the test cluster (psycopg, ``?``
    placeholders), who alone may lift the events' triggers."""
    if isinstance(db, str):
        import psycopg

        url = db.replace(f"//{pg.APP}@", f"//{pg.SUPERUSER}@", 1)

        class Server:
            def __init__(self) -> None:
                self.conn = psycopg.connect(url, autocommit=True)

            def execute(self, statement: str, params: tuple[Any, ...] = ()) -> Any:
                return self.conn.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]

            def close(self) -> None:
                self.conn.close()

        return Server()
    return sqlite3.connect(db, isolation_level=None)


def sql(db: Path | str, *statements: str) -> None:
    conn = forger(db)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def one(db: Path | str, query: str) -> object:
    conn = forger(db)
    try:
        return conn.execute(query).fetchone()[0]
    finally:
        conn.close()


def head(db: Path | str) -> str:
    return str(one(db, "SELECT hash FROM events ORDER BY seq DESC LIMIT 1"))


def unguard(db: Path | str) -> None:
    """What a forger does first: drop the append-only triggers."""
    if isinstance(db, str):  # the server: disabled (verify counts them as missing)
        sql(
            db,
            "ALTER TABLE events DISABLE TRIGGER events_append_only_update",
            "ALTER TABLE events DISABLE TRIGGER events_append_only_delete",
        )
        return
    sql(db, "DROP TRIGGER events_append_only_update", "DROP TRIGGER events_append_only_delete")


@pytest.fixture
def history(run, register):
    """Three complaints: #1 closed (resolved 03-03 16:00, followed up), #2 assigned and in
    progress, #3 reopened after an extension and an escalation."""
    return make_history(run, register)


def make_history(run, register):
    one_ = register(severity="中度", at="2026-03-02 09:00")
    run.ok(
        "assign",
        str(one_),
        "--department",
        "工程部",
        "--handler",
        "李工",
        "--at",
        "2026-03-02 09:30",
    )
    run.ok("update", str(one_), "--contacted", "--at", "2026-03-02 09:40")
    run.ok("close", str(one_), "--resolution", "已更换灯管", "--at", "2026-03-03 16:00")
    run.ok("followup", str(one_), "--satisfied", "--at", "2026-03-04 10:00")
    two = register(name="李四", unit="5-2-1101", phone="13900001111", at="2026-03-02 11:00")
    run.ok("classify", str(two), "--severity", "轻微", "--at", "2026-03-02 11:05")
    run.ok("assign", str(two), "--department", "保洁部", "--at", "2026-03-02 11:10")
    run.ok("update", str(two), "--note", "已安排保洁", "--at", "2026-03-02 12:00")
    three = register(severity="重大", at="2026-03-05 08:00", description="电梯困人")
    run.ok("assign", str(three), "--department", "工程部", "--at", "2026-03-05 08:10")
    run.ok(
        "update",
        str(three),
        "--extend",
        "2wd",
        "--reason",
        "等配件",
        "--approved-by",
        "经理",
        "--escalate",
        "业主投诉媒体",
        "--at",
        "2026-03-05 09:00",
    )
    run.ok("close", str(three), "--resolution", "已维修", "--satisfied", "--at", "2026-03-06 10:00")
    run.ok("reopen", str(three), "--reason", "又坏了", "--at", "2026-03-07 10:00")
    return one_, two, three


# -- verify -----------------------------------------------------------------------------------
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_clean_prints_counts_and_chain_head(run, db, history):
    result = run("verify")
    assert result.exit_code == 0, result.stderr
    events = one(db, "SELECT count(*) FROM events")
    assert events == 16
    assert result.stdout == f"ok: 16 events, 3 complaints, chain head {head(db)[:16]}\n"
    assert result.stderr == ""
    report = run.json("verify")
    assert report == {
        "ok": True,
        "events": 16,
        "complaints": 3,
        "chain_head": head(db),
        "head_seq": 16,
        "head_file_seq": 16 if isinstance(db, Path) else None,  # a file beside the ledger
        "chains": {
            "MAIN": {"events": 16, "head": head(db), "head_position": 16, "head_seq": 16},
        },
        "differences": [],
    }


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_empty_ledger(run):
    assert run.ok("verify") == f"ok: 0 events, 0 complaints, chain head {'0' * 16}\n"


@pytest.mark.sqlite_only(
    "SQLite's triggers (the server's triggers and privileges: test_postgres.py)"
)
def test_events_are_append_only(db, history):
    for statement in ("UPDATE events SET at = at - 60 WHERE seq = 3", "DELETE FROM events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            sql(db, statement)


def _verify_fails(run) -> list[str]:
    result = run("verify")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stdout.splitlines()
    assert result.stderr == (
        f"complaintctl: verify found {len(lines)} difference(s) between the log and the tables\n"
    )
    return lines


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_names_an_edited_received_at(run, db, history):
    sql(db, "UPDATE complaints SET received_at = received_at - 86400 WHERE id = 2")
    assert _verify_fails(run) == [
        "#2 received_at: log says 2026-03-02 11:00, table says 2026-03-01 11:00"
    ]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_names_an_edited_resolution_time(run, db, history):
    sql(db, "UPDATE complaints SET resolved_at = resolved_at - 2 * 86400 + 30 WHERE id = 1")
    assert _verify_fails(run) == [
        "#1 resolved_at: log says 2026-03-03 16:00, table says 2026-03-01 16:00:30"
    ]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_names_edited_deadline_and_status(run, db, history):
    sql(
        db,
        "UPDATE complaints SET resolve_due = resolve_due + 86400, status = 'closed' WHERE id = 2",
    )
    assert _verify_fails(run) == [
        "#2 status: log says in_progress, table says closed",
        "#2 resolve_due: log says 2026-03-06 00:00, table says 2026-03-07 00:00",
    ]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_names_an_edited_event(run, db, history):
    unguard(db)
    seq = one(db, "SELECT seq FROM events WHERE complaint_id = 1 AND kind = 'resolved'")
    sql(db, f"UPDATE events SET data = replace(data, '已更换灯管', '已处理') WHERE seq = {seq}")
    assert _verify_fails(run) == [
        f"event {seq} hash: does not match the event's content (#1 resolved): "
        "edited after it was written",
        "#1 resolution: log says 已处理, table says 已更换灯管",
        "ledger triggers: events_append_only_update is missing: events are no longer append-only",
        "ledger triggers: events_append_only_delete is missing: events are no longer append-only",
    ]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_names_an_edited_event_time(run, db, history):
    unguard(db)
    sql(db, "UPDATE events SET at = at + 3600 WHERE complaint_id = 2 AND kind = 'registered'")
    lines = _verify_fails(run)
    assert (
        "event 6 hash: does not match the event's content (#2 registered): edited after it was written"
        in lines
    )
    assert "#2 received_at: log says 2026-03-02 12:00, table says 2026-03-02 11:00" in lines


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_names_a_deleted_event(run, db, history):
    unguard(db)
    sql(db, "DELETE FROM events WHERE seq = 7")  # #2 classified
    lines = _verify_fails(run)
    assert lines[0] == (
        "chain MAIN position 7 chain_seq: missing from the log (removed; the next event of "
        "the chain is event 8, at position 8)"
    )
    assert "#2 severity: log says nothing, table says minor" in lines


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_notices_events_removed_at_the_end(run, db, history):
    unguard(db)
    sql(db, "DELETE FROM events WHERE seq = 16")
    lines = _verify_fails(run)
    assert (
        "log seq: the log ends at event 15 but the tables were written by event 16: "
        "events at the end were removed"
    ) in lines
    assert "#3 status: log says closed, table says in_progress" in lines


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_names_an_edited_phone(run, db, history):
    sql(db, "UPDATE personal SET phone = '13900009999' WHERE complaint_id = 2")
    assert _verify_fails(run) == [
        "#2 personal: name/phone do not match the digest in the registered event 6: "
        "edited after registration"
    ]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_refuses_erasure_without_event(run, db, history):
    sql(
        db,
        "UPDATE personal SET name = NULL, phone = NULL, salt = NULL, erased_at = 1 WHERE complaint_id = 3",
    )
    assert _verify_fails(run) == [
        "#3 personal: name and phone erased without a personal_data_erased event"
    ]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_names_a_complaint_added_by_hand(run, db, history):
    sql(
        db,
        "INSERT INTO complaints SELECT 4, received_at, received_month, channel, unit, location, "
        "description, category, severity, nature, department, handler, status, satisfaction, "
        "resolution, resolved_at, followed_up_at, reopen_count, extension_count, "
        "escalation_level, escalations, duplicate_of, collective_of, policy_version, "
        "respond_due, respond_done, assign_due, assign_done, plan_due, plan_done, resolve_due, "
        "resolve_done, update_due, update_done, update_missed, provisional, next_due, NULL, "
        "last_seq, reopened_at, kind, urgent, appointment_at, about, site, received_time_unknown, "
        "handled_time_unknown, unjudged FROM complaints WHERE id = 1",
    )
    assert _verify_fails(run) == ["#4 row: in the complaints table but never registered in the log"]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_names_an_edited_policy(run, db, history, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(run.ok("policy", "show").split("\n", 1)[1], encoding="utf-8")
    run.ok("policy", "load", str(policy))
    sql(
        db, "UPDATE policies SET text = replace(text, 'retention_years = 3', 'retention_years = 1')"
    )
    assert _verify_fails(run) == [
        "policy v1 text: does not match the policy_loaded event 17: edited after it was loaded"
    ]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_anchor_catches_a_rewritten_chain(run, db, history):
    """A forger who recomputes every hash after an edit passes the chain check, but not a chain
    head recorded elsewhere before the edit."""
    recorded = head(db)[:16]
    assert run.ok("verify", "--anchor", recorded).startswith("ok: 16 events")
    unguard(db)
    conn = forger(db)
    conn.execute("BEGIN")
    conn.execute("UPDATE events SET at = at - 86400 WHERE complaint_id = 2 AND kind = 'registered'")
    conn.execute("UPDATE complaints SET received_at = received_at - 86400 WHERE id = 2")
    prev = integrity.GENESIS
    for row in conn.execute("SELECT * FROM events ORDER BY seq").fetchall():
        seq, cid, kind, at, rec, by, data, pii = row[:8]
        digest = integrity.event_hash(prev, seq, cid, kind, at, rec, by, data, pii)
        conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
        prev = digest
    conn.execute("COMMIT")
    conn.close()
    assert "received_at" not in run("verify").stdout  # the forgery is self-consistent ...
    result = run("verify", "--anchor", recorded)
    assert result.exit_code == 1  # ... but the recorded head is gone
    assert f"anchor {recorded}: no event in the log has this hash" in result.stdout
    bad = run("verify", "--anchor", "xyz")
    assert bad.exit_code == 2
    assert bad.stderr == "complaintctl: --anchor: 'xyz' is not a hash prefix (8 to 64 hex digits)\n"


# -- backups ----------------------------------------------------------------------------------
@pytest.mark.not_on_postgresql_yet("backup (pg_dump on the server)")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_backup_writes_a_verified_owner_only_copy(run, db, history, tmp_path):
    dest = tmp_path / "backups" / "ledger-2026-03-08.db"
    dest.parent.mkdir()  # like every output, a backup is not made in a folder that is missing
    out = run.ok("backup", str(dest))
    assert (
        out
        == f"backup written to {dest}; ok: 16 events, 3 complaints, chain head {head(db)[:16]}\n"
    )
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert not Path(f"{dest}-wal").exists()
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]
    assert run.json("--db", str(dest), "show", "3")["status"] == "in_progress"
    assert run.ok("--db", str(dest), "verify").startswith("ok: 16 events, 3 complaints")

    again = run("backup", str(dest))
    assert again.exit_code == 2
    assert again.stderr == f"complaintctl: DEST: {dest} exists; pass --force to replace it\n"
    run.ok("update", "2", "--note", "又去看了", "--at", "2026-03-08 09:00")
    report = run.json("backup", str(dest), "--force")
    assert (report["ok"], report["events"], report["dest"]) == (True, 17, str(dest))
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


@pytest.mark.not_on_postgresql_yet("backup (pg_dump on the server)")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_backup_refuses_folder_and_the_ledger_itself(run, db, history, tmp_path):
    result = run("backup", str(tmp_path))
    assert (result.exit_code, result.stderr) == (
        2,
        f"complaintctl: DEST: {tmp_path} is a folder; give the backup file's name\n",
    )
    result = run("backup", str(db), "--force")
    assert (result.exit_code, result.stderr) == (
        2,
        f"complaintctl: DEST: {db} is the ledger itself; choose another file\n",
    )


@pytest.mark.not_on_postgresql_yet("backup (pg_dump on the server)")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_backup_of_a_tampered_ledger_is_not_written(run, db, history, tmp_path):
    sql(db, "UPDATE complaints SET received_at = received_at - 86400 WHERE id = 2")
    dest = tmp_path / "copy.db"
    result = run("backup", str(dest))
    assert result.exit_code == 1
    assert (
        result.stdout == "#2 received_at: log says 2026-03-02 11:00, table says 2026-03-01 11:00\n"
    )
    assert result.stderr == (
        "complaintctl: backup not written: the copy does not verify (1 difference(s)); "
        f"run 'complaintctl verify' on {db}\n"
    )
    assert not dest.exists()
    assert not list(tmp_path.glob(".copy.db*"))  # no partial copy left behind


# -- opening: permissions, upgrades, newer versions ---------------------------------------------
@pytest.mark.sqlite_only("the mode of the ledger file")
def test_ledger_file_is_owner_only(run, db, register):
    register()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


@pytest.mark.sqlite_only("the page size of the ledger file")
def test_new_ledger_has_8k_pages(run, db, register):
    register()
    assert (one(db, "PRAGMA page_size"), one(db, "PRAGMA journal_mode")) == (8192, "wal")


def _with_migration(monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Pretend this version brings one more migration than the ledger has."""
    migrations = [*ledger_mod.MIGRATIONS, script]
    monkeypatch.setattr(ledger_mod, "MIGRATIONS", migrations)
    monkeypatch.setattr(ledger_mod, "SCHEMA_VERSION", len(migrations))


@pytest.mark.sqlite_only("a SQLite file's upgrade and its backup beside the file")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_upgrade_migrates_after_a_backup_beside_the_ledger(run, db, history, monkeypatch):
    before = run.json("show", "3")
    old_version = one(db, "PRAGMA user_version")
    _with_migration(
        monkeypatch,
        "ALTER TABLE complaints ADD COLUMN upgrade_note TEXT;\n"
        "CREATE INDEX complaints_upgrade_note ON complaints(upgrade_note);\n",
    )
    assert run.json("show", "3") == before
    assert one(db, "PRAGMA user_version") == old_version + 1
    assert (
        one(db, "SELECT count(*) FROM pragma_table_info('complaints') WHERE name = 'upgrade_note'")
        == 1
    )
    (saved,) = db.parent.glob(f"ledger.db.before-v{old_version + 1}-*")
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert one(saved, "PRAGMA user_version") == old_version
    assert one(saved, "SELECT count(*) FROM events") == 16
    assert run.ok("verify").startswith("ok: 16 events, 3 complaints")
    assert run.ok("--db", str(saved), "verify").startswith("ok: 16 events")


@pytest.mark.sqlite_only("a SQLite file's upgrade and its backup beside the file")
def test_a_migration_that_changes_nothing_here_makes_no_backup(run, db, history, monkeypatch):
    """Migration 8 is PostgreSQL's text index, a no-op on SQLite: upgrading a large ledger
    across it alone must not copy the whole file first."""
    old_version = one(db, "PRAGMA user_version")
    _with_migration(monkeypatch, "SELECT 1;\n")
    run.ok("show", "3")
    assert one(db, "PRAGMA user_version") == old_version + 1
    assert list(db.parent.glob("ledger.db.before-v*")) == []


@pytest.fixture
def version_1(run, db, register, monkeypatch):
    """A ledger made by the version whose schema was migration 1 alone (hash UNIQUE), with
    the three complaints of ``history`` and 20 long progress notes on #2 (the event log most
    of the file, as in a ledger in use), before this version opens it."""
    # this version writes the complaints columns later migrations added: they are there
    # while the history is written, and dropped before this version opens the file
    later = _columns_after_1()
    added = "".join(f"ALTER TABLE complaints ADD COLUMN {c};\n" for c in later)
    # and the tables of sites this version reads (migration 6, issue 21), dropped with them
    added += (
        "CREATE TABLE sites (code TEXT PRIMARY KEY, name TEXT NOT NULL, added_at INTEGER);\n"
        "INSERT INTO sites VALUES ('MAIN', '本项目', NULL);\n"
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
        "ALTER TABLE policies ADD COLUMN site TEXT;\n"
        # and the chain columns it writes (migration 9): without them, the events it wrote
        # are the one chain of a version before chains, with the same hashes (one site)
        "ALTER TABLE events ADD COLUMN chain TEXT;\n"
        "ALTER TABLE events ADD COLUMN chain_seq INTEGER;\n"
    )
    with monkeypatch.context() as patch:
        patch.setattr(ledger_mod, "MIGRATIONS", [ledger_mod.MIGRATIONS[0] + added])
        patch.setattr(ledger_mod, "SCHEMA_VERSION", 1)
        patch.setattr(ledger_mod, "PAGE_SIZE", 4096)  # SQLite's, which that version kept
        patch.setattr(textindex, "TEXT_EVENTS", frozenset())  # it had no text index
        make_history(run, register)
        for n in range(20):
            run.ok("update", "2", "--note", f"第{n}次巡查：" + "保洁已到场" * 400)
    if later:
        sql(
            db,
            *(f"ALTER TABLE complaints DROP COLUMN {c}" for c in later),
            "DROP TABLE sites",
            "DROP TABLE settings",
            "ALTER TABLE policies DROP COLUMN site",
            "ALTER TABLE events DROP COLUMN chain",
            "ALTER TABLE events DROP COLUMN chain_seq",
            "VACUUM",
        )


def _columns_after_1() -> list[str]:
    """The complaints columns added by migrations after the first (e.g. kind, issue 20)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(ledger_mod.MIGRATIONS[0])
        first = {r[1] for r in conn.execute("PRAGMA table_info(complaints)")}
    finally:
        conn.close()
    return [c for c in COLUMNS if c not in first]


@pytest.mark.sqlite_only("a schema-1 SQLite file")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_upgrade_from_1_keeps_every_event_and_drops_the_hash_index(run, db, version_1):
    def events(path: Path) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(path)
        try:
            return conn.execute(
                "SELECT seq, complaint_id, kind, at, recorded_at, by, data, pii, prev_hash, hash "
                "FROM events ORDER BY seq"
            ).fetchall()
        finally:
            conn.close()

    def indexes(path: Path) -> list[str]:
        conn = sqlite3.connect(path)
        try:
            rows = conn.execute("SELECT name FROM pragma_index_list('events') ORDER BY name")
            return [r[0] for r in rows]
        finally:
            conn.close()

    assert one(db, "PRAGMA user_version") == 1
    assert indexes(db) == ["events_by_complaint", "events_by_kind", "sqlite_autoindex_events_1"]
    logged = events(db)
    assert len(logged) == 36
    pages = one(db, "PRAGMA page_count")
    schema_pages = one(db, "SELECT count(*) FROM dbstat WHERE name = 'sqlite_schema'")

    assert run.ok("verify").startswith("ok: 36 events, 3 complaints")  # opening migrates
    assert one(db, "PRAGMA user_version") == ledger_mod.SCHEMA_VERSION
    assert events(db) == logged  # same rows, seq, hashes
    assert one(db, "PRAGMA page_size") == 4096  # a ledger keeps the page size it was made with
    # the old table's pages given back: the file is no larger than before, but for what
    # migration 3 adds (the text index, three indexes and their lines in the schema, issue 14)
    added = one(
        db,
        "SELECT count(*) FROM dbstat WHERE name LIKE 'complaint_text%' "
        "OR name IN ('complaints_unit', 'personal_phone_tail', 'personal_name')",
    )
    # and what migration 6 adds (sites, issue 21): two small tables, their keys, two indexes
    added += one(
        db,
        "SELECT count(*) FROM dbstat WHERE name IN ('sites', 'settings', "
        "'sqlite_autoindex_sites_1', 'sqlite_autoindex_settings_1', 'complaints_site_month', "
        "'complaints_site_open')",
    )
    # and migration 9's index of the chains (issue 21)
    added += one(db, "SELECT count(*) FROM dbstat WHERE name = 'events_chain'")
    added += one(db, "SELECT count(*) FROM dbstat WHERE name = 'sqlite_schema'") - schema_pages
    assert (one(db, "PRAGMA freelist_count"), one(db, "PRAGMA page_count") - added <= pages) == (
        0,
        True,
    )
    assert indexes(db) == ["events_by_complaint", "events_by_kind", "events_chain"]
    assert one(db, "SELECT count(*) FROM events WHERE chain IS NOT NULL") == 0
    (saved,) = db.parent.glob(f"ledger.db.before-v{ledger_mod.SCHEMA_VERSION}-*")
    assert (one(saved, "PRAGMA user_version"), events(saved)) == (1, logged)
    for statement in ("UPDATE events SET by = 'x' WHERE seq = 1", "DELETE FROM events"):
        with pytest.raises(sqlite3.IntegrityError, match="events are append-only"):
            sql(db, statement)
    run.ok("update", "2", "--note", "升级后继续处理", "--at", "2026-03-08 09:00")
    assert run.ok("verify").startswith("ok: 37 events, 3 complaints")
    # the first event after the upgrade goes on on the first site's chain, after the old ones
    assert one(db, "SELECT chain || ' ' || chain_seq FROM events WHERE seq = 37") == "MAIN 37"
    assert one(db, "SELECT prev_hash FROM events WHERE seq = 37") == one(
        db, "SELECT hash FROM events WHERE seq = 36"
    )


@pytest.mark.sqlite_only(
    "a SQLite file's failed upgrade (the server's migrations: test_postgres.py)"
)
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_failed_upgrade_changes_nothing(run, db, history, monkeypatch):
    old_version = one(db, "PRAGMA user_version")
    with monkeypatch.context() as patch:
        _with_migration(
            patch, "ALTER TABLE complaints ADD COLUMN half_done TEXT;\nTHIS IS NOT SQL;\n"
        )
        result = run("list")
    assert result.exit_code == 4
    assert result.stderr == (f'complaintctl: ledger {db}: near "THIS": syntax error\n')
    assert one(db, "PRAGMA user_version") == old_version
    assert (
        one(db, "SELECT count(*) FROM pragma_table_info('complaints') WHERE name = 'half_done'")
        == 0
    )
    assert run.ok("verify").startswith("ok: 16 events")


@pytest.mark.sqlite_only("the user_version of the file (the server's case: test_postgres.py)")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_newer_ledger_is_refused_and_untouched(run, db, history):
    run.ok("verify")
    sql(db, "PRAGMA user_version = 99")
    before = db.read_bytes()
    for args in (
        ["list"],
        [
            "register",
            "--channel",
            "电话",
            "--name",
            "a",
            "--unit",
            "1",
            "--phone",
            "13812345678",
            "--description",
            "x",
        ],
        ["verify"],
    ):
        result = run(*args)
        assert result.exit_code == 4
        assert result.stderr == (
            f"complaintctl: ledger {db}: made by a newer complaintctl (schema 99, this version "
            f"knows {ledger_mod.SCHEMA_VERSION}); upgrade complaintctl, the ledger was not touched\n"
        )
    assert db.read_bytes() == before
    assert not list(db.parent.glob("ledger.db.before-*"))


# -- retention --------------------------------------------------------------------------------
def _non_personal(item: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in item.items() if k not in ("name", "phone", "events")}


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_purge_personal_erases_old_closed_complaints_only(run, db, register, tmp_path):
    today = now().date()
    recent = (today - timedelta(days=200)).isoformat()
    old = register(name="赵六", phone="13700001234", at="2020-03-02 09:00")
    run.ok("close", str(old), "--resolution", "已修", "--satisfied", "--at", "2020-03-03 10:00")
    awaiting = register(name="钱七", at="2020-04-01 09:00")  # resolved, never followed up
    run.ok("close", str(awaiting), "--resolution", "已修", "--at", "2020-04-02 10:00")
    still_open = register(name="孙八", at="2020-05-01 09:00")
    fresh = register(name="周九", at=f"{recent} 09:00")
    run.ok("close", str(fresh), "--resolution", "已修", "--satisfied", "--at", f"{recent} 12:00")
    listed = run.json("list")
    shown = {i: run.json("show", str(i)) for i in (old, awaiting, still_open, fresh)}
    latest = years_before(today, 3)
    # the figures of the digest and the report, where those commands exist, stay as they are
    moment = f"{now():%Y-%m-%d %H:%M}"
    present = set(get_command(app).commands)  # type: ignore[attr-defined]
    figures = [
        ["report", "--from", "2020-01-01", "--to", today.isoformat(), "--as-of", moment],
        ["digest", "--as-of", moment],
    ]
    figures_before = [run.json(*args) for args in figures if args[0] in present]

    refused = run("purge-personal", "--before", today.isoformat())
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"complaintctl: --before: {today.isoformat()} is within the retention period (3 years, "
        f"policy version 0); personal data of complaints closed on or after {latest.isoformat()} "
        f"must be kept: give --before {latest.isoformat()} or earlier\n"
    )
    unchanged = ledgertools.snapshot(db)
    dry = run.ok("purge-personal", "--before", latest.isoformat(), "--dry-run")
    assert dry == (
        f"would erase the name and phone of 1 complaint(s) closed before {latest.isoformat()} "
        "(dry run: nothing changed)\n"
    )
    assert ledgertools.snapshot(db) == unchanged

    assert run.json("purge-personal", "--before", latest.isoformat(), "--by", "档案员") == {
        "before": latest.isoformat(),
        "latest_allowed": latest.isoformat(),
        "retention_years": 3,
        "count": 1,
        "ids": [old],
        "dry_run": False,
    }
    assert (
        one(
            db,
            f"SELECT name IS NULL AND phone IS NULL AND salt IS NULL AND erased_at > 0 "
            f"FROM personal WHERE complaint_id = {old}",
        )
        == 1
    )
    after = run.json("show", str(old))
    assert (after["name"], after["phone"]) == (None, None)
    assert after["events"][-1]["kind"] == "personal_data_erased"
    assert after["events"][-1]["by"] == "档案员"
    assert "赵六" not in run.ok("show", str(old))
    assert [_non_personal(i) for i in run.json("list")] == [_non_personal(i) for i in listed]
    for i, before in shown.items():
        assert _non_personal(run.json("show", str(i))) == _non_personal(before)
    assert run.json("show", str(fresh))["name"] == "周九"
    assert run.ok("verify").startswith("ok: ")
    assert [run.json(*args) for args in figures if args[0] in present] == figures_before
    assert run.ok("purge-personal", "--before", latest.isoformat()) == (
        f"erased the name and phone of 0 complaint(s) closed before {latest.isoformat()}\n"
    )


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_purge_personal_bad_date(run):
    result = run("purge-personal", "--before", "2020-02-30")
    assert (result.exit_code, result.stderr) == (
        2,
        "complaintctl: --before: no such date '2020-02-30'\n",
    )


def test_years_before_handles_leap_day():
    assert years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)
    assert years_before(date(2026, 11, 22), 3) == date(2023, 11, 22)


def test_verify_json_lists_differences(run, db, history):
    sql(db, "UPDATE complaints SET handler = '王五' WHERE id = 1")
    result = run("verify", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["differences"] == [
        {
            "where": "#1",
            "complaint_id": 1,
            "seq": None,
            "field": "handler",
            "message": "log says 李工, table says 王五",
            "text": "#1 handler: log says 李工, table says 王五",
        }
    ]
