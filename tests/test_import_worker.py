"""A large import is read and checked by a worker process (issue 7's speed): it must give
exactly the ledger the single-process import gives, refuse and skip bad rows the same way, and
bring the worker's errors back as the core's own."""

from __future__ import annotations

import csv
import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ledgertools import snapshot

from complaintctl.domain.errors import InvalidInput, WorkerFailed
from complaintctl.sla.policy import default_policy
from complaintctl.transfer.sheets import Header, Table, find_header, open_table
from complaintctl.transfer.worker import ENV_WORKER, WORKER_ROWS, Job, in_worker, use_worker

HEADER = ["投诉日期", "投诉时间", "投诉人", "房号", "联系电话", "投诉内容", "投诉来源",
          "投诉类别", "是否紧急", "处理部门", "处理结果", "完成时间", "回访结果", "回访时间"]  # fmt: skip
CASES = [("设施设备", "工程部", "电梯故障"), ("环境卫生", "保洁部", "垃圾未清运"),
         ("收费", "财务部", "账单有误")]  # fmt: skip


def register_rows(count: int) -> list[list[str]]:
    """``count`` rows from March 2025 (National Day and its 调休 weekends included): closed,
    resolved and open complaints, some urgent; every 97th row repeats the one before it."""
    rows = [HEADER]
    start = datetime(2025, 3, 3, 8, 0)
    for n in range(count):
        received = start + timedelta(minutes=601 * n)
        category, department, text = CASES[n % 3]
        row = [f"{received:%Y/%-m/%-d}", f"{received:%H:%M}", f"业主{n}", f"{n % 30 + 1}-{n}",
               f"139{n:08d}", f"{text}（第{n}号）", ("电话", "微信", "来访")[n % 3], category,
               "是" if n % 11 == 0 else "否", department]  # fmt: skip
        if n % 4:  # resolved; two of three followed up
            done = received + timedelta(hours=n % 50 + 1)
            row += ["已处理", f"{done:%Y-%m-%d %H:%M}"]
            if n % 4 != 3:
                row += [
                    "满意" if n % 5 else "不满意",
                    f"{done + timedelta(hours=3):%Y-%m-%d %H:%M}",
                ]
            else:
                row += ["", ""]
        else:
            row += ["", "", "", ""]
        rows.append(row)
        if n % 97 == 96:
            rows.append(list(row))
    return rows


def write_register(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="gb18030", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def content(db: Path) -> dict[str, Any]:
    """Everything but what is random (salts, the digests and hashes they feed) or the clock's
    (recorded_at): complaints, events and personal data."""
    conn = sqlite3.connect(db)
    try:
        return {
            "complaints": conn.execute("SELECT * FROM complaints ORDER BY id").fetchall(),
            "events": conn.execute(
                "SELECT seq, complaint_id, kind, at, by, data, pii IS NULL FROM events ORDER BY seq"
            ).fetchall(),
            "personal": conn.execute(
                "SELECT complaint_id, name, phone FROM personal ORDER BY complaint_id"
            ).fetchall(),
        }
    finally:
        conn.close()


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_the_worker_gives_the_same_ledger(run, tmp_path, monkeypatch):
    sheet = write_register(tmp_path / "投诉记录表.csv", register_rows(700))
    ledgers = {}
    for choice in ("0", "1"):
        db = tmp_path / f"ledger-{choice}.db"
        monkeypatch.setenv("COMPLAINTCTL_DB", str(db))
        monkeypatch.setenv(ENV_WORKER, choice)
        out = run.ok("--lang", "en", "import", str(sheet))
        assert out.startswith("imported 700 complaints (#1-#700) from 投诉记录表.csv; ")
        assert run.ok("verify").startswith("ok: 2275 events, 700 complaints")
        ledgers[choice] = content(db)
    assert ledgers["0"] == ledgers["1"]
    complaints = ledgers["1"]["complaints"]
    assert len(complaints) == 700
    assert sum(1 for row in complaints if row[12] == "closed") == 350  # status column


@pytest.mark.parametrize("name", ["all.xlsx", "all.jsonl"])
def test_the_worker_reads_workbooks_and_json_lines(run, tmp_path, monkeypatch, name):
    """An export (with personal data) read back by the worker gives the same ledger as read
    back in one process."""
    sheet = write_register(tmp_path / "r.csv", register_rows(120))
    monkeypatch.setenv("COMPLAINTCTL_DB", str(tmp_path / "source.db"))
    run.ok("import", str(sheet))
    run.ok("export", "--with-personal-data", "-o", str(tmp_path / name))
    ledgers = {}
    for choice in ("0", "1"):
        db = tmp_path / f"ledger-{choice}.db"
        monkeypatch.setenv("COMPLAINTCTL_DB", str(db))
        monkeypatch.setenv(ENV_WORKER, choice)
        out = run.ok("--lang", "en", "import", str(tmp_path / name))
        assert out.startswith("imported 120 complaints (#1-#120) from all.")
        ledgers[choice] = content(db)
    assert ledgers["0"] == ledgers["1"]
    # the usual steps, and one "carried" event per row of our own export (issue 16)
    assert len(ledgers["1"]["events"]) == 390 + 120


def test_the_worker_refuses_a_file_with_a_bad_row(run, db, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_WORKER, "1")
    rows = register_rows(600)
    rows[450][3] = ""  # 房号 missing on the sheet's row 451
    sheet = write_register(tmp_path / "big.csv", rows)
    run.ok("list")
    before = snapshot(db)
    result = run("--lang", "en", "import", str(sheet))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "big.csv:451: column '房号': must not be empty",
        "complaintctl: import: 1 bad row in big.csv; nothing imported (fix them, or "
        "--skip-invalid imports the 599 good rows)",
    ]
    assert snapshot(db) == before
    out = run.ok("--lang", "en", "import", str(sheet), "--skip-invalid")
    assert out == (
        "imported 599 complaints (#1-#599) from big.csv; 0 already present; "
        "6 rows repeat an earlier row; 1 bad row skipped -> big.rejects.csv\n"
    )
    with (tmp_path / "big.rejects.csv").open(encoding="utf-8-sig") as rejects:
        lines = list(csv.reader(rejects))
    assert [line[-2:] for line in lines[1:]] == [["451", "column '房号': must not be empty"]]


