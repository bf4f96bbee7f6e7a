"""verify covers the working-day calendar cached in the ledger (issue 22, finding 4): a cache
edited with sqlite3 is rebuilt from the package and the notices and found out, naming it."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from complaintctl.store.ledger import holidays_version
from complaintctl.time.calendar import WorkCalendar


def _cache(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT key, data FROM calendar_cache ORDER BY key").fetchall()
    finally:
        conn.close()


def _edit(db: Path, sql: str, *params: object) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute(sql, params)
    finally:
        conn.close()


def _december_off(data: str) -> str:
    """The cached calendar with every day of December 2026 made a rest day."""
    d = json.loads(data)
    cal = WorkCalendar.from_dict(d)
    flags = [cal.is_working_day(date.fromordinal(o)) for o in _ordinals(cal)]
    base = date(cal.first_year, 1, 1).toordinal()
    for o in range(date(2026, 12, 1).toordinal(), date(2026, 12, 31).toordinal() + 1):
        flags[o - base] = False
    names = {date.fromisoformat(k): v for k, v in d["holidays"].items()}
    edited = WorkCalendar(
        cal.first_year,
        cal.last_year,
        flags,
        names,
        last_official_year=cal.last_official_year,
        local_years=cal.local_years,
        references=cal.references,
        source=cal.source,
    )
    return json.dumps(edited.to_dict())


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
        f"#{cid} (registered): resolve 2027-01-06 24:00 -> 2026-12-03 24:00; "
        "1 provisional flag(s) to clear\n"
        "1 complaint(s) differ from the calendar in force; 'complaintctl calendar recompute' "
        "rewrites them\n"
    )
    result = run("calendar", "check", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["complaints"] == [
        {
            "id": cid,
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
    _edit(db, "UPDATE calendar_cache SET key = ?", "garbage")
    assert _verify_lines(run) == [
        "calendar cache 'garbage' key: is not a cache key (holidays version|notice ids)"
    ]


def test_a_cache_for_another_package_version_is_dropped_when_rebuilt(run, register, db: Path):
    register(severity="minor", at="2026-11-02 09:00")
    ((key, data),) = _cache(db)
    _edit(db, "UPDATE calendar_cache SET key = ?", "0.1|")  # as after an upgrade
    assert run.ok("verify").startswith("ok: ")  # not this package's: never read, not checked
    register(severity="minor", at="2026-11-02 10:00")  # rebuilds for the installed version
    assert _cache(db) == [(key, data)]
