"""``digest --send`` (issue 19): the digest to 企业微信 and 钉钉 group robots, against a local
stand-in for both APIs (tests/robotserver.py) that checks every request as the real ones do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledgertools import every_row
from robotserver import Robots, serve

from complaintctl.reports import robot_text
from complaintctl.transfer import robots as robots_module
from complaintctl.transfer.robots import Robot, Sender, sign

pytestmark = pytest.mark.backends

AS_OF = "2026-03-02 12:00"  # a Monday
SECRET = "SEC0123456789abcdef"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Robots]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    httpd, robots = serve()
    yield robots
    httpd.shutdown()
    httpd.server_close()


class Waits(list[float]):
    """A fake clock: ``sleep`` records the wait and moves the clock on."""

    now = 1000.0
    timeout = 5.0  # seconds the command's sender waits for an answer

    def sleep(self, seconds: float) -> None:
        self.append(round(seconds, 3))
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Waits:
    """The command's sender: waits recorded instead of slept."""
    w = Waits()

    def sender() -> Sender:
        return Sender(timeout=w.timeout, sleep=w.sleep, clock=w.clock)

    monkeypatch.setattr(robots_module, "sender", sender)
    return w


def notify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *robots: dict[str, str]) -> Path:
    """Write the notifications file (owner-only) and point $COMPLAINTCTL_NOTIFY at it."""
    lines = []
    for r in robots:
        lines.append("[[robot]]")
        lines += [f'{k} = "{v}"' for k, v in r.items()]
        lines.append("")
    path = tmp_path / "notify.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("COMPLAINTCTL_NOTIFY", str(path))
    return path


@pytest.fixture
def scene(run, register):
    """#1 major, unassigned: respond (09:15) and assign (11:00) breached.
    #2 moderate, 工程部/李工: respond (11:30) breached.
    #3 minor, 工程部/张工: respond due 14:00, due soon."""
    register(severity="major", at="2026-03-02 09:00", description="楼道灯不亮，业主电话13812345678")
    register(
        severity="moderate",
        at="2026-03-02 10:30",
        unit="5-2-101",
        category="设施设备",
        description="厨房水管漏水 *严重* <font color=info>",
    )
    run.ok("assign", "2", "--department", "工程部", "--handler", "李工", "--at", "2026-03-02 10:40")
    register(severity="minor", at="2026-03-01 14:00", unit="A-08", description="噪音")
    run.ok("assign", "3", "--department", "工程部", "--handler", "张工", "--at", "2026-03-01 15:00")


ENGINEERING_WECOM = (
    "**投诉督办 工程部**\n"
    "截至 2026-03-02 12:00: 1 超时, 1 即将到期\n"
    '#2 5-2-101 设施设备 厨房水管漏水 ＊严重＊ ＜fo… 首次联系 <font color="warning">超时30分钟</font> 李工\n'
    "#3 A-08 噪音 首次联系 剩余2小时00分 张工"
)
ALL_DINGTALK = (
    "#### 投诉督办\n\n截至 2026-03-02 12:00: 2 超时, 1 即将到期\n\n"
    "- 未派单: 1 超时, 0 即将到期\n"  # every department's counts first
    "- 工程部: 1 超时, 1 即将到期\n\n"
    "**未派单**\n\n"
    "- #1 3-1-502 楼道灯不亮，业主电话138＊＊… 首次联系 **超时2小时45分**（另1项）\n\n"
    "**工程部**\n\n"
    "- #2 5-2-101 设施设备 厨房水管漏水 ＊严重＊ ＜fo… 首次联系 **超时30分钟** 李工\n"
    "- #3 A-08 噪音 首次联系 剩余2小时00分 张工"
)


