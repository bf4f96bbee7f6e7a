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
from complaintctl.domain.model import Event
from complaintctl.domain.sites import FIRST, number_of, site_of
from complaintctl.domain.vocab import CHANNEL
from complaintctl.store import outfile
from complaintctl.store.bulk import Bulk
from complaintctl.store.ledger import Ledger, Writer
from complaintctl.transfer.rows import BadRow
from complaintctl.transfer.sheets import (
    Header,
    Progress,
    find_header,
    open_table,
    sheet_names,
)
from complaintctl.transfer.worker import Chunk, Job, chunks, in_worker, use_worker
from complaintctl.workflow.actor import Actor

BULK_CACHE_KIB = 64 * 1024  # SQLite page cache while importing (a limit, not an allocation)


# -- the import -------------------------------------------------------------------------------
@dataclass
class Part:
    """One sheet of the file (a CSV or JSON lines file is one sheet)."""

    sheet: str | None
    label: str  # the file name, and the sheet for a workbook
    header: Header
    rows: int = 0  # data rows (blank and footer rows not counted)
    blank: int = 0  # blank rows between the data rows
    footer: int = 0  # footer rows: 合计, 注, 制表人 …
    withheld: int = 0  # imported rows whose masked phone was withheld
    received_unknown: int = 0  # good rows received on a day, its time not given (issue 16)
    handled_unknown: int = 0  # good rows handled, the time not given
    stopped: int | None = None  # the row where a run of blank rows ended the data


@dataclass
class Result:
    file: Path
    label: str  # the file name, and the sheet for a workbook of one imported sheet
    header: Header  # the first imported sheet's
    policy_version: int
    dry_run: bool
    parts: list[Part] = field(default_factory=list)
    skipped_sheets: list[tuple[str, str]] = field(default_factory=list)  # (sheet, why)
    rows: int = 0  # data rows (blank and footer rows not counted)
    bad: list[BadRow] = field(default_factory=list)
    repeated: list[tuple[int, int]] = field(default_factory=list)  # (row, the same earlier row)
    present: int = 0  # good rows already in the ledger
    new: int = 0  # good rows not in the ledger yet: what is (or would be) imported
    imported: int = 0
    ids: tuple[int, int] | None = None
    rejects: Path | None = None
    more_rejects: list[Path] = field(default_factory=list)  # of the second and later sheets
    # our own export: each row's source key by its export id, and the duplicates' links
    exported: dict[int, str] = field(default_factory=dict)
    links: list[tuple[str, int, int]] = field(default_factory=list)
    relinked: int = 0  # duplicates linked again to their main
    unlinked: int = 0  # duplicates whose main is not in the file nor the ledger

    @property
    def titles(self) -> int:
        return sum(p.header.titles for p in self.parts)

    @property
    def blank(self) -> int:
        return sum(p.blank for p in self.parts)

    @property
    def footer(self) -> int:
        return sum(p.footer for p in self.parts)

    @property
    def withheld(self) -> int:
        return sum(p.withheld for p in self.parts)

    @property
    def received_unknown(self) -> int:
        return sum(p.received_unknown for p in self.parts)

    @property
    def handled_unknown(self) -> int:
        return sum(p.handled_unknown for p in self.parts)

    @property
    def ignored(self) -> list[str]:
        """Columns neither recognised nor mapped, in any imported sheet."""
        return list(dict.fromkeys(h for p in self.parts for h in p.header.ignored))

    def where(self, bad: BadRow) -> str:
        """The file (and sheet) a bad row is in, as its line names it."""
        return next((p.label for p in self.parts if p.sheet == bad.sheet), self.label)

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
                {
                    "row": b.row,
                    **({"sheet": b.sheet} if b.sheet is not None else {}),
                    "problems": [p.to_json() for p in b.problems],
                }
                for b in self.bad
            ],
            "ignored_columns": self.ignored,
            "skipped": {
                "title_rows": self.titles,
                "footer_rows": self.footer,
                "blank_rows": self.blank,
                "sheets": [{"sheet": n, "why": why} for n, why in self.skipped_sheets],
            },
            "sheets": [
                {
                    "sheet": p.sheet,
                    "header_row": p.header.row,
                    "rows": p.rows,
                    "year": p.header.year,
                    "stopped_at_blank_rows": p.stopped,
                }
                for p in self.parts
            ],
            "withheld_phones": self.withheld,
            "received_time_unknown": self.received_unknown,
            "handled_time_unknown": self.handled_unknown,
            # issue 21: the first and last number given, within the site imported into
            "ids": [number_of(i) for i in self.ids] if self.ids else None,
            "site": site_of(self.ids[0]) if self.ids else None,
            "rejects_file": str(self.rejects) if self.rejects else None,
            "dry_run": self.dry_run,
        }


