"""``complaintctl shell``: the duty desk's interactive session (值班台).

Each line is one command of this program, run by the same click group as on the command line,
so output, languages and exit codes are the same.  Every command reads the ledger afresh:
writes made by other terminals are seen at once.  The session keeps the ledger file open
between commands and checks before each one that nothing it caches has changed
(``Session._share_ledger``).

On a terminal the line editor is prompt_toolkit: history in a per-user file (mode 0600),
completion of commands, options and their values (cli/complete.py), Ctrl-C cancels the line,
Ctrl-D leaves.  With standard input not a terminal, it reads one command per line and exits
with the highest exit code it met.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import typer

from complaintctl.cli import complete
from complaintctl.cli.context import State, state
from complaintctl.domain.messages import text

PROMPT = "complaintctl> "
LEAVE = ("exit", "quit")
ENV_HISTORY = "COMPLAINTCTL_HISTORY"
# Parameters of the command line that the shell's own session fixes.
_ROOT_ONLY = ("--install-completion", "--show-completion", "--version")
# What the shell's kept ledger must see unchanged to stay current (see Session._share_ledger).
_CURRENT = (
    "SELECT (SELECT max(id) FROM notices), (SELECT max(version) FROM policies), "
    "(SELECT user_version FROM pragma_user_version)"
)


class Session:
    """Runs lines against the root command with the session's --db, --lang and --site."""

    def __init__(
        self, root: Any, db: str | Path | None, lang: str, site: str | None = None
    ) -> None:
        self.root = root
        self.db = db
        self.lang = lang
        self.site = site
        self._ledger: Any = None
        self._key: tuple[Any, ...] = ()

    def _share_ledger(self) -> None:
        """Keep the ledger open between commands (closing the last connection checkpoints the
        WAL: most of a short command's time), yet read it afresh: every query sees the latest
        commit, policies are cached by their immutable version, and the one cache that could
        go stale, the working-day calendar, is dropped with the connection whenever a notice
        was loaded, a policy or the schema changed, or the file was replaced."""
        from complaintctl.store.ledger import Ledger

        path = State(db=self.db).path()
        try:
            st = path.stat()
            key: tuple[Any, ...] = (st.st_dev, st.st_ino)
            if self._ledger is not None and self._key[:2] == key:
                key += tuple(self._ledger.conn.execute(_CURRENT).fetchone())
                if key == self._key:
                    return
            self.close()
            if not path.is_file():
                return  # the command makes the ledger and reports what went wrong
            self._ledger = Ledger.open(path)
            self._key = key + tuple(self._ledger.conn.execute(_CURRENT).fetchone())
            State.shared = self._ledger
        except Exception:  # the command opens the ledger itself and reports what went wrong
            self.close()

    def close(self) -> None:
        State.shared = None
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
            self._key = ()

    @property
    def prefix(self) -> list[str]:
        args = ["--lang", self.lang] + (["--site", self.site] if self.site is not None else [])
        return (["--db", str(self.db)] if self.db is not None else []) + args

    def run_line(self, line: str) -> int | None:
        """Run one line; its exit code, or None for a line that leaves the session."""
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            typer.echo(text("cli.error", self.lang, message=shell_error(exc, self.lang)), err=True)
            return 2
        if not words:
            return 0
        if words[0] in LEAVE:
            return None
        if words[0] == "help":
            words = [*words[1:], "--help"]
        if words[0] in _ROOT_ONLY or self._is_shell(words[0]):
            message = text("cli.not_in_shell", self.lang, command=words[0])
            typer.echo(text("cli.error", self.lang, message=message), err=True)
            return 2
        return self.run(words)

    def run(self, words: list[str]) -> int:
        self._share_ledger()
        try:
            rv = self.root.main(
                [*self.prefix, *words], prog_name="complaintctl", standalone_mode=False
            )
        except SystemExit as exc:  # a command that exits on its own
            rv = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except KeyboardInterrupt:
            typer.echo(
                text("cli.error", self.lang, message=text("cli.aborted", self.lang)), err=True
            )
            rv = 130
        except Exception as exc:  # an error never ends the session
            message = text("cli.internal_error", self.lang, error=type(exc).__name__, detail=exc)
            typer.echo(text("cli.error", self.lang, message=message), err=True)
            rv = 1
        finally:
            if self._ledger is not None and self._ledger.conn.in_transaction:
                self._ledger.conn.rollback()  # nothing half-done is left for the next command
        sys.stdout.flush()
        return rv if isinstance(rv, int) else 0

    def _is_shell(self, word: str) -> bool:
        try:
            return bool(self.root.resolve_name(typer.Context(self.root), word) == "shell")
        except Exception:
            return False


def run_lines(session: Session, lines: Iterable[str]) -> int:
    """The non-interactive mode: every line in turn; the highest exit code met."""
    worst = 0
    for line in lines:
        code = session.run_line(line)
        if code is None:
            break
        worst = max(worst, code)
    return worst


