"""Ledger-wide administration: policy versions and State Council holiday notices."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from complaintctl.domain.model import Event, provisional_mask
from complaintctl.domain.vocab import MILESTONES, OPEN_STATUSES
from complaintctl.sla.policy import Policy, parse_policy
from complaintctl.store.ledger import Ledger
from complaintctl.time.calendar import parse_notice
from complaintctl.workflow.actor import Actor
from complaintctl.workflow.steps import recompute


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
    notice = parse_notice(text)
    changes: list[Recalculated] = []
    with ledger.write() as w:
        ledger.conn.execute(
            "INSERT INTO notices (year, reference, loaded_at, by, text) VALUES (?, ?, ?, ?, ?)",
            (notice.year, notice.reference, actor.epoch, actor.by, text),
        )
        ledger._calendar = None  # the next calendar() includes the new notice
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
            fresh, fresh_mask = recompute(ledger, policy, state, state.severity)
            due: dict[str, int | None] = {}
            still: set[str] = set()
            for m in MILESTONES:
                if not state.is_provisional(m):
                    continue
                if state.done(m) is not None:
                    still.add(m)  # a done milestone keeps the deadline it was judged by
                    continue
                if fresh_mask & provisional_mask([m]):
                    still.add(m)
                new = fresh[m]
                if new is not None and new != state.due(m):
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
