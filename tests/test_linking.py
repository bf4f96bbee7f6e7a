"""Linking duplicates (重复投诉并单, issue 5): the duplicate follows its main."""

from __future__ import annotations

import pytest
from ledgertools import snapshot

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL


def due(shown: dict) -> dict[str, tuple[str, str | None]]:
    return {m["name"]: (m["due_at"], m["done_at"]) for m in shown["milestones"]}


@pytest.fixture
def pair(run, register):
    """#1 (main) and #2 (its duplicate, linked at 09:20), both major; #1 assigned and
    contacted before the link."""
    register(severity="major", at="2026-03-02 09:00")
    register(severity="major", at="2026-03-02 09:01", unit="3-1-602", name="李四")
    run.ok("assign", "1", "--department", "工程部", "--handler", "李工", "--at", "2026-03-02 09:10")
    run.ok("update", "1", "--contacted", "--at", "2026-03-02 09:12")
    assert run.ok("link", "1", "2", "--at", "2026-03-02 09:20") == "#2 已作为重复投诉并入 #1\n"


def test_link_takes_over_the_main_deadlines(run, pair):
    main, dup = run.json("show", "1"), run.json("show", "2")
    assert dup["duplicate_of"] == 1
    assert due(dup) == due(main)
    assert due(dup)["respond"] == ("2026-03-02T09:15:00+08:00", "2026-03-02T09:12:00+08:00")
    event = dup["events"][-1]
    assert (event["kind"], event["at"], event["data"]["main"]) == (
        "linked",
        "2026-03-02T09:20:00+08:00",
        1,
    )
    assert event["data"]["previous_due"]["respond"] is not None
    # the duplicate has no clock of its own: the digest and `list --open` watch the main
    out = run.json("digest", "--as-of", "2026-03-03 10:00")  # the update clock ran out
    assert [(e["id"], e["milestone"]) for e in out["breached"]] == [(1, "update")]
    rows = run.json("list", "--open")
    assert [r["id"] for r in rows] == [1, 2]  # next deadline first, the duplicate last


def test_handling_the_main_handles_the_duplicates(run, register, pair):
    register(severity="minor", at="2026-03-02 09:30", unit="3-1-702")
    run.ok("link", "1", "3", "--at", "2026-03-02 09:40")
    extend = ("--extend", "2wd", "--reason", "等配件", "--approved-by", "张经理")
    run.ok("update", "1", *extend, "--at", "2026-03-02 10:00")
    main = run.json("show", "1")
    for cid in ("2", "3"):
        shown = run.json("show", cid)
        assert due(shown)["resolve"] == due(main)["resolve"] == ("2026-03-19T00:00:00+08:00", None)
        assert shown["extension_count"] == 1
    run.ok("close", "1", "--resolution", "已更换电机", "--at", "2026-03-03 10:00")
    run.ok("followup", "1", "--unsatisfied", "--at", "2026-03-04 09:00")
    for cid in ("2", "3"):
        shown = run.json("show", cid)
        assert (shown["status"], shown["resolution"], shown["satisfaction"]) == (
            "closed",
            "已更换电机",
            "unsatisfied",
        )
    run.ok("reopen", "1", "--reason", "仍有异响", "--at", "2026-03-05 09:00")
    main = run.json("show", "1")
    for cid in ("2", "3"):
        shown = run.json("show", cid)
        assert (shown["status"], shown["reopen_count"]) == ("in_progress", 1)
        assert due(shown)["resolve"] == due(main)["resolve"]
    run.ok("close", "1", "--resolution", "已彻底修复", "--satisfied", "--at", "2026-03-06 09:00")
    events = run.json("show", "3")["events"]
    assert [e["kind"] for e in events] == [
        "registered",
        "linked",
        "extended",
        "resolved",
        "followed_up",
        "reopened",
        "resolved",
        "followed_up",
    ]
    assert all(e["data"]["via"] == 1 for e in events[2:])
    assert all(e["by"] == "王芳" for e in events)
    assert events[3]["data"] == {"resolution": "已更换电机", "via": 1}
    assert run.json("show", "3")["status"] == "closed"


def test_a_duplicate_closed_on_its_own_is_left_alone(run, pair):
    run.ok("close", "2", "--resolution", "业主撤回", "--at", "2026-03-02 10:00")
    run.ok("close", "1", "--resolution", "已修复", "--at", "2026-03-02 11:00")
    shown = run.json("show", "2")
    assert shown["resolution"] == "业主撤回"
    assert [e["kind"] for e in shown["events"]] == ["registered", "linked", "resolved"]


def test_refusals_write_nothing(run, register, db, pair):
    register(at="2026-03-02 09:30")  # 3
    register(at="2026-03-02 09:40")  # 4, closed
    run.ok("close", "4", "--resolution", "已处理", "--satisfied", "--at", "2026-03-02 09:50")
    before = snapshot(db)
    cases = [
        (("1", "1"), 2, "OTHER: #1 cannot be a duplicate of itself"),
        (("2", "3"), 1, "cannot link to #2: it is itself a duplicate of #1; link #3 to #1"),
        (("3", "2"), 1, "#2 is already a duplicate of #1"),
        (("3", "1"), 1, "cannot link #1: it is the main of #2; link those first"),
        (("4", "3"), 1, "cannot link to #4: it is closed; a main complaint must still be open"),
        (("3", "4"), 1, "cannot link #4: it is closed; only open complaints"),
        (("1", "99"), 2, "ID: no complaint #99 in"),
    ]
    for args, code, message in cases:
        result = run("--lang", "en", "link", *args, "--at", "2026-03-02 10:00")
        assert result.exit_code == code, (args, result.stderr)
        assert result.stderr.startswith(f"complaintctl: {message}"), result.stderr
        assert len(result.stderr.splitlines()) == 1
    result = run("link", "1", "3", "--at", "2026-03-02 09:25")
    assert result.exit_code == 2
    assert result.stderr.startswith("complaintctl：--at：2026-03-02 09:25 早于 #3 的受理时间")
    assert snapshot(db) == before


def test_link_json_and_english(run, register, pair):
    register(at="2026-03-02 09:30")
    assert run.ok("--lang", "en", "link", "1", "3") == "#3 linked as a duplicate of #1\n"
    register(at="2026-03-02 09:31")
    shown = run.json("link", "1", "4")
    assert (shown["id"], shown["duplicate_of"], shown["phone"]) == (4, 1, "138****5678")
