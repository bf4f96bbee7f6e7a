"""Registers as rows of cells: reading CSV, .xlsx and JSON lines, the header row, cell values.

CSV may be UTF-8 (with or without BOM) or GB18030 (what Chinese Excel writes); an .xlsx sheet is
read with openpyxl in read-only mode; JSON lines are what ``export --format jsonl`` writes.
Rows keep the numbers the spreadsheet shows.  The header row is the one among the first rows
naming the most known columns (:data:`FIELDS`); ``--map 'COLUMN=field'`` names the others.
Used by :mod:`complaintctl.transfer.importer`.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.messages import Msg
from complaintctl.domain.timeutil import _OFFICE, CST, parse_time
from complaintctl.domain.vocab import MILESTONES
from complaintctl.transfer import layout

Cell = str | int | float | datetime | date | time | None
# progress(phase, done, total): "check" (a dry run) or "write"; total None if unknown.
Progress = Callable[[str, int, int | None], None]


# -- columns ----------------------------------------------------------------------------------
# Each field and the headers that name it (compared after _key: no case, spaces, "_", "*").
FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(headers.split())
    for name, headers in {
        "received_at": "received_at received date 受理时间 投诉日期 受理日期 登记时间 登记日期 "
        "来电时间 来访时间 日期 来电日期 反映时间 诉求时间 工单创建时间 创建时间",
        "received_time": "received_time time 投诉时间 时间",
        "channel": "channel source 投诉来源 渠道 投诉渠道 来源 投诉方式 受理方式 受理渠道 "
        "数据来源 工单来源 来电渠道",
        "name": "name complainant 投诉人 姓名 投诉人姓名 业主姓名 客户姓名 联系人 业主 诉求人 "
        "来电人 反映人",
        "unit": "unit room 房号 铺位号 房间号 铺位 门牌号 房屋 单元房号 商铺号 房号/铺位 住址 "
        "房间编号 房屋编号 业主房号",
        "phone": "phone tel mobile telephone 联系电话 电话 手机 手机号 手机号码 电话号码 联系方式",
        "location": "location place 位置 地点 投诉位置 发生地点 具体位置 事发地址 事发地点 "
        "诉求地址",
        "description": "description content details 投诉内容 投诉事项 事项 内容 问题描述 "
        "投诉事由 投诉问题 事由 工单内容 诉求内容 反映内容 来电内容",
        "category": "category type 投诉类别 类别 投诉类型 类型 分类 投诉分类",
        "severity": "severity level 严重程度 级别 投诉级别 等级 紧急程度",
        "urgent": "urgent 是否紧急 紧急",
        "nature": "nature 投诉性质 性质",
        "department": "department dept 处理部门 责任部门 部门 承办部门",
        "handler": "handler assignee 处理人 责任人 经办人 跟进人 负责人",
        "assigned_at": "assigned_at assign_done 派单时间",
        "contacted_at": "contacted_at respond_done 首次联系时间 首次回复时间",
        "plan": "plan 处理方案 方案",
        "planned_at": "planned_at plan_done 方案时间",
        "resolution": "resolution result 处理结果 处理情况 处理措施 受理结果 办理结果 办结情况",
        "resolved_at": "resolved_at completed_at 完成时间 处理完成时间 办结时间 完成日期 "
        "受理完成时间 办结日期",
        "satisfaction": "satisfaction followup follow_up 回访结果 满意度 回访意见 回访情况 "
        "业主评价 回访满意度",
        "followed_up_at": "followed_up_at followup_at 回访时间 回访日期",
        "status": "status 状态 处理状态",
        "kind": "kind 工单类型 记录类型 事项类型 诉求类型",  # issue 20: 投诉/报修/服务/咨询/建议
        "appointment_at": "appointment_at appointment 预约时间 预约完成时间",
        # other systems' (a 12345 hotline's) ticket number and deadline, kept and shown
        "ticket": "ticket 工单编号 工单号 热线工单号 来电编号",
        "external_due": "external_due 处理时限 办结时限 要求办结时间 承诺办结时间",
    }.items()
}
# Columns that ``export`` writes and the import derives itself (ids, counters, deadlines,
# states), and those of a rejects file: known, so not reported as ignored.
DERIVED: tuple[str, ...] = (
    *"""id 编号 序号 no source_row reason reopen_count 复议次数 extension_count 延期次数
    escalation_level 升级 escalations duplicate_of 重复投诉并入 collective_of policy_version
    时限政策版本 resolve_done update_done 实际完成时间 反馈时间 about 所涉工单 site 项目""".split(),  # noqa: SIM905
    *(f"{m}_{part}" for m in MILESTONES for part in ("due", "state")),
    *(f"{m}{p}" for m in ("首次联系", "派单", "方案", "完成", "反馈") for p in ("时限", "状态")),
)
# The columns of our own export read back only from such an export (the round trip, issue
# 16): what a row's steps do not make.  field -> its headers (English, Chinese).
EXPORTED: dict[str, tuple[str, ...]] = {
    "export_id": ("id", "编号"),
    "reopen_count": ("reopen_count", "复议次数"),
    "extension_count": ("extension_count", "延期次数"),
    "escalation_level": ("escalation_level", "升级"),
    "escalations": ("escalations", "升级原因"),
    "duplicate_of": ("duplicate_of", "重复投诉并入"),
    **{
        f"{m}_due": (f"{m}_due", f"{zh}时限")
        for m, zh in zip(MILESTONES, ("首次联系", "派单", "方案", "完成", "反馈"), strict=True)
    },
    "resolve_done": ("resolve_done", "实际完成时间"),
    "update_done": ("update_done", "反馈时间"),
    "update_state": ("update_state", "反馈状态"),  # late: a progress report was missed
}
IGNORE = "ignore"
REQUIRED = ("unit", "description")
HEADER_SCAN = 20
# Bounds on the work a file can cause (issue 22, finding 10): a sheet is read row by row and
# its data ends at the first run of BLANK_RUN blank rows (a note says so); more than MAX_ROWS
# rows or a cell filled beyond column MAX_COLUMNS refuses the file in one line.
MAX_ROWS = 500_000
MAX_COLUMNS = 256
BLANK_RUN = 1_000


def usual_header(name: str) -> str:
    """The Chinese header a register usually gives a field (for messages)."""
    return _examples(name)[0]


def _examples(name: str) -> list[str]:
    return [h for h in FIELDS[name] if not h.isascii()][:3]


def _key(text: object) -> str:
    """A header as compared: NFKC, lower case, no spaces, underscores, stars or colons."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s_\-*:：]+", "", folded)


