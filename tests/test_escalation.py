"""The escalation rules of seed 004 (issue 5): each fires once and only once."""

from __future__ import annotations

import pytest
from ledgertools import snapshot

from complaintctl.domain.timeutil import parse_time, to_epoch
from complaintctl.workflow.escalation import clusters

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL


def epoch(text: str) -> int:
    return to_epoch(parse_time(text))


def fired(run, as_of: str) -> list[tuple[int, str, str | None, str | None]]:
    out = run.json("escalate", "--as-of", as_of)
    assert out["dry_run"] is False
    return [(e["id"], e["reason_code"], e["severity"], e["level"]) for e in out["escalations"]]


def escalated_events(run, cid: int) -> list[dict]:
    return [e for e in run.json("show", str(cid))["events"] if e["kind"] == "escalated"]


# -- rule 1 -----------------------------------------------------------------------------------
def test_unresolved_for_a_month_becomes_major_once(run, register, db):
    cid = register(severity="minor", at="2026-03-02 09:00")
    run.ok("assign", str(cid), "--department", "工程部", "--at", "2026-03-02 09:30")
    run.ok("update", str(cid), "--contacted", "--at", "2026-03-02 10:00")
    assert run.ok("escalate", "--as-of", "2026-04-02 08:59") == ""
    # major now, so its (recomputed) deadlines are long past: rule 4 follows in the same run
    assert fired(run, "2026-04-02 09:00") == [
        (cid, "unresolved_month", "major", None),
        (cid, "major_breach", None, "manager"),
    ]
    shown = run.json("show", str(cid))
    assert (shown["severity"], shown["escalation_level"]) == ("major", "manager")
    assert shown["escalations"] == ["unresolved_month", "major_breach"]
    due = {m["name"]: (m["due_at"], m["state"]) for m in shown["milestones"]}
    assert due["resolve"] == ("2026-03-17T00:00:00+08:00", "breached")  # 10wd from receipt
    assert due["respond"] == ("2026-03-02T09:15:00+08:00", "late")  # contacted at 10:00
    first = escalated_events(run, cid)[0]
    assert (first["by"], first["at"]) == ("system", "2026-04-02T09:00:00+08:00")
    assert first["data"]["reason"] == "受理满1个月仍未解决，升为重大投诉（种子004 §3.1.2(3)）"
    assert first["data"]["previous_due"]["resolve"] == "2026-03-06T00:00:00+08:00"  # minor: 3wd
    assert first["data"]["due"]["resolve"] == "2026-03-17T00:00:00+08:00"
    # the update clock restarts from the last progress report, as on reclassification
    assert first["data"]["due"]["update"] == "2026-03-03T10:00:00+08:00"
    before = snapshot(db)
    assert run.ok("escalate", "--as-of", "2026-04-02 09:00") == ""
    assert run.ok("escalate", "--as-of", "2026-06-30 09:00") == ""
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("received", "not_yet", "due"),
    [
        ("2026-01-31 10:00", "2026-02-28 09:59", "2026-02-28 10:00"),  # calendar months
        ("2026-03-02 09:00", "2026-04-02 08:59", "2026-04-02 09:00"),
    ],
)
def test_month_is_a_calendar_month(run, register, received, not_yet, due):
    register(severity="major", at=received)
    assert "unresolved_month" not in [code for _, code, _, _ in fired(run, not_yet)]
    assert (1, "unresolved_month", None, None) in fired(run, due)  # already major: no raise


def test_resolved_complaints_are_not_unresolved(run, register):
    register(severity="minor", at="2026-03-02 09:00")
    run.ok("close", "1", "--resolution", "已处理", "--at", "2026-03-03 09:00")
    assert fired(run, "2026-05-01 09:00") == []