class _Refused(Exception):
    """Bad rows without ``skip_invalid``: roll everything back."""


def _sheets(
    path: Path, sheet: str | None, mapping: dict[str, str], year: int | None
) -> tuple[list[Part], list[tuple[str, str]]]:
    """The sheets to import, each with its header, and the sheets skipped with why.  A CSV,
    a JSON lines file, ``--sheet NAME`` or a workbook of one sheet: that one, or its error.
    Several sheets: each whose header is recognised; none recognised lists every one."""
    names = sheet_names(path) if sheet is None else None
    if names is None or len(names) == 1:
        with open_table(path, sheet) as table:
            return [Part(table.sheet, table.label, find_header(table, mapping, year))], []
    parts: list[Part] = []
    skipped: list[tuple[str, str]] = []
    for name in names:
        with open_table(path, name) as table:
            try:
                parts.append(Part(name, table.label, find_header(table, mapping, year)))
            except InvalidInput as exc:
                why = str(exc).removeprefix(f"{exc.field}: ").removeprefix(f"{table.label}: ")
                skipped.append((name, why))
    if not parts:
        listed = "; ".join(f"[{n}] {why}" for n, why in skipped)
        raise InvalidInput(
            "FILE", "importer.no_sheet_has_a_header_row", name=path.name, listed=listed
        )
    return parts, skipped


def import_file(
    ledger: Ledger,
    path: Path,
    actor: Actor,
    *,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    year: int | None = None,
    default_channel: str = "other",
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    site: str = FIRST,
    lang: str = "zh",
) -> Result:
    """Check every row of ``path`` and write the good ones, all or nothing, as complaints
    of ``site`` (issue 21: numbered on from its last).

    One pass, in one transaction: rows are checked and written in chunks as the file is read,
    and the transaction is rolled back if any row is bad (unless ``skip_invalid``: then the
    bad rows go to ``<stem>.rejects.csv`` beside the file before the commit).  Nothing is
    committed before every row has been checked.  ``dry_run`` checks without a transaction.
    A workbook's sheets are imported one after the other (each whose header is recognised,
    or ``sheet``).  A large file is read and checked by a worker process
    (:mod:`complaintctl.transfer.worker`) while this one writes."""
    channel = CHANNEL.parse(default_channel, "--channel")
    try:
        return _import(
            ledger, path, actor, mapping, sheet, year, channel, dry_run, skip_invalid, progress,
            site, lang,
        )  # fmt: skip
    except csv.Error as exc:  # a field over the csv module's limit, a NUL byte, ...
        raise InvalidInput(
            "FILE", "importer.cannot_read_the_csv_nothing_imported", name=path.name, exc=exc
        ) from exc
    except RecursionError as exc:  # a JSON line nested thousands deep
        raise InvalidInput("FILE", "importer.a_line_is_nested_too_deeply", name=path.name) from exc


def _import(
    ledger: Ledger,
    path: Path,
    actor: Actor,
    mapping: dict[str, str] | None,
    sheet: str | None,
    year: int | None,
    channel: str,
    dry_run: bool,
    skip_invalid: bool,
    progress: Progress | None,
    site: str = FIRST,
    lang: str = "zh",
) -> Result:
    parts, skipped = _sheets(path, sheet, mapping or {}, year)
    version = ledger.policy_version(site)
    first = parts[0]
    result = Result(path, first.label, first.header, version, dry_run, parts, skipped)
    with bulk(ledger):
        policy = ledger.policy(version)
        calendar = None if dry_run else ledger.calendar()

        def job(part: Part) -> Job:
            return Job(
                path, part.sheet, part.header, policy, version, actor.epoch, channel, actor.by,
                calendar=calendar, skip_invalid=skip_invalid,
            )  # fmt: skip

        if dry_run:
            for part in parts:
                with open_table(path, part.sheet) as table:
                    _pass(ledger, None, chunks(job(part), table), result, part, table.total,
                          progress)  # fmt: skip
            return result
        try:
            with ledger.write() as w:
                writing = Bulk(w, site)
                for part in parts:
                    with open_table(path, part.sheet) as table:
                        source = (
                            in_worker(job(part)) if use_worker(table) else chunks(job(part), table)
                        )
                        _pass(ledger, writing, source, result, part, table.total, progress,
                              skip_invalid)  # fmt: skip
                if result.links and (skip_invalid or not result.bad):
                    _relink(ledger, w, result, actor.by, path.name)
                result.imported = writing.count
                result.ids = (writing.first_id, writing.next_id - 1) if writing.count else None
                if result.bad and not skip_invalid:
                    raise _Refused
                if result.bad:  # before the commit, so that a folder we cannot write stops it
                    files = write_rejects(path, result, ledger.path, lang)
                    result.rejects, result.more_rejects = files[0], files[1:]
        except _Refused:
            result.imported, result.ids = 0, None
        except BaseException:
            for written in [result.rejects, *result.more_rejects]:
                if written is not None:
                    written.unlink(missing_ok=True)
            raise
        return result


