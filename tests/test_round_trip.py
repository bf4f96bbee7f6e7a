"""The round trip holds for every complaint a ledger can hold (issue 16, item 6): ledgers built
at random through the workflow (linked duplicates, closed straight from 已登记, reopened,
extended, reclassified, escalated, corrected (更正), cancelled (作废)), exported with personal
data and imported into an empty ledger, list, show and report the same complaints, states,
deadlines and links."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from complaintctl.cli.app import app

START = datetime(2026, 3, 2, 8, 0)
AS_OF = "2026-04-30 12:00"
FORMATS = {"csv": ("zh", "台账.csv"), "csv-en": ("en", "ledger.csv"), "xlsx": ("zh", "台账.xlsx"),
           "jsonl": ("en", "l.jsonl")}  # fmt: skip

# one step on complaint ``n`` (an index into those registered so far), or a new complaint
STEPS = st.one_of(
    st.tuples(st.just("register"), st.sampled_from(["轻微", "中度", "重大", ""])),
    st.tuples(st.just("classify"), st.sampled_from(["轻微", "中度", "重大"])),
    st.tuples(st.just("assign"), st.sampled_from(["工程部", "保洁部"])),
    st.tuples(st.just("contact"), st.none()),
    st.tuples(st.just("plan"), st.none()),
    st.tuples(st.just("extend"), st.sampled_from(["1wd", "2wd"])),
    st.tuples(st.just("escalate"), st.none()),
    st.tuples(st.just("close"), st.sampled_from(["", "--satisfied", "--unsatisfied"])),
    st.tuples(st.just("followup"), st.sampled_from(["--satisfied", "--unsatisfied"])),
    st.tuples(st.just("reopen"), st.none()),
    st.tuples(st.just("link"), st.integers(0, 5)),
    # corrected (更正) and cancelled (作废) entries go round the trip too
    st.tuples(st.just("edit"), st.sampled_from(["unit", "channel", "received"])),
    st.tuples(st.just("cancel"), st.none()),
)


def _args(kind: str, value: Any, target: int, count: int) -> list[str] | None:
    n = str(target)
    if kind == "register":
        severity = ["--severity", value] if value else []
        return ["register", "--channel", "电话", "--name", f"业主{count}", "--unit",
                f"{count}-101", "--phone", "13812345678", "--description", f"问题{count}",
                *severity]  # fmt: skip
    return {
        "classify": ["classify", n, "--severity", str(value), "--category", "设施设备"],
        "assign": ["assign", n, "--department", str(value), "--handler", "李工"],
        "contact": ["update", n, "--contacted"],
        "plan": ["update", n, "--plan", "更换配件"],
        "extend": [
            "update",
            n,
            "--extend",
            str(value),
            "--reason",
            "等配件",
            "--approved-by",
            "经理",
        ],  # fmt: skip
        "escalate": ["update", n, "--escalate", "业主多次来电"],
        "close": ["close", n, "--resolution", "已处理", *([value] if value else [])],
        "followup": ["followup", n, str(value)],
        "reopen": ["reopen", n, "--reason", "业主不认可"],
        "cancel": ["cancel", n, "--reason", "录入重复"],
    }.get(kind)


def _build(runner: CliRunner, db: Path, plan: list[tuple[int, int, tuple[str, Any]]]) -> int:
    """Run the steps at increasing times; steps the workflow refuses are skipped."""
    moment, count = START, 0
    for minutes, target, (kind, value) in plan:
        moment += timedelta(minutes=minutes)
        at = ["--at", f"{moment:%Y-%m-%d %H:%M}"]
        if kind == "link":
            if count < 2:
                continue
            main, other = value % count + 1, target % count + 1
            args: list[str] | None = ["link", str(main), str(other)]
        elif kind == "edit":
            if count == 0:
                continue
            n, why = str(target % count + 1), ["--reason", "登记有误"]
            args = {
                "unit": ["edit", n, "--unit", f"{target}-909", *why],
                "channel": ["edit", n, "--channel", "来访", *why],
                # earlier than the receipt (refused when a step came before the new time)
                "received": [
                    "edit",
                    n,
                    "--received-at",
                    f"{moment - timedelta(hours=3):%Y-%m-%d %H:%M}",
                    *why,
                ],
            }[value]
        else:
            if kind != "register" and count == 0:
                continue
            args = _args(kind, value, target % max(count, 1) + 1, count + 1)
        assert args is not None
        result = runner.invoke(app, ["--db", str(db), *args, *at])
        assert result.exit_code in (0, 1, 2), result.output
        if kind == "register" and result.exit_code == 0:
            count += 1
    return count


def _seen(runner: CliRunner, db: Path, count: int) -> dict[str, Any]:
    def ok(*args: str) -> Any:
        result = runner.invoke(app, ["--db", str(db), *args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    shown = [ok("show", str(n), "--as-of", AS_OF) for n in range(1, count + 1)]
    for item in shown:
        del item["events"]
    return {
        "list": ok("list", "--as-of", AS_OF, "--limit", "1000"),
        "show": shown,
        "report": [ok("report", "--month", m, "--as-of", AS_OF) for m in ("2026-03", "2026-04")],
    }


@settings(
    max_examples=12,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plan=st.lists(
        st.tuples(st.integers(1, 2000), st.integers(0, 5), STEPS), min_size=1, max_size=24
    ),
    form=st.sampled_from(sorted(FORMATS)),
)
def test_export_then_import_gives_the_same_ledger(plan, form):
    runner = CliRunner()
    lang, name = FORMATS[form]
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        original, copy, sheet = here / "a.db", here / "b.db", here / name
        count = _build(runner, original, plan)
        if count == 0:
            return
        exported = runner.invoke(
            app,
            ["--db", str(original), "--lang", lang, "export", "--with-personal-data", "-o",
             str(sheet)],
        )  # fmt: skip
        assert exported.exit_code == 0, exported.output
        imported = runner.invoke(app, ["--db", str(copy), "import", str(sheet)])
        assert imported.exit_code == 0, imported.output
        assert _seen(runner, copy, count) == _seen(runner, original, count)
        verified = runner.invoke(app, ["--db", str(copy), "verify"])
        assert verified.exit_code == 0, verified.output
        # the copy's complaints carry the rows' source keys: all already present
        again = runner.invoke(app, ["--db", str(copy), "import", str(sheet)])
        assert f"导入 0 条投诉；{count} 条已存在" in again.stdout, again.output
