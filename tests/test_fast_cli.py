"""``register``, ``list`` and ``show`` without Typer (cli/fast.py, issue 17): the parse table is
generated from the Typer commands, every command line it takes gives the same stdout, stderr
and exit code as the Typer group, and every line it does not take is left to Typer untouched."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path
from shlex import split
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
import typer.main
from hypothesis import given
from hypothesis import strategies as st

from complaintctl.cli import complaint_views, entry, fast, fastgen, fastspec
from complaintctl.cli.app import app
from complaintctl.domain import timeutil

NOW = 1_764_741_600  # 2025-12-03 14:00 in Shanghai, a Wednesday
REGISTER = ["register", "--channel", "电话", "--name", "张三", "--unit", "3-1-502",
            "--phone", "13812345678", "--description", "楼道灯不亮"]  # fmt: skip


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    """One 'now' for both ways of running a line (deadlines and time left are printed)."""
    monkeypatch.setattr(timeutil, "_time", SimpleNamespace(time=lambda: NOW))


def typer_way(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        typer.main.get_command(app).main(argv, prog_name="complaintctl")
    out, err = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 0), out, err


def fast_way(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = fast.run(argv)
    assert code is not None, f"{argv} was left to Typer"
    out, err = capsys.readouterr()
    return code, out, err


def fill(db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Four complaints in three states, one a duplicate, through the Typer commands."""
    monkeypatch.setenv("COMPLAINTCTL_DB", str(db))
    lines = [
        [*REGISTER, "--severity", "重大", "--at", "2025-12-01 09:00"],
        split(
            "register --channel 网络 --name 王五 --phone 13900001234 --unit 3-2-101 "
            "--description '[噪音] 夜间施工' --at '2025-12-02 10:00'"
        ),
        split(
            "register --channel 来访 --anonymous --unit 5-1-1 --description 电梯停运 --kind 报修 "
            "--urgent --at '2025-12-03 08:00'"
        ),
        ["assign", "1", "--department", "工程部", "--handler", "李工", "--at", "2025-12-01 10:00"],
        ["close", "1", "--resolution", "已更换灯具", "--at", "2025-12-02 09:00"],
        split(
            "register --channel 电话 --name 张三 --unit 3-2-101 --phone 13900001234 "
            "--description 夜间噪音 --at '2025-12-02 11:00'"
        ),
        ["link", "4", "2"],
    ]
    for argv in lines:
        code, _, err = typer_way(argv, capsys)
        assert code == 0, (argv, err)


# -- the parse table -----------------------------------------------------------------------
def test_the_parse_table_is_what_the_generator_writes_from_the_typer_commands():
    assert fastgen.SPEC_FILE.read_text(encoding="utf-8") == fastgen.spec_text(), (
        "cli/fastspec.py is out of date: run python -m complaintctl.cli.fastgen"
    )


def test_each_view_takes_exactly_its_typer_commands_parameters():
    root: Any = typer.main.get_command(app)
    ctx = typer.Context(root)
    for name, function in fast.FAST.items():
        params = [p.name for p in root.get_command(ctx, name).params]
        view = getattr(complaint_views, function)
        assert list(inspect.signature(view).parameters) == ["st", *params], name
        assert all(row[1] != "other" for row in fastspec.COMMANDS[name]), name


# -- the same answers ------------------------------------------------------------------------
READING = [
    ["--db", "", "list"],  # --db is text now (a postgresql:// URL): the ledger refuses it
    ["show", "0"],  # ids are read by the core (YG-3 or 3, issue 21): the same refusal
    ["show", "x"],
    ["list", "--site", "MAIN", "--site", "main"],
    ["--site", "MAIN", "show", "1"],
    ["show", "1"],
    ["show", "1", "2", "3"],
    ["show", "3", "--json"],
    ["show", "1", "2", "--json"],
    ["show", "--json", "2"],
    ["show", "1", "--as-of", "2025-12-01 12:00"],
    ["sho", "2"],
    ["--lang", "en", "show", "3"],
    ["--lang=en", "show", "1"],
    ["show", " 2"],
    ["show", "9"],
    ["show", "1", "9"],
    ["show", "1", "--as-of", "yesterday"],
    ["list"],
    ["ls", "--open"],
    ["list", "--open", "--json"],
    ["list", "--limit", "1"],
    ["list", "--limit=2", "--open"],
    ["list", "--status", "已办结"],
    ["list", "--status", "resolved", "--status", "registered"],
    ["list", "--severity", "bogus"],
    ["list", "--linked"],
    ["list", "--not-linked", "--open", "--json"],
    ["list", "--unit", "3-*"],
    ["list", "--phone", "5678", "--name", "张*"],
    ["list", "--kind", "报修"],
    ["list", "--text", "噪音"],
    ["list", "--as-of", "2025-12-01 12:00", "--breached"],
    ["list", "--due-within", "2h"],
    ["list", "--due-within", "soon"],
    ["list", "--since", "2025-12-02", "--until", "2025-12-03"],
    ["--lang", "en", "ls"],
]


