"""Importing registers (issue 7): sheets made here in GB18030, UTF-8 with BOM and .xlsx, with
bad rows; the complaints, deadlines to the minute, the rejects file, idempotence, dry runs."""

from __future__ import annotations

import csv
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from ledgertools import snapshot

from complaintctl.transfer.sheets import FIELDS, field_for

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL

HEADER = ["序号", "投诉日期", "投诉时间", "投诉人", "房号", "联系电话", "投诉内容", "投诉来源",
          "投诉类别", "是否紧急", "处理部门", "处理人", "处理结果", "完成时间", "回访结果",
          "回访时间", "备注"]  # fmt: skip
ROWS = [
    # closed: assigned on receipt, resolved, followed up
    ["1", "2026/3/2", "9:00", "张三", "3-1-502", "138 1234 5678", "楼道灯不亮", "电话",
     "设施设备", "否", "工程部", "李工", "已更换灯管", "2026/3/3 16:00", "满意",
     "2026/3/4 10:00", ""],
    # 是否紧急 = 是 -> major; no phone; still open
    ["2", "2026年3月5日 14:30", "", "李四", "A-101", "", "电梯困人", "来访", "设施设备", "是",
     "工程部", "", "", "", "", "", ""],
    # a completion date without a time (end of that day); a verdict in words; WeChat = online
    ["3", "2026.3.6", "10:00", "王五", "B-202", "021-12345678", "垃圾未清", "微信", "环境卫生",
     "否", "保洁部", "", "已清理", "2026-03-06", "业主表示不满意", "", ""],
    # an Excel serial date-time typed as a number; the hotline; nothing else yet
    ["4", "46090.375", "", "赵六", "5-501", "13900001111", "夜间噪音", "热线", "安全秩序", "",
     "", "", "", "", "", "", "已电话安抚"],
]  # fmt: skip


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def register_sheet(folder: Path, encoding: str = "utf-8-sig", name: str = "投诉记录表.csv") -> Path:
    """The register as a service centre keeps it: a title row above the header."""
    return write_csv(folder / name, [["投诉记录表（2026年3月）"], HEADER, *ROWS], encoding)


def due(shown: dict[str, Any]) -> dict[str, tuple[str, str | None, str]]:
    return {m["name"]: (m["due_at"], m["done_at"], m["state"]) for m in shown["milestones"]}


AS_OF = "2026-03-20 12:00"


