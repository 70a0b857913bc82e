"""What a warroom file holds: its tables (the forward-only migrations that make them),
how a file is recognised as warroom's and at which version, and the INSERTs both writers
share (the store's write path, warroom.core.sql, and the CLI's `warroom log`).

Stdlib only (sqlite3): `warroom log` in a deploy script goes through here without
loading pydantic or Textual, nor json, re or pathlib (with the enum re builds on, ~10 ms of
every call): its payload is written by json_text, the schema is read by expected_objects
without a regular expression. Running the migrations is warroom.core.db's (`migrate`).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from warroom.core.errors import DatabaseError

# pathlib only for the annotations (see the future import)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

APPLICATION_ID = 0x57524D31  # "WRM1": marks the file as warroom's

# Forward-only migrations; MIGRATIONS[n] takes a file from user_version n to n+1.
MIGRATIONS: list[str] = [
    # 1: incidents, the append-only timeline, and the editable side tables.
    """
    CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),
        phase TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
        commander TEXT NOT NULL,
        roles TEXT NOT NULL DEFAULT '{}',
        service TEXT,
        impact TEXT,
        impact_pct REAL,
        mitigation TEXT,
        declared_at TEXT NOT NULL,
        started_at TEXT,
        detected_at TEXT,
        restored_at TEXT,
        resolved_at TEXT,
        next_update_at TEXT,
        updates_sent INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        ts TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        author TEXT NOT NULL,
        ref TEXT REFERENCES events(id),
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_timeline ON events(incident_id, ts, seq);
    CREATE INDEX events_kind ON events(incident_id, kind);
    CREATE INDEX events_ref ON events(ref) WHERE ref IS NOT NULL;
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
    CREATE TABLE temp_fixes (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        what TEXT NOT NULL,
        "where" TEXT NOT NULL DEFAULT '',
        ticket TEXT NOT NULL DEFAULT '',
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL,
        removed_at TEXT,
        permanent INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE action_items (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        action TEXT NOT NULL,
        owner TEXT NOT NULL DEFAULT '',
        due TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'Open',
        created_at TEXT NOT NULL
    );
    CREATE TABLE texts (
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        name TEXT NOT NULL,
        text TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (incident_id, name)
    );
    """,
    # 2: full-text search over event text (external content: no second copy of the text).
    """
    CREATE VIRTUAL TABLE events_fts USING fts5(text, content='events', content_rowid='seq');
    INSERT INTO events_fts(rowid, text) SELECT seq, text FROM events;
    CREATE TRIGGER events_fts_insert AFTER INSERT ON events
        BEGIN INSERT INTO events_fts(rowid, text) VALUES (new.seq, new.text); END;
    """,
    # 3: close append-only's last hole. INSERT OR REPLACE deleted the row it collided with
    # without firing the DELETE trigger (SQLite fires none for REPLACE's deletes). An insert
    # whose id or seq is already there is now skipped (RAISE(IGNORE)): whatever its conflict
    # clause, for every client, so INSERT OR IGNORE of a known id stays a silent no-op (retried
    # writes rely on it). SQLite hands a BEFORE trigger seq = -1 when it will pick the seq
    # itself, so no row may have a seq below 1 (refused after the insert, when seq is real).
    """
    CREATE TRIGGER events_append_only_replace BEFORE INSERT ON events
        WHEN EXISTS (SELECT 1 FROM events WHERE id = new.id)
            OR EXISTS (SELECT 1 FROM events WHERE seq = new.seq)
        BEGIN SELECT RAISE(IGNORE); END;
    CREATE TRIGGER events_seq_positive AFTER INSERT ON events WHEN new.seq < 1
        BEGIN SELECT RAISE(ABORT, 'the timeline is append-only: seq is chosen by SQLite'); END;
    """,
    # 4: events are the only truth, and they can travel between files (the team sync).
    # hlc: a hybrid logical clock (wall milliseconds x 1000 + a counter), the order the state
    # is folded in; pos: where the event sits on the timeline (its hlc, or its time when it
    # was backdated); host: the file that wrote it; origin 1: pulled from a team server.
    # The handoff draft, postmortem sections and action items become revisions (events);
    # temporary fixes are told by their events alone. The view `texts` shows each draft as it
    # stands (its latest revision), for a person reading the file with sqlite3.
    """
    ALTER TABLE events ADD COLUMN hlc INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE events ADD COLUMN host TEXT NOT NULL DEFAULT '';
    ALTER TABLE events ADD COLUMN origin INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE events ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
    DROP TRIGGER events_append_only_update;
    UPDATE events SET hlc = CAST(round((julianday(recorded_at) - 2440587.5) * 86400000) AS INTEGER) * 1000 + seq % 1000;
    UPDATE events SET pos = CASE WHEN (julianday(recorded_at) - julianday(ts)) * 86400 > 60
        THEN CAST(round((julianday(ts) - 2440587.5) * 86400000) AS INTEGER) * 1000 ELSE hlc END;
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
    DROP INDEX events_timeline;
    CREATE INDEX events_order ON events(incident_id, pos, id);
    CREATE INDEX events_hlc ON events(hlc);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    DROP TRIGGER events_fts_insert;
    CREATE TRIGGER events_fts_insert AFTER INSERT ON events WHEN new.kind <> 'draft'
        BEGIN INSERT INTO events_fts(rowid, text) VALUES (new.seq, new.text); END;
    INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author, data, hlc, pos)
        SELECT 'legacy-draft-' || incident_id || '-' || name, incident_id, updated_at, updated_at, 'draft', text, '',
            json_object('name', name, 'base', json('[]')),
            CAST(round((julianday(updated_at) - 2440587.5) * 86400000) AS INTEGER) * 1000,
            CAST(round((julianday(updated_at) - 2440587.5) * 86400000) AS INTEGER) * 1000
        FROM texts;
    INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author, data, hlc, pos)
        SELECT 'legacy-item-' || id, incident_id, created_at, created_at, 'action_item', 'Action item: ' || action, '',
            json_object('item', id, 'action', action, 'owner', owner, 'due', due, 'status', status,
                'created_at', created_at, 'base', json('[]')),
            CAST(round((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER) * 1000,
            CAST(round((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER) * 1000
        FROM action_items;
    INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author, data, hlc, pos)
        SELECT 'legacy-fix-' || f.id, f.incident_id, f.added_at, f.added_at, 'tempfix',
            'Temporary fix added: ' || f.what, f.added_by,
            json_object('fix', f.id, 'action', 'added', 'what', f.what, 'where', f."where", 'ticket', f.ticket),
            CAST(round((julianday(f.added_at) - 2440587.5) * 86400000) AS INTEGER) * 1000,
            CAST(round((julianday(f.added_at) - 2440587.5) * 86400000) AS INTEGER) * 1000
        FROM temp_fixes f WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.kind = 'tempfix'
            AND json_extract(e.data, '$.fix') = f.id AND json_extract(e.data, '$.action') = 'added');
    INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author, data, hlc, pos)
        SELECT 'legacy-fix-closed-' || f.id, f.incident_id, f.removed_at, f.removed_at, 'tempfix',
            'Temporary fix ' || CASE WHEN f.permanent THEN 'made permanent' ELSE 'removed' END || ': ' || f.what,
            f.added_by,
            json_object('fix', f.id, 'action', CASE WHEN f.permanent THEN 'permanent' ELSE 'removed' END),
            CAST(round((julianday(f.removed_at) - 2440587.5) * 86400000) AS INTEGER) * 1000,
            CAST(round((julianday(f.removed_at) - 2440587.5) * 86400000) AS INTEGER) * 1000
        FROM temp_fixes f WHERE f.removed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events e
            WHERE e.kind = 'tempfix' AND json_extract(e.data, '$.fix') = f.id
            AND json_extract(e.data, '$.action') IN ('removed', 'permanent'));
    DROP TABLE texts;
    DROP TABLE action_items;
    DROP TABLE temp_fixes;
    CREATE VIEW texts AS
        SELECT e.incident_id, json_extract(e.data, '$.name') AS name, e.text, e.recorded_at AS updated_at
        FROM events e WHERE e.kind = 'draft' AND NOT EXISTS (
            SELECT 1 FROM events f WHERE f.incident_id = e.incident_id AND f.kind = 'draft'
                AND json_extract(f.data, '$.name') = json_extract(e.data, '$.name')
                AND (f.hlc > e.hlc OR (f.hlc = e.hlc AND f.id > e.id)));
    """,
    # 4 -> 5: rows pulled from a team server (origin 1) are indexed for search in bulk, one
    # INSERT ... SELECT per pulled transaction (sql.index_pulled), not by this trigger row by
    # row: catching up 100,000 events spent about three quarters of its time in it.
    """
    DROP TRIGGER events_fts_insert;
    CREATE TRIGGER events_fts_insert AFTER INSERT ON events WHEN new.kind <> 'draft' AND new.origin <> 1
        BEGIN INSERT INTO events_fts(rowid, text) VALUES (new.seq, new.text); END;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

