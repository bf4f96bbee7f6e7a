"""The overdue digest: every open milestone that is breached or due soon, grouped by department
then handler, most overdue first.  Pure query and grouping; the CLI does the formatting.

Built for a ledger with 100,000 open complaints: one query over the ``(status, next_due)``
index does the work in SQLite.  A milestone can only be at risk when the complaint's
``next_due`` (its earliest open deadline) is, and "due soon" is the last fraction ``f`` of the
span since receipt, so a candidate has ``next_due - as_of <= (as_of - received_at) * f/(1-f)``
(or lies within the ``--due-within`` horizon).  For the candidates the query then judges each
milestone exactly as :func:`complaintctl.milestones.milestones` does (the same integer
arithmetic; tests/test_digest.py checks the two agree), joins the contact, and returns only the
milestones at risk, most overdue first.  Python only groups and masks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from complaintctl.privacy import mask_name, mask_phone
from complaintctl.timeutil import from_epoch, to_epoch
from complaintctl.vocab import MILESTONES, OPEN_STATUSES, SEVERITIES

if TYPE_CHECKING:
    from complaintctl.deadlines import Duration
    from complaintctl.ledger import Ledger

AT_RISK = ("breached", "due_soon")


class Entry(NamedTuple):
    """One milestone at risk (contact already masked)."""

    id: int
    unit: str
    name: str
    phone: str
    severity: str | None
    department: str | None
    handler: str | None
    milestone: str
    due: int
    state: str  # breached | due_soon
    provisional: bool
    as_of: int

    @property
    def overdue_seconds(self) -> int:
        """Seconds past the deadline; negative while it is still ahead."""
        return self.as_of - self.due


@dataclass(frozen=True)
class HandlerGroup:
    handler: str | None
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class DepartmentGroup:
    """A department's entries; ``breached``/``due_soon`` count complaints (one with any
    milestone breached counts as breached only)."""

    department: str | None
    handlers: tuple[HandlerGroup, ...]
    breached: int
    due_soon: int


@dataclass(frozen=True)
class Digest:
    as_of: int
    entries: tuple[Entry, ...]  # most overdue first
    departments: tuple[DepartmentGroup, ...]

    def __bool__(self) -> bool:
        return bool(self.entries)

    def state(self, state: str) -> list[Entry]:
        return [e for e in self.entries if e.state == state]

    @property
    def breached(self) -> int:
        return sum(d.breached for d in self.departments)

    @property
    def due_soon(self) -> int:
        return sum(d.due_soon for d in self.departments)


def horizon(ledger: Ledger, as_of: int, within: Duration) -> int:
    """The end of "due within ``within``" from ``as_of``, counted like a deadline."""
    from complaintctl.deadlines import due_at

    if within.is_clock:
        return as_of + within.amount * (60 if within.unit == "m" else 3600)
    moment, _ = due_at(from_epoch(as_of), within, ledger.calendar(), ledger.policy().day_ends_at)
    return to_epoch(moment)


def _params(ledger: Ledger) -> tuple[str, float]:
    """SQL VALUES of (policy version, severity, warning fraction, update interval in seconds)
    for every policy version (numbers and fixed codes only), and the widest f/(1-f)."""
    versions = [0, *(int(r["version"]) for r in ledger.query("SELECT version FROM policies"))]
    rows: list[str] = []
    widest = 0.0
    for v in versions:
        policy = ledger.policy(v)
        f = float(policy.warning_fraction)
        widest = max(widest, f / (1 - f))
        for severity in ("unclassified", *SEVERITIES):
            limit = policy.limit(None if severity == "unclassified" else severity, "update")
            upd = str(limit.amount * (60 if limit.unit == "m" else 3600)) if limit else "NULL"
            rows.append(f"({int(v)}, '{severity}', {f!r}, {upd})")
    return ", ".join(rows), widest


_DUE = " ".join(f"WHEN {i} THEN c.{m}_due" for i, m in enumerate(MILESTONES))
_DONE = " ".join(f"WHEN {i} THEN c.{m}_done" for i, m in enumerate(MILESTONES))
_UPDATE = MILESTONES.index("update")
_SQL = f"""
WITH params(version, severity, f, upd) AS (VALUES {{values}}),
ms(m) AS (VALUES {", ".join(f"({i})" for i in range(len(MILESTONES)))}),
cand AS MATERIALIZED (
  SELECT c.id, c.unit, c.severity, c.department, c.handler, c.received_at, c.provisional,
    {", ".join(f"c.{m}_due, c.{m}_done" for m in MILESTONES)}, pr.f AS f, pr.upd AS upd
  FROM complaints c
  JOIN params pr ON pr.version = c.policy_version
    AND pr.severity = coalesce(c.severity, 'unclassified')
  WHERE c.status IN ({", ".join(f"'{s}'" for s in OPEN_STATUSES)})
    AND c.next_due IS NOT NULL AND c.received_at <= :as_of
    AND (c.next_due <= :horizon
         OR c.next_due - :as_of <= (:as_of - c.received_at) * :ratio + 1) {{where}}
),
risk AS (
  SELECT c.id, ms.m, CASE ms.m {_DUE} END AS due, CASE ms.m {_DONE} END AS done,
    CASE WHEN ms.m = {_UPDATE} AND c.upd IS NOT NULL THEN c.upd
         ELSE (CASE ms.m {_DUE} END) - c.received_at END AS span,
    c.f, c.unit, c.severity, c.department, c.handler, c.provisional
  FROM cand c CROSS JOIN ms
)
SELECT r.id, r.m, r.due, r.unit, r.severity, r.department, r.handler, r.provisional,
  p.name, p.phone
