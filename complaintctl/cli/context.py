"""What every command shares: the ledger path, the language, the acting user."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from complaintctl.domain.errors import InvalidInput

if TYPE_CHECKING:  # imported when a command first needs them, not at start-up
    import typer

    from complaintctl.store.ledger import Ledger
    from complaintctl.workflow.actor import Actor


@dataclass
class State:
    db: str | Path | None = None  # a file, or a postgresql:// URL
    lang: str = "zh"
    site: str | None = None  # the global --site (issue 21): the site of ids and new complaints
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
            shared._sites = None  # sites added from another terminal: read once per command
            return shared
        if self._ledger is None:
            from complaintctl.store.backend import open_ledger

            self._ledger = open_ledger(self.db)
            if follow and self._ledger.calendar_outdated():  # the package changed: once
                _follow_package(self._ledger, self.lang)
        return self._ledger

    def path(self) -> Path:
        from complaintctl.store.ledger import default_path

        return Path(self.db).expanduser() if self.db is not None else default_path()

    def close(self) -> None:
        """Close the ledger when the command ends, not whenever garbage collection runs."""
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


def _follow_package(ledger: Ledger, lang: str) -> None:
    """The ``holidays`` package changed since the calendar was cached: recompute the
    deadlines the new package changes (once, each an event) and say so on stderr."""
    from complaintctl.workflow import admin  # start-up: only after a package upgrade

    done = admin.follow_package(ledger, actor(None, None))
    if done is not None:
        reason, outcome = done
        from complaintctl.domain.messages import render

        summary = outcome.summary()
        text = render(summary.key, summary.params, lang).replace(
            "\n", render("common.sep", {}, lang)
        )
        said = render(reason.key, {**reason.params, "summary": text}, lang)
        sys.stderr.write(render("cli.error", {"message": said}, lang) + "\n")


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = State()
        ctx.find_root().obj = obj
    return obj


def site_of(ctx: typer.Context, given: str | None = None) -> str:
    """The site of a command: its own --site, else the global one, else $COMPLAINTCTL_SITE,
    else the ledger's default site."""
    return site_for(state(ctx), given)


def site_for(st: State, given: str | None = None) -> str:
    """``site_of`` for a command run without Typer (cli/fast.py) or with it."""
    return st.ledger().site(given if given is not None else st.site)


def sites_of(ctx: typer.Context, given: list[str] | None) -> list[str] | None:
    """The sites a listing or report covers: each --site given (or the global one), else
    $COMPLAINTCTL_SITE, else None: every site."""
    return sites_for(state(ctx), given)


def sites_for(st: State, given: list[str] | None) -> list[str] | None:
    """``sites_of`` for a command run without Typer (cli/fast.py) or with it."""
    if not given and st.site is not None:
        given = [st.site]
    return st.ledger().site_filter(given)


def resolve_id(ctx: typer.Context, text: str, field: str = "ID") -> int:
    """The ledger's key of a complaint number as typed: ``YG-123``, or ``123`` of the site of
    the command (domain/sites.py)."""
    return key_for(state(ctx), text, field)


def key_for(st: State, text: str, field: str = "ID") -> int:
    """``resolve_id`` for a command run without Typer (cli/fast.py) or with it."""
    return st.ledger().complaint_id(text, st.site, field)


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


# The options several commands share, built when a command module asks for them: this module
# is also imported by the commands cli/fast.py runs without Typer (issue 17).
# Their help is the catalogue's (option.<name>, option.<command>.<name>), set by cli/helptext.py.
_SHARED_OPTIONS: dict[str, str] = {
    "AT_OPTION": "--at",
    "LATE_OPTION": "--late-entry-reason",
    "BY_OPTION": "--by",
    "JSON_OPTION": "--json",
    "SITE_OPTION": "--site",
    "SITES_OPTION": "--site",
}


def __getattr__(name: str) -> Any:
    """``AT_OPTION``, ``LATE_OPTION``, ``BY_OPTION``, ``JSON_OPTION``, ``SITE_OPTION``,
    ``SITES_OPTION``: Typer options."""
    if name not in _SHARED_OPTIONS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import typer  # start-up: only the Typer command modules ask, not cli/fast.py

    flag = _SHARED_OPTIONS[name]
    return typer.Option(False if flag == "--json" else None, flag)
