"""The SLA policy: every limit, window and list the workflow needs, with the seeds' values built in.

A policy is a TOML document.  The built-in default (``DEFAULT_POLICY_TOML``) is seed 000's
time-limit regime with the channel limits of seeds 000 and 004, seed 002's 7-day
reconsideration window and seed 004's escalation thresholds.  ``policy load`` stores a new
version in the ledger; each complaint keeps the version its deadlines came from.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from complaintctl.domain.errors import InvalidInput, PolicyError
from complaintctl.domain.vocab import CHANNEL, KINDS, MILESTONES, SEVERITIES
from complaintctl.sla.targets import Targets, parse_targets
from complaintctl.time.deadlines import Duration, parse_duration

UNCLASSIFIED = "unclassified"

DEFAULT_POLICY_TOML = """\
# complaintctl default policy: the clocks of seed 000 (物业客服投诉处理时限制度),
# channel limits of seeds 000 and 004, seed 002's reconsideration window,
# seed 004's escalation thresholds.
name = "seed-000 default"

# Limits per severity.  Units: m (minutes), h (hours) run 24x7; wd = working days on the
# Chinese calendar (民法典 art. 201/203); d = calendar days.  A milestone left out does not apply.
[limits.unclassified]          # before classification (seed 004: reply in 24 h, finish in 3 wd)
respond = "24h"
resolve = "3wd"

[limits.minor]                 # 轻微
respond = "24h"
resolve = "3wd"

[limits.moderate]              # 中度
respond = "1h"
assign = "2h"
plan = "24h"
resolve = "5wd"
update = "12h"                 # supervisor checks every 12 h

[limits.major]                 # 重大
respond = "15m"
assign = "2h"
plan = "1wd"
resolve = "10wd"
update = "24h"                 # regular feedback to the owner

# A channel's own limit tightens `respond` (the earlier deadline wins).
[channels]
online = "1h"                  # seed 000: online complaints answered within 1 h
letter = "2wd"                 # seed 004: letters answered within 2 working days

[windows]
reconsideration = "7d"         # seed 002: 复议 requested within 7 days of the feedback
warning_fraction = 0.25        # "due soon" = the last 25% of each span
day_ends_at = "24:00"          # end of a working-day period; e.g. "18:00" for business hours
retention_years = 3            # personal data of complaints closed longer ago may be purged

[escalation]
unresolved_months = 1          # seed 004 3.1.2(3): unresolved within a month -> major
collective_units = 5           # seed 004 3.1.2(5): 5 or more units on one matter -> major
collective_window = "7d"
reopen_limit = 2               # reopened twice -> senior management (初步 -> 深入 -> 高层介入)

[lists]
categories = ["服务态度", "服务质量", "设施设备", "环境卫生", "绿化", "安全秩序", "收费", "装修",
              "邻里纠纷", "其他"]
departments = ["客服部", "工程部", "保洁部", "绿化部", "秩序维护部", "财务部"]

[aliases]                      # English names accepted on input
attitude = "服务态度"
quality = "服务质量"
facilities = "设施设备"
sanitation = "环境卫生"
greening = "绿化"
security = "安全秩序"
fees = "收费"
renovation = "装修"
neighbours = "邻里纠纷"
other = "其他"
service = "客服部"
engineering = "工程部"
cleaning = "保洁部"
landscaping = "绿化部"
guards = "秩序维护部"
finance = "财务部"

# Clocks of the other kinds of record (issue 20).  A complaint (投诉) follows [limits] by its
# severity; every other kind follows its own table whatever its severity.  A kind or a table
# left out keeps the built-in values shown here.
[kinds.repair]                 # 报修: done at the time agreed with the owner (register
resolve = "3d"                 # --appointment); without one, seed 003 5.2: 一般不应超过三天

[kinds.repair.urgent]          # 急修 (register --urgent), e.g. 水管爆裂, 电梯困人 (seed 001)
respond = "15m"                # on site within 15 minutes (Beijing 住宅物业服务标准, 急修)
resolve = "24h"

[kinds.service]                # 服务: the same three-day rule (seed 003 5.2)
resolve = "3d"

[kinds.inquiry]                # 咨询: answered within 1 working day
resolve = "1wd"

