"""The escalation rules of seed 004, applied by ``complaintctl escalate`` (meant for cron).

Each rule records an ``escalated`` event by ``system`` whose data carries ``reason_code`` (one
of :data:`RULES`), ``reason``, ``level`` and, when it raises them, ``severity`` (with the
recomputed deadlines, as a reclassification does) and ``collective_of``.  A rule never lowers
a severity or level and never fires twice for one complaint (``complaints.escalations`` holds
the codes applied).  Thresholds come from the complaint's policy (``[escalation]``); the
collective rule, which judges a group, uses the current policy.

1. ``unresolved_month``: still open ``unresolved_months`` calendar months after receipt ->
   major (004 §3.1.2 (3)).
2. ``collective``: ``collective_units`` or more different units on the same category and
   location within any ``collective_window`` (sliding; ``7d`` = 7 x 24 h, ``wd`` counted like
   a deadline) -> each open one marked collective
   (``collective_of`` = the group's lowest id) and major (004 §3.1.2 (5)).
3. ``reconsideration``: reopened ``reopen_limit`` times, or unsatisfied at the follow-up after
   a reconsideration -> senior management (004: 初步处理 -> 深入处理 -> 高层介入).
4. ``major_breach``: a breached milestone of a major complaint -> the service-centre manager
   (004: 如遇重大投诉，应马上向物业服务中心经理汇报).

Linked duplicates follow their main and are not judged themselves, except that they count as
units for, and are marked by, the collective rule (their severity stays with the main).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta

from complaintctl.domain.labels import ESCALATION_LEVELS
from complaintctl.domain.model import Complaint, Event, apply
from complaintctl.domain.sites import mention, number_of
from complaintctl.domain.timeutil import from_epoch, local_due, to_epoch
from complaintctl.domain.vocab import FAVOURABLE, MILESTONE_LABELS, OPEN_STATUSES, SEVERITY
from complaintctl.sla.milestones import milestones
from complaintctl.time.deadlines import due_at
from complaintctl.workflow.steps import severity_deadlines

if TYPE_CHECKING:
    from complaintctl.store.ledger import Ledger
    from complaintctl.time.calendar import WorkCalendar
    from complaintctl.time.deadlines import Duration

RULES = ("unresolved_month", "collective", "reconsideration", "major_breach")
SYSTEM = "system"
MAJOR = "major"
LEVEL_LABELS = {level: zh for level, (zh, _) in ESCALATION_LEVELS.items()}
_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)


@dataclass(frozen=True)
class Action:
    """One escalation to record: the event data and the states before and after."""

    complaint_id: int
    data: dict[str, Any]
    before: Complaint
    after: Complaint

    @property
    def reason_code(self) -> str:
        return str(self.data["reason_code"])

    def to_json(self) -> dict[str, Any]:
        keys = ("reason_code", "reason", "level", "severity", "collective_of")
        out: dict[str, Any] = {"id": number_of(self.complaint_id), "site": self.before.site}
        out.update({k: self.data.get(k) for k in keys})
        out["severity_before"] = self.before.severity
        out["level_before"] = self.before.escalation_level
        out["level_after"] = self.after.escalation_level
        return out


@dataclass
class _Plan:
    ledger: Ledger
    as_of: int
    sites: list[str] | None = None  # issue 21: these sites only (None: every site)
    states: dict[int, Complaint] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)

    @property
    def where(self) -> str:
        """The condition on the sites, after the others (its values: :attr:`codes`)."""
        return "" if self.sites is None else f" AND site IN ({', '.join('?' for _ in self.sites)})"

    @property
    def codes(self) -> list[str]:
        return self.sites or []

    def current(self, row: Any) -> Complaint:
        cid = int(row["id"])
        if cid not in self.states:
            self.states[cid] = Complaint.from_row(dict(row))
        return self.states[cid]

    def add(
        self,
        state: Complaint,
        code: str,
        reason: str,
        *,
        level: str | None = None,
        severity: str | None = None,
        collective_of: int | None = None,
    ) -> None:
        if code in state.escalations:
            return
        data: dict[str, Any] = {"reason_code": code, "reason": reason, "level": level}
        if severity is not None and _raises(state.severity, severity):
            policy = self.ledger.policy(state.policy_version)
            data["severity"] = severity
            data.update(severity_deadlines(self.ledger, policy, state, severity))
        if collective_of is not None:
            data["collective_of"] = collective_of
        after = apply(state, Event("escalated", state.id, self.as_of, SYSTEM, data))
        self.actions.append(Action(state.id, data, state, after))
        self.states[state.id] = after


def _raises(before: str | None, after: str) -> bool:
    order = [None, *SEVERITY.codes]
    return order.index(after) > order.index(before)


def plan(ledger: Ledger, as_of: int, sites: list[str] | None = None) -> list[Action]:
    """What the rules would record at ``as_of``, in order (rules 1-4, by id within a rule),
    for the complaints of ``sites`` (None: every site).
    Reads only; later rules see the states earlier ones lead to."""
    p = _Plan(ledger, as_of, sites)
    _unresolved(p)
    _collective(p)
    _reconsideration(p)
    _major_breach(p)
    return p.actions


def run(
    ledger: Ledger, as_of: int, *, dry_run: bool = False, sites: list[str] | None = None
) -> list[Action]:
    """Plan and record the escalations in one write transaction (nothing written for a dry
    run).  Planning inside the transaction means no other writer can slip in between."""
    if dry_run:
        return plan(ledger, as_of, sites)
    with ledger.write() as w:
        if sites:  # the sites' chains first, in one order (store/postgres.ServerWriter)
            w.lock(*sites)
        else:
            w.lock_all()
        actions = plan(ledger, as_of, sites)
        for a in actions:
            state = ledger.get(a.complaint_id)
            w.record(state, Event("escalated", a.complaint_id, as_of, SYSTEM, a.data))
    return actions


# -- the rules ------------------------------------------------------------------------------
def _not_applied(code: str) -> str:
    return f"escalations NOT LIKE '%\"{code}\"%'"


def _unresolved(p: _Plan) -> None:
    """Rule 1: open ``unresolved_months`` after receipt."""
    versions = [0, *(int(r["version"]) for r in p.ledger.query("SELECT version FROM policies"))]
    months = min(p.ledger.policy(v).unresolved_months for v in versions)
    # received by then, give or take the days a month-end clamps away (31 Jan + 1 month = 28 Feb)
    cutoff = to_epoch(from_epoch(p.as_of) - relativedelta(months=months)) + 4 * 86400
    rows = p.ledger.query(
        f"SELECT * FROM complaints WHERE status IN ({_OPEN}) AND duplicate_of IS NULL "
        f"AND received_at <= ? AND {_not_applied('unresolved_month')}{p.where} ORDER BY id",
        (min(cutoff, p.as_of), *p.codes),
    )
    for row in rows:
        c = p.current(row)
        months = p.ledger.policy(c.policy_version).unresolved_months
        if to_epoch(from_epoch(c.received_at) + relativedelta(months=months)) > p.as_of:
            continue
        reason = f"受理满{months}个月仍未解决，升为重大投诉（种子004 §3.1.2(3)）"
        p.add(c, "unresolved_month", reason, severity=MAJOR)


def _collective(p: _Plan) -> None:
    """Rule 2: enough different units on one category and location within the window."""
    policy = p.ledger.policy()
    rows = p.ledger.query(
        "SELECT * FROM complaints WHERE category IS NOT NULL AND location IS NOT NULL "
        "AND status != 'cancelled' AND received_at <= ? "
        "AND (site, category, location) IN (SELECT site, category, location "
        f"FROM complaints WHERE status IN ({_OPEN}) AND {_not_applied('collective')}{p.where}) "
        "ORDER BY site, category, location, received_at, id",
        (p.as_of, *p.codes),
    )
    groups: dict[tuple[str, str, str], list[Any]] = {}  # one site's units (issue 21)
    for row in rows:
        groups.setdefault((row["site"], row["category"], row["location"]), []).append(row)
    if not groups:
        return
    cal = p.ledger.calendar() if policy.collective_window.unit == "wd" else None
    for (_, category, location), members in groups.items():
        ends = [window_end(r["received_at"], policy.collective_window, cal) for r in members]
        for cluster in clusters(
            [(r["received_at"], r["unit"]) for r in members], ends, policy.collective_units
        ):
            rows_in = [members[i] for i in cluster]
            units = len({r["unit"] for r in rows_in})
            main = min(int(r["id"]) for r in rows_in)
            reason = (
                f"集体投诉：{units}户在{policy.collective_window}内就同一事项（{category}，"
                f"{location}）投诉，归入集体投诉 {mention(main)}（种子004 §3.1.2(5)）"
            )
            for r in sorted(rows_in, key=lambda r: int(r["id"])):
                if r["status"] not in OPEN_STATUSES:
                    continue
                c = p.current(r)
                severity = None if c.duplicate_of is not None else MAJOR
                p.add(c, "collective", reason, severity=severity, collective_of=main)


def window_end(start: int, window: Duration, cal: WorkCalendar | None) -> int:
    """The last moment of a collective window opening at ``start``: ``m``/``h``/``d`` are
    exact spans (a day is 24 h); ``wd`` ends like a deadline, at 24:00 of the n-th working day."""
    if window.unit == "wd":
        assert cal is not None
        return to_epoch(due_at(from_epoch(start), window, cal)[0])
    return start + window.amount * {"m": 60, "h": 3600, "d": 86400}[window.unit]


def clusters(items: list[tuple[int, str]], ends: list[int], units: int) -> list[list[int]]:
    """Indexes of ``items`` ((received_at, unit), sorted by time) that lie in some window
    ``[t_i, ends[i]]`` holding ``units`` or more different units; overlapping windows merge."""
    out: list[list[int]] = []
    counts: dict[str, int] = {}
    j = 0  # items[i:j] is the window starting at i
    for i in range(len(items)):
        while j < len(items) and items[j][0] <= ends[i]:
            counts[items[j][1]] = counts.get(items[j][1], 0) + 1
            j += 1
        if len(counts) >= units:
            if out and out[-1][-1] >= i:
                out[-1].extend(range(out[-1][-1] + 1, j))
            else:
                out.append(list(range(i, j)))
        counts[items[i][1]] -= 1
        if not counts[items[i][1]]:
            del counts[items[i][1]]
    return out


def _reconsideration(p: _Plan) -> None:
    """Rule 3: reopened too often, or still unsatisfied after a reconsideration."""
    rows = p.ledger.query(
        "SELECT * FROM complaints WHERE reopen_count >= 1 AND duplicate_of IS NULL "
        "AND status != 'cancelled' "
        f"AND received_at <= ? AND {_not_applied('reconsideration')}{p.where} ORDER BY id",
        (p.as_of, *p.codes),
    )
    for row in rows:
        c = p.current(row)
        limit = p.ledger.policy(c.policy_version).reopen_limit
        if c.reopen_count >= limit:
            why = f"复议{c.reopen_count}次"
        elif c.satisfaction is not None and c.satisfaction not in FAVOURABLE:
            why = "复议后回访仍不满意"
        else:
            continue
        reason = f"{why}，提交公司高层介入（种子004：初步处理→深入处理→高层介入）"
        p.add(c, "reconsideration", reason, level="senior")


def _major_breach(p: _Plan) -> None:
    """Rule 4: a major complaint past one of its deadlines."""
    rows = p.ledger.query(
        f"SELECT * FROM complaints WHERE status IN ({_OPEN}) AND next_due < ? "
        f"AND severity = 'major' AND {_not_applied('major_breach')}{p.where} ORDER BY id",
        (p.as_of, *p.codes),
    )
    candidates = {int(r["id"]): p.current(r) for r in rows}
    for cid, state in p.states.items():  # raised to major by an earlier rule in this run
        if state.severity == MAJOR and state.is_open and state.duplicate_of is None:
            candidates.setdefault(cid, state)
    for cid in sorted(candidates):
        c = p.states[cid]
        if c.received_at > p.as_of:
            continue
        late = [
            m
            for m in milestones(c, p.ledger.policy(c.policy_version), p.as_of)
            if m.state == "breached"
        ]
        if not late:
            continue
        first = min(late, key=lambda m: m.due)
        due = local_due(from_epoch(first.due))
        what = MILESTONE_LABELS[first.name]
        reason = f"重大投诉{what}超时（时限 {due}），报物业服务中心经理（种子004）"
        p.add(c, "major_breach", reason, level="manager")