@pytest.mark.parametrize("argv", READING, ids=" ".join)
def test_reading_lines_answer_as_typer_does(argv, db, monkeypatch, capsys):
    fill(db, monkeypatch, capsys)
    assert fast_way(argv, capsys) == typer_way(argv, capsys)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_reading_lines_answer_as_typer_does_on_the_server(backend, db, monkeypatch, capsys):
    """Every reading line of the server's ledger, one filling for them all (a database per
    line would cost the suite a minute)."""
    fill(db, monkeypatch, capsys)
    for argv in READING:
        assert fast_way(argv, capsys) == typer_way(argv, capsys), argv


@pytest.mark.backends
def test_the_language_from_the_environment(db, monkeypatch, capsys):
    fill(db, monkeypatch, capsys)
    monkeypatch.setenv("COMPLAINTCTL_LANG", "en")
    for argv in (["show", "1"], ["list", "--open"]):
        assert fast_way(argv, capsys) == typer_way(argv, capsys)
    assert "Status" in fast_way(["list"], capsys)[1]


WRITING = [
    REGISTER,
    [*REGISTER, "--json"],
    ["reg", *REGISTER[1:], "--severity", "重大", "--at", "2025-12-03 09:00"],
    [*REGISTER, "--category", "公共照明", "--location", "3号楼1单元", "--nature", "有效投诉"],
    split(
        "register --kind 报修 --channel 电话 --unit 1-1-1 --description 水管 --name 李四 "
        "--appointment '2025-12-04 10:00' --urgent"
    ),
    ["register", "--anonymous", "--channel", "信函", "--unit", "2-2-2", "--description", "-x"],
    [*REGISTER, "--at", "2025-11-20 09:00", "--late-entry-reason", "纸质登记本补录"],
    [*REGISTER, "--by", "张伟", "--at=2025-12-03 13:00"],
    ["register", "--channel", "电话", "--unit", "3-1-502", "--description", "没有姓名"],
    [*REGISTER[:2], "传真", *REGISTER[3:]],
    [*REGISTER, "--severity", "很重"],
    [*REGISTER, "--at", "2025-12-05 09:00"],
    [*REGISTER, "--appointment", "2025-12-04 10:00"],
]


@pytest.mark.parametrize("argv", WRITING, ids=" ".join)
def test_register_answers_and_writes_as_typer_does(argv, tmp_path, monkeypatch, capsys):
    """Two ledgers made alike; the line runs without Typer on one and with it on the other,
    and both ledgers end alike (a refused line writes nothing to either)."""
    ledgers = [tmp_path / "a" / "ledger.db", tmp_path / "b" / "ledger.db"]
    for db in ledgers:
        fill(db, monkeypatch, capsys)
    monkeypatch.setenv("COMPLAINTCTL_DB", str(ledgers[0]))
    fast_answer = fast_way(argv, capsys)
    monkeypatch.setenv("COMPLAINTCTL_DB", str(ledgers[1]))
    assert fast_answer == typer_way(argv, capsys)
    shown = []
    for db in ledgers:
        monkeypatch.setenv("COMPLAINTCTL_DB", str(db))
        shown.append(fast_way(["list", "--json"], capsys))
    assert shown[0] == shown[1]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_register_answers_and_writes_as_typer_does_on_the_server(
    backend, db, pg_server, monkeypatch, capsys
):
    """Two server ledgers made alike; each line runs without Typer on one and with it on the
    other, one after the other, and both ledgers end alike."""
    ledgers = [db, pg_server.url(pg_server.new_database())]
    try:
        for ledger in ledgers:
            fill(ledger, monkeypatch, capsys)
        written = 0
        for argv in WRITING:
            monkeypatch.setenv("COMPLAINTCTL_DB", ledgers[0])
            fast_answer = fast_way(argv, capsys)
            monkeypatch.setenv("COMPLAINTCTL_DB", ledgers[1])
            assert fast_answer == typer_way(argv, capsys), argv
            written += fast_answer[0] == 0
        shown = []
        for ledger in ledgers:
            monkeypatch.setenv("COMPLAINTCTL_DB", ledger)
            shown.append(fast_way(["list", "--json"], capsys))
        assert shown[0] == shown[1]
        assert shown[0][1].count('"id"') == 4 + written > 4 + 5  # and the refused wrote nothing
    finally:
        pg_server.drop_database(urlsplit(ledgers[1]).path.lstrip("/"))


