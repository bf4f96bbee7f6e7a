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


def clock_milestones(
    policy: Policy,
    severity: str | None,
    channel: str,
    *,
    kind: str = "complaint",
    urgent: bool = False,
) -> set[str]:
    """The milestones whose deadline is counted on the clock (minutes, hours) from receipt.

    From a receipt whose time of day is unknown (a register giving only the date, issue 16)
    these cannot be judged; working-day and calendar-day deadlines can, exactly: the day of
    receipt is not counted whatever the hour (民法典 art. 201, :func:`due_at`), and the policy
    has no rule moving a receipt after business hours to the next day."""
    found = set()
    for milestone in MILESTONES:
        if kind != "complaint":
            limits = [policy.kind_limit(kind, urgent, milestone)]
        else:
            limits = [policy.limit(severity, milestone)]
            if milestone == "respond" and channel in policy.channel_respond:
                channel_limit = policy.channel_respond[channel]
                # before classification the channel's limit alone applies, else the earlier
                limits = [channel_limit] if severity is None else [*limits, channel_limit]
        if any(limit is not None and limit.is_clock for limit in limits):
            found.add(milestone)
    return found


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
    time_unknown: bool = False,
) -> tuple[dict[str, int | None], int]:
    """Every milestone's deadline from the moment of receipt, and the provisional mask.

    A repair or service request with an ``appointment`` (预约时间) is due to be done then.
    With ``time_unknown`` (``received`` is the day of receipt, its time not known) the clock
    milestones (:func:`clock_milestones`) get no deadline: none is invented."""
    due: dict[str, int | None] = {}
    provisional: set[str] = set()
    unknown = (
        clock_milestones(policy, severity, channel, kind=kind, urgent=urgent)
        if time_unknown
        else set()
    )
    for milestone in MILESTONES:
        if milestone == "resolve" and appointment is not None:
            due[milestone] = to_epoch(appointment)
            continue
        if milestone in unknown:
            due[milestone] = None
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
