"""Deadlines and milestone states through the CLI: every state, reclassification,
extension, policy versions and a loaded holiday notice."""

from __future__ import annotations

from pathlib import Path

import pytest
from marks import needs_provisional_2027

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL

NOTICE_2027 = """\
year = 2027
reference = "国办发明电〔2026〕99号（示例）"
workdays = ["2027-01-09"]

[[holidays]]
name = "元旦"
dates = ["2027-01-01..2027-01-03"]
"""


def due(shown: dict, name: str) -> str:
    return next(m["due_at"] for m in shown["milestones"] if m["name"] == name)


def states(run, cid: int, as_of: str) -> dict[str, str]:
    shown = run.json("show", str(cid), "--as-of", as_of)
    return {m["name"]: m["state"] for m in shown["milestones"]}


def test_moderate_clock_states_over_time(run, register):
    cid = register(severity="moderate", at="2026-11-02 09:00")
    # respond 1h (10:00), assign 2h (11:00), plan 24h, resolve 5wd, update 12h
    assert states(run, cid, "2026-11-02 09:30") == {
        "respond": "pending",
        "assign": "pending",
        "plan": "pending",
        "resolve": "pending",
        "update": "pending",
    }
    # the last 25% of the 1-hour respond span begins at 09:45
    assert states(run, cid, "2026-11-02 09:45")["respond"] == "due_soon"
    assert states(run, cid, "2026-11-02 09:44")["respond"] == "pending"
    assert states(run, cid, "2026-11-02 10:00")["respond"] == "due_soon"
    assert states(run, cid, "2026-11-02 10:01")["respond"] == "breached"
    run.ok("update", str(cid), "--contacted", "--at", "2026-11-02 10:20")
    run.ok("assign", str(cid), "--department", "工程部", "--at", "2026-11-02 10:50")
    after = states(run, cid, "2026-11-02 11:30")
    assert (after["respond"], after["assign"]) == ("late", "met")


def test_json_milestones_contract(run, register):
    cid = register(severity="major", channel="online", at="2026-02-13 17:00")
    shown = run.json("show", str(cid), "--as-of", "2026-02-13 17:00")
    assert shown["milestones"] == [
        {
            "name": "respond",
            "due_at": "2026-02-13T17:15:00+08:00",
            "done_at": None,
            "state": "pending",
            "provisional": False,
        },
        {
            "name": "assign",
            "due_at": "2026-02-13T19:00:00+08:00",
            "done_at": None,
            "state": "pending",
            "provisional": False,
        },
        # Sat 14 Feb 2026 is a 调休 working day: the plan is due at its end
        {
            "name": "plan",
            "due_at": "2026-02-15T00:00:00+08:00",
            "done_at": None,
            "state": "pending",
            "provisional": False,
        },
        # 10 wd: 14 Feb, then 24-27 Feb, 28 Feb (Sat, 调休), 2-5 Mar
        {
            "name": "resolve",
            "due_at": "2026-03-06T00:00:00+08:00",
            "done_at": None,
            "state": "pending",
            "provisional": False,
        },
        {
            "name": "update",
            "due_at": "2026-02-14T17:00:00+08:00",
            "done_at": None,
            "state": "pending",
            "provisional": False,
        },
    ]


def test_channel_limits_tighten_respond(run, register):
    online = register(channel="网络", at="2026-11-02 09:00")
    letter = register(channel="信函", at="2026-11-06 16:00")
    assert due(run.json("show", str(online)), "respond") == "2026-11-02T10:00:00+08:00"
    # unclassified letter: 2 working days after Fri 6 Nov -> end of Tue 10 Nov
    assert due(run.json("show", str(letter)), "respond") == "2026-11-11T00:00:00+08:00"
    # classified minor: 24 h is earlier than 2 wd
    out = run.json("classify", str(letter), "--severity", "minor", "--at", "2026-11-06 16:30")
    assert due(out, "respond") == "2026-11-07T16:00:00+08:00"


