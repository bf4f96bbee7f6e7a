"""The monthly 及时率 report (issue 6): every figure of docs/report.md checked by hand.

One month (March 2026) is built once through the CLI with --at, then copied into each test's
ledger.  The report time is fixed (--as-of 2026-04-10 12:00, a Friday after 清明 4-6 April).

| #  | received (local)  | severity/channel  | what happens                          | resolve outcome        |
|----|-------------------|-------------------|---------------------------------------|------------------------|
| 1  | 03-02 09:00       | minor             | contacted, closed 03-05, satisfied    | timely (due 03-05 24:00), 3 wd |
| 2  | 03-09 10:00       | moderate          | closed late 03-18, unsatisfied, 复议 03-20, closed 03-25 | timely after 复议, 12 wd |
| 3  | 03-10 09:00       | major             | plan late, escalated, extended 2wd, closed 03-26 | timely thanks to the extension, 12 wd |
| 4  | 03-16 09:00       | minor             | closed 03-20, satisfied               | late (due 03-19 24:00), 4 wd |
| 5  | 03-18 14:00       | minor             | assigned, never closed                | overdue                |
| 6  | 03-31 23:30       | major, online     | contacted, assigned late              | pending (due 04-15 24:00) |
| 7  | 04-01 00:10       | minor             | (April: 03-31 16:10 UTC, still April) | April: overdue         |
| 8  | 02-28 23:50       | minor             | closed 03-02, satisfied               | February: timely, 1 wd |
| 9  | 03-03 10:00       | minor             | linked duplicate of #1                | not counted            |
| 10 | 03-20 10:00       | minor             | closed 03-20 11:00, unsatisfied       | timely, 0 wd           |
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from complaintctl.cli.app import app
from complaintctl.domain.model import Event
from complaintctl.domain.timeutil import parse_time, to_epoch
from complaintctl.reports.code import floor_sql
from complaintctl.reports.figures import FIELDS, percent
from complaintctl.sla.milestones import milestones
from complaintctl.store.backend import open_ledger
from complaintctl.store.ledger import Ledger

pytestmark = pytest.mark.backends

AS_OF = "2026-04-10 12:00"
MONTH = ("report", "--month", "2026-03", "--as-of", AS_OF)


def _cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", str(db), *args])
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return str(result.stdout)


def _register(db: Path, at: str, severity: str, **options: str) -> int:
    values = {
        "channel": "电话",
        "name": "张三",
        "unit": "3-1-502",
        "phone": "13812345678",
        "description": "楼道灯不亮",
        **options,
    }
    args = ["register", "--severity", severity, "--at", at]
    for key, value in values.items():
        args += [f"--{key}", value]
    return int(json.loads(_cli(db, *args, "--json"))["id"])


def _link(db: Path, duplicate: int, main: int, at: str) -> None:
    """Mark a duplicate through the ledger API (the event the ``link`` command records)."""
    ledger = open_ledger(db)
    try:
        with ledger.write() as w:
            w.record(
                ledger.get(duplicate),
                Event("linked", duplicate, to_epoch(parse_time(at)), "王芳", {"main": main}),
            )
    finally:
        ledger.close()


def build_month(db: Path) -> None:
    c = _cli
    assert (
        _register(
            db,
            "2026-03-02 09:00",
            "minor",
            category="设施设备",
            location="3号楼电梯",
            nature="无责任投诉",
        )
        == 1
    )
    c(db, "assign", "1", "--department", "工程部", "--handler", "李工", "--at", "2026-03-02 09:30")
    c(db, "update", "1", "--contacted", "--at", "2026-03-02 10:00")
    c(db, "close", "1", "--resolution", "已修复", "--satisfied", "--at", "2026-03-05 15:00")

    assert (
        _register(
            db,
            "2026-03-09 10:00",
            "moderate",
            category="环境卫生",
            location="3号楼电梯",
            nature="有效投诉",
        )
        == 2
    )
    c(db, "update", "2", "--contacted", "--at", "2026-03-09 10:30")
    c(db, "assign", "2", "--department", "保洁部", "--handler", "赵六", "--at", "2026-03-09 11:00")
    c(db, "update", "2", "--plan", "清洗地面", "--at", "2026-03-09 15:00")
    c(db, "close", "2", "--resolution", "已清洗", "--at", "2026-03-18 10:00")
    c(db, "followup", "2", "--unsatisfied", "--at", "2026-03-19 10:00")
    c(db, "reopen", "2", "--reason", "仍有异味", "--at", "2026-03-20 10:00")
    c(db, "close", "2", "--resolution", "更换地漏", "--at", "2026-03-25 10:00")

    assert (
        _register(
            db,
            "2026-03-10 09:00",
            "major",
            category="设施设备",
            location="3号楼电梯",
            nature="有效投诉",
        )
        == 3
    )
    c(db, "update", "3", "--contacted", "--at", "2026-03-10 09:10")
    c(db, "assign", "3", "--department", "工程部", "--handler", "李工", "--at", "2026-03-10 10:00")
    c(db, "update", "3", "--plan", "更换电机", "--at", "2026-03-12 10:00")
    c(
        db,
        "update",
        "3",
        "--escalate",
        "业主多次来电",
        "--extend",
        "2wd",
        "--reason",
        "等待配件",
        "--approved-by",
        "经理",
        "--at",
        "2026-03-12 11:00",
    )
    c(db, "close", "3", "--resolution", "已更换电机", "--at", "2026-03-26 16:00")
    c(db, "followup", "3", "--satisfied", "--at", "2026-03-27 10:00")

    assert (
        _register(
            db,
            "2026-03-16 09:00",
            "minor",
            category="收费",
            location="物业服务中心",
            nature="有效投诉",
        )
        == 4
    )
    c(db, "assign", "4", "--department", "财务部", "--at", "2026-03-16 09:30")
    c(db, "close", "4", "--resolution", "已更正账单", "--at", "2026-03-20 10:00")
    c(db, "followup", "4", "--satisfied", "--at", "2026-03-21 10:00")

    assert (
        _register(
            db,
            "2026-03-18 14:00",
            "minor",
            category="绿化",
            location="2号楼花园",
            nature="协办事项",
        )
        == 5
    )
    c(db, "assign", "5", "--department", "绿化部", "--handler", "孙七", "--at", "2026-03-18 15:00")

    assert (
        _register(
            db,
            "2026-03-31 23:30",
            "major",
            category="安全秩序",
            location="地下车库",
            channel="网络",
        )
        == 6
    )
    c(db, "update", "6", "--contacted", "--at", "2026-03-31 23:40")
    c(
        db,
        "assign",
        "6",
        "--department",
        "秩序维护部",
        "--handler",
        "周八",
        "--at",
        "2026-04-01 09:00",
    )

    assert _register(db, "2026-04-01 00:10", "minor", category="设施设备") == 7
    assert _register(db, "2026-02-28 23:50", "minor", category="设施设备") == 8
    c(db, "close", "8", "--resolution", "已处理", "--satisfied", "--at", "2026-03-02 10:00")

    assert (
        _register(db, "2026-03-03 10:00", "minor", category="设施设备", location="3号楼电梯") == 9
    )
    _link(db, 9, 1, "2026-03-03 10:05")

    assert _register(db, "2026-03-20 10:00", "minor", category="服务态度", nature="过高要求") == 10
    c(db, "assign", "10", "--department", "客服部", "--handler", "王芳", "--at", "2026-03-20 10:10")
    c(db, "close", "10", "--resolution", "已解释", "--unsatisfied", "--at", "2026-03-20 11:00")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("report") / "built.db"
    build_month(db)
    return db


@pytest.fixture
def month(built: Path, db: Path) -> Path:
    """This test's ledger: a copy of the built month (on PostgreSQL by ``migrate --to``)."""
    if isinstance(db, str):
        _cli(built, "migrate", "--to", db)
        return db
    source, target = sqlite3.connect(built), sqlite3.connect(db)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return db


