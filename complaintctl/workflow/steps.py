"""The complaint workflow: 受理 → 分类 → 派单 → 处理 → 反馈 → 回访 → 复议.

Each step validates its input against the current state and the policy, computes the
deadlines it changes, and records its event(s) and the resulting state in one transaction.
Nothing here knows about Typer or Rich.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta

from complaintctl.domain.errors import DomainError, InvalidInput
from complaintctl.domain.labels import event_term
from complaintctl.domain.messages import Msg
from complaintctl.domain.model import Complaint, Event, provisional_mask
from complaintctl.domain.sites import FIRST
from complaintctl.domain.timeutil import from_epoch, parse_time, to_epoch
from complaintctl.domain.vocab import (
    APPOINTMENT_KINDS,
    CHANNEL,
    KIND,
    MILESTONES,
    NATURE,
    SATISFACTION,
    SEVERITY,
    STATUS,
    parse_listed,
)
from complaintctl.sla import rules as sla
from complaintctl.sla.policy import Policy
from complaintctl.store.ledger import Ledger, Writer
from complaintctl.time.deadlines import Duration, due_at, extend, parse_duration
from complaintctl.workflow.actor import MAX_SHORT, Actor
from complaintctl.workflow.linking import propagate

MAX_TEXT = 4000
_PHONE = re.compile(r"^(?:\+?86[- ]?)?(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?|\d{7,8})$")

ALLOWED_STEPS = {
    "registered": ("classify", "assign", "update", "close"),
    "assigned": ("classify", "assign", "update", "close"),
    "in_progress": ("classify", "assign", "update", "close"),
    "resolved": ("classify", "followup", "reopen"),
    "closed": ("reopen",),
    "cancelled": (),
}


# -- validation helpers ---------------------------------------------------------------------
def text(
    value: str | None,
    field: str,
    *,
    required: bool = True,
    limit: int = MAX_TEXT,
    visible: bool = False,
) -> str | None:
    """Typed text, stripped; ``visible`` for names, units and handlers (one line of visible
    characters: no newline, tab, zero-width or direction-changing character)."""
    if value is None or not value.strip():
        if required:
            raise InvalidInput(field, "common.must_not_be_empty")
        return None
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(field, "steps.longer_than_characters", limit=limit, count=len(value))
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise InvalidInput(field, "common.contains_control_characters")
    hidden = next((ch for ch in value if ch in _BIDI), None)
    if hidden is None and visible:
        # a name, unit or handler is one line of visible text: no newline, no zero-width or
        # direction-changing character (a list, a sheet would show another text)
        hidden = next((ch for ch in value if unicodedata.category(ch) in _INVISIBLE), None)
    if hidden is not None:
        raise InvalidInput(
            field,
            "steps.contains_an_invisible_line_breaking_or",
            code=ord(hidden),
        )
    return value


_INVISIBLE = frozenset(("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"))
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def phone(value: str) -> str:
    """A phone number, cleaned.  Error messages never repeat the number typed: a mistyped
    number is still somebody's (it goes to logs and screens)."""
    cleaned = re.sub(r"[\s()（）]", "", value or "")
    if not cleaned:
        raise InvalidInput("--phone", "common.must_not_be_empty")
    if not _PHONE.match(cleaned):
        digits = sum(ch.isdigit() for ch in cleaned)
        raise InvalidInput(
            "--phone",
            "steps.not_a_phone_number_digits_given",
            digits=digits,
        )
    return cleaned


def category(policy: Policy, value: str) -> str:
    return parse_listed(value, "--category", policy.categories, policy.aliases)


def department(policy: Policy, value: str) -> str:
    return parse_listed(value, "--department", policy.departments, policy.aliases)


def refuse(state: Complaint, step: str) -> DomainError:
    allowed = ALLOWED_STEPS[state.status]
    return DomainError(
        "steps.refused",
        step=Msg(f"step.{step}"),
        id=state.id,
        status=STATUS.term(state.status),
        allowed=[Msg(f"step.{a}") for a in allowed] or Msg("step.none"),
    )


