"""Finding complaints for ``list`` and ``search``: filters, order and the first page, fast on
big ledgers.

Every filter is one SQL condition on the ``complaints`` table, so they combine freely (all
must match).  The ones a clerk types at the desk are answered from indexes of migration 3:
``--unit`` from ``complaints(unit)`` (a prefix as a range of it), ``--phone`` from the last
four digits of ``personal.phone``, ``--name`` from ``personal(name)`` and ``--text`` from the
FTS5 table of bigrams ``complaint_text`` (``domain/textsearch.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.model import Complaint
from complaintctl.domain.timeutil import CST, from_epoch, parse_date, to_epoch
from complaintctl.domain.vocab import (
    CHANNEL,
    KIND,
    NATURE,
    OPEN_STATUSES,
    SEVERITY,
    STATUS,
    parse_listed,
)
from complaintctl.store.ledger import Ledger
from complaintctl.time.deadlines import due_at, parse_duration

Row = tuple[Complaint, str | None, str | None]  # the complaint, name, phone

_TOP = "\U0010ffff"  # above every character: the end of a prefix's range
_PHONE_TAIL = "substr(replace(phone, '-', ''), -4)"  # the expression of personal_phone_tail


@dataclass(frozen=True)
class Filters:
    """What ``list`` was asked for; None (or False) means any."""

    status: str | None = None
    severity: str | None = None
    department: str | None = None
    open_only: bool = False
    unit: str | None = None  # exact, or a prefix ending in '*'
    phone: str | None = None  # the number or its last 4+ digits
    name: str | None = None  # exact, or a prefix ending in '*'
    text: str | None = None
    category: str | None = None
    channel: str | None = None
    handler: str | None = None
    nature: str | None = None
    since: int | None = None  # received at or after (epoch)
    until: int | None = None  # received before (epoch, exclusive)
    breached_at: int | None = None  # a milestone breached at this moment
    due_from: int | None = None  # next deadline in [due_from, due_to]
    due_to: int | None = None
    linked: bool | None = None
    kind: str | None = None  # issue 20: 投诉, 报修, ...
    sites: tuple[str, ...] | None = None  # issue 21: these sites' complaints (None: every site)


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int  # how many matched (len(rows) when nothing was cut)


def _midnight(text: str, field: str, days: int = 0) -> int:
    d = parse_date(text, field) + timedelta(days=days)
    return to_epoch(datetime(d.year, d.month, d.day, tzinfo=CST))


def build_filters(
    ledger: Ledger,
    moment: int,
    *,
    status: str | None = None,
    severity: str | None = None,
    department: str | None = None,
    open_only: bool = False,
    unit: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    text: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    handler: str | None = None,
    nature: str | None = None,
    since: str | None = None,
    until: str | None = None,
    breached: bool = False,
    due_within: str | None = None,
    linked: bool | None = None,
    kind: str | None = None,
    sites: list[str] | None = None,
) -> Filters:
    """The filters from what a clerk typed (Chinese or English values, local dates
    inclusive), judged at ``moment``; a bad value raises ``InvalidInput`` naming the
    accepted ones."""
    policy = ledger.policy()
    due_from = due_to = None
    if due_within is not None:
        duration = parse_duration(due_within, "--due-within")
        end, _ = due_at(from_epoch(moment), duration, ledger.calendar(), None)
        due_from, due_to = moment, to_epoch(end)
    first = _midnight(since, "--since") if since is not None else None
    after = _midnight(until, "--until", days=1) if until is not None else None
    if first is not None and after is not None and after <= first:
        raise InvalidInput("--until", "listing.is_before_since", until=until, since=since)
    return Filters(
        status=STATUS.parse(status) if status is not None else None,
        severity=SEVERITY.parse(severity) if severity is not None else None,
        department=(
            parse_listed(department, "--department", policy.departments, policy.aliases)
            if department is not None
            else None
        ),
        open_only=open_only,
        unit=unit,
        phone=phone,
        name=name,
        text=text,
        category=(
            parse_listed(category, "--category", policy.categories, policy.aliases)
            if category is not None
            else None
        ),
        channel=CHANNEL.parse(channel) if channel is not None else None,
        kind=KIND.parse(kind) if kind is not None else None,
        handler=handler.strip() if handler is not None else None,
        nature=NATURE.parse(nature) if nature is not None else None,
        since=first,
        until=after,
        breached_at=moment if breached else None,
        due_from=due_from,
        due_to=due_to,
        linked=linked,
        sites=tuple(sites) if sites is not None else None,
    )


def phone_digits(value: str, field: str = "--phone") -> str:
    """The digits of a phone query: the whole number or its last four or more."""
    digits = re.sub(r"[\s()（）+-]", "", value)
    if not digits.isdigit() or len(digits) < 4:
        raise InvalidInput(field, "listing.give_the_number_or_its_last", value=value)
    return digits


def _prefix(column: str, value: str, field: str) -> tuple[str, list[Any]]:
    """``column`` equal to ``value``, or starting with it when it ends in ``*``."""
    value = value.strip()
    if value.endswith("*"):
        stem = value.rstrip("*").strip()
        if not stem:
            raise InvalidInput(field, "listing.give_the_start_before_e_g")
        return f"{column} >= ? AND {column} < ?", [stem, stem + _TOP]
    if not value:
        raise InvalidInput(field, "common.must_not_be_empty")
    return f"{column} = ?", [value]


def phone_condition(digits: str, plus: str = "") -> tuple[str, list[Any]]:
    return (
        f"{plus}id IN (SELECT complaint_id FROM personal WHERE {_PHONE_TAIL} = ? "
        "AND replace(phone, '-', '') LIKE ?)",
        [digits[-4:], f"%{digits}"],
    )


def text_match(ledger: Ledger, words: str) -> tuple[str, list[Any]]:
    """The ledger's query of the ids whose text holds ``words`` (column ``id``)."""
    found = ledger.text_match(words)
    if found is None:
        raise InvalidInput("--text", "listing.holds_no_word_to_look_for", words=words)
    return found


