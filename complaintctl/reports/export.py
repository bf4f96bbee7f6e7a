"""Files of the report: CSV (UTF-8 with BOM, so Excel shows Chinese) and xlsx.

Both are written from the same ``Report`` / ``TrendRow`` objects the screen shows, so the
numbers agree.  Files are written beside the target and renamed into place: a failed export
leaves no half-written file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from complaintctl.domain.cells import safe
from complaintctl.domain.messages import Term, labels, text
from complaintctl.domain.timeutil import from_epoch, local
from complaintctl.domain.vocab import CHANNEL, KIND, NATURE, SATISFACTION, SEVERITY, STATUS
from complaintctl.reports import goals, workbook
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

# The detail sheet's headers, outcomes and escalation levels as (Chinese, English), from the
# catalogue (``label.detail.*``, ``label.outcome.*``, ``label.escalation_short.*``).
DETAIL_LABELS = labels("label.detail.")
OUTCOME_LABELS = labels("label.outcome.")
LEVEL_LABELS = labels("label.escalation_short.")


def title(report: Report, lang: str) -> str:
    moment = local(from_epoch(report.as_of))
    only = f" {KIND.label(report.kind, lang)}" if report.kind is not None else ""
    return text("export.title", lang, period=report.period.label, kind=only, moment=moment)


def trend_title(rows: Sequence[TrendRow], as_of: int, lang: str) -> str:
    span = f"{rows[0].month}..{rows[-1].month}"
    moment = local(from_epoch(as_of))
    return text("export.trend_title", lang, span=span, moment=moment)


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
    if key == "outcome":
        return OUTCOME_LABELS[value][1 if lang == "en" else 0]
    if key == "escalation_level":
        return LEVEL_LABELS.get(value, (value, value))[1 if lang == "en" else 0]
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


def with_targets(
    report: Report, header: list[str], rows: list[list[Any]], lang: str
) -> tuple[list[str], list[list[Any]]]:
    """``table_rows`` with the policy's targets, when it sets any: two more columns (目标%,
    结果), one 目标 row per target (the figure in its own column) and one 等级 row."""
    verdict = report.targets
    if not verdict.figures and not verdict.grades:
        return header, rows
    width = len(header)
    out = [[*r, None, None] for r in rows]
    for j in verdict.figures:
        cells: list[Any] = [None] * width
        cells[:2] = [goals.word("target", lang), label(j.figure, lang)]
        cells[3 + FIELDS.index(j.figure)] = j.value
        out.append([*cells, j.target, goals.result_word(j.met, lang)])
    if verdict.grades:
        cells = [None] * width
        cells[0], cells[2] = goals.word("grade", lang), verdict.grade or ""
        out.append([*cells, None, None])
    return [*header, f"{goals.word('target', lang)}%", goals.word("result", lang)], out


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
def _rates(keys: Sequence[str], values: Sequence[Any]) -> list[Any]:
    """Figures as cells: rates as fractions (shown ``0.0%``), counts as they are."""
    return [
        workbook.fraction(v) if k in RATE_FIELDS or k == "share" else v
        for k, v in zip(keys, values, strict=True)
    ]


def _footer(report: Report, lang: str) -> str:
    moment = local(from_epoch(report.as_of))
    return text("export.footer", lang, period=report.period.label, moment=moment)


# The detail sheet: times as date-time cells; the deadline also as the text people read
# (a deadline at midnight reads 24:00 of the day before, which no number format shows).
DETAIL_MOMENTS = ("received_at", "resolve_due", "resolved_at")
DUE_TEXT = DETAIL_LABELS["resolve_due_text"]


def detail_sheet_rows(
    details: Iterable[dict[str, Any]], lang: str
) -> tuple[list[str], Iterator[list[Any]]]:
    """The detail sheet's header and rows."""
    en = lang == "en"
    keys = list(DETAIL_FIELDS)
    due = keys.index("resolve_due") + 1
    header = [DETAIL_LABELS[k][1 if en else 0] for k in keys]
    header.insert(due, DUE_TEXT[1 if en else 0])

    def rows() -> Iterator[list[Any]]:
        for d in details:
            cells = [
                workbook.moment(d[k]) if k in DETAIL_MOMENTS else detail_value(k, d[k], lang)
                for k in keys
            ]
            cells.insert(due, d["resolve_due"])
            yield cells

    return header, rows()


