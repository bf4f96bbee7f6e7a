"""``search TEXT``: one box for the desk.

Each word of the query is looked for at once as a 房号 (exactly, or as its first parts when
it holds a '-': ``3-1`` finds 3-1-502 but not 3-10-101), as the end of a phone number (four
or more digits) and as a word of the text (which holds the parts of the 房号 too: ``1702``
finds 2-3-1702).  A complaint scores for every word it matches, by the strongest
way it matches it:

    房号 exactly or the phone's ending   4
    the start of a 房号                  2
    a word of the text                   1

The best score comes first, the newest among equals.  Each word's matches are read newest
first from an index, at most ``PER_WORD`` of them, so a common word costs no more than a
rare one; only a complaint older than that many matches of every word it matches can be
missed, and ``list --text/--unit/--phone`` finds it.
"""

from __future__ import annotations

import re

from complaintctl.domain.errors import InvalidInput
from complaintctl.reports.listing import (
    WITH_CONTACT,
    Row,
    phone_condition,
    text_match,
    to_rows,
)
from complaintctl.store.ledger import Ledger

PER_WORD = 2000
EXACT, PREFIX, WORD = 4, 2, 1
_TOP = "\U0010ffff"


def _ids(ledger: Ledger, condition: str, params: list[object]) -> list[int]:
    sql = f"SELECT id FROM complaints WHERE {condition} ORDER BY id DESC LIMIT {PER_WORD}"
    return [int(r[0]) for r in ledger.query(sql, tuple(params))]


def _word_scores(ledger: Ledger, word: str) -> dict[int, int]:
    scores: dict[int, int] = {}

    def score(ids: list[int], points: int) -> None:
        for cid in ids:
            if scores.get(cid, 0) < points:
                scores[cid] = points

    score(_ids(ledger, "unit = ?", [word]), EXACT)
    if "-" in word:  # whole parts: 3-1 finds 3-1-502, not 3-10-101
        stem = word if word.endswith("-") else f"{word}-"
        score(_ids(ledger, "unit >= ? AND unit < ?", [stem, stem + _TOP]), PREFIX)
    digits = re.sub(r"[\s+-]", "", word)
    if digits.isdigit() and len(digits) >= 4:
        score(_ids(ledger, *phone_condition(digits)), EXACT)
    if "-" in word:
        return scores  # a 房号: its digits as words would match every unit sharing one
    try:
        sql, params = text_match(ledger, word)
    except InvalidInput:
        return scores  # punctuation only: nothing to look for in the text
    found = ledger.query(f"{sql} ORDER BY id DESC LIMIT {PER_WORD}", tuple(params))
    score([int(r[0]) for r in found], WORD)
    return scores


def search(ledger: Ledger, query: str, limit: int = 20) -> list[tuple[Row, int]]:
    """The best matches of ``query`` with their scores, best first, newest among equals."""
    words = query.split()
    if not words:
        raise InvalidInput("TEXT", "search.give_a_the_end_of_a")
    totals: dict[int, int] = {}
    with ledger.reading():
        for word in words:
            for cid, points in _word_scores(ledger, word).items():
                totals[cid] = totals.get(cid, 0) + points
        best = sorted(totals.items(), key=lambda item: (-item[1], -item[0]))[:limit]
        if not best:
            return []
        marks = ", ".join("?" for _ in best)
        rows = to_rows(
            ledger.query(f"{WITH_CONTACT} WHERE c.id IN ({marks})", tuple(c for c, _ in best))
        )
    by_id = {row[0].id: row for row in rows}
    return [(by_id[cid], points) for cid, points in best]
