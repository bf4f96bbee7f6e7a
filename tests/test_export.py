"""Exporting the ledger (issue 7): CSV with BOM, xlsx and JSON lines, masked unless asked, and
the round trip: an export with personal data re-imports into an empty ledger as the same
complaints, deadlines and report."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL

AS_OF = "2026-03-20 12:00"


@pytest.fixture
def ledger_a(run, register):
    """Complaints that went through the usual steps at the terminal."""
    register(at="2026-03-02 09:00", severity="轻微", category="设施设备", location="3号楼大堂")
    run.ok("assign", "1", "--department", "工程部", "--handler", "李工", "--at", "2026-03-02 09:30")
    run.ok("update", "1", "--contacted", "--at", "2026-03-02 10:00")
    run.ok("close", "1", "--resolution", "已更换灯管", "--satisfied", "--at", "2026-03-03 16:00")

    register(at="2026-03-09 10:00", severity="中度", channel="网络", name="李四", unit="A-101",
             phone="021-12345678", description="电梯异响", nature="有效投诉")  # fmt: skip
    run.ok("assign", "2", "--department", "工程部", "--at", "2026-03-09 10:30")
    run.ok("update", "2", "--contacted", "--at", "2026-03-09 10:40")
    run.ok("update", "2", "--plan", "联系维保单位", "--at", "2026-03-09 15:00")
    run.ok("close", "2", "--resolution", "已更换导靴", "--at", "2026-03-12 16:00")

    register(at="2026-03-10 11:00", channel="信函", name="王五", unit="B-2", description="收费异议")

    register(
        at="2026-03-16 09:00", severity="重大", name="赵六", unit="5-501", description="水管爆裂"
    )
    run.ok(
        "assign", "4", "--department", "工程部", "--handler", "陈主管", "--at", "2026-03-16 09:20"
    )
    run.ok("update", "4", "--contacted", "--at", "2026-03-16 09:10")

    register(at="2026-03-17 09:00", name="钱七", unit="6-601", description="垃圾未清")
    run.ok(
        "classify", "5", "--severity", "中度", "--category", "环境卫生", "--at", "2026-03-17 12:00"
    )
    run.ok("assign", "5", "--department", "保洁部", "--at", "2026-03-17 13:00")
    run.ok("close", "5", "--resolution", "已清运", "--at", "2026-03-18 09:00")
    run.ok("followup", "5", "--unsatisfied", "--at", "2026-03-19 10:00")


def listed(run, db: Path | None = None) -> list[dict]:
    where = ["--db", str(db)] if db else []
    items = run.json(*where, "list", "--as-of", AS_OF, "--limit", "100")
    return [{k: v for k, v in item.items() if k != "id"} for item in items]


def report(run, db: Path | None = None) -> dict:
    where = ["--db", str(db)] if db else []
    return run.json(*where, "report", "--month", "2026-03", "--as-of", AS_OF)


def test_csv_export_masks_personal_data(run, ledger_a):
    out = run.ok("export")
    assert out.startswith(
        "\ufeff编号,受理时间,投诉来源,投诉人,联系电话,房号,位置,投诉内容,投诉类别,"
    )
    rows = list(csv.reader(io.StringIO(out[1:])))
    assert len(rows) == 6
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[-3:] == ["反馈时限", "反馈时间", "反馈状态"]
    assert first["投诉人"] == "张*" and first["联系电话"] == "138****5678"
    assert (first["受理时间"], first["投诉来源"], first["严重程度"], first["处理状态"]) == (
        "2026-03-02 09:00", "电话", "轻微", "已关闭",
    )  # fmt: skip
    assert (first["首次联系时限"], first["首次联系时间"]) == (
        "2026-03-03 09:00",
        "2026-03-02 10:00",
    )
    assert (first["完成时限"], first["实际完成时间"], first["完成状态"]) == (
        "2026-03-06 00:00", "2026-03-03 16:00", "按时完成",
    )  # fmt: skip
    assert (first["回访结果"], first["回访时间"], first["位置"]) == (
        "满意", "2026-03-03 16:00", "3号楼大堂",
    )  # fmt: skip


def test_english_export_and_date_range(run, ledger_a):
    out = run.ok("--lang", "en", "export", "--from", "2026-03-10", "--to", "2026-03-16")
    rows = list(csv.DictReader(io.StringIO(out[1:])))
    assert [r["id"] for r in rows] == ["3", "4"]
    three, four = rows
    assert (three["channel"], three["severity"], three["status"], three["name"]) == (
        "letter", "", "registered", "王*",
    )  # fmt: skip
    # a letter before classification: 2 working days to answer (Mar 11, 12)
    assert three["respond_due"] == "2026-03-13 00:00"
    assert (four["respond_due"], four["respond_done"], four["respond_state"]) == (
        "2026-03-16 09:15", "2026-03-16 09:10", "met",
    )  # fmt: skip
    assert four["status"] == "in_progress"


def test_xlsx_export(run, ledger_a, tmp_path):
    path = tmp_path / "台账.xlsx"
    assert run.ok("export", "-o", str(path)) == f"已导出 5 条投诉到 {path}\n"
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert ws.title == "投诉台账"
    assert rows[0][:4] == ("编号", "受理时间", "投诉来源", "投诉人")
    assert rows[1][:5] == (1, datetime(2026, 3, 2, 9, 0), "电话", "张*", "138****5678")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # a new file: owner-only, like the ledger


def test_jsonl_export_is_the_list_contract(run, ledger_a):
    lines = run.ok("export", "--format", "jsonl").splitlines()
    assert len(lines) == 5
    first = json.loads(lines[0])
    listed_first = run.json("list", "--limit", "100")[-1]
    assert {k: v for k, v in first.items() if k != "milestones"} == {
        k: v for k, v in listed_first.items() if k != "milestones"
    }
    assert first["phone"] == "138****5678"


def test_personal_data_export_is_owner_only(run, ledger_a, tmp_path):
    for name in ("a.csv", "a.xlsx", "a.jsonl"):
        run.ok("export", "--with-personal-data", "--output", str(tmp_path / name))
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert "张三,13812345678" in (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    assert list(tmp_path.glob(".*tmp*")) == []


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "--format: unknown format 'pdf' (accepted: csv, xlsx, jsonl)"),
        (["--format", "xlsx"], "--output: an xlsx export needs a file, e.g. --output 台账.xlsx"),
        (
            ["--from", "2026-03-10", "--to", "2026-03-01"],
            "--to: 2026-03-01 is before --from 2026-03-10",
        ),
        (
            ["--from", "2026-03-10 09:00"],
            "--from: cannot read date '2026-03-10 09:00'; use e.g. 2026-03-05",
        ),
        (["--output", "."], "--output: . is a folder; give a file name"),
        (
            ["--output", "ledger.db"],
            "--output: ledger.db is the ledger itself; choose another file",
        ),
        (
            ["--output", "no/such/dir/x.csv"],
            "--output: folder no/such/dir does not exist",
        ),
    ],
)
@pytest.mark.sqlite_only("one case is the ledger file itself as --output")
def test_bad_export_options(run, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run("export", *args)
    assert (result.exit_code, result.stderr) == (2, f"complaintctl: {message}\n")


@pytest.mark.parametrize(
    ("lang", "name"),
    [("zh", "台账.csv"), ("en", "ledger.csv"), ("zh", "台账.xlsx"), ("en", "l.jsonl")],
)
def test_round_trip_into_an_empty_ledger(run, ledger_a, tmp_path, lang, name):
    path = tmp_path / name
    run.ok("--lang", lang, "export", "--with-personal-data", "-o", str(path))
    empty = tmp_path / "empty.db"
    out = run.ok("--db", str(empty), "import", str(path))
    assert "导入 5 条投诉（#1–#5）；0 条已存在" in out
    assert listed(run, empty) == listed(run)
    assert report(run, empty) == report(run)
    # and the copy exports as the original did (but for the ids and the events behind it)
    again = tmp_path / f"again{path.suffix}"
    run.ok("--db", str(empty), "--lang", lang, "export", "--with-personal-data", "-o", str(again))
    if path.suffix == ".csv":
        assert again.read_text(encoding="utf-8-sig") == path.read_text(encoding="utf-8-sig")
    # importing the export again finds every complaint present
    assert "0 条已存在" not in run.ok("--db", str(empty), "import", str(again))


def test_masked_export_does_not_reimport(run, ledger_a, tmp_path):
    path = tmp_path / "masked.csv"
    run.ok("export", "-o", str(path))
    result = run("--db", str(tmp_path / "empty.db"), "import", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "masked.csv:第 2 行：列「联系电话」“138****5678”：号码已打码（要再导入，请用 "
        "export --with-personal-data 导出）"
    )