def _summary_rows(report: Report, lang: str) -> tuple[list[str], list[list[Any]]]:
    """Every figure, one per row; with the policy's targets, each one's target and result."""
    summary = report.summary.as_dict()
    header = [text("report.screen.figure", lang), text("report.screen.value", lang)]
    rows = [[label(k, lang), *_rates([k], [summary[k]])] for k in FIELDS]
    verdict = report.targets
    if verdict.figures:
        header += [goals.word("target", lang), goals.word("result", lang)]
        for k, row in zip(FIELDS, rows, strict=True):
            j = verdict.target(k)
            if j is not None:
                row += [workbook.fraction(j.target), goals.result_word(j.met, lang)]
    return header, rows


def _breakdown_sheet_name(dim: str, lang: str) -> str:
    return text("report.screen.by", lang, dim=Term(label(dim, "en").lower(), label(dim, "zh")))


def write_xlsx(
    path: Path, report: Report, details: Callable[[], Iterable[dict[str, Any]]], lang: str
) -> None:
    """Summary (with the chart of 及时率 by department), one sheet per breakdown, the top lists
    and the masked detail of every complaint of the period: every sheet set up to print."""
    with outfile.replacing(path) as temp:
        book = workbook.Book(temp, _footer(report, lang), lang)
        head = [title(report, lang)]
        header, rows = _summary_rows(report, lang)
        grade = goals.grade_line(report.targets, lang)
        first = book.sheet(
            label("summary", lang),
            header,
            rows,
            [f"{head[0]}　{grade}"] if grade else head,
            fit_height=1,
        )
        if len(header) > 2:
            words = [goals.word(k, lang) for k in ("met", "missed")]
            book.highlight(first, len(header) - 1, *words)
        placed: dict[str, workbook.Placed] = {}
        for dim, items in report.breakdowns.items():
            # one column per value, one row per figure: prints on one page however many
            # figures there are (a row per value would be 57 columns wide)
            values = [f.as_dict() for f in items]
            placed[dim] = book.sheet(
                _breakdown_sheet_name(dim, lang),
                [label(dim, lang), *(value_label(dim, f.value, lang) for f in items)],
                (
                    [label(k, lang), *_rates([k] * len(values), [v[k] for v in values])]
                    for k in FIELDS
                ),
                head,
                fit_height=1,
            )
        department = placed.get("department")
        if department is not None and department.last > department.header:
            row = department.header + 1 + FIELDS.index("timely_rate")
            items = report.breakdowns["department"]
            n = len(items)
            book.chart(
                first.sheet,
                "column",
                [department.name, department.header, 1, department.header, n],
                [
                    (
                        label("timely_rate", lang),
                        [department.name, row, 1, row, n],
                        _rates(["timely_rate"] * n, [f.rates()["timely_rate"] for f in items]),
                    )
                ],
                (first.header, len(header) + 1),
                f"{label('timely_rate', lang)} · {label('department', lang)}",
                [value_label("department", f.value, lang) for f in items],
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
            head,
            freeze_columns=2,
        )
        header, detail_rows = detail_sheet_rows(details(), lang)
        book.sheet(text("export.details", lang), header, detail_rows, head)
        book.close()


def _top_row(dim: str, t: TopEntry, lang: str) -> list[Any]:
    d = t.as_dict()
    return [label(dim, lang), t.value, *_rates(TOP_FIELDS, [d[k] for k in TOP_FIELDS])]


def write_trend_xlsx(path: Path, rows: Sequence[TrendRow], as_of: int, lang: str) -> None:
    """The trend sheet with a line chart of 及时率 and 满意率 beside it."""
    header, table = trend_rows(rows, lang)
    name = label("trend", lang)
    heading = trend_title(rows, as_of, lang)
    with outfile.replacing(path) as temp:
        book = workbook.Book(temp, heading, lang)
        cells = [[r[0], *_rates(TREND_FIELDS[1:], r[1:])] for r in table]
        placed = book.sheet(name, header, cells, [heading], fit_height=1)
        columns = [TREND_FIELDS.index(k) for k in ("timely_rate", "satisfaction_rate")]
        first, last = placed.header + 1, placed.last
        book.chart(
            placed.sheet,
            "line",
            [name, first, 0, last, 0],
            [(header[c], [name, first, c, last, c], [r[c] for r in cells]) for c in columns],
            (placed.last + 2, 0),
            name,
            [r.month for r in rows],
        )
        book.close()
