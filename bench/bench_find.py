"""Finding at the desk (issue 14): list --unit/--phone/--text and search on a big ledger.

    python bench/bench_find.py LEDGER [--runs 7] [--migration]

Each query is run in-process (no interpreter start-up: the "work" of the issue) after one
warm-up, as the whole command through the CLI (parsing, the queries, the rows, the table) and
as the core call alone (``listing.find_page`` / ``search.search``); median, min and max in ms.
The values looked for come from the ledger itself: the 房号 and phone of a complaint in the
middle, a prefix of that 房号, and a common and a rare two-character word of descriptions.

``--migration`` first times migration 3 on the ledger as an older version would have left it:
a copy beside it with the text index and the new indexes dropped and ``user_version`` 2,
opened with ``Ledger.open`` (which backs the file up, then migrates); the copy is removed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from complaintctl.cli.app import app
from complaintctl.reports.listing import Filters, find_page
from complaintctl.reports.search import search
from complaintctl.store.ledger import Ledger


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, float]:
    fn()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), min(times), max(times)


def migration(path: Path) -> None:
    copy = path.with_name(path.name + ".v2")
    for extra in ("", "-wal", "-shm"):
        Path(f"{copy}{extra}").unlink(missing_ok=True)
    shutil.copyfile(path, copy)
    conn = sqlite3.connect(copy)
    conn.executescript(
        "DROP TABLE complaint_text; DROP INDEX complaints_unit; DROP INDEX personal_phone_tail; "
        "DROP INDEX personal_name; PRAGMA user_version = 2; VACUUM;"
    )
    conn.close()
    began = time.perf_counter()
    Ledger.open(copy).close()
    seconds = time.perf_counter() - began
    backups = list(copy.parent.glob(f"{copy.name}.before-v*"))
    size = os.path.getsize(copy)
    print(
        f"migration 3 on {path.name}: {seconds:.1f} s (backup included), "
        f"file {size / 2**20:.0f} MiB"
    )
    for extra in ("", "-wal", "-shm"):
        Path(f"{copy}{extra}").unlink(missing_ok=True)
    for backup in backups:
        backup.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("ledger", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--migration", action="store_true")
    args = parser.parse_args(argv)
    if args.migration:
        migration(args.ledger)
    ledger = Ledger.open(args.ledger)
    count = ledger.query("SELECT max(id) FROM complaints")[0][0]
    row = ledger.query(
        "SELECT c.unit, p.phone FROM complaints c JOIN personal p ON p.complaint_id = c.id "
        "WHERE c.id = ?",
        (count // 2,),
    )[0]
    unit, phone = row["unit"], row["phone"]
    prefix = unit.rsplit("-", 1)[0] + "-*"
    cases: list[tuple[str, list[str], Callable[[], object]]] = [
        ("list --unit " + unit, ["--unit", unit], lambda: find_page(ledger, Filters(unit=unit))),
        (
            "list --unit " + prefix,
            ["--unit", prefix],
            lambda: find_page(ledger, Filters(unit=prefix)),
        ),
        (
            "list --phone " + phone[-4:],
            ["--phone", phone[-4:]],
            lambda: find_page(ledger, Filters(phone=phone[-4:])),
        ),
        (
            "list --phone " + phone,
            ["--phone", phone],
            lambda: find_page(ledger, Filters(phone=phone)),
        ),
    ]
    for word in ("漏水", "电梯", "噪音"):
        cases.append(
            (
                f"list --text {word}",
                ["--text", word],
                lambda w=word: find_page(ledger, Filters(text=w)),
            )  # type: ignore[misc]
        )
    cases.append(
        (
            f"list --open --text 漏水 --unit {prefix}",
            ["--open", "--text", "漏水", "--unit", prefix],
            lambda: find_page(ledger, Filters(open_only=True, text="漏水", unit=prefix)),
        )
    )
    for query in (unit, phone[-4:], "漏水", f"{unit.split('-')[0]}-1 漏水"):
        cases.append((f"search {query}", [query], lambda q=query: search(ledger, q)))  # type: ignore[misc]
    os.environ["COMPLAINTCTL_DB"] = str(args.ledger)
    os.environ.setdefault("COLUMNS", "160")
    runner = CliRunner()
    print(f"{count:,} complaints; ms: median (min-max) of {args.runs} runs after a warm-up")
    print("| query | matches shown / total | CLI in-process | core call |")
    print("|---|---|---|---|")
    for label, cli_args, core in cases:
        command = ["search", *cli_args] if label.startswith("search") else ["list", *cli_args]
        result = core()
        shown = (
            f"{len(result.rows)} / {result.total:,}"  # type: ignore[attr-defined]
            if hasattr(result, "total")
            else f"{len(result)}"  # type: ignore[arg-type]
        )

        def whole(command: list[str] = command) -> None:
            out = runner.invoke(app, command)
            assert out.exit_code == 0, out.stderr

        c_med, c_min, c_max = timed(whole, args.runs)
        k_med, k_min, k_max = timed(core, args.runs)
        print(
            f"| `{' '.join(command)}` | {shown} | {c_med:.1f} ({c_min:.1f}-{c_max:.1f}) "
            f"| {k_med:.1f} ({k_min:.1f}-{k_max:.1f}) |"
        )
    ledger.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
