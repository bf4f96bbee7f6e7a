"""The SLA: a complaint's milestone deadlines from the policy and the working-day calendar.

Pure: no ledger, no I/O.  The workflow, notice loading and imports all compute deadlines here,
so there is one rule for each milestone.
"""

from __future__ import annotations

from datetime import datetime

from complaintctl.domain.model import provisional_mask
from complaintctl.domain.timeutil import to_epoch
from complaintctl.domain.vocab import MILESTONES
from complaintctl.sla.policy import Policy
from complaintctl.time.calendar import WorkCalendar
from complaintctl.time.deadlines import due_at


def milestone_due(
    policy: Policy,
    cal: WorkCalendar,
    start: datetime,
    severity: str | None,
    channel: str,
    milestone: str,
    *,
    kind: str = "complaint",
    urgent: bool = False,
) -> tuple[datetime, bool] | None:
    """One milestone's deadline counted from ``start``, or None when it does not apply.

    ``respond`` follows the channel's own limit before classification; afterwards the
    channel only tightens the severity's limit (the earlier deadline wins).  A record of
    another kind than a complaint follows its kind's limits (``[kinds]``) whatever its
    severity and channel."""
    if kind != "complaint":
        other_limit = policy.kind_limit(kind, urgent, milestone)
        if other_limit is None:
            return None
        return due_at(start, other_limit, cal, policy.day_ends_at)
    limit = policy.limit(severity, milestone)
    if limit is None:
        return None
    moment, prov = due_at(start, limit, cal, policy.day_ends_at)
    if milestone == "respond" and channel in policy.channel_respond:
        other, other_prov = due_at(start, policy.channel_respond[channel], cal, policy.day_ends_at)
        if severity is None or other < moment:
            moment, prov = other, other_prov
    return moment, prov


def deadlines(
    policy: Policy,
    cal: WorkCalendar,
    received: datetime,
    severity: str | None,
    channel: str,
    *,
    kind: str = "complaint",
    urgent: bool = False,
    appointment: datetime | None = None,
) -> tuple[dict[str, int | None], int]:
    """Every milestone's deadline from the moment of receipt, and the provisional mask.

    A repair or service request with an ``appointment`` (预约时间) is due to be done then."""
    due: dict[str, int | None] = {}
    provisional: set[str] = set()
    for milestone in MILESTONES:
        if milestone == "resolve" and appointment is not None:
            due[milestone] = to_epoch(appointment)
            continue
        result = milestone_due(
            policy, cal, received, severity, channel, milestone, kind=kind, urgent=urgent
        )
        if result is None:
            due[milestone] = None
            continue
        due[milestone] = to_epoch(result[0])
        if result[1]:
            provisional.add(milestone)
    return due, provisional_mask(provisional)
