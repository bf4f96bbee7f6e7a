"""``complaintctl calendar``: the Chinese working-day calendar (调休 included)."""

from __future__ import annotations

import calendar as stdcal
from pathlib import Path

import typer

from complaintctl.cli import render
from complaintctl.cli.context import BY_OPTION, JSON_OPTION, actor, read_text, state
from complaintctl.cli.say import line, say
from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.messages import Msg, Term
from complaintctl.domain.sites import number_of
from complaintctl.domain.timeutil import from_epoch, iso, now, parse_time
from complaintctl.domain.vocab import MILESTONE_LABELS, STATUS

app = typer.Typer(no_args_is_help=True)


@app.command("status")
def status(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    # --help: help.calendar.status in messages/zh.py, en.py
    st = state(ctx)
    ledger = st.ledger()
    cal = ledger.calendar()
    today = now().year
    notices = {
        r["year"]: r["reference"]
        for r in ledger.query(
            "SELECT year, reference FROM notices "
            "WHERE id IN (SELECT max(id) FROM notices GROUP BY year)"
        )
    }
    years = sorted(set(range(today - 2, today + 3)) | set(notices))
    years = [y for y in years if cal.first_year <= y <= cal.last_year]
    rows = [{"year": y, "status": cal.year_status(y), "reference": notices.get(y)} for y in years]
    official = min(cal.last_official_year, cal.last_year)
    ahead = [y for y in years if y >= today and cal.is_provisional_year(y)]
    if as_json:
        render.print_json(
            {
                "last_official_year": cal.last_official_year,
                "official_years": [cal.first_year, official] if official >= cal.first_year else [],
                "source": cal.source,
                "years": rows,
            }
        )
        return
    t = render.table(*(line(ctx, f"calendar.column.{c}") for c in ("year", "status", "notice")))
    for r in rows:
        status_text = line(ctx, f"calendar.year.{r['status']}")
        t.add_row(str(r["year"]), status_text, str(r["reference"] or "-"))
    render.emit(t)
    say(ctx, "calendar.official", source=cal.source, first=cal.first_year, last=official)
    say(ctx, "calendar.provisional", first=official + 1, last=cal.last_year)
    if ahead:
        say(ctx, "calendar.provisional_ahead", years=[str(y) for y in ahead])


@app.command("load")
def load(
    ctx: typer.Context,
    file: Path = typer.Argument(...),
    by: str | None = BY_OPTION,
) -> None:
    # --help: help.calendar.load in messages/zh.py, en.py
    text = read_text(file)
    from complaintctl.workflow import admin

    year, reference, outcome = admin.load_notice(state(ctx).ledger(), actor(None, by), text)
    say(ctx, "calendar.notice_loaded", year=year, reference=reference)
    say(ctx, outcome.summary())


@app.command("check")
def check(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    # --help: help.calendar.check in messages/zh.py, en.py
    from complaintctl.workflow.recalc import drift

    ledger = state(ctx).ledger()
    found = drift(ledger)
    rows = [
        {
            "id": number_of(r.state.id),
            "site": r.state.site,
            "status": r.state.status,
            "due": {m: iso(from_epoch(v)) for m, v in r.due.items()},
            "previous_due": {m: iso(from_epoch(r.state.due(m) or 0)) for m in r.due},
            "provisional_cleared": r.cleared,
        }
        for r in found
    ]
    if as_json:
        render.print_json({"ok": not found, "complaints": rows})
    else:
        for r in found:
            moves = [
                Msg(
                    "calendar.move",
                    {
                        "milestone": Term(m, MILESTONE_LABELS.get(m, m)),
                        "before": from_epoch(r.state.due(m) or 0),
                        "after": from_epoch(v),
                    },
                )
                for m, v in r.due.items()
            ]
            if r.cleared:
                moves.append(Msg("calendar.flags_to_clear", {"count": r.cleared}))
            status_term = STATUS.term(r.state.status)
            ref = ledger.ref(r.state.id)
            say(ctx, "calendar.differs", id=ref, status=status_term, changes=moves)
        if found:
            say(ctx, "calendar.check_found", count=len(found))
        else:
            say(ctx, "calendar.check_ok")
    if found:
        raise typer.Exit(1)


@app.command("recompute")
def recompute(ctx: typer.Context, by: str | None = BY_OPTION) -> None:
    # --help: help.calendar.recompute in messages/zh.py, en.py
    from complaintctl.workflow import admin

    outcome = admin.recompute_all(state(ctx).ledger(), actor(None, by))
    say(ctx, outcome.summary())


@app.command("due")
def due(
    ctx: typer.Context,
    start: str = typer.Argument(...),
    duration: str = typer.Argument(...),
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.calendar.due in messages/zh.py, en.py
    from complaintctl.time.deadlines import due_at, parse_duration

    moment = parse_time(start, "START")
    dur = parse_duration(duration, "DURATION")
    ledger = state(ctx).ledger()
    deadline, provisional = due_at(moment, dur, ledger.calendar(), ledger.policy().day_ends_at)
    if as_json:
        render.print_json({"due_at": iso(deadline), "provisional": provisional})
        return
    say(ctx, "calendar.due_provisional" if provisional else "calendar.due", due=deadline)


@app.command("show")
def show(
    ctx: typer.Context,
    month: str | None = typer.Argument(None),
) -> None:
    # --help: help.calendar.show in messages/zh.py, en.py
    if month is None:
        year, mon = now().year, now().month
    else:
        try:
            year, mon = (int(x) for x in month.split("-"))
            if not 1 <= mon <= 12:
                raise ValueError
        except ValueError as exc:
            raise InvalidInput("MONTH", "calendar_cmd.is_not_yyyy_mm", month=month) from exc
    cal = state(ctx).ledger().calendar()
    from datetime import date

    t = render.table(
        *(line(ctx, f"calendar.weekday.{n}") for n in range(7)),
        title=f"{year}-{mon:02d} ({line(ctx, f'calendar.year.{cal.year_status(year)}')})",
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
                cells.append(line(ctx, "calendar.cell.makeup", day=f"{day:2d}"))
                notes.append(line(ctx, "calendar.note.makeup", day=str(d)))
            elif name and not cal.is_working_day(d):
                cells.append(line(ctx, "calendar.cell.off", day=f"{day:2d}"))
                notes.append(f"{d} {name}")
            else:
                cells.append(f"{day:2d}")
        t.add_row(*cells)
    render.emit(t)
    if notes:
        render.emit("\n".join(notes))
