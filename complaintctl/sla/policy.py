"""The SLA policy: every limit, window and list the workflow needs, with the seeds' values built in.

A policy is a TOML document.  The built-in default (``DEFAULT_POLICY_TOML``) is seed 000's
time-limit regime with the channel limits of seeds 000 and 004, seed 002's 7-day
reconsideration window and seed 004's escalation thresholds.  ``policy load`` stores a new
version in the ledger; each complaint keeps the version its deadlines came from.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from complaintctl.domain.errors import InvalidInput, PolicyError
from complaintctl.domain.vocab import CHANNEL, MILESTONES, SEVERITIES
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
    targets: Targets = field(default_factory=Targets)  # the monthly report's (sla/targets.py)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def limit(self, severity: str | None, milestone: str) -> Duration | None:
        return self.limits[severity or UNCLASSIFIED].get(milestone)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "limits": {s: {m: str(d) for m, d in ms.items()} for s, ms in self.limits.items()},
            "channels": {c: str(d) for c, d in self.channel_respond.items()},
            "reconsideration": str(self.reconsideration),
            "warning_fraction": self.warning_fraction,
            "day_ends_at": self.day_ends_at.strftime("%H:%M") if self.day_ends_at else "24:00",
            "retention_years": self.retention_years,
            "escalation": {
                "unresolved_months": self.unresolved_months,
                "collective_units": self.collective_units,
                "collective_window": str(self.collective_window),
                "reopen_limit": self.reopen_limit,
            },
            "categories": list(self.categories),
            "departments": list(self.departments),
            **({"targets": self.targets.to_dict()} if self.targets else {}),
        }


def _positive(raw: Any, where: str) -> Duration:
    if not isinstance(raw, str):
        raise PolicyError(f'{where}: expected a duration such as "2h" or "3wd", got {raw!r}')
    try:
        return parse_duration(raw, where)
    except InvalidInput as exc:
        raise PolicyError(str(exc)) from exc


def _int(raw: Any, where: str, minimum: int = 1) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < minimum:
        raise PolicyError(f"{where}: expected a whole number >= {minimum}, got {raw!r}")
    return raw


def _names(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) and x for x in raw):
        raise PolicyError(f"{where}: expected a non-empty list of names")
    if len(set(raw)) != len(raw):
        raise PolicyError(f"{where}: a name is listed twice")
    return tuple(raw)


_KNOWN_TOP = {"name", "limits", "channels", "windows", "escalation", "lists", "aliases", "targets"}


def parse_policy(text: str) -> Policy:
    """Validate a policy document; every error is one line naming the key."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"policy: not valid TOML ({exc})") from exc
    for key in doc:
        if key not in _KNOWN_TOP:
            raise PolicyError(
                f"policy: unknown section {key!r} (accepted: {', '.join(sorted(_KNOWN_TOP))})"
            )
    raw_limits = doc.get("limits", {})
    if not isinstance(raw_limits, dict):
        raise PolicyError("limits: expected a table per severity")
    limits: dict[str, dict[str, Duration]] = {}
    for severity, table in raw_limits.items():
        if severity not in _SEVERITY_KEYS:
            raise PolicyError(
                f"limits.{severity}: unknown severity (accepted: {', '.join(_SEVERITY_KEYS)})"
            )
        if not isinstance(table, dict):
            raise PolicyError(f"limits.{severity}: expected a table of milestones")
        limits[severity] = {}
        for milestone, raw in table.items():
            if milestone not in MILESTONES:
                raise PolicyError(
                    f"limits.{severity}.{milestone}: unknown milestone "
                    f"(accepted: {', '.join(MILESTONES)})"
                )
            limits[severity][milestone] = _positive(raw, f"limits.{severity}.{milestone}")
    for severity in _SEVERITY_KEYS:
        if severity not in limits:
            raise PolicyError(f"limits.{severity}: missing (every severity needs its limits)")
        for needed in ("respond", "resolve"):
            if needed not in limits[severity]:
                raise PolicyError(f"limits.{severity}.{needed}: missing")
        if "update" in limits[severity] and limits[severity]["update"].unit in ("d", "wd"):
            raise PolicyError(f"limits.{severity}.update: a recurring limit must be in m or h")
    channels: dict[str, Duration] = {}
    for channel, raw in (doc.get("channels") or {}).items():
        if channel not in CHANNEL.labels:
            raise PolicyError(
                f"channels.{channel}: unknown channel (accepted: {', '.join(CHANNEL.labels)})"
            )
        channels[channel] = _positive(raw, f"channels.{channel}")
    windows = doc.get("windows") or {}
    fraction = windows.get("warning_fraction", 0.25)
    if not isinstance(fraction, int | float) or isinstance(fraction, bool) or not 0 < fraction < 1:
        raise PolicyError(
            f"windows.warning_fraction: expected a number between 0 and 1, got {fraction!r}"
        )
    ends = windows.get("day_ends_at", "24:00")
    day_ends_at: time | None
    if ends in ("24:00", None):
        day_ends_at = None
    else:
        try:
            hh, mm = str(ends).split(":")
            day_ends_at = time(int(hh), int(mm))
        except ValueError as exc:
            raise PolicyError(f"windows.day_ends_at: expected HH:MM, got {ends!r}") from exc
    esc = doc.get("escalation") or {}
    lists = doc.get("lists") or {}
    aliases = doc.get("aliases") or {}
    if not isinstance(aliases, dict) or not all(isinstance(v, str) for v in aliases.values()):
        raise PolicyError('aliases: expected a table of name = "列表中的名称"')
    return Policy(
        name=str(doc.get("name", "unnamed")),
        limits=limits,
        channel_respond=channels,
        reconsideration=_positive(windows.get("reconsideration", "7d"), "windows.reconsideration"),
        warning_fraction=float(fraction),
        day_ends_at=day_ends_at,
        retention_years=_int(windows.get("retention_years", 3), "windows.retention_years"),
        unresolved_months=_int(esc.get("unresolved_months", 1), "escalation.unresolved_months"),
        collective_units=_int(esc.get("collective_units", 5), "escalation.collective_units", 2),
        collective_window=_positive(
            esc.get("collective_window", "7d"), "escalation.collective_window"
        ),
        reopen_limit=_int(esc.get("reopen_limit", 2), "escalation.reopen_limit"),
        categories=_names(lists.get("categories", []), "lists.categories"),
        departments=_names(lists.get("departments", []), "lists.departments"),
        aliases={k.lower(): v for k, v in aliases.items()},
        text=text,
        targets=parse_targets(doc.get("targets")),
    )


_DEFAULT: Policy | None = None


def default_policy() -> Policy:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = parse_policy(DEFAULT_POLICY_TOML)
    return _DEFAULT
