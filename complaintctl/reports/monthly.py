"""The monthly 及时率 report: every figure of docs/report.md, from SQL aggregates.

Pure: reads the ledger, returns plain dataclasses; knows nothing of Rich, CSV or Excel.

How it stays fast on a million complaints: one statement, one pass over the period's rows (the
indexed ``received_month``, or ``received_at`` for a date range), no joins, no per-row Python.
Per row SQLite computes one integer, the *state code* (:mod:`complaintctl.reports.code`), plus
the (received day, resolved day) pair of a resolved complaint and its category and location
(prefixed by the resolve state when not timely); it concatenates each kind.  Python counts the
tokens (``Counter`` over the split lists: a few hundred distinct codes and day pairs in a
month) and decodes each distinct one once into :mod:`complaintctl.reports.figures`.  Where a
token cannot be read back exactly (a comma inside a location, a count of 7 or more), that part
is recounted in SQL.

Reproducibility: the figures are those of the ledger *as of* ``as_of``
(:mod:`complaintctl.reports.asof`).  This module holds the periods, the aggregation, the top
lists, the report itself, the trend and the detail rows of an export.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import astuple, dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.privacy import mask_name, mask_phone
from complaintctl.domain.timeutil import (
    CST,
    LAST_YEAR,
    from_epoch,
    iso,
    local,
    local_due,
    to_epoch,
)
from complaintctl.domain.vocab import CHANNEL, KIND, SEVERITY
from complaintctl.reports.asof import Source, snapshot
from complaintctl.reports.code import CODE_SQL, DAYS_SQL, RESOLVE_SQL, RESOLVE_STATES, TOPS_SQL
from complaintctl.reports.figures import Counts, Figures, percent, value_label
from complaintctl.reports.goals import Verdict, judge
from complaintctl.reports.late_entries import LateEntries, late_entries

if TYPE_CHECKING:
    import sqlite3

    from complaintctl.store.ledger import Ledger
    from complaintctl.time.calendar import WorkCalendar

DIMENSIONS = ("severity", "category", "department", "handler", "channel", "kind", "site")
TOP = 5
MAX_MONTHS = 120
_EPOCH_DAY = date(1970, 1, 1).toordinal()

# -- periods ----------------------------------------------------------------------------------
_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


def parse_month(text: str, field_name: str = "--month") -> str:
    """``2026-03`` (also ``2026/3``, ``2026年3月``) -> ``"2026-03"``."""
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1992:
        raise InvalidInput(field_name, "monthly.no_such_month_use_yyyy_mm", text=text)
    if int(match.group(1)) > LAST_YEAR:
        raise InvalidInput(
            field_name,
            "timeutil.is_past_the_last_year_complaintctl",
            text=text,
            last_year=LAST_YEAR,
        )
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def _month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _midnight(d: date) -> int:
    return to_epoch(datetime(d.year, d.month, d.day, tzinfo=CST))


# Every figure leaves out entries cancelled as made in error (作废); the report counts them
# apart and the detail lists them with their reasons, so cancelling cannot lift a rate unseen.
COUNTED = "status != 'cancelled'"


@dataclass(frozen=True)
class Period:
    """The cohort: complaints received from ``first`` to ``last`` (local dates, inclusive)."""

    first: date
    last: date
    month: str | None = None

    @property
    def label(self) -> str:
        return self.month or f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def start(self) -> int:
        return _midnight(self.first)

    @property
    def end(self) -> int:
        """Exclusive: local midnight after ``last``."""
        return _midnight(self.last + timedelta(days=1))

    def condition(self) -> tuple[str, dict[str, Any]]:
        if self.month is not None:
            return "received_month = :month", {"month": self.month}
        return "received_at >= :start AND received_at < :end", {
            "start": self.start,
            "end": self.end,
        }


def month_period(month: str) -> Period:
    first = _month_start(month)
    return Period(first, _next_month(first) - timedelta(days=1), month)


def range_period(first: date, last: date) -> Period:
    if last < first:
        raise InvalidInput(
            "--to", "monthly.is_before_from", date=last.isoformat(), date2=first.isoformat()
        )
    return Period(first, last)


def months_back(last: str, count: int) -> list[str]:
    """``count`` months ending with ``last``, oldest first."""
    if not 1 <= count <= MAX_MONTHS:
        raise InvalidInput("--months", "monthly.must_be_got", most=MAX_MONTHS, count=count)
    index = int(last[:4]) * 12 + int(last[5:7]) - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


# -- aggregation ------------------------------------------------------------------------------
def _local_date(day: int) -> date:
    return date.fromordinal(_EPOCH_DAY + day)


# Per value of a top list (category or location): counts in RESOLVE_STATES order.
_Tally = dict[str, list[int]]


def _aggregate(
    conn: sqlite3.Connection,
    source: Source,
    condition: str,
    params: dict[str, Any],
    cal: WorkCalendar | None,
    *,
    key: str | None = None,
    tops: bool = False,
) -> tuple[dict[str | None, Figures], tuple[_Tally, _Tally]]:
    """Figures per value of ``key`` (one entry, None, without a key) in one pass; with
    ``tops``, the per-category and per-location resolve outcomes as well."""
    # the numbers as text: group_concat is of text on PostgreSQL (store/pg_schema.py)
    numbers = [CODE_SQL, DAYS_SQL if cal is not None else "NULL"]
    tokens = [*(f"CAST({sql} AS TEXT)" for sql in numbers), *(TOPS_SQL if tops else ())]
    columns = [("group_concat", sql) for sql in tokens]
    out: dict[str | None, Figures] = {}
    places: tuple[_Tally, _Tally] = ({}, {})
    short = exact = False
    for raw, codes, days, *top in _select(conn, source, condition, params, columns, key):
        if codes is None:
            continue
        value = raw.decode() if isinstance(raw, bytes) else raw
        counts = Counts()
        short |= not counts.add_codes(Counter(codes.split(b",")))
        figures = Figures(value, counts)
        if days and cal is not None:
            for pair, n in Counter(days.split(b",")).items():
                resolved, received = divmod(int(pair), 100000)
                wd = cal.working_days_between(_local_date(received), _local_date(resolved))
                figures.days[wd] += n
        if top and not exact:  # with a key, each group's tallies added up
            found = _places(counts, *top)
            exact = found is None
            for tally, more in zip(places, found or ({}, {}), strict=True):
                for name, states in more.items():
                    into = tally.setdefault(name, [0, 0, 0, 0, 0])
                    for i, n in enumerate(states):
                        into[i] += n
        out[value] = figures
    if exact:
        places = _places_exact(conn, source, condition, params)
    if short:  # a complaint with 7 or more 复议 or 延期: sum the counts themselves
        sums = [
            ("sum", f"CASE WHEN duplicate_of IS NULL THEN {column} END")
            for column in ("reopen_count", "extension_count")
        ]
        for raw, reopenings, extensions in _select(conn, source, condition, params, sums, key):
            counts = out[raw.decode() if isinstance(raw, bytes) else raw].counts
            counts.reopenings, counts.extensions = reopenings or 0, extensions or 0
    return out, places


def _summed(groups: Sequence[Figures]) -> dict[str | None, Figures]:
    """The whole period's figures from its groups by one dimension (each complaint in one
    group): every count, working-day tally and no_callback added up."""
    if not groups:
        return {}
    counts = Counts(*(sum(n) for n in zip(*(astuple(g.counts) for g in groups), strict=True)))
    days: Counter[int] = Counter()
    for g in groups:
        days.update(g.days)
    return {None: Figures(None, counts, days, sum(g.no_callback for g in groups))}


# Resolved complaints with no phone to call back (anonymous, 匿名): not owed a 回访.
_NO_CALLBACK = (
    " AND duplicate_of IS NULL AND (resolve_done IS NOT NULL AND resolve_due IS NOT NULL"
    " OR handled_time_unknown != 0)"
    " AND id IN (SELECT complaint_id FROM personal WHERE phone = '')"
)


def _no_callback(
    conn: sqlite3.Connection,
    source: Source,
    condition: str,
    params: dict[str, Any],
    key: str | None,
    out: dict[str | None, Figures],
) -> None:
    """Set each group's ``no_callback``: the resolved complaints out of the 回访率."""
    sql = (
        f"SELECT {key or 'NULL'}, count(*) FROM {source.rows(condition + _NO_CALLBACK)} GROUP BY 1"
    )
    for value, n in conn.execute(sql, params):
        if value in out:
            out[value].no_callback = n


