"""Retention: erase the personal data of complaints closed longer ago than the policy keeps it.

Only the ``personal`` row is cleared (name, phone and the salt of their digest); the event log
never held them, so the hash chain still verifies, and no statistic changes.  Each erasure is a
``personal_data_erased`` event of the complaint, all in one transaction.  The values are
overwritten in the file (``secure_delete``) and the write-ahead log is emptied afterwards, so
no copy stays readable in the ledger's files (backups made earlier still hold them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.model import Event
from complaintctl.domain.timeutil import CST, to_epoch
from complaintctl.store.ledger import Ledger
from complaintctl.workflow.actor import Actor


@dataclass(frozen=True)
class Purge:
    before: date
    latest: date  # the latest --before the policy in force allows
    retention_years: int
    ids: list[int]
    dry_run: bool
    wal_cleared: bool = True  # the write-ahead log no longer holds the erased values

    def to_json(self) -> dict[str, object]:
        return {
            "before": self.before.isoformat(),
            "latest_allowed": self.latest.isoformat(),
            "retention_years": self.retention_years,
            "count": len(self.ids),
            "ids": self.ids,
            "dry_run": self.dry_run,
        }


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _midnight(day: date) -> int:
    return to_epoch(datetime(day.year, day.month, day.day, tzinfo=CST))


def eligible(ledger: Ledger, before: date, today: date) -> list[int]:
    """Closed complaints whose personal data is still stored, closed before ``before`` and
    longer ago than their own policy's retention period."""
    # a complaint imported as handled at an unknown time (issue 16) counts from its receipt:
    # the earliest it can have closed, so its personal data is not kept for ever
    closed = "coalesce(c.followed_up_at, c.resolved_at, c.received_at)"
    rows = ledger.query(
        f"SELECT c.id, c.policy_version, {closed} AS closed_at "
        "FROM complaints c JOIN personal p ON p.complaint_id = c.id "
        "WHERE c.status = 'closed' AND p.erased_at IS NULL "
        f"AND {closed} < ? ORDER BY c.id",
        (_midnight(before),),
    )
    out: list[int] = []
    for row in rows:
        years = ledger.policy(row["policy_version"]).retention_years
        if row["closed_at"] < _midnight(years_before(today, years)):
            out.append(int(row["id"]))
    return out


def purge_personal(ledger: Ledger, actor: Actor, before: date, *, dry_run: bool = False) -> Purge:
    """Erase (or, with ``dry_run``, count) the personal data that may go."""
    today = actor.at.astimezone(CST).date()
    version = ledger.policy_version()
    years = ledger.policy(version).retention_years
    latest = years_before(today, years)
    if before > latest:
        raise InvalidInput(
            "--before",
            "retention.is_within_the_retention_period_years",
            date=before.isoformat(),
            years=years,
            version=version,
            date2=latest.isoformat(),
        )
    if dry_run:
        return Purge(before, latest, years, eligible(ledger, before, today), True)
    with ledger.write() as w:
        w.lock_all()  # complaints of any site, their chains in one order
        ids = eligible(ledger, before, today)
        for cid in ids:
            ledger.conn.execute(
                "UPDATE personal SET name = NULL, phone = NULL, salt = NULL, erased_at = ? "
                "WHERE complaint_id = ?",
                (actor.epoch, cid),
            )
            data = {"reason": "retention", "before": before.isoformat(), "retention_years": years}
            w.record(
                ledger.get(cid), Event("personal_data_erased", cid, actor.epoch, actor.by, data)
            )
    # with secure_delete on (every connection: store/ledger.py) the erased values are zeroed
    # in the pages; the log still holds the pages as they were until it is checkpointed
    cleared = ledger.checkpoint()
    return Purge(before, latest, years, ids, False, cleared)
