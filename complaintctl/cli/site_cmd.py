"""``complaintctl site``: the sites (项目 / 服务中心) of a ledger (issue 21)."""

from __future__ import annotations

import typer

from complaintctl.cli import render
from complaintctl.cli.context import BY_OPTION, JSON_OPTION, actor, state
from complaintctl.cli.say import say
from complaintctl.domain.timeutil import from_epoch, iso

app = typer.Typer(no_args_is_help=True)

CODE = typer.Argument(...)


@app.command("add")
def add(
    ctx: typer.Context,
    code: str = CODE,
    name: str = typer.Option(..., "--name"),
    by: str | None = BY_OPTION,
) -> None:
    # --help: help.site.add in messages/zh.py, en.py
    from complaintctl.workflow.sites import add_site

    done = add_site(state(ctx).ledger(), actor(None, by), code, name)
    say(ctx, "site.added", code=done, name=name.strip())


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    # --help: help.site.list in messages/zh.py, en.py
    from complaintctl.workflow.sites import site_rows

    st = state(ctx)
    rows = site_rows(st.ledger())
    if as_json:
        render.print_json(
            [
                {**r, "added_at": iso(from_epoch(int(a))) if (a := r["added_at"]) else None}
                for r in rows
            ]
        )
        return
    t = render.table(*(render.h(k, st.lang) for k in ("site", "site_name", "count", "open")))
    for r in rows:
        mark = "*" if r["default"] else ""
        t.add_row(f"{r['code']}{mark}", str(r["name"]), f"{r['complaints']:,}", f"{r['open']:,}")
    render.emit(t)


@app.command("default")
def default(ctx: typer.Context, code: str = CODE, by: str | None = BY_OPTION) -> None:
    # --help: help.site.default in messages/zh.py, en.py
    from complaintctl.workflow.sites import set_default

    done = set_default(state(ctx).ledger(), actor(None, by), code)
    say(ctx, "site.default", code=done)
