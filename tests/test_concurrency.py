"""Many terminals and cron on one ledger: concurrent writers, readers alongside, and writers
killed with SIGKILL at random moments.  Each worker is a separate OS process (spawned) driving
the CLI in-process."""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing as mp
import os
import random
import signal
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL

CTX = mp.get_context("spawn")
WRITERS = 4
COMMANDS = 250
START = datetime(2026, 3, 2, 9, 0)
CONFIRMED = "已维修，业主当场确认"
PROBLEMS = ("楼道灯不亮", "电梯异响", "垃圾未清", "水管漏水", "噪音扰民")


def _environment(db: str, worker: int) -> None:
    os.environ["COMPLAINTCTL_DB"] = db
    os.environ["COMPLAINTCTL_USER"] = f"值班员{worker}"
    os.environ["COLUMNS"] = "160"
    os.environ["NO_COLOR"] = "1"
    os.environ.pop("COMPLAINTCTL_LANG", None)


_COMMAND: Any = None


def _invoke(args: list[str]) -> tuple[int, str, str, str | None]:
    """One CLI command in-process (standalone_mode=False, the click command built once per
    process): exit code, stdout, stderr, and any unexpected exception."""
    global _COMMAND
    if _COMMAND is None:
        from typer.main import get_command

        from complaintctl.cli.app import app

        _COMMAND = get_command(app)
    out, err = io.StringIO(), io.StringIO()
    unexpected = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = _COMMAND.main(args=args, prog_name="complaintctl", standalone_mode=False)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            code, unexpected = 99, repr(exc)
    return int(code or 0), out.getvalue(), err.getvalue(), unexpected


def _script(worker: int, rng: random.Random) -> Iterator[tuple[list[str], list[str]]]:
    """Commands for one complaint (the id is filled in later as '{id}'), each with the event
    kinds it must write."""
    severity = rng.choice(["minor", "moderate", "major"])
    yield (
        [
            "register",
            "--channel",
            rng.choice(["电话", "来访", "网络"]),
            "--name",
            f"业主{worker}",
            "--unit",
            f"{worker}-{rng.randint(1, 30)}-{rng.randint(101, 2801)}",
            "--phone",
            f"1380000{worker:02d}{rng.randint(10, 99)}",
            "--description",
            rng.choice(PROBLEMS),
            "--severity",
            severity,
            "--json",
        ],
        ["registered"],
    )
    if rng.random() < 0.5:
        other = rng.choice([s for s in ("minor", "moderate", "major") if s != severity])
        yield ["classify", "{id}", "--severity", other], ["classified"]
    yield (
        [
            "assign",
            "{id}",
            "--department",
            rng.choice(["工程部", "保洁部"]),
            "--handler",
            f"师傅{worker}",
        ],
        ["assigned"],
    )
    yield ["update", "{id}", "--contacted"], ["updated"]
    if rng.random() < 0.3:
        yield ["update", "{id}", "--escalate", "业主多次来电"], ["escalated"]
    yield ["update", "{id}", "--plan", "明日上门维修"], ["updated"]
    if rng.random() < 0.5:
        yield (
            ["close", "{id}", "--resolution", CONFIRMED, "--satisfied"],
            ["resolved", "followed_up"],
        )
    else:
        yield ["close", "{id}", "--resolution", "已维修"], ["resolved"]
        yield ["followup", "{id}", "--unsatisfied", "--note", "还有异响"], ["followed_up"]
        yield ["reopen", "{id}", "--reason", "业主不满意"], ["reopened"]
        yield ["update", "{id}", "--note", "更换配件"], ["updated"]
        yield (
            ["close", "{id}", "--resolution", CONFIRMED, "--satisfied"],
            ["resolved", "followed_up"],
        )


def writer(db: str, worker: int, commands: int, out: str) -> None:
    """Issue ``commands`` writing commands, three complaints in flight at a time, in a random
    interleaving; record what each complaint must have in the log."""
    _environment(db, worker)
    rng = random.Random(worker)
    clock = START + timedelta(seconds=worker)
    flying: list[tuple[Iterator[tuple[list[str], list[str]]], list[Any]]] = []
    expected: dict[str, list[str]] = {}
    failures: list[Any] = []
    done = 0
    while done < commands:
        while len(flying) < 3:
            flying.append((_script(worker, rng), [None]))
        script, holder = rng.choice(flying)
        step = next(script, None)
        if step is None:
            flying.remove((script, holder))
            continue
        args, kinds = step
        args = [a.replace("{id}", str(holder[0])) for a in args]
        clock += timedelta(minutes=1)
        code, stdout, stderr, unexpected = _invoke([*args, "--at", f"{clock:%Y-%m-%d %H:%M}"])
        done += 1
        if code != 0 or unexpected:
            failures.append([args, code, stderr, unexpected])
            flying.remove((script, holder))
            continue
        if args[0] == "register":
            holder[0] = json.loads(stdout)["id"]
            expected[str(holder[0])] = []
        expected[str(holder[0])].extend(kinds)
    Path(out).write_text(json.dumps({"expected": expected, "failures": failures}))


