"""The complaint commands: register, classify, assign, update, close, followup, reopen,
list and show."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from complaintctl.cli import render
from complaintctl.cli.context import (
    AT_OPTION,
    BY_OPTION,
    JSON_OPTION,
    LATE_OPTION,
    SITE_OPTION,
    SITES_OPTION,
    actor,
    resolve_id,
    site_of,
    sites_of,
    state,
)
from complaintctl.domain.model import Complaint, Event
from complaintctl.domain.privacy import mask_name, mask_phone
from complaintctl.domain.timeutil import from_epoch, local, local_due, now, parse_time, to_epoch
from complaintctl.domain.vocab import MILESTONES
from complaintctl.reports import history
from complaintctl.reports.asof import complaint_as_of, ledger_as_of
from complaintctl.reports.display import complaint_json, external, late_entry_text, remaining
from complaintctl.sla.milestones import milestones, next_milestone

if TYPE_CHECKING:
    from complaintctl.store.ledger import Ledger

ID = typer.Argument(..., help="Complaint number: 123, or YG-123 with its site.", metavar="ID")


def _done(ledger: Ledger, c: Complaint, lang: str, what_zh: str, what_en: str) -> None:
    """The confirmation line after a write, with the next deadline when there is one."""
    policy = ledger.policy(c.policy_version)
    nxt = next_milestone(c, policy, to_epoch(now()))
    if lang == "en":
        line = f"#{ledger.ref(c.id)} {what_en}; status {c.status}"
        if nxt:
            line += f"; next: {nxt.name} due {local_due(from_epoch(nxt.due))}"
            if nxt.state == "breached":
                line += " (already overdue)"
    else:
        line = f"#{ledger.ref(c.id)} {what_zh}，状态：{render.label('status', c.status, lang)}"
        if nxt:
            milestone = render.label("milestone", nxt.name, lang)
            line += f"；下一时限：{milestone} {local_due(from_epoch(nxt.due))}"
            if nxt.state == "breached":
                line += "（已超时）"
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
    from complaintctl.workflow import steps as workflow

    who = actor(at, by, late_reason)
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
        kind=kind,
        urgent=urgent,
        appointment=appointment,
        anonymous=anonymous,
        site=site_of(ctx, site),
    )
    _emit(ctx, c, as_json, "已登记", "registered")


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
    _emit(ctx, c, as_json, "已分类", "classified")


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
    _emit(ctx, c, as_json, "已派单", "assigned")


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
    _emit(ctx, c, as_json, "已更新", "updated")


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
    _emit(ctx, c, as_json, "已办结", "resolved")


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
    _emit(ctx, c, as_json, "已回访", "followed up")


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
    _emit(ctx, c, as_json, "已复议", "reopened")


def _as_of(value: str | None) -> int:
    return to_epoch(parse_time(value, "--as-of")) if value else to_epoch(now())


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
    from complaintctl.reports.listing import build_filters, find_page

    st = state(ctx)
    ledger = st.ledger()
    moment = _as_of(as_of)
    filters = build_filters(
        ledger,
        moment,
        status=status,
        severity=severity,
        department=department,
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
        kind=kind,
        sites=sites_of(ctx, site),
    )
    with ledger_as_of(ledger, moment if as_of else None), ledger.reading():
        page = find_page(ledger, filters, limit if limit is not None or as_json else 50)
    items = page.rows
    if as_json:
        render.print_json([complaint_json(ledger, c, moment, personal=(n, p)) for c, n, p in items])
    else:
        _table(st.lang, ledger, items, moment)
    _shown(st.lang, len(items), page.total)


def _shown(lang: str, shown: int, total: int) -> None:
    """Say so when the list was cut at --limit: on stdout at a terminal, else on stderr."""
    if shown >= total:
        return
    line = (
        f"显示 {shown:,} / 共 {total:,} 条（--limit 可调）"
        if lang == "zh"
        else f"showing {shown:,} of {total:,} (see --limit)"
    )
    typer.echo(line, err=not render.is_terminal())


def _table(
    lang: str,
    ledger: Ledger,
    items: list[tuple[Complaint, str | None, str | None]],
    moment: int,
) -> None:
    cal = ledger.calendar() if items else None
    columns = _LIST_WIDE if render.page_width() >= _LIST_WIDE_FROM else _LIST_DESK
    t = render.table(
        *(render.h(k, lang) for k in columns),
        whole={n for n, k in enumerate(columns) if k in _LIST_WHOLE},
    )
    for c, n, p in items:
        nxt = next_milestone(c, ledger.policy(c.policy_version), moment)
        status = render.label("status", c.status, lang)
        due_text = left = "-"
        if c.duplicate_of is not None:  # a duplicate has no clock of its own: its main's
            status = _dup_mark(ledger, c, lang) or status
        elif nxt is not None:
            due = local_due(from_epoch(nxt.due))
            due_text = render.styled(
                f"{render.label('milestone', nxt.name, lang)} {due}"
                + ("*" if nxt.provisional else ""),
                nxt.state,
            )
            left = render.styled(remaining(nxt.due, moment, cal, lang), nxt.state)
        name, phone = _who(n, p)
        cells = {
            "id": ledger.ref(c.id),
            # the day alone when a register did not give the time (issue 16)
            "received": local(from_epoch(c.received_at))[: 10 if c.received_time_unknown else None],
            "unit": c.unit,
            "name": name,
            "phone": phone,
            "category": c.category or "-",
            "severity": render.label("severity", c.severity, lang),
            "department": c.department or "-",
            "status": status,
            "next": due_text,
            "left": left,
        }
        t.add_row(*(cells[k] for k in columns))
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


# `list`: the full table from about 120 columns (and always off a terminal, where no value is
# ever cut); below that the desk layout, one line per complaint with what the desk needs.
_LIST_WIDE = ("id", "received", "unit", "name", "phone", "category", "severity", "department",
              "status", "next", "left")  # fmt: skip
_LIST_DESK = ("id", "unit", "severity", "status", "next", "left")
_LIST_WIDE_FROM = 120
# values that are never split across lines (on a terminal they end in … rather than fold)
_LIST_WHOLE = {"id", "received", "unit", "phone", "severity", "status", "next", "left"}


def _kind_rows(ledger: Ledger, c: Complaint, lang: str) -> list[tuple[str, str]]:
    """The rows ``show`` adds for a record that is not a plain complaint (issue 20)."""
    rows: list[tuple[str, str]] = []
    if c.kind != "complaint":
        rows.append(("record_kind", render.label("record_kind", c.kind, lang)))
    if c.urgent:
        rows.append(("urgent", "是" if lang == "zh" else "yes"))
    if c.appointment_at is not None:
        rows.append(("appointment", local(from_epoch(c.appointment_at))))
    if c.about is not None:
        rows.append(("about", f"#{ledger.ref(c.about)}"))
    return rows


def _who(name: str | None, phone: str | None) -> tuple[str, str]:
    """Masked name and phone for a list; an anonymous complaint shows as 匿名."""
    if name == "" and phone == "":
        return "匿名", "-"
    return mask_name(name), mask_phone(phone)


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
    st = state(ctx)
    ledger = st.ledger()
    moment = _as_of(as_of)
    with ledger.reading():  # every id checked before anything is printed
        keys = [resolve_id(ctx, n) for n in complaint_ids]
        if as_of is None:
            found = [(c, ledger.events(c.id)) for c in map(ledger.get, keys)]
        else:  # each as it stood then: later steps not done, deadlines then in force
            found = [complaint_as_of(ledger, cid, moment) for cid in keys]
        if as_json:
            items = [
                complaint_json(
                    ledger,
                    c,
                    moment,
                    personal=ledger.personal(c.id),
                    masked=False,
                    events=events,
                )
                for c, events in found
            ]
            render.print_json(items[0] if len(items) == 1 else items)
            return
        for c, events in found:
            _show_one(st.lang, ledger, c, events, moment)


def _show_one(lang: str, ledger: Ledger, c: Complaint, events: list[Event], moment: int) -> None:
    name, phone = ledger.personal(c.id)
    record = render.table(
        render.h("field", lang), render.h("value", lang), title=f"#{ledger.ref(c.id)}"
    )
    rows = [
        ("received", _received_text(c, lang)),
        ("channel", render.label("channel", c.channel, lang)),
        ("name", _shown_person(name, phone, name)),
        ("unit", c.unit),
        ("phone", _shown_person(name, phone, phone)),
        ("location", c.location or "-"),
        ("description", c.description),
        ("category", c.category or "-"),
        ("severity", render.label("severity", c.severity, lang)),
        ("nature", render.label("nature", c.nature, lang)),
        ("department", c.department or "-"),
        ("handler", c.handler or "-"),
        ("status", _dup_mark(ledger, c, lang) or render.label("status", c.status, lang)),
        ("resolution", c.resolution or "-"),
        ("satisfaction", render.label("satisfaction", c.satisfaction, lang)),
        ("reopen_count", str(c.reopen_count)),
        ("escalation", c.escalation_level or "-"),
        ("duplicate_of", f"#{ledger.ref(c.duplicate_of)}" if c.duplicate_of else "-"),
        ("policy_version", str(c.policy_version)),
    ]
    rows[1:1] = _kind_rows(ledger, c, lang)
    if c.handled_time_unknown:  # issue 16: handled, the register gives no time
        rows.insert(
            rows.index(("resolution", c.resolution or "-")) + 1,
            ("handled", _UNKNOWN_HANDLED[lang == "en"]),
        )
    outside = external(c, events)
    if outside is not None:
        rows += _external_rows(outside, lang)
    for key, value in rows:
        record.add_row(render.h(key, lang), value.replace("[", r"\["))
    render.emit(record)
    if c.duplicate_of is not None:  # a duplicate has no clock of its own: its main's
        main = ledger.ref(c.duplicate_of)
        render.emit(
            f"并单→#{main}：无独立时限，随主单 #{main}"
            if lang == "zh"
            else f"dup of #{main}: no deadlines of its own; see #{main}"
        )
    else:
        _milestones(lang, ledger, c, moment)
    # at 80 columns the details (a late entry's mark, long texts) wrap, while the number, the
    # time, the kind and who keep their width
    ev = render.table(
        *(render.h(k, lang) for k in ("seq", "at", "kind", "by", "details")), whole={0, 1, 2, 3}
    )
    policy = ledger.policy(c.policy_version)
    for e in events:
        mark = late_entry_text(e, policy, lang)  # 补录: recorded long after it happened
        text = ("; " if lang == "en" else "；").join(
            part for part in (mark, history.details(e.kind, e.data, lang)) if part
        )
        ev.add_row(
            str(e.seq),
            history.when(e.kind, e.at, e.data, lang),
            history.kind_label(e.kind, lang),
            e.by,
            text.replace("[", r"\["),
        )
    render.emit(ev)


def _milestones(lang: str, ledger: Ledger, c: Complaint, moment: int) -> None:
    cal = ledger.calendar()
    ms = render.table(*(render.h(k, lang) for k in ("milestone", "due", "done", "state", "left")))
    listed = {m.name: m for m in milestones(c, ledger.policy(c.policy_version), moment)}
    for name in MILESTONES:
        m = listed.get(name)
        if m is None:  # a clock from a receipt of unknown time: no deadline, not judged
            if c.is_unjudged(name):
                state_text = render.label("state", "not_judged", lang)
                done = c.done(name)
                shown = local(from_epoch(done)) if done is not None else "-"
                ms.add_row(render.label("milestone", name, lang), "-", shown, state_text, "-")
            continue
        ms.add_row(
            render.label("milestone", m.name, lang),
            local_due(from_epoch(m.due)) + ("*" if m.provisional else ""),
            local(from_epoch(m.done)) if m.done else "-",
            render.styled(render.label("state", m.state, lang), m.state),
            remaining(m.due, moment, cal, lang)
            if m.state not in ("met", "late", "cancelled", "not_judged")
            else "-",
        )
    render.emit(ms)


def _dup_mark(ledger: Ledger, c: Complaint, lang: str) -> str | None:
    """``并单→#1`` for a linked duplicate (in place of its status, in list and show)."""
    if c.duplicate_of is None:
        return None
    main = ledger.ref(c.duplicate_of)
    return f"并单→#{main}" if lang == "zh" else f"dup of #{main}"