def test_progress_notes_restart_update_clock(run, register):
    cid = register(severity="moderate", at="2026-11-02 09:00")
    run.ok("update", str(cid), "--note", "已到场查看", "--at", "2026-11-02 20:00")
    shown = run.json("show", str(cid), "--as-of", "2026-11-02 20:00")
    assert due(shown, "update") == "2026-11-03T08:00:00+08:00"
    assert states(run, cid, "2026-11-03 08:01")["update"] == "breached"
    run.ok("update", str(cid), "--note", "等配件", "--at", "2026-11-03 09:00")
    shown = run.json("show", str(cid), "--as-of", "2026-11-03 09:00")
    assert due(shown, "update") == "2026-11-03T21:00:00+08:00"
    run.ok("close", str(cid), "--resolution", "已修复", "--at", "2026-11-03 12:00")
    # one 12-hour cycle was missed, so the recurring milestone ends late
    assert states(run, cid, "2026-11-03 12:00")["update"] == "late"


def test_resolve_met_and_late(run, register):
    ontime = register(severity="minor", at="2026-09-30 10:00")
    late = register(severity="minor", at="2026-09-30 10:00")
    # 3 wd after Wed 30 Sep 2026: 8, 9, 10 Oct (Sat 10 Oct is a make-up working day)
    assert due(run.json("show", str(ontime)), "resolve") == "2026-10-11T00:00:00+08:00"
    run.ok("close", str(ontime), "--resolution", "完成", "--at", "2026-10-10 23:59")
    run.ok("close", str(late), "--resolution", "完成", "--at", "2026-10-11 00:01")
    assert states(run, ontime, "2026-10-12 00:00")["resolve"] == "met"
    assert states(run, late, "2026-10-12 00:00")["resolve"] == "late"


def test_extension_moves_resolve_and_is_audited(run, register):
    cid = register(severity="minor", at="2026-11-02 09:00")
    shown = run.json("show", str(cid))
    assert due(shown, "resolve") == "2026-11-06T00:00:00+08:00"
    out = run.json(
        "update",
        str(cid),
        "--extend",
        "2wd",
        "--reason",
        "等待厂家配件",
        "--approved-by",
        "客服主管刘",
        "--at",
        "2026-11-04 10:00",
    )
    # the period ended with Thu 5 Nov; two more working days: Fri 6, Mon 9 Nov
    assert due(out, "resolve") == "2026-11-10T00:00:00+08:00"
    assert out["extension_count"] == 1
    event = run.json("show", str(cid))["events"][-1]
    assert event["kind"] == "extended"
    assert event["data"]["approved_by"] == "客服主管刘"
    assert event["data"]["reason"] == "等待厂家配件"
    assert event["data"]["duration"] == "2wd"


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_extension_needs_reason_and_approver(run, register):
    cid = register(at="2026-11-02 09:00")
    result = run("update", str(cid), "--extend", "2wd", "--reason", "等待")
    assert result.exit_code == 2
    assert result.stderr == "complaintctl: --approved-by: must not be empty\n"
    result = run("update", str(cid), "--extend", "2 weeks", "--reason", "x", "--approved-by", "y")
    assert result.exit_code == 2
    assert result.stderr.startswith("complaintctl: --extend: ")


