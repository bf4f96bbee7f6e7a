"""``report``: the monthly 及时率 report (issue 6)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (filled in by issue 6)."""
