"""A server's URL never becomes a file: the SQLite ledger refuses a location that is a
``postgresql://`` URL (which ``Path`` folds to ``postgresql:/…``) instead of creating a
ledger file of that name in the working folder, where writes meant for the server would
silently land (a test run once left such files in the source tree)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from complaintctl.domain.errors import LedgerUnavailable
from complaintctl.store.ledger import Ledger


@pytest.mark.parametrize(
    "location",
    ["postgresql://duty@db.example.cn/complaints", "postgres://duty@/c?host=/tmp/x"],
)
def test_the_file_ledger_refuses_a_server_url(
    location: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LedgerUnavailable) as caught:
        Ledger.open(location)
    assert caught.value.render("zh").endswith(
        "这是 PostgreSQL 服务器的地址，不是文件；未创建任何文件"
    )
    with pytest.raises(LedgerUnavailable):
        Ledger.open(Path(location))
    monkeypatch.setenv("COMPLAINTCTL_DB", location)
    with pytest.raises(LedgerUnavailable):
        Ledger.open()
    assert os.listdir(tmp_path) == []
