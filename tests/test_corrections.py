"""Correcting and cancelling entries, several ids in show (issue 14)."""

from __future__ import annotations

import json

import pytest
from ledgertools import snapshot, sql

from complaintctl.reports.monthly import details, month_period
from complaintctl.store.backend import open_ledger

pytestmark = pytest.mark.backends

AS_OF = "2026-03-20 12:00"


def due(run, cid):
    """The deadlines in force now (``show --as-of`` would show those before the correction:
    the ledger as it stood then)."""
    shown = run.json("show", str(cid))
    return {m["name"]: m["due_at"] for m in shown["milestones"]}


def verified(run):
    assert run.json("verify")["ok"] is True


def test_received_at_correction_recomputes_every_deadline(run, register):
    cid = register(severity="中度", at="2026-03-06 14:00")
    twin = register(severity="中度", at="2026-03-06 10:40")
    out = run.ok("edit", str(cid), "--received-at", "2026-03-06 10:40", "--reason", "14:00 误录")
    assert out.startswith(f"#{cid} 已更正，状态：已登记；下一时限：")
    assert due(run, cid) == {
        "respond": "2026-03-06T11:40:00+08:00",
        "assign": "2026-03-06T12:40:00+08:00",
        "plan": "2026-03-07T10:40:00+08:00",
        "resolve": "2026-03-14T00:00:00+08:00",
        "update": "2026-03-06T22:40:00+08:00",
    }
    assert due(run, cid) == due(run, twin)  # exactly as if registered that way
    shown = run.json("show", str(cid))
    assert shown["received_at"] == "2026-03-06T10:40:00+08:00"
    corrected = shown["events"][-1]
    assert corrected["kind"] == "corrected"
    assert corrected["data"]["changes"] == {
        "received_at": {"from": "2026-03-06T14:00:00+08:00", "to": "2026-03-06T10:40:00+08:00"}
    }
    assert corrected["data"]["reason"] == "14:00 误录"
    verified(run)


def test_received_at_moves_the_complaint_to_its_month(run, register):
    cid = register(at="2026-04-01 00:30")
    # a report as of a moment before the correction shows the ledger as it was then
    run.ok("edit", str(register(at="2026-04-01 08:00")), "--unit", "9-9-909", "--reason", "x")
    edit_at = "2026-04-01 09:00"
    run.ok(
        "edit",
        str(cid),
        "--received-at",
        "2026-03-31 23:50",
        "--reason",
        "跨月误录",
        "--at",
        edit_at,
    )
    march = run.json("report", "--month", "2026-03", "--as-of", "2026-04-02 12:00")
    april = run.json("report", "--month", "2026-04", "--as-of", "2026-04-02 12:00")
    assert (march["received"], april["received"]) == (1, 1)
    early = "2026-04-01 08:30"
    march = run.json("report", "--month", "2026-03", "--as-of", early)
    april = run.json("report", "--month", "2026-04", "--as-of", early)
    assert (march["received"], april["received"]) == (0, 2)  # #2 registered at 08:00
    verified(run)


def test_channel_correction_recomputes_respond(run, register):
    cid = register(at="2026-03-02 09:00")
    assert due(run, cid)["respond"] == "2026-03-03T09:00:00+08:00"
    run.ok("edit", str(cid), "--channel", "网络", "--reason", "实为线上投诉")
    assert due(run, cid) == {
        "respond": "2026-03-02T10:00:00+08:00",
        "resolve": "2026-03-06T00:00:00+08:00",
    }
    assert run.json("show", str(cid))["channel"] == "online"
    verified(run)


def test_correction_keeps_reclassification_and_extension(run, register):
    cid = register(at="2026-03-02 14:00")
    run.ok("classify", str(cid), "--severity", "重大", "--at", "2026-03-02 14:05")
    run.ok("update", str(cid), "--extend", "2wd", "--reason", "等配件", "--approved-by", "经理")
    run.ok("edit", str(cid), "--received-at", "2026-03-02 09:00", "--reason", "录入时间错")
    # major from 09:00: resolve 10wd -> 03-16 24:00, plus the 2wd extension -> 03-18 24:00
    assert due(run, cid) == {
        "respond": "2026-03-02T09:15:00+08:00",
        "assign": "2026-03-02T11:00:00+08:00",
        "plan": "2026-03-04T00:00:00+08:00",
        "resolve": "2026-03-19T00:00:00+08:00",
        "update": "2026-03-03T09:00:00+08:00",
    }
    verified(run)


