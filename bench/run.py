"""The benchmark harness (issue 8): one command, a Markdown table of the figures.

    python bench/run.py --quick     # < 2 min: 50,000 complaints, report/digest at that scale
    python bench/run.py --full      # the issue's figures: 1,000,000 complaints, 100,000 open

Run it with the Python of the environment complaintctl is installed in (the ``complaintctl``
script beside it is used, else ``python -m complaintctl``).  It builds ledgers with
``bench/generate.py`` under ``bench/out/`` (removed at the end unless ``--keep``; ``--reuse``
takes ledgers left there by ``--keep``), then measures, each as median, min and max of several
runs after one warm-up run (warm OS file cache):

* start-up: ``--version``, ``show ID``, ``list --open``, ``register``, each a whole process,
  beside a bare ``python -c "import sqlite3"`` (the ratio is printed);
* ``report --month`` beside the SQL floor: the same counts by one hand-written query, also as a
  whole process (python + sqlite3 + the query) - or ``complaintctl.reports.code.FLOOR_SQL`` if the
  report module provides it;
* ``digest`` on the ledger with the open complaints;
* 1,000,000 deadline computations (``bench/bench_deadlines.py``, in-process time);
* ``import`` of a generated CSV into an empty ledger, when the command exists.

Peak RSS is each child's own ``ru_maxrss`` from ``os.wait4``.  Commands that do not exist yet
are reported as "not available".  ``python -X importtime`` breakdowns of the start-up
commands go to ``bench/out/importtime.md``.  The table goes to ``bench/out/results.md`` (and
``results.json``) and is printed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
PY = sys.executable
TIMEOUT = 900.0
PYCACHE = [OUT / "pycache"]  # main() points it into --out


@dataclass(frozen=True)
class Mode:
    name: str
    complaints: int  # the report ledger
    open: int  # open complaints in it (the digest)
    small: int  # the "realistic size" ledger for start-up
    small_open: int
    startup_runs: int
    runs: int  # report, digest, floor
    deadline_runs: int
    import_rows: int
    import_runs: int


QUICK = Mode("quick", 50_000, 5_000, 50_000, 5_000, 7, 5, 3, 10_000, 3)
FULL = Mode("full", 1_000_000, 100_000, 50_000, 1_500, 11, 5, 3, 100_000, 3)


@dataclass
class Figure:
    name: str
    target: str
    samples: list[float] = field(default_factory=list)  # seconds
    rss_kb: list[int] = field(default_factory=list)
    verdict: str = ""
    note: str = ""
    status: str = "ok"  # ok, not available, failed
    ledger: Path | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def peak_mb(self) -> float | None:
        return max(self.rss_kb) / 1024 if self.rss_kb else None


# -- running children ------------------------------------------------------------------------
@dataclass
class Run:
    seconds: float
    maxrss_kb: int
    code: int
    stdout: str
    stderr: str


def run_once(
    cmd: Sequence[str], env: dict[str, str], timeout: float = TIMEOUT, keep_stdout: bool = False
) -> Run:
    """Run ``cmd`` as a fresh process; its wall time and its own peak RSS (``os.wait4``)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        stdout = ""
        if keep_stdout:
            out.seek(0)
            stdout = out.read().decode(errors="replace")
    return Run(seconds, usage.ru_maxrss, proc.returncode, stdout, stderr)


def measure(
    fig: Figure, cmd: Sequence[str], env: dict[str, str], runs: int, *, ok: Sequence[int] = (0,)
) -> Figure:
    """One warm-up run, then ``runs`` timed runs of a whole process."""
    for i in range(runs + 1):
        r = run_once(cmd, env)
        if r.code not in ok:
            fig.status = "failed"
            last = (r.stderr.strip().splitlines() or [f"exit {r.code}"])[-1]
            fig.note = f"exit {r.code}: {last[:160]}"
            return fig
        if i:
            fig.samples.append(r.seconds)
            fig.rss_kb.append(r.maxrss_kb)
    return fig


