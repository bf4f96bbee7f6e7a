"""Deadlines recomputed after the working-day calendar changed (a notice loaded or replaced, a
``holidays`` upgrade), and the check that finds deadlines the calendar in force no longer gives.

Which deadlines a calendar change may rewrite (docs/calendar.md):

- a *provisional* deadline, open or closed: it was explicitly "to be confirmed";
- the deadline of a milestone an *open* complaint has not yet met, provisional or final;
- never a final deadline of a milestone already done (it was judged by that deadline), so a
  closed complaint whose deadlines were final is never rewritten.

Each rewrite is a ``recalculated`` event carrying the old and the new deadlines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from complaintctl.domain.messages import Msg
from complaintctl.domain.model import Complaint, Event, provisional_mask
from complaintctl.domain.timeutil import CST, to_epoch
from complaintctl.domain.vocab import MILESTONES, OPEN_STATUSES
from complaintctl.store.ledger import Ledger, Writer
from complaintctl.workflow.actor import Actor
from complaintctl.workflow.steps import recompute

_CALENDAR_MILESTONES = tuple(m for m in MILESTONES if m != "update")  # update runs on the clock


@dataclass(frozen=True)
class Recalculated:
    complaint_id: int
    milestone: str
    before: int
    after: int


@dataclass
class Outcome:
    """What a recomputation rewrote."""

    open_complaints: int = 0
    closed_complaints: int = 0
    moved: list[Recalculated] = field(default_factory=list)
    cleared: int = 0  # provisional flags cleared (milestones no longer provisional)

    def summary(self) -> Msg:
        """Two lines, each within 80 columns (``recalc.summary`` of the catalogue)."""
        params = {"open": self.open_complaints, "closed": self.closed_complaints}
        return Msg("recalc.summary", {**params, "moved": len(self.moved), "cleared": self.cleared})


@dataclass(frozen=True)
class Revision:
    """A complaint's deadlines as the calendar in force gives them, where they differ."""

    state: Complaint
    due: dict[str, int]
    provisional: int

    @property
    def cleared(self) -> int:
        return bin(self.state.provisional & ~self.provisional).count("1")


def _day_start(day: date) -> int:
    return to_epoch(datetime.combine(day, time(), CST))


def candidates(ledger: Ledger, span: tuple[date, date] | None) -> list[int]:
    """Complaints a change of the days ``span`` (None: any day) may touch: every complaint
    with a provisional deadline, and the open ones whose period overlaps the span.  A linked
    duplicate (并单) is never one: it has no clock of its own and keeps the deadlines it took
    over from its main."""
    marks = ", ".join("?" for _ in OPEN_STATUSES)
    params: list[object] = list(OPEN_STATUSES)
    overlap = ""
    if span is not None:
        latest = ", ".join(f"coalesce({m}_due, 0)" for m in _CALENDAR_MILESTONES)
        overlap = f" AND received_at < ? AND max({latest}) >= ?"
        params += [_day_start(span[1]) + 86400, _day_start(span[0])]
    rows = ledger.query(
        f"SELECT id FROM complaints WHERE duplicate_of IS NULL AND (provisional != 0 "
        f"OR (status IN ({marks}){overlap})) ORDER BY id",
        tuple(params),
    )
    return [int(r["id"]) for r in rows]


def revise(ledger: Ledger, state: Complaint) -> Revision | None:
    """The rewrite a recomputation under the calendar in force makes to ``state``, or None.
    Callers take ``state`` from :func:`candidates`, which leaves linked duplicates out."""
    policy = ledger.policy(state.policy_version)
    fresh, fresh_mask = recompute(ledger, policy, state, state.severity)
    due: dict[str, int] = {}
    mask = state.provisional
    for m in _CALENDAR_MILESTONES:
        bit = provisional_mask([m])
        if not (state.is_provisional(m) or (state.is_open and state.done(m) is None)):
            continue  # a final deadline already met or missed stays what it was judged by
        new = fresh[m]
        if new is None or state.due(m) is None:
            continue
        if new != state.due(m):
            due[m] = new
        mask = (mask & ~bit) | (fresh_mask & bit)
    if not due and mask == state.provisional:
        return None
    return Revision(state, due, mask)


def recalculate(
    ledger: Ledger, w: Writer, actor: Actor, reason: str, span: tuple[date, date] | None
) -> Outcome:
    """Rewrite, inside the open write ``w``, every deadline the calendar in force changes."""
    outcome = Outcome()
    for cid in candidates(ledger, span):
        revision = revise(ledger, ledger.get(cid))
        if revision is None:
            continue
        state = revision.state
        for m, new in revision.due.items():
            outcome.moved.append(Recalculated(state.id, m, state.due(m) or 0, new))
        outcome.cleared += revision.cleared
        if state.is_open:
            outcome.open_complaints += 1
        else:
            outcome.closed_complaints += 1
        w.record(
            state,
            Event(
                "recalculated",
                state.id,
                actor.epoch,
                actor.by,
                {
                    "reason": reason,
                    "previous_due": {m: state.due(m) for m in revision.due},
                    "due": revision.due,
                    "previous_provisional": state.provisional,
                    "provisional": revision.provisional,
                },
            ),
        )
    return outcome


def drift(ledger: Ledger) -> list[Revision]:
    """Every complaint whose stored deadlines or provisional flags differ from what the
    calendar in force gives (after a ``holidays`` upgrade, or an edit behind the tool)."""
    with ledger.reading():
        return [
            r
            for cid in candidates(ledger, None)
            if (r := revise(ledger, ledger.get(cid))) is not None
        ]
