"""One hash chain per site (issue 21 item 2, migration 9; store/chain.py): each site's events
are chained on their own, verify walks each chain, names a forged or removed event by its
chain and position, and catches the newest events of any one chain removed (the head file on
SQLite, ``chain_heads`` on the server).  A ledger made before chains upgrades and verifies."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pg
import pytest
from ledgertools import without_chains

from complaintctl.domain import sites
from complaintctl.store import chain as integrity
from complaintctl.store.backend import open_ledger
from complaintctl.store.schema import SCHEMA_VERSION

pytestmark = pytest.mark.backends

PERSON = ("--name", "张三", "--phone", "13812345678")
TRIGGERS = (
    "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
    "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
)


def _reg(run: Any, *extra: str, at: str = "2026-03-02 09:00", unit: str = "1-101") -> int:
    return int(
        run.json(
            "register", "--channel", "电话", *PERSON, "--unit", unit, "--description", "漏水",
            "--at", at, *extra,
        )["id"]
    )  # fmt: skip


def rows(db: Path | str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    ledger = open_ledger(db)
    try:
        return [tuple(r) for r in ledger.query(query, params)]
    finally:
        ledger.close()


def tamper(db: Path | str, pg_server: Any, *statements: str) -> None:
    """What a forger with the database's keys does: change events behind the tool (the
    append-only triggers bypassed for the change only, so that verify names the chain)."""
    if isinstance(db, Path):
        conn = sqlite3.connect(db, isolation_level=None)
        try:
            conn.execute("BEGIN")
            conn.execute("DROP TRIGGER events_append_only_update")
            conn.execute("DROP TRIGGER events_append_only_delete")
            for statement in (*statements, *TRIGGERS):
                conn.execute(statement)
            conn.execute("COMMIT")
        finally:
            conn.close()
        return
    database = urlsplit(db).path.lstrip("/")
    pg_server.admin(
        "BEGIN; SET LOCAL session_replication_role = replica; "
        + "".join(f"{s}; " for s in statements)
        + "COMMIT;",
        database,
    )


@pytest.fixture
def server(backend: str, request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("pg_server") if backend == "postgresql" else None


@pytest.fixture
def two_sites(run: Any) -> None:
    """MAIN-1, site YG added, YG-1 (classified), MAIN-2, YG-2: events of two sites interleaved."""
    _reg(run)
    run.ok("site", "add", "YG", "--name", "阳光花园")
    _reg(run, "--site", "YG", unit="2-201")
    run.ok("classify", "YG-1", "--category", "设施设备", "--severity", "一般")
    _reg(run, unit="1-102")
    _reg(run, "--site", "YG", unit="2-202")


def _chains(db: Path | str) -> list[tuple[Any, ...]]:
    return rows(db, "SELECT seq, chain, chain_seq, complaint_id, kind FROM events ORDER BY seq")


YG = sites.key("YG", 1)


def test_each_site_has_its_own_chain(run, db, two_sites):
    assert _chains(db) == [
        (1, "MAIN", 1, 1, "registered"),
        (2, "MAIN", 2, None, "site_added"),  # the ledger's administration: the first site's
        (3, "YG", 1, YG, "registered"),
        (4, "YG", 2, YG, "classified"),
        (5, "MAIN", 3, 2, "registered"),
        (6, "YG", 3, YG + 1, "registered"),
    ]
    # each event links to the one before it in its own chain; the hash covers the position
    # and the complaint's number within its site, not seq nor the key
    prev: dict[str, str] = {}
    for seq, chain, position, cid, kind, at, recorded, by, data, pii, link, digest in rows(
        db,
        "SELECT seq, chain, chain_seq, complaint_id, kind, at, recorded_at, by, data, pii, "
        "prev_hash, hash FROM events ORDER BY seq",
    ):
        assert link == prev.get(chain, integrity.GENESIS), seq
        number = None if cid is None else sites.number_of(cid)
        assert digest == integrity.event_hash(
            link, position, number, kind, at, recorded, by, data, pii
        )
        prev[chain] = digest
    report = run.json("verify")
    assert report["ok"] is True
    assert report["chains"] == {
        "MAIN": {"events": 3, "head": prev["MAIN"], "head_position": 3, "head_seq": 5},
        "YG": {"events": 3, "head": prev["YG"], "head_position": 3, "head_seq": 6},
    }
    assert (report["chain_head"], report["head_seq"]) == (prev["YG"], 6)  # the newest event


@pytest.mark.usefixtures("english")
def test_a_forged_event_of_one_site_is_named(run, db, two_sites, server):
    tamper(db, server, "UPDATE events SET by = '经理' WHERE seq = 4")
    result = run("verify")
    assert result.exit_code == 1
    assert result.stdout == (
        "event 4 hash: does not match the event's content (#YG-1 classified): edited after it "
        "was written\n"
    )


@pytest.mark.usefixtures("english")
def test_an_event_removed_from_one_sites_chain_is_named(run, db, two_sites, server):
    tamper(db, server, "DELETE FROM events WHERE seq = 4")  # YG-1 classified, YG position 2
    lines = run("verify").stdout.splitlines()
    assert lines[0] == (
        "chain YG position 2 chain_seq: missing from the log (removed; the next event of the "
        "chain is event 6, at position 3)"
    )
    assert "#YG-1 category: log says nothing, table says 设施设备" in lines[1:]


@pytest.mark.usefixtures("english")
def test_removing_the_newest_events_of_one_chain_is_caught(run, db, two_sites, server):
    """YG's newest event (YG-2 registered) removed with its complaint: YG's chain is whole,
    only shorter, and MAIN's newest event is still there; the head recorded for YG knows."""
    _reg(run, unit="1-103")  # MAIN-3: the log's newest event is MAIN's
    key = sites.key("YG", 2)
    tamper(
        db,
        server,
        f"DELETE FROM events WHERE complaint_id = {key}",
        f"DELETE FROM personal WHERE complaint_id = {key}",
        f"DELETE FROM complaints WHERE id = {key}",
    )
    result = run("verify")
    assert result.exit_code == 1
    source = "the head file" if server is None else "the chain_heads row"
    (line,) = result.stdout.splitlines()
    assert line.startswith(
        f"chain YG position 3..3 chain_seq: {source} records position 3 ("
    )  # fmt: skip
    assert line.endswith("but the chain ends at position 2: the newest events of YG were removed")