def _select(
    conn: sqlite3.Connection,
    source: Source,
    condition: str,
    params: dict[str, Any],
    columns: Sequence[tuple[str, str]],
    key: str | None,
) -> list[Any]:
    """The value of ``key`` (None without one) and each (aggregate, per-row SQL) of ``columns``
    over the period's rows, grouped by ``key``; text comes back as bytes (the long token lists
    are split and counted as bytes: faster)."""
    if key in DIMENSIONS:
        # Group the per-row values only: the subquery (a co-routine, kept apart by its LIMIT)
        # computes them, so the sorter holds (key, code, ...) rather than every column read.
        inner = ", ".join(f"{sql} AS c{i}" for i, (_, sql) in enumerate(columns))
        outer = ", ".join(f"{agg}(c{i})" for i, (agg, _) in enumerate(columns))
        sql = (
            f"SELECT k, {outer} FROM (SELECT {key} AS k, {inner} "
            f"FROM {source.rows(condition)} LIMIT -1) AS per_row GROUP BY k"
        )
    else:
        assert key in (None, "received_month")  # in index order: no sorter
        aggregates = ", ".join(f"{agg}({sql})" for agg, sql in columns)
        sql = f"SELECT {key or 'NULL'}, {aggregates} FROM {source.rows(condition)}"
        if key is not None:
            sql += f" GROUP BY {key}"
    factory = conn.text_factory
    conn.text_factory = bytes
    try:
        return conn.execute(sql, {**params, "as_of": source.as_of}).fetchall()
    finally:
        conn.text_factory = factory


