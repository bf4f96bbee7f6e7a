"""The company's targets for the monthly report (issue 18): the policy's ``[targets]`` table.

The keys are a contract; rates are fractions (0.95 = 95 %)::

    [targets]
    timely_rate = 0.95            # overall 处理及时率
    followup_rate = 0.90          # 回访率
    satisfaction_rate = 0.90      # 满意率
    [targets.milestones]
    respond = 0.95                # any milestone name
    [[targets.grades]]
    name = "一级"
    min_timely_rate = 0.95

A grade may also set ``min_followup_rate`` and ``min_satisfaction_rate``; it is reached when
every threshold it sets is met.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from complaintctl.domain.errors import PolicyError
from complaintctl.domain.vocab import MILESTONES

RATES = ("timely_rate", "followup_rate", "satisfaction_rate")
GRADE_KEYS = tuple(f"min_{k}" for k in RATES)


@dataclass(frozen=True)
class Grade:
    name: str
    minimums: dict[str, float]  # report figure (timely_rate, ...) -> the fraction it must reach


@dataclass(frozen=True)
class Targets:
    rates: dict[str, float] = field(default_factory=dict)  # figure -> fraction
    milestones: dict[str, float] = field(default_factory=dict)  # milestone -> fraction
    grades: tuple[Grade, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rates or self.milestones or self.grades)

    def figures(self) -> dict[str, float]:
        """Every target by the report figure it applies to: ``timely_rate``, ``respond_rate``,
        ... (the ``resolve`` milestone's on-time rate is ``timely_rate``)."""
        out = dict(self.rates)
        for milestone, fraction in self.milestones.items():
            key = "timely_rate" if milestone == "resolve" else f"{milestone}_rate"
            out.setdefault(key, fraction)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.rates,
            "milestones": dict(self.milestones),
            "grades": [
                {"name": g.name, **{f"min_{k}": v for k, v in g.minimums.items()}}
                for g in self.grades
            ],
        }


def _fraction(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 1:
        raise PolicyError("targets.expected_a_fraction_from_to_got", where=where, raw=raw)
    return float(raw)


def parse_targets(raw: Any) -> Targets:
    """The ``[targets]`` table (None: no targets); every error is one line naming the key."""
    if raw is None:
        return Targets()
    if not isinstance(raw, dict):
        raise PolicyError("targets.targets_expected_a_table")
    accepted = (*RATES, "milestones", "grades")
    for key in raw:
        if key not in accepted:
            raise PolicyError(
                "targets.targets_unknown_key_accepted", key_name=key, accepted_name=list(accepted)
            )
    rates = {k: _fraction(raw[k], f"targets.{k}") for k in RATES if k in raw}
    ms = raw.get("milestones", {})
    if not isinstance(ms, dict):
        raise PolicyError("targets.targets_milestones_expected_a_table_of")
    milestones: dict[str, float] = {}
    for name, value in ms.items():
        if name not in MILESTONES:
            raise PolicyError(
                "targets.targets_milestones_unknown_milestone_accepted",
                name=name,
                known=list(MILESTONES),
            )
        milestones[name] = _fraction(value, f"targets.milestones.{name}")
    grades_raw = raw.get("grades", [])
    if not isinstance(grades_raw, list):
        raise PolicyError("targets.targets_grades_expected_targets_grades_tables")
    grades: list[Grade] = []
    for i, g in enumerate(grades_raw):
        where = f"targets.grades[{i}]"
        if not isinstance(g, dict):
            raise PolicyError("targets.expected_a_table_with_name_and", where=where)
        for key in g:
            if key != "name" and key not in GRADE_KEYS:
                raise PolicyError(
                    "targets.unknown_key_accepted_name",
                    where=where,
                    key_name=key,
                    known=list(GRADE_KEYS),
                )
        name = g.get("name")
        if not isinstance(name, str) or not name.strip():
            raise PolicyError("targets.name_expected_the_grade_s_name", where=where)
        if "min_timely_rate" not in g:
            raise PolicyError("targets.min_timely_rate_missing", where=where)
        minimums = {k[4:]: _fraction(g[k], f"{where}.{k}") for k in GRADE_KEYS if k in g}
        grades.append(Grade(name.strip(), minimums))
    if len({g.name for g in grades}) != len(grades):
        raise PolicyError("targets.targets_grades_a_grade_is_named")
    return Targets(rates, milestones, tuple(grades))