_BY_HEADER: dict[str, str] = {_key(h): f for f, headers in FIELDS.items() for h in headers}
_DERIVED = {_key(h) for h in DERIVED}
_EXPORTED = {_key(h): f for f, headers in EXPORTED.items() for h in headers}
_ROW_COLUMNS = {_key(h) for h in ("序号", "no", "编号", "id", "source_row", "reason")}
_PAREN = re.compile(r"[(（][^)）]*[)）]")


def field_for(header: str) -> str | None:
    """The field a header names (``投诉日期`` -> received_at), or None.  A header of two rows
    (``回访/时间``) is read whole, then as one word (回访时间), then by its sub-header unless that
    is too generic to stand alone (``处理/时间``)."""
    key = _key(header)
    found = _BY_HEADER.get(key)
    if found is None and _PAREN.search(key):
        found = _BY_HEADER.get(_PAREN.sub("", key))
    if found is None and "/" in key:
        group, _, sub = key.rpartition("/")
        found = field_for(group + sub)
        if found is None and sub not in layout.GENERIC_SUBS:
            found = field_for(sub)
    return found


# -- reading ----------------------------------------------------------------------------------
Row = tuple[int, list[Cell]]  # (row number as the spreadsheet shows it, cells)


@dataclass
class Table:
    """A file's rows, streamed: the first :data:`HEADER_SCAN` rows in ``head`` (where the header
    row is looked for), the others read as ``rest`` is consumed."""

    label: str  # the file name, and the sheet for a workbook
    head: list[Row]
    rest: Iterator[Row]
    total: int | None = None  # rows in the file, when known (for progress)
    sheet: str | None = None  # the sheet's name (a workbook)
    stopped: int | None = None  # the row where a run of BLANK_RUN blank rows ended the data

    def body(self, header_row: int) -> Iterator[Row]:
        """The rows below the header row."""
        return itertools.chain((r for r in self.head if r[0] > header_row), self.rest)


def blank(cells: list[Cell]) -> bool:
    return not any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells)


