"""Five-level satisfaction (issue 18, GB/T 39735-2020): ``followup --rating``, the report's count
per level and 满意率 as the favourable share, two-level ledgers unchanged, import of the levels."""

from __future__ import annotations

import re

import pytest
from test_import import HEADER, write_csv
from test_report import EXPECTED, MONTH, built, month

from complaintctl.domain.vocab import SATISFACTION

__all__ = ["built", "month"]  # the worked example of docs/report.md, as fixtures

pytestmark = pytest.mark.backends

LEVELS = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
    "very_dissatisfied": "非常不满意",
}


def _resolved(run, register, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        cid = register(severity="minor", at="2026-03-02 09:00")
        run.ok("close", str(cid), "--resolution", "已处理", "--at", "2026-03-03 10:00")
        ids.append(cid)
    return ids


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("非常满意", "very_satisfied"),
        ("基本满意", "basically_satisfied"),
        ("非常不满意", "very_dissatisfied"),
        ("very_satisfied", "very_satisfied"),
        ("Basically_Satisfied", "basically_satisfied"),
        ("dissatisfied", "unsatisfied"),
        ("very_dissatisfied", "very_dissatisfied"),
        ("5", "very_satisfied"),
        ("3", "basically_satisfied"),
        ("1", "very_dissatisfied"),
    ],
)
def test_followup_rating_in_chinese_english_or_5_to_1(run, register, given, stored):
    (cid,) = _resolved(run, register, 1)
    shown = run.json("followup", str(cid), "--rating", given, "--at", "2026-03-04 10:00")
    assert shown["satisfaction"] == stored
    assert re.search(rf"^满意度 +{LEVELS[stored]}$", run.ok("show", str(cid)), re.M)


def test_satisfied_and_unsatisfied_remain_two_levels(run, register):
    one, two = _resolved(run, register, 2)
    assert run.json("followup", str(one), "--satisfied")["satisfaction"] == "satisfied"
    assert run.json("followup", str(two), "--unsatisfied")["satisfaction"] == "unsatisfied"


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--rating", "很满意"),
            "complaintctl: --rating: unknown value '很满意' (accepted: very_satisfied, "
            "satisfied, basically_satisfied, unsatisfied, very_dissatisfied)\n",
        ),
        (
            ("--rating", "6"),
            "complaintctl: --rating: unknown value '6' (accepted: very_satisfied, "
            "satisfied, basically_satisfied, unsatisfied, very_dissatisfied)\n",
        ),
        (
            ("--rating", "满意", "--unsatisfied"),
            "complaintctl: --rating: give --rating or --unsatisfied, not both\n",
        ),
        (
            (),
            "complaintctl: --rating: give the owner's verdict: --rating "
            "非常满意/满意/基本满意/不满意/非常不满意 (or 5..1), --satisfied or --unsatisfied\n",
        ),
    ],
)
def test_a_bad_rating_is_one_line_and_nothing_is_written(run, register, args, message):
    (cid,) = _resolved(run, register, 1)
    before = run.json("show", str(cid))["events"]
    result = run("followup", str(cid), *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert run.json("show", str(cid))["events"] == before


def test_the_report_counts_each_level_and_the_favourable_share(run, register):
    ratings = ["5", "5", "4", "3", "3", "3", "2", "1"]
    ids = _resolved(run, register, len(ratings) + 1)  # the last one not followed up
    for cid, level in zip(ids, ratings, strict=False):
        run.ok("followup", str(cid), "--rating", level, "--at", "2026-03-04 10:00")
    data = run.json("report", "--month", "2026-03", "--as-of", "2026-04-01 00:00")
    levels = {k: data[f"level_{k}"] for k in LEVELS}
    assert levels == {
        "very_satisfied": 2,
        "satisfied": 1,
        "basically_satisfied": 3,
        "unsatisfied": 1,
        "very_dissatisfied": 1,
    }
    assert (data["resolved"], data["followed_up"], data["followup_rate"]) == (9, 8, 88.9)
    # 满意率: (非常满意 + 满意 + 基本满意) ÷ 回访件数 = 6 ÷ 8
    assert (data["satisfied"], data["unsatisfied"], data["satisfaction_rate"]) == (6, 2, 75.0)
    screen = run.ok("report", "--month", "2026-03", "--as-of", "2026-04-01 00:00")
    for name, value in (
        ("回访非常满意", 2),
        ("回访基本满意", 3),
        ("回访非常不满意", 1),
        ("满意率%", 75.0),
    ):
        assert re.search(rf"^{name} +{value}$", screen, re.M), name
    trend = run.json("report", "--months", "1", "--month", "2026-03", "--as-of", "2026-04-01 00:00")
    assert (trend["months"][0]["satisfied"], trend["months"][0]["satisfaction_rate"]) == (6, 75.0)


def test_two_level_ledgers_keep_their_figures(run, month):
    data = run.json(*MONTH)
    assert {k: data[k] for k in EXPECTED} == EXPECTED  # 满意 3, 不满意 1, 满意率 75.0
    assert {k: data[f"level_{k}"] for k in LEVELS} == {
        "very_satisfied": 0,
        "satisfied": 3,
        "basically_satisfied": 0,
        "unsatisfied": 1,
        "very_dissatisfied": 0,
    }


def test_import_reads_the_five_levels_and_the_usual_words(run, tmp_path):
    verdicts = [
        "基本满意",
        "非常满意",
        "非常不满意",
        "5",
        "1",
        "业主基本满意",
        "比较不满意",
        "满意",
    ]
    expected = [
        ("basically_satisfied", None),
        ("very_satisfied", None),
        ("very_dissatisfied", None),
        ("very_satisfied", None),
        ("very_dissatisfied", None),
        ("basically_satisfied", "业主基本满意"),
        ("unsatisfied", "比较不满意"),
        ("satisfied", None),
    ]
    rows = [
        [str(i), "2026/3/2", f"9:{i:02d}", "张三", f"3-1-50{i}", "13812345678", f"灯不亮{i}", "电话",
         "设施设备", "否", "工程部", "李工", "已更换灯管", "2026/3/3 16:00", verdict,
         "2026/3/4 10:00", ""]
        for i, verdict in enumerate(verdicts, 1)
    ]  # fmt: skip
    sheet = write_csv(tmp_path / "回访.csv", [HEADER, *rows])
    run.ok("import", str(sheet))
    for cid, (level, note) in enumerate(expected, 1):
        shown = run.json("show", str(cid))
        assert shown["satisfaction"] == level, verdicts[cid - 1]
        assert shown["events"][-1]["data"].get("note") == note


def test_the_five_levels_are_the_standards_in_order():
    assert SATISFACTION.labels == LEVELS


@pytest.mark.parametrize(("level", "escalates"), [("1", True), ("2", True), ("3", False)])
def test_an_unfavourable_level_after_reconsideration_escalates(run, register, level, escalates):
    cid = str(register(severity="minor", at="2026-03-02 09:00"))
    run.ok("close", cid, "--resolution", "已处理", "--unsatisfied", "--at", "2026-03-02 10:00")
    run.ok("reopen", cid, "--reason", "不满意", "--at", "2026-03-03 09:00")
    run.ok("close", cid, "--resolution", "重新处理", "--at", "2026-03-03 12:00")
    run.ok("followup", cid, "--rating", level, "--at", "2026-03-04 09:00")
    out = run.ok("escalate", "--as-of", "2026-03-04 09:10")
    assert out.startswith(f"#{cid} reconsideration:") is escalates  # 基本满意 is favourable