_UNKNOWN_HANDLED = ("不详（登记表未写）", "unknown (not in the register)")


def _received_text(c: Complaint, lang: str) -> str:
    """The time of receipt; the day alone, said so, when a register did not give the time."""
    moment = local(from_epoch(c.received_at))
    if not c.received_time_unknown:
        return moment
    return moment[:10] + (" (time of receipt unknown)" if lang == "en" else "（受理时间不详）")


def _shown_person(name: str | None, phone: str | None, value: str | None) -> str:
    if name == "" and phone == "":
        return "匿名"
    return value or ("-" if value == "" else "(erased)")


_VERSUS = {
    "earlier": ("早于本系统完成时限", "before our resolve deadline"),
    "same": ("与本系统完成时限相同", "same as our resolve deadline"),
    "later": ("晚于本系统完成时限", "after our resolve deadline"),
}


def _external_rows(outside: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The ticket number and deadline another system gave an imported complaint."""
    rows = [("ticket", outside["ticket"] or "-")]
    if outside["due"] is not None:
        due = local_due(datetime.fromisoformat(outside["due"]))  # a midnight is 24:00
        versus = outside["versus_resolve_due"]
        if versus is not None:
            zh, en = _VERSUS[versus]
            due += f"（{zh}）" if lang == "zh" else f" ({en})"
        rows.append(("external_due", due))
    elif outside.get("limit") is not None:  # a clock from a receipt of unknown time
        unknown = "（受理时间不详，未计算）" if lang == "zh" else " (time of receipt unknown)"
        rows.append(("external_due", outside["limit"] + unknown))
    return rows


def register_commands(app: typer.Typer) -> None:
    for fn in (register, classify, assign, update, close, followup, reopen, show, search):
        app.command(fn.__name__)(fn)
    app.command("list")(list_)
