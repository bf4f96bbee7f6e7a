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
import secrets
from typing import Any

GENESIS = "0" * 64


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text as is: the form every hash is taken over."""
    return _CANONICAL.encode(value)


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
    body = canonical([seq, complaint_id, kind, at, recorded_at, by, data, pii])
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def new_salt() -> str:
    return secrets.token_hex(16)


def personal_digest(salt: str, name: str, phone: str) -> str:
    body = canonical({"name": name, "phone": phone})
    return hashlib.sha256(f"{salt}\n{body}".encode()).hexdigest()
