"""Import complaint registers kept in Excel or CSV (issue 7).

Every row of the file (read by :mod:`complaintctl.transfer.sheets`) is checked
(:mod:`complaintctl.transfer.rows`) and the good ones written, in ONE transaction that is
committed only once every row has been checked and none is bad (or the bad ones are skipped on
request): a failed import writes nothing.  Each row becomes a complaint with the events the
sheet supports (registered, assigned, contact / plan, resolved, followed up) and deadlines
computed as for a complaint typed at the terminal (:mod:`complaintctl.transfer.events`).  A
source key per row (received time, unit, name, description) keeps a second import of the same
register from duplicating complaints.  The rules are in docs/import-export.md.
"""

from __future__ import annotations

import contextlib
import csv
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from complaintctl.domain.cells import safe
from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.vocab import CHANNEL
from complaintctl.store import outfile
from complaintctl.store.bulk import Bulk
from complaintctl.store.ledger import Ledger, Writer
from complaintctl.transfer.rows import BadRow
from complaintctl.transfer.sheets import Header, Progress, find_header, open_table
from complaintctl.transfer.worker import Chunk, Job, chunks, in_worker, use_worker
from complaintctl.workflow.actor import Actor

BULK_CACHE_KIB = 64 * 1024  # SQLite page cache while importing (a limit, not an allocation)


# -- the import -------------------------------------------------------------------------------
@dataclass
class Result:
    file: Path
    label: str  # the file name, and the sheet for a workbook
    header: Header
    policy_version: int
    dry_run: bool
    rows: int = 0  # data rows (blank rows not counted)
    bad: list[BadRow] = field(default_factory=list)
    repeated: list[tuple[int, int]] = field(default_factory=list)  # (row, the same earlier row)
    present: int = 0  # good rows already in the ledger
    new: int = 0  # good rows not in the ledger yet: what is (or would be) imported
    imported: int = 0
    ids: tuple[int, int] | None = None
    rejects: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "header_row": self.header.row,
            "rows": self.rows,
            "imported": self.imported,
            "already_present": self.present,
            "to_import": self.new,
            "repeated_rows": [{"row": r, "same_as_row": e} for r, e in self.repeated],
            "bad_rows": [
                {"row": b.row, "problems": [p.__dict__ for p in b.problems]} for b in self.bad
            ],
            "ignored_columns": self.header.ignored,
            "ids": list(self.ids) if self.ids else None,
            "rejects_file": str(self.rejects) if self.rejects else None,
            "dry_run": self.dry_run,
        }


class _Refused(Exception):
    """Bad rows without ``skip_invalid``: roll everything back."""


