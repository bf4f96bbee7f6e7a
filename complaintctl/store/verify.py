"""``verify``: prove the ledger was not edited behind the tool's back.

Four checks, all on one read snapshot:

1. the hash chains, one per site (store/chain.py): in each chain the positions contiguous from
   1, each ``prev_hash`` equal to the hash of the event before it in the chain, each hash
   recomputed from the event's own fields; the events written before chains (migration 9)
   as the beginning of the first site's chain, by their ``seq``.  The global ``seq`` need not
   be contiguous (a rolled-back write on the server leaves a gap); each chain must be.  The
   newest position and hash of each chain recorded outside the tables (the head file beside
   a SQLite ledger, ``chain_heads`` on the server) must still be in the log;
2. the state: every complaint rebuilt by folding its events with the pure ``model.apply``
   (deadlines travel in the events' data) and compared with its ``complaints`` row field by
   field;
3. the side tables: personal rows against the ``pii`` digest their registered event commits
   to (an erased row needs a ``personal_data_erased`` event), policies and holiday notices
   against the hashes their load events carry, and the append-only triggers still in place;
4. the working-day calendar cached in the ledger, rebuilt from the installed ``holidays``
   package and the notices its key names, and compared day by day.

Each difference names the complaint (or event, policy, notice) and the field.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from complaintctl.domain.errors import CalendarError, InvalidInput, LedgerUnavailable
from complaintctl.domain.labels import EVENT_KINDS
from complaintctl.domain.messages import Msg, Term, render
from complaintctl.domain.model import Complaint, advance
from complaintctl.domain.sites import FIRST, mention
from complaintctl.domain.timeutil import from_epoch
from complaintctl.domain.vocab import MILESTONES
from complaintctl.store import chain as integrity
from complaintctl.store import head as head_file
from complaintctl.store import outfile
from complaintctl.store.head import Head
from complaintctl.store.ledger import APPLICATION_ID, Ledger, explain, holidays_version

HEAD_CHARS = 16
# Events are appended in the order they are recorded, each stamped with the clock of the
# machine writing it; a clock stepped back by NTP moves a few seconds.  Further back than this
# is a finding (docs/operations.md).
RECORDED_TOLERANCE = 300
_WRITE_ERRORS = frozenset(
    ["SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_TRUNCATE", "SQLITE_CANTOPEN"]
)
TRIGGERS = ("events_append_only_update", "events_append_only_delete")
_TIME_COLUMNS = frozenset(
    ["received_at", "resolved_at", "followed_up_at", "next_due", "reopened_at"]
    + [f"{m}_{part}" for m in MILESTONES for part in ("due", "done")]
)


@dataclass(frozen=True)
class Difference:
    """One thing the log and the tables disagree on: where (``#12``, or a message of the
    catalogue such as ``event 812``), the field, and what differs (a message of the catalogue,
    keys ``verify.diff.*``).  People read it in their language (:attr:`line`); ``str`` and
    ``--json`` give it in English, the same words whatever ``--lang`` says."""

    where: str | Msg
    field: str
    said: Msg
    complaint_id: int | None = None
    seq: int | None = None

    @property
    def line(self) -> Msg:
        """``event 812 hash: does not match ...`` as a message, for the CLI to render."""
        return Msg("verify.line", {"where": self.where, "field": self.field, "said": self.said})

    @property
    def message(self) -> str:
        return render(self.said.key, self.said.params, "en")

    def __str__(self) -> str:
        return render(self.line.key, self.line.params, "en")

    def to_json(self) -> dict[str, Any]:
        where = self.where
        return {
            "where": where if isinstance(where, str) else render(where.key, where.params, "en"),
            "complaint_id": self.complaint_id,
            "seq": self.seq,
            "field": self.field,
            "message": self.message,
            "text": str(self),
        }


@dataclass
class ChainHead:
    """What verify found of one chain: its events, and its newest (position, hash, seq)."""

    events: int = 0
    position: int = 0
    hash: str = integrity.GENESIS
    seq: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"events": self.events, "head": self.hash, "head_position": self.position,
                "head_seq": self.seq}  # fmt: skip


@dataclass
class Report:
    events: int = 0
    complaints: int = 0
    head: str = integrity.GENESIS  # the newest event's (by seq), of whichever chain
    head_seq: int = 0
    differences: list[Difference] = field(default_factory=list)
    head_file: int | None = None  # the newest event the head file records, when one was checked
    chains: dict[str, ChainHead] = field(default_factory=dict)  # by site code

    @property
    def ok(self) -> bool:
        return not self.differences

    def chain_lines(self) -> list[Msg]:
        """Each site's chain head, when the log holds more than one chain: the anchor to
        write down per centre (``verify --anchor`` takes any of them)."""
        if len(self.chains) < 2:
            return []
        return [
            Msg(
                "verify.chain_head",
                {"chain": code, "head": head.hash[:HEAD_CHARS], "events": head.events},
            )
            for code, head in sorted(self.chains.items())
        ]

    def summary(self) -> Msg:
        """``ok: N events, M complaints, chain head <prefix>`` (or the count of differences)."""
        if self.ok:
            return Msg(
                "verify.ok",
                {
                    "events": self.events,
                    "complaints": self.complaints,
                    "head": self.head[:HEAD_CHARS],
                },
            )
        return Msg("verify.differences", {"count": len(self.differences)})

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "complaints": self.complaints,
            "chain_head": self.head,
            "head_seq": self.head_seq,
            "head_file_seq": self.head_file,
            "chains": {code: chain.to_json() for code, chain in sorted(self.chains.items())},
            "differences": [d.to_json() for d in self.differences],
        }

    def add(
        self,
        where: str | Msg,
        name: str,
        message: Msg,
        *,
        complaint_id: int | None = None,
        seq: int | None = None,
    ) -> None:
        self.differences.append(Difference(where, name, message, complaint_id, seq))


def _fmt(column: str, value: Any) -> str | Msg:
    """A value as people read it: times in local time, nothing as ``nothing``."""
    if value is None:
        return Msg("verify.value.nothing")
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


def _gap(seconds: int) -> Msg:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return Msg("verify.gap.days", {"days": days, "hours": hours})
    if hours:
        return Msg("verify.gap.hours", {"hours": hours, "minutes": minutes})
    return Msg("verify.gap.minutes", {"minutes": minutes})


def _kind(kind: Any) -> Term:
    """An event's kind: its code in English (as ``--json`` has always said it), its label in
    Chinese."""
    return Term(str(kind), EVENT_KINDS.get(str(kind), (str(kind),))[0])


def _event(seq: int | str) -> Msg:
    """``event 812`` (or ``event 3..5``) where a difference is."""
    return Msg("verify.where.event", {"seq": seq})


def check_anchor(anchor: str) -> str:
    """A recorded chain head (or its first 8+ hex digits), lower-cased."""
    text = anchor.strip().lower()
    if len(text) < 8 or len(text) > 64 or any(ch not in "0123456789abcdef" for ch in text):
        raise InvalidInput("--anchor", "verify.is_not_a_hash_prefix_to", anchor=anchor)
    return text


# -- the checks -----------------------------------------------------------------------------
def recorded_head(ledger: Path) -> list[Head] | Msg | None:
    """The head file of ``ledger`` (read before the snapshot is taken: every event it names
    was committed before), the reason it cannot be read, or None when there is none."""
    try:
        return head_file.read(ledger)
    except head_file.Unreadable as exc:
        return exc.reason


def verify_ledger(ledger: Any, anchors: Sequence[str] = ()) -> Report:
    """``verify`` of an open ledger (either kind: its head file, or its ``chain_heads``),
    one snapshot, streaming."""
    recorded = recorded_head(ledger.path)  # before the snapshot
    with ledger.guard(), ledger.streaming():
        return verify(
            ledger.conn,
            anchors,
            recorded,
            triggers_sql=ledger.TRIGGERS_SQL,
            heads_sql=ledger.HEADS_SQL,
        )


def verify(
    conn: sqlite3.Connection,
    anchors: Sequence[str] = (),
    recorded: list[Head] | Msg | None = None,
    *,
    triggers_sql: str = Ledger.TRIGGERS_SQL,
    heads_sql: str | None = None,
) -> Report:
    """Check the ledger behind ``conn`` (autocommit mode) on one read snapshot; ``recorded``
    is what :func:`recorded_head` found beside it, read before this call; ``triggers_sql``
    names the triggers on the events (the ledger's ``TRIGGERS_SQL``); ``heads_sql`` reads
    the chain heads kept in the ledger itself (``chain, seq, hash``: the server's
    ``chain_heads``), which must match the chains exactly."""
    wanted = [check_anchor(a) for a in anchors]
    factory = conn.row_factory
    conn.row_factory = sqlite3.Row
    conn.execute("BEGIN")
    try:
        report = _verify(conn, wanted, triggers_sql)
        _check_head(recorded, report, conn)
        if heads_sql is not None:
            kept = [Head(int(r[1]), str(r[2]), str(r[0])) for r in _rows(conn, heads_sql)]
            _check_heads(kept, report, conn, Msg("verify.source.chain_heads"), exact=True)
        return report
    finally:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        conn.row_factory = factory


def _verify(conn: sqlite3.Connection, anchors: list[str], triggers_sql: str) -> Report:
    """Two streaming passes over the log (in chain order, then complaint by complaint with the
    tables beside it), so memory stays flat however large the ledger (docs/performance.md)."""
    report = Report()
    found: set[str] = set()
    system: list[dict[str, Any]] = []  # events of no complaint (policies, notices): a few

    def in_chain_order() -> Iterator[dict[str, Any]]:
        """The events before chains by seq, then each chain by position (its index)."""
        for sql in (
            "SELECT * FROM events WHERE chain IS NULL ORDER BY seq",
            "SELECT * FROM events WHERE chain IS NOT NULL ORDER BY chain, chain_seq",
        ):
            for row in conn.execute(sql):
                e = dict(row)
                for anchor in anchors:
                    if anchor not in found and str(e["hash"]).startswith(anchor):
                        found.add(anchor)
                if e["complaint_id"] is None:
                    system.append(e)
                yield e

    _check_chain(in_chain_order(), report)
    system.sort(key=lambda e: e["seq"])  # the log's order: the last default_site_set wins
    for anchor in anchors:
        if anchor not in found:
            report.add(Msg("verify.where.anchor"), anchor[:HEAD_CHARS], Msg("verify.diff.anchor"))
    _check_complaints(conn, report)
    _check_ledger_tables(conn, system, report, triggers_sql)
    _check_sites(conn, system, report)
    _check_calendar_cache(conn, report)
    return report


def _check_head(
    recorded: list[Head] | Msg | None, report: Report, conn: sqlite3.Connection
) -> None:
    """The newest event of each chain the head file names must still be in its chain, with
    its hash (a head file written before chains names one event by seq)."""
    if recorded is None:
        return
    if isinstance(recorded, Msg):
        report.add(
            Msg("verify.where.head_file"),
            "head",
            Msg("verify.diff.head_unreadable", {"why": recorded}),
        )
        return
    seqs: list[int] = []
    for old in (h for h in recorded if h.chain is None):
        seqs.append(old.seq)
        row = conn.execute("SELECT hash FROM events WHERE seq = ?", (old.seq,)).fetchone()
        if row is None and old.seq > report.head_seq:
            report.add(
                _event(f"{report.head_seq + 1}..{old.seq}"),
                "seq",
                Msg(
                    "verify.diff.head_removed",
                    {"seq": old.seq, "hash": old.hash[:HEAD_CHARS], "last": report.head_seq},
                ),
                seq=report.head_seq + 1,
            )
        elif row is None or row["hash"] != old.hash:
            report.add(
                _event(old.seq),
                "hash",
                Msg("verify.diff.head_rewritten", {"hash": old.hash[:HEAD_CHARS]}),
                seq=old.seq,
            )
    seqs += _check_heads(
        [h for h in recorded if h.chain], report, conn, Msg("verify.source.head_file")
    )
    report.head_file = max(seqs, default=0)


def event_at(conn: sqlite3.Connection, chain: str, position: int) -> tuple[int, str] | None:
    """(seq, hash) of the event at ``position`` of ``chain``."""
    row = conn.execute(
        "SELECT seq, hash FROM events WHERE chain = ? AND chain_seq = ?", (chain, position)
    ).fetchone()
    if row is None and chain == FIRST:  # the events before chains begin the first site's
        row = conn.execute(
            "SELECT seq, hash FROM events WHERE chain IS NULL AND seq = ?", (position,)
        ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def _check_heads(
    heads: list[Head], report: Report, conn: sqlite3.Connection, source: Msg, *, exact: bool = False
) -> list[int]:
    """Each chain's recorded head (``source``: the head file, at most as new as the log;
    ``chain_heads``, written in the same transaction as the events, ``exact``) against the
    chain as verify walked it; the seqs of the events found."""
    seqs: list[int] = []
    for recorded in heads:
        chain = str(recorded.chain)
        have = report.chains.get(chain, ChainHead())
        short = recorded.hash[:HEAD_CHARS]
        if recorded.seq == 0:
            found = None if have.position else (0, integrity.GENESIS)
        else:
            found = event_at(conn, chain, recorded.seq)
        if found is None and recorded.seq > have.position:
            report.add(
                Msg(
                    "verify.where.chain_position",
                    {"chain": chain, "position": f"{have.position + 1}..{recorded.seq}"},
                ),
                "chain_seq",
                Msg(
                    "verify.diff.chain_removed",
                    {
                        "source": source,
                        "position": recorded.seq,
                        "hash": short,
                        "last": have.position,
                        "chain": chain,
                    },
                ),
            )
            continue
        if found is not None and found[1] == recorded.hash:
            seqs.append(found[0])
            if exact and have.position > recorded.seq:
                report.add(
                    Msg("verify.where.chain", {"chain": chain}),
                    "chain_seq",
                    Msg(
                        "verify.diff.chain_behind",
                        {"source": source, "position": recorded.seq, "last": have.position},
                    ),
                )
            continue
        report.add(
            Msg("verify.where.chain_position", {"chain": chain, "position": recorded.seq}),
            "hash",
            Msg("verify.diff.chain_rewritten", {"source": source, "hash": short}),
            seq=found[0] if found else None,
        )
    if exact:
        named = {h.chain for h in heads}
        for chain in sorted(set(report.chains) - named):
            report.add(
                Msg("verify.where.chain", {"chain": chain}),
                "chain_seq",
                Msg("verify.diff.chain_unrecorded", {"source": source}),
            )
    return seqs


def _rows(conn: sqlite3.Connection, sql: str) -> list[sqlite3.Row]:
    return conn.execute(sql).fetchall()


@dataclass
class _Walk:
    """One chain as the walk has reached it."""

    head: ChainHead
    prev_seq: int = 0
    latest: tuple[int, int] | None = None  # (recorded_at, seq) of the latest-recorded so far
    chained: bool = False  # an event with a chain column seen (after the legacy ones)


def _check_chain(events: Iterable[dict[str, Any]], report: Report) -> None:
    """Each chain in its order: positions, links, hashes, recording times."""
    walks: dict[str, _Walk] = {}
    count = 0
    newest: dict[str, Any] | None = None
    for e in events:
        seq = e["seq"]
        where = _event(seq)
        legacy = e["chain"] is None
        chain = FIRST if legacy else str(e["chain"])
        position = seq if legacy else e["chain_seq"]
        walk = walks.get(chain)
        if walk is None:
            walk = walks[chain] = _Walk(report.chains.setdefault(chain, ChainHead()))
        head = walk.head
        if not legacy and not walk.chained:
            walk.chained = True
            if head.seq > seq:  # an event before chains, after the first site's chain began
                report.add(
                    _event(head.seq),
                    "chain",
                    Msg("verify.diff.unchained_after", {"seq": seq, "chain": chain}),
                    seq=head.seq,
                )
        cid = e["complaint_id"]
        if not legacy and isinstance(cid, int) and integrity.chain_of(cid) != chain:
            report.add(
                where,
                "chain",
                Msg(
                    "verify.diff.wrong_chain",
                    {"chain": chain, "complaint": _mention(cid), "site": integrity.chain_of(cid)},
                ),
                complaint_id=cid,
                seq=seq,
            )
        recorded = e["recorded_at"]
        latest = walk.latest
        if isinstance(recorded, int) and not isinstance(recorded, bool):
            if latest is not None and recorded < latest[0] - RECORDED_TOLERANCE:
                report.add(
                    where,
                    "recorded_at",
                    Msg(
                        "verify.diff.recorded_back",
                        {
                            "at": _fmt("received_at", recorded),
                            "gap": _gap(latest[0] - recorded),
                            "seq": latest[1],
                            "then": _fmt("received_at", latest[0]),
                        },
                    ),
                    complaint_id=cid,
                    seq=seq,
                )
            if latest is None or recorded >= latest[0]:
                walk.latest = (recorded, seq)
        expected = head.position + 1
        if position != expected:
            missing = f"{expected}" if position == expected + 1 else f"{expected}..{position - 1}"
            report.add(
                Msg("verify.where.chain_position", {"chain": chain, "position": missing}),
                "chain_seq",
                Msg("verify.diff.chain_seq_missing", {"seq": seq, "position": position}),
                seq=seq,
            )
        elif e["prev_hash"] != head.hash:
            before = (
                Msg("verify.diff.prev_hash", {"seq": walk.prev_seq})
                if walk.prev_seq
                else Msg("verify.diff.prev_start")
            )
            report.add(
                where,
                "prev_hash",
                before,
                complaint_id=cid,
                seq=seq,
            )
        formula = integrity.event_hash if legacy else integrity.chained_hash
        try:
            recomputed = formula(
                e["prev_hash"], position, cid, e["kind"], e["at"], e["recorded_at"], e["by"],
                e["data"], e["pii"],
            )  # fmt: skip
        except (TypeError, ValueError):
            recomputed = ""
        if recomputed != e["hash"]:
            who = (
                ""
                if cid is None
                else Msg("verify.diff.who", {"id": _mention(cid), "kind": _kind(e["kind"])})
            )
            report.add(
                where,
                "hash",
                Msg("verify.diff.hash", {"who": who}),
                complaint_id=cid,
                seq=seq,
            )
        head.hash, head.position, head.seq = e["hash"], position, seq
        head.events += 1
        walk.prev_seq = seq
        count += 1
        if newest is None or seq > newest["seq"]:
            newest = e
    report.events = count
    if newest is not None:
        report.head = str(newest["hash"])
        report.head_seq = int(newest["seq"])


def _mention(cid: Any) -> str:
    """``#123``, ``#YG-123``: a complaint as people name it (domain/sites.mention)."""
    return mention(cid) if isinstance(cid, int) and cid > 0 else f"#{cid}"


