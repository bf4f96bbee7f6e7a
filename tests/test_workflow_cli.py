"""The complaint workflow through the CLI, against real ledger files."""

from __future__ import annotations

import pytest
from ledgertools import snapshot

pytestmark = pytest.mark.backends


def test_register_prints_id_and_deadlines(run, db):
    out = run.json(
        "register",
        "--channel",
        "电话",
        "--name",
        "张三",
        "--unit",
        "3-1-502",
        "--phone",
        "138 1234 5678",
        "--description",
        "电梯困人",
        "--severity",
        "重大",
        "--category",
        "设施设备",
        "--location",
        "3号楼电梯",
        "--at",
        "2026-03-02 09:00",
    )
    assert out["id"] == 1
    assert out["severity"] == "major"
    assert out["channel"] == "phone"
    assert out["status"] == "registered"
    assert out["phone"] == "138****5678"
    assert out["received_at"] == "2026-03-02T09:00:00+08:00"
    due = {m["name"]: m["due_at"] for m in out["milestones"]}
    assert due == {
        "respond": "2026-03-02T09:15:00+08:00",
        "assign": "2026-03-02T11:00:00+08:00",
        "plan": "2026-03-04T00:00:00+08:00",
        "resolve": "2026-03-17T00:00:00+08:00",
        "update": "2026-03-03T09:00:00+08:00",
    }
    if not isinstance(db, str):  # a file's mode; a server ledger is not a file
        assert db.stat().st_mode & 0o777 == 0o600


def test_register_human_output(run):
    out = run.ok(
        "register",
        "--channel",
        "phone",
        "--name",
        "李四",
        "--unit",
        "A-101",
        "--phone",
        "13900001111",
        "--description",
        "垃圾未清",
        "--severity",
        "minor",
        "--at",
        "2026-11-20 10:00",
    )
    # typed in after the fact: the first contact was due on 11-21, so the line warns
    assert out == "#1 已登记，状态：已登记；下一时限：首次联系 2026-11-21 10:00（已超时）\n"
    out = run.ok(
        "--lang", "en", "assign", "1", "--department", "保洁部", "--at", "2026-11-20 10:05"
    )
    assert (
        out
        == "#1 assigned; status assigned; next: respond due 2026-11-21 10:00 (already overdue)\n"
    )


def test_full_lifecycle(run, register):
    cid = register(severity="中度", at="2026-02-27 10:00")
    run.ok(
        "assign",
        str(cid),
        "--department",
        "engineering",
        "--handler",
        "李工",
        "--at",
        "2026-02-27 10:30",
    )
    run.ok("update", str(cid), "--contacted", "--at", "2026-02-27 10:40")
    run.ok("update", str(cid), "--plan", "更换灯管", "--at", "2026-02-27 15:00")
    run.ok("close", str(cid), "--resolution", "已更换灯管", "--at", "2026-03-02 16:00")
    shown = run.json("show", str(cid))
    assert shown["status"] == "resolved"
    assert shown["department"] == "工程部"
    assert shown["handler"] == "李工"
    states = {m["name"]: (m["state"], m["done_at"]) for m in shown["milestones"]}
    assert states == {
        "respond": ("met", "2026-02-27T10:40:00+08:00"),
        "assign": ("met", "2026-02-27T10:30:00+08:00"),
        "plan": ("met", "2026-02-27T15:00:00+08:00"),
        "resolve": ("met", "2026-03-02T16:00:00+08:00"),
        # the 12-hour progress clock restarted at 15:00 and ran out at 03:00 on the 28th
        "update": ("late", "2026-03-02T16:00:00+08:00"),
    }
    run.ok("followup", str(cid), "--satisfied", "--note", "业主满意", "--at", "2026-03-03 10:00")
    shown = run.json("show", str(cid))
    assert shown["status"] == "closed"
    assert shown["satisfaction"] == "satisfied"
    assert [e["kind"] for e in shown["events"]] == [
        "registered",
        "assigned",
        "updated",
        "updated",
        "resolved",
        "followed_up",
    ]
    assert all(e["by"] == "王芳" for e in shown["events"])
    assert shown["events"][0]["at"] == "2026-02-27T10:00:00+08:00"


def test_close_with_satisfaction_counts_as_followup(run, register):
    cid = register(severity="minor", at="2026-11-02 09:00")
    run.ok("close", str(cid), "--resolution", "当场解决", "--satisfied", "--at", "2026-11-02 09:30")
    shown = run.json("show", str(cid))
    assert (shown["status"], shown["satisfaction"]) == ("closed", "satisfied")
    assert shown["followed_up_at"] == "2026-11-02T09:30:00+08:00"


