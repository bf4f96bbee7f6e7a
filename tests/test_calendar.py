"""The Chinese working-day calendar: package agreement, 调休, notices, serialisation."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marks import needs_provisional_2027

from complaintctl.domain.errors import CalendarError
from complaintctl.time.calendar import (
    DEFAULT_FIRST_YEAR,
    DEFAULT_LAST_YEAR,
    Notice,
    WorkCalendar,
    build_calendar,
    parse_notice,
)

ROOT = Path(__file__).resolve().parent.parent

# A made-up notice for 2027 (NOT the real one), used throughout the tests.
NOTICE_2027 = """\
year = 2027
reference = "国办发明电〔2026〕99号（示例）"
workdays = ["2027-01-31", "2027-02-20", "2027-04-25", "2027-05-08", "2027-09-26", "2027-10-09"]

[[holidays]]
name = "元旦"
dates = ["2027-01-01..2027-01-03"]

[[holidays]]
name = "春节"
dates = ["2027-02-05..2027-02-13"]

[[holidays]]
name = "清明节"
dates = ["2027-04-03..2027-04-05"]

[[holidays]]
name = "劳动节"
dates = ["2027-05-01..2027-05-05"]

[[holidays]]
name = "端午节"
dates = ["2027-06-09"]

[[holidays]]
name = "中秋节"
dates = [2027-09-15]

