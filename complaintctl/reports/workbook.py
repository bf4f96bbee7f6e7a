"""Workbooks that print (issue 18): the report's tables as xlsx sheets with real number and
date-time cells, frozen header rows, an autofilter, column widths fitted to Chinese text and a
page setup (A4 landscape, one page wide, header rows repeated, a footer with the period and
the page number).

Pure layout over xlsxwriter; :mod:`complaintctl.reports.export` decides what goes on which sheet.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from complaintctl.domain import messages

# A cell's number format follows its value: int, Rate, other float, datetime.
NUMBER_FORMATS = {"count": "0", "rate": "0.0%", "decimal": "0.0", "moment": "yyyy-mm-dd hh:mm"}
A4 = 9
MAX_WIDTH = 48  # a description wraps rather than widening its column past this
HEADER_WIDTH = 12  # a long header over numbers wraps within this width


def text_width(text: str) -> int:
    """Columns ``text`` takes in a cell: a Chinese character (East Asian wide) counts two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class Rate(float):
    """A rate as a fraction, written with the ``0.0%`` format."""


def fraction(rate: float | None) -> Rate | None:
    """A report rate (a percentage with one decimal) as the fraction a ``0.0%`` cell shows."""
    return None if rate is None else Rate(round(rate / 100, 4))


def moment(text: str | None) -> datetime | str | None:
    """``2026-03-05 15:00`` -> a datetime; a deadline ``2026-03-05 24:00`` is the instant it
    means, 2026-03-06 00:00 (the companion text column keeps the 24:00 wording).  A day alone
    (a receipt whose time a register did not give, issue 16) stays text: no time invented."""
    if text is None or len(text) == 10:
        return text
    # by slicing: strptime took a third of a large month's detail sheet
    day = datetime(int(text[:4]), int(text[5:7]), int(text[8:10]))
    return day + timedelta(hours=int(text[11:13]), minutes=int(text[14:16]))


@dataclass(frozen=True)
class Placed:
    """Where a table landed: its sheet, the header row and the last row (0-based)."""

    sheet: Any
    name: str
    header: int
    last: int


class Book:
    """An xlsx workbook written sheet by sheet (constant memory)."""

    def __init__(self, path: Path, footer: str, lang: str) -> None:
        import xlsxwriter  # start-up: only for xlsx

        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self.lang = lang
        self.footer = footer.replace("&", "&&")
        self.title = self.book.add_format({"bold": True, "font_size": 13})
        self.head = self.book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDE6F0", "border": 1}
        )
        self.formats = {
            k: self.book.add_format({"num_format": v}) for k, v in NUMBER_FORMATS.items()
        }
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.good = self.book.add_format({"font_color": "#1B5E20", "bold": True})
        self.bad = self.book.add_format({"font_color": "#B71C1C", "bold": True})

    def sheet(
        self,
        name: str,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        top: Sequence[str] = (),
        *,
        fit_height: int = 0,
        freeze_columns: int = 1,
    ) -> Placed:
        """A table under the ``top`` lines, its header row frozen and filtered."""
        ws = self.book.add_worksheet(name[:31])
        widths = [min(text_width(h), HEADER_WIDTH) for h in header]
        r = 0
        for line in top:
            ws.write_string(r, 0, line, self.title)
            r += 1
        first = r
        tall = max((text_width(h) for h in header), default=0)
        lines = -(-tall // HEADER_WIDTH) if tall > HEADER_WIDTH else 1
        ws.set_row(first, 15 * min(lines, 4) + 3)  # before writing: constant memory
        ws.write_row(r, 0, list(header), self.head)
        for row in rows:
            r += 1
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                    # a character takes at most two columns: most cells need no measuring
                    if 2 * len(value) > widths[c]:
                        widths[c] = max(widths[c], text_width(value))
                else:
                    widths[c] = max(widths[c], self._write(ws, r, c, value))
        for c, width in enumerate(widths):
            wide = width + 2 > MAX_WIDTH
            ws.set_column(c, c, min(width + 2, MAX_WIDTH), self.wrap if wide else None)
        ws.freeze_panes(first + 1, freeze_columns)
        ws.autofilter(first, 0, max(r, first), len(header) - 1)
        self.page(ws, first, fit_height)
        return Placed(ws, name[:31], first, r)

    def _write(self, ws: Any, r: int, c: int, value: Any) -> int:
        """Write one number or date-time cell; returns the width its text takes."""
        if isinstance(value, datetime):
            ws.write_datetime(r, c, value, self.formats["moment"])
            return 16
        if isinstance(value, Rate):
            ws.write_number(r, c, value, self.formats["rate"])
            return len(f"{value * 100:.1f}%")
        fmt = self.formats["decimal" if isinstance(value, float) else "count"]
        ws.write_number(r, c, value, fmt)
        return len(f"{value:.1f}" if isinstance(value, float) else str(value))

    def highlight(self, table: Placed, column: int, good: str, bad: str) -> None:
        """Colour the cells of ``column`` reading ``good`` green and ``bad`` red."""
        for text, fmt in ((good, self.good), (bad, self.bad)):
            table.sheet.conditional_format(
                table.header + 1,
                column,
                max(table.last, table.header + 1),
                column,
                {"type": "cell", "criteria": "==", "value": f'"{text}"', "format": fmt},
            )

    def page(self, ws: Any, header_row: int, fit_height: int = 0) -> None:
        """A4 landscape, one page wide (``fit_height`` pages tall, 0: as many as needed), the
        rows down to the header repeated on every page, the footer."""
        ws.set_paper(A4)
        ws.set_landscape()
        ws.fit_to_pages(1, fit_height)
        ws.repeat_rows(0, header_row)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        page = messages.text("workbook.page", self.lang)  # &P, &N: the page and the page count
        ws.set_footer(f"&L{self.footer}&R{page}")

    def chart(
        self,
        ws: Any,
        kind: str,
        categories: list[Any],
        series: Sequence[tuple[str, list[Any], Sequence[float | None]]],
        anchor: tuple[int, int],
        title: str,
        labels: Sequence[str],
    ) -> dict[str, int] | None:
        """A chart of rates (0 %–100 %): ``categories`` and each series' values are ranges
        ``[sheet, first_row, first_col, last_row, last_col]``, given with their ``labels`` and
        values too (a constant-memory workbook cannot read them back for the chart's cache,
        and without it the categories would be taken for numbers).  Every category is
        labelled and the chart is sized to print on the page beside its table."""
        n = max(categories[3] - categories[1], categories[4] - categories[2]) + 1
        if n <= 0 or not series:
            return None
        chart = self.book.add_chart({"type": kind})
        for name, values, data in series:
            chart.add_series(
                {
                    "name": name,
                    "categories": categories,
                    "categories_data": list(labels),
                    "values": values,
                    "values_data": list(data),
                    "data_labels": {"value": True, "num_format": "0.0%"},
                    **({"marker": {"type": "circle"}} if kind == "line" else {}),
                }
            )
        chart.set_title({"name": title, "name_font": {"size": 12}})
        chart.set_y_axis(
            {"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}}
        )
        chart.set_x_axis({"interval_unit": 1, "num_font": {"rotation": -30 if n > 6 else 0}})
        chart.set_legend({"position": "bottom"} if len(series) > 1 else {"none": True})
        size = {"width": min(max(480, 64 * n + 160), 900), "height": 360}
        chart.set_size(size)
        ws.insert_chart(anchor[0], anchor[1], chart)
        return size

    def close(self) -> None:
        self.book.close()