def test_each_department_its_part_and_the_summary_to_star(
    run, db, scene, server, waits, tmp_path, monkeypatch
):
    server.secrets["oksigned"] = SECRET
    notify(
        tmp_path,
        monkeypatch,
        {"department": "工程部", "kind": "wecom", "url": server.wecom("okeng")},
        {"department": "未派单", "kind": "wecom", "url": server.wecom("okdesk")},
        {"department": "保洁部", "kind": "wecom", "url": server.wecom("okclean")},
        {
            "department": "*",
            "kind": "dingtalk",
            "url": server.dingtalk("oksigned"),
            "secret": SECRET,
        },
    )
    result = run("digest", "--as-of", AS_OF, "--send")
    # silent when every message was accepted: cron mails nothing
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert server.problems == []
    assert server.texts("okeng") == [ENGINEERING_WECOM]
    assert server.texts("okdesk") == [
        "**投诉督办 未派单**\n截至 2026-03-02 12:00: 1 超时, 0 即将到期\n"
        '#1 3-1-502 楼道灯不亮，业主电话138＊＊… 首次联系 <font color="warning">超时2小时45分</font>（另1项）'
    ]
    assert server.texts("okclean") == []  # nothing at risk there: nothing sent
    assert server.texts("oksigned") == [ALL_DINGTALK]
    (signed,) = [r for r in server.requests if r.token == "oksigned"]
    assert signed.body["markdown"]["title"] == "投诉督办"
    assert waits == []
    # with --output the file is written all the same, and stdout stays silent
    out = tmp_path / "digest.md"
    result = run("digest", "--as-of", AS_OF, "--send", "--format", "markdown", "--output", str(out))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert out.read_text(encoding="utf-8") == run.ok(
        "digest", "--as-of", AS_OF, "--format", "markdown"
    )
    # nothing of the robots reaches the ledger: its file, or any row on the server
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("ledger.db*"))
    assert SECRET.encode() not in stored and b"okeng" not in stored
    rows = every_row(db)
    assert "王芳" in rows  # the test can see what was written
    assert SECRET not in rows and "okeng" not in rows


def test_english(run, scene, server, waits, tmp_path, monkeypatch):
    notify(
        tmp_path, monkeypatch, {"department": "工程部", "kind": "wecom", "url": server.wecom("ok")}
    )
    result = run("--lang", "en", "digest", "--as-of", AS_OF, "--send", "--department", "工程部")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert server.texts("ok") == [
        "**Complaint digest 工程部**\n"
        "as of 2026-03-02 12:00: 1 breached, 1 due soon\n"
        "#2 5-2-101 设施设备 厨房水管漏水 ＊严重＊ ＜fo… respond "
        '<font color="warning">30m overdue</font> 李工\n'
        "#3 A-08 噪音 respond 2h00m left 张工"
    ]


def test_an_error_code_fails_that_group_only(run, scene, server, waits, tmp_path, monkeypatch):
    notify(
        tmp_path,
        monkeypatch,
        {"department": "工程部", "kind": "wecom", "url": server.wecom("badkey-77")},
        {"department": "*", "kind": "dingtalk", "url": server.dingtalk("okall"), "secret": SECRET},
    )
    server.secrets["okall"] = SECRET
    result = run("digest", "--as-of", AS_OF, "--send")
    assert result.exit_code == 5
    assert result.stderr == (
        "complaintctl：--send：企业微信机器人 1（工程部）：errcode 93000（invalid webhook url, "
        "hint: [1733] key=****）；1 条消息已发送 0 条\n"
    )
    # the digest still goes to stdout, so cron mails it and nothing is lost
    assert result.stdout.startswith("投诉督办 截至 2026-03-02 12:00: 2 超时, 1 即将到期\n")
    assert server.texts("okall") == [ALL_DINGTALK]
    assert server.seen["badkey-77"] == 1  # a refusal is not retried
    assert "badkey-77" not in result.stdout + result.stderr
    assert SECRET not in result.stdout + result.stderr
    # with --output the digest goes to the file instead
    out = tmp_path / "digest.txt"
    result = run("digest", "--as-of", AS_OF, "--send", "--output", str(out))
    assert (result.exit_code, result.stdout) == (5, "")
    assert out.read_text(encoding="utf-8").startswith("投诉督办 截至 2026-03-02 12:00: 2 超时")