@pytest.mark.usefixtures("english")
def test_an_event_put_on_another_sites_chain_is_named(run, db, two_sites, server):
    tamper(db, server, "UPDATE events SET chain = 'MAIN', chain_seq = 4 WHERE seq = 6")
    lines = run("verify").stdout.splitlines()
    assert "event 6 chain: is in chain MAIN, but its complaint #YG-2 is of site YG" in lines


def test_verify_anchors_any_chain(run, db, two_sites):
    report = run.json("verify")
    heads = {c: report["chains"][c]["head"][:16] for c in ("MAIN", "YG")}
    assert run.ok("verify").splitlines()[1:] == [
        f"  项目 MAIN：链头 {heads['MAIN']}（3 条事件）",
        f"  项目 YG：链头 {heads['YG']}（3 条事件）",
    ]  # each centre's head to write down, under the ledger's line
    for chain in ("MAIN", "YG"):
        anchor = report["chains"][chain]["head"][:12]
        assert run.json("verify", "--anchor", anchor)["ok"] is True


# -- a ledger made before chains ------------------------------------------------------------
@pytest.mark.sqlite_only("a schema-8 SQLite file written with the formula before chains")
@pytest.mark.usefixtures("english")
def test_a_ledger_of_two_sites_made_before_chains_upgrades_and_verifies(run, db, two_sites):
    """Schema 8 had one chain for every site: seq contiguous, each hash over seq and the
    complaint's key.  It upgrades without a change to any event; new events go on each
    site's chain: the first site's after the old events, the others' from the start."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("DROP TRIGGER events_append_only_update")
    old = conn.execute(
        "SELECT seq, complaint_id, kind, at, recorded_at, by, data, pii FROM events ORDER BY seq"
    ).fetchall()
    prev = integrity.GENESIS
    for seq, cid, kind, at, recorded, by, data, pii in old:  # the formula before chains
        digest = integrity.event_hash(prev, seq, cid, kind, at, recorded, by, data, pii)
        conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
        prev = digest
    conn.execute(TRIGGERS[0])
    without_chains(conn)
    conn.execute("PRAGMA user_version = 8")
    conn.execute("COMMIT")
    before = conn.execute("SELECT * FROM events ORDER BY seq").fetchall()
    conn.close()
    db.with_name("ledger.db.head").write_text(f"6 {prev}\n")  # as that version wrote it

    assert run.ok("verify").startswith("ok: 6 events, 4 complaints")  # opening migrates
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    after = conn.execute("SELECT * FROM events ORDER BY seq").fetchall()
    conn.close()
    assert after == [(*e, None, None) for e in before]  # not one event changed
    run.ok("update", "YG-2", "--note", "已联系", "--at", "2026-03-02 10:00")
    run.ok("update", "1", "--note", "已联系", "--at", "2026-03-02 10:00")
    assert _chains(db)[6:] == [(7, "YG", 1, YG + 1, "updated"), (8, "MAIN", 7, 1, "updated")]
    (link,) = rows(db, "SELECT prev_hash FROM events WHERE seq = 8")[0]
    assert link == prev  # the first site's chain goes on after the old events
    report = run.json("verify")
    assert (report["ok"], report["events"], report["head_file_seq"]) == (True, 8, 8)
    assert {c: h["head_position"] for c, h in report["chains"].items()} == {"MAIN": 7, "YG": 1}
    assert db.with_name("ledger.db.head").read_text().splitlines()[0] == f"6 {prev}"
    # an old event still edited is found by its seq, with the formula it was written with
    tamper(db, None, "UPDATE events SET by = '经理' WHERE seq = 3")
    assert run("verify").stdout.splitlines()[0] == (
        "event 3 hash: does not match the event's content (#YG-1 registered): edited after "
        "it was written"
    )


# -- appends serialised per site on the server ------------------------------------------------
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_write_on_one_site_does_not_wait_for_another_site(backend, run, db, two_sites):
    """A write transaction held open on site YG (it has appended an event): a write on MAIN
    goes through at once; another write on YG waits for it (and gives up after the lock
    timeout); once YG's is committed, the waiting one chains onto it."""
    from complaintctl.domain.model import Event

    def noted(cid: int) -> Event:
        return Event(kind="noted", complaint_id=cid, at=1772420400, by="王芳", data={"note": "x"})

    holder, other = open_ledger(db), open_ledger(db)
    try:
        other.server.execute("SET lock_timeout = '300ms'")
        with holder.write() as w:
            w.record(holder.get(YG), noted(YG))
            with other.write() as w2:  # MAIN: not blocked
                w2.record(other.get(1), noted(1))
            with pytest.raises(Exception, match="lock timeout"), other.write() as w2:
                w2.append(noted(YG + 1))  # YG: waits for the holder
            with pytest.raises(Exception, match="lock timeout"), other.write() as w2:
                w2.next_id("YG")  # a new YG number waits too
            with pytest.raises(Exception, match="lock timeout"), other.write() as w2:
                other.get(YG + 1)  # and so does reading a YG complaint to change it
        with other.write() as w2:
            w2.record(other.get(YG + 1), noted(YG + 1))
    finally:
        holder.close()
        other.close()
    assert _chains(db)[6:] == [
        (7, "YG", 4, YG, "noted"),
        (8, "MAIN", 4, 1, "noted"),
        (9, "YG", 5, YG + 1, "noted"),  # the writes that timed out took no number
    ]
    assert rows(db, "SELECT chain, seq FROM chain_heads ORDER BY chain") == [
        ("MAIN", 4),
        ("YG", 5),
    ]
    assert run.json("verify")["ok"] is True


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_server_ledger_made_before_chains_upgrades_by_its_owner(backend, run, db, pg_server):
    """Schema 8 on the server: one chain 'default' in chain_heads, seq without a sequence.
    The owner's first command migrates: the row becomes MAIN's, every site gets one, the
    sequence goes on after the newest event; the desks carry on and verify is clean."""
    _reg(run)
    _reg(run, unit="1-102")
    newest = rows(db, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")[0]
    tamper(
        db,
        pg_server,
        "DROP INDEX events_chain",
        "ALTER TABLE events DROP COLUMN chain",
        "ALTER TABLE events DROP COLUMN chain_seq",
        "DROP SEQUENCE events_seq_next",
        "DELETE FROM chain_heads",
        f"INSERT INTO chain_heads VALUES ('default', {newest[0]}, '{newest[1]}')",
        "UPDATE complaintctl_schema SET version = 8",
    )
    result = run("list")
    assert result.exit_code == 4  # the application login cannot upgrade
    owner = db.replace(f"{pg.APP}@", f"{pg.OWNER}:{pg.PASSWORD}@")
    assert run.json("--db", owner, "verify")["ok"] is True  # the owner's command migrates
    run.ok("site", "add", "YG", "--name", "阳光花园")
    _reg(run, "--site", "YG", unit="2-201")
    _reg(run, unit="1-103")
    assert _chains(db) == [
        (1, None, None, 1, "registered"),
        (2, None, None, 2, "registered"),
        (3, "MAIN", 3, None, "site_added"),
        (4, "YG", 1, YG, "registered"),
        (5, "MAIN", 4, 3, "registered"),
    ]
    assert rows(db, "SELECT chain, seq FROM chain_heads ORDER BY chain") == [
        ("MAIN", 4),
        ("YG", 1),
    ]
    report = run.json("verify")
    assert report["ok"] is True, report["differences"]
