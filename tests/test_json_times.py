"""JSON keeps its contract (issue 15 item 5): every moment in every JSON output is ISO 8601
with +08:00, inside ``events[].data`` too; no value is a Unix time."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")
TIMEISH = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def walk(value: Any, path: str = "$") -> list[str]:
    """Where a JSON value holds a Unix time (an integer from 2000 to 2100 in seconds) or a time
    string that is not ISO 8601 with +08:00."""
    bad: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            bad += walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            bad += walk(item, f"{path}[{n}]")
    elif isinstance(value, int) and not isinstance(value, bool):
        if 946_684_800 <= value <= 4_102_444_800:
            bad.append(f"{path} = {value}")
    elif isinstance(value, str) and TIMEISH.match(value) and not ISO.match(value):
        bad.append(f"{path} = {value!r}")
    return bad


def test_walk_finds_a_unix_time() -> None:
    assert walk({"events": [{"data": {"from": 1795795200}}]}) == [
        "$.events[0].data.from = 1795795200"
    ]
    assert walk({"at": "2026-03-02 09:00"}) == ["$.at = '2026-03-02 09:00'"]
    assert walk({"id": 12, "at": "2026-03-02T09:00:00+08:00"}) == []


def test_every_event_kind_shows_iso_times(run, register) -> None:
    register(severity="minor", at="2026-03-02 09:00")
    register(severity="major", at="2026-03-02 09:01", unit="3-1-602", name="李四")
    run.ok("classify", "1", "--severity", "中度", "--at", "2026-03-02 09:05")
    run.ok("assign", "1", "--department", "工程部", "--handler", "李工", "--at", "2026-03-02 09:10")
    run.ok("update", "1", "--contacted", "--at", "2026-03-02 09:12")
    run.ok("update", "1", "--plan", "更换灯管", "--at", "2026-03-02 10:00")
    run.ok("update", "1", "--note", "配件已到", "--at", "2026-03-02 11:00")
    run.ok(
        "update",
        "1",
        "--extend",
        "2wd",
        "--reason",
        "等配件",
        "--approved-by",
        "陈经理",
        "--at",
        "2026-03-02 11:30",
    )
    run.ok("link", "1", "2", "--at", "2026-03-02 11:40")
    run.ok("close", "1", "--resolution", "已更换", "--at", "2026-03-03 10:00")
    run.ok("followup", "1", "--unsatisfied", "--at", "2026-03-04 10:00")
    run.ok("reopen", "1", "--reason", "仍不亮", "--at", "2026-03-05 10:00")
    run.ok("escalate", "--as-of", "2026-04-10 09:00")

    shown = run.json("show", "1")
    kinds = {e["kind"] for e in shown["events"]}
    assert {"registered", "classified", "assigned", "updated", "extended", "resolved"} <= kinds
    assert {"followed_up", "reopened", "escalated"} <= kinds
    assert walk(shown) == []
    extended = next(e for e in shown["events"] if e["kind"] == "extended")
    assert (
        extended["data"]["from"] == "2026-03-10T00:00:00+08:00"
    )  # 中度: 5 wd after 03-02 end 03-09 24:00
    assert extended["data"]["due"]["resolve"] == "2026-03-12T00:00:00+08:00"
    linked = run.json("show", "2")
    assert walk(linked) == []
    done = next(e for e in linked["events"] if e["kind"] == "linked")["data"]["done"]
    assert done["assign"] == "2026-03-02T09:10:00+08:00"

    for args in (
        ["list"],
        ["list", "--open"],
        ["digest", "--as-of", "2026-03-10 09:00"],
        ["report", "--month", "2026-03"],
        ["escalate", "--dry-run", "--as-of", "2026-05-10 09:00"],
        ["verify"],
        ["calendar", "status"],
        ["policy", "show"],
    ):
        assert walk(run.json(*args)) == [], args
