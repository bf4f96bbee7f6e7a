"""The one mechanism that keeps start-up small: a click group that imports a command group's
module only when one of its commands runs, or when help or completion asks for it.

The command table (``LAZY`` in ``cli/app.py``) names each command and the module that adds
it.  A module is loaded the way it was always registered: its ``register(app)`` function (or
its Typer sub-app) is applied to a fresh Typer app with the root's settings, Typer builds the
click commands, and they are kept.  So ``--help`` and docs/cli.md read exactly as before.

The group also resolves the names people type: aliases (``ls``) and unambiguous prefixes of
commands (``reg`` for ``register``); an ambiguous prefix is refused with its candidates.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from difflib import get_close_matches
from typing import Any

import typer
from typer.core import TyperGroup

# Typer >= 0.29 carries its own copy of click; reach its UsageError through public names.
# (ctx is typed Any below for the same reason: click's Context is not a public name there.)
UsageError: type[Exception] = typer.BadParameter.__mro__[1]


class NameGroup(TyperGroup):
    """A Typer group that takes aliases and unambiguous prefixes of its command names; an
    ambiguous prefix is refused with its candidates.  (The root, and calendar and policy.)"""

    aliases: Mapping[str, str] = {}

    def resolve_name(self, ctx: Any, typed: str) -> str:
        """The command a typed word means: itself, an alias, or the one command it begins.

        Raises UsageError for a prefix of several commands, naming them."""
        names = self.list_commands(ctx)
        if typed in names:
            return typed
        if typed in self.aliases:
            return self.aliases[typed]
        matches = [n for n in names if n.startswith(typed)] if typed else []
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise UsageError(
                f"{typed!r} is ambiguous: could be {', '.join(matches)}",
                ctx=ctx,  # type: ignore[call-arg]
            )
        return typed

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args:
            try:
                args = [self.resolve_name(ctx, args[0]), *args[1:]]
            except UsageError:
                if not ctx.resilient_parsing:  # completion goes on with the word as typed
                    raise
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            # Typer suggests from the commands loaded so far; suggest from all of them.
            message = str(getattr(exc, "message", ""))
            if args and self.suggest_commands and "Did you mean" not in message:
                close = get_close_matches(args[0], self.list_commands(ctx))
                if close:
                    suggestions = ", ".join(repr(m) for m in close)
                    exc.message = f"{message.rstrip('.')}. Did you mean {suggestions}?"  # type: ignore[attr-defined]
            raise


class LazyGroup(NameGroup):
    """A Typer group whose commands are imported on first use.

    ``lazy`` maps a command name to ``"module:attribute"``: the attribute is either a function
    ``register(app)`` that adds commands to a Typer app, or a Typer sub-app mounted under that
    name.  Several names may share one module; it is imported once.  ``commands`` lists every
    name at once and builds a command when it is looked up, so code that walks the group (help,
    completion, docs/cli.md, tests) sees all of them.
    """

    lazy: Mapping[str, str] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands(self, dict(self.commands))

    def prepare(self, command: Any) -> None:
        """Called with each command built from a module, before it is used."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        return self.commands.get(cmd_name)

    def _load(self, target: str) -> None:
        module_name, _, attribute = target.partition(":")
        module = importlib.import_module(module_name)
        value = getattr(module, attribute)
        # A fresh app with the root's settings, so Typer builds each command as the eager
        # registration did; a callback makes it a group whatever the number of commands.
        holder = typer.Typer(rich_markup_mode=self.rich_markup_mode, add_completion=False)
        holder.callback()(_nothing)
        if isinstance(value, typer.Typer):
            names = [n for n, t in self.lazy.items() if t == target]
            for name in names:
                holder.add_typer(value, name=name, cls=NameGroup)
        else:
            value(holder)
        built = typer.main.get_group(holder)
        loaded = self.commands.loaded if isinstance(self.commands, _Commands) else self.commands
        for name, command in built.commands.items():
            self.prepare(command)
            loaded.setdefault(name, command)


class _Commands(MutableMapping[str, Any]):
    """A group's commands by name: every name of the table, each built when first looked up."""

    def __init__(self, group: LazyGroup, loaded: dict[str, Any]) -> None:
        self.group = group
        self.loaded = loaded

    def _names(self) -> list[str]:
        return [*self.group.lazy, *(n for n in self.loaded if n not in self.group.lazy)]

    def __getitem__(self, name: str) -> Any:
        if name not in self.loaded and name in self.group.lazy:
            self.group._load(self.group.lazy[name])
        return self.loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self.loaded or name in self.group.lazy


def _nothing() -> None:
    """Placeholder callback of the holder app (never run)."""
