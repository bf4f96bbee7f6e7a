"""The hash chain and the commitment to personal data.

Each event's hash covers the previous event's hash and the event's own fields in a canonical
JSON form, so editing, inserting or removing any event breaks every hash after it.  Personal
data (the complainant's name and phone) is kept out of the event log: the event carries only
``pii = sha256(salt || canonical(personal))`` and the name, phone and random salt sit in the
``personal`` table.  Erasing personal data clears that row (salt included): the chain still
verifies, the digest can no longer be linked to a person, and no statistic changes.

One chain per site (issue 21, migration 9).  Each event belongs to the chain of a site
(``events.chain``, :func:`chain_of`) at a position in it (``events.chain_seq``, 1, 2, 3 …),
and its hash covers that position and the complaint's NUMBER within its site
(:func:`chained_hash`), not the global ``seq`` nor the complaint's key: so a site's chain
depends on nothing outside it, appends to two sites never wait for each other, and a
centre's chain can be copied into another site of a server with every hash unchanged.  The
events written before migration 9 (``chain`` NULL) keep their formula (``seq`` and the key,
:func:`event_hash`) and are the beginning of the first site's chain: their position is their
``seq``, and the first site's first chained event links to the newest of them.  For the
first site the number is the key, so for a ledger of one site the two formulas agree.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder as encoding
import secrets
from typing import Any

from complaintctl.domain.sites import FIRST, number_of, site_of

GENESIS = "0" * 64


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_STRING = encoding.encode_basestring  # a str as a JSON string, non-ASCII as is


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# The same encoder made once: ``JSONEncoder.encode`` builds a new C encoder on every call,
# which costs more than encoding a small event's data (an import encodes hundreds of thousands).
_MAKE = getattr(encoding, "c_make_encoder", None)  # not in the stubs: CPython's _json
_C_ENCODER = _MAKE(None, _refuse, _STRING, None, ":", ",", True, False, True) if _MAKE else None


def canonical(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text as is: the form every hash is taken over."""
    if _C_ENCODER is None or isinstance(value, str):
        return _CANONICAL.encode(value)
    return "".join(_C_ENCODER(value, 0))


def event_hash(
    prev_hash: str,
    seq: int,
    complaint_id: int | None,
    kind: str,
    at: int,
    recorded_at: int,
    by: str,
    data: str,
    pii: str | None,
) -> str:
    """sha256 of the previous hash and ``canonical([seq, complaint_id, kind, at, recorded_at,
    by, data, pii])``; that list is written out directly when its fields have their usual
    types (the same text, without the encoder's work per call)."""
    if (
        type(seq) is int
        and type(at) is int
        and type(recorded_at) is int
        and (complaint_id is None or type(complaint_id) is int)
        and type(kind) is str
        and type(by) is str
        and type(data) is str
        and (pii is None or type(pii) is str)
    ):
        cid = "null" if complaint_id is None else complaint_id
        digest = "null" if pii is None else _STRING(pii)
        body = (
            f"[{seq},{cid},{_STRING(kind)},{at},{recorded_at},{_STRING(by)},{_STRING(data)},"
            f"{digest}]"
        )
    else:
        body = canonical([seq, complaint_id, kind, at, recorded_at, by, data, pii])
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def chained_hash(
    prev_hash: str,
    chain_seq: int,
    complaint_id: int | None,
    kind: str,
    at: int,
    recorded_at: int,
    by: str,
    data: str,
    pii: str | None,
) -> str:
    """The hash of an event of a site's chain: :func:`event_hash` over its position in the
    chain and its complaint's number within the site (fast path kept)."""
    number = None if complaint_id is None else number_of(complaint_id)
    return event_hash(prev_hash, chain_seq, number, kind, at, recorded_at, by, data, pii)


def chain_of(complaint_id: int | None) -> str:
    """The chain an event goes on: its complaint's site; an event of no complaint (a policy,
    a holiday notice, a site added, the default site chosen: the ledger's administration) on
    the first site's chain."""
    if complaint_id is None:
        return FIRST
    return site_of(complaint_id)


def new_salt() -> str:
    return secrets.token_hex(16)


def personal_digest(salt: str, name: str, phone: str) -> str:
    body = canonical({"name": name, "phone": phone})
    return hashlib.sha256(f"{salt}\n{body}".encode()).hexdigest()
