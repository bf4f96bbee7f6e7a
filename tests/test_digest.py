"""The overdue digest (issue 5) through the CLI, always judged ``--as-of`` a fixed moment."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
from marks import needs_provisional_2027

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL

AS_OF = "2026-03-02 12:00"  # a Monday


@pytest.fixture
def scene(run, register):
    """#1 major, unassigned: respond (09:15) and assign (11:00) breached.
    #2 moderate, 工程部/李工: respond (11:30) breached.
    #3 minor, 工程部/张工: respond due 03-02 14:00, inside its last quarter: due soon.
    #4 minor, 保洁部: respond due 03-03 11:00, nothing yet.
    #5 major but closed, #6 a duplicate of #1: never listed."""
    register(severity="major", at="2026-03-02 09:00")
    register(severity="moderate", at="2026-03-02 10:30", unit="5-2-101", phone="13900001111")
    run.ok("assign", "2", "--department", "工程部", "--handler", "李工", "--at", "2026-03-02 10:40")
    register(severity="minor", at="2026-03-01 14:00", unit="A-08", phone="021-62345678")
    run.ok("assign", "3", "--department", "工程部", "--handler", "张工", "--at", "2026-03-01 15:00")
    register(severity="minor", at="2026-03-02 11:00", unit="B-11")
    run.ok("assign", "4", "--department", "保洁部", "--at", "2026-03-02 11:05")
    register(severity="major", at="2026-03-02 08:00")
    run.ok("close", "5", "--resolution", "已修复", "--at", "2026-03-02 08:30")
    register(severity="major", at="2026-03-02 09:05", unit="3-1-602")
    run.ok("link", "1", "6", "--at", "2026-03-02 09:10")


def test_empty_digest_prints_nothing(run, register):
    assert run("digest", "--as-of", AS_OF).stdout == ""
    register(severity="minor", at="2026-03-02 11:00")  # respond due tomorrow 11:00
    for args in ([], ["--json"], ["--format", "markdown"], ["--fail-on-breach"]):
        result = run("digest", "--as-of", AS_OF, *args)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_text_grouped_by_department_then_handler(run, scene):
    out = run.ok("digest", "--as-of", AS_OF)
    assert out == (
        "投诉督办 截至 2026-03-02 12:00: 2 超时, 1 即将到期\n"
        "\n"
        "未派单: 1 超时, 0 即将到期\n"
        "  处理人  编号  房号/铺位  电话         级别  类别  内容摘要    节点      时限              剩余\n"
        "  -       #1    3-1-502    138****5678  重大  -     楼道灯不亮  首次联系  2026-03-02 09:15  超时2小时45分\n"
        "          #1    3-1-502    138****5678  重大  -     楼道灯不亮  派单      2026-03-02 11:00  超时1小时00分\n"
        "\n"
        "工程部: 1 超时, 1 即将到期\n"
        "  处理人  编号  房号/铺位  电话          级别  类别  内容摘要    节点      时限              剩余\n"
        "  李工    #2    5-2-101    139****1111   中度  -     楼道灯不亮  首次联系  2026-03-02 11:30  超时30分钟\n"
        "  张工    #3    A-08       021-****5678  轻微  -     楼道灯不亮  首次联系  2026-03-02 14:00  剩余2小时00分\n"
    )


def test_english_labels(run, scene):
    out = run.ok("--lang", "en", "digest", "--as-of", AS_OF, "--department", "unassigned")
    assert out.splitlines() == [
        "Complaint digest as of 2026-03-02 12:00: 1 breached, 0 due soon",
        "",
        "unassigned: 1 breached, 0 due soon",
        "  Handler  ID  Unit     Phone        Severity  Category  About       Milestone  Due               Remaining",
        "  -        #1  3-1-502  138****5678  major     -         楼道灯不亮  respond    2026-03-02 09:15  2h45m overdue",
        "           #1  3-1-502  138****5678  major     -         楼道灯不亮  assign     2026-03-02 11:00  1h00m overdue",
    ]


