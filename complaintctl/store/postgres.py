"""The ledger on a PostgreSQL server (``--db postgresql://user@host/dbname``), psycopg 3.

This module, and psycopg with it, is imported only when such a ledger is opened: a SQLite
user's start-up does not change.  :class:`PostgresLedger` is the PostgreSQL side of the
ledger interface (:class:`complaintctl.store.backend.LedgerBackend`): it keeps the SQLite
ledger's reading methods, whose SQL is portable, and replaces what differs: connecting,
migrations (:mod:`complaintctl.store.pg_schema`), transactions, the serialisation of appends
(a row lock on the head of each site's chain instead of SQLite's single writer, so centres
never wait for each other; sequence numbers from a sequence), the calendar cache's
upsert, the text index, and backups (``pg_dump``, docs/operations.md).

The rest of the program writes its queries once, with SQLite's ``?`` and ``:name``
placeholders; :class:`Connection` turns them into psycopg's ``%s`` and ``%(name)s`` and gives
rows that are read by index and by name like ``sqlite3.Row``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import PosixPath
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg.rows
from psycopg.adapt import Dumper, Loader
from psycopg.pq import TransactionStatus

from complaintctl.domain.errors import LedgerUnavailable
from complaintctl.domain.model import Complaint
from complaintctl.domain.sites import site_of
from complaintctl.domain.textsearch import terms, ts_query
from complaintctl.store import pg_schema
from complaintctl.store.chain import GENESIS
from complaintctl.store.ledger import MAX_ID, Ledger, Writer

SEQ_BATCH = 1000  # the most sequence numbers a write takes at once (one round trip)
STREAM_BATCH = 2000  # rows per fetch of a server-side cursor (verify)
CONNECT_TIMEOUT = 10  # seconds before a server that does not answer is reported
_LOCK_KEY = 0x43504C54  # pg_advisory_xact_lock while migrating: "CPLT"


def masked(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


class Location(PosixPath):
    """``Ledger.path`` of a server ledger: shows as its URL (password masked) in messages;
    as a file name it is one that never exists (no head file, no output clash)."""

    url = ""

    @classmethod
    def of(cls, url: str) -> Location:
        location = cls("/nonexistent-complaintctl-server-ledger")
        location.url = masked(url)
        return location

    def __str__(self) -> str:
        return self.url or super().__str__()


# -- the connection: SQLite's placeholders and rows over psycopg ---------------------------
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|::|\?|(?<![:\w]):([A-Za-z_]\w*)|%")


def translate(sql: str) -> str:
    """``?`` → ``%s``, ``:name`` → ``%(name)s``, ``%`` → ``%%``; string literals and quoted
    names are left as they are (but for ``%``, which psycopg reads everywhere)."""

    def one(match: re.Match[str]) -> str:
        text = match.group(0)
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        return text.replace("%", "%%")

    return _TOKENS.sub(one, sql)


class Row(tuple[Any, ...]):
    """A result row read by index or by column name, and by ``dict(row)``."""

    _index: dict[str, int] = {}
    _names: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


_ROW_CLASSES: dict[tuple[str, ...], type[Row]] = {}


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    names = tuple(c.name for c in cursor.description or ())
    cls = _ROW_CLASSES.get(names)
    if cls is None:
        index = {n: i for i, n in enumerate(names)}
        cls = type("Row", (Row,), {"_index": index, "_names": names})
        _ROW_CLASSES[names] = cls
    make = cls
    return lambda values: make(values)


class _Numeric(Loader):
    """``sum()`` of integers is numeric in PostgreSQL, an integer in SQLite: a whole number
    comes back as ``int``, any other as ``float``, as from SQLite."""

    def load(self, data: Any) -> Any:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


class _BoolAsInt(Dumper):
    """SQLite stores ``True`` as 1; the integer columns here take it the same way."""

    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class _Cursor(psycopg.Cursor[Any]):
    """``cursor.row_factory = None`` gives plain tuples, as on ``sqlite3``."""

    @property
    def row_factory(self) -> Any:
        return self._row_factory

    @row_factory.setter
    def row_factory(self, factory: Any) -> None:
        factory = psycopg.rows.tuple_row if factory is None else factory
        self._row_factory = factory
        if self.pgresult:
            self._make_row = factory(self)


class _BytesText(Loader):
    """Text read as bytes (``conn.text_factory = bytes`` on ``sqlite3``)."""

    def load(self, data: Any) -> bytes:
        return bytes(data)


_DIALECT = [
    # SQLite's deferred BEGIN reads one snapshot of the ledger (WAL mode) from its first read
    (re.compile(r"^BEGIN$"), "BEGIN ISOLATION LEVEL REPEATABLE READ"),
    # SQLite's "no limit"
    (re.compile(r"\bLIMIT -1\b"), "LIMIT ALL"),
    # SQLite's join-order hint: a CROSS JOIN that has an ON is an inner join
    (re.compile(r"\bCROSS JOIN (\w+(?: \w+)?) ON\b"), r"JOIN \1 ON"),
    # a character from its code
    (re.compile(r"\bchar\("), "chr("),
    # the last N characters (the phone-tail index's expression; substr(x, -N) is SQLite's)
    (re.compile(r"\bsubstr\(((?:[^()]|\([^()]*\))*), -(\d+)\)"), r"right(\1, \2)"),
    # SQLite's schema names: the ledger's own tables, and this connection's temporary ones
    # (reports/asof.py puts a temporary view named complaints in front of the table)
    (re.compile(r"\bmain\.(\w+)"), r"public.\1"),
    (re.compile(r"\btemp\.(\w+)"), r"pg_temp.\1"),
    # SQLite's unary + before a column (not through its index): PostgreSQL has none for text
    (re.compile(r"(\b(?:AND|OR|WHERE|NOT)\s+|\()\+(?=[A-Za-z_])"), r"\1"),
    # the values of a JSON array given as one parameter (as text: the query casts them)
    (re.compile(r"\bjson_each\("), "json_array_elements_text("),
    # an always-false condition (a table made empty from another's columns)
    (re.compile(r"\bWHERE 0$"), "WHERE false"),
    # SQLite's INTEGER holds 64 bits, PostgreSQL's 32: a temporary table of complaint keys
    # (reports/asof.py; a site's keys pass 2**31, domain/sites.py)
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT PRIMARY KEY"),
]


def dialect(sql: str) -> str:
    """The few SQLite phrases of the shared queries in PostgreSQL's words."""
    for pattern, replacement in _DIALECT:
        sql = pattern.sub(replacement, sql)
    return sql