def _require(state: Complaint, step: str) -> None:
    if step not in ALLOWED_STEPS[state.status]:
        raise refuse(state, step)


def _not_before(state: Complaint, actor: Actor, since: int | None = None) -> None:
    floor = since if since is not None else state.received_at
    if actor.epoch < floor:
        raise InvalidInput(
            "--at",
            "steps.is_before_reached_this_step",
            at=actor.at,
            id=state.id,
            floor=from_epoch(floor),
        )


@contextlib.contextmanager
def _writing(ledger: Ledger, actor: Actor) -> Iterator[Writer]:
    """A step's write transaction: the late-entry reason goes into its events, and a policy
    that requires a reason beyond a gap (``windows.late_entry_reason_after``) gets one."""
    with ledger.write() as w:
        after = ledger.policy().late_entry_reason_after
        if after is not None and actor.late_reason is None and w.now - actor.epoch > after.seconds:
            raise InvalidInput(
                "--late-entry-reason",
                "steps.at_is_before_now_the_policy",
                at=actor.at,
                gap=timedelta(seconds=w.now - actor.epoch),
                after=after,
            )
        w.late_reason = actor.late_reason
        yield w


def _not_before_recorded(ledger: Ledger, state: Complaint, actor: Actor, step: str) -> None:
    """A closing step (close, followup, reopen) cannot be dated before a step already recorded
    on the complaint (a close at 09:05 after an assignment recorded at 12:00); contacts, plans,
    notes and assignments may be recorded out of order, since they happen in parallel."""
    row = ledger.conn.execute(
        "SELECT kind, at FROM events WHERE complaint_id = ? AND kind != 'personal_data_erased' "
        "ORDER BY at DESC, seq DESC LIMIT 1",
        (state.id,),
    ).fetchone()
    if row is not None and actor.epoch < int(row["at"]):
        raise InvalidInput(
            "--at",
            "steps.is_before_the_step_of_already",
            at=actor.at,
            kind=event_term(row["kind"]),
            id=state.id,
            at2=from_epoch(int(row["at"])),
            step=Msg(f"step.{step}"),
        )


# -- deadlines ------------------------------------------------------------------------------
def deadlines(
    ledger: Ledger, policy: Policy, received: datetime, severity: str | None, channel: str
) -> tuple[dict[str, int | None], int]:
    """Every milestone's deadline from the moment of receipt, and the provisional mask."""
    return sla.deadlines(policy, ledger.calendar(), received, severity, channel)


def _update_clock(
    policy: Policy, severity: str | None, start: int, state: Complaint | None = None
) -> int | None:
    if state is not None and state.kind != "complaint":
        limit = policy.kind_limit(state.kind, bool(state.urgent), "update")
    else:
        limit = policy.limit(severity, "update")
    if limit is None:
        return None
    return start + limit.seconds  # the policy allows only m or h for update


def _limit(policy: Policy, state: Complaint, milestone: str) -> Duration | None:
    """A milestone's limit for ``state``: by severity for a complaint, else by its kind."""
    if state.kind == "complaint":
        return policy.limit(state.severity, milestone)
    return policy.kind_limit(state.kind, bool(state.urgent), milestone)


def recompute(
    ledger: Ledger, policy: Policy, state: Complaint, severity: str | None
) -> tuple[dict[str, int | None], int]:
    """Every milestone's deadline for ``state`` at ``severity`` (:func:`recompute_unknown`)
    and the provisional mask."""
    due, provisional, _ = recompute_unknown(ledger, policy, state, severity)
    return due, provisional


