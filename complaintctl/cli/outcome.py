"""The one line on stderr and the exit code for an error of the core, of the ledger file, or
of input nested too deeply to read: the same for the Typer group (cli/app.py) and for the
commands run without Typer (cli/fast.py)."""

from __future__ import annotations

import sqlite3
import sys

from complaintctl.domain.errors import ComplaintError

FAILURES = (ComplaintError, sqlite3.Error, RecursionError)


def failure(exc: Exception) -> int:
    """Say what went wrong in one line on stderr; the exit code.  ``exc`` is one of
    ``FAILURES`` (anything else is raised again)."""
    if isinstance(exc, ComplaintError):
        line, code = f"complaintctl: {exc}", exc.exit_code
    elif isinstance(exc, sqlite3.Error):
        line, code = f"complaintctl: ledger error: {exc}", 4
    elif isinstance(exc, RecursionError):
        line, code = "complaintctl: input nested too deeply to read", 2
    else:
        raise exc
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
    return code
