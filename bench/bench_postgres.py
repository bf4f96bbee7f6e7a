"""The same ledger on SQLite and on PostgreSQL (issue 21): ``migrate --to`` of a generated
ledger onto a throwaway PostgreSQL 15 (tests/pg.py: Unix socket, fsync on), then the same
commands timed on both, each a separate process (wall time, peak RSS of the process).  The
server keeps fsync and synchronous commit on here, as SQLite keeps synchronous = FULL.

    python bench/generate.py bench/out/ledger.db --complaints 20000 --open 2000
    python bench/bench_postgres.py bench/out/ledger.db [--repeat 3]

Prints one Markdown table (docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import pg  # noqa: E402  (tests/pg.py: the throwaway server)

COMMANDS: list[tuple[str, list[str]]] = [
    ("list --open --limit 50", ["list", "--open", "--limit", "50"]),
    ("show (a complaint)", ["show", "{id}", "--json"]),
    ("digest (every open complaint)", ["digest", "--as-of", "{as_of}"]),
    ("verify", ["verify"]),
    ("report --month (the last month)", ["report", "--month", "{month}", "--as-of", "{as_of}"]),
    (
        "report --month --by site",
        ["report", "--month", "{month}", "--by", "site", "--as-of", "{as_of}"],
    ),
    (
        "register (one write)",
        [
            "register", "--channel", "电话", "--name", "张三", "--unit", "3-1-502",
            "--phone", "13812345678", "--description", "楼道灯不亮", "--severity", "minor",
        ],
    ),
]  # fmt: skip


def timed(db: str, args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one complaintctl process (GNU time's %M)."""
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "complaintctl", "--db", db, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "160"},
    )
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1, 3):
        raise SystemExit(f"{args}: exit {done.returncode}: {done.stderr}")
    return wall, int(done.stderr.splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("ledger", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    server = pg.start(durable=True)
    try:
        os.environ["PGPASSWORD"] = pg.PASSWORD
        database = server.new_database()
        url = server.url(database)
        start = time.perf_counter()
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "complaintctl",
                "--db",
                str(opts.ledger),
                "migrate",
                "--to",
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        print(f"migrate --to: {time.perf_counter() - start:.1f} s\n{out}")
        from complaintctl.store.backend import open_ledger

        ledger = open_ledger(str(opts.ledger))
        top = ledger.query("SELECT max(id), max(received_at) FROM complaints")[0]
        ledger.close()
        from complaintctl.domain.timeutil import from_epoch

        as_of = from_epoch(int(top[1])).strftime("%Y-%m-%d %H:%M")
        values = {"id": str(top[0]), "as_of": as_of, "month": as_of[:7]}
        print("| command | SQLite | PostgreSQL |")
        print("|---|---|---|")
        for name, args in COMMANDS:
            args = [a.format(**values) for a in args]
            cells = []
            for db in (str(opts.ledger), url):
                runs = [timed(db, args) for _ in range(opts.repeat)]
                wall = min(r[0] for r in runs)
                cells.append(f"{wall:.2f} s, {max(r[1] for r in runs):.0f} MB")
            print(f"| {name} | {cells[0]} | {cells[1]} |")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
