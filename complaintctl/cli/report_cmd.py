"""``report``: the monthly 及时率 report and its exports (issue 6; definitions in docs/report.md).

Report and Excel code is imported inside the command, so other commands start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from complaintctl.cli import render
from complaintctl.cli.context import JSON_OPTION, SITES_OPTION, sites_of, state
from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.messages import Term, text
from complaintctl.store.outfile import check_output

if TYPE_CHECKING:
    from complaintctl.reports.figures import Figures
    from complaintctl.reports.monthly import Period, Report, TopEntry, TrendRow

FORMATS = ("table", "json", "csv", "xlsx", "html")
_SUFFIXES = {".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".html": "html", ".htm": "html"}
HTML_MONTHS = 6  # the HTML report's trend, without --months


def _format(fmt: str | None, as_json: bool, output: Path | None) -> str:
    if fmt is not None and fmt.lower() not in FORMATS:
        raise InvalidInput("--format", "digest_cmd.unknown_format", accepted=FORMATS, fmt=fmt)
    chosen = fmt.lower() if fmt else None
    if as_json:
        if chosen not in (None, "json"):
            raise InvalidInput("--json", "report_cmd.conflicts_with_format", chosen=chosen)
        chosen = "json"
    if chosen is None:
        if output is None:
            return "table"
        chosen = _SUFFIXES.get(output.suffix.lower())
        if chosen is None:
            raise InvalidInput(
                "--output",
                "report_cmd.cannot_tell_the_format_of_add",
                name=output.name,
            )
    if chosen == "xlsx" and output is None:
        raise InvalidInput("--output", "report_cmd.format_xlsx_writes_a_file_give")
    if chosen == "table" and output is not None:
        raise InvalidInput("--output", "report_cmd.goes_with_format_json_csv_xlsx")
    return chosen


def _dimensions(values: list[str]) -> list[str]:
    from complaintctl.reports.monthly import DIMENSIONS

    out: list[str] = []
    for value in values:
        for part in value.split(","):
            dim = part.strip().lower()
            if dim not in DIMENSIONS:
                raise InvalidInput(
                    "--by", "report_cmd.unknown_dimension", accepted=DIMENSIONS, text=part.strip()
                )
            if dim not in out:
                out.append(dim)
    return out


def _kind(value: str | None) -> str | None:
    from complaintctl.domain.vocab import KIND

    return KIND.parse(value) if value is not None else None


def _period(month: str | None, first: str | None, last: str | None, as_of: int) -> Period:
    from complaintctl.domain.timeutil import from_epoch, parse_date
    from complaintctl.reports.monthly import month_period, parse_month, range_period

    if month is not None and (first is not None or last is not None):
        raise InvalidInput("--month", "report_cmd.give_either_month_or_from_to")
    if (first is None) != (last is None):
        raise InvalidInput(
            "--to" if last is None else "--from", "report_cmd.from_and_to_go_together"
        )
    if first is not None and last is not None:
        return range_period(parse_date(first, "--from"), parse_date(last, "--to"))
    return month_period(parse_month(month) if month else from_epoch(as_of).strftime("%Y-%m"))


def _as_of(text: str | None) -> int:
    from complaintctl.domain.timeutil import not_future, now, parse_time, to_epoch

    if text is None:
        return to_epoch(now())
    return to_epoch(not_future(parse_time(text, "--as-of"), now(), "--as-of"))


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def report(
    ctx: typer.Context,
    month: str | None = typer.Option(None, "--month"),
    first: str | None = typer.Option(None, "--from"),
    last: str | None = typer.Option(None, "--to"),
    as_of: str | None = typer.Option(None, "--as-of"),
    by: list[str] = typer.Option(
        [],
        "--by",
    ),
    kind: str | None = typer.Option(
        None,
        "--kind",
    ),
    months: int | None = typer.Option(
        None,
        "--months",
    ),
    site: list[str] | None = SITES_OPTION,
    top: int = typer.Option(5, "--top"),
    fmt: str | None = typer.Option(None, "--format"),
    as_json: bool = JSON_OPTION,
    output: Path | None = typer.Option(None, "--output", "-o"),
    fail_below_target: bool = typer.Option(
        False,
        "--fail-below-target",
    ),
) -> None:
    # --help: help.report in messages/zh.py, en.py
    chosen = _format(fmt, as_json, output)
    record_kind = _kind(kind)
    if output is not None:
        check_output(output, state(ctx).ledger().path)
    dims = _dimensions(by)
    if not 1 <= top <= 100:
        raise InvalidInput("--top", "report_cmd.must_be_got", top=top)
    moment = _as_of(as_of)
    if months is not None and chosen == "html":
        from complaintctl.reports.monthly import MAX_MONTHS

        if not 1 <= months <= MAX_MONTHS:
            raise InvalidInput(
                "--months", "report_cmd.must_be_got_2", most=MAX_MONTHS, months=months
            )
    if months is not None and chosen != "html":
        if first is not None or last is not None:
            raise InvalidInput("--months", "report_cmd.goes_with_month_the_trend_s")
        if dims:
            raise InvalidInput("--by", "report_cmd.not_with_months_the_trend_has")
        if fail_below_target:
            raise InvalidInput("--fail-below-target", "report_cmd.not_with_months_the_trend_is")
        _trend(ctx, month, months, moment, chosen, output, record_kind, site)
        return
    period = _period(month, first, last, moment)
    from complaintctl.reports.monthly import build_report

    ledger = state(ctx).ledger()
    if chosen in ("xlsx", "html") and "department" not in dims:
        dims.append("department")  # the workbook and the page always chart 及时率 by department
    with ledger.reading():  # the figures and the workbook's detail rows: one view of the ledger
        codes = sites_of(ctx, site)
        result = build_report(ledger, period, moment, dims, top, record_kind, codes)
        if chosen == "html":
            _html(ctx, result, HTML_MONTHS if months is None else months, output)
        else:
            _emit(ctx, result, chosen, output)
    if fail_below_target and result.targets.missed:
        raise typer.Exit(3)


def _text_out(text: str, output: Path | None, lang: str) -> None:
    """JSON or CSV text: to stdout, or atomically into ``output`` with a confirmation."""
    if output is None:
        typer.echo(text, nl=False)
        return
    from complaintctl.reports import export

    export.write_text(output, text)
    _done(output, lang)


def _done(path: Path, lang: str) -> None:
    from complaintctl.domain.messages import text

    typer.echo(text("report.written", lang, path=path))


def _emit(ctx: typer.Context, result: Report, chosen: str, output: Path | None) -> None:
    from complaintctl.reports import export

    st = state(ctx)
    lang = st.lang
    if chosen == "json":
        import json

        text = json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n"
        _text_out(text, output, lang)
    elif chosen == "csv":
        header, rows = export.with_targets(result, *export.table_rows(result, lang), lang)
        text = export.to_csv(header, rows)
        _text_out(text, output, lang)
    elif chosen == "xlsx":
        from complaintctl.reports.monthly import details

        assert output is not None
        ledger = st.ledger()
        export.write_xlsx(
            output,
            result,
            lambda: details(ledger, result.period, result.as_of, result.kind, result.sites),
            lang,
        )
        _done(output, lang)
    else:
        _screen(result, lang)


def _html(ctx: typer.Context, result: Report, months: int, output: Path | None) -> None:
    """The HTML report: the figures of ``result`` and the trend of ``months`` months up to
    the period's last month, all as of the same moment."""
    from complaintctl.reports import html
    from complaintctl.reports.monthly import build_trend

    st = state(ctx)
    last = result.period.last.strftime("%Y-%m")
    trend = build_trend(st.ledger(), last, months, result.as_of, sites=result.sites)
    _text_out(html.render(result, trend, st.lang), output, st.lang)