def job(path: Path, header: Header, **changes: Any) -> Job:
    values: dict[str, Any] = {
        "path": path,
        "sheet": None,
        "header": header,
        "policy": default_policy(),
        "policy_version": 0,
        "now": 1795000000,
        "channel": "other",
        "by": "王芳",
        "calendar": None,
    }
    values.update(changes)
    return Job(**values)


class Exit:
    """Unpickled, ends the process at once: a worker that dies (as if killed)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (os._exit, (3,))


def test_errors_in_the_worker_come_back(tmp_path, capfd, monkeypatch):
    sheet = write_register(tmp_path / "r.csv", register_rows(10))
    with open_table(sheet) as table:
        header = find_header(table, {})
    gone = tmp_path / "gone.csv"
    with pytest.raises(InvalidInput) as error:
        list(in_worker(job(gone, header)))
    assert str(error.value) == f"FILE: no such file {str(gone)!r}"
    assert error.value.field == "FILE"
    with pytest.raises(WorkerFailed) as failed:
        list(in_worker(job(sheet, header, policy=None)))
    assert str(failed.value) == (
        "import: the worker process failed (AttributeError: 'NoneType' object has no attribute "
        "'categories'; the traceback is above); nothing was imported"
    )
    assert "Traceback (most recent call last)" in capfd.readouterr().err
    with pytest.raises(WorkerFailed) as failed:
        list(in_worker(job(sheet, header, sheet=Exit())))
    assert str(failed.value) == (
        "import: the worker process stopped (exit code 3); nothing was imported"
    )
    with monkeypatch.context() as patch:
        patch.setattr("sys.executable", str(tmp_path / "no-python"))
        with pytest.raises(WorkerFailed) as failed:
            list(in_worker(job(sheet, header)))
    assert str(failed.value) == (
        "import: cannot start the worker process (No such file or directory); nothing was "
        "imported; COMPLAINTCTL_IMPORT_WORKER=0 imports in one process"
    )
    checked = list(in_worker(job(sheet, header)))  # a dry run's checking: nothing built
    assert [(c.rows, c.last, len(c.good), c.bad) for c in checked] == [(10, 11, 10, [])]
    assert all(new is None for _, new in checked[0].good)


def test_when_a_worker_is_used(monkeypatch):
    def table(total: int | None) -> Table:
        return Table("r.csv", [], iter(()), total)

    monkeypatch.delenv(ENV_WORKER, raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1})
    assert use_worker(table(WORKER_ROWS)) and not use_worker(table(WORKER_ROWS - 1))
    assert not use_worker(table(None))
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0})
    assert not use_worker(table(10 * WORKER_ROWS))  # one CPU: nothing to overlap
    monkeypatch.setenv(ENV_WORKER, "1")
    assert use_worker(table(3))
    monkeypatch.setenv(ENV_WORKER, "0")
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1})
    assert not use_worker(table(10 * WORKER_ROWS))
    monkeypatch.setenv(ENV_WORKER, "auto")
    assert use_worker(table(10 * WORKER_ROWS))


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_a_bad_worker_setting_is_one_line(run, db, tmp_path, monkeypatch):
    sheet = write_register(tmp_path / "r.csv", register_rows(3))
    run.ok("list")
    before = snapshot(db)
    monkeypatch.setenv(ENV_WORKER, "yes")
    result = run("import", str(sheet))
    assert result.exit_code == 2
    assert result.stderr == (
        "complaintctl: COMPLAINTCTL_IMPORT_WORKER: unknown value 'yes' (accepted: 0, 1, auto)\n"
    )
    assert snapshot(db) == before