@pytest.mark.parametrize(
    ("option", "value", "field", "shown"),
    [
        ("--unit", "2-3-1701", "unit", "2-3-1701"),
        ("--location", "5号楼大堂", "location", "5号楼大堂"),
        ("--description", "电梯门夹人", "description", "电梯门夹人"),
    ],
)
def test_each_text_field(run, register, option, value, field, shown):
    cid = register(at="2026-03-02 09:00")
    old = run.json("show", str(cid))[field]
    run.ok("edit", str(cid), option, value, "--reason", "录入错误")
    after = run.json("show", str(cid))
    assert after[field] == shown
    assert after["events"][-1]["data"]["changes"] == {field: {"from": old, "to": value}}
    assert [
        c["id"] for c in run.json("list", "--text" if field != "unit" else "--unit", value)
    ] == [cid]
    verified(run)


def test_name_and_phone_corrections_keep_personal_data_out_of_the_log(run, register, db):
    cid = register(name="张三", phone="13812345678", at="2026-03-02 09:00")
    run.ok("edit", str(cid), "--name", "张珊", "--phone", "13812340000", "--reason", "听错")
    shown = run.json("show", str(cid))
    assert (shown["name"], shown["phone"]) == ("张珊", "13812340000")
    assert shown["events"][-1]["data"]["changes"] == {"name": "changed", "phone": "changed"}
    texts = " ".join(str(r[0]) for r in sql(db, "SELECT data FROM events"))
    assert "张珊" not in texts and "13812340000" not in texts
    assert [c["id"] for c in run.json("list", "--phone", "0000")] == [cid]
    verified(run)
    # the personal row edited behind the ledger's back is still caught
    sql(db, "UPDATE personal SET phone = '13900000000'")
    report = run("verify")
    assert report.exit_code != 0
    assert "姓名/电话与更正事件 2 中的摘要不符" in report.stdout + report.stderr