def _places(
    counts: Counts, categories: bytes | None, locations: bytes | None
) -> tuple[_Tally, _Tally] | None:
    """The top lists' tallies from TOPS_SQL's token lists, or None when they cannot be read
    back: a value holding a comma (more tokens than complaints), or one starting with
    char(1..4) (read as a resolve state: more late/pending/overdue/not judged than the counts
    say)."""
    out: tuple[_Tally, _Tally] = ({}, {})
    expected = [counts.timely, counts.late, counts.pending, counts.overdue, counts.not_judged]
    for tally, tokens in zip(out, (categories, locations), strict=True):
        # (SQLite before 3.47 gives NULL, not '', for the group_concat of one '')
        values = tokens.split(b",") if tokens is not None else [b""][: counts.total]
        if len(values) != counts.total:
            return None
        states = [0, 0, 0, 0, 0]
        for token, n in Counter(values).items():
            state = token[0] if token and 1 <= token[0] <= 4 else 0
            states[state] += n
            if len(token) > (state > 0):
                value = (token[1:] if state else token).decode()
                tally.setdefault(value, [0, 0, 0, 0, 0])[state] += n
        if states != expected:
            return None
    return out


def _places_exact(
    conn: sqlite3.Connection, source: Source, condition: str, params: dict[str, Any]
) -> tuple[_Tally, _Tally]:
    """The top lists' tallies grouped in SQL (when _places cannot read the tokens back)."""
    out: tuple[_Tally, _Tally] = ({}, {})
    rows = conn.execute(
        f"SELECT {RESOLVE_SQL}, category, location, count(*) "
        f"FROM {source.rows(condition + ' AND +duplicate_of IS NULL')} GROUP BY 1, 2, 3",
        {**params, "as_of": source.as_of},
    )
    for state, category, location, n in rows:
        for tally, value in zip(out, (category, location), strict=True):
            if value:
                tally.setdefault(value, [0, 0, 0, 0, 0])[state] += n
    return out