def reader(db: str, stop: Any, out: str, backups: str) -> None:
    """Read while the writers write: list, show, verify, a backup, and the digest and report
    when those commands exist."""
    from typer.main import get_command

    from complaintctl.cli.app import app

    _environment(db, 99)
    present = set(get_command(app).commands)  # type: ignore[attr-defined]
    server = db.startswith("postgresql://")
    # a server is backed up by pg_dump
    wanted = ("digest", "report")
    extra = [[name] for name in wanted if name in present]
    rng = random.Random(99)
    runs: dict[str, int] = {}
    failures: list[Any] = []
    round_ = 0
    while not stop.is_set() or round_ < 3:
        round_ += 1
        batch: list[list[str]] = [["list", "--open", "--json"], ["list", "--limit", "1", "--json"]]
        for args in batch + extra:
            code, stdout, stderr, unexpected = _invoke(args)
            runs[args[0]] = runs.get(args[0], 0) + 1
            if code != 0 or unexpected:
                failures.append([args, code, stderr, unexpected])
            elif args[1:3] == ["--limit", "1"] and json.loads(stdout):
                top = json.loads(stdout)[0]["id"]
                shown = _invoke(["show", str(rng.randint(1, top)), "--json"])
                runs["show"] = runs.get("show", 0) + 1
                if shown[0] != 0 or shown[3]:
                    failures.append([["show"], *shown[:1], *shown[2:]])
        if round_ % 5 == 1:
            copy = [] if server else [["backup", f"{backups}/copy-{round_}.db"]]
            for args in (["verify"], *copy):
                code, stdout, stderr, unexpected = _invoke(args)
                runs[args[0]] = runs.get(args[0], 0) + 1
                if code != 0 or unexpected:
                    failures.append([args, code, stdout, stderr, unexpected])
    Path(out).write_text(
        json.dumps({"runs": runs, "failures": failures, "extra": [e[0] for e in extra]})
    )


def _prime(db: Path) -> None:
    """Create the ledger (and its calendar cache) before the workers start."""
    _environment(str(db), 0)
    code, _, stderr, unexpected = _invoke(["calendar", "due", "2026-03-02 09:00", "3wd"])
    assert (code, unexpected) == (0, None), stderr


