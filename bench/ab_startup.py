"""Start-up of two commits in one run, in turn (these machines are noisy: only ratios count).

    python bench/ab_startup.py REV [--runs 21]

Checks REV out into a temporary git worktree, makes one small ledger with each side's code,
then runs ``--version``, ``show 1``, ``list --open`` and ``register`` of the two sides
alternately, each a whole process with the same Python and packages (the side's source comes
first on ``sys.path``), and prints the medians, the new/old ratio, and a bare
``python -c "import sqlite3"`` for scale.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAUNCH = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from complaintctl.cli.entry import main; main()"
)
REGISTER = ["register", "--channel", "电话", "--name", "张三", "--unit", "3-1-502", "--phone",
            "13812345678", "--description", "楼道灯不亮", "--severity", "中度"]  # fmt: skip
CASES = {
    "--version": ["--version"],
    "show 1": ["show", "1"],
    "list --open": ["list", "--open"],
    "register": REGISTER,
}


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one whole process.  On a shared, busy machine
    the CPU time is the steadier of the two."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, argv)
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the old commit")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "-q", "--detach", str(old),
                        args.rev], check=True)  # fmt: skip
        try:
            sides = {"old": old, "new": REPO}
            envs = {}
            for name, src in sides.items():
                env = {**os.environ, "COMPLAINTCTL_DB": str(Path(tmp) / f"{name}.db"),
                       "PYTHONDONTWRITEBYTECODE": "", "COLUMNS": "160"}  # fmt: skip
                envs[name] = env
                for _ in range(3):
                    subprocess.run([sys.executable, "-c", LAUNCH, str(src), *REGISTER], env=env,
                                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
            times: dict[tuple[str, str], list[tuple[float, float]]] = {}
            bare: list[tuple[float, float]] = []
            for _ in range(args.runs):
                bare.append(timed([sys.executable, "-c", "import sqlite3"], os.environ.copy()))
                for case, argv in CASES.items():
                    for name, src in sides.items():
                        cmd = [sys.executable, "-c", LAUNCH, str(src), *argv]
                        times.setdefault((case, name), []).append(timed(cmd, envs[name]))
            for k, what in enumerate(("wall", "CPU")):
                floor = statistics.median(b[k] for b in bare)
                print(f"\n{what}: bare python -c 'import sqlite3' {floor * 1000:.1f} ms")
                print(f"| command | old ms | new ms | new / old | new / bare |  ({what})")
                print("|---|---:|---:|---:|---:|")
                for case in CASES:
                    o = statistics.median(t[k] for t in times[(case, "old")])
                    n = statistics.median(t[k] for t in times[(case, "new")])
                    row = [f"`{case}`", f"{o * 1000:.1f}", f"{n * 1000:.1f}", f"{n / o:.2f}"]
                    print("| " + " | ".join([*row, f"{n / floor:.1f}"]) + " |")
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old)],
                           check=False)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
