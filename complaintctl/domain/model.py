"""A complaint's state and the one function that moves it: ``apply(state, event)``.

The ledger is an append-only event log.  Every write computes the new state with ``apply``
and stores it beside the event in the same transaction; ``verify`` folds the log with the same
function and compares.  ``apply`` is pure: anything that needs the calendar or the policy (a
deadline) is computed by the workflow beforehand and carried in the event's data under
``due`` (milestone -> epoch seconds or null) and ``provisional`` (a bit mask).
"""

from __future__ import annotations

import copy
import json
import operator
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

from complaintctl.domain.sites import FIRST, in_site_of, site_of
from complaintctl.domain.timeutil import OFFSET, from_epoch
from complaintctl.domain.vocab import MILESTONES, OPEN_STATUSES

LEVELS = (None, "manager", "senior")
# the fields a "carried" event sets as they are given
CARRIED = ("status", "reopen_count", "extension_count", "escalation_level", "escalations",
           "duplicate_of", "update_missed")  # fmt: skip


# Keys of event data whose integers are moments (Unix seconds in the ledger), and keys whose
# dict values are moments by milestone.  Every output turns them into times people read: ISO
# 8601 +08:00 in JSON (reports/display), local time in a history (reports/history).
MOMENT_KEYS = frozenset({"from", "update_due", "received_at", "at", "resolved_at", "appointment"})
MOMENT_MAPS = frozenset({"due", "previous_due", "done"})


def is_moment(key: str) -> bool:
    """Whether an integer under ``key`` in event data is a moment."""
    return key in MOMENT_KEYS or key.endswith(("_at", "_due"))


@dataclass(frozen=True)
class Event:
    kind: str
    complaint_id: int | None
    at: int
    by: str
    data: dict[str, Any]
    recorded_at: int = 0
    seq: int = 0
    pii: str | None = None


@dataclass
class Complaint:
    id: int
    received_at: int
    received_month: str
    channel: str
    unit: str
    description: str
    policy_version: int
    status: str = "registered"
    location: str | None = None
    category: str | None = None
    severity: str | None = None
    nature: str | None = None
    department: str | None = None
    handler: str | None = None
    satisfaction: str | None = None
    resolution: str | None = None
    resolved_at: int | None = None
    followed_up_at: int | None = None
    reopen_count: int = 0
    extension_count: int = 0
    escalation_level: str | None = None
    escalations: list[str] = field(default_factory=list)
    duplicate_of: int | None = None
    collective_of: int | None = None
    respond_due: int | None = None
    respond_done: int | None = None
    assign_due: int | None = None
    assign_done: int | None = None
    plan_due: int | None = None
    plan_done: int | None = None
    resolve_due: int | None = None
    resolve_done: int | None = None
    update_due: int | None = None
    update_done: int | None = None
    update_missed: int = 0
    provisional: int = 0
    next_due: int | None = None
    source_key: str | None = None
    last_seq: int = 0
    reopened_at: int | None = None  # the last 复议 reopening: the start of resolve's span
    # issue 20: what the record is (投诉 by default), an emergency repair, the agreed time
    kind: str = "complaint"
    urgent: int = 0
    appointment_at: int | None = None
    about: int | None = None  # the record a complaint is about (``link --about``)
    site: str = FIRST  # issue 21: the site (项目) its id belongs to (domain/sites.py)
    # issue 16, honest history: a register gave the day of receipt without its time, or the
    # result without the time it was done; ``unjudged``, a bit mask like ``provisional``: the
    # milestones whose outcome cannot be judged (neither met nor breached) for want of a time
    received_time_unknown: int = 0
    handled_time_unknown: int = 0
    unjudged: int = 0

    # -- conversions -------------------------------------------------------------------------
    def to_row(self) -> dict[str, Any]:
        return dict(zip(COLUMNS, self.to_values(), strict=True))

    def to_values(self) -> list[Any]:
        """The complaints row's values, in the order of :data:`COLUMNS`."""
        values = list(_VALUES(self))  # every field is a scalar but escalations (dumped here)
        values[_ESCALATIONS] = (
            json.dumps(self.escalations, ensure_ascii=False) if self.escalations else "[]"
        )
        return values

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Complaint:
        values = {name: row[name] for name in COLUMNS if name in row}  # not fields(): per row
        values["escalations"] = json.loads(row.get("escalations") or "[]")
        return cls(**values)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def due(self, milestone: str) -> int | None:
        value: int | None = getattr(self, _DUE[milestone])
        return value

    def done(self, milestone: str) -> int | None:
        value: int | None = getattr(self, _DONE[milestone])
        return value

    def is_provisional(self, milestone: str) -> bool:
        return bool(self.provisional & (1 << MILESTONES.index(milestone)))

    def is_unjudged(self, milestone: str) -> bool:
        """Whether a milestone cannot be judged for want of a time (issue 16)."""
        return bool(self.unjudged & (1 << MILESTONES.index(milestone)))


