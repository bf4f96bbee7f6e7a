"""Export the complaints with their milestones: CSV (UTF-8 with BOM), .xlsx or JSON lines.

The columns are ones the importer recognises (:data:`complaintctl.transfer.sheets.FIELDS`), so an
export made ``with_personal`` re-imports into an empty ledger as the same complaints with the
same deadlines.  Each of the five milestones adds its deadline, the time it was met and its
state now; those columns are derived again on import.  Names and phones are masked unless
``with_personal``.  JSON lines carry the JSON contract of ``list --json`` (codes, ISO times).
Files are written as every ``--output`` is (:mod:`complaintctl.store.outfile`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from complaintctl.domain.cells import safe
from complaintctl.domain.model import Complaint
from complaintctl.domain.privacy import mask_name, mask_phone
from complaintctl.domain.sites import number_of
from complaintctl.domain.timeutil import CST, from_epoch, iso, to_epoch
from complaintctl.domain.vocab import (
    CHANNEL,
    KIND,
    MILESTONE_STATES,
    MILESTONES,
    NATURE,
    SATISFACTION,
    SEVERITY,
    STATUS,
    Enum,
)
from complaintctl.reports.display import complaint_json
from complaintctl.sla.milestones import milestones
from complaintctl.store.ledger import Ledger
from complaintctl.store.outfile import check_output, replacing

FORMATS = ("csv", "xlsx", "jsonl")
# (field, Chinese header); the English header is the field itself.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "编号"),
    ("received_at", "受理时间"),
    ("channel", "投诉来源"),
    ("name", "投诉人"),
    ("phone", "联系电话"),
    ("unit", "房号"),
    ("location", "位置"),
    ("description", "投诉内容"),
    ("category", "投诉类别"),
    ("severity", "严重程度"),
    ("nature", "投诉性质"),
    ("department", "处理部门"),
    ("handler", "处理人"),
    ("status", "处理状态"),
    ("resolution", "处理结果"),
    ("resolved_at", "完成时间"),
    ("satisfaction", "回访结果"),
    ("followed_up_at", "回访时间"),
    ("reopen_count", "复议次数"),
    ("extension_count", "延期次数"),
    ("escalation_level", "升级"),
    ("duplicate_of", "重复投诉并入"),
    ("policy_version", "时限政策版本"),
    # issue 20: what the record is, an emergency repair, the time agreed with the owner, and
    # the record a complaint is about (not re-imported: link --about again)
    ("kind", "工单类型"),
    ("urgent", "是否紧急"),
    ("appointment_at", "预约时间"),
    ("about", "所涉工单"),
    # issue 16: another system's ticket number and deadline (the import kept them on the
    # registered event): a deadline given as a duration (3个工作日) is written as that
    ("ticket", "工单编号"),
    ("external_due", "办结时限"),
    # issue 21: the site (项目); 编号, 重复投诉并入 and 所涉工单 are numbers within it
    ("site", "项目"),
)
# milestone -> Chinese headers of its deadline, the time it was met, its state.  The "done"
# headers of respond, assign and plan are the importer's contacted_at, assigned_at, planned_at.
MILESTONE_COLUMNS: dict[str, tuple[str, str, str]] = {
    "respond": ("首次联系时限", "首次联系时间", "首次联系状态"),
    "assign": ("派单时限", "派单时间", "派单状态"),
    "plan": ("方案时限", "方案时间", "方案状态"),
    "resolve": ("完成时限", "实际完成时间", "完成状态"),
    "update": ("反馈时限", "反馈时间", "反馈状态"),
}
_ENUMS: dict[str, Enum] = {
    "channel": CHANNEL,
    "severity": SEVERITY,
    "nature": NATURE,
    "status": STATUS,
    "satisfaction": SATISFACTION,
    "kind": KIND,
}
_TIMES = ("received_at", "resolved_at", "followed_up_at", "appointment_at")
_NUMBERS = ("id", "duplicate_of", "about")  # complaints named by their number in the site


def headers(lang: str) -> list[str]:
    names = [zh if lang == "zh" else name for name, zh in COLUMNS]
    for m in MILESTONES:
        if lang == "zh":
            names += MILESTONE_COLUMNS[m]
        else:
            names += [f"{m}_due", f"{m}_done", f"{m}_state"]
    return names


@dataclass(frozen=True)
class Selection:
    """Which complaints: received from ``start`` to ``end`` (local dates, both included)."""

    start: date | None = None
    end: date | None = None
    kind: str | None = None
    sites: list[str] | None = None  # issue 21: these sites (None: every site)

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.sites is not None:
            clauses.append(f"c.site IN ({', '.join('?' for _ in self.sites)})")
            params += self.sites
        if self.kind is not None:
            clauses.append("c.kind = ?")
            params.append(self.kind)
        if self.start is not None:
            clauses.append("c.received_at >= ?")
            params.append(_day_start(self.start))
        if self.end is not None:
            clauses.append("c.received_at < ?")
            params.append(_day_start(self.end + timedelta(days=1)))
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _day_start(day: date) -> int:
    return to_epoch(datetime.combine(day, datetime.min.time(), CST))


def complaints(
    ledger: Ledger, selection: Selection
) -> Iterator[tuple[Complaint, str | None, str | None]]:
    """The selected complaints in id order, with their name and phone (None once erased)."""
    where, params = selection.where()
    sql = (
        "SELECT c.*, p.name AS p_name, p.phone AS p_phone FROM complaints c "
        f"LEFT JOIN personal p ON p.complaint_id = c.id{where} ORDER BY c.id"
    )
    with ledger.guard():
        for row in ledger.conn.execute(sql, params):
            yield Complaint.from_row(dict(row)), row["p_name"], row["p_phone"]


Outside = dict[int, tuple[str | None, int | None, str | None]]


def outside(ledger: Ledger, selection: Selection) -> Outside:
    """The selected complaints' external ticket number, deadline and its duration, by id:
    one pass over the registered events that name one (few: imported from a hotline)."""
    where, params = selection.where()
    sql = (
        "SELECT e.complaint_id, e.data FROM events e JOIN complaints c ON c.id = e.complaint_id"
        f"{where.replace(' WHERE ', ' WHERE e.kind = ? AND ') if where else ' WHERE e.kind = ?'}"
        " AND (e.data LIKE '%\"ticket\"%' OR e.data LIKE '%\"external_%')"
    )
    found: Outside = {}
    with ledger.guard():
        for complaint_id, data in ledger.conn.execute(sql, ["registered", *params]):
            d = json.loads(data)
            found[complaint_id] = (d.get("ticket"), d.get("external_due"), d.get("external_limit"))
    return found


def _local(epoch: int | None) -> datetime | None:
    """A naive local date-time (what a spreadsheet cell holds)."""
    return from_epoch(epoch).replace(tzinfo=None) if epoch is not None else None


def flat_row(
    ledger: Ledger,
    c: Complaint,
    name: str | None,
    phone: str | None,
    *,
    lang: str,
    personal: bool,
    as_of: int,
    external: tuple[str | None, int | None, str | None] | None = None,
) -> list[Any]:
    """One complaint as the cells of a sheet row: labels (zh) or codes (en), local times."""
    values: list[Any] = []
    ticket, external_due, limit = external or (None, None, None)
    for key, _ in COLUMNS:
        if key == "name":
            values.append((name or "") if personal else mask_name(name))
        elif key == "phone":
            values.append((phone or "") if personal else mask_phone(phone))
        elif key == "received_at" and c.received_time_unknown:
            # the day alone, as the register gave it (issue 16): imports back the same
            values.append(from_epoch(c.received_at).date())
        elif key in _TIMES:
            values.append(_local(getattr(c, key)))
        elif key == "ticket":
            values.append(ticket)
        elif key == "external_due":
            values.append(limit if limit is not None else _local(external_due))
        elif key == "urgent":  # 是 for an emergency repair, else blank (the importer's column)
            values.append(("是" if lang == "zh" else "yes") if c.urgent else None)
        elif key in _ENUMS:
            code = getattr(c, key)
            values.append(_ENUMS[key].label(code, lang) if code is not None else None)
        elif key in _NUMBERS:
            key_value = getattr(c, key)
            values.append(number_of(key_value) if key_value is not None else None)
        else:
            values.append(getattr(c, key))
    states = {m.name: m.state for m in milestones(c, ledger.policy(c.policy_version), as_of)}
    for m in MILESTONES:
        state = states.get(m)
        label = MILESTONE_STATES.get(state, state) if lang == "zh" and state else state
        values += [_local(c.due(m)), _local(c.done(m)), label]
    return values


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}" if value.second else f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def write_csv(rows: Iterator[list[Any]], out: IO[str], lang: str) -> int:
    """CSV with a BOM (Excel then reads UTF-8); times as ``2026-03-05 14:30``; text a
    spreadsheet would run as a formula gets a leading ``'`` (:mod:`complaintctl.domain.cells`)."""
    out.write("\ufeff")
    sheet = csv.writer(out, lineterminator="\r\n")
    sheet.writerow(headers(lang))
    count = 0
    for row in rows:
        sheet.writerow([safe(_text(v)) for v in row])
        count += 1
    return count