def _rows(db: Path | str, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Rows of the ledger's tables read directly, from the file or the server."""
    if isinstance(db, str) and db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as server:
            return server.execute(sql.replace("?", "%s"), params).fetchall()  # type: ignore[arg-type]
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _kinds(db: Path | str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for cid, kind in _rows(
        db, "SELECT complaint_id, kind FROM events WHERE complaint_id IS NOT NULL ORDER BY seq"
    ):
        out.setdefault(str(cid), []).append(kind)
    return out


def test_concurrent_writers_and_readers(run, db, tmp_path):
    _prime(db)
    backups = tmp_path / "backups"
    backups.mkdir()
    stop = CTX.Event()
    outs = [tmp_path / f"writer-{w}.json" for w in range(WRITERS)]
    procs = [
        CTX.Process(target=writer, args=(str(db), w + 1, COMMANDS, str(outs[w])))
        for w in range(WRITERS)
    ]
    read_out = tmp_path / "reader.json"
    read = CTX.Process(target=reader, args=(str(db), stop, str(read_out), str(backups)))
    read.start()
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=240)
        assert p.exitcode == 0
    stop.set()
    read.join(timeout=120)
    assert read.exitcode == 0

    expected: dict[str, list[str]] = {}
    for out in outs:
        result = json.loads(out.read_text())
        assert result["failures"] == []
        assert not set(result["expected"]) & set(expected)  # ids unique across terminals
        expected.update(result["expected"])
    reads = json.loads(read_out.read_text())
    assert reads["failures"] == []
    assert reads["runs"]["list"] >= 6
    assert reads["runs"].get("backup", 0) >= (0 if isinstance(db, str) else 1)
    for name in reads["extra"]:  # digest and report, once they exist
        assert reads["runs"][name] >= 3

    # every command's events are there exactly once, in order, and nothing else
    assert _kinds(db) == expected
    assert sorted(map(int, expected)) == list(range(1, len(expected) + 1))
    total = sum(len(k) for k in expected.values())
    assert total >= WRITERS * COMMANDS
    verified = run.json("verify")
    assert (verified["ok"], verified["events"], verified["complaints"]) == (
        True,
        total,
        len(expected),
    )
    for copy in sorted(backups.iterdir()):
        assert run.json("--db", str(copy), "verify")["ok"] is True


def crasher(db: str, worker: int, ready: Any) -> None:
    """Write until killed."""
    _environment(db, worker)
    rng = random.Random(worker * 7919 + os.getpid())
    clock = START + timedelta(days=worker)
    while True:
        ident = None
        for args, _ in _script(worker, rng):
            args = [a.replace("{id}", str(ident)) for a in args]
            clock += timedelta(minutes=1)
            code, stdout, _, _ = _invoke([*args, "--at", f"{clock:%Y-%m-%d %H:%M}"])
            if code != 0:
                break
            if args[0] == "register":
                ident = json.loads(stdout)["id"]
            if args[0] == "close":  # killed only after a close --satisfied (however loaded)
                ready.set()


def test_writers_killed_mid_write_leave_a_consistent_ledger(run, db):
    _prime(db)
    rng = random.Random(2026)
    for round_ in range(5):
        ready = [CTX.Event() for _ in range(2)]
        procs = [
            CTX.Process(target=crasher, args=(str(db), 10 * round_ + i, ready[i])) for i in range(2)
        ]
        for p in procs:
            p.start()
        for event in ready:
            assert event.wait(timeout=60)
        time.sleep(rng.uniform(0.0, 0.4))
        for p in procs:
            os.kill(p.pid, signal.SIGKILL)  # type: ignore[arg-type]
            p.join(timeout=30)
            assert p.exitcode == -signal.SIGKILL

    report = run.json("verify")
    assert report["ok"] is True, report["differences"]
    ((registered,),) = _rows(db, "SELECT count(*) FROM events WHERE kind = 'registered'")
    ((complaints,),) = _rows(db, "SELECT count(*) FROM complaints")
    ((personal,),) = _rows(db, "SELECT count(*) FROM personal")
    # a close --satisfied writes resolved + followed_up in one transaction: never one alone
    ((confirmed, alone),) = _rows(
        db,
        "SELECT count(*), coalesce(sum(CASE WHEN NOT EXISTS (SELECT 1 FROM events f "
        "WHERE f.seq = r.seq + 1 AND f.kind = 'followed_up' "
        "AND f.complaint_id = r.complaint_id) THEN 1 ELSE 0 END), 0) "
        "FROM events r WHERE r.kind = 'resolved' AND r.data LIKE ?",
        (f'%"resolution":"{CONFIRMED}"%',),
    )
    assert registered == complaints == personal == report["complaints"] > 0
    assert confirmed > 0 and alone == 0
    assert run.ok("list", "--limit", "1")


def _die_after_first_event(db: str) -> None:
    """close --satisfied, killed by SIGKILL between its two events (same transaction)."""
    from complaintctl.store import ledger

    _environment(db, 1)
    original = ledger.Writer.record
    calls = []

    def record(self: Any, state: Any, event: Any) -> Any:
        calls.append(event.kind)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, state, event)

    ledger.Writer.record = record  # type: ignore[method-assign]
    _invoke(["close", "1", "--resolution", "已维修", "--satisfied", "--at", "2026-03-02 10:00"])


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_kill_between_two_events_of_one_command_writes_neither(run, db, register):
    cid = register(at="2026-03-02 09:00")
    run.ok("assign", str(cid), "--department", "工程部", "--at", "2026-03-02 09:10")
    before = run.json("show", str(cid))
    proc = CTX.Process(target=_die_after_first_event, args=(str(db),))
    proc.start()
    proc.join(timeout=60)
    assert proc.exitcode == -signal.SIGKILL
    assert run.json("show", str(cid)) == before
    assert run.ok("verify").startswith("ok: 2 events, 1 complaints")
    run.ok("close", str(cid), "--resolution", "已维修", "--satisfied", "--at", "2026-03-02 10:00")
    assert run.json("show", str(cid))["status"] == "closed"


