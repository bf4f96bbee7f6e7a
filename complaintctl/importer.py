"""Import complaint registers kept in Excel or CSV (issue 7).

Every row of the file (read by :mod:`complaintctl.sheets`) is parsed and validated, and the
good ones written, in ONE transaction that is committed only once every row has been checked
and none is bad (or the bad ones are skipped on request): a failed import writes nothing.  Each
row becomes a complaint with the events the sheet supports (registered, assigned, contact /
plan, resolved, followed up) and deadlines computed as for a complaint typed at the terminal
(``sla.deadlines``).  A source key per row (received time, unit, name, description) keeps a
second import of the same register from duplicating complaints.  The rules for dates without a
time, 是否紧急, missing phones and the rest are in docs/import-export.md.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from complaintctl import integrity, sla, workflow
from complaintctl.errors import InvalidInput
from complaintctl.ledger import Ledger, Writer
from complaintctl.policy import Policy
from complaintctl.sheets import (
    Bad,
    Cell,
    Header,
    Progress,
    Table,
    cell_text,
    clock,
    find_header,
    open_table,
    usual_header,
    when,
)
from complaintctl.timeutil import CST, EARLIEST, from_epoch, local, to_epoch
from complaintctl.vocab import CHANNEL, NATURE, SATISFACTION, SEVERITY, STATUS

MAX_SHOWN = 40  # characters of a cell quoted in a problem
CHUNK = 2000  # rows checked against the ledger's keys, and written, at a time
BULK_CACHE_KIB = 64 * 1024  # SQLite page cache while importing (a limit, not an allocation)
STEPS = ("assigned_at", "contacted_at", "planned_at", "resolved_at", "followed_up_at")
OPEN = ("open", "registered", "assigned", "in_progress")

# Words registers use beyond the vocabularies' own.
_CHANNELS = {
    **dict.fromkeys(("来电", "热线电话"), "phone"),
    **dict.fromkeys(("上门", "前台", "来人"), "visit"),
    **dict.fromkeys(("信件", "书信"), "letter"),
    **dict.fromkeys(("公众号", "小程序", "网上"), "online"),
    **dict.fromkeys(("12345", "市长热线"), "relay"),
}
_SEVERITIES = {"紧急": "major", "严重": "major", "重要": "moderate", "普通": "minor"}
_YES = ("是", "紧急", "急", "y", "yes", "true", "1", "√", "✓")
_NO = ("否", "不紧急", "n", "no", "false", "0", "×")
_STATUS_WORDS = {
    **dict.fromkeys(("已完成", "完成", "已办结", "办结", "已处理", "已解决"), "resolved"),
    **dict.fromkeys(("未完成", "未处理", "待处理", "跟进中"), "open"),
    "已回访": "closed",
}


# -- rows -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    reason: str

    def text(self) -> str:
        shown = self.value if len(self.value) <= MAX_SHOWN else self.value[: MAX_SHOWN - 1] + "…"
        return f"{self.column} {shown!r}: {self.reason}"


@dataclass
class BadRow:
    row: int
    cells: list[str]
    problems: list[Problem]

    @property
    def reason(self) -> str:
        return "; ".join(p.text() for p in self.problems)

    def line(self, label: str) -> str:
        """``投诉记录表.csv:7: 联系电话 '1381234': ... is not a phone number; ...``"""
        return f"{label}:{self.row}: {self.reason}"


@dataclass(slots=True)
class Record:
    """A valid row: everything its events need; times in epoch seconds."""

    row: int
    received: int
    channel: str
    name: str
    phone: str
    unit: str
    description: str
    key: str = ""
    location: str | None = None
    category: str | None = None
    severity: str | None = None
    nature: str | None = None
    department: str | None = None
    handler: str | None = None
    plan: str | None = None
    resolution: str | None = None
    satisfaction: str | None = None
    followup_note: str | None = None
    status: str | None = None  # what a status column says
    assigned_at: int | None = None
    contacted_at: int | None = None
    planned_at: int | None = None
    resolved_at: int | None = None
    followed_up_at: int | None = None


def source_key(received: int, unit: str, name: str, description: str) -> str:
    """What identifies a complaint in a register however the sheet is sorted, edited later or
    re-exported: when it was received, the unit, who and what (NFKC, case and spaces folded)."""

    def fold(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    body = integrity.canonical([1, received, fold(unit), fold(name), fold(description)])
    return hashlib.sha256(body.encode()).hexdigest()


def _reason(exc: InvalidInput) -> str:
    """A core validation error without its CLI option name (the column is named instead)."""
    text, prefix = str(exc), f"{exc.field}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def _moment(day: date, at: time) -> int:
    moment = datetime.combine(day, at, CST)
    if moment < EARLIEST:
        raise Bad(f"{local(moment)} is before 1992")
    return to_epoch(moment)


class RowReader:
    """Parses and validates rows against the recognised columns, the policy and the clock."""

    def __init__(self, ledger: Ledger, header: Header, now: int, default_channel: str) -> None:
        self.columns = header.columns
        self.headers = header.headers
        self.position = {h: i for i, h in reversed(list(enumerate(header.headers)))}
        self.policy_version = ledger.policy_version()
        self.policy = ledger.policy(self.policy_version)
        self.now = now
        self.default_channel = default_channel

    def column(self, name: str) -> str:
        """The header of a field's column, or the field's usual header if the sheet has none."""
        index = self.columns.get(name)
        return self.headers[index] if index is not None else usual_header(name)

    def parse(self, row: int, cells: Sequence[Cell]) -> Record | list[Problem]:
        values: dict[str, Cell] = {}  # the row's non-blank cells by field
        for name, index in self.columns.items():
            value = cells[index] if index < len(cells) else None
            if value is not None and (not isinstance(value, str) or value.strip()):
                values[name] = value
        problems: list[Problem] = []

        def fail(name: str, reason: str) -> None:
            problems.append(Problem(row, self.column(name), cell_text(values.get(name)), reason))

        def check(name: str, convert: Callable[[Cell], Any]) -> Any:
            if name not in values:
                return None
            try:
                return convert(values[name])
            except Bad as exc:
                fail(name, str(exc))
            except InvalidInput as exc:
                fail(name, _reason(exc))
            return None

        received = self._received(values, fail)
        for name in ("unit", "description"):
            if name not in values:
                fail(name, "must not be empty")
        rec = Record(
            row,
            received or 0,
            check("channel", _channel) or self.default_channel,
            check("name", _short) or "",
            check("phone", _phone) or "",
            check("unit", _short) or "",
            check("description", _long) or "",
        )
        rec.severity = check("severity", _severity)
        if rec.severity is None and check("urgent", _urgent):
            rec.severity = "major"
        rec.location = check("location", _short)
        rec.category = check("category", lambda v: workflow.category(self.policy, cell_text(v)))
        rec.nature = check("nature", lambda v: NATURE.parse(cell_text(v)))
        rec.department = check(
            "department", lambda v: workflow.department(self.policy, cell_text(v))
        )
        rec.handler = check("handler", _short)
        rec.plan = check("plan", _long)
        rec.resolution = check("resolution", _long)
        rec.satisfaction, rec.followup_note = check("satisfaction", _satisfaction) or (None, None)
        for step in STEPS:
            setattr(rec, step, check(step, self._later))
        if received is not None:
            self._order(rec, fail)
        rec.status = check("status", _status)
        self._consistent(rec.status, values, fail)
        if problems:
            return sorted(problems, key=lambda p: self.position.get(p.column, len(self.headers)))
        if rec.followed_up_at is None and rec.satisfaction is not None:
            rec.followed_up_at = rec.resolved_at
        rec.key = source_key(rec.received, rec.unit, rec.name, rec.description)
        return rec

    # -- the pieces of a row ------------------------------------------------------------------
    def _received(self, values: dict[str, Cell], fail: Callable[[str, str], None]) -> int | None:
        """The receipt: a date (with or without a time) and/or a time-of-day column."""
        day_cell, time_cell = values.get("received_at"), values.get("received_time")
        name = "received_at"
        try:
            day: date | None = None
            at: time | None = None
            if day_cell is not None:
                day, at = when(day_cell)
            if time_cell is not None:
                name = "received_time"
                moment = clock(time_cell)
                if isinstance(moment, datetime):
                    if day is not None and moment.date() != day:
                        raise Bad(f"another day than {self.column('received_at')}")
                    day, at = moment.date(), moment.time()
                else:
                    at = moment
            if day is None:
                name = "received_at" if "received_at" in self.columns else "received_time"
                raise Bad("must not be empty" if time_cell is None else "no date given")
            epoch = _moment(day, at or time())
            if epoch > self.now + 60:
                raise Bad(f"{local(from_epoch(epoch))} is in the future")
            return epoch
        except Bad as exc:
            fail(name, str(exc))
            return None

    def _later(self, value: Cell) -> int:
        """A step's time; a date alone is the end of that day (23:59, or now if that is today)."""
        day, at = when(value)
        epoch = min(_moment(day, time(23, 59)), self.now) if at is None else _moment(day, at)
        if epoch > self.now + 60:
            raise Bad(f"{local(from_epoch(epoch))} is in the future")
        return epoch

    def _order(self, rec: Record, fail: Callable[[str, str], None]) -> None:
        """Each step after the receipt; assignment, contact and plan not after the
        resolution; the follow-up not before it."""

        def bad(name: str, reason: str, other: int) -> None:
            moment = local(from_epoch(getattr(rec, name)))
            fail(name, f"{moment} is {reason} ({local(from_epoch(other))})")

        done = rec.resolved_at
        for name in STEPS:
            moment = getattr(rec, name)
            if moment is None:
                continue
            if moment < rec.received:
                bad(name, "before the complaint was received", rec.received)
            elif done is not None and name != "followed_up_at" and moment > done:
                bad(name, "after the resolution", done)
            elif done is not None and name == "followed_up_at" and moment < done:
                bad(name, "before the resolution", done)

    def _consistent(
        self, status: str | None, values: dict[str, Cell], fail: Callable[[str, str], None]
    ) -> None:
        """What a resolution, a follow-up or an assignment needs, and what a status column
        claims, must be in the row."""

        def given(name: str) -> bool:
            return name in values

        def needs(name: str, other: str, what: str) -> None:
            if given(name) and not given(other):
                fail(name, f"needs {what} ({self.column(other)})")

        needs("resolution", "resolved_at", "the time it was done")
        needs("resolved_at", "resolution", "the resolution")
        needs("satisfaction", "resolution", "a resolution first")
        needs("followed_up_at", "satisfaction", "the follow-up verdict")
        needs("handler", "department", "the department")
        needs("assigned_at", "department", "the department")
        if status in OPEN and given("resolution"):
            fail("status", "says open, but a resolution is given")
        elif status in ("resolved", "closed") and not given("resolution"):
            fail("status", "says done, but no resolution is given")
        elif status == "closed" and not given("satisfaction"):
            fail("status", "says closed, but no follow-up verdict is given")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # what workflow.text refuses


