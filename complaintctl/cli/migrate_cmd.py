"""``migrate --to``: copy this ledger (a centre's file, or its backup) onto a PostgreSQL
server, whole or (``--site``) into one site of it (issue 21)."""

from __future__ import annotations

import typer

from complaintctl.cli import render
from complaintctl.cli.context import JSON_OPTION, state
from complaintctl.cli.say import say
from complaintctl.domain.errors import IntegrityFailure, InvalidInput


def migrate(
    ctx: typer.Context,
    to: str = typer.Option(
        ...,
        "--to",
    ),
    site: str | None = typer.Option(
        None,
        "--site",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.migrate in messages/zh.py, en.py
    from complaintctl.store.backend import is_url, open_ledger
    from complaintctl.store.copy import copy_ledger
    from complaintctl.store.ledger import SCHEMES

    if not is_url(to):  # a centre moves onto a server; a copy of a file is `backup`
        raise InvalidInput("--to", "copy.to_is_not_a_server", accepted=SCHEMES)
    source = state(ctx).ledger(follow=False)
    target = open_ledger(to)
    try:
        if site is None:
            copied = copy_ledger(source, target)
        else:
            from complaintctl.store.sitecopy import copy_into_site

            copied = copy_into_site(source, target, site)
    finally:
        target.close()
    if as_json:
        render.print_json({"from": str(source.path), "to": str(target.path), **copied.to_json()})
    else:
        for difference in copied.target.differences:
            say(ctx, difference.line)
        say(
            ctx,
            "copy.copied",
            events=copied.events,
            complaints=copied.complaints,
            policies=copied.policies,
            notices=copied.notices,
            target=target.path,
        )
        say(ctx, "copy.source", summary=copied.source.summary())
        say(ctx, "copy.copy", summary=copied.target.summary())
    if not copied.target.ok:
        raise IntegrityFailure(
            "copy.copy_does_not_verify", path=target.path, summary=copied.target.summary()
        )


def register(app: typer.Typer) -> None:
    """Add ``migrate`` to ``app``."""
    app.command("migrate")(migrate)
