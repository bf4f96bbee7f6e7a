"""Putting mistakes right at the desk: edit (correct an entry) and cancel (作废)."""

from __future__ import annotations

import typer

from complaintctl.cli.complaints import ID, _emit
from complaintctl.cli.context import AT_OPTION, BY_OPTION, JSON_OPTION, actor, resolve_id, state


def edit(
    ctx: typer.Context,
    complaint_id: str = ID,
    reason: str | None = typer.Option(
        None, "--reason", help="Why the correction (required), e.g. 录入错误."
    ),
    name: str | None = typer.Option(None, "--name", help="Complainant's name."),
    phone: str | None = typer.Option(None, "--phone", help="Contact phone."),
    unit: str | None = typer.Option(None, "--unit", help="房号 or 铺位号."),
    location: str | None = typer.Option(None, "--location", help="Where the problem is."),
    description: str | None = typer.Option(None, "--description", help="What it is about."),
    channel: str | None = typer.Option(
        None, "--channel", help="电话 phone, 来访 visit, 网络 online, 信函 letter, 转办 relay, …"
    ),
    received_at: str | None = typer.Option(
        None, "--received-at", help="When it was really received; recomputes every deadline."
    ),
    at: str | None = AT_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Correct what was typed at registration (更正), in any state; the log keeps both."""
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
    reason: str | None = typer.Option(
        None, "--reason", help="Why it was an error (required): 重复录入, 测试, 非投诉."
    ),
    at: str | None = AT_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Cancel an entry made in error (作废) until it is closed; a duplicate is linked instead."""
    from complaintctl.workflow import corrections

    who = actor(at, by)
    c = corrections.cancel(state(ctx).ledger(), who, resolve_id(ctx, complaint_id), reason=reason)
    _emit(ctx, c, as_json, "cancelled")


def register(app: typer.Typer) -> None:
    app.command("edit")(edit)
    app.command("cancel")(cancel)
