"""Issue 21, item 4, on the server: a client killed in the middle of a command leaves nothing
half written, and a server that restarts or ends the session in the middle of a command gives
one clear line and no partial write.

Already covered elsewhere, on PostgreSQL: writers killed with SIGKILL at random moments and a
kill between the two events of ``close --satisfied`` (tests/test_concurrency.py, which runs on
both backends); a restart while two terminals write 800 commands (test_concurrency.py,
``test_a_server_restart_mid_run_fails_commands_cleanly``); a session ended between the two
events of one command (tests/test_postgres.py).  Here: the same for an ``import``, which
writes its rows with ``COPY`` in several streams (personal data, events, complaints, the text
index) inside one transaction, and a real restart of the server in the middle of a command.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from ledgertools import snapshot, sql
from test_import import register_sheet

ON_SERVER = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
CTX = mp.get_context("spawn")


def _stop_after_the_events(action: Any) -> Any:
    """PostgresLedger.insert_rows that runs ``action`` once the events have been copied in
    (the personal rows are in, the complaints and their text index not yet)."""
    from complaintctl.store import postgres

    original = postgres.PostgresLedger.insert_rows

    def insert_rows(self: Any, table: str, columns: Any, rows: Any) -> None:
        original(self, table, columns, rows)
        if table == "events":
            action()

    return insert_rows


def _import_killed(db: str, sheet: str) -> None:
    """``import`` in a process of its own that SIGKILLs itself in the middle of the COPYs."""
    from typer.main import get_command

    from complaintctl.cli.app import app
    from complaintctl.store import postgres

    os.environ["COMPLAINTCTL_DB"] = db
    insert = _stop_after_the_events(lambda: os.kill(os.getpid(), signal.SIGKILL))
    postgres.PostgresLedger.insert_rows = insert  # type: ignore[method-assign]
    get_command(app).main(args=["import", sheet], prog_name="complaintctl")


def _nothing_written_and_usable(run: Any, db: str, before: str, sheet: Path) -> None:
    assert snapshot(db) == before
    assert sql(db, "SELECT count(*) FROM events") == [(2,)]
    # the chain head is free again (the lock died with the session): the import goes in whole
    started = time.monotonic()
    out = run.ok("--lang", "en", "import", str(sheet))
    assert time.monotonic() - started < 20
    assert out.startswith("imported 4 complaints (#2-#5) from")
    assert run.json("verify")["ok"] is True
    assert len(run.json("list")) == 5


@ON_SERVER
def test_a_session_ended_in_the_middle_of_an_import_writes_nothing(
    backend, run, register, db, tmp_path, pg_server, monkeypatch
):
    from complaintctl.store import postgres

    register(at="2026-03-02 09:00")
    run.ok("assign", "1", "--department", "工程部", "--at", "2026-03-02 09:10")
    sheet = register_sheet(tmp_path)
    before = snapshot(db)
    database = urlsplit(db).path.lstrip("/")
    ended: list[bool] = []

    def end_the_session() -> None:
        ended.append(True)
        pg_server.admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND application_name = 'complaintctl'"
        )

    with monkeypatch.context() as patch:
        patch.setattr(
            postgres.PostgresLedger, "insert_rows", _stop_after_the_events(end_the_session)
        )
        result = run("import", str(sheet))
    assert ended == [True]
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"complaintctl：台账 {db}：")
    assert "Traceback" not in result.stderr
    _nothing_written_and_usable(run, db, before, sheet)


@ON_SERVER
def test_a_client_killed_in_the_middle_of_an_import_writes_nothing(
    backend, run, register, db, tmp_path
):
    register(at="2026-03-02 09:00")
    run.ok("assign", "1", "--department", "工程部", "--at", "2026-03-02 09:10")
    sheet = register_sheet(tmp_path)
    before = snapshot(db)
    proc = CTX.Process(target=_import_killed, args=(db, str(sheet)))
    proc.start()
    proc.join(timeout=120)
    assert proc.exitcode == -signal.SIGKILL
    _nothing_written_and_usable(run, db, before, sheet)


@ON_SERVER
def test_a_restart_in_the_middle_of_a_command_is_one_line_and_writes_nothing(
    backend, run, register, db, pg_server, monkeypatch
):
    """The server restarts (pg_ctl restart -m fast) between the two events of
    ``close --satisfied``: one line, exit 4, neither event; the next command works."""
    from complaintctl.store import ledger

    cid = register(at="2026-03-02 09:00")
    run.ok("assign", str(cid), "--department", "工程部", "--at", "2026-03-02 09:10")
    before = snapshot(db)
    original = ledger.Writer.record
    calls: list[str] = []

    def record(self: Any, state: Any, event: Any) -> Any:
        calls.append(event.kind)
        if len(calls) == 2:
            pg_server.restart()
        return original(self, state, event)

    with monkeypatch.context() as patch:
        patch.setattr(ledger.Writer, "record", record)
        result = run(
            "close", str(cid), "--resolution", "已维修", "--satisfied", "--at", "2026-03-02 10:00"
        )
    assert calls == ["resolved", "followed_up"]
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"complaintctl：台账 {db}：")
    assert snapshot(db) == before
    run.ok("close", str(cid), "--resolution", "已维修", "--satisfied", "--at", "2026-03-02 10:00")
    assert run.json("show", str(cid))["status"] == "closed"
    assert run.ok("verify").startswith("校验通过：4 条事件，1 件投诉")
