"""The CLI's own lines (confirmations, notes) from the message catalogue, in the chosen
language: ``say(ctx, "backup.written", dest=dest)``."""

from __future__ import annotations

from typing import Any

import typer

from complaintctl.cli.usage import chosen_lang
from complaintctl.domain.messages import Msg, render


def lang_of(ctx: Any) -> str:
    """``--lang`` of this run (``zh`` or ``en``)."""
    root = ctx.find_root() if ctx is not None else None
    lang = getattr(getattr(root, "obj", None), "lang", None)
    return lang if lang in ("zh", "en") else chosen_lang(None)


def line(ctx: Any, key: str | Msg, /, **params: Any) -> str:
    """The message ``key`` (or a :class:`Msg` of the core) in the run's language."""
    if isinstance(key, Msg):
        return render(key.key, {**key.params, **params}, lang_of(ctx))
    return render(key, params, lang_of(ctx))


def say(ctx: Any, key: str | Msg, /, *, err: bool = False, **params: Any) -> None:
    """Print the message on stdout (or stderr)."""
    typer.echo(line(ctx, key, **params), err=err)