class Connection:
    """The subset of ``sqlite3.Connection`` the program uses, over a psycopg connection in
    autocommit mode (transactions are opened with ``BEGIN`` by the ledger, as on SQLite).
    A database error becomes one ``LedgerUnavailable`` line naming the ledger."""

    def __init__(self, raw: psycopg.Connection[Any], name: str) -> None:
        self.raw = raw
        self.name = name
        self.row_factory: Any = None  # set by callers for sqlite3; rows here always have names
        self.text_factory: Any = str
        self._sql: dict[tuple[str, bool], str] = {}
        self.stream = False  # queries in a transaction read through server-side cursors
        self._cursors = 0

    def _prepared(self, sql: str, params: bool) -> str:
        text = self._sql.get((sql, params))
        if text is None:
            text = dialect(sql)
            text = self._sql[sql, params] = translate(text) if params else text
        return text

    def execute(self, sql: str, params: Any = ()) -> psycopg.Cursor[Any]:
        cursor = self.raw.cursor()
        if self.stream and self.in_transaction and sql.lstrip()[:6].upper() == "SELECT":
            self._cursors += 1  # rows fetched in batches as the caller reads them
            cursor = cast(Any, self.raw.cursor(name=f"stream{self._cursors}"))
            cursor.itersize = STREAM_BATCH
        if self.text_factory is bytes:
            cursor.adapters.register_loader("text", _BytesText)
            cursor.adapters.register_loader("varchar", _BytesText)
        try:
            if params:
                return cursor.execute(self._prepared(sql, True), params)
            return cursor.execute(self._prepared(sql, False))
        except psycopg.Error as exc:
            raise self.explain(exc) from exc

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        try:
            with self.raw.cursor() as cursor:
                cursor.executemany(self._prepared(sql, True), rows)
        except psycopg.Error as exc:
            raise self.explain(exc) from exc

    def explain(self, exc: psycopg.Error) -> LedgerUnavailable:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return LedgerUnavailable("ledger.ledger", path=self.name, text=first)

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def rollback(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self.raw.execute("ROLLBACK")

    def close(self) -> None:
        self.raw.close()


# -- the ledger ------------------------------------------------------------------------------
class PostgresLedger(Ledger):
    """A ledger in a PostgreSQL database."""

    # a trigger disabled (ALTER TABLE ... DISABLE TRIGGER) guards no more than a dropped one
    TRIGGERS_SQL = (
        "SELECT tgname AS name FROM pg_trigger "
        "WHERE tgrelid = 'events'::regclass AND NOT tgisinternal AND tgenabled <> 'D'"
    )
    HEADS_SQL = "SELECT chain, seq, hash FROM chain_heads ORDER BY chain"

    def __init__(self, url: str, conn: Connection) -> None:
        # the reading methods shared with SQLite see this connection through ``conn``
        super().__init__(Location.of(url), cast(Any, conn))
        self.url = url
        self.server = conn
        self._writer: ServerWriter | None = None  # the open write transaction's

    @classmethod
    def connect(cls, url: str) -> PostgresLedger:
        name = masked(url)
        try:
            raw = psycopg.connect(
                url,
                autocommit=True,
                row_factory=_row_factory,
                cursor_factory=_Cursor,
                connect_timeout=CONNECT_TIMEOUT,
                application_name="complaintctl",
            )
        except psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise LedgerUnavailable("ledger.pg_cannot_connect", path=name, text=first) from exc
        raw.adapters.register_loader("numeric", _Numeric)
        raw.adapters.register_dumper(bool, _BoolAsInt)
        ledger = cls(url, Connection(raw, name))
        try:
            ledger._prepare()
        except BaseException:
            ledger.close()
            raise
        return ledger

    def guard(self) -> contextlib.AbstractContextManager[None]:
        return _guard(self.server)

    @contextlib.contextmanager
    def streaming(self) -> Iterator[None]:
        self.server.stream = True
        try:
            yield
        finally:
            self.server.stream = False

    def _prepare(self) -> None:
        c = self.server
        # jit off: the report's queries cost enough for PostgreSQL to compile them (its
        # default jit_above_cost), which took 0.27 s of a 0.32 s query on 10 sites x 100,000
        # and never paid back in a command's few short queries.  One round trip for both.
        c.execute("SET TIME ZONE 'Asia/Shanghai'; SET jit = off")
        version = self._version()
        if version is None:
            tables = c.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchone()
            if tables and tables[0]:
                raise LedgerUnavailable("ledger.pg_not_a_ledger", path=self.path)
            version = 0
        if version > pg_schema.SCHEMA_VERSION:
            raise LedgerUnavailable(
                "ledger.ledger_made_by_a_newer_complaintctl",
                path=self.path,
                version=version,
                known=pg_schema.SCHEMA_VERSION,
            )
        if version < pg_schema.SCHEMA_VERSION:
            self._migrate(version)

    def _version(self) -> int | None:
        c = self.server
        exists = c.execute(f"SELECT to_regclass('{pg_schema.VERSION_TABLE}')").fetchone()
        if exists is None or exists[0] is None:
            return None
        row = c.execute(f"SELECT version FROM {pg_schema.VERSION_TABLE}").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self, version: int) -> None:
        """The missing migrations in one transaction, as the database's owner; two programs
        opening a new ledger at once wait for each other on an advisory lock."""
        raw = self.server.raw
        try:
            with raw.transaction():
                raw.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                current = self._version()
                if current is None:
                    raw.execute(pg_schema.BOOTSTRAP)
                    current = 0
                for number in range(current, pg_schema.SCHEMA_VERSION):
                    raw.execute(pg_schema.MIGRATIONS[number])
                raw.execute(
                    f"UPDATE {pg_schema.VERSION_TABLE} SET version = {pg_schema.SCHEMA_VERSION}"
                )
                raw.execute(pg_schema.GRANTS)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise LedgerUnavailable(
                "ledger.pg_owner_must_upgrade",
                path=self.path,
                version=version,
                known=pg_schema.SCHEMA_VERSION,
            ) from exc
        except LedgerUnavailable:
            raise
        except psycopg.Error as exc:
            raise self.server.explain(exc) from exc

    # -- transactions ------------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[Writer]:
        """One write transaction.  It locks the ``chain_heads`` row of each site it works on
        (:class:`ServerWriter`), when it first reads one of its complaints, gives it a number
        or appends to its chain: writes of one site follow one another as on SQLite, writes
        of different sites run side by side.  Before the commit each chain's row takes the
        chain's new head."""
        c = self.server
        # READ COMMITTED: once a site's lock is ours, every statement sees the writes
        # committed before it (a snapshot taken earlier would miss them)
        c.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        writer = ServerWriter(self)
        self._writer = writer
        try:
            with _guard(c):
                yield writer
            for chain, (position, digest) in sorted(writer.appended.items()):
                c.execute(
                    "UPDATE chain_heads SET seq = ?, hash = ? WHERE chain = ? AND seq < ?",
                    (position, digest, chain, position),
                )
            c.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        finally:
            self._writer = None

    def get(self, complaint_id: int) -> Complaint:
        """A complaint; inside a write, under its site's lock (read, then changed, by one
        writer at a time)."""
        if self._writer is not None and 0 < complaint_id <= MAX_ID:
            self._writer.lock(site_of(complaint_id))
        return super().get(complaint_id)

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        c = self.server
        with _guard(c):
            if c.in_transaction:
                yield
                return
            c.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            try:
                yield
            finally:
                if c.in_transaction:
                    c.execute("COMMIT")

    def _rollback(self) -> None:
        self._calendar = None
        if self.server.in_transaction:
            self.server.rollback()

    def backup(self, dest: Any) -> None:
        raise LedgerUnavailable("ledger.pg_backup_with_pg_dump", path=self.path)

    def checkpoint(self, wait: float = 5.0) -> bool:
        return True  # the server keeps its own write-ahead log

    def close(self) -> None:
        self.server.close()

    def index_text(self, ids: list[int]) -> None:
        c = self.server
        for cid in ids:
            for row in c.execute(_TERMS_SQL, (cid, cid, cid, cid)).fetchall():
                c.execute(
                    "INSERT INTO complaint_text (id, terms) VALUES (?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET terms = excluded.terms",
                    (row[0], _terms(row)),
                )

    def text_match(self, words: str) -> tuple[str, list[Any]] | None:
        """The text search through the terms' tsvector (its GIN index: migration 8)."""
        query = ts_query(words)
        if query is None:
            return None
        return (
            "SELECT id FROM complaint_text "
            "WHERE to_tsvector('simple', terms) @@ to_tsquery('simple', ?)",
            [query],
        )

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """``COPY`` the rows in: one stream, no statement per row."""
        try:
            with self.server.raw.cursor() as cursor:
                sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                with cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                if table == "events":  # copied with their numbers: the sequence goes on after
                    cursor.execute(
                        "SELECT setval('events_seq_next', greatest((SELECT max(seq) FROM events), "
                        "(SELECT last_value FROM events_seq_next)))"
                    )
                if "id" in columns:  # an identity (notices): the next id follows those copied
                    cursor.execute(
                        "SELECT setval(s, m) FROM (SELECT pg_get_serial_sequence(%s, 'id') AS s, "
                        f"(SELECT max(id) FROM {table}) AS m) AS t "
                        "WHERE s IS NOT NULL AND m IS NOT NULL",
                        (table,),
                    )
        except psycopg.Error as exc:
            raise self.server.explain(exc) from exc

    def index_text_range(self, first: int, last: int) -> None:
        """The terms of the new complaints ``first``..``last``, in batches of one query."""
        c = self.server
        step = 2000
        for low in range(first, last + 1, step):
            high = min(low + step - 1, last)
            rows = c.execute(_TERMS_SQL, (low, high, low, high))
            self.insert_rows(
                "complaint_text",
                ("id", "terms"),
                [(row[0], _terms(row)) for row in rows],
            )

    @contextlib.contextmanager
    def cache_size(self, kib: int) -> Iterator[None]:
        yield  # the server's shared buffers serve every connection

    def _cache_calendar(self, key: str, data: str) -> None:
        c = self.server
        savepoint = c.in_transaction
        if savepoint:
            c.execute("SAVEPOINT calendar_cache")
        try:
            c.execute(
                "INSERT INTO calendar_cache (key, data) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET data = excluded.data",
                (key, data),
            )
            version = key.partition("|")[0]
            c.execute(
                "DELETE FROM calendar_cache WHERE key != ? AND substr(key, 1, ?) = ?",
                (key, len(version) + 1, version + "|"),
            )
        except LedgerUnavailable:
            if savepoint:  # another terminal cached it meanwhile: it is only a cache
                c.execute("ROLLBACK TO SAVEPOINT calendar_cache")
            return
        if savepoint:
            c.execute("RELEASE SAVEPOINT calendar_cache")