def _trend(
    ctx: typer.Context,
    month: str | None,
    count: int,
    moment: int,
    chosen: str,
    output: Path | None,
    kind: str | None = None,
    sites: list[str] | None = None,
) -> None:
    from complaintctl.domain.timeutil import from_epoch, iso
    from complaintctl.reports import export
    from complaintctl.reports.monthly import build_trend, months_back, parse_month

    last = parse_month(month) if month else from_epoch(moment).strftime("%Y-%m")
    months_back(last, count)  # refuse a bad --months before the ledger is opened
    st = state(ctx)
    lang = st.lang
    rows = build_trend(st.ledger(), last, count, moment, kind, sites_of(ctx, sites))
    if chosen == "json":
        import json

        data = {
            "period": f"{rows[0].month}..{rows[-1].month}",
            "as_of": iso(from_epoch(moment)),
            "kind": kind,
            "months": [r.as_dict() for r in rows],
        }
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        _text_out(text, output, lang)
    elif chosen == "csv":
        text = export.to_csv(*export.trend_rows(rows, lang))
        _text_out(text, output, lang)
    elif chosen == "xlsx":
        assert output is not None
        export.write_trend_xlsx(output, rows, moment, lang)
        _done(output, lang)
    else:
        _trend_screen(rows, moment, lang)


