"""What ``register``, ``list`` and ``show`` do once their options are parsed, without Typer.

cli/complaints.py declares these commands for Typer (their options, help and docs/cli.md) and
calls the functions here with the parsed values; cli/fast.py calls the same functions straight
from the command line, without importing Typer, when a clerk runs one of these three commands
(issue 17: cold start).  Each function takes the command's ``State`` and exactly the
parameters of its Typer command (tests/test_fast_cli.py checks both).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from complaintctl.cli import render
from complaintctl.cli.context import State, actor, key_for, site_for, sites_for
from complaintctl.domain.messages import Msg, Term, text
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


def _term(kind: str, code: str) -> Term:
    """A coded value as the confirmation line names it: the code in English (as it always
    has), the label in Chinese."""
    return Term(code, render.label(kind, code, "zh"))


def _done(ledger: Ledger, c: Complaint, lang: str, step: str) -> None:
    """The confirmation line after a write, with the next deadline when there is one."""
    policy = ledger.policy(c.policy_version)
    nxt = next_milestone(c, policy, to_epoch(now()))
    line = text(
        "confirm.line",
        lang,
        id=ledger.ref(c.id),
        what=Msg(f"confirm.what.{step}"),
        status=_term("status", c.status),
    )
    if nxt:
        milestone = _term("milestone", nxt.name)
        line += text("confirm.next", lang, milestone=milestone, due=local_due(from_epoch(nxt.due)))
        if nxt.state == "breached":
            line += text("confirm.overdue", lang)
    render.echo(line)


def confirm(st: State, c: Complaint, as_json: bool, step: str) -> None:
    """What a step prints after its write: JSON, or the confirmation line (``step``: the
    event's kind, ``confirm.what.<step>`` in the catalogue)."""
    ledger = st.ledger()
    if as_json:
        render.print_json(
            complaint_json(ledger, c, to_epoch(now()), personal=ledger.personal(c.id), masked=True)
        )
    else:
        _done(ledger, c, st.lang, step)


def register(
    st: State,
    channel: str,
    name: str | None,
    unit: str,
    phone: str | None,
    description: str,
    category: str | None,
    severity: str | None,
    location: str | None,
    nature: str | None,
    kind: str | None,
    appointment: str | None,
    urgent: bool,
    anonymous: bool,
    site: str | None,
    at: str | None,
    late_reason: str | None,
    by: str | None,
    as_json: bool,
) -> None:
    """``register``: a complaint (受理), or with ``kind`` a repair, service, inquiry …"""
    from complaintctl.workflow import steps as workflow

    who = actor(at, by, late_reason)
    ledger = st.ledger()
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
        site=site_for(st, site),
    )
    confirm(st, c, as_json, "registered")


def as_of_moment(value: str | None) -> int:
    return to_epoch(parse_time(value, "--as-of")) if value else to_epoch(now())


def list_(
    st: State,
    status: str | None,
    department: str | None,
    severity: str | None,
    open_only: bool,
    unit: str | None,
    phone: str | None,
    name: str | None,
    text: str | None,
    category: str | None,
    channel: str | None,
    handler: str | None,
    nature: str | None,
    since: str | None,
    until: str | None,
    breached: bool,
    due_within: str | None,
    linked: bool | None,
    limit: int | None,
    as_of: str | None,
    kind: str | None,
    site: list[str] | None,
    as_json: bool,
) -> None:
    """``list``: complaints with their next deadline; every filter given must match."""
    from complaintctl.reports.listing import build_filters, find_page

    ledger = st.ledger()
    moment = as_of_moment(as_of)
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
        sites=sites_for(st, site),
    )
    with ledger_as_of(ledger, moment if as_of else None), ledger.reading():
        page = find_page(ledger, filters, limit if limit is not None or as_json else 50)
    items = page.rows
    if as_json:
        render.print_json([complaint_json(ledger, c, moment, personal=(n, p)) for c, n, p in items])
    else:
        table(st.lang, ledger, items, moment)
    _shown(st.lang, len(items), page.total)


def _shown(lang: str, shown: int, total: int) -> None:
    """Say so when the list was cut at --limit: on stdout at a terminal, else on stderr."""
    if shown >= total:
        return
    render.echo(text("list.shown", lang, shown=shown, total=total), err=not render.is_terminal())


def table(
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
        name, phone = _who(n, p, lang)
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
        render.emit(text("list.none", lang))
        return
    render.emit(t)
    if any(c.provisional for c, _, _ in items):
        render.emit(text("list.provisional", lang))


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
        rows.append(("urgent", text("show.yes", lang)))
    if c.appointment_at is not None:
        rows.append(("appointment", local(from_epoch(c.appointment_at))))
    if c.about is not None:
        rows.append(("about", f"#{ledger.ref(c.about)}"))
    return rows


def _who(name: str | None, phone: str | None, lang: str) -> tuple[str, str]:
    """Masked name and phone for a list; an anonymous complaint shows as 匿名."""
    if name == "" and phone == "":
        return text("show.anonymous", lang), "-"
    return mask_name(name), mask_phone(phone)


def show(st: State, complaint_ids: list[str], as_of: str | None, as_json: bool) -> None:
    """``show``: each complaint in turn, its record, milestones and history."""
    ledger = st.ledger()
    moment = as_of_moment(as_of)
    with ledger.reading():  # every id checked before anything is printed
        keys = [key_for(st, n) for n in complaint_ids]
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
        ("name", _shown_person(name, phone, name, lang)),
        ("unit", c.unit),
        ("phone", _shown_person(name, phone, phone, lang)),
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
            ("handled", text("show.handled_unknown", lang)),
        )
    outside = external(c, events)
    if outside is not None:
        rows += _external_rows(outside, lang)
    for key, value in rows:
        record.add_row(render.h(key, lang), value.replace("[", r"\["))
    render.emit(record)
    if c.duplicate_of is not None:  # a duplicate has no clock of its own: its main's
        main = ledger.ref(c.duplicate_of)
        render.emit(text("show.duplicate_no_clock", lang, main=main))
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
        details = text("common.sep", lang).join(
            part for part in (mark, history.details(e.kind, e.data, lang, e.complaint_id)) if part
        )
        ev.add_row(
            str(e.seq),
            history.when(e.kind, e.at, e.data, lang),
            history.kind_label(e.kind, lang),
            e.by,
            details.replace("[", r"\["),
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
    return text("show.duplicate_mark", lang, main=main)


def _received_text(c: Complaint, lang: str) -> str:
    """The time of receipt; the day alone, said so, when a register did not give the time."""
    moment = local(from_epoch(c.received_at))
    if not c.received_time_unknown:
        return moment
    return text("show.received_unknown", lang, day=moment[:10])


def _shown_person(name: str | None, phone: str | None, value: str | None, lang: str) -> str:
    if name == "" and phone == "":
        return text("show.anonymous", lang)
    return value or ("-" if value == "" else text("show.erased", lang))


def _external_rows(outside: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The ticket number and deadline another system gave an imported complaint."""
    rows = [("ticket", outside["ticket"] or "-")]
    if outside["due"] is not None:
        due = local_due(datetime.fromisoformat(outside["due"]))  # a midnight is 24:00
        versus = outside["versus_resolve_due"]
        if versus is not None:
            due = text(f"show.external.{versus}", lang, due=due)
        rows.append(("external_due", due))
    elif outside.get("limit") is not None:  # a clock from a receipt of unknown time
        rows.append(("external_due", text("show.external.unknown", lang, limit=outside["limit"])))
    return rows