@needs_provisional_2027
def test_provisional_deadline_then_loaded_notice(run, register, tmp_path: Path):
    cid = register(severity="minor", at="2026-11-20 09:00")
    assert due(run.json("show", str(cid)), "resolve") == "2026-11-26T00:00:00+08:00"
    run.ok("update", str(cid), "--contacted", "--at", "2026-11-20 09:30")
    out = run.json(
        "update",
        str(cid),
        "--extend",
        "35wd",
        "--reason",
        "整改工程",
        "--approved-by",
        "经理",
        "--at",
        "2026-11-20 10:00",
    )
    resolve = next(m for m in out["milestones"] if m["name"] == "resolve")
    # the package only guesses 2027 (no 调休): 35 wd after Wed 25 Nov end with Thu 14 Jan
    assert resolve == {
        "name": "resolve",
        "due_at": "2027-01-15T00:00:00+08:00",
        "done_at": None,
        "state": "pending",
        "provisional": True,
    }
    listed = run.ok("list", "--as-of", "2026-11-20 10:00")
    assert "处理完成 2027-01-14 24:00*" in listed
    assert "* 该时限依赖尚未公布的节假日安排（暂定）。" in listed
    notice = tmp_path / "2027.toml"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    assert run.ok("calendar", "load", str(notice)) == (
        "已载入 2027 年放假通知（国办发明电〔2026〕99号（示例））\n"
        "重算的投诉：未结 1 件，已结 0 件\n"
        "变动的时限：1 个；清除的暂定标记：1 个\n"
    )
    assert run.ok("--lang", "en", "calendar", "recompute") == (
        "complaints recomputed: 0 open, 0 closed\n"
        "deadlines moved: 0; provisional flags cleared: 0\n"
    )
    shown = run.json("show", str(cid))
    resolve = next(m for m in shown["milestones"] if m["name"] == "resolve")
    # Sat 9 Jan 2027 is a make-up working day under the notice: one day earlier
    assert resolve["due_at"] == "2027-01-14T00:00:00+08:00"
    assert resolve["provisional"] is False
    event = shown["events"][-1]
    assert event["kind"] == "recalculated"
    assert event["data"]["previous_due"] == {"resolve": "2027-01-15T00:00:00+08:00"}
    assert event["data"]["provisional"] == 0
    years = {y["year"]: y["status"] for y in run.json("calendar", "status")["years"]}
    assert years[2027] == "local"


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_calendar_due_and_show(run):
    assert run.json("calendar", "due", "2026-02-27 23:59", "3wd") == {
        "due_at": "2026-03-04T00:00:00+08:00",
        "provisional": False,
    }
    assert run.ok("calendar", "due", "2026-02-13 10:00", "1wd") == "2026-02-14 24:00\n"
    assert run.ok("calendar", "due", "2026-02-13 10:00", "15m") == "2026-02-13 10:15\n"
    grid = run.ok("calendar", "show", "2026-02").splitlines()
    assert grid[0] == "2026-02 (official)"
    assert grid[1].split() == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert grid[4] == " 9    10    11    12    13    14 W  15"
    assert grid[5] == "16 H  17 H  18 H  19 H  20 H  21    22"
    assert "2026-02-28 make-up working day (调休上班)" in grid
    chinese = run.ok("--lang", "zh", "calendar", "show", "2026-02").splitlines()
    assert chinese[1].split() == ["一", "二", "三", "四", "五", "六", "日"]
    assert chinese[4] == " 9     10     11     12     13     14 班  15"
    assert chinese[5] == "16 休  17 休  18 休  19 休  20 休  21     22"
    assert "2026-02-28 调休上班" in chinese
    bad = run("calendar", "due", "2026-02-27", "3 fortnights")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("complaintctl: DURATION: ")


def test_bad_notice_is_refused_with_field(run, tmp_path: Path):
    notice = tmp_path / "bad.toml"
    notice.write_text(NOTICE_2027.replace('"2027-01-09"', '"2027-01-11"'), encoding="utf-8")
    result = run("calendar", "load", str(notice))
    assert result.exit_code == 2
    assert "workdays" in result.stderr
    assert "must be a Saturday or Sunday" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not run.json("calendar", "status")["years"][3]["reference"]


