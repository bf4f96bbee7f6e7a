"""Honest history (issue 16, item 4): a register's receipt with a date but no time, and a
result without the time it was done, import without an invented time.  Working-day deadlines
are exact, clock milestones and the resolve of a complaint handled at an unknown time are not
judged: in no rate's numerator or denominator, counted apart in the report."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaintctl.domain.timeutil import CST, to_epoch
from complaintctl.sla.policy import DEFAULT_POLICY_TOML, parse_policy
from complaintctl.sla.rules import clock_milestones, deadlines
from complaintctl.time.calendar import WorkCalendar, build_calendar

AS_OF = "2026-04-20 12:00"

# 2026-03-02 is a Monday; no holiday in March 2026.
ROWS = [
    ["投诉日期", "房号", "联系电话", "投诉内容", "严重程度", "处理部门", "处理结果", "完成时间",
     "回访结果"],
    # received on a day, resolved at a known time: resolve judged (timely), respond not
    ["2026/3/2", "1-101", "13800000001", "楼道灯不亮", "轻微", "工程部", "已更换灯管",
     "2026/3/4 10:00", "满意"],
    # received on a day, handled at an unknown time, followed up
    ["2026/3/2", "1-102", "13800000002", "电梯异响", "中度", "工程部", "已修复", "", "满意"],
    # a known time, still open: overdue
    ["2026/3/3 9:00", "1-103", "13800000003", "噪音扰民", "轻微", "", "", "", ""],
    # received on a Friday, major: plan 1wd and resolve 10wd exact, the clocks not judged
    ["2026/3/6", "1-104", "13800000004", "垃圾未清", "重大", "保洁部", "", "", ""],
    # a known time, resolved late
    ["2026/3/9 14:00", "1-105", "13800000005", "水管漏水", "轻微", "工程部", "已修",
     "2026/3/13 10:00", ""],
]  # fmt: skip


def register(path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(ROWS)
    return path


def milestones(shown: dict[str, object]) -> dict[str, tuple[object, object, object]]:
    return {m["name"]: (m["due_at"], m["done_at"], m["state"]) for m in shown["milestones"]}  # type: ignore[attr-defined, index]


@pytest.fixture
def imported(run, tmp_path):
    sheet = register(tmp_path / "登记表.csv")
    assert run.ok("import", str(sheet)) == (
        "已从 登记表.csv 导入 5 条投诉（#1–#5）；0 条已存在；1 条办结时间不详（不计入及时率）\n"
    )
    return sheet


@pytest.mark.backends
def test_the_summary_counts_the_unknown_times(run, tmp_path):
    sheet = register(tmp_path / "登记表.csv")
    out = run.json("import", str(sheet), "--dry-run")
    assert (out["to_import"], out["bad_rows"]) == (5, [])
    assert (out["received_time_unknown"], out["handled_time_unknown"]) == (3, 1)
    english = run("--lang", "en", "import", str(sheet))
    assert english.exit_code == 0
    assert english.stdout.endswith("; 1 handled at an unknown time\n")


@pytest.mark.backends
def test_a_date_only_receipt_keeps_its_day_and_no_invented_time(run, imported):
    one = run.json("show", "1", "--as-of", AS_OF)
    assert (one["received_at"], one["received_time_unknown"], one["handled_time_unknown"]) == (
        "2026-03-02", True, False,
    )  # fmt: skip
    assert (one["status"], one["resolved_at"]) == ("closed", "2026-03-04T10:00:00+08:00")
    assert milestones(one) == {
        # 24 h from a time nobody wrote down: no deadline, not judged (done with the result)
        "respond": (None, "2026-03-04T10:00:00+08:00", "not_judged"),
        # three working days after 3-02 (the day of receipt is not counted): 3-05 24:00
        "resolve": ("2026-03-06T00:00:00+08:00", "2026-03-04T10:00:00+08:00", "met"),
    }
    four = run.json("show", "4", "--as-of", AS_OF)
    assert four["received_at"] == "2026-03-06"
    assert milestones(four) == {
        "respond": (None, None, "not_judged"),
        "assign": (None, None, "not_judged"),
        "plan": ("2026-03-10T00:00:00+08:00", None, "breached"),  # 1wd: Monday 3-09 24:00
        "resolve": ("2026-03-21T00:00:00+08:00", None, "breached"),  # 10wd: 3-20 24:00
        "update": (None, None, "not_judged"),
    }
    # a receipt with its time is as before
    three = run.json("show", "3", "--as-of", AS_OF)
    assert (three["received_at"], three["received_time_unknown"]) == (
        "2026-03-03T09:00:00+08:00", False,
    )  # fmt: skip
    assert milestones(three)["respond"] == ("2026-03-04T09:00:00+08:00", None, "breached")


@pytest.mark.backends
def test_handled_at_an_unknown_time(run, imported):
    two = run.json("show", "2", "--as-of", AS_OF)
    assert (two["status"], two["resolution"], two["satisfaction"]) == (
        "closed",
        "已修复",
        "satisfied",
    )
    assert (two["resolved_at"], two["followed_up_at"], two["handled_time_unknown"]) == (
        None, None, True,
    )  # fmt: skip
    assert milestones(two) == {
        "respond": (None, None, "not_judged"),
        "assign": (None, None, "not_judged"),
        "plan": (None, None, "not_judged"),
        "resolve": ("2026-03-10T00:00:00+08:00", None, "not_judged"),  # 5wd from 3-02
        "update": (None, None, "not_judged"),
    }
    shown = run.ok("show", "2", "--as-of", AS_OF)
    lines = shown.splitlines()
    assert "受理时间      2026-03-02（受理时间不详）" in lines
    assert "办结时间      不详（登记表未写）" in lines
    assert "处理完成  2026-03-09 24:00  -         未判定  -" in lines
    assert "首次联系  -                 -         未判定  -" in lines
    events = [line.split()[:3] for line in lines if line[:1].isdigit() and "root" not in line]
    assert [e[1] for e in events if e[2] in ("受理登记", "办结", "回访")] == [
        "2026-03-02", "不详", "不详",
    ]  # fmt: skip
    assert "办结时间不详" in shown and "回访时间不详" in shown
    english = run.ok("--lang", "en", "show", "2", "--as-of", AS_OF)
    assert "2026-03-02 (time of receipt unknown)" in english
    assert "unknown (not in the register)" in english
    assert run("verify").exit_code == 0


@pytest.mark.backends
def test_the_report_leaves_the_unknown_out_of_the_rates(run, imported):
    r = run.json("report", "--month", "2026-03", "--as-of", AS_OF)
    # 及时率 = timely / (timely + late + overdue): #1 timely, #5 late, #3 and #4 overdue;
    # #2, handled at an unknown time, is in neither the numerator nor the denominator
    assert (r["received"], r["total"], r["timely"], r["late"], r["overdue"], r["pending"]) == (
        5, 5, 1, 1, 2, 0,
    )  # fmt: skip
    assert (r["not_judged"], r["timely_rate"]) == (1, 25.0)
    assert [r[f"respond_{s}"] for s in ("met", "late", "breached", "pending", "not_judged")] == [
        0, 1, 1, 0, 3,
    ]  # fmt: skip
    assert r["respond_rate"] == 0.0
    assert (r["assign_not_judged"], r["assign_rate"]) == (2, None)
    assert (r["plan_breached"], r["plan_not_judged"], r["plan_rate"]) == (1, 1, 0.0)
    assert (r["update_not_judged"], r["update_rate"]) == (2, None)
    # handled (at an unknown time too) is handled: 回访率 = 2 followed up / 3 resolved
    assert (r["resolved"], r["followed_up"], r["followup_rate"]) == (3, 2, 66.7)
    by = run.json("report", "--month", "2026-03", "--as-of", AS_OF, "--by", "department")
    rows = {row["value"]: row for row in by["breakdowns"]["department"]}
    works = rows["工程部"]
    assert (works["timely"], works["late"], works["not_judged"], works["timely_rate"]) == (
        1, 1, 1, 50.0,
    )  # fmt: skip
    screen = run.ok("report", "--month", "2026-03", "--as-of", AS_OF, "--by", "department")
    lines = screen.splitlines()
    assert "办结未判定（时间不详）  1" in lines
    assert "节点      按时  超时完成  已超时  未到期  未判定  按时率%" in lines
    assert "首次联系  0     1         1       0       3       0.0" in lines
    assert "处理完成  1     1         2       0       1       25.0" in lines
    assert any(line.startswith("工程部") and "  1       50.0" in line for line in lines)


@pytest.mark.backends
def test_the_report_without_unknown_times_is_as_before(run, tmp_path):
    sheet = register(tmp_path / "r.csv")
    rows = [r for r in ROWS if ":" in r[0] or r[0] == "投诉日期"]
    with sheet.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    run.ok("import", str(sheet))
    screen = run.ok("report", "--month", "2026-03", "--as-of", AS_OF)
    assert "未判定" not in screen
    assert "节点      按时  超时完成  已超时  未到期  按时率%" in screen.splitlines()


@pytest.mark.backends
@pytest.mark.parametrize("form", ["csv", "xlsx", "jsonl"])
def test_unknown_times_survive_the_round_trip(run, imported, tmp_path, form):
    out = tmp_path / f"台账.{form}"
    run.ok("export", "--with-personal-data", "-o", str(out))
    copy = tmp_path / "copy.db"
    result = run("--db", str(copy), "import", str(out))
    assert result.exit_code == 0, result.output

    def seen(*db: str) -> object:
        shown = [run.json(*db, "show", str(n), "--as-of", AS_OF) for n in range(1, 6)]
        for item in shown:
            del item["events"]
        report = run.json(*db, "report", "--month", "2026-03", "--as-of", AS_OF)
        return shown, report

    assert seen("--db", str(copy)) == seen()
    assert run("--db", str(copy), "verify").exit_code == 0


@pytest.mark.backends
def test_reclassified_and_corrected(run, imported, tmp_path):
    """A new severity recomputes the deadlines from the day of receipt: a working-day one
    exact, a clock one not judged; a corrected receipt time makes every clock judged again."""
    run.ok("classify", "4", "--severity", "中度", "--at", "2026-03-06 10:00")
    four = run.json("show", "4", "--as-of", AS_OF)
    assert milestones(four) == {
        "respond": (None, None, "not_judged"),
        "assign": (None, None, "not_judged"),
        "plan": (None, None, "not_judged"),  # 24 h now
        "resolve": ("2026-03-14T00:00:00+08:00", None, "breached"),  # 5wd from Friday 3-06
        "update": (None, None, "not_judged"),
    }
    assert run("verify").exit_code == 0
    sheet = tmp_path / "one.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows([ROWS[0], ["2026/3/6", "1-201", "", "门禁坏了", "中度"]])
    copy = ["--db", str(tmp_path / "one.db")]
    run.ok(*copy, "import", str(sheet))
    run.ok(*copy, "edit", "1", "--received-at", "2026-03-06 08:30", "--reason", "值班本补记时间")
    one = run.json(*copy, "show", "1")  # as corrected (now: after the correction)
    assert (one["received_at"], one["received_time_unknown"]) == (
        "2026-03-06T08:30:00+08:00", False,
    )  # fmt: skip
    assert milestones(one) == {
        "respond": ("2026-03-06T09:30:00+08:00", None, "breached"),
        "assign": ("2026-03-06T10:30:00+08:00", None, "breached"),
        "plan": ("2026-03-07T08:30:00+08:00", None, "breached"),
        "resolve": ("2026-03-14T00:00:00+08:00", None, "breached"),
        "update": ("2026-03-06T20:30:00+08:00", None, "breached"),
    }
    assert run(*copy, "verify").exit_code == 0


@pytest.mark.backends
def test_no_reopening_after_an_unknown_time(run, imported):
    """The 复议 window runs from the feedback, whose time is unknown: refused in one line."""
    result = run(
        "--lang", "en", "reopen", "2", "--reason", "业主不认可", "--at", "2026-03-20 09:00"
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "complaintctl: cannot reopen #2: it was imported as handled at an unknown time, so its "
        "reconsideration window (7d) cannot be judged; register the owner's new request as a "
        "complaint\n"
    )


# -- the rule, for every day and time: working-day deadlines do not depend on the hour --------
POLICY = parse_policy(DEFAULT_POLICY_TOML)
CALENDAR: WorkCalendar = build_calendar(2020, 2030)


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(date(2024, 1, 1), date(2027, 6, 30)),
    at=st.times(),
    severity=st.sampled_from([None, "minor", "moderate", "major"]),
    channel=st.sampled_from(["phone", "online", "letter", "visit"]),
)
def test_a_date_only_receipt_gives_the_deadlines_of_any_time_that_day(day, at, severity, channel):
    start = datetime.combine(day, time(), CST)
    exact = datetime.combine(day, at.replace(microsecond=0), CST)
    unknown, mask = deadlines(POLICY, CALENDAR, start, severity, channel, time_unknown=True)
    known, known_mask = deadlines(POLICY, CALENDAR, exact, severity, channel)
    clocks = clock_milestones(POLICY, severity, channel)
    for m, due in unknown.items():
        if m in clocks:
            assert due is None  # never invented
        else:
            assert due == known[m]
    assert mask == known_mask  # a clock deadline is never provisional
    # and the clocks are exactly those counted in minutes or hours
    assert ("respond" in clocks) == (channel != "letter" or severity is not None)
    assert to_epoch(start) <= to_epoch(exact) < to_epoch(start + timedelta(days=1))


def test_day_ends_at_does_not_depend_on_the_hour_of_receipt():
    """With business hours (day_ends_at 17:30) a working-day deadline still counts from the
    day after the day of receipt, received at 08:00 or at 23:00 (docs/import-export.md)."""
    policy = parse_policy(
        DEFAULT_POLICY_TOML.replace('day_ends_at = "24:00"', 'day_ends_at = "17:30"')
    )
    day = date(2026, 3, 6)  # a Friday
    for at in (time(), time(8), time(23, 59)):
        due, _ = deadlines(policy, CALENDAR, datetime.combine(day, at, CST), "minor", "phone")
        assert due["resolve"] == to_epoch(datetime(2026, 3, 11, 17, 30, tzinfo=CST))


@pytest.mark.backends
def test_the_import_json_is_as_documented(run, tmp_path):
    sheet = register(tmp_path / "r.csv")
    out = json.loads(run("import", str(sheet), "--json").stdout)
    assert out["received_time_unknown"] == 3 and out["handled_time_unknown"] == 1


@pytest.mark.backends
def test_the_report_files_and_the_list(run, imported, tmp_path):
    book_path, page = tmp_path / "r.xlsx", tmp_path / "r.html"
    for out in (book_path, page):
        run.ok("report", "--month", "2026-03", "--as-of", AS_OF, "-o", str(out))
    import openpyxl

    book = openpyxl.load_workbook(book_path)
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True) if row}
    assert (summary["办结未判定（时间不详）"], summary["首次联系未判定"]) == (1, 3)
    details = list(book["明细"].iter_rows(values_only=True))
    two = next(row for row in details if row[0] == 2)
    assert two[1] == "2026-03-02"  # the day alone, no invented 00:00
    assert "未判定（时间不详）" in two
    html = page.read_text(encoding="utf-8")
    assert "办结未判定（时间不详）" in html and ">未判定<" in html
    listed = run.ok("list", "--as-of", AS_OF).splitlines()
    assert listed[-1].startswith("1     2026-03-02        1-101")


@pytest.mark.backends
def test_a_time_column_holding_dates_only(run, tmp_path):
    """投诉时间 holding only dates (once refused: `has no time of day`): the day, time unknown;
    beside a date column, an empty 投诉时间 leaves the time unknown too."""
    sheet = tmp_path / "值班记录.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(
            [
                ["投诉时间", "房号", "投诉内容"],
                ["2026-03-02", "1-101", "漏水"],
                ["2026-03-02 10:15", "1-102", "噪音"],
            ]
        )
    out = run.json("import", str(sheet))
    assert (out["imported"], out["bad_rows"], out["received_time_unknown"]) == (2, [], 1)
    one, two = (run.json("show", str(n), "--as-of", AS_OF) for n in (1, 2))
    assert (one["received_at"], two["received_at"]) == ("2026-03-02", "2026-03-02T10:15:00+08:00")
    both = tmp_path / "两列.csv"
    with both.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(
            [
                ["受理日期", "投诉时间", "房号", "投诉内容"],
                ["2026-03-03", "", "2-101", "漏水"],
                ["2026-03-03", "2026-03-03", "2-102", "噪音"],
                ["2026-03-03", "2026-03-04", "2-103", "灯坏"],
            ]
        )
    result = run("import", str(both), "--json", "--dry-run")
    found = json.loads(result.stdout)
    assert (found["to_import"], found["received_time_unknown"]) == (2, 2)
    assert [(b["row"], b["problems"][0]["reason"]) for b in found["bad_rows"]] == [
        (4, "another day than 受理日期")
    ]


# -- the round trip, for registers drawn at random ----------------------------------------
ROW = st.tuples(
    st.integers(0, 27),  # day of March 2026
    st.one_of(st.none(), st.integers(0, 23 * 60 + 59)),  # minute of the day, or none written
    st.sampled_from(["", "轻微", "中度", "重大"]),
    st.sampled_from(["", "工程部", "保洁部"]),
    st.sampled_from(["none", "known", "unknown"]),  # the result: none, with its time, without
    st.sampled_from(["", "满意", "不满意"]),
)


@settings(max_examples=8, deadline=None)
@given(rows=st.lists(ROW, min_size=1, max_size=8), form=st.sampled_from(["csv", "xlsx", "jsonl"]))
def test_random_registers_with_unknown_times_go_round_the_trip(rows, form):
    import tempfile

    from typer.testing import CliRunner

    from complaintctl.cli.app import app

    runner = CliRunner()
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        table = [["投诉日期", "房号", "联系电话", "投诉内容", "严重程度", "处理部门", "处理结果",
                  "完成时间", "回访结果"]]  # fmt: skip
        for i, (day, minute, severity, department, result, verdict) in enumerate(rows):
            received = datetime(2026, 3, 2) + timedelta(days=day, minutes=minute or 0)
            when = f"{received:%Y/%m/%d}" + ("" if minute is None else f" {received:%H:%M}")
            done = received + timedelta(days=2, hours=3)
            table.append([
                when, f"{i}-101", f"138000000{i:02d}", f"问题{i}", severity, department,
                "" if result == "none" else "已处理",
                f"{done:%Y-%m-%d %H:%M}" if result == "known" else "",
                verdict if result != "none" else "",
            ])  # fmt: skip
        sheet = here / "r.csv"
        with sheet.open("w", encoding="utf-8-sig", newline="") as out:
            csv.writer(out).writerows(table)
        original, copy, exported = here / "a.db", here / "b.db", here / f"e.{form}"

        def ok(db: Path, *args: str) -> str:
            result = runner.invoke(app, ["--db", str(db), *args])
            assert result.exit_code == 0, result.output
            return result.stdout

        ok(original, "import", str(sheet))
        ok(original, "export", "--with-personal-data", "-o", str(exported))
        ok(copy, "import", str(exported))

        def seen(db: Path) -> object:
            shown = [json.loads(ok(db, "show", str(n), "--as-of", AS_OF, "--json"))
                     for n in range(1, len(rows) + 1)]  # fmt: skip
            for item in shown:
                del item["events"]
            report = json.loads(ok(db, "report", "--month", "2026-03", "--as-of", AS_OF, "--json"))
            return shown, report

        assert seen(copy) == seen(original)
        ok(copy, "verify")


@pytest.mark.backends
def test_reclassified_after_a_handling_at_an_unknown_time(run, tmp_path):
    """Moderate to major: plan becomes 1wd (a deadline from the day of receipt) but, handled
    at an unknown time and never marked done, stays not judged like resolve."""
    sheet = tmp_path / "h.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(
            [["投诉日期", "房号", "投诉内容", "严重程度", "处理部门", "处理结果"],
             ["2026/3/2", "1-301", "电梯异响", "中度", "工程部", "已修复"]]
        )  # fmt: skip
    run.ok("import", str(sheet))
    run.ok("classify", "1", "--severity", "重大", "--at", "2026-03-05 09:00")
    one = run.json("show", "1", "--as-of", AS_OF)
    assert (one["status"], one["severity"]) == ("resolved", "major")
    assert milestones(one) == {
        "respond": (None, None, "not_judged"),
        "assign": (None, None, "not_judged"),
        "plan": ("2026-03-04T00:00:00+08:00", None, "not_judged"),
        "resolve": ("2026-03-17T00:00:00+08:00", None, "not_judged"),
        "update": (None, None, "not_judged"),
    }
    assert run("verify").exit_code == 0
