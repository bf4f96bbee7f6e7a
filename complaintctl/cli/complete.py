"""What the clerk would type next: the values of options and arguments, for the shell's
completer (cli/shell.py) and for bash, zsh and fish completion (``--install-completion``).

One table says which option takes which kind of value; ``values`` answers for a kind, reading
the ledger afresh each time (open complaints, the policy in force), from the file or the server
of ``--db``.  Completion never creates a ledger: without the file there are no ids, categories
or departments to offer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from complaintctl.domain.vocab import CHANNEL, NATURE, SEVERITY, STATUS, Enum

# Option name -> kind of value.  Arguments named like ``complaint_id`` complete open ids.
OPTION_KINDS = {
    "--channel": "channel",
    "--severity": "severity",
    "--nature": "nature",
    "--status": "status",
    "--category": "category",
    "--department": "department",
    "--handler": "handler",
    "--lang": "lang",
}
ID_ARGUMENTS = ("complaint_id", "complaint_ids", "main_id", "other_id")
ENUMS: dict[str, Enum] = {
    "channel": CHANNEL,
    "severity": SEVERITY,
    "nature": NATURE,
    "status": STATUS,
}
DESCRIPTION_CHARS = 16  # the start of the description shown beside an open id


def kind_of(param: Any) -> str | None:
    """The kind of value a click parameter takes, or None."""
    if getattr(param, "param_type_name", "") == "argument":
        return "id" if param.name in ID_ARGUMENTS else None
    for opt in getattr(param, "opts", ()):
        if opt in OPTION_KINDS:
            return OPTION_KINDS[opt]
    return None


def enum_values(enum: Enum, lang: str) -> list[tuple[str, str]]:
    """Every value in both languages, the clerk's language first: (重大, major), (major, 重大)."""
    zh = [(label, code) for code, label in enum.labels.items()]
    en = [(code, label) for code, label in enum.labels.items()]
    return en + zh if lang == "en" else zh + en


def values(kind: str, db: str | Path | None, lang: str = "zh") -> list[tuple[str, str]]:
    """(value, note) pairs for one kind of value; the note is shown beside it."""
    if kind in ENUMS:
        return enum_values(ENUMS[kind], lang)
    if kind == "lang":
        return [("zh", "中文"), ("en", "English")]
    ledger = _open(db)
    if ledger is None:
        return []
    try:
        if kind == "category":
            return [(name, "") for name in ledger.policy().categories]
        if kind == "department":
            return [(name, "") for name in ledger.policy().departments]
        if kind in ("id", "handler"):
            return _from_open(ledger, kind)
        return []
    finally:
        ledger.close()


def _from_open(ledger: Any, kind: str) -> list[tuple[str, str]]:
    from complaintctl.reports.listing import find

    rows = find(ledger, open_only=True, limit=1_000_000)
    if kind == "handler":
        # The policy names departments, not people: handlers are those named on open complaints.
        names = sorted({c.handler for c, _, _ in rows if c.handler})
        return [(name, "") for name in names]
    return [(ledger.ref(c.id), f"{c.unit} {_start(c.description)}") for c, _, _ in rows]


def _start(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= DESCRIPTION_CHARS else flat[: DESCRIPTION_CHARS - 1] + "…"


def _open(db: str | Path | None) -> Any:
    import os

    from complaintctl.store.backend import is_url, open_ledger
    from complaintctl.store.ledger import ENV_DB, default_path

    if db is None and is_url(os.environ.get(ENV_DB)):
        db = os.environ[ENV_DB]
    if not is_url(db):  # a server's database exists; a file is not created by completion
        db = Path(db).expanduser() if db is not None else default_path()
        if not db.is_file():
            return None
    try:
        return open_ledger(db)
    except Exception:  # completion offers nothing rather than an error in mid-typing
        return None


def matching(pairs: Iterable[tuple[str, str]], incomplete: str) -> list[tuple[str, str]]:
    return [(v, note) for v, note in pairs if v.startswith(incomplete)]


# -- bash, zsh and fish (click's shell completion, installed the Typer way) -------------------
def attach(command: Any) -> None:
    """Give every parameter of a command (and of a group's commands) that takes a known kind of
    value a completion function."""
    for sub in getattr(command, "commands", {}).values():
        attach(sub)
    attach_params(command)


def attach_params(command: Any) -> None:
    """The same for the command's own parameters only (the root: --lang)."""
    for param in command.params:
        kind = kind_of(param)
        if kind is not None:
            param._custom_shell_complete = _completer(kind)


def _completer(kind: str) -> Any:
    def complete(ctx: Any, param: Any, incomplete: str) -> list[Any]:
        from typer.core import CompletionItem  # type: ignore[attr-defined]

        root = ctx.find_root().params
        pairs = values(kind, root.get("db"), root.get("lang") or "zh")
        return [CompletionItem(v, help=note or None) for v, note in matching(pairs, incomplete)]

    return complete
