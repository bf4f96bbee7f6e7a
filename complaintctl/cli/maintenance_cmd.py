"""``verify``, ``backup`` and ``purge-personal`` (issue 4)."""

from __future__ import annotations

from pathlib import Path

import typer

from complaintctl.cli import render
from complaintctl.cli.context import BY_OPTION, JSON_OPTION, actor, state
from complaintctl.cli.say import say
from complaintctl.domain.errors import IntegrityFailure


def verify(
    ctx: typer.Context,
    anchor: list[str] | None = typer.Option(
        None,
        "--anchor",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.verify in messages/zh.py, en.py
    from complaintctl.store import verify as check

    ledger = state(ctx).ledger(follow=False)
    report = check.verify_ledger(ledger, anchor or ())
    if as_json:
        render.print_json(report.to_json())
    else:
        for difference in report.differences:
            say(ctx, difference.line)
        if report.ok:
            say(ctx, report.summary())
            for chain in report.chain_lines():
                say(ctx, chain)
    if not report.ok:
        summary = report.summary()
        raise IntegrityFailure(summary.key, **summary.params)


def backup(
    ctx: typer.Context,
    dest: Path = typer.Argument(...),
    force: bool = typer.Option(False, "--force"),
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.backup in messages/zh.py, en.py
    from complaintctl.store import verify as check

    ledger = state(ctx).ledger(follow=False)
    report = check.backup(ledger, dest, force=force)
    if as_json:
        render.print_json({"dest": str(dest), **report.to_json()})
    elif report.ok:
        say(ctx, "backup.written", dest=dest, summary=report.summary())
    else:
        for difference in report.differences:
            say(ctx, difference.line)
    if not report.ok:
        raise IntegrityFailure(
            "maintenance_cmd.backup_not_written_the_copy_does",
            count=len(report.differences),
            path=ledger.path,
        )


def purge_personal(
    ctx: typer.Context,
    before: str = typer.Option(..., "--before"),
    dry_run: bool = typer.Option(False, "--dry-run"),
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.purge-personal in messages/zh.py, en.py
    from complaintctl.domain.timeutil import parse_date
    from complaintctl.workflow.retention import purge_personal as purge

    day = parse_date(before, "--before")
    who = actor(None, by)
    result = purge(state(ctx).ledger(), who, day, dry_run=dry_run)
    if as_json:
        render.print_json(result.to_json())
        return
    count = len(result.ids)
    if dry_run:
        say(ctx, "purge.would_erase", count=count, day=day)
    else:
        say(ctx, "purge.erased", count=count, day=day)
    if not result.wal_cleared:
        say(ctx, "purge.wal_note", err=True)


def register(app: typer.Typer) -> None:
    """Add ``verify``, ``backup`` and ``purge-personal`` to ``app``."""
    app.command("verify")(verify)
    app.command("backup")(backup)
    app.command("purge-personal")(purge_personal)