def test_a_wrong_secret_is_refused_by_dingtalk(run, scene, server, waits, tmp_path, monkeypatch):
    server.secrets["okdt"] = SECRET
    notify(
        tmp_path,
        monkeypatch,
        {
            "department": "*",
            "kind": "dingtalk",
            "url": server.dingtalk("okdt"),
            "secret": "SECwrong",
        },
    )
    result = run("digest", "--as-of", AS_OF, "--send", "--fail-on-breach")
    assert result.exit_code == 5  # not delivered outranks breached
    assert result.stderr == (
        "complaintctl：--send：钉钉机器人 1（*）：errcode 310000（sign not match）；"
        "1 条消息已发送 0 条\n"
    )
    assert "SECwrong" not in result.stdout + result.stderr


def test_slow_reply_is_retried_with_backoff(run, scene, server, waits, tmp_path, monkeypatch):
    waits.timeout, server.slow = 1.0, 2.5  # a reply 1.5 s late: no flake on a busy machine
    notify(
        tmp_path,
        monkeypatch,
        {"department": "工程部", "kind": "wecom", "url": server.wecom("slowonce")},
        {"department": "*", "kind": "wecom", "url": server.wecom("slow-always")},
    )
    result = run("digest", "--as-of", AS_OF, "--send")
    assert result.exit_code == 5
    assert result.stderr == (
        "complaintctl：--send：企业微信机器人 2（*）：1 秒内无应答，已试 3 次；"
        "1 条消息已发送 0 条\n"
    )
    # the first request was answered too late, the second in time
    assert server.texts("slowonce") == [ENGINEERING_WECOM, ENGINEERING_WECOM]
    assert server.seen["slow-always"] == 3
    assert waits == [2.0, 2.0, 4.0]  # one retry of robot 1; two of robot 2


def test_dropped_connection_is_retried(run, scene, server, waits, tmp_path, monkeypatch):
    notify(
        tmp_path,
        monkeypatch,
        {"department": "工程部", "kind": "wecom", "url": server.wecom("droponce")},
        {"department": "*", "kind": "wecom", "url": server.wecom("drop-always")},
        {"department": "未派单", "kind": "wecom", "url": server.wecom("http500")},
    )
    result = run("digest", "--as-of", AS_OF, "--send")
    assert result.exit_code == 5
    assert result.stderr.splitlines() == [
        "complaintctl：--send：企业微信机器人 2（*）：连接中断，已试 3 次；1 条消息已发送 0 条",
        "complaintctl：--send：企业微信机器人 3（未派单）：HTTP 错误 500，已试 3 次；"
        "1 条消息已发送 0 条",
    ]
    assert server.texts("droponce") == [ENGINEERING_WECOM, ENGINEERING_WECOM]  # dropped, then ok
    assert server.seen == {"droponce": 2, "drop-always": 3, "http500": 3}


def test_failure_lines_follow_the_language(run, scene, server, waits, tmp_path, monkeypatch):
    """Issue 15: what failed is said in Chinese by default, in English under --lang en."""
    notify(
        tmp_path,
        monkeypatch,
        {"department": "工程部", "kind": "wecom", "url": server.wecom("badkey-77")},
        {"department": "*", "kind": "wecom", "url": server.wecom("http500")},
    )
    result = run("digest", "--as-of", AS_OF, "--send")
    assert result.exit_code == 5
    assert result.stderr.splitlines() == [
        "complaintctl：--send：企业微信机器人 1（工程部）：errcode 93000（invalid webhook url, "
        "hint: [1733] key=****）；1 条消息已发送 0 条",
        "complaintctl：--send：企业微信机器人 2（*）：HTTP 错误 500，已试 3 次；1 条消息已发送 0 条",
    ]
    result = run("--lang", "en", "digest", "--as-of", AS_OF, "--send")
    assert result.exit_code == 5
    assert result.stderr.splitlines() == [
        "complaintctl: --send: robot 1 (wecom, 工程部): errcode 93000 (invalid webhook url, "
        "hint: [1733] key=****); 0 of 1 messages sent",
        "complaintctl: --send: robot 2 (wecom, *): HTTP 500, after 3 tries; 0 of 1 messages sent",
    ]


