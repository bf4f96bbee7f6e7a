"""Putting a clerk's mistakes right: correcting an entry (``edit``) and cancelling one made in
error (``cancel``, 作废).  Both are events like any step: the log keeps what was typed first.

A correction records each field changed with its old and new value, except the name and the
phone, which live in the ``personal`` table: the event says only that they changed, and
carries the digest of the new pair (as the ``registered`` event carries the first one) so
``verify`` can still tell a correction from an edit behind the ledger's back.  A new receipt
time or channel recomputes every deadline as if the complaint had been registered that way,
under its own policy version, keeping reclassifications, extensions and reopenings.
"""

from __future__ import annotations

from dataclasses import replace

from complaintctl.domain.errors import DomainError, InvalidInput
from complaintctl.domain.labels import event_term
from complaintctl.domain.model import Complaint, Event
from complaintctl.domain.timeutil import from_epoch, not_future, now, parse_time, to_epoch
from complaintctl.domain.vocab import CHANNEL, MILESTONES, STATUS
from complaintctl.store.ledger import Ledger
from complaintctl.workflow.actor import MAX_SHORT, Actor
from complaintctl.workflow.steps import phone, recompute_unknown, text, unjudged_mask

EDITABLE = ("name", "phone", "unit", "location", "description", "channel", "received_at")
PERSONAL = ("name", "phone")
CANCELLABLE = ("registered", "assigned", "in_progress", "resolved")


def _new_values(
    name: str | None,
    phone_number: str | None,
    unit: str | None,
    location: str | None,
    description: str | None,
    channel: str | None,
    received_at: str | None,
) -> dict[str, str | int | None]:
    """The values given, checked as ``register`` checks them."""
    values: dict[str, str | int | None] = {}
    if name is not None:
        values["name"] = text(name, "--name", limit=MAX_SHORT)
    if phone_number is not None:
        values["phone"] = phone(phone_number)
    if unit is not None:
        values["unit"] = text(unit, "--unit", limit=MAX_SHORT)
    if location is not None:
        values["location"] = text(location, "--location", limit=MAX_SHORT)
    if description is not None:
        values["description"] = text(description, "--description")
    if channel is not None:
        values["channel"] = CHANNEL.parse(channel)
    if received_at is not None:
        moment = not_future(parse_time(received_at, "--received-at"), now(), "--received-at")
        values["received_at"] = to_epoch(moment)
    if not values:
        raise InvalidInput(
            "edit",
            "common.give_at_least_one_of",
            options=[f"--{f.replace('_', '-')}" for f in EDITABLE],
        )
    return values


def edit(
    ledger: Ledger,
    actor: Actor,
    complaint_id: int,
    *,
    reason: str | None,
    name: str | None = None,
    phone_number: str | None = None,
    unit: str | None = None,
    location: str | None = None,
    description: str | None = None,
    channel: str | None = None,
    received_at: str | None = None,
) -> Complaint:
    """Correct what was typed at registration; allowed in every state, with a reason."""
    why = text(reason, "--reason")
    values = _new_values(name, phone_number, unit, location, description, channel, received_at)
    with ledger.write() as w:
        state = ledger.get(complaint_id)
        events = ledger.events(state.id)
        old_name, old_phone = ledger.personal(state.id)
        changes: dict[str, object] = {}
        for field, value in values.items():
            if field in PERSONAL:
                old = old_name if field == "name" else old_phone
                if value != old:
                    changes[field] = "changed"  # personal data stays out of the event log
            elif value != getattr(state, field):
                changes[field] = {"from": getattr(state, field), "to": value}
        if not changes:
            raise InvalidInput(
                "edit", "corrections.already_has_these_values_nothing_to", id=state.id
            )
        if "received_at" in changes:
            _received_before_steps(state, events, int(values["received_at"] or 0))
        pii = None
        if any(f in changes for f in PERSONAL):
            if old_name is None and old_phone is None:
                raise DomainError("corrections.cannot_correct_the_name_or_phone", id=state.id)
            pii = w.replace_personal(
                state.id,
                str(values.get("name", old_name)),
                str(values.get("phone", old_phone)),
            )
        data: dict[str, object] = {"reason": why, "changes": changes}
        if "received_at" in changes or "channel" in changes:
            corrected = replace(
                state,
                received_at=int(values.get("received_at") or state.received_at),
                channel=str(values.get("channel", state.channel)),
                # a corrected receipt is a moment: its time of day is known from now on
                received_time_unknown=0
                if "received_at" in changes
                else state.received_time_unknown,
            )
            policy = ledger.policy(state.policy_version)
            due, mask, unknown = recompute_unknown(ledger, policy, corrected, state.severity)
            data["previous_due"] = {m: state.due(m) for m in MILESTONES}
            data["due"] = due
            data["provisional"] = mask
            data.update(unjudged_mask(policy, state, due, unknown))
        event = Event("corrected", state.id, actor.epoch, actor.by, data, pii=pii)
        return w.record(state, event)


def _received_before_steps(state: Complaint, events: list[Event], received: int) -> None:
    for e in events:
        if e.kind not in ("registered", "corrected", "noted") and e.at < received:
            raise InvalidInput(
                "--received-at",
                "corrections.is_after_s_step_at_a",
                received=from_epoch(received),
                id=state.id,
                kind=event_term(e.kind),
                at=from_epoch(e.at),
            )


def cancel(ledger: Ledger, actor: Actor, complaint_id: int, *, reason: str | None) -> Complaint:
    """Cancel an entry made in error (作废): typed twice, a test, not a complaint.  Allowed
    until the complaint is closed; a duplicate of a real complaint is linked instead."""
    why = text(reason, "--reason")
    with ledger.write() as w:
        state = ledger.get(complaint_id)
        if state.status == "cancelled":
            raise DomainError("corrections.cannot_cancel_it_is_cancelled_already", id=state.id)
        if state.status not in CANCELLABLE:
            raise DomainError(
                "corrections.cannot_cancel_it_is_only_a",
                id=state.id,
                status=STATUS.term(state.status),
            )
        linked = [
            int(r[0])
            for r in ledger.query(
                "SELECT id FROM complaints WHERE duplicate_of = ? AND status != 'cancelled' "
                "ORDER BY id",
                (state.id,),
            )
        ]
        if linked:
            raise DomainError(
                "corrections.cannot_cancel_are_linked_to_it",
                id=state.id,
                values=[f"#{i}" for i in linked],
            )
        if actor.epoch < state.received_at:
            raise InvalidInput(
                "--at", "corrections.is_before_was_received", at=actor.at, id=state.id
            )
        data = {"reason": why, "status": state.status}
        return w.record(state, Event("cancelled", state.id, actor.epoch, actor.by, data))