def test_correction_shown_in_the_history(run, register):
    cid = register(unit="2-3-1702", at="2026-03-02 14:00")
    run.ok(
        "edit",
        str(cid),
        "--received-at",
        "2026-03-02 10:40",
        "--unit",
        "2-3-1701",
        "--reason",
        "录入错误",
        "--at",
        "2026-03-02 15:00",
        "--by",
        "李静",
    )
    out = run.ok("show", str(cid))
    (line,) = [x for x in out.splitlines() if "更正" in x]
    assert line.startswith("2     2026-03-02 15:00  更正      李静    补录（晚")
    assert line.endswith(
        "录入）；受理时间 2026-03-02 14:00 → 2026-03-02 10:40；房号/铺位 2-3-1702 → 2-3-1701；"
        "原因 录入错误；时限 首次联系 2026-03-03 14:00 → 2026-03-03 10:40"
    )


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_edit_refusals_leave_the_ledger_unchanged(run, register, db):
    cid = register(at="2026-03-02 09:00")
    run.ok("assign", str(cid), "--department", "工程部", "--at", "2026-03-02 10:00")
    before = snapshot(db)
    for args, message in [
        (("--unit", "1-1-101"), "complaintctl: --reason: must not be empty"),
        (("--reason", "x"), "complaintctl: edit: give at least one of --name, --phone, --unit"),
        (("--unit", "3-1-502", "--reason", "x"), "complaintctl: edit: #1 already has these"),
        (
            ("--received-at", "2026-03-02 10:30", "--reason", "x"),
            "complaintctl: --received-at: 2026-03-02 10:30 is after #1's step "
            "assigned at 2026-03-02 10:00",
        ),
        (("--channel", "fax", "--reason", "x"), "complaintctl: --channel: unknown value 'fax'"),
        (
            ("--phone", "123", "--reason", "x"),
            "complaintctl: --phone: not a phone number (3 digits given)",
        ),
        (("--received-at", "2099-01-01", "--reason", "x"), "complaintctl: --received-at: "),
    ]:
        result = run("edit", str(cid), *args)
        assert result.exit_code != 0, args
        assert result.stderr.startswith(message), (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    assert run("edit", "99", "--unit", "x", "--reason", "x").exit_code != 0
    assert snapshot(db) == before


def test_edit_allowed_when_closed(run, register):
    cid = register(at="2026-03-02 09:00")
    run.ok("close", str(cid), "--resolution", "已修复", "--satisfied", "--at", "2026-03-02 11:00")
    run.ok("edit", str(cid), "--unit", "3-1-503", "--reason", "房号录错")
    assert run.json("show", str(cid))["status"] == "closed"
    verified(run)


# -- cancel ---------------------------------------------------------------------------------
@pytest.fixture
def month(run, register):
    """March: #1 resolved on time, #2 overdue, #3 the same typed twice (overdue until it is
    cancelled), #4 a real duplicate of #1 (linked, not cancelled)."""
    one = register(unit="1-1-101", description="噪音扰民", at="2026-03-02 09:00")
    four = register(unit="1-1-103", description="噪音扰民", at="2026-03-02 10:00")
    run.ok("link", str(one), str(four), "--at", "2026-03-02 11:00")
    run.ok("close", str(one), "--resolution", "已劝导", "--at", "2026-03-02 15:00")
    two = register(unit="1-1-102", description="电梯异响", at="2026-03-03 09:00")
    three = register(unit="1-1-102", description="电梯异响", at="2026-03-03 09:01")
    return one, two, three, four


def test_cancel_leaves_every_figure(run, month, db):
    _, two, three, _ = month
    before = run.json("report", "--month", "2026-03", "--as-of", AS_OF)
    assert (before["received"], before["total"], before["overdue"]) == (4, 3, 2)
    assert before["cancelled"] == 0
    out = run.ok("cancel", str(three), "--reason", "重复录入", "--at", "2026-03-03 09:05")
    assert out == f"#{three} 已作废，状态：已作废\n"
    after = run.json("report", "--month", "2026-03", "--as-of", AS_OF)
    assert (after["received"], after["total"], after["overdue"]) == (3, 2, 1)
    # the rate rises, but not quietly: the report says one was cancelled
    assert (before["timely_rate"], after["timely_rate"]) == (33.3, 50.0)
    assert after["cancelled"] == 1
    screen = run.ok("report", "--month", "2026-03", "--as-of", AS_OF).splitlines()
    assert "已作废       1" in screen
    # gone from the open list, the digest and escalation; found by status
    assert [c["id"] for c in run.json("list", "--open")] == [two]
    assert [c["id"] for c in run.json("list", "--status", "已作废")] == [three]
    assert [c["id"] for c in run.json("list", "--status", "cancelled")] == [three]
    digest = json.dumps(run.json("digest", "--as-of", AS_OF))
    assert f'"id": {two},' in digest
    assert f'"id": {three},' not in digest
    assert f"#{three}" not in run.ok("digest", "--as-of", AS_OF)
    run.ok("escalate", "--as-of", AS_OF)
    assert run.json("show", str(three))["escalation_level"] is None
    shown = run.json("show", str(three), "--as-of", AS_OF)
    assert shown["status"] == "cancelled"
    assert {m["state"] for m in shown["milestones"]} == {"cancelled"}
    # the detail lists it with its reason
    ledger = open_ledger(db)
    try:
        rows = {d["id"]: d for d in details(ledger, month_period("2026-03"), 1774000000)}
    finally:
        ledger.close()
    assert (rows[three]["outcome"], rows[three]["cancel_reason"]) == ("cancelled", "重复录入")
    assert rows[two]["cancel_reason"] is None
    verified(run)


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_cancel_refusals_leave_the_ledger_unchanged(run, month, db):
    one, two, three, four = month
    run.ok("followup", str(one), "--satisfied", "--at", "2026-03-03 10:00")
    run.ok("cancel", str(three), "--reason", "测试")
    before = snapshot(db)
    for cid, args, message in [
        (two, (), "complaintctl: --reason: must not be empty"),
        (one, ("--reason", "x"), f"complaintctl: cannot cancel #{one}: it is closed;"),
        (three, ("--reason", "x"), f"complaintctl: cannot cancel #{three}: it is cancelled"),
        (99, ("--reason", "x"), "complaintctl: ID: no complaint #99"),
    ]:
        result = run("cancel", str(cid), *args)
        assert result.exit_code != 0, (cid, args)
        assert result.stderr.startswith(message), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(db) == before
    # a cancelled complaint takes no further step
    result = run("update", str(three), "--note", "x")
    assert result.exit_code != 0
    assert snapshot(db) == before


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_cancel_a_main_with_duplicates_is_refused(run, month, db):
    one, _, _, four = month
    before = snapshot(db)
    result = run("cancel", str(one), "--reason", "x")
    assert result.exit_code != 0
    assert result.stderr == (
        f"complaintctl: cannot cancel #{one}: #{four} are linked to it as duplicates (并单); "
        "it is a real complaint\n"
    )
    assert snapshot(db) == before


def test_cancel_a_resolved_complaint_and_a_duplicate(run, month):
    one, two, _, four = month
    run.ok("close", str(two), "--resolution", "已处理")
    assert run.json("cancel", str(two), "--reason", "非投诉")["status"] == "cancelled"
    assert run.json("cancel", str(four), "--reason", "测试数据")["status"] == "cancelled"
    assert run.json("show", str(one))["status"] == "resolved"
    assert run.json("cancel", str(one), "--reason", "测试")["status"] == "cancelled"
    verified(run)


# -- show with several ids --------------------------------------------------------------------
def test_show_several_ids(run, register):
    register(unit="1-1-101")
    register(unit="1-1-102")
    register(unit="1-1-103")
    many = run.json("show", "3", "1")
    assert [c["id"] for c in many] == [3, 1]
    one = run.json("show", "2")
    assert isinstance(one, dict) and one["id"] == 2
    out = run.ok("show", "1", "2")
    assert out.index("#1") < out.index("#2")
    assert out.count("发生时间") == 2
    result = run("show", "2", "9")
    assert result.exit_code != 0
    assert result.stdout == ""
    assert result.stderr.startswith("complaintctl：ID：") and result.stderr.endswith("中没有 #9\n")


# -- anonymous --------------------------------------------------------------------------------
def anonymous(run, **options):
    args = ["register", "--anonymous", "--channel", "信函", "--unit", "5-2-301"]
    args += ["--description", "夜间装修噪音", "--at", "2026-03-02 09:00"]
    for key, value in options.items():
        args += [f"--{key}", value]
    return run.json(*args)


def test_anonymous_registration(run, register, db):
    out = anonymous(run)
    assert (out["name"], out["phone"], out["anonymous"]) == ("-", "-", True)
    cid = out["id"]
    shown = run.ok("show", str(cid)).splitlines()
    assert "投诉人        匿名" in shown
    assert "电话          匿名" in shown
    listed = run.ok("list").splitlines()[1].split()
    assert listed[3:6] == ["5-2-301", "匿名", "-"]
    assert run.json("show", str(cid))["anonymous"] is True
    named = register(at="2026-03-02 09:00")
    assert run.json("show", str(named))["anonymous"] is False
    verified(run)


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_anonymous_cannot_be_called_back_and_leaves_the_followup_rate(run, register, db):
    cid = anonymous(run)["id"]
    named = register(at="2026-03-02 09:00")
    for c in (cid, named):
        run.ok("close", str(c), "--resolution", "已处理", "--at", "2026-03-02 12:00")
    before = snapshot(db)
    result = run("followup", str(cid), "--satisfied")
    assert result.exit_code != 0
    assert result.stderr == (
        f"complaintctl: cannot follow up #{cid}: it is anonymous (匿名), with no phone to call "
        "back; it is left out of the 回访率\n"
    )
    assert snapshot(db) == before
    run.ok("followup", str(named), "--satisfied", "--at", "2026-03-03 10:00")
    report = run.json("report", "--month", "2026-03", "--as-of", AS_OF, "--by", "channel")
    assert (report["resolved"], report["followed_up"], report["followup_rate"]) == (2, 1, 100.0)
    by_channel = {r["value"]: r for r in report["breakdowns"]["channel"]}
    assert by_channel["letter"]["followup_rate"] is None  # nobody to call back
    assert by_channel["phone"]["followup_rate"] == 100.0


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_anonymous_refusals(run, register, db):
    register()
    before = snapshot(db)
    for args, message in [
        (
            ["register", "--channel", "电话", "--unit", "1-1-101", "--description", "x"],
            "complaintctl: --name: must not be empty; for a caller who withholds it, use "
            "--anonymous",
        ),
        (
            [
                "register",
                "--channel",
                "电话",
                "--name",
                "张三",
                "--unit",
                "1",
                "--description",
                "x",
            ],
            "complaintctl: --phone: must not be empty; for a caller who withholds it",
        ),
        (
            ["register", "--anonymous", "--phone", "13812345678", "--channel", "电话"]
            + ["--unit", "1", "--description", "x"],
            "complaintctl: --anonymous: takes no --name or --phone",
        ),
    ]:
        result = run(*args)
        assert result.exit_code != 0
        assert result.stderr.startswith(message), result.stderr
    assert snapshot(db) == before


def test_import_refuses_a_cancelled_row(run, tmp_path, register, db):
    register()
    before = snapshot(db)
    sheet = tmp_path / "s.csv"
    sheet.write_text(
        "受理时间,房号,投诉内容,联系电话,状态\n2026-03-02 09:00,1-101,漏水,13812345678,已作废\n",
        encoding="utf-8-sig",
    )
    result = run("import", str(sheet))
    assert result.exit_code != 0
    assert (
        result.stderr.splitlines()[0]
        == "s.csv:第 2 行：列「状态」“已作废”：已作废（误录）的记录不导入"
    )
    assert snapshot(db) == before
