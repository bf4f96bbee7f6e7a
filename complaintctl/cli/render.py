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
from typing import TYPE_CHECKING, Any, cast

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
    if len(renderables) == 1:
        tty = is_terminal()
        text = _plain(renderables[0], _terminal_width() if tty else 1 << 16, tty)
        if text is not None:
            sys.stdout.write(text)
            return
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


class Rows:
    """A table being filled: Rich draws it (``__rich__``), or ``emit`` lays it out plainly."""

    def __init__(self, columns: tuple[str, ...], title: str | None, whole: set[int] | None) -> None:
        self.columns = columns
        self.title = title
        self.whole = whole
        self.rows: list[tuple[str, ...]] = []

    def add_row(self, *cells: str) -> None:
        self.rows.append(cells)

    def __rich__(self) -> Table:
        t = _rich_table(*self.columns, title=self.title, whole=self.whole)
        for row in self.rows:
            t.add_row(*row)
        if self.whole and is_terminal():  # whole columns keep their widest value's width
            from rich.text import Text

            for n in self.whole:
                cells = [Text.from_markup(row[n]).cell_len for row in self.rows]
                t.columns[n].min_width = max([Text(self.columns[n]).cell_len, *cells])
        return t


def page_width() -> int:
    """The width layouts are chosen for: the terminal's, or unbounded off a terminal (where
    the page widens to the widest row, see :func:`emit`)."""
    return _terminal_width() if is_terminal() else 1 << 16  # Rich's width, without Rich


def table(*columns: str, title: str | None = None, whole: set[int] | None = None) -> Rows:
    """A table of markup strings (escape ``[`` as ``\\[``; ``styled`` does); ``whole`` names
    the columns (by index) whose values must never be split across lines on a terminal: they
    end in … if the terminal is too narrow."""
    return Rows(columns, title, whole)


def _plain(block: Any, page: int, tty: bool = False) -> str | None:
    """``block`` (a str or Rows) as Rich prints it, or None if Rich must.  Off a terminal:
    columns two spaces apart, line ends stripped.  On one: Rich's SIMPLE_HEAD look (bold
    header, a rule under it, three spaces between columns, the title in italics, state
    colours), for tables that fit the terminal (wider ones Rich wraps)."""
    if isinstance(block, str):
        lines = block.split("\n")
        if all(_printable(line) and cell_len(line) <= page for line in lines):
            return "".join(line.rstrip() + "\n" for line in lines)
        return None
    if not isinstance(block, Rows):
        return None
    grid: list[list[tuple[str, str]]] = []
    for row in (block.columns, *block.rows):
        parsed = [_cell(markup) for markup in row]
        if None in parsed:
            return None
        grid.append(cast("list[tuple[str, str]]", parsed))
    sizes = [[_cells(text) for text, _ in row] for row in grid]
    widths = [max(column) for column in zip(*sizes, strict=True)]
    gap = 3 if tty else 2
    total = sum(widths) + gap * (len(widths) - 1)
    fold = None  # on a terminal, the one column that may wrap, narrowed as Rich narrows it
    if total > page:
        fold = _narrowed(block, widths, total - page) if tty else None
        if fold is None:
            return None
        total = page
    # As console(): escape codes only to a real terminal; NO_COLOR keeps bold and italics.
    ansi = sys.stdout.isatty()
    colour = ansi and "NO_COLOR" not in os.environ
    out: list[str] = []
    if block.title is not None:
        if not _printable(block.title) or cell_len(block.title) > total:
            return None
        title = block.title + " " * (total - cell_len(block.title))
        out.append(_paint(title, "italic", colour, ansi) if tty else block.title.rstrip())
    for i, (parts, size) in enumerate(zip(grid, sizes, strict=True)):
        row_lines = [[(text, n) for (text, _), n in zip(parts, size, strict=True)]]
        if fold is not None:  # the folding cell's further lines, the others blank there
            folded = _wrap(parts[fold][0], widths[fold])
            if folded is None or (i == 0 and len(folded) > 1):
                return None  # (Rich puts a header's other cells on its last line)
            row_lines[0][fold] = folded[0]
            for more in folded[1:]:
                row_lines.append([("", 0)] * len(parts))
                row_lines[-1][fold] = more
        for cells in row_lines:
            line = []
            for (_, style), w, (text, n) in zip(parts, widths, cells, strict=True):
                style = "bold" if tty and i == 0 else style
                line.append((_paint(text, style, colour, ansi) if tty else text) + " " * (w - n))
            out.append((" " * gap).join(line).rstrip())
        if tty and i == 0:
            out.append("─" * total)
    return "".join(line + "\n" for line in out)


