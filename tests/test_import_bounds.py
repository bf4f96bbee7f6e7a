"""Bounded work on hostile files (issue 22, finding 10): a workbook declaring A1:XFD1048576,
large workbooks of blank or bad rows, and a worker left behind by a killed import."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from complaintctl.transfer import sheets, worker

HEADER = ["受理时间", "房号", "投诉内容"]
MB = 1024 * 1024


def workbook(path: Path, sheet_data: str, dimension: str = "A1:C4") -> Path:
    """A workbook whose first sheet's XML has ``sheet_data`` as its rows and declares
    ``dimension`` (what a hostile or broken file can say)."""
    book = openpyxl.Workbook()
    book.active.append(["placeholder"])
    book.save(path)
    with zipfile.ZipFile(path) as old:
        members = {name: old.read(name) for name in old.namelist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    xml = re.sub(r"<dimension ref=\"[^\"]*\"\s*/>", f'<dimension ref="{dimension}"/>', xml)
    xml = re.sub(
        r"<sheetData>.*</sheetData>|<sheetData\s*/>",
        f"<sheetData>{sheet_data}</sheetData>",
        xml,
        flags=re.S,
    )
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in members.items():
            new.writestr(name, data)
    return path


def row(number: int, *values: str, column: int = 1) -> str:
    cells = "".join(
        f'<c r="{openpyxl.utils.get_column_letter(column + i)}{number}" t="inlineStr">'
        f"<is><t>{v}</t></is></c>"
        for i, v in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


GOOD = (
    row(1, *HEADER)
    + row(2, "2026-03-02 09:00", "1-101", "漏水")
    + row(3, "2026-03-03 10:00", "1-102", "噪音")
)


def measured(
    args: list[str], env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run the CLI in a child; its result, seconds and peak RSS in MB (the largest process of
    it and its worker)."""
    probe = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr); "
        "print('RSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
        "sys.exit(r.returncode)"
    )
    cli = [sys.executable, "-c", "from complaintctl.cli.entry import main; main()"]
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", probe, *cli, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    seconds = time.monotonic() - start
    rss = int(done.stderr.rsplit("RSS ", 1)[1]) / 1024
    done.stderr = done.stderr.rsplit("RSS ", 1)[0]
    return done, seconds, rss


@pytest.mark.backends
def test_a_workbook_declaring_every_cell_imports_in_seconds(run, tmp_path):
    """A1:XFD1048576 declared, a cell at XFD1048576: read as the rows it has, the data ending
    at the run of blank rows after row 3."""
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    path = workbook(tmp_path / "huge.xlsx", GOOD + far, "A1:XFD1048576")
    assert path.stat().st_size < 10_000
    done, seconds, rss = measured(["import", str(path)])
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "已从 huge.xlsx [Sheet] 导入 2 条投诉（#1–#2）；0 条已存在；数据读到第 3 行为止（其后连续空行）\n"
    )
    print(f"{seconds:.1f} s, {rss:.0f} MB")
    assert seconds < 15 and rss < 200, (seconds, rss)


@pytest.mark.backends
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_row_filled_beyond_the_column_limit_is_one_line(run, tmp_path):
    wide = row(4, "x", column=sheets.MAX_COLUMNS + 1)
    path = workbook(tmp_path / "wide.xlsx", GOOD + wide, "A1:XFD4")
    result = run("import", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        "complaintctl: FILE: wide.xlsx [Sheet]: row 4 fills a cell beyond column 256; a "
        "register has fewer columns: remove the cells to the right\n"
    )


@pytest.mark.backends
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_rows_past_the_row_limit_are_one_line(run, tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "MAX_ROWS", 50)
    data = "".join(row(n, f"2026-03-02 {n % 24:02}:00", f"1-{n}", "漏水") for n in range(2, 60))
    path = workbook(tmp_path / "long.xlsx", row(1, *HEADER) + data, "A1:C59")
    result = run("import", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        "complaintctl: FILE: long.xlsx [Sheet]: more than 50 rows (row 51 is filled); split "
        "the register into smaller files\n"
    )


def test_a_large_workbook_of_blank_rows_stops_at_the_blank_run(tmp_path):
    blanks = "".join(f'<row r="{n}" spans="1:16384"/>' for n in range(4, 800_000))
    path = workbook(tmp_path / "blank.xlsx", GOOD + blanks, "A1:XFD800000")
    assert path.stat().st_size < 2 * MB
    done, seconds, rss = measured(["import", str(path)])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("已从 blank.xlsx [Sheet] 导入 2 条投诉（#1–#2）")
    print(f"{seconds:.1f} s, {rss:.0f} MB")
    assert seconds < 15 and rss < 200, (seconds, rss)


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_large_workbook_of_bad_rows_is_refused_within_bounds(tmp_path):
    """200,000 rows of unreadable dates: refused after 10,000 bad rows, memory bounded."""
    bad = "".join(row(n, "昨天", "1-101", "漏水") for n in range(2, 200_002))
    path = workbook(tmp_path / "bad.xlsx", row(1, *HEADER) + bad, "A1:C200001")
    assert path.stat().st_size < 3 * MB
    done, seconds, rss = measured(["import", str(path)], env={"COMPLAINTCTL_IMPORT_WORKER": "1"})
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        "complaintctl: FILE: bad.xlsx [Sheet]: more than 10,000 bad rows (row 10,002); nothing "
        "was imported: is it the right file, or does it need --map or --year?"
    )
    print(f"{seconds:.1f} s, {rss:.0f} MB")
    assert seconds < 60 and rss < 200, (seconds, rss)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _threads(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(status.split("Threads:", 1)[1].split()[0])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.backends
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG, /proc")
def test_the_worker_dies_with_a_killed_import(tmp_path, db):
    """SIGKILL the importing process: its worker is gone at once.  The worker is stopped
    (SIGSTOP) first, so it cannot notice by itself (a closed pipe, a busy loop): only the
    parent-death signal the kernel sends ends it."""
    lines = ["受理时间,房号,投诉内容"]
    lines += [f"2026-03-02 {n % 24:02}:{n % 60:02},{n}-101,漏水{n}" for n in range(20_000)]
    register = tmp_path / "big.csv"
    register.write_text("\n".join(lines), encoding="utf-8")
    importer = subprocess.Popen(
        [sys.executable, "-c", "from complaintctl.cli.entry import main; main()", "import",
         str(register)],
        env={**os.environ, worker.ENV_WORKER: "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    children: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while not children and time.monotonic() < deadline:
            time.sleep(0.02)
            children = _children(importer.pid)
        assert len(children) == 1, "no worker started"
        while _threads(children[0]) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)  # its start-up done: the parent watch is its second thread
        os.kill(children[0], signal.SIGSTOP)
        importer.kill()
        importer.wait()
        deadline = time.monotonic() + 5
        while _alive(children[0]) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _alive(children[0])
    finally:
        importer.kill()
        importer.wait()
        for child in children:
            if _alive(child):
                os.kill(child, signal.SIGKILL)
