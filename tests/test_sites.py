"""Sites (项目 / 服务中心, issue 21): numbers per site, --site everywhere it matters, a policy for
one site, report --by site, and ledgers made before sites."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledgertools import snapshot, without_sites

from complaintctl.domain import sites
from complaintctl.domain.errors import InvalidInput
from complaintctl.store.backend import open_ledger
from complaintctl.store.schema import SCHEMA_VERSION

pytestmark = pytest.mark.backends

PERSON = ("--name", "张三", "--phone", "13812345678")


def _reg(run, *extra: str, at: str = "2026-03-02 09:00", unit: str = "1-101") -> dict:
    return run.json(
        "register", "--channel", "电话", *PERSON, "--unit", unit, "--description", "漏水",
        "--at", at, *extra,
    )  # fmt: skip


@pytest.fixture
def three(run):
    """A ledger with MAIN-1 (made before the other sites), then YG-1, YG-2 and HX-1."""
    _reg(run)
    run.ok("site", "add", "YG", "--name", "阳光花园")
    run.ok("site", "add", "hx", "--name", "和谐家园")  # codes are upper case
    _reg(run, "--site", "YG", unit="2-201")
    _reg(run, "--site", "YG", unit="2-202")
    _reg(run, "--site", "HX", unit="3-301")
    return run


# -- the key of a complaint: pure -----------------------------------------------------------
codes = st.from_regex(r"[A-Z][A-Z0-9]{0,3}", fullmatch=True)
numbers = st.integers(min_value=1, max_value=sites.MAX_NUMBER)


@given(codes, numbers)
def test_a_key_holds_its_site_and_number(code, number):
    key = sites.key(code, number)
    assert sites.split(key) == (code, number)
    assert key < 2**53  # exact in any JSON reader
    first, last = sites.bounds(code)
    assert first <= key <= last
    assert sites.parse_ref(f"{code}-{number}", "MAIN") == key
    assert sites.parse_ref(str(number), code) == key


@given(codes, codes)
def test_two_codes_never_share_keys(a, b):
    if a != b:
        assert sites.site_value(a) != sites.site_value(b)


def test_the_first_site_keeps_plain_ids():
    assert sites.key("MAIN", 123) == 123
    assert sites.ref(123, qualified=False) == "123"
    assert sites.ref(123, qualified=True) == "MAIN-123"
    assert sites.ref(sites.key("YG", 7), qualified=True) == "YG-7"
    assert sites.mention(123) == "#123"
    assert sites.mention(sites.key("YG", 7)) == "#YG-7"
    with pytest.raises(InvalidInput, match="ID: 'YG-0': a number is 1 to 999999999"):
        sites.parse_ref("YG-0", "MAIN")
    with pytest.raises(InvalidInput, match=r"--site: '1X' is not a site code"):
        sites.normal_code("1X")


# -- numbering, display, ids typed both ways ---------------------------------------------------
def test_numbers_count_within_each_site(three, db):
    run = three
    assert [(c["site"], c["id"]) for c in run.json("list")] == [
        ("YG", 2), ("YG", 1), ("HX", 1), ("MAIN", 1),
    ]  # fmt: skip
    out = run.ok("register", "--site", "hx", "--channel", "电话", *PERSON, "--unit", "3-302",
                 "--description", "噪音", "--at", "2026-03-02 10:00")  # fmt: skip
    assert out == "#HX-2 已登记，状态：已登记；下一时限：首次联系 2026-03-03 10:00（已超时）\n"
    ledger = open_ledger(db)
    rows = [tuple(r) for r in ledger.query("SELECT id, site FROM complaints ORDER BY id")]
    ledger.close()
    assert rows == [
        (1, "MAIN"),
        (sites.key("HX", 1), "HX"),
        (sites.key("HX", 2), "HX"),
        (sites.key("YG", 1), "YG"),
        (sites.key("YG", 2), "YG"),
    ]
    assert run.ok("verify").startswith("校验通过：")


def test_an_id_is_typed_with_its_site_or_in_the_site_of_the_command(three, monkeypatch):
    run = three
    assert run.json("show", "YG-2")["unit"] == "2-202"
    assert run.json("show", "yg-2")["unit"] == "2-202"
    assert run.json("--site", "YG", "show", "2")["unit"] == "2-202"
    assert run.json("show", "1")["unit"] == "1-101"  # the default site: MAIN
    monkeypatch.setenv("COMPLAINTCTL_SITE", "HX")
    assert run.json("show", "1")["unit"] == "3-301"
    assert run.ok("classify", "1", "--severity", "轻微", "--at", "2026-03-02 09:10").startswith(
        "#HX-1 已分类"
    )
    monkeypatch.delenv("COMPLAINTCTL_SITE")
    run.ok("site", "default", "YG")
    assert run.json("show", "1")["unit"] == "2-201"
    result = run("show", "2")
    assert result.exit_code == 0
    missing = run("--lang", "en", "show", "HX-9")
    assert missing.exit_code == 2
    assert missing.stderr.startswith("complaintctl: ID: no complaint #HX-9 in ")


def test_the_human_views_name_the_site_on_a_ledger_of_several(three, monkeypatch):
    run = three
    monkeypatch.setenv("COLUMNS", "80")
    table = run.ok("list", "--site", "YG", "--as-of", "2026-03-02 09:30")
    assert [line.split()[0] for line in table.splitlines()] == ["编号", "YG-2", "YG-1"]
    assert run.ok("show", "YG-1").splitlines()[0] == "#YG-1"
    assert run.ok("site", "list") == (
        "项目   项目名称  投诉数  未办结\n"
        "HX     和谐家园  1       1\n"
        "MAIN*  本项目    1       1\n"
        "YG     阳光花园  2       2\n"
    )
    listed = run.json("site", "list")
    assert [(s["code"], s["default"], s["complaints"]) for s in listed] == [
        ("HX", False, 1), ("MAIN", True, 1), ("YG", False, 2),
    ]  # fmt: skip
    assert listed[1]["added_at"] is None  # there from the start


def test_a_ledger_of_one_site_reads_as_before(run):
    out = run.ok("register", "--channel", "电话", *PERSON, "--unit", "1-1", "--description",
                 "漏水", "--at", "2026-03-02 09:00")  # fmt: skip
    assert out.startswith("#1 已登记")
    assert run.ok("list").splitlines()[1].split()[0] == "1"
    assert run.json("show", "1")["site"] == "MAIN"


# -- filters --------------------------------------------------------------------------------
def test_list_filters_by_site_repeatable_and_from_the_environment(three, monkeypatch):
    run = three

    def listed(*args: str) -> list[tuple[str, int]]:
        return [(c["site"], c["id"]) for c in run.json("list", *args)]

    assert listed("--site", "YG") == [("YG", 2), ("YG", 1)]
    assert listed("--site", "YG", "--site", "HX") == [("YG", 2), ("YG", 1), ("HX", 1)]
    assert listed("--site", "MAIN") == [("MAIN", 1)]
    monkeypatch.setenv("COMPLAINTCTL_SITE", "HX")
    assert listed() == [("HX", 1)]
    assert listed("--site", "YG") == [("YG", 2)] + [("YG", 1)]


def test_digest_by_site(three):
    run = three
    at = "2026-03-03 08:00"  # the first contact of each is due at 09:00
    out = json.loads(run.ok("digest", "--json", "--site", "YG", "--as-of", at))
    assert out["breached"] == []
    assert [(e["site"], e["id"], e["milestone"], e["due_at"]) for e in out["due_soon"]] == [
        ("YG", 1, "respond", "2026-03-03T09:00:00+08:00"),
        ("YG", 2, "respond", "2026-03-03T09:00:00+08:00"),
    ]
    text = run.ok("digest", "--site", "HX", "--as-of", at)
    assert text.splitlines()[0] == "投诉督办 截至 2026-03-03 08:00: 0 超时, 1 即将到期"
    assert "#HX-1  3-301" in text
    assert "#YG-" not in text and "#MAIN-" not in text
    everything = json.loads(run.ok("digest", "--json", "--as-of", at))
    assert sorted((e["site"], e["id"]) for e in everything["due_soon"]) == [
        ("HX", 1), ("MAIN", 1), ("YG", 1), ("YG", 2),
    ]  # fmt: skip


@pytest.mark.parametrize("columns", ["80", "160"])
def test_the_digest_on_a_terminal_names_complaints_by_site(three, monkeypatch, columns):
    """At the desk (a terminal, any width) the digest's rows say YG-2, as list does, never
    the ledger's key."""
    from complaintctl.cli import render

    monkeypatch.setattr(render, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", columns)
    text = three.ok("digest", "--as-of", "2026-03-03 08:00")
    ids = sorted({word for line in text.splitlines() for word in line.split() if word[0] == "#"})
    assert ids == ["#HX-1", "#MAIN-1", "#YG-1", "#YG-2"]


def test_escalate_by_site(three):
    run = three
    for ref in ("MAIN-1", "YG-1", "HX-1"):
        run.ok("classify", ref, "--severity", "重大", "--at", "2026-03-02 09:05")
    out = run.json("escalate", "--site", "YG", "--as-of", "2026-03-02 12:00")
    assert [(e["site"], e["id"], e["reason_code"]) for e in out["escalations"]] == [
        ("YG", 1, "major_breach")
    ]
    assert run.json("show", "HX-1")["escalation_level"] is None
    assert run.json("show", "YG-1")["escalation_level"] == "manager"


def test_a_collective_complaint_gathers_one_site_only(run, tmp_path):
    run.ok("site", "add", "YG", "--name", "阳光花园")
    # four units of MAIN and five of YG on one matter at a place of the same name: only YG's
    # five make a collective complaint (seed 004: 5 units), not nine across two estates
    for n, site in enumerate(("MAIN",) * 4 + ("YG",) * 5):
        _reg(run, "--site", site, "--category", "设施设备", "--location", "2栋大堂",
             unit=f"2-{n}", at=f"2026-03-02 09:0{n}")  # fmt: skip
    everything = run.json("escalate", "--as-of", "2026-03-02 12:00")["escalations"]
    actions = [a for a in everything if a["reason_code"] == "collective"]
    assert [(a["site"], a["id"]) for a in actions] == [("YG", n) for n in range(1, 6)]
    assert {a["collective_of"] for a in actions} == {sites.key("YG", 1)}
    assert "归入集体投诉 #YG-1" in actions[0]["reason"]


# -- report --by site --------------------------------------------------------------------------
def test_report_ranks_the_sites_by_timely_rate(three):
    run = three
    run.ok("close", "YG-1", "--resolution", "已修复", "--at", "2026-03-03 10:00")
    run.ok("close", "HX-1", "--resolution", "已修复", "--at", "2026-03-03 10:00")
    report = run.json("report", "--month", "2026-03", "--as-of", "2026-04-30 12:00",
                      "--by", "site")  # fmt: skip
    assert report["sites"] is None
    assert (report["total"], report["timely"], report["overdue"]) == (4, 2, 2)
    assert report["timely_rate"] == 50.0
    ranked = [
        (f["value"], f["total"], f["timely"], f["overdue"], f["timely_rate"])
        for f in report["breakdowns"]["site"]
    ]
    assert ranked == [("HX", 1, 1, 0, 100.0), ("YG", 2, 1, 1, 50.0), ("MAIN", 1, 0, 1, 0.0)]
    one = run.json("report", "--month", "2026-03", "--as-of", "2026-04-30 12:00",
                   "--site", "YG")  # fmt: skip
    assert one["sites"] == ["YG"]
    assert (one["total"], one["timely"], one["overdue"], one["timely_rate"]) == (2, 1, 1, 50.0)
    screen = run.ok("report", "--month", "2026-03", "--as-of", "2026-04-30 12:00",
                    "--by", "site")  # fmt: skip
    assert "按项目" in screen


# -- a policy for one site ---------------------------------------------------------------------
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_policy_for_one_site_gives_its_deadlines_there_only(three, tmp_path):
    run = three
    text = run.ok("policy", "show")
    policy = tmp_path / "yg.toml"
    policy.write_text(text.replace('resolve = "1wd"', 'resolve = "4h"'), encoding="utf-8")
    assert run.ok("policy", "load", str(policy), "--site", "yg") == (
        "policy version 1 loaded for site YG: seed-000 default\n"
    )

    def resolve_due(site: str) -> str:
        c = _reg(run, "--site", site, "--kind", "咨询", at="2026-03-02 10:00")
        assert c["policy_version"] == (1 if site == "YG" else 0)
        return next(m["due_at"] for m in c["milestones"] if m["name"] == "resolve")

    assert resolve_due("YG") == "2026-03-02T14:00:00+08:00"
    assert resolve_due("HX") == "2026-03-04T00:00:00+08:00"
    assert resolve_due("MAIN") == "2026-03-04T00:00:00+08:00"
    assert run.ok("policy", "show", "--site", "YG").startswith("# policy version 1\n")
    assert run.ok("policy", "show").startswith("# policy version 0 (built-in default)\n")
    assert run.ok("verify").startswith("ok:")


# -- a ledger made before sites ----------------------------------------------------------------
@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.sqlite_only("a schema-5 SQLite file")
def test_a_v5_ledger_moves_into_the_first_site_with_its_ids(run, db):
    for unit in ("1-1", "1-2", "1-3"):
        _reg(run, unit=unit)
    run.ok("link", "1", "3", "--at", "2026-03-02 10:00")
    conn = sqlite3.connect(db)
    with conn:  # back to schema 5: what migrations 7 (issue 16) and 6 added, removed
        for column in ("received_time_unknown", "handled_time_unknown", "unjudged"):
            conn.execute(f"ALTER TABLE complaints DROP COLUMN {column}")
        without_sites(conn)
        conn.execute("PRAGMA user_version = 5")
    events = conn.execute("SELECT * FROM events ORDER BY seq").fetchall()
    conn.close()
    events = [(*e, None, None) for e in events]  # migration 9's chain columns: none (before)
    assert [(c["site"], c["id"], c["duplicate_of"]) for c in run.json("list")] == [
        ("MAIN", 3, 1), ("MAIN", 2, None), ("MAIN", 1, None),
    ]  # fmt: skip
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT * FROM events ORDER BY seq").fetchall() == events
    assert conn.execute("SELECT value FROM settings").fetchall() == [("MAIN",)]
    conn.close()
    assert list(db.parent.glob(f"ledger.db.before-v{SCHEMA_VERSION}-*"))  # the backup beside it
    assert run.ok("verify").startswith("ok: 4 events")
    assert run.ok("list").splitlines()[1].split()[0] == "3"  # still one site: plain numbers
    run.ok("site", "add", "YG", "--name", "阳光花园")
    assert _reg(run, "--site", "YG")["id"] == 1
    assert _reg(run)["id"] == 4


# -- refusals: one line, nothing written -------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "register",
                "--site",
                "QQ",
                "--channel",
                "电话",
                *PERSON,
                "--unit",
                "1-1",
                "--description",
                "漏水",
            ],
            "complaintctl: --site: no site 'QQ' in this ledger (accepted: HX, MAIN, YG)",
        ),
        (
            ["list", "--site", "YG", "--site", "Q-1"],
            "complaintctl: --site: 'Q-1' is not a site code (one letter and up to three more "
            "letters or digits, e.g. YG)",
        ),
        (
            ["report", "--month", "2026-03", "--site", "ZZ"],
            "complaintctl: --site: no site 'ZZ' in this ledger (accepted: HX, MAIN, YG)",
        ),
        (
            ["digest", "--site", "ZZ"],
            "complaintctl: --site: no site 'ZZ' in this ledger (accepted: HX, MAIN, YG)",
        ),
        (
            ["site", "add", "1X", "--name", "某项目"],
            "complaintctl: CODE: '1X' is not a site code (one letter and up to three more "
            "letters or digits, e.g. YG)",
        ),
        (
            ["site", "default", "ZZ"],
            "complaintctl: CODE: no site 'ZZ' in this ledger (accepted: HX, MAIN, YG)",
        ),
        (
            ["link", "YG-1", "HX-1"],
            "complaintctl: OTHER: #HX-1 is of site HX, #YG-1 of YG; duplicates are linked "
            "within one site",
        ),
        (
            ["classify", "ZZ-1", "--severity", "重大"],
            "complaintctl: ID: no site 'ZZ' in this ledger (accepted: HX, MAIN, YG)",
        ),
    ],
)
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_bad_site_is_one_line_and_nothing_is_written(three, db, args, message):
    before = snapshot(db)
    result = three(*args)
    assert result.exit_code == 2, result.stdout
    assert result.stderr == message + "\n"
    assert result.stdout == ""
    assert snapshot(db) == before


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_bad_site_from_the_environment_names_the_option(three, db, monkeypatch):
    before = snapshot(db)
    monkeypatch.setenv("COMPLAINTCTL_SITE", "ZZ")
    result = three("register", "--channel", "电话", *PERSON, "--unit", "1-1",
                   "--description", "漏水")  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        "complaintctl: --site: no site 'ZZ' in this ledger (accepted: HX, MAIN, YG)\n"
    )
    assert snapshot(db) == before


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_site_is_added_once(three, db):
    before = snapshot(db)
    result = three("site", "add", "YG", "--name", "别的")
    assert result.exit_code == 1
    assert result.stderr == "complaintctl: site YG exists already (阳光花园)\n"
    assert snapshot(db) == before