[kinds.suggestion]             # 建议: a reply within 5 working days (12345 hotline practice)
resolve = "5wd"
"""

_SEVERITY_KEYS = (UNCLASSIFIED, *SEVERITIES)


@dataclass(frozen=True)
class Policy:
    name: str
    limits: dict[str, dict[str, Duration]]
    channel_respond: dict[str, Duration]
    reconsideration: Duration
    warning_fraction: float
    day_ends_at: time | None
    retention_years: int
    unresolved_months: int
    collective_units: int
    collective_window: Duration
    reopen_limit: int
    categories: tuple[str, ...]
    departments: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)
    text: str = ""
    # issue 20: the clocks of kinds other than complaints: "repair", "repair.urgent",
    # "service", "inquiry", "suggestion" -> milestone -> limit (see kind_limits)
    kinds: dict[str, dict[str, Duration]] = field(default_factory=dict)
    # a step whose --at lies longer before its recording is a late entry (补录), shown and
    # counted; beyond ``late_entry_reason_after`` (off unless set) it needs a reason
    late_entry: Duration = Duration(24, "h")
    late_entry_reason_after: Duration | None = None
    targets: Targets = field(default_factory=Targets)  # the monthly report's (sla/targets.py)

    @property
    def digest(self) -> str:
        import hashlib  # start-up: OpenSSL's set-up, ~15 % of a cold `show`; only when loading

        return hashlib.sha256(self.text.encode()).hexdigest()

    def limit(self, severity: str | None, milestone: str) -> Duration | None:
        return self.limits[severity or UNCLASSIFIED].get(milestone)

    def kind_limit(self, kind: str, urgent: bool, milestone: str) -> Duration | None:
        """A milestone's limit for a record that is not a complaint (None: does not apply)."""
        table = self.kinds.get(f"{kind}.urgent" if urgent else kind, {})
        return table.get(milestone)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "limits": {s: {m: str(d) for m, d in ms.items()} for s, ms in self.limits.items()},
            "channels": {c: str(d) for c, d in self.channel_respond.items()},
            "reconsideration": str(self.reconsideration),
            "warning_fraction": self.warning_fraction,
            "day_ends_at": self.day_ends_at.strftime("%H:%M") if self.day_ends_at else "24:00",
            "retention_years": self.retention_years,
            "late_entry": str(self.late_entry),
            "late_entry_reason_after": (
                str(self.late_entry_reason_after) if self.late_entry_reason_after else None
            ),
            "escalation": {
                "unresolved_months": self.unresolved_months,
                "collective_units": self.collective_units,
                "collective_window": str(self.collective_window),
                "reopen_limit": self.reopen_limit,
            },
            "categories": list(self.categories),
            "departments": list(self.departments),
            "kinds": {k: {m: str(d) for m, d in ms.items()} for k, ms in self.kinds.items()},
            **({"targets": self.targets.to_dict()} if self.targets else {}),
        }


#: The longest limit or window a policy may set in each unit: a year.  A longer one would only
#: run deadlines off the end of the working-day calendar and make every registration fail.
MAX_POLICY_AMOUNT = {"m": 366 * 24 * 60, "h": 366 * 24, "d": 366, "wd": 260}


def _positive(raw: Any, where: str, strict: bool = True) -> Duration:
    if not isinstance(raw, str):
        raise PolicyError("policy.expected_a_duration_such_as_h", where=where, raw=raw)
    try:
        duration = parse_duration(raw, where)
    except InvalidInput as exc:
        raise PolicyError("policy.invalid_value", error=exc) from exc
    if strict and duration.amount > MAX_POLICY_AMOUNT[duration.unit]:
        most = ", ".join(f"{n}{u}" for u, n in MAX_POLICY_AMOUNT.items())
        raise PolicyError(
            "policy.is_longer_than_a_year_at", where=where, duration=duration, most=most
        )
    return duration