def recompute_unknown(
    ledger: Ledger, policy: Policy, state: Complaint, severity: str | None
) -> tuple[dict[str, int | None], int, set[str]]:
    """Every milestone's deadline for ``state`` at ``severity``, as the workflow would set it
    today: from receipt; ``resolve`` from the last reopening with later extensions replayed;
    the recurring ``update`` clock from the last progress report.  Used when the severity
    changes (classify, escalation) and when a holiday notice changes the calendar."""
    cal = ledger.calendar()
    received = from_epoch(state.received_at)
    resolve_start, progress = received, state.received_at
    extensions: list[Duration] = []
    unknown = _unknown_clock(policy, state, severity)
    for e in ledger.events(state.id):
        if e.kind == "reopened":
            resolve_start, extensions, progress = from_epoch(e.at), [], e.at
            unknown -= {"resolve", "update"}  # counted from the reopening, a known time
        elif e.kind == "extended":
            extensions.append(parse_duration(str(e.data["duration"])))
        elif e.kind == "updated":
            progress = e.at
    due: dict[str, int | None] = {}
    provisional: set[str] = set()
    for milestone in MILESTONES:
        if milestone == "update":
            keep = state.update_done is not None and state.update_due is not None
            due["update"] = (
                state.update_due if keep else _update_clock(policy, severity, progress, state)
            )
            if "update" in unknown and not keep:
                due["update"] = None
            continue
        if milestone in unknown and not (milestone == "resolve" and state.appointment_at):
            due[milestone] = None  # from a receipt whose time is unknown: none invented
            continue
        start = resolve_start if milestone == "resolve" else received
        if milestone == "resolve" and state.appointment_at is not None and start == received:
            result: tuple[datetime, bool] | None = (from_epoch(state.appointment_at), False)
        else:
            result = sla.milestone_due(
                policy,
                cal,
                start,
                severity,
                state.channel,
                milestone,
                kind=state.kind,
                urgent=bool(state.urgent),
            )
        if result is None:
            due[milestone] = None
            continue
        moment, prov = result
        if milestone == "resolve":
            for duration in extensions:
                moment, prov = extend(moment, duration, cal, policy.day_ends_at)
        due[milestone] = to_epoch(moment)
        if prov:
            provisional.add(milestone)
    unknown = {m for m in unknown if due[m] is None}
    return due, provisional_mask(provisional), unknown


def _unknown_clock(policy: Policy, state: Complaint, severity: str | None) -> set[str]:
    """The clock milestones of a complaint whose time of receipt is unknown (issue 16)."""
    if not state.received_time_unknown:
        return set()
    return sla.clock_milestones(
        policy, severity, state.channel, kind=state.kind, urgent=bool(state.urgent)
    )


def unjudged_mask(
    policy: Policy, state: Complaint, due: dict[str, int | None], unknown: set[str]
) -> dict[str, int]:
    """The ``unjudged`` part of an event that gives ``state`` the deadlines ``due``: the clock
    milestones ``unknown`` left without a deadline for an unknown time of receipt, those done
    at an unknown time (a dispatch) kept, and after a handling at an unknown time every
    milestone not done; nothing for a complaint whose times are known."""
    if not state.received_time_unknown and not state.unjudged:
        return {}
    before = provisional_mask(_unknown_clock(policy, state, state.severity))
    mask = (state.unjudged & ~before) | provisional_mask(unknown)
    if state.handled_time_unknown:
        mask |= provisional_mask(
            [m for m in MILESTONES if state.done(m) is None and (due[m] or m == "resolve")]
        )
    return {"unjudged": mask}


def severity_deadlines(
    ledger: Ledger, policy: Policy, state: Complaint, severity: str | None
) -> dict[str, object]:
    """The deadline part of an event that changes ``state``'s severity, the old ones kept."""
    due, mask, unknown = recompute_unknown(ledger, policy, state, severity)
    return {
        "previous_due": {m: state.due(m) for m in MILESTONES},
        "due": due,
        "provisional": mask,
        **unjudged_mask(policy, state, due, unknown),
    }


def _followed(w: Writer, state: Complaint, event: Event) -> Complaint:
    """Record ``event`` on ``state`` and on the duplicates linked to it (see linking)."""
    new = w.record(state, event)
    propagate(w, new, event)
    return new