def _check_complaints(conn: sqlite3.Connection, report: Report) -> None:
    """Each complaint's events (by the ``events_by_complaint`` index), its ``complaints`` row
    and its ``personal`` row, read side by side in complaint order: one complaint in memory at
    a time.  The findings come out in the order of the checks: replays (by event), rows (by
    complaint), personal data."""
    replays: list[Difference] = []
    rows: list[Difference] = []
    people: list[Difference] = []
    missing: list[Difference] = []
    events = groupby(
        (dict(r) for r in conn.execute(
            "SELECT * FROM events WHERE complaint_id IS NOT NULL ORDER BY complaint_id, seq"
        )),
        key=lambda e: e["complaint_id"],
    )  # fmt: skip
    tables = ((r["id"], dict(r)) for r in conn.execute("SELECT * FROM complaints ORDER BY id"))
    personal = (
        (r["complaint_id"], dict(r))
        for r in conn.execute("SELECT * FROM personal ORDER BY complaint_id")
    )
    streams: list[Iterator[tuple[Any, Any]]] = [iter(events), tables, personal]
    heads: list[tuple[Any, Any] | None] = [next(it, None) for it in streams]
    last = 0
    while any(h is not None for h in heads):
        cid = min(h[0] for h in heads if h is not None)
        taken: list[Any] = [None, None, None]
        for i, h in enumerate(heads):
            if h is not None and h[0] == cid:
                taken[i] = list(h[1]) if i == 0 else h[1]
                heads[i] = next(streams[i], None)
        log, row, person = taken
        if row is not None:
            report.complaints += 1
            if isinstance(row["last_seq"], int):
                last = max(last, row["last_seq"])
        state = _fold(cid, log, replays) if log is not None else None
        _compare_row(cid, log is not None, state, row, rows)
        _check_person(cid, log or [], person, people, missing)
    if last > report.head_seq:
        rows.append(
            Difference(
                "log",
                "seq",
                Msg("verify.diff.tail_removed", {"seq": report.head_seq, "last": last}),
                None,
                report.head_seq + 1,
            )
        )
    replays.sort(key=lambda d: d.seq or 0)
    report.differences += replays + rows + people + missing


