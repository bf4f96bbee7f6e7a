"""``complaintctl shell``: the non-interactive mode (stdin not a terminal), the completion it
offers, shell completion for bash/zsh/fish, and a session on a pseudo-terminal (pexpect)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import typer.main
from test_calendar import NOTICE_2027

from complaintctl.cli.app import app
from complaintctl.cli.shell import Session, candidates

pytestmark = pytest.mark.backends

SCRIPT = str(Path(sys.executable).parent / "complaintctl")
REGISTER = (
    "register --channel 电话 --name 张三 --unit 3-1-502 --phone 13812345678 "
    "--description 楼道灯不亮 --at '2026-03-02 09:00'"
)


def session() -> Session:
    return Session(typer.main.get_command(app), None, "zh")


# -- non-interactive mode --------------------------------------------------------------------
def test_lines_run_in_turn_with_the_same_output_as_the_command_line(run, register):
    register(at="2026-03-02 09:00", severity="重大")
    alone = run.ok("show", "1", "--as-of", "2026-03-02 10:00") + run.ok(
        "list", "--as-of", "2026-03-02 10:00"
    )
    result = run(
        "shell",
        input="# a comment, then a blank line\n\nshow 1 --as-of '2026-03-02 10:00'\n"
        "ls --as-of '2026-03-02 10:00'\n",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == alone
    assert result.stderr == ""


def test_exit_code_is_the_highest_met_and_errors_do_not_stop(run, register, db):
    register(at="2026-03-02 09:00")
    lines = [
        "reopen 1 --reason 不满意",  # not allowed now: 1
        "show 99",  # no such complaint: 2
        "sh 1",  # ambiguous prefix: 2
        "shell",  # no shell inside the shell: 2
        "show 'unclosed",  # a quote left open: 2
        REGISTER.replace("电话", "传真"),  # a bad value: 2, nothing written
        "close 1 --resolution 已更换灯泡 --at '2026-03-02 10:00' --satisfied",  # 0
    ]
    result = run("shell", input="\n".join(lines) + "\n")
    assert result.exit_code == 2
    assert result.stdout == "#1 已办结，状态：已关闭\n"
    assert result.stderr.splitlines() == [
        "complaintctl：不能复议 #1：已登记；现在可以：分类定级、派单、跟进、关闭",
        f"complaintctl：ID：{db} 中没有 #99",
        "complaintctl：“sh” 有歧义：可能是 show、shell",
        "complaintctl：“shell” 不能在交互界面中使用",
        "complaintctl：引号没有闭合",
        "complaintctl：--channel：未知的值 “传真”（可选：电话、来访、网络、信函、转办、其他）",
    ]
    assert run.json("list")[0]["id"] == 1 and len(run.json("list")) == 1


def test_only_errors_of_one_kind_give_that_code(run, register):
    register(at="2026-03-02 09:00")
    assert run("shell", input="followup 1 --satisfied\nshow 1\n").exit_code == 1
    assert run("shell", input="show 1\nlist --open\n").exit_code == 0


def test_exit_stops_reading_and_global_options_apply_to_every_line(run, register, tmp_path):
    other = tmp_path / "other.db"
    register(at="2026-03-02 09:00")
    result = run("--db", str(other), "--lang", "en", "shell", input=f"{REGISTER}\nexit\nbogus\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("#1 registered; status registered; next: respond due ")
    assert run.ok("--db", str(other), "ls", "--json").count('"id"') == 1


def test_as_a_process_through_a_pipe(db):
    result = subprocess.run(
        [SCRIPT, "shell"],
        input=f"{REGISTER}\nlist --json\nshow 7\n",
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert result.returncode == 2
    assert result.stdout.startswith(
        "#1 已登记，状态：已登记；下一时限：首次联系 2026-03-03 09:00（已超时）\n["
    )
    assert result.stderr == f"complaintctl：ID：{db} 中没有 #7\n"


def test_the_kept_ledger_sees_what_other_terminals_write(tmp_path, capsys):
    """The shell keeps its ledger open between commands; a complaint registered or a holiday
    notice loaded by another process shows in its next command."""
    s = session()
    assert s.run_line("list --json") == 0  # makes the ledger
    assert s.run_line("calendar due '2027-01-29 10:00' 1wd") == 0  # kept, calendar cached
    assert capsys.readouterr().out == "[]\n2027-02-01 24:00（暂定）\n"
    notice = tmp_path / "2027.toml"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    other = dict(capture_output=True, check=True)  # another terminal: another process
    subprocess.run([SCRIPT, "calendar", "load", str(notice)], **other)
    subprocess.run([SCRIPT, *shlex.split(REGISTER)], **other)
    assert s.run_line("calendar due '2027-01-29 10:00' 1wd") == 0  # 01-31 is a 调休 workday
    assert s.run_line("show 1 --json") == 0
    out = capsys.readouterr().out
    assert out.startswith("2027-01-31 24:00\n{\n")
    assert '"description": "楼道灯不亮"' in out
    s.close()


# -- what the shell completes ----------------------------------------------------------------
def test_completes_commands_aliases_and_prefixes(db):
    word, pairs = candidates(session(), "re")
    assert word == "re"
    assert [v for v, _ in pairs] == ["register", "reopen", "report"]
    assert pairs[0][1] == "受理登记一件投诉（受理），可在业主来电时登记"
    assert [v for v, _ in candidates(session(), "l")[1]] == ["list", "link", "ls"]
    assert [v for v, _ in candidates(session(), "calendar ")[1]] == [
        "status",
        "load",
        "check",
        "recompute",
        "due",
        "show",
    ]
    assert [v for v, _ in candidates(session(), "ls --st")[1]] == ["--status"]
    assert [v for v, _ in candidates(session(), "cal sta --")[1]] == ["--json", "--help"]
    assert [v for v, _ in candidates(session(), "clo 1 --sat")[1]] == ["--satisfied"]


def test_completes_enum_values_in_both_languages(db):
    assert candidates(session(), "register --severity ")[1] == [
        ("轻微", "minor"),
        ("中度", "moderate"),
        ("重大", "major"),
        ("minor", "轻微"),
        ("moderate", "中度"),
        ("major", "重大"),
    ]
    assert candidates(session(), "classify 1 --severity 重")[1] == [("重大", "major")]
    assert candidates(session(), "list --status in")[1] == [("in_progress", "处理中")]
    assert [v for v, _ in candidates(session(), "register --channel ")[1]][:2] == ["电话", "来访"]


def test_completes_policy_names_handlers_and_open_ids(run, register, db):
    # No ledger yet (and none is created): no ids, so the options are offered
    assert [v for v, _ in candidates(session(), "show ")[1]] == ["--as-of", "--json", "--help"]
    assert not isinstance(db, Path) or not db.exists()
    register(at="2026-03-02 09:00", unit="3-1-502", description="楼道灯不亮，三层到五层都不亮")
    register(at="2026-03-02 10:00", unit="A-101", description="垃圾未清")
    register(at="2026-03-02 11:00", unit="B-1", description="已处理")
    run.ok("assign", "1", "--department", "工程部", "--handler", "李师傅")
    run.ok("close", "3", "--resolution", "已处理", "--satisfied")
    assert candidates(session(), "show ")[1] == [
        ("1", "3-1-502 楼道灯不亮，三层到五层都不亮"),
        ("2", "A-101 垃圾未清"),
    ]
    assert candidates(session(), "close 2")[1] == [("2", "A-101 垃圾未清")]
    assert [v for v, _ in candidates(session(), "assign 2 --department ")[1]] == [
        "客服部",
        "工程部",
        "保洁部",
        "绿化部",
        "秩序维护部",
        "财务部",
    ]
    assert candidates(session(), "assign 2 --department 工程部 --handler ")[1] == [("李师傅", "")]
    assert "设施设备" in [v for v, _ in candidates(session(), "register --category ")[1]]
    assert candidates(session(), "show 1 --as")[1][0][0] == "--as-of"


def test_shell_completion_for_bash_zsh_and_fish(register, db):
    register(at="2026-03-02 09:00")

    def complete(**env: str) -> str:
        return subprocess.run(
            [SCRIPT], env={**os.environ, **env}, capture_output=True, text=True, check=True
        ).stdout

    bash = dict(_COMPLAINTCTL_COMPLETE="complete_bash")
    assert complete(**bash, COMP_WORDS="complaintctl cla 1 --severity 重", COMP_CWORD="4") == (
        "重大\n"
    )
    assert complete(**bash, COMP_WORDS="complaintctl ls --st", COMP_CWORD="2") == "--status\n"
    zsh = complete(_COMPLAINTCTL_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="complaintctl show ")
    assert '"1":"3-1-502 楼道灯不亮"' in zsh
    # click makes --help itself: its description follows the language too
    zsh = complete(
        _COMPLAINTCTL_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="complaintctl close --"
    )
    assert '"--help":"显示本帮助并退出。"' in zsh
    english = complete(
        _COMPLAINTCTL_COMPLETE="complete_zsh",
        _TYPER_COMPLETE_ARGS="complaintctl close --",
        COMPLAINTCTL_LANG="en",
    )
    assert '"--help":"Show this message and exit."' in english
    fish = complete(
        _COMPLAINTCTL_COMPLETE="complete_fish",
        _TYPER_COMPLETE_ARGS="complaintctl assign 1 --department 保",
        _TYPER_COMPLETE_FISH_ACTION="get-args",
    )
    assert fish == "保洁部\n"
    script = subprocess.run(
        [SCRIPT, "--show-completion"],
        env={**os.environ, "SHELL": "/bin/bash"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "_COMPLAINTCTL_COMPLETE=complete_bash" in script


# -- a session on a terminal -----------------------------------------------------------------
@pytest.fixture
def terminal(tmp_path):
    history = tmp_path / "history"
    env = {**os.environ, "COMPLAINTCTL_HISTORY": str(history), "PROMPT_TOOLKIT_NO_CPR": "1"}
    env.pop("NO_COLOR")
    child = pexpect.spawn(
        SCRIPT, ["shell"], env=env, encoding="utf-8", dimensions=(30, 100), timeout=15
    )
    child.expect("值班台：Tab 补全")
    child.expect_exact("complaintctl>")
    yield child, history
    child.close(force=True)


def test_a_session_on_a_terminal(terminal, run, register, db):
    child, history = terminal
    # Register in Chinese, the severity completed from 重
    child.send(
        "register --channel 电话 --name 张三 --unit 3-1-502 --phone 13812345678 "
        "--description 楼道灯不亮 --severity 重\t"
    )
    child.expect_exact("大")  # the line now ends in 重大
    child.send("\r")
    child.expect_exact("#1 已登记，状态：已登记；下一时限：首次联系")
    child.expect_exact("complaintctl>")
    # Another terminal writes; the shell sees it at once
    register(channel="来访", name="李四", unit="A-101", description="垃圾未清")
    child.sendline("ls --open")
    child.expect_exact("A-101")
    child.expect_exact("complaintctl>")
    # An id completed from a menu that shows unit and description; Ctrl-C drops the line
    child.send("show \t")
    child.expect_exact("3-1-502 楼道灯不亮")
    child.expect_exact("A-101 垃圾未清")
    child.send("\x03")
    child.expect_exact("complaintctl>")
    child.sendline("show 1")
    child.expect_exact("楼道灯不亮")
    child.expect_exact("complaintctl>")
    # A refused command does not end the session
    child.sendline("followup 1 --satisfied")
    child.expect_exact("complaintctl：不能回访 #1：已登记")
    child.expect_exact("complaintctl>")
    child.sendline("close 1 --resolution 已更换灯泡 --satisfied")
    child.expect_exact("#1 已办结，状态：已关闭")
    child.expect_exact("complaintctl>")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert run.json("show", "1")["status"] == "closed"
    assert run.json("show", "1")["severity"] == "major"
    assert run.json("show", "2")["status"] == "registered"
    assert history.stat().st_mode & 0o777 == 0o600
    lines = [line for line in history.read_text().splitlines() if line.startswith("+")]
    assert lines[-2:] == ["+followup 1 --satisfied", "+close 1 --resolution 已更换灯泡 --satisfied"]
    assert "+show 1" in lines and "+show " not in lines  # the cancelled line is not kept


def test_history_file_is_tightened_to_0600(tmp_path, db):
    history = tmp_path / "hist"
    history.write_text("")
    history.chmod(0o644)
    env = {**os.environ, "COMPLAINTCTL_HISTORY": str(history), "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(SCRIPT, ["shell"], env=env, encoding="utf-8", timeout=15)
    child.expect_exact("complaintctl>")
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert history.stat().st_mode & 0o777 == 0o600


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_help_inside_the_shell(run):
    result = run("shell", input="help ls\nhelp\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Usage: complaintctl list [OPTIONS]\n")
    assert "\nUsage: complaintctl [OPTIONS] COMMAND [ARGS]...\n" in result.stdout
    assert "  shell           The duty desk shell (值班台)" in result.stdout