def child_env(db: Path | None = None) -> dict[str, str]:
    """The children's environment.  Bytecode is cached under ``out/pycache``, as an installed
    package would have it (``PYTHONDONTWRITEBYTECODE`` would recompile complaintctl each run)."""
    env = dict(os.environ)
    env.update(COMPLAINTCTL_USER="bench", NO_COLOR="1", COLUMNS="160", LC_ALL="C.UTF-8")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE[0])
    if db is not None:
        env["COMPLAINTCTL_DB"] = str(db)
    return env


def cli() -> list[str]:
    script = Path(PY).with_name("complaintctl")
    return [str(script)] if script.exists() else [PY, "-m", "complaintctl"]


def measure_interleaved(items: list[tuple[Figure, list[str], dict[str, str]]], runs: int) -> None:
    """Round-robin runs (one warm-up round first), so a busy machine slows all alike."""
    failed: set[int] = set()
    for round_ in range(runs + 1):
        for i, (fig, cmd, env) in enumerate(items):
            if i in failed:
                continue
            r = run_once(cmd, env)
            if r.code != 0:
                failed.add(i)
                fig.status = "failed"
                last = (r.stderr.strip().splitlines() or [f"exit {r.code}"])[-1]
                fig.note = f"exit {r.code}: {last[:160]}"
                fig.samples.clear()
            elif round_:
                fig.samples.append(r.seconds)
                fig.rss_kb.append(r.maxrss_kb)


def commands() -> set[str]:
    """The subcommands the installed complaintctl offers (from ``--help``)."""
    r = run_once([*cli(), "--help"], child_env(), keep_stdout=True)
    found: set[str] = set()
    section = False
    for line in r.stdout.splitlines():
        if line.strip() == "Commands:":
            section = True
        elif section and line.startswith("  ") and line.strip():
            found.add(line.split()[0])
    return found


# -- ledgers ---------------------------------------------------------------------------------
def ledger(
    path: Path, complaints: int, open_count: int, reuse: bool, log: Callable[[str], None]
) -> dict[str, Any]:
    """Build (or reuse) a ledger with ``bench/generate.py``; returns its metadata."""
    meta_path = Path(f"{path}.json")
    if reuse and path.exists() and meta_path.exists():
        meta: dict[str, Any] = json.loads(meta_path.read_text())
        if meta.get("complaints") == complaints and meta.get("open_requested") == open_count:
            log(f"reusing {path} ({complaints:,} complaints)")
            return meta
    log(f"generating {path.name}: {complaints:,} complaints, {open_count:,} open ...")
    cmd = [
        PY,
        str(BENCH / "generate.py"),
        str(path),
        "-n",
        str(complaints),
        "--open",
        str(open_count),
        "--force",
    ]
    r = run_once(cmd, child_env(), keep_stdout=True)
    if r.code != 0:
        raise SystemExit(f"generate.py failed: {r.stderr.strip()[-500:]}")
    log("  " + r.stdout.strip())
    meta = json.loads(meta_path.read_text())
    meta["generate_rss_kb"] = r.maxrss_kb
    meta["generate_wall"] = r.seconds
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    return meta


def report_month(meta: dict[str, Any]) -> str:
    """A whole month in the middle of the ledger's year."""
    end = dt.date.fromisoformat(meta["end"][:10])
    year, month = divmod(end.year * 12 + end.month - 1 - 6, 12)
    return f"{year}-{month + 1:02d}"


def as_of(meta: dict[str, Any]) -> str:
    return str(meta["end"])[:16].replace("T", " ")


# -- the SQL floor ---------------------------------------------------------------------------
FLOOR_SQL = """
SELECT count(*) AS total,
       coalesce(sum(resolve_done IS NOT NULL AND resolve_done <= resolve_due), 0) AS timely,
       coalesce(sum(resolve_done IS NOT NULL AND resolve_done > resolve_due), 0) AS late,
       coalesce(sum(resolve_done IS NULL AND resolve_due < :as_of), 0) AS overdue,
       coalesce(sum(resolve_done IS NULL AND resolve_due >= :as_of), 0) AS pending
FROM complaints
WHERE received_month = :month AND duplicate_of IS NULL
"""


