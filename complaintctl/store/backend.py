"""The ledger interface, and opening a ledger by where it is.

Workflow, reports and the digest use a ledger through :class:`LedgerBackend`; two classes
implement it: :class:`complaintctl.store.ledger.Ledger` on a SQLite file (the embedded
default) and :class:`complaintctl.store.postgres.PostgresLedger` on a PostgreSQL server
(``postgresql://user@host/dbname``).  SQL that differs between the two lives in those two
classes (and the PostgreSQL schema); the queries the rest of the program writes are the
same text on both (``?`` and ``:name`` placeholders; see store/postgres.Connection).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from complaintctl.store.ledger import ENV_DB, SCHEMES, Ledger

if TYPE_CHECKING:
    from complaintctl.domain.model import Complaint, Event
    from complaintctl.sla.policy import Policy
    from complaintctl.store.ledger import Writer
    from complaintctl.time.calendar import WorkCalendar


class LedgerBackend(Protocol):
    """What the program may do with a ledger, whatever keeps it."""

    path: Path  # a file, or a stand-in that shows as the server's URL (no password)
    conn: Any  # sqlite3-style: execute(sql, params) with ? / :name, rows by index and name
    read_only: bool
    TRIGGERS_SQL: str  # the names of the triggers on the events (verify)
    HEADS_SQL: str | None  # the chain heads kept in the ledger (verify), if it keeps them

    def close(self) -> None: ...
    def guard(self) -> contextlib.AbstractContextManager[None]: ...
    def streaming(self) -> contextlib.AbstractContextManager[None]: ...
    def write(self) -> contextlib.AbstractContextManager[Writer]: ...
    def reading(self) -> contextlib.AbstractContextManager[None]: ...
    def backup(self, dest: Path) -> None: ...
    def checkpoint(self, wait: float = 5.0) -> bool: ...
    def index_text(self, ids: list[int]) -> None: ...
    def text_match(self, words: str) -> tuple[str, list[Any]] | None: ...
    def index_text_range(self, first: int, last: int) -> None: ...
    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None: ...
    def cache_size(self, kib: int) -> contextlib.AbstractContextManager[None]: ...
    def get(self, complaint_id: int) -> Complaint: ...
    def personal(self, complaint_id: int) -> tuple[str | None, str | None]: ...
    def events(self, complaint_id: int | None = None) -> list[Event]: ...
    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[Any]: ...
    def policy_version(self) -> int: ...
    def policy(self, version: int | None = None) -> Policy: ...
    def calendar_outdated(self) -> bool: ...
    def calendar(self) -> WorkCalendar: ...


def is_url(location: str | Path | None) -> bool:
    """Whether ``--db`` or ``$COMPLAINTCTL_DB`` names a PostgreSQL server, not a file."""
    return isinstance(location, str) and location.startswith(SCHEMES)


def open_ledger(location: str | Path | None = None) -> Ledger:
    """The ledger at ``location`` (``--db``), else ``$COMPLAINTCTL_DB``, else the per-user
    file: a SQLite file, or a PostgreSQL server when it is a ``postgresql://`` URL (psycopg is
    imported only then, so a SQLite user's start-up does not change)."""
    if location is None and is_url(os.environ.get(ENV_DB)):
        location = os.environ[ENV_DB]
    if isinstance(location, str) and is_url(location):
        from complaintctl.store import postgres  # start-up: psycopg only for a server

        return postgres.PostgresLedger.connect(location)
    return Ledger.open(location)


@contextlib.contextmanager
def opened(location: str | Path | None = None) -> Iterator[Ledger]:
    """``open_ledger``, closed at the end of the block."""
    ledger = open_ledger(location)
    try:
        yield ledger
    finally:
        ledger.close()
