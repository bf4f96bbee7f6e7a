"""The hash chain's canonical form: the fast paths must give exactly the text and the hashes
of the plain definition, or every ledger written before them would stop verifying."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaintctl.store import chain as integrity

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL


def reference_canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def reference_hash(prev: str, *fields: Any) -> str:
    body = reference_canonical(list(fields))
    return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()


texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40
)  # any text a cell may hold, control characters, quotes and backslashes included
scalars = st.none() | st.booleans() | st.integers() | texts | st.floats(allow_nan=False)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(values)
def test_canonical_is_sorted_compact_json(value: Any) -> None:
    assert integrity.canonical(value) == reference_canonical(value)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=2**62),
    st.none() | st.integers(min_value=1, max_value=2**62),
    texts,
    st.integers(min_value=0, max_value=2**40),
    st.integers(min_value=0, max_value=2**40),
    texts,
    st.dictionaries(texts, scalars, max_size=5).map(integrity.canonical),
    st.none() | st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
)
def test_event_hash_matches_its_definition(
    seq: int,
    cid: int | None,
    kind: str,
    at: int,
    recorded: int,
    by: str,
    data: str,
    pii: str | None,
) -> None:
    prev = hashlib.sha256(str(seq).encode()).hexdigest()
    expected = reference_hash(prev, seq, cid, kind, at, recorded, by, data, pii)
    assert integrity.event_hash(prev, seq, cid, kind, at, recorded, by, data, pii) == expected


def test_event_hash_is_pinned() -> None:
    """One event's hash written out: a change of format would orphan every existing ledger."""
    data = integrity.canonical({"unit": "3-2-1101", "description": '电梯\n"停运"', "due": {}})
    assert data == '{"description":"电梯\\n\\"停运\\"","due":{},"unit":"3-2-1101"}'
    digest = integrity.event_hash(
        integrity.GENESIS, 1, 1, "registered", 1767225600, 1767225660, "王芳", data, None
    )
    assert digest == reference_hash(
        integrity.GENESIS, 1, 1, "registered", 1767225600, 1767225660, "王芳", data, None
    )
    assert digest == "8a2e85ea5658f9f53e31f0b6a311895332aab287cc8750ff035a38d72b0167c2"


def test_event_hash_of_unusual_types_takes_the_general_path() -> None:
    """A bool is an int to Python but ``true`` to JSON: the fast path must not print ``True``."""
    assert integrity.event_hash("0" * 64, 1, None, "noted", True, 0, "x", "{}", None) == (
        reference_hash("0" * 64, 1, None, "noted", True, 0, "x", "{}", None)
    )
