"""The registers offices actually keep (issue 16): a merged title and a two-row header, a
GB18030 CSV with title and footer rows, a duty book of one sheet per month with a cover and
dates without a year, a 12345 hotline export with masked phones; and the pieces (dates as
people write them, footers, two-row headers, years in titles) as pure functions."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaintctl.domain.messages import Msg, render
from complaintctl.transfer import layout
from complaintctl.transfer.sheets import Bad, clock, field_for, when

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL

AS_OF = "2026-04-20 12:00"


def due(shown: dict[str, Any]) -> dict[str, tuple[str, str | None, str]]:
    return {m["name"]: (m["due_at"], m["done_at"], m["state"]) for m in shown["milestones"]}


# -- 《客户投诉处理登记表》: merged title, a two-row header grouping 投诉 and 回访 ----------------
def complaint_register(path: Path) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "登记表"
    ws.append(["客户投诉处理登记表（2026年3月）"])
    ws.merge_cells("A1:K1")
    ws.append(["序号", "房号", "投诉人", "联系电话", "投诉", None, None, "处理部门", "处理结果",
               "回访", None])  # fmt: skip
    ws.append([None, None, None, None, "日期", "时间", "内容", None, None, "时间", "结果"])
    for column in "ABCDHI":
        ws.merge_cells(f"{column}2:{column}3")
    ws.merge_cells("E2:G2")
    ws.merge_cells("J2:K2")
    ws.append([1, "3-1-502", "张三", "13812345678", date(2026, 3, 2), "9时00分", "楼道灯不亮",
               "工程部", "已更换灯管", datetime(2026, 3, 4, 10, 0), "满意"])  # fmt: skip
    ws.append([2, "A-101", "李四", "", date(2026, 3, 5), "14:30", "电梯异响", "工程部", None,
               None, None])  # fmt: skip
    ws.append([None] * 11)
    ws.append(["合计", "2 件", None, None, None, None, None, None, None, None, None])
    ws.append(["制表人：王芳", None, None, None, "审核人：赵敏", None, None, None, "日期："])
    for cell in ws["E"][3:5]:
        cell.number_format = "yyyy/m/d"
    ws["J4"].number_format = "yyyy/m/d h:mm"
    book.save(path)
    return path


def test_a_merged_title_and_a_two_row_header(run, tmp_path):
    path = complaint_register(tmp_path / "客户投诉处理登记表.xlsx")
    result = run("import", str(path), "--json", "--dry-run")
    # row 4 has a resolution but no completion time: handled at an unknown time (issue 16)
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["skipped"] == {"title_rows": 1, "footer_rows": 2, "blank_rows": 1, "sheets": []}
    assert (out["header_row"], out["rows"], out["imported"], out["to_import"]) == (3, 2, 0, 2)
    assert (out["bad_rows"], out["handled_time_unknown"], out["received_time_unknown"]) == (
        [], 1, 0,
    )  # fmt: skip
    # --map reaches a grouped column by its group/sub name
    assert run.ok("import", str(path), "--map", "回访/时间=resolved_at") == (
        "已从 客户投诉处理登记表.xlsx [登记表] 导入 2 条投诉（#1–#2）；0 条已存在；跳过 1 行标题；"
        "跳过 2 行表尾（合计、注、制表人等）；跳过 1 行空行\n"
    )
    one = run.json("show", "1", "--as-of", AS_OF)
    assert (one["received_at"], one["resolved_at"], one["status"], one["satisfaction"]) == (
        "2026-03-02T09:00:00+08:00", "2026-03-04T10:00:00+08:00", "closed", "satisfied",
    )  # fmt: skip
    two = run.json("show", "2", "--as-of", AS_OF)
    assert (two["unit"], two["received_at"], two["description"], two["status"]) == (
        "A-101", "2026-03-05T14:30:00+08:00", "电梯异响", "assigned",
    )  # fmt: skip


def test_the_two_row_header_names_its_columns(run, tmp_path):
    """With the completion time in its own column the whole register imports."""
    path = complaint_register(tmp_path / "登记表.xlsx")
    book = openpyxl.load_workbook(path)
    ws = book.active
    ws["L2"], ws["L3"] = "完成时间", None
    ws["L4"] = "2026-03-03 16:00"
    book.save(path)
    assert run.ok("import", str(path)) == (
        "已从 登记表.xlsx [登记表] 导入 2 条投诉（#1–#2）；0 条已存在；跳过 1 行标题；"
        "跳过 2 行表尾（合计、注、制表人等）；跳过 1 行空行\n"
    )
    one = run.json("show", "1", "--as-of", AS_OF)
    assert (one["received_at"], one["resolved_at"], one["followed_up_at"]) == (
        "2026-03-02T09:00:00+08:00", "2026-03-03T16:00:00+08:00", "2026-03-04T10:00:00+08:00",
    )  # fmt: skip
    assert (one["status"], one["satisfaction"], one["name"]) == ("closed", "satisfied", "张三")
    assert due(one)["resolve"] == (
        "2026-03-06T00:00:00+08:00", "2026-03-03T16:00:00+08:00", "met",
    )  # fmt: skip


# -- a GB18030 CSV with a title line and footer rows ------------------------------------------
def test_gb18030_csv_with_title_and_footers(run, tmp_path):
    rows = [
        ["投诉记录表", "", "", "", ""],
        ["填表日期：2026年4月1日", "", "", "", ""],
        ["投诉日期", "投诉时间", "住址", "事由", "处理情况"],
        ["2026年3月3日17时10分", "", "5-501", "夜间噪音", ""],
        ["2026.3.5", "14点30分", "6-602", "垃圾未清", ""],
        ["", "", "", "", ""],
        ["合计", "2", "", "", ""],
        ["注：本表每月报客服中心", "", "", "", ""],
        ["制表人", "王芳", "审核人", "赵敏", ""],
    ]
    path = tmp_path / "三月投诉.csv"
    with path.open("w", encoding="gb18030", newline="") as out:
        csv.writer(out).writerows(rows)
    assert run.ok("--lang", "en", "import", str(path)) == (
        "imported 2 complaints (#1-#2) from 三月投诉.csv; 0 already present; skipped 2 title "
        "rows; skipped 3 footer rows; skipped 1 blank row\n"
    )
    one, two = run.json("show", "1"), run.json("show", "2")
    assert (one["received_at"], one["unit"], one["description"]) == (
        "2026-03-03T17:10:00+08:00", "5-501", "夜间噪音",
    )  # fmt: skip
    assert (two["received_at"], two["unit"]) == ("2026-03-05T14:30:00+08:00", "6-602")


# -- a duty book: a cover, one sheet per month, dates without a year ------------------------
def duty_book(path: Path, title: str = "客服中心值班记录本（2026年）") -> Path:
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "封面"
    cover.append([title])
    cover.append(["物业服务中心客服部"])
    for month, rows in (
        ("3月", [["3月5日", "14时30分", "7-701", "停车位被占", "秩序维护部", "已协调挪车",
                  "3月5日16时00分"]]),
        ("4月", [["4/1", "9:05", "8-801", "水压低", "工程部", "", ""],
                 ["4.2", "10:00", "8-802", "门禁卡失灵", "", "", ""]]),
    ):  # fmt: skip
        ws = book.create_sheet(month)
        ws.append([f"{month}值班记录"])
        ws.append(["日期", "时间", "房号", "事项", "处理部门", "处理结果", "完成时间"])
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def test_a_duty_book_with_a_cover_and_dates_without_a_year(run, tmp_path):
    path = duty_book(tmp_path / "值班记录本.xlsx")
    result = run("import", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "值班记录本.xlsx [3月]:第 3 行：列「日期」“3月5日”：“3月5日”没有年份；请用 --year 给出"
        "（如 --year 2026），或在工作表名或标题中写明年份（2026年3月）；列「完成时间」"
        "“3月5日16时00分”：“3月5日16时00分”没有年份；请用 --year 给出（如 --year 2026），"
        "或在工作表名或标题中写明年份（2026年3月）"
    )
    assert run.ok("import", str(path), "--year", "2026") == (
        "已从 值班记录本.xlsx 导入 3 条投诉（#1–#3）；0 条已存在；跳过 2 行标题；跳过工作表 封面（无表头）\n"
    )
    shown = [run.json("show", str(n), "--as-of", AS_OF) for n in (1, 2, 3)]
    assert [(s["received_at"], s["status"], s["unit"]) for s in shown] == [
        ("2026-03-05T14:30:00+08:00", "resolved", "7-701"),
        ("2026-04-01T09:05:00+08:00", "assigned", "8-801"),
        ("2026-04-02T10:00:00+08:00", "registered", "8-802"),
    ]
    assert shown[0]["resolved_at"] == "2026-03-05T16:00:00+08:00"
    assert due(shown[2]) == {
        "respond": ("2026-04-03T10:00:00+08:00", None, "breached"),
        # 3 working days: Apr 3, then 4–6 清明 off, 7 and 8
        "resolve": ("2026-04-09T00:00:00+08:00", None, "breached"),
    }


def test_the_year_from_the_sheet_name(run, tmp_path):
    path = tmp_path / "值班.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "2026.03"
    ws.append(["日期", "时间", "房号", "事项"])
    ws.append(["3月5日", "14时30分", "7-701", "停车位被占"])
    book.save(path)
    run.ok("import", str(path))
    assert run.json("show", "1")["received_at"] == "2026-03-05T14:30:00+08:00"


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_no_sheet_with_a_header_names_each_sheet(run, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "封面"
    book.active.append(["客服中心值班记录本"])
    other = book.create_sheet("说明")
    other.append(["填写说明", "每日交班前填写"])
    book.save(tmp_path / "空本.xlsx")
    result = run("import", str(tmp_path / "空本.xlsx"))
    assert result.exit_code == 2
    assert result.stderr == (
        "complaintctl: FILE: 空本.xlsx: no sheet has a header row: [封面] no header row in the "
        "first 20 rows (looked for e.g. 投诉日期, 房号, 投诉内容; found '客服中心值班记录本'); use "
        "--map 'COLUMN=field' to name the columns; [说明] no header row in the first 20 rows "
        "(looked for e.g. 投诉日期, 房号, 投诉内容; found '填写说明', '每日交班前填写'); use --map "
        "'COLUMN=field' to name the columns\n"
    )


# -- a 12345 hotline export: its headers, masked phones -------------------------------------
def test_a_hotline_export_with_masked_phones(run, tmp_path):
    rows = [
        ["工单编号", "来电时间", "诉求人", "联系电话", "事发地址", "诉求内容", "数据来源", "办结时限"],
        ["GD2026030001", "2026-03-02 08:15:00", "刘女士", "138****5678", "3栋楼下",
         "小区门口垃圾堆放", "12345", "2026-03-04 17:00"],
        ["GD2026030002", "2026-03-02 09:40:00", "陈先生", "13900001111", "5栋", "噪音扰民",
         "市长热线", ""],
    ]  # fmt: skip
    path = tmp_path / "12345工单.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    result = run("import", str(path), "--map", "事发地址=unit")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "已从 12345工单.csv 导入 2 条投诉（#1–#2）；0 条已存在；1 个号码已打码，未保存\n"
    )
    assert result.stderr == ""
    one = run.json("show", "1")
    assert (one["phone"], one["name"], one["unit"], one["channel"]) == (
        "", "刘女士", "3栋楼下", "relay",
    )  # fmt: skip
    # the ticket number and the hotline's deadline are kept and compared with ours
    assert one["external"] == {
        "ticket": "GD2026030001",
        "due": "2026-03-04T17:00:00+08:00",
        "versus_resolve_due": "earlier",  # ours: 3 working days, 2026-03-06 00:00
    }
    shown = run.ok("show", "1").splitlines()
    assert any(line.split() == ["外部工单号", "GD2026030001"] for line in shown)
    assert any(
        line.split() == ["外部时限", "2026-03-04", "17:00（早于本系统完成时限）"] for line in shown
    )
    two = run.json("show", "2")
    assert (two["phone"], two["external"]["ticket"], two["external"]["due"]) == (
        "13900001111", "GD2026030002", None,
    )  # fmt: skip


def test_our_own_masked_export_is_still_refused(run, register, tmp_path):
    register()
    export = tmp_path / "masked.csv"
    run.ok("export", "-o", str(export))
    result = run("import", str(export))
    assert result.exit_code == 2
    assert "号码已打码（要再导入，请用 export --with-personal-data 导出）" in result.stderr


# -- the pieces -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("2026年3月3日17时10分", None, (date(2026, 3, 3), time(17, 10))),
        ("2026年3月3日 17:10", None, (date(2026, 3, 3), time(17, 10))),
        ("2026.3.5", None, (date(2026, 3, 5), None)),
        ("3.5", 2026, (date(2026, 3, 5), None)),
        ("3/5", 2026, (date(2026, 3, 5), None)),
        ("3月5日", 2025, (date(2025, 3, 5), None)),
        ("3月5日14点30分", 2026, (date(2026, 3, 5), time(14, 30))),
        ("12/31 23:59:30", 2026, (date(2026, 12, 31), time(23, 59, 30))),
        ("46086.5", None, (date(2026, 3, 5), time(12, 0))),
        ("2026-03-05T14:30+08:00", None, (date(2026, 3, 5), time(14, 30))),
    ],
)
def test_dates_as_people_write_them(text, year, expected):
    assert when(text, year) == expected


def test_a_date_without_a_year_needs_one():
    with pytest.raises(Bad) as no_year:
        when("3月5日")
    assert no_year.value.reason == Msg("import.bad.no_year", {"text": "3月5日"})
    assert render("import.bad.no_year", {"text": "3月5日"}, "en").startswith(
        "'3月5日' has no year; give it with --year"
    )
    with pytest.raises(Bad) as no_such:
        when("2/30", 2026)
    assert no_such.value.reason == Msg("import.bad.no_such_date", {"text": "2/30"})


@pytest.mark.parametrize("text", ["14时30分", "14点30分", "14:30", "14：30", "14时30分00秒"])
def test_times_of_day(text):
    assert clock(text) == time(14, 30)


_FORMS = (
    "{y}年{m}月{d}日{H}时{M:02}分",
    "{y}年{m}月{d}日 {H}:{M:02}",
    "{y}.{m}.{d} {H}点{M}分",
    "{y}/{m}/{d} {H}:{M:02}",
    "{m}月{d}日{H}时{M}分",
    "{m}/{d} {H}:{M:02}",
    "{m}.{d} {H}:{M:02}",
)


@given(
    st.datetimes(min_value=datetime(1992, 1, 1), max_value=datetime(2099, 12, 31)),
    st.sampled_from(_FORMS),
)
def test_every_written_form_reads_back(moment: datetime, form: str) -> None:
    text = form.format(y=moment.year, m=moment.month, d=moment.day, H=moment.hour, M=moment.minute)
    assert when(text, moment.year) == (moment.date(), time(moment.hour, moment.minute))


def test_footer_rows():
    footers = [["合计", "12"], ["小计："], ["注：以上为三月数据"], ["备注"], ["说明：…"],
               ["制表人：王芳", "审核人：赵敏"], ["制表人", "王芳"], ["日期：2026年4月1日"],
               ["签字："], ["注1.本表…"]]  # fmt: skip
    data = [["1", "2026-03-02", "3-1-502"], ["2026-03-02", "注水管漏"], ["日期"]]
    assert all(layout.is_footer(row) for row in footers)
    assert not any(layout.is_footer(row) for row in data[:2])
    assert not layout.is_footer([])


def test_two_row_headers_and_their_fields():
    top = ["序号", "房号", "投诉", "", "", "处理部门", "回访", ""]
    sub = ["", "", "日期", "时间", "内容", "", "时间", "结果"]
    names = layout.merge_two_rows(top, sub)
    assert names == ["序号", "房号", "投诉/日期", "投诉/时间", "投诉/内容", "处理部门",
                     "回访/时间", "回访/结果"]  # fmt: skip
    assert [field_for(n) for n in names] == [None, "unit", "received_at", "received_time",
        "description", "department", "followed_up_at", "satisfaction"]  # fmt: skip
    assert field_for("处理/时间") is None  # too generic without its group
    assert field_for("业主信息/联系电话") == "phone"


@pytest.mark.parametrize(
    ("text", "year"),
    [("2026年3月", 2026), ("客服中心值班记录本（2026年）", 2026), ("2026.03", 2026),
     ("2025-12", 2025), ("2026", 2026), ("3月", None), ("12345工单", None), ("20261", None)],
)  # fmt: skip
def test_the_year_of_a_sheet_or_title(text, year):
    assert layout.year_in(text) == year


@pytest.mark.parametrize(
    "header",
    ["住址", "房间编号", "事发地址", "事由", "工单内容", "处理情况", "受理结果", "受理完成时间",
     "数据来源", "工单编号", "办结时限", "处理时限"],
)  # fmt: skip
def test_the_headers_the_issue_names(header):
    assert field_for(header) is not None