def _bounded(table: Table, rows: Iterator[Row]) -> Iterator[Row]:
    """``rows`` within the bounds: the data ends at a run of :data:`BLANK_RUN` blank rows (or
    rows a workbook leaves out); a row past :data:`MAX_ROWS` or a cell past column
    :data:`MAX_COLUMNS` is refused.  Blank rows between filled ones come as ``(number, [])``."""
    last = 0  # the last filled row
    for number, cells in rows:
        if number - last > BLANK_RUN:
            table.stopped = last + 1
            return
        if number > MAX_ROWS:
            raise InvalidInput(
                "FILE",
                "sheets.more_than_rows_row_is_filled",
                label=table.label,
                most=MAX_ROWS,
                number=number,
            )
        if len(cells) > MAX_COLUMNS:
            if not blank(cells[MAX_COLUMNS:]):
                raise InvalidInput(
                    "FILE",
                    "sheets.row_fills_a_cell_beyond_column",
                    label=table.label,
                    number=number,
                    most=MAX_COLUMNS,
                )
            del cells[MAX_COLUMNS:]
        if blank(cells):
            continue
        for skipped in range(last + 1, number):
            yield skipped, []
        last = number
        yield number, cells


def _table(label: str, rows: Iterator[Row], total: int | None, sheet: str | None = None) -> Table:
    table = Table(label, [], iter(()), total, sheet)
    bounded = _bounded(table, rows)
    table.head = list(itertools.islice(bounded, HEADER_SCAN))
    table.rest = bounded
    return table


@contextlib.contextmanager
def open_table(path: Path, sheet: str | None = None) -> Iterator[Table]:
    """The rows of a .csv, .xlsx or .jsonl file (a workbook stays open until the block ends)."""
    if not path.is_file():
        raise InvalidInput("FILE", "sheets.no_such_file", path=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        with _open_xlsx(path, sheet) as table:
            yield table
        return
    if sheet is not None:
        raise InvalidInput("--sheet", "sheets.only_an_xlsx_workbook_has_sheets")
    if suffix in (".csv", ".txt", ".tsv"):
        with _read_csv(path) as table:
            yield table
    elif suffix in (".jsonl", ".ndjson"):
        yield _read_jsonl(path)
    elif suffix == ".xls":
        raise InvalidInput("FILE", "sheets.the_old_xls_format_save_it", name=path.name)
    else:
        accepted = [".csv", ".xlsx", ".jsonl"]
        raise InvalidInput("FILE", "sheets.unknown_kind_of_file", accepted=accepted, name=path.name)


def _encoding(path: Path) -> str:
    """UTF-8 (a BOM is skipped) if the whole file decodes as UTF-8, else GB18030 if it does."""
    try:
        with path.open("rb") as raw:
            start = raw.read(4)
            if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise InvalidInput("FILE", "sheets.is_utf_text_save_it_as", name=path.name)
            for encoding in ("utf-8-sig", "gb18030"):
                raw.seek(0)
                decoder = codecs.getincrementaldecoder(encoding)()
                try:
                    while chunk := raw.read(1 << 20):
                        decoder.decode(chunk)
                    decoder.decode(b"", final=True)
                    return encoding
                except UnicodeDecodeError:
                    continue
    except OSError as exc:
        raise InvalidInput(
            "FILE", "sheets.cannot_read", name=path.name, strerror=exc.strerror
        ) from exc
    raise InvalidInput("FILE", "sheets.is_neither_utf_nor_gb_text", name=path.name)


@contextlib.contextmanager
def _text(path: Path) -> Iterator[IO[str]]:
    with path.open(encoding=_encoding(path), newline="") as text:
        yield text


@contextlib.contextmanager
def _read_csv(path: Path) -> Iterator[Table]:
    with _text(path) as text:
        sample = text.read(65536)
        first = next((line for line in sample.splitlines() if line.strip()), "")
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        with path.open("rb") as raw:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter)
        rows: Iterator[Row] = ((n, [*cells]) for n, cells in enumerate(reader, start=1))
        yield _table(path.name, rows, lines or None)


def _read_jsonl(path: Path) -> Table:
    """JSON lines as ``export`` writes them: the keys of the first object are the header."""
    objects: list[tuple[int, dict[str, Any]]] = []
    with _text(path) as text:
        lines = text.read().splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                "FILE", "sheets.line_not_json", name=path.name, number=number, msg=exc.msg
            ) from exc
        if not isinstance(value, dict):
            raise InvalidInput(
                "FILE", "sheets.line_not_a_json_object", name=path.name, number=number
            )
        objects.append((number, _flatten(value)))
    header: list[str] = []
    for _, obj in objects:
        header += [k for k in obj if k not in header]
    rows: list[Row] = [(0, list(header))]
    rows += [(n, [_json_cell(obj.get(k)) for k in header]) for n, obj in objects]
    return _table(path.name, iter(rows), len(rows))


