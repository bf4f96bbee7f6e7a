"""One meaning of ``--as-of T`` (issue 15 item 2): the ledger as it stood at T, rebuilt from the
events that happened by then, for ``list``, ``search``, ``show``, ``digest``, ``report`` and
``export``.  After T (2026-03-05 12:00, a Thursday) come a contact (#1), a close (#2), a
reclassification (#3), an extension (#4), a correction of the receipt time (#5), a reopening
(#6) and a new complaint (#7)."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

pytestmark = pytest.mark.backends

T = "2026-03-05 12:00"


def _register(run, unit, phone, description, severity, category, at, name="张三"):
    run.ok(
        "register", "--channel", "电话", "--name", name, "--unit", unit, "--phone", phone,
        "--description", description, "--severity", severity, "--category", category,
        "--at", at,
    )  # fmt: skip


@pytest.fixture
def ledger(run):
    build(run)


def build(run):
    """The ledger of these tests (tests/test_screens.py uses it too)."""
    _register(run, "3-1-502", "13812345678", "楼道灯不亮", "中度", "设施设备", "2026-03-02 09:00")
    run.ok("update", "1", "--contacted", "--at", "2026-03-05 14:00")  # contact after T
    _register(
        run, "4-3-301", "13900001111", "卫生间天花板渗水", "中度", "设施设备", "2026-03-02 10:00"
    )
    run.ok(
        "assign", "2", "--department", "工程部", "--handler", "李工程师", "--at", "2026-03-02 10:30"
    )
    run.ok("update", "2", "--contacted", "--at", "2026-03-02 10:40")
    run.ok("close", "2", "--resolution", "已修复", "--at", "2026-03-05 15:00")  # close after T
    _register(run, "1-2-1101", "13700002222", "电梯异响", "轻微", "设施设备", "2026-03-03 09:00")
    run.ok("classify", "3", "--severity", "重大", "--at", "2026-03-05 16:00")  # after T
    _register(run, "2-1-203", "13600003333", "绿化带积水", "中度", "绿化", "2026-03-03 11:00")
    run.ok("update", "4", "--contacted", "--at", "2026-03-03 11:20")
    run.ok(
        "assign", "4", "--department", "绿化部", "--handler", "陈主管", "--at", "2026-03-03 11:30"
    )
    run.ok(
        "update", "4", "--extend", "2wd", "--reason", "等材料", "--approved-by", "经理",
        "--at", "2026-03-06 09:00",
    )  # fmt: skip
    _register(run, "5-1-802", "13500004444", "噪音扰民", "中度", "邻里纠纷", "2026-03-04 09:00")
    run.ok(
        "edit", "5", "--received-at", "2026-03-02 08:00", "--reason", "录入错误",
        "--at", "2026-03-06 10:00",
    )  # fmt: skip
    _register(run, "6-2-402", "13400005555", "门禁卡失灵", "轻微", "安全秩序", "2026-03-02 11:00")
    run.ok("update", "6", "--contacted", "--at", "2026-03-02 11:05")
    run.ok(
        "assign",
        "6",
        "--department",
        "秩序维护部",
        "--handler",
        "吴队长",
        "--at",
        "2026-03-02 11:10",
    )
    run.ok("close", "6", "--resolution", "已换卡", "--satisfied", "--at", "2026-03-04 10:00")
    run.ok("reopen", "6", "--reason", "仍然失灵", "--at", "2026-03-06 09:30")  # after T
    _register(run, "7-1-101", "13300006666", "停车位被占", "轻微", "其他", "2026-03-06 09:00")


def _short(c):
    """(status, severity, received, reopenings, extensions, {milestone: (due, done, state)})
    with local times as MM-DD HH:MM."""

    def t(value):
        return value[5:16].replace("T", " ") if value else "-"

    return (
        c["status"],
        c["severity"],
        t(c["received_at"]),
        c["reopen_count"],
        c["extension_count"],
        {m["name"]: (t(m["due_at"]), t(m["done_at"]), m["state"]) for m in c["milestones"]},
    )


AT_T = {
    1: ("registered", "moderate", "03-02 09:00", 0, 0, {
        "respond": ("03-02 10:00", "-", "breached"),  # the contact came after T
        "assign": ("03-02 11:00", "-", "breached"),
        "plan": ("03-03 09:00", "-", "breached"),
        "resolve": ("03-10 00:00", "-", "pending"),
        "update": ("03-02 21:00", "-", "breached"),  # not yet restarted by the contact
    }),
    2: ("in_progress", "moderate", "03-02 10:00", 0, 0, {  # closed after T
        "respond": ("03-02 11:00", "03-02 10:40", "met"),
        "assign": ("03-02 12:00", "03-02 10:30", "met"),
        "plan": ("03-03 10:00", "-", "breached"),
        "resolve": ("03-10 00:00", "-", "pending"),
        "update": ("03-02 22:40", "-", "breached"),
    }),
    3: ("registered", "minor", "03-03 09:00", 0, 0, {  # 轻微 until the reclassification
        "respond": ("03-04 09:00", "-", "breached"),
        "resolve": ("03-07 00:00", "-", "pending"),
    }),
    4: ("assigned", "moderate", "03-03 11:00", 0, 0, {  # not yet extended
        "respond": ("03-03 12:00", "03-03 11:20", "met"),
        "assign": ("03-03 13:00", "03-03 11:30", "met"),
        "plan": ("03-04 11:00", "-", "breached"),
        "resolve": ("03-11 00:00", "-", "pending"),
        "update": ("03-03 23:20", "-", "breached"),
    }),
    5: ("registered", "moderate", "03-04 09:00", 0, 0, {  # the receipt time before correction
        "respond": ("03-04 10:00", "-", "breached"),
        "assign": ("03-04 11:00", "-", "breached"),
        "plan": ("03-05 09:00", "-", "breached"),
        "resolve": ("03-12 00:00", "-", "pending"),
        "update": ("03-04 21:00", "-", "breached"),
    }),
    6: ("closed", "minor", "03-02 11:00", 0, 0, {  # not yet reopened
        "respond": ("03-03 11:00", "03-02 11:05", "met"),
        "resolve": ("03-06 00:00", "03-04 10:00", "met"),
    }),
}  # fmt: skip


def test_list_as_of_is_the_ledger_as_it_stood(run, ledger):
    then = {c["id"]: _short(c) for c in run.json("list", "--as-of", T)}
    assert then == AT_T  # #7, received after T, did not exist
    now = {c["id"]: _short(c) for c in run.json("list")}
    assert sorted(now) == [1, 2, 3, 4, 5, 6, 7]
    assert now[3][1] == "major" and now[3][5]["respond"][0] == "03-03 09:15"
    assert now[4][4] == 1 and now[4][5]["resolve"][0] == "03-13 00:00"  # extended by 2wd
    assert now[5][2] == "03-02 08:00"  # corrected
    assert now[6][0] == "in_progress" and now[6][3] == 1  # reopened


def test_list_open_as_of_on_a_pipe(run, ledger):
    out = run.ok("list", "--open", "--as-of", T)
    assert out.splitlines() == [
        "编号  受理时间          房号/铺位  投诉人  电话         类别      级别  部门    状态    下一时限                   剩余",
        "1     2026-03-02 09:00  3-1-502    张*     138****5678  设施设备  中度  -       已登记  首次联系 2026-03-02 10:00  超时3个工作日",
        "2     2026-03-02 10:00  4-3-301    张*     139****1111  设施设备  中度  工程部  处理中  进度反馈 2026-03-02 22:40  超时3个工作日",
        "4     2026-03-03 11:00  2-1-203    张*     136****3333  绿化      中度  绿化部  已派单  进度反馈 2026-03-03 23:20  超时36小时40分",
        "3     2026-03-03 09:00  1-2-1101   张*     137****2222  设施设备  轻微  -       已登记  首次联系 2026-03-04 09:00  超时27小时00分",
        "5     2026-03-04 09:00  5-1-802    张*     135****4444  邻里纠纷  中度  -       已登记  首次联系 2026-03-04 10:00  超时26小时00分",
    ]  # fmt: skip
    # the filters judge at T too: --breached, --status, --unit
    assert [c["id"] for c in run.json("list", "--breached", "--as-of", T)] == [1, 2, 4, 3, 5]
    assert [c["id"] for c in run.json("list", "--status", "已关闭", "--as-of", T)] == [6]
    assert run.json("list", "--unit", "7-1-101", "--as-of", T) == []
    assert [c["id"] for c in run.json("search", "1-2-1101", "--as-of", T)] == [3]
    assert run.json("search", "1-2-1101", "--as-of", T)[0]["severity"] == "minor"


def test_show_as_of(run, ledger):
    for cid, expected in AT_T.items():
        c = run.json("show", str(cid), "--as-of", T)
        assert _short(c) == expected
        assert all(e["at"] <= "2026-03-05T12:00:00+08:00" for e in c["events"])
    assert [e["kind"] for e in run.json("show", "6", "--as-of", T)["events"]] == [
        "registered", "updated", "assigned", "resolved", "followed_up",
    ]  # fmt: skip
    result = run("show", "7", "--as-of", T)
    assert result.exit_code != 0
    assert "#7" in result.stderr and "2026-03-05 12:00" in result.stderr
    assert result.stdout == ""


def test_digest_as_of(run, ledger):
    found = json.loads(run.ok("digest", "--as-of", T, "--json"))
    assert found["summary"] == {"breached": 5, "due_soon": 0}
    assert found["departments"] == [
        {"department": None, "breached": 3, "due_soon": 0},
        {"department": "工程部", "breached": 1, "due_soon": 0},
        {"department": "绿化部", "breached": 1, "due_soon": 0},
    ]
    rows = [(e["id"], e["milestone"], e["due_at"][5:16], e["severity"]) for e in found["breached"]]
    assert rows == [
        (1, "respond", "03-02T10:00", "moderate"),
        (1, "assign", "03-02T11:00", "moderate"),
        (1, "update", "03-02T21:00", "moderate"),
        (2, "update", "03-02T22:40", "moderate"),
        (1, "plan", "03-03T09:00", "moderate"),
        (2, "plan", "03-03T10:00", "moderate"),
        (4, "update", "03-03T23:20", "moderate"),
        (3, "respond", "03-04T09:00", "minor"),
        (5, "respond", "03-04T10:00", "moderate"),
        (4, "plan", "03-04T11:00", "moderate"),
        (5, "assign", "03-04T11:00", "moderate"),
        (5, "update", "03-04T21:00", "moderate"),
        (5, "plan", "03-05T09:00", "moderate"),
    ]
    # a day later: #2 closed, #3 重大, #5's receipt corrected to 03-02 08:00
    later = json.loads(run.ok("digest", "--as-of", "2026-03-06 12:00", "--json"))
    first = {(e["id"], e["milestone"]): e["due_at"][5:16] for e in later["breached"]}
    assert {cid for cid, _ in first} == {1, 3, 4, 5}
    assert (first[(3, "respond")], first[(5, "respond")]) == ("03-03T09:15", "03-02T09:00")


def test_report_as_of(run, ledger):
    then = run.json("report", "--month", "2026-03", "--as-of", T)
    figures = {k: then[k] for k in ("received", "total", "timely", "late", "overdue", "pending")}
    assert figures == {"received": 6, "total": 6, "timely": 1, "late": 0, "overdue": 0,
                       "pending": 5}  # fmt: skip
    assert then["timely_rate"] == 100.0
    assert (then["respond_met"], then["respond_breached"], then["respond_rate"]) == (3, 3, 50.0)
    assert (then["resolved"], then["reopened"], then["extended"]) == (1, 0, 0)
    now = run.json("report", "--month", "2026-03", "--as-of", "2026-03-20 12:00")
    assert (now["received"], now["reopened"], now["extended"]) == (7, 1, 1)
    by = run.json("report", "--month", "2026-03", "--as-of", T, "--by", "department")
    rows = {
        r["value"]: (r["total"], r["timely"], r["pending"]) for r in by["breakdowns"]["department"]
    }
    assert rows == {
        None: (3, 0, 3),
        "工程部": (1, 0, 1),
        "绿化部": (1, 0, 1),
        "秩序维护部": (1, 1, 0),
    }


def test_export_as_of(run, ledger):
    out = run.ok("export", "--format", "jsonl", "--as-of", T)
    then = {c["id"]: _short(c) for c in map(json.loads, out.splitlines())}
    assert then == AT_T
    assert len(run.ok("export", "--format", "jsonl").splitlines()) == 7


@pytest.mark.sqlite_only("the ledger file's bytes and sqlite_temp_master")
def test_as_of_leaves_nothing_behind(run, ledger, db):
    """The rebuilt rows live in temporary tables of one read: the ledger file is unchanged and
    the next read on the same connection (the desk shell keeps one) sees the ledger as it
    stands."""
    from complaintctl.domain.timeutil import parse_time, to_epoch
    from complaintctl.reports.asof import ledger_as_of
    from complaintctl.store.ledger import Ledger

    before = db.read_bytes()
    ledger = Ledger.open(db)
    try:
        with ledger_as_of(ledger, to_epoch(parse_time(T, "--as-of"))):
            assert ledger.get(3).severity == "minor"
            assert ledger.query("SELECT count(*) FROM complaints")[0][0] == 6
        assert ledger.get(3).severity == "major"
        assert ledger.query("SELECT count(*) FROM complaints")[0][0] == 7
        assert ledger.query("SELECT name FROM sqlite_temp_master") == []
    finally:
        ledger.close()
    assert db.read_bytes() == before


def test_show_marks_a_linked_duplicate_without_a_clock(run, register):
    """Issue 15 item 6: ``show`` of a linked duplicate says 并单→#main where the status is and
    shows no deadlines of its own; as of before the link, it had them."""
    register(at="2026-03-02 09:00")
    register(at="2026-03-02 09:30")
    run.ok("link", "1", "2", "--at", "2026-03-02 10:00")
    lines = run.ok("show", "2").splitlines()
    assert re.search(r"^状态\s+并单→#1$", "\n".join(lines), re.M)
    assert "并单→#1：无独立时限，随主单 #1" in lines
    assert not [line for line in lines if line.startswith("节点")]
    lines = run.ok("--lang", "en", "show", "2").splitlines()
    assert "dup of #1: no deadlines of its own; see #1" in lines
    before = run.ok("show", "2", "--as-of", "2026-03-02 09:45").splitlines()
    assert re.search(r"^状态\s+已登记$", "\n".join(before), re.M)
    assert [line.split()[:3] for line in before if line.startswith("首次联系")] == [
        ["首次联系", "2026-03-03", "09:30"]
    ]


def test_an_error_inside_the_rebuilt_ledger_is_the_error_reported(run, ledger, db):
    """A failing query inside ``ledger_as_of`` is what reaches the user, not the cleanup's
    "current transaction is aborted" (PostgreSQL) that used to replace it."""
    from complaintctl.domain.errors import ComplaintError
    from complaintctl.domain.timeutil import parse_time, to_epoch
    from complaintctl.reports.asof import ledger_as_of
    from complaintctl.store.backend import open_ledger

    store = open_ledger(db)
    try:
        moment = to_epoch(parse_time("2026-03-04 12:00", "T"))
        with pytest.raises((ComplaintError, sqlite3.Error)) as caught, ledger_as_of(store, moment):
            store.conn.execute("SELECT no_such_column FROM complaints").fetchall()
        assert "no_such_column" in str(caught.value.args) + str(getattr(caught.value, "params", ""))
        # and the ledger reads as it stands afterwards: the view is gone
        assert store.conn.execute("SELECT count(*) FROM complaints").fetchone()[0] == 7
    finally:
        store.close()
