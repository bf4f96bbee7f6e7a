"""The ledger: one SQLite file holding the event log and the state rebuilt from it.

Opening a ledger sets WAL mode and a busy timeout, applies missing migrations (after a backup
beside the file), and refuses files that are not complaintctl ledgers or come from a newer
version.  Every write goes through ``Ledger.write()``: one ``BEGIN IMMEDIATE`` transaction, so
concurrent terminals and cron wait for each other instead of failing, and a process killed
mid-write leaves the ledger as it was before.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from complaintctl.domain import sites
from complaintctl.domain.errors import InvalidInput, LedgerUnavailable, NotFound
from complaintctl.domain.model import COLUMNS, Complaint, Event, apply
from complaintctl.domain.textsearch import match_query
from complaintctl.store import head, outfile, textindex
from complaintctl.store.schema import MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    from complaintctl.sla.policy import Policy
    from complaintctl.time.calendar import WorkCalendar

APPLICATION_ID = 0x43504C54  # "CPLT"
ENV_DB = "COMPLAINTCTL_DB"
ENV_TIMEOUT = "COMPLAINTCTL_BUSY_TIMEOUT"
ENV_SITE = "COMPLAINTCTL_SITE"
MAX_ID = 2**63 - 1  # SQLite's largest integer
# Pages of a new ledger: rows of a few hundred bytes and long texts; half the WAL frames and
# write calls of SQLite's 4096 (a 100,000-row import: 1.2 s less; docs/performance.md).
# A ledger keeps the size it was made with (WAL mode cannot change it).
PAGE_SIZE = 8192


# What names a PostgreSQL server in ``--db`` (store/backend.py opens it); as a Path (which
# folds ``//``), a server's URL that reached the file ledger
SCHEMES = ("postgresql://", "postgres://")
_URL_PREFIXES = tuple(scheme.rstrip("/") for scheme in SCHEMES)


def default_path() -> Path:
    """``--db``, else ``$COMPLAINTCTL_DB``, else the per-user data folder (platformdirs)."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path  # start-up: only without --db

    return user_data_path("complaintctl", appauthor=False) / "ledger.db"


def _busy_timeout() -> float:
    try:
        return max(0.0, float(os.environ.get(ENV_TIMEOUT, "30")))
    except ValueError:
        return 30.0


def _check_length(path: Path) -> None:
    """Refuse a file shorter than its own header says (cut short by a copy or a full disk).

    Other terminals may be checkpointing meanwhile, and the last one to close deletes the
    write-ahead log, so the log is looked at once, after the header is read: pages reach the
    file only through a checkpoint, which holds the log until it has written them all.  A log
    with pages in it (they may not have reached the file yet) skips the check."""
    with path.open("rb") as handle:
        header = handle.read(100)
    if _wal_size(path) > 0:
        return
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return  # SQLite itself says "not a database"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    sane = 512 <= page_size <= 65536 and page_size & (page_size - 1) == 0
    valid = sane and pages > 0 and header[24:28] == header[92:96]
    size = path.stat().st_size
    if valid and size < pages * page_size:
        raise LedgerUnavailable(
            "ledger.ledger_truncated_of_bytes_restore_it",
            path=path,
            size=size,
            value=pages * page_size,
        )


def _writable(path: Path) -> bool:
    """Whether this process may write the ledger and create its -wal and -shm beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _read_only_uri(path: Path) -> str:
    """Open a ledger that cannot be written: read-only; on a folder that cannot be written
    either (a read-only file system) and without a write-ahead log, immutable (SQLite cannot
    make its -shm file there, and nobody can change the file)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if not os.access(path.parent, os.W_OK) and _wal_size(path) == 0:
        uri += "&immutable=1"
    return uri


def _owner_only(path: Path) -> None:
    """A ledger file made by someone else's ``touch`` (0644): owner-only before it gets names
    and phones.  Only the owner can change the mode; others leave it as it is."""
    info = path.stat()
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        os.chmod(path, 0o600)


def _wal_size(path: Path) -> int:
    """The write-ahead log's size, 0 when there is none (it may vanish at any moment)."""
    try:
        return path.with_name(f"{path.name}-wal").stat().st_size
    except FileNotFoundError:
        return 0


