"""Issue 22, finding 7: CSV formula injection.  Every CSV the tool writes puts a ``'`` before a
text cell a spreadsheet would run as a formula (after masking), numbers stay numbers, and an
import takes the quote off again so the round trip is exact."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_import import HEADER, ROWS, write_csv

from complaintctl.domain.cells import FORMULA_START, restore, safe

HOSTILE = {
    "name": '=HYPERLINK("http://x","点我")',
    "unit": "+3-1-502",
    "description": "-2+3 楼道灯不亮",
    "location": "@SUM(A1)",
}


@given(st.text(max_size=20))
def test_safe_never_starts_a_formula_and_restore_undoes_it(text):
    cell = safe(text)
    assert not cell or cell[0] not in FORMULA_START
    assert restore(cell) == text


def test_numbers_stay_numbers():
    assert safe(-5) == -5 and safe(12.5) == 12.5 and safe(None) is None
    assert safe("'=x") == "''=x" and restore("''=x") == "'=x"
    assert safe("张三") == "张三" and restore("'张三") == "'张三"


def _rows(text: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.backends
def test_csv_export_neutralises_formulas_after_masking(run, register, tmp_path):
    register(at="2026-03-02 09:00", **HOSTILE)
    run.ok(
        "assign", "1", "--department", "工程部", "--handler", "=李工", "--at", "2026-03-02 09:30"
    )
    run.ok("close", "1", "--resolution", "-已更换灯管", "--at", "2026-03-02 16:00")
    (row,) = _rows(run.ok("export"))
    assert row["投诉人"] == "'=" + "*" * (len(HOSTILE["name"]) - 1)  # masked, then made safe
    assert (row["房号"], row["投诉内容"], row["位置"]) == (
        "'+3-1-502", "'-2+3 楼道灯不亮", "'@SUM(A1)",
    )  # fmt: skip
    assert (row["处理人"], row["处理结果"], row["复议次数"]) == ("'=李工", "'-已更换灯管", "0")
    path = tmp_path / "full.csv"
    run.ok("export", "--with-personal-data", "-o", str(path))
    (row,) = _rows(path.read_text(encoding="utf-8-sig"))
    assert row["投诉人"] == "'" + HOSTILE["name"]
    # the round trip is exact: imported into an empty ledger, every text is as typed
    empty = tmp_path / "empty.db"
    run.ok("--db", str(empty), "import", str(path))
    shown = run.json("--db", str(empty), "show", "1")
    assert {k: shown[k] for k in HOSTILE} == HOSTILE
    assert (shown["handler"], shown["resolution"]) == ("=李工", "-已更换灯管")


@pytest.mark.backends
def test_report_csv_neutralises_formulas(run, register):
    register(at="2026-03-02 09:00", category="设施设备", location="@地下车库")
    run.ok(
        "assign", "1", "--department", "工程部", "--handler", "+王工", "--at", "2026-03-02 09:30"
    )
    text = run.ok("report", "--month", "2026-03", "--by", "handler", "--format", "csv")
    cells = [c for r in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in r]
    assert "'+王工" in cells and "'@地下车库" in cells
    assert not [c for c in cells if c and c[0] in FORMULA_START]
    assert "-" not in {c[:1] for c in cells}  # numbers stay numbers (none negative here)


@pytest.mark.backends
def test_rejects_file_is_safe_and_reimports_exactly(run, tmp_path):
    bad = ["9", "2026/13/45", "", "=cmd|' /C calc'!A0", "9-9", "", "x", "电话", *[""] * 9]
    sheet = write_csv(tmp_path / "reg.csv", [HEADER, ROWS[0], bad])
    run.ok("import", str(sheet), "--skip-invalid")
    text = (tmp_path / "reg.rejects.csv").read_text(encoding="utf-8-sig")
    (row,) = _rows(text)
    assert row["投诉人"] == "'=cmd|' /C calc'!A0"
    fixed = text.replace("2026/13/45", "2026/3/5")
    (tmp_path / "fixed.csv").write_text(fixed, encoding="utf-8-sig")
    run.ok("import", str(tmp_path / "fixed.csv"))
    assert run.json("show", "2")["name"] == "=cmd|' /C calc'!A0"
