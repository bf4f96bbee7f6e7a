"""Kinds of record (issue 20): 投诉 complaint, 报修 repair, 服务 service, 咨询 inquiry, 建议
suggestion, each with its own clocks, through the CLI against real ledger files.

Calendar facts used: 2025 National Day, 10-01..10-08 off, Sunday 09-28 worked (调休); 2026-03-07
and 03-08 are an ordinary weekend.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from ledgertools import sql, without_sites

pytestmark = pytest.mark.backends

BASE = {
    "channel": "电话",
    "name": "张三",
    "unit": "3-1-502",
    "phone": "13812345678",
    "description": "厨房水管漏水",
}


def _args(**options: str | bool) -> list[str]:
    args = ["register"]
    for key, value in {**BASE, **options}.items():
        flag = f"--{key.replace('_', '-')}"
        if value is True:
            args.append(flag)
        else:
            args += [flag, str(value)]
    return args


def _reg(run: Any, **options: str | bool) -> dict[str, Any]:
    out: dict[str, Any] = run.json(*_args(**options))
    return out


def _due(out: dict[str, Any]) -> dict[str, str]:
    return {m["name"]: m["due_at"] for m in out["milestones"]}


# -- each kind's deadlines --------------------------------------------------------------------
def test_repair_is_due_at_the_appointment(run):
    out = _reg(run, kind="报修", appointment="2026-03-04 14:00", at="2026-03-02 09:00")
    assert (out["kind"], out["urgent"]) == ("repair", False)
    assert out["appointment_at"] == "2026-03-04T14:00:00+08:00"
    assert _due(out) == {"resolve": "2026-03-04T14:00:00+08:00"}
    # later than the three-day rule: the time agreed with the owner still rules
    out = _reg(run, kind="repair", appointment="2026-03-20 09:30", at="2026-03-02 09:00")
    assert _due(out) == {"resolve": "2026-03-20T09:30:00+08:00"}


def test_repair_without_appointment_is_due_in_three_days(run):
    out = _reg(run, kind="报修", at="2026-03-02 09:00")  # Monday: Thursday 24:00
    assert _due(out) == {"resolve": "2026-03-06T00:00:00+08:00"}
    out = _reg(run, kind="报修", at="2026-03-04 10:00")  # Wednesday: Saturday -> Monday 24:00
    assert _due(out) == {"resolve": "2026-03-10T00:00:00+08:00"}
    line = run.ok(*_args(kind="报修", at="2026-03-02 09:00")).strip()
    assert line == "#3 已登记，状态：已登记；下一时限：处理完成 2026-03-05 24:00（已超时）"


def test_urgent_repair_has_someone_on_site_in_15_minutes(run):
    out = _reg(run, kind="报修", urgent=True, description="水管爆裂", at="2026-03-02 09:00")
    assert out["urgent"] is True
    assert _due(out) == {
        "respond": "2026-03-02T09:15:00+08:00",
        "resolve": "2026-03-03T09:00:00+08:00",
    }
    line = run.ok(*_args(kind="报修", urgent=True, at="2026-03-02 23:50")).strip()
    assert line == "#2 已登记，状态：已登记；下一时限：首次联系 2026-03-03 00:05（已超时）"
    shown = run.ok("show", "2", "--as-of", "2026-03-02 23:55")
    assert "类型          报修" in shown
    assert "紧急          是" in shown


def test_service_request_follows_the_three_day_rule(run):
    out = _reg(run, kind="服务", at="2026-03-02 09:00")
    assert out["kind"] == "service"
    assert _due(out) == {"resolve": "2026-03-06T00:00:00+08:00"}
    out = _reg(run, kind="service", appointment="2026-03-03 10:00", at="2026-03-02 09:00")
    assert _due(out) == {"resolve": "2026-03-03T10:00:00+08:00"}


def test_inquiry_is_answered_within_one_working_day_across_a_holiday(run):
    # 09-30 is the last working day before the National Day holiday: the next is 10-09
    out = _reg(run, kind="咨询", at="2025-09-30 10:00")
    assert out["kind"] == "inquiry"
    assert _due(out) == {"resolve": "2025-10-10T00:00:00+08:00"}
    # Friday 09-26: the next working day is Sunday 09-28, a 调休 working day
    out = _reg(run, kind="inquiry", at="2025-09-26 10:00")
    assert _due(out) == {"resolve": "2025-09-29T00:00:00+08:00"}


def test_suggestion_has_a_reply_milestone(run):
    out = _reg(run, kind="建议", at="2026-03-02 10:00")
    assert out["kind"] == "suggestion"
    assert _due(out) == {"resolve": "2026-03-10T00:00:00+08:00"}  # 5 working days


def test_complaint_is_the_default_and_unchanged(run):
    out = _reg(run, severity="重大", at="2026-03-02 09:00")
    assert (out["kind"], out["urgent"], out["appointment_at"]) == ("complaint", False, None)
    assert _due(out) == {
        "respond": "2026-03-02T09:15:00+08:00",
        "assign": "2026-03-02T11:00:00+08:00",
        "plan": "2026-03-04T00:00:00+08:00",
        "resolve": "2026-03-17T00:00:00+08:00",
        "update": "2026-03-03T09:00:00+08:00",
    }
    same = _reg(run, kind="complaint", severity="major", at="2026-03-02 09:00")
    assert _due(same) == _due(out)
    # the registered event of a complaint is written as it always was: no kind in its data
    events = run.json("show", "1")["events"]
    assert "kind" not in events[0]["data"]
    shown = run.ok("show", "1")
    assert "类型" not in shown


# -- the steps on other kinds -----------------------------------------------------------------
def test_a_severity_does_not_change_a_repairs_clock(run):
    _reg(run, kind="报修", at="2026-03-02 09:00")
    out = run.json("classify", "1", "--severity", "重大", "--at", "2026-03-02 09:30")
    assert out["severity"] == "major"
    assert _due(out) == {"resolve": "2026-03-06T00:00:00+08:00"}


def test_repair_assign_close_and_owner_confirmation(run):
    _reg(run, kind="报修", appointment="2026-03-03 14:00", at="2026-03-02 09:00")
    run.ok(
        "assign", "1", "--department", "工程部", "--handler", "李师傅", "--at", "2026-03-02 09:10"
    )
    run.ok("close", "1", "--resolution", "更换水管接头", "--at", "2026-03-03 13:40")
    out = run.json("followup", "1", "--satisfied", "--note", "业户确认", "--at", "2026-03-03 15:00")
    assert out["status"] == "closed"
    assert [(m["name"], m["state"]) for m in out["milestones"]] == [("resolve", "met")]


def test_extended_appointment_survives_a_recomputation(run):
    _reg(run, kind="报修", appointment="2026-03-03 14:00", at="2026-03-02 09:00")
    args = ("--reason", "等配件", "--approved-by", "主管", "--at", "2026-03-02 10:00")
    out = run.json("update", "1", "--extend", "2wd", *args)
    assert _due(out) == {"resolve": "2026-03-06T00:00:00+08:00"}  # 2 wd after: 03-05 24:00
    out = run.json("classify", "1", "--severity", "中度", "--at", "2026-03-02 11:00")
    assert _due(out) == {"resolve": "2026-03-06T00:00:00+08:00"}  # 2 wd after: 03-05 24:00


def test_reopened_repair_gets_its_kinds_limit_again(run):
    _reg(run, kind="报修", appointment="2026-03-03 14:00", at="2026-03-02 09:00")
    run.ok("close", "1", "--resolution", "已修", "--at", "2026-03-03 13:00")
    out = run.json("reopen", "1", "--reason", "又漏了", "--at", "2026-03-04 09:00")
    # 3 days from the reopening (Wednesday): Saturday, so Monday 24:00 (民法典 art. 203)
    assert _due(out) == {"resolve": "2026-03-10T00:00:00+08:00"}


def test_link_a_complaint_about_a_repair(run):
    _reg(run, kind="报修", at="2026-03-02 09:00")
    _reg(run, description="维修工态度差", at="2026-03-03 09:00")
    out = run.ok("link", "2", "--about", "1", "--at", "2026-03-03 09:10")
    assert out == "#2 已关联：涉及 #1\n"
    shown = run.json("show", "2")
    assert shown["about"] == 1
    assert shown["duplicate_of"] is None  # keeps its own clock, counted on its own
    assert shown["events"][-1]["kind"] == "related"
    assert "所涉工单      #1" in run.ok("show", "2")
    assert run.ok("verify").startswith("校验通过：")


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2", "--about", "2"), "complaintctl: --about: #2 cannot be about itself\n"),
        (
            ("1", "--about", "2"),
            "complaintctl: cannot link #1 --about: it is a repair; only a complaint "
            "(投诉) is about another record\n",
        ),
        (
            ("2", "--about", "3"),
            "complaintctl: --about: #3 is a complaint; link a complaint to the repair, service "
            "request, inquiry or suggestion it is about (a duplicate complaint: link ID OTHER)\n",
        ),
        (("2",), "complaintctl: OTHER: give the duplicate's number, or --about RECORD\n"),
        (
            ("2", "3", "--about", "1"),
            "complaintctl: --about: give either OTHER (a duplicate) or --about, not both\n",
        ),
    ],
)
def test_link_about_refuses(run, args, message):
    _reg(run, kind="报修", at="2026-03-02 09:00")
    _reg(run, at="2026-03-03 09:00")
    _reg(run, at="2026-03-03 09:30")
    result = run("link", *args)
    assert result.exit_code != 0
    assert result.stderr == message
    assert run.json("show", "2")["about"] is None


# -- bad input: one line, nothing written -----------------------------------------------------
@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"kind": "其它"},
            "complaintctl: --kind: unknown value '其它' (accepted: complaint, repair, "
            "service, inquiry, suggestion)\n",
        ),
        (
            {"kind": "咨询", "urgent": True},
            "complaintctl: --urgent: only for a repair (--kind 报修/repair)\n",
        ),
        (
            {"urgent": True},
            "complaintctl: --urgent: only for a repair (--kind 报修/repair)\n",
        ),
        (
            {"appointment": "2026-03-04 14:00"},
            "complaintctl: --appointment: only for --kind repair/报修, service/服务\n",
        ),
        (
            {"kind": "报修", "appointment": "2026-03-02 08:00"},
            "complaintctl: --appointment: 2026-03-02 08:00 is not after the time of "
            "receipt (2026-03-02 09:00)\n",
        ),
        (
            {"kind": "报修", "appointment": "明天下午"},
            "complaintctl: --appointment: cannot read time '明天下午'; use e.g. 2026-11-22 14:30 "
            "or 2026-11-22T14:30+08:00\n",
        ),
    ],
)
def test_bad_kind_input_is_one_line_and_writes_nothing(run, db, options, message):
    result = run(*_args(at="2026-03-02 09:00", **options))
    assert result.exit_code == 2
    assert result.stderr == message
    if not isinstance(db, Path) or db.exists():
        assert sql(db, "SELECT count(*) FROM events") == [(0,)]


# -- filters ----------------------------------------------------------------------------------
def _mixed(run: Any) -> None:
    _reg(run, at="2026-03-02 09:00")  # 1 complaint
    _reg(run, kind="报修", at="2026-03-02 10:00")  # 2 repair
    _reg(run, kind="咨询", at="2026-03-02 11:00")  # 3 inquiry
    _reg(run, kind="repair", urgent=True, at="2026-03-02 12:00")  # 4 urgent repair


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_list_filters_by_kind(run):
    _mixed(run)
    assert [c["id"] for c in run.json("list", "--kind", "报修")] == [4, 2]
    assert [c["id"] for c in run.json("list", "--kind", "complaint")] == [1]
    assert [c["id"] for c in run.json("list", "--kind", "咨询", "--open")] == [3]
    assert [c["id"] for c in run.json("list")] == [4, 3, 2, 1]
    result = run("list", "--kind", "投诉建议")
    assert result.exit_code == 2
    assert result.stderr.startswith("complaintctl: --kind: unknown value '投诉建议'")


def test_digest_filters_by_kind(run):
    _mixed(run)
    as_of = ("--as-of", "2026-03-09 09:00")  # everything is breached by then

    def entries(*args: str) -> list[tuple[int, str]]:
        data = run.json("digest", *args, *as_of)
        return sorted((e["id"], e["milestone"]) for e in data["breached"] + data["due_soon"])

    assert entries() == [
        (1, "resolve"),
        (1, "respond"),
        (2, "resolve"),
        (3, "resolve"),
        (4, "resolve"),
        (4, "respond"),
    ]
    assert entries("--kind", "报修") == [(2, "resolve"), (4, "resolve"), (4, "respond")]
    assert entries("--kind", "inquiry") == [(3, "resolve")]
    assert entries("--kind", "投诉") == [(1, "resolve"), (1, "respond")]
    assert run.ok("digest", "--kind", "建议", *as_of) == ""


def test_export_carries_and_filters_the_kind(run, tmp_path):
    _reg(run, kind="报修", appointment="2026-03-04 14:00", at="2026-03-02 09:00")
    _reg(run, kind="报修", urgent=True, at="2026-03-02 10:00")
    _reg(run, at="2026-03-02 11:00")
    rows = list(csv.DictReader(io.StringIO(run.ok("export").lstrip("\ufeff"))))
    assert [(r["编号"], r["工单类型"], r["是否紧急"], r["预约时间"]) for r in rows] == [
        ("1", "报修", "", "2026-03-04 14:00"),
        ("2", "报修", "是", ""),
        ("3", "投诉", "", ""),
    ]
    only = list(csv.DictReader(io.StringIO(run.ok("export", "--kind", "投诉").lstrip("\ufeff"))))
    assert [r["编号"] for r in only] == ["3"]
    lines = run.ok("export", "--format", "jsonl", "--kind", "repair").splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["repair", "repair"]


def test_export_then_import_keeps_kinds_and_deadlines(run, tmp_path, monkeypatch):
    _reg(run, kind="报修", appointment="2026-03-04 14:00", at="2026-03-02 09:00")
    _reg(run, kind="报修", urgent=True, at="2026-03-02 10:00")
    _reg(run, kind="咨询", at="2025-09-30 10:00")
    _reg(run, severity="中度", at="2026-03-02 11:00")
    sheet = tmp_path / "register.csv"
    run.ok("export", "--with-personal-data", "--output", str(sheet))
    before = run.json("list", "--limit", "10")
    monkeypatch.setenv("COMPLAINTCTL_DB", str(tmp_path / "other.db"))
    run.ok("import", str(sheet))
    after = run.json("list", "--limit", "10")

    def view(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        keys = ("kind", "urgent", "appointment_at", "severity")
        return [(*(c[k] for k in keys), _due(c)) for c in sorted(items, key=lambda c: c["id"])]

    assert view(after) == view(before)


def test_import_refuses_an_urgent_inquiry(run, tmp_path):
    sheet = tmp_path / "register.csv"
    sheet.write_text(
        "受理时间,投诉人,联系电话,房号,投诉内容,工单类型,是否紧急\n"
        "2026-03-02 09:00,张三,13812345678,1-101,问物业费,咨询,是\n",
        encoding="utf-8",
    )
    result = run("import", str(sheet))
    assert result.exit_code != 0
    assert "register.csv:第 2 行：列「是否紧急」“是”：只用于报修\n" in result.stderr
    assert run.json("list") == []


# -- the report: the 及时率 seed 003 defines --------------------------------------------------
def _month(run: Any) -> None:
    """March 2026: 2 complaints (both timely), 3 repairs (timely by the appointment, late,
    overdue), 1 inquiry (timely), 1 suggestion (still pending on 03-06)."""
    _reg(run, at="2026-03-02 09:00")  # 1 complaint, minor: resolve by 03-05 24:00
    run.ok("close", "1", "--resolution", "已处理", "--at", "2026-03-04 10:00")
    _reg(run, at="2026-03-02 09:30")  # 2 complaint, minor: closed late
    run.ok("close", "2", "--resolution", "已处理", "--at", "2026-03-05 10:00")
    _reg(run, kind="报修", appointment="2026-03-03 14:00", at="2026-03-02 10:00")  # 3
    run.ok("close", "3", "--resolution", "已修", "--at", "2026-03-03 13:00")
    _reg(run, kind="报修", appointment="2026-03-03 14:00", at="2026-03-02 10:30")  # 4
    run.ok("close", "4", "--resolution", "已修", "--at", "2026-03-03 16:00")
    _reg(run, kind="报修", urgent=True, at="2026-03-02 11:00")  # 5: due 03-03 11:00, open
    _reg(run, kind="咨询", at="2026-03-02 12:00")  # 6: due 03-03 24:00
    run.ok("close", "6", "--resolution", "已答复", "--at", "2026-03-02 12:05")
    _reg(run, kind="建议", at="2026-03-02 13:00")  # 7: due 03-09 24:00, pending


REPORT = ("report", "--month", "2026-03", "--as-of", "2026-03-06 12:00")


def test_combined_timely_rate_and_per_kind_figures(run):
    _month(run)
    data = run.json(*REPORT, "--by", "kind")
    summary = {k: data[k] for k in ("kind", "total", "timely", "late", "overdue", "pending")}
    assert summary == {
        "kind": None,
        "total": 7,
        "timely": 4,
        "late": 1,
        "overdue": 1,
        "pending": 1,
    }
    assert data["timely_rate"] == 66.7  # 4 / (4 + 1 + 1)
    rows = {
        r["value"]: (r["label"], r["total"], r["timely"], r["late"], r["overdue"], r["timely_rate"])
        for r in data["breakdowns"]["kind"]
    }
    assert list(rows) == ["complaint", "repair", "inquiry", "suggestion"]
    assert rows == {
        "complaint": ("投诉", 2, 2, 0, 0, 100.0),
        "repair": ("报修", 3, 1, 1, 1, 33.3),
        "inquiry": ("咨询", 1, 1, 0, 0, 100.0),
        "suggestion": ("建议", 1, 0, 0, 0, None),
    }
    repairs = run.json(*REPORT, "--kind", "报修")
    assert (repairs["kind"], repairs["total"], repairs["timely_rate"]) == ("repair", 3, 33.3)
    screen = run.ok(*REPORT, "--by", "kind")
    assert screen.startswith("投诉处理报表 2026-03（统计截至 2026-03-06 12:00）\n")
    assert "处理及时率%  66.7" in screen
    assert "\n按类型\n" in screen
    assert run.ok(*REPORT, "--kind", "repair").startswith("投诉处理报表 2026-03 报修（")


def test_report_files_carry_the_kind(run, tmp_path):
    import openpyxl

    _month(run)
    text = run.ok(*REPORT, "--by", "kind", "--format", "csv")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    by_kind = [r[2] for r in rows if r[1] == "类型"]
    assert by_kind == ["投诉", "报修", "咨询", "建议"]
    book = tmp_path / "report.xlsx"
    run.ok(*REPORT, "--output", str(book))
    wb = openpyxl.load_workbook(book, read_only=True)
    # the sheets that print have a title row above their header (issue 18)
    detail = [
        rows
        for rows in (list(ws.iter_rows(values_only=True)) for ws in wb.worksheets)
        if any("类型" in (r or ()) for r in rows[:3])
    ]
    assert detail, "a sheet with a 类型 column"
    sheet = detail[-1]
    head = next(n for n, r in enumerate(sheet[:3]) if "类型" in r)
    column = sheet[head].index("类型")
    assert [r[column] for r in sheet[head + 1 :]] == [
        "投诉",
        "投诉",
        "报修",
        "报修",
        "报修",
        "咨询",
        "建议",
    ]


def test_complaint_figures_unchanged_when_filtered_to_complaints(month, run):
    """test_report's month, plus repairs and an inquiry: --kind complaint gives exactly the
    figures the month had before; the whole report counts the new records too."""
    from test_report import AS_OF, EXPECTED

    before = run.json("report", "--month", "2026-03", "--as-of", AS_OF, "--by", "severity")
    _reg(run, kind="报修", appointment="2026-03-05 14:00", at="2026-03-04 09:00")
    run.ok("close", "11", "--resolution", "已修", "--at", "2026-03-05 13:00")
    _reg(run, kind="咨询", at="2026-03-12 10:00")
    args = ("report", "--month", "2026-03", "--as-of", AS_OF, "--by", "severity")
    only = run.json(*args, "--kind", "投诉")
    assert {k: only[k] for k in EXPECTED} == EXPECTED
    assert only["breakdowns"] == before["breakdowns"]
    everything = run.json(*args)
    assert (everything["total"], everything["timely"], everything["overdue"]) == (9, 5, 2)
    assert everything["timely_rate"] == 62.5  # 5 / (5 + 1 + 2)


@pytest.fixture
def month(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from test_report import build_month

    build_month(db)
    return db


# -- the policy -------------------------------------------------------------------------------
def test_policy_kinds_are_versioned(run, tmp_path):
    first = _reg(run, kind="咨询", at="2026-03-02 10:00")
    assert _due(first) == {"resolve": "2026-03-04T00:00:00+08:00"}
    policy = tmp_path / "policy.toml"
    text = run.ok("policy", "show")
    assert text.count('resolve = "1wd"') == 1  # the inquiry's
    policy.write_text(text.replace('resolve = "1wd"', 'resolve = "4h"'), encoding="utf-8")
    run.ok("policy", "load", str(policy))
    second = _reg(run, kind="咨询", at="2026-03-02 10:00")
    assert _due(second) == {"resolve": "2026-03-02T14:00:00+08:00"}
    assert _due(run.json("show", "1")) == {"resolve": "2026-03-04T00:00:00+08:00"}


def test_a_policy_without_kinds_keeps_the_defaults(run, tmp_path):
    from complaintctl.sla.policy import DEFAULT_POLICY_TOML

    old = DEFAULT_POLICY_TOML.split("# Clocks of the other kinds")[0]
    policy = tmp_path / "old.toml"
    policy.write_text(old, encoding="utf-8")
    run.ok("policy", "load", str(policy))
    assert _due(_reg(run, kind="报修", at="2026-03-02 09:00")) == {
        "resolve": "2026-03-06T00:00:00+08:00"
    }
    assert _due(_reg(run, severity="轻微", at="2026-03-02 09:00")) == {
        "respond": "2026-03-03T09:00:00+08:00",
        "resolve": "2026-03-06T00:00:00+08:00",
    }


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[kinds.hotline]\nresolve = "1wd"', "kinds.hotline: unknown kind (accepted: repair, "),
        ('[kinds.inquiry]\nanswer = "1wd"', "kinds.inquiry.answer: unknown milestone"),
        ('[kinds.inquiry]\nrespond = "1h"', "kinds.inquiry.resolve: missing"),
        ('[kinds.repair.urgent]\nrespond = "soon"', "kinds.repair.urgent.respond: "),
    ],
)
def test_bad_kind_tables_are_refused(run, tmp_path, table, message):
    from complaintctl.sla.policy import DEFAULT_POLICY_TOML

    old = DEFAULT_POLICY_TOML.split("# Clocks of the other kinds")[0]
    policy = tmp_path / "bad.toml"
    policy.write_text(old + "\n" + table + "\n", encoding="utf-8")
    result = run("policy", "load", str(policy))
    assert result.exit_code != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- an existing ledger -----------------------------------------------------------------------
@pytest.mark.sqlite_only("a schema-3 SQLite file")
def test_existing_ledger_rows_become_complaints(run, db):
    _reg(run, severity="中度", at="2026-03-02 09:00")
    conn = sqlite3.connect(db)
    with conn:  # back to schema 3: the complaints table without the kind columns
        for column in ("kind", "urgent", "appointment_at", "about"):
            conn.execute(f"ALTER TABLE complaints DROP COLUMN {column}")
        # and without what migration 5 (the text index, issue 14) made after it
        conn.execute("DROP TABLE complaint_text")
        for index in ("complaints_unit", "personal_phone_tail", "personal_name"):
            conn.execute(f"DROP INDEX {index}")
        # and the unknown times of migration 7 (issue 16)
        for column in ("received_time_unknown", "handled_time_unknown", "unjudged"):
            conn.execute(f"ALTER TABLE complaints DROP COLUMN {column}")
        without_sites(conn)  # and without what migration 6 (sites, issue 21) made
        conn.execute("PRAGMA user_version = 3")
    conn.close()
    assert [c["kind"] for c in run.json("list", "--kind", "投诉")] == ["complaint"]
    assert run.ok("verify").startswith("校验通过：")