# -- export and import carry the site ----------------------------------------------------------
def test_export_names_the_site_and_import_goes_into_one(three, tmp_path, run):
    out = run.ok("export", "--site", "YG", "--with-personal-data")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    header = rows[0]
    assert header[0] == "编号"
    assert header[header.index("项目")] == "项目"
    assert [(r[0], r[header.index("项目")]) for r in rows[1:]] == [("1", "YG"), ("2", "YG")]
    register = tmp_path / "yg.csv"
    register.write_text(
        "房号,投诉内容,投诉人,联系电话,受理时间\n5-501,漏水,李四,13900001111,2026-03-05 09:00\n",
        encoding="utf-8",
    )
    assert run.ok("import", str(register), "--site", "YG").startswith(
        "已从 yg.csv 导入 1 条投诉（#YG-3–#YG-3）"
    )
    assert run.json("show", "YG-3")["unit"] == "5-501"
    register.write_text(
        "房号,投诉内容,投诉人,联系电话,受理时间\n5-502,漏水,王五,13900002222,2026-03-06 09:00\n",
        encoding="utf-8",
    )
    imported = run.json("--site", "YG", "import", str(register))
    assert (imported["site"], imported["ids"]) == ("YG", [4, 4])
    assert run.ok("verify").startswith("校验通过：")


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.sqlite_only("edits the file by hand")
def test_verify_finds_sites_edited_by_hand(three, db):
    run = three
    run.ok("site", "default", "YG")
    assert run.ok("verify").startswith("ok: 7 events, 4 complaints")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE sites SET name = '别的' WHERE code = 'HX'")
        conn.execute("INSERT INTO sites (code, name, added_at) VALUES ('ZZ', '某项目', 1)")
        conn.execute("UPDATE settings SET value = 'HX'")
        conn.execute("UPDATE complaints SET site = 'HX' WHERE id = 1")
    result = run("verify")
    assert result.exit_code == 1
    assert result.stdout == (
        "#1 site: log says MAIN, table says HX\n"
        "site HX name: does not match the site_added event 3: edited after it was added\n"
        "site ZZ row: added without a site_added event\n"
        "ledger default site: not YG, the site its events chose\n"
    )


