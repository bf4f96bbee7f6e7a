"""Issue 22, findings 1-3 and 13: one guard for every file the tool writes.  Exports,
reports, digests, backups, rejects files and pre-upgrade backups never land on the ledger or
its WAL files (whatever name reaches them), never follow a symbolic link, are owner-only, and
leave nothing behind when they fail; a full disk names the output."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from ledgertools import snapshot
from test_import import HEADER, ROWS, write_csv

WRITERS = [
    ["export", "-o"],
    ["export", "--format", "jsonl", "-o"],
    ["export", "--format", "xlsx", "-o"],
    ["digest", "--output"],
    ["report", "--month", "2026-03", "--format", "csv", "-o"],
    ["report", "--month", "2026-03", "--format", "xlsx", "-o"],
]


@pytest.fixture
def filled(run, register):
    register(at="2026-03-02 09:00")
    register(name="李四", at="2026-03-02 10:00")


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize("command", WRITERS, ids=lambda c: " ".join(c[:3]))
def test_no_output_lands_on_the_ledger_through_a_symlinked_db(run, db, filled, command):
    """Finding 1: ``--db current.db`` (a link to ledger.db) with ``-o ledger.db``."""
    (db.parent / "current.db").symlink_to("ledger.db")
    before = snapshot(db)
    result = run("--db", str(db.parent / "current.db"), *command, str(db))
    assert result.exit_code == 2
    assert result.stderr.endswith(f"{db} is the ledger itself; choose another file\n")
    assert snapshot(db) == before
    assert run.ok("verify").startswith("ok: 2 events")


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize("command", WRITERS, ids=lambda c: " ".join(c[:3]))
def test_no_output_follows_a_symlink_or_reaches_the_ledger_by_a_hard_link(
    run, db, filled, tmp_path, command
):
    other = tmp_path / "other.csv"
    other.write_text("keep me")
    (tmp_path / "link.csv").symlink_to(other)
    os.link(db, tmp_path / "hard.db")
    before = snapshot(db)
    result = run(*command, str(tmp_path / "link.csv"))
    assert (result.exit_code, result.stderr.split(": ", 2)[-1]) == (
        2,
        f"{tmp_path / 'link.csv'} is a symbolic link; give the real file's name "
        "(links are not followed)\n",
    )
    assert other.read_text() == "keep me"
    result = run(*command, str(tmp_path / "hard.db"))
    assert result.exit_code == 2
    assert result.stderr.endswith("hard.db is the ledger itself; choose another file\n")
    assert snapshot(db) == before


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal", ""])
def test_backup_refuses_the_ledger_and_its_side_files(run, db, filled, suffix):
    """Finding 2: ``backup --force ledger.db-wal`` destroyed registers while verify said ok."""
    before = snapshot(db)
    target = f"{db}{suffix}"
    result = run("backup", "--force", target)
    assert (result.exit_code, result.stderr) == (
        2,
        f"complaintctl: DEST: {target} is the ledger itself; choose another file\n",
    )
    assert snapshot(db) == before


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_backup_refuses_a_symlink_and_a_missing_folder(run, db, filled, tmp_path):
    (tmp_path / "b.db").symlink_to(db)
    result = run("backup", "--force", str(tmp_path / "b.db"))
    assert result.exit_code == 2
    assert "is a symbolic link" in result.stderr
    result = run("backup", str(tmp_path / "nope" / "b.db"))
    assert (result.exit_code, result.stderr) == (
        2,
        f"complaintctl: DEST: folder {tmp_path / 'nope'} does not exist\n",
    )


def _bad_sheet(tmp_path: Path) -> Path:
    rows = [*ROWS[:2], ["9", "2026/13/45", "", "钱七", "9-9", "", "x", "电话", *[""] * 9]]
    return write_csv(tmp_path / "reg.csv", [HEADER, *rows])


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_rejects_file_is_owner_only_and_never_follows_a_link(run, db, tmp_path):
    """Finding 3: ``reg.rejects.csv -> ledger.db`` destroyed the ledger; the file was 0644."""
    sheet = _bad_sheet(tmp_path)
    run.ok("register", "--channel", "电话", "--name", "甲", "--unit", "1-1", "--phone",
           "13800000000", "--description", "先有一件")  # fmt: skip
    before = snapshot(db)
    rejects = tmp_path / "reg.rejects.csv"
    rejects.symlink_to(db)
    result = run("import", str(sheet), "--skip-invalid")
    assert result.exit_code == 2
    assert "reg.rejects.csv is a symbolic link" in result.stderr
    assert snapshot(db) == before  # and nothing imported: one transaction
    rejects.unlink()
    old = os.umask(0o022)
    try:
        run.ok("import", str(sheet), "--skip-invalid")
    finally:
        os.umask(old)
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    assert "钱七" in rejects.read_text(encoding="utf-8-sig")


def test_new_outputs_are_owner_only_and_replaced_ones_keep_their_mode(run, filled, tmp_path):
    out = tmp_path / "e.csv"
    run.ok("export", "-o", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    os.chmod(out, 0o640)
    run.ok("export", "-o", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_stale_partial_files_of_dead_writers_are_removed(run, filled, tmp_path):
    """Finding 13: a killed backup left ``.DEST.partial-PID`` (a full copy) forever."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = tmp_path / f".copy.db.partial-{int(dead.stdout)}"
    stale.write_bytes(b"SQLite format 3\x00 names and phones")
    alive = tmp_path / f".copy.db.partial-{os.getppid()}"  # a running process: not touched
    alive.write_bytes(b"x")
    run.ok("backup", str(tmp_path / "copy.db"))
    assert not stale.exists()
    assert alive.exists()
    assert sorted(p.name for p in tmp_path.glob(".copy.db*")) == [alive.name]


LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from complaintctl.cli.app import main
sys.argv = ["complaintctl", *sys.argv[2:]]
main()
"""


def _full(*args: str) -> subprocess.CompletedProcess[str]:
    """The command with files limited to 64 KiB: writing more fails as on a full disk."""
    return subprocess.run([sys.executable, "-c", LIMITED, str(64 * 1024), *args],
                          capture_output=True, text=True, env=os.environ, timeout=120)  # fmt: skip


@pytest.fixture
def big(run, register):
    """A ledger of about 1 MB: any copy or export of it is over the limit."""
    for n in range(40):
        register(at="2026-03-02 09:00", description=f"{n} " + "楼上漏水" * 900)


@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(
    ("command", "field"),
    [
        (["backup"], "DEST"),
        (["export", "--with-personal-data", "-o"], "--output"),
        (["export", "--format", "xlsx", "-o"], "--output"),
        (["report", "--month", "2026-03", "--format", "xlsx", "-o"], "--output"),
    ],
    ids=lambda c: " ".join(c) if isinstance(c, list) else c,
)
def test_a_full_disk_names_the_output_and_leaves_nothing(db, big, tmp_path, command, field):
    """Finding 12/13: a disk-full backup blamed the ledger and left a journal; xlsx exports
    raised a traceback."""
    before = snapshot(db)
    target = tmp_path / "out" / "copy.db"
    target.parent.mkdir()
    result = _full(*command, str(target))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"complaintctl: {field}: cannot write {target}")
    assert "Traceback" not in result.stderr
    assert str(db) not in result.stderr
    assert list(target.parent.iterdir()) == []
    assert snapshot(db) == before


def test_a_killed_upgrade_backup_leaves_nothing_that_opens_as_a_ledger(run, db, filled):
    """Finding 13: the pre-upgrade backup is written through the guard too: only a
    ``.partial`` name ever holds an incomplete copy, and the next write removes it."""
    from complaintctl.store import outfile

    saved = db.with_name("ledger.db.before-v9-x")
    with pytest.raises(RuntimeError), outfile.replacing(saved, "upgrade backup", db) as part:
        part.write_bytes(b"SQLite format 3\x00")
        raise RuntimeError("killed")
    assert sorted(p.name for p in db.parent.iterdir() if "before" in p.name) == []


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_rejects_file_on_a_full_disk_is_not_left_behind(run, register, db, tmp_path):
    """Finding 13: an empty rejects file was left on a full disk."""
    register()  # the ledger and its calendar cache exist; the import adds nothing to them
    before = snapshot(db)
    rows = [["房号", "投诉内容", "受理时间"]]
    rows += [[f"{n}-1", "漏水" * 1000, "2026-13-45"] for n in range(40)]  # every row bad
    sheet = write_csv(tmp_path / "reg.csv", rows)
    result = _full("import", str(sheet), "--skip-invalid")
    assert result.returncode == 2, result.stderr
    assert result.stderr.endswith(
        f"--skip-invalid: cannot write {tmp_path / 'reg.rejects.csv'}: the disk is full; "
        "nothing was written\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir() if "rejects" in p.name) == []
    assert snapshot(db) == before


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_new_ledger_on_a_full_disk_is_one_line(tmp_path):
    """Creating a ledger on a full disk said "cannot rollback - no transaction is active"."""
    result = _full("--db", str(tmp_path / "new.db"), "list")
    assert result.returncode == 4
    assert result.stderr.startswith(f"complaintctl: ledger {tmp_path / 'new.db'}: ")
    assert "rollback" not in result.stderr and "Traceback" not in result.stderr