def _fold(cid: int, events: list[dict[str, Any]], out: list[Difference]) -> Complaint | None:
    """Fold one complaint's events with ``apply`` (in place: ``advance``); None when they
    cannot be replayed."""
    state: Complaint | None = None
    for n, e in enumerate(events):
        try:
            data = json.loads(e["data"])
            if not isinstance(data, dict):
                raise ValueError("data is not a JSON object")
            kind = e["kind"]
            if kind == "registered" and n > 0:
                raise ValueError("a second registered event for the same complaint")
            # in place: the state is this fold's own (a failure drops the complaint's)
            state = advance(state, kind, cid, e["at"], data, e["seq"])
        except Exception as exc:  # noqa: BLE001 - any failure to replay is a finding
            out.append(
                Difference(
                    _mention(cid),
                    "events",
                    Msg(
                        "verify.diff.replay",
                        {"seq": e["seq"], "kind": _kind(e["kind"]), "exc": str(exc)},
                    ),
                    cid,
                    e["seq"],
                )
            )
            return None
    return state


def _compare_row(
    cid: int,
    logged: bool,
    state: Complaint | None,
    actual: dict[str, Any] | None,
    out: list[Difference],
) -> None:
    where = _mention(cid)
    if actual is None:
        out.append(Difference(where, "row", Msg("verify.diff.row_missing"), cid))
        return
    if not logged:
        out.append(Difference(where, "row", Msg("verify.diff.row_unregistered"), cid))
        return
    if state is None:
        return
    for column, value in state.to_row().items():
        if column not in actual:
            out.append(Difference(where, column, Msg("verify.diff.column_missing"), cid))
        elif actual[column] != value or type(actual[column]) is not type(value):
            out.append(
                Difference(
                    where,
                    column,
                    Msg(
                        "verify.diff.says",
                        {"log": _fmt(column, value), "table": _fmt(column, actual[column])},
                    ),
                    cid,
                )
            )