EXPECTED = {
    "period": "2026-03",
    "from": "2026-03-01",
    "to": "2026-03-31",
    "as_of": "2026-04-10T12:00:00+08:00",
    "received": 8,
    "duplicates": 1,
    "total": 7,
    "timely": 4,
    "late": 1,
    "overdue": 1,
    "pending": 1,
    "timely_rate": 66.7,
    "respond_met": 5,
    "respond_late": 1,
    "respond_breached": 1,
    "respond_pending": 0,
    "respond_rate": 71.4,
    "assign_met": 2,
    "assign_late": 1,
    "assign_breached": 0,
    "assign_pending": 0,
    "assign_rate": 66.7,
    "plan_met": 1,
    "plan_late": 1,
    "plan_breached": 1,
    "plan_pending": 0,
    "plan_rate": 33.3,
    "update_met": 0,
    "update_late": 2,
    "update_breached": 1,
    "update_pending": 0,
    "update_rate": 0.0,
    "resolved": 5,
    "followed_up": 4,
    "followup_rate": 80.0,
    "satisfied": 3,
    "unsatisfied": 1,
    "satisfaction_rate": 75.0,
    "ever_resolved": 5,
    "reopened": 1,
    "reopenings": 1,
    "reopen_rate": 20.0,
    "extended": 1,
    "extensions": 1,
    "escalated": 1,
    "escalated_manager": 1,
    "escalated_senior": 0,
    "nature_valid": 3,
    "nature_assist": 1,
    "nature_excessive": 1,
    "nature_no_fault": 1,
    "nature_unclassified": 1,
    "resolve_days_mean": 6.2,  # (3 + 12 + 12 + 4 + 0) / 5
    "resolve_days_p90": 12,  # nearest rank: the 5th of 5
}


def _top(
    value: str,
    total: int,
    share: float,
    timely: int = 0,
    late: int = 0,
    overdue: int = 0,
    pending: int = 0,
) -> dict[str, Any]:
    return {
        "value": value,
        "total": total,
        "share": share,
        "timely": timely,
        "late": late,
        "overdue": overdue,
        "pending": pending,
        "timely_rate": percent(timely, timely + late + overdue),
    }


TOP_CATEGORIES = [
    _top("设施设备", 2, 28.6, timely=2),
    _top("安全秩序", 1, 14.3, pending=1),  # ties by name (code point order)
    _top("收费", 1, 14.3, late=1),
    _top("服务态度", 1, 14.3, timely=1),
    _top("环境卫生", 1, 14.3, timely=1),
]
TOP_LOCATIONS = [
    _top("3号楼电梯", 3, 42.9, timely=3),
    _top("2号楼花园", 1, 14.3, overdue=1),
    _top("地下车库", 1, 14.3, pending=1),
    _top("物业服务中心", 1, 14.3, late=1),
]


def test_every_figure_of_the_month(run, month):
    data = run.json(*MONTH)
    assert {k: data[k] for k in EXPECTED} == EXPECTED
    assert data["breakdowns"] == {}
    assert data["top_categories"] == TOP_CATEGORIES
    assert data["top_locations"] == TOP_LOCATIONS
    assert set(FIELDS) <= set(data)