def test_too_fast_waits_and_tries_again(run, scene, server, waits, tmp_path, monkeypatch):
    notify(
        tmp_path,
        monkeypatch,
        {"department": "工程部", "kind": "wecom", "url": server.wecom("busy")},
    )
    result = run("digest", "--as-of", AS_OF, "--send", "--department", "工程部")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert server.seen["busy"] == 2
    assert waits == [60.0]  # the robot's "too fast" wait, instead of the backoff
    assert server.texts("busy") == [ENGINEERING_WECOM, ENGINEERING_WECOM]


def test_department_without_robot_is_reported(run, scene, server, waits, tmp_path, monkeypatch):
    notify(
        tmp_path,
        monkeypatch,
        {"department": "engineering", "kind": "wecom", "url": server.wecom("ok")},
    )
    result = run("digest", "--as-of", AS_OF, "--send")
    assert result.exit_code == 5
    assert result.stderr == (
        'complaintctl：--send：未派单：没有接收它的机器人（也没有 "*" 机器人）；未发送：1 件已超时，0 件即将到期\n'
    )
    assert server.texts("ok") == [ENGINEERING_WECOM]


def test_dry_run_masks_urls_and_sends_nothing(run, scene, server, waits, tmp_path, monkeypatch):
    notify(
        tmp_path,
        monkeypatch,
        {"department": "工程部", "kind": "wecom", "url": server.wecom("okkey-secret-1")},
        {
            "department": "*",
            "kind": "dingtalk",
            "url": server.dingtalk("oktoken-2"),
            "secret": SECRET,
        },
    )
    out = run.ok("digest", "--as-of", AS_OF, "--send", "--dry-run")
    port = server.port
    assert out == (
        f"== 企业微信机器人 1（工程部）http://127.0.0.1:{port}/cgi-bin/webhook/send?key=****：1 条消息\n"
        f"-- 1/1，{len(ENGINEERING_WECOM.encode())} 字节\n"
        f"{ENGINEERING_WECOM}\n"
        f"== 钉钉机器人 2（*）http://127.0.0.1:{port}/robot/send?access_token=****：1 条消息\n"
        f"-- 1/1，{len(ALL_DINGTALK.encode())} 字节\n"
        f"{ALL_DINGTALK}\n"
    )
    assert server.seen == {}
    bad = run("digest", "--as-of", AS_OF, "--dry-run")
    assert (bad.exit_code, bad.stderr) == (2, "complaintctl：--dry-run：只能与 --send 同用\n")


def test_nothing_at_risk_sends_nothing(run, register, server, waits, tmp_path, monkeypatch):
    register(severity="minor", at="2026-03-02 11:00")  # respond due tomorrow
    notify(tmp_path, monkeypatch, {"department": "*", "kind": "wecom", "url": server.wecom("ok")})
    result = run("digest", "--as-of", AS_OF, "--send")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert server.seen == {}
    # a dry run still shows the robots it read, so a new file can be checked on a quiet day
    out = run.ok("digest", "--as-of", AS_OF, "--send", "--dry-run")
    port = server.port
    assert (
        out
        == f"== 企业微信机器人 1（*）http://127.0.0.1:{port}/cgi-bin/webhook/send?key=****：0 条消息\n"
    )


