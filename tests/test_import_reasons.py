"""Why each bad row of an import is bad, in the run's language (issue 15): the lines on
stderr, the rejects file's reason column and the JSON's stable English reason with its key."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_import import write_csv

from complaintctl.domain.messages import Msg
from complaintctl.transfer.rows import BadRow, Problem

pytestmark = pytest.mark.backends  # the import writes into either ledger

# A hand-kept register: a date without its year, a time that is none, a 是否紧急 nobody
# understands, a row without unit and description whose status claims more than it gives, a
# verdict that is no level and a follow-up before the receipt, a unit with a direction override.
ROWS = [
    ["登记日期", "时间", "房号", "投诉内容", "是否紧急", "处理结果", "回访结果", "回访时间",
     "处理状态"],
    ["2026-03-02", "09:00", "1-101", "漏水", "是", "", "", "", ""],
    ["3月3日", "10:00", "1-102", "噪音", "", "", "", "", ""],
    ["2026-03-03", "25:00", "1-103", "灯坏", "也许", "", "", "", ""],
    ["2026-03-04", "08:00", "", "", "", "", "满意", "", "已回访"],
    ["2026-03-04", "08:30", "2-201", "电梯\n异响", "", "已修", "差", "2026-03-04 08:00", ""],
    ["2026-03-04", "09:00", "3\u202e01", "墙裂", "", "", "", "", ""],
]  # fmt: skip

ZH = [
    "登记表.csv:第 3 行：列「登记日期」“3月3日”：“3月3日”没有年份；请用 --year 给出"
    "（如 --year 2026），或在工作表名或标题中写明年份（2026年3月）",
    "登记表.csv:第 4 行：列「时间」“25:00”：无法把“25:00”读作日期；请写成如 2026-03-05 14:30；"
    "列「是否紧急」“也许”：无法识别（可选：是/紧急 = 重大、否）",
    "登记表.csv:第 5 行：列「房号」：不能为空；列「投诉内容」：不能为空；列「回访结果」“满意”："
    "须先有处理结果（「处理结果」）；列「处理状态」“已回访”：状态为已完成，但没有处理结果",
    "登记表.csv:第 6 行：列「回访结果」“差”：无法识别的评价（可选：非常满意、满意、基本满意、"
    "不满意、非常不满意 或 5..1）；列「回访时间」“2026-03-04 08:00”：2026-03-04 08:00 "
    "早于受理时间（2026-03-04 08:30）",
    "登记表.csv:第 7 行：列「房号」“3\\u202e01”：含有不可见、换行或改变文字方向的字符（U+202E）；",
]
EN = [
    "登记表.csv:3: column '登记日期' '3月3日': '3月3日' has no year; give it with --year "
    "(e.g. --year 2026), or name the sheet or its title with the year (2026年3月)",
    "登记表.csv:4: column '时间' '25:00': cannot read '25:00' as a date; use e.g. "
    "2026-03-05 14:30; column '是否紧急' '也许': unknown value (accepted: 是/紧急 = major, 否)",
    "登记表.csv:5: column '房号': must not be empty; column '投诉内容': must not be empty; "
    "column '回访结果' '满意': needs a resolution first (处理结果); column '处理状态' '已回访': "
    "says done, but no resolution is given",
    "登记表.csv:6: column '回访结果' '差': unknown verdict (accepted: 非常满意, 满意, 基本满意, "
    "不满意, 非常不满意 or 5..1); column '回访时间' '2026-03-04 08:00': 2026-03-04 08:00 is "
    "before the complaint was received (2026-03-04 08:30)",
    "登记表.csv:7: column '房号' '3\\u202e01': contains an invisible",
]


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "登记表.csv", ROWS)


def test_bad_rows_in_chinese_by_default(run, sheet):  # type: ignore[no-untyped-def]
    result = run("import", str(sheet))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[:4] == ZH[:4]
    assert lines[4].startswith(ZH[4])  # the core's own message, quoted escaped
    assert lines[5:] == [
        "complaintctl：import：登记表.csv 中 5 行有误；未导入任何内容（请改正，或用 "
        "--skip-invalid 导入其余 1 行）"
    ]
    assert "\u202e" not in result.stderr


@pytest.mark.parametrize("how", ["--lang", "COMPLAINTCTL_LANG"])
def test_bad_rows_in_english(run, sheet, monkeypatch, how):  # type: ignore[no-untyped-def]
    if how == "--lang":
        result = run("--lang", "en", "import", str(sheet), "--dry-run")
    else:
        monkeypatch.setenv("COMPLAINTCTL_LANG", "en")
        result = run("import", str(sheet), "--dry-run")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[:4] == EN[:4]
    assert lines[4].startswith(EN[4])
    assert lines[5] == (
        "dry run: 1 complaint of 登记表.csv would be imported; 0 already present; "
        "5 bad rows; nothing written"
    )


def test_the_rejects_file_gives_the_reasons_in_the_runs_language(run, sheet, tmp_path):  # type: ignore[no-untyped-def]
    rejects = tmp_path / "登记表.rejects.csv"
    assert run.ok("import", str(sheet), "--skip-invalid") == (
        "已从 登记表.csv 导入 1 条投诉（#1–#1）；0 条已存在；5 行有误未导入，见 登记表.rejects.csv\n"
    )
    with rejects.open(encoding="utf-8-sig", newline="") as f:
        found = list(csv.reader(f))
    assert found[0][-2:] == ["source_row", "reason"]
    assert [(r[-2], r[-1]) for r in found[1:4]] == [
        ("3", ZH[0].removeprefix("登记表.csv:第 3 行：")),
        ("4", ZH[1].removeprefix("登记表.csv:第 4 行：")),
        ("5", ZH[2].removeprefix("登记表.csv:第 5 行：")),
    ]
    assert found[4][:4] == ["2026-03-04", "08:30", "2-201", "电梯\n异响"]  # the row as it was
    assert found[4][-1] == ZH[3].removeprefix("登记表.csv:第 6 行：")
    # a second import in English writes the file again, its reasons in English
    rejects.unlink()
    run.ok("--lang", "en", "import", str(sheet), "--skip-invalid")
    with rejects.open(encoding="utf-8-sig", newline="") as f:
        found = list(csv.reader(f))
    assert [(r[-2], r[-1]) for r in found[1:4]] == [
        ("3", EN[0].removeprefix("登记表.csv:3: ")),
        ("4", EN[1].removeprefix("登记表.csv:4: ")),
        ("5", EN[2].removeprefix("登记表.csv:5: ")),
    ]


def test_json_keeps_a_stable_english_reason_and_its_key(run, sheet):  # type: ignore[no-untyped-def]
    result = run("import", str(sheet), "--dry-run", "--json")
    assert result.exit_code == 2
    found = json.loads(result.stdout)
    assert [p for b in found["bad_rows"] if b["row"] == 5 for p in b["problems"]] == [
        {"row": 5, "column": "房号", "value": "", "reason": "must not be empty",
         "reason_key": "import.bad.empty"},
        {"row": 5, "column": "投诉内容", "value": "", "reason": "must not be empty",
         "reason_key": "import.bad.empty"},
        {"row": 5, "column": "回访结果", "value": "满意",
         "reason": "needs a resolution first (处理结果)",
         "reason_key": "import.bad.needs_resolution_first"},
        {"row": 5, "column": "处理状态", "value": "已回访",
         "reason": "says done, but no resolution is given",
         "reason_key": "import.bad.status_done_unresolved"},
    ]  # fmt: skip
    urgent = next(b for b in found["bad_rows"] if b["row"] == 4)["problems"][1]
    assert urgent["reason_key"] == "import.bad.urgent"
    seven = next(b for b in found["bad_rows"] if b["row"] == 7)["problems"][0]
    assert seven["reason"].startswith("contains an invisible")
    assert not seven["reason_key"].startswith("import.")  # the core's own key, not rewritten


@given(st.text(max_size=60), st.sampled_from(["zh", "en"]))
def test_a_problem_is_one_line_and_never_shows_an_invisible_character(value, lang):  # type: ignore[no-untyped-def]
    problem = Problem(2, "房号", value, Msg("import.bad.empty"))
    line = BadRow(2, [value], [problem]).line("r.csv", lang)
    assert "\n" not in line and "\u202e" not in line
    assert line.startswith(
        "r.csv:第 2 行：列「房号」" if lang == "zh" else "r.csv:2: column '房号'"
    )