@dataclass(frozen=True)
class TopEntry:
    """One of the most frequent categories or locations (linked duplicates excluded)."""

    value: str
    total: int
    timely: int
    late: int
    overdue: int
    pending: int
    share: float | None

    @property
    def timely_rate(self) -> float | None:
        return percent(self.timely, self.timely + self.late + self.overdue)

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "total": self.total,
            "share": self.share,
            "timely": self.timely,
            "late": self.late,
            "overdue": self.overdue,
            "pending": self.pending,
            "timely_rate": self.timely_rate,
        }


TOP_FIELDS = ("total", "share", "timely", "late", "overdue", "pending", "timely_rate")
# The columns of a breakdown (``report --by``), on the screen and in the HTML page.
BREAKDOWN_FIELDS = (
    "total",
    "timely",
    "late",
    "overdue",
    "pending",
    "timely_rate",
    "followup_rate",
    "satisfaction_rate",
    "reopened",
    "extended",
    "resolve_days_mean",
    "resolve_days_p90",
)


def _top(tally: _Tally, total: int, n: int) -> list[TopEntry]:
    ranked = sorted(tally.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:n]
    return [TopEntry(v, sum(s), s[0], s[1], s[3], s[2], percent(sum(s), total)) for v, s in ranked]


# -- the report -------------------------------------------------------------------------------
@dataclass
class Report:
    period: Period
    as_of: int
    summary: Figures
    breakdowns: dict[str, list[Figures]]
    top_categories: list[TopEntry]
    top_locations: list[TopEntry]
    kind: str | None = None  # issue 20: the kind the report is filtered to (None: every kind)
    sites: tuple[str, ...] | None = None  # issue 21: the sites it covers (None: every site)
    late: LateEntries = field(default_factory=LateEntries)
    cancelled: int = 0  # entries cancelled as made in error (作废): in no figure
    targets: Verdict = field(default_factory=Verdict)  # the policy's targets, judged

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract (docs/report.md)."""
        return {
            "period": self.period.label,
            "from": self.period.first.isoformat(),
            "to": self.period.last.isoformat(),
            "as_of": iso(from_epoch(self.as_of)),
            "kind": self.kind,
            "sites": list(self.sites) if self.sites is not None else None,
            **self.summary.as_dict(),
            "cancelled": self.cancelled,
            "breakdowns": {
                dim: [
                    {"value": f.value, "label": value_label(dim, f.value, "zh"), **f.as_dict()}
                    for f in rows
                ]
                for dim, rows in self.breakdowns.items()
            },
            "top_categories": [t.as_dict() for t in self.top_categories],
            "top_locations": [t.as_dict() for t in self.top_locations],
            "late_entries": self.late.as_dict(),
            "targets": self.targets.as_dict(),
        }


def _order(dimension: str, rows: dict[str | None, Figures]) -> list[Figures]:
    """Severity and channel in their fixed order, sites ranked by 及时率 (issue 21: best
    first, then by count and code; a site with nothing judged yet last), other values by
    count; unset last."""
    if dimension == "site":
        return sorted(rows.values(), key=_rank)
    fixed = {"severity": SEVERITY.codes, "channel": CHANNEL.codes, "kind": KIND.codes}.get(
        dimension
    )

    def key(f: Figures) -> tuple[int, int, str]:
        if f.value is None:
            return (2, 0, "")
        if fixed is not None and f.value in fixed:
            return (0, fixed.index(f.value), "")
        return (1, -f.counts.total, f.value)

    return sorted(rows.values(), key=key)


def build_report(
    ledger: Ledger,
    period: Period,
    as_of: int,
    by: Sequence[str] = (),
    top: int = TOP,
    kind: str | None = None,
    sites: Sequence[str] | None = None,
) -> Report:
    """Every figure of ``period`` as of ``as_of`` (epoch seconds); with ``kind``, of the
    records of that kind only (issue 20: every kind counts in the 及时率 by default)."""
    for dim in by:
        if dim not in DIMENSIONS:
            raise InvalidInput("--by", "monthly.unknown_dimension", accepted=DIMENSIONS, dim=dim)
    period_condition, params = of_sites(*of_kind(period, kind), sites)
    condition = f"{period_condition} AND {COUNTED}"
    cal = ledger.calendar()
    with snapshot(ledger, as_of, period.start, period.end) as source:
        conn = ledger.conn
        cancelled = conn.execute(
            f"SELECT count(*) FROM {source.rows(period_condition + ' AND NOT ' + COUNTED)}",
            params,
        ).fetchone()[0]
        dims = list(dict.fromkeys(by))
        breakdowns = {}
        if dims:  # the whole from the first breakdown's groups: one pass over the month fewer
            rows, places = _aggregate(conn, source, condition, params, cal, key=dims[0], tops=True)
            _no_callback(conn, source, condition, params, dims[0], rows)
            whole = _summed(list(rows.values()))
            breakdowns[dims[0]] = _order(dims[0], rows)
        else:
            whole, places = _aggregate(conn, source, condition, params, cal, tops=True)
            _no_callback(conn, source, condition, params, None, whole)
        summary = whole.get(None) or Figures(None, Counts())
        for dim in dims[1:]:
            rows = _aggregate(conn, source, condition, params, cal, key=dim)[0]
            _no_callback(conn, source, condition, params, dim, rows)
            breakdowns[dim] = _order(dim, rows)
        late = late_entries(ledger, source, condition, params)
    total = summary.counts.total
    return Report(
        period,
        as_of,
        summary,
        breakdowns,
        _top(places[0], total, top),
        _top(places[1], total, top),
        kind=kind,
        sites=tuple(sites) if sites is not None else None,
        late=late,
        cancelled=cancelled,
        targets=judge(summary.as_dict(), ledger.policy().targets),
    )


def of_kind(period: Period, kind: str | None) -> tuple[str, dict[str, Any]]:
    """The period's condition, narrowed to one kind of record when ``kind`` is given."""
    condition, params = period.condition()
    if kind is None:
        return condition, params
    return f"{condition} AND kind = :kind", {**params, "kind": kind}


