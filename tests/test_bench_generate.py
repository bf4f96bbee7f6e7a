"""bench/generate.py --sites (issue 21, item 5): the complaints spread over sites added as
``site add`` adds them, numbered within each site, and the ledger verifies."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pg
import pytest

from complaintctl.domain import sites

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench/generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    return _generator()


def test_site_codes(generate):
    assert generate.site_codes(1) == ["MAIN"]
    assert generate.site_codes(3) == ["S01", "S02", "S03"]
    assert generate.site_codes(10)[-1] == "S10"
    assert generate.site_codes(120)[:2] == ["S001", "S002"]


@pytest.mark.sqlite_only("the generator writes a SQLite file")
def test_sites_share_the_arrivals_and_number_their_own(generate, tmp_path, run):
    path = tmp_path / "sites.db"
    stats = generate.generate(
        path, 300, open_count=10, months=2, workers=0, progress=False, site_count=3
    )
    assert stats.complaints == 300
    assert generate.verify(path, sample=50) == (stats.events, 50)
    listed = {row["code"]: row for row in run.json("--db", str(path), "site", "list")}
    assert {code: (r["name"], r["complaints"]) for code, r in listed.items()} == {
        "MAIN": ("本项目", 0),
        "S01": ("S01项目", 100),
        "S02": ("S02项目", 100),
        "S03": ("S03项目", 100),
    }
    # --open K: K open in each site (its last 9 numbers and an older one), and any whose
    # history runs past the end
    assert all(listed[c]["open"] >= 10 for c in ("S01", "S02", "S03"))
    for code in ("S01", "S02", "S03"):
        shown = run.json("--db", str(path), "list", "--open", "--site", code, "--limit", "500")
        numbers = {sites.parse_ref(str(r["id"]), code) for r in shown}
        assert {sites.key(code, n) for n in range(92, 101)} <= numbers
    out = run.json("--db", str(path), "list", "--site", "S02", "--limit", "500")
    keys = sorted(sites.parse_ref(str(r["id"]), "S02") for r in out)
    assert keys == [sites.key("S02", n) for n in range(1, 101)]
    result = run("--db", str(path), "verify")
    assert result.exit_code == 0, result.stdout
    assert json.loads(run.ok("--db", str(path), "show", "S03-100", "--json"))["site"] == "S03"


@pytest.mark.sqlite_only("the generator writes a SQLite file")
def test_one_site_is_the_ledger_it_always_was(generate, tmp_path):
    """Without --sites the keys are the numbers, as before (the same chain for the same seed)."""
    one = generate.generate(tmp_path / "a.db", 120, months=1, workers=0, progress=False)
    assert one.complaints == 120
    assert generate.verify(tmp_path / "a.db", sample=20) == (one.events, 20)


def test_migrate_carries_the_sites_to_the_server(generate, tmp_path, run, pg_server, monkeypatch):
    """migrate --to copies the sites rows and the default site, and a policy's site, with the
    events that added them: the copy verifies (it did not before: 'added by event 1 but
    missing').  A batch of complaints spanning two sites is text-indexed site by site (before,
    one range from S01-1 to S02-30 ran 18 million queries: the copy never ended)."""
    path = tmp_path / "sites.db"
    generate.generate(path, 60, open_count=5, months=1, workers=0, progress=False, site_count=2)
    monkeypatch.setenv("PGPASSWORD", pg.PASSWORD)
    policy = tmp_path / "s02.toml"
    policy.write_text(run.ok("--db", str(path), "policy", "show"))
    run.ok("--db", str(path), "policy", "load", str(policy), "--site", "S02")
    run.ok("--db", str(path), "site", "default", "S01")
    database = pg_server.new_database()
    url = pg_server.url(database)
    try:
        run.ok("--db", str(path), "migrate", "--to", url)
        assert run("--db", url, "verify").exit_code == 0
        listed = run.json("--db", url, "site", "list")
        assert [(r["code"], r["complaints"], r["default"]) for r in listed] == [
            ("MAIN", 0, False),
            ("S01", 30, True),
            ("S02", 30, False),
        ]
    finally:
        pg_server.drop_database(database)