# -- on screen --------------------------------------------------------------------------------
class _Table:
    """A table of plain text cells for the screen (see _show); its first ``keys`` columns name
    the row (repeated when the table is split to fit a terminal)."""

    def __init__(self, *headers: str, keys: int = 1) -> None:
        self.rows: list[tuple[str, ...]] = [headers]
        self.keys = keys

    def add_row(self, *cells: str) -> None:
        self.rows.append(cells)


_Block = str | _Table


def _show(blocks: list[_Block]) -> None:
    """Print the blocks (lines of text, tables).  On a terminal Rich draws them; elsewhere they
    are laid out here exactly as Rich lays them out off a terminal (columns two spaces apart,
    no boxes, line ends stripped), without importing Rich's console and table code (tens of
    milliseconds of a report's run).  Text Rich would treat differently (markup brackets,
    control characters, a table wider than the page) still goes through Rich."""
    if not render.is_terminal():
        text = _plain(blocks, render.width())  # the page width Rich would use
        if text is not None:
            sys.stdout.write(text)
            return
    for block in blocks:
        if isinstance(block, str):
            render.emit(block)
            continue
        for n, part in enumerate(_fit(block, render.page_width())):
            if n:
                render.emit("")
            render.emit(_rich(part))


def _fit(table: _Table, width: int) -> list[_Table]:
    """``table`` as it is when it fits ``width`` terminal columns, else split into tables of
    as many columns as fit, each repeating the row's name (``keys``), so that no figure is
    ever wrapped or cut (``50.0`` split into ``50.`` and ``0``)."""
    from rich.cells import cell_len

    sizes = [max(cell_len(row[n]) for row in table.rows) for n in range(len(table.rows[0]))]
    gap = 3  # Rich's SIMPLE_HEAD table on a terminal
    if sum(sizes) + gap * (len(sizes) - 1) <= width:
        return [table]
    keys = list(range(min(table.keys, len(sizes) - 1)))
    used = sum(sizes[n] + gap for n in keys)
    groups: list[list[int]] = [[]]
    for n in range(len(keys), len(sizes)):
        if groups[-1] and used + sum(sizes[m] + gap for m in groups[-1]) + sizes[n] > width:
            groups.append([])
        groups[-1].append(n)
    parts = []
    for group in groups:
        part = _Table(*(table.rows[0][n] for n in keys + group), keys=len(keys))
        part.rows += [tuple(row[n] for n in keys + group) for row in table.rows[1:]]
        parts.append(part)
    return parts


def _rich(table: _Table) -> Any:
    headers, *rows = table.rows
    # on a terminal no figure is wrapped: a value too long for the page ends in …
    t = render.table(*headers, whole=set(range(len(headers))))
    for row in rows:
        t.add_row(*(cell.replace("[", r"\[") for cell in row))
    return t