def text_condition(ledger: Ledger, words: str, plus: str = "") -> tuple[str, list[Any]]:
    sql, params = text_match(ledger, words)
    return f"{plus}id IN ({sql})", params


def driver(f: Filters) -> str | None:
    """The filter a query should be read through, the most selective given: a phone, an exact
    房号, a name, a 房号 prefix, words.  The others are checked on its rows (SQLite, left to
    itself, may read every open complaint, or every complaint with a common word)."""
    unit_exact = f.unit is not None and not f.unit.strip().endswith("*")
    for name, given in (
        ("phone", f.phone is not None),
        ("unit", unit_exact),
        ("name", f.name is not None),
        ("unit", f.unit is not None),
        ("text", f.text is not None),
    ):
        if given:
            return name
    return None


def conditions(f: Filters, ledger: Ledger) -> tuple[list[str], list[Any]]:
    """The SQL conditions (on ``complaints``, unqualified) and their parameters; only the
    :func:`driver` may use its index (the others' columns carry SQLite's unary ``+``)."""
    where: list[str] = []
    params: list[Any] = []
    lead = driver(f)

    def add(sql: str, *values: Any) -> None:
        where.append(sql)
        params.extend(values)

    def plus(name: str) -> str:
        return "" if name == lead else "+"

    for column in ("severity", "department", "category", "channel", "handler", "nature", "kind"):
        value = getattr(f, column)
        if value is not None:
            add(f"{column} = ?", value)
    if f.unit is not None:
        add(*_spread(_prefix(plus("unit") + "unit", f.unit, "--unit")))
    if f.phone is not None:
        add(*_spread(phone_condition(phone_digits(f.phone), plus("phone"))))
    if f.name is not None:
        sql, values = _prefix("name", f.name, "--name")
        add(f"{plus('name')}id IN (SELECT complaint_id FROM personal WHERE {sql})", *values)
    if f.text is not None:
        add(*_spread(text_condition(ledger, f.text, plus("text"))))
    if f.since is not None:
        add("received_at >= ?", f.since)
    if f.until is not None:
        add("received_at < ?", f.until)
    if f.breached_at is not None:
        add("next_due < ?", f.breached_at)
    if f.due_from is not None:
        add("next_due >= ? AND next_due <= ?", f.due_from, f.due_to)
    if f.linked is not None:
        add("duplicate_of IS NOT NULL" if f.linked else "duplicate_of IS NULL")
    if f.sites is not None:
        add(f"site IN ({', '.join('?' for _ in f.sites)})", *f.sites)
    return where, params


def _spread(pair: tuple[str, list[Any]]) -> tuple[Any, ...]:
    return (pair[0], *pair[1])


WITH_CONTACT = (
    "SELECT c.*, p.name AS p_name, p.phone AS p_phone FROM complaints c "
    "LEFT JOIN personal p ON p.complaint_id = c.id"
)


def to_rows(rows: list[Any]) -> list[Row]:
    # dict(zip(keys, row)), not dict(row): a sqlite3.Row looks each name up along its columns
    keys = rows[0].keys() if rows else []
    values = [dict(zip(keys, r, strict=True)) for r in rows]
    return [(Complaint.from_row(v), v["p_name"], v["p_phone"]) for v in values]


