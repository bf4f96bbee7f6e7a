"""``register``, ``list`` and ``show`` straight from the command line, without importing Typer
(issue 17: a cold start within 3 × bare Python; Typer and its click cost about as much as
bare Python itself).

``run`` reads the command line with the parse table cli/fastspec.py, which cli/fastgen.py
writes from the Typer commands (so the options cannot drift apart: tests/test_fast_cli.py
checks the table and runs a set of command lines through both ways), and calls the same
function of cli/complaint_views.py that the Typer command calls.  It takes only what it
reads exactly as click would: a well-formed line for one of these three commands.  Anything
else (help, an unknown or misspelt option, a missing or bad value, ``--``, a prefix that is
ambiguous, shell completion) returns None before anything is done, and cli/entry.py hands
the line to Typer, which answers it as always.  Errors of the core are reported the same way
(cli/outcome.py); exit codes are the same.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

# Command -> the function of cli/complaint_views.py that does it.
FAST = {"register": "register", "list": "list_", "show": "show"}

Row = tuple[Any, ...]


def run(argv: list[str]) -> int | None:
    """Run the command line if it is one this module reads; its exit code, or None to leave
    it to Typer (nothing done yet)."""
    parsed = parse(argv)
    if parsed is None:
        return None
    import gc

    gc.disable()  # no collection while the modules load: they are kept to the end anyway
    from complaintctl.cli import complaint_views  # noqa: F401

    gc.freeze()  # nor are they scanned again by the collections of the command's own work
    gc.enable()
    return call(*parsed)


def parse(argv: list[str]) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """(command, root values, command values) as click would parse them, or None."""
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None  # shell completion asks click
    if not all(_encodable(arg) for arg in argv):
        return None  # the Typer group names the option that is not valid text
    from complaintctl.cli import fastspec

    root: dict[str, Any] = {}
    at = _options(fastspec.ROOT, argv, 0, root, positional=None)
    if at is None or at >= len(argv):
        return None
    command = _resolve(argv[at], fastspec.NAMES, fastspec.ALIASES)
    if command not in FAST:
        return None
    values: dict[str, Any] = {}
    rows = fastspec.COMMANDS[command]
    positional: list[str] = []
    if _options(rows, argv, at + 1, values, positional) is None:
        return None
    root_values = _finish(fastspec.ROOT, root, [])
    command_values = _finish(rows, values, positional)
    if root_values is None or command_values is None:
        return None
    if root_values["lang"] not in ("zh", "en"):
        return None  # the Typer group names the accepted values
    return command, root_values, command_values


def _encodable(arg: str) -> bool:
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _resolve(typed: str, names: tuple[str, ...], aliases: dict[str, str]) -> str | None:
    """The command a word means, as the root group resolves it (cli/lazy.py)."""
    if typed in names:
        return typed
    if typed in aliases:
        return aliases[typed]
    matches = [n for n in names if n.startswith(typed)] if typed else []
    return matches[0] if len(matches) == 1 else None


def _options(
    rows: tuple[Row, ...],
    argv: list[str],
    at: int,
    into: dict[str, Any],
    positional: list[str] | None,
) -> int | None:
    """Read options from ``argv[at:]`` into ``into`` (raw text, or True/False for flags) and
    words into ``positional``; with ``positional`` None (the root), stop at the first word.
    The index where reading stopped, or None for anything not read exactly as click does."""
    table = {opt: (row, True) for row in rows for opt in row[2]}
    table.update({opt: (row, False) for row in rows for opt in row[3]})
    while at < len(argv):
        word = argv[at]
        if word == "--":
            return None
        if not (word.startswith("-") and len(word) > 1):
            if positional is None:
                return at
            positional.append(word)
            at += 1
            continue
        name, eq, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        if name not in table:
            return None
        row, primary = table[name]
        kind = row[1]
        if kind in ("flag", "pair"):
            if eq:
                return None
            into[row[0]] = primary
            at += 1
        elif kind in ("str", "int", "path", "many"):
            if eq:
                value = inline
                at += 1
            elif at + 1 < len(argv):
                value = argv[at + 1]
                at += 2
            else:
                return None
            if kind == "many":  # repeated: every value, in order
                into.setdefault(row[0], []).append(value)
            else:
                into[row[0]] = value
        else:
            return None
    return at


def _finish(rows: tuple[Row, ...], raw: dict[str, Any], words: list[str]) -> dict[str, Any] | None:
    """Every parameter's value, converted and checked as click does, or None."""
    values: dict[str, Any] = {}
    for name, kind, _opts, _secondary, required, default, low, high, envvar in rows:
        if kind == "words":
            if required and not words:
                return None
            values[name] = list(words)
            words = []
            continue
        if kind == "ints":
            try:
                numbers = [int(w) for w in words]
            except ValueError:
                return None
            if (required and not numbers) or not all(_within(n, low, high) for n in numbers):
                return None
            values[name] = numbers
            words = []
            continue
        if name not in raw and envvar and os.environ.get(envvar):
            raw[name] = os.environ[envvar]
        if name not in raw:
            if required:
                return None
            values[name] = default
        elif kind == "int":
            try:
                number = int(raw[name])
            except ValueError:
                return None
            if not _within(number, low, high):
                return None
            values[name] = number
        elif kind == "path":
            if raw[name] == "":
                return None
            values[name] = Path(raw[name])
        else:
            values[name] = raw[name]
    return None if words else values


def _within(number: int, low: int | None, high: int | None) -> bool:
    return (low is None or number >= low) and (high is None or number <= high)


def call(command: str, root: dict[str, Any], values: dict[str, Any]) -> int:
    """Run one parsed command as the Typer group would; its exit code.  (Also each such line
    of the shell: cli/shell.py.)"""
    from complaintctl.cli import complaint_views, outcome
    from complaintctl.cli.context import State
    from complaintctl.domain.messages import text

    st = State(db=root["db"], lang=root["lang"], site=root["site"])
    try:
        try:
            getattr(complaint_views, FAST[command])(st, **values)
        finally:
            st.close()
    except outcome.FAILURES as exc:
        return outcome.failure(exc, root["lang"])
    except KeyboardInterrupt:
        return 130  # as click: Ctrl-C ends the command quietly, exit 130
    except EOFError:
        sys.stderr.write("\n")
        outcome.error(text("cli.aborted", root["lang"]), root["lang"])
        return 130
    except BrokenPipeError:  # the reader went away (| head): quietly, as click does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0
