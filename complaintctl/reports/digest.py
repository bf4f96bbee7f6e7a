"""The overdue digest: every open milestone that is breached or due soon, grouped by department
then handler, most overdue first.  Query and grouping; the CLI does the formatting.

Built for a ledger with 100,000 open complaints, of which most may be at risk.  One query over
the ``(status, next_due)`` index does the judging in SQLite.  A milestone can only be at risk
when the complaint's ``next_due`` (its earliest open deadline) is, and "due soon" is the last
fraction ``f`` of the span since receipt, so a candidate has
``next_due - as_of <= (as_of - received_at) * f/(1-f)`` (or lies within the ``--due-within``
horizon).  For each candidate the query judges the five milestones exactly as
:func:`complaintctl.sla.milestones.milestones` does (the same integer arithmetic;
tests/test_digest.py checks the two agree) and returns **one plain row per complaint** (no
``sqlite3.Row``, no sort in SQL) with the deadline of each milestone at risk, NULL for the
others, and the contact joined by primary key.

Python files each milestone at risk under its (department, handler) as one int, its sort key
(deadline, complaint, milestone and provisional mark packed, see :class:`Found`): ints sort
fast, and no object is built per milestone.  Of a complaint it keeps a 5-tuple."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, NamedTuple

from complaintctl.domain.privacy import mask_name, mask_phone
from complaintctl.domain.timeutil import from_epoch, to_epoch
from complaintctl.domain.vocab import MILESTONES, OPEN_STATUSES, SEVERITIES
from complaintctl.time.deadlines import due_at

if TYPE_CHECKING:
    from complaintctl.store.ledger import Ledger
    from complaintctl.time.deadlines import Duration

AT_RISK = ("breached", "due_soon")

# What the digest keeps of a complaint at risk (contact not yet masked; the name is only read
# when asked for); its department, handler and milestones are in its Group.
Complaint = tuple[int, str, str | None, str | None, str | None, str | None, str]
ID: Final = 0
UNIT: Final = 1
SEVERITY: Final = 2
PHONE: Final = 3
NAME: Final = 4
CATEGORY: Final = 5
ABOUT: Final = 6  # the first ABOUT_CHARS characters of the description: what it is about
ABOUT_CHARS: Final = 20


@dataclass(slots=True)
class Group:
    """The milestones at risk of one (department, handler) as sort keys, most overdue first;
    its complaints; how many of them are breached, how many only due soon."""

    keys: list[int] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)
    breached: int = 0
    due_soon: int = 0


@dataclass(frozen=True)
class Section:
    """One department of the digest: its handler groups, the most overdue first."""

    department: str | None
    handlers: list[tuple[str | None, Group]]
    breached: int
    due_soon: int


@dataclass
class Found:
    """Everything at risk.  A milestone at risk is one int, its key:
    ``due << shift | id << 4 | milestone << 1 | provisional`` (``milestone`` the index in
    MILESTONES), so sorting keys sorts by deadline, then complaint, then milestone order."""

    as_of: int
    shift: int
    groups: dict[tuple[str | None, str | None], Group]
    order: tuple[str, ...]  # the policy's departments
    qualified: bool = False  # numbers shown YG-123: a ledger of several sites (issue 21)

    def __bool__(self) -> bool:
        return bool(self.groups)

    @property
    def breached(self) -> int:
        return sum(g.breached for g in self.groups.values())

    @property
    def due_soon(self) -> int:
        return sum(g.due_soon for g in self.groups.values())

    @property
    def id_mask(self) -> int:
        return (1 << (self.shift - 4)) - 1

    def late(self) -> int:
        """Keys below this one are breached (their deadline is before ``as_of``)."""
        return self.as_of << self.shift

    def rank(self, department: str | None) -> tuple[int, int, str]:
        """Unassigned first, then the policy's departments in order, then others by name."""
        if department is None:
            return (0, 0, "")
        if department in self.order:
            return (1, self.order.index(department), department)
        return (2, 0, department)

    def sections(self) -> list[Section]:
        """Departments in digest order; within one, handlers by their most overdue milestone."""
        by_department: dict[str | None, list[tuple[str | None, Group]]] = {}
        for (department, handler), group in self.groups.items():
            by_department.setdefault(department, []).append((handler, group))
        out = []
        for name in sorted(by_department, key=self.rank):
            handlers = sorted(by_department[name], key=lambda hg: hg[1].keys[0])
            breached = sum(g.breached for _, g in handlers)
            out.append(Section(name, handlers, breached, sum(g.due_soon for _, g in handlers)))
        return out

    def ordered(self) -> list[int]:
        """Every key, most overdue first (breached ones before due-soon ones)."""
        keys: list[int] = []
        for group in self.groups.values():
            keys += group.keys
        keys.sort()  # quick: a merge of sorted runs
        return keys


