"""Checked rows turned into complaints: the events a row stands for, with the data and the
deadlines ``workflow`` gives a complaint typed at the terminal, folded into a
:class:`~complaintctl.store.bulk.NewComplaint` ready for the ledger's bulk writer.  Like
:mod:`complaintctl.transfer.rows` it needs no ledger, only the policy and the calendar.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from complaintctl.domain.model import provisional_mask
from complaintctl.domain.timeutil import from_epoch, to_epoch
from complaintctl.sla import rules as sla
from complaintctl.sla.policy import Policy
from complaintctl.store.bulk import NewComplaint, new_complaint
from complaintctl.time.calendar import WorkCalendar
from complaintctl.time.deadlines import due_at
from complaintctl.transfer.rows import Record
from complaintctl.workflow import steps as workflow

CACHED = 4096  # receipt times whose deadlines are kept


class _Deadlines:
    """Deadlines as ``register`` computes them (``sla.deadlines``), with the calendar loaded
    once and a cache: registers repeat receipt times (a date alone is 00:00)."""

    def __init__(self, policy: Policy, calendar: WorkCalendar) -> None:
        self.policy = policy
        self.calendar = calendar
        self.cache: dict[tuple[int, str | None, str, bool], tuple[dict[str, int | None], int]] = {}
        self.clocks: dict[tuple[str | None, str, str, bool], set[str]] = {}

    def __call__(self, rec: Record) -> tuple[dict[str, int | None], int]:
        if rec.kind != "complaint":  # issue 20: few, and their clocks depend on more
            return sla.deadlines(
                self.policy,
                self.calendar,
                from_epoch(rec.received),
                rec.severity,
                rec.channel,
                kind=rec.kind,
                urgent=rec.urgent,
                appointment=from_epoch(rec.appointment_at) if rec.appointment_at else None,
                time_unknown=rec.received_time_unknown,
            )
        key = (rec.received, rec.severity, rec.channel, rec.received_time_unknown)
        found = self.cache.get(key)
        if found is None:
            received = from_epoch(rec.received)
            found = sla.deadlines(
                self.policy,
                self.calendar,
                received,
                rec.severity,
                rec.channel,
                time_unknown=rec.received_time_unknown,
            )
            if len(self.cache) >= CACHED:
                self.cache.clear()  # rows come roughly in date order: old days do not return
            self.cache[key] = found
        return dict(found[0]), found[1]

    def unjudged(self, rec: Record, due: dict[str, int | None]) -> int:
        """The clock milestones left without a deadline from a receipt of unknown time, as a
        mask (which milestones run on the clock depends on the severity and the channel)."""
        key = (rec.severity, rec.channel, rec.kind, rec.urgent)
        clocks = self.clocks.get(key)
        if clocks is None:
            clocks = self.clocks[key] = sla.clock_milestones(
                self.policy, rec.severity, rec.channel, kind=rec.kind, urgent=rec.urgent
            )
        return provisional_mask([m for m in clocks if due[m] is None])


def events_for(
    rec: Record,
    policy: Policy,
    version: int,
    deadlines: _Deadlines,
    by: str,
    source: dict[str, Any],
) -> Iterator[tuple[str, int, str, dict[str, Any]]]:
    """(kind, at, by, data) of the events a row stands for, with the data ``workflow`` writes
    and ``source`` (where the row came from) in each."""
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
        **source,
    }
    if rec.kind != "complaint":  # as register writes it
        registered["kind"] = rec.kind
        if rec.urgent:
            registered["urgent"] = True
        if rec.appointment_at is not None:
            registered["appointment"] = rec.appointment_at
    if rec.received_time_unknown:  # issue 16: the clocks from it are not judged
        registered["time_unknown"] = True
        registered["unjudged"] = deadlines.unjudged(rec, due)
    if rec.ticket is not None:
        registered["ticket"] = rec.ticket
    external_due = rec.external_due
    if rec.external_limit is not None:  # a duration: counted from the receipt, as ours are
        registered["external_limit"] = str(rec.external_limit)
        if not (rec.received_time_unknown and rec.external_limit.is_clock):  # none invented
            moment, _ = due_at(
                from_epoch(rec.received),
                rec.external_limit,
                deadlines.calendar,
                policy.day_ends_at,
            )
            external_due = to_epoch(moment)
    if external_due is not None:
        registered["external_due"] = external_due
    yield "registered", rec.received, by, registered
    steps: list[tuple[str, int, dict[str, Any]]] = []
    # a contact or a plan at the moment of the resolution is what the resolution marks anyway
    contacted = rec.contacted_at if rec.contacted_at != rec.resolved_at else None
    planned = rec.planned_at if rec.planned_at != rec.resolved_at else None
    if rec.main_export_id is not None:  # a duplicate's contact and plan marks are its main's
        contacted = planned = None
    for at in sorted({t for t in (contacted, planned) if t is not None}):
        update = {
            "contacted": at == contacted,
            "plan": (rec.plan or "（导入）") if at == planned else None,
            "note": None,
            "update_due": workflow._update_clock(policy, rec.severity, at)
            if rec.kind == "complaint"
            else _kind_update(policy, rec, at),
            **source,
        }
        steps.append(("updated", at, update))
    if rec.department is not None:
        # assigned before the contact and plan (a complaint being handled is 处理中), unless
        # the status column says it is only 已派单: then contact came before the assignment
        at = rec.assigned_at if rec.assigned_at is not None else rec.received
        data = {"department": rec.department, "handler": rec.handler, **source}
        if rec.assigned_at is None and rec.received_time_unknown:  # the day's time: unknown
            data["time_unknown"] = True
        assigned = ("assigned", at, data)
        steps.insert(len(steps) if rec.status == "assigned" else 0, assigned)
    for kind, at, data in steps:
        yield kind, at, by, data
    if rec.resolution is not None and (rec.resolved_at is not None or rec.handled_time_unknown):
        # handled at an unknown time: the event stands at the row's last known moment and
        # says so; the fold marks nothing done at it (domain/model._handled_unknown)
        unknown = {"time_unknown": True} if rec.resolved_at is None else {}
        resolved_at = rec.resolved_at if rec.resolved_at is not None else carried_at(rec)
        yield "resolved", resolved_at, by, {"resolution": rec.resolution, **unknown, **source}
        if rec.satisfaction is not None:
            verdict = {"satisfaction": rec.satisfaction, "note": rec.followup_note, **source}
            if rec.followed_up_at is None:  # after a result of unknown time, without its own
                yield "followed_up", resolved_at, by, {**verdict, "time_unknown": True}
            else:
                yield "followed_up", rec.followed_up_at, by, verdict
    if rec.carried is not None:
        yield "carried", carried_at(rec), by, {**rec.carried, **source}


def carried_at(rec: Record) -> int:
    """When a row of an export shows its complaint as it was carried over: its last step."""
    steps = (rec.assigned_at, rec.contacted_at, rec.planned_at, rec.resolved_at, rec.followed_up_at)
    return max([rec.received, *(t for t in steps if t is not None)])


def _kind_update(policy: Policy, rec: Record, at: int) -> int | None:
    """The recurring update clock of a record that is not a complaint (its kind's limit)."""
    limit = policy.kind_limit(rec.kind, rec.urgent, "update")
    return at + limit.seconds if limit is not None else None


class Builder:
    """Checked rows into new complaints, as the file's import by ``by`` writes them: every
    event's data names the file and the row (``source``)."""

    def __init__(
        self, policy: Policy, version: int, calendar: WorkCalendar, by: str, file: str
    ) -> None:
        self.policy, self.version, self.by, self.file = policy, version, by, file
        self.deadlines = _Deadlines(policy, calendar)

    def __call__(self, rec: Record) -> NewComplaint:
        source = {"source": "import", "file": self.file, "row": rec.row}
        steps = events_for(rec, self.policy, self.version, self.deadlines, self.by, source)
        return new_complaint(rec.name, rec.phone, steps)