def test_the_shell_keeps_the_site_it_was_started_with(three):
    result = three(
        "--site", "HX", "shell", input="show 1\nsite add QA --name 测试\nlist --site QA\n"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "#HX-1"
    assert "已添加项目 QA：测试" in result.stdout
    assert "没有符合条件的投诉。" in result.stdout  # the new site is known at once


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_refused_step_names_the_complaint_by_its_site_and_number(three, db):
    before = snapshot(db)
    result = three("reopen", "YG-2", "--reason", "仍漏水")
    assert result.exit_code == 1
    assert result.stderr == (
        "complaintctl: cannot reopen #YG-2: it is registered; allowed now: classify, assign, "
        "update, close\n"
    )
    assert snapshot(db) == before


def test_a_plain_duplicate_number_is_of_the_main_complaints_site(three):
    run = three
    out = run.ok("link", "YG-1", "2", "--at", "2026-03-02 10:00")
    assert out == "#YG-2 已作为重复投诉并入 #YG-1\n"
    shown = run.json("show", "YG-2")
    assert (shown["site"], shown["id"], shown["duplicate_of"]) == ("YG", 2, 1)
    table = run.ok("list", "--site", "YG")
    assert "并单→#YG-1" in table
    assert run.ok("verify").startswith("校验通过：")
