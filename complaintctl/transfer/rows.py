"""The rows of a register checked one by one (issue 7): each becomes a :class:`Record` or a
list of :class:`Problem` naming the row, the column, the value and why.

Nothing here touches the ledger: a :class:`RowReader` needs only the policy, the time of the
import and the default channel, so rows can be checked in a worker process
(:mod:`complaintctl.transfer.worker`).  The rules for dates without a time, 是否紧急, missing
phones and the rest are in docs/import-export.md.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from complaintctl.domain.cells import restore
from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.messages import Msg, render
from complaintctl.domain.model import LEVELS
from complaintctl.domain.privacy import mask_phone
from complaintctl.domain.timeutil import CST, EARLIEST, OFFSET, from_epoch, local, to_epoch
from complaintctl.domain.vocab import (
    APPOINTMENT_KINDS,
    CHANNEL,
    KIND,
    MILESTONES,
    NATURE,
    SATISFACTION,
    SEVERITY,
    STATUS,
)
from complaintctl.sla.policy import Policy
from complaintctl.store import chain as integrity
from complaintctl.time.deadlines import Duration, parse_duration
from complaintctl.transfer.sheets import (
    EXPORTED,
    Bad,
    Cell,
    Header,
    cell_text,
    clock,
    usual_header,
    when,
)
from complaintctl.workflow import steps as workflow
from complaintctl.workflow.actor import MAX_SHORT

MAX_SHOWN = 40  # characters of a cell quoted in a problem
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
    column: str  # the sheet's own header
    value: str
    reason: Msg  # a message of the catalogue (import.bad.*, or a core error's)

    @property
    def key(self) -> str:
        """The reason's key (a core error's own key when its accepted values are added)."""
        inner = self.reason.params.get("message")
        return inner.key if self.reason.key == "error.accepted" and inner else self.reason.key

    def text(self, lang: str = "zh") -> str:
        """``列「联系电话」“138****1234”：不是手机号…`` / ``column '联系电话' '138****1234': …``"""
        shown = self.value if len(self.value) <= MAX_SHOWN else self.value[: MAX_SHOWN - 1] + "…"
        key = "import.problem" if shown else "import.problem.blank"
        return render(key, {"column": self.column, "value": shown, "reason": self.reason}, lang)

    def to_json(self) -> dict[str, Any]:
        """A stable English reason (and its key) for scripts, whatever the run's language."""
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": render(self.reason.key, self.reason.params, "en"),
            "reason_key": self.key,
        }


@dataclass
class BadRow:
    row: int
    cells: list[str]
    problems: list[Problem]
    sheet: str | None = None  # the sheet, when a workbook's several sheets are imported

    def reason(self, lang: str = "zh") -> str:
        """The row's problems in ``lang`` (the rejects file's ``reason`` column)."""
        sep = render("import.problem.sep", {}, lang)
        return sep.join(p.text(lang) for p in self.problems)

    def line(self, label: str, lang: str = "zh") -> str:
        """``登记表.xlsx:第 7 行：列「房号」：不能为空`` / ``登记表.xlsx:7: column '房号': must
        not be empty``"""
        params = {"label": label, "row": self.row, "problems": self.reason(lang)}
        return render("import.bad_row", params, lang)


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
    kind: str = "complaint"  # issue 20: 投诉 complaint, 报修 repair, 服务, 咨询, 建议
    urgent: bool = False  # an emergency repair
    appointment_at: int | None = None  # a repair's or service request's agreed time
    withheld: bool = False  # the sheet had the phone masked (another system's export)
    # a row of our own export: what its steps do not make (the data of a "carried" event),
    # its number in the exported ledger and that of the complaint it is a duplicate of
    carried: dict[str, Any] | None = None
    export_id: int | None = None
    main_export_id: int | None = None
    ticket: str | None = None  # another system's ticket number (工单编号)
    external_due: int | None = None  # that system's deadline (处理时限 / 办结时限)
    external_limit: Duration | None = None  # that deadline as a duration (3个工作日)
    # issue 16: the receipt's day without its time (``received`` is 00:00 of that day), and
    # a result without the time it was done: imported as handled at an unknown time
    received_time_unknown: bool = False
    handled_time_unknown: bool = False


