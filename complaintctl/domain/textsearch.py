"""Words for finding a complaint by its text: Chinese has no spaces between words.

The text index (``store/textindex.py``) holds, for each complaint, its description, location,
resolution and notes as a sequence of tokens for SQLite's FTS5 (``unicode61`` tokenizer,
which splits on spaces):

- a run of Chinese (any non-ASCII letter or digit) gives its overlapping bigrams followed by
  its last character: 卫生间漏水 → ``卫生 生间 间漏 漏水 水``;
- a run of ASCII letters and digits gives one lower-case word: ``3号楼A座`` → ``3 号楼 楼 a 座``.

A query is turned the same way into FTS5 phrases, all of which must match: a Chinese word of
two or more characters is the phrase of its bigrams (consecutive tokens: the exact string,
so ``漏水`` and ``天花板`` match and ``天板`` does not); a single character is a prefix query
(every character of the text starts some token); an ASCII word is a prefix query too.
SQLite's own ``trigram`` tokenizer cannot match queries under three characters, and most
Chinese words a clerk types are two.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

# a run of ASCII letters and digits, or a run of other letters and digits (no underscore)
_RUN = re.compile(r"([0-9a-z]+)|[^\W_0-9a-z]+")


def runs(text: str) -> Iterator[tuple[bool, str]]:
    """(is_ascii, run) for each run of letters and digits of ``text``, normalised (NFKC,
    lower case: full-width Ａ１ is a1)."""
    for match in _RUN.finditer(unicodedata.normalize("NFKC", text).lower()):
        yield match.group(1) is not None, match.group(0)


def tokens(text: str) -> list[str]:
    """The index tokens of ``text`` (see the module docstring)."""
    out: list[str] = []
    for is_ascii, run in runs(text):
        if is_ascii:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
    return out


def terms(texts: Iterable[str | None]) -> str:
    """The indexed value of several texts: their tokens, space-separated.  No phrase of a
    query spans two texts: the bigram that would join them is never made."""
    return " ".join(" ".join(tokens(t)) for t in texts if t)


def ts_query(text: str) -> str | None:
    """The same query for PostgreSQL: ``to_tsquery('simple', ...)`` text, phrases of bigrams
    joined by ``<->`` (adjacent), prefixes as ``:*``, all ANDed; None when it has no word."""
    parts: list[str] = []
    for is_ascii, run in runs(text):
        if is_ascii or len(run) == 1:
            parts.append(f"'{run}':*")
        else:
            parts.append(" <-> ".join(f"'{run[i : i + 2]}'" for i in range(len(run) - 1)))
    return " & ".join(f"({p})" for p in parts) if parts else None


def match_query(text: str) -> str | None:
    """The FTS5 MATCH expression finding every word of ``text``, or None when it has none."""
    parts: list[str] = []
    for is_ascii, run in runs(text):
        if is_ascii or len(run) == 1:
            parts.append(f'"{run}"*')
        else:
            parts.append('"' + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + '"')
    return " AND ".join(parts) if parts else None
