"""Reading, checking and building a register's rows, in this process or in a worker process.

:func:`chunks` is the work itself: it reads the rows below the header, checks each one
(:mod:`complaintctl.transfer.rows`), drops rows repeated within the file, and turns the good ones
into new complaints (:mod:`complaintctl.transfer.events`), a chunk of :data:`CHUNK` rows at a
time.  It needs no ledger, only a :class:`Job`.

A large import runs it in a worker process (:func:`in_worker`) while the importing process
checks the ledger's keys, chains the events and writes them, so that the two halves of the
work overlap on two cores.  The worker is stopped whenever the import ends early.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import marshal
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from complaintctl.domain.errors import ComplaintError, InvalidInput, WorkerFailed
from complaintctl.sla.policy import Policy
from complaintctl.store.bulk import NewComplaint
from complaintctl.time.calendar import WorkCalendar
from complaintctl.transfer.events import Builder, carried_at
from complaintctl.transfer.layout import is_footer
from complaintctl.transfer.rows import BadRow, Record, RowReader
from complaintctl.transfer.sheets import Header, Table, cell_text, open_table

CHUNK = 2000  # rows checked against the ledger's keys, and written, at a time
FRAME_ROWS = 250  # rows per message from the worker (about 250 kB: a pipe's buffer holds it)
PIPE_BYTES = 1 << 20  # the pipe's buffer asked of the kernel (Linux's largest for a user)
BACKLOG = 64 << 20  # bytes the worker may keep while the importer is busy, before it waits
WORKER_ROWS = 5000  # a file with fewer rows is imported in one process (starting one costs)
ENV_WORKER = "COMPLAINTCTL_IMPORT_WORKER"  # "0" never, "1" always, else by size and CPUs
MAX_BAD = 10_000  # bad rows kept (and shown); past them the file is refused (memory is bounded)


@dataclass(frozen=True)
class Job:
    """What checking and building the rows needs (picklable, for the worker)."""

    path: Path
    sheet: str | None
    header: Header
    policy: Policy
    policy_version: int
    now: int  # epoch seconds: no step may be later
    channel: str  # for rows without one
    by: str
    calendar: WorkCalendar | None  # None: check only (a dry run, or nothing will be written)
    skip_invalid: bool = False


@dataclass
class Chunk:
    rows: int  # data rows read so far, this chunk's included (blank rows not counted)
    last: int  # the number of the last row read
    bad: list[BadRow] = field(default_factory=list)
    repeated: list[tuple[int, int]] = field(default_factory=list)  # (row, the same earlier row)
    # (source key, the new complaint): good rows; the complaint is None when not built (a dry
    # run, or bad rows already seen without skip_invalid: nothing will be written)
    good: list[tuple[str, NewComplaint | None]] = field(default_factory=list)
    blank: int = 0  # blank rows between the data rows, so far
    footer: int = 0  # footer rows (合计, 注, 制表人 …), so far
    withheld: int = 0  # good rows whose masked phone is withheld, so far
    # good rows received on a day without the time, handled without the time, so far
    received_unknown: int = 0
    handled_unknown: int = 0
    stopped: int | None = None  # where a run of blank rows ended the data (the last chunk)
    # rows of our own export: (export id, source key), and the duplicates among them as
    # (source key, the export id of their main, when the link is carried over)
    exported: list[tuple[int, str]] = field(default_factory=list)
    links: list[tuple[str, int, int]] = field(default_factory=list)


def chunks(job: Job, table: Table, size: int = CHUNK) -> Iterator[Chunk]:
    """The rows below the header, checked and built, ``size`` rows at a time."""
    reader = RowReader(job.header, job.policy, job.now, job.channel)
    build = (
        Builder(job.policy, job.policy_version, job.calendar, job.by, job.path.name)
        if job.calendar is not None
        else None
    )
    seen: dict[str, int] = {}
    chunk = Chunk(0, 0)
    good: list[Record] = []

    def done() -> Chunk:
        # built a chunk at a time, after its rows are checked: the two loops apart ran 5 to
        # 15 % faster than taking each row through both (the interpreter's caches stay warm)
        chunk.good = [(r.key, build(r) if build else None) for r in good]
        good.clear()
        return chunk

    bad = 0
    for number, cells in table.body(job.header.row):
        chunk.last = number
        if not cells:  # a blank row (the table gives those empty)
            chunk.blank += 1
            continue
        first = next(c for c in cells if c is not None and (type(c) is not str or c.strip()))
        if type(first) is str and is_footer([first]):  # only its first filled cell tells
            chunk.footer += 1
            continue
        chunk.rows += 1
        parsed = reader.parse(number, cells)
        if isinstance(parsed, list):
            bad += 1
            if bad > MAX_BAD:
                raise InvalidInput(
                    "FILE",
                    "worker.more_than_bad_rows_row_nothing",
                    label=table.label,
                    most=MAX_BAD,
                    number=number,
                )
            chunk.bad.append(BadRow(number, [cell_text(c) for c in cells], parsed))
            if not job.skip_invalid:
                build = None  # the import will be refused: only the checking goes on
        elif parsed.key in seen:
            chunk.repeated.append((number, seen[parsed.key]))
        else:
            seen[parsed.key] = number
            good.append(parsed)
            chunk.withheld += parsed.withheld
            chunk.received_unknown += parsed.received_time_unknown
            chunk.handled_unknown += parsed.handled_time_unknown
            if parsed.export_id is not None:
                chunk.exported.append((parsed.export_id, parsed.key))
            if parsed.main_export_id is not None:
                chunk.links.append((parsed.key, parsed.main_export_id, carried_at(parsed)))
        if chunk.rows % size == 0:
            yield done()
            chunk = Chunk(chunk.rows, number, blank=chunk.blank, footer=chunk.footer,
                          withheld=chunk.withheld, received_unknown=chunk.received_unknown,
                          handled_unknown=chunk.handled_unknown)  # fmt: skip
    chunk.stopped = table.stopped
    yield done()


def use_worker(table: Table) -> bool:
    """A worker for files of :data:`WORKER_ROWS` rows or more when two CPUs are free to us
    (``COMPLAINTCTL_IMPORT_WORKER=0`` or ``1`` decides instead; ``auto`` or unset: this)."""
    choice = os.environ.get(ENV_WORKER, "").strip().lower()
    if choice not in ("", "auto", "0", "1"):
        raise InvalidInput(
            ENV_WORKER, "worker.unknown_value", accepted=["0", "1", "auto"], choice=choice
        )
    if os.name != "posix" or not sys.executable or choice in ("0", "1"):
        return os.name == "posix" and bool(sys.executable) and choice == "1"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cpus or 1) > 1 and (table.total or 0) >= WORKER_ROWS


def in_worker(job: Job) -> Iterator[Chunk]:
    """``chunks(job, <the file's table>)``, computed in a worker process.

    The worker is this package run by the same interpreter: the job goes to its stdin and the
    chunks come back on its stdout (see :func:`_pack`).  (Not ``multiprocessing``: its
    ``spawn`` re-runs the caller's main module, and ``fork`` would copy an open SQLite
    connection.)"""
    package = str(Path(__file__).resolve().parent.parent)  # the folder holding complaintctl/
    try:
        worker = subprocess.Popen(
            [sys.executable, "-c", _BOOT, package, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
    except OSError as exc:
        raise WorkerFailed(
            "worker.import_cannot_start_the_worker_process",
            value=exc.strerror or exc,
            env=ENV_WORKER,
        ) from exc
    assert worker.stdin is not None and worker.stdout is not None
    finished = False
    try:
        with contextlib.suppress(BrokenPipeError), worker.stdin:  # if it died, EOF tells below
            pickle.dump(job, worker.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        while not finished:
            try:
                kind, value = pickle.load(worker.stdout)
            except EOFError:
                raise WorkerFailed(
                    "worker.import_the_worker_process_stopped_exit", code=worker.wait()
                ) from None
            if kind == "chunk":
                yield _unpack(value)
            elif kind == "done":
                finished = True
            else:
                raise value
    finally:
        if not finished:
            worker.kill()  # the import ended early: an error, Ctrl-C
        worker.stdout.close()
        worker.wait()


# The worker's start: this package from where the importing process has it (a checkout on
# sys.path, say), unless the interpreter finds it there anyway.
_BOOT = (
    "import sys; sys.argv[1] in sys.path or sys.path.insert(0, sys.argv[1]); "
    "from complaintctl.transfer.worker import serve; serve(int(sys.argv[2]))"
)
PDEATHSIG = 1  # prctl(2)'s PR_SET_PDEATHSIG (Linux)
WATCH_SECONDS = 1.0  # how often the worker looks whether its importing process is still there


def _die_with(parent: int) -> None:
    """End this worker when the importing process ``parent`` dies, even killed (SIGKILL) while
    the worker is busy and writes nothing: on Linux the kernel sends SIGKILL at once
    (``PR_SET_PDEATHSIG``); everywhere a daemon thread looks every :data:`WATCH_SECONDS`
    whether the parent changed (an orphan is adopted by another process)."""
    with contextlib.suppress(OSError, AttributeError):  # no libc prctl: the thread does it
        import ctypes  # start-up: only in the worker

        ctypes.CDLL(None, use_errno=True).prctl(PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def serve(parent: int | None = None) -> None:
    """The worker process: read a job on stdin, write every chunk and then ("done", None), or
    the error that stopped it, on stdout.  Anything else printed goes to stderr.  It ends when
    the importing process ``parent`` does."""
    if parent is not None:
        _die_with(parent)
    gc.disable()  # as in the importing process (importer.bulk): many objects, no cycles
    outbox = _Outbox(os.dup(sys.stdout.fileno()))
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        job = pickle.load(sys.stdin.buffer)
        with open_table(job.path, job.sheet) as table:
            for chunk in chunks(job, table, FRAME_ROWS):
                outbox.put(("chunk", _pack(chunk)))
        outbox.put(("done", None))
    except (KeyboardInterrupt, BrokenPipeError):
        return  # the importing process was interrupted too, or has stopped listening
    except ComplaintError as exc:
        outbox.put(("error", exc))
    except Exception as exc:  # noqa: BLE001 - every failure goes back to the importer
        traceback.print_exc()  # to stderr, which is the importing process's
        outbox.put(
            (
                "error",
                WorkerFailed(
                    "worker.import_the_worker_process_failed_the", error=type(exc).__name__, exc=exc
                ),
            )
        )
    with contextlib.suppress(BrokenPipeError):  # the importer may have stopped listening
        outbox.flush()


def _pack(chunk: Chunk) -> tuple[Chunk, bytes]:
    """A chunk for the pipe: its good rows as plain tuples in ``marshal`` form, which the
    importing process reads back in under half the time ``pickle`` takes (they are most of
    the bytes: about 1 kB a complaint), the rest of the chunk as it is."""
    good = [(key, None if new is None else tuple(new)) for key, new in chunk.good]
    chunk.good = []
    return dataclasses.replace(chunk), marshal.dumps(good)


def _unpack(packed: tuple[Chunk, bytes]) -> Chunk:
    chunk, good = packed
    chunk.good = [
        (key, None if new is None else NewComplaint._make(new)) for key, new in marshal.loads(good)
    ]
    return chunk


class _Outbox:
    """Messages to the importing process through a pipe that never makes the worker wait
    while the importer is busy writing (up to :data:`BACKLOG` bytes are kept here)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)
        with contextlib.suppress(ImportError, AttributeError, OSError):  # Linux only
            import fcntl  # POSIX only

            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        self.frames: deque[memoryview] = deque()
        self.size = 0

    def put(self, message: tuple[str, Any]) -> None:
        frame = memoryview(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        self.frames.append(frame)
        self.size += len(frame)
        if self.size > BACKLOG:
            self.flush()
        else:
            self._write()

    def flush(self) -> None:
        """Write everything, waiting for the importer to read."""
        while self.frames:
            select.select([], [self.fd], [])
            self._write()

    def _write(self) -> None:
        """Write what the pipe takes now."""
        while self.frames:
            try:
                done = os.write(self.fd, self.frames[0])
            except BlockingIOError:
                return
            self.size -= done
            if done == len(self.frames[0]):
                self.frames.popleft()
            else:
                self.frames[0] = self.frames[0][done:]
