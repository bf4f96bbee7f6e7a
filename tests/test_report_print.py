"""The report's workbook prints (issue 18): number formats, widths, frozen headers, filters,
page setup and the chart, read back with openpyxl; the page count rendered by LibreOffice."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from test_report import AS_OF, MONTH, built, month

from complaintctl.reports.figures import FIELDS, label
from complaintctl.reports.monthly import TOP_FIELDS
from complaintctl.reports.workbook import text_width

pytestmark = pytest.mark.backends

__all__ = ["built", "month"]  # the worked example of docs/report.md, as fixtures


def _width(ws: Any, column: int) -> float:
    """The width of a column (1-based); openpyxl groups equal neighbours into one entry."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= column <= dim.max:
            return float(dim.width)
    raise AssertionError(f"no width for column {column}")


@pytest.fixture
def workbook(run, month, tmp_path) -> tuple[dict[str, Any], Any, Path]:
    data = run.json(*MONTH, "--by", "department")
    path = tmp_path / "march.xlsx"
    run.ok(*MONTH, "--output", str(path))
    return data, openpyxl.load_workbook(path), path


def test_counts_are_integers_and_rates_fractions_with_a_percent_format(workbook):
    data, book, _ = workbook
    ws = book["汇总"]
    cells = {row[0].value: row[1] for row in ws.iter_rows(min_row=3)}
    assert cells["受理件数"].value == 8 and cells["受理件数"].number_format == "0"
    assert cells["处理及时率%"].value == 0.667 and cells["处理及时率%"].number_format == "0.0%"
    assert cells["满意率%"].value == 0.75 and cells["满意率%"].number_format == "0.0%"
    assert cells["平均办结工作日"].value == 6.2 and cells["平均办结工作日"].number_format == "0.0"
    assert cells["办结工作日P90"].value == 12 and cells["办结工作日P90"].number_format == "0"
    for k in FIELDS:
        cell = cells[label(k, "zh")]
        expected = "0.0%" if k.endswith("_rate") else ("0.0" if k == "resolve_days_mean" else "0")
        assert cell.number_format == expected, k
        value = data[k] / 100 if k.endswith("_rate") else data[k]
        assert cell.value == pytest.approx(value, abs=1e-9), k
    tops = book["排名"]
    assert [c.number_format for c in tops[3]][2:] == ["0", "0.0%", "0", "0", "0", "0", "0.0%"]


def test_every_sheet_has_a_frozen_filtered_header_and_prints_on_a4(workbook):
    _, book, _ = workbook
    assert book.sheetnames == ["汇总", "按部门", "排名", "明细"]
    for ws in book:
        assert ws.freeze_panes == ("C3" if ws.title == "排名" else "B3"), ws.title
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A2:"), ws.title
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1)  # None: the default, 1
        assert ws.print_title_rows == "$1:$2"
        assert ws.oddFooter.left.text == "投诉处理报表 2026-03  统计截至 2026-04-10 12:00"
        assert ws.oddFooter.right.text == "第 &P 页，共 &N 页"
    # the summary and the breakdown on one page each; the lists as many pages tall as needed
    assert book["汇总"].page_setup.fitToHeight in (None, 1)
    assert book["明细"].page_setup.fitToHeight == 0
    assert (
        book["明细"].auto_filter.ref == "A2:AA10"
    )  # 27 columns (kind, 补录, 作废原因), 8 complaints


def test_column_widths_fit_chinese_text(workbook):
    _, book, _ = workbook
    ws = book["明细"]
    header = [c.value for c in ws[2]]
    for name in ("受理时间", "房号/铺位", "位置", "投诉内容", "处理时限（原文）"):
        column = header.index(name) + 1
        longest = max(
            16 if isinstance(c.value, datetime) else text_width(str(c.value))
            for c in ws.iter_cols(min_col=column, max_col=column, min_row=3).__next__()
            if c.value is not None
        )
        assert _width(ws, column) >= longest, name  # 受理时间 no longer runs into 房号
    assert _width(book["汇总"], 1) >= text_width("办结工作日P90")


def test_detail_times_are_date_time_cells_and_deadlines_keep_24_00(workbook):
    _, book, _ = workbook
    ws = book["明细"]
    header = [c.value for c in ws[2]]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=3)}
    received = rows[1][header.index("受理时间")]
    assert received.value == datetime(2026, 3, 2, 9, 0)
    assert received.number_format == "yyyy-mm-dd hh:mm"
    due = rows[1][header.index("处理时限")]
    assert due.value == datetime(2026, 3, 6, 0, 0)  # 03-05 24:00 is this instant
    assert rows[1][header.index("处理时限（原文）")].value == "2026-03-05 24:00"
    assert rows[1][header.index("办结时间")].value == datetime(2026, 3, 5, 15, 0)
    assert rows[5][header.index("办结时间")].value is None


def test_the_summary_chart_shows_every_department_on_the_page(workbook):
    data, book, _ = workbook
    (chart,) = book["汇总"]._charts
    departments = data["breakdowns"]["department"]
    n = len(departments)
    last = chr(ord("A") + n)
    row = 3 + FIELDS.index("timely_rate")
    assert chart.series[0].cat.strRef.f == f"按部门!$B$2:${last}$2"
    assert chart.series[0].val.numRef.f == f"按部门!${'B'}${row}:${last}${row}"
    header = [c.value for c in book["按部门"][2]][1:]
    assert header == [d["label"] for d in departments]  # every department, 未派单 too
    rates = [c.value for c in book["按部门"][row]][1:]
    assert rates == [
        None if d["timely_rate"] is None else d["timely_rate"] / 100 for d in departments
    ]
    assert chart.anchor._from.col == 3  # beside the figures, on the same page
    assert chart.width * 360000 / 914400 <= 24  # cm: fits beside the table on A4 landscape


def test_the_trend_workbook_prints_too(run, month, tmp_path):
    path = tmp_path / "trend.xlsx"
    run.ok("report", "--months", "3", "--month", "2026-04", "--as-of", AS_OF, "-o", str(path))
    ws = openpyxl.load_workbook(path)["趋势"]
    assert ws.freeze_panes == "B3" and ws.auto_filter.ref == "A2:K5"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$2"
    (chart,) = ws._charts
    assert [s.val.numRef.f for s in chart.series] == ["趋势!$G$3:$G$5", "趋势!$K$3:$K$5"]


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        message = "LibreOffice (Debian package libreoffice-calc) is not installed"
        if os.environ.get("CI"):  # .ci/run installs it: never skip silently there
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_a_14_complaint_month_prints_on_at_most_4_pages(run, month, register, tmp_path):
    soffice = _soffice()
    for day in range(2, 8):  # 8 counted + 6 = 14 complaints in March
        register(severity="minor", at=f"2026-03-{day + 20:02d} 10:00", category="绿化")
    data = run.json(*MONTH)
    assert data["received"] == 14
    path = tmp_path / "march.xlsx"
    run.ok(*MONTH, "--output", str(path))
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "march.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 4  # one page per sheet


def test_the_top_sheet_equals_the_json(workbook):
    data, book, _ = workbook
    rows = list(book["排名"].iter_rows(min_row=3, values_only=True))
    expected = [
        (dim, t["value"], *(round(t[k] / 100, 4) if k in ("share", "timely_rate") and t[k] is not None
                            else t[k] for k in TOP_FIELDS))
        for dim, key in (("类别", "top_categories"), ("位置", "top_locations"))
        for t in data[key]
    ]  # fmt: skip
    assert rows == expected
