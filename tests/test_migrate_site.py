"""``migrate --to URL --site CODE`` (issue 21 item 3): a centre's SQLite ledger copied into its
own site of the server, its chain becoming the site's chain with every hash unchanged; run
twice, nothing is copied twice; a second centre into another site; a site holding another
ledger's chain refused (store/sitecopy.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ledgertools import snapshot
from test_migrate import NOTICE_2027

ON_SERVER = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
pytestmark = pytest.mark.usefixtures("english")  # the English wording of messages


def _reg(run: Any, centre: str, unit: str, at: str) -> int:
    return int(
        run.json(
            "--db", centre, "register", "--channel", "电话", "--name", "张三", "--unit", unit,
            "--phone", "13812345678", "--description", "楼道灯不亮", "--at", at,
        )["id"]
    )  # fmt: skip


def _centre(run: Any, path: Path, notice: Path | None = None) -> str:
    """A centre's ledger: #1 closed, #2 open, #3 a duplicate of #2, a holiday notice."""
    centre = str(path)
    _reg(run, centre, "3-1-502", "2026-03-02 09:00")
    _reg(run, centre, "5-2-101", "2026-03-02 10:00")
    _reg(run, centre, "5-2-102", "2026-03-02 10:30")
    run.ok("--db", centre, "close", "1", "--resolution", "已更换灯管", "--at", "2026-03-02 15:00")
    run.ok("--db", centre, "link", "2", "3", "--at", "2026-03-02 11:00")
    if notice is not None:
        run.ok("--db", centre, "calendar", "load", str(notice))
    return centre


def _same(shown: dict[str, Any]) -> dict[str, Any]:
    """A complaint as ``show --json`` gives it, but for its site and the log's seq numbers
    (the server numbers the events it takes in its own log)."""
    out = {k: v for k, v in shown.items() if k not in ("site", "ref")}
    out["events"] = [{k: v for k, v in e.items() if k != "seq"} for e in shown["events"]]
    return out


def _hashes(run: Any, db: str) -> dict[str, Any]:
    return {code: chain["head"] for code, chain in run.json("--db", db, "verify")["chains"].items()}


@ON_SERVER
def test_two_centres_go_into_their_own_sites(backend, run, db, tmp_path):
    notice = tmp_path / "2027.toml"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    yg = _centre(run, tmp_path / "yg.db", notice)
    hx = _centre(run, tmp_path / "hx.db", notice)
    run.ok("--db", db, "site", "add", "YG", "--name", "阳光花园")
    run.ok("--db", db, "site", "add", "HX", "--name", "和谐家园")
    centre_head = run.json("--db", yg, "verify")["chain_head"]

    out = run.ok("--db", yg, "migrate", "--to", db, "--site", "YG").splitlines()
    assert out[0] == f"copied 6 events, 3 complaints, 0 policies, 1 notices to {db}"
    assert out[2].startswith("copy:   ok: 8 events, 3 complaints, chain head ")
    # the centre's chain is the site's chain: the same hashes, the same head
    assert _hashes(run, db)["YG"] == centre_head
    # the same complaints, numbered as before within the site
    for number in (1, 2, 3):
        there = run.json("--db", db, "show", f"YG-{number}")
        here = run.json("--db", yg, "show", str(number))
        assert there["id"] == here["id"] == number
        assert there["site"] == "YG"
        assert _same(there) == _same(here)
    (dup,) = [c for c in run.json("--db", db, "list", "--site", "YG") if c["id"] == 3]
    assert dup["duplicate_of"] == 2  # YG-2, read in the site the link was copied into
    history = run.ok("--db", db, "show", "YG-3").splitlines()
    (linked,) = [row for row in history if row.startswith("7 ")]
    assert "duplicate of #YG-2;" in linked  # not #2: the main is read in the event's site

    # run again: nothing new; the desks kept working on the file: only that is copied
    assert run.ok("--db", yg, "migrate", "--to", db, "--site", "YG").startswith(
        f"copied 0 events, 0 complaints, 0 policies, 0 notices to {db}"
    )
    run.ok("--db", yg, "update", "2", "--note", "已联系业主", "--at", "2026-03-02 16:00")
    assert run.ok("--db", yg, "migrate", "--to", db, "--site", "YG").startswith(
        f"copied 1 events, 1 complaints, 0 policies, 0 notices to {db}"
    )  # the complaint it changed, folded again
    assert _hashes(run, db)["YG"] == run.json("--db", yg, "verify")["chain_head"]

    # a second centre into its own site; its notice is the same text: not copied twice
    out = run.ok("--db", hx, "migrate", "--to", db, "--site", "HX").splitlines()
    assert out[0] == f"copied 6 events, 3 complaints, 0 policies, 0 notices to {db}"
    assert _hashes(run, db)["HX"] == run.json("--db", hx, "verify")["chain_head"]

    # a site that holds another ledger's chain is refused, nothing written
    before = snapshot(db)
    result = run("--db", hx, "migrate", "--to", db, "--site", "YG")
    assert result.exit_code == 2
    assert result.stderr == (
        f"complaintctl: --site: site YG already holds another ledger's chain (its event at "
        f"position 7 is not {hx}'s); copy into a site of its own (site add CODE)\n"
    )
    assert snapshot(db) == before

    # the desks carry on on the server, each site on its own chain
    run.ok("--db", db, "update", "YG-3", "--note", "同上", "--at", "2026-03-02 17:00")
    report = run.json("--db", db, "verify")
    assert report["ok"] is True
    assert {c: h["head_position"] for c, h in report["chains"].items()} == {
        "HX": 6, "MAIN": 2, "YG": 8,
    }  # fmt: skip
    assert run.json("--db", db, "show", "YG-3")["id"] == 3
    listed = run.json("--db", db, "list", "--site", "HX")
    assert sorted((c["site"], c["id"]) for c in listed) == [("HX", 1), ("HX", 2), ("HX", 3)]


@ON_SERVER
def test_a_ledger_of_several_sites_is_not_copied_into_one(backend, run, db, tmp_path):
    centre = _centre(run, tmp_path / "c.db")
    run.ok("--db", centre, "site", "add", "YG", "--name", "阳光花园")
    run.ok("--db", db, "site", "add", "YG", "--name", "阳光花园")
    before = snapshot(db)
    result = run("--db", centre, "migrate", "--to", db, "--site", "YG")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"complaintctl: --site: {centre} has sites of its own")
    result = run("--db", centre, "migrate", "--to", db, "--site", "QQ")
    assert result.exit_code == 2
    assert result.stderr == (
        "complaintctl: --site: no site 'QQ' in this ledger (accepted: MAIN, YG)\n"
    )  # the server's sites
    assert snapshot(db) == before
