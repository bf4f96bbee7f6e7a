"""The lazy command group (cli/lazy.py): a command group's module loads only when needed;
aliases and prefixes of command names."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
sys.argv = ["complaintctl", *sys.argv[1:]]
from complaintctl.cli.entry import main
try:
    main()
except SystemExit:
    pass
print(" ".join(sorted(m for m in sys.modules if m.startswith("complaintctl.cli."))))
"""


def loaded(*args: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    ).stdout
    return set(out.splitlines()[-1].split())


def test_a_command_loads_only_its_own_module(db):
    mods = loaded("search", "灯")  # (list, show, register run without Typer: test_fast_cli)
    assert "complaintctl.cli.complaints" in mods
    for other in ("report_cmd", "digest_cmd", "io_cmd", "maintenance_cmd", "calendar_cmd"):
        assert f"complaintctl.cli.{other}" not in mods
    assert "complaintctl.cli.report_cmd" in loaded("report", "--help")


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_help_loads_every_group_and_keeps_the_order(run):
    out = run.ok("--help")
    names = [line.split()[0] for line in out.split("Commands:\n")[1].splitlines() if line]
    assert names[:9] == [
        "register",
        "classify",
        "assign",
        "update",
        "close",
        "followup",
        "reopen",
        "show",
        "list",
    ]
    assert names[9:12] == ["search", "edit", "cancel"]  # issue 14
    assert names[12:22] == [
        "digest",
        "escalate",
        "link",
        "report",
        "import",
        "export",
        "verify",
        "backup",
        "purge-personal",
        "migrate",
    ]
    assert names[22:24] == ["calendar", "policy"]


def test_alias_and_prefixes(run, register):
    register(at="2026-03-02 09:00")
    # One moment for both, so a minute turning between the two runs changes nothing.
    moment = ("--as-of", "2026-03-02 10:00")
    assert run.ok("ls", *moment) == run.ok("list", *moment)
    assert run.ok("sho", "1", *moment) == run.ok("show", "1", *moment)
    out = run.ok(
        *[
            "reg",
            "--channel",
            "电话",
            "--name",
            "张三",
            "--unit",
            "3-1-502",
            "--phone",
            "13812345678",
        ],
        "--description",
        "楼道灯不亮",
    )
    assert out.startswith("#2 已登记")
    assert run.ok("cal", "sta") == run.ok("calendar", "status")
    assert run.ok("pol", "sh") == run.ok("policy", "show")


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("c", "complaintctl: 'c' is ambiguous: could be classify, close, cancel, calendar\n"),
        ("re", "complaintctl: 're' is ambiguous: could be register, reopen, report\n"),
        ("regster", "complaintctl: No such command 'regster'. Did you mean 'register'?\n"),
        ("cal s", "complaintctl calendar: 's' is ambiguous: could be status, show\n"),
    ],
)
def test_ambiguous_or_unknown_names_are_refused(run, db, typed, message):
    result = run(*typed.split(), "1")
    assert result.exit_code == 2
    assert result.stderr == message
    assert not db.exists()
