"""``complaintctl policy``: show and load SLA policy versions."""

from __future__ import annotations

from pathlib import Path

import typer

from complaintctl.cli import render
from complaintctl.cli.context import BY_OPTION, JSON_OPTION, actor, read_text, state
from complaintctl.cli.say import say

app = typer.Typer(no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    site: str | None = typer.Option(None, "--site"),
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.policy.show in messages/zh.py, en.py
    ledger = state(ctx).ledger()
    version = ledger.policy_version(None if site is None else ledger.known_site(site))
    policy = ledger.policy(version)
    if as_json:
        render.print_json({"version": version, **policy.to_dict()})
        return
    say(ctx, "policy.shown_default" if version == 0 else "policy.shown", version=version)
    typer.echo(policy.text.rstrip("\n"))


@app.command("load")
def load(
    ctx: typer.Context,
    file: Path = typer.Argument(...),
    site: str | None = typer.Option(None, "--site"),
    by: str | None = BY_OPTION,
) -> None:
    # --help: help.policy.load in messages/zh.py, en.py
    text = read_text(file)
    from complaintctl.workflow import admin

    version, policy = admin.load_policy(state(ctx).ledger(), actor(None, by), text, site)
    if site is not None:
        say(
            ctx,
            "policy.loaded_for_site",
            version=version,
            name=policy.name,
            site=site.strip().upper(),
        )
    else:
        say(ctx, "policy.loaded", version=version, name=policy.name)