@contextlib.contextmanager
def _guard(path: Path) -> Iterator[None]:
    """Turn a damaged or locked file met after opening into a one-line ``LedgerUnavailable``
    (constraint violations stay what they are: the caller may expect them)."""
    try:
        yield
    except sqlite3.IntegrityError:
        raise
    except sqlite3.DatabaseError as exc:
        raise _explain(exc, path) from exc


def explain(exc: sqlite3.Error, path: Path) -> LedgerUnavailable:
    """A SQLite error met on the ledger at ``path`` as one line."""
    return _explain(exc, path)


def _explain(exc: sqlite3.Error, path: Path) -> LedgerUnavailable:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return LedgerUnavailable(
            "ledger.ledger_locked_by_another_process_for", path=path, seconds=_busy_timeout()
        )
    if "not a database" in text or "malformed" in text or "disk image" in text:
        return LedgerUnavailable("ledger.ledger_not_a_readable_sqlite_ledger", path=path, text=text)
    return LedgerUnavailable("ledger.ledger", path=path, text=text)


class Ledger:
    # the triggers that keep the events append-only (store/verify.py checks they are there)
    TRIGGERS_SQL = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    # the chain heads kept inside the ledger (none: the head file beside it keeps them)
    HEADS_SQL: str | None = None

    def __init__(self, path: Path, conn: sqlite3.Connection, read_only: bool = False) -> None:
        self.path = path
        self.conn = conn
        self.read_only = read_only  # a file or folder this process cannot write
        self._calendar: WorkCalendar | None = None
        self._policies: dict[int, Policy] = {}
        self._sites: dict[str, str] | None = None  # code -> name, read once

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str | None = None) -> Ledger:
        """The SQLite ledger at ``path`` (``store/backend.open_ledger`` opens either kind)."""
        path = Path(path).expanduser() if path is not None else default_path()
        if str(path).startswith(_URL_PREFIXES):  # never a file named after a server's URL
            raise LedgerUnavailable("ledger.server_url_as_file", path=path)
        read_only = False
        try:
            if path.is_file() and not _writable(path):
                read_only = True  # a read-only file system, a copy made read-only
                _check_length(path)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                if not path.exists():
                    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
                elif path.is_dir():
                    raise LedgerUnavailable("ledger.ledger_is_a_folder_not_a", path=path)
                else:
                    _owner_only(path)
                    _check_length(path)
        except OSError as exc:
            raise LedgerUnavailable(
                "ledger.ledger_cannot_open", path=path, strerror=exc.strerror
            ) from exc
        try:
            if read_only:
                conn = sqlite3.connect(
                    _read_only_uri(path), uri=True, timeout=_busy_timeout(), isolation_level=None
                )
            else:
                conn = sqlite3.connect(path, timeout=_busy_timeout(), isolation_level=None)
        except sqlite3.Error as exc:
            raise _explain(exc, path) from exc
        conn.row_factory = sqlite3.Row
        textindex.register(conn)
        ledger = cls(path, conn, read_only)
        # Terminals opening a new ledger at the same moment race to switch it to WAL and
        # create the tables; SQLite answers a lock upgrade that could deadlock with an
        # immediate SQLITE_BUSY rather than waiting, so the whole preparation is retried
        # until the busy timeout has passed.
        deadline = time.monotonic() + _busy_timeout()
        while True:
            try:
                ledger._prepare()
                return ledger
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if busy and time.monotonic() < deadline:
                    import random  # start-up: only when another process holds the ledger

                    time.sleep(0.02 + random.random() * 0.05)
                    continue
                conn.close()
                raise _explain(exc, path) from exc
            except sqlite3.Error as exc:
                conn.close()
                raise _explain(exc, path) from exc
            except LedgerUnavailable:
                conn.close()
                raise

    def close(self) -> None:
        self.conn.close()

    def guard(self) -> contextlib.AbstractContextManager[None]:
        """Around direct use of ``conn``: a damaged or locked file becomes one clear
        ``LedgerUnavailable`` naming this ledger."""
        return _guard(self.path)

    def streaming(self) -> contextlib.AbstractContextManager[None]:
        """Around a pass over the whole ledger (``verify``): rows come as they are read, not
        all at once.  SQLite's cursors always do."""
        return contextlib.nullcontext()

    def _prepare(self) -> None:
        c = self.conn
        c.execute(f"PRAGMA busy_timeout = {int(_busy_timeout() * 1000)}")
        # one statement, one snapshot: a terminal creating the ledger at this very moment
        # cannot be seen half-way (tables there, version not yet)
        version, app, tables = c.execute(
            "SELECT (SELECT user_version FROM pragma_user_version), "
            "(SELECT application_id FROM pragma_application_id), "
            "(SELECT count(*) FROM sqlite_master)"
        ).fetchone()
        if version == 0:
            if tables:
                raise LedgerUnavailable("ledger.ledger_a_sqlite_file_but_not", path=self.path)
        elif app != APPLICATION_ID:
            raise LedgerUnavailable("ledger.ledger_a_sqlite_file_but_not", path=self.path)
        if version > SCHEMA_VERSION:
            raise LedgerUnavailable(
                "ledger.ledger_made_by_a_newer_complaintctl",
                path=self.path,
                version=version,
                known=SCHEMA_VERSION,
            )
        if self.read_only:
            if version < SCHEMA_VERSION:
                raise LedgerUnavailable(
                    "ledger.ledger_read_only_and_made_by", path=self.path, version=version
                )
            return
        if c.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            if version == 0:  # a new file: its page size is chosen before its first page
                c.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            c.execute("PRAGMA journal_mode = WAL")
        c.execute("PRAGMA synchronous = FULL")
        c.execute("PRAGMA foreign_keys = ON")
        # erased names and phones are overwritten with zeros, not left in free space: SQLite's
        # upstream default is off (some builds turn it on); every connection may erase
        c.execute("PRAGMA secure_delete = ON")
        if version < SCHEMA_VERSION:
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        # a migration that changes nothing here (8: PostgreSQL's text index) needs no copy of
        # the file first: on a large ledger the copy takes minutes and its size again
        changes = any(_split(m) != ["SELECT 1;"] for m in MIGRATIONS[version:])
        if version > 0 and changes:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            saved = self.path.with_name(f"{self.path.name}.before-v{SCHEMA_VERSION}-{stamp}")
            # through the output guard: a killed upgrade leaves no half copy that would later
            # open as an empty ledger (its partial file is removed by the next write)
            with outfile.replacing(saved, "upgrade backup", self.path) as partial:
                self.backup(partial)
        c = self.conn
        c.execute("BEGIN IMMEDIATE")  # outside the try: nothing to roll back if it fails
        try:
            current = c.execute("PRAGMA user_version").fetchone()[0]
            for number in range(current, SCHEMA_VERSION):
                for statement in _split(MIGRATIONS[number]):
                    c.execute(statement)
            c.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            c.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            c.execute("COMMIT")
        except BaseException:
            if c.in_transaction:  # SQLite has already rolled back after a full disk
                c.execute("ROLLBACK")
            raise
        self._compact()

    def _compact(self) -> None:
        """Give back the space a migration freed by copying a table (SQLite keeps freed pages
        in the file), once, when it is over a quarter of the file.  Only a matter of size: a
        terminal keeping it busy just leaves the pages for new events to fill."""
        c = self.conn
        free, pages = c.execute(
            "SELECT (SELECT freelist_count FROM pragma_freelist_count), "
            "(SELECT page_count FROM pragma_page_count)"
        ).fetchone()
        if free * 4 > pages:
            with contextlib.suppress(sqlite3.OperationalError):
                c.execute("VACUUM")

    # -- transactions ------------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[Writer]:
        """One write transaction, taking the write lock up front (the whole file: appends to
        every chain follow one another); after the commit, the heads of the chains it
        appended to go into the head file (:mod:`complaintctl.store.head`)."""
        if self.read_only:
            raise LedgerUnavailable("ledger.ledger_read_only_file_or_folder", path=self.path)
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _explain(exc, self.path) from exc
        writer = Writer(self)
        self._sites = None  # another terminal may have added one
        try:
            with _guard(self.path):
                yield writer
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise _explain(exc, self.path) from exc
            head.advance(self.path, writer.appended)

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction: every query inside sees the same ledger, whatever other
        terminals write meanwhile (a digest's or a report's several queries).  Inside a
        transaction already, it is that one."""
        conn = self.conn
        with _guard(self.path):
            if conn.in_transaction:
                yield
                return
            conn.execute("BEGIN")
            try:
                yield
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def _rollback(self) -> None:
        """Undo the open transaction (SQLite may already have, after some errors)."""
        self._calendar = None
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def backup(self, dest: Path) -> None:
        """A consistent copy while others write (SQLite's online backup API), owner-only.

        The copy is one self-contained file (rollback journal, no ``-wal``); opening it with
        complaintctl switches it back to WAL.  ``dest`` is a new file made by
        :func:`complaintctl.store.outfile.replacing`."""
        if not dest.exists():
            os.close(os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600))
        os.chmod(dest, 0o600)
        target = sqlite3.connect(dest, isolation_level=None)
        try:
            self.conn.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()

    def checkpoint(self, wait: float = 5.0) -> bool:
        """Fold the write-ahead log into the file and empty it (after an erasure, so that no
        earlier copy of an erased page stays in the log).  False when other terminals kept
        reading old pages for ``wait`` seconds."""
        deadline = time.monotonic() + wait
        while True:
            with _guard(self.path):
                busy, log, done = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy and log in (0, done):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def text_match(self, words: str) -> tuple[str, list[Any]] | None:
        """A query of the ids (column ``id``) of the complaints whose text holds every word
        of ``words`` (domain/textsearch.py), and its parameters; None when it has no word."""
        query = match_query(words)
        if query is None:
            return None
        return "SELECT rowid AS id FROM complaint_text WHERE complaint_text MATCH ?", [query]

    def index_text(self, ids: list[int]) -> None:
        """Index the words of the complaints ``ids`` again (inside a write)."""
        textindex.refresh(self.conn, ids)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Many new rows of ``table`` at once, inside a write (a bulk write: import, migrate)."""
        names, marks = ", ".join(columns), ", ".join("?" for _ in columns)
        self.conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def index_text_range(self, first: int, last: int) -> None:
        """Index the new complaints ``first``..``last`` (a bulk write; none indexed yet)."""
        textindex.add_range(self.conn, first, last)

    @contextlib.contextmanager
    def cache_size(self, kib: int) -> Iterator[None]:
        """A page cache of ``kib`` KiB for this connection while a large write runs."""
        cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = {-kib}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(cache)}")

    # -- reading -----------------------------------------------------------------------------
    def get(self, complaint_id: int) -> Complaint:
        if not 0 < complaint_id <= MAX_ID:
            raise NotFound("ledger.id_no_complaint_in", complaint_id=complaint_id, path=self.path)
        with _guard(self.path):
            row = self.conn.execute(
                "SELECT * FROM complaints WHERE id = ?", (complaint_id,)
            ).fetchone()
        if row is None:
            raise NotFound("ledger.id_no_complaint_in", complaint_id=complaint_id, path=self.path)
        return Complaint.from_row(dict(row))

    def personal(self, complaint_id: int) -> tuple[str | None, str | None]:
        with _guard(self.path):
            row = self.conn.execute(
                "SELECT name, phone FROM personal WHERE complaint_id = ?", (complaint_id,)
            ).fetchone()
        return (row["name"], row["phone"]) if row else (None, None)

    def events(self, complaint_id: int | None = None) -> list[Event]:
        with _guard(self.path):
            if complaint_id is None:
                rows = self.conn.execute("SELECT * FROM events ORDER BY seq").fetchall()
            else:
                rows = self.conn.execute(
                    "SELECT * FROM events WHERE complaint_id = ? ORDER BY seq", (complaint_id,)
                ).fetchall()
        return [row_to_event(r) for r in rows]

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with _guard(self.path):
            return self.conn.execute(sql, params).fetchall()

    # -- sites (issue 21) ---------------------------------------------------------------------
    def sites(self) -> dict[str, str]:
        """Every site of the ledger, code -> name, in the order of their codes."""
        if self._sites is None:
            with _guard(self.path):
                rows = self.conn.execute("SELECT code, name FROM sites ORDER BY code").fetchall()
            self._sites = {str(r[0]): str(r[1]) for r in rows}
        return self._sites

    @property
    def multi_site(self) -> bool:
        """A ledger of several sites names its complaints ``YG-123``, one of one site ``123``."""
        return len(self.sites()) > 1

    def ref(self, complaint_id: int) -> str:
        """A complaint's number as people read it on this ledger (domain/sites.ref)."""
        return sites.ref(complaint_id, self.multi_site)

    def default_site(self) -> str:
        with _guard(self.path):
            row = self.conn.execute(
                "SELECT value FROM settings WHERE key = 'default_site'"
            ).fetchone()
        return str(row[0]) if row else sites.FIRST

    def site(self, given: str | None = None) -> str:
        """The site of a command: ``--site``, else ``$COMPLAINTCTL_SITE``, else the ledger's
        default; an unknown code is refused naming the accepted ones."""
        if given is None:
            given = os.environ.get(ENV_SITE) or None
        if given is None:
            return self.default_site()
        return self.known_site(given)

    def known_site(self, given: str, field: str = "--site") -> str:
        code = sites.normal_code(given, field)
        if code not in self.sites():
            raise InvalidInput(field, "ledger.no_site", given=given, accepted=self.sites())
        return code

    def site_filter(self, given: list[str] | None) -> list[str] | None:
        """The sites a listing or report covers: each ``--site`` given, else
        ``$COMPLAINTCTL_SITE``, else None: every site."""
        if given:
            return sorted({self.known_site(g) for g in given})
        env = os.environ.get(ENV_SITE)
        return [self.known_site(env)] if env else None

    def complaint_id(self, text: str, site: str | None = None, field: str = "ID") -> int:
        """The key of ``YG-123``, or of ``123`` in ``site`` (default: :meth:`site`)."""
        if "-" in text:
            code = sites.normal_code(text.strip().lstrip("#").split("-", 1)[0], field)
            self.known_site(code, field)
            return sites.parse_ref(text, code, field)
        return sites.parse_ref(text, self.site(site), field)

    # -- policy and calendar -----------------------------------------------------------------
    def policy_version(self, site: str | None = None) -> int:
        """The policy in force for ``site``: the newest version loaded for it or for every
        site; without a site, the newest for every site (0: the built-in policy)."""
        with _guard(self.path):
            row = self.conn.execute(
                "SELECT max(version) FROM policies WHERE site IS NULL OR site = ?", (site,)
            ).fetchone()
        return int(row[0] or 0)

    def last_policy_version(self) -> int:
        """The newest version loaded, for whichever site (versions count across sites)."""
        with _guard(self.path):
            row = self.conn.execute("SELECT max(version) FROM policies").fetchone()
        return int(row[0] or 0)

    def policy(self, version: int | None = None) -> Policy:
        from complaintctl.sla.policy import default_policy, parse_policy  # start-up: tomllib

        if version is None:
            version = self.policy_version()
        if version not in self._policies:
            if version == 0:
                self._policies[0] = default_policy()
            else:
                row = self.conn.execute(
                    "SELECT text FROM policies WHERE version = ?", (version,)
                ).fetchone()
                self._policies[version] = parse_policy(row["text"], strict=False)
        return self._policies[version]

    def calendar_outdated(self) -> bool:
        """True when the cached calendar was built by another ``holidays`` version than the
        installed one: the deadlines may need recomputing (workflow/admin.follow_package)."""
        mark = holidays_version() + "|"
        with _guard(self.path):
            row = self.conn.execute(
                "SELECT 1 FROM calendar_cache WHERE substr(key, 1, ?) != ? LIMIT 1",
                (len(mark), mark),
            ).fetchone()
        return row is not None

    def calendar(self) -> WorkCalendar:
        """The working-day calendar, from the cache in the ledger when it is current."""
        if self._calendar is not None:
            return self._calendar
        # start-up: the calendar module only for commands that compute deadlines
        from complaintctl.time.calendar import (
            DEFAULT_FIRST_YEAR,
            DEFAULT_LAST_YEAR,
            WorkCalendar,
            build_calendar,
            parse_notice,
        )

        notices = self.conn.execute(
            "SELECT id, year, text FROM notices WHERE id IN "
            "(SELECT max(id) FROM notices GROUP BY year) ORDER BY year"
        ).fetchall()
        key = f"{holidays_version()}|{','.join(str(n['id']) for n in notices)}"
        row = self.conn.execute("SELECT data FROM calendar_cache WHERE key = ?", (key,)).fetchone()
        if row is not None:
            self._calendar = WorkCalendar.from_dict(json.loads(row["data"]))
            return self._calendar
        cal = build_calendar(
            DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR, [parse_notice(n["text"]) for n in notices]
        )
        self._cache_calendar(key, json.dumps(cal.to_dict(), separators=(",", ":")))
        self._calendar = cal
        return cal

    def _cache_calendar(self, key: str, data: str) -> None:
        """Keep a calendar built for ``key`` (best effort: a busy ledger just builds it again)."""
        with contextlib.suppress(sqlite3.OperationalError):
            self.conn.execute(
                "INSERT OR REPLACE INTO calendar_cache (key, data) VALUES (?, ?)", (key, data)
            )
            # one row per package version: the rows for other notice sets are stale; a row
            # for another version is the calendar the deadlines were computed under until
            # workflow/admin.follow_package recomputes them and removes it
            version = key.partition("|")[0]
            self.conn.execute(
                "DELETE FROM calendar_cache WHERE key != ? AND substr(key, 1, ?) = ?",
                (key, len(version) + 1, version + "|"),
            )


