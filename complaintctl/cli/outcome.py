"""The one line on stderr and the exit code for an error of the core, of the ledger file, or
of input nested too deeply to read: the same for the Typer group (cli/app.py) and for the
commands run without Typer (cli/fast.py)."""

from __future__ import annotations

import re
import sqlite3
import sys

from complaintctl.domain.errors import ComplaintError
from complaintctl.domain.messages import text
from complaintctl.domain.sites import STRIDE, mention

FAILURES = (ComplaintError, sqlite3.Error, RecursionError)


def failure(exc: Exception, lang: str) -> int:
    """Say what went wrong in one line on stderr, in ``lang`` (the message catalogue); the
    exit code.  ``exc`` is one of ``FAILURES`` (anything else is raised again)."""
    if isinstance(exc, ComplaintError):
        message, code = _numbers(exc.render(lang)), exc.exit_code
    elif isinstance(exc, sqlite3.Error):
        message, code = text("cli.ledger_error", lang, error=exc), 4
    elif isinstance(exc, RecursionError):
        message, code = text("cli.nested_too_deeply", lang), 2
    else:
        raise exc
    error(message, lang)
    return code


def error(message: str, lang: str) -> None:
    """``complaintctl: <message>`` on stderr, one line: a line break inside a value it names
    (a path typed with one) is shown as ``\\n``."""
    message = message.replace("\r", "\\r").replace("\n", "\\n")
    sys.stderr.write(text("cli.error", lang, message=message) + "\n")
    sys.stderr.flush()


def _numbers(text: str) -> str:
    """A complaint of a site other than the first named by its number there: the core's
    messages say ``#{id}`` with the ledger's key (domain/sites.py), ``#1312000000001`` for
    ``YG-1``; a key of the first site is its number already."""
    if "#" not in text:
        return text
    return re.sub(
        r"#(\d{10,16})\b",
        lambda m: mention(int(m[1])) if int(m[1]) >= STRIDE else m[0],
        text,
    )