# The one INSERT every writer uses (warroom.core.sql.append, the CLI, the demo's bulk rows).
# The hlc is chosen inside the statement, under the write lock: never below the highest the
# file holds + 1, so an event written after another sorts after it whatever the wall clock did.
INSERT_EVENT = """
INSERT OR IGNORE INTO events (id, incident_id, ts, recorded_at, kind, text, author, ref, data, hlc, host, origin, pos)
SELECT :id, :incident_id, :ts, :recorded_at, :kind, :text, :author, :ref, :data, c.hlc, :host, 0,
    coalesce(:pos, c.hlc)
FROM (SELECT max(:wall, coalesce((SELECT max(hlc) FROM events), 0) + 1) AS hlc) AS c
"""
# An event whose time is this much earlier than when it was written counts as backdated.
BACKDATED_AFTER_MS = 60_000
INSERT_INCIDENT = """
INSERT OR IGNORE INTO incidents (id, title, severity, phase, commander, roles, service, impact,
    impact_pct, declared_at, started_at, detected_at, next_update_at)
VALUES (:id, :title, :severity, :phase, :commander, :roles, :service, :impact,
    :impact_pct, :declared_at, :started_at, :detected_at, :next_update_at)
"""


def event_params(
    *,
    id: str,
    incident_id: str,
    ts: str,
    recorded_at: str,
    kind: str,
    text: str,
    author: str,
    ref: str | None = None,
    data: dict | None = None,
    host: str = "",
) -> dict:
    """INSERT_EVENT's parameters; `ts` and `recorded_at` as stored (UTC ISO text)."""
    happened = _millis(ts)
    written = _millis(recorded_at)
    return {
        "id": id,
        "incident_id": incident_id,
        "ts": ts,
        "recorded_at": recorded_at,
        "kind": str(kind),
        "text": text,
        "author": author,
        "ref": ref,
        "data": json_text(data or {}),
        "host": host,
        "wall": written * 1000,
        "pos": happened * 1000 if written - happened > BACKDATED_AFTER_MS else None,
    }


