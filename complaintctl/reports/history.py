"""A complaint's history as people read it: each event's kind and details as labelled fields
with local times (``首次联系 2026-03-05 10:30``, ``级别 轻微 → 重大``,
``时限 处理完成 2026-03-10 24:00 → 2026-03-12 24:00``), never a Python repr or a Unix time.

Pure: the event's data in, text out.  JSON keeps the event's own English keys (display.py)."""

from __future__ import annotations

from typing import Any

from complaintctl.domain.labels import ESCALATION_LEVELS, EVENT_KINDS, h, label
from complaintctl.domain.messages import labels, text
from complaintctl.domain.model import is_moment
from complaintctl.domain.sites import FIRST, in_site_of, mention, ref, site_of
from complaintctl.domain.timeutil import from_epoch, local, local_due
from complaintctl.domain.vocab import MILESTONES

# Field labels of event data that the column headers do not already name.
_WORDS = labels("label.history.")  # messages/zh.py, en.py
# Data that is shown another way (deadlines as changes) or not at all.
_HIDDEN = {"changes", "due", "previous_due", "provisional", "update_due", "done", "before", "from",
           "milestone", "reason_code", "policy_version", "source_key", "unjudged"}  # fmt: skip
# An imported step whose time the register did not give (issue 16), by the event's kind.
_UNKNOWN = labels("label.time_unknown.")
# Keys of event data holding a coded value, and the vocabulary that names it.
_ENUMS = {k: k for k in ("channel", "severity", "nature", "satisfaction", "status")}
_ENUMS["kind"] = "record_kind"  # 投诉, 报修, ... (issue 20)


def kind_label(kind: str, lang: str) -> str:
    zh, en = EVENT_KINDS.get(kind, (kind, kind))
    return en if lang == "en" else zh


def _word(key: str, lang: str) -> str:
    if key in _WORDS:
        zh, en = _WORDS[key]
        return en if lang == "en" else zh
    try:
        return h(_ENUMS.get(key, key), lang)
    except KeyError:
        return key


_REFERENCES = ("main", "via", "about", "collective_of")  # another complaint of the same site


def _value(key: str, value: Any, lang: str, complaint_id: int | None = None) -> str:
    if value is None:
        return "-"
    if key in _REFERENCES and isinstance(value, int) and complaint_id is not None:
        value = in_site_of(complaint_id, value)  # as the state reads it (domain/model.py)
    if key in _ENUMS:
        return label(_ENUMS[key], str(value), lang)
    if key == "level":
        zh, en = ESCALATION_LEVELS.get(str(value), (str(value), str(value)))
        return en if lang == "en" else zh
    if key in ("main", "via"):
        return mention(value)
    if key in ("about", "collective_of") and isinstance(value, int):
        return ref(value, site_of(value) != FIRST)
    if isinstance(value, bool):
        return text("history.yes" if value else "history.no", lang)
    if isinstance(value, int) and is_moment(key):
        return local(from_epoch(value))
    return str(value)


def _due(epoch: int | None) -> str:
    return local_due(from_epoch(epoch)) if epoch is not None else "-"


def deadline_changes(data: dict[str, Any], lang: str) -> list[str]:
    """``时限 处理完成 2026-03-10 24:00 → 2026-03-12 24:00`` for each milestone an event moved."""
    due = data.get("due") or {}
    before = dict(data.get("previous_due") or {})
    if "from" in data and data.get("milestone"):
        before.setdefault(data["milestone"], data["from"])
    word = _word("due", lang)
    out = []
    for m in MILESTONES:
        if m in due and m not in before:  # a new deadline (复议): no old one to show
            out.append(f"{word} {label('milestone', m, lang)} {_due(due[m])}")
        elif m in due and due[m] != before[m]:
            out.append(
                f"{word} {label('milestone', m, lang)} {_due(before.get(m))} → {_due(due[m])}"
            )
    return out


_FIELDS_CORRECTED = {"received_at": "received", "channel": "channel"}


def corrections(changes: dict[str, Any], lang: str) -> list[str]:
    """``房号/铺位 2-3-1702 → 2-3-1701`` for each field an ``edit`` changed; a name or phone
    only as changed (the log keeps no personal data)."""
    out = []
    for key, change in changes.items():
        word = _word(_FIELDS_CORRECTED.get(key, key), lang)
        if not isinstance(change, dict):
            out.append(text("history.corrected", lang, field=word))
            continue
        old, new = change["from"], change["to"]
        if key == "received_at":
            out.append(f"{word} {local(from_epoch(old))} → {local(from_epoch(new))}")
        else:
            out.append(f"{word} {_value(key, old, lang)} → {_value(key, new, lang)}")
    return out


def when(kind: str, at: int, data: dict[str, Any], lang: str) -> str:
    """When an event happened as a history shows it: the local time; the day alone for a
    receipt whose time is unknown, 不详 for a step done at an unknown time (issue 16)."""
    if not data.get("time_unknown"):
        return local(from_epoch(at))
    if kind == "registered":
        return local(from_epoch(at))[:10]
    return text("history.unknown", lang)


def details(kind: str, data: dict[str, Any], lang: str, complaint_id: int | None = None) -> str:
    """One event's details, fields separated by ``；`` (``; `` in English); the complaints
    it names read in the site of ``complaint_id``, the event's own."""
    parts: list[str] = []
    before = data.get("before") or {}
    for key, value in data.items():
        if key in _HIDDEN or value is None or value is False:
            continue
        if key == "contacted":
            parts.append(_word(key, lang))
        elif key == "time_unknown":
            zh, en = _UNKNOWN.get(kind, _UNKNOWN["other"])
            parts.append(en if lang == "en" else zh)
        elif key in before:
            old = _value(key, before[key], lang, complaint_id)
            parts.append(f"{_word(key, lang)} {old} → {_value(key, value, lang, complaint_id)}")
        else:
            parts.append(f"{_word(key, lang)} {_value(key, value, lang, complaint_id)}")
    if kind == "corrected":
        parts[:0] = corrections(data.get("changes") or {}, lang)
    if kind == "linked" and data.get("done"):
        names = [label("milestone", m, lang) for m in MILESTONES if data["done"].get(m)]
        parts.append(text("history.took_over", lang, milestones=names))
    if kind != "registered":  # a new complaint's deadlines are the milestone table itself
        parts += deadline_changes(data, lang)
    return text("common.sep", lang).join(parts)
