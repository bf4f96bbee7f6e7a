"""Writes cli/fastspec.py, the parse table of the commands cli/fast.py runs without Typer, from
the Typer commands themselves: ``python -m complaintctl.cli.fastgen``.

Nothing is listed by hand: each parameter's name, option strings, kind of value, default,
range and whether it is required are read from the click command Typer builds, as are the
root's options and every command name and alias (for prefixes).  A parameter of a kind
cli/fast.py does not parse is written as ``other``: when it is typed, cli/fast.py leaves the
line to Typer.  tests/test_fast_cli.py fails when fastspec.py differs from what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer.main

from complaintctl.cli import app as app_module
from complaintctl.cli.fast import FAST

SPEC_FILE = Path(__file__).with_name("fastspec.py")
HEADER = '''"""The parse table of ``register``, ``list`` and ``show`` for cli/fast.py,
generated from the Typer commands by ``python -m complaintctl.cli.fastgen``: do not edit.

Each parameter: (name, kind, option strings, secondary option strings (--x/--no-x), required,
default, least, greatest, environment variable).
"""

# fmt: off
# ruff: noqa: E501
'''


def kind_of(param: Any) -> str:
    """How cli/fast.py reads a parameter: ``str``, ``int``, ``path``, ``flag`` (--x),
    ``pair`` (--x/--not-x), ``ints`` (numbers as arguments), ``words`` (texts as arguments),
    ``many`` (a text option that may be repeated), or ``other`` (left to Typer)."""
    type_name = type(param.type).__name__
    plain = (
        param.callback is None
        and not param.is_eager
        and param.expose_value
        and getattr(param, "prompt", None) is None
        and not getattr(param, "count", False)
        and _plain_range(param.type)
    )
    if not plain:
        return "other"
    if param.multiple:  # issue 21: --site, repeatable
        text = param.nargs == 1 and type_name == "StringParamType" and not param.is_flag
        return "many" if text and param.param_type_name == "option" else "other"
    if param.param_type_name == "argument":
        if param.nargs == -1 and type_name in ("IntRange", "IntParamType"):
            return "ints"
        return "words" if param.nargs == -1 and type_name == "StringParamType" else "other"
    if param.nargs != 1:
        return "other"
    if param.is_flag:
        if not (param.is_bool_flag and type_name == "BoolParamType"):
            return "other"
        if param.secondary_opts:
            return "pair"
        return "flag" if param.default is False else "other"
    if type_name == "StringParamType":
        return "str"
    if type_name in ("IntRange", "IntParamType"):
        return "int"
    if type_name == "TyperPath" and _plain_path(param.type):
        return "path"
    return "other"


def _plain_range(kind: Any) -> bool:
    return not any(getattr(kind, a, False) for a in ("min_open", "max_open", "clamp"))


def _plain_path(kind: Any) -> bool:
    """A path taken as typed: nothing checked, resolved or opened by click."""
    return not (kind.exists or kind.resolve_path or kind.allow_dash or kind.type is not None)


def param_row(param: Any) -> tuple[Any, ...]:
    return (
        param.name,
        kind_of(param),
        tuple(param.opts) if param.param_type_name == "option" else (),
        tuple(param.secondary_opts),
        bool(param.required),
        param.default,
        getattr(param.type, "min", None),
        getattr(param.type, "max", None),
        param.envvar,
    )


def spec_text() -> str:
    """The text of cli/fastspec.py for the commands as Typer builds them now."""
    root: Any = typer.main.get_command(app_module.app)
    ctx = typer.Context(root)
    lines = [HEADER]
    lines.append(f"NAMES = {tuple(root.list_commands(ctx))!r}\n")
    lines.append(f"ALIASES = {dict(root.aliases)!r}\n")
    lines.append("ROOT = (\n" + "".join(f"    {param_row(p)!r},\n" for p in root.params) + ")\n")
    lines.append("COMMANDS = {\n")
    for name in FAST:
        command = root.get_command(ctx, name)
        rows = "".join(f"        {param_row(p)!r},\n" for p in command.params)
        lines.append(f"    {name!r}: (\n{rows}    ),\n")
    lines.append("}\n")
    return "".join(lines)


def main() -> int:
    SPEC_FILE.write_text(spec_text(), encoding="utf-8")
    sys.stdout.write(f"wrote {SPEC_FILE}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
