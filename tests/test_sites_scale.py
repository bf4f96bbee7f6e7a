"""Sites at head-office scale (issue 21, item 5): what the 10 x 100,000 bench found."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.backends


def test_a_report_as_of_rebuilds_another_sites_complaints(run):
    """report --as-of rebuilds the complaints changed since in a temporary table of their
    keys; a site's keys pass 2**31 (domain/sites.py), which PostgreSQL's INTEGER does not
    hold ('integer out of range' before)."""
    run.ok("site", "add", "YG", "--name", "阳光花园")
    run.ok(
        "register", "--site", "YG", "--channel", "电话", "--name", "张三",
        "--phone", "13812345678", "--unit", "1-101", "--description", "漏水",
        "--severity", "minor", "--at", "2026-03-02 09:00",
    )  # fmt: skip
    run.ok("close", "YG-1", "--resolution", "已修好", "--at", "2026-03-04 10:00")
    then = run.json("report", "--month", "2026-03", "--as-of", "2026-03-03 12:00")
    now = run.json("report", "--month", "2026-03", "--as-of", "2026-03-31 12:00")
    assert (then["total"], then["pending"], then["timely"]) == (1, 1, 0)
    assert (now["total"], now["pending"], now["timely"]) == (1, 0, 1)


@pytest.mark.parametrize(
    ("values", "joined"),
    [(("'a'", "NULL", "'b'", "'c'"), "a,b,c"), (("NULL", "NULL"), None), (("''",), "")],
)
def test_group_concat_skips_nulls_and_keeps_the_order(db, values, joined):
    """The monthly report's one aggregate (reports/monthly.py): migration 10 made it linear on
    PostgreSQL (an array joined at the end), with SQLite's answers."""
    from complaintctl.store.backend import open_ledger

    rows = " UNION ALL ".join(f"SELECT {i} AS n, {v} AS x" for i, v in enumerate(values))
    ledger = open_ledger(str(db))
    try:
        sql = f"SELECT group_concat(x) FROM (SELECT x FROM ({rows}) AS u ORDER BY n) AS t"
        assert ledger.query(sql)[0][0] == joined
    finally:
        ledger.close()
