"""Output for people (Rich) and machines (JSON).

On a terminal: colour and boxes.  Anywhere else (a pipe, cron, tests): no colour, no
box-drawing, a fixed width ($COLUMNS, default 160) so the text is stable.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Rich is imported only by commands that draw tables
    from rich.console import Console
    from rich.table import Table

from complaintctl.vocab import (
    CHANNEL,
    MILESTONE_LABELS,
    MILESTONE_STATES,
    NATURE,
    SATISFACTION,
    SEVERITY,
    STATUS,
)

STATE_STYLE = {"breached": "bold red", "due_soon": "yellow", "late": "red", "met": "green"}

HEADERS = {
    "id": ("编号", "ID"),
    "received": ("受理时间", "Received"),
    "unit": ("房号/铺位", "Unit"),
    "name": ("投诉人", "Name"),
    "phone": ("电话", "Phone"),
    "category": ("类别", "Category"),
    "severity": ("级别", "Severity"),
    "department": ("部门", "Department"),
    "handler": ("处理人", "Handler"),
    "status": ("状态", "Status"),
    "next": ("下一时限", "Next deadline"),
    "left": ("剩余", "Remaining"),
    "milestone": ("节点", "Milestone"),
    "due": ("时限", "Due"),
    "done": ("完成时间", "Done"),
    "state": ("状态", "State"),
    "seq": ("序号", "Seq"),
    "kind": ("事件", "Event"),
    "at": ("发生时间", "At"),
    "by": ("经办人", "By"),
    "details": ("内容", "Details"),
    "field": ("字段", "Field"),
    "value": ("内容", "Value"),
    "channel": ("渠道", "Channel"),
    "nature": ("性质", "Nature"),
    "location": ("位置", "Location"),
    "description": ("投诉内容", "Description"),
    "resolution": ("处理结果", "Resolution"),
    "satisfaction": ("满意度", "Satisfaction"),
    "reopen_count": ("复议次数", "Reconsiderations"),
    "escalation": ("升级", "Escalation"),
    "duplicate_of": ("重复投诉并入", "Duplicate of"),
    "policy_version": ("时限政策版本", "Policy version"),
}


def h(key: str, lang: str) -> str:
    zh, en = HEADERS[key]
    return en if lang == "en" else zh


def is_terminal() -> bool:
    return sys.stdout.isatty()


def width() -> int:
    try:
        return max(40, int(os.environ.get("COLUMNS", "") or 160))
    except ValueError:
        return 160


def emit(*renderables: Any) -> None:
    """Print to stdout; off a terminal, without the padding Rich leaves at line ends."""
    out = console()
    if is_terminal():
        out.print(*renderables)
        return
    with out.capture() as cap:
        out.print(*renderables)
    text = "\n".join(line.rstrip() for line in cap.get().splitlines())
    sys.stdout.write(text + "\n")


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    columns = None if tty else width()
    return Console(
        file=stream,
        width=columns,
        no_color=not tty or "NO_COLOR" in os.environ,
        force_terminal=tty,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )


def table(*columns: str, title: str | None = None) -> Table:
    from rich import box
    from rich.table import Table

    tty = is_terminal()
    t = Table(
        title=title,
        box=box.SIMPLE_HEAD if tty else None,
        show_edge=False,
        pad_edge=False,
        title_justify="left",
        header_style="bold" if tty else "",
    )
    for col in columns:
        t.add_column(col, overflow="fold", no_wrap=not tty)
    return t


def styled(text: str, state: str) -> str:
    style = STATE_STYLE.get(state)
    escaped = text.replace("[", r"\[")
    return f"[{style}]{escaped}[/]" if style and is_terminal() else escaped


def label(kind: str, code: str | None, lang: str) -> str:
    enums = {
        "severity": SEVERITY,
        "channel": CHANNEL,
        "nature": NATURE,
        "status": STATUS,
        "satisfaction": SATISFACTION,
    }
    if code is None:
        return "-"
    if kind == "milestone":
        return code if lang == "en" else MILESTONE_LABELS.get(code, code)
    if kind == "state":
        return code if lang == "en" else MILESTONE_STATES.get(code, code)
    return enums[kind].label(code, lang)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
