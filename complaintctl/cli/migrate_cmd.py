"""``migrate --to``: copy this ledger (a centre's file, or its backup) onto a PostgreSQL
server (issue 21)."""

from __future__ import annotations

import typer

from complaintctl.cli import render
from complaintctl.cli.context import JSON_OPTION, state
from complaintctl.domain.errors import IntegrityFailure


def migrate(
    ctx: typer.Context,
    to: str = typer.Option(
        ...,
        "--to",
        help="The ledger to copy into, e.g. postgresql://owner@host/dbname (empty, or an "
        "earlier copy of this ledger).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Copy this ledger's events (with their chain), complaints, personal data, policies and
    notices into another ledger, verifying both; run again, it copies only what is new."""
    from complaintctl.store.backend import open_ledger
    from complaintctl.store.copy import copy_ledger

    source = state(ctx).ledger(follow=False)
    target = open_ledger(to)
    try:
        copied = copy_ledger(source, target)
    finally:
        target.close()
    if as_json:
        render.print_json({"from": str(source.path), "to": str(target.path), **copied.to_json()})
    else:
        for difference in copied.target.differences:
            typer.echo(str(difference))
        typer.echo(
            f"copied {copied.events} events, {copied.complaints} complaints, "
            f"{copied.policies} policies, {copied.notices} notices to {target.path}"
        )
        typer.echo(f"source: {copied.source.summary()}")
        typer.echo(f"copy:   {copied.target.summary()}")
    if not copied.target.ok:
        raise IntegrityFailure(
            f"the copy at {target.path} does not verify: {copied.target.summary()}"
        )


def register(app: typer.Typer) -> None:
    """Add ``migrate`` to ``app``."""
    app.command("migrate")(migrate)