def of_sites(
    condition: str, params: dict[str, Any], sites: Sequence[str] | None
) -> tuple[str, dict[str, Any]]:
    """The condition narrowed to the complaints of ``sites`` (issue 21; None: every site)."""
    if sites is None:
        return condition, params
    named = {f"site{n}": code for n, code in enumerate(sites)}
    return f"{condition} AND site IN ({', '.join(':' + k for k in named)})", {**params, **named}


def _rank(f: Figures) -> tuple[int, float, int, str]:
    rate = f.rates()["timely_rate"]
    return (rate is None, -float(rate or 0), -f.counts.total, f.value or "")


@dataclass(frozen=True)
class TrendRow:
    month: str
    figures: Figures

    def as_dict(self) -> dict[str, Any]:
        c = self.figures.counts
        rates = self.figures.rates()
        return {
            "month": self.month,
            "total": c.total,
            "timely": c.timely,
            "late": c.late,
            "overdue": c.overdue,
            "pending": c.pending,
            "timely_rate": rates["timely_rate"],
            "resolved": c.resolved,
            "followed_up": c.followed_up,
            "satisfied": c.satisfied,
            "satisfaction_rate": rates["satisfaction_rate"],
        }


TREND_FIELDS = (
    "month",
    "total",
    "timely",
    "late",
    "overdue",
    "pending",
    "timely_rate",
    "resolved",
    "followed_up",
    "satisfied",
    "satisfaction_rate",
)


