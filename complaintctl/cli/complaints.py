"""The complaint commands: register, classify, assign, update, close, followup, reopen,
list and show.  What register, list and show do once parsed is in cli/complaint_views.py,
which cli/fast.py also runs without Typer (issue 17)."""

from __future__ import annotations

import typer

from complaintctl.cli import complaint_views as views
from complaintctl.cli import render
from complaintctl.cli.complaint_views import as_of_moment as _as_of
from complaintctl.cli.complaint_views import table as _table
from complaintctl.cli.context import (
    AT_OPTION,
    BY_OPTION,
    JSON_OPTION,
    LATE_OPTION,
    SITE_OPTION,
    SITES_OPTION,
    actor,
    resolve_id,
    state,
)
from complaintctl.domain.model import Complaint
from complaintctl.reports.asof import ledger_as_of
from complaintctl.reports.display import complaint_json

ID = typer.Argument(..., metavar="ID")


def _emit(ctx: typer.Context, c: Complaint, as_json: bool, step: str) -> None:
    views.confirm(state(ctx), c, as_json, step)


def register(
    ctx: typer.Context,
    channel: str = typer.Option(
        ...,
        "--channel",
    ),
    name: str | None = typer.Option(None, "--name"),
    unit: str = typer.Option(..., "--unit"),
    phone: str | None = typer.Option(None, "--phone"),
    description: str = typer.Option(..., "--description"),
    category: str | None = typer.Option(None, "--category"),
    severity: str | None = typer.Option(None, "--severity"),
    location: str | None = typer.Option(None, "--location"),
    nature: str | None = typer.Option(
        None,
        "--nature",
    ),
    kind: str | None = typer.Option(
        None,
        "--kind",
    ),
    appointment: str | None = typer.Option(
        None,
        "--appointment",
    ),
    urgent: bool = typer.Option(False, "--urgent"),
    anonymous: bool = typer.Option(
        False,
        "--anonymous",
    ),
    site: str | None = SITE_OPTION,
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.register in messages/zh.py, en.py
    views.register(
        state(ctx),
        channel=channel,
        name=name,
        unit=unit,
        phone=phone,
        description=description,
        category=category,
        severity=severity,
        location=location,
        nature=nature,
        kind=kind,
        appointment=appointment,
        urgent=urgent,
        anonymous=anonymous,
        site=site,
        at=at,
        late_reason=late_reason,
        by=by,
        as_json=as_json,
    )


def classify(
    ctx: typer.Context,
    complaint_id: str = ID,
    severity: str | None = typer.Option(None, "--severity"),
    category: str | None = typer.Option(None, "--category"),
    nature: str | None = typer.Option(None, "--nature"),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.classify in messages/zh.py, en.py
    from complaintctl.workflow import steps as workflow

    who = actor(at, by, late_reason)
    c = workflow.classify(
        state(ctx).ledger(),
        who,
        resolve_id(ctx, complaint_id),
        severity=severity,
        category_name=category,
        nature=nature,
    )
    _emit(ctx, c, as_json, "classified")


def assign(
    ctx: typer.Context,
    complaint_id: str = ID,
    department: str = typer.Option(..., "--department"),
    handler: str | None = typer.Option(None, "--handler"),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.assign in messages/zh.py, en.py
    from complaintctl.workflow import steps as workflow

    who = actor(at, by, late_reason)
    c = workflow.assign(
        state(ctx).ledger(),
        who,
        resolve_id(ctx, complaint_id),
        department_name=department,
        handler=handler,
    )
    _emit(ctx, c, as_json, "assigned")


def update(
    ctx: typer.Context,
    complaint_id: str = ID,
    contacted: bool = typer.Option(False, "--contacted"),
    plan: str | None = typer.Option(None, "--plan"),
    note: str | None = typer.Option(None, "--note"),
    escalate: str | None = typer.Option(None, "--escalate"),
    extend: str | None = typer.Option(None, "--extend"),
    reason: str | None = typer.Option(None, "--reason"),
    approved_by: str | None = typer.Option(None, "--approved-by"),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.update in messages/zh.py, en.py
    from complaintctl.workflow import steps as workflow

    who = actor(at, by, late_reason)
    c = workflow.update(
        state(ctx).ledger(),
        who,
        resolve_id(ctx, complaint_id),
        contacted=contacted,
        plan=plan,
        note=note,
        escalate=escalate,
        extend_by=extend,
        reason=reason,
        approved_by=approved_by,
    )
    _emit(ctx, c, as_json, "updated")


def close(
    ctx: typer.Context,
    complaint_id: str = ID,
    resolution: str = typer.Option(..., "--resolution"),
    satisfied: bool | None = typer.Option(
        None,
        "--satisfied/--unsatisfied",
    ),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.close in messages/zh.py, en.py
    from complaintctl.workflow import steps as workflow

    who = actor(at, by, late_reason)
    c = workflow.close(
        state(ctx).ledger(),
        who,
        resolve_id(ctx, complaint_id),
        resolution=resolution,
        satisfied=satisfied,
    )
    _emit(ctx, c, as_json, "resolved")


def followup(
    ctx: typer.Context,
    complaint_id: str = ID,
    level: str | None = typer.Option(
        None,
        "--rating",
    ),
    satisfied: bool | None = typer.Option(None, "--satisfied/--unsatisfied"),
    note: str | None = typer.Option(None, "--note"),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.followup in messages/zh.py, en.py
    from complaintctl.workflow import steps as workflow

    workflow.rating(satisfied, level)  # refuse a bad verdict before the ledger is opened
    who = actor(at, by, late_reason)
    c = workflow.followup(
        state(ctx).ledger(),
        who,
        resolve_id(ctx, complaint_id),
        satisfied=satisfied,
        level=level,
        note=note,
    )
    _emit(ctx, c, as_json, "followed_up")


def reopen(
    ctx: typer.Context,
    complaint_id: str = ID,
    reason: str = typer.Option(..., "--reason"),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.reopen in messages/zh.py, en.py
    from complaintctl.workflow import steps as workflow

    who = actor(at, by, late_reason)
    c = workflow.reopen(state(ctx).ledger(), who, resolve_id(ctx, complaint_id), reason=reason)
    _emit(ctx, c, as_json, "reopened")


def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(
        None,
        "--status",
    ),
    department: str | None = typer.Option(None, "--department"),
    severity: str | None = typer.Option(None, "--severity"),
    open_only: bool = typer.Option(False, "--open"),
    unit: str | None = typer.Option(None, "--unit"),
    phone: str | None = typer.Option(None, "--phone"),
    name: str | None = typer.Option(None, "--name"),
    text: str | None = typer.Option(
        None,
        "--text",
    ),
    category: str | None = typer.Option(None, "--category"),
    channel: str | None = typer.Option(None, "--channel"),
    handler: str | None = typer.Option(None, "--handler"),
    nature: str | None = typer.Option(None, "--nature"),
    since: str | None = typer.Option(None, "--since"),
    until: str | None = typer.Option(None, "--until"),
    breached: bool = typer.Option(False, "--breached"),
    due_within: str | None = typer.Option(None, "--due-within"),
    linked: bool | None = typer.Option(None, "--linked/--not-linked"),
    limit: int | None = typer.Option(
        None,
        "--limit",
        min=1,
        max=1_000_000,
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
    ),
    kind: str | None = typer.Option(None, "--kind"),
    site: list[str] | None = SITES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.list in messages/zh.py, en.py
    views.list_(
        state(ctx),
        status=status,
        department=department,
        severity=severity,
        open_only=open_only,
        unit=unit,
        phone=phone,
        name=name,
        text=text,
        category=category,
        channel=channel,
        handler=handler,
        nature=nature,
        since=since,
        until=until,
        breached=breached,
        due_within=due_within,
        linked=linked,
        limit=limit,
        as_of=as_of,
        kind=kind,
        site=site,
        as_json=as_json,
    )


def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., metavar="TEXT"),
    limit: int = typer.Option(20, "--limit", min=1, max=1000),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.search in messages/zh.py, en.py
    from complaintctl.reports.search import search as find_best

    st = state(ctx)
    ledger = st.ledger()
    moment = _as_of(as_of)
    with ledger_as_of(ledger, moment if as_of else None):
        found = find_best(ledger, query, limit)
    if as_json:
        render.print_json(
            [
                {**complaint_json(ledger, c, moment, personal=(n, p)), "score": score}
                for (c, n, p), score in found
            ]
        )
        return
    _table(st.lang, ledger, [row for row, _ in found], moment)


def show(
    ctx: typer.Context,
    complaint_ids: list[str] = typer.Argument(..., metavar="ID..."),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.show in messages/zh.py, en.py
    views.show(state(ctx), complaint_ids=complaint_ids, as_of=as_of, as_json=as_json)


def register_commands(app: typer.Typer) -> None:
    for fn in (register, classify, assign, update, close, followup, reopen, show, search):
        app.command(fn.__name__)(fn)
    app.command("list")(list_)
