"""Issue 22, findings 5 (recorded_at going backwards) and 6 (the newest events removed): what
``verify`` sees without a hand-kept ``--anchor``."""

from __future__ import annotations

import json
import sqlite3
import stat
import time

import pytest
from test_reliability import head, make_history, one, sql, unguard

from complaintctl.store import chain as integrity
from complaintctl.store.verify import RECORDED_TOLERANCE


@pytest.fixture
def history(run, register):
    return make_history(run, register)


def _remove_newest_complaint(db) -> None:
    """What the adversarial test did: the newest complaint and its event, with the sqlite3
    module (triggers dropped first)."""
    unguard(db)
    newest = one(db, "SELECT max(id) FROM complaints")
    sql(
        db,
        f"DELETE FROM events WHERE complaint_id = {newest}",
        f"DELETE FROM personal WHERE complaint_id = {newest}",
        f"DELETE FROM complaints WHERE id = {newest}",
        "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'append-only'); END",
        "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'append-only'); END",
    )


def test_every_write_records_the_chain_head_beside_the_ledger(run, db, history):
    recorded = db.with_name("ledger.db.head")
    assert recorded.read_text() == f"MAIN 16 {head(db)}\n"  # chain, position, hash
    assert stat.S_IMODE(recorded.stat().st_mode) == 0o600
    run.ok("update", "2", "--note", "又去看了", "--at", "2026-03-08 09:00")
    assert recorded.read_text() == f"MAIN 17 {head(db)}\n"
    report = run.json("verify")
    assert (report["ok"], report["head_seq"], report["head_file_seq"]) == (True, 17, 17)


def test_removing_the_newest_complaint_and_its_event_is_found(run, db, history, register, english):
    register(name="孙八", at="2026-03-07 09:00")
    _remove_newest_complaint(db)
    result = run("verify")
    assert result.exit_code == 1
    assert result.stdout == (
        f"chain MAIN position 17..17 chain_seq: the head file records position 17 "
        f"({_recorded(db)[:16]}) but the chain ends at position 16: the newest events of MAIN "
        "were removed\n"
    )
    # a backup of it is refused the same way
    dest = db.with_name("copy.db")
    assert run("backup", str(dest)).exit_code == 1
    assert not dest.exists()


def _recorded(db) -> str:
    return db.with_name("ledger.db.head").read_text().split()[2]


def test_a_rewritten_head_is_found(run, db, history, english):
    """The newest event edited by a forger who recomputed its hash: the chain is whole, only
    the head file knows."""
    before = head(db)
    unguard(db)
    conn = sqlite3.connect(db)
    e = conn.execute(
        "SELECT prev_hash, seq, complaint_id, kind, at, recorded_at, data, pii FROM events "
        "WHERE seq = 16"
    ).fetchone()
    forged = integrity.event_hash(e[0], e[1], e[2], e[3], e[4], e[5], "经理", e[6], e[7])
    conn.execute("UPDATE events SET by = '经理', hash = ? WHERE seq = 16", (forged,))
    conn.commit()
    conn.close()
    result = run("verify")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        f"chain MAIN position 16 hash: differs from the head file's {before[:16]}: the chain "
        "was rewritten up to its newest events"
    )


def test_a_ledger_without_head_file_still_verifies(run, db, history, english):
    """Ledgers written before the head file, and copies: nothing to compare, not a finding."""
    db.with_name("ledger.db.head").unlink()
    report = run.json("verify")
    assert (report["ok"], report["head_file_seq"]) == (True, None)
    db.with_name("ledger.db.head").write_text("garbage\n")
    result = run("verify")
    assert result.exit_code == 1
    assert "head file head: does not hold a sequence number and a hash" in result.stdout


def test_recorded_at_going_back_beyond_the_tolerance_is_named(run, db, history, monkeypatch):
    """An event appended under a clock set 200 days back: its recorded_at is earlier than the
    event before it, and the chain (computed by the tool itself) is intact."""
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 200 * 86400)
    run.ok("update", "2", "--note", "时钟错了", "--at", "2026-03-08 09:00")
    monkeypatch.setattr(time, "time", lambda: real() - RECORDED_TOLERANCE + 5)
    run.ok("update", "2", "--note", "差几分钟，不算", "--at", "2026-03-08 09:00")
    monkeypatch.setattr(time, "time", real)
    result = run("verify", "--json")
    assert result.exit_code == 1
    (difference,) = json.loads(result.stdout)["differences"]
    assert (difference["where"], difference["field"], difference["seq"]) == (
        "event 17", "recorded_at", 17,
    )  # fmt: skip
    assert "before event 16" in difference["message"]
    assert difference["message"].endswith(
        "although appended after it: the clock was set back, or the event was inserted later"
    )