def _check_person(
    cid: int,
    events: list[dict[str, Any]],
    row: dict[str, Any] | None,
    out: list[Difference],
    missing: list[Difference],
) -> None:
    """The personal row against the digest its registered event commits to, or the last
    correction of the name or phone (``edit``, issue 14), which commits to the new pair."""
    registered = [e for e in events if e["kind"] == "registered"]
    commits = [
        e
        for e in events
        if e["kind"] == "registered" or (e["kind"] == "corrected" and e["pii"] is not None)
    ]
    event = commits[-1] if registered else None
    erased_seqs = [e["seq"] for e in events if e["kind"] == "personal_data_erased"]
    erased = erased_seqs[-1] if erased_seqs else None
    where = _mention(cid)
    if row is None:
        if event is not None and event["pii"] is not None:
            missing.append(
                Difference(
                    where,
                    "personal",
                    Msg("verify.diff.personal_missing", {"seq": event["seq"]}),
                    cid,
                    event["seq"],
                )
            )
        return
    stored = [row["name"], row["phone"], row["salt"]]
    if event is None:
        out.append(Difference(where, "personal", Msg("verify.diff.personal_unregistered"), cid))
    elif row["erased_at"] is not None or stored == [None, None, None]:
        if erased is None:
            out.append(
                Difference(
                    where,
                    "personal",
                    Msg("verify.diff.personal_erased_no_event"),
                    cid,
                )
            )
        elif stored != [None, None, None]:
            out.append(Difference(where, "personal", Msg("verify.diff.personal_still_stored"), cid))
    elif erased is not None:
        out.append(
            Difference(
                where,
                "personal",
                Msg("verify.diff.personal_stored_again", {"seq": erased}),
                cid,
                erased,
            )
        )
    elif event["pii"] is None:
        out.append(Difference(where, "personal", Msg("verify.diff.personal_uncommitted"), cid))
    elif _digest(row) != event["pii"]:
        out.append(
            Difference(
                where,
                "personal",
                Msg(
                    "verify.diff.personal_digest",
                    {"kind": _kind(event["kind"]), "seq": event["seq"]},
                ),
                cid,
                event["seq"],
            )
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
    conn: sqlite3.Connection, events: list[dict[str, Any]], report: Report, triggers_sql: str
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
                _event(e["seq"]),
                "data",
                Msg("verify.diff.data_unreadable", {"kind": e["kind"]}),
                seq=e["seq"],
            )
    for row in _rows(conn, "SELECT version, sha256, text FROM policies ORDER BY version"):
        where = Msg("verify.where.policy", {"version": row["version"]})
        seq_hash = loaded.pop(int(row["version"]), None)
        if seq_hash is None:
            report.add(where, "text", Msg("verify.diff.policy_no_event"))
        elif _sha256(row["text"]) != seq_hash[1] or row["sha256"] != seq_hash[1]:
            report.add(
                where,
                "text",
                Msg("verify.diff.policy_edited", {"seq": seq_hash[0]}),
                seq=seq_hash[0],
            )
    for version, (seq, _) in sorted(loaded.items()):
        report.add(
            Msg("verify.where.policy", {"version": version}),
            "row",
            Msg("verify.diff.policy_missing", {"seq": seq}),
            seq=seq,
        )
    # a notice loaded in two centres' ledgers is one row once both are in one server
    # (``migrate --site`` copies a text the server lacks): at least one row per text loaded
    # and no more rows than loads
    stored: Counter[str] = Counter()
    for row in _rows(conn, "SELECT id, year, text FROM notices ORDER BY id"):
        digest = _sha256(row["text"])
        stored[digest] += 1
        if stored[digest] > notices[digest]:
            report.add(
                Msg("verify.where.notice_row", {"id": row["id"], "year": row["year"]}),
                "text",
                Msg("verify.diff.notice_edited"),
            )
    for digest, count in sorted(notices.items()):
        if count > 0 and not stored[digest]:
            report.add(
                Msg("verify.where.notice"),
                "row",
                Msg("verify.diff.notice_missing", {"seq": notice_seq[digest]}),
                seq=notice_seq[digest],
            )
    present = {r["name"] for r in _rows(conn, triggers_sql)}
    for name in TRIGGERS:
        if name not in present:
            report.add(
                Msg("verify.where.ledger"), "triggers", Msg("verify.diff.trigger", {"name": name})
            )


