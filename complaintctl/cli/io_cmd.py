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
from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.messages import text

if TYPE_CHECKING:
    from complaintctl.transfer.importer import Result
    from complaintctl.transfer.sheets import Progress

_PHASES = {"check": ("检查", "checking"), "write": ("导入", "importing")}


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
                zh, en = _PHASES.get(phase, (phase, phase))
                tasks[phase] = bar.add_task(zh if lang == "zh" else en, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield hook
        for task in bar.tasks:
            bar.update(task.id, completed=task.total or task.completed)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _skipped(result: Result, lang: str) -> list[str]:
    """What the import passed over without counting it bad: title, footer and blank rows,
    sheets without a header, masked phones withheld, data ended by a run of blank rows."""
    zh = lang == "zh"
    counts = [
        (result.titles, "行标题", "title row"),
        (result.footer, "行表尾（合计、注、制表人等）", "footer row"),
        (result.blank, "行空行", "blank row"),
    ]
    parts = [f"跳过 {n} {z}" if zh else f"skipped {_count(n, e)}" for n, z, e in counts if n]
    if result.skipped_sheets:
        names = [n for n, _ in result.skipped_sheets]
        parts.append(
            f"跳过工作表 {'、'.join(names)}（无表头）"
            if zh
            else f"skipped sheets without a header: {', '.join(names)}"
        )
    if result.withheld:
        n = result.withheld
        parts.append(
            f"{n} 个号码已打码，未保存"
            if zh
            else f"{_count(n, 'masked phone')} withheld (stored empty)"
        )
    if result.handled_unknown:  # issue 16: never an invented time (--json has the receipts)
        parts.append(text("import.handled_unknown", lang, count=result.handled_unknown))
    for part in result.parts:
        if part.stopped is not None:
            where = f"{part.sheet}: " if len(result.parts) > 1 else ""
            last = part.stopped - 1
            parts.append(
                f"{where}数据读到第 {last} 行为止（其后连续空行）"
                if zh
                else f"{where}read to row {last} (a run of blank rows follows)"
            )
    return parts


def _summary(result: Result, lang: str, ref: Callable[[int], str] = str) -> str:
    """One line: what was (or would be) imported, and what was not."""
    new = result.new
    name = result.label if len(result.parts) == 1 else result.file.name
    if lang == "zh":
        if result.dry_run:
            parts = [f"试运行：{name} 中 {new} 条投诉可导入"]
        else:
            ids = f"（#{ref(result.ids[0])}–#{ref(result.ids[1])}）" if result.ids else ""
            parts = [f"已从 {name} 导入 {result.imported} 条投诉{ids}"]
        parts.append(f"{result.present} 条已存在")
        if result.repeated:
            parts.append(f"{len(result.repeated)} 行与前面的行重复")
        if result.bad:
            where = f"，见 {result.rejects.name}" if result.rejects else ""
            parts.append(f"{len(result.bad)} 行有误{'未导入' if result.rejects else ''}{where}")
        parts += _skipped(result, lang)
        if result.dry_run:
            parts.append("未写入任何内容")
        return "；".join(parts)
    if result.dry_run:
        parts = [f"dry run: {_count(new, 'complaint')} of {name} would be imported"]
    else:
        ids = f" (#{ref(result.ids[0])}-#{ref(result.ids[1])})" if result.ids else ""
        parts = [f"imported {_count(result.imported, 'complaint')}{ids} from {name}"]
    parts.append(f"{result.present} already present")
    if result.repeated:
        parts.append(_count(len(result.repeated), "row repeats", "rows repeat") + " an earlier row")
    if result.bad:
        where = f" -> {result.rejects.name}" if result.rejects else ""
        skipped = " skipped" if result.rejects else ""
        parts.append(f"{_count(len(result.bad), 'bad row')}{skipped}{where}")
    parts += _skipped(result, lang)
    if result.dry_run:
        parts.append("nothing written")
    return "; ".join(parts)


def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., help="A register: .csv (UTF-8 or GB18030), .xlsx, .jsonl.", metavar="FILE"
    ),
    mapping: list[str] | None = typer.Option(
        None,
        "--map",
        help="Read column COLUMN as FIELD: 'COLUMN=field' (repeatable); 'COLUMN=ignore' skips it.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check every row and report the bad ones; write nothing."
    ),
    skip_invalid: bool = typer.Option(
        False,
        "--skip-invalid",
        help="Import the good rows; write the bad ones, with reasons, to <FILE>.rejects.csv.",
    ),
    sheet: str | None = typer.Option(
        None, "--sheet", help="Sheet of an .xlsx (default: every sheet with a header row)."
    ),
    year: int | None = typer.Option(
        None,
        "--year",
        help="Year of dates written without one (3月5日); default: from the sheet name or title.",
        min=1992,
        max=2100,
    ),
    channel: str = typer.Option("其他", "--channel", help="Channel of rows that name none."),
    site: str | None = SITE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Import an existing register (投诉记录表) from Excel or CSV; all rows or none.

    From 5,000 rows on, a second process reads and checks the rows while this one writes
    (COMPLAINTCTL_IMPORT_WORKER=0 keeps one process).
    """
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
            site=site_of(ctx, site),
        )  # fmt: skip
    refused = bool(result.bad) and not skip_invalid
    if as_json:
        render.print_json(result.to_json())
        if refused:
            raise typer.Exit(2)
        return
    if result.ignored:
        typer.echo(
            f"complaintctl: import: ignored columns: {', '.join(result.ignored)} "
            "(--map 'COLUMN=field' reads one)",
            err=True,
        )
    lines = [b.line(result.where(b)) for b in result.bad]
    if dry_run:
        lines += [f"{result.label}:{r}: repeats row {e}; not imported" for r, e in result.repeated]
        for line in lines:
            typer.echo(line)
        typer.echo(_summary(result, st.lang))
        if refused:
            raise typer.Exit(2)
        return
    if refused:
        for line in lines:
            typer.echo(line, err=True)
        good = result.new
        typer.echo(
            f"complaintctl: import: {_count(len(result.bad), 'bad row')} in {result.file.name}; "
            f"nothing imported (fix them, or --skip-invalid imports the "
            f"{_count(good, 'good row')})",
            err=True,
        )
        raise typer.Exit(2)
    typer.echo(_summary(result, st.lang, ledger.ref))


def export(
    ctx: typer.Context,
    fmt: str | None = typer.Option(
        None, "--format", help="csv, xlsx or jsonl (default: from --output's suffix, else csv)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (default stdout; needed for xlsx)."
    ),
    with_personal: bool = typer.Option(
        False,
        "--with-personal-data",
        help="Names and phones in full (default masked: 张*, 138****5678).",
    ),
    start: str | None = typer.Option(None, "--from", help="Received on or after this date."),
    end: str | None = typer.Option(None, "--to", help="Received on or before this date."),
    kind: str | None = typer.Option(
        None, "--kind", help="Only this kind: 投诉 complaint, 报修 repair, 服务, 咨询, 建议."
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="The ledger as it stood at this time (default now): later complaints and steps "
        "left out, deadlines then in force.",
    ),
    site: list[str] | None = SITES_OPTION,
) -> None:
    """Export the complaints with their milestones (CSV with BOM, xlsx, JSON lines)."""
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
