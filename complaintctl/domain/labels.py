"""Labels of columns and coded values in Chinese and English, for every output."""

from __future__ import annotations

from complaintctl.domain.messages import Term
from complaintctl.domain.vocab import (
    CHANNEL,
    KIND,
    MILESTONE_LABELS,
    MILESTONE_STATES,
    NATURE,
    SATISFACTION,
    SEVERITY,
    STATUS,
)

HEADERS = {
    "id": ("编号", "ID"),
    "received": ("受理时间", "Received"),
    "unit": ("房号/铺位", "Unit"),
    "name": ("投诉人", "Name"),
    "phone": ("电话", "Phone"),
    "category": ("类别", "Category"),
    "severity": ("级别", "Severity"),
    "department": ("部门", "Department"),
    "handler": ("处理人", "Handler"),
    "status": ("状态", "Status"),
    "next": ("下一时限", "Next deadline"),
    "left": ("剩余", "Remaining"),
    "milestone": ("节点", "Milestone"),
    "due": ("时限", "Due"),
    "done": ("完成时间", "Done"),
    "state": ("状态", "State"),
    "seq": ("序号", "Seq"),
    "kind": ("事件", "Event"),
    "at": ("发生时间", "At"),
    "by": ("经办人", "By"),
    "details": ("内容", "Details"),
    "field": ("字段", "Field"),
    "value": ("内容", "Value"),
    "channel": ("渠道", "Channel"),
    "nature": ("性质", "Nature"),
    "location": ("位置", "Location"),
    "description": ("投诉内容", "Description"),
    "gist": ("内容摘要", "About"),
    "resolution": ("处理结果", "Resolution"),
    "satisfaction": ("满意度", "Satisfaction"),
    "reopen_count": ("复议次数", "Reconsiderations"),
    "escalation": ("升级", "Escalation"),
    "duplicate_of": ("重复投诉并入", "Duplicate of"),
    "policy_version": ("时限政策版本", "Policy version"),
    "record_kind": ("类型", "Kind"),
    "urgent": ("紧急", "Urgent"),
    "appointment": ("预约时间", "Appointment"),
    "about": ("所涉工单", "About"),
    "ticket": ("外部工单号", "External ticket"),
    "external_due": ("外部时限", "External deadline"),
    "site": ("项目", "Site"),
    "site_name": ("项目名称", "Site name"),
    "count": ("投诉数", "Complaints"),
    "open": ("未办结", "Open"),
    "handled": ("办结时间", "Handled"),
}


# Who an escalation reports to (seed 004): the full title, and the short one of a report cell.
ESCALATION_LEVELS = {
    "manager": ("物业服务中心经理", "centre manager"),
    "senior": ("公司高层", "senior management"),
}


# The kinds of event in a complaint's history (JSON keeps the English codes).
EVENT_KINDS = {
    "registered": ("受理登记", "registered"),
    "classified": ("分类定级", "classified"),
    "assigned": ("派单", "assigned"),
    "updated": ("处理进展", "progress"),
    "extended": ("延期", "extended"),
    "escalated": ("升级", "escalated"),
    "resolved": ("办结", "resolved"),
    "followed_up": ("回访", "followed up"),
    "reopened": ("复议", "reopened"),
    "linked": ("并单", "linked as duplicate"),
    "recalculated": ("时限重算", "deadlines recomputed"),
    "corrected": ("更正", "corrected"),
    "cancelled": ("作废", "cancelled"),
    "related": ("关联工单", "about a record"),
    "carried": ("导入沿用", "carried over on import"),
}


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
    if kind == "milestone":
        return code if lang == "en" else MILESTONE_LABELS.get(code, code)
    if kind == "state":
        return code if lang == "en" else MILESTONE_STATES.get(code, code)
    return enums[kind].label(code, lang)


def event_term(kind: str) -> Term:
    """An event kind as a message names it in either language."""
    zh, en = EVENT_KINDS.get(kind, (kind, kind))
    return Term(en, zh)