def test_dry_run_names_what_no_robot_gets(run, scene, server, waits, tmp_path, monkeypatch):
    notify(
        tmp_path, monkeypatch, {"department": "工程部", "kind": "wecom", "url": server.wecom("ok")}
    )
    out = run.ok("digest", "--as-of", AS_OF, "--send", "--dry-run")
    assert out.endswith(
        '\n!! 未派单：没有接收它的机器人（也没有 "*" 机器人）；未发送：1 件已超时，0 件即将到期\n'
    )
    assert server.seen == {}


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_file_readable_by_others_is_refused(run, scene, server, waits, tmp_path, monkeypatch):
    path = notify(
        tmp_path, monkeypatch, {"department": "*", "kind": "wecom", "url": server.wecom("ok")}
    )
    for mode in (0o644, 0o640, 0o604, 0o620):
        path.chmod(mode)
        result = run("digest", "--as-of", AS_OF, "--send")
        assert result.exit_code == 2
        assert result.stderr == (
            f"complaintctl: {path}: readable or writable by others (mode {mode:04o}); it holds "
            f"robot URLs and secrets: chmod 600 {path}\n"
        )
        assert result.stdout == ""
    assert server.seen == {}
    path.chmod(0o400)
    assert run("digest", "--as-of", AS_OF, "--send").exit_code == 0


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("robot", "message"),
    [
        (
            {"department": "*", "kind": "slack", "url": "https://x/?key=k"},
            "robot 1: kind: unknown kind 'slack' (accepted: wecom, dingtalk)",
        ),
        (
            {"department": "*", "kind": "wecom", "url": "http://example.com/send?key=TOPSECRET"},
            "robot 1: url: must be an https:// webhook URL",
        ),
        (
            {"department": "*", "kind": "wecom", "url": "file:///etc/passwd?key=TOPSECRET"},
            "robot 1: url: must be an https:// webhook URL",
        ),
        (
            {"department": "*", "kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send"},
            "robot 1: url: a dingtalk webhook URL has ?access_token=…",
        ),
        (
            {"department": "*", "kind": "wecom", "url": "https://q/?key=k", "secret": "TOPSECRET"},
            "robot 1: secret: only DingTalk robots sign requests",
        ),
        (
            {"department": "食堂", "kind": "wecom", "url": "https://q/?key=k"},
            "robot 1: department: unknown department '食堂' (accepted: 客服部",
        ),
        ({"kind": "wecom", "url": "https://q/?key=k"}, "robot 1: department: missing"),
        (
            {"department": "*", "kind": "wecom", "url": "https://q/?key=k", "room": "x"},
            "robot 1: unknown key 'room' (accepted: department, kind, url, secret)",
        ),
    ],
)
def test_bad_notifications_file(run, scene, tmp_path, monkeypatch, robot, message):
    path = notify(tmp_path, monkeypatch, robot)
    result = run("digest", "--as-of", AS_OF, "--send")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"complaintctl: {path}: {message}")
    assert len(result.stderr.splitlines()) == 1
    assert "TOPSECRET" not in result.stderr


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_missing_notifications_file(run, scene, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLAINTCTL_NOTIFY", str(tmp_path / "none.toml"))
    result = run("digest", "--as-of", AS_OF, "--send")
    assert result.exit_code == 2
    assert result.stderr == (
        f"complaintctl: --send: no notifications file {tmp_path / 'none.toml'} "
        "(create it, or set $COMPLAINTCTL_NOTIFY)\n"
    )
    monkeypatch.delenv("COMPLAINTCTL_NOTIFY")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    result = run("digest", "--as-of", AS_OF, "--send")
    assert f"{tmp_path / 'config' / 'complaintctl' / 'notify.toml'}" in result.stderr


def test_large_digest_is_split_under_the_limits(run, db, server, waits, tmp_path, monkeypatch):
    """120 complaints of one department: several messages per robot, each under its limit,
    no line cut, every complaint once, in order (breached first)."""
    from datetime import timedelta

    from complaintctl.domain.timeutil import parse_time
    from complaintctl.store.backend import open_ledger
    from complaintctl.workflow import steps

    ledger = open_ledger(db)
    start = parse_time("2026-03-02 08:00")
    for n in range(120):
        c = steps.register(
            ledger,
            steps.Actor("王芳", start + timedelta(minutes=n)),
            channel="phone",
            name="张三",
            unit=f"{n % 30}-{n % 4}-{100 + n}",
            phone_number="13812345678",
            description="卫生间天花板渗水，墙面大面积发霉，请物业尽快派人查看处理" * 3,
            severity="minor" if n % 3 else "moderate",
        )
        steps.assign(
            ledger,
            steps.Actor("王芳", start + timedelta(minutes=n + 1)),
            c.id,
            department_name="工程部",
            handler="李工",
        )
    ledger.close()
    server.secrets["okdt"] = SECRET
    notify(
        tmp_path,
        monkeypatch,
        {"department": "工程部", "kind": "wecom", "url": server.wecom("okwecom")},
        {"department": "*", "kind": "dingtalk", "url": server.dingtalk("okdt"), "secret": SECRET},
    )
    result = run("digest", "--as-of", "2026-03-03 15:00", "--send")
    assert (result.exit_code, result.stderr) == (0, "")
    assert server.problems == []
    wecom = server.texts("okwecom")
    assert len(wecom) == 5
    assert all(len(t.encode()) <= 4096 for t in wecom)
    assert [t.split("\n", 1)[0] for t in wecom] == [
        f"**投诉督办 工程部**（{i}/5）" for i in range(1, 6)
    ]
    lines = [line for t in wecom for line in t.split("\n")[2:]]
    ids = [int(line.split(" ", 1)[0][1:]) for line in lines]
    assert sorted(ids) == list(range(1, 121))
    breached = [i for i, line in enumerate(lines) if "超时" in line]
    assert breached == list(range(len(breached)))  # breached first
    assert all(line.endswith(" 李工") for line in lines)  # no line cut
    dingtalk = server.texts("okdt")
    assert len(dingtalk) == 1  # DingTalk takes longer messages
    assert len(dingtalk[0].encode()) <= 16000
    assert dingtalk[0].count("\n- #") == 120
    # at most two messages per robot: the last one says how many were left out
    server.requests.clear()
    result = run("digest", "--as-of", "2026-03-03 15:00", "--send", "--max-messages", "2")
    assert (result.exit_code, result.stderr) == (0, "")
    wecom = server.texts("okwecom")
    assert len(wecom) == 2
    assert all(len(t.encode()) <= 4096 for t in wecom)
    listed = sum(1 for t in wecom for line in t.split("\n") if line.startswith("#"))
    assert wecom[1].endswith(f"\n……另有{120 - listed}件未列出，见完整督办")
    assert server.texts("okdt") == dingtalk  # one message: nothing left out
    bad = run("--lang", "en", "digest", "--max-messages", "2")
    assert (bad.exit_code, bad.stderr) == (2, "complaintctl: --max-messages: only with --send\n")


# -- the pure parts --------------------------------------------------------------------------


# An item of the digest is at most 199 bytes (its fields are shortened), so it fits any
# message: every limit leaves at least 200 bytes for the lines (robot_text.messages).
ITEM = st.text(min_size=1, max_size=300).map(
    lambda s: s.replace("\n", " ").encode()[:199].decode(errors="ignore") or "x"
)


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(ITEM, max_size=80),
    kind=st.sampled_from(robot_text.KINDS),
    limit=st.integers(min_value=400, max_value=5000),
)
def test_messages_split_without_cutting_a_line(items, kind, limit):
    part = robot_text.Part(
        "工程部", "截至 2026-03-02 12:00: 1 超时, 1 即将到期", "投诉督办 工程部", items
    )
    msgs = robot_text.messages(part, kind, "zh", limit)
    assert all(len(text.encode()) <= limit for _, text in msgs)
    head = 4 if kind == "dingtalk" else 2  # heading lines before the items
    got = [line for _, text in msgs for line in text.split("\n")[head:]]
    if items:
        assert got == items
    assert len(msgs) == max(1, len(msgs))
    if len(msgs) > 1:
        assert [title for title, _ in msgs] == [
            f"投诉督办 工程部（{i}/{len(msgs)}）" for i in range(1, len(msgs) + 1)
        ]