def _row(data: dict[str, Any], dim: str, value: str | None) -> dict[str, Any]:
    [row] = [r for r in data["breakdowns"][dim] if r["value"] == value]
    return row


def _pick(row: dict[str, Any], *keys: str) -> tuple[Any, ...]:
    return tuple(row[k] for k in keys)


OUTCOMES = (
    "received",
    "duplicates",
    "total",
    "timely",
    "late",
    "overdue",
    "pending",
    "timely_rate",
)


def test_breakdowns(run, month):
    data = run.json(
        *MONTH,
        "--by",
        "department",
        "--by",
        "severity,handler",
        "--by",
        "channel",
        "--by",
        "category",
    )
    assert list(data["breakdowns"]) == ["department", "severity", "handler", "channel", "category"]
    departments = data["breakdowns"]["department"]
    assert [(r["value"], r["label"]) for r in departments] == [
        ("工程部", "工程部"),
        ("保洁部", "保洁部"),
        ("客服部", "客服部"),
        ("秩序维护部", "秩序维护部"),
        ("绿化部", "绿化部"),
        ("财务部", "财务部"),
        (None, "未派单"),
    ]
    assert _pick(_row(data, "department", "工程部"), *OUTCOMES) == (2, 0, 2, 2, 0, 0, 0, 100.0)
    assert _pick(_row(data, "department", "财务部"), *OUTCOMES) == (1, 0, 1, 0, 1, 0, 0, 0.0)
    assert _pick(_row(data, "department", "绿化部"), *OUTCOMES) == (1, 0, 1, 0, 0, 1, 0, 0.0)
    assert _pick(_row(data, "department", "秩序维护部"), *OUTCOMES) == (1, 0, 1, 0, 0, 0, 1, None)
    # the linked duplicate was never assigned: received and counted as a duplicate only
    assert _pick(_row(data, "department", None), *OUTCOMES) == (1, 1, 0, 0, 0, 0, 0, None)
    engineering = _row(data, "department", "工程部")
    assert _pick(
        engineering,
        "resolve_days_mean",
        "resolve_days_p90",
        "followup_rate",
        "satisfaction_rate",
        "extended",
        "escalated",
    ) == (7.5, 12, 100.0, 100.0, 1, 1)

    severities = data["breakdowns"]["severity"]
    assert [r["value"] for r in severities] == ["minor", "moderate", "major"]
    assert _pick(_row(data, "severity", "minor"), *OUTCOMES) == (5, 1, 4, 2, 1, 1, 0, 50.0)
    assert _pick(_row(data, "severity", "moderate"), *OUTCOMES) == (1, 0, 1, 1, 0, 0, 0, 100.0)
    assert _pick(_row(data, "severity", "major"), *OUTCOMES) == (2, 0, 2, 1, 0, 0, 1, 100.0)
    moderate = _row(data, "severity", "moderate")
    assert _pick(moderate, "reopened", "reopen_rate", "followed_up", "followup_rate") == (
        1,
        100.0,
        0,
        0.0,
    )

    assert _pick(_row(data, "handler", "李工"), *OUTCOMES) == (2, 0, 2, 2, 0, 0, 0, 100.0)
    assert _pick(_row(data, "handler", None), *OUTCOMES) == (2, 1, 1, 0, 1, 0, 0, 0.0)
    assert [r["value"] for r in data["breakdowns"]["channel"]] == ["phone", "online"]
    assert _pick(_row(data, "channel", "phone"), *OUTCOMES) == (7, 1, 6, 4, 1, 1, 0, 66.7)
    assert _pick(_row(data, "channel", "online"), *OUTCOMES) == (1, 0, 1, 0, 0, 0, 1, None)
    assert _pick(_row(data, "category", "设施设备"), *OUTCOMES) == (3, 1, 2, 2, 0, 0, 0, 100.0)
    # every breakdown adds up to the whole month
    for rows in data["breakdowns"].values():
        for key in ("received", "total", "timely", "resolved", "followed_up", "extensions"):
            assert sum(r[key] for r in rows) == data[key]


def test_figures_agree_with_show_for_every_milestone(run, month):
    """The SQL state code gives the same milestone states as ``show`` (milestones.py)."""
    ledger = open_ledger(month)
    as_of = to_epoch(parse_time(AS_OF))
    states: Counter[str] = Counter()
    for cid in (1, 2, 3, 4, 5, 6, 10):
        c = ledger.get(cid)
        for m in milestones(c, ledger.policy(c.policy_version), as_of):
            state = "pending" if m.state == "due_soon" else m.state
            states[f"{m.name}_{state}"] += 1
    ledger.close()
    data = run.json(*MONTH)
    for m in ("respond", "assign", "plan", "update"):
        for s in ("met", "late", "breached", "pending"):
            assert data[f"{m}_{s}"] == states[f"{m}_{s}"], (m, s)
    assert (data["timely"], data["late"], data["overdue"], data["pending"]) == (
        states["resolve_met"],
        states["resolve_late"],
        states["resolve_breached"],
        states["resolve_pending"],
    )