def import_file(
    ledger: Ledger,
    path: Path,
    actor: Actor,
    *,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    default_channel: str = "other",
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> Result:
    """Check every row of ``path`` and write the good ones, all or nothing.

    One pass, in one transaction: rows are checked and written in chunks as the file is read,
    and the transaction is rolled back if any row is bad (unless ``skip_invalid``: then the
    bad rows go to ``<stem>.rejects.csv`` beside the file before the commit).  Nothing is
    committed before every row has been checked.  ``dry_run`` checks without a transaction.
    A large file is read and checked by a worker process (:mod:`complaintctl.transfer.worker`)
    while this one writes."""
    channel = CHANNEL.parse(default_channel, "--channel")
    try:
        return _import(
            ledger, path, actor, mapping, sheet, channel, dry_run, skip_invalid, progress
        )
    except csv.Error as exc:  # a field over the csv module's limit, a NUL byte, ...
        raise InvalidInput(
            "FILE", f"{path.name}: cannot read the CSV ({exc}); nothing imported"
        ) from exc
    except RecursionError as exc:  # a JSON line nested thousands deep
        raise InvalidInput(
            "FILE", f"{path.name}: a line is nested too deeply; nothing imported"
        ) from exc


def _import(
    ledger: Ledger,
    path: Path,
    actor: Actor,
    mapping: dict[str, str] | None,
    sheet: str | None,
    channel: str,
    dry_run: bool,
    skip_invalid: bool,
    progress: Progress | None,
) -> Result:
    with bulk(ledger), open_table(path, sheet) as table:
        header = find_header(table, mapping or {})
        version = ledger.policy_version()
        job = Job(
            path,
            sheet,
            header,
            ledger.policy(version),
            version,
            actor.epoch,
            channel,
            actor.by,
            calendar=None if dry_run else ledger.calendar(),
            skip_invalid=skip_invalid,
        )
        result = Result(path, table.label, header, version, dry_run=dry_run)
        if dry_run:
            _pass(ledger, None, chunks(job, table), result, table.total, progress)
            return result
        source = in_worker(job) if use_worker(table) else chunks(job, table)
        try:
            with ledger.write() as w:
                _pass(ledger, w, source, result, table.total, progress, skip_invalid)
                if result.bad and not skip_invalid:
                    raise _Refused
                if result.bad:  # before the commit, so that a folder we cannot write stops it
                    result.rejects = write_rejects(path, header, result.bad, ledger.path)
        except _Refused:
            result.imported, result.ids = 0, None
        except BaseException:
            if result.rejects is not None:
                result.rejects.unlink(missing_ok=True)
            raise
        return result


def _pass(
    ledger: Ledger,
    w: Writer | None,
    source: Iterator[Chunk],
    result: Result,
    total: int | None,
    progress: Progress | None,
    skip_invalid: bool = False,
) -> None:
    """Take the checked rows chunk by chunk into ``result``; with a writer, write the new ones
    while no row is bad (or bad rows are skipped)."""
    writing = Bulk(w) if w is not None else None
    for chunk in source:
        if progress:
            progress("write" if w else "check", chunk.last, total)
        result.rows = chunk.rows
        result.bad += chunk.bad
        result.repeated += chunk.repeated
        present = _existing(ledger, [key for key, _ in chunk.good])
        todo = [new for key, new in chunk.good if key not in present]
        result.present += len(present)
        result.new += len(todo)
        if writing is not None and (skip_invalid or not result.bad):
            for new in todo:
                assert new is not None  # built while no row was bad, or bad rows are skipped
                writing.add(new)
    if writing is not None:
        writing.flush()
        result.imported = writing.count
        result.ids = (writing.first_id, writing.next_id - 1) if writing.count else None


def _existing(ledger: Ledger, keys: list[str]) -> set[str]:
    """The keys already in the ledger (by the UNIQUE index, 500 at a time)."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        sql = f"SELECT source_key FROM complaints WHERE source_key IN ({marks})"
        found.update(r[0] for r in ledger.conn.execute(sql, chunk))
    return found


@contextlib.contextmanager
def bulk(ledger: Ledger) -> Iterator[None]:
    """For a large import: no cyclic garbage collection (an import makes millions of objects
    and no cycles; each full collection would walk them all) and a larger page cache for the
    random inserts into the unique hash and source-key indexes."""
    collecting = gc.isenabled()
    gc.disable()
    cache = ledger.conn.execute("PRAGMA cache_size").fetchone()[0]
    ledger.conn.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    try:
        yield
    finally:
        ledger.conn.execute(f"PRAGMA cache_size = {int(cache)}")
        if collecting:
            gc.enable()


def write_rejects(path: Path, header: Header, bad: list[BadRow], ledger: Path) -> Path:
    """The rejected rows as the sheet had them, with their row number and the reasons (UTF-8
    with BOM, so Excel opens it); once fixed, the file can be imported as it is.  Written
    through the output guard (owner-only: it holds names and phones; never through a symbolic
    link, never onto the ledger); text cells are spreadsheet-safe (import reverses it)."""
    target = path.with_name(f"{path.stem}.rejects.csv")
    width = max([len(header.headers), *(len(b.cells) for b in bad)])
    names = header.headers + [""] * (width - len(header.headers))
    with (
        outfile.replacing(target, "--skip-invalid", ledger) as temp,
        temp.open("w", encoding="utf-8-sig", newline="") as out,
    ):
        sheet = csv.writer(out)
        sheet.writerow([*(safe(n) for n in names), "source_row", "reason"])
        for b in bad:
            cells = [*b.cells, *[""] * (width - len(b.cells))]
            sheet.writerow([*(safe(c) for c in cells), b.row, safe(b.reason)])
    return target
