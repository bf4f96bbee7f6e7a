"""The report's figures: the counts of one cohort (:class:`Counts`), its rates and working
days to resolve (:class:`Figures`), their order and their labels in Chinese and English.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields

from complaintctl.domain.messages import labels
from complaintctl.domain.vocab import CHANNEL, FAVOURABLE, KIND, SATISFACTION, SEVERITY
from complaintctl.reports.code import (
    MANY,
    MILESTONE_STATES,
    NATURES,
    RATINGS,
    RESOLVE_DIGITS,
    tally,
)

OTHER_MILESTONES = ("respond", "assign", "plan", "update")


def percent(num: int, den: int) -> float | None:
    """``num / den * 100`` rounded half up to one decimal (exact, in integers); None if den is 0."""
    if den == 0:
        return None
    return ((num * 2000 + den) // (2 * den)) / 10


@dataclass
class Counts:
    """Raw counts of one cohort.  Everything after ``duplicates`` excludes linked duplicates."""

    received: int = 0
    duplicates: int = 0
    total: int = 0
    timely: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0
    respond_met: int = 0
    respond_late: int = 0
    respond_breached: int = 0
    respond_pending: int = 0
    assign_met: int = 0
    assign_late: int = 0
    assign_breached: int = 0
    assign_pending: int = 0
    plan_met: int = 0
    plan_late: int = 0
    plan_breached: int = 0
    plan_pending: int = 0
    update_met: int = 0
    update_late: int = 0
    update_breached: int = 0
    update_pending: int = 0
    resolved: int = 0
    followed_up: int = 0
    satisfied: int = 0
    unsatisfied: int = 0
    level_very_satisfied: int = 0
    level_satisfied: int = 0
    level_basically_satisfied: int = 0
    level_unsatisfied: int = 0
    level_very_dissatisfied: int = 0
    ever_resolved: int = 0
    reopened: int = 0
    reopenings: int = 0
    extended: int = 0
    extensions: int = 0
    escalated: int = 0
    escalated_manager: int = 0
    escalated_senior: int = 0
    nature_valid: int = 0
    nature_assist: int = 0
    nature_excessive: int = 0
    nature_no_fault: int = 0
    nature_unclassified: int = 0
    # issue 16: not judged for want of a time (neither on time nor late, in no rate's
    # numerator or denominator): resolve (mostly handled at an unknown time), the clocks
    not_judged: int = 0
    respond_not_judged: int = 0
    assign_not_judged: int = 0
    plan_not_judged: int = 0
    update_not_judged: int = 0

    def add_codes(self, codes: Counter[bytes]) -> bool:
        """Count rows by their state codes (``codes``: code text -> how many rows).  False
        when a 复议 or 延期 count was 7 or more: ``reopenings``/``extensions`` are then short
        and must be summed in SQL."""
        t, ever = tally(codes)
        self.duplicates += t["duplicate"][1]
        total = t["duplicate"][0]
        self.received += total + t["duplicate"][1]
        self.total += total
        for state, n in zip(RESOLVE_DIGITS, t["resolve"], strict=True):
            setattr(self, state, getattr(self, state) + n)
        self.resolved += t["resolve"][0] + t["resolve"][1] + t["resolve"][4]
        for m in OTHER_MILESTONES:
            for m_state, n in zip(MILESTONE_STATES, t[m], strict=True):
                if m_state is not None:
                    name = f"{m}_{m_state}"
                    setattr(self, name, getattr(self, name) + n)
        for rating, n in zip(RATINGS, t["followup"][1:], strict=True):
            self.followed_up += n
            if rating in FAVOURABLE:
                self.satisfied += n
            else:
                self.unsatisfied += n
            name = f"level_{rating}"
            setattr(self, name, getattr(self, name) + n)
        self.reopened += total - t["reopenings"][0]
        self.reopenings += sum(k * n for k, n in enumerate(t["reopenings"]))
        self.ever_resolved += ever
        self.extended += total - t["extensions"][0]
        self.extensions += sum(k * n for k, n in enumerate(t["extensions"]))
        self.escalated += t["escalation"][1] + t["escalation"][2]
        self.escalated_manager += t["escalation"][1]
        self.escalated_senior += t["escalation"][2]
        for nature, n in zip(NATURES, t["nature"], strict=True):
            name = f"nature_{nature or 'unclassified'}"
            setattr(self, name, getattr(self, name) + n)
        return not (t["reopenings"][MANY] or t["extensions"][MANY])


COUNT_FIELDS = tuple(f.name for f in fields(Counts))


@dataclass
class Figures:
    """One cohort's counts, its working-day durations to resolve, and every derived rate."""

    value: str | None
    counts: Counts
    days: Counter[int] = field(default_factory=Counter)  # working days to resolve -> how many
    no_callback: int = 0  # resolved without a phone to call back (匿名): out of the 回访率

    def rates(self) -> dict[str, float | int | None]:
        c = self.counts
        out: dict[str, float | int | None] = {
            "timely_rate": percent(c.timely, c.timely + c.late + c.overdue)
        }
        for m in OTHER_MILESTONES:
            met, late, breached = (getattr(c, f"{m}_{s}") for s in ("met", "late", "breached"))
            out[f"{m}_rate"] = percent(met, met + late + breached)
        out["followup_rate"] = percent(c.followed_up, c.resolved - self.no_callback)
        out["satisfaction_rate"] = percent(c.satisfied, c.followed_up)
        out["reopen_rate"] = percent(c.reopened, c.ever_resolved)
        n = sum(self.days.values())
        total = sum(d * k for d, k in self.days.items())
        out["resolve_days_mean"] = (total * 20 + n) // (2 * n) / 10 if n else None
        out["resolve_days_p90"] = _nearest_rank(self.days, 90) if n else None
        return out

    def as_dict(self) -> dict[str, float | int | None]:
        """Every figure, in FIELDS order."""
        merged: dict[str, float | int | None] = {k: getattr(self.counts, k) for k in COUNT_FIELDS}
        merged.update(self.rates())
        return {k: merged[k] for k in FIELDS}