def _text(value: Cell, limit: int) -> str:
    """A text cell checked as ``workflow.text`` checks typed text (its message on failure)."""
    text = cell_text(value).strip()
    if len(text) <= limit and not _CONTROL.search(text):
        return text
    checked = workflow.text(text, "text", limit=limit)
    assert checked is not None
    return checked


def _short(value: Cell) -> str:
    return _text(value, workflow.MAX_SHORT)


def _long(value: Cell) -> str:
    return _text(value, workflow.MAX_TEXT)


def _phone(value: Cell) -> str:
    text = cell_text(value).strip()
    if "*" in text:
        raise Bad("a masked number (export --with-personal-data to re-import)")
    try:
        return workflow.phone(text)
    except InvalidInput as exc:
        raise Bad(_reason(exc)) from exc


def _channel(value: Cell) -> str:
    text = cell_text(value).strip()
    return _CHANNELS.get(text) or CHANNEL.parse(text)


def _severity(value: Cell) -> str:
    text = cell_text(value).strip()
    return _SEVERITIES.get(text) or SEVERITY.parse(text)


def _urgent(value: Cell) -> bool:
    text = cell_text(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise Bad("unknown value (accepted: 是/紧急 = major, 否)")


def _satisfaction(value: Cell) -> tuple[str, str | None]:
    """满意/不满意 (satisfied/unsatisfied); a longer verdict is kept as the follow-up note."""
    text = cell_text(value).strip()
    try:
        return SATISFACTION.parse(text), None
    except InvalidInput:
        pass
    verdict = "unsatisfied" if "不满" in text else "satisfied" if "满意" in text else None
    if verdict is None:
        raise Bad("unknown verdict (accepted: 满意/satisfied, 不满意/unsatisfied)")
    return verdict, _long(text)


def _status(value: Cell) -> str:
    """A status code (or "open") from a status column: codes, labels or register words."""
    text = cell_text(value).strip()
    return _STATUS_WORDS.get(text) or STATUS.parse(text)


# -- the import -------------------------------------------------------------------------------
@dataclass
class Result:
    file: Path
    label: str  # the file name, and the sheet for a workbook
    header: Header
    policy_version: int
    dry_run: bool
    rows: int = 0  # data rows (blank rows not counted)
    bad: list[BadRow] = field(default_factory=list)
    repeated: list[tuple[int, int]] = field(default_factory=list)  # (row, the same earlier row)
    present: int = 0  # good rows already in the ledger
    new: int = 0  # good rows not in the ledger yet: what is (or would be) imported
    imported: int = 0
    ids: tuple[int, int] | None = None
    rejects: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "header_row": self.header.row,
            "rows": self.rows,
            "imported": self.imported,
            "already_present": self.present,
            "to_import": self.new,
            "repeated_rows": [{"row": r, "same_as_row": e} for r, e in self.repeated],
            "bad_rows": [
                {"row": b.row, "problems": [p.__dict__ for p in b.problems]} for b in self.bad
            ],
            "ignored_columns": self.header.ignored,
            "ids": list(self.ids) if self.ids else None,
            "rejects_file": str(self.rejects) if self.rejects else None,
            "dry_run": self.dry_run,
        }