def horizon(ledger: Ledger, as_of: int, within: Duration) -> int:
    """The end of "due within ``within``" from ``as_of``, counted like a deadline."""
    if within.is_clock:
        return as_of + within.seconds
    moment, _ = due_at(from_epoch(as_of), within, ledger.calendar(), ledger.policy().day_ends_at)
    return to_epoch(moment)


def _policy_sql(ledger: Ledger) -> tuple[str, str, str, float]:
    """SQL for each complaint's warning fraction and update interval (by its policy version
    and severity; numbers and fixed codes only), the filter keeping complaints whose version
    and severity are known, and the widest f/(1-f)."""
    versions = [0, *(int(r["version"]) for r in ledger.query("SELECT version FROM policies"))]
    fractions, updates = {}, {}
    for v in versions:
        policy = ledger.policy(v)
        fractions[v] = float(policy.warning_fraction)
        by_severity = []
        for severity in ("unclassified", *SEVERITIES):
            limit = policy.limit(None if severity == "unclassified" else severity, "update")
            upd = str(limit.seconds) if limit else "NULL"
            by_severity.append(f"WHEN '{severity}' THEN {upd}")
        updates[v] = f"CASE {_SEVERITY} {' '.join(by_severity)} END"
    known = (
        f"c.policy_version IN ({', '.join(map(str, versions))}) AND {_SEVERITY} IN "
        f"({', '.join(repr(s) for s in ('unclassified', *SEVERITIES))})"
    )
    widest = max(f / (1 - f) for f in fractions.values())
    fraction = _by_version({v: repr(f) for v, f in fractions.items()})
    return fraction, _by_version(updates), known, widest


def _by_version(values: dict[int, str]) -> str:
    """A value by policy version, in SQL; the value alone when every version agrees."""
    if len(set(values.values())) == 1:
        return next(iter(values.values()))
    cases = " ".join(f"WHEN {v} THEN {value}" for v, value in values.items())
    return f"CASE c.policy_version {cases} END"


_SEVERITY = "coalesce(c.severity, 'unclassified')"


def _at_risk(milestone: str, fraction: str, update: str) -> str:
    """The milestone's deadline when it is breached or due soon (or due by the horizon)."""
    due = f"c.{milestone}_due"
    span = f"{due} - c.received_at"
    if milestone == "resolve":  # after 复议 the span starts at the reopening
        span = f"{due} - coalesce(c.reopened_at, c.received_at)"
    if milestone == "update":  # the progress update's span is its own interval
        span = f"coalesce({update}, {span})"
    return (
        f"CASE WHEN c.{milestone}_done IS NULL AND ({due} <= :horizon "
        f"OR :as_of >= {due} - CAST(({span}) * {fraction} AS INTEGER)) THEN {due} END"
    )


def _sql(ledger: Ledger, where: str, names: bool) -> tuple[str, float]:
    fraction, update, known, widest = _policy_sql(ledger)
    risks = ",\n  ".join(_at_risk(m, fraction, update) for m in MILESTONES)
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    sql = f"""
SELECT c.department, c.handler, c.id, c.unit, c.severity, c.provisional,
  {"p.name" if names else "NULL"}, p.phone, c.category, substr(c.description, 1, {ABOUT_CHARS}),
  {risks}
FROM complaints c LEFT JOIN personal p ON p.complaint_id = c.id
WHERE c.status IN ({statuses})
  AND c.next_due IS NOT NULL AND c.received_at <= :as_of
  AND (c.next_due <= :horizon OR c.next_due - :as_of <= (:as_of - c.received_at) * :ratio + 1)
  AND {known} {where}
"""
    return sql, widest