# The complaints table's columns: the fields, in order.
COLUMNS = tuple(f.name for f in fields(Complaint))
_VALUES = operator.attrgetter(*COLUMNS)
_ESCALATIONS = COLUMNS.index("escalations")


def provisional_mask(names: list[str] | set[str]) -> int:
    return sum(1 << MILESTONES.index(m) for m in names)


# the columns of each milestone (a fold sets them hundreds of thousands of times)
_DUE = {m: f"{m}_due" for m in MILESTONES}
_DONE = {m: f"{m}_done" for m in MILESTONES}


def _month(epoch: int) -> str:
    """The local calendar month of a moment, ``2026-03``."""
    return _month_of_day((epoch + OFFSET) // 86400)


@lru_cache(maxsize=4096)
def _month_of_day(day: int) -> str:
    moment = from_epoch(day * 86400 - OFFSET)
    return f"{moment.year:04d}-{moment.month:02d}"


def _mark_done(state: Complaint, milestone: str, at: int) -> None:
    """Record when a step was first done, whether or not it has a deadline yet: a complaint
    assigned before it was classified has met ``assign`` when classification adds one."""
    name = _DONE[milestone]
    if getattr(state, name) is None:
        setattr(state, name, at)


def _progress(state: Complaint, at: int, next_due: int | None) -> None:
    """A progress report restarts the recurring ``update`` clock."""
    if state.update_due is not None and state.update_done is None:
        if at > state.update_due:
            state.update_missed += 1
        state.update_due = next_due


def _raise_level(state: Complaint, level: str | None) -> None:
    if LEVELS.index(level) > LEVELS.index(state.escalation_level):
        state.escalation_level = level


def apply(state: Complaint | None, event: Event) -> Complaint:
    """Return the state after ``event``.  ``state`` is not modified."""
    if state is not None and event.kind != "registered":
        state = copy.copy(state)  # a shallow copy; the one list field is copied below
        state.escalations = list(state.escalations)
    return advance(state, event.kind, event.complaint_id, event.at, event.data, event.seq)


def advance(
    state: Complaint | None,
    kind: str,
    complaint_id: int | None,
    at: int,
    data: dict[str, Any],
    seq: int,
) -> Complaint:
    """``apply`` without the copy, for a fold that owns its states (``verify``, a bulk
    import): ``state`` is changed in place and returned (a new one for ``registered``)."""
    if kind == "registered":
        assert complaint_id is not None
        new = Complaint(
            id=complaint_id,
            received_at=at,
            received_month=_month(at),
            channel=data["channel"],
            unit=data["unit"],
            description=data["description"],
            policy_version=data["policy_version"],
            location=data.get("location"),
            category=data.get("category"),
            severity=data.get("severity"),
            nature=data.get("nature"),
            source_key=data.get("source_key"),
            kind=data.get("kind", "complaint"),
            urgent=1 if data.get("urgent") else 0,
            appointment_at=data.get("appointment"),
            site=site_of(complaint_id),
            received_time_unknown=1 if data.get("time_unknown") else 0,
        )
    else:
        if state is None:
            raise ValueError(f"event {kind} before the complaint was registered")
        new = state
        if kind == "classified":
            for key in ("severity", "category", "nature"):
                if data.get(key) is not None:
                    setattr(new, key, data[key])
        elif kind == "assigned":
            new.department = data["department"]
            new.handler = data.get("handler")
            if not data.get("time_unknown"):
                _mark_done(new, "assign", at)
            elif new.assign_done is None and new.assign_due is not None:
                new.unjudged |= 1 << MILESTONES.index("assign")  # dispatched, when unknown
            if new.status == "registered":
                new.status = "assigned"
        elif kind == "updated":
            if data.get("contacted"):
                _mark_done(new, "respond", at)
            if data.get("plan"):
                _mark_done(new, "plan", at)
            _progress(new, at, data.get("update_due"))
            if new.status == "assigned":
                new.status = "in_progress"
        elif kind == "extended":
            new.extension_count += 1
        elif kind == "escalated":
            if data.get("severity"):
                new.severity = data["severity"]
            if data.get("reason_code") and data["reason_code"] not in new.escalations:
                new.escalations = [*new.escalations, data["reason_code"]]
            _raise_level(new, data.get("level"))
            if data.get("collective_of") is not None:
                new.collective_of = in_site_of(new.id, data["collective_of"])
        elif kind == "resolved" and data.get("time_unknown"):
            _handled_unknown(new, data["resolution"])
        elif kind == "resolved":
            new.status = "resolved"
            new.resolution = data["resolution"]
            new.resolved_at = at
            for milestone in ("respond", "assign", "plan", "resolve"):
                _mark_done(new, milestone, at)
            if new.update_due is not None and new.update_done is None:
                if at > new.update_due:
                    new.update_missed += 1
                new.update_done = at
        elif kind == "followed_up":
            new.status = "closed"
            new.satisfaction = data["satisfaction"]
            new.followed_up_at = None if data.get("time_unknown") else at
        elif kind == "reopened":
            new.status = "in_progress"
            new.reopen_count += 1
            new.reopened_at = at
            if new.handled_time_unknown:
                new.handled_time_unknown = 0
                new.unjudged &= ~_RESOLVE_BIT
            new.resolution = None
            new.resolved_at = None
            new.satisfaction = None
            new.followed_up_at = None
            new.resolve_done = None
            if new.update_due is not None:
                new.update_done = None
        elif kind == "linked":
            new.duplicate_of = in_site_of(new.id, data["main"])
            for milestone, done_at in (data.get("done") or {}).items():
                _mark_done(new, milestone, done_at)
        elif kind == "related":
            new.about = in_site_of(new.id, data["about"])
        elif kind == "corrected":
            for key, change in data["changes"].items():
                if key == "received_at":
                    new.received_at = change["to"]
                    new.received_month = _month(change["to"])
                    new.received_time_unknown = 0  # the time is known now
                elif key not in ("name", "phone"):  # those live in the personal table
                    setattr(new, key, change["to"])
        elif kind == "cancelled":
            new.status = "cancelled"
        elif kind == "carried":
            # an exported row imported again (issue 16): what the row shows but its steps do
            # not make (counters, the escalation level, the link, the status, every done mark
            # as exported; its deadlines come in "due" below)
            for key in CARRIED:
                if key in data:
                    setattr(new, key, data[key])
            for milestone, done_at in (data.get("done") or {}).items():
                setattr(new, _DONE[milestone], done_at)
        elif kind in ("recalculated", "personal_data_erased", "noted"):
            pass
        else:
            raise ValueError(f"unknown event kind {kind!r}")
    due = data.get("due")
    if due:
        for milestone, moment in due.items():
            setattr(new, _DUE[milestone], moment)
    if "provisional" in data:
        new.provisional = int(data["provisional"])
    if "unjudged" in data:
        new.unjudged = int(data["unjudged"])
    new.next_due = _next_due(new)
    new.last_seq = seq
    return new


_RESOLVE_BIT = 1 << MILESTONES.index("resolve")


def _handled_unknown(state: Complaint, resolution: str) -> None:
    """Handled, but the register gives no time (issue 16): no moment is invented.  Nothing
    is marked done; resolve and every milestone still open are not judged."""
    state.status = "resolved"
    state.resolution = resolution
    state.resolved_at = None
    state.handled_time_unknown = 1
    for i, milestone in enumerate(MILESTONES):
        if getattr(state, _DONE[milestone]) is None and (
            milestone == "resolve" or getattr(state, _DUE[milestone]) is not None
        ):
            state.unjudged |= 1 << i


def _next_due(state: Complaint) -> int | None:
    """The earliest open deadline; none for a linked duplicate, whose main carries the clock."""
    if state.status not in OPEN_STATUSES or state.duplicate_of is not None:
        return None
    pending = [
        due
        for due, done in zip(_DUES(state), _DONES(state), strict=True)
        if due is not None and done is None
    ]
    return min(pending) if pending else None


_DUES = operator.attrgetter(*(f"{m}_due" for m in MILESTONES))
_DONES = operator.attrgetter(*(f"{m}_done" for m in MILESTONES))
