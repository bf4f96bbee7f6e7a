"""``verify``: prove the ledger was not edited behind the tool's back.

Three checks, all on one read snapshot:

1. the hash chain: sequence numbers contiguous from 1, each ``prev_hash`` equal to the previous
   event's hash, each hash recomputed from the event's own fields;
2. the state: every complaint rebuilt by folding its events with the pure ``model.apply``
   (deadlines travel in the events' data) and compared with its ``complaints`` row field by
   field;
3. the side tables: personal rows against the ``pii`` digest their registered event commits
   to (an erased row needs a ``personal_data_erased`` event), policies and holiday notices
   against the hashes their load events carry, and the append-only triggers still in place.

Each difference names the complaint (or event, policy, notice) and the field.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from complaintctl.domain.errors import InvalidInput, LedgerUnavailable
from complaintctl.domain.model import Complaint, advance
from complaintctl.domain.timeutil import from_epoch
from complaintctl.domain.vocab import MILESTONES
from complaintctl.store import chain as integrity
from complaintctl.store.ledger import APPLICATION_ID, Ledger

HEAD_CHARS = 16
TRIGGERS = ("events_append_only_update", "events_append_only_delete")
_TIME_COLUMNS = frozenset(
    ["received_at", "resolved_at", "followed_up_at", "next_due"]
    + [f"{m}_{part}" for m in MILESTONES for part in ("due", "done")]
)


@dataclass(frozen=True)
class Difference:
    """One thing the log and the tables disagree on."""

    where: str
    field: str
    message: str
    complaint_id: int | None = None
    seq: int | None = None

    def __str__(self) -> str:
        return f"{self.where} {self.field}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "complaint_id": self.complaint_id,
            "seq": self.seq,
            "field": self.field,
            "message": self.message,
            "text": str(self),
        }


@dataclass
class Report:
    events: int = 0
    complaints: int = 0
    head: str = integrity.GENESIS
    head_seq: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        """``ok: N events, M complaints, chain head <prefix>`` (or the count of differences)."""
        if self.ok:
            return (
                f"ok: {self.events} events, {self.complaints} complaints, "
                f"chain head {self.head[:HEAD_CHARS]}"
            )
        return f"verify found {len(self.differences)} difference(s) between the log and the tables"

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "complaints": self.complaints,
            "chain_head": self.head,
            "head_seq": self.head_seq,
            "differences": [d.to_json() for d in self.differences],
        }

    def add(
        self,
        where: str,
        name: str,
        message: str,
        *,
        complaint_id: int | None = None,
        seq: int | None = None,
    ) -> None:
        self.differences.append(Difference(where, name, message, complaint_id, seq))


def _fmt(column: str, value: Any) -> str:
    """A value as people read it: times in local time, nothing as ``nothing``."""
    if value is None:
        return "nothing"
    if column in _TIME_COLUMNS and isinstance(value, int) and not isinstance(value, bool):
        try:
            moment = from_epoch(value)
        except (OverflowError, OSError, ValueError):
            return repr(value)
        return f"{moment:%Y-%m-%d %H:%M:%S}" if moment.second else f"{moment:%Y-%m-%d %H:%M}"
    if isinstance(value, str):
        short = value if len(value) <= 60 else value[:57] + "..."
        return repr(short) if any(ord(ch) < 32 for ch in short) else short
    return str(value) if isinstance(value, int) else repr(value)


def check_anchor(anchor: str) -> str:
    """A recorded chain head (or its first 8+ hex digits), lower-cased."""
    text = anchor.strip().lower()
    if len(text) < 8 or len(text) > 64 or any(ch not in "0123456789abcdef" for ch in text):
        raise InvalidInput("--anchor", f"{anchor!r} is not a hash prefix (8 to 64 hex digits)")
    return text


# -- the checks -----------------------------------------------------------------------------
def verify(conn: sqlite3.Connection, anchors: Sequence[str] = ()) -> Report:
    """Check the ledger behind ``conn`` (autocommit mode) on one read snapshot."""
    wanted = [check_anchor(a) for a in anchors]
    factory = conn.row_factory
    conn.row_factory = sqlite3.Row
    conn.execute("BEGIN")
    try:
        return _verify(conn, wanted)
    finally:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        conn.row_factory = factory


def _verify(conn: sqlite3.Connection, anchors: list[str]) -> Report:
    report = Report()
    events = [dict(r) for r in _rows(conn, "SELECT * FROM events ORDER BY seq")]
    _check_chain(events, report)
    for anchor in anchors:
        if not any(str(e["hash"]).startswith(anchor) for e in events):
            report.add(
                "anchor",
                anchor[:HEAD_CHARS],
                "no event in the log has this hash: the log was rewritten before that point, "
                "or the anchor is from another ledger",
            )
    states = _replay(events, report)
    _compare(conn, states, report)
    _check_personal(conn, events, report)
    _check_ledger_tables(conn, events, report)
    return report


def _rows(conn: sqlite3.Connection, sql: str) -> list[sqlite3.Row]:
    return conn.execute(sql).fetchall()


def _check_chain(events: list[dict[str, Any]], report: Report) -> None:
    prev = integrity.GENESIS
    expected = 1
    for e in events:
        seq = e["seq"]
        where = f"event {seq}"
        if seq != expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected}..{seq - 1}"
            report.add(
                f"event {missing}",
                "seq",
                f"missing from the log (removed; the next event is {seq})",
                seq=expected,
            )
        elif e["prev_hash"] != prev:
            report.add(
                where,
                "prev_hash",
                f"does not link to event {seq - 1}'s hash (an event before it was rewritten)",
                complaint_id=e["complaint_id"],
                seq=seq,
            )
        try:
            recomputed = integrity.event_hash(
                e["prev_hash"],
                seq,
                e["complaint_id"],
                e["kind"],
                e["at"],
                e["recorded_at"],
                e["by"],
                e["data"],
                e["pii"],
            )
        except (TypeError, ValueError):
            recomputed = ""
        if recomputed != e["hash"]:
            who = f" (#{e['complaint_id']} {e['kind']})" if e["complaint_id"] is not None else ""
            report.add(
                where,
                "hash",
                f"does not match the event's content{who}: edited after it was written",
                complaint_id=e["complaint_id"],
                seq=seq,
            )
        prev = e["hash"]
        expected = seq + 1
    report.events = len(events)
    if events:
        report.head = str(events[-1]["hash"])
        report.head_seq = int(events[-1]["seq"])


def _replay(events: list[dict[str, Any]], report: Report) -> dict[int, Complaint | None]:
    """Fold the log with ``apply`` (in place: ``advance``); a complaint whose events cannot be
    replayed maps to None."""
    states: dict[int, Complaint | None] = {}
    for e in events:
        cid = e["complaint_id"]
        if cid is None or (cid in states and states[cid] is None):
            continue
        try:
            data = json.loads(e["data"])
            if not isinstance(data, dict):
                raise ValueError("data is not a JSON object")
            kind = e["kind"]
            if kind == "registered" and cid in states:
                raise ValueError("a second registered event for the same complaint")
            # in place: the states are this fold's own (a failure drops the complaint's)
            states[cid] = advance(states.get(cid), kind, cid, e["at"], data, e["seq"])
        except Exception as exc:  # noqa: BLE001 - any failure to replay is a finding
            report.add(
                f"#{cid}",
                "events",
                f"event {e['seq']} ({e['kind']}) cannot be replayed: {exc}",
                complaint_id=cid,
                seq=e["seq"],
            )
            states[cid] = None
    return states


def _compare(conn: sqlite3.Connection, states: dict[int, Complaint | None], report: Report) -> None:
    table = {int(r["id"]): dict(r) for r in _rows(conn, "SELECT * FROM complaints")}
    report.complaints = len(table)
    for cid in sorted(set(states) | set(table)):
        where = f"#{cid}"
        if cid not in table:
            report.add(
                where, "row", "in the log but missing from the complaints table", complaint_id=cid
            )
            continue
        if cid not in states:
            report.add(
                where,
                "row",
                "in the complaints table but never registered in the log",
                complaint_id=cid,
            )
            continue
        state = states[cid]
        if state is None:
            continue
        actual = table[cid]
        for column, value in state.to_row().items():
            if column not in actual:
                report.add(
                    where, column, "column missing from the complaints table", complaint_id=cid
                )
            elif actual[column] != value or type(actual[column]) is not type(value):
                report.add(
                    where,
                    column,
                    f"log says {_fmt(column, value)}, table says {_fmt(column, actual[column])}",
                    complaint_id=cid,
                )
    last = max(
        (int(r["last_seq"]) for r in table.values() if isinstance(r["last_seq"], int)), default=0
    )
    if last > report.head_seq:
        report.add(
            "log",
            "seq",
            f"the log ends at event {report.head_seq} but the tables were written by event "
            f"{last}: events at the end were removed",
            seq=report.head_seq + 1,
        )


def _check_personal(conn: sqlite3.Connection, events: list[dict[str, Any]], report: Report) -> None:
    registered = {e["complaint_id"]: e for e in events if e["kind"] == "registered"}
    erased = {e["complaint_id"]: e["seq"] for e in events if e["kind"] == "personal_data_erased"}
    personal = {r["complaint_id"]: dict(r) for r in _rows(conn, "SELECT * FROM personal")}
    # a correction of the name or phone commits to the new pair as registering did
    corrected = {
        e["complaint_id"]: e for e in events if e["kind"] == "corrected" and e["pii"] is not None
    }
    for cid, row in sorted(personal.items()):
        where = f"#{cid}"
        event = corrected.get(cid, registered.get(cid))
        stored = [row["name"], row["phone"], row["salt"]]
        if event is None:
            report.add(
                where,
                "personal",
                "personal data for a complaint the log never registered",
                complaint_id=cid,
            )
        elif row["erased_at"] is not None or stored == [None, None, None]:
            if cid not in erased:
                report.add(
                    where,
                    "personal",
                    "name and phone erased without a personal_data_erased event",
                    complaint_id=cid,
                )
            elif stored != [None, None, None]:
                report.add(
                    where,
                    "personal",
                    "marked erased but name/phone/salt still stored",
                    complaint_id=cid,
                )
        elif cid in erased:
            report.add(
                where,
                "personal",
                f"event {erased[cid]} erased the personal data but name/phone are stored again",
                complaint_id=cid,
                seq=erased[cid],
            )
        elif event["pii"] is None:
            report.add(
                where,
                "personal",
                "stored, but the registered event commits to none",
                complaint_id=cid,
            )
        elif _digest(row) != event["pii"]:
            report.add(
                where,
                "personal",
                f"name/phone do not match the digest in the {event['kind']} event {event['seq']}: "
                "edited after registration",
                complaint_id=cid,
                seq=event["seq"],
            )
    for cid, event in sorted(registered.items()):
        if cid not in personal and event["pii"] is not None:
            report.add(
                f"#{cid}",
                "personal",
                f"row missing, but the registered event {event['seq']} commits to one",
                complaint_id=cid,
                seq=event["seq"],
            )


def _digest(row: dict[str, Any]) -> str:
    try:
        return integrity.personal_digest(row["salt"], row["name"], row["phone"])
    except (TypeError, ValueError):
        return ""


def _sha256(text: Any) -> str:
    raw = text.encode() if isinstance(text, str) else bytes(text or b"")
    return hashlib.sha256(raw).hexdigest()


def _check_ledger_tables(
    conn: sqlite3.Connection, events: list[dict[str, Any]], report: Report
) -> None:
    loaded: dict[int, tuple[int, str]] = {}
    notices: Counter[str] = Counter()
    notice_seq: dict[str, int] = {}
    for e in events:
        if e["complaint_id"] is not None or e["kind"] not in ("policy_loaded", "calendar_loaded"):
            continue
        try:
            data = json.loads(e["data"])
            if e["kind"] == "policy_loaded":
                loaded[int(data["version"])] = (e["seq"], str(data["sha256"]))
            else:
                notices[str(data["sha256"])] += 1
                notice_seq[str(data["sha256"])] = e["seq"]
        except (ValueError, KeyError, TypeError):
            report.add(
                f"event {e['seq']}", "data", f"{e['kind']} event is not readable", seq=e["seq"]
            )
    for row in _rows(conn, "SELECT version, sha256, text FROM policies ORDER BY version"):
        where = f"policy v{row['version']}"
        seq_hash = loaded.pop(int(row["version"]), None)
        if seq_hash is None:
            report.add(where, "text", "stored without a policy_loaded event")
        elif _sha256(row["text"]) != seq_hash[1] or row["sha256"] != seq_hash[1]:
            report.add(
                where,
                "text",
                f"does not match the policy_loaded event {seq_hash[0]}: edited after it was loaded",
                seq=seq_hash[0],
            )
    for version, (seq, _) in sorted(loaded.items()):
        report.add(
            f"policy v{version}",
            "row",
            f"loaded by event {seq} but missing from the table",
            seq=seq,
        )
    for row in _rows(conn, "SELECT id, year, text FROM notices ORDER BY id"):
        digest = _sha256(row["text"])
        if notices[digest] > 0:
            notices[digest] -= 1
        else:
            report.add(
                f"notice {row['id']} ({row['year']})",
                "text",
                "matches no calendar_loaded event: edited after it was loaded, or added by hand",
            )
    for digest, count in sorted(notices.items()):
        if count > 0:
            report.add(
                "notice",
                "row",
                f"the calendar_loaded event {notice_seq[digest]} names a notice missing from "
                "the table",
                seq=notice_seq[digest],
            )
    present = {
        r["name"] for r in _rows(conn, "SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    for name in TRIGGERS:
        if name not in present:
            report.add("ledger", "triggers", f"{name} is missing: events are no longer append-only")


# -- files ------------------------------------------------------------------------------------
def verify_file(path: Path, anchors: Sequence[str] = (), *, name: Path | None = None) -> Report:
    """Open a ledger file read-only (a backup, say) and verify it; errors say ``name``."""
    name = name or path
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise LedgerUnavailable(f"ledger {name}: cannot open ({exc})") from exc
    try:
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            raise LedgerUnavailable(f"ledger {name}: not a complaintctl ledger")
        return verify(conn, anchors)
    except sqlite3.Error as exc:
        raise LedgerUnavailable(
            f"ledger {name}: not a readable SQLite ledger ({exc}); restore it from a backup"
        ) from exc
    finally:
        conn.close()


def backup(ledger: Ledger, dest: Path, *, force: bool = False) -> Report:
    """Copy the ledger to ``dest`` with SQLite's online backup API, verify the copy, and only
    then put it in place (owner-only).  A copy that does not verify is not kept."""
    dest = dest.expanduser()
    if dest.is_dir():
        raise InvalidInput("DEST", f"{dest} is a folder; give the backup file's name")
    if dest.exists() and not dest.is_file():
        raise InvalidInput("DEST", f"{dest} exists and is not a regular file")
    if dest.exists() and not force:
        raise InvalidInput("DEST", f"{dest} exists; pass --force to replace it")
    if dest.resolve() == ledger.path.resolve():
        raise InvalidInput("DEST", f"{dest} is the ledger itself")
    partial = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        with ledger.guard():
            ledger.backup(partial)
        report = verify_file(partial, name=ledger.path)
        if report.ok:
            os.chmod(partial, 0o600)
            os.replace(partial, dest)
    except OSError as exc:
        raise LedgerUnavailable(f"backup {dest}: cannot write ({exc.strerror or exc})") from exc
    finally:
        partial.unlink(missing_ok=True)
    return report
