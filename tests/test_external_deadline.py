"""Another system's ticket number and deadline (issue 16, items 5 and 6): a 12345 hotline's
办结时限 given as a duration (``3个工作日``) is counted on working days from the receipt, and
the ticket and deadline go round the export/import trip in every format."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

pytestmark = pytest.mark.backends

HEADER = [
    "工单编号",
    "来电时间",
    "诉求人",
    "联系电话",
    "事发地址",
    "诉求内容",
    "数据来源",
    "办结时限",
]
ROWS = [
    # Monday: 3 working days, our own resolve deadline exactly (unclassified: 3wd)
    ["GD001", "2026-03-02 08:15", "刘女士", "13800000001", "3栋", "垃圾堆放", "12345", "3个工作日"],
    # Friday 17:30: 24 hours, earlier than our 3 working days (Thursday 3-12 00:00)
    ["GD002", "2026-03-06 17:30", "陈先生", "13800000002", "5栋", "噪音扰民", "12345", "24小时"],
    # a date without the time: a clock deadline is not computed (none invented)
    ["GD003", "2026-03-09", "王先生", "13800000003", "7栋", "路灯不亮", "12345", "24小时"],
    # a moment, as before
    ["GD004", "2026-03-09 10:00", "赵女士", "13800000004", "9栋", "电梯停运", "12345",
     "2026-03-12 17:00"],
]  # fmt: skip


def hotline(path: Path, rows: list[list[str]] = ROWS) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows([HEADER, *rows])
    return path


@pytest.fixture
def imported(run, tmp_path):
    sheet = hotline(tmp_path / "12345工单.csv")
    run.ok("import", str(sheet), "--map", "事发地址=unit")
    return sheet


def test_a_deadline_given_as_working_days(run, imported):
    externals = [run.json("show", str(n))["external"] for n in range(1, 5)]
    assert externals == [
        {"ticket": "GD001", "due": "2026-03-06T00:00:00+08:00", "versus_resolve_due": "same",
         "limit": "3wd"},
        {"ticket": "GD002", "due": "2026-03-07T17:30:00+08:00", "versus_resolve_due": "earlier",
         "limit": "24h"},
        {"ticket": "GD003", "due": None, "versus_resolve_due": None, "limit": "24h"},
        {"ticket": "GD004", "due": "2026-03-12T17:00:00+08:00", "versus_resolve_due": "earlier"},
    ]  # fmt: skip
    shown = run.ok("show", "1").splitlines()
    assert any(
        line.split() == ["外部时限", "2026-03-05", "24:00（与本系统完成时限相同）"]
        for line in shown
    )
    three = run.ok("show", "3").splitlines()
    assert any(line.split() == ["外部时限", "24h（受理时间不详，未计算）"] for line in three)


def test_a_deadline_neither_a_moment_nor_a_duration_is_a_bad_row(run, tmp_path):
    sheet = hotline(tmp_path / "bad.csv", [[*ROWS[0][:7], "三天内"]])
    result = run("import", str(sheet), "--map", "事发地址=unit")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "bad.csv:第 2 行：列「办结时限」“三天内”：无法把“三天内”读作日期；请写成如 2026-03-05 14:30；"
        "也可写时长，如 3个工作日、5天、24小时"
    )


@pytest.mark.parametrize("form", ["台账.csv", "ledger.xlsx", "l.jsonl"])
def test_ticket_and_deadline_go_round_the_trip(run, imported, tmp_path, form):
    out = tmp_path / form
    run.ok("export", "--with-personal-data", "-o", str(out))
    copy = ["--db", str(tmp_path / "copy.db")]
    result = run(*copy, "import", str(out))
    assert result.exit_code == 0, result.stderr

    def seen(*db: str) -> list[object]:
        shown = [run.json(*db, "show", str(n)) for n in range(1, 5)]
        for item in shown:
            del item["events"]
        return shown

    assert seen(*copy) == seen()
    assert run(*copy, "verify").exit_code == 0


def test_the_export_has_the_columns(run, imported):
    lines = run.ok("export", "--with-personal-data").lstrip("\ufeff").splitlines()
    header = lines[0].split(",")
    at = header.index("工单编号")
    assert header[at + 1] == "办结时限"
    assert [line.split(",")[at : at + 2] for line in lines[1:]] == [
        ["GD001", "3wd"], ["GD002", "24h"], ["GD003", "24h"], ["GD004", "2026-03-12 17:00"],
    ]  # fmt: skip