# -- everything else goes to Typer -----------------------------------------------------------
LEFT_TO_TYPER = [
    [],
    ["--version"],
    ["--version", "show", "1"],
    ["--help"],
    ["show", "--help"],
    ["list", "-h"],
    ["show"],
    ["show", "-1"],
    ["show", "1", "--lang", "en"],
    ["list", "--limit", "0"],
    ["list", "--limit", "many"],
    ["list", "--limit"],
    ["list", "--open=yes"],
    ["list", "--opne"],
    ["list", "extra"],
    ["list", "--", "--open"],
    ["s", "1"],
    ["classify", "1", "--severity", "重大"],
    ["--lang", "fr", "list"],
    ["--bogus", "list"],
    ["register", "--channel", "电话", "--unit", "1-1-1"],
    [*REGISTER, "--urgent=1"],
    ["list", "--unit", "3-1-\udcff"],
    ["--install-completion", "bash"],
]


@pytest.mark.parametrize("argv", LEFT_TO_TYPER, ids=" ".join)
def test_every_other_line_is_left_to_typer_before_anything_is_done(argv, db):
    assert fast.run(argv) is None
    assert not db.exists()


def test_completion_requests_are_left_to_typer(monkeypatch):
    monkeypatch.setenv("_COMPLAINTCTL_COMPLETE", "bash_complete")
    assert fast.run(["list"]) is None


@pytest.mark.backends
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_the_console_script_runs_the_hot_commands_without_typer(db, monkeypatch, capsys):
    """Through cli/entry.py as installed: exit codes, and which modules a command loads."""
    fill(db, monkeypatch, capsys)
    monkeypatch.setattr(sys, "argv", ["complaintctl", "show", "9"])
    with pytest.raises(SystemExit) as done:
        entry.main()
    assert done.value.code == 2
    assert capsys.readouterr().err == f"complaintctl: ID: no complaint #9 in {db}\n"
    probe = (
        "import sys; sys.argv = ['complaintctl', *sys.argv[1:]]\n"
        "from complaintctl.cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    for argv in (["show", "1"], ["list", "--open"], REGISTER):
        out = subprocess.run(
            [sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True
        ).stdout
        modules = set(out.splitlines()[-1].split())
        assert not {m for m in modules if m.split(".")[0] in ("typer", "click")}, argv
        assert "rich.console" not in modules and "complaintctl.cli.app" not in modules, argv
    out = subprocess.run(
        [sys.executable, "-c", probe, "show", "--help"], capture_output=True, text=True
    ).stdout
    assert "typer" in out.splitlines()[-1].split()  # help: Typer, as before


# -- table cells measured without Rich ---------------------------------------------------------
def test_each_wide_character_is_two_columns_as_rich_counts_it():
    from rich.cells import cell_len

    from complaintctl.cli import render

    wide = [chr(c) for r in ((0x3001, 0x3003), (0x4E00, 0x9FFF), (0xFF01, 0xFF60))
            for c in range(r[0], r[1] + 1)]  # fmt: skip
    assert all(render._wide(ch) for ch in wide)
    assert [ch for ch in wide if cell_len(ch) != 2] == []
    assert not any(render._wide(chr(c)) for c in (0x3000, 0x3004, 0x4DFF, 0xA000, 0xFF00, 0xFF61))


@given(st.text(alphabet=st.sampled_from("a1-* :张三楼道灯不亮剩余分钟，（）：…→é\u3000、。\uff61")))
def test_a_cell_is_as_wide_as_rich_measures_it(text):
    from rich.cells import cell_len

    from complaintctl.cli import render

    if text.isprintable():
        assert render._cells(text) == cell_len(text)
