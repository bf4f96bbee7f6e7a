"""Issue 22, findings 9, 12 and 14: one line, never a traceback, nothing written, and no phone
number echoed: undecodable arguments, dates past the last year, oversized and deeply nested
input, invisible characters, endless policy files, read-only ledgers, file modes."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import uuid
from pathlib import Path

import pytest
from ledgertools import snapshot

pytestmark = pytest.mark.backends

REGISTER = ["register", "--channel", "电话", "--unit", "1-1", "--description", "漏水"]


def one_line(result, code: int = 2) -> str:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return str(result.stderr)


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_an_undecodable_argument_is_one_line(run, db):
    gbk = os.fsdecode("张三".encode("gbk"))  # a GBK terminal typing into a UTF-8 locale
    result = run(*REGISTER, "--name", gbk, "--phone", "13812345678")
    assert one_line(result) == (
        "complaintctl: --name: not valid text in this terminal's encoding (UTF-8 expected); "
        "set the terminal or LANG to UTF-8\n"
    )
    assert (isinstance(db, Path) and not db.exists()) or run.json("list") == []


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "9999-12"], "--month: '9999-12' is past 9998"),
        (["--from", "2026-01-01", "--to", "9999-12-31"], "--to: '9999-12-31' is past 9998"),
        (["--from", "9999-12-01", "--to", "9999-12-31"], "--from: '9999-12-01' is past 9998"),
    ],
)
def test_dates_past_the_last_year_are_one_line(run, args, message):
    assert one_line(run("report", *args)) == (
        f"complaintctl: {message}, the last year complaintctl counts\n"
    )


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("option", "value", "code"),
    [
        ("--name", "\u200b", "U+200B"),  # only a zero-width space
        ("--name", "张\n三", "U+000A"),
        ("--unit", "A\u202e101", "U+202E"),  # right-to-left override: shows as 101A
        ("--location", "3号楼\u2066大堂", "U+2066"),  # direction marks: in every text
    ],
)
def test_invisible_characters_are_refused_in_short_fields(run, db, register, option, value, code):
    register()
    before = snapshot(db)
    values = {"--name": "张三", "--unit": "1-1", "--location": "大堂", option: value}
    args = ["register", "--channel", "电话", "--phone", "13812345678", "--description", "x"]
    for key, text in values.items():
        args += [key, text]
    assert one_line(run(*args)) == (
        f"complaintctl: {option}: contains an invisible, line-breaking or direction-changing "
        f"character ({code}); type the text as it is written\n"
    )
    assert snapshot(db) == before


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_invisible_characters_are_refused_in_handlers_and_imports(run, db, register, tmp_path):
    cid = register()
    result = run("assign", str(cid), "--department", "工程部", "--handler", "李\u200d工")
    assert "--handler: contains an invisible" in one_line(result)
    sheet = tmp_path / "r.csv"
    sheet.write_text("房号,投诉内容,投诉人,受理时间\n1\u202e01,漏水,张三,2026-03-02 09:00\n",
                     encoding="utf-8")  # fmt: skip
    result = run("import", str(sheet))
    assert result.exit_code == 2
    assert "column '房号' '1\\u202e01': contains an invisible" in result.stderr  # escaped


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_phone_numbers_are_never_echoed(run, db, tmp_path):
    result = run(*REGISTER, "--name", "张三", "--phone", "1381234567")
    assert one_line(result) == (
        "complaintctl: --phone: not a phone number (10 digits given); use a mobile (11 digits, "
        "13812345678) or a landline (021-12345678)\n"
    )
    sheet = tmp_path / "r.csv"
    sheet.write_text("房号,投诉内容,联系电话,受理时间\n1-1,漏水,139-8765-432,2026-03-02 09:00\n",
                     encoding="utf-8")  # fmt: skip
    result = run("import", str(sheet))
    assert result.exit_code == 2
    assert "8765" not in result.stderr
    assert "column '联系电话' '139-****-432': not a phone number (10 digits given)" in result.stderr


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_oversized_csv_field_and_deep_json_are_one_line(run, db, tmp_path):
    big = tmp_path / "big.csv"
    big.write_text("房号,投诉内容,受理时间\n1," + "x" * 140_000 + ",2026-03-02 09:00\n",
                   encoding="utf-8")  # fmt: skip
    assert one_line(run("import", str(big))) == (
        "complaintctl: FILE: big.csv: cannot read the CSV (field larger than field limit "
        "(131072)); nothing imported\n"
    )
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    assert one_line(run("import", str(deep))) == (
        "complaintctl: FILE: deep.jsonl: a line is nested too deeply; nothing imported\n"
    )


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize("command", [["policy", "load"], ["calendar", "load"]])
def test_policy_and_notice_files_have_a_size_limit(run, command):
    result = run(*command, "/dev/zero")
    assert one_line(result) == (
        "complaintctl: FILE: /dev/zero is larger than 1024 KiB; not a policy or notice\n"
    )


@pytest.mark.sqlite_only("the mode of the ledger file")
def test_a_pre_created_ledger_file_becomes_owner_only(run, db):
    db.touch()
    os.chmod(db, 0o644)
    run.ok("list")
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def _mount_read_only(folder: Path) -> bool:
    """A read-only file system (tmpfs, remounted ro); False where this may not mount."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
                        capture_output=True).returncode == 0  # fmt: skip
    return ok


@pytest.mark.sqlite_only("a ledger file on a read-only file system")
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_read_only_ledger_can_be_read(run, db, register, tmp_path):
    """verify, list, show, report and backup on a ledger on a read-only file system."""
    cid = register(at="2026-03-02 09:00")
    shown = run.json("show", str(cid))
    folder = tmp_path / f"ro-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    if not _mount_read_only(folder):
        pytest.skip("needs root to mount a read-only file system")
    try:
        shutil.copy(db, folder / "ledger.db")
        shutil.copy(db.with_name("ledger.db.head"), folder / "ledger.db.head")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        ro = ["--db", str(folder / "ledger.db")]
        assert run.ok(*ro, "verify").startswith("ok: 1 events, 1 complaints")
        assert run.json(*ro, "show", str(cid)) == shown
        assert len(run.json(*ro, "list")) == 1
        assert run.json(*ro, "report", "--month", "2026-03")["received"] == 1
        run.ok(*ro, "backup", str(tmp_path / "copy.db"))
        assert run.ok("--db", str(tmp_path / "copy.db"), "verify").startswith("ok: 1 events")
        result = run(*ro, "assign", str(cid), "--department", "工程部")
        assert one_line(result, 4) == (
            f"complaintctl: ledger {folder / 'ledger.db'}: read-only (file or folder not "
            "writable); nothing written\n"
        )
    finally:
        subprocess.run(["umount", str(folder)], check=False)
