"""Putting mistakes right at the desk: edit (correct an entry) and cancel (作废)."""

from __future__ import annotations

import typer

from complaintctl.cli.complaints import ID, _emit
from complaintctl.cli.context import AT_OPTION, BY_OPTION, JSON_OPTION, actor, resolve_id, state


def edit(
    ctx: typer.Context,
    complaint_id: str = ID,
    reason: str | None = typer.Option(None, "--reason"),
    name: str | None = typer.Option(None, "--name"),
    phone: str | None = typer.Option(None, "--phone"),
    unit: str | None = typer.Option(None, "--unit"),
    location: str | None = typer.Option(None, "--location"),
    description: str | None = typer.Option(None, "--description"),
    channel: str | None = typer.Option(None, "--channel"),
    received_at: str | None = typer.Option(None, "--received-at"),
    at: str | None = AT_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.edit in messages/zh.py, en.py
    from complaintctl.workflow import corrections

    who = actor(at, by)
    c = corrections.edit(
        state(ctx).ledger(),
        who,
        resolve_id(ctx, complaint_id),
        reason=reason,
        name=name,
        phone_number=phone,
        unit=unit,
        location=location,
        description=description,
        channel=channel,
        received_at=received_at,
    )
    _emit(ctx, c, as_json, "corrected")


def cancel(
    ctx: typer.Context,
    complaint_id: str = ID,
    reason: str | None = typer.Option(None, "--reason"),
    at: str | None = AT_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    # --help: help.cancel in messages/zh.py, en.py
    from complaintctl.workflow import corrections

    who = actor(at, by)
    c = corrections.cancel(state(ctx).ledger(), who, resolve_id(ctx, complaint_id), reason=reason)
    _emit(ctx, c, as_json, "cancelled")


def register(app: typer.Typer) -> None:
    app.command("edit")(edit)
    app.command("cancel")(cancel)
