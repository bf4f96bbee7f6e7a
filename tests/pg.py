"""A throwaway PostgreSQL 15 for the test suite: started once per session, stopped and
removed at its end (also when tests fail).

``initdb`` makes a cluster in a temporary folder that listens only on a Unix socket in that
folder (``listen_addresses = ''``: no TCP port, nothing outside the run is reached).  As root
(CI) the server runs as the ``postgres`` system user through ``runuser`` (PostgreSQL refuses
to run as root); otherwise as the user running the tests.  The cluster's superuser is
``cpl_admin`` (trusted on the socket); the ledger's owner ``cpl_owner`` and the application
login ``cpl_app`` (a member of ``complaintctl_app``, the role the migrations grant to) are
not superusers and log in with a password.  Each test gets its own database, a copy of a
template the owner has migrated once.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

INSTALL = (
    "PostgreSQL 15 server programs not found (initdb, pg_ctl): install them with "
    "'apt-get install postgresql-15' (Debian), or set COMPLAINTCTL_PG_BINDIR"
)
SUPERUSER = "cpl_admin"
OWNER = "cpl_owner"
APP = "cpl_app"
PASSWORD = "pw-for-tests"
TEMPLATE = "ledger_template"


def bindir() -> Path | None:
    """The folder of the server's programs: $COMPLAINTCTL_PG_BINDIR, ``pg_config --bindir``,
    else Debian's /usr/lib/postgresql/15/bin (``pg_config`` of the client package alone
    names /usr/bin, which has no initdb)."""
    candidates: list[Path] = []
    env = os.environ.get("COMPLAINTCTL_PG_BINDIR")
    if env:
        candidates.append(Path(env))
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    candidates.append(Path("/usr/lib/postgresql/15/bin"))
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


@dataclass
class Server:
    base: Path  # the temporary folder: data/ and the socket
    bin: Path
    as_postgres: bool
    durable: bool = False  # fsync and synchronous commit on (benchmarks); off for the tests
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def socket_dir(self) -> Path:
        return self.base

    def _cmd(self, *args: str) -> list[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return [*prefix, *args]

    def _run(self, *args: str) -> None:
        done = subprocess.run(self._cmd(*args), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip() or done.stdout}")

    def url(self, dbname: str, user: str = APP, password: str | None = None) -> str:
        """A ledger URL on the socket; without a password in it the tests give $PGPASSWORD."""
        auth = f"{user}:{password}" if password else user
        return f"postgresql://{auth}@/{dbname}?host={self.socket_dir}"

    def admin(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.socket_dir), user=SUPERUSER, dbname=dbname, autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def start(self) -> None:
        data = self.base / "data"
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=reject",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        with (data / "pg_hba.conf").open("w") as hba:
            hba.write(f"local all {SUPERUSER} trust\nlocal all all scram-sha-256\n")
        fast = "" if self.durable else "-c fsync=off -c synchronous_commit=off "
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' "
            f"{fast}-c max_connections=60 -c shared_buffers=32MB"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(self.base / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        self.admin(
            f"CREATE ROLE {OWNER} LOGIN PASSWORD '{PASSWORD}';"
            "CREATE ROLE complaintctl_app NOLOGIN;"
            f"CREATE ROLE {APP} LOGIN PASSWORD '{PASSWORD}' IN ROLE complaintctl_app"
        )
        self.admin(f"CREATE DATABASE {TEMPLATE} OWNER {OWNER}")
        # the ledger's schema made once, by its owner; each test's database is a copy
        from complaintctl.store.backend import open_ledger

        open_ledger(self.url(TEMPLATE, OWNER, PASSWORD)).close()

    def new_database(self) -> str:
        """A fresh, migrated, empty ledger database; its name."""
        name = f"ledger_{os.getpid()}_{next(self._names)}"
        # FILE_COPY: the template's few files copied, not written through the WAL (PG 15's
        # default, WAL_LOG): 56 ms a database instead of 95 ms here (median of 60, loaded host)
        self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} OWNER {OWNER} STRATEGY FILE_COPY")
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def restart(self) -> None:
        """Stop the server (sessions ended, transactions rolled back) and start it again."""
        # -l: the new server writes to its log, not to this process's pipes (which would
        # then never close, and the run would wait on them for ever)
        log = str(self.base / "server.log")
        data = str(self.base / "data")
        self._run(str(self.bin / "pg_ctl"), "-D", data, "-l", log, "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        data = self.base / "data"
        if (data / "postmaster.pid").exists():
            subprocess.run(
                self._cmd(str(self.bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
                capture_output=True,
            )
        shutil.rmtree(self.base, ignore_errors=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def start(durable: bool = False) -> Server:
    """Start the throwaway server, or raise RuntimeError with the one line to install it."""
    folder = bindir()
    if folder is None:
        raise RuntimeError(INSTALL)
    as_postgres = os.getuid() == 0
    base = Path(tempfile.mkdtemp(prefix="cpl-pg-"))
    if as_postgres:
        shutil.chown(base, "postgres", "postgres")
    os.chmod(base, 0o700)
    server = Server(base, folder, as_postgres, durable)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        # a run stopped by SIGTERM (a CI timeout) still stops the server: pytest runs the
        # fixtures' teardown for an interrupt, not for a signal that ends the process
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    deadline = time.monotonic() + 1
    while not (base / ".s.PGSQL.5432").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return server