class _Refused(Exception):
    """Bad rows without ``skip_invalid``: roll everything back."""


def import_file(
    ledger: Ledger,
    path: Path,
    actor: workflow.Actor,
    *,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    default_channel: str = "other",
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> Result:
    """Check every row of ``path`` and write the good ones, all or nothing.

    One pass, in one transaction: rows are checked and written in chunks as the file is read,
    and the transaction is rolled back if any row is bad (unless ``skip_invalid``: then the
    bad rows go to ``<stem>.rejects.csv`` beside the file before the commit).  Nothing is
    committed before every row has been checked.  ``dry_run`` checks without a transaction."""
    channel = CHANNEL.parse(default_channel, "--channel")
    with bulk(ledger), open_table(path, sheet) as table:
        header = find_header(table, mapping or {})
        if dry_run:
            return _pass(ledger, None, table, header, path, actor, channel, False, progress)
        done: list[Result] = []
        try:
            with ledger.write() as w:
                result = _pass(
                    ledger, w, table, header, path, actor, channel, skip_invalid, progress
                )
                done.append(result)
                if result.bad and not skip_invalid:
                    raise _Refused
                if result.bad:  # before the commit, so that a folder we cannot write stops it
                    result.rejects = write_rejects(path, header, result.bad)
        except _Refused:
            done[0].imported, done[0].ids = 0, None
        except BaseException:
            if done and done[0].rejects is not None:
                done[0].rejects.unlink(missing_ok=True)
            raise
        return done[0]


def _pass(
    ledger: Ledger,
    w: Writer | None,
    table: Table,
    header: Header,
    path: Path,
    actor: workflow.Actor,
    channel: str,
    skip_invalid: bool,
    progress: Progress | None,
) -> Result:
    """Read, check and (with a writer, while no row is bad or bad rows are skipped) write."""
    reader = RowReader(ledger, header, actor.epoch, channel)
    result = Result(path, table.label, header, reader.policy_version, dry_run=w is None)
    chain = (
        _Chain(w, ledger, reader.policy, reader.policy_version, actor.by, path.name) if w else None
    )
    seen: dict[str, int] = {}
    batch: list[Record] = []

    def flush() -> None:
        present = _existing(ledger, [r.key for r in batch])
        todo = [r for r in batch if r.key not in present]
        result.present += len(present)
        result.new += len(todo)
        if chain is not None and (skip_invalid or not result.bad):
            chain.add(todo)
        batch.clear()

    for number, cells in table.body(header.row):
        if progress and number % 2000 == 0:
            progress("write" if w else "check", number, table.total)
        if not any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells):
            continue
        result.rows += 1
        parsed = reader.parse(number, cells)
        if isinstance(parsed, list):
            result.bad.append(BadRow(number, [cell_text(c) for c in cells], parsed))
        elif parsed.key in seen:
            result.repeated.append((number, seen[parsed.key]))
        else:
            seen[parsed.key] = number
            batch.append(parsed)
            if len(batch) >= CHUNK:
                flush()
    flush()
    if chain is not None:
        chain.flush()
        result.imported = chain.count
        result.ids = (chain.first, chain.first + chain.count - 1) if chain.count else None
    return result