# -- steps ----------------------------------------------------------------------------------
def register(
    ledger: Ledger,
    actor: Actor,
    *,
    channel: str,
    name: str | None,
    unit: str,
    phone_number: str | None,
    description: str,
    category_name: str | None = None,
    severity: str | None = None,
    location: str | None = None,
    nature: str | None = None,
    source_key: str | None = None,
    kind: str | None = None,
    urgent: bool = False,
    appointment: str | None = None,
    anonymous: bool = False,
    site: str = FIRST,
) -> Complaint:
    policy = ledger.policy(ledger.policy_version(site))
    record_kind = KIND.parse(kind) if kind is not None else "complaint"
    agreed = _appointment(record_kind, urgent, appointment, actor)
    data: dict[str, object] = {
        "channel": CHANNEL.parse(channel),
        "unit": text(unit, "--unit", limit=MAX_SHORT, visible=True),
        "description": text(description, "--description"),
        "location": text(location, "--location", required=False, limit=MAX_SHORT),
        "category": category(policy, category_name) if category_name else None,
        "severity": SEVERITY.parse(severity) if severity else None,
        "nature": NATURE.parse(nature) if nature else None,
    }
    person, number = _contact(name, phone_number, anonymous)
    if anonymous:
        data["anonymous"] = True
    with _writing(ledger, actor) as w:
        if source_key is not None:
            data["source_key"] = source_key
        version = ledger.policy_version(site)
        policy = ledger.policy(version)
        data["policy_version"] = version
        if record_kind != "complaint":  # a complaint's event stays as it always was
            data["kind"] = record_kind
            if urgent:
                data["urgent"] = True
            if agreed is not None:
                data["appointment"] = to_epoch(agreed)
            due, mask = sla.deadlines(
                policy,
                ledger.calendar(),
                actor.at,
                data["severity"],  # type: ignore[arg-type]
                str(data["channel"]),
                kind=record_kind,
                urgent=urgent,
                appointment=agreed,
            )
        else:
            due, mask = deadlines(ledger, policy, actor.at, data["severity"], str(data["channel"]))  # type: ignore[arg-type]
        data["due"] = due
        data["provisional"] = mask
        return _register_in(w, actor, person, number, data, site)


def _appointment(kind: str, urgent: bool, appointment: str | None, actor: Actor) -> datetime | None:
    """Check ``--urgent`` and ``--appointment`` against the kind; the agreed time, if any."""
    if urgent and kind != "repair":
        raise InvalidInput("--urgent", "steps.only_for_a_repair_kind_repair")
    if appointment is None:
        return None
    if kind not in APPOINTMENT_KINDS:
        accepted = ", ".join(f"{k}/{KIND.label(k)}" for k in APPOINTMENT_KINDS)
        raise InvalidInput("--appointment", "steps.only_for_kind", accepted_name=accepted)
    agreed = parse_time(appointment, "--appointment")
    if agreed <= actor.at:
        raise InvalidInput(
            "--appointment",
            "steps.is_not_after_the_time_of",
            agreed=agreed,
            at=actor.at,
        )
    return agreed


def _contact(name: str | None, phone_number: str | None, anonymous: bool) -> tuple[str, str]:
    """The name and phone to store: both empty for an anonymous complaint (a caller who
    withholds them, an unsigned letter), which can then not be called back."""
    if anonymous:
        if name is not None or phone_number is not None:
            raise InvalidInput("--anonymous", "steps.takes_no_name_or_phone")
        return "", ""
    if name is None or not name.strip():
        raise InvalidInput("--name", "steps.empty_use_anonymous")
    if phone_number is None or not phone_number.strip():
        raise InvalidInput("--phone", "steps.empty_use_anonymous")
    person = text(name, "--name", limit=MAX_SHORT, visible=True)
    assert person is not None
    return person, phone(phone_number)


def _register_in(
    w: Writer, actor: Actor, person: str, number: str, data: dict[str, object], site: str
) -> Complaint:
    cid = w.next_id(site)  # the key holds the site and the number within it (domain/sites)
    pii = w.store_personal(cid, person, number)
    event = Event("registered", cid, actor.epoch, actor.by, data, pii=pii)
    return w.record(None, event)


