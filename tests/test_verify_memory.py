"""Issue 22, finding 11: ``verify`` (and ``backup``, which verifies its copy) keep one
complaint in memory at a time, so their memory does not grow with the ledger.  Measured with
tracemalloc on a generated ledger: the old verify held every event and row (26 MB of Python
objects here, growing linearly); the streaming one stays small."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from pathlib import Path

from complaintctl.store.verify import verify_file

ROOT = Path(__file__).resolve().parents[1]


def test_verify_memory_does_not_grow_with_the_ledger(tmp_path):
    path = tmp_path / "gen.db"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), str(path), "--complaints", "2000",
         "--open", "100", "--workers", "0", "--end", "2026-11-30 18:00"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    # once untraced: the imports and caches of a first verify (the calendar, the holidays
    # package) are not the ledger's size; run alone, they are most of the peak
    assert verify_file(path).ok
    tracemalloc.start()
    try:
        report = verify_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok, report.differences[:3]
    assert report.complaints == 2000 and report.events > 12_000
    assert peak < 3 * 1024 * 1024, f"verify peaked at {peak / 1e6:.1f} MB of Python objects"
