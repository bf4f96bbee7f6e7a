"""The report's figures against the policy's targets (issue 18; the targets in
:mod:`complaintctl.sla.targets`).

A figure meets its target when the figure as reported (a percentage with one decimal) is at
least the target (the policy's fraction × 100, e.g. 0.95 -> 95.0): what head office reads is
what is judged, so a 及时率 shown as 95.0 never reads "missed" against 95 %.  A figure without
a value (no denominator: nothing was due) is neither met nor missed.  The grade reached is the
one with the highest ``min_timely_rate`` whose every threshold is met.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from complaintctl.domain.messages import labels, text
from complaintctl.sla.targets import Targets

# The order figures are judged and shown in.
ORDER = (
    "timely_rate",
    "respond_rate",
    "assign_rate",
    "plan_rate",
    "update_rate",
    "followup_rate",
    "satisfaction_rate",
)


def _tenths(fraction: float) -> int:
    """A fraction as tenths of a percent, rounded half up: 0.955 -> 955."""
    return int(fraction * 1000 + 0.5)


@dataclass(frozen=True)
class Judged:
    figure: str  # the report figure: timely_rate, respond_rate, ...
    value: float | None  # as reported, a percentage
    target: float  # a percentage
    met: bool | None  # None: no value to judge

    def as_dict(self) -> dict[str, Any]:
        return {"figure": self.figure, "value": self.value, "target": self.target, "met": self.met}


@dataclass(frozen=True)
class GradeResult:
    name: str
    minimums: dict[str, float]  # figure -> percentage
    reached: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            **{f"min_{k}": v for k, v in self.minimums.items()},
            "reached": self.reached,
        }


@dataclass(frozen=True)
class Verdict:
    """Each target judged, and the grade reached."""

    figures: tuple[Judged, ...] = ()
    grades: tuple[GradeResult, ...] = ()

    @property
    def grade(self) -> str | None:
        reached = [g for g in self.grades if g.reached]
        if not reached:
            return None
        return max(reached, key=lambda g: g.minimums["timely_rate"]).name

    @property
    def missed(self) -> list[str]:
        """The figures below their target."""
        return [j.figure for j in self.figures if j.met is False]

    @property
    def met(self) -> bool | None:
        """All targets met (None: no target judged)."""
        judged = [j.met for j in self.figures if j.met is not None]
        return all(judged) if judged else None

    def target(self, figure: str) -> Judged | None:
        return next((j for j in self.figures if j.figure == figure), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "met": self.met,
            "missed": self.missed,
            "grade": self.grade,
            "figures": [j.as_dict() for j in self.figures],
            "grades": [g.as_dict() for g in self.grades],
        }


def _reaches(value: float | None, fraction: float) -> bool | None:
    if value is None:
        return None
    return round(value * 10) >= _tenths(fraction)


def judge(figures: Mapping[str, Any], targets: Targets) -> Verdict:
    """``figures``: the report's summary (``Figures.as_dict()``)."""
    wanted = targets.figures()
    judged = tuple(
        Judged(k, figures[k], _tenths(wanted[k]) / 10, _reaches(figures[k], wanted[k]))
        for k in ORDER
        if k in wanted
    )
    grades = tuple(
        GradeResult(
            g.name,
            {k: _tenths(v) / 10 for k, v in g.minimums.items()},
            all(_reaches(figures[k], v) for k, v in g.minimums.items()),
        )
        for g in targets.grades
    )
    return Verdict(judged, grades)


WORDS = labels("label.goal.")  # messages/zh.py, en.py


def word(key: str, lang: str) -> str:
    zh, en = WORDS[key]
    return en if lang == "en" else zh


def result_word(met: bool | None, lang: str) -> str:
    """达标 / 未达标 / 无数据 (a figure with no value is not judged)."""
    return word("unjudged" if met is None else "met" if met else "missed", lang)


def grade_line(verdict: Verdict, lang: str) -> str | None:
    """``等级：二级`` (None when the policy sets no grades)."""
    if not verdict.grades:
        return None
    grade = verdict.grade or word("no_grade", lang)
    return text("goals.grade_line", lang, word=word("grade", lang), grade=grade)