def _plain(blocks: list[_Block], width: int) -> str | None:
    from rich.cells import cell_len

    lines: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            for line in block.split("\n"):
                if not _printable(line) or cell_len(line) > width:
                    return None
                lines.append(line.rstrip())
            continue
        if not all(_printable(cell) for row in block.rows for cell in row):
            return None
        sizes = [[cell_len(cell) for cell in row] for row in block.rows]
        widths = [max(column) for column in zip(*sizes, strict=True)]
        if sum(widths) + 2 * (len(widths) - 1) > width:
            return None
        for row, size in zip(block.rows, sizes, strict=True):
            cells = [cell + " " * (w - n) for cell, w, n in zip(row, widths, size, strict=True)]
            lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _printable(text: str) -> bool:
    """Nothing Rich would read as markup or draw in other than its cell width."""
    return text.isprintable() and "[" not in text and "\\" not in text


def _section(blocks: list[_Block], heading: str, table: _Table) -> None:
    """A blank line, the heading on its own line (never wrapped to the table's width), the table."""
    blocks += ["\n" + heading, table]


def _pairs(blocks: list[_Block], heading: str, pairs: list[tuple[str, Any]], lang: str) -> None:
    t = _Table(text("report.screen.figure", lang), text("report.screen.value", lang))
    for name, value in pairs:
        t.add_row(name, _cell(value))
    _section(blocks, heading, t)


def _screen(result: Report, lang: str) -> None:
    from complaintctl.reports import export
    from complaintctl.reports.figures import OTHER_MILESTONES, any_not_judged, label, with_levels

    s = result.summary.as_dict()
    unknown = any_not_judged(s)  # issue 16: times a register did not give
    blocks: list[_Block] = [export.title(result, lang)]
    keys: tuple[str, ...] = ("received", "duplicates", "total", "timely", "late", "overdue")
    keys += ("pending", *(("not_judged",) if unknown else ()), "timely_rate")
    heading = text("report.screen.timeliness", lang)
    cancelled = (text("report.screen.cancelled", lang), result.cancelled)  # in no figure
    _pairs(blocks, heading, [*((label(k, lang), s[k]) for k in keys), cancelled], lang)
    states = ("met", "late", "breached", "pending", *(("not_judged",) if unknown else ()))
    ms = _Table(
        text("report.screen.milestone", lang),
        *(text(f"report.screen.state.{state}", lang) for state in states),
        text("report.screen.on_time_rate", lang),
    )
    for m in OTHER_MILESTONES:
        ms.add_row(
            render.label("milestone", m, lang),
            *(_cell(s[f"{m}_{x}"]) for x in states),
            _cell(s[f"{m}_rate"]),
        )
    resolve = ("timely", "late", "overdue", "pending", *(("not_judged",) if unknown else ()))
    ms.add_row(
        render.label("milestone", "resolve", lang),
        *(_cell(s[k]) for k in (*resolve, "timely_rate")),
    )
    _section(blocks, text("report.screen.milestones", lang), ms)
    keys = (
        "resolved",
        "followed_up",
        "followup_rate",
        "satisfied",
        "unsatisfied",
        "satisfaction_rate",
        "reopened",
        "reopenings",
        "reopen_rate",
        "extended",
        "extensions",
        "escalated",
        "escalated_manager",
        "escalated_senior",
        "resolve_days_mean",
        "resolve_days_p90",
    )
    _pairs(
        blocks,
        text("report.screen.followup", lang),
        [(label(k, lang), s[k]) for k in with_levels(keys, s)],
        lang,
    )
    keys = (
        "nature_valid",
        "nature_assist",
        "nature_excessive",
        "nature_no_fault",
        "nature_unclassified",
    )
    _pairs(blocks, text("report.screen.nature", lang), [(label(k, lang), s[k]) for k in keys], lang)
    _late(blocks, result, lang)
    _targets(blocks, result, lang)
    for dim, entries in (("category", result.top_categories), ("location", result.top_locations)):
        _top(blocks, dim, entries, lang)
    for dim, items in result.breakdowns.items():
        _breakdown(blocks, dim, items, lang)
    _show(blocks)


