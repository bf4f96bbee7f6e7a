"""Durations and deadlines: 民法典 art. 201/203 on the Chinese working-day calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marks import needs_provisional_2027

from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.timeutil import CST, iso
from complaintctl.time.calendar import WorkCalendar, build_calendar, parse_notice
from complaintctl.time.deadlines import Duration, due_at, extend, parse_duration, warning_start

# Modest and deterministic enough to keep the suite fast.
FAST = settings(max_examples=60, deadline=None)

NOTICE_2027 = """\
year = 2027
reference = "示例，非真实通知"
workdays = ["2027-01-31", "2027-02-20"]

[[holidays]]
name = "元旦"
dates = ["2027-01-01..2027-01-03"]

[[holidays]]
name = "春节"
dates = ["2027-02-05..2027-02-13"]
"""

EVENING = time(18, 0)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return build_calendar(2000, 2040)


@pytest.fixture(scope="module")
def cal27() -> WorkCalendar:
    return build_calendar(2000, 2040, [parse_notice(NOTICE_2027)])


def at(text: str) -> datetime:
    """``2026-02-27 10:00`` as an aware CST datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def due(start: str, duration: str, cal: WorkCalendar, ends: time | None = None) -> str:
    moment, provisional = due_at(at(start), parse_duration(duration), cal, ends)
    assert not provisional
    assert moment.tzinfo is CST
    return iso(moment)


# -- parse_duration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("15m", 15, "m"),
        ("1h", 1, "h"),
        ("24h", 24, "h"),
        ("7d", 7, "d"),
        ("3wd", 3, "wd"),
        ("3 wd", 3, "wd"),
        (" 3WD ", 3, "wd"),
        ("2H", 2, "h"),
        ("10 M", 10, "m"),
    ],
)
def test_parse_duration(text: str, amount: int, unit: str) -> None:
    dur = parse_duration(text)
    assert (dur.amount, dur.unit) == (amount, unit)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0wd", "at least 1"),
        ("-3wd", "at least 1"),
        ("3w", "cannot read"),
        ("3 days", "cannot read"),
        ("", "cannot read"),
        ("wd", "cannot read"),
        ("1.5h", "cannot read"),
        ("2000000m", "too long"),
    ],
)
def test_parse_duration_refuses(text: str, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_duration(text, "--extend")
    assert caught.value.field == "--extend"
    assert words in str(caught.value)
    assert str(caught.value).startswith("--extend: ")
    if words == "cannot read":
        assert caught.value.accepted == ["15m", "2h", "7d", "3wd"]


def test_duration_str_and_checks() -> None:
    assert str(Duration(3, "wd")) == "3wd"
    assert str(parse_duration("15 M")) == "15m"
    assert Duration(2, "h").is_clock and not Duration(2, "d").is_clock
    with pytest.raises(ValueError):
        Duration(0, "wd")
    with pytest.raises(ValueError):
        Duration(1, "w")  # type: ignore[arg-type]


# -- working days (wd) ---------------------------------------------------------------------


def test_brief_example_makeup_saturday_counts(cal: WorkCalendar) -> None:
    # Fri 2026-02-27; Sat 02-28 is a 调休 working day: 02-28, 03-02, 03-03.
    assert due("2026-02-27 10:00", "3wd", cal) == "2026-03-04T00:00:00+08:00"
    assert due("2026-02-27 00:00", "3wd", cal) == "2026-03-04T00:00:00+08:00"
    assert due("2026-02-27 23:59", "3wd", cal) == "2026-03-04T00:00:00+08:00"


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # Spring Festival 2025: off 01-28..02-04, worked Sun 01-26 and Sat 02-08.
        ("2025-01-24 11:00", "1wd", "2025-01-27T00:00:00+08:00"),  # Sun 01-26
        ("2025-01-24 11:00", "2wd", "2025-01-28T00:00:00+08:00"),
        ("2025-01-24 11:00", "3wd", "2025-02-06T00:00:00+08:00"),  # Wed 02-05
        ("2025-02-07 16:30", "1wd", "2025-02-09T00:00:00+08:00"),  # Sat 02-08
        # Spring Festival 2026: off 02-15..02-23, worked Sat 02-14 and Sat 02-28.
        ("2026-02-13 16:00", "1wd", "2026-02-15T00:00:00+08:00"),  # Sat 02-14
        ("2026-02-13 16:00", "2wd", "2026-02-25T00:00:00+08:00"),  # Tue 02-24
        ("2026-02-13 16:00", "5wd", "2026-02-28T00:00:00+08:00"),
        ("2026-02-13 16:00", "6wd", "2026-03-01T00:00:00+08:00"),  # Sat 02-28
        # National Day 2025: off 10-01..10-08, worked Sun 09-28 and Sat 10-11.
        ("2025-09-26 15:00", "1wd", "2025-09-29T00:00:00+08:00"),  # Sun 09-28
        ("2025-09-30 20:00", "1wd", "2025-10-10T00:00:00+08:00"),  # Thu 10-09
        ("2025-09-30 20:00", "3wd", "2025-10-12T00:00:00+08:00"),  # Sat 10-11
        # National Day 2026: off 10-01..10-07, worked Sun 09-20 and Sat 10-10.
        ("2026-09-18 09:00", "1wd", "2026-09-21T00:00:00+08:00"),  # Sun 09-20
        ("2026-09-30 09:00", "1wd", "2026-10-09T00:00:00+08:00"),  # Thu 10-08
        ("2026-09-30 09:00", "3wd", "2026-10-11T00:00:00+08:00"),  # Sat 10-10
        ("2026-09-24 09:00", "1wd", "2026-09-29T00:00:00+08:00"),  # Fri 09-25 中秋 off
    ],
)
def test_golden_working_day_deadlines(
    cal: WorkCalendar, start: str, duration: str, expected: str
) -> None:
    assert due(start, duration, cal) == expected