def _existing(ledger: Ledger, keys: list[str]) -> set[str]:
    """The keys already in the ledger (by the UNIQUE index, 500 at a time)."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        sql = f"SELECT source_key FROM complaints WHERE source_key IN ({marks})"
        found.update(r[0] for r in ledger.conn.execute(sql, chunk))
    return found


@contextlib.contextmanager
def bulk(ledger: Ledger) -> Iterator[None]:
    """For a large import: no cyclic garbage collection (an import makes millions of objects
    and no cycles; each full collection would walk them all) and a larger page cache for the
    random inserts into the unique hash and source-key indexes."""
    collecting = gc.isenabled()
    gc.disable()
    cache = ledger.conn.execute("PRAGMA cache_size").fetchone()[0]
    ledger.conn.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    try:
        yield
    finally:
        ledger.conn.execute(f"PRAGMA cache_size = {int(cache)}")
        if collecting:
            gc.enable()


def write_rejects(path: Path, header: Header, bad: list[BadRow]) -> Path:
    """The rejected rows as the sheet had them, with their row number and the reasons (UTF-8
    with BOM, so Excel opens it); once fixed, the file can be imported as it is."""
    target = path.with_name(f"{path.stem}.rejects.csv")
    width = max([len(header.headers), *(len(b.cells) for b in bad)])
    names = header.headers + [""] * (width - len(header.headers))
    try:
        with target.open("w", encoding="utf-8-sig", newline="") as out:
            sheet = csv.writer(out)
            sheet.writerow([*names, "source_row", "reason"])
            for b in bad:
                sheet.writerow([*b.cells, *[""] * (width - len(b.cells)), b.row, b.reason])
    except OSError as exc:
        raise InvalidInput("--skip-invalid", f"cannot write {target}: {exc.strerror}") from exc
    return target


# -- writing ----------------------------------------------------------------------------------
class _Deadlines:
    """Deadlines as ``register`` computes them (``sla.deadlines``), with the calendar loaded
    once and a cache: registers repeat receipt times (a date alone is 00:00)."""

    def __init__(self, ledger: Ledger, policy: Policy) -> None:
        self.policy = policy
        self.calendar = ledger.calendar()
        self.cache: dict[tuple[int, str | None, str], tuple[dict[str, int | None], int]] = {}

    def __call__(self, rec: Record) -> tuple[dict[str, int | None], int]:
        key = (rec.received, rec.severity, rec.channel)
        found = self.cache.get(key)
        if found is None:
            received = from_epoch(rec.received)
            found = sla.deadlines(self.policy, self.calendar, received, rec.severity, rec.channel)
            self.cache[key] = found
        return dict(found[0]), found[1]


def events_for(
    rec: Record, policy: Policy, version: int, deadlines: _Deadlines, source: dict[str, Any]
) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(kind, at, data) of the events a row stands for, with the data ``workflow`` writes."""
    due, provisional = deadlines(rec)
    registered: dict[str, Any] = {
        "channel": rec.channel,
        "unit": rec.unit,
        "description": rec.description,
        "location": rec.location,
        "category": rec.category,
        "severity": rec.severity,
        "nature": rec.nature,
        "policy_version": version,
        "due": due,
        "provisional": provisional,
        "source_key": rec.key,
    }
    yield "registered", rec.received, {**registered, **source}
    steps: list[tuple[str, int, dict[str, Any]]] = []
    # a contact or a plan at the moment of the resolution is what the resolution marks anyway
    contacted = rec.contacted_at if rec.contacted_at != rec.resolved_at else None
    planned = rec.planned_at if rec.planned_at != rec.resolved_at else None
    for at in sorted({t for t in (contacted, planned) if t is not None}):
        update = {
            "contacted": at == contacted,
            "plan": (rec.plan or "（导入）") if at == planned else None,
            "note": None,
            "update_due": workflow._update_clock(policy, rec.severity, at),
        }
        steps.append(("updated", at, update))
    if rec.department is not None:
        # assigned before the contact and plan (a complaint being handled is 处理中), unless
        # the status column says it is only 已派单: then contact came before the assignment
        at = rec.assigned_at if rec.assigned_at is not None else rec.received
        assigned = ("assigned", at, {"department": rec.department, "handler": rec.handler})
        steps.insert(len(steps) if rec.status == "assigned" else 0, assigned)
    for kind, at, data in steps:
        yield kind, at, {**data, **source}
    if rec.resolved_at is not None and rec.resolution is not None:
        yield "resolved", rec.resolved_at, {"resolution": rec.resolution, **source}
        if rec.satisfaction is not None and rec.followed_up_at is not None:
            verdict = {"satisfaction": rec.satisfaction, "note": rec.followup_note}
            yield "followed_up", rec.followed_up_at, {**verdict, **source}


class _Chain:
    """Checked rows into the ledger as complaints, through the ledger's bulk writer."""

    def __init__(
        self, w: Writer, ledger: Ledger, policy: Policy, version: int, by: str, file: str
    ) -> None:
        self.policy, self.version, self.by, self.file = policy, version, by, file
        self.deadlines = _Deadlines(ledger, policy)
        self.bulk = w.bulk()
        self.first = self.bulk.next_id
        self.count = 0

    def add(self, records: list[Record]) -> None:
        by = self.by
        for rec in records:
            source = {"source": "import", "file": self.file, "row": rec.row}
            steps = events_for(rec, self.policy, self.version, self.deadlines, source)
            self.bulk.add(rec.name, rec.phone, ((kind, at, by, data) for kind, at, data in steps))
            self.count += 1

    def flush(self) -> None:
        self.bulk.flush()