def holidays_version() -> str:
    """The installed holidays package's version, from its dist-info folder name, without
    importing the package or importlib.metadata (both cost milliseconds per command)."""
    from importlib.util import find_spec  # start-up: only when the cache is checked

    spec = find_spec("holidays")
    if spec is None or spec.origin is None:
        return "missing"
    package = Path(spec.origin).parent
    for info in package.parent.glob("holidays-*.dist-info"):
        return info.name[len("holidays-") : -len(".dist-info")]
    return f"mtime-{package.stat().st_mtime_ns}"


def row_to_event(row: sqlite3.Row) -> Event:
    return Event(
        kind=row["kind"],
        complaint_id=row["complaint_id"],
        at=row["at"],
        by=row["by"],
        data=json.loads(row["data"]),
        recorded_at=row["recorded_at"],
        seq=row["seq"],
        pii=row["pii"],
    )


def _split(script: str) -> list[str]:
    """Statements of a migration (triggers keep their inner semicolons)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def chain_head(conn: Any, chain: str) -> tuple[int, str]:
    """The position and hash of the newest event of ``chain`` (0 and the genesis hash for a
    chain without events).  The first site's chain begins with the events written before
    chains (migration 9), whose positions are their sequence numbers."""
    row = conn.execute(
        "SELECT chain_seq, hash FROM events WHERE chain = ? ORDER BY chain_seq DESC LIMIT 1",
        (chain,),
    ).fetchone()
    if row is None and chain == sites.FIRST:
        row = conn.execute(
            "SELECT seq, hash FROM events WHERE chain IS NULL ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    if row is None:
        return 0, GENESIS
    return int(row[0]), str(row[1])


GENESIS = "0" * 64  # store/chain.GENESIS, without importing hashing into every command


class Writer:
    """What a write transaction may do: append events and store the state they lead to."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.conn = ledger.conn
        self.now = int(time.time())
        # why the step is recorded long after it happened (``--late-entry-reason``): carried
        # in the data of each event this transaction appends with an earlier ``at``
        self.late_reason: str | None = None
        self.locked: set[str] = set()  # the chains this transaction holds (and may append to)
        self._heads: dict[str, tuple[int, str]] = {}  # chain -> (position, hash) of its head
        self.appended: dict[str, tuple[int, str]] = {}  # the heads of the chains appended to
        self._seq: int | None = None

    def next_id(self, site: str = sites.FIRST) -> int:
        """The key of the next complaint of ``site`` (numbers count within a site), under the
        site's lock (:meth:`lock`)."""
        self.lock(site)
        first, last = sites.bounds(site)
        row = self.conn.execute(
            "SELECT max(id) FROM complaints WHERE id BETWEEN ? AND ?", (first, last)
        ).fetchone()
        return first if row[0] is None else int(row[0]) + 1

    def lock(self, *codes: str) -> None:
        """Hold the chains of ``codes`` for the rest of the transaction (their appends, and the
        numbers of their complaints).  SQLite's ``BEGIN IMMEDIATE`` already holds the whole
        file, so here it only notes them (for the head file); the server locks their rows in
        ``chain_heads`` (store/postgres.py), in the order of their codes."""
        self.locked.update(codes)

    def lock_all(self) -> None:
        """Hold every site's chain: a write that may touch any site (a holiday notice and the
        deadlines it moves, escalation or retention across sites) takes them all first, in
        one order, so that two such writes cannot wait for each other."""
        self.lock(*self.ledger.sites())

    def next_seq(self) -> int:
        """The global sequence number of the next event: the newest plus one (one writer)."""
        if self._seq is None:
            row = self.conn.execute("SELECT max(seq) FROM events").fetchone()
            self._seq = int(row[0] or 0)
        self._seq += 1
        return self._seq

    def reserve(self, count: int) -> None:
        """``count`` events are about to be appended in a row (a bulk write): the server takes
        their sequence numbers at once; here the next ones are free anyway."""

    def head(self, chain: str) -> tuple[int, str]:
        """The position and hash of ``chain``'s newest event, as of this transaction."""
        found = self._heads.get(chain)
        if found is None:
            found = self._heads[chain] = chain_head(self.conn, chain)
        return found

    def moved(self, chain: str, position: int, digest: str) -> None:
        """``chain``'s head is now at ``position`` (bulk writes append without :meth:`append`)."""
        self._heads[chain] = self.appended[chain] = (position, digest)

    def append(self, event: Event) -> Event:
        """Chain the event to its site's chain (store/chain.py) and return it with its
        sequence number."""
        from complaintctl.store import chain as integrity  # hashing is needed only by writers

        chain = integrity.chain_of(event.complaint_id)
        self.lock(chain)
        position, prev = self.head(chain)
        position += 1
        seq = self.next_seq()
        if self.late_reason is not None and event.at < self.now:
            event = replace(event, data={**event.data, "late_entry_reason": self.late_reason})
        data = integrity.canonical(event.data)
        digest = integrity.chained_hash(
            prev,
            position,
            event.complaint_id,
            event.kind,
            event.at,
            self.now,
            event.by,
            data,
            event.pii,
        )
        self.conn.execute(
            "INSERT INTO events (seq, complaint_id, kind, at, recorded_at, by, data, pii, "
            "prev_hash, hash, chain, chain_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                event.complaint_id,
                event.kind,
                event.at,
                self.now,
                event.by,
                data,
                event.pii,
                prev,
                digest,
                chain,
                position,
            ),
        )
        self.moved(chain, position, digest)
        return replace(event, seq=seq, recorded_at=self.now)

    def record(self, state: Complaint | None, event: Event) -> Complaint:
        """Append ``event`` for a complaint and store the state it leads to."""
        stored = self.append(event)
        new = apply(state, stored)
        values = new.to_values()
        if state is None:
            names = ", ".join(COLUMNS)
            marks = ", ".join("?" for _ in COLUMNS)
            self.conn.execute(f"INSERT INTO complaints ({names}) VALUES ({marks})", values)
        else:
            sets = ", ".join(f"{k} = ?" for k in COLUMNS if k != "id")
            self.conn.execute(
                f"UPDATE complaints SET {sets} WHERE id = ?",
                [v for k, v in zip(COLUMNS, values, strict=True) if k != "id"] + [new.id],
            )
        if event.kind in textindex.TEXT_EVENTS:
            self.ledger.index_text([new.id])
        return new

    def store_personal(self, complaint_id: int, name: str, phone: str) -> str:
        from complaintctl.store import chain as integrity  # hashing is needed only by writers

        salt = integrity.new_salt()
        self.conn.execute(
            "INSERT INTO personal (complaint_id, name, phone, salt) VALUES (?, ?, ?, ?)",
            (complaint_id, name, phone, salt),
        )
        return integrity.personal_digest(salt, name, phone)

    def replace_personal(self, complaint_id: int, name: str, phone: str) -> str:
        """Store a corrected name and phone (a new salt) and return the digest the
        ``corrected`` event commits to."""
        from complaintctl.store import chain as integrity  # hashing is needed only by writers

        salt = integrity.new_salt()
        self.conn.execute(
            "UPDATE personal SET name = ?, phone = ?, salt = ? WHERE complaint_id = ?",
            (name, phone, salt, complaint_id),
        )
        return integrity.personal_digest(salt, name, phone)