def test_receipt_on_a_rest_day(cal: WorkCalendar) -> None:
    assert due("2026-03-08 14:00", "1wd", cal) == "2026-03-10T00:00:00+08:00"  # Sunday
    assert due("2026-10-03 10:00", "1wd", cal) == "2026-10-09T00:00:00+08:00"  # in 国庆


def test_receipt_on_a_makeup_saturday_is_not_counted(cal: WorkCalendar) -> None:
    # Sat 2026-02-14 is worked, but as the day of receipt it is not counted (art. 201).
    assert due("2026-02-14 09:00", "1wd", cal) == "2026-02-25T00:00:00+08:00"
    assert due("2026-02-14 09:00", "1wd", cal, EVENING) == "2026-02-24T18:00:00+08:00"


def test_receipt_at_23_59_versus_00_00(cal: WorkCalendar) -> None:
    assert due("2026-03-05 23:59", "1wd", cal) == "2026-03-07T00:00:00+08:00"  # Fri 03-06
    assert due("2026-03-06 00:00", "1wd", cal) == "2026-03-10T00:00:00+08:00"  # Mon 03-09


def test_day_ends_at(cal: WorkCalendar) -> None:
    assert due("2026-02-27 10:00", "3wd", cal, EVENING) == "2026-03-03T18:00:00+08:00"
    assert due("2026-09-30 09:00", "3wd", cal, EVENING) == "2026-10-10T18:00:00+08:00"
    with pytest.raises(InvalidInput, match="day_ends_at"):
        due_at(at("2026-02-27 10:00"), Duration(1, "wd"), cal, time(0, 0))


def test_other_time_zones_are_converted(cal: WorkCalendar) -> None:
    # 2026-02-27 16:30 UTC is 2026-02-28 00:30 in Shanghai: the day of receipt is Saturday.
    moment, _ = due_at(datetime(2026, 2, 27, 16, 30, tzinfo=UTC), Duration(1, "wd"), cal)
    assert iso(moment) == "2026-03-03T00:00:00+08:00"
    naive, _ = due_at(datetime(2026, 2, 27, 10, 0), Duration(3, "wd"), cal)
    assert iso(naive) == "2026-03-04T00:00:00+08:00"


# -- clock durations --------------------------------------------------------------------------


def test_clock_durations_run_around_the_clock(cal: WorkCalendar) -> None:
    assert due("2026-02-16 23:30", "45m", cal) == "2026-02-17T00:15:00+08:00"
    assert due("2026-02-16 23:30", "24h", cal) == "2026-02-17T23:30:00+08:00"
    assert due("2026-12-31 23:00", "2h", cal) == "2027-01-01T01:00:00+08:00"  # not provisional
    assert due("2026-02-16 23:30", "2h", cal, EVENING) == "2026-02-17T01:30:00+08:00"
    moment, provisional = due_at(datetime(2026, 2, 16, 15, 30, tzinfo=UTC), Duration(1, "h"), cal)
    assert iso(moment) == "2026-02-17T00:30:00+08:00"
    assert moment.tzinfo is CST and not provisional