def build_trend(
    ledger: Ledger,
    last: str,
    count: int,
    as_of: int,
    kind: str | None = None,
    sites: Sequence[str] | None = None,
) -> list[TrendRow]:
    """及时率 and 满意率 of each of the ``count`` months up to ``last``, as of ``as_of``."""
    months = months_back(last, count)
    start = _midnight(_month_start(months[0]))
    end = _midnight(_next_month(_month_start(months[-1])))
    condition = f"received_month >= :m0 AND received_month <= :m1 AND {COUNTED}"
    params: dict[str, Any] = {"m0": months[0], "m1": months[-1]}
    if kind is not None:
        condition += " AND kind = :kind"
        params["kind"] = kind
    condition, params = of_sites(condition, params, sites)
    with snapshot(ledger, as_of, start, end) as source:
        rows, _ = _aggregate(ledger.conn, source, condition, params, None, key="received_month")
    return [TrendRow(m, rows.get(m) or Figures(m, Counts())) for m in months]


# -- the detail rows of an export -------------------------------------------------------------
DETAIL_FIELDS = (
    "id",
    "received_at",
    "unit",
    "name",
    "phone",
    "channel",
    "category",
    "severity",
    "nature",
    "department",
    "handler",
    "location",
    "description",
    "status",
    "resolve_due",
    "resolved_at",
    "outcome",
    "resolve_days",
    "satisfaction",
    "reopen_count",
    "extension_count",
    "escalation_level",
    "duplicate_of",
    "kind",
    "late_entries",
    "cancel_reason",
)


def details(
    ledger: Ledger,
    period: Period,
    as_of: int,
    kind: str | None = None,
    sites: Sequence[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Each complaint of the period as of ``as_of``, contacts masked, with its outcome
    (timely/late/overdue/pending, or duplicate) by the same SQL as the counts."""
    condition, params = of_sites(*of_kind(period, kind), sites)
    cal = ledger.calendar()
    with snapshot(ledger, as_of, period.start, period.end) as source:
        late = late_entries(ledger, source, condition, params).per_complaint
        sql = (
            f"SELECT s.*, {RESOLVE_SQL} AS outcome, p.name AS p_name, p.phone AS p_phone "
            f"FROM {source.table(condition)} AS s "
            "LEFT JOIN personal p ON p.complaint_id = s.id ORDER BY s.id"
        )
        for row in ledger.conn.execute(sql, {**params, "as_of": as_of}):
            done = row["resolve_done"]
            days = None
            if done is not None and row["duplicate_of"] is None:
                days = cal.working_days_between(
                    from_epoch(row["received_at"]).date(), from_epoch(done).date()
                )
            reason = None
            if row["status"] == "cancelled":
                reason = _cancel_reason(ledger, row["id"])
            yield {
                "id": row["id"],
                # the day alone when a register did not give the time (issue 16)
                "received_at": local(from_epoch(row["received_at"]))[
                    : 10 if row["received_time_unknown"] else None
                ],
                "unit": row["unit"],
                "name": mask_name(row["p_name"]),
                "phone": mask_phone(row["p_phone"]),
                "channel": row["channel"],
                "category": row["category"],
                "severity": row["severity"],
                "nature": row["nature"],
                "department": row["department"],
                "handler": row["handler"],
                "location": row["location"],
                "description": row["description"],
                "status": row["status"],
                "resolve_due": local_due(from_epoch(row["resolve_due"]))
                if row["resolve_due"] is not None
                else None,
                "resolved_at": local(from_epoch(done)) if done is not None else None,
                "outcome": "cancelled"
                if reason is not None
                else "duplicate"
                if row["duplicate_of"] is not None
                else RESOLVE_STATES[row["outcome"]],
                "resolve_days": days,
                "satisfaction": row["satisfaction"],
                "reopen_count": row["reopen_count"],
                "extension_count": row["extension_count"],
                "escalation_level": row["escalation_level"],
                "duplicate_of": row["duplicate_of"],
                "kind": row["kind"],
                "late_entries": "; ".join(late.get(row["id"], [])) or None,
                "cancel_reason": reason,
            }


def _cancel_reason(ledger: Ledger, complaint_id: int) -> str:
    row = ledger.conn.execute(
        "SELECT json_extract(data, '$.reason') FROM events "
        "WHERE complaint_id = ? AND kind = 'cancelled' ORDER BY seq DESC LIMIT 1",
        (complaint_id,),
    ).fetchone()
    return str(row[0]) if row else ""
