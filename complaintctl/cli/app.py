"""The ``complaintctl`` command: global options, one-line errors, exit codes."""

from __future__ import annotations

import sys
from typing import Any

import typer

from complaintctl import __version__
from complaintctl.cli import complete, helptext, outcome, usage
from complaintctl.cli.lazy import LazyGroup
from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.messages import text

# Typer >= 0.29 carries its own copy of click; reach its UsageError through public names.
UsageError: type[Exception] = typer.BadParameter.__mro__[1]


class _Group(LazyGroup):
    """Turns the core's exceptions and click's usage errors into one line on stderr."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        complete.attach_params(self)  # --lang; each command as it loads (prepare)

    def prepare(self, command: Any) -> None:
        complete.attach(command)
        helptext.apply(command, [command.name], helptext.current)

    def main(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        standalone = kwargs.pop("standalone_mode", True)
        lang = usage.chosen_lang(args[0] if args else kwargs.get("args"))
        helptext.current = lang
        helptext.apply(self, [], lang)
        try:
            kwargs["standalone_mode"] = False
            _check_arguments(args[0] if args else kwargs.get("args"))
            rv = super().main(*args, **kwargs)
        except UsageError as exc:
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
                typer.echo(ctx.get_help(), err=True)
            else:
                typer.echo(usage.message(exc, lang), err=True)
            rv = 2
        except outcome.FAILURES as exc:  # the core's, the ledger's: one line and a code
            rv = outcome.failure(exc, lang)
        except typer.Abort:
            _error(text("cli.aborted", lang), lang)
            rv = 130
        except BrokenPipeError:
            rv = 0
        if not standalone:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


def _error(message: str, lang: str) -> None:
    """``complaintctl: <message>`` on stderr, one line."""
    outcome.error(message, lang)


def _check_arguments(args: Any) -> None:
    """Refuse an argument that is not valid text in the terminal's encoding (a GBK terminal
    typing into a UTF-8 locale): one line naming the option, before anything is parsed."""
    argv = list(args) if args is not None else sys.argv[1:]
    for index, arg in enumerate(argv):
        if not isinstance(arg, str):
            continue
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError as exc:
            before = argv[index - 1] if index > 0 else ""
            option = before if isinstance(before, str) and before.startswith("-") else ""
            field = option or (arg if arg.startswith("-") else f"argument {index + 1}")
            raise InvalidInput(
                field.split("=", 1)[0], "app.not_valid_text_in_this_terminal"
            ) from exc


app = typer.Typer(
    cls=_Group,
    name="complaintctl",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"complaintctl {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
    ),
    lang: str = typer.Option("zh", "--lang", envvar="COMPLAINTCTL_LANG"),
    site: str | None = typer.Option(
        None,
        "--site",
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True),
) -> None:
    # --help: help.root in messages/zh.py, en.py
    from complaintctl.cli import context

    if lang not in ("zh", "en"):
        raise InvalidInput("--lang", "common.unknown_value", accepted=["zh", "en"], text=lang)
    ctx.obj = context.State(db=db, lang=lang, site=site)
    ctx.call_on_close(ctx.obj.close)


# Every command and the module that adds it, in the order of `--help`.  A module is imported
# only when one of its commands runs or help/completion needs it (cli/lazy.py).
_Group.lazy = {
    **{
        name: "complaintctl.cli.complaints:register_commands"
        for name in (
            "register",
            "classify",
            "assign",
            "update",
            "close",
            "followup",
            "reopen",
            "show",
            "list",
            "search",
        )
    },
    **{name: "complaintctl.cli.desk_cmd:register" for name in ("edit", "cancel")},
    **{name: "complaintctl.cli.digest_cmd:register" for name in ("digest", "escalate", "link")},
    "report": "complaintctl.cli.report_cmd:register",
    "import": "complaintctl.cli.io_cmd:register",
    "export": "complaintctl.cli.io_cmd:register",
    **{
        name: "complaintctl.cli.maintenance_cmd:register"
        for name in ("verify", "backup", "purge-personal")
    },
    "migrate": "complaintctl.cli.migrate_cmd:register",
    "calendar": "complaintctl.cli.calendar_cmd:app",
    "policy": "complaintctl.cli.policy_cmd:app",
    "site": "complaintctl.cli.site_cmd:app",
    "shell": "complaintctl.cli.shell:register",
}
_Group.aliases = {"ls": "list"}


def main() -> None:
    app()
