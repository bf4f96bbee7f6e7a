"""``migrate --to`` (issue 21, item 3): a centre's SQLite ledger copied onto the PostgreSQL
server, verified on both sides; run twice, nothing is copied twice."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

ON_SERVER = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
pytestmark = pytest.mark.usefixtures("english")  # the English wording of messages

NOTICE_2027 = """\
year = 2027
reference = "国办发明电〔2026〕99号（示例）"
workdays = ["2027-01-09"]

[[holidays]]
name = "元旦"
dates = ["2027-01-01..2027-01-03"]
"""


def _centre(run, tmp_path):
    """A small SQLite ledger: three complaints in several states, a policy, a notice."""
    centre = str(tmp_path / "centre.db")
    ids = []
    for unit, at in (("3-1-502", "2026-03-02 09:00"), ("5-2-101", "2026-03-02 10:00")):
        out = run.json(
            "--db", centre, "register", "--channel", "电话", "--name", "张三", "--unit", unit,
            "--phone", "13812345678", "--description", "楼道灯不亮", "--severity", "major",
            "--at", at,
        )  # fmt: skip
        ids.append(out["id"])
    run.ok(
        "--db", centre, "assign", str(ids[0]), "--department", "工程部", "--at", "2026-03-02 09:30"
    )
    run.ok(
        "--db",
        centre,
        "close",
        str(ids[0]),
        "--resolution",
        "已更换灯管",
        "--at",
        "2026-03-02 15:00",
    )
    return centre, ids


@ON_SERVER
def test_a_centre_moves_onto_the_server_with_its_chain(backend, run, db, tmp_path):
    centre, ids = _centre(run, tmp_path)
    out = run.ok("--db", centre, "migrate", "--to", db)
    lines = out.splitlines()
    assert lines[0] == f"copied 4 events, 2 complaints, 0 policies, 0 notices to {db}"
    assert lines[1].startswith("source: ok: 4 events, 2 complaints, chain head ")
    assert lines[2][len("copy:   ") :] == lines[1][len("source: ") :]
    # the same complaints, the same chain, the same answers
    for cid in ids:
        assert run.json("--db", db, "show", str(cid)) == run.json("--db", centre, "show", str(cid))
    assert run.ok("--db", db, "list") == run.ok("--db", centre, "list")
    assert (
        run.json("--db", db, "verify")["chain_head"]
        == run.json("--db", centre, "verify")["chain_head"]
    )
    # the desks carry on on the server
    run.ok("--db", db, "assign", str(ids[1]), "--department", "客服部", "--at", "2026-03-02 11:00")
    assert run.json("--db", db, "verify")["events"] == 5
    # the words indexed on the server are SQLite's, copied in bulk or refreshed by a write
    for args in (["update", str(ids[1]), "--note", "已联系业主，明日上门"],):
        run.ok("--db", centre, *args, "--at", "2026-03-02 11:30")
        run.ok("--db", db, *args, "--at", "2026-03-02 11:30")
    conn = sqlite3.connect(centre)
    local = conn.execute("SELECT rowid, terms FROM complaint_text ORDER BY rowid").fetchall()
    conn.close()
    with psycopg.connect(db) as server:
        remote = server.execute("SELECT id, terms FROM complaint_text ORDER BY id").fetchall()
    assert remote == local and len(local) == 2


@ON_SERVER
def test_running_it_again_copies_only_what_is_new(backend, run, db, tmp_path):
    centre, ids = _centre(run, tmp_path)
    run.ok("--db", centre, "migrate", "--to", db)
    again = run.json("--db", centre, "migrate", "--to", db)
    assert (again["events"], again["complaints"], again["policies"], again["notices"]) == (
        0,
        0,
        0,
        0,
    )
    run.ok(
        "--db", centre, "assign", str(ids[1]), "--department", "客服部", "--at", "2026-03-02 11:00"
    )
    third = run.json("--db", centre, "migrate", "--to", db)
    assert (third["events"], third["complaints"]) == (1, 1)
    assert third["target"]["ok"] is True
    assert run.json("--db", db, "show", str(ids[1]))["department"] == "客服部"
    assert run.json("--db", db, "verify")["events"] == 5


@ON_SERVER
def test_notices_come_along_and_the_next_one_gets_a_new_id(backend, run, db, tmp_path):
    centre, _ = _centre(run, tmp_path)
    notice = tmp_path / "n.toml"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    run.ok("--db", centre, "calendar", "load", str(notice))
    copied = run.json("--db", centre, "migrate", "--to", db)
    assert (copied["events"], copied["notices"]) == (5, 1)
    run.ok("--db", db, "calendar", "load", str(notice))  # the server's own next notice
    assert run.json("--db", db, "verify")["ok"] is True


@ON_SERVER
def test_another_centres_ledger_is_refused_and_nothing_is_written(backend, run, db, tmp_path):
    centre, _ = _centre(run, tmp_path)
    run.ok("--db", centre, "migrate", "--to", db)
    other = str(tmp_path / "other.db")
    run.ok(
        "--db", other, "register", "--channel", "电话", "--name", "李四", "--unit", "1-1-101",
        "--phone", "13912345678", "--description", "电梯异响", "--at", "2026-03-03 09:00",
    )  # fmt: skip
    result = run("--db", other, "migrate", "--to", db)
    assert result.exit_code == 2
    assert result.stderr == (
        f"complaintctl: --to: {db} holds another ledger's events (its event 4 is not "
        f"{other}'s); copy into an empty database\n"
    )
    assert run.json("--db", db, "verify")["events"] == 4


@ON_SERVER
def test_a_source_that_does_not_verify_is_not_copied(backend, run, db, tmp_path):
    centre, ids = _centre(run, tmp_path)
    conn = sqlite3.connect(centre)
    conn.execute("UPDATE complaints SET department = '保安部' WHERE id = ?", (ids[0],))
    conn.commit()
    conn.close()
    result = run("--db", centre, "migrate", "--to", db)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"complaintctl: {centre}: does not verify (1 difference(s));")
    assert run.json("--db", db, "verify")["events"] == 0
