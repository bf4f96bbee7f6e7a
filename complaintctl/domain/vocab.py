"""Enumerations and their Chinese and English names.

Each closed enumeration has an English code (what the ledger stores and JSON carries) and a
Chinese label (what duty staff see).  Input accepts either, case-insensitively, plus a few
aliases staff actually type.  Categories and departments are open lists owned by the policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.messages import Term


@dataclass(frozen=True)
class Enum:
    field: str
    labels: Mapping[str, str]  # code -> Chinese label
    aliases: Mapping[str, str]  # extra spelling (lower case) -> code

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
        return Term(code, self.labels.get(code, code))

    def label(self, code: str | None, lang: str = "zh") -> str:
        if code is None:
            return ""
        if lang == "en":
            return code
        return self.labels.get(code, code)

    @property
    def codes(self) -> list[str]:
        return list(self.labels)


SEVERITY = Enum(
    "--severity",
    {"minor": "轻微", "moderate": "中度", "major": "重大"},
    {"轻微投诉": "minor", "中度投诉": "moderate", "重大投诉": "major", "一般": "minor"},
)
SEVERITIES = tuple(SEVERITY.labels)

CHANNEL = Enum(
    "--channel",
    {
        "phone": "电话",
        "visit": "来访",
        "online": "网络",
        "letter": "信函",
        "relay": "转办",
        "other": "其他",
    },
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
)

NATURE = Enum(
    "--nature",
    {"valid": "有效投诉", "assist": "协办事项", "excessive": "过高要求", "no_fault": "无责任投诉"},
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
)

STATUS = Enum(
    "--status",
    {
        "registered": "已登记",
        "assigned": "已派单",
        "in_progress": "处理中",
        "resolved": "待回访",
        "closed": "已关闭",
        "cancelled": "已作废",
    },
    {
        "open": "open",
        "作废": "cancelled",
        "canceled": "cancelled",
        "in-progress": "in_progress",
        "inprogress": "in_progress",
    },
)
OPEN_STATUSES = ("registered", "assigned", "in_progress")

# The five levels of GB/T 39735-2020 (政务服务评价, 好差评), best first.  A two-level 回访
# (--satisfied/--unsatisfied, older ledgers) records satisfied/unsatisfied: 满意/不满意.
SATISFACTION = Enum(
    "--satisfaction",
    {
        "very_satisfied": "非常满意",
        "satisfied": "满意",
        "basically_satisfied": "基本满意",
        "unsatisfied": "不满意",
        "very_dissatisfied": "非常不满意",
    },
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
)
# The standard's favourable share (好评): the first three levels; 满意率 counts these.
FAVOURABLE = ("very_satisfied", "satisfied", "basically_satisfied")

KIND = Enum(
    "--kind",
    {
        "complaint": "投诉",
        "repair": "报修",
        "service": "服务",
        "inquiry": "咨询",
        "suggestion": "建议",
    },
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
)
KINDS = tuple(KIND.labels)  # every record has one; "complaint" is the default (issue 20)
# The kinds whose resolve deadline may be an appointment agreed with the owner (预约时间).
APPOINTMENT_KINDS = ("repair", "service")

MILESTONES = ("respond", "assign", "plan", "resolve", "update")
MILESTONE_LABELS = {
    "respond": "首次联系",
    "assign": "派单",
    "plan": "处理方案",
    "resolve": "处理完成",
    "update": "进度反馈",
}
MILESTONE_STATES = {
    "pending": "未到期",
    "due_soon": "即将到期",
    "breached": "已超时",
    "met": "按时完成",
    "late": "超时完成",
    "cancelled": "已作废",
    "not_judged": "未判定",
}


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
