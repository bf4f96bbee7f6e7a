"""Plain-data views of complaints: JSON objects and human phrases for remaining time.

Used by the CLI, the digest and the exports; knows nothing of Rich."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from complaintctl.domain.messages import text
from complaintctl.domain.model import MOMENT_MAPS, Complaint, Event, is_moment
from complaintctl.domain.privacy import mask_name, mask_phone
from complaintctl.domain.sites import number_of
from complaintctl.domain.timeutil import from_epoch, iso
from complaintctl.domain.vocab import MILESTONES
from complaintctl.sla.late import gap_text, late_gap
from complaintctl.sla.milestones import Milestone, milestones
from complaintctl.sla.policy import Policy
from complaintctl.store.ledger import Ledger

if TYPE_CHECKING:
    from complaintctl.time.calendar import WorkCalendar

_FIELDS = (
    "id",
    "status",
    "severity",
    "category",
    "nature",
    "channel",
    "department",
    "handler",
    "unit",
    "location",
    "description",
    "satisfaction",
    "resolution",
    "reopen_count",
    "extension_count",
    "escalation_level",
    "escalations",
    "duplicate_of",
    "collective_of",
    "policy_version",
)


def _iso(epoch: int | None) -> str | None:
    return iso(from_epoch(epoch)) if epoch is not None else None


def _moment(key: str, value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return _iso(value) if is_moment(key) else value
    if isinstance(value, dict):
        if key in MOMENT_MAPS or is_moment(key):
            # by milestone (due), or a correction's old and new moment ({"from", "to"})
            return {
                k: _iso(v) if isinstance(v, int) and not isinstance(v, bool) else v
                for k, v in value.items()
            }
        return {k: _moment(k, v) for k, v in value.items()}
    return value


def event_data_json(data: dict[str, Any]) -> dict[str, Any]:
    """An event's data for JSON: every moment as ISO 8601 with +08:00, never Unix seconds."""
    return {key: _moment(key, value) for key, value in data.items()}


def milestone_json(m: Milestone) -> dict[str, Any]:
    return {
        "name": m.name,
        "due_at": _iso(m.due),
        "done_at": _iso(m.done),
        "state": m.state,
        "provisional": m.provisional,
    }


def external(c: Complaint, events: list[Event]) -> dict[str, Any] | None:
    """Another system's ticket number and deadline, as an import kept them on the registered
    event, with that deadline against ours (``earlier``, ``same``, ``later`` than resolve)."""
    data = next((e.data for e in events if e.kind == "registered"), {})
    limit = data.get("external_limit")  # given as a duration (3个工作日: 3wd)
    if data.get("ticket") is None and data.get("external_due") is None and limit is None:
        return None
    due = data.get("external_due")
    ours = c.resolve_due
    versus = None
    if due is not None and ours is not None:
        versus = "earlier" if due < ours else "later" if due > ours else "same"
    out = {"ticket": data.get("ticket"), "due": _iso(due), "versus_resolve_due": versus}
    return {**out, "limit": limit} if limit is not None else out


def complaint_json(
    ledger: Ledger,
    c: Complaint,
    as_of: int,
    *,
    personal: tuple[str | None, str | None],
    masked: bool = True,
    events: list[Event] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {k: getattr(c, k) for k in _FIELDS}
    # issue 21: the number within its site, and the site; links stay within a site
    out["site"] = c.site
    for key in ("id", "duplicate_of", "collective_of"):
        if out[key] is not None:
            out[key] = number_of(out[key])
    name, phone = personal
    out["name"] = mask_name(name) if masked else name
    out["phone"] = mask_phone(phone) if masked else phone
    out["anonymous"] = name == "" and phone == ""  # 匿名: no one to call back
    out["received_at"] = _iso(c.received_at)
    # issue 16: a register gave the day of receipt without its time (then received_at is
    # the day alone, ISO 8601 2026-03-05), or the result without the time it was done
    out["received_time_unknown"] = bool(c.received_time_unknown)
    if c.received_time_unknown:
        out["received_at"] = out["received_at"][:10]
    out["handled_time_unknown"] = bool(c.handled_time_unknown)
    out["resolved_at"] = _iso(c.resolved_at)
    out["followed_up_at"] = _iso(c.followed_up_at)
    out["kind"] = c.kind  # issue 20: complaint, repair, service, inquiry, suggestion
    out["urgent"] = bool(c.urgent)
    out["appointment_at"] = _iso(c.appointment_at)
    out["about"] = number_of(c.about) if c.about is not None else None
    policy = ledger.policy(c.policy_version)
    listed = {m.name: milestone_json(m) for m in milestones(c, policy, as_of)}
    out["milestones"] = [  # a clock from a receipt of unknown time: no deadline, not judged
        listed.get(m)
        or {
            "name": m,
            "due_at": None,
            "done_at": _iso(c.done(m)),
            "state": "not_judged",
            "provisional": False,
        }
        for m in MILESTONES
        if m in listed or c.is_unjudged(m)
    ]
    if events is not None and (outside := external(c, events)) is not None:
        out["external"] = outside
    if events is not None:
        out["events"] = [
            {
                "seq": e.seq,
                "kind": e.kind,
                "at": _iso(e.at),
                "recorded_at": _iso(e.recorded_at),
                "by": e.by,
                "data": event_data_json(e.data),
                "late_entry": late_entry_json(e, policy),
            }
            for e in events
        ]
    return out


def late_entry_json(e: Event, policy: Policy) -> dict[str, Any] | None:
    """A late entry (补录): the gap between the step and its recording, and the reason given;
    None for an event recorded in time."""
    gap = late_gap(e.at, e.recorded_at, policy)
    if gap is None:
        return None
    return {"gap_seconds": gap, "reason": e.data.get("late_entry_reason")}


def late_entry_text(e: Event, policy: Policy, lang: str) -> str:
    """``补录（晚3天2小时）`` for a late entry, else an empty string."""
    gap = late_gap(e.at, e.recorded_at, policy)
    if gap is None:
        return ""
    return text("display.late_entry", lang, gap=gap_text(gap, lang))


def remaining(due: int, as_of: int, cal: WorkCalendar | None, lang: str = "zh") -> str:
    """How long until (or since) a deadline: hours and minutes up to two days, else working
    days on the Chinese calendar."""
    delta = due - as_of
    late = delta < 0
    span = abs(delta)
    if span < 48 * 3600 or cal is None:
        hours, minutes = divmod(span // 60, 60)
        if hours:
            body = text("display.remaining.hours", lang, hours=hours, minutes=minutes)
        else:
            body = text("display.remaining.minutes", lang, minutes=minutes)
    else:
        start = from_epoch(min(due, as_of)).date()
        end = from_epoch(max(due, as_of) - 1).date()
        days = cal.working_days_between(start, end)
        body = text("display.remaining.days", lang, days=days)
    return text("display.remaining.overdue" if late else "display.remaining.left", lang, body=body)