def check_register(run, file: str = "投诉记录表.csv") -> None:
    """The four rows of ROWS, as complaints."""
    one = run.json("show", "1", "--as-of", AS_OF)
    assert (one["status"], one["channel"], one["severity"], one["category"]) == (
        "closed", "phone", None, "设施设备",
    )  # fmt: skip
    assert (one["name"], one["phone"], one["unit"], one["description"]) == (
        "张三", "13812345678", "3-1-502", "楼道灯不亮",
    )  # fmt: skip
    assert (one["department"], one["handler"], one["resolution"], one["satisfaction"]) == (
        "工程部", "李工", "已更换灯管", "satisfied",
    )  # fmt: skip
    assert one["received_at"] == "2026-03-02T09:00:00+08:00"
    assert one["resolved_at"] == "2026-03-03T16:00:00+08:00"
    assert one["followed_up_at"] == "2026-03-04T10:00:00+08:00"
    # unclassified: first contact within 24 h, done within 3 working days (Mar 3, 4, 5)
    assert due(one) == {
        "respond": ("2026-03-03T09:00:00+08:00", "2026-03-03T16:00:00+08:00", "late"),
        "resolve": ("2026-03-06T00:00:00+08:00", "2026-03-03T16:00:00+08:00", "met"),
    }
    assert [e["kind"] for e in one["events"]] == [
        "registered",
        "assigned",
        "resolved",
        "followed_up",
    ]
    assert one["events"][1]["at"] == "2026-03-02T09:00:00+08:00"  # no dispatch time: on receipt
    assert {e["by"] for e in one["events"]} == {"王芳"}
    assert one["events"][0]["data"]["source"] == "import"
    assert one["events"][0]["data"]["row"] == 3  # as the spreadsheet numbers it
    assert one["events"][0]["data"]["file"] == file

    two = run.json("show", "2", "--as-of", AS_OF)
    assert (two["status"], two["severity"], two["channel"], two["phone"]) == (
        "assigned", "major", "visit", "",
    )  # fmt: skip
    assert due(two) == {
        "respond": ("2026-03-05T14:45:00+08:00", None, "breached"),
        "assign": ("2026-03-05T16:30:00+08:00", "2026-03-05T14:30:00+08:00", "met"),
        "plan": ("2026-03-07T00:00:00+08:00", None, "breached"),  # 1 wd: end of Fri 6th
        "resolve": ("2026-03-20T00:00:00+08:00", None, "breached"),  # 10 wd: end of Thu 19th
        "update": ("2026-03-06T14:30:00+08:00", None, "breached"),
    }

    three = run.json("show", "3", "--as-of", AS_OF)
    assert (three["status"], three["channel"], three["satisfaction"]) == (
        "closed", "online", "unsatisfied",
    )  # fmt: skip
    assert three["resolved_at"] == three["followed_up_at"] == "2026-03-06T23:59:00+08:00"
    assert three["events"][-1]["data"]["note"] == "业主表示不满意"
    # online before classification: the channel's 1 h replaces the 24 h first-contact limit
    assert due(three) == {
        "respond": ("2026-03-06T11:00:00+08:00", "2026-03-06T23:59:00+08:00", "late"),
        "resolve": ("2026-03-12T00:00:00+08:00", "2026-03-06T23:59:00+08:00", "met"),
    }

    four = run.json("show", "4", "--as-of", AS_OF)
    assert (four["status"], four["channel"], four["received_at"], four["department"]) == (
        "registered", "phone", "2026-03-09T09:00:00+08:00", None,
    )  # fmt: skip
    assert due(four) == {
        "respond": ("2026-03-10T09:00:00+08:00", None, "breached"),
        "resolve": ("2026-03-13T00:00:00+08:00", None, "breached"),
    }


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "utf-8"])
def test_import_register_csv(run, tmp_path, encoding):
    sheet = register_sheet(tmp_path, encoding)
    result = run("import", str(sheet))
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout == "已从 投诉记录表.csv 导入 4 条投诉（#1–#4）；0 条已存在；跳过 1 行标题\n"
    )
    assert result.stderr == (
        "complaintctl：import：未读取的列：备注（用 --map '列名=字段' 读取其中一列）\n"
    )
    check_register(run)
    assert run.ok("verify").startswith("校验通过：11 条事件，4 件投诉")