def test_month_boundaries_by_local_date(run, month):
    april = run.json("report", "--month", "2026-04", "--as-of", AS_OF)
    assert _pick(april, *OUTCOMES) == (1, 0, 1, 0, 0, 1, 0, 0.0)  # #7, received 00:10 on 1 April
    february = run.json("report", "--month", "2026-02", "--as-of", AS_OF)
    assert _pick(february, *OUTCOMES) == (1, 0, 1, 1, 0, 0, 0, 100.0)
    assert (february["resolve_days_mean"], february["resolve_days_p90"]) == (1.0, 1)
    # --from/--to: local dates, --to inclusive
    span = run.json("report", "--from", "2026-03-31", "--to", "2026-04-01", "--as-of", AS_OF)
    assert (span["period"], span["from"], span["to"]) == (
        "2026-03-31..2026-04-01",
        "2026-03-31",
        "2026-04-01",
    )
    assert _pick(span, *OUTCOMES) == (2, 0, 2, 0, 0, 1, 1, 0.0)
    one_day = run.json("report", "--from", "2026-03-31", "--to", "2026-03-31", "--as-of", AS_OF)
    assert (one_day["received"], one_day["pending"]) == (1, 1)


@pytest.mark.parametrize("few", [50_000, 0], ids=["later-events-by-index", "period-checked"])
def test_the_report_is_reproducible_as_of_a_moment(run, month, monkeypatch, few):
    monkeypatch.setattr("complaintctl.reports.asof.FEW", few)
    before = run.ok(*MONTH, "--json", "--by", "department")
    # things done after the report time must not change it
    run.ok("close", "5", "--resolution", "已修剪", "--at", "2026-04-15 10:00")
    run.ok(
        "update",
        "6",
        "--extend",
        "5wd",
        "--reason",
        "外单位配合",
        "--approved-by",
        "经理",
        "--at",
        "2026-04-13 09:00",
    )
    _link(month, 10, 4, "2026-04-14 09:00")
    run.ok(
        "register",
        "--channel",
        "电话",
        "--name",
        "钱九",
        "--unit",
        "5-1-101",
        "--phone",
        "13900000000",
        "--description",
        "噪音",
        "--at",
        "2026-04-12 09:00",
    )
    assert run.ok(*MONTH, "--json", "--by", "department") == before
    # ... but a later report time sees them
    later = run.json("report", "--month", "2026-03", "--as-of", "2026-04-20 12:00")
    assert _pick(later, *OUTCOMES) == (8, 2, 6, 3, 2, 0, 1, 60.0)
    assert later["extensions"] == 2


def test_as_of_inside_the_month(run, month):
    """On 03-18 12:00: #5, #6 and #10 were not yet received; #2 was open and overdue
    (due 03-16 24:00), #3 and #4 still pending, #9 already linked."""
    data = run.json("report", "--month", "2026-03", "--as-of", "2026-03-18 09:00")
    assert _pick(data, *OUTCOMES) == (5, 1, 4, 1, 0, 1, 2, 50.0)
    assert (data["resolved"], data["followed_up"], data["reopened"], data["extended"]) == (
        1,
        1,
        0,
        1,
    )


def test_screen_report_in_chinese_and_english(run, month):
    out = run.ok(*MONTH, "--by", "severity")
    assert out.startswith("投诉处理报表 2026-03（统计截至 2026-04-10 12:00）\n")
    lines = out.splitlines()
    assert "处理及时率%  66.7" in lines
    assert "计入件数     7" in lines
    assert any(line.split() == ["处理完成", "4", "1", "1", "1", "66.7"] for line in lines)
    assert any(
        line.split() == ["1", "3号楼电梯", "3", "42.9", "3", "0", "0", "0", "100.0"]
        for line in lines
    )
    assert any(line.split()[:7] == ["轻微", "4", "2", "1", "1", "0", "50.0"] for line in lines)
    en = run.ok("--lang", "en", *MONTH)
    assert en.startswith("Complaint report 2026-03 (as of 2026-04-10 12:00)\n")
    assert "Timely rate %  66.7" in en.splitlines()


def _csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_has_a_bom_and_the_same_numbers(run, month, tmp_path):
    data = run.json(*MONTH, "--by", "department")
    text = run.ok(*MONTH, "--by", "department", "--format", "csv")
    rows = _csv(text)
    summary = rows[0]
    assert (summary["部分"], summary["维度"], summary["取值"]) == ("汇总", "", "")
    from complaintctl.reports.figures import label

    for key in FIELDS:
        cell = summary[label(key, "zh")]
        assert cell == ("" if data[key] is None else str(data[key])), key
    engineering = next(r for r in rows if r["取值"] == "工程部")
    assert (engineering["部分"], engineering["维度"], engineering["处理及时率%"]) == (
        "分项",
        "部门",
        "100.0",
    )
    tops = [(r["维度"], r["取值"], r["计入件数"], r["占比%"]) for r in rows if r["部分"] == "排名"]
    assert tops[0] == ("类别", "设施设备", "2", "28.6")
    assert tops[5] == ("位置", "3号楼电梯", "3", "42.9")
    # to a file: what stdout shows (CliRunner turns the CSV's CRLF line ends into LF)
    target = tmp_path / "march.csv"
    assert run.ok(*MONTH, "--by", "department", "--output", str(target)) == f"已写入 {target}\n"
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf\xe9\x83\xa8\xe5\x88\x86,")  # BOM, then 部分
    assert raw.endswith(b"\r\n")
    assert raw.decode("utf-8").replace("\r\n", "\n") == text
    english = _csv(run.ok("--lang", "en", *MONTH, "--format", "csv"))
    assert english[0]["Timely rate %"] == "66.7"


