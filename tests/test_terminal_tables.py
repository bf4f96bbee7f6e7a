"""Tables on a terminal laid out without Rich (cli/render.py, issue 17: the shell's speed) read
exactly as Rich draws them, also when one column must wrap (``show``'s history at 80 or 160
columns)."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from complaintctl.cli import render

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def by_rich(rows: render.Rows, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, force_terminal=True, no_color=True,
                      highlight=False, emoji=False, soft_wrap=False)  # fmt: skip
    console.print(rows)
    text = ANSI.sub("", console.file.getvalue())  # type: ignore[attr-defined]
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def history(details: list[str]) -> render.Rows:
    t = render.table("序号", "发生时间", "事件", "经办人", "内容", whole={0, 1, 2, 3})
    for n, text in enumerate(details, 190014):
        t.add_row(str(n), "2026-06-10 21:50", "受理登记", "陈丽", text)
    return t


@pytest.fixture(autouse=True)
def _terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "is_terminal", lambda: True)


LONG = (
    "类别 安全秩序；渠道 来访；投诉内容 外来人员随意进出；位置 地下车库B1；级别 中度；"
    "性质 有效投诉；房号 28-3-102；投诉人 高*明；电话 148****1033；补录：晚于发生 3 天 2 小时"
)


@pytest.mark.parametrize("width", [80, 100, 120, 160])
def test_a_long_history_wraps_its_last_column_as_rich_does(width):
    rows = history([LONG, "部门 秩序维护部；处理人 曹华", "x" * 200, LONG.replace(" ", "")])
    plain = render._plain(rows, width, tty=True)
    assert plain is not None  # laid out here, not by Rich
    assert plain == by_rich(rows, width)
    assert max(render.cell_len(line) for line in plain.splitlines()) <= width


WORDS = st.sampled_from(["类别", "安全秩序；", "渠道", " ", "  ", "来访", "B1", "；", "3-1-502",
                         "abcdefghijklmnopqrstuvwxyz", "楼道灯不亮已报修", "，", "x", "（补录）"])  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(WORDS, max_size=40).map("".join), min_size=1, max_size=4),
       st.integers(min_value=45, max_value=170))  # fmt: skip
def test_any_history_reads_as_rich_draws_it(details, width):
    rows = history([d.strip() or "-" for d in details])
    plain = render._plain(rows, width, tty=True)
    if plain is not None:
        assert plain == by_rich(rows, width)
