"""Issue 22, finding 5: backdating.  A closing step dated before a step already recorded is
refused; every step recorded more than the policy's threshold (24 h) after its --at is a late
entry (补录): marked in ``show``, counted in the report, listed in the xlsx detail."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import openpyxl
import pytest

from complaintctl.domain.timeutil import CST, now, parse_time, to_epoch
from complaintctl.sla.policy import DEFAULT_POLICY_TOML

pytestmark = pytest.mark.backends


def at(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


@pytest.fixture
def base() -> datetime:
    """A whole minute 10 days ago (the steps are typed in now, 10 days later)."""
    return now().astimezone(CST).replace(second=0, microsecond=0) - timedelta(days=10)


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_close_dated_before_a_recorded_step_is_refused(run, register, base):
    cid = register(at=at(base))
    run.ok("assign", str(cid), "--department", "工程部", "--at", at(base + timedelta(hours=3)))
    # a contact and a plan dated before the assignment are fine: they happen in parallel
    run.ok("update", str(cid), "--contacted", "--at", at(base + timedelta(hours=1)))
    result = run("close", str(cid), "--resolution", "已修", "--at", at(base + timedelta(minutes=5)))
    assert (result.exit_code, result.stderr) == (
        2,
        f"complaintctl: --at: {at(base + timedelta(minutes=5))} is "
        f"before the assigned step of #{cid} already recorded at "
        f"{at(base + timedelta(hours=3))}; a close cannot come before "
        "it\n",
    )
    run.ok("close", str(cid), "--resolution", "已修", "--at", at(base + timedelta(hours=4)))
    run.ok("classify", str(cid), "--category", "设施设备", "--at", at(base + timedelta(hours=6)))
    result = run("followup", str(cid), "--satisfied", "--at", at(base + timedelta(hours=5)))
    assert (result.exit_code, result.stderr) == (
        2,
        f"complaintctl: --at: {at(base + timedelta(hours=5))} is "
        f"before the classified step of #{cid} already recorded at "
        f"{at(base + timedelta(hours=6))}; a follow up cannot come "
        "before it\n",
    )
    run.ok("followup", str(cid), "--satisfied", "--at", at(base + timedelta(hours=6)))


def test_show_marks_late_entries_with_gap_and_reason(run, register, base):
    cid = register(at=at(base))  # typed in 10 days later: a late entry
    recent = now().astimezone(CST).replace(second=0, microsecond=0) - timedelta(hours=2)
    run.ok("assign", str(cid), "--department", "工程部", "--at", at(recent))  # 2 h: not late
    run.ok("update", str(cid), "--contacted", "--at", at(base + timedelta(hours=1)),
           "--late-entry-reason", "纸质登记本补录")  # fmt: skip
    shown = run.json("show", str(cid))
    late = [e["late_entry"] for e in shown["events"]]
    assert late[1] is None
    for e in (shown["events"][0], shown["events"][2]):
        gap = to_epoch(parse_time(e["recorded_at"][:19])) - to_epoch(parse_time(e["at"][:19]))
        assert e["late_entry"]["gap_seconds"] == gap > 9 * 86400
    assert late[0]["reason"] is None
    assert late[2]["reason"] == "纸质登记本补录"
    assert shown["events"][2]["data"]["late_entry_reason"] == "纸质登记本补录"
    text = run.ok("show", str(cid))
    assert text.count("补录（晚9天") + text.count("补录（晚10天") == 2
    assert "补录原因 纸质登记本补录" in text
    assert run.ok("verify").startswith("校验通过：3 条事件")


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_policy_may_require_a_reason_beyond_a_gap(run, register, base, tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_text(
        DEFAULT_POLICY_TOML.replace(
            "retention_years = 3",
            'retention_years = 3\nlate_entry = "12h"\nlate_entry_reason_after = "72h"',
        ),
        encoding="utf-8",
    )
    run.ok("policy", "load", str(policy))
    result = run("register", "--channel", "电话", "--name", "张三", "--unit", "1-1", "--phone",
                 "13812345678", "--description", "漏水", "--at", at(base))  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith(f"complaintctl: --late-entry-reason: --at {at(base)} is 10 d")
    assert result.stderr.endswith(
        "before now; the policy asks why a step is recorded more than 72h after it happened\n"
    )
    cid = register(at=at(base), late_entry_reason="交接班补录")
    shown = run.json("show", str(cid))
    assert shown["events"][0]["late_entry"]["reason"] == "交接班补录"


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_bad_late_entry_reason(run, register):
    result = run("register", "--channel", "电话", "--name", "张三", "--unit", "1-1", "--phone",
                 "13812345678", "--description", "漏水", "--late-entry-reason", " ")  # fmt: skip
    assert (result.exit_code, result.stderr) == (
        2, "complaintctl: --late-entry-reason: must be 1 to 200 characters of text\n"
    )  # fmt: skip


def test_the_report_counts_late_entries(run, register, base, tmp_path):
    recent = now().astimezone(CST).replace(second=0, microsecond=0) - timedelta(hours=3)
    # #1: a month overdue in reality, closed with --at 30 minutes after receipt: "timely",
    # but its resolution is a late entry, and the report says so
    one = register(at=at(base))
    run.ok("close", str(one), "--resolution", "已修", "--at", at(base + timedelta(minutes=30)),
           "--by", "李四")  # fmt: skip
    # #2: recorded as it happened
    two = register(at=at(recent))
    run.ok("close", str(two), "--resolution", "已修", "--at", at(recent + timedelta(hours=1)))
    first = (base - timedelta(days=1)).date().isoformat()
    last = now().astimezone(CST).date().isoformat()
    report = run.json("report", "--from", first, "--to", last)
    assert report["timely"] == 2
    assert report["late_entries"] == {
        "total": 2,
        "by_step": {"register": 1, "resolve": 1},
        "by_staff": {"李四": 1, "王芳": 1},
        "timely_recorded_late": 1,
    }
    text = run.ok("report", "--from", first, "--to", last)
    assert "补录条数              2" in text
    assert "及时处理中办结为补录  1" in text
    assert "录入人: 李四          1" in text
    table = run.ok("report", "--from", first, "--to", last, "--format", "csv")
    late = [r for r in csv.reader(io.StringIO(table.lstrip("\ufeff"))) if r[0] == "补录"]
    header = next(csv.reader(io.StringIO(table.lstrip("\ufeff"))))
    total = header.index("计入件数")
    assert [(r[1], r[2], r[total]) for r in late] == [
        ("", "", "2"),
        ("及时处理中办结为补录", "", "1"),
        ("环节", "register", "1"),
        ("环节", "resolve", "1"),
        ("录入人", "李四", "1"),
        ("录入人", "王芳", "1"),
    ]
    path = tmp_path / "r.xlsx"
    run.ok("report", "--from", first, "--to", last, "-o", str(path))
    sheet = openpyxl.load_workbook(path)["明细"]
    rows = list(sheet.iter_rows(values_only=True))
    head = next(n for n, r in enumerate(rows[:3]) if "补录" in r)  # below the sheet's title
    column = rows[head].index("补录")
    assert rows[head + 1][column].startswith(("register +10天", "register +9天"))
    assert "; resolve +" in rows[head + 1][column]
    assert rows[head + 2][column] is None


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_link_records_a_late_entry_reason(run, register, base):
    one = register(at=at(base))
    two = register(at=at(base + timedelta(hours=1)))
    run.ok("link", str(one), str(two), "--at", at(base + timedelta(hours=2)),
           "--late-entry-reason", "交接班补录")  # fmt: skip
    events = run.json("show", str(two))["events"]
    assert events[-1]["data"]["late_entry_reason"] == "交接班补录"
    assert events[-1]["late_entry"]["reason"] == "交接班补录"
    assert run.ok("verify").startswith("ok: ")