@pytest.mark.sqlite_only("SQLite's file lock; the server's writers wait on a row lock")
@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize("held", ["EXCLUSIVE", "IMMEDIATE"])
def test_locked_ledger_times_out_with_one_line(run, db, register, monkeypatch, held):
    cid = register(at="2026-03-02 09:00")
    monkeypatch.setenv("COMPLAINTCTL_BUSY_TIMEOUT", "0.5")
    stuck = sqlite3.connect(db, isolation_level=None)
    stuck.execute(f"BEGIN {held}")
    stuck.execute("INSERT INTO calendar_cache (key, data) VALUES ('stuck', '{}')")
    try:
        result = run("assign", str(cid), "--department", "工程部", "--at", "2026-03-02 09:10")
        assert result.exit_code == 4
        assert result.stderr == (
            f"complaintctl: ledger {db}: locked by another process for over 0.5 s; try again, "
            "or look for a stuck complaintctl or sqlite3 process\n"
        )
        # readers are not blocked by a writer (WAL)
        assert run.json("show", str(cid))["status"] == "registered"
        assert run.ok("verify").startswith("ok: 1 events")
    finally:
        stuck.execute("ROLLBACK")
        stuck.close()
    run.ok("assign", str(cid), "--department", "工程部", "--at", "2026-03-02 09:10")


def _first_use(db: str, worker: int, barrier: Any, out: str) -> None:
    _environment(db, worker)
    _invoke(["--version"])  # import and build everything before the start line
    barrier.wait()
    code, _, stderr, unexpected = _invoke(
        [
            "register",
            "--channel",
            "电话",
            "--name",
            "张三",
            "--unit",
            f"1-{worker}",
            "--phone",
            "13812345678",
            "--description",
            "x",
            "--at",
            "2026-03-02 09:00",
        ]
    )
    Path(out).write_text(json.dumps([code, stderr, unexpected]))


@pytest.mark.usefixtures("english")  # the English wording of messages
def test_terminals_creating_the_ledger_at_once(run, db, tmp_path):
    barrier = CTX.Barrier(4)
    outs = [tmp_path / f"first-{w}.json" for w in range(4)]
    procs = [
        CTX.Process(target=_first_use, args=(str(db), w, barrier, str(outs[w]))) for w in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * 4
    assert [json.loads(o.read_text()) for o in outs] == [[0, "", None]] * 4
    assert run.ok("verify").startswith("ok: 4 events, 4 complaints")


def _open_and_close(db: str, stop: Any) -> None:
    """Open the ledger and close it again, over and over: each last close deletes the WAL."""
    while not stop.is_set():
        conn = sqlite3.connect(db)
        conn.execute("SELECT count(*) FROM events").fetchone()
        conn.close()


@pytest.mark.sqlite_only("the write-ahead log file beside the ledger")
def test_opening_while_another_terminal_closes(run, db):
    """The last connection out deletes the write-ahead log; a terminal opening the ledger at
    that moment must not see the log vanish between two looks at it ("cannot open")."""
    from complaintctl.store.ledger import Ledger

    _prime(db)
    stop = CTX.Event()
    other = CTX.Process(target=_open_and_close, args=(str(db), stop))
    other.start()
    failures: list[str] = []
    try:
        deadline = time.monotonic() + 3
        opened = 0
        while time.monotonic() < deadline:
            try:
                Ledger.open(db).close()
                opened += 1
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(str(exc))
    finally:
        stop.set()
        other.join(timeout=30)
    assert failures == []
    assert opened > 100


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_server_restart_mid_run_fails_commands_cleanly(backend, run, db, tmp_path, pg_server):
    """Two terminals write while the server restarts: each command that fails says so in one
    line (exit 4), and the ledger holds exactly the events of the commands that succeeded."""
    _prime(db)
    outs = [tmp_path / f"writer-{w}.json" for w in range(2)]
    procs = [CTX.Process(target=writer, args=(db, w + 1, 400, str(outs[w]))) for w in range(2)]
    for p in procs:
        p.start()
    # the restart comes once the writers are well under way (a fixed sleep was too long on a
    # quiet host: they had finished), long before they are done (800 commands in all)
    deadline = time.monotonic() + 120
    while _rows(db, "SELECT count(*) FROM events")[0][0] < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    pg_server.restart()
    for p in procs:
        p.join(timeout=240)
        assert p.exitcode == 0
    expected: dict[str, list[str]] = {}
    failed = []
    for out in outs:
        result = json.loads(out.read_text())
        expected.update(result["expected"])
        failed += result["failures"]
    assert failed, "the restart came after the writers had finished: nothing was tested"
    for args, code, stderr, unexpected in failed:
        assert (code, unexpected, stderr.count("\n")) == (4, None, 1), (args, stderr)
        assert stderr.startswith(f"complaintctl：台账 {db}：")  # the writers run in Chinese
    assert _kinds(db) == expected
    assert run.json("verify")["ok"] is True
