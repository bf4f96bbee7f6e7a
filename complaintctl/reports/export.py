"""Files of the report: CSV (UTF-8 with BOM, so Excel shows Chinese) and xlsx.

Both are written from the same ``Report`` / ``TrendRow`` objects the screen shows, so the
numbers agree.  Files are written beside the target and renamed into place: a failed export
leaves no half-written file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from complaintctl.domain.cells import safe
from complaintctl.domain.timeutil import from_epoch, local
from complaintctl.domain.vocab import CHANNEL, KIND, NATURE, SATISFACTION, SEVERITY, STATUS
from complaintctl.reports.figures import FIELDS, RATE_FIELDS, Figures, label, value_label
from complaintctl.reports.monthly import (
    DETAIL_FIELDS,
    TOP_FIELDS,
    TREND_FIELDS,
    Report,
    TopEntry,
    TrendRow,
)
from complaintctl.store import outfile

BOM = "\ufeff"

DETAIL_LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号", "ID"),
    "received_at": ("受理时间", "Received"),
    "unit": ("房号/铺位", "Unit"),
    "name": ("投诉人", "Name"),
    "phone": ("电话", "Phone"),
    "channel": ("渠道", "Channel"),
    "category": ("类别", "Category"),
    "severity": ("级别", "Severity"),
    "nature": ("性质", "Nature"),
    "department": ("部门", "Department"),
    "handler": ("处理人", "Handler"),
    "location": ("位置", "Location"),
    "description": ("投诉内容", "Description"),
    "status": ("状态", "Status"),
    "resolve_due": ("处理时限", "Resolve due"),
    "resolved_at": ("办结时间", "Resolved"),
    "outcome": ("及时性", "Outcome"),
    "resolve_days": ("办结工作日", "Working days to resolve"),
    "satisfaction": ("满意度", "Satisfaction"),
    "reopen_count": ("复议次数", "Reconsiderations"),
    "extension_count": ("延期次数", "Extensions"),
    "escalation_level": ("升级", "Escalation"),
    "duplicate_of": ("重复投诉并入", "Duplicate of"),
    "kind": ("类型", "Kind"),
    "late_entries": ("补录", "Late entries"),
    "cancel_reason": ("作废原因", "Cancelled because"),
}
OUTCOME_LABELS = {
    "timely": "及时处理",
    "late": "超时完成",
    "overdue": "逾期未完成",
    "pending": "未到期",
    "duplicate": "重复投诉",
    "cancelled": "已作废",
}
LEVEL_LABELS = {"manager": "经理", "senior": "高层"}


def title(report: Report, lang: str) -> str:
    moment = local(from_epoch(report.as_of))
    only = f" {KIND.label(report.kind, lang)}" if report.kind is not None else ""
    if lang == "en":
        return f"Complaint report {report.period.label}{only} (as of {moment})"
    return f"投诉处理报表 {report.period.label}{only}（统计截至 {moment}）"


def trend_title(rows: Sequence[TrendRow], as_of: int, lang: str) -> str:
    span = f"{rows[0].month}..{rows[-1].month}"
    moment = local(from_epoch(as_of))
    if lang == "en":
        return f"Monthly trend {span} (as of {moment})"
    return f"月度趋势 {span}（统计截至 {moment}）"


def detail_value(key: str, value: Any, lang: str) -> Any:
    """A detail cell as people read it (codes become labels in Chinese)."""
    if value is None:
        return None
    enums = {
        "channel": CHANNEL,
        "severity": SEVERITY,
        "nature": NATURE,
        "status": STATUS,
        "satisfaction": SATISFACTION,
        "kind": KIND,
    }
    if key in enums:
        return enums[key].label(value, lang)
    if lang != "en" and key == "outcome":
        return OUTCOME_LABELS[value]
    if lang != "en" and key == "escalation_level":
        return LEVEL_LABELS.get(value, value)
    return value


# -- the rows every format shares -------------------------------------------------------------
def table_rows(report: Report, lang: str) -> tuple[list[str], list[list[Any]]]:
    """One flat table: summary, each breakdown value, each top entry (CSV and tests)."""
    header = [label(k, lang) for k in ("section", "dimension", "value", *FIELDS, "share")]
    rows: list[list[Any]] = []

    def figures_row(section: str, dim: str, value: str, f: Figures) -> list[Any]:
        values = f.as_dict()
        return [label(section, lang), dim, value, *(values[k] for k in FIELDS), None]

    rows.append(figures_row("summary", "", "", report.summary))
    for dim, items in report.breakdowns.items():
        for f in items:
            rows.append(
                figures_row("breakdown", label(dim, lang), value_label(dim, f.value, lang), f)
            )
    for dim, entries in (("category", report.top_categories), ("location", report.top_locations)):
        for t in entries:
            d = t.as_dict()
            cells: list[Any] = [label("top", lang), label(dim, lang), t.value]
            cells += [d.get(k) for k in FIELDS] + [t.share]
            rows.append(cells)
    rows += late_rows(report, lang)
    return header, rows


def late_rows(report: Report, lang: str) -> list[list[Any]]:
    """The late entries (补录, docs/report.md) as rows of the flat table: the count in the
    ``total`` column; all of them, the timely complaints resolved by a late entry, then one row
    per step and per staff member who recorded them."""
    late = report.late
    where = 3 + FIELDS.index("total")

    def row(dimension: str, value: str, count: int) -> list[Any]:
        cells: list[Any] = [label("late_entries", lang), dimension, value]
        cells += [None] * (len(FIELDS) + 1)
        cells[where] = count
        return cells

    out = [
        row("", "", late.total),
        row(label("timely_recorded_late", lang), "", late.timely_recorded_late),
    ]
    out += [row(label("step", lang), step, n) for step, n in sorted(late.by_step.items())]
    staff = sorted(late.by_staff.items(), key=lambda kv: (-kv[1], kv[0]))
    out += [row(label("recorded_by", lang), who, n) for who, n in staff]
    return out


def trend_rows(rows: Sequence[TrendRow], lang: str) -> tuple[list[str], list[list[Any]]]:
    header = [label(k, lang) for k in TREND_FIELDS]
    return header, [[r.as_dict()[k] for k in TREND_FIELDS] for r in rows]


# -- CSV --------------------------------------------------------------------------------------
def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text starting with the UTF-8 BOM; None is an empty cell; text a spreadsheet would
    run as a formula gets a leading ``'`` (:mod:`complaintctl.domain.cells`), numbers stay
    numbers."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe(v) for v in header])
    for row in rows:
        writer.writerow(["" if v is None else safe(v) for v in row])
    return buffer.getvalue()


# -- writing files ----------------------------------------------------------------------------
def write_text(path: Path, text: str) -> None:
    outfile.write_text(path, text)


# -- xlsx -------------------------------------------------------------------------------------
class _Book:
    """A thin layer over xlsxwriter: sheets written row by row (constant memory)."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter  # start-up: only for xlsx

        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self.bold = self.book.add_format({"bold": True})
        self.rate = self.book.add_format({"num_format": "0.0"})

    def sheet(
        self,
        name: str,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        rate_columns: frozenset[int] = frozenset(),
        top: Sequence[str] = (),
    ) -> tuple[Any, int]:
        ws = self.book.add_worksheet(name[:31])
        r = 0
        for line in top:
            ws.write_string(r, 0, line, self.bold)
            r += 1
        ws.write_row(r, 0, list(header), self.bold)
        first = r
        for row in rows:
            r += 1
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write_number(r, c, value, self.rate if c in rate_columns else None)
        ws.set_column(0, max(len(header) - 1, 0), 12)
        return ws, first

    def chart(
        self,
        ws: Any,
        name: str,
        kind: str,
        first: int,
        last: int,
        series: Sequence[tuple[str, int]],
        anchor: str,
    ) -> None:
        if last <= first:
            return
        chart = self.book.add_chart({"type": kind})
        for title, column in series:
            chart.add_series(
                {
                    "name": title,
                    "categories": [name, first + 1, 0, last, 0],
                    "values": [name, first + 1, column, last, column],
                    "data_labels": {"value": True},
                }
            )
        chart.set_title({"name": series[0][0] if len(series) == 1 else name})
        chart.set_y_axis({"min": 0, "max": 100})
        chart.set_legend({"position": "bottom"})
        ws.insert_chart(anchor, chart, {"x_scale": 1.5, "y_scale": 1.2})

    def close(self) -> None:
        self.book.close()


