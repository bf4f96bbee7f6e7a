"""Hostile and broken input: random strings, times, ids, enum values and oversized fields at
every command (found by walking the CLI, so commands added later are covered too), and ledger
files that are not SQLite, cut short, or locked.  Never a traceback, one line on stderr, and a
failed command leaves the ledger as it was."""

from __future__ import annotations

import gc
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledgertools import snapshot
from typer.main import get_command
from typer.testing import CliRunner

from complaintctl.cli.app import app

pytestmark = pytest.mark.backends

EXAMPLES = int(os.environ.get("COMPLAINTCTL_FUZZ_EXAMPLES", "500"))


def _leaves(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    subs = getattr(command, "commands", None)
    if not subs:
        return [(path, command)]
    out: list[tuple[list[str], Any]] = []
    for name, sub in sorted(subs.items()):
        out.extend(_leaves(sub, [*path, name]))
    return out


COMMANDS = _leaves(get_command(app), [])

WEIRD = [
    "",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\x00",
    "\x1b[31m红\x1b[0m",
    "'; DROP TABLE events; --",
    "%s%s%n",
    "{}",
    "[]",
    "null",
    "-1",
    "0",
    "1e308",
    "NaN",
    "inf",
    "‮",
    "🙂" * 3,
    "张三\n李四",
    "\\",
    '"',
    "--json",
    "-",
    "a" * 101,
    "长" * 4001,
    "x" * 5000,
]
TEXT = st.one_of(st.sampled_from(WEIRD), st.text(max_size=40), st.text(min_size=95, max_size=110))
TIMES = st.one_of(
    st.sampled_from(
        [
            "2026-03-02 09:00",
            "2026-03-02T09:00+08:00",
            "2026-03-02T01:00Z",
            "2026/3/2 9:00",
            "2026年3月2日 9时05分",
            "2026-02-30 10:00",
            "2026-13-01",
            "2026-03-02 24:00",
            "2026-03-02 23:60",
            "1991-12-31 23:59",
            "0001-01-01",
            "9999-12-31T23:59:59-23:59",
            "0001-01-01T00:00+14:00",
            "2100-01-01 00:00",
            "2040-12-31 23:59",
            "2000-01-01",
            "2026-03-02T09:00:00.123456+08:00",
            "today",
            "now",
            "9999999999",
            "",
        ]
    ),
    st.datetimes().map(lambda d: d.isoformat(sep=" ")),
    st.text(max_size=25),
)
IDS = st.one_of(
    st.integers(min_value=-3, max_value=8).map(str),
    st.sampled_from(
        [
            "99999999999999999999999",
            "9223372036854775807",
            "9223372036854775808",
            "1.5",
            "#1",
            " 1",
            "0x1",
            "１",
            "",
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
ENUMS = st.one_of(
    st.sampled_from(
        [
            "minor",
            "moderate",
            "major",
            "轻微",
            "中度",
            "重大",
            "MAJOR",
            "unclassified",
            "电话",
            "phone",
            "来访",
            "online",
            "valid",
            "有效投诉",
            "no_fault",
            "registered",
            "closed",
            "已关闭",
            "in_progress",
            "工程部",
            "engineering",
            "保洁部",
            "设施设备",
            "json",
            "csv",
            "text",
            "markdown",
            "xlsx",
            "html",
        ]
    ),
    TEXT,
)
DURATIONS = st.one_of(
    st.sampled_from(
        [
            "3wd",
            "0wd",
            "-1h",
            "1.5h",
            "15m",
            "24h",
            "7d",
            "99999999999wd",
            "1000000wd",
            "wd",
            "3 wd",
            "３wd",
            "2WD",
            "",
        ]
    ),
    st.text(max_size=8),
)
PATHS = st.sampled_from(
    [
        "out.db",
        "sub/dir/x.db",
        ".",
        "",
        "notice.toml",
        "garbage.bin",
        "missing.toml",
        "out.xlsx",
        "out.csv",
    ]
)
MONTHS = st.one_of(st.sampled_from(["2026-03", "2026-13", "0-1", "2026", "99999-01", ""]), TEXT)
PHONES = st.one_of(
    st.sampled_from(["13812345678", "021-12345678", "+86 138 1234 5678", "12345", "1" * 40]), TEXT
)
ANCHORS = st.one_of(st.sampled_from(["0" * 16, "deadbeefdeadbeef", "xyz", "A" * 64]), TEXT)

BY_NAME = {
    "at": TIMES,
    "as_of": TIMES,
    "before": TIMES,
    "start": TIMES,
    "since": TIMES,
    "until": TIMES,
    "complaint_id": IDS,
    "main_id": IDS,
    "other_id": IDS,
    "limit": IDS,
    "severity": ENUMS,
    "channel": ENUMS,
    "nature": ENUMS,
    "status": ENUMS,
    "department": ENUMS,
    "category": ENUMS,
    "fmt": ENUMS,
    "lang": ENUMS,
    "extend": DURATIONS,
    "duration": DURATIONS,
    "due_within": DURATIONS,
    "month": MONTHS,
    "phone": PHONES,
    "anchor": ANCHORS,
}


# a sensible value for each parameter, so that one hostile value is not hidden behind another
SANE = {
    "at": "2026-03-10 09:00",
    "as_of": "2026-03-10 09:00",
    "before": "2020-01-01",
    "start": "2026-03-02 09:00",
    "complaint_id": "3",
    "main_id": "1",
    "other_id": "2",
    "limit": "10",
    "severity": "major",
    "channel": "电话",
    "nature": "valid",
    "status": "registered",
    "department": "工程部",
    "category": "设施设备",
    "extend": "2wd",
    "duration": "3wd",
    "due_within": "24h",
    "month": "2026-03",
    "phone": "13812345678",
    "name": "张三",
    "unit": "1-1",
    "description": "漏水",
    "resolution": "已修",
    "reason": "复查",
    "approved_by": "经理",
    "by": "王芳",
    "anchor": "0" * 16,
    "fmt": "text",
}


def _value(draw: Any, param: Any) -> str:
    name = param.name or ""
    if type(param.type).__name__ in ("TyperPath", "Path", "File"):
        return str(draw(st.one_of(PATHS, st.just("ledger.db")) if name == "dest" else PATHS))
    if name in SANE and draw(st.integers(0, 3)) > 0:
        return SANE[name]
    strategy = BY_NAME.get(name, TEXT)
    return str(draw(st.one_of(strategy, TEXT) if draw(st.booleans()) else strategy))


@st.composite
def invocations(draw: Any) -> list[str]:
    path, command = draw(st.sampled_from(COMMANDS))
    args = list(path)
    for param in command.params:
        if param.param_type_name == "argument":
            if draw(st.integers(0, 9)) > 0:
                args.append(_value(draw, param))
            continue
        if draw(st.integers(0, 2)) == 0 and not param.required:
            continue
        if param.is_flag:
            args.append(draw(st.sampled_from(param.opts + param.secondary_opts)))
        elif param.required and draw(st.integers(0, 9)) == 0:
            continue  # a required option left out
        else:
            args += [param.opts[0], _value(draw, param)]
    if draw(st.integers(0, 14)) == 0:
        args.append(draw(st.sampled_from(["--bogus", "extra", "--json", "--at"])))
    return args


@pytest.fixture
def seeded(run, register, tmp_path, monkeypatch):
    """Complaints in every state, and files for the commands that read or write one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "garbage.bin").write_bytes(os.urandom(512))
    (tmp_path / "notice.toml").write_text("year = 2027\nreference = 'x'\n", encoding="utf-8")
    for i in range(5):
        register(at=f"2026-03-0{i + 2} 09:00", severity="中度")
    run.ok("assign", "2", "--department", "工程部", "--at", "2026-03-03 09:30")
    run.ok("assign", "3", "--department", "工程部", "--at", "2026-03-04 09:30")
    run.ok("update", "3", "--contacted", "--at", "2026-03-04 09:40")
    run.ok("close", "4", "--resolution", "已修", "--at", "2026-03-05 10:00")
    run.ok("close", "5", "--resolution", "已修", "--satisfied", "--at", "2026-03-06 10:00")


@pytest.fixture
def fast_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the click command once, not on every invocation (a speed-up only)."""
    import typer.testing

    command = get_command(app)
    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: command, raising=False)


@pytest.mark.usefixtures("english")  # the English wording of messages
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="COMPLAINTCTL_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(args=invocations())
def test_every_command_survives_hostile_input(run, db, seeded, fast_runner, args):
    before = snapshot(db)
    result = run(*args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        result.exception,
    )
    assert result.exit_code in (0, 1, 2, 3, 4), (args, result.exit_code)
    if result.exit_code not in (0, 3):  # 3: digest --fail-on-breach found a breach
        err = result.stderr
        lines = err.splitlines()
        if args[:1] == ["import"] and len(lines) > 1:
            # import lists each bad row on its own line ("FILE:ROW: ..."), then one summary
            assert all(":" in line and not line.startswith(" ") for line in lines[:-1]), err
            lines = lines[-1:]
        assert err.endswith("\n") and len(lines) == 1 and "\r" not in err, (args, err)
        assert lines[0].startswith("complaintctl"), (args, err)
        assert "Traceback" not in err
        assert snapshot(db) == before, args


# -- broken ledgers -----------------------------------------------------------------------------
COMMANDS_ON_A_LEDGER = [
    ["list"],
    ["show", "1"],
    [
        "register",
        "--channel",
        "电话",
        "--name",
        "张三",
        "--unit",
        "1",
        "--phone",
        "13812345678",
        "--description",
        "x",
    ],
    ["assign", "1", "--department", "工程部"],
    ["verify"],
    ["backup", "copy.db"],
    ["calendar", "due", "2026-03-02 09:00", "3wd"],
]


def _one_line_failure(run, args: list[str], expected_start: str) -> None:
    result = run(*args)
    assert result.exit_code == 4, (args, result.exit_code, result.stdout, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(expected_start), (
        args,
        result.stderr,
    )


@pytest.mark.sqlite_only("a file that is not a SQLite database")
@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    "content",
    [b"complaint ledger\n" * 40, os.urandom(8192), b"SQLite format 3\x00" + b"\xff" * 200],
    ids=["text", "random", "bad-header"],
)
def test_not_a_sqlite_file(run, db, tmp_path, monkeypatch, content):
    monkeypatch.chdir(tmp_path)
    db.write_bytes(content)
    for args in COMMANDS_ON_A_LEDGER:
        _one_line_failure(run, args, f"complaintctl: ledger {db}: not a readable SQLite ledger (")
        assert db.read_bytes() == content
    assert not (tmp_path / "copy.db").exists()


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a real ledger of a few dozen pages, checkpointed into one file."""
    path = tmp_path_factory.mktemp("filled") / "ledger.db"
    runner = CliRunner()
    for i in range(30):
        args = ["--db", str(path), "register", "--channel", "电话", "--name", "张三",
                "--unit", f"1-{i}", "--phone", "13812345678", "--description", "楼道灯不亮" * 150,
                "--at", "2026-03-02 09:00"]  # fmt: skip
        assert runner.invoke(app, args).exit_code == 0
    gc.collect()  # close the connections of the commands run in-process
    sqlite3.connect(path).close()  # the last connection out folds the WAL into the file
    assert not Path(f"{path}-wal").exists()
    return path.read_bytes()


@pytest.mark.sqlite_only("a truncated ledger file")
@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize("keep", [0.5, 0.25, 0.99, 100], ids=["half", "quarter", "most", "header"])
def test_truncated_ledger(run, db, tmp_path, monkeypatch, filled, keep):
    whole = filled
    monkeypatch.chdir(tmp_path)
    size = int(len(whole) * keep) if keep < 1 else int(keep)
    db.write_bytes(whole[:size])
    for args in COMMANDS_ON_A_LEDGER:
        _one_line_failure(
            run, args, f"complaintctl: ledger {db}: truncated ({size} of {len(whole)} bytes); "
        )
    assert db.read_bytes() == whole[:size]


@pytest.mark.sqlite_only("a damaged page of the ledger file")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_damaged_page_is_reported_when_met(run, db, tmp_path, monkeypatch, filled):
    """A page overwritten in the middle: found by the first query that reads it."""
    whole = bytearray(filled)
    monkeypatch.chdir(tmp_path)
    page = int.from_bytes(whole[16:18], "big")
    for start in range(2 * page, len(whole), page):
        whole[start : start + 16] = b"\xff" * 16
    db.write_bytes(bytes(whole))
    for args in (
        ["list"],
        ["show", "30"],
        ["assign", "30", "--department", "工程部", "--at", "2026-03-02 10:00"],
        ["verify"],
        ["backup", "copy.db"],
    ):
        _one_line_failure(run, args, f"complaintctl: ledger {db}: ")


@pytest.mark.sqlite_only("another program's SQLite file (the server's case: test_postgres.py)")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_another_applications_database(run, db):
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance REAL)")
    conn.commit()
    conn.close()
    for args in COMMANDS_ON_A_LEDGER[:3]:
        result = run(*args)
        assert result.exit_code == 4
        assert result.stderr == (
            f"complaintctl: ledger {db}: a SQLite file, but not a complaintctl ledger\n"
        )


@pytest.mark.sqlite_only("a folder where the ledger file should be")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_ledger_path_is_a_folder(run, db):
    db.mkdir()
    result = run("list")
    assert (result.exit_code, result.stderr) == (
        4,
        f"complaintctl: ledger {db}: is a folder, not a file\n",
    )


@pytest.mark.not_on_postgresql_yet("backup (a server ledger is backed up with pg_dump)")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_backup_refuses_a_device(run, register):
    register()
    result = run("backup", "/dev/null", "--force")
    assert (result.exit_code, result.stderr) == (
        2,
        "complaintctl: DEST: /dev/null exists and is not a regular file\n",
    )