def test_xlsx_reads_back_with_the_same_figures(run, month, tmp_path):
    data = run.json(*MONTH, "--by", "severity", "--by", "department")
    target = tmp_path / "march.xlsx"
    assert run.ok(*MONTH, "--by", "severity", "--output", str(target)) == f"已写入 {target}\n"
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["汇总", "按级别", "按部门", "排名", "明细"]
    from complaintctl.reports.figures import label

    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary == {label(k, "zh"): _cell(k, data[k]) for k in FIELDS}
    sheet = book["按部门"]  # one column per department, one row per figure
    header, *body = list(sheet.iter_rows(min_row=2, values_only=True))
    departments = data["breakdowns"]["department"]
    assert header == ("部门", *(r["label"] for r in departments))
    assert [r[0] for r in body] == [label(k, "zh") for k in FIELDS]
    for k, r in zip(FIELDS, body, strict=True):
        assert list(r[1:]) == [_cell(k, d[k]) for d in departments]
    assert len(book["汇总"]._charts) == 1  # 及时率 by department
    severity = next(book["按级别"].iter_rows(min_row=2, max_row=2, values_only=True))
    assert severity == ("级别", "轻微", "中度", "重大")
    tops = list(book["排名"].iter_rows(min_row=3, values_only=True))
    assert tops[0] == ("类别", "设施设备", 2, 0.286, 2, 0, 0, 0, 1)
    details = list(book["明细"].iter_rows(min_row=2, values_only=True))
    assert details[0][:5] == ("编号", "受理时间", "房号/铺位", "投诉人", "电话")
    by_id = {r[0]: r for r in details[1:]}
    assert sorted(by_id) == [1, 2, 3, 4, 5, 6, 9, 10]
    assert by_id[6][1:5] == (datetime(2026, 3, 31, 23, 30), "3-1-502", "张*", "138****5678")
    outcome = details[0].index("及时性")
    assert Counter(r[outcome] for r in details[1:]) == Counter(
        {"及时处理": 4, "超时完成": 1, "逾期未完成": 1, "未到期": 1, "重复投诉": 1}
    )
    days = details[0].index("办结工作日")
    assert [by_id[i][days] for i in (1, 2, 3, 4, 5, 10)] == [3, 12, 12, 4, None, 0]
    cells = {str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row}
    assert not any("13812345678" in v or "张三" in v for v in cells)


def _cell(key: str, value: Any) -> Any:
    """A figure as the workbook holds it: a rate as a fraction (shown 0.0%)."""
    return round(value / 100, 4) if key.endswith("_rate") and value is not None else value


def test_trend_of_the_last_months(run, month, tmp_path):
    data = run.json("report", "--months", "3", "--month", "2026-04", "--as-of", AS_OF)
    assert data["period"] == "2026-02..2026-04"
    assert data["months"] == [
        {
            "month": "2026-02",
            "total": 1,
            "timely": 1,
            "late": 0,
            "overdue": 0,
            "pending": 0,
            "timely_rate": 100.0,
            "resolved": 1,
            "followed_up": 1,
            "satisfied": 1,
            "satisfaction_rate": 100.0,
        },
        {
            "month": "2026-03",
            "total": 7,
            "timely": 4,
            "late": 1,
            "overdue": 1,
            "pending": 1,
            "timely_rate": 66.7,
            "resolved": 5,
            "followed_up": 4,
            "satisfied": 3,
            "satisfaction_rate": 75.0,
        },
        {
            "month": "2026-04",
            "total": 1,
            "timely": 0,
            "late": 0,
            "overdue": 1,
            "pending": 0,
            "timely_rate": 0.0,
            "resolved": 0,
            "followed_up": 0,
            "satisfied": 0,
            "satisfaction_rate": None,
        },
    ]
    out = run.ok("report", "--months", "6", "--month", "2026-04", "--as-of", AS_OF)
    lines = out.splitlines()
    assert lines[0] == "月度趋势 2025-11..2026-04（统计截至 2026-04-10 12:00）"
    assert lines[1].split() == [
        "月份",
        "计入件数",
        "及时处理",
        "超时完成",
        "逾期未完成",
        "未到期",
        "处理及时率%",
        "已办结",
        "已回访",
        "满意",
        "满意率%",
    ]
    assert lines[2].split() == ["2025-11", "0", "0", "0", "0", "0", "-", "0", "0", "0", "-"]
    assert lines[6].split() == ["2026-03", "7", "4", "1", "1", "1", "66.7", "5", "4", "3", "75.0"]
    rows = _csv(
        run.ok("report", "--months", "3", "--month", "2026-04", "--as-of", AS_OF, "--format", "csv")
    )
    assert [(r["月份"], r["处理及时率%"], r["满意率%"]) for r in rows] == [
        ("2026-02", "100.0", "100.0"),
        ("2026-03", "66.7", "75.0"),
        ("2026-04", "0.0", ""),
    ]
    target = tmp_path / "trend.xlsx"
    run.ok("report", "--months", "3", "--month", "2026-04", "--as-of", AS_OF, "-o", str(target))
    sheet = openpyxl.load_workbook(target)["趋势"]
    body = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[6], r[10]) for r in body] == [
        ("2026-02", 1, 1),
        ("2026-03", 0.667, 0.75),
        ("2026-04", 0, None),
    ]
    assert len(sheet._charts) == 1


def test_floor_sql_gives_the_same_resolve_counts(run, month):
    data = run.json(*MONTH)
    ledger = open_ledger(month)
    counts = floor_sql(ledger.conn, "2026-03", to_epoch(parse_time(AS_OF)))
    ledger.close()
    assert counts == {k: data[k] for k in ("total", "timely", "late", "overdue", "pending")}