def _table(doc: dict[str, Any], key: str, known: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A section that must be a table, with only ``known`` keys when given."""
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PolicyError("policy.expected_a_table_got", key_name=key, value=value)
    for name in value:
        if known is not None and name not in known:
            raise PolicyError(
                "policy.unknown_key_accepted", key_name=key, name=name, known=list(known)
            )
    return value


def _day_end(raw: Any) -> time | None:
    """``windows.day_ends_at``: after 00:00 and at most 24:00 ("24:00" is midnight, None)."""
    where = "windows.day_ends_at"
    text = raw if isinstance(raw, str) else None
    parts = text.strip().split(":") if text is not None else []
    if len(parts) != 2 or not all(p.isdigit() and len(p) <= 2 for p in parts):
        raise PolicyError("policy.expected_hh_mm_between_and_got", where=where, raw=raw)
    hh, mm = int(parts[0]), int(parts[1])
    if (hh, mm) == (24, 0):
        return None
    if hh > 23 or mm > 59 or (hh, mm) == (0, 0):
        raise PolicyError("policy.is_not_a_time_after_and", where=where, raw=raw)
    return time(hh, mm)


def _clock(raw: Any, where: str) -> Duration:
    """A positive duration in m or h (compared with the gap between two instants)."""
    duration = _positive(raw, where)
    if not duration.is_clock or duration.amount <= 0:
        raise PolicyError("policy.expected_minutes_or_hours_such_as", where=where, raw=raw)
    return duration


def _int(raw: Any, where: str, minimum: int = 1, maximum: int | None = None) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < minimum:
        raise PolicyError(
            "policy.expected_a_whole_number_got", where=where, minimum=minimum, raw=raw
        )
    if maximum is not None and raw > maximum:
        raise PolicyError(
            "policy.expected_a_whole_number_got_2",
            where=where,
            minimum=minimum,
            maximum=maximum,
            raw=raw,
        )
    return raw


def _names(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) and x for x in raw):
        raise PolicyError("policy.expected_a_non_empty_list_of", where=where)
    if len(set(raw)) != len(raw):
        raise PolicyError("policy.a_name_is_listed_twice", where=where)
    return tuple(raw)


_KNOWN_TOP = {
    "name",
    "limits",
    "channels",
    "windows",
    "escalation",
    "lists",
    "aliases",
    "kinds",
    "targets",
}
_WINDOWS = (
    "reconsideration",
    "warning_fraction",
    "day_ends_at",
    "retention_years",
    "late_entry",
    "late_entry_reason_after",
)
_ESCALATION = ("unresolved_months", "collective_units", "collective_window", "reopen_limit")


def parse_policy(text: str, *, strict: bool = True) -> Policy:
    """Validate a policy document; every error is one line naming the key.

    ``strict=False`` reads a version stored before the checks added in issue 13 (unknown keys
    in a section, alias targets, limits longer than a year, bounds on whole numbers, the
    name) without refusing it: the ledger keeps working with the policy it already has."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError("policy.policy_not_valid_toml", exc=exc) from exc
    for key in doc:
        if key not in _KNOWN_TOP:
            raise PolicyError(
                "policy.policy_unknown_section_accepted",
                key_name=key,
                known=list(sorted(_KNOWN_TOP)),
            )
    raw_limits = doc.get("limits", {})
    if not isinstance(raw_limits, dict):
        raise PolicyError("policy.limits_expected_a_table_per_severity")
    limits: dict[str, dict[str, Duration]] = {}
    for severity, table in raw_limits.items():
        if severity not in _SEVERITY_KEYS:
            raise PolicyError(
                "policy.limits_unknown_severity_accepted",
                severity=severity,
                known=list(_SEVERITY_KEYS),
            )
        if not isinstance(table, dict):
            raise PolicyError("policy.limits_expected_a_table_of_milestones", severity=severity)
        limits[severity] = {}
        for milestone, raw in table.items():
            if milestone not in MILESTONES:
                raise PolicyError(
                    "policy.limits_unknown_milestone_accepted",
                    severity=severity,
                    milestone=milestone,
                    known=list(MILESTONES),
                )
            limits[severity][milestone] = _positive(raw, f"limits.{severity}.{milestone}", strict)
    for severity in _SEVERITY_KEYS:
        if severity not in limits:
            raise PolicyError("policy.limits_missing_every_severity_needs_its", severity=severity)
        for needed in ("respond", "resolve"):
            if needed not in limits[severity]:
                raise PolicyError("policy.limits_missing", severity=severity, needed=needed)
        if "update" in limits[severity] and limits[severity]["update"].unit in ("d", "wd"):
            raise PolicyError("policy.limits_update_a_recurring_limit_must", severity=severity)
    channels: dict[str, Duration] = {}
    for channel, raw in _table(doc, "channels").items():
        if channel not in CHANNEL.labels:
            raise PolicyError(
                "policy.channels_unknown_channel_accepted",
                channel=channel,
                known=list(CHANNEL.labels),
            )
        channels[channel] = _positive(raw, f"channels.{channel}", strict)
    windows = _table(doc, "windows", _WINDOWS if strict else None)
    fraction = windows.get("warning_fraction", 0.25)
    if not isinstance(fraction, int | float) or isinstance(fraction, bool) or not 0 < fraction < 1:
        raise PolicyError("policy.windows_warning_fraction_expected_a_number", fraction=fraction)
    day_ends_at = _day_end(windows.get("day_ends_at", "24:00"))
    late = _clock(windows.get("late_entry", "24h"), "windows.late_entry")
    raw_reason_after = windows.get("late_entry_reason_after")
    reason_after = (
        None
        if raw_reason_after is None
        else _clock(raw_reason_after, "windows.late_entry_reason_after")
    )
    esc = _table(doc, "escalation", _ESCALATION if strict else None)
    lists = _table(doc, "lists", ("categories", "departments") if strict else None)
    aliases = _table(doc, "aliases")
    if not all(isinstance(v, str) for v in aliases.values()):
        raise PolicyError("policy.aliases_expected_a_table_of_name")
    name = doc.get("name", "unnamed")
    if not strict:
        name = str(name)
    elif not isinstance(name, str) or not name.strip():
        raise PolicyError("policy.name_expected_a_non_empty_string", name=name)
    categories = _names(lists.get("categories", []), "lists.categories")
    departments = _names(lists.get("departments", []), "lists.departments")
    for alias, target in aliases.items() if strict else ():
        if target not in categories and target not in departments:
            raise PolicyError(
                "policy.aliases_is_neither_in_lists_categories", alias=alias, target=target
            )
    return Policy(
        name=name,
        limits=limits,
        channel_respond=channels,
        reconsideration=_positive(
            windows.get("reconsideration", "7d"), "windows.reconsideration", strict
        ),
        warning_fraction=float(fraction),
        day_ends_at=day_ends_at,
        retention_years=_int(
            windows.get("retention_years", 3), "windows.retention_years", 1, 100 if strict else None
        ),
        unresolved_months=_int(
            esc.get("unresolved_months", 1),
            "escalation.unresolved_months",
            1,
            120 if strict else None,
        ),
        collective_units=_int(
            esc.get("collective_units", 5),
            "escalation.collective_units",
            2,
            10_000 if strict else None,
        ),
        collective_window=_positive(
            esc.get("collective_window", "7d"), "escalation.collective_window", strict
        ),
        reopen_limit=_int(
            esc.get("reopen_limit", 2), "escalation.reopen_limit", 1, 100 if strict else None
        ),
        categories=categories,
        departments=departments,
        aliases={k.lower(): v for k, v in aliases.items()},
        text=text,
        kinds=kind_limits(doc.get("kinds")),
        late_entry=late,
        late_entry_reason_after=reason_after,
        targets=parse_targets(doc.get("targets")),
    )


#: The tables of ``[kinds]``: a kind, and the emergency repair beneath ``[kinds.repair]``.
KIND_TABLES = tuple(k for k in KINDS if k != "complaint") + ("repair.urgent",)
_KIND_DEFAULTS: dict[str, dict[str, Duration]] | None = None


def kind_limits(raw: Any, *, defaults: bool = True) -> dict[str, dict[str, Duration]]:
    """``[kinds]`` of a policy, each table left out taking the built-in one (a policy written
    before kinds existed gets the seed-based defaults; its complaint clocks are untouched)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise PolicyError("policy.kinds_expected_a_table_per_kind")
    out: dict[str, dict[str, Duration]] = {}
    for kind, table in raw.items():
        if kind not in KIND_TABLES:
            accepted = ", ".join(k for k in KIND_TABLES if "." not in k)
            raise PolicyError(
                "policy.kinds_unknown_kind_accepted", kind=kind, accepted_name=accepted
            )
        if not isinstance(table, dict):
            raise PolicyError("policy.kinds_expected_a_table_of_milestones", kind=kind)
        for name, value in table.items():
            key = f"{kind}.{name}"
            if kind == "repair" and name == "urgent":
                if not isinstance(value, dict):
                    raise PolicyError("policy.kinds_repair_urgent_expected_a_table")
                out[key] = _kind_table(value, key)
        out[kind] = _kind_table({k: v for k, v in table.items() if k != "urgent"}, kind)
    if defaults:
        built_in = _built_in_kinds()
        for kind in KIND_TABLES:
            out.setdefault(kind, built_in[kind])
    return out


def _kind_table(table: dict[str, Any], kind: str) -> dict[str, Duration]:
    out: dict[str, Duration] = {}
    for milestone, value in table.items():
        if milestone not in MILESTONES:
            raise PolicyError(
                "policy.kinds_unknown_milestone_accepted",
                kind=kind,
                milestone=milestone,
                known=list(MILESTONES),
            )
        out[milestone] = _positive(value, f"kinds.{kind}.{milestone}")
    if "resolve" not in out:
        raise PolicyError("policy.kinds_resolve_missing_every_kind_needs", kind=kind)
    if "update" in out and out["update"].unit in ("d", "wd"):
        raise PolicyError("policy.kinds_update_a_recurring_limit_must", kind=kind)
    return out


def _built_in_kinds() -> dict[str, dict[str, Duration]]:
    """The ``[kinds]`` tables of DEFAULT_POLICY_TOML, parsed once."""
    global _KIND_DEFAULTS
    if _KIND_DEFAULTS is None:
        raw = tomllib.loads(DEFAULT_POLICY_TOML)["kinds"]
        _KIND_DEFAULTS = kind_limits(raw, defaults=False)
    return _KIND_DEFAULTS


_DEFAULT: Policy | None = None


def default_policy() -> Policy:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = parse_policy(DEFAULT_POLICY_TOML)
    return _DEFAULT