def _check_sites(conn: sqlite3.Connection, events: list[dict[str, Any]], report: Report) -> None:
    """Sites (issue 21): each row of ``sites`` added by a ``site_added`` event (but the first
    site, made by the migration), the default site the one the last ``default_site_set``
    event chose, and each policy's site the one its ``policy_loaded`` event names."""
    added: dict[str, tuple[int, str]] = {}
    default, policy_site = FIRST, {}
    for e in events:
        # a site's own chain holds ledger events only when copied from a centre's ledger
        # (``migrate --site``): its policies are that site's; its other settings not the
        # server's
        chain = e.get("chain") or FIRST
        try:
            data = json.loads(e["data"])
            if e["kind"] == "site_added" and chain == FIRST:
                added[str(data["code"])] = (e["seq"], str(data["name"]))
            elif e["kind"] == "default_site_set" and chain == FIRST:
                default = str(data["code"])
            elif e["kind"] == "policy_loaded":
                own = data.get("site") or (None if chain == FIRST else chain)
                policy_site[int(data["version"])] = own
        except (ValueError, KeyError, TypeError):
            continue  # reported by _check_ledger_tables, or a kind it reads too
    for row in _rows(conn, "SELECT code, name FROM sites ORDER BY code"):
        seq_name = added.pop(str(row["code"]), None)
        if seq_name is None and row["code"] != FIRST:
            report.add(
                Msg("verify.where.site", {"site": row["code"]}),
                "row",
                Msg("verify.diff.site_no_event"),
            )
        elif seq_name is not None and seq_name[1] != row["name"]:
            report.add(
                Msg("verify.where.site", {"site": row["code"]}),
                "name",
                Msg("verify.diff.site_edited", {"seq": seq_name[0]}),
                seq=seq_name[0],
            )
    for code, (seq, _) in sorted(added.items()):
        report.add(
            Msg("verify.where.site", {"site": code}),
            "row",
            Msg("verify.diff.site_missing", {"seq": seq}),
            seq=seq,
        )
    stored = _rows(conn, "SELECT value FROM settings WHERE key = 'default_site'")
    if not stored or stored[0]["value"] != default:
        report.add(
            Msg("verify.where.ledger"),
            "default site",
            Msg("verify.diff.default_site", {"site": default}),
        )
    for row in _rows(conn, "SELECT version, site FROM policies ORDER BY version"):
        version = int(row["version"])
        if version in policy_site and policy_site[version] != row["site"]:
            report.add(
                Msg("verify.where.policy", {"version": version}),
                "site",
                Msg(
                    "verify.diff.policy_site",
                    {
                        "site": row["site"] or Msg("verify.value.every_site"),
                        "loaded": policy_site[version] or Msg("verify.value.every_site"),
                    },
                ),
            )


