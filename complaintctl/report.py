"""The monthly 及时率 report: every figure of docs/report.md, from SQL aggregates.

Pure: reads the ledger, returns plain dataclasses; knows nothing of Rich, CSV or Excel.

How it stays fast on a million complaints: one statement, one pass over the period's rows (the
indexed ``received_month``, or ``received_at`` for a date range), no joins, no per-row Python.
Per row SQLite computes one integer, the *state code* (duplicate or not, the resolve outcome,
every other milestone's state, 回访, the 复议 and 延期 counts, escalation, nature: each a digit),
plus the (received day, resolved day) pair of a resolved complaint and its category and
location (prefixed by the resolve state when not timely); it concatenates each kind.  Python
counts the tokens (``Counter`` over the split lists: a few hundred distinct codes and day pairs
in a month) and decodes each distinct one once.  Where a token cannot be read back exactly (a
comma inside a location, a count of 7 or more), that part is recounted in SQL.

Reproducibility: the figures are those of the ledger *as of* ``as_of``.  When a complaint of
the period has events after ``as_of``, its state is rebuilt from its events up to ``as_of``
(``model.apply``) into a temporary table that stands in for its row.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from complaintctl.errors import InvalidInput
from complaintctl.timeutil import CST, from_epoch, iso, local, local_due, to_epoch
from complaintctl.vocab import CHANNEL, SEVERITY

if TYPE_CHECKING:
    import sqlite3

    from complaintctl.calendar import WorkCalendar
    from complaintctl.ledger import Ledger

DIMENSIONS = ("severity", "category", "department", "handler", "channel")
OTHER_MILESTONES = ("respond", "assign", "plan", "update")
TOP = 5
MAX_MONTHS = 120
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_LOCAL_DAY = "({col} + 28800) / 86400"  # days since 1970-01-01, Asia/Shanghai (UTC+8)

# -- the state code -------------------------------------------------------------------------
# Each facet is (name, radix, SQL for a weight): the SQL gives the row's digit (0..radix-1)
# times the weight, so the code, the facets' mixed-radix number (lowest first), is a plain
# sum of CASEs (no multiplications per row).  Milestone digits: 0 met, 1 late, 2 pending,
# 3 breached, 4 n/a (exactly the states ``milestones.milestones`` gives at ``:as_of``).
# Resolve digits: 0 timely, 1 late, 2 pending, 3 overdue.  The 复议 and 延期 counts are
# digits themselves, up to 6; 7 stands for "7 or more" (then they are summed in SQL).
_Digit = Callable[[int], str]
_MANY = 7


def _case(*branches: tuple[str, int | str], default: int | str) -> _Digit:
    """The first branch whose condition holds gives the digit (an int or SQL), else default."""

    def scaled(digit: int | str, weight: int) -> str:
        if isinstance(digit, int):
            return str(digit * weight)
        return digit if weight == 1 else f"{digit} * {weight}"

    def sql(weight: int) -> str:
        whens = " ".join(f"WHEN {c} THEN {scaled(d, weight)}" for c, d in branches)
        return f"CASE {whens} ELSE {scaled(default, weight)} END"

    return sql


def _choice(column: str, *values: str) -> _Digit:
    """Digit i for the i-th value (from 1), 0 for anything else or NULL."""

    def sql(weight: int) -> str:
        whens = " ".join(f"WHEN '{v}' THEN {i * weight}" for i, v in enumerate(values, 1))
        return f"CASE {column} {whens} ELSE 0 END"

    return sql


def _milestone(m: str, *, usually_applies: bool) -> _Digit:
    # Tests in the order that reads fewest columns for most rows: "met" first where the
    # milestone applies to nearly every complaint (respond), "n/a" first where it applies only
    # to moderate and major ones (assign, plan: most complaints are minor).  Same digits.
    met, na = (f"{m}_done <= {m}_due", 0), (f"{m}_due IS NULL", 4)
    return _case(
        *((met, na) if usually_applies else (na, met)),
        (f"{m}_done > {m}_due", 1),
        (f"{m}_due < :as_of", 3),
        default=2,
    )


def _count(column: str) -> _Digit:
    """The count itself as the digit, up to 6; 7 for "7 or more"."""

    def sql(weight: int) -> str:
        whens = " ".join(f"WHEN {k} THEN {k * weight}" for k in range(_MANY))
        return f"CASE {column} {whens} ELSE {_MANY * weight} END"

    return sql


_FACETS: tuple[tuple[str, int, _Digit], ...] = (
    ("duplicate", 2, _case(("duplicate_of IS NOT NULL", 1), default=0)),
    (
        "resolve",
        4,
        _case(
            ("resolve_done <= resolve_due", 0),
            ("resolve_done > resolve_due", 1),
            ("resolve_due < :as_of", 3),
            default=2,
        ),
    ),
    ("respond", 5, _milestone("respond", usually_applies=True)),
    ("assign", 5, _milestone("assign", usually_applies=False)),
    ("plan", 5, _milestone("plan", usually_applies=False)),
    (
        "update",
        5,
        _case(
            ("update_due IS NULL", 4),
            ("update_done IS NOT NULL", "(update_missed > 0)"),
            ("update_due < :as_of", 3),
            default=2,
        ),
    ),
    ("followup", 3, _choice("satisfaction", "satisfied", "unsatisfied")),
    ("reopenings", _MANY + 1, _count("reopen_count")),
    ("extensions", _MANY + 1, _count("extension_count")),
    ("escalation", 3, _choice("escalation_level", "manager", "senior")),
    ("nature", 5, _choice("nature", "valid", "assist", "excessive", "no_fault")),
)


def _code_sql() -> str:
    terms, weight = [], 1
    for _, radix, digit in _FACETS:
        terms.append(digit(weight))
        weight *= radix
    return "(" + " + ".join(terms) + ")"


CODE_SQL = _code_sql()
_RADICES = tuple(radix for _, radix, _ in _FACETS)
_RESOLVE = [name for name, _, _ in _FACETS].index("resolve")
_REOPENED = [name for name, _, _ in _FACETS].index("reopenings")
RESOLVE_STATES = ("timely", "late", "pending", "overdue")
MILESTONE_STATES = ("met", "late", "pending", "breached", None)
_NATURES = (None, "valid", "assist", "excessive", "no_fault")
# The resolve digit alone (the detail sheet's outcome, the prefix in the top lists' tokens).
RESOLVE_SQL = "coalesce(resolve_done > resolve_due, 2 + (resolve_due < :as_of), 2)"

# Per row besides the code: the (local day resolved, local day received) pair of a resolved
# counted complaint, for the working days to resolve; NULL (skipped by group_concat) for the
# others (an unresolved complaint's resolve_done is NULL, and so is the arithmetic on it).
_DAYS_SQL = (
    "CASE WHEN duplicate_of IS NULL THEN "
    f"{_LOCAL_DAY.format(col='resolve_done')} * 100000 + {_LOCAL_DAY.format(col='received_at')}"
    " END"
)
# The top lists: each counted complaint's category, and its location, as it is when the
# complaint is timely (most are), else prefixed by char(resolve digit 1..3).


def _place_sql(column: str) -> str:
    return (
        f"CASE WHEN duplicate_of IS NULL THEN CASE WHEN resolve_done <= resolve_due "
        f"THEN ifnull({column}, '') ELSE char({RESOLVE_SQL}) || ifnull({column}, '') END END"
    )


_TOPS_SQL = (_place_sql("category"), _place_sql("location"))
# (Each of these, and CODE_SQL, is group_concat'ed: one token per row, NULLs skipped.)


# The floor for the benchmark (issue 8): the four resolve counts of one month, by hand.
FLOOR_SQL = """
SELECT count(*) AS total,
       coalesce(sum(resolve_done <= resolve_due), 0) AS timely,
       coalesce(sum(resolve_done > resolve_due), 0) AS late,
       coalesce(sum(resolve_done IS NULL AND resolve_due < :as_of), 0) AS overdue,
       coalesce(sum(resolve_done IS NULL AND resolve_due >= :as_of), 0) AS pending
