"""The report's state code: one integer per complaint, computed by SQLite, that says everything
the figures count about it (duplicate or not, the resolve outcome, every other milestone's
state, 回访, the 复议 and 延期 counts, escalation, nature: each a digit), with the other per-row
SQL the report concatenates (working days to resolve, the top lists' tokens) and the hand-
written floor of the benchmark.  :func:`tally` decodes a month's codes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from complaintctl.domain.vocab import MILESTONES

if TYPE_CHECKING:
    import sqlite3

LOCAL_DAY = "({col} + 28800) / 86400"  # days since 1970-01-01, Asia/Shanghai (UTC+8)

# Each facet is (name, radix, SQL for a weight): the SQL gives the row's digit (0..radix-1)
# times the weight, so the code, the facets' mixed-radix number (lowest first), is a plain
# sum of CASEs (no multiplications per row).  Milestone digits: 0 met, 1 late, 2 pending,
# 3 breached, 4 n/a (exactly the states ``milestones.milestones`` gives at ``:as_of``), 5 not
# judged for want of a time (issue 16: a clock from a receipt of unknown time, or a milestone
# open when the complaint was handled at an unknown time; the ``unjudged`` bit mask).
# Resolve digits: 0 timely, 1 late, 2 pending, 3 overdue, 4 not judged and handled, 5 not
# judged and still open (a repair's clock from a receipt of unknown time).  The 复议 and 延期
# counts are digits themselves, up to 6; 7 stands for "7 or more" (then they are summed in SQL).
_Digit = Callable[[int], str]
MANY = 7


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


def unjudged(m: str) -> str:
    """SQL: 1 when milestone ``m`` is not judged for want of a time (issue 16), else 0."""
    return f"(unjudged >> {MILESTONES.index(m)} & 1)"


def is_unjudged(m: str) -> str:
    """SQL: the condition that milestone ``m`` is not judged (a boolean on PostgreSQL too)."""
    return f"{unjudged(m)} = 1"


def _milestone(m: str, *, usually_applies: bool, unknown: bool) -> _Digit:
    # Tests in the order that reads fewest columns for most rows: "met" first where the
    # milestone applies to nearly every complaint (respond), "n/a" first where it applies only
    # to moderate and major ones (assign, plan: most complaints are minor).  Same digits.  A
    # clock left without a deadline for want of a time is 5, not 4 (n/a).
    na_digit = f"(4 + {unjudged(m)})" if unknown else 4
    met, na = (f"{m}_done <= {m}_due", 0), (f"{m}_due IS NULL", na_digit)
    return _case(
        *((met, na) if usually_applies else (na, met)),
        (f"{m}_done > {m}_due", 1),
        *(((is_unjudged(m), 5),) if unknown else ()),
        (f"{m}_due < :as_of", 3),
        default=2,
    )


def _count(column: str) -> _Digit:
    """The count itself as the digit, up to 6; 7 for "7 or more"."""

    def sql(weight: int) -> str:
        whens = " ".join(f"WHEN {k} THEN {k * weight}" for k in range(MANY))
        return f"CASE {column} {whens} ELSE {MANY * weight} END"

    return sql


def _facets(unknown: bool) -> tuple[tuple[str, int, _Digit], ...]:
    """The facets; ``unknown``: with the branches for milestones not judged for want of a
    time (issue 16), for the rare rows whose ``unjudged`` mask is not 0 (the others take the
    expression without them: the per-row cost of main's)."""
    if_unknown = (lambda *branch: (branch,)) if unknown else (lambda *branch: ())
    return (
        ("duplicate", 2, _case(("duplicate_of IS NOT NULL", 1), default=0)),
        (
            "resolve",
            6,
            _case(
                ("resolve_done <= resolve_due", 0),
                ("resolve_done > resolve_due", 1),
                *if_unknown(
                    is_unjudged("resolve"),
                    "CASE WHEN resolve_done IS NOT NULL OR handled_time_unknown != 0 "
                    "THEN 4 ELSE 5 END",
                ),
                ("resolve_due < :as_of", 3),
                default=2,
            ),
        ),
        ("respond", 6, _milestone("respond", usually_applies=True, unknown=unknown)),
        ("assign", 6, _milestone("assign", usually_applies=False, unknown=unknown)),
        ("plan", 6, _milestone("plan", usually_applies=False, unknown=unknown)),
        (
            "update",
            6,
            _case(
                ("update_due IS NULL", f"(4 + {unjudged('update')})" if unknown else 4),
                ("update_done IS NOT NULL", "CASE WHEN update_missed > 0 THEN 1 ELSE 0 END"),
                *if_unknown(is_unjudged("update"), 5),
                ("update_due < :as_of", 3),
                default=2,
            ),
        ),
        # 回访 digits: 0 none, then the verdict; the two-level codes kept their digits 1 and 2
        (
            "followup",
            6,
            _choice(
                "satisfaction",
                "satisfied",
                "unsatisfied",
                "very_satisfied",
                "basically_satisfied",
                "very_dissatisfied",
            ),
        ),
        ("reopenings", MANY + 1, _count("reopen_count")),
        ("extensions", MANY + 1, _count("extension_count")),
        ("escalation", 3, _choice("escalation_level", "manager", "senior")),
        ("nature", 5, _choice("nature", "valid", "assist", "excessive", "no_fault")),
    )


FACETS = _facets(True)


def _code_sql(facets: tuple[tuple[str, int, _Digit], ...]) -> str:
    terms, weight = [], 1
    for _, radix, digit in facets:
        terms.append(digit(weight))
        weight *= radix
    return "(" + " + ".join(terms) + ")"


CODE_SQL = f"(CASE WHEN unjudged = 0 THEN {_code_sql(_facets(False))} ELSE {_code_sql(FACETS)} END)"
RADICES = tuple(radix for _, radix, _ in FACETS)
_RESOLVE = [name for name, _, _ in FACETS].index("resolve")
_REOPENED = [name for name, _, _ in FACETS].index("reopenings")
RESOLVE_STATES = ("timely", "late", "pending", "overdue", "not_judged")
RESOLVE_DIGITS = (*RESOLVE_STATES, "not_judged")  # 4 handled, 5 open: both not judged
MILESTONE_STATES = ("met", "late", "pending", "breached", None, "not_judged")
NATURES = (None, "valid", "assist", "excessive", "no_fault")
# The 回访 digits 1..5 (0: no 回访).
RATINGS = ("satisfied", "unsatisfied", "very_satisfied", "basically_satisfied", "very_dissatisfied")
# The resolve digit alone (the detail sheet's outcome, the prefix in the top lists' tokens).
# (Written with CASE, no arithmetic on comparisons: SQL that PostgreSQL reads as well.)
RESOLVE_SQL = (
    "CASE WHEN resolve_done <= resolve_due THEN 0 WHEN resolve_done > resolve_due THEN 1 "
    f"WHEN {is_unjudged('resolve')} THEN 4 WHEN resolve_due < :as_of THEN 3 ELSE 2 END"
)

# Per row besides the code: the (local day resolved, local day received) pair of a resolved
# counted complaint, for the working days to resolve; NULL (skipped by group_concat) for the
# others (an unresolved complaint's resolve_done is NULL, and so is the arithmetic on it).
DAYS_SQL = (
    "CASE WHEN duplicate_of IS NULL THEN "
    f"{LOCAL_DAY.format(col='resolve_done')} * 100000 + {LOCAL_DAY.format(col='received_at')}"
    " END"
)
# The top lists: each counted complaint's category, and its location, as it is when the
# complaint is timely (most are), else prefixed by char(resolve digit 1..3).


def _place_sql(column: str) -> str:
    return (
        f"CASE WHEN duplicate_of IS NULL THEN CASE WHEN resolve_done <= resolve_due "
        f"THEN ifnull({column}, '') ELSE char({RESOLVE_SQL}) || ifnull({column}, '') END END"
    )


TOPS_SQL = (_place_sql("category"), _place_sql("location"))
# (Each of these, and CODE_SQL, is group_concat'ed: one token per row, NULLs skipped.)


# The floor for the benchmark (issue 8): the four resolve counts of one month, by hand.
FLOOR_SQL = """
SELECT count(*) AS total,
       coalesce(sum(CASE WHEN resolve_done <= resolve_due THEN 1 ELSE 0 END), 0) AS timely,
       coalesce(sum(CASE WHEN resolve_done > resolve_due THEN 1 ELSE 0 END), 0) AS late,
       coalesce(sum(CASE WHEN resolve_done IS NULL AND resolve_due < :as_of THEN 1 ELSE 0 END),
                0) AS overdue,
       coalesce(sum(CASE WHEN resolve_done IS NULL AND resolve_due >= :as_of THEN 1 ELSE 0 END),
                0) AS pending
FROM complaints
WHERE received_month = :month AND +duplicate_of IS NULL
"""


def floor_sql(conn: sqlite3.Connection, month: str, as_of: int) -> dict[str, int]:
    """The hand-written SQL floor: total/timely/late/overdue/pending of ``month`` in one query."""
    row = conn.execute(FLOOR_SQL, {"month": month, "as_of": as_of}).fetchone()
    return dict(zip(("total", "timely", "late", "overdue", "pending"), map(int, row), strict=True))


Tally = dict[str, list[int]]  # facet -> rows per digit


def tally(codes: Counter[bytes]) -> tuple[Tally, int]:
    """Rows per digit of each facet, from state codes (code text -> how many rows), and how
    many complaints were ever resolved (resolved now, or once before a 复议).  A linked
    duplicate counts only in the ``duplicate`` facet."""
    counts = [[0] * radix for radix in RADICES]
    ever = 0
    for token, n in codes.items():
        code = int(token)
        if code & 1:  # a linked duplicate: counted as received, nothing else
            counts[0][1] += n
            continue
        digits = []
        for radix in RADICES:
            code, digit = divmod(code, radix)
            digits.append(digit)
        for i, digit in enumerate(digits):
            counts[i][digit] += n
        # resolved now (handled at an unknown time too), or once before 复议
        if digits[_RESOLVE] in (0, 1, 4) or digits[_REOPENED]:
            ever += n
    return dict(zip((name for name, _, _ in FACETS), counts, strict=True)), ever
