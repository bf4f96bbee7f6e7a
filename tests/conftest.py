"""Every test gets its own ledger in tmp_path (through $COMPLAINTCTL_DB), a fixed user, a
fixed terminal width, no colour and Chinese labels."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from complaintctl.cli.app import app


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "ledger.db"
    monkeypatch.setenv("COMPLAINTCTL_DB", str(db))
    # never the user's own robots: a notifications file only where a test writes one
    monkeypatch.setenv("COMPLAINTCTL_NOTIFY", str(tmp_path / "notify.toml"))
    monkeypatch.setenv("COMPLAINTCTL_USER", "王芳")
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("COMPLAINTCTL_LANG", raising=False)
    return db


@pytest.fixture
def db(_isolated: Path) -> Path:
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