def test_import_register_xlsx(run, tmp_path):
    """Real date-time cells, date-only cells, time cells, numbers for phones and serials."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "3月"
    ws.append(["投诉记录表"])
    ws.append(HEADER)
    cells: list[list[Any]] = [list(r) for r in ROWS]
    cells[0][1:3] = [date(2026, 3, 2), time(9, 0)]
    cells[0][5] = 13812345678  # typed as a number
    cells[0][13] = datetime(2026, 3, 3, 16, 0)
    cells[0][15] = datetime(2026, 3, 4, 10, 0)
    cells[1][1] = datetime(2026, 3, 5, 14, 30)
    cells[2][1:3] = [date(2026, 3, 6), "10:00"]
    cells[2][13] = date(2026, 3, 6)
    cells[3][1] = 46090.375
    for row in cells:
        ws.append(row)
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy/m/d h:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy/m/d"
    ws.cell(3, 3).number_format = "h:mm"
    book.create_sheet("说明")
    book.save(tmp_path / "台账.xlsx")
    assert run.ok("import", str(tmp_path / "台账.xlsx")) == (
        "已从 台账.xlsx [3月] 导入 4 条投诉（#1–#4）；0 条已存在；跳过 1 行标题；"
        "跳过工作表 说明（无表头）\n"
    )
    check_register(run, "台账.xlsx")
    # another sheet by name: only an explanation, no header row
    result = run("import", str(tmp_path / "台账.xlsx"), "--sheet", "说明")
    assert result.exit_code == 2
    assert result.stderr.startswith("complaintctl：FILE：台账.xlsx [说明]：前 20 行中没有表头行")


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_bad_rows_refuse_the_whole_file(run, db, tmp_path):
    rows = [
        ["受理时间", "房号", "投诉内容", "联系电话", "投诉类别", "严重程度", "处理结果", "完成时间"],
        ["2026-03-02 09:00", "1-101", "漏水", "13812345678", "设施设备", "轻微", "", ""],
        ["", "1-102", "噪音", "", "", "", "", ""],
        ["2026-03-02 09:00", "1-103", "堵塞", "1381234567", "", "", "", ""],
        ["2026-03-03 10:00", "1-104", "电梯", "13812345678", "电梯类", "特大", "已修好",
         "2026-03-02 09:00"],
        ["2030-01-01 10:00", "1-105", "积水", "", "", "", "", ""],
        ["2026-03-04 08:00", "", "灯坏", "", "", "", "已修", ""],
        ["2026-02-30", "1-107", "x", "138****5678", "", "", "", ""],
    ]  # fmt: skip
    sheet = write_csv(tmp_path / "bad.csv", rows)
    run.ok("list")  # the ledger exists
    before = snapshot(db)
    result = run("import", str(sheet))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "bad.csv:3: column '受理时间': must not be empty"
    assert lines[1] == (
        "bad.csv:4: column '联系电话' '138****4567': not a phone number (10 digits given); use a mobile "
        "(11 digits, 13812345678) or a landline (021-12345678)"
    )
    assert lines[2].startswith(
        "bad.csv:5: column '投诉类别' '电梯类': unknown value '电梯类' (accepted: 服务态度, "
    )
    assert (
        "其他); column '严重程度' '特大': unknown value '特大' (accepted: minor, moderate, major); "
        in lines[2]
    )
    assert lines[2].endswith(
        "; column '完成时间' '2026-03-02 09:00': 2026-03-02 09:00 is before the complaint was received "
        "(2026-03-03 10:00)"
    )
    assert lines[3] == (
        "bad.csv:6: column '受理时间' '2030-01-01 10:00': 2030-01-01 10:00 is in the future"
    )
    # (a result without its time is handled at an unknown time, issue 16: not a problem)
    assert lines[4] == "bad.csv:7: column '房号': must not be empty"
    # a masked phone of another system's register is withheld, not a problem (issue 16)
    assert lines[5] == (
        "bad.csv:8: column '受理时间' '2026-02-30': no such date or time '2026-02-30'"
    )
    assert lines[6] == (
        "complaintctl: import: 6 bad rows in bad.csv; nothing imported (fix them, or "
        "--skip-invalid imports the 1 good row)"
    )
    assert len(lines) == 7
    assert snapshot(db) == before
    assert not (tmp_path / "bad.rejects.csv").exists()


def test_dry_run_reports_and_writes_nothing(run, db, tmp_path):
    rows = [
        ["投诉日期", "房号", "投诉内容", "回访结果"],
        ["2026/3/2", "1-101", "漏水", ""],
        ["2026/3/2", "1-102", "噪音", "满意"],
        ["2026/3/2", "1-101", "漏水", ""],
        ["", "", "", ""],
        ["2026/3/3", "1-103", "灯坏", ""],
    ]
    sheet = write_csv(tmp_path / "r.csv", rows)
    run.ok("list")
    before = snapshot(db)
    result = run("import", str(sheet), "--dry-run")
    assert result.exit_code == 2
    assert result.stdout == (
        "r.csv:第 3 行：列「回访结果」“满意”：须先有处理结果（「处理结果」）\n"
        "r.csv:第 4 行：与第 2 行重复；未导入\n"
        "试运行：r.csv 中 2 条投诉可导入；0 条已存在；1 行与前面的行重复；1 行有误；跳过 1 行空行；"
        "未写入任何内容\n"
    )
    result = run("--lang", "en", "import", str(sheet), "--dry-run", "--skip-invalid")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == (
        "dry run: 2 complaints of r.csv would be imported; 0 already present; "
        "1 row repeats an earlier row; 1 bad row; skipped 1 blank row; nothing written"
    )
    assert snapshot(db) == before
    assert not (tmp_path / "r.rejects.csv").exists()


def test_skip_invalid_imports_good_rows_and_writes_rejects(run, tmp_path):
    rows = [
        ["受理时间", "房号", "投诉内容", "联系电话", "备注"],
        ["2026-03-02 09:00", "1-101", "漏水", "13812345678", "a"],
        ["2026-03-02 10:00", "1-102", "噪音", "12345", "b"],
        ["2026-03-02 11:00", "1-103", "灯坏", "", "c"],
        ["2026-03-02 12:00", "", "堵塞\n两处", "", "d"],
    ]
    sheet = write_csv(tmp_path / "三月.csv", rows, "gb18030")
    assert run.ok("import", str(sheet), "--skip-invalid") == (
        "已从 三月.csv 导入 2 条投诉（#1–#2）；0 条已存在；2 行有误未导入，见 三月.rejects.csv\n"
    )
    rejects = tmp_path / "三月.rejects.csv"
    raw = rejects.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(raw.decode("utf-8-sig").splitlines(keepends=True))) == [
        ["受理时间", "房号", "投诉内容", "联系电话", "备注", "source_row", "reason"],
        ["2026-03-02 10:00", "1-102", "噪音", "12345", "b", "3",
         "列「联系电话」“*****”：不是电话号码（给出了 5 位数字）；请用手机号（11 位，13812345678）"
         "或座机号（021-12345678）"],
        ["2026-03-02 12:00", "", "堵塞\n两处", "", "d", "5", "列「房号」：不能为空"],
    ]  # fmt: skip
    assert [c["unit"] for c in run.json("list")] == ["1-103", "1-101"]
    assert run.json("show", "2")["phone"] == ""
    shown = run.ok("show", "2")  # no name column and no phone: anonymous (issue 14)
    assert "\n投诉人        匿名\n" in shown and "\n电话          匿名\n" in shown

    # fix the rejects file and import it as it is
    fixed = (
        raw.decode("utf-8-sig")
        .replace("12345,b", "13912345678,b")
        .replace(',,"堵塞', ',1-104,"堵塞')
    )
    rejects.write_text(fixed, encoding="utf-8-sig")
    assert run.ok("import", str(rejects)) == (
        "已从 三月.rejects.csv 导入 2 条投诉（#3–#4）；0 条已存在\n"
    )
    assert run.json("show", "4")["description"] == "堵塞\n两处"


def test_import_twice_or_reordered_does_not_duplicate(run, tmp_path):
    sheet = register_sheet(tmp_path)
    run.ok("import", str(sheet))
    before = run.json("list")
    assert run.ok("--lang", "en", "import", str(sheet)) == (
        "imported 0 complaints from 投诉记录表.csv; 4 already present; skipped 1 title row\n"
    )
    # the same register sorted the other way, re-numbered, the time written differently
    rows = [r[:] for r in reversed(ROWS)]
    for n, row in enumerate(rows, start=1):
        row[0] = str(n)
    rows[-1][1:3] = ["2026-03-02 09:00", ""]
    write_csv(tmp_path / "sorted.csv", [HEADER, *rows], "gb18030")
    assert run.ok("import", str(tmp_path / "sorted.csv")) == (
        "已从 sorted.csv 导入 0 条投诉；4 条已存在\n"
    )
    # a later copy of the register: one new row, one complaint handled since
    rows = [r[:] for r in ROWS]
    rows[1][12:14] = ["已解救", "2026-03-05 15:00"]
    rows.append(["5", "2026-03-10", "08:30", "钱七", "6-601", "", "快递柜故障", "", "其他", "",
                 "", "", "", "", "", "", ""])  # fmt: skip
    write_csv(tmp_path / "later.csv", [HEADER, *rows])
    assert run.ok("import", str(tmp_path / "later.csv")) == (
        "已从 later.csv 导入 1 条投诉（#5–#5）；4 条已存在\n"
    )
    after = run.json("list")
    assert after[1:] == before
    assert after[0]["channel"] == "other"  # no channel given: 其他 (or --channel)


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_map_names_other_columns(run, tmp_path):
    rows = [
        ["登记日", "楼栋房号", "事由", "投诉人", "联系电话", "备注"],
        ["2026-03-02 09:00", "1-101", "漏水", "张三", "13812345678", "地下车库B1"],
    ]
    sheet = write_csv(tmp_path / "m.csv", rows)
    result = run("import", str(sheet))
    assert result.exit_code == 2
    assert result.stderr == (
        "complaintctl: FILE: m.csv: no column for received_at (e.g. 受理时间, 投诉日期, 受理日期); "
        "columns: 登记日, 楼栋房号, 事由, 投诉人, 联系电话, 备注; use --map 'COLUMN=received_at'\n"
    )
    result = run("import", str(sheet), "--map", "登记日=received_at", "--map", "楼栋房号=房号",
                 "--map", "事由 = description", "--map", "备注=位置", "--channel", "来访")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    shown = run.json("show", "1")
    assert (shown["unit"], shown["description"], shown["location"], shown["channel"]) == (
        "1-101", "漏水", "地下车库B1", "visit",
    )  # fmt: skip
    result = run("import", str(sheet), "--map", "备注=remark")
    assert (result.exit_code, result.stderr.split(" (accepted:")[0]) == (
        2, "complaintctl: --map: '备注=remark': unknown field 'remark'",
    )  # fmt: skip
    result = run("import", str(sheet), "--map", "附件=ignore")
    assert result.stderr.startswith("complaintctl: --map: no column '附件' in the header row (")


def test_urgency_severity_and_steps(run, tmp_path):
    rows = [
        ["受理时间", "房号", "投诉内容", "是否紧急", "严重程度", "投诉性质", "处理部门", "派单时间",
         "首次联系时间", "处理方案", "方案时间", "处理状态"],
        ["2026-03-02 09:00", "1-1", "水管爆裂", "是", "", "有效", "工程部", "2026-03-02 09:20",
         "2026-03-02 09:10", "关阀抢修", "2026-03-02 12:00", "处理中"],
        ["2026-03-02 09:00", "1-2", "墙面渗水", "是", "中度", "", "", "", "", "", "", ""],
        ["2026-03-02 09:00", "1-3", "门禁失灵", "否", "", "", "", "", "", "", "", "已完成"],
        ["2026-03-02 09:00", "1-4", "井盖松动", "也许", "", "", "", "", "", "", "", ""],
    ]  # fmt: skip
    sheet = write_csv(tmp_path / "u.csv", rows)
    result = run("import", str(sheet))
    assert result.stderr.splitlines()[:2] == [
        "u.csv:第 4 行：列「处理状态」“已完成”：状态为已完成，但没有处理结果",
        "u.csv:第 5 行：列「是否紧急」“也许”：无法识别（可选：是/紧急 = 重大、否）",
    ]
    run.ok("import", str(sheet), "--skip-invalid")
    one = run.json("show", "1", "--as-of", "2026-03-02 13:00")
    assert (one["severity"], one["nature"], one["status"]) == ("major", "valid", "in_progress")
    assert [e["kind"] for e in one["events"]] == ["registered", "assigned", "updated", "updated"]
    assert one["events"][3]["data"]["plan"] == "关阀抢修"
    assert due(one) == {
        "respond": ("2026-03-02T09:15:00+08:00", "2026-03-02T09:10:00+08:00", "met"),
        "assign": ("2026-03-02T11:00:00+08:00", "2026-03-02T09:20:00+08:00", "met"),
        "plan": ("2026-03-04T00:00:00+08:00", "2026-03-02T12:00:00+08:00", "met"),
        "resolve": ("2026-03-17T00:00:00+08:00", None, "pending"),
        # the 24 h progress clock restarts at each progress report: 12:00 + 24 h
        "update": ("2026-03-03T12:00:00+08:00", None, "pending"),
    }
    assert run.json("show", "2")["severity"] == "moderate"  # a severity column wins over 是否紧急


def test_steps_out_of_order_are_bad_rows(run, tmp_path):
    rows = [
        ["受理时间", "房号", "投诉内容", "处理部门", "派单时间", "处理结果", "完成时间", "回访结果",
         "回访时间"],
        ["2026-03-05 09:00", "1-1", "a", "工程部", "2026-03-06 09:00", "已修", "2026-03-05 18:00",
         "满意", "2026-03-05 17:00"],
        ["2026-03-05 09:00", "1-2", "b", "", "", "", "", "", "2026-03-06"],
        ["2026-03-05 09:00", "1-3", "c", "维修部", "", "", "", "", ""],
    ]  # fmt: skip
    result = run("import", str(write_csv(tmp_path / "o.csv", rows)))
    assert result.stderr.splitlines()[:3] == [
        "o.csv:第 2 行：列「派单时间」“2026-03-06 09:00”：2026-03-06 09:00 晚于办结时间"
        "（2026-03-05 18:00）；列「回访时间」“2026-03-05 17:00”：2026-03-05 17:00 早于办结时间"
        "（2026-03-05 18:00）",
        "o.csv:第 3 行：列「回访时间」“2026-03-06”：须同时填写回访评价（「回访结果」）",
        "o.csv:第 4 行：列「处理部门」“维修部”：未知的值 “维修部”（可选：客服部、工程部、保洁部、"
        "绿化部、秩序维护部、财务部）",
    ]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_imported_chain_verifies_and_continues(run, tmp_path):
    run.ok("register", "--channel", "电话", "--name", "甲", "--unit", "9-9", "--phone",
           "13800000000", "--description", "先登记的", "--at", "2026-03-01 08:00")  # fmt: skip
    run.ok("import", str(register_sheet(tmp_path)))
    run.ok("classify", "5", "--severity", "轻微", "--at", "2026-03-10 09:00")
    assert run.ok("verify").startswith("ok: 13 events, 5 complaints")
    assert [c["id"] for c in run.json("list")] == [5, 4, 3, 2, 1]


def test_json_summary(run, tmp_path):
    out = run.json("import", str(register_sheet(tmp_path)))
    assert out == {
        "file": str(tmp_path / "投诉记录表.csv"),
        "header_row": 2,
        "rows": 4,
        "imported": 4,
        "already_present": 0,
        "to_import": 4,
        "repeated_rows": [],
        "bad_rows": [],
        "ignored_columns": ["备注"],
        "skipped": {"title_rows": 1, "footer_rows": 0, "blank_rows": 0, "sheets": []},
        "sheets": [
            {"sheet": None, "header_row": 2, "rows": 4, "year": 2026, "stopped_at_blank_rows": None}
        ],
        "withheld_phones": 0,
        "received_time_unknown": 0,
        "handled_time_unknown": 0,
        "ids": [1, 4],
        "site": "MAIN",
        "rejects_file": None,
        "dry_run": False,
    }


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.xls", b"\xd0\xcf\x11\xe0", "FILE: x.xls: the old .xls format; save it as .xlsx or CSV"),
        ("x.pdf", b"%PDF", "FILE: x.pdf: unknown kind of file (accepted: .csv, .xlsx, .jsonl)"),
        (
            "x.csv",
            "日期,房号\n".encode("utf-16"),
            "FILE: x.csv is UTF-16 text; save it as 'CSV UTF-8' or .xlsx",
        ),
        ("x.xlsx", b"PK\x03\x04 not a zip", "FILE: x.xlsx: not a readable .xlsx workbook ("),
        ("missing.csv", None, "FILE: no such file "),
    ],
)
def test_unreadable_files_are_one_line(run, tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    result = run("import", str(tmp_path / name))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"complaintctl: {message}")
    assert result.stderr.count("\n") == 1


def test_header_recognition():
    assert field_for(" 投诉日期 ") == "received_at"
    assert field_for("*联系电话（手机）") == "phone"
    assert field_for("Received At") == "received_at"
    assert field_for("FOLLOWED_UP_AT") == "followed_up_at"
    assert field_for("备注") is None
    headers = [h for names in FIELDS.values() for h in names]
    assert len(headers) == len(set(headers)), "a header names two fields"


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_bad_row_after_thousands_of_good_ones_rolls_everything_back(run, db, tmp_path):
    """Rows are written in chunks as they are checked; a bad row at the end undoes them all."""
    rows = [["受理时间", "房号", "投诉内容", "处理部门"]]
    rows += [[f"2026-03-02 {n // 60 % 24:02d}:{n % 60:02d}", f"{n}-1", "漏水", "工程部"]
             for n in range(2100)]  # fmt: skip
    rows.append(["2026-03-02 09:00", "", "灯坏", "工程部"])
    sheet = write_csv(tmp_path / "big.csv", rows)
    run.ok("list")
    before = snapshot(db)
    result = run("import", str(sheet))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "big.csv:2102: column '房号': must not be empty",
        "complaintctl: import: 1 bad row in big.csv; nothing imported (fix them, or "
        "--skip-invalid imports the 2100 good rows)",
    ]
    assert snapshot(db) == before
    # a rejects file that cannot be written stops the import too
    (tmp_path / "big.rejects.csv").mkdir()
    result = run("import", str(sheet), "--skip-invalid")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"--skip-invalid: {tmp_path / 'big.rejects.csv'} is a folder; give a file name\n"
    )
    assert snapshot(db) == before
    (tmp_path / "big.rejects.csv").rmdir()
    out = run.ok("--lang", "en", "import", str(sheet), "--skip-invalid")
    assert (
        out
        == "imported 2100 complaints (#1-#2100) from big.csv; 0 already present; 1 bad row skipped -> big.rejects.csv\n"
    )
    assert run.ok("verify").startswith("ok: 4200 events, 2100 complaints")
