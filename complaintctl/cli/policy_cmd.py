"""``complaintctl policy``: show and load SLA policy versions."""

from __future__ import annotations

from pathlib import Path

import typer

from complaintctl.cli import render
from complaintctl.cli.context import BY_OPTION, JSON_OPTION, actor, read_text, state
from complaintctl.cli.say import say

app = typer.Typer(help="Show or load the SLA policy (时限政策).", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    site: str | None = typer.Option(
        None, "--site", help="The policy in force for this site (default: for every site)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Print the policy in force (its TOML, or --json)."""
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
    file: Path = typer.Argument(..., help="A policy TOML file."),
    site: str | None = typer.Option(
        None, "--site", help="For this site (项目) only (default: for every site)."
    ),
    by: str | None = BY_OPTION,
) -> None:
    """Validate a policy file and store it as a new version."""
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