FROM complaints
WHERE received_month = :month AND +duplicate_of IS NULL
"""


def floor_sql(conn: sqlite3.Connection, month: str, as_of: int) -> dict[str, int]:
    """The hand-written SQL floor: total/timely/late/overdue/pending of ``month`` in one query."""
    row = conn.execute(FLOOR_SQL, {"month": month, "as_of": as_of}).fetchone()
    return dict(zip(("total", "timely", "late", "overdue", "pending"), map(int, row), strict=True))


# -- figures ----------------------------------------------------------------------------------
def percent(num: int, den: int) -> float | None:
    """``num / den * 100`` rounded half up to one decimal (exact, in integers); None if den is 0."""
    if den == 0:
        return None
    return ((num * 2000 + den) // (2 * den)) / 10


@dataclass
class Counts:
    """Raw counts of one cohort.  Everything after ``duplicates`` excludes linked duplicates."""

    received: int = 0
    duplicates: int = 0
    total: int = 0
    timely: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0
    respond_met: int = 0
    respond_late: int = 0
    respond_breached: int = 0
    respond_pending: int = 0
    assign_met: int = 0
    assign_late: int = 0
    assign_breached: int = 0
    assign_pending: int = 0
    plan_met: int = 0
    plan_late: int = 0
    plan_breached: int = 0
    plan_pending: int = 0
    update_met: int = 0
    update_late: int = 0
    update_breached: int = 0
    update_pending: int = 0
    resolved: int = 0
    followed_up: int = 0
    satisfied: int = 0
    unsatisfied: int = 0
    ever_resolved: int = 0
    reopened: int = 0
    reopenings: int = 0
    extended: int = 0
    extensions: int = 0
    escalated: int = 0
    escalated_manager: int = 0
    escalated_senior: int = 0
    nature_valid: int = 0
    nature_assist: int = 0
    nature_excessive: int = 0
    nature_no_fault: int = 0
    nature_unclassified: int = 0

    def add_codes(self, codes: Counter[bytes]) -> bool:
        """Count rows by their state codes (``codes``: code text -> how many rows).  False
        when a 复议 or 延期 count was 7 or more: ``reopenings``/``extensions`` are then short
        and must be summed in SQL."""
        tally = [[0] * radix for radix in _RADICES]
        ever = 0
        for token, n in codes.items():
            code = int(token)
            if code & 1:  # a linked duplicate: counted as received, nothing else
                tally[0][1] += n
                continue
            digits = []
            for radix in _RADICES:
                code, digit = divmod(code, radix)
                digits.append(digit)
            for i, digit in enumerate(digits):
                tally[i][digit] += n
            if digits[_RESOLVE] < 2 or digits[_REOPENED]:  # resolved now, or once before 复议
                ever += n
        t = dict(zip((name for name, _, _ in _FACETS), tally, strict=True))
        self.duplicates += t["duplicate"][1]
        total = t["duplicate"][0]
        self.received += total + t["duplicate"][1]
        self.total += total
        for state, n in zip(RESOLVE_STATES, t["resolve"], strict=True):
            setattr(self, state, getattr(self, state) + n)
        self.resolved += t["resolve"][0] + t["resolve"][1]
        for m in OTHER_MILESTONES:
            for m_state, n in zip(MILESTONE_STATES, t[m], strict=True):
                if m_state is not None:
                    name = f"{m}_{m_state}"
                    setattr(self, name, getattr(self, name) + n)
        self.followed_up += t["followup"][1] + t["followup"][2]
        self.satisfied += t["followup"][1]
        self.unsatisfied += t["followup"][2]
        self.reopened += total - t["reopenings"][0]
        self.reopenings += sum(k * n for k, n in enumerate(t["reopenings"]))
        self.ever_resolved += ever
        self.extended += total - t["extensions"][0]
        self.extensions += sum(k * n for k, n in enumerate(t["extensions"]))
        self.escalated += t["escalation"][1] + t["escalation"][2]
        self.escalated_manager += t["escalation"][1]
        self.escalated_senior += t["escalation"][2]
        for nature, n in zip(_NATURES, t["nature"], strict=True):
            name = f"nature_{nature or 'unclassified'}"
            setattr(self, name, getattr(self, name) + n)
        return not (t["reopenings"][_MANY] or t["extensions"][_MANY])


COUNT_FIELDS = tuple(f.name for f in fields(Counts))


@dataclass
class Figures:
    """One cohort's counts, its working-day durations to resolve, and every derived rate."""

    value: str | None
    counts: Counts
    days: Counter[int] = field(default_factory=Counter)  # working days to resolve -> how many

    def rates(self) -> dict[str, float | int | None]:
        c = self.counts
        out: dict[str, float | int | None] = {
            "timely_rate": percent(c.timely, c.timely + c.late + c.overdue)
        }
        for m in OTHER_MILESTONES:
            met, late, breached = (getattr(c, f"{m}_{s}") for s in ("met", "late", "breached"))
            out[f"{m}_rate"] = percent(met, met + late + breached)
        out["followup_rate"] = percent(c.followed_up, c.resolved)
        out["satisfaction_rate"] = percent(c.satisfied, c.followed_up)
        out["reopen_rate"] = percent(c.reopened, c.ever_resolved)
        n = sum(self.days.values())
        total = sum(d * k for d, k in self.days.items())
        out["resolve_days_mean"] = (total * 20 + n) // (2 * n) / 10 if n else None
        out["resolve_days_p90"] = _nearest_rank(self.days, 90) if n else None
        return out

    def as_dict(self) -> dict[str, float | int | None]:
        """Every figure, in FIELDS order."""
        merged: dict[str, float | int | None] = {k: getattr(self.counts, k) for k in COUNT_FIELDS}
        merged.update(self.rates())
        return {k: merged[k] for k in FIELDS}