# -- rule 2 -----------------------------------------------------------------------------------
def test_collective_complaint_in_a_sliding_window(run, register, db):
    def lift(unit: str, at: str, location: str = "3号楼电梯") -> int:
        return register(severity="minor", category="设施设备", location=location, unit=unit, at=at)

    lift("3-1-101", "2026-03-02 09:00")  # 1
    lift("3-1-102", "2026-03-03 09:00")  # 2
    lift("3-1-101", "2026-03-04 09:00")  # 3: the same unit again does not count twice
    lift("3-1-103", "2026-03-05 09:00")  # 4, closed below: counted, not escalated
    run.ok("close", "4", "--resolution", "已修复", "--satisfied", "--at", "2026-03-05 10:00")
    lift("3-2-201", "2026-03-06 09:00", location="5号楼电梯")  # 5: elsewhere
    lift("3-1-104", "2026-03-09 09:00")  # 6: exactly 7 x 24 h after #1
    assert fired(run, "2026-03-09 09:10") == []  # four units only
    lift("3-1-105", "2026-03-09 09:30")  # 7: five units in 03-03 09:00 .. 03-10 09:00
    got = [f for f in fired(run, "2026-03-09 10:00") if f[1] == "collective"]
    assert got == [(i, "collective", "major", None) for i in (2, 3, 6, 7)]
    shown = run.json("show", "7")
    assert (shown["severity"], shown["collective_of"]) == ("major", 2)
    assert shown["escalations"] == ["collective", "major_breach"]
    reason = escalated_events(run, 7)[0]["data"]["reason"]
    assert reason == (
        "集体投诉：5户在7d内就同一事项（设施设备，3号楼电梯）投诉，归入集体投诉 #2"
        "（种子004 §3.1.2(5)）"
    )
    assert run.json("show", "1")["collective_of"] is None  # its own window held 4 units
    assert run.json("show", "4")["escalations"] == []
    before = snapshot(db)
    assert run.ok("escalate", "--as-of", "2026-03-09 10:00") == ""
    assert snapshot(db) == before
    lift("3-1-106", "2026-03-10 08:00")  # 8 joins the group
    got = [f for f in fired(run, "2026-03-10 09:00") if f[1] == "collective"]
    assert got == [(8, "collective", "major", None)]
    assert run.json("show", "8")["collective_of"] == 2


def test_clusters_merge_overlapping_windows():
    day = 86400
    items = [(0, "a"), (1 * day, "b"), (2 * day, "c"), (9 * day, "d"), (10 * day, "e")]
    ends = [t + 7 * day for t, _ in items]
    assert clusters(items, ends, 3) == [[0, 1, 2]]
    assert clusters(items, ends, 2) == [[0, 1, 2, 3, 4]]
    assert clusters(items, ends, 6) == []
    assert clusters([(0, "a"), (1, "a"), (2, "a")], [10, 11, 12], 2) == []


# -- rule 3 -----------------------------------------------------------------------------------
def test_reopened_twice_goes_to_senior_management(run, register, db):
    cid = str(register(severity="minor", at="2026-03-02 09:00"))
    run.ok("close", cid, "--resolution", "已处理", "--at", "2026-03-02 10:00")
    run.ok("reopen", cid, "--reason", "问题依旧", "--at", "2026-03-03 09:00")
    assert fired(run, "2026-03-03 09:10") == []
    run.ok("close", cid, "--resolution", "再次处理", "--at", "2026-03-03 12:00")
    run.ok("reopen", cid, "--reason", "还是不行", "--at", "2026-03-04 09:00")
    out = run.ok("escalate", "--as-of", "2026-03-04 09:10")
    assert out == (
        "#1 reconsideration: 升级至公司高层；复议2次，提交公司高层介入"
        "（种子004：初步处理→深入处理→高层介入）\n"
    )
    assert run.json("show", cid)["escalation_level"] == "senior"
    before = snapshot(db)
    assert run.ok("escalate", "--as-of", "2026-03-04 09:10") == ""
    assert snapshot(db) == before


def test_unsatisfied_after_reconsideration_goes_to_senior_management(run, register):
    first = str(register(severity="minor", at="2026-03-02 09:00"))
    run.ok("close", first, "--resolution", "已处理", "--unsatisfied", "--at", "2026-03-02 10:00")
    assert fired(run, "2026-03-02 10:10") == []  # unsatisfied, but never reconsidered
    run.ok("reopen", first, "--reason", "不满意", "--at", "2026-03-03 09:00")
    run.ok("close", first, "--resolution", "重新处理", "--at", "2026-03-03 12:00")
    run.ok("followup", first, "--unsatisfied", "--at", "2026-03-04 09:00")
    assert fired(run, "2026-03-04 09:10") == [(1, "reconsideration", None, "senior")]
    [event] = escalated_events(run, 1)
    assert event["data"]["reason"].startswith("复议后回访仍不满意，提交公司高层介入")
    assert fired(run, "2026-03-04 09:10") == []


# -- rule 4 -----------------------------------------------------------------------------------
def test_breach_of_a_major_complaint_goes_to_the_manager(run, register, db):
    register(severity="major", at="2026-03-02 09:00")
    register(severity="moderate", at="2026-03-02 09:00")  # breached too, but not major
    assert run.ok("escalate", "--as-of", "2026-03-02 09:15") == ""
    out = run.ok("escalate", "--as-of", "2026-03-02 09:16")
    assert out == (
        "#1 major_breach: 升级至物业服务中心经理；重大投诉首次联系超时（时限 2026-03-02 09:15），"
        "报物业服务中心经理（种子004）\n"
    )
    assert run.json("show", "1")["escalation_level"] == "manager"
    before = snapshot(db)
    assert run.ok("escalate", "--as-of", "2026-03-02 12:00") == ""  # assign breached as well
    assert snapshot(db) == before