def source_key(received: int, unit: str, name: str, description: str) -> str:
    """What identifies a complaint in a register however the sheet is sorted, edited later or
    re-exported: when it was received, the unit, who and what (NFKC, case and spaces folded)."""

    def fold(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    body = integrity.canonical([1, received, fold(unit), fold(name), fold(description)])
    return hashlib.sha256(body.encode()).hexdigest()


def _reason(exc: InvalidInput) -> Msg:
    """A core validation error's message without its CLI option name (the column is named
    instead), with its accepted values."""
    message = Msg(exc.key, exc.params)
    if exc.accepted:
        return Msg("error.accepted", {"message": message, "accepted": exc.accepted})
    return message


_EPOCH_DAY = date(1970, 1, 1).toordinal()
_EARLIEST = to_epoch(EARLIEST)


def _moment(day: date, at: time) -> int:
    """Epoch seconds of a local day and time (what ``to_epoch(datetime.combine(day, at,
    CST))`` gives, by arithmetic: a register has hundreds of thousands of them)."""
    epoch = (day.toordinal() - _EPOCH_DAY) * 86400 + at.hour * 3600 + at.minute * 60 + at.second
    epoch -= OFFSET
    if epoch < _EARLIEST:
        raise Bad("import.bad.before_1992", moment=local(datetime.combine(day, at, CST)))
    return epoch


class RowReader:
    """Parses and validates rows against the recognised columns, the policy and the clock."""

    def __init__(self, header: Header, policy: Policy, now: int, default_channel: str) -> None:
        self.columns = header.columns
        self.headers = header.headers
        self.position = {h: i for i, h in reversed(list(enumerate(header.headers)))}
        self.policy = policy
        self.now = now
        self.default_channel = default_channel
        self.year = header.year
        self.own = header.own_export
        self._known_time = True  # whether the last receipt read gave its time of day
        # how each field's cell is read and checked (the receipt is read by _received)
        self.convert: dict[str, Callable[[Cell], Any]] = {
            "channel": _channel,
            "name": _visible,
            "phone": _phone if header.own_export else _phone_or_withheld,
            "unit": _visible,
            "description": _long,
            "severity": _severity,
            "urgent": _urgent,
            "location": _short,
            "category": lambda v: workflow.category(policy, cell_text(v)),
            "nature": lambda v: NATURE.parse(cell_text(v)),
            "department": lambda v: workflow.department(policy, cell_text(v)),
            "handler": _visible,
            "plan": _long,
            "resolution": _long,
            "satisfaction": _satisfaction,
            "status": _own_status if header.own_export else _status,
            "kind": lambda v: KIND.parse(cell_text(v)),
            "appointment_at": _appointment,
            "ticket": _short,
            "external_due": self._external_due,
            **dict.fromkeys(STEPS, self._later),
            **dict.fromkeys(
                ("export_id", "reopen_count", "extension_count", "duplicate_of"), _count
            ),
            "escalation_level": _level,
            "escalations": _codes,
            "update_state": lambda v: (
                "late" if cell_text(v).strip() in ("late", "超时完成") else ""
            ),
            **dict.fromkeys((f for f in EXPORTED if f.endswith(("_due", "_done"))), self._exact),
        }
        # each recognised column: its field, its index and how its cell is read (None: the
        # receipt, read with its companion column by _received)
        self.plan = [(name, i, self.convert.get(name)) for name, i in header.columns.items()]

    def column(self, name: str) -> str:
        """The header of a field's column, or the field's usual header if the sheet has none."""
        index = self.columns.get(name)
        return self.headers[index] if index is not None else usual_header(name)

    def parse(self, row: int, cells: Sequence[Cell]) -> Record | list[Problem]:
        values: dict[str, Cell] = {}  # the row's non-blank cells by field
        given: dict[str, Any] = {}  # the other fields, converted (only the non-blank ones)
        unread: list[tuple[str, Msg]] = []  # (field, why its cell could not be read)
        width = len(cells)
        for name, index, convert in self.plan:
            if index >= width:
                continue
            value = cells[index]
            if value is None or (type(value) is str and not value.strip()):
                continue
            values[name] = value
            if convert is not None:
                try:
                    given[name] = convert(value)
                except Bad as exc:
                    unread.append((name, exc.reason))
                except InvalidInput as exc:
                    unread.append((name, _reason(exc)))
        problems: list[Problem] = []

        def fail(name: str, reason: Msg) -> None:
            shown = cell_text(values.get(name))
            if name == "phone":  # never echoed (a mistyped number is still somebody's)
                shown = mask_phone(shown) if shown else shown
            problems.append(Problem(row, self.column(name), shown, reason))

        received = self._received(values, fail)
        known_time = self._known_time
        for name in ("unit", "description"):
            if name not in values:
                fail(name, Msg("import.bad.empty"))
        for name, reason in unread:
            fail(name, reason)
        get = given.get
        rec = Record(
            row,
            received or 0,
            get("channel") or self.default_channel,
            get("name") or "",
            get("phone") or "",
            get("unit") or "",
            get("description") or "",
        )
        rec.received_time_unknown = not known_time
        rec.severity = get("severity") or ("major" if get("urgent") else None)
        _kind(rec, get, fail)
        rec.location = get("location")
        rec.category = get("category")
        rec.nature = get("nature")
        rec.department = get("department")
        rec.handler = get("handler")
        rec.plan = get("plan")
        rec.resolution = get("resolution")
        rec.satisfaction, rec.followup_note = get("satisfaction") or (None, None)
        rec.assigned_at = get("assigned_at")
        rec.contacted_at = get("contacted_at")
        rec.planned_at = get("planned_at")
        rec.resolved_at = get("resolved_at")
        rec.followed_up_at = get("followed_up_at")
        duplicate = self.own and get("duplicate_of") is not None
        if received is not None and not duplicate:  # a duplicate's marks are its main's
            self._order(rec, fail)
        rec.status = get("status")
        rec.ticket = get("ticket")
        external = get("external_due")
        if isinstance(external, Duration):  # 3个工作日: counted from the receipt by the builder
            rec.external_limit = external
        else:
            rec.external_due = external
        if rec.phone == WITHHELD:
            rec.phone, rec.withheld = "", True
        if self.own:
            self._carry(rec, given)
        self._consistent(rec.status, values, fail)
        if problems:
            return sorted(problems, key=lambda p: self.position.get(p.column, len(self.headers)))
        # a result without its time: handled at an unknown time (never an invented one)
        rec.handled_time_unknown = rec.resolution is not None and rec.resolved_at is None
        if rec.followed_up_at is None and rec.satisfaction is not None:
            rec.followed_up_at = rec.resolved_at  # None when handled at an unknown time
        rec.key = source_key(rec.received, rec.unit, rec.name, rec.description)
        return rec

    # -- the pieces of a row ------------------------------------------------------------------
    def _received(self, values: dict[str, Cell], fail: Callable[[str, Msg], None]) -> int | None:
        """The receipt: a date (with or without a time) and/or a time-of-day column.  A date
        alone is 00:00 of that day, with ``_known_time`` False (the time is unknown)."""
        day_cell, time_cell = values.get("received_at"), values.get("received_time")
        name = "received_at"
        self._known_time = True
        try:
            day: date | None = None
            at: time | None = None
            if day_cell is not None:
                day, at = when(day_cell, self.year)
            if time_cell is not None:
                name = "received_time"
                moment = self._clock_or_day(time_cell)
                if isinstance(moment, time):
                    at = moment
                else:  # a date-time, or a date alone (the time unknown)
                    that = moment.date() if isinstance(moment, datetime) else moment
                    if day is not None and that != day:
                        raise Bad("import.bad.another_day", column=self.column("received_at"))
                    day = that
                    if isinstance(moment, datetime):
                        at = moment.time()
            if day is None:
                name = "received_at" if "received_at" in self.columns else "received_time"
                raise Bad("import.bad.empty" if time_cell is None else "import.bad.no_date")
            self._known_time = at is not None
            epoch = _moment(day, at or time())
            if epoch > self.now + 60:
                raise Bad("import.bad.future", moment=local(from_epoch(epoch)))
            return epoch
        except Bad as exc:
            fail(name, exc.reason)
            return None

    def _clock_or_day(self, value: Cell) -> time | datetime | date:
        """A time-of-day cell; a date alone there (a register's 投诉时间 column holding only
        dates, issue 16) is the day, its time unknown, not a bad row."""
        try:
            return clock(value, self.year)
        except Bad:
            day, at = when(value, self.year)  # its own message when it is no date either
            if at is not None:
                raise
            return day

    def _later(self, value: Cell) -> int:
        """A step's time; a date alone is the end of that day (23:59, or now if that is today)."""
        day, at = when(value, self.year)
        epoch = min(_moment(day, time(23, 59)), self.now) if at is None else _moment(day, at)
        if epoch > self.now + 60:
            raise Bad("import.bad.future", moment=local(from_epoch(epoch)))
        return epoch

    def _external_due(self, value: Cell) -> int | Duration:
        """Another system's deadline: a moment, or a duration from the receipt as a 12345
        ticket writes it (``3个工作日``, ``5天``, ``24小时``, ``3wd``)."""
        text = cell_text(value).strip() if isinstance(value, str) else ""
        match = _LIMIT.match(text)
        if match:
            amount, unit = match.groups()
            return parse_duration(f"{amount}{_LIMIT_UNITS.get(unit, unit)}", "external_due")
        try:
            return self._exact(value)
        except Bad as exc:
            raise Bad("import.bad.or_a_duration", reason=exc.reason) from exc

    def _exact(self, value: Cell) -> int:
        """A deadline or a done mark of an export, as it is (a date alone is 00:00)."""
        day, at = when(value, self.year)
        return _moment(day, at or time())

    def _carry(self, rec: Record, given: dict[str, Any]) -> None:
        """What a row of our own export shows beyond its steps, for a "carried" event: every
        deadline and done mark as exported, the counters, the level, the status."""
        marks = {"respond": "contacted_at", "assign": "assigned_at", "plan": "planned_at"}
        carried: dict[str, Any] = {
            "reopen_count": given.get("reopen_count") or 0,
            "extension_count": given.get("extension_count") or 0,
            "escalation_level": given.get("escalation_level"),
            "due": {m: given.get(f"{m}_due") for m in MILESTONES},
            "done": {m: given.get(marks.get(m, f"{m}_done")) for m in MILESTONES},
            # the export shows a missed progress report only once the clock is done (late)
            "update_missed": 1 if given.get("update_state") == "late" else 0,
        }
        if "escalations" in self.columns:
            carried["escalations"] = given.get("escalations") or []
        if rec.status is not None and rec.status != "open":
            carried["status"] = rec.status
        rec.carried = carried
        rec.export_id = given.get("export_id")
        rec.main_export_id = given.get("duplicate_of")

    def _order(self, rec: Record, fail: Callable[[str, Msg], None]) -> None:
        """Each step after the receipt; assignment, contact and plan not after the
        resolution; the follow-up not before it."""

        def bad(name: str, key: str, other: int) -> None:
            moment = local(from_epoch(getattr(rec, name)))
            fail(name, Msg(key, {"moment": moment, "other": local(from_epoch(other))}))

        done = rec.resolved_at
        for name in STEPS:
            moment = getattr(rec, name)
            if moment is None:
                continue
            if moment < rec.received:
                bad(name, "import.bad.before_receipt", rec.received)
            elif done is not None and name != "followed_up_at" and moment > done:
                bad(name, "import.bad.after_resolution", done)
            elif done is not None and name == "followed_up_at" and moment < done:
                bad(name, "import.bad.before_resolution", done)

    def _consistent(
        self, status: str | None, values: dict[str, Cell], fail: Callable[[str, Msg], None]
    ) -> None:
        """What a resolution, a follow-up or an assignment needs, and what a status column
        claims, must be in the row."""

        for name, other, key in _NEEDS:
            if self.own and name == "assigned_at":
                continue  # an export's dispatch mark: a close from 已登记 marks it too
            if name in values and other not in values:
                fail(name, Msg(key, {"column": self.column(other)}))
        if status in OPEN and "resolution" in values:
            fail("status", Msg("import.bad.status_open_resolved"))
        elif status in ("resolved", "closed") and "resolution" not in values:
            fail("status", Msg("import.bad.status_done_unresolved"))
        elif status == "closed" and "satisfaction" not in values:
            fail("status", Msg("import.bad.status_closed_no_verdict"))


# A deadline written as a duration: 3个工作日, 5 天, 24小时, 30分钟, or 3wd, 24h.
_LIMIT_UNITS = {"个工作日": "wd", "工作日": "wd", "个自然日": "d", "自然日": "d", "天": "d",
                "日": "d", "个小时": "h", "小时": "h", "分钟": "m"}  # fmt: skip
_LIMIT = re.compile(
    r"^(\d+)\s*(个工作日|工作日|个自然日|自然日|天|日|个小时|小时|分钟|wd|d|h|m)$", re.I
)

# (a field, the field it needs, the reason's key): the cells a row must give together
_NEEDS = (
    ("resolved_at", "resolution", "import.bad.needs_resolution"),
    ("satisfaction", "resolution", "import.bad.needs_resolution_first"),
    ("followed_up_at", "satisfaction", "import.bad.needs_verdict"),
    ("handler", "department", "import.bad.needs_department"),
    ("assigned_at", "department", "import.bad.needs_department"),
)

# what workflow.text refuses in any text (control characters, direction overrides)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\u202a-\u202e\u2066-\u2069]")


def _text(value: Cell, limit: int, visible: bool = False) -> str:
    """A text cell checked as ``workflow.text`` checks typed text (its message on failure);
    the ``'`` an export put before formula characters is taken off again."""
    text = restore(cell_text(value)).strip()
    # the fast path; names, units and handlers also without invisible characters
    if len(text) <= limit and not _CONTROL.search(text) and (not visible or text.isprintable()):
        return text
    checked = workflow.text(text, "text", limit=limit, visible=visible)
    assert checked is not None
    return checked


def _short(value: Cell) -> str:
    return _text(value, MAX_SHORT)


def _visible(value: Cell) -> str:
    """A name, unit or handler: one line of visible text."""
    return _text(value, MAX_SHORT, visible=True)


def _long(value: Cell) -> str:
    return _text(value, workflow.MAX_TEXT)


def _phone(value: Cell) -> str:
    text = restore(cell_text(value)).strip()
    if "*" in text:
        raise Bad("import.bad.masked_phone")
    return workflow.phone(text)  # an InvalidInput: its own message (see RowReader.parse)


WITHHELD = "\x00withheld"  # a masked phone of another system's export: stored empty


def _phone_or_withheld(value: Cell) -> str:
    """A phone; masked (``138****5678``, another system's export) it is withheld: stored empty
    and counted in the summary.  Our own masked export is refused instead (:func:`_phone`)."""
    if "*" in cell_text(value):
        return WITHHELD
    return _phone(value)


def _count(value: Cell) -> int:
    text = cell_text(value).strip()
    if not text.isdigit():
        raise Bad("import.bad.not_a_count")
    return int(text)


def _level(value: Cell) -> str:
    text = cell_text(value).strip()
    if text not in LEVELS[1:]:
        raise Bad("import.bad.level", accepted=[str(x) for x in LEVELS[1:]])
    return text


def _codes(value: Cell) -> list[str]:
    """A list of codes: JSON (a JSON lines export) or separated by commas."""
    text = cell_text(value).strip()
    if text.startswith("["):
        try:
            found = json.loads(text)
        except ValueError as exc:
            raise Bad("import.bad.not_a_list") from exc
        return [str(x) for x in found]
    return [c.strip() for c in re.split(r"[,，、;；]", text) if c.strip()]


def _channel(value: Cell) -> str:
    text = cell_text(value).strip()
    return _CHANNELS.get(text) or CHANNEL.parse(text)


def _appointment(value: Cell) -> int:
    """The time agreed with the owner (a date alone: the end of that day); may be ahead."""
    day, at = when(value)
    return _moment(day, at or time(23, 59))


def _kind(rec: Record, get: Callable[[str], Any], fail: Callable[[str, Msg], None]) -> None:
    """A record of another kind than a complaint (issue 20): 紧急 marks an emergency repair,
    not a 重大 severity; an appointment belongs to a repair or service request."""
    rec.kind = get("kind") or "complaint"
    if rec.kind == "complaint":
        if get("appointment_at") is not None:
            fail("appointment_at", Msg("import.bad.appointment_kind"))
        return
    rec.severity = get("severity")
    if get("urgent"):
        if rec.kind == "repair":
            rec.urgent = True
        else:
            fail("urgent", Msg("import.bad.urgent_kind"))
    agreed = get("appointment_at")
    if agreed is not None:
        if rec.kind not in APPOINTMENT_KINDS:
            fail("appointment_at", Msg("import.bad.appointment_kind"))
        elif agreed <= rec.received:
            fail("appointment_at", Msg("import.bad.appointment_early"))
        else:
            rec.appointment_at = agreed


def _severity(value: Cell) -> str:
    text = cell_text(value).strip()
    return _SEVERITIES.get(text) or SEVERITY.parse(text)


def _urgent(value: Cell) -> bool:
    text = cell_text(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise Bad("import.bad.urgent")


# A longer verdict's level, by the first of these words it holds (非常不满 before 不满 before
# 满意: 基本满意 stays 基本满意, not 满意).
_LEVEL_WORDS = (
    ("非常不满", "very_dissatisfied"),
    ("不满", "unsatisfied"),
    ("基本满意", "basically_satisfied"),
    ("非常满意", "very_satisfied"),
    ("满意", "satisfied"),
)


def _satisfaction(value: Cell) -> tuple[str, str | None]:
    """The five levels (非常满意, 满意, 基本满意, 不满意, 非常不满意, their English codes, 5..1);
    a longer verdict is kept as the follow-up note."""
    text = cell_text(value).strip()
    try:
        return SATISFACTION.parse(text), None
    except InvalidInput:
        pass
    verdict = next((code for word, code in _LEVEL_WORDS if word in text), None)
    if verdict is None:
        raise Bad("import.bad.verdict")
    return verdict, _long(text)


def _own_status(value: Cell) -> str:
    """A status of our own export: codes, labels or register words; 已作废 too, so an entry
    cancelled as made in error goes round the trip as one (counted apart, in no figure)."""
    text = cell_text(value).strip()
    return _STATUS_WORDS.get(text) or STATUS.parse(text)


def _status(value: Cell) -> str:
    """A status code (or "open") from a status column: codes, labels or register words."""
    status = _own_status(value)
    if status == "cancelled":  # not a complaint: leave it out of the sheet (issue 14)
        raise Bad("import.bad.cancelled")
    return status