def find(
    ledger: Ledger,
    as_of: int,
    *,
    until: int | None = None,
    department: str | None = None,
    unassigned: bool = False,
    names: bool = False,
    kind: str | None = None,
    sites: list[str] | None = None,
) -> Found:
    """Everything open that is breached or due soon at ``as_of``.  A pending milestone due by
    ``until`` counts as due soon too.  ``department`` (or ``unassigned``) narrows the result;
    ``names`` also reads the complainants' names (for JSON)."""
    where = ""
    if unassigned:
        where = "AND c.department IS NULL"
    elif department is not None:
        where = "AND c.department = :department"
    if kind is not None:  # issue 20: only repairs, only complaints, ...
        where += " AND c.kind = :kind"
    named = {f"site{n}": code for n, code in enumerate(sites or ())}
    if sites is not None:  # issue 21: these sites only
        where += f" AND c.site IN ({', '.join(':' + k for k in named)})"
    sql, ratio = _sql(ledger, where, names)
    params = {
        "as_of": as_of,
        "horizon": max(as_of, until) if until is not None else as_of,
        "ratio": ratio,
        "department": department,
        "kind": kind,
        **named,
    }
    groups: dict[tuple[str | None, str | None], Group] = {}
    # one snapshot for the highest id and the rows: an id past it (a complaint registered
    # in between) would not fit the bits the keys give it
    with ledger.reading():
        # main.complaints: under --as-of, ``complaints`` is the view (reports/asof.py), whose
        # max(id) read every row (0.84 s on the server at 1,000,000); its ids are the
        # table's, so the table's highest bounds them (one index probe)
        top = ledger.conn.execute("SELECT max(id) FROM main.complaints").fetchone()[0] or 0
        shift = int(top).bit_length() + 4
        cursor = ledger.conn.execute(sql, params)
        cursor.row_factory = None
        late = as_of << shift
        for row in cursor:
            (dept, handler, cid, unit, severity, provisional, name, phone, category, about,
             d0, d1, d2, d3, d4) = row  # fmt: skip
            base = cid << 4  # once per complaint at risk, so spelt out
            keys = []
            if d0 is not None:
                keys.append(d0 << shift | base)
            if d1 is not None:
                keys.append(d1 << shift | base | 2)
            if d2 is not None:
                keys.append(d2 << shift | base | 4)
            if d3 is not None:
                keys.append(d3 << shift | base | 6)
            if d4 is not None:
                keys.append(d4 << shift | base | 8)
            if not keys:  # a candidate with nothing at risk after all
                continue
            if provisional:
                keys = [key | (provisional >> (key >> 1 & 7) & 1) for key in keys]
            group = groups.get((dept, handler))
            if group is None:
                group = groups[(dept, handler)] = Group()
            group.keys += keys
            group.complaints.append((cid, unit, severity, phone, name, category, about))
            if min(keys) < late:
                group.breached += 1
            else:
                group.due_soon += 1
    for group in groups.values():
        group.keys.sort()
    departments = tuple(ledger.policy().departments)
    return Found(as_of, shift, groups, departments, ledger.multi_site)


# -- the same as objects, for callers that want them (tests, other modules) ------------------


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


def collect(
    ledger: Ledger,
    as_of: int,
    *,
    until: int | None = None,
    department: str | None = None,
    unassigned: bool = False,
) -> Digest:
    """:func:`find` as a :class:`Digest` of :class:`Entry` objects."""
    found = find(
        ledger, as_of, until=until, department=department, unassigned=unassigned, names=True
    )
    entries: dict[int, Entry] = {}
    for (dept, handler), group in found.groups.items():
        by_id = {c[ID]: c for c in group.complaints}
        for key in group.keys:
            c = by_id[key >> 4 & found.id_mask]
            due = key >> found.shift
            entries[key] = Entry(
                c[ID],
                c[UNIT],
                mask_name(c[NAME]),
                mask_phone(c[PHONE]),
                c[SEVERITY],
                dept,
                handler,
                MILESTONES[key >> 1 & 7],
                due,
                "breached" if due < as_of else "due_soon",
                bool(key & 1),
                as_of,
            )
    departments = [
        DepartmentGroup(
            s.department,
            tuple(HandlerGroup(h, tuple(entries[k] for k in g.keys)) for h, g in s.handlers),
            s.breached,
            s.due_soon,
        )
        for s in found.sections()
    ]
    return Digest(as_of, tuple(entries[k] for k in found.ordered()), tuple(departments))