def _check_calendar_cache(conn: sqlite3.Connection, report: Report) -> None:
    """Each cached working-day calendar the installed ``holidays`` could have built is built
    again from the package and the notices its key names, and compared day by day (a cache
    edited to make December non-working would move every deadline counted across it)."""
    rows = _rows(conn, "SELECT key, data FROM calendar_cache ORDER BY key")
    if not rows:
        return
    # start-up: the calendar module and the holidays package only when there is a cache
    from complaintctl.time.calendar import (
        DEFAULT_FIRST_YEAR,
        DEFAULT_LAST_YEAR,
        WorkCalendar,
        build_calendar,
        parse_notice,
    )

    texts = {int(r["id"]): str(r["text"]) for r in _rows(conn, "SELECT id, text FROM notices")}
    version = holidays_version()
    for row in rows:
        key = str(row["key"])
        where = Msg("verify.where.calendar_cache", {"key": key})
        package, bar, listed = key.partition("|")
        if not bar or not all(part.isdigit() for part in listed.split(",") if part):
            report.add(where, "key", Msg("verify.diff.cache_key"))
            continue
        if package != version:
            continue  # another package version's: never read while this one is installed
        ids = [int(part) for part in listed.split(",") if part]
        missing = [str(i) for i in ids if i not in texts]
        if missing:
            report.add(where, "key", Msg("verify.diff.cache_notices", {"ids": missing}))
            continue
        try:
            built = build_calendar(
                DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR, [parse_notice(texts[i]) for i in ids]
            )
        except CalendarError as exc:
            report.add(where, "key", Msg("verify.diff.cache_rebuild", {"exc": exc}))
            continue
        try:
            cached = WorkCalendar.from_dict(json.loads(row["data"]))
        except (CalendarError, ValueError, TypeError, AttributeError) as exc:
            report.add(where, "data", Msg("verify.diff.cache_unreadable", {"exc": exc}))
            continue
        if cached == built:
            continue
        span = built.changed_span(cached)
        if span is not None:
            days = span[0].isoformat() + ("" if span[0] == span[1] else f"..{span[1]}")
            detail = Msg("verify.diff.cache_days", {"days": days})
        else:
            detail = Msg("verify.diff.cache_names")
        report.add(
            where,
            "data",
            Msg("verify.diff.cache_differs", {"source": built.source, "detail": detail}),
        )