def test_an_empty_month(run):
    data = run.json("report", "--month", "2026-01", "--as-of", AS_OF, "--by", "department")
    assert (data["received"], data["total"], data["timely_rate"], data["followup_rate"]) == (
        0,
        0,
        None,
        None,
    )
    assert data["breakdowns"] == {"department": []}
    assert (data["resolve_days_mean"], data["resolve_days_p90"]) == (None, None)
    assert data["top_categories"] == [] and data["top_locations"] == []
    out = run.ok("report", "--month", "2026-01", "--as-of", AS_OF, "--by", "department")
    assert "处理及时率%  -" in out.splitlines()
    assert out.rstrip().endswith("按部门：无")


def test_percent_rounds_half_up_exactly():
    assert percent(1, 8) == 12.5
    assert percent(1, 3) == 33.3
    assert percent(2, 3) == 66.7
    assert percent(1, 16) == 6.3  # 6.25 -> 6.3 (half up; round() would give 6.2)
    assert percent(7, 7) == 100.0
    assert percent(0, 5) == 0.0
    assert percent(0, 0) is None


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--month", "2026-13"),
            "complaintctl: --month: no such month '2026-13'; use YYYY-MM, e.g. 2026-03",
        ),
        (
            ("--month", "March"),
            "complaintctl: --month: no such month 'March'; use YYYY-MM, e.g. 2026-03",
        ),
        (
            ("--by", "foo"),
            "complaintctl: --by: unknown dimension 'foo' "
            "(accepted: severity, category, department, handler, channel, kind, site)",
        ),
        (
            ("--format", "xlsx"),
            "complaintctl: --output: --format xlsx writes a file; give --output FILE.xlsx",
        ),
        (
            ("--format", "pdf"),
            "complaintctl: --format: unknown format 'pdf' (accepted: table, json, csv, xlsx, html)",
        ),
        (
            ("--output", "r.txt"),
            "complaintctl: --output: cannot tell the format of 'r.txt'; "
            "add --format json, csv, xlsx or html",
        ),
        (("--json", "--format", "csv"), "complaintctl: --json: conflicts with --format csv"),
        (
            ("--month", "2026-03", "--from", "2026-03-01"),
            "complaintctl: --month: give either --month or --from/--to, not both",
        ),
        (("--from", "2026-03-01"), "complaintctl: --to: --from and --to go together"),
        (
            ("--from", "2026-03-10", "--to", "2026-03-01"),
            "complaintctl: --to: 2026-03-01 is before --from 2026-03-10",
        ),
        (
            ("--from", "2026-02-30", "--to", "2026-03-01"),
            "complaintctl: --from: no such date '2026-02-30'",
        ),
        (
            ("--as-of", "2099-01-01"),
            "complaintctl: --as-of: 2098-12-31 24:00 is in the future; "
            "a step is recorded when it happened",
        ),
        (("--months", "0"), "complaintctl: --months: must be 1..120, got 0"),
        (
            ("--months", "3", "--by", "severity"),
            "complaintctl: --by: not with --months (the trend has no breakdowns)",
        ),
        (("--top", "0"), "complaintctl: --top: must be 1..100, got 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run, db, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run("report", *args)
    assert result.exit_code == 2, result.stdout
    assert result.stderr == message + "\n"
    assert result.stdout == ""
    if isinstance(db, Path):  # nothing written, not even an empty ledger
        assert not db.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_unwritable_output_is_one_line(run, month, tmp_path):
    target = tmp_path / "missing" / "r.csv"
    result = run(*MONTH, "--output", str(target))
    assert result.exit_code == 2
    assert result.stderr == f"complaintctl: --output: folder {target.parent} does not exist\n"


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.sqlite_only("the ledger's file and its -wal")
def test_output_never_overwrites_the_ledger(run, month, db):
    before = db.read_bytes()
    for target in (db, db.with_name(db.name + "-wal")):
        result = run(*MONTH, "--format", "csv", "--output", str(target))
        assert result.exit_code == 2
        assert result.stderr == (
            f"complaintctl: --output: {target} is the ledger itself; choose another file\n"
        )
    assert db.read_bytes() == before


# -- a randomised month against a reference written from docs/report.md ----------------------
def _reference(ledger: Ledger, first: str, last: str, as_of: int) -> dict[str, Any]:
    """Every count of docs/report.md, complaint by complaint: each complaint's events folded
    up to ``as_of`` with ``model.apply``, milestone states from ``milestones`` (as ``show``)."""
    from datetime import date

    from complaintctl.domain.model import apply

    cal = ledger.calendar()
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    out: Counter[str] = Counter()
    days: list[int] = []
    for cid in [r[0] for r in ledger.query("SELECT id FROM complaints ORDER BY id")]:
        state = None
        for e in ledger.events(cid):
            if e.at <= as_of:
                state = apply(state, e)
        if state is None:
            continue
        received = parse_time(_iso_local(state.received_at)).date()
        if not start <= received <= end:
            continue
        out["received"] += 1
        if state.duplicate_of is not None:
            out["duplicates"] += 1
            continue
        out["total"] += 1
        ms = {m.name: m for m in milestones(state, ledger.policy(state.policy_version), as_of)}
        for m in ms.values():
            s = "pending" if m.state == "due_soon" else m.state
            if m.name == "resolve":
                s = {"met": "timely", "breached": "overdue"}.get(s, s)
                out[s] += 1
            else:
                out[f"{m.name}_{s}"] += 1
        if state.resolve_done is not None:
            out["resolved"] += 1
            done = parse_time(_iso_local(state.resolve_done)).date()
            days.append(cal.working_days_between(received, done))
        if state.satisfaction is not None:
            out["followed_up"] += 1
            out[f"level_{state.satisfaction}"] += 1
            favourable = state.satisfaction in (
                "very_satisfied",
                "satisfied",
                "basically_satisfied",
            )
            out["satisfied" if favourable else "unsatisfied"] += 1
        if state.reopen_count:
            out["reopened"] += 1
            out["reopenings"] += state.reopen_count
        if state.resolve_done is not None or state.reopen_count:
            out["ever_resolved"] += 1
        if state.extension_count:
            out["extended"] += 1
            out["extensions"] += state.extension_count
        if state.escalation_level:
            out["escalated"] += 1
            out[f"escalated_{state.escalation_level}"] += 1
        out[f"nature_{state.nature or 'unclassified'}"] += 1
    result: dict[str, Any] = dict(out)
    result["days"] = sorted(days)
    return result


def _iso_local(epoch: int) -> str:
    from complaintctl.domain.timeutil import from_epoch, iso

    return iso(from_epoch(epoch))


def _random_ledger(ledger: Ledger, seed: int) -> None:
    import random
    from datetime import datetime, timedelta

    from complaintctl.domain.errors import ComplaintError
    from complaintctl.domain.timeutil import CST
    from complaintctl.workflow import steps as workflow
    from complaintctl.workflow.actor import Actor

    rng = random.Random(seed)
    policy = ledger.policy()
    base = datetime(2026, 2, 27, tzinfo=CST)
    for _ in range(70):
        at = base + timedelta(minutes=rng.randrange(0, 36 * 24 * 60))
        c = workflow.register(
            ledger,
            Actor("王芳", at),
            channel=rng.choice(["电话", "网络", "信函", "来访"]),
            name="张三",
            unit=f"{rng.randint(1, 9)}-1-{rng.randint(101, 120)}",
            phone_number="13812345678",
            description="测试",
            category_name=rng.choice([None, *policy.categories[:4]]),
            severity=rng.choice([None, "minor", "moderate", "major"]),
            location=rng.choice([None, "1号楼", "2号楼", "车库"]),
            nature=rng.choice([None, "valid", "assist", "excessive", "no_fault"]),
        )
        for _ in range(rng.randint(0, 9)):
            at += timedelta(minutes=rng.randrange(10, 4 * 24 * 60))
            who = Actor("王芳", at)
            step = rng.choice(
                [
                    "assign",
                    "contact",
                    "plan",
                    "note",
                    "extend",
                    "escalate",
                    "close",
                    "close",
                    "followup",
                    "reopen",
                    "classify",
                    "link",
                ]
            )
            try:
                if step == "assign":
                    workflow.assign(
                        ledger,
                        who,
                        c.id,
                        department_name=rng.choice(policy.departments[:3]),
                        handler=rng.choice([None, "李工", "赵六"]),
                    )
                elif step in ("contact", "plan", "note"):
                    workflow.update(
                        ledger,
                        who,
                        c.id,
                        contacted=step == "contact",
                        plan="方案" if step == "plan" else None,
                        note="进展" if step == "note" else None,
                    )
                elif step == "extend":
                    workflow.update(
                        ledger, who, c.id, extend_by="2wd", reason="等待", approved_by="经理"
                    )
                elif step == "escalate":
                    workflow.update(ledger, who, c.id, escalate="业主不满")
                elif step == "close":
                    workflow.close(
                        ledger,
                        who,
                        c.id,
                        resolution="已处理",
                        satisfied=rng.choice([None, True, False]),
                    )
                elif step == "followup":
                    if rng.random() < 0.5:  # two levels, or one of the five
                        workflow.followup(ledger, who, c.id, satisfied=rng.random() < 0.7)
                    else:
                        workflow.followup(ledger, who, c.id, level=rng.choice("54321"))
                elif step == "reopen":
                    workflow.reopen(ledger, who, c.id, reason="不满意")
                elif step == "classify":
                    workflow.classify(
                        ledger, who, c.id, severity=rng.choice(["minor", "moderate", "major"])
                    )
                elif step == "link" and c.id > 1:
                    with ledger.write() as w:
                        w.record(
                            ledger.get(c.id),
                            Event(
                                "linked", c.id, who.epoch, "王芳", {"main": rng.randrange(1, c.id)}
                            ),
                        )
                    break
            except ComplaintError:
                pass


@pytest.mark.parametrize(
    "moment", ["2026-03-10 12:00", "2026-03-31 23:59", "2026-04-03 18:00", "2026-06-30 12:00"]
)
def test_a_random_month_agrees_with_the_reference(db, moment):
    from datetime import date

    from complaintctl.reports.monthly import build_report, month_period, range_period

    ledger = open_ledger(db)
    _random_ledger(ledger, seed=6)
    as_of = to_epoch(parse_time(moment))
    for period, first, last in (
        (month_period("2026-03"), "2026-03-01", "2026-03-31"),
        (range_period(date(2026, 2, 28), date(2026, 3, 5)), "2026-02-28", "2026-03-05"),
    ):
        expected = _reference(ledger, first, last, as_of)
        report = build_report(ledger, period, as_of, ["department"])
        counts = report.summary.counts
        got = {k: getattr(counts, k) for k in FIELDS if hasattr(counts, k) and getattr(counts, k)}
        assert got == {k: v for k, v in expected.items() if k != "days" and v}
        assert sorted(report.summary.days.elements()) == expected["days"]
        assert sum(f.counts.total for f in report.breakdowns["department"]) == counts.total
    ledger.close()


# -- the fast paths' fallbacks (issue 8) -------------------------------------------------------
def test_a_comma_in_a_location_is_counted_all_the_same(run, month):
    """The top lists are counted from comma-separated token lists; a location holding a comma
    cannot be split there, so the report groups those rows in SQL instead: same figures."""
    _register(month, "2026-03-23 09:00", "minor", category="设施设备", location="1号楼,2单元")
    _cli(month, "close", "11", "--resolution", "已修复", "--at", "2026-03-24 10:00")  # due 03-26
    _register(month, "2026-03-24 09:00", "minor", category="设施设备", location="1号楼,2单元")
    data = run.json(*MONTH)  # #12 due 03-27 24:00: overdue on 04-10
    assert _pick(data, "total", "timely", "overdue", "timely_rate") == (9, 5, 2, 62.5)
    assert data["top_locations"] == [
        _top("3号楼电梯", 3, 33.3, timely=3),
        _top("1号楼,2单元", 2, 22.2, timely=1, overdue=1),
        _top("2号楼花园", 1, 11.1, overdue=1),
        _top("地下车库", 1, 11.1, pending=1),
        _top("物业服务中心", 1, 11.1, late=1),
    ]
    assert data["top_categories"][0] == _top("设施设备", 4, 44.4, timely=3, overdue=1)
    csv_rows = _csv(run.ok(*MONTH, "--format", "csv"))
    assert [r["取值"] for r in csv_rows if r["部分"] == "排名"][5:7] == ["3号楼电梯", "1号楼,2单元"]


def test_seven_or_more_reconsiderations_and_extensions(run, db):
    """复议 and 延期 counts ride in the state code up to 6; a complaint with more has them
    summed in SQL instead."""
    _register(db, "2026-03-02 09:00", "minor")
    _register(db, "2026-03-03 09:00", "minor")
    for day in range(3, 11):  # eight extensions of #1
        at = f"2026-03-{day:02d} 08:00"
        args = ("--reason", "等待配件", "--approved-by", "经理", "--at", at)
        _cli(db, "update", "1", "--extend", "1wd", *args)
    for day in range(3, 10):  # seven reconsiderations of #2, resolved again each time
        _cli(db, "close", "2", "--resolution", "已处理", "--at", f"2026-03-{day:02d} 10:00")
        _cli(db, "reopen", "2", "--reason", "仍未解决", "--at", f"2026-03-{day:02d} 11:00")
    _cli(db, "close", "2", "--resolution", "已处理", "--at", "2026-03-10 10:00")
    data = run.json("report", "--month", "2026-03", "--as-of", AS_OF, "--by", "severity")
    for row in (data, data["breakdowns"]["severity"][0]):
        assert _pick(row, "total", "reopened", "reopenings", "extended", "extensions") == (
            2,
            1,
            7,
            1,
            8,
        )
        assert (row["ever_resolved"], row["reopen_rate"]) == (1, 100.0)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("columns", ["160", "60"])
def test_the_screen_is_the_text_rich_draws(run, month, monkeypatch, lang, columns):
    """Off a terminal the report lays out its tables itself (no Rich import); the text is
    exactly what Rich gives, also where Rich must wrap (a narrow page) or read markup."""
    monkeypatch.setenv("COLUMNS", columns)
    cases = [
        ("--lang", lang, *MONTH, "--by", "severity,category,department,handler,channel"),
        ("--lang", lang, "report", "--month", "2026-02", "--as-of", AS_OF, "--by", "handler"),
        ("--lang", lang, "report", "--months", "3", "--month", "2026-04", "--as-of", AS_OF),
    ]

    def outputs(rich: bool) -> list[str]:
        with monkeypatch.context() as patch:
            if rich:
                patch.setattr("complaintctl.cli.report_cmd._plain", lambda blocks, width: None)
            return [run.ok(*args) for args in cases]

    assert outputs(rich=False) == outputs(rich=True)
    _register(month, "2026-03-25 09:00", "minor", category="绿化", location="[2]号楼\t东侧")
    ours = outputs(rich=False)
    assert ours == outputs(rich=True)
    assert "[2]号楼" in ours[0]


def test_the_screen_does_not_import_rich_tables(run, month):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from complaintctl.cli.app import app\n"
        f"sys.argv = ['complaintctl', '--db', {str(month)!r}, 'report', '--month', '2026-03']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m in ('rich.table', 'rich.console')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"
    assert "处理及时率%" in out.stdout


def test_top_list_tokens_that_cannot_be_read_back_are_refused():
    """_places reads the category/location tokens (a value; or char(state) + value when not
    timely) and refuses what it cannot read back exactly, for the SQL grouping to redo."""
    from complaintctl.reports.figures import Counts
    from complaintctl.reports.monthly import _places

    counts = Counts(total=3, timely=2, overdue=1)
    ok = _places(counts, b"A,\x03A,B", b"x,,\x03")
    # (the fifth state: not judged for want of a time, issue 16)
    assert ok == ({"A": [1, 0, 0, 1, 0], "B": [1, 0, 0, 0, 0]}, {"x": [1, 0, 0, 0, 0]})
    assert _places(counts, b"A,\x03A,B,C", b"x,,\x03") is None  # a comma inside a value
    assert _places(counts, b"\x02A,\x03A,B", b"x,,\x03") is None  # a timely value read as pending
    assert _places(Counts(total=1, timely=1), None, b"x") == ({}, {"x": [1, 0, 0, 0, 0]})
    judged = _places(Counts(total=2, timely=1, not_judged=1), b"A,\x04A", b"x,\x04")
    assert judged == ({"A": [1, 0, 0, 0, 1]}, {"x": [1, 0, 0, 0, 0]})  # no location: no entry