def _nearest_rank(days: Counter[int], pct: int) -> int:
    """The nearest-rank percentile: the smallest value with at least pct% of values <= it."""
    n = sum(days.values())
    rank = (pct * n + 99) // 100
    seen = 0
    for value in sorted(days):
        seen += days[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable")


def _field_order() -> tuple[str, ...]:
    order = ["received", "duplicates", "total", "timely", "late", "overdue", "pending"]
    order.append("timely_rate")
    for m in OTHER_MILESTONES:
        order += [f"{m}_{s}" for s in ("met", "late", "breached", "pending")] + [f"{m}_rate"]
    order += ["resolved", "followed_up", "followup_rate", "satisfied", "unsatisfied"]
    order += ["satisfaction_rate", "ever_resolved", "reopened", "reopenings", "reopen_rate"]
    order += ["extended", "extensions", "escalated", "escalated_manager", "escalated_senior"]
    order += [f"nature_{n}" for n in ("valid", "assist", "excessive", "no_fault", "unclassified")]
    order += ["resolve_days_mean", "resolve_days_p90"]
    return tuple(order)


FIELDS = _field_order()
RATE_FIELDS = frozenset(k for k in FIELDS if k.endswith("_rate"))

_MS_ZH = {"respond": "首次联系", "assign": "派单", "plan": "处理方案", "update": "进度反馈"}
_MS_EN = {"respond": "Respond", "assign": "Assign", "plan": "Plan", "update": "Update"}
_STATE_ZH = {"met": "按时", "late": "超时完成", "breached": "已超时", "pending": "未到期"}
LABELS: dict[str, tuple[str, str]] = {
    "received": ("受理件数", "Received"),
    "duplicates": ("重复投诉", "Duplicates"),
    "total": ("计入件数", "Counted"),
    "timely": ("及时处理", "Timely"),
    "late": ("超时完成", "Late"),
    "overdue": ("逾期未完成", "Overdue"),
    "pending": ("未到期", "Pending"),
    "timely_rate": ("处理及时率%", "Timely rate %"),
    **{
        f"{m}_{s}": (f"{_MS_ZH[m]}{_STATE_ZH[s]}", f"{_MS_EN[m]} {s}")
        for m in OTHER_MILESTONES
        for s in ("met", "late", "breached", "pending")
    },
    **{f"{m}_rate": (f"{_MS_ZH[m]}按时率%", f"{_MS_EN[m]} on-time %") for m in OTHER_MILESTONES},
    "resolved": ("已办结", "Resolved"),
    "followed_up": ("已回访", "Followed up"),
    "followup_rate": ("回访率%", "Follow-up rate %"),
    "satisfied": ("满意", "Satisfied"),
    "unsatisfied": ("不满意", "Unsatisfied"),
    "satisfaction_rate": ("满意率%", "Satisfaction rate %"),
    "ever_resolved": ("曾办结", "Ever resolved"),
    "reopened": ("复议件数", "Reconsidered"),
    "reopenings": ("复议次数", "Reconsiderations"),
    "reopen_rate": ("复议率%", "Reconsideration rate %"),
    "extended": ("延期件数", "Extended"),
    "extensions": ("延期次数", "Extensions"),
    "escalated": ("升级件数", "Escalated"),
    "escalated_manager": ("升级至经理", "To manager"),
    "escalated_senior": ("升级至高层", "To senior management"),
    "nature_valid": ("有效投诉", "Valid"),
    "nature_assist": ("协办事项", "Assistance"),
    "nature_excessive": ("过高要求", "Excessive demand"),
    "nature_no_fault": ("无责任投诉", "No fault"),
    "nature_unclassified": ("未定性", "Nature not set"),
    "resolve_days_mean": ("平均办结工作日", "Mean working days to resolve"),
    "resolve_days_p90": ("办结工作日P90", "P90 working days to resolve"),
    # words used around the figures
    "share": ("占比%", "Share %"),
    "month": ("月份", "Month"),
    "section": ("部分", "Section"),
    "dimension": ("维度", "Dimension"),
    "value": ("取值", "Value"),
    "summary": ("汇总", "Summary"),
    "breakdown": ("分项", "Breakdown"),
    "top": ("排名", "Top"),
    "trend": ("趋势", "Trend"),
    "severity": ("级别", "Severity"),
    "category": ("类别", "Category"),
    "department": ("部门", "Department"),
    "handler": ("处理人", "Handler"),
    "channel": ("渠道", "Channel"),
    "location": ("位置", "Location"),
}
assert all(k in LABELS for k in FIELDS)


def label(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return en if lang == "en" else zh


_UNSET = {
    "severity": ("未分级", "unclassified"),
    "category": ("未分类", "no category"),
    "department": ("未派单", "unassigned"),
    "handler": ("未指定", "no handler"),
    "channel": ("-", "-"),
    "location": ("-", "-"),
}


def value_label(dimension: str, value: str | None, lang: str) -> str:
    """How a breakdown value reads: 重大 for major, 未派单 for no department, ..."""
    if value is None:
        zh, en = _UNSET[dimension]
        return en if lang == "en" else zh
    if dimension == "severity":
        return SEVERITY.label(value, lang)
    if dimension == "channel":
        return CHANNEL.label(value, lang)
    return value


# -- periods ----------------------------------------------------------------------------------
_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


def parse_month(text: str, field_name: str = "--month") -> str:
    """``2026-03`` (also ``2026/3``, ``2026年3月``) -> ``"2026-03"``."""
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1992:
        raise InvalidInput(field_name, f"no such month {text!r}; use YYYY-MM, e.g. 2026-03")
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def _month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _midnight(d: date) -> int:
    return to_epoch(datetime(d.year, d.month, d.day, tzinfo=CST))


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
        raise InvalidInput("--to", f"{last.isoformat()} is before --from {first.isoformat()}")
    return Period(first, last)


def months_back(last: str, count: int) -> list[str]:
    """``count`` months ending with ``last``, oldest first."""
    if not 1 <= count <= MAX_MONTHS:
        raise InvalidInput("--months", f"must be 1..{MAX_MONTHS}, got {count}")
    index = int(last[:4]) * 12 + int(last[5:7]) - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


# -- the ledger as of a moment ----------------------------------------------------------------
_KINDS = """
WITH RECURSIVE k(kind) AS (
  SELECT min(kind) FROM events
  UNION ALL SELECT (SELECT min(kind) FROM events WHERE kind > k.kind) FROM k WHERE kind IS NOT NULL
) SELECT kind FROM k WHERE kind IS NOT NULL
"""


# The columns the figures read (the folded slow path copies only these).
_COLUMNS = (
    "id, received_at, received_month, channel, category, location, severity, nature, department, "
    "handler, satisfaction, reopen_count, extension_count, escalation_level, duplicate_of, "
    + ", ".join(f"{m}_due, {m}_done" for m in ("respond", "assign", "plan", "resolve", "update"))
    + ", update_missed"
)


@dataclass
class _Source:
    """Where the rows come from: the complaints table, with the rows of complaints that
    changed after ``as_of`` replaced by their state as of then (temp.report_asof)."""

    as_of: int
    folded: bool = False

    def rows(self, condition: str, columns: str = _COLUMNS) -> str:
        """A FROM clause: the table itself on the fast path (so SQLite reads it through the
        index, nothing materialised), else the union of unchanged and rebuilt rows."""
        if not self.folded:
            return f"complaints WHERE {condition}"
        return (
            f"(SELECT {columns} FROM complaints WHERE {condition} AND id NOT IN "
            f"(SELECT id FROM temp.report_changed) UNION ALL "
            f"SELECT {columns} FROM temp.report_asof WHERE {condition})"
        )

    def table(self, condition: str) -> str:
        """A table expression of whole rows (for the detail sheet)."""
        if not self.folded:
            return f"(SELECT * FROM complaints WHERE {condition})"
        return self.rows(condition, "*")


_FEW = 50_000  # up to this many events after as_of: find them through the (kind, at) index


def _changed(conn: sqlite3.Connection, as_of: int, start: int, end: int) -> list[int]:
    """Complaints received in [start, end) with events after ``as_of``.

    Usually ``as_of`` is now and nothing happened since: a few index probes per event kind.
    With few later events, they are read through the (kind, at) index; with many (a report
    as of long ago), the period's own complaints are checked instead."""
    later = 0
    for (kind,) in conn.execute(_KINDS).fetchall():
        later += conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM events WHERE kind = ? AND at > ? LIMIT ?)",
            (kind, as_of, _FEW + 1 - later),
        ).fetchone()[0]
        if later > _FEW:
            rows = conn.execute(
                "SELECT id FROM complaints WHERE received_at >= ? AND received_at < ? AND "
                "EXISTS (SELECT 1 FROM events e WHERE e.complaint_id = complaints.id AND e.at > ?)",
                (start, end, as_of),
            )
            return [r[0] for r in rows]
    if not later:
        return []
    rows = conn.execute(
        "SELECT DISTINCT c.id FROM events e CROSS JOIN complaints c ON c.id = e.complaint_id "
        "WHERE e.kind IN (SELECT kind FROM (" + _KINDS + ")) AND e.at > ? "
        "AND c.received_at >= ? AND c.received_at < ?",
        (as_of, start, end),
    )
    return [r[0] for r in rows]


