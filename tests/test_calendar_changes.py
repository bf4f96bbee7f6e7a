"""Every calendar change recomputes what it changes (issue 13): a second notice for a year,
a notice correcting an official year, notices as published (December of the year before),
closed complaints whose deadlines were provisional, and the messages that say so."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marks import needs_provisional_2027

from complaintctl.time.calendar import WorkCalendar, build_calendar, in_reach, parse_notice

# The 2019 notice as the State Council published it (国办发明电〔2018〕15号), with the Labour
# Day change of 国办发明电〔2019〕4号: its 元旦 starts on 2018-12-30 and Saturday 2018-12-29
# is worked.
NOTICE_2019 = """\
year = 2019
reference = "国办发明电〔2018〕15号"
workdays = [
    "2018-12-29",                # 元旦：2018年12月29日（星期六）上班
    "2019-02-02", "2019-02-03",  # 春节：2月2日（星期六）、2月3日（星期日）上班
    "2019-04-28", "2019-05-05",  # 劳动节：4月28日（星期日）、5月5日（星期日）上班
    "2019-09-29", "2019-10-12",  # 国庆节：9月29日（星期日）、10月12日（星期六）上班
]

[[holidays]]
name = "元旦"
dates = ["2018-12-30..2019-01-01"]   # 2018年12月30日至2019年1月1日放假调休，共3天

[[holidays]]
name = "春节"
dates = ["2019-02-04..2019-02-10"]   # 2月4日至10日放假调休，共7天

[[holidays]]
name = "清明节"
dates = ["2019-04-05..2019-04-07"]   # 4月5日放假，与周末连休

[[holidays]]
name = "劳动节"
dates = ["2019-05-01..2019-05-04"]   # 5月1日至4日放假调休，共4天

[[holidays]]
name = "端午节"
dates = ["2019-06-07..2019-06-09"]   # 6月7日放假，与周末连休

[[holidays]]
name = "中秋节"
dates = ["2019-09-13..2019-09-15"]   # 9月13日放假，与周末连休

