"""Readable at any width (issue 15 item 1): ``list``, ``show``, ``digest`` and ``report`` at
80, 100 and 160 columns on a terminal and through a pipe.  Every id, unit, phone, date, time
and figure printed is whole (never split across lines, never cut) and correct; on a terminal
no line is wider than it."""

from __future__ import annotations

import json
import re

import pytest
from rich.cells import cell_len
from test_asof import T, build

WIDTHS = ["80", "100", "160", "pipe"]
LATER = "2026-03-20 12:00"


@pytest.fixture
def screen(run, monkeypatch):
    """The ledger of tests/test_asof.py, and #8: 工程部, closed late (工程部 及时率 50.0 as of
    LATER); ``screen(width, *args)`` is a command's output at that width."""
    build(run)
    run.ok(
        "register", "--channel", "电话", "--name", "钱十", "--unit", "12-3-2101", "--phone",
        "13212345678", "--description", "地下车库顶棚漏水滴到车上", "--severity", "中度",
        "--category", "设施设备", "--at", "2026-03-02 13:00",
    )  # fmt: skip
    run.ok(
        "assign", "8", "--department", "工程部", "--handler", "李工程师", "--at", "2026-03-02 13:30"
    )
    run.ok("update", "8", "--contacted", "--at", "2026-03-02 13:40")
    run.ok("close", "8", "--resolution", "已修复", "--at", "2026-03-16 10:00")

    def at(width, *args):
        from complaintctl.cli import render

        if width == "pipe":
            monkeypatch.setattr(render, "is_terminal", lambda: False)
            monkeypatch.setenv("COLUMNS", "80")  # a pipe ignores it: every cell whole
        else:
            monkeypatch.setattr(render, "is_terminal", lambda: True)
            monkeypatch.setenv("COLUMNS", width)
        out = run.ok(*args)
        if width != "pipe":
            wide = [line for line in out.splitlines() if cell_len(line) > int(width)]
            assert wide == [], f"wider than {width}: {wide}"
        return out

    return at


def _line_with(out, *values):
    """The one line holding every value, each as a whole word (not part of a longer one)."""
    found = [
        line
        for line in out.splitlines()
        if all(re.search(rf"(?<![\w*-]){re.escape(v)}(?![\w-])", line) for v in values)
    ]
    assert found, (values, out)
    return found


def _local(iso):
    return iso[:16].replace("T", " ")


@pytest.mark.parametrize("width", WIDTHS)
def test_list_open(run, screen, width):
    out = screen(width, "list", "--open", "--as-of", T)
    expected = run.json("list", "--open", "--as-of", T)
    assert len(out.splitlines()) == len(expected) + (2 if width != "pipe" else 1)
    for c in expected:
        nxt = min((m for m in c["milestones"] if m["done_at"] is None), key=lambda m: m["due_at"])
        _line_with(
            out, str(c["id"]), c["unit"], _local(nxt["due_at"])[:10], _local(nxt["due_at"])[11:]
        )
        if width in ("160", "pipe"):
            _line_with(out, str(c["id"]), c["phone"], _local(c["received_at"]))


@pytest.mark.parametrize("width", WIDTHS)
def test_show(run, screen, width):
    out = screen(width, "show", "8")
    c = run.json("show", "8")
    for value in (c["unit"], c["phone"], "钱十", c["description"], "工程部", "李工程师"):
        assert re.search(rf"(?<!\S){re.escape(value)}(?!\S)", out), value
    for m in c["milestones"]:
        due = _local(m["due_at"])
        if due.endswith("00:00"):
            continue  # shown as the day before 24:00
        line = _line_with(out, due)
        assert line
    for e in c["events"]:
        _line_with(out, str(e["seq"]), _local(e["at"]))


@pytest.mark.parametrize("width", WIDTHS)
def test_digest(run, screen, width):
    out = screen(width, "digest", "--as-of", T)
    found = json.loads(run.ok("digest", "--as-of", T, "--json"))
    assert out.splitlines()[0] == "投诉督办 截至 2026-03-05 12:00: 6 超时, 0 即将到期"
    for e in found["breached"]:
        line = _line_with(out, f"#{e['id']}", e["unit"], _local(e["due_at"]))
        if width in ("160", "pipe"):
            assert any(e["phone"] in x for x in line)
    assert ("卫生间天花板渗水" in out) == (width != "80")
    if width == "80":
        assert "卫生间天花…" in out  # the description's start cut, with its mark
        assert "  处理人：李工程师" in out.splitlines()


@pytest.mark.parametrize("width", WIDTHS)
def test_report_by_department(run, screen, width):
    out = screen(width, "report", "--month", "2026-03", "--as-of", LATER, "--by", "department")
    report = run.json("report", "--month", "2026-03", "--as-of", LATER, "--by", "department")
    rows = {r["value"] or "未派单": r for r in report["breakdowns"]["department"]}
    assert rows["工程部"]["timely_rate"] == 50.0
    section = out[out.index("按部门") :]
    for name, r in rows.items():
        cells = [c for line in section.splitlines() if line.startswith(name + " ")
                 for c in line.split()[1:]]  # fmt: skip
        expected = [
            "-" if r[k] is None else f"{r[k]:.1f}" if isinstance(r[k], float) else str(r[k])
            for k in ("total", "timely", "late", "overdue", "pending", "timely_rate",
                      "followup_rate", "satisfaction_rate", "reopened", "extended",
                      "resolve_days_mean", "resolve_days_p90")
        ]  # fmt: skip
        assert cells == expected, name
    assert re.search(r"(?<![\d.])50\.0(?![\d.])", section)


def test_the_screens_in_docs_are_up_to_date():
    """docs/workflow.md's screens are cog's output of docs/screens.py: regenerate them with
    ``.venv/bin/python -m cogapp -r -I . docs/workflow.md`` when a layout changes."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "-I", ".", "docs/workflow.md"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_digest_measures_text_as_rich_does():
    """digest_text measures CJK text without Rich (it is faster): every character it measures
    so must be as wide as Rich says, and any text as wide."""
    from hypothesis import given
    from hypothesis import strategies as st

    from complaintctl.reports import digest_text

    fast = [chr(c) for c in range(0x80, 0x30000) if digest_text._SIMPLE.fullmatch(chr(c))]
    assert len(fast) > 20_000
    assert [c for c in fast if cell_len(c) != 2] == []

    @given(st.text(alphabet=st.sampled_from([*"ab 1-…é\t\u302a\u3099", *fast[::97]])))
    def same(text):
        assert digest_text._width(text) == cell_len(text)

    same()