def floor_sql() -> tuple[str, str]:
    """The report module's own floor query if it offers one (``FLOOR_SQL`` with :month and
    :as_of), else ours."""
    try:
        from complaintctl.reports import code as report_code
    except ImportError:
        return FLOOR_SQL, "bench/run.py FLOOR_SQL (no complaintctl.reports.code)"
    sql = getattr(report_code, "FLOOR_SQL", None)
    if isinstance(sql, str) and ":month" in sql:
        return sql, "complaintctl.reports.code.FLOOR_SQL"
    return FLOOR_SQL, "bench/run.py FLOOR_SQL (complaintctl.reports.code has no FLOOR_SQL)"


def floor_script(db: Path, sql: str, month: str, as_of_epoch: int) -> str:
    return (
        "import sqlite3,sys\n"
        f"c = sqlite3.connect('file:{db}?mode=ro', uri=True)\n"
        f"r = c.execute({sql!r}, {{'month': {month!r}, 'as_of': {as_of_epoch}}}).fetchone()\n"
        "print(*r)\n"
    )


def floor_in_process(
    db: Path, sql: str, month: str, as_of_epoch: int, runs: int
) -> tuple[list[float], tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    times, row = [], ()
    for i in range(runs + 1):
        began = time.perf_counter()
        row = tuple(conn.execute(sql, {"month": month, "as_of": as_of_epoch}).fetchone())
        if i:
            times.append(time.perf_counter() - began)
    conn.close()
    return times, row


# -- import input ----------------------------------------------------------------------------
def import_csv(path: Path, rows: int, seed: int = 7) -> None:
    """A register sheet as a service centre keeps it in Excel (UTF-8 with BOM)."""
    rng = random.Random(seed)
    cats = [
        ("设施设备", "工程部", "电梯故障停运"),
        ("环境卫生", "保洁部", "垃圾未及时清运"),
        ("安全秩序", "秩序维护部", "车辆占用消防通道"),
        ("收费", "财务部", "物业费账单有误"),
        ("绿化", "绿化部", "树枝遮挡窗户"),
        ("服务态度", "客服部", "前台人员态度生硬"),
    ]
    start = dt.datetime(2025, 1, 1, 8, 0)
    headers = [
        "投诉日期",
        "投诉时间",
        "投诉人",
        "房号",
        "联系电话",
        "投诉内容",
        "投诉来源",
        "投诉类别",
        "处理部门",
        "处理人",
        "处理结果",
        "完成时间",
        "回访结果",
    ]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for i in range(rows):
            got = start + dt.timedelta(minutes=int(i * 525_600 / rows) + rng.randrange(30))
            done = got + dt.timedelta(hours=rng.randint(2, 70))
            cat, dept, what = rng.choice(cats)
            w.writerow(
                [
                    f"{got.year}/{got.month}/{got.day}",
                    f"{got:%H:%M}",
                    rng.choice("王李张刘陈杨") + rng.choice("伟芳娜敏静丽"),
                    f"{rng.randint(1, 30)}-{rng.randint(1, 4)}-{rng.randint(1, 30)}"
                    f"{rng.randint(1, 4):02d}",
                    f"13{rng.randrange(10**9):09d}",
                    what,
                    rng.choice(["电话", "来访", "微信"]),
                    cat,
                    dept,
                    rng.choice(["李工", "王师傅", "赵主管"]),
                    "已处理完毕",
                    f"{done.year}/{done.month}/{done.day} {done:%H:%M}",
                    rng.choice(["满意", "满意", "不满意"]),
                ]
            )


# -- importtime ------------------------------------------------------------------------------
HEAVY = (
    "holidays",
    "xlsxwriter",
    "openpyxl",
    "complaintctl.reports.monthly",
    "complaintctl.transfer.importer",
    "complaintctl.transfer.exporter",
    "complaintctl.reports.export",
    "complaintctl.transfer.sheets",
    "dateutil",
    "sqlite_utils",
    "importlib.metadata",
    "email",
    "complaintctl.reports.digest",
    "complaintctl.workflow.escalation",
    "complaintctl.store.verify",
    "complaintctl.workflow.retention",
    "complaintctl.workflow.admin",
    "csv",
    "zipfile",
)


def importtime(argv: Sequence[str], env: dict[str, str]) -> list[tuple[int, int, int, str]]:
    """(depth, self µs, cumulative µs, module) of ``complaintctl ARGV`` under -X importtime."""
    code = (
        f"import sys; sys.argv = {['complaintctl', *argv]!r}\n"
        "from complaintctl.cli.app import main\nmain()"
    )
    r = run_once([PY, "-X", "importtime", "-c", code], env)
    out = []
    for line in r.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            out.append((len(m.group(3)) // 2, int(m.group(1)), int(m.group(2)), m.group(4)))
    return out


def importers(lines: list[tuple[int, int, int, str]], index: int) -> str:
    """The chain of modules that imported ``lines[index]`` (importtime prints parents after)."""
    chain = []
    depth = lines[index][0]
    for d, _, _, name in lines[index + 1 :]:
        if d < depth:
            chain.append(name)
            depth = d
    return " < ".join(chain)


def _is_heavy(name: str) -> bool:
    return any(name == h or name.startswith(h + ".") for h in HEAVY)


def importtime_report(cases: dict[str, list[str]], env: dict[str, str], runs: int = 5) -> str:
    """Per command: the heavy modules it imports (bold), then its biggest imports."""
    out = [
        "# Start-up imports (python -X importtime)",
        "",
        f"Minimum cumulative import time of {runs} runs (the least disturbed by other "
        "processes); 'via' is the chain of importers, "
        "nearest first. Bold: modules a command should not need (heavy or belonging to another "
        "command).",
        "",
    ]
    for argv in cases.values():
        samples = [importtime(argv, env) for _ in range(runs)]
        base = samples[0]
        cumulative: dict[str, list[int]] = {}
        for sample in samples:
            for _, _, cum, name in sample:
                cumulative.setdefault(name, []).append(cum)
        med = {k: min(v) for k, v in cumulative.items()}
        total = med.get("complaintctl.cli.app", 0)
        out += [
            f"## `complaintctl {' '.join(argv)}`",
            "",
            f"complaintctl.cli.app cumulative: {total / 1000:.1f} ms",
            "",
            "| module | cumulative ms | via |",
            "|---|---:|---|",
        ]
        own = argv[0] if argv and not argv[0].startswith("-") else "-"
        for i, (_, _, _, name) in enumerate(base):
            parent = importers(base, i).split(" < ")[0]
            mine = name.split(".")[1:2] and name.split(".")[1].startswith(own)
            if _is_heavy(name) and not _is_heavy(parent) and not mine:
                out.append(f"| **{name}** | {med[name] / 1000:.1f} | {importers(base, i)} |")
        top = sorted(
            (
                (med[n], n, i)
                for i, (d, _, _, n) in enumerate(base)
                if (n.startswith("complaintctl") or d <= 1) and not _is_heavy(n)
            ),
            reverse=True,
        )[:15]
        for cum, name, i in top:
            if cum >= 1000:
                out.append(f"| {name} | {cum / 1000:.1f} | {importers(base, i)} |")
        out.append("")
    return "\n".join(out)


# -- machine ---------------------------------------------------------------------------------
def machine() -> dict[str, str]:
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": mem,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# -- verdicts and the table ------------------------------------------------------------------
def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def judge(ok: bool, scaled: bool = False) -> str:
    verdict = "met" if ok else "**missed**"
    return verdict + (" (at quick scale)" if scaled else "")


def table(figures: list[Figure]) -> str:
    lines = [
        "| figure | target | median | min | max | peak RSS | verdict |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for f in figures:
        if f.status == "ok" and not f.samples and f.peak_mb is not None:  # memory only
            verdict = f.verdict + (f"; {f.note}" if f.note else "")
            lines.append(f"| {f.name} | {f.target} | - | - | - | {f.peak_mb:.0f} MB | {verdict} |")
            continue
        if f.status != "ok" or not f.samples:
            verdict = f.status if f.status != "ok" else "not measured"
            lines.append(f"| {f.name} | {f.target} | - | - | - | - | {verdict}: {f.note} |")
            continue
        rss = f"{f.peak_mb:.0f} MB" if f.peak_mb is not None else "-"
        verdict = f.verdict + (f"; {f.note}" if f.note else "")
        lines.append(
            f"| {f.name} | {f.target} | {fmt(f.median)} | {fmt(min(f.samples))} | "
            f"{fmt(max(f.samples))} | {rss} | {verdict} |"
        )
    return "\n".join(lines)


# -- the run ---------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="small ledgers, < 2 min (default)")
    group.add_argument("--full", action="store_true", help="1,000,000 complaints, 100,000 open")
    parser.add_argument("--keep", action="store_true", help="keep the generated ledgers")
    parser.add_argument("--reuse", action="store_true", help="reuse ledgers kept in bench/out")
    parser.add_argument("--out", type=Path, default=OUT, help="where ledgers and results go")
    args = parser.parse_args(argv)
    mode = FULL if args.full else QUICK
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    PYCACHE[0] = out / "pycache"
    began = time.perf_counter()

    def log(text: str) -> None:
        print(f"[{time.perf_counter() - began:6.1f} s] {text}", file=sys.stderr, flush=True)

    info = machine()
    log(f"{mode.name} mode on {info['nproc']} x {info['cpu']}, load {info['load']}")
    available = commands()
    figures: list[Figure] = []
    notes: list[str] = []
    big_files: list[Path] = []

    small_db = out / f"ledger-{mode.small // 1000}k.db"
    small = ledger(small_db, mode.small, mode.small_open, args.reuse, log)
    big_files.append(small_db)
    if mode.complaints != mode.small:
        big_db = out / f"ledger-{mode.complaints // 1000}k.db"
        big = ledger(big_db, mode.complaints, mode.open, args.reuse, log)
        big_files.append(big_db)
    else:
        big_db, big = small_db, small
    for meta in (small, big) if big is not small else (small,):
        notes.append(
            f"ledger {Path(meta['path']).name}: {meta['complaints']:,} complaints "
            f"({meta['open']:,} open), {meta['events']:,} events, "
            f"{meta['bytes'] / 2**20:,.0f} MiB; generated in {meta['seconds']:.0f} s "
            f"({meta['complaints'] / meta['seconds']:,.0f} complaints/s, "
            f"peak RSS {meta.get('generate_rss_kb', 0) / 1024:.0f} MB)"
        )

    # -- start-up -----------------------------------------------------------------------------
    log("start-up ...")
    env = child_env(small_db)
    show_id = str(small["complaints"] // 2)
    register = ["register", "--channel", "电话", "--name", "张三", "--unit", "3-1-502"]
    register += ["--phone", "13812345678", "--description", "楼道灯不亮", "--severity", "minor"]
    startup_cases = {
        "--version": ["--version"],
        f"show {show_id}": ["show", show_id],
        "list --open": ["list", "--open"],
        "register": register,
    }
    bare = Figure('bare `python -c "import sqlite3"`', "(baseline)", verdict="baseline")
    startup: list[tuple[Figure, list[str], dict[str, str]]] = [
        (bare, [PY, "-c", "import sqlite3"], env)
    ]
    target = "≤ 3 × bare and ≤ 150 ms"
    for label, args_ in startup_cases.items():
        name = f"`{label}` ({small['complaints'] // 1000}k ledger)"
        startup.append((Figure(name, target, ledger=small_db), [*cli(), *args_], env))
    if big is not small:
        env_big = child_env(big_db)
        for label, args_ in (
            (f"show {big['complaints'] // 2}", ["show", str(big["complaints"] // 2)]),
            ("list --open", ["list", "--open"]),
        ):
            name = f"`{label}` ({big['complaints']:,} complaints, {big['open']:,} open)"
            startup.append((Figure(name, target, ledger=big_db), [*cli(), *args_], env_big))
    measure_interleaved(startup, mode.startup_runs)
    for fig, cmd, _ in startup:
        figures.append(fig)
        if fig is bare or not fig.samples or not bare.samples:
            continue
        ratio = fig.median / bare.median
        fig.note = f"{ratio:.1f} × bare"
        if "--version" in cmd:
            fig.verdict, fig.target = "(reference)", "(no target)"
        else:
            fig.verdict = judge(fig.median <= min(3 * bare.median, 0.150))

    # -- report and its floor -----------------------------------------------------------------
    month = report_month(big)
    moment = as_of(big)
    moment_epoch = int(dt.datetime.fromisoformat(big["end"]).timestamp())
    scaled = mode.complaints < 1_000_000
    report_name = f"`report --month {month}` ({big['complaints']:,} complaints)"
    sql, sql_source = floor_sql()
    floor = Figure(f"SQL floor, whole process ({big['complaints']:,} complaints)", "(floor)")
    log("report floor ...")
    measure(floor, [PY, "-c", floor_script(big_db, sql, month, moment_epoch)], env, mode.runs)
    floor.verdict = "floor"
    inproc, counts = floor_in_process(big_db, sql, month, moment_epoch, mode.runs)
    floor.note = (
        f"query alone {fmt(statistics.median(inproc))}; counts {counts} "
        "(total, timely, late, overdue, pending)"
    )
    notes.append(f"report floor query: {sql_source}: `{' '.join(sql.split())}`")
    report = Figure(report_name, "≤ 1 s and ≤ 3 × floor", ledger=big_db)
    if "report" in available:
        log("report ...")
        env_big = child_env(big_db)
        measure(report, [*cli(), "report", "--month", month, "--as-of", moment], env_big, mode.runs)
        if report.samples:
            ratio = report.median / floor.median
            report.verdict = judge(report.median <= 1.0 and ratio <= 3, scaled)
            report.note = f"{ratio:.1f} × floor"
            js = run_once(
                [*cli(), "report", "--month", month, "--as-of", moment, "--json"],
                env_big,
                keep_stdout=True,
            )
            try:
                data = json.loads(js.stdout)
                mine = dict(
                    zip(("total", "timely", "late", "overdue", "pending"), counts, strict=True)
                )
                theirs = {k: data.get(k) for k in mine}
                agree = "agree" if theirs == mine else f"DIFFER: report {theirs}"
                notes.append(f"report --json counts vs floor: {agree}")
            except (ValueError, AttributeError):
                notes.append("report --json: no parseable JSON to compare with the floor")
    else:
        report.status, report.note = "not available", "no `report` command yet (issue 6)"
    figures += [report, floor]

    # -- digest -------------------------------------------------------------------------------
    digest = Figure(f"`digest` ({big['open']:,} open complaints)", "≤ 1 s", ledger=big_db)
    if "digest" in available:
        log("digest ...")
        measure(
            digest, [*cli(), "digest", "--as-of", moment], child_env(big_db), mode.runs, ok=(0, 3)
        )
        if digest.samples:
            digest.verdict = judge(digest.median <= 1.0, mode.open < 100_000)
            text = run_once(
                [*cli(), "digest", "--as-of", moment], child_env(big_db), keep_stdout=True
            ).stdout
            breached = sum(1 for line in text.splitlines() if "超时" in line)
            digest.note = f"{len(text.splitlines()):,} lines printed, {breached:,} with 超时"
    else:
        digest.status, digest.note = "not available", "no `digest` command yet (issue 5)"
    figures.append(digest)

    # -- deadlines ----------------------------------------------------------------------------
    log("deadlines ...")
    deadlines = Figure("1,000,000 deadline computations (`due_at`, wd)", "≤ 2 s")
    script = BENCH / "bench_deadlines.py"
    for _ in range(mode.deadline_runs):
        r = run_once([PY, str(script), "1000000"], child_env(), keep_stdout=True)
        m = re.search(r"calls: ([\d.]+) s", r.stdout)
        if r.code != 0 or not m:
            deadlines.status, deadlines.note = "failed", (r.stderr.strip() or r.stdout)[-160:]
            break
        deadlines.samples.append(float(m.group(1)))
        deadlines.rss_kb.append(r.maxrss_kb)
    if deadlines.samples:
        deadlines.verdict = judge(deadlines.median <= 2.0)
        deadlines.note = "in-process time (calendar built before timing)"
    figures.append(deadlines)

    # -- import -------------------------------------------------------------------------------
    imp = Figure(f"`import` of {mode.import_rows:,} CSV rows", "100,000 rows ≤ 10 s (issue 7)")
    if "import" in available:
        log("import ...")
        sheet = out / f"import-{mode.import_rows // 1000}k.csv"
        import_csv(sheet, mode.import_rows)
        big_files.append(sheet)
        for i in range(mode.import_runs):
            dest = out / f"import-{i}.db"
            for extra in ("", "-wal", "-shm"):
                Path(f"{dest}{extra}").unlink(missing_ok=True)
            r = run_once([*cli(), "--db", str(dest), "import", str(sheet)], child_env())
            for extra in ("", "-wal", "-shm"):
                Path(f"{dest}{extra}").unlink(missing_ok=True)
            if r.code != 0:
                imp.status = "failed"
                imp.note = (r.stderr.strip().splitlines() or [f"exit {r.code}"])[-1][:160]
                break
            imp.samples.append(r.seconds)
            imp.rss_kb.append(r.maxrss_kb)
        if imp.samples:
            rate = mode.import_rows / imp.median
            imp.verdict = judge(100_000 / rate <= 10.0, mode.import_rows < 100_000)
            imp.note = f"{rate:,.0f} rows/s"
    else:
        imp.status, imp.note = "not available", "no `import` command yet (issue 7)"
    figures.append(imp)
    extra_import = BENCH / "bench_import.py"
    if extra_import.exists():
        r = run_once([PY, str(extra_import), str(mode.import_rows)], child_env(), keep_stdout=True)
        tail = (r.stdout.strip().splitlines() or [r.stderr.strip()[-200:]])[-1]
        notes.append(f"bench/bench_import.py (exit {r.code}, {fmt(r.seconds)}): {tail}")

    # -- peak RSS on the big ledger -----------------------------------------------------------
    on_big = [f for f in figures if f.samples and f.rss_kb and f.ledger == big_db]
    worst = max(on_big, key=lambda f: f.peak_mb or 0, default=None)
    rss = Figure(f"peak RSS of any command on the {big['complaints']:,} ledger", "≤ 200 MB")
    if worst is not None and worst.peak_mb is not None:
        rss.rss_kb = [max(worst.rss_kb)]
        rss.verdict = judge(worst.peak_mb <= 200, scaled)
        rss.note = f"by {worst.name}"
    figures.append(rss)

    # -- importtime ---------------------------------------------------------------------------
    log("importtime ...")
    cases = {label: args_ for label, args_ in startup_cases.items()}
    if "digest" in available:
        cases["digest"] = ["digest", "--as-of", moment]
    (out / "importtime.md").write_text(importtime_report(cases, child_env(small_db)) + "\n")

    # -- write up -----------------------------------------------------------------------------
    elapsed = time.perf_counter() - began
    info["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    head = [
        f"# Benchmark results ({mode.name} mode)",
        "",
        f"{info['date']}; {info['nproc']} × {info['cpu']}, {info['ram']} RAM; Python "
        f"{info['python']}, SQLite {info['sqlite']}; {info['os']}; load average "
        f"{info['load']} at start, {info['load_end']} at end; harness {elapsed:.0f} s.",
        "",
        f"Median of {mode.startup_runs} runs for start-up, {mode.runs} for report/floor/digest, "
        f"{mode.deadline_runs} for deadlines, {mode.import_runs} for import, after one warm-up "
        "run (warm file cache). Times are whole processes except where noted. Peak RSS is "
        "each child's own ru_maxrss (os.wait4).",
        "",
    ]
    body = table(figures)
    text = "\n".join([*head, body, "", *(f"- {n}" for n in notes), ""])
    (out / "results.md").write_text(text)
    (out / "results.json").write_text(
        json.dumps(
            {
                "mode": mode.name,
                "machine": info,
                "notes": notes,
                "figures": [
                    {**asdict(f), "median": f.median if f.samples else None} for f in figures
                ],
            },
            ensure_ascii=False,
            default=str,
            indent=1,
        )
        + "\n"
    )
    print(text)
    if not args.keep:
        for path in big_files:
            for extra in ("", "-wal", "-shm", ".json"):
                Path(f"{path}{extra}").unlink(missing_ok=True)
    log(f"done; results in {out / 'results.md'}, imports in {out / 'importtime.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
