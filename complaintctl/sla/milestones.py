"""Milestone states against a moment: pending, due_soon, breached, met, late (and
cancelled, for an entry cancelled as made in error; not_judged, for one that wants a time a
register did not give: handled at an unknown time, issue 16)."""

from __future__ import annotations

from dataclasses import dataclass

from complaintctl.domain.model import Complaint
from complaintctl.domain.vocab import MILESTONES
from complaintctl.sla.policy import Policy


@dataclass(frozen=True)
class Milestone:
    name: str
    due: int
    done: int | None
    state: str
    provisional: bool
    warn_from: int


def _start(c: Complaint, policy: Policy, name: str, due: int) -> int:
    """The start of the milestone's current span: the last progress report (or reopening)
    for ``update``, the last 复议 reopening for ``resolve``, else receipt.  An extension
    moves the deadline, not the start."""
    if name == "update":
        limit = (
            policy.limit(c.severity, "update")
            if c.kind == "complaint"
            else policy.kind_limit(c.kind, bool(c.urgent), "update")
        )
        if limit is not None:
            return due - limit.seconds
    if name == "resolve" and c.reopened_at is not None:
        return c.reopened_at
    return c.received_at


def milestones(c: Complaint, policy: Policy, as_of: int) -> list[Milestone]:
    """Every milestone that applies to ``c``, in workflow order."""
    out = []
    for name in MILESTONES:
        due = c.due(name)
        if due is None:
            continue
        done = c.done(name)
        start = _start(c, policy, name, due)
        warn_from = due - int((due - start) * policy.warning_fraction)
        if done is not None:
            late = c.update_missed > 0 if name == "update" else done > due
            state = "late" if late else "met"
        elif c.status == "cancelled":  # an entry made in error: nothing is owed
            state = "cancelled"
        elif c.is_unjudged(name):  # handled, but when is not known: neither met nor breached
            state = "not_judged"
        elif as_of > due:
            state = "breached"
        elif as_of >= warn_from:
            state = "due_soon"
        else:
            state = "pending"
        out.append(Milestone(name, due, done, state, c.is_provisional(name), warn_from))
    return out


def next_milestone(c: Complaint, policy: Policy, as_of: int) -> Milestone | None:
    """The open milestone due first, or None when nothing is outstanding."""
    if c.status == "cancelled" or c.handled_time_unknown:
        return None
    pending = [m for m in milestones(c, policy, as_of) if m.done is None]
    return min(pending, key=lambda m: m.due) if pending else None
