"""Labels of columns and coded values in Chinese and English, for every output."""

from __future__ import annotations

from complaintctl.domain.messages import CATALOGUES, Term, labels
from complaintctl.domain.vocab import (
    CHANNEL,
    KIND,
    NATURE,
    SATISFACTION,
    SEVERITY,
    STATUS,
)

# Column headers, escalation levels and event kinds as (Chinese, English), read from the
# catalogue (messages/zh.py, en.py: ``label.header.*``, ``label.escalation.*``, ``label.event.*``).
HEADERS = labels("label.header.")

# Who an escalation reports to (seed 004): the full title, and the short one of a report cell.
ESCALATION_LEVELS = labels("label.escalation.")

# The kinds of event in a complaint's history (JSON keeps the English codes).
EVENT_KINDS = labels("label.event.")


def h(key: str, lang: str) -> str:
    zh, en = HEADERS[key]
    return en if lang == "en" else zh


def label(kind: str, code: str | None, lang: str) -> str:
    enums = {
        "severity": SEVERITY,
        "channel": CHANNEL,
        "nature": NATURE,
        "status": STATUS,
        "satisfaction": SATISFACTION,
        "record_kind": KIND,
    }
    if code is None:
        return "-"
    if kind in ("milestone", "state"):
        return CATALOGUES["en" if lang == "en" else "zh"].get(f"label.{kind}.{code}", code)
    return enums[kind].label(code, lang)


def event_term(kind: str) -> Term:
    """An event kind as a message names it in either language."""
    zh, en = EVENT_KINDS.get(kind, (kind, kind))
    return Term(en, zh)