def test_markdown(run, scene):
    out = run.ok("digest", "--as-of", AS_OF, "--format", "markdown", "--department", "工程部")
    assert out == (
        "# 投诉督办 截至 2026-03-02 12:00\n"
        "\n"
        "1 超时, 1 即将到期\n"
        "\n"
        "## 工程部: 1 超时, 1 即将到期\n"
        "\n"
        "| 处理人 | 编号 | 房号/铺位 | 电话 | 级别 | 类别 | 内容摘要 | 节点 | 时限 | 剩余 |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        "| 李工 | #2 | 5-2-101 | 139****1111 | 中度 | - | 楼道灯不亮 | 首次联系 | 2026-03-02 11:30 | 超时30分钟 |\n"
        "| 张工 | #3 | A-08 | 021-****5678 | 轻微 | - | 楼道灯不亮 | 首次联系 | 2026-03-02 14:00 | 剩余2小时00分 |\n"
    )


def test_json_lists_breached_and_due_soon(run, scene):
    out = run.json("digest", "--as-of", AS_OF)
    assert run.json("digest", "--as-of", AS_OF, "--format", "json") == out
    assert out["as_of"] == "2026-03-02T12:00:00+08:00"
    assert out["summary"] == {"breached": 2, "due_soon": 1}
    assert out["departments"] == [
        {"department": None, "breached": 1, "due_soon": 0},
        {"department": "工程部", "breached": 1, "due_soon": 1},
    ]
    assert [(e["id"], e["milestone"], e["due_at"]) for e in out["breached"]] == [
        (1, "respond", "2026-03-02T09:15:00+08:00"),
        (1, "assign", "2026-03-02T11:00:00+08:00"),
        (2, "respond", "2026-03-02T11:30:00+08:00"),
    ]
    assert out["due_soon"] == [
        {
            "id": 3,
            "milestone": "respond",
            "state": "due_soon",
            "due_at": "2026-03-02T14:00:00+08:00",
            "provisional": False,
            "overdue_seconds": -7200,
            "site": "MAIN",
            "department": "工程部",
            "handler": "张工",
            "severity": "minor",
            "unit": "A-08",
            "name": "张*",
            "phone": "021-****5678",
            "category": None,
            "description_start": "楼道灯不亮",
        }
    ]
    assert out["breached"][0]["overdue_seconds"] == 2 * 3600 + 45 * 60


def test_due_within_widens_due_soon(run, register):
    register(severity="minor", at="2026-03-02 11:00")  # respond due 03-03 11:00
    assert run.ok("digest", "--as-of", AS_OF, "--due-within", "20h") == ""
    for span in ("23h", "1wd", "1d"):  # 23 h reaches 11:00 exactly; 1wd = to 24:00 on Tue 3rd
        out = run.json("digest", "--as-of", AS_OF, "--due-within", span)
        assert [(e["id"], e["milestone"]) for e in out["due_soon"]] == [(1, "respond")], span
        assert out["breached"] == []
    # a working day from Friday noon runs to the end of Monday, over the weekend
    cid = register(severity="minor", at="2026-03-04 09:00")  # resolve 3wd: Mon 03-09 24:00
    run.ok("update", str(cid), "--contacted", "--at", "2026-03-04 09:30")
    friday = "2026-03-06 12:00"
    out = run.json("digest", "--as-of", friday, "--department", "未派单", "--due-within", "48h")
    # #1's respond and resolve (Thu 03-05 24:00) have passed
    assert [(e["id"], e["milestone"]) for e in out["breached"]] == [(1, "respond"), (1, "resolve")]
    assert out["due_soon"] == []
    out = run.json("digest", "--as-of", friday, "--department", "未派单", "--due-within", "1wd")
    assert [(e["id"], e["milestone"], e["due_at"]) for e in out["due_soon"]] == [
        (cid, "resolve", "2026-03-10T00:00:00+08:00")
    ]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_department_filter(run, scene):
    out = run.json("digest", "--as-of", AS_OF, "--department", "engineering")
    assert {e["department"] for e in out["breached"] + out["due_soon"]} == {"工程部"}
    out = run.json("digest", "--as-of", AS_OF, "--department", "未派单")
    assert [e["id"] for e in out["breached"]] == [1, 1]
    assert run.ok("digest", "--as-of", AS_OF, "--department", "保洁部") == ""
    bad = run("digest", "--as-of", AS_OF, "--department", "食堂")
    assert bad.exit_code == 2
    assert bad.stderr.startswith(
        "complaintctl: --department: unknown value '食堂' (accepted: 客服部"
    )


