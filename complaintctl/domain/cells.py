"""Spreadsheet-safe text: CSV cells a spreadsheet would run as a formula.

Excel, LibreOffice and WPS treat a cell beginning with ``=``, ``+``, ``-`` or ``@`` (and, after
a tab or carriage return, the same) as a formula, so a complainant's name ``=HYPERLINK(...)``
in an export would run on the reader's machine.  OWASP's guidance ("CSV Injection"): prefix
such a cell with a single quote, which spreadsheets show as text.  Every CSV complaintctl
writes applies :func:`safe` to its text cells (after masking); import applies
:func:`restore`, so an export imports back exactly.  Numbers are not text cells and stay
numbers.  A text that itself starts with quotes before a formula character gets one more,
so the round trip is exact for it too.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = frozenset("=+-@\t\r")


def _risky(text: str) -> bool:
    """Begins with a formula character, after any number of single quotes."""
    rest = text.lstrip("'")
    return bool(rest) and rest[0] in FORMULA_START


def safe(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and _risky(value):
        return "'" + value
    return value


def restore(text: str) -> str:
    """The text :func:`safe` was given (a cell read back from a CSV complaintctl wrote)."""
    if text.startswith("'") and _risky(text):
        return text[1:]
    return text
