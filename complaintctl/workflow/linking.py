"""Duplicates (重复投诉并单): ``link`` makes one complaint follow another.

A linked duplicate takes over its main complaint's deadlines and done marks when it is linked,
and from then on has no clock of its own (its ``next_due`` is empty, see ``model.apply``).
Whenever the main is resolved, followed up, reopened or extended, the same transaction records
the same event on each duplicate that still follows it, with ``data["via"]`` = the main's id.
Reports count a duplicate once, through its main (``duplicate_of IS NOT NULL`` rows are left
out of the 及时率 cohort).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from complaintctl.domain.errors import DomainError, InvalidInput
from complaintctl.domain.model import Complaint, Event, provisional_mask
from complaintctl.domain.timeutil import from_epoch
from complaintctl.domain.vocab import MILESTONES, OPEN_STATUSES, STATUS
from complaintctl.store.ledger import Ledger, Writer

if TYPE_CHECKING:
    from complaintctl.workflow.actor import Actor

#: Which duplicates follow the main for each kind of event: those in these statuses.
FOLLOWERS: dict[str, tuple[str, ...]] = {
    "resolved": OPEN_STATUSES,
    "extended": OPEN_STATUSES,
    "followed_up": ("resolved",),
    "reopened": ("resolved", "closed"),
}
_OWN_KEYS = ("due", "provisional", "previous_due", "from")


def link(ledger: Ledger, actor: Actor, main_id: int, other_id: int) -> Complaint:
    """Record OTHER as a duplicate of the main complaint; returns OTHER's new state."""
    if main_id == other_id:
        raise InvalidInput("OTHER", "linking.cannot_be_a_duplicate_of_itself", other_id=other_id)
    with ledger.write() as w:
        w.late_reason = actor.late_reason  # why it is recorded long after --at (补录)
        main = ledger.get(main_id)
        other = ledger.get(other_id)
        _check(ledger, main, other)
        for c in (main, other):
            if actor.epoch < c.received_at:
                raise InvalidInput(
                    "--at",
                    "about.is_before_was_received",
                    at=actor.at,
                    id=c.id,
                    received_at=from_epoch(c.received_at),
                )
        return w.record(other, Event("linked", other.id, actor.epoch, actor.by, _data(main, other)))


def _check(ledger: Ledger, main: Complaint, other: Complaint) -> None:
    if main.site != other.site:
        raise InvalidInput(
            "OTHER",
            "linking.other_site",
            other=other.id,
            other_site=other.site,
            id=main.id,
            site=main.site,
        )
    if main.duplicate_of is not None:
        raise DomainError(
            "linking.cannot_link_to_it_is_itself",
            id=main.id,
            duplicate_of=main.duplicate_of,
            id2=other.id,
        )
    if not main.is_open:
        raise DomainError(
            "linking.cannot_link_to_it_is_a", id=main.id, status=STATUS.term(main.status)
        )
    if other.duplicate_of is not None:
        raise DomainError(
            "linking.is_already_a_duplicate_of", id=other.id, duplicate_of=other.duplicate_of
        )
    if not other.is_open:
        raise DomainError(
            "linking.cannot_link_it_is_only_open", id=other.id, status=STATUS.term(other.status)
        )
    rows = ledger.query(
        "SELECT id FROM complaints WHERE duplicate_of = ? ORDER BY id LIMIT 5", (other.id,)
    )
    if rows:
        ids = ", ".join(f"#{r['id']}" for r in rows)
        raise DomainError("linking.cannot_link_it_is_the_main", id=other.id, ids=ids)


def _data(main: Complaint, other: Complaint) -> dict[str, Any]:
    """The duplicate takes the main's deadlines, and its done marks where it has none."""
    done = {m: at for m in MILESTONES if (at := main.done(m)) is not None and other.done(m) is None}
    return {
        "main": main.id,
        "previous_due": {m: other.due(m) for m in MILESTONES},
        "due": {m: main.due(m) for m in MILESTONES},
        "done": done,
        "provisional": main.provisional,
    }


def propagate(w: Writer, main: Complaint, event: Event) -> list[Complaint]:
    """Record ``event`` (just recorded on ``main``) on every duplicate that follows it."""
    statuses = FOLLOWERS.get(event.kind)
    if statuses is None:
        return []
    marks = ", ".join("?" for _ in statuses)
    rows = w.ledger.query(
        f"SELECT * FROM complaints WHERE duplicate_of = ? AND status IN ({marks}) ORDER BY id",
        (main.id, *statuses),
    )
    out = []
    for row in rows:
        dup = Complaint.from_row(dict(row))
        data = {k: v for k, v in event.data.items() if k not in _OWN_KEYS}
        data["via"] = main.id
        due = event.data.get("due")
        if due:
            bits = provisional_mask(set(due))
            data["due"] = due
            data["provisional"] = (dup.provisional & ~bits) | (main.provisional & bits)
        if "from" in event.data:
            data["from"] = dup.resolve_due
        out.append(w.record(dup, Event(event.kind, dup.id, event.at, event.by, data)))
    return out