# -- files ------------------------------------------------------------------------------------
def verify_file(
    path: Path,
    anchors: Sequence[str] = (),
    *,
    name: Path | None = None,
    recorded: list[Head] | Msg | None = None,
) -> Report:
    """Open a ledger file read-only (a backup, say) and verify it; errors say ``name``."""
    name = name or path
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise LedgerUnavailable("verify.ledger_cannot_open", name=name, exc=exc) from exc
    try:
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            raise LedgerUnavailable("verify.ledger_not_a_complaintctl_ledger", name=name)
        return verify(conn, anchors, recorded)
    except sqlite3.Error as exc:
        raise LedgerUnavailable(
            "verify.ledger_not_a_readable_sqlite_ledger", name=name, exc=exc
        ) from exc
    finally:
        conn.close()


def backup(ledger: Ledger, dest: Path, *, force: bool = False) -> Report:
    """Copy the ledger to ``dest`` with SQLite's online backup API, verify the copy, and only
    then put it in place (owner-only, through :mod:`complaintctl.store.outfile`: never onto
    the ledger or its WAL files, never through a symbolic link).  A copy that does not verify
    is not kept; a full disk names ``dest``."""
    dest = dest.expanduser()
    if dest.is_dir():
        raise InvalidInput("DEST", "verify.is_a_folder_give_the_backup", dest=dest)
    if dest.exists() and not dest.is_file():
        raise InvalidInput("DEST", "verify.exists_and_is_not_a_regular", dest=dest)
    outfile.check_output(dest, ledger.path, "DEST")
    if dest.exists() and not force:
        raise InvalidInput("DEST", "verify.exists_pass_force_to_replace_it", dest=dest)
    report = Report()
    recorded = recorded_head(ledger.path)  # before the copy: the copy holds every event it names
    with outfile.replacing(dest, "DEST", ledger.path) as partial:
        copy_to(ledger, partial, dest)
        report = verify_file(partial, name=ledger.path, recorded=recorded)
        if not report.ok:
            outfile.discard()
    return report


def copy_to(ledger: Ledger, partial: Path, dest: Path) -> None:
    """The online backup into ``partial``; a failure on the copy's side names ``dest``."""
    try:
        ledger.backup(partial)
    except sqlite3.Error as exc:
        # only the copy is written: a write error (a full disk, a file size limit) is the
        # copy's; the ledger is only read
        name = getattr(exc, "sqlite_errorname", "")
        if outfile.is_full(exc) or name == "SQLITE_FULL":
            raise InvalidInput("DEST", "verify.cannot_write_the_disk_is_full", dest=dest) from exc
        if name in _WRITE_ERRORS:
            raise InvalidInput(
                "DEST",
                "verify.cannot_write_full_disk_or_size",
                dest=dest,
                exc=exc,
            ) from exc
        raise explain(exc, ledger.path) from exc