def test_fail_on_breach_exits_3_after_printing(run, scene):
    result = run("digest", "--as-of", AS_OF, "--fail-on-breach")
    assert result.exit_code == 3
    assert result.stdout.startswith("投诉督办 截至 2026-03-02 12:00: 2 超时, 1 即将到期\n")
    # only due soon: exit 0
    result = run("digest", "--as-of", "2026-03-02 09:10", "--fail-on-breach", "--json")
    assert result.exit_code == 0, result.stdout
    out = json.loads(result.stdout)
    assert (out["breached"], [e["id"] for e in out["due_soon"]]) == ([], [3])


def test_output_is_written_atomically(run, scene, tmp_path):
    target = tmp_path / "mail" / "digest.md"
    target.parent.mkdir()
    expected = run.ok("digest", "--as-of", AS_OF, "--format", "markdown")
    assert run.ok("digest", "--as-of", AS_OF, "--format", "markdown", "--output", str(target)) == ""
    assert target.read_text(encoding="utf-8") == expected
    assert target.stat().st_mode & 0o777 == 0o600
    assert os.listdir(target.parent) == ["digest.md"]  # no temporary file left behind
    # a replaced file keeps its permissions
    target.chmod(0o640)
    run.ok("digest", "--as-of", AS_OF, "--department", "工程部", "--output", str(target))
    assert target.read_text(encoding="utf-8").startswith("投诉督办 截至 2026-03-02 12:00: 1 超时")
    assert target.stat().st_mode & 0o777 == 0o640
    # nothing to report: the file is neither written nor removed
    before = target.read_bytes()
    run.ok("digest", "--as-of", "2026-03-01 14:30", "--output", str(target))
    assert target.read_bytes() == before
    assert os.listdir(target.parent) == ["digest.md"]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_output_to_missing_folder_is_refused(run, scene, tmp_path):
    result = run("digest", "--as-of", AS_OF, "--output", str(tmp_path / "nope" / "d.txt"))
    assert result.exit_code == 2
    assert result.stderr == f"complaintctl: --output: folder {tmp_path / 'nope'} does not exist\n"
    assert not (tmp_path / "nope").exists()


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "html"], "--format: unknown format 'html' (accepted: text, markdown, json)"),
        (["--due-within", "soon"], "--due-within: cannot read duration 'soon'"),
        (["--as-of", "yesterday"], "--as-of: cannot read time 'yesterday'"),
    ],
)
def test_bad_options(run, args, message):
    result = run("digest", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"complaintctl: {message}")
    assert len(result.stderr.splitlines()) == 1


def test_several_milestones_of_one_complaint_most_overdue_first(run, register):
    cid = register(severity="moderate", at="2026-03-02 08:00", category="设施设备")
    out = run.json("digest", "--as-of", "2026-03-03 09:00")
    # respond 09:00, assign 10:00, update 20:00 (12 h), plan 03-03 08:00 all passed;
    # resolve (5wd, 03-10 24:00) is not yet in its last quarter
    assert [(e["id"], e["milestone"]) for e in out["breached"]] == [
        (cid, "respond"),
        (cid, "assign"),
        (cid, "update"),
        (cid, "plan"),
    ]
    assert out["summary"] == {"breached": 1, "due_soon": 0}


