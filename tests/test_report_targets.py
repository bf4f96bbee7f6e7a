"""The policy's targets in the monthly report (issue 18): the [targets] contract, each figure
met or missed in every format, the grade reached, and --fail-below-target's exit 3."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_report import MONTH, built, month

from complaintctl.domain.errors import PolicyError
from complaintctl.reports.figures import percent
from complaintctl.reports.goals import judge
from complaintctl.sla.policy import DEFAULT_POLICY_TOML, parse_policy
from complaintctl.sla.targets import Grade, Targets, parse_targets

pytestmark = pytest.mark.backends

__all__ = ["built", "month"]  # the worked example of docs/report.md, as fixtures

TARGETS = """
[targets]
timely_rate = 0.95            # overall 处理及时率
followup_rate = 0.80          # 回访率
satisfaction_rate = 0.90      # 满意率
[targets.milestones]
respond = 0.70                # any milestone name
[[targets.grades]]
name = "一级"
min_timely_rate = 0.95
[[targets.grades]]
name = "二级"
min_timely_rate = 0.90
[[targets.grades]]
name = "三级"
min_timely_rate = 0.60
"""

JUDGED = {
    "met": False,
    "missed": ["timely_rate", "satisfaction_rate"],
    "grade": "三级",
    "figures": [
        {"figure": "timely_rate", "value": 66.7, "target": 95.0, "met": False},
        {"figure": "respond_rate", "value": 71.4, "target": 70.0, "met": True},
        {"figure": "followup_rate", "value": 80.0, "target": 80.0, "met": True},
        {"figure": "satisfaction_rate", "value": 75.0, "target": 90.0, "met": False},
    ],
    "grades": [
        {"name": "一级", "min_timely_rate": 95.0, "reached": False},
        {"name": "二级", "min_timely_rate": 90.0, "reached": False},
        {"name": "三级", "min_timely_rate": 60.0, "reached": True},
    ],
}


def load(run, tmp_path: Path, targets: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(DEFAULT_POLICY_TOML + targets, encoding="utf-8")
    run.ok("policy", "load", str(path))


def test_the_targets_contract():
    policy = parse_policy(DEFAULT_POLICY_TOML + TARGETS)
    assert policy.targets == Targets(
        {"timely_rate": 0.95, "followup_rate": 0.80, "satisfaction_rate": 0.90},
        {"respond": 0.70},
        (
            Grade("一级", {"timely_rate": 0.95}),
            Grade("二级", {"timely_rate": 0.90}),
            Grade("三级", {"timely_rate": 0.60}),
        ),
    )
    assert not parse_policy(DEFAULT_POLICY_TOML).targets


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[targets]\ntimely_rate = 95",
            "targets.timely_rate: expected a fraction from 0 to 1 (0.95 = 95%), got 95",
        ),
        (
            "[targets]\nresolve_rate = 0.9",
            "targets.resolve_rate: unknown key (accepted: timely_rate, followup_rate, "
            "satisfaction_rate, milestones, grades)",
        ),
        (
            "[targets.milestones]\nreply = 0.9",
            "targets.milestones.reply: unknown milestone "
            "(accepted: respond, assign, plan, resolve, update)",
        ),
        ('[[targets.grades]]\nname = "一级"', "targets.grades[0].min_timely_rate: missing"),
        (
            '[[targets.grades]]\nname = "一级"\nmin_timely_rate = 0.9\nmin_rate = 0.9',
            "targets.grades[0].min_rate: unknown key "
            "(accepted: name, min_timely_rate, min_followup_rate, min_satisfaction_rate)",
        ),
        (
            '[[targets.grades]]\nname = "一级"\nmin_timely_rate = 0.9\n'
            '[[targets.grades]]\nname = "一级"\nmin_timely_rate = 0.8',
            "targets.grades: a grade is named twice",
        ),
    ],
)
def test_a_bad_target_is_one_line_naming_the_key(run, tmp_path, toml, message):
    with pytest.raises(PolicyError) as caught:
        parse_policy(DEFAULT_POLICY_TOML + "\n" + toml + "\n")
    assert str(caught.value) == message
    path = tmp_path / "bad.toml"
    path.write_text(DEFAULT_POLICY_TOML + "\n" + toml + "\n", encoding="utf-8")
    result = run("policy", "load", str(path))
    assert result.exit_code == 2
    assert result.stderr == f"complaintctl: {message}\n"
    assert "version 0" in run.ok("policy", "show").splitlines()[0]  # nothing was loaded


@given(num=st.integers(0, 2000), den=st.integers(1, 2000), target=st.integers(0, 1000))
def test_a_figure_meets_its_target_as_reported(num, den, target):
    num = min(num, den)
    value = percent(num, den)
    verdict = judge({"timely_rate": value}, parse_targets({"timely_rate": target / 1000}))
    (judged,) = verdict.figures
    assert judged.target == target / 10
    assert judged.met is (round(value * 10) >= target)  # the figure shown, to the tenth
    assert verdict.missed == ([] if judged.met else ["timely_rate"])


def test_no_value_is_neither_met_nor_missed():
    targets = parse_targets(
        {"satisfaction_rate": 0.9, "grades": [{"name": "一级", "min_timely_rate": 0.5}]}
    )
    verdict = judge({"satisfaction_rate": None, "timely_rate": None}, targets)
    assert verdict.as_dict() == {
        "met": None,
        "missed": [],
        "grade": None,
        "figures": [{"figure": "satisfaction_rate", "value": None, "target": 90.0, "met": None}],
        "grades": [{"name": "一级", "min_timely_rate": 50.0, "reached": False}],
    }


def test_every_format_shows_each_figure_against_its_target(run, month, tmp_path):
    assert run.json(*MONTH)["targets"] == {
        "met": None,
        "missed": [],
        "grade": None,
        "figures": [],
        "grades": [],
    }
    assert "目标达成" not in run.ok(*MONTH)
    load(run, tmp_path, TARGETS)
    data = run.json(*MONTH)
    assert data["targets"] == JUDGED
    assert data["timely_rate"] == 66.7  # the figures themselves are as before
    screen = run.ok(*MONTH).splitlines()
    start = screen.index("目标达成")
    assert screen[start : start + 7] == [
        "目标达成",
        "指标             数值  目标  结果",
        "处理及时率%      66.7  95.0  未达标",
        "首次联系按时率%  71.4  70.0  达标",
        "回访率%          80.0  80.0  达标",
        "满意率%          75.0  90.0  未达标",
        "等级：三级",
    ]
    english = run.ok("--lang", "en", *MONTH).splitlines()
    assert "Timely rate %        66.7   95.0    missed" in english
    assert "Grade: 三级" in english
    rows = list(csv.reader(io.StringIO(run.ok(*MONTH, "--format", "csv").lstrip("\ufeff"))))
    header = rows[0]
    assert header[-2:] == ["目标%", "结果"]
    targets = [r for r in rows if r[0] == "目标"]
    assert [(r[1], r[header.index(r[1])], r[-2], r[-1]) for r in targets] == [
        ("处理及时率%", "66.7", "95.0", "未达标"),
        ("首次联系按时率%", "71.4", "70.0", "达标"),
        ("回访率%", "80.0", "80.0", "达标"),
        ("满意率%", "75.0", "90.0", "未达标"),
    ]
    assert [r[2] for r in rows if r[0] == "等级"] == ["三级"]
    path = tmp_path / "march.xlsx"
    run.ok(*MONTH, "-o", str(path))
    ws = openpyxl.load_workbook(path)["汇总"]
    assert ws["A1"].value == "投诉处理报表 2026-03（统计截至 2026-04-10 12:00）　等级：三级"
    assert [c.value for c in ws[2]] == ["指标", "数值", "目标", "结果"]
    judged = {r[0]: r[1:] for r in ws.iter_rows(min_row=3, values_only=True) if r[2] is not None}
    assert judged == {
        "处理及时率%": (0.667, 0.95, "未达标"),
        "首次联系按时率%": (0.714, 0.7, "达标"),
        "回访率%": (0.8, 0.8, "达标"),
        "满意率%": (0.75, 0.9, "未达标"),
    }
    assert ws._charts[0].anchor._from.col == 5  # the chart moves right of the two columns


def test_fail_below_target_exits_3_after_writing(run, month, tmp_path):
    load(run, tmp_path, TARGETS)
    path = tmp_path / "march.json"
    result = run(*MONTH, "--fail-below-target", "-o", str(path))
    assert result.exit_code == 3 and result.stdout == f"已写入 {path}\n"
    assert '"missed": [\n      "timely_rate",' in path.read_text(encoding="utf-8")
    # every target met: exit 0
    load(run, tmp_path, "[targets]\ntimely_rate = 0.6\nfollowup_rate = 0.8\n")
    assert run(*MONTH, "--fail-below-target").exit_code == 0
    result = run("--lang", "en", "report", "--months", "3", "--fail-below-target")
    assert result.exit_code == 2
    assert result.stderr == (
        "complaintctl: --fail-below-target: not with --months (the trend is not judged)\n"
    )
