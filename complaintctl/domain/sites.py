"""Sites (项目 / 服务中心) and complaint numbers within a site (issue 21).

Every complaint belongs to one site, and its number counts within that site: ``YG-1``,
``HX-1``.  The ledger keeps one integer key per complaint (the events' ``complaint_id``, the
complaints table's ``id``) that holds both: ``site_value(code) * STRIDE + number``.  The key
of a complaint of :data:`FIRST` (the site every ledger starts with, and every ledger made
before sites existed migrates into) is its number, so ledgers of one site keep the ids they
always had.  The site and number follow from the key alone (:func:`split`), without a lookup.

A site code is one letter and up to three more letters or digits (``YG``, ``HX``, ``BJ01``);
with at most four characters every key stays below 2**53, exact in any JSON reader.
"""

from __future__ import annotations

import re

from complaintctl.domain.errors import InvalidInput

FIRST = "MAIN"  # the site of a new ledger and of every complaint registered before sites
FIRST_NAME = "本项目"
STRIDE = 1_000_000_000  # numbers within a site: 1 … STRIDE - 1
MAX_NUMBER = STRIDE - 1
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CODE = re.compile(r"[A-Z][A-Z0-9]{0,3}")
_REF = re.compile(r"#?(?:([A-Za-z][A-Za-z0-9]{0,3})-)?([0-9]{1,18})")
CODE_RULE = "one letter and up to three more letters or digits, e.g. YG"


def normal_code(text: str, field: str = "--site") -> str:
    """A site code as stored (upper case), or ``InvalidInput`` naming ``field``."""
    code = text.strip().upper()
    if not _CODE.fullmatch(code):
        raise InvalidInput(field, "sites.not_a_site_code", text=text)
    return code


def site_value(code: str) -> int:
    """The site's part of a complaint key: 0 for :data:`FIRST`, else the code read as a
    number in base 37 (each character one digit 1-36, so no two codes share a value)."""
    if code == FIRST:
        return 0
    value = 0
    for char in code:
        value = value * 37 + _DIGITS.index(char) + 1
    return value


def _code_of(value: int) -> str:
    if value == 0:
        return FIRST
    chars: list[str] = []
    while value:
        value, digit = divmod(value, 37)
        chars.append(_DIGITS[digit - 1])
    return "".join(reversed(chars))


def key(code: str, number: int) -> int:
    """The ledger's key of complaint ``number`` of site ``code``."""
    return site_value(code) * STRIDE + number


def split(complaint_id: int) -> tuple[str, int]:
    """(site code, number within the site) of a complaint key."""
    value, number = divmod(complaint_id, STRIDE)
    return _code_of(value), number


def site_of(complaint_id: int) -> str:
    return split(complaint_id)[0]


def number_of(complaint_id: int) -> int:
    return complaint_id % STRIDE


def bounds(code: str) -> tuple[int, int]:
    """The first and last key a site's complaints may have (a range of the primary key)."""
    base = site_value(code) * STRIDE
    return base + 1, base + MAX_NUMBER


def in_site_of(complaint_id: int, other: int) -> int:
    """The key of ``other`` in the site of ``complaint_id``.  A main complaint, a collective's
    first or the record a complaint is about is always of the complaint's own site (the
    workflow refuses others), so this is ``other`` itself, but in a chain copied into another
    site of a server (``migrate --site``, store/sitecopy.py): there the events keep the keys
    of the centre's file (its first site's, the numbers), unchanged because their hashes
    cover them, and they mean the same numbers in the site they now belong to."""
    return complaint_id - complaint_id % STRIDE + other % STRIDE


def ref(complaint_id: int, qualified: bool) -> str:
    """How a complaint is named to people: ``YG-123`` on a ledger of several sites (the
    ``qualified`` one), ``123`` on a ledger of one."""
    code, number = split(complaint_id)
    return f"{code}-{number}" if qualified else str(number)


def mention(complaint_id: int) -> str:
    """A complaint in a message of the core, which does not know how many sites the ledger
    has: ``#123`` for the first site's, ``#YG-123`` for another's."""
    code, number = split(complaint_id)
    return f"#{number}" if code == FIRST else f"#{code}-{number}"


def parse_ref(text: str, site: str, field: str = "ID") -> int:
    """The key of ``YG-123`` (its own site) or ``123`` (a complaint of ``site``)."""
    match = _REF.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(field, "sites.not_a_complaint_number", text=text)
    code = normal_code(match.group(1), field) if match.group(1) else site
    number = int(match.group(2))
    if not 0 < number <= MAX_NUMBER:
        raise InvalidInput(field, "sites.number_out_of_range", text=text, most=MAX_NUMBER)
    return key(code, number)