def test_long_overdue_counts_working_days(run, register):
    # Fri 27 Feb: 3wd are Sat 28 Feb (a make-up working day), Mon 2 and Tue 3 March
    register(severity="minor", at="2026-02-27 09:00")
    run.ok("update", "1", "--contacted", "--at", "2026-02-27 10:00")
    out = run.ok("digest", "--as-of", "2026-03-10 12:00")
    assert "处理完成  2026-03-03 24:00  超时4个工作日" in out  # Thu 5 ... Tue 10


def test_as_of_before_receipt_lists_nothing(run, scene):
    assert run.ok("digest", "--as-of", "2026-03-01 08:00", "--due-within", "1wd") == ""


def test_sql_states_agree_with_the_milestone_code(db):
    """The digest judges milestones in SQL; it must say exactly what milestones() says, for
    every open complaint, at many moments, with and without --due-within, across two policy
    versions (different warning fractions and update clocks)."""
    import random
    from datetime import timedelta

    from complaintctl.domain.model import Complaint
    from complaintctl.domain.timeutil import from_epoch, parse_time, to_epoch
    from complaintctl.domain.vocab import MILESTONES
    from complaintctl.reports import digest
    from complaintctl.sla.milestones import milestones
    from complaintctl.sla.policy import DEFAULT_POLICY_TOML
    from complaintctl.store.backend import open_ledger
    from complaintctl.workflow import admin, linking
    from complaintctl.workflow import steps as workflow

    rng = random.Random(5)
    ledger = open_ledger(db)
    start = parse_time("2026-03-01 08:00")

    def actor(minutes: int) -> workflow.Actor:
        return workflow.Actor("王芳", start + timedelta(minutes=minutes))

    steps = 0
    for n in range(80):
        if n == 40:
            text = DEFAULT_POLICY_TOML.replace("warning_fraction = 0.25", "warning_fraction = 0.4")
            admin.load_policy(ledger, actor(steps), text.replace('update = "12h"', 'update = "5h"'))
        steps += rng.randint(5, 400)
        c = workflow.register(
            ledger,
            actor(steps),
            channel=rng.choice(["phone", "online", "letter"]),
            name="张三",
            unit=f"{n}-1",
            phone_number="13812345678",
            description="x",
            severity=rng.choice([None, "minor", "moderate", "major"]),
        )
        at = steps + rng.randint(1, 300)
        if rng.random() < 0.6:
            workflow.assign(ledger, actor(at), c.id, department_name="工程部", handler="李工")
        if rng.random() < 0.5:
            workflow.update(ledger, actor(at + 5), c.id, contacted=True, note="跟进")
        if rng.random() < 0.2:
            workflow.classify(ledger, actor(at + 6), c.id, severity=rng.choice(["minor", "major"]))
        if rng.random() < 0.15:
            workflow.update(
                ledger, actor(at + 7), c.id, extend_by="2wd", reason="r", approved_by="m"
            )
        if rng.random() < 0.15:
            workflow.close(ledger, actor(at + 8), c.id, resolution="ok")
            if rng.random() < 0.5:
                workflow.reopen(ledger, actor(at + 20), c.id, reason="again")
        if n % 17 == 5 and ledger.get(c.id).is_open:
            linking.link(ledger, actor(at + 30), 1, c.id)

    def reference(as_of: int, until: int | None) -> list[tuple[object, ...]]:
        out = []
        rows = ledger.query(
            "SELECT * FROM complaints WHERE status IN ('registered', 'assigned', 'in_progress') "
            "AND duplicate_of IS NULL AND received_at <= ?",
            (as_of,),
        )
        for row in rows:
            c = Complaint.from_row(dict(row))
            for m in milestones(c, ledger.policy(c.policy_version), as_of):
                state = m.state
                if state == "pending" and until is not None and m.due <= until:
                    state = "due_soon"
                if state in ("breached", "due_soon"):
                    out.append((c.id, m.name, m.due, state, m.provisional))
        return sorted(out, key=lambda x: (x[2], x[0], MILESTONES.index(str(x[1]))))

    end = to_epoch(start + timedelta(minutes=steps + 600))
    checked = 0
    for as_of in range(to_epoch(start), end + 30 * 86400, 7 * 3600 + 17 * 60):
        for until in (None, as_of + 5 * 3600):
            got = [
                (e.id, e.milestone, e.due, e.state, e.provisional)
                for e in digest.collect(ledger, as_of, until=until).entries
            ]
            assert got == reference(as_of, until), from_epoch(as_of)
            checked += len(got)
    assert checked > 1000  # the comparison saw plenty of breached and due-soon milestones
    ledger.close()