POLICY_FAST = """\
name = "faster minor"
[limits.unclassified]
respond = "24h"
resolve = "3wd"
[limits.minor]
respond = "4h"
resolve = "2wd"
[limits.moderate]
respond = "1h"
resolve = "5wd"
[limits.major]
respond = "15m"
resolve = "10wd"
[lists]
categories = ["其他"]
departments = ["客服部"]
"""


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_policy_versions_never_rewrite_history(run, register, tmp_path: Path):
    old = register(severity="minor", at="2026-11-02 09:00")
    assert run.json("policy", "show")["version"] == 0
    path = tmp_path / "policy.toml"
    path.write_text(POLICY_FAST, encoding="utf-8")
    assert run.ok("policy", "load", str(path)) == "policy version 1 loaded: faster minor\n"
    new = register(severity="minor", at="2026-11-02 09:00", category="其他")
    assert due(run.json("show", str(old)), "respond") == "2026-11-03T09:00:00+08:00"
    assert due(run.json("show", str(new)), "respond") == "2026-11-02T13:00:00+08:00"
    assert run.json("show", str(new))["policy_version"] == 1
    # reclassifying the old complaint still uses the version it was registered under
    out = run.json("classify", str(old), "--severity", "moderate", "--at", "2026-11-02 09:10")
    assert "assign" in {m["name"] for m in out["milestones"]}


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_policy_validation_errors(run, tmp_path: Path):
    path = tmp_path / "p.toml"
    cases = {
        POLICY_FAST.replace('respond = "4h"', 'respond = "0h"'): "limits.minor.respond",
        POLICY_FAST.replace('respond = "4h"', 'respond = "-4h"'): "limits.minor.respond",
        POLICY_FAST.replace(
            'respond = "4h"', 'answer = "4h"'
        ): "limits.minor.answer: unknown milestone",
        POLICY_FAST.replace(
            "[limits.major]", "[limits.critical]"
        ): "limits.critical: unknown severity",
        POLICY_FAST.replace('resolve = "2wd"', 'resolve = "2 fortnights"'): "limits.minor.resolve",
    }
    for text, expected in cases.items():
        path.write_text(text, encoding="utf-8")
        result = run("policy", "load", str(path))
        assert result.exit_code == 2, text
        assert expected in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert run.json("policy", "show")["version"] == 0


def test_reclassify_keeps_extensions_and_reopening(run, register):
    cid = register(severity="minor", at="2026-11-02 09:00")
    run.ok(
        "update",
        str(cid),
        "--extend",
        "2wd",
        "--reason",
        "等配件",
        "--approved-by",
        "主管",
        "--at",
        "2026-11-03 09:00",
    )
    out = run.json("classify", str(cid), "--severity", "moderate", "--at", "2026-11-03 10:00")
    # 5 wd from Mon 2 Nov end with Mon 9 Nov; the approved 2 wd extension still applies
    assert due(out, "resolve") == "2026-11-12T00:00:00+08:00"
    run.ok("close", str(cid), "--resolution", "已处理", "--at", "2026-11-04 10:00")
    run.ok("reopen", str(cid), "--reason", "复发", "--at", "2026-11-05 10:00")
    out = run.json("classify", str(cid), "--severity", "minor", "--at", "2026-11-05 11:00")
    # after the reopening the resolve clock runs from Thu 5 Nov: 3 wd end with Tue 10 Nov
    assert due(out, "resolve") == "2026-11-11T00:00:00+08:00"
    # the recurring update clock stops applying to a minor complaint
    assert "update" not in {m["name"] for m in out["milestones"]}


def test_steps_done_before_classification_count_when_it_adds_their_deadlines(run, register):
    cid = register(at="2026-11-02 09:00")
    run.ok("assign", str(cid), "--department", "工程部", "--at", "2026-11-02 09:30")
    run.ok("update", str(cid), "--plan", "换灯", "--at", "2026-11-02 09:40")
    out = run.json("classify", str(cid), "--severity", "moderate", "--at", "2026-11-02 10:00")
    done = {m["name"]: (m["done_at"], m["state"]) for m in out["milestones"]}
    assert done["assign"] == ("2026-11-02T09:30:00+08:00", "met")
    assert done["plan"] == ("2026-11-02T09:40:00+08:00", "met")
