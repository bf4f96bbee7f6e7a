"""The warning window measures the milestone's current span (issue 13, item 4): after 复议
the resolve warning starts from the reopening, an extension keeps the span's start, and the
recurring update clock runs from the last progress report."""

from __future__ import annotations

import json

import pytest
from ledgertools import sql

pytestmark = pytest.mark.backends


def _state(run, cid: int, as_of: str, name: str) -> str:
    shown = run.json("show", str(cid), "--as-of", as_of)
    return next(m["state"] for m in shown["milestones"] if m["name"] == name)


def _digest_ids(run, as_of: str) -> list[int]:
    result = run("digest", "--json", "--as-of", as_of)
    assert result.exit_code == 0, result.stderr
    if not result.stdout.strip():
        return []
    data = json.loads(result.stdout)
    return sorted({int(item["id"]) for item in _items(data)})


def _items(data: object) -> list[dict]:
    """Every object with an ``id`` inside the digest's JSON, however it is grouped."""
    found: list[dict] = []
    if isinstance(data, dict):
        if "id" in data and isinstance(data["id"], int):
            found.append(data)
        for value in data.values():
            found += _items(value)
    elif isinstance(data, list):
        for value in data:
            found += _items(value)
    return found


def _reopened(run, register) -> int:
    cid = register(severity="minor", at="2026-03-02 10:00")
    run.ok("close", str(cid), "--resolution", "已修复", "--at", "2026-03-03 10:00")
    run.ok("reopen", str(cid), "--reason", "业主不满意", "--at", "2026-03-09 10:00")
    return cid


def test_resolve_warning_after_reopening_starts_from_the_reopening(run, register):
    cid = _reopened(run, register)
    shown = run.json("show", str(cid))
    resolve = next(m for m in shown["milestones"] if m["name"] == "resolve")
    assert resolve["due_at"] == "2026-03-13T00:00:00+08:00"
    # the fresh span is 03-09 10:00 .. 03-13 00:00, 86 h: its last 25 % begins 03-12 02:30
    assert _state(run, cid, "2026-03-10 12:00", "resolve") == "pending"
    assert _state(run, cid, "2026-03-12 02:29", "resolve") == "pending"
    assert _state(run, cid, "2026-03-12 02:30", "resolve") == "due_soon"
    assert _state(run, cid, "2026-03-13 00:01", "resolve") == "breached"
    # the digest (SQL) agrees with show
    assert cid not in _digest_ids(run, "2026-03-10 12:00")
    assert cid not in _digest_ids(run, "2026-03-12 02:29")
    assert cid in _digest_ids(run, "2026-03-12 02:30")


def test_an_extension_keeps_the_start_of_the_span(run, register):
    cid = _reopened(run, register)
    run.ok(
        "update", str(cid), "--extend", "1wd", "--reason", "等配件", "--approved-by", "经理",
        "--at", "2026-03-10 09:00",
    )  # fmt: skip
    shown = run.json("show", str(cid))
    resolve = next(m for m in shown["milestones"] if m["name"] == "resolve")
    assert resolve["due_at"] == "2026-03-14T00:00:00+08:00"
    # 03-09 10:00 .. 03-14 00:00 is 110 h: the last 27 h 30 min begin 03-12 20:30
    assert _state(run, cid, "2026-03-12 20:29", "resolve") == "pending"
    assert _state(run, cid, "2026-03-12 20:30", "resolve") == "due_soon"
    assert cid not in _digest_ids(run, "2026-03-12 20:29")
    assert cid in _digest_ids(run, "2026-03-12 20:30")


def test_without_reopening_the_span_starts_at_receipt(run, register):
    cid = register(severity="minor", at="2026-03-02 10:00")
    # 03-02 10:00 .. 03-06 00:00 is 86 h as well: warning from 03-05 02:30
    assert _state(run, cid, "2026-03-05 02:29", "resolve") == "pending"
    assert _state(run, cid, "2026-03-05 02:30", "resolve") == "due_soon"


def test_update_warning_runs_from_the_last_progress_report(run, register):
    cid = register(severity="moderate", at="2026-03-02 08:00")
    run.ok("update", str(cid), "--note", "已到场", "--at", "2026-03-02 14:00")
    # update every 12 h: due 03-03 02:00, warning from 23:00 (the last 3 h)
    assert _state(run, cid, "2026-03-02 22:59", "update") == "pending"
    assert _state(run, cid, "2026-03-02 23:00", "update") == "due_soon"


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_verify_names_an_edited_reopening(run, register, db):
    cid = _reopened(run, register)
    assert run.ok("verify").startswith("ok: ")
    sql(db, "UPDATE complaints SET reopened_at = reopened_at - 86400 WHERE id = ?", cid)
    result = run("verify")
    assert result.exit_code == 1
    assert result.stdout == (
        f"#{cid} reopened_at: log says 2026-03-09 10:00, table says 2026-03-08 10:00\n"
    )
