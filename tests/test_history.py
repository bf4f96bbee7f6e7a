"""`show` prints a complaint's history as people read it (issue 15 item 3): Chinese kinds,
labelled fields, local times and deadline changes in the 24:00 form; never a Python repr or
a Unix time."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL


def history(out: str) -> list[str]:
    lines = out.splitlines()
    start = next(
        n
        for n, line in enumerate(lines)
        if line.split()[:2] in (["序号", "发生时间"], ["Seq", "At"])
    )
    # every step here is typed in months after its --at: each carries the late-entry mark
    # (补录, issue 22), whose gap depends on today; it is checked, then left out
    rows = [re.sub(r"\s{2,}", " | ", line.strip()) for line in lines[start + 1 :]]
    late = re.compile(r"(补录（晚[^）]*录入）；?|late entry \(recorded [^)]* later\)(; )?)")
    assert all(late.search(row) for row in rows)
    return [late.sub("", row) for row in rows]


def test_history_in_chinese_and_english(run, register):
    register(at="2026-03-02 09:00")
    register(at="2026-03-02 09:01", unit="3-1-602", name="李四")
    run.ok(
        "classify", "1", "--severity", "中度", "--category", "设施设备", "--at", "2026-03-02 09:05"
    )
    run.ok("assign", "1", "--department", "工程部", "--handler", "李工", "--at", "2026-03-02 09:10")
    run.ok("update", "1", "--contacted", "--plan", "换灯", "--at", "2026-03-02 09:12")
    run.ok(
        "update",
        "1",
        "--extend",
        "2wd",
        "--reason",
        "等配件",
        "--approved-by",
        "陈经理",
        "--at",
        "2026-03-02 11:30",
    )
    run.ok("link", "1", "2", "--at", "2026-03-02 11:40")
    run.ok("close", "1", "--resolution", "已更换", "--at", "2026-03-03 10:00")
    run.ok("followup", "1", "--unsatisfied", "--at", "2026-03-04 10:00")
    run.ok("reopen", "1", "--reason", "仍不亮", "--at", "2026-03-05 10:00")

    assert history(run.ok("show", "1")) == [
        "1 | 2026-03-02 09:00 | 受理登记 | 王芳 | 渠道 电话；投诉内容 楼道灯不亮；房号/铺位 3-1-502",
        "3 | 2026-03-02 09:05 | 分类定级 | 王芳 | 类别 - → 设施设备；级别 - → 中度；"
        "时限 首次联系 2026-03-03 09:00 → 2026-03-02 10:00；时限 派单 - → 2026-03-02 11:00；"
        "时限 处理方案 - → 2026-03-03 09:00；时限 处理完成 2026-03-05 24:00 → 2026-03-09 24:00；"
        "时限 进度反馈 - → 2026-03-02 21:00",
        "4 | 2026-03-02 09:10 | 派单 | 王芳 | 部门 工程部；处理人 李工",
        "5 | 2026-03-02 09:12 | 处理进展 | 王芳 | 已联系投诉人；方案 换灯",
        "6 | 2026-03-02 11:30 | 延期 | 王芳 | 批准人 陈经理；延长 2wd；原因 等配件；"
        "时限 处理完成 2026-03-09 24:00 → 2026-03-11 24:00",
        "8 | 2026-03-03 10:00 | 办结 | 王芳 | 处理结果 已更换",
        "10 | 2026-03-04 10:00 | 回访 | 王芳 | 满意度 不满意",
        "12 | 2026-03-05 10:00 | 复议 | 王芳 | 原因 仍不亮；"
        "时限 处理完成 2026-03-12 24:00；时限 进度反馈 2026-03-05 22:00",
    ]
    assert history(run.ok("--lang", "en", "show", "2"))[:2] == [
        "2 | 2026-03-02 09:01 | registered | 王芳 | Channel phone; Description 楼道灯不亮; Unit 3-1-602",
        "7 | 2026-03-02 11:40 | linked as duplicate | 王芳 | duplicate of #1; took over: respond, assign, plan; "
        "deadline respond 2026-03-03 09:01 → 2026-03-02 10:00; deadline assign - → 2026-03-02 11:00; "
        "deadline plan - → 2026-03-03 09:00; deadline resolve 2026-03-05 24:00 → 2026-03-11 24:00; "
        "deadline update - → 2026-03-02 21:12",
    ]
    lines = history(run.ok("show", "1")) + history(run.ok("show", "2"))
    assert not [line for line in lines if re.search(r"\w=\S|True|False|None|\{|\d{10}", line)]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_show_as_of_is_the_complaint_as_it_stood_then(run, register):
    """One meaning of --as-of (issue 15 item 2): steps done after T are not done, deadlines are
    those in force at T (before a later reclassification), states are judged at T."""
    register(at="2026-03-05 10:00")  # unclassified: respond within 24 h
    run.ok("update", "1", "--contacted", "--at", "2026-03-05 10:30")
    run.ok("classify", "1", "--severity", "重大", "--at", "2026-03-05 11:00")
    register(at="2026-03-06 09:00", unit="3-1-602")
    then = run.json("show", "1", "--as-of", "2026-03-05 10:10")
    assert then["severity"] is None
    respond = next(m for m in then["milestones"] if m["name"] == "respond")
    assert (respond["due_at"], respond["done_at"], respond["state"]) == (
        "2026-03-06T10:00:00+08:00",
        None,
        "pending",
    )
    assert [e["kind"] for e in then["events"]] == ["registered"]
    now = run.json("show", "1")
    respond = next(m for m in now["milestones"] if m["name"] == "respond")
    assert (respond["due_at"], respond["done_at"], respond["state"]) == (
        "2026-03-05T10:15:00+08:00",
        "2026-03-05T10:30:00+08:00",
        "late",
    )
    out = run("show", "2", "--as-of", "2026-03-05 12:00")
    assert out.exit_code == 2
    assert (
        out.stderr == "complaintctl: ID: complaint #2 was received after --as-of 2026-03-05 12:00\n"
    )


def test_a_repair_reads_its_kind_and_appointment_in_words(run):
    """The registered event of a repair (issue 20) names its kind and its agreed time as
    people read them, not as a code and a count of seconds."""
    run.ok(
        "register", "--kind", "报修", "--appointment", "2026-03-05 14:00", "--channel", "电话",
        "--name", "张三", "--unit", "3-1-502", "--phone", "13812345678", "--description", "漏水",
        "--at", "2026-03-02 09:00",
    )  # fmt: skip
    assert history(run.ok("show", "1")) == [
        "1 | 2026-03-02 09:00 | 受理登记 | 王芳 | 预约时间 2026-03-05 14:00；渠道 电话；"
        "投诉内容 漏水；类型 报修；房号/铺位 3-1-502"
    ]
    data = run.json("show", "1")["events"][0]["data"]
    assert (data["kind"], data["appointment"]) == ("repair", "2026-03-05T14:00:00+08:00")