@pytest.mark.sqlite_only("writes a row into the SQLite file behind the program's back")
def test_one_row_per_line_whatever_was_typed(run, register, db):
    register(severity="major", at="2026-03-02 09:00", unit="3-1 502|A")
    # a newline typed into a unit by a version that still accepted one (issue 22 refuses it)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE complaints SET unit = '3-1' || char(10) || '502|A'")
    conn.commit()
    conn.close()
    text = run.ok("digest", "--as-of", "2026-03-02 09:20").splitlines()
    assert text[-1].startswith(
        "  -       #1    3-1 502|A  138****5678  重大  -     楼道灯不亮  首次联系"
    )
    md = run.ok("digest", "--as-of", "2026-03-02 09:20", "--format", "markdown").splitlines()
    assert md[-1].startswith("| - | #1 | 3-1 502\\|A | 138****5678 |")
    assert run.json("digest", "--as-of", "2026-03-02 09:20")["breached"][0]["unit"] == "3-1\n502|A"


@pytest.mark.sqlite_only("about the ledger file")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_output_never_overwrites_the_ledger(run, register, db):
    register(severity="major", at="2026-11-02 09:00")
    before = db.read_bytes()
    result = run("digest", "--as-of", "2026-11-02 10:00", "--output", str(db))
    assert result.exit_code == 2
    assert (
        result.stderr == f"complaintctl: --output: {db} is the ledger itself; choose another file\n"
    )
    assert db.read_bytes() == before


# -- the fast paths of a large digest (issue 8) ------------------------------------------------


def _scene_at(db, steps):
    """Record ``steps`` (register/assign/contact) through the core, at any moment."""
    from complaintctl.domain.timeutil import parse_time
    from complaintctl.store.backend import open_ledger
    from complaintctl.workflow import steps as workflow

    ledger = open_ledger(db)
    for step, at, *args in steps:
        who = workflow.Actor("王芳", parse_time(at))
        if step == "register":
            unit, name, phone, severity = args
            workflow.register(
                ledger,
                who,
                channel="phone",
                name=name,
                unit=unit,
                phone_number=phone,
                description="x",
                severity=severity,
            )
        elif step == "assign":
            workflow.assign(ledger, who, args[0], department_name="工程部", handler=args[1])
        else:
            workflow.update(ledger, who, args[0], contacted=True, note="已联系")
    ledger.close()


