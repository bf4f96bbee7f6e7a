"""Issue 21 item 4, across machines: 8 terminals x 250 mixed commands against one PostgreSQL
ledger across 3 sites, with the monthly report (all sites, and ``--by site``), the digest of
each site, ``list --site`` and ``verify`` running alongside.  Every event is there exactly
once, the numbers count up within each site without a gap, each site's hash chain has no
fork and no gap (its positions are 1..N, each event on its complaint's site's chain, and
``verify`` is clean; the global sequence numbers may have gaps, store/chain.py).  Each terminal is a separate OS process
(spawned) driving the CLI in-process (the writer of tests/test_concurrency.py).

PostgreSQL only: on SQLite the same mix runs in tests/test_concurrency.py (one file, one
writer at a time).  Runs in CI (about 40-60 s on two cores)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from test_concurrency import CTX, _environment, _invoke, _kinds, _prime, _rows, writer

from complaintctl.domain import sites

TERMINALS = 8
COMMANDS = 250
SITES = ("MAIN", "YG", "HX")


def site_writer(db: str, worker: int, site: str, commands: int, out: str) -> None:
    """A terminal of ``site`` (COMPLAINTCTL_SITE): its complaints' numbers are of that site;
    what it expects is keyed by the complaint's key in the ledger."""
    os.environ["COMPLAINTCTL_SITE"] = site
    writer(db, worker, commands, out)
    result = json.loads(Path(out).read_text())
    result["expected"] = {
        str(sites.key(site, int(n))): kinds for n, kinds in result["expected"].items()
    }
    result["site"] = site
    Path(out).write_text(json.dumps(result))


def head_office(db: str, stop: Any, out: str) -> None:
    """Reports, digests and lists of every site while the terminals write."""
    _environment(db, 99)
    runs: dict[str, int] = {}
    failures: list[Any] = []
    round_ = 0
    while not stop.is_set() or round_ < 3:
        round_ += 1
        batch = [
            ["report", "--month", "2026-03", "--json"],
            ["report", "--month", "2026-03", "--by", "site", "--json"],
            *(["digest", "--site", site, "--json"] for site in SITES),
            ["list", "--site", SITES[round_ % 3], "--open", "--json"],
        ]
        if round_ % 4 == 1:
            batch.append(["verify", "--json"])
        for args in batch:
            code, stdout, stderr, unexpected = _invoke(args)
            runs[args[0]] = runs.get(args[0], 0) + 1
            if code != 0 or unexpected:
                failures.append([args, code, stderr, unexpected])
            elif args[0] == "verify" and not json.loads(stdout)["ok"]:
                failures.append([args, code, stdout])
        stop.wait(0.3)  # a head office, not a load generator: the terminals keep the CPUs
    Path(out).write_text(json.dumps({"runs": runs, "failures": failures}))


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_eight_terminals_three_sites_and_head_office(backend, run, db, tmp_path):
    _prime(db)
    run.ok("site", "add", "YG", "--name", "阳光花园")
    run.ok("site", "add", "HX", "--name", "和谐家园")
    stop = CTX.Event()
    outs = [tmp_path / f"terminal-{w}.json" for w in range(TERMINALS)]
    procs = [
        CTX.Process(
            target=site_writer, args=(db, w + 1, SITES[w % len(SITES)], COMMANDS, str(outs[w]))
        )
        for w in range(TERMINALS)
    ]
    office_out = tmp_path / "office.json"
    office = CTX.Process(target=head_office, args=(db, stop, str(office_out)))
    office.start()
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    stop.set()
    office.join(timeout=120)
    assert office.exitcode == 0

    expected: dict[str, list[str]] = {}
    numbers: dict[str, list[int]] = {site: [] for site in SITES}
    for out in outs:
        result = json.loads(out.read_text())
        assert result["failures"] == []
        assert not set(result["expected"]) & set(expected)  # keys unique across terminals
        expected.update(result["expected"])
        numbers[result["site"]] += [sites.split(int(k))[1] for k in result["expected"]]
    # the numbers of each site count 1, 2, 3 ... whichever terminal took them
    for site, taken in numbers.items():
        assert sorted(taken) == list(range(1, len(taken) + 1)), site
    office_runs = json.loads(office_out.read_text())
    assert office_runs["failures"] == []
    assert office_runs["runs"]["report"] >= 6 and office_runs["runs"]["digest"] >= 9

    # every command's events are there exactly once, in order, and nothing else
    assert _kinds(db) == expected
    total = sum(len(k) for k in expected.values())
    assert total >= TERMINALS * COMMANDS
    chains = _rows(
        db,
        "SELECT chain, count(*), min(chain_seq), max(chain_seq), count(DISTINCT chain_seq) "
        "FROM events GROUP BY chain ORDER BY chain",
    )
    for chain, count, first, last, distinct in chains:
        assert (first, last, distinct) == (1, count, count), chain  # no gap, no fork
    ((events,),) = _rows(db, "SELECT count(*) FROM events")
    assert events == total + 2  # and the two sites added (on the first site's chain)
    assert [c[0] for c in chains] == sorted(SITES)  # one chain per site
    placed = _rows(db, "SELECT DISTINCT chain, complaint_id FROM events WHERE complaint_id > 0")
    assert all(chain == sites.site_of(cid) for chain, cid in placed)  # each on its site's
    heads = _rows(db, "SELECT chain, seq FROM chain_heads ORDER BY chain")
    assert {c: n for c, n in heads if n} == {c[0]: c[3] for c in chains}
    verified = run.json("verify")
    assert (verified["ok"], verified["events"], verified["complaints"]) == (
        True,
        events,
        len(expected),
    )
    by_site = run.json("report", "--month", "2026-03", "--by", "site")
    received = {row["value"]: row["received"] for row in by_site["breakdowns"]["site"]}
    assert received == {site: len(taken) for site, taken in numbers.items()}
