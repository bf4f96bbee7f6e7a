"""Ledger-wide administration: policy versions and State Council holiday notices."""

from __future__ import annotations

import hashlib
import json

from complaintctl.domain.errors import CalendarError
from complaintctl.domain.messages import Msg
from complaintctl.domain.model import Event
from complaintctl.domain.sites import FIRST
from complaintctl.sla.policy import Policy, parse_policy
from complaintctl.store.ledger import Ledger, holidays_version
from complaintctl.time.calendar import WorkCalendar, parse_notice
from complaintctl.workflow.actor import Actor
from complaintctl.workflow.recalc import Outcome, recalculate


def load_policy(
    ledger: Ledger, actor: Actor, text: str, site: str | None = None
) -> tuple[int, Policy]:
    """Validate and store a new policy version; complaints registered from now on use it,
    those of ``site`` only when one is given (issue 21), else those of every site."""
    policy = parse_policy(text)
    if site is not None:
        site = ledger.known_site(site)
    with ledger.write() as w:
        w.lock(FIRST)  # versions count across sites, on the first site's chain
        version = ledger.last_policy_version() + 1
        ledger.conn.execute(
            "INSERT INTO policies (version, loaded_at, by, name, sha256, text, site) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (version, actor.epoch, actor.by, policy.name, policy.digest, text, site),
        )
        data: dict[str, object] = {"version": version, "name": policy.name}
        data["sha256"] = policy.digest
        if site is not None:  # a policy of every site keeps the event it always had
            data["site"] = site
        w.append(Event("policy_loaded", None, actor.epoch, actor.by, data))
    return version, policy


def load_notice(ledger: Ledger, actor: Actor, text: str) -> tuple[int, str, Outcome]:
    """Store a holiday notice (its year becomes ``local``; the days it names in December of the
    year before or January of the year after change too) and recompute every deadline the
    change touches, each change an event (see workflow/recalc)."""
    notice = parse_notice(text)
    with ledger.write() as w:
        w.lock_all()  # the deadlines it moves may be of any site
        before = ledger.calendar()
        ledger.conn.execute(
            "INSERT INTO notices (year, reference, loaded_at, by, text) VALUES (?, ?, ?, ?, ?)",
            (notice.year, notice.reference, actor.epoch, actor.by, text),
        )
        ledger._calendar = None  # the next calendar() includes the new notice
        after = ledger.calendar()
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
        reason = f"holiday notice {notice.year} loaded ({notice.reference})"
        span = before.changed_span(after)  # None: not a day changed, nothing to revisit
        outcome = Outcome() if span is None else recalculate(ledger, w, actor, reason, span)
    return notice.year, notice.reference, outcome


def recompute_all(ledger: Ledger, actor: Actor) -> Outcome:
    """Rebuild the cached calendar from the package and the notices, and bring every deadline
    in line with it (after a ``holidays`` upgrade that turned a provisional year official,
    or a cache that verify found edited); each change an event."""
    with ledger.write() as w:
        w.lock_all()  # the deadlines it moves may be of any site
        ledger.conn.execute("DELETE FROM calendar_cache")  # rebuilt, never trusted
        ledger._calendar = None
        cal = ledger.calendar()
        return recalculate(ledger, w, actor, f"calendar recomputed ({cal.source})", None)


def follow_package(ledger: Ledger, actor: Actor) -> tuple[Msg, Outcome] | None:
    """After a ``holidays`` upgrade (or downgrade): recompute what the new package changes,
    once, and drop the old version's cached calendar; None when nothing is to do.  The
    message names the two versions (``holidays package 0.1 -> 0.2``).

    The cached calendar of the previous version is the calendar the deadlines were computed
    under; its difference from the new one is what a recomputation must revisit (all
    candidates when it is unreadable)."""
    if not ledger.calendar_outdated():
        return None
    mark = holidays_version() + "|"
    with ledger.write() as w:
        w.lock_all()  # the deadlines it moves may be of any site
        rows = ledger.query(
            "SELECT key, data FROM calendar_cache WHERE substr(key, 1, ?) != ?",
            (len(mark), mark),
        )
        if not rows:
            return None  # another terminal got here first
        old = str(rows[0]["key"]).partition("|")[0]
        said = Msg("calendar.package_changed", {"before": old, "after": mark[:-1]})
        reason = f"holidays package {old} -> {mark[:-1]}"  # the events' data: not translated
        before: WorkCalendar | None
        try:
            before = WorkCalendar.from_dict(json.loads(rows[0]["data"]))
        except (CalendarError, ValueError, TypeError):
            before = None
        ledger._calendar = None
        after = ledger.calendar()
        ledger.conn.execute(
            "DELETE FROM calendar_cache WHERE substr(key, 1, ?) != ?", (len(mark), mark)
        )
        span = before.changed_span(after) if before is not None else None
        if before is not None and span is None:
            return said, Outcome()
        return said, recalculate(ledger, w, actor, reason, span)
