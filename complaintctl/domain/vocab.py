"""Enumerations and their Chinese and English names.

Each closed enumeration has an English code (what the ledger stores and JSON carries) and a
Chinese label (what duty staff see), the label in the catalogue (messages/zh.py,
``label.<vocab>.<code>``).  Input accepts either, case-insensitively, plus a few
aliases staff actually type.  Categories and departments are open lists owned by the policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.messages import CATALOGUES, Term


def _zh(vocab: str, *codes: str) -> dict[str, str]:
    """The Chinese labels of ``codes``, from the catalogue (``label.<vocab>.<code>``)."""
    return {code: CATALOGUES["zh"][f"label.{vocab}.{code}"] for code in codes}


@dataclass(frozen=True)
class Enum:
    field: str
    labels: Mapping[str, str]  # code -> Chinese label
    aliases: Mapping[str, str]  # extra spelling (lower case) -> code
    vocab: str = ""  # the catalogue's name of it: label.<vocab>.<code>

    def parse(self, text: str, field: str | None = None) -> str:
        key = text.strip()
        if key in self.labels:
            return key
        lowered = key.lower()
        if lowered in self.labels:
            return lowered
        for code, label in self.labels.items():
            if key == label:
                return code
        if lowered in self.aliases:
            return self.aliases[lowered]
        accepted = [self.term(code) for code in self.labels]
        if not key:
            raise InvalidInput(field or self.field, "common.must_not_be_empty", accepted=accepted)
        raise InvalidInput(
            field or self.field, "common.unknown_value", accepted=accepted, text=text
        )

    def term(self, code: str) -> Term:
        """The value as a message names it in either language."""
        return Term(self.label(code, "en"), self.labels.get(code, code))

    def label(self, code: str | None, lang: str = "zh") -> str:
        if code is None:
            return ""
        if lang == "en":
            return CATALOGUES["en"].get(f"label.{self.vocab}.{code}", code)
        return self.labels.get(code, code)

    @property
    def codes(self) -> list[str]:
        return list(self.labels)


SEVERITY = Enum(
    "--severity",
    _zh("severity", "minor", "moderate", "major"),
    {"轻微投诉": "minor", "中度投诉": "moderate", "重大投诉": "major", "一般": "minor"},
    "severity",
)
SEVERITIES = tuple(SEVERITY.labels)

CHANNEL = Enum(
    "--channel",
    _zh("channel", "phone", "visit", "online", "letter", "relay", "other"),
    {
        "热线": "phone",
        "电话投诉": "phone",
        "tel": "phone",
        "现场": "visit",
        "来访投诉": "visit",
        "walk-in": "visit",
        "web": "online",
        "app": "online",
        "wechat": "online",
        "微信": "online",
        "网站": "online",
        "邮件": "online",
        "email": "online",
        "来函": "letter",
        "书面": "letter",
        "居委会": "relay",
        "业委会": "relay",
    },
    "channel",
)

NATURE = Enum(
    "--nature",
    _zh("nature", "valid", "assist", "excessive", "no_fault"),
    {
        "有效": "valid",
        "责任投诉": "valid",
        "协办": "assist",
        "协助处理": "assist",
        "过高": "excessive",
        "无责任": "no_fault",
        "nofault": "no_fault",
        "no-fault": "no_fault",
    },
    "nature",
)

STATUS = Enum(
    "--status",
    _zh("status", "registered", "assigned", "in_progress", "resolved", "closed", "cancelled"),
    {
        "open": "open",
        "作废": "cancelled",
        "canceled": "cancelled",
        "in-progress": "in_progress",
        "inprogress": "in_progress",
    },
    "status",
)
OPEN_STATUSES = ("registered", "assigned", "in_progress")

# The five levels of GB/T 39735-2020 (政务服务评价, 好差评), best first.  A two-level 回访
# (--satisfied/--unsatisfied, older ledgers) records satisfied/unsatisfied: 满意/不满意.
SATISFACTION = Enum(
    "--satisfaction",
    _zh(
        "satisfaction",
        "very_satisfied",
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
        "very_dissatisfied",
    ),
    {
        "满意度高": "satisfied",
        "5": "very_satisfied",
        "4": "satisfied",
        "3": "basically_satisfied",
        "2": "unsatisfied",
        "1": "very_dissatisfied",
        "dissatisfied": "unsatisfied",
        "very_unsatisfied": "very_dissatisfied",
    },
    "satisfaction",
)
# The standard's favourable share (好评): the first three levels; 满意率 counts these.
FAVOURABLE = ("very_satisfied", "satisfied", "basically_satisfied")

KIND = Enum(
    "--kind",
    _zh("record_kind", "complaint", "repair", "service", "inquiry", "suggestion"),
    {
        "维修": "repair",
        "急修": "repair",
        "服务需求": "service",
        "服务请求": "service",
        "求助": "service",
        "询问": "inquiry",
        "意见": "suggestion",
        "request": "service",
        "question": "inquiry",
    },
    "record_kind",
)
KINDS = tuple(KIND.labels)  # every record has one; "complaint" is the default (issue 20)
# The kinds whose resolve deadline may be an appointment agreed with the owner (预约时间).
APPOINTMENT_KINDS = ("repair", "service")

MILESTONES = ("respond", "assign", "plan", "resolve", "update")
MILESTONE_LABELS = _zh("milestone", *MILESTONES)
MILESTONE_STATES = _zh(
    "state", "pending", "due_soon", "breached", "met", "late", "cancelled", "not_judged"
)


def parse_listed(text: str, field: str, allowed: Iterable[str], aliases: Mapping[str, str]) -> str:
    """A value from a policy-owned list (categories, departments), or an English alias of one."""
    key = text.strip()
    allowed = list(allowed)
    if key in allowed:
        return key
    alias = aliases.get(key.lower())
    if alias is not None and alias in allowed:
        return alias
    if not key:
        raise InvalidInput(field, "common.must_not_be_empty", accepted=allowed)
    raise InvalidInput(field, "common.unknown_value", accepted=allowed, text=text)