[[holidays]]
name = "国庆节"
dates = ["2019-10-01..2019-10-07"]   # 10月1日至7日放假调休，共7天
"""

FIRST_2027 = """\
year = 2027
reference = "A（示例）"
workdays = ["2027-01-09"]
[[holidays]]
name = "元旦"
dates = ["2027-01-01..2027-01-03"]
"""

# A corrected 2027 notice: no make-up Saturday, and 元旦 from Thursday 2026-12-31 to Monday.
SECOND_2027 = """\
year = 2027
reference = "B（更正，示例）"
[[holidays]]
name = "元旦"
dates = ["2026-12-31..2027-01-04"]
"""


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _resolve(run, cid: int) -> tuple[str, bool]:
    shown = run.json("show", str(cid))
    m = next(m for m in shown["milestones"] if m["name"] == "resolve")
    return m["due_at"], m["provisional"]


def _extended(run, register, **options: str) -> int:
    """A minor complaint of 2026-11-20 whose resolve deadline was extended into 2027."""
    cid = register(severity="minor", at="2026-11-20 09:00", **options)
    run.ok("update", str(cid), "--contacted", "--at", "2026-11-20 09:30")
    run.ok(
        "update", str(cid), "--extend", "35wd", "--reason", "整改", "--approved-by", "经理",
        "--at", "2026-11-20 10:00",
    )  # fmt: skip
    return cid


@pytest.mark.backends
@pytest.mark.usefixtures("english")  # the English wording of messages
@needs_provisional_2027
def test_a_second_notice_for_a_year_recomputes(run, register, tmp_path: Path):
    cid = _extended(run, register)
    assert _resolve(run, cid) == ("2027-01-15T00:00:00+08:00", True)
    run.ok("calendar", "load", _write(tmp_path, "a.toml", FIRST_2027))
    assert _resolve(run, cid) == ("2027-01-14T00:00:00+08:00", False)
    out = run.ok("calendar", "load", _write(tmp_path, "b.toml", SECOND_2027))
    assert out == (
        "2027 holiday notice loaded (B（更正，示例）)\n"
        "complaints recomputed: 1 open, 0 closed\n"
        "deadlines moved: 1; provisional flags cleared: 0\n"
    )
    # 01-09 is no longer worked, 2026-12-31 and 2027-01-04 are off: three working days later
    assert _resolve(run, cid) == ("2027-01-19T00:00:00+08:00", False)
    assert run.ok("calendar", "due", "2026-11-20 10:00", "38wd") == "2027-01-18 24:00\n"
    event = run.json("show", str(cid))["events"][-1]
    assert event["kind"] == "recalculated"
    assert event["data"] == {
        "reason": "holiday notice 2027 loaded (B（更正，示例）)",
        "previous_due": {"resolve": "2027-01-14T00:00:00+08:00"},
        "due": {"resolve": "2027-01-19T00:00:00+08:00"},
        "previous_provisional": 0,
        "provisional": 0,
    }
    assert run.ok("calendar", "check") == "ok: every deadline agrees with the calendar in force\n"
    assert run.ok("verify").startswith("ok: ")


@pytest.mark.backends
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_notice_correcting_an_official_year_recomputes(run, register, tmp_path: Path):
    cid = register(severity="minor", at="2026-11-02 09:00")
    done = register(severity="minor", at="2026-11-02 09:00")
    run.ok("close", str(done), "--resolution", "已修复", "--at", "2026-11-03 09:00")
    assert _resolve(run, cid) == ("2026-11-06T00:00:00+08:00", False)
    # a (made-up) correction of 2026 that gives Wednesday 11-04 off
    notice = 'year = 2026\nreference = "更正（示例）"\n[[holidays]]\nname = "补休"\n'
    out = run.ok(
        "calendar", "load", _write(tmp_path, "c.toml", notice + 'dates = ["2026-11-04"]\n')
    )
    assert out.splitlines()[1:] == [
        "complaints recomputed: 1 open, 0 closed",
        "deadlines moved: 1; provisional flags cleared: 0",
    ]
    assert _resolve(run, cid) == ("2026-11-07T00:00:00+08:00", False)
    # the closed complaint's deadline was final: it keeps the one it was judged by
    assert _resolve(run, done) == ("2026-11-06T00:00:00+08:00", False)
    assert run.json("show", str(done))["events"][-1]["kind"] == "resolved"


@pytest.mark.backends
@pytest.mark.usefixtures("english")  # the English wording of messages
@needs_provisional_2027
def test_closed_complaints_with_provisional_deadlines_are_confirmed(run, register, tmp_path: Path):
    cid = _extended(run, register)
    run.ok("close", str(cid), "--resolution", "已修复", "--satisfied", "--at", "2026-11-21 10:00")
    assert _resolve(run, cid) == ("2027-01-15T00:00:00+08:00", True)
    out = run.ok("calendar", "load", _write(tmp_path, "a.toml", FIRST_2027))
    assert out.splitlines()[1:] == [
        "complaints recomputed: 0 open, 1 closed",
        "deadlines moved: 1; provisional flags cleared: 1",
    ]
    assert _resolve(run, cid) == ("2027-01-14T00:00:00+08:00", False)
    # once final, a later correction leaves the closed complaint alone
    out = run.ok("calendar", "load", _write(tmp_path, "b.toml", SECOND_2027))
    assert out.splitlines()[1:] == [
        "complaints recomputed: 0 open, 0 closed",
        "deadlines moved: 0; provisional flags cleared: 0",
    ]
    assert _resolve(run, cid) == ("2027-01-14T00:00:00+08:00", False)


@pytest.mark.backends
@pytest.mark.usefixtures("english")  # the English wording of messages
@needs_provisional_2027
def test_flags_cleared_without_a_move_are_counted(run, register, tmp_path: Path):
    cid = _extended(run, register)
    # a 2027 notice that leaves January as the package guessed it
    notice = 'year = 2027\nreference = "C（示例）"\n[[holidays]]\nname = "元旦"\n'
    out = run.ok(
        "calendar", "load", _write(tmp_path, "c.toml", notice + 'dates = ["2027-01-01"]\n')
    )
    assert out.splitlines()[1:] == [
        "complaints recomputed: 1 open, 0 closed",
        "deadlines moved: 0; provisional flags cleared: 1",
    ]
    assert _resolve(run, cid) == ("2027-01-15T00:00:00+08:00", False)


def test_the_2019_notice_as_published_matches_the_official_calendar():
    notice = parse_notice(NOTICE_2019)
    loaded = build_calendar(2018, 2020, [notice])
    official = build_calendar(2018, 2020)
    day, days = date(2018, 12, 1), 0
    while day <= date(2019, 12, 31):
        assert loaded.is_working_day(day) == official.is_working_day(day), day
        day, days = day + timedelta(days=1), days + 1
    assert days == 396
    assert loaded.changed_span(official) is None
    assert loaded.is_makeup_workday(date(2018, 12, 29))
    assert loaded.holiday_name(date(2018, 12, 30)) == "元旦"
    assert loaded.year_status(2019) == "local"
    assert loaded.year_status(2018) == "official"


def test_docs_show_the_2019_notice_as_published():
    text = (Path(__file__).resolve().parent.parent / "docs" / "calendar.md").read_text("utf-8")
    blocks = [part.split("```", 1)[0] for part in text.split("```toml\n")[1:]]
    (block,) = [b for b in blocks if "year = 2019" in b]
    assert parse_notice(block) == parse_notice(NOTICE_2019)


@pytest.mark.backends
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_the_2019_notice_through_the_cli(run, tmp_path: Path):
    out = run.ok("calendar", "load", _write(tmp_path, "2019.toml", NOTICE_2019))
    assert out.splitlines()[0] == "2019 holiday notice loaded (国办发明电〔2018〕15号)"
    grid = run.ok("calendar", "show", "2018-12").splitlines()
    assert grid[0] == "2018-12 (official)"
    assert "2018-12-29 make-up working day (调休上班)" in grid
    assert "2018-12-30 元旦" in grid
    assert "2018-12-31 元旦" in grid
    # Friday 2018-12-28 + 1wd: Saturday 12-29 is worked
    assert run.ok("calendar", "due", "2018-12-28 10:00", "1wd") == "2018-12-29 24:00\n"
    assert run.ok("calendar", "due", "2018-12-29 10:00", "1wd") == "2019-01-02 24:00\n"
    status = run.json("calendar", "status")
    assert {"year": 2019, "status": "local", "reference": "国办发明电〔2018〕15号"} in status[
        "years"
    ]
    assert status["official_years"] == [2000, status["last_official_year"]]
    lines = run.ok("calendar", "status").splitlines()
    assert lines[1].split() == ["2019", "local", "国办发明电〔2018〕15号"]  # before today - 2
    last = status["last_official_year"]
    assert f"official ({status['source']}): 2000..{last}" in lines
    assert f"provisional unless a notice is loaded: {last + 1}..2040" in lines
    assert all(len(line) <= 80 for line in lines)


@pytest.mark.backends
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_notice_reaches_one_month_either_side(run, tmp_path: Path):
    too_early = NOTICE_2019.replace('"2018-12-29",', '"2018-11-24",')
    result = run("calendar", "load", _write(tmp_path, "x.toml", too_early))
    assert result.exit_code == 2
    assert result.stderr == (
        "complaintctl: notice workdays: 2018-11-24 is outside the reach of a 2019 notice "
        "(2018-12-01..2020-01-31)\n"
    )
    assert run.json("calendar", "status")["years"] == [
        y for y in run.json("calendar", "status")["years"] if y["reference"] is None
    ]


def test_the_later_notice_decides_a_day_two_notices_name():
    notice_2026 = parse_notice(
        'year = 2026\nreference = "甲"\n[[holidays]]\nname = "元旦"\n'
        'dates = ["2026-01-01", "2027-01-04"]\n'
    )
    notice_2027 = parse_notice(
        'year = 2027\nreference = "乙"\nworkdays = ["2026-12-27"]\n[[holidays]]\n'
        'name = "元旦"\ndates = ["2026-12-31..2027-01-01"]\n'
    )
    both = build_calendar(2026, 2027, [notice_2026, notice_2027])
    # December 2026: the 2027 notice, published after the 2026 one, decides its days
    assert not both.is_working_day(date(2026, 12, 31))
    assert both.is_makeup_workday(date(2026, 12, 27))
    assert both.is_working_day(date(2026, 12, 30))  # not named: the 2026 notice's weekday
    # January 2027: the 2027 notice is the later one, so the 2026 notice's 01-04 does not count
    assert both.is_working_day(date(2027, 1, 4))
    alone = build_calendar(2026, 2027, [notice_2026])
    assert not alone.is_working_day(date(2027, 1, 4))  # without a 2027 notice it does
    assert alone.year_status(2027) == "provisional"


@pytest.mark.backends
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_notice_that_changes_no_day_revisits_nothing(run, register, tmp_path: Path):
    cid = register(severity="minor", at="2018-12-28 10:00")
    assert _resolve(run, cid) == ("2019-01-04T00:00:00+08:00", False)  # 12-29 is worked
    out = run.ok("calendar", "load", _write(tmp_path, "2019.toml", NOTICE_2019))
    assert out.splitlines()[1:] == [
        "complaints recomputed: 0 open, 0 closed",
        "deadlines moved: 0; provisional flags cleared: 0",
    ]
    assert run.json("show", str(cid))["events"][-1]["kind"] == "registered"


_BASE = build_calendar(2025, 2028)
_DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31))


def _flipped(cal: WorkCalendar, days: set[date], last_official_year: int) -> WorkCalendar:
    first = date(cal.first_year, 1, 1).toordinal()
    flags = [
        cal.is_working_day(date.fromordinal(o)) != (date.fromordinal(o) in days)
        for o in range(first, date(cal.last_year, 12, 31).toordinal() + 1)
    ]
    return WorkCalendar(cal.first_year, cal.last_year, flags, last_official_year=last_official_year)


@settings(max_examples=60, deadline=None)
@given(days=st.sets(_DAYS, max_size=6), official=st.integers(2024, 2028))
def test_changed_span_is_the_first_and_last_day_that_differs(days: set[date], official: int):
    other = _flipped(_BASE, days, official)
    changed = set(days)
    for year in range(2025, 2029):
        if _BASE.is_provisional_year(year) != other.is_provisional_year(year):
            changed |= {date(year, 1, 1), date(year, 12, 31)}
    span = _BASE.changed_span(other)
    assert span == ((min(changed), max(changed)) if changed else None)
    assert other.changed_span(_BASE) == span


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)))
def test_a_notice_reaches_december_before_and_january_after(day: date):
    assert in_reach(day, 2019) == (date(2018, 12, 1) <= day <= date(2020, 1, 31))


@pytest.mark.backends
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_linked_duplicate_is_not_drift(run, register):
    """A duplicate took over its main's deadlines (并单): `calendar check` does not report it
    as differing from the calendar, and `calendar recompute` leaves it alone."""
    register(severity="中度", at="2026-03-02 09:00")
    register(severity="中度", at="2026-03-03 09:00", unit="3-1-602")
    run.ok("link", "1", "2", "--at", "2026-03-03 09:10")
    assert run.ok("calendar", "check") == "ok: every deadline agrees with the calendar in force\n"
