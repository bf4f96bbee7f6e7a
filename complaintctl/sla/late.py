"""Late entries (补录): steps recorded long after the time they were dated with ``--at``.

Typing history in later stays allowed (a paper register, a shift's notes typed at its end), but
the gap between an event's ``at`` and its ``recorded_at`` is a figure: an event recorded more
than the policy's ``windows.late_entry`` (default 24 h) after its ``at`` is a late entry,
shown by ``show`` and counted by the report (docs/report.md).
"""

from __future__ import annotations

from datetime import timedelta

from complaintctl.domain.messages import value
from complaintctl.sla.policy import Policy


def late_gap(at: int, recorded_at: int | None, policy: Policy) -> int | None:
    """The seconds between the step and its recording when that makes it a late entry."""
    if recorded_at is None:
        return None
    gap = recorded_at - at
    return gap if gap > policy.late_entry.seconds else None


def gap_text(seconds: int, lang: str = "zh") -> str:
    """``3天2小时`` / ``3 d 2 h``: a late entry's gap as people read it."""
    return value(timedelta(seconds=max(seconds, 0)), lang)  # as every message says a span
