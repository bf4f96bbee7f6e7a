"""``--help`` in the chosen language, from the message catalogue, with examples.

Typer's ``help=`` strings are fixed when a command is built, so the texts are set on the
built commands instead: each command's help is ``help.<path>`` of the catalogue (path: the
command's words joined with ``.``, ``help.root`` for ``complaintctl`` itself), followed by
its examples ``help.<path>.examples`` (one per line); each parameter's help is
``option.<path>.<name>`` or, shared by every command, ``option.<name>``.  A text missing from
the catalogue keeps the one in the code.  Headings (Usage, Options, ...) and the
``[required]``/``default:`` notes are said by a formatter in the same language.

:func:`apply` runs on every command as it is built (``cli/app.py``'s ``prepare``) and, at the
start of each run, again on those already built (the shell and the tests run many command
lines in one process, in either language).
"""

from __future__ import annotations

import re
from typing import Any

import typer

from complaintctl.domain.messages import CATALOGUES, render

current = "zh"  # the language of the run (set by cli/app.py before anything is built)
_SOURCE = "_complaintctl_help"  # the texts of the code, kept on each command and parameter


def apply(command: Any, path: list[str], lang: str) -> None:
    """Set the help texts of ``command`` (and of its subcommands, if loaded) to ``lang``."""
    catalogue = CATALOGUES["en" if lang == "en" else "zh"]
    key = ".".join(path) or "root"
    original = _source(command, "help")
    text = catalogue.get(f"help.{key}", original)
    examples = catalogue.get(f"help.{key}.examples")
    if text is not None and examples:
        heading = render("help.heading.examples", {}, lang)
        lines = "\n".join(f"  {line}" for line in examples.split("\n"))
        text = f"{text}\n\n{heading}\n\n\b\n{lines}"
    command.help = text
    if lang != "en" and f"help.{key}" in catalogue:  # click cuts English by itself
        command.short_help = _first_sentence(catalogue[f"help.{key}"])
    else:
        command.short_help = _source(command, "short_help")
    for param in command.params:
        if not hasattr(param, "help"):
            continue
        name = param.name or ""
        original = _source(param, "help")
        param.help = catalogue.get(
            f"option.{key}.{name}", catalogue.get(f"option.{name}", original)
        )
    command.context_class = _source(command, "context_class") if lang == "en" else ChineseContext
    command.get_help_option = _help_option(_source(command, "get_help_option"), lang)
    commands = getattr(command, "commands", {})
    loaded = getattr(commands, "loaded", commands)  # a lazy group: only those built
    for name, sub in list(loaded.items()):
        apply(sub, [*path, name], lang)


def _help_option(original: Any, lang: str) -> Any:
    """click makes the ``--help`` option itself, with its English text: the one completion
    describes (the help screen's is replaced by :func:`_notes`)."""

    def get_help_option(ctx: Any) -> Any:
        option = original(ctx)
        if option is not None:
            option.help = render("help.help_option", {}, lang)
        return option

    return get_help_option


def _source(owner: Any, attribute: str) -> Any:
    kept = owner.__dict__.setdefault(_SOURCE, {})
    if attribute not in kept:
        kept[attribute] = getattr(owner, attribute, None)
    return kept[attribute]


def _first_sentence(text: str) -> str:
    first = text.split("\n\n", 1)[0].replace("\n", "")
    return first.split("。", 1)[0]


Formatter: type[Any] = typer.Context.formatter_class


class ChineseFormatter(Formatter):  # type: ignore[misc]
    """click's help layout with Chinese headings and notes, wrapped by display width (a
    Chinese character takes two columns, so click's count of characters overflows 80)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, render("help.heading.usage", {}, "zh"))

    def write_heading(self, heading: str) -> None:
        key = f"help.heading.{heading.lower()}"
        text = render(key, {}, "zh") if key in CATALOGUES["zh"] else heading
        self.write(f"{'':>{self.current_indent}}{text}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write("\n".join(_wrap(text, self.width - self.current_indent, indent, indent)))
        self.write("\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(first, _notes(second)) for first, second in rows]
        first_col = min(max((cell_len(r[0]) for r in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if cell_len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - cell_len(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            pad = " " * (first_col + self.current_indent)
            lines = _wrap(second, max(self.width - first_col - self.current_indent, 10), "", pad)
            self.write("\n".join(lines) + "\n")


def cell_len(text: str) -> int:
    """Columns ``text`` takes on a terminal."""
    from rich.cells import cell_len as width  # start-up: only when help is shown

    return width(text)


def _notes(text: str) -> str:
    """Typer's notes after an option's help, in Chinese."""
    keys = ("help.required", "help.default", "help.also_default", "help.env_var")
    for english in (*keys, "help.help_option"):
        text = text.replace(render(english, {}, "en"), render(english, {}, "zh"))
    return text


_TOKEN = re.compile(
    r"[\[(（“「]*[\u2e80-\u9fff\uff00-\uffef][，。；：、）」』！？…]*"
    r"|[（“「]*[^\s\u2e80-\u9fff\uff00-\uffef]+[，。；：、）」』！？…]*|\s+"
)
_WIDE = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    """``text`` in lines of at most ``width`` columns: paragraphs apart by a blank line, a
    paragraph after a ``\\b`` line kept as written (click's convention), breaks at spaces or
    between Chinese characters."""
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        if out:
            out.append("")
        indent = first if not out else rest
        if paragraph.startswith("\b\n"):
            out.extend(indent + line for line in paragraph[2:].split("\n"))
            continue
        joined = ""
        for piece in paragraph.split("\n"):
            piece = piece.strip()
            wide = joined and _WIDE.match(joined[-1]) and piece and _WIDE.match(piece[0])
            joined += piece if not joined or wide else " " + piece
        line, used = indent, 0
        for token in _TOKEN.findall(joined):
            size = cell_len(token)
            if token.isspace():
                if used:
                    line, used = line + " ", used + 1
                continue
            if used and used + size > width:
                out.append(line.rstrip())
                line, used = rest, 0
            line, used = line + token, used + size
        out.append(line.rstrip())
        first = rest
    return out


class ChineseContext(typer.Context):
    """A context whose help is laid out by :class:`ChineseFormatter`."""

    formatter_class = ChineseFormatter