def _flatten(obj: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in obj.items() if k not in ("milestones", "events", "external")}
    external = obj.get("external")
    if isinstance(external, dict):  # another system's ticket and deadline (or its duration)
        out["ticket"] = external.get("ticket")
        out["external_due"] = external.get("limit") or external.get("due")
    for m in obj.get("milestones") or ():
        if isinstance(m, dict) and "name" in m:
            out[f"{m['name']}_due"] = m.get("due_at")
            out[f"{m['name']}_done"] = m.get("done_at")
            out[f"{m['name']}_state"] = m.get("state")
    return out


def _json_cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float):
        return value
    return json.dumps(value, ensure_ascii=False)


def sheet_names(path: Path) -> list[str] | None:
    """The sheets of a workbook, in order (None for a CSV or JSON lines file)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return None
    with _workbook(path) as book:
        return list(book.sheetnames)


@contextlib.contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    from openpyxl import load_workbook  # start-up: only for xlsx

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors alike
        raise InvalidInput(
            "FILE", "sheets.not_a_readable_xlsx_workbook", name=path.name, exc=exc
        ) from exc
    try:
        yield book
    finally:
        book.close()


@contextlib.contextmanager
def _open_xlsx(path: Path, sheet: str | None) -> Iterator[Table]:
    with _workbook(path) as book:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise InvalidInput(
                "--sheet", "sheets.no_sheet_in", book.sheetnames, sheet=sheet, name=path.name
            )
        if not hasattr(ws, "_get_source"):  # a chart sheet
            yield _table(f"{path.name} [{ws.title}]", iter(()), 0, ws.title)
            return
        rows = _xlsx_rows(book, ws)
        try:
            total = min(ws.max_row or 0, MAX_ROWS) or None
            yield _table(f"{path.name} [{ws.title}]", rows, total, ws.title)
        finally:
            rows.close()


def _xlsx_rows(book: Any, ws: Any) -> Generator[Row]:
    """A sheet's rows as its XML has them, streamed: openpyxl's own streaming parser (the one
    its read-only sheets use) without their padding of every row to the dimension the sheet
    declares (``A1:XFD1048576`` would make a billion empty cells).  Cells beyond column
    :data:`MAX_COLUMNS` are not kept (one filled cell stands for them, for the bound)."""
    from openpyxl.cell.read_only import ReadOnlyCell  # start-up: only for xlsx
    from openpyxl.worksheet._reader import WorkSheetParser  # start-up: only for xlsx

    source = ws._get_source()
    try:
        parser = WorkSheetParser(
            source,
            ws._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            if not cells:
                yield number, []
                continue
            width = min(max(c["column"] for c in cells), MAX_COLUMNS + 1)
            row: list[Cell] = [None] * width
            for c in cells:
                value = c["value"]
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                if isinstance(value, datetime):
                    value = _xlsx_cell(ReadOnlyCell(ws, **c))
                elif not isinstance(value, str | int | float | time | date):
                    value = str(value)
                row[min(c["column"], MAX_COLUMNS + 1) - 1] = value
            yield number, row
    finally:
        source.close()


def _xlsx_cell(cell: Any) -> Cell:
    """A cell's value; a date-time formatted without hours is a date (the sheet gave no time)."""
    value = cell.value
    if isinstance(value, datetime) and "h" not in str(getattr(cell, "number_format", "")).lower():
        return value.date()
    if isinstance(value, str | int | float | datetime | time | date) or value is None:
        return value
    return str(value)


# -- cell values ------------------------------------------------------------------------------
class Bad(Exception):
    """One cell's problem (the reason only, as a message of the catalogue: its key and values;
    the caller knows the row and column)."""

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.reason = Msg(key, params)


def cell_text(value: Cell) -> str:
    """A cell as text, the way the sheet shows it."""
    if type(value) is str:
        return value if "\r" not in value else value.replace("\r\n", "\n").replace("\r", "\n")
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}" if value.second else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date | time):
        return value.isoformat()
    text = str(value)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