def _pass(
    ledger: Ledger,
    writing: Bulk | None,
    source: Iterator[Chunk],
    result: Result,
    part: Part,
    total: int | None,
    progress: Progress | None,
    skip_invalid: bool = False,
) -> None:
    """Take one sheet's checked rows chunk by chunk into ``result``; with a bulk writer, write
    the new ones while no row is bad (or bad rows are skipped)."""
    several = len(result.parts) > 1
    rows = result.rows
    for chunk in source:
        if progress:
            progress("write" if writing else "check", chunk.last, total)
        part.rows, part.blank, part.footer = chunk.rows, chunk.blank, chunk.footer
        part.withheld, part.stopped = chunk.withheld, chunk.stopped
        part.received_unknown, part.handled_unknown = chunk.received_unknown, chunk.handled_unknown
        result.rows = rows + chunk.rows
        if several:
            for b in chunk.bad:
                b.sheet = part.sheet
        result.bad += chunk.bad
        result.repeated += chunk.repeated
        result.exported.update(chunk.exported)
        result.links += chunk.links
        present = _existing(ledger, [key for key, _ in chunk.good])
        todo = [new for key, new in chunk.good if key not in present]
        result.present += len(present)
        result.new += len(todo)
        if writing is not None and (skip_invalid or not result.bad):
            for new in todo:
                assert new is not None  # built while no row was bad, or bad rows are skipped
                writing.add(new)
    if writing is not None:
        writing.flush()  # the next sheet's keys are checked against this one's rows


def _relink(ledger: Ledger, w: Writer, result: Result, by: str, file: str) -> None:
    """Link each imported duplicate of an export to its main again (found by its source key,
    imported now or before), by a "carried" event at the time its row was carried over."""
    for key, main_export_id, at in result.links:
        main_key = result.exported.get(main_export_id)
        ids = _ids(ledger, [key, main_key] if main_key else [key])
        if key not in ids:
            continue  # the duplicate's row was bad and skipped
        if main_key not in ids:
            result.unlinked += 1
            continue
        state = ledger.get(ids[key])
        if state.duplicate_of is not None:
            continue  # already present, and linked
        data = {"duplicate_of": ids[main_key], "source": "import", "file": file}
        w.record(state, Event("carried", state.id, at, by, data))
        result.relinked += 1


def _ids(ledger: Ledger, keys: list[str]) -> dict[str, int]:
    marks = ", ".join("?" for _ in keys)
    sql = f"SELECT source_key, id FROM complaints WHERE source_key IN ({marks})"
    return {str(k): int(i) for k, i in ledger.conn.execute(sql, keys)}


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
    try:
        with ledger.cache_size(BULK_CACHE_KIB):
            yield
    finally:
        if collecting:
            gc.enable()


def write_rejects(path: Path, result: Result, ledger: Path, lang: str = "zh") -> list[Path]:
    """The rejected rows as the sheet had them, with their row number and the reasons (UTF-8
    with BOM, so Excel opens it); once fixed, the file can be imported as it is.  One file
    ``<stem>.rejects.csv``, or one per sheet with bad rows (``<stem>.<sheet>.rejects.csv``)
    when several have.  Written through the output guard (owner-only: it holds names and
    phones; never through a symbolic link, never onto the ledger); text cells are
    spreadsheet-safe (import reverses it)."""
    sheets = list(dict.fromkeys(b.sheet for b in result.bad))
    files: list[Path] = []
    for sheet in sheets:
        part = next((p for p in result.parts if p.sheet == sheet), result.parts[0])
        bad = [b for b in result.bad if b.sheet == sheet]
        name = f"{path.stem}.{sheet}.rejects.csv" if len(sheets) > 1 else f"{path.stem}.rejects.csv"
        files.append(_write_rejects(path.with_name(name), part.header, bad, ledger, lang))
    return files


def _write_rejects(
    target: Path, header: Header, bad: list[BadRow], ledger: Path, lang: str
) -> Path:
    """The bad rows as they were, with their row number and their problems in ``lang``."""
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
            sheet.writerow([*(safe(c) for c in cells), b.row, safe(b.reason(lang))])
    return target
