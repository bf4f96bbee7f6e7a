"""Inside ``complaintctl shell``: what ``show``, ``list --open`` and ``register`` cost once the
program is loaded (issue 17: median <= 15 ms on the 50,000-complaint ledger).

    python bench/bench_shell.py LEDGER.db [--runs 31] [--id 25000] [--tty]

Runs the commands round-robin through the shell's own line runner (``Session.run_line``, as
the non-interactive mode does), in one process, with stdout sent to /dev/null (the off-terminal
rendering path: tables laid out as plain text), or with ``--tty`` to a pseudo-terminal (Rich
draws the tables, with colour, as in an interactive session).  After one warm-up round
(modules imported, the ledger in the OS cache), each command's median, min and max.  Each
command opens and closes the ledger as in a session.  ``register`` adds complaints to LEDGER:
use a scratch copy (bench/generate.py makes one).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import statistics
import struct
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

REGISTER = (
    "register --channel 电话 --name 张三 --unit 3-1-502 --phone 13812345678 "
    "--description 楼道灯不亮 --severity 中度"
)


@contextlib.contextmanager
def _output(tty: bool) -> Iterator[TextIO]:
    """/dev/null, or with --tty a pseudo-terminal read (and dropped) by a thread: on a
    terminal Rich draws the tables, as in an interactive session."""
    if not tty:
        with open(os.devnull, "w") as null:
            yield null
        return
    master, slave = os.openpty()
    size = struct.pack("HHHH", 50, 160, 0, 0)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, size)

    def drain() -> None:
        with contextlib.suppress(OSError):
            while os.read(master, 65536):
                pass

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    with open(slave, "w", encoding="utf-8") as out:
        yield out
    os.close(master)


def measure(
    db: Path, runs: int, complaint_id: int, tty: bool = False
) -> dict[str, list[tuple[float, float]]]:
    import typer.main

    from complaintctl.cli.app import app
    from complaintctl.cli.shell import Session

    session = Session(typer.main.get_command(app), db, "zh")
    cases = {
        f"show {complaint_id}": f"show {complaint_id}",
        "list --open": "list --open",
        "register": REGISTER,
    }
    times: dict[str, list[tuple[float, float]]] = {case: [] for case in cases}
    with _output(tty) as out, contextlib.redirect_stdout(out):
        for line in cases.values():  # warm-up: imports, OS cache
            assert session.run_line(line) == 0, line
        for _ in range(runs):
            for case, line in cases.items():
                start, cpu = time.perf_counter(), time.process_time()
                code = session.run_line(line)
                times[case].append((time.perf_counter() - start, time.process_time() - cpu))
                assert code == 0, line
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--id", type=int, default=25_000)
    parser.add_argument("--tty", action="store_true", help="output to a pseudo-terminal")
    args = parser.parse_args()
    os.environ.setdefault("COLUMNS", "160")
    times = measure(args.db, args.runs, args.id, args.tty)
    where = "a pseudo-terminal (160 columns)" if args.tty else "/dev/null"
    print(f"in-shell, {args.runs} runs each, round-robin, ledger {args.db.name}, output to {where}")
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} after the run; CPU: this process's CPU time")
    print("| command | median | min | max | CPU median |")
    print("|---|---:|---:|---:|---:|")
    for case, samples in times.items():
        ms = [wall * 1000 for wall, _ in samples]
        cpu = statistics.median(c * 1000 for _, c in samples)
        low, mid, high = min(ms), statistics.median(ms), max(ms)
        print(f"| `{case}` | {mid:.1f} ms | {low:.1f} ms | {high:.1f} ms | {cpu:.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
