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

ID = typer.Argument(..., help="Complaint number: 123, or YG-123 with its site.", metavar="ID")


def _emit(ctx: typer.Context, c: Complaint, as_json: bool, step: str) -> None:
    views.confirm(state(ctx), c, as_json, step)


def register(
    ctx: typer.Context,
    channel: str = typer.Option(
        ...,
        "--channel",
        help="电话 phone, 来访 visit, 网络 online, 信函 letter, 转办 relay, 其他 other.",
    ),
    name: str | None = typer.Option(None, "--name", help="Complainant's name (投诉人)."),
    unit: str = typer.Option(..., "--unit", help="房号 or 铺位号."),
    phone: str | None = typer.Option(None, "--phone", help="Contact phone."),
    description: str = typer.Option(..., "--description", help="What the complaint is about."),
    category: str | None = typer.Option(None, "--category", help="A category of the policy."),
    severity: str | None = typer.Option(
        None, "--severity", help="轻微 minor, 中度 moderate, 重大 major."
    ),
    location: str | None = typer.Option(None, "--location", help="Where the problem is."),
    nature: str | None = typer.Option(
        None,
        "--nature",
        help="有效投诉 valid, 协办事项 assist, 过高要求 excessive, 无责任投诉 no_fault.",
    ),
    kind: str | None = typer.Option(
        None,
        "--kind",
        help="投诉 complaint (default), 报修 repair, 服务 service, 咨询 inquiry, 建议 suggestion.",
    ),
    appointment: str | None = typer.Option(
        None,
        "--appointment",
        help="Repair or service: the time agreed with the owner (预约时间), its deadline.",
    ),
    urgent: bool = typer.Option(
        False, "--urgent", help="Emergency repair (急修): someone on site within minutes."
    ),
    anonymous: bool = typer.Option(
        False,
        "--anonymous",
        help="No name and no phone (withheld, an unsigned letter): shown as 匿名, never called "
        "back, out of the 回访率.",
    ),
    site: str | None = SITE_OPTION,
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Register a complaint (受理) while the owner is on the phone.

    With --kind: a repair (报修), service request, inquiry or suggestion."""
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
    severity: str | None = typer.Option(
        None, "--severity", help="轻微 minor, 中度 moderate, 重大 major."
    ),
    category: str | None = typer.Option(None, "--category"),
    nature: str | None = typer.Option(None, "--nature"),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Classify or reclassify (分类); a new severity recomputes every deadline."""
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
    department: str = typer.Option(..., "--department", help="A department of the policy."),
    handler: str | None = typer.Option(None, "--handler", help="The named owner (责任人)."),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Assign to a department and handler (派单)."""
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
    contacted: bool = typer.Option(False, "--contacted", help="First contact with the owner made."),
    plan: str | None = typer.Option(None, "--plan", help="Handling plan told to the owner."),
    note: str | None = typer.Option(
        None, "--note", help="Progress note (restarts the update clock)."
    ),
    escalate: str | None = typer.Option(
        None, "--escalate", help="Escalate to the manager, with the reason."
    ),
    extend: str | None = typer.Option(
        None, "--extend", help="Extend the resolve deadline (延期), e.g. 2wd."
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why the extension (with --extend)."),
    approved_by: str | None = typer.Option(
        None, "--approved-by", help="Who approved the extension."
    ),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record contact, plan, progress, an escalation or an extension (处理)."""
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
    resolution: str = typer.Option(..., "--resolution", help="What was done (处理结果)."),
    satisfied: bool | None = typer.Option(
        None,
        "--satisfied/--unsatisfied",
        help="The owner's verdict, if given on the spot (counts as 回访).",
    ),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Close with a resolution (反馈); awaits the follow-up call unless the owner confirmed."""
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
        help="The owner's verdict in five levels: 非常满意, 满意, 基本满意, 不满意, 非常不满意 "
        "(very_satisfied, satisfied, basically_satisfied, dissatisfied, very_dissatisfied; "
        "or 5..1).",
    ),
    satisfied: bool | None = typer.Option(
        None, "--satisfied/--unsatisfied", help="Two levels: 满意 / 不满意."
    ),
    note: str | None = typer.Option(None, "--note"),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the follow-up call (回访)."""
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
    reason: str = typer.Option(..., "--reason", help="The owner's grounds for reconsideration."),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Reopen for reconsideration (复议), within the window after the resolution."""
    from complaintctl.workflow import steps as workflow

    who = actor(at, by, late_reason)
    c = workflow.reopen(state(ctx).ledger(), who, resolve_id(ctx, complaint_id), reason=reason)
    _emit(ctx, c, as_json, "reopened")


def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(
        None,
        "--status",
        help="registered, assigned, in_progress, resolved, closed, cancelled (or Chinese).",
    ),
    department: str | None = typer.Option(None, "--department"),
    severity: str | None = typer.Option(None, "--severity"),
    open_only: bool = typer.Option(
        False, "--open", help="Only complaints still being handled, next deadline first."
    ),
    unit: str | None = typer.Option(
        None, "--unit", help="房号 exactly, or its start with a trailing * (3-1-*)."
    ),
    phone: str | None = typer.Option(
        None, "--phone", help="The phone number or its last 4 or more digits."
    ),
    name: str | None = typer.Option(
        None, "--name", help="Complainant's name exactly, or its start with a trailing *."
    ),
    text: str | None = typer.Option(
        None,
        "--text",
        help="Words in the description, location, resolution or notes (all must appear).",
    ),
    category: str | None = typer.Option(None, "--category", help="A category of the policy."),
    channel: str | None = typer.Option(None, "--channel", help="电话 phone, 来访 visit, …"),
    handler: str | None = typer.Option(None, "--handler", help="The named owner (责任人)."),
    nature: str | None = typer.Option(None, "--nature", help="有效投诉 valid, 协办事项 assist, …"),
    since: str | None = typer.Option(
        None, "--since", help="Received on or after this local date (2026-03-01)."
    ),
    until: str | None = typer.Option(
        None, "--until", help="Received on or before this local date (inclusive)."
    ),
    breached: bool = typer.Option(
        False, "--breached", help="A milestone breached at now or --as-of."
    ),
    due_within: str | None = typer.Option(
        None, "--due-within", help="Next deadline within this time from now (2h, 1wd)."
    ),
    linked: bool | None = typer.Option(
        None, "--linked/--not-linked", help="Only linked duplicates (并单), or none of them."
    ),
    limit: int | None = typer.Option(
        None,
        "--limit",
        min=1,
        max=1_000_000,
        help="How many rows (default 50 in a table, every match with --json).",
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="The ledger as it stood at this time: later complaints and steps left out, "
        "deadlines then in force, judged then.",
    ),
    kind: str | None = typer.Option(
        None, "--kind", help="Only this kind: 投诉 complaint, 报修 repair, 服务, 咨询, 建议."
    ),
    site: list[str] | None = SITES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List complaints with their next deadline; every filter given must match."""
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
    query: str = typer.Argument(..., metavar="TEXT", help="房号, the end of a phone, or words."),
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="How many (default 20)."),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="The ledger as it stood at this time (as list --as-of).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Find a complaint at the desk: 房号, phone ending and words at once, best first."""
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
    complaint_ids: list[str] = typer.Argument(
        ..., help="Complaint numbers (show 3 7 12, or YG-3 with its site).", metavar="ID..."
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Each complaint as it stood at this time: later steps undone, deadlines judged then.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show complaints in turn: the record, every milestone and the whole event history
    (--json: an object for one id, an array for several)."""
    views.show(state(ctx), complaint_ids=complaint_ids, as_of=as_of, as_json=as_json)


def register_commands(app: typer.Typer) -> None:
    for fn in (register, classify, assign, update, close, followup, reopen, show, search):
        app.command(fn.__name__)(fn)
    app.command("list")(list_)
