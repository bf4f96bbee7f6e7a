"""Output for people (Rich) and machines (JSON).

On a terminal: colour and boxes.  Anywhere else (a pipe, cron, tests): no colour, no
box-drawing, a fixed width ($COLUMNS, default 160) so the text is stable.

Off a terminal, tables and lines of plain text are laid out here exactly as Rich lays them out
(columns two spaces apart, line ends stripped), without importing Rich's console and table code
(most of a ``list`` or ``show``: issue 17); text Rich would treat otherwise (markup, control
characters, a table wider than the page) still goes through Rich.
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
    if len(renderables) == 1 and not is_terminal():
        text = _plain(renderables[0], width())
        if text is not None:
            sys.stdout.write(text)
            return
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


class Rows:
    """A table being filled: Rich draws it (``__rich__``), or ``emit`` lays it out plainly."""

    def __init__(self, columns: tuple[str, ...], title: str | None) -> None:
        self.columns = columns
        self.title = title
        self.rows: list[tuple[str, ...]] = []

    def add_row(self, *cells: str) -> None:
        self.rows.append(cells)

    def __rich__(self) -> Table:
        t = _rich_table(*self.columns, title=self.title)
        for row in self.rows:
            t.add_row(*row)
        return t


def table(*columns: str, title: str | None = None) -> Rows:
    """A table of markup strings (escape ``[`` as ``\\[``; ``styled`` does)."""
    return Rows(columns, title)


def _plain(block: Any, page: int) -> str | None:
    """``block`` (a str or Rows) as Rich prints it off a terminal, or None if Rich must."""
    from rich.cells import cell_len  # a pure function and its width table, not the console

    if isinstance(block, str):
        lines = block.split("\n")
        if all(_printable(line) and cell_len(line) <= page for line in lines):
            return "".join(line.rstrip() + "\n" for line in lines)
        return None
    if not isinstance(block, Rows):
        return None
    grid = [block.columns, *block.rows]
    if not all(_printable(cell) for row in grid for cell in row):
        return None
    sizes = [[cell_len(cell) for cell in row] for row in grid]
    widths = [max(column) for column in zip(*sizes, strict=True)]
    total = sum(widths) + 2 * (len(widths) - 1)
    out: list[str] = []
    if block.title is not None:
        if not _printable(block.title) or cell_len(block.title) > total:
            return None
        out.append(block.title.rstrip())
    if total > page:
        return None
    for row, size in zip(grid, sizes, strict=True):
        cells = [cell + " " * (w - n) for cell, w, n in zip(row, widths, size, strict=True)]
        out.append("  ".join(cells).rstrip())
    return "".join(line + "\n" for line in out)


def _printable(text: str) -> bool:
    """Nothing Rich would read as markup or draw in other than its cell width."""
    return text.isprintable() and "[" not in text and "\\" not in text


def _rich_table(*columns: str, title: str | None = None) -> Table:
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


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