def _nearest_rank(days: Counter[int], pct: int) -> int:
    """The nearest-rank percentile: the smallest value with at least pct% of values <= it."""
    n = sum(days.values())
    rank = (pct * n + 99) // 100
    seen = 0
    for value in sorted(days):
        seen += days[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable")


def _field_order() -> tuple[str, ...]:
    order = ["received", "duplicates", "total", "timely", "late", "overdue", "pending"]
    order.append("timely_rate")
    for m in OTHER_MILESTONES:
        order += [f"{m}_{s}" for s in ("met", "late", "breached", "pending")] + [f"{m}_rate"]
    order += ["resolved", "followed_up", "followup_rate", "satisfied", "unsatisfied"]
    order += [f"level_{level}" for level in SATISFACTION.codes]
    order += ["satisfaction_rate", "ever_resolved", "reopened", "reopenings", "reopen_rate"]
    order += ["extended", "extensions", "escalated", "escalated_manager", "escalated_senior"]
    order += [f"nature_{n}" for n in ("valid", "assist", "excessive", "no_fault", "unclassified")]
    order += ["resolve_days_mean", "resolve_days_p90"]
    order += ["not_judged", *(f"{m}_not_judged" for m in OTHER_MILESTONES)]  # issue 16
    return tuple(order)


FIELDS = _field_order()
RATE_FIELDS = frozenset(k for k in FIELDS if k.endswith("_rate"))

# Each figure's label as (Chinese, English), from the catalogue (``label.figure.*``).
LABELS = labels("label.figure.")
assert all(k in LABELS for k in FIELDS)


LEVEL_FIELDS = tuple(f"level_{code}" for code in SATISFACTION.codes)
# issue 16: the counts of milestones not judged for want of a time, resolve first; outputs
# that lay the figures out show them only when one is not zero
NOT_JUDGED_FIELDS = ("not_judged", *(f"{m}_not_judged" for m in OTHER_MILESTONES))


def any_not_judged(values: dict[str, float | int | None]) -> bool:
    return any(values.get(k) for k in NOT_JUDGED_FIELDS)


def with_levels(keys: tuple[str, ...], values: dict[str, float | int | None]) -> tuple[str, ...]:
    """``keys`` with the count per 回访 level after ``unsatisfied`` when any 回访 used the five
    levels (with two, the levels repeat 满意 and 不满意)."""
    two = ("level_satisfied", "level_unsatisfied")
    if not any(values[k] for k in LEVEL_FIELDS if k not in two):
        return keys
    at = keys.index("unsatisfied") + 1
    return (*keys[:at], *LEVEL_FIELDS, *keys[at:])


def label(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return en if lang == "en" else zh


_UNSET = labels("label.unset.")  # a dimension without a value


def value_label(dimension: str, value: str | None, lang: str) -> str:
    """How a breakdown value reads: 重大 for major, 未派单 for no department, ..."""
    if value is None:
        zh, en = _UNSET[dimension]
        return en if lang == "en" else zh
    if dimension == "severity":
        return SEVERITY.label(value, lang)
    if dimension == "channel":
        return CHANNEL.label(value, lang)
    if dimension == "kind":
        return KIND.label(value, lang)
    return value