# a time of day: 14:30, 14:30:05, 14时30分, 14点30分, 14时30分05秒
_TIME = r"(\d{1,2})\s*[:：时点]\s*(\d{1,2})\s*分?(?:\s*[:：]?\s*(\d{1,2})\s*秒?)?"
_CLOCK = re.compile(rf"^{_TIME}$")
# a day as people write it, the year optional (3月5日, 3/5, 3.5), with an optional time of day
_DAY = re.compile(
    rf"^\s*(?:(\d{{4}})\s*[-/.年]\s*)?(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})\s*日?"
    rf"(?:[\sT]*{_TIME})?\s*$"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _serial(number: float) -> datetime | date:
    """An Excel serial day number (46086.5 = 2026-03-05 12:00); whole numbers are dates."""
    if not 1 <= number < 2958466:
        raise Bad("import.bad.serial_not_a_date", value=cell_text(number))
    days = int(number)
    seconds = round((number - days) * 86400)
    moment = _EXCEL_EPOCH + timedelta(days=days, seconds=seconds)
    return moment.date() if seconds == 0 and float(number).is_integer() else moment


def when(value: Cell, year: int | None = None) -> tuple[date, time | None]:
    """A cell as a day and, when the cell gives one, a time of day (local).  A day written
    without its year (``3月5日``, ``3/5``) is in ``year``, and refused when that is None."""
    if type(value) is str:  # most cells of a CSV register: straight to the office formats
        match = _OFFICE.match(value) or _DAY.match(value)
        if match:
            return _office(value, match, year)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(CST).replace(tzinfo=None)
        if value.microsecond:
            value = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
        return value.date(), value.time()
    if isinstance(value, date):
        return value, None
    if isinstance(value, time):
        raise Bad("import.bad.time_without_date")
    if isinstance(value, int | float):
        return when(_serial(float(value)))
    text = cell_text(value).strip()
    match = _DAY.match(text)  # the office formats, with or without a year or a time
    if match:
        return _office(text, match, year)
    if _NUMBER.match(text):
        return when(_serial(float(text)))
    try:
        moment = parse_time(text, "")
    except InvalidInput as exc:
        raise Bad("import.bad.not_a_date", text=text) from exc
    return moment.date(), moment.time()


def _office(text: str, match: re.Match[str], year: int | None) -> tuple[date, time | None]:
    y, mo, d, h, mi, sec = match.groups()
    if y is None and year is None:
        raise Bad("import.bad.no_year", text=text.strip())
    try:
        day = date(int(y or year or 0), int(mo), int(d))
        return day, None if h is None else time(int(h), int(mi), int(sec or 0))
    except ValueError as exc:
        raise Bad("import.bad.no_such_date", text=text.strip()) from exc


def clock(value: Cell, year: int | None = None) -> time | datetime:
    """A time-of-day cell (``14:30``, a time cell, a day fraction); a full date-time is
    returned whole."""
    if isinstance(value, time):
        return value.replace(microsecond=0)
    if isinstance(value, datetime) and value.year > 1900:
        return value
    if isinstance(value, datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, int | float) and 0 <= value < 1:
        seconds = round(value * 86400)
        return time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60)
    text = cell_text(value).strip()
    match = _CLOCK.match(text)
    if match:
        try:
            return time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
        except ValueError as exc:
            raise Bad("import.bad.no_such_time", text=text) from exc
    day, at = when(value, year)
    if at is None:
        raise Bad("import.bad.no_time_of_day", text=text)
    return datetime.combine(day, at)


# -- the header row ---------------------------------------------------------------------------
@dataclass
class Header:
    row: int
    headers: list[str]
    columns: dict[str, int]  # field -> column index
    ignored: list[str]  # headers neither recognised nor mapped (derived ones not listed)
    titles: int = 0  # filled rows above the header (a title, a date line): skipped
    year: int | None = None  # for dates without one: --year, else the sheet's name or title
    own_export: bool = False  # the columns of our own export (its ids, deadlines, states)


def parse_map(entries: Iterable[str]) -> dict[str, str]:
    """``--map 'COLUMN=field'`` entries -> {column header key: field}."""
    mapping: dict[str, str] = {}
    accepted = [*FIELDS, IGNORE]
    for entry in entries:
        column, sep, target = entry.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise InvalidInput("--map", "sheets.use_column_field_e_g_location", entry=entry)
        name = target.strip()
        if name in ("-", IGNORE):
            name = IGNORE
        elif name not in FIELDS:
            found = field_for(name)
            if found is None:
                raise InvalidInput(
                    "--map", "sheets.unknown_field", accepted, entry=entry, name=name
                )
            name = found
        mapping[_key(column)] = name
    return mapping


