"""Finding complaints for ``list``: filters, order and the first page, fast on big ledgers."""

from __future__ import annotations

from typing import Any

from complaintctl.domain.model import Complaint
from complaintctl.domain.vocab import OPEN_STATUSES
from complaintctl.store.ledger import Ledger

Row = tuple[Complaint, str | None, str | None]  # the complaint, name, phone


def find(
    ledger: Ledger,
    *,
    status: str | None = None,
    severity: str | None = None,
    department: str | None = None,
    open_only: bool = False,
    limit: int = 50,
    kind: str | None = None,
) -> list[Row]:
    """Complaints matching every filter given, with the complainant's contact.

    Open complaints come next deadline first (those without one last); otherwise newest
    first.  For the open list, each status's first page is read in deadline order from the
    ``(status, next_due)`` index and the pages are merged, so the cost does not grow with
    the number of open complaints."""
    extra: list[str] = []
    params: list[Any] = []
    if severity is not None:
        extra.append("severity = ?")
        params.append(severity)
    if department is not None:
        extra.append("department = ?")
        params.append(department)
    if kind is not None:
        extra.append("kind = ?")
        params.append(kind)
    select = (
        "SELECT c.*, p.name AS p_name, p.phone AS p_phone FROM complaints c "
        "LEFT JOIN personal p ON p.complaint_id = c.id"
    )
    if open_only:
        statuses = [s for s in OPEN_STATUSES if status in (None, s)]
        if not statuses:
            return []
        cond = "".join(f" AND {e}" for e in extra)
        pages: list[str] = []
        args: list[Any] = []
        for st in statuses:
            for nulls, order in (("IS NOT NULL", "next_due, id"), ("IS NULL", "id")):
                pages.append(
                    f"SELECT id FROM (SELECT id FROM complaints WHERE status = ? "
                    f"AND next_due {nulls}{cond} ORDER BY {order} LIMIT ?)"
                )
                args += [st, *params, limit]
        sql = (
            f"{select} WHERE c.id IN ({' UNION ALL '.join(pages)}) "
            "ORDER BY c.next_due IS NULL, c.next_due, c.id LIMIT ?"
        )
        rows = ledger.query(sql, (*args, limit))
    else:
        where = ([("status = ?")] if status is not None else []) + extra
        values = ([status] if status is not None else []) + params
        clause = f" WHERE {' AND '.join('c.' + w for w in where)}" if where else ""
        rows = ledger.query(f"{select}{clause} ORDER BY c.id DESC LIMIT ?", (*values, limit))
    return [(Complaint.from_row(dict(r)), r["p_name"], r["p_phone"]) for r in rows]