@needs_provisional_2027
def test_provisional_deadline_is_starred_and_wide_cells_align(run, db):
    """A deadline in 2027 (no holiday notice yet) reads ``*``; the others in its department
    are padded to match; a unit and a handler in Chinese are padded by terminal cells."""
    _scene_at(
        db,
        [
            ("register", "2026-12-31 09:00", "商铺A-08", "张三", "13812345678", "minor"),
            ("register", "2027-01-04 09:00", "3-1-502", "李四", "021-62345678", "moderate"),
            ("assign", "2026-12-31 09:30", 1, "李工"),
            ("assign", "2027-01-04 09:10", 2, "欧阳修远"),
            ("contact", "2026-12-31 09:10", 1),
        ],
    )
    moment = "2027-01-05 10:00"
    assert run.ok("digest", "--as-of", moment) == (
        "投诉督办 截至 2027-01-05 10:00: 1 超时, 1 即将到期\n"
        "\n"
        "工程部: 1 超时, 1 即将到期\n"
        "  处理人    编号  房号/铺位  电话          级别  类别  内容摘要  节点      时限               剩余\n"
        "  欧阳修远  #2    3-1-502    021-****5678  中度  -     x         首次联系  2027-01-04 10:00   超时24小时00分\n"
        "            #2    3-1-502    021-****5678  中度  -     x         进度反馈  2027-01-04 21:00   超时13小时00分\n"
        "            #2    3-1-502    021-****5678  中度  -     x         处理方案  2027-01-05 09:00   超时1小时00分\n"
        "  李工      #1    商铺A-08   138****5678   轻微  -     x         处理完成  2027-01-06 24:00*  剩余38小时00分\n"
        "\n"
        "* 该时限依赖尚未公布的节假日安排（暂定）。\n"
    )
    md = run.ok("digest", "--as-of", moment, "--format", "markdown").splitlines()
    assert md[-3] == (
        "| 李工 | #1 | 商铺A-08 | 138****5678 | 轻微 | - | x | 处理完成 | 2027-01-06 24:00* | 剩余38小时00分 |"
    )
    assert md[-1] == "* 该时限依赖尚未公布的节假日安排（暂定）。"
    out = run.json("digest", "--as-of", moment)
    assert [e["provisional"] for e in out["breached"]] == [False, False, False]
    assert out["due_soon"][0]["provisional"] is True
    assert out["due_soon"][0]["due_at"] == "2027-01-07T00:00:00+08:00"


def test_deadline_texts_agree_with_timeutil_and_display(db, run, register):
    """The digest formats deadlines and remaining times from per-day caches; they must read
    exactly as ``local_due``, ``iso`` and ``display.remaining`` do, at every boundary: exact
    midnights, seconds, and 48 hours either side (where working days take over)."""
    import random

    from complaintctl.domain.timeutil import from_epoch, iso, local_due, parse_time, to_epoch
    from complaintctl.reports import digest, digest_text
    from complaintctl.reports.display import remaining
    from complaintctl.store.backend import open_ledger

    register(at="2026-03-02 09:00")
    ledger = open_ledger(db)
    cal = ledger.calendar()
    rng = random.Random(8)
    for as_of_text in ("2026-03-02 12:00", "2026-10-01 00:00", "2026-02-16 23:59"):
        as_of = to_epoch(parse_time(as_of_text))
        found = digest.find(ledger, as_of)
        for lang in ("zh", "en"):
            texts = digest_text.Texts(cal, lang, found)
            midnights = [as_of - as_of % 86400 - 8 * 3600 + d * 86400 for d in range(-9, 10)]
            edges = [as_of + s * 2 * 86400 + d for s in (-1, 1) for d in (-61, -60, -1, 0, 1, 60)]
            moments = [
                *midnights,
                *edges,
                *(as_of + rng.randint(-40, 40) * 86400 for _ in range(300)),
            ]
            moments += [m + rng.randint(0, 86399) for m in midnights]
            moments += [as_of + rng.randint(-2 * 86400, 2 * 86400) for _ in range(300)]
            for t in moments:
                assert texts.due(t) == local_due(from_epoch(t)), t
                assert texts.iso(t) == iso(from_epoch(t)), t
                assert texts.left(t) == remaining(t, as_of, cal, lang), (t, lang)
    ledger.close()


def test_colour_marks_how_late_or_how_close(db, scene):
    from complaintctl.domain.timeutil import parse_time, to_epoch
    from complaintctl.reports import digest, digest_text
    from complaintctl.store.backend import open_ledger

    ledger = open_ledger(db)
    found = digest.find(ledger, to_epoch(parse_time(AS_OF)))
    texts = digest_text.Texts(ledger.calendar(), "zh", found)
    lines = "".join(digest_text.plain(found, texts, colour=True)).splitlines()
    assert lines[4].endswith("2026-03-02 09:15  \x1b[1;31m超时2小时45分\x1b[0m")
    assert lines[-1].endswith("2026-03-02 14:00  \x1b[33m剩余2小时00分\x1b[0m")
    ledger.close()


