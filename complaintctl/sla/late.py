"""Late entries (补录): steps recorded long after the time they were dated with ``--at``.

Typing history in later stays allowed (a paper register, a shift's notes typed at its end), but
the gap between an event's ``at`` and its ``recorded_at`` is a figure: an event recorded more
than the policy's ``windows.late_entry`` (default 24 h) after its ``at`` is a late entry,
shown by ``show`` and counted by the report (docs/report.md).
"""

from __future__ import annotations

from complaintctl.sla.policy import Policy


def late_gap(at: int, recorded_at: int | None, policy: Policy) -> int | None:
    """The seconds between the step and its recording when that makes it a late entry."""
    if recorded_at is None:
        return None
    gap = recorded_at - at
    return gap if gap > policy.late_entry.seconds else None


def gap_text(seconds: int, lang: str = "zh") -> str:
    """``3天2小时`` / ``3 d 2 h``: a late entry's gap as people read it."""
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if lang == "en":
        parts = [f"{days} d" if days else "", f"{hours} h" if hours else ""]
        text = " ".join(p for p in parts if p)
        return text or f"{minutes} min"
    text = (f"{days}天" if days else "") + (f"{hours}小时" if hours else "")
    return text or f"{minutes}分钟"
