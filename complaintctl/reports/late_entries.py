"""Late entries (补录) in the monthly report: steps of the period's complaints recorded longer
after their ``--at`` than the policy's ``windows.late_entry`` (default 24 h).

Counted per step (the milestone it completes) and per staff member who recorded it, with how
many of the complaints counted timely (及时处理) had their resolution recorded late: a
resolution typed in days later with an early ``--at`` is the one way a late complaint can be
made to look timely, so the report shows it beside the 及时率 (docs/report.md).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from complaintctl.reports.asof import Source
from complaintctl.reports.code import RESOLVE_SQL
from complaintctl.sla.late import gap_text, late_gap
from complaintctl.store.ledger import Ledger

TIMELY = 0  # RESOLVE_SQL's code for a complaint resolved by its deadline


def step_of(kind: str, data: dict[str, Any]) -> str:
    """The step an event records, in the names of the milestones where there is one."""
    if kind == "updated":
        if data.get("contacted"):
            return "respond"
        return "plan" if data.get("plan") else "update"
    return {
        "registered": "register",
        "assigned": "assign",
        "resolved": "resolve",
        "followed_up": "followup",
        "reopened": "reopen",
    }.get(kind, kind)


@dataclass
class LateEntries:
    total: int = 0
    by_step: Counter[str] = field(default_factory=Counter)
    by_staff: Counter[str] = field(default_factory=Counter)
    timely_recorded_late: int = 0  # complaints counted timely whose resolution was a late entry
    per_complaint: dict[int, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_step": dict(sorted(self.by_step.items())),
            "by_staff": dict(sorted(self.by_staff.items(), key=lambda kv: (-kv[1], kv[0]))),
            "timely_recorded_late": self.timely_recorded_late,
        }


def late_entries(
    ledger: Ledger, source: Source, condition: str, params: dict[str, Any]
) -> LateEntries:
    """The late entries among the events, recorded by ``source.as_of``, of the complaints
    ``condition`` selects (inside the report's snapshot)."""
    out = LateEntries()
    versions = range(ledger.last_policy_version() + 1)
    floor = min(ledger.policy(v).late_entry.seconds for v in versions)
    sql = (
        "SELECT e.complaint_id AS id, e.kind AS kind, e.at AS at, e.recorded_at AS recorded_at, "
        f"e.by AS by_, e.data AS data, s.policy_version AS pv, s.resolve_done AS resolve_done, "
        f"s.duplicate_of AS duplicate_of, {RESOLVE_SQL} AS outcome "
        f"FROM {source.table(condition)} AS s JOIN events e ON e.complaint_id = s.id "
        "WHERE e.recorded_at <= :as_of AND e.recorded_at - e.at > :floor "
        "ORDER BY e.seq"
    )
    timely: set[int] = set()
    for row in ledger.conn.execute(sql, {**params, "as_of": source.as_of, "floor": floor}):
        gap = late_gap(row["at"], row["recorded_at"], ledger.policy(row["pv"]))
        if gap is None:
            continue
        step = step_of(row["kind"], json.loads(row["data"]))
        out.total += 1
        out.by_step[step] += 1
        out.by_staff[row["by_"]] += 1
        out.per_complaint.setdefault(row["id"], []).append(f"{step} +{gap_text(gap)}")
        counted_timely = row["duplicate_of"] is None and row["outcome"] == TIMELY
        if counted_timely and row["kind"] == "resolved" and row["at"] == row["resolve_done"]:
            timely.add(row["id"])
    out.timely_recorded_late = len(timely)
    return out