def test_written_in_chunks_reads_the_same(run, scene, monkeypatch):
    """Output is written a few thousand lines at a time; the chunks join to the same text."""
    from complaintctl.reports import digest_text

    outputs = {}
    for fmt in ("text", "markdown", "json"):
        outputs[fmt] = run.ok("digest", "--as-of", AS_OF, "--format", fmt)
    monkeypatch.setattr(digest_text, "_BATCH", 1)
    for fmt, whole in outputs.items():
        assert run.ok("digest", "--as-of", AS_OF, "--format", fmt) == whole, fmt


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_date_outside_the_calendar_prints_nothing(run, scene):
    """A deadline the calendar cannot count fails before anything is printed."""
    result = run("digest", "--as-of", "2099-12-31 12:00")
    assert (result.exit_code, result.stdout) == (2, "")
    assert "outside the working-day calendar" in result.stderr
    assert len(result.stderr.splitlines()) == 1


class _RegisterAfterMaxId:
    """The digest's connection, with another terminal registering a complaint the moment the
    digest has read the highest id (the race a busy service centre can hit)."""

    def __init__(self, conn, run):
        self.conn, self.run, self.done = conn, run, False

    def execute(self, sql, *args):
        cursor = self.conn.execute(sql, *args)
        if "max(id)" in sql and not self.done:
            self.done = True
            self.run.ok("register", "--channel", "电话", "--name", "赵六", "--phone", "13900001111",
                        "--unit", "9-9-999", "--description", "后来者", "--severity", "major",
                        "--at", "2026-03-02 09:00")  # fmt: skip
        return cursor

    def __getattr__(self, name):
        return getattr(self.conn, name)


def test_a_complaint_registered_during_the_digest_is_left_for_the_next(run, db, tmp_path):
    """63 complaints: ids fit 6 bits.  #64, registered between the digest's two queries, would
    not; the digest reads one snapshot, so it lists the 63 and #64 waits for the next run."""
    from complaintctl.domain.timeutil import parse_time, to_epoch
    from complaintctl.reports.digest import collect
    from complaintctl.store.backend import open_ledger

    rows = ["受理时间,房号,投诉内容,严重程度"]
    rows += [f"2026-03-02 09:00,{n}-1,漏水,重大" for n in range(63)]
    sheet = tmp_path / "r.csv"
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run.ok("import", str(sheet))
    ledger = open_ledger(db)
    try:
        ledger.conn = _RegisterAfterMaxId(ledger.conn, run)
        digest = collect(ledger, to_epoch(parse_time("2026-03-20 12:00")))
    finally:
        ledger.close()
    ids = sorted({e.id for e in digest.entries})
    assert ids == list(range(1, 64))
    assert digest.breached == 63
    assert run.json("show", "64")["unit"] == "9-9-999"


def test_rows_say_what_the_complaint_is_about(run, register):
    """Each row carries the category and the first 20 characters of the description, with a
    phone number typed into it masked (issue 15)."""
    register(
        at="2026-03-02 09:00",
        severity="major",
        category="设施设备",
        description="电梯困人，业主电话13912345678，请尽快派人到场处理并回电",
    )
    rows = run.ok("digest", "--as-of", "2026-03-02 12:00").splitlines()
    assert rows[4].split()[4:7] == ["重大", "设施设备", "电梯困人，业主电话139****5678"]
    entry = run.json("digest", "--as-of", "2026-03-02 12:00")["breached"][0]
    assert (entry["category"], entry["description_start"]) == (
        "设施设备",
        "电梯困人，业主电话139****5678",
    )
