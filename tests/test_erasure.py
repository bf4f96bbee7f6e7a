"""Issue 22, finding 8: ``purge-personal`` erases.  The erased name and phone are not readable
in the ledger file nor in its write-ahead log afterwards, even while another terminal keeps the
ledger open (so that the log is not folded and removed when the command ends)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from ledgertools import every_row

from complaintctl.domain.timeutil import now
from complaintctl.store.ledger import Ledger
from complaintctl.workflow.retention import years_before

NAME = "欧阳娜娜"
PHONE = "13911112222"

pytestmark = pytest.mark.backends


def _raw(db) -> bytes:
    wal = db.with_name(db.name + "-wal")
    return db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.mark.sqlite_only("SQLite's secure_delete on the file's freed pages")
def test_every_connection_erases_securely(db):
    ledger = Ledger.open(db)
    try:
        assert ledger.conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    finally:
        ledger.close()


@pytest.mark.sqlite_only("the bytes of the ledger file and of its write-ahead log")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_erased_values_are_gone_from_the_file_and_the_wal(run, db, register):
    kept = register(name="周九", phone="13800009999", at="2020-05-01 09:00")
    other = sqlite3.connect(db)  # another terminal: the log stays when the commands end
    try:
        assert other.execute("SELECT count(*) FROM events").fetchone()[0] == 1
        old = register(name=NAME, phone=PHONE, at="2020-03-02 09:00")
        run.ok("close", str(old), "--resolution", "已修", "--satisfied", "--at", "2020-03-03 10:00")
        raw = _raw(db)
        assert NAME.encode() in raw and PHONE.encode() in raw  # the test can see them
        latest = years_before(now().date() - timedelta(days=1), 3)
        assert run.json("purge-personal", "--before", latest.isoformat())["ids"] == [old]
        assert other.execute("SELECT count(*) FROM events").fetchone()[0] == 5
        raw = _raw(db)
        assert NAME.encode() not in raw
        assert PHONE.encode() not in raw
        assert "周九".encode() in raw and b"13800009999" in raw  # only the erased ones went
        assert run.json("show", str(kept))["name"] == "周九"
        assert run.ok("verify").startswith("ok: ")
    finally:
        other.close()


def test_erased_values_are_gone_from_every_table(run, db, register):
    kept = register(name="周九", phone="13800009999", at="2020-05-01 09:00")
    old = register(name=NAME, phone=PHONE, at="2020-03-02 09:00")
    run.ok("close", str(old), "--resolution", "已修", "--satisfied", "--at", "2020-03-03 10:00")
    assert NAME in every_row(db) and PHONE in every_row(db)  # the test can see them
    latest = years_before(now().date() - timedelta(days=1), 3)
    assert run.json("purge-personal", "--before", latest.isoformat())["ids"] == [old]
    rows = every_row(db)
    assert NAME not in rows and PHONE not in rows
    assert "周九" in rows and "13800009999" in rows  # only the erased ones went
    shown = run.json("show", str(old))
    assert (shown["name"], shown["phone"]) == (None, None)
    assert run.json("show", str(kept))["name"] == "周九"
    assert run.json("verify")["ok"] is True
