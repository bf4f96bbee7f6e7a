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

from complaintctl.domain.labels import HEADERS as HEADERS
from complaintctl.domain.labels import h as h
from complaintctl.domain.labels import label as label

STATE_STYLE = {"breached": "bold red", "due_soon": "yellow", "late": "red", "met": "green"}


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
    # Never a cut value off a terminal: widen the page to the widest renderable rather than
    # fold or crop a cell (a pipe has no width to respect; a script must read every value whole).
    from rich.measure import Measurement

    wide = out.options.update_width(1 << 16)
    need = max((Measurement.get(out, wide, r).maximum for r in renderables), default=0)
    if need > out.width:
        out.width = need
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


def page_width() -> int:
    """The width layouts are chosen for: the terminal's, or unbounded off a terminal (where
    the page widens to the widest row, see :func:`emit`)."""
    return console().width if is_terminal() else 1 << 16


def table(*columns: str, title: str | None = None, whole: set[int] | None = None) -> Table:
    """A table; ``whole`` names the columns (by index) whose values must never be split across
    lines on a terminal: they end in … if the terminal is too narrow."""
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
    for n, col in enumerate(columns):
        keep = not tty or (whole is not None and n in whole)
        t.add_column(col, overflow="ellipsis" if keep else "fold", no_wrap=keep)
    return t


def styled(text: str, state: str) -> str:
    style = STATE_STYLE.get(state)
    escaped = text.replace("[", r"\[")
    return f"[{style}]{escaped}[/]" if style and is_terminal() else escaped


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
