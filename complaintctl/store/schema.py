"""Numbered migrations.  ``PRAGMA user_version`` holds the number applied; the ledger applies
the missing ones in one transaction when it opens (after a backup beside the file)."""

from __future__ import annotations

_MILESTONE_COLUMNS = "\n".join(
    f"    {m}_due INTEGER,\n    {m}_done INTEGER,"
    for m in ("respond", "assign", "plan", "resolve", "update")
)

MIGRATIONS: list[str] = [
    # 1: the event log, the current state, personal data apart, policies, notices, caches.
    f"""
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    complaint_id INTEGER,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    by TEXT NOT NULL,
    data TEXT NOT NULL,
    pii TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX events_by_complaint ON events(complaint_id, seq);
CREATE INDEX events_by_kind ON events(kind, at);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE personal (
    complaint_id INTEGER PRIMARY KEY,
    name TEXT,
    phone TEXT,
    salt TEXT,
    erased_at INTEGER
);

CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    received_month TEXT NOT NULL,
    channel TEXT NOT NULL,
    unit TEXT NOT NULL,
    location TEXT,
    description TEXT NOT NULL,
    category TEXT,
    severity TEXT,
    nature TEXT,
    department TEXT,
    handler TEXT,
    status TEXT NOT NULL,
    satisfaction TEXT,
    resolution TEXT,
    resolved_at INTEGER,
    followed_up_at INTEGER,
    reopen_count INTEGER NOT NULL DEFAULT 0,
    extension_count INTEGER NOT NULL DEFAULT 0,
    escalation_level TEXT,
    escalations TEXT NOT NULL DEFAULT '[]',
    duplicate_of INTEGER,
    collective_of INTEGER,
    policy_version INTEGER NOT NULL,
{_MILESTONE_COLUMNS}
    update_missed INTEGER NOT NULL DEFAULT 0,
    provisional INTEGER NOT NULL DEFAULT 0,
    next_due INTEGER,
    source_key TEXT UNIQUE,
    last_seq INTEGER NOT NULL
);
CREATE INDEX complaints_received ON complaints(received_at);
CREATE INDEX complaints_month ON complaints(received_month);
CREATE INDEX complaints_open_due ON complaints(status, next_due);
CREATE INDEX complaints_department ON complaints(department, status);
CREATE INDEX complaints_duplicate ON complaints(duplicate_of);

CREATE TABLE policies (
    version INTEGER PRIMARY KEY,
    loaded_at INTEGER NOT NULL,
    by TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL
);

CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    reference TEXT NOT NULL,
    loaded_at INTEGER NOT NULL,
    by TEXT NOT NULL,
    text TEXT NOT NULL
);

CREATE TABLE calendar_cache (
    key TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
""",
    # 2: events.hash without its UNIQUE index.  Each hash covers the event's own sequence
    # number, the primary key, so the index could never refuse a row the key would not; it
    # was a third of the cost of appending an event and an eighth of the file.  SQLite cannot
    # drop a constraint in place: the table is copied (its rows, seq, hashes, all unchanged)
    # and its indexes and append-only triggers made again.
    """
CREATE TABLE events_v2 (
    seq INTEGER PRIMARY KEY,
    complaint_id INTEGER,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    by TEXT NOT NULL,
    data TEXT NOT NULL,
    pii TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO events_v2 (seq, complaint_id, kind, at, recorded_at, by, data, pii, prev_hash, hash)
    SELECT seq, complaint_id, kind, at, recorded_at, by, data, pii, prev_hash, hash
    FROM events ORDER BY seq;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE INDEX events_by_complaint ON events(complaint_id, seq);
CREATE INDEX events_by_kind ON events(kind, at);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
""",
    # 3: complaints.reopened_at, the start of the resolve span after a 复议 reopening, so the
    # warning window measures the current span (issue 13); filled in from the log.
    """
ALTER TABLE complaints ADD COLUMN reopened_at INTEGER;
UPDATE complaints SET reopened_at = (
    SELECT e.at FROM events e WHERE e.complaint_id = complaints.id AND e.kind = 'reopened'
    ORDER BY e.seq DESC LIMIT 1
) WHERE reopen_count > 0;
""",
    # 4 (issue 20): what each record is: 投诉 complaint (every existing row), 报修 repair,
    # 服务 service request, 咨询 inquiry, 建议 suggestion; an emergency repair; the time agreed
    # with the owner (预约时间); the record a complaint is about (``link --about``).
    """
ALTER TABLE complaints ADD COLUMN kind TEXT NOT NULL DEFAULT 'complaint';
ALTER TABLE complaints ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN appointment_at INTEGER;
ALTER TABLE complaints ADD COLUMN about INTEGER;
""",
    # 5: finding a complaint at the desk (issue 14).  The words of each complaint in an FTS5
    # table of bigrams (store/textindex.py, domain/textsearch.py): SQLite's trigram tokenizer
    # cannot match a two-character Chinese word, the commonest query; bigrams as tokens and
    # phrases of them match any string of two or more characters exactly.  The table is
    # filled by complaintctl_terms(), a function each connection of a ledger registers, from
    # the description, location, resolution, notes and plans, and the parts of the 房号.
    # 房号 exact or by prefix from an index on unit; a phone by its last four digits from an
    # index on them (digits only, the stored number may hold a '-'); a name from its index.
    """
CREATE VIRTUAL TABLE complaint_text USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');
INSERT INTO complaint_text (rowid, terms)
    SELECT c.id, complaintctl_terms(c.description, c.location, c.resolution,
        (SELECT group_concat(coalesce(json_extract(e.data, '$.note'), '') || ' ' ||
            coalesce(json_extract(e.data, '$.plan'), ''), ' ') FROM events e
         WHERE e.complaint_id = c.id AND e.kind IN ('updated', 'followed_up', 'noted')),
        c.unit)
    FROM complaints c;
CREATE INDEX complaints_unit ON complaints(unit);
CREATE INDEX personal_phone_tail ON personal(substr(replace(phone, '-', ''), -4));
CREATE INDEX personal_name ON personal(name);
""",
    # 6: sites (项目 / 服务中心, issue 21; domain/sites.py).  Every complaint belongs to one;
    # existing ledgers move into the first site, MAIN, whose complaint keys are their numbers,
    # so every id stays what it was.  complaints.site repeats what the key says, for filters
    # and indexes; a policy version applies to one site (policies.site) or to all (NULL).
    # settings holds the ledger's default site (``site default CODE``).
    """
CREATE TABLE sites (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    added_at INTEGER
);
INSERT INTO sites (code, name, added_at) VALUES ('MAIN', '本项目', NULL);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO settings (key, value) VALUES ('default_site', 'MAIN');
ALTER TABLE complaints ADD COLUMN site TEXT NOT NULL DEFAULT 'MAIN';
ALTER TABLE policies ADD COLUMN site TEXT;
CREATE INDEX complaints_site_month ON complaints(site, received_month);
CREATE INDEX complaints_site_open ON complaints(site, status, next_due);
""",
    # 7 (issue 16, honest history): a receipt imported with its day but no time of day, a
    # complaint imported as handled at an unknown time, and the milestones that for want of
    # a time are not judged (a bit mask by milestone, like provisional).
    """
ALTER TABLE complaints ADD COLUMN received_time_unknown INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN handled_time_unknown INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN unjudged INTEGER NOT NULL DEFAULT 0;
""",
    # 8 (issue 21): PostgreSQL's text index (a GIN index on the terms' tsvector,
    # store/pg_schema.py); nothing here, FTS5 is the index.  Kept so the numbers stay equal.
    """
SELECT 1;
""",
    # 9 (issue 21): one hash chain per site (store/chain.py).  Each new event names its
    # chain (the site's code) and its position in it; the hash covers that position and the
    # complaint's number within the site.  The events written before (both NULL) keep their
    # formula and are the beginning of the first site's chain.  The unique index finds a
    # chain's head and refuses a second event at one position (a fork).  ADD COLUMN leaves
    # the rows and the append-only triggers as they are.
    """
ALTER TABLE events ADD COLUMN chain TEXT;
ALTER TABLE events ADD COLUMN chain_seq INTEGER;
CREATE UNIQUE INDEX events_chain ON events(chain, chain_seq);
""",
    # 10 (issue 21): PostgreSQL's group_concat in linear time and its index of late entries
    # (store/pg_schema.py); SQLite's group_concat is linear already.  Kept so the numbers
    # stay equal.
    """
SELECT 1;
""",
    # 11 (issue 21): the complaints with no phone to call back (匿名), which the report's
    # 回访率 leaves out (reports/monthly.py): a partial index holding only those, so the
    # report reads them instead of every row of ``personal`` (0.9 s cold on 1,000,000).
    """
CREATE INDEX IF NOT EXISTS personal_anonymous ON personal(complaint_id) WHERE phone = '';
""",
]

SCHEMA_VERSION = len(MIGRATIONS)
