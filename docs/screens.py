"""The screens of docs/workflow.md, made by cog from a small ledger built here on a fixed clock
(each step recorded a minute after it happened, so nothing is a late entry; read at NOW).

    .venv/bin/python -m cogapp -r -I . docs/workflow.md

tests/test_screens.py checks that the page is up to date (``cogapp --check``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from unittest import mock

from typer.testing import CliRunner

from complaintctl.cli import render
from complaintctl.cli.app import app
from complaintctl.domain.timeutil import parse_time, to_epoch

NOW = "2026-03-05 12:00"  # a Thursday


def _register(at: str, unit: str, phone: str, text: str, severity: str, category: str) -> list[str]:
    return [
        "register", "--channel", "电话", "--name", "张三", "--unit", unit, "--phone", phone,
        "--description", text, "--severity", severity, "--category", category, "--at", at,
    ]  # fmt: skip


STEPS: list[list[str]] = [
    _register(
        "2026-03-02 09:00",
        "3-1-502",
        "13812345678",
        "楼道灯不亮已经三天了，晚上出入很不方便",
        "中度",
        "设施设备",
    ),  # fmt: skip
    _register(
        "2026-03-02 10:00",
        "4-3-301",
        "13900001111",
        "卫生间天花板渗水，楼上业主不在家",
        "中度",
        "设施设备",
    ),  # fmt: skip
    ["assign", "2", "--department", "工程部", "--handler", "李工程师", "--at", "2026-03-02 10:30"],
    ["update", "2", "--contacted", "--at", "2026-03-02 10:40"],
    _register("2026-03-03 09:00", "12-3-2101", "13700002222", "电梯运行时异响", "重大", "设施设备"),
    ["update", "3", "--contacted", "--at", "2026-03-03 09:10"],
    ["assign", "3", "--department", "工程部", "--handler", "王师傅", "--at", "2026-03-03 09:20"],
    _register("2026-03-04 14:00", "2-1-203", "13600003333", "绿化带积水有蚊虫", "轻微", "绿化"),
    ["assign", "4", "--department", "绿化部", "--handler", "陈主管", "--at", "2026-03-04 14:30"],
    _register("2026-03-05 09:30", "3-1-502", "13812345678", "楼道灯还是不亮", "中度", "设施设备"),
    ["link", "1", "5", "--at", "2026-03-05 09:40"],
]


def _invoke(args: list[str], at: str, env: dict[str, str | None], late: int = 60) -> str:
    clock = to_epoch(parse_time(at, "--at")) + late
    with mock.patch("time.time", return_value=float(clock)):
        result = CliRunner().invoke(app, args, env=env)
    if result.exit_code != 0:
        raise RuntimeError(f"{args}: {result.output}")
    return str(result.stdout)


_LEDGER: list[Path] = []


def _ledger() -> Path:
    if not _LEDGER:
        folder = Path(tempfile.mkdtemp(prefix="complaintctl-screens-"))
        _LEDGER.append(folder / "ledger.db")
        for step in STEPS:
            _invoke(step, step[step.index("--at") + 1], _env(160))
    return _LEDGER[0]


def _env(columns: int) -> dict[str, str | None]:
    return {
        "COMPLAINTCTL_DB": str(_LEDGER[0]),
        "COMPLAINTCTL_USER": "王芳",
        "COMPLAINTCTL_LANG": None,
        "COMPLAINTCTL_NOTIFY": os.devnull,
        "COLUMNS": str(columns),
        "NO_COLOR": "1",
    }


def screen(command: str, columns: int) -> str:
    """``complaintctl command`` at NOW on a terminal ``columns`` wide (no colour), as a
    Markdown code block."""
    _ledger()
    with mock.patch.object(render, "is_terminal", lambda: True):
        out = _invoke(command.split(), NOW, _env(columns), late=0)
    lines = [f"$ complaintctl {command}        # {columns} columns, {NOW}", *out.splitlines()]
    return "```\n" + "".join(line.rstrip() + "\n" for line in lines) + "```\n"
