"""``import`` and ``export`` of complaint registers (issue 7)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (filled in by issue 7)."""
