"""Never a cut value (issue 15 item 1): off a terminal (a pipe, cron, a script) every cell is
printed whole, whatever $COLUMNS says."""

from __future__ import annotations

import re

import pytest

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
