"""Time the import of a large register: a 100,000-row CSV into an empty ledger.

    /tmp/v/bin/python bench/bench_import.py [ROWS] [--keep DIR]

(the register and the ledger go to a temporary folder, removed at the end, or to ``--keep DIR``)

Writes a register the way service centres keep them (Chinese headers, GB18030 like Chinese
Excel, date and time in separate columns, 是否紧急, and a mix of closed, awaiting follow-up and
open complaints over 2025-2026), checks it (``--dry-run``), then imports it with
``importer.import_file`` into an empty ledger whose calendar cache is warm: once in one process
(``COMPLAINTCTL_IMPORT_WORKER=0``, as on a single CPU) and once as the command does by default
(a worker process from 5,000 rows).  Prints the times, the CPU each process used and the rows
per second.  The goal (issue 7) is 100,000 rows in under 10 s.
"""

from __future__ import annotations

import contextlib
import csv
import os
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from complaintctl.domain.timeutil import CST  # noqa: E402
from complaintctl.store.ledger import Ledger  # noqa: E402
from complaintctl.transfer.importer import import_file  # noqa: E402
from complaintctl.transfer.worker import ENV_WORKER  # noqa: E402
from complaintctl.workflow.actor import Actor  # noqa: E402

HEADER = [
    "序号", "投诉日期", "投诉时间", "投诉人", "房号", "联系电话", "投诉内容", "投诉来源",
    "投诉类别", "是否紧急", "处理部门", "处理人", "处理结果", "完成时间", "回访结果", "回访时间",
]  # fmt: skip
CASES = {
    "设施设备": ("工程部", ("电梯故障停运", "楼道灯不亮", "水管漏水", "门禁失灵")),
    "环境卫生": ("保洁部", ("垃圾未及时清运", "楼道有异味", "垃圾桶满溢")),
    "安全秩序": ("秩序维护部", ("车辆占用消防通道", "夜间噪音扰民")),
    "收费": ("财务部", ("物业费账单有误", "停车费标准不清")),
    "服务态度": ("客服部", ("前台人员态度生硬", "电话无人接听")),
}
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高"


def make_register(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2025, 1, 2, 8, 0)
    span = (datetime(2026, 10, 31) - start).total_seconds()
    with path.open("w", encoding="gb18030", newline="") as out:
        sheet = csv.writer(out)
        sheet.writerow(HEADER)
        for n in range(1, rows + 1):
            received = start + timedelta(seconds=int(rng.random() * span) // 60 * 60)
            category = rng.choice(list(CASES))
            department, texts = CASES[category]
            row = [
                n, f"{received:%Y/%-m/%-d}", f"{received:%H:%M}",
                rng.choice(SURNAMES) + rng.choice("伟芳娜敏静磊洋勇艳杰"),
                f"{rng.randint(1, 30)}-{rng.randint(1, 4)}-{rng.randint(1, 3300)}",
                f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                f"{rng.choice(texts)}（第{n}号）", rng.choice(("电话", "来访", "微信", "网络")),
                category, "是" if rng.random() < 0.05 else "否", department,
                rng.choice(("李工", "王师傅", "陈主管", "")),
            ]  # fmt: skip
            fate = rng.random()
            if fate < 0.85:  # resolved; most followed up
                done = received + timedelta(hours=rng.randint(1, 60))
                row += ["已处理完毕", f"{done:%Y-%m-%d %H:%M}"]
                if fate < 0.75:
                    call = done + timedelta(hours=rng.randint(2, 30))
                    row += [
                        rng.choice(("满意", "满意", "满意", "不满意")),
                        f"{call:%Y-%m-%d %H:%M}",
                    ]
                else:
                    row += ["", ""]
            else:
                row += ["", "", "", ""]
            sheet.writerow(row)


def main() -> None:
    args = sys.argv[1:]
    keep = None
    if "--keep" in args:
        keep = Path(args[args.index("--keep") + 1])
        del args[args.index("--keep") : args.index("--keep") + 2]
    rows = int(args[0]) if args else 100_000
    folder = keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        run(folder, rows)
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path, rows: int) -> None:
    """Make the register in ``folder``, import it into ``folder/ledger.db``, print the times."""
    folder.mkdir(parents=True, exist_ok=True)
    register = folder / "投诉记录表.csv"
    make_register(register, rows)
    actor = Actor("王芳", datetime(2026, 11, 22, 12, 0, tzinfo=CST))
    size = register.stat().st_size / 1e6
    lines = []
    for label, worker in (("one process", "0"), ("with the worker", "")):
        os.environ[ENV_WORKER] = worker  # "" = the default choice (a worker from 5,000 rows)
        db = folder / "ledger.db"
        for stale in folder.glob("ledger.db*"):
            stale.unlink()
        ledger = Ledger.open(db)
        ledger.calendar()  # build the calendar cache once, as any earlier command would have
        # a dry run (read and check every row), then the import itself (check and write)
        began = time.perf_counter()
        import_file(ledger, register, actor, dry_run=True)
        checked = time.perf_counter() - began
        children = _children_cpu()
        watch = _WorkerPeak()
        began, cpu = time.perf_counter(), time.process_time()
        result = import_file(ledger, register, actor)
        total, cpu = time.perf_counter() - began, time.process_time() - cpu
        children = _children_cpu() - children
        worker_mb = watch.stop()
        events = ledger.conn.execute("SELECT count(*) FROM events").fetchone()[0]
        ledger.close()
        if result.bad:
            print(f"unexpected bad rows: {result.bad[:3]}")
        if not lines:
            lines.append(
                f"{rows:,} rows ({size:.1f} MB GB18030 CSV) -> {result.imported:,} complaints, "
                f"{events:,} events; a dry run takes {checked:.2f} s (Python "
                f"{sys.version.split()[0]}, {os.cpu_count()} CPUs)"
            )
        lines.append(
            f"import {label}: {total:.2f} s ({cpu:.2f} s CPU here + {children:.2f} s in the "
            f"worker): {rows / total:,.0f} rows/s"
        )
    here = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.insert(
        -1, f"peak RSS: {here:.0f} MB here (over both runs), {worker_mb:.0f} MB in the worker"
    )
    print("\n".join(lines))  # the last line is the default import (bench/run.py quotes it)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _WorkerPeak(threading.Thread):
    """The worker's peak RSS (VmHWM), read from /proc while the import runs (Linux)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.running = True
        self.start()

    def run(self) -> None:
        while self.running:
            for status in Path("/proc").glob("[0-9]*/status"):
                with contextlib.suppress(OSError):
                    cmdline = (status.parent / "cmdline").read_bytes()
                    if b"import_worker" in cmdline and b"serve()" in cmdline:
                        for line in status.read_text().splitlines():
                            if line.startswith("VmHWM:"):
                                self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            time.sleep(0.2)

    def stop(self) -> float:
        self.running = False
        self.join()
        return self.peak_kb / 1024


if __name__ == "__main__":
    main()