def classify(
    ledger: Ledger,
    actor: Actor,
    complaint_id: int,
    *,
    severity: str | None = None,
    category_name: str | None = None,
    nature: str | None = None,
) -> Complaint:
    if severity is None and category_name is None and nature is None:
        raise InvalidInput("classify", "steps.give_at_least_one_of_severity")
    with _writing(ledger, actor) as w:
        state = ledger.get(complaint_id)
        _require(state, "classify")
        _not_before(state, actor)
        policy = ledger.policy(state.policy_version)
        new = {
            "severity": SEVERITY.parse(severity) if severity else None,
            "category": category(policy, category_name) if category_name else None,
            "nature": NATURE.parse(nature) if nature else None,
        }
        data: dict[str, object] = {k: v for k, v in new.items() if v is not None}
        data["before"] = {k: getattr(state, k) for k in new if new[k] is not None}
        target = new["severity"] or state.severity
        if target != state.severity:
            data.update(severity_deadlines(ledger, policy, state, target))
        return w.record(state, Event("classified", state.id, actor.epoch, actor.by, data))


def assign(
    ledger: Ledger, actor: Actor, complaint_id: int, *, department_name: str, handler: str | None
) -> Complaint:
    with _writing(ledger, actor) as w:
        state = ledger.get(complaint_id)
        _require(state, "assign")
        _not_before(state, actor)
        policy = ledger.policy(state.policy_version)
        data = {
            "department": department(policy, department_name),
            "handler": text(handler, "--handler", required=False, limit=MAX_SHORT, visible=True),
        }
        return w.record(state, Event("assigned", state.id, actor.epoch, actor.by, data))


def update(
    ledger: Ledger,
    actor: Actor,
    complaint_id: int,
    *,
    contacted: bool = False,
    plan: str | None = None,
    note: str | None = None,
    escalate: str | None = None,
    extend_by: str | None = None,
    reason: str | None = None,
    approved_by: str | None = None,
) -> Complaint:
    plan = text(plan, "--plan", required=False)
    note = text(note, "--note", required=False)
    escalate = text(escalate, "--escalate", required=False)
    duration = parse_duration(extend_by, "--extend") if extend_by is not None else None
    if duration is not None:
        reason = text(reason, "--reason")
        approved_by = text(approved_by, "--approved-by", limit=MAX_SHORT)
    elif reason is not None or approved_by is not None:
        raise InvalidInput("--reason", "steps.goes_with_extend")
    if not (contacted or plan or note or escalate or duration):
        raise InvalidInput("update", "steps.give_at_least_one_of_contacted")
    with _writing(ledger, actor) as w:
        state = ledger.get(complaint_id)
        _require(state, "update")
        _not_before(state, actor)
        policy = ledger.policy(state.policy_version)
        if contacted or plan or note:
            data: dict[str, object] = {
                "contacted": contacted,
                "plan": plan,
                "note": note,
                "update_due": _update_clock(policy, state.severity, actor.epoch, state),
            }
            state = w.record(state, Event("updated", state.id, actor.epoch, actor.by, data))
        if escalate:
            data = {"reason": escalate, "level": "manager"}
            state = w.record(state, Event("escalated", state.id, actor.epoch, actor.by, data))
        if duration is not None:
            if state.resolve_due is None:
                raise DomainError("steps.cannot_extend_it_has_no_resolve", id=state.id)
            moved, prov = extend(
                from_epoch(state.resolve_due), duration, ledger.calendar(), policy.day_ends_at
            )
            mask = state.provisional | (1 << MILESTONES.index("resolve"))
            if not prov:
                mask ^= 1 << MILESTONES.index("resolve")
            data = {
                "milestone": "resolve",
                "duration": str(duration),
                "from": state.resolve_due,
                "reason": reason,
                "approved_by": approved_by,
                "due": {"resolve": to_epoch(moved)},
                "provisional": mask,
            }
            state = _followed(w, state, Event("extended", state.id, actor.epoch, actor.by, data))
        return state