# -- provisional years -----------------------------------------------------------------------


@needs_provisional_2027
def test_across_the_year_end_is_provisional(cal: WorkCalendar, cal27: WorkCalendar) -> None:
    start = at("2026-12-30 10:00")
    # 12-31 (Thu), 2027-01-01 元旦 and the weekend off, 01-04, 01-05.
    moment, provisional = due_at(start, Duration(3, "wd"), cal)
    assert (iso(moment), provisional) == ("2027-01-06T00:00:00+08:00", True)
    # With the (made-up) 2027 notice loaded the year is local, not provisional.
    moment, provisional = due_at(start, Duration(3, "wd"), cal27)
    assert (iso(moment), provisional) == ("2027-01-06T00:00:00+08:00", False)
    # Ending at 24:00 on 12-31 (the instant is in 2027) touches no 2027 day.
    moment, provisional = due_at(start, Duration(1, "wd"), cal)
    assert (iso(moment), provisional) == ("2027-01-01T00:00:00+08:00", False)


@needs_provisional_2027
def test_notice_makeup_day_is_counted(cal: WorkCalendar, cal27: WorkCalendar) -> None:
    start = at("2027-02-19 10:00")  # Friday
    moment, provisional = due_at(start, Duration(1, "wd"), cal)
    assert (iso(moment), provisional) == ("2027-02-23T00:00:00+08:00", True)  # Mon 02-22
    moment, provisional = due_at(start, Duration(1, "wd"), cal27)
    assert (iso(moment), provisional) == ("2027-02-21T00:00:00+08:00", False)  # Sat 02-20
    # The notice's holiday: Thu 2027-02-04 + 1wd skips 02-05..02-14 and lands on Mon 02-15.
    moment, _ = due_at(at("2027-02-04 10:00"), Duration(1, "wd"), cal27)
    assert iso(moment) == "2027-02-16T00:00:00+08:00"


# -- calendar days (d) and art. 203 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        ("2026-03-02 10:00", "7d", "2026-03-10T00:00:00+08:00"),  # Mon 03-09, worked
        ("2026-03-05 10:00", "7d", "2026-03-13T00:00:00+08:00"),  # Thu 03-12
        ("2026-03-07 10:00", "7d", "2026-03-17T00:00:00+08:00"),  # Sat 03-14 -> Mon 03-16
        ("2026-09-24 10:00", "7d", "2026-10-09T00:00:00+08:00"),  # 10-01 国庆 -> Thu 10-08
        ("2025-09-24 10:00", "7d", "2025-10-10T00:00:00+08:00"),  # 10-01 -> Thu 10-09
        ("2026-02-21 10:00", "7d", "2026-03-01T00:00:00+08:00"),  # Sat 02-28 is worked
        ("2026-02-08 10:00", "7d", "2026-02-25T00:00:00+08:00"),  # Sun 02-15 -> Tue 02-24
        ("2026-02-27 23:59", "1d", "2026-03-01T00:00:00+08:00"),  # Sat 02-28 worked
    ],
)
def test_calendar_days_with_article_203(
    cal: WorkCalendar, start: str, duration: str, expected: str
) -> None:
    assert due(start, duration, cal) == expected


def test_calendar_days_with_day_ends_at(cal: WorkCalendar) -> None:
    assert due("2026-09-24 10:00", "7d", cal, EVENING) == "2026-10-08T18:00:00+08:00"


# -- extend ------------------------------------------------------------------------------------