# -- completion ------------------------------------------------------------------------------
def candidates(session: Session, text: str) -> tuple[str, list[tuple[str, str]]]:
    """What may follow ``text`` (the line up to the cursor): the word being completed and
    (value, note) pairs for it."""
    try:
        words = shlex.split(text)
    except ValueError:  # inside an open quote: complete the quoted word
        words = shlex.split(text + '"')
    incomplete = "" if not text or text[-1].isspace() or not words else words.pop()
    root = session.root
    ctx = typer.Context(root)
    if not words:
        names = [(n, _short(root.get_command(ctx, n))) for n in root.list_commands(ctx)]
        names += [(a, f"= {t}") for a, t in root.aliases.items()]
        names += [(w, "") for w in (*LEAVE, "help")]
        return incomplete, complete.matching(names, incomplete)
    try:
        command = root.get_command(ctx, root.resolve_name(ctx, words[0]))
    except Exception:
        return incomplete, []
    rest = words[1:]
    while command is not None and hasattr(command, "list_commands"):  # calendar, policy
        if not rest:
            subs = [(n, _short(command.get_command(ctx, n))) for n in command.list_commands(ctx)]
            return incomplete, complete.matching(subs, incomplete)
        try:
            name = command.resolve_name(ctx, rest[0])  # a prefix, as the group accepts it
        except Exception:
            return incomplete, []
        command, rest = command.get_command(ctx, name), rest[1:]
    if command is None:
        return incomplete, []
    offered = _for_command(session, command, rest, incomplete)
    return incomplete, complete.matching(offered, incomplete)


def _for_command(
    session: Session, command: Any, rest: list[str], incomplete: str
) -> list[tuple[str, str]]:
    options = {opt: p for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    if rest and rest[-1] in options and _takes_value(options[rest[-1]]):
        kind = complete.kind_of(options[rest[-1]])
        return complete.values(kind, session.db, session.lang) if kind else []
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    given = _positionals(rest, options)
    offered: list[tuple[str, str]] = []
    variadic = bool(arguments) and arguments[-1].nargs == -1  # show 3 7 12
    if (given < len(arguments) or variadic) and not incomplete.startswith("-"):
        kind = complete.kind_of(arguments[min(given, len(arguments) - 1)])
        if kind:
            offered += complete.values(kind, session.db, session.lang)
    if not offered or incomplete.startswith("-"):
        used = set(rest)
        for p in command.params:
            if p.param_type_name == "option" and not used.intersection(p.opts):
                offered += [(opt, (p.help or "").split("\n")[0]) for opt in p.opts]
                offered += [(opt, "") for opt in p.secondary_opts]
        offered.append(("--help", ""))
    return offered


def _takes_value(param: Any) -> bool:
    return not (getattr(param, "is_flag", False) or getattr(param, "count", False))


def _positionals(rest: list[str], options: dict[str, Any]) -> int:
    count = 0
    skip = False
    for word in rest:
        if skip:
            skip = False
        elif word in options:
            skip = _takes_value(options[word])
        elif not word.startswith("-"):
            count += 1
    return count


def _short(command: Any) -> str:
    return str(command.get_short_help_str(60)) if command is not None else ""


# -- the terminal ----------------------------------------------------------------------------
def history_path() -> Path:
    env = os.environ.get(ENV_HISTORY)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path  # start-up: only when the shell starts

    return user_data_path("complaintctl", appauthor=False) / "shell_history"


def private_file(path: Path) -> Path:
    """The history file, created or tightened to mode 0600 (what is typed holds names and
    phone numbers: the user's own); a new folder for it is 0700."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
    if path.stat().st_mode & 0o777 != 0o600:
        path.chmod(0o600)
    return path


def interactive(session: Session, history: Path) -> int:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer, Completion
    from prompt_toolkit.history import FileHistory

    class _Completer(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Iterator[Completion]:
            word, pairs = candidates(session, document.text_before_cursor)
            for value, note in pairs:
                yield Completion(
                    shlex.quote(value) if value != word and " " in value else value,
                    start_position=-len(word),
                    display_meta=note or None,
                )

    prompt: PromptSession[str] = PromptSession(
        history=FileHistory(str(private_file(history))),
        completer=_Completer(),
        complete_while_typing=False,
    )
    typer.echo(text("shell.welcome", session.lang))
    while True:
        try:
            line = prompt.prompt(PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            return 0
        if session.run_line(line) is None:
            return 0


def shell(
    ctx: typer.Context,
    history: Path | None = typer.Option(
        None,
        "--history",
        metavar="<path>",
    ),
) -> None:
    # --help: help.shell in messages/zh.py, en.py
    st = state(ctx)
    session = Session(ctx.find_root().command, st.db, st.lang, st.site)
    try:
        if sys.stdin.isatty():
            code = interactive(session, history or history_path())
        else:
            code = run_lines(session, sys.stdin)
    finally:
        session.close()
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("shell")(shell)


def shell_error(exc: ValueError, lang: str) -> str:
    """shlex's complaint about a line (a quote left open), in the language."""
    if str(exc) == "No closing quotation":
        return text("shell.open_quote", lang)
    return text("cli.unreadable_line", lang, error=exc)