def _fold_changed(conn: sqlite3.Connection, as_of: int, start: int, end: int) -> bool:
    """Rebuild, as of ``as_of``, every complaint received in [start, end) that has events
    after ``as_of`` (``model.apply`` over its events up to then) into temp.report_asof."""
    from complaintctl.ledger import row_to_event
    from complaintctl.model import Complaint, apply

    ids = _changed(conn, as_of, start, end)
    if not ids:
        return False
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_changed (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_asof AS SELECT * FROM complaints WHERE 0")
    conn.execute("DELETE FROM temp.report_changed")
    conn.execute("DELETE FROM temp.report_asof")
    conn.executemany("INSERT INTO temp.report_changed (id) VALUES (?)", ((i,) for i in ids))
    states: list[Complaint] = []
    state: Complaint | None = None
    rows = conn.execute(
        "SELECT e.* FROM temp.report_changed r CROSS JOIN events e ON e.complaint_id = r.id "
        "WHERE e.at <= ? ORDER BY e.complaint_id, e.seq",
        (as_of,),
    )
    for row in rows:
        event = row_to_event(row)
        if state is not None and state.id != event.complaint_id:
            states.append(state)
            state = None
        if state is None and event.kind != "registered":
            continue  # received after as_of: not in the report
        state = apply(state, event)
    if state is not None:
        states.append(state)
    if states:
        names = list(states[0].to_row())
        conn.executemany(
            f"INSERT INTO temp.report_asof ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)})",
            ([row[k] for k in names] for row in map(Complaint.to_row, states)),
        )
    return True


@contextmanager
def reading(ledger: Ledger) -> Iterator[None]:
    """One read transaction: every query inside sees the same ledger, whatever other
    terminals write meanwhile (used around a report and the detail rows of its workbook)."""
    conn = ledger.conn
    with ledger.guard():
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")


@contextmanager
def _snapshot(ledger: Ledger, as_of: int, start: int, end: int) -> Iterator[_Source]:
    """A consistent read of the ledger as of ``as_of`` for complaints received in [start, end)."""
    with reading(ledger):
        yield _Source(as_of, _fold_changed(ledger.conn, as_of, start, end))


# -- aggregation ------------------------------------------------------------------------------
def _local_date(day: int) -> date:
    return date.fromordinal(_EPOCH_DAY + day)


# Per value of a top list (category or location): counts in RESOLVE_STATES order.
_Tally = dict[str, list[int]]


def _aggregate(
    conn: sqlite3.Connection,
    source: _Source,
    condition: str,
    params: dict[str, Any],
    cal: WorkCalendar | None,
    *,
    key: str | None = None,
    tops: bool = False,
) -> tuple[dict[str | None, Figures], tuple[_Tally, _Tally]]:
    """Figures per value of ``key`` (one entry, None, without a key) in one pass; with
    ``tops``, the per-category and per-location resolve outcomes as well."""
    tokens = [CODE_SQL, _DAYS_SQL if cal is not None else "NULL", *(_TOPS_SQL if tops else ())]
    columns = [("group_concat", sql) for sql in tokens]
    out: dict[str | None, Figures] = {}
    places: tuple[_Tally, _Tally] = ({}, {})
    short = False
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
        if top:
            found = _places(counts, *top)
            places = found if found is not None else _places_exact(conn, source, condition, params)
        out[value] = figures
    if short:  # a complaint with 7 or more 复议 or 延期: sum the counts themselves
        sums = [
            ("sum", f"CASE WHEN duplicate_of IS NULL THEN {column} END")
            for column in ("reopen_count", "extension_count")
        ]
        for raw, reopenings, extensions in _select(conn, source, condition, params, sums, key):
            counts = out[raw.decode() if isinstance(raw, bytes) else raw].counts
            counts.reopenings, counts.extensions = reopenings or 0, extensions or 0
    return out, places


def _select(
    conn: sqlite3.Connection,
    source: _Source,
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
            f"FROM {source.rows(condition)} LIMIT -1) GROUP BY k"
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
    """The top lists' tallies from _TOPS_SQL's token lists, or None when they cannot be read
    back: a value holding a comma (more tokens than complaints), or one starting with
    char(1..3) (read as a resolve state: more late/pending/overdue than the counts say)."""
    out: tuple[_Tally, _Tally] = ({}, {})
    expected = [counts.timely, counts.late, counts.pending, counts.overdue]
    for tally, tokens in zip(out, (categories, locations), strict=True):
        # (SQLite before 3.47 gives NULL, not '', for the group_concat of one '')
        values = tokens.split(b",") if tokens is not None else [b""][: counts.total]
        if len(values) != counts.total:
            return None
        states = [0, 0, 0, 0]
        for token, n in Counter(values).items():
            state = token[0] if token and 1 <= token[0] <= 3 else 0
            states[state] += n
            if len(token) > (state > 0):
                value = (token[1:] if state else token).decode()
                tally.setdefault(value, [0, 0, 0, 0])[state] += n
        if states != expected:
            return None
    return out


def _places_exact(
    conn: sqlite3.Connection, source: _Source, condition: str, params: dict[str, Any]
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
                tally.setdefault(value, [0, 0, 0, 0])[state] += n
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

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract (docs/report.md)."""
        return {
            "period": self.period.label,
            "from": self.period.first.isoformat(),
            "to": self.period.last.isoformat(),
            "as_of": iso(from_epoch(self.as_of)),
            **self.summary.as_dict(),
            "breakdowns": {
                dim: [
                    {"value": f.value, "label": value_label(dim, f.value, "zh"), **f.as_dict()}
                    for f in rows
                ]
                for dim, rows in self.breakdowns.items()
            },
            "top_categories": [t.as_dict() for t in self.top_categories],
            "top_locations": [t.as_dict() for t in self.top_locations],
        }


def _order(dimension: str, rows: dict[str | None, Figures]) -> list[Figures]:
    """Severity and channel in their fixed order, other values by count; unset last."""
    fixed = {"severity": SEVERITY.codes, "channel": CHANNEL.codes}.get(dimension)

    def key(f: Figures) -> tuple[int, int, str]:
        if f.value is None:
            return (2, 0, "")
        if fixed is not None and f.value in fixed:
            return (0, fixed.index(f.value), "")
        return (1, -f.counts.total, f.value)

    return sorted(rows.values(), key=key)


def build_report(
    ledger: Ledger, period: Period, as_of: int, by: Sequence[str] = (), top: int = TOP
) -> Report:
    """Every figure of ``period`` as of ``as_of`` (epoch seconds)."""
    for dim in by:
        if dim not in DIMENSIONS:
            raise InvalidInput("--by", f"unknown dimension {dim!r}", accepted=DIMENSIONS)
    condition, params = period.condition()
    cal = ledger.calendar()
    with _snapshot(ledger, as_of, period.start, period.end) as source:
        conn = ledger.conn
        whole, places = _aggregate(conn, source, condition, params, cal, tops=True)
        summary = whole.get(None) or Figures(None, Counts())
        breakdowns = {
            dim: _order(dim, _aggregate(conn, source, condition, params, cal, key=dim)[0])
            for dim in dict.fromkeys(by)
        }
    total = summary.counts.total
    return Report(
        period,
        as_of,
        summary,
        breakdowns,
        _top(places[0], total, top),
        _top(places[1], total, top),
    )


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


def build_trend(ledger: Ledger, last: str, count: int, as_of: int) -> list[TrendRow]:
    """及时率 and 满意率 of each of the ``count`` months up to ``last``, as of ``as_of``."""
    months = months_back(last, count)
    start = _midnight(_month_start(months[0]))
    end = _midnight(_next_month(_month_start(months[-1])))
    condition = "received_month >= :m0 AND received_month <= :m1"
    params = {"m0": months[0], "m1": months[-1]}
    with _snapshot(ledger, as_of, start, end) as source:
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
)


def details(ledger: Ledger, period: Period, as_of: int) -> Iterator[dict[str, Any]]:
    """Each complaint of the period as of ``as_of``, contacts masked, with its outcome
    (timely/late/overdue/pending, or duplicate) by the same SQL as the counts."""
    from complaintctl.privacy import mask_name, mask_phone

    condition, params = period.condition()
    cal = ledger.calendar()
    with _snapshot(ledger, as_of, period.start, period.end) as source:
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
            yield {
                "id": row["id"],
                "received_at": local(from_epoch(row["received_at"])),
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
                "outcome": "duplicate"
                if row["duplicate_of"] is not None
                else RESOLVE_STATES[row["outcome"]],
                "resolve_days": days,
                "satisfaction": row["satisfaction"],
                "reopen_count": row["reopen_count"],
                "extension_count": row["extension_count"],
                "escalation_level": row["escalation_level"],
                "duplicate_of": row["duplicate_of"],
            }
