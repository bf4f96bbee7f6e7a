"""A complaint about another record (``link ID --about OTHER``): a complaint about a repair.

Unlike a duplicate (``linking``), the complaint keeps its own clocks and is counted on its own
in the report; the link only says which repair, service request, inquiry or suggestion it is
about, so the desk can follow both (seed 003: 业户确认服务质量、及时性、服务态度).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from complaintctl.domain.errors import DomainError, InvalidInput
from complaintctl.domain.model import Complaint, Event
from complaintctl.domain.timeutil import from_epoch
from complaintctl.domain.vocab import KIND
from complaintctl.store.ledger import Ledger

if TYPE_CHECKING:
    from complaintctl.workflow.actor import Actor


def link_about(ledger: Ledger, actor: Actor, complaint_id: int, about_id: int) -> Complaint:
    """Record that complaint ``complaint_id`` is about record ``about_id``; returns its state."""
    if complaint_id == about_id:
        raise InvalidInput("--about", "about.cannot_be_about_itself", complaint_id=complaint_id)
    with ledger.write() as w:
        complaint = ledger.get(complaint_id)
        other = ledger.get(about_id)
        if complaint.site != other.site:
            raise InvalidInput(
                "--about",
                "about.other_site",
                other=other.id,
                other_site=other.site,
                id=complaint.id,
                site=complaint.site,
            )
        if complaint.kind != "complaint":
            raise DomainError(
                "about.cannot_link_about_it_is_a", id=complaint.id, kind=KIND.term(complaint.kind)
            )
        if other.kind == "complaint":
            raise InvalidInput(
                "--about",
                "about.is_a_complaint_link_a_complaint",
                id=other.id,
            )
        if complaint.about == other.id:
            raise DomainError("about.is_already_linked_to", id=complaint.id, id2=other.id)
        if actor.epoch < complaint.received_at:
            raise InvalidInput(
                "--at",
                "about.is_before_was_received",
                at=actor.at,
                id=complaint.id,
                received_at=from_epoch(complaint.received_at),
            )
        data = {"about": other.id, "about_kind": other.kind, "before": complaint.about}
        return w.record(complaint, Event("related", complaint.id, actor.epoch, actor.by, data))