def write_xlsx(rows: Iterator[list[Any]], path: Path, lang: str) -> int:
    """One sheet, real date-time cells, frozen header row and filters (xlsxwriter, streamed)."""
    import xlsxwriter  # start-up: only for xlsx

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    try:
        ws = book.add_worksheet("投诉台账" if lang == "zh" else "complaints")
        bold = book.add_format({"bold": True})
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        day = book.add_format({"num_format": "yyyy-mm-dd"})  # a receipt of unknown time
        names = headers(lang)
        ws.write_row(0, 0, names, bold)
        ws.freeze_panes(1, 0)
        for col, name in enumerate(names):
            ws.set_column(
                col, col, 17 if "时" in name or name.endswith(("_at", "_due", "_done")) else 12
            )
        count = 0
        for count, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if isinstance(value, datetime):
                    ws.write_datetime(count, col, value, stamp)
                elif isinstance(value, date):
                    ws.write_datetime(count, col, datetime.combine(value, time()), day)
                elif isinstance(value, str):
                    ws.write_string(count, col, value)
                elif value is not None:
                    ws.write_number(count, col, value)
        ws.autofilter(0, 0, max(count, 1), len(names) - 1)
    finally:
        book.close()
    return count


def export(
    ledger: Ledger,
    fmt: str,
    output: Path | None,
    stream: IO[str],
    *,
    selection: Selection,
    personal: bool,
    lang: str,
    as_of: int,
) -> int:
    """Write the export to ``output`` (atomically, a new file owner-only: see
    :mod:`complaintctl.store.outfile`) or to ``stream``; returns the number of complaints."""
    if output is not None:
        check_output(output, ledger.path)
    selected = complaints(ledger, selection)
    others = outside(ledger, selection)
    if fmt == "jsonl":
        lines = (
            json.dumps(
                _with_external(
                    complaint_json(ledger, c, as_of, personal=(n, p), masked=not personal),
                    others.get(c.id),
                ),
                ensure_ascii=False,
            )
            for c, n, p in selected
        )
        return _to(output, stream, lambda out: _write_lines(lines, out), ledger.path)
    rows = (
        flat_row(
            ledger, c, n, p, lang=lang, personal=personal, as_of=as_of, external=others.get(c.id)
        )
        for c, n, p in selected
    )
    if fmt == "xlsx":
        assert output is not None
        with replacing(output, ledger=ledger.path) as temp:
            return write_xlsx(rows, temp, lang)
    return _to(output, stream, lambda out: write_csv(rows, out, lang), ledger.path)


def _with_external(
    obj: dict[str, Any], found: tuple[str | None, int | None, str | None] | None
) -> dict[str, Any]:
    """A JSON line with the ``external`` object ``show --json`` gives (ticket, due, limit)."""
    if found is not None:
        ticket, due, limit = found
        due_text = iso(from_epoch(due)) if due is not None else None
        obj["external"] = {"ticket": ticket, "due": due_text, **({"limit": limit} if limit else {})}
    return obj


def _write_lines(lines: Iterator[str], out: IO[str]) -> int:
    count = 0
    for line in lines:
        out.write(line + "\n")
        count += 1
    return count


def _to(output: Path | None, stream: IO[str], write: Callable[[IO[str]], int], ledger: Path) -> int:
    if output is None:
        return write(stream)
    with (
        replacing(output, ledger=ledger) as temp,
        temp.open("w", encoding="utf-8", newline="") as out,
    ):
        return write(out)