def test_reclassify_recomputes_from_receipt(run, register):
    cid = register(severity="minor", at="2026-09-30 16:00")
    out = run.json("classify", str(cid), "--severity", "major", "--at", "2026-09-30 16:10")
    due = {m["name"]: m["due_at"] for m in out["milestones"]}
    # 10 working days from Wed 30 Sep 2026: the National Day holiday (1-7 Oct) is off,
    # Sat 10 Oct is a make-up working day: 8, 9, 10, 12, 13, 14, 15, 16, 19, 20 Oct.
    assert due["resolve"] == "2026-10-21T00:00:00+08:00"
    assert due["respond"] == "2026-09-30T16:15:00+08:00"
    event = run.json("show", str(cid))["events"][-1]
    assert event["kind"] == "classified"
    assert event["data"]["before"] == {"severity": "minor"}
    assert event["data"]["previous_due"]["resolve"] is not None


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_reopen_within_window_and_refused_after(run, register):
    cid = register(severity="minor", at="2026-03-02 09:00")
    run.ok("close", str(cid), "--resolution", "已处理", "--at", "2026-03-03 10:00")
    run.ok("followup", str(cid), "--unsatisfied", "--at", "2026-03-04 10:00")
    # 7 days after Tue 3 Mar end at 24:00 on Tue 10 Mar
    late = run("reopen", str(cid), "--reason", "问题依旧", "--at", "2026-03-11 00:00")
    assert late.exit_code == 1
    assert "reconsideration window (7d after the resolution) ended 2026-03-10 24:00" in late.stderr
    out = run.json("reopen", str(cid), "--reason", "问题依旧", "--at", "2026-03-10 23:59")
    assert out["status"] == "in_progress"
    assert out["reopen_count"] == 1
    resolve = next(m for m in out["milestones"] if m["name"] == "resolve")
    assert resolve["due_at"] == "2026-03-14T00:00:00+08:00"  # 3 wd after Tue 10 Mar
    assert resolve["done_at"] is None


def test_window_ending_on_rest_day_moves_to_next_working_day(run, register):
    cid = register(at="2026-09-28 09:00")
    run.ok("close", str(cid), "--resolution", "已处理", "--at", "2026-09-28 10:00")
    # 7 days end on Mon 5 Oct, a National Day holiday; 民法典 art. 203 moves the end to
    # the next working day, Thu 8 Oct.
    out = run.json("reopen", str(cid), "--reason", "不满意", "--at", "2026-10-08 18:00")
    assert out["status"] == "in_progress"


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            [
                "register",
                "--channel",
                "fax",
                "--name",
                "a",
                "--unit",
                "1",
                "--phone",
                "13812345678",
                "--description",
                "d",
            ],
            2,
            "complaintctl: --channel: unknown value 'fax' (accepted: phone, visit, "
            "online, letter, relay, other)\n",
        ),
        (
            [
                "register",
                "--channel",
                "电话",
                "--name",
                " ",
                "--unit",
                "1",
                "--phone",
                "13812345678",
                "--description",
                "d",
            ],
            2,
            "complaintctl: --name: must not be empty; for a caller who withholds it, use "
            "--anonymous\n",
        ),
        (
            [
                "register",
                "--channel",
                "电话",
                "--name",
                "a",
                "--unit",
                "1",
                "--phone",
                "12345",
                "--description",
                "d",
            ],
            2,
            "complaintctl: --phone: not a phone number (5 digits given); use a mobile (11 digits, "
            "13812345678) or a landline (021-12345678)\n",
        ),
        (
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
                "d",
                "--at",
                "2099-01-01 10:00",
            ],
            2,
            "complaintctl: --at: 2099-01-01 10:00 is in the future; a step is recorded "
            "when it happened\n",
        ),
        (
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
                "d",
                "--severity",
                "urgent",
            ],
            2,
            "complaintctl: --severity: unknown value 'urgent' (accepted: minor, moderate, major)\n",
        ),
        (
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
            ],
            2,
            "complaintctl register: Missing option '--description'.\n",
        ),
        (
            ["classify", "1", "--severity", "major"],
            2,
            "complaintctl: ID: no complaint #1 in {db}\n",
        ),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(run, db, args, code, message):
    run.ok("list")  # creates the ledger
    before = snapshot(db)
    result = run(*args)
    assert result.exit_code == code
    assert result.stderr == message.format(db=db)
    assert result.stdout == ""
    assert snapshot(db) == before


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_illegal_steps_name_state_and_allowed_steps(run, register, db):
    cid = register(at="2026-11-02 09:00")
    run.ok("close", str(cid), "--resolution", "已处理", "--at", "2026-11-02 10:00")
    before = snapshot(db)
    again = run("close", str(cid), "--resolution", "再次")
    assert again.exit_code == 1
    assert again.stderr == (
        f"complaintctl: cannot close #{cid}: it is resolved; allowed now: classify, "
        "follow up, reopen\n"
    )
    assign = run("assign", str(cid), "--department", "工程部")
    assert assign.exit_code == 1
    assert "cannot assign" in assign.stderr
    assert snapshot(db) == before
    other = register(at="2026-11-02 09:00")
    early = run("followup", str(other), "--satisfied")
    assert early.exit_code == 1
    assert early.stderr.startswith(f"complaintctl: cannot follow up #{other}: it is registered")


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_step_before_receipt_is_refused(run, register, db):
    cid = register(at="2026-11-02 09:00")
    before = snapshot(db)
    result = run("assign", str(cid), "--department", "工程部", "--at", "2026-11-02 08:00")
    assert result.exit_code == 2
    assert result.stderr.startswith("complaintctl: --at: 2026-11-02 08:00 is before #1")
    assert snapshot(db) == before


