"""What every command shares: the ledger path, the language, the acting user."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import typer

from complaintctl.domain.errors import InvalidInput

if TYPE_CHECKING:  # imported when a command first needs them, not at start-up
    from complaintctl.store.ledger import Ledger
    from complaintctl.workflow.actor import Actor


@dataclass
class State:
    db: Path | None = None
    lang: str = "zh"
    _ledger: Ledger | None = field(default=None, repr=False)
    # The shell's ledger, kept open between its commands (cli/shell.py checks it is current
    # before each one); a command on that file uses it and leaves it open.
    shared: ClassVar[Ledger | None] = None

    def ledger(self, *, follow: bool = True) -> Ledger:
        """The ledger, opened once.  After a ``holidays`` upgrade the first command that
        opens it recomputes what the new package changes, unless ``follow`` is False
        (``verify`` and ``backup`` look at the ledger as it is).
        Inside the shell, the session's ledger kept open (``State.shared``)."""
        shared = State.shared
        if shared is not None and self._ledger is None and shared.path == self.path():
            return shared
        if self._ledger is None:
            from complaintctl.store.ledger import Ledger

            self._ledger = Ledger.open(self.db)
            if follow and self._ledger.calendar_outdated():  # the package changed: once
                _follow_package(self._ledger)
        return self._ledger

    def path(self) -> Path:
        from complaintctl.store.ledger import default_path

        return Path(self.db).expanduser() if self.db is not None else default_path()

    def close(self) -> None:
        """Close the ledger when the command ends, not whenever garbage collection runs."""
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


def _follow_package(ledger: Ledger) -> None:
    """The ``holidays`` package changed since the calendar was cached: recompute the
    deadlines the new package changes (once, each an event) and say so on stderr."""
    from complaintctl.workflow import admin  # start-up: only after a package upgrade

    done = admin.follow_package(ledger, actor(None, None))
    if done is not None:
        reason, outcome = done
        from complaintctl.cli.say import line

        summary = line(None, outcome.summary()).replace("\n", "; ")
        typer.echo(f"complaintctl: {reason}; {summary}", err=True)


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = State()
        ctx.find_root().obj = obj
    return obj


def default_user() -> str:
    env = os.environ.get("COMPLAINTCTL_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def actor(at: str | None, by: str | None, late_reason: str | None = None) -> Actor:
    from complaintctl.domain.timeutil import parse_time
    from complaintctl.workflow.actor import Actor

    moment: datetime | None = parse_time(at) if at is not None else None
    return Actor.make(by if by is not None else default_user(), moment, late_reason=late_reason)


MAX_TEXT_FILE = 1 << 20  # a policy or a holiday notice is a few KB; /dev/zero is endless


def read_text(path: Path, field: str = "FILE") -> str:
    """A text file given on the command line (UTF-8, a BOM allowed, at most 1 MiB), or one
    clear error."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_TEXT_FILE + 1)
        if len(raw) > MAX_TEXT_FILE:
            raise InvalidInput(
                field, "context.is_larger_than_kib_not_a", path=path, value=MAX_TEXT_FILE // 1024
            )
        return raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InvalidInput(field, "context.cannot_read", path=path, reason=reason) from exc


AT_OPTION = typer.Option(
    None, "--at", help="When it happened (default now), e.g. '2026-11-22 14:30'; local time."
)
LATE_OPTION = typer.Option(
    None,
    "--late-entry-reason",
    help="Why the step is recorded long after --at (补录), e.g. '纸质登记本补录'.",
)
BY_OPTION = typer.Option(None, "--by", help="Staff member (default $COMPLAINTCTL_USER or login).")
JSON_OPTION = typer.Option(False, "--json", help="Print JSON for machines.")