def _names(cells: list[Cell]) -> list[str]:
    return [cell_text(c).strip() for c in cells]


def _score(names: list[str], mapping: dict[str, str]) -> int:
    """How many of ``names`` are known columns (recognised or mapped)."""
    keys = [_key(n) for n in names if n]
    return sum(1 for k in keys if k in mapping or field_for(k) is not None)


def header_candidates(table: Table, mapping: dict[str, str]) -> tuple[int, int, list[str]] | None:
    """The header among the first rows: (index of its first row in ``table.head``, index of
    its last, its column names).  The row naming the most known columns (at least two), or two
    rows read as one (a group over its sub-columns: ``回访/时间``) when that names more."""
    best: tuple[int, int, int, list[str]] | None = None  # (count, first, last, names)
    head = table.head
    for index, (_, cells) in enumerate(head):
        names = _names(cells)
        count = _score(names, mapping)
        if count >= 2 and (best is None or count > best[0]):
            best = (count, index, index, names)
        if index + 1 < len(head) and sum(1 for n in names if n) >= 2:
            below = _names(head[index + 1][1])
            merged = layout.merge_two_rows(names, below)
            both = _score(merged, mapping)
            if both > max(count, _score(below, mapping), 1) and (best is None or both > best[0]):
                best = (both, index, index + 1, merged)
    return None if best is None else best[1:]


def what_is_on(table: Table) -> str:
    """A sheet's first filled cells, for a message about a sheet without a header."""
    texts = [t for _, cells in table.head for t in _names(cells) if t][:4]
    return ", ".join(repr(t if len(t) <= 20 else t[:19] + "…") for t in texts) or "nothing"


def find_header(table: Table, mapping: dict[str, str], year: int | None = None) -> Header:
    """The header row (or rows): among the first rows, the one naming the most known columns.
    ``year`` (``--year``) is the year of dates written without one; else the year the sheet's
    name or a title row above the header names."""
    found = header_candidates(table, mapping)
    if found is None:
        raise InvalidInput(
            "FILE",
            "sheets.no_header_row_in_the_first",
            label=table.label,
            rows=HEADER_SCAN,
            found=what_is_on(table),
        )
    first, last, headers = found
    number = table.head[last][0]
    above = [_names(cells) for _, cells in table.head[:first]]
    titles = [" ".join(n for n in names if n) for names in above if any(names)]
    if year is None:
        for text in [table.sheet or "", *titles]:
            year = layout.year_in(text)
            if year is not None:
                break
    columns: dict[str, int] = {}
    ignored: list[str] = []
    unused = dict(mapping)
    for index, header in enumerate(headers):
        if not header:
            continue
        key = _key(header)
        target = unused.pop(key, None) or mapping.get(key)
        mapped = target is not None
        target = target or field_for(header)
        if target == IGNORE:
            continue
        if target is None:
            if key not in _DERIVED:
                ignored.append(header)
            continue
        if target in columns:
            other = headers[columns[target]]
            if mapped and _key(other) not in mapping:
                columns[target] = index  # --map wins over a recognised header
                ignored.append(other)
            elif mapped:
                raise InvalidInput(
                    "--map",
                    "sheets.columns_and_both_map_to",
                    other=other,
                    header=header,
                    target=target,
                )
            else:
                ignored.append(header)
            continue
        columns[target] = index
    if unused:
        names = ", ".join(h for h in headers if h)
        raise InvalidInput(
            "--map", "sheets.no_column_in_the_header_row", column=next(iter(unused)), names=names
        )
    missing = [f for f in REQUIRED if f not in columns]
    if "received_at" not in columns and "received_time" not in columns:
        missing.insert(0, "received_at")
    if missing:
        need = missing[0]
        raise InvalidInput(
            "FILE",
            "sheets.no_column_for_e_g_columns",
            label=table.label,
            need=need,
            examples=list(_examples(need)),
            values=[h for h in headers if h],
        )
    own = sum(1 for h in headers if _key(h) in _DERIVED and _key(h) not in _ROW_COLUMNS) >= 3
    if own:
        for index, header in enumerate(headers):
            exported = _EXPORTED.get(_key(header))
            if exported is not None and exported not in columns:
                columns[exported] = index
    return Header(number, headers, columns, ignored, len(titles), year, own)