def _narrowed(block: Rows, widths: list[int], excess: int) -> int | None:
    """A table ``excess`` columns too wide for the terminal, with one column that may wrap
    (the others are ``whole``): that column narrowed by ``excess``, as Rich narrows it, and
    its index; None when Rich must lay the table out."""
    wrapping = [n for n in range(len(widths)) if not (block.whole and n in block.whole)]
    if len(wrapping) != 1 or widths[wrapping[0]] - excess < 1:
        return None
    widths[wrapping[0]] -= excess
    return wrapping[0]


def _wrap(text: str, width: int) -> list[tuple[str, int]] | None:
    """``text`` in lines of at most ``width`` columns, broken where Rich breaks a folding
    cell (its own ``divide_line``), each with its width; None if Rich must."""
    size = _cells(text)
    if size <= width:
        return [(text, size)]
    from rich._wrap import divide_line  # Rich's line breaking, only for a wrapping cell

    offsets = divide_line(text, width, fold=True)
    lines = []
    for start, end in zip([0, *offsets], [*offsets, len(text)], strict=True):
        line = text[start:end]
        size = _cells(line)
        if size > width:  # Rich drops the spaces that end a line past the width
            line = line.rstrip()
            size = _cells(line)
            if size > width:
                return None
        lines.append((line, size))
    return lines


def cell_len(text: str) -> int:
    """The columns ``text`` takes on a terminal, as Rich counts them."""
    from rich.cells import cell_len as rich_cell_len  # a pure function and its width table

    return rich_cell_len(text)


def _cells(text: str) -> int:
    """``cell_len`` of one printable cell, without Rich's character-by-character count for
    the cells of ASCII (numbers, times, 房号: one column a character) and Chinese (two
    columns for each character ``_wide`` knows; tests/test_fast_cli.py checks against Rich)."""
    if text.isascii():
        return len(text)
    known = _KNOWN.get(text)
    if known is not None:
        return known
    width = 0
    for ch in text:
        if ch < "\x7f":
            width += 1
        elif _wide(ch):
            width += 2
        else:
            return cell_len(text)
    if len(_KNOWN) < 4096:  # labels, masked names, times left: the shell meets them again
        _KNOWN[text] = width
    return width


_KNOWN: dict[str, int] = {}


def _wide(ch: str) -> bool:
    """CJK punctuation 、。〃, a unified ideograph, or a fullwidth form ！ to ｠ (not a
    regular expression: compiling the ranges costs more than a command's whole table)."""
    return "\u4e00" <= ch <= "\u9fff" or "\uff01" <= ch <= "\uff60" or "\u3001" <= ch <= "\u3003"


def _printable(text: str) -> bool:
    """Nothing Rich would read as markup or draw in other than its cell width."""
    return text.isprintable() and "[" not in text and "\\" not in text


_SGR = {"bold": "1", "italic": "3", "red": "31", "green": "32", "yellow": "33"}


def _cell(markup: str) -> tuple[str, str] | None:
    """(text, style) of a cell in the markup this module writes (``styled``, ``\\[``), or
    None for anything else."""
    if "[" not in markup and "\\" not in markup:  # most cells
        return (markup, "") if markup.isprintable() else None
    style = ""
    if markup.startswith("[") and markup.endswith("[/]"):
        head, _, rest = markup[1:-3].partition("]")
        if head not in STATE_STYLE.values():
            return None
        style, markup = head, rest
    if not _printable(markup.replace("\\[", "")):
        return None
    return markup.replace("\\[", "["), style


def _paint(text: str, style: str, colour: bool, ansi: bool = True) -> str:
    if not ansi or not style:
        return text
    codes = [_SGR[w] for w in style.split() if colour or w in ("bold", "italic")]
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if codes and text else text


def _terminal_width() -> int:
    """The width ``console()`` has: on a terminal $COLUMNS, else the terminal's own, else 80;
    on another stream (taken for a terminal by ``is_terminal``) the fixed ``width()``."""
    if not sys.stdout.isatty():
        return width()
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return int(columns)
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError):
        return 80


def _rich_table(*columns: str, title: str | None = None, whole: set[int] | None = None) -> Table:
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


def echo(line: str, err: bool = False) -> None:
    """One line on stdout or stderr, as ``typer.echo`` writes it (without importing Typer)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(line + "\n")
    stream.flush()


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
