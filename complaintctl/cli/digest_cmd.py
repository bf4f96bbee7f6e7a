"""``digest``, ``escalate`` and ``link``: the cron watch (issue 5).  See docs/digest.md."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from complaintctl.cli import digest_send, render
from complaintctl.cli.context import (
    AT_OPTION,
    BY_OPTION,
    JSON_OPTION,
    LATE_OPTION,
    SITES_OPTION,
    actor,
    resolve_id,
    sites_of,
    state,
)
from complaintctl.cli.say import say
from complaintctl.domain import sites
from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.messages import Msg, Term, text
from complaintctl.reports.digest_text import Texts, json_chunks, markdown, plain
from complaintctl.store.outfile import check_output, replacing

if TYPE_CHECKING:
    from complaintctl.store.ledger import Ledger
    from complaintctl.workflow.actor import Actor
    from complaintctl.workflow.escalation import Action

FORMATS = ("text", "markdown", "json")
_UNASSIGNED_INPUT = ("未派单", "unassigned", "none")


# -- digest ---------------------------------------------------------------------------------
def digest(
    ctx: typer.Context,
    as_of: str | None = typer.Option(
        None,
        "--as-of",
    ),
    due_within: str | None = typer.Option(None, "--due-within"),
    fmt: str = typer.Option("text", "--format"),
    as_json: bool = typer.Option(False, "--json"),
    output: Path | None = typer.Option(None, "--output"),
    department: str | None = typer.Option(None, "--department"),
    fail_on_breach: bool = typer.Option(False, "--fail-on-breach"),
    send: bool = typer.Option(
        False,
        "--send",
    ),
    dry_run: bool = typer.Option(False, "--dry-run"),
    max_messages: int | None = typer.Option(
        None,
        "--max-messages",
        min=1,
        metavar="N",
    ),
    kind: str | None = typer.Option(None, "--kind"),
    site: list[str] | None = SITES_OPTION,
) -> None:
    # --help: help.digest in messages/zh.py, en.py
    from complaintctl.domain.timeutil import now, parse_time, to_epoch
    from complaintctl.domain.vocab import KIND
    from complaintctl.reports.asof import ledger_as_of
    from complaintctl.reports.digest import find, horizon
    from complaintctl.time.deadlines import parse_duration

    fmt = "json" if as_json else fmt.strip().lower()
    if fmt not in FORMATS:
        raise InvalidInput("--format", "digest_cmd.unknown_format", accepted=FORMATS, fmt=fmt)
    record_kind = KIND.parse(kind) if kind is not None else None
    moment = to_epoch(parse_time(as_of, "--as-of")) if as_of else to_epoch(now())
    within = parse_duration(due_within, "--due-within") if due_within else None
    st = state(ctx)
    ledger = st.ledger()
    if output is not None:
        check_output(output, ledger.path)
    for flag, given in (("--dry-run", dry_run), ("--max-messages", max_messages is not None)):
        if given and not send:
            raise InvalidInput(flag, "digest_cmd.only_with_send")
    robots = digest_send.load(ledger) if send else None
    name, unassigned = _department(ledger, department)
    until = horizon(ledger, moment, within) if within is not None else None
    with ledger_as_of(ledger, moment if as_of else None):
        found = find(
            ledger,
            moment,
            until=until,
            department=name,
            unassigned=unassigned,
            names=fmt == "json",
            kind=record_kind,
            sites=sites_of(ctx, site),
        )
    failed: list[Msg] = []
    if robots is not None and (found or dry_run):
        texts = Texts(ledger.calendar(), st.lang, found)  # checks every date first
        messages, failed = digest_send.plan(ledger, found, texts, robots, max_messages)
        if dry_run:  # every robot, even one with nothing to send, and what no robot gets
            digest_send.dry_run(messages, failed, st.lang)
            return
        failed = digest_send.failures(digest_send.send(messages), failed)
    if found and (robots is None or failed or output is not None):
        if fmt == "json":
            chunks = json_chunks(found)
        else:
            texts = Texts(ledger.calendar(), st.lang, found)  # checks every date first
            if fmt == "markdown":
                chunks = markdown(found, texts)
            else:
                colour = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
                # a terminal's width: lines that fit it (off one, every cell whole)
                width = render.page_width() if output is None and render.is_terminal() else None
                chunks = plain(found, texts, colour=colour, width=width)
        _write(chunks, output, ledger.path)
    for one in failed:
        say(ctx, "digest_send.failed", line=one, err=True)
    if failed:
        raise typer.Exit(digest_send.EXIT_NOT_DELIVERED)
    if fail_on_breach and found.breached:
        raise typer.Exit(3)


def _department(ledger: Ledger, value: str | None) -> tuple[str | None, bool]:
    from complaintctl.workflow.steps import department

    if value is None:
        return None, False
    if value.strip().lower() in _UNASSIGNED_INPUT:
        return None, True
    return department(ledger.policy(), value), False


def _write(chunks: Iterator[str], output: Path | None, ledger: Path) -> None:
    """Stream the digest to stdout, or into the temporary file that then replaces ``output``."""
    if output is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        return
    with (
        replacing(output, ledger=ledger) as temp,
        open(temp, "w", encoding="utf-8", newline="") as fh,
    ):
        for chunk in chunks:
            fh.write(chunk)


# -- escalate -------------------------------------------------------------------------------
def escalate(
    ctx: typer.Context,
    as_of: str | None = typer.Option(None, "--as-of"),
    dry_run: bool = typer.Option(False, "--dry-run"),
    site: list[str] | None = SITES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.escalate in messages/zh.py, en.py
    from complaintctl.domain.timeutil import from_epoch, iso, not_future, now, parse_time, to_epoch
    from complaintctl.workflow import escalation

    reference = now()
    moment = parse_time(as_of, "--as-of") if as_of else reference
    if not dry_run:
        moment = not_future(moment, reference, "--as-of")
    st = state(ctx)
    codes = sites_of(ctx, site)
    actions = escalation.run(st.ledger(), to_epoch(moment), dry_run=dry_run, sites=codes)
    if as_json:
        from complaintctl.cli import render

        render.print_json(
            {
                "as_of": iso(from_epoch(to_epoch(moment))),
                "dry_run": dry_run,
                "escalations": [a.to_json() for a in actions],
            }
        )
        return
    if not actions:
        return
    lang = st.lang
    if dry_run:
        typer.echo(text("escalate.dry_run", lang))
    for a in actions:
        typer.echo(_action_line(st.ledger(), a, lang))


def _action_line(ledger: Ledger, a: Action, lang: str) -> str:
    from complaintctl.cli import render
    from complaintctl.workflow.escalation import LEVEL_LABELS

    effects = []
    if "severity" in a.data:
        before = render.label("severity", a.before.severity, lang)
        after = render.label("severity", a.data["severity"], lang)
        effects.append(text("escalate.effect.severity", lang, before=before, after=after))
    if a.after.escalation_level != a.before.escalation_level:
        code = a.after.escalation_level or ""
        level = Term(code, LEVEL_LABELS.get(code, code))
        effects.append(text("escalate.effect.level", lang, level=level))
    if "collective_of" in a.data:
        cid = ledger.ref(a.data["collective_of"])
        effects.append(text("escalate.effect.collective", lang, id=cid))
    sep, end = text("common.comma", lang), text("common.sep", lang)
    head = f"#{ledger.ref(a.complaint_id)} {a.reason_code}: "
    return head + (sep.join(effects) + end if effects else "") + str(a.data["reason"])


# -- link -----------------------------------------------------------------------------------
def link(
    ctx: typer.Context,
    main_id: str = typer.Argument(..., metavar="ID"),
    other_id: str | None = typer.Argument(None, metavar="OTHER"),
    about_ref: str | None = typer.Option(
        None,
        "--about",
    ),
    at: str | None = AT_OPTION,
    late_reason: str | None = LATE_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.link in messages/zh.py, en.py
    from complaintctl.workflow import linking

    who = actor(at, by, late_reason)
    st = state(ctx)
    ledger = st.ledger()
    main = resolve_id(ctx, main_id)
    site = sites.site_of(main)  # a plain OTHER or --about is a number of ID's site
    other = None if other_id is None else ledger.complaint_id(other_id, site, "OTHER")
    about = None if about_ref is None else ledger.complaint_id(about_ref, site, "--about")
    if about is not None:
        _link_about(ctx, main, other, about, who, as_json)
        return
    if other is None:
        raise InvalidInput("OTHER", "digest_cmd.give_the_duplicate_s_number_or")
    c = linking.link(ledger, who, main, other)
    if as_json:
        from complaintctl.cli import render
        from complaintctl.domain.timeutil import now, to_epoch
        from complaintctl.reports.display import complaint_json

        personal = ledger.personal(c.id)
        render.print_json(complaint_json(ledger, c, to_epoch(now()), personal=personal))
        return
    typer.echo(text("link.done", st.lang, id=ledger.ref(c.id), main=ledger.ref(main)))


def _link_about(
    ctx: typer.Context,
    complaint_id: int,
    other_id: int | None,
    about: int,
    who: Actor,
    as_json: bool,
) -> None:
    from complaintctl.cli import render
    from complaintctl.domain.timeutil import now, to_epoch
    from complaintctl.reports.display import complaint_json
    from complaintctl.workflow.about import link_about

    if other_id is not None:
        raise InvalidInput("--about", "digest_cmd.give_either_other_a_duplicate_or")
    st = state(ctx)
    ledger = st.ledger()
    c = link_about(ledger, who, complaint_id, about)
    if as_json:
        personal = ledger.personal(c.id)
        render.print_json(complaint_json(ledger, c, to_epoch(now()), personal=personal))
    else:
        typer.echo(text("link.about_done", st.lang, id=ledger.ref(c.id), about=ledger.ref(about)))


def register(app: typer.Typer) -> None:
    """Add ``digest``, ``escalate`` and ``link`` to ``app``."""
    app.command("digest")(digest)
    app.command("escalate")(escalate)
    app.command("link")(link)
