"""The hash chain and the commitment to personal data.

Each event's hash covers the previous event's hash and the event's own fields in a canonical
JSON form, so editing, inserting or removing any event breaks every hash after it.  Personal
data (the complainant's name and phone) is kept out of the event log: the event carries only
``pii = sha256(salt || canonical(personal))`` and the name, phone and random salt sit in the
``personal`` table.  Erasing personal data clears that row (salt included): the chain still
verifies, the digest can no longer be linked to a person, and no statistic changes.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder as encoding
import secrets
from typing import Any

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


def new_salt() -> str:
    return secrets.token_hex(16)


def personal_digest(salt: str, name: str, phone: str) -> str:
    body = canonical({"name": name, "phone": phone})
    return hashlib.sha256(f"{salt}\n{body}".encode()).hexdigest()