def json_text(data: dict) -> str:
    """json.dumps(data, ensure_ascii=False, sort_keys=True). A flat payload of plain text,
    true, false and null (`warroom log` writes {"source": "cli"}) is written here; anything
    else by json itself (json imports re: ~5 ms of every `warroom log`)."""
    if all(type(key) is str and _needs_no_escape(key) for key in data):
        items = []
        for key in sorted(data):
            value = data[key]
            if value is True or value is False or value is None:
                shown = "true" if value is True else "false" if value is False else "null"
            elif type(value) is str and _needs_no_escape(value):
                shown = f'"{value}"'
            else:
                break
            items.append(f'"{key}": {shown}')
        else:
            return "{" + ", ".join(items) + "}"
    import json

    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _needs_no_escape(text: str) -> bool:
    """True only for text json.dumps(ensure_ascii=False) writes as it is (it escapes the quote,
    the backslash and the control characters; isprintable() is False for all of those)."""
    return text.isprintable() and '"' not in text and "\\" not in text


def _millis(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp).timestamp() * 1000)


def split_sql(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


_EXPECTED: dict[int, frozenset[tuple[str, str]]] = {}
_OBJECT_KINDS = ("TABLE", "INDEX", "TRIGGER", "VIEW")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _created_and_dropped(script: str) -> list[tuple[str, str, str]]:
    """(CREATE or DROP, kind, name) of each schema statement in `script`, in order: the words
    `CREATE|DROP [UNIQUE|VIRTUAL] TABLE|INDEX|TRIGGER|VIEW [IF [NOT] EXISTS] name`, read
    without a regular expression (re, with the enum it builds on, costs `warroom log` ~4 ms)."""
    words = script.split()
    found = []
    for i, word in enumerate(words):
        verb = word.upper()
        if verb not in ("CREATE", "DROP"):
            continue
        rest = [w.upper() for w in words[i + 1 : i + 7]] + [""] * 6  # the words after it, padded
        at = 1 if rest[0] in ("UNIQUE", "VIRTUAL") else 0
        if rest[at] not in _OBJECT_KINDS:
            continue
        kind = rest[at].lower()
        at += 1
        if rest[at : at + 3] == ["IF", "NOT", "EXISTS"]:
            at += 3
        elif rest[at : at + 2] == ["IF", "EXISTS"]:
            at += 2
        name = words[i + 1 + at] if i + 1 + at < len(words) else ""
        end = next((n for n, c in enumerate(name) if c not in _NAME_CHARS), len(name))
        if end:
            found.append((verb, kind, name[:end]))
    return found


def expected_objects(version: int) -> frozenset[tuple[str, str]]:
    """The tables, views, indexes and triggers a file at `version` has, read from the CREATE and DROP
    statements of MIGRATIONS[:version] in order (text only: replaying them in SQLite cost
    13 ms of every `warroom log`). FTS5's own shadow tables are not named, so not checked."""
    if version not in _EXPECTED:
        objects: set[tuple[str, str]] = set()
        for script in MIGRATIONS[:version]:
            for verb, kind, name in _created_and_dropped(script):
                (objects.add if verb == "CREATE" else objects.discard)((kind, name))
        _EXPECTED[version] = frozenset(objects)
    return _EXPECTED[version]


# A file's identity in one statement: its schema version, its application id and its objects
# (one row each; one row of NULLs for a file with none).
IDENTITY = """
SELECT v.user_version, a.application_id, m.type, m.name
FROM pragma_user_version AS v, pragma_application_id AS a
LEFT JOIN sqlite_master AS m ON m.name NOT LIKE 'sqlite_%'
"""


def _identity(conn: sqlite3.Connection) -> tuple[int, int, set[tuple[str, str]]]:
    rows = conn.execute(IDENTITY).fetchall()
    objects = {(kind, name) for _, _, kind, name in rows if name is not None}
    return rows[0][0], rows[0][1] & 0xFFFFFFFF, objects


def identity_problem(conn: sqlite3.Connection, path: Path | str, fresh_ok: bool = False) -> tuple[str, str] | None:
    """None for a sound warroom file, else (what the file is, in a few words; the refusal).

    Read-only: it runs before anything (the switch to WAL, a migration) writes to the file.
    """
    return _problem(*_identity(conn), path, fresh_ok)


def newer_refusal(path: Path | str, version: int) -> str:
    return f"{path} was written by a newer warroom (schema {version}; this one knows {SCHEMA_VERSION}): upgrade warroom"


def _problem(
    version: int, app_id: int, objects: set[tuple[str, str]], path: Path | str, fresh_ok: bool
) -> tuple[str, str] | None:
    if app_id == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            return "a newer warroom's file", newer_refusal(path, version)
        expected = expected_objects(version) if version >= 1 else frozenset({("table", "events")})
        missing = sorted(expected - objects)
        if missing:
            kind, name = missing[0]
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            why = f"its {kind} {name}{more} is missing" if version >= 1 else "it has no schema version"
            return f"a damaged file ({why})", (
                f"{path} is damaged ({why}); warroom left it untouched; use a copy or another --db"
            )
        return None
    if app_id != 0:
        return "another application's file", (
            f"{path} is another application's SQLite file (application_id 0x{app_id:08X}), not warroom's; "
            "choose another --db"
        )
    if objects or version:
        return "another application's file", (
            f"{path} is another application's SQLite file, not warroom's; choose another --db"
        )
    if fresh_ok:
        return None
    return "an empty database", (
        f"{path} is an empty SQLite database, not warroom's (warroom never leaves one); "
        "delete it to start a new one there, or choose another --db"
    )


def check_identity(conn: sqlite3.Connection, path: Path | str, fresh_ok: bool = False) -> int:
    """Refuse another application's file, a newer warroom's, a damaged one; return the schema
    version (all read in one statement)."""
    version, app_id, objects = _identity(conn)
    problem = _problem(version, app_id, objects, path, fresh_ok)
    if problem is not None:
        raise DatabaseError(problem[1])
    return version
