"""``digest``, ``escalate`` and ``link``: the cron watch (issue 5)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (filled in by issue 5)."""
