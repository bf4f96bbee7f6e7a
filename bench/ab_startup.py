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


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


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
            times: dict[tuple[str, str], list[float]] = {}
            bare: list[float] = []
            for _ in range(args.runs):
                bare.append(timed([sys.executable, "-c", "import sqlite3"], os.environ.copy()))
                for case, argv in CASES.items():
                    for name, src in sides.items():
                        cmd = [sys.executable, "-c", LAUNCH, str(src), *argv]
                        times.setdefault((case, name), []).append(timed(cmd, envs[name]))
            floor = statistics.median(bare)
            print(f"bare python -c 'import sqlite3': {floor * 1000:.1f} ms (median of {args.runs})")
            print("| command | old ms | new ms | new / old | new / bare |")
            print("|---|---:|---:|---:|---:|")
            for case in CASES:
                o = statistics.median(times[(case, "old")])
                n = statistics.median(times[(case, "new")])
                row = [f"`{case}`", f"{o * 1000:.1f}", f"{n * 1000:.1f}", f"{n / o:.2f}"]
                print("| " + " | ".join([*row, f"{n / floor:.1f}"]) + " |")
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old)],
                           check=False)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
