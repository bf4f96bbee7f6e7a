"""A complaint about another record (``link ID --about OTHER``): a complaint about a repair.

Unlike a duplicate (``linking``), the complaint keeps its own clocks and is counted on its own
in the report; the link only says which repair, service request, inquiry or suggestion it is
about, so the desk can follow both (seed 003: 业户确认服务质量、及时性、服务态度).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from complaintctl.domain.errors import DomainError, InvalidInput
from complaintctl.domain.model import Complaint, Event
from complaintctl.domain.sites import mention
from complaintctl.domain.timeutil import from_epoch, iso
from complaintctl.domain.vocab import KIND
from complaintctl.store.ledger import Ledger

if TYPE_CHECKING:
    from complaintctl.workflow.actor import Actor


def link_about(ledger: Ledger, actor: Actor, complaint_id: int, about_id: int) -> Complaint:
    """Record that complaint ``complaint_id`` is about record ``about_id``; returns its state."""
    if complaint_id == about_id:
        raise InvalidInput("--about", f"#{complaint_id} cannot be about itself")
    with ledger.write() as w:
        complaint = ledger.get(complaint_id)
        other = ledger.get(about_id)
        if complaint.site != other.site:
            raise InvalidInput(
                "--about",
                f"{mention(other.id)} is of site {other.site}, {mention(complaint.id)} of "
                f"{complaint.site}; a complaint is linked to a record of its own site",
            )
        if complaint.kind != "complaint":
            raise DomainError(
                f"cannot link #{complaint.id} --about: it is a {complaint.kind} "
                f"({KIND.label(complaint.kind)}); only a complaint (投诉) is about another record"
            )
        if other.kind == "complaint":
            raise InvalidInput(
                "--about",
                f"#{other.id} is a complaint; link a complaint to the repair, service request, "
                "inquiry or suggestion it is about (a duplicate complaint: link ID OTHER)",
            )
        if complaint.about == other.id:
            raise DomainError(f"#{complaint.id} is already linked to #{other.id}")
        if actor.epoch < complaint.received_at:
            raise InvalidInput(
                "--at",
                f"{iso(actor.at)} is before #{complaint.id} was received "
                f"({iso(from_epoch(complaint.received_at))})",
            )
        data = {"about": other.id, "about_kind": other.kind, "before": complaint.about}
        return w.record(complaint, Event("related", complaint.id, actor.epoch, actor.by, data))
