"""Measure 1,000,000 working-day deadline computations (``due_at`` with a ``wd`` duration).

    /tmp/v/bin/python bench/bench_deadlines.py [COUNT]

Builds the default calendar once (not timed), then times ``due_at`` over a spread of receipt
instants across 2024..2026 (every call hits a different day and time of day).
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from complaintctl.domain.timeutil import CST  # noqa: E402
from complaintctl.time.calendar import build_calendar  # noqa: E402
from complaintctl.time.deadlines import due_at, parse_duration  # noqa: E402


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    cal = build_calendar()
    durations = [parse_duration(text) for text in ("1wd", "3wd", "5wd", "15wd")]
    first = datetime(2024, 1, 1, 0, 7, tzinfo=CST)
    starts = [first + timedelta(minutes=1097 * i) for i in range(1000)]  # ~2 years of spread
    rounds, rest = divmod(count, len(starts))
    work = [(s, durations[i % len(durations)]) for i, s in enumerate(starts)]

    began = time.perf_counter()
    for _ in range(rounds):
        for start, dur in work:
            due_at(start, dur, cal)
    for start, dur in work[:rest]:
        due_at(start, dur, cal)
    elapsed = time.perf_counter() - began

    print(
        f"{count:,} due_at(wd) calls: {elapsed:.3f} s "
        f"({elapsed / count * 1e9:.0f} ns per call, Python {sys.version.split()[0]})"
    )


if __name__ == "__main__":
    main()
