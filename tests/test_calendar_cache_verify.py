"""verify covers the working-day calendar cached in the ledger (issue 22, finding 4): a cache
edited behind the tool (sqlite3, psql) is rebuilt from the package and the notices and found out, naming it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from ledgertools import sql

from complaintctl.store.ledger import holidays_version
from complaintctl.time.calendar import WorkCalendar

pytestmark = pytest.mark.backends


def _cache(db: Path | str) -> list[tuple[object, ...]]:
    return sql(db, "SELECT key, data FROM calendar_cache ORDER BY key")


def _edit(db: Path | str, statement: str, *params: object) -> None:
    sql(db, statement, *params)


def _edited(data: str, first: date, last: date, last_official_year: int | None = None) -> str:
    """The cached calendar with the days ``first..last`` made rest days."""
    d = json.loads(data)
    cal = WorkCalendar.from_dict(d)
    flags = [cal.is_working_day(date.fromordinal(o)) for o in _ordinals(cal)]
    base = date(cal.first_year, 1, 1).toordinal()
    for o in range(first.toordinal(), last.toordinal() + 1):
        flags[o - base] = False
    names = {date.fromisoformat(k): v for k, v in d["holidays"].items()}
    edited = WorkCalendar(
        cal.first_year,
        cal.last_year,
        flags,
        names,
        last_official_year=last_official_year or cal.last_official_year,
        local_years=cal.local_years,
        references=cal.references,
        source=cal.source,
    )
    return json.dumps(edited.to_dict())


def _december_off(data: str) -> str:
    return _edited(data, date(2026, 12, 1), date(2026, 12, 31))


def _ordinals(cal: WorkCalendar) -> range:
    return range(
        date(cal.first_year, 1, 1).toordinal(), date(cal.last_year, 12, 31).toordinal() + 1
    )


def _resolve(run, cid: int) -> str:
    shown = run.json("show", str(cid))
    return next(m["due_at"] for m in shown["milestones"] if m["name"] == "resolve")


def _verify_lines(run) -> list[str]:
    result = run("verify")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    return result.stdout.splitlines()


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_an_edited_cache_is_found_and_recompute_repairs_it(run, register, db: Path):
    register(severity="minor", at="2026-11-02 09:00")
    ((key, data),) = _cache(db)
    assert key == f"{holidays_version()}|"
    assert run.ok("verify").startswith("ok: ")
    _edit(db, "UPDATE calendar_cache SET data = ?", _december_off(data))
    # the forged cache moves a new complaint's deadline a month, into a provisional 2027
    cid = register(severity="minor", at="2026-11-30 10:00")
    assert _resolve(run, cid) == "2027-01-07T00:00:00+08:00"
    assert _verify_lines(run) == [
        f"calendar cache '{key}' data: does not match the calendar rebuilt from holidays "
        f"{holidays_version()} and the notices: working days differ on "
        "2026-12-01..2026-12-31 (edited behind the tool)"
    ]
    # once the cache is rebuilt (here: removed), calendar check finds the deadline it forged
    _edit(db, "DELETE FROM calendar_cache")
    result = run("calendar", "check")
    assert result.exit_code == 1
    assert result.stdout == (
        f"#{cid} (registered): resolve 2027-01-06 24:00 -> 2026-12-03 24:00, "
        "1 provisional flag(s) to clear\n"
        "1 complaint(s) differ from the calendar in force; 'complaintctl calendar recompute' "
        "rewrites them\n"
    )
    result = run("calendar", "check", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["complaints"] == [
        {
            "id": cid,
            "site": "MAIN",
            "status": "registered",
            "due": {"resolve": "2026-12-04T00:00:00+08:00"},
            "previous_due": {"resolve": "2027-01-07T00:00:00+08:00"},
            "provisional_cleared": 1,
        }
    ]
    assert run.ok("calendar", "recompute") == (
        "complaints recomputed: 1 open, 0 closed\ndeadlines moved: 1; provisional flags cleared: 1\n"
    )
    assert _resolve(run, cid) == "2026-12-04T00:00:00+08:00"
    assert run.ok("verify").startswith("ok: ")
    assert run.ok("calendar", "check") == "ok: every deadline agrees with the calendar in force\n"


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_cache_key_naming_a_missing_notice_or_unreadable_data(run, register, db: Path):
    register(severity="minor", at="2026-11-02 09:00")
    ((key, data),) = _cache(db)
    _edit(db, "UPDATE calendar_cache SET key = ?", key + "7")
    assert _verify_lines(run) == [
        f"calendar cache '{key}7' key: names notice(s) 7, not in the ledger"
    ]
    _edit(db, "UPDATE calendar_cache SET key = ?, data = ?", key, '{"format": 1}')
    (line,) = _verify_lines(run)
    assert line.startswith(f"calendar cache '{key}' data: unreadable (")
    _edit(db, "UPDATE calendar_cache SET key = ?", key + "x")
    assert _verify_lines(run) == [
        f"calendar cache '{key}x' key: is not a cache key (holidays version|notice ids)"
    ]
    # the calendar is rebuilt (never trusted) by calendar recompute
    _edit(db, "UPDATE calendar_cache SET key = ?", key)
    assert run("calendar", "due", "2026-11-02 09:00", "1wd").stderr == (
        "complaintctl: the cached working-day calendar is unreadable ('first_year'); "
        "rebuild it with 'complaintctl calendar recompute'\n"
    )
    run.ok("calendar", "recompute")
    assert run.ok("calendar", "due", "2026-11-02 09:00", "1wd") == "2026-11-03 24:00\n"
    assert run.ok("verify").startswith("ok: ")


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_package_upgrade_recomputes_once(run, register, db: Path):
    kept = register(severity="minor", at="2026-11-02 09:00")
    ((key, data),) = _cache(db)
    # what an older package gave: 2026 not yet official, Wednesday 11-04 off
    _edit(db, "UPDATE calendar_cache SET data = ?", _edited(data, *[date(2026, 11, 4)] * 2, 2025))
    cid = register(severity="minor", at="2026-11-02 09:00")
    done = register(severity="minor", at="2026-11-02 09:00")
    run.ok("close", str(done), "--resolution", "已修复", "--at", "2026-11-03 09:00")
    assert _resolve(run, cid) == "2026-11-07T00:00:00+08:00"
    assert run.json("show", str(cid))["milestones"][1]["provisional"] is True
    _edit(db, "UPDATE calendar_cache SET key = ?", "0.1|")  # the package is upgraded
    # verify looks at the ledger as it is: another version's cache is not checked
    assert run("verify").stderr == ""
    assert _cache(db)[0][0] == "0.1|"
    result = run("show", str(cid), "--json")
    assert result.exit_code == 0
    assert result.stderr == (
        f"complaintctl: holidays package 0.1 -> {holidays_version()}; complaints recomputed: "
        "1 open, 1 closed; deadlines moved: 2; provisional flags cleared: 2\n"
    )
    shown = json.loads(result.stdout)
    resolve = shown["milestones"][1]
    assert (resolve["due_at"], resolve["provisional"]) == ("2026-11-06T00:00:00+08:00", False)
    assert shown["events"][-1]["data"]["reason"] == (
        f"holidays package 0.1 -> {holidays_version()}"
    )
    assert _resolve(run, done) == "2026-11-06T00:00:00+08:00"
    assert _resolve(run, kept) == "2026-11-06T00:00:00+08:00"
    assert run.json("show", str(kept))["events"][-1]["kind"] == "registered"
    again = run("show", str(cid))
    assert again.stderr == ""  # once
    assert _cache(db) == [(key, data)]
    assert run.ok("verify").startswith("ok: ")
    assert run.ok("calendar", "check") == "ok: every deadline agrees with the calendar in force\n"
