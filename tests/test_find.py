"""Finding complaints at the desk (issue 14): list's filters, search, honest limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledgertools import snapshot
from rich.cells import cell_len

from complaintctl.domain.textsearch import match_query, tokens, ts_query

pytestmark = pytest.mark.backends

AS_OF = "2026-04-02 12:00"


@pytest.fixture
def desk(run, register):
    """Five complaints across the March/April edge."""
    register(
        unit="2-3-1702",
        phone="13812345678",
        name="张三",
        description="卫生间天花板漏水",
        at="2026-03-01 00:00",
    )
    register(
        unit="3-1-502",
        phone="021-87655678",
        name="李四",
        channel="来访",
        description="楼道灯不亮",
        location="3号楼东侧",
        at="2026-03-31 23:59",
    )
    register(
        unit="3-1-601",
        phone="13900001111",
        name="王五",
        description="电梯异响",
        category="设施设备",
        severity="重大",
        at="2026-04-01 00:00",
    )
    register(
        unit="3-10-101",
        phone="13700002222",
        name="张伟",
        description="水管漏了，厨房积水",
        nature="协办事项",
        at="2026-04-01 08:00",
    )
    register(
        unit="3-1-502",
        phone="021-87655678",
        name="李四",
        description="楼道灯又不亮",
        at="2026-04-01 09:00",
    )
    return run


def ids(run, *args):
    return [c["id"] for c in run.json("list", *args, "--as-of", AS_OF)]


def test_text_two_character_chinese_word(desk):
    assert ids(desk, "--text", "漏水") == [1]
    assert ids(desk, "--text", "天花板") == [1]
    assert ids(desk, "--text", "天板") == []  # the characters, not the word
    assert ids(desk, "--text", "漏") == [4, 1]  # one character: anywhere
    assert ids(desk, "--text", "楼道 不亮") == [5, 2]  # every word must appear
    assert ids(desk, "--text", "东侧") == [2]  # the location too


def test_text_finds_resolution_and_notes(desk):
    desk.ok("update", "3", "--note", "已联系电梯维保公司", "--at", "2026-04-01 10:00")
    desk.ok("close", "4", "--resolution", "更换阀门", "--at", "2026-04-01 11:00")
    assert ids(desk, "--text", "维保") == [3]
    assert ids(desk, "--text", "阀门") == [4]


def test_unit_exact_and_prefix(desk):
    assert ids(desk, "--unit", "3-1-502") == [5, 2]
    assert ids(desk, "--unit", "3-1-*") == [5, 3, 2]  # not 3-10-101
    assert ids(desk, "--unit", "3-1*") == [5, 4, 3, 2]
    assert ids(desk, "--unit", "3-1") == []


def test_phone_full_or_last_digits(desk):
    assert ids(desk, "--phone", "5678") == [5, 2, 1]
    assert ids(desk, "--phone", "45678") == [1]
    assert ids(desk, "--phone", "138 1234 5678") == [1]
    assert ids(desk, "--phone", "021-87655678") == [5, 2]
    assert ids(desk, "--phone", "87655678") == [5, 2]


def test_name_exact_or_prefix(desk):
    assert ids(desk, "--name", "李四") == [5, 2]
    assert ids(desk, "--name", "张*") == [4, 1]
    assert ids(desk, "--name", "张") == []


def test_vocabulary_filters(desk):
    assert ids(desk, "--channel", "visit") == [2]
    assert ids(desk, "--channel", "来访") == [2]
    assert ids(desk, "--category", "设施设备") == [3]
    assert ids(desk, "--nature", "assist") == [4]
    desk.ok("assign", "3", "--department", "工程部", "--handler", "刘工", "--at", AS_OF)
    assert ids(desk, "--handler", "刘工") == [3]


def test_dates_inclusive_at_the_month_edge(desk):
    assert ids(desk, "--since", "2026-03-01", "--until", "2026-03-31") == [2, 1]
    assert ids(desk, "--since", "2026-04-01") == [5, 4, 3]
    assert ids(desk, "--until", "2026-02-28") == []
    assert ids(desk, "--since", "2026/3/31", "--until", "2026年3月31日") == [2]


def test_breached_and_due_within(desk):
    # next deadlines (respond): #1 03-02 00:00, #3 04-01 00:15 (major), #2 04-01 23:59,
    # #4 04-02 08:00, #5 04-02 09:00
    assert ids(desk, "--breached") == [1, 3, 2, 4, 5]
    noon = "2026-04-01 12:00"
    assert [c["id"] for c in desk.json("list", "--breached", "--as-of", noon)] == [1, 3]
    assert [c["id"] for c in desk.json("list", "--due-within", "12h", "--as-of", noon)] == [2]
    within = desk.json("list", "--due-within", "1wd", "--as-of", noon)
    assert [c["id"] for c in within] == [2, 4, 5]
    assert [c["id"] for c in desk.json("list", "--breached", "--as-of", "2026-03-01")] == []


def test_linked_and_not_linked(desk):
    desk.ok("link", "2", "5", "--at", AS_OF)
    assert ids(desk, "--linked") == [5]
    assert ids(desk, "--not-linked", "--unit", "3-1-502") == [2]


def test_combined_filters(desk):
    assert ids(desk, "--unit", "3-1-*", "--text", "不亮", "--since", "2026-04-01") == [5]
    assert ids(desk, "--phone", "5678", "--channel", "电话") == [5, 1]
    assert ids(desk, "--phone", "5678", "--open", "--text", "漏水") == [1]


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_bad_filter_values_name_the_accepted_ones(desk, db):
    before = snapshot(db)
    for args, start in [
        (("--channel", "fax"), "complaintctl: --channel: unknown value 'fax' (accepted: phone, "),
        (("--status", "gone"), "complaintctl: --status: unknown value 'gone' (accepted: "),
        (("--phone", "12"), "complaintctl: --phone: '12': give the number or its last 4"),
        (("--since", "2026-13-01"), "complaintctl: --since: "),
        (("--due-within", "soon"), "complaintctl: --due-within: cannot read duration"),
        (("--text", "！？"), "complaintctl: --text: '！？' holds no word"),
        (("--unit", "*"), "complaintctl: --unit: give the start before '*'"),
        (("--since", "2026-04-02", "--until", "2026-04-01"), "complaintctl: --until: "),
    ]:
        result = desk("list", *args)
        assert result.exit_code != 0, args
        assert result.stderr.startswith(start), (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(db) == before


def test_limit_says_how_many_matched(desk):
    result = desk("list", "--limit", "2")
    assert result.exit_code == 0
    assert result.stderr == "显示 2 / 共 5 条（--limit 可调）\n"
    assert desk("list", "--limit", "5").stderr == ""
    # --json without --limit: every match, never cut at 50
    assert len(desk.json("list")) == 5
    cut = desk("list", "--json", "--limit", "3")
    assert len(__import__("json").loads(cut.stdout)) == 3
    assert cut.stderr == "显示 3 / 共 5 条（--limit 可调）\n"
    assert desk("list", "--open", "--limit", "1").stderr == "显示 1 / 共 5 条（--limit 可调）\n"


def test_json_lists_more_than_fifty(run, register):
    for i in range(55):
        register(description=f"第{i}件", at="2026-03-02 09:00")
    assert len(run.json("list")) == 55
    assert len(run.json("list", "--open")) == 55
    assert run("list").stderr == "显示 50 / 共 55 条（--limit 可调）\n"


def test_search_ranks_unit_and_phone_above_words(desk):
    found = desk.json("search", "3-1-502", "--as-of", AS_OF)
    assert [(c["id"], c["score"]) for c in found] == [(5, 4), (2, 4)]
    found = desk.json("search", "1702", "--as-of", AS_OF)
    assert [(c["id"], c["score"]) for c in found] == [(1, 1)]  # the room: a word of the 房号
    found = desk.json("search", "3-1 漏", "--as-of", AS_OF)
    # 3-1-* (2 points; not 3-10-101) or the word 漏 (1), newest first among equals
    assert [(c["id"], c["score"]) for c in found] == [(5, 2), (3, 2), (2, 2), (4, 1), (1, 1)]
    found = desk.json("search", "3-1", "--as-of", AS_OF)
    assert [c["id"] for c in found] == [5, 3, 2]
    found = desk.json("search", "5678 灯", "--as-of", AS_OF)
    assert [(c["id"], c["score"]) for c in found] == [(5, 5), (2, 5), (1, 4)]


def test_search_table_and_nothing_found(desk):
    out = desk.ok("search", "天花板", "--as-of", AS_OF)
    assert "2-3-1702" in out
    assert desk.ok("search", "无此内容") == "没有符合条件的投诉。\n"
    result = desk("search", "  ")
    assert result.exit_code != 0
    assert result.stderr.startswith("complaintctl：TEXT：")


@given(st.text(alphabet="卫生间天花板漏水楼道灯不亮ab1 ，", min_size=1, max_size=12))
def test_every_substring_of_a_text_matches_its_tokens(text):
    """A query is a phrase of the text's own tokens: any run of two or more Chinese
    characters of the text is a consecutive run of its tokens."""
    toks = tokens(text)
    joined = " " + " ".join(toks) + " "
    for start in range(len(text)):
        for end in range(start + 2, len(text) + 1):
            part = text[start:end]
            if not all("\u4e00" <= ch <= "\u9fff" for ch in part):
                continue
            query = match_query(part)
            assert query is not None
            phrase = query.strip('"')
            assert f" {phrase} " in joined


def test_list_at_80_columns_keeps_what_finds_a_complaint(desk, monkeypatch):
    """On an 80-column terminal, the desk layout (issue 15); off a terminal every column."""
    from complaintctl.cli import render

    monkeypatch.setenv("COLUMNS", "80")
    wide = desk.ok("list", "--unit", "3-1-*", "--as-of", AS_OF).splitlines()
    assert wide[0].split()[:5] == ["编号", "受理时间", "房号/铺位", "投诉人", "电话"]
    monkeypatch.setattr(render, "is_terminal", lambda: True)
    lines = [x.rstrip() for x in desk.ok("list", "--unit", "3-1-*", "--as-of", AS_OF).splitlines()]
    assert lines[0].split() == ["编号", "房号/铺位", "级别", "状态", "下一时限", "剩余"]
    assert [x.split() for x in lines[2:]] == [
        ["5", "3-1-502", "-", "已登记", "首次联系", "2026-04-02", "09:00", "超时3小时00分"],
        ["3", "3-1-601", "重大", "已登记", "首次联系", "2026-04-01", "00:15", "超时35小时45分"],
        ["2", "3-1-502", "-", "已登记", "首次联系", "2026-04-01", "23:59", "超时12小时01分"],
    ]
    assert max(cell_len(line) for line in lines) <= 80


@pytest.mark.sqlite_only("SQLite's query plan")
def test_combined_filters_read_through_the_most_selective_index(desk, db):
    """An open list with a common word and a 房号 prefix is read from the unit index, not
    from every open complaint or every complaint with the word."""
    from complaintctl.reports.listing import Filters, conditions
    from complaintctl.store.ledger import Ledger

    ledger = Ledger.open(db)
    try:
        f = Filters(open_only=True, unit="3-1-*", text="不亮")
        where, params = conditions(f, ledger)
        sql = f"SELECT id FROM complaints WHERE +status IN ('registered') AND {' AND '.join(where)}"
        plan = " ".join(r[3] for r in ledger.query(f"EXPLAIN QUERY PLAN {sql}", tuple(params)))
        assert "USING INDEX complaints_unit" in plan
        where, params = conditions(Filters(unit="3-1-*", phone="5678"), ledger)
        sql = f"SELECT id FROM complaints WHERE {' AND '.join(where)}"
        plan = " ".join(r[3] for r in ledger.query(f"EXPLAIN QUERY PLAN {sql}", tuple(params)))
        assert "personal_phone_tail" in plan and "complaints_unit" not in plan
    finally:
        ledger.close()


def test_the_postgresql_query_has_the_same_phrases_and_prefixes():
    assert ts_query("天花板 漏") == "('天花' <-> '花板') & ('漏':*)"
    assert ts_query("3号楼A座") == "('3':*) & ('号楼') & ('a':*) & ('座':*)"
    assert ts_query("！？") is None


def test_a_word_matches_where_it_stands_and_only_there(run, register):
    """Every run of the text's characters finds it (a phrase of adjacent bigrams, a prefix),
    and characters that are there but not side by side do not: on both backends."""
    text = "卫生间天花板漏水"
    cid = register(description=text, unit="2-3-1702")
    other = register(description="天板花", unit="1-1-101")
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            word = text[start:end]
            found = {c["id"] for c in run.json("list", "--text", word)}
            assert found == {cid} | ({other} if word in "天板花" else set()), word
    assert [c["id"] for c in run.json("list", "--text", "天板")] == [other]
    assert [c["id"] for c in run.json("list", "--text", "花板 漏水")] == [cid]
    assert run.json("list", "--text", "花板 天板") == []
    assert [c["id"] for c in run.json("search", "1702")] == [cid]