def close(
    ledger: Ledger,
    actor: Actor,
    complaint_id: int,
    *,
    resolution: str,
    satisfied: bool | None = None,
) -> Complaint:
    resolution_text = text(resolution, "--resolution")
    with _writing(ledger, actor) as w:
        state = ledger.get(complaint_id)
        _require(state, "close")
        _not_before(state, actor)
        _not_before_recorded(ledger, state, actor, "close")
        state = _followed(
            w,
            state,
            Event("resolved", state.id, actor.epoch, actor.by, {"resolution": resolution_text}),
        )
        if satisfied is not None:
            verdict = "satisfied" if satisfied else "unsatisfied"
            state = _followup_in(w, actor, state, verdict, "confirmed when closing")
        return state


def _followup_in(
    w: Writer, actor: Actor, state: Complaint, rating: str, note: str | None
) -> Complaint:
    data = {"satisfaction": rating, "note": note}
    return _followed(w, state, Event("followed_up", state.id, actor.epoch, actor.by, data))


def rating(satisfied: bool | None, level: str | None) -> str:
    """The 回访 verdict: one of the five levels (``--rating``: 非常满意 … 非常不满意, their
    English codes, or 5 … 1), or 满意/不满意 from ``--satisfied``/``--unsatisfied``."""
    if level is not None and satisfied is not None:
        which = "--satisfied" if satisfied else "--unsatisfied"
        raise InvalidInput("--rating", "steps.give_rating_or_not_both", which=which)
    if level is not None:
        return SATISFACTION.parse(level, "--rating")
    if satisfied is None:
        raise InvalidInput(
            "--rating",
            "steps.give_the_owner_s_verdict_rating",
        )
    return "satisfied" if satisfied else "unsatisfied"


def followup(
    ledger: Ledger,
    actor: Actor,
    complaint_id: int,
    *,
    satisfied: bool | None = None,
    level: str | None = None,
    note: str | None = None,
) -> Complaint:
    verdict = rating(satisfied, level)
    note = text(note, "--note", required=False)
    with _writing(ledger, actor) as w:
        state = ledger.get(complaint_id)
        _require(state, "followup")
        if ledger.personal(state.id)[1] == "":
            raise DomainError("steps.cannot_follow_up_it_is_anonymous", id=state.id)
        _not_before(state, actor, state.resolved_at)
        _not_before_recorded(ledger, state, actor, "followup")
        return _followup_in(w, actor, state, verdict, note)


def reconsideration_deadline(ledger: Ledger, state: Complaint) -> datetime | None:
    if state.resolved_at is None:
        return None
    policy = ledger.policy(state.policy_version)
    moment, _ = due_at(
        from_epoch(state.resolved_at), policy.reconsideration, ledger.calendar(), None
    )
    return moment


def reopen(ledger: Ledger, actor: Actor, complaint_id: int, *, reason: str) -> Complaint:
    why = text(reason, "--reason")
    with _writing(ledger, actor) as w:
        state = ledger.get(complaint_id)
        _require(state, "reopen")
        _not_before(state, actor, state.resolved_at)
        _not_before_recorded(ledger, state, actor, "reopen")
        policy = ledger.policy(state.policy_version)
        window_end = reconsideration_deadline(ledger, state)
        if window_end is None:  # imported as handled at an unknown time (issue 16)
            raise DomainError(
                "steps.cannot_reopen_handled_time_unknown",
                id=state.id,
                reconsideration=policy.reconsideration,
            )
        if actor.at >= window_end:
            raise DomainError(
                "steps.cannot_reopen_the_reconsideration_window_after",
                id=state.id,
                reconsideration=policy.reconsideration,
                window_end=window_end,
            )
        limit = _limit(policy, state, "resolve")
        assert limit is not None
        moment, prov = due_at(actor.at, limit, ledger.calendar(), policy.day_ends_at)
        bit = 1 << MILESTONES.index("resolve")
        data: dict[str, object] = {
            "reason": why,
            "due": {
                "resolve": to_epoch(moment),
                "update": _update_clock(policy, state.severity, actor.epoch, state),
            },
            "provisional": (state.provisional | bit) if prov else (state.provisional & ~bit),
        }
        return _followed(w, state, Event("reopened", state.id, actor.epoch, actor.by, data))
