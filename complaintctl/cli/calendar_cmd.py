"""``complaintctl calendar``: the Chinese working-day calendar (调休 included)."""

from __future__ import annotations

import calendar as stdcal
from pathlib import Path

import typer

from complaintctl.cli import render
from complaintctl.cli.context import BY_OPTION, JSON_OPTION, actor, read_text, state
from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.timeutil import iso, local_due, now, parse_time

app = typer.Typer(
    help="Working days, holiday notices and deadlines (工作日历).", no_args_is_help=True
)


@app.command("status")
def status(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Which years are official (package), loaded locally (notice), or provisional."""
    st = state(ctx)
    ledger = st.ledger()
    cal = ledger.calendar()
    today = now().year
    years = list(range(today - 2, today + 3))
    notices = {
        r["year"]: r["reference"]
        for r in ledger.query(
            "SELECT year, reference FROM notices "
            "WHERE id IN (SELECT max(id) FROM notices GROUP BY year)"
        )
    }
    rows = [{"year": y, "status": cal.year_status(y), "reference": notices.get(y)} for y in years]
    if as_json:
        render.print_json({"last_official_year": cal.last_official_year, "years": rows})
        return
    t = render.table("year", "status", "notice")
    for r in rows:
        t.add_row(str(r["year"]), str(r["status"]), str(r["reference"] or "-"))
    render.emit(t)
    if any(r["status"] == "provisional" for r in rows):
        typer.echo(
            "provisional years: rule-based guesses without 调休; load the State Council "
            "notice with 'complaintctl calendar load FILE.toml' when it is published."
        )


@app.command("load")
def load(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A notice TOML file."),
    by: str | None = BY_OPTION,
) -> None:
    """Load a State Council holiday notice for a year; it overrides the package for that year."""
    text = read_text(file)
    from complaintctl.workflow import admin

    year, reference, changes = admin.load_notice(state(ctx).ledger(), actor(None, by), text)
    typer.echo(f"{year} holiday notice loaded ({reference}); {len(changes)} deadline(s) recomputed")


@app.command("due")
def due(
    ctx: typer.Context,
    start: str = typer.Argument(..., help="Start time, e.g. '2026-02-27 10:00'."),
    duration: str = typer.Argument(..., help="15m, 1h, 24h, 3wd, 7d ..."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The deadline a duration gives from a start time."""
    from complaintctl.time.deadlines import due_at, parse_duration

    moment = parse_time(start, "START")
    dur = parse_duration(duration, "DURATION")
    ledger = state(ctx).ledger()
    deadline, provisional = due_at(moment, dur, ledger.calendar(), ledger.policy().day_ends_at)
    if as_json:
        render.print_json({"due_at": iso(deadline), "provisional": provisional})
        return
    typer.echo(local_due(deadline) + (" (provisional)" if provisional else ""))


@app.command("show")
def show(
    ctx: typer.Context,
    month: str | None = typer.Argument(None, help="YYYY-MM (default this month)."),
) -> None:
    """A month grid: holidays (休) and 调休 working weekends (班)."""
    if month is None:
        year, mon = now().year, now().month
    else:
        try:
            year, mon = (int(x) for x in month.split("-"))
            if not 1 <= mon <= 12:
                raise ValueError
        except ValueError as exc:
            raise InvalidInput("MONTH", f"{month!r} is not YYYY-MM") from exc
    cal = state(ctx).ledger().calendar()
    from datetime import date

    t = render.table(
        "一 Mon",
        "二 Tue",
        "三 Wed",
        "四 Thu",
        "五 Fri",
        "六 Sat",
        "日 Sun",
        title=f"{year}-{mon:02d} ({cal.year_status(year)})",
    )
    notes: list[str] = []
    for week in stdcal.Calendar().monthdayscalendar(year, mon):
        cells = []
        for day in week:
            if day == 0:
                cells.append("")
                continue
            d = date(year, mon, day)
            name = cal.holiday_name(d)
            if cal.is_makeup_workday(d):
                cells.append(f"{day:2d} 班")
                notes.append(f"{d} 调休上班")
            elif name and not cal.is_working_day(d):
                cells.append(f"{day:2d} 休")
                notes.append(f"{d} {name}")
            else:
                cells.append(f"{day:2d}")
        t.add_row(*cells)
    render.emit(t)
    if notes:
        render.emit("\n".join(notes))