def test_list_filters_masks_and_orders(run, register):
    a = register(severity="minor", at="2026-11-02 09:00")
    b = register(severity="major", at="2026-11-02 10:00", name="李小龙", phone="021-62345678")
    c = register(severity="moderate", at="2026-11-02 11:00")
    run.ok("assign", str(c), "--department", "保洁部", "--at", "2026-11-02 11:10")
    run.ok("close", str(a), "--resolution", "ok", "--satisfied", "--at", "2026-11-02 12:00")
    listed = run.json("list", "--open")
    assert [x["id"] for x in listed] == [b, c]  # next deadline first: 10:15, then 12:00
    assert listed[0]["phone"] == "021-****5678"
    assert listed[0]["name"] == "李**"
    assert "events" not in listed[0]
    assert [x["id"] for x in run.json("list", "--department", "保洁部")] == [c]
    assert [x["id"] for x in run.json("list", "--severity", "重大")] == [b]
    assert [x["id"] for x in run.json("list", "--status", "已关闭")] == [a]


def test_list_human_table(run, register):
    register(severity="major", at="2026-11-02 10:00", category="设施设备")
    out = run.ok("list", "--as-of", "2026-11-02 10:05")
    assert out.splitlines() == [
        "编号  受理时间          房号/铺位  投诉人  电话         类别      级别  部门  状态    下一时限                   剩余",
        "1     2026-11-02 10:00  3-1-502    张*     138****5678  设施设备  重大  -     已登记  首次联系 2026-11-02 10:15  剩余10分钟",
    ]


def test_show_full_contact_and_history(run, register):
    cid = register(at="2026-11-02 10:00")
    run.ok("update", str(cid), "--note", "已联系维修", "--at", "2026-11-02 10:30")
    out = run.ok("show", str(cid), "--as-of", "2026-11-02 11:00")
    assert "13812345678" in out
    assert "张三" in out
    lines = out.splitlines()
    assert "首次联系  2026-11-03 10:00  -         未到期  剩余23小时00分" in lines
    assert "处理完成  2026-11-05 24:00  -         未到期  剩余3个工作日" in lines
    # typed in today, weeks after --at: marked as a late entry (补录) with its gap (issue 22)
    (step,) = [line for line in lines if line.startswith("2     2026-11-02 10:30  处理进展")]
    assert step.startswith("2     2026-11-02 10:30  处理进展  王芳    补录（晚")
    assert step.endswith("录入）；进展 已联系维修")


def test_db_option_and_parent_folders(run, tmp_path):
    target = tmp_path / "a" / "b" / "centre.db"
    run.ok("--db", str(target), "list")
    assert target.exists()
    assert target.stat().st_mode & 0o777 == 0o600


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_by_with_control_characters_is_refused(run, db):
    run.ok("list")
    before = snapshot(db)
    result = run(
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
        "d",
        "--by",
        "王芳\n伪造行",
    )
    assert result.exit_code == 2
    assert result.stderr == "complaintctl: --by: contains control characters\n"
    assert snapshot(db) == before


def test_open_list_merges_statuses_by_deadline_and_puts_undated_last(run, register):
    late = register(severity="minor", at="2026-11-02 09:00")  # respond due 11-03 09:00
    soon = register(severity="major", at="2026-11-02 10:00")  # respond due 10:15
    dup = register(severity="major", at="2026-11-02 10:05")
    mid = register(severity="moderate", at="2026-11-02 11:00")  # respond due 12:00
    run.ok("assign", str(mid), "--department", "工程部", "--at", "2026-11-02 11:05")
    run.ok("update", str(mid), "--note", "到场", "--at", "2026-11-02 11:10")  # in progress
    run.ok("link", str(soon), str(dup), "--at", "2026-11-02 10:10")  # no clock of its own
    assert [x["id"] for x in run.json("list", "--open")] == [soon, mid, late, dup]
    assert [x["id"] for x in run.json("list", "--open", "--limit", "2")] == [soon, mid]
    assert [x["id"] for x in run.json("list", "--open", "--status", "处理中")] == [mid]
