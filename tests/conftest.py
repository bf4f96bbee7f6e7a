"""Every test gets its own ledger in tmp_path (through $COMPLAINTCTL_DB), a fixed user, a
fixed terminal width, no colour and Chinese labels.

Test modules marked ``pytestmark = pytest.mark.backends`` run each test twice: on a SQLite
file and on a fresh database of the throwaway PostgreSQL server that the session starts
(tests/pg.py), both through $COMPLAINTCTL_DB.  Tests about a file (permissions, a truncated
file, the WAL, a backup file) stay on SQLite: ``@pytest.mark.sqlite_only("why")``; tests of
what the server ledger cannot do yet say so: ``@pytest.mark.not_on_postgresql_yet("what")``.  Where no
PostgreSQL server programs are installed the PostgreSQL runs fail with one line saying how to
install them; they are never skipped."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pg
import pytest
from typer.testing import CliRunner

from complaintctl.cli.app import app

BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backends: run each test on SQLite and on PostgreSQL")
    config.addinivalue_line(
        "markers", "sqlite_only(reason): a test about the SQLite file, not run on PostgreSQL"
    )
    config.addinivalue_line(
        "markers", "not_on_postgresql_yet(reason): a feature the PostgreSQL ledger lacks so far"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # COMPLAINTCTL_TEST_ALL_BACKENDS=1 tries every test on both (to find what runs on
    # PostgreSQL already); by default only the modules marked ``backends``
    everything = os.environ.get("COMPLAINTCTL_TEST_ALL_BACKENDS") == "1"
    if metafunc.definition.get_closest_marker("backends") is None and not everything:
        return
    if any(m.args[:1] == ("backend",) for m in metafunc.definition.iter_markers("parametrize")):
        return  # the test chose its backend itself
    for mark in ("sqlite_only", "not_on_postgresql_yet"):
        if metafunc.definition.get_closest_marker(mark) is not None:
            return
    metafunc.fixturenames.append("backend")
    metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """The throwaway PostgreSQL 15 of this session, stopped and removed at its end."""
    try:
        server = pg.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _isolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Path | str]:
    db: Path | str = tmp_path / "ledger.db"
    database = None
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("backend") == "postgresql":
        server = request.getfixturevalue("pg_server")
        database = server.new_database()
        db = server.url(database)
        monkeypatch.setenv("PGPASSWORD", pg.PASSWORD)
    monkeypatch.setenv("COMPLAINTCTL_DB", str(db))
    # never the user's own robots: a notifications file only where a test writes one
    monkeypatch.setenv("COMPLAINTCTL_NOTIFY", str(tmp_path / "notify.toml"))
    monkeypatch.setenv("COMPLAINTCTL_USER", "王芳")
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("COMPLAINTCTL_LANG", raising=False)
    yield db
    if database is not None:
        request.getfixturevalue("pg_server").drop_database(database)


@pytest.fixture
def db(_isolated: Path | str) -> Any:
    """The test's ledger: a file (Path), or a ``postgresql://`` URL (str)."""
    return _isolated


class Run:
    """Invoke the CLI in-process; ``run(...)`` returns the result, ``run.json(...)`` the
    parsed JSON of a command that must succeed."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Any:
        return self.runner.invoke(app, list(args), input=input)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
        return str(result.stdout)

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))


@pytest.fixture
def run() -> Run:
    return Run()


@pytest.fixture
def register(run: Run) -> Callable[..., int]:
    """Register a complaint with sensible defaults; returns its id."""

    def _register(**options: str) -> int:
        values = {
            "channel": "电话",
            "name": "张三",
            "unit": "3-1-502",
            "phone": "13812345678",
            "description": "楼道灯不亮",
        }
        values.update(options)
        args = ["register"]
        for key, value in values.items():
            args += [f"--{key.replace('_', '-')}", value]
        return int(run.json(*args)["id"])

    return _register


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the CLI in English (``COMPLAINTCTL_LANG=en``): for tests of the English wording of
    messages (tests/test_catalogue.py checks that every one exists in Chinese too)."""
    monkeypatch.setenv("COMPLAINTCTL_LANG", "en")