def test_level_is_never_lowered(run, register):
    cid = str(register(severity="major", at="2026-03-02 09:00"))
    run.ok("update", cid, "--contacted", "--plan", "更换", "--at", "2026-03-02 09:05")
    run.ok("assign", cid, "--department", "工程部", "--at", "2026-03-02 09:10")
    run.ok("close", cid, "--resolution", "已处理", "--at", "2026-03-02 09:30")
    run.ok("reopen", cid, "--reason", "不满意", "--at", "2026-03-03 09:00")
    run.ok("close", cid, "--resolution", "已处理", "--at", "2026-03-03 09:30")
    run.ok("reopen", cid, "--reason", "不满意", "--at", "2026-03-04 09:00")
    assert fired(run, "2026-03-04 09:01") == [(1, "reconsideration", None, "senior")]
    out = run.json("escalate", "--as-of", "2026-03-05 09:01")  # update clock ran out at 09:00
    [entry] = out["escalations"]
    assert (entry["reason_code"], entry["level_before"], entry["level_after"]) == (
        "major_breach",
        "senior",
        "senior",
    )
    shown = run.json("show", cid)
    assert (shown["escalation_level"], shown["escalations"]) == (
        "senior",
        ["reconsideration", "major_breach"],
    )


# -- the command ------------------------------------------------------------------------------
def _every_rule(run, register) -> None:
    register(severity="minor", at="2026-01-05 09:00")  # 1: unresolved for a month
    for n, unit in enumerate(("A-1", "A-2", "A-3", "A-4", "A-5")):  # 2-6: collective
        register(category="环境卫生", location="地下车库", unit=unit, at=f"2026-03-0{n + 2} 09:00")
    register(severity="minor", at="2026-03-02 09:00")  # 7: reopened twice
    run.ok("close", "7", "--resolution", "x", "--at", "2026-03-02 10:00")
    run.ok("reopen", "7", "--reason", "y", "--at", "2026-03-03 09:00")
    run.ok("close", "7", "--resolution", "x", "--at", "2026-03-03 10:00")
    run.ok("reopen", "7", "--reason", "y", "--at", "2026-03-04 09:00")
    register(severity="major", at="2026-03-06 09:00")  # 8: breached


def test_dry_run_changes_nothing_and_shows_the_same(run, register, db):
    _every_rule(run, register)
    before = snapshot(db)
    dry = run.ok("escalate", "--as-of", "2026-03-06 10:00", "--dry-run")
    assert snapshot(db) == before
    lines = dry.splitlines()
    assert lines[0] == "演练（--dry-run），未写入："
    assert [line.split(":")[0] for line in lines[1:]] == [
        "#1 unresolved_month",
        "#2 collective",
        "#3 collective",
        "#4 collective",
        "#5 collective",
        "#6 collective",
        "#7 reconsideration",
        "#1 major_breach",
        "#2 major_breach",
        "#3 major_breach",
        "#4 major_breach",
        "#5 major_breach",
        "#6 major_breach",
        "#8 major_breach",
    ]
    dry_json = run.json("escalate", "--as-of", "2026-03-06 10:00", "--dry-run")
    assert dry_json["dry_run"] is True
    assert snapshot(db) == before
    real = run.ok("escalate", "--as-of", "2026-03-06 10:00")
    assert real.splitlines() == lines[1:]
    assert run.json("escalate", "--as-of", "2026-03-06 10:00")["escalations"] == []


def test_duplicates_follow_their_main(run, register):
    register(severity="major", at="2026-03-02 09:00")
    register(severity="major", at="2026-03-02 09:01", unit="3-1-602")
    run.ok("link", "1", "2", "--at", "2026-03-02 09:05")
    assert fired(run, "2026-04-10 09:00") == [
        (1, "unresolved_month", None, None),
        (1, "major_breach", None, "manager"),
    ]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_future_as_of_only_for_a_dry_run(run, register, db):
    register(severity="major", at="2026-03-02 09:00")
    before = snapshot(db)
    result = run("escalate", "--as-of", "2099-01-01 00:00")
    assert result.exit_code == 2
    assert result.stderr.startswith("complaintctl: --as-of: 2098-12-31 24:00 is in the future")
    assert run.json("escalate", "--as-of", "2099-01-01 00:00", "--dry-run")["escalations"]
    assert snapshot(db) == before


def test_english_output(run, register):
    register(severity="minor", at="2026-03-02 09:00")
    out = run.ok("--lang", "en", "escalate", "--as-of", "2026-04-02 09:00", "--dry-run")
    assert out.splitlines()[:2] == [
        "dry run, nothing written:",
        "#1 unresolved_month: severity minor→major; 受理满1个月仍未解决，升为重大投诉（种子004 §3.1.2(3)）",
    ]
