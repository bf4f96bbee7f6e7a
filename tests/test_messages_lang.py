"""Lines that used to be English whatever --lang said (issue 15): verify's differences,
import's summaries, digest --send's failures; each in Chinese by default and in English under
--lang en, with the JSON fields unchanged."""

from __future__ import annotations

import json

import pytest
from test_reliability import make_history, sql, unguard

pytestmark = pytest.mark.sqlite_only("edits the ledger file behind the tool")


@pytest.fixture
def history(run, register):  # type: ignore[no-untyped-def]
    return make_history(run, register)


def test_a_table_row_edited_in_both_languages(run, db, history) -> None:  # type: ignore[no-untyped-def]
    sql(db, "UPDATE complaints SET handler = '王五', resolved_at = NULL WHERE id = 1")
    result = run("verify")
    assert result.exit_code == 1
    assert result.stdout == (
        "#1 handler：日志为 李工，数据表为 王五\n"
        "#1 resolved_at：日志为 2026-03-03 16:00，数据表为 空值\n"
    )
    assert result.stderr == "complaintctl：校验发现事件记录与数据表之间有 2 处不一致\n"
    result = run("--lang", "en", "verify")
    assert result.stdout == (
        "#1 handler: log says 李工, table says 王五\n"
        "#1 resolved_at: log says 2026-03-03 16:00, table says nothing\n"
    )
    assert result.stderr == (
        "complaintctl: verify found 2 difference(s) between the log and the tables\n"
    )
    # --json says it in English whatever the language: the contract of its fields
    (handler, _) = json.loads(run("verify", "--json").stdout)["differences"]
    assert handler["message"] == "log says 李工, table says 王五"
    assert handler["text"] == "#1 handler: log says 李工, table says 王五"


def test_an_edited_event_in_both_languages(run, db, history) -> None:  # type: ignore[no-untyped-def]
    unguard(db)
    sql(db, "UPDATE events SET by = '经理' WHERE seq = 2")
    result = run("verify")
    assert result.exit_code == 1
    assert result.stdout == (
        "事件 2 hash：与事件内容不符（#1 派单）：写入后被改动\n"
        "台账 triggers：events_append_only_update 缺失：事件不再只能追加\n"
        "台账 triggers：events_append_only_delete 缺失：事件不再只能追加\n"
    )
    result = run("--lang", "en", "verify")
    assert result.stdout == (
        "event 2 hash: does not match the event's content (#1 assigned): edited after it "
        "was written\n"
        "ledger triggers: events_append_only_update is missing: events are no longer "
        "append-only\n"
        "ledger triggers: events_append_only_delete is missing: events are no longer "
        "append-only\n"
    )
    first = json.loads(run("verify", "--json").stdout)["differences"][0]
    assert (first["where"], first["field"], first["seq"]) == ("event 2", "hash", 2)
    assert first["message"] == (
        "does not match the event's content (#1 assigned): edited after it was written"
    )


def test_an_unreadable_head_file_and_a_cache_edited_in_chinese(run, db, history) -> None:  # type: ignore[no-untyped-def]
    db.with_name("ledger.db.head").write_text("garbage\n")
    run.ok("calendar", "status")  # caches the calendar in the ledger
    sql(db, "UPDATE calendar_cache SET data = '{}'")
    cache, head = run("verify").stdout.splitlines()
    assert (
        cache.startswith("日历缓存 “") and "|” data：无法读取（缓存的工作日日历无法读取（" in cache
    )
    assert head == "链头文件 head：未记有事件序号和哈希：无法核对是否有事件被删除"
    cache, head = run("--lang", "en", "verify").stdout.splitlines()
    assert cache.startswith("calendar cache '") and "|' data: unreadable (the cached " in cache
    assert head == (
        "head file head: does not hold a sequence number and a hash: cannot check that no "
        "events were removed"
    )


# -- import ----------------------------------------------------------------------------------


def _sheet(tmp_path):  # type: ignore[no-untyped-def]
    from test_import import write_csv

    rows = [
        ["投诉日期", "房号", "投诉内容", "备注"],
        ["2026/3/2", "1-101", "漏水", "x"],
        ["2026/3/2", "", "噪音", ""],
        ["2026/3/3", "1-103", "灯坏", ""],
        ["2026/3/4", "1-104", "电梯", ""],
    ]
    return write_csv(tmp_path / "台账.csv", rows)


def test_import_bad_rows_summary_in_both_languages(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sheet = _sheet(tmp_path)
    result = run("import", str(sheet))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "complaintctl：import：未读取的列：备注（用 --map '列名=字段' 读取其中一列）",
        "台账.csv:第 3 行：列「房号」：不能为空",
        "complaintctl：import：台账.csv 中 1 行有误；未导入任何内容（请改正，或用 --skip-invalid "
        "导入其余 3 行）",
    ]
    result = run("--lang", "en", "import", str(sheet))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "complaintctl: import: ignored columns: 备注 (--map 'COLUMN=field' reads one)",
        "台账.csv:3: column '房号': must not be empty",
        "complaintctl: import: 1 bad row in 台账.csv; nothing imported (fix them, or "
        "--skip-invalid imports the 3 good rows)",
    ]
    assert run.json("list") == []
    out = run.ok("import", str(sheet), "--skip-invalid")
    assert (
        out
        == "已从 台账.csv 导入 3 条投诉（#1–#3）；0 条已存在；1 行有误未导入，见 台账.rejects.csv\n"
    )
