"""Never a cut value (issue 15 item 1): off a terminal (a pipe, cron, a script) every cell is
printed whole, whatever $COLUMNS says."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.backends

LONG = "卫生间天花板持续渗水，楼上业主不在家，物业需联系楼上业主并安排维修人员上门查看处理"


@pytest.fixture
def many(run, register):
    for n in range(1, 16):
        register(
            unit=f"4-3-{300 + n}",
            phone=f"1381234{5600 + n}",
            description=LONG if n % 2 else "楼道灯不亮",
            at=f"2026-03-{n + 1:02d} 09:{n:02d}",
        )
    run.ok(
        "assign",
        "15",
        "--department",
        "工程部",
        "--handler",
        "李工程师",
        "--at",
        "2026-03-17 10:00",
    )


@pytest.mark.parametrize("columns", ["40", "80", "100", "160"])
def test_list_prints_every_value_whole(run, many, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    out = run.ok("list", "--as-of", "2026-03-17 12:00")
    lines = out.splitlines()
    assert len(lines) == 16  # the header and one line per complaint: nothing wrapped
    for n in range(1, 16):
        row = next(line for line in lines if re.match(rf"^{n}\s", line))
        assert f"4-3-{300 + n}" in row
        assert f"138****{5600 + n}" in row
        assert f"2026-03-{n + 1:02d} 09:{n:02d}" in row


@pytest.mark.parametrize("columns", ["40", "80"])
def test_show_prints_every_value_whole(run, many, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    out = run.ok("show", "15")
    assert "4-3-315" in out
    assert LONG in out
    assert "李工程师" in out
    assert "2026-03-16 09:15" in out


def test_desk_layout_at_80_columns_on_a_terminal(run, many, monkeypatch):
    """On an 80-column terminal `list --open` is one line per complaint with the desk's
    columns; a linked duplicate shows its main and no clock of its own."""
    from complaintctl.cli import render

    monkeypatch.setattr(render, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "80")
    run.ok("link", "15", "14", "--at", "2026-03-17 10:05")
    lines = run.ok("list", "--open", "--as-of", "2026-03-17 12:00").splitlines()
    assert lines[0].split() == ["编号", "房号/铺位", "级别", "状态", "下一时限", "剩余"]
    assert set(lines[1]) == {"─"}
    assert len(lines) == 2 + 15
    assert all(len(line) <= 80 for line in lines)
    row = {line.split()[0]: line.split() for line in lines[2:]}
    assert row["1"] == [
        "1",
        "4-3-301",
        "-",
        "已登记",
        "首次联系",
        "2026-03-03",
        "09:01",
        "超时10个工作日",
    ]
    assert row["15"][:4] == ["15", "4-3-315", "-", "已派单"]
    assert row["14"] == ["14", "4-3-314", "-", "并单→#15", "-", "-"]


def test_full_layout_from_120_columns_on_a_terminal(run, many, monkeypatch):
    from complaintctl.cli import render

    monkeypatch.setattr(render, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "160")
    lines = run.ok("list", "--open", "--as-of", "2026-03-17 12:00").splitlines()
    assert lines[0].split() == [
        "编号", "受理时间", "房号/铺位", "投诉人", "电话", "类别", "级别", "部门", "状态", "下一时限", "剩余",
    ]  # fmt: skip
    assert len(lines) == 2 + 15


def test_confirmation_warns_when_the_next_deadline_is_already_breached(run, register):
    """A complaint typed in late (a paper register) is already overdue: the line says so."""
    out = run.ok(
        "register", "--channel", "电话", "--name", "张三", "--unit", "3-1-502", "--phone",
        "13812345678", "--description", "灯不亮", "--severity", "中度", "--at", "2026-03-02 09:00",
    )  # fmt: skip
    assert out == "#1 已登记，状态：已登记；下一时限：首次联系 2026-03-02 10:00（已超时）\n"
    out = run.ok("--lang", "en", "update", "1", "--contacted", "--at", "2026-03-02 09:30")
    assert (
        out
        == "#1 updated; status registered; next: assign due 2026-03-02 11:00 (already overdue)\n"
    )