_STEPS = frozenset(["register", "classified", "followup", "reopen", "escalated", "extended"])


def _late(blocks: list[_Block], result: Report, lang: str) -> None:
    """Late entries (补录, docs/report.md): how many, by step and by who recorded them."""
    from complaintctl.domain.vocab import MILESTONES

    late = result.late
    pairs: list[tuple[str, Any]] = [
        (text("report.screen.late_entries", lang), late.total),
        (text("report.screen.timely_recorded_late", lang), late.timely_recorded_late),
    ]
    for step, n in sorted(late.by_step.items()):
        if step in MILESTONES:
            name = render.label("milestone", step, lang)
        else:
            name = text(f"report.step.{step}", lang) if step in _STEPS else step
        pairs.append((text("report.screen.by_step", lang, name=name), n))
    for who, n in sorted(late.by_staff.items(), key=lambda kv: (-kv[1], kv[0])):
        pairs.append((text("report.screen.by_staff", lang, who=who), n))
    _pairs(blocks, text("report.screen.late_heading", lang), pairs, lang)


def _targets(blocks: list[_Block], result: Report, lang: str) -> None:
    """Each figure against its target, and the grade reached (when the policy sets them)."""
    from complaintctl.reports.figures import label
    from complaintctl.reports.goals import grade_line, result_word, word

    verdict = result.targets
    if not verdict.figures and not verdict.grades:
        return
    t = _Table(
        text("report.screen.figure", lang),
        text("report.screen.value", lang),
        word("target", lang),
        word("result", lang),
    )
    for j in verdict.figures:
        t.add_row(label(j.figure, lang), _cell(j.value), _cell(j.target), result_word(j.met, lang))
    _section(blocks, word("targets", lang), t)
    line = grade_line(verdict, lang)
    if line is not None:
        blocks.append(line)


def _top(blocks: list[_Block], dim: str, entries: list[TopEntry], lang: str) -> None:
    from complaintctl.reports.figures import label
    from complaintctl.reports.monthly import TOP_FIELDS

    title = text(f"report.screen.top.{dim}", lang)
    t = _Table("#", label(dim, lang), *(label(k, lang) for k in TOP_FIELDS), keys=2)
    for rank, entry in enumerate(entries, 1):
        d = entry.as_dict()
        t.add_row(str(rank), _cell(entry.value), *(_cell(d[k]) for k in TOP_FIELDS))
    if entries:
        _section(blocks, title, t)


def _breakdown(blocks: list[_Block], dim: str, items: list[Figures], lang: str) -> None:
    from complaintctl.reports.figures import label, value_label
    from complaintctl.reports.monthly import BREAKDOWN_FIELDS

    name = Term(label(dim, "en").lower(), label(dim, "zh"))
    title = text("report.screen.by", lang, dim=name)
    # short headers ``report.column.<key>``; the full names are in the exports
    columns: tuple[str, ...] = BREAKDOWN_FIELDS
    if any(f.counts.not_judged for f in items):  # issue 16: handled at an unknown time
        at = columns.index("pending") + 1
        columns = (*columns[:at], "not_judged", *columns[at:])
    t = _Table(label(dim, lang), *(text(f"report.column.{k}", lang) for k in columns))
    for f in items:
        d = f.as_dict()
        t.add_row(_cell(value_label(dim, f.value, lang)), *(_cell(d[k]) for k in columns))
    if items:
        _section(blocks, title, t)
    else:
        blocks.append("\n" + text("report.screen.none", lang, title=title))


def _trend_screen(rows: list[TrendRow], moment: int, lang: str) -> None:
    from complaintctl.reports import export
    from complaintctl.reports.figures import label
    from complaintctl.reports.monthly import TREND_FIELDS

    t = _Table(*(label(k, lang) for k in TREND_FIELDS))
    for r in rows:
        d = r.as_dict()
        t.add_row(*(_cell(d[k]) for k in TREND_FIELDS))
    _show([export.trend_title(rows, moment, lang), t])


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command("report")(report)