FROM risk r LEFT JOIN personal p ON p.complaint_id = r.id
WHERE r.due IS NOT NULL AND r.done IS NULL
  AND (r.due <= :horizon OR :as_of >= r.due - CAST(r.span * r.f AS INTEGER))
ORDER BY r.due, r.id, r.m
"""


def collect(
    ledger: Ledger,
    as_of: int,
    *,
    until: int | None = None,
    department: str | None = None,
    unassigned: bool = False,
) -> Digest:
    """Everything open that is breached or due soon at ``as_of``.  A pending milestone due by
    ``until`` counts as due soon too.  ``department`` (or ``unassigned``) narrows the result."""
    values, ratio = _params(ledger)
    where = ""
    if unassigned:
        where = "AND c.department IS NULL"
    elif department is not None:
        where = "AND c.department = :department"
    params = {
        "as_of": as_of,
        "horizon": max(as_of, until) if until is not None else as_of,
        "ratio": ratio,
        "department": department,
    }
    cursor = ledger.conn.execute(_SQL.format(values=values, where=where), params)
    cursor.row_factory = None
    entries = _entries(cursor.fetchall(), as_of)
    order = list(ledger.policy().departments)
    return Digest(as_of, tuple(entries), tuple(group(entries, order)))


def _entries(rows: list[Any], as_of: int) -> list[Entry]:
    """Rows of the query as entries, the contact masked once per complaint."""
    masked: dict[int, tuple[str, str]] = {}
    make = tuple.__new__  # Entry(...) without the generated __new__: 100,000s of rows
    out = []
    for cid, m, due, unit, severity, dept, handler, mask, name, phone in rows:
        contact = masked.get(cid)
        if contact is None:
            contact = masked[cid] = (mask_name(name), mask_phone(phone))
        state = "breached" if due < as_of else "due_soon"
        fields = (cid, unit, *contact, severity, dept, handler, MILESTONES[m], due, state)
        out.append(make(Entry, (*fields, bool(mask & (1 << m)), as_of)))
    return out


def group(entries: list[Entry], department_order: list[str]) -> list[DepartmentGroup]:
    """Unassigned first, then departments in policy order (others by name); within one,
    handlers by their most overdue entry.  ``entries`` must be sorted most overdue first."""
    by_department: dict[str | None, list[Entry]] = {}
    for e in entries:
        by_department.setdefault(e.department, []).append(e)

    def rank(name: str | None) -> tuple[int, int, str]:
        if name is None:
            return (0, 0, "")
        if name in department_order:
            return (1, department_order.index(name), name)
        return (2, 0, name)

    out = []
    for name in sorted(by_department, key=rank):
        items = by_department[name]
        handlers: dict[str | None, list[Entry]] = {}
        for e in items:  # already in order, so handlers come out by their first (worst) entry
            handlers.setdefault(e.handler, []).append(e)
        breached = {e.id for e in items if e.state == "breached"}
        soon = {e.id for e in items} - breached
        out.append(
            DepartmentGroup(
                name,
                tuple(HandlerGroup(h, tuple(es)) for h, es in handlers.items()),
                len(breached),
                len(soon),
            )
        )
    return out