@settings(max_examples=60, deadline=None)
@given(
    item=st.text(min_size=400, max_size=600).map(lambda s: s.replace("\n", " ")),
    kind=st.sampled_from(robot_text.KINDS),
)
def test_a_line_too_long_for_any_message_is_cut_at_a_character(item, kind):
    part = robot_text.Part("工程部", "截至 2026-03-02 12:00", "投诉督办 工程部", [item])
    ((_, text),) = robot_text.messages(part, kind, "zh", 400)
    assert len(text.encode()) <= 400
    line = text.split("\n")[-1]
    assert line.endswith("…") and item.startswith(line[:-1]) and len(line) < len(item)


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=200),
    kind=st.sampled_from(robot_text.KINDS),
    most=st.integers(min_value=1, max_value=4),
)
def test_at_most_n_messages_count_what_is_left_out(count, kind, most):
    items = [f"#{i} 3-1-{i} 设施设备 楼道灯不亮 首次联系 超时{i}分钟 李工" for i in range(count)]
    part = robot_text.Part(
        "工程部", "截至 2026-03-02 12:00: 1 超时, 1 即将到期", "投诉督办 工程部", items
    )
    msgs = robot_text.messages(part, kind, "zh", 1000, most=most)
    assert len(msgs) <= most
    assert all(len(text.encode()) <= 1000 for _, text in msgs)
    lines = [line.removeprefix("- ") for _, text in msgs for line in text.split("\n")]
    shown = [line for line in lines if line.startswith("#") and not line.startswith("####")]
    assert shown == items[: len(shown)]
    notes = [line for line in lines if line.startswith("……")]
    if len(shown) < count:
        assert notes == [f"……另有{count - len(shown)}件未列出，见完整督办"]
        assert msgs[-1][1].endswith(notes[0])
    else:
        assert notes == []


