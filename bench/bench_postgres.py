"""The same ledger on SQLite and on PostgreSQL (issue 21): ``migrate --to`` of a generated
ledger onto a throwaway PostgreSQL 15 (tests/pg.py: Unix socket, fsync on), then the same
commands timed on both, each a separate process (wall time, peak RSS of the process).  The
server keeps fsync and synchronous commit on here, as SQLite keeps synchronous = FULL.

    python bench/generate.py bench/out/ledger.db --complaints 20000 --open 2000
    python bench/bench_postgres.py bench/out/ledger.db [--repeat 3]

Head office at scale (issue 21, item 5): a ledger of several sites, e.g.

    python bench/generate.py /tmp/big.db -n 1000000 --open 10000 --sites 10
    python bench/bench_postgres.py /tmp/big.db --load copy --month 2026-11 --site S01

On a ledger of several sites the commands of one site take ``--site`` (default: the first
after MAIN).  ``--load copy`` loads the server with bench code instead of ``migrate --to``:
the same rows by ``COPY`` in one transaction, without ``migrate``'s two verifies, the text
index (``list --text`` finds nothing there) or its batches of 500 complaints, then
``ANALYZE`` as autovacuum would; on a million complaints ``migrate --to`` would take most of
an hour on the shared test machine by its rate on 20,000 (not run), the two verifies of 7
million events most of it.  ``--verify`` adds
``verify`` to the commands timed.  ``--keep`` leaves the server running (prints how to stop
it); ``--url`` times an already loaded database instead.  ``--tuned`` gives the new server
TUNED's settings (256 MB of shared buffers instead of the tests' 32 MB; docs/operations.md).

Prints one Markdown table (docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pg  # noqa: E402  (tests/pg.py: the throwaway server)

REGISTER = [
    "register", "--channel", "电话", "--name", "张三", "--unit", "3-1-502",
    "--phone", "13812345678", "--description", "楼道灯不亮", "--severity", "minor",
]  # fmt: skip
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
    ("register (one write)", REGISTER),
]
SITE_COMMANDS: list[tuple[str, list[str]]] = [
    ("report --month (all sites)", ["report", "--month", "{month}", "--as-of", "{as_of}"]),
    (
        "report --month --by site",
        ["report", "--month", "{month}", "--by", "site", "--as-of", "{as_of}"],
    ),
    (
        "digest --site {site} ({open} open)",
        ["digest", "--site", "{site}", "--as-of", "{as_of}"],
    ),
    (
        "list --open --site {site} --limit 50",
        ["list", "--open", "--site", "{site}", "--limit", "50"],
    ),
    ("show {ref}", ["show", "{ref}", "--json"]),
    ("verify", ["verify"]),
    ("register --site {site} (one write)", [*REGISTER, "--site", "{site}"]),
]
TABLES = ("events", "complaints", "personal", "complaint_text")
# --tuned: a company's server rather than the tests' 32 MB instance (tests/pg.py); on this
# 2-core host with a few GB of memory shared with other work, a modest setting
TUNED = {"shared_buffers": "256MB", "work_mem": "32MB", "effective_cache_size": "2GB"}


def tune(server: Any) -> None:
    """The server restarted with TUNED: its command line, as tests/pg.py's without its
    ``shared_buffers`` (a setting on the command line outranks ``ALTER SYSTEM``, and
    ``pg_ctl restart`` keeps the old command line unless given a new one)."""
    options = (
        f"-c listen_addresses='' -c unix_socket_directories='{server.socket_dir}' "
        "-c max_connections=60 " + " ".join(f"-c {k}={v}" for k, v in TUNED.items())
    )
    data, log = str(server.base / "data"), str(server.base / "server.log")
    server._run(
        str(server.bin / "pg_ctl"),
        "-D",
        data,
        "-l",
        log,
        "-m",
        "fast",
        "-w",
        "-o",
        options,
        "restart",
    )


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


def load_by_copy(source_path: Path, url: str) -> dict[str, int]:
    """The source's rows onto the server by ``COPY``, in one write transaction of the target
    (bench code: ``migrate --to`` without its verifies and text index); rows per table."""
    from complaintctl.domain.model import COLUMNS
    from complaintctl.store.backend import open_ledger
    from complaintctl.store.bulk import EVENT_COLUMNS
    from complaintctl.store.copy import NOTICES, PERSONAL, POLICIES, SITES

    source = open_ledger(str(source_path))
    target = open_ledger(url)
    counts: dict[str, int] = {}
    try:
        src = source.conn
        with source.reading(), target.write():
            for table, columns, order in (
                ("events", EVENT_COLUMNS, "seq"),
                ("complaints", COLUMNS, "id"),
                ("personal", PERSONAL, "complaint_id"),
                ("policies", POLICIES, "version"),
                ("notices", NOTICES, "id"),
            ):
                began = time.perf_counter()
                rows = src.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
                counted = [0]

                def each(rows: Any = rows, counted: list[int] = counted) -> Any:
                    for row in rows:
                        counted[0] += 1
                        yield tuple(row)

                target.insert_rows(table, columns, each())
                counts[table] = counted[0]
                print(
                    f"  {table}: {counted[0]:,} rows in {time.perf_counter() - began:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
            have = {r[0] for r in target.conn.execute("SELECT code FROM sites")}
            target.insert_rows(
                "sites",
                SITES,
                [
                    tuple(r)
                    for r in src.execute(f"SELECT {', '.join(SITES)} FROM sites ORDER BY code")
                    if r[0] not in have
                ],
            )
            default = src.execute("SELECT value FROM settings WHERE key = 'default_site'")
            target.conn.execute(
                "UPDATE settings SET value = ? WHERE key = 'default_site'",
                (default.fetchone()[0],),
            )
            # the chain head: where the next append links (the copy's last event)
            target.conn.execute(
                "UPDATE chain_heads SET seq = e.seq, hash = e.hash FROM "
                "(SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1) AS e"
            )
    finally:
        source.close()
        target.close()
    return counts


def sizes(server: Any, database: str) -> list[tuple[str, int, int]]:
    """(table, rows, bytes with its indexes and TOAST) of the big tables."""
    import psycopg

    with psycopg.connect(
        host=str(server.socket_dir), user=pg.SUPERUSER, dbname=database, autocommit=True
    ) as conn:
        out = []
        for table in TABLES:
            row = conn.execute(
                "SELECT (SELECT reltuples::bigint FROM pg_class WHERE relname = %s), "
                "pg_total_relation_size(%s)",
                (table, table),
            ).fetchone()
            assert row is not None
            out.append((table, int(row[0]), int(row[1])))
        total = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        assert total is not None
        out.append(("(database)", 0, int(total[0])))
        return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("ledger", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--load", choices=("migrate", "copy"), default="migrate")
    parser.add_argument("--month", help="the month of the reports (default: the last)")
    parser.add_argument("--site", help="the site of digest, list, show, register")
    parser.add_argument("--verify", action="store_true", help="time verify too (sites)")
    parser.add_argument("--keep", action="store_true", help="leave the server running")
    parser.add_argument("--url", help="an already loaded database: time only")
    parser.add_argument("--only", help="time only the commands whose name has this")
    parser.add_argument(
        "--tuned", action="store_true", help="the new server with TUNED (256 MB shared buffers)"
    )
    opts = parser.parse_args()
    os.environ["PGPASSWORD"] = pg.PASSWORD
    server = None
    try:
        if opts.url:
            url = opts.url
        else:
            server = pg.start(durable=True)
            if opts.tuned:
                tune(server)
            database = server.new_database()
            url = server.url(database)
            start = time.perf_counter()
            if opts.load == "copy":
                load_by_copy(opts.ledger, url)
                server.admin("ANALYZE", database)
                print(f"loaded by COPY and analysed: {time.perf_counter() - start:.1f} s")
            else:
                out = subprocess.run(
                    [sys.executable, "-m", "complaintctl", "--db", str(opts.ledger)]
                    + ["migrate", "--to", url],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                print(f"migrate --to: {time.perf_counter() - start:.1f} s\n{out}")
            for table, rows, size in sizes(server, database):
                print(f"  {table}: {rows:,} rows, {size / 2**20:,.0f} MiB")
        from complaintctl.domain import sites
        from complaintctl.domain.timeutil import from_epoch
        from complaintctl.domain.vocab import OPEN_STATUSES
        from complaintctl.store.backend import open_ledger

        ledger = open_ledger(str(opts.ledger))
        top = ledger.query("SELECT max(id), max(received_at) FROM complaints")[0]
        codes = [str(r[0]) for r in ledger.query("SELECT code FROM sites ORDER BY code")]
        site = opts.site or (codes[1] if len(codes) > 1 else codes[0])
        first, last = sites.bounds(site)
        marks = ", ".join("?" for _ in OPEN_STATUSES)
        mine = ledger.query(
            f"SELECT max(id), sum(CASE WHEN status IN ({marks}) THEN 1 ELSE 0 END) "
            "FROM complaints WHERE id BETWEEN ? AND ?",
            (*OPEN_STATUSES, first, last),
        )[0]
        ledger.close()
        as_of = from_epoch(int(top[1])).strftime("%Y-%m-%d %H:%M")
        values = {
            "id": str(top[0]),
            "as_of": as_of,
            "month": opts.month or as_of[:7],
            "site": site,
            "ref": sites.ref(int(mine[0] or 0), True),
            "open": f"{int(mine[1] or 0):,}",
        }
        several = len(codes) > 1
        commands = SITE_COMMANDS if several else COMMANDS
        print(f"month {values['month']}, as of {as_of}, site {site}")
        print("| command | SQLite | PostgreSQL |")
        print("|---|---|---|")
        for name, args in commands:
            if several and name == "verify" and not opts.verify:
                continue
            if opts.only and opts.only not in name:
                continue
            args = [a.format(**values) for a in args]
            cells = []
            for db in (str(opts.ledger), url):
                runs = [timed(db, args) for _ in range(opts.repeat)]
                wall = min(r[0] for r in runs)
                cells.append(f"{wall:.2f} s, {max(r[1] for r in runs):.0f} MB")
            print(f"| {name.format(**values)} | {cells[0]} | {cells[1]} |", flush=True)
    finally:
        if server is not None:
            if opts.keep:
                print(
                    f"server kept: {url}\nstop: runuser -u postgres -- "
                    f"{server.bin}/pg_ctl -D {server.base}/data stop; rm -r {server.base}"
                )
            else:
                server.stop()


if __name__ == "__main__":
    main()