[[holidays]]
name = "国庆节"
dates = ["2027-10-01..2027-10-07"]
"""

# Modest and deterministic enough to keep the suite fast.
FAST = settings(max_examples=60, deadline=None)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return build_calendar(DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR)


@pytest.fixture(scope="module")
def cal27() -> WorkCalendar:
    return build_calendar(DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR, [parse_notice(NOTICE_2027)])


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(first: str, last: str) -> list[date]:
    start, end = d(first), d(last)
    return [start + timedelta(n) for n in range((end - start).days + 1)]


# -- agreement with the holidays package -----------------------------------------------------


def test_matches_package_every_day_2004_to_2026(cal: WorkCalendar) -> None:
    package = holidays.China(years=range(2004, 2027))  # type: ignore[attr-defined]
    mismatches = [
        day
        for day in days("2004-01-01", "2026-12-31")
        if cal.is_working_day(day) != package.is_working_day(day)
    ]
    assert mismatches == []


def test_last_official_year_comes_from_the_package(cal: WorkCalendar) -> None:
    from holidays.countries.china import ChinaStaticHolidays

    assert cal.last_official_year == max(ChinaStaticHolidays.special_public_holidays)
    assert cal.last_official_year >= 2026
    assert cal.source.startswith("holidays ")


# -- golden 调休 facts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("off", "on"),
    [
        # Spring Festival 2025
        (days("2025-01-28", "2025-02-04"), ["2025-01-26", "2025-02-08"]),
        # Spring Festival 2026
        (days("2026-02-15", "2026-02-23"), ["2026-02-14", "2026-02-28"]),
        # National Day 2025
        (days("2025-10-01", "2025-10-08"), ["2025-09-28", "2025-10-11"]),
        # National Day 2026
        (days("2026-10-01", "2026-10-07"), ["2026-09-20", "2026-10-10"]),
    ],
)
def test_golden_holidays_and_makeup_days(cal: WorkCalendar, off: list[date], on: list[str]) -> None:
    assert [day for day in off if cal.is_working_day(day)] == []
    for text in on:
        assert cal.is_working_day(d(text))
        assert cal.is_makeup_workday(d(text))
    # The first day after the holiday is worked.
    assert cal.is_working_day(off[-1] + timedelta(1))


def test_holiday_names(cal: WorkCalendar) -> None:
    assert cal.holiday_name(d("2026-02-17")) == "春节"
    assert cal.holiday_name(d("2026-02-16")) == "农历除夕"
    assert cal.holiday_name(d("2026-10-01")) == "国庆节"
    assert cal.holiday_name(d("2026-02-14")) is None  # a make-up working day
    assert cal.holiday_name(d("2026-03-07")) is None  # an ordinary Saturday
    assert cal.holiday_name(d("2026-03-09")) is None


def test_ordinary_weekend_is_not_a_makeup_day(cal: WorkCalendar) -> None:
    assert not cal.is_working_day(d("2026-03-07"))
    assert not cal.is_makeup_workday(d("2026-03-07"))
    assert cal.is_working_day(d("2026-03-09"))
    assert not cal.is_makeup_workday(d("2026-03-09"))


# -- arithmetic --------------------------------------------------------------------------------


def test_add_working_days_across_spring_festival_2026(cal: WorkCalendar) -> None:
    friday = d("2026-02-13")
    assert cal.add_working_days(friday, 0) == friday
    assert cal.add_working_days(friday, 1) == d("2026-02-14")  # Saturday, 调休
    assert cal.add_working_days(friday, 2) == d("2026-02-24")
    assert cal.add_working_days(d("2026-02-27"), 3) == d("2026-03-03")
    assert cal.add_working_days(d("2026-03-03"), -3) == d("2026-02-27")
    assert cal.add_working_days(d("2026-02-22"), -1) == d("2026-02-14")


def test_working_days_between(cal: WorkCalendar) -> None:
    # (02-13, 02-28]: 02-14, 02-24, 02-25, 02-26, 02-27, 02-28
    assert cal.working_days_between(d("2026-02-13"), d("2026-02-28")) == 6
    assert cal.working_days_between(d("2026-02-28"), d("2026-02-13")) == -6
    assert cal.working_days_between(d("2026-02-15"), d("2026-02-23")) == 0
    assert cal.working_days_between(d("2026-03-03"), d("2026-03-03")) == 0


def test_outside_the_covered_years(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarError, match=r"1999-12-31 .*2000-01-01\.\.2040-12-31"):
        cal.is_working_day(d("1999-12-31"))
    with pytest.raises(CalendarError, match=r"2041-01-01"):
        cal.holiday_name(d("2041-01-01"))
    with pytest.raises(CalendarError, match=r"2040-12-31"):
        cal.add_working_days(d("2040-12-20"), 30)
    with pytest.raises(CalendarError, match=r"2000\.\.2040"):
        cal.year_status(2041)


# -- year status and notices -------------------------------------------------------------------


@needs_provisional_2027
def test_year_status_without_notice(cal: WorkCalendar) -> None:
    assert cal.year_status(2026) == "official"
    assert cal.year_status(2004) == "official"
    assert cal.year_status(2027) == "provisional"
    assert cal.is_provisional_year(2027)
    assert not cal.is_provisional_year(2026)
    assert cal.local_years == frozenset()


@needs_provisional_2027
def test_notice_replaces_the_package_for_its_year(cal: WorkCalendar, cal27: WorkCalendar) -> None:
    assert cal27.local_years == frozenset({2027})
    assert cal27.year_status(2027) == "local"
    assert not cal27.is_provisional_year(2027)
    assert cal27.is_provisional_year(2028)
    assert cal27.references[2027] == "国办发明电〔2026〕99号（示例）"
    # The make-up Saturday is worked only with the notice.
    assert not cal.is_working_day(d("2027-02-20"))
    assert cal27.is_working_day(d("2027-02-20"))
    assert cal27.is_makeup_workday(d("2027-02-20"))
    # A weekday inside the notice's holiday is off, with the notice's name.
    assert not cal27.is_working_day(d("2027-02-12"))
    assert cal27.holiday_name(d("2027-02-12")) == "春节"
    assert cal27.holiday_name(d("2027-09-15")) == "中秋节"
    # The package's estimate is gone: 2027-05-06 (Thursday) is worked under the notice.
    assert cal27.is_working_day(d("2027-05-06"))
    # Other years are untouched.
    for day in days("2026-01-01", "2026-12-31") + days("2028-01-01", "2028-12-31"):
        assert cal.is_working_day(day) == cal27.is_working_day(day)


def test_notice_can_override_an_official_year() -> None:
    notice = parse_notice(
        'year = 2026\nreference = "更正"\n[[holidays]]\nname = "元旦"\ndates = ["2026-01-01"]\n'
    )
    cal = build_calendar(2025, 2027, [notice])
    assert cal.year_status(2026) == "local"
    assert cal.is_working_day(d("2026-01-02"))  # the package has it off
    # The notice lists only 元旦, so the Spring Festival Tuesday is an ordinary weekday and
    # the package's make-up Saturday is an ordinary rest day.
    assert cal.is_working_day(d("2026-02-17"))
    assert not cal.is_working_day(d("2026-02-14"))
    assert cal.year_status(2025) == "official"


def test_notice_outside_the_calendar_is_refused() -> None:
    with pytest.raises(CalendarError, match="2027"):
        build_calendar(2000, 2026, [parse_notice(NOTICE_2027)])


def test_parse_notice_full_example() -> None:
    notice = parse_notice(NOTICE_2027)
    assert isinstance(notice, Notice)
    assert notice.year == 2027
    assert notice.workdays[:2] == (d("2027-01-31"), d("2027-02-20"))
    assert notice.holidays[0] == (d("2027-01-01"), "元旦")
    assert (d("2027-02-13"), "春节") in notice.holidays
    assert (d("2027-09-15"), "中秋节") in notice.holidays
    assert len(notice.holidays) == 3 + 9 + 3 + 5 + 1 + 1 + 7
    assert [h[0] for h in notice.holidays] == sorted(h[0] for h in notice.holidays)


GOOD_HEAD = 'year = 2027\nreference = "x"\n'
ONE_HOLIDAY = '[[holidays]]\nname = "春节"\ndates = ["2027-02-05..2027-02-13"]\n'


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("year = \n", "notice", "TOML syntax error"),
        ('reference = "x"\n' + ONE_HOLIDAY, "year", "missing"),
        ('year = "2027"\nreference = "x"\n' + ONE_HOLIDAY, "year", "whole number"),
        ('year = true\nreference = "x"\n' + ONE_HOLIDAY, "year", "whole number"),
        ("year = 2027\n" + ONE_HOLIDAY, "reference", "missing"),
        ('year = 2027\nreference = "  "\n' + ONE_HOLIDAY, "reference", "non-empty"),
        (GOOD_HEAD, "holidays", "missing"),
        (
            GOOD_HEAD + '[[holidays]]\nname = "春节"\ndates = ["2027-02-30"]\n',
            "holidays[1].dates",
            "cannot read date '2027-02-30'",
        ),
        (
            GOOD_HEAD + ONE_HOLIDAY + '[[holidays]]\nname = "国庆节"\ndates = ["2027/10/01"]\n',
            "holidays[2].dates",
            "cannot read date",
        ),
        (
            GOOD_HEAD + '[[holidays]]\nname = "元旦"\ndates = ["2026-11-30..2027-01-01"]\n',
            "holidays[1].dates",
            "2026-11-30 is outside the reach of a 2027 notice (2026-12-01..2028-01-31)",
        ),
        (
            GOOD_HEAD + '[[holidays]]\nname = "元旦"\ndates = ["2028-02-01"]\n',
            "holidays[1].dates",
            "2028-02-01 is outside the reach of a 2027 notice (2026-12-01..2028-01-31)",
        ),
        (
            'year = 2027\nreference = "x"\nworkdays = ["2026-12-25"]\n' + ONE_HOLIDAY,
            "workdays",
            "2026-12-25 is a Friday; a make-up working day (调休上班) must be a Saturday",
        ),
        (
            GOOD_HEAD + '[[holidays]]\nname = "春节"\ndates = ["2027-02-13..2027-02-05"]\n',
            "holidays[1].dates",
            "ends before it starts",
        ),
        (GOOD_HEAD + '[[holidays]]\ndates = ["2027-02-05"]\n', "holidays[1].name", "missing"),
        (
            'year = 2027\nreference = "x"\nworkdays = ["2026-11-29"]\n' + ONE_HOLIDAY,
            "workdays",
            "outside the reach of a 2027 notice",
        ),
        (
            'year = 2027\nreference = "x"\nworkdays = ["2027-02-16"]\n' + ONE_HOLIDAY,
            "workdays",
            "2027-02-16 is a Tuesday",
        ),
        (
            'year = 2027\nreference = "x"\nworkdays = ["2027-02-07"]\n' + ONE_HOLIDAY,
            "workdays",
            "2027-02-07 is also listed as a holiday (春节)",
        ),
        (
            GOOD_HEAD + ONE_HOLIDAY + '[[holidays]]\nname = "x"\ndates = ["2027-02-06"]\n',
            "holidays[2].dates",
            "already listed (春节)",
        ),
        ('workday = ["2027-02-20"]\n' + GOOD_HEAD + ONE_HOLIDAY, "workday", "unknown key"),
    ],
)
def test_notice_validation_names_the_field(text: str, field: str, words: str) -> None:
    with pytest.raises(CalendarError) as caught:
        parse_notice(text)
    message = str(caught.value)
    assert message.startswith(f"notice {field}:") or message.startswith(f"{field}:")
    assert words in message
    assert "\n" not in message


# -- serialisation ---------------------------------------------------------------------------


def test_round_trip_through_json(cal27: WorkCalendar) -> None:
    data = json.loads(json.dumps(cal27.to_dict(), ensure_ascii=False))
    again = WorkCalendar.from_dict(data)
    assert again == cal27
    assert again.local_years == {2027}
    assert again.references == {2027: "国办发明电〔2026〕99号（示例）"}
    assert again.last_official_year == cal27.last_official_year
    assert again.year_status(2027) == "local"


@pytest.mark.parametrize(
    "damage",
    [
        {"format": 99},
        {"working": "!!not base64!!"},
        {"working": ""},
        {"working": "AAAA"},
        {"first_year": "2000"},
        {"holidays": {"2026-13-01": "x"}},
        {"last_official_year": None},
    ],
)
def test_damaged_cache_is_a_calendar_error(cal: WorkCalendar, damage: dict[str, object]) -> None:
    data = {**cal.to_dict(), **damage}
    with pytest.raises(CalendarError, match="cached working-day calendar"):
        WorkCalendar.from_dict(data)


def test_module_import_does_not_load_holidays(cal: WorkCalendar) -> None:
    data = json.dumps(cal.to_dict())
    code = (
        "import json, sys\n"
        "from complaintctl.time import calendar, deadlines\n"
        f"cal = calendar.WorkCalendar.from_dict(json.loads({data!r}))\n"
        "assert cal.is_working_day(__import__('datetime').date(2026, 2, 28))\n"
        "assert 'holidays' not in sys.modules, 'holidays was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# -- properties --------------------------------------------------------------------------------

# late enough dates plus 2 x 150 working days must stay inside the covered years
covered = st.dates(min_value=date(2000, 1, 1), max_value=date(2038, 12, 31))
steps = st.integers(min_value=1, max_value=150)


@FAST
@given(day=covered, n=steps, m=steps)
def test_add_is_additive(cal27: WorkCalendar, day: date, n: int, m: int) -> None:
    assert cal27.add_working_days(cal27.add_working_days(day, n), m) == cal27.add_working_days(
        day, n + m
    )


@FAST
@given(day=covered, n=steps)
def test_add_then_count(cal27: WorkCalendar, day: date, n: int) -> None:
    later = cal27.add_working_days(day, n)
    assert later > day
    assert cal27.is_working_day(later)
    assert cal27.working_days_between(day, later) == n
    assert cal27.working_days_between(later, day) == -n
    # Every day strictly between day and the result that is worked was counted.
    if cal27.is_working_day(day):
        assert cal27.add_working_days(later, -n) == day


@FAST
@given(day=covered)
def test_first_working_day_after_is_the_next_worked_day(cal: WorkCalendar, day: date) -> None:
    nxt = cal.add_working_days(day, 1)
    probe = day + timedelta(1)
    while probe < nxt:
        assert not cal.is_working_day(probe)
        probe += timedelta(1)


@FAST
@given(day=covered, n=st.integers(min_value=0, max_value=60))
def test_from_dict_behaves_the_same(cal27: WorkCalendar, day: date, n: int) -> None:
    again = WorkCalendar.from_dict(cal27.to_dict())
    assert again.is_working_day(day) == cal27.is_working_day(day)
    assert again.is_makeup_workday(day) == cal27.is_makeup_workday(day)
    assert again.holiday_name(day) == cal27.holiday_name(day)
    assert again.add_working_days(day, n) == cal27.add_working_days(day, n)
    assert again.year_status(day.year) == cal27.year_status(day.year)


def test_the_documented_example_notice_parses() -> None:
    text = (ROOT / "docs" / "calendar.md").read_text(encoding="utf-8")
    blocks = [part.split("```", 1)[0] for part in text.split("```toml\n")[1:]]
    (block,) = [b for b in blocks if "year = 2027" in b]
    documented = parse_notice(block)
    assert documented == parse_notice(NOTICE_2027)
    assert documented.reference.endswith("（示例）")
