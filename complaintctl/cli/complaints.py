"""The complaint commands: register, classify, assign, update, close, followup, reopen,
list and show."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from complaintctl.cli import render
from complaintctl.cli.context import AT_OPTION, BY_OPTION, JSON_OPTION, actor, state
from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.model import Complaint
from complaintctl.domain.privacy import mask_name, mask_phone
from complaintctl.domain.timeutil import from_epoch, local, local_due, now, parse_time, to_epoch
from complaintctl.domain.vocab import SEVERITY, STATUS
from complaintctl.reports.display import complaint_json, external, remaining
from complaintctl.sla.milestones import milestones, next_milestone

if TYPE_CHECKING:
    from complaintctl.store.ledger import Ledger

ID = typer.Argument(..., help="Complaint number.", min=1, metavar="ID")


def _done(ledger: Ledger, c: Complaint, lang: str, what_zh: str, what_en: str) -> None:
    """The confirmation line after a write, with the next deadline when there is one."""
    policy = ledger.policy(c.policy_version)
    nxt = next_milestone(c, policy, to_epoch(now()))
    if lang == "en":
        line = f"#{c.id} {what_en}; status {c.status}"
        if nxt:
            line += f"; next: {nxt.name} due {local_due(from_epoch(nxt.due))}"
    else:
        line = f"#{c.id} {what_zh}，状态：{render.label('status', c.status, lang)}"
        if nxt:
            milestone = render.label("milestone", nxt.name, lang)
            line += f"；下一时限：{milestone} {local_due(from_epoch(nxt.due))}"
    typer.echo(line)


def _emit(ctx: typer.Context, c: Complaint, as_json: bool, zh: str, en: str) -> None:
    st = state(ctx)
    ledger = st.ledger()
    if as_json:
        render.print_json(
            complaint_json(ledger, c, to_epoch(now()), personal=ledger.personal(c.id), masked=True)
        )
    else:
        _done(ledger, c, st.lang, zh, en)


def register(
    ctx: typer.Context,
    channel: str = typer.Option(
        ...,
        "--channel",
        help="电话 phone, 来访 visit, 网络 online, 信函 letter, 转办 relay, 其他 other.",
    ),
    name: str = typer.Option(..., "--name", help="Complainant's name (投诉人)."),
    unit: str = typer.Option(..., "--unit", help="房号 or 铺位号."),
    phone: str = typer.Option(..., "--phone", help="Contact phone."),
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
    at: str | None = AT_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Register a complaint (受理) while the owner is on the phone."""
    from complaintctl.workflow import steps as workflow

    who = actor(at, by)
    ledger = state(ctx).ledger()
    c = workflow.register(
        ledger,
        who,
        channel=channel,
        name=name,
        unit=unit,
        phone_number=phone,
        description=description,
        category_name=category,
        severity=severity,
        location=location,
        nature=nature,
    )
    _emit(ctx, c, as_json, "已登记", "registered")