def test_typed_text_cannot_inject_markup():
    assert robot_text.safe("**急** <font color=warning>[链接](http://x)</font>`#`", 60) == (
        "＊＊急＊＊ ＜font color=warning＞［链接］(http://x)＜/font＞｀＃｀"
    )
    assert robot_text.safe("请回电 13812345678 或 021-62345678，3-1-502", 40, phones=True) == (
        "请回电 138＊＊＊＊5678 或 021-＊＊＊＊5678，3-1-502"
    )
    assert robot_text.safe("一二三四五六七八九十", 5) == "一二三四…"


def test_masked_urls_show_no_credentials():
    assert (
        robots_module.masked(
            "https://user:pw@qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=abc&debug=1#x"
        )
        == "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=****&debug=****"
    )
    assert robots_module.masked("http://[::1]:9000/robot/send?access_token=t") == (
        "http://[::1]:9000/robot/send?access_token=****"
    )


def test_dingtalk_signature():
    # HMAC-SHA256 of "1700000000000\nSECabc" keyed by "SECabc", Base64, URL-encoded
    import base64
    import hashlib
    import hmac

    mac = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    expected = base64.b64encode(mac).decode()
    assert sign("SECabc", 1700000000000) == (
        expected.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    )


def test_rate_limit_waits_between_requests(server):
    """45 messages to one robot: never more than 20 requests in any 60 s of the fake clock,
    and robots take turns (the second robot is not held up by the first one's waits)."""
    w = Waits()
    moments: list[float] = []

    def clock() -> float:
        return w.now

    sender = Sender(timeout=2, sleep=w.sleep, clock=clock)
    post = sender._post

    def counted(robot: Robot, data: bytes) -> dict[str, Any]:
        moments.append((robot.number, w.now))
        return post(robot, data)

    sender._post = counted  # type: ignore[method-assign]
    one = Robot(1, "*", "wecom", server.wecom("okmany"))
    two = Robot(2, "工程部", "wecom", server.wecom("okfew"))
    plan = [(one, [(f"t{i}", f"m{i}") for i in range(45)]), (two, [("t", "x"), ("t", "y")])]
    outcomes = sender.deliver(plan)
    assert [(o.sent, o.total, o.error) for o in outcomes] == [(45, 45, None), (2, 2, None)]
    assert server.texts("okmany") == [f"m{i}" for i in range(45)]
    times = [t for n, t in moments if n == 1]
    assert all(sum(1 for u in times if t <= u < t + 60) <= 20 for t in times)
    assert len(w) == 2 and all(59 < s <= 60.1 for s in w)  # two waits of about a minute
    assert [t for n, t in moments if n == 2] == [1000.0, 1000.0]  # sent in the first round