def find_page(ledger: Ledger, f: Filters, limit: int | None = 50) -> Page:
    """Complaints matching every filter, with the complainant's contact, and how many match.

    Open complaints (``open_only``, or a deadline filter) come next deadline first;
    otherwise newest first.  For the open list, each status's first page is read in deadline
    order from the ``(status, next_due)`` index and the pages are merged, so the cost does not
    grow with the number of open complaints.  ``limit`` None: every match."""
    extra, params = conditions(f, ledger)
    by_deadline = f.open_only or f.breached_at is not None or f.due_from is not None
    if by_deadline:
        statuses = [s for s in OPEN_STATUSES if f.status in (None, s)]
        if not statuses:
            return Page([], 0)
        cond = "".join(f" AND {e}" for e in extra)
        if driver(f) is not None:  # few rows through its index: one query, then the order
            return _driven(ledger, statuses, cond, params, limit)
        if limit is None:
            marks = ", ".join("?" for _ in statuses)
            sql = (
                f"{WITH_CONTACT} WHERE c.id IN (SELECT id FROM complaints WHERE status IN ({marks})"
                f"{cond}) ORDER BY c.next_due IS NULL, c.next_due, c.id"
            )
            rows = to_rows(ledger.query(sql, (*statuses, *params)))
            return Page(rows, len(rows))
        pages: list[str] = []
        args: list[Any] = []
        for st in statuses:
            # the same order for no deadline (all NULL): "id" alone let PostgreSQL walk the
            # primary key through every complaint when none matched (0.9 s at a million)
            for nulls, order in (("IS NOT NULL", "next_due, id"), ("IS NULL", "next_due, id")):
                pages.append(
                    f"SELECT id FROM (SELECT id FROM complaints WHERE status = ? "
                    f"AND next_due {nulls}{cond} ORDER BY {order} LIMIT ?) AS page"
                )
                args += [st, *params, limit]
        sql = (
            f"{WITH_CONTACT} WHERE c.id IN ({' UNION ALL '.join(pages)}) "
            "ORDER BY c.next_due IS NULL, c.next_due, c.id LIMIT ?"
        )
        rows = to_rows(ledger.query(sql, (*args, limit)))
        total = len(rows)
        if total == limit:
            marks = ", ".join("?" for _ in statuses)
            total = ledger.query(
                f"SELECT count(*) FROM complaints WHERE status IN ({marks}){cond}",
                (*statuses, *params),
            )[0][0]
        return Page(rows, total)
    if f.text is not None and f.status is None and len(extra) == 1:
        return _text_only(ledger, f.text, limit)
    status = "+status = ?" if driver(f) is not None else "status = ?"
    where = ([status] if f.status is not None else []) + extra
    values = ([f.status] if f.status is not None else []) + params
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    cut = " LIMIT ?" if limit is not None else ""
    sql = (
        f"{WITH_CONTACT} WHERE c.id IN (SELECT id FROM complaints{clause} ORDER BY id DESC{cut}) "
        "ORDER BY c.id DESC"
    )
    rows = to_rows(ledger.query(sql, (*values, *([limit] if limit is not None else []))))
    total = len(rows)
    if limit is not None and total == limit:
        total = ledger.query(f"SELECT count(*) FROM complaints{clause}", tuple(values))[0][0]
    return Page(rows, total)


def _driven(
    ledger: Ledger, statuses: list[str], cond: str, params: list[Any], limit: int | None
) -> Page:
    """An open list read through its :func:`driver`'s index, next deadline first."""
    marks = ", ".join("?" for _ in statuses)
    found = f"SELECT id FROM complaints WHERE +status IN ({marks}){cond}"
    order = "ORDER BY next_due IS NULL, next_due, id"
    cut = " LIMIT ?" if limit is not None else ""
    args = (*statuses, *params)
    rows = to_rows(
        ledger.query(
            f"{WITH_CONTACT} WHERE c.id IN ({found} {order}{cut}) "
            "ORDER BY c.next_due IS NULL, c.next_due, c.id",
            (*args, *([limit] if limit is not None else [])),
        )
    )
    total = len(rows)
    if limit is not None and total == limit:
        total = ledger.query(f"SELECT count(*) FROM ({found}) AS found", args)[0][0]
    return Page(rows, total)


def _text_only(ledger: Ledger, words: str, limit: int | None) -> Page:
    """``--text`` alone: the page and the count straight from the text index, newest first
    (reading the matches' rows from ``complaints`` to count them would cost more)."""
    found, params = text_match(ledger, words)
    cut = " LIMIT ?" if limit is not None else ""
    rows = to_rows(
        ledger.query(
            f"{WITH_CONTACT} WHERE c.id IN ({found} ORDER BY id DESC{cut}) ORDER BY c.id DESC",
            (*params, *([limit] if limit is not None else [])),
        )
    )
    total = len(rows)
    if limit is not None and total == limit:
        total = ledger.query(f"SELECT count(*) FROM ({found}) AS found", tuple(params))[0][0]
    return Page(rows, total)


def find(
    ledger: Ledger,
    *,
    status: str | None = None,
    severity: str | None = None,
    department: str | None = None,
    open_only: bool = False,
    limit: int = 50,
    kind: str | None = None,
) -> list[Row]:
    """The first page of :func:`find_page` (for callers that need no count)."""
    filters = Filters(
        status=status, severity=severity, department=department, open_only=open_only, kind=kind
    )
    return find_page(ledger, filters, limit).rows