class ServerWriter(Writer):
    """The writer of a server ledger: a site's chain is held by a row lock on its
    ``chain_heads`` row (``SELECT … FOR UPDATE``, made when missing: a site added since),
    and the global sequence numbers come from the sequence ``events_seq_next``.

    Locks are taken when first needed; a write that will touch several sites takes them
    first, in the order of their codes (:meth:`Writer.lock_all`, or ``lock`` with them all),
    so two such writes cannot wait for each other.  (Should a write still take a second
    site out of order, and another hold it waiting for the first, the server finds the
    deadlock and one of them fails with one line, nothing written.)"""

    def __init__(self, ledger: Ledger) -> None:
        super().__init__(ledger)
        self._numbers: list[int] = []
        self._batch = 1

    def lock(self, *codes: str) -> None:
        c = self.conn
        new = sorted(set(codes) - self.locked)
        if new:
            # numbers taken before this lock could be lower than those another writer of
            # these sites has used meanwhile: a chain's events keep their seq in its order
            self._numbers.clear()
        for code in new:
            if c.execute(_LOCK_SQL, (code,)).fetchone() is None:
                c.execute(
                    "INSERT INTO chain_heads (chain, seq, hash) VALUES (?, 0, ?) "
                    "ON CONFLICT (chain) DO NOTHING",
                    (code, GENESIS),
                )
                c.execute(_LOCK_SQL, (code,))
            self.locked.add(code)

    def next_seq(self) -> int:
        """The next number of the sequence (one round trip), or of those reserved."""
        if not self._numbers:
            self._take(1)
        return self._numbers.pop()

    def reserve(self, count: int) -> None:
        """A write about to append ``count`` events in a row (an import, a copy) takes their
        numbers ahead, in growing batches, one round trip each; those left over at its end
        are a gap in ``seq``, as after a rollback (a single command's events take one each,
        so its numbers follow one another as on SQLite)."""
        if len(self._numbers) < count:
            self._take(max(count - len(self._numbers), self._batch))
            self._batch = min(self._batch * 2, SEQ_BATCH)

    def _take(self, count: int) -> None:
        rows = self.conn.execute(
            "SELECT nextval('events_seq_next') FROM generate_series(1, ?)", (count,)
        ).fetchall()
        self._numbers = sorted((int(r[0]) for r in rows), reverse=True) + self._numbers


_LOCK_SQL = "SELECT seq FROM chain_heads WHERE chain = ? FOR UPDATE"


# What store/textindex.py indexes, read for the program to make the terms (SQLite computes
# them in SQL through a function each connection registers).
_TERMS_SQL = (
    "SELECT c.id, c.description, c.location, c.resolution, n.notes, c.unit FROM complaints c "
    "LEFT JOIN (SELECT complaint_id, string_agg(coalesce(json_extract(data, '$.note'), '') "
    "|| ' ' || coalesce(json_extract(data, '$.plan'), ''), ' ' ORDER BY seq) AS notes "
    "FROM events WHERE complaint_id BETWEEN ? AND ? "
    "AND kind IN ('updated', 'followed_up', 'noted') GROUP BY complaint_id) AS n "
    "ON n.complaint_id = c.id WHERE c.id BETWEEN ? AND ?"
)


def _terms(row: Sequence[Any]) -> str:
    return terms(row[1:])


@contextlib.contextmanager
def _guard(conn: Connection) -> Iterator[None]:
    """A server error met in direct use of the connection as one ``LedgerUnavailable``."""
    try:
        yield
    except psycopg.Error as exc:
        raise conn.explain(exc) from exc
