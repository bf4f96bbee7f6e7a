"""Cold start of ``show``, ``list --open`` and ``register`` beside bare Python and a peer CLI
(issue 17, item 4), optionally beside an older commit, all in one run, round-robin.

    python bench/bench_startup.py LEDGER.db [--runs 21] [--id 25000] [--old REV]

Each sample is a whole process: bare ``python -c "import sqlite3"``, ``sqlite-utils tables
LEDGER`` (the peer: a Python CLI over SQLite on click), and each complaintctl command on
LEDGER (use a scratch copy: ``register`` adds complaints).  With ``--old REV`` the same
commands also run from that commit's source, exported with ``git archive`` (no worktree),
so old and new are measured in the same minutes.  Both sides run with the same Python and
packages through the same launcher (the side's source first on ``sys.path``).  After three
warm-up rounds (bytecode written to bench/out/pycache, the ledger in the OS cache), each
figure is the median, min and max of the wall time, and the median of the process's CPU time
(user + system); the ratios are to bare Python's medians.  On a loaded host the CPU times are
the steadier gauge.  Output goes to /dev/null (the off-terminal path, as in cron and pipes).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from ab_startup import LAUNCH, REGISTER  # the same launcher and command

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def export(rev: str, into: Path) -> Path:
    """The source of REV in a folder, from ``git archive`` (reads the repository only)."""
    data = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev, "complaintctl"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and the child's CPU time (user + system, from wait4: what a loaded host
    does not inflate as much as the wall clock)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, argv)
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--id", type=int, default=25_000)
    parser.add_argument("--old", help="an older commit to measure in the same run")
    args = parser.parse_args()
    py = sys.executable
    peer = str(Path(py).parent / "sqlite-utils")
    (BENCH / "out" / "pycache").mkdir(parents=True, exist_ok=True)
    cache = str(BENCH / "out" / "pycache")
    env = {**os.environ, "COMPLAINTCTL_DB": str(args.db.resolve()), "COLUMNS": "160",
           "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": cache}  # fmt: skip
    env.pop("NO_COLOR", None)
    commands = {
        f"show {args.id}": ["show", str(args.id)],
        "list --open": ["list", "--open"],
        "register": REGISTER,
    }
    with tempfile.TemporaryDirectory() as tmp:
        sides = {"new": str(REPO)}
        if args.old:
            sides["old"] = str(export(args.old, Path(tmp)))
        cases: dict[str, list[str]] = {
            'bare `python -c "import sqlite3"`': [py, "-c", "import sqlite3"],
            "`sqlite-utils tables` (peer)": [peer, "tables", str(args.db)],
        }
        for side, src in sides.items():
            for name, argv in commands.items():
                cases[f"`{name}` ({side})"] = [py, "-c", LAUNCH, src, *argv]
        times: dict[str, list[tuple[float, float]]] = {case: [] for case in cases}
        for _ in range(3):
            for argv in cases.values():
                timed(argv, env)
        for _ in range(args.runs):
            for case, argv in cases.items():
                times[case].append(timed(argv, env))
    bare_samples = next(iter(times.values()))
    bare = statistics.median(w for w, _ in bare_samples)
    bare_cpu = statistics.median(c for _, c in bare_samples)
    load = os.getloadavg()[0]
    print(f"{args.runs} runs each, round-robin; ledger {args.db.name}; load average {load:.1f}")
    print("| process | median | min | max | × bare | CPU median | CPU × bare |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for case, samples in times.items():
        ms = [w * 1000 for w, _ in samples]
        mid = statistics.median(ms)
        cpu = statistics.median(c for _, c in samples)
        row = f"| {case} | {mid:.0f} ms | {min(ms):.0f} ms | {max(ms):.0f} ms"
        print(f"{row} | {mid / 1000 / bare:.1f} | {cpu * 1000:.0f} ms | {cpu / bare_cpu:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
