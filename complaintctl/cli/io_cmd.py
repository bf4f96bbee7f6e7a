"""``import`` and ``export`` of complaint registers (issue 7).  See docs/import-export.md."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from complaintctl.cli import render
from complaintctl.cli.context import (
    BY_OPTION,
    JSON_OPTION,
    SITE_OPTION,
    SITES_OPTION,
    actor,
    site_of,
    sites_of,
    state,
)
from complaintctl.cli.say import line, say
from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.messages import Msg, text

if TYPE_CHECKING:
    from complaintctl.transfer.importer import Result
    from complaintctl.transfer.sheets import Progress


@contextlib.contextmanager
def _progress(lang: str) -> Iterator[Progress | None]:
    """A progress bar on stderr when it is a terminal (large files report every 2000 rows)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Bar(*columns, TimeRemainingColumn(), console=render.console(stderr=True)) as bar:
        tasks: dict[str, TaskID] = {}

        def hook(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                label = (
                    text(f"import.phase.{phase}", lang) if phase in ("check", "write") else phase
                )
                tasks[phase] = bar.add_task(label, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield hook
        for task in bar.tasks:
            bar.update(task.id, completed=task.total or task.completed)


def _n(noun: str, n: int) -> Msg:
    """``3 bad rows`` / ``3 行``: a count with its noun (``import.n.*``, English plurals)."""
    return Msg(f"import.n.{noun}.{'one' if n == 1 else 'many'}", {"n": n})


def _skipped(result: Result) -> list[Msg]:
    """What the import passed over without counting it bad: title, footer and blank rows,
    sheets without a header, masked phones withheld, data ended by a run of blank rows."""
    counts = [
        (result.titles, "title_row"),
        (result.footer, "footer_row"),
        (result.blank, "blank_row"),
    ]
    parts = [Msg("import.summary.skipped", {"rows": _n(noun, n)}) for n, noun in counts if n]
    if result.skipped_sheets:
        names = [n for n, _ in result.skipped_sheets]
        parts.append(Msg("import.summary.skipped_sheets", {"names": names}))
    if result.withheld:
        parts.append(
            Msg("import.summary.withheld", {"phones": _n("masked_phone", result.withheld)})
        )
    if result.handled_unknown:  # issue 16: never an invented time (--json has the receipts)
        parts.append(Msg("import.handled_unknown", {"count": result.handled_unknown}))
    for part in result.parts:
        if part.stopped is not None:
            where = f"{part.sheet}: " if len(result.parts) > 1 else ""
            parts.append(Msg("import.summary.stopped", {"where": where, "last": part.stopped - 1}))
    return parts


def _summary(result: Result, lang: str, ref: Callable[[int], str] = str) -> str:
    """One line: what was (or would be) imported, and what was not."""
    name = result.label if len(result.parts) == 1 else result.file.name
    if result.dry_run:
        parts = [
            Msg("import.summary.dry_run", {"name": name, "count": _n("complaint", result.new)})
        ]
    else:
        ids = (
            Msg("import.summary.ids", {"first": ref(result.ids[0]), "last": ref(result.ids[1])})
            if result.ids
            else ""
        )
        count = _n("complaint", result.imported)
        parts = [Msg("import.summary.imported", {"name": name, "count": count, "ids": ids})]
    parts.append(Msg("import.summary.present", {"n": result.present}))
    if result.repeated:
        rows = _n("repeat_row", len(result.repeated))
        parts.append(Msg("import.summary.repeated", {"rows": rows}))
    if result.bad:
        rows = _n("bad_row", len(result.bad))
        if result.rejects:
            parts.append(
                Msg("import.summary.bad_rejected", {"rows": rows, "file": result.rejects.name})
            )
        else:
            parts.append(Msg("import.summary.bad", {"rows": rows}))
    parts += _skipped(result)
    if result.dry_run:
        parts.append(Msg("import.summary.nothing_written"))
    return text("import.summary.sep", lang).join(text(m.key, lang, **m.params) for m in parts)


def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE"),
    mapping: list[str] | None = typer.Option(
        None,
        "--map",
    ),
    dry_run: bool = typer.Option(False, "--dry-run"),
    skip_invalid: bool = typer.Option(
        False,
        "--skip-invalid",
    ),
    sheet: str | None = typer.Option(None, "--sheet"),
    year: int | None = typer.Option(
        None,
        "--year",
        min=1992,
        max=2100,
    ),
    channel: str = typer.Option("其他", "--channel"),
    site: str | None = SITE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.import in messages/zh.py, en.py
    from complaintctl.transfer.importer import import_file
    from complaintctl.transfer.sheets import parse_map

    st = state(ctx)
    who = actor(None, by)
    columns = parse_map(mapping or ())
    ledger = st.ledger()
    with _progress(st.lang) as progress:
        result = import_file(
            ledger, file, who, mapping=columns, sheet=sheet, year=year, default_channel=channel,
            dry_run=dry_run, skip_invalid=skip_invalid, progress=progress,
            site=site_of(ctx, site), lang=st.lang,
        )  # fmt: skip
    refused = bool(result.bad) and not skip_invalid
    if as_json:
        render.print_json(result.to_json())
        if refused:
            raise typer.Exit(2)
        return
    if result.ignored:
        say(ctx, "import.ignored_columns", columns=result.ignored, err=True)
    lines = [b.line(result.where(b), st.lang) for b in result.bad]
    if dry_run:
        lines += [
            line(ctx, "import.repeats", label=result.label, row=r, earlier=e)
            for r, e in result.repeated
        ]
        for one in lines:
            typer.echo(one)
        typer.echo(_summary(result, st.lang))
        if refused:
            raise typer.Exit(2)
        return
    if refused:
        for one in lines:
            typer.echo(one, err=True)
        say(
            ctx,
            "import.refused",
            bad=_n("bad_row", len(result.bad)),
            file=result.file.name,
            good=_n("good_row", result.new),
            err=True,
        )
        raise typer.Exit(2)
    typer.echo(_summary(result, st.lang, ledger.ref))


def export(
    ctx: typer.Context,
    fmt: str | None = typer.Option(None, "--format"),
    output: Path | None = typer.Option(None, "--output", "-o"),
    with_personal: bool = typer.Option(
        False,
        "--with-personal-data",
    ),
    start: str | None = typer.Option(None, "--from"),
    end: str | None = typer.Option(None, "--to"),
    kind: str | None = typer.Option(None, "--kind"),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
    ),
    site: list[str] | None = SITES_OPTION,
) -> None:
    # --help: help.export in messages/zh.py, en.py
    from complaintctl.domain.timeutil import now, parse_date, parse_time, to_epoch
    from complaintctl.domain.vocab import KIND
    from complaintctl.reports.asof import ledger_as_of
    from complaintctl.transfer.exporter import FORMATS, Selection
    from complaintctl.transfer.exporter import export as write

    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = {"xlsx": "xlsx", "jsonl": "jsonl", "json": "jsonl"}.get(suffix, "csv")
    if fmt not in FORMATS:
        raise InvalidInput("--format", "digest_cmd.unknown_format", FORMATS, fmt=fmt)
    if fmt == "xlsx" and output is None:
        raise InvalidInput("--output", "io_cmd.an_xlsx_export_needs_a_file")
    selection = Selection(
        parse_date(start, "--from") if start else None,
        parse_date(end, "--to") if end else None,
        KIND.parse(kind) if kind is not None else None,
    )
    if selection.start and selection.end and selection.end < selection.start:
        raise InvalidInput(
            "--to", "io_cmd.is_before_from", end=selection.end, start=selection.start
        )
    moment = to_epoch(parse_time(as_of, "--as-of")) if as_of else to_epoch(now())
    st = state(ctx)
    ledger = st.ledger()
    selection = replace(selection, sites=sites_of(ctx, site))
    with ledger_as_of(ledger, moment if as_of else None):
        count = write(
            ledger, fmt, output, sys.stdout, selection=selection, personal=with_personal,
            lang=st.lang, as_of=moment,
        )  # fmt: skip
    if output is not None:
        typer.echo(text("export.done", st.lang, count=count, output=output))


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``export`` to ``app``."""
    app.command("import")(import_)
    app.command("export")(export)