def classify(
    ctx: typer.Context,
    complaint_id: int = ID,
    severity: str | None = typer.Option(
        None, "--severity", help="轻微 minor, 中度 moderate, 重大 major."
    ),
    category: str | None = typer.Option(None, "--category"),
    nature: str | None = typer.Option(None, "--nature"),
    at: str | None = AT_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Classify or reclassify (分类); a new severity recomputes every deadline."""
    from complaintctl.workflow import steps as workflow

    who = actor(at, by)
    c = workflow.classify(
        state(ctx).ledger(),
        who,
        complaint_id,
        severity=severity,
        category_name=category,
        nature=nature,
    )
    _emit(ctx, c, as_json, "已分类", "classified")


def assign(
    ctx: typer.Context,
    complaint_id: int = ID,
    department: str = typer.Option(..., "--department", help="A department of the policy."),
    handler: str | None = typer.Option(None, "--handler", help="The named owner (责任人)."),
    at: str | None = AT_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Assign to a department and handler (派单)."""
    from complaintctl.workflow import steps as workflow

    who = actor(at, by)
    c = workflow.assign(
        state(ctx).ledger(), who, complaint_id, department_name=department, handler=handler
    )
    _emit(ctx, c, as_json, "已派单", "assigned")


def update(
    ctx: typer.Context,
    complaint_id: int = ID,
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
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record contact, plan, progress, an escalation or an extension (处理)."""
    from complaintctl.workflow import steps as workflow

    who = actor(at, by)
    c = workflow.update(
        state(ctx).ledger(),
        who,
        complaint_id,
        contacted=contacted,
        plan=plan,
        note=note,
        escalate=escalate,
        extend_by=extend,
        reason=reason,
        approved_by=approved_by,
    )
    _emit(ctx, c, as_json, "已更新", "updated")


def close(
    ctx: typer.Context,
    complaint_id: int = ID,
    resolution: str = typer.Option(..., "--resolution", help="What was done (处理结果)."),
    satisfied: bool | None = typer.Option(
        None,
        "--satisfied/--unsatisfied",
        help="The owner's verdict, if given on the spot (counts as 回访).",
    ),
    at: str | None = AT_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Close with a resolution (反馈); awaits the follow-up call unless the owner confirmed."""
    from complaintctl.workflow import steps as workflow

    who = actor(at, by)
    c = workflow.close(
        state(ctx).ledger(), who, complaint_id, resolution=resolution, satisfied=satisfied
    )
    _emit(ctx, c, as_json, "已办结", "resolved")


def followup(
    ctx: typer.Context,
    complaint_id: int = ID,
    satisfied: bool | None = typer.Option(
        None, "--satisfied/--unsatisfied", help="The owner's verdict."
    ),
    note: str | None = typer.Option(None, "--note"),
    at: str | None = AT_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the follow-up call (回访)."""
    from complaintctl.workflow import steps as workflow

    if satisfied is None:
        raise InvalidInput("followup", "give --satisfied or --unsatisfied")
    who = actor(at, by)
    c = workflow.followup(state(ctx).ledger(), who, complaint_id, satisfied=satisfied, note=note)
    _emit(ctx, c, as_json, "已回访", "followed up")


def reopen(
    ctx: typer.Context,
    complaint_id: int = ID,
    reason: str = typer.Option(..., "--reason", help="The owner's grounds for reconsideration."),
    at: str | None = AT_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Reopen for reconsideration (复议), within the window after the resolution."""
    from complaintctl.workflow import steps as workflow

    who = actor(at, by)
    c = workflow.reopen(state(ctx).ledger(), who, complaint_id, reason=reason)
    _emit(ctx, c, as_json, "已复议", "reopened")


def _as_of(value: str | None) -> int:
    return to_epoch(parse_time(value, "--as-of")) if value else to_epoch(now())


def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(
        None, "--status", help="registered, assigned, in_progress, resolved, closed (or Chinese)."
    ),
    department: str | None = typer.Option(None, "--department"),
    severity: str | None = typer.Option(None, "--severity"),
    open_only: bool = typer.Option(
        False, "--open", help="Only complaints still being handled, next deadline first."
    ),
    limit: int = typer.Option(
        50, "--limit", min=1, max=1_000_000, help="How many rows (default 50)."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Judge deadlines at this time instead of now."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List complaints with their next deadline."""
    from complaintctl.workflow import steps as workflow

    st = state(ctx)
    ledger = st.ledger()
    from complaintctl.reports.listing import find

    items = find(
        ledger,
        status=STATUS.parse(status) if status else None,
        severity=SEVERITY.parse(severity) if severity else None,
        department=workflow.department(ledger.policy(), department) if department else None,
        open_only=open_only,
        limit=limit,
    )
    moment = _as_of(as_of)
    if as_json:
        render.print_json([complaint_json(ledger, c, moment, personal=(n, p)) for c, n, p in items])
        return
    lang = st.lang
    cal = ledger.calendar() if items else None
    t = render.table(
        *(
            render.h(k, lang)
            for k in (
                "id",
                "received",
                "unit",
                "name",
                "phone",
                "category",
                "severity",
                "department",
                "status",
                "next",
                "left",
            )
        )
    )
    for c, n, p in items:
        nxt = next_milestone(c, ledger.policy(c.policy_version), moment)
        due_text = left = "-"
        if nxt is not None:
            due_text = render.styled(
                f"{render.label('milestone', nxt.name, lang)} {local_due(from_epoch(nxt.due))}"
                + ("*" if nxt.provisional else ""),
                nxt.state,
            )
            left = render.styled(remaining(nxt.due, moment, cal, lang), nxt.state)
        t.add_row(
            str(c.id),
            local(from_epoch(c.received_at)),
            c.unit,
            mask_name(n),
            mask_phone(p),
            c.category or "-",
            render.label("severity", c.severity, lang),
            c.department or "-",
            render.label("status", c.status, lang),
            due_text,
            left,
        )
    if not items:
        render.emit("没有符合条件的投诉。" if lang == "zh" else "No complaints match.")
        return
    render.emit(t)
    if any(c.provisional for c, _, _ in items):
        render.emit(
            "* 该时限依赖尚未公布的节假日安排（暂定）。"
            if lang == "zh"
            else "* provisional: depends on a year whose holiday notice is not yet published."
        )


def show(
    ctx: typer.Context,
    complaint_id: int = ID,
    as_of: str | None = typer.Option(
        None, "--as-of", help="Judge deadlines at this time instead of now."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one complaint: its record, every milestone and the whole event history."""
    st = state(ctx)
    ledger = st.ledger()
    c = ledger.get(complaint_id)
    moment = _as_of(as_of)
    events = ledger.events(c.id)
    personal = ledger.personal(c.id)
    if as_json:
        render.print_json(
            complaint_json(ledger, c, moment, personal=personal, masked=False, events=events)
        )
        return
    lang = st.lang
    name, phone = personal
    record = render.table(render.h("field", lang), render.h("value", lang), title=f"#{c.id}")
    rows = [
        ("received", local(from_epoch(c.received_at))),
        ("channel", render.label("channel", c.channel, lang)),
        ("name", name or ("-" if name == "" else "(erased)")),
        ("unit", c.unit),
        ("phone", phone or ("-" if phone == "" else "(erased)")),
        ("location", c.location or "-"),
        ("description", c.description),
        ("category", c.category or "-"),
        ("severity", render.label("severity", c.severity, lang)),
        ("nature", render.label("nature", c.nature, lang)),
        ("department", c.department or "-"),
        ("handler", c.handler or "-"),
        ("status", render.label("status", c.status, lang)),
        ("resolution", c.resolution or "-"),
        ("satisfaction", render.label("satisfaction", c.satisfaction, lang)),
        ("reopen_count", str(c.reopen_count)),
        ("escalation", c.escalation_level or "-"),
        ("duplicate_of", f"#{c.duplicate_of}" if c.duplicate_of else "-"),
        ("policy_version", str(c.policy_version)),
    ]
    outside = external(c, events)
    if outside is not None:
        rows += _external_rows(outside, lang)
    for key, value in rows:
        record.add_row(render.h(key, lang), value.replace("[", r"\["))
    render.emit(record)
    cal = ledger.calendar()
    ms = render.table(*(render.h(k, lang) for k in ("milestone", "due", "done", "state", "left")))
    for m in milestones(c, ledger.policy(c.policy_version), moment):
        ms.add_row(
            render.label("milestone", m.name, lang),
            local_due(from_epoch(m.due)) + ("*" if m.provisional else ""),
            local(from_epoch(m.done)) if m.done else "-",
            render.styled(render.label("state", m.state, lang), m.state),
            remaining(m.due, moment, cal, lang) if m.done is None else "-",
        )
    render.emit(ms)
    ev = render.table(*(render.h(k, lang) for k in ("seq", "at", "kind", "by", "details")))
    for e in events:
        details = "; ".join(
            f"{k}={v}"
            for k, v in e.data.items()
            if k
            not in (
                "due",
                "provisional",
                "previous_due",
                "update_due",
                "source_key",
                "external_due",
            )
            and v not in (None, False)
        )
        ev.add_row(str(e.seq), local(from_epoch(e.at)), e.kind, e.by, details.replace("[", r"\["))
    render.emit(ev)


_VERSUS = {
    "earlier": ("早于本系统完成时限", "before our resolve deadline"),
    "same": ("与本系统完成时限相同", "same as our resolve deadline"),
    "later": ("晚于本系统完成时限", "after our resolve deadline"),
}


def _external_rows(outside: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The ticket number and deadline another system gave an imported complaint."""
    rows = [("ticket", outside["ticket"] or "-")]
    if outside["due"] is not None:
        due = local(datetime.fromisoformat(outside["due"]))
        versus = outside["versus_resolve_due"]
        if versus is not None:
            zh, en = _VERSUS[versus]
            due += f"（{zh}）" if lang == "zh" else f" ({en})"
        rows.append(("external_due", due))
    return rows


def register_commands(app: typer.Typer) -> None:
    for fn in (register, classify, assign, update, close, followup, reopen, show):
        app.command(fn.__name__)(fn)
    app.command("list")(list_)