def test_extend(cal: WorkCalendar) -> None:
    wd2, wd1, d7, h2 = Duration(2, "wd"), Duration(1, "wd"), Duration(7, "d"), Duration(2, "h")
    # 24:00 of 03-03 belongs to 03-03: +2wd = 03-04, 03-05.
    assert iso(extend(at("2026-03-04 00:00"), wd2, cal)[0]) == "2026-03-06T00:00:00+08:00"
    # With a business-hours deadline the deadline's own date is the base.
    moved = extend(at("2026-03-03 18:00"), wd2, cal, EVENING)[0]
    assert iso(moved) == "2026-03-05T18:00:00+08:00"
    # 24:00 of Fri 02-13 + 1wd is the 调休 Saturday 02-14.
    assert iso(extend(at("2026-02-14 00:00"), wd1, cal)[0]) == "2026-02-15T00:00:00+08:00"
    # A 24:00 deadline stays the end of the previous day even with day_ends_at.
    assert iso(extend(at("2026-03-04 00:00"), wd1, cal, EVENING)[0]) == "2026-03-04T18:00:00+08:00"
    # Clock units just add.
    assert extend(at("2026-03-04 00:00"), h2, cal) == (at("2026-03-04 02:00"), False)
    # Calendar days: 24:00 of 09-24 + 7d = 10-01 (国庆) -> Thu 10-08.
    assert iso(extend(at("2026-09-25 00:00"), d7, cal)[0]) == "2026-10-09T00:00:00+08:00"
    # Into the unannounced year.
    # 24:00 of 12-30 + 2wd: 12-31, then 元旦 and the weekend, then Mon 2027-01-04.
    assert extend(at("2026-12-31 00:00"), wd2, cal) == (at("2027-01-05 00:00"), True)


# -- warning_start ---------------------------------------------------------------------------


def test_warning_start() -> None:
    start, end = at("2026-02-27 10:00"), at("2026-03-04 00:00")  # 110 hours
    assert iso(warning_start(start, end, 0.25)) == "2026-03-02T20:30:00+08:00"
    assert warning_start(start, end, 0.0) == end
    assert warning_start(start, end, 1.0) == start
    assert iso(warning_start(at("2026-03-01 10:00"), at("2026-03-01 10:15"), 0.2)) == (
        "2026-03-01T10:12:00+08:00"
    )
    with pytest.raises(InvalidInput, match="fraction"):
        warning_start(start, end, 1.5)


# -- properties --------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2039, 12, 31, 23, 59), timezones=st.just(CST)
)
amounts = st.integers(min_value=1, max_value=60)


@FAST
@given(start=starts, n=amounts)
def test_wd_deadline_ends_a_working_day(cal27: WorkCalendar, start: datetime, n: int) -> None:
    moment, _ = due_at(start, Duration(n, "wd"), cal27)
    assert moment.time() == time(0, 0)
    last_day = moment.date() - timedelta(days=1)
    assert cal27.is_working_day(last_day)
    assert last_day > start.date()
    assert cal27.working_days_between(start.date(), last_day) == n
    assert cal27.add_working_days(start.date(), n) == last_day
    evening, _ = due_at(start, Duration(n, "wd"), cal27, EVENING)
    assert evening == datetime.combine(last_day, EVENING, CST)


@FAST
@given(start=starts, n=amounts)
def test_d_deadline_is_art_203(cal27: WorkCalendar, start: datetime, n: int) -> None:
    moment, _ = due_at(start, Duration(n, "d"), cal27)
    last_day = moment.date() - timedelta(days=1)
    nominal = start.date() + timedelta(days=n)
    assert last_day >= nominal
    assert cal27.is_working_day(last_day)
    probe = nominal
    while probe < last_day:  # every day skipped was not a working day
        assert not cal27.is_working_day(probe)
        probe += timedelta(days=1)


@FAST
@given(start=starts, n=amounts, m=amounts)
def test_extend_composes(cal27: WorkCalendar, start: datetime, n: int, m: int) -> None:
    first, _ = due_at(start, Duration(n, "wd"), cal27)
    assert (
        extend(first, Duration(m, "wd"), cal27)[0] == due_at(start, Duration(n + m, "wd"), cal27)[0]
    )
    evening, _ = due_at(start, Duration(n, "wd"), cal27, EVENING)
    moved, _ = extend(evening, Duration(m, "wd"), cal27, EVENING)
    assert moved == due_at(start, Duration(n + m, "wd"), cal27, EVENING)[0]


@FAST
@given(start=starts, n=amounts)
def test_provisional_iff_an_unannounced_year_is_touched(
    cal27: WorkCalendar, start: datetime, n: int
) -> None:
    moment, provisional = due_at(start, Duration(n, "wd"), cal27)
    last_day = moment.date() - timedelta(days=1)
    years = range(start.date().year, last_day.year + 1)
    touched = {
        y for y in years if (date(y, 12, 31) > start.date()) and cal27.is_provisional_year(y)
    }
    assert provisional == bool(touched)


def test_clock_durations_know_their_length_and_calendar_ones_refuse() -> None:
    assert parse_duration("15m").seconds == 900
    assert parse_duration("12h").seconds == 43_200
    with pytest.raises(ValueError, match="counted on the calendar"):
        _ = parse_duration("3wd").seconds
