"""Ledger-wide administration: policy versions and State Council holiday notices."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from complaintctl.deadlines import extend, parse_duration
from complaintctl.errors import DomainError
from complaintctl.ledger import Ledger
from complaintctl.model import Complaint, Event, provisional_mask
from complaintctl.policy import Policy, parse_policy
from complaintctl.sla import milestone_due
from complaintctl.timeutil import from_epoch, to_epoch
from complaintctl.vocab import MILESTONES, OPEN_STATUSES
from complaintctl.workflow import Actor

if TYPE_CHECKING:
    from complaintctl.calendar import WorkCalendar


def load_policy(ledger: Ledger, actor: Actor, text: str) -> tuple[int, Policy]:
    """Validate and store a new policy version; complaints registered from now on use it."""
    policy = parse_policy(text)
    with ledger.write() as w:
        version = ledger.policy_version() + 1
        ledger.conn.execute(
            "INSERT INTO policies (version, loaded_at, by, name, sha256, text) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (version, actor.epoch, actor.by, policy.name, policy.digest, text),
        )
        w.append(
            Event(
                "policy_loaded",
                None,
                actor.epoch,
                actor.by,
                {"version": version, "name": policy.name, "sha256": policy.digest},
            )
        )
    return version, policy


@dataclass(frozen=True)
class Recalculated:
    complaint_id: int
    milestone: str
    before: int
    after: int


def load_notice(ledger: Ledger, actor: Actor, text: str) -> tuple[int, str, list[Recalculated]]:
    """Store a holiday notice, make its year official, and recompute the provisional deadlines
    of open complaints (each change an event)."""
    from complaintctl.calendar import parse_notice

    notice = parse_notice(text)
    changes: list[Recalculated] = []
    with ledger.write() as w:
        ledger.conn.execute(
            "INSERT INTO notices (year, reference, loaded_at, by, text) VALUES (?, ?, ?, ?, ?)",
            (notice.year, notice.reference, actor.epoch, actor.by, text),
        )
        ledger._calendar = None
        cal = ledger.calendar()
        w.append(
            Event(
                "calendar_loaded",
                None,
                actor.epoch,
                actor.by,
                {
                    "year": notice.year,
                    "reference": notice.reference,
                    "sha256": hashlib.sha256(text.encode()).hexdigest(),
                },
            )
        )
        marks = ", ".join("?" for _ in OPEN_STATUSES)
        rows = ledger.query(
            f"SELECT id FROM complaints WHERE provisional != 0 AND status IN ({marks})",
            tuple(OPEN_STATUSES),
        )
        for row in rows:
            state = ledger.get(row["id"])
            policy = ledger.policy(state.policy_version)
            due: dict[str, int] = {}
            still: set[str] = set()
            for m in MILESTONES:
                if not state.is_provisional(m) or state.done(m) is not None:
                    if state.is_provisional(m):
                        still.add(m)
                    continue
                moment, prov = _recompute(ledger, state, m, policy, cal)
                if prov:
                    still.add(m)
                new = to_epoch(moment)
                if new != state.due(m):
                    due[m] = new
                    changes.append(Recalculated(state.id, m, state.due(m) or 0, new))
            mask = provisional_mask(still)
            if due or mask != state.provisional:
                w.record(
                    state,
                    Event(
                        "recalculated",
                        state.id,
                        actor.epoch,
                        actor.by,
                        {
                            "reason": f"holiday notice {notice.year} loaded ({notice.reference})",
                            "previous_due": {m: state.due(m) for m in due},
                            "due": due,
                            "provisional": mask,
                        },
                    ),
                )
    return notice.year, notice.reference, changes


def _recompute(
    ledger: Ledger, state: Complaint, milestone: str, policy: Policy, cal: WorkCalendar
) -> tuple[datetime, bool]:
    """A milestone's deadline as the workflow would compute it today: from receipt (or the
    last reopening, for resolve), with the extensions replayed."""
    start = from_epoch(state.received_at)
    extensions: list[str] = []
    if milestone == "resolve":
        for e in ledger.events(state.id):
            if e.kind == "reopened":
                start, extensions = from_epoch(e.at), []
            elif e.kind == "extended":
                extensions.append(e.data["duration"])
    result = milestone_due(policy, cal, start, state.severity, state.channel, milestone)
    if result is None:
        raise DomainError(f"#{state.id}: milestone {milestone} has no limit")
    moment, prov = result
    for text in extensions:
        moment, prov = extend(moment, parse_duration(text), cal, policy.day_ends_at)
    return moment, prov
