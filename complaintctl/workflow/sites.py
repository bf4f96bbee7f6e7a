"""Sites (项目 / 服务中心, issue 21): adding one and choosing the ledger's default.

Each change is a ledger-wide event in the chain (``site_added``, ``default_site_set``), so
``verify`` can tell a site added by hand from one added by complaintctl."""

from __future__ import annotations

from typing import Any

from complaintctl.domain.errors import DomainError, InvalidInput
from complaintctl.domain.model import Event
from complaintctl.domain.sites import FIRST, normal_code
from complaintctl.domain.vocab import OPEN_STATUSES
from complaintctl.store.ledger import Ledger
from complaintctl.workflow.actor import MAX_SHORT, Actor

MAX_NAME = MAX_SHORT


def add_site(ledger: Ledger, actor: Actor, code: str, name: str) -> str:
    """Add a site; its complaints are numbered from 1."""
    code = normal_code(code, "CODE")
    name = name.strip()
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise InvalidInput("--name", "sites.name_length", most=MAX_NAME)
    with ledger.write() as w:
        w.lock(FIRST)  # the ledger's administration is the first site's chain (store/chain.py)
        if code in ledger.sites():
            raise DomainError("sites.exists", code=code, name=ledger.sites()[code])
        ledger.conn.execute(
            "INSERT INTO sites (code, name, added_at) VALUES (?, ?, ?)", (code, name, actor.epoch)
        )
        w.append(Event("site_added", None, actor.epoch, actor.by, {"code": code, "name": name}))
    return code


def set_default(ledger: Ledger, actor: Actor, code: str) -> str:
    """Make ``code`` the site of commands given no --site and no $COMPLAINTCTL_SITE."""
    code = ledger.known_site(code, "CODE")
    with ledger.write() as w:
        ledger.conn.execute("UPDATE settings SET value = ? WHERE key = 'default_site'", (code,))
        w.append(Event("default_site_set", None, actor.epoch, actor.by, {"code": code}))
    return code


def site_rows(ledger: Ledger) -> list[dict[str, Any]]:
    """Every site with its complaints and open complaints, the default marked."""
    default = ledger.default_site()
    with ledger.reading():
        counts = {
            str(r[0]): (int(r[1]), int(r[2] or 0))
            for r in ledger.query(
                "SELECT site, count(*), sum(CASE WHEN status IN "
                f"({', '.join('?' for _ in OPEN_STATUSES)}) THEN 1 ELSE 0 END) "
                "FROM complaints GROUP BY site",
                OPEN_STATUSES,
            )
        }
        rows = ledger.query("SELECT code, name, added_at FROM sites ORDER BY code")
    out: list[dict[str, Any]] = []
    for r in rows:
        total, open_ = counts.get(str(r["code"]), (0, 0))
        out.append(
            {
                "code": r["code"],
                "name": r["name"],
                "default": r["code"] == default,
                "complaints": total,
                "open": open_,
                "added_at": r["added_at"],
            }
        )
    return out