def _breakdown_sheet_name(dim: str, lang: str) -> str:
    return f"By {label(dim, 'en').lower()}" if lang == "en" else f"按{label(dim, 'zh')}"


def write_xlsx(
    path: Path, report: Report, details: Callable[[], Iterable[dict[str, Any]]], lang: str
) -> None:
    """Summary, one sheet per breakdown (the department one with its chart of 及时率), the top
    lists and the masked detail of every complaint of the period."""
    with outfile.replacing(path) as temp:
        book = _Book(temp)
        summary = report.summary.as_dict()
        head = [title(report, lang)]
        book.sheet(
            label("summary", lang),
            ["Figure", "Value"] if lang == "en" else ["指标", "数值"],
            ([label(k, lang), summary[k]] for k in FIELDS),
            frozenset({1}),
            head,
        )
        rate_cols = frozenset(i + 1 for i, k in enumerate(FIELDS) if k in RATE_FIELDS)
        for dim, items in report.breakdowns.items():
            name = _breakdown_sheet_name(dim, lang)
            rows = [[value_label(dim, f.value, lang), *f.as_dict().values()] for f in items]
            ws, first = book.sheet(
                name, [label(dim, lang), *(label(k, lang) for k in FIELDS)], rows, rate_cols, head
            )
            if dim == "department":
                column = 1 + FIELDS.index("timely_rate")
                book.chart(
                    ws,
                    name[:31],
                    "column",
                    first,
                    first + len(rows),
                    [(label("timely_rate", lang), column)],
                    "B" + str(first + len(rows) + 3),
                )
        top_rows: list[list[Any]] = []
        for dim, entries in (
            ("category", report.top_categories),
            ("location", report.top_locations),
        ):
            top_rows += [_top_row(dim, t, lang) for t in entries]
        book.sheet(
            label("top", lang),
            [label("dimension", lang), label("value", lang), *(label(k, lang) for k in TOP_FIELDS)],
            top_rows,
            frozenset({3, 8}),
            head,
        )
        book.sheet(
            "Details" if lang == "en" else "明细",
            [DETAIL_LABELS[k][1 if lang == "en" else 0] for k in DETAIL_FIELDS],
            ([detail_value(k, d[k], lang) for k in DETAIL_FIELDS] for d in details()),
        )
        book.close()


def _top_row(dim: str, t: TopEntry, lang: str) -> list[Any]:
    d = t.as_dict()
    return [label(dim, lang), t.value, *(d[k] for k in TOP_FIELDS)]


def write_trend_xlsx(path: Path, rows: Sequence[TrendRow], as_of: int, lang: str) -> None:
    """The trend sheet with a line chart of 及时率 and 满意率."""
    header, table = trend_rows(rows, lang)
    name = label("trend", lang)
    with outfile.replacing(path) as temp:
        book = _Book(temp)
        rates = frozenset(i for i, k in enumerate(TREND_FIELDS) if k in RATE_FIELDS)
        ws, first = book.sheet(name, header, table, rates, [trend_title(rows, as_of, lang)])
        series = [
            (label(k, lang), TREND_FIELDS.index(k)) for k in ("timely_rate", "satisfaction_rate")
        ]
        book.chart(
            ws, name, "line", first, first + len(table), series, f"B{first + len(table) + 3}"
        )
        book.close()
